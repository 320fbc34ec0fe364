// Listpack (Redis 7.0's listpack.c), the blob inside RDB_TYPE_HASH_LISTPACK, ZSET_LISTPACK,
// LIST_QUICKLIST_2 nodes and stream nodes:
//   <total bytes: u32 LE> <count: u16 LE, 65535 = unknown> <entry>* <0xFF>
// An entry is <encoding + data> <backlen>, backlen being the size of the first part in 1..5 bytes
// of 7 bits (big end first, every byte but the first with the high bit set) so that the list can be
// walked backwards. Encodings:
//   0xxxxxxx                 7-bit unsigned int       10xxxxxx + data   string of up to 63 bytes
//   110xxxxx yyyyyyyy        13-bit signed int        1110xxxx yyyyyyyy + data  string < 4096 bytes
//   11110000 + u32 LE + data string                   0xF1 / 0xF2 / 0xF3 / 0xF4  int16/24/32/64 LE
// A string that is an integer as lpStringToInt64 reads it is stored as the smallest integer form.

import { CorruptDataError, int64ToString, stringToInt64 } from './encoded-int.ts';

const HEADER_SIZE = 6;
const EOF_BYTE = 0xff;
const COUNT_UNKNOWN = 0xffff;

function backlenSize(len: number): number {
  return len <= 127 ? 1 : len < 16383 ? 2 : len < 2097151 ? 3 : len < 268435455 ? 4 : 5;
}

/** Size of the encoding + data part of an entry for s. */
function encodedSize(s: string): number {
  const v = stringToInt64(s);
  if (v !== null) {
    if (typeof v === 'bigint') return 9;
    if (v >= 0 && v <= 127) return 1;
    if (v >= -4096 && v <= 4095) return 2;
    if (v >= -32768 && v <= 32767) return 3;
    if (v >= -8388608 && v <= 8388607) return 4;
    if (v >= -2147483648 && v <= 2147483647) return 5;
    return 9;
  }
  const n = s.length;
  return n < 64 ? 1 + n : n < 4096 ? 2 + n : 5 + n;
}

/** Bytes one entry for s takes in a listpack (encoding, data and backlen). */
export function listpackEntrySize(s: string): number {
  const n = encodedSize(s);
  return n + backlenSize(n);
}

/** Bytes of an empty listpack (header and terminator). */
export const EMPTY_LISTPACK_SIZE = HEADER_SIZE + 1;

/** A listpack holding entries[from..to), as lpAppend would have built it. */
export function encodeListpack(entries: readonly string[], from = 0, to = entries.length): Buffer {
  let total = EMPTY_LISTPACK_SIZE;
  for (let i = from; i < to; i++) total += listpackEntrySize(entries[i]!);
  const buf = Buffer.allocUnsafe(total);
  buf.writeUInt32LE(total, 0);
  const count = to - from;
  buf.writeUInt16LE(count < COUNT_UNKNOWN ? count : COUNT_UNKNOWN, 4);
  let p = HEADER_SIZE;
  for (let i = from; i < to; i++) {
    const s = entries[i]!;
    const start = p;
    const v = stringToInt64(s);
    if (v !== null) {
      if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) {
        buf[p++] = 0xf4;
        buf.writeBigInt64LE(BigInt(v), p);
        p += 8;
      } else if (v >= 0 && v <= 127) {
        buf[p++] = v;
      } else if (v >= -4096 && v <= 4095) {
        const u = v < 0 ? (1 << 13) + v : v;
        buf[p++] = (u >>> 8) | 0xc0;
        buf[p++] = u & 0xff;
      } else if (v >= -32768 && v <= 32767) {
        buf[p++] = 0xf1;
        buf.writeInt16LE(v, p);
        p += 2;
      } else if (v >= -8388608 && v <= 8388607) {
        buf[p++] = 0xf2;
        buf.writeIntLE(v, p, 3);
        p += 3;
      } else {
        buf[p++] = 0xf3;
        buf.writeInt32LE(v, p);
        p += 4;
      }
    } else {
      const n = s.length;
      if (n < 64) {
        buf[p++] = 0x80 | n;
      } else if (n < 4096) {
        buf[p++] = 0xe0 | (n >>> 8);
        buf[p++] = n & 0xff;
      } else {
        buf[p++] = 0xf0;
        buf.writeUInt32LE(n, p);
        p += 4;
      }
      p += buf.write(s, p, 'latin1');
    }
    // backlen: the entry's size so far, most significant 7 bits first.
    const l = p - start;
    const size = backlenSize(l);
    for (let k = size - 1; k >= 0; k--) {
      const group = Math.floor(l / 2 ** (7 * k)) & 127;
      buf[p++] = k === size - 1 ? group : group | 128;
    }
  }
  buf[p++] = EOF_BYTE;
  return buf;
}

/**
 * Every entry of a listpack, integers in decimal form. Checks what lpValidateIntegrity checks:
 * the header's size, the terminator, each entry inside the blob with a consistent backlen, and the
 * count when the header knows it. Throws CorruptDataError.
 */
export function decodeListpack(buf: Uint8Array): string[] {
  const len = buf.length;
  if (len < EMPTY_LISTPACK_SIZE) throw new CorruptDataError('listpack too short');
  const total = (buf[0]! | (buf[1]! << 8) | (buf[2]! << 16) | (buf[3]! << 24)) >>> 0;
  if (total !== len) throw new CorruptDataError('listpack size mismatch');
  if (buf[len - 1] !== EOF_BYTE) throw new CorruptDataError('listpack without terminator');
  const declared = buf[4]! | (buf[5]! << 8);
  const out: string[] = [];
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  let p = HEADER_SIZE;
  const end = len - 1;
  while (p < end) {
    const start = p;
    const e = b[p++]!;
    let value: string;
    if (e < 0x80) {
      value = String(e);
    } else if ((e & 0xc0) === 0x80) {
      const n = e & 0x3f;
      if (p + n > end) throw new CorruptDataError('listpack entry overflows');
      value = b.toString('latin1', p, p + n);
      p += n;
    } else if ((e & 0xe0) === 0xc0) {
      if (p + 1 > end) throw new CorruptDataError('listpack entry overflows');
      let v = ((e & 0x1f) << 8) | b[p++]!;
      if (v >= 1 << 12) v -= 1 << 13;
      value = String(v);
    } else if ((e & 0xf0) === 0xe0) {
      if (p + 1 > end) throw new CorruptDataError('listpack entry overflows');
      const n = ((e & 0x0f) << 8) | b[p++]!;
      if (p + n > end) throw new CorruptDataError('listpack entry overflows');
      value = b.toString('latin1', p, p + n);
      p += n;
    } else {
      let size: number;
      switch (e) {
        case 0xf0:
          size = 4;
          break;
        case 0xf1:
          size = 2;
          break;
        case 0xf2:
          size = 3;
          break;
        case 0xf3:
          size = 4;
          break;
        case 0xf4:
          size = 8;
          break;
        default:
          throw new CorruptDataError('bad listpack encoding');
      }
      if (p + size > end) throw new CorruptDataError('listpack entry overflows');
      if (e === 0xf0) {
        const n = b.readUInt32LE(p);
        p += 4;
        if (p + n > end) throw new CorruptDataError('listpack entry overflows');
        value = b.toString('latin1', p, p + n);
        p += n;
      } else {
        value =
          e === 0xf1
            ? String(b.readInt16LE(p))
            : e === 0xf2
              ? String(b.readIntLE(p, 3))
              : e === 0xf3
                ? String(b.readInt32LE(p))
                : int64ToString(b.readBigInt64LE(p));
        p += size;
      }
    }
    const l = p - start;
    const bl = backlenSize(l);
    if (p + bl > end) throw new CorruptDataError('listpack backlen overflows');
    // Decode the backlen as lpDecodeBacklen does (from its last byte backwards) and compare.
    let decoded = 0;
    let shift = 1;
    for (let k = bl - 1; k >= 0; k--) {
      const byte = b[p + k]!;
      decoded += (byte & 127) * shift;
      shift *= 128;
      if (k > 0 && !(byte & 128)) throw new CorruptDataError('bad listpack backlen');
    }
    if (decoded !== l || b[p]! & 128) throw new CorruptDataError('bad listpack backlen');
    p += bl;
    out.push(value);
  }
  if (p !== end) throw new CorruptDataError('listpack entries overflow');
  if (declared !== COUNT_UNKNOWN && declared !== out.length) throw new CorruptDataError('listpack count mismatch');
  return out;
}
