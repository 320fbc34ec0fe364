// CRC-64/Jones as Redis computes it (crc64.c): polynomial 0xad93d23594c935a9, reflected input and
// output, initial value 0, no final xor. Check value: crc64("123456789") = 0xe9c6d914c4b8d9ca.
// RDB files end with it and DUMP payloads carry it, both little-endian.
//
// BigInt-free: the 64-bit register is kept as two unsigned 32-bit halves, and the byte-wise table
// (reflected algorithm: crc = T[(crc ^ byte) & 0xff] ^ (crc >>> 8)) is split into a low and a high
// Uint32Array. Slicing by 8 (eight tables, one 8-byte step per iteration) makes it ~4x faster than
// one byte per iteration on large inputs.

/** The polynomial 0xad93d23594c935a9 with its 64 bits reversed (the reflected form). */
const REFLECTED_POLY_HI = 0x95ac9329;
const REFLECTED_POLY_LO = 0xac4bc9b5;

const SLICES = 8;
const TABLE_LO = new Uint32Array(256 * SLICES);
const TABLE_HI = new Uint32Array(256 * SLICES);

(function buildTables(): void {
  for (let n = 0; n < 256; n++) {
    let lo = n;
    let hi = 0;
    for (let k = 0; k < 8; k++) {
      const lsb = lo & 1;
      lo = ((lo >>> 1) | (hi << 31)) >>> 0;
      hi = hi >>> 1;
      if (lsb) {
        lo = (lo ^ REFLECTED_POLY_LO) >>> 0;
        hi = (hi ^ REFLECTED_POLY_HI) >>> 0;
      }
    }
    TABLE_LO[n] = lo;
    TABLE_HI[n] = hi;
  }
  // Table s maps a byte followed by s zero bytes.
  for (let s = 1; s < SLICES; s++) {
    for (let n = 0; n < 256; n++) {
      const lo = TABLE_LO[(s - 1) * 256 + n]!;
      const hi = TABLE_HI[(s - 1) * 256 + n]!;
      const idx = lo & 0xff;
      TABLE_LO[s * 256 + n] = (TABLE_LO[idx]! ^ ((lo >>> 8) | (hi << 24))) >>> 0;
      TABLE_HI[s * 256 + n] = (TABLE_HI[idx]! ^ (hi >>> 8)) >>> 0;
    }
  }
})();

/** A running CRC-64 (an RDB file is checksummed as it is written or read, chunk by chunk). */
export class Crc64 {
  lo = 0;
  hi = 0;

  update(data: Uint8Array, start = 0, end = data.length): this {
    let lo = this.lo;
    let hi = this.hi;
    let i = start;
    const tl = TABLE_LO;
    const th = TABLE_HI;
    // Eight bytes per step: xor them into the register, then look each one up in its slice table.
    while (end - i >= 8) {
      const a = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const b = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const i7 = 7 * 256 + (a & 0xff);
      const i6 = 6 * 256 + ((a >>> 8) & 0xff);
      const i5 = 5 * 256 + ((a >>> 16) & 0xff);
      const i4 = 4 * 256 + (a >>> 24);
      const i3 = 3 * 256 + (b & 0xff);
      const i2 = 2 * 256 + ((b >>> 8) & 0xff);
      const i1 = 256 + ((b >>> 16) & 0xff);
      const i0 = b >>> 24;
      lo = tl[i7]! ^ tl[i6]! ^ tl[i5]! ^ tl[i4]! ^ tl[i3]! ^ tl[i2]! ^ tl[i1]! ^ tl[i0]!;
      hi = th[i7]! ^ th[i6]! ^ th[i5]! ^ th[i4]! ^ th[i3]! ^ th[i2]! ^ th[i1]! ^ th[i0]!;
      i += 8;
    }
    for (; i < end; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = tl[idx]! ^ ((lo >>> 8) | (hi << 24));
      hi = th[idx]! ^ (hi >>> 8);
    }
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
    return this;
  }

  /** The checksum as Redis stores it: 8 bytes, little-endian. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32LE(this.lo, 0);
    out.writeUInt32LE(this.hi, 4);
    return out;
  }

  /** True when the 8 bytes at `at` of `data` are this checksum. */
  matches(data: Uint8Array, at: number): boolean {
    const lo = (data[at]! | (data[at + 1]! << 8) | (data[at + 2]! << 16) | (data[at + 3]! << 24)) >>> 0;
    const hi = (data[at + 4]! | (data[at + 5]! << 8) | (data[at + 6]! << 16) | (data[at + 7]! << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }

  /** The value as a 16-digit hex string (tests, messages). */
  toHex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }
}

/** CRC-64 of a whole buffer, as a Crc64 (digest() for Redis's byte order). */
export function crc64(data: Uint8Array, start = 0, end = data.length): Crc64 {
  return new Crc64().update(data, start, end);
}
