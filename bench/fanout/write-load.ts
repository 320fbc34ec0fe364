// The write load of a fan-out step: `clients` connections to the primary, each keeping `pipeline`
// SETs of random keys in flight, counting the replies (and the errors, never hidden) until stopped.
import net from 'node:net';
import { RespReplyReader, type ReplySink } from '../reply-reader.ts';
import { encodeCommand } from './resp-command.ts';

export interface WriteLoadResult {
  requests: number;
  errors: number;
  seconds: number;
}

class LoadConnection implements ReplySink {
  replies = 0;
  errors = 0;
  private readonly socket: net.Socket;
  private readonly reader = new RespReplyReader(this);
  private readonly batch: Buffer[];
  private inFlight = 0;
  private stopped = false;
  private closedResolve: (() => void) | null = null;

  constructor(port: number, pipeline: number, keyMaximum: number, value: string) {
    // A batch of pre-encoded SETs: the same `pipeline` random keys are re-sent each time, which is
    // enough randomness for replication (every write is streamed whatever its key) and costs no
    // encoding per request.
    this.batch = [];
    for (let i = 0; i < pipeline; i++) this.batch.push(Buffer.from(encodeCommand(['SET', `fanout:${Math.floor(Math.random() * keyMaximum)}`, value])));
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.sendBatch());
    this.socket.on('data', (chunk: Buffer) => this.reader.feed(chunk, chunk.length));
    this.socket.on('error', () => this.finish());
    this.socket.on('close', () => this.finish());
  }

  private sendBatch(): void {
    if (this.stopped) return;
    this.inFlight = this.batch.length;
    this.socket.write(this.batch.length === 1 ? this.batch[0]! : Buffer.concat(this.batch));
  }

  onReply(): void {
    this.replies++;
    this.replyDone();
  }

  onErrorReply(): void {
    this.errors++;
    this.replyDone();
  }

  private replyDone(): void {
    if (--this.inFlight > 0) return;
    if (this.stopped) this.socket.end();
    else this.sendBatch();
  }

  stop(): Promise<void> {
    this.stopped = true;
    if (this.inFlight === 0 || this.socket.destroyed) {
      this.socket.destroy();
      return Promise.resolve();
    }
    return new Promise((resolve) => (this.closedResolve = resolve));
  }

  private finish(): void {
    this.stopped = true;
    this.closedResolve?.();
    this.closedResolve = null;
  }
}

/** Runs the load for `seconds` and reports what completed in that time. */
export async function runWriteLoad(port: number, clients: number, pipeline: number, keyMaximum: number, dataSize: number, seconds: number): Promise<WriteLoadResult> {
  const value = 'x'.repeat(dataSize);
  const started = performance.now();
  const connections: LoadConnection[] = [];
  for (let i = 0; i < clients; i++) connections.push(new LoadConnection(port, pipeline, keyMaximum, value));
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  let requests = 0;
  let errors = 0;
  // Count at the deadline; replies still in flight afterwards are not part of the figure.
  for (const c of connections) {
    requests += c.replies;
    errors += c.errors;
  }
  await Promise.all(connections.map((c) => c.stop()));
  return { requests, errors, seconds: elapsed };
}
