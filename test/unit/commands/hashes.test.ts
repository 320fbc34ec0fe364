import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hashCommands } from '../../../src/commands/hashes.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { HashValue } from '../../../src/types/hash-value.ts';
import { decodeValue, encodeValue } from '../../../src/ipc/value-transfer.ts';
import { LocalShoal, RealRedis, compareSequence, show } from './harness.ts';
import { parseReply } from './real-redis.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([hashCommands, stringCommands, keyCommands]);
});

async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

/** Both replies as sorted flat lists of strings (for hashtable-encoded results, whose order is Redis's dict order). */
async function sameUnordered(argv: string[]): Promise<void> {
  const expected = parseReply(await redis.call(argv))[0];
  const actual = parseReply(local.call(argv))[0];
  const flat = (v: unknown): unknown => (Array.isArray(v) ? v.flat(2).map(String).sort() : v);
  expect(flat(actual), JSON.stringify(argv)).toEqual(flat(expected));
}

async function sameEncoding(key: string): Promise<void> {
  const expected = parseReply(await redis.call(['OBJECT', 'ENCODING', key]))[0];
  const value = local.ctx.db.get(key);
  expect(value === undefined ? null : (value as HashValue).encoding(), key).toEqual(expected);
}

function fields(n: number, prefix = 'f'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(`${prefix}${i}`, `v${i}`);
  return out;
}

describe('HSET, HGET and the small commands', () => {
  it('sets, reads and deletes fields in listpack order', () =>
    same(
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HSET', 'h', 'b', 'x', 'd', '4'],
      ['HMSET', 'h', 'e', '5'],
      ['HGETALL', 'h'],
      ['HKEYS', 'h'],
      ['HVALS', 'h'],
      ['HGET', 'h', 'b'],
      ['HGET', 'h', 'zz'],
      ['HGET', 'nokey', 'a'],
      ['HMGET', 'h', 'a', 'zz', 'e'],
      ['HMGET', 'nokey', 'a', 'b'],
      ['HLEN', 'h'],
      ['HLEN', 'nokey'],
      ['HSTRLEN', 'h', 'b'],
      ['HSTRLEN', 'h', 'zz'],
      ['HEXISTS', 'h', 'a'],
      ['HEXISTS', 'h', 'zz'],
      ['HDEL', 'h', 'b', 'zz', 'b'],
      ['HGETALL', 'h'],
      ['HSETNX', 'h', 'a', 'no'],
      ['HSETNX', 'h', 'n', 'yes'],
      ['HSETNX', 'fresh', 'n', 'yes'],
      ['HGETALL', 'h'],
      ['HDEL', 'h', 'a', 'c', 'd', 'e', 'n', 'more'],
      ['EXISTS', 'h'],
      ['HDEL', 'h', 'a'],
      ['HGETALL', 'nokey'],
      ['HKEYS', 'nokey'],
      ['HSET', 'bin', 'a\x00\xff\r\n', '\x00\x01', '', ''],
      ['HGETALL', 'bin'],
    ));

  it('checks arity and types', () =>
    same(
      ['HSET', 'h', 'a'],
      ['HSET', 'h', 'a', '1', 'b'],
      ['HMSET', 'h', 'a', '1', 'b'],
      ['HSET', 'h'],
      ['HGET', 'h'],
      ['SET', 's', 'x'],
      ...['HSET', 'HSETNX', 'HMSET'].map((c) => [c, 's', 'a', '1']),
      ...['HGET', 'HSTRLEN', 'HEXISTS', 'HDEL', 'HMGET'].map((c) => [c, 's', 'a']),
      ...['HLEN', 'HKEYS', 'HVALS', 'HGETALL', 'HRANDFIELD'].map((c) => [c, 's']),
      ['HRANDFIELD', 's', '3'],
      ['HINCRBY', 's', 'a', '1'],
      ['HINCRBYFLOAT', 's', 'a', '1'],
      ['HSCAN', 's', '0'],
      ['GET', 's'],
    ));
});

describe('HINCRBY and HINCRBYFLOAT', () => {
  it('adds integers with Redis errors', () =>
    same(
      ['HINCRBY', 'h', 'n', '5'],
      ['HINCRBY', 'h', 'n', '-7'],
      ['HINCRBY', 'h', 'n', 'x'],
      ['HINCRBY', 'h', 'n', '1.5'],
      ['HSET', 'h', 's', 'abc', 'big', '9223372036854775806', 'sp', ' 1'],
      ['HINCRBY', 'h', 's', '1'],
      ['HINCRBY', 'h', 'sp', '1'],
      ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'big', '1'],
      ['HINCRBY', 'h', 'n', '-9223372036854775808'],
      ['HINCRBY', 'h', 'n', '-9223372036854775808'],
      ['HINCRBY', 'new', 'x', '9223372036854775807'],
      ['HGETALL', 'h'],
    ));

  it('adds floats in long double precision', async () => {
    await same(
      ['HINCRBYFLOAT', 'h', 'f', '10.5'],
      ['HINCRBYFLOAT', 'h', 'f', '0.1'],
      ['HINCRBYFLOAT', 'h', 'f', '-5.0e3'],
      ['HINCRBYFLOAT', 'h', 'f', 'abc'],
      ['HINCRBYFLOAT', 'h', 'f', 'inf'],
      ['HINCRBYFLOAT', 'h', 'f', '1.7e308'],
      ['HINCRBYFLOAT', 'h', 'f', '1.7e4932'],
      ['HSET', 'h', 's', 'x', 'i', '12'],
      ['HINCRBYFLOAT', 'h', 's', '1'],
      ['HINCRBYFLOAT', 'h', 'i', '0.25'],
    );
    // The 309-byte result converted the hash to a hashtable.
    await sameEncoding('h');
    await sameUnordered(['HGETALL', 'h']);
  });

  it('propagates HINCRBYFLOAT as HSET of the result', () => {
    local.call(['HINCRBYFLOAT', 'h', 'f', '1.5']);
    local.call(['HINCRBYFLOAT', 'h', 'f', '1.25']);
    expect(local.propagated).toEqual([
      ['HSET', 'h', 'f', '1.5'],
      ['HSET', 'h', 'f', '2.75'],
    ]);
  });
});

describe('encodings', () => {
  it('converts to hashtable past hash-max-listpack-entries', async () => {
    await same(['HSET', 'h', ...fields(128)]);
    await sameEncoding('h');
    await same(['HSET', 'h', 'f127', 'again']);
    await sameEncoding('h');
    await same(['HSET', 'h', 'one-more', 'x']);
    await sameEncoding('h');
    await same(['HDEL', 'h', 'one-more', 'f1', 'f2']);
    await sameEncoding('h'); // one way
    await same(['HLEN', 'h'], ['HGET', 'h', 'f5'], ['HSTRLEN', 'h', 'f127'], ['HEXISTS', 'h', 'f1']);
    await sameUnordered(['HGETALL', 'h']);
    await sameUnordered(['HKEYS', 'h']);
    await sameUnordered(['HVALS', 'h']);
  });

  it('converts on a long field or value, however it arrives', async () => {
    const long = 'x'.repeat(65);
    const edge = 'y'.repeat(64);
    await same(['HSET', 'a', 'f', edge], ['HSET', 'b', 'f', long], ['HSET', 'c', long, '1'], ['HSETNX', 'd', 'f', long], ['HINCRBYFLOAT', 'e', long, '1'], ['HINCRBY', 'g', long, '1']);
    for (const key of ['a', 'b', 'c', 'd', 'e', 'g']) await sameEncoding(key);
    // A failed HSETNX converts nothing; an existing long value stays readable.
    await same(['HSET', 'k', 'f', 'v'], ['HSETNX', 'k', 'f', long]);
    await sameEncoding('k');
  });

  it('follows CONFIG SET thresholds', async () => {
    await redis.call(['CONFIG', 'SET', 'hash-max-listpack-entries', '2']);
    await redis.call(['CONFIG', 'SET', 'hash-max-listpack-value', '3']);
    local.config.hashMaxListpackEntries = 2;
    local.config.hashMaxListpackValue = 3;
    try {
      await same(['HSET', 'a', 'f', '1', 'g', '2'], ['HSET', 'b', 'f', '1', 'g', '2', 'h', '3'], ['HSET', 'c', 'abcd', '1']);
      for (const key of ['a', 'b', 'c']) await sameEncoding(key);
    } finally {
      await redis.call(['CONFIG', 'SET', 'hash-max-listpack-entries', '128']);
      await redis.call(['CONFIG', 'SET', 'hash-max-listpack-value', '64']);
    }
  });

  it('survives the value-transfer codec with its encoding', () => {
    local.call(['HSET', 'small', 'a', '1', 'b', '\x00\xff']);
    local.call(['HSET', 'big', ...fields(200)]);
    for (const key of ['small', 'big']) {
      const value = local.ctx.db.get(key) as HashValue;
      const [kind, payload] = encodeValue(value);
      const copy = decodeValue(kind, payload) as HashValue;
      expect(copy.encoding()).toBe(value.encoding());
      expect(copy.size).toBe(value.size);
      for (let i = 0; i < value.size; i++) expect(copy.get(value.fieldAt(i))).toBe(value.valueAt(i));
      const clone = value.clone() as HashValue;
      clone.delete(value.fieldAt(0));
      expect(value.size).toBe(copy.size);
    }
  });
});

describe('RESP3', () => {
  beforeEach(async () => {
    await redis.call(['HELLO', '3']);
    local.reply.proto = 3;
  });
  afterAll(() => redis.call(['HELLO', '2']));

  it('answers HGETALL with a map and HRANDFIELD pairs as nested arrays', async () => {
    await same(['HSET', 'h', 'a', '1', 'b', '2'], ['HGETALL', 'h'], ['HGETALL', 'nokey'], ['HRANDFIELD', 'h', '5', 'WITHVALUES'], ['HRANDFIELD', 'nokey'], ['HGET', 'h', 'x'], ['HMGET', 'h', 'x']);
    await redis.call(['HELLO', '2']);
    local.reply.proto = 2;
  });
});

describe('HRANDFIELD', () => {
  it('gives Redis errors and whole-hash answers', () =>
    same(
      ['HSET', 'h', 'a', '1', 'b', '2', 'c', '3'],
      ['HRANDFIELD', 'h', '3'],
      ['HRANDFIELD', 'h', '10', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '0'],
      ['HRANDFIELD', 'h', '0', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey'],
      ['HRANDFIELD', 'nokey', '5'],
      ['HRANDFIELD', 'nokey', '-5', 'WITHVALUES'],
      ['HRANDFIELD', 'h', 'x'],
      ['HRANDFIELD', 'h', '1', 'x'],
      ['HRANDFIELD', 'h', '1', 'WITHVALUES', 'x'],
      ['HRANDFIELD', 'h', '-9223372036854775808'],
      ['HRANDFIELD', 'h', '4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'h', '-4611686018427387904', 'WITHVALUES'],
      ['HRANDFIELD', 'nokey', '4611686018427387904', 'WITHVALUES'],
    ));

  for (const size of [5, 300]) {
    it(`returns the right shapes (${size} fields)`, () => {
      local.call(['HSET', 'h', ...fields(size)]);
      const hash = local.ctx.db.get('h') as HashValue;
      const parse = (argv: string[]) => parseReply(local.call(argv))[0] as string[];
      for (let round = 0; round < 20; round++) {
        const one = parseReply(local.call(['HRANDFIELD', 'h']))[0] as string;
        expect(hash.has(one)).toBe(true);
        for (const count of [1, 2, 3, size - 1, 100]) {
          const got = parse(['HRANDFIELD', 'h', String(count)]);
          expect(got.length).toBe(Math.min(count, size));
          expect(new Set(got).size).toBe(got.length);
          for (const f of got) expect(hash.has(f)).toBe(true);
          const pairs = parse(['HRANDFIELD', 'h', String(count), 'WITHVALUES']);
          expect(pairs.length).toBe(2 * Math.min(count, size));
          for (let i = 0; i < pairs.length; i += 2) expect(hash.get(pairs[i]!)).toBe(pairs[i + 1]);
        }
        const repeated = parse(['HRANDFIELD', 'h', '-20']);
        expect(repeated.length).toBe(20);
        for (const f of repeated) expect(hash.has(f)).toBe(true);
      }
      // Distribution: every field of a small hash shows up among many picks.
      const seen = new Set(parse(['HRANDFIELD', 'h', String(-50 * size)]));
      expect(seen.size).toBe(size);
    });
  }
});

describe('HSCAN', () => {
  it('returns a listpack in one call, with MATCH and Redis errors', () =>
    same(
      ['HSET', 'h', 'a1', '1', 'b1', '2', 'a2', '3'],
      ['HSCAN', 'h', '0'],
      ['HSCAN', 'h', '0', 'MATCH', 'a*'],
      ['HSCAN', 'h', '0', 'COUNT', '1'],
      ['HSCAN', 'h', '0', 'MATCH', '*', 'COUNT', '1000'],
      ['HSCAN', 'h', '0', 'COUNT', '0'],
      ['HSCAN', 'h', '0', 'COUNT', 'x'],
      ['HSCAN', 'h', '0', 'TYPE', 'string'],
      ['HSCAN', 'h', '0', 'MATCH'],
      ['HSCAN', 'h', 'x'],
      ['HSCAN', 'h', '-1'],
      ['HSCAN', 'nokey', '0'],
      ['HSCAN', 'nokey', 'x'],
      ['HSCAN', 'nokey', '0', 'COUNT', '0'],
    ));

  it('visits every field of a hashtable present for the whole scan, with changes during the scan', () => {
    local.call(['HSET', 'h', ...fields(1000)]);
    const stable = new Set<string>();
    for (let i = 0; i < 1000; i += 2) stable.add(`f${i}`);
    const seen = new Set<string>();
    let cursor = '0';
    let calls = 0;
    let added = 0;
    do {
      const [next, items] = parseReply(local.call(['HSCAN', 'h', cursor, 'COUNT', '37']))[0] as [string, string[]];
      for (let i = 0; i < items.length; i += 2) seen.add(items[i]!);
      cursor = next;
      // Delete some odd fields and add new ones between calls.
      local.call(['HDEL', 'h', `f${2 * calls + 1}`, `f${999 - 2 * calls}`]);
      local.call(['HSET', 'h', `new${added++}`, 'x']);
      calls++;
    } while (cursor !== '0' && calls < 1000);
    expect(cursor).toBe('0');
    for (const f of stable) expect(seen.has(f), f).toBe(true);
  });
});

describe('keyspace events', () => {
  it('reports hset, hdel and del as Redis does', () => {
    local.call(['HSET', 'h', 'a', '1', 'b', '2']);
    local.call(['HSETNX', 'h', 'a', '1']);
    local.call(['HINCRBY', 'h', 'n', '1']);
    local.call(['HINCRBYFLOAT', 'h', 'n', '1']);
    local.call(['HDEL', 'h', 'zz']);
    local.call(['HDEL', 'h', 'a', 'b', 'n']);
    expect(local.changes.map((c) => `${c.cls}:${c.event}`)).toEqual(['h:hset', 'h:hincrby', 'h:hincrbyfloat', 'h:hdel']);
    expect(local.notifications.map((c) => `${c.cls}:${c.event}`)).toEqual(['g:del']);
  });
});

describe('differential', () => {
  it('agrees with redis-server on random command sequences', async () => {
    await redis.call(['CONFIG', 'SET', 'hash-max-listpack-entries', '4']);
    await redis.call(['CONFIG', 'SET', 'hash-max-listpack-value', '4']);
    try {
      const key = fc.constantFrom('h1', 'h2');
      const field = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'longfield');
      const value = fc.oneof(fc.constantFrom('1', '-3', '2.5', 'x', ''), fc.integer({ min: -50, max: 50 }).map(String));
      const ordered = new Set(['HGETALL', 'HKEYS', 'HVALS']);
      const command = fc.oneof(
        fc.tuple(fc.constant('HSET'), key, field, value),
        fc.tuple(fc.constant('HSET'), key, field, value, field, value),
        fc.tuple(fc.constant('HSETNX'), key, field, value),
        fc.tuple(fc.constant('HDEL'), key, field, field),
        fc.tuple(fc.constant('HGET'), key, field),
        fc.tuple(fc.constant('HMGET'), key, field, field),
        fc.tuple(fc.constant('HLEN'), key),
        fc.tuple(fc.constant('HSTRLEN'), key, field),
        fc.tuple(fc.constant('HEXISTS'), key, field),
        fc.tuple(fc.constant('HINCRBY'), key, field, fc.integer({ min: -5, max: 5 }).map(String)),
        fc.tuple(fc.constant('HINCRBYFLOAT'), key, field, fc.constantFrom('0.1', '-1.5', '3')),
        fc.tuple(fc.constantFrom('HGETALL', 'HKEYS', 'HVALS'), key),
        fc.tuple(fc.constant('OBJECT'), fc.constant('ENCODING'), key),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
          await redis.call(['FLUSHALL']);
          local = new LocalShoal([hashCommands]);
          local.config.hashMaxListpackEntries = 4;
          local.config.hashMaxListpackValue = 4;
          for (const argv of commands as string[][]) {
            if (argv[0] === 'OBJECT') {
              await sameEncoding(argv[2]!);
              continue;
            }
            const value = local.ctx.db.get(argv[1]!);
            if (ordered.has(argv[0]!) && value instanceof HashValue && !value.isListpack()) {
              await sameUnordered(argv);
              continue;
            }
            const expected = await redis.call(argv);
            const actual = local.call(argv);
            expect(show(actual), JSON.stringify(argv)).toBe(show(expected));
          }
        }),
        { numRuns: 60 },
      );
    } finally {
      await redis.call(['CONFIG', 'SET', 'hash-max-listpack-entries', '128']);
      await redis.call(['CONFIG', 'SET', 'hash-max-listpack-value', '64']);
    }
  });
});
