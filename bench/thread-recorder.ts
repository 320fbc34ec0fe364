import { createLatencyHistogram, withLazyHistogram, type LatencyHistogram, type WithHistogram } from './latency-histogram.ts';

// What one load thread measured: a latency histogram per command, counts, bytes, replies per
// second, and errors by kind. Only replies to requests sent (or, under --rate-limit, due) after the
// warm-up are recorded.

/** `histogram`: the latency histogram in microseconds, encoded when read (withLazyHistogram). */
export interface ThreadCommandResult extends WithHistogram {
  name: string;
  ops: number;
  errors: number;
  txBytes: number;
  rxBytes: number;
  /** Replies recorded in each second after the measurement start. */
  opsPerSecond: number[];
}

export interface ThreadResult {
  threadIndex: number;
  commands: ThreadCommandResult[];
  errorsByKind: Record<string, number>;
  redirectsByKind: Record<string, number>;
  /** Epoch milliseconds of the measurement start and of the last recorded reply. */
  measureStartEpochMs: number;
  lastReplyEpochMs: number;
}

export class ThreadRecorder {
  private readonly names: string[];
  private readonly histograms: LatencyHistogram[];
  private readonly ops: Float64Array;
  private readonly errors: Float64Array;
  private readonly txBytes: Float64Array;
  private readonly rxBytes: Float64Array;
  /** Replies per template and second; every array is grown together by growSeconds. */
  private perSecond: Float64Array[];
  /** One past the last second that has replies. */
  private secondsUsed = 0;
  private readonly errorsByKind = new Map<string, number>();
  private readonly redirectsByKind = new Map<string, number>();
  /** Local performance.now() time of the measurement start. */
  measureStart = Infinity;
  lastReplyAt = 0;
  completed = 0;
  // Consecutive replies of a command often share a latency (same send batch, same read chunk): they
  // are recorded as one run with a count, which saves most histogram calls. The run is kept
  // per command, so a SET/GET mix (replies alternate between the two) still forms long runs.
  private readonly runValue: Float64Array;
  private readonly runCount: Float64Array;

  constructor(names: string[]) {
    this.names = names;
    this.histograms = names.map(() => createLatencyHistogram());
    this.ops = new Float64Array(names.length);
    this.errors = new Float64Array(names.length);
    this.txBytes = new Float64Array(names.length);
    this.rxBytes = new Float64Array(names.length);
    this.perSecond = names.map(() => new Float64Array(64));
    this.runValue = new Float64Array(names.length);
    this.runCount = new Float64Array(names.length);
  }

  record(templateIndex: number, latencyUs: number, txBytes: number, rxBytes: number, now: number): void {
    this.recordRun(templateIndex, latencyUs, 1, txBytes, rxBytes, now);
  }

  /**
   * Records `count` replies of one command that share a latency and a receive time (requests of one
   * batch answered in one read: the connection groups them, see BenchConnection.completeHead), with
   * their request and reply bytes summed. One call per group instead of one per reply.
   */
  recordRun(templateIndex: number, latencyUs: number, count: number, txBytes: number, rxBytes: number, now: number): void {
    this.ops[templateIndex] += count;
    this.txBytes[templateIndex] += txBytes;
    this.rxBytes[templateIndex] += rxBytes;
    this.completed += count;
    this.lastReplyAt = now;
    // Branch-free on purpose (Math.max, no "a new second started" branch): V8 gathers no type
    // feedback in a function's first calls, so a branch taken only then and once a second later has
    // none when the read path is optimised, and taking it again deoptimised and recompiled that path.
    const second = Math.max(0, Math.floor((now - this.measureStart) / 1000));
    if (second >= this.perSecond[0].length) this.growSeconds(second);
    this.secondsUsed = Math.max(this.secondsUsed, second + 1);
    this.perSecond[templateIndex][second] += count;
    if (latencyUs === this.runValue[templateIndex]) {
      this.runCount[templateIndex] += count;
      return;
    }
    if (this.runCount[templateIndex] > 0) this.histograms[templateIndex].recordValueWithCount(this.runValue[templateIndex], this.runCount[templateIndex]);
    this.runValue[templateIndex] = latencyUs;
    this.runCount[templateIndex] = count;
  }

  /** Makes room in every command's per-second counts for `second` (runs of over 64 s). */
  private growSeconds(second: number): void {
    let length = this.perSecond[0].length;
    while (length <= second) length *= 2;
    this.perSecond = this.perSecond.map((counts) => {
      const grown = new Float64Array(length);
      grown.set(counts);
      return grown;
    });
  }

  /** Records every pending run into its histogram. */
  flushRuns(): void {
    for (let i = 0; i < this.histograms.length; i++) {
      if (this.runCount[i] > 0) this.histograms[i].recordValueWithCount(this.runValue[i], this.runCount[i]);
      this.runCount[i] = 0;
    }
  }

  countError(templateIndex: number, kind: string): void {
    if (templateIndex >= 0) this.errors[templateIndex]++;
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
  }

  countRedirect(kind: string): void {
    this.redirectsByKind.set(kind, (this.redirectsByKind.get(kind) ?? 0) + 1);
  }

  result(threadIndex: number): ThreadResult {
    this.flushRuns();
    // In this thread the report reads the histograms as they are; a pool thread's result is copied
    // to the main thread, which encodes them then.
    const commands = this.names.map(
      (name, i): ThreadCommandResult =>
        withLazyHistogram(
          {
            name,
            ops: this.ops[i],
            errors: this.errors[i],
            txBytes: this.txBytes[i],
            rxBytes: this.rxBytes[i],
            opsPerSecond: Array.from(this.perSecond[i].subarray(0, this.secondsUsed)),
          },
          this.histograms[i],
        ),
    );
    return {
      threadIndex,
      commands,
      errorsByKind: Object.fromEntries(this.errorsByKind),
      redirectsByKind: Object.fromEntries(this.redirectsByKind),
      measureStartEpochMs: performance.timeOrigin + this.measureStart,
      lastReplyEpochMs: this.lastReplyAt > 0 ? performance.timeOrigin + this.lastReplyAt : 0,
    };
  }
}

/** The kind of an error reply: its first word ("ERR", "WRONGTYPE", "MOVED" ...). */
export function errorKind(message: string): string {
  const space = message.indexOf(' ');
  return space < 0 ? message : message.slice(0, space);
}
