import { ERR_SYNTAX } from '../resp/errors.ts';
import { stringReply, integerReply } from '../resp/reply-scan.ts';
import { REPLY_OFF, REPLY_ON, REPLY_SKIP, type Connection } from '../shard/connection.ts';
import type { Session } from '../shard/session.ts';
import type { CommandSpec } from './table.ts';
import { helpReply } from './help.ts';
import type { TrackingOptions } from '../shard/tracking.ts';

/** One CLIENT LIST / CLIENT INFO line, with Redis 7.0's fields in its order. */
export function clientInfoLine(conn: Connection, now: number, executing?: readonly string[]): string {
  let flags = '';
  if (conn.isSubscriber) flags += 'P';
  if (conn.multi !== null) flags += 'x';
  const tracking = conn.tracking;
  if (tracking !== null) {
    flags += 't';
    if (tracking.brokenRedirect) flags += 'R';
    if (tracking.bcast) flags += 'B';
  }
  if (conn.closeAfterReply) flags += 'c';
  if (conn.noEvict) flags += 'e';
  if (flags === '') flags = 'N';
  // Redis still holds the command being executed in the query buffer (CLIENT LIST/INFO show qbuf=26).
  const qbuf = conn.parser.bufferedBytes() + (executing === undefined ? 0 : requestBytes(executing));
  const omem = conn.pendingOutput();
  return [
    `id=${conn.id}`, `addr=${conn.remoteAddress}`, `laddr=${conn.localAddress}`, `fd=${(conn.socket as unknown as { _handle?: { fd?: number } })._handle?.fd ?? -1}`,
    `name=${conn.client.name}`, `age=${Math.floor((now - conn.createdAt) / 1000)}`, `idle=${Math.floor((now - conn.lastInteraction) / 1000)}`,
    `flags=${flags}`, `db=${conn.client.dbIndex}`, `sub=${conn.channels.size}`, `psub=${conn.patterns.size}`, 'ssub=0',
    `multi=${conn.multi === null ? -1 : conn.multi.queue.length}`, `qbuf=${qbuf}`, `qbuf-free=${Math.max(0, 32768 - qbuf)}`,
    'argv-mem=0', 'multi-mem=0', `rbs=${conn.reply.buf.length}`, `rbp=${conn.reply.pos}`, 'obl=0', 'oll=0', `omem=${omem}`,
    `tot-mem=${conn.reply.buf.length + qbuf + omem}`, 'events=r', `cmd=${conn.client.lastCommand || 'NULL'}`, 'user=default',
    `redir=${tracking === null ? -1 : tracking.redirect}`, `resp=${conn.client.resp}`,
  ].join(' ');
}

/** Bytes of argv as a RESP multibulk request. */
function requestBytes(argv: readonly string[]): number {
  let n = 3 + String(argv.length).length;
  for (const arg of argv) n += 5 + String(arg.length).length + arg.length;
  return n;
}

/** Whether a client matches CLIENT LIST / CLIENT KILL filters (already validated). */
export function clientMatches(conn: Connection, filters: readonly string[], now: number): boolean {
  for (let i = 0; i + 1 < filters.length; i += 2) {
    const name = filters[i]!.toLowerCase();
    const value = filters[i + 1]!;
    switch (name) {
      case 'id':
        if (!value.split(',').map(Number).includes(conn.id)) return false;
        break;
      case 'addr':
        if (conn.remoteAddress !== value) return false;
        break;
      case 'laddr':
        if (conn.localAddress !== value) return false;
        break;
      case 'type': {
        const type = value.toLowerCase();
        if (type === 'pubsub' ? !conn.isSubscriber : type === 'normal' ? conn.isSubscriber : true) return false;
        break;
      }
      case 'user':
        if (value !== 'default') return false;
        break;
      case 'skipme':
        if (value === 'yes-self' + conn.id) return false;
        break;
      case 'maxage':
        if ((now - conn.createdAt) / 1000 < Number(value)) return false;
        break;
    }
  }
  return true;
}

async function fromAll(session: Session, request: string[]): Promise<Buffer[]> {
  const { shard } = session;
  return Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, request, 0, 2, session.txId)));
}

const CLIENT_TYPES = new Set(['normal', 'master', 'replica', 'slave', 'pubsub']);

/** Validates CLIENT KILL's filter form; returns the filters for the workers or an error. */
function killFilters(session: Session, argv: string[]): string[] | string {
  const filters: string[] = [];
  let skipMe = true;
  for (let i = 2; i < argv.length; i += 2) {
    if (i + 1 >= argv.length) return ERR_SYNTAX;
    const name = argv[i]!.toLowerCase();
    const value = argv[i + 1]!;
    if (name === 'id') {
      if (!/^[1-9][0-9]*$/.test(value)) return 'ERR client-id should be greater than 0';
      filters.push('id', value);
    } else if (name === 'type') {
      if (!CLIENT_TYPES.has(value.toLowerCase())) return `ERR Unknown client type '${value}'`;
      filters.push('type', value);
    } else if (name === 'user') {
      // No ACL users yet: only 'default' exists.
      if (value !== 'default') return `ERR No such user '${value}'`;
      filters.push(name, value);
    } else if (name === 'addr' || name === 'laddr' || name === 'maxage') {
      filters.push(name, value);
    } else if (name === 'skipme') {
      const v = value.toLowerCase();
      if (v !== 'yes' && v !== 'no') return ERR_SYNTAX;
      skipMe = v === 'yes';
    } else {
      return ERR_SYNTAX;
    }
  }
  // The caller is never killed by the workers: with SKIPME NO it is closed after its reply (see 'kill').
  if (!skipMe && clientMatches(session.conn, filters, Date.now())) session.conn.closeAfterReply = true;
  filters.push('skipme', 'yes-self' + session.conn.id);
  return filters;
}

/** CLIENT: about this connection, or (LIST, KILL) about the clients of every worker. */
export function clientCommand(session: Session, argv: string[], spec: CommandSpec): void | Promise<void> {
  const { conn, out, shard } = session;
  const sub = spec.name.slice('client|'.length);
  switch (sub) {
    case 'id':
      out.integer(conn.id);
      return;
    case 'getname':
      if (conn.client.name === '') out.nil();
      else out.bulk(conn.client.name);
      return;
    case 'setname': {
      const name = argv[2]!;
      for (let i = 0; i < name.length; i++) {
        const c = name.charCodeAt(i);
        if (c < 33 || c > 126) {
          out.error('ERR Client names cannot contain spaces, newlines or special characters.');
          return;
        }
      }
      conn.client.name = name;
      out.simple('OK');
      return;
    }
    case 'info':
      out.verbatim(clientInfoLine(conn, Date.now(), argv) + '\n');
      return;
    case 'list': {
      const filters: string[] = [];
      for (let i = 2; i < argv.length; i++) {
        const option = argv[i]!.toLowerCase();
        if (option === 'type' && i + 1 < argv.length) {
          const type = argv[i + 1]!.toLowerCase();
          if (!CLIENT_TYPES.has(type)) {
            out.error(`ERR Unknown client type '${argv[i + 1]}'`);
            return;
          }
          filters.push('type', type);
          i++;
        } else if (option === 'id' && i + 1 < argv.length) {
          const ids: string[] = [];
          for (i = i + 1; i < argv.length; i++) {
            if (!/^[1-9][0-9]*$/.test(argv[i]!)) {
              out.error('ERR Invalid client ID');
              return;
            }
            ids.push(argv[i]!);
          }
          filters.push('id', ids.join(','));
        } else {
          out.error(ERR_SYNTAX);
          return;
        }
      }
      return fromAll(session, ['@client-list', ...filters]).then((replies) => {
        // The workers saw the caller between commands; Redis shows it with this command still buffered.
        const self = `id=${conn.id} `;
        const text = replies.map((r) => stringReply(r) ?? '').join('');
        out.verbatim(text.split('\n').map((line) => (line.startsWith(self) ? clientInfoLine(conn, Date.now(), argv) : line)).join('\n'));
      });
    }
    case 'kill': {
      if (argv.length === 3) {
        return fromAll(session, ['@client-kill', 'addr', argv[2]!]).then((replies) => {
          const killed = replies.reduce((n, r) => n + (integerReply(r) ?? 0), 0);
          if (killed === 0) out.error('ERR No such client');
          else out.simple('OK');
        });
      }
      const filters = killFilters(session, argv);
      if (typeof filters === 'string') {
        out.error(filters);
        return;
      }
      return fromAll(session, ['@client-kill', ...filters]).then((replies) => {
        out.integer(replies.reduce((n, r) => n + (integerReply(r) ?? 0), 0) + (conn.closeAfterReply ? 1 : 0));
      });
    }
    case 'reply': {
      const mode = argv[2]!.toLowerCase();
      if (mode === 'on') {
        conn.replyMode = REPLY_ON;
        // The dispatcher chose the discarding output before this ran: ON's OK goes to the client.
        conn.reply.simple('OK');
      } else if (mode === 'off') {
        conn.replyMode = REPLY_OFF;
      } else if (mode === 'skip') {
        // The dispatcher turns SKIP back to ON after the next command.
        conn.replyMode = REPLY_SKIP;
      } else {
        out.error(ERR_SYNTAX);
      }
      return;
    }
    case 'no-evict': {
      const mode = argv[2]!.toLowerCase();
      if (mode !== 'on' && mode !== 'off') {
        out.error(ERR_SYNTAX);
        return;
      }
      conn.noEvict = mode === 'on';
      out.simple('OK');
      return;
    }
    case 'tracking':
      return trackingCommand(session, argv);
    case 'caching':
      cachingCommand(session, argv);
      return;
    case 'getredir':
      out.integer(conn.tracking === null ? -1 : conn.tracking.redirect);
      return;
    case 'trackinginfo':
      trackingInfoReply(session);
      return;
    case 'unblock': {
      const mode = (argv[3] ?? 'timeout').toLowerCase();
      if (argv.length > 4 || (mode !== 'timeout' && mode !== 'error')) {
        out.error('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
        return;
      }
      if (!/^-?[0-9]+$/.test(argv[2]!)) {
        out.error('ERR value is not an integer or out of range');
        return;
      }
      return fromAll(session, ['@unblock', argv[2]!, mode]).then((replies) => {
        out.integer(replies.some((r) => integerReply(r) === 1) ? 1 : 0);
      });
    }
    case 'pause':
    case 'unpause':
      return shard.clientPause(session, argv, sub === 'pause');
    case 'help':
      helpReply(out, 'CLIENT', [
        'ID: this connection\'s id.', 'GETNAME / SETNAME <name>: the connection name.', 'INFO: this connection, as one CLIENT LIST line.',
        'LIST [TYPE <type>] [ID <id> ...]: every connection.', 'KILL <ip:port> | <filter> <value> ...: close connections.',
        'REPLY ON|OFF|SKIP: reply mode.', 'NO-EVICT ON|OFF: exempt from client eviction.',
        'PAUSE <timeout> [WRITE|ALL] / UNPAUSE: suspend clients.',
        'TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]] [OPTIN] [OPTOUT] [NOLOOP]: client side caching.',
        'CACHING (YES|NO): track (OPTIN) or not (OPTOUT) the keys of the next command.',
        'GETREDIR: the client id invalidations are redirected to.', 'TRACKINGINFO: this connection\'s tracking state.',
      ]);
      return;
    default:
      out.error(`ERR unknown subcommand '${argv[1]}'. Try CLIENT HELP.`);
  }
}

/**
 * CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]: options are
 * checked in Redis's order and with its errors; ON answers once every worker knows the client's mode
 * (a write on another worker right after the OK must reach a BCAST client).
 */
function trackingCommand(session: Session, argv: string[]): void | Promise<void> {
  const { conn, out, shard } = session;
  const options: TrackingOptions = { redirect: 0, redirectWorker: -1, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  let redirectGiven = false;
  for (let j = 3; j < argv.length; j++) {
    const option = argv[j]!.toLowerCase();
    const more = j < argv.length - 1;
    if (option === 'redirect' && more) {
      j++;
      if (options.redirect !== 0) {
        out.error('ERR A client can only redirect to a single other client');
        return;
      }
      if (!/^-?[0-9]+$/.test(argv[j]!) || !Number.isSafeInteger(Number(argv[j]))) {
        out.error('ERR value is not an integer or out of range');
        return;
      }
      options.redirect = Number(argv[j]);
      redirectGiven = true;
    } else if (option === 'bcast') options.bcast = true;
    else if (option === 'optin') options.optin = true;
    else if (option === 'optout') options.optout = true;
    else if (option === 'noloop') options.noloop = true;
    else if (option === 'prefix' && more) options.prefixes.push(argv[++j]!);
    else {
      out.error(ERR_SYNTAX);
      return;
    }
  }
  const mode = argv[2]!.toLowerCase();
  const apply = (): void | Promise<void> => {
    if (mode === 'off') {
      shard.tracking.disable(conn);
      out.simple('OK');
      return;
    }
    if (mode !== 'on') {
      out.error(ERR_SYNTAX);
      return;
    }
    const error = trackingOnError(session, options);
    if (error !== null) {
      out.error(error);
      return;
    }
    const published = shard.tracking.enable(conn, options);
    if (published === undefined) {
      out.simple('OK');
      return;
    }
    return published.then(() => out.simple('OK'));
  };
  if (!redirectGiven) return apply();
  if (shard.connections.has(options.redirect)) {
    options.redirectWorker = shard.id;
    return apply();
  }
  // As Redis, the redirection client must exist now (it may go later: invalidations then report it broken).
  return fromAll(session, ['@client-list', 'id', String(Math.max(1, options.redirect))]).then((replies) => {
    const worker = options.redirect <= 0 ? -1 : replies.findIndex((r) => (stringReply(r) ?? '') !== '');
    if (worker < 0) {
      out.error('ERR The client ID you want redirect to does not exist');
      return;
    }
    options.redirectWorker = worker;
    return apply();
  });
}

/** Why CLIENT TRACKING ON cannot apply these options to this client now, or null. */
function trackingOnError(session: Session, options: TrackingOptions): string | null {
  const current = session.conn.tracking;
  if (!options.bcast && options.prefixes.length > 0) return 'ERR PREFIX option requires BCAST mode to be enabled';
  if (current !== null && current.bcast !== options.bcast) {
    return 'ERR You can\'t switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (options.bcast && (options.optin || options.optout)) return 'ERR OPTIN and OPTOUT are not compatible with BCAST';
  if (options.optin && options.optout) return 'ERR You can\'t specify both OPTIN mode and OPTOUT mode';
  if (current !== null && ((options.optin && current.optout) || (options.optout && current.optin))) {
    return 'ERR You can\'t switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.';
  }
  if (!options.bcast) return null;
  const prefixes = options.prefixes;
  for (let i = 0; i < prefixes.length; i++) {
    for (const existing of current?.prefixes ?? []) {
      if (prefixesOverlap(existing, prefixes[i]!)) {
        return `ERR Prefix '${prefixes[i]}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`;
      }
    }
    for (let j = i + 1; j < prefixes.length; j++) {
      if (prefixesOverlap(prefixes[i]!, prefixes[j]!)) {
        return `ERR Prefix '${prefixes[i]}' overlaps with another provided prefix '${prefixes[j]}'. Prefixes for a single client must not overlap.`;
      }
    }
  }
  return null;
}

/** Two prefixes overlap when one starts the other: a key could match both. */
function prefixesOverlap(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

/** CLIENT CACHING YES|NO: only in OPTIN (YES) or OPTOUT (NO) mode. */
function cachingCommand(session: Session, argv: string[]): void {
  const { conn, out, shard } = session;
  const t = conn.tracking;
  if (t === null) {
    out.error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled');
    return;
  }
  const option = argv[2]!.toLowerCase();
  if (option === 'yes') {
    if (!t.optin) {
      out.error('ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.');
      return;
    }
  } else if (option === 'no') {
    if (!t.optout) {
      out.error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.');
      return;
    }
  } else {
    out.error(ERR_SYNTAX);
    return;
  }
  shard.tracking.setCaching(conn);
  out.simple('OK');
}

/** CLIENT TRACKINGINFO: a map of flags (a set), redirect and prefixes. */
function trackingInfoReply(session: Session): void {
  const { conn, out } = session;
  const t = conn.tracking;
  const flags = t === null ? ['off'] : t.infoFlags();
  out.map(3);
  out.bulk('flags');
  out.set(flags.length);
  for (const flag of flags) out.bulk(flag);
  out.bulk('redirect');
  out.integer(t === null ? -1 : t.redirect);
  out.bulk('prefixes');
  // Redis keeps them in a radix tree: listed in byte order.
  const prefixes = t === null ? [] : [...t.prefixes].sort();
  out.array(prefixes.length);
  for (const prefix of prefixes) out.bulk(prefix);
}
