// What a client sees while the server saves: the largest and the 99.9th percentile latency of a
// steady GET/SET load during BGSAVE of N keys, against the same load without a save, for
// redis-server (fork), shoal's old BGSAVE (every worker locked while the file is written:
// SHOAL_BGSAVE_LOCKING=1) and shoal's copy-on-write BGSAVE, in one run.
//
//   npm run bench:bgsave-latency -- [--keys 1000000] [--clients 8] [--threads 2] [--baseline-ms 3000] [--targets redis,old,cow]
//
// The load: `clients` connections, each with one request in flight (SET or GET of a random key
// among the loaded ones, half each), timed from write to reply. Requests sent between BGSAVE and the
// moment INFO reports the save finished are "during"; the same load for baseline-ms with no save
// is "without".
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitForPing } from './bench-servers.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

const KEYS = option('keys', 1_000_000);
const CLIENTS = option('clients', 8);
const THREADS = option('threads', 2);
const BASELINE_MS = option('baseline-ms', 3000);
const VALUE = 'v'.repeat(16);
/** --targets redis,old,cow: which of the three to run (all by default). */
const ONLY = (process.argv.includes('--targets') ? process.argv[process.argv.indexOf('--targets') + 1]! : 'redis,old,cow').split(',');

interface Target {
  id: string;
  name: string;
  start: (dir: string, port: number) => ReturnType<typeof spawn>;
}

const TARGETS: Target[] = [
  {
    id: 'redis',
    name: 'redis-server 7.0 (fork)',
    start: (dir, port) => spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' }),
  },
  {
    id: 'old',
    name: `shoal, ${THREADS} workers, old BGSAVE (all workers locked)`,
    start: (dir, port) => spawn(process.execPath, [`${ROOT}src/main.ts`, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--threads', String(THREADS)], {
      stdio: 'ignore', env: { ...process.env, SHOAL_BGSAVE_LOCKING: '1' },
    }),
  },
  {
    id: 'cow',
    name: `shoal, ${THREADS} workers, copy-on-write BGSAVE`,
    start: (dir, port) => spawn(process.execPath, [`${ROOT}src/main.ts`, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--threads', String(THREADS)], {
      stdio: 'ignore', env: { ...process.env, SHOAL_BGSAVE_LOCKING: '0' },
    }),
  },
];

function command(...args: string[]): string {
  let s = `*${args.length}\r\n`;
  for (const a of args) s += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return s;
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => resolve(socket));
    socket.setNoDelay(true);
    socket.once('error', reject);
  });
}

/** Loads `KEYS` string keys with pipelined SETs (batches of 10k, waiting for each batch's replies). */
async function loadKeys(port: number): Promise<void> {
  const socket = await connect(port);
  const batch = 10_000;
  for (let start = 0; start < KEYS; start += batch) {
    const end = Math.min(KEYS, start + batch);
    let text = '';
    for (let i = start; i < end; i++) text += command('SET', `key:${i}`, VALUE);
    await new Promise<void>((resolve) => {
      let pending = end - start;
      const onData = (d: Buffer): void => {
        for (let i = 0; i < d.length; i++) if (d[i] === 10) pending--;
        if (pending <= 0) {
          socket.off('data', onData);
          resolve();
        }
      };
      socket.on('data', onData);
      socket.write(text, 'latin1');
    });
  }
  socket.destroy();
}

/** One request at a time on its own connection; records each latency (ms) with its start time. */
class LoadClient {
  private readonly socket: net.Socket;
  private sentAt = 0;
  private buf = '';
  private stopped = false;
  private done: () => void = () => {};
  readonly starts: number[] = [];
  readonly latencies: number[] = [];

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => this.onData(d));
  }

  run(): Promise<void> {
    return new Promise((resolve) => {
      this.done = resolve;
      this.send();
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private send(): void {
    if (this.stopped) {
      this.done();
      return;
    }
    const key = `key:${Math.floor(Math.random() * KEYS)}`;
    const text = Math.random() < 0.5 ? command('GET', key) : command('SET', key, VALUE);
    this.sentAt = performance.now();
    this.socket.write(text, 'latin1');
  }

  private onData(d: string): void {
    this.buf += d;
    // One reply in flight: +OK, $-1 or $<n> and its payload.
    if (!this.buf.endsWith('\r\n')) return;
    if (this.buf[0] === '$' && !this.buf.startsWith('$-1')) {
      const n = Number(this.buf.slice(1, this.buf.indexOf('\r')));
      if (this.buf.length < this.buf.indexOf('\n') + 1 + n + 2) return;
    }
    const now = performance.now();
    this.starts.push(this.sentAt);
    this.latencies.push(now - this.sentAt);
    this.buf = '';
    this.send();
  }
}

interface Figures {
  requests: number;
  max: number;
  p999: number;
  p99: number;
}

function figures(latencies: number[]): Figures {
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { requests: sorted.length, max: sorted[sorted.length - 1] ?? 0, p999: at(0.999), p99: at(0.99) };
}

async function infoField(port: number, field: string): Promise<string> {
  const socket = await connect(port);
  return new Promise((resolve) => {
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => {
      text += d;
      const m = new RegExp(`${field}:([^\\r]*)\\r\\n`).exec(text);
      if (m) {
        socket.destroy();
        resolve(m[1]!);
      }
    });
    socket.write(command('INFO', 'persistence'));
  });
}

async function simple(port: number, ...args: string[]): Promise<string> {
  const socket = await connect(port);
  return new Promise((resolve) => {
    socket.setEncoding('latin1');
    socket.once('data', (d: string) => {
      socket.destroy();
      resolve(d.trim());
    });
    socket.write(command(...args));
  });
}

/** Runs the load; with `save`, BGSAVE goes out after 500 ms and "during" is until INFO says it ended. */
async function measure(port: number, save: boolean): Promise<{ during: Figures; saveMs: number }> {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, async () => new LoadClient(await connect(port))));
  const running = clients.map((c) => c.run());
  await new Promise((r) => setTimeout(r, 500));
  const from = performance.now();
  let to: number;
  if (save) {
    const reply = await simple(port, 'BGSAVE');
    if (!reply.startsWith('+Background saving started')) throw new Error(`BGSAVE: ${reply}`);
    while ((await infoField(port, 'rdb_bgsave_in_progress')) !== '0') await new Promise((r) => setTimeout(r, 10));
    to = performance.now();
    if ((await infoField(port, 'rdb_last_bgsave_status')) !== 'ok') throw new Error('BGSAVE failed');
  } else {
    await new Promise((r) => setTimeout(r, BASELINE_MS));
    to = performance.now();
  }
  await new Promise((r) => setTimeout(r, 300));
  for (const c of clients) c.stop();
  await Promise.all(running);
  const window: number[] = [];
  for (const c of clients) {
    for (let i = 0; i < c.starts.length; i++) {
      // A request counts when it was in flight at any moment of the window.
      if (c.starts[i]! <= to && c.starts[i]! + c.latencies[i]! >= from) window.push(c.latencies[i]!);
    }
  }
  return { during: figures(window), saveMs: to - from };
}

function ms(n: number): string {
  return n.toFixed(2);
}

async function main(): Promise<void> {
  const rows: string[] = [];
  for (const target of TARGETS.filter((t) => ONLY.includes(t.id))) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bgsave-latency-'));
    const port = await freePort();
    const child = target.start(dir, port);
    try {
      await waitForPing(port);
      const t0 = performance.now();
      await loadKeys(port);
      console.error(`${target.name}: ${KEYS} keys loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      const without = await measure(port, false);
      const during = await measure(port, true);
      const size = fs.statSync(path.join(dir, 'dump.rdb')).size;
      const row = `| ${target.name} | ${ms(without.during.p999)} | ${ms(without.during.max)} | ${ms(during.during.p999)} | ${ms(during.during.max)} | ${(during.saveMs / 1000).toFixed(2)} | ${(size / 1e6).toFixed(1)} | ${during.during.requests} |`;
      console.error(row);
      rows.push(row);
    } finally {
      child.kill('SIGKILL');
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  console.log(`BGSAVE of ${KEYS} keys, ${CLIENTS} clients (GET/SET, one request in flight each), ${os.cpus().length} cores (${os.cpus()[0]?.model ?? '?'}), load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  console.log('');
  console.log('| server | p99.9 without save (ms) | max without save (ms) | p99.9 during BGSAVE (ms) | max during BGSAVE (ms) | save took (s) | file (MB) | requests during save |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
}

await main();
