import type { Request } from '../ipc/frames.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import { encodeValue, decodeValue } from '../ipc/value-transfer.ts';
import { dbSizeShard, flushShard, keysShard, randomKeyShard, scanShard } from '../commands/keyspace-scan.ts';
import { slotRange } from '../ipc/slot-table.ts';
import { keyHashSlot } from '../cluster/key-slot.ts';
import { globMatch } from '../commands/glob.ts';
import type { Shard } from './shard.ts';
import { encodeShardDb, loadShardFromRdb } from '../persistence/rdb-snapshot.ts';
import { shardDigests, valueDigest } from '../replication/digest.ts';
import { debugObjectText } from '../replication/debug-object.ts';
import { SCRIPT_OPS } from '../scripting/script-ops.ts';
import { dumpChecks } from '../persistence/dump.ts';
import { abortRdbSnapshot, aofReplaying, persistenceDone, snapshotAbort, snapshotBegin, snapshotChunk } from '../persistence/snapshot-ops.ts';

/** Request flag: the sender wants no reply (unlock, publish of notifications, write-backs). */
export const NO_REPLY = 1;

type InternalOp = (shard: Shard, request: Request, out: ReplyWriter) => void;

/**
 * Operations workers ask of each other, named '@...' so that no client command can reach them:
 * transaction locks and key movement, WATCH registration, and the per-worker parts of keyspace-wide
 * commands (the coordinator merges the replies).
 */
const OPS: Record<string, InternalOp> = {
  ...SCRIPT_OPS,
  '@lock'(shard, request, out) {
    // Only reached when the lock is free or already ours (ShardLock.admits): others wait in order.
    shard.acquireLock(request.txId);
    out.simple('OK');
  },
  '@unlock'(shard, _request, out) {
    out.simple('OK');
    // Freed after this reply is out: what waited for the lock runs then, not inside this request.
    shard.releaseRequested = true;
  },
  '@fetch'(shard, request, out) {
    const db = shard.keyspace.dbs[request.db]!;
    const argv = request.argv;
    shard.keyspace.now = Date.now();
    out.array(argv.length - 1);
    for (let i = 1; i < argv.length; i++) {
      const key = argv[i]!;
      const value = shard.keyspace.lookupWrite(db, key);
      if (value === undefined) {
        out.nullArray();
        continue;
      }
      const [kind, payload] = encodeValue(value);
      out.array(3);
      out.bulk(kind);
      out.bulk(payload);
      out.integer(db.getExpire(key) ?? -1);
    }
  },
  '@store'(shard, request, out) {
    const db = shard.keyspace.dbs[request.db]!;
    const [, key, kind, payload, expireAt] = request.argv as [string, string, string, string, string];
    db.set(key, decodeValue(kind, payload));
    const at = Number(expireAt);
    if (at >= 0) db.setExpire(key, at);
    else db.removeExpire(key);
    shard.keyChanged(db, key);
    shard.executor.tracker?.keyModified(db, key, 0);
    shard.afterCommand();
    out.simple('OK');
  },
  '@del'(shard, request, out) {
    const db = shard.keyspace.dbs[request.db]!;
    const key = request.argv[1]!;
    db.delete(key);
    shard.keyChanged(db, key);
    shard.executor.tracker?.keyModified(db, key, 0);
    out.simple('OK');
  },
  '@watch'(shard, request, out) {
    const clientId = Number(request.argv[1]);
    const db = shard.keyspace.dbs[request.db]!;
    shard.keyspace.now = Date.now();
    for (let i = 2; i < request.argv.length; i++) {
      shard.watches.watch(clientId, request.db, request.argv[i]!);
      // A key that is already logically expired is watched as expired: its deletion must not count as a change (Redis 7.0).
      void db;
    }
    out.simple('OK');
  },
  '@unwatch'(shard, request, out) {
    shard.watches.unwatchAll(Number(request.argv[1]));
    out.simple('OK');
  },
  '@watch-dirty'(shard, request, out) {
    out.integer(shard.watches.isDirty(Number(request.argv[1])) ? 1 : 0);
  },
  '@publish'(shard, request, out) {
    out.integer(shard.pubsub.publish(request.argv[1]!, request.argv[2]!, (conn) => shard.outputReady(conn)));
  },
  '@pubsub-channels'(shard, request, out) {
    const pattern = request.argv[1];
    const names: string[] = [];
    for (const channel of shard.pubsub.channels.keys()) if (pattern === undefined || globMatch(pattern, channel)) names.push(channel);
    out.array(names.length);
    for (const name of names) out.bulk(name);
  },
  '@pubsub-numsub'(shard, request, out) {
    out.array(request.argv.length - 1);
    for (let i = 1; i < request.argv.length; i++) out.integer(shard.pubsub.channels.get(request.argv[i]!)?.size ?? 0);
  },
  '@pubsub-numpat'(shard, _request, out) {
    out.integer(shard.pubsub.patterns.size);
  },
  '@pubsub-patterns'(shard, _request, out) {
    out.array(shard.pubsub.patterns.size);
    for (const pattern of shard.pubsub.patterns.keys()) out.bulk(pattern);
  },
  '@dbsize'(shard, request, out) {
    out.integer(dbSizeShard(shard.keyspace.dbs[request.db]!));
  },
  '@keys'(shard, request, out) {
    const keys: string[] = [];
    shard.keyspace.now = Date.now();
    keysShard(shard.keyspace.dbs[request.db]!, shard.keyspace, request.argv[1]!, keys);
    out.array(keys.length);
    for (const key of keys) out.bulk(key);
  },
  '@scan'(shard, request, out) {
    // argv: @scan startSlot count match|'' type|''  → [nextSlot, [keys...]]
    const [, start, count, match, type] = request.argv as [string, string, string, string, string];
    const [, end] = slotRange(shard.id, shard.workerCount);
    const keys: string[] = [];
    shard.keyspace.now = Date.now();
    const next = scanShard(shard.keyspace.dbs[request.db]!, shard.keyspace, Number(start), end, Number(count), match === '' ? null : match, type === '' ? null : type, keys);
    out.array(2);
    out.integer(next);
    out.array(keys.length);
    for (const key of keys) out.bulk(key);
  },
  '@randomkey'(shard, request, out) {
    shard.keyspace.now = Date.now();
    const key = randomKeyShard(shard.keyspace.dbs[request.db]!, shard.keyspace);
    if (key === null) out.nil();
    else out.bulk(key);
  },
  '@flushdb'(shard, request, out) {
    flushDatabase(shard, request.db);
    shard.tracking.flushed();
    out.simple('OK');
  },
  /** DEBUG POPULATE's share: the keys of `count` that this worker owns. */
  '@populate'(shard, request, out) {
    const [, countArg, prefix, sizeArg] = request.argv as [string, string, string, string];
    const count = Number(countArg);
    const size = Number(sizeArg);
    const db = shard.keyspace.dbs[request.db]!;
    shard.keyspace.now = Date.now();
    let added = 0;
    for (let j = 0; j < count; j++) {
      const key = `${prefix}:${j}`;
      if (shard.slots.ownerOf(keyHashSlot(key)) !== shard.id || shard.keyspace.exists(db, key)) continue;
      let value = `value:${j}`;
      // As Redis: with a size, the value is that long, zero-padded or cut.
      if (size > 0) value = value.length >= size ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
      shard.keyspace.addKey(db, key, value);
      added++;
    }
    out.integer(added);
  },
  '@flushall'(shard, _request, out) {
    // As Redis's FLUSHALL kills a saving child: the running BGSAVE is dropped.
    abortRdbSnapshot(shard);
    for (let i = 0; i < shard.keyspace.dbs.length; i++) flushDatabase(shard, i);
    shard.tracking.flushed();
    out.simple('OK');
  },
  '@tracking-client'(shard, request, out) {
    shard.tracking.applyClient(request.argv);
    out.simple('OK');
  },
  '@tracking-remember'(shard, request, out) {
    shard.tracking.rememberAll(request.argv);
    out.simple('OK');
  },
  '@tracking-script-read'(shard, request, out) {
    shard.tracking.scriptReadElsewhere(Number(request.argv[1]));
    out.simple('OK');
  },
  '@tracking-invalidate'(shard, request, out) {
    shard.tracking.keyInvalidated(Number(request.argv[1]), Number(request.argv[2]), request.argv[3]!);
    out.simple('OK');
  },
  '@tracking-broadcast'(shard, request, out) {
    shard.tracking.broadcastReceived(Number(request.argv[1]), request.argv.slice(2));
    out.simple('OK');
  },
  '@tracking-redirect'(shard, request, out) {
    shard.tracking.redirectReceived(request.argv);
    out.simple('OK');
  },
  '@tracking-broken'(shard, request, out) {
    shard.tracking.brokenReceived(Number(request.argv[1]), Number(request.argv[2]));
    out.simple('OK');
  },
  '@tracking-stats'(shard, _request, out) {
    const stats = shard.tracking.stats();
    out.array(4);
    out.integer(stats.clients);
    out.integer(stats.keys);
    out.integer(stats.items);
    out.integer(stats.prefixes);
  },
  '@swapdb'(shard, request, out) {
    const a = shard.keyspace.dbs[Number(request.argv[1])]!;
    const b = shard.keyspace.dbs[Number(request.argv[2])]!;
    // Watchers of keys in either database see a change when the swap gives their key another value.
    shard.watches.touchDatabase(a, (key) => a.has(key) || b.has(key));
    shard.watches.touchDatabase(b, (key) => a.has(key) || b.has(key));
    a.swapContents(b);
    shard.blocking.databaseChanged(a.index);
    shard.blocking.databaseChanged(b.index);
    shard.afterCommand();
    out.simple('OK');
  },
  '@info-keyspace'(shard, _request, out) {
    // [db, keys, expires] for each non-empty database
    const rows = shard.keyspace.dbs.filter((db) => db.size > 0);
    out.array(rows.length);
    for (const db of rows) {
      out.array(3);
      out.integer(db.index);
      out.integer(db.size);
      out.integer(db.expires.size);
    }
  },
  '@config-set'(shard, request, out) {
    const pairs: Array<[string, string]> = [];
    for (let i = 1; i + 1 < request.argv.length; i += 2) pairs.push([request.argv[i]!, request.argv[i + 1]!]);
    const error = shard.config.set(pairs);
    if (error === null) out.simple('OK');
    else out.error(error);
  },
  '@client-kill'(shard, request, out) {
    out.integer(shard.killClients(request.argv.slice(1)));
  },
  '@client-list'(shard, request, out) {
    out.bulk(shard.clientList(request.argv.slice(1)));
  },
  '@evict'(shard, _request, out) {
    if (!shard.lock.held) shard.memory.cron();
    out.simple('OK');
  },
  '@stats'(shard, _request, out) {
    // INFO's used_memory adds every worker's published estimate: make this one current.
    shard.memory.sample();
    out.bulk(JSON.stringify(shard.localStats()));
  },
  '@pause'(shard, request, out) {
    shard.setPause(Number(request.argv[1]), request.argv[2] === 'write');
    out.simple('OK');
  },
  '@unblock'(shard, request, out) {
    const blocked = shard.blocking.byClientId(Number(request.argv[1]));
    const how = request.argv[2] as 'timeout' | 'error' | 'drop';
    if (blocked === undefined) {
      out.integer(0);
      return;
    }
    shard.unblock(blocked, how);
    out.integer(1);
  },
  '@key-watch'(shard, request, out) {
    shard.watchKeys(Number(request.argv[1]), Number(request.argv[2]), request.db, request.argv.slice(3));
    out.simple('OK');
  },
  '@key-unwatch'(shard, request, out) {
    shard.unwatchKeys(Number(request.argv[1]));
    out.simple('OK');
  },
  '@key-ready'(shard, request, out) {
    shard.keyReady(Number(request.argv[1]));
    out.simple('OK');
  },
  '@monitors'(shard, request, out) {
    shard.monitorsAnywhere += Number(request.argv[1]);
    out.simple('OK');
  },
  '@monitor-feed'(shard, request, out) {
    shard.deliverToMonitors(request.argv[1]!);
    out.simple('OK');
  },
  '@rdb-encode'(shard, request, out) {
    const part = encodeShardDb(shard.keyspace, request.db, shard.config.rdbcompression);
    out.array(3);
    out.integer(part.keys);
    out.integer(part.expires);
    out.bulkBuffer(part.entries);
  },
  '@snapshot-begin': snapshotBegin,
  '@snapshot-chunk': snapshotChunk,
  '@snapshot-abort': snapshotAbort,
  '@persistence-done': persistenceDone,
  '@aof-replaying': aofReplaying,
  '@rdb-saved'(shard, request, out) {
    shard.lastSave = Number(request.argv[1]);
    shard.dirtyAtLastSave = shard.executor.dirty;
    out.simple('OK');
  },
  '@set-skip-checksum'(_shard, request, out) {
    dumpChecks.skipChecksum = request.argv[1] === '1';
    out.simple('OK');
  },
  '@rdb-reload'(shard, request, out) {
    for (let i = 0; i < shard.keyspace.dbs.length; i++) flushDatabase(shard, i);
    loadShardFromRdb(request.argv[1]!, shard.keyspace, shard.slots, shard.id, shard.config, { figures: shard.persistence });
    out.simple('OK');
  },
  '@slowlog-get'(shard, _request, out) {
    out.bulk(JSON.stringify(shard.slowlog.entries));
  },
  '@slowlog-reset'(shard, _request, out) {
    shard.slowlog.reset();
    out.simple('OK');
  },
  '@digest'(shard, _request, out) {
    // DEBUG DIGEST: [db, xor of this worker's key digests] per database with keys here.
    const parts = shardDigests(shard.keyspace.dbs);
    out.array(parts.length * 2);
    for (const [db, digest] of parts) {
      out.integer(db);
      out.bulk(digest.toString('hex'));
    }
  },
  '@digest-value'(shard, request, out) {
    const value = shard.keyspace.dbs[request.db]!.get(request.argv[1]!);
    out.bulk(value === undefined ? '0'.repeat(40) : valueDigest(value).toString('hex'));
  },
  '@debug-object'(shard, request, out) {
    const value = shard.keyspace.dbs[request.db]!.get(request.argv[1]!);
    if (value === undefined) out.error('ERR no such key');
    else out.simple(debugObjectText(value));
  },
  '@set-active-expire'(shard, request, out) {
    shard.activeExpiryEnabled = request.argv[1] !== '0';
    out.simple('OK');
  },
  '@repl-save-info'(shard, _request, out) {
    // Worker 0 on a replica: the aux fields that let a saved RDB continue the primary's history (PSYNC).
    out.bulk(JSON.stringify(shard.replication.saveInfoAux()));
  },
  '@resetstat'(shard, _request, out) {
    shard.resetStats();
    out.simple('OK');
  },
};

function flushDatabase(shard: Shard, index: number): void {
  const db = shard.keyspace.dbs[index]!;
  if (db.size === 0) return;
  shard.watches.touchDatabase(db, (key) => db.has(key));
  flushShard(db);
  shard.blocking.databaseChanged(index);
  shard.afterCommand();
}

export function runInternalOp(shard: Shard, request: Request, out: ReplyWriter): void {
  const op = OPS[request.argv[0]!];
  if (op === undefined) {
    out.error(`ERR unknown internal operation '${request.argv[0]}'`);
    return;
  }
  op(shard, request, out);
}
