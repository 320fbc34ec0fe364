// Doubles in replies, as Redis 7.0's addReplyDouble prints them: C's "%.17g" (17 significant digits,
// correctly rounded with ties to even, trailing zeros dropped, exponent form when the decimal exponent
// is < -4 or >= 17), with "inf" / "-inf" spelled out. Measured on redis-server 7.0.15: ZSCORE of 0.1
// is "0.10000000000000001", of 1e100 "1e+100", of -0.0 "-0" (RESP3 ",-0"). (Redis 7.2 changed to
// shortest round-trip output; 7.0 is the target.)
//
// JS's toExponential(16) gives the same 17 digits except on exact ties, where it rounds up instead
// of to even; those rare cases are settled exactly with BigInt.

const TWO_POW_25 = 33554432;
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Index of the high word (sign and exponent) on this machine's byte order.
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

export function formatDouble(d: number): string {
  if (d === Infinity) return 'inf';
  if (d === -Infinity) return '-inf';
  if (d !== d) {
    // glibc prints the sign bit of a NaN.
    f64[0] = d;
    return u32[HIGH] >>> 31 ? '-nan' : 'nan';
  }
  if (d === 0) return Object.is(d, -0) ? '-0' : '0';
  // Safe integers have at most 16 digits, which %.17g prints exactly, as does String().
  if (Number.isSafeInteger(d)) return String(d);

  const negative = d < 0;
  const abs = negative ? -d : d;
  const exp = abs.toExponential(16); // "d.dddddddddddddddde+X"
  const e = exp.indexOf('e');
  let digits = exp[0] + exp.slice(2, e);
  let x = Number(exp.slice(e + 1));

  // A tie at the 18th digit needs an exact value with exactly 18 significant digits, which needs few
  // fractional bits (5^k with k <= 25); only then check whether it is a real tie.
  if (Number.isInteger(abs * TWO_POW_25)) {
    const tie = roundTieToEven(abs);
    if (tie !== null) {
      digits = tie.digits;
      x = tie.exponent;
    }
  }

  // Drop trailing zeros (%g without '#').
  let last = digits.length;
  while (last > 1 && digits.charCodeAt(last - 1) === 0x30) last--;
  digits = digits.slice(0, last);

  let out: string;
  if (x < -4 || x >= 17) {
    const mantissa = digits.length > 1 ? digits[0] + '.' + digits.slice(1) : digits;
    const ax = x < 0 ? -x : x;
    out = mantissa + (x < 0 ? 'e-' : 'e+') + (ax < 10 ? '0' + ax : String(ax));
  } else if (x >= 0) {
    if (digits.length <= x + 1) out = digits + '0'.repeat(x + 1 - digits.length);
    else out = digits.slice(0, x + 1) + '.' + digits.slice(x + 1);
  } else {
    out = '0.' + '0'.repeat(-x - 1) + digits;
  }
  return negative ? '-' + out : out;
}

/**
 * For a positive double whose exact decimal expansion has exactly 18 significant digits ending in 5
 * (an exact tie at 17 digits), returns the 17 digits rounded half to even and the decimal exponent.
 * Returns null when there is no tie (toExponential's rounding is then correct).
 */
function roundTieToEven(abs: number): { digits: string; exponent: number } | null {
  // abs = m * 2^-k exactly, with m an integer (abs * 2^25 is an integer, so k <= 25).
  let k = 0;
  let m = abs;
  while (!Number.isInteger(m)) {
    m *= 2;
    k++;
  }
  // abs = m * 5^k / 10^k
  const exact = (BigInt(m) * 5n ** BigInt(k)).toString();
  let sig = exact.length;
  while (sig > 1 && exact.charCodeAt(sig - 1) === 0x30) sig--;
  if (sig !== 18 || exact[17] !== '5') return null;
  // Decimal exponent of the leading digit: exact has exact.length digits before dividing by 10^k.
  let exponent = exact.length - 1 - k;
  let head = exact.slice(0, 17);
  if ((head.charCodeAt(16) - 0x30) % 2 === 1) {
    // Round up; a carry out of the leading digit bumps the exponent.
    const bumped = (BigInt(head) + 1n).toString();
    if (bumped.length > 17) {
      exponent++;
      head = bumped.slice(0, 17);
    } else {
      head = bumped;
    }
  }
  return { digits: head, exponent };
}
