import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/options.ts';
import { RespReplyReader } from '../../bench/reply-reader.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';

// The bench's connections run on the bare TCP handle (bench/tcp-connection.ts), which reports the
// end of a stream itself. A server that hangs up mid-run must end the run with the
// unanswered requests counted as errors, not hang it or lose them.

const ANSWERED = 40;

let server: net.Server;
let port: number;

beforeAll(async () => {
  server = net.createServer((socket) => {
    let answered = 0;
    const reader = new RespReplyReader({
      onReply: () => {
        if (answered === ANSWERED) return;
        answered++;
        socket.write('+OK\r\n');
        // After ANSWERED replies the server closes with requests still in flight.
        if (answered === ANSWERED) socket.end();
      },
      onErrorReply: () => {},
    });
    socket.on('data', (chunk) => reader.feed(chunk, chunk.length));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('a connection the server closes', () => {
  it('ends the run and counts every unanswered request as an error', async () => {
    const options = parseBenchOptions(['-p', String(port), '-c', '2', '-n', '1000', '--pipeline', '8', '--command', 'PING', '-q']);
    const report = await runBenchmark(options, []);
    const total = report.targets[0].overall.total;
    // Each client got ANSWERED replies; the 8 in flight when its connection closed are errors.
    expect(total.ops).toBe(2 * ANSWERED);
    expect(total.errors).toBe(2 * 8);
    expect(Object.keys(report.targets[0].overall.errorsByKind)).toEqual([expect.stringMatching(/^connection lost/)]);
  });
});
