import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/options.ts';
import { RespReplyReader } from '../../bench/reply-reader.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';

// A server that answers +OK to every command but stalls once for 200 ms. Under --rate-limit the
// bench measures latency from each request's intended send time, so the stall shows up in every
// request that was due during it (about a tenth of this run), not only in the few that waited.

const STALL_MS = 200;

class StallingServer {
  readonly server: net.Server;
  private stallUntil = 0;
  private stallAfterCommands = -1;
  commands = 0;

  constructor() {
    this.server = net.createServer((socket) => {
      let pendingReplies = 0;
      let timer: NodeJS.Timeout | null = null;
      const flush = (): void => {
        timer = null;
        if (pendingReplies > 0 && !socket.destroyed) socket.write('+OK\r\n'.repeat(pendingReplies));
        pendingReplies = 0;
      };
      // Requests are RESP arrays: the bench's own reply reader counts complete ones.
      const reader = new RespReplyReader({
        onReply: () => {
          this.commands++;
          pendingReplies++;
          if (this.commands === this.stallAfterCommands) this.stallUntil = Date.now() + STALL_MS;
        },
        onErrorReply: () => {},
      });
      socket.on('data', (chunk) => {
        reader.feed(chunk, chunk.length);
        const wait = this.stallUntil - Date.now();
        if (wait > 0) {
          timer ??= setTimeout(flush, wait);
        } else if (timer === null) {
          flush();
        }
      });
      socket.on('error', () => {});
    });
  }

  /** Stalls once the server has seen `commands` requests: at a point of the run, however late it started. */
  stallAfter(commands: number): void {
    this.stallAfterCommands = commands;
  }
}

let stalling: StallingServer;
let port: number;

beforeAll(async () => {
  stalling = new StallingServer();
  await new Promise<void>((resolve) => stalling.server.listen(0, '127.0.0.1', resolve));
  port = (stalling.server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => stalling.server.close(resolve));
});

describe('coordinated-omission correction', () => {
  it('a 200 ms server stall shows in the high percentiles of a rate-limited run', async () => {
    const options = parseBenchOptions(['-p', String(port), '-c', '2', '--rate-limit', '200', '--test-time', '2', '--command', 'PING', '-q']);
    // About 0.9 s into the 2 s run (200 requests a second).
    stalling.stallAfter(180);
    const report = await runBenchmark(options, []);
    const total = report.targets[0].overall.total;
    expect(total.errors).toBe(0);
    expect(total.ops).toBeGreaterThanOrEqual(790);
    // ~80 of ~800 requests were due during the stall, with latencies spread from 0 to 200 ms.
    expect(total.latencyMs.max).toBeGreaterThanOrEqual(STALL_MS * 0.9);
    expect(total.latencyMs.p999).toBeGreaterThanOrEqual(STALL_MS * 0.75);
    expect(total.latencyMs.p99).toBeGreaterThanOrEqual(STALL_MS * 0.6);
    // Measured from the actual send time, only the two requests in flight at the stall (0.25%)
    // would have waited, and p99 would stay at loopback latency.
    expect(total.latencyMs.p90).toBeGreaterThan(1);
    // The median is untouched by the stall (about a tenth of the requests were due during it). It is
    // compared with the tail, not with a fixed bound: when the test suite starves this client, its
    // late sends rightly count as latency too, and a busy 2-core machine put the median at 40+ ms.
    expect(total.latencyMs.p50).toBeLessThan(total.latencyMs.p99 / 3);
  });
});
