import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, mergeEncodedHistograms, summarizeLatencyMs } from '../../bench/latency-histogram.ts';
import { SeededRandom } from '../../bench/random.ts';

// Each thread records into its own histogram and hands it over encoded; the merge decodes and adds.
// Merged percentiles must equal those of one histogram that recorded every value.

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const hdr = require('hdr-histogram-js');
hdr.initWebAssemblySync();
const histogram = hdr.build({ useWebAssembly: true, lowestDiscernibleValue: 1, highestTrackableValue: 3600000000, numberOfSignificantValueDigits: 3, autoResize: true });
for (const value of workerData) histogram.recordValue(value);
parentPort.postMessage(hdr.encodeIntoCompressedBase64(histogram));
`;

function recordInThread(values: number[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: values });
    worker.once('message', (encoded: string) => {
      resolve(encoded);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

function latencyLikeValues(seed: number, count: number): number[] {
  const random = new SeededRandom(seed);
  // Log-normal-ish microsecond latencies with a long tail, so high percentiles are distinct.
  return Array.from({ length: count }, () => Math.max(1, Math.round(Math.exp(5 + random.nextGaussian() * 1.2))));
}

describe('histogram merge', () => {
  it('histograms recorded in several threads merge to exactly the single-histogram percentiles', async () => {
    const parts = [latencyLikeValues(1, 40_000), latencyLikeValues(2, 25_000), latencyLikeValues(3, 60_000)];
    const encoded = await Promise.all(parts.map(recordInThread));
    const merged = mergeEncodedHistograms(encoded);
    const single = createLatencyHistogram();
    for (const part of parts) for (const value of part) single.recordValue(value);

    expect(merged.totalCount).toBe(125_000);
    for (const percentile of [0, 10, 50, 90, 99, 99.9, 99.99, 99.999, 100]) {
      expect(merged.getValueAtPercentile(percentile)).toBe(single.getValueAtPercentile(percentile));
    }
    expect(summarizeLatencyMs(merged)).toEqual(summarizeLatencyMs(single));
    // maxValue itself is kept at bucket resolution by add(): equal within the 3 significant digits.
    expect(Math.abs(merged.maxValue - single.maxValue) / single.maxValue).toBeLessThan(0.001);
    merged.destroy();
    single.destroy();
  });

  it('averaging per-thread percentiles would be wrong, which is why the merge exists', () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    for (let i = 0; i < 9_900; i++) fast.recordValue(100);
    for (let i = 0; i < 100; i++) slow.recordValue(50_000);
    const merged = mergeEncodedHistograms([encodeHistogram(fast), encodeHistogram(slow)]);
    const averaged = (fast.getValueAtPercentile(99) + slow.getValueAtPercentile(99)) / 2;
    // 1% of all requests took 50 ms: the true p99.5 sees it, the average of p99s is a made-up value.
    expect(merged.getValueAtPercentile(99.5)).toBeGreaterThan(49_000);
    expect(merged.getValueAtPercentile(99)).toBeLessThan(101);
    expect(averaged).toBeGreaterThan(25_000);
    for (const h of [fast, slow, merged]) h.destroy();
  });
});
