// The hash family (Redis's t_hash.c): HSET and friends, counters, whole-hash reads, HRANDFIELD and
// HSCAN. Replies, errors, keyspace events and propagated effects follow Redis 7.0.15; the encodings
// and their thresholds live in types/hash-value.ts.

import type { CommandContext, CommandFamily } from './context.ts';
import { HashValue } from '../types/hash-value.ts';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, OK, WRONGTYPE, errWrongArity } from '../resp/errors.ts';
import { INT64_MAX, INT64_MIN, addLongDouble, formatLongDouble, parseInteger, parseLongDouble } from './string-value.ts';
import {
  LONG_MAX,
  lookupRead,
  parseElementCursor,
  parseElementScanOptions,
  randomIndex,
  rangeLongOrReply,
  replyEmptyScan,
  sampleDistinct,
  sampleOrdered,
} from './collection-args.ts';
import { globMatch } from './glob.ts';

/** The hash at key for a read, or null after replying `missing` (a callback) or WRONGTYPE. */
function hashForRead(ctx: CommandContext, key: string, missing: (ctx: CommandContext) => void): HashValue | null {
  const value = lookupRead(ctx, key);
  if (value === undefined) {
    missing(ctx);
    return null;
  }
  if (!(value instanceof HashValue)) {
    ctx.reply.error(WRONGTYPE);
    return null;
  }
  return value;
}

const replyZero = (ctx: CommandContext): void => ctx.reply.integer(0);
const replyNil = (ctx: CommandContext): void => ctx.reply.nil();
const replyEmptyArray = (ctx: CommandContext): void => ctx.reply.array(0);
const replyEmptyMap = (ctx: CommandContext): void => ctx.reply.map(0);

/**
 * hashTypeLookupWriteOrCreate: the hash at key (undefined when absent, to be added by the caller
 * once the command succeeds), or null after a WRONGTYPE reply.
 */
function hashForWrite(ctx: CommandContext, key: string): HashValue | undefined | null {
  const value = ctx.keyspace.lookupWrite(ctx.db, key);
  if (value === undefined) return undefined;
  if (!(value instanceof HashValue)) {
    ctx.reply.error(WRONGTYPE);
    return null;
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Writes

/** HSET and HMSET (hsetCommand): the reply differs, the rest is shared. */
function hset(ctx: CommandContext, argv: string[]): void {
  if (argv.length % 2 === 1) {
    ctx.reply.error(errWrongArity(argv[0]!.toLowerCase() === 'hmset' ? 'hmset' : 'hset'));
    return;
  }
  const key = argv[1]!;
  let hash = hashForWrite(ctx, key);
  if (hash === null) return;
  if (hash === undefined) {
    hash = new HashValue();
    ctx.keyspace.addKey(ctx.db, key, hash);
  }
  const { hashMaxListpackEntries: maxEntries, hashMaxListpackValue: maxValue } = ctx.config;
  hash.prepareForStrings(argv, 2, argv.length, maxValue);
  let created = 0;
  for (let i = 2; i < argv.length; i += 2) {
    if (hash.set(argv[i]!, argv[i + 1]!, maxEntries, maxValue)) created++;
  }
  const name = argv[0]!;
  if (name.charCodeAt(1) === 0x73 /* s */ || name.charCodeAt(1) === 0x53 /* S */) ctx.reply.integer(created);
  else ctx.reply.simple(OK);
  ctx.changed(key, 'hset', 'h');
}

function hsetnx(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  let hash = hashForWrite(ctx, key);
  if (hash === null) return;
  if (hash !== undefined && hash.has(argv[2]!)) {
    ctx.reply.integer(0);
    return;
  }
  if (hash === undefined) {
    hash = new HashValue();
    ctx.keyspace.addKey(ctx.db, key, hash);
  }
  const { hashMaxListpackEntries: maxEntries, hashMaxListpackValue: maxValue } = ctx.config;
  hash.prepareForStrings(argv, 2, 4, maxValue);
  hash.set(argv[2]!, argv[3]!, maxEntries, maxValue);
  ctx.reply.integer(1);
  ctx.changed(key, 'hset', 'h');
}

function hdel(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const hash = hashForWrite(ctx, key);
  if (hash === null) return;
  if (hash === undefined) {
    ctx.reply.integer(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (hash.delete(argv[i]!)) {
      deleted++;
      if (hash.size === 0) {
        ctx.keyspace.deleteKey(ctx.db, key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    ctx.changed(key, 'hdel', 'h');
    if (keyRemoved) ctx.notify(key, 'del', 'g');
  }
  ctx.reply.integer(deleted);
}

function hincrby(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const incrParsed = parseInteger(argv[3]!);
  if (Number.isNaN(incrParsed)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  let hash = hashForWrite(ctx, key);
  if (hash === null) return;
  let current = 0n;
  const old = hash?.get(field);
  if (old !== undefined) {
    const parsed = parseInteger(old);
    if (Number.isNaN(parsed)) {
      ctx.reply.error('ERR hash value is not an integer');
      return;
    }
    current = Number.isSafeInteger(parsed) ? BigInt(parsed) : BigInt(old);
  }
  const incr = Number.isSafeInteger(incrParsed) ? BigInt(incrParsed) : BigInt(argv[3]!);
  const result = current + incr;
  if (result > INT64_MAX || result < INT64_MIN) {
    ctx.reply.error(ERR_OVERFLOW);
    return;
  }
  if (hash === undefined) {
    hash = new HashValue();
    ctx.keyspace.addKey(ctx.db, key, hash);
  }
  hash.set(field, result.toString(), ctx.config.hashMaxListpackEntries, ctx.config.hashMaxListpackValue);
  ctx.reply.integer(result);
  ctx.changed(key, 'hincrby', 'h');
}

function hincrbyfloat(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const field = argv[2]!;
  const incr = parseLongDouble(argv[3]!);
  if (incr === undefined) {
    ctx.reply.error(ERR_NOT_FLOAT);
    return;
  }
  if (incr.infinite) {
    ctx.reply.error('ERR value is NaN or Infinity');
    return;
  }
  let hash = hashForWrite(ctx, key);
  if (hash === null) return;
  const old = hash?.get(field);
  const current = old === undefined ? parseLongDouble('0') : parseLongDouble(old);
  if (current === undefined) {
    ctx.reply.error('ERR hash value is not a float');
    return;
  }
  const sum = addLongDouble(current, incr);
  if (sum.infinite) {
    ctx.reply.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDouble(sum);
  if (hash === undefined) {
    hash = new HashValue();
    ctx.keyspace.addKey(ctx.db, key, hash);
  }
  hash.set(field, text, ctx.config.hashMaxListpackEntries, ctx.config.hashMaxListpackValue);
  ctx.reply.bulk(text);
  ctx.changed(key, 'hincrbyfloat', 'h');
  // The result, not the increment, is replicated, so replicas cannot round differently.
  ctx.propagate(['HSET', key, field, text]);
}

// ---------------------------------------------------------------------------------------------
// Reads

function hget(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyNil);
  if (hash === null) return;
  const value = hash.get(argv[2]!);
  if (value === undefined) ctx.reply.nil();
  else ctx.reply.bulk(value);
}

function hmget(ctx: CommandContext, argv: string[]): void {
  const value = lookupRead(ctx, argv[1]!);
  if (value !== undefined && !(value instanceof HashValue)) {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const v = value?.get(argv[i]!);
    if (v === undefined) ctx.reply.nil();
    else ctx.reply.bulk(v);
  }
}

function hlen(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyZero);
  if (hash !== null) ctx.reply.integer(hash.size);
}

function hstrlen(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyZero);
  if (hash !== null) ctx.reply.integer(hash.get(argv[2]!)?.length ?? 0);
}

function hexists(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyZero);
  if (hash !== null) ctx.reply.integer(hash.has(argv[2]!) ? 1 : 0);
}

function hkeys(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyEmptyArray);
  if (hash === null) return;
  const n = hash.size;
  ctx.reply.array(n);
  for (let i = 0; i < n; i++) ctx.reply.bulk(hash.fieldAt(i));
}

function hvals(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyEmptyArray);
  if (hash === null) return;
  const n = hash.size;
  ctx.reply.array(n);
  for (let i = 0; i < n; i++) ctx.reply.bulk(hash.valueAt(i));
}

function hgetall(ctx: CommandContext, argv: string[]): void {
  const hash = hashForRead(ctx, argv[1]!, replyEmptyMap);
  if (hash === null) return;
  const n = hash.size;
  ctx.reply.map(n);
  for (let i = 0; i < n; i++) {
    ctx.reply.bulk(hash.fieldAt(i));
    ctx.reply.bulk(hash.valueAt(i));
  }
}

// ---------------------------------------------------------------------------------------------
// HRANDFIELD

/** One field (and its value) of an HRANDFIELD reply: RESP3 nests each pair in an array. */
function replyRandomEntry(ctx: CommandContext, hash: HashValue, i: number, withValues: boolean): void {
  if (withValues && ctx.reply.proto === 3) ctx.reply.array(2);
  ctx.reply.bulk(hash.fieldAt(i));
  if (withValues) ctx.reply.bulk(hash.valueAt(i));
}

function hrandfield(ctx: CommandContext, argv: string[]): void {
  if (argv.length >= 3) {
    const l = rangeLongOrReply(ctx, argv[2]!, -LONG_MAX, LONG_MAX);
    if (l === null) return;
    let withValues = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withvalues')) {
      ctx.reply.error(ERR_SYNTAX);
      return;
    } else if (argv.length === 4) {
      withValues = true;
      if (l < -LONG_MAX / 2n || l > LONG_MAX / 2n) {
        ctx.reply.error('ERR value is out of range');
        return;
      }
    }
    hrandfieldWithCount(ctx, argv[1]!, l, withValues);
    return;
  }
  const hash = hashForRead(ctx, argv[1]!, replyNil);
  if (hash === null) return;
  ctx.reply.bulk(hash.fieldAt(randomIndex(hash.size)));
}

function hrandfieldWithCount(ctx: CommandContext, key: string, l: bigint, withValues: boolean): void {
  const hash = hashForRead(ctx, key, replyEmptyArray);
  if (hash === null) return;
  const size = hash.size;
  const unique = l >= 0n;
  const count = Number(unique ? l : -l);
  if (count === 0) {
    ctx.reply.array(0);
    return;
  }
  const flatPairs = withValues && ctx.reply.proto === 2;
  // CASE 1: negative count (repeats allowed, random order), or a single field.
  if (!unique || count === 1) {
    ctx.reply.array(flatPairs ? count * 2 : count);
    for (let n = 0; n < count; n++) replyRandomEntry(ctx, hash, randomIndex(size), withValues);
    return;
  }
  const replySize = count < size ? count : size;
  ctx.reply.array(flatPairs ? replySize * 2 : replySize);
  // CASE 2: the whole hash.
  if (count >= size) {
    for (let i = 0; i < size; i++) replyRandomEntry(ctx, hash, i, withValues);
    return;
  }
  // CASE 2.5 (listpack) and CASE 3 (count close to size): distinct picks in the hash's order.
  // CASE 4 (count small against size): distinct random picks.
  const picks = hash.isListpack() || count * 3 > size ? sampleOrdered(size, count) : sampleDistinct(size, count);
  for (const i of picks) replyRandomEntry(ctx, hash, i, withValues);
}

// ---------------------------------------------------------------------------------------------
// HSCAN

/**
 * A listpack answers in one call with cursor 0, as Redis does. A hashtable is walked over its dense
 * positions from the top down: cursor c > 0 means positions [0, c) are still to visit. Deleting a
 * field moves the last position into the hole, which only ever moves an entry downwards (towards
 * the unvisited part) or within the visited part, and new fields are appended above the cursor, so a
 * field present for the whole scan is returned at least once.
 */
function hscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseElementCursor(argv[2]!);
  if (cursor === null) {
    ctx.reply.error('ERR invalid cursor');
    return;
  }
  const hash = hashForRead(ctx, argv[1]!, replyEmptyScan);
  if (hash === null) return;
  const options = parseElementScanOptions(ctx, argv, 3);
  if (options === null) return;
  const size = hash.size;
  const match = options.match;
  const out: string[] = [];
  let next = 0;
  if (hash.isListpack()) {
    for (let i = 0; i < size; i++) pushScanEntry(hash, i, match, out);
  } else {
    const to = cursor === 0 || cursor > size ? size : cursor;
    next = to - options.count > 0 ? to - options.count : 0;
    for (let i = to - 1; i >= next; i--) pushScanEntry(hash, i, match, out);
  }
  ctx.reply.array(2);
  ctx.reply.bulk(String(next));
  ctx.reply.array(out.length);
  for (const s of out) ctx.reply.bulk(s);
}

function pushScanEntry(hash: HashValue, i: number, match: string | null, out: string[]): void {
  const field = hash.fieldAt(i);
  if (match !== null && !globMatch(match, field)) return;
  out.push(field, hash.valueAt(i));
}

export const hashCommands: CommandFamily = {
  hset,
  hmset: hset,
  hsetnx,
  hget,
  hmget,
  hdel,
  hlen,
  hstrlen,
  hexists,
  hincrby,
  hincrbyfloat,
  hkeys,
  hvals,
  hgetall,
  hrandfield,
  hscan,
};
