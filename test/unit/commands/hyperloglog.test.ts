import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringCommands } from '../../../src/commands/strings.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { hyperloglogCommands } from '../../../src/commands/hyperloglog.ts';
import { murmurHash64AHalves } from '../../../src/types/hyperloglog.ts';
import { LocalShoal, RealRedis, compareSequence } from './harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(async () => {
  await redis.stop();
});
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  await redis.call(['CONFIG', 'SET', 'hll-sparse-max-bytes', '3000']);
  local = new LocalShoal([stringCommands, keyCommands, hyperloglogCommands]);
});

async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

/** PFADD commands adding `elements` to `key`, `batch` at a time, each followed by GET and PFCOUNT. */
function addInBatches(key: string, elements: string[], batch: number, check = true): string[][] {
  const commands: string[][] = [];
  for (let i = 0; i < elements.length; i += batch) {
    commands.push(['PFADD', key, ...elements.slice(i, i + batch)]);
    if (check) commands.push(['GET', key], ['PFCOUNT', key]);
  }
  return commands;
}

function range(prefix: string, n: number, from = 0): string[] {
  return Array.from({ length: n }, (_, i) => `${prefix}${i + from}`);
}

describe('MurmurHash64A', () => {
  it('hashes on 32-bit halves as the 64-bit C code does', () => {
    // Reference: the same algorithm in BigInt, straight from hyperloglog.c.
    const m = 0xc6a4a7935bd1e995n;
    const mask = (1n << 64n) - 1n;
    function reference(bytes: Buffer): bigint {
      let h = (0xadc83b19n ^ (BigInt(bytes.length) * m)) & mask;
      const blocks = bytes.length - (bytes.length & 7);
      for (let i = 0; i < blocks; i += 8) {
        let k = bytes.readBigUInt64LE(i);
        k = (k * m) & mask;
        k ^= k >> 47n;
        k = (k * m) & mask;
        h ^= k;
        h = (h * m) & mask;
      }
      const rest = bytes.length & 7;
      if (rest > 0) {
        for (let i = rest - 1; i >= 0; i--) h ^= BigInt(bytes[blocks + i]!) << BigInt(8 * i);
        h = (h * m) & mask;
      }
      h ^= h >> 47n;
      h = (h * m) & mask;
      h ^= h >> 47n;
      return h;
    }
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (arr) => {
        const b = Buffer.from(arr);
        const [hi, lo] = murmurHash64AHalves(b.toString('latin1'));
        expect((BigInt(hi) << 32n) | BigInt(lo)).toBe(reference(b));
      }),
      { seed: 4, numRuns: 300 },
    );
  });
});

describe('PFADD and PFCOUNT', () => {
  it('creates sparse values byte for byte as Redis does', () =>
    same(
      ['PFADD', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFADD', 'h'],
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['PFADD', 'h', 'a'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['GET', 'h'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'none'],
      ['PFADD', 'bin', '\x00\xff\x80', '', 'x'.repeat(1000)],
      ['GET', 'bin'],
      ['PFDEBUG', 'DECODE', 'bin'],
      ['PFDEBUG', 'ENCODING', 'bin'],
    ));

  it('promotes sparse to dense at hll-sparse-max-bytes, identically', async () => {
    await same(...addInBatches('h', range('e', 2500), 7));
    await same(['PFDEBUG', 'ENCODING', 'h'], ['PFDEBUG', 'DECODE', 'h']);
  });

  it('follows a lowered hll-sparse-max-bytes', async () => {
    await redis.call(['CONFIG', 'SET', 'hll-sparse-max-bytes', '200']);
    local.config.hllSparseMaxBytes = 200;
    await same(...addInBatches('h', range('x', 300), 3), ['PFDEBUG', 'ENCODING', 'h']);
  });

  it('counts random sets of up to 100k elements as Redis does', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 2000 }), fc.string({ maxLength: 4 }), async (n, batch, prefix) => {
        await redis.call(['DEL', 'r']);
        local.call(['DEL', 'r']);
        const elements = range(prefix, n);
        const commands = addInBatches('r', elements, batch, false);
        commands.push(['GET', 'r'], ['PFCOUNT', 'r'], ['GET', 'r']);
        expect(await compareSequence(local, redis, commands)).toBeUndefined();
      }),
      { seed: 20240607, numRuns: 3 },
    );
  });

  it('reports pfadd only when the value changes', () => {
    local.call(['PFADD', 'h', 'a']);
    local.call(['PFADD', 'h', 'a']);
    local.call(['PFCOUNT', 'h']);
    local.call(['PFCOUNT', 'h']);
    expect(local.changes).toEqual([
      { key: 'h', event: 'pfadd', cls: '$' },
      { key: 'h', event: '', cls: '' },
    ]);
  });
});

describe('PFCOUNT over several keys and PFMERGE', () => {
  it('merges sparse and dense values as Redis does', async () => {
    await same(
      ...addInBatches('s1', range('a', 50), 10, false),
      ...addInBatches('s2', range('a', 80, 30), 10, false),
      ...addInBatches('d1', range('b', 5000), 500, false),
      ['PFCOUNT', 's1', 's2'],
      ['PFCOUNT', 's1', 's2', 'd1', 'missing'],
      ['GET', 's1'],
      ['PFMERGE', 'm1', 's1', 's2'],
      ['GET', 'm1'],
      ['PFCOUNT', 'm1'],
      ['PFMERGE', 'm2', 's1', 'd1'],
      ['GET', 'm2'],
      ['PFCOUNT', 'm2'],
      ['PFMERGE', 's1', 's2'],
      ['GET', 's1'],
      ['PFMERGE', 'empty'],
      ['GET', 'empty'],
      ['PFMERGE', 'empty2', 'nothing'],
      ['GET', 'empty2'],
      ['PFMERGE', 'm3', 'm2', 'm1'],
      ['GET', 'm3'],
    );
  });

  it('merges into a sparse destination until it promotes', () =>
    same(...addInBatches('big', range('q', 1200), 100, false), ['PFMERGE', 'dst', 'big'], ['GET', 'dst'], ['PFDEBUG', 'ENCODING', 'dst']));
});

describe('type checks and corruption', () => {
  it('rejects values that are not HLLs', () =>
    same(
      ['SET', 'str', 'hello'],
      ['PFADD', 'str', 'a'],
      ['PFCOUNT', 'str'],
      ['PFCOUNT', 'str', 'other'],
      ['PFMERGE', 'str', 'x'],
      ['PFMERGE', 'x', 'str'],
      ['PFADD', 'h', 'a'],
      ['SETRANGE', 'h', '0', '0123'],
      ['PFCOUNT', 'h'],
      ['DEL', 'h'],
      ['PFADD', 'h', 'a'],
      ['SETRANGE', 'h', '4', 'x'],
      ['PFCOUNT', 'h'],
      ['DEL', 'h'],
      ['PFADD', 'h', 'a'],
      ['SETRANGE', 'h', '4', '\x00'],
      ['PFCOUNT', 'h'],
      ['PFDEBUG', 'GETREG', 'h'],
    ));

  it('detects corrupted sparse values', () =>
    same(
      ['PFADD', 'h', 'a', 'b', 'c'],
      ['APPEND', 'h', 'hello'],
      ['PFCOUNT', 'h'],
      ['PFCOUNT', 'h', 'h'],
      ['PFMERGE', 'h2', 'h'],
      ['PFDEBUG', 'TODENSE', 'h'],
      ['PFADD', 'h', 'zzz'],
      ['PFADD', 'h2', 'x'],
      ['SETRANGE', 'h2', '16', '\x7f\x00'],
      ['PFADD', 'h2', 'y', 'z', 'w'],
      ['GET', 'h2'],
      ['PFCOUNT', 'h2'],
    ));

  it('corrupted dense registers still count as Redis does', () =>
    same(
      ...addInBatches('d', range('d', 4000), 1000, false),
      ['SETRANGE', 'd', '16', '\xff'.repeat(200)],
      ['PFCOUNT', 'd'],
      ['GET', 'd'],
      ['SETRANGE', 'd', '16', '\xff'.repeat(12288)],
      ['PFCOUNT', 'd'],
      ['GET', 'd'],
    ));
});

describe('PFDEBUG', () => {
  it('answers as Redis does', () =>
    same(
      ['PFDEBUG', 'ENCODING', 'none'],
      ['PFADD', 'h', 'a', 'b', 'c', 'd'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'FOO', 'h'],
      ['PFDEBUG', 'GETREG', 'h'],
      ['PFDEBUG', 'ENCODING', 'h'],
      ['PFDEBUG', 'DECODE', 'h'],
      ['GET', 'h'],
      ['PFADD', 'h2', 'a'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['PFDEBUG', 'TODENSE', 'h2'],
      ['GET', 'h2'],
      ['PFCOUNT', 'h2'],
    ));
});

describe('PFSELFTEST', () => {
  // Ten million additions (about 2 s alone, more on a busy machine): run with SHOAL_SLOW_TESTS=1.
  it.skipIf(process.env.SHOAL_SLOW_TESTS === undefined)('passes, as it does in Redis', () => {
    expect(local.call(['PFSELFTEST']).toString('latin1')).toBe('+OK\r\n');
  });
});
