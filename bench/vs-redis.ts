// redis-benchmark against redis-server and shoal in alternating rounds on one machine: throughput
// ratios (shoal / redis) per round and their median, and the server CPU per operation of each, read
// from /proc of the server process (all of its threads).
//
//   node bench/vs-redis.ts [--rounds 3] [--requests 400000] [--clients 50] [--pipelines 1,16]
//                          [--tests set,get] [--threads N] [--json-out file]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { cpuSeconds, median, startServer, type Server } from './bench-servers.ts';

interface Options {
  rounds: number;
  requests: number;
  clients: number;
  keyspace: number;
  pipelines: number[];
  tests: string[];
  threads: number[];
  jsonOut: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = {
    rounds: 3, requests: 400_000, clients: 50, keyspace: 100_000, pipelines: [1, 16], tests: ['set', 'get'],
    threads: [os.availableParallelism()], jsonOut: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--rounds': options.rounds = Number(value); break;
      case '--requests': options.requests = Number(value); break;
      case '--clients': options.clients = Number(value); break;
      case '--keyspace': options.keyspace = Number(value); break;
      case '--pipelines': options.pipelines = value.split(',').map(Number); break;
      case '--tests': options.tests = value.split(','); break;
      case '--threads': options.threads = value.split(',').map(Number); break;
      case '--json-out': options.jsonOut = value; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}







/** Runs redis-benchmark once; returns requests per second and server CPU seconds per million ops. */
function runBenchmark(server: Server, test: string, pipeline: number, options: Options): { rps: number; cpuPerMillion: number } {
  const before = cpuSeconds(server.child.pid!);
  const started = process.hrtime.bigint();
  const result = spawnSync('redis-benchmark', [
    '-p', String(server.port), '-t', test, '-n', String(options.requests), '-r', String(options.keyspace),
    '-c', String(options.clients), '-P', String(pipeline), '--csv',
  ], { encoding: 'utf8' });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(server.child.pid!) - before;
  const line = result.stdout.split('\n').find((l) => l.startsWith(`"${test.toUpperCase()}`));
  if (!line) throw new Error(`redis-benchmark gave no result for ${test}: ${result.stdout}${result.stderr}`);
  const rps = Number(line.split(',')[1]!.replace(/"/g, ''));
  void seconds;
  return { rps, cpuPerMillion: (cpu / options.requests) * 1e6 };
}


async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const rows: Array<Record<string, unknown>> = [];
  for (const threads of options.threads) {
    const redis = await startServer('redis', 1);
    const shoal = await startServer('shoal', threads);
    try {
      for (const pipeline of options.pipelines) {
        for (const test of options.tests) {
          const ratios: number[] = [];
          const cpuRatios: number[] = [];
          const redisRps: number[] = [];
          const shoalRps: number[] = [];
          const redisCpu: number[] = [];
          const shoalCpu: number[] = [];
          for (let round = 0; round < options.rounds; round++) {
            // Alternate which server goes first, so drift in the machine's speed cancels out.
            const order = round % 2 === 0 ? [redis, shoal] : [shoal, redis];
            const results = new Map<string, { rps: number; cpuPerMillion: number }>();
            for (const server of order) results.set(server.name, runBenchmark(server, test, pipeline, options));
            const r = results.get('redis')!;
            const s = results.get('shoal')!;
            ratios.push(s.rps / r.rps);
            cpuRatios.push(s.cpuPerMillion / r.cpuPerMillion);
            redisRps.push(r.rps);
            shoalRps.push(s.rps);
            redisCpu.push(r.cpuPerMillion);
            shoalCpu.push(s.cpuPerMillion);
          }
          const row = {
            test, pipeline, threads, rounds: options.rounds,
            redisRps: Math.round(median(redisRps)), shoalRps: Math.round(median(shoalRps)),
            ratio: Number(median(ratios).toFixed(3)), ratios: ratios.map((x) => Number(x.toFixed(3))),
            redisCpuSecPerMillion: Number(median(redisCpu).toFixed(2)), shoalCpuSecPerMillion: Number(median(shoalCpu).toFixed(2)),
            cpuRatio: Number(median(cpuRatios).toFixed(3)),
          };
          rows.push(row);
          console.log(
            `${test.toUpperCase().padEnd(4)} P${String(pipeline).padEnd(3)} threads=${threads}  redis ${String(row.redisRps).padStart(8)} rps  shoal ${String(row.shoalRps).padStart(8)} rps  ` +
            `ratio ${row.ratio.toFixed(2)} [${row.ratios.join(' ')}]  cpu s/Mop redis ${row.redisCpuSecPerMillion} shoal ${row.shoalCpuSecPerMillion} (x${row.cpuRatio.toFixed(2)})`,
          );
        }
      }
    } finally {
      redis.child.kill('SIGKILL');
      shoal.child.kill('SIGKILL');
    }
  }
  if (options.jsonOut) {
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
    fs.writeFileSync(options.jsonOut, JSON.stringify({ command: process.argv.slice(2), machine, rows }, null, 2));
  }
}

await main();
