// `shoal bench fanout ...`: parse, run, print and write the reports.
import { writeFile } from 'node:fs/promises';
import { FANOUT_USAGE, FanoutUsageError, parseFanoutOptions } from './fanout-options.ts';

export async function fanoutMain(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(FANOUT_USAGE);
    return 0;
  }
  let options;
  try {
    options = parseFanoutOptions(argv);
  } catch (error) {
    if (!(error instanceof FanoutUsageError)) throw error;
    process.stderr.write(`shoal bench fanout: ${error.message}\n\n${FANOUT_USAGE}`);
    return 2;
  }
  const { runFanout } = await import('./fanout-run.ts');
  const { formatFanoutConsole, renderFanoutHtml } = await import('./fanout-report.ts');
  const report = await runFanout(options, ['shoal', 'bench', 'fanout', ...argv], (line) => process.stderr.write(line + '\n'));
  process.stdout.write(formatFanoutConsole(report));
  if (options.jsonOut !== null) await writeFile(options.jsonOut, JSON.stringify(report, null, 2) + '\n');
  if (options.htmlOut !== null) await writeFile(options.htmlOut, renderFanoutHtml(report));
  const failed = report.summary.some((row) => row.errors > 0 || row.missing > 0);
  return failed ? 3 : 0;
}
