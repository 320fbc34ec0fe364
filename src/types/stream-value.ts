// A stream (Redis's t_stream.c data side). Entries live in nodes that mirror Redis's radix tree of
// listpacks one for one: a node opens with a "master entry" (the field names of its first entry), takes
// entries until it holds stream-node-max-entries of them (deleted ones count) or its listpack would
// reach stream-node-max-bytes, and is dropped as a whole when its last live entry goes. Approximate
// trimming (~) removes whole nodes only, so emulating Redis's node boundaries exactly (including the
// listpack byte size that decides them) is what makes MAXLEN ~ and MINID ~ give Redis's lengths.
//
// Layout per node: parallel typed arrays (IDs as two uint64 per entry, a flags byte, an offset into a
// flat string array of values, or of field/value pairs when the entry's fields differ from the master
// fields). A stream of small entries costs ~16 bytes of IDs + 5 bytes + one pointer per value.
// IDs are 64-bit on both parts: BigInt where they cross the API (StreamId), BigUint64Array inside.

import type { RedisObject } from './value.ts';
import { registerValueCodec } from '../ipc/value-transfer.ts';

export interface StreamId {
  readonly ms: bigint;
  readonly seq: bigint;
}

export const UINT64_MAX = 0xffffffffffffffffn;
export const ZERO_ID: StreamId = { ms: 0n, seq: 0n };
export const MAX_ID: StreamId = { ms: UINT64_MAX, seq: UINT64_MAX };
/** A consumer group's entries_read when unknown (SCG_INVALID_ENTRIES_READ). */
export const INVALID_ENTRIES_READ = -1;

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
/** STREAM_LISTPACK_MAX_SIZE: a node's listpack never grows past 1 GiB. */
const LISTPACK_MAX_SIZE = 1 << 30;

export function compareIds(a: StreamId, b: StreamId): number {
  if (a.ms !== b.ms) return a.ms > b.ms ? 1 : -1;
  if (a.seq !== b.seq) return a.seq > b.seq ? 1 : -1;
  return 0;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export function isZeroId(id: StreamId): boolean {
  return id.ms === 0n && id.seq === 0n;
}

/** streamIncrID: the next ID, or undefined past the last possible one. */
export function incrId(id: StreamId): StreamId | undefined {
  if (id.seq === UINT64_MAX) {
    if (id.ms === UINT64_MAX) return undefined;
    return { ms: id.ms + 1n, seq: 0n };
  }
  return { ms: id.ms, seq: id.seq + 1n };
}

/** streamDecrID: the previous ID, or undefined before 0-0. */
export function decrId(id: StreamId): StreamId | undefined {
  if (id.seq === 0n) {
    if (id.ms === 0n) return undefined;
    return { ms: id.ms - 1n, seq: UINT64_MAX };
  }
  return { ms: id.ms, seq: id.seq - 1n };
}

/** A fixed-width key whose string order is the ID order (PEL indexes). */
export function idKey(id: StreamId): string {
  return id.ms.toString(16).padStart(16, '0') + id.seq.toString(16).padStart(16, '0');
}

export function idFromKey(key: string): StreamId {
  return { ms: BigInt('0x' + key.slice(0, 16)), seq: BigInt('0x' + key.slice(16)) };
}

// ---------------------------------------------------------------------------------------------
// Listpack sizes (listpack.c), so nodes split where Redis's do.

function intEncodedSize(v: bigint): number {
  if (v >= 0n && v <= 127n) return 1;
  if (v >= -4096n && v <= 4095n) return 2;
  if (v >= -32768n && v <= 32767n) return 3;
  if (v >= -8388608n && v <= 8388607n) return 4;
  if (v >= -2147483648n && v <= 2147483647n) return 5;
  return 9;
}

function backlenSize(l: number): number {
  if (l <= 127) return 1;
  if (l < 16383) return 2;
  if (l < 2097151) return 3;
  if (l < 268435455) return 4;
  return 5;
}

/** Bytes of an integer entry (encoding + backlen). */
function lpIntBytes(v: bigint | number): number {
  const n = typeof v === 'bigint' ? v : BigInt(v);
  const l = intEncodedSize(n);
  return l + backlenSize(l);
}

const INT64_TEXT = /^-?[1-9][0-9]{0,18}$/;

/** Bytes of a string entry: listpack stores strings that read as int64 as integers. */
function lpStringBytes(s: string): number {
  if (s.length <= 20 && (s === '0' || INT64_TEXT.test(s))) {
    const v = BigInt(s);
    if (v >= -(1n << 63n) && v < 1n << 63n) return lpIntBytes(v);
  }
  const len = s.length;
  const l = len < 64 ? 1 + len : len < 4096 ? 2 + len : 5 + len;
  return l + backlenSize(l);
}

function int64Delta(a: bigint, b: bigint): bigint {
  return BigInt.asIntN(64, a - b);
}

// ---------------------------------------------------------------------------------------------

/** One radix-tree node's listpack: a master entry and up to stream-node-max-entries entries. */
export class StreamNode {
  readonly masterMs: bigint;
  readonly masterSeq: bigint;
  readonly masterFields: string[];
  ids: BigUint64Array;
  flags: Uint8Array;
  /** Start of entry i in data; offsets[size] is the end. */
  offsets: Uint32Array;
  data: string[] = [];
  /** Entries including the deleted ones. */
  size = 0;
  live = 0;
  deleted = 0;
  /** Listpack bytes except the header, the end byte and the live/deleted counters. */
  private bodyBytes: number;

  constructor(id: StreamId, masterFields: string[], capacity = 4) {
    this.masterMs = id.ms;
    this.masterSeq = id.seq;
    this.masterFields = masterFields;
    this.ids = new BigUint64Array(capacity * 2);
    this.flags = new Uint8Array(capacity);
    this.offsets = new Uint32Array(capacity + 1);
    let body = lpIntBytes(masterFields.length) + lpIntBytes(0);
    for (const f of masterFields) body += lpStringBytes(f);
    this.bodyBytes = body;
  }

  /** lpBytes of the node's listpack. */
  bytes(): number {
    return 7 + lpIntBytes(this.live) + lpIntBytes(this.deleted) + this.bodyBytes;
  }

  idAt(i: number): StreamId {
    return { ms: this.ids[2 * i]!, seq: this.ids[2 * i + 1]! };
  }

  isDeleted(i: number): boolean {
    return (this.flags[i]! & FLAG_DELETED) !== 0;
  }

  /** Number of fields of entry i. */
  fieldCount(i: number): number {
    const n = this.offsets[i + 1]! - this.offsets[i]!;
    return (this.flags[i]! & FLAG_SAMEFIELDS) !== 0 ? n : n / 2;
  }

  /** Field j of entry i. */
  field(i: number, j: number): string {
    if ((this.flags[i]! & FLAG_SAMEFIELDS) !== 0) return this.masterFields[j]!;
    return this.data[this.offsets[i]! + 2 * j]!;
  }

  value(i: number, j: number): string {
    if ((this.flags[i]! & FLAG_SAMEFIELDS) !== 0) return this.data[this.offsets[i]! + j]!;
    return this.data[this.offsets[i]! + 2 * j + 1]!;
  }

  private grow(): void {
    const capacity = this.flags.length * 2;
    const ids = new BigUint64Array(capacity * 2);
    ids.set(this.ids);
    this.ids = ids;
    const flags = new Uint8Array(capacity);
    flags.set(this.flags);
    this.flags = flags;
    const offsets = new Uint32Array(capacity + 1);
    offsets.set(this.offsets);
    this.offsets = offsets;
  }

  /** Appends entry `id` with the field/value pairs argv[from..]. */
  append(id: StreamId, argv: readonly string[], from: number): void {
    if (this.size === this.flags.length) this.grow();
    const i = this.size;
    const numFields = (argv.length - from) / 2;
    let same = numFields === this.masterFields.length;
    for (let j = 0; same && j < numFields; j++) if (argv[from + 2 * j] !== this.masterFields[j]) same = false;
    this.ids[2 * i] = id.ms;
    this.ids[2 * i + 1] = id.seq;
    this.flags[i] = same ? FLAG_SAMEFIELDS : 0;
    let body = lpIntBytes(same ? FLAG_SAMEFIELDS : 0) + lpIntBytes(int64Delta(id.ms, this.masterMs)) + lpIntBytes(int64Delta(id.seq, this.masterSeq));
    const data = this.data;
    if (same) {
      for (let j = 0; j < numFields; j++) {
        const v = argv[from + 2 * j + 1]!;
        data.push(v);
        body += lpStringBytes(v);
      }
      body += lpIntBytes(numFields + 3);
    } else {
      body += lpIntBytes(numFields);
      for (let j = from; j < argv.length; j++) {
        data.push(argv[j]!);
        body += lpStringBytes(argv[j]!);
      }
      body += lpIntBytes(numFields * 2 + 4);
    }
    this.bodyBytes += body;
    this.size++;
    this.live++;
    this.offsets[this.size] = data.length;
  }

  markDeleted(i: number): void {
    this.flags[i] = this.flags[i]! | FLAG_DELETED;
    this.live--;
    this.deleted++;
  }

  /** Index of the entry with this ID, or -1. */
  indexOf(id: StreamId): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = this.ids[2 * mid]!;
      const seq = this.ids[2 * mid + 1]!;
      if (ms < id.ms || (ms === id.ms && seq < id.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.size && this.ids[2 * lo] === id.ms && this.ids[2 * lo + 1] === id.seq ? lo : -1;
  }

  /** First index whose ID is >= id. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const ms = this.ids[2 * mid]!;
      const seq = this.ids[2 * mid + 1]!;
      if (ms < id.ms || (ms === id.ms && seq < id.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

// ---------------------------------------------------------------------------------------------
// Consumer groups.

/** A pending entry: delivered to `consumer`, not acknowledged yet. */
export interface StreamNack {
  deliveryTime: number;
  deliveryCount: number;
  consumer: StreamConsumer | null;
}

/** IDs in order with a value each (a PEL): a sorted key array beside a Map. */
export class IdIndex<V> {
  private readonly map = new Map<string, V>();
  private keys: string[] = [];

  get size(): number {
    return this.map.size;
  }

  get(key: string): V | undefined {
    return this.map.get(key);
  }

  /** Inserts; false (and no change) when present. */
  tryInsert(key: string, value: V): boolean {
    if (this.map.has(key)) return false;
    this.map.set(key, value);
    const keys = this.keys;
    if (keys.length === 0 || keys[keys.length - 1]! < key) keys.push(key);
    else keys.splice(this.seek(key), 0, key);
    return true;
  }

  delete(key: string): boolean {
    if (!this.map.delete(key)) return false;
    const i = this.seek(key);
    this.keys.splice(i, 1);
    return true;
  }

  /** Position of the first key >= key. */
  seek(key: string): number {
    const keys = this.keys;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  keyAt(i: number): string | undefined {
    return this.keys[i];
  }

  entries(): IterableIterator<[string, V]> {
    return this.keys.map((k) => [k, this.map.get(k)!] as [string, V]).values();
  }
}

export class StreamConsumer {
  readonly name: string;
  seenTime: number;
  readonly pel = new IdIndex<StreamNack>();

  constructor(name: string, seenTime: number) {
    this.name = name;
    this.seenTime = seenTime;
  }
}

export class StreamGroup {
  lastId: StreamId;
  entriesRead: number;
  readonly pel = new IdIndex<StreamNack>();
  readonly consumers = new Map<string, StreamConsumer>();

  constructor(lastId: StreamId, entriesRead: number) {
    this.lastId = lastId;
    this.entriesRead = entriesRead;
  }

  /** Consumers in Redis's rax order (bytewise by name). */
  sortedConsumers(): StreamConsumer[] {
    return [...this.consumers.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  deleteConsumer(consumer: StreamConsumer): void {
    for (const [key] of consumer.pel.entries()) this.pel.delete(key);
    this.consumers.delete(consumer.name);
  }
}

// ---------------------------------------------------------------------------------------------

export interface TrimArgs {
  strategy: 'maxlen' | 'minid';
  maxlen: number;
  minid: StreamId;
  approx: boolean;
  /** 0 = no limit. */
  limit: number;
}

export class StreamValue implements RedisObject {
  /** OBJECT IDLETIME's clock (RedisObject.accessTime). */
  accessTime = 0;
  readonly kind = 'stream' as const;
  nodes: StreamNode[] = [];
  length = 0;
  lastId: StreamId = ZERO_ID;
  firstId: StreamId = ZERO_ID;
  maxDeletedId: StreamId = ZERO_ID;
  entriesAdded = 0;
  groups: Map<string, StreamGroup> | null = null;

  encoding(): string {
    return 'stream';
  }

  clone(): StreamValue {
    return decodeStream(encodeStream(this));
  }

  /**
   * streamAppendItem's node choice and append. The caller has checked the ID against last_id.
   * argv[from..] are the field/value pairs.
   */
  append(id: StreamId, argv: readonly string[], from: number, nodeMaxBytes: number, nodeMaxEntries: number): void {
    let totalLen = 0;
    for (let j = from; j < argv.length; j++) totalLen += argv[j]!.length;
    let node = this.nodes.length === 0 ? undefined : this.nodes[this.nodes.length - 1]!;
    if (node !== undefined) {
      const maxBytes = nodeMaxBytes === 0 || nodeMaxBytes > LISTPACK_MAX_SIZE ? LISTPACK_MAX_SIZE : nodeMaxBytes;
      if (node.bytes() + totalLen >= maxBytes) node = undefined;
      else if (nodeMaxEntries !== 0 && node.size >= nodeMaxEntries) node = undefined;
    }
    if (node === undefined) {
      const fields: string[] = [];
      for (let j = from; j < argv.length; j += 2) fields.push(argv[j]!);
      node = new StreamNode(id, fields, nodeMaxEntries > 0 && nodeMaxEntries < 4 ? nodeMaxEntries : 4);
      this.nodes.push(node);
    }
    node.append(id, argv, from);
    this.length++;
    this.entriesAdded++;
    this.lastId = id;
    if (this.length === 1) this.firstId = id;
  }

  /** Index of the last node whose master ID is <= id, or -1 (rax seek "<="). */
  private nodeAtOrBefore(id: StreamId): number {
    let lo = 0;
    let hi = this.nodes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const n = this.nodes[mid]!;
      if (n.masterMs < id.ms || (n.masterMs === id.ms && n.masterSeq <= id.seq)) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /**
   * Calls fn for each live entry with start <= ID <= end, in order (or reversed); fn returns false
   * to stop. fn must not change the stream.
   */
  forRange(start: StreamId, end: StreamId, rev: boolean, fn: (node: StreamNode, i: number) => boolean | void): void {
    const nodes = this.nodes;
    if (!rev) {
      let n = Math.max(0, this.nodeAtOrBefore(start));
      for (; n < nodes.length; n++) {
        const node = nodes[n]!;
        for (let i = node.lowerBound(start); i < node.size; i++) {
          const ms = node.ids[2 * i]!;
          const seq = node.ids[2 * i + 1]!;
          if (ms > end.ms || (ms === end.ms && seq > end.seq)) return;
          if (node.isDeleted(i)) continue;
          if (fn(node, i) === false) return;
        }
      }
    } else {
      let n = this.nodeAtOrBefore(end);
      for (; n >= 0; n--) {
        const node = nodes[n]!;
        let i = node.lowerBound(end);
        if (i === node.size || node.ids[2 * i] !== end.ms || node.ids[2 * i + 1] !== end.seq) i--;
        for (; i >= 0; i--) {
          const ms = node.ids[2 * i]!;
          const seq = node.ids[2 * i + 1]!;
          if (ms < start.ms || (ms === start.ms && seq < start.seq)) return;
          if (node.isDeleted(i)) continue;
          if (fn(node, i) === false) return;
        }
      }
    }
  }

  /** The node and index of a live entry, or undefined. */
  find(id: StreamId): [StreamNode, number] | undefined {
    const n = this.nodeAtOrBefore(id);
    if (n < 0) return undefined;
    const node = this.nodes[n]!;
    const i = node.indexOf(id);
    return i < 0 || node.isDeleted(i) ? undefined : [node, i];
  }

  has(id: StreamId): boolean {
    return this.find(id) !== undefined;
  }

  /** streamDeleteItem: marks the entry deleted, dropping its node when it was the node's last. */
  delete(id: StreamId): boolean {
    const n = this.nodeAtOrBefore(id);
    if (n < 0) return false;
    const node = this.nodes[n]!;
    const i = node.indexOf(id);
    if (i < 0 || node.isDeleted(i)) return false;
    if (node.live === 1) this.nodes.splice(n, 1);
    else node.markDeleted(i);
    this.length--;
    return true;
  }

  /** streamGetEdgeID with tombstones skipped: the first or last live ID, or MAX/ZERO when empty. */
  edgeId(first: boolean): StreamId {
    let found: StreamId | undefined;
    this.forRange(ZERO_ID, MAX_ID, !first, (node, i) => {
      found = node.idAt(i);
      return false;
    });
    return found ?? (first ? MAX_ID : ZERO_ID);
  }

  /** streamTrim: returns the number of entries removed. */
  trim(args: TrimArgs): number {
    let deleted = 0;
    const nodes = this.nodes;
    while (nodes.length > 0) {
      if (args.strategy === 'maxlen' && this.length <= args.maxlen) break;
      const node = nodes[0]!;
      const entries = node.live;
      if (args.limit !== 0 && deleted + entries > args.limit) break;
      let removeNode: boolean;
      if (args.strategy === 'maxlen') {
        removeNode = this.length - entries >= args.maxlen;
      } else {
        removeNode = compareIds(node.idAt(node.size - 1), args.minid) < 0;
      }
      if (removeNode) {
        nodes.shift();
        this.length -= entries;
        deleted += entries;
        continue;
      }
      if (args.approx) break;
      for (let i = 0; i < node.size; i++) {
        const stop = args.strategy === 'maxlen' ? this.length <= args.maxlen : compareIds(node.idAt(i), args.minid) >= 0;
        if (stop) break;
        if (!node.isDeleted(i)) {
          node.markDeleted(i);
          this.length--;
          deleted++;
        }
      }
      break;
    }
    if (this.length === 0) this.firstId = ZERO_ID;
    else if (deleted > 0) this.firstId = this.edgeId(true);
    return deleted;
  }

  // Consumer groups ---------------------------------------------------------------------------

  group(name: string): StreamGroup | undefined {
    return this.groups?.get(name);
  }

  /** streamCreateCG: undefined when the name is taken. */
  createGroup(name: string, lastId: StreamId, entriesRead: number): StreamGroup | undefined {
    if (this.groups === null) this.groups = new Map();
    if (this.groups.has(name)) return undefined;
    const group = new StreamGroup(lastId, entriesRead);
    this.groups.set(name, group);
    return group;
  }

  /** Groups in Redis's rax order (bytewise by name). */
  sortedGroups(): [string, StreamGroup][] {
    if (this.groups === null) return [];
    return [...this.groups].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** streamRangeHasTombstones. */
  rangeHasTombstones(start: StreamId | null, end: StreamId | null): boolean {
    if (this.length === 0 || isZeroId(this.maxDeletedId)) return false;
    if (compareIds(this.firstId, this.maxDeletedId) > 0) return false;
    const s = start ?? ZERO_ID;
    const e = end ?? MAX_ID;
    return compareIds(s, this.maxDeletedId) <= 0 && compareIds(this.maxDeletedId, e) <= 0;
  }

  /** streamEstimateDistanceFromFirstEverEntry; INVALID_ENTRIES_READ when unknown. */
  estimateDistanceFromFirstEverEntry(id: StreamId): number {
    if (this.entriesAdded === 0) return 0;
    if (this.length === 0 && compareIds(id, this.lastId) < 1) return this.entriesAdded;
    const cmpLast = compareIds(id, this.lastId);
    if (cmpLast === 0) return this.entriesAdded;
    if (cmpLast > 0) return INVALID_ENTRIES_READ;
    const cmpFirst = compareIds(id, this.firstId);
    if (isZeroId(this.maxDeletedId) || compareIds(this.maxDeletedId, this.firstId) < 0) {
      if (cmpFirst < 0) return this.entriesAdded - this.length;
      if (cmpFirst === 0) return this.entriesAdded - this.length + 1;
    }
    return INVALID_ENTRIES_READ;
  }

  /** A group's lag (streamReplyWithCGLag), or null when it cannot be known. */
  groupLag(group: StreamGroup): number | null {
    if (this.entriesAdded === 0) return 0;
    if (group.entriesRead !== INVALID_ENTRIES_READ && !this.rangeHasTombstones(group.lastId, null)) {
      return this.entriesAdded - group.entriesRead;
    }
    const read = this.estimateDistanceFromFirstEverEntry(group.lastId);
    return read === INVALID_ENTRIES_READ ? null : this.entriesAdded - read;
  }
}

// ---------------------------------------------------------------------------------------------
// Codec between workers: a latin1 token stream, each token "<length>:<bytes>".

class TokenWriter {
  parts: string[] = [];
  put(s: string | number | bigint): void {
    const t = typeof s === 'string' ? s : String(s);
    this.parts.push(`${t.length}:`, t);
  }
  id(id: StreamId): void {
    this.put(formatId(id));
  }
}

class TokenReader {
  private p = 0;
  private readonly s: string;
  constructor(s: string) {
    this.s = s;
  }
  get(): string {
    const colon = this.s.indexOf(':', this.p);
    const n = Number(this.s.slice(this.p, colon));
    const t = this.s.slice(colon + 1, colon + 1 + n);
    this.p = colon + 1 + n;
    return t;
  }
  num(): number {
    return Number(this.get());
  }
  id(): StreamId {
    const t = this.get();
    const dash = t.indexOf('-');
    return { ms: BigInt(t.slice(0, dash)), seq: BigInt(t.slice(dash + 1)) };
  }
}

/** Serializes every entry (node boundaries included) and the groups with their PELs. */
export function encodeStream(s: StreamValue): string {
  const w = new TokenWriter();
  w.put(s.entriesAdded);
  w.id(s.lastId);
  w.id(s.firstId);
  w.id(s.maxDeletedId);
  w.put(s.nodes.length);
  for (const node of s.nodes) {
    w.put(node.size);
    w.put(node.masterFields.length);
    for (const f of node.masterFields) w.put(f);
    for (let i = 0; i < node.size; i++) {
      w.id(node.idAt(i));
      w.put(node.flags[i]!);
      const n = node.fieldCount(i);
      w.put(n);
      for (let j = 0; j < n; j++) {
        w.put(node.field(i, j));
        w.put(node.value(i, j));
      }
    }
  }
  const groups = s.sortedGroups();
  w.put(groups.length);
  for (const [name, g] of groups) {
    w.put(name);
    w.id(g.lastId);
    w.put(g.entriesRead);
    w.put(g.consumers.size);
    for (const c of g.consumers.values()) {
      w.put(c.name);
      w.put(c.seenTime);
    }
    w.put(g.pel.size);
    for (const [key, nack] of g.pel.entries()) {
      w.put(key);
      w.put(nack.deliveryTime);
      w.put(nack.deliveryCount);
      w.put(nack.consumer === null ? '' : nack.consumer.name);
    }
  }
  return w.parts.join('');
}

export function decodeStream(payload: string): StreamValue {
  const r = new TokenReader(payload);
  const s = new StreamValue();
  s.entriesAdded = r.num();
  s.lastId = r.id();
  s.firstId = r.id();
  s.maxDeletedId = r.id();
  const nodeCount = r.num();
  for (let n = 0; n < nodeCount; n++) {
    const size = r.num();
    const masterFields: string[] = [];
    const fieldCount = r.num();
    for (let j = 0; j < fieldCount; j++) masterFields.push(r.get());
    let node: StreamNode | undefined;
    for (let i = 0; i < size; i++) {
      const id = r.id();
      const flags = r.num();
      const nf = r.num();
      const argv: string[] = [];
      for (let j = 0; j < 2 * nf; j++) argv.push(r.get());
      if (node === undefined) {
        node = new StreamNode(id, masterFields, Math.max(4, size));
        s.nodes.push(node);
      }
      node.append(id, argv, 0);
      s.length++;
      if ((flags & FLAG_DELETED) !== 0) {
        node.markDeleted(i);
        s.length--;
      }
    }
  }
  const groupCount = r.num();
  for (let g = 0; g < groupCount; g++) {
    const name = r.get();
    const group = s.createGroup(name, r.id(), r.num())!;
    const consumerCount = r.num();
    for (let c = 0; c < consumerCount; c++) {
      const cname = r.get();
      group.consumers.set(cname, new StreamConsumer(cname, r.num()));
    }
    const pelCount = r.num();
    for (let p = 0; p < pelCount; p++) {
      const key = r.get();
      const nack: StreamNack = { deliveryTime: r.num(), deliveryCount: r.num(), consumer: null };
      const cname = r.get();
      nack.consumer = group.consumers.get(cname) ?? null;
      group.pel.tryInsert(key, nack);
      nack.consumer?.pel.tryInsert(key, nack);
    }
  }
  return s;
}

registerValueCodec('stream', {
  encode: (value) => encodeStream(value as StreamValue),
  decode: decodeStream,
});
