import { performance } from 'node:perf_hooks';
import type { MessagePort } from 'node:worker_threads';
import type { Socket } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { WorkerMesh, type MeshBuffers } from '../ipc/worker-mesh.ts';
import type { Request } from '../ipc/frames.ts';
import { SlotTable } from '../ipc/slot-table.ts';
import { SharedStats, STAT_COMMANDS, STAT_DIRTY, STAT_HOPS_IN, STAT_HOPS_OUT, STAT_KEYS } from '../ipc/shared-stats.ts';
import { EffectLog } from '../ipc/effect-log.ts';
import { ReplyWriter, errorReplyCounts } from '../resp/reply-writer.ts';
import { Keyspace, type KeyspaceListener } from './keyspace.ts';
import type { Database } from './database.ts';
import { Executor, type ChangeSink } from './executor.ts';
import { ClientState } from './client-state.ts';
import { Connection, ReplySlot, type ConnectionHost } from './connection.ts';
import { readIntoSharedBuffer, SHARED_READ_BUFFER_BYTES } from './shared-read-buffer.ts';
import { ShardLock } from './shard-lock.ts';
import { WatchRegistry } from './watch-registry.ts';
import { PubSubHub } from './pubsub-hub.ts';
import { Dispatcher } from './dispatcher.ts';
import { runInternalOp, NO_REPLY } from './internal-ops.ts';
import { busyScript } from '../scripting/busy-script.ts';
import { ActiveExpiry } from './active-expiry.ts';
import type { ServerConfig } from '../config/server-config.ts';
import type { NotifyClass } from '../commands/context.ts';
import { keyspaceEventsAllow } from './keyspace-events.ts';
import { seqBefore } from '../log/log-control.ts';
import { clientInfoLine, clientMatches } from '../commands/client.ts';
import { BlockingRegistry, waitedType, type BlockedCommand } from './blocking.ts';
import { SlowLog } from './slowlog.ts';
import { Tracking } from './tracking.ts';
import { PostponedCommands } from './client-pause.ts';
import { typeName } from '../types/value.ts';
import type { CommandHandler } from '../commands/context.ts';
import type { WorkerStats } from './worker-stats.ts';
import type { Session } from './session.ts';
import { WorkerReplication } from '../replication/worker-replication.ts';
import { PersistenceState } from '../persistence/persistence-state.ts';
import { startPersistenceCron } from '../persistence/persistence-cron.ts';
import { MemoryGuard } from './eviction.ts';
import { setAccessClock } from './access-clock.ts';

/** Redis's sdscatrepr: printable ASCII as is, quotes and backslashes escaped, the rest as \n, \xHH... */
function monitorEscape(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22) out += '\\' + s[i];
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c < 127) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out;
}

/** Where a reply to one of this worker's requests goes. */
export interface ReplyTarget {
  complete(bytes: Buffer, start: number, end: number): void;
}

class PromiseTarget implements ReplyTarget {
  resolve!: (bytes: Buffer) => void;
  readonly promise: Promise<Buffer>;
  constructor() {
    this.promise = new Promise((resolve) => (this.resolve = resolve));
  }
  complete(bytes: Buffer, start: number, end: number): void {
    this.resolve(Buffer.from(bytes.subarray(start, end)));
  }
}

export interface ShardOptions {
  id: number;
  workerCount: number;
  mesh: MeshBuffers;
  ports: Array<MessagePort | null>;
  slotTable: SharedArrayBuffer;
  stats: SharedArrayBuffer;
  effectRing: SharedArrayBuffer;
  sequence: SharedArrayBuffer;
  logControl: SharedArrayBuffer;
  /** Replication: this worker's end of its channel to the log thread, and the state the log thread publishes. */
  logPort?: MessagePort;
  replState?: SharedArrayBuffer;
  config: ServerConfig;
  /** Sends a control message to the main thread (config changes, shutdown, client kills). */
  toMain: (msg: unknown) => void;
}

/**
 * The root of a shard worker: owns its connections, its keyspace (the keys of its slots in every
 * database), its end of the worker mesh, and the lock that cross-shard transactions take. Work is
 * done in event-loop turns: sockets and rings feed commands in, and at the end of each turn the
 * worker flushes what it owes: frames to peers, effects to the log, replies to sockets.
 */
export class Shard implements ConnectionHost, KeyspaceListener, ChangeSink {
  readonly id: number;
  readonly workerCount: number;
  readonly slots: SlotTable;
  readonly stats: SharedStats;
  readonly mesh: WorkerMesh;
  readonly keyspace: Keyspace;
  readonly executor: Executor;
  readonly effects: EffectLog;
  readonly config: ServerConfig;
  readonly lock = new ShardLock();
  readonly watches = new WatchRegistry();
  readonly pubsub = new PubSubHub();
  readonly blocking = new BlockingRegistry();
  /** CLIENT TRACKING: keys remembered here, invalidations delivered to this worker's clients. */
  readonly tracking: Tracking = new Tracking(this);
  /** Commands held by CLIENT PAUSE WRITE until the pause ends. */
  readonly postponed = new PostponedCommands();
  readonly slowlog: SlowLog;
  /** maxmemory: this worker's memory figure and its evictions. */
  readonly memory: MemoryGuard;
  private servingBlocked = false;
  private readonly blockedReply = new ReplyWriter(4096);
  readonly connections = new Map<number, Connection>();
  readonly dispatcher: Dispatcher;
  readonly activeExpiry: ActiveExpiry;
  readonly replication: WorkerReplication;
  readonly toMain: (msg: unknown) => void;
  /** Scratch state for executing requests from other workers. */
  private readonly remoteClient = new ClientState(0);
  private readonly remoteReply = new ReplyWriter(64 * 1024);
  private readonly pending = new Map<number, ReplyTarget>();
  /** Requests this worker sent to itself, run at the end of the turn. */
  private inbox: Request[] = [];
  /** Set by '@unlock': the lock is freed once the current request is answered. */
  releaseRequested = false;
  private nextReqId = 1;
  private nextTxId = 1;
  private turnScheduled = false;
  private readonly dirtyConnections = new Set<Connection>();
  private readonly pausedConnections = new Set<Connection>();
  readonly startedAt = Date.now();
  commandsProcessed = 0;
  connectionsReceived = 0;
  lastSave = Date.now();
  /** executor.dirty when the last RDB save finished (rdb_changes_since_last_save). */
  dirtyAtLastSave = 0;
  /** A BGSAVE started by this worker is running. */
  bgsaveInProgress = false;
  /** Background saves and rewrites: this worker's part of a snapshot, INFO persistence's figures. */
  readonly persistence = new PersistenceState();
  activeExpiryEnabled = true;
  /** CLIENT PAUSE: until when, and whether only writes wait. */
  pausedUntil = 0;
  pauseWritesOnly = false;
  private closing = false;

  constructor(options: ShardOptions) {
    this.id = options.id;
    this.workerCount = options.workerCount;
    this.config = options.config;
    this.toMain = options.toMain;
    this.slots = new SlotTable(options.slotTable);
    this.stats = new SharedStats(options.stats, options.workerCount);
    this.keyspace = new Keyspace(this);
    this.memory = new MemoryGuard(this);
    this.executor = new Executor(this.keyspace, this.config, this);
    this.effects = new EffectLog(options.effectRing, options.sequence, options.logControl);
    this.mesh = new WorkerMesh(this.id, options.mesh, options.ports, this, () => this.scheduleTurn());
    this.dispatcher = new Dispatcher(this);
    this.slowlog = new SlowLog(this.id, this.workerCount);
    this.activeExpiry = new ActiveExpiry(this.keyspace, () => this.config.activeExpireEffort);
    this.replication = new WorkerReplication(this, options.logPort, options.replState);
    this.startTimers();
    startPersistenceCron(this);
    // Frames may already wait in the rings (a peer that started first): look once, then sleep.
    this.scheduleTurn();
    if (process.env.SHOAL_DEBUG_TURNS) {
      setInterval(() => {
        console.log(`worker ${this.id}: ${JSON.stringify(this.turnStats)} commands=${this.commandsProcessed}`);
        const st = this.turnStats;
        st.turns = st.rounds = st.frames = st.sleeps = st.drainMs = st.meshFlushMs = st.connFlushMs = st.inputMs = 0;
      }, 1000).unref();
    }
  }

  // ---- connections ----

  private nextMainRequest = 1;
  private readonly mainRequests = new Map<number, (value: unknown) => void>();

  /** Asks the main thread (`msg` gets an id) and resolves with its answer ('main-reply'). */
  askMain(msg: { type: string } & Record<string, unknown>): Promise<unknown> {
    const id = this.nextMainRequest++;
    return new Promise((resolve) => {
      this.mainRequests.set(id, resolve);
      this.toMain({ ...msg, id });
    });
  }

  mainReplied(id: number, value: unknown): void {
    const resolve = this.mainRequests.get(id);
    if (resolve === undefined) return;
    this.mainRequests.delete(id);
    resolve(value);
  }

  /** A client socket the acceptor transferred: from now on it reads into the worker's shared buffer. */
  adopt(received: Socket, clientId: number): void {
    let conn: Connection | null = null;
    const socket = readIntoSharedBuffer(received, this.readBuffer, (bytes, length) => conn!.onRead(bytes, length));
    conn = this.attach(socket, clientId);
    socket.resume();
  }

  /** Serves a client socket whose reads the caller delivers to the connection's onRead. */
  attach(socket: Socket, clientId: number): Connection {
    const conn = new Connection(
      clientId, socket, this, this.config.protoMaxBulkLen, this.config.clientQueryBufferLimit, this.config.requirepass !== '',
    );
    conn.outputLimitHard = this.config.clientOutputBufferLimit.normal[0];
    this.connections.set(clientId, conn);
    this.connectionsReceived++;
    return conn;
  }

  /** Every client socket of this worker reads into this one buffer (shared-read-buffer.ts). */
  private readonly readBuffer = Buffer.allocUnsafe(SHARED_READ_BUFFER_BYTES);

  /** Time spent parsing and dispatching a connection's input (debug timing only). */
  inputStarted(): number {
    return this.timing ? performance.now() : 0;
  }

  inputEnded(started: number): void {
    if (this.timing) this.turnStats.inputMs += performance.now() - started;
  }

  /**
   * What other workers sent before this input was read may still wait in a ring: Redis, one thread,
   * has it queued already. A transaction's lock request that came first must run first (a command
   * of another client must not slip in ahead of an EXEC that was issued before it), and an
   * invalidation for a tracking client must reach it before this request's reply (the drain is
   * unconditional for those: the writer may have had its reply already). Draining here is safe: no
   * command is running.
   */
  beforeInput(tracked: boolean): void {
    if (!tracked && (this.workerCount === 1 || !this.mesh.hasInbound())) return;
    this.mesh.markAwake();
    this.mesh.drain();
    this.scheduleTurn();
  }

  fastCommand(connection: Connection): boolean {
    if (!this.dispatcher.fastCommand(connection)) return false;
    this.mesh.markAwake();
    this.commandsProcessed++;
    return true;
  }

  /**
   * Nothing besides the keyspace needs to hear of a key change here: no WATCH, no blocked client
   * (of this worker or another), no tracking, no keyspace notifications, no effect log reader.
   */
  keyChangesUnobserved(): boolean {
    return this.watches.size === 0 && this.blocking.size === 0 && this.keyWatches.size === 0 && this.executor.tracker === null &&
      this.executor.changedKeys === null && this.config.notifyKeyspaceEvents === 0 && !this.effects.active;
  }

  dispatch(connection: Connection, argv: string[]): void {
    this.mesh.markAwake();
    this.commandsProcessed++;
    this.dispatcher.dispatch(connection, argv);
  }

  beginBatch(connection: Connection): void {
    this.dispatcher.beginBatch(connection);
  }

  endBatch(): void {
    this.dispatcher.endBatch();
  }

  clockNow(): number {
    const now = Date.now();
    this.keyspace.now = now;
    setAccessClock(now);
    return now;
  }

  isLocked(): boolean {
    // While a script is busy (past busy-reply-threshold) clients run again, to get -BUSY (dispatcher).
    return (this.lock.held && busyScript() === null) || (this.pausedUntil !== 0 && !this.pauseWritesOnly && this.pausedUntil > Date.now());
  }

  /** A script became busy: the clients waiting for the lock run now (and get -BUSY or SCRIPT KILL's answer). */
  wakePausedClients(): void {
    const paused = [...this.pausedConnections];
    this.pausedConnections.clear();
    for (const conn of paused) if (!conn.closed) conn.processInput();
    this.scheduleTurn();
  }

  pauseUntilUnlocked(connection: Connection): void {
    this.pausedConnections.add(connection);
  }

  outputReady(connection: Connection): void {
    this.dirtyConnections.add(connection);
    this.scheduleTurn();
  }

  connectionClosed(connection: Connection): void {
    if (connection.socket === null) {
      this.dispatcher.forgetClient(connection);
      return;
    }
    if (!this.connections.delete(connection.id)) return;
    this.keyWaiters.get(connection.id)?.(false);
    if (this.monitors.delete(connection)) {
      for (let w = 0; w < this.workerCount; w++) this.send(w, ['@monitors', '-1'], 0, 2, null);
    }
    if (connection.mayBeBlocked) {
      // Wherever it waits, the wait must end without taking anything for a client that is gone.
      for (let w = 0; w < this.workerCount; w++) this.send(w, ['@unblock', String(connection.id), 'drop'], 0, 2, null);
    }
    this.stats.clientClosed(this.id);
    this.tracking.connectionClosed(connection);
    this.postponed.connectionClosed(connection);
    this.pubsub.removeConnection(connection);
    this.dispatcher.forgetClient(connection);
    this.dirtyConnections.delete(connection);
    this.pausedConnections.delete(connection);
  }

  // ---- the turn ----

  scheduleTurn(): void {
    if (this.turnScheduled) return;
    this.turnScheduled = true;
    setImmediate(this.endTurn);
  }

  readonly turnStats = { turns: 0, rounds: 0, frames: 0, sleeps: 0, drainMs: 0, meshFlushMs: 0, connFlushMs: 0, inputMs: 0 };
  private readonly timing = process.env.SHOAL_DEBUG_TURNS !== undefined;

  /** Clock read once per turn for the requests of other workers. */
  private turnClock = Date.now();

  private readonly endTurn = (): void => {
    this.turnScheduled = false;
    this.turnClock = Date.now();
    setAccessClock(this.turnClock);
    this.turnStats.turns++;
    for (let round = 0; round < 64; round++) {
      this.turnStats.rounds++;
      const t0 = this.timing ? performance.now() : 0;
      let received = this.mesh.drain();
      if (this.inbox.length > 0) {
        const inbox = this.inbox;
        this.inbox = [];
        for (const request of inbox) this.onRequest(request);
        received += inbox.length;
      }
      this.turnStats.frames += received;
      const t1 = this.timing ? performance.now() : 0;
      if (this.tracking.broadcastPending && !this.lock.held) this.tracking.flushBroadcasts();
      this.effects.flush();
      this.mesh.flush();
      const t2 = this.timing ? performance.now() : 0;
      this.flushConnections();
      if (this.timing) {
        const t3 = performance.now();
        this.turnStats.drainMs += t1 - t0;
        this.turnStats.meshFlushMs += t2 - t1;
        this.turnStats.connFlushMs += t3 - t2;
      }
      if (received === 0 && this.inbox.length === 0 && this.mesh.sleep()) {
        this.turnStats.sleeps++;
        return;
      }
    }
    this.scheduleTurn();
  };

  /** Connections whose replies wait until the log thread makes this sequence durable (appendfsync always). */
  private readonly heldForDurability = new Set<Connection>();
  private durableTarget = 0;
  private waitingForDurability = false;

  private flushConnections(): void {
    if (this.dirtyConnections.size === 0) return;
    // appendfsync always: as Redis answers only after the fsync of its event loop iteration, the
    // replies of this turn wait until every effect sequenced so far is durable (group commit).
    // With the AOF on and any fsync policy, Redis writes it (write(2), in beforeSleep) before it
    // sends the replies: an acknowledged write survives a crash of the process.
    if ((this.config.appendfsync === 'always' || this.config.appendonly) && this.effects.active) {
      const need = this.effects.nextSequence();
      if (seqBefore(this.effects.durableSequence(), need)) {
        for (const conn of this.dirtyConnections) this.heldForDurability.add(conn);
        this.dirtyConnections.clear();
        this.durableTarget = need;
        this.awaitDurability();
        return;
      }
    }
    for (const conn of this.dirtyConnections) conn.flush();
    this.dirtyConnections.clear();
  }

  private awaitDurability(): void {
    if (this.waitingForDurability) return;
    const durable = this.effects.durableSequence();
    if (!seqBefore(durable, this.durableTarget)) {
      for (const conn of this.heldForDurability) this.dirtyConnections.add(conn);
      this.heldForDurability.clear();
      this.scheduleTurn();
      return;
    }
    this.waitingForDurability = true;
    void this.effects.waitDurableChange(durable).then(() => {
      this.waitingForDurability = false;
      this.awaitDurability();
    });
  }

  // ---- requests to other workers ----

  newTxId(): number {
    // Unique across workers: the low bits name the coordinator.
    return ((this.nextTxId++ * 64 + this.id) >>> 0) || this.newTxId();
  }

  /** Sends a request; its reply goes to `target`. A request to this worker itself runs through the same path. */
  send(to: number, argv: readonly string[], db: number, resp: number, target: ReplyTarget | null, txId = 0, clientId = 0): void {
    const reqId = target === null ? 0 : this.nextReqId++;
    if (target !== null) this.pending.set(reqId, target);
    const flags = target === null ? NO_REPLY : 0;
    if (to === this.id) {
      // Through the turn loop like any ring: running it here would re-enter whatever command is
      // executing now (and its scratch reply).
      this.inbox.push({ from: this.id, db, resp: resp === 3 ? 3 : 2, flags, reqId, txId, clientId, argv: argv as string[] });
      this.scheduleTurn();
      return;
    }
    this.stats.add(this.id, STAT_HOPS_OUT, 1);
    this.mesh.sendRequest(to, db, resp, flags, reqId, txId, clientId, argv);
    this.scheduleTurn();
  }

  /** The same as send(), answered through a promise (for the transaction coordinator, not the hot path). */
  request(to: number, argv: readonly string[], db: number, resp: number, txId = 0, clientId = 0): Promise<Buffer> {
    const target = new PromiseTarget();
    this.send(to, argv, db, resp, target, txId, clientId);
    return target.promise;
  }

  // ---- FrameHandler ----

  onRequest(request: Request): void {
    if (!this.lock.admits(request.txId)) {
      this.lock.deferred.push(request);
      return;
    }
    this.handleRequest(request);
  }

  private handleRequest(request: Request): void {
    if (request.from !== this.id) this.stats.add(this.id, STAT_HOPS_IN, 1);
    this.keyspace.now = this.turnClock;
    const out = this.remoteReply;
    out.reset();
    out.proto = request.resp;
    const argv = request.argv;
    if (argv[0]!.charCodeAt(0) === 64 /* '@' */) {
      runInternalOp(this, request, out);
    } else {
      const client = this.remoteClient;
      (client as { id: number }).id = request.clientId;
      client.resp = request.resp;
      client.dbIndex = request.db;
      // On a replica, client id 0 is the master client (worker 0's, see worker-replication.ts).
      client.isMaster = request.clientId === 0 && this.keyspace.isReplica;
      if (this.dispatcher.executeKeyed(argv, this.keyspace.dbs[request.db]!, client, out, request.txId)) {
        // Blocked: the reply is sent when the wait ends.
        const handler = this.executor.blockHandler!;
        this.blockClient(handler, argv, request.db, request.clientId, request.resp, { complete: (b, s, e) => this.replyTo(request, b, s, e) });
        this.afterCommand();
        return;
      }
    }
    if ((request.flags & NO_REPLY) === 0) this.replyTo(request, out.buf, 0, out.pos);
    this.afterCommand();
    if (this.releaseRequested) {
      this.releaseRequested = false;
      this.releaseLock();
    }
  }

  /** Answers a request (internal ops that finish later call this themselves). */
  replyTo(request: Request, bytes: Buffer, start: number, end: number): void {
    if (request.from === this.id) {
      const target = this.pending.get(request.reqId);
      if (target !== undefined) {
        this.pending.delete(request.reqId);
        target.complete(bytes, start, end);
      }
      return;
    }
    this.mesh.sendReply(request.from, request.reqId, bytes, start, end);
    this.scheduleTurn();
  }

  onReply(_from: number, reqId: number, bytes: Buffer, start: number, end: number): void {
    const target = this.pending.get(reqId);
    if (target === undefined) return;
    this.pending.delete(reqId);
    target.complete(bytes, start, end);
  }

  // ---- locking ----

  acquireLock(txId: number): void {
    this.lock.holder = txId;
  }

  /** Frees the lock, then runs what waited for it (which may lock it again), then resumes paused clients. */
  releaseLock(): void {
    this.lock.holder = 0;
    this.afterCommand();
    const deferred = this.lock.deferred;
    while (deferred.length > 0 && !this.lock.held) {
      const request = deferred.shift()!;
      this.handleRequest(request);
    }
    if (this.lock.held || this.pausedConnections.size === 0) return;
    const paused = [...this.pausedConnections];
    this.pausedConnections.clear();
    for (const conn of paused) {
      if (this.lock.held) {
        this.pausedConnections.add(conn);
        continue;
      }
      conn.processInput();
    }
  }

  // ---- KeyspaceListener / ChangeSink ----

  keyExpired(db: Database, key: string): void {
    this.watches.touch(db, key);
    this.memory.keyRemoved(db, key);
    this.emitEffect(db.index, ['DEL', key]);
    this.notify(db, key, 'expired', 'x');
    if (this.executor.tracker !== null) this.tracking.keyModified(db, key, 0);
  }

  /** A key removed by maxmemory eviction: propagated as DEL, as Redis does, with the 'evicted' event. */
  keyEvicted(db: Database, key: string): void {
    this.watches.touch(db, key);
    this.emitEffect(db.index, ['DEL', key]);
    this.notify(db, key, 'evicted', 'e');
    if (this.executor.tracker !== null) this.tracking.keyEvicted(db, key);
  }

  nudgeEviction(worker: number): void {
    this.send(worker, ['@evict'], 0, 2, null);
  }

  ownsSlot(slot: number): boolean {
    return this.slots.ownerOf(slot) === this.id;
  }

  keyCreated(db: Database, key: string): void {
    if (this.config.notifyKeyspaceEvents !== 0) this.notify(db, key, 'new', 'n');
  }

  keyChanged(db: Database, key: string): void {
    this.watches.touch(db, key);
    this.blocking.keyChanged(db.index, key);
    if (this.config.maxmemory > 0) this.memory.keyWritten(db, key);
    if (this.keyWatches.size > 0) {
      const clients = this.keyWatches.get(`${db.index}\u0000${key}`);
      if (clients !== undefined) {
        for (const [clientId, worker] of [...clients]) {
          this.unwatchKeys(clientId);
          this.send(worker, ['@key-ready', String(clientId)], 0, 2, null);
        }
      }
    }
  }

  // ---- blocked clients ----

  /** Keeps a client waiting after its handler called block(); its reply goes to `target` later. */
  blockClient(handler: CommandHandler, argv: string[], db: number, clientId: number, resp: 2 | 3, target: ReplyTarget): void {
    const request = this.executor.blockRequest!;
    const blocked: BlockedCommand = {
      clientId, db, resp, keys: request.keys, argv, handler, target, timeoutReply: request.timeoutReply, timer: null,
    };
    if (request.timeoutMs > 0) {
      blocked.timer = setTimeout(() => {
        blocked.timer = null;
        this.unblock(blocked, 'timeout');
      }, request.timeoutMs);
    }
    this.blocking.add(blocked);
  }

  /** Ends a wait without serving it: a timeout reply, CLIENT UNBLOCK's error, or nothing (client gone). */
  unblock(blocked: BlockedCommand, how: 'timeout' | 'error' | 'drop', error = 'UNBLOCKED client unblocked via CLIENT UNBLOCK'): void {
    if (!this.blocking.isWaiting(blocked)) return;
    this.blocking.remove(blocked);
    if (how === 'drop') return;
    const out = this.blockedReply;
    out.reset();
    out.proto = blocked.resp;
    if (how === 'error') out.error(error);
    else if (blocked.timeoutReply === 'nil') out.nil();
    else out.nullArray();
    blocked.target.complete(out.buf, 0, out.pos);
    this.scheduleTurn();
  }

  /** Interest of other workers' blocked clients in keys of this worker: "db\0key" → (clientId → worker). */
  private readonly keyWatches = new Map<string, Map<number, number>>();
  /** Blocked clients of this worker waiting for a key change on other workers. */
  private readonly keyWaiters = new Map<number, (woken: boolean) => void>();

  watchKeys(worker: number, clientId: number, db: number, keys: string[]): void {
    for (const key of keys) {
      const k = `${db}\u0000${key}`;
      let clients = this.keyWatches.get(k);
      if (clients === undefined) this.keyWatches.set(k, (clients = new Map()));
      clients.set(clientId, worker);
    }
  }

  unwatchKeys(clientId: number): void {
    for (const [k, clients] of this.keyWatches) {
      if (clients.delete(clientId) && clients.size === 0) this.keyWatches.delete(k);
    }
  }

  /** Resolves true when a watched key changes, false at the timeout (0 = none) or when the client goes. */
  waitForKeys(clientId: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | null = null;
      const done = (woken: boolean): void => {
        if (timer !== null) clearTimeout(timer);
        this.keyWaiters.delete(clientId);
        resolve(woken);
      };
      this.keyWaiters.set(clientId, done);
      if (timeoutMs > 0) timer = setTimeout(() => done(false), timeoutMs);
      else if (timeoutMs < 0) done(false);
    });
  }

  keyReady(clientId: number): void {
    this.keyWaiters.get(clientId)?.(true);
  }

  // ---- SLOWLOG ----

  /**
   * Logs a command of one of this worker's clients that took at least slowlog-log-slower-than
   * microseconds of this worker's time: its execution when it ran here, its routing when it hopped
   * (the execution on the other worker is not included).
   */
  /** Whether SLOWLOG keeps a command that took `ms` (slowlog-log-slower-than, in µs; negative: none). */
  slowlogTakes(ms: number): boolean {
    const threshold = this.config.slowlogLogSlowerThan;
    return threshold >= 0 && ms * 1000 >= threshold;
  }

  slowlogRecord(conn: Connection, argv: string[], ms: number): void {
    if (!this.slowlogTakes(ms)) return;
    this.slowlog.add(argv, ms * 1000, conn.remoteAddress, conn.client.name, this.config.slowlogMaxLen);
  }

  // ---- MONITOR ----

  /** Monitors connected to any worker (every worker keeps the count; MONITOR waits for all to know). */
  monitorsAnywhere = 0;
  private readonly monitors = new Set<Connection>();

  addMonitor(conn: Connection): void {
    this.monitors.add(conn);
  }

  /** Sends one executed command, formatted as Redis's MONITOR lines, to the monitors of every worker. */
  feedMonitors(conn: Connection, argv: string[]): void {
    const now = Date.now();
    let line = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')} [${conn.client.dbIndex} ${conn.remoteAddress}]`;
    for (const arg of argv) line += ' "' + monitorEscape(arg) + '"';
    for (let w = 0; w < this.workerCount; w++) this.send(w, ['@monitor-feed', line], 0, 2, null);
  }

  deliverToMonitors(line: string): void {
    for (const monitor of this.monitors) {
      if (monitor.closed) continue;
      monitor.reply.simple(line);
      this.outputReady(monitor);
    }
  }

  /** >0 while a transaction runs its commands here without this worker's lock (the all-local EXEC). */
  transactionDepth = 0;

  /**
   * After a command: serve clients blocked on keys it made ready, as Redis does after each command —
   * but never inside a transaction (MULTI/EXEC, a cross-shard command): its waiters are served when
   * it ends, so they see the transaction whole.
   */
  afterCommand(): void {
    if (this.config.maxmemory > 0) this.memory.publish();
    if (this.blocking.ready.size > 0 && !this.servingBlocked && !this.lock.held && this.transactionDepth === 0) this.serveBlocked();
  }

  /** Retries the clients waiting on keys that changed, first blocked first served, until one finds nothing. */
  private serveBlocked(): void {
    this.servingBlocked = true;
    const executor = this.executor;
    const out = this.blockedReply;
    try {
      while (this.blocking.ready.size > 0) {
        const readyKey: string = this.blocking.ready.values().next().value!;
        this.blocking.ready.delete(readyKey);
        const [readyDb, readyName] = WatchRegistry.parse(readyKey);
        const readyValue = this.keyspace.dbs[readyDb]!.get(readyName);
        for (const blocked of this.blocking.waitersOf(readyKey)) {
          if (!this.blocking.isWaiting(blocked)) continue;
          // As Redis: a key that now holds another type than the one waited for serves nobody.
          const waited = waitedType(blocked.argv[0]!);
          if (readyValue !== undefined && waited !== null && typeName(readyValue) !== waited) continue;
          out.reset();
          out.proto = blocked.resp;
          const client = this.remoteClient;
          (client as { id: number }).id = blocked.clientId;
          client.resp = blocked.resp;
          client.dbIndex = blocked.db;
          executor.canBlock = false;
          this.keyspace.now = Date.now();
          const started = performance.now();
          executor.execute(blocked.handler, blocked.argv, this.keyspace.dbs[blocked.db]!, client, out);
          executor.canBlock = true;
          if (executor.blockRequest !== null) break; // still nothing: the ones behind it wait too
          this.blocking.remove(blocked);
          // As Redis, a served blocking command is logged as it was sent, when it runs to completion
          // (its client's worker is this one when the target is a reply slot of a local connection).
          if (blocked.target instanceof ReplySlot) this.slowlogRecord(blocked.target.connection, blocked.argv, performance.now() - started);
          blocked.target.complete(out.buf, 0, out.pos);
        }
      }
    } finally {
      executor.canBlock = true;
      this.servingBlocked = false;
    }
    this.scheduleTurn();
  }

  notify(db: Database, key: string, event: string, cls: NotifyClass): void {
    const flags = this.config.notifyKeyspaceEvents;
    if (flags === 0 || !keyspaceEventsAllow(flags, cls)) return;
    const dbPart = `__keyspace@${db.index}__:`;
    if (keyspaceEventsAllow(flags, 'K')) this.publishEverywhere(dbPart + key, event);
    if (keyspaceEventsAllow(flags, 'E')) this.publishEverywhere(`__keyevent@${db.index}__:${event}`, key);
  }

  emitEffect(db: number, argv: readonly string[]): void {
    // DEBUG LOADAOF replays the AOF itself: those writes are in it already.
    if (this.persistence.replayingAof) return;
    // A script's effects, on whichever worker, carry its transaction id: the AOF and replicas get
    // them as one MULTI/EXEC block.
    const tx = this.scriptEffectsTx !== 0 && this.lock.holder === this.scriptEffectsTx ? this.scriptEffectsTx : 0;
    this.effects.emit(db, argv, tx);
  }

  /** The transaction id of the script that holds this worker's lock ('@script-tx'), 0 for none. */
  scriptEffectsTx = 0;

  /** Delivers a message to the subscribers of every worker without waiting for a count. */
  publishEverywhere(channel: string, message: string): void {
    for (let w = 0; w < this.workerCount; w++) this.send(w, ['@publish', channel, message], 0, 2, null);
  }

  // ---- timers ----

  private startTimers(): void {
    const tick = (): void => {
      if (this.closing) return;
      const hz = Math.max(1, Math.min(500, this.config.hz));
      if (!this.lock.held && this.activeExpiryEnabled) {
        this.keyspace.now = Date.now();
        // Redis's slow cycle may use 25% of each tick.
        this.activeExpiry.cycle(Math.max(1, Math.floor(250 / hz)));
      }
      this.stats.set(this.id, STAT_KEYS, this.keyspace.totalKeys());
      if (!this.lock.held && !this.keyspace.isReplica) this.memory.cron();
      else this.memory.sample();
      this.stats.set(this.id, STAT_COMMANDS, this.commandsProcessed);
      this.stats.set(this.id, STAT_DIRTY, this.executor.dirty - this.dirtyAtLastSave);
      this.closeIdleClients();
      if (this.executor.tracker !== null) this.tracking.enforceLimit();
      this.scheduleTurn();
      timer = setTimeout(tick, 1000 / hz);
    };
    let timer = setTimeout(tick, 100);
    timer.unref();
  }

  private closeIdleClients(): void {
    const timeout = this.config.timeout;
    if (timeout <= 0) return;
    const now = Date.now();
    for (const conn of this.connections.values()) {
      if (conn.isSubscriber || conn.barrier || conn.hasOpenSlots()) continue;
      if (now - conn.lastInteraction > timeout * 1000) conn.close();
    }
  }

  // ---- AOF replay ----

  /**
   * Replays AOF files through a client without a socket, in order, chunk by chunk, waiting for each
   * chunk's commands (hops and cross-shard transactions included) before the next. A truncated last
   * command is cut off when aof-load-truncated is yes, as Redis does; otherwise loading fails.
   */
  async replayAof(files: string[], starts: readonly number[] = []): Promise<number> {
    // Every worker treats its keys as loading meanwhile: nothing expires (see Keyspace.loading).
    const everyWorker = (on: string): Promise<unknown> => Promise.all(Array.from({ length: this.workerCount }, (_, w) => this.request(w, ['@aof-replaying', on], 0, 2)));
    await everyWorker('1');
    try {
      return await this.replayAofFiles(files, starts);
    } finally {
      await everyWorker('0');
    }
  }

  private async replayAofFiles(files: string[], starts: readonly number[]): Promise<number> {
    const conn = new Connection(0, null, this, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false);
    conn.parser.aofFormat = true;
    const before = this.commandsProcessed;
    const chunk = Buffer.allocUnsafe(1024 * 1024);
    // As Redis, a command the server does not know stops the load (other errors are the command's own).
    let unknownCommand: string | null = null;
    conn.replayOutput = (bytes) => {
      if (unknownCommand !== null) return;
      const at = bytes.indexOf("-ERR unknown command '", 0, 'latin1');
      if (at >= 0) {
        const text = bytes.toString('latin1', at + 22, Math.min(bytes.length, at + 22 + 300));
        unknownCommand = text.slice(0, Math.max(0, text.indexOf("', with args")));
      }
    };
    for (let f = 0; f < files.length; f++) {
      const file = files[f]!;
      if (!fs.existsSync(file)) continue;
      const fd = fs.openSync(file, 'r');
      let offset = starts[f] ?? 0;
      try {
        for (;;) {
          const n = fs.readSync(fd, chunk, 0, chunk.length, offset);
          if (n === 0) break;
          offset += n;
          conn.feed(Buffer.from(chunk.subarray(0, n)));
          await this.untilIdle(conn);
          if (unknownCommand !== null) throw new Error(`Unknown command '${unknownCommand}' reading the append only file ${path.basename(file)}`);
          if (conn.closed) throw new Error(`Bad file format reading the append only file ${path.basename(file)} (near byte ${offset - conn.parser.bufferedBytes()}): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
        }
      } finally {
        fs.closeSync(fd);
      }
      const leftover = conn.parser.incompleteCommandBytes();
      if (leftover > 0) {
        if (f !== files.length - 1 || this.config.get('aof-load-truncated') !== 'yes') {
          throw new Error(`Unexpected end of file reading the append only file ${path.basename(file)} (${leftover} bytes of an incomplete command). You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
        }
        console.warn(`shoal: !!! Warning: short read while loading the AOF file ${path.basename(file)}!!! AOF loaded anyway because aof-load-truncated is enabled`);
        fs.truncateSync(file, offset - leftover);
      }
    }
    conn.close();
    return this.commandsProcessed - before;
  }

  private untilIdle(conn: Connection): Promise<void> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (conn.idle || conn.closed) resolve();
        else setImmediate(check);
      };
      check();
    });
  }

  // ---- administration (CLIENT, CONFIG, INFO) ----

  /** Applies what CONFIG SET changed to this worker's live state. */
  configChanged(_pairs: Array<[string, string]>): void {
    this.replication.configChanged();
    for (const conn of this.connections.values()) {
      conn.parser.limits.maxBulkLen = this.config.protoMaxBulkLen;
      conn.parser.limits.maxQueryBufferLen = this.config.clientQueryBufferLimit;
      conn.outputLimitHard = conn.isSubscriber ? this.config.clientOutputBufferLimit.pubsub[0] : this.config.clientOutputBufferLimit.normal[0];
    }
  }

  killClients(filters: string[]): number {
    const now = Date.now();
    let killed = 0;
    for (const conn of [...this.connections.values()]) {
      if (!clientMatches(conn, filters, now)) continue;
      conn.flush();
      conn.close();
      killed++;
    }
    return killed + this.replication.killLinks(filters);
  }

  clientList(filters: string[]): string {
    const now = Date.now();
    let text = '';
    for (const conn of this.connections.values()) if (clientMatches(conn, filters, now)) text += clientInfoLine(conn, now) + '\n';
    return text;
  }

  localStats(): WorkerStats {
    return {
      commands: this.commandsProcessed,
      opsPerSec: this.dispatcher.opsPerSec(),
      connectionsReceived: this.connectionsReceived,
      clients: this.connections.size,
      // Waiting on this worker's keys, and waiting here on keys of several workers.
      blockedClients: this.blocking.size + this.keyWaiters.size + this.postponed.size,
      keys: this.keyspace.totalKeys(),
      expiredKeys: this.keyspace.expiredKeys,
      evictedKeys: this.memory.evictedKeys,
      hits: this.keyspace.hits,
      misses: this.keyspace.misses,
      dirty: this.executor.dirty - this.dirtyAtLastSave,
      pubsubChannels: this.pubsub.channels.size,
      pubsubPatterns: this.pubsub.patterns.size,
      hopsOut: this.stats.get(this.id, STAT_HOPS_OUT),
      hopsIn: this.stats.get(this.id, STAT_HOPS_IN),
      netInput: 0,
      netOutput: 0,
      reads: this.commandsProcessed,
      writes: this.commandsProcessed,
      errorReplies: [...errorReplyCounts.values()].reduce((a, n) => a + n, 0),
      commandStats: this.dispatcher.commandStatsSnapshot(),
      errorStats: Object.fromEntries(errorReplyCounts),
      saveProgress: this.persistence.progress(),
    };
  }

  resetStats(): void {
    this.commandsProcessed = 0;
    this.connectionsReceived = 0;
    this.keyspace.hits = 0;
    this.keyspace.misses = 0;
    this.keyspace.expiredKeys = 0;
    this.memory.evictedKeys = 0;
    this.stats.set(this.id, STAT_HOPS_OUT, 0);
    this.stats.set(this.id, STAT_HOPS_IN, 0);
    this.dispatcher.resetStats();
  }

  /** CLIENT PAUSE / UNPAUSE on every worker: commands wait (all, or writes only) until the deadline. */
  clientPause(session: Session, argv: string[], pause: boolean): void | Promise<void> {
    const { out } = session;
    if (!pause) {
      this.pausedUntil = 0;
      this.keyspace.expiryPausedUntil = 0;
      for (let w = 0; w < this.workerCount; w++) if (w !== this.id) this.send(w, ['@pause', '0', 'all'], 0, 2, null);
      this.resumePaused();
      out.simple('OK');
      return;
    }
    const timeout = argv[2]!;
    if (!/^(0|[1-9][0-9]*)$/.test(timeout)) {
      out.error('ERR timeout is not an integer or out of range');
      return;
    }
    const mode = (argv[3] ?? 'all').toLowerCase();
    if (argv.length > 4 || (mode !== 'all' && mode !== 'write')) {
      out.error('ERR syntax error');
      return;
    }
    const until = Date.now() + Number(timeout);
    // Answered once every worker holds: a command sent after the OK, to any worker, waits.
    const acks: Array<Promise<Buffer>> = [];
    for (let w = 0; w < this.workerCount; w++) acks.push(this.request(w, ['@pause', String(until), mode], 0, 2, session.txId));
    return Promise.all(acks).then(() => out.simple('OK'));
  }

  setPause(until: number, writesOnly: boolean): void {
    this.pausedUntil = until;
    this.keyspace.expiryPausedUntil = until;
    this.pauseWritesOnly = writesOnly;
    if (until === 0) {
      this.resumePaused();
      return;
    }
    setTimeout(() => this.resumePaused(), Math.max(0, until - Date.now()) + 1).unref();
  }

  private resumePaused(): void {
    if (this.pausedUntil > Date.now()) return;
    this.pausedUntil = 0;
    this.keyspace.expiryPausedUntil = 0;
    if (this.postponed.size > 0) this.postponed.release((conn, argv) => this.dispatcher.dispatch(conn, argv), (conn) => this.outputReady(conn));
    const paused = [...this.pausedConnections];
    this.pausedConnections.clear();
    for (const conn of paused) if (!conn.closed) conn.processInput();
  }

  close(): void {
    this.closing = true;
    for (const conn of this.connections.values()) conn.close();
    this.mesh.close();
  }
}
