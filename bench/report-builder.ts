import { addHistograms, histogramOf, summarizeLatencyMs, withLazyHistogram, type LatencyHistogram } from './latency-histogram.ts';
import { sum, type CommandFigures, type RoundReport, type RunFigures } from './report-model.ts';
import type { ThreadResult } from './thread-recorder.ts';

// Builds report figures from what the threads measured: histograms are added, counters summed.
// Runs where the load ran: in the main thread for one load thread, else in a pool thread (see
// load-worker.ts).
//
// Histograms stay objects while they are in the thread that made them (withLazyHistogram): a single
// thread's or round's is reused as it is, and a histogram is encoded (deflate) only when a report
// that stores it (JSON, HTML) or another thread reads it, and decoded (inflate) only when it came
// encoded. A console-only run of one thread and one round does neither.

interface CommandCounts {
  name: string;
  ops: number;
  errors: number;
  bytes: number;
}

function figures(counts: CommandCounts, durationSeconds: number, histogram: LatencyHistogram): CommandFigures {
  return withLazyHistogram(
    {
      name: counts.name,
      ops: counts.ops,
      errors: counts.errors,
      opsPerSec: durationSeconds > 0 ? counts.ops / durationSeconds : 0,
      kbPerSec: durationSeconds > 0 ? counts.bytes / 1024 / durationSeconds : 0,
      latencyMs: summarizeLatencyMs(histogram),
    },
    histogram,
  );
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [kind, count] of Object.entries(from)) into[kind] = (into[kind] ?? 0) + count;
}

/** Figures of one round from the results of its threads. */
export function roundReport(round: number, startedAt: string, threads: ThreadResult[]): RoundReport {
  const measureStart = Math.min(...threads.map((t) => t.measureStartEpochMs));
  const lastReply = Math.max(...threads.map((t) => t.lastReplyEpochMs));
  const durationSeconds = lastReply > measureStart ? (lastReply - measureStart) / 1000 : 0;
  const names = threads[0].commands.map((c) => c.name);
  const perCommand: CommandCounts[] = names.map((name, i) => ({
    name,
    ops: sum(threads.map((t) => t.commands[i].ops)),
    errors: sum(threads.map((t) => t.commands[i].errors)),
    bytes: sum(threads.map((t) => t.commands[i].txBytes + t.commands[i].rxBytes)),
  }));
  const errorsByKind: Record<string, number> = {};
  const redirectsByKind: Record<string, number> = {};
  for (const thread of threads) {
    addCounts(errorsByKind, thread.errorsByKind);
    addCounts(redirectsByKind, thread.redirectsByKind);
  }
  // One histogram per command: a single thread's as it came, or the threads' added together.
  const histograms = names.map((_, i) => {
    const parts = threads.map((t) => histogramOf(t.commands[i]));
    return parts.length === 1 ? parts[0] : addHistograms(parts);
  });
  const commands = perCommand.map((counts, i) => figures(counts, durationSeconds, histograms[i]));
  const totalCounts: CommandCounts = {
    name: 'Totals',
    ops: sum(perCommand.map((c) => c.ops)),
    // Connection losses belong to no command but are errors of the run.
    errors: sum(Object.values(errorsByKind)),
    bytes: sum(perCommand.map((c) => c.bytes)),
  };
  const total = figures(totalCounts, durationSeconds, histograms.length === 1 ? histograms[0] : addHistograms(histograms));
  const counts: number[] = [];
  for (const thread of threads) {
    for (const command of thread.commands) {
      command.opsPerSecond.forEach((count, second) => (counts[second] = (counts[second] ?? 0) + count));
    }
  }
  // A trailing bucket shorter than half a second says little about the rate and is left out of
  // the timeline (its replies are in every other figure).
  const timeline: { second: number; opsPerSec: number }[] = [];
  for (let second = 0; second < counts.length; second++) {
    const width = Math.min(1, durationSeconds - second);
    if (width < 0.5) break;
    timeline.push({ second, opsPerSec: (counts[second] ?? 0) / width });
  }
  return { round, startedAt, durationSeconds, commands, total, errorsByKind, redirectsByKind, timeline };
}

/** All rounds of a target together. */
export function overallFigures(rounds: RunFigures[]): RunFigures {
  if (rounds.length === 1) {
    const { durationSeconds, commands, total, errorsByKind, redirectsByKind } = rounds[0];
    return { durationSeconds, commands, total, errorsByKind, redirectsByKind };
  }
  const durationSeconds = sum(rounds.map((r) => r.durationSeconds));
  const merge = (pick: (r: RunFigures) => CommandFigures, name: string): CommandFigures =>
    figures(
      {
        name,
        ops: sum(rounds.map((r) => pick(r).ops)),
        errors: sum(rounds.map((r) => pick(r).errors)),
        bytes: sum(rounds.map((r) => pick(r).kbPerSec * 1024 * r.durationSeconds)),
      },
      durationSeconds,
      addHistograms(rounds.map((r) => histogramOf(pick(r)))),
    );
  const errorsByKind: Record<string, number> = {};
  const redirectsByKind: Record<string, number> = {};
  for (const round of rounds) {
    addCounts(errorsByKind, round.errorsByKind);
    addCounts(redirectsByKind, round.redirectsByKind);
  }
  return {
    durationSeconds,
    commands: rounds[0].commands.map((command, i) => merge((r) => r.commands[i], command.name)),
    total: merge((r) => r.total, 'Totals'),
    errorsByKind,
    redirectsByKind,
  };
}

