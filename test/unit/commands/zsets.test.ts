import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { zsetCommands } from '../../../src/commands/zsets.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { setCommands } from '../../../src/commands/sets.ts';
import { ZSetValue, decodeZSet, encodeZSet } from '../../../src/types/zset-value.ts';
import { LocalShoal, RealRedis, compareSequence } from './harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['HELLO', '2']);
  await redis.call(['FLUSHALL']);
  await redis.call(['CONFIG', 'SET', 'zset-max-listpack-entries', '128']);
  await redis.call(['CONFIG', 'SET', 'zset-max-listpack-value', '64']);
  local = new LocalShoal([zsetCommands, keyCommands, stringCommands, setCommands]);
});

/**
 * Runs the commands on both servers and expects byte-identical replies. OBJECT ENCODING (a keys
 * family subcommand the harness cannot dispatch) is answered locally from the value itself.
 */
async function same(...commands: string[][]): Promise<void> {
  expect(await compareWithEncoding(commands)).toBeUndefined();
}

async function compareWithEncoding(commands: string[][]): Promise<string | undefined> {
  for (const argv of commands) {
    if (argv[0] === 'OBJECT') {
      const expected = (await redis.call(argv)).toString('latin1');
      const value = local.keyspace.lookupRead(local.ctx.db, argv[2]!);
      const encoding = value === undefined || typeof value === 'string' ? null : value.encoding();
      const actual = encoding === null ? (local.reply.proto === 3 ? '_\r\n' : '$-1\r\n') : `$${encoding.length}\r\n${encoding}\r\n`;
      if (expected !== actual) return `${JSON.stringify(argv)}: redis ${JSON.stringify(expected)} shoal ${JSON.stringify(actual)}`;
      continue;
    }
    const diff = await compareSequence(local, redis, [argv]);
    if (diff !== undefined) return diff;
  }
  return undefined;
}

async function resp3(): Promise<void> {
  await redis.call(['HELLO', '3']);
  local.reply.proto = 3;
}

/** ZADD of n members m0..m(n-1) with scores i * step. */
function bulkAdd(key: string, n: number, step = 1, prefix = 'm'): string[] {
  const argv = ['ZADD', key];
  for (let i = 0; i < n; i++) argv.push(String(i * step), `${prefix}${i}`);
  return argv;
}

const SCORE_TEXTS = ['0', '-0', '1', '-1', '1.5', '0.1', '1e100', '-1e-300', '3.0000000000000004', 'inf', '-inf', '+inf', '0x1p-3', '1e308', '4.9e-324', '123456789012345678'];

describe('ZADD and ZINCRBY', () => {
  it('adds, updates and formats scores as Redis', () =>
    same(
      ['ZADD', 'z', '1', 'a', '2', 'b', '1', 'a'],
      ['ZADD', 'z', '3', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ...SCORE_TEXTS.map((s, i) => ['ZADD', 'f', s, `e${i}`]),
      ['ZRANGE', 'f', '0', '-1', 'WITHSCORES'],
      ...SCORE_TEXTS.map((_, i) => ['ZSCORE', 'f', `e${i}`]),
      ['ZMSCORE', 'f', 'e0', 'nope', 'e5'],
      ['ZMSCORE', 'missing', 'a', 'b'],
      ['ZCARD', 'f'],
      ['ZCARD', 'missing'],
    ));

  it('honours NX XX GT LT CH INCR and their conflicts', () =>
    same(
      ['ZADD', 'z', '5', 'a'],
      ['ZADD', 'z', 'NX', '1', 'a', '2', 'b'],
      ['ZADD', 'z', 'XX', '1', 'a', '2', 'c'],
      ['ZADD', 'z', 'XX', 'CH', '7', 'a', '2', 'c'],
      ['ZADD', 'z', 'GT', 'CH', '6', 'a', '1', 'b', '9', 'd'],
      ['ZADD', 'z', 'LT', 'CH', '10', 'a', '0', 'b'],
      ['ZADD', 'z', 'XX', 'GT', '100', 'a'],
      ['ZADD', 'z', 'INCR', '2.5', 'a'],
      ['ZADD', 'z', 'INCR', 'NX', '2.5', 'a'],
      ['ZADD', 'z', 'INCR', 'XX', '2.5', 'nope'],
      ['ZADD', 'z', 'INCR', 'GT', '-1', 'a'],
      ['ZADD', 'z', 'INCR', 'LT', '-1', 'a'],
      ['ZADD', 'z', 'NX', 'XX', '1', 'a'],
      ['ZADD', 'z', 'NX', 'GT', '1', 'a'],
      ['ZADD', 'z', 'LT', 'GT', '1', 'a'],
      ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'],
      ['ZADD', 'z', '1'],
      ['ZADD', 'z', '1', 'a', '2'],
      ['ZADD', 'z', 'CH'],
      ['ZADD', 'z', 'nan', 'a'],
      ['ZADD', 'z', 'x', 'a'],
      ['ZADD', 'z', ' 1', 'a'],
      ['ZADD', 'z', '1 ', 'a'],
      ['ZADD', 'z', '1e400', 'a'],
      ['ZADD', 'z', '1e-400', 'a'],
      ['ZADD', 'z', '', 'a'],
      ['ZADD', 'z', '1\x002', 'a'],
      ['ZADD', 'xx', 'XX', '1', 'a'],
      ['EXISTS', 'xx'],
      ['ZADD', 'z', 'inf', 'i'],
      ['ZINCRBY', 'z', '-inf', 'i'],
      ['ZINCRBY', 'z', '1', 'new'],
      ['ZINCRBY', 'z', 'abc', 'new'],
      ['ZINCRBY', 'z', 'nx', 'new'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
    ));

  it('answers WRONGTYPE for other types', () =>
    same(
      ['SET', 's', 'v'],
      ['ZADD', 's', '1', 'a'],
      ['ZADD', 's', 'x', 'a'],
      ['ZINCRBY', 's', '1', 'a'],
      ['ZREM', 's', 'a'],
      ['ZCARD', 's'],
      ['ZSCORE', 's', 'a'],
      ['ZMSCORE', 's', 'a'],
      ['ZRANK', 's', 'a'],
      ['ZRANGE', 's', '0', '1'],
      ['ZRANGESTORE', 'd', 's', '0', '1'],
      ['ZCOUNT', 's', '0', '1'],
      ['ZLEXCOUNT', 's', '-', '+'],
      ['ZPOPMIN', 's'],
      ['ZMPOP', '1', 's', 'MIN'],
      ['ZRANDMEMBER', 's'],
      ['ZRANDMEMBER', 's', '2'],
      ['ZUNION', '2', 'missing', 's'],
      ['ZINTERSTORE', 'd', '1', 's'],
      ['ZREMRANGEBYRANK', 's', '0', '1'],
      ['ZSCAN', 's', '0'],
    ));

  it('raises zadd, zincr and zrem events, and del when emptied', () => {
    local.call(['ZADD', 'z', '1', 'a']);
    local.call(['ZADD', 'z', '1', 'a']);
    local.call(['ZADD', 'z', 'INCR', '1', 'a']);
    local.call(['ZREM', 'z', 'nope']);
    local.call(['ZREM', 'z', 'a']);
    expect(local.changes.map((c) => `${c.event}:${c.cls}`)).toEqual(['zadd:z', 'zincr:z', 'zrem:z']);
    expect(local.notifications.map((c) => c.event)).toEqual(['del']);
    expect(local.call(['EXISTS', 'z']).toString()).toBe(':0\r\n');
  });
});

describe('encodings', () => {
  it('converts to skiplist past the entry and value limits, one way', async () => {
    await same(bulkAdd('z', 128), ['OBJECT', 'ENCODING', 'z'], ['ZADD', 'z', '1000', 'one-more'], ['OBJECT', 'ENCODING', 'z']);
    await same(['ZREMRANGEBYRANK', 'z', '0', '-3'], ['OBJECT', 'ENCODING', 'z'], ['ZRANGE', 'z', '0', '-1', 'WITHSCORES']);
    await same(['ZADD', 'v', '1', 'x'.repeat(64)], ['OBJECT', 'ENCODING', 'v'], ['ZADD', 'v', '1', 'y'.repeat(65)], ['OBJECT', 'ENCODING', 'v']);
  });

  it('encodes stored results by their size', () =>
    same(
      ['ZADD', 'long', '1', 'x'.repeat(70), '2', 'b', '3', 'c'],
      ['ZRANGESTORE', 'd1', 'long', '1', '2'],
      ['OBJECT', 'ENCODING', 'd1'],
      ['ZUNIONSTORE', 'd2', '1', 'long'],
      ['OBJECT', 'ENCODING', 'd2'],
      bulkAdd('big', 300),
      ['ZRANGESTORE', 'd3', 'big', '0', '127'],
      ['OBJECT', 'ENCODING', 'd3'],
      ['ZRANGESTORE', 'd4', 'big', '0', '128'],
      ['OBJECT', 'ENCODING', 'd4'],
      ['ZINTERSTORE', 'd5', '2', 'big', 'd3'],
      ['OBJECT', 'ENCODING', 'd5'],
    ));

  it('follows CONFIG zset-max-listpack-entries 0', async () => {
    await redis.call(['CONFIG', 'SET', 'zset-max-listpack-entries', '0']);
    local.config.set([['zset-max-listpack-entries', '0']]);
    await same(['ZADD', 'z', '1', 'a'], ['OBJECT', 'ENCODING', 'z'], ['ZRANGE', 'z', '0', '-1']);
  });

  it('moves between workers through its codec', () => {
    for (const skiplist of [false, true]) {
      const members = ['', 'a', 'x'.repeat(300), '\x00\xff'];
      const z = ZSetValue.fromSorted(members, [-Infinity, -0, 1.5, Infinity], skiplist);
      const back = decodeZSet(encodeZSet(z));
      expect(back.encoding()).toBe(z.encoding());
      const out: [string, number][] = [];
      back.forRange(0, back.size, false, (m, s) => out.push([m, s]));
      // A listpack keeps -0 as 0, as Redis's does.
      expect(out).toEqual([['', -Infinity], ['a', skiplist ? -0 : 0], ['x'.repeat(300), 1.5], ['\x00\xff', Infinity]]);
    }
  });
});

/** The same range commands against a listpack and a skiplist set. */
function rangeCommands(k: string): string[][] {
  return [
    ['ZRANGE', k, '0', '-1'],
    ['ZRANGE', k, '2', '5', 'WITHSCORES'],
    ['ZRANGE', k, '-3', '-1', 'REV', 'WITHSCORES'],
    ['ZRANGE', k, '5', '2'],
    ['ZRANGE', k, '-1000', '1000'],
    ['ZRANGE', k, '1000', '2000'],
    ['ZREVRANGE', k, '0', '3', 'WITHSCORES'],
    ['ZRANGE', k, '(3', '10', 'BYSCORE', 'WITHSCORES'],
    ['ZRANGE', k, '10', '(3', 'BYSCORE', 'REV'],
    ['ZRANGE', k, '-inf', '+inf', 'BYSCORE', 'LIMIT', '2', '3'],
    ['ZRANGE', k, '+inf', '-inf', 'BYSCORE', 'REV', 'LIMIT', '1', '2', 'WITHSCORES'],
    ['ZRANGE', k, '-inf', '+inf', 'BYSCORE', 'LIMIT', '-1', '3'],
    ['ZRANGE', k, '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '-1'],
    ['ZRANGE', k, '-inf', '+inf', 'BYSCORE', 'LIMIT', '0', '0'],
    ['ZRANGE', k, '-inf', '+inf', 'BYSCORE', 'LIMIT', '1000', '1'],
    ['ZRANGEBYSCORE', k, '4', '4'],
    ['ZRANGEBYSCORE', k, '(4', '(4'],
    ['ZRANGEBYSCORE', k, '5', '1'],
    ['ZRANGEBYSCORE', k, '(1', '(5', 'WITHSCORES', 'LIMIT', '1', '10'],
    ['ZREVRANGEBYSCORE', k, '(5', '(1', 'WITHSCORES'],
    ['ZREVRANGEBYSCORE', k, '+inf', '-inf', 'LIMIT', '3', '2'],
    ['ZCOUNT', k, '-inf', '+inf'],
    ['ZCOUNT', k, '(2', '7'],
    ['ZCOUNT', k, '7', '2'],
    ['ZRANK', k, 'm3'],
    ['ZREVRANK', k, 'm3'],
    ['ZRANK', k, 'nope'],
  ];
}

describe('ranges', () => {
  it('selects by rank and score in both encodings', async () => {
    await same(bulkAdd('small', 20, 0.5), bulkAdd('large', 300, 0.5));
    await same(...rangeCommands('small'), ...rangeCommands('large'), ...rangeCommands('missing'));
  });

  it('selects lexicographic ranges (equal scores) in both encodings', async () => {
    const words = ['', 'a', 'aa', 'ab', 'b', 'ba', 'c', 'c\x00', 'c\xff', 'd', 'zz'];
    const small = ['ZADD', 'small'];
    const large = ['ZADD', 'large'];
    for (const w of words) small.push('0', w);
    for (let i = 0; i < 200; i++) large.push('0', `w${String(i).padStart(3, '0')}`);
    await same(small, large);
    const lex: string[][] = [];
    for (const [k, lo, hi] of [
      ['small', '-', '+'],
      ['small', '[a', '[b'],
      ['small', '(a', '(b'],
      ['small', '[c', '+'],
      ['small', '(c', '[c\xff'],
      ['small', '+', '-'],
      ['small', '-', '-'],
      ['small', '[', '(a'],
      ['small', '[b', '[a'],
      ['large', '[w050', '(w100'],
      ['large', '-', '[w010'],
      ['large', '(w190', '+'],
    ] as const) {
      lex.push(
        ['ZRANGEBYLEX', k, lo, hi],
        ['ZREVRANGEBYLEX', k, hi, lo],
        ['ZRANGE', k, lo, hi, 'BYLEX', 'LIMIT', '1', '3'],
        ['ZRANGE', k, hi, lo, 'BYLEX', 'REV', 'LIMIT', '2', '-1'],
        ['ZLEXCOUNT', k, lo, hi],
      );
    }
    await same(...lex);
  });

  it('rejects bad ranges and options as Redis does', () =>
    same(
      ['ZADD', 'z', '1', 'a', '2', 'b'],
      ['ZRANGE', 'z', 'a', '1'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGE', 'z', '0', '1', 'BYLEX', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'BYLEX'],
      ['ZRANGE', 'z', '0', '1', 'REV', 'REV'],
      ['ZRANGE', 'z', '0', '1', 'LIMIT', '0'],
      ['ZRANGE', 'z', '0', '1', 'BYSCORE', 'LIMIT', 'x', '1'],
      ['ZRANGE', 'z', 'x', '1', 'BYSCORE'],
      ['ZRANGE', 'z', '(', '(1', 'BYSCORE'],
      ['ZRANGE', 'z', ' 1', '  +inf', 'BYSCORE'],
      ['ZRANGE', 'z', '', '1e999', 'BYSCORE'],
      ['ZRANGE', 'z', 'nan', '1', 'BYSCORE'],
      ['ZRANGE', 'z', '0', '1x', 'BYSCORE'],
      ['ZRANGE', 'z', 'a', '[b', 'BYLEX'],
      ['ZRANGE', 'z', '-x', '+', 'BYLEX'],
      ['ZRANGE', 'z', '', '+', 'BYLEX'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'REV'],
      ['ZRANGEBYSCORE', 'z', '0', '1', 'BYLEX'],
      ['ZRANGEBYLEX', 'z', '-', '+', 'WITHSCORES'],
      ['ZREVRANGE', 'z', '0', '1', 'LIMIT', '0', '1'],
      ['ZRANGESTORE', 'd', 'z', '0', '1', 'WITHSCORES'],
      ['ZCOUNT', 'z', 'a', '1'],
      ['ZLEXCOUNT', 'z', 'a', '+'],
      ['ZREMRANGEBYSCORE', 'z', '1', 'x'],
      ['ZREMRANGEBYLEX', 'z', 'x', '+'],
      ['ZREMRANGEBYRANK', 'z', '0', 'x'],
    ));

  it('stores ranges, replacing or deleting the destination', async () => {
    await same(bulkAdd('z', 10), ['SET', 'd', 'old'], ['EXPIRE', 'd', '100']);
    await same(['ZRANGESTORE', 'd', 'z', '2', '4'], ['TTL', 'd'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES']);
    await same(['ZRANGESTORE', 'd', 'z', '+inf', '(3', 'BYSCORE', 'REV', 'LIMIT', '1', '2'], ['ZRANGE', 'd', '0', '-1', 'WITHSCORES']);
    await same(['ZRANGESTORE', 'd', 'z', '[m1', '[m3', 'BYLEX'], ['ZRANGE', 'd', '0', '-1']);
    await same(['ZRANGESTORE', 'd', 'z', '5', '1'], ['EXISTS', 'd'], ['ZRANGESTORE', 'd', 'missing', '0', '1'], ['EXISTS', 'd']);
    expect(local.changes.filter((c) => c.key === 'd').map((c) => c.event)).toEqual(['set', 'expire', 'zrangestore', 'zrangestore', 'zrangestore', 'del']);
  });
});

describe('removals and pops', () => {
  it('removes by member, rank, score and lex', async () => {
    await same(bulkAdd('a', 30), bulkAdd('b', 300));
    for (const k of ['a', 'b']) {
      await same(
        ['ZREM', k, 'm1', 'm1', 'nope', 'm2'],
        ['ZREMRANGEBYRANK', k, '0', '2'],
        ['ZREMRANGEBYRANK', k, '-2', '-1'],
        ['ZREMRANGEBYRANK', k, '5', '1'],
        ['ZREMRANGEBYSCORE', k, '(10', '15'],
        ['ZREMRANGEBYSCORE', k, '20', '10'],
        ['ZREMRANGEBYLEX', k, '-', '(m0'],
        ['ZRANGE', k, '0', '-1', 'WITHSCORES'],
        ['ZCARD', k],
        ['ZREMRANGEBYSCORE', k, '-inf', '+inf'],
        ['EXISTS', k],
      );
    }
    await same(['ZREMRANGEBYRANK', 'missing', '0', '1'], ['ZREM', 'missing', 'a']);
  });

  it('pops from either end, with counts and errors', () =>
    same(
      bulkAdd('z', 6),
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z'],
      ['ZPOPMIN', 'z', '2'],
      ['ZPOPMIN', 'z', '0'],
      ['ZPOPMIN', 'z', '-1'],
      ['ZPOPMIN', 'z', 'x'],
      ['ZPOPMIN', 'z', '1', '2'],
      ['ZPOPMAX', 'z', '10'],
      ['EXISTS', 'z'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMAX', 'z', '3'],
      bulkAdd('y', 3),
      ['ZMPOP', '2', 'missing', 'y', 'MAX', 'COUNT', '2'],
      ['ZMPOP', '1', 'y', 'min'],
      ['ZMPOP', '1', 'y', 'MIN'],
      ['ZMPOP', '0', 'y', 'MIN'],
      ['ZMPOP', 'x', 'y', 'MIN'],
      ['ZMPOP', '1', 'y', 'MID'],
      ['ZMPOP', '3', 'y', 'MIN'],
      ['ZMPOP', '1', 'y', 'MIN', 'COUNT', '0'],
      ['ZMPOP', '1', 'y', 'MIN', 'COUNT', 'x'],
      ['ZMPOP', '1', 'y', 'MIN', 'COUNT', '1', 'COUNT', '1'],
      ['ZMPOP', '1', 'y', 'MIN', 'FOO'],
    ));

  it('propagates ZMPOP as ZPOPMIN/ZPOPMAX with a count', () => {
    local.call(bulkAdd('z', 3));
    local.call(['ZMPOP', '1', 'z', 'MAX', 'COUNT', '2']);
    expect(local.propagated).toEqual([['ZPOPMAX', 'z', '2']]);
    expect(local.changes.map((c) => c.event)).toEqual(['zadd', 'zpopmax']);
  });
});

describe('set operations', () => {
  it('computes unions, intersections and differences with weights and aggregates', async () => {
    await same(
      ['ZADD', 'a', '1', 'x', '2', 'y', '3', 'z', 'inf', 'i'],
      ['ZADD', 'b', '10', 'y', '20', 'z', '30', 'w', '-inf', 'i'],
      ['ZADD', 'c', '5', 'z', '7', 'y'],
      bulkAdd('big', 200),
    );
    const ops: string[][] = [];
    for (const op of ['ZUNION', 'ZINTER']) {
      ops.push(
        [op, '2', 'a', 'b'],
        [op, '2', 'a', 'b', 'WITHSCORES'],
        [op, '3', 'a', 'b', 'c', 'WEIGHTS', '1', '2', '0.5', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'MIN', 'WITHSCORES'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'max', 'WITHSCORES', 'WEIGHTS', '0', '-1'],
        [op, '3', 'a', 'missing', 'b', 'WITHSCORES'],
        [op, '2', 'a', 'a', 'WITHSCORES'],
        [op, '2', 'big', 'a', 'WITHSCORES'],
        [op, '0', 'a'],
        [op, '3', 'a', 'b'],
        [op, '2', 'a', 'b', 'WEIGHTS', '1'],
        [op, '2', 'a', 'b', 'WEIGHTS', '1', 'x'],
        [op, '2', 'a', 'b', 'AGGREGATE', 'AVG'],
        [op, '2', 'a', 'b', 'AGGREGATE'],
        [op, 'x', 'a'],
      );
    }
    ops.push(
      ['ZDIFF', '2', 'a', 'b', 'WITHSCORES'],
      ['ZDIFF', '3', 'big', 'a', 'c'],
      ['ZDIFF', '2', 'missing', 'a'],
      ['ZDIFF', '2', 'a', 'b', 'WEIGHTS', '1', '1'],
      ['ZINTERCARD', '2', 'a', 'b'],
      ['ZINTERCARD', '2', 'a', 'c', 'LIMIT', '1'],
      ['ZINTERCARD', '2', 'a', 'c', 'LIMIT', '0'],
      ['ZINTERCARD', '2', 'a', 'c', 'LIMIT', '-1'],
      ['ZINTERCARD', '0', 'a'],
      ['ZINTERCARD', '1', 'a', 'WITHSCORES'],
      ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '2', '3'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', 'dst', '2', 'a', 'c', 'AGGREGATE', 'MAX'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZDIFFSTORE', 'dst', '2', 'a', 'b'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZINTERSTORE', 'dst', '2', 'a', 'missing'],
      ['EXISTS', 'dst'],
      ['ZUNIONSTORE', 'dst', '1', 'a', 'WITHSCORES'],
    );
    await same(...ops);
  });
});

describe('plain sets as inputs (score 1)', () => {
  it('mixes sets and sorted sets in every set operation', () =>
    same(
      ['ZADD', 'z', '1', 'x', '2', 'y', '5', '7'],
      ['SADD', 'ints', '7', '8'],
      ['SADD', 'strs', 'x', 'q', 'y'],
      ['ZUNION', '3', 'z', 'ints', 'strs', 'WITHSCORES'],
      ['ZUNION', '2', 'z', 'strs', 'WEIGHTS', '2', '3', 'AGGREGATE', 'MAX', 'WITHSCORES'],
      ['ZINTER', '2', 'strs', 'z', 'WEIGHTS', '2', '3', 'WITHSCORES'],
      ['ZINTER', '2', 'ints', 'z', 'WITHSCORES'],
      ['ZDIFF', '2', 'strs', 'z', 'WITHSCORES'],
      ['ZDIFF', '2', 'z', 'ints', 'WITHSCORES'],
      ['ZINTERCARD', '2', 'strs', 'z'],
      ['ZUNIONSTORE', 'dst', '2', 'ints', 'strs'],
      ['ZRANGE', 'dst', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'strs', '0', '-1'],
    ));
});

describe('ZRANDMEMBER and ZSCAN', () => {
  it('answers the deterministic cases byte for byte', () =>
    same(
      bulkAdd('z', 5),
      bulkAdd('big', 200),
      ['ZRANDMEMBER', 'missing'],
      ['ZRANDMEMBER', 'missing', '3'],
      ['ZRANDMEMBER', 'z', '0'],
      ['ZRANDMEMBER', 'z', '5', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '100'],
      ['ZRANDMEMBER', 'big', '300', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', 'x'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORE'],
      ['ZRANDMEMBER', 'z', '1', 'WITHSCORES', 'x'],
      ['ZRANDMEMBER', 'z', '-9223372036854775808'],
      ['ZRANDMEMBER', 'z', '-9223372036854775807', 'WITHSCORES'],
      ['ZSCAN', 'z', '0'],
      ['ZSCAN', 'z', '0', 'MATCH', 'm[13]'],
      ['ZSCAN', 'z', 'x'],
      ['ZSCAN', 'z', '0', 'COUNT', '0'],
      ['ZSCAN', 'z', '0', 'TYPE', 'zset'],
      ['ZSCAN', 'missing', '0'],
    ));

  it('picks random members from the set, distinct when asked', () => {
    local.call(bulkAdd('z', 300));
    for (const count of [1, 5, 150, 299]) {
      const reply = local.call(['ZRANDMEMBER', 'z', String(count)]).toString('latin1');
      const members = reply.split('\r\n').filter((l) => l.startsWith('m'));
      expect(members.length).toBe(count);
      expect(new Set(members).size).toBe(count);
    }
    const repeated = local.call(['ZRANDMEMBER', 'z', '-1000', 'WITHSCORES']).toString('latin1');
    expect(repeated.startsWith('*2000\r\n')).toBe(true);
  });

  it('scans a skiplist set completely with cursors', () => {
    local.call(bulkAdd('z', 1000));
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const lines = local.call(['ZSCAN', 'z', cursor, 'COUNT', '77']).toString('latin1').split('\r\n');
      cursor = lines[2]!;
      for (let i = 5; i < lines.length; i += 4) seen.add(lines[i]!);
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
  });
});

describe('RESP3', () => {
  it('replies with doubles and nested pairs as Redis 7.0', async () => {
    await resp3();
    await same(
      ['ZADD', 'z', '1', 'a', '2.5', 'b', 'inf', 'c', '-0', 'd'],
      ['ZSCORE', 'z', 'b'],
      ['ZSCORE', 'z', 'c'],
      ['ZSCORE', 'z', 'd'],
      ['ZSCORE', 'z', 'nope'],
      ['ZMSCORE', 'z', 'a', 'nope'],
      ['ZINCRBY', 'z', '1', 'a'],
      ['ZADD', 'z', 'INCR', 'NX', '1', 'a'],
      ['ZRANGE', 'z', '0', '-1', 'WITHSCORES'],
      ['ZRANGE', 'z', '0', '-1'],
      ['ZREVRANGEBYSCORE', 'z', '+inf', '-inf', 'WITHSCORES'],
      ['ZUNION', '1', 'z', 'WITHSCORES'],
      ['ZRANDMEMBER', 'z', '10', 'WITHSCORES'],
      ['ZSCAN', 'z', '0'],
      ['ZRANK', 'z', 'nope'],
      ['ZPOPMIN', 'z'],
      ['ZPOPMIN', 'z', '1'],
      ['ZPOPMAX', 'z', '0'],
      ['ZMPOP', '1', 'z', 'MAX'],
      ['ZMPOP', '1', 'missing', 'MAX'],
      ['ZPOPMIN', 'missing'],
    );
  });
});

describe('differential: random command sequences against redis-server', () => {
  const member = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'aa', 'ab', '', 'x'.repeat(65));
  const score = fc.oneof(fc.integer({ min: -5, max: 5 }).map(String), fc.constantFrom('0.5', '-1.25', 'inf', '-inf', '1e20', '(1'));
  const bound = fc.oneof(fc.integer({ min: -6, max: 6 }).map(String), fc.integer({ min: -6, max: 6 }).map((n) => `(${n}`), fc.constantFrom('-inf', '+inf'));
  const lexBound = fc.oneof(member.map((m) => `[${m}`), member.map((m) => `(${m}`), fc.constantFrom('-', '+'));
  const index = fc.integer({ min: -12, max: 12 }).map(String);
  const key = fc.constantFrom('k1', 'k2');
  const command: fc.Arbitrary<string[]> = fc.oneof(
    fc.tuple(key, fc.array(fc.tuple(score, member), { minLength: 1, maxLength: 6 }), fc.subarray(['NX', 'XX', 'GT', 'LT', 'CH'], { maxLength: 2 })).map(([k, pairs, opts]) => [
      'ZADD',
      k,
      ...opts,
      ...pairs.flat(),
    ]),
    fc.tuple(key, score, member).map(([k, s, m]) => ['ZINCRBY', k, s, m]),
    fc.tuple(key, fc.array(member, { minLength: 1, maxLength: 3 })).map(([k, ms]) => ['ZREM', k, ...ms]),
    fc.tuple(key, index, index, fc.boolean(), fc.boolean()).map(([k, a, b, rev, ws]) => ['ZRANGE', k, a, b, ...(rev ? ['REV'] : []), ...(ws ? ['WITHSCORES'] : [])]),
    fc.tuple(key, bound, bound, fc.boolean(), fc.option(fc.tuple(fc.integer({ min: -1, max: 4 }), fc.integer({ min: -1, max: 4 })))).map(([k, a, b, rev, lim]) => [
      'ZRANGE', k, a, b, 'BYSCORE', ...(rev ? ['REV'] : []), 'WITHSCORES', ...(lim ? ['LIMIT', String(lim[0]), String(lim[1])] : []),
    ]),
    fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZCOUNT', k, a, b]),
    // Lex ranges are defined only when every member has the same score (Redis leaves the rest
    // undefined), so they run on a key that only ever gets score 0.
    fc.array(member, { minLength: 1, maxLength: 4 }).map((ms) => ['ZADD', 'lexk', ...ms.flatMap((m) => ['0', m])]),
    fc.tuple(lexBound, lexBound).map(([a, b]) => ['ZLEXCOUNT', 'lexk', a, b]),
    fc.tuple(key, member).map(([k, m]) => ['ZRANK', k, m]),
    fc.tuple(key, member).map(([k, m]) => ['ZREVRANK', k, m]),
    fc.tuple(key, bound, bound).map(([k, a, b]) => ['ZREMRANGEBYSCORE', k, a, b]),
    fc.tuple(key, index, index).map(([k, a, b]) => ['ZREMRANGEBYRANK', k, a, b]),
    fc.tuple(key, fc.integer({ min: 0, max: 3 })).map(([k, n]) => ['ZPOPMIN', k, String(n)]),
    fc.tuple(key, fc.integer({ min: 0, max: 3 })).map(([k, n]) => ['ZPOPMAX', k, String(n)]),
    fc.constantFrom<string[]>(['ZUNIONSTORE', 'k3', '2', 'k1', 'k2', 'WITHSCORES'], ['ZUNION', '2', 'k1', 'k2', 'WITHSCORES'], ['ZINTER', '2', 'k1', 'k2', 'WITHSCORES', 'AGGREGATE', 'MIN'], ['ZDIFF', '2', 'k1', 'k2', 'WITHSCORES']),
    key.map((k) => ['OBJECT', 'ENCODING', k]),
    key.map((k) => ['ZCARD', k]),
  );

  it('agrees on every reply (small limits so both encodings are exercised)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 40 }), async (commands) => {
        await redis.call(['FLUSHALL']);
        await redis.call(['CONFIG', 'SET', 'zset-max-listpack-entries', '4']);
        local = new LocalShoal([zsetCommands, keyCommands, stringCommands, setCommands]);
        local.config.set([['zset-max-listpack-entries', '4']]);
        const diff = await compareWithEncoding(commands);
        expect(diff).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});
