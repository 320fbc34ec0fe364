// `shoal bench fanout`: for each round, each follower count and each server kind (in alternation,
// so machine drift hits every kind alike), start a primary with N followers, run the write load with
// the lag probe, and stop them. Figures per step are kept; the summary takes medians over rounds of
// throughput and merges the lag histograms of every round.
import { encodeHistogram, mergeEncodedHistograms, summarizeLatencyMs, type LatencySummaryMs } from '../latency-histogram.ts';
import { machineInfo, median, type MachineInfo } from '../report-model.ts';
import type { FanoutOptions, ServerKind } from './fanout-options.ts';
import { LagProbe } from './lag-probe.ts';
import { startReplicaSet } from './replica-set.ts';
import { runWriteLoad } from './write-load.ts';

export interface FollowerLagFigures {
  lagMs: LatencySummaryMs;
  early: number;
  missing: number;
  /** The lag histogram (µs), compressed base64 (hdr-histogram-js). */
  histogram: string;
}

export interface FanoutStep {
  round: number;
  kind: ServerKind;
  followers: number;
  requests: number;
  errors: number;
  seconds: number;
  opsPerSec: number;
  probeWrites: number;
  perFollower: FollowerLagFigures[];
}

export interface FanoutSummaryRow {
  kind: ServerKind;
  followers: number;
  /** Median over rounds. */
  opsPerSec: number;
  /** Every follower of every round merged. */
  lagMs: LatencySummaryMs | null;
  lagHistogram: string | null;
  early: number;
  missing: number;
  errors: number;
}

export interface FanoutRatioRow {
  followers: number;
  /** Per-round shoal/redis throughput ratios and their median. */
  roundRatios: number[];
  medianRatio: number;
}

export interface FanoutReport {
  tool: 'shoal bench fanout';
  formatVersion: 1;
  createdAt: string;
  commandLine: string[];
  machine: MachineInfo;
  options: FanoutOptions;
  steps: FanoutStep[];
  summary: FanoutSummaryRow[];
  ratios: FanoutRatioRow[];
}

export interface FanoutProgress {
  (line: string): void;
}

async function runStep(options: FanoutOptions, kind: ServerKind, followers: number, round: number): Promise<FanoutStep> {
  const set = await startReplicaSet(kind, followers, options.threads);
  try {
    const probe = new LagProbe(set.primary.port, set.followers.map((f) => f.port));
    await probe.start(options.probeRate);
    const load = await runWriteLoad(set.primary.port, options.clients, options.pipeline, options.keyMaximum, options.dataSize, options.testTime);
    const probeWrites = await probe.stop();
    const perFollower = probe.lags.map((lag) => {
      const figures: FollowerLagFigures = { lagMs: summarizeLatencyMs(lag.histogram), early: lag.early, missing: lag.missing, histogram: encodeHistogram(lag.histogram) };
      lag.histogram.destroy();
      return figures;
    });
    return {
      round, kind, followers, requests: load.requests, errors: load.errors, seconds: load.seconds,
      opsPerSec: load.requests / load.seconds, probeWrites, perFollower,
    };
  } finally {
    await set.stop();
  }
}

function summarize(options: FanoutOptions, steps: FanoutStep[]): { summary: FanoutSummaryRow[]; ratios: FanoutRatioRow[] } {
  const summary: FanoutSummaryRow[] = [];
  const ratios: FanoutRatioRow[] = [];
  for (const followers of options.followers) {
    for (const kind of options.kinds) {
      const mine = steps.filter((s) => s.kind === kind && s.followers === followers);
      if (mine.length === 0) continue;
      const encoded = mine.flatMap((s) => s.perFollower.map((f) => f.histogram));
      let lagMs: LatencySummaryMs | null = null;
      let lagHistogram: string | null = null;
      if (encoded.length > 0) {
        const merged = mergeEncodedHistograms(encoded);
        lagMs = summarizeLatencyMs(merged);
        lagHistogram = encodeHistogram(merged);
        merged.destroy();
      }
      summary.push({
        kind, followers, opsPerSec: median(mine.map((s) => s.opsPerSec)), lagMs, lagHistogram,
        early: mine.reduce((n, s) => n + s.perFollower.reduce((m, f) => m + f.early, 0), 0),
        missing: mine.reduce((n, s) => n + s.perFollower.reduce((m, f) => m + f.missing, 0), 0),
        errors: mine.reduce((n, s) => n + s.errors, 0),
      });
    }
    if (options.kinds.includes('shoal') && options.kinds.includes('redis')) {
      const roundRatios: number[] = [];
      for (let round = 1; round <= options.rounds; round++) {
        const shoal = steps.find((s) => s.kind === 'shoal' && s.followers === followers && s.round === round);
        const redis = steps.find((s) => s.kind === 'redis' && s.followers === followers && s.round === round);
        if (shoal !== undefined && redis !== undefined && redis.opsPerSec > 0) roundRatios.push(shoal.opsPerSec / redis.opsPerSec);
      }
      if (roundRatios.length > 0) ratios.push({ followers, roundRatios, medianRatio: median(roundRatios) });
    }
  }
  return { summary, ratios };
}

export async function runFanout(options: FanoutOptions, commandLine: string[], progress: FanoutProgress): Promise<FanoutReport> {
  const steps: FanoutStep[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    for (const followers of options.followers) {
      // Alternate which kind goes first from round to round as well.
      const kinds = round % 2 === 1 ? options.kinds : [...options.kinds].reverse();
      for (const kind of kinds) {
        const step = await runStep(options, kind, followers, round);
        steps.push(step);
        const lags = step.perFollower.map((f) => f.lagMs.p99.toFixed(2)).join('/');
        progress(`round ${round} ${kind} followers=${followers}: ${Math.round(step.opsPerSec)} SET/s, errors ${step.errors}, probe writes ${step.probeWrites}${followers > 0 ? `, lag p99 ms ${lags}` : ''}`);
      }
    }
  }
  const { summary, ratios } = summarize(options, steps);
  return {
    tool: 'shoal bench fanout', formatVersion: 1, createdAt: new Date().toISOString(), commandLine,
    machine: machineInfo(), options, steps, summary, ratios,
  };
}
