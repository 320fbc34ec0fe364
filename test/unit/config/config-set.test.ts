// CONFIG SET against redis-server 7.0.15, case by case: the same reply (OK or the exact error
// text) and the same CONFIG GET afterwards, for every kind of directive.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { RedisProcess } from './redis-process.ts';

// Each case is one CONFIG SET (name value [name value ...]) and the names to read back.
// Avoided on the real server: values that change its listeners (port, bind, tls-port).
const CASES: string[][] = [
  // booleans
  ['appendonly', 'maybe'], ['activerehashing', 'NO'], ['activerehashing', 'yes'], ['protected-mode', ''],
  // integers
  ['timeout', 'abc'], ['timeout', '-1'], ['timeout', '+5'], ['timeout', '05'], ['timeout', ' 5'], ['timeout', '300'],
  ['timeout', '2147483648'], ['port', '70000'], ['port', 'abc'], ['hz', '1000'], ['hz', '0'], ['hz', '10'],
  ['list-max-listpack-size', '1e3'], ['list-max-listpack-size', '-5'], ['list-max-ziplist-size', '-3'],
  ['slowlog-log-slower-than', '-2'], ['slowlog-log-slower-than', '-1'], ['slowlog-log-slower-than', '9223372036854775807'],
  ['slowlog-log-slower-than', '9223372036854775808'], ['slowlog-max-len', '-1'], ['slowlog-max-len', '1000'],
  ['maxclients', '0'], ['maxclients', '-1'], ['maxclients', '4294967296'],
  ['hash-max-listpack-entries', '-1'], ['hash-max-ziplist-entries', '1000'], ['active-expire-effort', '11'],
  ['active-expire-effort', '10'], ['repl-timeout', '0'], ['tracking-table-max-keys', 'x'],
  // memory values
  ['maxmemory', 'abc'], ['maxmemory', '-1'], ['maxmemory', '1.5mb'], ['maxmemory', '10MB'], ['maxmemory', '1k'],
  ['maxmemory', '1kb'], ['maxmemory', '2G'], ['maxmemory', '3gb'], ['maxmemory', '100b'], ['maxmemory', '1tb'],
  ['maxmemory', '18446744073709551615'], ['maxmemory', '18446744073709551616'], ['maxmemory', ''], ['maxmemory', 'k'],
  ['maxmemory', '0'], ['proto-max-bulk-len', '1000'], ['proto-max-bulk-len', '2mb'], ['client-query-buffer-limit', '1m'],
  ['repl-backlog-size', '0'], ['repl-backlog-size', '18446744073709551615'], ['repl-backlog-size', '2mb'],
  ['hash-max-listpack-value', '1kb'], ['hash-max-ziplist-value', 'x'], ['auto-aof-rewrite-min-size', '1gb'],
  ['maxmemory-clients', '200%'], ['maxmemory-clients', '5%'], ['maxmemory-clients', '-5%'], ['maxmemory-clients', '%'],
  ['maxmemory-clients', 'abc'], ['maxmemory-clients', '1mb'], ['maxmemory-clients', '0'],
  // enums
  ['maxmemory-policy', 'foo'], ['maxmemory-policy', 'ALLKEYS-LRU'], ['maxmemory-policy', 'noeviction'],
  ['appendfsync', 'sometimes'], ['appendfsync', 'always'], ['loglevel', 'warning'], ['oom-score-adj', 'relative'],
  ['oom-score-adj', 'maybe'], ['oom-score-adj', 'no'], ['acl-pubsub-default', 'allchannels'], ['repl-diskless-load', 'swapdb'],
  ['shutdown-on-sigint', 'save nosave'], ['shutdown-on-sigint', 'save now'], ['shutdown-on-sigint', 'force now nosave'],
  ['shutdown-on-sigint', 'now bogus'], ['shutdown-on-sigint', ''], ['shutdown-on-sigint', 'default'],
  ['sanitize-dump-payload', 'clients'],
  // strings
  ['masteruser', 'bob'], ['masteruser', ''], ['requirepass', 'secret'], ['requirepass', ''],
  ['cluster-announce-hostname', 'bad host'], ['cluster-announce-hostname', 'good-host.example'],
  ['proc-title-template', '{title} {nope}'], ['proc-title-template', 'no title'], ['proc-title-template', '{title} {port}'],
  ['proc-title-template', '{title'], ['proc-title-template', '{{x} }'], ['proc-title-template', '{title}  '], ['proc-title-template', '{'],
  ['ignore-warnings', 'ARM64-COW-BUG'], ['replica-announce-ip', '10.0.0.1'], ['slave-announce-ip', ''],
  // immutable and protected
  ['daemonize', 'no'], ['databases', '32'], ['unixsocketperm', '999'], ['replicaof', 'no one'], ['slaveof', 'x 1'],
  ['enable-debug-command', 'yes'], ['cluster-enabled', 'yes'], ['appendfilename', 'x.aof'], ['dbfilename', 'other.rdb'],
  // special
  ['save', '1 2 3'], ['save', '100 10 20 30'], ['save', '0 1'], ['save', '10 -1'], ['save', 'x 1'], ['save', ''],
  ['save', '3600 1 300 100 60 10000'],
  ['notify-keyspace-events', 'Q'], ['notify-keyspace-events', 'KEA'], ['notify-keyspace-events', 'Kgx$'],
  ['notify-keyspace-events', 'AKEm'], ['notify-keyspace-events', 'Egt$ldzshxen'], ['notify-keyspace-events', 'An'], ['notify-keyspace-events', ''],
  ['client-output-buffer-limit', 'normal 1 2'], ['client-output-buffer-limit', 'master 1 2 3'],
  ['client-output-buffer-limit', 'normal 1x 2 3'], ['client-output-buffer-limit', 'normal 1 2 -3'],
  ['client-output-buffer-limit', 'replica 1mb 2mb 3'], ['client-output-buffer-limit', 'pubsub 1gb 1k 0 normal 1 1 1'],
  ['client-output-buffer-limit', 'slave 256mb 64mb 60 normal 0 0 0 pubsub 32mb 8mb 60'],
  ['oom-score-adj-values', '1 2'], ['oom-score-adj-values', '1 2 3000'], ['oom-score-adj-values', '-100 0 100'],
  ['oom-score-adj-values', '0 200 800'],
  ['latency-tracking-info-percentiles', '50 abc'], ['latency-tracking-info-percentiles', '50 101'],
  ['latency-tracking-info-percentiles', '10 99.99 100'], ['latency-tracking-info-percentiles', ''],
  ['latency-tracking-info-percentiles', '50 99 99.9'],
  // several at once: all or nothing, first error wins, duplicates
  ['foo', 'bar'], ['maxmemory', '1', 'maxmemory', '2'], ['maxmemory', '1mb', 'timeout', 'x'],
  ['timeout', '7', 'maxmemory', 'bad'], ['daemonize', 'no', 'foo', 'bar'], ['foo', 'bar', 'daemonize', 'no'],
  ['slave-read-only', 'no', 'replica-read-only', 'yes'], ['MAXMEMORY', '5mb', 'Timeout', '9'],
  ['hz', '20', 'save', '10 1', 'notify-keyspace-events', 'Ex'],
];

function namesOf(c: string[]): string[] {
  const names: string[] = [];
  for (let i = 0; i < c.length; i += 2) names.push(c[i]!);
  return names;
}

describe('CONFIG SET matches redis-server 7.0.15', () => {
  let redis: RedisProcess;
  const shoal = ServerConfig.defaults();

  beforeAll(async () => {
    redis = await RedisProcess.start(['--save', '']);
    shoal.set([['save', '']]);
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('gives the same reply and leaves the same values, case by case', async () => {
    const mismatches: string[] = [];
    for (const c of CASES) {
      const expected = await redis.command(['CONFIG', 'SET', ...c]);
      const pairs: Array<[string, string]> = [];
      for (let i = 0; i < c.length; i += 2) pairs.push([c[i]!, c[i + 1]!]);
      const err = shoal.set(pairs);
      const actual = err === null ? 'OK' : { error: err };
      if (JSON.stringify(actual) !== JSON.stringify(expected)) {
        mismatches.push(`SET ${JSON.stringify(c)}: redis=${JSON.stringify(expected)} shoal=${JSON.stringify(actual)}`);
      }
      for (const name of namesOf(c)) {
        // port: the test server listens on a unix socket only (port 0).
        if (name === 'foo' || name === 'port') continue;
        const want = await redis.configGet(name);
        const got = shoal.getMatching(name);
        if (JSON.stringify(got) !== JSON.stringify(want)) {
          mismatches.push(`GET ${name} after ${JSON.stringify(c)}: redis=${JSON.stringify(want)} shoal=${JSON.stringify(got)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('refuses shoal\'s immutable threads and Redis\'s protected dir', () => {
    expect(shoal.set([['threads', '2']])).toBe("ERR CONFIG SET failed (possibly related to argument 'threads') - can't set immutable config");
    expect(shoal.set([['dir', '/tmp']])).toBe("ERR CONFIG SET failed (possibly related to argument 'dir') - can't set protected config");
  });

  it('allows protected configs only when enable-protected-configs allows it', () => {
    const local = ServerConfig.fromCommandLine(['--enable-protected-configs', 'local']);
    expect(local.set([['dbfilename', 'x.rdb']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - can't set protected config");
    expect(local.set([['dbfilename', 'x.rdb']], { localClient: true })).toBe(null);
    expect(local.dbfilename).toBe('x.rdb');
    expect(local.set([['dbfilename', 'a/b.rdb']], { localClient: true })).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dbfilename') - dbfilename can't be a path, just a filename");
    const yes = ServerConfig.fromCommandLine(['--enable-protected-configs', 'yes']);
    expect(yes.set([['dir', '/nonexistent-shoal-dir']])).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'dir') - No such file or directory");
    expect(yes.set([['dir', '/tmp']])).toBe(null);
    expect(yes.dir).toBe('/tmp');
  });

  it('keeps the typed fields current and tells listeners the canonical name', () => {
    const c = ServerConfig.defaults();
    const seen: Array<[string, string]> = [];
    c.onChange((name, value) => seen.push([name, value]));
    expect(c.set([['slave-read-only', 'no'], ['maxmemory', '2mb'], ['notify-keyspace-events', 'KEA'], ['save', '10 1 20 2']])).toBe(null);
    expect(c.replicaReadOnly).toBe(false);
    expect(c.maxmemory).toBe(2 * 1024 * 1024);
    expect(c.notifyKeyspaceEventsText).toBe('AKE');
    expect(c.save).toEqual([[10, 1], [20, 2]]);
    expect(seen).toEqual([
      ['replica-read-only', 'no'], ['maxmemory', '2097152'], ['notify-keyspace-events', 'AKE'], ['save', '10 1 20 2'],
    ]);
    // A failed set changes nothing and tells nobody.
    expect(c.set([['timeout', '5'], ['maxmemory', 'x']])).not.toBe(null);
    expect(c.timeout).toBe(0);
    expect(c.maxmemory).toBe(2 * 1024 * 1024);
    expect(seen.length).toBe(4);
  });
});
