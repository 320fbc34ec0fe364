// Redis Cluster key → hash slot: CRC16 (XMODEM variant: polynomial 0x1021, initial value 0) of the
// key, or of its hash tag, modulo 16384. The hash tag is the part between the first '{' and the
// next '}', used only if it is non-empty.

export const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = buildCrc16Table();

function buildCrc16Table(): Uint16Array {
  const table = new Uint16Array(256);
  for (let byte = 0; byte < 256; byte++) {
    let crc = byte << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[byte] = crc;
  }
  return table;
}

export function crc16(bytes: Uint8Array, start: number, end: number): number {
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ CRC16_TABLE[((crc >>> 8) ^ bytes[i]) & 0xff];
  }
  return crc;
}

/** The slot of the key held in bytes[start, end). */
export function keySlot(bytes: Uint8Array, start: number, end: number): number {
  for (let open = start; open < end; open++) {
    if (bytes[open] !== 0x7b /* { */) continue;
    for (let close = open + 1; close < end; close++) {
      if (bytes[close] === 0x7d /* } */) {
        if (close > open + 1) return crc16(bytes, open + 1, close) & (CLUSTER_SLOTS - 1);
        break;
      }
    }
    break;
  }
  return crc16(bytes, start, end) & (CLUSTER_SLOTS - 1);
}

export function keySlotOfString(key: string): number {
  const bytes = Buffer.from(key, 'latin1');
  return keySlot(bytes, 0, bytes.length);
}
