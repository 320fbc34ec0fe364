// The '@script-*' and '@function-*' operations workers ask of each other (see internal-ops.ts):
// the busy-script state, SCRIPT KILL / FUNCTION KILL reaching the running script, and the script
// cache and function libraries kept the same on every worker.
import type { Request } from '../ipc/frames.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';
import type { Shard } from '../shard/shard.ts';
import { applyBusyState, runningScript } from './script-run.ts';
import { scriptCache } from './script-cache.ts';
import { functionLibraries } from './function-libraries.ts';
import { BUSY_FUNCTION, BUSY_SCRIPT } from '../resp/errors.ts';

type InternalOp = (shard: Shard, request: Request, out: ReplyWriter) => void;

export const SCRIPT_OPS: Record<string, InternalOp> = {
  '@script-tx'(shard, request, out) {
    shard.scriptEffectsTx = Number(request.argv[1]);
    out.simple('OK');
  },
  '@script-busy'(shard, request, out) {
    applyBusyState(shard, request.argv.slice(1));
    out.simple('OK');
  },
  '@script-kill'(_shard, request, out) {
    const evalKill = request.argv[1] === 'eval';
    const run = runningScript();
    if (run === null) out.error('NOTBUSY No scripts in execution right now.');
    else if (run.writeDirty) {
      out.error('UNKILLABLE Sorry the script already executed write commands against the dataset. You can either wait the script termination or kill the server in a hard way using the SHUTDOWN NOSAVE command.');
    } else if (evalKill && !run.evalMode) out.error(BUSY_FUNCTION);
    else if (!evalKill && run.evalMode) out.error(BUSY_SCRIPT);
    else {
      run.killed = true;
      out.simple('OK');
    }
  },
  '@script-load'(_shard, request, out) {
    const result = scriptCache.create(request.argv[1]!);
    if ('error' in result) out.error(result.error);
    else out.bulk(result.script.sha);
  },
  '@script-flush'(_shard, _request, out) {
    scriptCache.flush();
    out.simple('OK');
  },
  '@function-load'(_shard, request, out) {
    const result = functionLibraries.load(request.argv[2]!, request.argv[1] === 'replace', 0);
    if (typeof result === 'string') out.error(`ERR ${result}`);
    else out.bulk(result.name);
  },
  '@function-delete'(_shard, request, out) {
    functionLibraries.delete(request.argv[1]!);
    out.simple('OK');
  },
  '@function-flush'(_shard, _request, out) {
    functionLibraries.flush();
    out.simple('OK');
  },
  '@function-restore'(_shard, request, out) {
    const error = functionLibraries.restore(request.argv[1]!, request.argv[2] as 'append' | 'replace' | 'flush');
    if (error !== null) out.error(error);
    else out.simple('OK');
  },
};
