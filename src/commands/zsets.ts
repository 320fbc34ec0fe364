// The sorted set family (Redis's t_zset.c command side). Values are ZSetValue (src/types/zset-value.ts)
// with Redis 7.0's listpack/skiplist encodings. Replies, errors, keyspace events and propagated
// effects follow Redis 7.0.15; every range is turned into a rank interval [lo, hi) first, so ZRANGE,
// ZCOUNT and ZREMRANGE* share one path for ranks, scores and lexicographic ranges.
//
// Not here: the blocking variants (BZPOPMIN, BZPOPMAX, BZMPOP) belong to the blocking machinery.

import type { CommandContext, CommandFamily } from './context.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { RedisValue } from '../types/value.ts';
import { ZSetValue } from '../types/zset-value.ts';
import { exactInteger, parseInteger } from './string-value.ts';
import { globMatch } from './glob.ts';
import { formatDouble } from '../resp/format-double.ts';
import { ERR_NOT_FLOAT, ERR_NOT_INTEGER, ERR_SYNTAX, WRONGTYPE } from '../resp/errors.ts';

const ERR_MINMAX_FLOAT = 'ERR min or max is not a float';
const ERR_MINMAX_LEX = 'ERR min or max not valid string range item';
const ERR_NAN = 'ERR resulting score is not a number (NaN)';
const POSITIVE = 'value is out of range, must be positive';
const LONG_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------------------
// Numbers as Redis reads them.

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isHexDigit(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

/** Where strtod stopped, and whether it reported ERANGE (overflow to inf or underflow to zero). */
let strtodEnd = 0;
let strtodRange = false;

/**
 * C's strtod on s from `start` (glibc: leading white space, sign, inf/infinity, nan[(...)], decimal
 * and hexadecimal forms). Returns the value and leaves the end position in strtodEnd (start when
 * nothing was converted) and ERANGE in strtodRange.
 */
function strtod(s: string, start: number): number {
  strtodRange = false;
  const len = s.length;
  let i = start;
  while (i < len && isSpace(s.charCodeAt(i))) i++;
  let negative = false;
  const sign = s.charCodeAt(i);
  if (sign === 43 || sign === 45) {
    negative = sign === 45;
    i++;
  }
  const word = s.slice(i, i + 8).toLowerCase();
  if (word.startsWith('inf')) {
    strtodEnd = i + (word === 'infinity' ? 8 : 3);
    return negative ? -Infinity : Infinity;
  }
  if (word.startsWith('nan')) {
    let end = i + 3;
    if (s.charCodeAt(end) === 40 /* ( */) {
      let k = end + 1;
      while (k < len && /[0-9A-Za-z_]/.test(s[k]!)) k++;
      if (s.charCodeAt(k) === 41 /* ) */) end = k + 1;
    }
    strtodEnd = end;
    return NaN;
  }
  if (s.charCodeAt(i) === 48 && (s.charCodeAt(i + 1) | 0x20) === 0x78) {
    const value = hexFloat(s, i + 2, negative);
    if (value !== undefined) return value;
    // "0x" without hex digits reads as the "0".
    strtodEnd = i + 1;
    return negative ? -0 : 0;
  }
  let k = i;
  let digits = 0;
  let nonZero = false;
  while (k < len && isDigit(s.charCodeAt(k))) {
    if (s.charCodeAt(k) !== 48) nonZero = true;
    k++;
    digits++;
  }
  if (s.charCodeAt(k) === 46 /* . */) {
    k++;
    while (k < len && isDigit(s.charCodeAt(k))) {
      if (s.charCodeAt(k) !== 48) nonZero = true;
      k++;
      digits++;
    }
  }
  if (digits === 0) {
    strtodEnd = start;
    return 0;
  }
  if ((s.charCodeAt(k) | 0x20) === 0x65 /* e */) {
    let m = k + 1;
    const c = s.charCodeAt(m);
    if (c === 43 || c === 45) m++;
    if (isDigit(s.charCodeAt(m))) {
      while (m < len && isDigit(s.charCodeAt(m))) m++;
      k = m;
    }
  }
  strtodEnd = k;
  const magnitude = Number(s.slice(i, k));
  if (magnitude === Infinity || (magnitude === 0 && nonZero)) strtodRange = true;
  return negative ? -magnitude : magnitude;
}

/** The hexadecimal form after "0x"; undefined when no hex digit follows. */
function hexFloat(s: string, i: number, negative: boolean): number | undefined {
  const len = s.length;
  let k = i;
  let mantissa = '';
  let fracDigits = 0;
  while (k < len && isHexDigit(s.charCodeAt(k))) mantissa += s[k++];
  if (s.charCodeAt(k) === 46) {
    k++;
    while (k < len && isHexDigit(s.charCodeAt(k))) {
      mantissa += s[k++];
      fracDigits++;
    }
  }
  if (mantissa.length === 0) return undefined;
  let exp = 0;
  if ((s.charCodeAt(k) | 0x20) === 0x70 /* p */) {
    let m = k + 1;
    const c = s.charCodeAt(m);
    if (c === 43 || c === 45) m++;
    if (isDigit(s.charCodeAt(m))) {
      const from = m;
      while (m < len && isDigit(s.charCodeAt(m))) m++;
      exp = Math.max(-1e6, Math.min(1e6, Number(s.slice(from, m)))) * (c === 45 ? -1 : 1);
      k = m;
    }
  }
  strtodEnd = k;
  const n = BigInt('0x' + mantissa);
  let value = 0;
  if (n !== 0n) {
    const e = exp - 4 * fracDigits;
    // Number(BigInt) rounds to 53 bits once; scaling by powers of two is exact while normal.
    value = Number(n);
    if (e > 0) value *= 2 ** Math.min(e, 2000);
    else if (e < 0) value = value * 2 ** Math.max(e, -1000) * 2 ** Math.max(Math.min(0, e + 1000), -1100);
    if (value === Infinity || value === 0) strtodRange = true;
  }
  return negative ? -value : value;
}

/** A score or increment as getDoubleFromObject reads it; undefined when invalid. */
export function parseScore(s: string): number | undefined {
  // Fast path: plain decimals ("-12", "3.25"), which Number() reads exactly as strtod does.
  const len = s.length;
  let i = len > 0 && s.charCodeAt(0) === 45 ? 1 : 0;
  const firstDigit = i;
  while (i < len && isDigit(s.charCodeAt(i))) i++;
  if (i > firstDigit && i < 300) {
    if (i < len && s.charCodeAt(i) === 46) {
      i++;
      while (i < len && isDigit(s.charCodeAt(i))) i++;
    }
    if (i === len && len < 300) return Number(s);
  }
  if (len === 0 || isSpace(s.charCodeAt(0))) return undefined;
  const value = strtod(s, 0);
  if (strtodEnd !== s.length || value !== value) return undefined;
  if (strtodRange && (value === Infinity || value === -Infinity || value === 0)) return undefined;
  return value;
}

/** A score bound of a range ("1.5", "(1.5", "-inf", "+inf"), as zslParseRange reads it. */
interface ScoreRange {
  min: number;
  max: number;
  minex: boolean;
  maxex: boolean;
}

function parseScoreBound(s: string): number | undefined {
  const open = s.charCodeAt(0) === 40; /* ( */
  const value = strtod(s, open ? 1 : 0);
  // strtod stops at the C string's end: the rest must be empty or start with a NUL.
  if ((strtodEnd !== s.length && s.charCodeAt(strtodEnd) !== 0) || value !== value) return undefined;
  return value;
}

function parseScoreRange(minText: string, maxText: string): ScoreRange | undefined {
  const min = parseScoreBound(minText);
  if (min === undefined) return undefined;
  const max = parseScoreBound(maxText);
  if (max === undefined) return undefined;
  return { min, max, minex: minText.charCodeAt(0) === 40, maxex: maxText.charCodeAt(0) === 40 };
}

/** A lexicographic bound: "-" (bound -1), "+" (bound 1), "[x" or "(x" (bound 0). */
interface LexBound {
  member: string;
  exclusive: boolean;
  bound: number;
}

function parseLexBound(s: string): LexBound | undefined {
  const c = s.charCodeAt(0);
  // The C code reads s[1] as the end of "+" and "-": a NUL there ends it too.
  const alone = s.length === 1 || s.charCodeAt(1) === 0;
  if (c === 43 /* + */) return alone ? { member: '', exclusive: true, bound: 1 } : undefined;
  if (c === 45 /* - */) return alone ? { member: '', exclusive: true, bound: -1 } : undefined;
  if (c === 40 /* ( */) return { member: s.slice(1), exclusive: true, bound: 0 };
  if (c === 91 /* [ */) return { member: s.slice(1), exclusive: false, bound: 0 };
  return undefined;
}

/** getLongFromObjectOrReply: an integer within a C long, or NaN after replying. */
function longOrReply(ctx: CommandContext, s: string, message: string = ERR_NOT_INTEGER): number {
  const n = parseInteger(s);
  if (Number.isNaN(n)) ctx.reply.error(message);
  return n;
}

/**
 * getRangeLongFromObjectOrReply with bounds as bigints (exact at the int64 edges); `message`
 * (without "ERR "), when given, answers a non-integer too.
 */
function rangeLongOrReply(ctx: CommandContext, s: string, min: bigint, max: bigint, message?: string): number {
  const n = parseInteger(s);
  if (Number.isNaN(n)) {
    ctx.reply.error(message !== undefined ? `ERR ${message}` : ERR_NOT_INTEGER);
    return NaN;
  }
  const exact = exactInteger(s, n);
  if (exact < min || exact > max) {
    ctx.reply.error(message !== undefined ? `ERR ${message}` : `ERR value is out of range, value must between ${min} and ${max}`);
    return NaN;
  }
  return n;
}

// ---------------------------------------------------------------------------------------------
// Keys.

/** The sorted set at key for reading: the set, null when absent, undefined after WRONGTYPE. */
function readZSet(ctx: CommandContext, key: string): ZSetValue | null | undefined {
  return checkZSet(ctx, ctx.keyspace.lookupRead(ctx.db, key));
}

function writeZSet(ctx: CommandContext, key: string): ZSetValue | null | undefined {
  return checkZSet(ctx, ctx.keyspace.lookupWrite(ctx.db, key));
}

function checkZSet(ctx: CommandContext, value: RedisValue | undefined): ZSetValue | null | undefined {
  if (value === undefined) return null;
  if (value instanceof ZSetValue) return value;
  ctx.reply.error(WRONGTYPE);
  return undefined;
}

/** Deletes a key its command emptied and raises 'del' (after the command's own event, as Redis). */
function deleteIfEmpty(ctx: CommandContext, key: string, z: ZSetValue): void {
  if (z.size !== 0) return;
  ctx.keyspace.deleteKey(ctx.db, key);
  ctx.notify(key, 'del', 'g');
}

/**
 * Stores a computed result at dst as zrangestore/zunionstore … do: a non-empty result replaces the
 * key (and its TTL), an empty one deletes it. Replies with the result's size.
 */
function storeResult(ctx: CommandContext, dst: string, members: string[], scores: number[], event: string): void {
  if (members.length === 0) {
    ctx.reply.integer(0);
    if (ctx.keyspace.lookupWrite(ctx.db, dst) !== undefined && ctx.keyspace.deleteKey(ctx.db, dst)) {
      ctx.changed(dst, 'del', 'g');
    }
    return;
  }
  let maxLength = 0;
  for (let i = 0; i < members.length; i++) if (members[i]!.length > maxLength) maxLength = members[i]!.length;
  const skiplist = members.length > ctx.config.zsetMaxListpackEntries || maxLength > ctx.config.zsetMaxListpackValue;
  ctx.keyspace.setKey(ctx.db, dst, ZSetValue.fromSorted(members, scores, skiplist), false);
  ctx.reply.integer(members.length);
  ctx.changed(dst, event, 'z');
}

// ---------------------------------------------------------------------------------------------
// Replies.

/** One element of a range reply: RESP3 WITHSCORES nests each pair in an array of 2. */
function replyElement(reply: ReplyWriter, member: string, score: number, withscores: boolean): void {
  if (withscores) {
    if (reply.proto === 3) reply.array(2);
    reply.bulk(member);
    reply.double(score);
  } else {
    reply.bulk(member);
  }
}

/** The array header of a range reply of n elements. */
function replyRangeLength(reply: ReplyWriter, n: number, withscores: boolean): void {
  reply.array(withscores && reply.proto === 2 ? n * 2 : n);
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY.

const ZADD_NX = 1;
const ZADD_XX = 2;
const ZADD_GT = 4;
const ZADD_LT = 8;
const ZADD_INCR = 16;

const OUT_ADDED = 1;
const OUT_UPDATED = 2;
const OUT_NOP = 4;
const OUT_NAN = 8;

/** Result of zsetAdd: flags and the element's score afterwards. */
let addOut = 0;
let addScore = 0;

/** Redis's zsetAdd: adds or updates one element, converting to skiplist when it outgrows listpack. */
function zsetAdd(ctx: CommandContext, z: ZSetValue, score: number, member: string, flags: number): void {
  addOut = 0;
  const current = z.score(member);
  if (current !== undefined) {
    if (flags & ZADD_NX) {
      addOut = OUT_NOP;
      return;
    }
    if (flags & ZADD_INCR) {
      score += current;
      if (score !== score) {
        addOut = OUT_NAN;
        return;
      }
    }
    if (((flags & ZADD_LT) && score >= current) || ((flags & ZADD_GT) && score <= current)) {
      addOut = OUT_NOP;
      return;
    }
    addScore = score;
    if (score !== current) {
      z.updateScore(member, current, score);
      addOut = OUT_UPDATED;
    }
    return;
  }
  if (flags & ZADD_XX) {
    addOut = OUT_NOP;
    return;
  }
  if (z.isListpack && (z.size + 1 > ctx.config.zsetMaxListpackEntries || member.length > ctx.config.zsetMaxListpackValue)) {
    z.toSkiplist();
  }
  z.insert(member, score);
  addScore = score;
  addOut = OUT_ADDED;
}

/** zaddGenericCommand: ZADD with its options, and ZINCRBY (flags = INCR). */
function zaddGeneric(ctx: CommandContext, argv: string[], flags: number): void {
  const key = argv[1]!;
  let ch = false;
  let scoreIdx = 2;
  for (; scoreIdx < argv.length; scoreIdx++) {
    const arg = argv[scoreIdx]!;
    // Options are 2 to 4 letters; a score never is one of them (skip lower-casing it).
    if (arg.length < 2 || arg.length > 4 || (arg.charCodeAt(0) | 0x20) < 0x61 || (arg.charCodeAt(0) | 0x20) > 0x7a) break;
    const opt = arg.toLowerCase();
    if (opt === 'nx') flags |= ZADD_NX;
    else if (opt === 'xx') flags |= ZADD_XX;
    else if (opt === 'ch') ch = true;
    else if (opt === 'incr') flags |= ZADD_INCR;
    else if (opt === 'gt') flags |= ZADD_GT;
    else if (opt === 'lt') flags |= ZADD_LT;
    else break;
  }
  const incr = (flags & ZADD_INCR) !== 0;
  const pairs = argv.length - scoreIdx;
  if (pairs % 2 !== 0 || pairs === 0) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const elements = pairs / 2;
  if ((flags & ZADD_NX) && (flags & ZADD_XX)) {
    ctx.reply.error('ERR XX and NX options at the same time are not compatible');
    return;
  }
  const gt = (flags & ZADD_GT) !== 0;
  const lt = (flags & ZADD_LT) !== 0;
  const nx = (flags & ZADD_NX) !== 0;
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.reply.error('ERR GT, LT, and/or NX options at the same time are not compatible');
    return;
  }
  if (incr && elements > 1) {
    ctx.reply.error('ERR INCR option supports a single increment-element pair');
    return;
  }
  const scores: number[] = new Array(elements);
  for (let j = 0; j < elements; j++) {
    const score = parseScore(argv[scoreIdx + j * 2]!);
    if (score === undefined) {
      ctx.reply.error(ERR_NOT_FLOAT);
      return;
    }
    scores[j] = score;
  }
  let z = writeZSet(ctx, key);
  if (z === undefined) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let score = 0;
  if (z === null) {
    if (flags & ZADD_XX) {
      replyZadd(ctx, incr, ch, 0, 0, 0, 0);
      return;
    }
    z = new ZSetValue();
    ctx.keyspace.addKey(ctx.db, key, z);
  }
  for (let j = 0; j < elements; j++) {
    zsetAdd(ctx, z, scores[j]!, argv[scoreIdx + 1 + j * 2]!, flags);
    if (addOut & OUT_NAN) {
      ctx.reply.error(ERR_NAN);
      if (added + updated > 0) ctx.changed(key, incr ? 'zincr' : 'zadd', 'z');
      return;
    }
    if (addOut & OUT_ADDED) added++;
    if (addOut & OUT_UPDATED) updated++;
    if (!(addOut & OUT_NOP)) processed++;
    score = addScore;
  }
  replyZadd(ctx, incr, ch, added, updated, processed, score);
  if (added + updated > 0) ctx.changed(key, incr ? 'zincr' : 'zadd', 'z');
}

function replyZadd(ctx: CommandContext, incr: boolean, ch: boolean, added: number, updated: number, processed: number, score: number): void {
  if (incr) {
    if (processed > 0) ctx.reply.double(score);
    else ctx.reply.nil();
  } else {
    ctx.reply.integer(ch ? added + updated : added);
  }
}

function zaddCommand(ctx: CommandContext, argv: string[]): void {
  zaddGeneric(ctx, argv, 0);
}

function zincrbyCommand(ctx: CommandContext, argv: string[]): void {
  zaddGeneric(ctx, argv, ZADD_INCR);
}

// ---------------------------------------------------------------------------------------------
// Single-key reads and removals.

function zremCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const z = writeZSet(ctx, key);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.integer(0);
    return;
  }
  let deleted = 0;
  for (let j = 2; j < argv.length; j++) {
    if (z.remove(argv[j]!)) {
      deleted++;
      if (z.size === 0) break;
    }
  }
  if (deleted > 0) {
    ctx.changed(key, 'zrem', 'z');
    deleteIfEmpty(ctx, key, z);
  }
  ctx.reply.integer(deleted);
}

function zcardCommand(ctx: CommandContext, argv: string[]): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  ctx.reply.integer(z === null ? 0 : z.size);
}

function zscoreCommand(ctx: CommandContext, argv: string[]): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  const score = z === null ? undefined : z.score(argv[2]!);
  if (score === undefined) ctx.reply.nil();
  else ctx.reply.double(score);
}

function zmscoreCommand(ctx: CommandContext, argv: string[]): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  ctx.reply.array(argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = z === null ? undefined : z.score(argv[j]!);
    if (score === undefined) ctx.reply.nil();
    else ctx.reply.double(score);
  }
}

function zrankGeneric(ctx: CommandContext, argv: string[], reverse: boolean): void {
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  const rank = z === null ? -1 : z.rank(argv[2]!);
  if (rank < 0) ctx.reply.nil();
  else ctx.reply.integer(reverse ? z!.size - 1 - rank : rank);
}

/** [lo, hi) ranks of a score range. */
function scoreRanks(z: ZSetValue, range: ScoreRange): [number, number] {
  const lo = z.firstByScore(range.min, range.minex);
  const hi = z.firstByScore(range.max, !range.maxex);
  return [lo, hi];
}

function lexRanks(z: ZSetValue, min: LexBound, max: LexBound): [number, number] {
  const lo = z.firstByLex(min.member, min.exclusive, min.bound);
  const hi = z.firstByLex(max.member, !max.exclusive, max.bound);
  return [lo, hi];
}

function zcountCommand(ctx: CommandContext, argv: string[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  if (range === undefined) {
    ctx.reply.error(ERR_MINMAX_FLOAT);
    return;
  }
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.integer(0);
    return;
  }
  const [lo, hi] = scoreRanks(z, range);
  ctx.reply.integer(hi > lo ? hi - lo : 0);
}

function zlexcountCommand(ctx: CommandContext, argv: string[]): void {
  const min = parseLexBound(argv[2]!);
  const max = parseLexBound(argv[3]!);
  if (min === undefined || max === undefined) {
    ctx.reply.error(ERR_MINMAX_LEX);
    return;
  }
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.integer(0);
    return;
  }
  const [lo, hi] = lexRanks(z, min, max);
  ctx.reply.integer(hi > lo ? hi - lo : 0);
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and friends: zrangeGenericCommand.

const RANGE_AUTO = 0;
const RANGE_RANK = 1;
const RANGE_SCORE = 2;
const RANGE_LEX = 3;

const DIR_AUTO = 0;
const DIR_FORWARD = 1;
const DIR_REVERSE = 2;

/**
 * The selected elements of a range as a starting rank, a count and a direction (ranks go down from
 * `start` when reverse), or undefined when empty.
 */
interface Selection {
  start: number;
  count: number;
  reverse: boolean;
}

function zrangeGeneric(ctx: CommandContext, argv: string[], argcStart: number, store: boolean, rangeType: number, direction: number): void {
  const key = argv[argcStart]!;
  let minIdx = argcStart + 1;
  let maxIdx = argcStart + 2;
  let withscores = false;
  let offset = 0;
  let limit = -1;
  for (let j = argcStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = argv[j]!.toLowerCase();
    if (!store && opt === 'withscores') {
      withscores = true;
    } else if (opt === 'limit' && left >= 2) {
      offset = longOrReply(ctx, argv[j + 1]!);
      if (Number.isNaN(offset)) return;
      limit = longOrReply(ctx, argv[j + 2]!);
      if (Number.isNaN(limit)) return;
      j += 2;
    } else if (direction === DIR_AUTO && opt === 'rev') {
      direction = DIR_REVERSE;
    } else if (rangeType === RANGE_AUTO && opt === 'bylex') {
      rangeType = RANGE_LEX;
    } else if (rangeType === RANGE_AUTO && opt === 'byscore') {
      rangeType = RANGE_SCORE;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (direction === DIR_AUTO) direction = DIR_FORWARD;
  if (rangeType === RANGE_AUTO) rangeType = RANGE_RANK;
  if (limit !== -1 && rangeType === RANGE_RANK) {
    ctx.reply.error('ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX');
    return;
  }
  if (withscores && rangeType === RANGE_LEX) {
    ctx.reply.error('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
    return;
  }
  const reverse = direction === DIR_REVERSE;
  if (reverse && rangeType !== RANGE_RANK) {
    const t = maxIdx;
    maxIdx = minIdx;
    minIdx = t;
  }
  let startIndex = 0;
  let endIndex = 0;
  let scoreRange: ScoreRange | undefined;
  let lexMin: LexBound | undefined;
  let lexMax: LexBound | undefined;
  if (rangeType === RANGE_RANK) {
    startIndex = longOrReply(ctx, argv[minIdx]!);
    if (Number.isNaN(startIndex)) return;
    endIndex = longOrReply(ctx, argv[maxIdx]!);
    if (Number.isNaN(endIndex)) return;
  } else if (rangeType === RANGE_SCORE) {
    scoreRange = parseScoreRange(argv[minIdx]!, argv[maxIdx]!);
    if (scoreRange === undefined) {
      ctx.reply.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lexMin = parseLexBound(argv[minIdx]!);
    lexMax = parseLexBound(argv[maxIdx]!);
    if (lexMin === undefined || lexMax === undefined) {
      ctx.reply.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const z = readZSet(ctx, key);
  if (z === undefined) return;
  let sel: Selection | undefined;
  if (z !== null) {
    if (rangeType === RANGE_RANK) {
      sel = rankSelection(z.size, startIndex, endIndex, reverse);
    } else {
      const [lo, hi] = rangeType === RANGE_SCORE ? scoreRanks(z, scoreRange!) : lexRanks(z, lexMin!, lexMax!);
      sel = limitSelection(z.size, lo, hi, offset, limit, reverse);
    }
  }
  if (store) {
    const members: string[] = [];
    const scores: number[] = [];
    if (sel !== undefined) {
      z!.forRange(sel.start, sel.count, sel.reverse, (m, s) => {
        members.push(m);
        scores.push(s);
      });
      if (sel.reverse) {
        members.reverse();
        scores.reverse();
      }
    }
    storeResult(ctx, argv[1]!, members, scores, 'zrangestore');
    return;
  }
  if (sel === undefined) {
    ctx.reply.array(0);
    return;
  }
  const reply = ctx.reply;
  replyRangeLength(reply, sel.count, withscores);
  z!.forRange(sel.start, sel.count, sel.reverse, (m, s) => replyElement(reply, m, s, withscores));
}

/** genericZrangebyrankCommand's index sanitizing. */
function rankSelection(size: number, start: number, end: number, reverse: boolean): Selection | undefined {
  if (start < 0) start = size + start;
  if (end < 0) end = size + end;
  if (start < 0) start = 0;
  if (start > end || start >= size) return undefined;
  if (end >= size) end = size - 1;
  const count = end - start + 1;
  return { start: reverse ? size - 1 - start : start, count, reverse };
}

/**
 * A score or lex range [lo, hi) with LIMIT offset count: a negative offset selects nothing (Redis's
 * `while (offset--)` walks off the end), a negative count means all.
 */
function limitSelection(size: number, lo: number, hi: number, offset: number, limit: number, reverse: boolean): Selection | undefined {
  if (hi <= lo || offset < 0 || (offset > 0 && offset >= size) || limit === 0) return undefined;
  const available = hi - lo - offset;
  if (available <= 0) return undefined;
  const count = limit < 0 || limit > available ? available : limit;
  return { start: reverse ? hi - 1 - offset : lo + offset, count, reverse };
}

function zrangeCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_AUTO, DIR_AUTO);
}

function zrangestoreCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 2, true, RANGE_AUTO, DIR_AUTO);
}

function zrevrangeCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_RANK, DIR_REVERSE);
}

function zrangebyscoreCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_SCORE, DIR_FORWARD);
}

function zrevrangebyscoreCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_SCORE, DIR_REVERSE);
}

function zrangebylexCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_LEX, DIR_FORWARD);
}

function zrevrangebylexCommand(ctx: CommandContext, argv: string[]): void {
  zrangeGeneric(ctx, argv, 1, false, RANGE_LEX, DIR_REVERSE);
}

// ---------------------------------------------------------------------------------------------
// ZREMRANGEBYRANK / SCORE / LEX.

function zremrangeGeneric(ctx: CommandContext, argv: string[], rangeType: number): void {
  const key = argv[1]!;
  let start = 0;
  let end = 0;
  let scoreRange: ScoreRange | undefined;
  let lexMin: LexBound | undefined;
  let lexMax: LexBound | undefined;
  if (rangeType === RANGE_RANK) {
    start = longOrReply(ctx, argv[2]!);
    if (Number.isNaN(start)) return;
    end = longOrReply(ctx, argv[3]!);
    if (Number.isNaN(end)) return;
  } else if (rangeType === RANGE_SCORE) {
    scoreRange = parseScoreRange(argv[2]!, argv[3]!);
    if (scoreRange === undefined) {
      ctx.reply.error(ERR_MINMAX_FLOAT);
      return;
    }
  } else {
    lexMin = parseLexBound(argv[2]!);
    lexMax = parseLexBound(argv[3]!);
    if (lexMin === undefined || lexMax === undefined) {
      ctx.reply.error(ERR_MINMAX_LEX);
      return;
    }
  }
  const z = writeZSet(ctx, key);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.integer(0);
    return;
  }
  let lo: number;
  let hi: number;
  if (rangeType === RANGE_RANK) {
    const sel = rankSelection(z.size, start, end, false);
    if (sel === undefined) {
      ctx.reply.integer(0);
      return;
    }
    lo = sel.start;
    hi = sel.start + sel.count;
  } else if (rangeType === RANGE_SCORE) {
    [lo, hi] = scoreRanks(z, scoreRange!);
  } else {
    [lo, hi] = lexRanks(z, lexMin!, lexMax!);
  }
  const deleted = hi > lo ? z.removeRange(lo, hi - lo).length : 0;
  if (deleted > 0) {
    ctx.changed(key, rangeType === RANGE_RANK ? 'zremrangebyrank' : rangeType === RANGE_SCORE ? 'zremrangebyscore' : 'zremrangebylex', 'z');
    deleteIfEmpty(ctx, key, z);
  }
  ctx.reply.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// ZPOPMIN, ZPOPMAX, ZMPOP: genericZpopCommand.

export function zpopGeneric(
  ctx: CommandContext,
  keys: string[],
  max: boolean,
  emitKey: boolean,
  count: number,
  nested: boolean,
  nilWhenEmpty: boolean,
  rewrite: boolean,
): void {
  let key = '';
  let z: ZSetValue | null = null;
  for (let i = 0; i < keys.length; i++) {
    const found = writeZSet(ctx, keys[i]!);
    if (found === undefined) return;
    if (found !== null) {
      key = keys[i]!;
      z = found;
      break;
    }
  }
  const reply = ctx.reply;
  if (z === null) {
    if (nilWhenEmpty) reply.nullArray();
    else reply.array(0);
    return;
  }
  if (count === 0) {
    reply.array(0);
    return;
  }
  if (count === -1) count = 1;
  const size = z.size;
  const n = count > size ? size : count;
  if (!nested && !emitKey) {
    reply.array(n * 2);
  } else if (nested && !emitKey) {
    reply.array(n);
  } else if (!nested && emitKey) {
    reply.array(n * 2 + 1);
    reply.bulk(key);
  } else {
    reply.array(2);
    reply.bulk(key);
    reply.array(n);
  }
  const start = max ? size - n : 0;
  const members: string[] = [];
  const scores: number[] = [];
  z.forRange(max ? size - 1 : 0, n, max, (m, s) => {
    members.push(m);
    scores.push(s);
  });
  for (let i = 0; i < n; i++) {
    if (nested) reply.array(2);
    reply.bulk(members[i]!);
    reply.double(scores[i]!);
  }
  z.removeRange(start, n);
  ctx.changed(key, max ? 'zpopmax' : 'zpopmin', 'z');
  deleteIfEmpty(ctx, key, z);
  if (rewrite) ctx.propagate([max ? 'ZPOPMAX' : 'ZPOPMIN', key, String(count)]);
}

function zpopMinMax(ctx: CommandContext, argv: string[], max: boolean): void {
  if (argv.length > 3) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  if (argv.length === 3) {
    count = rangeLongOrReply(ctx, argv[2]!, 0n, LONG_MAX, POSITIVE);
    if (Number.isNaN(count)) return;
  }
  zpopGeneric(ctx, [argv[1]!], max, false, count, ctx.reply.proto === 3 && count !== -1, false, false);
}

function zmpopCommand(ctx: CommandContext, argv: string[]): void {
  const numkeys = rangeLongOrReply(ctx, argv[1]!, 1n, LONG_MAX, 'numkeys should be greater than 0');
  if (Number.isNaN(numkeys)) return;
  const whereIdx = 1 + numkeys + 1;
  if (whereIdx >= argv.length) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const where = argv[whereIdx]!.toLowerCase();
  if (where !== 'min' && where !== 'max') {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  let count = -1;
  for (let j = whereIdx + 1; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (count === -1 && argv[j]!.toLowerCase() === 'count' && more > 0) {
      j++;
      count = rangeLongOrReply(ctx, argv[j]!, 1n, LONG_MAX, 'count should be greater than 0');
      if (Number.isNaN(count)) return;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (count === -1) count = 1;
  zpopGeneric(ctx, argv.slice(2, 2 + numkeys), where === 'max', true, count, true, true, true);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER.

function zrandmemberCommand(ctx: CommandContext, argv: string[]): void {
  if (argv.length >= 3) {
    const count = rangeLongOrReply(ctx, argv[2]!, -LONG_MAX, LONG_MAX);
    if (Number.isNaN(count)) return;
    let withscores = false;
    if (argv.length > 4 || (argv.length === 4 && argv[3]!.toLowerCase() !== 'withscores')) {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
    if (argv.length === 4) {
      withscores = true;
      const exact = exactInteger(argv[2]!, count);
      if (exact < -LONG_MAX / 2n || exact > LONG_MAX / 2n) {
        ctx.reply.error('ERR value is out of range');
        return;
      }
    }
    zrandmemberWithCount(ctx, argv[1]!, count, withscores);
    return;
  }
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  if (z === null) {
    ctx.reply.nil();
    return;
  }
  ctx.reply.bulk(z.memberAt(Math.floor(Math.random() * z.size)));
}

function zrandmemberWithCount(ctx: CommandContext, key: string, count: number, withscores: boolean): void {
  const z = readZSet(ctx, key);
  if (z === undefined) return;
  const reply = ctx.reply;
  if (z === null || count === 0) {
    reply.array(0);
    return;
  }
  const size = z.size;
  let unique = true;
  if (count < 0) {
    count = -count;
    unique = false;
  }
  // Case 1: repetitions allowed (or a single element): independent draws.
  if (!unique || count === 1) {
    replyRangeLength(reply, count, withscores);
    for (let i = 0; i < count; i++) {
      const rank = Math.floor(Math.random() * size);
      replyElement(reply, z.memberAt(rank), z.scoreAt(rank), withscores);
    }
    return;
  }
  // Case 2: the whole set, in the order Redis's zuiNext walks it (from the highest element down).
  if (count >= size) {
    replyRangeLength(reply, size, withscores);
    z.forRange(size - 1, size, true, (m, s) => replyElement(reply, m, s, withscores));
    return;
  }
  // Cases 3 and 4: distinct elements, in random order (a partial Fisher-Yates over the ranks).
  const ranks = new Map<number, number>();
  replyRangeLength(reply, count, withscores);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(Math.random() * (size - i));
    const picked = ranks.get(j) ?? j;
    ranks.set(j, ranks.get(i) ?? i);
    replyElement(reply, z.memberAt(picked), z.scoreAt(picked), withscores);
  }
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF, their STORE forms and ZINTERCARD: zunionInterDiffGenericCommand.

const OP_UNION = 0;
const OP_INTER = 1;
const OP_DIFF = 2;

const AGGR_SUM = 0;
const AGGR_MIN = 1;
const AGGR_MAX = 2;

/** What ZUNION and friends read from a plain set (the set family's SetValue): members, score 1 each. */
interface PlainSet {
  readonly kind: 'set';
  readonly size: number;
  memberAt(i: number): string;
  has(member: string): boolean;
}

function isPlainSet(value: RedisValue): value is RedisValue & PlainSet {
  return typeof value !== 'string' && value.kind === 'set' && typeof (value as Partial<PlainSet>).memberAt === 'function';
}

/** An input of a set operation (zuiInitIterator's view): a sorted set, a plain set or a missing key. */
class Source {
  readonly z: ZSetValue | null;
  readonly set: PlainSet | null;
  weight = 1;

  constructor(z: ZSetValue | null, set: PlainSet | null) {
    this.z = z;
    this.set = set;
  }

  get size(): number {
    return this.z !== null ? this.z.size : this.set !== null ? this.set.size : 0;
  }

  /** zuiFind: the element's score, or undefined when absent. */
  score(member: string): number | undefined {
    if (this.z !== null) return this.z.score(member);
    if (this.set !== null) return this.set.has(member) ? 1 : undefined;
    return undefined;
  }

  /** Every element with its score, in the input's own order. */
  forEach(fn: (member: string, score: number) => void): void {
    if (this.z !== null) {
      this.z.forRange(0, this.z.size, false, fn);
    } else if (this.set !== null) {
      const set = this.set;
      for (let i = 0; i < set.size; i++) fn(set.memberAt(i), 1);
    }
  }

  same(other: Source): boolean {
    return (this.z !== null && this.z === other.z) || (this.set !== null && this.set === other.set);
  }
}

function aggregate(target: number, value: number, how: number): number {
  if (how === AGGR_SUM) {
    const sum = target + value;
    // inf + -inf is NaN: Redis keeps 0 by convention.
    return sum !== sum ? 0 : sum;
  }
  if (how === AGGR_MIN) return value < target ? value : target;
  return value > target ? value : target;
}

function setOpGeneric(ctx: CommandContext, argv: string[], dst: string | null, numkeysIdx: number, op: number, cardinalityOnly: boolean): void {
  const setnum = longOrReply(ctx, argv[numkeysIdx]!);
  if (Number.isNaN(setnum)) return;
  if (setnum < 1) {
    ctx.reply.error(`ERR at least 1 input key is needed for '${argv[0]!.toLowerCase()}' command`);
    return;
  }
  if (setnum > argv.length - (numkeysIdx + 1)) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const sources: Source[] = [];
  let j = numkeysIdx + 1;
  for (let i = 0; i < setnum; i++, j++) {
    const value = dst !== null ? ctx.keyspace.lookupWrite(ctx.db, argv[j]!) : ctx.keyspace.lookupRead(ctx.db, argv[j]!);
    if (value === undefined || value instanceof ZSetValue) {
      sources.push(new Source(value ?? null, null));
    } else if (isPlainSet(value)) {
      sources.push(new Source(null, value));
    } else {
      ctx.reply.error(WRONGTYPE);
      return;
    }
  }
  let how = AGGR_SUM;
  let withscores = false;
  let limit = 0;
  while (j < argv.length) {
    const remaining = argv.length - j;
    const opt = argv[j]!.toLowerCase();
    if (op !== OP_DIFF && !cardinalityOnly && remaining >= setnum + 1 && opt === 'weights') {
      j++;
      for (let i = 0; i < setnum; i++, j++) {
        const weight = parseScore(argv[j]!);
        if (weight === undefined) {
          ctx.reply.error('ERR weight value is not a float');
          return;
        }
        sources[i]!.weight = weight;
      }
    } else if (op !== OP_DIFF && !cardinalityOnly && remaining >= 2 && opt === 'aggregate') {
      const how1 = argv[j + 1]!.toLowerCase();
      if (how1 === 'sum') how = AGGR_SUM;
      else if (how1 === 'min') how = AGGR_MIN;
      else if (how1 === 'max') how = AGGR_MAX;
      else {
        ctx.reply.error(ERR_SYNTAX);
        return;
      }
      j += 2;
    } else if (remaining >= 1 && dst === null && !cardinalityOnly && opt === 'withscores') {
      withscores = true;
      j++;
    } else if (cardinalityOnly && remaining >= 2 && opt === 'limit') {
      limit = rangeLongOrReply(ctx, argv[j + 1]!, 0n, LONG_MAX, "LIMIT can't be negative");
      if (Number.isNaN(limit)) return;
      j += 2;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  // Smallest inputs first (a stable sort, as glibc's qsort merge sort is), except for DIFF.
  if (op !== OP_DIFF) sources.sort((a, b) => a.size - b.size);

  const result = new Map<string, number>();
  let cardinality = 0;
  if (op === OP_INTER) {
    const first = sources[0]!;
    if (first.size > 0) {
      const members: string[] = [];
      const scores: number[] = [];
      first.forEach((m, s) => {
        members.push(m);
        scores.push(s);
      });
      for (let e = 0; e < members.length; e++) {
        const member = members[e]!;
        let score = first.weight * scores[e]!;
        if (score !== score) score = 0;
        let k = 1;
        for (; k < sources.length; k++) {
          const other = sources[k]!;
          const value = other.same(first) ? scores[e] : other.score(member);
          if (value === undefined) break;
          score = aggregate(score, value * other.weight, how);
        }
        if (k !== sources.length) continue;
        if (cardinalityOnly) {
          cardinality++;
          if (limit !== 0 && cardinality >= limit) break;
        } else {
          result.set(member, score);
        }
      }
    }
  } else if (op === OP_UNION) {
    for (const source of sources) {
      source.forEach((m, s) => {
        let score = source.weight * s;
        if (score !== score) score = 0;
        const existing = result.get(m);
        result.set(m, existing === undefined ? score : aggregate(existing, score, how));
      });
    }
  } else {
    const first = sources[0]!;
    first.forEach((m, s) => {
      for (let k = 1; k < sources.length; k++) if (sources[k]!.score(m) !== undefined) return;
      result.set(m, s);
    });
  }
  if (cardinalityOnly) {
    ctx.reply.integer(cardinality);
    return;
  }
  // The result in (score, member) order.
  const members = Array.from(result.keys());
  const scores = members.map((m) => result.get(m)!);
  const order = members.map((_, i) => i);
  order.sort((a, b) => {
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) return sa < sb ? -1 : 1;
    const ma = members[a]!;
    const mb = members[b]!;
    return ma < mb ? -1 : ma > mb ? 1 : 0;
  });
  const sortedMembers = order.map((i) => members[i]!);
  const sortedScores = order.map((i) => scores[i]!);
  if (dst !== null) {
    storeResult(ctx, dst, sortedMembers, sortedScores, op === OP_UNION ? 'zunionstore' : op === OP_INTER ? 'zinterstore' : 'zdiffstore');
    return;
  }
  const reply = ctx.reply;
  replyRangeLength(reply, sortedMembers.length, withscores);
  for (let i = 0; i < sortedMembers.length; i++) replyElement(reply, sortedMembers[i]!, sortedScores[i]!, withscores);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN.

/** A cursor as parseScanCursorOrReply reads it (strtoul rules); -1 when invalid. */
function parseCursor(text: string): number {
  const m = /^([+-]?)([0-9]*)$/.exec(text);
  if (m === null) return -1;
  if (m[2] === '') return m[1] === '' ? 0 : -1;
  let value = BigInt(m[2]!);
  if (value > 18446744073709551615n) return -1;
  if (m[1] === '-' && value !== 0n) value = 18446744073709551616n - value;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/**
 * ZSCAN. A listpack set is returned whole with cursor 0, as Redis does. A skiplist set is walked in
 * (score, member) order and the cursor is the rank to continue from: an element present for the
 * whole scan is returned unless elements ranked before it are removed meanwhile (Redis's dict cursor
 * has no such gap; see the family notes).
 */
function zscanCommand(ctx: CommandContext, argv: string[]): void {
  const cursor = parseCursor(argv[2]!);
  if (cursor < 0) {
    ctx.reply.error('ERR invalid cursor');
    return;
  }
  const z = readZSet(ctx, argv[1]!);
  if (z === undefined) return;
  const reply = ctx.reply;
  if (z === null) {
    reply.array(2);
    reply.bulk('0');
    reply.array(0);
    return;
  }
  let count = 10;
  let pattern: string | null = null;
  for (let i = 3; i < argv.length; ) {
    const opt = argv[i]!.toLowerCase();
    const remaining = argv.length - i;
    if (opt === 'count' && remaining >= 2) {
      const n = parseInteger(argv[i + 1]!);
      if (Number.isNaN(n)) {
        reply.error(ERR_NOT_INTEGER);
        return;
      }
      if (n < 1) {
        reply.error(ERR_SYNTAX);
        return;
      }
      count = n;
      i += 2;
    } else if (opt === 'match' && remaining >= 2) {
      pattern = argv[i + 1]!;
      if (pattern === '*') pattern = null;
      i += 2;
    } else {
      reply.error(ERR_SYNTAX);
      return;
    }
  }
  const size = z.size;
  let start = 0;
  let n = size;
  let next = 0;
  if (!z.isListpack) {
    start = cursor < size ? cursor : size;
    n = Math.min(count, size - start);
    next = start + n >= size ? 0 : start + n;
  }
  const out: string[] = [];
  z.forRange(start, n, false, (m, s) => {
    if (pattern !== null && !globMatch(pattern, m)) return;
    // Scores in scan replies are bulk strings in both protocols.
    out.push(m, formatDouble(s));
  });
  reply.array(2);
  reply.bulk(String(next));
  reply.array(out.length);
  for (let i = 0; i < out.length; i++) reply.bulk(out[i]!);
}


// ---------------------------------------------------------------------------------------------

export const zsetCommands: CommandFamily = {
  zadd: zaddCommand,
  zincrby: zincrbyCommand,
  zrem: zremCommand,
  zcard: zcardCommand,
  zcount: zcountCommand,
  zlexcount: zlexcountCommand,
  zscore: zscoreCommand,
  zmscore: zmscoreCommand,
  zrank: (ctx, argv) => zrankGeneric(ctx, argv, false),
  zrevrank: (ctx, argv) => zrankGeneric(ctx, argv, true),
  zrange: zrangeCommand,
  zrangestore: zrangestoreCommand,
  zrevrange: zrevrangeCommand,
  zrangebyscore: zrangebyscoreCommand,
  zrevrangebyscore: zrevrangebyscoreCommand,
  zrangebylex: zrangebylexCommand,
  zrevrangebylex: zrevrangebylexCommand,
  zremrangebyrank: (ctx, argv) => zremrangeGeneric(ctx, argv, RANGE_RANK),
  zremrangebyscore: (ctx, argv) => zremrangeGeneric(ctx, argv, RANGE_SCORE),
  zremrangebylex: (ctx, argv) => zremrangeGeneric(ctx, argv, RANGE_LEX),
  zpopmin: (ctx, argv) => zpopMinMax(ctx, argv, false),
  zpopmax: (ctx, argv) => zpopMinMax(ctx, argv, true),
  zmpop: zmpopCommand,
  zrandmember: zrandmemberCommand,
  zunion: (ctx, argv) => setOpGeneric(ctx, argv, null, 1, OP_UNION, false),
  zinter: (ctx, argv) => setOpGeneric(ctx, argv, null, 1, OP_INTER, false),
  zdiff: (ctx, argv) => setOpGeneric(ctx, argv, null, 1, OP_DIFF, false),
  zunionstore: (ctx, argv) => setOpGeneric(ctx, argv, argv[1]!, 2, OP_UNION, false),
  zinterstore: (ctx, argv) => setOpGeneric(ctx, argv, argv[1]!, 2, OP_INTER, false),
  zdiffstore: (ctx, argv) => setOpGeneric(ctx, argv, argv[1]!, 2, OP_DIFF, false),
  zintercard: (ctx, argv) => setOpGeneric(ctx, argv, null, 1, OP_INTER, true),
  zscan: zscanCommand,
};
