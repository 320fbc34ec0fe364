import type { LatencySummaryMs } from './latency-histogram.ts';
import type { BenchOptions } from './options.ts';
import type { ThreadResult } from './thread-recorder.ts';

// The report: every figure of a bench run, as written by --json-out and read back by
// `shoal bench report`. Figures are computed from merged histograms and summed counters.

export interface CommandFigures {
  name: string;
  ops: number;
  errors: number;
  opsPerSec: number;
  kbPerSec: number;
  latencyMs: LatencySummaryMs;
  /**
   * The merged latency histogram (microseconds), hdr-histogram compressed base64; encoded when first
   * read (latency-histogram.ts withLazyHistogram), read through histogramOf().
   */
  histogram: string;
}

export interface RunFigures {
  durationSeconds: number;
  commands: CommandFigures[];
  total: CommandFigures;
  errorsByKind: Record<string, number>;
  redirectsByKind: Record<string, number>;
}

export interface RoundReport extends RunFigures {
  round: number;
  startedAt: string;
  /** Replies per second, second by second (a final partial second under 0.5 s is left out). */
  timeline: { second: number; opsPerSec: number }[];
}

export interface TargetReport {
  name: string;
  address: string;
  rounds: RoundReport[];
  /** All rounds together: histograms added, counts and durations summed. */
  overall: RunFigures;
}

export interface ComparisonReport {
  baseline: string;
  targets: { name: string; opsRatioPerRound: number[]; medianOpsRatio: number; p99RatioPerRound: number[]; medianP99Ratio: number }[];
}

export interface MachineInfo {
  hostname: string;
  cpus: number;
  cpuModel: string;
  totalMemoryBytes: number;
  platform: string;
  release: string;
  node: string;
}

export interface BenchReport {
  tool: 'shoal bench';
  formatVersion: 1;
  createdAt: string;
  commandLine: string[];
  machine: MachineInfo;
  options: BenchOptions;
  targets: TargetReport[];
  comparison: ComparisonReport | null;
}

export function machineInfo(): MachineInfo {
  // Through process.getBuiltinModule, not import (no ESM facade, see bench/cli.ts).
  const os = process.getBuiltinModule('node:os');
  const cpus = os.cpus();
  return {
    hostname: os.hostname(),
    cpus: os.availableParallelism(),
    cpuModel: cpus[0]?.model ?? 'unknown',
    totalMemoryBytes: os.totalmem(),
    platform: os.platform(),
    release: os.release(),
    node: process.version,
  };
}

/** Per-round ratios of each target to the first, and their medians. */
export function compareTargets(targets: TargetReport[]): ComparisonReport | null {
  if (targets.length < 2) return null;
  const baseline = targets[0];
  return {
    baseline: baseline.name,
    targets: targets.slice(1).map((target) => {
      const rounds = Math.min(target.rounds.length, baseline.rounds.length);
      const opsRatioPerRound: number[] = [];
      const p99RatioPerRound: number[] = [];
      for (let i = 0; i < rounds; i++) {
        opsRatioPerRound.push(target.rounds[i].total.opsPerSec / baseline.rounds[i].total.opsPerSec);
        p99RatioPerRound.push(target.rounds[i].total.latencyMs.p99 / baseline.rounds[i].total.latencyMs.p99);
      }
      return { name: target.name, opsRatioPerRound, medianOpsRatio: median(opsRatioPerRound), p99RatioPerRound, medianP99Ratio: median(p99RatioPerRound) };
    }),
  };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

export function sum(values: readonly number[]): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
