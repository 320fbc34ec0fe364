import { SLOT_COUNT, keyHashSlot } from '../cluster/key-slot.ts';
import type { RedisValue } from '../types/value.ts';

/**
 * What a running point-in-time snapshot (BGSAVE, BGREWRITEAOF) needs to hear before a database
 * changes: `touch` before any access to a key of a slot (the snapshot serializes the slot's old
 * state first, once), `detach` before FLUSH replaces the maps (the snapshot keeps the old ones),
 * `swap` before SWAPDB. Set on every database only while a snapshot runs (src/persistence/shard-snapshot.ts).
 */
export interface SnapshotHook {
  touch(db: Database, slot: number): void;
  detach(db: Database): void;
  swap(a: Database, b: Database): void;
}

/**
 * One logical database (SELECT n) restricted to the slots this worker owns. Keys live in one Map per
 * slot, so per-slot counts, SCAN by slot, slot migration and per-slot snapshots need no second index.
 * Expiry times (absolute ms) live beside them in one Map, like Redis's expires dict.
 */
export class Database {
  readonly index: number;
  private slots: Array<Map<string, RedisValue> | undefined> = new Array(SLOT_COUNT);
  expires = new Map<string, number>();
  size = 0;
  /** The running snapshot, or null (the only cost on the hot path: one null check per access). */
  cow: SnapshotHook | null = null;

  constructor(index: number) {
    this.index = index;
  }

  /** The raw value, ignoring expiry (the keyspace applies expiry). */
  get(key: string): RedisValue | undefined {
    const slot = keyHashSlot(key);
    // Reads too: a value fetched here may be changed in place by the command that fetched it.
    if (this.cow !== null) this.cow.touch(this, slot);
    return this.slots[slot]?.get(key);
  }

  /** The raw value without telling a running snapshot (for measuring only: the value must not be changed). */
  peek(key: string): RedisValue | undefined {
    return this.slots[keyHashSlot(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.slots[keyHashSlot(key)]?.has(key) ?? false;
  }

  /** Stores a value; a new key has no expiry, an existing one keeps it unless the caller removes it. */
  set(key: string, value: RedisValue): boolean {
    const slot = keyHashSlot(key);
    if (this.cow !== null) this.cow.touch(this, slot);
    let map = this.slots[slot];
    if (map === undefined) map = this.slots[slot] = new Map();
    const before = map.size;
    map.set(key, value);
    if (map.size !== before) {
      this.size++;
      return true;
    }
    return false;
  }

  delete(key: string): boolean {
    const slot = keyHashSlot(key);
    if (this.cow !== null) this.cow.touch(this, slot);
    const map = this.slots[slot];
    if (map === undefined || !map.delete(key)) return false;
    this.size--;
    if (map.size === 0) this.slots[slot] = undefined;
    this.expires.delete(key);
    return true;
  }

  getExpire(key: string): number | undefined {
    return this.expires.get(key);
  }

  setExpire(key: string, at: number): void {
    if (this.cow !== null) this.cow.touch(this, keyHashSlot(key));
    this.expires.set(key, at);
  }

  removeExpire(key: string): boolean {
    if (this.cow !== null) this.cow.touch(this, keyHashSlot(key));
    return this.expires.delete(key);
  }

  /** Keys of one slot (live view); undefined when the slot holds none. */
  slotKeys(slot: number): Map<string, RedisValue> | undefined {
    return this.slots[slot];
  }

  /** The slot maps and the expiry map as they are now (a snapshot keeps them when FLUSH replaces them). */
  snapshotView(): { slots: Array<Map<string, RedisValue> | undefined>; expires: Map<string, number> } {
    return { slots: this.slots, expires: this.expires };
  }

  slotSize(slot: number): number {
    return this.slots[slot]?.size ?? 0;
  }

  clear(): void {
    if (this.cow !== null) this.cow.detach(this);
    this.slots = new Array(SLOT_COUNT);
    // A new map, not clear(): a running snapshot may still read the old one.
    this.expires = new Map();
    this.size = 0;
  }

  /** Exchanges contents with another database (SWAPDB), keeping each object's index. */
  swapContents(other: Database): void {
    if (this.cow !== null) this.cow.swap(this, other);
    const slots = this.slots;
    this.slots = other.slots;
    other.slots = slots;
    const size = this.size;
    this.size = other.size;
    other.size = size;
    const expires = this.expires;
    this.expires = other.expires;
    other.expires = expires;
  }

  /** Every key in slot order: for KEYS, snapshots and DEBUG-style walks, not for hot paths. */
  *entries(): IterableIterator<[string, RedisValue]> {
    for (let slot = 0; slot < SLOT_COUNT; slot++) {
      const map = this.slots[slot];
      if (map !== undefined) yield* map;
    }
  }
}
