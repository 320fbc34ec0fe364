// The list type (Redis's quicklist.c in spirit): a deque of chunks, each a small array of latin1
// strings with a live window [start, end). Pushes and pops at either end are O(1); index lookups
// skip whole chunks from the nearer end (O(n / chunk)); a chunk holds at most CHUNK_MAX elements so
// inserting or deleting inside one moves at most that many pointers.
//
// Memory: a full chunk that stops being an end chunk is packed into one Buffer (each element
// prefixed with its length as a varint, like a listpack entry), so a long list costs a few bytes per
// element over its contents instead of a pointer and a string header each. The Buffer's bytes live
// outside the V8 heap: a packed string would be copied by every young-generation GC it survives and
// push V8 into growing the young generation (tens of MB of RSS while a big list is filled), where
// a Buffer leaves only its small wrapper on the heap. Reads turn the chunk's bytes into one latin1
// string and slice the elements out of it; trimming the head of a packed chunk only advances a
// cursor; any other change to a packed chunk (pops included) unpacks it first (at most CHUNK_MAX
// elements).
//
// Redis 7.0 reports OBJECT ENCODING "quicklist" for every list, whatever its size (the listpack
// encoding of small lists arrived in 7.2): encoding() answers the same.

import type { RedisObject } from './value.ts';
import { latin1Slice } from '../resp/latin1.ts';

/** The most elements one chunk holds. */
export const CHUNK_MAX = 128;
/** Capacity of the first chunk of a new list: small lists stay small. */
const CHUNK_MIN = 4;
/** What an unused slot holds (so that popped strings are released and arrays stay packed). */
const HOLE = '';
const NO_ITEMS: string[] = [];
/** Scratch space of pack(), grown on demand. */
let packScratch = Buffer.allocUnsafe(16 * 1024);

class Chunk {
  /** Unpacked: the elements, live in items[start .. end). Packed: NO_ITEMS. */
  items: string[];
  /** Unpacked: array indexes. Packed: element numbers (start counts elements popped from the head). */
  start: number;
  end: number;
  /** Packed: the elements from element `start` on, each as a varint length then its bytes, from byte packedPos. */
  packed: Buffer | null = null;
  packedPos = 0;

  /** `items`: a cleared array of `capacity` slots to reuse (one a packed chunk gave up), else a new one. */
  constructor(capacity: number, atHead: boolean, items?: string[]) {
    this.items = items ?? new Array<string>(capacity).fill(HOLE);
    this.start = this.end = atHead ? capacity : 0;
  }

  /**
   * Replaces the array by one Buffer (done to full interior chunks). Returns the array, cleared, for
   * the chunk that is being created next to this one: filling a big list then allocates one array
   * per list instead of one per 128 elements, which is garbage the young generation has to scan.
   */
  pack(): string[] {
    // Written byte by byte into a scratch Buffer and read back as latin1: one flat string, several
    // times faster than Array.join and without the cons nodes a += rope would keep.
    let size = 0;
    for (let i = this.start; i < this.end; i++) {
      const n = this.items[i]!.length;
      size += n + (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5);
    }
    if (packScratch.length < size) packScratch = Buffer.allocUnsafe(Math.max(size, packScratch.length * 2));
    const buf = packScratch;
    let pos = 0;
    for (let i = this.start; i < this.end; i++) {
      const v = this.items[i]!;
      let n = v.length;
      while (n >= 0x80) {
        buf[pos++] = (n & 0x7f) | 0x80;
        n = Math.floor(n / 0x80);
      }
      buf[pos++] = n;
      if (v.length <= 32) {
        for (let j = 0; j < v.length; j++) buf[pos++] = v.charCodeAt(j);
      } else {
        pos += buf.write(v, pos, 'latin1');
      }
    }
    const packed = Buffer.allocUnsafeSlow(pos);
    buf.copy(packed, 0, 0, pos);
    this.packed = packed;
    this.packedPos = 0;
    this.end -= this.start;
    this.start = 0;
    const items = this.items;
    this.items = NO_ITEMS;
    return items.fill(HOLE);
  }

  /** Back to an array of CHUNK_MAX slots holding the live elements at its start. */
  unpack(): void {
    const size = this.end - this.start;
    const items = new Array<string>(CHUNK_MAX).fill(HOLE);
    this.decodeInto(0, size, items);
    this.items = items;
    this.start = 0;
    this.end = size;
    this.packed = null;
  }

  /** Live elements [from, to) of a packed chunk, decoded. */
  decode(from: number, to: number): string[] {
    const out: string[] = new Array(to - from);
    this.decodeInto(from, to, out);
    return out;
  }

  /** Live elements [from, to) of a packed chunk, decoded into out[0 .. to - from). */
  decodeInto(from: number, to: number, out: string[]): void {
    // One native call for the chunk's bytes, then cheap slices of that string.
    const packed = latin1Slice(this.packed!, this.packedPos, this.packed!.length);
    let pos = 0;
    for (let i = 0; i < to; i++) {
      let n = packed.charCodeAt(pos++);
      if (n >= 0x80) {
        n &= 0x7f;
        let scale = 0x80;
        for (;;) {
          const c = packed.charCodeAt(pos++);
          n += (c & 0x7f) * scale;
          if (c < 0x80) break;
          scale *= 0x80;
        }
      }
      if (i >= from) out[i - from] = packed.slice(pos, pos + n);
      pos += n;
    }
  }

  /** Serialized bytes (length varint + bytes) of the live elements of a packed chunk. */
  get packedBytes(): number {
    return this.packed!.length - this.packedPos;
  }

  /** Drops n elements from the head of a packed chunk (trims). */
  skipPacked(n: number): void {
    const packed = this.packed!;
    let pos = this.packedPos;
    for (let i = 0; i < n; i++) {
      let len = packed[pos++]!;
      if (len >= 0x80) {
        len &= 0x7f;
        let scale = 0x80;
        for (;;) {
          const c = packed[pos++]!;
          len += (c & 0x7f) * scale;
          if (c < 0x80) break;
          scale *= 0x80;
        }
      }
      pos += len;
    }
    this.packedPos = pos;
    this.start += n;
  }

  get size(): number {
    return this.end - this.start;
  }

  /**
   * Makes room for one element at the head or the tail by moving the live window into a larger (or
   * re-centred) array; false when the chunk is full and a new chunk is needed.
   */
  makeRoom(atHead: boolean): boolean {
    const size = this.end - this.start;
    if (size >= CHUNK_MAX) return false;
    const capacity = Math.min(CHUNK_MAX, Math.max(CHUNK_MIN, size * 2));
    const items = new Array<string>(capacity).fill(HOLE);
    const start = atHead ? capacity - size : 0;
    for (let i = 0; i < size; i++) items[start + i] = this.items[this.start + i]!;
    this.items = items;
    this.start = start;
    this.end = start + size;
    return true;
  }

  /** Inserts v before offset `at` of the live window (0 ≤ at ≤ size); the chunk must not be full. */
  insert(at: number, v: string): void {
    const items = this.items;
    if (this.end < items.length) {
      for (let i = this.end; i > this.start + at; i--) items[i] = items[i - 1]!;
      items[this.start + at] = v;
      this.end++;
    } else if (this.start > 0) {
      this.start--;
      for (let i = this.start; i < this.start + at; i++) items[i] = items[i + 1]!;
      items[this.start + at] = v;
    } else {
      // Full array but not at CHUNK_MAX: grow towards the tail, then insert.
      this.makeRoom(false);
      this.insert(at, v);
    }
  }
}

/** A length as a little-endian base-128 varint of latin1 chars (high bit: more follow). */
export function varint(n: number): string {
  if (n < 0x80) return String.fromCharCode(n);
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode((n & 0x7f) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

/** Where locate() found an index: the chunk's position in the ring and the offset in its window. */
interface Position {
  chunk: number;
  offset: number;
}

export class ListValue implements RedisObject {
  /** OBJECT IDLETIME's clock (RedisObject.accessTime). */
  accessTime = 0;
  readonly kind = 'list' as const;
  /** Chunks live in chunks[first .. last): free room at both ends keeps chunk pushes O(1) amortized. */
  private chunks: Array<Chunk | undefined>;
  private first: number;
  private last: number;
  length = 0;
  /** An emptied full-size chunk kept for the next new chunk (no allocation when pushes and pops alternate at a chunk boundary). */
  private spare: Chunk | undefined = undefined;
  private readonly found: Position = { chunk: 0, offset: 0 };

  constructor() {
    this.chunks = new Array<Chunk | undefined>(2);
    this.first = this.last = 1;
  }

  encoding(): string {
    return 'quicklist';
  }

  clone(): ListValue {
    const copy = new ListValue();
    this.forEach(false, (v) => {
      copy.pushTail(v);
      return true;
    });
    return copy;
  }

  /** A list of the given elements, head first. */
  static from(values: Iterable<string>): ListValue {
    const list = new ListValue();
    for (const v of values) list.pushTail(v);
    return list;
  }

  /** Every element, head first (tests, serialization). */
  toArray(): string[] {
    const out: string[] = new Array(this.length);
    let n = 0;
    for (let c = this.first; c < this.last; c++) {
      const chunk = this.chunks[c]!;
      if (chunk.packed !== null) for (const v of chunk.decode(0, chunk.size)) out[n++] = v;
      else for (let i = chunk.start; i < chunk.end; i++) out[n++] = chunk.items[i]!;
    }
    return out;
  }

  /**
   * Average serialized bytes per element (length varint + bytes), measured on the chunks at
   * `samples` positions spread over the list: O(samples), where get(i) walks chunks (size estimates
   * for maxmemory's sampling and MEMORY USAGE, which run every timer tick).
   */
  sampledElementBytes(samples: number): number {
    const count = this.last - this.first;
    if (count === 0) return 0;
    let bytes = 0;
    let elements = 0;
    for (let s = 0; s < samples; s++) {
      const chunk = this.chunks[this.first + Math.floor(((s + 0.5) * count) / samples)]!;
      if (chunk.packed !== null) {
        bytes += chunk.packedBytes;
        elements += chunk.size;
      } else {
        // An unpacked chunk counts as its size times its middle element, like a packed one of that size.
        const n = chunk.items[chunk.start + (chunk.size >> 1)]!.length;
        bytes += (n + (n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4)) * chunk.size;
        elements += chunk.size;
      }
    }
    return bytes / elements;
  }

  /** Number of chunks (memory reports and tests). */
  get chunkCount(): number {
    return this.last - this.first;
  }

  /** Number of chunks held packed (memory reports and tests). */
  get packedChunkCount(): number {
    let n = 0;
    for (let c = this.first; c < this.last; c++) if (this.chunks[c]!.packed !== null) n++;
    return n;
  }

  pushHead(v: string): void {
    let chunk = this.last > this.first ? this.chunks[this.first]! : undefined;
    if (chunk === undefined || chunk.packed !== null || (chunk.start === 0 && !chunk.makeRoom(true))) {
      chunk = this.newChunk(true);
    }
    chunk.items[--chunk.start] = v;
    this.length++;
  }

  pushTail(v: string): void {
    let chunk = this.last > this.first ? this.chunks[this.last - 1]! : undefined;
    if (chunk === undefined || chunk.packed !== null || (chunk.end === chunk.items.length && !chunk.makeRoom(false))) {
      chunk = this.newChunk(false);
    }
    chunk.items[chunk.end++] = v;
    this.length++;
  }

  popHead(): string | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[this.first]!;
    if (chunk.packed !== null) chunk.unpack();
    const v = chunk.items[chunk.start]!;
    chunk.items[chunk.start++] = HOLE;
    this.length--;
    if (chunk.start === chunk.end) {
      this.chunks[this.first++] = undefined;
      this.keepSpare(chunk);
    }
    return v;
  }

  popTail(): string | undefined {
    if (this.length === 0) return undefined;
    const chunk = this.chunks[this.last - 1]!;
    if (chunk.packed !== null) chunk.unpack();
    const v = chunk.items[--chunk.end]!;
    chunk.items[chunk.end] = HOLE;
    this.length--;
    if (chunk.start === chunk.end) {
      this.chunks[--this.last] = undefined;
      this.keepSpare(chunk);
    }
    return v;
  }

  /** The element at index (0 ≤ index < length). */
  get(index: number): string {
    const at = this.locate(index);
    const chunk = this.chunks[at.chunk]!;
    if (chunk.packed !== null) return chunk.decode(at.offset, at.offset + 1)[0]!;
    return chunk.items[chunk.start + at.offset]!;
  }

  /** Replaces the element at index (0 ≤ index < length). */
  set(index: number, v: string): void {
    const at = this.locate(index);
    const chunk = this.chunks[at.chunk]!;
    if (chunk.packed !== null) chunk.unpack();
    chunk.items[chunk.start + at.offset] = v;
  }

  /** Inserts v so that it ends up at index (0 ≤ index ≤ length). */
  insert(index: number, v: string): void {
    if (index === 0) return this.pushHead(v);
    if (index === this.length) return this.pushTail(v);
    const at = this.locate(index);
    const chunk = this.chunks[at.chunk]!;
    if (chunk.packed !== null) chunk.unpack();
    if (chunk.size < CHUNK_MAX) {
      chunk.insert(at.offset, v);
    } else {
      // Split the full chunk in two halves, then insert into the half that holds the position.
      const half = CHUNK_MAX >> 1;
      const right = new Chunk(CHUNK_MAX, false);
      for (let i = chunk.start + half; i < chunk.end; i++) {
        right.items[right.end++] = chunk.items[i]!;
        chunk.items[i] = HOLE;
      }
      chunk.end = chunk.start + half;
      this.insertChunk(at.chunk + 1, right);
      if (at.offset <= half) chunk.insert(at.offset, v);
      else right.insert(at.offset - half, v);
    }
    this.length++;
  }

  /** Removes `head` elements from the head and `tail` from the tail (LTRIM, pops with a count). */
  trim(head: number, tail: number): void {
    if (head + tail >= this.length) {
      this.chunks = new Array<Chunk | undefined>(2);
      this.first = this.last = 1;
      this.length = 0;
      this.spare = undefined;
      return;
    }
    this.length -= head + tail;
    while (head > 0) {
      const chunk = this.chunks[this.first]!;
      if (chunk.size <= head) {
        head -= chunk.size;
        this.chunks[this.first++] = undefined;
      } else {
        if (chunk.packed !== null) {
          chunk.skipPacked(head);
        } else {
          chunk.items.fill(HOLE, chunk.start, chunk.start + head);
          chunk.start += head;
        }
        head = 0;
      }
    }
    while (tail > 0) {
      const chunk = this.chunks[this.last - 1]!;
      if (chunk.size <= tail) {
        tail -= chunk.size;
        this.chunks[--this.last] = undefined;
      } else {
        if (chunk.packed === null) chunk.items.fill(HOLE, chunk.end - tail, chunk.end);
        chunk.end -= tail;
        tail = 0;
      }
    }
  }

  /** Index of the first element equal to v from the head, or -1. */
  indexOf(v: string): number {
    let base = 0;
    for (let c = this.first; c < this.last; c++) {
      const chunk = this.chunks[c]!;
      if (chunk.packed !== null) {
        const found = chunk.packed.includes(v, chunk.packedPos, 'latin1') ? chunk.decode(0, chunk.size).indexOf(v) : -1;
        if (found >= 0) return base + found;
      } else {
        const items = chunk.items;
        for (let i = chunk.start; i < chunk.end; i++) if (items[i] === v) return base + i - chunk.start;
      }
      base += chunk.size;
    }
    return -1;
  }

  /**
   * Removes elements equal to v: at most `limit` of them (0: all), the first ones from the head, or
   * from the tail when fromTail. Returns how many went. Rebuilds the chunks densely when any did.
   */
  removeMatching(v: string, limit: number, fromTail: boolean): number {
    let matches = 0;
    this.forEach(fromTail, (e) => {
      if (e === v) matches++;
      return limit === 0 || matches < limit;
    });
    if (matches === 0) return 0;
    const rebuilt = new ListValue();
    let removed = 0;
    this.forEach(fromTail, (e) => {
      if (e === v && removed < matches) removed++;
      else if (fromTail) rebuilt.pushHead(e);
      else rebuilt.pushTail(e);
      return true;
    });
    this.chunks = rebuilt.chunks;
    this.first = rebuilt.first;
    this.last = rebuilt.last;
    this.length = rebuilt.length;
    this.spare = undefined;
    return removed;
  }

  /**
   * Visits elements from the head (or from the tail when fromTail) until visit returns false.
   * Returns how many were visited.
   */
  forEach(fromTail: boolean, visit: (v: string) => boolean): number {
    let n = 0;
    if (!fromTail) {
      for (let c = this.first; c < this.last; c++) {
        const chunk = this.chunks[c]!;
        const items = chunk.packed !== null ? chunk.decode(0, chunk.size) : chunk.items;
        const start = chunk.packed !== null ? 0 : chunk.start;
        const end = start + chunk.size;
        for (let i = start; i < end; i++) {
          n++;
          if (!visit(items[i]!)) return n;
        }
      }
    } else {
      for (let c = this.last - 1; c >= this.first; c--) {
        const chunk = this.chunks[c]!;
        const items = chunk.packed !== null ? chunk.decode(0, chunk.size) : chunk.items;
        const start = chunk.packed !== null ? 0 : chunk.start;
        for (let i = start + chunk.size - 1; i >= start; i--) {
          n++;
          if (!visit(items[i]!)) return n;
        }
      }
    }
    return n;
  }

  /** Writes elements start..end (inclusive, 0 ≤ start ≤ end < length) head to tail into sink. */
  writeRange(start: number, end: number, sink: { bulk(s: string): void }): void {
    let left = end - start + 1;
    const at = this.locate(start);
    let offset = at.offset;
    for (let c = at.chunk; left > 0; c++) {
      const chunk = this.chunks[c]!;
      const take = Math.min(chunk.size - offset, left);
      if (chunk.packed !== null) {
        const items = chunk.decode(offset, offset + take);
        for (let i = 0; i < take; i++) sink.bulk(items[i]!);
      } else {
        const items = chunk.items;
        const from = chunk.start + offset;
        for (let i = from; i < from + take; i++) sink.bulk(items[i]!);
      }
      left -= take;
      offset = 0;
    }
  }

  /** The chunk and offset holding index, walking whole chunks from the nearer end. */
  private locate(index: number): Position {
    const found = this.found;
    if (index < this.length >> 1) {
      let c = this.first;
      let size = this.chunks[c]!.size;
      while (index >= size) {
        index -= size;
        size = this.chunks[++c]!.size;
      }
      found.chunk = c;
      found.offset = index;
    } else {
      let fromEnd = this.length - 1 - index;
      let c = this.last - 1;
      let size = this.chunks[c]!.size;
      while (fromEnd >= size) {
        fromEnd -= size;
        size = this.chunks[--c]!.size;
      }
      found.chunk = c;
      found.offset = size - 1 - fromEnd;
    }
    return found;
  }

  /** Keeps an emptied full-size chunk while the list still has others (its slots are already cleared). */
  private keepSpare(chunk: Chunk): void {
    if (this.length !== 0 && chunk.items.length === CHUNK_MAX) this.spare = chunk;
  }

  /** A new empty chunk at the head or the tail, with room to grow towards the outside. */
  private newChunk(atHead: boolean): Chunk {
    let recycled: string[] | undefined;
    if (this.length !== 0) {
      // The current end chunk is full and about to become an interior one: pack it.
      const neighbour = this.chunks[atHead ? this.first : this.last - 1]!;
      if (neighbour.packed === null && neighbour.size === CHUNK_MAX) recycled = neighbour.pack();
    }
    let chunk: Chunk;
    if (this.length === 0) {
      this.spare = undefined;
      chunk = new Chunk(CHUNK_MIN, atHead);
    } else if (this.spare !== undefined) {
      chunk = this.spare;
      this.spare = undefined;
      chunk.start = chunk.end = atHead ? CHUNK_MAX : 0;
    } else {
      // A full chunk's array has CHUNK_MAX slots: the packed neighbour's is the right size.
      chunk = new Chunk(CHUNK_MAX, atHead, recycled);
    }
    if (atHead) {
      if (this.first === 0) this.regrow();
      this.chunks[--this.first] = chunk;
    } else {
      if (this.last === this.chunks.length) this.regrow();
      this.chunks[this.last++] = chunk;
    }
    return chunk;
  }

  /** Inserts a chunk at ring position pos (first < pos ≤ last), moving the tail side along. */
  private insertChunk(pos: number, chunk: Chunk): void {
    if (this.last === this.chunks.length) {
      const shift = this.regrow();
      pos += shift;
    }
    for (let c = this.last; c > pos; c--) this.chunks[c] = this.chunks[c - 1];
    this.chunks[pos] = chunk;
    this.last++;
  }

  /** Re-centres the chunks in an array twice as large as they need; returns how far they moved. */
  private regrow(): number {
    const count = this.last - this.first;
    const capacity = Math.max(4, count * 2 + 2);
    const chunks = new Array<Chunk | undefined>(capacity);
    const first = (capacity - count) >> 1;
    for (let c = 0; c < count; c++) chunks[first + c] = this.chunks[this.first + c];
    const shift = first - this.first;
    this.chunks = chunks;
    this.first = first;
    this.last = first + count;
    return shift;
  }
}
