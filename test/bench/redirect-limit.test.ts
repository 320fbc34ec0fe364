import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_REDIRECTIONS } from '../../bench/bench-client.ts';
import { parseBenchOptions } from '../../bench/options.ts';
import { RespReplyReader } from '../../bench/reply-reader.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';

// Two fake cluster nodes that disagree about every slot: each says it serves all of them in
// CLUSTER SLOTS, and each answers every other command with MOVED to the other one. The bench must
// not bounce a request forever: after MAX_REDIRECTIONS it counts the last MOVED as an error.

class BouncingNode {
  readonly server: net.Server;
  port = 0;
  peerPort = 0;
  commands = 0;

  constructor() {
    this.server = net.createServer((socket) => {
      // Requests are RESP arrays: the bench's own reply reader finds where each one ends.
      let replies = '';
      const reader = new RespReplyReader({
        onReply: () => {
          this.commands++;
          replies += `-MOVED 0 127.0.0.1:${this.peerPort}\r\n`;
        },
        onErrorReply: () => {},
      });
      socket.on('data', (chunk) => {
        if (chunk.includes('SLOTS')) {
          // The topology query (one CLUSTER SLOTS on a connection of its own): this node serves all.
          socket.write(`*1\r\n*3\r\n:0\r\n:16383\r\n*2\r\n$9\r\n127.0.0.1\r\n:${this.port}\r\n`);
          return;
        }
        reader.feed(chunk, chunk.length);
        if (replies !== '') socket.write(replies);
        replies = '';
      });
      socket.on('error', () => {});
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => {
      this.server.listen(0, '127.0.0.1', () => {
        this.port = (this.server.address() as net.AddressInfo).port;
        resolve();
      });
    });
  }
}

const nodes = [new BouncingNode(), new BouncingNode()];

beforeAll(async () => {
  await Promise.all(nodes.map((node) => node.listen()));
  nodes[0].peerPort = nodes[1].port;
  nodes[1].peerPort = nodes[0].port;
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => new Promise((resolve) => node.server.close(resolve))));
});

describe('--cluster-mode redirections', () => {
  it(`gives up after ${MAX_REDIRECTIONS} redirections and counts the request as a MOVED error`, async () => {
    const options = parseBenchOptions(['-p', String(nodes[0].port), '--cluster-mode', '-c', '2', '-n', '10', '--pipeline', '2', '--command', 'GET __key__', '-q']);
    const report = await runBenchmark(options, []);
    const figures = report.targets[0].overall;
    expect(figures.total.ops).toBe(20);
    expect(figures.total.errors).toBe(20);
    expect(figures.errorsByKind).toEqual({ MOVED: 20 });
    expect(figures.redirectsByKind).toEqual({ MOVED: 20 * MAX_REDIRECTIONS });
    // Each request was sent once and then once per redirection.
    expect(nodes[0].commands + nodes[1].commands).toBe(20 * (1 + MAX_REDIRECTIONS));
  });
});
