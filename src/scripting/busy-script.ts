// What every worker knows about a script that has run longer than busy-reply-threshold (Redis's
// "timed out" script): while it runs, clients of any worker get -BUSY for all but a few commands,
// and SCRIPT KILL / FUNCTION KILL reach the script's worker under the script's transaction id.
// Module state is per worker: each worker is its own thread.
import { BUSY_FUNCTION, BUSY_SCRIPT } from '../resp/errors.ts';

export interface BusyScript {
  /** EVAL/EVALSHA (true) or FCALL (false). */
  evalMode: boolean;
  /** The worker running it, and the transaction id its requests carry. */
  worker: number;
  txId: number;
  /** Function name (FUNCTION STATS), command line and start time. */
  name: string;
  argv: string[];
  startedAt: number;
}

let busy: BusyScript | null = null;

export function busyScript(): BusyScript | null {
  return busy;
}

export function setBusyScript(state: BusyScript | null): void {
  busy = state;
}

/** The -BUSY error for commands refused while a script is busy. */
export function busyError(): string {
  return busy !== null && !busy.evalMode ? BUSY_FUNCTION : BUSY_SCRIPT;
}
