// Micro-benchmarks for src/resp: parsing a pipeline of 16 SET commands (ours vs redis-parser, the
// DESIGN.md baseline), and encoding typical replies. Registered into the shared tinybench runner.
import { createRequire } from 'node:module';
import type { Bench } from 'tinybench';
import { RequestParser } from '../../src/resp/request-parser.ts';
import { ReplyWriter } from '../../src/resp/reply-writer.ts';

interface RedisParserInstance { execute(b: Buffer): void }
type RedisParserCtor = new (opts: { returnReply(r: unknown): void; returnError(e: Error): void; returnBuffers?: boolean }) => RedisParserInstance;
const RedisParser = createRequire(import.meta.url)('redis-parser') as RedisParserCtor;

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBufferLen: 1024 * 1024 * 1024 };

function encodeCommand(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

// What redis-benchmark -P 16 -t set sends: 16 SETs of a 16-byte key and a 3-byte value.
const PIPELINE_16_SET = Buffer.from(
  Array.from({ length: 16 }, (_, i) => encodeCommand(['SET', `key:${String(i).padStart(12, '0')}`, 'xxx'])).join(''),
  'latin1',
);
const PIPELINE_16_SET_100B = Buffer.from(
  Array.from({ length: 16 }, (_, i) => encodeCommand(['SET', `key:${String(i).padStart(12, '0')}`, 'v'.repeat(100)])).join(''),
  'latin1',
);

export default function register(bench: Bench): void {
  const parser = new RequestParser(LIMITS);
  let sink = 0;

  bench.add('resp: parse 16 pipelined SET (3B values)', () => {
    parser.feed(PIPELINE_16_SET);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) sink += argv.length;
  });

  bench.add('resp: parse 16 pipelined SET (100B values)', () => {
    parser.feed(PIPELINE_16_SET_100B);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) sink += argv.length;
  });

  // Same input through a fixed split (a command cut in half across two reads).
  const half = PIPELINE_16_SET.length >> 1;
  const first = PIPELINE_16_SET.subarray(0, half);
  const second = PIPELINE_16_SET.subarray(half);
  bench.add('resp: parse 16 pipelined SET split across 2 reads', () => {
    parser.feed(first);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) sink += argv.length;
    parser.feed(second);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) sink += argv.length;
  });

  const redisParser = new RedisParser({ returnReply: (r) => { sink += (r as unknown[]).length; }, returnError: () => {}, returnBuffers: true });
  bench.add('resp: redis-parser (buffers) on the same 16 SET, baseline', () => {
    redisParser.execute(PIPELINE_16_SET);
  });

  const writer = new ReplyWriter();
  bench.add('resp: encode 16 +OK and take()', () => {
    for (let i = 0; i < 16; i++) writer.simple('OK');
    sink += writer.take().length;
  });

  const value100 = 'value-of-one-hundred-bytes-'.padEnd(100, 'x');
  bench.add('resp: encode 16 integers and 16 bulks (100B) and take()', () => {
    for (let i = 0; i < 16; i++) {
      writer.integer(i * 1234567);
      writer.bulk(value100);
    }
    sink += writer.take().length;
  });

  const members = Array.from({ length: 100 }, (_, i) => `member:${i}`);
  bench.add('resp: encode LRANGE-like array of 100 bulks and take()', () => {
    writer.array(members.length);
    for (const m of members) writer.bulk(m);
    sink += writer.take().length;
  });

  const scores = Array.from({ length: 100 }, (_, i) => i * 1.5 + 0.1);
  bench.add('resp: encode 100 doubles (ZRANGE WITHSCORES scores)', () => {
    for (const d of scores) writer.double(d);
    sink += writer.take().length;
  });

  bench.add('resp: sink', () => { sink = sink & 0xffff; });
}
