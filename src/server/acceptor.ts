import net from 'node:net';
import { getSystemErrorMessage } from 'node:util';
import type { ServerConfig } from '../config/server-config.ts';
import type { Supervisor } from './supervisor.ts';
import { LoadingClients } from '../persistence/rdb-loading-clients.ts';

const PROTECTED_MODE_ERROR =
  '-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. ' +
  'In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you ' +
  'may adopt one of the following solutions: 1) Just disable protected mode sending the command \'CONFIG SET protected-mode no\' from the ' +
  'loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible ' +
  'from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by ' +
  'editing the Redis configuration file, and setting the protected mode option to \'no\', and then restarting the server. 3) If you started ' +
  'the server manually just for testing, restart it with the \'--protected-mode no\' option. 4) Set up an authentication password for the ' +
  'default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n';

function isLoopback(address: string | undefined): boolean {
  return address === undefined || address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.');
}

/**
 * Answers an error and closes. The socket is still paused (pauseOnConnect), so waiting for the
 * client's close would never end: destroy it once the error is written.
 */
function refuse(socket: net.Socket, error: string): void {
  socket.on('error', () => socket.destroy());
  socket.write(error, () => socket.destroy());
}

/**
 * The listening side of the main thread: accepts paused sockets, applies maxclients and protected
 * mode, and hands each socket to a shard worker, which then owns it end to end.
 */
export class Acceptor {
  private readonly servers: net.Server[] = [];
  private readonly config: ServerConfig;
  private readonly supervisor: Supervisor;
  /** Connections accepted before the data is loaded, handed over by open(); null once open. */
  private waiting: net.Socket[] | null = [];
  /** Those connections meanwhile: answered -LOADING (and INFO, SELECT ...) by the main thread. */
  private readonly loading: LoadingClients;

  constructor(config: ServerConfig, supervisor: Supervisor) {
    this.config = config;
    this.supervisor = supervisor;
    this.loading = new LoadingClients(config, supervisor.workers);
  }

  async listen(): Promise<void> {
    this.servers.push(...(await this.listenOn(this.config.port)));
  }

  /**
   * CONFIG SET port: listens on the new port on every bind address, then stops listening on the old
   * one. Returns null, or Redis's reason (strerror) when the new port cannot be bound: nothing
   * changes then, and the caller rolls the configuration back.
   */
  async rebind(port: number): Promise<string | null> {
    let fresh: net.Server[];
    try {
      fresh = await this.listenOn(port);
    } catch (err) {
      const errno = (err as NodeJS.ErrnoException).errno;
      const reason = typeof errno === 'number' ? getSystemErrorMessage(errno) : String(err);
      return reason.charAt(0).toUpperCase() + reason.slice(1);
    }
    const old = this.servers.splice(0, this.servers.length, ...fresh);
    for (const server of old) server.close();
    return null;
  }

  /** One listening server per bind address; on a failure, those already listening are closed. */
  private async listenOn(port: number): Promise<net.Server[]> {
    const servers: net.Server[] = [];
    const binds = this.config.bind.length > 0 ? this.config.bind : ['*'];
    for (const raw of binds) {
      const optional = raw.startsWith('-');
      const address = optional ? raw.slice(1) : raw;
      const host = address === '*' ? '0.0.0.0' : address === '::*' ? '::' : address;
      const server = net.createServer({ pauseOnConnect: true, noDelay: true }, (socket) => {
        if (this.waiting === null) this.accept(socket);
        else if (this.loading.slowLoad) this.loading.hold(socket);
        else {
          // An error while it waits must not reach the process's uncaught handler.
          socket.on('error', () => socket.destroy());
          this.waiting.push(socket);
        }
      });
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen({ port, host, backlog: this.config.tcpBacklog, ipv6Only: host.includes(':') }, () => {
            server.off('error', reject);
            resolve();
          });
        });
        servers.push(server);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (optional && (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT')) continue;
        for (const opened of servers) opened.close();
        throw err;
      }
    }
    return servers;
  }

  /** The data is loaded: connections are handed to the workers from now on, the waiting ones first. */
  open(): void {
    const waiting = this.waiting ?? [];
    this.waiting = null;
    for (const socket of waiting) if (!socket.destroyed) this.accept(socket);
    this.loading.release(this.port);
  }

  get port(): number {
    const address = this.servers[0]?.address();
    return typeof address === 'object' && address !== null ? address.port : this.config.port;
  }

  private accept(socket: net.Socket): void {
    const config = this.config;
    if (this.supervisor.stats.totalClients() >= config.maxclients) {
      refuse(socket, '-ERR max number of clients reached\r\n');
      return;
    }
    if (config.protectedMode && config.requirepass === '' && config.bind.length === 0 && !isLoopback(socket.remoteAddress)) {
      refuse(socket, PROTECTED_MODE_ERROR);
      return;
    }
    if (config.tcpKeepalive > 0) socket.setKeepAlive(true, config.tcpKeepalive * 1000);
    this.supervisor.handOver(socket);
  }

  close(): Promise<void> {
    this.loading.closeAll();
    return Promise.all(this.servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve())))).then(() => undefined);
  }
}
