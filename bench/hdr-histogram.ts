
// An HdrHistogram of latencies in plain JavaScript, with the one layout the bench uses (lowest
// discernible value 1, 3 significant digits, growing as far as needed): the same buckets, the same
// percentile and mean arithmetic and the same compressed base64 form (V2 encoding, zlib) as
// hdr-histogram-js, so reports stay readable by HdrHistogram tools and older reports still load.
//
// Why not hdr-histogram-js itself: loading it (its WebAssembly module ships deflated in base64 and is
// inflated by pako, then compiled) cost about 0.07 s of CPU per run, ~0.09 us per request of a
// 800 000-request run, more than all of the recording (bench/RESULTS.md, start-up). Recording here
// is an array increment, with no call into WebAssembly.

// node:zlib through process.getBuiltinModule (no ESM facade, see bench/cli.ts), and only when a
// histogram is encoded or decoded: a console-only run never does (latency-histogram.ts), and loading
// the module costs a few milliseconds.
function zlib(): typeof import('node:zlib') {
  return process.getBuiltinModule('node:zlib');
}

/** log2 of half the sub-buckets of a bucket: 2048 sub-buckets resolve 3 significant digits. */
const SUB_BUCKET_HALF_COUNT_MAGNITUDE = 10;
const SUB_BUCKET_HALF_COUNT = 1 << SUB_BUCKET_HALF_COUNT_MAGNITUDE;
const SIGNIFICANT_DIGITS = 3;
const LOWEST_DISCERNIBLE_VALUE = 1;
/** The highest trackable value written into encodings (one hour in microseconds, as before). */
const NOMINAL_HIGHEST_TRACKABLE = 3_600_000_000;

const V2_ENCODING_COOKIE = 0x1c849303 | 0x10;
const V2_COMPRESSED_ENCODING_COOKIE = 0x1c849304 | 0x10;
const COOKIE_BASE_MASK = ~0xf0;
const TWO_POW_32 = 2 ** 32;

/** Index into the counts array of a non-negative integer value. */
function countsIndex(value: number): number {
  if (value < TWO_POW_32) {
    // The usual case, in integer arithmetic: recording runs once per batch of replies.
    const bucket = Math.max(31 - Math.clz32(value) - SUB_BUCKET_HALF_COUNT_MAGNITUDE, 0);
    return bucket * SUB_BUCKET_HALF_COUNT + (value >>> bucket);
  }
  const bucket = Math.max(Math.floor(Math.log2(value)) - SUB_BUCKET_HALF_COUNT_MAGNITUDE, 0);
  return bucket * SUB_BUCKET_HALF_COUNT + Math.floor(value / 2 ** bucket);
}

function bucketOfIndex(index: number): number {
  return Math.max(Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1, 0);
}

/** The lowest value counted at `index`. */
function valueFromIndex(index: number): number {
  let bucket = Math.floor(index / SUB_BUCKET_HALF_COUNT) - 1;
  let subBucket = (index % SUB_BUCKET_HALF_COUNT) + SUB_BUCKET_HALF_COUNT;
  if (bucket < 0) {
    subBucket -= SUB_BUCKET_HALF_COUNT;
    bucket = 0;
  }
  return subBucket * 2 ** bucket;
}

/** The highest value counted at `index`. */
function highestValueAtIndex(index: number): number {
  return valueFromIndex(index) + 2 ** bucketOfIndex(index) - 1;
}

/**
 * The value HdrHistogram reports for a whole bucket in the mean: the middle of its range. Indexes
 * below 2048 hold the values 0-2047 exactly; above, each run of 1024 indexes is one bucket b >= 1
 * holding (sub-bucket + 1024) * 2^b.
 */
function medianValueAtIndex(index: number): number {
  if (index < 2 * SUB_BUCKET_HALF_COUNT) return index;
  const scale = 2 ** ((index >>> SUB_BUCKET_HALF_COUNT_MAGNITUDE) - 1);
  return ((index & (SUB_BUCKET_HALF_COUNT - 1)) + SUB_BUCKET_HALF_COUNT) * scale + scale / 2;
}

/**
 * log2 of the number of indexes whose counts are also kept summed (blockCounts): the report's walks
 * (percentiles, add) go block by block and only into the blocks they need. They run once per report,
 * in the interpreter, where a walk over every index (~7 000 for 50 ms of range) cost ~1-2 ms and
 * set V8 compiling the loop (OSR); three histograms' summaries were ~10 ms of CPU per run.
 */
const BLOCK_SHIFT = 6;
const BLOCK_SIZE = 1 << BLOCK_SHIFT;

/** One unit in the last place of a double (hdr-histogram-js's ulp). */
function ulp(x: number): number {
  return Math.pow(2, Math.floor(Math.log2(x)) - 52);
}

export class HdrHistogram {
  // Room for values up to ~131 ms (index 8192); grow() doubles it for anything slower.
  private counts = new Float64Array(8 * SUB_BUCKET_HALF_COUNT);
  /** blockCounts[b]: the sum of counts[b * BLOCK_SIZE, (b + 1) * BLOCK_SIZE). */
  private blockCounts = new Float64Array((8 * SUB_BUCKET_HALF_COUNT) >>> BLOCK_SHIFT);
  /**
   * The sum of medianValueAtIndex(i) * counts[i]: the mean's numerator, kept as values are recorded.
   * Integers, so exact (and the same as HdrHistogram's walk) while it stays below 2^53.
   */
  private medianSum = 0;
  /** One past the highest index with a count. */
  private usedLength = 0;
  totalCount = 0;
  /** The largest value recorded (after add() or decoding: the top of its bucket). */
  maxValue = 0;

  recordValue(value: number): void {
    this.recordValueWithCount(value, 1);
  }

  recordValueWithCount(value: number, count: number): void {
    if (!(value >= 0)) throw new Error('Histogram recorded value cannot be negative.');
    const index = countsIndex(value);
    if (index >= this.counts.length) this.grow(index);
    this.counts[index] += count;
    this.blockCounts[index >>> BLOCK_SHIFT] += count;
    this.medianSum += medianValueAtIndex(index) * count;
    // Math.max rather than "if larger, store": a store first reached mid-run has no type feedback in
    // the optimised read path (see ThreadRecorder.recordRun) and would deoptimise it.
    this.usedLength = Math.max(this.usedLength, index + 1);
    this.totalCount += count;
    this.maxValue = Math.max(this.maxValue, value);
  }

  /** Adds the counts of `other` into this histogram. */
  add(other: HdrHistogram): void {
    if (other.usedLength > this.counts.length) this.grow(other.usedLength - 1);
    const counts = this.counts;
    const from = other.counts;
    const blocks = this.blockCounts;
    const fromBlocks = other.blockCounts;
    const usedBlocks = (other.usedLength + BLOCK_SIZE - 1) >>> BLOCK_SHIFT;
    for (let block = 0; block < usedBlocks; block++) {
      if (fromBlocks[block] === 0) continue;
      blocks[block] += fromBlocks[block];
      const end = Math.min((block + 1) << BLOCK_SHIFT, other.usedLength);
      for (let i = block << BLOCK_SHIFT; i < end; i++) counts[i] += from[i];
    }
    this.medianSum += other.medianSum;
    if (other.usedLength > this.usedLength) this.usedLength = other.usedLength;
    this.totalCount += other.totalCount;
    if (other.maxValue > this.maxValue) this.maxValue = other.maxValue;
  }

  get mean(): number {
    return this.totalCount === 0 ? 0 : this.medianSum / this.totalCount;
  }

  /**
   * The value at or below which `percentile` % of the recorded values lie, at the top of its bucket
   * (at the bottom for percentile 0), as HdrHistogram computes it.
   */
  getValueAtPercentile(percentile: number): number {
    return this.getValuesAtPercentiles([percentile])[0];
  }

  /** getValueAtPercentile of each of `percentiles` (ascending) in one walk over the counts. */
  getValuesAtPercentiles(percentiles: readonly number[]): number[] {
    const values = percentiles.map(() => 0);
    const targets = percentiles.map((percentile) => this.countAtPercentile(percentile));
    const counts = this.counts;
    const blocks = this.blockCounts;
    const used = this.usedLength;
    const usedBlocks = (used + BLOCK_SIZE - 1) >>> BLOCK_SHIFT;
    let next = 0;
    let cumulative = 0;
    for (let block = 0; block < usedBlocks && next < targets.length; block++) {
      // Whole blocks below the next target are passed by their sums.
      if (cumulative + blocks[block] < targets[next]) {
        cumulative += blocks[block];
        continue;
      }
      const end = Math.min((block + 1) << BLOCK_SHIFT, used);
      for (let i = block << BLOCK_SHIFT; i < end; i++) {
        cumulative += counts[i];
        while (next < targets.length && cumulative >= targets[next]) {
          values[next] = percentiles[next] === 0 ? valueFromIndex(i) : highestValueAtIndex(i);
          next++;
        }
      }
    }
    return values;
  }

  /** The number of values at or below a percentile, rounded up as HdrHistogram rounds it. */
  private countAtPercentile(percentile: number): number {
    const requested = Math.min(percentile, 100);
    const fpCount = (requested / 100) * this.totalCount;
    // Round up, without letting a 1-ulp error of the product skip a count.
    return Math.max(Math.ceil(fpCount - ulp(fpCount)), 1);
  }

  /** Nothing to release (the WebAssembly histograms this replaced needed it); kept for callers. */
  destroy(): void {}

  /** HdrHistogram's V2 compressed encoding in base64 (hdr-histogram-js encodeIntoCompressedBase64). */
  encodeIntoCompressedBase64(): string {
    // Header (40 bytes) then the counts, each a ZigZag LEB128 number of at most 9 bytes, a run of
    // zero counts written as one negative number.
    const payload = Buffer.allocUnsafe(40 + 9 * this.usedLength);
    payload.writeInt32BE(V2_ENCODING_COOKIE, 0);
    payload.writeInt32BE(1, 8); // normalizing index offset, as hdr-histogram-js writes it
    payload.writeInt32BE(SIGNIFICANT_DIGITS, 12);
    writeInt64(payload, 16, LOWEST_DISCERNIBLE_VALUE);
    writeInt64(payload, 24, Math.max(NOMINAL_HIGHEST_TRACKABLE, this.usedLength === 0 ? 0 : highestValueAtIndex(this.usedLength - 1)));
    writeInt64(payload, 32, 1); // integer-to-double conversion ratio
    let position = 40;
    let index = 0;
    while (index < this.usedLength) {
      const count = this.counts[index++];
      let zeros = 0;
      if (count === 0) {
        zeros = 1;
        while (index < this.usedLength && this.counts[index] === 0) {
          zeros++;
          index++;
        }
      }
      position = writeZigZag(payload, position, zeros > 1 ? -zeros : count);
    }
    payload.writeInt32BE(position - 40, 4);
    const compressed = zlib().deflateSync(payload.subarray(0, position));
    const out = Buffer.allocUnsafe(8 + compressed.length);
    out.writeInt32BE(V2_COMPRESSED_ENCODING_COOKIE, 0);
    out.writeInt32BE(compressed.length, 4);
    compressed.copy(out, 8);
    return out.toString('base64');
  }

  /** Reads what encodeIntoCompressedBase64 (or hdr-histogram-js) wrote. */
  static decodeFromCompressedBase64(encoded: string): HdrHistogram {
    const data = Buffer.from(encoded.trim(), 'base64');
    if (data.length < 8 || (data.readInt32BE(0) & COOKIE_BASE_MASK) !== (V2_COMPRESSED_ENCODING_COOKIE & COOKIE_BASE_MASK)) {
      throw new Error('Encoding not supported, only V2 is supported');
    }
    const payload = zlib().inflateSync(data.subarray(8, 8 + data.readInt32BE(4)));
    if ((payload.readInt32BE(0) & COOKIE_BASE_MASK) !== (V2_ENCODING_COOKIE & COOKIE_BASE_MASK)) {
      throw new Error('The buffer does not contain a Histogram (no valid V2 encoding cookie found)');
    }
    const digits = payload.readInt32BE(12);
    const lowest = readInt64(payload, 16);
    if (digits !== SIGNIFICANT_DIGITS || lowest !== LOWEST_DISCERNIBLE_VALUE) {
      throw new Error(`unsupported histogram layout (${digits} significant digits, lowest value ${lowest}): the bench writes 3 and 1`);
    }
    const histogram = new HdrHistogram();
    const end = 40 + payload.readInt32BE(4);
    let position = 40;
    let index = 0;
    while (position < end) {
      // ZigZag LEB128: seven bits per byte, the ninth byte whole.
      let shift = 1;
      let raw = 0;
      for (let byteNumber = 0; ; byteNumber++) {
        const byte = payload[position++];
        if (byteNumber === 8) {
          raw += byte * shift;
          break;
        }
        raw += (byte & 0x7f) * shift;
        if ((byte & 0x80) === 0) break;
        shift *= 128;
      }
      const value = raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
      if (value < 0) {
        index += -value;
        continue;
      }
      if (value > 0) {
        if (index >= histogram.counts.length) histogram.grow(index);
        histogram.counts[index] = value;
        histogram.blockCounts[index >>> BLOCK_SHIFT] += value;
        histogram.medianSum += medianValueAtIndex(index) * value;
        histogram.usedLength = index + 1;
        histogram.totalCount += value;
      }
      index++;
    }
    histogram.maxValue = histogram.usedLength === 0 ? 0 : highestValueAtIndex(histogram.usedLength - 1);
    return histogram;
  }

  private grow(index: number): void {
    let length = this.counts.length;
    while (length <= index) length *= 2;
    const grown = new Float64Array(length);
    grown.set(this.counts);
    this.counts = grown;
    const grownBlocks = new Float64Array(length >>> BLOCK_SHIFT);
    grownBlocks.set(this.blockCounts);
    this.blockCounts = grownBlocks;
  }
}

function writeInt64(target: Buffer, offset: number, value: number): void {
  target.writeUInt32BE(Math.floor(value / TWO_POW_32), offset);
  target.writeUInt32BE(value % TWO_POW_32, offset + 4);
}

function readInt64(source: Buffer, offset: number): number {
  return source.readUInt32BE(offset) * TWO_POW_32 + source.readUInt32BE(offset + 4);
}

function writeZigZag(target: Buffer, position: number, value: number): number {
  let raw = value >= 0 ? value * 2 : -value * 2 - 1;
  for (let byteNumber = 0; byteNumber < 8; byteNumber++) {
    if (raw < 128) {
      target[position++] = raw;
      return position;
    }
    target[position++] = (raw % 128) | 0x80;
    raw = Math.floor(raw / 128);
  }
  target[position++] = raw;
  return position;
}
