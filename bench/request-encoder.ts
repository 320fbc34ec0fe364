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
   * Whether the template's only varying part is one key (with a fixed-size value, if any): it is then
   * kept as request images, whole requests with zeros where the key's digits go (see imageFor).
   */
  hasImages: boolean;
}

export interface KeyFormat {
  /** Key numbers are written with at least this many digits, zero-padded (1: no padding). */
  minimumDigits: number;
  /** The largest key number the encoder is given: its digit count bounds the digits rewritten. */
  maximum: number;
}

export interface DataSize {
  minimum: number;
  maximum: number;
}

/** Longest decimal form of a key number (safe integers have at most 16 digits). */
const MAX_KEY_DIGITS = 16;
/** Request images are kept for key numbers up to 31 bits (integer arithmetic for their digits). */
const MAX_IMAGE_KEY = 0x7fffffff;
/** Image indexes: templateIndex * IMAGES_PER_TEMPLATE + the key's written length in digits. */
const IMAGES_PER_TEMPLATE = MAX_KEY_DIGITS + 1;

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
  private readonly keyMinimumDigits: number;
  /**
   * Request images by image index (see imageFor): the whole request of a template for one written
   * key length, zeros where the digits go. Undefined where the template has none.
   */
  private readonly images: (Buffer | undefined)[];
  /** Byte length of each image, and where its key's last digit is. */
  readonly imageLength: Int32Array;
  private readonly imageLastDigitAt: Int32Array;
  /**
   * How many trailing digits of an image's key are ever not zero: its length, or, for a zero-padded
   * key, the digit count of the largest key number. Only those are rewritten (see writeKey).
   */
  private readonly imageVaryingDigits: Int32Array;

  constructor(templates: CommandTemplate[], keyPrefix: string, dataSize: DataSize, random: SeededRandom, keyFormat: KeyFormat = { minimumDigits: 1, maximum: Number.MAX_SAFE_INTEGER }) {
    if (!(Number.isInteger(keyFormat.minimumDigits) && keyFormat.minimumDigits >= 1 && keyFormat.minimumDigits <= MAX_KEY_DIGITS)) {
      throw new Error(`key digits must be an integer from 1 to ${MAX_KEY_DIGITS}, got ${keyFormat.minimumDigits}`);
    }
    this.keyMinimumDigits = keyFormat.minimumDigits;
    this.keyPrefix = Buffer.from(keyPrefix, 'latin1');
    this.dataSize = dataSize;
    this.random = random;
    this.dataBytes = makeValueBytes(dataSize.maximum, random);
    this.fixedDataSegment = dataSize.minimum === dataSize.maximum ? bulkString(this.dataBytes) : null;
    this.keyScratch = Buffer.allocUnsafe(this.keyPrefix.length + MAX_KEY_DIGITS);
    this.keyPrefix.copy(this.keyScratch, 0);
    const maxKeyBytes = this.keyScratch.length + 24;
    const maxDataBytes = dataSize.maximum + 24;
    this.compiled = templates.map((template) => compile(template, maxKeyBytes, maxDataBytes, this.fixedDataSegment !== null));
    this.maxRequestBytes = Math.max(0, ...this.compiled.map((c) => c.maxBytes));
    const imageCount = templates.length * IMAGES_PER_TEMPLATE;
    this.images = new Array<Buffer | undefined>(imageCount).fill(undefined);
    this.imageLength = new Int32Array(imageCount);
    this.imageLastDigitAt = new Int32Array(imageCount);
    this.imageVaryingDigits = new Int32Array(imageCount);
    // Keys above MAX_IMAGE_KEY take the general path, so no image has more digits than it.
    const varying = decimalDigits(Math.min(keyFormat.maximum, MAX_IMAGE_KEY));
    for (let t = 0; t < templates.length; t++) {
      if (!this.compiled[t].hasImages) continue;
      for (let digits = this.keyMinimumDigits; digits <= Math.max(this.keyMinimumDigits, decimalDigits(MAX_IMAGE_KEY)); digits++) {
        const { image, digitsAt } = requestImage(templates[t], this.fixedDataSegment, this.keyPrefix, digits);
        const index = t * IMAGES_PER_TEMPLATE + digits;
        this.images[index] = image;
        this.imageLength[index] = image.length;
        this.imageLastDigitAt[index] = digitsAt + digits - 1;
        this.imageVaryingDigits[index] = Math.min(digits, varying);
      }
    }
  }

  /**
   * The image index of the request for `templateIndex` and `keyNumber` (the template's whole request
   * for the key's written length), or -1 when the template has no images or the key is above 31
   * bits: encode that request with encodeWithKey. Requests with the same index have the same length
   * and differ only in the key's digits (writeKey), so a batch rewritten in place over the previous
   * one needs only the digits where the index at an offset did not change (BenchClient.fillPipeline).
   */
  imageFor(templateIndex: number, keyNumber: number): number {
    if (!this.compiled[templateIndex].hasImages || keyNumber > MAX_IMAGE_KEY) return -1;
    const digits = digitCount(keyNumber);
    return templateIndex * IMAGES_PER_TEMPLATE + (digits > this.keyMinimumDigits ? digits : this.keyMinimumDigits);
  }

  /** Copies image `image` (from imageFor) to `offset`: the request with zeros for the key's digits. */
  copyImage(target: Buffer, offset: number, image: number): void {
    // One copy of the whole request (a memmove, where a byte loop cost more).
    target.set(this.images[image] as Buffer, offset);
  }

  /**
   * Writes `keyNumber`'s digits into the request of image `image` at `offset` (copied there by
   * copyImage, or the same image's request with another key) and returns the offset after it. Only
   * the digits that can differ between two keys are written: a zero-padded key's leading zeros come
   * from the image.
   */
  writeKey(target: Buffer, offset: number, image: number, keyNumber: number): number {
    const last = offset + this.imageLastDigitAt[image];
    const stop = last - this.imageVaryingDigits[image];
    let v = keyNumber;
    for (let i = last; i > stop; i--) {
      const quotient = (v / 10) | 0;
      target[i] = 0x30 + v - quotient * 10;
      v = quotient;
    }
    return offset + this.imageLength[image];
  }

  /**
   * Encodes the request for `templateIndex` with key number `keyNumber` at `offset` (room for
   * maxBytes(templateIndex) made by the caller) and returns the offset after it. A template with one
   * key and nothing else varying (SET key value, GET key) takes the short way: its bytes before and
   * after the key were encoded once, and the key's digits go straight into the output.
   */
  encodeWithKey(target: Buffer, offset: number, templateIndex: number, keyNumber: number): number {
    const image = this.imageFor(templateIndex, keyNumber);
    if (image < 0) {
      this.formatKey(keyNumber);
      return this.encode(target, offset, templateIndex);
    }
    this.copyImage(target, offset, image);
    return this.writeKey(target, offset, image, keyNumber);
  }

  usesKey(templateIndex: number): boolean {
    return this.compiled[templateIndex].usesKey;
  }

  /** An upper bound of the bytes encode() writes for this template. */
  maxBytes(templateIndex: number): number {
    return this.compiled[templateIndex].maxBytes;
  }

  /** Writes prefix + decimal key number (zero-padded to the minimum digits) into keyScratch and sets keyLength. */
  formatKey(keyNumber: number): void {
    let position = this.keyPrefix.length;
    if (this.keyMinimumDigits > 1) {
      for (let zeros = this.keyMinimumDigits - decimalDigits(keyNumber); zeros > 0; zeros--) this.keyScratch[position++] = 0x30;
    }
    this.keyLength = writeDecimal(this.keyScratch, position, keyNumber);
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

function compile(template: CommandTemplate, maxKeyBytes: number, maxDataBytes: number, fixedData: boolean): CompiledTemplate {
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
  const keys = template.arguments.filter((argument) => argument.kind === 'key').length;
  const hasData = template.arguments.some((argument) => argument.kind === 'data');
  return { kinds: Uint8Array.from(kinds), literals, usesKey, maxBytes, hasImages: keys === 1 && (!hasData || fixedData) };
}

/** The whole request of a template with one key and no varying value, for keys of `digits` digits. */
function requestImage(template: CommandTemplate, fixedData: Buffer | null, keyPrefix: Buffer, digits: number): { image: Buffer; digitsAt: number } {
  const parts: Buffer[][] = [[Buffer.from(`*${template.arguments.length}\r\n`, 'latin1')], []];
  let part = 0;
  for (const argument of template.arguments) {
    if (argument.kind === 'key') part = 1;
    else if (argument.kind === 'data') parts[part].push(fixedData!);
    else parts[part].push(Buffer.from(`$${Buffer.byteLength(argument.text, 'utf8')}\r\n${argument.text}\r\n`, 'utf8'));
  }
  const head = Buffer.concat(parts[0]);
  const tail = Buffer.concat(parts[1]);
  const header = Buffer.from(`$${keyPrefix.length + digits}\r\n`, 'latin1');
  const image = Buffer.concat([head, header, keyPrefix, Buffer.alloc(digits, 0x30), Buffer.from('\r\n', 'latin1'), tail]);
  return { image, digitsAt: head.length + header.length + keyPrefix.length };
}

/** Decimal digits of a non-negative safe integer. */
function decimalDigits(value: number): number {
  let digits = 1;
  for (let v = value; v >= 10; v = Math.floor(v / 10)) digits++;
  return digits;
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
