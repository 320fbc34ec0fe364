import { BenchClient } from './bench-client.ts';
import { setupCommands } from './bench-connection.ts';
import { buildCommandSchedule } from './command-template.ts';
import type { ClusterTopologySnapshot } from './cluster-topology.ts';
import { SlotMap, type KeySlotFunction } from './cluster-topology.ts';
import { createKeyGenerator } from './key-pattern.ts';
import type { BenchOptions } from './options.ts';
import { SeededRandom } from './random.ts';
import type { ReplyReaderName } from './reply-reader.ts';
import { RequestEncoder } from './request-encoder.ts';
import { ThreadControl } from './thread-control.ts';
import { ThreadRecorder, type ThreadResult } from './thread-recorder.ts';

// One load-generator thread: its clients, their shared encoder and recorder, and the timers that
// drive rate limiting and progress. load-worker.ts runs one of these per piscina task.

export interface LoadThreadTask {
  threadIndex: number;
  threads: number;
  controlBuffer: SharedArrayBuffer;
  host: string;
  port: number;
  options: BenchOptions;
  topology: ClusterTopologySnapshot | null;
}

// How often a thread publishes its reply count and checks for a stop request: as often as the main
// thread reads them (run-round.ts), no more (each wake-up walks every client).
const PROGRESS_INTERVAL_MS = 250;

export class LoadThread {
  readonly pipeline: number;
  readonly rateIntervalMs: number;
  readonly schedule: Uint16Array;
  readonly templateCount: number;
  readonly encoder: RequestEncoder;
  readonly recorder: ThreadRecorder;
  readonly slotMap: SlotMap | null;
  readonly address: { host: string; port: number };
  readonly setupCommands: Buffer[];
  readonly replyReader: ReplyReaderName;
  /** Local performance.now() times; requests sent (or due) in [measureStart, measureEnd) count. */
  measureStart = Infinity;
  measureEnd = Infinity;
  started = false;
  private readonly task: LoadThreadTask;
  private readonly control: ThreadControl;
  private readonly clients: BenchClient[] = [];
  private connectionsOpened = 0;
  private connectionsReady = 0;
  private clientsDone = 0;
  private failure: Error | null = null;
  private settle: { resolve: () => void; reject: (error: Error) => void } | null = null;

  /** `keyHashSlot` is needed (and loaded, see loadKeyHashSlot) only when the task has a topology. */
  constructor(task: LoadThreadTask, keyHashSlot: KeySlotFunction | null = null) {
    const options = task.options;
    this.task = task;
    this.control = new ThreadControl(task.controlBuffer);
    this.pipeline = options.pipeline;
    this.rateIntervalMs = options.rateLimit === null ? 0 : 1000 / options.rateLimit;
    this.schedule = buildCommandSchedule(options.templates);
    this.templateCount = options.templates.length;
    const random = new SeededRandom(options.seed * 1_000_003 + task.threadIndex);
    this.encoder = new RequestEncoder(options.templates, options.keyPrefix, { minimum: options.dataSizeMinimum, maximum: options.dataSizeMaximum }, random, {
      minimumDigits: options.keyDigits,
      maximum: options.keyMaximum,
    });
    this.recorder = new ThreadRecorder(options.templates.map((t) => t.name));
    if (task.topology !== null && keyHashSlot === null) throw new Error('a cluster-mode load thread needs the key slot function');
    this.slotMap = task.topology === null ? null : new SlotMap(task.topology, keyHashSlot!);
    this.address = { host: task.host, port: task.port };
    this.setupCommands = setupCommands(options.protocol, options.user, options.password);
    this.replyReader = options.replyReader;
    const totalClients = task.threads * options.clients;
    const span = options.keyMaximum - options.keyMinimum + 1;
    for (let i = 0; i < options.clients; i++) {
      const globalIndex = task.threadIndex * options.clients + i;
      const keys = createKeyGenerator(
        {
          pattern: options.keyPattern,
          minimum: options.keyMinimum,
          maximum: options.keyMaximum,
          gaussianMedian: options.keyMedian ?? undefined,
          gaussianStddev: options.keyStddev ?? undefined,
          zipfExponent: options.zipfExponent,
        },
        random,
        Math.floor((span * globalIndex) / totalClients),
      );
      this.clients.push(new BenchClient(this, globalIndex, keys, options.requests ?? Infinity));
    }
  }

  async run(): Promise<ThreadResult> {
    try {
      await this.waitFor(() => this.connectionsReady === this.connectionsOpened);
      this.control.markReady();
      const startEpochMs = await this.control.waitForGo();
      if (this.control.stopRequested()) return this.finish();
      const startAt = startEpochMs - performance.timeOrigin;
      const wait = startAt - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      this.started = true;
      const options = this.task.options;
      // A timer may fire a fraction of a millisecond early: the measurement starts at the agreed
      // time or at the first request, whichever is earlier, so the first batch is always inside it.
      const startedAt = performance.now();
      const measureFrom = Math.min(startAt, startedAt);
      this.measureStart = measureFrom + options.warmupSeconds * 1000;
      this.measureEnd = options.testTimeSeconds === null ? Infinity : this.measureStart + options.testTimeSeconds * 1000;
      this.recorder.measureStart = this.measureStart;
      const rateTimer = this.rateIntervalMs > 0 ? setInterval(this.rateTick, 1) : null;
      const progressTimer = setInterval(this.progressTick, PROGRESS_INTERVAL_MS);
      try {
        const now = startedAt;
        const clientCount = this.clients.length * this.task.threads;
        for (let i = 0; i < this.clients.length; i++) {
          const globalIndex = this.task.threadIndex * this.clients.length + i;
          // The rate-limited timetable starts at the agreed time, not when this thread's timer got
          // to run: a late start (a busy machine) shows as latency instead of as fewer requests,
          // and the clients of all threads are staggered across one interval from the same instant.
          this.clients[i].start(now, measureFrom + (this.rateIntervalMs * globalIndex) / clientCount);
        }
        await this.waitFor(() => this.clientsDone === this.clients.length);
      } finally {
        if (rateTimer !== null) clearInterval(rateTimer);
        clearInterval(progressTimer);
      }
      return this.finish();
    } catch (error) {
      for (const client of this.clients) client.closeConnections();
      throw error;
    }
  }

  private finish(): ThreadResult {
    for (const client of this.clients) client.closeConnections();
    this.control.setCompleted(this.task.threadIndex, this.recorder.completed);
    return this.recorder.result(this.task.threadIndex);
  }

  /** Resolves once `condition` holds (re-checked by settleIfDone), rejects on fail(). */
  private waitFor(condition: () => boolean): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (condition()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.settle = {
        resolve: () => {
          if (condition()) {
            this.settle = null;
            resolve();
          }
        },
        reject,
      };
    });
  }

  onConnectionOpened(): void {
    this.connectionsOpened++;
  }

  onConnectionReady(): void {
    this.connectionsReady++;
    this.settle?.resolve();
  }

  onClientDone(): void {
    this.clientsDone++;
    this.settle?.resolve();
  }

  fail(error: Error): void {
    if (this.failure !== null) return;
    this.failure = error;
    this.settle?.reject(error);
  }

  private readonly rateTick = (): void => {
    const now = performance.now();
    for (const client of this.clients) {
      client.fill(now);
      client.flushConnections();
      client.checkDone();
    }
  };

  private readonly progressTick = (): void => {
    this.control.setCompleted(this.task.threadIndex, this.recorder.completed);
    const stop = this.control.stopRequested();
    const now = performance.now();
    for (const client of this.clients) {
      if (stop) client.stop();
      // Idle clients of a timed run notice the end here.
      client.fill(now);
      client.flushConnections();
      client.checkDone();
    }
  };
}
