// redis-benchmark over the data-type commands (issue 4's speed check) against redis-server and shoal
// in alternating rounds on one machine: per test, the requests per second of each and the median of
// the per-round ratios shoal / redis, plus each server's CPU per operation over the whole run, read
// from /proc of the server process (all of its threads). Every round runs the whole test list in one
// redis-benchmark invocation (so the lrange tests read the `mylist` its lpush step filled) on a
// FLUSHALLed server; keys are fixed (no -r), like the command.
//
// --cpu-per-test runs each test in a redis-benchmark invocation of its own (in the list's order on
// servers FLUSHALLed once per round, so pops find what the pushes left) and reports the server's
// CPU time per request (from /proc) for each test instead of requests per second: on a machine whose
// load changes from second to second (shared by several people), CPU per request moves far less than
// throughput, and where the server is the bottleneck throughput follows it. The LRANGE tests'
// figures include the LPUSH fill redis-benchmark runs before them (the same work on both servers).
//
// --pin runs each server on CPU 1 and redis-benchmark on CPU 0 (taskset): left to the scheduler, the
// two sometimes share a core while the other idles, which moved single rounds by ±30% for either server.
//
//   node bench/types-vs-redis.ts [--rounds 3] [--requests 200000] [--clients 50] [--pipeline 16]
//                                [--tests lpush,lpop,...] [--threads 1,2] [--cpu-per-test] [--pin] [--json-out file]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import { cpuSeconds, median, startServer, type Server } from './bench-servers.ts';

interface Options {
  rounds: number;
  requests: number;
  clients: number;
  pipeline: number;
  tests: string[];
  threads: number[];
  cpuPerTest: boolean;
  /** --pin: each server on CPU 1 and redis-benchmark on CPU 0, so that they never share a core. */
  pin: boolean;
  jsonOut: string | null;
}

const DEFAULT_TESTS = 'lpush,lpop,rpush,rpop,sadd,hset,spop,zadd,zpopmin,lrange_100,lrange_600,mset';

function parseOptions(argv: string[]): Options {
  const options: Options = {
    rounds: 3, requests: 200_000, clients: 50, pipeline: 16, tests: DEFAULT_TESTS.split(','), threads: [1], cpuPerTest: false, pin: false, jsonOut: null,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--cpu-per-test': options.cpuPerTest = true; i--; break;
      case '--pin': options.pin = true; i--; break;
      case '--rounds': options.rounds = Number(value); break;
      case '--requests': options.requests = Number(value); break;
      case '--clients': options.clients = Number(value); break;
      case '--pipeline': options.pipeline = Number(value); break;
      case '--tests': options.tests = value.split(','); break;
      case '--threads': options.threads = value.split(',').map(Number); break;
      case '--json-out': options.jsonOut = value; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}







/** --pin's CPUs: redis-benchmark on one, the server under test on the other (of this 2-core machine). */
const CLIENT_CPU = '0';
const SERVER_CPU = '1';

/** The CSV's test name up to its first space: "LRANGE_100 (first 100 elements)" -> "LRANGE_100". */
function shortName(name: string): string {
  return name.startsWith('LPUSH (') ? 'LPUSH (for LRANGE)' : name.split(' ')[0]!;
}

/** Runs the whole test list once; returns requests per second per test and server CPU seconds. */
function runBenchmark(server: Server, options: Options, flushFirst = true): { rps: Map<string, number>; cpu: number } {
  if (flushFirst) {
    const flush = spawnSync('redis-cli', ['-p', String(server.port), 'FLUSHALL'], { encoding: 'utf8' });
    if (!flush.stdout.startsWith('OK')) throw new Error(`FLUSHALL on ${server.name}: ${flush.stdout}${flush.stderr}`);
  }
  const before = cpuSeconds(server.child.pid!);
  const args = [
    '-p', String(server.port), '-t', options.tests.join(','), '-n', String(options.requests),
    '-c', String(options.clients), '-P', String(options.pipeline), '--csv',
  ];
  const result = options.pin
    ? spawnSync('taskset', ['-c', CLIENT_CPU, 'redis-benchmark', ...args], { encoding: 'utf8' })
    : spawnSync('redis-benchmark', args, { encoding: 'utf8' });
  const cpu = cpuSeconds(server.child.pid!) - before;
  const rps = new Map<string, number>();
  for (const line of result.stdout.split('\n')) {
    const match = /^"([^"]+)","([\d.]+)"/.exec(line);
    if (match) rps.set(shortName(match[1]!), Number(match[2]));
  }
  if (rps.size === 0) throw new Error(`redis-benchmark gave no results on ${server.name}: ${result.stdout}${result.stderr}`);
  return { rps, cpu };
}

/**
 * --cpu-per-test: each test alone on FLUSHALLed servers (alternating which goes first), server CPU
 * microseconds per request, median over rounds; ratio = redis / shoal (1 = same CPU per request).
 */
async function cpuPerTest(options: Options): Promise<void> {
  const rows: Array<Record<string, number | string>> = [];
  // redis-benchmark's own order (the one a single invocation runs them in).
  const order = ['ping_inline', 'ping_mbulk', 'set', 'get', 'incr', 'lpush', 'rpush', 'lpop', 'rpop', 'sadd', 'hset', 'spop', 'zadd', 'zpopmin', 'lrange_100', 'lrange_300', 'lrange_500', 'lrange_600', 'mset'];
  const rank = (t: string): number => (order.indexOf(t) + order.length + 1) % (order.length + 1);
  options = { ...options, tests: [...options.tests].sort((a, b) => rank(a) - rank(b)) };
  for (const threads of options.threads) {
    const cpus = options.pin ? SERVER_CPU : null;
    const redis = await startServer('redis', 1, [], cpus);
    const shoal = await startServer('shoal', threads, [], cpus);
    try {
      const perRound = new Map<string, Array<{ redis: number; shoal: number }>>();
      // One uncounted pass first: shoal's first requests run before V8 has optimized the paths.
      for (const server of [redis, shoal]) runBenchmark(server, options);
      for (let round = 0; round < options.rounds; round++) {
        const line: string[] = [];
        for (const test of options.tests) {
          const us: Record<string, number> = {};
          for (const server of round % 2 === 0 ? [redis, shoal] : [shoal, redis]) {
            // FLUSHALL only before a round's first test: LPOP pops what LPUSH pushed, as in one invocation.
            const { cpu } = runBenchmark(server, { ...options, tests: [test] }, test === options.tests[0]);
            us[server.name] = (cpu * 1e6) / options.requests;
          }
          const list = perRound.get(test) ?? [];
          list.push({ redis: us.redis!, shoal: us.shoal! });
          perRound.set(test, list);
          line.push(`${test} ${(us.redis! / us.shoal!).toFixed(2)}`);
        }
        console.log(`round ${round + 1} threads=${threads} (redis CPU / shoal CPU per request): ${line.join(', ')}`);
      }
      for (const [test, list] of perRound) {
        const ratios = list.map((r) => r.redis / r.shoal);
        rows.push({
          test, threads,
          redisUs: Number(median(list.map((r) => r.redis)).toFixed(2)),
          shoalUs: Number(median(list.map((r) => r.shoal)).toFixed(2)),
          ratio: Number(median(ratios).toFixed(2)),
          perRound: ratios.map((x) => x.toFixed(2)).join(' '),
        });
      }
    } finally {
      redis.child.kill('SIGKILL');
      shoal.child.kill('SIGKILL');
    }
  }
  console.log(`\nredis-benchmark -t <one test> -c ${options.clients} -P ${options.pipeline} -n ${options.requests}; server CPU per request ` +
    `(/proc utime+stime), medians of ${options.rounds} rounds; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| test | shoal threads | redis CPU µs/req | shoal CPU µs/req | redis / shoal (median) | per round |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.test} | ${row.threads} | ${row.redisUs} | ${row.shoalUs} | ${Number(row.ratio).toFixed(2)} | ${row.perRound} |`);
  }
  if (options.jsonOut) {
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
    fs.writeFileSync(options.jsonOut, JSON.stringify({ command: process.argv.slice(2), machine, rows }, null, 2));
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.cpuPerTest) return cpuPerTest(options);
  const rows: Array<{ test: string; threads: number; redisRps: number; shoalRps: number; ratio: number; ratios: number[] }> = [];
  const cpuRows: Array<{ threads: number; redisCpu: number; shoalCpu: number }> = [];
  for (const threads of options.threads) {
    const cpus = options.pin ? SERVER_CPU : null;
    const redis = await startServer('redis', 1, [], cpus);
    const shoal = await startServer('shoal', threads, [], cpus);
    try {
      const rounds: Array<Map<string, { rps: Map<string, number>; cpu: number }>> = [];
      // One uncounted pass first, as --cpu-per-test does: shoal's first requests of each command run
      // before V8 has compiled its path (on a fresh server the first LPUSH test ran at 256k requests/s, a later one at 430-520k).
      for (const server of [redis, shoal]) runBenchmark(server, options);
      for (let round = 0; round < options.rounds; round++) {
        // Alternate which server goes first, so drift in the machine's speed cancels out.
        const order = round % 2 === 0 ? [redis, shoal] : [shoal, redis];
        const results = new Map<string, { rps: Map<string, number>; cpu: number }>();
        for (const server of order) results.set(server.name, runBenchmark(server, options));
        rounds.push(results);
        console.log(`round ${round + 1} threads=${threads}: ` + [...results.get('redis')!.rps.keys()].map((test) =>
          `${test} ${(results.get('shoal')!.rps.get(test)! / results.get('redis')!.rps.get(test)!).toFixed(2)}`).join(', '));
      }
      for (const test of rounds[0]!.get('redis')!.rps.keys()) {
        const redisRps = rounds.map((r) => r.get('redis')!.rps.get(test) ?? NaN);
        const shoalRps = rounds.map((r) => r.get('shoal')!.rps.get(test) ?? NaN);
        const ratios = rounds.map((_, i) => shoalRps[i]! / redisRps[i]!);
        rows.push({
          test, threads, redisRps: Math.round(median(redisRps)), shoalRps: Math.round(median(shoalRps)),
          ratio: Number(median(ratios).toFixed(3)), ratios: ratios.map((x) => Number(x.toFixed(3))),
        });
      }
      cpuRows.push({
        threads,
        redisCpu: Number(median(rounds.map((r) => r.get('redis')!.cpu)).toFixed(2)),
        shoalCpu: Number(median(rounds.map((r) => r.get('shoal')!.cpu)).toFixed(2)),
      });
    } finally {
      redis.child.kill('SIGKILL');
      shoal.child.kill('SIGKILL');
    }
  }
  console.log(`\nredis-benchmark -t ${options.tests.join(',')} -c ${options.clients} -P ${options.pipeline} -n ${options.requests} --csv; ` +
    `${options.rounds} rounds; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| test | shoal threads | redis rps | shoal rps | ratio (median) | per round |');
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.test} | ${row.threads} | ${row.redisRps} | ${row.shoalRps} | ${row.ratio.toFixed(2)}${row.ratio < 0.8 ? ' (< 0.8)' : ''} | ${row.ratios.join(' ')} |`);
  }
  for (const row of cpuRows) {
    console.log(`\nserver CPU seconds per whole run (median), threads=${row.threads}: redis ${row.redisCpu}, shoal ${row.shoalCpu}`);
  }
  if (options.jsonOut) {
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
    fs.writeFileSync(options.jsonOut, JSON.stringify({ command: process.argv.slice(2), machine, rows, cpuRows }, null, 2));
  }
}

await main();
