// The supervisor's handle on the log thread: starts it with the effect rings, the sequence counter
// and the control words, and stops it after the shard workers (so it writes everything they left).
import { Worker, type MessagePort } from 'node:worker_threads';

export interface LogThreadData {
  /** One effect ring per shard worker, in worker order. */
  effectRings: SharedArrayBuffer[];
  /** The global write sequence counter (one Int32). */
  sequence: SharedArrayBuffer;
  /** The control words (LOG_CONTROL_BYTES), see log-control.ts. */
  logControl: SharedArrayBuffer;
  /** ServerConfig.toArgs() */
  configArgs: string[];
  /** The log thread's end of one channel per shard worker (replication messages, see src/replication/messages.ts). */
  logPorts?: MessagePort[];
  /** ReplicationState's buffer (INFO replication, ROLE, the replica's read-only and stale-data checks). */
  replState?: SharedArrayBuffer;
}

/** A merged effect as tests see it. */
export interface CapturedEffect {
  seq: number;
  db: number;
  txId: number;
  worker: number;
  argv: string[];
}

export type ToLogThread =
  | { type: 'stop' }
  | { type: 'capture'; on: boolean }
  | { type: 'captured' }
  | { type: 'stats' }
  | { type: 'config-set'; pairs: Array<[string, string]>; id: number }
  | { type: 'aof-flush-sleep'; micros: number };

export interface LogThreadStats {
  type: 'stats';
  nextSequence: number;
  merged: number;
  stale: number;
  aofBytes: number;
  aofPath: string | null;
}

export type FromLogThread =
  | { type: 'ready'; firstSequence: number; aofPath: string | null }
  | { type: 'stopped'; nextSequence: number; merged: number; skipped: number }
  | { type: 'capturing'; on: boolean }
  | { type: 'captured'; effects: CapturedEffect[] }
  | { type: 'config-applied'; id: number }
  | LogThreadStats;

export class LogThread {
  readonly worker: Worker;
  readonly firstSequence: number;
  readonly aofPath: string | null;

  private constructor(worker: Worker, ready: { firstSequence: number; aofPath: string | null }) {
    this.worker = worker;
    this.firstSequence = ready.firstSequence;
    this.aofPath = ready.aofPath;
  }

  /** Starts the thread; resolves once it consumes the rings (the workers record effects from then on). */
  static start(data: LogThreadData): Promise<LogThread> {
    const worker = new Worker(new URL('./log-thread.ts', import.meta.url), { workerData: data, transferList: data.logPorts ?? [] });
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err);
      worker.once('error', onError);
      worker.once('message', (msg: FromLogThread) => {
        worker.off('error', onError);
        if (msg.type !== 'ready') return reject(new Error(`log thread: unexpected ${msg.type}`));
        worker.on('error', (err) => console.error('shoal: log thread failed:', err));
        resolve(new LogThread(worker, msg));
      });
    });
  }

  private ask<T extends FromLogThread['type']>(msg: ToLogThread, answer: T): Promise<Extract<FromLogThread, { type: T }>> {
    return new Promise((resolve) => {
      const onMessage = (reply: FromLogThread): void => {
        if (reply.type !== answer) return;
        this.worker.off('message', onMessage);
        resolve(reply as Extract<FromLogThread, { type: T }>);
      };
      this.worker.on('message', onMessage);
      this.worker.postMessage(msg);
    });
  }

  /** Starts (or stops) keeping a decoded copy of the merged stream, for tests. */
  async capture(on: boolean): Promise<void> {
    await this.ask({ type: 'capture', on }, 'capturing');
  }

  /** The effects merged since the last call (merging what is ready first). */
  async captured(): Promise<CapturedEffect[]> {
    return (await this.ask({ type: 'captured' }, 'captured')).effects;
  }

  stats(): Promise<LogThreadStats> {
    return this.ask({ type: 'stats' }, 'stats');
  }

  private configSets = 0;

  /**
   * Relays CONFIG SET; resolves once the thread has applied it, so that CONFIG SET answers only
   * then, as Redis applies a change before its reply (a write right after CONFIG SET appendfsync or
   * aof-timestamp-enabled goes out under the new value).
   */
  configSet(pairs: Array<[string, string]>): Promise<void> {
    const id = ++this.configSets;
    return new Promise((resolve) => {
      // A thread that cannot answer (it failed) must not hang CONFIG SET: it answers after 5 s anyway.
      const timer = setTimeout(done, 5000);
      timer.unref();
      const worker = this.worker;
      function done(): void {
        clearTimeout(timer);
        worker.off('message', onMessage);
        resolve();
      }
      function onMessage(reply: FromLogThread): void {
        if (reply.type === 'config-applied' && reply.id === id) done();
      }
      worker.on('message', onMessage);
      worker.postMessage({ type: 'config-set', pairs, id } satisfies ToLogThread);
    });
  }

  /** DEBUG AOF-FLUSH-SLEEP: the AOF writer sleeps this long before each write (0 = never). */
  aofFlushSleep(micros: number): void {
    this.worker.postMessage({ type: 'aof-flush-sleep', micros } satisfies ToLogThread);
  }

  /**
   * Call after the shard workers have stopped: the thread writes every effect they left in the rings,
   * closes the AOF (with a final fsync, as Redis at shutdown) and exits.
   */
  async stop(): Promise<{ nextSequence: number; merged: number; skipped: number }> {
    const exited = new Promise<void>((resolve) => this.worker.once('exit', () => resolve()));
    const stopped = await this.ask({ type: 'stop' }, 'stopped');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await this.worker.terminate();
    return stopped;
  }
}
