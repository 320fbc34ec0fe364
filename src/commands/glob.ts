// Glob-style matching as Redis's stringmatchlen (util.c, 7.0): used by KEYS, SCAN MATCH and, later,
// PSUBSCRIBE and ACL key patterns. Patterns and subjects are latin1 strings (one char per byte).
//
// Malformed patterns behave as in Redis because Redis's code reads one byte past the pattern's end
// (an sds string is NUL-terminated): `at()` answers 0 past the end so that those reads agree. Range
// bounds compare as signed chars (x86 `char`), so bytes ≥ 0x80 sort below ASCII inside [a-z] ranges.
// Case folding (nocase) is C-locale tolower: ASCII A-Z only.

/** Byte i of s, 0 past the end (the sds terminator Redis reads there). */
function at(s: string, i: number): number {
  return i < s.length ? s.charCodeAt(i) : 0;
}

/** A byte as C's signed char, for the ordering comparisons of [a-z] ranges. */
function signedChar(b: number): number {
  return b >= 128 ? b - 256 : b;
}

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/**
 * Where the token at p (anything but '*') ends if it matches byte c, or -1 if it does not. Every such
 * token matches exactly one byte, and where it ends does not depend on c: Redis reads a [class] to
 * its ']' (or to the pattern's end) whether or not a byte already matched.
 */
function matchToken(pattern: string, p: number, c: number, nocase: boolean): number {
  const patternEnd = pattern.length;
  const pc = pattern.charCodeAt(p);
  if (pc === 63 /* ? */) return p + 1;
  if (pc === 91 /* [ */) {
    p++;
    const not = at(pattern, p) === 94; /* ^ */
    if (not) p++;
    let match = false;
    for (;;) {
      const bc = at(pattern, p);
      if (bc === 92 /* \ */ && patternEnd - p >= 2) {
        p++;
        if (at(pattern, p) === c) match = true;
      } else if (bc === 93 /* ] */) {
        break;
      } else if (p >= patternEnd) {
        // Unterminated class: stop on the last pattern byte so that the step below ends the pattern.
        p--;
        break;
      } else if (patternEnd - p >= 3 && at(pattern, p + 1) === 45 /* - */) {
        // "[a-]" takes ']' as the range's end and the class goes on: Redis does the same.
        let start = signedChar(bc);
        let end = signedChar(at(pattern, p + 2));
        let ch = signedChar(c);
        if (start > end) {
          const t = start;
          start = end;
          end = t;
        }
        if (nocase) {
          start = lower(start);
          end = lower(end);
          ch = lower(ch);
        }
        p += 2;
        if (ch >= start && ch <= end) match = true;
      } else if (nocase ? lower(bc) === lower(c) : bc === c) {
        match = true;
      }
      p++;
    }
    if (not) match = !match;
    return match ? p + 1 : -1;
  }
  // A backslash escapes the next byte; a trailing backslash matches itself.
  let lit = pc;
  if (pc === 92 /* \ */ && patternEnd - p >= 2) {
    p++;
    lit = pattern.charCodeAt(p);
  }
  return (nocase ? lower(lit) === lower(c) : lit === c) ? p + 1 : -1;
}

/**
 * True when s matches the glob pattern, exactly as Redis's stringmatchlen.
 *
 * Redis recurses once per '*' and prunes with skipLongerMatches; that search is the classic glob
 * match with single-byte tokens, so it is done here iteratively with one backtrack point (the last
 * '*'): linear memory, no stack overflow on long patterns, O(pattern × string) time at worst.
 */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  const patternEnd = pattern.length;
  const stringEnd = s.length;
  // Redis's loop never runs on an empty string: it matches only the empty pattern, not even "*".
  if (stringEnd === 0) return patternEnd === 0;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < stringEnd) {
    if (p < patternEnd && pattern.charCodeAt(p) === 42 /* * */) {
      while (at(pattern, p + 1) === 42) p++;
      if (p === patternEnd - 1) return true;
      starP = p;
      starI = i;
      p++;
      continue;
    }
    if (p < patternEnd) {
      const next = matchToken(pattern, p, s.charCodeAt(i), nocase);
      if (next !== -1) {
        p = next;
        i++;
        continue;
      }
    }
    // Mismatch (or pattern exhausted): let the last '*' swallow one more byte and retry after it.
    if (starP === -1) return false;
    starI++;
    i = starI;
    p = starP + 1;
  }
  while (at(pattern, p) === 42) p++;
  return p >= patternEnd;
}
