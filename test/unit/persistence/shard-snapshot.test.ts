import { describe, expect, it } from 'vitest';
import { Keyspace } from '../../../src/shard/keyspace.ts';
import { ShardSnapshot } from '../../../src/persistence/shard-snapshot.ts';
import { readRdb } from '../../../src/persistence/rdb-file.ts';
import { RDB_OPCODE_EOF } from '../../../src/persistence/rdb-format.ts';
import { ListValue } from '../../../src/types/list-value.ts';
import type { RedisValue } from '../../../src/types/value.ts';

function keyspace(): Keyspace {
  return new Keyspace({ keyExpired() {} });
}

/** Drains a snapshot, one small chunk at a time, running `between(i)` before each chunk. */
function drain(snapshot: ShardSnapshot, between: (i: number) => void = () => {}): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; ; i++) {
    between(i);
    const chunk = snapshot.nextChunk({ ms: 1000, bytes: 200 });
    if (chunk.length === 0 && snapshot.finished) break;
    chunks.push(chunk);
  }
  snapshot.release();
  return chunks;
}

/** The chunks as one RDB body: "db:key" → [value, expireAt], failing on a key written twice. */
function read(chunks: Buffer[]): Map<string, [RedisValue, number]> {
  const file = Buffer.concat([Buffer.from('REDIS0010', 'latin1'), ...chunks, Buffer.from([RDB_OPCODE_EOF]), Buffer.alloc(8)]);
  const out = new Map<string, [RedisValue, number]>();
  readRdb(file, {
    key(e) {
      const k = `${e.db}:${e.key}`;
      if (out.has(k)) throw new Error(`${k} written twice`);
      out.set(k, [e.value, e.expireAt]);
    },
  });
  return out;
}

function plain(entries: Map<string, [RedisValue, number]>): Record<string, [unknown, number]> {
  const out: Record<string, [unknown, number]> = {};
  for (const [k, [v, at]] of entries) out[k] = [v instanceof ListValue ? v.toArray() : v, at];
  return out;
}

describe('ShardSnapshot (copy-on-write serialization of one worker)', () => {
  it('writes the keys as they were when it started, whatever changes them meanwhile', () => {
    const ks = keyspace();
    const [db0, db1, db2, db3] = ks.dbs as [typeof ks.dbs[0], typeof ks.dbs[0], typeof ks.dbs[0], typeof ks.dbs[0]];
    for (let i = 0; i < 200; i++) db0.set(`k${i}`, `v${i}`);
    db0.setExpire('k5', 1_900_000_000_000);
    db0.set('list', ListValue.from(['a', 'b']));
    for (let i = 0; i < 50; i++) db1.set(`one${i}`, String(i));
    for (let i = 0; i < 30; i++) db2.set(`two${i}`, String(i));
    db3.set('three', '3');
    const expected: Record<string, [unknown, number]> = {};
    for (let i = 0; i < 200; i++) expected[`0:k${i}`] = [`v${i}`, i === 5 ? 1_900_000_000_000 : -1];
    expected['0:list'] = [['a', 'b'], -1];
    for (let i = 0; i < 50; i++) expected[`1:one${i}`] = [String(i), -1];
    for (let i = 0; i < 30; i++) expected[`2:two${i}`] = [String(i), -1];
    expected['3:three'] = ['3', -1];

    const snapshot = new ShardSnapshot('t', 'rdb', ks, [0, 16384], { compression: false });
    expect(db0.cow).toBe(snapshot);
    const chunks = drain(snapshot, (i) => {
      if (i === 1) {
        // Writes, a delete, an expiry change, an in-place change of a value read for writing.
        for (let j = 0; j < 200; j += 3) db0.set(`k${j}`, 'changed');
        db0.delete('k1');
        db0.removeExpire('k5');
        (db0.get('list') as ListValue).pushTail('c');
        db0.set('new-key', 'new');
        db1.clear(); // FLUSHDB: the snapshot keeps the old maps
        db1.set('after-flush', 'x');
        ks.dbs[2]!.swapContents(ks.dbs[3]!); // SWAPDB 2 3
      }
    });
    expect(plain(read(chunks))).toEqual(expected);
    expect(snapshot.cowBytes).toBeGreaterThan(0);
    // Released: no hook left on the hot path.
    expect(ks.dbs.every((db) => db.cow === null)).toBe(true);
  });

  it('serializes only its own slot range, each key once', () => {
    const ks = keyspace();
    for (let i = 0; i < 500; i++) ks.dbs[0]!.set(`key:${i}`, String(i));
    const low = read(drain(new ShardSnapshot('a', 'rdb', ks, [0, 8192], {})));
    const high = read(drain(new ShardSnapshot('b', 'rdb', ks, [8192, 16384], {})));
    expect(low.size + high.size).toBe(500);
    for (const k of low.keys()) expect(high.has(k)).toBe(false);
  });
});
