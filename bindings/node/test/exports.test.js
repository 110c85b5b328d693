'use strict';
// index.d.ts against what the package exports at run time: every runtime export is declared,
// every declared value exists, every class declares the methods its prototype has, and the
// union types list every name the native module uses (actions, directions).
const test = require('node:test');
const assert = require('node:assert/strict');
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dlpjet = require('..');
const native = require('../native.js');

/** The names index.d.ts exports as values (classes, functions, consts), via the TypeScript compiler. */
function declaredValues() {
  const ts = require(path.join(root, 'node_modules', 'typescript'));
  const program = ts.createProgram([path.join(root, 'index.d.ts')], { strict: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const file = program.getSourceFile(path.join(root, 'index.d.ts'));
  const symbol = checker.getSymbolAtLocation(file);
  const out = new Map();
  for (const s of checker.getExportsOfModule(symbol)) {
    if (s.flags & ts.SymbolFlags.Value) {
      const members = [];
      if (s.flags & ts.SymbolFlags.Class) {
        const type = checker.getDeclaredTypeOfSymbol(s);
        for (const p of checker.getPropertiesOfType(type)) members.push(p.getName());
      }
      out.set(s.getName(), members);
    }
  }
  return out;
}

test('every runtime export is declared in index.d.ts, and every declared value exists', () => {
  const declared = declaredValues();
  const runtime = Object.keys(dlpjet).filter((k) => !k.startsWith('_'));
  const undeclared = runtime.filter((k) => !declared.has(k));
  assert.deepEqual(undeclared, [], 'exported at run time but not in index.d.ts');
  const missing = [...declared.keys()].filter((k) => !(k in dlpjet));
  assert.deepEqual(missing, [], 'declared in index.d.ts but not exported');
});

test('each exported class declares the methods its prototype has', () => {
  const declared = declaredValues();
  for (const [name, members] of declared) {
    const value = dlpjet[name];
    if (typeof value !== 'function' || !/^class\b/.test(Function.prototype.toString.call(value))) continue;
    const methods = Object.getOwnPropertyNames(value.prototype).filter((m) => m !== 'constructor' && !m.startsWith('_'));
    const undeclared = methods.filter((m) => !members.includes(m));
    assert.deepEqual(undeclared, [], `${name}: methods missing from index.d.ts`);
  }
});

test("the Action and Direction types list every name the native module uses", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dlpjet-types-'));
  const lines = ["import type { Action, Direction } from '" + path.join(root, 'index').replace(/\\/g, '/') + "';"];
  native.actionNames().forEach((a, i) => lines.push(`export const action${i}: Action = ${JSON.stringify(a)};`));
  native.directionNames().forEach((d, i) => lines.push(`export const direction${i}: Direction = ${JSON.stringify(d)};`));
  const file = path.join(dir, 'names.ts');
  fs.writeFileSync(file, lines.join('\n') + '\n');
  const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '--noEmit', '--strict', '--module', 'commonjs', '--target', 'es2022',
    '--types', 'node', file], { cwd: root, encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
