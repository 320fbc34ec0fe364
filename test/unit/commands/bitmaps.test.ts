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

async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

async function makeList(key: string): Promise<void> {
  await redis.call(['RPUSH', key, 'x']);
  local.ctx.db.set(key, { kind: 'list', accessTime: 0, encoding: () => 'listpack', clone: () => ({}) as never });
}

describe('SETBIT and GETBIT', () => {
  it('behaves like Redis', () =>
    same(
      ['SETBIT', 'b', '7', '1'],
      ['GET', 'b'],
      ['SETBIT', 'b', '7', '1'],
      ['SETBIT', 'b', '7', '0'],
      ['SETBIT', 'b', '100', '0'],
      ['GET', 'b'],
      ['SETBIT', 'b', '0', '2'],
      ['SETBIT', 'b', '0', '-1'],
      ['SETBIT', 'b', '0', 'x'],
      ['SETBIT', 'b', '-1', '1'],
      ['SETBIT', 'b', '4294967296', '1'],
      ['SETBIT', 'b', 'abc', '1'],
      ['SETBIT', 'b', '#1', '1'],
      ['GETBIT', 'b', '7'],
      ['GETBIT', 'b', '100000'],
      ['GETBIT', 'b', '-1'],
      ['GETBIT', 'none', '3'],
      ['SET', 's', '42'],
      ['GETBIT', 's', '2'],
      ['SETBIT', 's', '2', '0'],
      ['GET', 's'],
    ));

  it('reports a change only when a bit or the length changes', () => {
    local.call(['SETBIT', 'b', '3', '1']);
    local.call(['SETBIT', 'b', '3', '1']);
    local.call(['SETBIT', 'b', '20', '0']);
    expect(local.changes.map((c) => c.event)).toEqual(['setbit', 'setbit']);
  });
});

describe('BITCOUNT and BITPOS', () => {
  it('BITCOUNT behaves like Redis', () =>
    same(
      ['SET', 'k', 'foobar'],
      ['BITCOUNT', 'k'],
      ['BITCOUNT', 'k', '0', '0'],
      ['BITCOUNT', 'k', '1', '1'],
      ['BITCOUNT', 'k', '1', '1', 'BYTE'],
      ['BITCOUNT', 'k', '5', '30', 'BIT'],
      ['BITCOUNT', 'k', '-5', '-1', 'bit'],
      ['BITCOUNT', 'k', '-1', '-5'],
      ['BITCOUNT', 'k', '-1', '-5', 'foo'],
      ['BITCOUNT', 'k', '0', '1', 'foo'],
      ['BITCOUNT', 'k', '0'],
      ['BITCOUNT', 'k', '0', '1', 'BIT', 'x'],
      ['BITCOUNT', 'k', 'a', '1'],
      ['BITCOUNT', 'none', 'a', '1'],
      ['BITCOUNT', 'k', '100', '200'],
      ['BITCOUNT', 'k', '-100', '100', 'BIT'],
    ));

  it('BITPOS behaves like Redis', () =>
    same(
      ['BITPOS', 'none', '1'],
      ['BITPOS', 'none', '0'],
      ['BITPOS', 'none', '2'],
      ['SET', 'k', '\xff\xf0\x00'],
      ['BITPOS', 'k', '0'],
      ['BITPOS', 'k', '1'],
      ['BITPOS', 'k', '0', '2'],
      ['BITPOS', 'k', '1', '2'],
      ['BITPOS', 'k', '0', '0', '0'],
      ['BITPOS', 'k', '0', '0', '-1'],
      ['BITPOS', 'k', '0', '3', '12', 'BIT'],
      ['BITPOS', 'k', '0', '3', '11', 'BIT'],
      ['BITPOS', 'k', '1', '13', '20', 'BIT'],
      ['BITPOS', 'k', '0', '13', '-1', 'BIT'],
      ['BITPOS', 'k', '0', '1', '1', 'BYTE'],
      ['BITPOS', 'k', '0', '1', '1', 'FOO'],
      ['BITPOS', 'k', '0', 'x'],
      ['BITPOS', 'k', 'x'],
      ['BITPOS', 'k', '0', '1', '2', 'BIT', 'x'],
      ['SET', 'f', '\xff\xff'],
      ['BITPOS', 'f', '0'],
      ['BITPOS', 'f', '0', '1'],
      ['BITPOS', 'f', '0', '0', '-1'],
      ['BITPOS', 'f', '0', '3', 'BIT'],
      ['SET', 'e', ''],
      ['BITPOS', 'e', '0'],
      ['BITPOS', 'e', '1'],
    ));

  it('agrees with Redis on random bitmaps and ranges', async () => {
    const bytes = fc.string({ unit: fc.constantFrom('\x00', '\xff', '\x0f', '\xf0', '\x81', '\x10'), maxLength: 6 });
    const index = fc.integer({ min: -60, max: 60 }).map(String);
    await fc.assert(
      fc.asyncProperty(bytes, fc.constantFrom('0', '1'), index, index, fc.constantFrom('BIT', 'BYTE'), async (value, bit, start, end, unit) => {
        const commands = [
          ['SET', 'k', value],
          ['BITCOUNT', 'k', start, end, unit],
          ['BITPOS', 'k', bit, start, end, unit],
          ['BITPOS', 'k', bit, start],
          ['BITPOS', 'k', bit],
        ];
        expect(await compareSequence(local, redis, commands)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});

describe('BITOP', () => {
  it('behaves like Redis', async () => {
    await makeList('l');
    await same(
      ['SET', 'a', 'foobar'],
      ['SET', 'b', 'abc'],
      ['BITOP', 'AND', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'or', 'd', 'a', 'b', 'none'],
      ['GET', 'd'],
      ['BITOP', 'XOR', 'd', 'a', 'b'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a'],
      ['GET', 'd'],
      ['BITOP', 'NOT', 'd', 'a', 'b'],
      ['BITOP', 'NAND', 'd', 'a'],
      ['BITOP', 'AND', 'd', 'a', 'l'],
      ['BITOP', 'AND', 'd', 'none', 'none2'],
      ['GET', 'd'],
      ['BITOP', 'AND', 'l', 'a'],
      ['GET', 'l'],
    );
  });
});

describe('BITFIELD', () => {
  it('behaves like Redis', async () => {
    await makeList('l');
    await same(
      ['BITFIELD', 'bf', 'SET', 'i8', '0', '100', 'GET', 'u4', '0', 'INCRBY', 'i8', '0', '100'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i8', '0', '100', 'INCRBY', 'u2', '#3', '7'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '100', '7', 'GET', 'u2', '100'],
      ['GET', 'bf'],
      ['BITFIELD', 'bf', 'SET', 'i64', '0', '-9223372036854775808', 'INCRBY', 'i64', '0', '-1'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'SAT', 'INCRBY', 'i64', '0', '-1', 'INCRBY', 'i64', '64', '9223372036854775807', 'INCRBY', 'i64', '64', '1'],
      ['BITFIELD', 'bf', 'SET', 'u63', '0', '-1', 'GET', 'u63', '0', 'OVERFLOW', 'FAIL', 'SET', 'u63', '0', '-1'],
      ['BITFIELD', 'bf', 'GET', 'u64', '0'],
      ['BITFIELD', 'bf', 'GET', 'i65', '0'],
      ['BITFIELD', 'bf', 'GET', 'I8', '0'],
      ['BITFIELD', 'bf', 'GET', 'u0', '0'],
      ['BITFIELD', 'bf', 'GET', 'u8', '-1'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#-1'],
      ['BITFIELD', 'bf', 'GET', 'u8', '#536870912'],
      ['BITFIELD', 'bf', 'GET', 'u8'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0'],
      ['BITFIELD', 'bf', 'SET', 'u8', '0', 'x'],
      ['BITFIELD', 'bf', 'OVERFLOW', 'BAD', 'GET', 'u8', '0'],
      ['BITFIELD', 'bf', 'FOO'],
      ['BITFIELD', 'bf'],
      ['BITFIELD', 'none', 'GET', 'i16', '1000'],
      ['BITFIELD', 'l', 'GET', 'i16', '0'],
      ['BITFIELD', 'l', 'SET', 'i16', '0', '1'],
      ['BITFIELD_RO', 'bf', 'GET', 'i16', '0', 'GET', 'u3', '#2'],
      ['BITFIELD_RO', 'bf', 'SET', 'i16', '0', '1'],
      ['BITFIELD', 'grow', 'OVERFLOW', 'FAIL', 'INCRBY', 'u2', '30', '9'],
      ['GET', 'grow'],
    );
  });

  it('agrees with Redis on random operations', async () => {
    const type = fc.tuple(fc.constantFrom('i', 'u'), fc.integer({ min: 1, max: 64 })).map(([s, n]) => (s === 'u' && n === 64 ? 'u63' : s + n));
    const value = fc.oneof(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.bigInt({ min: -300n, max: 300n })).map(String);
    const op = fc.oneof(
      fc.tuple(fc.constant('GET'), type, fc.integer({ min: 0, max: 80 }).map(String)),
      fc.tuple(fc.constantFrom('SET', 'INCRBY'), type, fc.integer({ min: 0, max: 80 }).map(String), value),
      fc.tuple(fc.constant('OVERFLOW'), fc.constantFrom('WRAP', 'SAT', 'FAIL')),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }), async (calls) => {
        await redis.call(['DEL', 'bf']);
        local.ctx.db.delete('bf');
        const commands = calls.map((ops) => ['BITFIELD', 'bf', ...ops.flat()]);
        commands.push(['GET', 'bf']);
        expect(await compareSequence(local, redis, commands)).toBeUndefined();
      }),
      { numRuns: 200 },
    );
  });
});
