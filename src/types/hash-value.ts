// The hash type (Redis's t_hash.c representation side). Two encodings, named as OBJECT ENCODING
// reports them in Redis 7.0:
//   listpack  - one flat array [field0, value0, field1, value1, ...] in insertion order, as a
//               listpack keeps them (new fields at the tail, deletes close the gap), so HGETALL and
//               friends answer in Redis's order;
//   hashtable - a PackedHashTable (packed-hashtable.ts): one flat string per pair at a dense
//               position, indexed by open addressing. Deletion moves the last entry into the hole,
//               so positions stay dense: O(1) random access for HRANDFIELD, and a cursor over
//               positions for HSCAN (see hscan in commands/hashes.ts).
// Conversion is one way (listpack -> hashtable), when an entry count or a string length passes the
// configured thresholds, as hashTypeConvert is called by Redis.
// Fields and values are latin1 strings (one char per byte).

import type { RedisObject } from './value.ts';
import { registerValueCodec } from '../ipc/value-transfer.ts';
import { PayloadReader, PayloadWriter } from './payload.ts';
import { PackedHashTable } from './packed-hashtable.ts';

export class HashValue implements RedisObject {
  /** OBJECT IDLETIME's clock (RedisObject.accessTime). */
  accessTime = 0;
  /** listpack encoding: [f0, v0, f1, v1, ...]; null once converted. */
  private flat: string[] | null;
  /** hashtable encoding. */
  private table: PackedHashTable | null = null;

  constructor(flat: string[] = []) {
    this.flat = flat;
  }

  get kind(): 'hash' {
    return 'hash';
  }

  encoding(): string {
    return this.flat !== null ? 'listpack' : 'hashtable';
  }

  isListpack(): boolean {
    return this.flat !== null;
  }

  get size(): number {
    return this.flat !== null ? this.flat.length >> 1 : this.table!.size;
  }

  /** The field at position i (0 <= i < size): listpack order, or the hashtable's dense order. */
  fieldAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i]! : this.table!.fieldAt(i);
  }

  valueAt(i: number): string {
    return this.flat !== null ? this.flat[2 * i + 1]! : this.table!.valueAt(i);
  }

  /** Position of a field, or -1. */
  indexOf(field: string): number {
    const flat = this.flat;
    if (flat === null) return this.table!.indexOf(field);
    for (let i = 0; i < flat.length; i += 2) if (flat[i] === field) return i >> 1;
    return -1;
  }

  get(field: string): string | undefined {
    if (this.flat === null) {
      const at = this.table!.indexOf(field);
      return at < 0 ? undefined : this.table!.valueAt(at);
    }
    const i = this.indexOf(field);
    return i < 0 ? undefined : this.valueAt(i);
  }

  has(field: string): boolean {
    return this.indexOf(field) >= 0;
  }

  /**
   * hashTypeTryConversion: before a write of these strings (argv[from..] of HSET/HSETNX), a string
   * longer than maxValue converts a listpack to a hashtable.
   */
  prepareForStrings(argv: readonly string[], from: number, to: number, maxValue: number): void {
    if (this.flat === null) return;
    for (let i = from; i < to; i++) {
      if (argv[i]!.length > maxValue) {
        this.convert();
        return;
      }
    }
  }

  /**
   * hashTypeSet: sets field to value; true when the field is new. A listpack converts first when
   * either string is longer than maxValue, and after the insert when it holds more than maxEntries.
   */
  set(field: string, value: string, maxEntries: number, maxValue: number): boolean {
    if (this.flat !== null && (field.length > maxValue || value.length > maxValue)) this.convert();
    const flat = this.flat;
    if (flat !== null) {
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i] === field) {
          flat[i + 1] = value;
          return false;
        }
      }
      flat.push(field, value);
      if (flat.length >> 1 > maxEntries) this.convert();
      return true;
    }
    return this.table!.set(field, value);
  }

  /** Removes a field; true when it was there. */
  delete(field: string): boolean {
    const flat = this.flat;
    if (flat !== null) {
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i] === field) {
          flat.splice(i, 2);
          return true;
        }
      }
      return false;
    }
    return this.table!.delete(field);
  }

  /** listpack -> hashtable (hashTypeConvert); positions keep the listpack order. */
  convert(): void {
    const flat = this.flat;
    if (flat === null) return;
    const table = new PackedHashTable();
    for (let i = 0; i < flat.length; i += 2) table.add(flat[i]!, flat[i + 1]!);
    this.flat = null;
    this.table = table;
  }

  clone(): HashValue {
    if (this.flat !== null) return new HashValue(this.flat.slice());
    const copy = new HashValue();
    copy.flat = null;
    copy.table = this.table!.clone();
    return copy;
  }

  /** The value-transfer payload: encoding (0 listpack, 1 hashtable), entry count, then each field and value. */
  encodePayload(): string {
    const out = new PayloadWriter();
    out.byte(this.flat !== null ? 0 : 1);
    const n = this.size;
    out.length(n);
    for (let i = 0; i < n; i++) {
      out.string(this.fieldAt(i));
      out.string(this.valueAt(i));
    }
    return out.finish();
  }

  static decodePayload(payload: string): HashValue {
    const input = new PayloadReader(payload);
    const listpack = input.byte() === 0;
    const n = input.length();
    const flat: string[] = new Array(2 * n);
    for (let i = 0; i < 2 * n; i++) flat[i] = input.string();
    const hash = new HashValue(flat);
    if (!listpack) hash.convert();
    return hash;
  }
}

registerValueCodec('hash', {
  encode: (value) => (value as HashValue).encodePayload(),
  decode: (payload) => HashValue.decodePayload(payload),
});
