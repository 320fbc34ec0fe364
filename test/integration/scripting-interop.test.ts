// Function libraries move between shoal and redis-server 7.0: in RDB files (RDB_OPCODE_FUNCTION2)
// both ways, and as FUNCTION DUMP payloads restored by the other server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';

const LIBRARY = "#!lua name=interop\nredis.register_function('hello', function(keys, args) return 'hello ' .. args[1] end)";
const cleanups: Array<() => void | Promise<void>> = [];

async function startRedis(dir: string): Promise<{ port: number; stop: () => void }> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir], { stdio: 'ignore' });
  const stop = (): void => {
    child.kill('SIGKILL');
  };
  cleanups.push(stop);
  await waitForPing(port);
  return { port, stop };
}

function client(port: number): Redis {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  cleanups.push(() => r.disconnect());
  return r;
}

async function shoalOn(dir: string): Promise<RunningServer> {
  const server = await startShoal(['--threads', '2', '--dir', dir]);
  cleanups.push(() => server.stop());
  return server;
}

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('function libraries between shoal and redis-server 7.0', () => {
  it('an RDB saved by shoal gives redis-server the libraries, and back', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-fn-rdb-'));
    const shoal = await shoalOn(dir);
    const s = client(shoal.port);
    expect(await s.call('function', 'load', LIBRARY)).toBe('interop');
    expect(await s.save()).toBe('OK');
    const redis = await startRedis(dir);
    const r = client(redis.port);
    expect(await r.call('fcall', 'hello', '0', 'redis')).toBe('hello redis');
    // redis-server writes its own file with one more library; shoal loads both at start-up.
    expect(await r.call('function', 'load', "#!lua name=fromredis\nredis.register_function('twice', function(keys, args) return args[1] .. args[1] end)")).toBe('fromredis');
    expect(await r.save()).toBe('OK');
    redis.stop();
    await shoal.stop();
    const again = await shoalOn(dir);
    const s2 = client(again.port);
    expect(await s2.call('fcall', 'hello', '0', 'shoal')).toBe('hello shoal');
    expect(await s2.call('fcall', 'twice', '0', 'ab')).toBe('abab');
    expect(((await s2.call('function', 'list')) as unknown[]).length).toBe(2);
  }, 90_000);

  it('FUNCTION DUMP payloads restore on the other server', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-fn-dump-'));
    const shoal = await shoalOn(dir);
    const redis = await startRedis(dir);
    const s = client(shoal.port);
    const r = client(redis.port);
    await s.call('function', 'flush');
    await s.call('function', 'load', LIBRARY);
    const fromShoal = (await s.callBuffer('function', 'dump')) as Buffer;
    expect(await r.call('function', 'restore', fromShoal, 'replace')).toBe('OK');
    expect(await r.call('fcall', 'hello', '0', 'x')).toBe('hello x');
    const fromRedis = (await r.callBuffer('function', 'dump')) as Buffer;
    expect(fromRedis.equals(fromShoal)).toBe(true);
    await s.call('function', 'flush');
    expect(await s.call('function', 'restore', fromRedis)).toBe('OK');
    expect(await s.call('fcall', 'hello', '0', 'y')).toBe('hello y');
    const corrupt = Buffer.from(fromRedis);
    corrupt[corrupt.length - 1]! ^= 0xff;
    await expect(s.call('function', 'restore', corrupt)).rejects.toThrow('ERR DUMP payload version or checksum are wrong');
  }, 90_000);
});
