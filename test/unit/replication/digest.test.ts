import { describe, expect, it } from 'vitest';
import { datasetDigest, keyDigest, valueDigest } from '../../../src/replication/digest.ts';
import { SetValue } from '../../../src/types/set-value.ts';

function xor(...parts: Buffer[]): Buffer {
  const out = Buffer.alloc(20);
  for (const p of parts) for (let i = 0; i < 20; i++) out[i]! ^= p[i]!;
  return out;
}

describe('dataset digest', () => {
  it('does not depend on key order, does depend on content, database and expiry', () => {
    const a = keyDigest('a', '1', false);
    const b = keyDigest('b', '2', false);
    const one = datasetDigest(new Map([[0, xor(a, b)]]));
    expect(datasetDigest(new Map([[0, xor(b, a)]]))).toBe(one);
    expect(datasetDigest(new Map([[1, xor(a, b)]]))).not.toBe(one);
    expect(datasetDigest(new Map([[0, xor(a, keyDigest('b', '3', false))]]))).not.toBe(one);
    expect(datasetDigest(new Map([[0, xor(a, keyDigest('b', '2', true))]]))).not.toBe(one);
    expect(datasetDigest(new Map())).toBe('0'.repeat(40));
  });

  it('a set digests the same whatever the order members were added in', () => {
    const x = new SetValue();
    const y = new SetValue();
    for (const m of ['p', 'q', 'r']) x.add(m, 512);
    for (const m of ['r', 'p', 'q']) y.add(m, 512);
    expect(valueDigest(x)).toEqual(valueDigest(y));
    y.remove('q');
    expect(valueDigest(x)).not.toEqual(valueDigest(y));
  });
});
