'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const dlpjet = require('..');
const { Scanner, DlpError } = dlpjet;

const POLICY = `
version = 1
[default]
default_action = "warn"
[default.detectors.credit_card]
action = "block"
[default.detectors.email]
action = "redact"
[tenants.small]
limits = { max_input_bytes = 64 }
`;

const TEXTS = [
  'mail jane.doe@example.org today',
  'héllo wörld — jane@example.org, 🙂🙂 ok',
  '日本語のテキスト bob@example.com と 4111 1111 1111 1111',
  '𝒳𝒴 math letters, then AKIAERUWYPB5TD57UJZT and 10.1.2.3',
  'e\u0301e\u0301 combining then tom@example.net 🙂',
  'nothing to see here',
  '',
];

test('module-level scan and redact', () => {
  assert.equal(dlpjet.redact('card 4111 1111 1111 1111, mail jane@example.org'), 'card [CREDIT_CARD], mail [EMAIL]');
  assert.deepEqual(dlpjet.scan('mail jane@example.org').map((f) => f.detector), ['email']);
  assert.deepEqual(dlpjet.redact(Buffer.from('mail a@b.io')), Buffer.from('mail [EMAIL]'));
  assert.match(dlpjet.version, /^\d+\.\d+\.\d+$/);
  assert.ok(dlpjet.catalog().some((d) => d.id === 'iban'));
});

test('string offsets are JavaScript string indices, Buffer offsets are bytes', () => {
  const s = new Scanner();
  for (const text of TEXTS) {
    const found = s.scan(text);
    for (const f of found) {
      assert.equal(text.slice(f.start, f.end), f.value, text);
      assert.equal(typeof f.value, 'string');
    }
    const buf = Buffer.from(text);
    const byBytes = s.scan(buf);
    assert.deepEqual(byBytes.map((f) => [f.detector, f.value.toString()]), found.map((f) => [f.detector, f.value]));
    for (const f of byBytes) assert.deepEqual(buf.subarray(f.start, f.end), f.value);
  }
  const [f] = s.scan('🙂🙂 jane@example.org');
  assert.deepEqual([f.start, f.end], [5, 21]);
  const [b] = s.scan(Buffer.from('🙂🙂 jane@example.org'));
  assert.deepEqual([b.start, b.end], [9, 25]);
  const [u] = s.scan(new Uint8Array(Buffer.from('x a@b.io')));
  assert.deepEqual([u.start, u.end], [2, 8]);
});

test('findings carry detector, confidence, action and a masked preview', () => {
  const [f] = new Scanner().scan('card 4111 1111 1111 1111');
  assert.equal(f.detector, 'credit_card');
  assert.ok(f.confidence > 0 && f.confidence <= 1);
  assert.equal(f.action, 'redact');
  assert.equal(f.preview, '***************1111');
});

test('evaluate gives the policy decision', () => {
  const s = new Scanner({ policy: POLICY });
  let d = s.evaluate('mail jane@example.org');
  assert.equal(d.action, 'redact');
  assert.equal(d.output, 'mail [EMAIL]');
  assert.equal(d.truncated, false);
  d = s.evaluate('pay 4111 1111 1111 1111');
  assert.equal(d.action, 'block');
  assert.equal(d.output, undefined);
  assert.equal(d.blockCode, 'detector');
  assert.equal(d.reason, 'credit_card (1 hit)');
  assert.equal(s.evaluate('SSN 123-45-6789', 'outbound').action, 'warn');
  assert.equal(s.evaluate('hello').action, 'allow');
});

test('a decision and its findings log masked, as scan() results do', () => {
  const { inspect } = require('node:util');
  const d = new Scanner({ policy: POLICY }).evaluate('pay 4111 1111 1111 1111');
  const [f] = d.findings;
  assert.equal(f.value, '4111 1111 1111 1111');
  assert.equal(f.preview, '***************1111');
  for (const shown of [inspect(d, { depth: 5 }), JSON.stringify(d), inspect(f), JSON.stringify(f)]) {
    assert.ok(!shown.includes('4111 1111'), shown);
    assert.ok(shown.includes('***************1111'), shown);
  }
});

test('errors are Error subclasses named after what went wrong, each with its code', () => {
  const { PolicyError, UnknownTenantError, BlockedError, InternalError } = dlpjet;
  const cases = [
    [() => new Scanner({ policy: 'version = 1\n[default\n' }), PolicyError, 'DLPJET_POLICY_INVALID'],
    [() => new Scanner({ policy: POLICY, tenant: 'nobody' }), UnknownTenantError, 'DLPJET_UNKNOWN_TENANT'],
    [() => new Scanner({ policy: POLICY }).redact('pay 4111 1111 1111 1111'), BlockedError, 'DLPJET_BLOCKED'],
    [() => dlpjet._raiseInternalErrorForTests(), InternalError, 'DLPJET_INTERNAL'],
  ];
  for (const [f, cls, code] of cases) {
    assert.throws(f, (e) => {
      assert.ok(e instanceof cls && e instanceof DlpError && e instanceof Error, `${e.name}: ${e.message}`);
      assert.equal(e.name, cls.name);
      assert.equal(e.code, code);
      return true;
    });
  }
  assert.ok(UnknownTenantError.prototype instanceof PolicyError);
  assert.ok(!(new BlockedError({ message: 'x' }) instanceof PolicyError));
});

test('the addon itself throws Error objects with a code and details, no encoded message', () => {
  const native = require('../native.js');
  assert.throws(() => native.NativeScanner.compile('version = 1\n[default\n', null, null, null, null), (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.code, 'DLPJET_POLICY_INVALID');
    assert.equal(e.kind, 'syntax');
    assert.equal(e.line, 2);
    assert.ok(!e.message.includes('DLPJET') && !e.message.includes('{'), e.message);
    assert.ok(!('file' in e), 'null details are left out');
    return true;
  });
});

test('redact throws DLPJET_BLOCKED without the value', () => {
  const s = new Scanner({ policy: POLICY });
  assert.throws(() => s.redact('pay 4111 1111 1111 1111'), (e) => {
    assert.ok(e instanceof DlpError && e instanceof Error);
    assert.equal(e.code, 'DLPJET_BLOCKED');
    assert.equal(e.reason, 'detector');
    assert.equal(e.detector, 'credit_card');
    assert.equal(e.hits, 1);
    assert.ok(!e.message.includes('4111'));
    return true;
  });
  assert.throws(() => new Scanner({ policy: POLICY, tenant: 'small' }).scan('x'.repeat(65)),
    (e) => e.code === 'DLPJET_BLOCKED' && e.reason === 'input_too_large' && e.limit === 64);
});

test('policies from text, file, URL and object; tenants; detector selection', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-'));
  const file = path.join(dir, 'policy.toml');
  fs.writeFileSync(file, POLICY);
  for (const policy of [POLICY, file, new URL(`file://${file}`)]) {
    assert.equal(new Scanner({ policy }).redact('mail a@b.io'), 'mail [EMAIL]');
  }
  const obj = { version: 1, default: { default_action: 'warn', detectors: { email: { action: 'redact', redact: 'mask' } } } };
  assert.equal(new Scanner({ policy: obj }).redact('mail jane@example.org'), 'mail ****************');
  assert.equal(new Scanner({ policy: POLICY, tenant: 'small' }).tenant, 'small');
  const only = new Scanner({ detectors: ['email', 'us_ssn'] });
  assert.deepEqual([...only.detectors].sort(), ['email', 'us_ssn']);
  assert.equal(only.redact('jane@example.org, card 4111 1111 1111 1111'), '[EMAIL], card 4111 1111 1111 1111');
  fs.rmSync(dir, { recursive: true });
});

test('bad policies are errors with a code and the place of the mistake', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-'));
  const file = path.join(dir, 'bad.toml');
  fs.writeFileSync(file, 'version = 1\n[default]\ndefault_action = "explode"\n');
  assert.throws(() => new Scanner({ policy: file }), (e) => {
    assert.equal(e.code, 'DLPJET_POLICY_INVALID');
    assert.equal(e.kind, 'invalid_value');
    assert.deepEqual([e.file, e.line, e.column, e.field], [file, 3, 18, 'default.default_action']);
    assert.ok(e.message.startsWith(`${file}:3:18: `));
    return true;
  });
  assert.throws(() => new Scanner({ policy: 'version = 1\n[default\n' }), (e) => e.code === 'DLPJET_POLICY_INVALID' && e.kind === 'syntax' && e.line === 2);
  assert.throws(() => new Scanner({ policy: path.join(dir, 'missing.toml') }), (e) => e.code === 'DLPJET_POLICY_INVALID' && e.kind === 'io');
  assert.throws(() => new Scanner({ policy: POLICY, tenant: 'nobody' }), (e) => e.code === 'DLPJET_UNKNOWN_TENANT');
  assert.throws(() => new Scanner({ detectors: ['no_such_thing'] }), (e) => e.code === 'DLPJET_POLICY_INVALID' && e.kind === 'unknown_detector');
  assert.throws(() => new Scanner({ policy: { version: 1, default: { default_action: 'explode' } } }), (e) => e.code === 'DLPJET_POLICY_INVALID');
  fs.rmSync(dir, { recursive: true });
});

test('wrong argument types are TypeErrors with a code', () => {
  const s = new Scanner();
  for (const bad of [42, null, undefined, {}, ['a']]) {
    assert.throws(() => s.scan(bad), (e) => e instanceof TypeError && e.code === 'DLPJET_INVALID_ARGUMENT');
  }
  assert.throws(() => s.scan('x', 'sideways'), (e) => e.code === 'DLPJET_INVALID_ARGUMENT' && /direction/.test(e.message));
  assert.throws(() => new Scanner({ policy: 42 }), TypeError);
  assert.throws(() => new Scanner({ detectors: 'email' }), TypeError);
});

test('a Rust panic is an Error, not a crash', () => {
  assert.throws(() => dlpjet._raiseInternalErrorForTests(), (e) => e.code === 'DLPJET_INTERNAL' && /deliberate panic/.test(e.message));
});

test('async variants run off the event loop and give the same answers', async () => {
  const s = new Scanner({ policy: POLICY });
  for (const text of TEXTS) {
    assert.deepEqual(await s.scanAsync(text), s.scan(text));
    const buf = Buffer.from(text);
    assert.deepEqual(await s.scanAsync(buf), s.scan(buf));
  }
  assert.equal(await s.redactAsync('mail a@b.io'), 'mail [EMAIL]');
  assert.deepEqual(await s.redactAsync(Buffer.from('mail a@b.io')), Buffer.from('mail [EMAIL]'));
  await assert.rejects(s.redactAsync('4111 1111 1111 1111'), (e) => e.code === 'DLPJET_BLOCKED');
  await assert.rejects(s.scanAsync(5), (e) => e.code === 'DLPJET_INVALID_ARGUMENT');
  // The event loop turns while a large body is scanned.
  const big = Buffer.from('filler words without secrets '.repeat(400000) + 'jane@example.org');
  let ticks = 0;
  const timer = setInterval(() => ticks++, 0);
  const pending = Promise.all([s.scanAsync(big), s.scanAsync(big), s.scanAsync(big)]);
  const results = await pending;
  clearInterval(timer);
  assert.ok(ticks > 0, 'the event loop never ran while scanning');
  for (const r of results) assert.deepEqual(r.map((f) => f.detector), ['email']);
});

test('previews made in JavaScript match the engine, and JSON never holds the value', () => {
  const native = require('../native.js');
  const samples = ['4111111111111111', 'a@b.io', '-----BEGIN RSA PRIVATE KEY-----\nMII\n-----END RSA PRIVATE KEY-----',
    '4111\u200b1111\u200b1111\u200b1111', 'héllo wörld 12345678', '🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂🙂', 'tab\there\u0000and\u007fmore', '',
    'x'.repeat(40), '日本語のテキストとメール'];
  const rand = (() => { let s = 3; return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32); })();
  const alphabet = ['a', 'Z', '1', ' ', '\n', '\t', 'é', '日', '🙂', '\u200b', '\ufeff', '-', '\u0001'];
  for (let i = 0; i < 300; i++) {
    samples.push(Array.from({ length: Math.floor(rand() * 30) }, () => alphabet[Math.floor(rand() * alphabet.length)]).join(''));
  }
  for (const s of samples) {
    assert.equal(dlpjet.preview(s), native.preview(Buffer.from(s)), JSON.stringify(s));
    assert.equal(dlpjet.preview(Buffer.from(s)), native.preview(Buffer.from(s)));
  }
  for (const d of dlpjet.catalog()) assert.ok(d.example === '' || d.example.includes('*'));
  const [f] = new Scanner().scan('card 4111 1111 1111 1111');
  const json = JSON.stringify(f);
  assert.ok(!json.includes('4111 1111'), json);
  assert.deepEqual(JSON.parse(json), { detector: 'credit_card', start: 5, end: 24, confidence: f.confidence, action: 'redact', preview: '***************1111' });
  assert.ok(!require('node:util').inspect(f).includes('4111 1111'));
});
