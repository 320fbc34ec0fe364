import { writeFile } from 'node:fs/promises';
import { histogramOf, hgrmText } from './latency-histogram.ts';
import type { BenchReport } from './report-model.ts';

// --hdr-prefix: one HdrHistogram percentile-distribution file (.hgrm, values in milliseconds) per
// command and target, loadable in HdrHistogram's plotter.

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.-]+/g, '_');
}

export async function writeHgrmFiles(report: BenchReport, prefix: string): Promise<string[]> {
  const written: string[] = [];
  const multipleTargets = report.targets.length > 1;
  for (const target of report.targets) {
    for (const figures of [...target.overall.commands, target.overall.total]) {
      const histogram = histogramOf(figures);
      const text = hgrmText(histogram);
      const path = `${prefix}${multipleTargets ? `_${safeName(target.name)}` : ''}_${safeName(figures.name)}.hgrm`;
      await writeFile(path, text);
      written.push(path);
    }
  }
  return written;
}
