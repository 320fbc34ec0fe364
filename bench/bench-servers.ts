// Starting redis-server and shoal side by side for the comparison scripts (vs-redis, types-vs-redis,
// memory-vs-redis), and reading a server process's CPU time and memory from /proc.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK']).stdout.toString().trim()) || 100;

export interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/** A port the OS had free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** utime + stime of a process (every thread), in seconds. */
export function cpuSeconds(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** Resolves once the server on `port` answers PING (20 s at most). */
export async function waitForPing(port: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server on ${port} did not answer PING`);
}

/**
 * Starts 'redis' (redis-server) or 'shoal' with `threads` workers, without persistence, on a free
 * port; `extra` directives follow the common ones (e.g. --dir, --replicaof). `cpus` (a taskset CPU
 * list such as "1") keeps the server and all its threads on those CPUs.
 */
export async function startServer(name: string, threads: number, extra: readonly string[] = [], cpus: string | null = null): Promise<Server> {
  const port = await freePort();
  const common = ['--port', String(port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1', ...extra];
  const command = name === 'redis' ? ['redis-server', ...common] : [process.execPath, `${ROOT}src/main.ts`, ...common, '--threads', String(threads)];
  // taskset execs the server, so the child's pid (read for CPU time) is the server's own.
  const argv = cpus === null ? command : ['taskset', '-c', cpus, ...command];
  const child = spawn(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  await waitForPing(port);
  return { name, port, child };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
