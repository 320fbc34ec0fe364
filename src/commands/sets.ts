// The set family (Redis's t_set.c): membership, random picks and pops, SMOVE, the algebra commands
// (SINTER/SUNION/SDIFF, their STORE forms and SINTERCARD) and SSCAN. Replies, errors, keyspace events
// and propagated effects follow Redis 7.0.15; the encodings live in types/set-value.ts.
// Multi-key commands see every key here: the engine gathers keys of other workers first.

import type { CommandContext, CommandFamily } from './context.ts';
import { SetValue } from '../types/set-value.ts';
import { ERR_SYNTAX, WRONGTYPE } from '../resp/errors.ts';
import {
  LONG_MAX,
  lookupRead,
  parseElementCursor,
  parseElementScanOptions,
  positiveLongOrReply,
  randomIndex,
  rangeLongOrReply,
  replyEmptyScan,
  sampleDistinct,
  sampleOrdered,
} from './collection-args.ts';
import { globMatch } from './glob.ts';

/** The set at key for a read, or null after replying `missing` or WRONGTYPE. */
function setForRead(ctx: CommandContext, key: string, missing: (ctx: CommandContext) => void): SetValue | null {
  const value = lookupRead(ctx, key);
  if (value === undefined) {
    missing(ctx);
    return null;
  }
  if (!(value instanceof SetValue)) {
    ctx.reply.error(WRONGTYPE);
    return null;
  }
  return value;
}

/** The set at key for a write (undefined when absent), or null after a WRONGTYPE reply. */
function setForWrite(ctx: CommandContext, key: string): SetValue | undefined | null {
  const value = ctx.keyspace.lookupWrite(ctx.db, key);
  if (value === undefined) return undefined;
  if (!(value instanceof SetValue)) {
    ctx.reply.error(WRONGTYPE);
    return null;
  }
  return value;
}

const replyZero = (ctx: CommandContext): void => ctx.reply.integer(0);
const replyNil = (ctx: CommandContext): void => ctx.reply.nil();
const replyEmptyArray = (ctx: CommandContext): void => ctx.reply.array(0);
const replyEmptySet = (ctx: CommandContext): void => ctx.reply.set(0);

/** Every member, as a RESP3 set (RESP2 array), in the set's order. */
function replyMembers(ctx: CommandContext, set: SetValue): void {
  const n = set.size;
  ctx.reply.set(n);
  for (let i = 0; i < n; i++) ctx.reply.bulk(set.memberAt(i));
}

// ---------------------------------------------------------------------------------------------
// SADD SREM SCARD SISMEMBER SMISMEMBER SMOVE

function sadd(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  let set = setForWrite(ctx, key);
  if (set === null) return;
  if (set === undefined) {
    set = SetValue.createFor(argv[2]!);
    ctx.keyspace.addKey(ctx.db, key, set);
  }
  const max = ctx.config.setMaxIntsetEntries;
  let added = 0;
  for (let i = 2; i < argv.length; i++) if (set.add(argv[i]!, max)) added++;
  if (added > 0) ctx.changed(key, 'sadd', 's');
  ctx.reply.integer(added);
}

function srem(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const set = setForWrite(ctx, key);
  if (set === null) return;
  if (set === undefined) {
    ctx.reply.integer(0);
    return;
  }
  let deleted = 0;
  let keyRemoved = false;
  for (let i = 2; i < argv.length; i++) {
    if (set.remove(argv[i]!)) {
      deleted++;
      if (set.size === 0) {
        ctx.keyspace.deleteKey(ctx.db, key);
        keyRemoved = true;
        break;
      }
    }
  }
  if (deleted > 0) {
    ctx.changed(key, 'srem', 's');
    if (keyRemoved) ctx.notify(key, 'del', 'g');
  }
  ctx.reply.integer(deleted);
}

function scard(ctx: CommandContext, argv: string[]): void {
  const set = setForRead(ctx, argv[1]!, replyZero);
  if (set !== null) ctx.reply.integer(set.size);
}

function sismember(ctx: CommandContext, argv: string[]): void {
  const set = setForRead(ctx, argv[1]!, replyZero);
  if (set !== null) ctx.reply.integer(set.has(argv[2]!) ? 1 : 0);
}

function smismember(ctx: CommandContext, argv: string[]): void {
  const value = lookupRead(ctx, argv[1]!);
  if (value !== undefined && !(value instanceof SetValue)) {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  ctx.reply.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) ctx.reply.integer(value?.has(argv[i]!) ? 1 : 0);
}

function smove(ctx: CommandContext, argv: string[]): void {
  const source = argv[1]!;
  const destination = argv[2]!;
  const member = argv[3]!;
  const { keyspace, db } = ctx;
  const src = keyspace.lookupWrite(db, source);
  let dst = keyspace.lookupWrite(db, destination);
  if (src === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (!(src instanceof SetValue) || (dst !== undefined && !(dst instanceof SetValue))) {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  if (src === dst) {
    ctx.reply.integer(src.has(member) ? 1 : 0);
    return;
  }
  if (!src.remove(member)) {
    ctx.reply.integer(0);
    return;
  }
  ctx.changed(source, 'srem', 's');
  if (src.size === 0) {
    keyspace.deleteKey(db, source);
    ctx.notify(source, 'del', 'g');
  }
  if (dst === undefined) {
    dst = SetValue.createFor(member);
    keyspace.addKey(db, destination, dst);
  }
  if ((dst as SetValue).add(member, ctx.config.setMaxIntsetEntries)) ctx.changed(destination, 'sadd', 's');
  ctx.reply.integer(1);
}

// ---------------------------------------------------------------------------------------------
// SPOP SRANDMEMBER

/** Removes and returns a random member (setTypePopRandom). */
function popRandom(set: SetValue): string {
  const member = set.memberAt(randomIndex(set.size));
  set.remove(member);
  return member;
}

function spop(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 3) {
    spopWithCount(ctx, argv);
    return;
  }
  if (argv.length > 3) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const key = argv[1]!;
  const set = setForWrite(ctx, key);
  if (set === null) return;
  if (set === undefined) {
    ctx.reply.nil();
    return;
  }
  const member = popRandom(set);
  ctx.changed(key, 'spop', 's');
  ctx.propagate(['SREM', key, member]);
  ctx.reply.bulk(member);
  if (set.size === 0) {
    ctx.keyspace.deleteKey(ctx.db, key);
    ctx.notify(key, 'del', 'g');
  }
}

/** SPOP_MOVE_STRATEGY_MUL: past this ratio, SPOP picks the members to keep instead. */
const SPOP_MOVE_STRATEGY_MUL = 5;

function spopWithCount(ctx: CommandContext, argv: string[]): void {
  const l = positiveLongOrReply(ctx, argv[2]!);
  if (l === null) return;
  const key = argv[1]!;
  const set = setForWrite(ctx, key);
  if (set === null) return;
  if (set === undefined || l === 0n) {
    ctx.reply.set(0);
    return;
  }
  const size = set.size;
  ctx.changed(key, 'spop', 's');
  // CASE 1: the whole set, propagated as DEL.
  if (l >= BigInt(size)) {
    replyMembers(ctx, set);
    ctx.keyspace.deleteKey(ctx.db, key);
    ctx.notify(key, 'del', 'g');
    ctx.propagate(['DEL', key]);
    return;
  }
  const count = Number(l);
  let remaining = size - count;
  ctx.reply.set(count);
  // Each popped member is propagated as its own SREM, as Redis's alsoPropagate calls do.
  if (remaining * SPOP_MOVE_STRATEGY_MUL > count) {
    // CASE 2: pop random members one by one.
    for (let n = 0; n < count; n++) {
      const member = popRandom(set);
      ctx.reply.bulk(member);
      ctx.propagate(['SREM', key, member]);
    }
    return;
  }
  // CASE 3: move the members that stay into a new set, then answer with what is left of the old one.
  const max = ctx.config.setMaxIntsetEntries;
  let kept: SetValue | null = null;
  while (remaining-- > 0) {
    const member = popRandom(set);
    if (kept === null) kept = SetValue.createFor(member);
    kept.add(member, max);
  }
  for (let i = 0; i < set.size; i++) {
    const member = set.memberAt(i);
    ctx.reply.bulk(member);
    ctx.propagate(['SREM', key, member]);
  }
  ctx.keyspace.overwriteValue(ctx.db, key, kept!);
}

function srandmember(ctx: CommandContext, argv: string[]): void {
  if (argv.length === 3) {
    srandmemberWithCount(ctx, argv);
    return;
  }
  if (argv.length > 3) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  const set = setForRead(ctx, argv[1]!, replyNil);
  if (set !== null) ctx.reply.bulk(set.memberAt(randomIndex(set.size)));
}

function srandmemberWithCount(ctx: CommandContext, argv: string[]): void {
  const l = rangeLongOrReply(ctx, argv[2]!, -LONG_MAX, LONG_MAX);
  if (l === null) return;
  const set = setForRead(ctx, argv[1]!, replyEmptyArray);
  if (set === null) return;
  const unique = l >= 0n;
  const count = Number(unique ? l : -l);
  const size = set.size;
  if (count === 0) {
    ctx.reply.array(0);
    return;
  }
  // CASE 1: negative count (repeats, random order) or one member.
  if (!unique || count === 1) {
    ctx.reply.array(count);
    for (let n = 0; n < count; n++) ctx.reply.bulk(set.memberAt(randomIndex(size)));
    return;
  }
  // CASE 2: the whole set.
  if (count >= size) {
    ctx.reply.array(size);
    for (let i = 0; i < size; i++) ctx.reply.bulk(set.memberAt(i));
    return;
  }
  // CASES 3 and 4: distinct picks.
  const picks = count * 3 > size ? sampleOrdered(size, count) : sampleDistinct(size, count);
  ctx.reply.array(count);
  for (const i of picks) ctx.reply.bulk(set.memberAt(i));
}

// ---------------------------------------------------------------------------------------------
// SMEMBERS SINTER SINTERCARD SINTERSTORE

/**
 * The sets at keys for the algebra commands: undefined for a missing key, null after WRONGTYPE
 * (every key is looked up first, as Redis does).
 */
function lookupSets(ctx: CommandContext, keys: readonly string[]): Array<SetValue | undefined> | null {
  const sets: Array<SetValue | undefined> = new Array(keys.length);
  for (let i = 0; i < keys.length; i++) {
    const value = lookupRead(ctx, keys[i]!);
    if (value !== undefined && !(value instanceof SetValue)) {
      ctx.reply.error(WRONGTYPE);
      return null;
    }
    sets[i] = value;
  }
  return sets;
}

/** Stores a non-empty result at destination, or deletes destination (store commands). */
function storeResult(ctx: CommandContext, destination: string, result: SetValue, event: string): void {
  if (result.size > 0) {
    ctx.keyspace.setKey(ctx.db, destination, result);
    ctx.reply.integer(result.size);
    ctx.changed(destination, event, 's');
  } else {
    ctx.reply.integer(0);
    if (ctx.keyspace.lookupWrite(ctx.db, destination) !== undefined) {
      ctx.keyspace.deleteKey(ctx.db, destination);
      ctx.changed(destination, 'del', 'g');
    }
  }
}

const INTER_REPLY = 0;
const INTER_STORE = 1;
const INTER_CARD = 2;

/** sinterGenericCommand. */
function sinterGeneric(ctx: CommandContext, keys: readonly string[], mode: number, destination: string, limit: number): void {
  const found = lookupSets(ctx, keys);
  if (found === null) return;
  if (found.includes(undefined)) {
    if (mode === INTER_STORE) storeResult(ctx, destination, new SetValue(), 'sinterstore');
    else if (mode === INTER_CARD) ctx.reply.integer(0);
    else ctx.reply.set(0);
    return;
  }
  // Smallest first (a stable sort, as glibc's qsort is on small arrays).
  const sets = (found as SetValue[]).slice().sort((a, b) => a.size - b.size);
  const first = sets[0]!;
  const out: string[] = [];
  let cardinality = 0;
  for (let i = 0; i < first.size; i++) {
    const member = first.memberAt(i);
    let j = 1;
    for (; j < sets.length; j++) {
      if (sets[j] === first) continue;
      if (!sets[j]!.has(member)) break;
    }
    if (j !== sets.length) continue;
    if (mode === INTER_CARD) {
      cardinality++;
      if (limit > 0 && cardinality >= limit) break;
    } else {
      out.push(member);
    }
  }
  if (mode === INTER_CARD) {
    ctx.reply.integer(cardinality);
  } else if (mode === INTER_STORE) {
    const result = new SetValue();
    const max = ctx.config.setMaxIntsetEntries;
    for (const member of out) result.add(member, max);
    storeResult(ctx, destination, result, 'sinterstore');
  } else {
    ctx.reply.set(out.length);
    for (const member of out) ctx.reply.bulk(member);
  }
}

function smembers(ctx: CommandContext, argv: string[]): void {
  const set = setForRead(ctx, argv[1]!, replyEmptySet);
  if (set !== null) replyMembers(ctx, set);
}

function sinter(ctx: CommandContext, argv: string[]): void {
  sinterGeneric(ctx, argv.slice(1), INTER_REPLY, '', 0);
}

function sinterstore(ctx: CommandContext, argv: string[]): void {
  sinterGeneric(ctx, argv.slice(2), INTER_STORE, argv[1]!, 0);
}

function sintercard(ctx: CommandContext, argv: string[]): void {
  const numkeys = rangeLongOrReply(ctx, argv[1]!, 1n, LONG_MAX, 'ERR numkeys should be greater than 0');
  if (numkeys === null) return;
  if (numkeys > BigInt(argv.length - 2)) {
    ctx.reply.error("ERR Number of keys can't be greater than number of args");
    return;
  }
  const n = Number(numkeys);
  let limit = 0n;
  for (let j = 2 + n; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'limit' && j < argv.length - 1) {
      const parsed = positiveLongOrReply(ctx, argv[++j]!, "ERR LIMIT can't be negative");
      if (parsed === null) return;
      limit = parsed;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(ctx, argv.slice(2, 2 + n), INTER_CARD, '', limit > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(limit));
}

// ---------------------------------------------------------------------------------------------
// SUNION SDIFF and their STORE forms

/** sunionDiffGenericCommand: the result set, or null after WRONGTYPE. */
function unionOrDiff(ctx: CommandContext, keys: readonly string[], diff: boolean): SetValue | null {
  const found = lookupSets(ctx, keys);
  if (found === null) return null;
  const max = ctx.config.setMaxIntsetEntries;
  const result = new SetValue();
  if (!diff) {
    for (const set of found) {
      if (set === undefined) continue;
      for (let i = 0; i < set.size; i++) result.add(set.memberAt(i), max);
    }
    return result;
  }
  const first = found[0];
  if (first === undefined) return result;
  // A key given again as one to subtract: the difference is empty.
  for (let j = 1; j < found.length; j++) if (found[j] === first) return result;
  let algoOne = 0;
  let algoTwo = 0;
  for (const set of found) {
    if (set === undefined) continue;
    algoOne += first.size;
    algoTwo += set.size;
  }
  if (Math.floor(algoOne / 2) <= algoTwo) {
    // Algorithm 1: each member of the first set checked against the others (largest first).
    const others = (found.slice(1).filter((s) => s !== undefined) as SetValue[]).sort((a, b) => b.size - a.size);
    for (let i = 0; i < first.size; i++) {
      const member = first.memberAt(i);
      if (!others.some((s) => s.has(member))) result.add(member, max);
    }
  } else {
    // Algorithm 2: add the first set, remove every member of the others.
    for (let i = 0; i < first.size; i++) result.add(first.memberAt(i), max);
    for (let j = 1; j < found.length && result.size > 0; j++) {
      const set = found[j];
      if (set === undefined) continue;
      for (let i = 0; i < set.size; i++) result.remove(set.memberAt(i));
    }
  }
  return result;
}

function sunion(ctx: CommandContext, argv: string[]): void {
  const result = unionOrDiff(ctx, argv.slice(1), false);
  if (result !== null) replyMembers(ctx, result);
}

function sdiff(ctx: CommandContext, argv: string[]): void {
  const result = unionOrDiff(ctx, argv.slice(1), true);
  if (result !== null) replyMembers(ctx, result);
}

function sunionstore(ctx: CommandContext, argv: string[]): void {
  const result = unionOrDiff(ctx, argv.slice(2), false);
  if (result !== null) storeResult(ctx, argv[1]!, result, 'sunionstore');
}

function sdiffstore(ctx: CommandContext, argv: string[]): void {
  const result = unionOrDiff(ctx, argv.slice(2), true);
  if (result !== null) storeResult(ctx, argv[1]!, result, 'sdiffstore');
}

// ---------------------------------------------------------------------------------------------
// SSCAN

/**
 * An intset answers in one call with cursor 0, as Redis does. A hashtable is walked over its dense
 * positions from the top down, with the same guarantee as HSCAN (see hashes.ts): cursor c > 0 means
 * positions [0, c) are still to visit; removals only move a member downwards or within the visited part.
 */
function sscan(ctx: CommandContext, argv: string[]): void {
  const cursor = parseElementCursor(argv[2]!);
  if (cursor === null) {
    ctx.reply.error('ERR invalid cursor');
    return;
  }
  const set = setForRead(ctx, argv[1]!, replyEmptyScan);
  if (set === null) return;
  const options = parseElementScanOptions(ctx, argv, 3);
  if (options === null) return;
  const size = set.size;
  const match = options.match;
  const out: string[] = [];
  let next = 0;
  if (set.isIntset()) {
    for (let i = 0; i < size; i++) {
      const member = set.memberAt(i);
      if (match === null || globMatch(match, member)) out.push(member);
    }
  } else {
    const to = cursor === 0 || cursor > size ? size : cursor;
    next = to - options.count > 0 ? to - options.count : 0;
    for (let i = to - 1; i >= next; i--) {
      const member = set.memberAt(i);
      if (match === null || globMatch(match, member)) out.push(member);
    }
  }
  ctx.reply.array(2);
  ctx.reply.bulk(String(next));
  ctx.reply.array(out.length);
  for (const member of out) ctx.reply.bulk(member);
}

export const setCommands: CommandFamily = {
  sadd,
  srem,
  scard,
  sismember,
  smismember,
  smembers,
  smove,
  spop,
  srandmember,
  sinter,
  sintercard,
  sinterstore,
  sunion,
  sunionstore,
  sdiff,
  sdiffstore,
  sscan,
};
