import type { RedisValue } from '../types/value.ts';

/**
 * How a value crosses from its owner worker to a transaction's coordinator and back (the gather
 * path of cross-shard commands such as RENAME or COPY across workers): a type tag and a latin1 payload.
 * Strings travel as they are. Other types are added with their serialization (DUMP payloads).
 */
export interface ValueCodec {
  encode(value: RedisValue): string;
  decode(payload: string): RedisValue;
}

const codecs = new Map<string, ValueCodec>();

export function registerValueCodec(kind: string, codec: ValueCodec): void {
  codecs.set(kind, codec);
}

export function encodeValue(value: RedisValue): [string, string] {
  if (typeof value === 'string') return ['string', value];
  const codec = codecs.get(value.kind);
  if (codec === undefined) throw new Error(`moving a ${value.kind} value between workers is not supported yet`);
  return [value.kind, codec.encode(value)];
}

export function decodeValue(kind: string, payload: string): RedisValue {
  if (kind === 'string') return payload;
  const codec = codecs.get(kind);
  if (codec === undefined) throw new Error(`moving a ${kind} value between workers is not supported yet`);
  return codec.decode(payload);
}
