// The storage of a large hash (the "hashtable" encoding of hash-value.ts): field -> value pairs kept
// compact for V8.
//
// A Map<string, number> plus arrays of fields and values costs two string headers, a Map entry and
// two array slots per pair (about 130 bytes for 17-byte fields and values, against Redis's ~116).
// Here each pair is ONE flat latin1 string, varint(field length) + field + value, held in a dense
// array of positions, and the index is open addressing over typed arrays: a slot table of
// (position + 1) with linear probing, and each position's 32-bit hash (to reject most probes
// without touching the strings, and to rehash without rehashing strings). About 80 bytes per pair.
//
// The dense positions and the slot table are DenseHashIndex's (dense-hash-index.ts), shared with
// the sets' member-table.ts.

import { DenseHashIndex } from './dense-hash-index.ts';

/** Per-process seed, so that the layout of a table is not predictable from the fields alone. */
const SEED = (Math.random() * 0x100000000) | 0;

/** 32-bit hash of a latin1 string: FNV-1a over its chars, then murmur3's finalizer for the low bits. */
export function hashString(s: string): number {
  let h = SEED ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** Scratch space for building a pair string, grown on demand. */
let scratch = Buffer.allocUnsafe(256);

interface Latin1Slice {
  latin1Slice(start: number, end: number): string;
}

/** One flat string varint(field.length) + field + value (a `+` would make a rope holding both parts). */
function packPair(field: string, value: string): string {
  const size = field.length + value.length + 5;
  if (scratch.length < size) scratch = Buffer.allocUnsafe(Math.max(size, scratch.length * 2));
  const buf = scratch;
  let pos = 0;
  let n = field.length;
  while (n >= 0x80) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n = Math.floor(n / 0x80);
  }
  buf[pos++] = n;
  pos = writeLatin1(buf, field, pos);
  pos = writeLatin1(buf, value, pos);
  return (buf as unknown as Latin1Slice).latin1Slice(0, pos);
}

function writeLatin1(buf: Buffer, s: string, pos: number): number {
  if (s.length <= 32) {
    for (let j = 0; j < s.length; j++) buf[pos++] = s.charCodeAt(j);
    return pos;
  }
  return pos + buf.write(s, pos, 'latin1');
}

/** Where the field of a pair string ends (its value starts); the field starts at headerLength(). */
function fieldEnd(pair: string): number {
  let n = pair.charCodeAt(0);
  if (n < 0x80) return 1 + n;
  let pos = 1;
  n &= 0x7f;
  let scale = 0x80;
  for (;;) {
    const c = pair.charCodeAt(pos++);
    n += (c & 0x7f) * scale;
    if (c < 0x80) break;
    scale *= 0x80;
  }
  return pos + n;
}

/** Length of the varint header for a field of length n. */
function headerLength(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

/** The pairs (entries, one flat string each) indexed by their field's hash (dense-hash-index.ts). */
export class PackedHashTable extends DenseHashIndex<string> {
  fieldAt(i: number): string {
    const pair = this.entries[i]!;
    let start = 1;
    while (pair.charCodeAt(start - 1) >= 0x80) start++;
    return pair.slice(start, fieldEnd(pair));
  }

  valueAt(i: number): string {
    const pair = this.entries[i]!;
    return pair.slice(fieldEnd(pair));
  }

  /** Position of field, or -1. */
  indexOf(field: string): number {
    return this.find(field, hashString(field));
  }

  /** Sets field to value: true when the field is new. */
  set(field: string, value: string): boolean {
    const h = hashString(field);
    const at = this.find(field, h);
    if (at >= 0) {
      this.entries[at] = packPair(field, value);
      return false;
    }
    this.append(field, value, h);
    return true;
  }

  /** Appends a pair whose field the caller knows is absent (building from a listpack or a payload). */
  add(field: string, value: string): void {
    this.append(field, value, hashString(field));
  }

  /** Removes a field; true when it was there. */
  delete(field: string): boolean {
    const slot = this.findSlot(field, hashString(field));
    if (slot < 0) return false;
    this.deleteSlot(slot);
    return true;
  }

  clone(): PackedHashTable {
    const copy = new PackedHashTable();
    this.copyInto(copy);
    return copy;
  }

  private append(field: string, value: string, h: number): void {
    this.appendEntry(packPair(field, value), h);
  }

  private find(field: string, h: number): number {
    const slot = this.findSlot(field, h);
    return slot < 0 ? -1 : this.slots[slot]! - 1;
  }

  /** The slot holding field, or -1. */
  private findSlot(field: string, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    const header = headerLength(field.length);
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = slots[s]!;
      if (p === 0) return -1;
      if (this.hashes[p - 1] !== h) continue;
      const pair = this.entries[p - 1]!;
      if (fieldEnd(pair) === header + field.length && pair.startsWith(field, header)) return s;
    }
  }
}
