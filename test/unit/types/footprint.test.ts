import { describe, expect, it } from 'vitest';
import { estimatePayloadBytes } from '../../../src/types/footprint.ts';
import { encodeValue } from '../../../src/ipc/value-transfer.ts';
import '../../../src/commands/lists.ts'; // registers the list codec
import { ListValue } from '../../../src/types/list-value.ts';
import { HashValue } from '../../../src/types/hash-value.ts';
import { SetValue } from '../../../src/types/set-value.ts';
import { ZSetValue } from '../../../src/types/zset-value.ts';

const exact = (v: Parameters<typeof encodeValue>[0]): number => encodeValue(v)[1].length;

describe('estimatePayloadBytes', () => {
  it('is exact for strings, small aggregates and samples 0', () => {
    expect(estimatePayloadBytes('hello', 5)).toBe(5);
    const small = ListValue.from(['a', 'bb', 'ccc']);
    expect(estimatePayloadBytes(small, 5)).toBe(exact(small));
    const big = ListValue.from(Array.from({ length: 1000 }, (_, i) => `e${i}`));
    expect(estimatePayloadBytes(big, 0)).toBe(exact(big));
  });

  it('estimates big lists, hashes, sets and sorted sets of same-sized elements within 5%', () => {
    const n = 5000;
    const el = (i: number): string => `element:${String(i).padStart(9, '0')}`;
    const list = ListValue.from(Array.from({ length: n }, (_, i) => el(i)));
    const hash = new HashValue();
    const set = SetValue.createFor(el(0));
    const members: string[] = [];
    const scores: number[] = [];
    for (let i = 0; i < n; i++) {
      hash.set(el(i), el(i), 128, 64);
      set.add(el(i), 512);
      members.push(el(i));
      scores.push(i);
    }
    const zset = ZSetValue.fromSorted(members, scores, true);
    for (const value of [list, hash, set, zset]) {
      const estimate = estimatePayloadBytes(value, 5);
      expect(Math.abs(estimate - exact(value)) / exact(value)).toBeLessThan(0.05);
    }
  });
});
