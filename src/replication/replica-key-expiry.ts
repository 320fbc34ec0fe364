// Keys that a writable replica's own clients gave an expiry (Redis's slaveKeysWithExpire). A replica
// never expires the primary's keys by itself (it waits for the primary's DEL), but nobody would ever
// delete these, so the replica does, a few times a second, as Redis's expireSlaveKeys.
import type { Database } from '../shard/database.ts';
import type { Keyspace } from '../shard/keyspace.ts';
import { lookupCommand } from '../commands/table.ts';
import { getKeyIndexes } from '../commands/key-extraction.ts';

export class ReplicaKeyExpiry {
  /** Database index → keys written with an expiry by a client other than the master client. */
  private readonly tracked = new Map<number, Set<string>>();
  private readonly positions: number[] = [];

  get size(): number {
    let n = 0;
    for (const keys of this.tracked.values()) n += keys.size;
    return n;
  }

  /** After a write by a client of this replica: its keys that now have an expiry are tracked. */
  noteWrite(db: Database, argv: readonly string[]): void {
    if (db.expires.size === 0) return;
    const spec = lookupCommand(argv[0]!, argv);
    if (spec === undefined) return;
    for (const position of getKeyIndexes(spec, argv, this.positions)) {
      const key = argv[position]!;
      if (!db.expires.has(key)) continue;
      let keys = this.tracked.get(db.index);
      if (keys === undefined) this.tracked.set(db.index, (keys = new Set()));
      keys.add(key);
    }
  }

  /** Deletes the tracked keys whose time has come; forgets those without an expiry any more. */
  cycle(keyspace: Keyspace): void {
    const now = Date.now();
    for (const [index, keys] of this.tracked) {
      const db = keyspace.dbs[index]!;
      for (const key of keys) {
        const at = db.expires.get(key);
        if (at === undefined) keys.delete(key);
        else if (at <= now) {
          keyspace.deleteExpired(db, key);
          keys.delete(key);
        }
      }
      if (keys.size === 0) this.tracked.delete(index);
    }
  }

  clear(): void {
    this.tracked.clear();
  }
}
