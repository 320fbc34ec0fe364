import { ERR_SYNTAX } from '../resp/errors.ts';
import { replyCommandAll, replyCommandCount, replyCommandDocs, replyCommandGetKeys, replyCommandInfo, replyCommandList } from './command-info.ts';
import type { SessionFamily } from '../shard/session.ts';
import { infoCommand } from './info.ts';
import { helpReply } from './help.ts';
import { fromAllWorkers } from './keyspace-wide.ts';
import { stringReply } from '../resp/reply-scan.ts';
import type { SlowLogEntry } from '../shard/slowlog.ts';
import { saveSnapshot } from './persistence.ts';
import { rdbPath } from '../persistence/rdb-snapshot.ts';
import { debugLoadAof } from '../persistence/aof-reload.ts';
import { aofDirOf, deleteAofHistory, startFirstAofRewrite } from '../persistence/aof-rewrite.ts';
import { debugDigest } from './replication.ts';
import { keyHashSlot } from '../cluster/key-slot.ts';

/** Server-level commands that run on the client's own worker (INFO, CONFIG, COMMAND, TIME ...). */
export const serverCommands: SessionFamily = {
  info: { handler: infoCommand },
  time: {
    handler({ out }) {
      const micros = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
      out.array(2);
      out.bulk(String(micros / 1000000n));
      out.bulk(String(micros % 1000000n));
    },
  },
  command: {
    handler({ out }, argv, spec) {
      const sub = spec.name === 'command' ? '' : spec.name.slice('command|'.length);
      switch (sub) {
        case '':
          replyCommandAll(out);
          return;
        case 'count':
          replyCommandCount(out);
          return;
        case 'info':
          if (argv.length === 2) replyCommandAll(out);
          else replyCommandInfo(out, argv.slice(2));
          return;
        case 'docs':
          replyCommandDocs(out, argv.slice(2));
          return;
        case 'list':
          replyCommandList(out, argv.slice(2));
          return;
        case 'getkeys':
          replyCommandGetKeys(out, argv.slice(2), false);
          return;
        case 'getkeysandflags':
          replyCommandGetKeys(out, argv.slice(2), true);
          return;
        case 'help':
          helpReply(out, 'COMMAND', [
            '(no subcommand): every command\'s details.', 'COUNT: how many commands there are.',
            'DOCS [<command-name> ...]: documentation of commands.', 'GETKEYS <full-command>: the keys of a command.',
            'GETKEYSANDFLAGS <full-command>: the keys of a command and their flags.', 'INFO [<command-name> ...]: details of commands.',
            'LIST [FILTERBY (MODULE <module-name>|ACLCAT <category>|PATTERN <pattern>)]: command names.',
          ]);
          return;
      }
    },
  },
  config: {
    async handler(session, argv, spec) {
      const { out, shard } = session;
      const sub = spec.name.slice('config|'.length);
      if (sub === 'get') {
        const seen = new Map<string, string>();
        for (let i = 2; i < argv.length; i++) for (const [name, value] of shard.config.getMatching(argv[i]!)) seen.set(name, value);
        out.map(seen.size);
        for (const [name, value] of seen) {
          out.bulk(name);
          out.bulk(value);
        }
      } else if (sub === 'set') {
        if (argv.length % 2 !== 0) {
          out.error(`ERR wrong number of arguments for 'config|set' command`);
          return;
        }
        const pairs: Array<[string, string]> = [];
        for (let i = 2; i + 1 < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
        const appendonlyBefore = shard.config.appendonly;
        const backup: Array<[string, string]> = pairs.map(([name]) => [name, shard.config.get(name) ?? '']);
        const error = shard.config.set(pairs, { localClient: session.conn.remoteAddress.startsWith('127.') });
        if (error !== null) {
          out.error(error);
          return;
        }
        // A new port is bound by the main thread before anything else applies; if it cannot be,
        // every value of this CONFIG SET goes back (Redis's rollback on apply error).
        const port = pairs.find(([name]) => name.toLowerCase() === 'port');
        if (port !== undefined && backup.find(([name]) => name.toLowerCase() === 'port')![1] !== String(shard.config.port)) {
          const failure = (await shard.askMain({ type: 'rebind-port', port: shard.config.port })) as string | null;
          if (failure !== null) {
            shard.config.set(backup);
            out.error(`ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port: ${failure}`);
            return;
          }
        }
        // Every other worker and the main thread apply the same change.
        const request = ['@config-set', ...argv.slice(2)];
        await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => (w === shard.id ? Promise.resolve(Buffer.alloc(0)) : shard.request(w, request, 0, 2, session.txId))));
        await shard.askMain({ type: 'config-set', pairs });
        shard.configChanged(pairs);
        // As Redis: turning aof-disable-auto-gc off deletes the history files kept meanwhile.
        if (pairs.some(([k, v]) => k.toLowerCase() === 'aof-disable-auto-gc' && v.toLowerCase() === 'no')) deleteAofHistory(aofDirOf(shard), shard.config.appendfilename);
        // As Redis: appendonly turned on starts its first rewrite before the reply (or schedules it during a save).
        if (!appendonlyBefore && shard.config.appendonly) await startFirstAofRewrite(shard);
        out.simple('OK');
      } else if (sub === 'resetstat') {
        await fromAllWorkers(session, ['@resetstat'], 0);
        out.simple('OK');
      } else if (sub === 'rewrite') {
        const view = shard.replication.state.read();
        const error = shard.config.rewrite(view === null ? undefined : view.role === 'slave' ? { host: view.masterHost, port: view.masterPort } : null);
        if (error !== null) out.error(error);
        else out.simple('OK');
      } else if (sub === 'help') {
        helpReply(out, 'CONFIG', [
          'GET <pattern>: parameters matching the glob-like pattern, and their values.',
          'SET <directive> <value> ...: sets parameters at run time.',
          'RESETSTAT: resets the statistics INFO reports.', 'REWRITE: writes the running configuration to the config file.',
        ]);
      }
    },
  },
  shutdown: {
    handler({ out, shard }, argv) {
      for (let i = 1; i < argv.length; i++) {
        const option = argv[i]!.toLowerCase();
        if (!['nosave', 'save', 'now', 'force', 'abort'].includes(option)) {
          out.error(ERR_SYNTAX);
          return;
        }
      }
      const options = argv.slice(1).map((a) => a.toLowerCase());
      if (options.includes('abort')) {
        out.error('ERR No shutdown in progress.');
        return;
      }
      const save = options.includes('nosave') ? false : options.includes('save') ? true : undefined;
      shard.toMain({ type: 'shutdown', save });
    },
  },
  function: {
    handler({ out }, argv, spec) {
      const sub = spec.name.slice('function|'.length);
      if (sub === 'flush') {
        if (argv.length > 3 || (argv.length === 3 && !['async', 'sync'].includes(argv[2]!.toLowerCase()))) {
          out.error(ERR_SYNTAX);
          return;
        }
        out.simple('OK');
      } else if (sub === 'list') {
        out.array(0);
      } else if (sub === 'stats') {
        out.map(2);
        out.bulk('running_script');
        out.nil();
        out.bulk('engines');
        out.map(0);
      } else {
        out.error('ERR Functions are not supported by this server yet');
      }
    },
  },
  debug: {
    handler(session, argv) {
      const { out, shard } = session;
      const sub = argv[1]!.toLowerCase();
      if (sub === 'digest' || sub === 'digest-value') return debugDigest(session, argv);
      if (sub === 'loadaof') {
        return debugLoadAof(shard).then((error) => (error === null ? out.simple('OK') : out.error(error)));
      }
      if (sub === 'reload') {
        // Save, then every worker drops its keys and loads its slots back from the file.
        return saveSnapshot(shard).then(async () => {
          const file = rdbPath(shard.config);
          await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, ['@rdb-reload', file], 0, 2)));
          out.simple('OK');
        });
      }
      if (sub === 'populate') {
        // DEBUG POPULATE count [prefix] [size]: keys prefix:0..count-1 (default "key") holding
        // "value:N", added where absent; each worker adds the keys it owns.
        const count = Number(argv[2]);
        const size = argv.length > 4 ? Number(argv[4]) : 0;
        if (argv.length < 3 || argv.length > 5 || !/^\d+$/.test(argv[2]!) || (argv.length > 4 && !/^\d+$/.test(argv[4]!))) {
          out.error(argv.length < 3 || argv.length > 5 ? `ERR wrong number of arguments for 'debug|populate' command` : 'ERR value is out of range, must be positive');
          return;
        }
        const request = ['@populate', String(count), argv[3] ?? 'key', String(size)];
        return Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, request, session.conn.client.dbIndex, 2, session.txId)))
          .then(() => out.simple('OK'));
      }
      if (sub === 'log') {
        console.log(`DEBUG LOG: ${argv.slice(2).join(' ')}`);
        out.simple('OK');
      } else if (sub === 'sleep') {
        const ms = Number(argv[2] ?? '0') * 1000;
        const until = Date.now() + ms;
        shard.replication.debugSleep(ms);
        while (Date.now() < until) { /* DEBUG SLEEP blocks the server by design */ }
        out.simple('OK');
      } else if (sub === 'aof-flush-sleep') {
        // The log thread writes the AOF: it sleeps this many microseconds before each write.
        const micros = Number(argv[2]);
        if (argv.length !== 3 || !Number.isInteger(micros) || micros < 0) {
          out.error(argv.length !== 3 ? `ERR wrong number of arguments for 'debug|aof-flush-sleep' command` : 'ERR value is out of range, must be positive');
          return;
        }
        shard.toMain({ type: 'aof-flush-sleep', micros });
        out.simple('OK');
      } else if (sub === 'replicate' && argv.length >= 3) {
        // DEBUG REPLICATE cmd [arg ...]: sent to the replicas (and the AOF) as it is, never run here.
        shard.emitEffect(session.conn.client.dbIndex, argv.slice(2));
        shard.afterCommand();
        out.simple('OK');
      } else if (sub === 'object' && argv.length === 3) {
        const key = argv[2]!;
        return shard.request(shard.slots.ownerOf(keyHashSlot(key)), ['@debug-object', key], session.conn.client.dbIndex, 2, session.txId).then((reply) => out.raw(reply));
      } else if (sub === 'set-active-expire') {
        // Every worker's expiry cycle: the keys a test means are on any of them.
        return fromAllWorkers(session, ['@set-active-expire', argv[2] === '0' ? '0' : '1'], 0).then(() => out.simple('OK'));
      } else if (sub === 'set-skip-checksum-validation' && argv.length === 3) {
        // RESTORE on every worker (a key's owner restores it) skips the payload's CRC-64 check.
        return fromAllWorkers(session, ['@set-skip-checksum', argv[2] === '0' ? '0' : '1'], 0).then(() => out.simple('OK'));
      } else {
        out.error(`ERR unknown subcommand '${argv[1]}'. Try DEBUG HELP.`);
      }
    },
  },
  slowlog: {
    async handler(session, argv, spec) {
      const { out, shard } = session;
      const sub = spec.name.slice('slowlog|'.length);
      if (sub === 'help') {
        helpReply(out, 'SLOWLOG', ['GET [<count>]: the newest entries (10 by default, -1 for all).', 'LEN: how many entries.', 'RESET: clears the log.']);
        return;
      }
      if (sub === 'reset') {
        await fromAllWorkers(session, ['@slowlog-reset'], 0);
        out.simple('OK');
        return;
      }
      let count = 10;
      if (sub === 'get' && argv.length > 2) {
        if (!/^-?\d+$/.test(argv[2]!)) {
          out.error('ERR value is not an integer or out of range');
          return;
        }
        count = Number(argv[2]);
        if (count < -1) {
          out.error('ERR count should be greater than or equal to -1');
          return;
        }
      }
      // One log across the workers: merged newest first, as long as slowlog-max-len allows.
      const entries = (await fromAllWorkers(session, ['@slowlog-get'], 0))
        .flatMap((reply) => JSON.parse(stringReply(reply) ?? '[]') as SlowLogEntry[])
        .sort((x, y) => y.timeUs - x.timeUs)
        .slice(0, shard.config.slowlogMaxLen);
      if (sub === 'len') {
        out.integer(entries.length);
        return;
      }
      const shown = count === -1 ? entries : entries.slice(0, count);
      out.array(shown.length);
      for (const e of shown) {
        out.array(6);
        out.integer(e.id);
        out.integer(Math.floor(e.timeUs / 1e6));
        out.integer(e.durationUs);
        out.array(e.argv.length);
        for (const arg of e.argv) out.bulk(arg);
        out.bulk(e.addr);
        out.bulk(e.name);
      }
    },
  },
  monitor: {
    async handler(session) {
      const { conn, out, shard } = session;
      if (conn.monitor) {
        out.simple('OK');
        return;
      }
      // Every worker must count this monitor before the OK: a command any client sends after it is seen.
      await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, ['@monitors', '1'], 0, 2)));
      conn.monitor = true;
      shard.addMonitor(conn);
      out.simple('OK');
    },
  },
  readonly: {
    handler({ out, shard }) {
      if (!shard.config.clusterEnabled) out.error('ERR This instance has cluster support disabled');
      else out.simple('OK');
    },
  },
  readwrite: {
    handler({ out, shard }) {
      if (!shard.config.clusterEnabled) out.error('ERR This instance has cluster support disabled');
      else out.simple('OK');
    },
  },
};
