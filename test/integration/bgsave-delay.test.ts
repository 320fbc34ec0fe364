// rdb-key-save-delay (the knob Redis's tests use to keep a BGSAVE running), INFO's progress figures of
// a running save, and FLUSHALL dropping the save as Redis kills its saving child.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

async function field(client: Redis, name: string): Promise<string> {
  const text = await client.info('persistence');
  return text.match(new RegExp(`^${name}:([^\\r\\n]*)`, 'm'))?.[1] ?? '';
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('BGSAVE paced by rdb-key-save-delay', () => {
  let shoal: RunningServer;
  let client: Redis;

  beforeAll(async () => {
    shoal = await startShoal(['--threads', '2']);
    client = new Redis({ port: shoal.port });
    const pipeline = client.pipeline();
    for (let i = 0; i < 4000; i++) pipeline.set(`key:${i}`, 'A'.repeat(500));
    await pipeline.exec();
  }, 60_000);

  afterAll(async () => {
    client?.disconnect();
    await shoal?.stop();
  });

  it('keeps the save running, reports its progress and copy-on-write bytes, and FLUSHALL ends it without an error', async () => {
    // 4000 keys x 2 ms: about 8 s if nothing stops it.
    await client.config('SET', 'rdb-key-save-delay', '2000');
    expect(await client.bgsave()).toBe('Background saving started');
    expect(await field(client, 'rdb_bgsave_in_progress')).toBe('1');
    expect(await field(client, 'current_save_keys_total')).toBe('4000');
    const processed = Number(await field(client, 'current_save_keys_processed'));
    await waitFor(async () => Number(await field(client, 'current_save_keys_processed')) > processed, 5000);
    expect(Number(await field(client, 'current_fork_perc'))).toBeGreaterThan(0);
    expect(Number(await field(client, 'current_save_keys_processed'))).toBeLessThan(4000);
    // Writes to keys not saved yet: their old values are serialized first (the copy-on-write bytes).
    const cowBefore = Number(await field(client, 'current_cow_size'));
    for (let i = 3990; i < 4000; i++) await client.setrange(`key:${i}`, 0, 'B'.repeat(500));
    expect(Number(await field(client, 'current_cow_size'))).toBeGreaterThan(cowBefore);
    expect(await field(client, 'rdb_bgsave_in_progress')).toBe('1');
    expect(Number(await field(client, 'rdb_changes_since_last_save'))).toBeGreaterThanOrEqual(4000);

    const flushedAt = Date.now();
    await client.flushall();
    await waitFor(async () => (await field(client, 'rdb_bgsave_in_progress')) === '0', 1000);
    expect(Date.now() - flushedAt).toBeLessThan(1000);
    // Dropped on purpose: not a failed save (no MISCONF), and nothing counts as saved.
    expect(await field(client, 'rdb_last_bgsave_status')).toBe('ok');
    expect(Number(await field(client, 'rdb_changes_since_last_save'))).toBeGreaterThanOrEqual(4000);
    expect(await field(client, 'current_save_keys_total')).toBe('0');
    expect(await client.set('x', 'xx')).toBe('OK');

    await client.config('SET', 'rdb-key-save-delay', '0');
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(async () => (await field(client, 'rdb_bgsave_in_progress')) === '0', 20_000);
    expect(await field(client, 'rdb_changes_since_last_save')).toBe('0');
  }, 60_000);

  it('has a child process while it runs: killing it fails the save, and writes get MISCONF until a save succeeds', async () => {
    await client.config('SET', 'save', '900 1');
    const pipeline = client.pipeline();
    for (let i = 0; i < 100; i++) pipeline.set(`key:${i}`, 'v');
    await pipeline.exec();
    await client.config('SET', 'rdb-key-save-delay', '10000000');
    expect(await client.bgsave()).toBe('Background saving started');
    const children = execFileSync('pgrep', ['-P', String(shoal.process.pid)]).toString().trim().split('\n');
    expect(children).toHaveLength(1);
    process.kill(Number(children[0]), 'SIGKILL');
    await waitFor(async () => (await field(client, 'rdb_bgsave_in_progress')) === '0', 5000);
    expect(await field(client, 'rdb_last_bgsave_status')).toBe('err');
    await expect(client.set('x', 'y')).rejects.toThrow(/^MISCONF /);
    expect(await client.get('key:1')).toBe('v');
    // Scripts: a write from redis.call, and a flagged script that may write, are refused too.
    await expect(client.eval("return redis.call('set', KEYS[1], 1)", 1, 'x')).rejects.toThrow(/^MISCONF /);
    await expect(client.eval("#!lua\nreturn redis.call('set', KEYS[1], 1)", 1, 'x')).rejects.toThrow(/^MISCONF /);
    expect(await client.eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, 'key:1')).toBe('v');

    await client.config('SET', 'rdb-key-save-delay', '0');
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(async () => (await field(client, 'rdb_bgsave_in_progress')) === '0', 20_000);
    expect(await field(client, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await client.set('x', 'y')).toBe('OK');
    // The save's process is gone with it.
    expect(() => execFileSync('pgrep', ['-P', String(shoal.process.pid)])).toThrow();
  }, 60_000);
});

describe('SHUTDOWN NOSAVE while a BGSAVE runs', () => {
  it('leaves no temp file of the dropped save behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bgsave-shutdown-'));
    const shoal = await startShoal(['--threads', '2', '--dir', dir]);
    const client = new Redis({ port: shoal.port, retryStrategy: () => null });
    try {
      // Incompressible 20 KB values: the save's first 64 KB reach the temp file after a few keys.
      const pipeline = client.pipeline();
      for (let i = 0; i < 200; i++) pipeline.set(`key:${i}`, crypto.randomBytes(10_000).toString('hex'));
      await pipeline.exec();
      await client.config('SET', 'rdb-key-save-delay', '100000');
      expect(await client.bgsave()).toBe('Background saving started');
      await waitFor(async () => fs.readdirSync(dir).some((n) => n.startsWith('temp-')), 10_000);
      expect(await field(client, 'rdb_bgsave_in_progress')).toBe('1');
      const exited = new Promise((resolve) => shoal.process.once('exit', resolve));
      await client.call('SHUTDOWN', 'NOSAVE').catch(() => {});
      await exited;
      expect(fs.readdirSync(dir).filter((n) => n.startsWith('temp-'))).toEqual([]);
      expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(false);
    } finally {
      client.disconnect();
      await shoal.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
