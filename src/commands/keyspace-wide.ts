import { arrayElements, integerReply, stringReply } from '../resp/reply-scan.ts';
import { ERR_SYNTAX, ERR_DB_INDEX_OUT_OF_RANGE } from '../resp/errors.ts';
import { SLOT_COUNT } from '../cluster/key-slot.ts';
import { parseScanArgs } from './keyspace-scan.ts';
import type { Session, SessionFamily } from '../shard/session.ts';

/** Sends one request to every worker (this one included) and returns the replies in worker order. */
export function fromAllWorkers(session: Session, request: string[], db = session.conn.client.dbIndex): Promise<Buffer[]> {
  const { shard } = session;
  return Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, request, db, session.conn.client.resp, session.txId)));
}

function parseFlushMode(argv: string[]): string | null {
  if (argv.length === 1) return null;
  if (argv.length === 2) {
    const mode = argv[1]!.toLowerCase();
    if (mode === 'async' || mode === 'sync') return null;
  }
  return ERR_SYNTAX;
}

/** Commands over the whole keyspace: each worker answers for its slots and the answers are merged here. */
export const keyspaceWideCommands: SessionFamily = {
  dbsize: {
    allWorkers: true,
    async handler(session) {
      let total = 0;
      for (const reply of await fromAllWorkers(session, ['@dbsize'])) total += integerReply(reply) ?? 0;
      session.out.integer(total);
    },
  },
  keys: {
    allWorkers: true,
    async handler(session, argv) {
      const replies = await fromAllWorkers(session, ['@keys', argv[1]!]);
      let count = 0;
      const parts = replies.map((reply) => {
        const elements = arrayElements(reply)!;
        count += elements.length;
        return elements.length === 0 ? null : reply.subarray(elements[0]![0], elements[elements.length - 1]![1]);
      });
      session.out.array(count);
      for (const part of parts) if (part !== null) session.out.raw(part);
    },
  },
  scan: {
    async handler(session, argv) {
      const { shard, out } = session;
      const options = parseScanArgs(argv);
      if (typeof options === 'string') {
        out.error(options);
        return;
      }
      let slot = options.cursor >= SLOT_COUNT ? 0 : options.cursor;
      // The cursor is a slot: the worker that owns it scans from there to the end of its range.
      const owner = shard.slots.ownerOf(slot);
      const reply = await shard.request(owner, ['@scan', String(slot), String(options.count), options.match ?? '', options.type ?? ''], session.conn.client.dbIndex, 2, session.txId);
      const [cursorElement, keysElement] = arrayElements(reply)!;
      slot = integerReply(reply, cursorElement![0])!;
      out.array(2);
      out.bulk(slot >= SLOT_COUNT ? '0' : String(slot));
      out.raw(reply.subarray(keysElement![0], keysElement![1]));
    },
  },
  randomkey: {
    allWorkers: true,
    async handler(session) {
      const replies = await fromAllWorkers(session, ['@randomkey']);
      // Weighted by how many keys each worker holds, so each key is about equally likely.
      const sizes = await fromAllWorkers(session, ['@dbsize']);
      const weights = sizes.map((r, w) => (stringReply(replies[w]!) === null ? 0 : integerReply(r) ?? 0));
      const total = weights.reduce((a, b) => a + b, 0);
      if (total === 0) {
        session.out.nil();
        return;
      }
      let pick = Math.random() * total;
      let w = 0;
      while (pick >= weights[w]!) pick -= weights[w++]!;
      session.out.bulk(stringReply(replies[w]!)!);
    },
  },
  flushdb: {
    allWorkers: true,
    async handler(session, argv) {
      const error = parseFlushMode(argv);
      if (error !== null) {
        session.out.error(error);
        return;
      }
      await fromAllWorkers(session, ['@flushdb']);
      session.shard.emitEffect(session.conn.client.dbIndex, ['FLUSHDB']);
      session.out.simple('OK');
    },
  },
  flushall: {
    allWorkers: true,
    async handler(session, argv) {
      const error = parseFlushMode(argv);
      if (error !== null) {
        session.out.error(error);
        return;
      }
      await fromAllWorkers(session, ['@flushall']);
      // In the client's database, as Redis propagates it: the AOF and replicas get no SELECT for it.
      session.shard.emitEffect(session.conn.client.dbIndex, ['FLUSHALL']);
      session.out.simple('OK');
    },
  },
  swapdb: {
    allWorkers: true,
    async handler(session, argv) {
      const { shard, out } = session;
      const indexes: number[] = [];
      for (const text of [argv[1]!, argv[2]!]) {
        if (!/^-?(0|[1-9][0-9]*)$/.test(text)) {
          out.error(text === argv[1] ? 'ERR invalid first DB index' : 'ERR invalid second DB index');
          return;
        }
        indexes.push(Number(text));
      }
      if (shard.config.clusterEnabled) {
        out.error('ERR SWAPDB is not allowed in cluster mode');
        return;
      }
      if (indexes.some((i) => i < 0 || i >= shard.config.databases)) {
        out.error(ERR_DB_INDEX_OUT_OF_RANGE);
        return;
      }
      await fromAllWorkers(session, ['@swapdb', String(indexes[0]), String(indexes[1])]);
      shard.emitEffect(0, argv);
      out.simple('OK');
    },
  },
};

