// HyperLogLog (Redis's hyperloglog.c data side), in Redis's exact representation so that the value is
// a plain Redis string byte-identical to redis-server's:
//
//   "HYLL" | encoding (0 dense, 1 sparse) | 3 unused bytes | cached cardinality (8 bytes, little
//   endian; the top bit of the last byte set = cache invalid) | registers
//
// - dense: 16384 registers of 6 bits, packed little-endian-bitwise (register i starts at bit 6i).
// - sparse: run-length opcodes: ZERO 00xxxxxx (1..64 zero registers), XZERO 01xxxxxx yyyyyyyy
//   (1..16384 zero registers), VAL 1vvvvvxx (1..4 registers of value 1..32).
//
// Commands copy the string value into an HllBuffer (bytes they may modify and grow), and write it back
// as a latin1 string when it changed. Hashing is MurmurHash64A with seed 0xadc83b19, computed on two
// 32-bit halves (no BigInt on the hot path).

import { latin1Write } from '../resp/latin1.ts';

export const HLL_P = 14;
export const HLL_Q = 64 - HLL_P;
export const HLL_REGISTERS = 1 << HLL_P;
const HLL_P_MASK = HLL_REGISTERS - 1;
export const HLL_BITS = 6;
export const HLL_REGISTER_MAX = (1 << HLL_BITS) - 1;
export const HLL_HDR_SIZE = 16;
export const HLL_DENSE_SIZE = HLL_HDR_SIZE + ((HLL_REGISTERS * HLL_BITS + 7) >> 3);
export const HLL_DENSE = 0;
export const HLL_SPARSE = 1;
const HLL_MAX_ENCODING = 1;

const SPARSE_VAL_MAX_VALUE = 32;
const SPARSE_VAL_MAX_LEN = 4;
const SPARSE_ZERO_MAX_LEN = 64;
const SPARSE_XZERO_MAX_LEN = 16384;
/** 0.5 / ln(2) */
const HLL_ALPHA_INF = 0.72134752044448170368;

// ---------------------------------------------------------------------------------------------
// MurmurHash64A on 32-bit halves.

const M_HI = 0xc6a4a793 | 0;
const M_LO = 0x5bd1e995 | 0;
const M_LO0 = 0xe995;
const M_LO1 = 0x5bd1;
const SEED = 0xadc83b19 | 0;

/**
 * The high 32 bits of the unsigned product a * M_LO (Hacker's Delight mulhu on 16-bit halves: every
 * intermediate stays below 2^32, so no rounding and no floor).
 */
function mulhiLo(a: number): number {
  const a0 = a & 0xffff;
  const a1 = a >>> 16;
  const t = ((a0 * M_LO0) >>> 16) + a1 * M_LO0;
  const w1 = (t & 0xffff) + a0 * M_LO1;
  return (a1 * M_LO1 + (t >>> 16) + (w1 >>> 16)) | 0;
}

/** High half of (h:l) * m mod 2^64, as an int32 (the low half is Math.imul(l, M_LO)). */
function mulHi(h: number, l: number): number {
  return (mulhiLo(l) + Math.imul(h, M_LO) + Math.imul(l, M_HI)) | 0;
}

/**
 * MurmurHash64A of the latin1 bytes of s with Redis's seed: [high, low] 32-bit halves as int32 in
 * hashOut (a typed array: module-level numbers would be boxed on every write).
 */
const hashOut = new Int32Array(2);

function murmurHash64A(s: string): void {
  const len = s.length;
  // h = seed ^ (len * m); len < 2^32
  let hHi = mulHi(0, len);
  let hLo = Math.imul(len, M_LO) ^ SEED;
  const blocks = len - (len & 7);
  let i = 0;
  for (; i < blocks; i += 8) {
    let kLo = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 8) | (s.charCodeAt(i + 2) << 16) | (s.charCodeAt(i + 3) << 24);
    let kHi = s.charCodeAt(i + 4) | (s.charCodeAt(i + 5) << 8) | (s.charCodeAt(i + 6) << 16) | (s.charCodeAt(i + 7) << 24);
    // k *= m; k ^= k >> 47; k *= m
    let t = mulHi(kHi, kLo);
    kLo = Math.imul(kLo, M_LO);
    kHi = t;
    kLo ^= kHi >>> 15;
    t = mulHi(kHi, kLo);
    kLo = Math.imul(kLo, M_LO);
    kHi = t;
    // h ^= k; h *= m
    hHi ^= kHi;
    hLo ^= kLo;
    t = mulHi(hHi, hLo);
    hLo = Math.imul(hLo, M_LO);
    hHi = t;
  }
  const rest = len & 7;
  if (rest !== 0) {
    if (rest >= 7) hHi ^= s.charCodeAt(i + 6) << 16;
    if (rest >= 6) hHi ^= s.charCodeAt(i + 5) << 8;
    if (rest >= 5) hHi ^= s.charCodeAt(i + 4);
    if (rest >= 4) hLo ^= s.charCodeAt(i + 3) << 24;
    if (rest >= 3) hLo ^= s.charCodeAt(i + 2) << 16;
    if (rest >= 2) hLo ^= s.charCodeAt(i + 1) << 8;
    hLo ^= s.charCodeAt(i);
    const t = mulHi(hHi, hLo);
    hLo = Math.imul(hLo, M_LO);
    hHi = t;
  }
  // h ^= h >> 47; h *= m; h ^= h >> 47
  hLo ^= hHi >>> 15;
  const t = mulHi(hHi, hLo);
  hLo = Math.imul(hLo, M_LO);
  hHi = t;
  hLo ^= hHi >>> 15;
  hashOut[0] = hHi;
  hashOut[1] = hLo;
}

/** The 64-bit MurmurHash64A of a latin1 string as unsigned [high, low] (tests and PFSELFTEST). */
export function murmurHash64AHalves(s: string): [number, number] {
  murmurHash64A(s);
  return [hashOut[0]! >>> 0, hashOut[1]! >>> 0];
}

/** Register index of the last patternLength() call. */
let patIndex = 0;

/**
 * hllPatLen: hashes the element (exported for PFSELFTEST, which feeds one element to two HLLs); its low 14 bits pick the register (left in patIndex), and the result
 * is 1 + the number of trailing zero bits of the remaining 50 bits (at most 51).
 */
export function patternLength(ele: string): number {
  murmurHash64A(ele);
  const hi = hashOut[0]!;
  const lo = hashOut[1]!;
  patIndex = lo & HLL_P_MASK;
  const low = (lo >>> HLL_P) | (hi << (32 - HLL_P));
  if (low !== 0) return 32 - Math.clz32(low & -low);
  const high = (hi >>> HLL_P) | (1 << (HLL_Q - 32));
  return 64 - Math.clz32(high & -high);
}

// ---------------------------------------------------------------------------------------------
// Estimation (Otmar Ertl, "New cardinality estimation algorithms for HyperLogLog sketches").

function hllSigma(x: number): number {
  if (x === 1) return Infinity;
  let zPrime: number;
  let y = 1;
  let z = x;
  do {
    x *= x;
    zPrime = z;
    z += x * y;
    y += y;
  } while (zPrime !== z);
  return z;
}

function hllTau(x: number): number {
  if (x === 0 || x === 1) return 0;
  let zPrime: number;
  let y = 1.0;
  let z = 1 - x;
  do {
    x = Math.sqrt(x);
    zPrime = z;
    y *= 0.5;
    const d = 1 - x;
    z -= d * d * y;
  } while (zPrime !== z);
  return z / 3;
}

/**
 * The estimate from a register histogram (hllCount's second half). Returns a number, or a bigint when
 * the estimate is beyond 2^53 (only for corrupted registers: llroundl of infinity is INT64_MIN).
 */
function estimate(histo: Int32Array): number | bigint {
  const m = HLL_REGISTERS;
  let z = m * hllTau((m - histo[HLL_Q + 1]!) / m);
  for (let j = HLL_Q; j >= 1; --j) {
    z += histo[j]!;
    z *= 0.5;
  }
  z += m * hllSigma(histo[0]! / m);
  const e = (HLL_ALPHA_INF * m * m) / z;
  // llroundl rounds halves away from zero; e is positive. Out of range gives 0x8000000000000000.
  if (!(e < 9223372036854775807)) return -9223372036854775808n;
  const r = Math.round(e);
  return Number.isSafeInteger(r) ? r : BigInt(r);
}

// ---------------------------------------------------------------------------------------------
// The value being worked on.

const ERR_INVALID = -1;

/**
 * The bytes of one HLL value, modifiable: bytes[0, length). Sparse values grow by at most 3 bytes per
 * register update (capacity is made before each); promotion replaces `bytes` with a dense array.
 */
export class HllBuffer {
  bytes: Uint8Array;
  length: number;

  constructor(bytes: Uint8Array, length: number) {
    this.bytes = bytes;
    this.length = length;
  }

  /** A fresh empty HLL (createHLLObject): sparse, the registers as one XZERO of 16384. */
  static create(): HllBuffer {
    const bytes = new Uint8Array(64);
    bytes[0] = 0x48; // H
    bytes[1] = 0x59; // Y
    bytes[2] = 0x4c; // L
    bytes[3] = 0x4c; // L
    bytes[4] = HLL_SPARSE;
    const l = SPARSE_XZERO_MAX_LEN - 1;
    bytes[16] = (l >> 8) | 0x40;
    bytes[17] = l & 0xff;
    return new HllBuffer(bytes, 18);
  }

  /** A copy of a string value's bytes (the string must be a valid HLL: see isValidHll). */
  static fromString(s: string): HllBuffer {
    const bytes = Buffer.allocUnsafe(s.length + 16);
    latin1Write(bytes, s, 0);
    return new HllBuffer(bytes, s.length);
  }

  toString(): string {
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.length).toString('latin1');
  }

  get encoding(): number {
    return this.bytes[4]!;
  }

  invalidateCache(): void {
    this.bytes[15]! |= 0x80;
  }

  get cacheValid(): boolean {
    return (this.bytes[15]! & 0x80) === 0;
  }


  setCachedCardinality(card: number | bigint): void {
    const b = this.bytes;
    let lo: number;
    let hi: number;
    if (typeof card === 'bigint') {
      const u = BigInt.asUintN(64, card);
      lo = Number(u & 0xffffffffn);
      hi = Number(u >> 32n);
    } else {
      lo = card >>> 0;
      hi = Math.floor(card / 4294967296) >>> 0;
    }
    b[8] = lo & 0xff;
    b[9] = (lo >>> 8) & 0xff;
    b[10] = (lo >>> 16) & 0xff;
    b[11] = lo >>> 24;
    b[12] = hi & 0xff;
    b[13] = (hi >>> 8) & 0xff;
    b[14] = (hi >>> 16) & 0xff;
    b[15] = hi >>> 24;
  }

  /** Adds an element: 1 when a register changed, 0 when not, -1 for a corrupted sparse value. */
  add(ele: string, sparseMaxBytes: number): number {
    const count = patternLength(ele);
    const index = patIndex;
    if (this.bytes[4] === HLL_DENSE) return denseSet(this.bytes, index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  /** Sets register `index` to `count` if larger (hllSparseSet / hllDenseSet by encoding). */
  set(index: number, count: number, sparseMaxBytes: number): number {
    if (this.bytes[4] === HLL_DENSE) return denseSet(this.bytes, index, count);
    return this.sparseSet(index, count, sparseMaxBytes);
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.bytes.length * 2, this.length + extra));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /** hllSparseSet, step for step, so the opcodes come out as Redis's do. */
  private sparseSet(index: number, count: number, sparseMaxBytes: number): number {
    if (count > SPARSE_VAL_MAX_VALUE) return this.promoteAndSet(index, count);
    this.reserve(3);
    const b = this.bytes;
    const sparse = HLL_HDR_SIZE;
    let end = this.length;
    let p = sparse;
    let first = 0;
    let prev = -1;
    let span = 0;
    while (p < end) {
      const op = b[p]!;
      let oplen = 1;
      if ((op & 0xc0) === 0) span = (op & 0x3f) + 1;
      else if (op & 0x80) span = (op & 3) + 1;
      else {
        span = (((op & 0x3f) << 8) | b[p + 1]!) + 1;
        oplen = 2;
      }
      if (index <= first + span - 1) break;
      prev = p;
      p += oplen;
      first += span;
    }
    if (span === 0 || p >= end) return ERR_INVALID;

    const op = b[p]!;
    const isZero = (op & 0xc0) === 0;
    const isXzero = (op & 0xc0) === 0x40;
    const isVal = (op & 0x80) !== 0;
    let next = isXzero ? p + 2 : p + 1;
    if (next >= end) next = -1;
    const runlen = isZero ? (op & 0x3f) + 1 : isXzero ? (((op & 0x3f) << 8) | b[p + 1]!) + 1 : (op & 3) + 1;

    let updated = false;
    if (isVal) {
      const oldcount = ((op >> 2) & 0x1f) + 1;
      if (oldcount >= count) return 0;
      if (runlen === 1) {
        b[p] = valOp(count, 1);
        updated = true;
      }
    }
    if (!updated && isZero && runlen === 1) {
      b[p] = valOp(count, 1);
      updated = true;
    }
    if (!updated) {
      // General case: split the opcode into up to three (XZERO-VAL-XZERO is 5 bytes).
      const seq = splitSeq;
      let n = 0;
      const last = first + span - 1;
      if (isZero || isXzero) {
        if (index !== first) n = writeZeros(seq, n, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) n = writeZeros(seq, n, last - index);
      } else {
        const curval = ((op >> 2) & 0x1f) + 1;
        if (index !== first) seq[n++] = valOp(curval, index - first);
        seq[n++] = valOp(count, 1);
        if (index !== last) seq[n++] = valOp(curval, last - index);
      }
      const seqlen = n;
      const oldlen = isXzero ? 2 : 1;
      const deltalen = seqlen - oldlen;
      if (deltalen > 0 && this.length + deltalen > sparseMaxBytes) return this.promoteAndSet(index, count);
      if (deltalen !== 0 && next >= 0) b.copyWithin(next + deltalen, next, end);
      this.length += deltalen;
      for (let i = 0; i < seqlen; i++) b[p + i] = seq[i]!;
      end += deltalen;
    }

    // Merge adjacent VAL opcodes of equal value, scanning up to 5 opcodes from prev.
    p = prev >= 0 ? prev : sparse;
    let scanlen = 5;
    while (p < end && scanlen-- > 0) {
      const o = b[p]!;
      if ((o & 0xc0) === 0x40) {
        p += 2;
        continue;
      } else if ((o & 0xc0) === 0) {
        p++;
        continue;
      }
      if (p + 1 < end && (b[p + 1]! & 0x80) !== 0) {
        const v1 = ((o >> 2) & 0x1f) + 1;
        const o2 = b[p + 1]!;
        const v2 = ((o2 >> 2) & 0x1f) + 1;
        if (v1 === v2) {
          const len = (o & 3) + 1 + (o2 & 3) + 1;
          if (len <= SPARSE_VAL_MAX_LEN) {
            b[p + 1] = valOp(v1, len);
            b.copyWithin(p, p + 1, end);
            this.length--;
            end--;
            continue;
          }
        }
      }
      p++;
    }
    this.invalidateCache();
    return 1;
  }

  private promoteAndSet(index: number, count: number): number {
    if (!this.toDense()) return ERR_INVALID;
    denseSet(this.bytes, index, count);
    return 1;
  }

  /** hllSparseToDense: false when the sparse opcodes do not cover exactly 16384 registers. */
  toDense(): boolean {
    const b = this.bytes;
    if (b[4] === HLL_DENSE) return true;
    const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
    for (let i = 0; i < HLL_HDR_SIZE; i++) dense[i] = b[i]!;
    dense[4] = HLL_DENSE;
    let idx = 0;
    let p = HLL_HDR_SIZE;
    const end = this.length;
    while (p < end) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        idx += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        idx += (((op & 0x3f) << 8) | b[p + 1]!) + 1;
        p += 2;
      } else {
        let runlen = (op & 3) + 1;
        const regval = ((op >> 2) & 0x1f) + 1;
        if (runlen + idx > HLL_REGISTERS) break;
        while (runlen-- > 0) setRegister(dense, idx++, regval);
        p++;
      }
    }
    if (idx !== HLL_REGISTERS) return false;
    this.bytes = dense;
    this.length = HLL_DENSE_SIZE;
    return true;
  }

  /** hllMerge: max[i] = MAX(max[i], register i); false for a corrupted sparse value. */
  mergeInto(max: Uint8Array): boolean {
    const b = this.bytes;
    if (b[4] === HLL_DENSE) {
      for (let i = 0; i < HLL_REGISTERS; i++) {
        const v = getRegister(b, i);
        if (v > max[i]!) max[i] = v;
      }
      return true;
    }
    let i = 0;
    let p = HLL_HDR_SIZE;
    const end = this.length;
    while (p < end) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        i += (op & 0x3f) + 1;
        p++;
      } else if ((op & 0xc0) === 0x40) {
        i += (((op & 0x3f) << 8) | b[p + 1]!) + 1;
        p += 2;
      } else {
        let runlen = (op & 3) + 1;
        const regval = ((op >> 2) & 0x1f) + 1;
        if (runlen + i > HLL_REGISTERS) break;
        while (runlen-- > 0) {
          if (regval > max[i]!) max[i] = regval;
          i++;
        }
        p++;
      }
    }
    return i === HLL_REGISTERS;
  }

  /**
   * hllCount: the estimated cardinality, or undefined when a sparse value does not cover exactly
   * 16384 registers (Redis's `invalid` flag).
   */
  count(): number | bigint | undefined {
    const histo = histogram;
    histo.fill(0);
    const b = this.bytes;
    if (b[4] === HLL_DENSE) {
      denseHistogram(b, histo);
    } else {
      let idx = 0;
      let p = HLL_HDR_SIZE;
      const end = this.length;
      while (p < end) {
        const op = b[p]!;
        if ((op & 0xc0) === 0) {
          const runlen = (op & 0x3f) + 1;
          idx += runlen;
          histo[0] += runlen;
          p++;
        } else if ((op & 0xc0) === 0x40) {
          const runlen = (((op & 0x3f) << 8) | b[p + 1]!) + 1;
          idx += runlen;
          histo[0] += runlen;
          p += 2;
        } else {
          const runlen = (op & 3) + 1;
          idx += runlen;
          histo[((op >> 2) & 0x1f) + 1] += runlen;
          p++;
        }
      }
      if (idx !== HLL_REGISTERS) return undefined;
    }
    return estimate(histo);
  }

  /** The value of register i (either encoding; sparse values must be valid). */
  register(i: number): number {
    if (this.bytes[4] === HLL_DENSE) return getRegister(this.bytes, i);
    const max = new Uint8Array(HLL_REGISTERS);
    this.mergeInto(max);
    return max[i]!;
  }

  /** PFDEBUG DECODE's text for a sparse value: "Z:16384", "z:3 v:2,1 ..." */
  decodeSparse(): string {
    const b = this.bytes;
    const parts: string[] = [];
    let p = HLL_HDR_SIZE;
    while (p < this.length) {
      const op = b[p]!;
      if ((op & 0xc0) === 0) {
        parts.push(`z:${(op & 0x3f) + 1}`);
        p++;
      } else if ((op & 0xc0) === 0x40) {
        parts.push(`Z:${(((op & 0x3f) << 8) | b[p + 1]!) + 1}`);
        p += 2;
      } else {
        parts.push(`v:${((op >> 2) & 0x1f) + 1},${(op & 3) + 1}`);
        p++;
      }
    }
    return parts.join(' ');
  }
}

const splitSeq = new Uint8Array(5);
const histogram = new Int32Array(64);

function valOp(value: number, len: number): number {
  return (((value - 1) << 2) | (len - 1) | 0x80) & 0xff;
}

/** Writes a ZERO or XZERO opcode for `len` zero registers at seq[n]; returns the new n. */
function writeZeros(seq: Uint8Array, n: number, len: number): number {
  if (len > SPARSE_ZERO_MAX_LEN) {
    const l = len - 1;
    seq[n] = (l >> 8) | 0x40;
    seq[n + 1] = l & 0xff;
    return n + 2;
  }
  seq[n] = len - 1;
  return n + 1;
}

/** HLL_DENSE_GET_REGISTER on a whole value (registers start at HLL_HDR_SIZE). */
export function getRegister(b: Uint8Array, regnum: number): number {
  const bit = regnum * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  // The last register reads one byte past the registers (Redis's sds terminator); it is masked away.
  const b1 = byte + 1 < b.length ? b[byte + 1]! : 0;
  return ((b[byte]! >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

/** A dense register read straight from a string value (no copy). */
export function getRegisterOfString(s: string, regnum: number): number {
  const bit = regnum * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const b1 = byte + 1 < s.length ? s.charCodeAt(byte + 1) : 0;
  return ((s.charCodeAt(byte) >> fb) | (b1 << (8 - fb))) & HLL_REGISTER_MAX;
}

/** HLL_DENSE_SET_REGISTER. */
export function setRegister(b: Uint8Array, regnum: number, val: number): void {
  const bit = regnum * HLL_BITS;
  const byte = HLL_HDR_SIZE + (bit >> 3);
  const fb = bit & 7;
  const fb8 = 8 - fb;
  b[byte] = (b[byte]! & ~(HLL_REGISTER_MAX << fb)) | (val << fb);
  if (byte + 1 < b.length) b[byte + 1] = (b[byte + 1]! & ~(HLL_REGISTER_MAX >> fb8)) | (val >> fb8);
}

function denseSet(b: Uint8Array, index: number, count: number): number {
  if (count > getRegister(b, index)) {
    setRegister(b, index, count);
    return 1;
  }
  return 0;
}

/** hllDenseRegHisto: 16 registers per 12 bytes. */
function denseHistogram(b: Uint8Array, histo: Int32Array): void {
  let r = HLL_HDR_SIZE;
  for (let j = 0; j < 1024; j++, r += 12) {
    const r0 = b[r]!, r1 = b[r + 1]!, r2 = b[r + 2]!, r3 = b[r + 3]!, r4 = b[r + 4]!, r5 = b[r + 5]!;
    const r6 = b[r + 6]!, r7 = b[r + 7]!, r8 = b[r + 8]!, r9 = b[r + 9]!, r10 = b[r + 10]!, r11 = b[r + 11]!;
    histo[r0 & 63]++;
    histo[((r0 >> 6) | (r1 << 2)) & 63]++;
    histo[((r1 >> 4) | (r2 << 4)) & 63]++;
    histo[(r2 >> 2) & 63]++;
    histo[r3 & 63]++;
    histo[((r3 >> 6) | (r4 << 2)) & 63]++;
    histo[((r4 >> 4) | (r5 << 4)) & 63]++;
    histo[(r5 >> 2) & 63]++;
    histo[r6 & 63]++;
    histo[((r6 >> 6) | (r7 << 2)) & 63]++;
    histo[((r7 >> 4) | (r8 << 4)) & 63]++;
    histo[(r8 >> 2) & 63]++;
    histo[r9 & 63]++;
    histo[((r9 >> 6) | (r10 << 2)) & 63]++;
    histo[((r10 >> 4) | (r11 << 4)) & 63]++;
    histo[(r11 >> 2) & 63]++;
  }
}

/** hllCount of raw 8-bit registers (PFCOUNT over several keys: the merged maxima). */
export function countRaw(registers: Uint8Array): number | bigint {
  const histo = histogram;
  histo.fill(0);
  for (let i = 0; i < HLL_REGISTERS; i++) histo[registers[i]!]++;
  return estimate(histo);
}

/** The cached cardinality of a valid HLL string value (8 little-endian bytes at offset 8). */
export function cachedCardinalityOf(s: string): number | bigint {
  const lo = (s.charCodeAt(8) | (s.charCodeAt(9) << 8) | (s.charCodeAt(10) << 16) | (s.charCodeAt(11) << 24)) >>> 0;
  const hi = (s.charCodeAt(12) | (s.charCodeAt(13) << 8) | (s.charCodeAt(14) << 16) | (s.charCodeAt(15) << 24)) >>> 0;
  if (hi < 0x200000) return hi * 4294967296 + lo;
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** isHLLObjectOrReply's checks on a string value: header, magic, encoding, dense length. */
export function isValidHll(s: string): boolean {
  if (s.length < HLL_HDR_SIZE) return false;
  if (s.charCodeAt(0) !== 0x48 || s.charCodeAt(1) !== 0x59 || s.charCodeAt(2) !== 0x4c || s.charCodeAt(3) !== 0x4c) return false;
  const encoding = s.charCodeAt(4);
  if (encoding > HLL_MAX_ENCODING) return false;
  if (encoding === HLL_DENSE && s.length !== HLL_DENSE_SIZE) return false;
  return true;
}

/** The register index found by the last patternLength() call. */
export function lastPatternIndex(): number {
  return patIndex;
}

/** The element's register and run length as [index, count] (tests). */
export function hllPatLen(ele: string): [number, number] {
  const count = patternLength(ele);
  return [patIndex, count];
}
