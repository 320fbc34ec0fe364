// Ziplist (Redis ≤ 6.2's ziplist.c), read only: Redis 7.0 still loads RDB files whose lists,
// hashes and sorted sets are ziplists (RDB_TYPE_LIST_ZIPLIST, LIST_QUICKLIST, HASH_ZIPLIST,
// ZSET_ZIPLIST) and converts them on load.
//   <zlbytes: u32 LE> <zltail: u32 LE> <zllen: u16 LE, 65535 = unknown> <entry>* <0xFF>
// An entry is <prevlen> <encoding> <data>; prevlen is one byte (< 254) or 0xFE + u32 LE. Encodings:
//   00pppppp string ≤ 63 bytes   01pppppp qqqqqqqq string ≤ 16383 (big-endian length)
//   10000000 + u32 BE string     11000000 int16   11010000 int32   11100000 int64   11110000 int24
//   11111110 int8                1111xxxx (xxxx = 1..13) the integer xxxx - 1

import { CorruptDataError, int64ToString } from './encoded-int.ts';

const HEADER_SIZE = 10;
const END = 0xff;

/** Every entry of a ziplist, integers in decimal form; throws CorruptDataError. */
export function decodeZiplist(input: Uint8Array): string[] {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const len = b.length;
  if (len < HEADER_SIZE + 1) throw new CorruptDataError('ziplist too short');
  if (b.readUInt32LE(0) !== len) throw new CorruptDataError('ziplist size mismatch');
  if (b[len - 1] !== END) throw new CorruptDataError('ziplist without terminator');
  const tail = b.readUInt32LE(4);
  if (tail > len - 1) throw new CorruptDataError('ziplist tail out of range');
  const declared = b.readUInt16LE(8);
  const out: string[] = [];
  const end = len - 1;
  let p = HEADER_SIZE;
  let prevSize = 0;
  let lastStart = HEADER_SIZE;
  while (p < end) {
    const start = p;
    let prevlen = b[p++]!;
    if (prevlen === 0xfe) {
      if (p + 4 > end) throw new CorruptDataError('ziplist entry overflows');
      prevlen = b.readUInt32LE(p);
      p += 4;
    } else if (prevlen === END) {
      throw new CorruptDataError('bad ziplist prevlen');
    }
    if (prevlen !== prevSize) throw new CorruptDataError('ziplist prevlen mismatch');
    if (p >= end) throw new CorruptDataError('ziplist entry overflows');
    const e = b[p++]!;
    let value: string;
    const kind = e >>> 6;
    if (kind < 3) {
      let n: number;
      if (kind === 0) {
        n = e & 0x3f;
      } else if (kind === 1) {
        if (p + 1 > end) throw new CorruptDataError('ziplist entry overflows');
        n = ((e & 0x3f) << 8) | b[p++]!;
      } else {
        if (e !== 0x80 || p + 4 > end) throw new CorruptDataError('bad ziplist encoding');
        n = b.readUInt32BE(p);
        p += 4;
      }
      if (p + n > end) throw new CorruptDataError('ziplist entry overflows');
      value = b.toString('latin1', p, p + n);
      p += n;
    } else {
      let size: number;
      switch (e) {
        case 0xc0:
          size = 2;
          break;
        case 0xd0:
          size = 4;
          break;
        case 0xe0:
          size = 8;
          break;
        case 0xf0:
          size = 3;
          break;
        case 0xfe:
          size = 1;
          break;
        default:
          if (e >= 0xf1 && e <= 0xfd) size = 0;
          else throw new CorruptDataError('bad ziplist encoding');
      }
      if (p + size > end) throw new CorruptDataError('ziplist entry overflows');
      switch (e) {
        case 0xc0:
          value = String(b.readInt16LE(p));
          break;
        case 0xd0:
          value = String(b.readInt32LE(p));
          break;
        case 0xe0:
          value = int64ToString(b.readBigInt64LE(p));
          break;
        case 0xf0:
          value = String(b.readIntLE(p, 3));
          break;
        case 0xfe:
          value = String(b.readInt8(p));
          break;
        default:
          value = String((e & 0x0f) - 1);
      }
      p += size;
    }
    prevSize = p - start;
    lastStart = start;
    out.push(value);
  }
  if (p !== end) throw new CorruptDataError('ziplist entries overflow');
  if (out.length > 0 && tail !== lastStart) throw new CorruptDataError('ziplist tail mismatch');
  if (declared !== 0xffff && declared !== out.length) throw new CorruptDataError('ziplist count mismatch');
  return out;
}
