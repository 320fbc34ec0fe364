// Two worker threads exchange request/reply frames through the SAB mesh: the CPU each side spends
// per hop (process.threadCpuUsage), free of sockets and command execution.
//   node bench/micro/mesh-pingpong.ts [hops] [batch]
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { createRingBuffer } from '../../src/ipc/spsc-ring.ts';
import { createMeshBuffers, WorkerMesh, type MeshBuffers } from '../../src/ipc/worker-mesh.ts';
import type { Request } from '../../src/ipc/frames.ts';

interface Data { id: number; mesh: MeshBuffers; hops: number; batch: number }

if (isMainThread) {
  const hops = Number(process.argv[2] ?? 1_000_000);
  const batch = Number(process.argv[3] ?? 100);
  const mesh = createMeshBuffers(2, 4 * 1024 * 1024, createRingBuffer);
  const results: Array<{ id: number; cpuUs: number; wallMs: number }> = [];
  await Promise.all([0, 1].map((id) => new Promise<void>((resolve) => {
    const w = new Worker(new URL(import.meta.url), { workerData: { id, mesh, hops, batch } satisfies Data });
    w.on('message', (m: { id: number; cpuUs: number; wallMs: number }) => results.push(m));
    w.on('exit', () => resolve());
  })));
  for (const r of results.sort((a, b) => a.id - b.id)) {
    console.log(`worker ${r.id}: ${(r.cpuUs / hops).toFixed(2)} µs CPU per hop, wall ${r.wallMs.toFixed(0)} ms (${Math.round(hops / (r.wallMs / 1000))} hops/s)`);
  }
} else {
  const { id, mesh: buffers, hops, batch } = workerData as Data;
  // A pending Atomics.waitAsync does not keep a thread alive: this does, until finish().
  const keepAlive = setInterval(() => {}, 1000);
  void keepAlive;
  const argv = ['GET', 'key:000000012345'];
  const replyBytes = Buffer.from('$3\r\nbar\r\n');
  let sent = 0;
  let received = 0;
  const started = performance.now();
  const cpu0 = process.threadCpuUsage();
  let scheduled = false;
  const turn = (): void => {
    scheduled = false;
    for (let round = 0; round < 64; round++) {
      const n = mesh.drain();
      if (id === 0) while (sent < hops && sent - received < batch) mesh.sendRequest(1, 0, 2, 0, sent++, 0, 1, argv);
      mesh.flush();
      if (id === 0 && received >= hops) return finish();
      if (id === 1 && received >= hops) return finish();
      if (n === 0 && mesh.sleep()) return;
    }
    schedule();
  };
  const schedule = (): void => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(turn);
    }
  };
  const mesh = new WorkerMesh(id, buffers, [null, null], {
    onRequest(request: Request) {
      received++;
      mesh.sendReply(request.from, request.reqId, replyBytes, 0, replyBytes.length);
    },
    onReply() {
      received++;
    },
  }, schedule);
  const finish = (): void => {
    mesh.flush();
    const cpu = process.threadCpuUsage(cpu0);
    parentPort!.postMessage({ id, cpuUs: cpu.user + cpu.system, wallMs: performance.now() - started });
    mesh.close();
    process.exit(0);
  };
  schedule();
}
