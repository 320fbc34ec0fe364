// The point-in-time snapshot of a full resync: every worker locked (ascending order, as any
// cross-shard transaction), the global write sequence read while they are, each worker's keys encoded
// as RDB entries, one RDB image in memory. The stream sent after it starts with effect `seq`: every
// effect before it is in the image, none after it.
import type { Shard } from '../shard/shard.ts';
import { integerReply, arrayElements } from '../resp/reply-scan.ts';
import { RdbFileWriter, readRdb, readRdbFileSync, type RdbLoadHandler } from '../persistence/rdb-file.ts';
import { stringReply } from '../resp/reply-scan.ts';

function decodePart(reply: Buffer): { keys: number; expires: number; entries: Buffer } {
  const [keys, expires, entries] = arrayElements(reply)!;
  let i = entries![0] + 1;
  while (reply[i] !== 13) i++;
  return { keys: integerReply(reply, keys![0])!, expires: integerReply(reply, expires![0])!, entries: reply.subarray(i + 2, entries![1] - 2) };
}

/**
 * `streamDb`: the database the stream after the payload continues in (aux field repl-stream-db, as
 * Redis writes it): a replica serving its own replicas passes its primary's stream on unchanged, and
 * that stream selects its database only when it changes.
 */
export async function takeReplicationSnapshot(shard: Shard, streamDb = 0): Promise<{ rdb: Buffer; seq: number }> {
  const txId = shard.newTxId();
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  const chunks: Buffer[] = [];
  let seq: number;
  try {
    seq = shard.effects.nextSequence();
    const writer = new RdbFileWriter((chunk) => chunks.push(Buffer.from(chunk)), {
      compression: shard.config.rdbcompression, checksum: shard.config.rdbchecksum, aux: [['repl-stream-db', String(streamDb)]],
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

class HeaderRead extends Error {}

/**
 * The aux fields of an RDB (they come first) up to its first key; `read` runs a reader over a file or
 * a buffer with the handler. Any other failure of the reader is thrown.
 */
function auxFields(read: (handler: RdbLoadHandler) => unknown): Map<string, string> {
  const fields = new Map<string, string>();
  try {
    read({
      aux(key, value) {
        fields.set(key, value);
      },
      key() {
        throw new HeaderRead();
      },
    });
  } catch (err) {
    if (!(err instanceof HeaderRead)) throw err;
  }
  return fields;
}

/** The aux field repl-stream-db (0 without one): where the stream after a payload continues. */
function streamDbOf(fields: Map<string, string>): number {
  return Number(fields.get('repl-stream-db')) || 0;
}

/** The aux field repl-stream-db of an RDB file (0 without one). */
export function readStreamDb(file: string): number {
  return streamDbOf(auxFields((handler) => readRdbFileSync(file, handler)));
}

/** The aux field repl-stream-db of a payload in memory (0 without one). */
export function payloadStreamDb(payload: Buffer): number {
  return streamDbOf(auxFields((handler) => readRdb(payload, handler)));
}

/**
 * The aux fields a saved RDB carries on a replica (repl-stream-db, repl-id, repl-offset), asked of
 * worker 0, which runs the master client, under the save's locks: what the file holds is the primary's
 * history up to that offset, so after a restart the replica continues it with PSYNC, as Redis does.
 */
export async function replicationSaveAux(shard: Shard, txId: number): Promise<Array<[string, string]>> {
  if (!shard.replication.available) return [];
  const reply = await shard.request(0, ['@repl-save-info'], 0, 2, txId);
  return JSON.parse(stringReply(reply) ?? '[]') as Array<[string, string]>;
}

/** What a replica's RDB file says about the history it holds (see replicationSaveAux), or null. */
export function readReplicationAux(file: string): { replid: string; offset: number; db: number } | null {
  let fields: Map<string, string>;
  try {
    fields = auxFields((handler) => readRdbFileSync(file, handler));
  } catch {
    return null;
  }
  const replid = fields.get('repl-id') ?? '';
  const offsetText = fields.get('repl-offset');
  const offset = offsetText === undefined ? -1 : Number(offsetText);
  return replid.length === 40 && Number.isSafeInteger(offset) && offset >= 0 ? { replid, offset, db: streamDbOf(fields) } : null;
}
