// Entry of a shard worker thread: builds its Shard from what the supervisor hands over and adopts
// the client sockets the acceptor transfers to it.
import { parentPort, workerData } from 'node:worker_threads';
import type { Socket } from 'node:net';
import { ServerConfig } from '../config/server-config.ts';
import { Shard, type ShardOptions } from './shard.ts';
import fs from 'node:fs';
import { loadShardFromRdb, rdbPath } from '../persistence/rdb-snapshot.ts';
import { saveSnapshot } from '../commands/persistence.ts';
import { aofLoadPlan } from '../persistence/aof-loader.ts';

/** What the supervisor hands a worker: the shard's shared buffers, and its configuration as arguments. */
export type ShardWorkerData = Omit<ShardOptions, 'config' | 'toMain'> & { configArgs: string[] };

export type ToWorker =
  | { type: 'connection'; socket: Socket; clientId: number }
  | { type: 'config-set'; pairs: Array<[string, string]> }
  | { type: 'shutdown' }
  | { type: 'main-reply'; id: number; value: unknown }
  | { type: 'save' }
  | { type: 'replay-aof'; files: string[]; starts?: number[] };

const data = workerData as ShardWorkerData;
const port = parentPort!;
const config = ServerConfig.fromCommandLine(data.configArgs);
const shard = new Shard({
  ...data,
  config,
  toMain: (msg) => port.postMessage(msg),
});

port.on('message', (msg: ToWorker) => {
  switch (msg.type) {
    case 'connection':
      shard.adopt(msg.socket, msg.clientId);
      break;
    case 'config-set':
      config.set(msg.pairs);
      shard.configChanged(msg.pairs);
      break;
    case 'save':
      saveSnapshot(shard).then(
        (bytes) => port.postMessage({ type: 'saved', ok: true, bytes }),
        (err: unknown) => port.postMessage({ type: 'saved', ok: false, error: String(err) }),
      );
      break;
    case 'replay-aof':
      shard.replayAof(msg.files, msg.starts).then(
        (commands) => port.postMessage({ type: 'replayed', ok: true, commands }),
        (err: unknown) => port.postMessage({ type: 'replayed', ok: false, error: String(err) }),
      );
      break;
    case 'main-reply':
      shard.mainReplied(msg.id, msg.value);
      break;
    case 'shutdown':
      shard.close();
      port.postMessage({ type: 'closed', id: data.id });
      break;
  }
});

process.on('uncaughtException', (err) => {
  // A bug must not take the worker's keys down with it: log it and keep serving.
  console.error(`shoal: worker ${data.id}: uncaught exception:`, err);
});

// Without an AOF, the RDB file is the dataset: every worker reads it and keeps the keys of its slots.
// With one, an RDB base file of the AOF is loaded the same way (the rest is replayed by worker 0).
let loaded = -1;
try {
  // A broken AOF manifest (missing file, bad format) stops start-up like a corrupt RDB file.
  const file = config.appendonly ? aofLoadPlan(config)?.rdbBase ?? null : rdbPath(config);
  if (file !== null && fs.existsSync(file)) {
    // Progress for INFO's loading_* fields, answered by the main thread meanwhile (rdb-loading-clients.ts).
    let lastReport = 0;
    const onRead = (bytes: number): void => {
      const now = Date.now();
      if (now - lastReport < 100) return;
      lastReport = now;
      port.postMessage({ type: 'loading-progress', id: data.id, bytes });
    };
    loaded = loadShardFromRdb(file, shard.keyspace, shard.slots, data.id, config, { figures: shard.persistence, onRead, startup: true });
  }
} catch (err) {
  port.postMessage({ type: 'load-failed', id: data.id, error: String(err) });
  throw err;
}

port.postMessage({ type: 'ready', id: data.id, loaded });
