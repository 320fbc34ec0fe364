// Helpers of the replication tests: a real redis-server process, INFO parsing, waiting for a replica
// to catch up, a keyspace dump to compare two servers, and a write load over every type.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort, waitForPing } from '../helpers/shoal-server.ts';

export interface RedisProcess {
  port: number;
  pid: number;
  dir: string;
  output: () => string;
  stop: () => Promise<void>;
}

export async function startRedis(args: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-repl-redis-'));
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = (): Promise<void> => new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
  try {
    await waitForPing(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, pid: child.pid!, dir, output: () => log, stop };
}

export async function info(client: Redis, section = 'replication'): Promise<Record<string, string>> {
  const text = await client.info(section);
  const out: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const at = line.indexOf(':');
    if (at > 0 && !line.startsWith('#')) out[line.slice(0, at)] = line.slice(at + 1);
  }
  return out;
}

/** Polls `check` every 50 ms until it returns true; throws with `what` after `timeoutMs`. */
export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Resolves once the replica's link is up and it processed everything the primary streamed. */
export async function caughtUp(primary: Redis, replica: Redis, timeoutMs = 30_000): Promise<void> {
  await until('the replica to catch up', async () => {
    const r = await info(replica);
    const p = await info(primary);
    return r.master_link_status === 'up' && r.slave_repl_offset === p.master_repl_offset;
  }, timeoutMs);
}

export const DATABASES = [0, 1, 3];

/** Every key of the databases with its type, value and whether it has a TTL. */
export async function keyspaceDump(client: Redis): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const db of DATABASES) {
    await client.select(db);
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'COUNT', 1000);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    for (const key of keys.sort()) {
      const type = await client.type(key);
      const value =
        type === 'string' ? await client.get(key)
        : type === 'list' ? await client.lrange(key, 0, -1)
        : type === 'set' ? (await client.smembers(key)).sort()
        : type === 'hash' ? await client.hgetall(key)
        : type === 'zset' ? await client.zrange(key, 0, -1, 'WITHSCORES')
        : type === 'stream' ? await client.xrange(key, '-', '+')
        : type;
      const pttl = await client.pttl(key);
      out[`${db}:${key}`] = { type, value, ttl: pttl > 0 };
    }
  }
  await client.select(0);
  return out;
}

/** A deterministic-enough write load over every type and several databases (effects must replicate exactly). */
export async function writeLoad(client: Redis, rounds: number, seed = 1): Promise<number> {
  let x = seed;
  const rnd = (n: number): number => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x % n;
  };
  let commands = 0;
  for (let round = 0; round < rounds; round++) {
    const db = DATABASES[rnd(DATABASES.length)]!;
    const p = client.pipeline();
    p.select(db);
    for (let i = 0; i < 50; i++) {
      const k = rnd(200);
      switch (rnd(14)) {
        case 0: p.set(`s:${k}`, `v${round}:${i}`); break;
        case 1: p.incrbyfloat(`f:${k}`, '1.5'); break;
        case 2: p.rpush(`l:${k}`, `e${i}`, `e${round}`); break;
        case 3: p.lpop(`l:${k}`); break;
        case 4: p.hset(`h:${k}`, `f${rnd(20)}`, `${round}`); break;
        case 5: p.sadd(`S:${k}`, `m${rnd(50)}`, `m${rnd(50)}`); break;
        case 6: p.spop(`S:${k}`); break;
        case 7: p.zadd(`z:${k}`, rnd(1000) / 7, `m${rnd(30)}`); break;
        case 8: p.del(`s:${rnd(200)}`); break;
        case 9: p.set(`x:${k}`, 'expiring', 'PX', 50 + rnd(200)); break;
        case 10: p.expire(`h:${k}`, 100 + rnd(100)); break;
        case 11: p.xadd(`st:${rnd(10)}`, '*', 'f', `${round}`); break;
        case 12: p.incr(`{t}:c${rnd(5)}`); break;
        case 13: p.mset(`m:${k}`, `1`, `m:${rnd(200)}`, '2'); break;
      }
      commands++;
    }
    // A transaction over keys that may sit on different workers.
    const tx = p as unknown as { multi(): void; exec(): void };
    tx.multi();
    p.incr(`tx:${rnd(10)}`);
    p.rpush(`txl:${rnd(10)}`, `r${round}`);
    tx.exec();
    await p.exec();
  }
  return commands;
}
