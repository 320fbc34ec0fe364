import { ERR_SYNTAX, ERR_NOT_INTEGER, ERR_DB_INDEX_OUT_OF_RANGE, errWrongArity } from '../resp/errors.ts';
import { REPLY_ON } from '../shard/connection.ts';
import type { Session, SessionFamily } from '../shard/session.ts';
import { clientCommand } from './client.ts';

export const REDIS_VERSION = '7.0.15';

function authenticate(session: Session, user: string, password: string): string | null {
  const requirepass = session.shard.config.requirepass;
  if (user !== 'default' || requirepass === '' || password !== requirepass) {
    return 'WRONGPASS invalid username-password pair or user is disabled.';
  }
  session.conn.authenticated = true;
  return null;
}

function parseDbIndex(text: string, databases: number): number | string {
  if (!/^-?(0|[1-9][0-9]*)$/.test(text)) return ERR_NOT_INTEGER;
  const index = Number(text);
  if (!Number.isSafeInteger(index)) return ERR_NOT_INTEGER;
  if (index < 0 || index >= databases) return ERR_DB_INDEX_OUT_OF_RANGE;
  return index;
}

/** PING, ECHO, HELLO, AUTH, SELECT, QUIT, RESET, CLIENT: commands about the connection itself. */
export const connectionCommands: SessionFamily = {
  ping: {
    inSubscribeMode: true,
    handler({ conn, out }, argv) {
      if (argv.length > 2) {
        out.error(errWrongArity('ping'));
        return;
      }
      if (conn.client.resp === 2 && conn.isSubscriber) {
        out.array(2);
        out.bulk('pong');
        out.bulk(argv.length > 1 ? argv[1]! : '');
        return;
      }
      if (argv.length > 1) out.bulk(argv[1]!);
      else out.simple('PONG');
    },
  },
  echo: {
    handler({ out }, argv) {
      out.bulk(argv[1]!);
    },
  },
  auth: {
    handler(session, argv) {
      const { out, shard } = session;
      if (argv.length > 3) {
        out.error(ERR_SYNTAX);
        return;
      }
      if (argv.length === 2 && shard.config.requirepass === '') {
        out.error('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
        return;
      }
      const error = argv.length === 2 ? authenticate(session, 'default', argv[1]!) : authenticate(session, argv[1]!, argv[2]!);
      if (error !== null) out.error(error);
      else out.simple('OK');
    },
  },
  hello: {
    inSubscribeMode: true,
    handler(session, argv) {
      const { conn, out, shard } = session;
      let version: 2 | 3 = conn.client.resp;
      let i = 1;
      if (argv.length > 1) {
        const text = argv[1]!;
        if (!/^-?[0-9]+$/.test(text)) {
          out.error('ERR Protocol version is not an integer or out of range');
          return;
        }
        const n = Number(text);
        if (n < 2 || n > 3) {
          out.error('NOPROTO unsupported protocol version');
          return;
        }
        version = n as 2 | 3;
        i = 2;
      }
      let name: string | null = null;
      for (; i < argv.length; i++) {
        const option = argv[i]!.toLowerCase();
        const more = argv.length - i - 1;
        if (option === 'auth' && more >= 2) {
          const error = authenticate(session, argv[i + 1]!, argv[i + 2]!);
          if (error !== null) {
            out.error(error);
            return;
          }
          i += 2;
        } else if (option === 'setname' && more >= 1) {
          name = argv[i + 1]!;
          if (!validClientName(name)) {
            out.error('ERR Client names cannot contain spaces, newlines or special characters.');
            return;
          }
          i += 1;
        } else {
          out.error(`ERR Syntax error in HELLO option '${argv[i]}'`);
          return;
        }
      }
      if (!conn.authenticated) {
        out.error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time');
        return;
      }
      if (name !== null) conn.client.name = name;
      conn.client.resp = version;
      conn.reply.proto = version;
      out.proto = version;
      out.map(7);
      out.bulk('server');
      out.bulk('redis');
      out.bulk('version');
      out.bulk(REDIS_VERSION);
      out.bulk('proto');
      out.integer(version);
      out.bulk('id');
      out.integer(conn.id);
      out.bulk('mode');
      out.bulk(shard.config.clusterEnabled ? 'cluster' : 'standalone');
      out.bulk('role');
      out.bulk('master');
      out.bulk('modules');
      out.array(0);
    },
  },
  select: {
    handler({ conn, out, shard }, argv) {
      const index = parseDbIndex(argv[1]!, shard.config.databases);
      if (typeof index === 'string') {
        out.error(index);
        return;
      }
      if (shard.config.clusterEnabled && index !== 0) {
        out.error('ERR SELECT is not allowed in cluster mode');
        return;
      }
      conn.client.dbIndex = index;
      out.simple('OK');
    },
  },
  quit: {
    inSubscribeMode: true,
    transactionControl: true,
    handler({ conn, out }) {
      out.simple('OK');
      conn.closeAfterReply = true;
    },
  },
  reset: {
    inSubscribeMode: true,
    transactionControl: true,
    handler({ conn, out, shard }) {
      conn.multi = null;
      shard.dispatcher.unwatchAll(conn);
      shard.pubsub.removeConnection(conn);
      conn.client.dbIndex = 0;
      conn.client.resp = 2;
      conn.reply.proto = 2;
      out.proto = 2;
      conn.client.name = '';
      conn.replyMode = REPLY_ON;
      conn.monitor = false;
      conn.noEvict = false;
      shard.tracking.disable(conn);
      conn.authenticated = shard.config.requirepass === '';
      out.simple('RESET');
    },
  },
  client: {
    // allWorkers: inside MULTI, CLIENT KILL / LIST (which ask every worker) run under the transaction's locks.
    allWorkers: true,
    handler: clientCommand,
  },
};

export function validClientName(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c < 33 || c > 126) return false;
  }
  return true;
}

