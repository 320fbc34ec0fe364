// Differential harness for command families: runs the same commands on the handlers in-process
// (a real Keyspace and ReplyWriter, a hand-built CommandContext) and on a real redis-server 7.0.15
// over a raw socket, and returns both replies as RESP bytes.

import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import type { CommandContext, CommandFamily, CommandHandler, NotifyClass } from '../../../src/commands/context.ts';
import { COMMAND_TABLE } from '../../../src/commands/table.generated.ts';
import { ReplyWriter } from '../../../src/resp/reply-writer.ts';
import { errWrongArity, errUnknownCommand } from '../../../src/resp/errors.ts';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { ClientState } from '../../../src/shard/client-state.ts';
import { Keyspace } from '../../../src/shard/keyspace.ts';

const ARITY = new Map<string, number>();
for (const c of COMMAND_TABLE) if (c.container === undefined) ARITY.set(c.name, c.arity);

/** A free TCP port on localhost (bind to 0, read it, release it). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/** The end offset of the first complete RESP reply in buf from `start`, or -1 if incomplete. */
function replyEnd(buf: Buffer, start: number): number {
  const lineEnd = buf.indexOf('\r\n', start, 'latin1');
  if (lineEnd < 0) return -1;
  const type = String.fromCharCode(buf[start]!);
  const n = Number(buf.toString('latin1', start + 1, lineEnd));
  let pos = lineEnd + 2;
  switch (type) {
    case '$':
    case '=':
    case '!':
      if (n < 0) return pos;
      return buf.length >= pos + n + 2 ? pos + n + 2 : -1;
    case '*':
    case '~':
    case '>':
    case '%': {
      if (n < 0) return pos;
      const count = type === '%' ? n * 2 : n;
      for (let i = 0; i < count; i++) {
        pos = replyEnd(buf, pos);
        if (pos < 0) return -1;
      }
      return pos;
    }
    default:
      return pos;
  }
}

/** RESP multibulk encoding of a command, bytes from latin1 strings. */
export function encodeCommand(argv: string[]): Buffer {
  let s = `*${argv.length}\r\n`;
  for (const a of argv) s += `$${a.length}\r\n${a}\r\n`;
  return Buffer.from(s, 'latin1');
}

/** A redis-server child on a free port and one raw connection to it. */
export class RealRedis {
  private process: ChildProcess | undefined;
  private socket: net.Socket | undefined;
  private pending = Buffer.alloc(0);
  private waiter: (() => void) | undefined;
  port = 0;

  async start(): Promise<void> {
    this.port = await freePort();
    this.process = spawn('redis-server', ['--port', String(this.port), '--save', '', '--appendonly', 'no', '--bind', '127.0.0.1'], {
      stdio: 'ignore',
    });
    for (let attempt = 0; ; attempt++) {
      try {
        this.socket = await new Promise<net.Socket>((resolve, reject) => {
          const s = net.connect(this.port, '127.0.0.1', () => resolve(s));
          s.once('error', reject);
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

  async stop(): Promise<void> {
    this.socket?.destroy();
    if (this.process !== undefined && this.process.exitCode === null) {
      const exited = new Promise((r) => this.process!.once('exit', r));
      this.process.kill('SIGTERM');
      await exited;
    }
  }

  /** Sends one command and returns its reply bytes. */
  async call(argv: string[]): Promise<Buffer> {
    this.socket!.write(encodeCommand(argv));
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
}

export interface Change {
  key: string;
  event: string;
  cls: NotifyClass;
}

/** The handlers of some families run against an in-process keyspace, recording what they report. */
export class LocalShoal {
  readonly keyspace = new Keyspace({ keyExpired: () => {} });
  readonly reply = new ReplyWriter();
  readonly client = new ClientState(1);
  readonly config = ServerConfig.defaults();
  readonly changes: Change[] = [];
  readonly notifications: Change[] = [];
  readonly propagated: string[][] = [];
  private readonly handlers = new Map<string, CommandHandler>();
  readonly ctx: CommandContext;

  constructor(families: CommandFamily[]) {
    for (const family of families) for (const [name, handler] of Object.entries(family)) this.handlers.set(name, handler);
    const self = this;
    this.ctx = {
      reply: this.reply,
      keyspace: this.keyspace,
      db: this.keyspace.dbs[0]!,
      client: this.client,
      config: this.config,
      changed(key, event, cls) {
        self.changes.push({ key, event, cls });
      },
      notify(key, event, cls) {
        self.notifications.push({ key, event, cls });
      },
      propagate(argv) {
        self.propagated.push(argv);
      },
      // In-process there is nobody to wait for: answer as a timeout would.
      block(_keys, _timeoutMs, timeoutReply) {
        if (timeoutReply === 'nil') this.reply.nil();
        else this.reply.nullArray();
      },
    };
  }

  /** Runs one command as the engine would (arity check first) and returns its reply bytes. */
  call(argv: string[]): Buffer {
    const name = argv[0]!.toLowerCase();
    const handler = this.handlers.get(name);
    const arity = ARITY.get(name);
    if (handler === undefined || arity === undefined) {
      this.reply.error(errUnknownCommand(argv));
    } else if ((arity > 0 && argv.length !== arity) || argv.length < -arity) {
      this.reply.error(errWrongArity(name));
    } else {
      this.keyspace.now = Date.now();
      handler(this.ctx, argv);
    }
    return this.reply.take();
  }
}

/** Readable form of RESP bytes for assertion messages. */
export function show(b: Buffer): string {
  return JSON.stringify(b.toString('latin1'));
}

/**
 * Runs each command on both and returns the first disagreement as text, or undefined when every
 * reply is byte-identical.
 */
export async function compareSequence(local: LocalShoal, redis: RealRedis, commands: string[][]): Promise<string | undefined> {
  for (const argv of commands) {
    const expected = await redis.call(argv);
    const actual = local.call(argv);
    if (!expected.equals(actual)) {
      return `${JSON.stringify(argv)}: redis ${show(expected)} shoal ${show(actual)}`;
    }
  }
  return undefined;
}
