import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, waitForPing, type RunningServer } from '../helpers/shoal-server.ts';
import { infoField } from '../helpers/server-per-test.ts';
import { readRdbFileSync } from '../../src/persistence/rdb-file.ts';
import type { RedisValue } from '../../src/types/value.ts';
import { ListValue } from '../../src/types/list-value.ts';

const FILLER = 40_000;

async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function listElements(value: RedisValue | undefined): string[] {
  if (value === undefined) return [];
  expect(value).toBeInstanceOf(ListValue);
  return (value as ListValue).toArray();
}

/** Loads an RDB file as db 0's keys → values. */
function readKeys(file: string): Map<string, RedisValue> {
  const keys = new Map<string, RedisValue>();
  readRdbFileSync(file, { key: (e) => void (e.db === 0 && keys.set(e.key, e.value)) });
  return keys;
}

describe('BGSAVE while clients write (copy-on-write snapshot)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bgsave-'));
  let shoal: RunningServer;
  let client: Redis;

  beforeAll(async () => {
    // Small chunks: the snapshot spans many turns, so the writers below hit slots not serialized yet.
    process.env.SHOAL_SNAPSHOT_CHUNK_MS = '0.2';
    shoal = await startShoal(['--threads', '2', '--dir', dir]);
    delete process.env.SHOAL_SNAPSHOT_CHUNK_MS;
    client = new Redis({ port: shoal.port });
    for (let start = 0; start < FILLER; start += 5000) {
      const pipeline = client.pipeline();
      for (let i = start; i < start + 5000; i++) pipeline.set(`filler:${i}`, `v${i}-${'x'.repeat(40)}`);
      await pipeline.exec();
    }
  }, 120_000);

  afterAll(async () => {
    client?.disconnect();
    await shoal?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('writes the keyspace exactly as it was at the snapshot point', async () => {
    // Writers whose every write waits for the previous one's reply: the file must hold a prefix of
    // each writer's history, whatever moment the snapshot caught.
    let stop = false;
    const setWriter = async (w: number): Promise<void> => {
      const c = new Redis({ port: shoal.port });
      for (let n = 1; !stop; n++) await c.set(`w${w}:${n % 50}`, String(n));
      c.disconnect();
    };
    const listWriter = async (w: number): Promise<void> => {
      const c = new Redis({ port: shoal.port });
      for (let n = 1; !stop; n++) await c.rpush(`wl${w}:${n % 5}`, String(n));
      c.disconnect();
    };
    const deleteWriter = async (): Promise<void> => {
      const c = new Redis({ port: shoal.port });
      await c.set('d:0', '0');
      for (let n = 1; !stop; n++) {
        await c.set(`d:${n}`, String(n));
        await c.del(`d:${n - 1}`);
      }
      c.disconnect();
    };
    const writers = [setWriter(0), setWriter(1), listWriter(2), listWriter(3), deleteWriter()];
    await new Promise((r) => setTimeout(r, 300));

    // On one connection, in order: a write before BGSAVE is in the file, one after it is not.
    const control = new Redis({ port: shoal.port });
    await control.set('marker:before', '1');
    await control.set('marker:changed', 'old');
    expect(await control.bgsave()).toBe('Background saving started');
    await control.set('marker:after', '1');
    await control.set('marker:changed', 'new');
    await control.del('filler:7');
    // FLUSHDB before the snapshot is done: the snapshot keeps the old maps.
    expect(await control.flushdb()).toBe('OK');
    control.disconnect();
    await waitFor(async () => (await infoField(client, 'rdb_bgsave_in_progress')) === '0');
    stop = true;
    await Promise.all(writers);

    expect(await infoField(client, 'rdb_last_bgsave_status')).toBe('ok');

    const file = path.join(dir, 'dump.rdb');
    const keys = readKeys(file);
    expect(keys.get('marker:before')).toBe('1');
    expect(keys.has('marker:after')).toBe(false);
    expect(keys.get('marker:changed')).toBe('old');
    // FLUSHDB and DEL after the point: the file still has every filler key.
    for (let i = 0; i < FILLER; i++) expect(keys.get(`filler:${i}`)).toBe(`v${i}-${'x'.repeat(40)}`);

    for (const w of [0, 1]) {
      let cut = 0;
      for (let j = 0; j < 50; j++) cut = Math.max(cut, Number(keys.get(`w${w}:${j}`) ?? 0));
      for (let j = 0; j < 50; j++) {
        // The last value written to key j at or before the cut.
        const expected = cut - ((((cut - j) % 50) + 50) % 50);
        const got = keys.get(`w${w}:${j}`);
        if (expected <= 0) expect(got).toBeUndefined();
        else expect(got).toBe(String(expected));
      }
    }
    for (const w of [2, 3]) {
      const lists = Array.from({ length: 5 }, (_, j) => listElements(keys.get(`wl${w}:${j}`)));
      const cut = Math.max(0, ...lists.flat().map(Number));
      expect(cut).toBeGreaterThan(0);
      for (let j = 0; j < 5; j++) {
        const expected: string[] = [];
        for (let n = 1; n <= cut; n++) if (n % 5 === j) expected.push(String(n));
        expect(lists[j]).toEqual(expected);
      }
    }
    const present = [...keys.keys()].filter((k) => k.startsWith('d:')).map((k) => Number(k.slice(2))).sort((a, b) => a - b);
    // After SET d:n the pair {n-1, n} exists, after DEL d:(n-1) only {n}.
    expect(present.length === 1 || (present.length === 2 && present[1] === present[0]! + 1)).toBe(true);
    // The writers did reach slots before the snapshot did (the copy-on-write path ran).
    expect(Number(await infoField(client, 'rdb_last_cow_size'))).toBeGreaterThan(0);
  }, 180_000);

  it('redis-check-rdb accepts the file and redis-server 7.0 loads the same keys', async () => {
    const file = path.join(dir, 'dump.rdb');
    const check = spawnSync('redis-check-rdb', [file], { encoding: 'utf8' });
    expect(check.stdout + check.stderr).toContain('RDB looks OK');
    const keys = readKeys(file);
    const port = await freePort();
    const redisDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-bgsave-redis-'));
    fs.copyFileSync(file, path.join(redisDir, 'dump.rdb'));
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', redisDir], { stdio: 'ignore' });
    try {
      await waitForPing(port);
      const redis = new Redis({ port });
      expect(await redis.dbsize()).toBe(keys.size);
      expect(await redis.get('marker:before')).toBe('1');
      expect(await redis.get('filler:123')).toBe(`v123-${'x'.repeat(40)}`);
      expect(await redis.lrange('wl2:1', 0, -1)).toEqual(listElements(keys.get('wl2:1')));
      redis.disconnect();
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(redisDir, { recursive: true, force: true });
    }
  }, 60_000);
});
