// A follower whose log thread dispatches the stream to the owning workers (SHOAL_FOLLOWER_DISPATCH=1,
// src/replication/stream-router.ts): under a write load of every type (MULTI blocks, MSET across
// workers, SELECT, expiries) it ends with the primary's keyspace, acknowledges the primary's offset,
// and serves a chained replica from what it applied.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { caughtUp, info, keyspaceDump, until, writeLoad } from './replication-helpers.ts';

describe('a follower dispatching the stream to its workers', () => {
  let primary: RunningServer;
  let replica: RunningServer;
  let chained: RunningServer;
  let p: Redis;
  let r: Redis;
  let c: Redis;

  beforeAll(async () => {
    primary = await startShoal(['--threads', '2', '--repl-diskless-sync-delay', '0']);
    process.env.SHOAL_FOLLOWER_DISPATCH = '1';
    try {
      replica = await startShoal(['--threads', '2', '--repl-diskless-sync-delay', '0']);
      chained = await startShoal(['--threads', '2']);
    } finally {
      delete process.env.SHOAL_FOLLOWER_DISPATCH;
    }
    p = new Redis({ port: primary.port });
    r = new Redis({ port: replica.port });
    c = new Redis({ port: chained.port });
  }, 60_000);

  afterAll(async () => {
    for (const client of [p, r, c]) client?.disconnect();
    for (const server of [chained, replica, primary]) await server?.stop();
  });

  it('applies a mixed write load to the same keyspace and offset as the primary', async () => {
    await writeLoad(p, 5, 7);
    await r.replicaof('127.0.0.1', String(primary.port));
    // Written while it syncs and after: the stream, not the payload, carries these.
    await writeLoad(p, 20, 11);
    await p.mset('b', '1', 'a', '2', 'c', '3');
    await p.multi().set('a', 'm1').set('b', 'm2').incr('counter').exec();
    await caughtUp(p, r);
    expect(await keyspaceDump(r)).toEqual(await keyspaceDump(p));
    // The primary counts this follower's acknowledgement.
    await p.set('acked', '1');
    expect(await p.call('WAIT', '1', '5000')).toBe(1);
  }, 120_000);

  it('serves a chained replica a snapshot of what it applied, and the stream after it', async () => {
    await c.replicaof('127.0.0.1', String(replica.port));
    await until('the chained replica is up', async () => (await info(c)).master_link_status === 'up', 20_000);
    await writeLoad(p, 5, 13);
    await caughtUp(p, r);
    await caughtUp(r, c);
    expect(await keyspaceDump(c)).toEqual(await keyspaceDump(p));
  }, 120_000);
});
