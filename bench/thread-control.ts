// The control block shared by the main thread and the load threads (a SharedArrayBuffer): threads
// report readiness, the main thread releases them all at one start time, asks them to stop early,
// and reads their live progress without exchanging messages.

const READY = 0;
const GO = 1;
const STOP = 2;
const INT_SLOTS = 4;

export class ThreadControl {
  readonly buffer: SharedArrayBuffer;
  private readonly flags: Int32Array;
  private readonly numbers: Float64Array;

  /** Pass `threads` to create a block, or an existing buffer to attach to one. */
  constructor(source: number | SharedArrayBuffer) {
    this.buffer = typeof source === 'number' ? new SharedArrayBuffer(INT_SLOTS * 4 + (1 + source) * 8) : source;
    this.flags = new Int32Array(this.buffer, 0, INT_SLOTS);
    this.numbers = new Float64Array(this.buffer, INT_SLOTS * 4);
  }

  markReady(): void {
    Atomics.add(this.flags, READY, 1);
  }

  readyCount(): number {
    return Atomics.load(this.flags, READY);
  }

  /** Releases the threads; they start at `startEpochMs` (performance.timeOrigin + performance.now()). */
  go(startEpochMs: number): void {
    this.numbers[0] = startEpochMs;
    Atomics.store(this.flags, GO, 1);
    Atomics.notify(this.flags, GO);
  }

  async waitForGo(): Promise<number> {
    const waiting = Atomics.waitAsync(this.flags, GO, 0);
    if (waiting.async) await waiting.value;
    return this.numbers[0];
  }

  requestStop(): void {
    Atomics.store(this.flags, STOP, 1);
  }

  stopRequested(): boolean {
    return Atomics.load(this.flags, STOP) === 1;
  }

  /** Live count of recorded replies of one thread (written by that thread only). */
  setCompleted(threadIndex: number, completed: number): void {
    this.numbers[1 + threadIndex] = completed;
  }

  totalCompleted(threads: number): number {
    let total = 0;
    for (let i = 0; i < threads; i++) total += this.numbers[1 + i];
    return total;
  }
}

/** Wall-clock milliseconds comparable across threads (each thread has its own performance.now origin). */
export function epochNow(): number {
  return performance.timeOrigin + performance.now();
}
