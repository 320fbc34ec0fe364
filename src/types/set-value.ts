// The set type (Redis's t_set.c representation side). Two encodings, named as OBJECT ENCODING
// reports them in Redis 7.0:
//   intset    - every member is an integer in int64 range (string2ll's canonical form) and there are
//               at most set-max-intset-entries of them: an array of the members' decimal strings
//               sorted by numeric value, as an intset keeps them (so SMEMBERS answers in Redis's
//               order), found by binary search;
//   hashtable - a MemberTable (member-table.ts): a dense array of members indexed by open addressing.
//               Removal moves the last member into the hole, so random picks (SPOP, SRANDMEMBER) are
//               O(1) and SSCAN can walk positions.
// Conversion is one way (intset -> hashtable), as setTypeConvert is called by Redis.

import type { RedisObject } from './value.ts';
import { registerValueCodec } from '../ipc/value-transfer.ts';
import { parseInteger } from '../commands/string-value.ts';
import { PayloadReader, PayloadWriter } from './payload.ts';
import { MemberTable } from './member-table.ts';

/** True when s is an integer as string2ll reads it (what an intset can hold). */
export function isIntsetMember(s: string): boolean {
  return s.length <= 20 && !Number.isNaN(parseInteger(s));
}

/** Numeric order of two canonical int64 decimal strings. */
function compareIntegers(a: string, b: string): number {
  const aNegative = a.charCodeAt(0) === 45;
  const bNegative = b.charCodeAt(0) === 45;
  if (aNegative !== bNegative) return aNegative ? -1 : 1;
  if (a.length !== b.length) return a.length < b.length !== aNegative ? -1 : 1;
  if (a === b) return 0;
  return a < b !== aNegative ? -1 : 1;
}

export class SetValue implements RedisObject {
  /** OBJECT IDLETIME's clock (RedisObject.accessTime). */
  accessTime = 0;
  /** intset encoding: members sorted by numeric value; null once converted. */
  private ints: string[] | null;
  /** hashtable encoding. */
  private table: MemberTable | null = null;

  /** An empty intset (createIntsetObject). */
  constructor(ints: string[] = []) {
    this.ints = ints;
  }

  /** setTypeCreate: an intset when the first member is an integer, else a hashtable. */
  static createFor(first: string): SetValue {
    const set = new SetValue();
    if (!isIntsetMember(first)) set.convert();
    return set;
  }

  get kind(): 'set' {
    return 'set';
  }

  encoding(): string {
    return this.ints !== null ? 'intset' : 'hashtable';
  }

  isIntset(): boolean {
    return this.ints !== null;
  }

  get size(): number {
    return this.ints !== null ? this.ints.length : this.table!.size;
  }

  /** The member at position i: numeric order for an intset, the dense order for a hashtable. */
  memberAt(i: number): string {
    return this.ints !== null ? this.ints[i]! : this.table!.memberAt(i);
  }

  /** Binary search in the intset: the position of s, or -(insertion point) - 1. */
  private search(s: string): number {
    const ints = this.ints!;
    let lo = 0;
    let hi = ints.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareIntegers(ints[mid]!, s);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -lo - 1;
  }

  has(member: string): boolean {
    if (this.ints !== null) return isIntsetMember(member) && this.search(member) >= 0;
    return this.table!.has(member);
  }

  /** setTypeAdd: true when the member is new. Converts to a hashtable as Redis does. */
  add(member: string, maxIntsetEntries: number): boolean {
    if (this.ints !== null) {
      if (isIntsetMember(member)) {
        const at = this.search(member);
        if (at >= 0) return false;
        this.ints.splice(-at - 1, 0, member);
        if (this.ints.length > maxIntsetEntries) this.convert();
        return true;
      }
      this.convert();
    }
    return this.table!.add(member);
  }

  /** setTypeRemove: true when the member was there. */
  remove(member: string): boolean {
    if (this.ints !== null) {
      if (!isIntsetMember(member)) return false;
      const at = this.search(member);
      if (at < 0) return false;
      this.ints.splice(at, 1);
      return true;
    }
    return this.table!.delete(member);
  }

  /** intset -> hashtable. */
  convert(): void {
    const ints = this.ints;
    if (ints === null) return;
    const table = new MemberTable();
    for (let i = 0; i < ints.length; i++) table.add(ints[i]!);
    this.ints = null;
    this.table = table;
  }

  clone(): SetValue {
    if (this.ints !== null) return new SetValue(this.ints.slice());
    const copy = new SetValue();
    copy.ints = null;
    copy.table = this.table!.clone();
    return copy;
  }

  /** The value-transfer payload: encoding (0 intset, 1 hashtable), member count, members. */
  encodePayload(): string {
    const out = new PayloadWriter();
    out.byte(this.ints !== null ? 0 : 1);
    const n = this.size;
    out.length(n);
    for (let i = 0; i < n; i++) out.string(this.memberAt(i));
    return out.finish();
  }

  static decodePayload(payload: string): SetValue {
    const input = new PayloadReader(payload);
    const intset = input.byte() === 0;
    const n = input.length();
    const members: string[] = new Array(n);
    for (let i = 0; i < n; i++) members[i] = input.string();
    const set = new SetValue(members);
    if (!intset) set.convert();
    return set;
  }
}

registerValueCodec('set', {
  encode: (value) => (value as SetValue).encodePayload(),
  decode: (payload) => SetValue.decodePayload(payload),
});
