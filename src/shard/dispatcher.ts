import { performance } from 'node:perf_hooks';
import { keyHashSlot, keyHashSlotBytes } from '../cluster/key-slot.ts';
import { latin1Short, latin1Slice } from '../resp/latin1.ts';
import { PEEK_GET, PEEK_MSET, PEEK_NONE, PEEK_SET } from '../resp/request-parser.ts';
import { CommandFlag, lookupCommand, checkArity, getKeyIndexes, isContainerCommand, type CommandSpec } from '../commands/table.ts';
import { errUnknownCommand, errUnknownSubcommand, NOAUTH, EXECABORT, LOADING } from '../resp/errors.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { CommandHandler } from '../commands/context.ts';
import { KEYED_HANDLERS, SESSION_COMMANDS } from '../commands/registry.ts';
import type { Database } from './database.ts';
import type { ClientState } from './client-state.ts';
import { REPLY_ON, REPLY_SKIP, type Connection } from './connection.ts';
import type { Shard } from './shard.ts';
import type { Session, SessionCommand } from './session.ts';
import { runCrossShard, type TxCommand } from './cross-shard.ts';
import { OOM_ERROR } from './eviction.ts';
import { replicationRefuses } from '../commands/replication.ts';
import { MISCONF_ERROR, writesDeniedByDiskError } from '../persistence/persistence-state.ts';
import { ReplyWriter as Writer, errorReplyCounts } from '../resp/reply-writer.ts';
import { busyScript, busyError } from '../scripting/busy-script.ts';

/** The key of the request the parser peeked, as a string (only where a Map keyed by strings must be asked). */
function peekedKey(parser: Connection['parser']): string {
  return latin1Short(parser.input(), parser.peekedKeyStart, parser.peekedKeyEnd);
}

const GET_SPEC = lookupCommand('get')!;
const SET_SPEC = lookupCommand('set')!;
const MSET_SPEC = lookupCommand('mset')!;

/**
 * The smallest slowlog-log-slower-than (µs) at which FAST commands run untimed (Dispatcher.untimedFast):
 * one of them taking a millisecond means a stall of the whole thread, which the next reading still
 * sees and logs.
 */
const UNTIMED_FAST_MIN_US = 1000;

/** How a command runs, resolved once per command spec and kept on it. */
interface Route {
  session: SessionCommand | undefined;
  handler: CommandHandler | undefined;
  /** INFO commandstats: [calls, usec, rejected_calls, failed_calls]. */
  stats: [number, number, number, number];
  singleKey: boolean;
}

/**
 * Routes each client command: checks (known, arity, auth, subscribe mode), MULTI queuing, then either
 * runs it here (connection commands, keys this worker owns), hops it to the worker that owns its
 * keys, or starts a cross-shard transaction when its keys span workers.
 */
export class Dispatcher {
  private readonly shard: Shard;
  private readonly keyIndexes: number[] = [];
  /** Set by routeKeyed when the command it ran here blocked its client. */
  private blockedHere = false;
  /** Replies of clients in CLIENT REPLY OFF/SKIP go here and are dropped. */
  readonly discard = new Writer(1024);
  /** INFO commandstats: name → [calls, usec, rejected_calls, failed_calls]. */
  private readonly commandStats = new Map<string, [number, number, number, number]>();
  private opsWindow: number[] = [0, 0];

  constructor(shard: Shard) {
    this.shard = shard;
  }

  /**
   * The connection whose batch of requests is being dispatched, when nothing about it or this worker
   * needs a per-command check (see plainState): its keyed commands take the short path. Null
   * otherwise, and between batches.
   */
  private plainConn: Connection | null = null;
  /** When the previous command of the batch ended (performance.now()): each command's SLOWLOG start. */
  private clock = 0;
  /**
   * True for a batch in which a FAST command (O(1) or O(log N), Redis's own flag) runs without
   * reading the clock after it: a reading costs ~70-90 ns on this VM, as much as a third of such a
   * command's own work. So when slowlog-log-slower-than is off or at least UNTIMED_FAST_MIN_US,
   * consecutive FAST commands share the next reading (of a timed command or the batch's end), and
   * commandstats usec splits it among them. With a smaller threshold (the tests' 0) every command
   * is timed.
   */
  private untimedFast = false;
  /** The last FAST command that ran since the clock was read, and its connection (null: none). */
  private untimed: string[] | null = null;
  private untimedConn: Connection | null = null;
  /** The commandstats of every FAST command run since the clock was read: they share its time. */
  private readonly untimedStats: Array<[number, number, number, number]> = [];

  /**
   * Before a connection's batch of requests: most of dispatch()'s checks depend on state that only a
   * command changes, so they are made here once for the batch instead of once per command.
   */
  beginBatch(conn: Connection): void {
    this.plainConn = this.plainState(conn) ? conn : null;
    this.clock = performance.now();
    const threshold = this.shard.config.slowlogLogSlowerThan;
    this.untimedFast = threshold < 0 || threshold >= UNTIMED_FAST_MIN_US;
  }

  endBatch(): void {
    this.plainConn = null;
    if (this.untimedStats.length > 0) this.settleUntimed();
  }

  /**
   * Reads the clock for the FAST commands that ran untimed since the last reading: a stall longer
   * than the SLOWLOG threshold among them is logged against the last of them. Done before any timed
   * command starts, so its own duration covers only itself.
   */
  private settleUntimed(): void {
    const argv = this.untimed;
    const conn = this.untimedConn;
    const stats = this.untimedStats;
    const ms = this.commandEnded(this.clock);
    // commandstats usec: the reading's time in equal shares (a batch's FAST commands are alike).
    const usec = (ms * 1000) / stats.length;
    for (let i = 0; i < stats.length; i++) stats[i]![1] += usec;
    stats.length = 0;
    if (argv !== null && this.shard.slowlogTakes(ms)) this.shard.slowlogRecord(conn!, argv, ms);
  }

  /**
   * True when no check of dispatch() can refuse or divert a keyed command of this connection: replies
   * on, authenticated, no MULTI, tracking, subscriptions, MONITOR, CLIENT PAUSE, busy script, failed
   * BGSAVE, maxmemory, replica or min-replicas-to-write.
   */
  private plainState(conn: Connection): boolean {
    const shard = this.shard;
    if (conn.replyMode !== REPLY_ON || !conn.authenticated || conn.multi !== null || conn.tracking !== null || conn.isSubscriber) return false;
    if (!conn.client.isMaster) {
      const replication = shard.replication;
      if (replication.state.isReplica || replication.minReplicasToWrite > 0 || shard.config.maxmemory > 0 || conn.client.isReplicaLink) return false;
    }
    return shard.persistence.lastBgsaveOk && shard.pausedUntil === 0 && shard.monitorsAnywhere === 0 && busyScript() === null;
  }

  dispatch(conn: Connection, argv: string[]): void {
    if (conn === this.plainConn) {
      const spec = lookupCommand(argv[0]!, argv);
      if (spec !== undefined && checkArity(spec, argv.length) === undefined) {
        const route = (spec.route as Route | undefined) ?? this.routeOf(spec);
        const handler = route.handler;
        if (route.session === undefined && handler !== undefined) {
          route.stats[0]++;
          conn.client.lastCommand = spec.name;
          if (this.untimedFast && (spec.flags & CommandFlag.FAST) !== 0) {
            this.routeKeyed(conn, argv, spec, handler, conn.reply, route.singleKey);
            if (!this.blockedHere) {
              this.untimedStats.push(route.stats);
              if ((spec.flags & CommandFlag.SKIP_SLOWLOG) === 0) {
                this.untimed = argv;
                this.untimedConn = conn;
              }
            }
            this.blockedHere = false;
            return;
          }
          if (this.untimedStats.length > 0) this.settleUntimed();
          const started = this.clock;
          this.routeKeyed(conn, argv, spec, handler, conn.reply, route.singleKey);
          const ms = this.commandEnded(started);
          route.stats[1] += ms * 1000;
          if (!this.blockedHere && (spec.flags & CommandFlag.SKIP_SLOWLOG) === 0) this.shard.slowlogRecord(conn, argv, ms);
          this.blockedHere = false;
          return;
        }
      }
      // Anything else (connection commands, errors) goes through every check; it may change the
      // state the batch was judged plain on.
      if (this.untimedStats.length > 0) this.settleUntimed();
      this.dispatchChecked(conn, argv);
      this.plainConn = this.plainState(conn) ? conn : null;
      this.clock = performance.now();
      return;
    }
    this.dispatchChecked(conn, argv);
  }

  /**
   * Runs the next request from its bytes if it is a GET, SET or MSET that may run so (fastGet,
   * fastSet, fastMset); false with nothing consumed otherwise. The name is read once here, so other
   * commands pay one look at their first bytes.
   */
  fastCommand(conn: Connection): boolean {
    if (conn !== this.plainConn) return false;
    const name = conn.parser.peekName();
    if (name === PEEK_NONE) return false;
    // These are timed from the clock's last reading: it must not cover untimed commands before them.
    if (this.untimedStats.length > 0) this.settleUntimed();
    switch (name) {
      case PEEK_GET: return this.fastGet(conn);
      case PEEK_SET: return this.fastSet(conn);
      case PEEK_MSET: return this.fastMset(conn);
      default: return false;
    }
  }

  /**
   * GET straight from the request bytes, for a connection of a plain batch: the key is found in the
   * string table from its bytes and the value copied into the reply, with no argv, key string or
   * value string. What GET does besides is done here too (calls, hits and misses, the client's last
   * command, SLOWLOG). Answers false with nothing consumed when the ordinary path must run: not a
   * whole GET, another worker owns the key, the key has expired, a snapshot is running, or the
   * slot's Map may hold the key (another type, a big string).
   */
  private fastGet(conn: Connection): boolean {
    if (!conn.parser.peekGet()) return false;
    const parser = conn.parser;
    const keyspace = this.shard.keyspace;
    const db = keyspace.dbs[conn.client.dbIndex]!;
    if (db.cow !== null) return false;
    // A key that has expired is deleted (and its expiry propagated) by the ordinary path.
    if (db.expires.size !== 0 && (db.expires.get(peekedKey(parser)) ?? Infinity) <= keyspace.now) return false;
    const slot = this.ownedPeekedSlot(parser);
    if (slot < 0) return false;
    const bytes = parser.input();
    const at = db.findStringBytes(bytes, parser.peekedKeyStart, parser.peekedKeyEnd, slot);
    if (at === -2) return false;
    if (at === -1) {
      this.shard.keyspace.misses++;
      conn.reply.nil();
    } else {
      this.shard.keyspace.hits++;
      db.touchStringAt(at);
      db.replyStringAt(at, conn.reply);
    }
    const ms = this.bytesCallEnded(conn, GET_SPEC);
    if (this.shard.slowlogTakes(ms)) this.shard.slowlogRecord(conn, ['GET', latin1Slice(bytes, parser.peekedKeyStart, parser.peekedKeyEnd)], ms);
    parser.skipPeeked();
    return true;
  }

  /**
   * SET key value (no options) straight from the request bytes, for a connection of a plain batch:
   * the value goes into the string table from the request buffer. Only when nothing else needs to
   * hear of the change (Shard.keyChangesUnobserved: no WATCH, blocked clients, tracking,
   * notifications, AOF or replicas) and the key has no expiry (SET would have to clear it); the
   * ordinary path does everything else, with nothing consumed here.
   */
  private fastSet(conn: Connection): boolean {
    if (!conn.parser.peekSet()) return false;
    const parser = conn.parser;
    const db = this.shard.keyspace.dbs[conn.client.dbIndex]!;
    if (!this.shard.keyChangesUnobserved()) return false;
    // SET removes a key's expiry: the ordinary path does (and an expired key's deletion first).
    if (db.expires.size !== 0 && db.expires.has(peekedKey(parser))) return false;
    const slot = this.ownedPeekedSlot(parser);
    if (slot < 0) return false;
    const bytes = parser.input();
    if (!db.setStringBytes(bytes, parser.peekedKeyStart, parser.peekedKeyEnd, parser.peekedValueStart, parser.peekedValueEnd, slot)) return false;
    this.shard.executor.dirty++;
    conn.reply.simple('OK');
    const ms = this.bytesCallEnded(conn, SET_SPEC);
    if (this.shard.slowlogTakes(ms)) {
      this.shard.slowlogRecord(conn, ['SET', latin1Slice(bytes, parser.peekedKeyStart, parser.peekedKeyEnd), latin1Slice(bytes, parser.peekedValueStart, parser.peekedValueEnd)], ms);
    }
    parser.skipPeeked();
    return true;
  }

  /**
   * MSET straight from the request bytes, as fastSet, when every key is this worker's, has no
   * expiry and goes into the string table: all of that is checked before the first key is written,
   * so the command is whole either way.
   */
  private fastMset(conn: Connection): boolean {
    if (!conn.parser.peekMset()) return false;
    const parser = conn.parser;
    const shard = this.shard;
    const db = shard.keyspace.dbs[conn.client.dbIndex]!;
    if (!shard.keyChangesUnobserved()) return false;
    const bytes = parser.input();
    const args = parser.peekedArgs;
    const pairs = parser.peekedPairs;
    const slots = this.msetSlots;
    for (let i = 0; i < pairs; i++) {
      const keyStart = args[4 * i]!;
      const keyEnd = args[4 * i + 1]!;
      const slot = keyHashSlotBytes(bytes, keyStart, keyEnd);
      const owner = shard.slots.ownerOf(slot);
      if (owner !== shard.id && owner !== -1) return false;
      if (!db.acceptsStringBytes(keyEnd - keyStart, args[4 * i + 3]! - args[4 * i + 2]!, slot)) return false;
      if (db.expires.size !== 0 && db.expires.has(latin1Short(bytes, keyStart, keyEnd))) return false;
      slots[i] = slot;
    }
    for (let i = 0; i < pairs; i++) db.setStringBytes(bytes, args[4 * i]!, args[4 * i + 1]!, args[4 * i + 2]!, args[4 * i + 3]!, slots[i]!);
    shard.executor.dirty += pairs;
    conn.reply.simple('OK');
    const ms = this.bytesCallEnded(conn, MSET_SPEC);
    if (this.shard.slowlogTakes(ms)) {
      const argv = ['MSET'];
      for (let i = 0; i < 4 * pairs; i += 2) argv.push(latin1Slice(bytes, args[i]!, args[i + 1]!));
      this.shard.slowlogRecord(conn, argv, ms);
    }
    parser.skipPeeked();
    return true;
  }

  /** The slots of fastMset's keys, between its checks and its writes. */
  private readonly msetSlots = new Int32Array(64);

  /** The slot of the key the parser peeked when this worker owns it, else -1. */
  private ownedPeekedSlot(parser: Connection['parser']): number {
    const slot = keyHashSlotBytes(parser.input(), parser.peekedKeyStart, parser.peekedKeyEnd);
    const owner = this.shard.slots.ownerOf(slot);
    return owner === this.shard.id || owner === -1 ? slot : -1;
  }

  /**
   * The end of a command answered from request bytes, counted as dispatch counts one (commandstats
   * calls and usec, CLIENT LIST cmd): its duration in ms, for SLOWLOG.
   */
  private bytesCallEnded(conn: Connection, spec: CommandSpec): number {
    const route = (spec.route as Route | undefined) ?? this.routeOf(spec);
    route.stats[0]++;
    conn.client.lastCommand = spec.name;
    const ms = this.commandEnded(this.clock);
    route.stats[1] += ms * 1000;
    return ms;
  }

  /** Reads the clock after a command that started at `started`: its duration in ms (one reading per command). */
  private commandEnded(started: number): number {
    const ended = performance.now();
    this.clock = ended;
    this.untimed = null;
    this.untimedConn = null;
    return ended - started;
  }

  private dispatchChecked(conn: Connection, argv: string[]): void {
    const spec = lookupCommand(argv[0]!, argv);
    let out = conn.reply;
    if (conn.replyMode !== REPLY_ON) {
      out = this.discard;
      this.discard.reset();
      if (conn.replyMode === REPLY_SKIP) conn.replyMode = REPLY_ON;
    }
    if (spec === undefined) {
      this.reject(conn, out, isContainerCommand(argv[0]!) ? errUnknownSubcommand(argv[1]!, argv[0]!) : errUnknownCommand(argv));
      return;
    }
    const arityError = checkArity(spec, argv.length);
    if (arityError !== undefined) {
      this.reject(conn, out, arityError, spec);
      return;
    }
    if (!conn.authenticated && (spec.flags & CommandFlag.NO_AUTH) === 0) {
      this.reject(conn, out, NOAUTH, spec);
      return;
    }
    const replicationError = replicationRefuses(this.shard, conn, spec, argv);
    if (replicationError !== null) {
      this.reject(conn, out, replicationError, spec);
      return;
    }
    if (!this.shard.persistence.lastBgsaveOk && ((spec.flags & CommandFlag.WRITE) !== 0 || spec.name === 'ping') &&
      writesDeniedByDiskError(this.shard.persistence, this.shard.config.stopWritesOnBgsaveError, this.shard.config.save.length)) {
      this.reject(conn, out, MISCONF_ERROR, spec);
      return;
    }
    // maxmemory: evict first, and refuse a command that may grow memory when nothing more can go.
    if (this.shard.config.maxmemory > 0 && !conn.client.isMaster) {
      const waitFor = conn.evictionAwaited ? null : this.evictingWorkers;
      conn.evictionAwaited = false;
      if (waitFor !== null) waitFor.length = 0;
      const ok = this.shard.memory.admit((spec.flags & CommandFlag.DENYOOM) !== 0, waitFor);
      if (!ok) {
        this.reject(conn, out, OOM_ERROR, spec);
        return;
      }
      if (waitFor !== null && waitFor.length > 0) {
        this.waitForEviction(conn, argv, waitFor);
        return;
      }
    }
    const route = (spec.route as Route | undefined) ?? this.routeOf(spec);
    if (this.shard.pausedUntil !== 0 && this.shard.pauseWritesOnly && this.shard.pausedUntil > Date.now() && this.shard.postponed.postpone(conn, spec, argv, route.session)) return;
    route.stats[0]++;
    const session = route.session;
    if (conn.client.resp === 2 && conn.isSubscriber && !session?.inSubscribeMode) {
      out.error(`ERR Can't execute '${spec.name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
      return;
    }
    // DEBUG LOADAOF replaying: only the commands flagged loading run for other clients (Redis's
    // -LOADING, checked before -BUSY as Redis does: a slow script in the AOF still says LOADING).
    if (this.shard.persistence.replayingAof && !conn.client.isMaster && (spec.flags & CommandFlag.LOADING) === 0) {
      this.reject(conn, out, LOADING, spec);
      return;
    }
    // A script past busy-reply-threshold: only the commands flagged allow-busy run (Redis's -BUSY).
    if (busyScript() !== null && (spec.flags & CommandFlag.ALLOW_BUSY) === 0) {
      if (spec.name === 'exec' && conn.multi !== null) {
        // EXEC refused: the transaction is discarded (Redis's execCommandAbort).
        conn.multi = null;
        this.unwatchAll(conn);
        this.reject(conn, out, `EXECABORT Transaction discarded because of: ${busyError()}`, spec);
        return;
      }
      this.reject(conn, out, busyError(), spec);
      return;
    }
    conn.client.lastCommand = spec.name;
    if (conn.tracking !== null && conn.tracking.caching) this.shard.tracking.beforeCommand(conn, spec);
    if (this.shard.monitorsAnywhere > 0 && (spec.flags & (CommandFlag.SKIP_MONITOR | CommandFlag.ADMIN)) === 0) this.shard.feedMonitors(conn, argv);
    if (conn.multi !== null && !session?.transactionControl) {
      if ((spec.flags & CommandFlag.NO_MULTI) !== 0) {
        this.reject(conn, out, 'ERR Command not allowed inside a transaction');
        return;
      }
      if (session === undefined && route.handler === undefined) {
        this.reject(conn, out, errUnknownCommand(argv));
        return;
      }
      conn.multi.queue.push({ argv, spec });
      out.simple('QUEUED');
      return;
    }
    const slow = this.shard.config.slowlogLogSlowerThan >= 0 && (spec.flags & CommandFlag.SKIP_SLOWLOG) === 0;
    // Read for commandstats usec as well as SLOWLOG (this path is not the pipelined hot one).
    const started = performance.now();
    if (session !== undefined) {
      // INFO commandstats failed_calls: the command answered with an error (keyed commands are
      // counted by the executor that runs them).
      const errorsBefore = out.errorsWritten;
      const pending = this.runSession(conn, session, argv, spec, out);
      if (pending === undefined) {
        if (out.errorsWritten !== errorsBefore) route.stats[3]++;
      } else {
        void pending.then(() => {
          if (out.errorsWritten !== errorsBefore) route.stats[3]++;
        }, () => {});
      }
      // As Redis, a command is logged once it has run: an asynchronous one when it finishes.
      if (pending !== undefined) {
        void pending.then(() => {
          const ms = performance.now() - started;
          route.stats[1] += ms * 1000;
          if (slow) this.shard.slowlogRecord(conn, argv, ms);
        }, () => {});
        return;
      }
    } else {
      const handler = route.handler;
      if (handler === undefined) {
        out.error(errUnknownCommand(argv));
        return;
      }
      this.routeKeyed(conn, argv, spec, handler, out, route.singleKey);
    }
    // A command that blocked here is logged when it is served (shard.ts serveBlocked).
    if (!this.blockedHere) {
      const ms = performance.now() - started;
      route.stats[1] += ms * 1000;
      if (slow) this.shard.slowlogRecord(conn, argv, ms);
    }
    this.blockedHere = false;
  }

  /** Scratch list: the workers that must evict before a command runs (MemoryGuard.admit). */
  private readonly evictingWorkers: number[] = [];

  /**
   * Over maxmemory with nothing this worker may evict: the workers holding the keys evict first and
   * the command runs after, as Redis evicts before it executes a command (a tracking client sees
   * the invalidation of an evicted key before the reply). The connection holds its later requests
   * meanwhile; the command is dispatched again, without waiting a second time.
   */
  private waitForEviction(conn: Connection, argv: string[], workers: number[]): void {
    conn.barrier = true;
    conn.retryArgv = argv;
    conn.evictionAwaited = true;
    const evictions = workers.map((w) => this.shard.request(w, ['@evict'], 0, 2));
    const resume = (): void => {
      conn.barrier = false;
      // Invalidations of the evicted keys were held behind the barrier: they precede the command's reply.
      this.shard.tracking.releaseHeld(conn);
      if (!conn.closed) conn.processInput();
      this.shard.outputReady(conn);
    };
    Promise.all(evictions).then(resume, (err: unknown) => {
      console.error('shoal: eviction on another worker failed:', err);
      resume();
    });
  }

  private routeOf(spec: CommandSpec): Route {
    const route: Route = {
      session: SESSION_COMMANDS[spec.name] ?? (spec.parent ? SESSION_COMMANDS[spec.parent.name] : undefined),
      handler: KEYED_HANDLERS[spec.name],
      stats: this.statsOf(spec.name),
      singleKey: spec.firstKey > 0 && spec.firstKey === spec.lastKey && (spec.flags & CommandFlag.MOVABLE_KEYS) === 0,
    };
    spec.route = route;
    return route;
  }

  /** An error while queuing also dooms the transaction (EXECABORT). */
  private reject(conn: Connection, out: ReplyWriter, message: string, spec?: CommandSpec): void {
    if (conn.multi !== null) conn.multi.failed = true;
    if (spec !== undefined) this.statsOf(spec.name)[2]++;
    out.error(message);
    if (conn.client.isMaster) this.shard.executor.replicaExpiry?.masterCommandFailed(spec?.name ?? '<unknown>', message);
  }

  /** A command a script ran (INFO commandstats calls). */
  countCall(name: string): void {
    this.statsOf(name)[0]++;
  }

  /** A connection-level command a script ran that answered an error (INFO commandstats failed_calls). */
  countFailed(name: string): void {
    this.statsOf(name)[3]++;
  }

  /** A command a script tried and was refused before it ran (INFO commandstats rejected_calls). */
  countRejected(name: string): void {
    this.statsOf(name)[2]++;
  }

  private statsOf(name: string): [number, number, number, number] {
    let stats = this.commandStats.get(name);
    if (stats === undefined) this.commandStats.set(name, (stats = [0, 0, 0, 0]));
    return stats;
  }

  commandStatsSnapshot(): Record<string, [number, number, number, number]> {
    const out: Record<string, [number, number, number, number]> = {};
    for (const [name, stats] of this.commandStats) if (stats[0] + stats[2] + stats[3] > 0) out[name] = [...stats];
    // Keyed commands fail where they run (here, or on the worker their keys hopped to).
    for (const [name, failed] of this.shard.executor.failedCalls) {
      const stats = (out[name] ??= [0, 0, 0, 0]);
      stats[3] += failed;
    }
    return out;
  }

  /** Operations per second over the last sampling window (INFO instantaneous_ops_per_sec). */
  opsPerSec(): number {
    const now = Date.now();
    const [at, count] = this.opsWindow as [number, number];
    const commands = this.shard.commandsProcessed;
    if (at === 0 || now - at > 2000) {
      this.opsWindow = [now, commands];
      return 0;
    }
    const rate = now > at ? Math.round(((commands - count) * 1000) / (now - at)) : 0;
    if (now - at > 1000) this.opsWindow = [now, commands];
    return rate;
  }

  resetStats(): void {
    for (const stats of this.commandStats.values()) stats.fill(0);
    this.shard.executor.failedCalls.clear();
    errorReplyCounts.clear();
  }

  private runSession(conn: Connection, command: SessionCommand, argv: string[], spec: CommandSpec, out: ReplyWriter): Promise<void> | undefined {
    const session: Session = { shard: this.shard, conn, out, txId: 0 };
    const result = command.handler(session, argv, spec);
    if (result === undefined) return undefined;
    this.await(conn, result);
    return result;
  }

  /** Holds the connection's later commands until an asynchronous command finishes. */
  await(conn: Connection, work: Promise<void>): void {
    conn.barrier = true;
    work.then(
      () => this.resume(conn),
      (err: unknown) => {
        console.error('shoal: asynchronous command failed:', err);
        conn.reply.error(`ERR internal error: ${err instanceof Error ? err.message : String(err)}`);
        this.resume(conn);
      },
    );
  }

  private resume(conn: Connection): void {
    conn.barrier = false;
    // Invalidations that arrived while the command ran follow its reply (Redis sends them after it).
    this.shard.tracking.releaseHeld(conn);
    if (!conn.closed) conn.processInput();
    this.shard.outputReady(conn);
  }

  /** The workers owning the keys of a keyed command, in `owners` (distinct); returns -1 for none, else the first owner. */
  ownersOf(spec: CommandSpec, argv: readonly string[], owners: Set<number> | null): number {
    const indexes = this.keyIndexesOf(spec, argv);
    let first = -1;
    for (let i = 0; i < indexes.length; i++) {
      const owner = this.shard.slots.ownerOf(keyHashSlot(argv[indexes[i]!]!));
      if (first === -1) first = owner;
      if (owners !== null) owners.add(owner);
      else if (owner !== first) return -2;
    }
    return first;
  }

  keyIndexesOf(spec: CommandSpec, argv: readonly string[]): number[] {
    const out = this.keyIndexes;
    if ((spec.flags & CommandFlag.MOVABLE_KEYS) === 0 && spec.firstKey > 0) {
      out.length = 0;
      const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
      for (let i = spec.firstKey; i <= last && i < argv.length; i += spec.keyStep) out.push(i);
      return out;
    }
    return getKeyIndexes(spec, argv, out);
  }

  private routeKeyed(conn: Connection, argv: string[], spec: CommandSpec, handler: CommandHandler, out: ReplyWriter, singleKey: boolean): void {
    const shard = this.shard;
    let owner: number;
    if (shard.workerCount === 1) {
      // A single worker owns every slot: no key's slot needs computing.
      owner = shard.id;
    } else if (singleKey) {
      owner = shard.slots.ownerOf(keyHashSlot(argv[spec.firstKey]!));
    } else {
      owner = this.ownersOf(spec, argv, null);
    }
    const client = conn.client;
    if (owner === shard.id || owner === -1) {
      const executor = shard.executor;
      executor.execute(handler, argv, shard.keyspace.dbs[client.dbIndex]!, client, out);
      if (executor.blockRequest !== null && executor.canBlock) {
        conn.mayBeBlocked = true;
        this.blockedHere = true;
        shard.blockClient(handler, argv, client.dbIndex, client.id, client.resp, conn.openSlot(out !== conn.reply));
      }
      // Serve clients blocked on keys this command made ready (after it is fully handled: serving
      // runs other commands on the same executor).
      shard.afterCommand();
      return;
    }
    if (owner >= 0) {
      if ((spec.flags & CommandFlag.BLOCKING) !== 0) conn.mayBeBlocked = true;
      const slot = conn.openSlot(out !== conn.reply);
      shard.send(owner, argv, client.dbIndex, client.resp, slot, 0, client.id);
      return;
    }
    // Keys on several workers: one cross-shard transaction.
    const command: TxCommand = { argv, spec };
    this.await(conn, runCrossShard(shard, conn, [command], false, out));
  }

  /**
   * Executes a keyed command received from another worker (the keys are ours). Returns true when
   * the command blocked (outside a transaction): the caller keeps the client waiting.
   */
  executeKeyed(argv: string[], db: Database, client: ClientState, out: ReplyWriter, txId: number): boolean {
    if (this.shard.config.maxmemory > 0 && txId === 0) this.shard.memory.admit(false);
    const spec = lookupCommand(argv[0]!, argv);
    const handler = spec === undefined ? undefined : KEYED_HANDLERS[spec.name];
    if (handler === undefined) {
      out.error(errUnknownCommand(argv));
      return false;
    }
    const executor = this.shard.executor;
    executor.canBlock = txId === 0;
    executor.execute(handler, argv, db, client, out);
    const blocked = executor.blockRequest !== null && executor.canBlock;
    executor.canBlock = true;
    return blocked;
  }

  /** EXEC: runs the queued commands atomically (and fails if a watched key changed). */
  exec(session: Session): void | Promise<void> {
    const conn = session.conn;
    const multi = conn.multi!;
    conn.multi = null;
    if (multi.failed) {
      session.out.error(EXECABORT);
      this.shard.dispatcher.unwatchAll(conn);
      return;
    }
    return runCrossShard(this.shard, conn, multi.queue, true, session.out);
  }

  unwatchAll(conn: Connection): void {
    for (const w of conn.watchedWorkers) this.shard.send(w, ['@unwatch', String(conn.id)], 0, 2, null);
    conn.watchedWorkers.clear();
  }

  forgetClient(conn: Connection): void {
    this.unwatchAll(conn);
  }
}
