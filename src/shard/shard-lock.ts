import type { Request } from '../ipc/frames.ts';

/**
 * The lock a cross-shard transaction takes on each worker it involves, in ascending worker order
 * (deadlock-free). While held, the worker runs only the holder's requests; every other request, and
 * every client command of its own connections, waits in arrival order until the holder unlocks.
 */
export class ShardLock {
  /** Transaction id of the holder; 0 when free. */
  holder = 0;
  readonly deferred: Request[] = [];

  get held(): boolean {
    return this.holder !== 0;
  }

  admits(txId: number): boolean {
    return this.holder === 0 || this.holder === txId;
  }
}
