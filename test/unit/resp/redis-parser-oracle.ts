// redis-parser (no type declarations) as a RESP2 decoding oracle for the reply writer tests.
import { createRequire } from 'node:module';

interface RedisParserInstance { execute(b: Buffer): void }
type RedisParserCtor = new (opts: {
  returnReply(r: unknown): void;
  returnError(e: Error): void;
  returnFatalError?(e: Error): void;
  returnBuffers?: boolean;
  stringNumbers?: boolean;
}) => RedisParserInstance;

const RedisParser = createRequire(import.meta.url)('redis-parser') as RedisParserCtor;

export type Decoded = null | number | string | { error: string } | Decoded[];

function normalize(v: unknown): Decoded {
  if (v === null) return null;
  if (Array.isArray(v)) return v.map(normalize);
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (v instanceof Error) return { error: v.message };
  if (typeof v === 'number' || typeof v === 'string') return v;
  throw new Error(`unexpected reply ${String(v)}`);
}

/** Decodes every RESP2 reply in bytes with redis-parser (strings as latin1, integers as strings). */
export function decodeResp2(bytes: Buffer): Decoded[] {
  const out: Decoded[] = [];
  const parser = new RedisParser({
    returnReply: (r) => out.push(normalize(r)),
    returnError: (e) => out.push({ error: e.message }),
    returnFatalError: (e) => { throw e; },
    returnBuffers: true,
    stringNumbers: true,
  });
  parser.execute(bytes);
  return out;
}
