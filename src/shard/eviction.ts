// maxmemory: Redis's performEvictions for one shard worker.
//
// What counts: a V8 heap cannot say how large one object is, and what it reports in use includes
// garbage until the next collection (tens of MB under load, and evicted keys stay counted until a
// full collection), so it cannot drive eviction. Each worker instead estimates its dataset: its key
// count times the average size of a key, sampled over its keys every timer tick (a key's size is
// its serialized value plus a fixed overhead for the key, its Map entry and object headers, as
// MEMORY USAGE reports it). Each worker publishes its estimate in the shared stats, so every worker
// sees the server-wide figure without a message; INFO's used_memory is that figure plus the memory
// the workers held before their first key (used_memory_startup), and maxmemory limits the dataset.
//
// A worker only evicts its own keys, down to its share of maxmemory (maxmemory × its part of the
// dataset): the other workers bring themselves down on their next command or timer tick, and a
// command is refused with -OOM only when its worker cannot free its own share (noeviction, or no
// key the policy may take).
import { getHeapStatistics } from 'node:v8';
import { estimatePayloadBytes } from '../types/footprint.ts';
import type { SharedStats } from '../ipc/shared-stats.ts';
import { STAT_KEYS, STAT_MEMORY, STAT_MEMORY_STARTUP, STAT_VOLATILE_KEYS } from '../ipc/shared-stats.ts';
import type { Database } from './database.ts';
import type { Keyspace } from './keyspace.ts';
import type { RedisValue } from '../types/value.ts';
import { HashValue } from '../types/hash-value.ts';
import { ListValue } from '../types/list-value.ts';
import { SetValue } from '../types/set-value.ts';
import { ZSetValue } from '../types/zset-value.ts';

export const OOM_ERROR = "OOM command not allowed when used memory > 'maxmemory'.";

/** What a key costs beyond its serialized value: key string, Map entry, object headers (V8, 64-bit). */
const KEY_OVERHEAD = 96;
/** Keys sampled per timer tick to estimate the average size of a key. */
const SAMPLES_PER_TICK = 32;
/** Weight of a new tick's sample in the running average size. */
const AVERAGE_WEIGHT = 0.25;
/**
 * A key at least this large is counted at its own size, not as one more key of average size: one big
 * value among small keys would otherwise count for nothing until a sample happened to land on it.
 */
const BIG_KEY_BYTES = 16 * 1024;
/** Big keys re-measured per timer tick (the entries of keys deleted by paths that do not report). */
const BIG_KEYS_CHECKED_PER_TICK = 64;
/** One eviction pass frees at most this many keys (Redis bounds a pass by time; the rest waits for the next command). */
const MAX_KEYS_PER_PASS = 2048;

export interface EvictionConfig {
  readonly maxmemory: number;
  readonly maxmemoryPolicy: string;
  readonly maxmemorySamples: number;
}

export interface EvictionHost {
  readonly id: number;
  readonly config: EvictionConfig;
  readonly keyspace: Keyspace;
  readonly stats: SharedStats;
  /** True when this worker owns the slot (the keys of other slots are never here). */
  ownsSlot(slot: number): boolean;
  /** Propagates the eviction (DEL to AOF and replicas, 'evicted' event, WATCH and tracking). */
  keyEvicted(db: Database, key: string): void;
  /** Asks another worker to evict now (it would on its next timer tick anyway). */
  nudgeEviction(worker: number): void;
}

/** The estimated footprint of one key and its value. */
export function keyFootprint(key: string, value: RedisValue): number {
  // Sampled (5 elements, Redis's MEMORY USAGE default) for big aggregates: serializing a 1M-element
  // key on every timer tick took most of the worker's time and tens of MB of garbage.
  return KEY_OVERHEAD + key.length + estimatePayloadBytes(value, 5) + elementOverhead(value);
}

/**
 * What each element of a big aggregate costs beyond its bytes: the hash-table slot, the ranked tree's
 * node for sorted sets, the chunk bookkeeping of lists (compact encodings store bytes only). Rounded
 * from bench/RESULTS.md's bytes-per-element figures.
 */
function elementOverhead(value: RedisValue): number {
  if (value instanceof ListValue) return value.encoding() === 'quicklist' ? 8 * value.length : 0;
  if (value instanceof ZSetValue) return value.encoding() === 'skiplist' ? 56 * value.size : 0;
  if (value instanceof HashValue || value instanceof SetValue) return value.encoding() === 'hashtable' ? 40 * value.size : 0;
  return 0;
}

/** Where the round-robin walk over a database's keys stands. */
interface Cursor {
  slot: number;
  keys: Iterator<string> | null;
  expires: Iterator<[string, number]> | null;
}

export class MemoryGuard {
  evictedKeys = 0;
  private readonly host: EvictionHost;
  /** Running average size of a key on this worker (0 until the first sample). */
  private averageKeyBytes = 0;
  private nextDb = 0;
  private readonly evictCursors: Cursor[] = [];
  private readonly sampleCursors: Cursor[] = [];
  /** Heap and external memory of the worker before its first key (INFO used_memory_startup). */
  readonly startup: number;

  constructor(host: EvictionHost) {
    this.host = host;
    const heap = getHeapStatistics();
    this.startup = heap.used_heap_size + heap.external_memory;
    host.stats.set(host.id, STAT_MEMORY_STARTUP, this.startup);
  }

  /** Keys of BIG_KEY_BYTES or more, by "db\0key", with their database and footprint. */
  private readonly bigKeys = new Map<string, { db: Database; key: string; bytes: number }>();
  private bigBytes = 0;
  private bigCheckCursor: Iterator<string> | null = null;

  /** This worker's estimated dataset now: its big keys' sizes, and the other keys at the average size. */
  private own(): number {
    const keys = this.host.keyspace.totalKeys();
    if (keys === 0 && this.bigKeys.size > 0) this.forgetAllBig();
    const small = Math.max(0, keys - this.bigKeys.size);
    return Math.round(small * this.averageKeyBytes + this.bigBytes);
  }

  /** A command changed this key (maxmemory set): a big value counts at its size from the next command on. */
  keyWritten(db: Database, key: string): void {
    this.measure(db, key, `${db.index}\u0000${key}`);
  }

  /**
   * After each command (maxmemory set): another worker over the limit asks this one to evict only
   * if it has keys the policy may take, so a key that just got an expiry counts at once, not at the
   * next timer tick.
   */
  publish(): void {
    this.host.stats.set(this.host.id, STAT_MEMORY, this.own());
    this.publishVolatileKeys();
  }

  private publishVolatileKeys(): void {
    let volatileKeys = 0;
    for (const db of this.host.keyspace.dbs) volatileKeys += db.expires.size;
    this.host.stats.set(this.host.id, STAT_VOLATILE_KEYS, volatileKeys);
  }

  /** The key is gone (evicted, expired). */
  keyRemoved(db: Database, key: string): void {
    if (this.bigKeys.size > 0) this.forgetBig(`${db.index}\u0000${key}`);
  }

  /** Tracks the key as big, or stops tracking it; returns its footprint (0 when it does not exist). */
  private measure(db: Database, key: string, id: string): number {
    const value = db.peek(key);
    if (value === undefined) {
      this.forgetBig(id);
      return 0;
    }
    const bytes = keyFootprint(key, value);
    if (bytes < BIG_KEY_BYTES) {
      this.forgetBig(id);
      return bytes;
    }
    const known = this.bigKeys.get(id);
    if (known !== undefined) {
      this.bigBytes += bytes - known.bytes;
      known.bytes = bytes;
    } else {
      this.bigKeys.set(id, { db, key, bytes });
      this.bigBytes += bytes;
    }
    // The other workers judge by the published figure: it changes now, not at the next command here.
    this.host.stats.set(this.host.id, STAT_MEMORY, this.own());
    return bytes;
  }

  private forgetBig(id: string): void {
    const known = this.bigKeys.get(id);
    if (known === undefined) return;
    this.bigKeys.delete(id);
    this.bigBytes -= known.bytes;
  }

  private forgetAllBig(): void {
    this.bigKeys.clear();
    this.bigBytes = 0;
    this.bigCheckCursor = null;
  }

  /** Re-measures some big keys (FLUSH, SWAPDB and other bulk changes do not report each key). */
  private recheckBig(): void {
    for (let n = 0; n < BIG_KEYS_CHECKED_PER_TICK && this.bigKeys.size > 0; n++) {
      this.bigCheckCursor ??= this.bigKeys.keys();
      const next = this.bigCheckCursor.next();
      if (next.done) {
        this.bigCheckCursor = null;
        break;
      }
      const known = this.bigKeys.get(next.value);
      if (known !== undefined) this.measure(known.db, known.key, next.value);
    }
  }

  /** Samples key sizes, updates the average and publishes this worker's estimate. */
  sample(): number {
    let bytes = 0;
    let count = 0;
    const dbs = this.host.keyspace.dbs;
    for (let i = 0; i < dbs.length && count < SAMPLES_PER_TICK; i++) {
      const db = dbs[i]!;
      if (db.size === 0) continue;
      const cursor = (this.sampleCursors[i] ??= { slot: 0, keys: null, expires: null });
      const want = Math.min(SAMPLES_PER_TICK - count, db.size);
      for (let n = 0; n < want; n++) {
        const key = this.nextKey(db, cursor);
        if (key === null) break;
        const value = db.peek(key);
        if (value === undefined) continue;
        const footprint = keyFootprint(key, value);
        if (footprint >= BIG_KEY_BYTES) {
          // Counted at its own size (found here when it came from a load, a path that does not report
          // it, or any write while no maxmemory is set: INFO used_memory counts it all the same).
          this.measure(db, key, `${db.index}\u0000${key}`);
          continue;
        }
        bytes += footprint;
        count++;
      }
    }
    this.recheckBig();
    if (count > 0) {
      const average = bytes / count;
      this.averageKeyBytes = this.averageKeyBytes === 0 ? average : this.averageKeyBytes + AVERAGE_WEIGHT * (average - this.averageKeyBytes);
    }
    const own = this.own();
    this.host.stats.set(this.host.id, STAT_MEMORY, own);
    this.publishVolatileKeys();
    return own;
  }

  /** Start-up memory of every worker (INFO used_memory_startup). */
  startupTotal(): number {
    const stats = this.host.stats;
    let total = 0;
    for (let w = 0; w < stats.workerCount; w++) total += stats.get(w, STAT_MEMORY_STARTUP);
    return total;
  }

  /** Estimated dataset of the whole server (this worker's figure now, the others' latest). */
  used(): number {
    const stats = this.host.stats;
    let total = 0;
    for (let w = 0; w < stats.workerCount; w++) total += w === this.host.id ? this.own() : stats.get(w, STAT_MEMORY);
    return total;
  }

  /**
   * Before a command, as Redis's processCommand does: evicts while over maxmemory, and answers
   * whether a command that may grow memory (denyoom) can run. The worker that owns a hopped
   * command's keys calls it too (without refusing: the client's worker decided), so that every
   * worker evicts as its keys grow, not only the workers that clients are connected to. With
   * `waitFor`, the workers that must evict instead of this one are listed there, not nudged: the
   * caller has them evict and runs the command after.
   */
  admit(denyOom: boolean, waitFor: number[] | null = null): boolean {
    const maxmemory = this.host.config.maxmemory;
    if (maxmemory <= 0) return true;
    if (this.averageKeyBytes === 0 && this.host.keyspace.totalKeys() > 0) this.sample();
    // Published at every command, so the other workers' shares are computed from current figures
    // (a figure a timer tick old let one worker starve the other of keys).
    this.host.stats.set(this.host.id, STAT_MEMORY, this.own());
    if (this.used() <= maxmemory) return true;
    if (this.host.config.maxmemoryPolicy === 'noeviction') return !denyOom;
    return this.evict() || this.othersCanEvict(waitFor) || !denyOom;
  }

  /** Timer tick: sample, and evict when over (a worker whose clients are idle still gives its share). */
  cron(): void {
    this.sample();
    const maxmemory = this.host.config.maxmemory;
    if (maxmemory > 0 && this.used() > maxmemory) this.evict();
  }

  /**
   * This worker has nothing left to evict, but others may: their figures are up to a timer tick
   * old, so they are asked to evict now, and the command is not refused for keys it cannot reach.
   */
  private othersCanEvict(waitFor: number[] | null): boolean {
    const stats = this.host.stats;
    const stat = this.host.config.maxmemoryPolicy.startsWith('volatile-') ? STAT_VOLATILE_KEYS : STAT_KEYS;
    let any = false;
    for (let w = 0; w < stats.workerCount; w++) {
      // By key counts, not memory figures: a worker whose first keys arrived since its last sample publishes 0 bytes.
      if (w === this.host.id || stats.get(w, stat) === 0) continue;
      // The caller waits for them (a client's command runs after the evictions, as in Redis), or not.
      if (waitFor !== null) waitFor.push(w);
      else this.host.nudgeEviction(w);
      any = true;
    }
    return any;
  }

  /** Evicts this worker's keys down to its share; false when the policy leaves nothing to take. */
  private evict(): boolean {
    const maxmemory = this.host.config.maxmemory;
    const policy = this.host.config.maxmemoryPolicy;
    if (policy === 'noeviction') return false;
    const total = this.used();
    const own = this.own();
    const target = total > 0 ? (maxmemory * own) / total : maxmemory;
    const volatileOnly = policy.startsWith('volatile-');
    let ok = true;
    for (let n = 0; n < MAX_KEYS_PER_PASS && this.own() > target; n++) {
      const victim = this.pickVictim(volatileOnly, policy === 'volatile-ttl');
      if (victim === null) {
        ok = false;
        break;
      }
      const [db, key] = victim;
      this.host.keyspace.deleteKey(db, key);
      this.keyRemoved(db, key);
      this.evictedKeys++;
      this.host.keyEvicted(db, key);
    }
    this.host.stats.set(this.host.id, STAT_MEMORY, this.own());
    return ok;
  }

  /**
   * The next key to evict. shoal keeps no per-key access clock, so the LRU and LFU policies (like
   * the random ones) take keys in a round-robin walk over every database and slot, which spreads
   * evictions over the keyspace instead of emptying one slot; volatile-ttl takes the key with the
   * nearest expiry among maxmemory-samples candidates, as Redis does.
   */
  private pickVictim(volatileOnly: boolean, byTtl: boolean): [Database, string] | null {
    const dbs = this.host.keyspace.dbs;
    for (let tried = 0; tried < dbs.length; tried++) {
      const dbIndex = this.nextDb;
      this.nextDb = (this.nextDb + 1) % dbs.length;
      const db = dbs[dbIndex]!;
      if (db.size === 0 || (volatileOnly && db.expires.size === 0)) continue;
      const cursor = (this.evictCursors[dbIndex] ??= { slot: 0, keys: null, expires: null });
      const key = volatileOnly ? this.nextVolatile(db, cursor, byTtl) : this.nextKey(db, cursor);
      if (key === null) continue;
      if (!db.has(key)) continue;
      return [db, key];
    }
    return null;
  }

  private nextKey(db: Database, cursor: Cursor): string | null {
    for (let visited = 0; visited <= 16384; ) {
      if (cursor.keys !== null) {
        const next = cursor.keys.next();
        if (!next.done) return next.value;
        cursor.keys = null;
        cursor.slot = (cursor.slot + 1) % 16384;
        visited++;
      }
      const keys = this.host.ownsSlot(cursor.slot) ? db.slotKeys(cursor.slot) : [];
      if (keys.length > 0) cursor.keys = keys.values();
      else {
        cursor.slot = (cursor.slot + 1) % 16384;
        visited++;
      }
    }
    return null;
  }

  private nextVolatile(db: Database, cursor: Cursor, byTtl: boolean): string | null {
    const samples = byTtl ? Math.max(1, this.host.config.maxmemorySamples) : 1;
    let best: string | null = null;
    let bestAt = Infinity;
    for (let i = 0, restarts = 0; i < samples && restarts < 2; ) {
      if (cursor.expires === null) cursor.expires = db.expires.entries();
      const next = cursor.expires.next();
      if (next.done) {
        cursor.expires = null;
        restarts++;
        continue;
      }
      i++;
      const [key, at] = next.value;
      if (at < bestAt) {
        best = key;
        bestAt = at;
      }
    }
    return best;
  }
}
