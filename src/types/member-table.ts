// The storage of a large set (the "hashtable" encoding of set-value.ts): a dense array of member
// strings plus an open-addressing index over typed arrays, the layout of packed-hashtable.ts without
// the packing (a member is its own string, shared with the command that added it). Against a
// Map<string, number> plus a member array this trades the Map entry (about 30 bytes a member at 1M
// members, plus the doubling tables that become garbage while a Map grows) for about 12 bytes of
// Int32Arrays. The dense positions and the slot table are DenseHashIndex's (dense-hash-index.ts).

import { hashString } from './packed-hashtable.ts';
import { DenseHashIndex } from './dense-hash-index.ts';

export class MemberTable extends DenseHashIndex<string> {
  memberAt(i: number): string {
    return this.entries[i]!;
  }

  /** Position of member, or -1. */
  indexOf(member: string): number {
    const slot = this.findSlot(member, hashString(member));
    return slot < 0 ? -1 : this.slots[slot]! - 1;
  }

  has(member: string): boolean {
    return this.findSlot(member, hashString(member)) >= 0;
  }

  /** Adds a member: true when it is new. */
  add(member: string): boolean {
    const h = hashString(member);
    if (this.findSlot(member, h) >= 0) return false;
    this.appendEntry(member, h);
    return true;
  }

  /** Removes a member; true when it was there. */
  delete(member: string): boolean {
    const slot = this.findSlot(member, hashString(member));
    if (slot < 0) return false;
    this.deleteSlot(slot);
    return true;
  }

  clone(): MemberTable {
    const copy = new MemberTable();
    this.copyInto(copy);
    return copy;
  }

  /** The slot holding member, or -1. */
  private findSlot(member: string, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = slots[s]!;
      if (p === 0) return -1;
      if (this.hashes[p - 1] === h && this.entries[p - 1] === member) return s;
    }
  }
}
