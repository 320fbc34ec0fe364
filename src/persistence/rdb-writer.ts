// Serialization of values in Redis 7.0's RDB format (rdb.c's rdbSave* side): lengths, strings
// (integer encodings, LZF), doubles, and one value of any type as the RDB type byte plus its body,
// exactly what a DUMP payload holds and what an RDB file repeats per key.
//
// Types written, as Redis 7.0 writes them:
//   string                     RDB_TYPE_STRING
//   list                       RDB_TYPE_LIST_QUICKLIST_2 (listpack nodes split as quicklistPushTail
//                              splits them for list-max-listpack-size; plain nodes for elements ≥ 1 GB)
//   set  intset / hashtable    RDB_TYPE_SET_INTSET / RDB_TYPE_SET
//   hash listpack / hashtable  RDB_TYPE_HASH_LISTPACK / RDB_TYPE_HASH
//   zset listpack / skiplist   RDB_TYPE_ZSET_LISTPACK / RDB_TYPE_ZSET_2 (greatest element first)
//   stream                     RDB_TYPE_STREAM_LISTPACKS_2 (rdb-stream.ts)

import type { RedisValue } from '../types/value.ts';
import { ListValue } from '../types/list-value.ts';
import { HashValue } from '../types/hash-value.ts';
import { SetValue } from '../types/set-value.ts';
import { ZSetValue } from '../types/zset-value.ts';
import { StreamValue } from '../types/stream-value.ts';
import { writeStream } from './rdb-stream.ts';
import { formatDouble } from '../resp/format-double.ts';
import { stringToInt64 } from './encoded-int.ts';
import { lzfCompressInto } from './lzf.ts';
import { EMPTY_LISTPACK_SIZE, encodeListpack, listpackEntrySize } from './listpack.ts';
import { encodeIntset } from './intset.ts';
import {
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
  RDB_TYPE_LIST_QUICKLIST_2,
  RDB_TYPE_SET,
  RDB_TYPE_SET_INTSET,
  RDB_TYPE_STREAM_LISTPACKS_2,
  RDB_TYPE_STRING,
  RDB_TYPE_ZSET_2,
  RDB_TYPE_ZSET_LISTPACK,
} from './rdb-format.ts';

export interface RdbWriterOptions {
  /** rdbcompression: LZF-compress strings longer than 20 bytes when it saves at least 4 bytes. Default true. */
  compression?: boolean;
  /** list-max-listpack-size (quicklist fill): negative = size class, positive = entries per node. Default -2. */
  listMaxListpackSize?: number;
}

/** quicklist.c's optimization_level: node size limits for fill -1 .. -5. */
const OPTIMIZATION_LEVEL = [4096, 8192, 16384, 32768, 65536];
const SIZE_SAFETY_LIMIT = 8192;
const SIZE_ESTIMATE_OVERHEAD = 8;
/** Elements of at least this size get a plain quicklist node of their own. */
const PACKED_THRESHOLD = 1 << 30;

/** Scratch buffers of string(): the raw bytes of a string, and its LZF form (grown on demand). */
let rawScratch = Buffer.allocUnsafe(4096);
let lzfScratch = Buffer.allocUnsafe(4096);

/** d2string: how a sorted set's listpack stores a score. */
export function scoreToString(d: number): string {
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  if (Number.isInteger(d) && d >= -4611686018427387904 && d <= 4611686018427387904) {
    return Number.isSafeInteger(d) ? String(d) : BigInt(d).toString();
  }
  return formatDouble(d);
}

/** A growable byte buffer with the RDB primitives. */
export class RdbWriter {
  private buf: Buffer;
  /** Bytes written so far (take() and drain() reset it). */
  pos = 0;
  readonly compression: boolean;
  private readonly fill: number;
  private readonly f64 = Buffer.allocUnsafe(8);

  constructor(options: RdbWriterOptions = {}, initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
    this.compression = options.compression ?? true;
    let fill = options.listMaxListpackSize ?? -2;
    if (fill > 1 << 15) fill = 1 << 15;
    else if (fill < -5) fill = -5;
    else if (fill === 0) fill = 1;
    this.fill = fill;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** The bytes written so far (a view, valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  /** The bytes written so far as a new Buffer; the writer starts over. */
  take(): Buffer {
    const out = Buffer.from(this.buf.subarray(0, this.pos));
    this.pos = 0;
    return out;
  }

  byte(b: number): void {
    this.reserve(1);
    this.buf[this.pos++] = b;
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
  }

  /** rdbSaveLen: 6, 14, 32 or 64 bits. */
  length(n: number | bigint): void {
    if (typeof n === 'bigint' && n <= 0xffffffffn) n = Number(n);
    this.reserve(9);
    const buf = this.buf;
    if (typeof n === 'number' && n < 1 << 6) {
      buf[this.pos++] = n;
    } else if (typeof n === 'number' && n < 1 << 14) {
      buf[this.pos++] = (n >>> 8) | (1 << 6);
      buf[this.pos++] = n & 0xff;
    } else if (typeof n === 'number' && n <= 0xffffffff) {
      buf[this.pos++] = RDB_32BITLEN;
      buf.writeUInt32BE(n, this.pos);
      this.pos += 4;
    } else {
      buf[this.pos++] = RDB_64BITLEN;
      buf.writeBigUInt64BE(BigInt(n), this.pos);
      this.pos += 8;
    }
  }

  /** rdbSaveMillisecondTime: a signed 64-bit little-endian integer. */
  millis(t: number): void {
    this.reserve(8);
    this.buf.writeBigInt64LE(BigInt(t), this.pos);
    this.pos += 8;
  }

  /** rdbSaveBinaryDoubleValue: IEEE 754 binary64, little-endian. */
  binaryDouble(d: number): void {
    this.reserve(8);
    this.buf.writeDoubleLE(d, this.pos);
    this.pos += 8;
  }

  /** An RDB integer encoding for v if it fits 32 bits (rdbEncodeInteger); false otherwise. */
  private encodedInteger(v: number): boolean {
    if (v < -2147483648 || v > 2147483647) return false;
    this.reserve(5);
    const buf = this.buf;
    if (v >= -128 && v <= 127) {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT8;
      buf.writeInt8(v, this.pos);
      this.pos += 1;
    } else if (v >= -32768 && v <= 32767) {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT16;
      buf.writeInt16LE(v, this.pos);
      this.pos += 2;
    } else {
      buf[this.pos++] = (RDB_ENCVAL << 6) | RDB_ENC_INT32;
      buf.writeInt32LE(v, this.pos);
      this.pos += 4;
    }
    return true;
  }

  /** rdbSaveRawString for a latin1 string. */
  string(s: string): void {
    const n = s.length;
    if (n <= 11) {
      const v = stringToInt64(s);
      if (typeof v === 'number' && this.encodedInteger(v)) return;
    }
    if (this.compression && n > 20) {
      if (rawScratch.length < n) rawScratch = Buffer.allocUnsafe(Math.max(n, 2 * rawScratch.length));
      rawScratch.write(s, 0, 'latin1');
      const raw = rawScratch.subarray(0, n);
      if (this.lzf(raw)) return;
      this.length(n);
      this.bytes(raw);
      return;
    }
    this.length(n);
    this.reserve(n);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** rdbSaveRawString for bytes (listpack, intset and other blobs). */
  blob(data: Uint8Array): void {
    const n = data.length;
    if (n <= 11) {
      const v = stringToInt64(Buffer.from(data.buffer, data.byteOffset, n).toString('latin1'));
      if (typeof v === 'number' && this.encodedInteger(v)) return;
    }
    if (this.compression && n > 20 && this.lzf(data)) return;
    this.length(n);
    this.bytes(data);
  }

  /** rdbSaveLzfStringObject: true when written compressed. */
  private lzf(data: Uint8Array): boolean {
    const maxOut = data.length - 4;
    if (lzfScratch.length < maxOut) lzfScratch = Buffer.allocUnsafe(Math.max(maxOut, 2 * lzfScratch.length));
    const n = lzfCompressInto(data, data.length, lzfScratch, maxOut);
    if (n === 0) return false;
    this.byte((RDB_ENCVAL << 6) | RDB_ENC_LZF);
    this.length(n);
    this.length(data.length);
    this.bytes(lzfScratch.subarray(0, n));
    return true;
  }

  /** The RDB type byte a value is saved with (rdbSaveObjectType). */
  static rdbType(value: RedisValue): number {
    if (typeof value === 'string') return RDB_TYPE_STRING;
    if (value instanceof ListValue) return RDB_TYPE_LIST_QUICKLIST_2;
    if (value instanceof SetValue) return value.isIntset() ? RDB_TYPE_SET_INTSET : RDB_TYPE_SET;
    if (value instanceof HashValue) return value.isListpack() ? RDB_TYPE_HASH_LISTPACK : RDB_TYPE_HASH;
    if (value instanceof ZSetValue) return value.isListpack ? RDB_TYPE_ZSET_LISTPACK : RDB_TYPE_ZSET_2;
    if (value instanceof StreamValue) return RDB_TYPE_STREAM_LISTPACKS_2;
    throw new Error(`no RDB serialization for ${value.kind} values`);
  }

  /** The type byte and the body of a value (rdbSaveObjectType + rdbSaveObject). */
  typedValue(value: RedisValue): void {
    this.byte(RdbWriter.rdbType(value));
    this.value(value);
  }

  /** The body of a value (rdbSaveObject). */
  value(value: RedisValue): void {
    if (typeof value === 'string') this.string(value);
    else if (value instanceof ListValue) this.list(value);
    else if (value instanceof SetValue) this.set(value);
    else if (value instanceof HashValue) this.hash(value);
    else if (value instanceof ZSetValue) this.zset(value);
    else if (value instanceof StreamValue) writeStream(this, value);
    else throw new Error(`no RDB serialization for ${value.kind} values`);
  }

  private list(list: ListValue): void {
    const items = list.toArray();
    // Split into nodes as pushing every element at the tail would (quicklistPushTail).
    const nodes: Array<[number, number, boolean]> = []; // [from, to, plain]
    let from = 0;
    let nodeBytes = -1; // -1: no open packed node
    let nodeCount = 0;
    for (let i = 0; i < items.length; i++) {
      const sz = items[i]!.length;
      if (sz >= PACKED_THRESHOLD) {
        if (nodeBytes >= 0) nodes.push([from, i, false]);
        nodes.push([i, i + 1, true]);
        nodeBytes = -1;
        from = i + 1;
        continue;
      }
      if (nodeBytes < 0 || !this.allowInsert(nodeBytes, nodeCount, sz)) {
        if (nodeBytes >= 0) nodes.push([from, i, false]);
        from = i;
        nodeBytes = EMPTY_LISTPACK_SIZE;
        nodeCount = 0;
      }
      nodeBytes += listpackEntrySize(items[i]!);
      nodeCount++;
    }
    if (nodeBytes >= 0) nodes.push([from, items.length, false]);
    this.length(nodes.length);
    for (const [a, b, plain] of nodes) {
      if (plain) {
        this.length(QUICKLIST_NODE_CONTAINER_PLAIN);
        this.string(items[a]!);
      } else {
        this.length(QUICKLIST_NODE_CONTAINER_PACKED);
        this.blob(encodeListpack(items, a, b));
      }
    }
  }

  /** _quicklistNodeAllowInsert for a packed node of nodeBytes bytes and nodeCount entries. */
  private allowInsert(nodeBytes: number, nodeCount: number, sz: number): boolean {
    const newSize = nodeBytes + sz + SIZE_ESTIMATE_OVERHEAD;
    const fill = this.fill;
    if (fill < 0 && newSize <= OPTIMIZATION_LEVEL[-fill - 1]!) return true;
    if (newSize > SIZE_SAFETY_LIMIT) return false;
    return nodeCount < fill;
  }

  private set(set: SetValue): void {
    const n = set.size;
    if (set.isIntset()) {
      const members: string[] = new Array(n);
      for (let i = 0; i < n; i++) members[i] = set.memberAt(i);
      this.blob(encodeIntset(members));
      return;
    }
    this.length(n);
    for (let i = 0; i < n; i++) this.string(set.memberAt(i));
  }

  private hash(hash: HashValue): void {
    const n = hash.size;
    if (hash.isListpack()) {
      const flat: string[] = new Array(2 * n);
      for (let i = 0; i < n; i++) {
        flat[2 * i] = hash.fieldAt(i);
        flat[2 * i + 1] = hash.valueAt(i);
      }
      this.blob(encodeListpack(flat));
      return;
    }
    this.length(n);
    for (let i = 0; i < n; i++) {
      this.string(hash.fieldAt(i));
      this.string(hash.valueAt(i));
    }
  }

  private zset(zset: ZSetValue): void {
    const n = zset.size;
    if (zset.isListpack) {
      const flat: string[] = [];
      zset.forRange(0, n, false, (member, score) => {
        flat.push(member, scoreToString(score));
      });
      this.blob(encodeListpack(flat));
      return;
    }
    this.length(n);
    zset.forRange(n - 1, n, true, (member, score) => {
      this.string(member);
      this.binaryDouble(score);
    });
  }
}
