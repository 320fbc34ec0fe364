// A full resync's payload from the copy-on-write snapshot, on an in-process one-worker shard: the
// file holds the keys as they were at its point, with repl-stream-db, and writes made while it is
// serialized are not in it but come after its sequence.
import { afterAll, describe, expect, it } from 'vitest';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { Shard } from '../../../src/shard/shard.ts';
import { createRingBuffer } from '../../../src/ipc/spsc-ring.ts';
import { createMeshBuffers } from '../../../src/ipc/worker-mesh.ts';
import { SlotTable } from '../../../src/ipc/slot-table.ts';
import { SharedStats } from '../../../src/ipc/shared-stats.ts';
import { ReplicationState } from '../../../src/replication/repl-state.ts';
import { readRdb } from '../../../src/persistence/rdb-file.ts';
import { streamSyncRdb, takeSyncRdb } from '../../../src/persistence/rdb-sync-snapshot.ts';

function oneWorkerShard(): Shard {
  const config = ServerConfig.fromCommandLine(['--save', '', '--rdbcompression', 'no']);
  return new Shard({
    id: 0, workerCount: 1, mesh: createMeshBuffers(1, 64 * 1024, createRingBuffer), ports: [null],
    slotTable: SlotTable.create(1), stats: SharedStats.create(1), effectRing: createRingBuffer(1024 * 1024),
    sequence: new SharedArrayBuffer(4), logControl: new SharedArrayBuffer(16), replState: ReplicationState.create(),
    config, toMain: () => {},
  });
}

function keysOf(rdb: Buffer): Map<string, unknown> {
  const keys = new Map<string, unknown>();
  const aux = new Map<string, string>();
  readRdb(rdb, { key: (e) => keys.set(`${e.db}:${e.key}`, e.value), aux: (k, v) => aux.set(k, v) });
  keys.set('aux:repl-stream-db', aux.get('repl-stream-db'));
  return keys;
}

describe('full resync payload from the copy-on-write snapshot', () => {
  const shard = oneWorkerShard();
  afterAll(() => shard.close());

  it('holds the keys at its point and the stream database, while writes go on meanwhile', async () => {
    const db0 = shard.keyspace.dbs[0]!;
    const db5 = shard.keyspace.dbs[5]!;
    // 1.5 MB: several chunks of at most 512 KB, with writes between them.
    const pad = 'p'.repeat(300);
    for (let i = 0; i < 5000; i++) shard.keyspace.addKey(db0, `k:${i}`, `v:${i}${pad}`);
    shard.keyspace.addKey(db5, 'other', 'x');
    const chunks: Buffer[] = [];
    let point = -1;
    let rounds = 0;
    const done = streamSyncRdb(shard, (chunk) => chunks.push(chunk), {
      streamDb: 5,
      onPoint: (seq) => (point = seq),
      // Between chunks: change keys the snapshot may not have reached yet.
      backpressure: async () => {
        rounds++;
        db0.get('k:4999');
        shard.keyspace.addKey(db0, `late:${rounds}`, 'new');
        shard.keyspace.addKey(db0, `k:${rounds}`, 'changed');
      },
    });
    const result = await done;
    expect(point).toBe(result.sequence);
    const rdb = Buffer.concat(chunks);
    expect(result.bytes).toBe(rdb.length);
    const keys = keysOf(rdb);
    expect(keys.get('aux:repl-stream-db')).toBe('5');
    expect(rounds).toBeGreaterThanOrEqual(3);
    for (const i of [0, 1, 2, 3, 4999]) expect(keys.get(`0:k:${i}`)).toBe(`v:${i}${pad}`);
    expect(keys.get('5:other')).toBe('x');
    expect([...keys.keys()].some((k) => k.startsWith('0:late:'))).toBe(false);
    expect(result.keys).toBe(5001);
    // Nothing is left running: the next one starts at once.
    const whole = await takeSyncRdb(shard);
    expect(keysOf(whole.rdb).get('aux:repl-stream-db')).toBe('0');
    expect([...keysOf(whole.rdb).keys()].some((k) => k.startsWith('0:late:'))).toBe(true);
  });
});
