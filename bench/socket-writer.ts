import type net from 'node:net';

// Writes a batch of requests straight to a connected socket's libuv handle, the way net.Socket's
// own write path ends (handle.writeBuffer with a WriteWrap request), without the Writable stream
// in front of it: no per-write WriteWrap object, callback or process.nextTick when the kernel takes
// the whole batch at once, which is nearly every batch of a load generator. Measured in
// bench/RESULTS.md (shoal bench's CPU per request). Where Node does not expose the handle's write
// (no process.binding('stream_wrap'), or a socket without a handle) callers use socket.write.
// The socket's own counters (bytesWritten, writableLength) do not see these writes; the bench keeps
// its own byte counts.

interface WriteRequest {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Uint8Array | null;
}

interface StreamHandle {
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
}

export interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  kReadBytesOrError: number;
}

function loadBinding(): StreamWrapBinding | null {
  try {
    const binding = (process as unknown as { binding(name: string): Partial<StreamWrapBinding> }).binding('stream_wrap');
    if (typeof binding.WriteWrap !== 'function' || binding.streamBaseState === undefined || typeof binding.kLastWriteWasAsync !== 'number' || typeof binding.kReadBytesOrError !== 'number') {
      return null;
    }
    return binding as StreamWrapBinding;
  } catch {
    return null;
  }
}

/** Node's stream binding, or null where it is not exposed (bench/socket-reader.ts uses it too). */
export const binding = loadBinding();

/** What write() did with the bytes. */
export const WRITE_DONE = 0; // the kernel took them all: the buffer is free again
export const WRITE_PENDING = 1; // libuv holds the buffer until onDrained is called
export const WRITE_UNAVAILABLE = 2; // nothing written: use socket.write

export class SocketWriter {
  private readonly socket: net.Socket;
  private readonly onDrained: (error: string | null) => void;
  /** The request object handed to the handle; reused until a write goes asynchronous. */
  private request: WriteRequest | null = null;
  pending = false;

  /** `onDrained` runs when a WRITE_PENDING write completes (with an error code if it failed). */
  constructor(socket: net.Socket, onDrained: (error: string | null) => void) {
    this.socket = socket;
    this.onDrained = onDrained;
  }

  /** Writes `data` unless the socket's own queue or an earlier pending write must go first. */
  write(data: Uint8Array): number {
    const handle = (this.socket as unknown as { _handle: StreamHandle | null })._handle;
    if (binding === null || handle === null || this.pending || this.socket.connecting || this.socket.writableLength > 0) return WRITE_UNAVAILABLE;
    let request = this.request;
    if (request === null) {
      request = new binding.WriteWrap();
      request.handle = handle;
      request.oncomplete = this.handleComplete;
      request.async = false;
      request.bytes = 0;
      request.buffer = null;
      this.request = request;
    }
    const error = handle.writeBuffer(request, data);
    if (error !== 0) {
      this.socket.destroy(Object.assign(new Error(`write error ${error}`), { code: errorName(error) }));
      return WRITE_DONE;
    }
    if (binding.streamBaseState[binding.kLastWriteWasAsync] === 0) return WRITE_DONE;
    // libuv keeps writing the rest when the socket is writable again and then calls oncomplete; the
    // request now belongs to that write, and keeping the bytes referenced keeps them alive.
    request.async = true;
    request.buffer = data;
    this.request = null;
    this.pending = true;
    return WRITE_PENDING;
  }

  private readonly handleComplete = (status: number): void => {
    this.pending = false;
    this.onDrained(status < 0 ? errorName(status) : null);
  };
}

/** The errno name of a libuv error code (negative errno), as net.Socket reports it. */
function errorName(code: number): string {
  for (const [name, value] of Object.entries(process.getBuiltinModule('node:os').constants.errno)) {
    if (value === -code) return name;
  }
  return `error ${code}`;
}
