// The index shared by the compact hashtable encodings (member-table.ts for sets, packed-hashtable.ts
// for hashes): entries kept dense in [0, size) (SPOP, HRANDFIELD pick a position, SSCAN and HSCAN
// walk them), each entry's 32-bit hash in an Int32Array, and an open-addressing slot table of
// (position + 1) with linear probing. Deleting moves the last entry into the hole, and the slot
// table shifts the rest of a cluster back instead of leaving tombstones, so lookups never slow down
// after many deletes. A subclass says what an entry is and how a key matches one: it owns the probe
// loop (findSlot), which stays monomorphic on the lookup path.

const MIN_SLOTS = 16;

export abstract class DenseHashIndex<Entry> {
  /** The entries, dense in [0, size). */
  protected entries: Entry[] = [];
  /** hashes[i]: the hash of entries[i]'s key. */
  protected hashes = new Int32Array(8);
  /** Open-addressing slots: 0 empty, else position + 1. Length is a power of two. */
  protected slots = new Int32Array(MIN_SLOTS);
  protected mask = MIN_SLOTS - 1;

  get size(): number {
    return this.entries.length;
  }

  /** Appends an entry whose key the caller knows is absent. */
  protected appendEntry(entry: Entry, h: number): void {
    const at = this.entries.length;
    if ((at + 1) * 4 > this.slots.length * 3) this.resize(this.slots.length * 2);
    if (at === this.hashes.length) {
      const hashes = new Int32Array(at * 2);
      hashes.set(this.hashes);
      this.hashes = hashes;
    }
    this.entries.push(entry);
    this.hashes[at] = h;
    let s = h & this.mask;
    while (this.slots[s] !== 0) s = (s + 1) & this.mask;
    this.slots[s] = at + 1;
  }

  /** Removes the entry a slot points at, moving the last entry into its position. */
  protected deleteSlot(slot: number): void {
    const at = this.slots[slot]! - 1;
    this.removeSlot(slot);
    const last = this.entries.length - 1;
    if (at !== last) {
      // Point the last entry's slot at its new position.
      const movedHash = this.hashes[last]!;
      let s = movedHash & this.mask;
      while (this.slots[s] !== last + 1) s = (s + 1) & this.mask;
      this.slots[s] = at + 1;
      this.entries[at] = this.entries[last]!;
      this.hashes[at] = movedHash;
    }
    this.entries.pop();
  }

  /** Makes `copy` an independent copy of this index (clone()). */
  protected copyInto(copy: DenseHashIndex<Entry>): void {
    copy.entries = this.entries.slice();
    copy.hashes = this.hashes.slice();
    copy.slots = this.slots.slice();
    copy.mask = this.mask;
  }

  /** Empties a slot, shifting back later entries of its cluster that may not skip the hole. */
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
    for (let i = 0; i < this.entries.length; i++) {
      let s = hashes[i]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
