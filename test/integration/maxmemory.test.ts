import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

// maxmemory on a two-worker server: the dataset estimate every worker publishes, eviction under each
// kind of policy while keys on both workers keep coming, and -OOM where Redis answers it.

let server: RunningServer;
let r: Redis;

const VALUE = 'v'.repeat(200);

async function info(section: string): Promise<Record<string, string>> {
  const text = (await r.info(section)) as string;
  const fields: Record<string, string> = {};
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return fields;
}

/** Writes `count` keys with `prefix`, pipelined; returns the replies' errors. */
async function write(prefix: string, count: number, ttl = false): Promise<string[]> {
  const errors: string[] = [];
  for (let start = 0; start < count; start += 500) {
    const p = r.pipeline();
    for (let i = start; i < Math.min(count, start + 500); i++) {
      if (ttl) p.set(`${prefix}:${i}`, VALUE, 'EX', 3600);
      else p.set(`${prefix}:${i}`, VALUE);
    }
    for (const [err] of (await p.exec())!) if (err) errors.push(err.message);
  }
  return errors;
}

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  r = new Redis(server.port, '127.0.0.1');
});

afterAll(async () => {
  r.disconnect();
  await server.stop();
});

describe('maxmemory', () => {
  // First: what earlier tests leave behind (the running average key size) can trigger evictions by itself.
  it('one big value counts at its size from the next command on, not at the next sample', async () => {
    await r.flushall();
    await r.config('SET', 'maxmemory-policy', 'volatile-random');
    expect(await write('small', 200, true)).toEqual([]);
    // The workers publish their estimates on timer ticks while no maxmemory is set: wait until the
    // 200 keys (200-byte values) are in the figure, so the limit below is really 100 KB above them.
    let used = 0;
    for (let i = 0; i < 100 && used < 200 * 200; i++) {
      const memory = await info('memory');
      used = Number(memory.used_memory) - Number(memory.mem_not_counted_for_evict);
      if (used < 200 * 200) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(used).toBeGreaterThanOrEqual(200 * 200);
    await r.config('SET', 'maxmemory', String(used + 100 * 1024));
    // 200 KB in one key, on whichever worker owns it: the very next command must see the dataset
    // over the limit and evict volatile keys (Redis's tracking unit relies on this). One pipeline, so
    // no timer tick's sample can come between the write and the next command.
    const replies = (await r.pipeline().setbit('big', 1_600_000, 0).get('small:0').info('stats').exec())!;
    const stats = String(replies[2]![1]);
    expect(Number(/evicted_keys:(\d+)/.exec(stats)![1])).toBeGreaterThan(0);
    await r.config('SET', 'maxmemory', '0');
    await r.config('SET', 'maxmemory-policy', 'noeviction');
    await r.config('RESETSTAT');
  });

  it('counts the dataset in used_memory on top of the start-up memory, as MEMORY USAGE estimates keys', async () => {
    await r.flushall();
    const before = await info('memory');
    expect(Number(before.used_memory)).toBeGreaterThanOrEqual(Number(before.used_memory_startup));
    expect(await write('size', 2000)).toEqual([]);
    // The estimate is published on the workers' timer ticks.
    let after = await info('memory');
    for (let i = 0; i < 50 && Number(after.used_memory) === Number(before.used_memory); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await info('memory');
    }
    const grown = Number(after.used_memory) - Number(after.used_memory_startup);
    const perKey = Number(await r.memory('USAGE', 'size:1'));
    expect(perKey).toBeGreaterThan(VALUE.length);
    // 2000 keys of about perKey bytes each (within the sampling error of the estimate).
    expect(grown).toBeGreaterThan(2000 * perKey * 0.5);
    expect(grown).toBeLessThan(2000 * perKey * 2);
  });

  it('noeviction: writes get -OOM once over the limit, reads and deletes still work', async () => {
    await r.flushall();
    await r.config('SET', 'maxmemory-policy', 'noeviction');
    await r.config('SET', 'maxmemory', String(1_000_000));
    const errors = await write('oom', 20_000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    const kept = await r.dbsize();
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(20_000);
    expect(await r.get('oom:0')).toBe(VALUE);
    expect(await r.del('oom:0', 'oom:1')).toBe(2);
    expect((await info('stats')).evicted_keys).toBe('0');
    await r.config('SET', 'maxmemory', '0');
    expect(await r.set('oom:after', 'x')).toBe('OK');
  });

  it('allkeys-random: writing ten times the limit keeps the dataset near it, on both workers', async () => {
    await r.flushall();
    await r.config('SET', 'maxmemory-policy', 'allkeys-random');
    await r.config('SET', 'maxmemory', String(1_000_000));
    expect(await write('evict', 40_000)).toEqual([]);
    const perKey = Number(await r.memory('USAGE', (await r.randomkey())!));
    const kept = await r.dbsize();
    expect(kept).toBeGreaterThan(1_000_000 / perKey / 3);
    expect(kept).toBeLessThan((1_000_000 / perKey) * 2);
    const stats = await info('stats');
    expect(Number(stats.evicted_keys)).toBeGreaterThanOrEqual(40_000 - kept);
    // Both workers evicted and both still hold keys.
    const threads = await info('threads');
    for (const line of Object.entries(threads).filter(([name]) => /^worker\d+$/.test(name))) {
      expect(Number(/keys=(\d+)/.exec(line[1])![1])).toBeGreaterThan(0);
    }
    await r.config('SET', 'maxmemory', '0');
  });

  it('volatile-ttl takes only keys with an expiry; with none left a write gets -OOM', async () => {
    await r.flushall();
    await r.config('SET', 'maxmemory', '0');
    expect(await write('persistent', 3000)).toEqual([]);
    await r.config('SET', 'maxmemory-policy', 'volatile-ttl');
    // Just above what the persistent keys take: the volatile ones make room for each other.
    const used = Number((await r.memory('USAGE', 'persistent:1'))) * 3000;
    await r.config('SET', 'maxmemory', String(Math.round(used * 1.3)));
    expect(await write('volatile', 5000, true)).toEqual([]);
    // Every persistent key is still there; some volatile ones were evicted.
    const p = r.pipeline();
    for (let i = 0; i < 3000; i++) p.exists(`persistent:${i}`);
    const present = (await p.exec())!.reduce((n: number, [, v]) => n + Number(v), 0);
    expect(present).toBe(3000);
    expect(Number((await info('stats')).evicted_keys)).toBeGreaterThan(0);
    // Without volatile keys nothing can go: writes are refused.
    await r.config('SET', 'maxmemory', String(Math.round(used * 0.5)));
    const errors = await write('more', 2000);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^OOM /);
    await r.config('SET', 'maxmemory', '0');
  });
});
