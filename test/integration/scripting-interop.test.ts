// Function libraries move between shoal and redis-server 7.0: in RDB files (RDB_OPCODE_FUNCTION2)
// both ways, and as FUNCTION DUMP payloads restored by the other server.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn } from './support.ts';
import { checkAof, startRedisOnAof } from '../unit/log/redis-aof.ts';

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

describe('script effects in the AOF', () => {
  it('records the commands a script ran, on both workers, as one MULTI/EXEC block that redis-server replays', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-script-aof-'));
    const shoal = await startShoal(['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always', '--appenddirname', 'aofdir']);
    cleanups.push(() => shoal.stop());
    const s = client(shoal.port);
    const k0 = keyOn(0, 'aof');
    const k1 = keyOn(1, 'aof');
    await s.set('before', '1');
    expect(await s.eval("redis.call('set', KEYS[1], 'a') redis.call('incrby', KEYS[2], 5) redis.call('get', KEYS[1]) return 1", 2, k0, k1)).toBe(1);
    expect(await s.eval("return redis.call('get', KEYS[1])", 1, k0)).toBe('a');
    await s.set('after', '1');
    await shoal.stop();
    const aof = fs.readFileSync(path.join(dir, 'aofdir', 'appendonly.aof.1.incr.aof'), 'latin1');
    // The script's writes, in order, inside MULTI/EXEC (the log thread closes a block when its
    // stream goes idle, so a script whose commands hop between workers may give several blocks).
    const commands = [...aof.matchAll(/\*\d+\r\n\$\d+\r\n([A-Za-z]+)\r\n/g)].map((m) => m[1]!.toUpperCase());
    expect(commands.filter((c) => c !== 'MULTI' && c !== 'EXEC')).toEqual(['SELECT', 'SET', 'SET', 'INCRBY', 'SET']);
    // Both script writes sit inside a MULTI block; the writes outside the script do not.
    const open = (i: number): boolean => commands.lastIndexOf('MULTI', i) > commands.lastIndexOf('EXEC', i);
    const at = (name: string, nth: number): number => commands.reduce<number[]>((found, c, i) => (c === name ? [...found, i] : found), [])[nth]!;
    expect([open(at('SET', 0)), open(at('SET', 1)), open(at('INCRBY', 0)), open(at('SET', 2))]).toEqual([false, true, true, false]);
    // Neither EVAL nor the read-only script is recorded.
    expect(aof).not.toMatch(/EVAL/i);
    expect(checkAof(path.join(dir, 'aofdir', 'appendonly.aof.manifest')).status).toBe(0);
    const redis = await startRedisOnAof(dir, 'aofdir');
    cleanups.push(() => redis.stop());
    expect(await redis.client.mget(k0, k1, 'before', 'after')).toEqual(['a', '5', '1', '1']);
  }, 90_000);
});
