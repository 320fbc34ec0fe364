// The storage of a large set (the "hashtable" encoding of set-value.ts): a dense array of member
// strings plus an open-addressing index over typed arrays, the layout of packed-hashtable.ts without
// the packing (a member is its own string, shared with the command that added it). Against a
// Map<string, number> plus a member array this trades the Map entry (about 30 bytes a member at 1M
// members, plus the doubling tables that become garbage while a Map grows) for about 12 bytes of
// Int32Arrays. Positions are dense (SPOP and SRANDMEMBER pick one, SSCAN walks them): deleting
// moves the last member into the hole; the slot table shifts clusters back instead of leaving
// tombstones.

import { hashString } from './packed-hashtable.ts';

const MIN_SLOTS = 16;

export class MemberTable {
  /** The members, dense in [0, size). */
  private members: string[] = [];
  /** hashes[i]: hashString(members[i]). */
  private hashes = new Int32Array(8);
  /** Open-addressing slots: 0 empty, else position + 1. Length is a power of two. */
  private slots = new Int32Array(MIN_SLOTS);
  private mask = MIN_SLOTS - 1;

  get size(): number {
    return this.members.length;
  }

  memberAt(i: number): string {
    return this.members[i]!;
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
    this.append(member, h);
    return true;
  }

  /** Removes a member; true when it was there. */
  delete(member: string): boolean {
    const slot = this.findSlot(member, hashString(member));
    if (slot < 0) return false;
    const at = this.slots[slot]! - 1;
    this.removeSlot(slot);
    const last = this.members.length - 1;
    if (at !== last) {
      // Move the last member into the hole and point its slot at the new position.
      const movedHash = this.hashes[last]!;
      let s = movedHash & this.mask;
      while (this.slots[s] !== last + 1) s = (s + 1) & this.mask;
      this.slots[s] = at + 1;
      this.members[at] = this.members[last]!;
      this.hashes[at] = movedHash;
    }
    this.members.pop();
    return true;
  }

  clone(): MemberTable {
    const copy = new MemberTable();
    copy.members = this.members.slice();
    copy.hashes = this.hashes.slice();
    copy.slots = this.slots.slice();
    copy.mask = this.mask;
    return copy;
  }

  private append(member: string, h: number): void {
    const at = this.members.length;
    if ((at + 1) * 4 > this.slots.length * 3) this.resize(this.slots.length * 2);
    if (at === this.hashes.length) {
      const hashes = new Int32Array(at * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.members.push(member);
    this.hashes[at] = h;
    let s = h & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = at + 1;
  }

  /** The slot holding member, or -1. */
  private findSlot(member: string, h: number): number {
    const slots = this.slots;
    const mask = this.mask;
    for (let s = h & mask; ; s = (s + 1) & mask) {
      const p = slots[s]!;
      if (p === 0) return -1;
      if (this.hashes[p - 1] === h && this.members[p - 1] === member) return s;
    }
  }

  /** Empties a slot, shifting back later members of its cluster that may not skip the hole. */
  private removeSlot(hole: number): void {
    const slots = this.slots;
    const mask = this.mask;
    let s = hole;
    for (;;) {
      s = (s + 1) & mask;
      const p = slots[s]!;
      if (p === 0) break;
      const home = this.hashes[p - 1]! & mask;
      // p may move to the hole when its home is not in the cyclic range (hole, s].
      const inRange = hole <= s ? home > hole && home <= s : home > hole || home <= s;
      if (!inRange) {
        slots[hole] = p;
        hole = s;
      }
    }
    slots[hole] = 0;
  }

  private resize(capacity: number): void {
    const slots = new Int32Array(capacity);
    const mask = capacity - 1;
    const hashes = this.hashes;
    for (let i = 0; i < this.members.length; i++) {
      let s = hashes[i]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
