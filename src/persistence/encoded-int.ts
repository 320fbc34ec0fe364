// Integers inside Redis's compact encodings (listpack, ziplist, intset, RDB int strings): which
// strings Redis stores as integers (string2ll / lpStringToInt64: optional '-', no leading zeros, no
// '+', fits in a signed 64-bit integer), and the conversions between those strings and numbers. A
// value beyond 2^53 travels as a BigInt.

const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/**
 * The integer a string stands for when Redis would store it as one, or null. Numbers for values
 * within ±2^53, BigInts beyond.
 */
export function stringToInt64(s: string): number | bigint | null {
  const len = s.length;
  if (len === 0 || len > 20) return null;
  let i = 0;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 /* - */) {
    if (len === 1) return null;
    i = 1;
  } else if (len === 1 && c0 === 48) {
    return 0;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  for (let j = i + 1; j < len; j++) {
    const c = s.charCodeAt(j);
    if (c < 48 || c > 57) return null;
  }
  if (len - i <= 15) return Number(s);
  const big = BigInt(s);
  if (big > INT64_MAX || big < INT64_MIN) return null;
  return big >= -9007199254740991n && big <= 9007199254740991n ? Number(big) : big;
}

/** Decimal form of an integer read from an encoding (ll2string). */
export function int64ToString(v: number | bigint): string {
  return typeof v === 'bigint' ? v.toString() : String(v);
}

/** Reads a little-endian signed 64-bit integer as a number when safe, else a BigInt. */
export function readInt64LE(buf: Uint8Array, at: number): number | bigint {
  const lo = (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
  const hi = buf[at + 4]! | (buf[at + 5]! << 8) | (buf[at + 6]! << 16) | (buf[at + 7]! << 24); // signed
  if (hi >= -0x200000 && hi < 0x200000) return hi * 4294967296 + lo;
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Writes a signed 64-bit integer little-endian. */
export function writeInt64LE(buf: Uint8Array, at: number, v: number | bigint): void {
  let big = typeof v === 'bigint' ? v : BigInt(v);
  if (big < 0n) big += 1n << 64n;
  const lo = Number(big & 0xffffffffn);
  const hi = Number(big >> 32n);
  for (let k = 0; k < 4; k++) buf[at + k] = (lo >>> (8 * k)) & 0xff;
  for (let k = 0; k < 4; k++) buf[at + 4 + k] = (hi >>> (8 * k)) & 0xff;
}

/** An encoded structure failed its integrity checks (RESTORE answers "Bad data format"). */
export class CorruptDataError extends Error {}
