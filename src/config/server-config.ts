// The server configuration: Redis 7.0.15's directives with their defaults, loading from
// redis-server's command line and config files, CONFIG GET / SET / REWRITE, and typed fields
// that hot paths read as plain properties.

import { globSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Directive } from './directives.ts';
import { DEPRECATED_DIRECTIVES, DIRECTIVES, FILE_ONLY_DIRECTIVES, allDirectiveNames, lookupDirective } from './directives.ts';
import { globMatch, hasGlobChars } from './glob.ts';
import { keyspaceEventsToString } from './keyspace-events.ts';
import type { ConfigLine } from './redis-conf-parser.ts';
import { ConfigSyntaxError, commandLineToConfigText, parseConfigText, readConfigFile, splitArgs } from './redis-conf-parser.ts';
import { rewriteConfigFile } from './rewrite.ts';
import type { BufferLimits, DirectiveValue, ReplicaOf } from './values.ts';
import { defaultValue, formatDirectiveValue, parseDirectiveValue, strerror } from './values.ts';

/** A configuration that cannot be loaded; the message reads like redis-server's FATAL CONFIG FILE ERROR. */
export class ConfigError extends Error {}

const REDIS_VERSION = '7.0.15';

type NumberTriple = [number, number, number];

/** CONFIG SET options: whether the client is local (for enable-protected-configs local). */
export interface SetOptions { localClient?: boolean }

function camelCase(name: string): string {
  return name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export class ServerConfig {
  /** Absolute path of the config file given on the command line, for CONFIG REWRITE. */
  configFile: string | undefined;
  /** Started as a Sentinel (`--sentinel`): `sentinel ...` lines are accepted. */
  sentinelMode = false;
  /**
   * Config-file lines that are not configs: rename-command, user, loadmodule, module configs
   * (name.with.dot) and sentinel. Kept in order for the subsystems that apply them.
   */
  fileOnlyDirectives: string[][] = [];

  // Typed fields, kept current on every set (camelCase of the Redis name).
  port!: number;
  bind!: string[];
  protectedMode!: boolean;
  maxclients!: number;
  timeout!: number;
  tcpKeepalive!: number;
  tcpBacklog!: number;
  protoMaxBulkLen!: number;
  clientQueryBufferLimit!: number;
  requirepass!: string;
  hz!: number;
  dynamicHz!: boolean;
  threads!: number;
  notifyKeyspaceEvents!: number;
  notifyKeyspaceEventsText!: string;
  maxmemory!: number;
  maxmemoryPolicy!: string;
  maxmemorySamples!: number;
  maxmemoryClients!: number; // bytes, or a negative percentage as Redis stores it
  databases!: number;
  save!: Array<[number, number]>;
  appendonly!: boolean;
  appendfsync!: string;
  aofUseRdbPreamble!: boolean;
  dir!: string;
  dbfilename!: string;
  appendfilename!: string;
  appenddirname!: string;
  rdbcompression!: boolean;
  rdbchecksum!: boolean;
  slowlogLogSlowerThan!: number;
  slowlogMaxLen!: number;
  latencyMonitorThreshold!: number;
  latencyTracking!: boolean;
  latencyTrackingInfoPercentiles!: number[];
  replicaReadOnly!: boolean;
  replicaServeStaleData!: boolean;
  /** "host port" or "" (as CONFIG GET shows it); see masterHost/masterPort. */
  replicaof!: string;
  masterHost: string | null = null;
  masterPort = 0;
  masterauth!: string;
  masteruser!: string;
  replBacklogSize!: number;
  replBacklogTtl!: number;
  replTimeout!: number;
  replPingReplicaPeriod!: number;
  replDisklessSync!: boolean;
  replDisklessSyncDelay!: number;
  minReplicasToWrite!: number;
  minReplicasMaxLag!: number;
  listMaxListpackSize!: number;
  listCompressDepth!: number;
  hashMaxListpackEntries!: number;
  hashMaxListpackValue!: number;
  setMaxIntsetEntries!: number;
  zsetMaxListpackEntries!: number;
  zsetMaxListpackValue!: number;
  streamNodeMaxBytes!: number;
  streamNodeMaxEntries!: number;
  hllSparseMaxBytes!: number;
  activeExpireEffort!: number;
  lazyfreeLazyUserDel!: boolean;
  lazyfreeLazyUserFlush!: boolean;
  lazyfreeLazyExpire!: boolean;
  lazyfreeLazyEviction!: boolean;
  lazyfreeLazyServerDel!: boolean;
  busyReplyThreshold!: number;
  trackingTableMaxKeys!: number;
  acllogMaxLen!: number;
  aclPubsubDefault!: string;
  aclfile!: string;
  loglevel!: string;
  logfile!: string;
  pidfile!: string;
  daemonize!: boolean;
  unixsocket!: string;
  clientOutputBufferLimit!: { normal: NumberTriple; replica: NumberTriple; pubsub: NumberTriple };
  clusterEnabled!: boolean;
  clusterConfigFile!: string;
  clusterNodeTimeout!: number;
  clusterPort!: number;
  clusterRequireFullCoverage!: boolean;
  clusterAllowReadsWhenDown!: boolean;
  shutdownTimeout!: number;
  shutdownOnSigint!: string;
  shutdownOnSigterm!: string;
  enableDebugCommand!: string;
  enableModuleCommand!: string;
  enableProtectedConfigs!: string;
  stopWritesOnBgsaveError!: boolean;
  sentinelPort!: number;

  private readonly values = new Map<string, DirectiveValue>();
  private readonly listeners: Array<(name: string, value: string) => void> = [];

  private constructor() {
    for (const d of DIRECTIVES) this.store(d, defaultValue(d));
  }

  /** A configuration with every directive at its Redis default. */
  static defaults(): ServerConfig {
    return new ServerConfig();
  }

  /**
   * Load as redis-server does from its arguments: `[configfile] [--name value [value...]] ...`.
   * The options are appended to the file's text, so they win. Throws ConfigError.
   */
  static fromCommandLine(args: string[]): ServerConfig {
    const config = new ServerConfig();
    config.sentinelMode = args.includes('--sentinel');
    const { configFile, optionsText } = commandLineToConfigText(args);
    let text = '';
    if (configFile !== undefined) {
      config.configFile = resolve(configFile);
      text = readFileOrThrow(config.configFile);
    }
    // Redis always appends "\n" + options, which shifts the options' line numbers by one.
    text += '\n' + optionsText;
    const loading = { saveLoaded: false };
    config.loadText(text, loading);
    if (config.clusterEnabled && config.masterHost !== null) {
      throw new ConfigError(fatalHeader() + 'replicaof directive not allowed in cluster mode');
    }
    return config;
  }

  /** The value as CONFIG GET shows it, by name or alias (case-insensitive); undefined if unknown. */
  get(name: string): string | undefined {
    const found = lookupDirective(name);
    if (!found) return undefined;
    return formatDirectiveValue(found.directive, this.values.get(found.directive.name)!);
  }

  /**
   * CONFIG GET of one argument: an exact name (any case) gives that name back as typed; a glob
   * pattern matches every non-hidden name, aliases by their own names.
   */
  getMatching(pattern: string): Array<[string, string]> {
    if (!hasGlobChars(pattern)) {
      const v = this.get(pattern);
      return v === undefined ? [] : [[pattern, v]];
    }
    const out: Array<[string, string]> = [];
    for (const { name, directive } of allDirectiveNames()) {
      if (directive.hidden) continue;
      if (globMatch(pattern, name, true)) out.push([name, formatDirectiveValue(directive, this.values.get(directive.name)!)]);
    }
    return out;
  }

  /** The directive behind a name or alias (for flags such as sensitive), or undefined. */
  describe(name: string): Directive | undefined {
    return lookupDirective(name)?.directive;
  }

  /**
   * CONFIG SET name value [name value ...], all or nothing as Redis 7.0. Returns null on success
   * or the error text without the leading '-'.
   */
  set(pairs: Array<[string, string]>, options: SetOptions = {}): string | null {
    const resolved: Array<{ directive: Directive; usedName: string; value: string }> = [];
    const seen = new Set<string>();
    for (const [name, value] of pairs) {
      const found = lookupDirective(name);
      if (!found) return `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`;
      const d = found.directive;
      if (d.immutable) return `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set immutable config`;
      if (d.protected && !this.allowProtected(options)) {
        return `ERR CONFIG SET failed (possibly related to argument '${name}') - can't set protected config`;
      }
      // Redis compares table entries: an alias and its canonical name are separate entries.
      const entry = name.toLowerCase();
      if (seen.has(entry)) return `ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`;
      seen.add(entry);
      resolved.push({ directive: d, usedName: found.isAlias ? d.alias! : d.name, value });
    }
    const backup = resolved.map((r) => this.values.get(r.directive.name)!);
    for (let i = 0; i < resolved.length; i++) {
      const { directive: d, usedName, value } = resolved[i]!;
      // A multi-argument value is split on single spaces, as Redis's sdssplitlen().
      const args = d.multiArg ? (value === '' ? [] : value.split(' ')) : [value];
      const result = parseDirectiveValue(d, args, { current: this.values.get(d.name)!, appendSave: false });
      if (!result.ok) {
        for (let j = i - 1; j >= 0; j--) this.store(resolved[j]!.directive, backup[j]!);
        return `ERR CONFIG SET failed (possibly related to argument '${usedName}') - ${result.error}`;
      }
      this.store(d, result.value);
    }
    for (const { directive: d } of resolved) {
      const text = formatDirectiveValue(d, this.values.get(d.name)!);
      for (const listener of this.listeners) listener(d.name, text);
    }
    return null;
  }

  /** Called after each successful CONFIG SET, once per directive set, with its canonical name. */
  onChange(listener: (name: string, value: string) => void): void {
    this.listeners.push(listener);
  }

  /** CONFIG REWRITE into the config file. Returns null or the error text without '-'. */
  rewrite(replicaOf?: ReplicaOf | null): string | null {
    if (this.configFile === undefined) return 'ERR The server is running without a config file';
    try {
      // replicaOf, when given: the link as it is now (REPLICAOF changes it at run time, not CONFIG SET).
      rewriteConfigFile(this.configFile, (d) => (d.name === 'replicaof' && replicaOf !== undefined ? replicaOf : this.values.get(d.name)!));
    } catch (e) {
      return `ERR Rewriting config file: ${strerror(e)}`;
    }
    return null;
  }

  /** The directive's current value in Redis's internal form (for CONFIG REWRITE and tests). */
  rawValue(d: Directive): DirectiveValue {
    return this.values.get(d.name)!;
  }

  /**
   * The directives that differ from their defaults as command-line arguments, so that a worker
   * thread can build the same configuration with fromCommandLine(config.toArgs()).
   */
  toArgs(): string[] {
    const args: string[] = [];
    if (this.configFile !== undefined) args.push(this.configFile);
    for (const d of DIRECTIVES) {
      const current = formatDirectiveValue(d, this.values.get(d.name)!);
      if (current !== formatDirectiveValue(d, defaultValue(d))) args.push('--' + d.name, current);
    }
    for (const line of this.fileOnlyDirectives) args.push('--' + line[0], ...line.slice(1));
    return args;
  }

  private allowProtected(options: SetOptions): boolean {
    const mode = this.enableProtectedConfigs;
    return mode === 'yes' || (mode === 'local' && options.localClient === true);
  }

  // Apply one config text (a file, or the file plus the command-line options).
  private loadText(text: string, loading: { saveLoaded: boolean }): void {
    let lines: ConfigLine[];
    try {
      lines = parseConfigText(text);
    } catch (e) {
      if (e instanceof ConfigSyntaxError) throw fatal(e.lineNumber, e.lineText, e.message);
      throw e;
    }
    for (const line of lines) {
      const err = this.loadLine(line, loading);
      if (err !== null) throw fatal(line.lineNumber, line.text, err);
    }
  }

  // Apply one directive line of a config file; returns Redis's error text or null.
  private loadLine(line: ConfigLine, loading: { saveLoaded: boolean }): string | null {
    const argv = line.argv;
    const name = argv[0]!;
    const found = lookupDirective(name);
    if (found) {
      const d = found.directive;
      if (!d.multiArg && argv.length !== 2) return 'wrong number of arguments';
      let args = argv.slice(1);
      // `--save "3600 1 300 100"`: a single non-empty argument of a multi-argument directive is split.
      if (d.multiArg && argv.length === 2 && argv[1] !== '') args = splitArgs(argv[1]!) ?? [];
      const appendSave = d.kind === 'special' && d.special === 'save' && loading.saveLoaded;
      const result = parseDirectiveValue(d, args, { current: this.values.get(d.name)!, appendSave });
      if (!result.ok) return result.error;
      if (d.kind === 'special' && d.special === 'save') loading.saveLoaded = true;
      this.store(d, result.value);
      return null;
    }
    for (const dep of DEPRECATED_DIRECTIVES) {
      if (dep.name === name && argv.length >= dep.minArgc && argv.length <= dep.maxArgc) return null;
    }
    if (name === 'include' && argv.length === 2) {
      this.include(argv[1]!, loading);
      return null;
    }
    if ((name === 'rename-command' && argv.length === 3) || ((name === 'user' || name === 'loadmodule') && argv.length >= 2)) {
      this.fileOnlyDirectives.push(argv);
      return null;
    }
    if (name.includes('.')) {
      if (argv.length < 2) return 'Module config specified without value';
      this.fileOnlyDirectives.push(argv);
      return null;
    }
    if (name === 'sentinel') {
      if (argv.length !== 1) {
        if (!this.sentinelMode) return 'sentinel directive while not in sentinel mode';
        this.fileOnlyDirectives.push(argv);
      }
      return null;
    }
    return 'Bad directive or wrong number of arguments';
  }

  // `include path`: a glob includes every match (none is fine), a plain path must exist.
  private include(path: string, loading: { saveLoaded: boolean }): void {
    if (/[*?[]/.test(path)) {
      const files = globSync(path).sort();
      if (files.length === 0) return;
      // Redis concatenates the matches and loads them as one text.
      this.loadText(files.map((f) => readFileOrThrow(f)).join(''), loading);
      return;
    }
    this.loadText(readFileOrThrow(path), loading);
  }

  // Keep the value and refresh the typed field(s) that mirror it.
  private store(d: Directive, value: DirectiveValue): void {
    this.values.set(d.name, value);
    const fields = this as unknown as Record<string, unknown>;
    const field = camelCase(d.name);
    switch (d.kind) {
      case 'bool': fields[field] = value as boolean; break;
      case 'numeric': fields[field] = Number(value as bigint); break;
      case 'enum': case 'string': fields[field] = formatDirectiveValue(d, value); break;
      case 'special':
        switch (d.special) {
          case 'notify-keyspace-events':
            this.notifyKeyspaceEvents = value as number;
            this.notifyKeyspaceEventsText = keyspaceEventsToString(value as number);
            break;
          case 'client-output-buffer-limit': {
            const l = value as BufferLimits;
            const n = (x: [bigint, bigint, bigint]): NumberTriple => [Number(x[0]), Number(x[1]), Number(x[2])];
            this.clientOutputBufferLimit = { normal: n(l.normal), replica: n(l.replica), pubsub: n(l.pubsub) };
            break;
          }
          case 'replicaof': {
            const r = value as ReplicaOf | null;
            this.masterHost = r ? r.host : null;
            this.masterPort = r ? r.port : 0;
            this.replicaof = formatDirectiveValue(d, value);
            break;
          }
          default:
            // dir (string), save, bind, oom-score-adj-values, latency-tracking-info-percentiles (arrays).
            fields[field] = value;
        }
    }
  }
}

function fatalHeader(): string {
  return `*** FATAL CONFIG FILE ERROR (Redis ${REDIS_VERSION}) ***\n`;
}

function fatal(lineNumber: number, lineText: string, message: string): ConfigError {
  return new ConfigError(`${fatalHeader()}Reading the configuration file, at line ${lineNumber}\n>>> '${lineText}'\n${message}`);
}

function readFileOrThrow(path: string): string {
  try {
    return readConfigFile(path);
  } catch (e) {
    throw new ConfigError(`Fatal error, can't open config file '${path}': ${strerror(e)}`);
  }
}
