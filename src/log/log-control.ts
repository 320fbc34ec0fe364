/**
 * The protocol between the shard workers and the log thread, all in shared memory (no messages on
 * the write path).
 *
 * Each shard worker owns one effect ring (SpscRing, producer = the worker, consumer = the log thread)
 * and writes every write's deterministic effect into it as a REQUEST frame (src/ipc/frames.ts): the
 * global sequence number in reqId, the database in db, the transaction id in txId (0 = none), the
 * effect command in argv. A worker takes its sequence number with Atomics.add on the shared
 * `sequence` Int32 and writes its frames in the order it took the numbers, so each ring is ordered by
 * sequence; across rings the numbers are consecutive (modulo 2^32) but a frame may become visible
 * after frames with higher numbers in other rings. The log thread emits strictly in sequence order.
 *
 * `logControl` is an Int32Array of 4 words:
 *   ACTIVE   1 while the log thread consumes the rings; the workers record nothing while it is 0.
 *            The log thread reads the sequence counter first and then stores 1, so every number
 *            taken afterwards is >= the value it read: that value is the first sequence it expects.
 *   SLEEPING 1 while the log thread waits for effects (Atomics.waitAsync on this word, with a short
 *            timeout). A producer that finds 1 after committing frames may store 0 and
 *            Atomics.notify(logControl, SLEEPING) to wake it at once; without a notify the log thread
 *            wakes on its timeout (a few ms), so notifying is an optimisation, never required.
 *   MERGED   the next sequence number the log thread has not merged yet (everything before it was
 *            merged into the stream and handed to the AOF writer / backlog).
 *   DURABLE  the next sequence number that is not durable yet: with appendfsync always everything
 *            before it is fsynced; with everysec/no (or appendonly no) everything before it has been
 *            written to the file (or merged). A worker answering an `appendfsync always` write waits
 *            until DURABLE passes its sequence (compare modulo 2^32, see seqBefore).
 */
export const LOG_ACTIVE = 0;
export const LOG_SLEEPING = 1;
export const LOG_MERGED = 2;
export const LOG_DURABLE = 3;
export const LOG_CONTROL_BYTES = 16;

/** True when sequence a comes before b (uint32 numbers compared modulo 2^32). */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

/** Wakes a sleeping log thread (for producers; cheap when it is awake). */
export function wakeLogThread(control: Int32Array): void {
  if (Atomics.load(control, LOG_SLEEPING) === 1) {
    Atomics.store(control, LOG_SLEEPING, 0);
    Atomics.notify(control, LOG_SLEEPING);
  }
}
