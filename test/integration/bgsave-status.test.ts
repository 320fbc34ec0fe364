import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { infoField } from '../helpers/server-per-test.ts';
import { readRdbFileSync } from '../../src/persistence/rdb-file.ts';

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const idle = async (client: Redis): Promise<boolean> =>
  (await infoField(client, 'rdb_bgsave_in_progress')) === '0' && (await infoField(client, 'aof_rewrite_in_progress')) === '0';

describe('BGSAVE status, errors and scheduling', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bgsave-status-'));
  let shoal: RunningServer;
  let client: Redis;

  beforeAll(async () => {
    // Tiny chunks: a save of the keys below lasts long enough to meet the commands that follow it.
    process.env.SHOAL_SNAPSHOT_CHUNK_MS = '0.02';
    shoal = await startShoal(['--threads', '2', '--dir', dir]);
    delete process.env.SHOAL_SNAPSHOT_CHUNK_MS;
    client = new Redis({ port: shoal.port });
    for (let start = 0; start < 30_000; start += 5000) {
      const pipeline = client.pipeline();
      for (let i = start; i < start + 5000; i++) pipeline.set(`k:${i}`, String(i));
      await pipeline.exec();
    }
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    await shoal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers as Redis while a background save or rewrite runs', async () => {
    const replies = await client.pipeline().bgsave().bgsave().bgsave('SCHEDULE').save().exec();
    expect(replies!.map(([err, r]) => (err ? err.message : r))).toEqual([
      'Background saving started',
      'ERR Background save already in progress',
      'ERR Background save already in progress',
      'ERR Background save already in progress',
    ]);
    expect(await infoField(client, 'rdb_bgsave_in_progress')).toBe('1');
    await waitFor(() => idle(client));
    expect(await infoField(client, 'rdb_last_bgsave_status')).toBe('ok');

    const during = await client.pipeline().bgrewriteaof().bgsave().bgsave('SCHEDULE').exec();
    expect(during!.map(([err, r]) => (err ? err.message : r))).toEqual([
      'Background append only file rewriting started',
      "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.",
      'Background saving scheduled',
    ]);
    const saves = Number(await infoField(client, 'rdb_saves'));
    // The scheduled save runs once the rewrite is over.
    await waitFor(async () => Number(await infoField(client, 'rdb_saves')) === saves + 1 && (await idle(client)));
    expect(await infoField(client, 'aof_rewrites')).toBe('1');
  }, 120_000);

  it('BGSAVE inside MULTI is scheduled, and LASTSAVE moves when a save ends', async () => {
    await waitFor(() => idle(client));
    const lastsave = await client.lastsave();
    const saves = Number(await infoField(client, 'rdb_saves'));
    await new Promise((r) => setTimeout(r, 1100));
    const result = await client.multi().set('in-multi', '1').bgsave().exec();
    expect(result![1]![1]).toBe('Background saving scheduled');
    await waitFor(async () => Number(await infoField(client, 'rdb_saves')) === saves + 1 && (await idle(client)));
    expect(await client.lastsave()).toBeGreaterThan(lastsave);
    expect(await infoField(client, 'rdb_changes_since_last_save')).toBe('0');
  }, 120_000);

  it('a failed background save reports err, and stop-writes-on-bgsave-error refuses writes with MISCONF', async () => {
    await waitFor(() => idle(client));
    expect(await client.config('SET', 'save', '900 1')).toBe('OK');
    // The directory disappears (chmod would not stop root): the save cannot create its file.
    fs.rmSync(dir, { recursive: true, force: true });
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(() => idle(client));
    expect(await infoField(client, 'rdb_last_bgsave_status')).toBe('err');
    await expect(client.set('x', 'y')).rejects.toThrow(/^MISCONF Redis is configured to save RDB snapshots/);
    await expect(client.ping()).rejects.toThrow(/^MISCONF/);
    expect(await client.get('k:1')).toBe('1');
    // Without stop-writes-on-bgsave-error (or without save points) writes go on.
    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'no')).toBe('OK');
    expect(await client.set('x', 'y')).toBe('OK');
    expect(await client.config('SET', 'stop-writes-on-bgsave-error', 'yes')).toBe('OK');
    await expect(client.set('x', 'y')).rejects.toThrow(/^MISCONF/);

    // A save that succeeds again lifts it.
    fs.mkdirSync(dir);
    expect(await client.bgsave()).toBe('Background saving started');
    await waitFor(() => idle(client));
    expect(await infoField(client, 'rdb_last_bgsave_status')).toBe('ok');
    expect(await client.set('x', 'z')).toBe('OK');
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
  }, 120_000);

  it('save points start a background save', async () => {
    await waitFor(() => idle(client));
    const saves = Number(await infoField(client, 'rdb_saves'));
    fs.rmSync(path.join(dir, 'dump.rdb'), { force: true });
    expect(await client.config('SET', 'save', '1 1')).toBe('OK');
    await client.set('save-point', '1');
    await waitFor(async () => Number(await infoField(client, 'rdb_saves')) > saves && (await idle(client)), 30_000);
    expect(fs.existsSync(path.join(dir, 'dump.rdb'))).toBe(true);
    expect(await client.config('SET', 'save', '')).toBe('OK');
  }, 60_000);

  it('SHUTDOWN during a BGSAVE saves the latest keyspace instead, and leaves no temp file', async () => {
    await waitFor(() => idle(client));
    expect(await client.config('SET', 'save', '900 1')).toBe('OK');
    expect(await client.bgsave()).toBe('Background saving started');
    await client.set('after-bgsave', '1');
    expect(await infoField(client, 'rdb_bgsave_in_progress')).toBe('1');
    const exited = new Promise<void>((resolve) => shoal.process.once('exit', () => resolve()));
    client.on('error', () => {}); // the server goes away
    await client.call('SHUTDOWN').catch(() => undefined);
    await exited;
    client.disconnect();
    const keys = new Set<string>();
    readRdbFileSync(path.join(dir, 'dump.rdb'), { key: (e) => void keys.add(e.key) });
    expect(keys.has('after-bgsave')).toBe(true);
    expect(keys.has('k:29999')).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.startsWith('temp-'))).toEqual([]);
  }, 60_000);
});
