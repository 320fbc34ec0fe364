import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { median } from './report-model.ts';

// The acceptance check of the load generator: against one redis-server, run redis-benchmark and
// shoal bench with the same workload in alternating rounds and compare throughput and CPU per
// request (user + system time of each load-generator process, read from /proc: the parent's
// cutime/cstime grow by exactly the CPU of each child it reaps, and the children run one at a time).
//
//   node bench/compare-redis-benchmark.ts [--rounds 5] [--clients 50] [--requests 400000] [--pipeline 16] [--keys 100000] [--key-digits 12]
//
// redis-benchmark -t set,get runs SET then GET, each --requests in total; shoal bench runs the same
// requests as a 1:1 mix with --requests/--clients per client of each command. redis-benchmark's -r
// keys are key:__rand_int__ with 12 zero-padded digits (key:000000012345); shoal bench writes its
// keys the same way (--key-digits 12), so both send requests of the same bytes. --key-digits 1 gives
// shoal bench's own default, unpadded keys (key:12345, 7 bytes shorter per request).

interface Measurement {
  opsPerSec: number;
  /** User and system CPU seconds of the load generator's process (all its threads). */
  userSeconds: number;
  systemSeconds: number;
  requests: number;
}

const CLOCK_TICKS_PER_SECOND = 100; // sysconf(_SC_CLK_TCK) on Linux

interface CpuTimes {
  user: number;
  system: number;
}

function childrenCpuSeconds(): CpuTimes {
  // Fields after the ")" of the command name: state is field 3; cutime and cstime are 16 and 17.
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[16 - 3]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[17 - 3]) / CLOCK_TICKS_PER_SECOND };
}

function run(command: string, args: string[]): Promise<{ stdout: string; cpu: CpuTimes }> {
  return new Promise((resolve, reject) => {
    const before = childrenCpuSeconds();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0 && code !== 3) reject(new Error(`${command} exited with ${code}`));
      else {
        const after = childrenCpuSeconds();
        resolve({ stdout, cpu: { user: after.user - before.user, system: after.system - before.system } });
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function startRedis(port: number): Promise<() => void> {
  // A data file of its own that does not exist: redis-server loads dump.rdb from its working
  // directory at start, and keys of another type there turn GETs into WRONGTYPE errors.
  const dataFile = ['--dir', os.tmpdir(), '--dbfilename', `shoal-compare-${process.pid}.rdb`];
  const child = spawn('redis-server', ['--save', '', '--appendonly', 'no', '--port', String(port), '--bind', '127.0.0.1', ...dataFile], { stdio: 'ignore' });
  for (let attempt = 0; attempt < 200; attempt++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) return () => child.kill();
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  child.kill();
  throw new Error('redis-server did not start');
}

async function flushAll(port: number): Promise<void> {
  await run('redis-cli', ['-p', String(port), 'FLUSHALL']);
}

async function runRedisBenchmark(port: number, o: Options): Promise<Measurement> {
  const { stdout, cpu } = await run('redis-benchmark', [
    '-p', String(port), '-t', 'set,get', '-c', String(o.clients), '-n', String(o.requests), '-r', String(o.keys), '-P', String(o.pipeline), '--csv',
  ]);
  // CSV rows: "test","rps",...; total time is the sum of each test's requests / rps.
  let seconds = 0;
  let tests = 0;
  for (const line of stdout.split('\n')) {
    const match = /^"(SET|GET)","([\d.]+)"/.exec(line);
    if (match) {
      seconds += o.requests / Number(match[2]);
      tests++;
    }
  }
  if (tests !== 2) throw new Error(`unexpected redis-benchmark output:\n${stdout}`);
  return { opsPerSec: (2 * o.requests) / seconds, userSeconds: cpu.user, systemSeconds: cpu.system, requests: 2 * o.requests };
}

async function runShoalBench(port: number, o: Options): Promise<Measurement> {
  // The plain-JavaScript entry (bench/shoal-bench.mjs): same arguments as `shoal bench`, no TypeScript
  // stripped at start-up. Its console table is read, as redis-benchmark's --csv lines are: neither
  // tool writes more than its figures (a --json-out report would add encoding the histograms).
  const cli = new URL('./shoal-bench.mjs', import.meta.url).pathname;
  const requests = 2 * o.requests;
  const { stdout, cpu } = await run(process.execPath, [
    cli, '-p', String(port), '-c', String(o.clients), '-n', String(requests / o.clients), '--pipeline', String(o.pipeline),
    '--ratio', '1:1', '--key-minimum', '0', '--key-maximum', String(o.keys - 1), '--key-digits', String(o.keyDigits), '--data-size', '3', '--quiet',
  ]);
  const totals = parseTotalsRow(stdout);
  if (totals.errors > 0) throw new Error(`shoal bench saw ${totals.errors} errors`);
  return { opsPerSec: totals.opsPerSec, userSeconds: cpu.user, systemSeconds: cpu.system, requests };
}

/** Ops/sec and Errors of the Totals row of shoal bench's console table (bench/console-report.ts). */
function parseTotalsRow(stdout: string): { opsPerSec: number; errors: number } {
  const match = /^Totals\s+([\d.]+)\s+[\d.]+\s+(\d+)\s/m.exec(stdout);
  if (match === null) throw new Error(`unexpected shoal bench output:\n${stdout}`);
  return { opsPerSec: Number(match[1]), errors: Number(match[2]) };
}

interface Options {
  rounds: number;
  clients: number;
  requests: number;
  pipeline: number;
  keys: number;
  keyDigits: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { rounds: 5, clients: 50, requests: 400_000, pipeline: 16, keys: 100_000, keyDigits: 12 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, '') as keyof Options;
    if (!(key in options)) throw new Error(`unknown option ${argv[i]}`);
    options[key] = Number(argv[i + 1]);
  }
  return options;
}

const userPerRequest = (m: Measurement): number => (m.userSeconds / m.requests) * 1e6;
const systemPerRequest = (m: Measurement): number => (m.systemSeconds / m.requests) * 1e6;
const cpuPerRequest = (m: Measurement): number => userPerRequest(m) + systemPerRequest(m);

function describe(m: Measurement): string {
  return `${m.opsPerSec.toFixed(0)} ops/s ${cpuPerRequest(m).toFixed(3)} us CPU/req (user ${userPerRequest(m).toFixed(3)} + sys ${systemPerRequest(m).toFixed(3)})`;
}

const options = parseArgs(process.argv.slice(2).map((arg) => arg.replace(/^--key-digits$/, '--keyDigits')));
const port = await freePort();
const stopRedis = await startRedis(port);
// The redis-server is ours: stop it when the comparison is interrupted too.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    stopRedis();
    process.exit(130);
  });
}
// Other work on the machine inflates both tools' CPU per request (caches, hyper-threads): say how busy it was.
console.log(`load average at start: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; shoal bench --key-digits ${options.keyDigits}`);
const rows: { round: number; redisBenchmark: Measurement; shoalBench: Measurement }[] = [];
try {
  // One unrecorded shoal bench run warms Node's compile cache, as any second run would find it.
  await runShoalBench(port, { ...options, requests: options.clients * 2 });
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which tool goes first, so a drift in machine speed does not favour one of them.
    const order = round % 2 === 1 ? ['rb', 'shoal'] : ['shoal', 'rb'];
    const result: Partial<Record<string, Measurement>> = {};
    for (const tool of order) {
      await flushAll(port);
      result[tool] = tool === 'rb' ? await runRedisBenchmark(port, options) : await runShoalBench(port, options);
    }
    const row = { round, redisBenchmark: result.rb!, shoalBench: result.shoal! };
    rows.push(row);
    console.log(`round ${round}: redis-benchmark ${describe(row.redisBenchmark)} | shoal bench ${describe(row.shoalBench)}`);
  }
} finally {
  stopRedis();
}

const medianOf = (pick: (m: Measurement) => number, tool: 'redisBenchmark' | 'shoalBench'): number => median(rows.map((r) => pick(r[tool])));
const summary = (tool: 'redisBenchmark' | 'shoalBench'): string =>
  `${medianOf((m) => m.opsPerSec, tool).toFixed(0)} ops/s, ${medianOf(cpuPerRequest, tool).toFixed(3)} us CPU/request ` +
  `(user ${medianOf(userPerRequest, tool).toFixed(3)}, system ${medianOf(systemPerRequest, tool).toFixed(3)})`;
const throughputRatio = median(rows.map((r) => r.shoalBench.opsPerSec / r.redisBenchmark.opsPerSec));
const cpuRatio = median(rows.map((r) => cpuPerRequest(r.shoalBench) / cpuPerRequest(r.redisBenchmark)));
console.log(`\nmachine: ${os.availableParallelism()} cores, ${os.cpus()[0]?.model}, node ${process.version}, load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log(`median redis-benchmark: ${summary('redisBenchmark')}`);
console.log(`median shoal bench:     ${summary('shoalBench')}`);
console.log(`median per-round ratio shoal/redis-benchmark: throughput ${throughputRatio.toFixed(3)}, CPU per request ${cpuRatio.toFixed(3)}`);
