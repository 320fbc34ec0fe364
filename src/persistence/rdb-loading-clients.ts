// Clients that connect while the dataset loads at start-up. The workers are busy reading the RDB
// file (synchronously), so the main thread holds these connections and answers them as Redis does
// while it loads: "-LOADING Redis is loading the dataset in memory" to every command, except the few
// that Redis flags as allowed during loading and that clients and test harnesses send meanwhile
// (INFO with loading:1 and the loading_* fields, SELECT, AUTH, DEBUG LOG, QUIT). Once the load is
// done each connection continues through a worker (see release()), in the database it selected and
// with the bytes of a request it had not finished, so nothing it sent is lost.
import net, { type Socket } from 'node:net';
import type { Worker } from 'node:worker_threads';
import fs from 'node:fs';
import type { ServerConfig } from '../config/server-config.ts';
import { ProtocolError, RequestParser } from '../resp/request-parser.ts';
import { rdbPath } from './rdb-snapshot.ts';
import { aofBytesToLoad } from './aof-loader.ts';

export const LOADING_ERROR = '-LOADING Redis is loading the dataset in memory\r\n';

/** A dataset smaller than this loads in a few ms: not worth a -LOADING (see LoadingClients.slowLoad). */
const SLOW_LOAD_BYTES = 64 * 1024;

interface HeldClient {
  socket: Socket;
  parser: RequestParser;
  /** The received bytes not consumed by a complete request (the preface of the handover). */
  tail: Buffer;
  db: number;
  authenticated: boolean;
  onData: (chunk: Buffer) => void;
  onGone: () => void;
}

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

export class LoadingClients {
  private readonly config: ServerConfig;
  private readonly held = new Set<HeldClient>();
  /** Connections relayed to a worker after the load (release()), until they close. */
  private readonly relayed = new Set<Socket>();
  private readonly startedAt = Date.now();
  private readonly totalBytes: number;
  /** The load reads enough to be noticed: connections meanwhile are answered here (else they wait). */
  readonly slowLoad: boolean;
  /** Bytes of the file each worker has read (each reads all of it; the slowest is the progress). */
  private readonly bytesRead: number[];

  constructor(config: ServerConfig, workers: readonly Worker[]) {
    this.config = config;
    let size = 0;
    try {
      size = fs.statSync(rdbPath(config)).size;
    } catch {
      // No file (or an AOF load): no byte figures.
    }
    this.totalBytes = size;
    // Redis reads a small file before a client's first command arrives: only a load that takes a
    // while (or is slowed down on purpose) answers -LOADING; otherwise connections just wait for
    // the workers to start.
    const bytes = config.appendonly ? aofBytesToLoad(config) : size;
    this.slowLoad = bytes >= SLOW_LOAD_BYTES || Number(config.get('key-load-delay') ?? 0) !== 0;
    this.bytesRead = workers.map(() => 0);
    workers.forEach((worker, w) => {
      const onMessage = (msg: { type: string; bytes?: number }): void => {
        if (msg.type === 'loading-progress') this.bytesRead[w] = msg.bytes ?? 0;
        else if (msg.type === 'ready' || msg.type === 'load-failed') worker.off('message', onMessage);
      };
      worker.on('message', onMessage);
    });
  }

  get count(): number {
    return this.held.size;
  }

  /** A connection accepted during the load: served here until release(). */
  hold(socket: Socket): void {
    const client: HeldClient = {
      socket,
      parser: new RequestParser({ maxBulkLen: this.config.protoMaxBulkLen, maxQueryBufferLen: this.config.clientQueryBufferLimit }),
      tail: Buffer.alloc(0),
      db: 0,
      authenticated: this.config.requirepass === '',
      onData: (chunk) => this.onData(client, chunk),
      onGone: () => {
        this.held.delete(client);
        socket.destroy();
      },
    };
    this.held.add(client);
    socket.on('data', client.onData);
    socket.on('error', client.onGone);
    socket.on('close', client.onGone);
    socket.on('end', client.onGone);
    socket.resume();
  }

  /**
   * The load is done: every held connection continues through a worker. A socket that was read
   * cannot move to another thread (Node transfers only untouched sockets), so each one is relayed
   * by this thread, for its lifetime, to a fresh loopback connection to `port` that the acceptor
   * hands to a worker like any other: first its AUTH and SELECT (their +OK replies are dropped),
   * then the bytes of a request it had not finished, then everything both ways.
   */
  release(port: number): void {
    for (const client of [...this.held]) {
      const { socket } = client;
      socket.pause();
      socket.off('data', client.onData);
      socket.off('error', client.onGone);
      socket.off('close', client.onGone);
      socket.off('end', client.onGone);
      this.held.delete(client);
      if (socket.destroyed) continue;
      let setup = '';
      let swallow = 0;
      if (this.config.requirepass !== '' && client.authenticated) {
        setup += `*2\r\n$4\r\nAUTH\r\n${bulk(this.config.requirepass)}`;
        swallow += 5;
      }
      if (client.db !== 0) {
        setup += `*2\r\n$6\r\nSELECT\r\n${bulk(String(client.db))}`;
        swallow += 5;
      }
      const relay = net.connect({ port, host: this.relayHost(socket), noDelay: true });
      this.relayed.add(socket);
      socket.once('close', () => this.relayed.delete(socket));
      const closeBoth = (): void => {
        socket.destroy();
        relay.destroy();
      };
      socket.on('error', closeBoth);
      relay.on('error', closeBoth);
      socket.on('close', () => relay.destroy());
      relay.on('close', () => socket.destroy());
      relay.write(setup);
      if (client.tail.length > 0) relay.write(client.tail);
      const onSetupReply = (chunk: Buffer): void => {
        if (swallow > chunk.length) {
          swallow -= chunk.length;
          return;
        }
        relay.off('data', onSetupReply);
        relay.pause();
        if (chunk.length > swallow) socket.write(chunk.subarray(swallow));
        swallow = 0;
        relay.pipe(socket);
        socket.pipe(relay);
      };
      if (swallow > 0) relay.on('data', onSetupReply);
      else {
        relay.pipe(socket);
        socket.pipe(relay);
      }
    }
  }

  /**
   * Where the relay connects: the loopback address when the server listens there (protected mode
   * trusts it), else the address this client reached, which the server listens on.
   */
  private relayHost(socket: Socket): string {
    const bind = this.config.bind;
    const loopback = bind.length === 0 || bind.some((b) => ['*', '-*', '127.0.0.1', '-127.0.0.1'].includes(b));
    if (loopback) return '127.0.0.1';
    return (socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
  }

  /** Shutdown: the listener closes only once the connections it accepted are gone, relayed ones too. */
  closeAll(): void {
    for (const client of this.held) client.socket.destroy();
    this.held.clear();
    for (const socket of this.relayed) socket.destroy();
    this.relayed.clear();
  }

  private onData(client: HeldClient, chunk: Buffer): void {
    const parser = client.parser;
    parser.feed(chunk);
    client.tail = client.tail.length === 0 ? chunk : Buffer.concat([client.tail, chunk]);
    let replies = '';
    let quit = false;
    try {
      for (let argv = parser.next(); argv !== null; argv = parser.next()) {
        if (argv.length === 0) continue;
        const reply = this.answer(client, argv);
        if (reply === null) {
          replies += '+OK\r\n';
          quit = true;
          break;
        }
        replies += reply;
      }
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      client.socket.end(`${replies}-${err.message}\r\n`);
      return;
    }
    const incomplete = parser.incompleteCommandBytes();
    client.tail = incomplete === 0 ? Buffer.alloc(0) : client.tail.subarray(client.tail.length - incomplete);
    if (quit) client.socket.end(replies);
    else if (replies.length > 0) client.socket.write(replies);
  }

  /** The reply to one request (null: QUIT). */
  private answer(client: HeldClient, argv: string[]): string | null {
    const name = argv[0]!.toLowerCase();
    if (name === 'quit') return null;
    if (name === 'auth') {
      const password = argv[argv.length - 1]!;
      if (this.config.requirepass === '' ) return '-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n';
      if (argv.length > 3 || (argv.length === 3 && argv[1] !== 'default') || password !== this.config.requirepass) {
        return '-WRONGPASS invalid username-password pair or user is disabled.\r\n';
      }
      client.authenticated = true;
      return '+OK\r\n';
    }
    if (!client.authenticated) return '-NOAUTH Authentication required.\r\n';
    switch (name) {
      case 'select': {
        if (argv.length !== 2) return "-ERR wrong number of arguments for 'select' command\r\n";
        const index = /^-?\d+$/.test(argv[1]!) ? Number(argv[1]) : Number.NaN;
        if (!Number.isInteger(index)) return '-ERR value is not an integer or out of range\r\n';
        if (index < 0 || index >= this.config.databases) return '-ERR DB index is out of range\r\n';
        client.db = index;
        return '+OK\r\n';
      }
      case 'info':
        return bulk(this.info(argv.slice(1).map((s) => s.toLowerCase())));
      case 'debug':
        if (argv.length >= 3 && argv[1]!.toLowerCase() === 'log') {
          console.log(`${process.pid}:M DEBUG LOG: ${argv[2]}`);
          return '+OK\r\n';
        }
        return LOADING_ERROR;
      default:
        return LOADING_ERROR;
    }
  }

  /** INFO while loading: the server, clients and persistence sections (the workers cannot answer yet). */
  private info(sections: string[]): string {
    const want = (name: string): boolean => sections.length === 0 || sections.some((s) => s === name || s === 'all' || s === 'everything' || s === 'default');
    const now = Date.now();
    const loadedBytes = this.bytesRead.length > 0 ? Math.min(...this.bytesRead) : 0;
    const perc = this.totalBytes > 0 ? (loadedBytes * 100) / this.totalBytes : 0;
    const elapsed = (now - this.startedAt) / 1000;
    const eta = loadedBytes > 0 ? Math.round(((this.totalBytes - loadedBytes) * elapsed) / loadedBytes) : 1;
    const parts: string[] = [];
    if (want('server')) {
      parts.push([
        '# Server', 'redis_version:7.0.15', 'redis_mode:standalone', `process_id:${process.pid}`, `tcp_port:${this.config.port}`,
        `uptime_in_seconds:${Math.floor(elapsed)}`, `executable:${process.argv[1] ?? ''}`, `config_file:${this.config.configFile ?? ''}`,
      ].join('\r\n'));
    }
    if (want('clients')) {
      parts.push(['# Clients', `connected_clients:${this.held.size}`, `maxclients:${this.config.maxclients}`, 'blocked_clients:0'].join('\r\n'));
    }
    if (want('persistence')) {
      parts.push([
        '# Persistence', 'loading:1', 'async_loading:0', 'rdb_bgsave_in_progress:0', 'rdb_last_bgsave_status:ok',
        `aof_enabled:${this.config.appendonly ? 1 : 0}`, 'aof_rewrite_in_progress:0',
        `loading_start_time:${Math.floor(this.startedAt / 1000)}`, `loading_total_bytes:${this.totalBytes}`,
        `loading_rdb_used_mem:0`, `loading_loaded_bytes:${loadedBytes}`, `loading_loaded_perc:${perc.toFixed(2)}`,
        `loading_eta_seconds:${eta}`,
      ].join('\r\n'));
    }
    return parts.join('\r\n\r\n') + '\r\n';
  }
}
