import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { tmpdir } from 'node:os';

// Test helpers: real redis-server processes on OS-chosen ports, waited on until they answer PING.

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Sends raw RESP and resolves with the reply text once `done(text)` says it is complete. */
export function rawCommand(port: number, request: string, done: (reply: string) => boolean = (r) => r.endsWith('\r\n')): Promise<string> {
  return new Promise((resolve, reject) => {
    let reply = '';
    const socket = net.connect(port, '127.0.0.1', () => socket.write(request));
    socket.on('data', (chunk) => {
      reply += chunk.toString('latin1');
      if (done(reply)) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
  });
}

export function command(port: number, ...words: string[]): Promise<string> {
  return rawCommand(port, `*${words.length}\r\n${words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join('')}`, (reply) => isCompleteReply(reply));
}

/** Enough RESP2 for the replies tests read (simple, bulk, integer, error). */
function isCompleteReply(reply: string): boolean {
  if (!reply.endsWith('\r\n')) return false;
  if (reply[0] !== '$') return true;
  const length = Number(reply.slice(1, reply.indexOf('\r\n')));
  return length < 0 || reply.length >= reply.indexOf('\r\n') + 2 + length + 2;
}

export interface RedisProcess {
  port: number;
  stop(): Promise<void>;
}

export async function startRedis(extraArgs: string[] = []): Promise<RedisProcess> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    // A data file of its own that does not exist: redis-server loads dump.rdb from its working
    // directory at start, and a cluster node takes the slots of whatever keys it loaded.
    const dataFile = ['--dir', tmpdir(), '--dbfilename', `shoal-bench-test-${process.pid}-${port}.rdb`];
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...dataFile, ...extraArgs], { stdio: 'ignore' });
    if (await waitForPing(port, child)) {
      return {
        port,
        stop: () =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            child.once('exit', () => resolve());
            child.kill('SIGKILL');
          }),
      };
    }
    child.kill('SIGKILL');
    // Another process took the port between freePort() and redis-server's bind: try again.
    if (attempt === 3) throw new Error('redis-server did not start');
  }
}

async function waitForPing(port: number, child: ChildProcess): Promise<boolean> {
  for (let i = 0; i < 400 && child.exitCode === null; i++) {
    try {
      if ((await command(port, 'PING')) === '+PONG\r\n') return true;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return false;
}
