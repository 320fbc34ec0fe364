// Reply encoder: the add-reply helpers of Redis's networking.c, writing RESP2 or RESP3 (per HELLO)
// straight into one growing output Buffer per connection. Strings are latin1 (one byte per char, the
// same convention as the request parser), so values round-trip binary-safe.
//
// Hot-path choices: numbers and length headers are written digit by digit into the buffer (no
// toString), strings go through latin1Write, the buffer grows geometrically, and take() hands the
// pending bytes to socket.write (see take() for the copy-versus-handover measurement).

import { latin1Write } from './latin1.ts';
import { formatDouble } from './format-double.ts';

const CR = 0x0d;
const LF = 0x0a;
const MINUS = 0x2d;

const DEFAULT_SIZE = 16 * 1024;
/**
 * take() copies out up to this many bytes and keeps its buffer; beyond it, it hands the buffer over and
 * starts a fresh one. Measured in bench/micro/resp.bench.ts: copying small batches out of a reused
 * buffer is cheaper than allocating a new 16KB buffer each time (small copies come from Node's slab
 * pool), while for large batches the copy dominates.
 */
const HANDOVER_THRESHOLD = 64 * 1024;

/** Number of decimal digits of a non-negative safe integer. */
function digitCount(n: number): number {
  if (n < 10) return 1;
  if (n < 100) return 2;
  if (n < 1000) return 3;
  if (n < 10000) return 4;
  if (n < 100000) return 5;
  if (n < 1000000) return 6;
  if (n < 10000000) return 7;
  if (n < 100000000) return 8;
  if (n < 1000000000) return 9;
  let count = 10;
  let limit = 10000000000;
  while (n >= limit && count < 16) {
    count++;
    limit *= 10;
  }
  return count;
}

/**
 * Error replies written by this thread, by error code (the first word), as Redis counts them where it
 * writes them (INFO errorstats, total_error_replies).
 */
export const errorReplyCounts = new Map<string, number>();

/** Every error reply written by this thread (a command whose run moves it failed: INFO failed_calls). */
export const errorReplyTotal = { count: 0 };

function countError(s: string): void {
  errorReplyTotal.count++;
  const space = s.indexOf(' ');
  const code = space < 0 ? s : s.slice(0, space);
  errorReplyCounts.set(code, (errorReplyCounts.get(code) ?? 0) + 1);
}

/** Strings up to this length are copied into the reply by a JavaScript loop (see text()). */
const SHORT_TEXT = 10;

export class ReplyWriter {
  proto: 2 | 3 = 2;
  /** Error replies written through this writer: whether a command's own reply was an error (failed_calls). */
  errorsWritten = 0;
  buf: Buffer;
  pos = 0;
  private readonly initialSize: number;

  constructor(initialSize: number = DEFAULT_SIZE) {
    this.initialSize = initialSize;
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  /** Makes room for n more bytes, doubling so appends stay amortized O(1). */
  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Writes the digits of a non-negative safe integer; the caller has ensured room. */
  private writeUnsigned(n: number): void {
    const buf = this.buf;
    const digits = digitCount(n);
    let p = this.pos + digits;
    this.pos = p;
    if (n <= 0x7fffffff) {
      // Lengths and most integers: 32-bit integer division, where Math.floor of a float division
      // costs several times more per digit.
      let v = n | 0;
      do {
        const q = (v / 10) | 0;
        buf[--p] = 0x30 + v - q * 10;
        v = q;
      } while (v > 0);
      return;
    }
    do {
      const q = Math.floor(n / 10);
      buf[--p] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  /** Writes "<prefix><n>\r\n" for a length or count (n >= -1). */
  private header(prefix: number, n: number): void {
    this.ensure(24);
    const buf = this.buf;
    buf[this.pos++] = prefix;
    if (n < 0) {
      buf[this.pos++] = MINUS;
      n = -n;
    }
    if (n < 10) {
      buf[this.pos++] = 0x30 + n;
    } else {
      this.writeUnsigned(n);
    }
    buf[this.pos++] = CR;
    buf[this.pos++] = LF;
  }

  private crlf(): void {
    const buf = this.buf;
    buf[this.pos++] = CR;
    buf[this.pos++] = LF;
  }

  /** "<prefix>s\r\n" for a line type (simple string, error, RESP3 double/big number). */
  private line(prefix: number, s: string): void {
    this.ensure(s.length + 3);
    this.buf[this.pos++] = prefix;
    this.text(s);
    this.crlf();
  }

  simple(s: string): void {
    this.line(0x2b /* + */, s);
  }

  /** s already carries its code ("ERR syntax error", "WRONGTYPE ..."). */
  error(s: string): void {
    this.line(0x2d /* - */, s);
    this.errorsWritten++;
    countError(s);
  }

  /** An error reply left out of INFO errorstats (a script's error already counted where it arose). */
  errorUncounted(s: string): void {
    this.line(0x2d /* - */, s);
    this.errorsWritten++;
  }

  integer(n: number | bigint): void {
    if (typeof n === 'number' && Number.isSafeInteger(n)) {
      this.header(0x3a /* : */, n);
      return;
    }
    // bigint and integers beyond 2^53 are rare (INCR near the int64 limits): exact text is fine.
    this.line(0x3a, typeof n === 'bigint' ? n.toString() : String(Math.trunc(n)));
  }

  bulk(s: string): void {
    const len = s.length;
    this.header(0x24 /* $ */, len);
    this.ensure(len + 2);
    this.text(s);
    this.crlf();
  }

  /**
   * The latin1 bytes of s at pos; the caller has ensured room. Short strings (OK, small values and
   * integers) are copied in JavaScript: the native latin1Write costs ~50 ns a call, a loop over up
   * to 10 chars 10-20 ns (measured on the 2-core VM, best of 7).
   */
  private text(s: string): void {
    const n = s.length;
    if (n <= SHORT_TEXT) {
      const buf = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) buf[p + i] = s.charCodeAt(i);
      this.pos = p + n;
    } else {
      this.pos += latin1Write(this.buf, s, this.pos);
    }
  }

  /**
   * Starts a bulk reply of `length` bytes that the caller copies to buf at the returned position,
   * then ends with endBulk(length).
   */
  beginBulk(length: number): number {
    this.header(0x24 /* $ */, length);
    this.ensure(length + 2);
    return this.pos;
  }

  endBulk(length: number): void {
    this.pos += length;
    this.crlf();
  }

  bulkBuffer(b: Uint8Array): void {
    const len = b.length;
    this.header(0x24, len);
    this.ensure(len + 2);
    this.buf.set(b, this.pos);
    this.pos += len;
    this.crlf();
  }

  nil(): void {
    if (this.proto === 3) this.raw3(0x5f /* _ */);
    else this.header(0x24, -1);
  }

  nullArray(): void {
    if (this.proto === 3) this.raw3(0x5f);
    else this.header(0x2a, -1);
  }

  /** "<c>\r\n" */
  private raw3(c: number): void {
    this.ensure(3);
    const buf = this.buf;
    buf[this.pos++] = c;
    buf[this.pos++] = CR;
    buf[this.pos++] = LF;
  }

  array(n: number): void {
    this.header(0x2a /* * */, n);
  }

  /** n key/value pairs. */
  map(n: number): void {
    if (this.proto === 3) this.header(0x25 /* % */, n);
    else this.header(0x2a, n * 2);
  }

  set(n: number): void {
    this.header(this.proto === 3 ? 0x7e /* ~ */ : 0x2a, n);
  }

  push(n: number): void {
    this.header(this.proto === 3 ? 0x3e /* > */ : 0x2a, n);
  }

  double(d: number): void {
    const s = formatDouble(d);
    if (this.proto === 3) this.line(0x2c /* , */, s);
    else this.bulk(s);
  }

  bool(b: boolean): void {
    if (this.proto === 3) {
      this.ensure(4);
      const buf = this.buf;
      buf[this.pos++] = 0x23; // #
      buf[this.pos++] = b ? 0x74 /* t */ : 0x66 /* f */;
      this.crlf();
    } else {
      this.header(0x3a, b ? 1 : 0);
    }
  }

  /** RESP3 verbatim string "=<len>\r\n<fmt>:<s>\r\n" (format is 3 chars, "txt" or "mkd"); RESP2 bulk. */
  verbatim(s: string, format: string = 'txt'): void {
    if (this.proto !== 3) {
      this.bulk(s);
      return;
    }
    this.header(0x3d /* = */, s.length + 4);
    this.ensure(s.length + 6);
    this.pos += latin1Write(this.buf, format, this.pos);
    this.buf[this.pos++] = 0x3a; // :
    this.pos += latin1Write(this.buf, s, this.pos);
    this.crlf();
  }

  bigNumber(s: string): void {
    if (this.proto === 3) this.line(0x28 /* ( */, s);
    else this.bulk(s);
  }

  /** Pre-encoded protocol bytes (shared replies, a reply already encoded elsewhere). */
  raw(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** raw() of the bytes [start, end) of b, without a view of them (a short range is copied by a loop). */
  rawRange(b: Uint8Array, start: number, end: number): void {
    const length = end - start;
    this.ensure(length);
    const buf = this.buf;
    if (length <= 32) {
      let pos = this.pos;
      for (let i = start; i < end; i++) buf[pos++] = b[i]!;
    } else {
      buf.set(b.subarray(start, end), this.pos);
    }
    this.pos += length;
  }

  /**
   * Returns the pending bytes [0, pos) as a Buffer that stays valid after later writes, and empties
   * the writer. Small batches are copied out (the copy is cheap and the writer keeps its warm
   * buffer); large ones hand the buffer itself over and a fresh one is allocated.
   */
  take(): Buffer {
    const n = this.pos;
    this.pos = 0;
    if (n <= HANDOVER_THRESHOLD) {
      const out = Buffer.allocUnsafe(n);
      this.buf.copy(out, 0, 0, n);
      return out;
    }
    const out = this.buf.subarray(0, n);
    this.buf = Buffer.allocUnsafe(this.initialSize);
    return out;
  }

  /**
   * The pending bytes [0, pos) where they are, for a socket write that usually completes at once;
   * the caller then calls sent() to say whether the write still holds them.
   */
  pending(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /**
   * After writing pending(): the writer starts empty again, on the same buffer when the write is done
   * with it (the kernel took every byte during write(): no copy and no allocation per batch), else
   * on a fresh one, the pending write keeping the old.
   */
  sent(stillHeld: boolean): void {
    this.pos = 0;
    if (stillHeld || this.buf.length > 4 * HANDOVER_THRESHOLD) this.buf = Buffer.allocUnsafe(this.initialSize);
  }

  reset(): void {
    this.pos = 0;
    // A buffer that grew for one huge reply should not stay pinned by an idle connection.
    if (this.buf.length > 4 * HANDOVER_THRESHOLD) this.buf = Buffer.allocUnsafe(this.initialSize);
  }
}

export { formatDouble } from './format-double.ts';
