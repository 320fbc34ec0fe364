import { describe, expect, it } from 'vitest';
import { PackedHashTable } from '../../../src/types/packed-hashtable.ts';
import { HashValue } from '../../../src/types/hash-value.ts';

/** A deterministic generator, so a failure replays. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

/** Every pair of the table by position, checked against the model. */
function expectSameContents(table: PackedHashTable, model: Map<string, string>): void {
  expect(table.size).toBe(model.size);
  const seen = new Map<string, string>();
  for (let i = 0; i < table.size; i++) {
    const field = table.fieldAt(i);
    expect(seen.has(field)).toBe(false);
    seen.set(field, table.valueAt(i));
    expect(table.indexOf(field)).toBe(i);
  }
  expect(seen).toEqual(model);
}

describe('PackedHashTable', () => {
  it('sets, overwrites, finds and deletes fields', () => {
    const t = new PackedHashTable();
    expect(t.set('a', '1')).toBe(true);
    expect(t.set('b', '2')).toBe(true);
    expect(t.set('a', '3')).toBe(false);
    expect(t.size).toBe(2);
    expect(t.valueAt(t.indexOf('a'))).toBe('3');
    expect(t.indexOf('c')).toBe(-1);
    expect(t.delete('c')).toBe(false);
    expect(t.delete('a')).toBe(true);
    expect(t.indexOf('a')).toBe(-1);
    expect(t.fieldAt(0)).toBe('b');
    expect(t.valueAt(0)).toBe('2');
  });

  it('keeps empty strings, binary bytes and long fields (multi-byte length headers) apart', () => {
    const t = new PackedHashTable();
    const long = 'x'.repeat(200);
    const huge = 'y'.repeat(20000);
    const binary = '\u0000\u00ff\r\n\u0080';
    const pairs: Array<[string, string]> = [['', ''], ['', 'no'], [long, 'L'], [huge, long], [binary, binary], ['x', long]];
    const model = new Map<string, string>();
    for (const [f, v] of pairs) {
      t.set(f, v);
      model.set(f, v);
    }
    expectSameContents(t, model);
    // A field that is a prefix of another, and one whose length header differs.
    expect(t.indexOf('x'.repeat(199))).toBe(-1);
    expect(t.indexOf(long + 'L')).toBe(-1);
    expect(t.valueAt(t.indexOf(huge))).toBe(long);
  });

  it('matches a Map through 20,000 random sets and deletes, positions staying dense', () => {
    const random = rng(4);
    const t = new PackedHashTable();
    const model = new Map<string, string>();
    for (let step = 0; step < 20000; step++) {
      const field = `f${Math.floor(random() * 3000)}`;
      if (random() < 0.4) {
        expect(t.delete(field)).toBe(model.delete(field));
      } else {
        const value = `v${step}`;
        expect(t.set(field, value)).toBe(!model.has(field));
        model.set(field, value);
      }
      if (step % 5000 === 0) expectSameContents(t, model);
    }
    expectSameContents(t, model);
    // Empty it completely, then refill: the slot table must not keep stale entries.
    for (const field of [...model.keys()]) expect(t.delete(field)).toBe(true);
    expect(t.size).toBe(0);
    for (let i = 0; i < 100; i++) t.set(`g${i}`, String(i));
    expect(t.valueAt(t.indexOf('g42'))).toBe('42');
  });

  it('copies independently', () => {
    const t = new PackedHashTable();
    for (let i = 0; i < 50; i++) t.set(`k${i}`, `v${i}`);
    const copy = t.clone();
    t.delete('k1');
    copy.set('k2', 'changed');
    expect(copy.indexOf('k1')).toBeGreaterThanOrEqual(0);
    expect(t.valueAt(t.indexOf('k2'))).toBe('v2');
    expect(copy.valueAt(copy.indexOf('k2'))).toBe('changed');
  });
});

describe('HashValue hashtable encoding', () => {
  it('converts from listpack past the entry limit, keeping order, values and lookups', () => {
    const h = new HashValue();
    for (let i = 0; i < 10; i++) h.set(`f${i}`, `v${i}`, 128, 64);
    expect(h.encoding()).toBe('listpack');
    for (let i = 10; i < 200; i++) h.set(`f${i}`, `v${i}`, 128, 64);
    expect(h.encoding()).toBe('hashtable');
    expect(h.size).toBe(200);
    for (let i = 0; i < 200; i++) {
      expect(h.fieldAt(i)).toBe(`f${i}`);
      expect(h.get(`f${i}`)).toBe(`v${i}`);
    }
    expect(h.delete('f0')).toBe(true);
    expect(h.fieldAt(0)).toBe('f199'); // the last entry fills the hole
    expect(h.get('f0')).toBeUndefined();
    expect(h.has('f5')).toBe(true);
  });

  it('survives the value-transfer payload round trip and clone', () => {
    const h = new HashValue();
    for (let i = 0; i < 300; i++) h.set(`field:${i}`, 'x'.repeat(i % 7), 128, 64);
    const back = HashValue.decodePayload(h.encodePayload());
    expect(back.encoding()).toBe('hashtable');
    expect(back.size).toBe(300);
    for (let i = 0; i < 300; i++) expect(back.get(`field:${i}`)).toBe('x'.repeat(i % 7));
    const copy = h.clone();
    h.set('field:1', 'new', 128, 64);
    expect(copy.get('field:1')).toBe('x');
  });
});
