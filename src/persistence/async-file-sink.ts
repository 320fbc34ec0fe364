// A file written in the background: chunks queue up and go out one after the other through libuv's
// thread pool, so a worker that streams a snapshot to disk never waits for write(2) or fsync(2)
// itself (a slow disk would otherwise show as latency to its clients).
import fs from 'node:fs';

/** Above this many queued bytes the producer waits (backpressure()). */
const HIGH_WATER = 8 * 1024 * 1024;

export class AsyncFileSink {
  readonly path: string;
  private handle: fs.promises.FileHandle | null = null;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private failure: unknown = undefined;
  /** Bytes handed to write(). */
  written = 0;

  constructor(path: string) {
    this.path = path;
  }

  private async open(): Promise<fs.promises.FileHandle> {
    this.handle ??= await fs.promises.open(this.path, 'w', 0o644);
    return this.handle;
  }

  /** Queues a chunk (the file is created with the first one: an unwritable dir fails here, later). */
  write(chunk: Buffer): void {
    this.queued += chunk.length;
    this.written += chunk.length;
    this.chain = this.chain.then(async () => {
      const handle = await this.open();
      let off = 0;
      while (off < chunk.length) off += (await handle.write(chunk, off, chunk.length - off)).bytesWritten;
      this.queued -= chunk.length;
    });
    // Reported by backpressure() and finish(); caught here so that it is never "unhandled".
    this.chain.catch((err: unknown) => {
      this.failure ??= err;
    });
  }

  /** Resolves at once, or when the queue has drained (rejects when a write failed). */
  backpressure(): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.queued > HIGH_WATER ? this.chain : Promise.resolve();
  }

  /** Writes what is queued, fsyncs and closes. */
  async finish(): Promise<void> {
    await this.chain;
    const handle = await this.open();
    await handle.sync();
    await handle.close();
    this.handle = null;
  }

  /** After a failure: closes and removes the file. */
  async discard(): Promise<void> {
    await this.chain.catch(() => {});
    await this.handle?.close().catch(() => {});
    this.handle = null;
    await fs.promises.rm(this.path, { force: true });
  }
}
