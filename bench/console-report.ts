import type { BenchReport, CommandFigures, RunFigures, TargetReport } from './report-model.ts';

// The summary table printed at the end of a run, memtier-style: one row per command and a Totals row.

const COLUMNS = ['Ops/sec', 'KB/sec', 'Errors', 'Avg ms', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'p99.99 ms', 'Max ms'];

function formatMs(value: number): string {
  return value.toFixed(3);
}

function row(figures: CommandFigures): string[] {
  const l = figures.latencyMs;
  return [
    figures.name,
    figures.opsPerSec.toFixed(2),
    figures.kbPerSec.toFixed(2),
    String(figures.errors),
    formatMs(l.avg),
    formatMs(l.p50),
    formatMs(l.p90),
    formatMs(l.p99),
    formatMs(l.p999),
    formatMs(l.p9999),
    formatMs(l.max),
  ];
}

function table(rows: string[][]): string {
  const header = ['Type', ...COLUMNS];
  const all = [header, ...rows];
  const widths = header.map((_, column) => Math.max(...all.map((r) => r[column].length)));
  const line = (cells: string[]): string => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  const rule = '-'.repeat(widths.reduce((a, b) => a + b + 2, -2));
  return [line(header), rule, ...rows.map(line)].join('\n');
}

function countsLine(label: string, counts: Record<string, number>): string | null {
  const entries = Object.entries(counts);
  if (entries.length === 0) return null;
  return `${label}: ${entries.map(([kind, count]) => `${kind} ${count}`).join(', ')}`;
}

export function formatRunFigures(figures: RunFigures): string {
  const lines = [table([...figures.commands.map(row), row(figures.total)])];
  const errors = countsLine('Errors by kind', figures.errorsByKind);
  if (errors !== null) lines.push(errors);
  const redirects = countsLine('Redirections followed', figures.redirectsByKind);
  if (redirects !== null) lines.push(redirects);
  return lines.join('\n');
}

function formatTarget(target: TargetReport): string {
  const rounds = target.rounds.length;
  const heading = `${target.name} (${target.address})${rounds > 1 ? `, ${rounds} rounds merged` : ''}, ${target.overall.durationSeconds.toFixed(2)} s measured`;
  const perRound = rounds > 1 ? `\nRounds ops/sec: ${target.rounds.map((r) => r.total.opsPerSec.toFixed(0)).join(', ')}` : '';
  return `${heading}\n${formatRunFigures(target.overall)}${perRound}`;
}

export function formatConsoleReport(report: BenchReport): string {
  const o = report.options;
  const load = `${o.threads} thread(s) x ${o.clients} client(s), pipeline ${o.pipeline}${o.rateLimit !== null ? `, rate limit ${o.rateLimit}/s per connection` : ''}`;
  const sections = [`shoal bench: ${load}`, ...report.targets.map(formatTarget)];
  if (report.comparison !== null) {
    const lines = [`Comparison with ${report.comparison.baseline} (ratio per round; median):`];
    for (const target of report.comparison.targets) {
      lines.push(`  ${target.name} ops/sec: ${target.opsRatioPerRound.map((r) => r.toFixed(3)).join(' ')}  median ${target.medianOpsRatio.toFixed(3)}`);
      lines.push(`  ${target.name} p99:     ${target.p99RatioPerRound.map((r) => r.toFixed(3)).join(' ')}  median ${target.medianP99Ratio.toFixed(3)}`);
    }
    sections.push(lines.join('\n'));
  }
  return sections.join('\n\n') + '\n';
}
