// shoal as a primary: redis-server 7.0 replicates from it (full resync under a write load, the stream
// after it, partial resync after a dropped link), WAIT, INFO replication and ROLE, min-replicas-to-write.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { caughtUp, info, keyspaceDump, startRedis, until, writeLoad, type RedisProcess } from './replication-helpers.ts';

function withoutNone(dump: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(dump).filter(([, v]) => (v as { type: string }).type !== 'none'));
}

describe('redis-server replicates from a shoal primary', () => {
  let primary: RunningServer;
  let replica: RedisProcess;
  let p: Redis;
  let r: Redis;

  beforeAll(async () => {
    primary = await startShoal(['--threads', '2', '--repl-diskless-sync-delay', '0']);
    p = new Redis({ port: primary.port, lazyConnect: true });
    await p.connect();
    await writeLoad(p, 20, 7);
  }, 60_000);

  afterAll(async () => {
    p?.disconnect();
    r?.disconnect();
    await replica?.stop();
    await primary?.stop();
  });

  it('syncs fully under a write load, then follows the stream: every key identical', async () => {
    replica = await startRedis();
    r = new Redis({ port: replica.port, lazyConnect: true });
    await r.connect();
    const writer = new Redis({ port: primary.port });
    const load = writeLoad(writer, 60, 11);
    expect(await r.replicaof('127.0.0.1', String(primary.port))).toBe('OK');
    await load;
    writer.disconnect();
    await writeLoad(p, 10, 13);
    await caughtUp(p, r);
    // Keys with a short TTL are gone on the primary by now (and their DELs streamed).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await p.set('barrier', '1');
    await caughtUp(p, r);
    const [mine, theirs] = [withoutNone(await keyspaceDump(p)), withoutNone(await keyspaceDump(r))];
    expect(Object.keys(mine).length).toBeGreaterThan(100);
    expect(theirs).toEqual(mine);
    expect(replica.output()).toContain('MASTER <-> REPLICA sync: Finished with success');
  }, 120_000);

  it('INFO replication and ROLE describe the replica', async () => {
    await until('the replica to acknowledge', async () => (await info(p)).slave0?.includes('state=online') === true);
    const fields = await info(p);
    expect(fields.role).toBe('master');
    expect(fields.connected_slaves).toBe('1');
    expect(fields.slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${replica.port},state=online,offset=\\d+,lag=\\d+$`));
    expect(fields.master_replid).toMatch(/^[0-9a-f]{40}$/);
    expect(fields.repl_backlog_active).toBe('1');
    expect(Number(fields.master_repl_offset)).toBeGreaterThan(0);
    expect(Number(fields.repl_backlog_histlen)).toBeGreaterThan(0);
    const role = (await p.call('ROLE')) as [string, number, Array<[string, string, string]>];
    expect(role[0]).toBe('master');
    expect(role[2]).toEqual([['127.0.0.1', String(replica.port), expect.stringMatching(/^\d+$/)]]);
    // The replica sees shoal's replication id.
    expect((await info(r)).master_replid).toBe(fields.master_replid);
  });

  it('WAIT counts the replicas that acknowledged the writes before it', async () => {
    await p.set('waited', 'yes');
    expect(await p.call('WAIT', '1', '5000')).toBe(1);
    expect(await r.get('waited')).toBe('yes');
    const started = Date.now();
    expect(await p.call('WAIT', '2', '200')).toBe(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  it('a dropped link resumes with a partial resync: only the missing bytes are sent', async () => {
    // A dataset far larger than what the replica misses: a full resync would show in the bytes it reads.
    await p.set('ballast', 'x'.repeat(300_000));
    await caughtUp(p, r);
    const before = Number((await info(p)).master_repl_offset);
    const fullBefore = Number((await info(p, 'stats')).sync_full);
    const inputBefore = Number((await info(r, 'stats')).total_net_input_bytes);
    await r.config('SET', 'repl-timeout', '60');
    // The replica's side of the link: redis-server reconnects at once, asking PSYNC <replid> <offset+1>.
    await r.call('CLIENT', 'KILL', 'TYPE', 'master');
    await writeLoad(p, 5, 17);
    await caughtUp(p, r);
    const after = await info(p);
    // What the replica read since: the missing stream (+CONTINUE, and this test's own few commands).
    const missing = Number(after.master_repl_offset) - before;
    const read = Number((await info(r, 'stats')).total_net_input_bytes) - inputBefore;
    expect(read).toBeGreaterThanOrEqual(missing);
    expect(read).toBeLessThan(missing + 16 * 1024); // the INFO polling of caughtUp() is read too; a payload would be > 300 KB
    expect(replica.output()).toContain(`Trying a partial resynchronization (request ${after.master_replid}:${before + 1})`);
    expect(replica.output()).toContain('Successful partial resynchronization with master');
    const stats = await info(p, 'stats');
    expect(Number(stats.sync_partial_ok)).toBeGreaterThanOrEqual(1);
    expect(Number(stats.sync_full)).toBe(fullBefore);
    expect(withoutNone(await keyspaceDump(r))).toEqual(withoutNone(await keyspaceDump(p)));
    // From the primary's side: CLIENT KILL TYPE replica closes the link; the replica continues.
    expect(await p.call('CLIENT', 'KILL', 'TYPE', 'replica')).toBe(1);
    await p.set('after-replica-kill', '1');
    await until('another partial resync', async () => Number((await info(p, 'stats')).sync_partial_ok) > Number(stats.sync_partial_ok));
    await caughtUp(p, r);
    expect(await r.get('after-replica-kill')).toBe('1');
    expect(Number((await info(p, 'stats')).sync_full)).toBe(fullBefore);
  }, 60_000);

  it('min-replicas-to-write refuses writes without enough good replicas (-NOREPLICAS)', async () => {
    await p.call('FUNCTION', 'LOAD', 'REPLACE', [
      '#!lua name=repltest',
      "redis.register_function('f_default', function(keys, args) return redis.call('get', keys[1]) end)",
      "redis.register_function{function_name='f_no_writes', callback=function(keys, args) return redis.call('get', keys[1]) end, flags={'no-writes'}}",
    ].join('\n'));
    // CONFIG SET applies at once: the very next write is refused (and reads are not).
    await p.config('SET', 'min-replicas-to-write', '2');
    await expect(p.set('nr', '1')).rejects.toThrow('NOREPLICAS Not enough good replicas to write.');
    expect(await p.get('nr')).toBe(null);
    expect((await info(p)).min_slaves_good_slaves).toBe('1');
    // A function that may write is refused before it runs; one flagged no-writes runs.
    await expect(p.call('FCALL', 'f_default', '1', 'nr')).rejects.toThrow('NOREPLICAS');
    expect(await p.call('FCALL', 'f_no_writes', '1', 'nr')).toBe(null);
    await p.config('SET', 'min-replicas-to-write', '1');
    expect(await p.set('nr', '1')).toBe('OK');
    await p.config('SET', 'min-replicas-to-write', '0');
  });

  it('drops a replica whose unsent stream passes client-output-buffer-limit replica; it comes back', async () => {
    await p.config('SET', 'client-output-buffer-limit', 'replica 1mb 0 0');
    process.kill(replica.pid, 'SIGSTOP');
    try {
      const big = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 200 && (await info(p)).connected_slaves !== '0'; i++) await p.set(`big:${i % 20}`, big);
      expect((await info(p)).connected_slaves).toBe('0');
    } finally {
      process.kill(replica.pid, 'SIGCONT');
    }
    await p.config('SET', 'client-output-buffer-limit', 'replica 256mb 64mb 60');
    await caughtUp(p, r);
    expect(await r.get('big:3')).toBe(await p.get('big:3'));
  }, 60_000);

  it('repl-backlog-ttl: without replicas for that long the backlog is freed and the history gets a new id', async () => {
    await p.config('SET', 'repl-backlog-ttl', '1');
    const before = await info(p);
    const errors = Number((await info(p, 'stats')).sync_partial_err);
    await r.replicaof('NO', 'ONE');
    await until('the backlog to be freed', async () => (await info(p)).repl_backlog_active === '0', 10_000);
    const freed = await info(p);
    expect(freed.master_replid).not.toBe(before.master_replid);
    expect(Number(freed.master_repl_offset)).toBeGreaterThanOrEqual(Number(before.master_repl_offset));
    // The old history cannot continue: the replica's PSYNC fails and it resynchronizes fully.
    await p.set('after-ttl', '1');
    await r.replicaof('127.0.0.1', String(primary.port));
    await caughtUp(p, r);
    expect(await r.get('after-ttl')).toBe('1');
    expect(Number((await info(p, 'stats')).sync_partial_err)).toBe(errors + 1);
    await p.config('SET', 'repl-backlog-ttl', '3600');
  }, 60_000);
});
