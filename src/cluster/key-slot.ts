// CRC16/XMODEM (poly 0x1021, init 0) over a key's hash tag, mod 16384: Redis Cluster's key → slot map.

export const SLOT_COUNT = 16384;

const CRC16_TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    table[i] = crc;
  }
  return table;
}

/** CRC16 of the latin1 code units of s in [start, end). Keys are latin1 strings, one char per byte. */
export function crc16(s: string, start = 0, end = s.length): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ s.charCodeAt(i)) & 0xff]!;
  return crc;
}

// The dispatcher and the keyspace both ask for the slot of the same key string in a row: a one-entry
// memo keyed by string identity saves the second CRC.
let memoKey: string | undefined;
let memoSlot = 0;

/** Slot of a key, honouring {hash tags}: the first '{' with a non-empty '...}' after it. */
export function keyHashSlot(key: string): number {
  if (key === memoKey) return memoSlot;
  // One pass computes the CRC of the whole key while looking for '{' (most keys have none): a
  // separate indexOf is a builtin call per key.
  const n = key.length;
  let crc = 0;
  let slot = -1;
  for (let i = 0; i < n; i++) {
    const c = key.charCodeAt(i);
    if (c === 0x7b /* { */) {
      slot = taggedSlot(key, i);
      break;
    }
    crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ c) & 0xff]!;
  }
  if (slot < 0) slot = crc & 0x3fff;
  memoKey = key;
  memoSlot = slot;
  return slot;
}

/** The slot of a key whose first '{' is at `open`: its tag's CRC, or the whole key's without a tag. */
function taggedSlot(key: string, open: number): number {
  const close = key.indexOf('}', open + 1);
  return close === -1 || close === open + 1 ? crc16(key) & 0x3fff : crc16(key, open + 1, close) & 0x3fff;
}

/** CRC16 of the bytes [start, end) of b. */
function crc16Bytes(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ b[i]!) & 0xff]!;
  return crc;
}

/** keyHashSlot of a key given as the bytes [start, end) of b (a request buffer), without a string. */
export function keyHashSlotBytes(b: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x7b /* { */) {
      let close = i + 1;
      while (close < end && b[close] !== 0x7d /* } */) close++;
      return close === end || close === i + 1 ? crc16Bytes(b, start, end) & 0x3fff : crc16Bytes(b, i + 1, close) & 0x3fff;
    }
    crc = ((crc << 8) & 0xff00) ^ CRC16_TABLE[((crc >> 8) ^ c) & 0xff]!;
  }
  return crc & 0x3fff;
}
