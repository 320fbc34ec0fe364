// DUMP and RESTORE (cluster.c's dumpCommand / restoreCommand): values move between shoal and
// redis-server 7.0 as RDB v10 payloads with their CRC-64 (src/persistence/dump.ts).

import type { CommandContext, CommandFamily } from './context.ts';
import { parseLongLong } from './keys.ts';
import { BUSYKEY, ERR_NOT_INTEGER, ERR_SYNTAX, OK } from '../resp/errors.ts';
import { ERR_BAD_DATA_FORMAT, ERR_DUMP_PAYLOAD, createDumpPayload, decodeDumpPayload, dumpChecks, verifyDumpPayload } from '../persistence/dump.ts';
import { accessSeconds } from '../shard/access-clock.ts';

const ERR_INVALID_TTL = 'ERR Invalid TTL value, must be >= 0';
const ERR_INVALID_IDLETIME = 'ERR Invalid IDLETIME value, must be >= 0';
const ERR_INVALID_FREQ = 'ERR Invalid FREQ value, must be >= 0 and <= 255';

function equalsIgnoreCase(a: string, lowerB: string): boolean {
  return a.length === lowerB.length && a.toLowerCase() === lowerB;
}

function dump(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const value = ctx.keyspace.lookupRead(ctx.db, key);
  if (value === undefined) {
    ctx.notify(key, 'keymiss', 'm');
    ctx.reply.nil();
    return;
  }
  const payload = createDumpPayload(value, {
    compression: ctx.config.rdbcompression,
    listMaxListpackSize: ctx.config.listMaxListpackSize,
  });
  ctx.reply.bulkBuffer(payload);
}

function restore(ctx: CommandContext, argv: string[]): void {
  const { keyspace, db } = ctx;
  let replace = false;
  let absttl = false;
  let idle = -1;
  let freq = -1;
  for (let j = 4; j < argv.length; j++) {
    const option = argv[j]!;
    const additional = argv.length - j - 1;
    if (equalsIgnoreCase(option, 'replace')) {
      replace = true;
    } else if (equalsIgnoreCase(option, 'absttl')) {
      absttl = true;
    } else if (equalsIgnoreCase(option, 'idletime') && additional >= 1 && freq === -1) {
      const v = parseLongLong(argv[j + 1]!);
      if (v === null) return ctx.reply.error(ERR_NOT_INTEGER);
      if (v < 0n) return ctx.reply.error(ERR_INVALID_IDLETIME);
      idle = Number(v);
      j++;
    } else if (equalsIgnoreCase(option, 'freq') && additional >= 1 && idle === -1) {
      const v = parseLongLong(argv[j + 1]!);
      if (v === null) return ctx.reply.error(ERR_NOT_INTEGER);
      if (v < 0n || v > 255n) return ctx.reply.error(ERR_INVALID_FREQ);
      freq = Number(v);
      j++;
    } else {
      return ctx.reply.error(ERR_SYNTAX);
    }
  }
  // FREQ is accepted and checked; no LFU counter is kept (OBJECT FREQ answers the initial one).

  const key = argv[1]!;
  if (!replace && keyspace.lookupWrite(db, key) !== undefined) return ctx.reply.error(BUSYKEY);

  const ttlArg = parseLongLong(argv[2]!);
  if (ttlArg === null) return ctx.reply.error(ERR_NOT_INTEGER);
  if (ttlArg < 0n) return ctx.reply.error(ERR_INVALID_TTL);

  const payload = Buffer.from(argv[3]!, 'latin1');
  if (!verifyDumpPayload(payload, dumpChecks.skipChecksum)) return ctx.reply.error(ERR_DUMP_PAYLOAD);
  // sanitize-dump-payload: deep checks always (yes), for ordinary clients (clients), or not (no).
  const sanitize = ctx.config.get('sanitize-dump-payload');
  const value = decodeDumpPayload(payload, ctx.config, sanitize === 'yes' || (sanitize === 'clients' && !ctx.client.isMaster));
  if (value === null) return ctx.reply.error(ERR_BAD_DATA_FORMAT);

  const deleted = replace && keyspace.deleteKey(db, key);
  let ttl = Number(ttlArg);
  if (ttl !== 0 && !absttl) ttl += keyspace.now;
  if (ttl !== 0 && ttl <= keyspace.now && !keyspace.isReplica && !keyspace.loading) {
    // Already expired: the key is gone (a replaced one is deleted, and that is what propagates).
    if (deleted) {
      ctx.propagate(['DEL', key]);
      ctx.changed(key, 'del', 'g');
    }
    ctx.reply.simple(OK);
    return;
  }
  keyspace.addKey(db, key, value);
  // IDLETIME: the key was last used that many seconds ago (objectSetLRUOrLFU).
  if (idle >= 0) db.setAccessTime(key, Math.max(0, accessSeconds(keyspace.now) - idle));
  if (ttl !== 0) {
    db.setExpire(key, ttl);
    if (!absttl) {
      const effect = argv.slice();
      effect[2] = String(ttl);
      effect.push('ABSTTL');
      ctx.propagate(effect);
    }
  }
  ctx.changed(key, 'restore', 'g');
  ctx.reply.simple(OK);
}

export const dumpRestoreCommands: CommandFamily = {
  dump,
  restore,
};
