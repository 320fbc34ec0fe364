// Splits one line into arguments the way Redis's sdssplitargs does: used for inline commands (and
// usable for redis.conf lines, which Redis splits the same way).
//
// Rules, as Redis 7.0 applies them:
// - blanks between arguments are C isspace: space, \t, \n, \v, \f, \r;
// - an unquoted argument ends only at space, \n, \r, \t or the end of the line, so \v and \f inside an
//   argument are kept;
// - "double quotes" understand \xHH (two hex digits) and \n \r \t \b \a, and a backslash before any
//   other byte yields that byte;
// - 'single quotes' understand only \' ;
// - a quote can start in the middle of an argument (foo"bar" is foobar), but a closing quote must be
//   followed by a blank or the end of the line;
// - a missing closing quote, or a closing quote followed by something else, is an error (null).
//
// The caller guarantees the line has no NUL byte (Redis stops scanning at NUL, and the request parser
// never hands a line containing one), so "end of line" plays the role of C's terminating NUL.

import { latin1Slice } from './latin1.ts';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const BACKSLASH = 0x5c;

function isSpace(c: number): boolean {
  return c === SPACE || (c >= TAB && c <= CR); // \t \n \v \f \r
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  return -1;
}

// Quoted arguments need their bytes rewritten, so arguments are assembled here and then turned into
// one latin1 string. Grown on demand, shared by all callers (single-threaded, not reentrant).
let scratch = Buffer.allocUnsafe(1024);

/**
 * Splits buf[start, end) into arguments. Returns null on unbalanced or badly closed quotes.
 * An empty or all-blank line gives an empty array.
 */
export function splitArgs(buf: Uint8Array, start: number, end: number): string[] | null {
  if (scratch.length < end - start) scratch = Buffer.allocUnsafe(Math.max(end - start, scratch.length * 2));
  const out = scratch;
  const args: string[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(buf[p])) p++;
    if (p >= end) return args;

    let len = 0;
    let inDouble = false;
    let inSingle = false;
    let done = false;
    while (!done) {
      // c === -1 stands for the end of the line (C's terminating NUL).
      const c = p < end ? buf[p] : -1;
      if (inDouble) {
        const next = p + 1 < end ? buf[p + 1] : -1;
        if (c === BACKSLASH && next === 0x78 /* x */ && p + 3 < end &&
            hexValue(buf[p + 2]) >= 0 && hexValue(buf[p + 3]) >= 0) {
          out[len++] = hexValue(buf[p + 2]) * 16 + hexValue(buf[p + 3]);
          p += 3;
        } else if (c === BACKSLASH && next !== -1) {
          p++;
          switch (next) {
            case 0x6e: out[len++] = LF; break; // \n
            case 0x72: out[len++] = CR; break; // \r
            case 0x74: out[len++] = TAB; break; // \t
            case 0x62: out[len++] = 0x08; break; // \b
            case 0x61: out[len++] = 0x07; break; // \a
            default: out[len++] = next; break;
          }
        } else if (c === DQUOTE) {
          if (next !== -1 && !isSpace(next)) return null;
          done = true;
        } else if (c === -1) {
          return null;
        } else {
          out[len++] = c;
        }
      } else if (inSingle) {
        const next = p + 1 < end ? buf[p + 1] : -1;
        if (c === BACKSLASH && next === SQUOTE) {
          p++;
          out[len++] = SQUOTE;
        } else if (c === SQUOTE) {
          if (next !== -1 && !isSpace(next)) return null;
          done = true;
        } else if (c === -1) {
          return null;
        } else {
          out[len++] = c;
        }
      } else {
        switch (c) {
          case SPACE: case LF: case CR: case TAB: case -1:
            done = true;
            break;
          case DQUOTE:
            inDouble = true;
            break;
          case SQUOTE:
            inSingle = true;
            break;
          default:
            out[len++] = c;
            break;
        }
      }
      if (c !== -1) p++;
    }
    args.push(latin1Slice(out, 0, len));
  }
}

/** splitArgs over a latin1 string (config lines, tests). */
export function splitArgsString(line: string): string[] | null {
  const bytes = Buffer.from(line, 'latin1');
  return splitArgs(bytes, 0, bytes.length);
}
