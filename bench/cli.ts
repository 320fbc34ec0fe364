import type { BenchOptions } from './options.ts';
import type { BenchReport } from './report-model.ts';

// Built-in modules come from process.getBuiltinModule, not import: an ESM import of a built-in
// builds a module facade that reads every export, which runs lazy getters (node:fs loads its
// streams that way) and cost ~16 ms of CPU per run for the bench's built-ins (bench/RESULTS.md).
// node:fs, not node:fs/promises: the promise API loads readline and more, and a report is written
// once, at the end.
const { readFileSync, writeFileSync, writeSync } = process.getBuiltinModule('node:fs');
const module = process.getBuiltinModule('node:module');

// `shoal bench ...`: run a benchmark and write its reports, or `shoal bench report a.json b.json`
// to combine earlier JSON reports into one HTML comparison.
//
// The bench's own CPU use is part of what it reports on (see bench/RESULTS.md). This module imports
// no TypeScript module statically: every one is imported after the compile cache is on, so a warm
// run loads them compiled and stripped from the cache instead of stripping their types again.

export async function benchMain(argv: string[]): Promise<number> {
  module.enableCompileCache();
  const { BENCH_USAGE, parseBenchOptions, UsageError } = await import('./options.ts');
  try {
    if (argv.includes('-h') || argv.includes('--help')) {
      process.stdout.write(BENCH_USAGE);
      return 0;
    }
    if (argv[0] === 'report') return await reportMain(argv.slice(1));
    if (argv[0] === 'fanout') return await (await import('./fanout/fanout-cli.ts')).fanoutMain(argv.slice(1));
    return await runMain(parseBenchOptions(argv), argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`shoal bench: ${error.message}\n\n${BENCH_USAGE}`);
      return 2;
    }
    process.stderr.write(`shoal bench: ${process.env.SHOAL_BENCH_DEBUG ? (error as Error).stack : (error as Error).message}\n`);
    return 1;
  }
}

async function runMain(options: BenchOptions, argv: string[]): Promise<number> {
  const control = { stopRequested: false };
  // The first Ctrl-C ends the run early and still reports what was measured.
  const onSignal = (): void => {
    if (control.stopRequested) process.exit(130);
    control.stopRequested = true;
  };
  process.on('SIGINT', onSignal);
  const { runBenchmark } = await import('./run-benchmark.ts');
  let report: BenchReport;
  try {
    // process.stderr is created on first use (Node's stream modules, ~3 ms of CPU): only for progress.
    report = await runBenchmark(options, ['shoal', 'bench', ...argv], { progressStream: options.quiet ? null : process.stderr, control });
  } finally {
    process.off('SIGINT', onSignal);
  }
  await writeOutputs(report, options.jsonOut, options.htmlOut, options.hdrPrefix);
  const errors = report.targets.reduce((total, target) => total + target.overall.total.errors, 0);
  return errors > 0 ? 3 : 0;
}

async function writeOutputs(report: BenchReport, jsonOut: string | null, htmlOut: string | null, hdrPrefix: string | null): Promise<void> {
  const { formatConsoleReport } = await import('./console-report.ts');
  writeStdout(formatConsoleReport(report));
  if (jsonOut !== null) writeFileSync(jsonOut, JSON.stringify(report, null, 2) + '\n');
  if (htmlOut !== null) {
    const { renderHtmlReport } = await import('./html-report.ts');
    writeFileSync(htmlOut, renderHtmlReport(report));
  }
  if (hdrPrefix !== null) {
    const { writeHgrmFiles } = await import('./hgrm-output.ts');
    await writeHgrmFiles(report, hdrPrefix);
  }
}

/**
 * Writes `text` to standard output with write(2): process.stdout is created on first use, and its
 * stream modules cost ~3 ms of CPU per run for one short table. An output that would block (a full
 * non-blocking pipe) takes the rest through process.stdout.
 */
function writeStdout(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
    process.stdout.write(bytes.subarray(written));
  }
}

async function reportMain(argv: string[]): Promise<number> {
  const { UsageError } = await import('./options.ts');
  const inputs: string[] = [];
  let htmlOut: string | null = null;
  let jsonOut: string | null = null;
  let hdrPrefix: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--html-out') htmlOut = argv[++i] ?? null;
    else if (argv[i] === '--json-out') jsonOut = argv[++i] ?? null;
    else if (argv[i] === '--hdr-prefix') hdrPrefix = argv[++i] ?? null;
    else if (argv[i].startsWith('-')) throw new UsageError(`unknown report option "${argv[i]}"`);
    else inputs.push(argv[i]);
  }
  if (inputs.length === 0) throw new UsageError('report needs at least one JSON file written by --json-out');
  const reports: { label: string; report: BenchReport }[] = [];
  for (const path of inputs) {
    const report = JSON.parse(readFileSync(path, 'utf8')) as BenchReport;
    if (report.tool !== 'shoal bench') throw new Error(`${path} is not a shoal bench JSON report`);
    reports.push({ label: path.replace(/^.*\//, '').replace(/\.json$/, ''), report });
  }
  const { combineReports } = await import('./combine-reports.ts');
  await writeOutputs(combineReports(reports), jsonOut, htmlOut, hdrPrefix);
  return 0;
}

// Runnable directly: node bench/cli.ts ...
if (import.meta.url === process.getBuiltinModule('node:url').pathToFileURL(process.argv[1] ?? '').href) {
  process.exitCode = await benchMain(process.argv.slice(2));
}
