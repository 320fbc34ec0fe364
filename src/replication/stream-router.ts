// A follower's stream, dispatched by the log thread to the workers that own its keys (DESIGN.md, log
// thread): each command whose keys all live on one worker goes to that worker's master client, in
// stream order per worker, so the workers apply their parts at the same time; anything else (keyless
// commands such as FLUSHALL or PUBLISH, multi-key commands across workers, a MULTI block spanning
// workers) is a barrier: it waits until everything before it is applied, runs alone on worker 0
// (whose master client hops and locks as any client does, so a MULTI stays atomic), and nothing after
// it starts before it is done. SELECT and PING change nothing on the data: the router tracks the
// database itself and every unit carries the one it runs in.
//
// The applied offset is the end of the longest prefix of the stream whose units are all done: what
// this follower acknowledges and passes on to its own replicas.
//
// Ownership is the fixed split of the slots between the workers (slotRange), as without cluster mode.
import { RequestParser } from '../resp/request-parser.ts';
import { lookupCommand } from '../commands/table.ts';
import { getKeyIndexes } from '../commands/key-extraction.ts';
import { keyHashSlot } from '../cluster/key-slot.ts';
import { slotRange } from '../ipc/slot-table.ts';

/** Where a unit runs: a worker's master client, on worker 0 alone (barrier), or nowhere. */
type UnitKind = 'local' | 'barrier' | 'noop' | 'getack';

interface Unit {
  id: number;
  kind: UnitKind;
  worker: number;
  db: number;
  /** Stream offsets: the unit is the bytes after `start` up to and including `end`. */
  start: number;
  end: number;
  done: boolean;
}

export interface StreamRouterHost {
  /** Run these stream bytes on `worker`'s master client in database `db`; report unitDone(id). */
  run(worker: number, id: number, db: number, bytes: Buffer): void;
  /** Every unit up to this stream offset is applied. */
  applied(offset: number): void;
  /** REPLCONF GETACK reached, everything before it applied: acknowledge `offset`. */
  ack(offset: number): void;
}

const BARRIER = -1;
const NOOP = -2;
const GETACK = -3;

export class StreamRouter {
  private readonly workers: number;
  private readonly host: StreamRouterHost;
  private parser = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, maxQueryBufferLen: Number.MAX_SAFE_INTEGER });
  /** Received bytes not yet handed to a unit, and the stream offset of the byte before them. */
  private held: Buffer[] = [];
  private heldBase = 0;
  /** Stream offset of the last byte fed to the parser. */
  private fedEnd = 0;
  /** The database the stream is in (after its last SELECT). */
  db = 0;
  private nextId = 1;
  /** Units in stream order, from the first not yet retired. */
  private readonly units: Unit[] = [];
  /** Index in `units` of the first unit not yet started. */
  private startAt = 0;
  private barrierRunning = false;
  private paused = false;
  private idleWaiters: Array<() => void> = [];
  /** A MULTI block being collected: its first byte's offset, its database, the workers its keys live on. */
  private block: { start: number; db: number; owners: Set<number>; barrier: boolean } | null = null;
  private readonly keyIndexes: number[] = [];
  /** The first slot of each worker after the first (ownership is slotRange's split). */
  private readonly firstSlots: number[] = [];

  constructor(workers: number, host: StreamRouterHost) {
    this.workers = workers;
    this.host = host;
    for (let w = 1; w < workers; w++) this.firstSlots.push(slotRange(w, workers)[0]);
  }

  private ownerOfSlot(slot: number): number {
    let w = 0;
    while (w < this.firstSlots.length && slot >= this.firstSlots[w]!) w++;
    return w;
  }

  /** Starts over at stream offset `offset` (after a full resync, or once a dropped link is settled). */
  restart(offset: number): void {
    this.parser = new RequestParser({ maxBulkLen: Number.MAX_SAFE_INTEGER, maxQueryBufferLen: Number.MAX_SAFE_INTEGER });
    this.held = [];
    this.heldBase = offset;
    this.fedEnd = offset;
    this.block = null;
  }

  /** Stream bytes that follow offset `start`. */
  feed(bytes: Buffer, start: number): void {
    if (start !== this.fedEnd) this.restart(start);
    this.held.push(bytes);
    this.parser.feed(bytes);
    this.fedEnd += bytes.length;
    for (;;) {
      const argv = this.parser.next();
      if (argv === null) break;
      const end = this.fedEnd - this.parser.bufferedBytes();
      this.route(argv, end);
    }
    this.pump();
  }

  unitDone(id: number): void {
    for (let i = 0; i < this.startAt; i++) {
      const unit = this.units[i]!;
      if (unit.id !== id) continue;
      unit.done = true;
      if (unit.kind === 'barrier') this.barrierRunning = false;
      break;
    }
    this.pump();
  }

  /** Stops starting units (a snapshot of what is applied is about to be taken). */
  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    this.pump();
  }

  /** Calls back once every complete unit received is applied (nothing running, nothing waiting; a MULTI block not complete yet does not count). */
  whenIdle(callback: () => void): void {
    this.idleWaiters.push(callback);
    this.pump();
  }

  /** The target of one command: a worker, BARRIER, NOOP or GETACK. */
  private targetOf(argv: string[]): number {
    const name = argv[0]!.toLowerCase();
    if (name === 'select') {
      this.db = Number(argv[1]) || 0;
      return NOOP;
    }
    if (name === 'ping') return NOOP;
    if (name === 'replconf') return argv[1]?.toLowerCase() === 'getack' ? GETACK : NOOP;
    const spec = lookupCommand(name, argv);
    if (spec === undefined) return BARRIER;
    const indexes = getKeyIndexes(spec, argv, this.keyIndexes);
    if (indexes.length === 0) return BARRIER;
    let owner = -1;
    for (const i of indexes) {
      const w = this.ownerOfSlot(keyHashSlot(argv[i]!));
      if (owner === -1) owner = w;
      else if (owner !== w) return BARRIER;
    }
    return owner;
  }

  private route(argv: string[], end: number): void {
    const name = argv[0]!.toLowerCase();
    const block = this.block;
    if (block !== null) {
      if (name === 'exec' || name === 'discard') {
        this.block = null;
        const owner = block.barrier || block.owners.size !== 1 ? BARRIER : [...block.owners][0]!;
        this.addUnit(owner, block.db, block.start, end);
        return;
      }
      const target = this.targetOf(argv);
      if (target === BARRIER) block.barrier = true;
      else if (target >= 0) block.owners.add(target);
      return;
    }
    const start = this.lastEnd();
    if (name === 'multi') {
      this.block = { start, db: this.db, owners: new Set(), barrier: false };
      return;
    }
    const db = this.db;
    const target = this.targetOf(argv);
    // SELECT's own unit is in the database it selects (nothing runs it).
    this.addUnit(target, target === NOOP ? this.db : db, start, end);
  }

  /** Where the last unit ends (the next one starts after it). */
  private lastEnd(): number {
    const last = this.units[this.units.length - 1];
    return last === undefined ? this.heldBase : Math.max(last.end, this.heldBase);
  }

  private addUnit(target: number, db: number, start: number, end: number): void {
    const kind: UnitKind = target === BARRIER ? 'barrier' : target === NOOP ? 'noop' : target === GETACK ? 'getack' : 'local';
    const worker = target >= 0 ? target : 0;
    const last = this.units[this.units.length - 1];
    // Consecutive commands for the same worker and database travel together.
    if (kind === 'local' && last !== undefined && this.units.length > this.startAt && last.kind === 'local' && last.worker === worker && last.db === db) {
      last.end = end;
      return;
    }
    this.units.push({ id: this.nextId++, kind, worker, db, start, end, done: kind === 'noop' });
  }

  /** The bytes of [start + 1, end] from what is held (dropping what comes before). */
  private take(start: number, end: number): Buffer {
    this.drop(start);
    const parts: Buffer[] = [];
    let need = end - start;
    for (const chunk of this.held) {
      if (need <= 0) break;
      const part = chunk.subarray(0, Math.min(need, chunk.length));
      parts.push(part);
      need -= part.length;
    }
    this.drop(end);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  /** Forgets the held bytes up to stream offset `upTo`. */
  private drop(upTo: number): void {
    while (this.heldBase < upTo && this.held.length > 0) {
      const chunk = this.held[0]!;
      const cut = upTo - this.heldBase;
      if (cut >= chunk.length) {
        this.held.shift();
        this.heldBase += chunk.length;
      } else {
        this.held[0] = chunk.subarray(cut);
        this.heldBase += cut;
      }
    }
  }

  private pump(): void {
    // Start what may start, in order.
    while (!this.paused && !this.barrierRunning && this.startAt < this.units.length) {
      const unit = this.units[this.startAt]!;
      if (unit.kind === 'barrier' || unit.kind === 'getack') {
        // Everything before it must be applied first.
        let before = true;
        for (let i = 0; i < this.startAt; i++) if (!this.units[i]!.done) before = false;
        if (!before) break;
        this.startAt++;
        if (unit.kind === 'getack') {
          unit.done = true;
          this.host.ack(unit.end);
          continue;
        }
        this.barrierRunning = true;
        this.host.run(0, unit.id, unit.db, this.take(unit.start, unit.end));
        break;
      }
      this.startAt++;
      if (unit.kind === 'local') this.host.run(unit.worker, unit.id, unit.db, this.take(unit.start, unit.end));
      else this.drop(unit.end);
    }
    // Retire the applied prefix.
    let applied = -1;
    while (this.startAt > 0 && this.units[0]!.done) {
      applied = this.units.shift()!.end;
      this.startAt--;
    }
    if (applied >= 0) this.host.applied(applied);
    if (this.idleWaiters.length > 0 && this.units.length === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      // Never from inside the caller's own step (a constructor, a handler that goes on after it).
      queueMicrotask(() => {
        for (const callback of waiters) callback();
      });
    }
  }
}
