// Node's stream_wrap binding, as net.Socket's own write path uses it: a WriteWrap request handed to
// a stream handle's writeBuffer, and the shared state array that says how the last write went. The
// worker's reply writes (direct-write.ts) and the load generator's connections (bench/) call the
// handle directly with it. process.binding is deprecated (DEP0111) but present in Node 24; callers
// fall back to net.Socket where it is missing.

export interface WriteRequest {
  handle: unknown;
  oncomplete: (status: number) => void;
  async: boolean;
  bytes: number;
  buffer: Uint8Array | null;
}

export interface StreamWrapBinding {
  WriteWrap: new () => WriteRequest;
  streamBaseState: Int32Array;
  kLastWriteWasAsync: number;
  kReadBytesOrError: number;
}

/** The binding, or null where this Node does not expose it. */
export function loadStreamWrap(): StreamWrapBinding | null {
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
