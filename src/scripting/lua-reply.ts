// Conversions between replies and Lua values, as Redis's script_lua.c makes them:
//   reply → Lua (what redis.call returns): integers become numbers, bulk strings strings, null bulk
//   and null array false, arrays tables, status {ok=...}, error {err=...}; RESP3 map {map={...}},
//   set {set={k=true}}, null nil, boolean boolean, double {double=n}, big number {big_number=s},
//   verbatim {verbatim_string={string=..., format=...}}; attributes are skipped.
//   Lua → reply (what a script returns): strings bulk, numbers integers (truncated), true 1 and
//   false nil in RESP2 (booleans in RESP3), tables {err=}, {ok=}, {double=}, {big_number=},
//   {verbatim_string=}, {map=}, {set=} or an array up to the first nil, anything else nil.
import { lua, lit, luaBytes, latin1Of, type LuaState } from './lua-api.ts';
import type { ReplyWriter } from '../resp/reply-writer.ts';

const CR = 13;
/** Nesting of a script's reply before Redis's "reached lua stack limit". */
const MAX_REPLY_DEPTH = 1000;

function lineEnd(buf: Uint8Array, pos: number): number {
  let i = pos;
  while (buf[i] !== CR) i++;
  return i;
}

function lineText(buf: Buffer, start: number, end: number): string {
  return buf.toString('latin1', start, end);
}

/** Redis's luaPushErrorBuff: "-CODE message" → {err="CODE message"}; a message without a code gets ERR. */
export function pushErrorTable(L: LuaState, text: string, ignoreStats = false): void {
  let code: string;
  let message: string;
  if (text.charCodeAt(0) === 45 /* - */) {
    const space = text.indexOf(' ');
    if (space < 0) {
      code = 'ERR';
      message = text.slice(1);
    } else {
      code = text.slice(1, space);
      message = text.slice(space + 1);
    }
  } else {
    code = 'ERR';
    message = text;
  }
  message = message.replace(/^[\r\n]+|[\r\n]+$/g, '');
  lua.lua_createtable(L, 0, 2);
  lua.lua_pushstring(L, luaBytes(`${code} ${message}`));
  lua.lua_setfield(L, -2, lit('err'));
  if (ignoreStats) {
    lua.lua_pushboolean(L, 1);
    lua.lua_setfield(L, -2, lit('ignore_error_stats_update'));
  }
}

/** Pushes the Lua value of the reply at `pos`; returns the position after it. */
export function pushReply(L: LuaState, buf: Buffer, pos: number): number {
  lua.lua_checkstack(L, 4);
  const type = buf[pos]!;
  const end = lineEnd(buf, pos + 1);
  const next = end + 2;
  switch (type) {
    case 0x2b: // + status
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, buf.subarray(pos + 1, end));
      lua.lua_setfield(L, -2, lit('ok'));
      return next;
    case 0x2d: // - error
      pushErrorTable(L, lineText(buf, pos, end), true);
      return next;
    case 0x3a: // : integer (a double in Redis's Lua 5.1)
      lua.lua_pushnumber(L, Number(lineText(buf, pos + 1, end)));
      return next;
    case 0x24: { // $ bulk
      const len = Number(lineText(buf, pos + 1, end));
      if (len < 0) {
        lua.lua_pushboolean(L, 0);
        return next;
      }
      lua.lua_pushlstring(L, buf.subarray(next, next + len), len);
      return next + len + 2;
    }
    case 0x2a: // * array
    case 0x3e: { // > push
      const n = Number(lineText(buf, pos + 1, end));
      if (n < 0) {
        lua.lua_pushboolean(L, 0);
        return next;
      }
      lua.lua_createtable(L, n, 0);
      let p = next;
      for (let i = 1; i <= n; i++) {
        p = pushReply(L, buf, p);
        lua.lua_rawseti(L, -2, i);
      }
      return p;
    }
    case 0x25: { // % map
      const n = Number(lineText(buf, pos + 1, end));
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      let p = next;
      for (let i = 0; i < n; i++) {
        p = pushReply(L, buf, p);
        p = pushReply(L, buf, p);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, lit('map'));
      return p;
    }
    case 0x7e: { // ~ set
      const n = Number(lineText(buf, pos + 1, end));
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, n);
      let p = next;
      for (let i = 0; i < n; i++) {
        p = pushReply(L, buf, p);
        lua.lua_pushboolean(L, 1);
        lua.lua_settable(L, -3);
      }
      lua.lua_setfield(L, -2, lit('set'));
      return p;
    }
    case 0x5f: // _ null
      lua.lua_pushnil(L);
      return next;
    case 0x23: // # boolean
      lua.lua_pushboolean(L, buf[pos + 1] === 0x74 ? 1 : 0);
      return next;
    case 0x2c: // , double
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushnumber(L, parseDouble(lineText(buf, pos + 1, end)));
      lua.lua_setfield(L, -2, lit('double'));
      return next;
    case 0x28: // ( big number
      lua.lua_createtable(L, 0, 1);
      lua.lua_pushstring(L, buf.subarray(pos + 1, end));
      lua.lua_setfield(L, -2, lit('big_number'));
      return next;
    case 0x3d: { // = verbatim: "fmt:text"
      const len = Number(lineText(buf, pos + 1, end));
      lua.lua_createtable(L, 0, 1);
      lua.lua_createtable(L, 0, 2);
      lua.lua_pushlstring(L, buf.subarray(next + 4, next + len), len - 4);
      lua.lua_setfield(L, -2, lit('string'));
      lua.lua_pushlstring(L, buf.subarray(next, next + 3), 3);
      lua.lua_setfield(L, -2, lit('format'));
      lua.lua_setfield(L, -2, lit('verbatim_string'));
      return next + len + 2;
    }
    case 0x7c: { // | attribute: skipped, the value follows
      const n = Number(lineText(buf, pos + 1, end));
      let p = next;
      for (let i = 0; i < 2 * n; i++) {
        p = pushReply(L, buf, p);
        lua.lua_pop(L, 1);
      }
      return pushReply(L, buf, p);
    }
    default:
      lua.lua_pushnil(L);
      return buf.length;
  }
}

function parseDouble(s: string): number {
  if (s === 'inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** Reads field `name` of the table at the top (raw) and leaves it pushed; returns its type. */
function rawField(L: LuaState, name: string): number {
  lua.lua_pushstring(L, lit(name));
  lua.lua_rawget(L, -2);
  return lua.lua_type(L, -1);
}

function stringAt(L: LuaState, idx: number): string {
  return latin1Of(lua.lua_tolstring(L, idx));
}

/** Truncation to an integer as C's (long long) cast of a double (out of range and NaN clamp). */
function toLongLong(n: number): number | bigint {
  if (Number.isNaN(n)) return 0;
  const t = Math.trunc(n);
  if (Number.isSafeInteger(t)) return t;
  if (t >= 9223372036854775807) return 9223372036854775807n;
  if (t <= -9223372036854775808) return -9223372036854775808n;
  return BigInt(t);
}

/**
 * Writes the Lua value at the top of L's stack as a reply and pops it. `scriptResp` is the protocol
 * the script chose with redis.setresp (booleans depend on it); `out` encodes for the caller.
 */
export function writeLuaValue(L: LuaState, out: ReplyWriter, scriptResp: 2 | 3, depth = 0): void {
  // Redis stops where Lua's C stack would overflow (a table that contains itself ends there).
  if (depth > MAX_REPLY_DEPTH || !lua.lua_checkstack(L, 4)) {
    out.error('ERR reached lua stack limit');
    lua.lua_pop(L, 1);
    return;
  }
  const t = lua.lua_type(L, -1);
  switch (t) {
    case lua.LUA_TSTRING:
      out.bulk(stringAt(L, -1));
      break;
    case lua.LUA_TBOOLEAN:
      if (scriptResp === 2) {
        if (lua.lua_toboolean(L, -1)) out.integer(1);
        else out.nil();
      } else {
        out.bool(lua.lua_toboolean(L, -1));
      }
      break;
    case lua.LUA_TNUMBER:
      out.integer(toLongLong(lua.lua_tonumber(L, -1)));
      break;
    case lua.LUA_TTABLE:
      writeLuaTable(L, out, scriptResp, depth + 1);
      return;
    default:
      out.nil();
  }
  lua.lua_pop(L, 1);
}

/**
 * An error reply; `uncounted` when the error was counted already where it happened (a command's
 * error returned by redis.pcall or raised by redis.call: Redis's ignore_error_stats_update).
 */
export function writeErrorReply(out: ReplyWriter, message: string, uncounted: boolean): void {
  if (!uncounted) {
    out.error(message);
    return;
  }
  out.errorUncounted(message);
}

/** Whether the error table at idx carries ignore_error_stats_update = true. */
export function ignoresErrorStats(L: LuaState, idx: number): boolean {
  lua.lua_getfield(L, idx, lit('ignore_error_stats_update'));
  const ignore = lua.lua_type(L, -1) === lua.LUA_TBOOLEAN && lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  return Boolean(ignore);
}

/** The error message of an error table (its err field), newlines as spaces. */
export function errorTableMessage(L: LuaState, idx: number): string | null {
  lua.lua_getfield(L, idx, lit('err'));
  const message = lua.lua_type(L, -1) === lua.LUA_TSTRING ? stringAt(L, -1) : null;
  lua.lua_pop(L, 1);
  return message;
}

function writeLuaTable(L: LuaState, out: ReplyWriter, scriptResp: 2 | 3, depth: number): void {
  if (rawField(L, 'err') === lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    const message = errorTableMessage(L, -1) ?? '';
    writeErrorReply(out, message.replace(/[\r\n]/g, ' '), ignoresErrorStats(L, -1));
    lua.lua_pop(L, 1);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'ok') === lua.LUA_TSTRING) {
    out.simple(stringAt(L, -1).replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 2);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'double') === lua.LUA_TNUMBER) {
    out.double(lua.lua_tonumber(L, -1));
    lua.lua_pop(L, 2);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'big_number') === lua.LUA_TSTRING) {
    out.bigNumber(stringAt(L, -1).replace(/[\r\n]/g, ' '));
    lua.lua_pop(L, 2);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'verbatim_string') === lua.LUA_TTABLE) {
    if (rawField(L, 'format') === lua.LUA_TSTRING) {
      const format = stringAt(L, -1);
      lua.lua_pop(L, 1);
      if (rawField(L, 'string') === lua.LUA_TSTRING) {
        out.verbatim(stringAt(L, -1), format.slice(0, 3));
        lua.lua_pop(L, 3);
        return;
      }
      lua.lua_pop(L, 1);
    } else {
      lua.lua_pop(L, 1);
    }
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'map') === lua.LUA_TTABLE) {
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      n++;
      lua.lua_pop(L, 1);
    }
    out.map(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pushvalue(L, -2);
      writeLuaValue(L, out, scriptResp, depth); // key
      writeLuaValue(L, out, scriptResp, depth); // value
    }
    lua.lua_pop(L, 2);
    return;
  }
  lua.lua_pop(L, 1);
  if (rawField(L, 'set') === lua.LUA_TTABLE) {
    let n = 0;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      n++;
      lua.lua_pop(L, 1);
    }
    out.set(n);
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      lua.lua_pushvalue(L, -1);
      writeLuaValue(L, out, scriptResp, depth);
    }
    lua.lua_pop(L, 2);
    return;
  }
  lua.lua_pop(L, 1);
  // An array: elements 1..n up to the first nil.
  let n = 0;
  for (;;) {
    lua.lua_rawgeti(L, -1, n + 1);
    const nil = lua.lua_type(L, -1) === lua.LUA_TNIL;
    lua.lua_pop(L, 1);
    if (nil) break;
    n++;
  }
  out.array(n);
  for (let i = 1; i <= n; i++) {
    lua.lua_rawgeti(L, -1, i);
    writeLuaValue(L, out, scriptResp, depth);
  }
  lua.lua_pop(L, 1);
}
