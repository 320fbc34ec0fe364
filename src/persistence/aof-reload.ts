// DEBUG LOADAOF: the keyspace thrown away and loaded back from the AOF files of the manifest, as
// Redis does (after writing out what is pending). The RDB base is loaded by every worker for its own
// slots; the RESP files are replayed by this worker as a client would send them, with effect
// recording off on every worker meanwhile (the replayed writes are in the AOF already). Like Redis,
// which blocks while it loads, writes of other clients during the replay are not meant to happen:
// they would not be recorded either.
import path from 'node:path';
import type { Shard } from '../shard/shard.ts';
import { aofLoadPlan, replayList } from './aof-loader.ts';
import { seqBefore } from '../log/log-control.ts';

async function everyWorker(shard: Shard, argv: string[]): Promise<void> {
  await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, argv, 0, 2)));
}

/** Resolves once the log thread has written every effect taken so far. */
async function aofWritten(shard: Shard): Promise<void> {
  const next = shard.effects.nextSequence();
  for (;;) {
    const durable = shard.effects.durableSequence();
    if (!seqBefore(durable, next) || !shard.effects.active) return;
    await shard.effects.waitDurableChange(durable);
  }
}

/** Returns null when done, or the error reply. */
export async function debugLoadAof(shard: Shard): Promise<string | null> {
  if (shard.config.appendonly) await aofWritten(shard);
  const plan = aofLoadPlan(shard.config);
  if (plan === null) return 'ERR Error loading the AOF: no manifest';
  await everyWorker(shard, ['@aof-replaying', '1']);
  try {
    if (plan.rdbBase !== null) await everyWorker(shard, ['@rdb-reload', plan.rdbBase]);
    else await everyWorker(shard, ['@flushall']);
    const { files, starts } = replayList(plan);
    if (files.length > 0) await shard.replayAof(files, starts);
    console.log(`shoal: DB reloaded by DEBUG LOADAOF from ${path.basename(plan.aofDir)}`);
    return null;
  } catch (err) {
    return `ERR Error loading the AOF: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    await everyWorker(shard, ['@aof-replaying', '0']);
  }
}
