// Runs command handlers in-process against a real Keyspace, and the same commands against a real
// redis-server 7.0.15, so tests can compare the reply bytes.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { CommandContext, CommandFamily, NotifyClass } from '../../../src/commands/context.ts';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { ReplyWriter } from '../../../src/resp/reply-writer.ts';
import { ClientState } from '../../../src/shard/client-state.ts';
import type { Database } from '../../../src/shard/database.ts';
import { Keyspace } from '../../../src/shard/keyspace.ts';

export interface RecordedEvent {
  db: number;
  key: string;
  event: string;
  cls: NotifyClass;
}

/** One shard's keyspace with a context around it, recording what handlers notify and propagate. */
export class KeyHarness {
  readonly keyspace: Keyspace;
  readonly client = new ClientState(1);
  readonly writer = new ReplyWriter(256);
  readonly events: RecordedEvent[] = [];
  readonly expired: Array<{ db: number; key: string }> = [];
  readonly propagated: string[][] = [];
  readonly config = ServerConfig.defaults();
  readonly ctx: CommandContext;
  private readonly family: CommandFamily;

  constructor(family: CommandFamily) {
    this.family = family;
    const expired = this.expired;
    this.keyspace = new Keyspace({
      keyExpired(db: Database, key: string): void {
        expired.push({ db: db.index, key });
      },
    });
    const events = this.events;
    const propagated = this.propagated;
    const keyspace = this.keyspace;
    const ctx: CommandContext = {
      reply: this.writer,
      keyspace,
      db: keyspace.dbs[0]!,
      client: this.client,
      config: this.config,
      changed(key: string, event: string, cls: NotifyClass): void {
        events.push({ db: ctx.db.index, key, event, cls });
      },
      notify(key: string, event: string, cls: NotifyClass): void {
        events.push({ db: ctx.db.index, key, event, cls });
      },
      propagate(argv: string[]): void {
        propagated.push(argv);
      },
      block(_keys: string[], _timeoutMs: number, timeoutReply: 'null-array' | 'nil'): void {
        if (timeoutReply === 'nil') ctx.reply.nil();
        else ctx.reply.nullArray();
      },
    };
    this.ctx = ctx;
  }

  /** CONFIG SET on the harness's configuration; throws on a rejected value. */
  configSet(name: string, value: string): void {
    const error = this.config.set([[name, value]]);
    if (error !== null) throw new Error(error);
  }

  get db(): Database {
    return this.ctx.db;
  }

  select(index: number): void {
    this.ctx.db = this.keyspace.dbs[index]!;
    this.client.dbIndex = index;
  }

  /** Runs one command (argv[0] names it; OBJECT's subcommand is argv[1]) and returns its reply bytes. */
  run(...argv: string[]): Buffer {
    let name = argv[0]!.toLowerCase();
    if (name === 'object') name = `object|${argv[1]!.toLowerCase()}`;
    const handler = this.family[name];
    if (handler === undefined) throw new Error(`no handler for ${name}`);
    this.keyspace.now = Date.now();
    handler(this.ctx, argv);
    return this.writer.take();
  }

  /** run() as a string, for readable assertions. */
  text(...argv: string[]): string {
    return this.run(...argv).toString('latin1');
  }
}

export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

export function encodeCommand(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const arg of argv) s += `$${arg.length}\r\n${arg}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** Length of the first complete RESP reply in buf from offset, or -1 when it is incomplete. */
export function replyLength(buf: Buffer, offset = 0): number {
  const end = buf.indexOf('\r\n', offset, 'latin1');
  if (end === -1) return -1;
  const type = String.fromCharCode(buf[offset]!);
  const line = buf.toString('latin1', offset + 1, end);
  const after = end + 2;
  switch (type) {
    case '+':
    case '-':
    case ':':
    case ',':
    case '#':
    case '_':
    case '(':
      return after - offset;
    case '$':
    case '=':
    case '!': {
      const n = Number(line);
      if (n < 0) return after - offset;
      if (buf.length < after + n + 2) return -1;
      return after + n + 2 - offset;
    }
    case '*':
    case '~':
    case '>':
    case '%': {
      let n = Number(line);
      if (n < 0) return after - offset;
      if (type === '%') n *= 2;
      let pos = after;
      for (let i = 0; i < n; i++) {
        const len = replyLength(buf, pos);
        if (len === -1) return -1;
        pos += len;
      }
      return pos - offset;
    }
    default:
      throw new Error(`unexpected reply type ${type}`);
  }
}

/** A redis-server 7.0.15 of the test's own, spoken to over a raw socket, one command at a time. */
export class RedisOracle {
  private process: ChildProcess | undefined;
  private socket: net.Socket | undefined;
  private pending = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  port = 0;

  async start(extraArgs: string[] = []): Promise<void> {
    this.port = await freePort();
    this.process = spawn('redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no', ...extraArgs], {
      stdio: 'ignore',
    });
    for (let attempt = 0; ; attempt++) {
      try {
        this.socket = await new Promise<net.Socket>((resolve, reject) => {
          const socket = net.connect(this.port, '127.0.0.1', () => resolve(socket));
          socket.once('error', reject);
        });
        break;
      } catch (err) {
        if (attempt > 100) throw err;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    this.socket.on('data', (chunk: Buffer) => {
      this.pending = Buffer.concat([this.pending, chunk]);
      this.waiter?.();
    });
  }

  /** Sends one command and returns its reply's bytes. */
  async send(...argv: string[]): Promise<Buffer> {
    this.socket!.write(encodeCommand(argv));
    for (;;) {
      if (this.pending.length > 0) {
        const len = replyLength(this.pending);
        if (len !== -1) {
          const reply = this.pending.subarray(0, len);
          this.pending = this.pending.subarray(len);
          return Buffer.from(reply);
        }
      }
      await new Promise<void>((resolve) => (this.waiter = resolve));
      this.waiter = undefined;
    }
  }

  async text(...argv: string[]): Promise<string> {
    return (await this.send(...argv)).toString('latin1');
  }

  async stop(): Promise<void> {
    this.socket?.destroy();
    const child = this.process;
    if (child !== undefined && child.exitCode === null) {
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    }
  }
}
