// EVAL's script cache of one worker: SHA1 → body and compiled function (in this worker's EVAL
// interpreter). SCRIPT LOAD, SCRIPT FLUSH and new EVAL bodies reach every worker, so that EVALSHA
// finds a script on any connection.
import { LuaEngine, sha1hex } from './lua-engine.ts';
import { parseShebang, type ScriptFlags } from './script-flags.ts';

export interface CachedScript {
  sha: string;
  body: string;
  ref: number;
  flags: ScriptFlags;
  /** Set once a run of it needed every worker's lock (see ScriptRun.tryWithoutLocks). */
  hint: { needsLocks: boolean };
}

export class ScriptCache {
  private engineInstance: LuaEngine | null = null;
  readonly scripts = new Map<string, CachedScript>();
  /** Bytes of the cached bodies (INFO used_memory_scripts_eval). */
  bodyBytes = 0;

  /** Whether the interpreter exists yet (it is created on first use). */
  get engineCreated(): boolean {
    return this.engineInstance !== null;
  }

  get engine(): LuaEngine {
    if (this.engineInstance === null) this.engineInstance = new LuaEngine(false);
    return this.engineInstance;
  }

  get(sha: string): CachedScript | undefined {
    return this.scripts.get(sha.toLowerCase());
  }

  /** Redis's luaCreateFunction: the cached script, or the error to answer. `created` says whether it was new. */
  create(body: string): { script: CachedScript; created: boolean } | { error: string } {
    const sha = sha1hex(body);
    const existing = this.scripts.get(sha);
    if (existing !== undefined) return { script: existing, created: false };
    const shebang = parseShebang(body);
    if (typeof shebang === 'string') return { error: `ERR ${shebang}` };
    const engine = this.engine;
    // The shebang line is cut but its newline kept, so that line numbers stay right.
    const compileError = engine.load(body.slice(shebang.shebangLength), '@user_script');
    if (compileError !== null) return { error: `ERR Error compiling script (new function): ${compileError}` };
    const script: CachedScript = { sha, body, ref: engine.ref(), flags: shebang.flags, hint: { needsLocks: false } };
    this.scripts.set(sha, script);
    this.bodyBytes += body.length;
    return { script, created: true };
  }

  flush(): void {
    this.scripts.clear();
    this.bodyBytes = 0;
    this.engineInstance?.reset();
  }
}

/** This worker's cache (module state is per worker thread). */
export const scriptCache = new ScriptCache();
