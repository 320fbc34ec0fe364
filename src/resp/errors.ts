// Shared reply texts, as Redis's shared objects (server.c createSharedObjects) and the common
// addReplyError texts. Errors are given without the leading '-' and without CRLF: pass them to
// ReplyWriter.error(). Texts checked against redis-server 7.0.15.

export const OK = 'OK';
export const PONG = 'PONG';
export const QUEUED = 'QUEUED';

export const WRONGTYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const ERR_SYNTAX = 'ERR syntax error';
export const ERR_NOT_INTEGER = 'ERR value is not an integer or out of range';
export const ERR_NOT_FLOAT = 'ERR value is not a valid float';
export const ERR_OVERFLOW = 'ERR increment or decrement would overflow';
export const ERR_NO_SUCH_KEY = 'ERR no such key';
export const ERR_INDEX_OUT_OF_RANGE = 'ERR index out of range';
export const ERR_DB_INDEX_OUT_OF_RANGE = 'ERR DB index is out of range';
export const ERR_SAME_OBJECT = 'ERR source and destination objects are the same';
export const ERR_GENERIC = 'ERR';
export const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';
export const LOADING = 'LOADING Redis is loading the dataset in memory';
export const BUSY_SCRIPT = 'BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.';
export const BUSY_FUNCTION = 'BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.';
export const MASTERDOWN = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.";
export const MISCONF = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";
export const READONLY = "READONLY You can't write against a read only replica.";
export const NOAUTH = 'NOAUTH Authentication required.';
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
export const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';
export const NOREPLICAS = 'NOREPLICAS Not enough good replicas to write.';
export const BUSYKEY = 'BUSYKEY Target key name already exists.';

/** "ERR invalid expire time in 'set' command"; cmd is the command's lowercase name. */
export function errInvalidExpireTime(cmd: string): string {
  return `ERR invalid expire time in '${cmd}' command`;
}

/** "ERR wrong number of arguments for 'get' command"; cmd is the command's lowercase (full) name. */
export function errWrongArity(cmd: string): string {
  return `ERR wrong number of arguments for '${cmd}' command`;
}

/** "ERR unknown subcommand 'FOO'. Try CONFIG HELP." */
export function errUnknownSubcommand(sub: string, cmd: string): string {
  return sanitize(`ERR unknown subcommand '${sub.slice(0, 128)}'. Try ${cmd.toUpperCase()} HELP.`);
}

/**
 * "ERR unknown command 'FOO', with args beginning with: 'a' 'b' ": the name cut at 128 chars, then
 * quoted arguments while the list is under 128 chars, each cut so the list stops at 128.
 */
export function errUnknownCommand(argv: readonly string[]): string {
  let args = '';
  for (let i = 1; i < argv.length && args.length < 128; i++) {
    args += `'${argv[i].slice(0, 128 - args.length)}' `;
  }
  return sanitize(`ERR unknown command '${argv[0].slice(0, 128)}', with args beginning with: ${args}`);
}

/** Redis replaces CR and LF in error replies with spaces so the reply stays one line. */
export function sanitize(s: string): string {
  return s.replace(/[\r\n]/g, ' ');
}
