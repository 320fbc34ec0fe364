import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';

/** A real redis-server on `dir`, loading whatever dump.rdb is there. */
async function startRedis(dir: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], { stdio: 'ignore' });
  const stop = (): void => {
    child.kill('SIGKILL');
  };
  try {
    await waitForPing(port);
  } catch (err) {
    stop();
    throw err;
  }
  return { port, stop };
}

/** Every key of db 0 and db 2 with its type, value and TTL presence, as a comparable object. */
async function snapshot(client: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of [0, 2]) {
    await client.select(db);
    for (const key of (await client.keys('*')).sort()) {
      const type = await client.type(key);
      const value =
        type === 'string' ? await client.get(key)
        : type === 'list' ? await client.lrange(key, 0, -1)
        : type === 'set' ? (await client.smembers(key)).sort()
        : type === 'hash' ? await client.hgetall(key)
        : type === 'zset' ? await client.zrange(key, 0, -1, 'WITHSCORES')
        : type;
      out[`${db}:${key}`] = { type, value, ttl: (await client.ttl(key)) > 0 };
    }
  }
  await client.select(0);
  return out;
}

describe('RDB snapshots across workers', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-rdb-'));
  let shoal: RunningServer;
  let client: Redis;
  let before: Record<string, unknown>;

  beforeAll(async () => {
    shoal = await startShoal(['--threads', '2', '--dir', dir]);
    client = new Redis({ port: shoal.port });
    const pipeline = client.pipeline();
    for (let i = 0; i < 300; i++) {
      pipeline.set(`str:${i}`, `value-${i}`);
      pipeline.rpush(`list:${i % 10}`, `e${i}`);
      pipeline.sadd(`set:${i % 7}`, i % 2 ? `m${i}` : String(i));
      pipeline.hset(`hash:${i % 5}`, `f${i}`, `v${i}`);
      pipeline.zadd(`zset:${i % 3}`, i / 3, `m${i}`);
    }
    pipeline.set('with-ttl', 'v', 'EX', 1000);
    pipeline.set('big', 'x'.repeat(100_000));
    await pipeline.exec();
    await client.select(2);
    await client.set('in-db-2', 'two');
    await client.select(0);
    before = await snapshot(client);
  });

  afterAll(async () => {
    client?.disconnect();
    await shoal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SAVE writes a file that redis-check-rdb accepts', async () => {
    expect(await client.save()).toBe('OK');
    const check = spawnSync('redis-check-rdb', [path.join(dir, 'dump.rdb')], { encoding: 'utf8' });
    expect(check.status).toBe(0);
    expect(check.stdout).toContain(`${Object.keys(before).length} keys read`);
    expect(check.stdout).toContain('1 expires');
  });

  it('DEBUG RELOAD gives back every key', async () => {
    expect(await client.call('DEBUG', 'RELOAD')).toBe('OK');
    expect(await snapshot(client)).toEqual(before);
  });

  it('a restarted shoal loads the file into both workers', async () => {
    client.disconnect();
    await shoal.stop();
    shoal = await startShoal(['--threads', '2', '--dir', dir]);
    client = new Redis({ port: shoal.port });
    expect(shoal.output()).toContain('DB loaded from disk');
    expect(await snapshot(client)).toEqual(before);
  });

  it('redis-server 7.0 loads the same file to the same keyspace', async () => {
    const redis = await startRedis(dir);
    const theirs = new Redis({ port: redis.port });
    try {
      expect(await snapshot(theirs)).toEqual(before);
    } finally {
      theirs.disconnect();
      redis.stop();
    }
  });

  it('shoal loads a file written by redis-server 7.0', async () => {
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-rdb-redis-'));
    const redis = await startRedis(redisDir);
    const theirs = new Redis({ port: redis.port });
    try {
      await theirs.rpush('rl', 'a', 'b', 'c');
      await theirs.hset('rh', 'f', 'v');
      await theirs.zadd('rz', 1.5, 'x');
      await theirs.sadd('rs', '1', '2', '3');
      await theirs.set('rstr', 'hello');
      expect(await theirs.save()).toBe('OK');
    } finally {
      theirs.disconnect();
      redis.stop();
    }
    const other = await startShoal(['--threads', '2', '--dir', redisDir]);
    const c = new Redis({ port: other.port });
    try {
      expect(await c.lrange('rl', 0, -1)).toEqual(['a', 'b', 'c']);
      expect(await c.hgetall('rh')).toEqual({ f: 'v' });
      expect(await c.zscore('rz', 'x')).toBe('1.5');
      expect((await c.smembers('rs')).sort()).toEqual(['1', '2', '3']);
      expect(await c.get('rstr')).toBe('hello');
      expect(await c.call('OBJECT', 'ENCODING', 'rs')).toBe('intset');
    } finally {
      c.disconnect();
      await other.stop();
      fs.rmSync(redisDir, { recursive: true, force: true });
    }
  });
});
