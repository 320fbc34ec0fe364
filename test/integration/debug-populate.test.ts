import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

// DEBUG POPULATE, which Redis's own test suite uses to fill a server: keys land on every worker,
// existing keys are left alone, values are padded or cut to the size asked for.
let server: RunningServer;
let r: Redis;

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  r = new Redis(server.port, '127.0.0.1');
});

afterAll(async () => {
  r.disconnect();
  await server.stop();
});

describe('DEBUG POPULATE', () => {
  it('adds count keys over every worker, keeps existing ones, and honours prefix, size and the database', async () => {
    await r.set('key:7', 'mine');
    expect(await r.call('DEBUG', 'POPULATE', '1000')).toBe('OK');
    expect(await r.dbsize()).toBe(1000);
    expect(await r.get('key:7')).toBe('mine');
    expect(await r.get('key:999')).toBe('value:999');
    const threads = String(await r.info('threads'));
    const perWorker = [...threads.matchAll(/^worker\d+:.*keys=(\d+)/gm)].map((m) => Number(m[1]));
    expect(perWorker.length).toBe(2);
    for (const n of perWorker) expect(n).toBeGreaterThan(300);
    expect(await r.call('DEBUG', 'POPULATE', '3', 'pad', '10')).toBe('OK');
    expect(await r.get('pad:1')).toBe('value:1\0\0\0');
    expect(await r.call('DEBUG', 'POPULATE', '2', 'cut', '3')).toBe('OK');
    expect(await r.get('cut:0')).toBe('val');
    await expect(r.call('DEBUG', 'POPULATE', '-1')).rejects.toThrow('ERR value is out of range, must be positive');
    await r.select(5);
    expect(await r.call('DEBUG', 'POPULATE', '20')).toBe('OK');
    expect(await r.dbsize()).toBe(20);
    await r.select(0);
    await r.flushall();
  });
});
