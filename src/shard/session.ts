import type { CommandSpec } from '../commands/table.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { Connection } from './connection.ts';
import type { Shard } from './shard.ts';

/**
 * What a connection-level command sees (PING, SELECT, HELLO, CLIENT, MULTI, SUBSCRIBE, INFO, DBSIZE
 * ...): these run on the client's own worker with its connection. `out` is where the reply goes
 * (the connection's output, or the EXEC reply being assembled) and `txId` is the cross-shard
 * transaction it runs in (0 outside one).
 */
export interface Session {
  readonly shard: Shard;
  readonly conn: Connection;
  readonly out: ReplyWriter;
  readonly txId: number;
}

/** A connection-level command. Fan-out commands are asynchronous: they return a promise, and the connection waits for it. */
export type SessionHandler = (session: Session, argv: string[], spec: CommandSpec) => void | Promise<void>;

export interface SessionCommand {
  handler: SessionHandler;
  /** Reads or writes the keys of every worker (DBSIZE, FLUSHALL, KEYS ...): inside EXEC it locks them all. */
  allWorkers?: boolean;
  /** Allowed while a RESP2 client is subscribed. */
  inSubscribeMode?: boolean;
  /** Runs even inside MULTI instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT, RESET). */
  transactionControl?: boolean;
}

export type SessionFamily = Record<string, SessionCommand>;
