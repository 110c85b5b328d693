'use strict';
const test = require('node:test');
const assert = require('node:assert/strict');
const { Readable, Writable, pipeline: pipelineCb } = require('node:stream');
const { pipeline } = require('node:stream/promises');
const dlpjet = require('..');
const { Scanner } = dlpjet;

const POLICY = `
version = 1
[default]
default_action = "warn"
[default.detectors.credit_card]
action = "block"
[default.detectors.email]
action = "redact"
`;

const PIECES = ['mail jane.doe@example.org ', 'héllo 🙂 ', '4111 1111 ', '1111 1111 ', 'jane', '.doe@', 'example.org ',
  '日本語 ', 'SSN 123-45-', '6789 ', 'plain words ', '\n'];

/** A deterministic pseudo-random generator, so failures replay. */
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

function chunked(buf, rand) {
  const out = [];
  let at = 0;
  while (at < buf.length) {
    const n = 1 + Math.floor(rand() * 40);
    out.push(buf.subarray(at, at + n));
    at += n;
  }
  return out;
}

async function collect(stream, chunks) {
  const out = [];
  await pipeline(Readable.from(chunks), stream, new Writable({
    write(c, _e, cb) {
      out.push(c);
      cb();
    },
  }));
  return Buffer.concat(out);
}

test('a redact stream writes what redact writes, for any chunking', async () => {
  const s = new Scanner();
  const rand = rng(1);
  for (let round = 0; round < 200; round++) {
    const text = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => PIECES[Math.floor(rand() * PIECES.length)]).join('');
    const buf = Buffer.from(text);
    const out = await collect(s.createRedactStream(), chunked(buf, rand));
    assert.deepEqual(out.toString(), s.redact(text), JSON.stringify(text));
  }
});

test('a scan stream finds what a whole scan finds and passes data through', async () => {
  const s = new Scanner();
  const rand = rng(2);
  for (let round = 0; round < 200; round++) {
    const text = Array.from({ length: 1 + Math.floor(rand() * 12) }, () => PIECES[Math.floor(rand() * PIECES.length)]).join('');
    const buf = Buffer.from(text);
    const st = s.createScanStream();
    const found = [];
    st.on('finding', (f) => found.push(f));
    const out = await collect(st, chunked(buf, rand));
    assert.deepEqual(out, buf);
    const strip = (fs) => fs.map((f) => [f.detector, f.start, f.end, f.action, Buffer.from(f.value).toString()]);
    assert.deepEqual(strip(found), strip(s.scan(buf)));
  }
});

test("'finding' events log masked, as scan() results do", async () => {
  const { inspect } = require('node:util');
  const st = new Scanner().createScanStream();
  const found = [];
  st.on('finding', (f) => found.push(f));
  await collect(st, [Buffer.from('card 4111 1111 1111 1111 end')]);
  assert.equal(found.length, 1);
  assert.equal(Buffer.from(found[0].value).toString(), '4111 1111 1111 1111');
  for (const shown of [inspect(found[0]), JSON.stringify(found[0])]) {
    assert.ok(!shown.includes('4111 1111'), shown);
    assert.ok(shown.includes('***************1111'), shown);
  }
});

test('a blocked stream fails the pipeline and releases nothing of the value', async () => {
  const out = [];
  const sink = new Writable({
    write(c, _e, cb) {
      out.push(c);
      cb();
    },
  });
  const chunks = ['ok then ', 'pay 4111 1111 ', '1111 1111 now', ' and more'].map((c) => Buffer.from(c));
  await assert.rejects(
    pipeline(Readable.from(chunks), dlpjet.createRedactStream({ policy: POLICY }), sink),
    (e) => e.code === 'DLPJET_BLOCKED' && e.detector === 'credit_card',
  );
  assert.ok(!Buffer.concat(out).toString().includes('4111'));
});

test('errors upstream propagate through the redact stream', async () => {
  const failing = new Readable({
    read() {
      this.destroy(new Error('socket gone'));
    },
  });
  await assert.rejects(pipeline(failing, new Scanner().createRedactStream(), new Writable({ write: (c, e, cb) => cb() })),
    /socket gone/);
});

test('back-pressure: a slow consumer holds the producer back', async () => {
  const s = new Scanner();
  const st = s.createRedactStream({ highWaterMark: 1024 });
  let produced = 0;
  const total = 4 * 1024 * 1024;
  // Nothing to redact: what leaves equals what enters, so the distance is read-ahead alone.
  const chunk = Buffer.from('plain words and nothing sensitive then more words '.repeat(20));
  const source = new Readable({
    highWaterMark: 1024,
    read() {
      if (produced >= total) return this.push(null);
      produced += chunk.length;
      this.push(chunk);
    },
  });
  let consumed = 0;
  let maxAhead = 0;
  const sink = new Writable({
    highWaterMark: 1024,
    write(c, _e, cb) {
      consumed += c.length;
      maxAhead = Math.max(maxAhead, produced - consumed);
      setImmediate(cb);
    },
  });
  await pipeline(source, st, sink);
  assert.ok(produced >= total);
  // Without back-pressure the whole input would be read ahead of the consumer.
  assert.ok(maxAhead < 256 * 1024, `producer ran ${maxAhead} bytes ahead`);
});

test('string chunks and heldBack', async () => {
  const st = new Scanner().createRedactStream();
  const parts = [];
  st.on('data', (c) => parts.push(c));
  st.write('plain words '.repeat(300) + 'then jane.doe@exa');
  await new Promise((r) => setImmediate(r));
  assert.ok(st.heldBack > 0 && st.heldBack < 200);
  st.end('mple.org');
  await new Promise((r) => st.on('end', r));
  assert.ok(Buffer.concat(parts).toString().endsWith('then [EMAIL]'));
  assert.equal(st.decision.action, 'redact');
});

test('pipeline with callbacks works too', (t, done) => {
  const out = [];
  pipelineCb(Readable.from([Buffer.from('a@b.io')]), new Scanner().createRedactStream(), new Writable({
    write(c, _e, cb) {
      out.push(c);
      cb();
    },
  }), (err) => {
    assert.ifError(err);
    assert.equal(Buffer.concat(out).toString(), '[EMAIL]');
    done();
  });
});
