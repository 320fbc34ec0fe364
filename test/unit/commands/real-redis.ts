// Test helper: a throwaway redis-server 7.0.15 on an OS-chosen port, and a raw RESP connection to
// it that returns each reply's exact bytes (for byte-for-byte comparisons) or a parsed value.

import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export type RespValue = string | number | null | RespValue[] | { error: string };

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

export function encodeCommand(args: readonly string[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(a);
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

// Returns the end offset of the complete RESP value at pos, or -1 when more bytes are needed.
function replyEnd(buf: Buffer, pos: number): number {
  if (pos >= buf.length) return -1;
  const eol = buf.indexOf('\r\n', pos);
  if (eol < 0) return -1;
  const type = String.fromCharCode(buf[pos]);
  const n = Number(buf.toString('latin1', pos + 1, eol));
  let p = eol + 2;
  switch (type) {
    case '$':
    case '=':
    case '!':
      if (n < 0) return p;
      return p + n + 2 <= buf.length ? p + n + 2 : -1;
    case '*':
    case '~':
    case '>':
    case '%': {
      const count = type === '%' ? n * 2 : n;
      for (let i = 0; i < count; i++) {
        p = replyEnd(buf, p);
        if (p < 0) return -1;
      }
      return p;
    }
    default:
      return p;
  }
}

// With `typed`, every value carries its RESP type: scalars become "<type>text" strings and
// aggregates start with their type character, so comparisons see set-vs-array differences.
export function parseReply(buf: Buffer, pos = 0, typed = false): [RespValue, number] {
  const eol = buf.indexOf('\r\n', pos);
  const type = String.fromCharCode(buf[pos]);
  const line = buf.toString('utf8', pos + 1, eol);
  let p = eol + 2;
  switch (type) {
    case '+':
      return [typed ? `+${line}` : line, p];
    case '-':
      return [{ error: line }, p];
    case ':':
      return [typed ? `:${line}` : Number(line), p];
    case '_':
      return [typed ? '_' : null, p];
    case '$': {
      const n = Number(line);
      if (n < 0) return [typed ? '$-1' : null, p];
      const s = buf.toString('utf8', p, p + n);
      return [typed ? `$${s}` : s, p + n + 2];
    }
    case '*':
    case '~':
    case '%': {
      const n = Number(line);
      if (n < 0) return [null, p];
      const count = type === '%' ? n * 2 : n;
      const out: RespValue[] = typed ? [type] : [];
      for (let i = 0; i < count; i++) {
        let v: RespValue;
        [v, p] = parseReply(buf, p, typed);
        out.push(v);
      }
      return [out, p];
    }
    default:
      throw new Error(`unexpected RESP type ${type}`);
  }
}

export class RawConnection {
  private buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private readonly socket: net.Socket;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d) => {
      this.buffer = Buffer.concat([this.buffer, d]);
      for (const w of this.waiters.splice(0)) w();
    });
  }

  // Sends one command and returns the exact bytes of its reply.
  async raw(args: readonly string[]): Promise<Buffer> {
    this.socket.write(encodeCommand(args));
    for (;;) {
      const end = replyEnd(this.buffer, 0);
      if (end >= 0) {
        const reply = this.buffer.subarray(0, end);
        this.buffer = this.buffer.subarray(end);
        return reply;
      }
      await new Promise<void>((resolve) => this.waiters.push(resolve));
    }
  }

  async call(args: readonly string[]): Promise<RespValue> {
    return parseReply(await this.raw(args))[0];
  }

  close(): void {
    this.socket.destroy();
  }
}

export interface RealRedis {
  connect(): Promise<RawConnection>;
  stop(): void;
}

export async function startRealRedis(): Promise<RealRedis> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    '/usr/bin/redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const connectOnce = () =>
    new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => resolve(s));
      s.once('error', reject);
    });
  const connect = async (): Promise<RawConnection> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return new RawConnection(await connectOnce());
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };
  return { connect, stop: () => child.kill() };
}
