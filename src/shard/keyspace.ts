import { Database } from './database.ts';
import type { RedisValue } from '../types/value.ts';

export const DATABASE_COUNT = 16;

/** What the keyspace tells its worker about changes it makes on its own (lazy and active expiry). */
export interface KeyspaceListener {
  /** A key was removed because its time ran out: propagate DEL, notify 'expired', invalidate WATCH. */
  keyExpired(db: Database, key: string): void;
  /** A key came into existence (the 'new' keyspace event). */
  keyCreated?(db: Database, key: string): void;
}

/**
 * The keys of one shard worker in every database. Families read and write values only through this
 * class and Database, so the store can change underneath them. Expiry is applied on lookup (lazy
 * expiry); the active cycle lives in expiry.ts.
 */
export class Keyspace {
  readonly dbs: Database[] = [];
  /** Milliseconds of the command being executed: one clock reading per command, as Redis does. */
  now = Date.now();
  hits = 0;
  misses = 0;
  expiredKeys = 0;
  /** A replica never deletes on its own: keys expire logically and the primary's DEL removes them. */
  isReplica = false;
  /**
   * CLIENT PAUSE: until then expired keys are not deleted (reads still see them as gone), as Redis
   * does, so that a paused server's dataset, and what it propagates, do not change.
   */
  expiryPausedUntil = 0;
  /**
   * While the AOF is replayed nothing expires (Redis's keyIsExpired while loading): a key given a
   * past PEXPIREAT keeps its value and its later writes, and expires once the load is over.
   */
  loading = false;
  private readonly listener: KeyspaceListener;

  constructor(listener: KeyspaceListener) {
    this.listener = listener;
    for (let i = 0; i < DATABASE_COUNT; i++) this.dbs.push(new Database(i));
  }

  /** True when the key has an expiry in the past (the key may or may not exist). */
  isExpired(db: Database, key: string): boolean {
    if (db.expires.size === 0 || this.loading) return false;
    const at = db.expires.get(key);
    return at !== undefined && at <= this.now;
  }

  /** On a replica: the command running is from a client of this replica, not the master client. */
  replicaClientWriting = false;
  /** On a replica: the command running is the master client's. */
  masterClientRunning = false;

  /** Deletes an expired key as expiry does (counted, notified). */
  deleteExpired(db: Database, key: string): void {
    db.delete(key);
    this.expiredKeys++;
    this.listener.keyExpired(db, key);
  }

  /** Removes the key if it has expired; true when it did (or, on a replica, when it logically has). */
  expireIfNeeded(db: Database, key: string): boolean {
    if (!this.isExpired(db, key)) return false;
    // On a replica the master client sees the key as it is (the primary decides: its DEL follows).
    if (this.isReplica) return !this.masterClientRunning;
    if (this.now < this.expiryPausedUntil) return true;
    db.delete(key);
    this.expiredKeys++;
    this.listener.keyExpired(db, key);
    return true;
  }

  /**
   * A value for a read command: counts keyspace hits and misses, and stamps the key as accessed
   * unless `touch` is false (Redis's LOOKUP_NOTOUCH: TYPE, TTL, EXISTS, OBJECT).
   */
  lookupRead(db: Database, key: string, touch = true): RedisValue | undefined {
    if (this.expireIfNeeded(db, key)) {
      this.misses++;
      return undefined;
    }
    const value = touch ? db.getTouched(key) : db.get(key);
    if (value === undefined) this.misses++;
    else this.hits++;
    return value;
  }

  /** A value for a write command (no hit/miss counting). */
  lookupWrite(db: Database, key: string): RedisValue | undefined {
    if (this.expireIfNeeded(db, key)) {
      // A writable replica's own client writing an expired key deletes it first, as Redis does (the
      // master client never does: the primary's DEL is on its way).
      if (this.replicaClientWriting && db.has(key)) this.deleteExpired(db, key);
      return undefined;
    }
    return db.getTouched(key);
  }

  /** True if the key exists and has not expired, without counting a hit or a miss. */
  exists(db: Database, key: string): boolean {
    if (this.expireIfNeeded(db, key)) return false;
    return db.has(key);
  }

  /**
   * Stores a value. As Redis's setKey: an existing key's expiry is removed unless keepTtl, since SET
   * and friends replace the whole key.
   */
  setKey(db: Database, key: string, value: RedisValue, keepTtl = false): void {
    if (db.set(key, value)) this.listener.keyCreated?.(db, key);
    else if (!keepTtl && db.expires.size !== 0) db.removeExpire(key);
  }

  /** Adds a key the caller knows is absent (after a lookupWrite miss); keeps no expiry. */
  addKey(db: Database, key: string, value: RedisValue): void {
    if (db.set(key, value)) this.listener.keyCreated?.(db, key);
  }

  /** Replaces the value of an existing key, keeping its expiry (in-place type conversions). */
  overwriteValue(db: Database, key: string, value: RedisValue): void {
    db.set(key, value);
  }

  deleteKey(db: Database, key: string): boolean {
    return db.delete(key);
  }

  /** Milliseconds left, or -1 without expiry, or -2 when the key does not exist (TTL's codes). */
  ttlMs(db: Database, key: string): number {
    if (!this.exists(db, key)) return -2;
    const at = db.getExpire(key);
    if (at === undefined) return -1;
    const left = at - this.now;
    return left < 0 ? 0 : left;
  }

  totalKeys(): number {
    let n = 0;
    for (const db of this.dbs) n += db.size;
    return n;
  }
}
