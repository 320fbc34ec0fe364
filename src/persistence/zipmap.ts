// Zipmap (Redis ≤ 2.4's zipmap.c), read only: RDB_TYPE_HASH_ZIPMAP, which Redis 7.0 still loads.
//   <zmlen: u8> (<len> key <len> <free: u8> value <free bytes>)* <0xFF>
// <len> is one byte (0..253) or 254 followed by a u32 in the writer's byte order (little-endian on
// every machine that wrote one we can read).

import { CorruptDataError } from './encoded-int.ts';

/** Fields and values of a zipmap, flattened [f0, v0, f1, v1, ...]; throws CorruptDataError. */
export function decodeZipmap(input: Uint8Array): string[] {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const end = b.length;
  if (end < 2) throw new CorruptDataError('zipmap too short');
  const out: string[] = [];
  let p = 1;
  const readLen = (): number => {
    if (p >= end) throw new CorruptDataError('zipmap overflows');
    const first = b[p++]!;
    if (first < 254) return first;
    if (first === 255) return -1;
    if (p + 4 > end) throw new CorruptDataError('zipmap overflows');
    const n = b.readUInt32LE(p);
    p += 4;
    return n;
  };
  for (;;) {
    const klen = readLen();
    if (klen < 0) break;
    if (p + klen > end) throw new CorruptDataError('zipmap overflows');
    const key = b.toString('latin1', p, p + klen);
    p += klen;
    const vlen = readLen();
    if (vlen < 0) throw new CorruptDataError('zipmap value missing');
    if (p >= end) throw new CorruptDataError('zipmap overflows');
    const free = b[p++]!;
    if (p + vlen + free > end) throw new CorruptDataError('zipmap overflows');
    out.push(key, b.toString('latin1', p, p + vlen));
    p += vlen + free;
  }
  if (p !== end) throw new CorruptDataError('zipmap trailing bytes');
  return out;
}
