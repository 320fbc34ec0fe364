import { SpscRing } from './spsc-ring.ts';
import { requestLength, encodeRequest } from './frames.ts';
import { LOG_DURABLE, wakeLogThread } from '../log/log-control.ts';

/**
 * A worker's write effects, each stamped with the next number of the global write sequence
 * (Atomics.add on one shared counter), in the worker's SPSC ring towards the log thread. The log thread
 * merges the rings of all workers by sequence into one stream. Frames reuse the REQUEST layout: the
 * sequence travels in the reqId field (uint32, compared modulo 2^32), the database in db, the
 * transaction id in txId (a MULTI that spans workers is one block: same txId on each part).
 */
export class EffectLog {
  private readonly ring: SpscRing;
  private readonly sequence: Int32Array;
  /** Word 0 of the control array: 1 while a consumer (the log thread) drains the rings. */
  private readonly control: Int32Array;
  private overflow: Buffer[] = [];
  emitted = 0;
  /** Effects recorded since the log thread was last woken. */
  private unannounced = false;

  constructor(ringSab: SharedArrayBuffer, sequenceSab: SharedArrayBuffer, controlSab: SharedArrayBuffer) {
    this.ring = new SpscRing(ringSab);
    this.sequence = new Int32Array(sequenceSab);
    this.control = new Int32Array(controlSab);
  }

  /** True when somebody reads the effects; without a reader nothing is recorded. */
  get active(): boolean {
    return Atomics.load(this.control, 0) === 1;
  }

  emit(db: number, argv: readonly string[], txId = 0): void {
    // A plain read: every write command passes here, and Atomics.load is a builtin call that V8 does
    // not inline (~2% of a write's CPU). The log thread sets the flag before it asks this worker for
    // anything that depends on it (a snapshot, a sync), and that message orders the store before
    // this read; a command racing with the switch is numbered or not, as with an atomic read.
    if (this.control[0] !== 1) return;
    const seq = Atomics.add(this.sequence, 0, 1) >>> 0;
    const length = requestLength(argv);
    this.emitted++;
    this.unannounced = true;
    if (this.overflow.length === 0) {
      const offset = this.ring.reserve(length);
      if (offset >= 0) {
        encodeRequest(this.ring.data, offset, db, 0, 0, seq, txId, 0, argv);
        this.ring.commit(offset, length);
        return;
      }
    }
    // The log thread is behind: keep order, retry at the next flush. Memory, not data, is at risk here.
    const frame = Buffer.allocUnsafe(length);
    encodeRequest(frame, 0, db, 0, 0, seq, txId, 0, argv);
    frame.writeUInt32LE(length, 0);
    this.overflow.push(frame);
  }

  /** The next sequence number to be taken: every effect recorded so far is below it. */
  nextSequence(): number {
    return Atomics.load(this.sequence, 0) >>> 0;
  }

  /** The next sequence number that is not durable yet (see src/log/log-control.ts). */
  durableSequence(): number {
    return Atomics.load(this.control, LOG_DURABLE) >>> 0;
  }

  /** Resolves when the log thread moves DURABLE (or soon after, if it already moved). */
  waitDurableChange(seen: number): Promise<unknown> {
    const wait = Atomics.waitAsync(this.control, LOG_DURABLE, seen | 0, 50);
    return wait.async ? wait.value : Promise.resolve();
  }

  /** Moves effects that waited for room into the ring; true when none are left waiting. */
  flush(): boolean {
    if (this.unannounced) {
      // The log thread may be sleeping: effects of this turn should not wait for its timeout.
      this.unannounced = false;
      wakeLogThread(this.control);
    }
    let moved = 0;
    while (moved < this.overflow.length) {
      const frame = this.overflow[moved]!;
      const offset = this.ring.reserve(frame.length);
      if (offset < 0) break;
      frame.copy(this.ring.data, offset + 4, 4);
      this.ring.commit(offset, frame.length);
      moved++;
    }
    if (moved > 0) this.overflow.splice(0, moved);
    return this.overflow.length === 0;
  }
}
