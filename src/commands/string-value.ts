// Helpers for the string and bitmap families: integers as Redis parses them (string2ll), the
// INCRBYFLOAT arithmetic in x87 80-bit long double precision (so replies match Redis byte for
// byte), and byte/bit access to latin1 string values.

/**
 * V8's longest string (2^29 - 24 chars on 64-bit): a value cannot grow past it even when
 * proto-max-bulk-len would allow, so the default proto-max-bulk-len (512MB) is cut 24 bytes short here.
 */
export const MAX_STRING_VALUE_LENGTH = 2 ** 29 - 24;

const INT64_MAX_DIGITS = '9223372036854775807';
const INT64_MIN_DIGITS = '9223372036854775808';

/**
 * Parses s with Redis's string2ll rules: optional '-', no '+', no leading zeros (except "0"), no
 * spaces, within signed 64 bits. Returns NaN when s is not such an integer. Values beyond 2^53 come
 * back rounded: callers that need them exact use `exactInteger`.
 */
export function parseInteger(s: string): number {
  const len = s.length;
  if (len === 0 || len > 20) return NaN;
  let i = 0;
  let negative = false;
  let c = s.charCodeAt(0);
  if (c === 45 /* - */) {
    if (len === 1) return NaN;
    negative = true;
    i = 1;
    c = s.charCodeAt(1);
  }
  if (c < 49 || c > 57) {
    // Only a lone "0" may start with a zero ("-0" is rejected, as by string2ll).
    return len === 1 && c === 48 ? 0 : NaN;
  }
  let value = 0;
  for (; i < len; i++) {
    c = s.charCodeAt(i);
    if (c < 48 || c > 57) return NaN;
    value = value * 10 + (c - 48);
  }
  const digits = negative ? len - 1 : len;
  if (digits < 16) return negative ? -value : value;
  if (digits === 19) {
    // Same length: the lexicographic order of digit strings is their numeric order.
    const d = negative ? s.slice(1) : s;
    if (d > (negative ? INT64_MIN_DIGITS : INT64_MAX_DIGITS)) return NaN;
  } else if (digits > 19) {
    return NaN;
  }
  // The accumulation above may have rounded more than once; Number() rounds exactly once.
  return Number(s);
}

/** The exact value of an integer string already accepted by parseInteger. */
export function exactInteger(s: string, parsed: number): bigint {
  return Number.isSafeInteger(parsed) ? BigInt(parsed) : BigInt(s);
}

export const INT64_MIN = -(1n << 63n);
export const INT64_MAX = (1n << 63n) - 1n;

/** The decimal text Redis stores for an integer result (ll2string). */
export function formatInteger(value: number | bigint): string {
  return typeof value === 'number' ? String(value) : value.toString();
}

// ---------------------------------------------------------------------------------------------
// long double arithmetic for INCRBYFLOAT.
//
// Redis adds in x87 extended precision (64-bit mantissa) and prints with "%.17Lf" before trimming
// zeros. Doing the same in IEEE doubles gives different text (10.5 + 0.1 prints 10.59999999999999964
// instead of 10.6), so the value is modelled exactly: mant * 2^exp, mant normalized into
// [2^63, 2^64), rounded to nearest-even like the FPU. BigInt keeps this short; INCRBYFLOAT is not a
// hot path.
// ---------------------------------------------------------------------------------------------

/** A finite extended-precision value (mant = 0 for zero), or an infinity. */
export interface LongDouble {
  negative: boolean;
  mant: bigint;
  exp: number;
  infinite: boolean;
}

const MANT_BITS = 64;
/** Values at or beyond 2^16384 overflow the x87 extended format. */
const MAX_BINARY_EXP = 16384;
const ONE = 1n;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/** Rounds n * 2^exp (n >= 0) to a 64-bit mantissa, nearest-even. */
function roundToLongDouble(negative: boolean, n: bigint, exp: number): LongDouble {
  if (n === 0n) return { negative, mant: 0n, exp: 0, infinite: false };
  const bits = bitLength(n);
  let mant: bigint;
  if (bits <= MANT_BITS) {
    const shift = MANT_BITS - bits;
    mant = n << BigInt(shift);
    exp -= shift;
  } else {
    const shift = bits - MANT_BITS;
    const big = BigInt(shift);
    mant = n >> big;
    const rest = n - (mant << big);
    const half = ONE << (big - ONE);
    if (rest > half || (rest === half && (mant & ONE) === ONE)) mant += ONE;
    exp += shift;
    if (mant === ONE << 64n) {
      mant >>= ONE;
      exp += 1;
    }
  }
  const infinite = exp + MANT_BITS > MAX_BINARY_EXP;
  return { negative, mant, exp, infinite };
}

/** Rounds num/den (positive) to a 64-bit mantissa, nearest-even. */
function roundQuotient(negative: boolean, num: bigint, den: bigint): LongDouble {
  // Scale so that the quotient has at least 66 bits, then round with the remainder as sticky bit.
  let exp = bitLength(den) - bitLength(num) + MANT_BITS + 2;
  if (exp < 0) exp = 0;
  const scaled = num << BigInt(exp);
  const q = scaled / den;
  const sticky = q * den === scaled ? 0n : 1n;
  // Shift left once more so that the sticky bit cannot be mistaken for an exact half.
  return roundToLongDouble(negative, (q << ONE) | sticky, -exp - 1);
}

const HEX_DIGIT = /^[0-9a-fA-F]$/;

/**
 * Parses s as Redis's string2ld does (strtold over the whole string, no leading space, no NaN,
 * overflow and underflow to zero rejected). Returns undefined when Redis would answer
 * "value is not a valid float".
 */
export function parseLongDouble(s: string): LongDouble | undefined {
  if (s.length === 0 || s.length >= 5 * 1024) return undefined;
  // string2ld requires strtold to consume all slen bytes: a NUL byte anywhere makes it invalid.
  if (s.indexOf('\0') >= 0) return undefined;
  const first = s.charCodeAt(0);
  if (first === 32 || (first >= 9 && first <= 13)) return undefined;
  let i = 0;
  let negative = false;
  if (s[0] === '+' || s[0] === '-') {
    negative = s[0] === '-';
    i = 1;
  }
  const rest = s.slice(i).toLowerCase();
  if (rest === 'inf' || rest === 'infinity') return { negative, mant: 0n, exp: 0, infinite: true };
  if (rest.startsWith('nan')) return undefined;
  if (rest.startsWith('0x') && rest.length > 2 && (HEX_DIGIT.test(rest[2]!) || (rest[2] === '.' && rest.length > 3 && HEX_DIGIT.test(rest[3]!)))) {
    return parseHexLongDouble(negative, rest.slice(2));
  }
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/.exec(rest);
  if (m === null) return undefined;
  const intDigits = m[1]!;
  const fracDigits = m[2] ?? '';
  if (intDigits.length === 0 && fracDigits.length === 0) return undefined;
  let digits = (intDigits + fracDigits).replace(/^0+/, '');
  // Exponents too long to matter are clamped; the magnitude test below rejects them.
  const expText = m[3];
  let exp10 = expText === undefined ? 0 : Math.max(-1e7, Math.min(1e7, Number(expText)));
  exp10 -= fracDigits.length;
  if (digits.length === 0) return { negative, mant: 0n, exp: 0, infinite: false };
  const trailing = digits.length - digits.replace(/0+$/, '').length;
  digits = digits.slice(0, digits.length - trailing);
  exp10 += trailing;
  const magnitude = digits.length + exp10; // value < 10^magnitude
  if (magnitude > 4934) return undefined; // ERANGE, HUGE_VALL
  if (magnitude < -4952) return undefined; // ERANGE, underflow to zero
  const d = BigInt(digits);
  let result: LongDouble;
  if (exp10 >= 0) result = roundToLongDouble(negative, d * 10n ** BigInt(exp10), 0);
  else result = roundQuotient(negative, d, 10n ** BigInt(-exp10));
  return result.infinite ? undefined : result;
}

function parseHexLongDouble(negative: boolean, s: string): LongDouble | undefined {
  const m = /^([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?\d+))?$/.exec(s);
  if (m === null) return undefined;
  const intDigits = m[1]!;
  const fracDigits = m[2] ?? '';
  const n = BigInt('0x' + (intDigits + fracDigits || '0'));
  const pText = m[3];
  const exp2 = (pText === undefined ? 0 : Math.max(-1e6, Math.min(1e6, Number(pText)))) - 4 * fracDigits.length;
  if (n === 0n) return { negative, mant: 0n, exp: 0, infinite: false };
  const result = roundToLongDouble(negative, n, exp2);
  if (result.infinite || result.exp + MANT_BITS < -16445) return undefined;
  return result;
}

/** a + b rounded to long double; the caller checks `infinite` (Redis answers NaN/Infinity errors). */
export function addLongDouble(a: LongDouble, b: LongDouble): LongDouble {
  if (a.infinite || b.infinite) return { negative: false, mant: 0n, exp: 0, infinite: true };
  if (a.mant === 0n) return b.mant === 0n ? { negative: a.negative && b.negative, mant: 0n, exp: 0, infinite: false } : b;
  if (b.mant === 0n) return a;
  const exp = Math.min(a.exp, b.exp);
  const av = a.mant << BigInt(a.exp - exp);
  const bv = b.mant << BigInt(b.exp - exp);
  const sum = (a.negative ? -av : av) + (b.negative ? -bv : bv);
  // An exact zero sum is +0 in round-to-nearest.
  if (sum === 0n) return { negative: false, mant: 0n, exp: 0, infinite: false };
  return sum < 0n ? roundToLongDouble(true, -sum, exp) : roundToLongDouble(false, sum, exp);
}

const TEN_POW_17 = 10n ** 17n;

/**
 * The text Redis stores for an INCRBYFLOAT result: "%.17Lf" (exact decimal expansion rounded
 * half-even to 17 places), trailing zeros and a bare '.' removed, "-0" turned into "0".
 */
export function formatLongDouble(v: LongDouble): string {
  let scaled: bigint;
  if (v.exp >= 0) {
    scaled = (v.mant << BigInt(v.exp)) * TEN_POW_17;
  } else {
    const shift = BigInt(-v.exp);
    const n = v.mant * TEN_POW_17;
    scaled = n >> shift;
    const rest = n - (scaled << shift);
    const half = ONE << (shift - ONE);
    if (rest > half || (rest === half && (scaled & ONE) === ONE)) scaled += ONE;
  }
  let digits = scaled.toString();
  if (digits.length < 18) digits = '0'.repeat(18 - digits.length) + digits;
  const intPart = digits.slice(0, digits.length - 17);
  const frac = digits.slice(digits.length - 17).replace(/0+$/, '');
  let text = frac.length === 0 ? intPart : intPart + '.' + frac;
  if (v.negative) text = text === '0' ? '0' : '-' + text;
  return text;
}

// ---------------------------------------------------------------------------------------------
// Bytes and bits of latin1 string values. Bit 0 is the most significant bit of byte 0, as in
// SETBIT/BITFIELD.
// ---------------------------------------------------------------------------------------------

/** Number of set bits in each byte value. */
export const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** s padded with zero bytes to at least `length` bytes (sdsgrowzero). */
export function padWithZeros(s: string, length: number): string {
  return s.length >= length ? s : s + '\0'.repeat(length - s.length);
}

/** s with byte `index` (< s.length) replaced; V8 joins the slices as a rope, no full copy here. */
export function replaceByte(s: string, index: number, byte: number): string {
  return s.slice(0, index) + String.fromCharCode(byte) + s.slice(index + 1);
}

/** Set bits in bytes [start, end] of s. */
export function popcountRange(s: string, start: number, end: number): number {
  let count = 0;
  for (let i = start; i <= end; i++) count += POPCOUNT[s.charCodeAt(i)]!;
  return count;
}
