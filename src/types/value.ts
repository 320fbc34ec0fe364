// A key's value: a Redis string is a latin1 JS string (one char per byte, binary-safe, compact in V8);
// every other type is an object of a class under src/types/ that names its kind.

export type ValueKind = 'list' | 'hash' | 'set' | 'zset' | 'stream';

export interface RedisObject {
  readonly kind: ValueKind;
  /** When the key holding it was last created, written or looked up (shard/access-clock.ts seconds). */
  accessTime: number;
  /** OBJECT ENCODING's answer, as Redis 7.0 names it (listpack, quicklist, hashtable, intset, skiplist, stream). */
  encoding(): string;
  /** An independent copy (COPY, and the cross-shard transaction's fetched keys). */
  clone(): RedisObject;
}

export type RedisValue = string | RedisObject;

/** TYPE's answer for a value. */
export function typeName(value: RedisValue): string {
  return typeof value === 'string' ? 'string' : value.kind;
}
