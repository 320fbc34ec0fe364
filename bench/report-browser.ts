import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

// Opens an HTML report in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core),
// reads back what the inline script drew, and optionally saves a screenshot. Used by the HTML test
// and to make bench/report-screenshot.png:
//
//   node bench/report-browser.ts report.html bench/report-screenshot.png

export interface DrawnPlot {
  series: { label: string; points: number; declaredPoints: number }[];
  legend: string[];
}

export interface DrawnReport {
  percentile: DrawnPlot;
  throughput: DrawnPlot;
  tableRows: number;
  errors: string[];
}

const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

// Runs inside the page (the bench is type-checked without DOM types, so this is source text).
const READ_DRAWN_REPORT = `(() => {
  const readPlot = (id) => {
    const svg = document.getElementById(id);
    return {
      series: Array.from(svg.querySelectorAll('polyline.series')).map((line) => ({
        label: line.getAttribute('data-label') || '',
        points: (line.getAttribute('points') || '').trim().split(/\\s+/).filter((p) => p !== '').length,
        declaredPoints: Number(line.getAttribute('data-points')),
      })),
      legend: Array.from(svg.querySelectorAll('g.legend-entry')).map((g) => g.textContent || ''),
    };
  };
  return { percentile: readPlot('percentile-plot'), throughput: readPlot('throughput-plot'), tableRows: document.querySelectorAll('#summary tr').length };
})()`;

export async function inspectHtmlReport(htmlPath: string, screenshotPath?: string): Promise<DrawnReport> {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'shoal-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 960, height: 900 },
  });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The report must not need the network: any request other than the file itself fails the check.
    await page.route('**/*', (route) => (route.request().url().startsWith('file:') ? route.continue() : (errors.push(`network request: ${route.request().url()}`), route.abort())));
    await page.goto(pathToFileURL(path.resolve(htmlPath)).href);
    const drawn = (await page.evaluate(READ_DRAWN_REPORT)) as Omit<DrawnReport, 'errors'>;
    if (screenshotPath !== undefined) await page.screenshot({ path: screenshotPath, fullPage: true });
    return { ...drawn, errors };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [htmlPath, screenshotPath] = process.argv.slice(2);
  if (!htmlPath) {
    process.stderr.write('usage: node bench/report-browser.ts report.html [screenshot.png]\n');
    process.exit(2);
  }
  console.log(JSON.stringify(await inspectHtmlReport(htmlPath, screenshotPath), null, 2));
}
