// The per-shard parts of the keyspace-wide commands (DBSIZE, KEYS, SCAN, RANDOMKEY, FLUSHDB). The
// engine runs them on every worker and merges the answers; each function sees one worker's slots of
// one database.
//
// A SCAN cursor is a slot number: a call returns whole slots, so a key present for the whole scan
// is returned once its slot is visited, whatever else is added or removed meanwhile (Redis's
// guarantee), and a key is never returned twice unless it was deleted and added back.

import { SLOT_COUNT } from '../cluster/key-slot.ts';
import type { Database } from '../shard/database.ts';
import type { Keyspace } from '../shard/keyspace.ts';
import { typeName } from '../types/value.ts';
import { globMatch } from './glob.ts';

/** SCAN's parsed options, as the engine hands them to every shard. */
export interface ScanOptions {
  cursor: number;
  count: number;
  /** null when absent or exactly "*" (matches everything, as Redis treats it). */
  match: string | null;
  /** Lower-case type name, or null. */
  type: string | null;
}

/**
 * Parses `SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]` as db.c does, or returns the error
 * reply text. Cursors above the slot range are not errors (Redis accepts any unsigned long): the
 * engine maps them to 0.
 */
export function parseScanArgs(argv: string[]): ScanOptions | string {
  const cursor = parseScanCursor(argv[1]!);
  if (cursor === null) return 'ERR invalid cursor';
  const options: ScanOptions = { cursor, count: 10, match: null, type: null };
  for (let i = 2; i < argv.length; ) {
    const option = argv[i]!.toLowerCase();
    const remaining = argv.length - i;
    if (option === 'count' && remaining >= 2) {
      const count = parseLong(argv[i + 1]!);
      if (count === null) return 'ERR value is not an integer or out of range';
      if (count < 1) return 'ERR syntax error';
      // Any count past the keyspace size means "everything": keep it a safe JS number.
      options.count = count > 0x7fffffffn ? 0x7fffffff : Number(count);
      i += 2;
    } else if (option === 'match' && remaining >= 2) {
      const pattern = argv[i + 1]!;
      options.match = pattern === '*' ? null : pattern;
      i += 2;
    } else if (option === 'type' && remaining >= 2) {
      options.type = argv[i + 1]!.toLowerCase();
      i += 2;
    } else {
      return 'ERR syntax error';
    }
  }
  return options;
}

/**
 * A cursor as db.c reads it with strtoul: no leading space, an optional sign, decimal digits (none at
 * all reads as 0), nothing after them, at most 2^64-1; a '-' wraps around modulo 2^64. Any cursor
 * past the slot range comes back as SLOT_COUNT, which the engine treats as 0.
 */
export function parseScanCursor(text: string): number | null {
  const parsed = /^([+-]?)([0-9]*)$/.exec(text);
  if (parsed === null) return null;
  const sign = parsed[1]!;
  const digits = parsed[2]!;
  if (digits === '') return sign === '' ? 0 : null;
  let value = BigInt(digits);
  if (value > 18446744073709551615n) return null;
  if (sign === '-' && value !== 0n) value = 18446744073709551616n - value;
  return value >= BigInt(SLOT_COUNT) ? SLOT_COUNT : Number(value);
}

/** string2ll bounded to a 64-bit long (COUNT is a C long). */
function parseLong(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length >= 21) return null;
  const value = BigInt(s);
  return value > 9223372036854775807n || value < -9223372036854775808n ? null : value;
}

/**
 * Visits this shard's slots from startSlot (inclusive) to endSlot (exclusive) in order, whole slots
 * at a time, until at least `count` keys were visited; appends the keys that match, have not expired
 * and have the requested type. Returns the slot to continue from: endSlot when the range is done.
 */
export function scanShard(
  db: Database,
  keyspace: Keyspace,
  startSlot: number,
  endSlot: number,
  count: number,
  match: string | null,
  type: string | null,
  out: string[],
): number {
  let visited = 0;
  for (let slot = startSlot; slot < endSlot; slot++) {
    // A copy of the slot's keys: lazy expiry may delete some on the way.
    for (const key of db.slotKeys(slot)) {
      visited++;
      if (match !== null && !globMatch(match, key)) continue;
      // As db.c, only the keys that passed the pattern are checked for expiry (and deleted).
      if (keyspace.expireIfNeeded(db, key)) continue;
      if (type !== null) {
        const value = db.get(key);
        if (value === undefined || typeName(value) !== type) continue;
      }
      out.push(key);
    }
    if (visited >= count) return slot + 1;
  }
  return endSlot;
}

/** KEYS on this shard: matching keys that have not expired. Like Redis, KEYS deletes nothing. */
export function keysShard(db: Database, keyspace: Keyspace, pattern: string, out: string[]): void {
  const all = pattern === '*';
  for (const [key] of db.entries()) {
    if ((all || globMatch(pattern, key)) && !keyspace.isExpired(db, key)) out.push(key);
  }
}

/** Random slot probes before falling back to a walk: cheap when most owned slots hold keys. */
const RANDOM_SLOT_PROBES = 32;
/** On a replica expired keys are not deleted; give up looking for a live one after this many (db.c). */
const REPLICA_MAX_TRIES = 100;

/**
 * A random key of this shard's part of db with expiry applied, or null when there is none. Random
 * probes find a non-empty slot when keys are dense (then a random position in it: O(keys per slot),
 * O(1) for hashed keys); when they are sparse, a uniform pick over all keys costs at most SLOT_COUNT
 * steps. Not exactly uniform when hash tags crowd some slots, like Redis's dictGetFairRandomKey.
 */
export function randomKeyShard(db: Database, keyspace: Keyspace): string | null {
  const allVolatile = db.size === db.expires.size;
  let tries = REPLICA_MAX_TRIES;
  for (;;) {
    if (db.size === 0) return null;
    const key = pickRandomKey(db);
    if (key === null) return null;
    if (!db.expires.has(key)) return key;
    // A replica keeps logically expired keys until the primary deletes them: when every key is
    // volatile they could all be expired, so stop after some tries and return one anyway.
    if (keyspace.isReplica && allVolatile && --tries === 0) return key;
    if (!keyspace.expireIfNeeded(db, key)) return key;
  }
}

function pickRandomKey(db: Database): string | null {
  let slot = -1;
  for (let probe = 0; probe < RANDOM_SLOT_PROBES; probe++) {
    const candidate = Math.floor(Math.random() * SLOT_COUNT);
    if (db.slotSize(candidate) !== 0) {
      slot = candidate;
      break;
    }
  }
  let position: number;
  if (slot === -1) {
    // Few keys for the slots: a uniform pick over every key, found by summing slot sizes (a walk from
    // a random slot would favour keys that follow a long run of empty slots).
    position = Math.floor(Math.random() * db.size);
    for (slot = 0; slot < SLOT_COUNT; slot++) {
      const n = db.slotSize(slot);
      if (position < n) break;
      position -= n;
    }
    if (slot === SLOT_COUNT) return null;
  } else {
    position = Math.floor(Math.random() * db.slotSize(slot));
  }
  return db.slotKeys(slot)[position] ?? null;
}

/** DBSIZE on this shard (expired keys not yet deleted count, as in Redis). */
export function dbSizeShard(db: Database): number {
  return db.size;
}

/** FLUSHDB on this shard: removes every key of db and returns how many there were (for `dirty`). */
export function flushShard(db: Database): number {
  const removed = db.size;
  db.clear();
  return removed;
}
