import { createHash } from 'node:crypto';
import { lua, lauxlib, lualib, lit, luaBytes, latin1Of, type LuaState } from './lua-api.ts';
import { PRELUDE } from './lua-prelude.ts';
import { pushErrorTable, pushReply } from './lua-reply.ts';
import { openCjson } from './lib-cjson.ts';
import { openBit } from './lib-bit.ts';
import { openCmsgpack } from './lib-cmsgpack.ts';
import { openStruct } from './lib-struct.ts';
import { Rand48 } from './rand48.ts';

/** What the engine needs from the script being run (script-run.ts implements it). */
export interface ScriptCallHost {
  /**
   * Runs redis.call/pcall's command: its reply bytes, or null when the command must wait for
   * another worker (the script yields and is resumed with `asyncReply`).
   */
  call(argv: string[]): Buffer | null;
  /**
   * The call returned null but the script cannot yield here (inside a JavaScript-implemented Lua
   * function such as table.sort's comparator): the reply to give instead.
   */
  cannotYield?(argv: string[]): Buffer;
  asyncReply: Buffer | null;
  /** redis.setresp */
  resp: 2 | 3;
  /** redis.set_repl flags (REPL_AOF | REPL_REPLICA). */
  replFlags: number;
  /** The count hook: may raise (kill) or ask to yield (time slice). */
  onHook(L: LuaState): void;
  /** Library loading (FUNCTION LOAD): register_function's target, or null outside a load. */
  registerFunction?: ((L: LuaState) => number) | null;
}

export const REDIS_VERSION = '7.0.15';
export const REDIS_VERSION_NUM = 0x0007000f;
const LOG_LEVELS = ['LOG_DEBUG', 'LOG_VERBOSE', 'LOG_NOTICE', 'LOG_WARNING'];
const PROPAGATE_AOF = 1;
const PROPAGATE_REPL = 2;

export function sha1hex(s: string): string {
  return createHash('sha1').update(Buffer.from(s, 'latin1')).digest('hex');
}

/** Lua number → argument text as Redis formats it ("%.17g"). */
export function formatArgNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return String(n);
  if (!Number.isFinite(n)) return Number.isNaN(n) ? (Object.is(n, NaN) ? 'nan' : '-nan') : n > 0 ? 'inf' : '-inf';
  let s = n.toPrecision(17);
  if (s.includes('e')) {
    let [mantissa, exponent] = s.split('e') as [string, string];
    if (mantissa.includes('.')) mantissa = mantissa.replace(/0+$/, '').replace(/\.$/, '');
    const e = Number(exponent);
    return `${mantissa}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

/**
 * One Lua interpreter with Redis's environment: the libraries Redis loads, the redis.* API, Redis's
 * globals protection, the error handler that records where an error was raised. A worker has two:
 * one for EVAL scripts and one for function libraries (as Redis, FUNCTION FLUSH and SCRIPT FLUSH
 * are independent).
 */
export class LuaEngine {
  L: LuaState;
  /** The script being run (redis.call and the hook reach it through here). */
  current: ScriptCallHost | null = null;
  readonly rand = new Rand48();
  private globalsRef = 0;
  private globalsMetaRef = 0;
  private realGlobalsRef = 0;
  private errHandlerRef = 0;
  private runnerRef = 0;
  private protectRef = 0;
  /** FUNCTION LOAD's environment (only redis.register_function/log and the version). */
  private libraryApiRef = 0;
  private readonly forFunctions: boolean;
  readonly hook = (L: LuaState): void => {
    this.current?.onHook(L);
  };

  constructor(forFunctions: boolean) {
    this.forFunctions = forFunctions;
    this.L = this.createState();
  }

  /** Drops every compiled script (SCRIPT FLUSH, FUNCTION FLUSH): a fresh interpreter. */
  reset(): void {
    this.L = this.createState();
  }

  /**
   * Memory used by the interpreter, in bytes: fengari's objects live in the JavaScript heap and it
   * keeps no count, so this is Redis's empty-interpreter figure plus what the caller adds.
   */
  usedMemory(): number {
    return 31 * 1024;
  }

  private createState(): LuaState {
    const L = lauxlib.luaL_newstate() as LuaState;
    // Redis's libraries: base, table, string, math, debug (taken away after the error handler
    // keeps it), coroutine (part of 5.1's base), cjson, struct, cmsgpack, bit.
    const libs: Array<[string, unknown]> = [
      ['_G', lualib.luaopen_base], ['table', lualib.luaopen_table], ['string', lualib.luaopen_string],
      ['math', lualib.luaopen_math], ['debug', lualib.luaopen_debug], ['coroutine', lualib.luaopen_coroutine],
    ];
    for (const [name, open] of libs) {
      lauxlib.luaL_requiref(L, lit(name), open, 1);
      lua.lua_pop(L, 1);
    }
    openCjson(L);
    openStruct(L);
    openCmsgpack(L);
    openBit(L);
    this.registerRedisApi(L);
    // math.random/randomseed: Redis's own generator (rand48), the same sequence as Redis's.
    lua.lua_getglobal(L, lit('math'));
    lua.lua_pushcfunction(L, this.mathRandom);
    lua.lua_setfield(L, -2, lit('random'));
    lua.lua_pushcfunction(L, this.mathRandomseed);
    lua.lua_setfield(L, -2, lit('randomseed'));
    lua.lua_pop(L, 1);

    lua.lua_pushglobaltable(L);
    this.realGlobalsRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    if (lauxlib.luaL_loadbuffer(L, lit(PRELUDE), null, lit('=prelude')) !== lua.LUA_OK) {
      throw new Error(`scripting prelude: ${latin1Of(lua.lua_tolstring(L, -1))}`);
    }
    lua.lua_pushcfunction(L, readonlyError);
    lua.lua_pushcfunction(L, nonexistentGlobal);
    if (lua.lua_pcall(L, 2, 5, 0) !== lua.LUA_OK) throw new Error(`scripting prelude: ${latin1Of(lua.lua_tolstring(L, -1))}`);
    this.protectRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.runnerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.errHandlerRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.globalsMetaRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_pushvalue(L, -1);
    this.globalsRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    // From now on chunks see the protected proxy as their globals.
    lua.lua_rawseti(L, lua.LUA_REGISTRYINDEX, lua.LUA_RIDX_GLOBALS);
    if (this.forFunctions) this.createLibraryApi(L);
    return L;
  }

  private registerRedisApi(L: LuaState): void {
    lua.lua_createtable(L, 0, 32);
    const fn = (name: string, f: (L: LuaState) => number): void => {
      lua.lua_pushcfunction(L, f);
      lua.lua_setfield(L, -2, lit(name));
    };
    fn('call', (L2) => this.redisCall(L2, true));
    fn('pcall', (L2) => this.redisCall(L2, false));
    this.registerLog(L);
    fn('setresp', this.setResp);
    fn('sha1hex', sha1Command);
    fn('error_reply', errorReplyCommand);
    fn('status_reply', statusReplyCommand);
    fn('set_repl', this.setRepl);
    lua.lua_pushnumber(L, 0);
    lua.lua_setfield(L, -2, lit('REPL_NONE'));
    lua.lua_pushnumber(L, PROPAGATE_AOF);
    lua.lua_setfield(L, -2, lit('REPL_AOF'));
    lua.lua_pushnumber(L, PROPAGATE_REPL);
    lua.lua_setfield(L, -2, lit('REPL_SLAVE'));
    lua.lua_pushnumber(L, PROPAGATE_REPL);
    lua.lua_setfield(L, -2, lit('REPL_REPLICA'));
    lua.lua_pushnumber(L, PROPAGATE_AOF | PROPAGATE_REPL);
    lua.lua_setfield(L, -2, lit('REPL_ALL'));
    fn('acl_check_cmd', this.aclCheckCmd);
    if (!this.forFunctions) {
      fn('breakpoint', (L2) => {
        lua.lua_pushboolean(L2, 0);
        return 1;
      });
      fn('debug', () => 0);
      fn('replicate_commands', (L2) => {
        lua.lua_pushboolean(L2, 1);
        return 1;
      });
    }
    lua.lua_setglobal(L, lit('redis'));
  }

  private registerLog(L: LuaState): void {
    lua.lua_pushcfunction(L, logCommand);
    lua.lua_setfield(L, -2, lit('log'));
    LOG_LEVELS.forEach((name, level) => {
      lua.lua_pushnumber(L, level);
      lua.lua_setfield(L, -2, lit(name));
    });
    lua.lua_pushstring(L, lit(REDIS_VERSION));
    lua.lua_setfield(L, -2, lit('REDIS_VERSION'));
    lua.lua_pushnumber(L, REDIS_VERSION_NUM);
    lua.lua_setfield(L, -2, lit('REDIS_VERSION_NUM'));
  }

  /** FUNCTION LOAD's globals: only `redis` with register_function, log and the version, all readonly. */
  private createLibraryApi(L: LuaState): void {
    lua.lua_createtable(L, 0, 1); // library globals
    lua.lua_createtable(L, 0, 8); // its redis table
    lua.lua_pushcfunction(L, (L2: LuaState) => {
      const register = this.current?.registerFunction;
      if (!register) {
        pushErrorTable(L2, 'redis.register_function can only be called on FUNCTION LOAD command');
        return lua.lua_error(L2);
      }
      return register(L2);
    });
    lua.lua_setfield(L, -2, lit('register_function'));
    this.registerLog(L);
    setErrorMetatable(L);
    this.protectTop(L);
    lua.lua_setfield(L, -2, lit('redis'));
    setErrorMetatable(L);
    this.protectTop(L);
    this.libraryApiRef = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
  }

  /** Replaces the table at the top with its readonly proxy. */
  private protectTop(L: LuaState): void {
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.protectRef);
    lua.lua_insert(L, -2);
    lua.lua_call(L, 1, 1);
  }

  /** Globals lookups go to the library API (during FUNCTION LOAD) or to the normal globals. */
  useLibraryApi(on: boolean): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.globalsMetaRef);
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, on ? this.libraryApiRef : this.realGlobalsRef);
    lua.lua_setfield(L, -2, lit('__index'));
    lua.lua_pop(L, 1);
  }

  /** Compiles `source` and leaves the function at the top of the stack; returns the error text on failure. */
  load(source: string, chunkName: string): string | null {
    const bytes = luaBytes(source);
    if (lauxlib.luaL_loadbuffer(this.L, bytes, bytes.length, lit(chunkName)) !== lua.LUA_OK) {
      const message = latin1Of(lua.lua_tolstring(this.L, -1) ?? lit('?'));
      lua.lua_pop(this.L, 1);
      return message;
    }
    return null;
  }

  /** Stores the function at the top of the stack in the registry; returns its reference. */
  ref(): number {
    return lauxlib.luaL_ref(this.L, lua.LUA_REGISTRYINDEX);
  }

  unref(ref: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, ref);
  }

  /** Sets KEYS and ARGV (EVAL's globals) past the readonly protection. */
  setKeysAndArgs(keys: readonly string[], args: readonly string[]): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.realGlobalsRef);
    pushStringArray(L, keys);
    lua.lua_setfield(L, -2, lit('KEYS'));
    pushStringArray(L, args);
    lua.lua_setfield(L, -2, lit('ARGV'));
    lua.lua_pop(L, 1);
  }

  /**
   * A coroutine ready to run function `ref` under the error handler with `nargs` string-array
   * arguments (functions get KEYS and ARGV as arguments). The thread is anchored in the registry
   * until release().
   */
  newRun(ref: number, args: ReadonlyArray<readonly string[]>): { co: LuaState; anchor: number; nargs: number } {
    const L = this.L;
    const co = lua.lua_newthread(L) as LuaState;
    const anchor = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, this.runnerRef);
    lua.lua_rawgeti(co, lua.LUA_REGISTRYINDEX, ref);
    for (const arg of args) pushStringArray(co, arg);
    return { co, anchor, nargs: 1 + args.length };
  }

  /** Runs a function at the top of the main stack synchronously under the error handler (FUNCTION LOAD's body). */
  callProtected(nargs: number): boolean {
    const L = this.L;
    const base = lua.lua_gettop(L) - nargs;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, this.errHandlerRef);
    lua.lua_insert(L, base);
    const status = lua.lua_pcall(L, nargs, 0, base);
    lua.lua_remove(L, base);
    return status === lua.LUA_OK;
  }

  release(anchor: number): void {
    lauxlib.luaL_unref(this.L, lua.LUA_REGISTRYINDEX, anchor);
  }

  // ---- redis.* functions that need the running script ----

  private redisCall(L: LuaState, raise: boolean): number {
    const run = this.current;
    if (run === null) {
      pushErrorTable(L, 'redis.call/pcall can only be called inside a script invocation');
      return lua.lua_error(L);
    }
    const argc = lua.lua_gettop(L);
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
      return raise ? lua.lua_error(L) : 1;
    }
    const argv: string[] = new Array(argc);
    for (let i = 1; i <= argc; i++) {
      const t = lua.lua_type(L, i);
      if (t === lua.LUA_TNUMBER) argv[i - 1] = formatArgNumber(lua.lua_tonumber(L, i));
      else if (t === lua.LUA_TSTRING) argv[i - 1] = latin1Of(lua.lua_tolstring(L, i));
      else {
        lua.lua_settop(L, 0);
        pushErrorTable(L, 'Lua redis lib command arguments must be strings or integers');
        return raise ? lua.lua_error(L) : 1;
      }
    }
    lua.lua_settop(L, 0);
    let reply = run.call(argv);
    if (reply === null) {
      if (lua.lua_isyieldable(L)) return lua.lua_yieldk(L, 0, raise ? 1 : 0, this.continueCall);
      reply = run.cannotYield?.(argv) ?? Buffer.from('-ERR this command cannot run here\r\n');
    }
    return finishCall(L, reply, raise);
  }

  private readonly continueCall = (L: LuaState, _status: number, ctx: number): number => {
    const reply = this.current!.asyncReply!;
    this.current!.asyncReply = null;
    return finishCall(L, reply, ctx === 1);
  };

  private readonly setResp = (L: LuaState): number => {
    const run = this.current;
    if (run === null) {
      pushErrorTable(L, 'redis.setresp can only be called inside a script invocation');
      return lua.lua_error(L);
    }
    if (lua.lua_gettop(L) !== 1) {
      pushErrorTable(L, 'redis.setresp() requires one argument.');
      return lua.lua_error(L);
    }
    const resp = lua.lua_tonumber(L, 1);
    if (resp !== 2 && resp !== 3) {
      pushErrorTable(L, 'RESP version must be 2 or 3.');
      return lua.lua_error(L);
    }
    run.resp = resp;
    return 0;
  };

  private readonly setRepl = (L: LuaState): number => {
    const run = this.current;
    if (run === null) {
      pushErrorTable(L, 'redis.set_repl can only be called inside a script invocation');
      return lua.lua_error(L);
    }
    if (lua.lua_gettop(L) !== 1) {
      pushErrorTable(L, 'redis.set_repl() requires two arguments.');
      return lua.lua_error(L);
    }
    const flags = Math.trunc(lua.lua_tonumber(L, 1));
    if ((flags & ~(PROPAGATE_AOF | PROPAGATE_REPL)) !== 0) {
      pushErrorTable(L, 'Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.');
      return lua.lua_error(L);
    }
    run.replFlags = flags;
    return 0;
  };

  private readonly aclCheckCmd = (L: LuaState): number => {
    if (this.current === null) {
      pushErrorTable(L, 'redis.acl_check_cmd can only be called inside a script invocation');
      return lua.lua_error(L);
    }
    const argc = lua.lua_gettop(L);
    if (argc === 0) {
      pushErrorTable(L, 'Please specify at least one argument for this redis lib call');
      return lua.lua_error(L);
    }
    const name = lua.lua_type(L, 1) === lua.LUA_TSTRING ? latin1Of(lua.lua_tolstring(L, 1)) : '';
    if (!aclCommandExists(name)) {
      pushErrorTable(L, 'Invalid command passed to redis.acl_check_cmd()');
      return lua.lua_error(L);
    }
    // shoal has one user with every permission.
    lua.lua_pushboolean(L, 1);
    return 1;
  };

  private readonly mathRandom = (L: LuaState): number => {
    const r = this.rand.next() / Rand48.MAX;
    switch (lua.lua_gettop(L)) {
      case 0:
        lua.lua_pushnumber(L, r);
        break;
      case 1: {
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        lauxlib.luaL_argcheck(L, 1 <= u, 1, lit('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * u) + 1);
        break;
      }
      case 2: {
        const l = Math.trunc(lauxlib.luaL_checknumber(L, 1));
        const u = Math.trunc(lauxlib.luaL_checknumber(L, 2));
        lauxlib.luaL_argcheck(L, l <= u, 2, lit('interval is empty'));
        lua.lua_pushnumber(L, Math.floor(r * (u - l + 1)) + l);
        break;
      }
      default:
        return lauxlib.luaL_error(L, lit('wrong number of arguments'));
    }
    return 1;
  };

  private readonly mathRandomseed = (L: LuaState): number => {
    this.rand.seed(Math.trunc(lauxlib.luaL_checknumber(L, 1)));
    return 0;
  };
}

/** Set by the command layer: whether a name is a known command (redis.acl_check_cmd). */
let aclCommandExists: (name: string) => boolean = () => true;
export function setCommandLookup(lookup: (name: string) => boolean): void {
  aclCommandExists = lookup;
}

function finishCall(L: LuaState, reply: Buffer, raise: boolean): number {
  pushReply(L, reply, 0);
  if (raise && reply[0] === 0x2d) return lua.lua_error(L);
  return 1;
}

function pushStringArray(L: LuaState, items: readonly string[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    lua.lua_pushstring(L, luaBytes(items[i]!));
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** A table whose missing fields raise the undefined-global error (Redis's luaSetErrorMetatable). */
function setErrorMetatable(L: LuaState): void {
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushcfunction(L, nonexistentGlobal);
  lua.lua_setfield(L, -2, lit('__index'));
  lua.lua_setmetatable(L, -2);
}

function readonlyError(L: LuaState): number {
  // The position of the Lua code that tried the write (level 1 is this function).
  lauxlib.luaL_where(L, 2);
  lua.lua_pushstring(L, lit('Attempt to modify a readonly table'));
  lua.lua_concat(L, 2);
  return lua.lua_error(L);
}

function nonexistentGlobal(L: LuaState): number {
  const t = lua.lua_type(L, 2);
  const name = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? latin1Of(lua.lua_tolstring(L, 2)) : '?';
  lua.lua_pushstring(L, luaBytes(`Script attempted to access nonexistent global variable '${name}'`));
  return lua.lua_error(L);
}

function sha1Command(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1) {
    pushErrorTable(L, 'wrong number of arguments');
    return lua.lua_error(L);
  }
  const bytes = lua.lua_tolstring(L, 1) as Uint8Array | null;
  lua.lua_pushstring(L, lit(sha1hex(bytes === null ? '' : latin1Of(bytes))));
  return 1;
}

function errorReplyCommand(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments');
    return 1;
  }
  const text = latin1Of(lua.lua_tolstring(L, -1));
  pushErrorTable(L, text.startsWith('-') ? text : `-${text}`);
  return 1;
}

function statusReplyCommand(L: LuaState): number {
  if (lua.lua_gettop(L) !== 1 || lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
    pushErrorTable(L, 'wrong number or type of arguments');
    return 1;
  }
  lua.lua_createtable(L, 0, 1);
  lua.lua_pushvalue(L, -2);
  lua.lua_setfield(L, -2, lit('ok'));
  return 1;
}

/** The server's verbosity as a log level (0 debug .. 3 warning); set from the configuration. */
let logVerbosity = 2;
export function setLogVerbosity(level: number): void {
  logVerbosity = level;
}

function logCommand(L: LuaState): number {
  const argc = lua.lua_gettop(L);
  if (argc < 2) {
    pushErrorTable(L, 'redis.log() requires two arguments or more.');
    return lua.lua_error(L);
  }
  if (!lua.lua_isnumber(L, 1)) {
    pushErrorTable(L, 'First argument must be a number (log level).');
    return lua.lua_error(L);
  }
  const level = Math.trunc(lua.lua_tonumber(L, 1));
  if (level < 0 || level > 3) {
    pushErrorTable(L, 'Invalid debug level.');
    return lua.lua_error(L);
  }
  if (level < logVerbosity) return 0;
  const parts: string[] = [];
  for (let j = 2; j <= argc; j++) {
    const s = lua.lua_tolstring(L, j) as Uint8Array | null;
    if (s !== null) parts.push(latin1Of(s));
  }
  const now = new Date();
  const mark = ['.', '-', '*', '#'][level];
  console.log(`${process.pid}:M ${now.toUTCString()} ${mark} ${parts.join(' ')}`);
  return 0;
}
