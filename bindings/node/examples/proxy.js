'use strict';
/**
 * A redacting HTTP proxy: every request body is piped through dlpjet's redacting stream on its
 * way to the upstream server, so sensitive values never leave; a body the policy blocks gets a
 * 403 and the upstream request is abandoned before the blocked value is sent.
 *
 *   node examples/proxy.js --upstream http://127.0.0.1:9000 [--port 8080] [--policy policy.toml] [--tenant acme]
 *
 * Prints `listening on http://127.0.0.1:PORT` once ready.
 */
const http = require('node:http');
const { pipeline } = require('node:stream');
const { Scanner } = require('..');

/** An http.Server that forwards to `upstream` (a URL) with request bodies redacted by `scanner`. */
function createProxy({ upstream, scanner = new Scanner() }) {
  const target = new URL(upstream);
  return http.createServer((req, res) => {
    const headers = { ...req.headers, host: target.host };
    // The body changes length as it is redacted: send it chunked.
    delete headers['content-length'];
    const up = http.request({
      hostname: target.hostname,
      port: target.port,
      path: req.url,
      method: req.method,
      headers,
    });
    up.on('response', (r) => {
      res.writeHead(r.statusCode, r.headers);
      pipeline(r, res, () => {});
    });
    const fail = (status, body) => {
      up.destroy();
      if (!res.headersSent) {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      } else {
        res.destroy();
      }
    };
    up.on('error', (e) => fail(502, { error: { code: 'UPSTREAM', message: e.message } }));
    pipeline(req, scanner.createRedactStream({ direction: 'inbound' }), up, (err) => {
      if (!err) return;
      if (err.code === 'DLPJET_BLOCKED') {
        fail(403, { error: { code: err.code, reason: err.reason, detector: err.detector } });
      } else {
        fail(400, { error: { code: err.code || 'BAD_REQUEST', message: err.message } });
      }
    });
  });
}

module.exports = { createProxy };

if (require.main === module) {
  const args = Object.fromEntries(
    process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
  );
  if (!args.upstream) {
    console.error('usage: node examples/proxy.js --upstream URL [--port N] [--policy FILE] [--tenant NAME]');
    process.exit(2);
  }
  const scanner = new Scanner({ policy: args.policy, tenant: args.tenant });
  const server = createProxy({ upstream: args.upstream, scanner });
  server.listen(Number(args.port || 0), '127.0.0.1', () => {
    console.log(`listening on http://127.0.0.1:${server.address().port}`);
  });
}
