// A primary's full resync payload made from the copy-on-write snapshot: it counts as a background
// save while it is made, stops when nobody waits for it any more, and FLUSHALL drops it (the replica
// syncs again), as Redis does with the child that makes it.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { info, until } from './replication-helpers.ts';

describe('a full resync payload in the making', () => {
  const servers: RunningServer[] = [];
  const clients: Redis[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    for (const s of servers.splice(0)) await s.stop();
  });

  async function start(args: string[]): Promise<{ server: RunningServer; client: Redis }> {
    const server = await startShoal(['--threads', '2', '--save', '', ...args]);
    const client = new Redis({ port: server.port });
    servers.push(server);
    clients.push(client);
    return { server, client };
  }

  it('stops when its only replica leaves (a disk payload nobody saves)', async () => {
    const { server: primary, client: p } = await start(['--repl-diskless-sync', 'no']);
    const { client: r } = await start([]);
    for (let i = 0; i < 10; i++) await p.set(`k${i}`, String(i));
    // One second per key: the payload would take about 10 s.
    await p.config('SET', 'rdb-key-save-delay', '1000000');
    await r.replicaof('127.0.0.1', String(primary.port));
    await until('the payload in progress', async () => {
      const [persistence, replication] = [await info(p, 'persistence'), await info(p)];
      return persistence.rdb_bgsave_in_progress === '1' && (replication.slave0 ?? '').includes('state=wait_bgsave');
    }, 10_000);
    await r.replicaof('NO', 'ONE');
    const left = Date.now();
    await until('the payload stopped', async () => (await info(p, 'persistence')).rdb_bgsave_in_progress === '0', 5_000);
    expect(Date.now() - left).toBeLessThan(2_000);
    expect(await p.ping()).toBe('PONG');
  }, 60_000);

  it('drops a replica that stops reading its payload for repl-timeout', async () => {
    const { server: primary, client: p } = await start(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    // 40 MB: more than the sockets' buffers hold.
    await p.call('DEBUG', 'POPULATE', '4000', 'k', '10000');
    await p.config('SET', 'rdbcompression', 'no');
    await p.config('SET', 'repl-timeout', '2');
    const link = net.connect(primary.port, '127.0.0.1');
    let received = 0;
    const closed = new Promise<void>((resolve) => link.on('close', () => resolve()));
    link.on('error', () => {});
    link.on('data', (chunk: Buffer) => {
      received += chunk.length;
      // Reads the start of the payload, then stops, as a replica that hangs.
      if (received > 64 * 1024) link.pause();
    });
    link.write('*3\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    await until('the primary logs the timeout', async () => primary.output().includes('Disconnecting timedout replica (full sync)'), 15_000);
    // The link is closed (destroying it on this side ends the wait either way).
    link.destroy();
    await closed;
    await until('the payload stopped', async () => (await info(p, 'persistence')).rdb_bgsave_in_progress === '0', 5_000);
  }, 60_000);

  it('serves three replicas arriving together under a write load, one payload after another', async () => {
    const { server: primary, client: p } = await start(['--repl-diskless-sync', 'no']);
    await p.call('DEBUG', 'POPULATE', '50000', 'k', '100');
    const replicas = [await start([]), await start([]), await start([])];
    let writing = true;
    const load = (async () => {
      const writer = new Redis({ port: primary.port });
      for (let i = 0; writing; i++) {
        const batch = writer.pipeline();
        for (let j = 0; j < 200; j++) batch.set(`w:${(i * 200 + j) % 20000}`, String(i));
        await batch.exec();
      }
      writer.disconnect();
    })();
    for (const { client } of replicas) await client.replicaof('127.0.0.1', String(primary.port));
    await until('three replicas online', async () => ((await p.info('replication')).match(/state=online/g) ?? []).length === 3, 40_000);
    writing = false;
    await load;
    const digest = await p.call('DEBUG', 'DIGEST');
    for (const { client } of replicas) {
      await until('the replica caught up', async () => (await client.call('DEBUG', 'DIGEST')) === digest, 20_000);
    }
  }, 120_000);

  it('FLUSHALL drops it; the replica syncs again and ends with the flushed data set', async () => {
    const { server: primary, client: p } = await start(['--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0']);
    const { client: r } = await start([]);
    for (let i = 0; i < 20; i++) await p.set(`k${i}`, String(i));
    await p.config('SET', 'rdb-key-save-delay', '200000');
    await r.replicaof('127.0.0.1', String(primary.port));
    await until('the payload in progress', async () => (await info(p, 'persistence')).rdb_bgsave_in_progress === '1', 10_000);
    const fullBefore = Number((await info(p, 'stats')).sync_full);
    await p.config('SET', 'rdb-key-save-delay', '0');
    await p.flushall();
    await p.set('after', 'flush');
    await until('a second full sync', async () => Number((await info(p, 'stats')).sync_full) > fullBefore, 10_000);
    await until('the replica is up with the new data set', async () => (await info(r)).master_link_status === 'up' && (await r.get('after')) === 'flush', 10_000);
    expect(await r.dbsize()).toBe(1);
    expect(primary.output()).toMatch(/Background RDB transfer started by pid \d+[\s\S]*Background RDB transfer started by pid \d+/);
  }, 60_000);
});
