import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SocketWriter, WRITE_DONE, WRITE_PENDING, WRITE_UNAVAILABLE } from '../../bench/socket-writer.ts';

// The bench writes each batch straight to the socket's handle. A batch the kernel cannot take at
// once stays with libuv until it drains; the bytes must still arrive whole and in order.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server that reads nothing until `resume()`, then collects every byte. */
async function pausedServer(): Promise<{ port: number; received: () => Buffer; resume: () => void; total: () => number; onData: (cb: () => void) => void }> {
  const chunks: Buffer[] = [];
  let peer: net.Socket | null = null;
  let total = 0;
  let listener: () => void = () => {};
  let resumeRequested = false;
  const server = net.createServer((socket) => {
    peer = socket;
    socket.pause();
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      total += chunk.length;
      listener();
    });
    if (resumeRequested) socket.resume();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    peer?.destroy();
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    resume: () => {
      resumeRequested = true;
      peer?.resume();
    },
    total: () => total,
    onData: (cb) => (listener = cb),
  };
}

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

describe('SocketWriter', () => {
  it('takes a small batch at once and a large one asynchronously, delivering both whole and in order', async () => {
    const server = await pausedServer();
    const socket = net.connect({ host: '127.0.0.1', port: server.port });
    cleanups.push(() => socket.destroy());
    let drained: string | null | undefined;
    let drainedCallback: () => void = () => {};
    const writer = new SocketWriter(socket, (error) => {
      drained = error;
      drainedCallback();
    });
    // Not connected yet: the caller must use socket.write.
    expect(writer.write(Buffer.from('x'))).toBe(WRITE_UNAVAILABLE);
    await new Promise((resolve) => socket.once('connect', resolve));

    const small = pattern(1000, 1);
    expect(writer.write(small)).toBe(WRITE_DONE);
    // Far more than the socket buffers hold while the peer reads nothing.
    const large = pattern(32 * 1024 * 1024, 2);
    expect(writer.write(large)).toBe(WRITE_PENDING);
    expect(writer.pending).toBe(true);
    // While libuv holds the large batch, nothing else may overtake it.
    expect(writer.write(Buffer.from('later'))).toBe(WRITE_UNAVAILABLE);

    const allDrained = new Promise<void>((resolve) => (drainedCallback = resolve));
    server.resume();
    await allDrained;
    expect(drained).toBe(null);
    expect(writer.pending).toBe(false);
    const tail = pattern(500, 3);
    expect(writer.write(tail)).toBe(WRITE_DONE);

    const expected = Buffer.concat([small, large, tail]);
    if (server.total() < expected.length) {
      await new Promise<void>((resolve) => server.onData(() => server.total() >= expected.length && resolve()));
    }
    expect(server.received().equals(expected)).toBe(true);
  });
});
