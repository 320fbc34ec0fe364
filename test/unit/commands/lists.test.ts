import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { listCommands, listReadyHooks } from '../../../src/commands/lists.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { ListValue, CHUNK_MAX } from '../../../src/types/list-value.ts';
import { decodeValue, encodeValue } from '../../../src/ipc/value-transfer.ts';
import type { CommandFamily } from '../../../src/commands/context.ts';
import { LocalShoal, RealRedis, compareSequence } from './harness.ts';

/** OBJECT's subcommands, dispatched as the engine does (the harness looks handlers up by argv[0]). */
const objectCommand: CommandFamily = {
  object: (ctx, argv) => keyCommands[`object|${argv[1]!.toLowerCase()}`]!(ctx, argv),
};

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([listCommands, keyCommands, stringCommands, objectCommand]);
});

/** Runs the commands on both servers and expects byte-identical replies. */
async function same(...commands: string[][]): Promise<void> {
  expect(await compareSequence(local, redis, commands)).toBeUndefined();
}

const range = (n: number, prefix = 'e'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('pushes and pops', () => {
  it('pushes at both ends and pops them back', () =>
    same(
      ['LPUSH', 'l', 'a', 'b', 'c'],
      ['RPUSH', 'l', 'x', 'y'],
      ['LRANGE', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['LPOP', 'l'],
      ['RPOP', 'l'],
      ['LRANGE', 'l', '0', '-1'],
      ['TYPE', 'l'],
      ['OBJECT', 'ENCODING', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l'],
      ['EXISTS', 'l'],
      ['LLEN', 'l'],
      ['RPUSH', 'b', 'a\x00\xff\r\nb', ''],
      ['LRANGE', 'b', '0', '-1'],
    ));

  it('pushes only onto existing lists with LPUSHX and RPUSHX', () =>
    same(['LPUSHX', 'l', 'a'], ['RPUSHX', 'l', 'a', 'b'], ['EXISTS', 'l'], ['RPUSH', 'l', 'x'], ['LPUSHX', 'l', 'a', 'b'], ['RPUSHX', 'l', 'c'], ['LRANGE', 'l', '0', '-1']));

  it('pops with a count', () =>
    same(
      ['RPUSH', 'l', ...range(10)],
      ['LPOP', 'l', '3'],
      ['RPOP', 'l', '2'],
      ['LPOP', 'l', '0'],
      ['RPOP', 'l', '0'],
      ['LPOP', 'l', '-1'],
      ['LPOP', 'l', 'abc'],
      ['LPOP', 'l', '1', '2'],
      ['RPOP', 'l', '100'],
      ['EXISTS', 'l'],
      ['LPOP', 'l'],
      ['LPOP', 'l', '1'],
      ['LPOP', 'l', '0'],
      ['RPOP', 'l', '-1'],
      ['LPOP'],
    ));

  it('answers WRONGTYPE for other types', () =>
    same(
      ['SET', 's', 'v'],
      ['LPUSH', 's', 'a'],
      ['RPUSHX', 's', 'a'],
      ['LPOP', 's'],
      ['RPOP', 's', '2'],
      ['LLEN', 's'],
      ['LINDEX', 's', '0'],
      ['LSET', 's', '0', 'x'],
      ['LRANGE', 's', '0', '1'],
      ['LTRIM', 's', '0', '1'],
      ['LREM', 's', '0', 'x'],
      ['LINSERT', 's', 'BEFORE', 'a', 'b'],
      ['LPOS', 's', 'a'],
      ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'],
      ['RPUSH', 'l', 'a'],
      ['LMOVE', 'l', 's', 'LEFT', 'RIGHT'],
      ['RPOPLPUSH', 'l', 's'],
      ['LMPOP', '2', 'nx', 's', 'LEFT'],
      ['LRANGE', 'l', '0', '-1'],
      ['GET', 'l'],
    ));
});

describe('indexes and ranges', () => {
  it('reads by index and range with negative and out-of-range indexes', () =>
    same(
      ['RPUSH', 'l', ...range(300)],
      ['LINDEX', 'l', '0'],
      ['LINDEX', 'l', '299'],
      ['LINDEX', 'l', '300'],
      ['LINDEX', 'l', '-1'],
      ['LINDEX', 'l', '-300'],
      ['LINDEX', 'l', '-301'],
      ['LINDEX', 'l', '150'],
      ['LINDEX', 'l', 'abc'],
      ['LINDEX', 'nx', 'abc'],
      ['LINDEX', 'l', '9223372036854775807'],
      ['LINDEX', 'l', '9223372036854775808'],
      ['LRANGE', 'l', '120', '140'],
      ['LRANGE', 'l', '-5', '-1'],
      ['LRANGE', 'l', '-1000', '2'],
      ['LRANGE', 'l', '298', '1000'],
      ['LRANGE', 'l', '5', '4'],
      ['LRANGE', 'l', '300', '301'],
      ['LRANGE', 'l', '0', '-301'],
      ['LRANGE', 'l', '-9223372036854775808', '9223372036854775807'],
      ['LRANGE', 'l', 'x', '1'],
      ['LRANGE', 'nx', 'x', '1'],
      ['LRANGE', 'nx', '0', '1'],
    ));

  it('sets by index', () =>
    same(
      ['LSET', 'nx', '0', 'a'],
      ['RPUSH', 'l', ...range(200)],
      ['LSET', 'l', '0', 'A'],
      ['LSET', 'l', '-1', 'Z'],
      ['LSET', 'l', '130', 'M'],
      ['LSET', 'l', '200', 'x'],
      ['LSET', 'l', '-201', 'x'],
      ['LSET', 'l', 'abc', 'x'],
      ['LRANGE', 'l', '0', '-1'],
    ));

  it('trims', () =>
    same(
      ['LTRIM', 'nx', '0', '1'],
      ['LTRIM', 'nx', 'a', '1'],
      ['RPUSH', 'l', ...range(400)],
      ['LTRIM', 'l', '10', '-10'],
      ['LLEN', 'l'],
      ['LTRIM', 'l', '-200', '1000'],
      ['LRANGE', 'l', '0', '3'],
      ['LTRIM', 'l', '0', '-1'],
      ['LLEN', 'l'],
      ['LTRIM', 'l', '5', '2'],
      ['EXISTS', 'l'],
      ['RPUSH', 'm', 'a', 'b'],
      ['LTRIM', 'm', '2', '5'],
      ['EXISTS', 'm'],
    ));
});

describe('LREM and LINSERT', () => {
  it('removes from the head, the tail, or everywhere', () =>
    same(
      ['LREM', 'nx', '0', 'a'],
      ['LREM', 'nx', 'x', 'a'],
      ['RPUSH', 'l', 'a', 'b', 'a', 'c', 'a', 'b', 'a'],
      ['LREM', 'l', '2', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '-1', 'b'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '0', 'z'],
      ['LREM', 'l', '0', 'a'],
      ['LRANGE', 'l', '0', '-1'],
      ['LREM', 'l', '-9223372036854775808', 'b'],
      ['LREM', 'l', '1', 'c'],
      ['EXISTS', 'l'],
    ));

  it('inserts before and after a pivot, splitting full chunks', () =>
    same(
      ['LINSERT', 'nx', 'BEFORE', 'a', 'b'],
      ['LINSERT', 'nx', 'MIDDLE', 'a', 'b'],
      ['RPUSH', 'l', ...range(CHUNK_MAX * 2)],
      ['LINSERT', 'l', 'before', 'e0', 'first'],
      ['LINSERT', 'l', 'AFTER', `e${CHUNK_MAX * 2 - 1}`, 'last'],
      ['LINSERT', 'l', 'BEFORE', 'e64', 'x'],
      ['LINSERT', 'l', 'AFTER', 'e64', 'y'],
      ['LINSERT', 'l', 'AFTER', 'e200', 'z'],
      ['LINSERT', 'l', 'AFTER', 'nope', 'z'],
      ['LINSERT', 'l', 'sideways', 'e1', 'z'],
      ['LRANGE', 'l', '0', '-1'],
      ['LINDEX', 'l', '66'],
      ['LLEN', 'l'],
    ));
});

describe('LPOS', () => {
  it('finds by rank, count and maxlen', () =>
    same(
      ['RPUSH', 'l', 'a', 'b', 'c', 'a', 'b', 'c', 'a', 'x', 'a'],
      ['LPOS', 'l', 'a'],
      ['LPOS', 'l', 'z'],
      ['LPOS', 'l', 'a', 'RANK', '2'],
      ['LPOS', 'l', 'a', 'RANK', '-1'],
      ['LPOS', 'l', 'a', 'RANK', '-3'],
      ['LPOS', 'l', 'a', 'RANK', '9'],
      ['LPOS', 'l', 'a', 'COUNT', '0'],
      ['LPOS', 'l', 'a', 'COUNT', '2'],
      ['LPOS', 'l', 'a', 'COUNT', '2', 'RANK', '-2'],
      ['LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '4'],
      ['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '2'],
      ['LPOS', 'l', 'a', 'RANK', '-1', 'MAXLEN', '1'],
      ['LPOS', 'l', 'z', 'COUNT', '3'],
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808'],
      ['LPOS', 'l', 'a', 'RANK', '-9223372036854775808', 'COUNT', '2'],
      ['LPOS', 'l', 'a', 'RANK', '9223372036854775807'],
      ['LPOS', 'nx', 'a'],
      ['LPOS', 'nx', 'a', 'COUNT', '1'],
    ));

  it('reports option errors as Redis', () =>
    same(
      ['RPUSH', 'l', 'a'],
      ['LPOS', 'l', 'a', 'RANK', '0'],
      ['LPOS', 'nx', 'a', 'RANK', '0'],
      ['LPOS', 'l', 'a', 'RANK', 'x'],
      ['LPOS', 'l', 'a', 'COUNT', '-1'],
      ['LPOS', 'l', 'a', 'COUNT', 'x'],
      ['LPOS', 'l', 'a', 'MAXLEN', '-1'],
      ['LPOS', 'l', 'a', 'MAXLEN', 'x'],
      ['LPOS', 'l', 'a', 'RANK'],
      ['LPOS', 'l', 'a', 'FOO', '1'],
    ));
});

describe('moves', () => {
  it('moves between lists and rotates one list', () =>
    same(
      ['RPUSH', 's', 'a', 'b', 'c'],
      ['LMOVE', 's', 'd', 'LEFT', 'RIGHT'],
      ['LMOVE', 's', 'd', 'right', 'left'],
      ['RPOPLPUSH', 's', 'd'],
      ['EXISTS', 's'],
      ['LRANGE', 'd', '0', '-1'],
      ['LMOVE', 'd', 'd', 'LEFT', 'RIGHT'],
      ['LRANGE', 'd', '0', '-1'],
      ['RPOPLPUSH', 'd', 'd'],
      ['LRANGE', 'd', '0', '-1'],
      ['LMOVE', 'nx', 'd', 'LEFT', 'LEFT'],
      ['RPOPLPUSH', 'nx', 'd'],
      ['LMOVE', 'd', 'e', 'UP', 'LEFT'],
      ['LMOVE', 'd', 'e', 'LEFT', 'DOWN'],
      ['RPUSH', 'one', 'x'],
      ['LMOVE', 'one', 'one', 'LEFT', 'LEFT'],
      ['LRANGE', 'one', '0', '-1'],
    ));

  it('pops from the first non-empty list with LMPOP', () =>
    same(
      ['LMPOP', '2', 'a', 'b', 'LEFT'],
      ['RPUSH', 'b', '1', '2', '3', '4'],
      ['LMPOP', '2', 'a', 'b', 'LEFT'],
      ['LMPOP', '2', 'a', 'b', 'RIGHT', 'COUNT', '2'],
      ['LMPOP', '1', 'b', 'left', 'count', '10'],
      ['EXISTS', 'b'],
      ['LMPOP', '0', 'a', 'LEFT'],
      ['LMPOP', 'x', 'a', 'LEFT'],
      ['LMPOP', '2', 'a', 'LEFT'],
      ['LMPOP', '1', 'a', 'MIDDLE'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '0'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', 'x'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT', '1', 'COUNT', '1'],
      ['LMPOP', '1', 'a', 'LEFT', 'COUNT'],
      ['LMPOP', '1', 'a', 'LEFT', 'FOO'],
    ));
});

describe('RESP3', () => {
  it('replies nulls and empty arrays as Redis does', async () => {
    await redis.call(['HELLO', '3']);
    local.reply.proto = 3;
    try {
      await same(
        ['LPOP', 'nx'],
        ['LPOP', 'nx', '2'],
        ['RPOP', 'nx', '0'],
        ['LINDEX', 'nx', '0'],
        ['LRANGE', 'nx', '0', '1'],
        ['LPOS', 'nx', 'a'],
        ['LPOS', 'nx', 'a', 'COUNT', '0'],
        ['LMPOP', '1', 'nx', 'LEFT'],
        ['LMOVE', 'nx', 'd', 'LEFT', 'LEFT'],
        ['RPUSH', 'l', 'a', 'b'],
        ['LPOP', 'l', '0'],
        ['LPOS', 'l', 'z'],
        ['LINDEX', 'l', '5'],
        ['LPOP', 'l', '5'],
      );
    } finally {
      await redis.call(['HELLO', '2']);
    }
  });
});

describe('side effects', () => {
  it('raises the keyspace events of t_list.c', () => {
    local.call(['RPUSH', 's', 'a', 'b']);
    local.call(['LPUSHX', 's', 'c']);
    local.call(['LSET', 's', '0', 'z']);
    local.call(['LINSERT', 's', 'AFTER', 'z', 'y']);
    local.call(['LREM', 's', '1', 'y']);
    local.call(['LTRIM', 's', '0', '-1']);
    local.call(['LMOVE', 's', 'd', 'LEFT', 'RIGHT']);
    local.call(['RPOPLPUSH', 's', 'd']);
    local.call(['LPOP', 's']);
    local.call(['LINSERT', 'd', 'AFTER', 'nope', 'y']);
    local.call(['LREM', 'd', '0', 'nope']);
    expect(local.changes.map((c) => `${c.event}:${c.key}:${c.cls}`)).toEqual([
      'rpush:s:l',
      'lpush:s:l',
      'lset:s:l',
      'linsert:s:l',
      'lrem:s:l',
      'ltrim:s:l',
      'rpush:d:l',
      'lpop:s:l',
      'lpush:d:l',
      'rpop:s:l',
      'lpop:s:l',
    ]);
    expect(local.notifications).toEqual([{ key: 's', event: 'del', cls: 'g' }]);
  });

  it('propagates LMPOP as LPOP/RPOP with the popped count', () => {
    local.call(['RPUSH', 'l', 'a', 'b', 'c']);
    local.call(['LMPOP', '2', 'nx', 'l', 'RIGHT', 'COUNT', '10']);
    expect(local.propagated).toEqual([['RPOP', 'l', '3']]);
  });

  it('calls the ready hooks after pushes and moves', () => {
    const ready: string[] = [];
    const hook = (db: number, key: string): void => void ready.push(`${db}:${key}`);
    listReadyHooks.push(hook);
    try {
      local.call(['LPUSH', 'a', 'x']);
      local.call(['RPUSHX', 'nx', 'x']);
      local.call(['LMOVE', 'a', 'b', 'LEFT', 'LEFT']);
      local.call(['LPOP', 'b']);
    } finally {
      listReadyHooks.splice(listReadyHooks.indexOf(hook), 1);
    }
    expect(ready).toEqual(['0:a', '0:b']);
  });
});

describe('ListValue', () => {
  it('stays a quicklist at every size, as Redis 7.0 reports', () =>
    same(
      ['RPUSH', 'small', 'a'],
      ['OBJECT', 'ENCODING', 'small'],
      ['RPUSH', 'big', ...range(2000)],
      ['OBJECT', 'ENCODING', 'big'],
      ['RPUSH', 'long', 'x'.repeat(10000)],
      ['OBJECT', 'ENCODING', 'long'],
    ));

  it('keeps index lookups consistent across chunk boundaries from both ends', () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < 1000; i++) {
      if (i % 3 === 0) {
        list.pushHead(`h${i}`);
        model.unshift(`h${i}`);
      } else {
        list.pushTail(`t${i}`);
        model.push(`t${i}`);
      }
    }
    expect(list.length).toBe(1000);
    for (let i = 0; i < 1000; i += 7) expect(list.get(i)).toBe(model[i]);
    expect(list.toArray()).toEqual(model);
    expect(list.chunkCount).toBeLessThanOrEqual(Math.ceil(1000 / CHUNK_MAX) + 2);
    // Interior chunks are packed; reading, setting and inserting into them unpacks only what changes.
    expect(list.packedChunkCount).toBeGreaterThanOrEqual(list.chunkCount - 2);
    list.set(500, 'S');
    model[500] = 'S';
    list.insert(300, 'I'.repeat(200));
    model.splice(300, 0, 'I'.repeat(200));
    expect(list.toArray()).toEqual(model);
    while (list.length > 0) expect(list.popHead()).toBe(model.shift());
  });

  it('round-trips through the cross-worker value codec and clone', () => {
    const list = ListValue.from(['', 'a', '\x00\xff', 'x'.repeat(300), 'y'.repeat(20000)]);
    const [kind, payload] = encodeValue(list);
    expect(kind).toBe('list');
    const back = decodeValue(kind, payload) as ListValue;
    expect(back.toArray()).toEqual(list.toArray());
    const copy = list.clone();
    copy.pushTail('z');
    expect(list.length).toBe(5);
    expect(copy.toArray().slice(0, 5)).toEqual(list.toArray());
  });
});

describe('differential', () => {
  it('agrees with redis-server on random sequences of list commands', async () => {
    const element = fc.constantFrom('a', 'b', 'c', 'd', '');
    const index = fc.integer({ min: -40, max: 40 }).map(String);
    const key = fc.constantFrom('k1', 'k2');
    const command: fc.Arbitrary<string[]> = fc.oneof(
      fc.tuple(fc.constantFrom('LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX'), key, fc.array(element, { minLength: 1, maxLength: 40 })).map(([c, k, es]) => [c, k, ...es]),
      fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key).map(([c, k]) => [c, k]),
      fc.tuple(fc.constantFrom('LPOP', 'RPOP'), key, fc.integer({ min: 0, max: 50 })).map(([c, k, n]) => [c, k, String(n)]),
      fc.tuple(key, index, index).map(([k, a, b]) => ['LRANGE', k, a, b]),
      fc.tuple(key, index, index).map(([k, a, b]) => ['LTRIM', k, a, b]),
      fc.tuple(key, index, element).map(([k, i, e]) => ['LSET', k, i, e]),
      fc.tuple(key, index).map(([k, i]) => ['LINDEX', k, i]),
      fc.tuple(key, fc.constantFrom('BEFORE', 'AFTER'), element, element).map(([k, w, p, e]) => ['LINSERT', k, w, p, e]),
      fc.tuple(key, fc.integer({ min: -5, max: 5 }), element).map(([k, n, e]) => ['LREM', k, String(n), e]),
      fc.tuple(key, element, fc.integer({ min: -3, max: 3 }).filter((r) => r !== 0), fc.integer({ min: 0, max: 4 })).map(([k, e, r, c]) => ['LPOS', k, e, 'RANK', String(r), 'COUNT', String(c)]),
      fc.tuple(key, key, fc.constantFrom('LEFT', 'RIGHT'), fc.constantFrom('LEFT', 'RIGHT')).map(([a, b, f, t]) => ['LMOVE', a, b, f, t]),
      fc.tuple(fc.constantFrom('LEFT', 'RIGHT'), fc.integer({ min: 1, max: 30 })).map(([w, n]) => ['LMPOP', '2', 'k1', 'k2', w, 'COUNT', String(n)]),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 60 }), async (commands) => {
        await redis.call(['FLUSHALL']);
        local = new LocalShoal([listCommands, keyCommands]);
        const check = [...commands, ['LRANGE', 'k1', '0', '-1'], ['LRANGE', 'k2', '0', '-1'], ['EXISTS', 'k1', 'k2']];
        expect(await compareSequence(local, redis, check)).toBeUndefined();
      }),
      { numRuns: 150 },
    );
  });

  it('agrees with a model on long lists with small chunks exercised (inserts, sets, trims)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.tuple(fc.constant('ph'), fc.integer({ min: 1, max: 300 })),
            fc.tuple(fc.constant('pt'), fc.integer({ min: 1, max: 300 })),
            fc.tuple(fc.constant('oh'), fc.integer({ min: 1, max: 200 })),
            fc.tuple(fc.constant('ot'), fc.integer({ min: 1, max: 200 })),
            fc.tuple(fc.constant('ins'), fc.nat()),
            fc.tuple(fc.constant('set'), fc.nat()),
            fc.tuple(fc.constant('trim'), fc.nat()),
            fc.tuple(fc.constant('rem'), fc.integer({ min: -3, max: 3 })),
          ),
          { maxLength: 80 },
        ),
        (ops) => {
          const list = new ListValue();
          let model: string[] = [];
          let serial = 0;
          for (const [op, n] of ops) {
            if (op === 'ph') for (let i = 0; i < n; i++) (list.pushHead(`v${serial % 7}`), model.unshift(`v${serial++ % 7}`));
            else if (op === 'pt') for (let i = 0; i < n; i++) (list.pushTail(`v${serial % 7}`), model.push(`v${serial++ % 7}`));
            else if (op === 'oh') for (let i = 0; i < n; i++) expect(list.popHead()).toBe(model.shift());
            else if (op === 'ot') for (let i = 0; i < n; i++) expect(list.popTail()).toBe(model.pop());
            else if (op === 'ins') {
              const at = n % (model.length + 1);
              list.insert(at, `i${serial}`);
              model.splice(at, 0, `i${serial++}`);
            } else if (op === 'set' && model.length > 0) {
              list.set(n % model.length, `s${serial}`);
              model[n % model.length] = `s${serial++}`;
            } else if (op === 'trim' && model.length > 0) {
              const head = n % model.length;
              const tail = (n >> 3) % (model.length - head + 1);
              list.trim(head, tail);
              model = model.slice(head, model.length - tail);
            } else if (op === 'rem') {
              const target = `v${Math.abs(n)}`;
              let left = n === 0 ? Infinity : Math.abs(n);
              const kept: string[] = [];
              const order = n < 0 ? [...model].reverse() : model;
              for (const v of order) {
                if (v === target && left > 0) left--;
                else kept.push(v);
              }
              if (n < 0) kept.reverse();
              list.removeMatching(target, Math.abs(n), n < 0);
              model = kept;
            }
            expect(list.length).toBe(model.length);
          }
          expect(list.toArray()).toEqual(model);
          for (let i = 0; i < model.length; i += 13) expect(list.get(i)).toBe(model[i]);
        },
      ),
      { numRuns: 200 },
    );
  });
});
