// The building blocks of the RDB format: CRC-64/Jones, LZF, listpack, ziplist, intset, zipmap and
// the RDB primitives (lengths, string encodings), checked against known vectors and bytes made by
// redis-server 7.0.15.

import { describe, expect, it } from 'vitest';
import { crc64 } from '../../../src/persistence/crc64.ts';
import { lzfCompress, lzfDecompress } from '../../../src/persistence/lzf.ts';
import { decodeListpack, encodeListpack } from '../../../src/persistence/listpack.ts';
import { decodeIntset, encodeIntset } from '../../../src/persistence/intset.ts';
import { decodeZiplist } from '../../../src/persistence/ziplist.ts';
import { decodeZipmap } from '../../../src/persistence/zipmap.ts';
import { RdbWriter } from '../../../src/persistence/rdb-writer.ts';
import { RdbReader } from '../../../src/persistence/rdb-reader.ts';
import { CorruptDataError } from '../../../src/persistence/encoded-int.ts';

function pseudoRandom(n: number, seed: number, alphabet = 256): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = (x >>> 16) % alphabet;
  }
  return out;
}

describe('CRC-64/Jones', () => {
  it('matches the check value and Redis incremental use', () => {
    expect(crc64(Buffer.from('123456789')).toHex()).toBe('e9c6d914c4b8d9ca');
    expect(crc64(Buffer.alloc(0)).toHex()).toBe('0000000000000000');
    const data = pseudoRandom(1000, 1);
    const whole = crc64(data).toHex();
    for (const cut of [0, 1, 7, 8, 9, 500, 999]) {
      const c = crc64(data, 0, cut);
      c.update(data, cut);
      expect(c.toHex()).toBe(whole);
    }
    // Little-endian digest, as DUMP payloads carry it.
    expect(crc64(Buffer.from('123456789')).digest().toString('hex')).toBe('cad9b8c414d9c6e9');
  });
});

describe('LZF', () => {
  it('decodes a string compressed by redis-server', () => {
    // DUMP of SET k "hello hello hello hello hello world world world!" on redis-server 7.0.15.
    const compressed = Buffer.from('0668656c6c6f2068e00e050477 6f726c64e0020501 6421'.replace(/ /g, ''), 'hex');
    expect(lzfDecompress(compressed, 48)?.toString()).toBe('hello hello hello hello hello world world world!');
  });

  it('round-trips repetitive, random and mixed data of many sizes', () => {
    for (const n of [1, 2, 3, 4, 20, 21, 33, 100, 8192, 8193, 70000]) {
      for (const data of [Buffer.alloc(n, 97), pseudoRandom(n, n, 4), pseudoRandom(n, n + 1)]) {
        const c = lzfCompress(data, n + 64);
        expect(c).not.toBeNull();
        expect(lzfDecompress(c!, n)!.equals(data)).toBe(true);
      }
    }
  });

  it('gives up when the output does not fit, rejects corrupt input', () => {
    expect(lzfCompress(pseudoRandom(100, 3), 96)).toBeNull();
    expect(lzfCompress(Buffer.alloc(100, 1), 96)!.length).toBeLessThan(10);
    expect(lzfDecompress(Buffer.from([0x05, 1, 2]), 6)).toBeNull(); // literal run past the input
    expect(lzfDecompress(Buffer.from([0x20, 0x05]), 3)).toBeNull(); // reference before the start
    expect(lzfDecompress(Buffer.from([0x00, 1]), 2)).toBeNull(); // shorter than announced
  });
});

describe('listpack, intset, ziplist, zipmap', () => {
  it('listpack: every integer and string width round-trips', () => {
    const entries = ['0', '127', '128', '-1', '-4096', '4095', '4096', '-32768', '32767', '-8388608', '8388607', '2147483647', '-2147483648',
      '2147483648', '9223372036854775807', '-9223372036854775808', '9223372036854775808', '01', '-0', '', 'a'.repeat(63), 'b'.repeat(64),
      'c'.repeat(4095), 'd'.repeat(4096), 'e'.repeat(20000)];
    const lp = encodeListpack(entries);
    expect(lp.readUInt32LE(0)).toBe(lp.length);
    expect(decodeListpack(lp)).toEqual(entries);
  });

  it('listpack: rejects a bad size, terminator or backlen', () => {
    const lp = encodeListpack(['a', 'b']);
    const bad1 = Buffer.from(lp);
    bad1[0]! += 1;
    const bad2 = Buffer.from(lp);
    bad2[bad2.length - 1] = 0;
    const bad3 = Buffer.from(lp);
    bad3[8] = 9;
    for (const bad of [bad1, bad2, bad3]) expect(() => decodeListpack(bad)).toThrow(CorruptDataError);
  });

  it('intset: smallest width, ascending order', () => {
    expect(encodeIntset(['-3', '5']).toString('hex')).toBe('0200000002000000fdff0500');
    expect(encodeIntset(['1', '70000']).readUInt32LE(0)).toBe(4);
    const wide = ['-9223372036854775808', '0', '9223372036854775807'];
    expect(decodeIntset(encodeIntset(wide))).toEqual(wide);
    expect(() => decodeIntset(encodeIntset(['5', '3']))).toThrow(CorruptDataError);
  });

  it('ziplist: strings and integers as Redis 6 wrote them', () => {
    // A ziplist of "a", 12 (immediate), 300 (int16), "hello", -100000 (int24), 2^40 (int64).
    const parts: number[] = [];
    let prev = 0;
    const entry = (bytes: number[]): void => {
      const e = [prev, ...bytes];
      parts.push(...e);
      prev = e.length;
    };
    entry([0x01, 0x61]);
    entry([0xfd]);
    entry([0xc0, 0x2c, 0x01]);
    entry([0x05, ...Buffer.from('hello')]);
    const v = Buffer.alloc(3);
    v.writeIntLE(-100000, 0, 3);
    entry([0xf0, ...v]);
    const big = Buffer.alloc(8);
    big.writeBigInt64LE(1n << 40n);
    entry([0xe0, ...big]);
    const tail = 10 + parts.length - prev;
    const zl = Buffer.alloc(10 + parts.length + 1);
    zl.writeUInt32LE(zl.length, 0);
    zl.writeUInt32LE(tail, 4);
    zl.writeUInt16LE(6, 8);
    Buffer.from(parts).copy(zl, 10);
    zl[zl.length - 1] = 0xff;
    expect(decodeZiplist(zl)).toEqual(['a', '12', '300', 'hello', '-100000', String(2 ** 40)]);
  });

  it('zipmap: the example of zipmap.c', () => {
    const zm = Buffer.from('\x02\x03foo\x03\x00bar\x05hello\x05\x00world\xff', 'latin1');
    expect(decodeZipmap(zm)).toEqual(['foo', 'bar', 'hello', 'world']);
  });
});

describe('RDB primitives', () => {
  it('lengths of 6, 14, 32 and 64 bits', () => {
    const w = new RdbWriter();
    const values = [0, 63, 64, 16383, 16384, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1];
    for (const v of values) w.length(v);
    const bytes = w.take();
    expect(bytes.subarray(0, 5).toString('hex')).toBe('003f40407f');
    const r = new RdbReader(bytes);
    for (const v of values) expect(r.length()).toBe(v);
  });

  it('strings: integer encodings, LZF above 20 bytes, raw otherwise', () => {
    const w = new RdbWriter();
    w.string('-5');
    w.string('1000');
    w.string('-100000');
    w.string('12345678901');
    w.string('x'.repeat(30));
    w.string('abc');
    const bytes = w.take();
    expect(bytes.subarray(0, 10).toString('hex')).toBe('c0fbc1e803c26079feff');
    const r = new RdbReader(bytes);
    for (const s of ['-5', '1000', '-100000', '12345678901', 'x'.repeat(30), 'abc']) expect(r.string()).toBe(s);
    const plain = new RdbWriter({ compression: false });
    plain.string('x'.repeat(30));
    expect(plain.take().length).toBe(31);
  });
});
