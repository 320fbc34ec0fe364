// The generic key commands (Redis's db.c, expire.c and OBJECT from object.c), one shard's part each.
// Keyspace-wide commands (DBSIZE, KEYS, SCAN, RANDOMKEY, FLUSHDB) are fanned out by the engine to the
// per-shard functions of keyspace-scan.ts.

import type { CommandContext, CommandFamily } from './context.ts';
import type { Database } from '../shard/database.ts';
import { DATABASE_COUNT } from '../shard/keyspace.ts';
import { typeName } from '../types/value.ts';
import type { RedisValue } from '../types/value.ts';
import { accessSeconds } from '../shard/access-clock.ts';

import {
  ERR_DB_INDEX_OUT_OF_RANGE,
  ERR_NO_SUCH_KEY,
  ERR_NOT_INTEGER,
  ERR_SAME_OBJECT,
  ERR_SYNTAX,
  OK,
  errInvalidExpireTime,
} from '../resp/errors.ts';

// Texts only this family writes, as redis-server 7.0.15 does (without the leading '-').
const ERR_INT_RANGE = 'ERR value is out of range, value must between -2147483648 and 2147483647';
const ERR_EXPIRE_FLAGS_NX = 'ERR NX and XX, GT or LT options at the same time are not compatible';
const ERR_EXPIRE_FLAGS_GT_LT = 'ERR GT and LT options at the same time are not compatible';
const ERR_LFU_IDLETIME =
  'ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';
const ERR_LFU_FREQ =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

const LLONG_MAX = 9223372036854775807n;
const LLONG_MIN = -9223372036854775808n;

/** Strings up to this length get the embstr encoding (object.c OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_SIZE_LIMIT = 44;
/** Integer values below this share one object (OBJ_SHARED_INTEGERS) whose refcount is INT_MAX. */
const SHARED_INTEGERS = 10000;
const OBJ_SHARED_REFCOUNT = 2147483647;
/** A key that was never accessed since its creation has this LFU counter (LFU_INIT_VAL). */
const LFU_INIT_VAL = 5;

// ---------------------------------------------------------------------------------------------
// Small helpers shared by the handlers

/**
 * Redis's string2ll: an optional '-', no leading zeros, no '+', no spaces, fits in a signed 64-bit
 * integer. A bigint, because expiry arithmetic must detect overflow at 2^63 exactly as Redis does.
 */
export function parseLongLong(s: string): bigint | null {
  const len = s.length;
  if (len === 0 || len >= 21) return null;
  if (len === 1 && s.charCodeAt(0) === 48) return 0n;
  let i = 0;
  if (s.charCodeAt(0) === 45 /* - */) {
    i = 1;
    if (len === 1) return null;
  }
  const first = s.charCodeAt(i);
  if (first < 49 || first > 57) return null;
  for (i++; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null;
  }
  const value = BigInt(s);
  return value > LLONG_MAX || value < LLONG_MIN ? null : value;
}

/** getIntFromObjectOrReply: a DB index or other C int argument, or an error reply and null. */
function parseIntOrReply(ctx: CommandContext, s: string): number | null {
  const value = parseLongLong(s);
  if (value === null) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return null;
  }
  if (value < -2147483648n || value > 2147483647n) {
    ctx.reply.error(ERR_INT_RANGE);
    return null;
  }
  return Number(value);
}

/** selectDb's check: every worker holds all DATABASE_COUNT databases of its slots. */
function databaseOrReply(ctx: CommandContext, s: string): Database | null {
  const index = parseIntOrReply(ctx, s);
  if (index === null) return null;
  if (index < 0 || index >= DATABASE_COUNT) {
    ctx.reply.error(ERR_DB_INDEX_OUT_OF_RANGE);
    return null;
  }
  return ctx.keyspace.dbs[index]!;
}

/**
 * A read lookup as Redis's lookupKeyRead: counts a hit or a miss and raises 'keymiss' on a miss
 * (the keyspace cannot: it has no notification channel for reads).
 */
function lookupRead(ctx: CommandContext, db: Database, key: string, touch = true): RedisValue | undefined {
  const value = ctx.keyspace.lookupRead(db, key, touch);
  if (value === undefined) ctx.notify(key, 'keymiss', 'm');
  return value;
}

/**
 * ctx.changed() applies to ctx.db; MOVE and COPY ... DB also change a key in another database, so the
 * context's database is switched for the duration of the call.
 */
function changedIn(ctx: CommandContext, db: Database, key: string, event: string): void {
  const selected = ctx.db;
  ctx.db = db;
  try {
    ctx.changed(key, event, 'g');
  } finally {
    ctx.db = selected;
  }
}

function equalsIgnoreCase(a: string, lowerB: string): boolean {
  return a.length === lowerB.length && a.toLowerCase() === lowerB;
}

function isLfuPolicy(policy: string): boolean {
  return policy === 'allkeys-lfu' || policy === 'volatile-lfu';
}

function isLruOrLfuPolicy(policy: string): boolean {
  return isLfuPolicy(policy) || policy === 'allkeys-lru' || policy === 'volatile-lru';
}

/** The integer a string would be stored as (tryObjectEncoding's string2l), or null. */
function stringAsLong(s: string): bigint | null {
  return s.length <= 20 ? parseLongLong(s) : null;
}

// ---------------------------------------------------------------------------------------------
// DEL, UNLINK, EXISTS, TYPE, TOUCH

function del(ctx: CommandContext, argv: string[]): void {
  const { keyspace, db } = ctx;
  let deleted = 0;
  for (let j = 1; j < argv.length; j++) {
    const key = argv[j]!;
    // An expired key is removed (and its DEL propagated) as expired, not counted as deleted.
    keyspace.expireIfNeeded(db, key);
    if (keyspace.deleteKey(db, key)) {
      ctx.changed(key, 'del', 'g');
      deleted++;
    }
  }
  ctx.reply.integer(deleted);
}

function exists(ctx: CommandContext, argv: string[]): void {
  let count = 0;
  // A key named twice counts twice, as in Redis.
  // EXISTS, TYPE and TTL look keys up without touching them (LOOKUP_NOTOUCH).
  for (let j = 1; j < argv.length; j++) if (lookupRead(ctx, ctx.db, argv[j]!, false) !== undefined) count++;
  ctx.reply.integer(count);
}

function type(ctx: CommandContext, argv: string[]): void {
  const value = lookupRead(ctx, ctx.db, argv[1]!, false);
  ctx.reply.simple(value === undefined ? 'none' : typeName(value));
}

function touch(ctx: CommandContext, argv: string[]): void {
  // The lookup itself refreshes each key's access time.
  let touched = 0;
  for (let j = 1; j < argv.length; j++) if (lookupRead(ctx, ctx.db, argv[j]!) !== undefined) touched++;
  ctx.reply.integer(touched);
}

// ---------------------------------------------------------------------------------------------
// RENAME, RENAMENX, MOVE, COPY

function renameGeneric(ctx: CommandContext, argv: string[], nx: boolean): void {
  const { keyspace, db } = ctx;
  const from = argv[1]!;
  const to = argv[2]!;
  const value = keyspace.lookupWrite(db, from);
  if (value === undefined) {
    ctx.reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  // Renaming a key to itself changes nothing, but the key must exist (checked above).
  if (from === to) {
    if (nx) ctx.reply.integer(0);
    else ctx.reply.simple(OK);
    return;
  }
  const expire = db.getExpire(from);
  if (keyspace.lookupWrite(db, to) !== undefined) {
    if (nx) {
      ctx.reply.integer(0);
      return;
    }
    keyspace.deleteKey(db, to);
  }
  keyspace.deleteKey(db, from);
  keyspace.addKey(db, to, value);
  if (expire !== undefined) db.setExpire(to, expire);
  ctx.changed(from, 'rename_from', 'g');
  ctx.changed(to, 'rename_to', 'g');
  if (nx) ctx.reply.integer(1);
  else ctx.reply.simple(OK);
}

function move(ctx: CommandContext, argv: string[]): void {
  const { keyspace } = ctx;
  const key = argv[1]!;
  if (ctx.config.clusterEnabled) {
    ctx.reply.error('ERR MOVE is not allowed in cluster mode');
    return;
  }
  const src = ctx.db;
  const dst = databaseOrReply(ctx, argv[2]!);
  if (dst === null) return;
  if (dst === src) {
    ctx.reply.error(ERR_SAME_OBJECT);
    return;
  }
  const value = keyspace.lookupWrite(src, key);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const expire = src.getExpire(key);
  if (keyspace.lookupWrite(dst, key) !== undefined) {
    ctx.reply.integer(0);
    return;
  }
  keyspace.addKey(dst, key, value);
  if (expire !== undefined) dst.setExpire(key, expire);
  keyspace.deleteKey(src, key);
  changedIn(ctx, src, key, 'move_from');
  changedIn(ctx, dst, key, 'move_to');
  ctx.reply.integer(1);
}

function copy(ctx: CommandContext, argv: string[]): void {
  const { keyspace } = ctx;
  const src = ctx.db;
  let dst = ctx.db;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!;
    const additional = argv.length - j - 1;
    if (equalsIgnoreCase(option, 'replace')) {
      replace = true;
    } else if (equalsIgnoreCase(option, 'db') && additional >= 1) {
      const db = databaseOrReply(ctx, argv[j + 1]!);
      if (db === null) return;
      dst = db;
      j++;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (ctx.config.clusterEnabled && (src.index !== 0 || dst.index !== 0)) {
    ctx.reply.error('ERR Copying to another database is not allowed in cluster mode');
    return;
  }
  const key = argv[1]!;
  const newKey = argv[2]!;
  if (src === dst && key === newKey) {
    ctx.reply.error(ERR_SAME_OBJECT);
    return;
  }
  const value = lookupRead(ctx, src, key);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const expire = src.getExpire(key);
  const exists = keyspace.lookupWrite(dst, newKey) !== undefined;
  if (exists && !replace) {
    ctx.reply.integer(0);
    return;
  }
  if (exists) keyspace.deleteKey(dst, newKey);
  keyspace.addKey(dst, newKey, typeof value === 'string' ? value : value.clone());
  if (expire !== undefined) dst.setExpire(newKey, expire);
  changedIn(ctx, dst, newKey, 'copy_to');
  ctx.reply.integer(1);
}

// ---------------------------------------------------------------------------------------------
// EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT

const EXPIRE_NX = 1;
const EXPIRE_XX = 2;
const EXPIRE_GT = 4;
const EXPIRE_LT = 8;

/** The NX/XX/GT/LT flags after the time argument, or an error reply and -1. */
function parseExpireFlags(ctx: CommandContext, argv: string[]): number {
  let flags = 0;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    if (option === 'nx') flags |= EXPIRE_NX;
    else if (option === 'xx') flags |= EXPIRE_XX;
    else if (option === 'gt') flags |= EXPIRE_GT;
    else if (option === 'lt') flags |= EXPIRE_LT;
    else {
      ctx.reply.error(`ERR Unsupported option ${argv[j]!}`);
      return -1;
    }
  }
  if (flags & EXPIRE_NX && flags & (EXPIRE_XX | EXPIRE_GT | EXPIRE_LT)) {
    ctx.reply.error(ERR_EXPIRE_FLAGS_NX);
    return -1;
  }
  if (flags & EXPIRE_GT && flags & EXPIRE_LT) {
    ctx.reply.error(ERR_EXPIRE_FLAGS_GT_LT);
    return -1;
  }
  return flags;
}

/**
 * expire.c's expireGenericCommand. `relative` adds the command's clock reading; `seconds` scales
 * the argument to milliseconds. The checks run in Redis's order: flags, integer, overflow, key.
 */
function expireGeneric(ctx: CommandContext, argv: string[], name: string, relative: boolean, seconds: boolean): void {
  const { keyspace, db } = ctx;
  const key = argv[1]!;
  const flags = parseExpireFlags(ctx, argv);
  if (flags < 0) return;
  let when = parseLongLong(argv[2]!);
  if (when === null) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  const invalid = errInvalidExpireTime(name);
  if (seconds) {
    if (when > LLONG_MAX / 1000n || when < LLONG_MIN / 1000n) {
      ctx.reply.error(invalid);
      return;
    }
    when *= 1000n;
  }
  const basetime = relative ? BigInt(keyspace.now) : 0n;
  if (when > LLONG_MAX - basetime) {
    ctx.reply.error(invalid);
    return;
  }
  when += basetime;

  if (keyspace.lookupWrite(db, key) === undefined) {
    ctx.reply.integer(0);
    return;
  }

  if (flags !== 0) {
    const current = db.getExpire(key);
    if (flags & EXPIRE_NX && current !== undefined) {
      ctx.reply.integer(0);
      return;
    }
    if (flags & EXPIRE_XX && current === undefined) {
      ctx.reply.integer(0);
      return;
    }
    // No expiry counts as infinite: GT never beats it, LT always does.
    if (flags & EXPIRE_GT && (current === undefined || when <= BigInt(current))) {
      ctx.reply.integer(0);
      return;
    }
    if (flags & EXPIRE_LT && current !== undefined && when >= BigInt(current)) {
      ctx.reply.integer(0);
      return;
    }
  }

  // A time in the past deletes the key, except while replaying the primary's stream or the AOF and on
  // a replica, which wait for the primary's explicit DEL (checkAlreadyExpired).
  if (when <= BigInt(keyspace.now) && !keyspace.isReplica && !keyspace.loading && !ctx.client.isMaster) {
    keyspace.deleteKey(db, key);
    ctx.propagate([ctx.config.lazyfreeLazyExpire ? 'UNLINK' : 'DEL', key]);
    ctx.changed(key, 'del', 'g');
    ctx.reply.integer(1);
    return;
  }

  db.setExpire(key, Number(when));
  // Redis rewrites only argv[0] and argv[2]: the flags travel on with the absolute time. PEXPIREAT
  // itself is propagated as it came.
  if (name !== 'pexpireat') ctx.propagate(['PEXPIREAT', key, when.toString(), ...argv.slice(3)]);
  ctx.changed(key, 'expire', 'g');
  ctx.reply.integer(1);
}

// ---------------------------------------------------------------------------------------------
// TTL, PTTL, EXPIRETIME, PEXPIRETIME, PERSIST

function ttlGeneric(ctx: CommandContext, argv: string[], milliseconds: boolean, absolute: boolean): void {
  const key = argv[1]!;
  if (lookupRead(ctx, ctx.db, key, false) === undefined) {
    ctx.reply.integer(-2);
    return;
  }
  const expire = ctx.db.getExpire(key);
  if (expire === undefined) {
    ctx.reply.integer(-1);
    return;
  }
  let ttl = absolute ? expire : expire - ctx.keyspace.now;
  if (ttl < 0) ttl = 0;
  // Seconds are rounded to the nearest (ttl + 500) / 1000 in C integer division.
  ctx.reply.integer(milliseconds ? ttl : Math.floor((ttl + 500) / 1000));
}

function persist(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  if (ctx.keyspace.lookupWrite(ctx.db, key) !== undefined && ctx.db.removeExpire(key)) {
    ctx.changed(key, 'persist', 'g');
    ctx.reply.integer(1);
  } else {
    ctx.reply.integer(0);
  }
}

// ---------------------------------------------------------------------------------------------
// OBJECT

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** OBJECT looks keys up without touching them and without a 'keymiss' event (LOOKUP_NONOTIFY). */
function objectLookupOrNil(ctx: CommandContext, key: string): RedisValue | undefined {
  const value = ctx.keyspace.lookupRead(ctx.db, key, false);
  if (value === undefined) ctx.reply.nil();
  return value;
}

/** OBJECT ENCODING's answer: strings as Redis's SET stores them (tryObjectEncoding). */
export function objectEncoding(value: RedisValue): string {
  if (typeof value !== 'string') return value.encoding();
  if (stringAsLong(value) !== null) return 'int';
  return value.length <= EMBSTR_SIZE_LIMIT ? 'embstr' : 'raw';
}

function objectHelp(ctx: CommandContext): void {
  ctx.reply.array(OBJECT_HELP.length);
  for (const line of OBJECT_HELP) ctx.reply.simple(line);
}

function objectEncodingCommand(ctx: CommandContext, argv: string[]): void {
  const value = objectLookupOrNil(ctx, argv[2]!);
  if (value !== undefined) ctx.reply.bulk(objectEncoding(value));
}

function objectRefcount(ctx: CommandContext, argv: string[]): void {
  const value = objectLookupOrNil(ctx, argv[2]!);
  if (value === undefined) return;
  // Redis stores 0..9999 as one shared object per number unless an LRU/LFU maxmemory policy needs a
  // private access clock per key; every other value is referenced once by its key.
  let refcount = 1;
  if (typeof value === 'string') {
    const n = stringAsLong(value);
    const config = ctx.config;
    const sharingAllowed = config.maxmemory === 0 || !isLruOrLfuPolicy(config.maxmemoryPolicy);
    if (n !== null && n >= 0n && n < BigInt(SHARED_INTEGERS) && sharingAllowed) refcount = OBJ_SHARED_REFCOUNT;
  }
  ctx.reply.integer(refcount);
}

function objectIdletime(ctx: CommandContext, argv: string[]): void {
  const value = objectLookupOrNil(ctx, argv[2]!);
  if (value === undefined) return;
  if (isLfuPolicy(ctx.config.maxmemoryPolicy)) {
    ctx.reply.error(ERR_LFU_IDLETIME);
    return;
  }
  // Seconds since the key was last created, written or looked up (estimateObjectIdleTime / 1000).
  const accessed = ctx.db.accessTime(argv[2]!) ?? 0;
  ctx.reply.integer(Math.max(0, accessSeconds(ctx.keyspace.now) - accessed));
}

function objectFreq(ctx: CommandContext, argv: string[]): void {
  const value = objectLookupOrNil(ctx, argv[2]!);
  if (value === undefined) return;
  if (!isLfuPolicy(ctx.config.maxmemoryPolicy)) {
    ctx.reply.error(ERR_LFU_FREQ);
    return;
  }
  // No LFU counter is kept yet: answer the counter of a key never accessed since its creation.
  ctx.reply.integer(LFU_INIT_VAL);
}

// ---------------------------------------------------------------------------------------------

export const keyCommands: CommandFamily = {
  del,
  // UNLINK frees values in the background in Redis; the observable effects are DEL's.
  unlink: del,
  exists,
  type,
  touch,
  rename: (ctx, argv) => renameGeneric(ctx, argv, false),
  renamenx: (ctx, argv) => renameGeneric(ctx, argv, true),
  move,
  copy,
  expire: (ctx, argv) => expireGeneric(ctx, argv, 'expire', true, true),
  pexpire: (ctx, argv) => expireGeneric(ctx, argv, 'pexpire', true, false),
  expireat: (ctx, argv) => expireGeneric(ctx, argv, 'expireat', false, true),
  pexpireat: (ctx, argv) => expireGeneric(ctx, argv, 'pexpireat', false, false),
  ttl: (ctx, argv) => ttlGeneric(ctx, argv, false, false),
  pttl: (ctx, argv) => ttlGeneric(ctx, argv, true, false),
  expiretime: (ctx, argv) => ttlGeneric(ctx, argv, false, true),
  pexpiretime: (ctx, argv) => ttlGeneric(ctx, argv, true, true),
  persist,
  'object|help': objectHelp,
  'object|encoding': objectEncodingCommand,
  'object|refcount': objectRefcount,
  'object|idletime': objectIdletime,
  'object|freq': objectFreq,
};
