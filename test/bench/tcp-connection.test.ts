import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { TcpConnection, WRITE_DONE, WRITE_PENDING, type TcpEvents } from '../../bench/tcp-connection.ts';

// The bench's connections run on the bare libuv TCP handle. Batches the kernel cannot take at once
// stay with libuv until they drain and must still arrive whole and in order; reads land in the
// given buffer; a refused connection, and a peer that hangs up, are reported once with their reason.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** A server for one client: it reads nothing until `resume()`, then collects every byte. */
async function pausedServer(): Promise<{
  port: number;
  received: () => Buffer;
  resume: () => void;
  send: (data: string) => Promise<void>;
  hangUp: () => Promise<void>;
  waitForBytes: (count: number) => Promise<void>;
  clientEnded: () => Promise<void>;
}> {
  const chunks: Buffer[] = [];
  let total = 0;
  let waiter: { count: number; resolve: () => void } | null = null;
  let accept: (socket: net.Socket) => void = () => {};
  const peer = new Promise<net.Socket>((resolve) => (accept = resolve));
  const server = net.createServer((socket) => {
    socket.pause();
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      total += chunk.length;
      if (waiter !== null && total >= waiter.count) waiter.resolve();
    });
    socket.on('error', () => {});
    accept(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => {
    void peer.then((socket) => socket.destroy());
    server.close();
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    received: () => Buffer.concat(chunks),
    resume: () => void peer.then((socket) => socket.resume()),
    send: async (data) => void (await peer).write(data),
    hangUp: async () => void (await peer).end(),
    waitForBytes: (count) => (total >= count ? Promise.resolve() : new Promise<void>((resolve) => (waiter = { count, resolve }))),
    clientEnded: async () => {
      const socket = await peer;
      socket.resume();
      if (!socket.readableEnded) await new Promise((resolve) => socket.once('end', resolve));
    },
  };
}

class RecordingEvents implements TcpEvents {
  readonly reads: Buffer[] = [];
  drained = 0;
  closedWith: string[] = [];
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  private readonly readBuffer: Uint8Array;
  constructor(readBuffer: Uint8Array) {
    this.readBuffer = readBuffer;
  }
  onConnect(): void {
    this.check();
  }
  onData(length: number): void {
    this.reads.push(Buffer.from(this.readBuffer.subarray(0, length)));
    this.check();
  }
  onDrained(): void {
    this.drained++;
    this.check();
  }
  onClosed(reason: string): void {
    this.closedWith.push(reason);
    this.check();
  }
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }
  private check(): void {
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.test()) return true;
      waiter.resolve();
      return false;
    });
  }
}

function pattern(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

function open(port: number, host = '127.0.0.1'): { connection: TcpConnection; events: RecordingEvents } {
  const readBuffer = new Uint8Array(64 * 1024);
  const events = new RecordingEvents(readBuffer);
  const connection = new TcpConnection(host, port, readBuffer, events);
  cleanups.push(() => connection.close());
  return { connection, events };
}

describe('TcpConnection', () => {
  it('takes a small batch at once and a large one asynchronously, delivering both whole and in order', async () => {
    const server = await pausedServer();
    const { connection, events } = open(server.port);
    expect(connection.connecting).toBe(true);
    await events.until(() => !connection.connecting);

    const small = pattern(1000, 1);
    expect(connection.write(small)).toBe(WRITE_DONE);
    // Far more than the socket buffers hold while the peer reads nothing.
    const large = pattern(32 * 1024 * 1024, 2);
    expect(connection.write(large)).toBe(WRITE_PENDING);
    expect(connection.pending).toBe(true);

    server.resume();
    await events.until(() => events.drained === 1);
    expect(connection.pending).toBe(false);
    const tail = pattern(500, 3);
    expect(connection.write(tail)).toBe(WRITE_DONE);

    const expected = Buffer.concat([small, large, tail]);
    await server.waitForBytes(expected.length);
    expect(server.received().equals(expected)).toBe(true);
    expect(events.closedWith).toEqual([]);
  });

  it('reads into the given buffer and reports a peer that hangs up, once', async () => {
    const server = await pausedServer();
    const { events } = open(server.port, 'localhost');
    await server.send('+OK\r\n');
    await events.until(() => Buffer.concat(events.reads).toString() === '+OK\r\n');
    await server.hangUp();
    await events.until(() => events.closedWith.length > 0);
    expect(events.closedWith).toEqual(['closed by peer']);
  });

  it('reports a refused connection with its error code and no connect', async () => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise((resolve) => server.close(resolve));
    const { connection, events } = open(port);
    await events.until(() => events.closedWith.length > 0);
    expect(events.closedWith).toEqual(['ECONNREFUSED']);
    expect(connection.connecting).toBe(true);
  });

  it('reports nothing after close()', async () => {
    const server = await pausedServer();
    const { connection, events } = open(server.port);
    await events.until(() => !connection.connecting);
    connection.close();
    // The server sees the end of the stream after the handle's close callback has run.
    await server.clientEnded();
    expect(events.closedWith).toEqual([]);
  });
});
