import { describe, expect, it } from 'vitest';
import { MemberTable } from '../../../src/types/member-table.ts';
import { SetValue } from '../../../src/types/set-value.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

function expectSameMembers(table: MemberTable, model: Set<string>): void {
  expect(table.size).toBe(model.size);
  const seen = new Set<string>();
  for (let i = 0; i < table.size; i++) {
    const m = table.memberAt(i);
    expect(seen.has(m)).toBe(false);
    seen.add(m);
    expect(table.indexOf(m)).toBe(i);
  }
  expect(seen).toEqual(model);
}

describe('MemberTable', () => {
  it('matches a Set through 20,000 random adds and deletes, positions staying dense', () => {
    const random = rng(11);
    const t = new MemberTable();
    const model = new Set<string>();
    for (let step = 0; step < 20000; step++) {
      const m = random() < 0.01 ? '' : `m${Math.floor(random() * 3000)}`;
      if (random() < 0.4) {
        expect(t.delete(m)).toBe(model.delete(m));
      } else {
        expect(t.add(m)).toBe(!model.has(m));
        model.add(m);
      }
      expect(t.has(m)).toBe(model.has(m));
      if (step % 5000 === 0) expectSameMembers(t, model);
    }
    expectSameMembers(t, model);
    for (const m of [...model]) expect(t.delete(m)).toBe(true);
    expect(t.size).toBe(0);
    expect(t.add('again')).toBe(true);
    expect(t.memberAt(0)).toBe('again');
  });

  it('copies independently', () => {
    const t = new MemberTable();
    for (let i = 0; i < 40; i++) t.add(`x${i}`);
    const copy = t.clone();
    t.delete('x3');
    expect(copy.has('x3')).toBe(true);
    expect(t.has('x3')).toBe(false);
  });
});

describe('SetValue hashtable encoding', () => {
  it('converts from intset keeping numeric order, then adds, removes and round-trips', () => {
    const s = new SetValue();
    for (const n of [5, -3, 100, 7]) s.add(String(n), 512);
    expect(s.encoding()).toBe('intset');
    s.add('word', 512);
    expect(s.encoding()).toBe('hashtable');
    expect([0, 1, 2, 3, 4].map((i) => s.memberAt(i))).toEqual(['-3', '5', '7', '100', 'word']);
    expect(s.has('7')).toBe(true);
    expect(s.remove('-3')).toBe(true);
    expect(s.memberAt(0)).toBe('word'); // the last member fills the hole
    expect(s.remove('-3')).toBe(false);
    const back = SetValue.decodePayload(s.encodePayload());
    expect(back.encoding()).toBe('hashtable');
    expect(back.size).toBe(4);
    for (const m of ['5', '7', '100', 'word']) expect(back.has(m)).toBe(true);
  });
});
