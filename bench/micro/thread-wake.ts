// What waking a sleeping worker thread costs: two threads take turns, each sleeping in its event loop
// until the other wakes it, either with Atomics.waitAsync/notify (what the worker mesh uses) or with
// one byte over a Unix socket. CPU per wake-up per side (process.threadCpuUsage).
//   node bench/micro/thread-wake.ts [wakeups=20000] [atomics|socket]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rmSync } from 'node:fs';

interface Data { id: number; words: SharedArrayBuffer; path: string; wakeups: number; mode: string }
interface Result { id: number; cpuUs: number; wallMs: number }

if (isMainThread) {
  const wakeups = Number(process.argv[2] ?? 20_000);
  const mode = process.argv[3] ?? 'atomics';
  const path = join(tmpdir(), `shoal-wake-${process.pid}.sock`);
  // Word i is thread i's wake-up word (1: woken).
  const words = new SharedArrayBuffer(8);
  const results: Result[] = [];
  await Promise.all([0, 1].map((id) => new Promise<void>((resolve) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: { id, words, path, wakeups, mode } satisfies Data });
    worker.on('message', (r: Result) => results.push(r));
    worker.on('exit', () => resolve());
  })));
  rmSync(path, { force: true });
  for (const r of results.sort((a, b) => a.id - b.id)) {
    console.log(`${mode} worker ${r.id}: ${(r.cpuUs / wakeups).toFixed(2)} µs CPU per wake-up, ${((r.wallMs * 1000) / wakeups).toFixed(1)} µs wall per round trip`);
  }
} else {
  const data = workerData as Data;
  const cpuStart = process.threadCpuUsage();
  const started = performance.now();
  const finish = (): void => {
    const cpu = process.threadCpuUsage(cpuStart);
    parentPort!.postMessage({ id: data.id, cpuUs: cpu.user + cpu.system, wallMs: performance.now() - started } satisfies Result);
    process.exit(0);
  };
  if (data.mode === 'atomics') atomicsSide(data, finish);
  else socketSide(data, finish);
}

function atomicsSide({ id, words: buffer, wakeups }: Data, finish: () => void): void {
  const words = new Int32Array(buffer);
  const peer = 1 - id;
  // A pending waitAsync does not keep a thread alive.
  setInterval(() => {}, 1000);
  let woken = 0;
  const wakePeer = (): void => {
    Atomics.store(words, peer, 1);
    Atomics.notify(words, peer);
  };
  const sleep = (): void => {
    const wait = Atomics.waitAsync(words, id, 0);
    if (wait.async) void wait.value.then(onWake);
    else queueMicrotask(onWake);
  };
  const onWake = (): void => {
    Atomics.store(words, id, 0);
    woken++;
    // Wake the other side in any case: it may need one more wake-up to reach the count.
    wakePeer();
    if (woken >= wakeups) finish();
    else sleep();
  };
  sleep();
  if (id === 0) setTimeout(wakePeer, 100);
}

function socketSide({ id, path, wakeups }: Data, finish: () => void): void {
  const one = Buffer.from([1]);
  let woken = 0;
  const onData = (socket: net.Socket) => (chunk: Buffer): void => {
    woken += chunk.length;
    socket.write(one, woken >= wakeups ? finish : undefined);
  };
  if (id === 1) {
    net.createServer((socket) => {
      socket.setNoDelay(true);
      socket.on('data', onData(socket));
    }).listen(path);
    return;
  }
  const connect = (): void => {
    const socket = net.connect(path);
    socket.on('error', () => setTimeout(connect, 20));
    socket.on('connect', () => {
      socket.setNoDelay(true);
      socket.on('data', onData(socket));
      socket.write(one);
    });
  };
  setTimeout(connect, 50);
}
