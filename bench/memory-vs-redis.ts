// Bytes per element of one big list, hash, set and sorted set in redis-server and in shoal: each
// type gets a fresh server of each kind, one key filled with N elements through pipelined
// RPUSH / HSET / SADD / ZADD batches, and the process RSS (/proc/<pid>/status VmRSS) read before and
// after filling, next to INFO used_memory (redis: its allocator's count; shoal: the dataset estimate
// maxmemory counts, start-up memory + keys x sampled serialized size, not a heap figure).
//
//   node bench/memory-vs-redis.ts [--elements 1000000] [--threads 1] [--batch 1000] [--json-out file]
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { rssBytes, startServer, type Server } from './bench-servers.ts';

interface Options {
  elements: number;
  threads: number[];
  batch: number;
  types: string[];
  jsonOut: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { elements: 1_000_000, threads: [1], batch: 1000, types: ['list', 'hash', 'set', 'zset'], jsonOut: null };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--elements': options.elements = Number(value); break;
      case '--threads': options.threads = value.split(',').map(Number); break;
      case '--batch': options.batch = Number(value); break;
      case '--types': options.types = value.split(','); break;
      case '--json-out': options.jsonOut = value; break;
      default: throw new Error(`unknown option ${argv[i]}`);
    }
  }
  return options;
}







function encode(args: string[]): string {
  let out = `*${args.length}\r\n`;
  for (const arg of args) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

/** A connection that sends pipelined commands whose replies are one line each (integers, errors). */
class Connection {
  private socket: net.Socket;
  private pending = 0;
  private buffered: Buffer = Buffer.alloc(0);
  private waiter: (() => void) | null = null;
  private errors: string[] = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
  }

  static open(port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends commands whose replies are single lines; resolves once all of them have arrived. */
  lines(commands: string[][]): Promise<string[]> {
    this.pending += commands.length;
    this.socket.on('data', this.onLines);
    const done = new Promise<void>((resolve) => { this.waiter = resolve; });
    this.socket.write(commands.map(encode).join(''));
    return done.then(() => {
      this.socket.off('data', this.onLines);
      const errors = this.errors;
      this.errors = [];
      return errors;
    });
  }

  private onLines = (data: Buffer): void => {
    let start = 0;
    for (let i = data.indexOf(10); i !== -1; i = data.indexOf(10, i + 1)) {
      if (data[start] === 45 /* '-' */) this.errors.push(data.toString('latin1', start, i - 1));
      start = i + 1;
      this.pending--;
    }
    if (this.pending === 0 && this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter();
    }
  };

  /** Sends one command whose reply is a bulk string and returns it. */
  bulk(args: string[]): Promise<string> {
    this.buffered = Buffer.alloc(0);
    return new Promise((resolve) => {
      const onData = (data: Buffer): void => {
        this.buffered = Buffer.concat([this.buffered, data]);
        const header = this.buffered.indexOf('\r\n');
        if (header === -1) return;
        const length = Number(this.buffered.toString('latin1', 1, header));
        if (this.buffered.length < header + 2 + length + 2) return;
        this.socket.off('data', onData);
        resolve(this.buffered.toString('utf8', header + 2, header + 2 + length));
      };
      this.socket.on('data', onData);
      this.socket.write(encode(args));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function element(i: number): string {
  return `element:${String(i).padStart(9, '0')}`; // 17 bytes
}

function fillCommand(type: string, from: number, to: number): string[] {
  const args: string[] = [];
  switch (type) {
    case 'list': args.push('RPUSH', 'key'); for (let i = from; i < to; i++) args.push(element(i)); break;
    case 'hash': args.push('HSET', 'key'); for (let i = from; i < to; i++) args.push(element(i), element(i)); break;
    case 'set': args.push('SADD', 'key'); for (let i = from; i < to; i++) args.push(element(i)); break;
    case 'zset': args.push('ZADD', 'key'); for (let i = from; i < to; i++) args.push(String(i), element(i)); break;
    default: throw new Error(`unknown type ${type}`);
  }
  return args;
}

const LENGTH_COMMAND: Record<string, string> = { list: 'LLEN', hash: 'HLEN', set: 'SCARD', zset: 'ZCARD' };

async function usedMemory(connection: Connection): Promise<number> {
  const info = await connection.bulk(['INFO', 'memory']);
  const match = /used_memory:(\d+)/.exec(info);
  return match ? Number(match[1]) : NaN;
}

interface Measure {
  rssBefore: number;
  rssAfter: number;
  usedBefore: number;
  usedAfter: number;
  seconds: number;
}

async function measure(server: Server, type: string, options: Options): Promise<Measure> {
  const connection = await Connection.open(server.port);
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up settle
    const usedBefore = await usedMemory(connection);
    const rssBefore = rssBytes(server.child.pid!);
    const started = process.hrtime.bigint();
    const perWrite = 16; // commands per pipelined write
    for (let from = 0; from < options.elements; from += options.batch * perWrite) {
      const commands: string[][] = [];
      for (let f = from; f < Math.min(options.elements, from + options.batch * perWrite); f += options.batch) {
        commands.push(fillCommand(type, f, Math.min(options.elements, f + options.batch)));
      }
      const errors = await connection.lines(commands);
      if (errors.length) throw new Error(`${server.name} ${type}: ${errors[0]}`);
    }
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const [lengthError] = await connection.lines([[LENGTH_COMMAND[type]!, 'key']]);
    if (lengthError) throw new Error(`${server.name} ${type}: ${lengthError}`);
    await new Promise((r) => setTimeout(r, 1000)); // let the server finish background work
    const rssAfter = rssBytes(server.child.pid!);
    const usedAfter = await usedMemory(connection);
    return { rssBefore, rssAfter, usedBefore, usedAfter, seconds };
  } finally {
    connection.close();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const n = options.elements;
  const rows: Array<Record<string, number | string>> = [];
  for (const threads of options.threads) {
    for (const type of options.types) {
      const results = new Map<string, Measure>();
      for (const name of ['redis', 'shoal']) {
        const server = await startServer(name, threads);
        try {
          results.set(name, await measure(server, type, options));
        } finally {
          server.child.kill('SIGKILL');
        }
      }
      const r = results.get('redis')!;
      const s = results.get('shoal')!;
      const row = {
        type, threads, elements: n,
        redisRssPerElement: Math.round((r.rssAfter - r.rssBefore) / n),
        redisUsedPerElement: Math.round((r.usedAfter - r.usedBefore) / n),
        shoalRssPerElement: Math.round((s.rssAfter - s.rssBefore) / n),
        shoalUsedPerElement: Math.round((s.usedAfter - s.usedBefore) / n),
        rssRatio: Number(((s.rssAfter - s.rssBefore) / (r.rssAfter - r.rssBefore)).toFixed(2)),
        redisFillSeconds: Number(r.seconds.toFixed(1)), shoalFillSeconds: Number(s.seconds.toFixed(1)),
        redisRssMB: Number((r.rssAfter / 1048576).toFixed(1)), shoalRssMB: Number((s.rssAfter / 1048576).toFixed(1)),
      };
      rows.push(row);
      console.log(
        `${type.padEnd(4)} threads=${threads}  redis ${row.redisRssPerElement} B/el RSS, ${row.redisUsedPerElement} B/el used_memory (${row.redisFillSeconds}s)  ` +
        `shoal ${row.shoalRssPerElement} B/el RSS, ${row.shoalUsedPerElement} B/el used_memory (${row.shoalFillSeconds}s)  RSS ratio x${row.rssRatio.toFixed(2)}`,
      );
    }
  }
  console.log(`\n${n} elements per key, bytes per element (after - before) / N; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| type | threads | redis RSS | redis used_memory | shoal RSS | shoal used_memory | RSS shoal/redis | fill s redis / shoal |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.type} | ${row.threads} | ${row.redisRssPerElement} | ${row.redisUsedPerElement} | ${row.shoalRssPerElement} | ${row.shoalUsedPerElement} | ${Number(row.rssRatio).toFixed(2)}x | ${row.redisFillSeconds} / ${row.shoalFillSeconds} |`);
  }
  if (options.jsonOut) {
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
    fs.writeFileSync(options.jsonOut, JSON.stringify({ command: process.argv.slice(2), machine, rows }, null, 2));
  }
}

await main();
