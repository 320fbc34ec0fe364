import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn } from './support.ts';

/** Waits until the server reports `n` blocked clients (INFO clients), as Redis's own tests do. */
async function blockedClients(client: Redis, n: number): Promise<void> {
  for (let i = 0; i < 250; i++) {
    const info = (await client.info('clients')) as string;
    if (info.includes(`blocked_clients:${n}\r\n`)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`never saw ${n} blocked clients`);
}

/** Connections land on the least loaded worker: two fresh ones end up on different workers. */
describe('blocking commands, SORT, MONITOR and MEMORY across workers', () => {
  let shoal: RunningServer;
  let redisPort: number;
  let stopRedis: () => void;
  let a: Redis;
  let b: Redis;

  beforeAll(async () => {
    shoal = await startShoal(['--threads', '2']);
    a = new Redis({ port: shoal.port });
    b = new Redis({ port: shoal.port });
    await Promise.all([a.ping(), b.ping()]);
    redisPort = await freePort();
    // A data file name no run writes (--save ''): a dump.rdb left in the working directory is not loaded.
    const child = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--dbfilename', `nothing-${process.pid}-${redisPort}.rdb`], { stdio: 'ignore' });
    stopRedis = () => child.kill('SIGKILL');
    await waitForPing(redisPort);
  });

  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    stopRedis?.();
    await shoal?.stop();
  });

  it('BLPOP waiting on one worker is served by a push from a client on the other, first blocked first served', async () => {
    const list = keyOn(1, 'blist');
    const first = new Redis({ port: shoal.port });
    const second = new Redis({ port: shoal.port });
    const p1 = first.blpop(list, 5);
    await blockedClients(a, 1);
    const p2 = second.blpop(list, 5);
    await blockedClients(a, 2);
    await a.rpush(list, 'one', 'two');
    expect(await p1).toEqual([list, 'one']);
    expect(await p2).toEqual([list, 'two']);
    first.disconnect();
    second.disconnect();
  });

  it('BLPOP over keys on both workers wakes on either, and times out with null', async () => {
    const [k0, k1] = [keyOn(0, 'multi-a'), keyOn(1, 'multi-b')];
    const waiter = new Redis({ port: shoal.port });
    const served = waiter.blpop(k0, k1, 5);
    await blockedClients(a, 1);
    await b.lpush(k1, 'x');
    expect(await served).toEqual([k1, 'x']);
    const started = Date.now();
    expect(await waiter.blpop(k0, k1, 0.2)).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(150);
    waiter.disconnect();
  });

  it('CLIENT UNBLOCK ends a wait with the timeout reply or an error', async () => {
    const waiter = new Redis({ port: shoal.port });
    const id = (await waiter.client('ID')) as number;
    const waiting = waiter.blpop(keyOn(0, 'never'), 0);
    await blockedClients(a, 1);
    expect(await a.client('UNBLOCK', id)).toBe(1);
    expect(await waiting).toBeNull();
    const again = waiter.blpop(keyOn(1, 'never'), 0).catch((err: Error) => err.message);
    await blockedClients(a, 1);
    expect(await a.client('UNBLOCK', id, 'ERROR')).toBe(1);
    expect(await again).toMatch(/UNBLOCKED/);
    expect(await a.client('UNBLOCK', id)).toBe(0);
    waiter.disconnect();
  });

  it('BLPOP inside MULTI does not block', async () => {
    const result = await a.multi().blpop(keyOn(1, 'empty'), 0).exec();
    expect(result).toEqual([[null, null]]);
  });

  it('SORT with BY and GET patterns on both workers, and STORE, answers as redis-server does', async () => {
    const redis = new Redis({ port: redisPort });
    const setUp = async (c: Redis): Promise<void> => {
      await c.del('{s}list', 'dst');
      await c.rpush('{s}list', '3', '1', '2', '10');
      for (const [id, weight, name] of [['1', '10', 'one'], ['2', '20', 'two'], ['3', '30', 'three'], ['10', '5', 'ten']]) {
        await c.set(`weight_${id}`, weight!);
        await c.hset(`obj_${id}`, 'name', name!);
      }
    };
    await setUp(a);
    await setUp(redis);
    const commands: string[][] = [
      ['SORT', '{s}list'], ['SORT', '{s}list', 'DESC', 'LIMIT', '1', '2'], ['SORT', '{s}list', 'ALPHA'],
      ['SORT', '{s}list', 'BY', 'weight_*', 'GET', 'obj_*->name', 'GET', '#'], ['SORT', '{s}list', 'BY', 'nosort'],
      ['SORT_RO', '{s}list', 'BY', 'weight_*'], ['SORT', '{s}list', 'BY', 'weight_*', 'STORE', 'dst'], ['LRANGE', 'dst', '0', '-1'],
    ];
    for (const command of commands) {
      expect(await a.call(command[0]!, ...command.slice(1)), command.join(' ')).toEqual(await redis.call(command[0]!, ...command.slice(1)));
    }
    redis.disconnect();
  });

  it('SORT ... STORE wakes a client blocked on the destination', async () => {
    const waiter = new Redis({ port: shoal.port });
    const dst = keyOn(1, 'sorted');
    const waiting = waiter.blpop(dst, 5);
    await blockedClients(a, 1);
    await a.rpush('{s}src', '2', '1');
    expect(await a.sort('{s}src', 'STORE', dst)).toBe(2);
    expect(await waiting).toEqual([dst, '1']);
    waiter.disconnect();
  });

  it('MONITOR shows the commands of clients on both workers', async () => {
    const monitor = await a.duplicate().monitor();
    const lines: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => lines.push(args.join(' ')));
    await b.set(keyOn(0, 'mon'), 'v0');
    await a.set(keyOn(1, 'mon'), 'v1');
    await b.get(keyOn(1, 'mon'));
    for (let i = 0; i < 100 && lines.length < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(lines).toEqual(expect.arrayContaining([`set ${keyOn(0, 'mon')} v0`, `set ${keyOn(1, 'mon')} v1`, `get ${keyOn(1, 'mon')}`]));
    monitor.disconnect();
  });

  it('MEMORY USAGE grows with the value and is null for a missing key', async () => {
    const key = keyOn(1, 'mem');
    await a.set(key, 'x');
    const small = (await a.call('MEMORY', 'USAGE', key)) as number;
    await a.set(key, 'x'.repeat(10_000));
    const big = (await a.call('MEMORY', 'USAGE', key)) as number;
    expect(big - small).toBeGreaterThanOrEqual(9_999);
    expect(await a.call('MEMORY', 'USAGE', keyOn(0, 'missing'))).toBeNull();
  });
});
