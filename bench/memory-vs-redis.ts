// Bytes per element of one big list, hash, set and sorted set in redis-server and in shoal: each
// type gets a fresh server of each kind, one key filled with N elements through pipelined
// RPUSH / HSET / SADD / ZADD batches, and the process RSS (/proc/<pid>/status VmRSS) read before and
// after filling, next to INFO used_memory (redis: its allocator's count; shoal: the dataset estimate
// maxmemory counts, start-up memory + keys x sampled serialized size, not a heap figure).
//
// --rounds R repeats each measurement on fresh servers and reports medians (RSS figures of one
// round vary by several bytes per element with GC timing). --warmup F first fills another key of
// the same type with F x N elements (kept, so nothing freed is reused by the measured fill), on both
// servers, before "before" is read: a fresh shoal worker's V8 young generation grows to its cap
// (16 MB more with the 24 MB cap) on its first burst of traffic and keeps it, a one-time cost per
// worker that a cold measurement charges to the key; the warm figure is the cost per element of a
// server that already holds data. Cold (0) is the default and the figure issue 4 asks for.
//
//   node bench/memory-vs-redis.ts [--elements 1000000] [--threads 1] [--batch 1000] [--rounds 1]
//                                 [--warmup 0] [--types list,hash,set,zset] [--json-out file]
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { median, rssBytes, startServer, type Server } from './bench-servers.ts';

interface Options {
  elements: number;
  threads: number[];
  batch: number;
  types: string[];
  rounds: number;
  warmup: number;
  jsonOut: string | null;
}

function parseOptions(argv: string[]): Options {
  const options: Options = { elements: 1_000_000, threads: [1], batch: 1000, types: ['list', 'hash', 'set', 'zset'], rounds: 1, warmup: 0, jsonOut: null };
  for (let i = 0; i < argv.length; i += 2) {
    const value = argv[i + 1] ?? '';
    switch (argv[i]) {
      case '--elements': options.elements = Number(value); break;
      case '--threads': options.threads = value.split(',').map(Number); break;
      case '--batch': options.batch = Number(value); break;
      case '--types': options.types = value.split(','); break;
      case '--rounds': options.rounds = Number(value); break;
      case '--warmup': options.warmup = Number(value); break;
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

function fillCommand(type: string, from: number, to: number, key = 'key'): string[] {
  const args: string[] = [];
  switch (type) {
    case 'list': args.push('RPUSH', key); for (let i = from; i < to; i++) args.push(element(i)); break;
    case 'hash': args.push('HSET', key); for (let i = from; i < to; i++) args.push(element(i), element(i)); break;
    case 'set': args.push('SADD', key); for (let i = from; i < to; i++) args.push(element(i)); break;
    case 'zset': args.push('ZADD', key); for (let i = from; i < to; i++) args.push(String(i), element(i)); break;
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

/** Fills `key` with elements 0..count-1 in pipelined writes of 16 commands of `batch` elements. */
async function fill(connection: Connection, server: Server, type: string, key: string, count: number, batch: number): Promise<void> {
  const perWrite = 16; // commands per pipelined write
  for (let from = 0; from < count; from += batch * perWrite) {
    const commands: string[][] = [];
    for (let f = from; f < Math.min(count, from + batch * perWrite); f += batch) {
      commands.push(fillCommand(type, f, Math.min(count, f + batch), key));
    }
    const errors = await connection.lines(commands);
    if (errors.length) throw new Error(`${server.name} ${type}: ${errors[0]}`);
  }
}

async function measure(server: Server, type: string, options: Options): Promise<Measure> {
  const connection = await Connection.open(server.port);
  try {
    await new Promise((r) => setTimeout(r, 500)); // let start-up settle
    const warmElements = Math.round(options.elements * options.warmup);
    if (warmElements > 0) {
      await fill(connection, server, type, 'warmup', warmElements, options.batch);
      await new Promise((r) => setTimeout(r, 1000));
    }
    const usedBefore = await usedMemory(connection);
    const rssBefore = rssBytes(server.child.pid!);
    const started = process.hrtime.bigint();
    await fill(connection, server, type, 'key', options.elements, options.batch);
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
      const rounds: Array<{ r: Measure; s: Measure }> = [];
      for (let round = 0; round < options.rounds; round++) {
        const results = new Map<string, Measure>();
        // Alternate which server goes first, so that a change in machine load hits both alike.
        for (const name of round % 2 === 0 ? ['redis', 'shoal'] : ['shoal', 'redis']) {
          const server = await startServer(name, threads);
          try {
            results.set(name, await measure(server, type, options));
          } finally {
            server.child.kill('SIGKILL');
          }
        }
        rounds.push({ r: results.get('redis')!, s: results.get('shoal')! });
      }
      const perElement = (m: Measure, what: 'rss' | 'used'): number =>
        (what === 'rss' ? m.rssAfter - m.rssBefore : m.usedAfter - m.usedBefore) / n;
      const ratios = rounds.map(({ r, s }) => perElement(s, 'rss') / perElement(r, 'rss'));
      const row = {
        type, threads, elements: n, rounds: options.rounds, warmup: options.warmup,
        redisRssPerElement: Math.round(median(rounds.map(({ r }) => perElement(r, 'rss')))),
        redisUsedPerElement: Math.round(median(rounds.map(({ r }) => perElement(r, 'used')))),
        shoalRssPerElement: Math.round(median(rounds.map(({ s }) => perElement(s, 'rss')))),
        shoalUsedPerElement: Math.round(median(rounds.map(({ s }) => perElement(s, 'used')))),
        rssRatio: Number(median(ratios).toFixed(2)),
        perRoundRatios: ratios.map((x) => x.toFixed(2)).join(' '),
        shoalRssPerRound: rounds.map(({ s }) => Math.round(perElement(s, 'rss'))).join(' '),
        redisFillSeconds: Number(median(rounds.map(({ r }) => r.seconds)).toFixed(1)),
        shoalFillSeconds: Number(median(rounds.map(({ s }) => s.seconds)).toFixed(1)),
      };
      rows.push(row);
      console.log(
        `${type.padEnd(4)} threads=${threads}  redis ${row.redisRssPerElement} B/el RSS, ${row.redisUsedPerElement} B/el used_memory (${row.redisFillSeconds}s)  ` +
        `shoal ${row.shoalRssPerElement} B/el RSS, ${row.shoalUsedPerElement} B/el used_memory (${row.shoalFillSeconds}s)  RSS ratio x${row.rssRatio.toFixed(2)}`,
      );
    }
  }
  console.log(`\n${n} elements per key, bytes per element (after - before) / N, medians of ${options.rounds} round(s), warm-up ${options.warmup} x N; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
  console.log('| type | threads | redis RSS | redis used_memory | shoal RSS | shoal used_memory | RSS shoal/redis | per round | shoal RSS per round | fill s redis / shoal |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    console.log(`| ${row.type} | ${row.threads} | ${row.redisRssPerElement} | ${row.redisUsedPerElement} | ${row.shoalRssPerElement} | ${row.shoalUsedPerElement} | ${Number(row.rssRatio).toFixed(2)}x | ${row.perRoundRatios} | ${row.shoalRssPerRound} | ${row.redisFillSeconds} / ${row.shoalFillSeconds} |`);
  }
  if (options.jsonOut) {
    const machine = { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model, node: process.version, loadavg: os.loadavg() };
    fs.writeFileSync(options.jsonOut, JSON.stringify({ command: process.argv.slice(2), machine, rows }, null, 2));
  }
}

await main();
