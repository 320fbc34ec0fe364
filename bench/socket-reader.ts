import type net from 'node:net';
import { binding } from './socket-writer.ts';

// Reads go straight from the socket's libuv handle to the connection. net.connect's `onread` option
// already reads into one preallocated buffer, but each read still passes through net's
// onStreamRead (timer refresh, state checks, a call through the socket's symbol-keyed fields); the
// handle calls whatever function its `onread` holds, so the bench installs its own for reads with
// data and hands everything else (end of stream, errors) to net's as before.

interface ReadHandle {
  onread: (this: ReadHandle, arrayBuffer: ArrayBuffer | undefined) => unknown;
}

/**
 * Sends every read with data on `socket` (created with net's `onread` option and `buffer`) to
 * `callback`. Returns false, changing nothing, where Node does not expose what this needs.
 */
export function readStraightFromHandle(socket: net.Socket, callback: (length: number, buffer: Uint8Array) => boolean, buffer: Uint8Array): boolean {
  const handle = (socket as unknown as { _handle: ReadHandle | null })._handle;
  if (binding === null || handle === null || typeof handle.onread !== 'function') return false;
  const state = binding.streamBaseState;
  const readBytes = binding.kReadBytesOrError;
  const netOnRead = handle.onread;
  handle.onread = function onread(this: ReadHandle, arrayBuffer: ArrayBuffer | undefined): unknown {
    const length = state[readBytes];
    if (length > 0) {
      // A false return asks net to stop reading: only net's own path knows how, so let it run.
      if (callback(length, buffer)) return undefined;
      socket.pause();
      return undefined;
    }
    return netOnRead.call(this, arrayBuffer);
  };
  return true;
}
