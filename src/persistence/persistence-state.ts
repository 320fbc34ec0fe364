// What one shard worker knows about background persistence: its part of a running snapshot, and
// the figures INFO persistence reports (every worker keeps the same copy: the coordinator of a save
// or rewrite tells all of them when it starts and ends, so any worker answers INFO, BGSAVE's "already
// in progress" and the MISCONF check on its own).
import type { ShardSnapshot } from './shard-snapshot.ts';

export type SnapshotKind = 'rdb' | 'aof' | 'sync';

export class PersistenceState {
  /** This worker's part of the running snapshot, until its last chunk is taken. */
  snapshot: ShardSnapshot | null = null;
  /** This worker's part once all of it went out, while the job still runs elsewhere (INFO's progress). */
  finishedPart: ShardSnapshot | null = null;
  /** The id of the snapshot FLUSHALL dropped here (its coordinator is told so at its next request). */
  abortedSnapshotId = '';
  /** The kind of the background job running anywhere (set at its start on every worker), or null. */
  running: SnapshotKind | null = null;
  runningSince = 0;
  /** executor.dirty when the running snapshot started (changes after it still count as unsaved). */
  dirtyAtSnapshot = 0;

  /** The last RDB load (start-up, DEBUG RELOAD): keys in the file kept, and dropped as expired (every worker reads the whole file and counts them all). */
  lastLoadKeysLoaded = 0;
  lastLoadKeysExpired = 0;

  lastBgsaveOk = true;
  lastBgsaveTimeSec = -1;
  lastCowSize = 0;
  /** A BGSAVE SCHEDULE waits for the running job to end. */
  bgsaveScheduled = false;

  aofRewriteScheduled = false;
  lastAofRewriteOk = true;
  lastAofRewriteTimeSec = -1;
  aofLastCowSize = 0;
  aofRewrites = 0;
  aofRewriteFailures = 0;
  rdbSaves = 0;
  /** Background jobs started (saves, AOF rewrites, full syncs): INFO's total_forks, as each forks in Redis. */
  backgroundJobsStarted = 0;
  /** appendonly was turned on at runtime and the first base is not written yet (Redis's AOF_WAIT_REWRITE). */
  aofWaitingRewrite = false;
  /** DEBUG LOADAOF is replaying the AOF: its writes record no effects (they are in the AOF already). */
  replayingAof = false;
  /** The appendonly value the persistence cron last acted on (a change to yes starts the wait above). */
  appendonlySeen: boolean | null = null;
  /** Size of the AOF after the last rewrite (auto-aof-rewrite-percentage's base), and now. */
  aofBaseSize = 0;

  /**
   * This worker's part of the running background job: [bytes copied on write, keys serialized, keys
   * when it started] (summed over the workers for INFO's current_cow_size, current_save_keys_*).
   */
  progress(): [number, number, number] | undefined {
    const part = this.running !== null ? (this.snapshot ?? this.finishedPart) : null;
    return part === null ? undefined : [part.cowBytes, part.keys, part.totalKeys];
  }

  /** Whether a background save is running (rdb_bgsave_in_progress): a replica's payload is one, as Redis's child makes it. */
  get bgsaveInProgress(): boolean {
    return this.running === 'rdb' || this.running === 'sync';
  }

  get aofRewriteInProgress(): boolean {
    return this.running === 'aof';
  }
}

/**
 * Redis's MISCONF reply (shared.bgsaveerr): writes are refused while the last background save
 * failed, stop-writes-on-bgsave-error is yes and save points are configured.
 */
export const MISCONF_ERROR =
  "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/**
 * writeCommandsDeniedByDiskError: true when write commands (and PING) get MISCONF. Callers test
 * `!state.lastBgsaveOk` first, so the check costs one field read while saves succeed.
 */
export function writesDeniedByDiskError(state: PersistenceState, stopWritesOnBgsaveError: boolean, savePoints: number): boolean {
  return !state.lastBgsaveOk && stopWritesOnBgsaveError && savePoints > 0;
}
