import type { Socket } from 'node:net';
import { RequestParser } from '../resp/request-parser.ts';
import { ProtocolError } from '../resp/protocol-error.ts';
import { ReplyWriter } from '../resp/reply-writer.ts';
import { ClientState } from './client-state.ts';
import type { CommandSpec } from '../commands/table.ts';
import type { ClientTracking } from './tracking-client.ts';

const EMPTY = Buffer.alloc(0);
/** Replies held back while a hop is outstanding are written anyway past this size. */
const HOLD_LIMIT = 64 * 1024;

/**
 * A reply that another worker is computing. Replies queued after it wait until it is filled, so a
 * connection answers in request order whatever worker executed each command.
 */
export class ReplySlot {
  readonly connection: Connection;
  bytes: Buffer | null = null;

  /** CLIENT REPLY OFF/SKIP: the reply is awaited for ordering but not written. */
  private readonly discard: boolean;

  constructor(connection: Connection, discard: boolean) {
    this.connection = connection;
    this.discard = discard;
  }

  complete(bytes: Buffer, start: number, end: number): void {
    if (this.discard) this.bytes = EMPTY;
    else {
      const copy = Buffer.allocUnsafe(end - start);
      bytes.copy(copy, 0, start, end);
      this.bytes = copy;
    }
    this.connection.slotCompleted();
  }
}

/** What the connection needs from its worker. */
export interface ConnectionHost {
  dispatch(connection: Connection, argv: string[]): void;
  /** True while a cross-shard transaction holds this worker: client commands wait. */
  isLocked(): boolean;
  /** Reads the clock (and sets the keyspace's notion of now). */
  clockNow(): number;
  inputStarted(): number;
  inputEnded(started: number): void;
  pauseUntilUnlocked(connection: Connection): void;
  outputReady(connection: Connection): void;
  connectionClosed(connection: Connection): void;
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
  readonly client: ClientState;
  readonly parser: RequestParser;
  readonly reply = new ReplyWriter(16 * 1024);
  private readonly host: ConnectionHost;
  /** While replies are owed by other workers: finished chunks and slots, in request order. */
  private queue: Array<Buffer | ReplySlot> = [];
  private openSlots = 0;
  /** Bytes of finished replies waiting in `queue` behind an open slot. */
  private heldBytes = 0;
  /** Set while an asynchronous operation (a cross-shard transaction, a fan-out) must finish before the next command runs. */
  barrier = false;
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
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
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

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    this.lastInteraction = this.host.clockNow();
    const started = this.host.inputStarted();
    this.parser.feed(chunk);
    this.processInput();
    this.host.inputEnded(started);
    if (!this.closed && this.parser.bufferedBytes() > this.parser.limits.maxQueryBufferLen) {
      // Redis closes a client whose query buffer passes client-query-buffer-limit.
      console.warn(`shoal: closing client ${this.id}: query buffer ${this.parser.bufferedBytes()} > limit`);
      this.close();
    }
  }

  /** Runs every complete request that may run now; stops at a barrier, a lock or QUIT. */
  processInput(): void {
    // One clock reading per batch of requests: expiry decisions within a batch share it.
    this.host.clockNow();
    this.paused = false;
    while (!this.closed && !this.barrier && !this.closeAfterReply) {
      if (this.host.isLocked()) {
        this.paused = true;
        this.host.pauseUntilUnlocked(this);
        break;
      }
      let argv: string[] | null;
      try {
        argv = this.parser.next();
      } catch (err) {
        if (!(err instanceof ProtocolError)) throw err;
        this.reply.error(err.message);
        this.closeAfterReply = true;
        break;
      }
      if (argv === null) break;
      this.host.dispatch(this, argv);
    }
    this.host.outputReady(this);
  }

  /** Reserves the reply position of a command another worker executes. */
  openSlot(discard = false): ReplySlot {
    if (this.reply.pos > 0) {
      this.heldBytes += this.reply.pos;
      this.queue.push(this.reply.take());
    }
    const slot = new ReplySlot(this, discard);
    this.queue.push(slot);
    this.openSlots++;
    return slot;
  }

  slotCompleted(): void {
    this.openSlots--;
    this.host.outputReady(this);
  }

  /** Writes every reply that is ready, in order, in one socket write. */
  flush(): void {
    if (this.closed) return;
    if (this.queue.length === 0) {
      if (this.reply.pos > 0) this.write(this.reply.take());
    } else {
      // Hold the batch while some of it is still computed elsewhere: one write per pipeline batch
      // (fewer syscalls here and fewer reads in the client), unless the held bytes grow large.
      if (this.openSlots > 0 && this.reply.pos + this.heldBytes < HOLD_LIMIT) return;
      if (this.reply.pos > 0) this.queue.push(this.reply.take());
      let ready = 0;
      while (ready < this.queue.length) {
        const item = this.queue[ready]!;
        if (item instanceof ReplySlot && item.bytes === null) break;
        ready++;
      }
      if (ready > 0) {
        const chunks: Buffer[] = new Array(ready);
        for (let i = 0; i < ready; i++) {
          const item = this.queue[i]!;
          chunks[i] = item instanceof ReplySlot ? item.bytes! : item;
        }
        this.queue.splice(0, ready);
        this.heldBytes = 0;
        for (const item of this.queue) if (!(item instanceof ReplySlot)) this.heldBytes += item.length;
        this.write(ready === 1 ? chunks[0]! : Buffer.concat(chunks));
      }
    }
    if ((this.closeAfterReply || (this.peerEnded && !this.paused && this.openSlots === 0)) && this.queue.length === 0 && !this.barrier) {
      this.socket?.end();
      this.close();
    }
  }

  private write(bytes: Buffer): void {
    if (this.socket === null) return;
    this.socket.write(bytes);
    if (this.outputLimitHard > 0 && this.socket.writableLength > this.outputLimitHard) {
      console.warn(`shoal: closing client ${this.id}: output buffer ${this.socket.writableLength} > hard limit`);
      this.socket.destroy();
      this.close();
    }
  }

  /** Bytes waiting to be written (CLIENT LIST omem). */
  pendingOutput(): number {
    return this.reply.pos + (this.socket?.writableLength ?? 0);
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
