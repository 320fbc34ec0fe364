import type { Histogram } from 'hdr-histogram-js';
// The package's index also loads its log reader/writer (whose Intl number formatters alone cost
// ~25 ms of start-up), Recorder and every JS histogram class; the bench needs only these three.
import { build } from 'hdr-histogram-js/dist/HistogramBuilder.js';
import { decodeFromCompressedBase64, encodeIntoCompressedBase64 } from 'hdr-histogram-js/dist/encoding.js';
import { initWebAssemblySync } from 'hdr-histogram-js/dist/wasm/index.js';

// Latency histograms: hdr-histogram-js in WebAssembly mode, values in microseconds, 3 significant
// digits. A thread records into its own histograms and hands them over encoded (compressed base64);
// the main thread decodes and adds them. Percentiles are only ever read from a merged histogram,
// never averaged.

export type LatencyHistogram = Histogram;

/** One hour in microseconds: far beyond any latency a run should see; autoResize covers the rest. */
const HIGHEST_TRACKABLE_US = 3_600_000_000;

let wasmReady = false;

function ensureWasm(): void {
  if (!wasmReady) {
    initWebAssemblySync();
    wasmReady = true;
  }
}

export function createLatencyHistogram(): LatencyHistogram {
  ensureWasm();
  return build({
    useWebAssembly: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: HIGHEST_TRACKABLE_US,
    numberOfSignificantValueDigits: 3,
    autoResize: true,
  });
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): LatencyHistogram {
  ensureWasm();
  return decodeFromCompressedBase64(encoded, 32, true);
}

/** A new histogram holding the values of all `parts` (which are left as they are). */
export function addHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const sum = createLatencyHistogram();
  for (const part of parts) sum.add(part);
  return sum;
}

/** Decodes every encoded histogram and adds it into one new histogram. */
export function mergeEncodedHistograms(encoded: readonly string[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const item of encoded) {
    const part = decodeHistogram(item);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

export interface LatencySummaryMs {
  avg: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  p9999: number;
  max: number;
}

export function summarizeLatencyMs(histogram: LatencyHistogram): LatencySummaryMs {
  if (histogram.totalCount === 0) return { avg: 0, p50: 0, p90: 0, p99: 0, p999: 0, p9999: 0, max: 0 };
  const ms = (us: number): number => us / 1000;
  return {
    avg: ms(histogram.mean),
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    p999: ms(histogram.getValueAtPercentile(99.9)),
    p9999: ms(histogram.getValueAtPercentile(99.99)),
    // The 100th percentile (the highest value equivalent to the largest recorded one) rather than
    // maxValue: a histogram built by add() keeps only bucket resolution, so this is the figure that
    // is identical whether values were recorded in one histogram or merged from several.
    max: ms(histogram.getValueAtPercentile(100)),
  };
}

export interface PercentilePoint {
  /** Percentile in [0, 100]. */
  percentile: number;
  /** Latency in milliseconds at that percentile. */
  valueMs: number;
}

/**
 * The percentile-distribution curve, sampled at points evenly spaced on the log scale of
 * 1/(1 - percentile) (the axis of HdrHistogram's plotter), as far as the sample count resolves,
 * ending with the maximum at 100%.
 */
export function percentileCurve(histogram: LatencyHistogram, pointsPerDecade = 20): PercentilePoint[] {
  const total = histogram.totalCount;
  if (total === 0) return [];
  const points: PercentilePoint[] = [];
  const decades = Math.log10(total);
  for (let step = 0; step / pointsPerDecade <= decades; step++) {
    const percentile = 100 * (1 - Math.pow(10, -step / pointsPerDecade));
    points.push({ percentile, valueMs: histogram.getValueAtPercentile(percentile) / 1000 });
  }
  points.push({ percentile: 100, valueMs: histogram.getValueAtPercentile(100) / 1000 });
  return points;
}

/** The .hgrm percentile-distribution text of HdrHistogram, values in milliseconds. */
export function hgrmText(histogram: LatencyHistogram): string {
  return histogram.outputPercentileDistribution(5, 1000);
}
