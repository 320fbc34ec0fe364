import { compareTargets, type BenchReport, type TargetReport } from './report-model.ts';

// `shoal bench report a.json b.json`: the targets of several JSON reports side by side in one
// report. Target names that repeat across files get the file's name appended.

export function combineReports(inputs: { label: string; report: BenchReport }[]): BenchReport {
  const targets: TargetReport[] = [];
  const seen = new Set<string>();
  for (const { label, report } of inputs) {
    for (const target of report.targets) {
      let name = target.name;
      if (seen.has(name) || inputs.length > 1) name = `${target.name} (${label})`;
      let unique = name;
      for (let n = 2; seen.has(unique); n++) unique = `${name} #${n}`;
      seen.add(unique);
      targets.push({ ...target, name: unique });
    }
  }
  const first = inputs[0].report;
  return {
    ...first,
    createdAt: new Date().toISOString(),
    commandLine: ['shoal', 'bench', 'report', ...inputs.map((i) => i.label)],
    targets,
    comparison: compareTargets(targets),
  };
}
