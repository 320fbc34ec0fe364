// The string family (Redis's t_string.c): GET/SET and their variants, counters, ranges and LCS.
// Values are latin1 strings, one char per byte. Behaviour, replies, keyspace events and
// propagated effects follow Redis 7.0.15.

import type { CommandContext, CommandFamily } from './context.ts';
import type { RedisValue } from '../types/value.ts';
import {
  INT64_MAX,
  INT64_MIN,
  MAX_STRING_VALUE_LENGTH,
  addLongDouble,
  exactInteger,
  formatInteger,
  formatLongDouble,
  parseInteger,
  parseLongDouble,
  padWithZeros,
} from './string-value.ts';
import {
  ERR_NOT_FLOAT,
  ERR_NOT_INTEGER,
  ERR_OVERFLOW,
  ERR_SYNTAX,
  OK,
  WRONGTYPE,
  errInvalidExpireTime,
  errWrongArity,
} from '../resp/errors.ts';

const ERR_STRING_TOO_LONG = 'ERR string exceeds maximum allowed size (proto-max-bulk-len)';

/** The largest string a client may build (proto-max-bulk-len). */
export function maxStringLength(ctx: CommandContext): number {
  const configured = ctx.config.protoMaxBulkLen;
  return configured < MAX_STRING_VALUE_LENGTH ? configured : MAX_STRING_VALUE_LENGTH;
}

/** Redis's checkStringLength: replicated and AOF commands are obeyed up to what V8 can hold. */
function checkStringLength(ctx: CommandContext, size: number, append: number): boolean {
  const limit = ctx.client.isMaster ? MAX_STRING_VALUE_LENGTH : maxStringLength(ctx);
  if (size + append > limit) {
    ctx.reply.error(ERR_STRING_TOO_LONG);
    return false;
  }
  return true;
}

function equalsIgnoreCase(arg: string, upper: string): boolean {
  return arg.length === upper.length && arg.toUpperCase() === upper;
}

// Flags of SET/GETEX options, as parseExtendedStringArgumentsOrReply tracks them.
const SET_NX = 1;
const SET_XX = 2;
const EX = 4;
const PX = 8;
const KEEPTTL = 16;
const SET_GET = 32;
const EXAT = 64;
const PXAT = 128;
const PERSIST = 256;
const ANY_EXPIRE = EX | PX | EXAT | PXAT;

/** Where parseExtendedOptions leaves its results (one module-level object: no allocation per SET). */
const parsed = { flags: 0, expire: '' };

/**
 * SET and GETEX options with Redis's exact conflict rules: an option that conflicts with one
 * already given, or that does not belong to the command, is a syntax error. Replies on error.
 */
function parseExtendedOptions(ctx: CommandContext, argv: string[], isSet: boolean): boolean {
  let flags = 0;
  let expire = '';
  for (let j = isSet ? 3 : 2; j < argv.length; j++) {
    const opt = argv[j]!.toUpperCase();
    const hasNext = j < argv.length - 1;
    if (opt === 'NX' && isSet && !(flags & SET_XX)) {
      flags |= SET_NX;
    } else if (opt === 'XX' && isSet && !(flags & SET_NX)) {
      flags |= SET_XX;
    } else if (opt === 'GET' && isSet) {
      flags |= SET_GET;
    } else if (opt === 'KEEPTTL' && isSet && !(flags & (PERSIST | ANY_EXPIRE))) {
      flags |= KEEPTTL;
    } else if (opt === 'PERSIST' && !isSet && !(flags & (ANY_EXPIRE | KEEPTTL))) {
      flags |= PERSIST;
    } else if (opt === 'EX' && hasNext && !(flags & (KEEPTTL | PERSIST | EXAT | PX | PXAT))) {
      flags |= EX;
      expire = argv[++j]!;
    } else if (opt === 'PX' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PXAT))) {
      flags |= PX;
      expire = argv[++j]!;
    } else if (opt === 'EXAT' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | PX | PXAT))) {
      flags |= EXAT;
      expire = argv[++j]!;
    } else if (opt === 'PXAT' && hasNext && !(flags & (KEEPTTL | PERSIST | EX | EXAT | PX))) {
      flags |= PXAT;
      expire = argv[++j]!;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return false;
    }
  }
  parsed.flags = flags;
  parsed.expire = expire;
  return true;
}

/**
 * The absolute expiry time (ms) of an EX/PX/EXAT/PXAT argument, or NaN after replying with the
 * error Redis gives (getExpireMillisecondsOrReply). `command` is the lower-case command name.
 */
function expireAtOrReply(ctx: CommandContext, text: string, flags: number, command: string): number {
  let ms = parseInteger(text);
  if (Number.isNaN(ms)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return NaN;
  }
  const seconds = (flags & (EX | EXAT)) !== 0;
  // 9223372036854775 is LLONG_MAX / 1000: more seconds would overflow in milliseconds.
  if (ms <= 0 || (seconds && ms > 9223372036854775)) {
    ctx.reply.error(errInvalidExpireTime(command));
    return NaN;
  }
  if (seconds) ms *= 1000;
  if (flags & (EX | PX)) {
    ms += ctx.keyspace.now;
    // Redis detects the signed 64-bit overflow of the addition.
    if (ms > 9223372036854775807) {
      ctx.reply.error(errInvalidExpireTime(command));
      return NaN;
    }
  }
  return ms;
}

/** GET's reply for a key (nil, the value, or WRONGTYPE); false when it replied an error. */
function replyGet(ctx: CommandContext, key: string): boolean {
  const value = ctx.keyspace.lookupRead(ctx.db, key);
  if (value === undefined) {
    ctx.reply.nil();
    return true;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return false;
  }
  ctx.reply.bulk(value);
  return true;
}

/**
 * Redis's setGenericCommand: SET, SETNX, SETEX, PSETEX. `okInteger` selects SETNX's integer
 * replies (1 set, 0 not set) over +OK / nil.
 */
function setGeneric(
  ctx: CommandContext,
  argv: string[],
  flags: number,
  key: string,
  value: string,
  expireText: string | undefined,
  command: string,
  okInteger: boolean,
): void {
  let expireAt = 0;
  if (expireText !== undefined) {
    expireAt = expireAtOrReply(ctx, expireText, flags, command);
    if (Number.isNaN(expireAt)) return;
  }
  if (flags & SET_GET) {
    if (!replyGet(ctx, key)) return;
  }
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const found = keyspace.lookupWrite(db, key) !== undefined;
  if (((flags & SET_NX) && found) || ((flags & SET_XX) && !found)) {
    // With GET the old value has already been replied.
    if (!(flags & SET_GET)) {
      if (okInteger) ctx.reply.integer(0);
      else ctx.reply.nil();
    }
    return;
  }
  keyspace.setKey(db, key, value, (flags & KEEPTTL) !== 0);
  ctx.changed(key, 'set', '$');
  if (expireText !== undefined) {
    db.setExpire(key, expireAt);
    // Replicas and the AOF get an absolute time, whatever form of expiry came in.
    ctx.propagate(['SET', key, value, 'PXAT', String(expireAt)]);
    ctx.notify(key, 'expire', 'g');
  } else if (flags & SET_GET) {
    // GET is a reply option, not part of the effect.
    const effect: string[] = [];
    for (let j = 0; j < argv.length; j++) {
      if (j >= 3 && equalsIgnoreCase(argv[j]!, 'GET')) continue;
      effect.push(argv[j]!);
    }
    ctx.propagate(effect);
  }
  if (!(flags & SET_GET)) {
    if (okInteger) ctx.reply.integer(1);
    else ctx.reply.simple(OK);
  }
}

function setCommand(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 3) {
    if (!parseExtendedOptions(ctx, argv, true)) return;
    const flags = parsed.flags;
    setGeneric(ctx, argv, flags, argv[1]!, argv[2]!, flags & ANY_EXPIRE ? parsed.expire : undefined, 'set', false);
    return;
  }
  // Plain SET key value: the hot path, no option parsing. An expired old key is removed first
  // (as setKey's lookup does in Redis) so that its expiry is notified and propagated.
  const key = argv[1]!;
  ctx.keyspace.expireIfNeeded(ctx.db, key);
  ctx.keyspace.setKey(ctx.db, key, argv[2]!, false);
  ctx.changed(key, 'set', '$');
  ctx.reply.simple(OK);
}

function setnxCommand(ctx: CommandContext, argv: string[]): void {
  setGeneric(ctx, argv, SET_NX, argv[1]!, argv[2]!, undefined, 'setnx', true);
}

function setexCommand(ctx: CommandContext, argv: string[]): void {
  setGeneric(ctx, argv, EX, argv[1]!, argv[3]!, argv[2]!, 'setex', false);
}

function psetexCommand(ctx: CommandContext, argv: string[]): void {
  setGeneric(ctx, argv, PX, argv[1]!, argv[3]!, argv[2]!, 'psetex', false);
}

function getCommand(ctx: CommandContext, argv: string[]): void {
  replyGet(ctx, argv[1]!);
}

function getsetCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  if (!replyGet(ctx, key)) return;
  ctx.keyspace.setKey(ctx.db, key, argv[2]!, false);
  ctx.changed(key, 'set', '$');
  ctx.propagate(['SET', key, argv[2]!]);
}

function getdelCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  if (!replyGet(ctx, key)) return;
  if (ctx.keyspace.deleteKey(ctx.db, key)) {
    ctx.changed(key, 'del', 'g');
    ctx.propagate(['DEL', key]);
  }
}

function getexCommand(ctx: CommandContext, argv: string[]): void {
  if (!parseExtendedOptions(ctx, argv, false)) return;
  const flags = parsed.flags;
  const key = argv[1]!;
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const value = keyspace.lookupRead(db, key);
  if (value === undefined) {
    ctx.reply.nil();
    return;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  let expireAt = 0;
  const hasExpire = (flags & ANY_EXPIRE) !== 0;
  if (hasExpire) {
    expireAt = expireAtOrReply(ctx, parsed.expire, flags, 'getex');
    if (Number.isNaN(expireAt)) return;
  }
  ctx.reply.bulk(value);
  // GETEX is never propagated as sent: its effect is DEL, PEXPIREAT or PERSIST.
  if ((flags & (EXAT | PXAT)) && expireAt <= keyspace.now && !keyspace.isReplica) {
    // An absolute time already past deletes the key now, as EXPIREAT does.
    keyspace.deleteKey(db, key);
    ctx.changed(key, 'del', 'g');
    ctx.propagate(['DEL', key]);
  } else if (hasExpire) {
    db.setExpire(key, expireAt);
    ctx.changed(key, 'expire', 'g');
    ctx.propagate(['PEXPIREAT', key, String(expireAt)]);
  } else if (flags & PERSIST) {
    if (db.removeExpire(key)) {
      ctx.changed(key, 'persist', 'g');
      ctx.propagate(['PERSIST', key]);
    }
  }
}

function mgetCommand(ctx: CommandContext, argv: string[]): void {
  const reply = ctx.reply;
  const keyspace = ctx.keyspace;
  const db = ctx.db;
  reply.array(argv.length - 1);
  for (let j = 1; j < argv.length; j++) {
    const value = keyspace.lookupRead(db, argv[j]!);
    // MGET answers nil for keys of other types rather than failing.
    if (typeof value === 'string') reply.bulk(value);
    else reply.nil();
  }
}

function msetGeneric(ctx: CommandContext, argv: string[], nx: boolean): void {
  if (argv.length % 2 === 0) {
    ctx.reply.error(errWrongArity(argv[0]!.toLowerCase()));
    return;
  }
  const keyspace = ctx.keyspace;
  const db = ctx.db;
  if (nx) {
    for (let j = 1; j < argv.length; j += 2) {
      if (keyspace.lookupWrite(db, argv[j]!) !== undefined) {
        ctx.reply.integer(0);
        return;
      }
    }
  }
  for (let j = 1; j < argv.length; j += 2) {
    keyspace.expireIfNeeded(db, argv[j]!);
    keyspace.setKey(db, argv[j]!, argv[j + 1]!, false);
    ctx.changed(argv[j]!, 'set', '$');
  }
  if (nx) ctx.reply.integer(1);
  else ctx.reply.simple(OK);
}

function msetCommand(ctx: CommandContext, argv: string[]): void {
  msetGeneric(ctx, argv, false);
}

function msetnxCommand(ctx: CommandContext, argv: string[]): void {
  msetGeneric(ctx, argv, true);
}

/**
 * INCR/DECR/INCRBY/DECRBY: adds `incr` (exact text `incrText` when it may exceed 2^53) to the
 * integer stored at the key. Numbers take the fast path; BigInt only near the 64-bit limits.
 */
function incrDecr(ctx: CommandContext, key: string, incr: number, exactIncr: bigint | undefined): void {
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const old = keyspace.lookupWrite(db, key);
  let current = 0;
  let currentText = '0';
  if (old !== undefined) {
    if (typeof old !== 'string') {
      ctx.reply.error(WRONGTYPE);
      return;
    }
    current = parseInteger(old);
    if (Number.isNaN(current)) {
      ctx.reply.error(ERR_NOT_INTEGER);
      return;
    }
    currentText = old;
  }
  let result: number | bigint = current + incr;
  if (exactIncr !== undefined || !Number.isSafeInteger(result) || !Number.isSafeInteger(current)) {
    const sum = exactInteger(currentText, current) + (exactIncr ?? BigInt(incr));
    if (sum > INT64_MAX || sum < INT64_MIN) {
      ctx.reply.error(ERR_OVERFLOW);
      return;
    }
    result = sum;
  }
  const text = formatInteger(result);
  if (old === undefined) keyspace.addKey(db, key, text);
  else keyspace.overwriteValue(db, key, text);
  ctx.changed(key, 'incrby', '$');
  ctx.reply.integer(result);
}

function incrCommand(ctx: CommandContext, argv: string[]): void {
  incrDecr(ctx, argv[1]!, 1, undefined);
}

function decrCommand(ctx: CommandContext, argv: string[]): void {
  incrDecr(ctx, argv[1]!, -1, undefined);
}

function incrbyCommand(ctx: CommandContext, argv: string[]): void {
  const text = argv[2]!;
  const incr = parseInteger(text);
  if (Number.isNaN(incr)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  incrDecr(ctx, argv[1]!, incr, Number.isSafeInteger(incr) ? undefined : BigInt(text));
}

function decrbyCommand(ctx: CommandContext, argv: string[]): void {
  const text = argv[2]!;
  const decr = parseInteger(text);
  if (Number.isNaN(decr)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (Number.isSafeInteger(decr)) {
    incrDecr(ctx, argv[1]!, -decr, undefined);
    return;
  }
  const exact = BigInt(text);
  // Negating LLONG_MIN overflows before any addition.
  if (exact === INT64_MIN) {
    ctx.reply.error('ERR decrement would overflow');
    return;
  }
  incrDecr(ctx, argv[1]!, -decr, -exact);
}

function incrbyfloatCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const old = keyspace.lookupWrite(db, key);
  if (old !== undefined && typeof old !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  const current = old === undefined ? parseLongDouble('0') : parseLongDouble(old);
  const incr = current === undefined ? undefined : parseLongDouble(argv[2]!);
  if (current === undefined || incr === undefined) {
    ctx.reply.error(ERR_NOT_FLOAT);
    return;
  }
  const sum = addLongDouble(current, incr);
  if (sum.infinite) {
    ctx.reply.error('ERR increment would produce NaN or Infinity');
    return;
  }
  const text = formatLongDouble(sum);
  if (old === undefined) keyspace.addKey(db, key, text);
  else keyspace.overwriteValue(db, key, text);
  ctx.changed(key, 'incrbyfloat', '$');
  ctx.reply.bulk(text);
  // The result, not the increment, is replicated, so replicas cannot round differently.
  ctx.propagate(['SET', key, text, 'KEEPTTL']);
}

function appendCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const suffix = argv[2]!;
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const old = keyspace.lookupWrite(db, key);
  let length: number;
  if (old === undefined) {
    keyspace.addKey(db, key, suffix);
    length = suffix.length;
  } else {
    if (typeof old !== 'string') {
      ctx.reply.error(WRONGTYPE);
      return;
    }
    if (!checkStringLength(ctx, old.length, suffix.length)) return;
    const value = old + suffix;
    keyspace.overwriteValue(db, key, value);
    length = value.length;
  }
  ctx.changed(key, 'append', '$');
  ctx.reply.integer(length);
}

function strlenCommand(ctx: CommandContext, argv: string[]): void {
  const value = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  if (value === undefined) ctx.reply.integer(0);
  else if (typeof value !== 'string') ctx.reply.error(WRONGTYPE);
  else ctx.reply.integer(value.length);
}

function setrangeCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const patch = argv[3]!;
  const offset = parseInteger(argv[2]!);
  if (Number.isNaN(offset)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (offset < 0) {
    ctx.reply.error('ERR offset is out of range');
    return;
  }
  const db = ctx.db;
  const keyspace = ctx.keyspace;
  const old = keyspace.lookupWrite(db, key);
  if (old === undefined) {
    // Setting nothing on a missing key creates nothing.
    if (patch.length === 0) {
      ctx.reply.integer(0);
      return;
    }
    if (!checkStringLength(ctx, offset, patch.length)) return;
    const value = '\0'.repeat(offset) + patch;
    keyspace.addKey(db, key, value);
    ctx.changed(key, 'setrange', '$');
    ctx.reply.integer(value.length);
    return;
  }
  if (typeof old !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  if (patch.length === 0) {
    ctx.reply.integer(old.length);
    return;
  }
  if (!checkStringLength(ctx, offset, patch.length)) return;
  const padded = padWithZeros(old, offset);
  const value = padded.slice(0, offset) + patch + padded.slice(offset + patch.length);
  keyspace.overwriteValue(db, key, value);
  ctx.changed(key, 'setrange', '$');
  ctx.reply.integer(value.length);
}

function getrangeCommand(ctx: CommandContext, argv: string[]): void {
  let start = parseInteger(argv[2]!);
  if (Number.isNaN(start)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  let end = parseInteger(argv[3]!);
  if (Number.isNaN(end)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  const value = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  if (value === undefined) {
    ctx.reply.bulk('');
    return;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  const length = value.length;
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.bulk('');
    return;
  }
  if (start < 0) start += length;
  if (end < 0) end += length;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= length) end = length - 1;
  if (start > end || length === 0) ctx.reply.bulk('');
  else ctx.reply.bulk(value.slice(start, end + 1));
}

/** A latin1 string from byte values, in chunks (fromCharCode.apply has an argument limit). */
function bytesToLatin1(bytes: number[]): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    text += String.fromCharCode.apply(null, bytes.slice(i, i + 8192));
  }
  return text;
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] */
function lcsCommand(ctx: CommandContext, argv: string[]): void {
  const keyspace = ctx.keyspace;
  const va: RedisValue | undefined = keyspace.lookupRead(ctx.db, argv[1]!);
  const vb: RedisValue | undefined = keyspace.lookupRead(ctx.db, argv[2]!);
  if ((va !== undefined && typeof va !== 'string') || (vb !== undefined && typeof vb !== 'string')) {
    ctx.reply.error('ERR The specified keys must contain string values');
    return;
  }
  const a = va ?? '';
  const b = vb ?? '';
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = argv[j]!.toUpperCase();
    if (opt === 'IDX') getIdx = true;
    else if (opt === 'LEN') getLen = true;
    else if (opt === 'WITHMATCHLEN') withMatchLen = true;
    else if (opt === 'MINMATCHLEN' && j < argv.length - 1) {
      const n = parseInteger(argv[j + 1]!);
      if (Number.isNaN(n)) {
        ctx.reply.error(ERR_NOT_INTEGER);
        return;
      }
      minMatchLen = n < 0 ? 0 : n;
      j++;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (getLen && getIdx) {
    ctx.reply.error('ERR If you want both the length and indexes, please just use IDX.');
    return;
  }
  const alen = a.length;
  const blen = b.length;
  const width = blen + 1;
  // Redis refuses tables (of 32-bit cells) bigger than proto-max-bulk-len.
  if ((alen + 1) * width * 4 > maxStringLength(ctx)) {
    ctx.reply.error('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
    return;
  }
  // table[i * width + j] = length of the LCS of a[0..i) and b[0..j).
  const table = new Uint32Array((alen + 1) * width);
  for (let i = 1; i <= alen; i++) {
    const ca = a.charCodeAt(i - 1);
    const row = i * width;
    const prev = row - width;
    for (let j = 1; j <= blen; j++) {
      if (ca === b.charCodeAt(j - 1)) table[row + j] = table[prev + j - 1]! + 1;
      else {
        const up = table[prev + j]!;
        const left = table[row + j - 1]!;
        table[row + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * width + blen]!;
  if (getLen) {
    ctx.reply.integer(total);
    return;
  }
  // Walk back from the end, collecting the LCS and (for IDX) the matching ranges, latest first.
  const chars: number[] = new Array(total);
  const ranges: number[] = []; // aStart, aEnd, bStart, bEnd, per range
  let idx = total;
  let i = alen;
  let j = blen;
  let aStart = alen; // alen: no range open
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars[idx - 1] = a.charCodeAt(i - 1);
      if (aStart === alen) {
        aStart = aEnd = i - 1;
        bStart = bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--;
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * width + j]! > table[i * width + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      if (getIdx && (minMatchLen === 0 || aEnd - aStart + 1 >= minMatchLen)) {
        ranges.push(aStart, aEnd, bStart, bEnd);
      }
      aStart = alen;
    }
  }
  if (!getIdx) {
    ctx.reply.bulk(bytesToLatin1(chars));
    return;
  }
  const reply = ctx.reply;
  reply.map(2);
  reply.bulk('matches');
  reply.array(ranges.length / 4);
  for (let r = 0; r < ranges.length; r += 4) {
    reply.array(withMatchLen ? 3 : 2);
    reply.array(2);
    reply.integer(ranges[r]!);
    reply.integer(ranges[r + 1]!);
    reply.array(2);
    reply.integer(ranges[r + 2]!);
    reply.integer(ranges[r + 3]!);
    if (withMatchLen) reply.integer(ranges[r + 1]! - ranges[r]! + 1);
  }
  reply.bulk('len');
  reply.integer(total);
}

export const stringCommands: CommandFamily = {
  get: getCommand,
  set: setCommand,
  setnx: setnxCommand,
  setex: setexCommand,
  psetex: psetexCommand,
  getset: getsetCommand,
  getdel: getdelCommand,
  getex: getexCommand,
  mget: mgetCommand,
  mset: msetCommand,
  msetnx: msetnxCommand,
  append: appendCommand,
  strlen: strlenCommand,
  setrange: setrangeCommand,
  getrange: getrangeCommand,
  substr: getrangeCommand,
  incr: incrCommand,
  decr: decrCommand,
  incrby: incrbyCommand,
  decrby: decrbyCommand,
  incrbyfloat: incrbyfloatCommand,
  lcs: lcsCommand,
};
