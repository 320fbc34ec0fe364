// Point-in-time snapshots of the whole keyspace, taken while every worker keeps serving (the
// coordinator side; the worker side is shard-snapshot.ts).
//
//   const result = await streamRdbSnapshot(shard, (chunk) => ..., { kind: 'sync' });
//
// 1. The coordinator (the worker that runs this) locks every worker in ascending order, as any
//    cross-shard transaction does, and starts a ShardSnapshot on each ('@snapshot-begin'). While all
//    are locked no write runs anywhere, so the snapshot is the keyspace just before global write
//    sequence `result.sequence` (the next number EffectLog hands out): every effect numbered below it
//    is in the snapshot, none at or above it. `atPoint(sequence)` runs there, still locked (a
//    rewrite emits its marker effect at exactly that number). Then every worker is unlocked.
// 2. It asks each worker for chunks ('@snapshot-chunk'), one request outstanding per worker, each
//    answered with a few ms of serialization done in the worker's turn, between its clients'
//    commands. Chunks are runs of RDB key entries after a SELECTDB (any order is a valid file).
// 3. streamRdbSnapshot wraps them in one RDB file (header and aux fields, EOF, CRC-64) through an
//    RdbFileWriter; the sink sees the file's bytes in order.
import type { Shard } from '../shard/shard.ts';
import { arrayElements, integerReply, isErrorReply, stringReply } from '../resp/reply-scan.ts';
import { RdbFileWriter, type RdbSaveOptions } from './rdb-file.ts';
import type { SnapshotKind } from './persistence-state.ts';
import { ABORTED_SNAPSHOT } from './snapshot-ops.ts';

export interface SnapshotOptions {
  kind: SnapshotKind;
  /** Runs while every worker is locked, at the snapshot's point: the next global write sequence. */
  atPoint?: (sequence: number) => void;
  /** Runs once every worker is unlocked and serializing (the client of BGSAVE is answered then). */
  onStarted?: (sequence: number) => void;
  /** Awaited between chunks (a slow consumer, e.g. a replica link, holds the snapshot back). */
  backpressure?: () => Promise<void>;
  /** Asked between chunk requests: an error stops the snapshot with it (a killed AOF rewrite). */
  abortedBy?: () => Error | null;
}

export interface SnapshotResult {
  /** Every write numbered below this sequence is in the snapshot, none from it on. */
  sequence: number;
  keys: number;
  /** Bytes serialized early because a write or read touched a slot before its turn. */
  cowBytes: number;
}

/** Thrown when another snapshot runs (BGSAVE answers "already in progress", BGREWRITEAOF likewise). */
export class SnapshotBusyError extends Error {
  readonly running: SnapshotKind;
  constructor(running: SnapshotKind) {
    super(`a ${running} snapshot is in progress`);
    this.running = running;
  }
}

/** Thrown when FLUSHALL dropped the snapshot (a BGSAVE ends neither ok nor failed, as Redis's killed child). */
export class SnapshotAbortedError extends Error {
  constructor() {
    super('the snapshot was aborted');
  }
}

/** rdb-key-save-delay's pacing: the longest wait before asking a paused worker again (a FLUSHALL is noticed this soon). */
const MAX_PACING_WAIT_MS = 100;

let nextSnapshotId = 1;

/**
 * A chunk is a few ms of work: a worker that has not answered for this long is stuck, and the save
 * fails (reported, retried by its caller) rather than showing "in progress" forever.
 */
const CHUNK_DEADLINE_MS = 60_000;

function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} for ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** Where a bulk reply's payload starts and ends. */
function bulkPayload(reply: Buffer): Buffer {
  const eol = reply.indexOf(13);
  const len = Number(reply.toString('latin1', 1, eol));
  return reply.subarray(eol + 2, eol + 2 + len);
}

/**
 * Streams a point-in-time snapshot of every worker's keys as chunks of RDB key entries (no header,
 * no EOF). Rejects with SnapshotBusyError when a snapshot already runs.
 */
export async function streamSnapshotEntries(shard: Shard, onChunk: (chunk: Buffer) => void, options: SnapshotOptions): Promise<SnapshotResult> {
  const id = `${shard.id}.${nextSnapshotId++}`;
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  let sequence = 0;
  let busy: SnapshotKind | null = null;
  const begun: number[] = [];
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  try {
    // Every lock is held: the workers start their parts in parallel.
    const replies = await Promise.all(workers.map((w) => shard.request(w, ['@snapshot-begin', id, options.kind], 0, 2, txId)));
    replies.forEach((reply, w) => {
      if (!isErrorReply(reply)) begun.push(w);
      else busy = (stringReply(reply) ?? '').split(' ').pop() as SnapshotKind;
    });
    if (busy === null) {
      sequence = shard.effects.nextSequence();
      options.atPoint?.(sequence);
    }
  } catch (err) {
    for (const w of begun) shard.send(w, ['@snapshot-abort', id], 0, 2, null, txId);
    throw err;
  } finally {
    if (busy !== null) for (const w of begun) shard.send(w, ['@snapshot-abort', id], 0, 2, null, txId);
    for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
  if (busy !== null) throw new SnapshotBusyError(busy);
  options.onStarted?.(sequence);

  let keys = 0;
  let cowBytes = 0;
  let failure: unknown = null;
  const drainWorker = async (w: number): Promise<void> => {
    for (;;) {
      failure ??= options.abortedBy?.() ?? null;
      if (failure !== null) {
        shard.send(w, ['@snapshot-abort', id], 0, 2, null);
        return;
      }
      // One chunk per turn of this worker's event loop: the next request goes out after its I/O
      // was polled, so neither this worker nor the serializing one runs chunks back to back while
      // their clients' commands wait.
      await new Promise<void>((resolve) => setImmediate(resolve));
      const reply = await withDeadline(shard.request(w, ['@snapshot-chunk', id], 0, 2), CHUNK_DEADLINE_MS, `worker ${w} did not answer a snapshot chunk request`);
      if (isErrorReply(reply)) {
        const message = stringReply(reply) ?? 'snapshot chunk failed';
        throw message === ABORTED_SNAPSHOT ? new SnapshotAbortedError() : new Error(message);
      }
      const done = arrayElements(reply);
      if (done !== null && done.length === 1) {
        // Paced by rdb-key-save-delay: nothing before this many ms.
        const wait = Math.min(MAX_PACING_WAIT_MS, integerReply(reply, done[0]![0])!);
        await new Promise<void>((resolve) => setTimeout(resolve, wait));
        continue;
      }
      if (done !== null) {
        keys += integerReply(reply, done[0]![0])!;
        cowBytes += integerReply(reply, done[1]![0])!;
        return;
      }
      const chunk = bulkPayload(reply);
      try {
        if (chunk.length > 0) onChunk(chunk);
        if (options.backpressure !== undefined) await options.backpressure();
      } catch (err) {
        failure = err;
      }
    }
  };
  await Promise.all(workers.map((w) => drainWorker(w).catch((err: unknown) => {
    failure ??= err;
    // Its part may still be running (its hooks set): drop it.
    shard.send(w, ['@snapshot-abort', id], 0, 2, null);
  })));
  if (failure !== null) throw failure;
  return { sequence, keys, cowBytes };
}

/**
 * A point-in-time snapshot as one whole RDB file (header, aux fields, every worker's keys, EOF,
 * CRC-64) handed to `sink` chunk by chunk, in order. The reusable form for BGSAVE, the AOF rewrite's
 * RDB preamble and a replica's full resync.
 */
export async function streamRdbSnapshot(
  shard: Shard,
  sink: (chunk: Buffer) => void,
  options: SnapshotOptions & { rdb?: RdbSaveOptions },
): Promise<SnapshotResult & { bytes: number }> {
  const writer = new RdbFileWriter(sink, {
    compression: shard.config.rdbcompression,
    checksum: shard.config.rdbchecksum,
    ...options.rdb,
  });
  writer.begin();
  const result = await streamSnapshotEntries(shard, (chunk) => writer.appendEntries(chunk), options);
  writer.end();
  return { ...result, bytes: writer.written };
}
