// A replica while its primary's payload arrives (repl-diskless-load swapdb): INFO's loading /
// async_loading, the -LOADING replies, and the old data kept when the transfer fails. The primary's
// payload is paced with rdb-key-save-delay, so the transfer lasts long enough to be looked at; and
// the primary keeps serving meanwhile (its snapshot does not lock its workers).
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { info, until } from './replication-helpers.ts';

describe('a replica loading its primary payload', () => {
  const servers: RunningServer[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });

  async function pair(): Promise<{ p: Redis; r: Redis; primaryPort: number }> {
    const primary = await startShoal(['--threads', '2', '--save', '', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    const replica = await startShoal(['--threads', '2', '--save', '', '--repl-diskless-load', 'swapdb']);
    servers.push(primary, replica);
    const p = new Redis({ port: primary.port });
    const r = new Redis({ port: replica.port });
    clients.push(p, r);
    return { p, r, primaryPort: primary.port };
  }

  it('is loading (-LOADING to clients) while the payload arrives; a failed transfer keeps the old data', async () => {
    const { p, r, primaryPort } = await pair();
    await r.set('mine', 'old');
    await p.call('DEBUG', 'POPULATE', '400', 'k', '100');
    // 5 ms per key: the payload takes about 2 s.
    await p.config('SET', 'rdb-key-save-delay', '5000');
    await r.replicaof('127.0.0.1', String(primaryPort));
    await until('loading:1 on the replica', async () => (await info(r, 'persistence')).loading === '1', 10_000);
    expect((await info(r, 'persistence')).async_loading).toBe('0');
    await expect(r.get('mine')).rejects.toThrow(/^LOADING Redis is loading the dataset in memory/);
    // The primary serves while it makes the payload, and counts it as a background save.
    expect(await p.ping()).toBe('PONG');
    expect((await info(p, 'persistence')).rdb_bgsave_in_progress).toBe('1');
    await p.config('SET', 'repl-diskless-sync-delay', '5');
    expect(Number(await p.client('KILL', 'TYPE', 'replica'))).toBe(1);
    await until('loading:0 after the failed transfer', async () => (await info(r, 'persistence')).loading === '0', 10_000);
    expect(await r.get('mine')).toBe('old');
    expect(await r.dbsize()).toBe(1);
  }, 60_000);

  it('is async_loading (old data served, REPLICAOF refused) when the primary history is its own', async () => {
    const { p, r, primaryPort } = await pair();
    await r.config('SET', 'replica-read-only', 'no');
    await r.replicaof('127.0.0.1', String(primaryPort));
    await until('the link is up', async () => (await info(r)).master_link_status === 'up', 10_000);
    // DEBUG POPULATE is not propagated (as in Redis): only the full resync below brings these keys.
    await p.call('DEBUG', 'POPULATE', '400', 'k', '100');
    await r.set('mine', 'old');
    await p.config('SET', 'rdb-key-save-delay', '5000');
    // A backlog too small for what follows: the reconnecting replica needs a full resync, same replid.
    await p.multi().client('KILL', 'TYPE', 'replica').config('SET', 'repl-backlog-size', '16384').set('big', 'x'.repeat(40_000)).exec();
    await until('async_loading:1 on the replica', async () => (await info(r, 'persistence')).async_loading === '1', 10_000);
    expect((await info(r, 'persistence')).loading).toBe('0');
    expect(await r.get('mine')).toBe('old');
    await expect(r.replicaof('NO', 'ONE')).rejects.toThrow(/^LOADING/);
    await expect(r.config('SET', 'appendonly', 'no')).rejects.toThrow(/^LOADING/);
    await p.config('SET', 'rdb-key-save-delay', '0');
    await until('the new data set is swapped in', async () => (await info(r, 'persistence')).async_loading === '0' && (await info(r)).master_link_status === 'up', 20_000);
    expect(await r.get('mine')).toBeNull();
    expect(await r.dbsize()).toBe(401);
    expect((await r.get('big'))?.length).toBe(40_000);
  }, 60_000);
});
