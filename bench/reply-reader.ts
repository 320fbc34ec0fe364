// Reading replies on the bench client. The client needs to know where each top-level reply ends,
// whether it is an error (and which), and its size; it never needs the reply's value. Two readers
// implement the same interface: RespReplyReader (hand-written, below) and RedisParserReplyReader
// (redis-parser). bench/micro/reply-reader.bench.ts measures both; the faster one is the default
// (see DEFAULT_REPLY_READER in redis-parser-reader.ts and bench/RESULTS.md).

export interface ReplySink {
  /** A complete top-level reply that is not an error; byteLength is its size on the wire. */
  onReply(byteLength: number): void;
  /** A complete top-level error reply ("-ERR ..." or a RESP3 blob error). */
  onErrorReply(message: string, byteLength: number): void;
}

export interface ReplyReader {
  /** Reads bytes [0, length) of `chunk`; the caller may reuse `chunk` afterwards. */
  feed(chunk: Buffer, length: number): void;
}

export type ReplyReaderName = 'resp' | 'redis-parser';

const CR = 13;
const INCOMPLETE = -1;

/**
 * A RESP2/RESP3 reply scanner. It skips over each reply without materializing it, so it allocates
 * nothing per reply (only an error's message is turned into a string). A reply split across chunks
 * is kept in a pending buffer and rescanned from its start when more bytes arrive.
 */
export class RespReplyReader implements ReplyReader {
  private readonly sink: ReplySink;
  private pending: Buffer = Buffer.allocUnsafe(4096);
  private pendingLength = 0;

  constructor(sink: ReplySink) {
    this.sink = sink;
  }

  feed(chunk: Buffer, length: number): void {
    let buffer = chunk;
    let end = length;
    if (this.pendingLength > 0) {
      this.appendPending(chunk, length);
      buffer = this.pending;
      end = this.pendingLength;
    }
    const sink = this.sink;
    let position = 0;
    while (position < end) {
      const type = buffer[position];
      // The replies of a SET/GET load (+OK, $<n> bulk strings, $-1) are read here, in one pass over
      // their header, instead of through readTopLevel and skipValue: ~half of the reader's time.
      if (type === 0x2b /* + */) {
        const lineEnd = findCR(buffer, position + 1, end);
        if (lineEnd === INCOMPLETE || lineEnd + 1 >= end) break;
        sink.onReply(lineEnd + 2 - position);
        position = lineEnd + 2;
        continue;
      }
      if (type === 0x24 /* $ */) {
        let i = position + 1;
        const negative = i < end && buffer[i] === 0x2d;
        if (negative) i++;
        let length = 0;
        for (; i < end; i++) {
          const digit = buffer[i];
          if (digit === CR) break;
          length = length * 10 + (digit - 0x30);
        }
        if (i + 1 >= end) break;
        // $-1 (a miss) has no body. Written so that the same additions run for both: a GET load's
        // first replies are all misses, and an addition first reached after V8 optimised this loop
        // (it has no type feedback for it) deoptimised it.
        let body = length + 2;
        if (negative) body = 0;
        const next = i + 2 + body;
        if (next > end) break;
        sink.onReply(next - position);
        position = next;
        continue;
      }
      const next = this.readTopLevel(buffer, position, end);
      if (next === INCOMPLETE) break;
      position = next;
    }
    this.keepRemainder(buffer, position, end);
  }

  private appendPending(chunk: Buffer, length: number): void {
    const needed = this.pendingLength + length;
    if (needed > this.pending.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.pending.length * 2));
      this.pending.copy(grown, 0, 0, this.pendingLength);
      this.pending = grown;
    }
    chunk.copy(this.pending, this.pendingLength, 0, length);
    this.pendingLength = needed;
  }

  private keepRemainder(buffer: Buffer, position: number, end: number): void {
    const remaining = end - position;
    if (remaining === 0) {
      this.pendingLength = 0;
      return;
    }
    if (buffer === this.pending) {
      if (position > 0) this.pending.copy(this.pending, 0, position, end);
    } else {
      if (remaining > this.pending.length) this.pending = Buffer.allocUnsafe(remaining * 2);
      buffer.copy(this.pending, 0, position, end);
    }
    this.pendingLength = remaining;
  }

  /** Reads one top-level reply at `start`; returns the position after it or INCOMPLETE. */
  private readTopLevel(buffer: Buffer, start: number, end: number): number {
    const type = buffer[start];
    if (type === 0x2d /* - */) {
      const lineEnd = findCR(buffer, start + 1, end);
      if (lineEnd === INCOMPLETE || lineEnd + 1 >= end) return INCOMPLETE;
      this.sink.onErrorReply(buffer.toString('latin1', start + 1, lineEnd), lineEnd + 2 - start);
      return lineEnd + 2;
    }
    if (type === 0x21 /* ! blob error (RESP3) */) {
      const next = skipValue(buffer, start, end);
      if (next === INCOMPLETE) return INCOMPLETE;
      const headerEnd = findCR(buffer, start + 1, end);
      this.sink.onErrorReply(buffer.toString('latin1', headerEnd + 2, next - 2), next - start);
      return next;
    }
    const next = skipValue(buffer, start, end);
    if (next === INCOMPLETE) return INCOMPLETE;
    // Push messages (">") arrive out of band and attributes ("|") annotate the reply that follows:
    // neither answers a request.
    if (type !== 0x3e /* > */ && type !== 0x7c /* | */) this.sink.onReply(next - start);
    return next;
  }
}

/** Index of the CR that ends the line starting at `from`, or INCOMPLETE. */
function findCR(buffer: Buffer, from: number, end: number): number {
  for (let i = from; i < end; i++) {
    if (buffer[i] === CR) return i;
  }
  return INCOMPLETE;
}

/** Parses the signed decimal in buffer[from, to). */
function parseLength(buffer: Buffer, from: number, to: number): number {
  let negative = false;
  let i = from;
  if (buffer[i] === 0x2d) {
    negative = true;
    i++;
  }
  let value = 0;
  for (; i < to; i++) value = value * 10 + (buffer[i] - 0x30);
  return negative ? -value : value;
}

/** Skips one RESP2/RESP3 value at `start`; returns the position after it or INCOMPLETE. */
function skipValue(buffer: Buffer, start: number, end: number): number {
  if (start >= end) return INCOMPLETE;
  const type = buffer[start];
  const lineEnd = findCR(buffer, start + 1, end);
  if (lineEnd === INCOMPLETE || lineEnd + 1 >= end) return INCOMPLETE;
  const afterLine = lineEnd + 2;
  switch (type) {
    case 0x2b: // + simple string
    case 0x2d: // - error
    case 0x3a: // : integer
    case 0x5f: // _ null
    case 0x23: // # boolean
    case 0x2c: // , double
    case 0x28: // ( big number
      return afterLine;
    case 0x24: // $ bulk string
    case 0x3d: // = verbatim string
    case 0x21: {
      // ! blob error
      const length = parseLength(buffer, start + 1, lineEnd);
      if (length < 0) return afterLine; // $-1 null bulk
      const next = afterLine + length + 2;
      return next <= end ? next : INCOMPLETE;
    }
    case 0x2a: // * array
    case 0x7e: // ~ set
    case 0x3e: // > push
    case 0x25: // % map
    case 0x7c: {
      // | attribute
      let count = parseLength(buffer, start + 1, lineEnd);
      if (count < 0) return afterLine; // *-1 null array
      if (type === 0x25 || type === 0x7c) count *= 2;
      let position = afterLine;
      for (let i = 0; i < count; i++) {
        position = skipValue(buffer, position, end);
        if (position === INCOMPLETE) return INCOMPLETE;
      }
      return position;
    }
    default:
      throw new Error(`protocol error: unexpected reply type byte 0x${type.toString(16)}`);
  }
}
