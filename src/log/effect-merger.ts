import { SpscRing } from '../ipc/spsc-ring.ts';
import { FRAME_REQUEST, REQUEST_HEADER } from '../ipc/frames.ts';
import { latin1Slice } from '../resp/latin1.ts';
import { seqBefore } from './log-control.ts';

/**
 * One write effect, read in place from its worker's ring. The merger reuses a single instance: a
 * sink reads (or copies) what it needs before it returns, after which the ring space is released.
 */
export class EffectFrame {
  data: Buffer = Buffer.alloc(0);
  /** Offset of the frame (its length word) in data. */
  offset = 0;
  seq = 0;
  db = 0;
  txId = 0;
  argc = 0;
  /** The worker whose ring held it. */
  worker = 0;

  load(worker: number, data: Buffer, offset: number): void {
    this.worker = worker;
    this.data = data;
    this.offset = offset;
    this.db = data[offset + 5]!;
    this.seq = data.readUInt32LE(offset + 8);
    this.txId = data.readUInt32LE(offset + 12);
    this.argc = data.readUInt32LE(offset + 24);
  }

  /** Offset of the first argument's length word; each argument is (length u32, bytes). */
  get argsOffset(): number {
    return this.offset + REQUEST_HEADER;
  }

  /** The effect command as latin1 strings (binary-safe). Allocates: for tests and the backlog's debug paths. */
  argv(): string[] {
    const out = new Array<string>(this.argc);
    let pos = this.argsOffset;
    for (let i = 0; i < this.argc; i++) {
      const len = this.data.readUInt32LE(pos);
      pos += 4;
      out[i] = len === 0 ? '' : latin1Slice(this.data, pos, pos + len);
      pos += len;
    }
    return out;
  }
}

export type EffectSink = (effect: EffectFrame) => void;

/**
 * Merges the per-worker effect rings into one stream in global sequence order. Each ring is ordered
 * by sequence (a worker takes its numbers with Atomics.add and writes them in that order), and the
 * numbers are consecutive across all rings, so the next effect of the stream is always at the head of
 * some ring, or not written yet: then the merger waits for it (a worker may have taken n and not
 * written it while another already wrote n+1). Nothing is dropped or emitted twice; an emitted frame's
 * ring space is released right after the sink returns.
 */
export class EffectMerger {
  private readonly rings: SpscRing[];
  private readonly frame = new EffectFrame();
  private next: number;
  /** The ring that held the last effect: the next one is often in the same ring. */
  private lastRing = 0;
  /** Effects emitted so far. */
  merged = 0;
  /** Frames found before the expected sequence (a protocol violation), released without emitting. */
  stale = 0;
  /** Sequence numbers given up by skipGap() (only at shutdown, after a worker died mid-write). */
  skipped = 0;

  constructor(ringBuffers: readonly SharedArrayBuffer[], firstSequence: number) {
    this.rings = ringBuffers.map((sab) => new SpscRing(sab));
    this.next = firstSequence >>> 0;
  }

  /** The sequence number of the next effect to emit. */
  get nextSequence(): number {
    return this.next;
  }

  /** Emits the effects that are next in sequence and already written, at most `max`; returns how many. */
  drain(sink: EffectSink, max = Number.MAX_SAFE_INTEGER): number {
    const rings = this.rings;
    const n = rings.length;
    const frame = this.frame;
    let count = 0;
    search: while (count < max) {
      let r = this.lastRing;
      for (let k = 0; k < n; k++) {
        const ring = rings[r]!;
        const offset = ring.peek();
        if (offset >= 0) {
          const seq = ring.data.readUInt32LE(offset + 8);
          if (seq === this.next) {
            if (ring.data[offset + 4] === FRAME_REQUEST) {
              frame.load(r, ring.data, offset);
              try {
                sink(frame);
              } finally {
                ring.release(offset);
                this.next = (this.next + 1) >>> 0;
                this.lastRing = r;
                this.merged++;
              }
              count++;
            } else {
              ring.release(offset);
              this.stale++;
            }
            continue search;
          }
          if (seqBefore(seq, this.next)) {
            ring.release(offset);
            this.stale++;
            continue search;
          }
        }
        r = r + 1 === n ? 0 : r + 1;
      }
      break;
    }
    return count;
  }

  /** True when some ring holds effects that wait for a missing earlier sequence number. */
  waitingForGap(): boolean {
    for (const ring of this.rings) if (ring.peek() >= 0) return true;
    return false;
  }

  /** True when every ring is empty. */
  isEmpty(): boolean {
    for (const ring of this.rings) if (!ring.isEmpty()) return false;
    return true;
  }

  /**
   * Gives up the missing sequence numbers before the earliest effect written: for shutdown only,
   * when the workers are gone and one of them took a number it never wrote. Returns how many.
   */
  skipGap(): number {
    let earliest = -1;
    for (const ring of this.rings) {
      const offset = ring.peek();
      if (offset < 0) continue;
      const seq = ring.data.readUInt32LE(offset + 8);
      if (earliest < 0 || seqBefore(seq, earliest)) earliest = seq;
    }
    if (earliest < 0) return 0;
    const gap = (earliest - this.next) >>> 0;
    this.next = earliest >>> 0;
    this.skipped += gap;
    return gap;
  }
}
