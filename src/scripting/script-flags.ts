// Script flags (Redis's scripts_flags_def): from EVAL's "#!lua flags=..." shebang or a function's
// flags table. A script without a shebang runs in compatibility mode (flags do not apply).
import type { ServerConfig } from '../config/server-config.ts';
import { splitArgsString } from '../resp/split-args.ts';
import type { Session } from '../shard/session.ts';
import { replicationRefuses } from '../commands/replication.ts';
import { CommandFlag, type CommandSpec } from '../commands/table.ts';
import { MISCONF_ERROR, writesDeniedByDiskError } from '../persistence/persistence-state.ts';

export const SCRIPT_FLAG_NAMES = ['no-writes', 'allow-oom', 'allow-stale', 'no-cluster', 'allow-cross-slot-keys'] as const;

export interface ScriptFlags {
  /** No shebang: Redis 6 behaviour, flags ignored. */
  compat: boolean;
  names: Set<string>;
}

export const COMPAT_FLAGS: ScriptFlags = { compat: true, names: new Set() };

/** Parses a body's shebang: flags and the length of the shebang line (cut before compiling), or an error message. */
export function parseShebang(body: string): { flags: ScriptFlags; shebangLength: number } | string {
  if (!body.startsWith('#!')) return { flags: COMPAT_FLAGS, shebangLength: 0 };
  const end = body.indexOf('\n');
  if (end < 0) return 'Invalid script shebang';
  const parts = splitArgsString(body.slice(0, end));
  if (parts === null || parts.length === 0) return 'Invalid engine in script shebang';
  if (parts[0] !== '#!lua') return `Unexpected engine in script shebang: ${parts[0]}`;
  const names = new Set<string>();
  for (let j = 1; j < parts.length; j++) {
    const part = parts[j]!;
    if (!part.startsWith('flags=')) return `Unknown lua shebang option: ${part}`;
    const list = part.slice(6);
    if (list.length === 0) continue;
    for (const flag of list.split(',')) {
      if (!(SCRIPT_FLAG_NAMES as readonly string[]).includes(flag)) return `Unexpected flag in script shebang: ${flag}`;
      names.add(flag);
    }
  }
  return { flags: { compat: false, names }, shebangLength: end };
}

/** Memory above maxmemory when a script starts (Redis's pre_command_oom_state), from the heap in use. */
export function overMaxmemory(config: ServerConfig): boolean {
  if (config.maxmemory <= 0) return false;
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.external > config.maxmemory;
}

/** What the replication state says about writes (a read-only replica, too few good replicas). */
export interface ReplicationChecks {
  readOnlyReplica: boolean;
  refusesWrites: boolean;
  /** The last background save failed and stop-writes-on-bgsave-error holds (MISCONF for a script that may write). */
  diskError?: boolean;
}

/**
 * Redis's scriptPrepareForRun checks for flagged scripts: the error to answer, or null. `ro` is a
 * *_RO command.
 */
export function checkScriptFlags(flags: ScriptFlags, ro: boolean, config: ServerConfig, replication: ReplicationChecks): string | null {
  if (flags.compat) return null;
  const noWrites = flags.names.has('no-writes');
  if (!noWrites) {
    if (replication.readOnlyReplica) return 'READONLY Can not run script with write flag on readonly replica';
    if (ro) return 'ERR Can not execute a script with write flag using *_ro command.';
    if (replication.refusesWrites) return 'NOREPLICAS Not enough good replicas to write.';
    if (replication.diskError === true) return MISCONF_ERROR;
  }
  if (!noWrites && !flags.names.has('allow-oom') && overMaxmemory(config)) {
    return "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'";
  }
  return null;
}

/** The replication checks for the client of a session (the primary's own link is never refused). */
export function replicationChecks(session: Session): ReplicationChecks {
  // Asked as for a write command without the stale flag: READONLY on a read-only replica, NOREPLICAS
  // on a primary short of good replicas.
  const refusal = replicationRefuses(session.shard, session.conn, WRITE_PROBE);
  return {
    readOnlyReplica: refusal !== null && refusal.startsWith('READONLY'),
    refusesWrites: refusal !== null && refusal.startsWith('NOREPLICAS'),
    diskError: !session.shard.persistence.lastBgsaveOk &&
      writesDeniedByDiskError(session.shard.persistence, session.shard.config.stopWritesOnBgsaveError, session.shard.config.save.length),
  };
}

const WRITE_PROBE = { flags: CommandFlag.WRITE | CommandFlag.STALE } as CommandSpec;
