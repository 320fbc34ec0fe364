import { SLOT_COUNT, keyHashSlot } from '../cluster/key-slot.ts';
import type { RedisValue } from '../types/value.ts';

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

  constructor(index: number) {
    this.index = index;
  }

  /** The raw value, ignoring expiry (the keyspace applies expiry). */
  get(key: string): RedisValue | undefined {
    return this.slots[keyHashSlot(key)]?.get(key);
  }

  has(key: string): boolean {
    return this.slots[keyHashSlot(key)]?.has(key) ?? false;
  }

  /** Stores a value; a new key has no expiry, an existing one keeps it unless the caller removes it. */
  set(key: string, value: RedisValue): boolean {
    const slot = keyHashSlot(key);
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
    this.expires.set(key, at);
  }

  removeExpire(key: string): boolean {
    return this.expires.delete(key);
  }

  /** Keys of one slot (live view); undefined when the slot holds none. */
  slotKeys(slot: number): Map<string, RedisValue> | undefined {
    return this.slots[slot];
  }

  slotSize(slot: number): number {
    return this.slots[slot]?.size ?? 0;
  }

  clear(): void {
    this.slots = new Array(SLOT_COUNT);
    this.expires.clear();
    this.size = 0;
  }

  /** Exchanges contents with another database (SWAPDB), keeping each object's index. */
  swapContents(other: Database): void {
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
