import type { Shard } from './shard.ts';
import type { Connection } from './connection.ts';
import type { Database } from './database.ts';
import type { ClientState } from './client-state.ts';
import type { KeyTracker } from './executor.ts';
import type { CommandSpec } from '../commands/table.ts';
import { ReplyWriter } from '../resp/reply-writer.ts';
import { CommandFlag, lookupCommand } from '../commands/table.ts';
import { getKeyIndexes } from '../commands/key-extraction.ts';
import { keyHashSlot } from '../cluster/key-slot.ts';
import { ClientTracking } from './tracking-client.ts';
import { runningScript } from '../scripting/script-run.ts';

/** What every worker knows of a tracking client in default mode: where it is and when its reads count. */
interface Reader {
  worker: number;
  optin: boolean;
  optout: boolean;
  caching: boolean;
}

interface BcastSubscriber {
  worker: number;
  noloop: boolean;
}

/** One BCAST prefix: its clients, and the keys under it changed since the last broadcast (→ last writer id). */
interface BcastState {
  readonly clients: Map<number, BcastSubscriber>;
  readonly keys: Map<string, number>;
}

/** The options of CLIENT TRACKING ON. */
export interface TrackingOptions {
  redirect: number;
  redirectWorker: number;
  bcast: boolean;
  optin: boolean;
  optout: boolean;
  noloop: boolean;
  prefixes: string[];
}

export interface TrackingStats {
  clients: number;
  keys: number;
  items: number;
  prefixes: number;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** What tracking reads of a running script (ScriptRun keeps these private: read structurally). */
interface ScriptView {
  readonly session: { readonly conn: { readonly id: number } };
  readonly inv: { readonly keys: readonly string[] };
}

/** The script running on this worker for the given client, or null. */
function scriptOf(clientId: number): ScriptView | null {
  const run = runningScript() as unknown as ScriptView | null;
  return run !== null && run.session.conn.id === clientId ? run : null;
}

/**
 * Client-side caching (Redis's tracking.c) on one shard worker.
 *
 * Keys are remembered where they live: a read by a tracking client, wherever it executes (here, by a
 * hop, inside a transaction), records the key in the table of the key's owner with the reader's id
 * and worker. A change to the key (any client, expiry, flush) sends one invalidation per reader to
 * the reader's worker, which checks the client's current mode (still tracking, not BCAST since,
 * NOLOOP) and writes the push, or forwards it to the worker of the redirection client.
 *
 * For that, every worker keeps a replica of what it needs about the tracking clients of all
 * workers: the readers (default mode, with OPTIN/OPTOUT/CACHING) and the BCAST prefixes. A client's
 * worker sends the changes through the same rings as the client's commands, so a command that
 * hops after CLIENT TRACKING/CACHING finds the replica up to date.
 */
export class Tracking implements KeyTracker {
  private readonly shard: Shard;
  /** key → (reader client id → its worker), for the keys this worker owns. Keys are global, not per database (as Redis). */
  private readonly table = new Map<string, Map<number, number>>();
  /** Reader ids over every key of the table (tracking_total_items). */
  private totalItems = 0;
  private readonly readers = new Map<number, Reader>();
  private readonly prefixes = new Map<string, BcastState>();
  /** Keys under a BCAST prefix changed since the last broadcast. */
  broadcastPending = false;
  /** This worker's connections with tracking on (tracking_clients). */
  private clients = 0;
  /** Pushes for connections waiting on an asynchronous command (EXEC, FLUSHALL ...): written after its reply. */
  private readonly held = new Map<Connection, ReplyWriter>();
  private readonly keyIndexes: number[] = [];

  constructor(shard: Shard) {
    this.shard = shard;
  }

  /** The executor calls the hooks only once some client somewhere enabled tracking (as Redis allocates its table). */
  private activate(): void {
    if (this.shard.executor.tracker === null) this.shard.executor.tracker = this;
  }

  // ---- the client's worker: CLIENT TRACKING, CACHING ----

  /**
   * CLIENT TRACKING ON: Redis's enableTracking. In BCAST mode the result resolves once every worker
   * knows the prefixes (another client's write right after the OK must find them); otherwise the
   * client's own later commands reach the other workers behind the update, so nothing waits.
   */
  enable(conn: Connection, options: TrackingOptions): Promise<unknown> | undefined {
    let t = conn.tracking;
    if (t === null) {
      t = conn.tracking = new ClientTracking();
      this.clients++;
    }
    t.brokenRedirect = false;
    t.redirect = options.redirect;
    t.redirectWorker = options.redirectWorker;
    if (options.bcast) {
      t.bcast = true;
      const wanted = options.prefixes.length === 0 ? [''] : options.prefixes;
      for (const prefix of wanted) if (!t.prefixes.includes(prefix)) t.prefixes.push(prefix);
    }
    t.optin = options.optin;
    t.optout = options.optout;
    t.noloop = options.noloop;
    const published = this.publishClient(conn.id, t);
    // Inside a transaction run without locks (all keys here) nothing may wait; the update is on its way.
    return t.bcast && this.shard.transactionDepth === 0 ? published : undefined;
  }

  /** CLIENT TRACKING OFF, RESET, or the connection closed. */
  disable(conn: Connection): void {
    if (conn.tracking === null) return;
    conn.tracking = null;
    this.clients--;
    void this.publishClient(conn.id, null);
  }

  /** CLIENT CACHING YES|NO (the caller checked the mode): applies to the next command or transaction. */
  setCaching(conn: Connection): void {
    const t = conn.tracking!;
    t.caching = true;
    t.cachingUsed = false;
    void this.publishClient(conn.id, t);
  }

  /**
   * Before each command of a client whose CACHING flag is set: as Redis, the flag lasts for the next
   * command (or the next MULTI ... EXEC), CLIENT subcommands excepted. It is withdrawn before the
   * command after that, through the same rings as the command it applied to.
   */
  beforeCommand(conn: Connection, spec: CommandSpec): void {
    const t = conn.tracking!;
    if (t.cachingUsed) {
      t.caching = false;
      t.cachingUsed = false;
      void this.publishClient(conn.id, t);
      return;
    }
    if (spec.parent?.name === 'client') return;
    if (conn.multi !== null) {
      if (spec.name === 'exec' || spec.name === 'discard') t.cachingUsed = true;
    } else if (spec.name !== 'multi') {
      t.cachingUsed = true;
    }
  }

  /** Sends a client's mode (null: tracking off) to every worker; this one applies it at once. */
  private publishClient(clientId: number, t: ClientTracking | null): Promise<unknown> {
    const shard = this.shard;
    const message = [
      '@tracking-client', String(clientId), String(shard.id), t === null ? 'off' : t.readerMode(), t?.noloop ? '1' : '0',
      ...(t === null || !t.bcast ? [] : t.prefixes),
    ];
    this.applyClient(message);
    const acks: Array<Promise<Buffer>> = [];
    for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) acks.push(shard.request(w, message, 0, 2));
    return Promise.all(acks);
  }

  /** '@tracking-client id worker mode noloop prefix...': updates this worker's replica. */
  applyClient(argv: readonly string[]): void {
    this.activate();
    const clientId = Number(argv[1]);
    const worker = Number(argv[2]);
    const mode = argv[3]!;
    const noloop = argv[4] === '1';
    if (mode === 'off') this.readers.delete(clientId);
    else {
      const options = mode.split(',');
      this.readers.set(clientId, {
        worker, optin: options.includes('optin'), optout: options.includes('optout'), caching: options.includes('caching'),
      });
    }
    for (const [prefix, state] of this.prefixes) {
      if (state.clients.delete(clientId) && state.clients.size === 0) this.prefixes.delete(prefix);
    }
    for (let i = 5; i < argv.length; i++) {
      const prefix = argv[i]!;
      let state = this.prefixes.get(prefix);
      if (state === undefined) this.prefixes.set(prefix, (state = { clients: new Map(), keys: new Map() }));
      state.clients.set(clientId, { worker, noloop });
    }
  }

  // ---- the owner's worker: remembering keys, invalidating them ----

  /** After each command the executor runs: a read-only command of a tracking reader remembers its keys. */
  commandExecuted(argv: string[], client: ClientState): void {
    if (this.readers.size === 0) return;
    const reader = this.readers.get(client.id);
    if (reader === undefined) return;
    if ((reader.optin && !reader.caching) || (reader.optout && reader.caching)) return;
    const spec = lookupCommand(argv[0]!, argv);
    if (spec === undefined || (spec.flags & CommandFlag.READONLY) === 0 || (spec.flags & CommandFlag.PUBSUB) !== 0) return;
    const shard = this.shard;
    // As Redis, a read inside a script remembers the keys the script declared, not the ones it read.
    const script = scriptOf(client.id);
    if (script !== null) {
      this.scriptRead(script);
      return;
    }
    if (shard.lock.holder !== 0 && reader.worker !== shard.id) {
      // Perhaps a script's read run here for its worker: that worker remembers the declared keys
      // (under the same transaction, before the script goes on).
      shard.send(reader.worker, ['@tracking-script-read', String(client.id)], 0, 2, null, shard.lock.holder);
    }
    const indexes = getKeyIndexes(spec, argv, this.keyIndexes);
    if (indexes.length === 0) return;
    let foreign: Map<number, string[]> | null = null;
    for (const i of indexes) {
      const key = argv[i]!;
      const owner = shard.slots.ownerOf(keyHashSlot(key));
      if (owner === shard.id) this.remember(key, client.id, reader.worker);
      else {
        // A gathered command (keys of several workers brought here): the owner remembers them.
        foreign ??= new Map();
        let keys = foreign.get(owner);
        if (keys === undefined) foreign.set(owner, (keys = []));
        keys.push(key);
      }
    }
    if (foreign !== null) this.rememberElsewhere(foreign, client.id, reader.worker);
    this.enforceLimit();
  }

  /** Keys of other workers remembered by their owners, under the transaction's lock (its id admits the message) so no write slips in before. */
  private rememberElsewhere(keysByOwner: Map<number, string[]>, clientId: number, worker: number): void {
    const shard = this.shard;
    for (const [owner, keys] of keysByOwner) {
      shard.send(owner, ['@tracking-remember', String(clientId), String(worker), ...keys], 0, 2, null, shard.lock.holder);
    }
  }

  /** Scripts whose declared keys were remembered already (once per run). */
  private readonly scriptsRemembered = new WeakSet<ScriptView>();

  /** A script of a tracking reader running on this worker read something: its declared keys are remembered. */
  private scriptRead(script: ScriptView): void {
    if (this.scriptsRemembered.has(script)) return;
    this.scriptsRemembered.add(script);
    const clientId = script.session.conn.id;
    const shard = this.shard;
    const byOwner = new Map<number, string[]>();
    for (const key of script.inv.keys) {
      const owner = shard.slots.ownerOf(keyHashSlot(key));
      if (owner === shard.id) this.remember(key, clientId, shard.id);
      else {
        let keys = byOwner.get(owner);
        if (keys === undefined) byOwner.set(owner, (keys = []));
        keys.push(key);
      }
    }
    this.rememberElsewhere(byOwner, clientId, shard.id);
    this.enforceLimit();
  }

  /** '@tracking-script-read id': a read of a command of this worker's client ran under a transaction elsewhere. */
  scriptReadElsewhere(clientId: number): void {
    const script = scriptOf(clientId);
    if (script !== null) this.scriptRead(script);
  }

  /** '@tracking-remember id worker key...' */
  rememberAll(argv: readonly string[]): void {
    this.activate();
    const clientId = Number(argv[1]);
    const worker = Number(argv[2]);
    for (let i = 3; i < argv.length; i++) this.remember(argv[i]!, clientId, worker);
    this.enforceLimit();
  }

  private remember(key: string, clientId: number, worker: number): void {
    let ids = this.table.get(key);
    if (ids === undefined) this.table.set(key, (ids = new Map()));
    const before = ids.size;
    ids.set(clientId, worker);
    if (ids.size !== before) this.totalItems++;
  }

  /**
   * A key changed (a command of `writerId`, or 0 for expiry and write-backs): its readers are told
   * once and forgotten, and the key is queued for the BCAST clients of its prefixes.
   */
  keyModified(_db: Database, key: string, writerId: number): void {
    if (this.prefixes.size > 0) this.rememberForBroadcast(key, writerId);
    if (this.table.size !== 0) this.invalidate(key, writerId);
  }

  /**
   * maxmemory evicted a key, before the command that needed the memory runs: readers connected here
   * get the invalidation at once, ahead of that command's reply, as Redis sends it.
   */
  keyEvicted(_db: Database, key: string): void {
    if (this.prefixes.size > 0) this.rememberForBroadcast(key, 0);
    if (this.table.size !== 0) this.invalidate(key, 0, true);
  }

  /** Tells the key's readers (through their workers; `now`: readers here at once) and forgets the key. */
  private invalidate(key: string, writerId: number, now = false): void {
    const ids = this.table.get(key);
    if (ids === undefined) return;
    this.table.delete(key);
    this.totalItems -= ids.size;
    const shard = this.shard;
    const writer = String(writerId);
    for (const [clientId, worker] of ids) {
      if (now && worker === shard.id) this.keyInvalidated(clientId, writerId, key);
      else shard.send(worker, ['@tracking-invalidate', String(clientId), writer, key], 0, 2, null);
    }
  }

  private rememberForBroadcast(key: string, writerId: number): void {
    const shard = this.shard;
    // A gathered command changes other workers' keys here too; their owners broadcast them.
    if (shard.slots.ownerOf(keyHashSlot(key)) !== shard.id) return;
    for (const [prefix, state] of this.prefixes) {
      if (!key.startsWith(prefix)) continue;
      state.keys.set(key, writerId);
      if (!this.broadcastPending) {
        this.broadcastPending = true;
        shard.scheduleTurn();
      }
    }
  }

  /**
   * At the end of a turn (never while a transaction holds this worker: its changes go out together,
   * as Redis sends them before sleeping): one message per prefix and client with the changed keys,
   * less the ones the client changed itself in NOLOOP mode.
   */
  flushBroadcasts(): void {
    this.broadcastPending = false;
    for (const state of this.prefixes.values()) {
      if (state.keys.size === 0) continue;
      const all = [...state.keys.keys()].sort();
      for (const [clientId, { worker, noloop }] of state.clients) {
        const keys = noloop ? all.filter((key) => state.keys.get(key) !== clientId) : all;
        if (keys.length > 0) this.shard.send(worker, ['@tracking-broadcast', String(clientId), ...keys], 0, 2, null);
      }
      state.keys.clear();
    }
  }

  /** FLUSHDB / FLUSHALL reached this worker: the table empties and this worker's tracking clients learn that every key is invalid. */
  flushed(): void {
    this.table.clear();
    this.totalItems = 0;
    if (this.clients === 0) return;
    for (const conn of this.shard.connections.values()) {
      if (conn.tracking !== null) this.deliver(conn, conn.tracking, null);
    }
  }

  /**
   * tracking-table-max-keys over all workers: each worker keeps its share (the limit divided by the
   * number of workers) and invalidates its oldest remembered keys beyond it, as if they had changed.
   */
  enforceLimit(): void {
    const max = this.shard.config.trackingTableMaxKeys;
    if (max <= 0 || this.table.size === 0) return;
    const workers = this.shard.workerCount;
    const share = Math.floor(max / workers) + (this.shard.id < max % workers ? 1 : 0);
    while (this.table.size > share) this.invalidate(this.table.keys().next().value!, 0);
  }

  // ---- the client's worker: delivering ----

  /** '@tracking-invalidate id writer key': a key this worker's client read has changed. */
  keyInvalidated(clientId: number, writerId: number, key: string): void {
    const conn = this.shard.connections.get(clientId);
    const t = conn?.tracking;
    // Tracking turned off, or switched to BCAST since the key was read: nothing is due (as Redis).
    if (conn === undefined || t === null || t === undefined || t.bcast) return;
    if (t.noloop && writerId === clientId) return;
    this.deliver(conn, t, [key]);
  }

  /** '@tracking-broadcast id key...' */
  broadcastReceived(clientId: number, keys: string[]): void {
    const conn = this.shard.connections.get(clientId);
    const t = conn?.tracking;
    if (conn === undefined || t === null || t === undefined || !t.bcast) return;
    this.deliver(conn, t, keys);
  }

  /** Sends an invalidation (null: every key) as Redis's sendTrackingMessage: here, or to the redirection client. */
  private deliver(conn: Connection, t: ClientTracking, keys: string[] | null): void {
    if (t.redirect !== 0) {
      const shard = this.shard;
      if (t.redirectWorker !== shard.id) {
        shard.send(t.redirectWorker, ['@tracking-redirect', String(t.redirect), String(conn.id), String(shard.id), keys === null ? 'all' : 'keys', ...(keys ?? [])], 0, 2, null);
        return;
      }
      const target = shard.connections.get(t.redirect);
      if (target === undefined || target.closed) this.markBroken(conn, t);
      else this.write(target, keys, true);
      return;
    }
    this.write(conn, keys, false);
  }

  /** '@tracking-redirect redirId fromId fromWorker all|keys key...': an invalidation for a redirection client of this worker. */
  redirectReceived(argv: readonly string[]): void {
    const target = this.shard.connections.get(Number(argv[1]));
    if (target === undefined || target.closed) {
      this.shard.send(Number(argv[3]), ['@tracking-broken', argv[2]!, argv[1]!], 0, 2, null);
      return;
    }
    this.write(target, argv[4] === 'all' ? null : argv.slice(5), true);
  }

  /** '@tracking-broken id redirId': the redirection client of one of this worker's clients is gone. */
  brokenReceived(clientId: number, redirect: number): void {
    const conn = this.shard.connections.get(clientId);
    const t = conn?.tracking;
    if (conn === undefined || t === null || t === undefined || t.redirect !== redirect) return;
    this.markBroken(conn, t);
  }

  private markBroken(conn: Connection, t: ClientTracking): void {
    t.brokenRedirect = true;
    if (conn.client.resp !== 3) return;
    const out = this.outputOf(conn);
    out.push(2);
    out.bulk('tracking-redir-broken');
    out.integer(t.redirect);
    this.ready(conn);
  }

  /** RESP3: a push; RESP2: only a redirection client in Pub/Sub mode gets a message on __redis__:invalidate. */
  private write(target: Connection, keys: string[] | null, redirected: boolean): void {
    const resp3 = target.client.resp === 3;
    if (!resp3 && !(redirected && target.isSubscriber)) return;
    const out = this.outputOf(target);
    if (resp3) {
      out.push(2);
      out.bulk('invalidate');
    } else {
      out.array(3);
      out.bulk('message');
      out.bulk(INVALIDATE_CHANNEL);
    }
    if (keys === null) out.nil();
    else {
      out.array(keys.length);
      for (const key of keys) out.bulk(key);
    }
    this.ready(target);
  }

  /** A connection running an asynchronous command gets its pushes after that command's reply. */
  private outputOf(conn: Connection): ReplyWriter {
    if (!conn.barrier) return conn.reply;
    let out = this.held.get(conn);
    if (out === undefined) {
      out = new ReplyWriter(256);
      out.proto = conn.reply.proto;
      this.held.set(conn, out);
    }
    return out;
  }

  private ready(conn: Connection): void {
    if (!conn.barrier) this.shard.outputReady(conn);
  }

  /** The connection's asynchronous command has answered: the pushes held meanwhile follow. */
  releaseHeld(conn: Connection): void {
    if (this.held.size === 0) return;
    const out = this.held.get(conn);
    if (out === undefined) return;
    this.held.delete(conn);
    if (conn.closed) return;
    conn.reply.raw(out.buf.subarray(0, out.pos));
    this.shard.outputReady(conn);
  }

  connectionClosed(conn: Connection): void {
    if (conn.tracking !== null) this.disable(conn);
    if (this.held.size !== 0) this.held.delete(conn);
  }

  // ---- INFO ----

  stats(): TrackingStats {
    return { clients: this.clients, keys: this.table.size, items: this.totalItems, prefixes: this.prefixes.size };
  }
}
