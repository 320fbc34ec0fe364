import type { Connection } from './connection.ts';
import { globMatch } from '../commands/glob.ts';

/**
 * The subscribers connected to one worker. PUBLISH reaches every worker (the publisher's worker sends
 * it to all) and each delivers to its own subscribers; the receivers are counted and summed.
 */
export class PubSubHub {
  readonly channels = new Map<string, Set<Connection>>();
  readonly patterns = new Map<string, Set<Connection>>();

  subscribe(conn: Connection, channel: string): boolean {
    if (conn.channels.has(channel)) return false;
    conn.channels.add(channel);
    let set = this.channels.get(channel);
    if (set === undefined) this.channels.set(channel, (set = new Set()));
    set.add(conn);
    return true;
  }

  unsubscribe(conn: Connection, channel: string): boolean {
    if (!conn.channels.delete(channel)) return false;
    const set = this.channels.get(channel);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.channels.delete(channel);
    }
    return true;
  }

  psubscribe(conn: Connection, pattern: string): boolean {
    if (conn.patterns.has(pattern)) return false;
    conn.patterns.add(pattern);
    let set = this.patterns.get(pattern);
    if (set === undefined) this.patterns.set(pattern, (set = new Set()));
    set.add(conn);
    return true;
  }

  punsubscribe(conn: Connection, pattern: string): boolean {
    if (!conn.patterns.delete(pattern)) return false;
    const set = this.patterns.get(pattern);
    if (set !== undefined) {
      set.delete(conn);
      if (set.size === 0) this.patterns.delete(pattern);
    }
    return true;
  }

  removeConnection(conn: Connection): void {
    for (const channel of [...conn.channels]) this.unsubscribe(conn, channel);
    for (const pattern of [...conn.patterns]) this.punsubscribe(conn, pattern);
  }

  /** Delivers a message to the local subscribers; returns how many received it. */
  publish(channel: string, message: string, ready: (conn: Connection) => void): number {
    let receivers = 0;
    const subscribers = this.channels.get(channel);
    if (subscribers !== undefined) {
      for (const conn of subscribers) {
        const out = conn.reply;
        out.push(3);
        out.bulk('message');
        out.bulk(channel);
        out.bulk(message);
        ready(conn);
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pattern, conns] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const conn of conns) {
          const out = conn.reply;
          out.push(4);
          out.bulk('pmessage');
          out.bulk(pattern);
          out.bulk(channel);
          out.bulk(message);
          ready(conn);
          receivers++;
        }
      }
    }
    return receivers;
  }
}
