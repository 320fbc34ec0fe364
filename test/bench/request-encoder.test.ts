import { describe, expect, it } from 'vitest';
import { parseCommandTemplate, setGetTemplates } from '../../bench/command-template.ts';
import { SeededRandom } from '../../bench/random.ts';
import { RequestEncoder, writeDecimal } from '../../bench/request-encoder.ts';

// The encoder writes requests straight into the output buffer; its decimal writer has a fast path
// for 31-bit numbers and a general one above, and both must print exactly what String() prints.

describe('request encoder', () => {
  it('writes decimals exactly at every digit-count boundary, below and above 2^31', () => {
    const buffer = Buffer.alloc(32);
    const values = [0, 9, 2 ** 31 - 1, 2 ** 31, 2 ** 53 - 1];
    for (let power = 1; power <= 15; power++) values.push(10 ** power - 1, 10 ** power, 10 ** power + 7);
    for (const value of values) {
      const end = writeDecimal(buffer, 5, value);
      expect(buffer.toString('latin1', 5, end)).toBe(String(value));
    }
  });

  it('encodes SET and GET with the key number and a fixed-size value as RESP', () => {
    const encoder = new RequestEncoder(setGetTemplates(1, 1), 'key:', { minimum: 3, maximum: 3 }, new SeededRandom(7));
    const out = Buffer.alloc(256);
    encoder.formatKey(1234567);
    let end = encoder.encode(out, 0, 0);
    expect(end).toBeLessThanOrEqual(encoder.maxBytes(0));
    expect(out.toString('latin1', 0, end)).toMatch(/^\*3\r\n\$3\r\nSET\r\n\$11\r\nkey:1234567\r\n\$3\r\n[a-z]{3}\r\n$/);
    encoder.formatKey(5);
    const start = end;
    end = encoder.encode(out, start, 1);
    expect(out.toString('latin1', start, end)).toBe('*2\r\n$3\r\nGET\r\n$5\r\nkey:5\r\n');
  });

  it('writes the same bytes the short way (encodeWithKey) as through formatKey and encode', () => {
    const templates = [
      ...setGetTemplates(1, 1),
      parseCommandTemplate('HSET __key__ field __data__', 1),
      parseCommandTemplate('ZADD __key__ 1 member', 1),
      parseCommandTemplate('PING', 1),
      parseCommandTemplate('MSET __key__ __data__ __key__ __data__', 1),
    ];
    // Zero-padded keys too (--key-digits), shorter and longer than the padding.
    const formats = [undefined, { minimumDigits: 12, maximum: 2 ** 40 }, { minimumDigits: 3, maximum: 2 ** 40 }];
    for (const [dataSize, keyFormat] of [{ minimum: 3, maximum: 3 }, { minimum: 1, maximum: 40 }].flatMap((size) => formats.map((format) => [size, format] as const))) {
      const viaKey = new RequestEncoder(templates, 'key:', dataSize, new SeededRandom(3), keyFormat);
      const viaFormat = new RequestEncoder(templates, 'key:', dataSize, new SeededRandom(3), keyFormat);
      const a = Buffer.alloc(512);
      const b = Buffer.alloc(512);
      // Every length of key number (the short way keeps one request image per length), and beyond 31 bits.
      for (const keyNumber of [0, 7, 10, 123, 4_567, 99_999, 123_456, 1_234_567, 12_345_678, 123_456_789, 2 ** 31 - 1, 2 ** 31, 2 ** 40]) {
        for (let t = 0; t < templates.length; t++) {
          const endA = viaKey.encodeWithKey(a, 1, t, keyNumber);
          viaFormat.formatKey(keyNumber);
          const endB = viaFormat.encode(b, 1, t);
          expect(a.toString('latin1', 1, endA)).toBe(b.toString('latin1', 1, endB));
          if (t === 1) expect(a.toString('latin1', 1, endA)).toContain(`key:${String(keyNumber).padStart(keyFormat?.minimumDigits ?? 1, '0')}\r\n`);
          expect(endA - 1).toBeLessThanOrEqual(viaKey.maxBytes(t));
        }
      }
    }
  });
});
