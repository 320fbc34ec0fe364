import type { CommandHandler } from '../commands/context.ts';
import type { ReplyTarget } from './shard.ts';

/** What a blocked command answers when its timeout expires. */
export type TimeoutReply = 'null-array' | 'nil';

/** A client blocked on keys of this worker (BLPOP & co.), waiting in line on each of its keys. */
export interface BlockedCommand {
  clientId: number;
  db: number;
  resp: 2 | 3;
  keys: string[];
  argv: string[];
  handler: CommandHandler;
  target: ReplyTarget;
  timeoutReply: TimeoutReply;
  timer: NodeJS.Timeout | null;
}

/**
 * The type a blocking command waits for on its keys (by command name), or null when any change must
 * reach it: XREADGROUP answers an error when its stream is gone or replaced (Redis 7.0).
 */
export function waitedType(command: string): string | null {
  const name = command.toLowerCase();
  if (name === 'xreadgroup') return null;
  if (name.startsWith('bz')) return 'zset';
  if (name.startsWith('x')) return 'stream';
  return 'list';
}

function keyOf(db: number, key: string): string {
  return `${db}\u0000${key}`;
}

/**
 * The blocked clients of one worker: first blocked, first served on each key. A key that changes
 * while clients wait on it is marked ready; after the command that changed it, the waiters are
 * retried in order until one finds nothing (as Redis's handleClientsBlockedOnKeys).
 */
export class BlockingRegistry {
  private readonly byKey = new Map<string, BlockedCommand[]>();
  private readonly byClient = new Map<number, BlockedCommand>();
  readonly ready = new Set<string>();

  get size(): number {
    return this.byClient.size;
  }

  add(blocked: BlockedCommand): void {
    this.byClient.set(blocked.clientId, blocked);
    for (const key of blocked.keys) {
      const k = keyOf(blocked.db, key);
      let line = this.byKey.get(k);
      if (line === undefined) this.byKey.set(k, (line = []));
      line.push(blocked);
    }
  }

  remove(blocked: BlockedCommand): void {
    if (this.byClient.get(blocked.clientId) === blocked) this.byClient.delete(blocked.clientId);
    if (blocked.timer !== null) clearTimeout(blocked.timer);
    blocked.timer = null;
    for (const key of blocked.keys) {
      const k = keyOf(blocked.db, key);
      const line = this.byKey.get(k);
      if (line === undefined) continue;
      const i = line.indexOf(blocked);
      if (i >= 0) line.splice(i, 1);
      if (line.length === 0) this.byKey.delete(k);
    }
  }

  /** Every blocked command (a copy: unblocking removes entries). */
  all(): BlockedCommand[] {
    return [...this.byClient.values()];
  }

  byClientId(clientId: number): BlockedCommand | undefined {
    return this.byClient.get(clientId);
  }

  /** A key changed: if somebody waits on it, it is retried after the current command. */
  keyChanged(db: number, key: string): void {
    if (this.byKey.size === 0) return;
    const k = keyOf(db, key);
    if (this.byKey.has(k)) this.ready.add(k);
  }

  /** Every waited-on key of a database changed (FLUSHDB, FLUSHALL, SWAPDB). */
  databaseChanged(db: number): void {
    const prefix = `${db}\u0000`;
    for (const k of this.byKey.keys()) if (k.startsWith(prefix)) this.ready.add(k);
  }

  /** The waiters of a ready key, in order (a copy: serving removes entries). */
  waitersOf(readyKey: string): BlockedCommand[] {
    return [...(this.byKey.get(readyKey) ?? [])];
  }

  isWaiting(blocked: BlockedCommand): boolean {
    return this.byClient.get(blocked.clientId) === blocked;
  }
}
