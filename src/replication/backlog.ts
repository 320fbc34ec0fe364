// The replication backlog: the last repl-backlog-size bytes of the replication stream, in a ring kept
// in a SharedArrayBuffer (other threads may read it), with Redis's offsets: master_repl_offset counts
// every byte ever fed, the ring holds histlen bytes ending at it, and the first byte it holds has
// offset master_repl_offset - histlen + 1 (repl_backlog_first_byte_offset).

export class ReplicationBacklog {
  private ring: Buffer;
  /** master_repl_offset: bytes of the stream so far (the offset of the last byte). */
  offset: number;
  /** Bytes of the stream the ring holds (at most its size). */
  histlen = 0;
  /** Where the next byte goes in the ring. */
  private head = 0;

  constructor(size: number, startOffset = 0) {
    this.ring = Buffer.from(new SharedArrayBuffer(Math.max(16 * 1024, size)));
    this.offset = startOffset;
  }

  get size(): number {
    return this.ring.length;
  }

  /** repl_backlog_first_byte_offset (Redis reports master_repl_offset + 1 for an empty backlog). */
  get firstByteOffset(): number {
    return this.offset - this.histlen + 1;
  }

  append(bytes: Buffer, start = 0, end = bytes.length): void {
    let length = end - start;
    this.offset += length;
    const size = this.ring.length;
    if (length >= size) {
      start = end - size;
      length = size;
    }
    const first = Math.min(length, size - this.head);
    bytes.copy(this.ring, this.head, start, start + first);
    if (first < length) bytes.copy(this.ring, 0, start + first, end);
    this.head = (this.head + length) % size;
    this.histlen = Math.min(size, this.histlen + length);
  }

  /** True when the stream from `from` (the offset of its first byte) up to now is in the ring. */
  holds(from: number): boolean {
    return from >= this.firstByteOffset && from <= this.offset + 1;
  }

  /** The bytes from offset `from` (see holds()) to the end, as a copy. */
  copyFrom(from: number): Buffer {
    const length = this.offset + 1 - from;
    const out = Buffer.allocUnsafe(length);
    const size = this.ring.length;
    const start = (this.head - length + size) % size;
    const first = Math.min(length, size - start);
    this.ring.copy(out, 0, start, start + first);
    if (first < length) this.ring.copy(out, first, 0, length - first);
    return out;
  }

  /** CONFIG SET repl-backlog-size: a new ring keeping the newest bytes that fit. */
  resize(size: number): void {
    size = Math.max(16 * 1024, size);
    if (size === this.ring.length) return;
    const keep = Math.min(size, this.histlen);
    const tail = this.copyFrom(this.offset + 1 - keep);
    this.ring = Buffer.from(new SharedArrayBuffer(size));
    tail.copy(this.ring, 0);
    this.head = keep % size;
    this.histlen = keep;
  }

  /** Forgets the history (a replica that resynchronized from scratch): the stream goes on from `offset`. */
  reset(offset: number): void {
    this.offset = offset;
    this.histlen = 0;
    this.head = 0;
  }
}
