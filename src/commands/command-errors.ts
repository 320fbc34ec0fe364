// Error replies redis-server 7.0.15 gives before running a command (processCommand): unknown
// command, unknown subcommand, wrong number of arguments. Strings are without the leading "-".

import type { CommandSpec } from './table.ts';

// redis formats with "%.128s": at most 128 bytes of the argument. Arguments are latin1 strings
// (one character per byte), so characters are bytes.
function truncateBytes(s: string, maxBytes: number): string {
  return s.length <= maxBytes ? s : s.slice(0, maxBytes);
}

// redis replaces CR and LF in error messages by spaces so the reply stays one line.
function oneLine(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}

export function arityError(spec: CommandSpec): string {
  return `ERR wrong number of arguments for '${spec.name}' command`;
}

// Returns the arity error, or undefined when argv's length suits the command.
export function checkArity(spec: CommandSpec, argc: number): string | undefined {
  if ((spec.arity > 0 && spec.arity !== argc) || argc < -spec.arity) return arityError(spec);
  return undefined;
}

// The error for a request whose command (or subcommand) lookup failed. `isContainer` says
// whether argv[0] names a container such as CONFIG, which makes it an unknown subcommand.
export function unknownCommandError(argv: readonly string[], isContainer: boolean): string {
  if (isContainer && argv.length >= 2) {
    return oneLine(`ERR unknown subcommand '${truncateBytes(argv[1], 128)}'. Try ${argv[0].toUpperCase()} HELP.`);
  }
  // redis appends "'arg' " for each argument while the list is under 128 bytes, each one cut to
  // what is left of those 128 bytes.
  let args = '';
  let argsBytes = 0;
  for (let i = 1; i < argv.length && argsBytes < 128; i++) {
    const part = `'${truncateBytes(argv[i], 128 - argsBytes)}' `;
    args += part;
    argsBytes += part.length;
  }
  return oneLine(`ERR unknown command '${truncateBytes(argv[0], 128)}', with args beginning with: ${args}`);
}
