import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { StringTable } from '../../../src/shard/string-table.ts';
import { keyHashSlot, keyHashSlotBytes } from '../../../src/cluster/key-slot.ts';

/** Every key of a slot, walking the table's slot list. */
function keysOfSlot(table: StringTable, slot: number): string[] {
  const keys: string[] = [];
  for (let at = table.firstInSlot(slot); at !== -1; at = table.nextInSlot(at)) keys.push(table.key(at));
  return keys.sort();
}

/** The table holds exactly the model: lookups by string and by bytes, values, slot lists, counts. */
function expectSameAs(table: StringTable, model: Map<string, string>): void {
  expect(table.size).toBe(model.size);
  const bySlot = new Map<number, string[]>();
  for (const [key, value] of model) {
    const at = table.find(key);
    expect(at).not.toBe(-1);
    expect(table.value(at)).toBe(value);
    expect(table.valueLength(at)).toBe(value.length);
    const bytes = Buffer.from(`xx${key}yy`, 'latin1');
    expect(table.findBytes(bytes, 2, 2 + key.length)).toBe(at);
    const out = Buffer.alloc(value.length + 3);
    expect(table.copyValue(at, out, 3)).toBe(value.length);
    expect(out.toString('latin1', 3)).toBe(value);
    const slot = keyHashSlot(key);
    bySlot.set(slot, [...(bySlot.get(slot) ?? []), key]);
  }
  for (const [slot, keys] of bySlot) {
    expect(keysOfSlot(table, slot)).toEqual(keys.sort());
    expect(table.slotSize(slot)).toBe(keys.length);
  }
}

const keyArb = fc.oneof(
  fc.constantFrom('a', 'b', 'c', 'user:1', 'user:2', '{tag}x', '{tag}y', ''),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 40 }),
);
const valueArb = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer({ min: 0, max: 3000 }).map((n) => 'v'.repeat(n)),
  fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 600 }),
);
const opArb = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant('setBytes' as const), key: keyArb, value: valueArb }),
  fc.record({ kind: fc.constant('delete' as const), key: keyArb, value: fc.constant('') }),
);

describe('StringTable', () => {
  it('behaves as a Map under random sets from strings and from bytes (new, growing, shrinking values) and deletes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 300 }), (ops) => {
        const table = new StringTable();
        const model = new Map<string, string>();
        for (const op of ops) {
          if (op.kind === 'set') {
            expect(table.set(op.key, op.value)).toBe(!model.has(op.key));
            model.set(op.key, op.value);
          } else if (op.kind === 'setBytes') {
            // As a request buffer holds them: other bytes around the key and the value.
            const b = Buffer.from(`*${op.key}\r\n${op.value}#`, 'latin1');
            const keyEnd = 1 + op.key.length;
            expect(table.setBytes(b, 1, keyEnd, keyEnd + 2, keyEnd + 2 + op.value.length, keyHashSlot(op.key))).toBe(!model.has(op.key));
            model.set(op.key, op.value);
          } else {
            expect(table.delete(op.key)).toBe(model.delete(op.key));
          }
        }
        expectSameAs(table, model);
        for (const key of ['never', 'stored', 'a\u0000']) if (!model.has(key)) expect(table.find(key)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps every key through bucket growth and interleaved deletes (backward-shift deletion)', () => {
    const table = new StringTable();
    const model = new Map<string, string>();
    for (let i = 0; i < 20_000; i++) {
      const key = `key:${i}`;
      table.set(key, `value-${i}`);
      model.set(key, `value-${i}`);
      if (i % 3 === 0) {
        const gone = `key:${(i * 7919) % (i + 1)}`;
        expect(table.delete(gone)).toBe(model.delete(gone));
      }
    }
    expectSameAs(table, model);
  }, 60_000);

  it('reuses freed allocations and counts its bytes', () => {
    const table = new StringTable();
    for (let i = 0; i < 1000; i++) table.set(`k${i}`, 'x'.repeat(100));
    const used = table.allocatedBytes;
    const footprint = table.footprint();
    for (let i = 0; i < 1000; i++) table.delete(`k${i}`);
    expect(table.allocatedBytes).toBe(0);
    for (let i = 0; i < 1000; i++) table.set(`j${i}`, 'y'.repeat(100));
    expect(table.allocatedBytes).toBe(used);
    // The same sizes came back from the free lists: no new arena chunk.
    expect(table.footprint()).toBe(footprint);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.find('j1')).toBe(-1);
    expect(table.slotSize(keyHashSlot('j1'))).toBe(0);
  });

  it('knows which entries fit', () => {
    const table = new StringTable();
    expect(table.accepts(16, 100)).toBe(true);
    expect(table.accepts(16, 16 * 1024)).toBe(false);
  });
});

describe('keyHashSlotBytes', () => {
  it('gives keyHashSlot of the same bytes, hash tags included', () => {
    const keyChars = fc.constantFrom('a', 'b', '{', '}', 'x', '1', '\u00ff');
    fc.assert(
      fc.property(fc.array(keyChars, { maxLength: 12 }), (chars) => {
        const key = chars.join('');
        const bytes = Buffer.from(`..${key}..`, 'latin1');
        expect(keyHashSlotBytes(bytes, 2, 2 + key.length)).toBe(keyHashSlot(key));
      }),
      { numRuns: 1000 },
    );
  });
});
