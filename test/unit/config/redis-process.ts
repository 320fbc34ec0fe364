// Test helper: a throwaway redis-server 7.0.15 listening only on a unix socket in a temp dir
// (no TCP port to race for), and a minimal RESP2 client for CONFIG commands.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Reply = string | number | null | Reply[] | { error: string };

function parse(buf: Buffer, pos: number): [Reply, number] | null {
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[pos]!);
  const line = buf.toString('latin1', pos + 1, eol);
  const p = eol + 2;
  switch (type) {
    case '+': return [line, p];
    case '-': return [{ error: line }, p];
    case ':': return [Number(line), p];
    case '$': {
      const n = Number(line);
      if (n < 0) return [null, p];
      if (p + n + 2 > buf.length) return null;
      return [buf.toString('latin1', p, p + n), p + n + 2];
    }
    case '*': {
      const n = Number(line);
      const items: Reply[] = [];
      let q = p;
      for (let i = 0; i < n; i++) {
        const r = parse(buf, q);
        if (!r) return null;
        items.push(r[0]);
        q = r[1];
      }
      return [items, q];
    }
    default: throw new Error('unexpected reply type ' + type);
  }
}

export class RedisProcess {
  readonly dir: string;
  readonly socketPath: string;
  private child: ChildProcess | undefined;
  private conn: net.Socket | undefined;
  private buffer = Buffer.alloc(0);
  private waiting: Array<(r: Reply) => void> = [];

  private constructor(dir: string) {
    this.dir = dir;
    this.socketPath = join(dir, 'redis.sock');
  }

  /** Start redis-server with `args` (a config file path may come first) plus its socket, dir and no TCP. */
  static async start(args: string[] = [], dir?: string): Promise<RedisProcess> {
    const r = new RedisProcess(dir ?? mkdtempSync(join(tmpdir(), 'shoal-config-')));
    r.child = spawn('redis-server', [...args, '--port', '0', '--unixsocket', r.socketPath, '--dir', r.dir], {
      stdio: ['ignore', 'ignore', 'pipe'],
      cwd: r.dir,
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        r.conn = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.createConnection(r.socketPath, () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (e) {
        if (Date.now() > deadline || r.child.exitCode !== null) throw new Error('redis-server did not start: ' + String(e));
        await new Promise((res) => setTimeout(res, 20));
      }
    }
    r.conn.on('data', (chunk: Buffer) => {
      r.buffer = Buffer.concat([r.buffer, chunk]);
      for (;;) {
        const parsed = parse(r.buffer, 0);
        if (!parsed) break;
        r.buffer = r.buffer.subarray(parsed[1]);
        r.waiting.shift()!(parsed[0]);
      }
    });
    return r;
  }

  command(args: string[]): Promise<Reply> {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
    for (const a of args) {
      const b = Buffer.from(a, 'latin1');
      parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
    }
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.conn!.write(Buffer.concat(parts));
    });
  }

  /** CONFIG GET as [name, value] pairs sorted by name. */
  async configGet(pattern: string): Promise<Array<[string, string]>> {
    const reply = (await this.command(['CONFIG', 'GET', pattern])) as string[];
    const pairs: Array<[string, string]> = [];
    for (let i = 0; i < reply.length; i += 2) pairs.push([reply[i]!, reply[i + 1]!]);
    return pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  async stop(removeDir = true): Promise<void> {
    this.conn?.destroy();
    if (this.child && this.child.exitCode === null) {
      const exited = new Promise((res) => this.child!.once('exit', res));
      this.child.kill('SIGKILL');
      await exited;
    }
    if (removeDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Run redis-server with arguments that should make it fail at start; its output, trimmed. */
export function redisServerStartError(args: string[], cwd: string): string {
  const r = spawnSync('redis-server', args, { cwd, encoding: 'latin1', timeout: 5000 });
  // Config errors go to stderr; errors logged before a log file is known go to stdout.
  return (r.stderr + r.stdout).trim();
}

/** Sort [name, value] pairs by name. */
export function sortPairs(pairs: Array<[string, string]>): Array<[string, string]> {
  return [...pairs].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
