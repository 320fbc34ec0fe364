// Outputs of `shoal bench fanout`: a console table, and a self-contained HTML page with the primary's
// throughput against the number of followers and the lag percentile distributions.
import { decodeHistogram, percentileCurve } from '../latency-histogram.ts';
import type { FanoutReport } from './fanout-run.ts';

function pad(text: string, width: number): string {
  return text.length >= width ? text : ' '.repeat(width - text.length) + text;
}

export function formatFanoutConsole(report: FanoutReport): string {
  const lines: string[] = [];
  const header = ['server', 'followers', 'SET/s', 'lag p50', 'p90', 'p99', 'p99.9', 'max (ms)', 'early', 'missing', 'errors'];
  const widths = [7, 10, 11, 9, 8, 8, 8, 9, 7, 8, 7];
  lines.push(header.map((h, i) => pad(h, widths[i]!)).join(' '));
  for (const row of report.summary) {
    const lag = row.lagMs;
    const cells = [
      row.kind, String(row.followers), String(Math.round(row.opsPerSec)),
      lag ? lag.p50.toFixed(3) : '-', lag ? lag.p90.toFixed(3) : '-', lag ? lag.p99.toFixed(3) : '-',
      lag ? lag.p999.toFixed(3) : '-', lag ? lag.max.toFixed(3) : '-',
      String(row.early), String(row.missing), String(row.errors),
    ];
    lines.push(cells.map((c, i) => pad(c, widths[i]!)).join(' '));
  }
  for (const ratio of report.ratios) {
    lines.push(`followers=${ratio.followers}: shoal/redis SET throughput ${ratio.medianRatio.toFixed(3)} (median of rounds ${ratio.roundRatios.map((r) => r.toFixed(3)).join(', ')})`);
  }
  lines.push(`(${report.options.rounds} rounds, ${report.options.testTime} s per step, ${report.options.clients} clients, pipeline ${report.options.pipeline}, ${report.options.dataSize} B values, probe ${report.options.probeRate}/s; lag = follower visibility minus primary acknowledgement)`);
  return lines.join('\n') + '\n';
}

function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What the page's script draws: throughput per kind over follower counts, and lag curves. */
function pageData(report: FanoutReport): unknown {
  const throughput = report.options.kinds.map((kind) => ({
    name: kind,
    points: report.summary.filter((r) => r.kind === kind).map((r) => ({ x: r.followers, y: r.opsPerSec })),
  }));
  const lag = report.summary.filter((r) => r.lagHistogram !== null).map((r) => {
    const histogram = decodeHistogram(r.lagHistogram!);
    const curve = percentileCurve(histogram);
    histogram.destroy();
    return { name: `${r.kind}, ${r.followers} follower${r.followers === 1 ? '' : 's'}`, points: curve.map((p) => ({ percentile: p.percentile, ms: p.valueMs })) };
  });
  return { throughput, lag, summary: report.summary.map(({ lagHistogram: _, ...rest }) => rest), ratios: report.ratios };
}

export function renderFanoutHtml(report: FanoutReport): string {
  const title = 'shoal bench fanout: primary throughput and follower lag';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; }
  h1 { font-size: 20px; } h2 { font-size: 16px; margin-top: 28px; }
  .meta { color: #555; font-size: 12px; }
  table { border-collapse: collapse; } th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #ddd; }
  th:first-child, td:first-child { text-align: left; }
  svg text { font: 11px system-ui, sans-serif; fill: #333; } .grid { stroke: #e4e4e4; } .axis { stroke: #888; }
</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<div class="meta">${escapeHtml(report.createdAt)} · ${escapeHtml(`${report.machine.cpus} cores, ${report.machine.cpuModel}, Node ${report.machine.node}`)}</div>
<div class="meta"><code>${escapeHtml(report.commandLine.join(' '))}</code></div>
<h2>SET throughput of the primary by number of followers</h2>
<svg id="throughput" width="800" height="320"></svg>
<h2>Follower lag by percentile (every follower and round merged)</h2>
<svg id="lag" width="900" height="420"></svg>
<h2>Summary</h2>
<div id="summary"></div>
<script type="application/json" id="data">${scriptJson(pageData(report))}</script>
<script>
(() => {
  const data = JSON.parse(document.getElementById('data').textContent);
  const NS = 'http://www.w3.org/2000/svg';
  const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
  const el = (name, attrs, parent, text) => {
    const node = document.createElementNS(NS, name);
    for (const k in attrs) node.setAttribute(k, attrs[k]);
    if (text !== undefined) node.textContent = text;
    parent.appendChild(node);
    return node;
  };
  const niceMax = (v) => { if (!(v > 0)) return 1; const p = Math.pow(10, Math.floor(Math.log10(v))); for (const s of [1, 2, 5, 10]) if (s * p >= v) return s * p; return 10 * p; };
  function frame(svg, xLabel, yLabel) {
    const w = +svg.getAttribute('width'), h = +svg.getAttribute('height');
    const box = { left: 70, right: w - 210, top: 16, bottom: h - 44 };
    el('line', { x1: box.left, y1: box.bottom, x2: box.right, y2: box.bottom, class: 'axis' }, svg);
    el('line', { x1: box.left, y1: box.top, x2: box.left, y2: box.bottom, class: 'axis' }, svg);
    el('text', { x: (box.left + box.right) / 2, y: h - 8, 'text-anchor': 'middle' }, svg, xLabel);
    el('text', { x: 14, y: (box.top + box.bottom) / 2, transform: 'rotate(-90 14 ' + (box.top + box.bottom) / 2 + ')', 'text-anchor': 'middle' }, svg, yLabel);
    return box;
  }
  function legend(svg, box, names) {
    names.forEach((name, i) => {
      el('rect', { x: box.right + 16, y: box.top + i * 18, width: 12, height: 3, fill: COLORS[i % COLORS.length] }, svg);
      el('text', { x: box.right + 34, y: box.top + i * 18 + 5 }, svg, name);
    });
  }
  // Throughput: follower counts on x, SET/s on y.
  {
    const svg = document.getElementById('throughput');
    const box = frame(svg, 'followers', 'SET/s');
    const xs = [...new Set(data.throughput.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    const yMax = niceMax(Math.max(1, ...data.throughput.flatMap((s) => s.points.map((p) => p.y))));
    const xAt = (x) => box.left + (xs.length === 1 ? 0.5 : xs.indexOf(x) / (xs.length - 1)) * (box.right - box.left);
    const yAt = (y) => box.bottom - (y / yMax) * (box.bottom - box.top);
    for (let i = 0; i <= 4; i++) {
      const y = yAt((yMax * i) / 4);
      el('line', { x1: box.left, y1: y, x2: box.right, y2: y, class: 'grid' }, svg);
      el('text', { x: box.left - 6, y: y + 4, 'text-anchor': 'end' }, svg, Math.round((yMax * i) / 4).toLocaleString());
    }
    for (const x of xs) el('text', { x: xAt(x), y: box.bottom + 16, 'text-anchor': 'middle' }, svg, String(x));
    data.throughput.forEach((series, i) => {
      const color = COLORS[i % COLORS.length];
      el('polyline', { points: series.points.map((p) => xAt(p.x) + ',' + yAt(p.y)).join(' '), fill: 'none', stroke: color, 'stroke-width': 2 }, svg);
      for (const p of series.points) el('circle', { cx: xAt(p.x), cy: yAt(p.y), r: 3, fill: color }, svg);
    });
    legend(svg, box, data.throughput.map((s) => s.name));
  }
  // Lag: HdrHistogram's percentile axis (log of 1/(1-p)), latency in ms on y.
  {
    const svg = document.getElementById('lag');
    const box = frame(svg, 'percentile', 'lag (ms)');
    const xOf = (p) => Math.log10(1 / Math.max(1e-6, 1 - p / 100));
    const xMax = Math.max(2, ...data.lag.flatMap((s) => s.points.filter((p) => p.percentile < 100).map((p) => Math.ceil(xOf(p.percentile)))));
    const yMax = niceMax(Math.max(0.001, ...data.lag.flatMap((s) => s.points.map((p) => p.ms))));
    const xAt = (p) => box.left + (Math.min(xOf(p), xMax) / xMax) * (box.right - box.left);
    const yAt = (v) => box.bottom - (v / yMax) * (box.bottom - box.top);
    for (let d = 0; d <= xMax; d++) {
      const x = box.left + (d / xMax) * (box.right - box.left);
      el('line', { x1: x, y1: box.top, x2: x, y2: box.bottom, class: 'grid' }, svg);
      el('text', { x, y: box.bottom + 16, 'text-anchor': 'middle' }, svg, d === 0 ? '0%' : (100 - Math.pow(10, 2 - d)).toString() + '%');
    }
    for (let i = 0; i <= 4; i++) {
      const y = yAt((yMax * i) / 4);
      el('line', { x1: box.left, y1: y, x2: box.right, y2: y, class: 'grid' }, svg);
      el('text', { x: box.left - 6, y: y + 4, 'text-anchor': 'end' }, svg, ((yMax * i) / 4).toPrecision(3));
    }
    data.lag.forEach((series, i) => {
      el('polyline', { points: series.points.map((p) => xAt(p.percentile) + ',' + yAt(p.ms)).join(' '), fill: 'none', stroke: COLORS[i % COLORS.length], 'stroke-width': 2 }, svg);
    });
    legend(svg, box, data.lag.map((s) => s.name));
  }
  // Summary table.
  {
    const rows = data.summary.map((r) => '<tr><td>' + r.kind + '</td><td>' + r.followers + '</td><td>' + Math.round(r.opsPerSec).toLocaleString() + '</td>' +
      ['p50', 'p90', 'p99', 'p999', 'max'].map((k) => '<td>' + (r.lagMs ? r.lagMs[k].toFixed(3) : '-') + '</td>').join('') +
      '<td>' + r.early + '</td><td>' + r.missing + '</td><td>' + r.errors + '</td></tr>').join('');
    const ratios = data.ratios.map((r) => '<p>' + r.followers + ' followers: shoal/redis SET throughput ' + r.medianRatio.toFixed(3) + ' (rounds ' + r.roundRatios.map((x) => x.toFixed(3)).join(', ') + ')</p>').join('');
    document.getElementById('summary').innerHTML = '<table><tr><th>server</th><th>followers</th><th>SET/s</th><th>lag p50</th><th>p90</th><th>p99</th><th>p99.9</th><th>max (ms)</th><th>early</th><th>missing</th><th>errors</th></tr>' + rows + '</table>' + ratios;
  }
})();
</script>
</body>
</html>
`;
}
