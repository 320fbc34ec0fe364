import type { CommandContext, CommandFamily } from './context.ts';
import { WRONGTYPE } from '../resp/errors.ts';
import { ListValue } from '../types/list-value.ts';
import { listCommands, moveGeneric } from './lists.ts';
import { zpopGeneric, zsetCommands } from './zsets.ts';

/**
 * The blocking list and sorted-set pops (BLPOP, BRPOP, BRPOPLPUSH, BLMOVE, BLMPOP, BZPOPMIN,
 * BZPOPMAX, BZMPOP). Each first tries what its non-blocking twin does; when every key is empty it
 * calls ctx.block(), and the engine runs it again when one of the keys changes (first blocked, first
 * served) or answers null when the timeout expires.
 */

/** Redis's timeout argument: seconds as a float, not negative; in milliseconds (0 = forever). */
function timeoutOrReply(ctx: CommandContext, text: string): number | undefined {
  const seconds = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(seconds)) {
    ctx.reply.error('ERR timeout is not a float or out of range');
    return undefined;
  }
  if (seconds < 0) {
    ctx.reply.error('ERR timeout is negative');
    return undefined;
  }
  const ms = Math.ceil(seconds * 1000);
  if (ms > Number.MAX_SAFE_INTEGER / 2) {
    ctx.reply.error('ERR timeout is out of range');
    return undefined;
  }
  return seconds > 0 && ms === 0 ? 1 : ms;
}

/** True when the bytes written since `start` are exactly a null array (the "nothing there" answer). */
function wroteNullArray(ctx: CommandContext, start: number): boolean {
  const buf = ctx.reply.buf;
  const len = ctx.reply.pos - start;
  if (ctx.reply.proto === 3) return len === 3 && buf[start] === 0x5f; // _\r\n
  return len === 5 && buf[start] === 0x2a && buf[start + 1] === 0x2d && buf[start + 2] === 0x31; // *-1\r\n
}

/** Runs the non-blocking twin; if it found every key empty, takes its null answer back and blocks. */
function attemptOrBlock(ctx: CommandContext, keys: string[], timeoutMs: number, attempt: () => void): void {
  const start = ctx.reply.pos;
  attempt();
  if (!wroteNullArray(ctx, start)) return;
  ctx.reply.pos = start;
  ctx.block(keys, timeoutMs, 'null-array');
}

function blockingPop(ctx: CommandContext, argv: string[], fromHead: boolean): void {
  const timeoutMs = timeoutOrReply(ctx, argv[argv.length - 1]!);
  if (timeoutMs === undefined) return;
  const keys = argv.slice(1, -1);
  for (const key of keys) {
    const value = ctx.keyspace.lookupWrite(ctx.db, key);
    if (value === undefined) continue;
    if (!(value instanceof ListValue)) {
      ctx.reply.error(WRONGTYPE);
      return;
    }
    if (value.length === 0) continue;
    const element = (fromHead ? value.popHead() : value.popTail())!;
    ctx.reply.array(2);
    ctx.reply.bulk(key);
    ctx.reply.bulk(element);
    ctx.changed(key, fromHead ? 'lpop' : 'rpop', 'l');
    if (value.length === 0) {
      ctx.keyspace.deleteKey(ctx.db, key);
      ctx.notify(key, 'del', 'g');
    }
    ctx.propagate([fromHead ? 'LPOP' : 'RPOP', key]);
    return;
  }
  ctx.block(keys, timeoutMs, 'null-array');
}

function blockingMove(ctx: CommandContext, source: string, destination: string, fromHead: boolean, toHead: boolean, timeoutText: string, rpoplpush = false): void {
  const timeoutMs = timeoutOrReply(ctx, timeoutText);
  if (timeoutMs === undefined) return;
  const value = ctx.keyspace.lookupWrite(ctx.db, source);
  if (value !== undefined && !(value instanceof ListValue)) {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  if (value === undefined || value.length === 0) {
    ctx.block([source], timeoutMs, 'nil');
    return;
  }
  const start = ctx.reply.pos;
  moveGeneric(ctx, source, destination, fromHead, toHead);
  // Replicated as the non-blocking move that it became (BRPOPLPUSH as RPOPLPUSH, as Redis does).
  if (ctx.reply.buf[start] === 0x24) {
    if (rpoplpush) ctx.propagate(['RPOPLPUSH', source, destination]);
    else ctx.propagate(['LMOVE', source, destination, fromHead ? 'LEFT' : 'RIGHT', toHead ? 'LEFT' : 'RIGHT']);
  }
}

function where(text: string | undefined): boolean | undefined {
  const w = text?.toLowerCase();
  return w === 'left' ? true : w === 'right' ? false : undefined;
}

function zsetKeysFrom(argv: string[], numkeysIndex: number): string[] {
  const numkeys = Number(argv[numkeysIndex]);
  return Number.isSafeInteger(numkeys) && numkeys > 0 ? argv.slice(numkeysIndex + 1, numkeysIndex + 1 + numkeys) : [];
}

export const blockingCommands: CommandFamily = {
  blpop: (ctx, argv) => blockingPop(ctx, argv, true),
  brpop: (ctx, argv) => blockingPop(ctx, argv, false),
  brpoplpush: (ctx, argv) => blockingMove(ctx, argv[1]!, argv[2]!, false, true, argv[3]!, true),
  blmove(ctx, argv) {
    const fromHead = where(argv[3]);
    const toHead = where(argv[4]);
    if (fromHead === undefined || toHead === undefined) {
      ctx.reply.error('ERR syntax error');
      return;
    }
    blockingMove(ctx, argv[1]!, argv[2]!, fromHead, toHead, argv[5]!);
  },
  blmpop(ctx, argv) {
    const timeoutMs = timeoutOrReply(ctx, argv[1]!);
    if (timeoutMs === undefined) return;
    attemptOrBlock(ctx, zsetKeysFrom(argv, 2), timeoutMs, () => listCommands.lmpop!(ctx, ['LMPOP', ...argv.slice(2)]));
  },
  bzpopmin(ctx, argv) {
    const timeoutMs = timeoutOrReply(ctx, argv[argv.length - 1]!);
    if (timeoutMs === undefined) return;
    const keys = argv.slice(1, -1);
    attemptOrBlock(ctx, keys, timeoutMs, () => zpopGeneric(ctx, keys, false, true, -1, false, true, true));
  },
  bzpopmax(ctx, argv) {
    const timeoutMs = timeoutOrReply(ctx, argv[argv.length - 1]!);
    if (timeoutMs === undefined) return;
    const keys = argv.slice(1, -1);
    attemptOrBlock(ctx, keys, timeoutMs, () => zpopGeneric(ctx, keys, true, true, -1, false, true, true));
  },
  bzmpop(ctx, argv) {
    const timeoutMs = timeoutOrReply(ctx, argv[1]!);
    if (timeoutMs === undefined) return;
    attemptOrBlock(ctx, zsetKeysFrom(argv, 2), timeoutMs, () => zsetCommands.zmpop!(ctx, ['ZMPOP', ...argv.slice(2)]));
  },
};
