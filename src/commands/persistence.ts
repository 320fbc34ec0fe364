import fs from 'node:fs';
import path from 'node:path';
import { integerReply, arrayElements } from '../resp/reply-scan.ts';
import type { Shard } from '../shard/shard.ts';
import type { SessionFamily } from '../shard/session.ts';
import { rdbPath, writeRdbSnapshot, type EncodedShardDb } from '../persistence/rdb-snapshot.ts';
import { replicationSaveAux } from '../replication/snapshot.ts';
import { SnapshotAbortedError, SnapshotBusyError, streamRdbSnapshot } from '../persistence/snapshot-stream.ts';
import type { SnapshotKind } from '../persistence/persistence-state.ts';
import { rewriteAof } from '../persistence/aof-rewrite.ts';
import { announceDone, settleOnce, type BackgroundJob } from '../persistence/background-job.ts';
import { AsyncFileSink } from '../persistence/async-file-sink.ts';
import { RewriteChild } from '../persistence/aof-rewrite-child.ts';

function decodePart(reply: Buffer): EncodedShardDb {
  const [keys, expires, entries] = arrayElements(reply)!;
  const start = entries![0];
  let i = start + 1;
  while (reply[i] !== 13) i++;
  return {
    keys: integerReply(reply, keys![0])!,
    expires: integerReply(reply, expires![0])!,
    entries: reply.subarray(i + 2, entries![1] - 2),
  };
}

/**
 * Writes the RDB file with every worker locked (in ascending order, as any cross-shard transaction),
 * so the snapshot is the keyspace at one point of the write stream. Returns the bytes written. SAVE
 * and the final save at shutdown block the server by definition; BGSAVE uses backgroundSave.
 */
export async function saveSnapshot(shard: Shard): Promise<number> {
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  const abortedBgsave = shard.persistence.running === 'rdb';
  if (abortedBgsave) {
    // Only at shutdown (SAVE refuses to run meanwhile): the running BGSAVE is dropped, its temp file
    // removed, and this save is the one that counts, as Redis kills its saving child.
    for (const w of workers) shard.send(w, ['@snapshot-abort', '*rdb'], 0, 2, null);
  }
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  let written: number;
  try {
    const aux = await replicationSaveAux(shard, txId);
    written = await writeRdbSnapshot(rdbPath(shard.config), shard.config, shard.keyspace.dbs.length, async (db) => {
      const replies = await Promise.all(workers.map((w) => shard.request(w, ['@rdb-encode'], db, 2, txId)));
      return replies.map(decodePart);
    }, aux);
  } finally {
    for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
  const now = String(Date.now());
  for (const w of workers) shard.send(w, ['@rdb-saved', now], 0, 2, null);
  if (abortedBgsave) {
    // The dropped BGSAVE's temp file (its coordinator may be another worker, still unwinding).
    const dir = path.dirname(rdbPath(shard.config));
    for (const name of fs.readdirSync(dir)) if (name.startsWith(`temp-${process.pid}-`) && name.endsWith('.rdb')) fs.rmSync(path.join(dir, name), { force: true });
  }
  return written;
}

/**
 * BGSAVE without stopping the server: a copy-on-write snapshot (src/persistence/snapshot-stream.ts)
 * streamed to a temp file in `dir`, fsynced and renamed over the RDB file, as Redis's child does.
 */
export function backgroundSave(shard: Shard): BackgroundJob {
  const config = shard.config;
  const target = rdbPath(config);
  const file = new AsyncFileSink(path.join(path.dirname(target), `temp-${process.pid}-${shard.id}-${Date.now()}.rdb`));
  const startedAt = Date.now();
  const { promise: started, settle, settled } = settleOnce();
  // As Redis's saving child, a process stands for the save while it runs (pgrep -P finds it):
  // killing it fails the save (see aof-rewrite-child.ts).
  let child: RewriteChild | null = null;
  const killed = (): Error | null => (child?.killed === true ? new Error(`Background saving terminated by signal ${child.signal ?? 'unknown'}`) : null);
  const done = (async (): Promise<boolean> => {
    let cowBytes = 0;
    try {
      const result = await streamRdbSnapshot(shard, (chunk) => file.write(chunk), {
        kind: 'rdb',
        onStarted: () => {
          child = new RewriteChild();
          settle();
        },
        backpressure: () => file.backpressure(),
        abortedBy: killed,
      });
      cowBytes = result.cowBytes;
      await file.finish();
      const stop = killed();
      if (stop !== null) throw stop;
      (child as RewriteChild | null)?.end();
      await fs.promises.rename(file.path, target);
      console.log(`shoal: DB saved on disk (${result.keys} keys, ${result.bytes} bytes, ${cowBytes} bytes copied on write)`);
      announceDone(shard, 'rdb', true, startedAt, cowBytes);
      return true;
    } catch (err) {
      (child as RewriteChild | null)?.end();
      await file.discard();
      if (!settled()) {
        settle(err);
        return false;
      }
      if (err instanceof SnapshotAbortedError) {
        console.log('shoal: Background saving terminated: the snapshot was dropped (FLUSHALL)');
        announceDone(shard, 'rdb', 'aborted', startedAt, cowBytes);
        return false;
      }
      console.error('shoal: Background saving error:', err instanceof Error ? err.message : err);
      announceDone(shard, 'rdb', false, startedAt, cowBytes);
      return false;
    }
  })();
  return { started, done };
}

/** Starts a background job as soon as no other runs (BGSAVE SCHEDULE, BGREWRITEAOF while a save runs). */
export function whenIdle(shard: Shard, flag: 'bgsaveScheduled' | 'aofRewriteScheduled', start: () => BackgroundJob): void {
  const p = shard.persistence;
  if (p[flag]) return;
  p[flag] = true;
  const retry = (): void => {
    if (p.running !== null) {
      setTimeout(retry, 50).unref();
      return;
    }
    const job = start();
    job.started.then(() => (p[flag] = false), () => setTimeout(retry, 50).unref());
  };
  setTimeout(retry, 0).unref();
}

const ANOTHER_CHILD = "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.";

/** SAVE, BGSAVE, LASTSAVE, BGREWRITEAOF. */
export const persistenceCommands: SessionFamily = {
  save: {
    allWorkers: true,
    async handler({ shard, out }) {
      const abortedBgsave = shard.persistence.running === 'rdb';
  if (abortedBgsave) {
        out.error('ERR Background save already in progress');
        return;
      }
      try {
        await saveSnapshot(shard);
        shard.persistence.lastBgsaveOk = true;
        out.simple('OK');
      } catch (err) {
        console.error('shoal: SAVE failed:', err);
        out.error('ERR');
      }
    },
  },
  bgsave: {
    async handler({ shard, out, txId }, argv) {
      if (argv.length > 2 || (argv.length === 2 && argv[1]!.toLowerCase() !== 'schedule')) {
        out.error('ERR syntax error');
        return;
      }
      const schedule = argv.length === 2;
      const p = shard.persistence;
      const busy = (running: SnapshotKind): void => {
        if (running === 'rdb') out.error('ERR Background save already in progress');
        else if (schedule || txId !== 0) {
          whenIdle(shard, 'bgsaveScheduled', () => backgroundSave(shard));
          out.simple('Background saving scheduled');
        } else out.error(ANOTHER_CHILD);
      };
      if (p.running !== null) return busy(p.running);
      if (txId !== 0) {
        // Inside EXEC (which may hold the workers' locks): as Redis, run it once the transaction is over.
        whenIdle(shard, 'bgsaveScheduled', () => backgroundSave(shard));
        out.simple('Background saving scheduled');
        return;
      }
      if (process.env.SHOAL_BGSAVE_LOCKING === '1') {
        // The previous implementation, every worker locked while the file is written (for bench/bgsave-latency.ts).
        if (shard.bgsaveInProgress) return out.error('ERR Background save already in progress');
        shard.bgsaveInProgress = true;
        saveSnapshot(shard)
          .catch((err: unknown) => console.error('shoal: background save failed:', err))
          .finally(() => (shard.bgsaveInProgress = false));
        out.simple('Background saving started');
        return;
      }
      try {
        await backgroundSave(shard).started;
        out.simple('Background saving started');
      } catch (err) {
        if (err instanceof SnapshotBusyError) busy(err.running);
        else out.error(`ERR ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  },
  bgrewriteaof: {
    async handler({ shard, out, txId }) {
      const p = shard.persistence;
      if (p.running === 'aof') {
        out.error('ERR Background append only file rewriting already in progress');
        return;
      }
      if (p.running !== null || txId !== 0) {
        whenIdle(shard, 'aofRewriteScheduled', () => rewriteAof(shard));
        out.simple('Background append only file rewriting scheduled');
        return;
      }
      try {
        await rewriteAof(shard).started;
        out.simple('Background append only file rewriting started');
      } catch (err) {
        if (err instanceof SnapshotBusyError && err.running === 'aof') out.error('ERR Background append only file rewriting already in progress');
        else if (err instanceof SnapshotBusyError) {
          whenIdle(shard, 'aofRewriteScheduled', () => rewriteAof(shard));
          out.simple('Background append only file rewriting scheduled');
        } else out.error(`ERR ${err instanceof Error ? err.message : String(err)}`);
      }
    },
  },
  lastsave: {
    handler({ out, shard }) {
      out.integer(Math.floor(shard.lastSave / 1000));
    },
  },
};
