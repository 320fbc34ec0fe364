// Replication commands: PSYNC and SYNC (the connection becomes a replica, fed by the log thread),
// REPLCONF, REPLICAOF / SLAVEOF, WAIT, ROLE; the INFO replication section; and the checks a replica
// or a primary with min-replicas-to-write applies to clients' commands.
import type { Session, SessionFamily } from '../shard/session.ts';
import type { Shard } from '../shard/shard.ts';
import type { Connection } from '../shard/connection.ts';
import type { CommandSpec } from './table.ts';
import { CommandFlag } from './flags.ts';
import { ASYNC_LOADING, LOADING as STATE_LOADING, NOT_LOADING, type ReplicationView } from '../replication/repl-state.ts';
import { LOADING } from '../resp/errors.ts';
import { datasetDigest } from '../replication/digest.ts';
import { arrayElements, integerReply, stringReply } from '../resp/reply-scan.ts';
import { keyHashSlot } from '../cluster/key-slot.ts';
import { functionLibraries } from '../scripting/function-libraries.ts';
import { clientInfoLine } from './client.ts';
import { logNow } from '../replication/log-line.ts';

const INTEGER = /^-?(0|[1-9][0-9]*)$/;

/** What REPLCONF told us about a connection before it sent PSYNC. */
interface ReplicaHandshake {
  listeningPort: number;
  /** REPLCONF ip-address (replica-announce-ip): shown instead of the socket's address. */
  ip: string;
  capaEof: boolean;
}
const handshakes = new WeakMap<Connection, ReplicaHandshake>();

function handshakeOf(conn: Connection): ReplicaHandshake {
  let h = handshakes.get(conn);
  if (h === undefined) handshakes.set(conn, (h = { listeningPort: 0, ip: '', capaEof: false }));
  return h;
}

function startReplica(session: Session, replid: string, offset: number, sync: boolean): void {
  const { shard, conn, out } = session;
  if (!shard.replication.available || conn.socket === null) {
    out.error('ERR replication is not available');
    return;
  }
  if (shard.replication.isReplicaConnection(conn)) return; // already a replica: ignored, as Redis
  // Replies owed before PSYNC go first; from now on the log thread decides what this socket gets.
  conn.flush();
  const h = handshakeOf(conn);
  conn.client.isReplicaLink = true;
  shard.replication.attachReplica(conn, replid, offset, sync, h.capaEof, h.listeningPort || (conn.socket.remotePort ?? 0), h.ip);
}

export const replicationCommands: SessionFamily = {
  psync: {
    handler(session, argv) {
      const offset = argv[2]!;
      if (!INTEGER.test(offset) || !Number.isSafeInteger(Number(offset))) {
        const { conn } = session;
        const port = handshakes.get(conn)?.listeningPort || conn.socket?.remotePort || 0;
        logNow(`shoal: Replica ${(conn.socket?.remoteAddress ?? '?').replace(/^::ffff:/, '')}:${port} asks for synchronization but with a wrong offset`);
        session.out.error('ERR value is not an integer or out of range');
        return;
      }
      startReplica(session, argv[1]!, Number(offset), false);
    },
  },
  sync: {
    handler(session) {
      startReplica(session, '?', -1, true);
    },
  },
  replconf: {
    handler({ shard, conn, out }, argv) {
      if (argv.length % 2 === 0) {
        out.error('ERR syntax error');
        return;
      }
      for (let i = 1; i < argv.length; i += 2) {
        const option = argv[i]!.toLowerCase();
        const value = argv[i + 1]!;
        switch (option) {
          case 'listening-port': {
            const port = Number(value);
            if (!INTEGER.test(value) || port < 0 || port > 65535) {
              out.error('ERR value is not an integer or out of range');
              return;
            }
            handshakeOf(conn).listeningPort = port;
            break;
          }
          case 'ip-address':
            handshakeOf(conn).ip = value;
            break;
          case 'rdb-only':
          case 'rdb-filter-only':
            break;
          case 'capa':
            if (value.toLowerCase() === 'eof') handshakeOf(conn).capaEof = true;
            break;
          case 'ack':
            // From a replica: its processed offset. Never answered.
            if (shard.replication.isReplicaConnection(conn) && INTEGER.test(value)) shard.replication.ack(conn, Number(value));
            return;
          case 'getack':
            // From our primary, in the stream: acknowledge now. Never answered.
            if (shard.replication.isMasterClient(conn)) shard.replication.getAck();
            return;
          default:
            out.error(`ERR Unrecognized REPLCONF option: ${argv[i]}`);
            return;
        }
      }
      out.simple('OK');
    },
  },
  // allWorkers: inside MULTI the role change is awaited under every worker's lock, as EXEC runs async commands.
  replicaof: { allWorkers: true, handler: replicaof },
  slaveof: { allWorkers: true, handler: replicaof },
  wait: {
    async handler({ shard, out }, argv) {
      if (shard.replication.state.isReplica) {
        out.error('ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.');
        return;
      }
      const [, numText, timeoutText] = argv as [string, string, string];
      if (!INTEGER.test(numText)) {
        out.error('ERR value is not an integer or out of range');
        return;
      }
      if (!INTEGER.test(timeoutText)) {
        out.error('ERR timeout is not an integer or out of range');
        return;
      }
      const timeout = Number(timeoutText);
      if (timeout < 0) {
        out.error('ERR timeout is negative');
        return;
      }
      out.integer(await shard.replication.wait(Number(numText), timeout));
    },
  },
  role: {
    handler({ shard, out }) {
      const view = shard.replication.state.read();
      if (view === null || view.role === 'master') {
        const replicas = view?.replicas.filter((r) => r.state === 'online') ?? [];
        out.array(3);
        out.bulk('master');
        out.integer(view?.masterReplOffset ?? 0);
        out.array(replicas.length);
        for (const r of replicas) {
          out.array(3);
          out.bulk(r.ip);
          out.bulk(String(r.port));
          out.bulk(String(r.offset));
        }
        return;
      }
      out.array(5);
      out.bulk('slave');
      out.bulk(view.masterHost);
      out.integer(view.masterPort);
      out.bulk(view.linkState);
      out.integer(view.linkState === 'connected' ? view.replOffset : -1);
    },
  },
};

async function replicaof({ shard, conn, out }: Session, argv: string[]): Promise<void> {
  if (shard.config.clusterEnabled) {
    out.error('ERR REPLICAOF not allowed in cluster mode.');
    return;
  }
  const [, host, portText] = argv as [string, string, string];
  if (host.toLowerCase() === 'no' && portText.toLowerCase() === 'one') {
    out.simple(await shard.replication.replicaof(null, 0));
    return;
  }
  if (shard.replication.isReplicaConnection(conn)) {
    out.error('ERR Command is not valid when client is a replica.');
    return;
  }
  const port = Number(portText);
  if (!INTEGER.test(portText) || port < 0 || port > 65535) {
    out.error('ERR Invalid master port');
    return;
  }
  out.simple(await shard.replication.replicaof(host, port));
}

const READONLY = "READONLY You can't write against a read only replica.";
const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';

/**
 * The error a client's command gets because of replication, or null: writes on a read-only replica,
 * most commands on a replica whose link is down with replica-serve-stale-data no, writes on a primary
 * with fewer than min-replicas-to-write good replicas. The master client is never refused.
 */
export function replicationRefuses(shard: Shard, conn: Connection, spec: CommandSpec, argv: readonly string[] = []): string | null {
  const replication = shard.replication;
  const state = replication.state;
  if (conn.client.isMaster) return null;
  if (conn.client.isReplicaLink) return replicaLinkCommand(conn, spec);
  if (state.isReplica) {
    const loading = state.loading;
    if (loading !== NOT_LOADING) {
      // As Redis while a payload loads: only the commands flagged loading run (loading), or all but
      // those flagged no-async-loading (async_loading); CONFIG SET appendonly waits in both.
      if (loading === STATE_LOADING && (spec.flags & CommandFlag.LOADING) === 0) return LOADING;
      if (loading === ASYNC_LOADING && (spec.flags & CommandFlag.NO_ASYNC_LOADING) !== 0) return LOADING;
      if (spec.name === 'config|set' && setsAppendonly(argv)) return LOADING;
    }
    if ((spec.flags & CommandFlag.WRITE) !== 0 && replication.replicaReadOnly) return READONLY;
    if (!state.linkUp && (spec.flags & CommandFlag.STALE) === 0 && !replication.replicaServeStaleData) return MASTERDOWN;
    return null;
  }
  // This worker's own setting (CONFIG SET applies here at once), the log thread's count of good replicas.
  if (replication.minReplicasToWrite > 0 && state.goodReplicas < replication.minReplicasToWrite &&
    ((spec.flags & CommandFlag.WRITE) !== 0 || functionMayWrite(spec, argv))) return NOREPLICAS;
  return null;
}

const KEYSPACE_FROM_REPLICA = "ERR Replica can't interact with the keyspace";

/**
 * A command on a replica's link other than REPLCONF: as Redis, whatever it answers would corrupt the
 * stream the replica reads, so the link is closed (the replica reconnects) and the reason logged;
 * one that touches the keyspace is refused first.
 */
function replicaLinkCommand(conn: Connection, spec: CommandSpec): string | null {
  if (spec.name === 'replconf') return null;
  let error: string | null = null;
  if ((spec.flags & (CommandFlag.WRITE | CommandFlag.READONLY | CommandFlag.MAY_REPLICATE)) !== 0) {
    error = KEYSPACE_FROM_REPLICA;
    logNow(`shoal: == CRITICAL == This master is sending an error to its replica: '${error}' after processing the command '${spec.name}'`);
  }
  logNow(`shoal: Replica generated a reply to command '${spec.name}', disconnecting it: ${clientInfoLine(conn, Date.now())}`);
  conn.close();
  return error;
}

/** CONFIG SET naming appendonly (Redis's one config denied while loading). */
function setsAppendonly(argv: readonly string[]): boolean {
  for (let i = 2; i < argv.length; i += 2) if (argv[i]!.toLowerCase() === 'appendonly') return true;
  return false;
}

/** FCALL of a function without the no-writes flag: Redis refuses it before it runs, like a write. */
function functionMayWrite(spec: CommandSpec, argv: readonly string[]): boolean {
  if (spec.name !== 'fcall') return false;
  const fn = functionLibraries.functions.get(argv[1]!);
  return fn !== undefined && !fn.flags.names.has('no-writes');
}

/** INFO's replication section, from the view the log thread publishes. */
export function replicationInfoLines(shard: Shard): string[] {
  const view: ReplicationView | null = shard.replication.state.read();
  const config = shard.config;
  if (view === null) {
    return ['role:master', 'connected_slaves:0', 'master_failover_state:no-failover',
      'master_replid:0000000000000000000000000000000000000000', 'master_replid2:0000000000000000000000000000000000000000',
      'master_repl_offset:0', 'second_repl_offset:-1', 'repl_backlog_active:0', `repl_backlog_size:${config.replBacklogSize}`,
      'repl_backlog_first_byte_offset:0', 'repl_backlog_histlen:0'];
  }
  const lines = [`role:${view.role}`];
  if (view.role === 'slave') {
    const up = view.linkState === 'connected';
    lines.push(
      `master_host:${view.masterHost}`, `master_port:${view.masterPort}`, `master_link_status:${up ? 'up' : 'down'}`,
      `master_last_io_seconds_ago:${up ? view.lastIoSecondsAgo : -1}`, `master_sync_in_progress:${view.syncInProgress ? 1 : 0}`,
      `slave_read_repl_offset:${view.readReplOffset}`, `slave_repl_offset:${view.replOffset}`,
    );
    if (!up) lines.push(`master_link_down_since_seconds:${view.linkDownSinceSecondsAgo}`);
    lines.push(
      `slave_priority:${config.get('replica-priority') ?? '100'}`, `slave_read_only:${config.get('replica-read-only') === 'yes' ? 1 : 0}`,
      `replica_announced:${config.get('replica-announced') === 'yes' ? 1 : 0}`,
    );
  }
  lines.push(`connected_slaves:${view.replicas.length}`);
  if (view.role === 'master' && Number(config.get('min-replicas-to-write') ?? '0') > 0) {
    lines.push(`min_slaves_good_slaves:${shard.replication.state.goodReplicas}`);
  }
  view.replicas.forEach((r, i) => lines.push(`slave${i}:ip=${r.ip},port=${r.port},state=${r.state},offset=${r.offset},lag=${r.lag}`));
  lines.push(
    'master_failover_state:no-failover', `master_replid:${view.replid}`, `master_replid2:${view.replid2}`,
    `master_repl_offset:${view.masterReplOffset}`, `second_repl_offset:${view.secondReplOffset}`,
    `repl_backlog_active:${view.backlogActive ? 1 : 0}`, `repl_backlog_size:${view.backlogSize}`,
    `repl_backlog_first_byte_offset:${view.backlogFirstByteOffset}`, `repl_backlog_histlen:${view.backlogHistlen}`,
  );
  return lines;
}

/** INFO stats' sync_full, sync_partial_ok, sync_partial_err (full and partial resyncs served). */
export function replicationStatsFields(shard: Shard): string[] {
  const view = shard.replication.state.read();
  return [`sync_full:${view?.syncFull ?? 0}`, `sync_partial_ok:${view?.syncPartialOk ?? 0}`, `sync_partial_err:${view?.syncPartialErr ?? 0}`];
}

/** DEBUG DIGEST (the dataset, every worker's keys) and DEBUG DIGEST-VALUE key ... (each value, where it lives). */
export async function debugDigest(session: Session, argv: string[]): Promise<void> {
  const { shard, out, conn } = session;
  if (argv[1]!.toLowerCase() === 'digest') {
    if (argv.length !== 2) {
      out.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try DEBUG HELP.`);
      return;
    }
    const perDb = new Map<number, Buffer>();
    const replies = await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, ['@digest'], 0, 2, session.txId)));
    for (const reply of replies) {
      const items = arrayElements(reply)!;
      for (let i = 0; i < items.length; i += 2) {
        const db = integerReply(reply, items[i]![0])!;
        const digest = Buffer.from(stringReply(reply, items[i + 1]![0])!, 'hex');
        const acc = perDb.get(db) ?? Buffer.alloc(20);
        for (let j = 0; j < 20; j++) acc[j]! ^= digest[j]!;
        perDb.set(db, acc);
      }
    }
    out.simple(datasetDigest(perDb));
    return;
  }
  const keys = argv.slice(2);
  const db = conn.client.dbIndex;
  const digests = await Promise.all(keys.map((key) => shard.request(shard.slots.ownerOf(keyHashSlot(key)), ['@digest-value', key], db, 2, session.txId)));
  out.array(digests.length);
  for (const reply of digests) out.simple(stringReply(reply)!);
}
