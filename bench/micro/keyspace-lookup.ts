// What a GET's key lookup costs in today's keyspace, against the off-heap string store that
// DESIGN.md plans (src/shard/string-table.ts: open addressing over a byte arena, looked up straight
// from the request bytes).
//
// Today: the parser makes a JS string of the key, keyHashSlot hashes it, the worker's Database finds
// the slot's Map and the Map hashes the string again and compares it with the stored key string
// (each a separate heap object, so a cache miss apiece on a large keyspace); the value's chars are
// then copied into the reply. Off-heap: the request bytes are hashed where they lie, a probe of a
// typed array of hashes finds the entry, and key and value are compared and copied in one arena.
//
//   node bench/micro/keyspace-lookup.ts [keys=100000] [lookups=1000000]

import { Database } from '../../src/shard/database.ts';
import { latin1Short } from '../../src/resp/latin1.ts';
import { keyHashSlot } from '../../src/cluster/key-slot.ts';
import { StringTable } from '../../src/shard/string-table.ts';

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

const table = new StringTable();
for (let i = 0; i < KEYS; i++) table.set(keyName(i), VALUE);

function lookupOffHeap(): number {
  let written = 0;
  for (let r = 0; r < LOOKUPS; r++) {
    const start = r * KEY_LENGTH;
    const at = table.findBytes(input, start, start + KEY_LENGTH);
    if (at === -1) continue;
    written += table.copyValue(at, reply, written & REPLY_MASK);
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
