// Test support for the persistence tests: a redis-server child with chosen arguments and a
// binary-safe connection, and a comparable "view" of a key through read commands on either side.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { objectEncoding } from '../../../src/commands/keys.ts';
import { encodeCommand, freePort, type LocalShoal } from '../commands/harness.ts';

/** The end of the first complete RESP reply in buf, or -1. */
function replyEnd(buf: Buffer, start: number): number {
  const eol = buf.indexOf('\r\n', start, 'latin1');
  if (eol < 0) return -1;
  const type = buf[start];
  const n = Number(buf.toString('latin1', start + 1, eol));
  let pos = eol + 2;
  if (type === 0x24 /* $ */) return n < 0 ? pos : buf.length >= pos + n + 2 ? pos + n + 2 : -1;
  if (type === 0x2a /* * */) {
    for (let i = 0; i < n; i++) {
      pos = replyEnd(buf, pos);
      if (pos < 0) return -1;
    }
  }
  return pos;
}

export class RedisProcess {
  private child!: ChildProcess;
  private socket!: net.Socket;
  private pending = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  port = 0;

  static async start(args: string[]): Promise<RedisProcess> {
    const r = new RedisProcess();
    r.port = await freePort();
    r.child = spawn('redis-server', ['--port', String(r.port), '--bind', '127.0.0.1', '--appendonly', 'no', ...args], { stdio: 'ignore' });
    for (let attempt = 0; ; attempt++) {
      try {
        r.socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(r.port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
        });
        break;
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    r.socket.on('data', (chunk: Buffer) => {
      r.pending = Buffer.concat([r.pending, chunk]);
      r.waiter?.();
    });
    // Wait until the dataset is loaded (commands answer -LOADING before).
    for (;;) {
      const reply = (await r.call(['PING'])).toString();
      if (reply === '+PONG\r\n') break;
      await new Promise((res) => setTimeout(res, 20));
    }
    return r;
  }

  async call(argv: string[]): Promise<Buffer> {
    this.socket.write(encodeCommand(argv));
    for (;;) {
      const end = this.pending.length === 0 ? -1 : replyEnd(this.pending, 0);
      if (end >= 0) {
        const reply = this.pending.subarray(0, end);
        this.pending = this.pending.subarray(end);
        return Buffer.from(reply);
      }
      await new Promise<void>((r) => (this.waiter = r));
      this.waiter = undefined;
    }
  }

  async stop(): Promise<void> {
    this.socket?.destroy();
    if (this.child.exitCode === null) {
      const exited = new Promise((r) => this.child.once('exit', r));
      this.child.kill('SIGKILL');
      await exited;
    }
  }
}

export type Call = (argv: string[]) => Promise<Buffer> | Buffer;

/** A caller for a LocalShoal that also answers OBJECT ENCODING (not dispatchable in the harness). */
export function localCaller(local: LocalShoal): Call {
  return (argv) => {
    if (argv[0] === 'OBJECT') {
      const value = local.keyspace.lookupRead(local.ctx.db, argv[2]!);
      const encoding = value === undefined ? 'none' : objectEncoding(value);
      return Buffer.from(`$${encoding.length}\r\n${encoding}\r\n`, 'latin1');
    }
    return local.call(argv);
  };
}

/** The elements of a flat array reply. */
export function arrayItems(text: string): string[] {
  const items: string[] = [];
  let p = text.indexOf('\r\n') + 2;
  while (p < text.length) {
    const eol = text.indexOf('\r\n', p);
    const n = Number(text.slice(p + 1, eol));
    items.push(text.slice(eol + 2, eol + 2 + n));
    p = eol + 2 + n + 2;
  }
  return items;
}

/**
 * What a key looks like through read commands: type, encoding, contents (sorted for hashtable
 * encodings, whose order is Redis's dict order) and PEXPIRETIME.
 */
export async function view(call: Call, key: string): Promise<string[]> {
  const type = (await call(['TYPE', key])).toString('latin1').slice(1, -2);
  const encoding = (await call(['OBJECT', 'ENCODING', key])).toString('latin1');
  const out = [type, encoding, (await call(['PEXPIRETIME', key])).toString('latin1')];
  let reply: Buffer;
  if (type === 'string') reply = await call(['GET', key]);
  else if (type === 'list') reply = await call(['LRANGE', key, '0', '-1']);
  else if (type === 'set') reply = await call(['SMEMBERS', key]);
  else if (type === 'hash') reply = await call(['HGETALL', key]);
  else if (type === 'zset') reply = await call(['ZRANGE', key, '0', '-1', 'WITHSCORES']);
  else reply = await call(['XRANGE', key, '-', '+']);
  const text = reply.toString('latin1');
  if (!encoding.includes('hashtable')) return [...out, text];
  const items = arrayItems(text);
  if (type === 'hash') {
    const pairs: string[] = [];
    for (let i = 0; i < items.length; i += 2) pairs.push(items[i] + '\u0000' + items[i + 1]);
    return [...out, ...pairs.sort()];
  }
  return [...out, ...items.sort()];
}
