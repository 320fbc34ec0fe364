import type { Database } from './database.ts';

/**
 * WATCH on the worker that owns the keys: which clients watch each key, and which of them saw a
 * watched key change. The client's EXEC asks every worker holding its watches whether it is dirty
 * while those workers are locked, so no invalidation travels between workers on its own.
 */
export class WatchRegistry {
  private readonly byKey = new Map<string, Set<number>>();
  private readonly byClient = new Map<number, string[]>();
  private readonly dirty = new Set<number>();

  get size(): number {
    return this.byKey.size;
  }

  private static slotKey(db: number, key: string): string {
    return `${db}\u0000${key}`;
  }

  watch(clientId: number, db: number, key: string): void {
    const k = WatchRegistry.slotKey(db, key);
    let clients = this.byKey.get(k);
    if (clients === undefined) this.byKey.set(k, (clients = new Set()));
    if (clients.has(clientId)) return;
    clients.add(clientId);
    let keys = this.byClient.get(clientId);
    if (keys === undefined) this.byClient.set(clientId, (keys = []));
    keys.push(k);
  }

  /** A watched key changed (write, expiry, flush): every client watching it fails its EXEC. */
  touch(db: Database, key: string): void {
    if (this.byKey.size === 0) return;
    const clients = this.byKey.get(WatchRegistry.slotKey(db.index, key));
    if (clients === undefined) return;
    for (const id of clients) this.dirty.add(id);
  }

  /** Every watched key of a database changed (FLUSHDB, SWAPDB): only keys that existed count, as Redis. */
  touchDatabase(db: Database, existed: (key: string) => boolean): void {
    const prefix = `${db.index}\u0000`;
    for (const [k, clients] of this.byKey) {
      if (!k.startsWith(prefix) || !existed(k.slice(prefix.length))) continue;
      for (const id of clients) this.dirty.add(id);
    }
  }

  /** Marks a client dirty outright (a watched key expired while watched, as Redis 7.0 checks at EXEC). */
  markDirty(clientId: number): void {
    this.dirty.add(clientId);
  }

  isDirty(clientId: number): boolean {
    return this.dirty.has(clientId);
  }

  keysOf(clientId: number): readonly string[] {
    return this.byClient.get(clientId) ?? [];
  }

  unwatchAll(clientId: number): void {
    const keys = this.byClient.get(clientId);
    this.dirty.delete(clientId);
    if (keys === undefined) return;
    this.byClient.delete(clientId);
    for (const k of keys) {
      const clients = this.byKey.get(k);
      if (clients === undefined) continue;
      clients.delete(clientId);
      if (clients.size === 0) this.byKey.delete(k);
    }
  }

  /** Splits a registry key back into database index and key. */
  static parse(k: string): [number, string] {
    const sep = k.indexOf('\u0000');
    return [Number(k.slice(0, sep)), k.slice(sep + 1)];
  }
}
