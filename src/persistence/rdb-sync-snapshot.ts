// The RDB payload of a replica's full resync, taken as BGSAVE takes its file: a copy-on-write
// snapshot (snapshot-stream.ts, shard-snapshot.ts). Every worker is locked only for the moment the
// snapshot's point is fixed; the keys are then serialized in small chunks between the workers'
// other work, so the primary keeps serving while a large dataset is encoded.
//
//   // Streamed (diskless, $EOF:<mark> format): chunks go out as they are made.
//   const { sequence } = await streamSyncRdb(shard, (chunk) => socket.write(chunk), {
//     streamDb, backpressure: () => drained(socket), onPoint: (seq) => startStreamAt(seq),
//   });
//   // Whole (the $<length> format needs the length first): a drop-in for takeReplicationSnapshot.
//   const { rdb, seq } = await takeSyncRdb(shard, streamDb);
//
// The replication stream after the payload starts with write sequence `sequence`: every effect
// numbered below it is in the payload, none at or above it. Writes go on while the payload is
// made, so the effects from `sequence` on must be kept (backlog) until the replica gets them.
import type { Shard } from '../shard/shard.ts';
import { SnapshotBusyError, streamRdbSnapshot } from './snapshot-stream.ts';
import { announceDone } from './background-job.ts';

/** How often a full resync asks again while another snapshot (BGSAVE, AOF rewrite, another sync) runs. */
const BUSY_RETRY_MS = 50;

export interface SyncRdbOptions {
  /** The aux field repl-stream-db: the database the stream after the payload continues in. */
  streamDb?: number;
  /** Awaited between chunks: a slow replica holds the snapshot back instead of buffering it all. */
  backpressure?: () => Promise<void>;
  /** Runs once the snapshot's point is fixed (the workers unlocked), with its write sequence. */
  onPoint?: (sequence: number) => void;
  /** Asked before every chunk request (also while rdb-key-save-delay paces it): an error stops the snapshot with it. */
  abortedBy?: () => Error | null;
}

export interface SyncRdbResult {
  /** The replication stream after the payload starts at this write sequence. */
  sequence: number;
  /** Bytes of the payload. */
  bytes: number;
  keys: number;
}

/**
 * Streams a point-in-time RDB payload to `sink`, chunk by chunk, in order (a chunk is the sink's to
 * keep: it is not reused). Waits while another snapshot runs, as one runs at a time. Rejects if a
 * worker fails to serialize its part, or with what `sink`/`backpressure` threw (the snapshot is
 * dropped on every worker either way).
 */
export async function streamSyncRdb(shard: Shard, sink: (chunk: Buffer) => void, options: SyncRdbOptions = {}): Promise<SyncRdbResult> {
  for (;;) {
    const startedAt = Date.now();
    let started = false;
    try {
      const result = await streamRdbSnapshot(shard, sink, {
        kind: 'sync',
        rdb: { aux: [['repl-stream-db', String(options.streamDb ?? 0)]] },
        backpressure: options.backpressure,
        abortedBy: options.abortedBy,
        onStarted: (sequence) => {
          started = true;
          options.onPoint?.(sequence);
        },
      });
      // Every worker's 'sync' job is over (the next snapshot may start).
      announceDone(shard, 'sync', true, startedAt, result.cowBytes);
      return { sequence: result.sequence, bytes: result.bytes, keys: result.keys };
    } catch (err) {
      if (started) announceDone(shard, 'sync', false, startedAt, 0);
      if (!(err instanceof SnapshotBusyError)) throw err;
      await new Promise<void>((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}

/** The whole payload in memory and its stream's start: takeReplicationSnapshot's contract, without locking the workers while it encodes. */
export async function takeSyncRdb(shard: Shard, streamDb = 0): Promise<{ rdb: Buffer; seq: number }> {
  const chunks: Buffer[] = [];
  const result = await streamSyncRdb(shard, (chunk) => chunks.push(chunk), { streamDb });
  return { rdb: Buffer.concat(chunks, result.bytes), seq: result.sequence };
}
