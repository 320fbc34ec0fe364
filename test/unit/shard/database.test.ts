import { describe, expect, it } from 'vitest';
import { Database, slotEntries } from '../../../src/shard/database.ts';
import { keyHashSlot } from '../../../src/cluster/key-slot.ts';
import { ListValue } from '../../../src/types/list-value.ts';
import type { RedisValue } from '../../../src/types/value.ts';

const big = 'b'.repeat(20 * 1024);

/** Every [key, value] of the database, walking it slot by slot. */
function contents(db: Database): Map<string, RedisValue> {
  return new Map(db.entries());
}

describe('Database (string table and slot Maps)', () => {
  it('moves a key between the string table and the slot Map as its value changes kind, counting it once', () => {
    const db = new Database(0);
    expect(db.set('k', 'small')).toBe(true);
    expect(db.offHeapBytes()).toBeGreaterThan(0);
    // Too big for the table: the key moves to the Map, still one key.
    expect(db.set('k', big)).toBe(false);
    expect(db.get('k')).toBe(big);
    expect(db.offHeapBytes()).toBe(0);
    expect(db.size).toBe(1);
    // Small again: back to the table.
    expect(db.set('k', 'again')).toBe(false);
    expect(db.get('k')).toBe('again');
    expect(db.size).toBe(1);
    // Another type: the Map.
    const list = new ListValue();
    expect(db.set('k', list)).toBe(false);
    expect(db.get('k')).toBe(list);
    expect(db.offHeapBytes()).toBe(0);
    expect(db.size).toBe(1);
    expect(db.slotSize(keyHashSlot('k'))).toBe(1);
    expect(db.delete('k')).toBe(true);
    expect(db.has('k')).toBe(false);
    expect(db.size).toBe(0);
    expect(db.delete('k')).toBe(false);
  });

  it('walks both stores by slot: slotKeys, slotEntries, entries, slotSize', () => {
    const db = new Database(0);
    const list = new ListValue();
    db.set('{s}a', 'one');
    db.set('{s}b', big);
    db.set('{s}c', list);
    db.set('elsewhere', 'two');
    const slot = keyHashSlot('{s}');
    expect(db.slotKeys(slot).sort()).toEqual(['{s}a', '{s}b', '{s}c']);
    expect(db.slotSize(slot)).toBe(3);
    expect(new Map(slotEntries(db.snapshotView(), slot))).toEqual(new Map<string, RedisValue>([['{s}a', 'one'], ['{s}b', big], ['{s}c', list]]));
    expect(contents(db)).toEqual(new Map<string, RedisValue>([['{s}a', 'one'], ['{s}b', big], ['{s}c', list], ['elsewhere', 'two']]));
    // slotKeys is a copy: deleting while walking it is safe.
    for (const key of db.slotKeys(slot)) db.delete(key);
    expect(db.slotSize(slot)).toBe(0);
    expect(db.size).toBe(1);
  });

  it('keeps the old structures for a snapshot view across FLUSH, and swaps both stores with SWAPDB', () => {
    const a = new Database(0);
    const b = new Database(1);
    a.set('x', 'in a');
    b.set('y', big);
    const view = a.snapshotView();
    a.clear();
    expect(a.size).toBe(0);
    expect(a.get('x')).toBeUndefined();
    expect(new Map(slotEntries(view, keyHashSlot('x')))).toEqual(new Map([['x', 'in a']]));
    a.set('x', 'new');
    a.swapContents(b);
    expect(a.get('y')).toBe(big);
    expect(b.get('x')).toBe('new');
    expect([a.size, b.size]).toEqual([1, 1]);
  });
});
