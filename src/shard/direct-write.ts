import type { Socket } from 'node:net';
import { loadStreamWrap, type WriteRequest } from './stream-binding.ts';

// Reply batches go straight to the socket's libuv handle (handle.writeBuffer with a WriteWrap
// request, where net.Socket's own write path ends) instead of through the Writable stream: no
// per-write request object, callback, nextTick or stream bookkeeping when the kernel takes the whole
// batch at once, which is nearly every batch. With one command per read that bookkeeping was a few
// percent of the worker's CPU (bench/RESULTS.md). libuv keeps the writes of a handle in order
// whichever path queued them, and the Writable path is only skipped while it holds nothing, so
// bytes never overtake each other.

/** A write request that also knows its writer (for the completion of an asynchronous write). */
interface OwnedWriteRequest extends WriteRequest {
  writer: DirectWriter;
}

interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}

const binding = loadStreamWrap();

export class DirectWriter {
  private readonly socket: Socket;
  /** The request handed to the handle; reused until a write goes asynchronous (libuv then owns it). */
  private request: OwnedWriteRequest | null = null;
  /** Bytes of direct writes libuv still holds (whole batches: an upper bound). */
  held = 0;

  constructor(socket: Socket) {
    this.socket = socket;
  }

  /**
   * Writes `data`; returns true when the kernel took every byte at once (the caller may reuse the
   * buffer), false when the bytes are still referenced by a pending write.
   */
  write(data: Uint8Array): boolean {
    const socket = this.socket;
    const handle = (socket as unknown as { _handle?: StreamHandle | null })._handle;
    // Whatever the Writable path holds (a replication payload, a write it has not finished) goes first.
    if (binding === null || handle === null || handle === undefined || socket.writableLength > 0 || socket.destroyed) {
      socket.write(data);
      return false;
    }
    let request = this.request;
    if (request === null) {
      request = new binding.WriteWrap() as OwnedWriteRequest;
      request.handle = handle;
      request.oncomplete = completeWrite;
      request.writer = this;
      request.async = false;
      request.bytes = 0;
      request.buffer = null;
      this.request = request;
    }
    const error = handle.writeBuffer(request, data);
    if (error !== 0) {
      // As net.Socket does on a failed write: the connection is gone (EPIPE, ECONNRESET).
      socket.destroy();
      return true;
    }
    if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return true;
    // libuv writes the rest when the socket is writable again and then calls oncomplete; the request
    // belongs to that write now, and referencing the bytes keeps them alive until then.
    request.async = true;
    request.buffer = data;
    request.bytes = data.length;
    this.held += data.length;
    this.request = null;
    return false;
  }

  /** Bytes accepted but not yet in the kernel, on either path (client-output-buffer-limit, CLIENT LIST omem). */
  queued(): number {
    return this.socket.writableLength + this.held;
  }

  /** An asynchronous write finished (status < 0: it failed, the connection is gone). */
  completed(bytes: number, status: number): void {
    this.held -= bytes;
    if (status < 0) this.socket.destroy();
  }
}

/** libuv's completion of an asynchronous write; `this` is the request. */
function completeWrite(this: OwnedWriteRequest, status: number): void {
  this.buffer = null;
  this.writer.completed(this.bytes, status);
}
