import { SLOT_COUNT } from '../cluster/key-slot.ts';

/**
 * slot → owning shard worker, in a SharedArrayBuffer every thread reads without a message.
 * Contiguous ranges: worker w owns [w*16384/N, (w+1)*16384/N).
 */
export class SlotTable {
  readonly owners: Uint8Array;

  constructor(sab: SharedArrayBuffer) {
    this.owners = new Uint8Array(sab);
  }

  static create(workerCount: number): SharedArrayBuffer {
    const sab = new SharedArrayBuffer(SLOT_COUNT);
    const owners = new Uint8Array(sab);
    for (let w = 0; w < workerCount; w++) {
      const [start, end] = slotRange(w, workerCount);
      owners.fill(w, start, end);
    }
    return sab;
  }

  ownerOf(slot: number): number {
    return this.owners[slot]!;
  }
}

/** [first, end) slots of worker w out of n. */
export function slotRange(w: number, n: number): [number, number] {
  return [Math.floor((w * SLOT_COUNT) / n), Math.floor(((w + 1) * SLOT_COUNT) / n)];
}
