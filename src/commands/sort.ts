import { keyHashSlot } from '../cluster/key-slot.ts';
import { arrayElements, stringReply } from '../resp/reply-scan.ts';
import { ERR_SYNTAX, ERR_NOT_INTEGER, WRONGTYPE } from '../resp/errors.ts';
import { decodeValue, encodeValue } from '../ipc/value-transfer.ts';
import { ListValue } from '../types/list-value.ts';
import { SetValue } from '../types/set-value.ts';
import { HashValue } from '../types/hash-value.ts';
import { ZSetValue } from '../types/zset-value.ts';
import type { RedisValue } from '../types/value.ts';
import type { Session, SessionFamily } from '../shard/session.ts';
import { runningScript } from '../scripting/script-run.ts';

/**
 * SORT and SORT_RO. The BY and GET patterns name keys that may live on any worker, so SORT runs as a
 * transaction over every worker: locked in ascending order, the source and every pattern key are
 * fetched from their owners, the sort runs here, and STORE writes the result to its owner.
 */
interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  store: string | null;
  by: string | null;
  gets: string[];
  dontSort: boolean;
}

function parseOptions(argv: string[], readOnly: boolean): SortOptions | string {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, store: null, by: null, gets: [], dontSort: false };
  for (let j = 2; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const left = argv.length - j - 1;
    if (option === 'asc') o.desc = false;
    else if (option === 'desc') o.desc = true;
    else if (option === 'alpha') o.alpha = true;
    else if (option === 'limit' && left >= 2) {
      const start = Number(argv[j + 1]);
      const count = Number(argv[j + 2]);
      if (!/^-?\d+$/.test(argv[j + 1]!) || !/^-?\d+$/.test(argv[j + 2]!) || !Number.isSafeInteger(start) || !Number.isSafeInteger(count)) return ERR_NOT_INTEGER;
      o.limitStart = start;
      o.limitCount = count;
      j += 2;
    } else if (option === 'store' && left >= 1 && !readOnly) {
      o.store = argv[++j]!;
    } else if (option === 'by' && left >= 1) {
      o.by = argv[++j]!;
      // A BY pattern without '*' means "do not sort" (Redis's BY nosort idiom).
      if (!o.by.includes('*')) o.dontSort = true;
    } else if (option === 'get' && left >= 1) {
      o.gets.push(argv[++j]!);
    } else {
      return ERR_SYNTAX;
    }
  }
  return o;
}

/** Redis's lookupKeyByPattern: '#' is the element; '*' is replaced by it; 'key->field' reads a hash field. */
function patternKey(pattern: string, element: string): { key: string; field: string | null } | null {
  const star = pattern.indexOf('*');
  if (star < 0) return null;
  const arrow = pattern.indexOf('->', star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const keyPattern = hasField ? pattern.slice(0, arrow) : pattern;
  return { key: keyPattern.slice(0, star) + element + keyPattern.slice(star + 1), field: hasField ? pattern.slice(arrow + 2) : null };
}

function valueByPattern(values: Map<string, RedisValue>, pattern: string, element: string): string | null {
  if (pattern === '#') return element;
  const ref = patternKey(pattern, element);
  if (ref === null) return null;
  const value = values.get(ref.key);
  if (value === undefined) return null;
  if (ref.field !== null) return value instanceof HashValue ? value.get(ref.field) ?? null : null;
  return typeof value === 'string' ? value : null;
}

/** C's strtod on the whole string, as Redis checks it; null when it is not a number. */
function toScore(s: string): number | null {
  if (s.length === 0) return 0;
  if (/^\s*[+-]?(inf|infinity)$/i.test(s)) return s.trimStart().startsWith('-') ? -Infinity : Infinity;
  if (!/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function elementsOf(value: RedisValue): string[] {
  if (value instanceof ListValue) return value.toArray();
  if (value instanceof SetValue) return Array.from({ length: value.size }, (_, i) => value.memberAt(i));
  const zset = value as ZSetValue;
  const out: string[] = [];
  zset.forRange(0, zset.size, false, (member) => out.push(member));
  return out;
}

/** Fetches keys (grouped by owner) under the transaction; missing keys are left out. */
async function fetchKeys(session: Session, keys: string[], db: number, txId: number): Promise<Map<string, RedisValue>> {
  const { shard } = session;
  const byOwner = new Map<number, string[]>();
  for (const key of new Set(keys)) {
    const owner = shard.slots.ownerOf(keyHashSlot(key));
    let list = byOwner.get(owner);
    if (list === undefined) byOwner.set(owner, (list = []));
    list.push(key);
  }
  const values = new Map<string, RedisValue>();
  await Promise.all([...byOwner].map(async ([owner, list]) => {
    const reply = await shard.request(owner, ['@fetch', ...list], db, 2, txId);
    arrayElements(reply)!.forEach(([start], i) => {
      const entry = arrayElements(reply, start);
      if (entry === null) return;
      values.set(list[i]!, decodeValue(stringReply(reply, entry[0]![0])!, stringReply(reply, entry[1]![0])!));
    });
  }));
  return values;
}

async function sortCommand(session: Session, argv: string[], readOnly: boolean): Promise<void> {
  const { shard, out, conn } = session;
  const options = parseOptions(argv, readOnly);
  if (typeof options === 'string') {
    out.error(options);
    return;
  }
  const db = conn.client.dbIndex;
  const ownTransaction = session.txId === 0;
  const txId = ownTransaction ? shard.newTxId() : session.txId;
  const workers = Array.from({ length: shard.workerCount }, (_, w) => w);
  if (ownTransaction) for (const w of workers) await shard.request(w, ['@lock'], 0, 2, txId);
  try {
    const source = (await fetchKeys(session, [argv[1]!], db, txId)).get(argv[1]!);
    if (source !== undefined && !(source instanceof ListValue || source instanceof SetValue || source instanceof ZSetValue)) {
      out.error(WRONGTYPE);
      return;
    }
    let elements = source === undefined ? [] : elementsOf(source);
    let dontSort = options.dontSort;
    let alpha = options.alpha;
    let by = options.by;
    // A set has no order of its own: sorted anyway when stored or called from a script, so replicas
    // and the AOF agree (Redis).
    if (dontSort && source instanceof SetValue && (options.store !== null || runningScript() !== null)) {
      dontSort = false;
      alpha = true;
      by = null;
    }
    // Pattern keys: every key a BY or GET pattern names for these elements.
    const patternKeys: string[] = [];
    for (const pattern of [...(by !== null && !dontSort ? [by] : []), ...options.gets]) {
      for (const element of elements) {
        const ref = pattern === '#' ? null : patternKey(pattern, element);
        if (ref !== null) patternKeys.push(ref.key);
      }
    }
    const values = patternKeys.length > 0 ? await fetchKeys(session, patternKeys, db, txId) : new Map<string, RedisValue>();

    if (!dontSort) {
      const weights = new Map<string, number | string | null>();
      for (const element of elements) {
        const raw = by !== null ? valueByPattern(values, by, element) : element;
        if (alpha) weights.set(element, raw);
        else {
          const score = raw === null ? 0 : toScore(raw);
          if (score === null || Number.isNaN(score)) {
            out.error("ERR One or more scores can't be converted into double");
            return;
          }
          weights.set(element, score);
        }
      }
      elements = [...elements].sort((a, b) => {
        let cmp: number;
        if (!alpha) {
          const sa = weights.get(a) as number;
          const sb = weights.get(b) as number;
          cmp = sa > sb ? 1 : sa < sb ? -1 : compareBytes(a, b);
        } else if (by !== null) {
          const wa = weights.get(a) as string | null;
          const wb = weights.get(b) as string | null;
          cmp = wa === null || wb === null ? (wa === wb ? 0 : wa === null ? -1 : 1) : compareBytes(wa, wb);
        } else {
          cmp = compareBytes(a, b);
        }
        return options.desc ? -cmp : cmp;
      });
    } else if (options.desc && source instanceof ZSetValue) {
      elements.reverse();
    }

    // LIMIT, clamped as Redis does.
    const length = elements.length;
    let start = options.limitStart < 0 ? 0 : options.limitStart;
    let end = options.limitCount < 0 ? length - 1 : start + options.limitCount - 1;
    if (start >= length) {
      start = length - 1;
      end = length - 2;
    }
    if (end >= length) end = length - 1;
    const selected = end >= start ? elements.slice(start, end + 1) : [];

    const gets = options.gets.length > 0 ? options.gets : null;
    if (options.store === null) {
      out.array(selected.length * (gets?.length ?? 1));
      for (const element of selected) {
        if (gets === null) out.bulk(element);
        else for (const pattern of gets) {
          const v = valueByPattern(values, pattern, element);
          if (v === null) out.nil();
          else out.bulk(v);
        }
      }
      return;
    }
    const list = new ListValue();
    for (const element of selected) {
      if (gets === null) list.pushTail(element);
      else for (const pattern of gets) list.pushTail(valueByPattern(values, pattern, element) ?? '');
    }
    const owner = shard.slots.ownerOf(keyHashSlot(options.store));
    const stored = list.length > 0 ? ['@store', options.store, ...encodeValue(list), '-1'] : ['@del', options.store];
    await shard.request(owner, stored, db, 2, txId);
    shard.emitEffect(db, argv);
    out.integer(list.length);
  } finally {
    if (ownTransaction) for (const w of workers) shard.send(w, ['@unlock'], 0, 2, null, txId);
  }
}

export const sortCommands: SessionFamily = {
  sort: { allWorkers: true, handler: (session, argv) => sortCommand(session, argv, false) },
  sort_ro: { allWorkers: true, handler: (session, argv) => sortCommand(session, argv, true) },
};


