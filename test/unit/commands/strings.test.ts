import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { stringCommands } from '../../../src/commands/strings.ts';
import { bitmapCommands } from '../../../src/commands/bitmaps.ts';
import { LocalShoal, RealRedis, compareSequence } from './harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([stringCommands, bitmapCommands]);
});

/** Runs the commands on both servers and expects byte-identical replies. */
async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

/** A key of another type on both sides (the list family is not ours: build the value by hand). */
async function makeList(key: string): Promise<void> {
  await redis.call(['RPUSH', key, 'x']);
  local.ctx.db.set(key, { kind: 'list', accessTime: 0, encoding: () => 'listpack', clone: () => ({}) as never });
}

describe('GET and SET', () => {
  it('sets, gets and overwrites binary values', () =>
    same(['GET', 'k'], ['SET', 'k', 'v'], ['GET', 'k'], ['SET', 'k', 'a\x00\xff\r\nb'], ['GET', 'k'], ['get', 'k'], ['SET', 'e', ''], ['GET', 'e']));

  it('checks arity and option syntax', () =>
    same(
      ['GET'],
      ['SET', 'k'],
      ['SET', 'k', 'v', 'NX', 'XX'],
      ['SET', 'k', 'v', 'XX', 'NX'],
      ['SET', 'k', 'v', 'EX'],
      ['SET', 'k', 'v', 'EX', '10', 'PX', '10'],
      ['SET', 'k', 'v', 'KEEPTTL', 'EX', '10'],
      ['SET', 'k', 'v', 'EX', '10', 'KEEPTTL'],
      ['SET', 'k', 'v', 'PERSIST'],
      ['SET', 'k', 'v', 'EXAT', '1', 'PXAT', '1'],
      ['SET', 'k', 'v', 'FOO'],
      ['SET', 'k', 'v', 'nx', 'nx', 'get', 'GET'],
      ['SET', 'k', 'v', 'EX', 'abc'],
      ['SET', 'k', 'v', 'EX', '0'],
      ['SET', 'k', 'v', 'PX', '-1'],
      ['SET', 'k', 'v', 'EX', '9223372036854776'],
      ['SET', 'k', 'v', 'PX', '9223372036854775807'],
      ['SET', 'k', 'v', 'EX', '9223372036854775'],
      ['GET', 'k'],
    ));

  it('honours NX, XX and GET together', () =>
    same(
      ['SET', 'k', 'v', 'XX'],
      ['GET', 'k'],
      ['SET', 'k', 'v', 'NX'],
      ['SET', 'k', 'w', 'NX'],
      ['SET', 'k', 'w', 'XX', 'GET'],
      ['SET', 'k', 'x', 'NX', 'GET'],
      ['SET', 'n', 'x', 'XX', 'GET'],
      ['SET', 'n', 'x', 'GET'],
      ['GET', 'n'],
      ['SET', 'k', 'y', 'GET', 'EX', '100'],
      ['GET', 'k'],
    ));

  it('answers WRONGTYPE for other types', async () => {
    await makeList('l');
    await same(['GET', 'l'], ['SET', 'l', 'v', 'GET'], ['GETSET', 'l', 'v'], ['GETDEL', 'l'], ['GETEX', 'l'], ['APPEND', 'l', 'x'], ['STRLEN', 'l'], ['INCR', 'l'], ['INCRBYFLOAT', 'l', '1'], ['SETRANGE', 'l', '0', 'x'], ['GETRANGE', 'l', '0', '1'], ['MGET', 'l', 'nope'], ['LCS', 'l', 'x']);
    await same(['SET', 'l', 'v'], ['GET', 'l']);
  });

  it('propagates relative expiry as absolute PXAT', () => {
    local.call(['SET', 'k', 'v', 'EX', '100']);
    const at = local.keyspace.now + 100_000;
    expect(local.propagated).toEqual([['SET', 'k', 'v', 'PXAT', String(at)]]);
    expect(local.ctx.db.getExpire('k')).toBe(at);
    expect(local.changes).toEqual([{ key: 'k', event: 'set', cls: '$' }]);
    expect(local.notifications).toEqual([{ key: 'k', event: 'expire', cls: 'g' }]);
    local.call(['SET', 'k', 'w', 'KEEPTTL']);
    expect(local.ctx.db.getExpire('k')).toBe(at);
    local.call(['SET', 'k', 'w', 'GET', 'get']);
    expect(local.propagated.at(-1)).toEqual(['SET', 'k', 'w']);
    expect(local.ctx.db.getExpire('k')).toBeUndefined();
    local.call(['SETEX', 'k', '5', 'v']);
    expect(local.propagated.at(-1)).toEqual(['SET', 'k', 'v', 'PXAT', String(local.keyspace.now + 5000)]);
  });

  it('lets a past absolute expiry hide the key', () =>
    same(['SET', 'k', 'v', 'EXAT', '1'], ['GET', 'k'], ['SET', 'k', 'v', 'PXAT', '1000'], ['GET', 'k']));
});

describe('SETNX SETEX PSETEX GETSET GETDEL GETEX', () => {
  it('behaves like Redis', () =>
    same(
      ['SETNX', 'k', 'a'],
      ['SETNX', 'k', 'b'],
      ['GET', 'k'],
      ['SETEX', 'k', '0', 'v'],
      ['SETEX', 'k', 'x', 'v'],
      ['SETEX', 'k', '100', 'v'],
      ['PSETEX', 'k', '-5', 'v'],
      ['PSETEX', 'k', '100000', 'w'],
      ['GETSET', 'k', 'z'],
      ['GETSET', 'new', 'z'],
      ['GETDEL', 'k'],
      ['GETDEL', 'k'],
      ['GETEX', 'new'],
      ['GETEX', 'new', 'EX', '100'],
      ['GETEX', 'new', 'PERSIST'],
      ['GETEX', 'new', 'EX', '0'],
      ['GETEX', 'new', 'KEEPTTL'],
      ['GETEX', 'new', 'NX'],
      ['GETEX', 'new', 'EX', '1', 'PX', '1'],
      ['GETEX', 'new', 'PERSIST', 'EX', '1'],
      ['GETEX', 'missing', 'EX', '0'],
      ['GETEX', 'new', 'EXAT', '1'],
      ['GET', 'new'],
    ));

  it('propagates GETEX and GETDEL as their effects', () => {
    local.call(['SET', 'k', 'v']);
    local.call(['GETEX', 'k', 'PX', '5000']);
    expect(local.propagated.at(-1)).toEqual(['PEXPIREAT', 'k', String(local.keyspace.now + 5000)]);
    local.call(['GETEX', 'k', 'PERSIST']);
    expect(local.propagated.at(-1)).toEqual(['PERSIST', 'k']);
    const before = local.propagated.length;
    local.call(['GETEX', 'k', 'PERSIST']);
    expect(local.propagated.length).toBe(before);
    local.call(['GETEX', 'k', 'PXAT', '1']);
    expect(local.propagated.at(-1)).toEqual(['DEL', 'k']);
    expect(local.changes.at(-1)).toEqual({ key: 'k', event: 'del', cls: 'g' });
    local.call(['SET', 'k', 'v']);
    local.call(['GETDEL', 'k']);
    expect(local.propagated.at(-1)).toEqual(['DEL', 'k']);
    local.call(['GETSET', 'k', 'x']);
    expect(local.propagated.at(-1)).toEqual(['SET', 'k', 'x']);
  });
});

describe('MGET MSET MSETNX', () => {
  it('behaves like Redis', () =>
    same(
      ['MSET', 'a', '1', 'b', '2'],
      ['MSET', 'a', '1', 'b'],
      ['MGET', 'a', 'b', 'c'],
      ['MSETNX', 'c', '3', 'a', '9'],
      ['MSETNX', 'c', '3', 'd', '4'],
      ['MSETNX', 'c', '3', 'd'],
      ['MGET', 'a', 'b', 'c', 'd'],
      ['MSET', 'a', 'x', 'a', 'y'],
      ['GET', 'a'],
    ));
});

describe('counters', () => {
  it('INCR and friends follow string2ll and 64-bit limits', () =>
    same(
      ['INCR', 'n'],
      ['INCRBY', 'n', '41'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '-10'],
      ['GET', 'n'],
      ['INCRBY', 'n', '+1'],
      ['INCRBY', 'n', '01'],
      ['INCRBY', 'n', ' 1'],
      ['INCRBY', 'n', '-0'],
      ['INCRBY', 'n', '1.5'],
      ['INCRBY', 'n', '9223372036854775808'],
      ['SET', 'n', '9223372036854775806'],
      ['INCR', 'n'],
      ['INCR', 'n'],
      ['SET', 'n', '-9223372036854775807'],
      ['DECR', 'n'],
      ['DECR', 'n'],
      ['DECRBY', 'n', '-9223372036854775808'],
      ['DECRBY', 'x', '-9223372036854775808'],
      ['INCRBY', 'x', '-9223372036854775808'],
      ['INCRBY', 'x', '9223372036854775807'],
      ['SET', 's', 'abc'],
      ['INCR', 's'],
      ['SET', 's', '007'],
      ['INCR', 's'],
      ['SET', 's', '9007199254740993'],
      ['INCR', 's'],
      ['INCRBY', 's', '9007199254740993'],
      ['SET', 's', ''],
      ['INCR', 's'],
    ));

  it('INCRBYFLOAT matches long double arithmetic and formatting', () =>
    same(
      ['INCRBYFLOAT', 'f', '10.5'],
      ['INCRBYFLOAT', 'f', '0.1'],
      ['INCRBYFLOAT', 'f', '-5.0e3'],
      ['INCRBYFLOAT', 'f', '1e300'],
      ['INCRBYFLOAT', 'f', '-1e300'],
      ['INCRBYFLOAT', 'f', 'abc'],
      ['INCRBYFLOAT', 'f', ' 1'],
      ['INCRBYFLOAT', 'f', 'inf'],
      ['INCRBYFLOAT', 'f', 'nan'],
      ['INCRBYFLOAT', 'f', '+.5'],
      ['INCRBYFLOAT', 'f', '0x1p-3'],
      ['SET', 'g', '1e4000'],
      ['INCRBYFLOAT', 'g', '1'],
      ['SET', 'g', '3'],
      ['INCRBYFLOAT', 'g', '-3'],
      ['INCRBYFLOAT', 'g', '1e-30'],
      ['INCRBYFLOAT', 'g', '0.000000000000000005'],
      ['SET', 'g', 'x'],
      ['INCRBYFLOAT', 'g', '1'],
    ));

  it('propagates INCRBYFLOAT as SET KEEPTTL', () => {
    local.call(['INCRBYFLOAT', 'f', '1.5']);
    expect(local.propagated).toEqual([['SET', 'f', '1.5', 'KEEPTTL']]);
    expect(local.changes).toEqual([{ key: 'f', event: 'incrbyfloat', cls: '$' }]);
  });

  it('random INCRBYFLOAT chains agree with Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e20, max: 1e20 }), fc.integer({ min: -1000, max: 1000 }).map((n) => n / 100)), { minLength: 1, maxLength: 6 }), async (incrs) => {
        await redis.call(['DEL', 'f']);
        local.ctx.db.delete('f');
        const commands = incrs.map((n) => ['INCRBYFLOAT', 'f', String(n)]);
        expect(await compareSequence(local, redis, commands)).toBeUndefined();
      }),
      { numRuns: 60 },
    );
  });
});

describe('APPEND STRLEN SETRANGE GETRANGE', () => {
  it('behaves like Redis', () =>
    same(
      ['APPEND', 'k', ''],
      ['STRLEN', 'k'],
      ['APPEND', 'k', 'hello'],
      ['APPEND', 'k', ' world'],
      ['STRLEN', 'k'],
      ['STRLEN', 'nope'],
      ['SETRANGE', 'k', '6', 'W'],
      ['SETRANGE', 'k', '20', 'X'],
      ['GET', 'k'],
      ['SETRANGE', 'k', '-1', 'x'],
      ['SETRANGE', 'k', 'a', 'x'],
      ['SETRANGE', 'k', '3', ''],
      ['SETRANGE', 'z', '3', ''],
      ['SETRANGE', 'z', '536870912', 'x'],
      ['SETRANGE', 'z', '9223372036854775807', 'x'],
      ['SETRANGE', 'z', '2', 'ab'],
      ['GET', 'z'],
      ['GETRANGE', 'k', '0', '4'],
      ['GETRANGE', 'k', '-3', '-1'],
      ['GETRANGE', 'k', '-1', '-3'],
      ['GETRANGE', 'k', '5', '2'],
      ['GETRANGE', 'k', '-100', '100'],
      ['GETRANGE', 'k', '0', '-100'],
      ['GETRANGE', 'k', '100', '200'],
      ['GETRANGE', 'k', 'x', '1'],
      ['GETRANGE', 'nope', '0', '-1'],
      ['SUBSTR', 'k', '1', '3'],
      ['SET', 'e', ''],
      ['GETRANGE', 'e', '0', '-1'],
      ['GETRANGE', 'k', '9223372036854775807', '-9223372036854775808'],
    ));
});

describe('LCS', () => {
  it('behaves like Redis', () =>
    same(
      ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
      ['LCS', 'a', 'b'],
      ['LCS', 'a', 'b', 'LEN'],
      ['LCS', 'a', 'b', 'IDX'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '4'],
      ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '-3', 'WITHMATCHLEN'],
      ['LCS', 'a', 'b', 'LEN', 'IDX'],
      ['LCS', 'a', 'b', 'MINMATCHLEN'],
      ['LCS', 'a', 'b', 'MINMATCHLEN', 'x'],
      ['LCS', 'a', 'b', 'FOO'],
      ['LCS', 'a', 'missing'],
      ['LCS', 'missing', 'missing', 'IDX'],
    ));

  it('agrees with Redis on random strings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 12 }), fc.string({ unit: fc.constantFrom('a', 'b', 'c'), maxLength: 12 }), async (a, b) => {
        const commands = [['MSET', 'a', a, 'b', b], ['LCS', 'a', 'b'], ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'], ['LCS', 'a', 'b', 'IDX', 'MINMATCHLEN', '2']];
        expect(await compareSequence(local, redis, commands)).toBeUndefined();
      }),
      { numRuns: 80 },
    );
  });
});

describe('random sequences on a few keys', () => {
  const key = fc.constantFrom('k1', 'k2', 'k3');
  const smallInt = fc.integer({ min: -20, max: 40 }).map(String);
  const text = fc.string({ unit: fc.constantFrom('a', 'b', '1', '0', '\x00', '\xff', '-'), maxLength: 6 });
  const command = fc.oneof(
    fc.tuple(fc.constant('SET'), key, text),
    fc.tuple(fc.constant('GET'), key),
    fc.tuple(fc.constant('APPEND'), key, text),
    fc.tuple(fc.constant('SETRANGE'), key, fc.integer({ min: 0, max: 20 }).map(String), text),
    fc.tuple(fc.constant('GETRANGE'), key, smallInt, smallInt),
    fc.tuple(fc.constant('INCRBY'), key, smallInt),
    fc.tuple(fc.constant('STRLEN'), key),
    fc.tuple(fc.constant('GETDEL'), key),
    fc.tuple(fc.constant('SETBIT'), key, fc.integer({ min: 0, max: 100 }).map(String), fc.constantFrom('0', '1')),
    fc.tuple(fc.constant('BITCOUNT'), key, smallInt, smallInt, fc.constantFrom('BIT', 'BYTE')),
    fc.tuple(fc.constant('BITPOS'), key, fc.constantFrom('0', '1'), smallInt, smallInt, fc.constantFrom('BIT', 'BYTE')),
    fc.tuple(fc.constant('BITFIELD'), key, fc.constantFrom('GET', 'INCRBY', 'SET'), fc.constantFrom('u3', 'i5', 'u8', 'i64', 'u63'), fc.integer({ min: 0, max: 60 }).map(String), smallInt),
  );

  it('agree with Redis', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 25 }), async (commands) => {
        await redis.call(['FLUSHALL']);
        local = new LocalShoal([stringCommands, bitmapCommands]);
        const argvs = commands.map((c) => (c[0] === 'BITFIELD' && c[2] === 'GET' ? c.slice(0, 5) : [...c]));
        expect(await compareSequence(local, redis, argvs)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });
});

describe('RESP3 and configuration', () => {
  it('replies nulls and the LCS map in RESP3', async () => {
    await redis.call(['HELLO', '3']);
    local.reply.proto = 3;
    local.client.resp = 3;
    try {
      await same(
        ['GET', 'k'],
        ['SET', 'k', 'v', 'XX'],
        ['MSET', 'a', 'ohmytext', 'b', 'mynewtext'],
        ['MGET', 'a', 'nope'],
        ['LCS', 'a', 'b', 'IDX', 'WITHMATCHLEN'],
        ['GETEX', 'nope'],
        ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '0', '9'],
      );
    } finally {
      await redis.call(['HELLO', '2']);
    }
  });

  it('limits values to proto-max-bulk-len', async () => {
    await redis.call(['CONFIG', 'SET', 'proto-max-bulk-len', '1mb']);
    local.config.protoMaxBulkLen = 1024 * 1024;
    try {
      await same(
        ['SETRANGE', 'k', '1048575', 'x'],
        ['SETRANGE', 'k', '1048576', 'x'],
        ['APPEND', 'k', 'y'],
        ['SETBIT', 'b', '8388607', '1'],
        ['SETBIT', 'b', '8388608', '1'],
        ['BITFIELD', 'b', 'GET', 'u8', '#1048576'],
        ['SET', 'x', 'a'.repeat(600)],
        ['LCS', 'x', 'x', 'LEN'],
        ['SET', 'x', 'a'.repeat(400)],
        ['LCS', 'x', 'x', 'LEN'],
      );
    } finally {
      await redis.call(['CONFIG', 'SET', 'proto-max-bulk-len', '512mb']);
    }
  });
});
