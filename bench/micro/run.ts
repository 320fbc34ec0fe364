import { readdir } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { Bench } from 'tinybench';

// Runs every bench/micro/*.bench.ts. Each file's default export registers its tasks on the Bench it
// is given; each file gets a Bench of its own, so its table stands alone. An argument filters
// files by name: `npm run bench:micro -- reply`.
//
// Environment: MICRO_TIME_MS (per task, default 500) and MICRO_WARMUP_MS (default 100).

type RegisterBenchmarks = (bench: Bench) => void | Promise<void>;

const directory = new URL('./', import.meta.url);
const filter = process.argv[2] ?? '';
const files = (await readdir(directory)).filter((name) => name.endsWith('.bench.ts') && name.includes(filter)).sort();
if (files.length === 0) {
  console.error(`no bench/micro/*.bench.ts file matches "${filter}"`);
  process.exit(1);
}

for (const file of files) {
  const module = (await import(pathToFileURL(new URL(file, directory).pathname).href)) as { default?: RegisterBenchmarks };
  if (typeof module.default !== 'function') throw new Error(`${file} must export a default function (bench: Bench) => void`);
  const bench = new Bench({ name: file, time: Number(process.env.MICRO_TIME_MS ?? 500), warmupTime: Number(process.env.MICRO_WARMUP_MS ?? 100) });
  await module.default(bench);
  await bench.run();
  console.log(`\n${file}`);
  console.table(
    bench.tasks.map((task) => {
      const result = task.result as { throughput?: { mean: number }; latency?: { mean: number; rme: number }; error?: unknown } | undefined;
      if (result?.error) return { task: task.name, 'ops/s': 'error', 'mean ns': String(result.error), 'rme %': '' };
      return {
        task: task.name,
        'ops/s': Math.round(result?.throughput?.mean ?? 0).toLocaleString('en-US'),
        'mean ns': ((result?.latency?.mean ?? 0) * 1e6).toFixed(1),
        'rme %': (result?.latency?.rme ?? 0).toFixed(2),
      };
    }),
  );
}
