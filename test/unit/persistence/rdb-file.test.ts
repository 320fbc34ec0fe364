// Whole RDB files with redis-server 7.0.15: a file written by shoal passes redis-check-rdb and loads
// in redis-server to the same keys; a file SAVEd by redis-server (every type and encoding, big
// LZF-compressed values, compressed quicklist nodes, several databases, expiries) is read back by
// shoal with every key equal.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyCommands } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { listCommands } from '../../../src/commands/lists.ts';
import { hashCommands } from '../../../src/commands/hashes.ts';
import { setCommands } from '../../../src/commands/sets.ts';
import { zsetCommands } from '../../../src/commands/zsets.ts';
import { streamCommands } from '../../../src/commands/streams.ts';
import {
  type RdbEntry,
  RdbLoadError,
  encodeRdb,
  readRdb,
  readRdbFileSync,
  writeRdbFileSync,
} from '../../../src/persistence/rdb-file.ts';
import { LocalShoal } from '../commands/harness.ts';
import { RedisProcess, arrayItems, localCaller, view } from './support.ts';

const FAMILIES = [keyCommands, stringCommands, listCommands, hashCommands, setCommands, zsetCommands, streamCommands];
let dir: string;

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-rdb-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function range(n: number, f: (i: number) => string): string[] {
  return Array.from({ length: n }, (_, i) => f(i));
}

function noise(n: number, seed: number): string {
  let x = seed;
  let s = '';
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += String.fromCharCode(x >>> 24);
  }
  return s;
}

/** Commands filling every type and encoding, per database. */
function dataset(): Array<[number, string[][]]> {
  const soon = String(Date.now() + 3_600_000);
  return [
    [
      0,
      [
        ['SET', 'str:int', '12345'],
        ['SET', 'str:bigint', '-9223372036854775808'],
        ['SET', 'str:short', 'hello'],
        ['SET', 'str:binary', 'a\u0000b\u00ff\r\n'],
        ['SET', 'str:lzf', 'compress me '.repeat(1000)],
        ['SET', 'str:noise', noise(5000, 1)],
        ['SET', 'str:ttl', 'expiring'],
        ['PEXPIREAT', 'str:ttl', soon],
        ['RPUSH', 'list:small', 'a', '1', '-300', 'x'.repeat(100)],
        ['RPUSH', 'list:big', ...range(5000, (i) => `item:${i}:${'z'.repeat(i % 50)}`)],
        ['RPUSH', 'list:huge-elements', 'h'.repeat(20000), noise(10000, 2), 'tail'],
        ['SADD', 'set:intset', '1', '2', '-3', '1000000', '9223372036854775807'],
        ['SADD', 'set:hashtable', 'apple', 'banana', 'cherry'],
        ['SADD', 'set:big-ints', ...range(700, (i) => String(i * 13))],
        ['HSET', 'hash:listpack', 'f1', 'v1', 'n', '7', 'long', 'y'.repeat(60)],
        ['HSET', 'hash:hashtable', ...range(1200, (i) => `k${i >> 1}-${i}`)],
        ['HSET', 'hash:long-value', 'f', 'w'.repeat(500)],
        ['ZADD', 'zset:listpack', '1', 'a', '2.5', 'b', '-inf', 'c', 'inf', 'd', '1e20', 'e'],
        ['ZADD', 'zset:skiplist', ...range(600, (i) => (i % 2 === 0 ? String((i * 1.25) % 17) : `member-${i}`))],
        ['ZADD', 'zset:long-member', '3', 'm'.repeat(200)],
        ['PEXPIREAT', 'zset:long-member', soon],
        ...Array.from({ length: 300 }, (_, i) => ['XADD', 'stream', `${i + 1}-0`, 'field', `v${i}`, 'n', String(i)]),
        ['XADD', 'stream', '1000-5', 'different', 'fields'],
        ['XDEL', 'stream', '7-0', '150-0'],
      ],
    ],
    [
      3,
      [
        ['SET', 'other-db', 'value in db 3'],
        ['RPUSH', 'list:db3', 'p', 'q'],
      ],
    ],
  ];
}

/** Keys of a database on redis-server. */
async function redisKeys(redis: RedisProcess, db: number): Promise<string[]> {
  await redis.call(['SELECT', String(db)]);
  return arrayItems((await redis.call(['KEYS', '*'])).toString('latin1')).sort();
}

/** Every key of a database compared between redis-server and the local shoal. */
async function expectSameDatabase(redis: RedisProcess, local: LocalShoal, db: number, keys: string[]): Promise<void> {
  expect(await redisKeys(redis, db)).toEqual([...keys].sort());
  local.ctx.db = local.keyspace.dbs[db]!;
  const call = localCaller(local);
  for (const key of keys) expect(await view(call, key), key).toEqual(await view((argv) => redis.call(argv), key));
}

function keysOf(commands: string[][]): string[] {
  return [...new Set(commands.filter((c) => c[0] !== 'PEXPIREAT' && c[0] !== 'XDEL').map((c) => c[1]!))];
}

describe('RDB files with redis-server 7.0.15', () => {
  it('a file written by shoal passes redis-check-rdb and loads in redis-server', async () => {
    const local = new LocalShoal(FAMILIES);
    const entries: RdbEntry[] = [];
    for (const [db, commands] of dataset()) {
      local.ctx.db = local.keyspace.dbs[db]!;
      for (const argv of commands) local.call(argv);
      for (const key of keysOf(commands)) {
        const database = local.keyspace.dbs[db]!;
        entries.push({ db, key, value: database.get(key)!, expireAt: database.getExpire(key) ?? -1 });
      }
    }
    const file = path.join(dir, 'from-shoal.rdb');
    writeRdbFileSync(file, entries);
    const check = execFileSync('redis-check-rdb', [file], { encoding: 'latin1' });
    expect(check).toContain('RDB looks OK!');
    expect(check).toMatch(/22 keys read/i);

    const redis = await RedisProcess.start(['--dir', dir, '--dbfilename', 'from-shoal.rdb', '--save', '']);
    try {
      for (const [db, commands] of dataset()) await expectSameDatabase(redis, local, db, keysOf(commands));
    } finally {
      await redis.stop();
    }
  });

  it('a file saved by redis-server is read back with every key equal', async () => {
    const redis = await RedisProcess.start(['--dir', dir, '--dbfilename', 'from-redis.rdb', '--save', '', '--list-compress-depth', '1']);
    const local = new LocalShoal(FAMILIES);
    try {
      for (const [db, commands] of dataset()) {
        await redis.call(['SELECT', String(db)]);
        for (const argv of commands) await redis.call(argv);
      }
      expect((await redis.call(['SAVE'])).toString()).toBe('+OK\r\n');
      const auxFields = new Map<string, string>();
      const result = readRdbFileSync(path.join(dir, 'from-redis.rdb'), {
        key(e) {
          local.keyspace.addKey(local.keyspace.dbs[e.db]!, e.key, e.value);
          if (e.expireAt >= 0) local.keyspace.dbs[e.db]!.setExpire(e.key, e.expireAt);
        },
        aux: (k, v) => auxFields.set(k, v),
      });
      expect(result.version).toBe(10);
      expect(result.keys).toBe(22);
      expect(auxFields.get('redis-ver')).toBe('7.0.15');
      for (const [db, commands] of dataset()) await expectSameDatabase(redis, local, db, keysOf(commands));
    } finally {
      await redis.stop();
    }
  });

  it('reads through a source that returns a few bytes at a time, and checks the checksum', () => {
    const local = new LocalShoal(FAMILIES);
    const entries: RdbEntry[] = [];
    for (const [db, commands] of dataset()) {
      local.ctx.db = local.keyspace.dbs[db]!;
      for (const argv of commands) local.call(argv);
      for (const key of keysOf(commands)) entries.push({ db, key, value: local.keyspace.dbs[db]!.get(key)!, expireAt: -1 });
    }
    const bytes = encodeRdb(entries);
    let at = 0;
    const seen: string[] = [];
    readRdb(
      {
        read(into, offset, length) {
          const n = Math.min(length, 7, bytes.length - at);
          bytes.copy(into, offset, at, at + n);
          at += n;
          return n;
        },
      },
      { key: (e) => seen.push(`${e.db}:${e.key}`) },
    );
    expect(seen).toEqual(entries.map((e) => `${e.db}:${e.key}`));

    const corrupt = Buffer.from(bytes);
    corrupt[100] ^= 0x40;
    expect(() => readRdb(corrupt, { key: () => {} })).toThrow(RdbLoadError);
    const truncated = bytes.subarray(0, bytes.length - 20);
    expect(() => readRdb(truncated, { key: () => {} })).toThrow(RdbLoadError);
    // A zero checksum is not checked (rdbchecksum no).
    const unchecked = encodeRdb(entries, { checksum: false });
    expect(readRdb(unchecked, { key: () => {} }).keys).toBe(entries.length);
  });
});
