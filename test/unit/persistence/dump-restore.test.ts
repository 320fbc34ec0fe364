// DUMP/RESTORE interop with redis-server 7.0.15, both directions, for every type and encoding:
// a payload DUMPed by redis-server RESTOREs in shoal to the same value (same replies, same OBJECT
// ENCODING), and shoal's payload RESTOREs in redis-server to the same value. Where Redis's encoding
// is deterministic (strings, listpacks, intsets, quicklists built by RPUSH) the payloads are equal
// byte for byte.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyCommands, objectEncoding } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { listCommands } from '../../../src/commands/lists.ts';
import { hashCommands } from '../../../src/commands/hashes.ts';
import { setCommands } from '../../../src/commands/sets.ts';
import { zsetCommands } from '../../../src/commands/zsets.ts';
import { dumpRestoreCommands } from '../../../src/commands/dump-restore.ts';
import { streamCommands } from '../../../src/commands/streams.ts';
import { crc64 } from '../../../src/persistence/crc64.ts';
import { LocalShoal, RealRedis, compareSequence, show } from '../commands/harness.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([keyCommands, stringCommands, listCommands, hashCommands, setCommands, zsetCommands, streamCommands, dumpRestoreCommands]);
});

/** The payload of a bulk reply (latin1). */
function bulk(reply: Buffer): string {
  const text = reply.toString('latin1');
  expect(text.startsWith('$'), text.slice(0, 80)).toBe(true);
  const eol = text.indexOf('\r\n');
  return text.slice(eol + 2, eol + 2 + Number(text.slice(1, eol)));
}

/** Runs a command locally; subcommands ("xgroup|create") straight through their handler. */
function localRun(argv: string[]): Buffer {
  const sub = argv.length > 1 ? streamCommands[`${argv[0]!.toLowerCase()}|${argv[1]!.toLowerCase()}`] : undefined;
  if (sub === undefined) return local.call(argv);
  local.keyspace.now = Date.now();
  sub(local.ctx, argv);
  return local.reply.take();
}

/** Runs the same commands on both servers (building the same value). */
async function both(commands: string[][]): Promise<void> {
  for (const argv of commands) {
    await redis.call(argv);
    localRun(argv);
  }
}

/** What a value looks like through read commands, for either side; order-free for hashtables. */
async function view(call: (argv: string[]) => Promise<Buffer> | Buffer, key: string): Promise<string[]> {
  const type = (await call(['TYPE', key])).toString('latin1');
  const out = [type, (await call(['OBJECT', 'ENCODING', key])).toString('latin1')];
  const encoding = out[1]!;
  const unordered = encoding.includes('hashtable');
  let reply: Buffer;
  if (type.includes('string')) reply = await call(['GET', key]);
  else if (type.includes('list')) reply = await call(['LRANGE', key, '0', '-1']);
  else if (type.includes('set') && !type.includes('zset')) reply = await call(['SMEMBERS', key]);
  else if (type.includes('hash')) reply = await call(['HGETALL', key]);
  else if (type.includes('zset')) reply = await call(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
  else reply = Buffer.concat([await call(['XRANGE', key, '-', '+']), await call(['XINFO', 'STREAM', key, 'FULL'])]);
  // radix-tree-nodes counts the rax's internal nodes, which depend on its insertion history.
  const text = reply.toString('latin1').replace(/radix-tree-nodes\r\n:\d+/, 'radix-tree-nodes');
  if (!unordered) return [...out, text];
  // Split a flat array reply into its elements (or pairs for a hash) and sort them.
  const items: string[] = [];
  let p = text.indexOf('\r\n') + 2;
  while (p < text.length) {
    const eol = text.indexOf('\r\n', p);
    const n = Number(text.slice(p + 1, eol));
    items.push(text.slice(eol + 2, eol + 2 + n));
    p = eol + 2 + n + 2;
  }
  if (type.includes('hash')) {
    const pairs: string[] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push(items[i] + '\u0000' + items[i + 1]);
    return [...out, ...pairs.sort()];
  }
  return [...out, ...items.sort()];
}

const localCall = (argv: string[]): Buffer => {
  if (argv[0] === 'OBJECT') {
    const value = local.keyspace.lookupRead(local.ctx.db, argv[2]!);
    const encoding = value === undefined ? 'none' : objectEncoding(value);
    return Buffer.from(`$${encoding.length}\r\n${encoding}\r\n`, 'latin1');
  }
  return localRun(argv);
};
const redisCall = (argv: string[]): Promise<Buffer> => redis.call(argv);

/**
 * Builds the value on both sides, moves it each way with DUMP/RESTORE and compares; `sameBytes`
 * expects the two DUMP payloads to be identical.
 */
async function roundTrip(build: string[][], sameBytes: boolean, timeDependent = false): Promise<void> {
  await both(build);
  const key = build[0]![1]!;
  const fromRedis = bulk(await redis.call(['DUMP', key]));
  const fromShoal = bulk(local.call(['DUMP', key]));
  if (sameBytes) expect(show(Buffer.from(fromShoal, 'latin1'))).toBe(show(Buffer.from(fromRedis, 'latin1')));

  // redis-server's payload into shoal.
  expect(local.call(['RESTORE', `${key}-from-redis`, '0', fromRedis]).toString()).toBe('+OK\r\n');
  // shoal's payload into redis-server.
  expect((await redis.call(['RESTORE', `${key}-from-shoal`, '0', fromShoal])).toString()).toBe('+OK\r\n');

  const original = await view(redisCall, key);
  expect(await view(localCall, `${key}-from-redis`)).toEqual(original);
  // Values holding clock readings (stream delivery and seen times) differ between the two builds:
  // shoal's payload is then compared with shoal's own value.
  const shoalOriginal = await view(localCall, key);
  expect(await view(redisCall, `${key}-from-shoal`)).toEqual(timeDependent ? shoalOriginal : original);
  if (!timeDependent) expect(shoalOriginal).toEqual(original);
}

function range(n: number, f: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

/** Bytes that LZF cannot shrink (a fixed pseudo-random sequence). */
function noise(n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

describe('DUMP/RESTORE with redis-server, both ways', () => {
  it('strings: integers of every width, short, binary, compressible and incompressible', async () => {
    const values = ['0', '-1', '127', '-128', '128', '32767', '-32769', '2147483647', '-2147483648', '2147483648', '9223372036854775807',
      '007', '+1', '', 'hello', 'a\u0000b\r\n\u00ff', 'x'.repeat(21), 'ab'.repeat(500), noise(300, 7), 'The quick brown fox '.repeat(200)];
    for (const [i, v] of values.entries()) await roundTrip([['SET', `s${i}`, v]], true);
  });

  it('lists: one node, many nodes, big elements, integers', async () => {
    await roundTrip([['RPUSH', 'l1', 'a', 'b', '1', '-5', '100000', '9223372036854775807', 'x'.repeat(70), 'y'.repeat(5000)]], true);
    await roundTrip([['RPUSH', 'l2', ...range(3000, (i) => `element-${i}`)]], true);
    await roundTrip([['RPUSH', 'l3', 'small', 'z'.repeat(10000), 'small2', noise(9000, 3), 'end']], true);
    await roundTrip([['RPUSH', 'l4', ...range(1000, (i) => String(i * 7919 - 1000000))]], true);
  });

  it('sets: intsets of 16, 32 and 64 bits, hashtables', async () => {
    await roundTrip([['SADD', 'i16', '5', '-3', '1000']], true);
    await roundTrip([['SADD', 'i32', '5', '100000', '-70000']], true);
    await roundTrip([['SADD', 'i64', '1', '-9223372036854775808', '9223372036854775807', '4294967296']], true);
    await roundTrip([['SADD', 'ht', 'apple', 'banana', '3', 'c'.repeat(100)]], false);
    await roundTrip([['SADD', 'bigint', ...range(600, (i) => String(i * 3))]], false);
  });

  it('hashes: listpack and hashtable', async () => {
    await roundTrip([['HSET', 'h1', 'f1', 'v1', 'n', '42', 'neg', '-7000', 'big', '1234567890123', 'long', 'q'.repeat(60)]], true);
    await roundTrip([['HSET', 'h2', ...range(300, (i) => (i % 2 === 0 ? `field${i}` : `value${i}`))]], false);
    await roundTrip([['HSET', 'h3', 'f', 'v'.repeat(100)]], false);
  });

  it('sorted sets: listpack and skiplist, every kind of score', async () => {
    await roundTrip([['ZADD', 'z1', '1', 'a', '-1', 'b', '1.5', 'c', '0', 'd', 'inf', 'e', '-inf', 'f', '1e17', 'g', '0.1', 'h', '123456789', 'i', '-2.5e-10', 'j']], true);
    await roundTrip([['ZADD', 'z2', ...range(400, (i) => (i % 2 === 0 ? String(i * 0.37) : `member${i}`))]], false);
    await roundTrip([['ZADD', 'z3', '1', 'x'.repeat(100), '2', 'y']], false);
    await roundTrip([['ZADD', 'z4', '-0', 'm']], true);
  });
});

describe('DUMP/RESTORE of streams with redis-server, both ways', () => {
  it('streams: several nodes, other fields, deletions, no groups (same bytes)', async () => {
    const build = [['XADD', 'st', '1-1', 'f', 'v', 'n', '1']];
    for (let i = 2; i < 260; i++) build.push(['XADD', 'st', `${1000 + i}-${i % 3}`, 'f', `value-${i}`, 'n', String(i * 1000)]);
    build.push(['XADD', 'st', '5000-0', 'other', 'fields', 'here', 'x'.repeat(100)]);
    build.push(['XDEL', 'st', '1005-2', '1100-1']);
    await roundTrip(build, true);
    await roundTrip([['XADD', 'empty', '1-1', 'a', 'b'], ['XDEL', 'empty', '1-1']], true);
  });

  it('streams: consumer groups, PELs and consumers', async () => {
    await roundTrip(
      [
        ['XADD', 'sg', '1-1', 'a', '1'],
        ['XADD', 'sg', '2-1', 'a', '2'],
        ['XADD', 'sg', '3-1', 'a', '3', 'b', '4'],
        ['XGROUP', 'CREATE', 'sg', 'g1', '0'],
        ['XGROUP', 'CREATE', 'sg', 'g0', '$'],
        ['XREADGROUP', 'GROUP', 'g1', 'alice', 'COUNT', '2', 'STREAMS', 'sg', '>'],
        ['XREADGROUP', 'GROUP', 'g1', 'bob', 'STREAMS', 'sg', '>'],
        ['XACK', 'sg', 'g1', '1-1'],
        ['XGROUP', 'CREATECONSUMER', 'sg', 'g0', 'carol'],
      ],
      false,
      true,
    );
  });
});

describe('RESTORE options and errors, as redis-server answers them', () => {
  async function same(commands: string[][]): Promise<void> {
    expect(await compareSequence(local, redis, commands)).toBeUndefined();
  }

  it('BUSYKEY, REPLACE, TTL checks, option syntax', async () => {
    await both([['SET', 'src', 'value']]);
    const payload = bulk(await redis.call(['DUMP', 'src']));
    await same([
      ['RESTORE', 'src', '0', payload],
      ['RESTORE', 'src', '0', payload, 'REPLACE'],
      ['RESTORE', 'k', '-1', payload],
      ['RESTORE', 'k', 'abc', payload],
      ['RESTORE', 'k', '0', payload, 'IDLETIME', '-1'],
      ['RESTORE', 'k', '0', payload, 'IDLETIME', 'x'],
      ['RESTORE', 'k', '0', payload, 'FREQ', '256'],
      ['RESTORE', 'k', '0', payload, 'FREQ', '-1'],
      ['RESTORE', 'k', '0', payload, 'IDLETIME', '10', 'FREQ', '5'],
      ['RESTORE', 'k', '0', payload, 'BOGUS'],
      ['RESTORE', 'k', '0', payload, 'IDLETIME', '100'],
      ['GET', 'k'],
      ['RESTORE', 'k2', '0', payload, 'FREQ', '100', 'REPLACE', 'ABSTTL'],
      ['GET', 'k2'],
      ['DUMP', 'missing'],
    ]);
  });

  it('rejects bad checksums, newer versions and bad data as Redis does', async () => {
    await both([['RPUSH', 'l', 'a', 'b']]);
    const payload = Buffer.from(bulk(await redis.call(['DUMP', 'l'])), 'latin1');
    const flipped = Buffer.from(payload);
    flipped[3] ^= 1;
    const newer = Buffer.from(payload);
    newer[newer.length - 10] = 11;
    newer.set(crc64(newer, 0, newer.length - 8).digest(), newer.length - 8);
    // A body cut short, with a valid footer.
    const body = payload.subarray(0, payload.length - 10 - 3);
    const cut = Buffer.concat([body, Buffer.from([10, 0]), Buffer.alloc(8)]);
    cut.set(crc64(cut, 0, cut.length - 8).digest(), cut.length - 8);
    // An empty list: a quicklist with no nodes.
    const empty = Buffer.concat([Buffer.from([18, 0, 10, 0]), Buffer.alloc(8)]);
    empty.set(crc64(empty, 0, empty.length - 8).digest(), empty.length - 8);
    // An unknown type byte.
    const unknown = Buffer.concat([Buffer.from([8, 0, 10, 0]), Buffer.alloc(8)]);
    unknown.set(crc64(unknown, 0, unknown.length - 8).digest(), unknown.length - 8);
    const latin1 = (b: Buffer): string => b.toString('latin1');
    await same([
      ['RESTORE', 'a', '0', latin1(flipped)],
      ['RESTORE', 'a', '0', latin1(newer)],
      ['RESTORE', 'a', '0', 'short'],
      ['RESTORE', 'a', '0', latin1(cut)],
      ['RESTORE', 'a', '0', latin1(empty)],
      ['RESTORE', 'a', '0', latin1(unknown)],
      ['EXISTS', 'a'],
    ]);
  });

  it('TTLs: relative, absolute, already expired (deleting a replaced key)', async () => {
    await both([['SET', 'src', 'value'], ['SET', 'old', 'x']]);
    const payload = bulk(await redis.call(['DUMP', 'src']));
    const future = String(Date.now() + 100_000);
    await same([
      ['RESTORE', 'rel', '50000', payload],
      ['RESTORE', 'abs', future, payload, 'ABSTTL'],
      ['RESTORE', 'old', '1', payload, 'ABSTTL', 'REPLACE'],
      ['EXISTS', 'old'],
      ['RESTORE', 'gone', '1000', payload, 'ABSTTL'],
      ['EXISTS', 'gone'],
      ['PEXPIRETIME', 'abs'],
    ]);
    const pttl = Number(local.call(['PTTL', 'rel']).toString().slice(1));
    expect(pttl).toBeGreaterThan(49_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
    // The relative TTL propagates as an absolute one.
    const effect = local.propagated.find((argv) => argv[1] === 'rel')!;
    expect(effect[effect.length - 1]).toBe('ABSTTL');
    expect(Math.abs(Number(effect[2]) - (Date.now() + 50_000))).toBeLessThan(2000);
    expect(local.propagated).toContainEqual(['DEL', 'old']);
  });
});
