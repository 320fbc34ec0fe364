import { lua, latin1Of, lit, type LuaState } from './lua-api.ts';
import { pushErrorTable, writeLuaValue, errorTableMessage, writeErrorReply, ignoresErrorStats } from './lua-reply.ts';
import type { LuaEngine, ScriptCallHost } from './lua-engine.ts';
import { setBusyScript } from './busy-script.ts';
import { lookupCommand, checkArity, CommandFlag, type CommandSpec } from '../commands/table.ts';
import { KEYED_HANDLERS, SESSION_COMMANDS } from '../commands/registry.ts';
import { executeInTransaction } from '../shard/cross-shard.ts';
import { replicationRefuses } from '../commands/replication.ts';
import { ClientState } from '../shard/client-state.ts';
import { ReplyWriter, errorReplyCounts } from '../resp/reply-writer.ts';
import { overMaxmemory } from './script-flags.ts';
import { MISCONF_ERROR, writesDeniedByDiskError } from '../persistence/persistence-state.ts';
import type { Session } from '../shard/session.ts';

/** One invocation of a compiled script or function. */
export interface ScriptInvocation {
  engine: LuaEngine;
  /** Registry reference of the compiled function. */
  ref: number;
  /** EVAL (KEYS and ARGV are globals) or FCALL (they are the function's arguments). */
  evalMode: boolean;
  /** The SHA1 (EVAL) or the function name (FCALL): error messages name it. */
  name: string;
  keys: string[];
  args: string[];
  /** No writes allowed: *_RO commands and scripts flagged no-writes. */
  readOnly: boolean;
  allowOom: boolean;
  argv: string[];
  /** Kept with the script: set once a run needed the other workers (writes, remote keys, long runs). */
  hint: { needsLocks: boolean };
}

/** A first attempt without locks gives up after this long (it cannot enter busy mode). */
const UNLOCKED_LIMIT_MS = 50;
/** What redis.call answers in an attempt that was given up (the run's result is thrown away). */
const ABANDONED_REPLY = Buffer.from('$-1\r\n');

/** Instructions between two looks at the clock (kill requests, busy threshold, time slices). */
const HOOK_COUNT = 10000;
/** While busy, the script gives the event loop a turn this often (ms) so that others get -BUSY. */
const SLICE_MS = 10;

type CommandReply = Buffer | null;

const KILLED = 'Script killed by user with SCRIPT KILL...';

/**
 * Runs one script atomically. First without locks (tryWithoutLocks: enough for a script that only
 * reads this worker's keys), else under one transaction that locks every worker (unless the
 * caller's EXEC already holds them): the Lua function runs in a coroutine on this worker, commands
 * for this worker's keys run at once through the executor, others yield the coroutine while they
 * are executed under the transaction on their owners. A count hook watches the clock: past
 * busy-reply-threshold the script enters Redis's timed-out mode (other clients get -BUSY, SCRIPT
 * KILL works) and gives the event loop time slices.
 */
export class ScriptRun implements ScriptCallHost {
  asyncReply: Buffer | null = null;
  resp: 2 | 3 = 2;
  replFlags = 3;
  /** Only a library load registers functions. */
  registerFunction = null;
  killed = false;
  writeDirty = false;
  timedOut = false;
  private readonly session: Session;
  private readonly inv: ScriptInvocation;
  private txId = 0;
  private db: number;
  private pending: { argv: string[]; spec: CommandSpec } | null = null;
  private readonly client: ClientState;
  private readonly scratch = new ReplyWriter(1024);
  private startedAt = Date.now();
  private lastSlice = 0;
  private readonly oomAtStart: boolean;
  /** Running the first attempt, without locks (see tryWithoutLocks). */
  private unlocked = false;
  /** The unlocked attempt needs the locks: its result is thrown away and the script runs again. */
  private abandoned = false;
  /** The coroutine of the current run (for cannotYield's hook). */
  private hookThread: LuaState | null = null;

  constructor(session: Session, inv: ScriptInvocation) {
    this.session = session;
    this.inv = inv;
    this.db = session.conn.client.dbIndex;
    this.client = new ClientState(session.conn.client.id);
    this.client.name = session.conn.client.name;
    this.oomAtStart = overMaxmemory(session.shard.config);
  }

  get evalMode(): boolean {
    return this.inv.evalMode;
  }

  /**
   * Runs the script at once, without locks, on this worker only: nothing else runs meanwhile (no
   * yield), so it is atomic as long as it only reads this worker's keys. The first command that
   * writes, needs another worker or waits, or a run longer than UNLOCKED_LIMIT_MS, gives the attempt
   * up before anything changed: the script is marked to take the locks from now on, and the caller
   * runs it again with run(). Returns true when the script finished (its reply is written).
   */
  tryWithoutLocks(): boolean {
    if (this.session.txId !== 0 || this.inv.hint.needsLocks) return false;
    const engine = this.inv.engine;
    const out = this.session.out;
    this.unlocked = true;
    engine.current = this;
    setRunningScript(this);
    if (this.inv.evalMode) engine.setKeysAndArgs(this.inv.keys, this.inv.args);
    const started = engine.newRun(this.inv.ref, this.inv.evalMode ? [] : [this.inv.keys, this.inv.args]);
    const co = started.co;
    this.hookThread = co;
    try {
      lua.lua_sethook(co, engine.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
      const status = lua.lua_resume(co, null, started.nargs);
      if (this.abandoned || status === lua.LUA_YIELD) return false;
      this.writeOutcome(co, status, out);
      return true;
    } catch (err) {
      // A fault of the engine must not reach the dispatcher synchronously (nothing was written yet).
      console.error('shoal: script failed:', err);
      out.error(`ERR internal error running script ${this.inv.name}: ${err instanceof Error ? err.message : String(err)}`.replace(/[\r\n]/g, ' '));
      this.abandoned = false;
      return true;
    } finally {
      engine.current = null;
      setRunningScript(null);
      engine.release(started.anchor);
      this.unlocked = false;
      if (this.abandoned) {
        // Fresh state for the run under locks.
        this.abandoned = false;
        this.resp = 2;
        this.replFlags = 3;
        this.pending = null;
        this.asyncReply = null;
        this.db = this.session.conn.client.dbIndex;
        this.startedAt = Date.now();
      }
    }
  }

  /** Gives the unlocked attempt up: nothing has changed yet; the script will run under locks. */
  private abandon(L: LuaState | null): void {
    this.abandoned = true;
    this.inv.hint.needsLocks = true;
    if (L !== null && lua.lua_isyieldable(L)) lua.lua_yield(L, 0);
  }

  cannotYield(argv: string[]): Buffer {
    if (this.unlocked) {
      // Given up already (call() set it); the next instruction that can yield ends the attempt.
      const L = this.hookThread;
      if (L !== null) lua.lua_sethook(L, this.inv.engine.hook, lua.LUA_MASKCOUNT, 1);
      return ABANDONED_REPLY;
    }
    this.pending = null;
    return errorReply(`'${argv[0]}' needs another worker and cannot run inside this Lua call (a function called from JavaScript, such as table.sort's comparator)`);
  }

  async run(): Promise<void> {
    const { shard } = this.session;
    const ownTransaction = this.session.txId === 0;
    this.txId = ownTransaction ? shard.newTxId() : this.session.txId;
    if (ownTransaction) for (let w = 0; w < shard.workerCount; w++) await shard.request(w, ['@lock'], 0, 2, this.txId);
    // Every worker tags this script's write effects with its transaction id (one MULTI/EXEC block).
    for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) shard.send(w, ['@script-tx', String(this.txId)], 0, 2, null, this.txId);
    shard.scriptEffectsTx = this.txId;
    const engine = this.inv.engine;
    let anchor = -1;
    setRunningScript(this);
    try {
      const out = this.session.out;
      engine.current = this;
      if (this.inv.evalMode) engine.setKeysAndArgs(this.inv.keys, this.inv.args);
      const started = engine.newRun(this.inv.ref, this.inv.evalMode ? [] : [this.inv.keys, this.inv.args]);
      anchor = started.anchor;
      const co = started.co;
      this.hookThread = co;
      lua.lua_sethook(co, engine.hook, lua.LUA_MASKCOUNT, HOOK_COUNT);
      let nargs = started.nargs;
      for (;;) {
        const status = lua.lua_resume(co, null, nargs);
        nargs = 0;
        if (status === lua.LUA_YIELD) {
          lua.lua_settop(co, 0);
          if (this.killed) {
            out.error(`ERR ${KILLED}`);
            break;
          }
          if (this.pending !== null) {
            this.asyncReply = await this.runElsewhere(this.pending.argv, this.pending.spec);
            this.pending = null;
          } else {
            // A time slice: let the event loop answer -BUSY, SCRIPT KILL ...
            await new Promise<void>((resolve) => setImmediate(resolve));
            this.lastSlice = Date.now();
          }
          continue;
        }
        this.writeOutcome(co, status, out);
        break;
      }
    } finally {
      engine.current = null;
      setRunningScript(null);
      if (anchor >= 0) engine.release(anchor);
      // Every worker leaves busy mode before the caller gets its reply.
      if (this.timedOut) await this.leaveTimedOut();
      if (ownTransaction) for (let w = 0; w < shard.workerCount; w++) shard.send(w, ['@unlock'], 0, 2, null, this.txId);
    }
  }

  /** Redis's luaCallFunction error reply: the message, and where the script raised it. */
  /** The script's coroutine finished (status not LUA_YIELD): its result, or its error, is the reply. */
  private writeOutcome(co: LuaState, status: number, out: ReplyWriter): void {
    if (status !== lua.LUA_OK) {
      this.writeRunError(lua.lua_type(co, -1) === lua.LUA_TSTRING ? latin1Of(lua.lua_tolstring(co, -1)) : 'execution failure', out);
      return;
    }
    lua.lua_settop(co, 2);
    if (lua.lua_toboolean(co, 1)) writeLuaValue(co, out, this.resp);
    else this.writeError(co, out);
  }

  /** Redis's "Error running script" for a failure that is not a Redis error table. */
  private writeRunError(message: string, out: ReplyWriter): void {
    out.error(`ERR Error running script ${this.inv.name}, ${message.slice(0, 100)}`.replace(/[\r\n]/g, ' '));
  }

  private writeError(co: LuaState, out: ReplyWriter): void {
    if (lua.lua_type(co, 2) !== lua.LUA_TTABLE) {
      this.writeRunError(lua.lua_type(co, 2) === lua.LUA_TSTRING ? latin1Of(lua.lua_tolstring(co, 2)) : 'execution failure', out);
      return;
    }
    let message = errorTableMessage(co, 2) ?? '';
    lua.lua_getfield(co, 2, lit('source'));
    const source = lua.lua_type(co, -1) === lua.LUA_TSTRING ? latin1Of(lua.lua_tolstring(co, -1)) : null;
    lua.lua_getfield(co, 2, lit('line'));
    const line = lua.lua_isstring(co, -1) ? latin1Of(lua.lua_tolstring(co, -1)) : null;
    lua.lua_pop(co, 2);
    if (source !== null && line !== null) message += ` script: ${this.inv.name}, on ${source}:${line}.`;
    writeErrorReply(out, message.replace(/[\r\n]/g, ' '), ignoresErrorStats(co, 2));
  }

  // ---- redis.call ----

  call(argv: string[]): CommandReply {
    if (this.abandoned) return ABANDONED_REPLY;
    const spec = lookupCommand(argv[0]!, argv);
    if (spec === undefined) return errorReply('Unknown Redis command called from script');
    if (checkArity(spec, argv.length) !== undefined) return this.reject(spec, 'ERR Wrong number of args calling Redis command from script');
    if ((spec.flags & CommandFlag.NOSCRIPT) !== 0) return this.reject(spec, 'ERR This Redis command is not allowed from script');
    if (this.inv.readOnly && (spec.flags & (CommandFlag.WRITE | CommandFlag.MAY_REPLICATE)) !== 0) {
      return this.reject(spec, 'ERR Write commands are not allowed from read-only scripts.');
    }
    if ((spec.name === 'xread' || spec.name === 'xreadgroup') && argv.some((a) => a.toLowerCase() === 'block')) {
      return this.reject(spec, `ERR ${spec.name} command is not allowed with BLOCK option from scripts`);
    }
    if (this.unlocked && ((spec.flags & (CommandFlag.WRITE | CommandFlag.MAY_REPLICATE)) !== 0 || !this.runsHere(spec, argv))) {
      // Needs the locks: given up before the command runs (redis.call yields, the run is dropped).
      this.abandoned = true;
      this.inv.hint.needsLocks = true;
      return null;
    }
    if ((spec.flags & CommandFlag.WRITE) !== 0 && !this.writeDirty) {
      // Redis's scriptVerifyWriteCommandAllow: checked until the script's first write.
      const refusal = replicationRefuses(this.session.shard, this.session.conn, spec);
      if (refusal !== null) return this.reject(spec, refusal);
      // The last background save failed (stop-writes-on-bgsave-error): Redis's MISCONF.
      const { shard } = this.session;
      if (!shard.persistence.lastBgsaveOk && writesDeniedByDiskError(shard.persistence, shard.config.stopWritesOnBgsaveError, shard.config.save.length)) {
        return this.reject(spec, MISCONF_ERROR);
      }
    }
    if ((spec.flags & CommandFlag.WRITE) !== 0) {
      if (this.oomAtStart && !this.inv.allowOom && !this.writeDirty && (spec.flags & CommandFlag.DENYOOM) !== 0) {
        return this.reject(spec, "OOM command not allowed when used memory > 'maxmemory'.");
      }
      this.writeDirty = true;
    }
    // Past every check: the command runs (here, or under the script's transaction), as Redis counts it.
    this.session.shard.dispatcher.countCall(spec.name);
    const { shard } = this.session;
    if (shard.monitorsAnywhere > 0 && (spec.flags & (CommandFlag.SKIP_MONITOR | CommandFlag.ADMIN)) === 0) feedMonitors(shard, this.db, argv);
    const handler = KEYED_HANDLERS[spec.name];
    if (handler !== undefined && sessionCommandOf(spec) === undefined) {
      const owner = shard.dispatcher.ownersOf(spec, argv, null);
      if (owner === shard.id || owner === -1) {
        const out = this.scratch;
        out.reset();
        out.proto = this.resp;
        const client = this.client;
        client.resp = this.resp;
        client.dbIndex = this.db;
        shard.keyspace.now = this.startedAt;
        const executor = shard.executor;
        executor.canBlock = false;
        try {
          executor.execute(handler, argv, shard.keyspace.dbs[this.db]!, client, out);
        } finally {
          executor.canBlock = true;
        }
        return out.take();
      }
    }
    this.pending = { argv, spec };
    return null;
  }

  /** A command refused before it ran: INFO commandstats counts a rejected call, as Redis's scriptCall does. */
  private reject(spec: CommandSpec, error: string): Buffer {
    this.session.shard.dispatcher.countRejected(spec.name);
    return rejection(error);
  }

  /** A keyed command whose keys are all on this worker (or has none): it runs here at once. */
  private runsHere(spec: CommandSpec, argv: string[]): boolean {
    if (KEYED_HANDLERS[spec.name] === undefined || sessionCommandOf(spec) !== undefined) return false;
    const owner = this.session.shard.dispatcher.ownersOf(spec, argv, null);
    return owner === this.session.shard.id || owner === -1;
  }

  /** A command for keys of other workers, or a connection-level one: under the script's transaction. */
  private async runElsewhere(argv: string[], spec: CommandSpec): Promise<Buffer> {
    const { shard, conn } = this.session;
    const out = this.scratch;
    out.reset();
    out.proto = this.resp;
    const client = conn.client;
    const savedDb = client.dbIndex;
    const savedResp = client.resp;
    client.dbIndex = this.db;
    client.resp = this.resp;
    const errorsBefore = out.errorsWritten;
    try {
      await executeInTransaction(shard, conn, { argv, spec }, out, this.txId);
      // A connection-level command (SELECT ...) that failed: keyed ones are counted where they ran.
      if (out.errorsWritten !== errorsBefore && sessionCommandOf(spec) !== undefined) shard.dispatcher.countFailed(spec.name);
    } catch (err) {
      out.reset();
      out.error(`ERR internal error in '${argv[0]}': ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      // SELECT inside a script changes the script's database, not the caller's.
      this.db = client.dbIndex;
      client.dbIndex = savedDb;
      client.resp = savedResp;
    }
    return out.take();
  }

  // ---- the count hook ----

  onHook(L: LuaState): void {
    if (this.unlocked) {
      // Well before busy-reply-threshold, so that a long script is busy (and killable) in time.
      const threshold = this.session.shard.config.busyReplyThreshold;
      const limit = threshold > 0 ? Math.min(UNLOCKED_LIMIT_MS, threshold / 2) : UNLOCKED_LIMIT_MS;
      if (this.abandoned || Date.now() - this.startedAt >= limit) this.abandon(L);
      return;
    }
    if (this.killed) {
      // The coroutine is abandoned at this yield (no pcall in the script can catch a kill). Where
      // it cannot yield, an error raised at every line does the same, as Redis does.
      if (lua.lua_isyieldable(L)) {
        lua.lua_yield(L, 0);
        return;
      }
      lua.lua_sethook(L, this.inv.engine.hook, lua.LUA_MASKLINE, 0);
      pushErrorTable(L, KILLED);
      lua.lua_error(L);
      return;
    }
    const now = Date.now();
    if (!this.timedOut) {
      const threshold = this.session.shard.config.busyReplyThreshold;
      if (threshold <= 0 || now - this.startedAt < threshold) return;
      this.enterTimedOut();
      this.lastSlice = 0;
    }
    if (now - this.lastSlice >= SLICE_MS && lua.lua_isyieldable(L)) {
      lua.lua_yield(L, 0);
    }
  }

  private enterTimedOut(): void {
    const { shard } = this.session;
    this.timedOut = true;
    // To the log (stdout), where Redis writes its warnings and tools look for this line.
    console.log(`shoal: Slow script detected: still in execution after ${Date.now() - this.startedAt} milliseconds. You can try killing the script using the ${this.inv.evalMode ? 'SCRIPT KILL' : 'FUNCTION KILL'} command. Script name is: ${this.inv.name}.`);
    const state = [this.inv.evalMode ? 'eval' : 'function', String(shard.id), String(this.txId), this.inv.name, String(this.startedAt), ...this.inv.argv];
    for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) shard.send(w, ['@script-busy', ...state], 0, 2, null, this.txId);
    applyBusyState(shard, state);
  }

  private async leaveTimedOut(): Promise<void> {
    const { shard } = this.session;
    setBusyScript(null);
    const done: Array<Promise<Buffer>> = [];
    for (let w = 0; w < shard.workerCount; w++) if (w !== shard.id) done.push(shard.request(w, ['@script-busy'], 0, 2, this.txId));
    await Promise.all(done);
  }
}

/** '@script-busy' [kind worker txId name startedAt argv...] or no arguments (the script ended). */
export function applyBusyState(shard: { wakePausedClients(): void }, state: string[]): void {
  if (state.length === 0) {
    setBusyScript(null);
    return;
  }
  const [kind, worker, txId, name, startedAt, ...argv] = state as [string, string, string, string, string, ...string[]];
  setBusyScript({ evalMode: kind === 'eval', worker: Number(worker), txId: Number(txId), name, startedAt: Number(startedAt), argv });
  // Clients that waited for the lock now get their -BUSY replies.
  shard.wakePausedClients();
}

/** The script running on this worker (SCRIPT KILL reaches it through '@script-kill'). */
let running: ScriptRun | null = null;
export function runningScript(): ScriptRun | null {
  return running;
}
export function setRunningScript(run: ScriptRun | null): void {
  running = run;
}

function sessionCommandOf(spec: CommandSpec): unknown {
  return SESSION_COMMANDS[spec.name] ?? (spec.parent ? SESSION_COMMANDS[spec.parent.name] : undefined);
}

/** Redis's sdscatrepr quoting of MONITOR arguments. */
function monitorQuote(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22) out += '\\' + s[i];
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (c >= 32 && c < 127) out += s[i];
    else out += '\\x' + c.toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** A command a script runs, as MONITOR shows it: "[db lua]" in place of the client's address. */
function feedMonitors(shard: Session['shard'], db: number, argv: readonly string[]): void {
  const now = Date.now();
  let line = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')} [${db} lua]`;
  for (const arg of argv) line += ' ' + monitorQuote(arg);
  for (let w = 0; w < shard.workerCount; w++) shard.send(w, ['@monitor-feed', line], 0, 2, null);
}

/** A command refused inside a script: counted in INFO errorstats here (the script's reply is not counted again). */
function errorReply(message: string): Buffer {
  return rejection(`ERR ${message}`);
}

function rejection(error: string): Buffer {
  const code = error.slice(0, error.indexOf(' '));
  errorReplyCounts.set(code, (errorReplyCounts.get(code) ?? 0) + 1);
  return Buffer.from(`-${error}\r\n`, 'latin1');
}

