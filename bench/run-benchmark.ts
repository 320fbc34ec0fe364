import type { BenchOptions } from './options.ts';
import { ProgressDisplay } from './progress-display.ts';
import type { PoolTask } from './load-worker.ts';
import { compareTargets, machineInfo, type BenchReport, type MachineInfo, type RoundReport, type RunFigures, type TargetReport } from './report-model.ts';
import { createLoadPool, runRound, type RoundControl } from './run-round.ts';

// Runs the whole benchmark: every round runs each target once, in the same order (A B A B ...),
// so a drift of the machine's speed hits all targets alike; rounds are compared pairwise.

export interface RunBenchmarkHooks {
  progressStream?: NodeJS.WriteStream | null;
  control?: RoundControl;
}

export async function runBenchmark(options: BenchOptions, commandLine: string[], hooks: RunBenchmarkHooks = {}): Promise<BenchReport> {
  const pool = await createLoadPool(options.threads);
  const control: RoundControl = hooks.control ?? { stopRequested: false };
  const rounds = new Map<string, RoundReport[]>(options.targets.map((t) => [t.name, []]));
  try {
    for (let round = 1; round <= options.rounds && !control.stopRequested; round++) {
      for (const target of options.targets) {
        if (control.stopRequested) break;
        const label = options.targets.length > 1 || options.rounds > 1 ? `${target.name} round ${round}/${options.rounds}` : target.name;
        const expected =
          options.requests !== null
            ? { replies: options.requests * options.clients * options.threads }
            : { seconds: options.warmupSeconds + (options.testTimeSeconds ?? 0) };
        const progress = hooks.progressStream && !options.quiet ? new ProgressDisplay(hooks.progressStream, label, expected) : null;
        control.onProgress = progress === null ? undefined : (p) => progress.update(p);
        const startedAt = new Date().toISOString();
        try {
          const threads = await runRound(pool, options, target, control);
          const task: PoolTask = { kind: 'round-report', round, startedAt, threads };
          rounds.get(target.name)!.push((await pool.run(task)) as RoundReport);
        } finally {
          progress?.finish();
        }
      }
    }
    const targets: TargetReport[] = [];
    for (const target of options.targets) {
      const targetRounds = rounds.get(target.name)!;
      if (targetRounds.length === 0) continue;
      const task: PoolTask = { kind: 'overall', rounds: targetRounds };
      const overall = (await pool.run(task)) as RunFigures;
      targets.push({ name: target.name, address: `${target.host}:${target.port}`, rounds: targetRounds, overall });
    }
    const report: BenchReport = {
      tool: 'shoal bench',
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      commandLine,
      machine: null as unknown as MachineInfo,
      options,
      targets,
      comparison: compareTargets(targets),
    };
    // Read only by JSON and HTML reports: node:os and its CPU list (~2-4 ms of CPU) are loaded then,
    // not for a console-only run. Defined in place, so JSON keeps the field order.
    let machine: MachineInfo | null = null;
    Object.defineProperty(report, 'machine', { enumerable: true, configurable: true, get: () => (machine ??= machineInfo()) });
    return report;
  } finally {
    await pool.destroy();
  }
}
