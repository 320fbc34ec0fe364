// Entry of the log thread: merges the shard workers' effect rings by global sequence into one stream
// and appends it to the AOF (appendonly yes) with the configured fsync policy, and runs replication
// (src/replication/log-replication.ts): the stream to replicas, or the link to a primary. Workers
// record effects only while somebody reads them: from the start with appendonly yes, else from the
// first replica's full resync on. The shared-memory
// protocol with the workers is described in log-control.ts; the supervisor side is log-thread-client.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { ServerConfig } from '../config/server-config.ts';
import { EffectMerger, type EffectFrame } from './effect-merger.ts';
import { AofWriter, type AppendFsync, applyControlEffect, isControlEffect } from './aof-writer.ts';

function aofOptions(): Parameters<typeof applyControlEffect>[2] {
  return {
    dir: config.dir, appenddirname: config.appenddirname, appendfilename: config.appendfilename,
    appendfsync: config.appendfsync as AppendFsync, enabled: config.appendonly,
    annotateTimestamps: () => config.get('aof-timestamp-enabled') === 'yes',
  };
}
import { LOG_ACTIVE, LOG_DURABLE, LOG_MERGED, LOG_SLEEPING } from './log-control.ts';
import type { CapturedEffect, FromLogThread, LogThreadData, ToLogThread } from './log-thread-client.ts';
import { LogReplication } from '../replication/log-replication.ts';

/** Effects merged per batch (one write(2) per batch, then a turn of the event loop). */
const BATCH = 4096;
/** How long the thread sleeps when the rings are empty and no producer wakes it. */
// Producers wake the thread at the end of every turn that recorded effects (EffectLog.flush), so the
// timeout only bounds the wait when a wake-up is missed.
const IDLE_WAIT_MS = 100;
/** A gap that lasts this long is reported (a worker took a sequence number and has not written it). */
const GAP_WARNING_MS = 5000;

const data = workerData as LogThreadData;
const port = parentPort!;
const config = ServerConfig.fromCommandLine(data.configArgs);
const control = new Int32Array(data.logControl);
const sequence = new Int32Array(data.sequence);

// Read the counter before announcing ourselves: every number taken after ACTIVE=1 is >= this one.
const firstSequence = Atomics.load(sequence, 0) >>> 0;
let merger = new EffectMerger(data.effectRings, firstSequence);
let aof: AofWriter | null = null;
if (config.appendonly) {
  aof = AofWriter.open({
    dir: config.dir,
    appenddirname: config.appenddirname,
    appendfilename: config.appendfilename,
    appendfsync: config.appendfsync as AppendFsync,
    loadTruncated: config.get('aof-load-truncated') !== 'no',
    annotateTimestamps: () => config.get('aof-timestamp-enabled') === 'yes',
  });
}
let captured: CapturedEffect[] | null = null;
let stopping = false;
let gapSince = 0;

Atomics.store(control, LOG_MERGED, firstSequence | 0);
Atomics.store(control, LOG_DURABLE, firstSequence | 0);
Atomics.store(control, LOG_SLEEPING, 0);
if (config.appendonly) Atomics.store(control, LOG_ACTIVE, 1);

/** Starts recording effects (once): the stream goes on from the sequence number taken next. */
function ensureRecording(): void {
  if (Atomics.load(control, LOG_ACTIVE) === 1) return;
  // Read the counter before announcing: every number taken after ACTIVE=1 is >= this one.
  const first = Atomics.load(sequence, 0) >>> 0;
  merger = new EffectMerger(data.effectRings, first);
  Atomics.store(control, LOG_MERGED, first | 0);
  Atomics.store(control, LOG_DURABLE, first | 0);
  Atomics.store(control, LOG_ACTIVE, 1);
}

const replication = new LogReplication(data.logPorts ?? [], data.replState ?? new SharedArrayBuffer(64 * 1024), config, {
  ensureRecording,
  nextSequence: () => merger.nextSequence,
});

/** DEBUG AOF-FLUSH-SLEEP's value, kept for a writer opened later. */
let aofFlushSleepMicros = 0;

const sink = (effect: EffectFrame): void => {
  // BGREWRITEAOF's marker (src/persistence/aof-rewrite.ts): switches the AOF file here, goes nowhere else.
  if (isControlEffect(effect)) {
    aof = applyControlEffect(aof, effect, aofOptions());
    if (aof !== null) aof.flushSleepMicros = aofFlushSleepMicros;
    return;
  }
  if (aof !== null && !isPublish(effect)) aof.append(effect);
  if (replication.wantsEffects) replication.onEffect(effect);
  if (captured !== null) captured.push({ seq: effect.seq, db: effect.db, txId: effect.txId, worker: effect.worker, argv: effect.argv() });
};

/** PUBLISH goes to the replicas only, as Redis propagates it (PROPAGATE_REPL): read in place, no argv. */
function isPublish(effect: EffectFrame): boolean {
  if (effect.argc !== 3) return false;
  const data = effect.data;
  const at = effect.argsOffset;
  if (data.readUInt32LE(at) !== 7) return false;
  return data.toString('latin1', at + 4, at + 11).toUpperCase() === 'PUBLISH';
}

/** Merges what is ready, writes it, publishes MERGED/DURABLE; returns the number of effects. */
function step(max: number): number {
  const count = merger.drain(sink, max);
  if (count > 0) {
    Atomics.store(control, LOG_MERGED, merger.nextSequence | 0);
    if (aof !== null && merger.isEmpty()) aof.endTransaction();
    if (aof !== null) aof.flush();
    replication.afterStep(merger.isEmpty());
    Atomics.store(control, LOG_DURABLE, merger.nextSequence | 0);
    // Workers holding replies for durability (appendfsync always) wait on this word.
    Atomics.notify(control, LOG_DURABLE);
  }
  return count;
}

const everySecond = setInterval(() => {
  aof?.fsyncEverySecond();
}, 1000);

async function run(): Promise<void> {
  while (!stopping) {
    if (step(BATCH) > 0) {
      gapSince = 0;
      await new Promise<void>((resolve) => setImmediate(resolve));
      continue;
    }
    if (merger.waitingForGap()) {
      const now = Date.now();
      if (gapSince === 0) gapSince = now;
      else if (now - gapSince > GAP_WARNING_MS) {
        console.warn(`shoal: log thread waits for effect ${merger.nextSequence} for ${now - gapSince} ms`);
        gapSince = now;
      }
    }
    // Announce the sleep, then look once more: a producer that committed before it saw SLEEPING=1
    // did not notify.
    Atomics.store(control, LOG_SLEEPING, 1);
    if (step(BATCH) === 0) {
      const wait = Atomics.waitAsync(control, LOG_SLEEPING, 1, IDLE_WAIT_MS);
      if (wait.async) await wait.value;
    }
    Atomics.store(control, LOG_SLEEPING, 0);
  }
}

function stop(): void {
  stopping = true;
  clearInterval(everySecond);
  replication.stop();
  // The workers are stopped: write everything they left, giving up numbers nobody will write.
  for (;;) {
    while (step(BATCH) > 0);
    if (merger.isEmpty() || merger.skipGap() === 0) break;
  }
  if (merger.skipped > 0) console.warn(`shoal: log thread: ${merger.skipped} effect(s) were never written by their worker`);
  aof?.close();
  Atomics.store(control, LOG_ACTIVE, 0);
  reply({ type: 'stopped', nextSequence: merger.nextSequence, merged: merger.merged, skipped: merger.skipped });
  port.close();
}

function reply(msg: FromLogThread): void {
  port.postMessage(msg);
}

port.on('message', (msg: ToLogThread) => {
  switch (msg.type) {
    case 'stop':
      stop();
      break;
    case 'capture':
      // A capture consumes the stream like a replica does: the workers must record from now on.
      if (msg.on) ensureRecording();
      captured = msg.on ? (captured ?? []) : null;
      reply({ type: 'capturing', on: msg.on });
      break;
    case 'captured':
      step(Number.MAX_SAFE_INTEGER);
      reply({ type: 'captured', effects: captured ?? [] });
      if (captured !== null) captured = [];
      break;
    case 'stats':
      reply({
        type: 'stats', nextSequence: merger.nextSequence, merged: merger.merged, stale: merger.stale,
        aofBytes: aof?.bytesWritten ?? 0, aofPath: aof?.incrPath ?? null,
      });
      break;
    case 'aof-flush-sleep':
      aofFlushSleepMicros = msg.micros;
      if (aof !== null) aof.flushSleepMicros = msg.micros;
      break;
    case 'config-set':
      config.set(msg.pairs);
      // appendonly at runtime: record from now on; the first rewrite's marker opens the file (yes),
      // or everything written so far is fsynced and the file closed (no).
      if (config.appendonly) ensureRecording();
      else if (aof !== null) {
        aof.close();
        aof = null;
      }
      if (aof !== null) aof.fsyncPolicy = config.appendfsync as AppendFsync;
      replication.configChanged();
      reply({ type: 'config-applied', id: msg.id });
      break;
  }
});

reply({ type: 'ready', firstSequence, aofPath: aof?.incrPath ?? null });
void run();
