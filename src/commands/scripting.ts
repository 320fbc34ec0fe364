import { scriptCache, type CachedScript } from '../scripting/script-cache.ts';
import { ScriptRun } from '../scripting/script-run.ts';
import { checkScriptFlags, replicationChecks } from '../scripting/script-flags.ts';
import { busyScript } from '../scripting/busy-script.ts';
import { setCommandLookup } from '../scripting/lua-engine.ts';
import { guarded } from '../scripting/guard.ts';
import { lookupCommand } from './table.ts';
import type { Session, SessionFamily } from '../shard/session.ts';

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT. Scripts run on the client's worker with every
 * worker locked (scripting/script-run.ts); the script cache is the same on every worker.
 */

setCommandLookup((name) => lookupCommand(name, [name]) !== undefined);

const NOSCRIPT = 'NOSCRIPT No matching script. Please use EVAL.';

/** numkeys of EVAL/FCALL: the count, or the error to answer. */
export function parseNumKeys(argv: string[], notInteger: string): number | string {
  const text = argv[2]!;
  if (!/^-?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) return notInteger;
  const numkeys = Number(text);
  if (numkeys > argv.length - 3) return "ERR Number of keys can't be greater than number of args";
  if (numkeys < 0) return "ERR Number of keys can't be negative";
  return numkeys;
}

/** Sends a command to every other worker and waits for all (cache and library changes). */
export async function everyOtherWorker(session: Session, argv: string[]): Promise<Buffer[]> {
  const { shard } = session;
  const replies: Array<Promise<Buffer>> = [];
  for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) replies.push(shard.request(w, argv, 0, 2, session.txId));
  return Promise.all(replies);
}

function evalGeneric(session: Session, argv: string[], evalsha: boolean, ro: boolean): void | Promise<void> {
  const { out, shard } = session;
  // EVAL is flagged skip-monitor: as Redis, it feeds monitors itself, before the commands it runs.
  if (shard.monitorsAnywhere > 0) shard.feedMonitors(session.conn, argv);
  const numkeys = parseNumKeys(argv, 'ERR value is not an integer or out of range');
  if (typeof numkeys === 'string') {
    out.error(numkeys);
    return;
  }
  let script: CachedScript | undefined;
  let announce = false;
  if (evalsha) {
    script = argv[1]!.length === 40 ? scriptCache.get(argv[1]!) : undefined;
    if (script === undefined) {
      out.error(NOSCRIPT);
      return;
    }
  } else {
    const created = scriptCache.create(argv[1]!);
    if ('error' in created) {
      out.error(created.error);
      return;
    }
    script = created.script;
    announce = created.created && shard.workerCount > 1;
  }
  const flagError = checkScriptFlags(script.flags, ro, shard.config, replicationChecks(session));
  if (flagError !== null) {
    out.error(flagError);
    return;
  }
  const readOnly = ro || (!script.flags.compat && script.flags.names.has('no-writes'));
  const allowOom = !script.flags.compat && script.flags.names.has('allow-oom');
  const run = new ScriptRun(session, {
    engine: scriptCache.engine, ref: script.ref, evalMode: true, name: script.sha,
    keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys), readOnly, allowOom, argv, hint: script.hint,
  });
  if (announce) {
    // Other workers cache it too (EVALSHA from any connection finds it); they get it before the lock.
    for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) shard.send(w, ['@script-load', argv[1]!], 0, 2, null, session.txId);
  }
  // Scripts that only read this worker's keys finish here, without locks.
  if (run.tryWithoutLocks()) return;
  return run.run();
}

async function scriptLoad(session: Session, body: string): Promise<void> {
  const created = scriptCache.create(body);
  if ('error' in created) {
    session.out.error(created.error);
    return;
  }
  await everyOtherWorker(session, ['@script-load', body]);
  session.out.bulk(created.script.sha);
}

async function scriptKill(session: Session, evalKill: boolean): Promise<void> {
  const busy = busyScript();
  if (busy === null) {
    session.out.error('NOTBUSY No scripts in execution right now.');
    return;
  }
  session.out.raw(await session.shard.request(busy.worker, ['@script-kill', evalKill ? 'eval' : 'function'], 0, 2, busy.txId));
}

const SCRIPT_HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'DEBUG (YES|SYNC|NO)',
  '    Set the debug mode for subsequent scripts executed.',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

function scriptCommand(session: Session, argv: string[]): void | Promise<void> {
  const { out } = session;
  const sub = argv[1]!.toLowerCase();
  if (sub === 'help' && argv.length === 2) {
    out.array(SCRIPT_HELP.length);
    for (const line of SCRIPT_HELP) out.simple(line);
    return;
  }
  if (sub === 'flush') {
    const mode = argv[2]?.toLowerCase();
    if (argv.length > 3 || (argv.length === 3 && mode !== 'sync' && mode !== 'async')) {
      out.error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      return;
    }
    scriptCache.flush();
    return everyOtherWorker(session, ['@script-flush']).then(() => out.simple('OK'));
  }
  if (sub === 'exists' && argv.length >= 3) {
    out.array(argv.length - 2);
    for (let j = 2; j < argv.length; j++) out.integer(scriptCache.get(argv[j]!) !== undefined ? 1 : 0);
    return;
  }
  if (sub === 'load' && argv.length === 3) return scriptLoad(session, argv[2]!);
  if (sub === 'kill' && argv.length === 2) return scriptKill(session, true);
  if (sub === 'debug' && argv.length === 3) {
    const mode = argv[2]!.toLowerCase();
    if (mode === 'no') out.simple('OK');
    else if (mode === 'yes' || mode === 'sync') out.error('ERR SCRIPT DEBUG (the Lua debugger) is not supported by this server');
    else out.error('ERR Use SCRIPT DEBUG YES/SYNC/NO');
    return;
  }
  out.error(`ERR unknown subcommand or wrong number of arguments for '${argv[1]}'. Try SCRIPT HELP.`);
}

export const scriptingCommands: SessionFamily = {
  // allWorkers: inside EXEC a script locks every worker, as it does alone.
  eval: { allWorkers: true, handler: guarded((session, argv) => evalGeneric(session, argv, false, false)) },
  evalsha: { allWorkers: true, handler: guarded((session, argv) => evalGeneric(session, argv, true, false)) },
  eval_ro: { allWorkers: true, handler: guarded((session, argv) => evalGeneric(session, argv, false, true)) },
  evalsha_ro: { allWorkers: true, handler: guarded((session, argv) => evalGeneric(session, argv, true, true)) },
  script: { handler: guarded(scriptCommand) },
};

export { scriptKill };
