import { functionLibraries, type LibraryInfo } from '../scripting/function-libraries.ts';
import { ScriptRun } from '../scripting/script-run.ts';
import { checkScriptFlags, replicationChecks, SCRIPT_FLAG_NAMES } from '../scripting/script-flags.ts';
import { busyScript } from '../scripting/busy-script.ts';
import { globMatch } from './glob.ts';
import { BUSY_SCRIPT } from '../resp/errors.ts';
import { parseNumKeys, everyOtherWorker, scriptKill } from './scripting.ts';
import type { Session, SessionFamily } from '../shard/session.ts';
import { guarded } from '../scripting/guard.ts';

/**
 * Redis 7 functions: FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS/KILL/HELP and FCALL,
 * FCALL_RO. Libraries are kept the same on every worker: a change is made here first (its error,
 * if any, is answered from here), then on every other worker; it is propagated as its command.
 */

function functionLoad(session: Session, argv: string[]): void | Promise<void> {
  const { out, shard } = session;
  let replace = false;
  let pos = 2;
  while (pos < argv.length - 1) {
    const option = argv[pos++]!;
    if (option.toLowerCase() === 'replace') {
      replace = true;
      continue;
    }
    out.error(`ERR Unknown option given: ${option}`);
    return;
  }
  if (pos >= argv.length) {
    out.error('ERR Function code is missing');
    return;
  }
  const code = argv[pos]!;
  const result = functionLibraries.load(code, replace);
  if (typeof result === 'string') {
    out.error(`ERR ${result}`);
    return;
  }
  shard.emitEffect(session.conn.client.dbIndex, argv);
  return everyOtherWorker(session, ['@function-load', replace ? 'replace' : '', code]).then(() => out.bulk(result.name));
}

function writeLibrary(session: Session, library: LibraryInfo, withCode: boolean): void {
  const { out } = session;
  out.map(withCode ? 4 : 3);
  out.bulk('library_name');
  out.bulk(library.name);
  out.bulk('engine');
  out.bulk(library.engine);
  out.bulk('functions');
  out.array(library.functions.size);
  for (const f of library.functions.values()) {
    out.map(3);
    out.bulk('name');
    out.bulk(f.name);
    out.bulk('description');
    if (f.description === null) out.nil();
    else out.bulk(f.description);
    out.bulk('flags');
    const flags = SCRIPT_FLAG_NAMES.filter((name) => f.flags.names.has(name));
    out.set(flags.length);
    for (const flag of flags) out.simple(flag);
  }
  if (withCode) {
    out.bulk('library_code');
    out.bulk(library.code);
  }
}

function functionList(session: Session, argv: string[]): void {
  const { out } = session;
  let withCode = false;
  let pattern: string | null = null;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i]!.toLowerCase();
    if (!withCode && arg === 'withcode') {
      withCode = true;
      continue;
    }
    if (pattern === null && arg === 'libraryname') {
      if (i >= argv.length - 1) {
        out.error('ERR library name argument was not given');
        return;
      }
      pattern = argv[++i]!;
      continue;
    }
    out.error(`ERR Unknown argument ${argv[i]}`);
    return;
  }
  const libraries = [...functionLibraries.libraries.values()].filter((l) => pattern === null || globMatch(pattern, l.name));
  out.array(libraries.length);
  for (const library of libraries) writeLibrary(session, library, withCode);
}

function functionStats(session: Session): void {
  const { out } = session;
  const busy = busyScript();
  if (busy !== null && busy.evalMode) {
    out.error(BUSY_SCRIPT);
    return;
  }
  out.map(2);
  out.bulk('running_script');
  if (busy === null) out.nil();
  else {
    out.map(3);
    out.bulk('name');
    out.bulk(busy.name);
    out.bulk('command');
    out.array(busy.argv.length);
    for (const arg of busy.argv) out.bulk(arg);
    out.bulk('duration_ms');
    out.integer(Date.now() - busy.startedAt);
  }
  out.bulk('engines');
  out.map(1);
  out.bulk('LUA');
  out.map(2);
  const counts = functionLibraries.counts();
  out.bulk('libraries_count');
  out.integer(counts.libraries);
  out.bulk('functions_count');
  out.integer(counts.functions);
}

const FUNCTION_HELP = [
  'FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'LOAD [REPLACE] <FUNCTION CODE>',
  '    Create a new library with the given library name and code.',
  'DELETE <LIBRARY NAME>',
  '    Delete the given library.',
  'LIST [LIBRARYNAME PATTERN] [WITHCODE]',
  '    Return general information on all the libraries:',
  '    * Library name',
  '    * The engine used to run the Library',
  '    * Library description',
  '    * Functions list',
  '    * Library code (if WITHCODE is given)',
  '    It also possible to get only function that matches a pattern using LIBRARYNAME argument.',
  'STATS',
  '    Return information about the current function running:',
  '    * Function name',
  '    * Command used to run the function',
  '    * Duration in MS that the function is running',
  '    If no function is running, return nil',
  '    In addition, returns a list of available engines.',
  'KILL',
  '    Kill the current running function.',
  'FLUSH [ASYNC|SYNC]',
  '    Delete all the libraries.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the libraries.',
  '    * SYNC: Synchronously flush the libraries.',
  'DUMP',
  '    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command',
  'RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]',
  '    Restore the libraries represented by the given payload, it is possible to give a restore policy to',
  '    control how to handle existing libraries (default APPEND):',
  '    * FLUSH: delete all existing libraries.',
  '    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.',
  '    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old',
  '      libraries with the new libraries (notice that even on this option there is a chance of failure',
  '      in case of functions name collision with another library).',
  'HELP',
  '    Prints this help.',
];

function functionCommand(session: Session, argv: string[]): void | Promise<void> {
  const { out, shard } = session;
  const sub = argv[1]!.toLowerCase();
  const db = session.conn.client.dbIndex;
  switch (sub) {
    case 'load':
      return functionLoad(session, argv);
    case 'list':
      functionList(session, argv);
      return;
    case 'delete': {
      if (!functionLibraries.delete(argv[2]!)) {
        out.error('ERR Library not found');
        return;
      }
      shard.emitEffect(db, argv);
      return everyOtherWorker(session, ['@function-delete', argv[2]!]).then(() => out.simple('OK'));
    }
    case 'flush': {
      const mode = argv[2]?.toLowerCase();
      if (argv.length > 3) break;
      if (argv.length === 3 && mode !== 'sync' && mode !== 'async') {
        out.error('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
        return;
      }
      functionLibraries.flush();
      shard.emitEffect(db, argv);
      return everyOtherWorker(session, ['@function-flush']).then(() => out.simple('OK'));
    }
    case 'dump':
      out.bulkBuffer(functionLibraries.dump());
      return;
    case 'restore': {
      const policy = (argv[3] ?? 'append').toLowerCase();
      if (argv.length > 4) break;
      if (policy !== 'append' && policy !== 'replace' && policy !== 'flush') {
        out.error('ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.');
        return;
      }
      const error = functionLibraries.restore(argv[2]!, policy);
      if (error !== null) {
        out.error(error);
        return;
      }
      shard.emitEffect(db, argv);
      return everyOtherWorker(session, ['@function-restore', argv[2]!, policy]).then(() => out.simple('OK'));
    }
    case 'stats':
      functionStats(session);
      return;
    case 'kill':
      return scriptKill(session, false);
    case 'help':
      out.array(FUNCTION_HELP.length);
      for (const line of FUNCTION_HELP) out.simple(line);
      return;
  }
  out.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try FUNCTION HELP.`);
}

function fcall(session: Session, argv: string[], ro: boolean): void | Promise<void> {
  const { out, shard } = session;
  // FCALL is flagged skip-monitor: as Redis, it feeds monitors itself, before the commands it runs.
  if (shard.monitorsAnywhere > 0) shard.feedMonitors(session.conn, argv);
  const fn = functionLibraries.functions.get(argv[1]!.toLowerCase());
  if (fn === undefined) {
    out.error('ERR Function not found');
    return;
  }
  const numkeys = parseNumKeys(argv, 'ERR Bad number of keys provided');
  if (typeof numkeys === 'string') {
    out.error(numkeys);
    return;
  }
  const flagError = checkScriptFlags(fn.flags, ro, shard.config, replicationChecks(session));
  if (flagError !== null) {
    out.error(flagError);
    return;
  }
  const run = new ScriptRun(session, {
    engine: functionLibraries.engine, ref: fn.ref, evalMode: false, name: fn.name,
    keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys),
    readOnly: ro || fn.flags.names.has('no-writes'), allowOom: fn.flags.names.has('allow-oom'), argv, hint: fn.hint,
  });
  // Functions that only read this worker's keys finish here, without locks.
  if (run.tryWithoutLocks()) return;
  return run.run();
}

export const functionCommands: SessionFamily = {
  function: { handler: guarded(functionCommand) },
  fcall: { allWorkers: true, handler: guarded((session, argv) => fcall(session, argv, false)) },
  fcall_ro: { allWorkers: true, handler: guarded((session, argv) => fcall(session, argv, true)) },
};
