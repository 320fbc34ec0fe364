// A shard worker's part of replication. On a primary: the replica connections this worker accepted
// (their sockets cannot move to the log thread once read from), written with what the log thread
// sends; the snapshot of a full resync; WAIT. On a replica (worker 0): the master client, a connection
// without a socket that runs the primary's stream in order (hops and cross-worker transactions as
// any client's), reporting the offset it applied.
import type { MessagePort } from 'node:worker_threads';
import type { Shard } from '../shard/shard.ts';
import type { Database } from '../shard/database.ts';
import { Connection } from '../shard/connection.ts';
import { ReplicationState } from './repl-state.ts';
import type { LogToWorker, WorkerToLog } from './messages.ts';
import { takeReplicationSnapshot, loadIntoWorkers, readStreamDb, readReplicationAux } from './snapshot.ts';
import { rdbPath } from '../persistence/rdb-snapshot.ts';
import { streamSyncRdb } from '../persistence/rdb-sync-snapshot.ts';
import { FullSyncPayload } from './full-sync-payload.ts';
import { logNow } from './log-line.ts';
import { RewriteChild } from '../persistence/aof-rewrite-child.ts';
import { ReplicaKeyExpiry } from './replica-key-expiry.ts';
import { clientMatches } from '../commands/client.ts';
import type { ReplicationView } from './repl-state.ts';

/** What a replica waiting for its payload gets every second, as Redis sends, so that it does not time out. */
const KEEPALIVE = Buffer.from('\n');

type QueueItem = { bytes: Buffer; start: number } | 'reset' | { file: string } | { snapshotFor: number; cid: number; offset?: number; db?: number } | { unit: number; db: number; bytes: Buffer };

interface ReplicaConn {
  conn: Connection;
  /** The payload of its full resync, while it is made and sent. */
  payload: FullSyncPayload | null;
  /** socket.bytesWritten right after the payload was queued: the payload does not count against the output limit. */
  payloadEnd: number;
  /** The whole payload is written: what follows is the stream (no more keep-alive newlines). */
  payloadDone: boolean;
}

export class WorkerReplication {
  private readonly shard: Shard;
  private readonly port: MessagePort | null;
  readonly state: ReplicationState;
  private readonly replicas = new Map<number, ReplicaConn>();
  private nextWaitId = 1;
  private readonly waits = new Map<number, (count: number) => void>();
  private readonly replicaofs = new Map<number, (reply: string) => void>();
  // Replica side (worker 0 only).
  private master: Connection | null = null;
  /** Offset of the byte before the first byte fed to the master client. */
  private masterBase = 0;
  private masterFed = 0;
  /**
   * The database the primary's stream last selected: kept across a dropped link, as Redis keeps its
   * cached master client, since after +CONTINUE the primary sends no SELECT until its database changes.
   */
  private masterDb = 0;
  private readonly streamQueue: QueueItem[] = [];
  private applying = false;

  /** The replication settings client commands are checked against, read again on CONFIG SET. */
  minReplicasToWrite = 0;
  replicaReadOnly = true;
  replicaServeStaleData = true;

  constructor(shard: Shard, port: MessagePort | undefined, stateSab: SharedArrayBuffer | undefined) {
    this.shard = shard;
    this.port = port ?? null;
    this.state = new ReplicationState(stateSab ?? ReplicationState.create());
    this.configChanged();
    this.port?.on('message', (msg: LogToWorker) => this.onMessage(msg));
    this.port?.unref();
    // A replica restarted from its own RDB continues the primary's stream in the database it was in.
    if (shard.id === 0 && shard.config.masterHost !== null && shard.config.get('appendonly') !== 'yes') {
      this.masterDb = readReplicationAux(rdbPath(shard.config))?.db ?? 0;
    }
  }

  /** Worker 0, under a save's locks: the aux fields of replicationSaveAux() ([] when not a synced replica). */
  saveInfoAux(): Array<[string, string]> {
    const view = this.state.read();
    if (view === null || view.role !== 'slave' || !view.synced) return [];
    if (view.streamDb !== undefined) return [['repl-stream-db', String(view.streamDb)], ['repl-id', view.replid], ['repl-offset', String(view.replOffset)]];
    const offset = this.master !== null ? this.appliedOffset() : view.replOffset;
    const db = this.master?.client.dbIndex ?? this.masterDb;
    return [['repl-stream-db', String(db)], ['repl-id', view.replid], ['repl-offset', String(offset)]];
  }

  configChanged(): void {
    const config = this.shard.config;
    this.minReplicasToWrite = Number(config.get('min-replicas-to-write') ?? '0');
    this.replicaReadOnly = config.get('replica-read-only') !== 'no';
    this.replicaServeStaleData = config.get('replica-serve-stale-data') !== 'no';
  }

  private post(msg: WorkerToLog): void {
    this.port?.postMessage(msg);
  }

  get available(): boolean {
    return this.port !== null;
  }

  isReplicaConnection(conn: Connection): boolean {
    return this.replicas.has(conn.id);
  }

  isMasterClient(conn: Connection): boolean {
    return conn === this.master;
  }

  // ---- primary side ----

  /** PSYNC or SYNC from `conn`: from now on it is a replica, fed by the log thread. */
  attachReplica(conn: Connection, replid: string, offset: number, sync: boolean, capaEof: boolean, listeningPort: number, announcedIp = ''): void {
    this.replicas.set(conn.id, { conn, payload: null, payloadEnd: 0, payloadDone: false });
    const socket = conn.socket!;
    socket.once('close', () => {
      if (this.replicas.delete(conn.id)) this.post({ t: 'replica-closed', cid: conn.id });
    });
    const ip = announcedIp || (socket.remoteAddress ?? '?').replace(/^::ffff:/, '');
    this.post({ t: 'psync', cid: conn.id, replid, offset, sync, capaEof, ip, listeningPort });
  }

  /**
   * CLIENT KILL's part for replication links (CLIENT's own filters know neither kind): this worker's
   * replicas for TYPE replica|slave, and on worker 0 the link to our primary for TYPE master or
   * ADDR <primary host:port>. Returns how many were killed.
   */
  killLinks(filters: string[]): number {
    let type: string | null = null;
    const rest: string[] = [];
    for (let i = 0; i + 1 < filters.length; i += 2) {
      if (filters[i]!.toLowerCase() === 'type') type = filters[i + 1]!.toLowerCase();
      else rest.push(filters[i]!, filters[i + 1]!);
    }
    let killed = 0;
    if (type === 'replica' || type === 'slave') {
      const now = Date.now();
      for (const { conn } of [...this.replicas.values()]) {
        if (conn.closed || !clientMatches(conn, rest, now)) continue;
        conn.close();
        killed++;
      }
    }
    if (this.shard.id === 0 && (type === null || type === 'master')) {
      const view = this.state.read();
      if (view !== null && view.role === 'slave' && view.linkState !== 'connect' && masterLinkMatches(view, rest, type !== null)) {
        this.post({ t: 'kill-master-link' });
        killed++;
      }
    }
    return killed;
  }

  ack(conn: Connection, offset: number): void {
    this.post({ t: 'ack', cid: conn.id, offset });
  }

  /** WAIT: resolves the number of replicas that acknowledged every write made before it. */
  wait(numreplicas: number, timeoutMs: number): Promise<number> {
    const wid = this.nextWaitId++;
    return new Promise((resolve) => {
      this.waits.set(wid, resolve);
      this.post({ t: 'wait', wid, seq: this.shard.effects.nextSequence(), numreplicas, timeoutMs });
    });
  }

  private readonly replicaExpiry = new ReplicaKeyExpiry();
  private replicaExpiryTimer: NodeJS.Timeout | null = null;
  /** What the executor tells a replica: its clients' writes, and errors the master client's commands got. */
  private readonly replicaHooks = {
    noteWrite: (db: Database, argv: readonly string[]): void => this.replicaExpiry.noteWrite(db, argv),
    masterCommandFailed(command: string, error: string): void {
      // Redis's words: the replica and the primary diverge from here (propagation-error-behavior ignore).
      console.log(`shoal: == CRITICAL == This replica is sending an error to its master: '${error}' after processing the command '${command}'`);
    },
  };

  /** A replica tracks (and deletes in time) the keys its own clients give an expiry; a primary does not. */
  private replicaRoleChanged(replica: boolean): void {
    if (replica && this.replicaExpiryTimer === null) {
      this.shard.executor.replicaExpiry = this.replicaHooks;
      this.replicaExpiryTimer = setInterval(() => {
        if (!this.shard.lock.held) this.replicaExpiry.cycle(this.shard.keyspace);
      }, 100);
      this.replicaExpiryTimer.unref();
    } else if (!replica && this.replicaExpiryTimer !== null) {
      clearInterval(this.replicaExpiryTimer);
      this.replicaExpiryTimer = null;
      this.shard.executor.replicaExpiry = null;
      this.replicaExpiry.clear();
    }
  }

  /** DEBUG SLEEP: the log thread stops too (it sends the keep-alives and PINGs a sleeping Redis would not). */
  debugSleep(ms: number): void {
    this.post({ t: 'sleep', ms });
  }

  replicaof(host: string | null, port: number): Promise<string> {
    const rid = this.nextWaitId++;
    return new Promise((resolve) => {
      this.replicaofs.set(rid, resolve);
      this.post({ t: 'replicaof', rid, host, port });
    });
  }

  private onMessage(msg: LogToWorker): void {
    switch (msg.t) {
      case 'write': {
        const replica = this.replicas.get(msg.cid);
        if (replica !== undefined && !replica.conn.closed) this.writeStream(replica, Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength));
        break;
      }
      case 'keepalive': {
        const replica = this.replicas.get(msg.cid);
        if (replica !== undefined && !replica.conn.closed && !replica.payloadDone) replica.conn.socket!.write(KEEPALIVE);
        break;
      }
      case 'fullsync':
        this.sendFullSync(msg);
        break;
      case 'applied-snapshot':
        this.enqueue({ snapshotFor: msg.worker, cid: msg.cid, offset: msg.offset, db: msg.db });
        break;
      case 'unit':
        this.enqueue({ unit: msg.id, db: msg.db, bytes: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength) });
        break;
      case 'snapshot':
        void this.snapshot(msg.cid, msg.eof);
        break;
      case 'close':
        this.replicas.get(msg.cid)?.conn.close();
        break;
      case 'wait-done': {
        const resolve = this.waits.get(msg.wid);
        this.waits.delete(msg.wid);
        resolve?.(msg.count);
        break;
      }
      case 'replicaof-done': {
        const resolve = this.replicaofs.get(msg.rid);
        this.replicaofs.delete(msg.rid);
        resolve?.(msg.reply);
        break;
      }
      case 'role':
        this.shard.keyspace.isReplica = msg.replica;
        this.replicaRoleChanged(msg.replica);
        // As Redis: clients blocked on keys would be served by the primary's writes; they are told instead.
        if (msg.replica) {
          for (const blocked of this.shard.blocking.all()) {
            this.shard.unblock(blocked, 'error', 'UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)');
          }
        }
        break;
      case 'load':
        this.enqueue({ file: msg.file });
        break;
      case 'stream':
        this.enqueue({ bytes: Buffer.from(msg.bytes.buffer, msg.bytes.byteOffset, msg.bytes.byteLength), start: msg.start });
        break;
      case 'master-reset':
        this.enqueue('reset');
        break;
    }
  }

  /** Writes stream bytes; a replica that lets more than client-output-buffer-limit replica pile up is dropped, as Redis does. */
  private writeStream(replica: ReplicaConn, bytes: Buffer): void {
    const socket = replica.conn.socket!;
    socket.write(bytes);
    const hard = this.shard.config.clientOutputBufferLimit.replica[0];
    // bytesWritten counts queued bytes too: what left the process is bytesWritten - writableLength.
    const sent = socket.bytesWritten - socket.writableLength;
    const pending = socket.writableLength - Math.max(0, replica.payloadEnd - sent);
    if (hard > 0 && pending > hard) {
      console.warn(`shoal: closing replica client ${replica.conn.id}: output buffer ${pending} > client-output-buffer-limit replica`);
      socket.destroy();
      replica.conn.close();
    }
  }

  /**
   * The payload of a full resync, from a copy-on-write snapshot: the log thread learns its point
   * (write sequence) at once, and the keys are serialized while this server goes on serving. A
   * replica that disconnects meanwhile stops it, as Redis kills a child whose payload nobody waits
   * for (unless save points make a disk payload useful).
   */
  private async snapshot(cid: number, eof: boolean): Promise<void> {
    const replica = this.replicas.get(cid);
    if (replica === undefined) {
      // Gone before its snapshot: the log thread still counts the snapshot as pending.
      this.post({ t: 'snapshot-failed', cid, error: 'the replica disconnected' });
      return;
    }
    const socket = replica.conn.socket!;
    const payload = new FullSyncPayload(socket, eof, () => {
      replica.payloadEnd = socket.bytesWritten;
      replica.payloadDone = true;
      replica.payload = null;
      this.post({ t: 'payload-sent', cid });
    });
    replica.payload = payload;
    const keepWithoutReplica = !eof && this.shard.config.save.length > 0;
    // As Redis's child that makes the payload, a process stands for it while it runs (pgrep -P finds
    // it): killing it aborts the payload, and the replica syncs again (see aof-rewrite-child.ts).
    const child = new RewriteChild();
    const aborted = (): Error | null => {
      if (child.killed) return new Error(`the payload's process was terminated by signal ${child.signal ?? 'unknown'}`);
      return payload.closed && !keepWithoutReplica ? new Error('the replica disconnected') : null;
    };
    payload.abortedBy = aborted;
    payload.timeoutMs = () => Number(this.shard.config.get('repl-timeout') ?? '60') * 1000;
    payload.name = `${(socket.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${socket.remotePort ?? 0}`;
    let point = false;
    try {
      await streamSyncRdb(this.shard, (chunk) => payload.push(chunk), {
        backpressure: () => (keepWithoutReplica && payload.closed ? Promise.resolve() : payload.room()),
        abortedBy: aborted,
        onPoint: (seq) => {
          point = true;
          // Redis's words (its tests wait for them): the payload's "child" started.
          if (eof) logNow(`shoal: Starting BGSAVE for SYNC with target: replicas sockets\nshoal: Background RDB transfer started by pid ${child.pid ?? process.pid}`);
          else logNow(`shoal: Starting BGSAVE for SYNC with target: disk\nshoal: Background saving started by pid ${child.pid ?? process.pid}`);
          this.post({ t: 'snapshot-taken', cid, seq, bytes: 0 });
        },
      });
      child.end();
      payload.finish();
    } catch (err) {
      child.end();
      if (child.killed) console.warn(`shoal: Background transfer terminated by signal ${child.signal ?? 'unknown'}`);
      if (!payload.closed) {
        console.error('shoal: replication snapshot failed:', err);
        replica.conn.close();
      }
      // Before its point the log thread waits for the snapshot; after it, the link's close is enough.
      if (!point) this.post({ t: 'snapshot-failed', cid, error: String(err) });
    }
  }

  private sendFullSync(msg: Extract<LogToWorker, { t: 'fullsync' }>): void {
    const replica = this.replicas.get(msg.cid);
    if (replica === undefined || replica.conn.closed) return;
    // SYNC (the old protocol) gets the payload alone.
    const line = msg.replid !== '' ? `+FULLRESYNC ${msg.replid} ${msg.offset}\r\n` : '';
    if (msg.rdb !== undefined) {
      // A replica's snapshot of what it applied, whole (see 'applied-snapshot').
      const socket = replica.conn.socket!;
      const payload = new FullSyncPayload(socket, msg.eof, () => {
        replica.payloadEnd = socket.bytesWritten;
        replica.payloadDone = true;
        this.post({ t: 'payload-sent', cid: msg.cid });
      });
      payload.push(Buffer.from(msg.rdb.buffer, msg.rdb.byteOffset, msg.rdb.byteLength));
      payload.finish();
      payload.start(line);
      return;
    }
    replica.payload?.start(line);
  }

  // ---- replica side (worker 0) ----

  private enqueue(item: QueueItem): void {
    this.streamQueue.push(item);
    if (!this.applying) void this.applyQueue();
  }

  private async applyQueue(): Promise<void> {
    this.applying = true;
    try {
      while (this.streamQueue.length > 0) {
        const item = this.streamQueue.shift()!;
        if (item === 'reset') {
          const applied = this.appliedOffset();
          if (this.master !== null) this.masterDb = this.master.client.dbIndex;
          this.master?.close();
          this.master = null;
          this.post({ t: 'master-reset-done', offset: applied });
        } else if ('snapshotFor' in item) {
          // Between two chunks the master client is idle: the snapshot is the stream applied up to here.
          try {
            const { rdb } = await takeReplicationSnapshot(this.shard, item.db ?? this.master?.client.dbIndex ?? this.masterDb);
            // The log thread's router knows the offset when it dispatches the stream (stream-router.ts).
            this.post({ t: 'applied-snapshot', worker: item.snapshotFor, cid: item.cid, offset: item.offset ?? this.appliedOffset(), rdb });
          } catch (err) {
            console.error('shoal: replication snapshot failed:', err);
          }
        } else if ('file' in item) {
          this.master?.close();
          this.master = null;
          try {
            this.masterDb = readStreamDb(item.file);
            await loadIntoWorkers(this.shard, item.file);
            this.post({ t: 'loaded', ok: true, db: this.masterDb });
          } catch (err) {
            this.post({ t: 'loaded', ok: false, error: String(err) });
          }
        } else if ('unit' in item) {
          // A unit of the stream the log thread routed here (stream-router.ts): all its keys are ours,
          // or it is a barrier that runs alone.
          const master = this.masterClient(0);
          master.client.dbIndex = item.db;
          master.feed(item.bytes);
          await this.untilIdle(master);
          if (master.closed) {
            console.error('shoal: the master client failed on the stream from the primary');
            this.master = null;
          }
          this.post({ t: 'unit-done', id: item.unit });
        } else {
          const master = this.masterClient(item.start);
          master.feed(item.bytes);
          this.masterFed += item.bytes.length;
          await this.untilIdle(master);
          if (master.closed) {
            console.error('shoal: the master client failed on the stream from the primary');
            this.master = null;
          }
          this.post({ t: 'applied', offset: this.masterBase + this.masterFed - master.parser.bufferedBytes() });
        }
      }
    } finally {
      this.applying = false;
    }
  }

  private masterClient(start: number): Connection {
    if (this.master === null || this.master.closed) {
      const shard = this.shard;
      this.master = new Connection(0, null, shard, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, false);
      this.master.client.dbIndex = this.masterDb;
      this.masterBase = start;
      this.masterFed = 0;
    }
    return this.master;
  }

  /** The offset of the last byte of the last complete command fed to the master client. */
  appliedOffset(): number {
    if (this.master === null) return -1;
    return this.masterBase + this.masterFed - this.master.parser.bufferedBytes();
  }

  /** REPLCONF GETACK * from the primary (run by the master client). */
  getAck(): void {
    this.post({ t: 'getack', offset: this.appliedOffset() });
  }

  private untilIdle(conn: Connection): Promise<void> {
    return new Promise((resolve) => {
      // Checked at every turn for a while (a hop's answer takes a turn or two), then every
      // millisecond: a long wait (a busy script, a locked worker) must not keep this thread spinning
      // on a machine whose cores the other workers need.
      let turns = 0;
      const check = (): void => {
        if (conn.idle || conn.closed) resolve();
        else if (++turns < 64) setImmediate(check);
        else setTimeout(check, 1);
      };
      check();
    });
  }
}

/** Whether CLIENT KILL's filters (TYPE already taken out) name the link to our primary. */
function masterLinkMatches(view: ReplicationView, filters: string[], typeMatched: boolean): boolean {
  let named = typeMatched;
  for (let i = 0; i + 1 < filters.length; i += 2) {
    const name = filters[i]!.toLowerCase();
    const value = filters[i + 1]!;
    if (name === 'addr') {
      if (value !== `${view.masterHost}:${view.masterPort}`) return false;
      named = true;
    } else if (name === 'user') {
      if (value !== 'default') return false;
    } else if (name !== 'skipme') return false; // id, laddr, maxage: the link has none to match
  }
  return named;
}
