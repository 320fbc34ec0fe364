// The list family (Redis's t_list.c), non-blocking commands: pushes, pops (with a count), ranges,
// LINDEX/LSET/LINSERT/LREM/LTRIM, LPOS, LMOVE/RPOPLPUSH and LMPOP. Replies, error texts, keyspace
// events and propagated effects follow Redis 7.0.15. Blocking variants reuse parseMpopArguments and
// the helpers below once the engine can park clients; pushes call listReadyHooks so it can wake them.

import type { CommandContext, CommandFamily } from './context.ts';
import type { RedisValue } from '../types/value.ts';
import { ListValue, varint } from '../types/list-value.ts';
import { parseInteger } from './string-value.ts';
import { registerValueCodec } from '../ipc/value-transfer.ts';
import {
  ERR_INDEX_OUT_OF_RANGE,
  ERR_NOT_INTEGER,
  ERR_NO_SUCH_KEY,
  ERR_SYNTAX,
  OK,
  WRONGTYPE,
  errWrongArity,
} from '../resp/errors.ts';

const ERR_NOT_POSITIVE = 'ERR value is out of range, must be positive';
const ERR_RANK_ZERO =
  "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list";
const ERR_COUNT_NEGATIVE = "ERR COUNT can't be negative";
const ERR_MAXLEN_NEGATIVE = "ERR MAXLEN can't be negative";
const ERR_NUMKEYS = 'ERR numkeys should be greater than 0';
const ERR_MPOP_COUNT = 'ERR count should be greater than 0';
const LONG_MIN = -9223372036854775808;

/**
 * Called with (database index, key) after a push or a move creates or grows a list, so that the
 * engine can serve clients blocked on that key (Redis's signalKeyAsReady).
 */
export const listReadyHooks: Array<(db: number, key: string) => void> = [];

function listReady(ctx: CommandContext, key: string): void {
  for (let i = 0; i < listReadyHooks.length; i++) listReadyHooks[i]!(ctx.db.index, key);
}

/**
 * The list at key, undefined when the key is missing, or null after replying WRONGTYPE.
 */
function listOrWrongType(ctx: CommandContext, value: RedisValue | undefined): ListValue | undefined | null {
  if (value === undefined) return undefined;
  if (value instanceof ListValue) return value;
  ctx.reply.error(WRONGTYPE);
  return null;
}

function lookupListRead(ctx: CommandContext, key: string): ListValue | undefined | null {
  return listOrWrongType(ctx, ctx.keyspace.lookupRead(ctx.db, key));
}

function lookupListWrite(ctx: CommandContext, key: string): ListValue | undefined | null {
  return listOrWrongType(ctx, ctx.keyspace.lookupWrite(ctx.db, key));
}

/** Parses a signed 64-bit integer argument; NaN after replying the error. */
function integerOrReply(ctx: CommandContext, text: string, error = ERR_NOT_INTEGER): number {
  const n = parseInteger(text);
  if (Number.isNaN(n)) ctx.reply.error(error);
  return n;
}

/** LEFT/RIGHT (getListPositionFromObjectOrReply): true for LEFT, false for RIGHT, undefined after a syntax error. */
function whereOrReply(ctx: CommandContext, text: string): boolean | undefined {
  const upper = text.toUpperCase();
  if (upper === 'LEFT') return true;
  if (upper === 'RIGHT') return false;
  ctx.reply.error(ERR_SYNTAX);
  return undefined;
}

/** Pushes onto the list at key, creating it if needed (Redis's lmoveHandlePush / pushGenericCommand tail). */
function pushOne(ctx: CommandContext, key: string, list: ListValue | undefined, value: string, atHead: boolean): void {
  if (list === undefined) {
    list = new ListValue();
    ctx.keyspace.addKey(ctx.db, key, list);
  }
  if (atHead) list.pushHead(value);
  else list.pushTail(value);
  ctx.changed(key, atHead ? 'lpush' : 'rpush', 'l');
  listReady(ctx, key);
}

/** After elements were popped: the pop event, and the key deleted when emptied (listElementsRemoved). */
function elementsRemoved(ctx: CommandContext, key: string, list: ListValue, atHead: boolean): void {
  ctx.changed(key, atHead ? 'lpop' : 'rpop', 'l');
  if (list.length === 0) {
    ctx.keyspace.deleteKey(ctx.db, key);
    ctx.notify(key, 'del', 'g');
  }
}

/** Resolves a possibly negative index; -1 when outside the list. */
function resolveIndex(index: number, length: number): number {
  if (index < 0) index += length;
  return index >= 0 && index < length ? index : -1;
}

// ---------------------------------------------------------------------------------------------
// Pushes and pops

function pushGeneric(ctx: CommandContext, argv: string[], atHead: boolean, onlyIfExists: boolean): void {
  const key = argv[1]!;
  let list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    if (onlyIfExists) {
      ctx.reply.integer(0);
      return;
    }
    list = new ListValue();
    ctx.keyspace.addKey(ctx.db, key, list);
  }
  if (atHead) for (let j = 2; j < argv.length; j++) list.pushHead(argv[j]!);
  else for (let j = 2; j < argv.length; j++) list.pushTail(argv[j]!);
  ctx.reply.integer(list.length);
  ctx.changed(key, atHead ? 'lpush' : 'rpush', 'l');
  listReady(ctx, key);
}

/** Pops up to count elements and replies them as an array, head or tail first (listPopRangeAndReply). */
function popRangeReply(ctx: CommandContext, list: ListValue, count: number, atHead: boolean): void {
  const n = count < list.length ? count : list.length;
  const reply = ctx.reply;
  reply.array(n);
  if (atHead) for (let i = 0; i < n; i++) reply.bulk(list.popHead()!);
  else for (let i = 0; i < n; i++) reply.bulk(list.popTail()!);
}

function popGeneric(ctx: CommandContext, argv: string[], atHead: boolean): void {
  const hasCount = argv.length === 3;
  let count = 0;
  if (argv.length > 3) {
    ctx.reply.error(errWrongArity(argv[0]!.toLowerCase()));
    return;
  }
  if (hasCount) {
    count = parseInteger(argv[2]!);
    if (!(count >= 0)) {
      ctx.reply.error(ERR_NOT_POSITIVE);
      return;
    }
  }
  const key = argv[1]!;
  const list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    if (hasCount) ctx.reply.nullArray();
    else ctx.reply.nil();
    return;
  }
  if (hasCount && count === 0) {
    ctx.reply.array(0);
    return;
  }
  if (!hasCount) ctx.reply.bulk((atHead ? list.popHead() : list.popTail())!);
  else popRangeReply(ctx, list, count, atHead);
  elementsRemoved(ctx, key, list, atHead);
}

// ---------------------------------------------------------------------------------------------
// Reads and in-place edits

function llen(ctx: CommandContext, argv: string[]): void {
  const list = lookupListRead(ctx, argv[1]!);
  if (list === null) return;
  ctx.reply.integer(list === undefined ? 0 : list.length);
}

function lindex(ctx: CommandContext, argv: string[]): void {
  const list = lookupListRead(ctx, argv[1]!);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.nil();
    return;
  }
  const index = integerOrReply(ctx, argv[2]!);
  if (Number.isNaN(index)) return;
  const at = resolveIndex(index, list.length);
  if (at < 0) ctx.reply.nil();
  else ctx.reply.bulk(list.get(at));
}

function lset(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  const index = integerOrReply(ctx, argv[2]!);
  if (Number.isNaN(index)) return;
  const at = resolveIndex(index, list.length);
  if (at < 0) {
    ctx.reply.error(ERR_INDEX_OUT_OF_RANGE);
    return;
  }
  list.set(at, argv[3]!);
  ctx.reply.simple(OK);
  ctx.changed(key, 'lset', 'l');
}

function lrange(ctx: CommandContext, argv: string[]): void {
  let start = integerOrReply(ctx, argv[2]!);
  if (Number.isNaN(start)) return;
  let end = integerOrReply(ctx, argv[3]!);
  if (Number.isNaN(end)) return;
  const list = lookupListRead(ctx, argv[1]!);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.array(0);
    return;
  }
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    ctx.reply.array(0);
    return;
  }
  if (end >= length) end = length - 1;
  ctx.reply.array(end - start + 1);
  list.writeRange(start, end, ctx.reply);
}

function ltrim(ctx: CommandContext, argv: string[]): void {
  let start = integerOrReply(ctx, argv[2]!);
  if (Number.isNaN(start)) return;
  let end = integerOrReply(ctx, argv[3]!);
  if (Number.isNaN(end)) return;
  const key = argv[1]!;
  const list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.simple(OK);
    return;
  }
  const length = list.length;
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    list.trim(length, 0);
  } else {
    if (end >= length) end = length - 1;
    list.trim(start, length - end - 1);
  }
  // Redis signals and notifies even when nothing was removed.
  ctx.changed(key, 'ltrim', 'l');
  if (list.length === 0) {
    ctx.keyspace.deleteKey(ctx.db, key);
    ctx.notify(key, 'del', 'g');
  }
  ctx.reply.simple(OK);
}

function lrem(ctx: CommandContext, argv: string[]): void {
  const count = integerOrReply(ctx, argv[2]!);
  if (Number.isNaN(count)) return;
  const key = argv[1]!;
  const list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const removed = list.removeMatching(argv[3]!, count < 0 ? -count : count, count < 0);
  if (removed > 0) ctx.changed(key, 'lrem', 'l');
  if (list.length === 0) {
    ctx.keyspace.deleteKey(ctx.db, key);
    ctx.notify(key, 'del', 'g');
  }
  ctx.reply.integer(removed);
}

function linsert(ctx: CommandContext, argv: string[]): void {
  const where = argv[2]!.toUpperCase();
  if (where !== 'AFTER' && where !== 'BEFORE') {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1]!;
  const list = lookupListWrite(ctx, key);
  if (list === null) return;
  if (list === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const pivot = list.indexOf(argv[3]!);
  if (pivot < 0) {
    ctx.reply.integer(-1);
    return;
  }
  list.insert(where === 'AFTER' ? pivot + 1 : pivot, argv[4]!);
  ctx.changed(key, 'linsert', 'l');
  ctx.reply.integer(list.length);
}

function lpos(ctx: CommandContext, argv: string[]): void {
  const element = argv[2]!;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toUpperCase();
    const moreArgs = j < argv.length - 1;
    if (opt === 'RANK' && moreArgs) {
      rank = integerOrReply(ctx, argv[++j]!);
      if (Number.isNaN(rank)) return;
      if (rank === 0) {
        ctx.reply.error(ERR_RANK_ZERO);
        return;
      }
    } else if (opt === 'COUNT' && moreArgs) {
      count = parseInteger(argv[++j]!);
      if (!(count >= 0)) {
        ctx.reply.error(ERR_COUNT_NEGATIVE);
        return;
      }
    } else if (opt === 'MAXLEN' && moreArgs) {
      maxlen = parseInteger(argv[++j]!);
      if (!(maxlen >= 0)) {
        ctx.reply.error(ERR_MAXLEN_NEGATIVE);
        return;
      }
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const fromTail = rank < 0;
  if (rank === LONG_MIN) {
    // Redis negates LONG_MIN into itself: every match counts, and with COUNT the stop test overflows.
    rank = 1;
    if (count > 0) count = 0;
  } else if (rank < 0) {
    rank = -rank;
  }
  const list = lookupListRead(ctx, argv[1]!);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) ctx.reply.array(0);
    else ctx.reply.nil();
    return;
  }
  const length = list.length;
  const found: number[] = [];
  let index = 0;
  let matches = 0;
  list.forEach(fromTail, (v) => {
    if (maxlen !== 0 && index >= maxlen) return false;
    if (v === element) {
      matches++;
      if (matches >= rank) {
        found.push(fromTail ? length - index - 1 : index);
        if (count === -1 || (count !== 0 && matches - rank + 1 >= count)) return false;
      }
    }
    index++;
    return true;
  });
  if (count !== -1) {
    ctx.reply.array(found.length);
    for (const i of found) ctx.reply.integer(i);
  } else if (found.length > 0) {
    ctx.reply.integer(found[0]!);
  } else {
    ctx.reply.nil();
  }
}

// ---------------------------------------------------------------------------------------------
// Moves between lists

/**
 * LMOVE's body (lmoveGenericCommand): pops from source and pushes onto destination, replying the
 * element; nil when source is missing. The push is reported before the pop, as Redis does.
 */
export function moveGeneric(ctx: CommandContext, source: string, destination: string, fromHead: boolean, toHead: boolean): void {
  const src = lookupListWrite(ctx, source);
  if (src === null) return;
  if (src === undefined || src.length === 0) {
    ctx.reply.nil();
    return;
  }
  const dst = lookupListWrite(ctx, destination);
  if (dst === null) return;
  const value = (fromHead ? src.popHead() : src.popTail())!;
  pushOne(ctx, destination, dst, value, toHead);
  ctx.reply.bulk(value);
  ctx.changed(source, fromHead ? 'lpop' : 'rpop', 'l');
  if (src.length === 0) {
    ctx.keyspace.deleteKey(ctx.db, source);
    ctx.notify(source, 'del', 'g');
  }
}

function lmove(ctx: CommandContext, argv: string[]): void {
  const fromHead = whereOrReply(ctx, argv[3]!);
  if (fromHead === undefined) return;
  const toHead = whereOrReply(ctx, argv[4]!);
  if (toHead === undefined) return;
  moveGeneric(ctx, argv[1]!, argv[2]!, fromHead, toHead);
}

function rpoplpush(ctx: CommandContext, argv: string[]): void {
  moveGeneric(ctx, argv[1]!, argv[2]!, false, true);
}

/** The parsed arguments of LMPOP / BLMPOP: keys are argv[firstKey .. firstKey + numkeys). */
export interface MpopArguments {
  firstKey: number;
  numkeys: number;
  fromHead: boolean;
  count: number;
}

/**
 * Parses `numkeys key [key ...] LEFT|RIGHT [COUNT count]` starting at argv[numkeysIndex] (1 for
 * LMPOP, 2 for BLMPOP), as lmpopGenericCommand does; undefined after replying an error.
 */
export function parseMpopArguments(ctx: CommandContext, argv: string[], numkeysIndex: number): MpopArguments | undefined {
  const numkeys = parseInteger(argv[numkeysIndex]!);
  if (!(numkeys >= 1)) {
    ctx.reply.error(ERR_NUMKEYS);
    return undefined;
  }
  const whereIndex = numkeysIndex + numkeys + 1;
  if (whereIndex >= argv.length) {
    ctx.reply.error(ERR_SYNTAX);
    return undefined;
  }
  const fromHead = whereOrReply(ctx, argv[whereIndex]!);
  if (fromHead === undefined) return undefined;
  let count = -1;
  for (let j = whereIndex + 1; j < argv.length; j++) {
    if (count === -1 && argv[j]!.toUpperCase() === 'COUNT' && j < argv.length - 1) {
      count = parseInteger(argv[++j]!);
      if (!(count >= 1)) {
        ctx.reply.error(ERR_MPOP_COUNT);
        return undefined;
      }
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return undefined;
    }
  }
  return { firstKey: numkeysIndex + 1, numkeys, fromHead, count: count === -1 ? 1 : count };
}

/**
 * Pops from the first non-empty list among the keys and replies [key, [elements]], propagated as
 * LPOP/RPOP key count; a null array when every list is empty. (Redis's mpopGenericCommand.)
 * Returns true when it popped.
 */
export function mpopFirstNonEmpty(ctx: CommandContext, argv: string[], args: MpopArguments): boolean {
  for (let j = args.firstKey; j < args.firstKey + args.numkeys; j++) {
    const key = argv[j]!;
    const list = lookupListWrite(ctx, key);
    if (list === null) return false;
    if (list === undefined || list.length === 0) continue;
    const popped = args.count < list.length ? args.count : list.length;
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    popRangeReply(ctx, list, args.count, args.fromHead);
    elementsRemoved(ctx, key, list, args.fromHead);
    ctx.propagate([args.fromHead ? 'LPOP' : 'RPOP', key, String(popped)]);
    return true;
  }
  ctx.reply.nullArray();
  return false;
}

function lmpop(ctx: CommandContext, argv: string[]): void {
  const args = parseMpopArguments(ctx, argv, 1);
  if (args !== undefined) mpopFirstNonEmpty(ctx, argv, args);
}

// ---------------------------------------------------------------------------------------------
// Moving lists between workers: each element as a length (7 bits per char, high bit = more) then its bytes.

function encodeList(value: RedisValue): string {
  const parts: string[] = [];
  (value as ListValue).forEach(false, (v) => {
    parts.push(varint(v.length), v);
    return true;
  });
  return parts.join('');
}

function decodeList(payload: string): RedisValue {
  const list = new ListValue();
  let pos = 0;
  while (pos < payload.length) {
    let n = 0;
    let scale = 1;
    for (;;) {
      const c = payload.charCodeAt(pos++);
      n += (c & 0x7f) * scale;
      if (c < 0x80) break;
      scale *= 0x80;
    }
    list.pushTail(payload.slice(pos, pos + n));
    pos += n;
  }
  return list;
}

registerValueCodec('list', { encode: encodeList, decode: decodeList });

export const listCommands: CommandFamily = {
  lpush: (ctx, argv) => pushGeneric(ctx, argv, true, false),
  rpush: (ctx, argv) => pushGeneric(ctx, argv, false, false),
  lpushx: (ctx, argv) => pushGeneric(ctx, argv, true, true),
  rpushx: (ctx, argv) => pushGeneric(ctx, argv, false, true),
  lpop: (ctx, argv) => popGeneric(ctx, argv, true),
  rpop: (ctx, argv) => popGeneric(ctx, argv, false),
  llen,
  lindex,
  lset,
  lrange,
  ltrim,
  lrem,
  linsert,
  lpos,
  lmove,
  rpoplpush,
  lmpop,
};
