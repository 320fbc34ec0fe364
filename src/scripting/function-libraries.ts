// Redis 7 functions on one worker: the libraries (FUNCTION LOAD's code), their functions, and the
// Lua interpreter they are compiled in. Every worker keeps the same set: the commands that change
// it run here first (errors are answered from here) and then on every other worker.
import { LuaEngine, type ScriptCallHost } from './lua-engine.ts';
import { lua, lauxlib, lit, latin1Of, type LuaState } from './lua-api.ts';
import { pushErrorTable, errorTableMessage } from './lua-reply.ts';
import { SCRIPT_FLAG_NAMES, type ScriptFlags } from './script-flags.ts';
import { RdbWriter } from '../persistence/rdb-writer.ts';
import { RdbReader } from '../persistence/rdb-reader.ts';
import { crc64 } from '../persistence/crc64.ts';
import { RDB_OPCODE_FUNCTION2, RDB_VERSION } from '../persistence/rdb-format.ts';
import { setRdbFunctionSource } from '../persistence/rdb-file.ts';
import { splitArgsString } from '../resp/split-args.ts';

export interface FunctionInfo {
  name: string;
  ref: number;
  description: string | null;
  flags: ScriptFlags;
  library: LibraryInfo;
  /** Set once a call needed every worker's lock (see ScriptRun.tryWithoutLocks). */
  hint: { needsLocks: boolean };
}

export interface LibraryInfo {
  name: string;
  engine: string;
  code: string;
  functions: Map<string, FunctionInfo>;
}

/** FUNCTION LOAD's time limit for the library's top-level code (Redis's LOAD_TIMEOUT_MS). */
const LOAD_TIMEOUT_MS = 500;
const NAME_ERROR = 'Library names can only contain letters, numbers, or underscores(_) and must be at least one character long';

function validName(name: string): boolean {
  return /^[A-Za-z0-9_]+$/.test(name);
}

/** The shebang of a library: "#!<engine> name=<library>"; the code keeps the shebang's newline. */
function parseMetadata(code: string): { engine: string; name: string } | string {
  if (!code.startsWith('#!')) return 'Missing library metadata';
  const end = code.indexOf('\n');
  if (end < 0) return 'Invalid library metadata';
  const parts = splitArgsString(code.slice(0, end));
  if (parts === null || parts.length === 0) return 'Invalid library metadata';
  const engine = parts[0]!.slice(2);
  let name: string | null = null;
  for (let i = 1; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.slice(0, 5).toLowerCase() === 'name=') {
      if (name !== null) return 'Invalid metadata value, name argument was given multiple times';
      name = part.slice(5);
      continue;
    }
    return `Invalid metadata value given: ${part}`;
  }
  if (name === null) return 'Library name was not given';
  return { engine, name };
}

/** The part of ScriptCallHost a library load uses: register_function and the load time limit. */
class LibraryLoad implements ScriptCallHost {
  asyncReply: Buffer | null = null;
  resp: 2 | 3 = 2;
  replFlags = 3;
  readonly functions = new Map<string, FunctionInfo>();
  private readonly startedAt = Date.now();
  private readonly engine: LuaEngine;
  private readonly library: LibraryInfo;
  private readonly timeoutMs: number;

  constructor(engine: LuaEngine, library: LibraryInfo, timeoutMs: number) {
    this.engine = engine;
    this.library = library;
    this.timeoutMs = timeoutMs;
  }

  call(): Buffer | null {
    return Buffer.from('-ERR redis.call is not available while loading a library\r\n');
  }

  onHook(L: LuaState): void {
    if (this.timeoutMs > 0 && Date.now() - this.startedAt > this.timeoutMs) {
      lua.lua_sethook(L, this.engine.hook, lua.LUA_MASKLINE, 0);
      pushErrorTable(L, 'FUNCTION LOAD timeout');
      lua.lua_error(L);
    }
  }

  /** redis.register_function(name, callback) or redis.register_function{function_name=, callback=, flags=, description=}. */
  registerFunction = (L: LuaState): number => {
    const argc = lua.lua_gettop(L);
    let name: string | null = null;
    let description: string | null = null;
    let flags = new Set<string>();
    let hasCallback = false;
    const fail = (message: string): number => {
      pushErrorTable(L, message);
      return lua.lua_error(L);
    };
    if (argc < 1 || argc > 2) return fail('wrong number of arguments to redis.register_function');
    if (argc === 1) {
      if (!lua.lua_istable(L, 1)) {
        return fail('calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).');
      }
      lua.lua_pushnil(L);
      while (lua.lua_next(L, 1)) {
        if (!lua.lua_isstring(L, -2)) return fail('named argument key given to redis.register_function is not a string');
        const key = latin1Of(lua.lua_tolstring(L, -2)).toLowerCase();
        if (key === 'function_name') {
          if (!lua.lua_isstring(L, -1)) return fail('function_name argument given to redis.register_function must be a string');
          name = latin1Of(lua.lua_tolstring(L, -1));
        } else if (key === 'description') {
          if (!lua.lua_isstring(L, -1)) return fail('description argument given to redis.register_function must be a string');
          description = latin1Of(lua.lua_tolstring(L, -1));
        } else if (key === 'callback') {
          if (!lua.lua_isfunction(L, -1)) return fail('callback argument given to redis.register_function must be a function');
          lua.lua_pushvalue(L, -1);
          lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, lit('__pending_callback__'));
          hasCallback = true;
        } else if (key === 'flags') {
          if (!lua.lua_istable(L, -1)) return fail('flags argument to redis.register_function must be a table representing function flags');
          const read = readFlags(L);
          if (read === null) return fail('unknown flag given');
          flags = read;
        } else {
          return fail('unknown argument given to redis.register_function');
        }
        lua.lua_pop(L, 1);
      }
      if (name === null) return fail('redis.register_function must get a function name argument');
      if (!hasCallback) return fail('redis.register_function must get a callback argument');
      lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, lit('__pending_callback__'));
    } else {
      if (!lua.lua_isstring(L, 1)) return fail('first argument to redis.register_function must be a string');
      name = latin1Of(lua.lua_tolstring(L, 1));
      if (!lua.lua_isfunction(L, 2)) return fail('second argument to redis.register_function must be a function');
      lua.lua_pushvalue(L, 2);
    }
    if (!validName(name)) return fail(NAME_ERROR);
    if (this.functions.has(name.toLowerCase())) return fail('Function already exists in the library');
    const ref = lauxlib.luaL_ref(L, lua.LUA_REGISTRYINDEX);
    this.functions.set(name.toLowerCase(), { name, ref, description, flags: { compat: false, names: flags }, library: this.library, hint: { needsLocks: false } });
    return 0;
  };
}

function readFlags(L: LuaState): Set<string> | null {
  const flags = new Set<string>();
  for (let j = 1; ; j++) {
    lua.lua_rawgeti(L, -1, j);
    const t = lua.lua_type(L, -1);
    if (t === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      return flags;
    }
    if (!lua.lua_isstring(L, -1)) {
      lua.lua_pop(L, 1);
      return null;
    }
    const flag = latin1Of(lua.lua_tolstring(L, -1)).toLowerCase();
    lua.lua_pop(L, 1);
    if (!(SCRIPT_FLAG_NAMES as readonly string[]).includes(flag)) return null;
    flags.add(flag);
  }
}

export class FunctionLibraries {
  private engineInstance: LuaEngine | null = null;
  readonly libraries = new Map<string, LibraryInfo>();
  readonly functions = new Map<string, FunctionInfo>();

  /** Whether the interpreter exists yet (it is created on first use). */
  get engineCreated(): boolean {
    return this.engineInstance !== null;
  }

  get engine(): LuaEngine {
    if (this.engineInstance === null) this.engineInstance = new LuaEngine(true);
    return this.engineInstance;
  }

  /**
   * FUNCTION LOAD: compiles the library, runs its top level (which registers the functions) and
   * links it, replacing a library of the same name when `replace`. Returns the library name or the
   * error message (without its ERR code).
   */
  load(code: string, replace: boolean, timeoutMs: number | null = LOAD_TIMEOUT_MS): { name: string } | string {
    const md = parseMetadata(code);
    if (typeof md === 'string') return md;
    if (!validName(md.name)) return NAME_ERROR;
    if (md.engine.toLowerCase() !== 'lua') return `Engine '${md.engine}' not found`;
    const old = this.libraries.get(md.name);
    if (old !== undefined && !replace) return `Library '${md.name}' already exists`;
    const library: LibraryInfo = { name: md.name, engine: 'LUA', code, functions: new Map() };
    const engine = this.engine;
    const L = engine.L;
    const compileError = engine.load(code.slice(code.indexOf('\n')), '@user_function');
    if (compileError !== null) return `Error compiling function: ${compileError}`;
    const load = new LibraryLoad(engine, library, timeoutMs ?? 0);
    const release = (): void => {
      for (const f of load.functions.values()) engine.unref(f.ref);
    };
    engine.useLibraryApi(true);
    engine.current = load;
    load.registerFunction = load.registerFunction.bind(load);
    (load as ScriptCallHost).registerFunction = load.registerFunction;
    lua.lua_sethook(L, engine.hook, lua.LUA_MASKCOUNT, 10000);
    let status: number;
    try {
      status = lua.lua_pcall(L, 0, 0, 0);
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      engine.current = null;
      engine.useLibraryApi(false);
    }
    if (status !== lua.LUA_OK) {
      let message: string;
      if (lua.lua_type(L, -1) === lua.LUA_TSTRING) message = `ERR ${latin1Of(lua.lua_tolstring(L, -1))}`;
      else if (lua.lua_type(L, -1) === lua.LUA_TTABLE) message = errorTableMessage(L, -1) ?? 'ERR unknown error';
      else message = 'ERR unknown error';
      lua.lua_pop(L, 1);
      release();
      return `Error registering functions: ${message}`;
    }
    if (load.functions.size === 0) return 'No functions registered';
    for (const [key, f] of load.functions) {
      const existing = this.functions.get(key);
      if (existing !== undefined && existing.library !== old) {
        release();
        return `Function ${f.name} already exists`;
      }
    }
    if (old !== undefined) this.unlink(old);
    library.functions = load.functions;
    this.link(library);
    return { name: md.name };
  }

  private link(library: LibraryInfo): void {
    this.libraries.set(library.name, library);
    for (const [key, f] of library.functions) this.functions.set(key, f);
  }

  private unlink(library: LibraryInfo): void {
    this.libraries.delete(library.name);
    for (const key of library.functions.keys()) {
      const f = library.functions.get(key)!;
      this.functions.delete(key);
      this.engine.unref(f.ref);
    }
  }

  delete(name: string): boolean {
    const library = this.libraries.get(name);
    if (library === undefined) return false;
    this.unlink(library);
    return true;
  }

  flush(): void {
    this.libraries.clear();
    this.functions.clear();
    this.engineInstance?.reset();
  }

  /** FUNCTION DUMP: each library as RDB_OPCODE_FUNCTION2 + its code, then the RDB version and a CRC64. */
  dump(): Buffer {
    const out = new RdbWriter();
    for (const library of this.libraries.values()) {
      out.byte(RDB_OPCODE_FUNCTION2);
      out.string(library.code);
    }
    out.byte(RDB_VERSION & 0xff);
    out.byte(RDB_VERSION >>> 8);
    out.bytes(crc64(out.view()).digest());
    return out.take();
  }

  /** The library codes of a FUNCTION DUMP payload, or the error to answer. */
  static parseDump(payload: Buffer): string[] | string {
    const len = payload.length;
    if (len < 10) return 'ERR DUMP payload version or checksum are wrong';
    const version = payload[len - 10]! | (payload[len - 9]! << 8);
    if (version > RDB_VERSION || !crc64(payload, 0, len - 8).matches(payload, len - 8)) return 'ERR DUMP payload version or checksum are wrong';
    const reader = new RdbReader(payload.subarray(0, len - 10));
    const codes: string[] = [];
    try {
      while (!reader.atEnd()) {
        const type = reader.byte();
        if (type !== RDB_OPCODE_FUNCTION2) return 'ERR given type is not a function';
        codes.push(reader.string());
      }
    } catch {
      return 'ERR can not read data type';
    }
    return codes;
  }

  /**
   * FUNCTION RESTORE with policy APPEND (fail on a name clash), REPLACE (replace clashing
   * libraries) or FLUSH (drop everything first). All or nothing: on error the libraries stay as
   * they were. Returns the error to answer, or null.
   */
  restore(payloadLatin1: string, policy: 'append' | 'replace' | 'flush'): string | null {
    const codes = FunctionLibraries.parseDump(Buffer.from(payloadLatin1, 'latin1'));
    if (typeof codes === 'string') return codes;
    // Loaded into a fresh set first, then joined (Redis's libraryJoin).
    const incoming = new FunctionLibraries();
    for (const code of codes) {
      const result = incoming.load(code, false, 0);
      if (typeof result === 'string') return `ERR ${result}`;
    }
    if (policy !== 'flush') {
      for (const library of incoming.libraries.values()) {
        if (this.libraries.has(library.name) && policy === 'append') return `ERR Library ${library.name} already exists`;
      }
      for (const library of incoming.libraries.values()) {
        for (const [key, f] of library.functions) {
          const existing = this.functions.get(key);
          if (existing !== undefined && !(policy === 'replace' && incoming.libraries.has(existing.library.name))) {
            return `ERR Function ${f.name} already exists`;
          }
        }
      }
    }
    const keep = policy === 'flush' ? [] : [...this.libraries.values()].filter((l) => !incoming.libraries.has(l.name)).map((l) => l.code);
    // Recompiled in this worker's interpreter (functions belong to the interpreter that compiled them).
    this.flush();
    for (const code of [...keep, ...codes]) this.load(code, true, 0);
    return null;
  }

  /** Function names per library and counts (FUNCTION STATS). */
  counts(): { libraries: number; functions: number } {
    return { libraries: this.libraries.size, functions: this.functions.size };
  }
}

/** This worker's libraries (module state is per worker thread). */
export const functionLibraries = new FunctionLibraries();

// RDB files written on this thread carry the libraries (RDB_OPCODE_FUNCTION2, before the keys).
setRdbFunctionSource(() => [...functionLibraries.libraries.values()].map((l) => l.code));
