// A client TCP connection on Node's libuv TCP handle (the tcp_wrap binding), without net.Socket in
// front of it. The bench only ever writes whole batches and reads into one buffer per thread, so the
// stream machinery of net.Socket (Duplex state, events, timers, per-write requests) is work it does
// not need; creating, connecting and destroying 50 net.Sockets alone cost ~10-15 ms of CPU per run
// (bench/RESULTS.md, start-up). The handle calls are the ones net.Socket itself ends in:
// connect/connect6, useUserBuffer + readStart (net's `onread` option), writeBuffer with a WriteWrap
// (net's write path), close.

import { loadStreamWrap, type WriteRequest } from '../src/shard/stream-binding.ts';

interface ConnectRequest {
  oncomplete: (status: number) => void;
  address: string;
  port: number;
}

interface TcpHandle {
  connect(request: ConnectRequest, address: string, port: number): number;
  connect6(request: ConnectRequest, address: string, port: number): number;
  setNoDelay(enable: boolean): number;
  useUserBuffer(buffer: Uint8Array): void;
  readStart(): number;
  writeBuffer(request: WriteRequest, data: Uint8Array): number;
  close(callback: () => void): void;
  onread: (arrayBuffer: ArrayBuffer | undefined) => void;
}

interface TcpWrapBinding {
  TCP: new (type: number) => TcpHandle;
  TCPConnectWrap: new () => ConnectRequest;
  constants: { SOCKET: number };
}

const legacyBinding = (process as unknown as { binding(name: string): unknown }).binding;
const tcpWrap = legacyBinding('tcp_wrap') as TcpWrapBinding;
const streamWrap = loadStreamWrap()!;
const streamState = streamWrap.streamBaseState;
const READ_BYTES = streamWrap.kReadBytesOrError;
const LAST_WRITE_WAS_ASYNC = streamWrap.kLastWriteWasAsync;
/** libuv's end-of-stream code. */
const UV_EOF = -4095;

/** What write() did with the bytes. */
export const WRITE_DONE = 0; // the kernel took them all: the buffer is free again
export const WRITE_PENDING = 1; // libuv holds the buffer until onDrained is called

export interface TcpEvents {
  /** Connected: writes may start. */
  onConnect(): void;
  /** `length` bytes were read into the connection's read buffer (reused afterwards). */
  onData(length: number): void;
  /** A write that returned WRITE_PENDING has gone out; the buffer is free again. */
  onDrained(): void;
  /**
   * The connection failed or ended on its own: `reason` is the error code (ECONNREFUSED,
   * ECONNRESET ...) or 'closed by peer'. Called once, asynchronously, and never after close().
   */
  onClosed(reason: string): void;
}

export class TcpConnection {
  readonly host: string;
  readonly port: number;
  connecting = true;
  /** A write went asynchronous and has not completed: nothing else may be written before it. */
  pending = false;
  private handle: TcpHandle | null = null;
  private readonly readBuffer: Uint8Array;
  private readonly events: TcpEvents;
  /** The write request handed to the handle; reused until a write goes asynchronous. */
  private request: WriteRequest | null = null;
  private closed = false;

  /** Connects to `host` (an IP address, or a name looked up first) and reads into `readBuffer`. */
  constructor(host: string, port: number, readBuffer: Uint8Array, events: TcpEvents) {
    this.host = host;
    this.port = port;
    this.readBuffer = readBuffer;
    this.events = events;
    const family = ipFamily(host);
    if (family !== 0) {
      this.connectTo([{ address: host, family }], 0);
      return;
    }
    // Every address of the name, tried in turn as net.connect's autoSelectFamily does: `localhost`
    // may give ::1 first to a server listening on 127.0.0.1 only.
    process.getBuiltinModule('node:dns').lookup(host, { all: true }, (error, addresses) => {
      if (this.closed) return;
      if (error) this.fail((error as NodeJS.ErrnoException).code ?? error.message);
      else if (addresses.length === 0) this.fail('ENOTFOUND');
      else this.connectTo(addresses.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 })), 0);
    });
  }

  /** Connects to addresses[index], and on failure to the next one. */
  private connectTo(addresses: { address: string; family: 4 | 6 }[], index: number): void {
    const { address, family } = addresses[index];
    const handle = new tcpWrap.TCP(tcpWrap.constants.SOCKET);
    this.handle = handle;
    const request = new tcpWrap.TCPConnectWrap();
    request.address = address;
    request.port = this.port;
    request.oncomplete = (status: number): void => {
      if (this.closed) return;
      if (status < 0 && index + 1 < addresses.length) {
        handle.close(() => {});
        this.connectTo(addresses, index + 1);
        return;
      }
      if (status < 0) {
        this.fail(errorName(status));
        return;
      }
      this.connecting = false;
      handle.setNoDelay(true);
      handle.useUserBuffer(this.readBuffer);
      handle.onread = this.handleRead;
      const error = handle.readStart();
      if (error < 0) {
        this.fail(errorName(error));
        return;
      }
      this.events.onConnect();
    };
    const error = family === 6 ? handle.connect6(request, address, this.port) : handle.connect(request, address, this.port);
    if (error >= 0) return;
    if (index + 1 < addresses.length) {
      handle.close(() => {});
      this.connectTo(addresses, index + 1);
    } else {
      this.fail(errorName(error));
    }
  }

  private readonly handleRead = (): void => {
    const length = streamState[READ_BYTES];
    if (length > 0) {
      this.events.onData(length);
      return;
    }
    if (length < 0) this.fail(length === UV_EOF ? 'closed by peer' : errorName(length));
  };

  /**
   * Writes `data` (connected, nothing pending: the caller checks). WRITE_PENDING: libuv keeps
   * writing the rest when the socket is writable again and holds `data` until onDrained. A write
   * error ends the connection (onClosed) and counts as done.
   */
  write(data: Uint8Array): number {
    const handle = this.handle!;
    let request = this.request;
    if (request === null) {
      request = new streamWrap.WriteWrap();
      request.handle = handle;
      request.oncomplete = this.handleWriteComplete;
      request.async = false;
      request.bytes = 0;
      request.buffer = null;
      this.request = request;
    }
    const error = handle.writeBuffer(request, data);
    if (error < 0) {
      this.fail(errorName(error));
      return WRITE_DONE;
    }
    if (streamState[LAST_WRITE_WAS_ASYNC] === 0) return WRITE_DONE;
    // The request now belongs to that write; keeping the bytes referenced keeps them alive.
    request.async = true;
    request.buffer = data;
    this.request = null;
    this.pending = true;
    return WRITE_PENDING;
  }

  private readonly handleWriteComplete = (status: number): void => {
    this.pending = false;
    if (this.closed) return;
    if (status < 0) this.fail(errorName(status));
    else this.events.onDrained();
  };

  /** Closes the connection; no event follows. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle?.close(() => {});
  }

  /** Ends the connection and reports `reason` through onClosed, once, after the handle is closed. */
  destroy(reason: string): void {
    this.fail(reason);
  }

  private fail(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    const report = (): void => this.events.onClosed(reason);
    if (this.handle === null) process.nextTick(report);
    else this.handle.close(report);
  }
}

/** 4 or 6 for an IP address literal, else 0 (a name to look up). */
function ipFamily(host: string): 0 | 4 | 6 {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return 4;
  if (host.includes(':')) return 6;
  return 0;
}

/** The errno name of a libuv error code (ECONNREFUSED ...), as net.Socket reports it. */
function errorName(code: number): string {
  return process.getBuiltinModule('node:util').getSystemErrorName(code);
}
