'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Scanner, AuditLog, auditVerify, auditQuery, auditKeygen } = require('..');

const SALT = Buffer.from('a secret salt of at least 16 bytes');

test('decisions and events are recorded, verified and queried, never the values', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-audit-'));
  const key = path.join(dir, 'audit.key');
  assert.equal(auditKeygen(key).length, 16);
  const logDir = path.join(dir, 'log');
  const log = new AuditLog(logDir, { keyFile: key, salt: SALT, checkpointEvery: 2 });
  const s = new Scanner();
  const d = log.evaluate(s, 'card 4111 1111 1111 1111 and jane@example.org', 'inbound', { actor: 'key:9', details: { ticket: '7' } });
  assert.equal(d.action, 'redact');
  assert.equal(log.append('default', 'policy_change', { actor: 'user:1', policyVersion: '4' }), 1);
  const kept = log.checkpoint();
  assert.equal(kept.tree_size, 2);
  assert.equal(log.length, 2);
  log.close();
  const report = auditVerify(logDir, { publicKey: `${key}.pub`, checkpoints: [kept] });
  assert.equal(report.records, 2);
  const bytes = fs.readdirSync(logDir).map((f) => fs.readFileSync(path.join(logDir, f)).toString()).join('');
  assert.ok(!bytes.includes('4111 1111') && !bytes.includes('jane@example.org'));
  const [row] = auditQuery(logDir, { detector: 'email' });
  assert.equal(row.seq, 0);
  assert.equal(row.event.actor, 'key:9');
  assert.deepEqual(row.event.details, { ticket: '7' });
  assert.deepEqual(auditQuery(logDir, { action: 'policy_change' }).map((r) => r.seq), [1]);
  // Tampering is named precisely.
  const seg = path.join(logDir, 'seg-0000000000.log');
  fs.writeFileSync(seg, fs.readFileSync(seg, 'utf8').replace('"user:1"', '"user:2"'));
  assert.throws(() => auditVerify(logDir, { publicKey: `${key}.pub` }), (e) =>
    e.code === 'DLPJET_AUDIT_INVALID' && e.seq === 1 && e.line === 3 && /hash chain/.test(e.reason));
  fs.rmSync(dir, { recursive: true });
});

test('audit errors have codes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-audit-'));
  assert.throws(() => new AuditLog(dir, { durability: 'sometimes' }), (e) => e.code === 'DLPJET_INVALID_ARGUMENT');
  assert.throws(() => new AuditLog(dir, { salt: Buffer.from('short') }), (e) => e.code === 'DLPJET_INVALID_ARGUMENT');
  const log = new AuditLog(dir);
  assert.throws(() => new AuditLog(dir), (e) => e.code === 'DLPJET_AUDIT' && /another process/.test(e.message));
  assert.throws(() => log.evaluate(new Scanner(), 'x'), (e) => /salt/.test(e.message));
  assert.throws(() => log.append('t', 'explode'), (e) => e.code === 'DLPJET_INVALID_ARGUMENT');
  log.close();
  assert.throws(() => log.append('t', 'login'), (e) => e.code === 'DLPJET_AUDIT' && /closed/.test(e.message));
  assert.throws(() => auditQuery(dir, { since: 'last week' }), (e) => e.code === 'DLPJET_INVALID_ARGUMENT');
  fs.rmSync(dir, { recursive: true });
});
