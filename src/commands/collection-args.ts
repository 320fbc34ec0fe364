// Argument parsing and lookups shared by the collection families (hashes, sets): HSCAN/SSCAN
// options, Redis's getRangeLongFromObjectOrReply family, and read lookups with 'keymiss' events.

import type { CommandContext } from './context.ts';
import type { RedisValue } from '../types/value.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX } from '../resp/errors.ts';
import { parseInteger } from './string-value.ts';

export const LONG_MAX = 9223372036854775807n;

/**
 * A read lookup as Redis's lookupKeyRead: counts a hit or a miss and raises 'keymiss' on a miss.
 */
export function lookupRead(ctx: CommandContext, key: string): RedisValue | undefined {
  const value = ctx.keyspace.lookupRead(ctx.db, key);
  if (value === undefined) ctx.notify(key, 'keymiss', 'm');
  return value;
}

/**
 * getRangeLongFromObjectOrReply: an integer in [min, max] (bigints, compared exactly), or null
 * after replying. `msg` replaces both the parse and the range error, as in Redis.
 */
export function rangeLongOrReply(ctx: CommandContext, text: string, min: bigint, max: bigint, msg?: string): bigint | null {
  const parsed = parseInteger(text);
  if (Number.isNaN(parsed)) {
    ctx.reply.error(msg ?? ERR_NOT_INTEGER);
    return null;
  }
  const value = Number.isSafeInteger(parsed) ? BigInt(parsed) : BigInt(text);
  if (value < min || value > max) {
    ctx.reply.error(msg ?? `ERR value is out of range, value must between ${min} and ${max}`);
    return null;
  }
  return value;
}

/** getPositiveLongFromObjectOrReply. */
export function positiveLongOrReply(ctx: CommandContext, text: string, msg?: string): bigint | null {
  return rangeLongOrReply(ctx, text, 0n, LONG_MAX, msg ?? 'ERR value is out of range, must be positive');
}

/** HSCAN/SSCAN options after the cursor. */
export interface ElementScanOptions {
  count: number;
  /** null when absent or "*". */
  match: string | null;
}

/**
 * parseScanCursorOrReply (strtoul over the whole argument): the cursor, or null when invalid.
 * Cursors past any collection's size are clamped by the caller; a '-' wraps modulo 2^64 as strtoul.
 */
export function parseElementCursor(text: string): number | null {
  const parsed = /^([+-]?)([0-9]*)$/.exec(text);
  if (parsed === null) return null;
  const digits = parsed[2]!;
  if (digits === '') return parsed[1] === '' ? 0 : null;
  let value = BigInt(digits);
  if (value > 18446744073709551615n) return null;
  if (parsed[1] === '-' && value !== 0n) value = 18446744073709551616n - value;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

/** scanGenericCommand's option loop for a collection (TYPE belongs to SCAN only); replies on error. */
export function parseElementScanOptions(ctx: CommandContext, argv: string[], from: number): ElementScanOptions | null {
  const options: ElementScanOptions = { count: 10, match: null };
  for (let i = from; i < argv.length; i += 2) {
    const option = argv[i]!.toLowerCase();
    const hasValue = i + 1 < argv.length;
    if (option === 'count' && hasValue) {
      const count = rangeLongOrReply(ctx, argv[i + 1]!, -LONG_MAX - 1n, LONG_MAX);
      if (count === null) return null;
      if (count < 1n) {
        ctx.reply.error(ERR_SYNTAX);
        return null;
      }
      options.count = count > 0x7fffffffn ? 0x7fffffff : Number(count);
    } else if (option === 'match' && hasValue) {
      const pattern = argv[i + 1]!;
      options.match = pattern === '*' ? null : pattern;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return null;
    }
  }
  return options;
}

/** Redis's empty scan reply: cursor 0 and no elements. */
export function replyEmptyScan(ctx: CommandContext): void {
  ctx.reply.array(2);
  ctx.reply.bulk('0');
  ctx.reply.array(0);
}

/** A random integer in [0, n). */
export function randomIndex(n: number): number {
  return Math.floor(Math.random() * n);
}

/**
 * `count` distinct positions of [0, size) in increasing order (selection sampling, Knuth's
 * algorithm S): what lpRandomPairsUnique gives, the picks in listpack order.
 */
export function sampleOrdered(size: number, count: number): number[] {
  const out: number[] = [];
  let needed = count;
  for (let i = 0; i < size && needed > 0; i++) {
    if (Math.random() * (size - i) < needed) {
      out.push(i);
      needed--;
    }
  }
  return out;
}

/** `count` distinct positions of [0, size) in random order, for count well below size. */
export function sampleDistinct(size: number, count: number): number[] {
  const picked = new Set<number>();
  while (picked.size < count) picked.add(randomIndex(size));
  return [...picked];
}
