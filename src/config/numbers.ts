// Redis's number parsing for configuration values, on 64-bit BigInts so that values such as
// maxmemory 18446744073709551615 print back exactly as redis-server prints them.

const ULLONG_MAX = (1n << 64n) - 1n;
const LLONG_MAX = (1n << 63n) - 1n;
const LLONG_MIN = -(1n << 63n);

/** string2ll(): strict decimal, optional '-', no '+', no leading zeros, no blanks, in long long range. */
export function parseStrictInt(s: string): bigint | null {
  if (s.length === 0 || s.length >= 21) return null;
  if (s === '0') return 0n;
  let i = 0;
  let negative = false;
  if (s[0] === '-') {
    negative = true;
    i = 1;
    if (s.length === 1) return null;
  }
  if (!(s[i]! >= '1' && s[i]! <= '9')) return null;
  for (let k = i + 1; k < s.length; k++) if (!(s[k]! >= '0' && s[k]! <= '9')) return null;
  const v = BigInt(s.slice(i));
  if (negative) return -v < LLONG_MIN ? null : -v;
  return v > LLONG_MAX ? null : v;
}

/**
 * memtoull(): digits followed by an optional unit b, k, kb, m, mb, g, gb (case-insensitive);
 * k/m/g are powers of 1000, kb/mb/gb powers of 1024. Like Redis, no digits means 0, an
 * overflowing number saturates and the multiplication wraps at 64 bits. Negative is an error.
 */
export function parseMemory(s: string): bigint | null {
  if (s.startsWith('-')) return null;
  let u = 0;
  while (u < s.length && s[u]! >= '0' && s[u]! <= '9') u++;
  const unit = s.slice(u).toLowerCase();
  let mul: bigint;
  switch (unit) {
    case '': case 'b': mul = 1n; break;
    case 'k': mul = 1000n; break;
    case 'kb': mul = 1024n; break;
    case 'm': mul = 1000n * 1000n; break;
    case 'mb': mul = 1024n * 1024n; break;
    case 'g': mul = 1000n * 1000n * 1000n; break;
    case 'gb': mul = 1024n * 1024n * 1024n; break;
    default: return null;
  }
  if (u >= 128) return null;
  let val = u === 0 ? 0n : BigInt(s.slice(0, u));
  if (val > ULLONG_MAX) val = ULLONG_MAX; // strtoull saturates; Redis does not check ERANGE
  return BigInt.asUintN(64, val * mul);
}

/** Octal like strtoll(value, &end, 8) with a full-match check (blanks and sign allowed by strtoll). */
export function parseOctal(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-7]+)$/.exec(s);
  if (!m) return null;
  const v = BigInt('0o' + m[2]!);
  const signed = m[1] === '-' ? -v : v;
  if (signed > LLONG_MAX || signed < LLONG_MIN) return null; // ERANGE
  return signed;
}

/** strtoll(s, &end, 10) with a full-match check, as Redis uses for save and buffer-limit seconds. */
export function parseLooseInt(s: string): bigint | null {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(s);
  if (!m) return s.length === 0 ? 0n : null; // strtoll("") consumes nothing: end points at '\0'
  let v = BigInt(m[1]!);
  if (v > LLONG_MAX) v = LLONG_MAX;
  if (v < LLONG_MIN) v = LLONG_MIN;
  return v;
}

/** How CONFIG REWRITE writes a byte count: the largest of gb, mb, kb that divides it exactly. */
export function formatMemoryForRewrite(bytes: bigint): string {
  const gb = 1024n * 1024n * 1024n;
  const mb = 1024n * 1024n;
  const kb = 1024n;
  if (bytes !== 0n && bytes % gb === 0n) return `${bytes / gb}gb`;
  if (bytes !== 0n && bytes % mb === 0n) return `${bytes / mb}mb`;
  if (bytes !== 0n && bytes % kb === 0n) return `${bytes / kb}kb`;
  return `${bytes}`;
}

/** A double as Redis's "%f" trimmed of trailing zeros (latency-tracking-info-percentiles). */
export function formatTrimmedDouble(v: number): string {
  let s = v.toFixed(6);
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/** string2d(): a double without blanks, not NaN. */
export function parseStrictDouble(s: string): number | null {
  if (s.length === 0 || /^[\s]/.test(s) || /[\s]$/.test(s)) return null;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) && !/^[+-]?(inf|infinity)$/i.test(s)) return null;
  const v = Number(s.toLowerCase().startsWith('-inf') ? '-Infinity' : /inf/i.test(s) ? 'Infinity' : s);
  return Number.isNaN(v) ? null : v;
}
