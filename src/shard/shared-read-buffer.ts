import net, { type Socket } from 'node:net';

/**
 * Bytes of the one buffer a worker reads every client socket into (Node's own read size). Redis
 * reads 16KB at a time; a larger read only helps deep pipelines.
 */
export const SHARED_READ_BUFFER_BYTES = 64 * 1024;

/**
 * Re-wraps a client socket transferred from the acceptor so that its reads land in `buffer`, shared
 * by every connection of the worker, and go straight to `onRead` (net.Socket's `onread` option).
 * The default path allocates a Buffer per read and pushes it through the Readable stream machinery
 * to a 'data' listener: with one request per read (no pipelining) that cost about a third of the
 * worker's user time (bench/RESULTS.md). `onRead` must be done with the bytes when it returns: the
 * next read, of any connection of the worker, overwrites them.
 *
 * Node takes `onread` only when a Socket is constructed and a transferred socket arrives already
 * constructed, so a new Socket takes over its handle (`_handle`, Node's name for it, which the
 * transferred one then no longer has). The handle has not started reading: the acceptor accepted it
 * paused and nothing has resumed it.
 */
export function readIntoSharedBuffer(received: Socket, buffer: Buffer, onRead: (bytes: Buffer, length: number) => void): Socket {
  const owner = received as unknown as { _handle: unknown };
  const handle = owner._handle;
  owner._handle = null;
  const options = {
    handle,
    allowHalfOpen: received.allowHalfOpen,
    onread: {
      buffer,
      // Returning true keeps reading (false would stop the handle).
      callback: (length: number, bytes: Uint8Array): boolean => {
        onRead(bytes as Buffer, length);
        return true;
      },
    },
  };
  // `handle` is not in Node's typed options (it is the constructor's own way to adopt a handle).
  return new net.Socket(options as unknown as net.SocketConstructorOpts);
}
