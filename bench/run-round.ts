import { loadClusterTopology } from './cluster-topology.ts';
import type { LoadThreadTask } from './load-thread.ts';
import type { PoolTask } from './load-worker.ts';
import type { BenchOptions, BenchTarget } from './options.ts';
import { ThreadControl, epochNow } from './thread-control.ts';
import type { ThreadResult } from './thread-recorder.ts';

// Runs the workload once against one target: one load task per thread (in this thread when there
// is one, else one piscina task per thread), all released at the same instant once every thread has
// its connections up.

export interface RoundProgress {
  completed: number;
  elapsedSeconds: number;
}

export interface RoundControl {
  /** Set by the caller (on SIGINT) to end the round early; what was measured is still reported. */
  stopRequested: boolean;
  onProgress?: (progress: RoundProgress) => void;
}

const START_DELAY_MS = 20;
const PROGRESS_INTERVAL_MS = 250;

/** Where load tasks run: a piscina pool of --threads workers, or this thread for a single one. */
export interface LoadPool {
  run(task: PoolTask): Promise<unknown>;
  destroy(): Promise<void>;
}

// Built-ins through process.getBuiltinModule (no ESM facade, see bench/cli.ts).
const module = process.getBuiltinModule('node:module');

export async function createLoadPool(threads: number): Promise<LoadPool> {
  // One load thread gains nothing from a worker: it would run alone while this thread waits, and
  // booting it (a second Node environment, piscina, a second copy of the bench's modules) costs
  // about 0.15 s of CPU per run. redis-benchmark runs in one thread too.
  if (threads === 1) {
    const { default: runPoolTask } = await import('./load-worker.ts');
    return { run: runPoolTask, destroy: async () => {} };
  }
  // A worker reads NODE_COMPILE_CACHE when it boots: with it set, even load-worker.ts (loaded before
  // any of its own code runs) comes from the cache, and the thread never loads the TypeScript
  // stripper. Measured: 0.08 s less CPU per run.
  const { Piscina } = await import('piscina');
  const compileCache = module.getCompileCacheDir();
  const pool = new Piscina({
    env: compileCache === undefined ? process.env : { ...process.env, NODE_COMPILE_CACHE: compileCache },
    filename: new URL('./load-worker.ts', import.meta.url).href,
    minThreads: threads,
    maxThreads: threads,
    // Tasks run for the whole round; workers must not be recycled in between.
    idleTimeout: 60_000,
    concurrentTasksPerWorker: 1,
    atomics: 'disabled',
  });
  return { run: (task) => pool.run(task), destroy: () => pool.destroy() };
}

export async function runRound(pool: LoadPool, options: BenchOptions, target: BenchTarget, control: RoundControl): Promise<ThreadResult[]> {
  const topology = options.clusterMode ? await loadClusterTopology(target.host, target.port, options.user, options.password) : null;
  const threadControl = new ThreadControl(options.threads);
  const tasks: Promise<ThreadResult>[] = [];
  for (let threadIndex = 0; threadIndex < options.threads; threadIndex++) {
    const task: LoadThreadTask = {
      threadIndex,
      threads: options.threads,
      controlBuffer: threadControl.buffer,
      host: target.host,
      port: target.port,
      options,
      topology,
    };
    tasks.push(pool.run({ kind: 'load', task } satisfies PoolTask) as Promise<ThreadResult>);
  }
  let failure: Error | null = null;
  const all = Promise.all(tasks);
  all.catch((error: Error) => {
    failure ??= error;
    // Threads still waiting for the start must not wait forever.
    threadControl.requestStop();
    threadControl.go(epochNow());
  });

  while (threadControl.readyCount() < options.threads && failure === null) {
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  if (failure !== null) {
    await Promise.allSettled(tasks);
    throw failure;
  }
  const startEpoch = epochNow() + START_DELAY_MS;
  threadControl.go(startEpoch);
  const progressTimer = setInterval(() => {
    if (control.stopRequested) threadControl.requestStop();
    control.onProgress?.({ completed: threadControl.totalCompleted(options.threads), elapsedSeconds: (epochNow() - startEpoch) / 1000 });
  }, PROGRESS_INTERVAL_MS);
  try {
    return await all;
  } finally {
    clearInterval(progressTimer);
  }
}
