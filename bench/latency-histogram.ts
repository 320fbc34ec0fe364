import { HdrHistogram } from './hdr-histogram.ts';

// Latency histograms: HdrHistogram (bench/hdr-histogram.ts), values in microseconds, 3 significant
// digits. A thread records into its own histograms and hands them over encoded (compressed base64);
// the main thread decodes and adds them. Percentiles are only ever read from a merged histogram,
// never averaged.

export type LatencyHistogram = HdrHistogram;

export function createLatencyHistogram(): LatencyHistogram {
  return new HdrHistogram();
}

export function encodeHistogram(histogram: LatencyHistogram): string {
  return histogram.encodeIntoCompressedBase64();
}

export function decodeHistogram(encoded: string): LatencyHistogram {
  return HdrHistogram.decodeFromCompressedBase64(encoded);
}

/** A thread's or a report's figures for one command: its histogram travels encoded. */
export interface WithHistogram {
  /** The latency histogram (microseconds), hdr-histogram compressed base64. */
  histogram: string;
}

/** The histogram objects behind figures made by withLazyHistogram, while they are in this thread. */
const histogramObjects = new WeakMap<object, LatencyHistogram>();

/**
 * Gives `fields` a `histogram` that is encoded the first time it is read: by a JSON or HTML
 * report, or when the figures are copied to another thread (structured clone reads it). A run that
 * only prints the console table never encodes (deflate) or decodes (inflate) a histogram: that was
 * ~20-30 ms of CPU per run (bench/RESULTS.md). `histogram` must not change afterwards.
 */
export function withLazyHistogram<T extends object>(fields: T, histogram: LatencyHistogram): T & WithHistogram {
  let encoded: string | null = null;
  Object.defineProperty(fields, 'histogram', { enumerable: true, configurable: true, get: () => (encoded ??= encodeHistogram(histogram)) });
  histogramObjects.set(fields, histogram);
  return fields as T & WithHistogram;
}

/** The histogram of figures: the object itself when made in this thread, else decoded. */
export function histogramOf(figures: WithHistogram): LatencyHistogram {
  return histogramObjects.get(figures) ?? decodeHistogram(figures.histogram);
}

/** Decodes every encoded histogram and adds it into one new histogram. */
export function mergeEncodedHistograms(encoded: readonly string[]): LatencyHistogram {
  const merged = createLatencyHistogram();
  for (const item of encoded) merged.add(decodeHistogram(item));
  return merged;
}

/** A new histogram holding the values of all `parts` (which are left as they are). */
export function addHistograms(parts: readonly LatencyHistogram[]): LatencyHistogram {
  const sum = createLatencyHistogram();
  for (const part of parts) sum.add(part);
  return sum;
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
  // The 100th percentile (the highest value equivalent to the largest recorded one) rather than
  // maxValue: a histogram built by add() keeps only bucket resolution, so this is the figure that is
  // identical whether values were recorded in one histogram or merged from several.
  const [p50, p90, p99, p999, p9999, max] = histogram.getValuesAtPercentiles([50, 90, 99, 99.9, 99.99, 100]);
  return { avg: ms(histogram.mean), p50: ms(p50), p90: ms(p90), p99: ms(p99), p999: ms(p999), p9999: ms(p9999), max: ms(max) };
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

/**
 * The .hgrm percentile-distribution text of HdrHistogram, values in milliseconds: written by
 * hdr-histogram-js (its own format code), which is loaded only for this.
 */
export function hgrmText(histogram: LatencyHistogram): string {
  const hdr = process.getBuiltinModule('node:module').createRequire(import.meta.url)('hdr-histogram-js') as typeof import('hdr-histogram-js');
  hdr.initWebAssemblySync();
  const copy = hdr.decodeFromCompressedBase64(histogram.encodeIntoCompressedBase64(), 32, true);
  const text = copy.outputPercentileDistribution(5, 1000);
  copy.destroy();
  return text;
}
