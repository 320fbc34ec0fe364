import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '../../bench/latency-histogram.ts';
import { ThreadRecorder } from '../../bench/thread-recorder.ts';

// The recorder batches equal consecutive latencies of a command into one histogram call. Replies of
// a SET/GET mix alternate between the commands: each command's values must land in its own
// histogram, every one of them, whatever the interleaving.

describe('ThreadRecorder', () => {
  it('keeps interleaved commands apart and loses no value of a batched run', () => {
    const recorder = new ThreadRecorder(['SET', 'GET']);
    recorder.measureStart = 0;
    for (let i = 0; i < 1000; i++) {
      recorder.record(0, i < 600 ? 100 : 150, 30, 5, 1);
      recorder.record(1, 200, 20, 9, 1);
      if (i % 10 === 0) recorder.record(1, 0, 20, 5, 1);
    }
    const result = recorder.result(0);
    const [set, get] = result.commands.map((c) => decodeHistogram(c.histogram));
    expect(result.commands.map((c) => c.ops)).toEqual([1000, 1100]);
    expect(set.totalCount).toBe(1000);
    expect(set.getValueAtPercentile(60)).toBe(100);
    expect(set.getValueAtPercentile(61)).toBe(150);
    expect(get.totalCount).toBe(1100);
    expect(get.getValueAtPercentile(9)).toBe(0);
    expect(get.getValueAtPercentile(10)).toBe(200);
    expect(get.getValueAtPercentile(100)).toBe(200);
    set.destroy();
    get.destroy();
  });

  it('counts replies per second by their receive time, read chunk by read chunk', () => {
    const recorder = new ThreadRecorder(['SET', 'GET']);
    recorder.measureStart = 1000;
    // Chunks at 1000.5 ms (second 0), 1999.9 ms (second 0), 2000 ms (second 1) and 4500 ms (second 3).
    for (let i = 0; i < 3; i++) recorder.record(0, 10, 30, 5, 1000.5);
    recorder.record(1, 10, 20, 9, 1000.5);
    recorder.record(1, 10, 20, 9, 1999.9);
    for (let i = 0; i < 2; i++) recorder.record(0, 10, 30, 5, 2000);
    recorder.record(0, 10, 30, 5, 4500);
    recorder.record(1, 10, 20, 9, 4500);
    expect(recorder.completed).toBe(9);
    const result = recorder.result(0);
    expect(result.commands.map((c) => c.opsPerSecond)).toEqual([
      [3, 2, 0, 1],
      [2, 0, 0, 1],
    ]);
    expect(result.lastReplyEpochMs).toBe(performance.timeOrigin + 4500);
  });
});
