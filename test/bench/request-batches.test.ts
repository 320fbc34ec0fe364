import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { setGetTemplates } from '../../bench/command-template.ts';
import { createKeyGenerator } from '../../bench/key-pattern.ts';
import { parseBenchOptions } from '../../bench/options.ts';
import { SeededRandom } from '../../bench/random.ts';
import { RequestEncoder } from '../../bench/request-encoder.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';

// A client writes each pipeline batch over the previous one and rewrites only the key digits of a
// request whose offset and request image (template and key length) did not change
// (BenchClient.fillPipeline). A digit left over from the previous batch would still make a valid
// request with a key in range, so the server here checks every request's framing and collects the
// keys, and the test compares them with the keys the thread's generator draws.

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

interface Received {
  commands: string[];
  keys: string[];
  /** Framing errors; the connection is closed at the first one. */
  errors: string[];
}

/** Reads one RESP request (`*N` then N bulk strings, every CRLF checked) at `at`, or null if incomplete. */
function readRequest(buffer: Buffer, at: number): { words: string[]; next: number } | null {
  const line = (from: number): { text: string; next: number } | null => {
    const cr = buffer.indexOf('\r\n', from, 'latin1');
    return cr < 0 ? null : { text: buffer.toString('latin1', from, cr), next: cr + 2 };
  };
  const header = line(at);
  if (header === null) return null;
  if (!/^\*\d+$/.test(header.text)) throw new Error(`bad request header ${JSON.stringify(header.text)}`);
  const words: string[] = [];
  let position = header.next;
  for (let i = 0; i < Number(header.text.slice(1)); i++) {
    const length = line(position);
    if (length === null) return null;
    if (!/^\$\d+$/.test(length.text)) throw new Error(`bad bulk header ${JSON.stringify(length.text)}`);
    const end = length.next + Number(length.text.slice(1));
    if (end + 2 > buffer.length) return null;
    if (buffer[end] !== 13 || buffer[end + 1] !== 10) throw new Error('a bulk string does not end with CRLF');
    words.push(buffer.toString('latin1', length.next, end));
    position = end + 2;
  }
  return { words, next: position };
}

/** A server that checks each request's framing, answers SET with +OK and GET with a miss, and keeps the keys. */
async function recordingServer(): Promise<{ port: number; received: Received }> {
  const received: Received = { commands: [], keys: [], errors: [] };
  const server = net.createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      pending = Buffer.concat([pending, chunk]);
      let position = 0;
      let replies = '';
      for (;;) {
        let request: { words: string[]; next: number } | null;
        try {
          request = readRequest(pending, position);
        } catch (error) {
          received.errors.push((error as Error).message);
          socket.destroy();
          return;
        }
        if (request === null) break;
        position = request.next;
        received.commands.push(request.words[0]);
        received.keys.push(request.words[1]);
        replies += request.words[0] === 'SET' ? '+OK\r\n' : '$-1\r\n';
      }
      pending = pending.subarray(position);
      socket.write(replies);
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return { port: (server.address() as net.AddressInfo).port, received };
}

/**
 * The key numbers a single load thread draws, in order: its random generator (seed * 1 000 003 for
 * thread 0) first gives the value bytes (RequestEncoder), then every key of every client.
 */
function drawnKeys(seed: number, maximum: number, count: number): number[] {
  const random = new SeededRandom(seed * 1_000_003);
  new RequestEncoder(setGetTemplates(1, 1), 'key:', { minimum: 3, maximum: 3 }, random);
  const keys = createKeyGenerator({ pattern: 'R', minimum: 0, maximum }, random);
  return Array.from({ length: count }, () => keys.nextKey());
}

const ascending = (a: number, b: number): number => a - b;

describe('pipeline batches rewritten in place', () => {
  // 0-150: keys of 1, 2 and 3 digits, so requests shift, realign and keep their offsets in turn;
  // 0-99 999: mostly 5 digits; 12 digits: every key the same length, as redis-benchmark's.
  for (const { maximum, digits } of [
    { maximum: 150, digits: 1 },
    { maximum: 99_999, digits: 1 },
    { maximum: 99_999, digits: 12 },
    { maximum: 150, digits: 4 },
  ]) {
    it(`send exactly the drawn keys (keys 0-${maximum}, ${digits} digit${digits > 1 ? 's' : ''} or more)`, async () => {
      const server = await recordingServer();
      const clients = 3;
      const requests = 400;
      const options = parseBenchOptions([
        '-p', String(server.port), '-c', String(clients), '-n', String(requests), '--pipeline', '16', '--ratio', '1:1',
        '--key-minimum', '0', '--key-maximum', String(maximum), '--key-digits', String(digits), '-d', '3', '--seed', '5', '-q',
      ]);
      const report = await runBenchmark(options, []);
      const { commands, keys, errors } = server.received;
      expect(errors).toEqual([]);
      expect(report.targets[0].overall.total.ops).toBe(clients * requests);
      expect(commands.filter((c) => c === 'SET').length).toBe((clients * requests) / 2);
      expect(commands.filter((c) => c === 'GET').length).toBe((clients * requests) / 2);
      for (const key of keys) {
        const match = /^key:(\d+)$/.exec(key);
        expect(match, key).not.toBeNull();
        const number = Number(match![1]);
        // Zero-padded to the given digits, never longer than the number needs beyond that.
        expect(match![1]).toBe(String(number).padStart(digits, '0'));
      }
      const sent = keys.map((key) => Number(key.slice(4))).sort(ascending);
      expect(sent).toEqual(drawnKeys(5, maximum, clients * requests).sort(ascending));
    });
  }
});
