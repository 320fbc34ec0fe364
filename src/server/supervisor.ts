import { StartupError } from './startup-error.ts';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Socket } from 'node:net';
import type { ServerConfig } from '../config/server-config.ts';
import { createRingBuffer } from '../ipc/spsc-ring.ts';
import { createMeshBuffers } from '../ipc/worker-mesh.ts';
import { SlotTable } from '../ipc/slot-table.ts';
import { SharedStats, STAT_DIRTY } from '../ipc/shared-stats.ts';
import type { ShardWorkerData } from '../shard/worker.ts';
import { ReplicationState } from '../replication/repl-state.ts';

const HOP_RING_BYTES = 4 * 1024 * 1024;
/** Young-generation cap of each shard worker's V8 heap (see where the workers start). */
const YOUNG_GENERATION_MB = 12;
const EFFECT_RING_BYTES = 8 * 1024 * 1024;

/**
 * Starts and owns the shard worker threads and the SharedArrayBuffers between them; hands accepted
 * sockets to the least loaded worker; relays configuration changes and shutdown.
 */
export class Supervisor {
  readonly workers: Worker[] = [];
  readonly stats: SharedStats;
  readonly workerCount: number;
  readonly effectRings: SharedArrayBuffer[] = [];
  readonly sequence = new SharedArrayBuffer(4);
  readonly logControl = new SharedArrayBuffer(16);
  /** Replication: the log thread's end of a channel to each worker, and the state it publishes. */
  readonly logPorts: MessagePort[] = [];
  readonly replState = ReplicationState.create();
  private readonly config: ServerConfig;
  private nextClientId = 1;
  /** SHUTDOWN from a client: `save` true (SAVE), false (NOSAVE) or undefined (as configured). */
  onShutdownRequest: (save: boolean | undefined) => void = () => {};
  onConfigSet: (pairs: Array<[string, string]>) => Promise<void> | void = () => {};
  /** CONFIG SET port: listen there instead; resolves null, or why the port cannot be used. */
  onRebindPort: (port: number) => Promise<string | null> = () => Promise.resolve('no listener');
  /** DEBUG AOF-FLUSH-SLEEP from a worker, for the log thread (which writes the AOF). */
  onAofFlushSleep: (micros: number) => void = () => {};

  constructor(config: ServerConfig) {
    this.config = config;
    this.workerCount = Math.max(1, Math.min(64, config.threads));
    const statsSab = SharedStats.create(this.workerCount);
    this.stats = new SharedStats(statsSab, this.workerCount);
    const mesh = createMeshBuffers(this.workerCount, HOP_RING_BYTES, createRingBuffer);
    const slotTable = SlotTable.create(this.workerCount);
    // One MessageChannel per pair of workers, for frames too large for a ring.
    const ports: Array<Array<MessagePort | null>> = Array.from({ length: this.workerCount }, () => new Array(this.workerCount).fill(null));
    for (let a = 0; a < this.workerCount; a++) {
      for (let b = a + 1; b < this.workerCount; b++) {
        const channel = new MessageChannel();
        ports[a]![b] = channel.port1;
        ports[b]![a] = channel.port2;
      }
    }
    const configArgs = config.toArgs();
    for (let id = 0; id < this.workerCount; id++) {
      const effectRing = createRingBuffer(EFFECT_RING_BYTES);
      this.effectRings.push(effectRing);
      const logChannel = new MessageChannel();
      this.logPorts.push(logChannel.port2);
      const data: ShardWorkerData = {
        id, workerCount: this.workerCount, mesh, ports: ports[id]!, slotTable, stats: statsSab, effectRing,
        sequence: this.sequence, logControl: this.logControl, configArgs, logPort: logChannel.port1, replState: this.replState,
      };
      const transfer = [...ports[id]!.filter((p): p is MessagePort => p !== null), logChannel.port1];
      // By default (Node 24) V8 lets a worker's young generation grow to 192 MB once enough objects
      // survive it, which filling any big key does: tens of MB of RSS that a Redis does not have.
      // 12 MB keeps a 1M-element list at 1.32-1.37x Redis's RSS (1.79x at 24 MB, whose semi-spaces grow
      // from 4 to 8 MB once traffic starts); redis-benchmark SET+LPUSH -P 16 on one worker measured the
      // same server CPU with 12 and 24 MB (3 alternating rounds); see bench/RESULTS.md's memory section.
      const resourceLimits = { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB };
      const worker = new Worker(new URL('../shard/worker.ts', import.meta.url), { workerData: data, transferList: transfer, resourceLimits });
      worker.on('message', (msg: { type: string; pairs?: Array<[string, string]> }) => this.onWorkerMessage(id, msg));
      worker.on('error', (err) => console.error(`shoal: worker ${id} failed:`, err));
      this.workers.push(worker);
    }
  }

  /** Resolves when every worker has started (and loaded its keys); returns the keys loaded from the RDB file, or -1. */
  ready(): Promise<number> {
    return Promise.all(this.workers.map((w) => new Promise<number>((resolve, reject) => {
      const done = (): void => {
        w.off('message', onMessage);
        w.off('error', onError);
        w.off('exit', onExit);
      };
      const onMessage = (msg: { type: string; loaded?: number; error?: string }): void => {
        if (msg.type === 'ready') {
          done();
          resolve(msg.loaded ?? -1);
        } else if (msg.type === 'load-failed') {
          done();
          reject(new StartupError(`Fatal error loading the DB: ${msg.error?.replace(/^Error: /, '')} Exiting.`));
        }
      };
      // A worker that cannot even start (a module that fails to load) must stop start-up, not hang it.
      const onError = (err: Error): void => {
        done();
        reject(new StartupError(`Fatal error starting a shard worker: ${err.message}`));
      };
      const onExit = (code: number): void => {
        done();
        reject(new StartupError(`A shard worker exited during start-up (code ${code})`));
      };
      w.on('message', onMessage);
      w.on('error', onError);
      w.on('exit', onExit);
    }))).then((counts) => (counts.some((n) => n >= 0) ? counts.reduce((a, n) => a + Math.max(0, n), 0) : -1));
  }

  /** Replays AOF files through worker 0 (once every worker runs); resolves the number of commands. */
  replayAof(files: string[], starts: number[] = []): Promise<number> {
    const worker = this.workers[0]!;
    return new Promise((resolve, reject) => {
      const onMessage = (msg: { type: string; ok?: boolean; commands?: number; error?: string }): void => {
        if (msg.type !== 'replayed') return;
        worker.off('message', onMessage);
        if (msg.ok) resolve(msg.commands ?? 0);
        else reject(new Error(msg.error));
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'replay-aof', files, starts });
    });
  }

  /** Saves the RDB file (through worker 0, which locks every worker); resolves true on success. */
  save(): Promise<boolean> {
    const worker = this.workers[0]!;
    return new Promise((resolve) => {
      const onMessage = (msg: { type: string; ok?: boolean; error?: string }): void => {
        if (msg.type !== 'saved') return;
        worker.off('message', onMessage);
        if (!msg.ok) console.error(`shoal: save failed: ${msg.error}`);
        resolve(msg.ok === true);
      };
      worker.on('message', onMessage);
      worker.postMessage({ type: 'save' });
    });
  }

  /** Changes since the last save, summed over the workers (for the save points). */
  dirtySinceSave(): number {
    let n = 0;
    for (let w = 0; w < this.workerCount; w++) n += this.stats.get(w, STAT_DIRTY);
    return n;
  }

  private onWorkerMessage(from: number, msg: { type: string; pairs?: Array<[string, string]> }): void {
    if (msg.type === 'config-set' && msg.pairs) {
      // The worker that ran CONFIG SET already told its peers; the main thread keeps its copy current
      // and answers once the log thread has the change too (the worker replies OK only then).
      this.config.set(msg.pairs);
      const id = (msg as { id?: number }).id;
      void Promise.resolve(this.onConfigSet(msg.pairs)).then(() => {
        if (id !== undefined) this.workers[from]?.postMessage({ type: 'main-reply', id, value: null });
      });
    } else if (msg.type === 'aof-flush-sleep') {
      this.onAofFlushSleep((msg as { micros?: number }).micros ?? 0);
    } else if (msg.type === 'shutdown') {
      this.onShutdownRequest((msg as { save?: boolean }).save);
    } else if (msg.type === 'rebind-port') {
      // CONFIG SET port: the worker waits for the answer before it applies anything.
      const { id, port } = msg as unknown as { id: number; port: number };
      void this.onRebindPort(port).then((error) => this.workers[from]!.postMessage({ type: 'main-reply', id, value: error }));
    }
  }

  /** Hands an accepted socket to the worker with the fewest clients. */
  handOver(socket: Socket): void {
    let best = 0;
    for (let w = 1; w < this.workerCount; w++) if (this.stats.clientCount(w) < this.stats.clientCount(best)) best = w;
    this.stats.clientOpened(best);
    const clientId = this.nextClientId++;
    this.workers[best]!.postMessage({ type: 'connection', socket, clientId }, [socket as unknown as MessagePort]);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
