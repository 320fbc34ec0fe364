import { histogramOf, percentileCurve, type PercentilePoint } from './latency-histogram.ts';
import type { BenchReport, CommandFigures } from './report-model.ts';

// --html-out: one self-contained HTML file (no network access needed to open it). The data is
// embedded as JSON and an inline script draws the plots as SVG: the latency percentile
// distribution on HdrHistogram's log-scaled "1/(1-percentile)" axis (one curve per target and
// command), throughput over time (one line per target and round), and the summary tables.

interface PlotSeries {
  label: string;
  target: string;
  command: string;
  points: PercentilePoint[];
}

interface HtmlData {
  title: string;
  createdAt: string;
  commandLine: string;
  machine: string;
  workload: string;
  percentileSeries: PlotSeries[];
  throughputSeries: { label: string; points: { second: number; opsPerSec: number }[] }[];
  tables: { target: string; address: string; rounds: number; durationSeconds: number; rows: CommandFigures[]; errors: Record<string, number>; redirects: Record<string, number> }[];
  comparison: BenchReport['comparison'];
}

export function htmlReportData(report: BenchReport): HtmlData {
  const percentileSeries: PlotSeries[] = [];
  for (const target of report.targets) {
    const figures = target.overall.commands.length > 1 ? [...target.overall.commands, target.overall.total] : target.overall.commands;
    for (const command of figures) {
      const histogram = histogramOf(command);
      const points = percentileCurve(histogram);
      const label = report.targets.length > 1 ? `${target.name} ${command.name}` : command.name;
      percentileSeries.push({ label, target: target.name, command: command.name, points });
    }
  }
  const throughputSeries = report.targets.flatMap((target) =>
    target.rounds.map((round) => ({
      label: target.rounds.length > 1 ? `${target.name} round ${round.round}` : target.name,
      points: round.timeline,
    })),
  );
  const o = report.options;
  const amount = o.requests !== null ? `${o.requests} requests per client` : `${o.testTimeSeconds} s`;
  const mix = o.templates.map((t) => `${t.name}×${t.ratio}`).join(' ');
  return {
    title: `shoal bench: ${report.targets.map((t) => t.name).join(' vs ')}`,
    createdAt: report.createdAt,
    commandLine: report.commandLine.join(' '),
    machine: `${report.machine.cpus} cores, ${report.machine.cpuModel}, ${report.machine.platform} ${report.machine.release}, node ${report.machine.node}`,
    workload:
      `${o.threads} thread(s) × ${o.clients} clients, pipeline ${o.pipeline}, ${amount}, mix ${mix}, keys ${o.keyPattern} [${o.keyMinimum}, ${o.keyMaximum}], ` +
      `data ${o.dataSizeMinimum === o.dataSizeMaximum ? o.dataSizeMinimum : `${o.dataSizeMinimum}-${o.dataSizeMaximum}`} B` +
      (o.rateLimit !== null ? `, rate limit ${o.rateLimit}/s per connection` : '') +
      (o.warmupSeconds > 0 ? `, warm-up ${o.warmupSeconds} s` : ''),
    percentileSeries,
    throughputSeries,
    tables: report.targets.map((target) => ({
      target: target.name,
      address: target.address,
      rounds: target.rounds.length,
      durationSeconds: target.overall.durationSeconds,
      // The table shows no histogram: the fields are listed so the lazy one is not encoded for it.
      rows: [...target.overall.commands, target.overall.total].map((row) => ({
        name: row.name,
        ops: row.ops,
        errors: row.errors,
        opsPerSec: row.opsPerSec,
        kbPerSec: row.kbPerSec,
        latencyMs: row.latencyMs,
        histogram: '',
      })),
      errors: target.overall.errorsByKind,
      redirects: target.overall.redirectsByKind,
    })),
    comparison: report.comparison,
  };
}

/** JSON that is safe inside a <script> element. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function renderHtmlReport(report: BenchReport): string {
  const data = htmlReportData(report);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(data.title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; background: #fff; }
  h1 { font-size: 20px; margin: 0 0 4px; }
  h2 { font-size: 16px; margin: 28px 0 8px; }
  .meta { color: #555; font-size: 12px; }
  code { font-size: 12px; }
  table { border-collapse: collapse; margin: 8px 0; }
  th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #ddd; font-variant-numeric: tabular-nums; }
  th:first-child, td:first-child { text-align: left; }
  tr.total td { font-weight: 600; }
  svg text { font: 11px system-ui, sans-serif; fill: #333; }
  .grid { stroke: #e4e4e4; }
  .axis { stroke: #888; }
</style>
</head>
<body>
<h1>${escapeHtml(data.title)}</h1>
<div class="meta">${escapeHtml(data.createdAt)} · ${escapeHtml(data.machine)}</div>
<div class="meta">${escapeHtml(data.workload)}</div>
<div class="meta"><code>${escapeHtml(data.commandLine)}</code></div>
<h2>Latency by percentile</h2>
<svg id="percentile-plot" width="900" height="420" role="img" aria-label="latency percentile distribution"></svg>
<h2>Throughput over time</h2>
<svg id="throughput-plot" width="900" height="300" role="img" aria-label="throughput over time"></svg>
<div id="summary"></div>
<script type="application/json" id="bench-data">${scriptJson(data)}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('bench-data').textContent);
  const NS = 'http://www.w3.org/2000/svg';
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#7f7f7f', '#bcbd22'];
  const el = (name, attrs, parent, text) => {
    const node = document.createElementNS(NS, name);
    for (const key in attrs) node.setAttribute(key, attrs[key]);
    if (text !== undefined) node.textContent = text;
    if (parent) parent.appendChild(node);
    return node;
  };
  // Round axis maxima up to 1, 2 or 5 times a power of ten.
  const niceMax = (value) => {
    if (!(value > 0)) return 1;
    const power = Math.pow(10, Math.floor(Math.log10(value)));
    for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
    return 10 * power;
  };
  const format = (value) => value >= 1e6 ? (value / 1e6).toFixed(value % 1e6 ? 1 : 0) + 'M' : value >= 1e4 ? (value / 1e3).toFixed(0) + 'k' : value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3);

  function plot(svg, series, x, options) {
    const width = +svg.getAttribute('width'), height = +svg.getAttribute('height');
    const left = 70, right = 200, top = 16, bottom = 44;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    let xMax = options.xMin + 1, yMax = 0;
    for (const s of series) for (const p of s.points) { xMax = Math.max(xMax, x(p)); yMax = Math.max(yMax, options.y(p)); }
    if (options.xMaxFixed) xMax = options.xMaxFixed(xMax);
    yMax = niceMax(yMax);
    const sx = (v) => left + ((v - options.xMin) / (xMax - options.xMin)) * plotWidth;
    const sy = (v) => top + plotHeight - (v / yMax) * plotHeight;
    for (let i = 0; i <= 5; i++) {
      const v = (yMax * i) / 5;
      el('line', { x1: left, x2: left + plotWidth, y1: sy(v), y2: sy(v), class: 'grid' }, svg);
      el('text', { x: left - 6, y: sy(v) + 4, 'text-anchor': 'end' }, svg, format(v));
    }
    for (const tick of options.xTicks(xMax)) {
      el('line', { x1: sx(tick.value), x2: sx(tick.value), y1: top, y2: top + plotHeight, class: 'grid' }, svg);
      el('text', { x: sx(tick.value), y: top + plotHeight + 16, 'text-anchor': 'middle' }, svg, tick.label);
    }
    el('line', { x1: left, x2: left + plotWidth, y1: top + plotHeight, y2: top + plotHeight, class: 'axis' }, svg);
    el('line', { x1: left, x2: left, y1: top, y2: top + plotHeight, class: 'axis' }, svg);
    el('text', { x: left + plotWidth / 2, y: height - 6, 'text-anchor': 'middle' }, svg, options.xLabel);
    el('text', { x: 14, y: top + plotHeight / 2, transform: 'rotate(-90 14 ' + (top + plotHeight / 2) + ')', 'text-anchor': 'middle' }, svg, options.yLabel);
    series.forEach((s, i) => {
      const color = COLORS[i % COLORS.length];
      const points = s.points.map((p) => sx(x(p)).toFixed(1) + ',' + sy(options.y(p)).toFixed(1)).join(' ');
      el('polyline', { points, fill: 'none', stroke: color, 'stroke-width': 1.8, class: 'series', 'data-label': s.label, 'data-points': s.points.length }, svg);
      const entry = el('g', { class: 'legend-entry', 'data-label': s.label }, svg);
      const ly = top + 8 + i * 18;
      el('line', { x1: left + plotWidth + 14, x2: left + plotWidth + 38, y1: ly, y2: ly, stroke: color, 'stroke-width': 3 }, entry);
      el('text', { x: left + plotWidth + 44, y: ly + 4 }, entry, s.label);
    });
  }

  // HdrHistogram's plotter axis: x = log10(1 / (1 - percentile)); 90% is 1, 99% is 2, 99.9% is 3.
  const percentileX = (p) => p.percentile >= 100 ? Infinity : Math.log10(100 / (100 - p.percentile));
  const curves = data.percentileSeries.map((s) => {
    // The maximum (100%) is drawn one step past the last resolvable percentile.
    const finite = s.points.filter((p) => p.percentile < 100);
    const last = finite.length ? percentileX(finite[finite.length - 1]) : 0;
    return { label: s.label, points: s.points.map((p) => ({ x: p.percentile >= 100 ? last + 0.25 : percentileX(p), v: p.valueMs })) };
  });
  plot(document.getElementById('percentile-plot'), curves, (p) => p.x, {
    xMin: 0, y: (p) => p.v, yLabel: 'latency (ms)', xLabel: 'percentile',
    xMaxFixed: (m) => Math.ceil(m),
    xTicks: (xMax) => {
      const ticks = [{ value: 0, label: '0%' }];
      for (let d = 1; d <= xMax; d++) ticks.push({ value: d, label: (100 - Math.pow(10, 2 - d)).toFixed(Math.max(0, d - 2)) + '%' });
      return ticks;
    },
  });
  const lines = data.throughputSeries.map((s) => ({ label: s.label, points: s.points.map((p) => ({ x: p.second + 0.5, v: p.opsPerSec })) }));
  plot(document.getElementById('throughput-plot'), lines, (p) => p.x, {
    xMin: 0, y: (p) => p.v, yLabel: 'ops/s', xLabel: 'seconds (bucket midpoints)', xMaxFixed: (m) => Math.ceil(m),
    xTicks: (xMax) => {
      const step = Math.max(1, Math.ceil(xMax / 10));
      const ticks = [];
      for (let s = 0; s <= xMax; s += step) ticks.push({ value: s, label: String(s) });
      return ticks;
    },
  });

  const summary = document.getElementById('summary');
  const add = (tag, text, parent) => { const node = document.createElement(tag); if (text !== undefined) node.textContent = text; (parent || summary).appendChild(node); return node; };
  for (const t of data.tables) {
    add('h2', t.target + ' (' + t.address + ')' + (t.rounds > 1 ? ', ' + t.rounds + ' rounds' : '') + ', ' + t.durationSeconds.toFixed(2) + ' s measured');
    const table = add('table');
    const head = add('tr', undefined, table);
    for (const h of ['Type', 'Ops/sec', 'KB/sec', 'Errors', 'Avg ms', 'p50 ms', 'p90 ms', 'p99 ms', 'p99.9 ms', 'p99.99 ms', 'Max ms']) add('th', h, head);
    for (const r of t.rows) {
      const tr = add('tr', undefined, table);
      if (r.name === 'Totals') tr.className = 'total';
      const l = r.latencyMs;
      for (const cell of [r.name, r.opsPerSec.toFixed(0), r.kbPerSec.toFixed(1), String(r.errors), l.avg.toFixed(3), l.p50.toFixed(3), l.p90.toFixed(3), l.p99.toFixed(3), l.p999.toFixed(3), l.p9999.toFixed(3), l.max.toFixed(3)]) add('td', cell, tr);
    }
    const kinds = Object.entries(t.errors);
    if (kinds.length) add('p', 'Errors by kind: ' + kinds.map(([k, n]) => k + ' ' + n).join(', '));
    const redirects = Object.entries(t.redirects);
    if (redirects.length) add('p', 'Redirections followed: ' + redirects.map(([k, n]) => k + ' ' + n).join(', '));
  }
  if (data.comparison) {
    add('h2', 'Comparison with ' + data.comparison.baseline + ' (ratio per round, median)');
    const table = add('table');
    const head = add('tr', undefined, table);
    for (const h of ['Target', 'ops/s ratio per round', 'median', 'p99 ratio per round', 'median']) add('th', h, head);
    for (const c of data.comparison.targets) {
      const tr = add('tr', undefined, table);
      for (const cell of [c.name, c.opsRatioPerRound.map((r) => r.toFixed(3)).join(' '), c.medianOpsRatio.toFixed(3), c.p99RatioPerRound.map((r) => r.toFixed(3)).join(' '), c.medianP99Ratio.toFixed(3)]) add('td', cell, tr);
    }
  }
})();
</script>
</body>
</html>
`;
}
