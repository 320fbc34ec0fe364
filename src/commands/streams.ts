// The stream family (Redis's t_stream.c command side). Values are StreamValue
// (src/types/stream-value.ts). Replies, error texts, keyspace events and propagated effects follow
// Redis 7.0.15: XADD propagates its concrete ID (and MAXLEN/MINID = <result> after a '~' trim),
// XREADGROUP/XCLAIM/XAUTOCLAIM propagate "XCLAIM key group consumer 0 id TIME t RETRYCOUNT n FORCE
// JUSTID LASTID last" per PEL change and "XGROUP SETID key group id ENTRIESREAD n" after NOACK reads.
//
// Blocking XREAD/XREADGROUP: a handler that finds nothing calls ctx.block(stream keys, ms) and the
// engine runs the same argv again when a key changes. XREAD's '$' must mean "the last ID when the
// command first ran", so the first run records the resolved IDs in `blockedReads`, keyed by the argv
// array object itself (the engine re-runs that same array); a re-run finds them there. A WeakMap, so a
// client that goes away leaves nothing behind. Its presence also marks a served wake-up, which reads
// at most COUNT (or 1000, XREAD_BLOCKED_DEFAULT_COUNT) entries as Redis's blocked path does.

import type { CommandContext, CommandFamily } from './context.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import {
  StreamValue, StreamConsumer, type StreamGroup, type StreamId, type StreamNack, type StreamNode, type TrimArgs,
  compareIds, formatId, incrId, decrId, isZeroId, idKey, idFromKey, ZERO_ID, MAX_ID, UINT64_MAX, INVALID_ENTRIES_READ,
} from '../types/stream-value.ts';
import { parseInteger } from './string-value.ts';
import { lookupRead } from './collection-args.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, WRONGTYPE, ERR_NO_SUCH_KEY } from '../resp/errors.ts';

const ERR_INVALID_ID = 'ERR Invalid stream ID specified as stream command argument';
const ERR_XADD_SMALLER = 'ERR The ID specified in XADD is equal or smaller than the target stream top item';
const XREAD_BLOCKED_DEFAULT_COUNT = 1000;
const LLONG_MAX = 9223372036854775807n;

// ---------------------------------------------------------------------------------------------
// Argument parsing.

/** string2ull: string2ll when it succeeds (negative fails), else strtoull base 10 over the whole text. */
function string2ull(s: string): bigint | undefined {
  const asLong = parseInteger(s);
  if (!Number.isNaN(asLong)) {
    if (asLong < 0) return undefined;
    return Number.isSafeInteger(asLong) ? BigInt(asLong) : BigInt(s);
  }
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/.exec(s);
  if (m === null) return undefined;
  let v = BigInt(m[2]!);
  if (v > UINT64_MAX) return undefined;
  if (m[1] === '-') v = (UINT64_MAX + 1n - v) & UINT64_MAX;
  return v;
}

let parsedSeqGiven = true;

/**
 * streamGenericParseIDOrReply: "<ms>[-<seq>]", "-" and "+" (unless strict), "<ms>-*" when allowStar
 * (then parsedSeqGiven is false). Replies with the error (when ctx is given) and returns undefined.
 */
function parseId(ctx: CommandContext | null, text: string, missingSeq: bigint, strict: boolean, allowStar = false): StreamId | undefined {
  parsedSeqGiven = true;
  const fail = (): undefined => {
    ctx?.reply.error(ERR_INVALID_ID);
    return undefined;
  };
  if (text.length > 127) return fail();
  if (text === '-' || text === '+') {
    if (strict) return fail();
    return text === '-' ? ZERO_ID : MAX_ID;
  }
  const dash = text.indexOf('-');
  const ms = string2ull(dash < 0 ? text : text.slice(0, dash));
  if (ms === undefined) return fail();
  let seq = missingSeq;
  if (dash >= 0) {
    const rest = text.slice(dash + 1);
    if (allowStar && rest === '*') {
      seq = 0n;
      parsedSeqGiven = false;
    } else {
      const s = string2ull(rest);
      if (s === undefined) return fail();
      seq = s;
    }
  }
  return { ms, seq };
}

let parsedExclusive = false;

/** streamParseIntervalIDOrReply: "(" opens the interval (strict parse of the rest). */
function parseIntervalId(ctx: CommandContext, text: string, missingSeq: bigint): StreamId | undefined {
  parsedExclusive = text.length > 1 && text[0] === '(';
  return parsedExclusive ? parseId(ctx, text.slice(1), missingSeq, true) : parseId(ctx, text, missingSeq, false);
}

/** getLongLongFromObjectOrReply; the message replaces the default error when given. */
function longLongOrReply(ctx: CommandContext, text: string, msg?: string): number | undefined {
  const v = parseInteger(text);
  if (Number.isNaN(v)) {
    ctx.reply.error(msg ?? ERR_NOT_INTEGER);
    return undefined;
  }
  return v;
}

function streamOrReply(ctx: CommandContext, value: unknown): value is StreamValue {
  if (value instanceof StreamValue) return true;
  ctx.reply.error(WRONGTYPE);
  return false;
}

function subcommandSyntaxError(ctx: CommandContext, argv: string[]): void {
  ctx.reply.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]!.slice(0, 128)}'. Try ${argv[0]!.toUpperCase()} HELP.`);
}

function helpReply(ctx: CommandContext, argv: string[], lines: readonly string[]): void {
  const out = ctx.reply;
  out.array(lines.length + 3);
  out.simple(`${argv[0]!.toUpperCase()} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:`);
  for (const line of lines) out.simple(line);
  out.simple('HELP');
  out.simple('    Prints this help.');
}

// ---------------------------------------------------------------------------------------------
// Replies.

function replyId(out: ReplyWriter, id: StreamId): void {
  out.bulk(formatId(id));
}

/** One entry: [id, [field, value, ...]]. */
function replyEntry(out: ReplyWriter, node: StreamNode, i: number): void {
  out.array(2);
  out.bulk(`${node.ids[2 * i]!}-${node.ids[2 * i + 1]!}`);
  const n = node.fieldCount(i);
  out.array(n * 2);
  for (let j = 0; j < n; j++) {
    out.bulk(node.field(i, j));
    out.bulk(node.value(i, j));
  }
}

/** Collects up to count (0 = all) live entries of a range. */
function collectRange(s: StreamValue, start: StreamId, end: StreamId, count: number, rev: boolean): [StreamNode, number][] {
  const out: [StreamNode, number][] = [];
  s.forRange(start, end, rev, (node, i) => {
    out.push([node, i]);
    return count === 0 || out.length < count;
  });
  return out;
}

function replyEntries(out: ReplyWriter, entries: [StreamNode, number][]): void {
  out.array(entries.length);
  for (const [node, i] of entries) replyEntry(out, node, i);
}

/** streamReplyWithRange for one ID as a raw entry; false when the entry does not exist. */
function replySingleEntry(out: ReplyWriter, s: StreamValue, id: StreamId): boolean {
  const found = s.find(id);
  if (found === undefined) return false;
  replyEntry(out, found[0], found[1]);
  return true;
}

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM.

interface AddTrimArgs {
  trim: TrimArgs | null;
  /** Index of the MAXLEN/MINID threshold argument (rewritten for propagation after '~'). */
  thresholdIndex: number;
  id: StreamId | null;
  seqGiven: boolean;
  noMkStream: boolean;
  idIndex: number;
}

/** streamParseAddOrTrimArgsOrReply. */
function parseAddTrimArgs(ctx: CommandContext, argv: string[], xadd: boolean): AddTrimArgs | undefined {
  const args: AddTrimArgs = { trim: null, thresholdIndex: 0, id: null, seqGiven: true, noMkStream: false, idIndex: 0 };
  let limit = 0;
  let limitGiven = false;
  let approx = false;
  let i = 2;
  for (; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!;
    const lower = opt.toLowerCase();
    if (xadd && opt === '*') break;
    if ((lower === 'maxlen' || lower === 'minid') && moreargs > 0) {
      if (args.trim !== null) {
        ctx.reply.error('ERR syntax error, MAXLEN and MINID options at the same time are not compatible');
        return undefined;
      }
      approx = false;
      const next = argv[i + 1]!;
      if (moreargs >= 2 && next === '~') {
        approx = true;
        i++;
      } else if (moreargs >= 2 && next === '=') {
        i++;
      }
      const trim: TrimArgs = { strategy: lower === 'maxlen' ? 'maxlen' : 'minid', maxlen: 0, minid: ZERO_ID, approx, limit: 0 };
      if (lower === 'maxlen') {
        const maxlen = longLongOrReply(ctx, argv[i + 1]!);
        if (maxlen === undefined) return undefined;
        if (maxlen < 0) {
          ctx.reply.error('ERR The MAXLEN argument must be >= 0.');
          return undefined;
        }
        trim.maxlen = maxlen;
      } else {
        const minid = parseId(ctx, argv[i + 1]!, 0n, true);
        if (minid === undefined) return undefined;
        trim.minid = minid;
      }
      i++;
      args.trim = trim;
      args.thresholdIndex = i;
    } else if (lower === 'limit' && moreargs > 0) {
      const l = longLongOrReply(ctx, argv[i + 1]!);
      if (l === undefined) return undefined;
      if (l < 0) {
        ctx.reply.error('ERR The LIMIT argument must be >= 0.');
        return undefined;
      }
      limit = l;
      limitGiven = true;
      i++;
    } else if (xadd && lower === 'nomkstream') {
      args.noMkStream = true;
    } else if (xadd) {
      const id = parseId(ctx, opt, 0n, true, true);
      if (id === undefined) return undefined;
      args.id = id;
      args.seqGiven = parsedSeqGiven;
      break;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return undefined;
    }
  }
  args.idIndex = i;
  if (limit !== 0 && args.trim === null) {
    ctx.reply.error('ERR syntax error, LIMIT cannot be used without specifying a trimming strategy');
    return undefined;
  }
  if (!xadd && args.trim === null) {
    ctx.reply.error('ERR syntax error, XTRIM must be called with a trimming strategy');
    return undefined;
  }
  if (args.trim !== null) {
    if (limitGiven) {
      if (!approx) {
        ctx.reply.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
        return undefined;
      }
      args.trim.limit = limit;
    } else if (approx) {
      let l = 100 * ctx.config.streamNodeMaxEntries;
      if (l <= 0) l = 10000;
      if (l > 1000000) l = 1000000;
      args.trim.limit = l;
    }
  } else if (limitGiven && !approx) {
    // LIMIT 0 without a strategy: Redis checks "LIMIT without ~" after the strategy check passes.
    ctx.reply.error('ERR syntax error, LIMIT cannot be used without the special ~ option');
    return undefined;
  }
  return args;
}

/** streamRewriteApproxSpecifier + streamRewriteTrimArgument on a copy of argv. */
function rewriteTrim(argv: string[], s: StreamValue, args: AddTrimArgs): void {
  argv[args.thresholdIndex - 1] = '=';
  argv[args.thresholdIndex] = args.trim!.strategy === 'maxlen' ? String(s.length) : formatId(s.edgeId(true));
}

function xadd(ctx: CommandContext, argv: string[]): void {
  const args = parseAddTrimArgs(ctx, argv, true);
  if (args === undefined) return;
  const fieldPos = args.idIndex + 1;
  if (argv.length - fieldPos < 2 || (argv.length - fieldPos) % 2 === 1) {
    ctx.reply.error("ERR wrong number of arguments for 'xadd' command");
    return;
  }
  if (args.id !== null && args.seqGiven && isZeroId(args.id)) {
    ctx.reply.error('ERR The ID specified in XADD must be greater than 0-0');
    return;
  }
  const key = argv[1]!;
  const existing = ctx.keyspace.lookupWrite(ctx.db, key);
  let s: StreamValue;
  if (existing === undefined) {
    if (args.noMkStream) {
      ctx.reply.nil();
      return;
    }
    s = new StreamValue();
  } else {
    if (!streamOrReply(ctx, existing)) return;
    s = existing;
  }
  if (s.lastId.ms === UINT64_MAX && s.lastId.seq === UINT64_MAX) {
    ctx.reply.error('ERR The stream has exhausted the last possible ID, unable to add more items');
    return;
  }
  let id: StreamId;
  if (args.id !== null) {
    if (args.seqGiven) id = args.id;
    else if (s.lastId.ms === args.id.ms) {
      if (s.lastId.seq === UINT64_MAX) {
        // streamAppendItem fails here without setting errno, so Redis reports the other error.
        ctx.reply.error('ERR Elements are too large to be stored');
        return;
      }
      id = { ms: s.lastId.ms, seq: s.lastId.seq + 1n };
    } else id = args.id;
  } else {
    const now = BigInt(ctx.keyspace.now);
    id = now > s.lastId.ms ? { ms: now, seq: 0n } : (incrId(s.lastId) ?? ZERO_ID);
  }
  if (compareIds(id, s.lastId) <= 0) {
    ctx.reply.error(ERR_XADD_SMALLER);
    return;
  }
  let total = 0;
  for (let j = fieldPos; j < argv.length; j++) total += argv[j]!.length;
  if (total > 1 << 30) {
    ctx.reply.error('ERR Elements are too large to be stored');
    return;
  }
  if (existing === undefined) ctx.keyspace.addKey(ctx.db, key, s);
  s.append(id, argv, fieldPos, ctx.config.streamNodeMaxBytes, ctx.config.streamNodeMaxEntries);
  const idText = formatId(id);
  ctx.reply.bulk(idText);
  ctx.changed(key, 'xadd', 't');
  const effect = argv.slice();
  if (args.trim !== null) {
    if (s.trim(args.trim) > 0) ctx.notify(key, 'xtrim', 't');
    if (args.trim.approx) rewriteTrim(effect, s, args);
  }
  if (args.id === null || !args.seqGiven) effect[args.idIndex] = idText;
  ctx.propagate(effect);
}

function xtrim(ctx: CommandContext, argv: string[]): void {
  const args = parseAddTrimArgs(ctx, argv, false);
  if (args === undefined) return;
  const key = argv[1]!;
  const s = ctx.keyspace.lookupWrite(ctx.db, key);
  if (s === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (!streamOrReply(ctx, s)) return;
  const deleted = s.trim(args.trim!);
  if (deleted > 0) {
    ctx.changed(key, 'xtrim', 't');
    const effect = argv.slice();
    if (args.trim!.approx) rewriteTrim(effect, s, args);
    ctx.propagate(effect);
  }
  ctx.reply.integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// XRANGE / XREVRANGE / XLEN / XDEL / XSETID.

function xrangeGeneric(ctx: CommandContext, argv: string[], rev: boolean): void {
  const startText = rev ? argv[3]! : argv[2]!;
  const endText = rev ? argv[2]! : argv[3]!;
  let start = parseIntervalId(ctx, startText, 0n);
  if (start === undefined) return;
  if (parsedExclusive) {
    start = incrId(start);
    if (start === undefined) {
      ctx.reply.error('ERR invalid start ID for the interval');
      return;
    }
  }
  let end = parseIntervalId(ctx, endText, UINT64_MAX);
  if (end === undefined) return;
  if (parsedExclusive) {
    end = decrId(end);
    if (end === undefined) {
      ctx.reply.error('ERR invalid end ID for the interval');
      return;
    }
  }
  let count = -1;
  for (let j = 4; j < argv.length; j++) {
    if (argv[j]!.toLowerCase() === 'count' && j + 1 < argv.length) {
      const c = longLongOrReply(ctx, argv[j + 1]!);
      if (c === undefined) return;
      count = c < 0 ? 0 : c;
      j++;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const s = lookupRead(ctx, argv[1]!);
  if (s === undefined) {
    ctx.reply.array(0);
    return;
  }
  if (!streamOrReply(ctx, s)) return;
  if (count === 0) {
    ctx.reply.nullArray();
    return;
  }
  replyEntries(ctx.reply, collectRange(s, start, end, count === -1 ? 0 : count, rev));
}

function xdel(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const s = ctx.keyspace.lookupWrite(ctx.db, key);
  if (s === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (!streamOrReply(ctx, s)) return;
  const ids: StreamId[] = [];
  for (let j = 2; j < argv.length; j++) {
    const id = parseId(ctx, argv[j]!, 0n, true);
    if (id === undefined) return;
    ids.push(id);
  }
  let deleted = 0;
  let firstEntry = false;
  for (const id of ids) {
    if (!s.delete(id)) continue;
    if (compareIds(id, s.firstId) === 0) firstEntry = true;
    if (compareIds(id, s.maxDeletedId) > 0) s.maxDeletedId = id;
    deleted++;
  }
  if (deleted > 0) {
    if (s.length === 0) s.firstId = ZERO_ID;
    else if (firstEntry) s.firstId = s.edgeId(true);
    ctx.changed(key, 'xdel', 't');
  }
  ctx.reply.integer(deleted);
}

function xsetid(ctx: CommandContext, argv: string[]): void {
  const id = parseId(ctx, argv[2]!, 0n, true);
  if (id === undefined) return;
  let entriesAdded = -1;
  let maxDeleted = ZERO_ID;
  for (let i = 3; i < argv.length; i++) {
    const moreargs = argv.length - 1 - i;
    const opt = argv[i]!.toLowerCase();
    if (opt === 'entriesadded' && moreargs > 0) {
      const n = longLongOrReply(ctx, argv[i + 1]!);
      if (n === undefined) return;
      if (n < 0) {
        ctx.reply.error('ERR entries_added must be positive');
        return;
      }
      entriesAdded = n;
      i++;
    } else if (opt === 'maxdeletedid' && moreargs > 0) {
      const m = parseId(ctx, argv[i + 1]!, 0n, true);
      if (m === undefined) return;
      if (compareIds(id, m) < 0) {
        ctx.reply.error('ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id');
        return;
      }
      maxDeleted = m;
      i++;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const key = argv[1]!;
  const s = ctx.keyspace.lookupWrite(ctx.db, key);
  if (s === undefined) {
    ctx.reply.error(ERR_NO_SUCH_KEY);
    return;
  }
  if (!streamOrReply(ctx, s)) return;
  if (s.length > 0) {
    if (compareIds(id, s.edgeId(false)) < 0) {
      ctx.reply.error('ERR The ID specified in XSETID is smaller than the target stream top item');
      return;
    }
    if (entriesAdded !== -1 && s.length > entriesAdded) {
      ctx.reply.error('ERR The entries_added specified in XSETID is smaller than the target stream length');
      return;
    }
  }
  s.lastId = id;
  if (entriesAdded !== -1) s.entriesAdded = entriesAdded;
  if (!isZeroId(maxDeleted)) s.maxDeletedId = maxDeleted;
  ctx.reply.simple('OK');
  ctx.changed(key, 'xsetid', 't');
}

// ---------------------------------------------------------------------------------------------
// Consumer group helpers.

function lookupConsumer(group: StreamGroup, name: string, refresh: boolean, now: number): StreamConsumer | undefined {
  const c = group.consumers.get(name);
  if (c !== undefined && refresh) c.seenTime = now;
  return c;
}

function createConsumer(ctx: CommandContext, group: StreamGroup, name: string, key: string): StreamConsumer | undefined {
  if (group.consumers.has(name)) return undefined;
  const c = new StreamConsumer(name, ctx.keyspace.now);
  group.consumers.set(name, c);
  ctx.notify(key, 'xgroup-createconsumer', 't');
  return c;
}

/** streamPropagateXCLAIM. */
function propagateClaim(ctx: CommandContext, key: string, groupName: string, group: StreamGroup, id: string, nack: StreamNack): void {
  ctx.propagate([
    'XCLAIM', key, groupName, nack.consumer!.name, '0', id, 'TIME', String(nack.deliveryTime),
    'RETRYCOUNT', String(nack.deliveryCount), 'FORCE', 'JUSTID', 'LASTID', formatId(group.lastId),
  ]);
}

function propagateGroupId(ctx: CommandContext, key: string, groupName: string, group: StreamGroup): void {
  ctx.propagate(['XGROUP', 'SETID', key, groupName, formatId(group.lastId), 'ENTRIESREAD', String(group.entriesRead)]);
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP.

interface ResolvedRead {
  ids: StreamId[];
}

/** The IDs a blocked XREAD resolved on its first run, by the argv array the engine re-runs. */
const blockedReads = new WeakMap<string[], ResolvedRead>();

/** getTimeoutFromObjectOrReply in milliseconds: the relative timeout (0 = forever). */
function blockTimeoutOrReply(ctx: CommandContext, text: string): number | undefined {
  const v = parseInteger(text);
  if (Number.isNaN(v)) {
    ctx.reply.error('ERR timeout is not an integer or out of range');
    return undefined;
  }
  if (v < 0) {
    ctx.reply.error('ERR timeout is negative');
    return undefined;
  }
  if (v > 0 && BigInt(v) > LLONG_MAX - BigInt(ctx.keyspace.now)) {
    ctx.reply.error('ERR timeout is out of range');
    return undefined;
  }
  return v;
}

function xreadGeneric(ctx: CommandContext, argv: string[], xreadgroup: boolean): void {
  let timeout = -1;
  let count = 0;
  let streamsArg = 0;
  let streamsCount = 0;
  let noack = false;
  let groupName: string | null = null;
  let consumerName = '';
  for (let i = 1; i < argv.length; i++) {
    const moreargs = argv.length - i - 1;
    const o = argv[i]!.toLowerCase();
    if (o === 'block' && moreargs > 0) {
      i++;
      const t = blockTimeoutOrReply(ctx, argv[i]!);
      if (t === undefined) return;
      timeout = t;
    } else if (o === 'count' && moreargs > 0) {
      i++;
      const c = longLongOrReply(ctx, argv[i]!);
      if (c === undefined) return;
      count = c < 0 ? 0 : c;
    } else if (o === 'streams' && moreargs > 0) {
      streamsArg = i + 1;
      streamsCount = argv.length - streamsArg;
      if (streamsCount % 2 !== 0) {
        ctx.reply.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
        return;
      }
      streamsCount /= 2;
      break;
    } else if (o === 'group' && moreargs >= 2) {
      if (!xreadgroup) {
        ctx.reply.error('ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      groupName = argv[i + 1]!;
      consumerName = argv[i + 2]!;
      i += 2;
    } else if (o === 'noack') {
      if (!xreadgroup) {
        ctx.reply.error('ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.');
        return;
      }
      noack = true;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  if (streamsArg === 0) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  if (xreadgroup && groupName === null) {
    ctx.reply.error('ERR Missing GROUP option for XREADGROUP');
    return;
  }

  const resolved = blockedReads.get(argv);
  const ids: StreamId[] = [];
  const groups: (StreamGroup | null)[] = [];
  for (let k = 0; k < streamsCount; k++) {
    const key = argv[streamsArg + k]!;
    const idText = argv[streamsArg + streamsCount + k]!;
    const o = ctx.keyspace.lookupRead(ctx.db, key);
    if (resolved !== undefined && xreadgroup) {
      // A blocked XREADGROUP woken by a change that took its stream or group away (blocked.c).
      if (!(o instanceof StreamValue)) {
        blockedReads.delete(argv);
        ctx.reply.error('UNBLOCKED the stream key no longer exists');
        return;
      }
      if (o.group(groupName!) === undefined) {
        blockedReads.delete(argv);
        ctx.reply.error('NOGROUP the consumer group this client was blocked on no longer exists');
        return;
      }
    }
    if (o === undefined) ctx.notify(key, 'keymiss', 'm');
    if (o !== undefined && !streamOrReply(ctx, o)) return;
    let group: StreamGroup | null = null;
    if (groupName !== null) {
      group = o?.group(groupName) ?? null;
      if (group === null) {
        ctx.reply.error(`NOGROUP No such key '${key}' or consumer group '${groupName}' in XREADGROUP with GROUP option`);
        return;
      }
    }
    groups.push(group);
    if (idText === '$') {
      if (xreadgroup) {
        ctx.reply.error(
          'ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.',
        );
        return;
      }
      ids.push(resolved?.ids[k] ?? (o !== undefined ? o.lastId : ZERO_ID));
      continue;
    }
    if (idText === '>') {
      if (!xreadgroup) {
        ctx.reply.error('ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.');
        return;
      }
      ids.push(MAX_ID);
      continue;
    }
    const id = parseId(ctx, idText, 0n, true);
    if (id === undefined) return;
    ids.push(id);
  }
  if (resolved !== undefined && count === 0) count = XREAD_BLOCKED_DEFAULT_COUNT;

  // Gather what can be served, then reply (the reply's length comes first).
  interface Served {
    key: string;
    entries: [StreamNode, number][] | null;
    history: [StreamId, boolean][] | null;
  }
  const served: Served[] = [];
  const now = ctx.keyspace.now;
  for (let k = 0; k < streamsCount; k++) {
    const key = argv[streamsArg + k]!;
    const s = ctx.keyspace.lookupRead(ctx.db, key) as StreamValue | undefined;
    if (s === undefined) continue;
    let gt = ids[k]!;
    const group = groups[k]!;
    let serve = false;
    let history = false;
    if (group !== null) {
      if (gt.ms !== UINT64_MAX || gt.seq !== UINT64_MAX) {
        serve = true;
        history = true;
      } else if (s.length > 0 && compareIds(s.edgeId(false), group.lastId) > 0) {
        serve = true;
        gt = group.lastId;
      }
    } else if (s.length > 0 && compareIds(s.edgeId(false), gt) > 0) {
      serve = true;
    }
    if (!serve) continue;
    const start = incrId(gt) ?? ZERO_ID;
    let consumer: StreamConsumer | undefined;
    if (group !== null) {
      consumer = lookupConsumer(group, consumerName, true, now);
      if (consumer === undefined) {
        consumer = createConsumer(ctx, group, consumerName, key)!;
        if (noack) ctx.propagate(['XGROUP', 'CREATECONSUMER', key, groupName!, consumerName]);
      }
    }
    if (history) {
      // streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from start.
      const items: [StreamId, boolean][] = [];
      const pel = consumer!.pel;
      for (let p = pel.seek(idKey(start)); ; p++) {
        if (count !== 0 && items.length >= count) break;
        const k2 = pel.keyAt(p);
        if (k2 === undefined) break;
        const id = idFromKey(k2);
        const exists = s.has(id);
        if (exists) {
          const nack = pel.get(k2)!;
          nack.deliveryTime = now;
          nack.deliveryCount++;
        }
        items.push([id, exists]);
      }
      served.push({ key, entries: null, history: items });
      continue;
    }
    const entries = collectRange(s, start, MAX_ID, count, false);
    if (group !== null) deliverToGroup(ctx, s, key, groupName!, group, consumer!, entries, noack);
    served.push({ key, entries, history: null });
  }

  if (served.length > 0) {
    const out = ctx.reply;
    if (out.proto === 2) out.array(served.length);
    else out.map(served.length);
    for (const item of served) {
      if (out.proto === 2) out.array(2);
      out.bulk(item.key);
      if (item.entries !== null) {
        replyEntries(out, item.entries);
      } else {
        const s = ctx.keyspace.lookupRead(ctx.db, item.key) as StreamValue;
        out.array(item.history!.length);
        for (const [id, exists] of item.history!) {
          if (!exists || !replySingleEntry(out, s, id)) {
            out.array(2);
            replyId(out, id);
            out.nullArray();
          }
        }
      }
    }
    blockedReads.delete(argv);
    return;
  }
  if (timeout !== -1) {
    if (resolved === undefined) blockedReads.set(argv, { ids });
    ctx.block(argv.slice(streamsArg, streamsArg + streamsCount), timeout, 'null-array');
    return;
  }
  ctx.reply.nullArray();
}

/** The group side of streamReplyWithRange: last_id, entries_read, PEL entries, propagation. */
function deliverToGroup(
  ctx: CommandContext, s: StreamValue, key: string, groupName: string, group: StreamGroup, consumer: StreamConsumer,
  entries: [StreamNode, number][], noack: boolean,
): void {
  let propagateLastId = false;
  const now = ctx.keyspace.now;
  for (const [node, i] of entries) {
    const id = node.idAt(i);
    if (compareIds(id, group.lastId) > 0) {
      if (group.entriesRead !== INVALID_ENTRIES_READ && !s.rangeHasTombstones(id, null)) group.entriesRead++;
      else if (s.entriesAdded !== 0) group.entriesRead = s.estimateDistanceFromFirstEverEntry(id);
      group.lastId = id;
      if (noack) propagateLastId = true;
    }
    if (noack) continue;
    const k = idKey(id);
    let nack = group.pel.get(k);
    if (nack === undefined) {
      nack = { deliveryTime: now, deliveryCount: 1, consumer };
      group.pel.tryInsert(k, nack);
      consumer.pel.tryInsert(k, nack);
    } else {
      nack.consumer?.pel.delete(k);
      nack.consumer = consumer;
      nack.deliveryTime = now;
      nack.deliveryCount = 1;
      consumer.pel.tryInsert(k, nack);
    }
    propagateClaim(ctx, key, groupName, group, formatId(id), nack);
  }
  if (propagateLastId) propagateGroupId(ctx, key, groupName, group);
}

// ---------------------------------------------------------------------------------------------
// XGROUP.

const XGROUP_HELP = [
  'CREATE <key> <groupname> <id|$> [option]',
  '    Create a new consumer group. Options are:',
  '    * MKSTREAM',
  '      Create the empty stream if it does not exist.',
  '    * ENTRIESREAD entries_read',
  "      Set the group's entries_read counter (internal use).",
  'CREATECONSUMER <key> <groupname> <consumer>',
  '    Create a new consumer in the specified group.',
  'DELCONSUMER <key> <groupname> <consumer>',
  '    Remove the specified consumer.',
  'DESTROY <key> <groupname>',
  '    Remove the specified group.',
  'SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]',
  '    Set the current group ID and entries_read counter.',
];

function xgroup(ctx: CommandContext, argv: string[]): void {
  const sub = argv[1]!.toLowerCase();
  let s: StreamValue | undefined;
  let group: StreamGroup | undefined;
  let mkstream = false;
  let entriesRead = INVALID_ENTRIES_READ;
  const key = argv[2]!;
  const groupName = argv[3]!;
  if (argv.length >= 4) {
    const create = sub === 'create';
    const setid = sub === 'setid';
    for (let i = 5; i < argv.length; ) {
      const opt = argv[i]!.toLowerCase();
      if (create && opt === 'mkstream') {
        mkstream = true;
        i++;
      } else if ((create || setid) && opt === 'entriesread' && i + 1 < argv.length) {
        const n = longLongOrReply(ctx, argv[i + 1]!);
        if (n === undefined) return;
        if (n < 0 && n !== INVALID_ENTRIES_READ) {
          ctx.reply.error('ERR value for ENTRIESREAD must be positive or -1');
          return;
        }
        entriesRead = n;
        i += 2;
      } else {
        subcommandSyntaxError(ctx, argv);
        return;
      }
    }
    const o = ctx.keyspace.lookupWrite(ctx.db, key);
    if (o !== undefined) {
      if (!streamOrReply(ctx, o)) return;
      s = o;
    }
  }
  if (argv.length >= 4 && !mkstream) {
    if (s === undefined) {
      ctx.reply.error(
        'ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.',
      );
      return;
    }
    group = s.group(groupName);
    if (group === undefined && (sub === 'setid' || sub === 'createconsumer' || sub === 'delconsumer')) {
      ctx.reply.error(`NOGROUP No such consumer group '${groupName}' for key name '${key}'`);
      return;
    }
  }
  if (argv.length === 2 && sub === 'help') {
    helpReply(ctx, argv, XGROUP_HELP);
  } else if (sub === 'create' && argv.length >= 5 && argv.length <= 8) {
    let id: StreamId | undefined;
    if (argv[4] === '$') id = s !== undefined ? s.lastId : ZERO_ID;
    else id = parseId(ctx, argv[4]!, 0n, true);
    if (id === undefined) return;
    if (s === undefined) {
      s = new StreamValue();
      ctx.keyspace.addKey(ctx.db, key, s);
    }
    if (s.createGroup(groupName, id, entriesRead) !== undefined) {
      ctx.reply.simple('OK');
      ctx.changed(key, 'xgroup-create', 't');
    } else {
      ctx.reply.error('BUSYGROUP Consumer Group name already exists');
    }
  } else if (sub === 'setid' && (argv.length === 5 || argv.length === 7)) {
    let id: StreamId | undefined;
    if (argv[4] === '$') id = s!.lastId;
    else id = parseId(ctx, argv[4]!, 0n, false);
    if (id === undefined) return;
    group!.lastId = id;
    group!.entriesRead = entriesRead;
    ctx.reply.simple('OK');
    ctx.changed(key, 'xgroup-setid', 't');
  } else if (sub === 'destroy' && argv.length === 4) {
    if (group !== undefined) {
      s!.groups!.delete(groupName);
      ctx.reply.integer(1);
      ctx.changed(key, 'xgroup-destroy', 't');
    } else {
      ctx.reply.integer(0);
    }
  } else if (sub === 'createconsumer' && argv.length === 5) {
    const created = !group!.consumers.has(argv[4]!);
    if (created) {
      group!.consumers.set(argv[4]!, new StreamConsumer(argv[4]!, ctx.keyspace.now));
      ctx.changed(key, 'xgroup-createconsumer', 't');
    }
    ctx.reply.integer(created ? 1 : 0);
  } else if (sub === 'delconsumer' && argv.length === 5) {
    const consumer = group!.consumers.get(argv[4]!);
    let pending = 0;
    if (consumer !== undefined) {
      pending = consumer.pel.size;
      group!.deleteConsumer(consumer);
      ctx.changed(key, 'xgroup-delconsumer', 't');
    }
    ctx.reply.integer(pending);
  } else {
    subcommandSyntaxError(ctx, argv);
  }
}

// ---------------------------------------------------------------------------------------------
// XACK / XPENDING / XCLAIM / XAUTOCLAIM.

function xack(ctx: CommandContext, argv: string[]): void {
  const s = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  let group: StreamGroup | undefined;
  if (s !== undefined) {
    if (!streamOrReply(ctx, s)) return;
    group = s.group(argv[2]!);
  }
  if (group === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const keys: string[] = [];
  for (let j = 3; j < argv.length; j++) {
    const id = parseId(ctx, argv[j]!, 0n, true);
    if (id === undefined) return;
    keys.push(idKey(id));
  }
  let acknowledged = 0;
  for (const k of keys) {
    const nack = group.pel.get(k);
    if (nack === undefined) continue;
    group.pel.delete(k);
    nack.consumer?.pel.delete(k);
    acknowledged++;
  }
  // Redis counts the change (dirty) without a keyspace event or a WATCH signal.
  if (acknowledged > 0) ctx.propagate(argv);
  ctx.reply.integer(acknowledged);
}

function xpending(ctx: CommandContext, argv: string[]): void {
  const justInfo = argv.length === 3;
  const key = argv[1]!;
  const groupName = argv[2]!;
  if (argv.length !== 3 && (argv.length < 6 || argv.length > 9)) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  let start = ZERO_ID;
  let end = MAX_ID;
  let count = 0;
  let minIdle = 0;
  let consumerName: string | null = null;
  if (argv.length >= 6) {
    let startIdx = 3;
    if (argv[3]!.toLowerCase() === 'idle') {
      const v = longLongOrReply(ctx, argv[4]!);
      if (v === undefined) return;
      minIdle = v;
      if (argv.length < 8) {
        ctx.reply.error(ERR_SYNTAX);
        return;
      }
      startIdx += 2;
    }
    const c = longLongOrReply(ctx, argv[startIdx + 2]!);
    if (c === undefined) return;
    count = c < 0 ? 0 : c;
    let st = parseIntervalId(ctx, argv[startIdx]!, 0n);
    if (st === undefined) return;
    if (parsedExclusive) {
      st = incrId(st);
      if (st === undefined) {
        ctx.reply.error('ERR invalid start ID for the interval');
        return;
      }
    }
    let en = parseIntervalId(ctx, argv[startIdx + 1]!, UINT64_MAX);
    if (en === undefined) return;
    if (parsedExclusive) {
      en = decrId(en);
      if (en === undefined) {
        ctx.reply.error('ERR invalid end ID for the interval');
        return;
      }
    }
    start = st;
    end = en;
    if (startIdx + 3 < argv.length) consumerName = argv[startIdx + 3]!;
  }
  const s = ctx.keyspace.lookupRead(ctx.db, key);
  if (s !== undefined && !streamOrReply(ctx, s)) return;
  const group = s?.group(groupName);
  if (group === undefined) {
    ctx.reply.error(`NOGROUP No such key '${key}' or consumer group '${groupName}'`);
    return;
  }
  const out = ctx.reply;
  if (justInfo) {
    out.array(4);
    out.integer(group.pel.size);
    if (group.pel.size === 0) {
      out.nil();
      out.nil();
      out.nullArray();
      return;
    }
    replyId(out, idFromKey(group.pel.keyAt(0)!));
    replyId(out, idFromKey(group.pel.keyAt(group.pel.size - 1)!));
    const consumers = group.sortedConsumers().filter((c) => c.pel.size > 0);
    out.array(consumers.length);
    for (const c of consumers) {
      out.array(2);
      out.bulk(c.name);
      out.bulk(String(c.pel.size));
    }
    return;
  }
  let pel = group.pel;
  if (consumerName !== null) {
    const consumer = group.consumers.get(consumerName);
    if (consumer === undefined) {
      out.array(0);
      return;
    }
    pel = consumer.pel;
  }
  const now = ctx.keyspace.now;
  const endKey = idKey(end);
  const rows: [string, StreamNack][] = [];
  for (let p = pel.seek(idKey(start)); count > 0; p++) {
    const k = pel.keyAt(p);
    if (k === undefined || k > endKey) break;
    const nack = pel.get(k)!;
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    rows.push([k, nack]);
    count--;
  }
  out.array(rows.length);
  for (const [k, nack] of rows) {
    out.array(4);
    replyId(out, idFromKey(k));
    out.bulk(nack.consumer!.name);
    const elapsed = now - nack.deliveryTime;
    out.integer(elapsed < 0 ? 0 : elapsed);
    out.integer(nack.deliveryCount);
  }
}

function xclaim(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const groupName = argv[2]!;
  const s = ctx.keyspace.lookupRead(ctx.db, key);
  let group: StreamGroup | undefined;
  if (s !== undefined) {
    if (!streamOrReply(ctx, s)) return;
    group = s.group(groupName);
  }
  if (s === undefined || group === undefined) {
    ctx.reply.error(`NOGROUP No such key '${key}' or consumer group '${groupName}'`);
    return;
  }
  let minIdle = longLongOrReply(ctx, argv[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
  if (minIdle === undefined) return;
  if (minIdle < 0) minIdle = 0;
  const ids: StreamId[] = [];
  let j = 5;
  for (; j < argv.length; j++) {
    const id = parseId(null, argv[j]!, 0n, true);
    if (id === undefined) break;
    ids.push(id);
  }
  const now = ctx.keyspace.now;
  let retryCount = -1;
  let deliveryTime = -1;
  let force = false;
  let justId = false;
  let lastId = ZERO_ID;
  for (; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'force') force = true;
    else if (opt === 'justid') justId = true;
    else if (opt === 'idle' && moreargs > 0) {
      j++;
      const v = longLongOrReply(ctx, argv[j]!, 'ERR Invalid IDLE option argument for XCLAIM');
      if (v === undefined) return;
      deliveryTime = now - v;
    } else if (opt === 'time' && moreargs > 0) {
      j++;
      const v = longLongOrReply(ctx, argv[j]!, 'ERR Invalid TIME option argument for XCLAIM');
      if (v === undefined) return;
      deliveryTime = v;
    } else if (opt === 'retrycount' && moreargs > 0) {
      j++;
      const v = longLongOrReply(ctx, argv[j]!, 'ERR Invalid RETRYCOUNT option argument for XCLAIM');
      if (v === undefined) return;
      retryCount = v;
    } else if (opt === 'lastid' && moreargs > 0) {
      j++;
      const v = parseId(ctx, argv[j]!, 0n, true);
      if (v === undefined) return;
      lastId = v;
    } else {
      ctx.reply.error(`ERR Unrecognized XCLAIM option '${argv[j]!}'`);
      return;
    }
  }
  let propagateLastId = false;
  if (compareIds(lastId, group.lastId) > 0) {
    group.lastId = lastId;
    propagateLastId = true;
  }
  if (deliveryTime !== -1) {
    if (deliveryTime < 0 || deliveryTime > now) deliveryTime = now;
  } else {
    deliveryTime = now;
  }
  let consumer: StreamConsumer | undefined;
  const claimed: StreamId[] = [];
  for (let n = 0; n < ids.length; n++) {
    const id = ids[n]!;
    const k = idKey(id);
    let nack = group.pel.get(k);
    if (!s.has(id)) {
      if (nack !== undefined) {
        propagateClaim(ctx, key, groupName, group, argv[5 + n]!, nack);
        propagateLastId = false;
        group.pel.delete(k);
        nack.consumer?.pel.delete(k);
      }
      continue;
    }
    if (force && nack === undefined) {
      nack = { deliveryTime: now, deliveryCount: 1, consumer: null };
      group.pel.tryInsert(k, nack);
    }
    if (nack === undefined) continue;
    if (nack.consumer !== null && minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    if (consumer === undefined) {
      consumer = lookupConsumer(group, argv[3]!, true, now) ?? createConsumer(ctx, group, argv[3]!, key)!;
    }
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(k);
    nack.deliveryTime = deliveryTime;
    if (retryCount >= 0) nack.deliveryCount = retryCount;
    else if (!justId) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.tryInsert(k, nack);
      nack.consumer = consumer;
    }
    claimed.push(id);
    propagateClaim(ctx, key, groupName, group, argv[5 + n]!, nack);
    propagateLastId = false;
  }
  if (propagateLastId) propagateGroupId(ctx, key, groupName, group);
  const out = ctx.reply;
  out.array(claimed.length);
  for (const id of claimed) {
    if (justId) replyId(out, id);
    else replySingleEntry(out, s, id);
  }
}

function xautoclaim(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const groupName = argv[2]!;
  let minIdle = longLongOrReply(ctx, argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  if (minIdle === undefined) return;
  if (minIdle < 0) minIdle = 0;
  let start = parseIntervalId(ctx, argv[5]!, 0n);
  if (start === undefined) return;
  if (parsedExclusive) {
    start = incrId(start);
    if (start === undefined) {
      ctx.reply.error('ERR invalid start ID for the interval');
      return;
    }
  }
  let count = 100;
  let justId = false;
  for (let j = 6; j < argv.length; j++) {
    const moreargs = argv.length - 1 - j;
    const opt = argv[j]!.toLowerCase();
    if (opt === 'count' && moreargs > 0) {
      const maxCount = Math.floor(Number(LLONG_MAX) / 16);
      const c = parseInteger(argv[j + 1]!);
      if (Number.isNaN(c) || c < 1 || c > maxCount) {
        ctx.reply.error('ERR COUNT must be > 0');
        return;
      }
      count = c;
      j++;
    } else if (opt === 'justid') {
      justId = true;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
  }
  const s = ctx.keyspace.lookupRead(ctx.db, key);
  let group: StreamGroup | undefined;
  if (s !== undefined) {
    if (!streamOrReply(ctx, s)) return;
    group = s.group(groupName);
  }
  if (s === undefined || group === undefined) {
    ctx.reply.error(`NOGROUP No such key '${key}' or consumer group '${groupName}'`);
    return;
  }
  const now = ctx.keyspace.now;
  let attempts = count * 10;
  let consumer: StreamConsumer | undefined;
  const claimed: StreamId[] = [];
  const deletedIds: StreamId[] = [];
  const pel = group.pel;
  let p = pel.seek(idKey(start));
  while (attempts-- > 0 && count > 0) {
    const k = pel.keyAt(p);
    if (k === undefined) break;
    const nack = pel.get(k)!;
    const id = idFromKey(k);
    if (!s.has(id)) {
      propagateClaim(ctx, key, groupName, group, formatId(id), nack);
      pel.delete(k);
      nack.consumer?.pel.delete(k);
      deletedIds.push(id);
      count--;
      continue; // p now points at the next key
    }
    p++;
    if (minIdle !== 0 && now - nack.deliveryTime < minIdle) continue;
    if (consumer === undefined) {
      consumer = lookupConsumer(group, argv[3]!, true, now) ?? createConsumer(ctx, group, argv[3]!, key)!;
    }
    if (nack.consumer !== consumer) nack.consumer?.pel.delete(k);
    nack.deliveryTime = now;
    if (!justId) nack.deliveryCount++;
    if (nack.consumer !== consumer) {
      consumer.pel.tryInsert(k, nack);
      nack.consumer = consumer;
    }
    claimed.push(id);
    count--;
    propagateClaim(ctx, key, groupName, group, formatId(id), nack);
  }
  const next = pel.keyAt(p);
  const out = ctx.reply;
  out.array(3);
  replyId(out, next === undefined ? ZERO_ID : idFromKey(next));
  out.array(claimed.length);
  for (const id of claimed) {
    if (justId) replyId(out, id);
    else replySingleEntry(out, s, id);
  }
  out.array(deletedIds.length);
  for (const id of deletedIds) replyId(out, id);
}

// ---------------------------------------------------------------------------------------------
// XINFO.

const XINFO_HELP = [
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
];

/**
 * s->rax->numnodes, estimated: Redis counts the internal nodes of its radix tree, which depend on how
 * rax splits compressed nodes as keys arrive. Measured on redis-server 7.0.15 for keys that share
 * their leading bytes (IDs of one era, the usual case): 1 empty, 2 for one key, 2n + 2 for n keys.
 */
function radixTreeNodes(s: StreamValue): number {
  const n = s.nodes.length;
  return n === 0 ? 1 : n === 1 ? 2 : 2 * n + 2;
}

function lookupStreamForInfo(ctx: CommandContext, key: string): StreamValue | undefined {
  const o = lookupRead(ctx, key);
  if (o === undefined) {
    ctx.reply.error(ERR_NO_SUCH_KEY);
    return undefined;
  }
  return streamOrReply(ctx, o) ? o : undefined;
}

function xinfoStream(ctx: CommandContext, argv: string[]): void {
  let full = true;
  let count = 10;
  const optc = argv.length - 3;
  if (optc === 0) full = false;
  else {
    if ((optc !== 1 && optc !== 3) || argv[3]!.toLowerCase() !== 'full' || (optc === 3 && argv[4]!.toLowerCase() !== 'count')) {
      subcommandSyntaxError(ctx, argv);
      return;
    }
    if (optc === 3) {
      const c = longLongOrReply(ctx, argv[5]!);
      if (c === undefined) return;
      count = c < 0 ? 10 : c;
    }
  }
  const s = lookupStreamForInfo(ctx, argv[2]!);
  if (s === undefined) return;
  const out = ctx.reply;
  out.map(full ? 9 : 10);
  out.bulk('length');
  out.integer(s.length);
  out.bulk('radix-tree-keys');
  out.integer(s.nodes.length);
  out.bulk('radix-tree-nodes');
  out.integer(radixTreeNodes(s));
  out.bulk('last-generated-id');
  replyId(out, s.lastId);
  out.bulk('max-deleted-entry-id');
  replyId(out, s.maxDeletedId);
  out.bulk('entries-added');
  out.integer(s.entriesAdded);
  out.bulk('recorded-first-entry-id');
  replyId(out, s.firstId);
  if (!full) {
    out.bulk('groups');
    out.integer(s.groups?.size ?? 0);
    out.bulk('first-entry');
    const first = collectRange(s, ZERO_ID, MAX_ID, 1, false);
    if (first.length === 0) out.nil();
    else replyEntry(out, first[0]![0], first[0]![1]);
    out.bulk('last-entry');
    const last = collectRange(s, ZERO_ID, MAX_ID, 1, true);
    if (last.length === 0) out.nil();
    else replyEntry(out, last[0]![0], last[0]![1]);
    return;
  }
  out.bulk('entries');
  replyEntries(out, collectRange(s, ZERO_ID, MAX_ID, count, false));
  out.bulk('groups');
  const groups = s.sortedGroups();
  out.array(groups.length);
  for (const [name, g] of groups) {
    out.map(7);
    out.bulk('name');
    out.bulk(name);
    out.bulk('last-delivered-id');
    replyId(out, g.lastId);
    out.bulk('entries-read');
    if (g.entriesRead !== INVALID_ENTRIES_READ) out.integer(g.entriesRead);
    else out.nil();
    out.bulk('lag');
    const lag = s.groupLag(g);
    if (lag === null) out.nil();
    else out.integer(lag);
    out.bulk('pel-count');
    out.integer(g.pel.size);
    out.bulk('pending');
    const pending = Math.min(g.pel.size, count === 0 ? Infinity : count);
    out.array(pending);
    for (let p = 0; p < pending; p++) {
      const k = g.pel.keyAt(p)!;
      const nack = g.pel.get(k)!;
      out.array(4);
      replyId(out, idFromKey(k));
      out.bulk(nack.consumer!.name);
      out.integer(nack.deliveryTime);
      out.integer(nack.deliveryCount);
    }
    out.bulk('consumers');
    const consumers = g.sortedConsumers();
    out.array(consumers.length);
    for (const c of consumers) {
      out.map(4);
      out.bulk('name');
      out.bulk(c.name);
      out.bulk('seen-time');
      out.integer(c.seenTime);
      out.bulk('pel-count');
      out.integer(c.pel.size);
      out.bulk('pending');
      const cp = Math.min(c.pel.size, count === 0 ? Infinity : count);
      out.array(cp);
      for (let p = 0; p < cp; p++) {
        const k = c.pel.keyAt(p)!;
        const nack = c.pel.get(k)!;
        out.array(3);
        replyId(out, idFromKey(k));
        out.integer(nack.deliveryTime);
        out.integer(nack.deliveryCount);
      }
    }
  }
}

function xinfoGroups(ctx: CommandContext, argv: string[]): void {
  const s = lookupStreamForInfo(ctx, argv[2]!);
  if (s === undefined) return;
  const out = ctx.reply;
  const groups = s.sortedGroups();
  out.array(groups.length);
  for (const [name, g] of groups) {
    out.map(6);
    out.bulk('name');
    out.bulk(name);
    out.bulk('consumers');
    out.integer(g.consumers.size);
    out.bulk('pending');
    out.integer(g.pel.size);
    out.bulk('last-delivered-id');
    replyId(out, g.lastId);
    out.bulk('entries-read');
    if (g.entriesRead !== INVALID_ENTRIES_READ) out.integer(g.entriesRead);
    else out.nil();
    out.bulk('lag');
    const lag = s.groupLag(g);
    if (lag === null) out.nil();
    else out.integer(lag);
  }
}

function xinfoConsumers(ctx: CommandContext, argv: string[]): void {
  const key = argv[2]!;
  const s = lookupStreamForInfo(ctx, key);
  if (s === undefined) return;
  const g = s.group(argv[3]!);
  if (g === undefined) {
    ctx.reply.error(`NOGROUP No such consumer group '${argv[3]!}' for key name '${key}'`);
    return;
  }
  const out = ctx.reply;
  const consumers = g.sortedConsumers();
  const now = ctx.keyspace.now;
  out.array(consumers.length);
  for (const c of consumers) {
    out.map(3);
    out.bulk('name');
    out.bulk(c.name);
    out.bulk('pending');
    out.integer(c.pel.size);
    out.bulk('idle');
    const idle = now - c.seenTime;
    out.integer(idle < 0 ? 0 : idle);
  }
}

export const streamCommands: CommandFamily = {
  xadd,
  xtrim,
  xrange: (ctx, argv) => xrangeGeneric(ctx, argv, false),
  xrevrange: (ctx, argv) => xrangeGeneric(ctx, argv, true),
  xlen(ctx, argv) {
    const s = lookupRead(ctx, argv[1]!);
    if (s === undefined) ctx.reply.integer(0);
    else if (streamOrReply(ctx, s)) ctx.reply.integer(s.length);
  },
  xdel,
  xsetid,
  xread: (ctx, argv) => xreadGeneric(ctx, argv, false),
  xreadgroup: (ctx, argv) => xreadGeneric(ctx, argv, true),
  xack,
  xpending,
  xclaim,
  xautoclaim,
  'xgroup|create': xgroup,
  'xgroup|setid': xgroup,
  'xgroup|destroy': xgroup,
  'xgroup|createconsumer': xgroup,
  'xgroup|delconsumer': xgroup,
  'xgroup|help': (ctx, argv) => helpReply(ctx, argv, XGROUP_HELP),
  'xinfo|stream': xinfoStream,
  'xinfo|groups': xinfoGroups,
  'xinfo|consumers': xinfoConsumers,
  'xinfo|help': (ctx, argv) => helpReply(ctx, argv, XINFO_HELP),
};
