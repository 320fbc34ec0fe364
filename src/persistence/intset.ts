// Intset (Redis's intset.c), the blob of RDB_TYPE_SET_INTSET:
//   <encoding: u32 LE = 2, 4 or 8 bytes per member> <length: u32 LE> <members, ascending, LE>
// The encoding is the smallest width that holds every member.

import { CorruptDataError, int64ToString, readInt64LE, stringToInt64, writeInt64LE } from './encoded-int.ts';

const HEADER_SIZE = 8;

/** An intset of members given as canonical decimal strings in ascending numeric order. */
export function encodeIntset(members: readonly string[]): Buffer {
  const values: Array<number | bigint> = new Array(members.length);
  let width = 2;
  for (let i = 0; i < members.length; i++) {
    const v = stringToInt64(members[i]!);
    if (v === null) throw new RangeError(`not an intset member: ${members[i]}`);
    values[i] = v;
    if (typeof v === 'bigint' || v < -2147483648 || v > 2147483647) width = 8;
    else if (width < 4 && (v < -32768 || v > 32767)) width = 4;
  }
  const buf = Buffer.allocUnsafe(HEADER_SIZE + width * values.length);
  buf.writeUInt32LE(width, 0);
  buf.writeUInt32LE(values.length, 4);
  let p = HEADER_SIZE;
  for (const v of values) {
    if (width === 2) buf.writeInt16LE(v as number, p);
    else if (width === 4) buf.writeInt32LE(v as number, p);
    else writeInt64LE(buf, p, v);
    p += width;
  }
  return buf;
}

/**
 * The members of an intset as decimal strings in ascending order. Checks the encoding, the size and
 * (as intsetValidateIntegrity's deep mode) that members ascend without duplicates.
 */
export function decodeIntset(input: Uint8Array): string[] {
  const b = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (b.length < HEADER_SIZE) throw new CorruptDataError('intset too short');
  const width = b.readUInt32LE(0);
  if (width !== 2 && width !== 4 && width !== 8) throw new CorruptDataError('bad intset encoding');
  const count = b.readUInt32LE(4);
  if (HEADER_SIZE + count * width !== b.length) throw new CorruptDataError('intset size mismatch');
  if (count === 0) throw new CorruptDataError('empty intset');
  const out: string[] = new Array(count);
  let previous: number | bigint | undefined;
  for (let i = 0, p = HEADER_SIZE; i < count; i++, p += width) {
    const v = width === 2 ? b.readInt16LE(p) : width === 4 ? b.readInt32LE(p) : readInt64LE(b, p);
    if (previous !== undefined && !(previous < v)) throw new CorruptDataError('intset not ascending');
    previous = v;
    out[i] = int64ToString(v);
  }
  return out;
}
