import type { CommandTemplate } from './command-template.ts';
import type { SeededRandom } from './random.ts';

// Turns a template plus a key number into RESP request bytes, written straight into the
// connection's output buffer. Everything that does not change between requests (the array header,
// literal arguments, a fixed-size value with its length header) is encoded once up front.

const SEGMENT_LITERAL = 0;
const SEGMENT_KEY = 1;
const SEGMENT_DATA = 2;

interface CompiledTemplate {
  kinds: Uint8Array;
  literals: Buffer[];
  usesKey: boolean;
  maxBytes: number;
  /**
   * A template whose only varying part is one key (with a fixed-size value, if any) is kept as whole
   * requests, one per number of digits of the key (index 1-10), with zeros where the digits go (at
   * keyDigitsAt[digits]): see encodeWithKey. Null for other templates.
   */
  keyImages: Buffer[] | null;
  keyDigitsAt: number[];
}

export interface DataSize {
  minimum: number;
  maximum: number;
}

/** Longest decimal form of a key number (safe integers have at most 16 digits). */
const MAX_KEY_DIGITS = 16;

export class RequestEncoder {
  private readonly compiled: CompiledTemplate[];
  private readonly keyPrefix: Buffer;
  private readonly dataSize: DataSize;
  private readonly random: SeededRandom;
  /** Value bytes for variable sizes; a fixed size uses the prebuilt fixedDataSegment. */
  private readonly dataBytes: Buffer;
  private readonly fixedDataSegment: Buffer | null;
  /** An upper bound of the bytes any template's request takes (maxBytes of the largest). */
  readonly maxRequestBytes: number;
  /** The key of the request being encoded: prefix then the decimal key number. */
  readonly keyScratch: Buffer;
  keyLength = 0;

  constructor(templates: CommandTemplate[], keyPrefix: string, dataSize: DataSize, random: SeededRandom) {
    this.keyPrefix = Buffer.from(keyPrefix, 'latin1');
    this.dataSize = dataSize;
    this.random = random;
    this.dataBytes = makeValueBytes(dataSize.maximum, random);
    this.fixedDataSegment = dataSize.minimum === dataSize.maximum ? bulkString(this.dataBytes) : null;
    this.keyScratch = Buffer.allocUnsafe(this.keyPrefix.length + MAX_KEY_DIGITS);
    this.keyPrefix.copy(this.keyScratch, 0);
    const maxKeyBytes = this.keyScratch.length + 24;
    const maxDataBytes = dataSize.maximum + 24;
    this.compiled = templates.map((template) => compile(template, maxKeyBytes, maxDataBytes, this.fixedDataSegment, this.keyPrefix));
    this.maxRequestBytes = Math.max(0, ...this.compiled.map((c) => c.maxBytes));
  }

  /**
   * Encodes the request for `templateIndex` with key number `keyNumber` at `offset` (room for
   * maxBytes(templateIndex) made by the caller) and returns the offset after it. A template with one
   * key and nothing else varying (SET key value, GET key) takes the short way: its bytes before and
   * after the key were encoded once, and the key's digits go straight into the output.
   */
  encodeWithKey(target: Buffer, offset: number, templateIndex: number, keyNumber: number): number {
    const compiled = this.compiled[templateIndex];
    const images = compiled.keyImages;
    if (images === null || keyNumber > 0x7fffffff) {
      this.formatKey(keyNumber);
      return this.encode(target, offset, templateIndex);
    }
    const digits = digitCount(keyNumber);
    const image = images[digits];
    // One copy of the whole request (a memmove, where a byte loop cost more), then the digits.
    target.set(image, offset);
    const first = offset + compiled.keyDigitsAt[digits];
    let v = keyNumber;
    for (let i = first + digits - 1; i > first; i--) {
      const quotient = (v / 10) | 0;
      target[i] = 0x30 + v - quotient * 10;
      v = quotient;
    }
    target[first] = 0x30 + v;
    return offset + image.length;
  }

  usesKey(templateIndex: number): boolean {
    return this.compiled[templateIndex].usesKey;
  }

  /** An upper bound of the bytes encode() writes for this template. */
  maxBytes(templateIndex: number): number {
    return this.compiled[templateIndex].maxBytes;
  }

  /** Writes prefix + decimal key number into keyScratch and sets keyLength. */
  formatKey(keyNumber: number): void {
    this.keyLength = writeDecimal(this.keyScratch, this.keyPrefix.length, keyNumber);
  }

  /**
   * Encodes the request for `templateIndex` with the key last given to formatKey() at `offset`;
   * the caller has made room for maxBytes(templateIndex). Returns the offset after the request.
   */
  encode(target: Buffer, offset: number, templateIndex: number): number {
    const { kinds, literals } = this.compiled[templateIndex];
    let position = offset;
    for (let i = 0; i < kinds.length; i++) {
      const kind = kinds[i];
      if (kind === SEGMENT_LITERAL) {
        position = copyInto(literals[i], target, position);
      } else if (kind === SEGMENT_KEY) {
        position = this.writeBulkHeader(target, position, this.keyLength);
        position = copyRange(this.keyScratch, 0, this.keyLength, target, position);
        target[position++] = 13;
        target[position++] = 10;
      } else if (this.fixedDataSegment !== null) {
        position = copyInto(this.fixedDataSegment, target, position);
      } else {
        const length = this.dataSize.minimum + Math.floor(this.random.nextFloat() * (this.dataSize.maximum - this.dataSize.minimum + 1));
        position = this.writeBulkHeader(target, position, length);
        position = copyRange(this.dataBytes, 0, length, target, position);
        target[position++] = 13;
        target[position++] = 10;
      }
    }
    return position;
  }

  private writeBulkHeader(target: Buffer, position: number, length: number): number {
    target[position++] = 0x24; // $
    position = writeDecimal(target, position, length);
    target[position++] = 13;
    target[position++] = 10;
    return position;
  }
}

function compile(template: CommandTemplate, maxKeyBytes: number, maxDataBytes: number, fixedData: Buffer | null, keyPrefix: Buffer): CompiledTemplate {
  // Literal runs (including the "*N" header) are merged into single segments.
  const kinds: number[] = [];
  const literals: Buffer[] = [];
  let literal = `*${template.arguments.length}\r\n`;
  let usesKey = false;
  let maxBytes = 0;
  const flushLiteral = (): void => {
    if (literal.length === 0) return;
    const bytes = Buffer.from(literal, 'latin1');
    kinds.push(SEGMENT_LITERAL);
    literals.push(bytes);
    maxBytes += bytes.length;
    literal = '';
  };
  for (const argument of template.arguments) {
    if (argument.kind === 'literal') {
      const bytes = Buffer.byteLength(argument.text, 'utf8');
      literal += `$${bytes}\r\n${Buffer.from(argument.text, 'utf8').toString('latin1')}\r\n`;
      continue;
    }
    flushLiteral();
    kinds.push(argument.kind === 'key' ? SEGMENT_KEY : SEGMENT_DATA);
    literals.push(Buffer.alloc(0));
    if (argument.kind === 'key') usesKey = true;
    maxBytes += argument.kind === 'key' ? maxKeyBytes : maxDataBytes;
  }
  flushLiteral();
  return { kinds: Uint8Array.from(kinds), literals, usesKey, maxBytes, ...keyImages(template, fixedData, keyPrefix) };
}

/** The whole requests of a template with one key and no varying value, by key length (see keyImages). */
function keyImages(template: CommandTemplate, fixedData: Buffer | null, keyPrefix: Buffer): { keyImages: Buffer[] | null; keyDigitsAt: number[] } {
  const keys = template.arguments.filter((argument) => argument.kind === 'key').length;
  const hasData = template.arguments.some((argument) => argument.kind === 'data');
  if (keys !== 1 || (hasData && fixedData === null)) return { keyImages: null, keyDigitsAt: [] };
  const parts: Buffer[][] = [[Buffer.from(`*${template.arguments.length}\r\n`, 'latin1')], []];
  let part = 0;
  for (const argument of template.arguments) {
    if (argument.kind === 'key') part = 1;
    else if (argument.kind === 'data') parts[part].push(fixedData!);
    else parts[part].push(Buffer.from(`$${Buffer.byteLength(argument.text, 'utf8')}\r\n${argument.text}\r\n`, 'utf8'));
  }
  const head = Buffer.concat(parts[0]);
  const tail = Buffer.concat(parts[1]);
  const images: Buffer[] = [Buffer.alloc(0)];
  const digitsAt = [0];
  for (let digits = 1; digits <= 10; digits++) {
    const header = Buffer.from(`$${keyPrefix.length + digits}\r\n`, 'latin1');
    images.push(Buffer.concat([head, header, keyPrefix, Buffer.alloc(digits, 0x30), Buffer.from('\r\n', 'latin1'), tail]));
    digitsAt.push(head.length + header.length + keyPrefix.length);
  }
  return { keyImages: images, keyDigitsAt: digitsAt };
}

/** Decimal digits of a non-negative 31-bit integer. */
function digitCount(value: number): number {
  return value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5 : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
}

function bulkString(value: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`$${value.length}\r\n`, 'latin1'), value, Buffer.from('\r\n', 'latin1')]);
}

/** Printable pseudo-random bytes, so values are not trivially compressible and stay readable. */
function makeValueBytes(length: number, random: SeededRandom): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = 0x61 + (random.nextUint32() % 26);
  return bytes;
}

/** Writes the non-negative integer `value` in decimal; returns the position after it. */
export function writeDecimal(target: Buffer, position: number, value: number): number {
  if (value < 10) {
    target[position] = 0x30 + value;
    return position + 1;
  }
  // Key numbers and lengths fit in 31 bits: integer division and a digit count by comparisons cost a
  // fraction of the general loop below (measured: ~10 ns against ~45 ns for a 5-digit key).
  if (value <= 0x7fffffff) {
    const digits = value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5 : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
    let v = value | 0;
    for (let i = position + digits - 1; i > position; i--) {
      const quotient = (v / 10) | 0;
      target[i] = 0x30 + v - quotient * 10;
      v = quotient;
    }
    target[position] = 0x30 + v;
    return position + digits;
  }
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  let v = value;
  for (let i = position + digits - 1; i >= position; i--) {
    const quotient = Math.floor(v / 10);
    target[i] = 0x30 + (v - quotient * 10);
    v = quotient;
  }
  return position + digits;
}

// Short copies are faster as plain loops than through Buffer.copy's native call.
function copyInto(source: Buffer, target: Buffer, position: number): number {
  return copyRange(source, 0, source.length, target, position);
}

function copyRange(source: Buffer, start: number, end: number, target: Buffer, position: number): number {
  const length = end - start;
  if (length > 32) {
    source.copy(target, position, start, end);
    return position + length;
  }
  for (let i = start; i < end; i++) target[position++] = source[i];
  return position;
}
