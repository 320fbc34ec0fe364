// One shard worker's part of a point-in-time snapshot (BGSAVE, BGREWRITEAOF, a replica's full
// resync), taken while the worker keeps serving: Redis forks and lets the kernel copy pages on write;
// we serialize on write instead.
//
// The snapshot starts while every worker is locked (src/persistence/snapshot-stream.ts), so it is the
// keyspace at one point of the global write sequence. From then on the worker serializes its slots
// in small chunks, one per request of the coordinator ('@snapshot-chunk'), between its other work. A
// slot not serialized yet is serialized whole, in its old state, right before anything reads or
// changes one of its keys (Database's SnapshotHook, one null check when no snapshot runs): the
// bytes wait in `preserved` (the copy-on-write memory, rdb_last_cow_size) for the next chunk. FLUSH
// hands the old maps to the snapshot (nothing changes them afterwards); SWAPDB serializes both
// databases first.
//
// Chunks are self-contained runs of RDB key entries, each run after a SELECTDB of its database, so
// the coordinator may write the chunks of all workers in any order between the header and EOF.
import { slotEntries, type Database, type SnapshotHook, type SnapshotView } from '../shard/database.ts';
import type { Keyspace } from '../shard/keyspace.ts';
import { SLOT_COUNT } from '../cluster/key-slot.ts';
import { RdbWriter, type RdbWriterOptions } from './rdb-writer.ts';
import { encodeKeyEntry } from './rdb-file.ts';
import { RDB_OPCODE_SELECTDB } from './rdb-format.ts';

/** The structures of one database as they were when the snapshot started. */
interface DbView extends SnapshotView {
  /** 1 for each slot already serialized. */
  done: Uint8Array;
  /** FLUSH replaced the database's maps: these ones are ours alone now, no hook is needed. */
  detached: boolean;
}

export interface ChunkBudget {
  /** Stop after this many milliseconds of work (checked between slots). */
  ms: number;
  /** Stop once the chunk holds this many bytes. */
  bytes: number;
  /** Stop once the chunk holds this many keys (rdb-key-save-delay's pacing; 0: no limit). */
  keys?: number;
}

export class ShardSnapshot implements SnapshotHook {
  readonly id: string;
  /** What the snapshot is for ('rdb' for BGSAVE, 'aof' for BGREWRITEAOF, 'sync' for a replica). */
  readonly kind: string;
  private readonly keyspace: Keyspace;
  private readonly views: DbView[];
  /** Old states serialized because something touched their slot, waiting for the next chunk. */
  private readonly preserved: RdbWriter;
  private preservedDb = -1;
  private readonly out: RdbWriter;
  private outDb = -1;
  /** The cursor: next database and slot to serialize. */
  private cursorDb = 0;
  private cursorSlot: number;
  private readonly firstSlot: number;
  private readonly endSlot: number;
  /** Memory of the old states serialized ahead of the cursor because of a write (rdb_last_cow_size). */
  cowBytes = 0;
  keys = 0;
  /** Keys of this worker when the snapshot started (current_save_keys_total). */
  readonly totalKeys: number;
  /** rdb-key-save-delay: no chunk before this time (ms since the epoch). */
  resumeAt = 0;

  constructor(id: string, kind: string, keyspace: Keyspace, slotRange: [number, number], options: RdbWriterOptions) {
    this.id = id;
    this.kind = kind;
    this.keyspace = keyspace;
    this.firstSlot = this.cursorSlot = Math.max(0, slotRange[0]);
    this.endSlot = Math.min(SLOT_COUNT, slotRange[1]);
    this.preserved = new RdbWriter(options, 4096);
    this.out = new RdbWriter(options, 64 * 1024);
    this.totalKeys = keyspace.totalKeys();
    this.views = keyspace.dbs.map((db) => {
      return { ...db.snapshotView(), done: new Uint8Array(SLOT_COUNT), detached: false };
    });
    for (const db of keyspace.dbs) db.cow = this;
  }

  /** The worker's hooks go away: called once the last chunk is taken, or when the snapshot is abandoned. */
  release(): void {
    for (const db of this.keyspace.dbs) if (db.cow === this) db.cow = null;
  }

  // ---- SnapshotHook ----

  touch(db: Database, slot: number): void {
    const view = this.views[db.index]!;
    if (view.done[slot] === 1 || view.detached) return;
    this.preservedDb = this.serializeSlot(this.preserved, this.preservedDb, db.index, view, slot, true);
  }

  detach(db: Database): void {
    this.views[db.index]!.detached = true;
  }

  swap(a: Database, b: Database): void {
    for (const db of [a, b]) {
      const view = this.views[db.index]!;
      if (view.detached) continue;
      for (let slot = this.firstSlot; slot < this.endSlot; slot++) {
        if (view.done[slot] === 0) this.preservedDb = this.serializeSlot(this.preserved, this.preservedDb, db.index, view, slot, true);
      }
      // Everything is out: the maps may now change hands freely.
      view.detached = true;
    }
  }

  // ---- chunks ----

  /** True once every slot of every database went out and nothing waits in `preserved`. */
  get finished(): boolean {
    return this.cursorDb >= this.views.length && this.preserved.pos === 0;
  }

  /**
   * The next chunk: what writes preserved, then slots from the cursor until the budget is spent.
   * An empty buffer means the snapshot of this worker is complete.
   */
  nextChunk(budget: ChunkBudget): Buffer {
    const started = performance.now();
    const keysBefore = this.keys;
    const out = this.out;
    out.pos = 0;
    this.outDb = -1;
    if (this.preserved.pos > 0) {
      out.bytes(this.preserved.view());
      this.preserved.pos = 0;
      this.preservedDb = -1;
    }
    let sinceClock = 0;
    while (this.cursorDb < this.views.length) {
      const view = this.views[this.cursorDb]!;
      const slot = this.cursorSlot;
      // Empty and done slots cost next to nothing: the clock is read after a slot with keys, or
      // every 4096 slots (a sparse keyspace is walked in one chunk, not one round trip per 2 ms).
      let worked = false;
      if (view.done[slot] === 0) {
        const before = out.pos;
        this.outDb = this.serializeSlot(out, this.outDb, this.cursorDb, view, slot);
        worked = out.pos !== before;
      }
      if (++this.cursorSlot >= this.endSlot) {
        this.cursorSlot = this.firstSlot;
        this.cursorDb++;
      }
      if (!worked && ++sinceClock < 4096) continue;
      sinceClock = 0;
      if (out.pos >= budget.bytes || performance.now() - started >= budget.ms) break;
      if (budget.keys !== undefined && budget.keys > 0 && this.keys - keysBefore >= budget.keys) break;
    }
    return out.take();
  }

  /** Serializes one slot of one database into `into` (after a SELECTDB when `currentDb` differs); returns the db now selected there. */
  private serializeSlot(into: RdbWriter, currentDb: number, dbIndex: number, view: DbView, slot: number, copiedOnWrite = false): number {
    view.done[slot] = 1;
    if ((view.slots[slot]?.size ?? 0) + view.strings.slotSize(slot) === 0) return currentDb;
    if (currentDb !== dbIndex) {
      into.byte(RDB_OPCODE_SELECTDB);
      into.length(dbIndex);
    }
    const expires = view.expires;
    const anyExpires = expires.size > 0;
    for (const [key, value] of slotEntries(view, slot)) {
      const before = into.pos;
      encodeKeyEntry(into, key, value, anyExpires ? (expires.get(key) ?? -1) : -1);
      this.keys++;
      // The old state kept because of a write: a string counts the memory it held (what Redis's
      // copied pages measure; a compressible value is a few bytes in the file), an aggregate its
      // serialized bytes.
      if (copiedOnWrite) this.cowBytes += typeof value === 'string' ? key.length + value.length : into.pos - before;
    }
    return dbIndex;
  }
}
