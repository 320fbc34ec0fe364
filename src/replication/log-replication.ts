// Replication as the log thread runs it. As a primary: the merged effect stream encoded as RESP
// (log/stream-encoder.ts) into the backlog and to every online replica; PSYNC answered with +CONTINUE and
// the missing bytes when the backlog holds them, else a full resync from a snapshot the replica's
// worker takes (its sequence number is matched to a stream offset here); ACK offsets, WAIT, PINGs.
// As a replica: the link to the primary (primary-link.ts), the RDB loaded into the workers, the stream
// applied by worker 0's master client and, once applied, fed to this server's own backlog and
// replicas unchanged (same offsets: chained replicas can PSYNC anywhere in the chain).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { MessagePort } from 'node:worker_threads';
import type { ServerConfig } from '../config/server-config.ts';
import type { EffectFrame } from '../log/effect-merger.ts';
import { seqBefore } from '../log/log-control.ts';
import { ReplicationBacklog } from './backlog.ts';
import { StreamEncoder } from '../log/stream-encoder.ts';
import { ReplicationState, ROLE_MASTER, ROLE_REPLICA, NOT_LOADING, LOADING, ASYNC_LOADING, type ReplicationView } from './repl-state.ts';
import type { LogToWorker, WorkerToLog } from './messages.ts';
import { PrimaryLink } from './primary-link.ts';
import { readReplicationAux, payloadStreamDb } from './snapshot.ts';
import { StreamRouter } from './stream-router.ts';
import { logNow } from './log-line.ts';

/**
 * SHOAL_FOLLOWER_DISPATCH=1: a follower's log thread dispatches the stream to the workers that own
 * its keys (stream-router.ts) instead of worker 0's master client applying all of it. Off by default
 * until it has been through Redis's replication units.
 */
const FOLLOWER_DISPATCH = process.env.SHOAL_FOLLOWER_DISPATCH === '1';

const NO_REPLID = '0000000000000000000000000000000000000000';

function newReplid(): string {
  return crypto.randomBytes(20).toString('hex');
}

interface ReplicaLink {
  worker: number;
  cid: number;
  ip: string;
  port: number;
  state: 'wait_bgsave' | 'send_bulk' | 'online';
  capaEof: boolean;
  /** Old SYNC: no +FULLRESYNC line. */
  sync: boolean;
  ackOffset: number;
  ackTime: number;
  /** Full resync: the first effect after the snapshot, and the stream offset the replica starts after. */
  snapshotSeq: number | null;
  startOffset: number | null;
  /** repl-diskless-sync-delay: the snapshot starts when this fires (more replicas may arrive meanwhile). */
  delayTimer: NodeJS.Timeout | null;
  /** Its payload is diskless ($EOF:<mark>, streamed while it is made) rather than length-prefixed. */
  eof: boolean;
  /**
   * From the payload's offset until the link is online: the stream after it, kept for this replica
   * (Redis keeps it in the replica's output buffer), as the backlog may not hold that much.
   */
  buffered: Buffer[] | null;
  bufferedBytes: number;
  /** The worker wrote the whole payload. */
  payloadSent: boolean;
  /** Its payload was asked for and is not written yet. */
  payloadPending: boolean;
  group: TransferGroup | null;
}

/**
 * Replicas whose diskless payloads started together (repl-diskless-sync-delay / -max-replicas): Redis
 * feeds them from one child through one pipe, and logs how that transfer ended; shoal makes one
 * payload each, and reports the group's end in Redis's words.
 */
interface TransferGroup {
  /** Members still connected. */
  up: number;
  /** Members connected whose payload is not written yet. */
  pending: number;
  ended: boolean;
}

interface Wait {
  worker: number;
  wid: number;
  seq: number;
  numreplicas: number;
  target: number | null;
  timer: NodeJS.Timeout | null;
}

export interface LogReplicationHost {
  /** Starts recording write effects (if not yet) from the current sequence. */
  ensureRecording(): void;
  /** The next sequence number the merger has not emitted. */
  nextSequence(): number;
}

export class LogReplication {
  private readonly ports: MessagePort[];
  private readonly state: ReplicationState;
  private readonly config: ServerConfig;
  private readonly host: LogReplicationHost;
  role: 'master' | 'slave' = 'master';
  private replid = newReplid();
  private replid2 = NO_REPLID;
  private secondReplOffset = -1;
  private backlog: ReplicationBacklog | null = null;
  private readonly encoder = new StreamEncoder();
  private readonly links = new Map<string, ReplicaLink>();
  private pendingSnapshots = 0;
  /** While a snapshot is pending: (sequence, stream offset before that effect) pairs. */
  private seqOffsets: number[] = [];
  private readonly waits: Wait[] = [];
  private syncFull = 0;
  private syncPartialOk = 0;
  private syncPartialErr = 0;
  // replica side
  private masterHost = '';
  private masterPort = 0;
  private link: PrimaryLink | null = null;
  private linkState: 'connect' | 'connecting' | 'handshake' | 'sync' | 'connected' = 'connect';
  private linkDownSince = Date.now();
  /** The stream offset applied by the master client (slave_repl_offset) and received (slave_read_repl_offset). */
  private applied = 0;
  private received = 0;
  private unapplied: Array<{ start: number; bytes: Buffer }> = [];
  /** The replid/offset this replica can PSYNC from (null: never synchronized, ask PSYNC ? -1). */
  private synced = false;
  /**
   * +FULLRESYNC's history, adopted once the payload has arrived: until then this replica keeps its
   * own replid and offset (a failed transfer is followed by PSYNC with them) and its own replicas.
   * `asyncLoad`: the primary's id is ours (a later point of the same data set), so with swapdb the
   * old data is served while the new one loads (async_loading).
   */
  private pendingFull: { replid: string; offset: number; asyncLoad: boolean } | null = null;
  /** repl-diskless-load swapdb: the payload counts as loading while it arrives, as Redis parses it from the socket. */
  private disklessLoad = false;
  /** Between the payload's header and its last byte. */
  private payloadArriving = false;
  /** The follower's stream dispatch (FOLLOWER_DISPATCH), or null: worker 0 applies all of it. */
  private readonly router: StreamRouter | null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private resetting = false;
  private readonly timers: NodeJS.Timeout[] = [];
  /** When the last replica went away (repl-backlog-ttl counts from there). */
  private noReplicasSince = Date.now();

  constructor(ports: MessagePort[], stateSab: SharedArrayBuffer, config: ServerConfig, host: LogReplicationHost) {
    this.ports = ports;
    this.state = new ReplicationState(stateSab);
    this.config = config;
    this.host = host;
    this.router = FOLLOWER_DISPATCH ? new StreamRouter(ports.length, {
      run: (worker, id, db, bytes) => this.post(worker, { t: 'unit', id, db, bytes: Uint8Array.prototype.slice.call(bytes) }),
      applied: (offset) => this.onApplied(offset),
      ack: (offset) => this.link?.sendAck(offset),
    }) : null;
    ports.forEach((port, worker) => port.on('message', (msg: WorkerToLog) => this.onWorkerMessage(worker, msg)));
    let sincePing = 0;
    this.timers.push(setInterval(() => {
      this.everySecond();
      const period = Number(config.get('repl-ping-replica-period') ?? '10');
      if (++sincePing >= period) {
        sincePing = 0;
        if (this.role === 'master' && this.links.size > 0 && this.backlog !== null) {
          this.encoder.endTransaction();
          this.encoder.command(['PING']);
          this.flushStream();
        }
      }
    }, 1000));
    if (config.masterHost !== null && config.masterHost !== undefined) {
      this.replicaOf(config.masterHost, config.masterPort);
      // Restarted from its own RDB: the history it holds (aux fields) is offered to the primary with PSYNC.
      const aux = config.get('appendonly') === 'yes' ? null : readReplicationAux(path.resolve(config.dir, config.dbfilename));
      if (aux !== null) {
        this.replid = aux.replid;
        this.applied = aux.offset;
        this.received = aux.offset;
        this.synced = true;
        if (this.router !== null) {
          this.router.restart(aux.offset);
          this.router.db = aux.db;
        }
      }
    }
    this.publish();
  }

  /** True when merged effects feed the stream (a primary with a backlog). */
  get wantsEffects(): boolean {
    return this.role === 'master' && this.backlog !== null;
  }

  private post(worker: number, msg: LogToWorker): void {
    this.ports[worker]?.postMessage(msg);
  }

  private toAllWorkers(msg: LogToWorker): void {
    for (let w = 0; w < this.ports.length; w++) this.post(w, msg);
  }

  // ---- the stream (primary) ----

  onEffect(effect: EffectFrame): void {
    if (this.pendingSnapshots > 0) {
      // A replica may start right before this effect: remember where, with a SELECT it can start from.
      this.encoder.closeTransactionBefore(effect.txId);
      this.seqOffsets.push(effect.seq, this.backlog!.offset + this.encoder.pos);
      this.encoder.forceSelect();
    }
    this.encoder.append(effect);
  }

  /** After a batch of effects was merged (`idle`: no more waiting). */
  afterStep(idle: boolean): void {
    if (!this.wantsEffects) return;
    if (idle) this.encoder.endTransaction();
    this.flushStream();
    this.resolvePending();
  }

  /** Moves the encoded bytes to the backlog and the online replicas. */
  private flushStream(): void {
    const bytes = this.encoder.take();
    if (bytes.length === 0 || this.backlog === null) return;
    this.backlog.append(bytes);
    this.sendToReplicas(bytes);
    this.publishSoon();
  }

  private publishTimer: NodeJS.Timeout | null = null;
  private lastPublish = 0;

  /** publish() at most every 2 ms under a write load (INFO may lag the stream by that much). */
  private publishSoon(): void {
    if (this.publishTimer !== null) return;
    const wait = this.lastPublish + 2 - Date.now();
    if (wait <= 0) {
      this.publish();
      return;
    }
    this.publishTimer = setTimeout(() => {
      this.publishTimer = null;
      this.publish();
    }, wait);
  }

  private sendToReplicas(bytes: Buffer): void {
    if (this.links.size === 0) return;
    const copy = Uint8Array.prototype.slice.call(bytes);
    for (const link of [...this.links.values()]) {
      if (link.state === 'online') this.post(link.worker, { t: 'write', cid: link.cid, bytes: copy });
      else if (link.buffered !== null) {
        link.buffered.push(Buffer.from(copy.buffer, copy.byteOffset, copy.byteLength));
        link.bufferedBytes += copy.byteLength;
        // As Redis: a replica whose pending stream passes client-output-buffer-limit replica is dropped.
        const hard = this.config.clientOutputBufferLimit.replica[0];
        if (hard > 0 && link.bufferedBytes > hard) {
          console.warn(`shoal: closing replica ${link.ip}:${link.port}: the stream kept during its full resync passed client-output-buffer-limit replica`);
          this.dropLink(link);
        }
      }
    }
  }

  private ensureBacklog(): ReplicationBacklog {
    this.noReplicasSince = Date.now();
    if (this.backlog === null) {
      this.backlog = new ReplicationBacklog(this.config.replBacklogSize, this.applied);
      if (this.role === 'master') this.host.ensureRecording();
      this.encoder.forceSelect();
    }
    return this.backlog;
  }

  // ---- replicas of this server ----

  private onWorkerMessage(worker: number, msg: WorkerToLog): void {
    switch (msg.t) {
      case 'psync':
        this.onPsync(worker, msg);
        break;
      case 'ack': {
        const link = this.links.get(`${worker}:${msg.cid}`);
        if (link === undefined) break;
        link.ackOffset = Math.max(link.ackOffset, msg.offset);
        link.ackTime = Date.now();
        if (link.state === 'send_bulk' && link.startOffset !== null && link.payloadSent) this.putOnline(link, link.startOffset + 1);
        this.checkWaits();
        break;
      }
      case 'replica-closed': {
        const link = this.links.get(`${worker}:${msg.cid}`);
        if (link !== undefined) this.forgetLink(link);
        this.publish();
        break;
      }
      case 'snapshot-taken': {
        const link = this.links.get(`${worker}:${msg.cid}`);
        if (link === undefined) {
          this.snapshotDone();
          break;
        }
        link.snapshotSeq = msg.seq;
        this.resolvePending();
        break;
      }
      case 'payload-sent': {
        const link = this.links.get(`${worker}:${msg.cid}`);
        if (link === undefined || link.startOffset === null) break;
        link.payloadSent = true;
        this.snapshotFinished(link);
        this.groupMemberDone(link, false);
        this.setPayloadPending(link, false);
        // As Redis: after a payload of known length the stream follows at once (SYNC clients never
        // acknowledge); after an EOF-marked one it follows the first ACK (the replica loaded it).
        if (!link.eof) this.putOnline(link, link.startOffset + 1);
        else link.state = 'send_bulk';
        this.publish();
        break;
      }
      case 'snapshot-failed': {
        const link = this.links.get(`${worker}:${msg.cid}`);
        this.snapshotDone();
        if (link !== undefined) this.dropLink(link);
        break;
      }
      case 'wait':
        this.onWait(worker, msg);
        break;
      case 'replicaof':
        this.post(worker, { t: 'replicaof-done', rid: msg.rid, reply: msg.host === null ? this.replicaOfNoOne() : this.replicaOf(msg.host, msg.port) });
        break;
      case 'applied-snapshot': {
        this.router?.resume();
        const link = this.links.get(`${msg.worker}:${msg.cid}`);
        if (link === undefined || link.startOffset !== null) break;
        // Nothing streamed since the payload was loaded: the master client has no offset of its own yet.
        const offset = msg.offset >= 0 ? msg.offset : this.applied;
        link.eof = link.capaEof && this.config.get('repl-diskless-sync') === 'yes';
        this.startPayload(link, offset);
        this.post(link.worker, { t: 'fullsync', cid: link.cid, replid: link.sync ? '' : this.replid, offset, eof: link.eof, rdb: msg.rdb });
        break;
      }
      case 'applied':
        this.onApplied(msg.offset);
        break;
      case 'loaded':
        this.onLoaded(msg.ok, msg.error);
        this.router?.resume();
        break;
      case 'unit-done':
        this.router?.unitDone(msg.id);
        break;
      case 'getack':
        this.link?.sendAck(Math.max(this.applied, msg.offset));
        break;
      case 'master-reset-done':
        this.onMasterReset(msg.offset);
        break;
      case 'sleep':
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, msg.ms);
        break;
      case 'kill-master-link':
        // As Redis after CLIENT KILL of its master client: reconnect, and continue with PSYNC.
        this.link?.close('killed by CLIENT KILL');
        break;
    }
  }

  private onPsync(worker: number, msg: Extract<WorkerToLog, { t: 'psync' }>): void {
    const link: ReplicaLink = {
      worker, cid: msg.cid, ip: msg.ip, port: msg.listeningPort, state: 'wait_bgsave', capaEof: msg.capaEof, sync: msg.sync,
      ackOffset: 0, ackTime: Date.now(), snapshotSeq: null, startOffset: null, delayTimer: null,
      eof: false, buffered: null, bufferedBytes: 0, payloadSent: false, payloadPending: false, group: null,
    };
    this.links.set(`${worker}:${msg.cid}`, link);
    const backlog = this.backlog;
    const known = msg.replid === this.replid || (msg.replid === this.replid2 && msg.offset <= this.secondReplOffset);
    if (!msg.sync && backlog !== null && known && backlog.holds(msg.offset) && (this.role === 'master' || this.linkState === 'connected')) {
      this.syncPartialOk++;
      this.post(worker, { t: 'write', cid: msg.cid, bytes: Buffer.from(`+CONTINUE ${this.replid}\r\n`) });
      link.ackOffset = msg.offset - 1;
      this.putOnline(link, msg.offset);
      return;
    }
    if (msg.replid !== '?' && !msg.sync) this.syncPartialErr++;
    if (this.role === 'slave' && this.linkState !== 'connected') {
      // As Redis: a replica without a link to its primary has nothing to serve; the replica retries.
      this.post(worker, { t: 'write', cid: msg.cid, bytes: Buffer.from('-NOMASTERLINK Can\'t SYNC while not connected with my master\r\n') });
      this.dropLink(link);
      return;
    }
    this.syncFull++;
    this.ensureBacklog();
    if (this.role === 'slave') {
      // A replica serves a snapshot of what its master client applied, taken by worker 0 between two
      // chunks of the stream: the offset is exact, and the stream from there is in the backlog.
      const router = this.router;
      if (router !== null) {
        // Nothing may run while it is taken: the snapshot is the stream applied up to this.applied.
        router.whenIdle(() => {
          router.pause();
          this.post(0, { t: 'applied-snapshot', worker, cid: msg.cid, offset: this.applied, db: router.db });
        });
      } else this.post(0, { t: 'applied-snapshot', worker, cid: msg.cid });
      this.publish();
      return;
    }
    const delay = this.disklessDelay(link);
    if (delay > 0) {
      // As Redis: a diskless transfer waits repl-diskless-sync-delay seconds for more replicas (they
      // get keep-alive newlines meanwhile), unless repl-diskless-sync-max-replicas are waiting already.
      link.delayTimer = setTimeout(() => {
        link.delayTimer = null;
        // As Redis: the first replica's delay over, every replica waiting by then starts with it.
        if (this.links.get(`${link.worker}:${link.cid}`) === link) this.startGroup(link);
      }, delay * 1000);
    } else if (link.capaEof && this.config.get('repl-diskless-sync') === 'yes') this.startGroup(link);
    else this.startSnapshot(link);
    this.publish();
  }

  /** Starts the diskless payloads of `link` and of every replica waiting for its delay to pass, as one transfer. */
  private startGroup(link: ReplicaLink): void {
    // In the order they arrived (the links' order): the first to ask gets the first payload.
    const members: ReplicaLink[] = [];
    for (const l of this.links.values()) {
      if (l !== link && l.delayTimer === null) continue;
      if (l.delayTimer !== null) clearTimeout(l.delayTimer);
      l.delayTimer = null;
      members.push(l);
    }
    const group: TransferGroup = { up: members.length, pending: members.length, ended: false };
    for (const member of members) {
      member.group = group;
      this.startSnapshot(member);
    }
  }

  /** A member of a transfer group wrote its payload (`dropped` false) or is gone: the transfer's end is logged in Redis's words. */
  private groupMemberDone(link: ReplicaLink, dropped: boolean): void {
    const group = link.group;
    if (group === null || group.ended) return;
    if (dropped) group.up--;
    if (link.payloadPending || !dropped) group.pending--;
    if (group.up === 0) {
      group.ended = true;
      logNow('shoal: Diskless rdb transfer, last replica dropped, killing fork child.');
    } else if (group.pending === 0) {
      group.ended = true;
      logNow(`shoal: Diskless rdb transfer, done reading from pipe, ${group.up} replicas still up.`);
    }
  }

  private payloadsPending = 0;

  private setPayloadPending(link: ReplicaLink, pending: boolean): void {
    if (link.payloadPending === pending) return;
    link.payloadPending = pending;
    this.payloadsPending += pending ? 1 : -1;
    this.state.setPayloadsPending(this.payloadsPending);
  }

  private disklessDelay(link: ReplicaLink): number {
    if (!link.capaEof || this.config.get('repl-diskless-sync') !== 'yes') return 0;
    const max = Number(this.config.get('repl-diskless-sync-max-replicas') ?? '0');
    if (max > 0) {
      let waiting = 0;
      for (const l of this.links.values()) if (l.delayTimer !== null) waiting++;
      // This one completes the set: every waiting replica starts now, with it.
      if (waiting + 1 >= max) return 0;
    }
    return Number(this.config.get('repl-diskless-sync-delay') ?? '5');
  }

  /**
   * Payloads are made one after another (one snapshot runs at a time), in the order their replicas
   * asked: each waits here until the one before it is written or its replica is gone.
   */
  private readonly snapshotQueue: ReplicaLink[] = [];
  private activeSnapshot: ReplicaLink | null = null;

  private startSnapshot(link: ReplicaLink): void {
    this.setPayloadPending(link, true);
    link.eof = link.capaEof && this.config.get('repl-diskless-sync') === 'yes';
    this.snapshotQueue.push(link);
    this.nextSnapshot();
  }

  private nextSnapshot(): void {
    if (this.activeSnapshot !== null) return;
    const link = this.snapshotQueue.shift();
    if (link === undefined) return;
    this.activeSnapshot = link;
    // Counted from here, not while queued: while any is counted, every effect's offset is recorded
    // (seqOffsets), and a queue of payloads under a write load made that list grow for minutes.
    this.pendingSnapshots++;
    this.post(link.worker, { t: 'snapshot', cid: link.cid, eof: link.eof });
  }

  /** `link`'s payload is written, or it will never be: the next one may start. */
  private snapshotFinished(link: ReplicaLink): void {
    const queued = this.snapshotQueue.indexOf(link);
    // Never asked of its worker (not counted in pendingSnapshots yet).
    if (queued >= 0) this.snapshotQueue.splice(queued, 1);
    if (this.activeSnapshot !== link) return;
    this.activeSnapshot = null;
    this.nextSnapshot();
  }

  /** The replica's payload starts at stream offset `offset`: what follows is kept for it until it is online. */
  private startPayload(link: ReplicaLink, offset: number): void {
    link.startOffset = offset;
    // Diskless: the payload streams from now on (send_bulk); to disk, Redis's child is still saving.
    if (link.eof) link.state = 'send_bulk';
    const backlog = this.backlog!;
    const held = backlog.holds(offset + 1) ? backlog.copyFrom(offset + 1) : null;
    if (held === null) {
      this.dropLink(link);
      return;
    }
    link.buffered = held.length > 0 ? [held] : [];
    link.bufferedBytes = held.length;
  }

  private snapshotDone(): void {
    if (--this.pendingSnapshots <= 0) {
      this.pendingSnapshots = 0;
      this.seqOffsets = [];
    }
  }

  /** Full resyncs whose snapshot is taken: once the stream offset of their sequence is known, they start. */
  private resolvePending(): void {
    if (this.pendingSnapshots === 0) return;
    for (const link of this.links.values()) {
      if (link.snapshotSeq === null || link.startOffset !== null) continue;
      // The replica starts right before the first effect at or after its snapshot's sequence number;
      // when none is merged yet but every earlier one is, it starts at the end of the stream so far.
      let offset = -1;
      const seq = link.snapshotSeq;
      const pairs = this.seqOffsets;
      for (let i = 0; i < pairs.length; i += 2) {
        if (!seqBefore(pairs[i]!, seq)) {
          offset = pairs[i + 1]!;
          break;
        }
      }
      if (offset < 0 && !seqBefore(this.host.nextSequence(), seq)) {
        this.encoder.endTransaction();
        this.flushStream();
        offset = this.backlog!.offset;
        this.encoder.forceSelect();
      }
      if (offset < 0) continue;
      this.snapshotDone();
      this.startPayload(link, offset);
      if (link.startOffset === null || !this.links.has(`${link.worker}:${link.cid}`)) continue;
      this.post(link.worker, { t: 'fullsync', cid: link.cid, replid: link.sync ? '' : this.replid, offset, eof: link.eof });
    }
  }

  private putOnline(link: ReplicaLink, from: number): void {
    const buffered = link.buffered;
    if (buffered !== null) {
      // Everything after the payload's offset, kept since it started.
      link.buffered = null;
      link.bufferedBytes = 0;
      if (buffered.length > 0) this.post(link.worker, { t: 'write', cid: link.cid, bytes: Uint8Array.prototype.slice.call(Buffer.concat(buffered)) });
      link.state = 'online';
      this.countGoodReplicas();
      this.publish();
      return;
    }
    const backlog = this.backlog!;
    if (!backlog.holds(from)) {
      this.dropLink(link);
      return;
    }
    const missing = backlog.copyFrom(from);
    if (missing.length > 0) this.post(link.worker, { t: 'write', cid: link.cid, bytes: Uint8Array.prototype.slice.call(missing) });
    link.state = 'online';
    this.countGoodReplicas();
    this.publish();
  }

  /**
   * Forgets a replica. One whose snapshot sequence is known but not matched to an offset yet stops
   * being waited for; one whose snapshot is not taken yet is accounted for when 'snapshot-taken'
   * finds no link.
   */
  private forgetLink(link: ReplicaLink): void {
    if (link.delayTimer !== null) clearTimeout(link.delayTimer);
    link.delayTimer = null;
    if (this.links.get(`${link.worker}:${link.cid}`) === link) this.groupMemberDone(link, true);
    this.snapshotFinished(link);
    this.setPayloadPending(link, false);
    if (this.links.delete(`${link.worker}:${link.cid}`) && link.snapshotSeq !== null && link.startOffset === null) this.snapshotDone();
    this.countGoodReplicas();
  }

  private dropLink(link: ReplicaLink): void {
    this.forgetLink(link);
    this.post(link.worker, { t: 'close', cid: link.cid });
    this.publish();
  }

  // ---- WAIT ----

  private onWait(worker: number, msg: Extract<WorkerToLog, { t: 'wait' }>): void {
    const wait: Wait = { worker, wid: msg.wid, seq: msg.seq, numreplicas: msg.numreplicas, target: null, timer: null };
    this.waits.push(wait);
    if (msg.timeoutMs > 0) wait.timer = setTimeout(() => this.finishWait(wait), msg.timeoutMs);
    this.checkWaits();
    if (this.waits.includes(wait)) this.requestAcks();
  }

  private requestAcks(): void {
    if (this.role !== 'master' || this.backlog === null) return;
    let online = false;
    for (const link of this.links.values()) if (link.state === 'online') online = true;
    if (!online) return;
    this.encoder.endTransaction();
    this.encoder.command(['REPLCONF', 'GETACK', '*']);
    this.flushStream();
  }

  private acked(target: number): number {
    let n = 0;
    for (const link of this.links.values()) if (link.state === 'online' && link.ackOffset >= target) n++;
    return n;
  }

  private checkWaits(): void {
    for (const wait of [...this.waits]) {
      if (wait.target === null) {
        if (this.backlog === null || this.role !== 'master') wait.target = this.backlog?.offset ?? 0;
        else if (!seqBefore(this.host.nextSequence(), wait.seq)) {
          this.flushStream();
          wait.target = this.backlog.offset;
        } else continue;
      }
      if (this.acked(wait.target) >= wait.numreplicas) this.finishWait(wait);
    }
  }

  private finishWait(wait: Wait): void {
    const at = this.waits.indexOf(wait);
    if (at < 0) return;
    this.waits.splice(at, 1);
    if (wait.timer !== null) clearTimeout(wait.timer);
    this.post(wait.worker, { t: 'wait-done', wid: wait.wid, count: wait.target === null ? 0 : this.acked(wait.target) });
  }

  // ---- replica side ----

  private replicaOf(host: string, port: number): string {
    if (this.role === 'slave' && host === this.masterHost && port === this.masterPort) return 'OK Already connected to specified master';
    const wasMaster = this.role === 'master';
    this.role = 'slave';
    this.masterHost = host;
    this.masterPort = port;
    if (wasMaster) {
      // What this server has is a history the new primary may share (PSYNC2): offer it.
      this.applied = this.backlog?.offset ?? 0;
      this.synced = this.backlog !== null;
      this.encoder.take();
    }
    this.state.setRole(ROLE_REPLICA, false);
    this.toAllWorkers({ t: 'role', replica: true });
    // As Redis: this server's replicas reconnect (a partial resync, when histories allow) and learn the change.
    for (const link of [...this.links.values()]) this.dropLink(link);
    for (const wait of [...this.waits]) this.finishWait(wait);
    this.restartLink();
    this.publish();
    return 'OK';
  }

  private replicaOfNoOne(): string {
    if (this.role === 'master') return 'OK';
    this.closeLink();
    this.role = 'master';
    // The history so far stays valid under the old id (replid2) up to here; new writes get a new id.
    this.replid2 = this.replid;
    this.secondReplOffset = this.applied + 1;
    this.replid = newReplid();
    this.state.setRole(ROLE_MASTER, true);
    this.toAllWorkers({ t: 'role', replica: false });
    // Replicas reconnect and continue (PSYNC with the old id, answered +CONTINUE with the new one).
    for (const link of [...this.links.values()]) this.dropLink(link);
    if (this.backlog !== null) {
      this.host.ensureRecording();
      this.encoder.take();
      this.encoder.forceSelect();
    }
    this.publish();
    return 'OK';
  }

  private closeLink(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const link = this.link;
    this.link = null;
    if (link !== null) this.abandonPayload(link);
    link?.close('replicaof');
    this.linkState = 'connect';
  }

  /** Drops the current link (if any) and connects again once the master client applied what it got. */
  private restartLink(): void {
    this.closeLink();
    this.linkDownSince = Date.now();
    this.resetting = true;
    const router = this.router;
    if (router !== null) {
      // What arrived whole is applied first; a command cut by the drop is forgotten.
      router.whenIdle(() => {
        router.restart(this.applied);
        this.onMasterReset(-1);
      });
    } else this.post(0, { t: 'master-reset' });
  }

  private onMasterReset(offset: number): void {
    this.resetting = false;
    if (offset >= 0) this.onApplied(offset);
    this.unapplied = [];
    this.received = this.applied;
    if (this.role === 'slave') this.connect();
  }

  private connect(): void {
    if (this.role !== 'slave' || this.link !== null || this.resetting) return;
    this.linkState = 'connecting';
    const link = new PrimaryLink(this.masterHost, this.masterPort, {
      // As Redis: replica-announce-port / -ip, when set, are what the primary shows and connects to.
      listeningPort: Number(this.config.get('replica-announce-port') ?? '0') || this.config.port,
      announceIp: this.config.get('replica-announce-ip') || undefined,
      auth: this.config.get('masterauth') || null,
      psyncReplid: this.synced ? this.replid : '?',
      psyncOffset: this.synced ? this.applied + 1 : -1,
    }, {
      handshaking: () => {
        if (this.link === link) this.linkState = 'handshake';
      },
      fullResync: (replid, offset) => {
        this.linkState = 'sync';
        this.pendingFull = { replid, offset, asyncLoad: this.synced && replid === this.replid };
        console.log(`shoal: Full resync from master: ${replid}:${offset}`);
        this.publish();
      },
      payloadStart: (length) => {
        const what = length < 0 ? 'streamed RDB from master with EOF' : `${length} bytes from master`;
        this.disklessLoad = this.config.get('repl-diskless-load') === 'swapdb';
        this.payloadArriving = true;
        if (!this.disklessLoad) {
          console.log(`shoal: MASTER <-> REPLICA sync: receiving ${what} to disk`);
          return;
        }
        // Redis's words (its tests wait for them): loading starts as the payload arrives.
        logNow(`shoal: MASTER <-> REPLICA sync: receiving ${what} to parser`);
        logNow('shoal: MASTER <-> REPLICA sync: Loading DB in memory');
        this.state.setLoading(this.pendingFull?.asyncLoad === true ? ASYNC_LOADING : LOADING);
      },
      rdb: (payload) => {
        this.payloadArriving = false;
        this.adoptPendingHistory();
        if (this.router !== null) {
          // The stream after the payload waits for the load, and continues in the payload's database.
          this.router.pause();
          this.router.restart(this.applied);
          this.router.db = payloadStreamDb(payload);
        }
        if (!this.disklessLoad) {
          console.log('shoal: MASTER <-> REPLICA sync: Flushing old data');
          logNow('shoal: MASTER <-> REPLICA sync: Loading DB in memory');
          this.state.setLoading(LOADING);
        }
        const file = path.resolve(this.config.dir, this.config.dbfilename);
        const temp = path.resolve(this.config.dir, `temp-${Math.floor(Date.now() / 1000)}.${process.pid}.rdb`);
        fs.writeFileSync(temp, payload);
        fs.renameSync(temp, file);
        this.post(0, { t: 'load', file });
      },
      continued: (replid) => {
        logNow('shoal: MASTER <-> REPLICA sync: Master accepted a Partial Resynchronization.');
        logNow('shoal: Successful partial resynchronization with master.');
        this.linkState = 'connected';
        this.state.setRole(ROLE_REPLICA, true);
        if (replid !== null && replid !== this.replid) {
          this.replid2 = this.replid;
          this.secondReplOffset = this.applied + 1;
          this.replid = replid;
          // As Redis: this server's replicas reconnect to learn the new id (a partial resync: replid2).
          for (const l of [...this.links.values()]) this.dropLink(l);
        }
        this.ensureBacklog();
        this.publish();
      },
      stream: (bytes) => {
        const start = this.received;
        this.unapplied.push({ start, bytes: Buffer.from(bytes) });
        this.received += bytes.length;
        // (The router may report the bytes applied at once: received must count them already.)
        if (this.router !== null) this.router.feed(Buffer.from(bytes), start);
        else this.post(0, { t: 'stream', bytes: Uint8Array.prototype.slice.call(bytes), start });
      },
      closed: (reason) => {
        if (this.link !== link) return;
        this.abandonPayload(link);
        console.warn(`shoal: connection with master lost (${reason})`);
        // A link that worked is tried again at once (Redis's cron retries 0 to 1 s later; a primary
        // that changed role drops its replicas and expects them back for a partial resync); one that
        // failed to come up, a second later.
        const retryMs = this.linkState === 'connected' ? 50 : 1000;
        this.link = null;
        this.linkState = 'connect';
        this.state.setRole(ROLE_REPLICA, false);
        this.linkDownSince = Date.now();
        this.publish();
        this.reconnectTimer = setTimeout(() => {
          this.reconnectTimer = null;
          if (this.role === 'slave') this.restartLink();
        }, retryMs);
      },
    });
    this.link = link;
  }

  /** The payload arrived: +FULLRESYNC's history is this replica's from here. */
  private adoptPendingHistory(): void {
    const full = this.pendingFull;
    if (full === null) return;
    this.pendingFull = null;
    this.replid = full.replid;
    this.replid2 = NO_REPLID;
    this.secondReplOffset = -1;
    this.applied = full.offset;
    this.received = full.offset;
    this.unapplied = [];
    // A new history: replicas of this server must resynchronize too.
    for (const l of [...this.links.values()]) this.dropLink(l);
    if (this.backlog !== null) this.backlog.reset(full.offset);
    else this.backlog = new ReplicationBacklog(this.config.replBacklogSize, full.offset);
    this.publish();
  }

  /** The link dropped (or was closed) while a payload was due or arriving: the old data and history stay. */
  private abandonPayload(link: PrimaryLink): void {
    if (this.pendingFull === null) return;
    this.pendingFull = null;
    if (this.disklessLoad && this.payloadArriving) {
      // Redis's words for a payload that ended short while its parser read it from the socket.
      logNow(`shoal: Internal error in RDB reading offset ${link.payloadReceived}, function at rdb.c:0 -> Unexpected EOF reading RDB file`);
      logNow('shoal: Failed trying to load the MASTER synchronization DB from socket, check server logs.');
    }
    this.disklessLoad = false;
    this.payloadArriving = false;
    this.state.setLoading(NOT_LOADING);
  }

  private onLoaded(ok: boolean, error?: string): void {
    this.disklessLoad = false;
    this.state.setLoading(NOT_LOADING);
    if (ok) logNow('shoal: MASTER <-> REPLICA sync: Finished with success');
    if (!ok) {
      console.error(`shoal: loading the primary's RDB failed: ${error}`);
      this.link?.close('load failed');
      return;
    }
    this.synced = true;
    this.linkState = 'connected';
    this.state.setRole(ROLE_REPLICA, true);
    this.link?.sendAck(this.applied);
    this.publish();
  }

  /** The master client applied the stream up to `offset`: that part goes to this server's backlog and replicas. */
  private onApplied(offset: number): void {
    if (offset <= this.applied) return;
    while (this.unapplied.length > 0) {
      const chunk = this.unapplied[0]!;
      const end = chunk.start + chunk.bytes.length;
      // (An offset past several chunks takes every one of them: what precedes this chunk went before.)
      const from = Math.max(0, this.applied - chunk.start);
      const to = Math.min(chunk.bytes.length, offset - chunk.start);
      if (to > from && this.backlog !== null) {
        const part = chunk.bytes.subarray(from, to);
        this.backlog.append(part);
        this.sendToReplicas(part);
      }
      if (end <= offset) this.unapplied.shift();
      else break;
    }
    this.applied = offset;
    this.publishSoon();
  }

  // ---- housekeeping ----

  private everySecond(): void {
    const now = Date.now();
    const timeout = Number(this.config.get('repl-timeout') ?? '60') * 1000;
    if (this.role === 'slave' && this.link !== null) {
      // As Redis: a primary silent for repl-timeout (it PINGs every repl-ping-replica-period) is gone.
      if (now - this.link.lastIo > timeout) {
        // Redis's words for each stage, which its tests look for in the log.
        if (this.linkState === 'connecting' || this.linkState === 'handshake') console.log('shoal: Timeout connecting to the MASTER...');
        else if (this.linkState === 'sync') console.log('shoal: Timeout receiving bulk data from MASTER... If the problem persists try to set the \'repl-timeout\' parameter in redis.conf to a larger value.');
        else console.log('shoal: MASTER timeout: no data nor PING received...');
        this.link.close('timeout: no data from the primary');
      }
      else if (this.linkState === 'connected') this.link.sendAck(this.applied);
    }
    for (const link of [...this.links.values()]) {
      // Replicas waiting for their payload get a newline every second, as Redis sends, so they do not time out.
      // Not before +FULLRESYNC (written once the payload's point is known): a client that sent PSYNC
      // reads that line first (Redis's own test client fails on a newline there), and a replica
      // waits repl-timeout for it anyway. SYNC gets no such line: newlines from the start.
      if (link.state === 'wait_bgsave' && this.role === 'master' && !link.payloadSent && (link.sync || link.startOffset !== null)) {
        this.post(link.worker, { t: 'keepalive', cid: link.cid });
      }
      if (link.state === 'online' && !link.sync && now - link.ackTime > timeout) {
        console.warn(`shoal: disconnecting timedout replica ${link.ip}:${link.port}`);
        this.dropLink(link);
      }
    }
    this.countGoodReplicas();
    this.expireBacklog(now);
    this.publish();
  }

  /**
   * repl-backlog-ttl: a primary without replicas for that long frees its backlog, as Redis does, and
   * takes a new replication id (nobody can continue the old history from here). The offset goes on.
   */
  private expireBacklog(now: number): void {
    const ttl = Number(this.config.get('repl-backlog-ttl') ?? '3600') * 1000;
    if (this.role !== 'master' || this.backlog === null || this.links.size > 0 || ttl === 0) return;
    if (now - this.noReplicasSince < ttl) return;
    this.encoder.take();
    this.applied = this.backlog.offset;
    this.backlog = null;
    this.replid = newReplid();
    this.replid2 = NO_REPLID;
    this.secondReplOffset = -1;
  }

  /** Replicas online whose last ACK is at most min-replicas-max-lag seconds old (min-replicas-to-write). */
  private countGoodReplicas(): void {
    const maxLag = Number(this.config.get('min-replicas-max-lag') ?? '10') * 1000;
    const now = Date.now();
    if (this.links.size > 0) this.noReplicasSince = now;
    let good = 0;
    for (const link of this.links.values()) if (link.state === 'online' && now - link.ackTime <= maxLag) good++;
    this.state.setGoodReplicas(good);
  }

  configChanged(): void {
    this.backlog?.resize(this.config.replBacklogSize);
    this.everySecond();
  }

  publish(): void {
    const now = Date.now();
    this.lastPublish = now;
    const backlog = this.backlog;
    const view: ReplicationView = {
      role: this.role,
      replicas: [...this.links.values()].map((l) => ({
        ip: l.ip, port: l.port, state: l.state, offset: l.ackOffset, lag: Math.floor((now - l.ackTime) / 1000),
      })),
      replid: this.replid,
      replid2: this.replid2,
      masterReplOffset: this.role === 'master' ? (backlog?.offset ?? this.applied) : this.applied,
      secondReplOffset: this.secondReplOffset,
      backlogActive: backlog !== null,
      backlogSize: backlog?.size ?? this.config.replBacklogSize,
      backlogFirstByteOffset: backlog?.firstByteOffset ?? 0,
      backlogHistlen: backlog?.histlen ?? 0,
      masterHost: this.masterHost,
      masterPort: this.masterPort,
      linkState: this.linkState,
      lastIoSecondsAgo: this.link !== null ? Math.floor((now - this.link.lastIo) / 1000) : -1,
      syncInProgress: this.linkState === 'sync',
      readReplOffset: this.received,
      replOffset: this.applied,
      linkDownSinceSecondsAgo: Math.floor((now - this.linkDownSince) / 1000),
      syncFull: this.syncFull,
      syncPartialOk: this.syncPartialOk,
      syncPartialErr: this.syncPartialErr,
      synced: this.synced,
      streamDb: this.router?.db,
    };
    this.state.publish(view);
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    if (this.publishTimer !== null) clearTimeout(this.publishTimer);
    this.closeLink();
    for (const wait of [...this.waits]) this.finishWait(wait);
  }
}
