// LZF, the compression of RDB strings (Redis's lzf_c.c / lzf_d.c, liblzf 3.6 as Redis builds it:
// HLOG 16, VERY_FAST). The compressed stream is a sequence of
//   000LLLLL + L+1 literal bytes                         (1..32 literals)
//   LLLooooo oooooooo        back reference, length L+2  (L = 1..6), offset o+1 (1..8192)
//   111ooooo LLLLLLLL oooooooo  back reference, length L+9, offset o+1
// The compressor follows liblzf's choices (hash of 3 bytes, the same table size and index function,
// the same re-hashing after a match), so its output matches redis-server's for the same input as
// long as redis-server's hash table starts out with no stale entries (liblzf leaves it uninitialised).

const HLOG = 16;
const HSIZE = 1 << HLOG;
const MAX_LIT = 1 << 5;
const MAX_OFF = 1 << 13;
const MAX_REF = (1 << 8) + (1 << 3);

/**
 * The last position of each hash, as base + position + 1 where base grows with every call: entries
 * not above the current base are from earlier calls and count as empty, so the table is not cleared
 * per call (a 256 KB fill that dominated the cost of compressing short strings).
 */
const table = new Uint32Array(HSIZE);
let nextBase = 0;

function idx(h: number): number {
  return ((h >>> (3 * 8 - HLOG)) - h * 5) & (HSIZE - 1);
}

/**
 * Compresses input[0..n) into at most `maxOut` bytes; null when the result would not fit (the
 * caller then stores the data uncompressed, as rdbSaveLzfStringObject does).
 */
export function lzfCompress(input: Uint8Array, maxOut: number): Buffer | null {
  if (maxOut <= 0) return null;
  const out = Buffer.allocUnsafe(maxOut);
  const n = lzfCompressInto(input, input.length, out, maxOut);
  return n === 0 ? null : out.subarray(0, n);
}

/**
 * Compresses input[0..inLen) into out[0..maxOut); the compressed size, or 0 when it does not fit
 * (lzf_compress's contract). No allocation: RDB writers pass reusable buffers.
 */
export function lzfCompressInto(input: Uint8Array, inLen: number, out: Uint8Array, maxOut: number): number {
  if (inLen === 0 || maxOut <= 0) return 0;
  if (nextBase + inLen + 1 >= 0xffffffff) {
    table.fill(0);
    nextBase = 0;
  }
  const base = nextBase;
  nextBase += inLen + 1;
  const outEnd = maxOut;
  let ip = 0;
  let op = 1; // room for the first literal run's control byte
  let lit = 0;
  // The hash keeps the last three bytes seen (24 bits are enough for idx()).
  let hval = (input[0]! << 8) | input[1]!;

  while (ip < inLen - 2) {
    hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
    const slot = idx(hval);
    const stored = table[slot]!;
    const ref = stored > base ? stored - base - 1 : -1;
    table[slot] = base + ip + 1;
    let off: number;
    if (
      ref > 0 &&
      (off = ip - ref - 1) < MAX_OFF &&
      input[ref + 2] === input[ip + 2] &&
      input[ref] === input[ip] &&
      input[ref + 1] === input[ip + 1]
    ) {
      let len = 2;
      let maxlen = inLen - ip - len;
      if (maxlen > MAX_REF) maxlen = MAX_REF;
      if (op + 3 + 1 >= outEnd && op - (lit === 0 ? 1 : 0) + 3 + 1 >= outEnd) return 0;
      out[op - lit - 1] = lit - 1; // close the literal run
      if (lit === 0) op--; // ... or drop it when empty
      // liblzf compares 16 bytes unrolled first (without the maxlen bound) when maxlen > 16, then
      // goes on one by one: reproduced as is, since it decides the match length near the end.
      let mismatch = false;
      if (maxlen > 16) {
        for (let k = 0; k < 16; k++) {
          len++;
          if (input[ref + len] !== input[ip + len]) {
            mismatch = true;
            break;
          }
        }
      }
      if (!mismatch) {
        do len++;
        while (len < maxlen && input[ref + len] === input[ip + len]);
      }
      len -= 2; // now the match length - 1
      ip++;
      if (len < 7) {
        out[op++] = (off >>> 8) + (len << 5);
      } else {
        out[op++] = (off >>> 8) + (7 << 5);
        out[op++] = len - 7;
      }
      out[op++] = off & 0xff;
      lit = 0;
      op++; // start a new literal run
      ip += len + 1;
      if (ip >= inLen - 2) break;
      // VERY_FAST: hash the last two positions of the match.
      ip -= 2;
      hval = (input[ip]! << 8) | input[ip + 1]!;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      table[idx(hval)] = base + ip + 1;
      ip++;
      hval = ((hval << 8) | input[ip + 2]!) & 0xffffff;
      table[idx(hval)] = base + ip + 1;
      ip++;
    } else {
      if (op >= outEnd) return 0;
      lit++;
      out[op++] = input[ip++]!;
      if (lit === MAX_LIT) {
        out[op - lit - 1] = lit - 1;
        lit = 0;
        op++;
      }
    }
  }

  if (op + 3 > outEnd) return 0;
  while (ip < inLen) {
    lit++;
    out[op++] = input[ip++]!;
    if (lit === MAX_LIT) {
      out[op - lit - 1] = lit - 1;
      lit = 0;
      op++;
    }
  }
  out[op - lit - 1] = lit - 1;
  if (lit === 0) op--;
  if (op > outEnd) return 0;
  return op;
}

/**
 * Decompresses `input` into a buffer of exactly `outLen` bytes; null when the data is corrupt or
 * does not decompress to that length (lzf_decompress's E2BIG / EINVAL, and Redis's length check).
 */
export function lzfDecompress(input: Uint8Array, outLen: number): Buffer | null {
  const out = Buffer.allocUnsafe(outLen);
  const inLen = input.length;
  let ip = 0;
  let op = 0;
  while (ip < inLen) {
    let ctrl = input[ip++]!;
    if (ctrl < 32) {
      ctrl++;
      if (op + ctrl > outLen || ip + ctrl > inLen) return null;
      for (let k = 0; k < ctrl; k++) out[op++] = input[ip++]!;
    } else {
      let len = ctrl >>> 5;
      let ref = op - ((ctrl & 0x1f) << 8) - 1;
      if (ip >= inLen) return null;
      if (len === 7) {
        len += input[ip++]!;
        if (ip >= inLen) return null;
      }
      ref -= input[ip++]!;
      len += 2;
      if (op + len > outLen || ref < 0) return null;
      // Byte by byte: the reference may overlap what it produces (runs).
      for (let k = 0; k < len; k++) out[op++] = out[ref++]!;
    }
  }
  return op === outLen ? out : null;
}
