import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

const incrFile = (dir: string): string => path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');

describe('AOF: restart from the multi-part AOF', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aof-'));
  const args = ['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'];
  let shoal: RunningServer | undefined;

  afterAll(async () => {
    await shoal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('replays writes that spanned workers (MSET, RENAME, MULTI) to the same keyspace', async () => {
    shoal = await startShoal(args);
    const client = new Redis({ port: shoal.port });
    for (let i = 0; i < 200; i++) await client.set(`k:${i}`, `v${i}`);
    await client.mset('a', '1', 'b', '2', 'c', '3', 'd', '4');
    await client.rename('k:1', 'k:1:renamed');
    await client.multi().incr('counter').set('k:2', 'in-multi').rpush('list', 'x', 'y').exec();
    await client.pexpire('k:3', 1_000_000);
    const before = { size: await client.dbsize(), values: await client.mget('a', 'd', 'k:1:renamed', 'k:2', 'counter'), list: await client.lrange('list', 0, -1) };
    client.disconnect();
    await shoal.stop();

    shoal = await startShoal(args);
    expect(shoal.output()).toContain('DB loaded from append only file');
    const again = new Redis({ port: shoal.port });
    expect({ size: await again.dbsize(), values: await again.mget('a', 'd', 'k:1:renamed', 'k:2', 'counter'), list: await again.lrange('list', 0, -1) }).toEqual(before);
    expect(await again.pttl('k:3')).toBeGreaterThan(900_000);
    again.disconnect();
    await shoal.stop();
    shoal = undefined;
  });

  it('cuts a torn last command (aof-load-truncated) and keeps a valid AOF', async () => {
    fs.appendFileSync(incrFile(dir), '*3\r\n$3\r\nSET\r\n$4\r\ntorn\r\n$10\r\nhal');
    shoal = await startShoal(args);
    expect(shoal.output()).toContain('short read while loading the AOF file');
    const client = new Redis({ port: shoal.port });
    expect(await client.exists('torn')).toBe(0);
    expect(await client.get('a')).toBe('1');
    await client.set('after-restart', 'yes');
    client.disconnect();
    await shoal.stop();
    shoal = undefined;
    const check = spawnSync('redis-check-aof', [path.join(dir, 'appendonlydir', 'appendonly.aof.manifest')], { encoding: 'utf8' });
    expect(check.stdout).toContain('All AOF files and manifest are valid');
  });

  it('refuses to start on a torn AOF with aof-load-truncated no', async () => {
    fs.appendFileSync(incrFile(dir), '*2\r\n$3\r\nGET\r\n$1');
    await expect(startShoal([...args, '--aof-load-truncated', 'no'])).rejects.toThrow(/exited|Bad file format/);
  });
});
