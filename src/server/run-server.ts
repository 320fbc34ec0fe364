import type { ServerConfig } from '../config/server-config.ts';
import { Supervisor } from './supervisor.ts';
import { Acceptor } from './acceptor.ts';
import { LogThread } from '../log/log-thread-client.ts';
import { removeSaveTempFiles } from '../persistence/rdb-snapshot.ts';
import { aofLoadPlan, prepareAofOnStart, replayList } from '../persistence/aof-loader.ts';

function log(level: string, message: string): void {
  const now = new Date();
  const stamp = `${now.getDate().toString().padStart(2, '0')} ${now.toLocaleString('en', { month: 'short' })} ${now.getFullYear()} ${now.toTimeString().slice(0, 8)}.${now.getMilliseconds().toString().padStart(3, '0')}`;
  console.log(`${process.pid}:M ${stamp} ${level} ${message}`);
}

/** Starts the workers and the listener, and shuts down on SIGTERM/SIGINT or SHUTDOWN. */
export async function runServer(config: ServerConfig): Promise<void> {
  log('*', `shoal starting (Redis 7.0.15 compatible), ${config.threads} shard workers`);
  // The AOF directory is checked, upgraded from an old single file or given its first base before
  // the workers read it; a failure is reported (and start-up stopped) after the PID line, where
  // Redis reports it.
  let aofStartError: string | null = null;
  if (config.appendonly) {
    try {
      prepareAofOnStart(config, (message) => log('*', message));
    } catch (err) {
      aofStartError = (err as Error).message;
    }
  }
  const supervisor = new Supervisor(config);
  const logThreadData = {
    effectRings: supervisor.effectRings, sequence: supervisor.sequence, logControl: supervisor.logControl, configArgs: config.toArgs(),
    logPorts: supervisor.logPorts, replState: supervisor.replState,
  };
  // As Redis: the port is bound before the data is loaded, so a client (or a test harness) that
  // connects during a long load waits for its first reply instead of being refused; its socket is
  // handed to a worker once the load is done.
  const acceptor = new Acceptor(config, supervisor);
  try {
    await acceptor.listen();
  } catch (err) {
    log('#', `Failed listening on port ${config.port} (tcp), aborting: ${(err as Error).message}`);
    await supervisor.stop();
    process.exit(1);
  }
  log('*', ` PID: ${process.pid}`);
  log('*', `Server initialized, listening on port ${acceptor.port}`);
  if (aofStartError !== null) {
    log('#', aofStartError);
    await supervisor.stop();
    process.exit(1);
  }
  // Without an AOF the log thread records nothing at start (it reads the sequence when it does): it
  // boots while the workers load. With one it starts after the replay, at the sequence it left.
  const earlyLogThread = config.appendonly ? null : LogThread.start(logThreadData);
  const loadStarted = Date.now();
  const loaded = await supervisor.ready();
  if (loaded >= 0 && !config.appendonly) log('*', `DB loaded from disk: ${((Date.now() - loadStarted) / 1000).toFixed(3)} seconds (${loaded} keys)`);
  const aof = config.appendonly ? aofLoadPlan(config) : null;
  if (aof !== null) {
    try {
      const { files, starts } = replayList(aof);
      const commands = files.length > 0 ? await supervisor.replayAof(files, starts) : 0;
      log('*', `DB loaded from append only file: ${((Date.now() - loadStarted) / 1000).toFixed(3)} seconds (${Math.max(0, loaded)} keys from the base, ${commands} commands replayed)`);
    } catch (err) {
      // The replaying worker's words (Redis's: "Bad file format ..." or "Unexpected end of file ...").
      log('#', (err as Error).message.replace(/^(Error: )+/, ''));
      await supervisor.stop();
      process.exit(1);
    }
  }
  // The log thread merges the workers' write effects into one stream for the AOF and the replicas,
  // and is the link to a primary: it always runs (workers record effects only when it needs them).
  let logThread: LogThread | null = null;
  {
    try {
      logThread = await (earlyLogThread ?? LogThread.start(logThreadData));
    } catch (err) {
      // An AOF the log thread cannot append to (corrupt before its end, or truncated without
      // aof-load-truncated): Redis's message as the log's last line, then exit.
      log('#', (err as Error).message.replace(/^Error: /, ''));
      await supervisor.stop();
      process.exit(1);
    }
    supervisor.onConfigSet = (pairs) => logThread?.configSet(pairs);
    supervisor.onAofFlushSleep = (micros) => logThread?.aofFlushSleep(micros);
    log('*', `Log thread started${logThread.aofPath ? `, appending to ${logThread.aofPath}` : ''}`);
  }
  acceptor.open();
  log('*', 'Ready to accept connections tcp');

  // Save points (save <seconds> <changes>) start a background save (BGSAVE, the server keeps serving)
  // from worker 0's persistence cron: src/persistence/persistence-cron.ts.

  let stopping = false;
  const shutdown = async (why: string, save?: boolean): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log('#', `${why}: shutting down`);
    // As Redis: save on shutdown when save points are configured (or SHUTDOWN SAVE), unless NOSAVE.
    if (save ?? (config.save.length > 0 && !config.appendonly)) {
      log('*', 'Saving the final RDB snapshot before exiting.');
      if (await supervisor.save()) log('*', 'DB saved on disk');
      else if (save === undefined) log('#', 'Error trying to save the DB, exiting anyway.');
    }
    await acceptor.close();
    await supervisor.stop();
    // A background save the workers were writing is dropped with them: its temp file goes.
    removeSaveTempFiles(config);
    // After the workers: the log thread writes what they left in the rings, then fsyncs and closes.
    if (logThread !== null) await logThread.stop();
    log('#', 'shoal is now ready to exit, bye bye...');
    process.exit(0);
  };
  supervisor.onShutdownRequest = (save) => void shutdown('User requested shutdown', save);
  supervisor.onRebindPort = (port) => acceptor.rebind(port);
  process.on('SIGTERM', () => void shutdown('Received SIGTERM'));
  process.on('SIGINT', () => void shutdown('Received SIGINT'));
}
