// Test helper: a redis-server 7.0.15 that loads an AOF directory, and redis-check-aof.
import { spawn, spawnSync } from 'node:child_process';
import net from 'node:net';
import { Redis } from 'ioredis';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export interface RedisOnAof {
  client: Redis;
  log: () => string;
  stop: () => Promise<void>;
}

/** Starts redis-server with appendonly on `dir`, so it loads the AOF found there; rejects if it exits. */
export async function startRedisOnAof(dir: string, appenddirname = 'appendonlydir', appendfilename = 'appendonly.aof'): Promise<RedisOnAof> {
  const port = await freePort();
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes',
    '--appenddirname', appenddirname, '--appendfilename', appendfilename, '--save', '',
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr.on('data', (d: Buffer) => (log += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start:\n${log}`)), 10_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}:\n${log}`));
    });
    child.stdout.on('data', () => {
      if (log.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 1 });
  await client.connect();
  return {
    client,
    log: () => log,
    stop: async () => {
      client.disconnect();
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Runs redis-check-aof on a manifest or AOF file: its exit status and output. */
export function checkAof(file: string): { status: number | null; output: string } {
  const result = spawnSync('redis-check-aof', [file], { encoding: 'latin1' });
  return { status: result.status, output: result.stdout + result.stderr };
}
