import { latin1Slice } from '../resp/latin1.ts';
import { keyHashSlot as keyHashSlotOf } from '../cluster/key-slot.ts';
import { CommandFlag, type CommandSpec } from '../commands/table.ts';
import { KEYED_HANDLERS, SESSION_COMMANDS } from '../commands/registry.ts';
import { ReplyWriter } from '../resp/reply-writer.ts';
import { arrayElements, integerReply, isErrorReply, skipValue } from '../resp/reply-scan.ts';
import { decodeValue, encodeValue } from '../ipc/value-transfer.ts';
import type { Connection } from './connection.ts';
import type { Shard } from './shard.ts';
import type { Executor } from './executor.ts';
import type { SessionCommand } from './session.ts';

export interface TxCommand {
  argv: string[];
  spec: CommandSpec;
}

function sessionCommandOf(spec: CommandSpec): SessionCommand | undefined {
  return SESSION_COMMANDS[spec.name] ?? (spec.parent ? SESSION_COMMANDS[spec.parent.name] : undefined);
}

/** Multi-key commands whose per-worker parts run where the keys are and whose replies merge. */
const SPLIT_MERGES: Record<string, 'mget' | 'ok' | 'sum'> = {
  mget: 'mget',
  mset: 'ok',
  del: 'sum',
  unlink: 'sum',
  exists: 'sum',
  touch: 'sum',
};

/**
 * Runs commands atomically across workers: a transaction with a clear lifecycle (Dragonfly's model).
 *   schedule: lock every involved worker in ascending order (deadlock-free; this worker included,
 *             so that none of its own clients runs in between);
 *   execute:  each command in turn, where its keys are: on one worker, split per worker with merged
 *             replies, or gathered here (the keys' values are fetched, the command runs here, the
 *             changed keys are written back to their owners);
 *   conclude: unlock, answer.
 * With `isExec`, the commands are a MULTI block: WATCH is checked under the locks and the reply is
 * EXEC's array (or a null array when a watched key changed).
 */
export async function runCrossShard(shard: Shard, conn: Connection, commands: readonly TxCommand[], isExec: boolean, out: ReplyWriter): Promise<void> {
  if (!isExec && commands.length === 1 && (commands[0]!.spec.flags & CommandFlag.BLOCKING) !== 0) {
    return runBlockingAcrossWorkers(shard, conn, commands[0]!, out);
  }
  const workers = new Set<number>();
  let allLocal = true;
  for (const command of commands) {
    const session = sessionCommandOf(command.spec);
    if (session !== undefined) {
      if (session.allWorkers) for (let w = 0; w < shard.workerCount; w++) workers.add(w);
      continue;
    }
    shard.dispatcher.ownersOf(command.spec, command.argv, workers);
  }
  if (isExec) for (const w of conn.watchedWorkers) workers.add(w);
  for (const w of workers) if (w !== shard.id) allLocal = false;

  const txOut = new ReplyWriter(4096);
  txOut.proto = conn.client.resp;
  let aborted = false;
  if (allLocal && !commands.some((c) => sessionCommandOf(c.spec)?.allWorkers)) {
    // Every key is ours: JavaScript runs this to the end without interruption.
    if (isExec && conn.watchedWorkers.size > 0 && shard.watches.isDirty(conn.id)) aborted = true;
    else {
      shard.transactionDepth++;
      try {
        for (const command of commands) executeHere(shard, conn, command, txOut);
      } finally {
        shard.transactionDepth--;
      }
      shard.afterCommand();
    }
  } else {
    workers.add(shard.id);
    const order = [...workers].sort((a, b) => a - b);
    const txId = shard.newTxId();
    for (const w of order) {
      // This worker first in the order and free: taken at once, so that no command read after this
      // one (another client's, on this worker) runs or hops ahead of the transaction.
      if (w === shard.id && w === order[0] && !shard.lock.held) {
        shard.acquireLock(txId);
        continue;
      }
      await shard.request(w, ['@lock'], 0, 2, txId);
    }
    try {
      if (isExec) aborted = await watchedKeyChanged(shard, conn, txId);
      if (!aborted) for (const command of commands) await executeInTransaction(shard, conn, command, txOut, txId);
    } finally {
      for (const w of order) shard.send(w, ['@unlock'], 0, 2, null, txId);
    }
  }
  if (isExec) {
    shard.dispatcher.unwatchAll(conn);
    if (aborted) out.nullArray();
    else {
      out.array(commands.length);
      out.raw(txOut.buf.subarray(0, txOut.pos));
    }
  } else {
    out.raw(txOut.buf.subarray(0, txOut.pos));
  }
}

/**
 * A blocking command whose keys live on several workers: try it as a gathered transaction; when
 * every key is empty, leave one-shot key watches on the owners while still holding their locks (so
 * no push can slip in unseen), release, and wait for one of them to report a change or for the
 * timeout; then try again. The client's connection waits meanwhile, as a blocked client does.
 */
async function runBlockingAcrossWorkers(shard: Shard, conn: Connection, command: TxCommand, out: ReplyWriter): Promise<void> {
  const owners = new Set<number>();
  shard.dispatcher.ownersOf(command.spec, command.argv, owners);
  owners.add(shard.id);
  const order = [...owners].sort((a, b) => a - b);
  const keysByOwner = new Map<number, string[]>();
  for (const i of shard.dispatcher.keyIndexesOf(command.spec, command.argv)) {
    const key = command.argv[i]!;
    const owner = shard.slots.ownerOf(keyHashSlotOf(key));
    let keys = keysByOwner.get(owner);
    if (keys === undefined) keysByOwner.set(owner, (keys = []));
    keys.push(key);
  }
  const attempt = new ReplyWriter(1024);
  attempt.proto = conn.client.resp;
  let deadline = -1;
  let timeoutReply: 'null-array' | 'nil' = 'null-array';
  for (;;) {
    const txId = shard.newTxId();
    for (const w of order) {
      // This worker first in the order and free: taken at once, so that no command read after this
      // one (another client's, on this worker) runs or hops ahead of the transaction.
      if (w === shard.id && w === order[0] && !shard.lock.held) {
        shard.acquireLock(txId);
        continue;
      }
      await shard.request(w, ['@lock'], 0, 2, txId);
    }
    let blocked = false;
    try {
      attempt.reset();
      const request = await runGather(shard, conn, command, attempt, txId);
      blocked = request !== null;
      if (blocked && deadline === -1) {
        deadline = request!.timeoutMs > 0 ? Date.now() + request!.timeoutMs : 0;
        timeoutReply = request!.timeoutReply;
      }
      if (blocked && !conn.closed) {
        for (const [w, keys] of keysByOwner) shard.send(w, ['@key-watch', String(shard.id), String(conn.id), ...keys], conn.client.dbIndex, 2, null, txId);
      }
    } finally {
      for (const w of order) shard.send(w, ['@unlock'], 0, 2, null, txId);
    }
    if (!blocked) {
      out.raw(attempt.buf.subarray(0, attempt.pos));
      return;
    }
    if (conn.closed) return;
    const woken = await shard.waitForKeys(conn.id, deadline === 0 ? 0 : deadline - Date.now());
    for (const w of keysByOwner.keys()) shard.send(w, ['@key-unwatch', String(conn.id)], 0, 2, null);
    if (!woken) {
      if (!conn.closed) {
        if (timeoutReply === 'nil') out.nil();
        else out.nullArray();
      }
      return;
    }
  }
}

async function watchedKeyChanged(shard: Shard, conn: Connection, txId: number): Promise<boolean> {
  let dirty = false;
  for (const w of conn.watchedWorkers) {
    const reply = await shard.request(w, ['@watch-dirty', String(conn.id)], 0, 2, txId);
    if (integerReply(reply) === 1) dirty = true;
  }
  return dirty;
}

function executeHere(shard: Shard, conn: Connection, command: TxCommand, out: ReplyWriter): void {
  shard.clockNow();
  const session = sessionCommandOf(command.spec);
  if (session !== undefined) {
    const result = session.handler({ shard, conn, out, txId: 0 }, command.argv, command.spec);
    if (result !== undefined) throw new Error(`'${command.spec.name}' cannot run synchronously`);
    return;
  }
  const handler = KEYED_HANDLERS[command.spec.name]!;
  // Inside a transaction nothing blocks: a blocking command that finds nothing answers as on timeout.
  shard.executor.canBlock = false;
  shard.executor.execute(handler, command.argv, shard.keyspace.dbs[conn.client.dbIndex]!, conn.client, out);
  shard.executor.canBlock = true;
}

/** One command under a transaction that already holds its workers' locks (EXEC, and redis.call in scripts). */
export async function executeInTransaction(shard: Shard, conn: Connection, command: TxCommand, out: ReplyWriter, txId: number): Promise<void> {
  const session = sessionCommandOf(command.spec);
  if (session !== undefined) {
    const result = session.handler({ shard, conn, out, txId }, command.argv, command.spec);
    if (result !== undefined) await result;
    return;
  }
  const owners = new Set<number>();
  shard.dispatcher.ownersOf(command.spec, command.argv, owners);
  const client = conn.client;
  if (owners.size <= 1) {
    const owner = owners.size === 0 ? shard.id : owners.values().next().value!;
    if (owner === shard.id) executeHere(shard, conn, command, out);
    else out.raw(await shard.request(owner, command.argv, client.dbIndex, client.resp, txId, client.id));
    return;
  }
  const merge = SPLIT_MERGES[command.spec.name];
  if (merge !== undefined) await runSplit(shard, conn, command, merge, out, txId);
  else await runGather(shard, conn, command, out, txId);
}

/** Per-worker parts of MGET/MSET/DEL/EXISTS/... with their replies merged in key order. */
async function runSplit(shard: Shard, conn: Connection, command: TxCommand, merge: 'mget' | 'ok' | 'sum', out: ReplyWriter, txId: number): Promise<void> {
  const { argv, spec } = command;
  const client = conn.client;
  const indexes = [...shard.dispatcher.keyIndexesOf(spec, argv)];
  const step = spec.keyStep > 0 ? spec.keyStep : 1;
  const parts = new Map<number, { argv: string[]; positions: number[] }>();
  for (let k = 0; k < indexes.length; k++) {
    const i = indexes[k]!;
    const owner = shard.slots.ownerOf(keyHashSlotOf(argv[i]!));
    let part = parts.get(owner);
    if (part === undefined) parts.set(owner, (part = { argv: [argv[0]!], positions: [] }));
    for (let j = 0; j < step; j++) part.argv.push(argv[i + j]!);
    part.positions.push(k);
  }
  const owners = [...parts.keys()];
  const replies = await Promise.all(
    owners.map((w) => {
      if (w !== shard.id) return shard.request(w, parts.get(w)!.argv, client.dbIndex, client.resp, txId, client.id);
      const local = new ReplyWriter(1024);
      local.proto = client.resp;
      executeHere(shard, conn, { argv: parts.get(w)!.argv, spec }, local);
      return Promise.resolve(local.take());
    }),
  );
  for (const reply of replies) {
    if (isErrorReply(reply)) {
      out.raw(reply.subarray(0, skipValue(reply, 0)));
      return;
    }
  }
  if (merge === 'ok') {
    out.simple('OK');
  } else if (merge === 'sum') {
    let total = 0;
    for (const reply of replies) total += integerReply(reply) ?? 0;
    out.integer(total);
  } else {
    const slices: Buffer[] = new Array(indexes.length);
    owners.forEach((w, n) => {
      const reply = replies[n]!;
      const elements = arrayElements(reply)!;
      const positions = parts.get(w)!.positions;
      for (let e = 0; e < elements.length; e++) slices[positions[e]!] = reply.subarray(elements[e]![0], elements[e]![1]);
    });
    out.array(slices.length);
    for (const slice of slices) out.raw(slice);
  }
}

/**
 * Commands that combine the values of keys on several workers (RENAME, COPY, BITOP, LCS, MSETNX,
 * SUNIONSTORE ...): the other workers' keys are brought here with their expiry, the command runs on
 * this worker's keyspace, and the keys it changed go back to their owners; none stays here.
 */
async function runGather(shard: Shard, conn: Connection, command: TxCommand, out: ReplyWriter, txId: number): Promise<Executor['blockRequest']> {
  const { argv, spec } = command;
  const client = conn.client;
  // Keys by owner and database: every key is in the client's database except COPY's destination
  // with a DB option.
  const foreign = new Map<string, { owner: number; dbIndex: number; keys: string[] }>();
  const destinationDb = copyDestinationDb(command);
  for (const i of shard.dispatcher.keyIndexesOf(spec, argv)) {
    const key = argv[i]!;
    const owner = shard.slots.ownerOf(keyHashSlotOf(key));
    if (owner === shard.id) continue;
    const dbIndex = i === 2 && destinationDb !== -1 ? destinationDb : client.dbIndex;
    const group = `${owner}:${dbIndex}`;
    let entry = foreign.get(group);
    if (entry === undefined) foreign.set(group, (entry = { owner, dbIndex, keys: [] }));
    if (!entry.keys.includes(key)) entry.keys.push(key);
  }
  const fetched = await Promise.all([...foreign.values()].map(({ owner, dbIndex, keys }) => shard.request(owner, ['@fetch', ...keys], dbIndex, 2, txId)));
  let n = 0;
  for (const { dbIndex, keys } of foreign.values()) {
    const db = shard.keyspace.dbs[dbIndex]!;
    const reply = fetched[n++]!;
    const elements = arrayElements(reply)!;
    keys.forEach((key, k) => {
      const [start] = elements[k]!;
      const entry = arrayElements(reply, start);
      if (entry === null) return;
      const kind = latin1Slice(reply, ...bulkBounds(reply, entry[0]!));
      const payload = latin1Slice(reply, ...bulkBounds(reply, entry[1]!));
      const expireAt = integerReply(reply, entry[2]![0])!;
      db.set(key, decodeValue(kind, payload));
      if (expireAt >= 0) db.setExpire(key, expireAt);
    });
  }
  const changed = new Set<string>();
  shard.executor.changedKeys = changed;
  let blockRequest: Executor['blockRequest'] = null;
  try {
    executeHere(shard, conn, command, out);
    blockRequest = shard.executor.blockRequest;
  } finally {
    shard.executor.changedKeys = null;
    for (const { owner, dbIndex, keys } of foreign.values()) {
      const db = shard.keyspace.dbs[dbIndex]!;
      for (const key of keys) {
        const value = db.get(key);
        const expireAt = db.getExpire(key);
        if (value !== undefined) db.delete(key);
        if (!changed.has(`${dbIndex}\u0000${key}`)) continue;
        if (value === undefined) shard.send(owner, ['@del', key], dbIndex, 2, null, txId);
        else shard.send(owner, ['@store', key, ...encodeValue(value), String(expireAt ?? -1)], dbIndex, 2, null, txId);
      }
    }
  }
  return blockRequest;
}

/** COPY source destination DB n: the destination's database, or -1. */
function copyDestinationDb(command: TxCommand): number {
  if (command.spec.name !== 'copy') return -1;
  const argv = command.argv;
  for (let i = 3; i + 1 < argv.length; i++) {
    if (argv[i]!.toLowerCase() === 'db') {
      const n = Number(argv[i + 1]);
      return Number.isInteger(n) && n >= 0 && n < 16 ? n : -1;
    }
  }
  return -1;
}

/** [start, end) of the payload of the bulk string element at [elementStart, elementEnd). */
function bulkBounds(buf: Buffer, element: [number, number]): [number, number] {
  const [start, end] = element;
  let i = start + 1;
  while (buf[i] !== 13) i++;
  return [i + 2, end - 2];
}
