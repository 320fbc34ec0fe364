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
  // Each thread uses an instance as producer or as consumer, never both: its own index is kept
  // locally, and the other side's is re-read (an atomic load) only when the ring looks full or
  // empty, so a frame costs one atomic store instead of four loads and a store.
  private head: number;
  private tail: number;
  private seenTail: number;
  private seenHead: number;

  constructor(sab: SharedArrayBuffer) {
    this.header = new Int32Array(sab, 0, HEADER_BYTES / 4);
    this.capacity = sab.byteLength - HEADER_BYTES;
    this.mask = this.capacity - 1;
    this.data = Buffer.from(sab, HEADER_BYTES, this.capacity);
    this.head = this.seenHead = Atomics.load(this.header, HEAD) >>> 0;
    this.tail = this.seenTail = Atomics.load(this.header, TAIL) >>> 0;
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
    const head = this.head;
    const offset = head & this.mask;
    const contiguous = this.capacity - offset;
    // Room needed: the frame, plus the skipped end of the area when it does not fit before it.
    const need = size <= contiguous ? size : contiguous + size;
    if (((head - this.seenTail) >>> 0) + need > this.capacity) {
      this.seenTail = Atomics.load(this.header, TAIL) >>> 0;
      if (((head - this.seenTail) >>> 0) + need > this.capacity) return -1;
    }
    if (size <= contiguous) return offset;
    this.data.writeUInt32LE(WRAP_MARKER, offset);
    this.head = (head + contiguous) >>> 0;
    Atomics.store(this.header, HEAD, this.head | 0);
    return 0;
  }

  /** Publishes the frame reserved at `offset` with total `length` bytes. */
  commit(offset: number, length: number): void {
    const size = (length + 3) & ~3;
    this.data.writeUInt32LE(length, offset);
    this.head = (this.head + size) >>> 0;
    Atomics.store(this.header, HEAD, this.head | 0);
  }

  // ---- consumer side ----

  /** A fresh look at the producer's index (the consumer's check before it sleeps). */
  isEmpty(): boolean {
    this.seenHead = Atomics.load(this.header, HEAD) >>> 0;
    return this.seenHead === this.tail;
  }

  /** Offset of the next frame (its length word), or -1 when empty. Skips wrap markers. */
  peek(): number {
    for (;;) {
      if (this.tail === this.seenHead) {
        this.seenHead = Atomics.load(this.header, HEAD) >>> 0;
        if (this.tail === this.seenHead) return -1;
      }
      const offset = this.tail & this.mask;
      if (this.data.readUInt32LE(offset) === WRAP_MARKER) {
        this.tail = (this.tail + (this.capacity - offset)) >>> 0;
        Atomics.store(this.header, TAIL, this.tail | 0);
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
    this.tail = (this.tail + size) >>> 0;
    Atomics.store(this.header, TAIL, this.tail | 0);
  }
}
