import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { Database } from '../shard/database.ts';
import type { Keyspace } from '../shard/keyspace.ts';
import type { ClientState } from '../shard/client-state.ts';
import type { ServerConfig } from '../config/server-config.ts';

/**
 * Keyspace notification classes (notify-keyspace-events letters): each change names its class so
 * that the worker can filter with the configured flags.
 */
export type NotifyClass = 'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'm' | 'n' | NoNotification;
/** A change Redis signals without a keyspace event (PFCOUNT refreshing its cached cardinality). */
export type NoNotification = '';

/**
 * What a command implementation sees: one shard's keyspace, the selected database on it, the reply
 * being built and the client that sent the command. Routing, hops and locking are done before a
 * handler runs, so every key a handler is given lives in `keyspace` (DESIGN.md, Commands).
 */
export interface CommandContext {
  readonly reply: ReplyWriter;
  readonly keyspace: Keyspace;
  /** The client's selected database, on this shard. */
  db: Database;
  /** The sending client. On a worker other than the client's own it is a copy of the fields a keyed command may read. */
  readonly client: ClientState;
  readonly config: ServerConfig;
  /**
   * Records a change to a key: invalidates WATCH on it, counts it in `dirty` (so the write is
   * propagated) and raises the keyspace notification `event` of class `cls`.
   */
  changed(key: string, event: string, cls: NotifyClass): void;
  /** A keyspace notification without a change (e.g. 'expired' is raised by the keyspace itself). */
  notify(key: string, event: string, cls: NotifyClass): void;
  /**
   * Sets the write effect this command propagates to the AOF and replicas instead of its own argv
   * (relative expiry → PEXPIREAT, INCRBYFLOAT → SET, SPOP → SREM ...). Call it once per effect;
   * when a write command calls it never, its argv is propagated as it came, if it changed anything.
   */
  propagate(argv: string[]): void;
  /**
   * A blocking command found nothing to serve: the engine keeps the client waiting on `keys` (on this
   * worker) for up to `timeoutMs` (0 = forever) and runs the handler again when one of them changes;
   * the handler must write no reply when it calls this. Where the client may not block (inside MULTI,
   * a script, a replayed stream), the engine answers `timeoutReply` at once instead.
   */
  block(keys: string[], timeoutMs: number, timeoutReply: 'null-array' | 'nil'): void;
}

/** A command implementation: reads argv (argv[0] is the command name as sent) and writes one reply. */
export type CommandHandler = (ctx: CommandContext, argv: string[]) => void;

/** A family file exports its handlers keyed by the command table's lower-case name ("get", "object|encoding"). */
export type CommandFamily = Record<string, CommandHandler>;
