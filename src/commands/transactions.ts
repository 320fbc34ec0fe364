import { keyHashSlot } from '../cluster/key-slot.ts';
import type { SessionFamily } from '../shard/session.ts';

/** MULTI, EXEC, DISCARD, WATCH, UNWATCH. EXEC's atomic run across workers is the engine's (cross-shard.ts). */
export const transactionCommands: SessionFamily = {
  multi: {
    transactionControl: true,
    handler({ conn, out }) {
      if (conn.multi !== null) {
        out.error('ERR MULTI calls can not be nested');
        return;
      }
      conn.multi = { queue: [], failed: false };
      out.simple('OK');
    },
  },
  exec: {
    transactionControl: true,
    handler(session) {
      if (session.conn.multi === null) {
        session.out.error('ERR EXEC without MULTI');
        return;
      }
      return session.shard.dispatcher.exec(session);
    },
  },
  discard: {
    transactionControl: true,
    handler({ conn, out, shard }) {
      if (conn.multi === null) {
        out.error('ERR DISCARD without MULTI');
        return;
      }
      conn.multi = null;
      shard.dispatcher.unwatchAll(conn);
      out.simple('OK');
    },
  },
  watch: {
    transactionControl: true,
    async handler({ conn, out, shard }, argv) {
      if (conn.multi !== null) {
        out.error('ERR WATCH inside MULTI is not allowed');
        return;
      }
      // Registered on each key's owner before answering: a write after our OK must fail EXEC.
      const byOwner = new Map<number, string[]>();
      for (let i = 1; i < argv.length; i++) {
        const owner = shard.slots.ownerOf(keyHashSlot(argv[i]!));
        let keys = byOwner.get(owner);
        if (keys === undefined) byOwner.set(owner, (keys = ['@watch', String(conn.id)]));
        keys.push(argv[i]!);
      }
      const db = conn.client.dbIndex;
      await Promise.all([...byOwner].map(([owner, request]) => {
        conn.watchedWorkers.add(owner);
        return shard.request(owner, request, db, 2);
      }));
      out.simple('OK');
    },
  },
  unwatch: {
    handler({ conn, out, shard }) {
      shard.dispatcher.unwatchAll(conn);
      out.simple('OK');
    },
  },
};
