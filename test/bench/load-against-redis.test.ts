import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBenchOptions } from '../../bench/options.ts';
import { runBenchmark } from '../../bench/run-benchmark.ts';
import { command, startRedis, type RedisProcess } from './redis-process.ts';

// The load generator against a real redis-server: the server's own command statistics must agree
// with what the bench says it sent, and errors must be counted by kind.

let redis: RedisProcess;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis?.stop();
});

function commandCalls(info: string, name: string): number {
  const match = new RegExp(`cmdstat_${name}:calls=(\\d+)`).exec(info);
  return match ? Number(match[1]) : 0;
}

describe('bench against redis-server', () => {
  it('sends exactly threads x clients x requests in the SET:GET ratio, and the server agrees', async () => {
    await command(redis.port, 'CONFIG', 'RESETSTAT');
    const options = parseBenchOptions(['-p', String(redis.port), '--threads', '2', '-c', '5', '-n', '400', '--pipeline', '8', '--ratio', '1:3', '--key-maximum', '999', '-d', '10-100', '-q']);
    const report = await runBenchmark(options, []);
    const figures = report.targets[0].overall;
    expect(figures.total.ops).toBe(2 * 5 * 400);
    expect(figures.total.errors).toBe(0);
    expect(figures.commands.map((c) => [c.name, c.ops])).toEqual([
      ['SET', 1000],
      ['GET', 3000],
    ]);
    const info = await command(redis.port, 'INFO', 'commandstats');
    expect(commandCalls(info, 'set')).toBe(1000);
    expect(commandCalls(info, 'get')).toBe(3000);
    // Latency figures come from the merged histograms and are ordered.
    const l = figures.total.latencyMs;
    expect(l.p50).toBeGreaterThan(0);
    expect(l.p50).toBeLessThanOrEqual(l.p90);
    expect(l.p90).toBeLessThanOrEqual(l.p99);
    expect(l.p99).toBeLessThanOrEqual(l.max);
    expect(figures.total.opsPerSec).toBeGreaterThan(0);
    expect(report.targets[0].rounds[0].timeline.length).toBeGreaterThanOrEqual(0);
    // Values were drawn from 10-100 bytes.
    const sizes = await command(redis.port, 'EVAL', "local t={} for i=0,999 do local n=redis.call('STRLEN','key:'..i) if n>0 then t[#t+1]=n end end table.sort(t) return t[1]..' '..t[#t]", '0');
    const [smallest, largest] = sizes.split('\r\n')[1].split(' ').map(Number);
    expect(smallest).toBeGreaterThanOrEqual(10);
    expect(largest).toBeLessThanOrEqual(100);
    expect(largest).toBeGreaterThan(smallest);
  });

  it('counts error replies per kind instead of hiding them', async () => {
    await command(redis.port, 'DEL', 'key:0');
    await command(redis.port, 'LPUSH', 'key:0', 'a-list');
    const options = parseBenchOptions([
      '-p', String(redis.port), '-c', '2', '-n', '50', '--key-minimum', '0', '--key-maximum', '0',
      '--command', 'GET __key__', '--command', 'NO-SUCH-COMMAND __key__', '--command', 'PING', '-q',
    ]);
    const report = await runBenchmark(options, []);
    const figures = report.targets[0].overall;
    expect(figures.total.ops).toBe(100);
    // Client 0 starts the 1:1:1 schedule at GET, client 1 at NO-SUCH-COMMAND: 17+16 GETs, 17+17 unknowns.
    expect(figures.errorsByKind).toEqual({ WRONGTYPE: 33, ERR: 34 });
    expect(figures.commands.map((c) => [c.name, c.ops, c.errors])).toEqual([
      ['GET', 33, 33],
      ['NO-SUCH-COMMAND', 34, 34],
      ['PING', 33, 0],
    ]);
    expect(figures.total.errors).toBe(67);
  });

  // Connections with setup commands (HELLO, AUTH) become ready one by one: none of them may send a
  // workload request before every thread is released, or the server gets requests the report never
  // counted (and, when the start timer fired late, the report counted a few it never asked for).
  it('authenticates with --user/--auth and speaks RESP3 with --protocol 3', async () => {
    await command(redis.port, 'ACL', 'SETUSER', 'bencher', 'on', '>s3cret', '~*', '+@all');
    await command(redis.port, 'CONFIG', 'RESETSTAT');
    const options = parseBenchOptions(['-p', String(redis.port), '-c', '3', '-n', '100', '--user', 'bencher', '-a', 's3cret', '--protocol', '3', '--ratio', '1:1', '-q']);
    const report = await runBenchmark(options, []);
    expect(report.targets[0].overall.total.ops).toBe(300);
    expect(report.targets[0].overall.total.errors).toBe(0);
    const info = await command(redis.port, 'INFO', 'commandstats');
    expect(commandCalls(info, 'set') + commandCalls(info, 'get')).toBe(300);
    expect(commandCalls(info, 'hello')).toBe(3);
    const refused = parseBenchOptions(['-p', String(redis.port), '-c', '1', '-n', '10', '--user', 'bencher', '-a', 'wrong', '-q']);
    await expect(runBenchmark(refused, [])).rejects.toThrow(/WRONGPASS/);
  });

  it('excludes the warm-up from the figures and runs for --test-time', async () => {
    const options = parseBenchOptions(['-p', String(redis.port), '-c', '2', '--rate-limit', '100', '--warmup', '0.5', '--test-time', '1', '-q']);
    const report = await runBenchmark(options, []);
    const total = report.targets[0].overall.total;
    // 2 connections x 100/s x 1 s measured; the warm-up's 100 requests are not in the figures.
    expect(total.ops).toBeGreaterThanOrEqual(196);
    expect(total.ops).toBeLessThanOrEqual(204);
  });

  it('holds --rate-limit within 5%', async () => {
    const options = parseBenchOptions(['-p', String(redis.port), '-c', '4', '--rate-limit', '500', '--test-time', '2', '-q']);
    const report = await runBenchmark(options, []);
    const total = report.targets[0].overall.total;
    const rate = total.ops / 2;
    expect(Math.abs(rate - 2000) / 2000).toBeLessThan(0.05);
    // The reported rate is over the time to the last reply: the issued rate, stretched only by the
    // last reply's latency (on a saturated machine that can be more than 5% of two seconds).
    const measured = report.targets[0].overall.durationSeconds;
    expect(measured).toBeGreaterThanOrEqual(2 - 0.01);
    expect(measured).toBeLessThanOrEqual(2 + total.latencyMs.max / 1000 + 0.01);
    expect(total.opsPerSec).toBeCloseTo(total.ops / measured, 6);
    expect(total.opsPerSec).toBeLessThan(2000 * 1.05);
  });
});
