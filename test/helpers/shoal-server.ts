import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const NODE = process.execPath;

/** A port the OS had free a moment ago (bind to 0, read it, close). */
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

export interface RunningServer {
  port: number;
  process: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Starts a real shoal server process (the pinned Node running src/main.ts) and resolves once it logs
 * that it accepts connections. Retries on another port if the one picked was taken meanwhile.
 */
export async function startShoal(args: string[] = [], attempts = 3): Promise<RunningServer> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await startOn(port, args);
    } catch (err) {
      if (attempt >= attempts || !String(err).includes('EADDRINUSE')) throw err;
    }
  }
}

function startOn(port: number, args: string[]): Promise<RunningServer> {
  // A server without --dir works in a fresh directory: a dump.rdb or AOF left in the project by
  // anything else must never be loaded into a test's server.
  const ownDir = args.includes('--dir') ? null : mkdtempSync(join(tmpdir(), 'shoal-test-'));
  const dirArgs = ownDir === null ? [] : ['--dir', ownDir];
  const child = spawn(NODE, [`${ROOT}src/main.ts`, '--port', String(port), '--save', '', '--bind', '127.0.0.1', ...dirArgs, ...args], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (ownDir !== null) child.once('exit', () => rmSync(ownDir, { recursive: true, force: true }));
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5000).unref();
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`shoal did not start within 20 s:\n${log}`));
    }, 20_000);
    const onData = (): void => {
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve({ port, process: child, output: () => log, stop });
      }
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`shoal exited with ${code} before it was ready:\n${log}`));
    });
  });
}

/** Resolves once a server on `port` answers PING (bounded: rejects after `timeoutMs`). */
export async function waitForPing(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.setTimeout(1000, () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('data', (d) => {
        socket.destroy();
        resolve(d.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`no PONG from port ${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
