import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';
import { infoField } from '../helpers/server-per-test.ts';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Every key of db 0 and db 1 with its type, value and whether it has a TTL. */
async function keyspace(client: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of [0, 1]) {
    await client.select(db);
    const keys = (await client.keys('*')).sort();
    const types = (await keys.reduce((p, k) => p.type(k), client.pipeline()).exec())!.map(([, t]) => t as string);
    const pipeline = client.pipeline();
    keys.forEach((key, i) => {
      const type = types[i];
      if (type === 'string') pipeline.get(key);
      else if (type === 'list') pipeline.lrange(key, 0, -1);
      else if (type === 'hash') pipeline.hgetall(key);
      else if (type === 'set') pipeline.smembers(key);
      else if (type === 'zset') pipeline.zrange(key, 0, -1, 'WITHSCORES');
      else pipeline.type(key);
      pipeline.pttl(key);
    });
    const replies = (await pipeline.exec())!;
    keys.forEach((key, i) => {
      let value = replies[2 * i]![1];
      if (types[i] === 'set') value = (value as string[]).sort();
      out[`${db}:${key}`] = { type: types[i], value, ttl: (replies[2 * i + 1]![1] as number) > 0 };
    });
  }
  await client.select(0);
  return out;
}

/** Writers of several kinds (in both databases, across workers) until `stop()`. */
function startLoad(port: number): { stop: () => Promise<number> } {
  let stopped = false;
  let ops = 0;
  const run = async (body: (c: Redis, n: number) => Promise<unknown>): Promise<void> => {
    const c = new Redis({ port });
    for (let n = 1; !stopped; n++) {
      await body(c, n);
      ops++;
    }
    c.disconnect();
  };
  const writers = [
    run((c, n) => c.set(`s:${n % 300}`, `v${n}`)),
    run((c, n) => c.rpush(`l:${n % 7}`, String(n))),
    run((c, n) => c.hset(`h:${n % 5}`, `f${n % 40}`, String(n))),
    run((c, n) => c.incr(`ctr:${n % 3}`)),
    run((c, n) => (n % 2 ? c.zadd('z', n, `m${n % 100}`) : c.sadd(`set:${n % 4}`, String(n)))),
    run((c, n) => (n % 3 === 0 ? c.del(`s:${n % 300}`) : c.set(`e:${n % 50}`, String(n), 'EX', 1000))),
    run(async (c, n) => {
      await c.select(1);
      return c.set(`db1:${n % 20}`, String(n));
    }),
  ];
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(writers);
      return ops;
    },
  };
}

function redisLoads(aofParent: string): Promise<{ port: number; stop: () => void }> {
  return freePort().then(async (port) => {
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', aofParent], { stdio: 'ignore' });
    const stop = (): void => void child.kill('SIGKILL');
    try {
      await waitForPing(port);
    } catch (err) {
      stop();
      throw err;
    }
    return { port, stop };
  });
}

describe('BGREWRITEAOF (multi-part AOF, while clients write)', () => {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rewrites under load (RDB preamble, then RESP commands) and a restart gives the same keyspace', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aofrw-'));
    dirs.push(dir);
    const aofDir = path.join(dir, 'appendonlydir');
    let shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'yes']);
    servers.push(shoal);
    const client = new Redis({ port: shoal.port });
    const pipeline = client.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.set(`pre:${i}`, `p${i}`);
    await pipeline.exec();

    const load = startLoad(shoal.port);
    await new Promise((r) => setTimeout(r, 300));
    expect(await client.bgrewriteaof()).toBe('Background append only file rewriting started');
    await waitFor(async () => (await infoField(client, 'aof_rewrites')) === '1' && (await infoField(client, 'aof_rewrite_in_progress')) === '0');
    expect(await infoField(client, 'aof_last_bgrewrite_status')).toBe('ok');
    // Writes after the rewrite go to the new incremental file.
    await new Promise((r) => setTimeout(r, 200));
    expect(await client.config('SET', 'aof-use-rdb-preamble', 'no')).toBe('OK');
    expect(await client.bgrewriteaof()).toBe('Background append only file rewriting started');
    await waitFor(async () => (await infoField(client, 'aof_rewrites')) === '2' && (await infoField(client, 'aof_rewrite_in_progress')) === '0');
    await new Promise((r) => setTimeout(r, 200));
    const ops = await load.stop();
    expect(ops).toBeGreaterThan(50);
    const before = await keyspace(client);
    // DEBUG LOADAOF reads the files back to the same dataset, and records none of it again.
    const digest = await client.call('DEBUG', 'DIGEST');
    expect(await client.call('DEBUG', 'LOADAOF')).toBe('OK');
    const incr = path.join(aofDir, 'appendonly.aof.3.incr.aof');
    const incrSize = fs.statSync(incr).size;
    expect(await client.call('DEBUG', 'LOADAOF')).toBe('OK');
    expect(await client.call('DEBUG', 'DIGEST')).toBe(digest);
    expect(fs.statSync(incr).size).toBe(incrSize);
    expect(await keyspace(client)).toEqual(before);
    client.disconnect();
    await shoal.stop();

    // One base (commands: the second rewrite; base 1 was written at start-up), one incr file,
    // nothing else left behind.
    const manifest = fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1');
    expect(manifest).toBe('file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
    expect(fs.readdirSync(aofDir).sort()).toEqual(['appendonly.aof.3.base.aof', 'appendonly.aof.3.incr.aof', 'appendonly.aof.manifest']);
    const check = spawnSync('redis-check-aof', [path.join(aofDir, 'appendonly.aof.manifest')], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('All AOF files and manifest are valid');

    shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'yes']);
    servers.push(shoal);
    const again = new Redis({ port: shoal.port });
    expect(await keyspace(again)).toEqual(before);
    again.disconnect();
    await shoal.stop();

    const redis = await redisLoads(dir);
    try {
      const r = new Redis({ port: redis.port });
      expect(await keyspace(r)).toEqual(before);
      r.disconnect();
    } finally {
      redis.stop();
    }
  }, 240_000);

  it('auto-aof-rewrite-percentage and min-size start a rewrite once the AOF has grown enough', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aofauto-'));
    dirs.push(dir);
    const shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--auto-aof-rewrite-min-size', '1mb']);
    servers.push(shoal);
    const client = new Redis({ port: shoal.port });
    const value = 'x'.repeat(10_000);
    // 50 writes of 10 kB: below the 1 MB minimum, no rewrite whatever the growth.
    for (let i = 0; i < 50; i++) await client.set(`small:${i}`, value);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await infoField(client, 'aof_rewrites')).toBe('0');
    // Past 1 MB (and over 100% growth from the empty start): a rewrite starts on its own.
    for (let i = 0; i < 150; i++) await client.set(`big:${i}`, value);
    await waitFor(async () => (await infoField(client, 'aof_rewrites')) === '1' && (await infoField(client, 'aof_rewrite_in_progress')) === '0');
    expect(await infoField(client, 'aof_last_bgrewrite_status')).toBe('ok');
    // The rewrite's base holds every key once: the AOF is now about the size of the data.
    expect(Number(await infoField(client, 'aof_current_size'))).toBeLessThan(2_500_000);
    expect(await client.dbsize()).toBe(200);
    client.disconnect();
  }, 120_000);

  it('CONFIG SET appendonly yes at runtime: the first rewrite keeps every key, and nothing acknowledged is lost to kill -9', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aofon-'));
    dirs.push(dir);
    let shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'no', '--appendfsync', 'always']);
    servers.push(shoal);
    const client = new Redis({ port: shoal.port });
    client.on('error', () => {});
    const pipeline = client.pipeline();
    for (let i = 0; i < 3000; i++) pipeline.set(`pre:${i}`, `p${i}`);
    pipeline.rpush('list', 'a', 'b', 'c');
    await pipeline.exec();
    expect(await client.config('SET', 'appendonly', 'yes')).toBe('OK');
    await waitFor(async () => (await infoField(client, 'aof_rewrite_scheduled')) === '0' &&
      (await infoField(client, 'aof_rewrite_in_progress')) === '0' && (await infoField(client, 'aof_rewrites')) === '1');
    expect(await infoField(client, 'aof_enabled')).toBe('1');

    // Acknowledged writes, then kill -9 in the middle of more.
    const acked = new Map<string, number>();
    const writers = [0, 1, 2].map(async (w) => {
      const c = new Redis({ port: shoal.port, maxRetriesPerRequest: 0, retryStrategy: () => null });
      c.on('error', () => {}); // the kill below resets the connection
      try {
        for (let n = 1; ; n++) {
          await c.set(`w${w}:${n % 40}`, String(n));
          acked.set(`w${w}:${n % 40}`, n);
          if (w === 0 && n === 400) shoal.process.kill('SIGKILL');
        }
      } catch {
        // the server is gone
      }
      c.disconnect();
    });
    await Promise.all(writers);
    client.disconnect();
    await new Promise<void>((resolve) => (shoal.process.exitCode !== null || shoal.process.signalCode !== null ? resolve() : shoal.process.once('exit', () => resolve())));

    shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
    servers.push(shoal);
    const again = new Redis({ port: shoal.port });
    expect(await again.dbsize()).toBeGreaterThanOrEqual(3001);
    expect(await again.get('pre:2999')).toBe('p2999');
    expect(await again.lrange('list', 0, -1)).toEqual(['a', 'b', 'c']);
    expect(acked.size).toBeGreaterThan(0);
    for (const [key, n] of acked) expect(Number(await again.get(key))).toBeGreaterThanOrEqual(n);
    again.disconnect();
  }, 240_000);
});
