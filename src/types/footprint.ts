// The estimated size of a value as its serialized (value-transfer) payload, without serializing a
// big one: MEMORY USAGE and maxmemory's per-tick sampling ask for it, and encoding a 1M-element
// list on every timer tick costs tens of MB of garbage and most of the worker's time. As Redis's
// MEMORY USAGE does (objectComputeSize), an aggregate with more elements than it samples is
// measured on `samples` elements spread over it, times its element count; samples 0 means all.

import { encodeValue } from '../ipc/value-transfer.ts';
import { HashValue } from './hash-value.ts';
import { ListValue } from './list-value.ts';
import { SetValue } from './set-value.ts';
import { ZSetValue } from './zset-value.ts';
import type { RedisValue } from './value.ts';

/** Values this small are serialized exactly (cheap, and exact for the common small key). */
const EXACT_UP_TO = 128;

/** Bytes of a length varint before an element of n bytes. */
function varintBytes(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : 4;
}

/** Serialized payload length of value, estimated from `samples` elements when it is large. */
export function estimatePayloadBytes(value: RedisValue, samples: number): number {
  if (typeof value === 'string') return value.length;
  const count = value instanceof ListValue ? value.length
    : value instanceof HashValue || value instanceof SetValue || value instanceof ZSetValue ? value.size
      : -1;
  if (count < 0 || samples <= 0 || count <= Math.max(EXACT_UP_TO, samples)) return encodeValue(value)[1].length;
  // A list's element i is O(i / 128) chunks away: sample whole chunks instead.
  if (value instanceof ListValue) return 2 + Math.round(value.sampledElementBytes(samples) * count);
  let sampled = 0;
  for (let s = 0; s < samples; s++) {
    const i = Math.floor(((s + 0.5) * count) / samples);
    if (value instanceof HashValue) {
      const f = value.fieldAt(i);
      const v = value.valueAt(i);
      sampled += varintBytes(f.length) + f.length + varintBytes(v.length) + v.length;
    } else if (value instanceof SetValue) {
      const m = value.memberAt(i);
      sampled += varintBytes(m.length) + m.length;
    } else {
      const m = (value as ZSetValue).memberAt(i);
      sampled += 8 + varintBytes(m.length) + m.length;
    }
  }
  return 2 + Math.round((sampled / samples) * count);
}
