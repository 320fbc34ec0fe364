// A shoal replica of a shoal primary across a restart (its RDB carries repl-id / repl-offset, so it
// continues with a partial resync), what a writable replica does with expiring keys, and the
// handshake a replica shows while the primary holds a diskless transfer back.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { caughtUp, info, until } from './replication-helpers.ts';

describe('a shoal replica restarted from its own RDB', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shoal-replica-restart-'));
  let primary: RunningServer;
  let replica: RunningServer | undefined;
  let p: Redis;
  let r: Redis | undefined;

  afterAll(async () => {
    p?.disconnect();
    r?.disconnect();
    await replica?.stop();
    await primary?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('continues the primary history with a partial resync (no full sync) and gets what it missed', async () => {
    primary = await startShoal(['--threads', '2', '--repl-diskless-sync-delay', '0']);
    p = new Redis({ port: primary.port });
    for (let i = 0; i < 50; i++) await p.set(`before:${i}`, String(i));
    // A database other than 0: after +CONTINUE the stream selects no database until it changes.
    await p.select(3);
    await p.set('in-db-3', 'x');
    const replicaArgs = ['--threads', '2', '--dir', dir, '--replicaof', '127.0.0.1', String(primary.port)];
    replica = await startShoal(replicaArgs);
    r = new Redis({ port: replica.port });
    await until('the replica is up', async () => (await info(r!)).master_link_status === 'up');
    await caughtUp(p, r);
    expect(await r.save()).toBe('OK');
    r.disconnect();
    await replica.stop();
    const statsBefore = await info(p, 'stats');
    // Written while the replica is down, in the database the stream was in.
    await p.set('while-down', 'y');
    replica = await startShoal(replicaArgs);
    r = new Redis({ port: replica.port });
    await until('a partial resync', async () => Number((await info(p, 'stats')).sync_partial_ok) > Number(statsBefore.sync_partial_ok));
    await caughtUp(p, r);
    expect(Number((await info(p, 'stats')).sync_full)).toBe(Number(statsBefore.sync_full));
    expect(await r.get('before:7')).toBe('7');
    await r.select(3);
    expect(await r.get('while-down')).toBe('y');
    expect(await r.get('before:7')).toBeNull();
  }, 180_000);

  it('a writable replica deletes the keys its own clients gave an expiry, not the primary ones', async () => {
    const rr = r!;
    await rr.select(5);
    await p.select(5);
    await rr.config('SET', 'replica-read-only', 'no');
    // Active expiry off on the primary (every worker): its expired keys stay until it deletes them.
    expect(await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', '0')).toBe('OK');
    await p.set('from-primary', '1', 'PX', 50);
    await caughtUp(p, rr);
    await rr.set('local', '1', 'PX', 50);
    await until('the local key is deleted', async () => (await rr.dbsize()) === 1, 10_000);
    // The primary's key is logically expired but still held, as DEBUG OBJECT shows.
    expect(await rr.exists('from-primary')).toBe(0);
    expect(String(await rr.call('DEBUG', 'OBJECT', 'from-primary'))).toMatch(/^Value at:.* encoding:int /);
    await expect(rr.call('DEBUG', 'OBJECT', 'local')).rejects.toThrow('ERR no such key');
    // A client's write to an expired key starts from nothing (no TTL left behind).
    expect(await rr.incr('from-primary')).toBe(1);
    expect(await rr.ttl('from-primary')).toBe(-1);
    expect(await p.call('DEBUG', 'SET-ACTIVE-EXPIRE', '1')).toBe('OK');
    await rr.config('SET', 'replica-read-only', 'yes');
  }, 60_000);

  it("a primary's PUBLISH reaches the replica's subscribers", async () => {
    const subscriber = new Redis({ port: replica!.port });
    try {
      const received = new Promise<[string, string]>((resolve) => subscriber.on('message', (channel: string, message: string) => resolve([channel, message])));
      await subscriber.subscribe('news');
      await p.publish('news', 'from the primary');
      expect(await received).toEqual(['news', 'from the primary']);
    } finally {
      subscriber.disconnect();
    }
  }, 30_000);

  it('shows "handshake" while the primary waits repl-diskless-sync-delay, then syncs', async () => {
    await p.config('SET', 'repl-diskless-sync-delay', '3');
    const rr = r!;
    expect(await rr.replicaof('NO', 'ONE')).toBe('OK');
    await rr.flushall();
    expect(await rr.replicaof('127.0.0.1', String(primary.port))).toBe('OK');
    await until('the handshake', async () => ((await rr.role()) as unknown[])[3] === 'handshake', 10_000);
    expect((await info(p)).slave0).toMatch(/state=wait_bgsave/);
    await until('the link is up', async () => (await info(rr)).master_link_status === 'up', 30_000);
    await rr.select(0);
    expect(await rr.get('before:9')).toBe('9');
    await p.config('SET', 'repl-diskless-sync-delay', '0');
  }, 60_000);
});
