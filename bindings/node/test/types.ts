// How a TypeScript caller uses dlpjet; `tsc --noEmit` checks it against index.d.ts (test/types.test.js).
import { pipeline } from 'node:stream/promises';
import { Readable, Writable } from 'node:stream';
import { Scanner, DlpError, Finding, Decision, createRedactStream, redact } from '..';

async function main(): Promise<void> {
  const s = new Scanner({ policy: { version: 1, default: { default_action: 'redact' } }, tenant: undefined });
  const found: Finding[] = s.scan('mail a@b.io', 'inbound');
  const starts: number[] = found.map((f) => f.start);
  const text: string = s.redact('mail a@b.io');
  const raw: Buffer = s.redact(Buffer.from('mail a@b.io'));
  const d: Decision = s.evaluate('x', 'outbound');
  const later: Finding[] = await s.scanAsync(Buffer.alloc(10));
  const module: string = redact('4111 1111 1111 1111');
  const st = createRedactStream({ direction: 'inbound' });
  const held: number = st.heldBack;
  await pipeline(Readable.from(['a']), st, new Writable({ write: (_c, _e, cb) => cb() }));
  try {
    new Scanner({ policy: 'missing.toml' });
  } catch (e) {
    if (e instanceof DlpError && e.code === 'DLPJET_POLICY_INVALID') console.log(e.line, e.column);
  }
  console.log(starts, text, raw, d.action, later, module, held);
}

main();
