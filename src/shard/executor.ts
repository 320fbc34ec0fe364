import type { CommandContext, CommandHandler, NotifyClass } from '../commands/context.ts';
import { errorReplyTotal, type ReplyWriter } from '../resp/reply-writer.ts';
import { lookupCommand } from '../commands/table.ts';
import type { Database } from './database.ts';
import type { Keyspace } from './keyspace.ts';
import type { ClientState } from './client-state.ts';
import type { ServerConfig } from '../config/server-config.ts';

/** What the executor reports to its worker about each change (WATCH, notifications, effects). */
export interface ChangeSink {
  keyChanged(db: Database, key: string): void;
  notify(db: Database, key: string, event: string, cls: NotifyClass): void;
  emitEffect(db: number, argv: readonly string[]): void;
}

/** Client-side caching (tracking.ts): told of every changed key and every executed command once tracking is in use. */
export interface KeyTracker {
  keyModified(db: Database, key: string, writerId: number): void;
  commandExecuted(argv: string[], client: ClientState): void;
}

/**
 * The CommandContext of one worker, reused for every command it executes (no allocation per call).
 * It counts changes and collects the command's effects; after the handler returns, the effects are
 * emitted: the handler's own propagate() calls, or else its argv when it changed anything.
 */
export class Executor implements CommandContext {
  reply!: ReplyWriter;
  db!: Database;
  client!: ClientState;
  readonly keyspace: Keyspace;
  readonly config: ServerConfig;
  /** Changes made since the worker started (rdb_changes_since_last_save is built on it). */
  dirty = 0;
  /**
   * When set, keys passed to changed() are recorded as "db\0key" (the cross-shard gather writes back
   * what changed, in whichever database: COPY ... DB touches two).
   */
  changedKeys: Set<string> | null = null;
  /** False inside MULTI and for retries of blocked clients: block() then answers at once or reports. */
  canBlock = true;
  /** Set by block() during the last execute(): the keys to wait on and the timeout. */
  blockRequest: { keys: string[]; timeoutMs: number; timeoutReply: 'null-array' | 'nil' } | null = null;
  /** The handler of the command that blocked (to run it again when a key is ready). */
  blockHandler: CommandHandler | null = null;
  /** Set once any client enabled CLIENT TRACKING (null until then: no cost for the untracked). */
  tracker: KeyTracker | null = null;
  /** On a replica: the keys its own clients give an expiry (null on a primary: no cost there). */
  replicaExpiry: {
    noteWrite(db: Database, argv: readonly string[]): void;
    /** The master client's command answered an error (Redis logs it as critical). */
    masterCommandFailed(command: string, error: string): void;
  } | null = null;
  private readonly sink: ChangeSink;
  private effects: string[][] | null = null;

  constructor(keyspace: Keyspace, config: ServerConfig, sink: ChangeSink) {
    this.keyspace = keyspace;
    this.config = config;
    this.sink = sink;
  }

  changed(key: string, event: string, cls: NotifyClass): void {
    this.dirty++;
    this.sink.keyChanged(this.db, key);
    if (this.changedKeys !== null) this.changedKeys.add(`${this.db.index}\u0000${key}`);
    if (this.tracker !== null) this.tracker.keyModified(this.db, key, this.client.id);
    this.sink.notify(this.db, key, event, cls);
  }

  block(keys: string[], timeoutMs: number, timeoutReply: 'null-array' | 'nil'): void {
    this.blockRequest = { keys, timeoutMs, timeoutReply };
    if (!this.canBlock) {
      if (timeoutReply === 'nil') this.reply.nil();
      else this.reply.nullArray();
    }
  }

  notify(key: string, event: string, cls: NotifyClass): void {
    this.sink.notify(this.db, key, event, cls);
  }

  propagate(argv: string[]): void {
    if (this.effects === null) this.effects = [argv];
    else this.effects.push(argv);
  }

  /**
   * Runs one handler against `db` with replies into `reply`. A thrown exception becomes an -ERR
   * reply (and is logged): a bug in one command must never take the worker down.
   */
  /** INFO commandstats failed_calls of the commands this worker executed, by command name. */
  readonly failedCalls = new Map<string, number>();

  private noteFailure(argv: string[]): void {
    const name = lookupCommand(argv[0]!, argv)?.name ?? argv[0]!.toLowerCase();
    this.failedCalls.set(name, (this.failedCalls.get(name) ?? 0) + 1);
  }

  execute(handler: CommandHandler, argv: string[], db: Database, client: ClientState, reply: ReplyWriter): void {
    this.db = db;
    this.client = client;
    this.reply = reply;
    const dirtyBefore = this.dirty;
    this.effects = null;
    this.blockRequest = null;
    this.blockHandler = handler;
    const replyStart = reply.pos;
    const errorsBefore = errorReplyTotal.count;
    const replicaExpiry = this.replicaExpiry;
    if (replicaExpiry !== null) {
      this.keyspace.replicaClientWriting = !client.isMaster;
      this.keyspace.masterClientRunning = client.isMaster;
    }
    try {
      handler(this, argv);
    } catch (err) {
      reply.pos = replyStart;
      const message = err instanceof Error ? err.message : String(err);
      reply.error(`ERR internal error in '${argv[0]}': ${message.replace(/[\r\n]+/g, ' ')}`);
      console.error(`shoal: command '${argv[0]}' threw:`, err);
    }
    // A blocked command that only registered its wait has not failed, whatever it wrote meanwhile.
    if (errorReplyTotal.count !== errorsBefore && this.blockRequest === null) this.noteFailure(argv);
    if (this.tracker !== null) this.tracker.commandExecuted(argv, client);
    if (replicaExpiry !== null) {
      this.keyspace.replicaClientWriting = false;
      this.keyspace.masterClientRunning = false;
      if (this.dirty !== dirtyBefore && !client.isMaster) replicaExpiry.noteWrite(db, argv);
      if (client.isMaster && errorReplyTotal.count !== errorsBefore) {
        replicaExpiry.masterCommandFailed(argv[0]!.toLowerCase(), reply.buf.toString('latin1', replyStart + 1, reply.pos).trimEnd());
      }
    }
    const effects = this.effects as string[][] | null;
    if (effects !== null) {
      for (const effect of effects) this.sink.emitEffect(db.index, effect);
      this.effects = null;
    } else if (this.dirty !== dirtyBefore) {
      this.sink.emitEffect(db.index, argv);
    }
  }
}
