'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const http = require('node:http');
const { Scanner } = require('..');
const { createProxy } = require('../examples/proxy.js');

const POLICY = `
version = 1
[default]
default_action = "redact"
[default.detectors.credit_card]
action = "block"
`;

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

function request(port, body, chunks = [body]) {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/v1/echo?x=1', headers: { 'content-type': 'text/plain' } }, (res) => {
      const parts = [];
      res.on('data', (c) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(parts).toString() }));
    });
    req.on('error', reject);
    (async () => {
      for (const c of chunks) {
        req.write(c);
        await new Promise((r) => setTimeout(r, 5));
      }
      req.end();
    })();
  });
}

test('the example proxy redacts request bodies on their way upstream, and blocks', async (t) => {
  const received = [];
  const upstream = http.createServer((req, res) => {
    const parts = [];
    req.on('data', (c) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts).toString();
      received.push({ url: req.url, body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ got: body }));
    });
    req.on('error', () => {});
  });
  const upPort = await listen(upstream);
  const proxy = createProxy({ upstream: `http://127.0.0.1:${upPort}`, scanner: new Scanner({ policy: POLICY }) });
  const port = await listen(proxy);
  t.after(() => {
    proxy.close();
    upstream.close();
  });

  // A value split across the client's writes is still found.
  const r = await request(port, null, ['hello, mail jane.do', 'e@example.org and SSN 123-45-6789 thanks']);
  assert.equal(r.status, 200);
  assert.deepEqual(JSON.parse(r.body), { got: 'hello, mail [EMAIL] and SSN [US_SSN] thanks' });
  assert.equal(received.at(-1).url, '/v1/echo?x=1');

  const clean = await request(port, 'nothing sensitive');
  assert.deepEqual(JSON.parse(clean.body), { got: 'nothing sensitive' });

  const before = received.length;
  const blocked = await request(port, null, ['pay with 4111 1111 ', '1111 1111 please']);
  assert.equal(blocked.status, 403);
  assert.equal(JSON.parse(blocked.body).error.code, 'DLPJET_BLOCKED');
  await new Promise((r) => setTimeout(r, 50));
  for (const seen of received.slice(before)) assert.ok(!seen.body.includes('4111'), seen.body);
});
