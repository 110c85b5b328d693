// The real `dlpjet gateway` binary between the official openai npm package and a mock
// OpenAI-compatible provider (JSON and server-sent events) on loopback.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import readline from 'node:readline';
import OpenAI from 'openai';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const bin = process.env.DLPJET_BIN ?? join(
  JSON.parse(execFileSync('cargo', ['metadata', '--format-version', '1', '--no-deps'], { cwd: root, timeout: 60_000 })).target_directory,
  'release', 'dlpjet');
const EMAIL = 'jane.doe@example.org';
const CANARY = 'sk-canary-node-5e1f0c2b9a7d';

// Bounds, so that a hang fails the suite with a reason: the gateway's start, each request,
// and its stop (which waits up to 30 s for requests in flight).
const START_MS = 30_000;
const REQUEST_MS = 30_000;
const STOP_MS = 40_000;

let dir, upstream, gateway, exited, client, received = [], reply = '';

const delay = (ms) => new Promise((ok) => setTimeout(ok, ms).unref());

function chunk(obj) { return `data: ${JSON.stringify(obj)}\n\n`; }

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dlpjet-gw-node-'));
  upstream = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const r = JSON.parse(body);
      received.push({ headers: req.headers, body: r });
      const base = { id: 'c1', object: 'chat.completion.chunk', created: 1, model: r.model };
      if (!r.stream) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 1, model: r.model,
          choices: [{ index: 0, message: { role: 'assistant', content: reply }, finish_reason: 'stop' }],
          usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (let i = 0; i < reply.length; i += 2) {
        res.write(chunk({ ...base, choices: [{ index: 0, delta: { content: reply.slice(i, i + 2) }, finish_reason: null }] }));
      }
      res.write(chunk({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] }));
      res.end('data: [DONE]\n\n');
    });
  });
  await new Promise((ok) => upstream.listen(0, '127.0.0.1', ok));
  const run = (args, input) => execFileSync(bin, args, { cwd: dir, input, encoding: 'utf8', timeout: START_MS });
  // `vault init` creates the store; the key file must be private (0600).
  writeFileSync(join(dir, 'master.key'), run(['vault', 'init', '--store', 'vault.db']), { mode: 0o600 });
  const v = ['--store', 'vault.db', '--master-key-file', 'master.key'];
  const key = run(['keys', 'create', '--tenant', 'acme', '--user', 'node', ...v]).trim().split('\n')[0];
  run(['vault', 'put', '--tenant', 'acme', '--id', 'openai', ...v], CANARY);
  writeFileSync(join(dir, 'gateway.toml'), `
listen = "127.0.0.1:0"
[vault]
path = "vault.db"
master_key_file = "master.key"
[[upstreams]]
name = "mock"
kind = "openai"
base_url = "http://127.0.0.1:${upstream.address().port}/v1"
key = "openai"
[models.gpt-test]
route = [{ upstream = "mock", model = "gpt-real" }]
`);
  gateway = spawn(bin, ['gateway', '--config', join(dir, 'gateway.toml')], { stdio: ['ignore', 'pipe', 'inherit'] });
  exited = new Promise((ok) => gateway.once('exit', (code, signal) => ok({ code, signal })));
  // The address line, or an error naming why it never came: a gateway that exits or hangs
  // at start fails the suite instead of holding it forever.
  const line = await Promise.race([
    new Promise((ok) => readline.createInterface({ input: gateway.stdout }).once('line', ok)),
    exited.then(({ code, signal }) => { throw new Error(`the gateway exited before listening (${signal ?? `exit code ${code}`})`); }),
    delay(START_MS).then(() => { throw new Error(`the gateway printed no address within ${START_MS} ms`); }),
  ]);
  const url = line.split(' ').pop();
  client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0, timeout: REQUEST_MS });
});

after(async () => {
  upstream?.close();
  upstream?.closeAllConnections();
  let stopped = null;
  if (gateway && gateway.exitCode === null && gateway.signalCode === null) {
    // SIGTERM lets requests in flight finish (for at most 30 s); past that, SIGKILL.
    gateway.kill('SIGTERM');
    const forced = setTimeout(() => gateway.kill('SIGKILL'), STOP_MS);
    stopped = await exited;
    clearTimeout(forced);
  }
  gateway?.stdout.destroy();
  rmSync(dir, { recursive: true, force: true });
  if (stopped) assert.deepEqual(stopped, { code: 0, signal: null }, 'the gateway stops cleanly on SIGTERM');
});

test('non-streamed chat: request and answer redacted, provider key from the vault', async () => {
  reply = `write to ${EMAIL}`;
  const r = await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: `I am ${EMAIL}` }] });
  assert.equal(r.choices[0].message.content, 'write to [EMAIL]');
  const sent = received.at(-1);
  assert.equal(sent.body.messages[0].content, 'I am [EMAIL]');
  assert.equal(sent.body.model, 'gpt-real');
  assert.equal(sent.headers.authorization, `Bearer ${CANARY}`);
});

test('streamed chat: a value split over two-character deltas arrives redacted', async () => {
  reply = `mail ${EMAIL} now`;
  const stream = await client.chat.completions.create({ model: 'gpt-test', stream: true, messages: [{ role: 'user', content: 'hi' }] });
  let text = '';
  for await (const c of stream) text += c.choices[0]?.delta?.content ?? '';
  assert.equal(text, 'mail [EMAIL] now');
});

test('the default policy redacts every detector in requests', async () => {
  reply = 'ok';
  await client.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'my key is AKIAERUWYPB5TD57UJZT' }] });
  const sent = received.at(-1).body.messages[0].content;
  assert.ok(sent.startsWith('my key is '), sent);
  assert.ok(!sent.includes('AKIAERUWYPB5TD57UJZT'), sent);
});

test('an unknown API key is a 401 with no detail', async () => {
  const bad = new OpenAI({ baseURL: client.baseURL, apiKey: 'dlpjet_live_nope', maxRetries: 0 });
  await assert.rejects(bad.models.list(), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
});
