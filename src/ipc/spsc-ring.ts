/**
 * A single-producer single-consumer byte ring in a SharedArrayBuffer. Frames are 4-byte aligned and
 * never wrap: when a frame does not fit before the end, the producer writes a wrap marker and starts
 * again at offset 0, so a consumer can read any frame in place from one contiguous region.
 *
 * Layout: Int32 header [head, tail] (byte counters that run modulo 2^32), then the data area.
 * head is written only by the producer, tail only by the consumer.
 */
const HEAD = 0;
const TAIL = 1;
const HEADER_BYTES = 16;
const WRAP_MARKER = 0xffffffff;

export function createRingBuffer(capacity: number): SharedArrayBuffer {
  if ((capacity & (capacity - 1)) !== 0 || capacity < 1024) throw new Error('ring capacity must be a power of two >= 1024');
  return new SharedArrayBuffer(HEADER_BYTES + capacity);
}

export class SpscRing {
  readonly header: Int32Array;
  /** The data area, as a Buffer so that latin1 strings are written and read without copies. */
  readonly data: Buffer;
  readonly capacity: number;
  private readonly mask: number;

  constructor(sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.mask = this.capacity - 1;
    this.data = Buffer.from(sab, HEADER_BYTES, this.capacity);
  }

  /** Largest frame this ring takes; larger ones travel another way (see PeerLink). */
  get maxFrame(): number {
    return this.capacity >>> 2;
  }

  // ---- producer side ----

  /**
   * Reserves a frame of `length` bytes (the frame's own 4-byte length word included) and returns its
   * offset in `data`, or -1 when the ring has no room now. The frame becomes visible at commit().
   */
  reserve(length: number): number {
    const size = (length + 3) & ~3;
    const head = Atomics.load(this.header, HEAD) >>> 0;
    const tail = Atomics.load(this.header, TAIL) >>> 0;
    const used = (head - tail) >>> 0;
    const offset = head & this.mask;
    const contiguous = this.capacity - offset;
    if (size <= contiguous) {
      if (used + size > this.capacity) return -1;
      return offset;
    }
    // Skip the tail end of the area: it needs room for the skipped bytes and the frame at 0.
    if (used + contiguous + size > this.capacity) return -1;
    this.data.writeUInt32LE(WRAP_MARKER, offset);
    Atomics.store(this.header, HEAD, (head + contiguous) | 0);
    return 0;
  }

  /** Publishes the frame reserved at `offset` with total `length` bytes. */
  commit(offset: number, length: number): void {
    const size = (length + 3) & ~3;
    this.data.writeUInt32LE(length, offset);
    const head = Atomics.load(this.header, HEAD) >>> 0;
    Atomics.store(this.header, HEAD, (head + size) | 0);
  }

  // ---- consumer side ----

  isEmpty(): boolean {
    return Atomics.load(this.header, HEAD) === Atomics.load(this.header, TAIL);
  }

  /** Offset of the next frame (its length word), or -1 when empty. Skips wrap markers. */
  peek(): number {
    for (;;) {
      const head = Atomics.load(this.header, HEAD);
      const tail = Atomics.load(this.header, TAIL);
      if (head === tail) return -1;
      const offset = (tail >>> 0) & this.mask;
      if (this.data.readUInt32LE(offset) === WRAP_MARKER) {
        Atomics.store(this.header, TAIL, ((tail >>> 0) + (this.capacity - offset)) | 0);
        continue;
      }
      return offset;
    }
  }

  frameLength(offset: number): number {
    return this.data.readUInt32LE(offset);
  }

  /** Frees the frame at the read position (after the consumer is done with its bytes). */
  release(offset: number): void {
    const size = (this.data.readUInt32LE(offset) + 3) & ~3;
    const tail = Atomics.load(this.header, TAIL) >>> 0;
    Atomics.store(this.header, TAIL, (tail + size) | 0);
  }
}
