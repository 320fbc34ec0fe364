// Test helper: a private redis-server 7.0.15 on an OS-chosen free port, and a raw-socket exchange
// that returns exactly the bytes Redis replies to the bytes sent.
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface RedisServer {
  port: number;
  stop(): Promise<void>;
}

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

export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  // A data file name no run writes (--save ''): a dump.rdb left in the working directory is not loaded.
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dbfilename', `nothing-${process.pid}-${port}.rdb`], { stdio: 'ignore' });
  // Wait until it accepts connections.
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    stop: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

/**
 * Sends bytes on a fresh connection and returns everything Redis replies before it closes the
 * connection (it does after a protocol error) or stays quiet for quietMs (it waits for more input).
 */
export function exchange(port: number, bytes: Buffer, quietMs = 250): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const arm = () => { clearTimeout(timer); timer = setTimeout(finish, quietMs); };
    socket.on('data', (d) => { chunks.push(d); arm(); });
    socket.on('close', finish);
    socket.on('error', finish);
    socket.on('connect', () => { socket.write(bytes); arm(); });
  });
}
