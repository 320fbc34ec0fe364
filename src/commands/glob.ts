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
 * Match state shared by the recursion: once a '*' has tried every remaining suffix without success,
 * an earlier '*' cannot succeed either (Redis's skipLongerMatches), which keeps patterns like
 * "*a*a*a*a*b" from taking exponential time.
 */
interface MatchState {
  skipLongerMatches: boolean;
}

function matchFrom(pattern: string, p: number, s: string, i: number, nocase: boolean, state: MatchState): boolean {
  const patternEnd = pattern.length;
  const stringEnd = s.length;
  while (p < patternEnd && i < stringEnd) {
    const c = pattern.charCodeAt(p);
    if (c === 42 /* * */) {
      while (p < patternEnd && at(pattern, p + 1) === 42) p++;
      if (patternEnd - p === 1) return true;
      while (i < stringEnd) {
        if (matchFrom(pattern, p + 1, s, i, nocase, state)) return true;
        if (state.skipLongerMatches) return false;
        i++;
      }
      state.skipLongerMatches = true;
      return false;
    } else if (c === 63 /* ? */) {
      i++;
    } else if (c === 91 /* [ */) {
      p++;
      const not = at(pattern, p) === 94; /* ^ */
      if (not) p++;
      let match = false;
      const sc = s.charCodeAt(i);
      for (;;) {
        const pc = at(pattern, p);
        if (pc === 92 /* \ */ && patternEnd - p >= 2) {
          p++;
          if (at(pattern, p) === sc) match = true;
        } else if (pc === 93 /* ] */) {
          break;
        } else if (p >= patternEnd) {
          // Unterminated class: stop on the last pattern byte so that the step below ends the pattern.
          p--;
          break;
        } else if (patternEnd - p >= 3 && at(pattern, p + 1) === 45 /* - */) {
          let start = signedChar(pc);
          let end = signedChar(at(pattern, p + 2));
          let ch = signedChar(sc);
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
        } else if (nocase ? lower(pc) === lower(sc) : pc === sc) {
          match = true;
        }
        p++;
      }
      if (not) match = !match;
      if (!match) return false;
      i++;
    } else {
      // A backslash escapes the next byte; a trailing backslash matches itself.
      let pc = c;
      if (c === 92 /* \ */ && patternEnd - p >= 2) {
        p++;
        pc = pattern.charCodeAt(p);
      }
      const sc = s.charCodeAt(i);
      if (nocase ? lower(pc) !== lower(sc) : pc !== sc) return false;
      i++;
    }
    p++;
    if (i === stringEnd) {
      while (at(pattern, p) === 42) p++;
      break;
    }
  }
  return p >= patternEnd && i === stringEnd;
}

/** True when s matches the glob pattern, exactly as Redis's stringmatchlen. */
export function globMatch(pattern: string, s: string, nocase = false): boolean {
  return matchFrom(pattern, 0, s, 0, nocase, { skipLongerMatches: false });
}
