import type { ServerConfig } from '../config/server-config.ts';
import { Supervisor } from './supervisor.ts';
import { Acceptor } from './acceptor.ts';
import { LogThread } from '../log/log-thread-client.ts';

function log(level: string, message: string): void {
  const now = new Date();
  const stamp = `${now.getDate().toString().padStart(2, '0')} ${now.toLocaleString('en', { month: 'short' })} ${now.getFullYear()} ${now.toTimeString().slice(0, 8)}.${now.getMilliseconds().toString().padStart(3, '0')}`;
  console.log(`${process.pid}:M ${stamp} ${level} ${message}`);
}

/** Starts the workers and the listener, and shuts down on SIGTERM/SIGINT or SHUTDOWN. */
export async function runServer(config: ServerConfig): Promise<void> {
  log('*', `shoal starting (Redis 7.0.15 compatible), ${config.threads} shard workers`);
  log('*', ` PID: ${process.pid}`);
  const supervisor = new Supervisor(config);
  await supervisor.ready();
  // The log thread merges the workers' write effects into one stream; today it feeds the AOF.
  let logThread: LogThread | null = null;
  if (config.appendonly) {
    logThread = await LogThread.start({
      effectRings: supervisor.effectRings, sequence: supervisor.sequence, logControl: supervisor.logControl, configArgs: config.toArgs(),
    });
    supervisor.onConfigSet = (pairs) => logThread?.configSet(pairs);
    log('*', `Log thread started${logThread.aofPath ? `, appending to ${logThread.aofPath}` : ''}`);
  }
  const acceptor = new Acceptor(config, supervisor);
  try {
    await acceptor.listen();
  } catch (err) {
    log('#', `Failed listening on port ${config.port} (tcp), aborting: ${(err as Error).message}`);
    await supervisor.stop();
    process.exit(1);
  }
  log('*', `Server initialized, listening on port ${acceptor.port}`);
  log('*', 'Ready to accept connections tcp');

  let stopping = false;
  const shutdown = async (why: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('#', `${why}: shutting down`);
    await acceptor.close();
    await supervisor.stop();
    // After the workers: the log thread writes what they left in the rings, then fsyncs and closes.
    if (logThread !== null) await logThread.stop();
    log('#', 'shoal is now ready to exit, bye bye...');
    process.exit(0);
  };
  supervisor.onShutdownRequest = () => void shutdown('User requested shutdown');
  process.on('SIGTERM', () => void shutdown('Received SIGTERM'));
  process.on('SIGINT', () => void shutdown('Received SIGINT'));
}
