// The worker side of background persistence, as internal operations ('@...' requests between
// workers, wired in src/shard/internal-ops.ts): start this worker's part of a snapshot, hand out its
// chunks, drop it, and record how a save or rewrite ended.
import type { Request } from '../ipc/frames.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { Shard } from '../shard/shard.ts';
import { slotRange } from '../ipc/slot-table.ts';
import { ShardSnapshot, type ChunkBudget } from './shard-snapshot.ts';
import type { SnapshotKind } from './persistence-state.ts';

/**
 * How much one chunk may cost the worker: a client whose command arrives meanwhile waits at most
 * about this long. SHOAL_SNAPSHOT_CHUNK_MS overrides the time (for measurements).
 */
const CHUNK_BUDGET: ChunkBudget = {
  ms: Number(process.env.SHOAL_SNAPSHOT_CHUNK_MS ?? 2),
  bytes: 512 * 1024,
};

/**
 * rdb-key-save-delay (microseconds per key, a debugging knob Redis's tests use to keep a save
 * running): Redis's child sleeps after each key; here a chunk holds about a budget's worth of delayed
 * keys and the next one is not served before their delay has passed. The worker never sleeps.
 */
function pacedBudget(delayUs: number): ChunkBudget {
  return { ms: CHUNK_BUDGET.ms, bytes: CHUNK_BUDGET.bytes, keys: Math.max(1, Math.floor((CHUNK_BUDGET.ms * 1000) / delayUs)) };
}

/** '@snapshot-begin id kind' (under the coordinator's lock of every worker). */
export function snapshotBegin(shard: Shard, request: Request, out: ReplyWriter): void {
  const p = shard.persistence;
  const running = p.running ?? p.snapshot?.kind ?? null;
  if (running !== null) {
    out.error(`ERR snapshot in progress ${running}`);
    return;
  }
  const [, id, kind] = request.argv as [string, string, SnapshotKind];
  const config = shard.config;
  p.snapshot = new ShardSnapshot(id, kind, shard.keyspace, slotRange(shard.id, shard.workerCount), {
    compression: config.rdbcompression,
    listMaxListpackSize: config.listMaxListpackSize,
  });
  p.running = kind;
  p.runningSince = Date.now();
  // As Redis's rdb_saves: every background save started, whether it then succeeds or not.
  if (kind === 'rdb') p.rdbSaves++;
  p.backgroundJobsStarted++;
  p.dirtyAtSnapshot = shard.executor.dirty;
  out.simple('OK');
}

/** '@snapshot-chunk id': a bulk chunk of key entries, or [keys, cowBytes] once this worker is done. */
export function snapshotChunk(shard: Shard, request: Request, out: ReplyWriter): void {
  const p = shard.persistence;
  const snapshot = p.snapshot;
  if (snapshot === null || snapshot.id !== request.argv[1]) {
    out.error(request.argv[1] === p.abortedSnapshotId ? ABORTED_SNAPSHOT : 'ERR no such snapshot');
    return;
  }
  // Every worker serializes its part in parallel: each waits workerCount times the delay, so the
  // save lasts about keys x delay, as Redis's single child does.
  // Redis's AOF rewrite sleeps per key too (its tests keep a rewrite running with it), and so does
  // the child that makes a replica's payload (its tests keep a full resync in progress with it).
  const delayUs = snapshot.kind === 'rdb' || snapshot.kind === 'aof' || snapshot.kind === 'sync' ? Number(shard.config.get('rdb-key-save-delay') ?? 0) * shard.workerCount : 0;
  if (delayUs > 0) {
    const wait = snapshot.resumeAt - Date.now();
    if (wait > 0) {
      // [ms to wait]: the coordinator asks again later.
      out.array(1);
      out.integer(Math.ceil(wait));
      return;
    }
  }
  const keysBefore = snapshot.keys;
  const chunk = snapshot.nextChunk(delayUs > 0 ? pacedBudget(delayUs) : CHUNK_BUDGET);
  if (delayUs > 0) snapshot.resumeAt = Date.now() + ((snapshot.keys - keysBefore) * delayUs) / 1000;
  if (chunk.length === 0 && snapshot.finished) {
    snapshot.release();
    p.snapshot = null;
    p.finishedPart = snapshot;
    out.array(2);
    out.integer(snapshot.keys);
    out.integer(snapshot.cowBytes);
    return;
  }
  out.bulkBuffer(chunk);
}

/** '@snapshot-abort id': the coordinator gave up (busy elsewhere, disk error). */
export function snapshotAbort(shard: Shard, request: Request, out: ReplyWriter): void {
  const p = shard.persistence;
  const snapshot = p.snapshot;
  // '*rdb': whichever BGSAVE runs (the final save at shutdown replaces it, as Redis kills its child).
  const id = request.argv[1];
  if (snapshot !== null && (snapshot.id === id || (id === '*rdb' && snapshot.kind === 'rdb'))) {
    snapshot.release();
    p.snapshot = null;
  }
  out.simple('OK');
}

/**
 * FLUSHALL while a BGSAVE runs: as Redis kills its saving child, this worker drops its part; the
 * coordinator's next chunk request gets ABORTED_SNAPSHOT and the save ends without counting as an
 * error (no MISCONF, rdb_last_bgsave_status unchanged).
 */
export function abortRdbSnapshot(shard: Shard): void {
  const p = shard.persistence;
  const snapshot = p.snapshot ?? p.finishedPart;
  // A replica's payload too ('sync'): Redis kills that child as well; the replica syncs again.
  if ((p.running !== 'rdb' && p.running !== 'sync') || snapshot === null || snapshot.kind !== p.running) return;
  snapshot.release();
  p.snapshot = null;
  p.finishedPart = null;
  p.abortedSnapshotId = snapshot.id;
}

export const ABORTED_SNAPSHOT = 'ERR snapshot aborted';

/**
 * '@persistence-done kind ok|err endedAtMs seconds cowBytes': a background job ended (sent to every
 * worker by its coordinator). A successful RDB save moves LASTSAVE and leaves as unsaved only the
 * changes made after the snapshot's point.
 */
export function persistenceDone(shard: Shard, request: Request, out: ReplyWriter): void {
  const p = shard.persistence;
  const [, kind, status, endedAt, seconds, cowBytes] = request.argv as [string, SnapshotKind, string, string, string, string];
  const ok = status === 'ok';
  if (p.running === kind) p.running = null;
  p.finishedPart = null;
  if (kind === 'rdb' && status === 'aborted') {
    // Killed on purpose (FLUSHALL): neither a success nor an error.
    p.lastBgsaveTimeSec = Number(seconds);
  } else if (kind === 'rdb') {
    p.lastBgsaveOk = ok;
    p.lastBgsaveTimeSec = Number(seconds);
    p.lastCowSize = Number(cowBytes);
    if (ok) {
      shard.lastSave = Number(endedAt);
      shard.dirtyAtLastSave = p.dirtyAtSnapshot;
    }
  } else if (kind === 'aof') {
    p.lastAofRewriteOk = ok;
    p.lastAofRewriteTimeSec = Number(seconds);
    p.aofLastCowSize = Number(cowBytes);
    if (ok) {
      p.aofRewrites++;
      p.aofRewriteFailures = 0;
      p.aofWaitingRewrite = false;
      // A worker whose cron has not seen appendonly turn on yet must not start waiting after this.
      p.appendonlySeen = shard.config.appendonly;
    } else p.aofRewriteFailures++;
  }
  out.simple('OK');
}

/** '@aof-replaying 1|0': DEBUG LOADAOF's replay runs (no effects are recorded meanwhile). */
export function aofReplaying(shard: Shard, request: Request, out: ReplyWriter): void {
  shard.persistence.replayingAof = request.argv[1] === '1';
  // Nothing expires while the AOF loads (as Redis while loading).
  shard.keyspace.loading = shard.persistence.replayingAof;
  // What was replayed is not a change since the last save (Redis sets dirty to 0 after loading).
  if (!shard.persistence.replayingAof) shard.dirtyAtLastSave = shard.executor.dirty;
  out.simple('OK');
}
