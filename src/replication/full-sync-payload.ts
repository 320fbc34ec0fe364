// The RDB payload of one replica's full resync, on the worker that holds the replica's socket. The
// snapshot (persistence/rdb-sync-snapshot.ts) starts before the log thread has matched its point to a
// stream offset, so the +FULLRESYNC line is not known when the first chunks are made:
// - diskless ($EOF:<mark> format): chunks wait here until the header is written, then go straight to
//   the socket as they are made, with backpressure (a slow replica slows the snapshot down instead
//   of the payload piling up in memory), and the mark follows the last one;
// - to "disk" ($<length> format): the length must come first, so the chunks are kept until the last
//   one (+FULLRESYNC goes out at once, as Redis answers PSYNC before its child has saved the file; the
//   replica waits in wait_bgsave).
import crypto from 'node:crypto';
import type { Socket } from 'node:net';
import { logNow } from './log-line.ts';

/** Bytes queued on the socket above which the snapshot waits (a slow reader holds it back). */
const HIGH_WATER = 4 * 1024 * 1024;
/** While it waits, how often it looks again (an abort, a replica that stopped reading). */
const RECHECK_MS = 100;

export class FullSyncPayload {
  readonly eof: boolean;
  private readonly socket: Socket;
  private header: string | null = null;
  private chunks: Buffer[] = [];
  private length = 0;
  private finished = false;
  private written = false;
  private mark = '';
  /** Called once the whole payload is on the socket's queue. */
  private readonly onWritten: () => void;
  private waiters: Array<() => void> = [];
  /** When the socket last took bytes (drained below the mark): a replica that reads nothing for repl-timeout is dropped. */
  private lastProgress = Date.now();
  /** Asked while it waits: an error stops the payload (the snapshot was aborted). */
  abortedBy: () => Error | null = () => null;
  /** repl-timeout in ms (read at each look: CONFIG SET applies at once), and the replica's name for the log. */
  timeoutMs: () => number = () => 0;
  name = '?';
  /** Bytes the socket had sent at lastProgress (after the payload is queued: is the replica still reading it?). */
  private sentAtProgress = 0;
  private deliveryTimer: NodeJS.Timeout | null = null;

  constructor(socket: Socket, eof: boolean, onWritten: () => void) {
    this.socket = socket;
    this.eof = eof;
    this.onWritten = onWritten;
    socket.on('drain', () => {
      this.lastProgress = Date.now();
      this.wake();
    });
    socket.once('close', () => this.wake());
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  /** The log thread matched the snapshot to an offset: `line` is "+FULLRESYNC <replid> <offset>\r\n", or '' for SYNC. */
  start(line: string): void {
    this.header = line;
    if (this.eof) {
      this.mark = crypto.randomBytes(20).toString('hex');
      this.socket.write(`${line}$EOF:${this.mark}\r\n`);
      for (const chunk of this.chunks) this.socket.write(chunk);
      this.chunks = [];
    } else if (line !== '') this.socket.write(line); // as Redis: +FULLRESYNC at once, the payload once saved
    this.complete();
    this.wake();
  }

  push(chunk: Buffer): void {
    if (this.socket.destroyed) return;
    if (this.eof && this.header !== null) this.socket.write(chunk);
    else this.chunks.push(chunk);
    this.length += chunk.length;
  }

  /** The snapshot's last chunk was pushed. */
  finish(): void {
    this.finished = true;
    this.complete();
  }

  /**
   * Resolves once the snapshot may make its next chunk; rejects when the replica is gone, the
   * payload was aborted, or the replica read nothing for `timeoutMs` (repl-timeout: it is dropped).
   */
  room(): Promise<void> {
    if (this.socket.destroyed) return Promise.reject(new Error('the replica disconnected'));
    const aborted = this.abortedBy();
    if (aborted !== null) return Promise.reject(aborted);
    const started = this.header !== null || !this.eof;
    if (started && this.socket.writableLength < HIGH_WATER) {
      this.lastProgress = Date.now();
      return Promise.resolve();
    }
    if (started && this.timedOut()) return Promise.reject(new Error('the replica timed out'));
    return new Promise<void>((resolve) => {
      this.waiters.push(resolve);
      setTimeout(() => this.wake(), RECHECK_MS);
    }).then(() => this.room());
  }

  /** No byte of the payload taken for repl-timeout: the replica is dropped, in Redis's words (its tests look for them). */
  private timedOut(): boolean {
    const timeout = this.timeoutMs();
    if (timeout <= 0 || Date.now() - this.lastProgress <= timeout) return false;
    logNow(`shoal: Disconnecting timedout replica (full sync): ${this.name}`);
    this.socket.destroy();
    return true;
  }

  /**
   * The payload is queued whole, but the replica may stop reading it (Redis's child would still be
   * feeding it): it is watched until the socket has sent it all.
   */
  private watchDelivery(): void {
    this.sentAtProgress = this.socket.bytesWritten - this.socket.writableLength;
    this.lastProgress = Date.now();
    this.deliveryTimer = setInterval(() => {
      const socket = this.socket;
      if (socket.destroyed || socket.writableLength === 0) {
        clearInterval(this.deliveryTimer!);
        return;
      }
      const sent = socket.bytesWritten - socket.writableLength;
      if (sent !== this.sentAtProgress) {
        this.sentAtProgress = sent;
        this.lastProgress = Date.now();
      } else if (this.timedOut()) clearInterval(this.deliveryTimer!);
    }, 1000);
    this.deliveryTimer.unref();
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private complete(): void {
    if (this.written || !this.finished || this.header === null || this.socket.destroyed) return;
    this.written = true;
    if (this.eof) this.socket.write(this.mark);
    else {
      this.socket.write(`$${this.length}\r\n`);
      for (const chunk of this.chunks) this.socket.write(chunk);
      this.chunks = [];
    }
    this.watchDelivery();
    this.onWritten();
  }
}
