import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { HdrHistogram } from '../../bench/hdr-histogram.ts';
import { SeededRandom } from '../../bench/random.ts';

// The bench's own HdrHistogram must agree with hdr-histogram-js, which it replaced: the same
// percentiles and mean for the same values, and encodings each side can read from the other.

const require = createRequire(import.meta.url);
const hdr = require('hdr-histogram-js') as typeof import('hdr-histogram-js');
hdr.initWebAssemblySync();

const PERCENTILES = [0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 99.999, 100];

function reference(): import('hdr-histogram-js').Histogram {
  return hdr.build({ useWebAssembly: true, lowestDiscernibleValue: 1, highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: 3, autoResize: true });
}

/** Microsecond latencies from 0 to minutes: every bucket size from 1 to 2^17 gets values. */
function values(seed: number, count: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: count }, () => (random.nextFloat() < 0.01 ? 0 : Math.round(Math.exp(random.nextFloat() * 19))));
}

describe('HdrHistogram', () => {
  it('reports the percentiles, mean, count and max of hdr-histogram-js for the same values', () => {
    const ours = new HdrHistogram();
    const theirs = reference();
    // Beyond 2^32 us too (over an hour), where the bucket arithmetic leaves 32-bit integers.
    const recorded = [...values(7, 50_000), 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 12_345, 7_000_000_000];
    for (let i = 0; i < recorded.length; i++) {
      const count = 1 + (i % 3);
      ours.recordValueWithCount(recorded[i], count);
      theirs.recordValueWithCount(recorded[i], count);
    }
    expect(ours.totalCount).toBe(theirs.totalCount);
    expect(ours.maxValue).toBe(theirs.maxValue);
    expect(ours.mean).toBe(theirs.mean);
    for (const percentile of PERCENTILES) expect([percentile, ours.getValueAtPercentile(percentile)]).toEqual([percentile, theirs.getValueAtPercentile(percentile)]);
    // The one-walk form gives the same values.
    expect(ours.getValuesAtPercentiles(PERCENTILES)).toEqual(PERCENTILES.map((p) => theirs.getValueAtPercentile(p)));
    theirs.destroy();
  });

  it('reads hdr-histogram-js encodings, and hdr-histogram-js reads its encodings', () => {
    const ours = new HdrHistogram();
    const theirs = reference();
    for (const value of values(11, 20_000)) {
      ours.recordValue(value);
      theirs.recordValue(value);
    }
    const fromTheirs = HdrHistogram.decodeFromCompressedBase64(hdr.encodeIntoCompressedBase64(theirs));
    const fromOurs = hdr.decodeFromCompressedBase64(ours.encodeIntoCompressedBase64(), 32, true);
    for (const decoded of [fromTheirs, fromOurs]) {
      expect(decoded.totalCount).toBe(20_000);
      expect(decoded.mean).toBe(theirs.mean);
      for (const percentile of PERCENTILES) expect([percentile, decoded.getValueAtPercentile(percentile)]).toEqual([percentile, theirs.getValueAtPercentile(percentile)]);
    }
    // Our encoding round-trips through our decoder too.
    const again = HdrHistogram.decodeFromCompressedBase64(ours.encodeIntoCompressedBase64());
    for (const percentile of PERCENTILES) expect(again.getValueAtPercentile(percentile)).toBe(ours.getValueAtPercentile(percentile));
    fromOurs.destroy();
    theirs.destroy();
  });

  it('adds histograms as if every value had been recorded into one', () => {
    const a = new HdrHistogram();
    const b = new HdrHistogram();
    const both = new HdrHistogram();
    const first = values(1, 5_000);
    const second = values(2, 7_000).map((v) => v * 3);
    for (const v of first) a.recordValue(v);
    for (const v of second) b.recordValue(v);
    for (const v of [...first, ...second]) both.recordValue(v);
    a.add(b);
    expect(a.totalCount).toBe(12_000);
    expect(a.mean).toBe(both.mean);
    for (const percentile of PERCENTILES) expect(a.getValueAtPercentile(percentile)).toBe(both.getValueAtPercentile(percentile));
  });

  it('an empty histogram encodes, decodes and reports zeros', () => {
    const empty = HdrHistogram.decodeFromCompressedBase64(new HdrHistogram().encodeIntoCompressedBase64());
    expect(empty.totalCount).toBe(0);
    expect(empty.mean).toBe(0);
    expect(empty.getValueAtPercentile(99)).toBe(0);
    expect(() => new HdrHistogram().recordValue(-1)).toThrow(/negative/);
  });
});
