// Streams in RDB (rdb.c's stream branches, t_stream.c's listpack layout), RDB_TYPE_STREAM_LISTPACKS_2
// written, STREAM_LISTPACKS and STREAM_LISTPACKS_2 read:
//   <node count> per node: <master ID: 16-byte string, ms and seq big-endian> <listpack>
//   <length> <last ID ms> <seq> [v2: <first ID ms> <seq> <max deleted ID ms> <seq> <entries added>]
//   <group count> per group (name order): <name> <last ID ms> <seq> [v2: <entries read>]
//     <PEL size> per NACK (ID order): <ID: 16 raw bytes> <delivery time: ms LE> <delivery count>
//     <consumer count> per consumer (name order): <name> <seen time: ms LE> <PEL size> <IDs: 16 raw bytes>
// A node's listpack: live count, deleted count, master field count, master fields, 0; then per entry
// flags (1 deleted, 2 same fields as the master), ms and seq deltas from the master ID, then either
// the values (same fields) or a field count and field/value pairs, and the entry's element count.

import type { RdbWriter } from './rdb-writer.ts';
import { integrityChecked, type RdbReader } from './rdb-reader.ts';
import { CorruptDataError } from './encoded-int.ts';
import { decodeListpack, encodeListpack } from './listpack.ts';
import {
  INVALID_ENTRIES_READ,
  type StreamId,
  StreamConsumer,
  type StreamNack,
  StreamNode,
  StreamValue,
  idFromKey,
  idKey,
} from '../types/stream-value.ts';

const FLAG_DELETED = 1;
const FLAG_SAMEFIELDS = 2;
const UINT64_MAX = 0xffffffffffffffffn;

function rawId(id: StreamId): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeBigUInt64BE(id.ms, 0);
  b.writeBigUInt64BE(id.seq, 8);
  return b;
}

/** The listpack of one node, as streamAppendItem builds it. */
function nodeListpack(node: StreamNode): Buffer {
  const out: string[] = [String(node.live), String(node.deleted), String(node.masterFields.length), ...node.masterFields, '0'];
  for (let i = 0; i < node.size; i++) {
    const id = node.idAt(i);
    const flags = node.flags[i]!;
    out.push(String(flags), BigInt.asIntN(64, id.ms - node.masterMs).toString(), BigInt.asIntN(64, id.seq - node.masterSeq).toString());
    const n = node.fieldCount(i);
    if (flags & FLAG_SAMEFIELDS) {
      for (let j = 0; j < n; j++) out.push(node.value(i, j));
      out.push(String(n + 3));
    } else {
      out.push(String(n));
      for (let j = 0; j < n; j++) out.push(node.field(i, j), node.value(i, j));
      out.push(String(2 * n + 4));
    }
  }
  return encodeListpack(out);
}

export function writeStream(out: RdbWriter, s: StreamValue): void {
  out.length(s.nodes.length);
  for (const node of s.nodes) {
    out.blob(rawId({ ms: node.masterMs, seq: node.masterSeq }));
    out.blob(nodeListpack(node));
  }
  out.length(s.length);
  out.length(s.lastId.ms);
  out.length(s.lastId.seq);
  out.length(s.firstId.ms);
  out.length(s.firstId.seq);
  out.length(s.maxDeletedId.ms);
  out.length(s.maxDeletedId.seq);
  out.length(s.entriesAdded);
  const groups = s.sortedGroups();
  out.length(groups.length);
  for (const [name, g] of groups) {
    out.string(name);
    out.length(g.lastId.ms);
    out.length(g.lastId.seq);
    out.length(g.entriesRead === INVALID_ENTRIES_READ ? UINT64_MAX : g.entriesRead);
    out.length(g.pel.size);
    for (const [key, nack] of g.pel.entries()) {
      out.bytes(Buffer.from(key, 'hex'));
      out.millis(nack.deliveryTime);
      out.length(nack.deliveryCount);
    }
    const consumers = g.sortedConsumers();
    out.length(consumers.length);
    for (const c of consumers) {
      out.string(c.name);
      out.millis(c.seenTime);
      out.length(c.pel.size);
      for (const [key] of c.pel.entries()) out.bytes(Buffer.from(key, 'hex'));
    }
  }
}

function toInt(s: string | undefined): number {
  if (s === undefined) throw new CorruptDataError('stream listpack too short');
  const v = Number(s);
  if (!Number.isSafeInteger(v)) throw new CorruptDataError('bad stream listpack integer');
  return v;
}

function toBig(s: string | undefined): bigint {
  if (s === undefined || !/^-?\d+$/.test(s)) throw new CorruptDataError('bad stream listpack integer');
  return BigInt(s);
}

/** Rebuilds a node from its master ID and listpack (streamValidateListpackIntegrity's checks). */
function readNode(master: StreamId, entries: string[], shallow: boolean): StreamNode {
  if (entries.length === 0) throw new CorruptDataError('Empty listpack inside stream');
  let p = 0;
  const live = toInt(entries[p++]);
  const deleted = toInt(entries[p++]);
  const masterCount = toInt(entries[p++]);
  if (masterCount < 0 || p + masterCount >= entries.length) throw new CorruptDataError('bad stream master entry');
  const masterFields = entries.slice(p, p + masterCount);
  p += masterCount;
  if (entries[p++] !== '0') throw new CorruptDataError('bad stream master entry terminator');
  const node = new StreamNode(master, masterFields, Math.max(4, live + deleted));
  let seenDeleted = 0;
  while (p < entries.length) {
    const flags = toInt(entries[p++]);
    const ms = BigInt.asUintN(64, master.ms + toBig(entries[p++]));
    const seq = BigInt.asUintN(64, master.seq + toBig(entries[p++]));
    const argv: string[] = [];
    if (flags & FLAG_SAMEFIELDS) {
      if (p + masterCount >= entries.length) throw new CorruptDataError('stream entry overflows');
      for (let j = 0; j < masterCount; j++) argv.push(masterFields[j]!, entries[p++]!);
      if (toInt(entries[p++]) !== masterCount + 3 && !shallow) throw new CorruptDataError('bad stream entry count');
    } else {
      const n = toInt(entries[p++]);
      if (n < 0 || p + 2 * n >= entries.length) throw new CorruptDataError('stream entry overflows');
      for (let j = 0; j < 2 * n; j++) argv.push(entries[p++]!);
      if (toInt(entries[p++]) !== 2 * n + 4 && !shallow) throw new CorruptDataError('bad stream entry count');
    }
    const i = node.size;
    if (i > 0) {
      const prev = node.idAt(i - 1);
      if (ms < prev.ms || (ms === prev.ms && seq <= prev.seq)) throw new CorruptDataError('stream entries out of order');
    }
    node.append({ ms, seq }, argv, 0);
    if (flags & FLAG_DELETED) {
      node.markDeleted(i);
      seenDeleted++;
    }
  }
  if (node.size === 0 || node.live !== live || seenDeleted !== deleted) throw new CorruptDataError('stream node counts mismatch');
  return node;
}

function readId(input: RdbReader): StreamId {
  return { ms: BigInt(input.lengthBig()), seq: BigInt(input.lengthBig()) };
}

function readRawId(input: RdbReader): string {
  return idKey(idFromKey(input.bytes(16).toString('hex')));
}

export function readStream(input: RdbReader, v2: boolean): StreamValue {
  const s = new StreamValue();
  const nodeCount = input.length();
  let previousMaster: StreamId | undefined;
  for (let n = 0; n < nodeCount; n++) {
    const key = input.blob();
    if (key.length !== 16) throw new CorruptDataError('Stream node key entry is not the size of a stream ID');
    const master = { ms: key.readBigUInt64BE(0), seq: key.readBigUInt64BE(8) };
    if (previousMaster !== undefined && (master.ms < previousMaster.ms || (master.ms === previousMaster.ms && master.seq <= previousMaster.seq))) {
      throw new CorruptDataError('Listpack re-added with existing key');
    }
    previousMaster = master;
    const blob = input.blob();
    s.nodes.push(integrityChecked('Stream listpack', () => readNode(master, decodeListpack(blob), input.shallow)));
  }
  s.length = input.length();
  s.lastId = readId(input);
  if (v2) {
    s.firstId = readId(input);
    s.maxDeletedId = readId(input);
    s.entriesAdded = Number(input.lengthBig());
  } else {
    s.entriesAdded = s.length;
    s.firstId = s.edgeId(true);
  }
  let live = 0;
  for (const node of s.nodes) live += node.live;
  if (live !== s.length) throw new CorruptDataError('Stream length inconsistent with rax entries');

  const groupCount = input.length();
  for (let g = 0; g < groupCount; g++) {
    const name = input.string();
    const lastId = readId(input);
    let entriesRead: number;
    if (v2) {
      const v = input.lengthBig();
      entriesRead = v === UINT64_MAX ? INVALID_ENTRIES_READ : Number(v);
    } else {
      entriesRead = s.estimateDistanceFromFirstEverEntry(lastId);
    }
    const group = s.createGroup(name, lastId, entriesRead);
    if (group === undefined) throw new CorruptDataError(`Duplicated consumer group name ${name}`);
    const pelSize = input.length();
    for (let i = 0; i < pelSize; i++) {
      const key = readRawId(input);
      const nack: StreamNack = { deliveryTime: input.millis(), deliveryCount: input.length(), consumer: null };
      if (!group.pel.tryInsert(key, nack)) throw new CorruptDataError('Duplicated global PEL entry loading stream consumer group');
    }
    const consumerCount = input.length();
    for (let c = 0; c < consumerCount; c++) {
      const cname = input.string();
      if (group.consumers.has(cname)) throw new CorruptDataError('Duplicate stream consumer detected.');
      const consumer = new StreamConsumer(cname, input.millis());
      group.consumers.set(cname, consumer);
      const n = input.length();
      for (let i = 0; i < n; i++) {
        const key = readRawId(input);
        const nack = group.pel.get(key);
        if (nack === undefined) throw new CorruptDataError('Consumer entry not found in group global PEL');
        nack.consumer = consumer;
        if (!consumer.pel.tryInsert(key, nack)) throw new CorruptDataError('Duplicated consumer PEL entry loading a stream consumer group');
      }
    }
  }
  return s;
}
