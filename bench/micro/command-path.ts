// The worker's whole per-command path in one thread, without sockets: pipelined batches of requests
// are fed to a real Connection of a real one-worker Shard (parser, dispatcher, executor, command,
// reply encoder, flush), and the replies go to a socket stand-in that only counts bytes. It measures
// the server's own JavaScript per command, which the noise of a loaded machine hides in
// redis-benchmark runs: CPU time of this thread per command, best of several repetitions.
//
//   node bench/micro/command-path.ts [get|set|mixed|<type test>] [pipeline=16] [batches=50000]
//
// A type test is one of redis-benchmark's data-type tests with its exact requests (fixed keys, as
// it sends them without -r), and hset-r (random fields, as with -r): lpush rpush lpop rpop sadd hset spop zadd zpopmin lrange_100 mset. LPOP, RPOP
// and LRANGE run on a list filled first (and refilled between rounds); SPOP and ZPOPMIN find no key,
// as they mostly do in redis-benchmark, whose SADD and ZADD add one member.

import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Shard } from '../../src/shard/shard.ts';
import { ServerConfig } from '../../src/config/server-config.ts';
import { createRingBuffer } from '../../src/ipc/spsc-ring.ts';
import { createMeshBuffers } from '../../src/ipc/worker-mesh.ts';
import { SlotTable } from '../../src/ipc/slot-table.ts';
import { SharedStats } from '../../src/ipc/shared-stats.ts';
import { ReplicationState } from '../../src/replication/repl-state.ts';
import { encodeCommand } from '../bench-connection.ts';

const workload = process.argv[2] ?? 'mixed';
const pipeline = Number(process.argv[3] ?? 16);
const batches = Number(process.argv[4] ?? 50_000);
const KEYS = 100_000;
// Enough different batches that the keys touched cover the keyspace, as random keys do (cache misses included).
const BATCH_VARIETY = 8192;
const YIELD_MASK = Number(process.env.YIELD_EVERY ?? 64) - 1;

/** Stands in for the transferred net.Socket: the Connection only writes and listens. */
class CountingSocket extends EventEmitter {
  bytes = 0;
  writableLength = 0;
  destroyed = false;
  remoteAddress = '127.0.0.1';
  remotePort = 1;
  localAddress = '127.0.0.1';
  localPort = 6379;
  allowHalfOpen = false;
  write(chunk: Buffer): boolean {
    this.bytes += chunk.length;
    return true;
  }
  setNoDelay(): this {
    return this;
  }
  resume(): this {
    return this;
  }
  end(): this {
    return this;
  }
  destroy(): this {
    this.destroyed = true;
    return this;
  }
  destroySoon(): void {
    this.destroyed = true;
  }
}

function makeShard(): Shard {
  const config = ServerConfig.fromCommandLine(['--save', '', '--appendonly', 'no', '--threads', '1']);
  return new Shard({
    id: 0,
    workerCount: 1,
    mesh: createMeshBuffers(1, 1024, createRingBuffer),
    ports: [null],
    slotTable: SlotTable.create(1),
    stats: SharedStats.create(1),
    effectRing: createRingBuffer(8 * 1024 * 1024),
    sequence: new SharedArrayBuffer(4),
    logControl: new SharedArrayBuffer(16),
    replState: ReplicationState.create(),
    config,
    toMain: () => {},
  });
}

/** redis-benchmark's request of each data-type test (captured with MONITOR from redis-benchmark 7.0). */
const TYPE_TESTS: Record<string, string[]> = {
  lpush: ['LPUSH', 'mylist', 'VXK'],
  rpush: ['RPUSH', 'mylist', 'VXK'],
  lpop: ['LPOP', 'mylist'],
  rpop: ['RPOP', 'mylist'],
  sadd: ['SADD', 'myset', 'element:__rand_int__'],
  hset: ['HSET', 'myhash', 'element:__rand_int__', 'VXK'],
  spop: ['SPOP', 'myset'],
  zadd: ['ZADD', 'myzset', '0', 'element:__rand_int__'],
  zpopmin: ['ZPOPMIN', 'myzset'],
  lrange_100: ['LRANGE', 'mylist', '0', '99'],
  mset: ['MSET', ...new Array<string[]>(10).fill(['key:__rand_int__', 'VXK']).flat()],
};

/** What a pop test pops from: filled with enough members before each round. */
const REFILL: Record<string, (i: number) => string[]> = {
  lpop: () => ['LPUSH', 'mylist', 'VXK'],
  rpop: () => ['LPUSH', 'mylist', 'VXK'],
  lrange_100: () => ['LPUSH', 'mylist', 'VXK'],
};

/** BATCH_VARIETY different batches of `pipeline` requests with random keys, as redis-benchmark -r sends them. */
function makeBatches(kind: string): Buffer[] {
  const out: Buffer[] = [];
  let seed = 12345;
  const random = (): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed;
  };
  // hset-r: HSET with random fields, as redis-benchmark -r sends it (arguments that do not repeat).
  if (kind === 'hset-r') {
    for (let b = 0; b < BATCH_VARIETY; b++) {
      const parts: Buffer[] = [];
      for (let i = 0; i < pipeline; i++) parts.push(encodeCommand(['HSET', 'myhash', `element:${String(random() % KEYS).padStart(12, '0')}`, 'VXK']));
      out.push(Buffer.concat(parts));
    }
    return out;
  }
  const fixed = TYPE_TESTS[kind];
  if (fixed !== undefined) {
    const batch = Buffer.concat(new Array<Buffer>(pipeline).fill(encodeCommand(fixed)));
    return new Array<Buffer>(BATCH_VARIETY).fill(batch);
  }
  for (let b = 0; b < BATCH_VARIETY; b++) {
    const parts: Buffer[] = [];
    for (let i = 0; i < pipeline; i++) {
      const key = `key:${String(random() % KEYS).padStart(12, '0')}`;
      const get = kind === 'get' || (kind === 'mixed' && i % 2 === 1);
      parts.push(encodeCommand(get ? ['GET', key] : ['SET', key, 'xxx']));
    }
    out.push(Buffer.concat(parts));
  }
  return out;
}

const shard = makeShard();
const socket = new CountingSocket();
const conn = shard.attach(socket as unknown as Socket, 1);
const feed = (bytes: Buffer): void => conn.onRead(bytes, bytes.length);
const fill = makeBatches('set');
for (let i = 0; i < KEYS / pipeline; i++) feed(fill[i % fill.length]!);
const work = makeBatches(workload);

/** Fills the collection a pop test takes from, outside the measured time. */
async function refill(): Promise<void> {
  const make = REFILL[workload];
  if (make === undefined) return;
  const count = workload === 'lrange_100' ? 600 : batches * pipeline;
  for (let i = 0; i < count; i += pipeline) {
    const parts: Buffer[] = [];
    for (let j = 0; j < pipeline; j++) parts.push(encodeCommand(make(i + j)));
    feed(Buffer.concat(parts));
    if (((i / pipeline) & YIELD_MASK) === YIELD_MASK) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
}

async function round(): Promise<number> {
  await refill();
  const start = process.cpuUsage();
  for (let i = 0; i < batches; i++) {
    feed(work[i & (BATCH_VARIETY - 1)]!);
    // The end of the worker's turn (its setImmediate) flushes the replies: let it run.
    if ((i & YIELD_MASK) === YIELD_MASK) await new Promise((resolve) => setImmediate(resolve));
  }
  await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / (batches * pipeline);
}

const results: number[] = [];
for (let r = 0; r < 7; r++) results.push(await round());
results.sort((a, b) => a - b);
console.log(`${workload} P${pipeline}: ${results[0]!.toFixed(0)} ns CPU per command (best of 7; median ${results[3]!.toFixed(0)}), ${socket.bytes} reply bytes`);
shard.close();
process.exit(0);
