import type { BenchReport } from './report-model.ts';
export function renderHtmlReport(report: BenchReport): string {
  return `<!doctype html><pre>${JSON.stringify(report.targets.map((t) => t.name))}</pre>`;
}
