#!/usr/bin/env node
'use strict';
/**
 * The Node binding against the Rust engine, a pure-JS baseline with equivalent regexes, and
 * secretlint (its recommended preset), on the same generated text.
 *
 *   node benches/node.js [--mib 32] [--rounds 5] [--js-mib 4] [--secretlint-kib 256]
 *
 * Needs the addon built (`npx napi build --platform --release` in bindings/node) and builds
 * benches' `enginescan` with cargo. secretlint is installed into a temporary folder from the
 * npm registry when it is not found (it runs offline once installed). Figures are medians over
 * paired rounds (the engine baseline and the binding in turn).
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const ROOT = path.resolve(__dirname, '..');
const dlpjet = require(path.join(ROOT, 'bindings/node'));

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), Number(all[i + 1])]] : acc), []));
const MIB = args.mib ?? 32;
const ROUNDS = args.rounds ?? 5;
const JS_MIB = args['js-mib'] ?? 4;
const SECRETLINT_KIB = args['secretlint-kib'] ?? 256;

const WORDS = ('the a to and of we you it is for on that this with be have are not at our as can your ' +
  'ticket order update meeting deploy build release customer invoice account please thanks ' +
  'tomorrow today call review draft budget plan shipping refund login password reset').split(' ');

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

/** Chat-like lines; about one in six carries something sensitive (as in benches/python.py). */
function corpus(bytes, seed = 7) {
  const r = rng(seed);
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const secrets = [
    () => `card ${pick(['4111 1111 1111 1111', '5500-0000-0000-0004', '4012888888881881'])}`,
    () => `mail ${pick(WORDS)}.${pick(WORDS)}@example.org`,
    () => `call +1 212 555 ${String(Math.floor(r() * 10000)).padStart(4, '0')}`,
    () => `SSN 123-45-${1000 + Math.floor(r() * 9000)}`,
    () => `from 10.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}`,
    () => 'key AKIA' + Array.from({ length: 16 }, () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567')).join(''),
    () => 'IBAN GB82 WEST 1234 5698 7654 32',
    () => 'token ghp_' + Array.from({ length: 36 }, () => pick('abcdefghijklmnopqrstuvwxyz0123456789')).join(''),
  ];
  const lines = [];
  let size = 0;
  while (size < bytes) {
    const target = 50 + Math.floor(r() * 451);
    let line = '';
    while (line.length < target) line += (r() > 0.004 ? pick(WORDS) : pick(secrets)()) + ' ';
    line = line.slice(0, target).trim();
    lines.push(line);
    size += line.length + 1;
  }
  return lines.join('\n');
}

function luhn(s) {
  const d = s.replace(/\D/g, '');
  if (d.length < 13 || d.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < d.length; i++) {
    let x = d.charCodeAt(d.length - 1 - i) - 48;
    if (i % 2) { x *= 2; if (x > 9) x -= 9; }
    sum += x;
  }
  return sum % 10 === 0;
}

function mod97(iban) {
  const s = iban.replace(/ /g, '');
  const moved = s.slice(4) + s.slice(0, 4);
  let rem = 0;
  for (const c of moved) {
    const v = parseInt(c, 36).toString();
    for (const d of v) rem = (rem * 10 + Number(d)) % 97;
  }
  return rem === 1;
}

const JS_PATTERNS = [
  [/\b(?:\d[ -]?){12,18}\d\b/g, luhn],
  [/\b(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}\b/g],
  [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g],
  [/(?:\+\d{1,3}[ .-]?)?\(?\d{3}\)?[ .-]?\d{3}[ .-]?\d{4}\b/g],
  [/\b(?:AKIA|ASIA|AGPA|AIDA|AROA)[A-Z2-7]{16}\b/g],
  [/aws.{0,20}?['"=: ]([A-Za-z0-9/+=]{40})\b/gi],
  [/\bgh[pousr]_[A-Za-z0-9]{36}\b/g],
  [/\bxox[baprs]-[A-Za-z0-9-]{10,}/g],
  [/\b[rs]k_(?:live|test)_[A-Za-z0-9]{24,}\b/g],
  [/\bsk-(?:proj-)?[A-Za-z0-9_-]{20,}\b/g],
  [/\bAIza[0-9A-Za-z_-]{35}\b/g],
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/g],
  [/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g],
  [/\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g],
  [/\b(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}\b/g],
  [/\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g, mod97],
];

function jsScan(text) {
  let n = 0;
  for (const [re, check] of JS_PATTERNS) {
    for (const m of text.matchAll(re)) if (!check || check(m[0])) n++;
  }
  return n;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function time(f) {
  const t = performance.now();
  const out = f();
  return [out, performance.now() - t];
}

function cargoBin(name) {
  execFileSync('cargo', ['build', '--release', '-q', '-p', 'dlpjet-benches', '--bin', name], { cwd: ROOT, stdio: 'inherit' });
  return path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, 'target'), 'release', name);
}

async function secretlintScan(text) {
  let dir = path.join(os.tmpdir(), 'dlpjet-secretlint');
  if (!fs.existsSync(path.join(dir, 'node_modules/@secretlint/core'))) {
    fs.mkdirSync(dir, { recursive: true });
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--silent', '--prefix', dir,
      '@secretlint/core', '@secretlint/secretlint-rule-preset-recommend'], { stdio: 'inherit' });
  }
  const req = require('node:module').createRequire(path.join(dir, 'index.js'));
  const { lintSource } = req('@secretlint/core');
  const { creator } = req('@secretlint/secretlint-rule-preset-recommend');
  const run = () => lintSource({
    source: { filePath: '/bench.txt', content: text, contentType: 'text', ext: '.txt' },
    options: { config: { rules: [{ id: '@secretlint/secretlint-rule-preset-recommend', rule: creator }] } },
  });
  await run(); // warm-up
  const t = performance.now();
  const r = await run();
  return [r.messages.length, performance.now() - t];
}

async function main() {
  const enginescan = cargoBin('enginescan');
  const text = corpus(MIB * 1024 * 1024);
  const buf = Buffer.from(text);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-node-bench-'));
  fs.writeFileSync(path.join(dir, 'corpus.txt'), buf);
  const scanner = new dlpjet.Scanner();
  const mib = buf.length / 2 ** 20;
  console.log(`${mib.toFixed(1)} MiB of generated chat text, node ${process.version}, dlpjet ${dlpjet.version}`);

  scanner.scan(buf); // warm-up
  const engine = [];
  const sync = [];
  const str = [];
  let found = 0;
  for (let i = 0; i < ROUNDS; i++) {
    engine.push(Number(execFileSync(enginescan, [dir, '1', 'scan']).toString().trim().split(/\s+/)[0]));
    const [f, ms] = time(() => scanner.scan(buf));
    found = f.length;
    sync.push(ms);
    str.push(time(() => scanner.scan(text))[1]);
  }
  const asyncMs = [];
  for (let i = 0; i < ROUNDS; i++) {
    const t = performance.now();
    await scanner.scanAsync(buf);
    asyncMs.push(performance.now() - t);
  }
  fs.rmSync(dir, { recursive: true });
  const ratio = (xs) => median(xs.map((x, i) => engine[i] / x));
  console.log(`\nfindings: ${found}`);
  console.log('| what, one thread | median ms | MiB/s | throughput vs engine |');
  console.log('|---|---|---|---|');
  console.log(`| engine (enginescan) | ${median(engine).toFixed(1)} | ${(mib / median(engine) * 1e3).toFixed(0)} | 1.00 |`);
  console.log(`| scan(Buffer) | ${median(sync).toFixed(1)} | ${(mib / median(sync) * 1e3).toFixed(0)} | ${ratio(sync).toFixed(2)} |`);
  console.log(`| scan(string) | ${median(str).toFixed(1)} | ${(mib / median(str) * 1e3).toFixed(0)} | ${ratio(str).toFixed(2)} |`);
  console.log(`| scanAsync(Buffer) (pool thread) | ${median(asyncMs).toFixed(1)} | ${(mib / median(asyncMs) * 1e3).toFixed(0)} | ${(median(engine) / median(asyncMs)).toFixed(2)} |`);

  const clean = 'please review the draft budget plan before the meeting tomorrow and send the invoice to the customer'.slice(0, 100);
  const one = 'please review the draft; card 4111 1111 1111 1111 for the invoice, thanks, see you tomorrow morning'.slice(0, 100);
  console.log('\n| per call, 100 bytes | scan(string) ns | scan(Buffer) ns |');
  console.log('|---|---|---|');
  for (const [name, t] of [['no finding', clean], ['one finding', one]]) {
    const b = Buffer.from(t);
    const per = (f) => {
      const calls = 200000;
      const runs = [];
      for (let r = 0; r < 5; r++) runs.push(time(() => { for (let i = 0; i < calls; i++) f(); })[1] / calls * 1e6);
      return median(runs);
    };
    console.log(`| ${name} | ${per(() => scanner.scan(t)).toFixed(0)} | ${per(() => scanner.scan(b)).toFixed(0)} |`);
  }

  console.log('\n| baseline | MiB | ms | MiB/s | dlpjet scan(string) ms, same text | dlpjet speed-up |');
  console.log('|---|---|---|---|---|---|');
  const sample = text.slice(0, JS_MIB * 1024 * 1024);
  const ours = median(Array.from({ length: 5 }, () => time(() => scanner.scan(sample))[1]));
  const [, jsMs] = time(() => jsScan(sample));
  const smib = Buffer.byteLength(sample) / 2 ** 20;
  console.log(`| pure JS, ${JS_PATTERNS.length} regexes + Luhn/mod-97 | ${smib.toFixed(1)} | ${jsMs.toFixed(0)} | ${(smib / jsMs * 1e3).toFixed(1)} | ${ours.toFixed(1)} | ${(jsMs / ours).toFixed(0)}x |`);
  try {
    const small = text.slice(0, SECRETLINT_KIB * 1024);
    const [, slMs] = await secretlintScan(small);
    const oursSmall = median(Array.from({ length: 5 }, () => time(() => scanner.scan(small))[1]));
    const kmib = Buffer.byteLength(small) / 2 ** 20;
    console.log(`| secretlint, preset-recommend | ${kmib.toFixed(2)} | ${slMs.toFixed(0)} | ${(kmib / slMs * 1e3).toFixed(2)} | ${oursSmall.toFixed(2)} | ${(slMs / oursSmall).toFixed(0)}x |`);
  } catch (e) {
    console.log(`| secretlint | - | - | - | - | did not run: ${e.message.split('\n')[0]} |`);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
