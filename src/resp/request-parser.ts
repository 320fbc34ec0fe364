// Request parser: turns the bytes a client sends into argv arrays, multibulk (RESP) and inline, with
// Redis 7.0.15's exact acceptance rules and error texts (networking.c processMultibulkBuffer and
// processInlineBuffer; checked against a real redis-server in test/unit/resp).
//
// Hot-path design (see DESIGN.md "What measurements … say"):
// - parse straight out of the Buffer the socket handed us, recording offsets, and materialize each
//   argument once as a latin1 string (binary-safe, one-byte V8 string);
// - state survives between feeds (arguments already read, the pending bulk length), so only the
//   incomplete tail of the input is ever kept, never the whole stream;
// - when a large bulk (>= 32KB, Redis's PROTO_MBULK_BIG_ARG) is incomplete, its final size is reserved
//   at once so the rest of it is appended without reallocation: O(n) for a 512MB value.

import { constants as bufferConstants } from 'node:buffer';
import { latin1Slice } from './latin1.ts';
import { INTERN_MAX, internArg, internName } from './intern.ts';
import { splitArgs } from './split-args.ts';
import { ProtocolError } from './protocol-error.ts';

export { ProtocolError } from './protocol-error.ts';

export interface ParserLimits {
  /** proto-max-bulk-len: largest accepted bulk argument (Redis default 512MB). */
  maxBulkLen: number;
  /** client-query-buffer-limit (Redis default 1GB). Enforced by the connection via bufferedBytes(). */
  maxQueryBufferLen: number;
}

// Redis's reply texts (addReplyError prefixes "ERR ").
const ERR_INVALID_MBULK = 'ERR Protocol error: invalid multibulk length';
const ERR_INVALID_BULK = 'ERR Protocol error: invalid bulk length';
const ERR_TOO_BIG_MBULK = 'ERR Protocol error: too big mbulk count string';
const ERR_TOO_BIG_BULK = 'ERR Protocol error: too big bulk count string';
const ERR_TOO_BIG_INLINE = 'ERR Protocol error: too big inline request';
const ERR_UNBALANCED = 'ERR Protocol error: unbalanced quotes in request';

/** PROTO_INLINE_MAX_SIZE: a line (inline request or length header) may not grow past this unterminated. */
const INLINE_MAX_SIZE = 64 * 1024;
/** PROTO_MBULK_BIG_ARG: bulks at least this large get their buffer reserved up front. */
const BIG_ARG = 32 * 1024;
/** Redis 7.0 accepts multibulk counts up to INT_MAX (measured: *2147483647 waits, *2147483648 errors). */
const MAX_MULTIBULK = 2147483647;
/** The longest JS string; a bulk longer than this cannot become an argv string. */
const MAX_STRING_LENGTH = bufferConstants.MAX_STRING_LENGTH;
/** A freshly allocated tail buffer is at least this big, so small tails do not reallocate per feed. */
const MIN_OWN_SIZE = 16 * 1024;
/** Headroom kept after a reserved big bulk: one socket read (64KB) that straddles its end still fits. */
const RESERVE_SLACK = 64 * 1024;

const EMPTY = Buffer.alloc(0);

const CR = 0x0d;
const LF = 0x0a;
const STAR = 0x2a;
const HASH = 0x23;
const DOLLAR = 0x24;
const MINUS = 0x2d;

// Request types, as Redis's c->reqtype.
const REQ_NONE = 0;
const REQ_MULTIBULK = 1;
const REQ_INLINE = 2;

/** string2ll's result for malformed input (Redis rejects "", "+1", "01", "-0", > 20 chars, overflow). */
const NOT_A_NUMBER = Number.NaN;

// The 19-digit magnitudes of LLONG_MAX and -LLONG_MIN, for string2ll's exact overflow check.
const LLONG_MAX_DIGITS = '9223372036854775807';
const LLONG_MIN_DIGITS = '9223372036854775808';

/**
 * Parses buf[start, end) as Redis's string2ll does. Returns NaN when Redis would reject it. Values
 * beyond 2^53 lose precision, which is harmless: every caller only compares them with limits far below.
 */
function parseLongLong(buf: Uint8Array, start: number, end: number): number {
  const len = end - start;
  if (len === 0 || len >= 21) return NOT_A_NUMBER;
  if (len === 1 && buf[start] === 0x30) return 0;
  let p = start;
  const negative = buf[p] === MINUS;
  if (negative) {
    p++;
    if (p === end) return NOT_A_NUMBER;
  }
  let c = buf[p];
  if (c < 0x31 || c > 0x39) return NOT_A_NUMBER; // first digit 1-9: no leading zeros, no "-0"
  let value = 0;
  for (; p < end; p++) {
    c = buf[p];
    if (c < 0x30 || c > 0x39) return NOT_A_NUMBER;
    value = value * 10 + (c - 0x30);
  }
  const digits = end - start - (negative ? 1 : 0);
  if (digits > 19) return NOT_A_NUMBER;
  if (digits === 19) {
    // Compare digit by digit with the 64-bit limit: doubles cannot tell ...807 from ...808.
    const limit = negative ? LLONG_MIN_DIGITS : LLONG_MAX_DIGITS;
    const first = negative ? start + 1 : start;
    for (let i = 0; i < 19; i++) {
      const d = buf[first + i];
      const l = limit.charCodeAt(i);
      if (d < l) break;
      if (d > l) return NOT_A_NUMBER;
    }
  }
  return negative ? -value : value;
}

export class RequestParser {
  limits: ParserLimits;
  /**
   * Reading an AOF file (Redis's loadSingleAppendOnlyFile): commands are multibulk only, a line
   * starting with '#' is an annotation to skip, anything else is a format error.
   */
  aofFormat = false;

  /** The bytes being parsed: the socket's own chunk when nothing was pending, else `own`. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  private end = 0;
  /** Our tail buffer: holds an incomplete request's bytes across feeds. */
  private own: Buffer | null = null;
  /** `own` is reserved for a big bulk still arriving; do not swap it for the next chunk. */
  private reserved = false;
  /**
   * Bytes after pos already scanned without finding the line terminator: a slow client sending a
   * long line byte by byte must not make every feed rescan from the start.
   */
  private scanned = 0;

  // Multibulk state, as Redis's client fields.
  private reqType = REQ_NONE;
  private multibulkLeft = 0;
  private bulkLen = -1;
  private argv: string[] = [];
  /** Arguments of the current command read so far (argv may be preallocated beyond them). */
  private argc = 0;
  /** Bytes consumed so far by the command being parsed (0 between commands). */
  private commandBytes = 0;

  constructor(limits: ParserLimits) {
    this.limits = limits;
  }

  /** Bytes received and not yet consumed by a complete argument (Redis's qbuf). */
  bufferedBytes(): number {
    return this.end - this.pos;
  }

  /**
   * Bytes of the command that is not complete yet: the parts already consumed (header, whole
   * arguments) and what is buffered. Where a torn command starts, when a stream ends in the middle
   * of one (aof-load-truncated cuts the file there).
   */
  incompleteCommandBytes(): number {
    return this.commandBytes + (this.end - this.pos);
  }

  /**
   * Takes the first `length` bytes of chunk. Until the next feed, the parser may go on reading them
   * where they are (no copy); a caller that reuses chunk calls releaseInput() first.
   */
  feed(chunk: Buffer, length = chunk.length): void {
    const add = length;
    if (add === 0) return;
    const tail = this.end - this.pos;
    if (tail === 0 && !this.reserved) {
      // Nothing pending: parse straight out of the socket's buffer, no copy.
      this.buf = chunk;
      this.pos = 0;
      this.end = add;
      this.scanned = 0;
      return;
    }
    const own = this.own;
    if (this.buf === own && own.length - this.end >= add) {
      chunk.copy(own, this.end, 0, add);
      this.end += add;
      return;
    }
    this.moveTail(tail + add, tail + add);
    chunk.copy(this.buf, this.end, 0, add);
    this.end += add;
  }

  /**
   * The caller is about to reuse the bytes it fed (a worker's shared read buffer): what is not
   * parsed yet moves to the parser's own buffer, and nothing of the caller's is referenced after.
   */
  releaseInput(): void {
    if (this.buf === this.own) return;
    if (this.end > this.pos) {
      this.moveTail(this.end - this.pos, this.end - this.pos);
      return;
    }
    this.buf = EMPTY;
    this.pos = this.end = 0;
  }

  /**
   * Moves the pending tail to the start of an owned buffer able to hold `need` bytes, allocating
   * `size` bytes if the current one is too small. Geometric growth keeps appends amortized O(1).
   */
  private moveTail(need: number, size: number): void {
    const tail = this.end - this.pos;
    let target = this.own;
    if (target === null || target.length < need) {
      target = Buffer.allocUnsafe(Math.max(size, MIN_OWN_SIZE, target === null ? 0 : Math.min(target.length * 2, size * 2)));
    }
    // Buffer#copy handles the overlapping case (target === buf) like memmove.
    if (tail > 0) this.buf.copy(target, 0, this.pos, this.end);
    this.own = target;
    this.buf = target;
    this.pos = 0;
    this.end = tail;
  }

  /** Where peekGet() / peekSet() found the key (and value) of a whole request, and where it ends. */
  peekedKeyStart = 0;
  peekedKeyEnd = 0;
  peekedValueStart = 0;
  peekedValueEnd = 0;
  private peekedEnd = 0;

  /** The bytes being parsed (peekGet's key offsets point into them). */
  input(): Buffer {
    return this.buf;
  }

  /**
   * Which of GET, SET or MSET (any case) the next request names, from its first bytes only: the
   * caller then asks the matching peek for the whole request. PEEK_NONE for anything else.
   */
  peekName(): number {
    if (this.reqType !== REQ_NONE || this.reserved || this.aofFormat) return PEEK_NONE;
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (end - p < 14 || buf[p] !== STAR) return PEEK_NONE;
    p++;
    while (p < end && buf[p]! >= 0x30 && buf[p]! <= 0x39) p++;
    if (p + 10 > end || buf[p] !== CR || buf[p + 1] !== LF || buf[p + 2] !== DOLLAR || buf[p + 4] !== CR || buf[p + 5] !== LF) return PEEK_NONE;
    const length = buf[p + 3];
    const c0 = buf[p + 6]! | 0x20;
    const c1 = buf[p + 7]! | 0x20;
    const c2 = buf[p + 8]! | 0x20;
    if (length === 0x33) {
      if (c1 !== 0x65 || c2 !== 0x74) return PEEK_NONE;
      return c0 === 0x67 ? PEEK_GET : c0 === 0x73 ? PEEK_SET : PEEK_NONE;
    }
    if (length === 0x34 && c0 === 0x6d && c1 === 0x73 && c2 === 0x65 && (buf[p + 9]! | 0x20) === 0x74) return PEEK_MSET;
    return PEEK_NONE;
  }

  /**
   * True when the next request is a whole `*2 $3 GET $n key` (GET in any case, a key of 1 to
   * PEEK_ARG_MAX bytes) already in the buffer: the key's bytes are [peekedKeyStart, peekedKeyEnd) of
   * input(). Nothing is consumed: skipPeeked() does, or next() parses the same request as usual.
   * Anything unusual (other spellings of the lengths, a missing CRLF) answers false, for next().
   */
  peekGet(): boolean {
    if (this.reqType !== REQ_NONE || this.reserved || this.aofFormat) return false;
    const buf = this.buf;
    const p = this.pos;
    if (this.end - p < 18 || buf[p] !== STAR || buf[p + 1] !== 0x32 || !this.isName(p + 4, 0x67, 0x65, 0x74)) return false;
    const keyEnd = this.peekArg(p + 13);
    if (keyEnd < 0) return false;
    this.peekedEnd = keyEnd + 2;
    return true;
  }

  /**
   * peekGet() for a plain `*3 $3 SET $n key $m value` (no options): the value's bytes are
   * [peekedValueStart, peekedValueEnd) of input().
   */
  peekSet(): boolean {
    if (this.reqType !== REQ_NONE || this.reserved || this.aofFormat) return false;
    const buf = this.buf;
    const p = this.pos;
    if (this.end - p < 23 || buf[p] !== STAR || buf[p + 1] !== 0x33 || !this.isName(p + 4, 0x73, 0x65, 0x74)) return false;
    const keyEnd = this.peekArg(p + 13);
    if (keyEnd < 0) return false;
    const keyStart = this.peekedKeyStart;
    const valueEnd = this.peekArg(keyEnd + 2);
    if (valueEnd < 0) return false;
    this.peekedValueStart = this.peekedKeyStart;
    this.peekedValueEnd = valueEnd;
    this.peekedKeyStart = keyStart;
    this.peekedKeyEnd = keyEnd;
    this.peekedEnd = valueEnd + 2;
    return true;
  }

  /**
   * The arguments peekMset() found: key i is [peekedArgs[4i], peekedArgs[4i+1]) of input(), its
   * value [peekedArgs[4i+2], peekedArgs[4i+3]).
   */
  readonly peekedArgs = new Int32Array(4 * PEEK_MSET_PAIRS);
  /** Key-value pairs peekMset() found. */
  peekedPairs = 0;

  /**
   * peekGet() for a whole `MSET k v [k v ...]` of 1 to PEEK_MSET_PAIRS pairs (MSET in any case, each
   * argument 1 to PEEK_ARG_MAX bytes).
   */
  peekMset(): boolean {
    if (this.reqType !== REQ_NONE || this.reserved || this.aofFormat) return false;
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    if (end - p < 30 || buf[p] !== STAR) return false;
    let count = 0;
    let c = buf[++p]!;
    if (c < 0x31 || c > 0x39) return false;
    while (p < end && (c = buf[p]!) >= 0x30 && c <= 0x39) {
      count = count * 10 + (c - 0x30);
      if (count > 2 * PEEK_MSET_PAIRS + 1) return false;
      p++;
    }
    if (count < 3 || (count & 1) === 0 || p + 13 >= end) return false;
    if (buf[p] !== CR || buf[p + 1] !== LF || buf[p + 2] !== DOLLAR || buf[p + 3] !== 0x34 || buf[p + 4] !== CR || buf[p + 5] !== LF) return false;
    if ((buf[p + 6]! | 0x20) !== 0x6d || (buf[p + 7]! | 0x20) !== 0x73 || (buf[p + 8]! | 0x20) !== 0x65 || (buf[p + 9]! | 0x20) !== 0x74) return false;
    if (buf[p + 10] !== CR || buf[p + 11] !== LF) return false;
    p += 12;
    const args = this.peekedArgs;
    for (let i = 0; i < count - 1; i++) {
      const argEnd = this.peekArg(p);
      if (argEnd < 0) return false;
      args[2 * i] = this.peekedKeyStart;
      args[2 * i + 1] = argEnd;
      p = argEnd + 2;
    }
    this.peekedPairs = (count - 1) >> 1;
    this.peekedEnd = p;
    return true;
  }

  /** "\r\n$3\r\n" and a three-letter command name (any case) from `at` (the byte after the count). */
  private isName(at: number, a: number, b: number, c: number): boolean {
    const buf = this.buf;
    return buf[at - 2] === CR && buf[at - 1] === LF && buf[at] === DOLLAR && buf[at + 1] === 0x33 && buf[at + 2] === CR && buf[at + 3] === LF &&
      (buf[at + 4]! | 0x20) === a && (buf[at + 5]! | 0x20) === b && (buf[at + 6]! | 0x20) === c && buf[at + 7] === CR && buf[at + 8] === LF;
  }

  /**
   * A whole bulk argument `$n\r\n<n bytes>\r\n` at `at` (1 <= n <= PEEK_ARG_MAX): sets
   * peekedKeyStart and peekedKeyEnd to its bytes and returns its end, or -1.
   */
  private peekArg(at: number): number {
    const buf = this.buf;
    const end = this.end;
    if (at >= end || buf[at] !== DOLLAR) return -1;
    let p = at + 1;
    let c = p < end ? buf[p]! : 0;
    if (c < 0x31 || c > 0x39) return -1;
    let length = 0;
    while (p < end && (c = buf[p]!) >= 0x30 && c <= 0x39) {
      length = length * 10 + (c - 0x30);
      if (length > PEEK_ARG_MAX) return -1;
      p++;
    }
    if (p + 1 >= end || buf[p] !== CR || buf[p + 1] !== LF) return -1;
    p += 2;
    if (end - p < length + 2 || buf[p + length] !== CR || buf[p + length + 1] !== LF) return -1;
    this.peekedKeyStart = p;
    this.peekedKeyEnd = p + length;
    return p + length;
  }

  /** Consumes the request peekGet(), peekSet() or peekMset() found. */
  skipPeeked(): void {
    this.pos = this.peekedEnd;
    this.scanned = 0;
  }

  /** Returns the next complete command's argv, or null if more bytes are needed. */
  next(): string[] | null {
    for (;;) {
      if (this.reqType === REQ_NONE) {
        if (this.pos >= this.end) return null;
        this.reqType = this.buf[this.pos] === STAR ? REQ_MULTIBULK : REQ_INLINE;
        if (this.aofFormat && this.reqType === REQ_INLINE && this.buf[this.pos] !== HASH) throw new ProtocolError('Bad file format');
      }
      const argv = this.reqType === REQ_MULTIBULK ? this.parseMultibulk() : this.parseInline();
      if (argv === null) return null;
      // In an AOF, a line that is not a multibulk is an annotation ('#TS:...'), skipped.
      const annotation = this.aofFormat && this.reqType === REQ_INLINE;
      this.reqType = REQ_NONE;
      // Redis skips empty commands (blank inline lines, *0, *-1) without replying.
      if (argv.length > 0 && !annotation) return argv;
    }
  }

  /**
   * Finds the terminator byte (CR for multibulk headers, LF for inline) from pos. Redis looks with
   * strchr, which stops at a NUL byte: a NUL before the terminator means "not found yet".
   * Returns the terminator's index or -1.
   */
  private findTerminator(terminator: number): number {
    const buf = this.buf;
    const end = this.end;
    let i = this.pos + this.scanned;
    for (; i < end; i++) {
      const c = buf[i];
      if (c === terminator) return i;
      if (c === 0) break;
    }
    // A NUL ends the search for good (more bytes cannot help); remember where we stopped otherwise.
    this.scanned = i - this.pos;
    return -1;
  }

  private parseInline(): string[] | null {
    const nl = this.findTerminator(LF);
    if (nl < 0) {
      if (this.end - this.pos > INLINE_MAX_SIZE) throw new ProtocolError(ERR_TOO_BIG_INLINE);
      return null;
    }
    const start = this.pos;
    const lineEnd = nl > start && this.buf[nl - 1] === CR ? nl - 1 : nl;
    const argv = splitArgs(this.buf, start, lineEnd);
    if (argv === null) throw new ProtocolError(ERR_UNBALANCED);
    this.consumeTo(nl + 1);
    this.commandBytes = 0;
    return argv;
  }

  private consumeTo(pos: number): void {
    this.commandBytes += pos - this.pos;
    this.pos = pos;
    this.scanned = 0;
  }

  /**
   * The common case in one pass over local variables: a whole, well-formed command already in the
   * buffer (a count of 1 to PREALLOCATE_MAX, lengths below BIG_ARG, digits only). Anything else
   * (incomplete input, a malformed header, big arguments) returns undefined before any state has
   * changed, and the general path below parses it from the same position with Redis's exact rules.
   */
  private parseWhole(): string[] | undefined {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos + 1;
    let c = p < end ? buf[p]! : 0;
    if (c < 0x31 || c > 0x39) return undefined;
    let count = 0;
    while (p < end && (c = buf[p]!) >= 0x30 && c <= 0x39) {
      count = count * 10 + (c - 0x30);
      if (count > PREALLOCATE_MAX) return undefined;
      p++;
    }
    if (p + 1 >= end || buf[p] !== CR) return undefined;
    p += 2;
    const argv = new Array<string>(count);
    for (let i = 0; i < count; i++) {
      if (p + 1 >= end || buf[p] !== DOLLAR) return undefined;
      c = buf[++p]!;
      let len = 0;
      if (c === 0x30) {
        p++;
      } else {
        if (c < 0x31 || c > 0x39) return undefined;
        while (p < end && (c = buf[p]!) >= 0x30 && c <= 0x39) {
          len = len * 10 + (c - 0x30);
          if (len >= BIG_ARG) return undefined;
          p++;
        }
      }
      // The byte after CR must have arrived (Redis skips it unchecked), then the bulk and its CRLF.
      if (p + 1 >= end || buf[p] !== CR) return undefined;
      p += 2;
      if (end - p < len + 2) return undefined;
      argv[i] = len > INTERN_MAX ? latin1Slice(buf, p, p + len) : i === 0 ? internName(buf, p, len) : internArg(buf, p, len);
      p += len + 2;
    }
    this.pos = p;
    return argv;
  }

  private parseMultibulk(): string[] | null {
    if (this.multibulkLeft === 0) {
      if (!this.reserved) {
        const whole = this.parseWhole();
        if (whole !== undefined) return whole;
      }
      const cr = this.findTerminator(CR);
      if (cr < 0) {
        if (this.end - this.pos > INLINE_MAX_SIZE) throw new ProtocolError(ERR_TOO_BIG_MBULK);
        return null;
      }
      // The byte after CR must have arrived; Redis skips it without checking that it is LF.
      if (cr + 1 >= this.end) return null;
      const count = parseLongLong(this.buf, this.pos + 1, cr);
      if (!(count <= MAX_MULTIBULK)) throw new ProtocolError(ERR_INVALID_MBULK); // also NaN
      this.consumeTo(cr + 2);
      if (count <= 0) return this.takeArgv();
      this.multibulkLeft = count;
      // Sized once for the arguments announced (a short command's array is then 2-3 slots, not the
      // 17 a first push() reserves); a huge announced count grows as the arguments actually arrive.
      if (count <= PREALLOCATE_MAX) this.argv = new Array<string>(count);
    }

    while (this.multibulkLeft > 0) {
      if (this.bulkLen < 0) {
        const cr = this.findTerminator(CR);
        if (cr < 0) {
          if (this.end - this.pos > INLINE_MAX_SIZE) throw new ProtocolError(ERR_TOO_BIG_BULK);
          return null;
        }
        if (cr + 1 >= this.end) return null;
        const first = this.buf[this.pos];
        if (first !== DOLLAR) throw new ProtocolError(expectedDollarMessage(first));
        const len = parseLongLong(this.buf, this.pos + 1, cr);
        if (!(len >= 0 && len <= this.limits.maxBulkLen)) throw new ProtocolError(ERR_INVALID_BULK);
        // Not Redis behaviour: a JS string cannot be longer than this (~512MB - 24).
        if (len > MAX_STRING_LENGTH) throw new ProtocolError(ERR_INVALID_BULK);
        this.consumeTo(cr + 2);
        this.bulkLen = len;
      }
      const len = this.bulkLen;
      // The bulk and the two bytes after it (CRLF, not checked: Redis skips them blindly).
      if (this.end - this.pos < len + 2) {
        if (len >= BIG_ARG) this.reserveBigBulk(len + 2);
        return null;
      }
      const start = this.pos;
      // The command name repeats request after request: reuse one string for it, which also keeps
      // its hash for the command table lookup.
      const index = this.argc++;
      this.argv[index] = len > INTERN_MAX ? latin1Slice(this.buf, start, start + len) : index === 0 ? internName(this.buf, start, len) : internArg(this.buf, start, len);
      this.consumeTo(start + len + 2);
      this.bulkLen = -1;
      this.multibulkLeft--;
      if (this.reserved) this.releaseReserve();
    }
    return this.takeArgv();
  }

  /** Makes `own` big enough for the whole pending bulk so its remaining bytes are copied only once. */
  private reserveBigBulk(need: number): void {
    if (this.reserved) return;
    this.reserved = true;
    if (this.buf === this.own && this.own.length - this.pos >= need) return;
    this.moveTail(need, need + RESERVE_SLACK);
  }

  private releaseReserve(): void {
    this.reserved = false;
    // Drop a huge reserved buffer so its memory goes once the parser moves on to the next chunk.
    if (this.own !== null && this.own.length > 4 * MIN_OWN_SIZE + RESERVE_SLACK) this.own = null;
  }

  private takeArgv(): string[] {
    const argv = this.argv;
    this.argv = [];
    this.argc = 0;
    this.commandBytes = 0;
    return argv;
  }
}

/** What peekName() found. */
export const PEEK_NONE = 0;
export const PEEK_GET = 1;
export const PEEK_SET = 2;
export const PEEK_MSET = 3;

/** The longest argument peekGet() and peekSet() take (longer ones go the usual way). */
const PEEK_ARG_MAX = 4096;
/** The most key-value pairs peekMset() takes. */
const PEEK_MSET_PAIRS = 64;
/** Redis too preallocates argv for at most 1024 arguments before they arrive. */
const PREALLOCATE_MAX = 1024;
/** Redis formats the offending byte with %c, then replaces CR and LF with spaces in error replies. */
function expectedDollarMessage(c: number): string {
  const shown = c === CR || c === LF ? ' ' : String.fromCharCode(c);
  return `ERR Protocol error: expected '$', got '${shown}'`;
}
