import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PrimaryLink } from '../../../src/replication/primary-link.ts';

/** A fake primary: answers each handshake command only once it arrived, then runs `afterPsync`. */
function fakePrimary(afterPsync: (socket: net.Socket) => void): Promise<{ server: net.Server; port: number; received: string[] }> {
  const received: string[] = [];
  const server = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (d) => {
      buffered += d.toString('latin1');
      for (;;) {
        const m = /^\*(\d+)\r\n/.exec(buffered);
        if (!m) return;
        let pos = m[0].length;
        const argv: string[] = [];
        for (let i = 0; i < Number(m[1]); i++) {
          const h = /^\$(\d+)\r\n/.exec(buffered.slice(pos));
          if (!h) return;
          pos += h[0].length;
          argv.push(buffered.slice(pos, pos + Number(h[1])));
          pos += Number(h[1]) + 2;
        }
        if (pos > buffered.length) return;
        buffered = buffered.slice(pos);
        received.push(argv.join(' '));
        if (argv[0] === 'PING') socket.write('+PONG\r\n');
        else if (argv[0] === 'AUTH') socket.write('+OK\r\n');
        else if (argv[0] === 'REPLCONF' && argv[1] !== 'ACK') socket.write('+OK\r\n');
        else if (argv[0] === 'PSYNC') afterPsync(socket);
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as net.AddressInfo).port, received })));
}

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const f of cleanup) f();
  cleanup = [];
});

describe('PrimaryLink', () => {
  it('handshakes one command at a time, then takes an EOF-marked payload split over writes and the stream after it', async () => {
    const mark = 'a'.repeat(20) + 'b'.repeat(20);
    const payload = Buffer.from('REDIS0010' + 'x'.repeat(5000), 'latin1');
    const { server, port, received } = await fakePrimary((socket) => {
      socket.write('\n\n+FULLRESYNC 0123456789012345678901234567890123456789 77\r\n');
      socket.write(`\n$EOF:${mark}\r\n`);
      socket.write(payload.subarray(0, 3000));
      setTimeout(() => socket.write(Buffer.concat([payload.subarray(3000), Buffer.from(mark.slice(0, 10))])), 20);
      setTimeout(() => socket.write(mark.slice(10) + '*1\r\n$4\r\nPING\r\n'), 40);
    });
    const events: string[] = [];
    let rdb: Buffer | null = null;
    const streamed: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      const link = new PrimaryLink('127.0.0.1', port, { listeningPort: 6399, auth: null, psyncReplid: '?', psyncOffset: -1 }, {
        fullResync: (replid, offset) => events.push(`full ${replid} ${offset}`),
        rdb: (p) => (rdb = Buffer.from(p)),
        continued: () => events.push('continue'),
        stream: (b) => {
          streamed.push(Buffer.from(b));
          if (Buffer.concat(streamed).toString() === '*1\r\n$4\r\nPING\r\n') resolve();
        },
        closed: (reason) => events.push(`closed ${reason}`),
      });
      cleanup.push(() => link.close('test over'));
    });
    cleanup.push(() => server.close());
    await done;
    expect(received).toEqual(['PING', 'REPLCONF listening-port 6399', 'REPLCONF capa eof capa psync2', 'PSYNC ? -1']);
    expect(events).toEqual(['full 0123456789012345678901234567890123456789 77']);
    expect(rdb).toEqual(payload);
  });

  it('+CONTINUE hands on the stream at once; an error to PSYNC closes the link', async () => {
    const ok = await fakePrimary((socket) => socket.write('+CONTINUE newid\r\n*1\r\n$4\r\nPING\r\n'));
    cleanup.push(() => ok.server.close());
    const got = await new Promise<string[]>((resolve) => {
      const seen: string[] = [];
      const link = new PrimaryLink('127.0.0.1', ok.port, { listeningPort: 1, auth: 'pw', psyncReplid: 'abc', psyncOffset: 101 }, {
        fullResync: () => seen.push('full'), rdb: () => seen.push('rdb'), continued: (id) => seen.push(`continue ${id}`),
        stream: (b) => {
          seen.push(`stream ${b.length}`);
          resolve(seen);
        },
        closed: () => {},
      });
      cleanup.push(() => link.close('test over'));
    });
    expect(got).toEqual(['continue newid', 'stream 14']);
    expect(ok.received).toContain('AUTH pw');
    expect(ok.received).toContain('PSYNC abc 101');

    const refusing = await fakePrimary((socket) => socket.write('-NOMASTERLINK Can\'t SYNC while not connected with my master\r\n'));
    cleanup.push(() => refusing.server.close());
    const reason = await new Promise<string>((resolve) => {
      new PrimaryLink('127.0.0.1', refusing.port, { listeningPort: 1, auth: null, psyncReplid: '?', psyncOffset: -1 }, {
        fullResync: () => {}, rdb: () => {}, continued: () => {}, stream: () => {}, closed: resolve,
      });
    });
    expect(reason).toContain('NOMASTERLINK');
  });
});
