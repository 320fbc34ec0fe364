import type { Shard } from '../shard/shard.ts';
import type { SnapshotKind } from './persistence-state.ts';

/** A background save or rewrite: `started` settles once it runs (or rejects: busy), `done` when it ends. */
export interface BackgroundJob {
  started: Promise<void>;
  done: Promise<boolean>;
}

/**
 * Tells every worker how a background job ended (INFO, LASTSAVE, MISCONF). 'aborted': dropped on
 * purpose (FLUSHALL), which is neither a success nor an error.
 */
export function announceDone(shard: Shard, kind: SnapshotKind, ok: boolean | 'aborted', startedAt: number, cowBytes: number): void {
  const now = Date.now();
  const seconds = String(Math.round((now - startedAt) / 1000));
  for (let w = 0; w < shard.workerCount; w++) {
    shard.send(w, ['@persistence-done', kind, ok === 'aborted' ? 'aborted' : ok ? 'ok' : 'err', String(now), seconds, String(cowBytes)], 0, 2, null);
  }
}

/** A promise and the function that settles it once (resolve with no argument, reject with one). */
export function settleOnce(): { promise: Promise<void>; settle: (err?: unknown) => void; settled: () => boolean } {
  let done = false;
  let settle!: (err?: unknown) => void;
  const promise = new Promise<void>((resolve, reject) => {
    settle = (err) => {
      if (done) return;
      done = true;
      if (err === undefined) resolve();
      else reject(err);
    };
  });
  // A rejection nobody awaits (the job ended before anyone asked) must not crash the worker.
  promise.catch(() => {});
  return { promise, settle, settled: () => done };
}
