import { SLOT_COUNT, keyHashSlot } from '../cluster/key-slot.ts';
import type { RedisValue } from '../types/value.ts';
import { StringTable } from './string-table.ts';
import { accessClock } from './access-clock.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';

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
 * One logical database (SELECT n) restricted to the slots this worker owns. String values that fit
 * (StringTable.accepts) live off the JS heap in `strings` (src/shard/string-table.ts): found from the
 * key's bytes without the Map's cache misses, never scanned or moved by the GC. Every other value
 * (the aggregate types, big strings) lives in one Map per slot, so per-slot counts, SCAN by slot,
 * slot migration and per-slot snapshots need no second index. A key is in exactly one of the two.
 * Expiry times (absolute ms) live beside them in one Map, like Redis's expires dict.
 */
export class Database {
  readonly index: number;
  private slots: Array<Map<string, RedisValue> | undefined> = new Array(SLOT_COUNT);
  private strings = new StringTable();
  expires = new Map<string, number>();
  /** Access times of string values too big for the table (see getTouched). */
  private bigStringAccess = new Map<string, number>();
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
    return this.lookup(key, slot);
  }

  /**
   * get() that also stamps the key as accessed now, as Redis's lookupKey does without
   * LOOKUP_NOTOUCH: a string of the table in its entry, an object in its accessTime, a big string
   * (kept on the JS heap as a plain string) in bigStringAccess.
   */
  getTouched(key: string): RedisValue | undefined {
    const slot = keyHashSlot(key);
    if (this.cow !== null) this.cow.touch(this, slot);
    const map = this.slots[slot];
    if (map !== undefined) {
      const value = map.get(key);
      if (value !== undefined) {
        if (typeof value === 'string') this.bigStringAccess.set(key, accessClock.seconds);
        else value.accessTime = accessClock.seconds;
        return value;
      }
    }
    const at = this.strings.find(key);
    if (at === -1) return undefined;
    this.strings.setAccessTime(at);
    return this.strings.value(at);
  }

  /** When the key was last created, written or looked up (access-clock seconds); undefined when absent. */
  accessTime(key: string): number | undefined {
    const value = this.slots[keyHashSlot(key)]?.get(key);
    if (value !== undefined) return typeof value === 'string' ? this.bigStringAccess.get(key) ?? accessClock.seconds : value.accessTime;
    const at = this.strings.find(key);
    return at === -1 ? undefined : this.strings.accessTime(at);
  }

  /** Sets an existing key's access time (RESTORE ... IDLETIME). */
  setAccessTime(key: string, seconds: number): void {
    const value = this.slots[keyHashSlot(key)]?.get(key);
    if (value !== undefined) {
      if (typeof value === 'string') this.bigStringAccess.set(key, seconds);
      else value.accessTime = seconds;
      return;
    }
    const at = this.strings.find(key);
    if (at !== -1) this.strings.setAccessTime(at, seconds);
  }

  /** Stamps a table entry (from findStringBytes) as accessed now: a GET from request bytes. */
  touchStringAt(at: number): void {
    this.strings.setAccessTime(at);
  }

  /** The raw value without telling a running snapshot (for measuring only: the value must not be changed). */
  peek(key: string): RedisValue | undefined {
    return this.lookup(key, keyHashSlot(key));
  }

  private lookup(key: string, slot: number): RedisValue | undefined {
    const map = this.slots[slot];
    if (map !== undefined) {
      const value = map.get(key);
      if (value !== undefined) return value;
    }
    const at = this.strings.find(key);
    return at === -1 ? undefined : this.strings.value(at);
  }

  /**
   * For a GET straight from request bytes: the table entry holding the key's string value; -1 when
   * the key is in neither store; -2 when the slot's Map may hold it (another type, a big string),
   * which the ordinary path answers.
   */
  findStringBytes(b: Uint8Array, start: number, end: number, slot: number): number {
    const at = this.strings.findBytes(b, start, end);
    if (at !== -1) return at;
    return this.slots[slot] === undefined ? -1 : -2;
  }

  /**
   * For a SET straight from request bytes: stores the value in the string table and returns true,
   * or returns false (nothing done) when the ordinary path must: the slot's Map may hold the key, the
   * entry would not fit, or a snapshot is running.
   */
  setStringBytes(b: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, slot: number): boolean {
    if (!this.acceptsStringBytes(keyEnd - keyStart, valueEnd - valueStart, slot)) return false;
    if (this.strings.setBytes(b, keyStart, keyEnd, valueStart, valueEnd, slot)) this.size++;
    return true;
  }

  /** Whether setStringBytes would store a key and value of these lengths in this slot (nothing is changed). */
  acceptsStringBytes(keyLength: number, valueLength: number, slot: number): boolean {
    return this.cow === null && this.slots[slot] === undefined && this.strings.accepts(keyLength, valueLength);
  }

  /** Writes the value of a table entry (from findStringBytes) as a bulk reply. */
  replyStringAt(at: number, out: ReplyWriter): void {
    const length = this.strings.valueLength(at);
    this.strings.copyValue(at, out.buf, out.beginBulk(length));
    out.endBulk(length);
  }

  has(key: string): boolean {
    return (this.slots[keyHashSlot(key)]?.has(key) ?? false) || this.strings.find(key) !== -1;
  }

  /** Stores a value; a new key has no expiry, an existing one keeps it unless the caller removes it. */
  set(key: string, value: RedisValue): boolean {
    const slot = keyHashSlot(key);
    if (this.cow !== null) this.cow.touch(this, slot);
    let map = this.slots[slot];
    if (typeof value === 'string' && this.strings.accepts(key.length, value.length)) {
      // A key of another type (or a big string) becomes a string of the table: it moves over.
      if (map !== undefined && map.delete(key)) {
        if (map.size === 0) this.slots[slot] = undefined;
        this.strings.set(key, value);
        return false;
      }
      if (!this.strings.set(key, value)) return false;
      this.size++;
      return true;
    }
    if (map === undefined) map = this.slots[slot] = new Map();
    const before = map.size;
    map.set(key, value);
    if (typeof value === 'string') this.bigStringAccess.set(key, accessClock.seconds);
    else value.accessTime = accessClock.seconds;
    if (map.size === before) return false;
    // New in the Map: it may have been a string of the table until now.
    if (this.strings.size > 0 && this.strings.delete(key)) return false;
    this.size++;
    return true;
  }

  delete(key: string): boolean {
    const slot = keyHashSlot(key);
    if (this.cow !== null) this.cow.touch(this, slot);
    const map = this.slots[slot];
    if (map !== undefined && map.delete(key)) {
      if (map.size === 0) this.slots[slot] = undefined;
    } else if (!this.strings.delete(key)) {
      return false;
    }
    this.size--;
    this.expires.delete(key);
    if (this.bigStringAccess.size > 0) this.bigStringAccess.delete(key);
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

  /**
   * The keys of one slot as they are now (a copy: the caller may delete keys while it walks them).
   * Empty when the slot holds none.
   */
  slotKeys(slot: number): string[] {
    return slotKeysOf(this.slots[slot], this.strings, slot);
  }

  /** The structures as they are now (a snapshot keeps them when FLUSH replaces them). */
  snapshotView(): SnapshotView {
    return { slots: this.slots, strings: this.strings, expires: this.expires };
  }

  slotSize(slot: number): number {
    return (this.slots[slot]?.size ?? 0) + this.strings.slotSize(slot);
  }

  /** Bytes of string keys and values held off the JS heap (used_memory counts them). */
  offHeapBytes(): number {
    return this.strings.allocatedBytes;
  }

  clear(): void {
    if (this.cow !== null) this.cow.detach(this);
    this.slots = new Array(SLOT_COUNT);
    // New structures, not clear(): a running snapshot may still read the old ones.
    this.strings = new StringTable();
    this.expires = new Map();
    this.bigStringAccess = new Map();
    this.size = 0;
  }

  /** Exchanges contents with another database (SWAPDB), keeping each object's index. */
  swapContents(other: Database): void {
    if (this.cow !== null) this.cow.swap(this, other);
    const slots = this.slots;
    this.slots = other.slots;
    other.slots = slots;
    const strings = this.strings;
    this.strings = other.strings;
    other.strings = strings;
    const size = this.size;
    this.size = other.size;
    other.size = size;
    const expires = this.expires;
    this.expires = other.expires;
    other.expires = expires;
    const access = this.bigStringAccess;
    this.bigStringAccess = other.bigStringAccess;
    other.bigStringAccess = access;
  }

  /** Every key in slot order: for KEYS, snapshots and DEBUG-style walks, not for hot paths. */
  *entries(): IterableIterator<[string, RedisValue]> {
    for (let slot = 0; slot < SLOT_COUNT; slot++) yield* slotEntries(this.snapshotView(), slot);
  }
}

/** A database's structures at one moment (see snapshotView). */
export interface SnapshotView {
  slots: Array<Map<string, RedisValue> | undefined>;
  strings: StringTable;
  expires: Map<string, number>;
}

function slotKeysOf(map: Map<string, RedisValue> | undefined, strings: StringTable, slot: number): string[] {
  const keys: string[] = map === undefined ? [] : [...map.keys()];
  for (let at = strings.firstInSlot(slot); at !== -1; at = strings.nextInSlot(at)) keys.push(strings.key(at));
  return keys;
}

/**
 * The [key, value] pairs of one slot of a view, collected before they are yielded (the consumer may
 * change the database between two of them).
 */
export function slotEntries(view: SnapshotView, slot: number): Array<[string, RedisValue]> {
  const pairs: Array<[string, RedisValue]> = [];
  const map = view.slots[slot];
  if (map !== undefined) for (const pair of map) pairs.push(pair);
  const strings = view.strings;
  for (let at = strings.firstInSlot(slot); at !== -1; at = strings.nextInSlot(at)) pairs.push([strings.key(at), strings.value(at)]);
  return pairs;
}
