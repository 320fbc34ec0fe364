import { encodeHistogram, mergeEncodedHistograms, summarizeLatencyMs } from './latency-histogram.ts';
import { sum, type CommandFigures, type RoundReport, type RunFigures } from './report-model.ts';
import type { ThreadResult } from './thread-recorder.ts';

// Builds report figures from what the threads measured: histograms are decoded and added, counters
// summed. Runs in a pool thread (see load-worker.ts), so the main thread never loads WebAssembly.

interface CommandParts {
  name: string;
  ops: number;
  errors: number;
  bytes: number;
  histograms: string[];
}

function commandFigures(parts: CommandParts, durationSeconds: number): CommandFigures {
  const merged = mergeEncodedHistograms(parts.histograms);
  const figures: CommandFigures = {
    name: parts.name,
    ops: parts.ops,
    errors: parts.errors,
    opsPerSec: durationSeconds > 0 ? parts.ops / durationSeconds : 0,
    kbPerSec: durationSeconds > 0 ? parts.bytes / 1024 / durationSeconds : 0,
    latencyMs: summarizeLatencyMs(merged),
    histogram: encodeHistogram(merged),
  };
  merged.destroy();
  return figures;
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
  const perCommand: CommandParts[] = names.map((name, i) => ({
    name,
    ops: sum(threads.map((t) => t.commands[i].ops)),
    errors: sum(threads.map((t) => t.commands[i].errors)),
    bytes: sum(threads.map((t) => t.commands[i].txBytes + t.commands[i].rxBytes)),
    histograms: threads.map((t) => t.commands[i].histogram),
  }));
  const errorsByKind: Record<string, number> = {};
  const redirectsByKind: Record<string, number> = {};
  for (const thread of threads) {
    addCounts(errorsByKind, thread.errorsByKind);
    addCounts(redirectsByKind, thread.redirectsByKind);
  }
  const commands = perCommand.map((parts) => commandFigures(parts, durationSeconds));
  const total = commandFigures(
    {
      name: 'Totals',
      ops: sum(perCommand.map((c) => c.ops)),
      // Connection losses belong to no command but are errors of the run.
      errors: sum(Object.values(errorsByKind)),
      bytes: sum(perCommand.map((c) => c.bytes)),
      histograms: perCommand.flatMap((c) => c.histograms),
    },
    durationSeconds,
  );
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
  const durationSeconds = sum(rounds.map((r) => r.durationSeconds));
  const merge = (pick: (r: RunFigures) => CommandFigures, name: string): CommandFigures =>
    commandFigures(
      {
        name,
        ops: sum(rounds.map((r) => pick(r).ops)),
        errors: sum(rounds.map((r) => pick(r).errors)),
        bytes: sum(rounds.map((r) => pick(r).kbPerSec * 1024 * r.durationSeconds)),
        histograms: rounds.map((r) => pick(r).histogram),
      },
      durationSeconds,
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

