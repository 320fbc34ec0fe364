#!/usr/bin/env node
// The load generator's cheapest entry: `node bench/shoal-bench.mjs ...` takes the same arguments as
// `shoal bench ...`. It is plain JavaScript so that Node does not load its TypeScript stripper for
// the entry module; it turns the compile cache on before importing any TypeScript, so every module
// of the bench comes compiled and stripped from the cache after the first run. A TypeScript entry
// (src/main.ts, bench/cli.ts) costs about 0.08 s more CPU per run (bench/RESULTS.md, start-up).
// node:module through process.getBuiltinModule: an import would build its ESM facade (bench/cli.ts).
process.getBuiltinModule('node:module').enableCompileCache();
const { benchMain } = await import('./cli.ts');
process.exitCode = await benchMain(process.argv.slice(2));
