// DEBUG OBJECT <key>: Redis's one-line description of a value. It reads the key as it is stored,
// without an expiry check (Redis's replication tests use it to see that a replica still holds a key
// that is logically expired). The address and LRU fields have no meaning here and are fixed.
import type { RedisValue } from '../types/value.ts';
import { objectEncoding } from '../commands/keys.ts';
import { createDumpPayload } from '../persistence/dump.ts';

export function debugObjectText(value: RedisValue): string {
  // A DUMP payload is the type byte, the RDB-serialized value, 2 bytes of version and 8 of CRC.
  const serializedLength = createDumpPayload(value).length - 11;
  return `Value at:0x0 refcount:1 encoding:${objectEncoding(value)} serializedlength:${serializedLength} lru:0 lru_seconds_idle:0`;
}
