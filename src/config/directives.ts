// The configuration directives of Redis 7.0.15 as data: names, aliases, types, bounds, defaults,
// and whether CONFIG SET may change them. Defaults are checked against a real redis-server's
// CONFIG GET * by test/unit/config/defaults.test.ts. Plus shoal's own `threads` and `sentinel-port`.

import { availableParallelism } from 'node:os';

/** C type of a numeric config: decides how Redis range-checks it (unsigned types compare as unsigned). */
export type NumericCType = 'int' | 'uint' | 'long' | 'ulong' | 'longlong' | 'ulonglong' | 'size_t' | 'ssize_t' | 'time_t' | 'off_t';
/** How a numeric config is written and read: plain integer, bytes with units, bytes or percent, octal. */
export type NumericFormat = 'integer' | 'memory' | 'memory-percent' | 'octal';
export type SpecialKind = 'dir' | 'save' | 'client-output-buffer-limit' | 'oom-score-adj-values' | 'notify-keyspace-events' |
  'bind' | 'replicaof' | 'latency-tracking-info-percentiles';

interface DirectiveBase {
  name: string;
  alias?: string;
  /** CONFIG SET refuses: "can't set immutable config". */
  immutable?: boolean;
  /** CONFIG SET refuses unless enable-protected-configs allows it: "can't set protected config". */
  protected?: boolean;
  /** Not listed by CONFIG GET patterns, only by its exact name. */
  hidden?: boolean;
  /** Value redacted from logs and slowlog (passwords). */
  sensitive?: boolean;
  /** Takes several arguments (a CONFIG SET value is split on spaces). */
  multiArg?: boolean;
  /** A directive of shoal's own, not of Redis. */
  shoal?: boolean;
}
export interface BoolDirective extends DirectiveBase { kind: 'bool'; default: boolean }
export interface NumericDirective extends DirectiveBase {
  kind: 'numeric'; cType: NumericCType; format: NumericFormat; min: bigint; max: bigint; default: bigint;
  /** Value forced into a range after a set, as Redis's apply functions do (hz: 1..500). */
  clamp?: [bigint, bigint];
}
export interface EnumDirective extends DirectiveBase {
  kind: 'enum'; values: Array<[string, number]>; default: number;
  /** Several names combine as bit flags (shutdown-on-sig*). */
  flags?: boolean;
}
export interface StringDirective extends DirectiveBase {
  kind: 'string'; default: string | null;
  /** "" means unset (null): CONFIG REWRITE then drops the line. */
  emptyIsNull: boolean;
  validate?: (value: string) => string | null;
}
export interface SpecialDirective extends DirectiveBase { kind: 'special'; special: SpecialKind }
export type Directive = BoolDirective | NumericDirective | EnumDirective | StringDirective | SpecialDirective;

const INT_MAX = 2147483647n;
const INT_MIN = -2147483648n;
const UINT_MAX = 4294967295n;
const LONG_MAX = 9223372036854775807n;
const LLONG_MAX = LONG_MAX;
const ULLONG_MAX = 18446744073709551615n;
const MB = 1024n * 1024n;

function bool(name: string, def: boolean, extra: Partial<DirectiveBase> = {}): BoolDirective {
  return { kind: 'bool', name, default: def, ...extra };
}
function num(name: string, cType: NumericCType, min: bigint, max: bigint, def: bigint, extra: Partial<NumericDirective> = {}): NumericDirective {
  return { kind: 'numeric', name, cType, format: 'integer', min, max, default: def, ...extra };
}
function mem(name: string, cType: NumericCType, min: bigint, max: bigint, def: bigint, extra: Partial<NumericDirective> = {}): NumericDirective {
  return { kind: 'numeric', name, cType, format: 'memory', min, max, default: def, ...extra };
}
function str(name: string, def: string | null, emptyIsNull: boolean, extra: Partial<StringDirective> = {}): StringDirective {
  return { kind: 'string', name, default: def, emptyIsNull, ...extra };
}
function enm(name: string, values: Array<[string, number]>, def: number, extra: Partial<EnumDirective> = {}): EnumDirective {
  return { kind: 'enum', name, values, default: def, ...extra };
}
function special(name: string, kind: SpecialKind, extra: Partial<DirectiveBase> = {}): SpecialDirective {
  return { kind: 'special', name, special: kind, ...extra };
}

// Redis's pathIsBaseName(): no '/' anywhere.
function isBaseName(v: string): boolean {
  return !v.includes('/');
}

const MAXMEMORY_POLICY: Array<[string, number]> = [
  ['volatile-lru', 0], ['volatile-lfu', 1], ['volatile-random', 2], ['volatile-ttl', 3],
  ['allkeys-lru', 4], ['allkeys-lfu', 5], ['allkeys-random', 6], ['noeviction', 7],
];
const SYSLOG_FACILITY: Array<[string, number]> = [
  ['user', 8], ['local0', 128], ['local1', 136], ['local2', 144], ['local3', 152],
  ['local4', 160], ['local5', 168], ['local6', 176], ['local7', 184],
];
const LOGLEVEL: Array<[string, number]> = [['debug', 0], ['verbose', 1], ['notice', 2], ['warning', 3]];
const SUPERVISED: Array<[string, number]> = [['upstart', 1], ['systemd', 2], ['auto', 3], ['no', 0]];
const APPENDFSYNC: Array<[string, number]> = [['everysec', 2], ['always', 1], ['no', 0]];
export const SHUTDOWN_SAVE = 1;
export const SHUTDOWN_NOSAVE = 2;
export const SHUTDOWN_NOW = 4;
export const SHUTDOWN_FORCE = 8;
const SHUTDOWN_ON_SIG: Array<[string, number]> = [
  ['default', 0], ['save', SHUTDOWN_SAVE], ['nosave', SHUTDOWN_NOSAVE], ['now', SHUTDOWN_NOW], ['force', SHUTDOWN_FORCE],
];
const REPL_DISKLESS_LOAD: Array<[string, number]> = [['disabled', 0], ['on-empty-db', 1], ['swapdb', 2]];
const TLS_AUTH_CLIENTS: Array<[string, number]> = [['no', 0], ['yes', 1], ['optional', 2]];
const OOM_SCORE_ADJ: Array<[string, number]> = [['no', 0], ['yes', 1], ['relative', 1], ['absolute', 2]];
const ACL_PUBSUB_DEFAULT: Array<[string, number]> = [['allchannels', 8], ['resetchannels', 0]];
const SANITIZE_DUMP_PAYLOAD: Array<[string, number]> = [['no', 0], ['yes', 1], ['clients', 2]];
const PROTECTED_ACTION: Array<[string, number]> = [['no', 0], ['yes', 1], ['local', 2]];
const CLUSTER_ENDPOINT_TYPE: Array<[string, number]> = [['ip', 0], ['hostname', 1], ['unknown-endpoint', 2]];
const PROPAGATION_ERROR_BEHAVIOR: Array<[string, number]> = [['ignore', 0], ['panic', 1], ['panic-on-replicas', 2]];

function validateDbfilename(v: string): string | null {
  return isBaseName(v) ? null : "dbfilename can't be a path, just a filename";
}
function validateAppendfilename(v: string): string | null {
  if (v === '') return "appendfilename can't be empty";
  return isBaseName(v) ? null : "appendfilename can't be a path, just a filename";
}
function validateAppenddirname(v: string): string | null {
  if (v === '') return "appenddirname can't be empty";
  return isBaseName(v) ? null : "appenddirname can't be a path, just a dirname";
}
function validateHostname(v: string): string | null {
  if (v.length >= 256) return 'Hostnames must be less than 256 characters';
  if (!/^[A-Za-z0-9.-]*$/.test(v)) return 'Hostnames may only contain alphanumeric characters, hyphens or dots';
  return null;
}
// proc-title-template, as Redis validates it: expand the template with an empty title ({{ is a
// literal brace, an unknown or unterminated variable is an error) and refuse an all-blank result.
// Variables that depend on the running server expand to a placeholder or to nothing.
function validateProcTitleTemplate(v: string): string | null {
  const bad = 'template format is invalid or contains unknown variables';
  const values: Record<string, string> = {
    'title': '', 'server-mode': '', 'unixsocket': '', 'listen-addr': '*:0', 'port': '0', 'tls-port': '0', 'config-file': '-',
  };
  let out = '';
  let i = 0;
  while (i < v.length) {
    const open = v.indexOf('{', i);
    if (open < 0) {
      out += v.slice(i);
      break;
    }
    out += v.slice(i, open);
    if (open + 1 >= v.length) return bad;
    if (v[open + 1] === '{') {
      out += '{';
      i = open + 2;
      continue;
    }
    const close = v.indexOf('}', open + 1);
    if (close < 0) return bad;
    const value = values[v.slice(open + 1, close)];
    if (value === undefined) return bad;
    out += value;
    i = close + 1;
  }
  return out.replace(/^ +| +$/g, '') === '' ? bad : null;
}

/** All directives, in Redis's table order (the order CONFIG REWRITE appends new lines in). */
export const DIRECTIVES: readonly Directive[] = [
  // Booleans
  bool('rdbchecksum', true, { immutable: true }),
  bool('daemonize', false, { immutable: true }),
  bool('io-threads-do-reads', false, { immutable: true }),
  bool('always-show-logo', false, { immutable: true }),
  bool('protected-mode', true),
  bool('rdbcompression', true),
  bool('rdb-del-sync-files', false),
  bool('activerehashing', true),
  bool('stop-writes-on-bgsave-error', true),
  bool('set-proc-title', true, { immutable: true }),
  bool('dynamic-hz', true),
  bool('lazyfree-lazy-eviction', false),
  bool('lazyfree-lazy-expire', false),
  bool('lazyfree-lazy-server-del', false),
  bool('lazyfree-lazy-user-del', false),
  bool('lazyfree-lazy-user-flush', false),
  bool('repl-disable-tcp-nodelay', false),
  bool('repl-diskless-sync', true),
  bool('aof-rewrite-incremental-fsync', true),
  bool('no-appendfsync-on-rewrite', false),
  bool('cluster-require-full-coverage', true),
  bool('rdb-save-incremental-fsync', true),
  bool('aof-load-truncated', true),
  bool('aof-use-rdb-preamble', true),
  bool('aof-timestamp-enabled', false),
  bool('cluster-replica-no-failover', false, { alias: 'cluster-slave-no-failover' }),
  bool('replica-lazy-flush', false, { alias: 'slave-lazy-flush' }),
  bool('replica-serve-stale-data', true, { alias: 'slave-serve-stale-data' }),
  bool('replica-read-only', true, { alias: 'slave-read-only' }),
  bool('replica-ignore-maxmemory', true, { alias: 'slave-ignore-maxmemory' }),
  bool('jemalloc-bg-thread', true),
  bool('activedefrag', false),
  bool('syslog-enabled', false, { immutable: true }),
  bool('cluster-enabled', false, { immutable: true }),
  bool('appendonly', false),
  bool('cluster-allow-reads-when-down', false),
  bool('cluster-allow-pubsubshard-when-down', true),
  bool('crash-log-enabled', true),
  bool('crash-memcheck-enabled', true),
  bool('use-exit-on-panic', false, { hidden: true }),
  bool('disable-thp', true, { immutable: true }),
  bool('cluster-allow-replica-migration', true),
  bool('replica-announced', true),
  bool('latency-tracking', true),
  bool('aof-disable-auto-gc', false),
  bool('replica-ignore-disk-write-errors', false),

  // Strings (char* in Redis)
  str('aclfile', '', false, { immutable: true }),
  str('unixsocket', null, true, { immutable: true }),
  str('pidfile', null, true, { immutable: true }),
  str('replica-announce-ip', null, true, { alias: 'slave-announce-ip' }),
  str('masteruser', null, true, { sensitive: true }),
  str('cluster-announce-ip', null, true),
  str('cluster-config-file', 'nodes.conf', false, { immutable: true }),
  str('cluster-announce-hostname', null, true, { validate: validateHostname }),
  str('syslog-ident', 'redis', false, { immutable: true }),
  str('dbfilename', 'dump.rdb', false, { protected: true, validate: validateDbfilename }),
  str('appendfilename', 'appendonly.aof', false, { immutable: true, validate: validateAppendfilename }),
  str('appenddirname', 'appendonlydir', false, { immutable: true, validate: validateAppenddirname }),
  str('server_cpulist', null, true, { immutable: true }),
  str('bio_cpulist', null, true, { immutable: true }),
  str('aof_rewrite_cpulist', null, true, { immutable: true }),
  str('bgsave_cpulist', null, true, { immutable: true }),
  str('ignore-warnings', '', false),
  str('proc-title-template', '{title} {listen-addr} {server-mode}', false, { validate: validateProcTitleTemplate }),
  str('bind-source-addr', null, true),
  str('logfile', '', false, { immutable: true }),

  // SDS strings
  str('masterauth', null, true, { sensitive: true }),
  str('requirepass', null, true, { sensitive: true }),

  // Enums
  enm('supervised', SUPERVISED, 0, { immutable: true }),
  enm('syslog-facility', SYSLOG_FACILITY, 128, { immutable: true }),
  enm('repl-diskless-load', REPL_DISKLESS_LOAD, 0),
  enm('loglevel', LOGLEVEL, 2),
  enm('maxmemory-policy', MAXMEMORY_POLICY, 7),
  enm('appendfsync', APPENDFSYNC, 2),
  enm('oom-score-adj', OOM_SCORE_ADJ, 0),
  enm('acl-pubsub-default', ACL_PUBSUB_DEFAULT, 0),
  enm('sanitize-dump-payload', SANITIZE_DUMP_PAYLOAD, 0),
  enm('enable-protected-configs', PROTECTED_ACTION, 0, { immutable: true }),
  enm('enable-debug-command', PROTECTED_ACTION, 0, { immutable: true }),
  enm('enable-module-command', PROTECTED_ACTION, 0, { immutable: true }),
  enm('cluster-preferred-endpoint-type', CLUSTER_ENDPOINT_TYPE, 0),
  enm('propagation-error-behavior', PROPAGATION_ERROR_BEHAVIOR, 0),
  enm('shutdown-on-sigint', SHUTDOWN_ON_SIG, 0, { multiArg: true, flags: true }),
  enm('shutdown-on-sigterm', SHUTDOWN_ON_SIG, 0, { multiArg: true, flags: true }),

  // Integers
  num('databases', 'int', 1n, INT_MAX, 16n, { immutable: true }),
  num('port', 'int', 0n, 65535n, 6379n),
  num('io-threads', 'int', 1n, 128n, 1n, { immutable: true }),
  num('auto-aof-rewrite-percentage', 'int', 0n, INT_MAX, 100n),
  num('cluster-replica-validity-factor', 'int', 0n, INT_MAX, 10n, { alias: 'cluster-slave-validity-factor' }),
  num('list-max-listpack-size', 'int', INT_MIN, INT_MAX, -2n, { alias: 'list-max-ziplist-size' }),
  num('tcp-keepalive', 'int', 0n, INT_MAX, 300n),
  num('cluster-migration-barrier', 'int', 0n, INT_MAX, 1n),
  num('active-defrag-cycle-min', 'int', 1n, 99n, 1n),
  num('active-defrag-cycle-max', 'int', 1n, 99n, 25n),
  num('active-defrag-threshold-lower', 'int', 0n, 1000n, 10n),
  num('active-defrag-threshold-upper', 'int', 0n, 1000n, 100n),
  num('lfu-log-factor', 'int', 0n, INT_MAX, 10n),
  num('lfu-decay-time', 'int', 0n, INT_MAX, 1n),
  num('replica-priority', 'int', 0n, INT_MAX, 100n, { alias: 'slave-priority' }),
  num('repl-diskless-sync-delay', 'int', 0n, INT_MAX, 5n),
  num('maxmemory-samples', 'int', 1n, INT_MAX, 5n),
  num('maxmemory-eviction-tenacity', 'int', 0n, 100n, 10n),
  num('timeout', 'int', 0n, INT_MAX, 0n),
  num('replica-announce-port', 'int', 0n, 65535n, 0n, { alias: 'slave-announce-port' }),
  num('tcp-backlog', 'int', 0n, INT_MAX, 511n, { immutable: true }),
  num('cluster-port', 'int', 0n, 65535n, 0n, { immutable: true }),
  num('cluster-announce-bus-port', 'int', 0n, 65535n, 0n),
  num('cluster-announce-port', 'int', 0n, 65535n, 0n),
  num('cluster-announce-tls-port', 'int', 0n, 65535n, 0n),
  num('repl-timeout', 'int', 1n, INT_MAX, 60n),
  num('repl-ping-replica-period', 'int', 1n, INT_MAX, 10n, { alias: 'repl-ping-slave-period' }),
  num('list-compress-depth', 'int', 0n, INT_MAX, 0n),
  num('rdb-key-save-delay', 'int', INT_MIN, INT_MAX, 0n, { hidden: true }),
  num('key-load-delay', 'int', INT_MIN, INT_MAX, 0n, { hidden: true }),
  num('active-expire-effort', 'int', 1n, 10n, 1n),
  num('hz', 'int', 0n, INT_MAX, 10n, { clamp: [1n, 500n] }),
  num('min-replicas-to-write', 'int', 0n, INT_MAX, 0n, { alias: 'min-slaves-to-write' }),
  num('min-replicas-max-lag', 'int', 0n, INT_MAX, 10n, { alias: 'min-slaves-max-lag' }),
  num('watchdog-period', 'int', 0n, INT_MAX, 0n, { hidden: true }),
  num('shutdown-timeout', 'int', 0n, INT_MAX, 10n),
  num('repl-diskless-sync-max-replicas', 'int', 0n, INT_MAX, 0n),

  // Unsigned int
  num('maxclients', 'uint', 1n, UINT_MAX, 10000n),
  { kind: 'numeric', name: 'unixsocketperm', cType: 'uint', format: 'octal', min: 0n, max: 0o777n, default: 0n, immutable: true },
  num('socket-mark-id', 'uint', 0n, UINT_MAX, 0n, { immutable: true }),

  // Unsigned long
  num('active-defrag-max-scan-fields', 'ulong', 1n, LONG_MAX, 1000n),
  num('slowlog-max-len', 'ulong', 0n, LONG_MAX, 128n),
  num('acllog-max-len', 'ulong', 0n, LONG_MAX, 128n),

  // Long long
  num('busy-reply-threshold', 'longlong', 0n, LONG_MAX, 5000n, { alias: 'lua-time-limit' }),
  num('cluster-node-timeout', 'longlong', 0n, LLONG_MAX, 15000n),
  num('slowlog-log-slower-than', 'longlong', -1n, LLONG_MAX, 10000n),
  num('latency-monitor-threshold', 'longlong', 0n, LLONG_MAX, 0n),
  mem('proto-max-bulk-len', 'longlong', MB, LONG_MAX, 512n * MB),
  num('stream-node-max-entries', 'longlong', 0n, LLONG_MAX, 100n),
  mem('repl-backlog-size', 'longlong', 1n, LLONG_MAX, MB),

  // Unsigned long long
  mem('maxmemory', 'ulonglong', 0n, ULLONG_MAX, 0n),
  mem('cluster-link-sendbuf-limit', 'ulonglong', 0n, ULLONG_MAX, 0n),

  // Size_t
  num('hash-max-listpack-entries', 'size_t', 0n, LONG_MAX, 512n, { alias: 'hash-max-ziplist-entries' }),
  num('set-max-intset-entries', 'size_t', 0n, LONG_MAX, 512n),
  num('zset-max-listpack-entries', 'size_t', 0n, LONG_MAX, 128n, { alias: 'zset-max-ziplist-entries' }),
  mem('active-defrag-ignore-bytes', 'size_t', 1n, LLONG_MAX, 100n * MB),
  mem('hash-max-listpack-value', 'size_t', 0n, LONG_MAX, 64n, { alias: 'hash-max-ziplist-value' }),
  mem('stream-node-max-bytes', 'size_t', 0n, LONG_MAX, 4096n),
  mem('zset-max-listpack-value', 'size_t', 0n, LONG_MAX, 64n, { alias: 'zset-max-ziplist-value' }),
  mem('hll-sparse-max-bytes', 'size_t', 0n, LONG_MAX, 3000n),
  num('tracking-table-max-keys', 'size_t', 0n, LONG_MAX, 1000000n),
  mem('client-query-buffer-limit', 'size_t', MB, LONG_MAX, 1024n * MB),
  { kind: 'numeric', name: 'maxmemory-clients', cType: 'ssize_t', format: 'memory-percent', min: -100n, max: LONG_MAX, default: 0n },

  // time_t, off_t
  num('repl-backlog-ttl', 'time_t', 0n, LONG_MAX, 3600n),
  mem('auto-aof-rewrite-min-size', 'off_t', 0n, LLONG_MAX, 64n * MB),
  num('loading-process-events-interval-bytes', 'off_t', 1024n, INT_MAX, 2n * MB, { hidden: true }),

  // TLS (shown by CONFIG GET even though shoal has no TLS listener yet)
  num('tls-port', 'int', 0n, 65535n, 0n),
  num('tls-session-cache-size', 'int', 0n, INT_MAX, 20n * 1024n),
  num('tls-session-cache-timeout', 'int', 0n, INT_MAX, 300n),
  bool('tls-cluster', false),
  bool('tls-replication', false),
  enm('tls-auth-clients', TLS_AUTH_CLIENTS, 1),
  bool('tls-prefer-server-ciphers', false),
  bool('tls-session-caching', true),
  str('tls-cert-file', null, true),
  str('tls-key-file', null, true),
  str('tls-key-file-pass', null, true),
  str('tls-client-cert-file', null, true),
  str('tls-client-key-file', null, true),
  str('tls-client-key-file-pass', null, true),
  str('tls-dh-params-file', null, true),
  str('tls-ca-cert-file', null, true),
  str('tls-ca-cert-dir', null, true),
  str('tls-protocols', null, true),
  str('tls-ciphers', null, true),
  str('tls-ciphersuites', null, true),

  // Special configs
  special('dir', 'dir', { protected: true }),
  special('save', 'save', { multiArg: true }),
  special('client-output-buffer-limit', 'client-output-buffer-limit', { multiArg: true }),
  special('oom-score-adj-values', 'oom-score-adj-values', { multiArg: true }),
  special('notify-keyspace-events', 'notify-keyspace-events'),
  special('bind', 'bind', { multiArg: true }),
  special('replicaof', 'replicaof', { alias: 'slaveof', immutable: true, multiArg: true }),
  special('latency-tracking-info-percentiles', 'latency-tracking-info-percentiles', { multiArg: true }),

  // shoal's own: the number of shard worker threads, and an in-process Sentinel's port (0: none).
  num('threads', 'int', 1n, 1024n, BigInt(availableParallelism()), { immutable: true, hidden: true, shoal: true }),
  num('sentinel-port', 'int', 0n, 65535n, 0n, { immutable: true, hidden: true, shoal: true }),
];

/** Directives that Redis's config file accepts without a table entry and that are ignored (deprecated). */
export const DEPRECATED_DIRECTIVES: ReadonlyArray<{ name: string; minArgc: number; maxArgc: number }> = [
  { name: 'list-max-ziplist-entries', minArgc: 2, maxArgc: 2 },
  { name: 'list-max-ziplist-value', minArgc: 2, maxArgc: 2 },
  { name: 'lua-replicate-commands', minArgc: 2, maxArgc: 2 },
];

/**
 * Config-file-only directives that are not configs (no CONFIG GET): Redis applies them at load.
 * shoal keeps their lines for the subsystems that own them (commands, ACL, modules, Sentinel) and
 * CONFIG REWRITE keeps them in place.
 */
export const FILE_ONLY_DIRECTIVES: ReadonlySet<string> = new Set(['include', 'rename-command', 'user', 'loadmodule', 'sentinel']);

const byName = new Map<string, { directive: Directive; isAlias: boolean }>();
for (const d of DIRECTIVES) {
  byName.set(d.name, { directive: d, isAlias: false });
  if (d.alias) byName.set(d.alias, { directive: d, isAlias: true });
}

/** Look a directive up by name or alias, case-insensitively. */
export function lookupDirective(name: string): { directive: Directive; isAlias: boolean } | undefined {
  return byName.get(name.toLowerCase());
}

/** Every registered name (canonical and alias) with its directive, in table order. */
export function allDirectiveNames(): Array<{ name: string; directive: Directive }> {
  const out: Array<{ name: string; directive: Directive }> = [];
  for (const d of DIRECTIVES) {
    out.push({ name: d.name, directive: d });
    if (d.alias) out.push({ name: d.alias, directive: d });
  }
  return out;
}
