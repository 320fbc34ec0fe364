// Replication lag, measured from outside as a user sees it. A probe connection on the primary writes
// `SET fanout:probe <n>` at a fixed rate and notes when each write is acknowledged; on every follower
// a reader polls `GET fanout:probe` back to back. When a reader first sees a value >= n, write n has
// become visible there: its lag is that moment minus n's acknowledgement (probe writes it has not
// seen individually count as visible at the same moment, since writes apply in order). A follower
// may apply a write before the primary's reply reaches the probe: such lags are recorded as 0 and
// counted.
import net from 'node:net';
import RedisParser from 'redis-parser';
import { createLatencyHistogram, type LatencyHistogram } from '../latency-histogram.ts';
import { encodeCommand } from './resp-command.ts';

const PROBE_KEY = 'fanout:probe';

/** A connection that sends one command at a time and hands each reply to a callback. */
class SerialClient {
  private readonly socket: net.Socket;
  private readonly parser: RedisParser;
  private onReply: ((reply: unknown) => void) | null = null;

  constructor(port: number) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.parser = new RedisParser({
      returnReply: (reply: unknown) => {
        const callback = this.onReply;
        this.onReply = null;
        callback?.(reply);
      },
      returnError: (error: Error) => {
        const callback = this.onReply;
        this.onReply = null;
        callback?.(error);
      },
    });
    this.socket.on('data', (chunk) => this.parser.execute(chunk));
    this.socket.on('error', () => {});
  }

  ready(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.once('connect', () => resolve());
      this.socket.once('error', reject);
    });
  }

  call(argv: string[]): Promise<unknown> {
    return new Promise((resolve) => {
      this.onReply = resolve;
      this.socket.write(encodeCommand(argv));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface FollowerLag {
  histogram: LatencyHistogram;
  /** Probe writes seen no later than their acknowledgement (recorded as 0 µs). */
  early: number;
  /** Probe writes never seen by the end of the step. */
  missing: number;
}

export class LagProbe {
  private readonly writer: SerialClient;
  private readonly readers: SerialClient[];
  /** Acknowledgement time (ms, performance.now) of probe write n, at index n - 1. */
  private readonly ackedAt: number[] = [];
  readonly lags: FollowerLag[];
  private readonly seen: number[];
  private writing = false;
  private reading = false;
  private writerDone: Promise<void> = Promise.resolve();
  private readersDone: Array<Promise<void>> = [];

  constructor(primaryPort: number, followerPorts: readonly number[]) {
    this.writer = new SerialClient(primaryPort);
    this.readers = followerPorts.map((port) => new SerialClient(port));
    this.lags = followerPorts.map(() => ({ histogram: createLatencyHistogram(), early: 0, missing: 0 }));
    this.seen = followerPorts.map(() => 0);
  }

  async start(rate: number): Promise<void> {
    await Promise.all([this.writer.ready(), ...this.readers.map((r) => r.ready())]);
    // Start from a value every follower already holds, so earlier steps' values do not count.
    await this.writer.call(['SET', PROBE_KEY, '0']);
    this.writing = true;
    this.reading = true;
    this.writerDone = this.writeLoop(rate);
    this.readersDone = this.readers.map((reader, i) => this.readLoop(reader, i));
  }

  private async writeLoop(rate: number): Promise<void> {
    const interval = 1000 / rate;
    const started = performance.now();
    let n = 0;
    while (this.writing) {
      n++;
      await this.writer.call(['SET', PROBE_KEY, String(n)]);
      this.ackedAt[n - 1] = performance.now();
      // Fixed schedule: a slow write is followed by the next one at once, not a full interval later.
      const wait = started + n * interval - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  }

  private async readLoop(reader: SerialClient, index: number): Promise<void> {
    const lag = this.lags[index]!;
    while (this.reading) {
      const reply = await reader.call(['GET', PROBE_KEY]);
      const now = performance.now();
      const value = typeof reply === 'string' ? Number(reply) : 0;
      while (this.seen[index]! < value) {
        const n = ++this.seen[index]!;
        const acked = this.ackedAt[n - 1];
        if (acked === undefined || acked >= now) {
          lag.early++;
          lag.histogram.recordValue(0);
        } else {
          lag.histogram.recordValue(Math.max(0, Math.round((now - acked) * 1000)));
        }
      }
    }
  }

  /** Stops writing, gives the followers `graceMs` to show the last writes, then stops reading. */
  async stop(graceMs = 2000): Promise<number> {
    this.writing = false;
    await this.writerDone;
    const written = this.ackedAt.length;
    // Let the readers catch up with the last probe writes before they stop.
    const deadline = performance.now() + graceMs;
    while (performance.now() < deadline && this.seen.some((s) => s < written)) await new Promise((r) => setTimeout(r, 10));
    this.reading = false;
    await Promise.all(this.readersDone);
    for (let i = 0; i < this.lags.length; i++) this.lags[i]!.missing = Math.max(0, written - this.seen[i]!);
    this.writer.close();
    for (const reader of this.readers) reader.close();
    return written;
  }
}
