import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { formatConsoleReport } from '../../bench/console-report.ts';
import { HdrHistogram } from '../../bench/hdr-histogram.ts';
import { createLatencyHistogram, decodeHistogram, histogramOf, withLazyHistogram } from '../../bench/latency-histogram.ts';
import { parseBenchOptions } from '../../bench/options.ts';
import { RespReplyReader } from '../../bench/reply-reader.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';

// Report figures carry their histogram encoded, but a run that only prints the console table must
// not pay for encoding it: the encoding is made when something reads `histogram` (a JSON or HTML
// report, a copy to another thread), and in the thread that made it the object itself is used.

function sampleHistogram(): ReturnType<typeof createLatencyHistogram> {
  const histogram = createLatencyHistogram();
  for (let i = 1; i <= 5000; i++) histogram.recordValueWithCount(i * 37, 1 + (i % 4));
  return histogram;
}

describe('withLazyHistogram', () => {
  it('gives the histogram object itself back in this thread, and the same values encoded', () => {
    const histogram = sampleHistogram();
    const figures = withLazyHistogram({ name: 'GET', ops: 1 }, histogram);
    expect(histogramOf(figures)).toBe(histogram);
    const decoded = decodeHistogram(figures.histogram);
    expect(decoded.totalCount).toBe(histogram.totalCount);
    expect(decoded.getValuesAtPercentiles([50, 99, 100])).toEqual(histogram.getValuesAtPercentiles([50, 99, 100]));
  });

  it('is written by JSON and carried by structured clone, where it is decoded again', () => {
    const histogram = sampleHistogram();
    const figures = withLazyHistogram({ name: 'SET', ops: 2 }, histogram);
    const parsed = JSON.parse(JSON.stringify(figures)) as typeof figures;
    expect(Object.keys(parsed)).toEqual(['name', 'ops', 'histogram']);
    const cloned = structuredClone(figures);
    for (const copy of [parsed, cloned]) {
      expect(copy.histogram).toBe(figures.histogram);
      const again = histogramOf(copy);
      expect(again).not.toBe(histogram);
      expect(again.totalCount).toBe(histogram.totalCount);
      expect(again.mean).toBe(histogram.mean);
    }
  });
});

/** A server that answers every request with +OK. */
let server: net.Server;
let port: number;

beforeAll(async () => {
  server = net.createServer((socket) => {
    const reader = new RespReplyReader({ onReply: () => socket.write('+OK\r\n'), onErrorReply: () => {} });
    socket.on('data', (chunk) => reader.feed(chunk, chunk.length));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as net.AddressInfo).port;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('a run of one thread and one round', () => {
  it('encodes no histogram for the console table, and encodes them for a JSON report', async () => {
    const encode = vi.spyOn(HdrHistogram.prototype, 'encodeIntoCompressedBase64');
    const decode = vi.spyOn(HdrHistogram, 'decodeFromCompressedBase64');
    try {
      // 2 clients x 50 requests, SET and GET.
      const options = parseBenchOptions(['-p', String(port), '-c', '2', '-n', '50', '--ratio', '1:1', '-q']);
      const report = await runBenchmark(options, []);
      expect(formatConsoleReport(report)).toContain('Totals');
      expect(report.targets[0].overall.total.ops).toBe(100);
      expect(encode).not.toHaveBeenCalled();
      expect(decode).not.toHaveBeenCalled();
      const json = JSON.parse(JSON.stringify(report)) as typeof report;
      // SET, GET and Totals of the round, and the same three objects as the overall figures.
      expect(encode).toHaveBeenCalledTimes(3);
      expect(decodeHistogram(json.targets[0].overall.total.histogram).totalCount).toBe(100);
    } finally {
      encode.mockRestore();
      decode.mockRestore();
    }
  });
});
