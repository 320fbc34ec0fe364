// The write effects of a real shoal (2 workers), merged by its log thread into the AOF, replayed by a
// real redis-server 7.0.15: the same keys, values and TTLs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { checkAof, startRedisOnAof } from '../unit/log/redis-aof.ts';
import { keysOn, tagOn } from './support.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type KeyDump = { type: string; value: unknown; pttl: number };

/** Every key of every database with its type, value and PTTL. */
async function dumpKeyspace(client: Redis): Promise<Map<string, KeyDump>> {
  const out = new Map<string, KeyDump>();
  for (let db = 0; db < 16; db++) {
    await client.select(db);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    for (const key of keys) {
      const type = await client.type(key);
      let value: unknown;
      if (type === 'string') value = (await client.getBuffer(key))?.toString('latin1');
      else if (type === 'list') value = await client.lrange(key, 0, -1);
      else if (type === 'hash') value = Object.entries(await client.hgetall(key)).sort();
      else if (type === 'set') value = (await client.smembers(key)).sort();
      else if (type === 'zset') value = await client.zrange(key, 0, -1, 'WITHSCORES');
      else value = `<${type}>`;
      out.set(`${db}/${key}`, { type, value, pttl: await client.pttl(key) });
    }
  }
  await client.select(0);
  return out;
}

describe('write effects through the log thread into the AOF', () => {
  let dir: string;
  let shoal: RunningServer | undefined;
  let shoalKeys: Map<string, KeyDump>;
  let aofText: string;
  const aofDir = (): string => path.join(dir, 'shoal-aof');

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-log-effects-'));
    shoal = await startShoal(['--appendonly', 'yes', '--dir', dir, '--appenddirname', 'shoal-aof', '--threads', '2']);
    const a = new Redis({ port: shoal.port, host: '127.0.0.1' });
    const b = new Redis({ port: shoal.port, host: '127.0.0.1' }); // likely on the other worker
    const k0 = keysOn(0, 'w0', 40);
    const k1 = keysOn(1, 'w1', 40);
    const all = k0.flatMap((k, i) => [k, k1[i]!]);
    try {
      // Strings with relative expiries (→ PEXPIREAT), counters, floats (→ SET), appends, ranges.
      for (let i = 0; i < all.length; i++) {
        const client = i % 2 === 0 ? a : b;
        await client.set(all[i]!, `v${i}`, 'EX', 100 + i);
      }
      for (let i = 0; i < 10; i++) await a.incr(all[i]!.replace(/^w/, 'n'));
      await b.set(k0[20]!, '3');
      await b.incrbyfloat(k0[20]!, 1.5);
      await a.set(k1[21]!, '10.25');
      await a.incrbyfloat(k1[21]!, 0.1);
      await a.incrbyfloat(k1[21]!, -3e-3);
      await b.expire(k0[1]!, 5000);
      await a.pexpire(k1[1]!, 7_777_000);
      await a.persist(k0[2]!);
      await b.del(k0[3]!, k1[3]!, 'missing');
      await a.mset(k0[4]!, 'm0', k1[4]!, 'm1', k0[5]!, 'm2', k1[5]!, 'm3');
      await b.msetnx(`${tagOn(0)}x`, '1', `${tagOn(0)}y`, '2');
      await a.append(k0[6]!, '-tail');
      await b.append('fresh-append', 'start');
      await a.setrange(k1[6]!, 2, 'XYZ');
      await b.setrange('fresh-range', 5, 'abc');
      await a.set('bin', Buffer.from([0, 255, 13, 10, 1]));
      await b.getset(k1[7]!, 'swapped');
      await a.getdel(k0[8]!);
      await b.getex(k1[8]!, 'PX', 60_000);
      await a.setex(k0[9]!, 300, 'ex');
      await b.rename(k0[10]!, k1[30]!);
      await a.incrby(k0[11]!.replace(/^w/, 'n'), 5);
      await b.decr('counter');
      // Lazy expiry of a key: expire it, wait, touch it (→ DEL).
      await a.set('lazy', 'soon', 'PX', 50);
      await sleep(150);
      expect(await a.get('lazy')).toBeNull();
      // Other types.
      await a.rpush('list', 'a', 'b', 'c', 'd');
      await b.lpop('list');
      await a.hset('hash', 'f1', 'v1', 'f2', 'v2', 'f3', 'v3');
      await b.hdel('hash', 'f2');
      await a.hincrbyfloat('hash', 'num', 2.5);
      await a.sadd('set', 'x', 'y', 'z', 'w');
      await b.spop('set');
      await a.zadd('zset', 1, 'one', 2, 'two');
      await b.zincrby('zset', 1.5, 'one');
      // Database 1: writes, FLUSHDB, more writes; database 2 through SELECT.
      await a.select(1);
      await b.select(1);
      for (let i = 0; i < 10; i++) await (i % 2 ? a : b).set(all[i]!, `db1-${i}`);
      await a.flushdb();
      await b.set(k0[0]!, 'after-flush');
      await a.set(k1[0]!, 'after-flush', 'PX', 90_000);
      await a.select(2);
      await a.mset(k0[12]!, 'two', k1[12]!, 'two');
      await a.select(0);
      await b.select(0);
      // A transaction across workers.
      await a.multi().set(k0[13]!, 'tx0').set(k1[13]!, 'tx1').incr('txcount').exec();
      shoalKeys = await dumpKeyspace(a);
    } finally {
      a.disconnect();
      b.disconnect();
    }
    await shoal.stop();
    const manifest = path.join(aofDir(), 'appendonly.aof.manifest');
    if (fs.existsSync(manifest)) aofText = fs.readFileSync(path.join(aofDir(), 'appendonly.aof.1.incr.aof'), 'latin1');
  }, 60_000);

  afterAll(async () => {
    await shoal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the multi-part layout that redis-check-aof accepts', () => {
    // As Redis 7.0: a server that starts with no AOF writes an empty base first.
    expect(fs.readdirSync(aofDir()).sort()).toEqual(['appendonly.aof.1.base.rdb', 'appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    expect(fs.readFileSync(path.join(aofDir(), 'appendonly.aof.manifest'), 'latin1')).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    const viaManifest = checkAof(path.join(aofDir(), 'appendonly.aof.manifest'));
    expect(viaManifest.output).toContain('All AOF files and manifest are valid');
    expect(viaManifest.status).toBe(0);
    const incr = checkAof(path.join(aofDir(), 'appendonly.aof.1.incr.aof'));
    expect(incr.status).toBe(0);
    expect(incr.output).toMatch(/is valid/);
  });

  it('records deterministic effects (absolute expiries, lazy expiry as DEL, SELECT on db change)', () => {
    expect(aofText).toContain('$9\r\nPEXPIREAT\r\n');
    expect(aofText).not.toMatch(/\$6\r\nEXPIRE\r\n|\$12\r\nINCRBYFLOAT\r\n|\$4\r\nSPOP\r\n/);
    expect(aofText).toContain('*2\r\n$3\r\nDEL\r\n$4\r\nlazy\r\n');
    expect(aofText.startsWith('*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n')).toBe(true);
    expect(aofText).toContain('*2\r\n$6\r\nSELECT\r\n$1\r\n1\r\n');
    expect(aofText).toContain('*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n');
  });

  it('replays in redis-server 7.0.15 to the same keys, values and TTLs', async () => {
    const redis = await startRedisOnAof(dir, 'shoal-aof');
    try {
      expect(redis.log()).toContain('DB loaded from incr file appendonly.aof.1.incr.aof');
      const redisKeys = await dumpKeyspace(redis.client);
      expect(shoalKeys.size).toBeGreaterThan(80);
      expect([...redisKeys.keys()].sort()).toEqual([...shoalKeys.keys()].sort());
      for (const [key, mine] of shoalKeys) {
        const theirs = redisKeys.get(key)!;
        expect({ key, type: theirs.type, value: theirs.value }).toEqual({ key, type: mine.type, value: mine.value });
        if (mine.pttl < 0) expect({ key, pttl: theirs.pttl }).toEqual({ key, pttl: mine.pttl });
        else expect({ key, diff: Math.abs(theirs.pttl - mine.pttl) < 5000 }).toEqual({ key, diff: true });
      }
    } finally {
      await redis.stop();
    }
  });
});
