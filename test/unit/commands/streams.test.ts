import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { streamCommands } from '../../../src/commands/streams.ts';
import { keyCommands } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import type { CommandFamily } from '../../../src/commands/context.ts';
import { COMMAND_TABLE } from '../../../src/commands/table.generated.ts';
import { errWrongArity } from '../../../src/resp/errors.ts';
import { StreamValue, decodeStream, encodeStream } from '../../../src/types/stream-value.ts';
import { LocalShoal, RealRedis, show } from './harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

/** XGROUP and XINFO are containers: dispatch to 'xgroup|create' ... after the subcommand's arity check. */
function containers(): CommandFamily {
  const family: CommandFamily = {};
  for (const container of ['xgroup', 'xinfo']) {
    family[container] = (ctx, argv) => {
      const name = `${container}|${argv[1]!.toLowerCase()}`;
      const spec = COMMAND_TABLE.find((c) => c.name === name);
      const handler = streamCommands[name];
      if (spec === undefined || handler === undefined) {
        ctx.reply.error(`ERR unknown subcommand '${argv[1]}'. Try ${container.toUpperCase()} HELP.`);
      } else if ((spec.arity > 0 && argv.length !== spec.arity) || argv.length < -spec.arity) {
        ctx.reply.error(errWrongArity(name));
      } else handler(ctx, argv);
    };
  }
  return family;
}

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['HELLO', '2']);
  await redis.call(['FLUSHALL']);
  await redis.call(['CONFIG', 'SET', 'stream-node-max-entries', '100']);
  await redis.call(['CONFIG', 'SET', 'stream-node-max-bytes', '4096']);
  local = new LocalShoal([streamCommands, keyCommands, stringCommands, containers()]);
});

/** Replaces what differs by timing or by rax internals: idle times, delivery and seen times, radix-tree-nodes. */
type Mask = (reply: string) => string;
const noMask: Mask = (r) => r;

async function compare(commands: string[][], mask: Mask = noMask): Promise<string | undefined> {
  for (const argv of commands) {
    const expected = mask((await redis.call(argv)).toString('latin1'));
    const actual = mask(local.call(argv).toString('latin1'));
    if (expected !== actual) return `${JSON.stringify(argv)}: redis ${JSON.stringify(expected)} shoal ${JSON.stringify(actual)}`;
  }
  return undefined;
}

async function same(...commands: string[][]): Promise<void> {
  expect(await compare(commands)).toBeUndefined();
}

async function resp3(): Promise<void> {
  await redis.call(['HELLO', '3']);
  local.reply.proto = 3;
}

/** radix-tree-nodes depends on Redis's rax internals: compared only as a number. */
const maskRaxNodes: Mask = (r) => r.replace(/(radix-tree-nodes\r\n):\d+/, '$1:N');

function xadds(key: string, n: number, from = 1, fields = ['f', 'v']): string[][] {
  const out: string[][] = [];
  for (let i = from; i < from + n; i++) out.push(['XADD', key, `${i}-0`, ...fields.map((f, j) => (j % 2 ? `${f}${i}` : f))]);
  return out;
}

describe('XADD, XLEN, XRANGE', () => {
  it('adds with explicit, partial and automatic IDs', async () => {
    await same(
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-1', 'a', '1'],
      ['XADD', 's', '1-0', 'a', '1'],
      ['XADD', 's', '1-*', 'b', '2'],
      ['XADD', 's', '5-*', 'b', '2'],
      ['XADD', 's', '5', 'c', '3'],
      ['XADD', 's', '6-18446744073709551615', 'c', '3'],
      ['XADD', 's', '6-*', 'c', '3'],
      ['XADD', 's', '0-0', 'c', '3'],
      ['XADD', 'z', '0-0', 'c', '3'],
      ['XADD', 'z', '0-*', 'c', '3'],
      ['XADD', 'z', '0-1', 'c', '3'],
      ['EXISTS', 'z'],
      ['XADD', 's', 'abc', 'c', '3'],
      ['XADD', 's', '1-x', 'c', '3'],
      ['XADD', 's', '-', 'c', '3'],
      ['XADD', 's', '+', 'c', '3'],
      ['XADD', 's', '99', 'c'],
      ['XADD', 's', '99', 'c', 'd', 'e'],
      ['XADD', 's', 'NOMKSTREAM', '100-1', 'a', 'b'],
      ['XADD', 'nope', 'NOMKSTREAM', '100-1', 'a', 'b'],
      ['XADD', 'nope', 'NOMKSTREAM', '*', 'a', 'b'],
      ['EXISTS', 'nope'],
      ['XLEN', 's'],
      ['XLEN', 'nope'],
      ['XRANGE', 's', '-', '+'],
      ['XADD', 'max', '18446744073709551615-18446744073709551615', 'a', 'b'],
      ['XADD', 'max', '*', 'a', 'b'],
      ['XADD', 'max2', '18446744073709551615-18446744073709551614', 'a', 'b'],
      ['XADD', 'max2', '18446744073709551615-*', 'a', 'b'],
      ['XADD', 'max2', '18446744073709551615-*', 'a', 'b'],
      ['SET', 'str', 'x'],
      ['XADD', 'str', '*', 'a', 'b'],
      ['XLEN', 'str'],
      ['XRANGE', 'str', '-', '+'],
    );
  });

  it('parses IDs as string2ull does', () =>
    same(
      ['XADD', 's', '007-01', 'a', '1'],
      ['XADD', 's', '+8-1', 'a', '1'],
      ['XADD', 's', ' 9-1', 'a', '1'],
      ['XADD', 's', '10-+1', 'a', '1'],
      ['XADD', 's', '11--1', 'a', '1'],
      ['XADD', 's', '18446744073709551616-1', 'a', '1'],
      ['XADD', 's', '-5-1', 'a', '1'],
      ['XRANGE', 's', '-', '+'],
    ));

  it('generates IDs from the clock, after the last ID', async () => {
    const before = Date.now();
    const id = local.call(['XADD', 's', '*', 'a', '1']).toString('latin1').split('\r\n')[1]!;
    const [ms, seq] = id.split('-').map(Number);
    expect(ms).toBeGreaterThanOrEqual(before);
    expect(seq).toBe(0);
    local.call(['XADD', 'f', `${Date.now() + 100000}-5`, 'a', '1']);
    const next = local.call(['XADD', 'f', '*', 'a', '1']).toString('latin1');
    expect(next.split('\r\n')[1]!.endsWith('-6')).toBe(true);
    expect(local.propagated.at(-1)![2]).toBe(next.split('\r\n')[1]);
  });

  it('answers ranges, exclusive ranges, COUNT and XREVRANGE', () =>
    same(
      ...xadds('s', 10),
      ['XADD', 's', '10-1', 'other', 'x', 'g', 'y'],
      ['XRANGE', 's', '-', '+'],
      ['XRANGE', 's', '3', '5'],
      ['XRANGE', 's', '(3-0', '(5-0'],
      ['XRANGE', 's', '(3', '5'],
      ['XRANGE', 's', '-', '+', 'COUNT', '3'],
      ['XRANGE', 's', '-', '+', 'COUNT', '0'],
      ['XRANGE', 's', '-', '+', 'COUNT', '-1'],
      ['XRANGE', 's', '-', '+', 'COUNT'],
      ['XRANGE', 's', '-', '+', 'LIMIT', '1'],
      ['XRANGE', 's', '-', '+', 'COUNT', 'x'],
      ['XRANGE', 's', '(-', '+'],
      ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'],
      ['XRANGE', 's', '-', '(0-0'],
      ['XRANGE', 's', '5', '3'],
      ['XREVRANGE', 's', '+', '-'],
      ['XREVRANGE', 's', '+', '-', 'COUNT', '2'],
      ['XREVRANGE', 's', '(10-1', '(3'],
      ['XREVRANGE', 's', '7', '7'],
      ['XRANGE', 'nope', '-', '+'],
      ['XRANGE', 's', 'x', '+'],
    ));

  it('keeps node boundaries as Redis does (XINFO radix-tree-keys)', async () => {
    await redis.call(['CONFIG', 'SET', 'stream-node-max-entries', '4']);
    local.config.set([['stream-node-max-entries', '4']]);
    expect(
      await compare(
        [
          ...xadds('s', 11),
          ['XINFO', 'STREAM', 's'],
          ['XADD', 'b', '1-0', 'k', 'x'.repeat(2000)],
          ['XADD', 'b', '2-0', 'k', 'x'.repeat(2000)],
          ['XADD', 'b', '3-0', 'k', '12345'],
          ['XADD', 'b', '4-0', 'k', 'x'.repeat(70)],
          ['XINFO', 'STREAM', 'b'],
        ],
        noMask,
      ),
    ).toBeUndefined();
  });
});

describe('XDEL, XTRIM and trimming XADD', () => {
  it('deletes entries and tracks max-deleted-entry-id', async () => {
    expect(
      await compare(
        [
          ...xadds('s', 5),
          ['XDEL', 's', '2-0', '4-0', '9-0'],
          ['XDEL', 's', '2-0'],
          ['XDEL', 's', 'bad'],
          ['XDEL', 'nope', '1-0'],
          ['XRANGE', 's', '-', '+'],
          ['XLEN', 's'],
          ['XDEL', 's', '1-0'],
          ['XINFO', 'STREAM', 's'],
          ['XDEL', 's', '3-0', '5-0'],
          ['XINFO', 'STREAM', 's'],
          ['XADD', 's', '6-0', 'a', 'b'],
          ['XINFO', 'STREAM', 's'],
        ],
        maskRaxNodes,
      ),
    ).toBeUndefined();
  });

  it('trims exactly and approximately, with LIMIT', async () => {
    expect(
      await compare(
        [
          ...xadds('s', 350),
          ['XTRIM', 's', 'MAXLEN', '~', '200'],
          ['XLEN', 's'],
          ['XTRIM', 's', 'MAXLEN', '~', '10', 'LIMIT', '50'],
          ['XLEN', 's'],
          ['XTRIM', 's', 'MAXLEN', '=', '120'],
          ['XLEN', 's'],
          ['XTRIM', 's', 'MINID', '~', '290'],
          ['XTRIM', 's', 'MINID', '305'],
          ['XRANGE', 's', '-', '+', 'COUNT', '2'],
          ['XINFO', 'STREAM', 's'],
          ['XTRIM', 's', 'MAXLEN', '~', '0', 'LIMIT', '0'],
          ['XLEN', 's'],
          ['XINFO', 'STREAM', 's'],
          ['XTRIM', 's', 'MAXLEN', '10', 'LIMIT', '5'],
          ['XTRIM', 's', 'LIMIT', '5'],
          ['XTRIM', 's', 'MAXLEN', '-1'],
          ['XTRIM', 's', 'MAXLEN', '1', 'MINID', '1'],
          ['XTRIM', 's', 'FOO'],
          ['XTRIM', 'nope', 'MAXLEN', '1'],
          ...xadds('t', 250),
          ['XADD', 't', 'MAXLEN', '~', '100', '251-0', 'f', 'v'],
          ['XLEN', 't'],
          ['XADD', 't', 'MAXLEN', '5', '252-0', 'f', 'v'],
          ['XRANGE', 't', '-', '+'],
          ['XADD', 't', 'MINID', '=', '252', '253-0', 'f', 'v'],
          ['XADD', 't', 'LIMIT', '5', '254-0', 'f', 'v'],
          ['XADD', 't', 'MAXLEN', '5', 'LIMIT', '5', '254-0', 'f', 'v'],
          ['XADD', 't', 'MAXLEN', 'x', '254-0', 'f', 'v'],
          ['XRANGE', 't', '-', '+'],
        ],
        maskRaxNodes,
      ),
    ).toBeUndefined();
  });

  it('propagates the concrete ID and the trimmed threshold', () => {
    for (const argv of xadds('s', 250)) local.call(argv);
    local.propagated.length = 0;
    local.call(['XADD', 's', 'MAXLEN', '~', '120', '*', 'f', 'v']);
    const effect = local.propagated[0]!;
    expect(effect.slice(0, 5)).toEqual(['XADD', 's', 'MAXLEN', '=', '151']);
    expect(effect[5]).toMatch(/^\d+-0$/);
    local.call(['XTRIM', 's', 'MINID', '~', '220']);
    expect(local.propagated[1]).toEqual(['XTRIM', 's', 'MINID', '=', '201-0']);
    expect(local.changes.map((c) => c.event).slice(-2)).toEqual(['xadd', 'xtrim']);
    expect(local.notifications.map((c) => c.event)).toEqual(['xtrim']);
  });
});

describe('XREAD', () => {
  it('reads after the given IDs, from several streams', () =>
    same(
      ...xadds('a', 3),
      ...xadds('b', 2, 5),
      ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
      ['XREAD', 'COUNT', '1', 'STREAMS', 'a', 'b', '1', '5-0'],
      ['XREAD', 'STREAMS', 'a', 'nope', '3', '0'],
      ['XREAD', 'STREAMS', 'a', '$'],
      ['XREAD', 'STREAMS', 'a', 'b', '0'],
      ['XREAD', 'STREAMS', 'a', '>'],
      ['XREAD', 'STREAMS', 'a', '+'],
      ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
      ['XREAD', 'NOACK', 'STREAMS', 'a', '0'],
      ['XREAD', 'COUNT', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', '-1', 'STREAMS', 'a', '0'],
      ['XREAD', 'BLOCK', 'x', 'STREAMS', 'a', '0'],
      ['XREAD', 'a', '0'],
      ['SET', 'str', 'x'],
      ['XREAD', 'STREAMS', 'str', '0'],
    ));

  it('answers a RESP3 map', async () => {
    await resp3();
    await same(...xadds('a', 2), ...xadds('b', 1), ['XREAD', 'STREAMS', 'a', 'b', '0', '0'], ['XREAD', 'STREAMS', 'a', '$']);
  });

  it("blocks with '$' resolved once, and serves the entry added later", () => {
    local.call(['XADD', 'a', '5-0', 'f', 'v']);
    const blocked: string[][] = [];
    local.ctx.block = (keys) => blocked.push(keys);
    const argv = ['XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$'];
    expect(local.call(argv).length).toBe(0);
    expect(blocked).toEqual([['a', 'b']]);
    local.call(['XADD', 'b', '1-0', 'x', 'y']);
    // Re-run of the same argv array object, as the engine does on wake-up: '$' for b was 0-0.
    expect(local.call(argv).toString('latin1')).toBe('*1\r\n*2\r\n$1\r\nb\r\n*1\r\n*2\r\n$3\r\n1-0\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
    // A new command (another array) resolves '$' again and blocks.
    expect(local.call(['XREAD', 'BLOCK', '0', 'STREAMS', 'a', 'b', '$', '$']).length).toBe(0);
  });
});

/** Delivery and seen times differ between the two servers: mask integers that look like times or idles. */
const maskTimes: Mask = (r) => r.replace(/:(\d{13})\r\n/g, ':T\r\n').replace(/(idle\r\n):\d+/g, '$1:I');

describe('consumer groups', () => {
  it('creates, reads, acknowledges and reports pending entries', async () => {
    expect(
      await compare(
        [
          ...xadds('s', 5),
          ['XGROUP', 'CREATE', 's', 'g', '0'],
          ['XGROUP', 'CREATE', 's', 'g', '0'],
          ['XGROUP', 'CREATE', 'nope', 'g', '0'],
          ['XGROUP', 'CREATE', 'm', 'g', '$', 'MKSTREAM'],
          ['XGROUP', 'CREATE', 's', 'h', '$', 'ENTRIESREAD', '3'],
          ['XGROUP', 'CREATE', 's', 'i', '$', 'ENTRIESREAD', '-2'],
          ['XGROUP', 'CREATE', 's', 'i', '$', 'FOO'],
          ['XGROUP', 'CREATE', 's', 'i', 'bad'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '2', 'STREAMS', 's', '>'],
          ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
          ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '0'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '1-0'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 's', '$'],
          ['XREADGROUP', 'GROUP', 'nog', 'alice', 'STREAMS', 's', '>'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'STREAMS', 'nope', '>'],
          ['XREADGROUP', 'STREAMS', 's', '>'],
          ['XPENDING', 's', 'g'],
          ['XPENDING', 's', 'h'],
          ['XPENDING', 's', 'nog'],
          ['XACK', 's', 'g', '1-0', '9-0'],
          ['XACK', 's', 'g', 'bad'],
          ['XACK', 's', 'nog', '1-0'],
          ['XPENDING', 's', 'g'],
          ['XDEL', 's', '4-0'],
          ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '0'],
          ['XINFO', 'GROUPS', 's'],
          ['XADD', 's', '6-0', 'f', 'v'],
          ['XINFO', 'GROUPS', 's'],
          ['XREADGROUP', 'GROUP', 'g', 'carol', 'NOACK', 'STREAMS', 's', '>'],
          ['XINFO', 'GROUPS', 's'],
          ['XINFO', 'CONSUMERS', 's', 'g'],
          ['XINFO', 'CONSUMERS', 's', 'nog'],
          ['XINFO', 'STREAM', 's'],
          ['XINFO', 'STREAM', 's', 'FULL'],
          ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '1'],
          ['XINFO', 'STREAM', 's', 'FULL', 'COUNT', '0'],
          ['XINFO', 'STREAM', 's', 'FUL'],
          ['XINFO', 'STREAM', 'nope'],
          ['XGROUP', 'SETID', 's', 'g', '0', 'ENTRIESREAD', '0'],
          ['XGROUP', 'SETID', 's', 'nog', '0'],
          ['XGROUP', 'SETID', 's', 'g', '$'],
          ['XINFO', 'GROUPS', 's'],
          ['XGROUP', 'CREATECONSUMER', 's', 'g', 'dave'],
          ['XGROUP', 'CREATECONSUMER', 's', 'g', 'dave'],
          ['XGROUP', 'DELCONSUMER', 's', 'g', 'bob'],
          ['XGROUP', 'DELCONSUMER', 's', 'g', 'nobody'],
          ['XPENDING', 's', 'g'],
          ['XGROUP', 'DESTROY', 's', 'h'],
          ['XGROUP', 'DESTROY', 's', 'h'],
          ['XGROUP', 'HELP'],
          ['XINFO', 'HELP'],
          ['XGROUP', 'FOO', 's', 'g'],
          ['XINFO', 'GROUPS', 's'],
        ],
        (r) => maskRaxNodes(maskTimes(r)),
      ),
    ).toBeUndefined();
  });

  it('answers XPENDING ranges, XCLAIM and XAUTOCLAIM', async () => {
    expect(
      await compare(
        [
          ...xadds('s', 6),
          ['XGROUP', 'CREATE', 's', 'g', '0'],
          ['XREADGROUP', 'GROUP', 'g', 'alice', 'COUNT', '4', 'STREAMS', 's', '>'],
          ['XREADGROUP', 'GROUP', 'g', 'bob', 'STREAMS', 's', '>'],
          ['XPENDING', 's', 'g', '-', '+', '10'],
          ['XPENDING', 's', 'g', '(2', '+', '2', 'alice'],
          ['XPENDING', 's', 'g', '-', '+', '10', 'nobody'],
          ['XPENDING', 's', 'g', 'IDLE', '1000000', '-', '+', '10'],
          ['XPENDING', 's', 'g', 'IDLE', '10', '-', '+'],
          ['XPENDING', 's', 'g', '-', '+'],
          ['XPENDING', 's', 'g', '-', '+', 'x'],
          ['XCLAIM', 's', 'g', 'bob', '0', '1-0', '2-0', 'JUSTID'],
          ['XCLAIM', 's', 'g', 'bob', '0', '3-0', 'RETRYCOUNT', '7'],
          ['XCLAIM', 's', 'g', 'carol', '1000000', '4-0'],
          ['XCLAIM', 's', 'g', 'bob', '0', '9-0', 'FORCE'],
          ['XCLAIM', 's', 'g', 'bob', 'x', '1-0'],
          ['XCLAIM', 's', 'g', 'bob', '0', '1-0', 'BOGUS'],
          ['XCLAIM', 's', 'nog', 'bob', '0', '1-0'],
          ['XPENDING', 's', 'g', '-', '+', '10'],
          ['XDEL', 's', '5-0'],
          ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '2'],
          ['XAUTOCLAIM', 's', 'g', 'carol', '0', '3-0', 'COUNT', '3', 'JUSTID'],
          ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'COUNT', '0'],
          ['XAUTOCLAIM', 's', 'g', 'carol', '0', '0', 'FOO'],
          ['XAUTOCLAIM', 's', 'nog', 'carol', '0', '0'],
          ['XPENDING', 's', 'g'],
          ['XINFO', 'CONSUMERS', 's', 'g'],
        ],
        (r) => maskTimes(r).replace(/(\r\n\$\d+\r\n(?:alice|bob|carol)\r\n):\d+\r\n/g, '$1:I\r\n'),
      ),
    ).toBeUndefined();
  });

  it('propagates reads as XCLAIM and NOACK reads as XGROUP SETID', () => {
    for (const argv of xadds('s', 2)) local.call(argv);
    local.call(['XGROUP', 'CREATE', 's', 'g', '0']);
    local.propagated.length = 0;
    local.call(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS', 's', '>']);
    const now = String(local.keyspace.now);
    expect(local.propagated).toEqual([['XCLAIM', 's', 'g', 'c', '0', '1-0', 'TIME', now, 'RETRYCOUNT', '1', 'FORCE', 'JUSTID', 'LASTID', '1-0']]);
    local.propagated.length = 0;
    local.call(['XREADGROUP', 'GROUP', 'g', 'd', 'NOACK', 'STREAMS', 's', '>']);
    expect(local.propagated).toEqual([
      ['XGROUP', 'CREATECONSUMER', 's', 'g', 'd'],
      ['XGROUP', 'SETID', 's', 'g', '2-0', 'ENTRIESREAD', '2'],
    ]);
  });

  it('wakes a blocked XREADGROUP with an error when its stream or group goes away', () => {
    local.call(['XGROUP', 'CREATE', 's', 'g', '$', 'MKSTREAM']);
    local.ctx.block = () => {};
    const argv = ['XREADGROUP', 'GROUP', 'g', 'c', 'BLOCK', '0', 'STREAMS', 's', '>'];
    expect(local.call(argv).length).toBe(0);
    local.call(['XGROUP', 'DESTROY', 's', 'g']);
    expect(local.call(argv).toString()).toBe('-NOGROUP the consumer group this client was blocked on no longer exists\r\n');
    local.call(['XGROUP', 'CREATE', 's', 'g', '$']);
    const again = argv.slice();
    expect(local.call(again).length).toBe(0);
    local.call(['DEL', 's']);
    expect(local.call(again).toString()).toBe('-UNBLOCKED the stream key no longer exists\r\n');
  });

  it('answers XINFO in RESP3 maps', async () => {
    await resp3();
    expect(
      await compare(
        [
          ...xadds('s', 3),
          ['XGROUP', 'CREATE', 's', 'g', '0'],
          ['XREADGROUP', 'GROUP', 'g', 'a', 'COUNT', '1', 'STREAMS', 's', '>'],
          ['XINFO', 'STREAM', 's'],
          ['XINFO', 'STREAM', 's', 'FULL'],
          ['XINFO', 'GROUPS', 's'],
          ['XINFO', 'CONSUMERS', 's', 'g'],
          ['XPENDING', 's', 'nope'],
          ['XPENDING', 's', 'g'],
          ['XADD', 'n', 'NOMKSTREAM', '*', 'a', 'b'],
          ['XRANGE', 's', '-', '+', 'COUNT', '0'],
        ],
        (r) => maskRaxNodes(maskTimes(r)).replace(/(idle\r\n):\d+/g, '$1:I'),
      ),
    ).toBeUndefined();
  });
});

describe('XSETID', () => {
  it('sets the last ID, entries added and max deleted ID', async () => {
    expect(
      await compare(
        [
          ...xadds('s', 3),
          ['XSETID', 's', '2-0'],
          ['XSETID', 's', '5-0', 'ENTRIESADDED', '2'],
          ['XSETID', 's', '5-0', 'ENTRIESADDED', '-1'],
          ['XSETID', 's', '5-0', 'MAXDELETEDID', '6-0'],
          ['XSETID', 's', '5-0', 'ENTRIESADDED', '10', 'MAXDELETEDID', '4-0'],
          ['XSETID', 's', '5-0', 'FOO'],
          ['XSETID', 'nope', '5-0'],
          ['XINFO', 'STREAM', 's'],
          ['XADD', 's', '5-0', 'a', 'b'],
          ['XADD', 's', '5-1', 'a', 'b'],
        ],
        maskRaxNodes,
      ),
    ).toBeUndefined();
  });
});

describe('the value', () => {
  it('moves between workers through its codec, groups included', () => {
    for (const argv of xadds('s', 7)) local.call(argv);
    local.call(['XADD', 's', '8-0', 'other', '\x00\xff']);
    local.call(['XDEL', 's', '3-0']);
    local.call(['XGROUP', 'CREATE', 's', 'g', '0']);
    local.call(['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '2', 'STREAMS', 's', '>']);
    const s = local.keyspace.lookupRead(local.ctx.db, 's') as StreamValue;
    const back = decodeStream(encodeStream(s));
    expect(encodeStream(back)).toBe(encodeStream(s));
    expect(back.length).toBe(7);
    expect(back.group('g')!.pel.size).toBe(2);
    expect(back.encoding()).toBe('stream');
  });

  it('raises its keyspace events', () => {
    local.call(['XADD', 's', '1-0', 'a', 'b']);
    local.call(['XDEL', 's', '1-0']);
    local.call(['XSETID', 's', '5-0']);
    local.call(['XGROUP', 'CREATE', 's', 'g', '$']);
    local.call(['XGROUP', 'SETID', 's', 'g', '0']);
    local.call(['XGROUP', 'CREATECONSUMER', 's', 'g', 'c']);
    local.call(['XGROUP', 'DELCONSUMER', 's', 'g', 'c']);
    local.call(['XGROUP', 'DESTROY', 's', 'g']);
    expect(local.changes.map((c) => `${c.event}:${c.cls}`)).toEqual([
      'xadd:t', 'xdel:t', 'xsetid:t', 'xgroup-create:t', 'xgroup-setid:t', 'xgroup-createconsumer:t', 'xgroup-delconsumer:t', 'xgroup-destroy:t',
    ]);
  });
});

void show;
