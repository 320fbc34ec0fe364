/**
 * Walks encoded RESP2/RESP3 replies without decoding them: a coordinator that merges the replies of
 * several workers (MGET parts, fan-out counts) needs the extent of each element, not its value.
 */
const CR = 13;

function lineEnd(buf: Uint8Array, pos: number): number {
  let i = pos;
  while (buf[i] !== CR) i++;
  return i;
}

function lineNumber(buf: Uint8Array, start: number, end: number): number {
  let n = 0;
  let i = start;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
  }
  for (; i < end; i++) n = n * 10 + (buf[i]! - 48);
  return negative ? -n : n;
}

/** The offset just past the value that starts at `pos`. */
import { latin1Slice } from './latin1.ts';
export function skipValue(buf: Uint8Array, pos: number): number {
  const type = buf[pos]!;
  const end = lineEnd(buf, pos + 1);
  const after = end + 2;
  switch (type) {
    case 36: // $ bulk
    case 61: // = verbatim
    case 33: { // ! blob error
      const len = lineNumber(buf, pos + 1, end);
      return len < 0 ? after : after + len + 2;
    }
    case 42: // * array
    case 126: // ~ set
    case 62: { // > push
      const n = lineNumber(buf, pos + 1, end);
      let p = after;
      for (let i = 0; i < n; i++) p = skipValue(buf, p);
      return p;
    }
    case 37: { // % map
      const n = lineNumber(buf, pos + 1, end) * 2;
      let p = after;
      for (let i = 0; i < n; i++) p = skipValue(buf, p);
      return p;
    }
    case 124: { // | attribute, then the value it annotates
      const n = lineNumber(buf, pos + 1, end) * 2;
      let p = after;
      for (let i = 0; i < n; i++) p = skipValue(buf, p);
      return skipValue(buf, p);
    }
    default: // + - : _ , # ( one line
      return after;
  }
}

/** Element extents [start, end) of an array reply (starting at `pos`); null when it is not an array. */
export function arrayElements(buf: Uint8Array, pos = 0): Array<[number, number]> | null {
  const type = buf[pos];
  if (type !== 42 && type !== 126 && type !== 62) return null;
  const end = lineEnd(buf, pos + 1);
  const n = lineNumber(buf, pos + 1, end);
  if (n < 0) return null;
  const out: Array<[number, number]> = [];
  let p = end + 2;
  for (let i = 0; i < n; i++) {
    const next = skipValue(buf, p);
    out.push([p, next]);
    p = next;
  }
  return out;
}

/** The integer of a ':n' reply, or null for another type. */
export function integerReply(buf: Uint8Array, pos = 0): number | null {
  if (buf[pos] !== 58) return null;
  return lineNumber(buf, pos + 1, lineEnd(buf, pos + 1));
}

export function isErrorReply(buf: Uint8Array, pos = 0): boolean {
  return buf[pos] === 45 || buf[pos] === 33;
}

/** The text of a bulk or simple string at `pos` (latin1), or null for nil/other types. */
export function stringReply(buf: Buffer, pos = 0): string | null {
  const type = buf[pos];
  const end = lineEnd(buf, pos + 1);
  if (type === 43 || type === 45) return latin1Slice(buf, pos + 1, end);
  if (type === 36 || type === 61) {
    const len = lineNumber(buf, pos + 1, end);
    if (len < 0) return null;
    return latin1Slice(buf, end + 2, end + 2 + len);
  }
  return null;
}
