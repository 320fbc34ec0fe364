import type { LoadThreadTask } from './load-thread.ts';
import type { RoundReport, RunFigures } from './report-model.ts';
import type { ThreadResult } from './thread-recorder.ts';

// The piscina worker, also run in the main thread when there is a single load thread (see
// createLoadPool). Two kinds of task: 'load' is one long task per load-generator thread that returns
// what the thread measured (histograms encoded); 'round-report' and 'overall' merge those results
// into report figures, so with several load threads the WebAssembly histograms are only ever loaded
// in pool threads.

export type PoolTask =
  | { kind: 'load'; task: LoadThreadTask }
  | { kind: 'round-report'; round: number; startedAt: string; threads: ThreadResult[] }
  | { kind: 'overall'; rounds: RunFigures[] };

// Modules are loaded after the compile cache is on: a warm cache halves the start-up CPU. The
// built-in comes through process.getBuiltinModule (no ESM facade, see bench/cli.ts).
process.getBuiltinModule('node:module').enableCompileCache();

export default async function runPoolTask(task: PoolTask): Promise<ThreadResult | RoundReport | RunFigures> {
  switch (task.kind) {
    case 'load': {
      const { LoadThread } = await import('./load-thread.ts');
      const { loadKeyHashSlot } = await import('./cluster-topology.ts');
      const keyHashSlot = task.task.topology === null ? null : await loadKeyHashSlot();
      return new LoadThread(task.task, keyHashSlot).run();
    }
    case 'round-report': {
      const { roundReport } = await import('./report-builder.ts');
      return roundReport(task.round, task.startedAt, task.threads);
    }
    case 'overall': {
      const { overallFigures } = await import('./report-builder.ts');
      return overallFigures(task.rounds);
    }
  }
}
