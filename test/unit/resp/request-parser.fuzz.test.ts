// Property tests: arbitrary bytes only ever produce commands, null or a ProtocolError, in bounded
// time; valid commands round-trip through any chunking.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser } from '../../../src/resp/request-parser.ts';

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBufferLen: 1024 * 1024 * 1024 };

function encode(argv: string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) parts.push(Buffer.from(`$${a.length}\r\n`), Buffer.from(a, 'latin1'), Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

/** Splits bytes at the given cut points (sorted, deduplicated, clamped). */
function split(bytes: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let prev = 0;
  for (const p of points) { chunks.push(bytes.subarray(prev, p)); prev = p; }
  chunks.push(bytes.subarray(prev));
  return chunks;
}

const latin1String = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const bigish = fc.integer({ min: 32 * 1024, max: 40 * 1024 }).map((n) => 'v'.repeat(n));
const argvArb = fc.array(fc.oneof({ weight: 20, arbitrary: latin1String }, { weight: 1, arbitrary: bigish }), { minLength: 1, maxLength: 6 });

// Bytes biased towards protocol structure so the fuzzer reaches the deep states.
const token = fc.oneof(
  fc.constantFrom('*', '$', '\r', '\n', '\r\n', '"', "'", '\\', '\\x', '0', '1', '2', '-', ' ', '\t', '\x00', 'PING', '*1\r\n', '$3\r\n', '$0\r\n', '*-1\r\n'),
  fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
);
const noisyInput = fc.array(token, { maxLength: 200 }).map((t) => Buffer.from(t.join(''), 'latin1'));

describe('RequestParser properties', () => {
  it('valid commands round-trip through arbitrary chunking', () => {
    fc.assert(fc.property(fc.array(argvArb, { minLength: 1, maxLength: 8 }), fc.array(fc.nat(), { maxLength: 12 }), (commands, cuts) => {
      const bytes = Buffer.concat(commands.map(encode));
      const parser = new RequestParser({ ...LIMITS });
      const out: string[][] = [];
      for (const chunk of split(bytes, cuts)) {
        parser.feed(chunk);
        for (let argv = parser.next(); argv !== null; argv = parser.next()) out.push(argv);
      }
      expect(out).toEqual(commands);
      expect(parser.bufferedBytes()).toBe(0);
    }), { numRuns: 300 });
  });

  it('random bytes give commands, null or ProtocolError, never anything else, and terminate', () => {
    fc.assert(fc.property(noisyInput, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
      const parser = new RequestParser({ ...LIMITS });
      let commands = 0;
      try {
        for (const chunk of split(bytes, cuts)) {
          parser.feed(chunk);
          for (let argv = parser.next(); argv !== null; argv = parser.next()) {
            expect(argv.length).toBeGreaterThan(0);
            // Every command consumes at least one byte, so this bounds the loop.
            expect(++commands).toBeLessThanOrEqual(bytes.length);
          }
        }
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        expect(e.message).toMatch(/^ERR Protocol error: /);
      }
      expect(parser.bufferedBytes()).toBeLessThanOrEqual(bytes.length);
    }), { numRuns: 3000 });
  });

  it('chunking never changes the outcome of arbitrary bytes', () => {
    fc.assert(fc.property(noisyInput, fc.array(fc.nat(), { maxLength: 6 }), (bytes, cuts) => {
      const run = (chunks: Buffer[]): string => {
        const parser = new RequestParser({ ...LIMITS });
        const out: string[][] = [];
        try {
          for (const chunk of chunks) {
            parser.feed(chunk);
            for (let argv = parser.next(); argv !== null; argv = parser.next()) out.push(argv);
          }
        } catch (e) {
          return JSON.stringify(out) + (e as Error).message;
        }
        return JSON.stringify(out);
      };
      expect(run(split(bytes, cuts))).toBe(run([bytes]));
    }), { numRuns: 3000 });
  });
});
