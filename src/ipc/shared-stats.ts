/**
 * Per-worker counters in a SharedArrayBuffer: the acceptor reads connected clients to pick the least
 * loaded worker, and INFO reads every worker's figures without a message.
 */
export const STAT_COMMANDS = 1;
export const STAT_HOPS_OUT = 2;
export const STAT_HOPS_IN = 3;
export const STAT_KEYS = 4;
/** Changes since the last RDB save (for the save points). */
export const STAT_DIRTY = 8;
/** Bytes of memory the worker uses (V8 heap + external, net of evicted keys not yet collected). */
export const STAT_MEMORY = 9;
/** Bytes the worker used before its first key (INFO used_memory_startup). */
export const STAT_MEMORY_STARTUP = 10;
/** Keys with an expiry (what the volatile-* maxmemory policies may evict). */
export const STAT_VOLATILE_KEYS = 11;
const STATS_PER_WORKER = 16;

export class SharedStats {
  readonly counters: Float64Array;
  readonly clients: Int32Array;
  readonly workerCount: number;

  constructor(sab: SharedArrayBuffer, workerCount: number) {
    this.workerCount = workerCount;
    this.counters = new Float64Array(sab, 0, workerCount * STATS_PER_WORKER);
    this.clients = new Int32Array(sab, workerCount * STATS_PER_WORKER * 8, workerCount);
  }

  static create(workerCount: number): SharedArrayBuffer {
    return new SharedArrayBuffer(workerCount * STATS_PER_WORKER * 8 + workerCount * 4);
  }

  /** Plain (non-atomic) add: each counter has one writer, its worker; readers tolerate a stale value. */
  add(worker: number, stat: number, n: number): void {
    this.counters[worker * STATS_PER_WORKER + stat]! += n;
  }

  set(worker: number, stat: number, value: number): void {
    this.counters[worker * STATS_PER_WORKER + stat] = value;
  }

  get(worker: number, stat: number): number {
    return this.counters[worker * STATS_PER_WORKER + stat]!;
  }

  /** Connected clients of a worker: the acceptor increments on hand-over, the worker decrements on close. */
  clientCount(worker: number): number {
    return Atomics.load(this.clients, worker);
  }

  clientOpened(worker: number): void {
    Atomics.add(this.clients, worker, 1);
  }

  clientClosed(worker: number): void {
    Atomics.sub(this.clients, worker, 1);
  }

  totalClients(): number {
    let n = 0;
    for (let w = 0; w < this.workerCount; w++) n += Atomics.load(this.clients, w);
    return n;
  }
}
