import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistogram, percentileCurve } from '../../bench/latency-histogram.ts';
import { inspectHtmlReport } from '../../bench/report-browser.ts';
import type { BenchReport } from '../../bench/report-model.ts';
import { startRedis, type RedisProcess } from './redis-process.ts';

// The CLI end to end: two targets in alternating rounds with --json-out, --html-out and
// --hdr-prefix, then `bench report` combining two JSON files. The HTML is opened in headless
// Chromium, which must draw one curve per target and command with the run's own data.

const CLI = new URL('../../bench/cli.ts', import.meta.url).pathname;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let redis: RedisProcess;
let dir: string;

beforeAll(async () => {
  redis = await startRedis();
  dir = await mkdtemp(path.join(os.tmpdir(), 'shoal-bench-html-'));
});

afterAll(async () => {
  await redis?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

function expectedCurvePoints(report: BenchReport): Map<string, number> {
  const points = new Map<string, number>();
  for (const target of report.targets) {
    for (const figures of [...target.overall.commands, target.overall.total]) {
      const histogram = decodeHistogram(figures.histogram);
      points.set(`${report.targets.length > 1 ? `${target.name} ` : ''}${figures.name}`, percentileCurve(histogram).length);
      histogram.destroy();
    }
  }
  return points;
}

describe('bench CLI reports', () => {
  it('writes JSON, .hgrm and an HTML report that Chromium draws from the run data', async () => {
    const address = `127.0.0.1:${redis.port}`;
    const json = path.join(dir, 'ab.json');
    const html = path.join(dir, 'ab.html');
    const result = await runCli([
      '--target', `first=${address}`, '--target', `second=${address}`, '--rounds', '2',
      '-c', '4', '--test-time', '1.2', '--pipeline', '2', '--ratio', '1:4',
      '--json-out', json, '--html-out', html, '--hdr-prefix', path.join(dir, 'lat'),
    ]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    // Console table: both targets, a Totals row, and the per-round comparison.
    expect(result.stdout).toMatch(/first \(127\.0\.0\.1:\d+\), 2 rounds merged/);
    expect(result.stdout).toMatch(/^Totals\s+\d+/m);
    expect(result.stdout).toMatch(/second ops\/sec: [\d.]+ [\d.]+\s+median [\d.]+/);

    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    expect(report.machine.cpus).toBeGreaterThan(0);
    expect(report.machine.node).toBe(process.version);
    expect(report.commandLine.slice(0, 3)).toEqual(['shoal', 'bench', '--target']);
    expect(report.targets.map((t) => [t.name, t.rounds.length])).toEqual([
      ['first', 2],
      ['second', 2],
    ]);
    expect(report.comparison?.targets[0].opsRatioPerRound).toHaveLength(2);
    for (const name of ['first_SET', 'first_GET', 'first_Totals', 'second_SET', 'second_GET', 'second_Totals']) {
      const hgrm = await readFile(path.join(dir, `lat_${name}.hgrm`), 'utf8');
      expect(hgrm).toMatch(/^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)/);
      expect(hgrm).toMatch(/#\[Max\s+=\s+[\d.]+, Total count\s+=\s+\d+\]/);
    }

    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
    const drawn = await inspectHtmlReport(html, path.join(dir, 'ab.png'));
    expect(drawn.errors).toEqual([]);
    const expected = expectedCurvePoints(report);
    expect(drawn.percentile.legend).toEqual([...expected.keys()]);
    expect(drawn.percentile.series.map((s) => [s.label, s.points])).toEqual([...expected.entries()]);
    // Throughput over time: one line per target and round, one point per full second measured.
    expect(drawn.throughput.legend).toEqual(['first round 1', 'first round 2', 'second round 1', 'second round 2']);
    for (const series of drawn.throughput.series) expect(series.points).toBe(1);
    expect(drawn.tableRows).toBe(2 * 4 + 2); // two tables of header + SET, GET, Totals; comparison header + row
    expect(existsSync(path.join(dir, 'ab.png'))).toBe(true);
  });

  it('combines earlier JSON reports into one comparison with `bench report`', async () => {
    const a = path.join(dir, 'a.json');
    const b = path.join(dir, 'b.json');
    const address = `127.0.0.1:${redis.port}`;
    for (const [file, pipeline] of [[a, '1'], [b, '4']] as const) {
      const run = await runCli(['--target', `redis=${address}`, '-c', '2', '-n', '300', '--pipeline', pipeline, '-q', '--json-out', file]);
      expect(run.code).toBe(0);
    }
    const combinedJson = path.join(dir, 'combined.json');
    const combinedHtml = path.join(dir, 'combined.html');
    const result = await runCli(['report', a, b, '--html-out', combinedHtml, '--json-out', combinedJson]);
    expect(result.code).toBe(0);
    const combined = JSON.parse(await readFile(combinedJson, 'utf8')) as BenchReport;
    expect(combined.targets.map((t) => t.name)).toEqual(['redis (a)', 'redis (b)']);
    expect(combined.comparison?.baseline).toBe('redis (a)');
    const drawn = await inspectHtmlReport(combinedHtml);
    expect(drawn.percentile.legend).toEqual(['redis (a) SET', 'redis (a) GET', 'redis (a) Totals', 'redis (b) SET', 'redis (b) GET', 'redis (b) Totals']);
  });
});
