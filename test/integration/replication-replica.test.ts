// shoal as a replica: of redis-server 7.0 (full resync under a write load, the stream, a partial
// resync after the primary drops the link), of another shoal (and REPLICAOF NO ONE promotion, after
// which a replica of the old primary continues with a partial resync); read-only replicas.
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { caughtUp, info, keyspaceDump, startRedis, until, writeLoad, type RedisProcess } from './replication-helpers.ts';

function withoutNone(dump: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dump).filter(([, v]) => (v as { type: string }).type !== 'none'));
}

async function sameKeyspace(a: Redis, b: Redis): Promise<void> {
  // Keys with a short TTL are gone on the primary by now (and their DELs streamed).
  await new Promise((resolve) => setTimeout(resolve, 300));
  await a.set('barrier', String(Date.now()));
  await caughtUp(a, b);
  const [mine, theirs] = [withoutNone(await keyspaceDump(a)), withoutNone(await keyspaceDump(b))];
  expect(Object.keys(mine).length).toBeGreaterThan(100);
  expect(theirs).toEqual(mine);
}

describe('shoal replicates from redis-server 7.0', () => {
  let primary: RedisProcess;
  let replica: RunningServer;
  let p: Redis;
  let r: Redis;

  afterAll(async () => {
    p?.disconnect();
    r?.disconnect();
    await replica?.stop();
    await primary?.stop();
  });

  it('syncs fully (EOF-marked payload) under a write load, then applies the stream: every key identical', async () => {
    primary = await startRedis(['--repl-diskless-sync-delay', '0']);
    p = new Redis({ port: primary.port });
    await writeLoad(p, 20, 3);
    replica = await startShoal(['--threads', '2']);
    r = new Redis({ port: replica.port });
    const writer = new Redis({ port: primary.port });
    const load = writeLoad(writer, 40, 5);
    expect(await r.replicaof('127.0.0.1', String(primary.port))).toBe('OK');
    await load;
    writer.disconnect();
    await writeLoad(p, 10, 9);
    await caughtUp(p, r);
    await sameKeyspace(p, r);
  }, 120_000);

  it('is read-only and says so in INFO and ROLE', async () => {
    await expect(r.set('mine', '1')).rejects.toThrow("READONLY You can't write against a read only replica.");
    const fields = await info(r);
    expect(fields).toMatchObject({
      role: 'slave', master_host: '127.0.0.1', master_port: String(primary.port), master_link_status: 'up',
      master_sync_in_progress: '0', slave_read_only: '1', slave_priority: '100', replica_announced: '1',
    });
    expect(fields.master_replid).toBe((await info(p)).master_replid);
    expect(fields.slave_repl_offset).toBe(fields.slave_read_repl_offset);
    const role = (await r.call('ROLE')) as unknown[];
    expect(role.slice(0, 4)).toEqual(['slave', '127.0.0.1', primary.port, 'connected']);
    expect(role[4]).toBe(Number(fields.slave_repl_offset));
    await expect(r.call('WAIT', '0', '0')).rejects.toThrow('ERR WAIT cannot be used with replica instances');
    // The primary waits for shoal's acknowledgement.
    await p.set('acked', '1');
    expect(await p.call('WAIT', '1', '5000')).toBe(1);
  });

  it('resumes with a partial resync when the primary drops the link', async () => {
    const before = await info(p, 'stats');
    // The stream's current database is 3 when the link drops, and stays 3: no SELECT follows +CONTINUE.
    await p.select(3);
    await p.set('before-kill', '1');
    await caughtUp(p, r);
    await p.call('CLIENT', 'KILL', 'TYPE', 'replica');
    await p.set('after-kill', '2');
    await p.select(0);
    await writeLoad(p, 5, 21);
    await until('a partial resync', async () => Number((await info(p, 'stats')).sync_partial_ok) > Number(before.sync_partial_ok));
    await caughtUp(p, r);
    expect((await info(p, 'stats')).sync_full).toBe(before.sync_full);
    // The same from the replica's side: CLIENT KILL of its master link (by address, as Redis's Tcl tests do).
    expect(await r.call('CLIENT', 'KILL', `127.0.0.1:${primary.port}`)).toBe('OK');
    await p.select(0); // writeLoad's pipelines leave the connection in some database
    await p.set('after-master-kill', '3');
    await until('a second partial resync', async () => Number((await info(p, 'stats')).sync_partial_ok) > Number(before.sync_partial_ok) + 1);
    await caughtUp(p, r);
    expect(await r.get('after-master-kill')).toBe('3');
    expect((await info(p, 'stats')).sync_full).toBe(before.sync_full);
    await r.select(3);
    expect(await r.get('after-kill')).toBe('2');
    await r.select(0);
    await sameKeyspace(p, r);
  }, 60_000);
});

describe('shoal replicates from shoal', () => {
  let primary: RunningServer;
  let replica: RunningServer;
  let third: RedisProcess;
  let p: Redis;
  let r: Redis;
  let t: Redis;

  afterAll(async () => {
    for (const c of [p, r, t]) c?.disconnect();
    await third?.stop();
    await replica?.stop();
    await primary?.stop();
  });

  it('syncs fully ($<len> payload) and follows the stream: every key identical', async () => {
    primary = await startShoal(['--threads', '2', '--repl-diskless-sync', 'no']);
    replica = await startShoal(['--threads', '2', '--replicaof', '127.0.0.1', '0', '--replica-announce-ip', '127.0.0.9']);
    p = new Redis({ port: primary.port });
    r = new Redis({ port: replica.port });
    await writeLoad(p, 20, 31);
    const writer = new Redis({ port: primary.port });
    const load = writeLoad(writer, 40, 37);
    expect(await r.call('SLAVEOF', '127.0.0.1', String(primary.port))).toBe('OK');
    await load;
    writer.disconnect();
    await caughtUp(p, r);
    await sameKeyspace(p, r);
    // The replica announced itself with replica-announce-ip (REPLCONF ip-address).
    expect((await info(p)).slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.9,port=${replica.port},state=online,`));
    // DEBUG DIGEST agrees too (key digests xored across workers, per database), and DIGEST-VALUE per key.
    const digest = await p.call('DEBUG', 'DIGEST');
    expect(digest).toMatch(/^[0-9a-f]{40}$/);
    expect(digest).not.toBe('0'.repeat(40));
    expect(await r.call('DEBUG', 'DIGEST')).toBe(digest);
    const keys = ['{t}:c1', 'l:1', 'h:2', 'st:3', 'nope'];
    expect(await r.call('DEBUG', 'DIGEST-VALUE', ...keys)).toEqual(await p.call('DEBUG', 'DIGEST-VALUE', ...keys));
    await p.set('digest-changes', '1');
    expect(await p.call('DEBUG', 'DIGEST')).not.toBe(digest);
  }, 120_000);

  it('REPLICAOF NO ONE promotes the replica: new replid, the old one as replid2, writable', async () => {
    // A redis-server replica of the shoal replica (chained), to follow the promotion.
    third = await startRedis();
    t = new Redis({ port: third.port });
    await writeLoad(p, 10, 41);
    // The stream is in db 3 when the chained replica syncs, and stays there: its payload must say so
    // (repl-stream-db), since no SELECT follows until the database changes.
    await p.select(3);
    await p.set('chain-a', '1');
    await caughtUp(p, r);
    await t.replicaof('127.0.0.1', String(replica.port));
    await until('the chained replica', async () => (await info(t)).master_link_status === 'up');
    await p.set('chain-b', '2');
    await p.select(0);
    await until('chain-b on the chained replica', async () => {
      await t.select(3);
      return (await t.get('chain-b')) === '2';
    });
    await t.select(0);
    // The chain passes the primary's stream on unchanged: the same offsets, the same keys.
    await sameKeyspace(p, t);
    await caughtUp(r, t);
    const old = await info(r);
    expect(await r.replicaof('NO', 'ONE')).toBe('OK');
    const promoted = await info(r);
    expect(promoted.role).toBe('master');
    expect(promoted.master_replid2).toBe(old.master_replid);
    expect(promoted.master_replid).not.toBe(old.master_replid);
    expect(promoted.second_repl_offset).toBe(String(Number(old.master_repl_offset) + 1));
    await r.set('after-promotion', 'yes');
    await until('the chained replica to see the write', async () => (await t.get('after-promotion')) === 'yes');
    // The chained replica was disconnected to learn the new id, and continued where it was.
    expect(third.output()).toContain(`Trying a partial resynchronization (request ${old.master_replid}:${Number(old.master_repl_offset) + 1})`);
    expect(third.output()).toContain(`Successful partial resynchronization with master`);
    await until('the new replid on the chained replica', async () => (await info(t)).master_replid === promoted.master_replid);
    expect(Number((await info(r, 'stats')).sync_partial_ok)).toBeGreaterThanOrEqual(1);
  }, 60_000);
});

describe('a replica whose primary is unreachable', () => {
  let replica: RunningServer;
  let r: Redis;

  afterAll(async () => {
    r?.disconnect();
    await replica?.stop();
  });

  it('answers MASTERDOWN with replica-serve-stale-data no, and reports the link down', async () => {
    const closedPort = await freePort();
    replica = await startShoal(['--threads', '2', '--replicaof', '127.0.0.1', String(closedPort), '--replica-serve-stale-data', 'no']);
    r = new Redis({ port: replica.port });
    await expect(r.get('k')).rejects.toThrow("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.");
    await expect(r.ping()).rejects.toThrow('MASTERDOWN'); // PING has no stale flag in 7.0: refused too
    const fields = await info(r);
    expect(fields).toMatchObject({ role: 'slave', master_port: String(closedPort), master_link_status: 'down', master_last_io_seconds_ago: '-1' });
    expect(fields.master_link_down_since_seconds).toMatch(/^\d+$/);
    const role = (await r.call('ROLE')) as unknown[];
    expect(role.slice(0, 3)).toEqual(['slave', '127.0.0.1', closedPort]);
    expect(['connect', 'connecting']).toContain(role[3]); // between attempts, or during one
    expect(role[4]).toBe(-1);
    await r.config('SET', 'replica-serve-stale-data', 'yes');
    await until('stale reads to be served', async () => r.get('k').then(() => true, () => false));
    expect(await r.get('k')).toBe(null);
  }, 60_000);
});
