// Deserialization of Redis's RDB format (rdb.c's rdbLoad* side): lengths, strings (integer
// encodings, LZF), doubles, and values of every type Redis 7.0 loads:
//   RDB_TYPE_STRING; lists as LIST_QUICKLIST_2 (listpack and plain nodes), LIST_QUICKLIST (ziplist
//   nodes), LIST_ZIPLIST and LIST; sets as SET_INTSET and SET; hashes as HASH_LISTPACK,
//   HASH_ZIPLIST, HASH_ZIPMAP and HASH; sorted sets as ZSET_LISTPACK, ZSET_ZIPLIST, ZSET_2 and ZSET;
//   streams as STREAM_LISTPACKS_2 and STREAM_LISTPACKS (rdb-stream.ts).
// Each value gets the encoding Redis would give it on load under the given EncodingLimits.
//
// The reader works on one Buffer (a DUMP payload) or pulls from a synchronous ByteSource (an RDB
// file read chunk by chunk); it can keep a running CRC-64 of everything consumed.
// Errors: CorruptDataError (RESTORE answers "Bad data format"); EmptyKeyError, a CorruptDataError,
// for a value with no elements (RESTORE rejects it, loading a file skips the key as Redis does).

import type { RedisValue } from '../types/value.ts';
import { ListValue } from '../types/list-value.ts';
import { HashValue } from '../types/hash-value.ts';
import { SetValue } from '../types/set-value.ts';
import { ZSetValue } from '../types/zset-value.ts';
import { readStream } from './rdb-stream.ts';
import { Crc64 } from './crc64.ts';
import { CorruptDataError } from './encoded-int.ts';
import { lzfDecompress } from './lzf.ts';
import { decodeListpack } from './listpack.ts';
import { decodeZiplist } from './ziplist.ts';
import { decodeIntset } from './intset.ts';
import { decodeZipmap } from './zipmap.ts';
import {
  DEFAULT_ENCODING_LIMITS,
  type EncodingLimits,
  QUICKLIST_NODE_CONTAINER_PACKED,
  QUICKLIST_NODE_CONTAINER_PLAIN,
  RDB_64BITLEN,
  RDB_32BITLEN,
  RDB_ENC_INT16,
  RDB_ENC_INT32,
  RDB_ENC_INT8,
  RDB_ENC_LZF,
  RDB_ENCVAL,
  RDB_TYPE_HASH,
  RDB_TYPE_HASH_LISTPACK,
  RDB_TYPE_HASH_ZIPLIST,
  RDB_TYPE_HASH_ZIPMAP,
  RDB_TYPE_LIST,
  RDB_TYPE_LIST_QUICKLIST,
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_LIST_ZIPLIST,
  RDB_TYPE_MODULE,
  RDB_TYPE_MODULE_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STREAM_LISTPACKS,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
  RDB_TYPE_ZSET_ZIPLIST,
} from './rdb-format.ts';

export { CorruptDataError } from './encoded-int.ts';

/** A value with no elements (rdbLoadObject's RDB_LOAD_ERR_EMPTY_KEY). */
export class EmptyKeyError extends CorruptDataError {}

/** Where a streaming reader gets its bytes: like fs.readSync, 0 at the end. */
export interface ByteSource {
  read(into: Buffer, offset: number, length: number): number;
}

const CHUNK = 1 << 20;

/** strtod for the scores Redis writes as text (listpacks, ziplists, RDB_TYPE_ZSET). */
/** What sscanf's %lg accepts at the start of a string (after white space): a digit, a point and a digit, inf or nan. */
const SCANNABLE_DOUBLE = /^[ \t\n\v\f\r]*[+-]?(\d|\.\d|inf|nan)/i;

export function parseScore(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  if (t === 'nan' || t === '-nan' || t === '+nan') return NaN;
  if (t === '') return 0;
  const d = Number(t);
  return Number.isNaN(d) ? parseFloat(t) || 0 : d;
}

/**
 * Decodes an encoded blob (ziplist, listpack, intset, zipmap) and what is built from it: a corrupt
 * one fails with Redis's words, "<what> integrity check failed." (RESTORE logs them, tests look
 * for them), the detail after them.
 */
export function integrityChecked<T>(what: string, decode: () => T): T {
  try {
    return decode();
  } catch (err) {
    // An empty value is not corrupt (the key is skipped, as Redis does).
    if (!(err instanceof CorruptDataError) || err instanceof EmptyKeyError) throw err;
    throw new CorruptDataError(`${what} integrity check failed. (${err.message})`);
  }
}

export class RdbReader {
  private buf: Buffer;
  pos: number;
  private end: number;
  private readonly source: ByteSource | null;
  private sourceDone: boolean;
  /** Bytes dropped from the front of buf by compaction (file offset of buf[0]). */
  private base = 0;
  private crc: Crc64 | null = null;
  private crcFrom = 0;
  limits: EncodingLimits;
  /**
   * sanitize-dump-payload no (RESTORE): checks that only guard Redis's own later use of the encoded
   * form are skipped (a stream entry's lp-count, which Redis walks backwards by); shoal rebuilds
   * every value into its own structures, so what it keeps stays consistent.
   */
  shallow = false;

  constructor(data: Buffer, limits: EncodingLimits = DEFAULT_ENCODING_LIMITS, source: ByteSource | null = null) {
    this.buf = data;
    this.pos = 0;
    this.end = data.length;
    this.source = source;
    this.sourceDone = source === null;
    this.limits = limits;
  }

  /** A reader pulling from a synchronous source (an RDB file). */
  static fromSource(source: ByteSource, limits: EncodingLimits = DEFAULT_ENCODING_LIMITS): RdbReader {
    return new RdbReader(Buffer.allocUnsafe(0), limits, source);
  }

  /** Offset of the next byte from the start of the input. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** Starts a running checksum of everything consumed from here on. */
  startChecksum(): void {
    this.crc = new Crc64();
    this.crcFrom = this.pos;
  }

  /** The checksum of everything consumed since startChecksum(). */
  checksum(): Crc64 {
    const crc = this.crc!;
    crc.update(this.buf, this.crcFrom, this.pos);
    this.crcFrom = this.pos;
    return crc;
  }

  /** True when no byte is left. */
  atEnd(): boolean {
    if (this.pos < this.end) return false;
    this.fill(1);
    return this.pos >= this.end;
  }

  /** Makes n bytes available at pos (reading more from the source); false at the end of input. */
  private fill(n: number): boolean {
    if (this.end - this.pos >= n) return true;
    if (this.sourceDone) return false;
    // Compact: keep the unread bytes, after checksumming what is dropped.
    if (this.crc !== null) {
      this.crc.update(this.buf, this.crcFrom, this.pos);
      this.crcFrom = 0;
    }
    const unread = this.end - this.pos;
    const size = Math.max(CHUNK, n);
    const next = size <= this.buf.length && this.pos > 0 ? this.buf : Buffer.allocUnsafe(Math.max(size, unread + CHUNK));
    this.buf.copy(next, 0, this.pos, this.end);
    this.base += this.pos;
    this.buf = next;
    this.pos = 0;
    this.end = unread;
    while (this.end < n) {
      const got = this.source!.read(this.buf, this.end, this.buf.length - this.end);
      if (got <= 0) {
        this.sourceDone = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  private need(n: number): void {
    if (!this.fill(n)) throw new CorruptDataError('unexpected end of RDB data');
  }

  byte(): number {
    if (this.pos >= this.end) this.need(1);
    return this.buf[this.pos++]!;
  }

  /** n raw bytes (a copy when reading from a source, since the buffer is reused). */
  bytes(n: number): Buffer {
    this.need(n);
    const start = this.pos;
    this.pos += n;
    const view = this.buf.subarray(start, start + n);
    return this.source === null ? view : Buffer.from(view);
  }

  /** rdbLoadMillisecondTime (RDB ≥ 9: little-endian). */
  millis(): number {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.pos);
    this.pos += 8;
    return Number(v);
  }

  /** Old RDB_OPCODE_EXPIRETIME: seconds as a signed 32-bit integer. */
  seconds32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  binaryDouble(): number {
    this.need(8);
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }

  /** rdbLoadDoubleValue: the text form of RDB_TYPE_ZSET. */
  textDouble(): number {
    const len = this.byte();
    if (len === 255) return -Infinity;
    if (len === 254) return Infinity;
    if (len === 253) return NaN;
    this.need(len);
    const s = this.buf.toString('latin1', this.pos, this.pos + len);
    this.pos += len;
    // Redis reads it with sscanf("%lg") as a C string: text that does not start with a number is corrupt.
    if (!SCANNABLE_DOUBLE.test(s)) throw new CorruptDataError('bad double value');
    return parseScore(s);
  }

  /**
   * rdbLoadLen: a length, or with `encoded` set on return, a special string encoding number.
   * Lengths beyond 2^53 are rejected as corrupt (no structure can be that long); use lengthBig for
   * values that are numbers (stream IDs).
   */
  encoded = false;
  length(): number {
    const v = this.lengthBig();
    if (typeof v === 'bigint') throw new CorruptDataError('length out of range');
    return v;
  }

  lengthBig(): number | bigint {
    const first = this.byte();
    const kind = first >>> 6;
    this.encoded = false;
    if (kind === RDB_ENCVAL) {
      this.encoded = true;
      return first & 0x3f;
    }
    if (kind === 0) return first & 0x3f;
    if (kind === 1) return ((first & 0x3f) << 8) | this.byte();
    if (first === RDB_32BITLEN) {
      this.need(4);
      const v = this.buf.readUInt32BE(this.pos);
      this.pos += 4;
      return v;
    }
    if (first === RDB_64BITLEN) {
      this.need(8);
      const v = this.buf.readBigUInt64BE(this.pos);
      this.pos += 8;
      return v <= 9007199254740991n ? Number(v) : v;
    }
    throw new CorruptDataError(`unknown length encoding ${first}`);
  }

  /** rdbGenericLoadStringObject as bytes (a view when the input is one Buffer). */
  blob(): Buffer {
    const len = this.length();
    if (this.encoded) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return Buffer.from(String(this.encodedInt(len)), 'latin1');
        case RDB_ENC_LZF:
          return this.lzf();
        default:
          throw new CorruptDataError(`unknown string encoding ${len}`);
      }
    }
    return this.bytes(len);
  }

  /** rdbGenericLoadStringObject as a latin1 string. */
  string(): string {
    const len = this.length();
    if (this.encoded) {
      switch (len) {
        case RDB_ENC_INT8:
        case RDB_ENC_INT16:
        case RDB_ENC_INT32:
          return String(this.encodedInt(len));
        case RDB_ENC_LZF:
          return this.lzf().toString('latin1');
        default:
          throw new CorruptDataError(`unknown string encoding ${len}`);
      }
    }
    this.need(len);
    const s = this.buf.toString('latin1', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }

  private encodedInt(enc: number): number {
    const size = enc === RDB_ENC_INT8 ? 1 : enc === RDB_ENC_INT16 ? 2 : 4;
    this.need(size);
    const v = size === 1 ? this.buf.readInt8(this.pos) : size === 2 ? this.buf.readInt16LE(this.pos) : this.buf.readInt32LE(this.pos);
    this.pos += size;
    return v;
  }

  private lzf(): Buffer {
    const clen = this.length();
    const len = this.length();
    this.need(clen);
    const out = lzfDecompress(this.buf.subarray(this.pos, this.pos + clen), len);
    this.pos += clen;
    if (out === null) throw new CorruptDataError('Invalid LZF compressed string');
    return out;
  }

  /** rdbLoadObjectType: a type byte that must name a value type. */
  valueType(): number {
    const t = this.byte();
    if (!((t >= 0 && t <= 7) || (t >= 9 && t <= 19))) throw new CorruptDataError(`unknown RDB value type ${t}`);
    return t;
  }

  /** A type byte and the value it announces (a DUMP payload's body). */
  typedValue(): RedisValue {
    return this.value(this.valueType());
  }

  /** rdbLoadObject: the value of an RDB type. */
  value(type: number): RedisValue {
    switch (type) {
      case RDB_TYPE_STRING:
        return this.string();
      case RDB_TYPE_LIST:
        return this.plainList();
      case RDB_TYPE_LIST_QUICKLIST:
      case RDB_TYPE_LIST_QUICKLIST_2:
        return this.quicklist(type === RDB_TYPE_LIST_QUICKLIST_2);
      case RDB_TYPE_LIST_ZIPLIST: {
        const blob = this.blob();
        const items = integrityChecked('Ziplist', () => decodeZiplist(blob));
        if (items.length === 0) throw new EmptyKeyError('empty list');
        return ListValue.from(items);
      }
      case RDB_TYPE_SET:
        return this.plainSet();
      case RDB_TYPE_SET_INTSET: {
        const blob = this.blob();
        const set = new SetValue(integrityChecked('Intset', () => decodeIntset(blob)));
        if (set.size > this.limits.setMaxIntsetEntries) set.convert();
        return set;
      }
      case RDB_TYPE_HASH:
        return this.plainHash();
      case RDB_TYPE_HASH_LISTPACK: {
        const blob = this.blob();
        return integrityChecked('Hash listpack', () => this.compactHash(decodeListpack(blob), false));
      }
      case RDB_TYPE_HASH_ZIPLIST: {
        const blob = this.blob();
        return integrityChecked('Hash ziplist', () => this.compactHash(decodeZiplist(blob), false));
      }
      case RDB_TYPE_HASH_ZIPMAP: {
        const blob = this.blob();
        // An empty zipmap fails Redis's zipmap validation (not an empty key to skip).
        return integrityChecked('Zipmap', () => {
          const pairs = decodeZipmap(blob);
          if (pairs.length === 0) throw new CorruptDataError('empty zipmap');
          return this.compactHash(pairs, true);
        });
      }
      case RDB_TYPE_ZSET:
      case RDB_TYPE_ZSET_2:
        return this.plainZSet(type === RDB_TYPE_ZSET_2);
      case RDB_TYPE_ZSET_LISTPACK: {
        const blob = this.blob();
        return integrityChecked('Zset listpack', () => this.compactZSet(decodeListpack(blob)));
      }
      case RDB_TYPE_ZSET_ZIPLIST: {
        const blob = this.blob();
        return integrityChecked('Zset ziplist', () => this.compactZSet(decodeZiplist(blob)));
      }
      case RDB_TYPE_MODULE:
      case RDB_TYPE_MODULE_2:
        throw new CorruptDataError('module values are not supported');
      case RDB_TYPE_STREAM_LISTPACKS:
      case RDB_TYPE_STREAM_LISTPACKS_2:
        return readStream(this, type === RDB_TYPE_STREAM_LISTPACKS_2);
      default:
        throw new CorruptDataError(`RDB value type ${type} is not supported`);
    }
  }

  private plainList(): ListValue {
    const n = this.length();
    if (n === 0) throw new EmptyKeyError('empty list');
    const list = new ListValue();
    for (let i = 0; i < n; i++) list.pushTail(this.string());
    return list;
  }

  private quicklist(v2: boolean): ListValue {
    const nodes = this.length();
    if (nodes === 0) throw new EmptyKeyError('empty list');
    const list = new ListValue();
    for (let i = 0; i < nodes; i++) {
      let container = QUICKLIST_NODE_CONTAINER_PACKED;
      if (v2) {
        container = this.length();
        if (container !== QUICKLIST_NODE_CONTAINER_PACKED && container !== QUICKLIST_NODE_CONTAINER_PLAIN) {
          throw new CorruptDataError('Quicklist integrity check failed.');
        }
      }
      if (container === QUICKLIST_NODE_CONTAINER_PLAIN) {
        const element = this.string();
        if (element.length === 0) throw new CorruptDataError('empty quicklist node');
        list.pushTail(element);
        continue;
      }
      const data = this.blob();
      if (data.length === 0) throw new CorruptDataError('empty quicklist node');
      const items = integrityChecked(v2 ? 'Listpack' : 'Ziplist', () => (v2 ? decodeListpack(data) : decodeZiplist(data)));
      for (const item of items) list.pushTail(item);
    }
    if (list.length === 0) throw new EmptyKeyError('empty list');
    return list;
  }

  private plainSet(): SetValue {
    const n = this.length();
    if (n === 0) throw new EmptyKeyError('empty set');
    const max = Math.min(this.limits.setMaxIntsetEntries, 1 << 30);
    const set = new SetValue();
    if (n > max) set.convert();
    for (let i = 0; i < n; i++) {
      if (!set.add(this.string(), max)) throw new CorruptDataError('Duplicate set members detected');
    }
    return set;
  }

  private plainHash(): HashValue {
    const n = this.length();
    if (n === 0) throw new EmptyKeyError('empty hash');
    const { hashMaxListpackEntries: maxEntries, hashMaxListpackValue: maxValue } = this.limits;
    const hash = new HashValue();
    if (n > maxEntries) hash.convert();
    for (let i = 0; i < n; i++) {
      const field = this.string();
      const value = this.string();
      if (!hash.set(field, value, maxEntries, maxValue)) throw new CorruptDataError('Duplicate hash fields detected');
    }
    return hash;
  }

  /** A hash from a listpack, ziplist or zipmap's flat [field, value, ...]. */
  private compactHash(flat: string[], checkValueLengths: boolean): HashValue {
    if (flat.length % 2 !== 0) throw new CorruptDataError('hash with an odd number of entries');
    if (flat.length === 0) throw new EmptyKeyError('empty hash');
    const seen = new Set<string>();
    let maxLen = 0;
    for (let i = 0; i < flat.length; i += 2) {
      const field = flat[i]!;
      if (seen.has(field)) throw new CorruptDataError('Hash listpack with dup elements');
      seen.add(field);
      maxLen = Math.max(maxLen, field.length, flat[i + 1]!.length);
    }
    const hash = new HashValue(flat);
    const { hashMaxListpackEntries: maxEntries, hashMaxListpackValue: maxValue } = this.limits;
    if (hash.size > maxEntries || (checkValueLengths && maxLen > maxValue)) hash.convert();
    return hash;
  }

  private plainZSet(binary: boolean): ZSetValue {
    const n = this.length();
    if (n === 0) throw new EmptyKeyError('empty zset');
    const members: string[] = new Array(n);
    const scores: number[] = new Array(n);
    const seen = new Set<string>();
    let maxLen = 0;
    for (let i = 0; i < n; i++) {
      const member = this.string();
      const score = binary ? this.binaryDouble() : this.textDouble();
      if (Number.isNaN(score)) throw new CorruptDataError('Zset with NAN score detected');
      if (seen.has(member)) throw new CorruptDataError('Duplicate zset fields detected');
      seen.add(member);
      if (member.length > maxLen) maxLen = member.length;
      members[i] = member;
      scores[i] = score;
    }
    const { zsetMaxListpackEntries: maxEntries, zsetMaxListpackValue: maxValue } = this.limits;
    return sortedZSet(members, scores, !(n <= maxEntries && maxLen <= maxValue));
  }

  /** A sorted set from a listpack or ziplist's flat [member, score, ...]. */
  private compactZSet(flat: string[]): ZSetValue {
    if (flat.length % 2 !== 0) throw new CorruptDataError('zset with an odd number of entries');
    const n = flat.length >> 1;
    if (n === 0) throw new EmptyKeyError('empty zset');
    const members: string[] = new Array(n);
    const scores: number[] = new Array(n);
    const seen = new Set<string>();
    for (let i = 0; i < n; i++) {
      const member = flat[2 * i]!;
      if (seen.has(member)) throw new CorruptDataError('Zset with dup elements');
      seen.add(member);
      members[i] = member;
      const score = parseScore(flat[2 * i + 1]!);
      if (Number.isNaN(score)) throw new CorruptDataError('Zset with NAN score detected');
      scores[i] = score;
    }
    return sortedZSet(members, scores, n > this.limits.zsetMaxListpackEntries);
  }
}

/** A ZSetValue of these elements, sorted by (score, member) first unless they already are. */
function sortedZSet(members: string[], scores: number[], skiplist: boolean): ZSetValue {
  const n = members.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) {
    const a = scores[i - 1]!;
    const b = scores[i]!;
    if (a > b || (a === b && members[i - 1]! >= members[i]!)) sorted = false;
  }
  if (!sorted) {
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((x, y) => {
      const a = scores[x]!;
      const b = scores[y]!;
      if (a !== b) return a < b ? -1 : 1;
      const ma = members[x]!;
      const mb = members[y]!;
      return ma < mb ? -1 : ma > mb ? 1 : 0;
    });
    const m2 = order.map((i) => members[i]!);
    const s2 = order.map((i) => scores[i]!);
    return ZSetValue.fromSorted(m2, s2, skiplist);
  }
  return ZSetValue.fromSorted(members, scores, skiplist);
}
