import { SLOT_COUNT, keyHashSlot } from '../cluster/key-slot.ts';
import { latin1Short, latin1Write } from '../resp/latin1.ts';
import { accessClock } from './access-clock.ts';

// The off-heap string store DESIGN.md plans for the keyspace: string keys with string values, kept as
// latin1 bytes in 1 MB arena chunks outside the JS heap, found by open addressing over two typed
// arrays. A lookup hashes the key where it lies (a request buffer or a JS string), probes the typed
// arrays, and compares bytes in the arena: no key string is made, no Map entry or string object is
// touched, and the garbage collector never scans or moves any of it. bench/micro/keyspace-lookup.ts
// measures it against today's Map-per-slot keyspace (3-5x faster per lookup on the 2-core VM).
//
// Entries of one slot form a doubly linked list, so SCAN, slot migration and snapshots walk a slot
// without scanning the table. Entries larger than MAX_ENTRY_BYTES are not stored here: a database
// keeps such values on the JS heap, where a copy into the arena would cost more than it saves.
// Database (src/shard/database.ts) keeps every string value that fits here.

const CHUNK_BITS = 20;
const CHUNK_BYTES = 1 << CHUNK_BITS;
const OFFSET_MASK = CHUNK_BYTES - 1;
/** Addresses are int32 (chunk << 20 | offset): 2047 chunks, just under 2 GB per table. */
const MAX_CHUNKS = 2047;

// Entry header, eight int32 words, then the key bytes, then the value bytes; entries are 8-aligned.
const W_HASH = 0;
const W_NEXT = 1;
const W_PREV = 2;
const W_CAPACITY = 3;
const W_KEY_LENGTH = 4;
const W_VALUE_LENGTH = 5;
const W_SLOT = 6;
/** When the key was last created, written or looked up (access-clock.ts seconds: OBJECT IDLETIME). */
const W_ACCESS = 7;
const HEADER_BYTES = 32;

/** The largest entry (header, key and value) the table takes. */
export const MAX_ENTRY_BYTES = 16 * 1024;

const NONE = -1;
const MIN_BUCKETS = 64;
/** Stands for both per-slot arrays until the first key: every slot empty (-1 and 0 read alike below). */
const EMPTY_SLOTS = new Int32Array(0);

/** Allocation sizes: multiples of 8 up to 512 bytes, then powers of two (at most 2x waste, rare). */
function allocationSize(bytes: number): number {
  if (bytes <= 512) return (bytes + 7) & ~7;
  return 1 << (32 - Math.clz32(bytes - 1));
}

function sizeClass(size: number): number {
  return size <= 512 ? size >> 3 : 64 + (31 - Math.clz32(size)) - 9;
}

/** FNV-1a with a per-process seed and murmur3's finalizer (linear probing needs well-mixed low bits). */
const SEED = (Math.random() * 0x7fffffff) | 0;

function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // 0 marks an empty bucket.
  return h === 0 ? 1 : h;
}

function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return finish(h);
}

function hashString(s: string): number {
  let h = 0x811c9dc5 ^ SEED;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return finish(h);
}

export class StringTable {
  /** Keys stored. */
  size = 0;
  private hashes = new Int32Array(MIN_BUCKETS);
  private addresses = new Int32Array(MIN_BUCKETS);
  private mask = MIN_BUCKETS - 1;
  private readonly chunks: Buffer[] = [];
  private readonly words: Int32Array[] = [];
  /** Where the next bump allocation goes (an address), and the end of the current chunk. */
  private bump = 0;
  private bumpEnd = 0;
  private readonly free: number[][] = [];
  // Per-slot lists, allocated with the first key (16 empty databases per worker cost nothing).
  private slotHeads = EMPTY_SLOTS;
  private slotCounts = EMPTY_SLOTS;
  /** Bytes of live entries' allocations (for used_memory). */
  allocatedBytes = 0;
  /** Bucket index of the last successful find (set() and delete() reuse it). */
  private lastBucket = -1;
  /** Hash of the key of the last find (set() inserts with it after a miss). */
  private lastHash = 0;

  /**
   * True when an entry for a key and value of these lengths fits, in size and in the arena (a full
   * arena, ~2 GB, takes no more: the database keeps further strings on the JS heap).
   */
  accepts(keyLength: number, valueLength: number): boolean {
    const bytes = HEADER_BYTES + keyLength + valueLength;
    if (bytes > MAX_ENTRY_BYTES) return false;
    if (this.chunks.length < MAX_CHUNKS) return true;
    const size = allocationSize(bytes);
    return this.bump + size <= this.bumpEnd || (this.free[sizeClass(size)]?.length ?? 0) > 0;
  }

  // ---- lookups: an entry's address, or -1 ----
  // find and findBytes are the same probe with a different key comparison, written twice so that
  // each hot loop compares inline (a comparison passed as a function would be a call per probe).

  find(key: string): number {
    const h = hashString(key);
    this.lastHash = h;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = h & mask; hashes[i] !== 0; i = (i + 1) & mask) {
      if (hashes[i] !== h) continue;
      const at = this.addresses[i]!;
      if (this.keyEquals(at, key)) {
        this.lastBucket = i;
        return at;
      }
    }
    return NONE;
  }

  findBytes(b: Uint8Array, start: number, end: number): number {
    const h = hashBytes(b, start, end);
    this.lastHash = h;
    const hashes = this.hashes;
    const mask = this.mask;
    for (let i = h & mask; hashes[i] !== 0; i = (i + 1) & mask) {
      if (hashes[i] !== h) continue;
      const at = this.addresses[i]!;
      if (this.keyEqualsBytes(at, b, start, end)) {
        this.lastBucket = i;
        return at;
      }
    }
    return NONE;
  }

  private keyEquals(at: number, key: string): boolean {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const length = words[w + W_KEY_LENGTH]!;
    if (length !== key.length) return false;
    const bytes = this.chunks[at >>> CHUNK_BITS]!;
    const from = (at & OFFSET_MASK) + HEADER_BYTES;
    for (let i = 0; i < length; i++) if (bytes[from + i] !== key.charCodeAt(i)) return false;
    return true;
  }

  private keyEqualsBytes(at: number, b: Uint8Array, start: number, end: number): boolean {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const length = words[w + W_KEY_LENGTH]!;
    if (length !== end - start) return false;
    const bytes = this.chunks[at >>> CHUNK_BITS]!;
    const from = (at & OFFSET_MASK) + HEADER_BYTES;
    for (let i = 0; i < length; i++) if (bytes[from + i] !== b[start + i]) return false;
    return true;
  }

  // ---- an entry's contents ----

  /** The entry's access time (access-clock.ts seconds). */
  accessTime(at: number): number {
    return this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_ACCESS]! >>> 0;
  }

  /** Stamps the entry as accessed at `seconds` (now, unless RESTORE IDLETIME says otherwise). */
  setAccessTime(at: number, seconds: number = accessClock.seconds): void {
    this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_ACCESS] = seconds;
  }

  valueLength(at: number): number {
    return this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_VALUE_LENGTH]!;
  }

  /** The value as a latin1 string. */
  value(at: number): string {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const from = (at & OFFSET_MASK) + HEADER_BYTES + words[w + W_KEY_LENGTH]!;
    return latin1Short(this.chunks[at >>> CHUNK_BITS]!, from, from + words[w + W_VALUE_LENGTH]!);
  }

  /** Copies the value's bytes to target at `to`; returns how many. */
  copyValue(at: number, target: Uint8Array, to: number): number {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const length = words[w + W_VALUE_LENGTH]!;
    const bytes = this.chunks[at >>> CHUNK_BITS]!;
    const from = (at & OFFSET_MASK) + HEADER_BYTES + words[w + W_KEY_LENGTH]!;
    if (length <= 16) {
      for (let i = 0; i < length; i++) target[to + i] = bytes[from + i]!;
    } else {
      target.set(bytes.subarray(from, from + length), to);
    }
    return length;
  }

  key(at: number): string {
    const words = this.words[at >>> CHUNK_BITS]!;
    const from = (at & OFFSET_MASK) + HEADER_BYTES;
    return latin1Short(this.chunks[at >>> CHUNK_BITS]!, from, from + words[((at & OFFSET_MASK) >> 2) + W_KEY_LENGTH]!);
  }

  // ---- writes ----

  /**
   * Stores key → value (the caller has checked accepts()); true when the key is new. The
   * address of the entry may change: addresses are valid until the next write.
   */
  set(key: string, value: string): boolean {
    const at = this.find(key);
    if (at !== NONE) {
      const to = this.resizeValue(at, this.lastBucket, value.length);
      writeLatin1(this.chunks[to >>> CHUNK_BITS]!, this.valueOffset(to), value);
      return false;
    }
    const entry = this.insertEntry(this.lastHash, key.length, value.length, keyHashSlot(key));
    const bytes = this.chunks[entry >>> CHUNK_BITS]!;
    const from = (entry & OFFSET_MASK) + HEADER_BYTES;
    writeLatin1(bytes, from, key);
    writeLatin1(bytes, from + key.length, value);
    return true;
  }

  /**
   * set() for a key and a value given as bytes of b (a request buffer), the key in `slot`; true
   * when the key is new.
   */
  setBytes(b: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, slot: number): boolean {
    const length = valueEnd - valueStart;
    const at = this.findBytes(b, keyStart, keyEnd);
    if (at !== NONE) {
      const to = this.resizeValue(at, this.lastBucket, length);
      copyBytes(b, valueStart, length, this.chunks[to >>> CHUNK_BITS]!, this.valueOffset(to));
      return false;
    }
    const keyLength = keyEnd - keyStart;
    const entry = this.insertEntry(this.lastHash, keyLength, length, slot);
    const bytes = this.chunks[entry >>> CHUNK_BITS]!;
    const from = (entry & OFFSET_MASK) + HEADER_BYTES;
    copyBytes(b, keyStart, keyLength, bytes, from);
    copyBytes(b, valueStart, length, bytes, from + keyLength);
    return true;
  }

  /** Where an entry's value bytes start in its chunk. */
  private valueOffset(at: number): number {
    return (at & OFFSET_MASK) + HEADER_BYTES + this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_KEY_LENGTH]!;
  }

  /** A new entry with its header and links in place; the caller writes its key and value bytes. */
  private insertEntry(h: number, keyLength: number, valueLength: number, slot: number): number {
    const entry = this.allocate(HEADER_BYTES + keyLength + valueLength);
    const words = this.words[entry >>> CHUNK_BITS]!;
    const w = (entry & OFFSET_MASK) >> 2;
    words[w + W_HASH] = h;
    words[w + W_KEY_LENGTH] = keyLength;
    words[w + W_VALUE_LENGTH] = valueLength;
    words[w + W_ACCESS] = accessClock.seconds;
    this.link(entry, slot);
    this.insertBucket(h, entry);
    return entry;
  }

  /** Removes the key; false when it was not there. */
  delete(key: string): boolean {
    const at = this.find(key);
    if (at === NONE) return false;
    this.removeBucket(this.lastBucket);
    this.unlink(at);
    this.release(at);
    return true;
  }

  clear(): void {
    this.size = 0;
    this.hashes = new Int32Array(MIN_BUCKETS);
    this.addresses = new Int32Array(MIN_BUCKETS);
    this.mask = MIN_BUCKETS - 1;
    this.chunks.length = 0;
    this.words.length = 0;
    this.bump = this.bumpEnd = 0;
    this.free.length = 0;
    this.slotHeads = EMPTY_SLOTS;
    this.slotCounts = EMPTY_SLOTS;
    this.allocatedBytes = 0;
  }

  /**
   * Gives an entry room for a value of `length` bytes: in place when its allocation fits (and would
   * not be more than half empty), else in a new allocation holding the same key, which takes the
   * entry's bucket and place in its slot's list. Returns the entry's address; the caller writes the value.
   */
  private resizeValue(at: number, bucket: number, length: number): number {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const keyLength = words[w + W_KEY_LENGTH]!;
    const needed = allocationSize(HEADER_BYTES + keyLength + length);
    const capacity = words[w + W_CAPACITY]!;
    if (needed <= capacity && (needed * 2 > capacity || capacity <= 64)) {
      words[w + W_VALUE_LENGTH] = length;
      words[w + W_ACCESS] = accessClock.seconds;
      return at;
    }
    const entry = this.allocate(HEADER_BYTES + keyLength + length);
    const to = this.words[entry >>> CHUNK_BITS]!;
    const tw = (entry & OFFSET_MASK) >> 2;
    to[tw + W_HASH] = words[w + W_HASH]!;
    to[tw + W_ACCESS] = accessClock.seconds;
    to[tw + W_KEY_LENGTH] = keyLength;
    to[tw + W_VALUE_LENGTH] = length;
    const keyFrom = (at & OFFSET_MASK) + HEADER_BYTES;
    this.chunks[at >>> CHUNK_BITS]!.copy(this.chunks[entry >>> CHUNK_BITS]!, (entry & OFFSET_MASK) + HEADER_BYTES, keyFrom, keyFrom + keyLength);
    const slot = words[w + W_SLOT]!;
    this.unlink(at);
    this.link(entry, slot);
    this.addresses[bucket] = entry;
    this.release(at);
    return entry;
  }

  // ---- buckets: linear probing, load factor at most 1/2, backward-shift deletion ----

  private insertBucket(h: number, entry: number): void {
    if ((this.size + 1) * 2 > this.hashes.length) this.grow();
    const hashes = this.hashes;
    const mask = this.mask;
    let i = h & mask;
    while (hashes[i] !== 0) i = (i + 1) & mask;
    hashes[i] = h;
    this.addresses[i] = entry;
    this.size++;
  }

  private removeBucket(i: number): void {
    const hashes = this.hashes;
    const addresses = this.addresses;
    const mask = this.mask;
    let hole = i;
    for (let j = (i + 1) & mask; hashes[j] !== 0; j = (j + 1) & mask) {
      const home = hashes[j]! & mask;
      // The entry at j may move back into the hole unless its home lies cyclically in (hole, j].
      const stays = hole <= j ? home > hole && home <= j : home > hole || home <= j;
      if (stays) continue;
      hashes[hole] = hashes[j]!;
      addresses[hole] = addresses[j]!;
      hole = j;
    }
    hashes[hole] = 0;
    addresses[hole] = 0;
    this.size--;
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldAddresses = this.addresses;
    const length = oldHashes.length * 2;
    const hashes = new Int32Array(length);
    const addresses = new Int32Array(length);
    const mask = length - 1;
    for (let i = 0; i < oldHashes.length; i++) {
      const h = oldHashes[i]!;
      if (h === 0) continue;
      let j = h & mask;
      while (hashes[j] !== 0) j = (j + 1) & mask;
      hashes[j] = h;
      addresses[j] = oldAddresses[i]!;
    }
    this.hashes = hashes;
    this.addresses = addresses;
    this.mask = mask;
  }

  // ---- per-slot lists ----

  slotSize(slot: number): number {
    return this.slotCounts[slot] ?? 0;
  }

  /** The first entry of a slot, or -1; then nextInSlot() until -1. */
  firstInSlot(slot: number): number {
    return this.slotHeads[slot] ?? NONE;
  }

  nextInSlot(at: number): number {
    return this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_NEXT]!;
  }

  private link(at: number, slot: number): void {
    if (this.slotHeads === EMPTY_SLOTS) {
      this.slotHeads = new Int32Array(SLOT_COUNT).fill(NONE);
      this.slotCounts = new Int32Array(SLOT_COUNT);
    }
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const head = this.slotHeads[slot]!;
    words[w + W_SLOT] = slot;
    words[w + W_PREV] = NONE;
    words[w + W_NEXT] = head;
    if (head !== NONE) this.words[head >>> CHUNK_BITS]![((head & OFFSET_MASK) >> 2) + W_PREV] = at;
    this.slotHeads[slot] = at;
    this.slotCounts[slot]!++;
  }

  private unlink(at: number): void {
    const words = this.words[at >>> CHUNK_BITS]!;
    const w = (at & OFFSET_MASK) >> 2;
    const prev = words[w + W_PREV]!;
    const next = words[w + W_NEXT]!;
    const slot = words[w + W_SLOT]!;
    if (prev === NONE) this.slotHeads[slot] = next;
    else this.words[prev >>> CHUNK_BITS]![((prev & OFFSET_MASK) >> 2) + W_NEXT] = next;
    if (next !== NONE) this.words[next >>> CHUNK_BITS]![((next & OFFSET_MASK) >> 2) + W_PREV] = prev;
    this.slotCounts[slot]!--;
  }

  // ---- the arena ----

  private allocate(bytes: number): number {
    const size = allocationSize(bytes);
    const list = this.free[sizeClass(size)];
    let at: number;
    if (list !== undefined && list.length > 0) {
      at = list.pop()!;
    } else {
      if (this.bump + size > this.bumpEnd) this.newChunk();
      at = this.bump;
      this.bump += size;
    }
    this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_CAPACITY] = size;
    this.allocatedBytes += size;
    return at;
  }

  private release(at: number): void {
    const size = this.words[at >>> CHUNK_BITS]![((at & OFFSET_MASK) >> 2) + W_CAPACITY]!;
    this.allocatedBytes -= size;
    (this.free[sizeClass(size)] ??= []).push(at);
  }

  private newChunk(): void {
    const index = this.chunks.length;
    if (index >= MAX_CHUNKS) throw new Error('string table arena is full');
    // The tail of the previous chunk is too short for this entry: it stays unused.
    const chunk = Buffer.alloc(CHUNK_BYTES);
    this.chunks.push(chunk);
    this.words.push(new Int32Array(chunk.buffer, chunk.byteOffset, CHUNK_BYTES >> 2));
    this.bump = index << CHUNK_BITS;
    this.bumpEnd = this.bump + CHUNK_BYTES;
  }

  /** Bytes the table holds outside the JS heap (arena chunks and buckets). */
  footprint(): number {
    return this.chunks.length * CHUNK_BYTES + this.hashes.byteLength + this.addresses.byteLength + this.slotHeads.byteLength + this.slotCounts.byteLength;
  }
}

/** Copies `length` bytes of `from` at `start` into `to` at `at` (short runs in JavaScript). */
function copyBytes(from: Uint8Array, start: number, length: number, to: Uint8Array, at: number): void {
  if (length <= 16) {
    for (let i = 0; i < length; i++) to[at + i] = from[start + i]!;
  } else {
    to.set(from.subarray(start, start + length), at);
  }
}

/** Writes s's latin1 bytes into b at `at` (short strings in JavaScript, long ones natively). */
function writeLatin1(b: Buffer, at: number, s: string): void {
  const n = s.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) b[at + i] = s.charCodeAt(i);
  } else {
    latin1Write(b, s, at);
  }
}
