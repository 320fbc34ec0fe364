// What a GET's key lookup costs in today's keyspace, against the off-heap string store that
// DESIGN.md plans (open addressing over a byte arena, looked up straight from the request bytes).
//
// Today: the parser makes a JS string of the key, keyHashSlot hashes it, the worker's Database finds
// the slot's Map and the Map hashes the string again and compares it with the stored key string
// (each a separate heap object, so a cache miss apiece on a large keyspace); the value's chars are
// then copied into the reply. Off-heap: the request bytes are hashed where they lie, a probe of a
// typed array of hashes finds the entry, and key and value are compared and copied in one arena.
// The off-heap table here is only a measuring stand-in (fixed-size keys, no deletes, no growth).
//
//   node bench/micro/keyspace-lookup.ts [keys=100000] [lookups=1000000]

import { Database } from '../../src/shard/database.ts';
import { latin1Short } from '../../src/resp/latin1.ts';
import { keyHashSlot } from '../../src/cluster/key-slot.ts';

const KEYS = Number(process.argv[2] ?? 100_000);
const LOOKUPS = Number(process.argv[3] ?? 1_000_000);
const KEY_LENGTH = 16;
const VALUE = 'xxx';
const keyName = (i: number): string => `key:${String(i).padStart(KEY_LENGTH - 4, '0')}`;

/** The keys of LOOKUPS requests, back to back, as they sit in a read buffer (redis-benchmark -r KEYS). */
function requestKeys(): Buffer {
  const bytes = Buffer.alloc(LOOKUPS * KEY_LENGTH);
  let seed = 42;
  for (let i = 0; i < LOOKUPS; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    bytes.write(keyName(seed % KEYS), i * KEY_LENGTH, 'latin1');
  }
  return bytes;
}

const input = requestKeys();
const reply = Buffer.alloc(1 << 20);
const REPLY_MASK = reply.length - 1;

const db = new Database(0);
for (let i = 0; i < KEYS; i++) db.set(keyName(i), VALUE);

function lookupToday(): number {
  let written = 0;
  for (let r = 0; r < LOOKUPS; r++) {
    const start = r * KEY_LENGTH;
    const key = latin1Short(input, start, start + KEY_LENGTH);
    keyHashSlot(key);
    const value = db.get(key);
    if (typeof value !== 'string') continue;
    const at = written & REPLY_MASK;
    for (let j = 0; j < value.length; j++) reply[at + j] = value.charCodeAt(j);
    written += value.length;
  }
  return written;
}

// Entries: [key length u16][value length u32][key bytes][value bytes]; hash 0 marks an empty bucket.
const capacity = 1 << Math.ceil(Math.log2(KEYS * 2));
const mask = capacity - 1;
const hashes = new Int32Array(capacity);
const offsets = new Int32Array(capacity);
const arena = Buffer.alloc(KEYS * (6 + KEY_LENGTH + VALUE.length));
let arenaEnd = 0;

function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h | 1;
}

function insert(key: Buffer, value: Buffer): void {
  const h = hashBytes(key, 0, key.length);
  let i = h & mask;
  while (hashes[i] !== 0) i = (i + 1) & mask;
  hashes[i] = h;
  offsets[i] = arenaEnd;
  arena.writeUInt16LE(key.length, arenaEnd);
  arena.writeUInt32LE(value.length, arenaEnd + 2);
  key.copy(arena, arenaEnd + 6);
  value.copy(arena, arenaEnd + 6 + key.length);
  arenaEnd += 6 + key.length + value.length;
}

for (let i = 0; i < KEYS; i++) insert(Buffer.from(keyName(i), 'latin1'), Buffer.from(VALUE, 'latin1'));

function lookupOffHeap(): number {
  let written = 0;
  for (let r = 0; r < LOOKUPS; r++) {
    const start = r * KEY_LENGTH;
    const end = start + KEY_LENGTH;
    const h = hashBytes(input, start, end);
    for (let i = h & mask; hashes[i] !== 0; i = (i + 1) & mask) {
      if (hashes[i] !== h) continue;
      const at = offsets[i]!;
      const keyLength = arena[at]! | (arena[at + 1]! << 8);
      if (keyLength !== end - start) continue;
      let j = 0;
      while (j < keyLength && arena[at + 6 + j] === input[start + j]) j++;
      if (j !== keyLength) continue;
      const valueLength = arena.readUInt32LE(at + 2);
      const valueStart = at + 6 + keyLength;
      const to = written & REPLY_MASK;
      for (let t = 0; t < valueLength; t++) reply[to + t] = arena[valueStart + t]!;
      written += valueLength;
      break;
    }
  }
  return written;
}

// Alternating rounds: a loaded machine slows both alike within a round.
const today: number[] = [];
const offHeap: number[] = [];
for (let round = 0; round < 7; round++) {
  let t = performance.now();
  const a = lookupToday();
  today.push(((performance.now() - t) * 1e6) / LOOKUPS);
  t = performance.now();
  const b = lookupOffHeap();
  offHeap.push(((performance.now() - t) * 1e6) / LOOKUPS);
  if (a !== b) throw new Error(`the two lookups copied ${a} and ${b} bytes`);
}
const median = (x: number[]): number => x.slice().sort((p, q) => p - q)[x.length >> 1]!;
console.log(
  `${KEYS} keys: today ${median(today).toFixed(0)} ns per lookup (best ${Math.min(...today).toFixed(0)}), ` +
    `off-heap ${median(offHeap).toFixed(0)} ns (best ${Math.min(...offHeap).toFixed(0)}), median of 7 alternating rounds`,
);
