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
// Positions are dense, as the rest of shoal expects (HRANDFIELD picks one, HSCAN walks them):
// deleting moves the last pair into the hole. Deleting from the slot table shifts the following
// run of the cluster back (no tombstones), so lookups never slow down after many deletes.

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

const MIN_SLOTS = 16;

export class PackedHashTable {
  /** The pairs, dense in [0, size). */
  private pairs: string[] = [];
  /** hashes[i]: hashString of pairs[i]'s field. */
  private hashes = new Int32Array(8);
  /** Open-addressing slots: 0 empty, else position + 1. Length is a power of two. */
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;

  get size(): number {
    return this.pairs.length;
  }

  fieldAt(i: number): string {
    const pair = this.pairs[i]!;
    let start = 1;
    while (pair.charCodeAt(start - 1) >= 0x80) start++;
    return pair.slice(start, fieldEnd(pair));
  }

  valueAt(i: number): string {
    const pair = this.pairs[i]!;
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
      this.pairs[at] = packPair(field, value);
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
    const h = hashString(field);
    const slot = this.findSlot(field, h);
    if (slot < 0) return false;
    const at = this.slots[slot]! - 1;
    this.removeSlot(slot);
    const last = this.pairs.length - 1;
    if (at !== last) {
      // Move the last pair into the hole and point its slot at the new position.
      const movedHash = this.hashes[last]!;
      let s = movedHash & this.mask;
      while (this.slots[s] !== last + 1) s = (s + 1) & this.mask;
      this.slots[s] = at + 1;
      this.pairs[at] = this.pairs[last]!;
      this.hashes[at] = movedHash;
    }
    this.pairs.pop();
    return true;
  }

  clone(): PackedHashTable {
    const copy = new PackedHashTable();
    copy.pairs = this.pairs.slice();
    copy.hashes = this.hashes.slice();
    copy.slots = this.slots.slice();
    copy.mask = this.mask;
    return copy;
  }

  private append(field: string, value: string, h: number): void {
    const at = this.pairs.length;
    if ((at + 1) * 4 > this.slots.length * 3) this.resize(this.slots.length * 2);
    if (at === this.hashes.length) {
      const hashes = new Int32Array(at * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.pairs.push(packPair(field, value));
    this.hashes[at] = h;
    let s = h & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = at + 1;
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
      const pair = this.pairs[p - 1]!;
      if (fieldEnd(pair) === header + field.length && pair.startsWith(field, header)) return s;
    }
  }

  /** Empties a slot, shifting back later members of its cluster that may not skip the hole. */
  private removeSlot(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = hole;
    for (;;) {
      s = (s + 1) & mask;
      const p = slots[s]!;
      if (p === 0) break;
      const home = this.hashes[p - 1]! & mask;
      // p may move to the hole when its home is not in the cyclic range (hole, s].
      const inRange = hole <= s ? home > hole && home <= s : home > hole || home <= s;
      if (!inRange) {
        slots[hole] = p;
        hole = s;
      }
    }
    slots[hole] = 0;
  }

  private resize(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    const hashes = this.hashes;
    for (let i = 0; i < this.pairs.length; i++) {
      let s = hashes[i]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
