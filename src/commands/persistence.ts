import { integerReply, arrayElements } from '../resp/reply-scan.ts';
import type { Shard } from '../shard/shard.ts';
import type { SessionFamily } from '../shard/session.ts';
import { rdbPath, writeRdbSnapshot, type EncodedShardDb } from '../persistence/rdb-snapshot.ts';

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
 * so the snapshot is the keyspace at one point of the write stream. Returns the bytes written.
 */
export async function saveSnapshot(shard: Shard): Promise<number> {
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  let written: number;
  try {
    written = await writeRdbSnapshot(rdbPath(shard.config), shard.config, shard.keyspace.dbs.length, async (db) => {
      const replies = await Promise.all(workers.map((w) => shard.request(w, ['@rdb-encode'], db, 2, txId)));
      return replies.map(decodePart);
    });
  } finally {
    for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
  const now = String(Date.now());
  for (const w of workers) shard.send(w, ['@rdb-saved', now], 0, 2, null);
  return written;
}

/** SAVE, BGSAVE, LASTSAVE: RDB snapshots of every worker's keys in one file. */
export const persistenceCommands: SessionFamily = {
  save: {
    allWorkers: true,
    async handler({ shard, out }) {
      try {
        await saveSnapshot(shard);
        out.simple('OK');
      } catch (err) {
        console.error('shoal: SAVE failed:', err);
        out.error('ERR');
      }
    },
  },
  bgsave: {
    handler({ shard, out }, argv) {
      if (argv.length > 2 || (argv.length === 2 && argv[1]!.toLowerCase() !== 'schedule')) {
        out.error('ERR syntax error');
        return;
      }
      if (shard.bgsaveInProgress) {
        out.error('ERR Background save already in progress');
        return;
      }
      // No fork in Node: the client gets its answer at once, but every worker stays locked while the
      // snapshot is encoded and written, so other clients wait that long (an incremental,
      // copy-on-write snapshot is the next step, issue 5).
      shard.bgsaveInProgress = true;
      saveSnapshot(shard)
        .catch((err: unknown) => console.error('shoal: background save failed:', err))
        .finally(() => (shard.bgsaveInProgress = false));
      out.simple('Background saving started');
    },
  },
  lastsave: {
    handler({ out, shard }) {
      out.integer(Math.floor(shard.lastSave / 1000));
    },
  },
};
