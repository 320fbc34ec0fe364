import type { Connection } from './connection.ts';
import type { CommandSpec } from '../commands/table.ts';
import type { SessionCommand } from './session.ts';
import { CommandFlag } from '../commands/flags.ts';
import { scriptCache } from '../scripting/script-cache.ts';
import { functionLibraries } from '../scripting/function-libraries.ts';

const MAY_REPLICATE = CommandFlag.WRITE | CommandFlag.MAY_REPLICATE;

/** A script or function flagged no-writes (Redis runs those during CLIENT PAUSE WRITE). */
function isNoWritesScript(spec: CommandSpec, argv: readonly string[]): boolean {
  switch (spec.name) {
    case 'eval': {
      const body = argv[1]!;
      if (!body.startsWith('#!')) return false;
      const eol = body.indexOf('\n');
      const flags = /\sflags=([^\s]*)/.exec(eol < 0 ? body : body.slice(0, eol));
      return flags !== null && flags[1]!.split(',').includes('no-writes');
    }
    case 'evalsha':
      return scriptCache.get(argv[1]!)?.flags.names.has('no-writes') ?? false;
    case 'fcall':
      return functionLibraries.functions.get(argv[1]!)?.flags.names.has('no-writes') ?? false;
    default:
      return false;
  }
}

/** Whether a command is one CLIENT PAUSE WRITE holds: it writes or may replicate (Redis's is_may_replicate_command, EXEC by what it queued). */
export function holdsDuringWritePause(spec: CommandSpec, argv: readonly string[], conn: Connection): boolean {
  if (spec.name === 'exec') {
    return conn.multi !== null && conn.multi.queue.some((queued) => (queued.spec.flags & MAY_REPLICATE) !== 0 && !isNoWritesScript(queued.spec, queued.argv));
  }
  return (spec.flags & MAY_REPLICATE) !== 0 && !isNoWritesScript(spec, argv);
}

/**
 * Commands held by CLIENT PAUSE WRITE on one worker, in arrival order (Redis's BLOCKED_POSTPONE
 * clients). The connection reads nothing more until its held command has run; all run, in order,
 * when the pause ends.
 */
export class PostponedCommands {
  private held: Array<{ conn: Connection; argv: string[] }> = [];

  /** Held clients (INFO blocked_clients counts them, as Redis does). */
  get size(): number {
    return this.held.length;
  }

  /** Holds the command when it must wait for the pause to end; true if it did. */
  postpone(conn: Connection, spec: CommandSpec, argv: string[], session: SessionCommand | undefined): boolean {
    // Queued inside MULTI: only EXEC waits. The primary's stream and the AOF replay never wait.
    if ((conn.multi !== null && session?.transactionControl !== true) || conn.client.isMaster) return false;
    if (!holdsDuringWritePause(spec, argv, conn)) return false;
    conn.barrier = true;
    this.held.push({ conn, argv });
    return true;
  }

  /** The pause ended: runs the held commands in order, then whatever their clients sent meanwhile. */
  release(dispatch: (conn: Connection, argv: string[]) => void, ready: (conn: Connection) => void): void {
    const held = this.held;
    this.held = [];
    for (const { conn, argv } of held) {
      if (conn.closed) continue;
      conn.barrier = false;
      dispatch(conn, argv);
      if (!conn.barrier && !conn.closed) conn.processInput();
      ready(conn);
    }
  }

  connectionClosed(conn: Connection): void {
    if (this.held.length > 0) this.held = this.held.filter((entry) => entry.conn !== conn);
  }
}
