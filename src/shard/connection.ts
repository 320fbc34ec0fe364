import type { Socket } from 'node:net';
import { RequestParser } from '../resp/request-parser.ts';
import { ProtocolError } from '../resp/protocol-error.ts';
import { ReplyWriter } from '../resp/reply-writer.ts';
import { ClientState } from './client-state.ts';
import type { CommandSpec } from '../commands/table.ts';
import type { ClientTracking } from './tracking-client.ts';
import { DirectWriter } from './direct-write.ts';

/** Replies held back while a hop is outstanding are written anyway past this size. */
const HOLD_LIMIT = 64 * 1024;

/**
 * A reply that another worker is computing. It keeps its place in the connection's output: `at` is
 * the length the local replies had when it was opened, and its bytes, once they arrive, are copied
 * into the connection's slot arena. Replies after it wait until it is filled, so a connection
 * answers in request order whatever worker executed each command.
 */
export class ReplySlot {
  readonly connection: Connection;
  /** Position in the connection's local reply bytes before which this reply goes. */
  at: number;
  /** The reply's bytes in the connection's slot arena, once filled (start < 0: still open). */
  start = -1;
  end = -1;

  /** CLIENT REPLY OFF/SKIP: the reply is awaited for ordering but not written. */
  private readonly discard: boolean;

  constructor(connection: Connection, at: number, discard: boolean) {
    this.connection = connection;
    this.at = at;
    this.discard = discard;
  }

  get filled(): boolean {
    return this.start >= 0;
  }

  complete(bytes: Buffer, start: number, end: number): void {
    if (this.discard) this.start = this.end = 0;
    else this.connection.storeSlotBytes(this, bytes, start, end);
    this.connection.slotCompleted();
  }
}

/** What the connection needs from its worker. */
export interface ConnectionHost {
  dispatch(connection: Connection, argv: string[]): void;
  /** Runs the next request if it is a GET / SET / MSET the host answers from the request bytes (dispatcher.ts fastCommand). */
  fastCommand(connection: Connection): boolean;
  /** Around the requests one read made ready: per-batch checks of dispatch (dispatcher.ts beginBatch). */
  beginBatch(connection: Connection): void;
  endBatch(): void;
  /** True while a cross-shard transaction holds this worker: client commands wait. */
  isLocked(): boolean;
  /** Reads the clock (and sets the keyspace's notion of now). */
  clockNow(): number;
  inputStarted(): number;
  inputEnded(started: number): void;
  pauseUntilUnlocked(connection: Connection): void;
  outputReady(connection: Connection): void;
  connectionClosed(connection: Connection): void;
  /**
   * Before a client's input runs: what other workers already sent is taken in first (a transaction's
   * lock request, invalidations for a tracking client), so commands keep the order they were issued in.
   */
  beforeInput(tracked: boolean): void;
}

export interface MultiState {
  queue: Array<{ argv: string[]; spec: CommandSpec }>;
  /** A command was rejected while queuing: EXEC answers EXECABORT. */
  failed: boolean;
}

export const REPLY_ON = 0;
export const REPLY_OFF = 1;
export const REPLY_SKIP = 2;

/**
 * One client connection on its worker: reads and parses requests, hands each to the dispatcher in
 * order, and writes replies once per event-loop turn (one socket write per batch of a pipeline).
 */
export class Connection {
  /** null for the AOF replay client, whose replies go nowhere. */
  readonly socket: Socket | null;
  private readonly writer: DirectWriter | null;
  readonly client: ClientState;
  readonly parser: RequestParser;
  readonly reply = new ReplyWriter(16 * 1024);
  private readonly host: ConnectionHost;
  /**
   * Replies owed or given by other workers since the last write, in request order. Local replies
   * stay in `reply` meanwhile; each slot marks where in them its bytes go, and filled slots keep
   * their bytes in `slotArena`, so a batch costs one output buffer whatever the mix of workers.
   */
  private slots: ReplySlot[] = [];
  private readonly slotArena = new ReplyWriter(4 * 1024);
  private openSlots = 0;
  /** Set while an asynchronous operation (a cross-shard transaction, a fan-out) must finish before the next command runs. */
  barrier = false;
  /** A command to dispatch again before the next request (it waited for other workers to evict). */
  retryArgv: string[] | null = null;
  /** retryArgv has waited for evictions once: it does not wait again. */
  evictionAwaited = false;
  closed = false;
  /** Close once the pending replies are written (QUIT, protocol errors). */
  closeAfterReply = false;
  /** The client half-closed: close once every request it sent has been answered. */
  private peerEnded = false;
  authenticated: boolean;
  multi: MultiState | null = null;
  /** Workers that hold WATCH registrations of this client. */
  watchedWorkers = new Set<number>();
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  replyMode = REPLY_ON;
  monitor = false;
  noEvict = false;
  /** CLIENT TRACKING state (null: tracking off), see tracking.ts. */
  tracking: ClientTracking | null = null;
  /** Sent a blocking command at some point: on close, every worker is told to drop its wait. */
  mayBeBlocked = false;
  /** Waiting for this worker's lock to be released (or a CLIENT PAUSE to end) to run its next request. */
  paused = false;
  readonly createdAt = Date.now();
  lastInteraction = Date.now();
  readonly remoteAddress: string;
  readonly localAddress: string;
  /** Bytes of replies not yet handed to the socket, plus the socket's own backlog. */
  outputLimitHard = 0;

  constructor(id: number, socket: Socket | null, host: ConnectionHost, maxBulkLen: number, maxQueryBufferLen: number, needsAuth: boolean) {
    this.socket = socket;
    this.host = host;
    this.client = new ClientState(id);
    this.parser = new RequestParser({ maxBulkLen, maxQueryBufferLen });
    this.authenticated = !needsAuth;
    this.writer = socket === null ? null : new DirectWriter(socket);
    if (socket === null) {
      this.remoteAddress = this.localAddress = 'aof';
      this.client.isMaster = true;
      return;
    }
    this.remoteAddress = `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`;
    this.localAddress = `${socket.localAddress ?? '?'}:${socket.localPort ?? 0}`;
    socket.setNoDelay(true);
    // A client that half-closes after its last request still gets every reply, including those
    // other workers compute after its FIN arrived (Redis answers all it read before EOF).
    socket.allowHalfOpen = true;
    socket.on('end', () => {
      this.peerEnded = true;
      this.host.outputReady(this);
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  /** Feeds bytes as if they came from the socket (the AOF replay client). */
  feed(chunk: Buffer): void {
    this.parser.feed(chunk);
    this.processInput();
  }

  /** Every complete request has run and been answered (an incomplete one may remain buffered). */
  get idle(): boolean {
    return !this.barrier && !this.paused && this.openSlots === 0;
  }

  get id(): number {
    return this.client.id;
  }

  get isSubscriber(): boolean {
    return this.channels.size + this.patterns.size > 0;
  }

  /**
   * Bytes read from the socket, in the worker's shared read buffer (shared-read-buffer.ts): they are
   * parsed and run now, and what remains of an incomplete request is copied out before returning.
   */
  onRead(bytes: Buffer, length: number): void {
    if (this.closed) return;
    this.lastInteraction = this.host.clockNow();
    const started = this.host.inputStarted();
    this.host.beforeInput(this.tracking !== null);
    this.parser.feed(bytes, length);
    this.processInput(false);
    this.parser.releaseInput();
    this.host.inputEnded(started);
    if (!this.closed && this.parser.bufferedBytes() > this.parser.limits.maxQueryBufferLen) {
      // Redis closes a client whose query buffer passes client-query-buffer-limit.
      console.warn(`shoal: closing client ${this.id}: query buffer ${this.parser.bufferedBytes()} > limit`);
      this.close();
    }
  }

  /**
   * Runs every complete request that may run now; stops at a barrier, a lock or QUIT. `readClock`
   * false: the caller has just read it.
   */
  processInput(readClock = true): void {
    // One clock reading per batch of requests: expiry decisions within a batch share it.
    if (readClock) this.host.clockNow();
    this.host.beginBatch(this);
    this.paused = false;
    while (!this.closed && !this.barrier && !this.closeAfterReply) {
      if (this.host.isLocked()) {
        this.paused = true;
        this.host.pauseUntilUnlocked(this);
        break;
      }
      if (this.retryArgv === null && this.host.fastCommand(this)) continue;
      let argv: string[] | null;
      try {
        argv = this.retryArgv ?? this.parser.next();
        this.retryArgv = null;
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.reply.error(err.message);
        this.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      this.host.dispatch(this, argv);
    }
    this.host.endBatch();
    this.host.outputReady(this);
  }

  /** Reserves the reply position of a command another worker executes. */
  openSlot(discard = false): ReplySlot {
    const slot = new ReplySlot(this, this.reply.pos, discard);
    this.slots.push(slot);
    this.openSlots++;
    return slot;
  }

  /** Keeps the bytes of a filled slot until its batch is written. */
  storeSlotBytes(slot: ReplySlot, bytes: Buffer, start: number, end: number): void {
    const arena = this.slotArena;
    slot.start = arena.pos;
    arena.rawRange(bytes, start, end);
    slot.end = arena.pos;
  }

  slotCompleted(): void {
    this.openSlots--;
    this.host.outputReady(this);
  }

  /** Writes every reply that is ready, in order, in one socket write. */
  flush(): void {
    if (this.closed) return;
    if (this.slots.length === 0) {
      if (this.reply.pos > 0) this.writeReplies();
    } else {
      // Hold the batch while some of it is still computed elsewhere: one write per pipeline batch
      // (fewer syscalls here and fewer reads in the client), unless the held bytes grow large.
      if (this.openSlots > 0 && this.reply.pos + this.slotArena.pos < HOLD_LIMIT) return;
      this.writeReadySlots();
    }
    if ((this.closeAfterReply || (this.peerEnded && !this.paused && this.openSlots === 0)) && this.slots.length === 0 && !this.barrier) {
      this.socket?.end();
      this.close();
    }
  }

  /** Writes the local replies and filled slots up to the first open slot, interleaved in order. */
  private writeReadySlots(): void {
    const slots = this.slots;
    const local = this.reply.buf;
    const arena = this.slotArena.buf;
    let ready = 0;
    while (ready < slots.length && slots[ready]!.filled) ready++;
    const upTo = ready === slots.length ? this.reply.pos : slots[ready]!.at;
    let total = upTo;
    for (let i = 0; i < ready; i++) total += slots[i]!.end - slots[i]!.start;
    if (total === 0 && ready === 0) return;
    const out = Buffer.allocUnsafe(total);
    let localPos = 0;
    let outPos = 0;
    for (let i = 0; i < ready; i++) {
      const slot = slots[i]!;
      if (slot.at > localPos) outPos += local.copy(out, outPos, localPos, slot.at);
      localPos = slot.at;
      if (slot.end > slot.start) outPos += arena.copy(out, outPos, slot.start, slot.end);
    }
    if (upTo > localPos) local.copy(out, outPos, localPos, upTo);
    if (ready === slots.length) {
      this.reply.pos = 0;
      this.slotArena.pos = 0;
      slots.length = 0;
    } else {
      this.keepAfter(upTo, ready);
    }
    if (total > 0) this.write(out);
  }

  /** After a partial write: moves the unwritten local replies and slot bytes to the front. */
  private keepAfter(upTo: number, ready: number): void {
    const reply = this.reply;
    reply.buf.copy(reply.buf, 0, upTo, reply.pos);
    reply.pos -= upTo;
    const rest = this.slots.slice(ready);
    const arena = this.slotArena;
    const kept = Buffer.allocUnsafe(arena.pos);
    let keptPos = 0;
    for (const slot of rest) {
      slot.at -= upTo;
      if (slot.filled && slot.end > slot.start) {
        const length = arena.buf.copy(kept, keptPos, slot.start, slot.end);
        slot.start = keptPos;
        slot.end = keptPos + length;
        keptPos += length;
      }
    }
    arena.pos = 0;
    arena.raw(kept.subarray(0, keptPos));
    this.slots = rest;
  }

  /** A connection without a socket (the AOF replay): its replies go here, if anywhere. */
  replayOutput: ((bytes: Buffer) => void) | null = null;

  /** Writes the local replies straight from the reply buffer (no slots are waiting). */
  private writeReplies(): void {
    const reply = this.reply;
    if (this.socket === null) {
      reply.sent(false);
      return;
    }
    // The buffer is reused only when the kernel took every byte during the write.
    reply.sent(!this.write(reply.pending()));
  }

  /** Hands bytes to the socket; true when they are all written already (the buffer is free). */
  private write(bytes: Buffer): boolean {
    const writer = this.writer;
    if (writer === null) {
      this.replayOutput?.(bytes);
      return true;
    }
    const done = writer.write(bytes);
    if (this.outputLimitHard > 0 && writer.queued() > this.outputLimitHard) {
      console.warn(`shoal: closing client ${this.id}: output buffer ${writer.queued()} > hard limit`);
      this.socket!.destroy();
      this.close();
    }
    return done;
  }

  /** Bytes waiting to be written (CLIENT LIST omem). */
  pendingOutput(): number {
    return this.reply.pos + (this.writer?.queued() ?? 0);
  }

  hasOpenSlots(): boolean {
    return this.openSlots > 0;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.socket !== null && !this.socket.destroyed) this.socket.destroySoon();
    this.host.connectionClosed(this);
  }
}
