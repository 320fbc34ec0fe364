// Strings for short request arguments that repeat. The parser (request-parser.ts) and the frames
// between workers (ipc/frames.ts) turn the bytes of an argument into a string; when the same bytes
// come again (a pipeline repeats its command name; a hot key, a queue or a set member recurs), the
// string made last time is handed back. That saves making it, and V8's hash of it is already
// computed for the Map lookups that follow; lookupCommand's and keyHashSlot's one-entry memos then
// hit by identity.

import { latin1Short, latin1Slice } from './latin1.ts';

/** The longest argument either cache takes (latin1Short's own limit). */
export const INTERN_MAX = 24;

const nameSlots: Array<string | undefined> = new Array(256);

/** A command name (len <= INTERN_MAX) from a small cache of recent names. */
export function internName(buf: Buffer, start: number, len: number): string {
  const slot = (len * 31 + buf[start]! * 7 + buf[start + len - 1]! * 3 + (len > 2 ? buf[start + 1]! : 0)) & 255;
  const cached = nameSlots[slot];
  if (cached !== undefined && cached.length === len) {
    let i = 0;
    while (i < len && cached.charCodeAt(i) === buf[start + i]) i++;
    if (i === len) return cached;
  }
  const name = latin1Slice(buf, start, start + len);
  nameSlots[slot] = name;
  return name;
}

/**
 * Recent short arguments (keys, members, small values), by a hash of a few of their bytes. A miss
 * costs the hash, a byte or two compared (backwards: keys of one pattern differ at their end) and
 * remembering the new string, ~20-40 ns; so when few arguments repeat (random keys), interning
 * pauses for INTERN_PAUSE arguments after each sample of INTERN_SAMPLE in which fewer than a
 * quarter were found.
 */
const argSlots = new Array<string | undefined>(1024).fill(undefined);
const INTERN_SAMPLE = 256;
const INTERN_PAUSE = 4096;
let internTried = 0;
let internFound = 0;
let internPaused = 0;

/** An argument (len <= INTERN_MAX) as a string, the one made last time when its bytes repeat. */
export function internArg(buf: Buffer, start: number, len: number): string {
  if (internPaused > 0) {
    internPaused--;
    return latin1Short(buf, start, start + len);
  }
  if (++internTried === INTERN_SAMPLE) {
    if (internFound < INTERN_SAMPLE / 4) internPaused = INTERN_PAUSE;
    internTried = 0;
    internFound = 0;
  }
  if (len === 0) return '';
  const last = start + len - 1;
  const slot = (len * 31 + buf[start]! * 7 + buf[last]! * 131 + buf[last - (len >> 1)]! * 17 + (len > 1 ? buf[last - 1]! * 1031 : 0)) & 1023;
  const cached = argSlots[slot];
  if (cached !== undefined && cached.length === len) {
    let i = len - 1;
    while (i >= 0 && cached.charCodeAt(i) === buf[start + i]) i--;
    if (i < 0) {
      internFound++;
      return cached;
    }
  }
  const arg = latin1Short(buf, start, start + len);
  argSlots[slot] = arg;
  return arg;
}
