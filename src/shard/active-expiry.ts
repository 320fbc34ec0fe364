// Redis's adaptive active expiry (expire.c activeExpireCycle), run by each shard worker over its own
// keys. Lazy expiry only removes keys that are accessed; this cycle samples keys with an expiry and
// deletes the expired ones, and keeps going on a database while the sample says more than an
// acceptable share of its volatile keys are already stale, within a time budget.
//
// Redis samples by walking the buckets of its expires hash table with a cursor kept per database. A
// JS Map has no random access, so each database keeps a persistent iterator over its expires Map and
// resumes it on the next loop, restarting from the beginning at the end: the same round-robin walk,
// in insertion order instead of hash order.

import type { Database } from './database.ts';
import type { Keyspace } from './keyspace.ts';

/** Keys sampled per database per loop at effort 1 (ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP). */
const KEYS_PER_LOOP = 20;
/** Budget of a fast cycle at effort 1, in microseconds (ACTIVE_EXPIRE_CYCLE_FAST_DURATION). */
const FAST_DURATION_US = 1000;
/** Share of a server.hz period a slow cycle may use at effort 1 (ACTIVE_EXPIRE_CYCLE_SLOW_TIME_PERC). */
const SLOW_TIME_PERC = 25;
/** Percentage of stale keys in a sample above which the database is sampled again (effort 1). */
const ACCEPTABLE_STALE = 10;
/** The clock is read every this many loops only (Redis checks once every 16 iterations). */
const TIME_CHECK_INTERVAL = 16;

/** The tuning expire.c derives from active-expire-effort (1..10). */
export interface ExpiryTuning {
  keysPerLoop: number;
  fastDurationUs: number;
  slowTimePerc: number;
  acceptableStale: number;
}

export function expiryTuning(activeExpireEffort: number): ExpiryTuning {
  const effort = Math.min(Math.max(Math.trunc(activeExpireEffort), 1), 10) - 1;
  return {
    keysPerLoop: KEYS_PER_LOOP + (KEYS_PER_LOOP / 4) * effort,
    fastDurationUs: FAST_DURATION_US + (FAST_DURATION_US / 4) * effort,
    slowTimePerc: SLOW_TIME_PERC + 2 * effort,
    acceptableStale: ACCEPTABLE_STALE - effort,
  };
}

/** The time a slow cycle may take when run hz times a second: the worker passes it to cycle(). */
export function slowCycleTimeLimitMs(hz: number, activeExpireEffort: number): number {
  const limit = (expiryTuning(activeExpireEffort).slowTimePerc * 1000) / hz / 100;
  return limit > 0 ? limit : 0.001;
}

/** Where the walk over one database's expires Map stands. */
interface ExpiresCursor {
  /** The Map the iterator walks: SWAPDB exchanges Maps between databases, so it is checked on use. */
  map: Map<string, number>;
  iterator: MapIterator<[string, number]>;
}

export class ActiveExpiry {
  /** Running estimate of the share of sampled volatile keys that were already expired (0..1). */
  expiredStalePerc = 0;
  /** Slow cycles that stopped on their time limit (INFO expired_time_cap_reached_count). */
  expiredTimeCapReachedCount = 0;
  /** Time spent in cycles, ms (INFO expire_cycle_cpu_milliseconds). */
  expireCycleTimeUsedMs = 0;
  /** Running average TTL of the not yet expired sampled keys, per database index (INFO keyspace avg_ttl). */
  readonly avgTtl: number[];

  private readonly keyspace: Keyspace;
  private readonly effortFromConfig: () => number;
  private readonly cursors: Array<ExpiresCursor | undefined>;
  /** Next database to sample: a cycle that runs out of time resumes with the next one. */
  private currentDb = 0;
  /** Whether the last cycle stopped on its time limit. */
  private timeLimitExit = false;
  private lastFastCycleMs = 0;
  private readonly sampleKeys: string[] = [];
  private readonly sampleTimes: number[] = [];

  constructor(keyspace: Keyspace, effortFromConfig: () => number) {
    this.keyspace = keyspace;
    this.effortFromConfig = effortFromConfig;
    this.cursors = new Array(keyspace.dbs.length);
    this.avgTtl = new Array<number>(keyspace.dbs.length).fill(0);
  }

  /**
   * The INFO stats fields of this worker, formatted as Redis prints them. Merging workers: average
   * expired_stale_perc, add the others.
   */
  infoFields(): Array<[string, string]> {
    return [
      ['expired_stale_perc', (this.expiredStalePerc * 100).toFixed(2)],
      ['expired_time_cap_reached_count', String(this.expiredTimeCapReachedCount)],
      ['expire_cycle_cpu_milliseconds', String(Math.trunc(this.expireCycleTimeUsedMs))],
    ];
  }

  /** The slow cycle, run every 1000/hz ms with slowCycleTimeLimitMs(hz, effort). */
  cycle(timeLimitMs: number): void {
    this.run(timeLimitMs, expiryTuning(this.effortFromConfig()));
  }

  /**
   * The fast cycle Redis runs before sleeping in each event loop turn: only when the last slow cycle
   * ran out of time or the stale estimate is high, and not more often than twice its own budget.
   */
  fastCycle(): void {
    const tuning = expiryTuning(this.effortFromConfig());
    if (!this.timeLimitExit && this.expiredStalePerc * 100 < tuning.acceptableStale) return;
    const start = performance.now();
    if (start < this.lastFastCycleMs + (tuning.fastDurationUs * 2) / 1000) return;
    this.lastFastCycleMs = start;
    this.run(tuning.fastDurationUs / 1000, tuning);
  }

  private run(timeLimitMs: number, tuning: ExpiryTuning): void {
    const keyspace = this.keyspace;
    // A replica never expires keys on its own: it waits for the primary's DEL.
    if (keyspace.isReplica || keyspace.loading || Date.now() < keyspace.expiryPausedUntil) return;
    const dbs = keyspace.dbs;
    const start = performance.now();
    const clockBefore = keyspace.now;
    let iteration = 0;
    let totalSampled = 0;
    let totalExpired = 0;
    this.timeLimitExit = false;

    for (let j = 0; j < dbs.length && !this.timeLimitExit; j++) {
      const db = dbs[this.currentDb % dbs.length]!;
      // Advance first so that a cycle that runs out of time in this database starts with the next one.
      this.currentDb = (this.currentDb + 1) % dbs.length;
      let sampled: number;
      let expired: number;
      do {
        iteration++;
        const volatile = db.expires.size;
        if (volatile === 0) {
          this.avgTtl[db.index] = 0;
          break;
        }
        // expireIfNeeded compares with the keyspace clock: read the real one once per loop, as Redis
        // calls mstime() once per loop. No command is executing while the cycle runs.
        const now = Date.now();
        keyspace.now = now;
        sampled = this.sample(db, Math.min(volatile, tuning.keysPerLoop));
        expired = 0;
        let ttlSum = 0;
        let ttlSamples = 0;
        for (let k = 0; k < sampled; k++) {
          const key = this.sampleKeys[k]!;
          const at = this.sampleTimes[k]!;
          if (keyspace.expireIfNeeded(db, key)) expired++;
          else if (at - now > 0) {
            ttlSum += at - now;
            ttlSamples++;
          }
        }
        totalSampled += sampled;
        totalExpired += expired;
        if (ttlSamples > 0) this.updateAvgTtl(db, Math.trunc(ttlSum / ttlSamples));

        if (iteration % TIME_CHECK_INTERVAL === 0 && performance.now() - start > timeLimitMs) {
          this.timeLimitExit = true;
          this.expiredTimeCapReachedCount++;
          break;
        }
        // Sample this database again while the stale share is above the acceptable one.
      } while (sampled === 0 || Math.trunc((expired * 100) / sampled) > tuning.acceptableStale);
    }

    keyspace.now = clockBefore;
    this.expireCycleTimeUsedMs += performance.now() - start;
    const currentPerc = totalSampled > 0 ? totalExpired / totalSampled : 0;
    this.expiredStalePerc = currentPerc * 0.05 + this.expiredStalePerc * 0.95;
  }

  /**
   * Reads the next `count` entries of db's expires Map in the persistent walk into sampleKeys and
   * sampleTimes (reused between loops) and returns how many it read. They are all read before any is
   * deleted, so the deletions cannot disturb the walk.
   */
  private sample(db: Database, count: number): number {
    const map = db.expires;
    let cursor = this.cursors[db.index];
    if (cursor === undefined || cursor.map !== map) {
      cursor = { map, iterator: map.entries() };
      this.cursors[db.index] = cursor;
    }
    let n = 0;
    let restarted = false;
    while (n < count) {
      const next = cursor.iterator.next();
      if (next.done === true) {
        // Wrapping twice in one sample would return keys already in it.
        if (restarted) break;
        restarted = true;
        cursor.iterator = map.entries();
        continue;
      }
      this.sampleKeys[n] = next.value[0];
      this.sampleTimes[n] = next.value[1];
      n++;
    }
    return n;
  }

  /** Running average: the new sample weighs 2%, as in Redis. */
  private updateAvgTtl(db: Database, avg: number): void {
    let current = this.avgTtl[db.index]!;
    if (current === 0) current = avg;
    this.avgTtl[db.index] = Math.trunc(current / 50) * 49 + Math.trunc(avg / 50);
  }
}
