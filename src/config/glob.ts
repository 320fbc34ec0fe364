// Redis's glob matching (stringmatchlen), used by CONFIG GET patterns: * ? [abc] [^a-z] and \ escapes.

function lower(c: string): string {
  return c.toLowerCase();
}

/** Does `pattern` match the whole of `str`? `nocase` compares ASCII letters case-insensitively. */
export function globMatch(pattern: string, str: string, nocase: boolean): boolean {
  const state = { skipLonger: false };
  return matchFrom(pattern, 0, str, 0, nocase, state);
}

function matchFrom(p: string, pi: number, s: string, si: number, nocase: boolean, state: { skipLonger: boolean }): boolean {
  while (pi < p.length && si < s.length) {
    const pc = p[pi]!;
    if (pc === '*') {
      while (pi + 1 < p.length && p[pi + 1] === '*') pi++;
      if (pi === p.length - 1) return true;
      while (si < s.length) {
        if (matchFrom(p, pi + 1, s, si, nocase, state)) return true;
        // The rest of the pattern failed at every later position: longer matches cannot help.
        if (state.skipLonger) return false;
        si++;
      }
      state.skipLonger = true;
      return false;
    } else if (pc === '?') {
      si++;
    } else if (pc === '[') {
      pi++;
      const not = p[pi] === '^';
      if (not) pi++;
      let match = false;
      const c = s[si]!;
      for (;;) {
        if (p[pi] === '\\' && p.length - pi >= 2) {
          pi++;
          if (p[pi] === c) match = true;
        } else if (p[pi] === ']') {
          break;
        } else if (pi >= p.length) {
          pi--; // unterminated class: stay on its last character
          break;
        } else if (p.length - pi >= 3 && p[pi + 1] === '-') {
          let start = p.charCodeAt(pi);
          let end = p.charCodeAt(pi + 2);
          let code = c.charCodeAt(0);
          if (start > end) [start, end] = [end, start];
          if (nocase) {
            start = lower(String.fromCharCode(start)).charCodeAt(0);
            end = lower(String.fromCharCode(end)).charCodeAt(0);
            code = lower(c).charCodeAt(0);
          }
          pi += 2;
          if (code >= start && code <= end) match = true;
        } else if (nocase ? lower(p[pi]!) === lower(c) : p[pi] === c) {
          match = true;
        }
        pi++;
      }
      if (not) match = !match;
      if (!match) return false;
      si++;
    } else {
      let lit = pc;
      if (pc === '\\' && p.length - pi >= 2) {
        pi++;
        lit = p[pi]!;
      }
      if (nocase ? lower(lit) !== lower(s[si]!) : lit !== s[si]) return false;
      si++;
    }
    pi++;
    if (si === s.length) {
      while (p[pi] === '*') pi++;
      break;
    }
  }
  return pi === p.length && si === s.length;
}

/** True if the name contains a glob metacharacter, so CONFIG GET must scan instead of looking up. */
export function hasGlobChars(name: string): boolean {
  return /[[*?]/.test(name);
}
