import { describe, expect, it } from 'vitest';
import { FanoutUsageError, parseFanoutOptions } from '../../bench/fanout/fanout-options.ts';
import { runFanout } from '../../bench/fanout/fanout-run.ts';
import { formatFanoutConsole, renderFanoutHtml } from '../../bench/fanout/fanout-report.ts';
import { decodeHistogram } from '../../bench/latency-histogram.ts';

// `shoal bench fanout` against real processes: a shoal primary with followers and a redis-server
// primary with followers, a short write load, and the lag of every probe write on every follower.

describe('shoal bench fanout', () => {
  it('parses its options and refuses bad ones', () => {
    const options = parseFanoutOptions(['--kinds', 'redis', '--followers', '0,3', '--rounds', '2', '--probe-rate', '100']);
    expect(options.kinds).toEqual(['redis']);
    expect(options.followers).toEqual([0, 3]);
    expect(options.rounds).toBe(2);
    expect(options.probeRate).toBe(100);
    expect(() => parseFanoutOptions(['--kinds', 'memcached'])).toThrow(FanoutUsageError);
    expect(() => parseFanoutOptions(['--followers', '1,-2'])).toThrow(FanoutUsageError);
    expect(() => parseFanoutOptions(['--bogus', '1'])).toThrow(FanoutUsageError);
  });

  it('measures throughput and the lag of every probe write on every follower, for shoal and redis-server alike', async () => {
    // Kept small for a loaded CI machine: one load connection pair, one worker per shoal process.
    const options = parseFanoutOptions(['--kinds', 'shoal,redis', '--followers', '0,2', '--rounds', '1', '--test-time', '1', '--clients', '2', '--pipeline', '4', '--probe-rate', '200', '--threads', '1']);
    const lines: string[] = [];
    const report = await runFanout(options, ['test'], (line) => lines.push(line));
    expect(report.steps).toHaveLength(4);
    expect(lines).toHaveLength(4);
    for (const kind of ['shoal', 'redis'] as const) {
      const alone = report.summary.find((r) => r.kind === kind && r.followers === 0)!;
      expect(alone.opsPerSec).toBeGreaterThan(0);
      expect(alone.lagMs).toBeNull();
      const withFollowers = report.summary.find((r) => r.kind === kind && r.followers === 2)!;
      expect(withFollowers.errors).toBe(0);
      // Every probe write became visible on both followers, and each one is in the merged histogram.
      expect(withFollowers.missing).toBe(0);
      const step = report.steps.find((s) => s.kind === kind && s.followers === 2)!;
      expect(step.probeWrites).toBeGreaterThan(10);
      expect(step.perFollower).toHaveLength(2);
      const merged = decodeHistogram(withFollowers.lagHistogram!);
      expect(merged.totalCount).toBe(2 * step.probeWrites);
      merged.destroy();
      expect(withFollowers.lagMs!.max).toBeGreaterThanOrEqual(withFollowers.lagMs!.p50);
    }
    expect(report.ratios.map((r) => r.followers)).toEqual([0, 2]);
    const text = formatFanoutConsole(report);
    expect(text).toMatch(/shoal\s+2\s+\d+/);
    expect(text).toMatch(/followers=2: shoal\/redis SET throughput \d/);
    const html = renderFanoutHtml(report);
    expect(html).toContain('<svg id="lag"');
    expect(html).not.toMatch(/<script src=|<link /); // self-contained
  }, 240_000);
});
