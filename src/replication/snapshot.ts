// The point-in-time snapshot of a full resync: every worker locked (ascending order, as any
// cross-shard transaction), the global write sequence read while they are, each worker's keys encoded
// as RDB entries, one RDB image in memory. The stream sent after it starts with effect `seq`: every
// effect before it is in the image, none after it.
import type { Shard } from '../shard/shard.ts';
import { integerReply, arrayElements } from '../resp/reply-scan.ts';
import { RdbFileWriter } from '../persistence/rdb-file.ts';

function decodePart(reply: Buffer): { keys: number; expires: number; entries: Buffer } {
  const [keys, expires, entries] = arrayElements(reply)!;
  let i = entries![0] + 1;
  while (reply[i] !== 13) i++;
  return { keys: integerReply(reply, keys![0])!, expires: integerReply(reply, expires![0])!, entries: reply.subarray(i + 2, entries![1] - 2) };
}

export async function takeReplicationSnapshot(shard: Shard): Promise<{ rdb: Buffer; seq: number }> {
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  const chunks: Buffer[] = [];
  let seq: number;
  try {
    seq = shard.effects.nextSequence();
    const writer = new RdbFileWriter((chunk) => chunks.push(Buffer.from(chunk)), {
      compression: shard.config.rdbcompression, checksum: shard.config.rdbchecksum,
    });
    writer.begin();
    for (let db = 0; db < shard.keyspace.dbs.length; db++) {
      const parts = (await Promise.all(workers.map((w) => shard.request(w, ['@rdb-encode'], db, 2, txId)))).map(decodePart);
      let keys = 0;
      let expires = 0;
      for (const part of parts) {
        keys += part.keys;
        expires += part.expires;
      }
      if (keys === 0) continue;
      writer.selectDb(db, { keys, expires });
      for (const part of parts) writer.appendEntries(part.entries);
    }
    writer.end();
  } finally {
    for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
  return { rdb: Buffer.concat(chunks), seq };
}

/** Loads an RDB file into every worker (each keeps its slots) with all of them locked: a replica's full resync. */
export async function loadIntoWorkers(shard: Shard, file: string): Promise<void> {
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  try {
    const replies = await Promise.all(workers.map((w) => shard.request(w, ['@rdb-reload', file], 0, 2, txId)));
    for (const reply of replies) if (reply[0] === 0x2d) throw new Error(reply.toString('latin1', 1).trim());
  } finally {
    for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
}
