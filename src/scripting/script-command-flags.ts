// The command flags EVAL/EVALSHA/FCALL (and their _RO forms) really have, from the script's flags
// (Redis's evalGetCommandFlags / fcallGetCommandFlags): a flagged script without no-writes is a
// write (and deny-oom without allow-oom), one with no-writes is not; scripts without a shebang keep
// the command table's flags. For CLIENT PAUSE WRITE, OOM and replica checks made before a command runs.
import { CommandFlag, type CommandSpec } from '../commands/table.ts';
import { scriptCache } from './script-cache.ts';
import { functionLibraries } from './function-libraries.ts';
import { parseShebang, type ScriptFlags } from './script-flags.ts';
import { sha1hex } from './lua-engine.ts';

function flagsToCommandFlags(commandFlags: number, script: ScriptFlags): number {
  if (script.compat) return commandFlags;
  let flags = commandFlags & ~(CommandFlag.STALE | CommandFlag.DENYOOM | CommandFlag.WRITE);
  const noWrites = script.names.has('no-writes');
  if (!noWrites && !script.names.has('allow-oom')) flags |= CommandFlag.DENYOOM;
  if (!noWrites) flags |= CommandFlag.WRITE;
  if (script.names.has('allow-stale')) flags |= CommandFlag.STALE;
  return flags & ~CommandFlag.MAY_REPLICATE;
}

/** The effective flags of a script command (other commands: the table's flags). */
export function scriptCommandFlags(spec: CommandSpec, argv: readonly string[]): number {
  switch (spec.name) {
    case 'eval':
    case 'eval_ro': {
      const cached = scriptCache.get(sha1hex(argv[1]!));
      if (cached !== undefined) return flagsToCommandFlags(spec.flags, cached.flags);
      const parsed = parseShebang(argv[1]!);
      return typeof parsed === 'string' ? spec.flags : flagsToCommandFlags(spec.flags, parsed.flags);
    }
    case 'evalsha':
    case 'evalsha_ro': {
      const cached = argv[1]!.length === 40 ? scriptCache.get(argv[1]!) : undefined;
      return cached === undefined ? spec.flags : flagsToCommandFlags(spec.flags, cached.flags);
    }
    case 'fcall':
    case 'fcall_ro': {
      const fn = functionLibraries.functions.get(argv[1]!.toLowerCase());
      return fn === undefined ? spec.flags : flagsToCommandFlags(spec.flags, fn.flags);
    }
    default:
      return spec.flags;
  }
}
