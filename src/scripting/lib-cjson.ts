// The lua-cjson library Redis loads as `cjson`: encode, decode, cjson.null and the settings the
// Redis tests use (encode/decode max depth, invalid numbers, keep buffer). Strings are bytes:
// encoded text passes bytes >= 0x80 through; \uXXXX escapes decode to UTF-8.
import { lua, lauxlib, lit, latin1Of, luaBytes, type LuaState } from './lua-api.ts';

interface CjsonSettings {
  encodeMaxDepth: number;
  decodeMaxDepth: number;
  encodeInvalidNumbers: boolean;
  decodeInvalidNumbers: boolean;
  sparseConvert: boolean;
  sparseRatio: number;
  sparseSafe: number;
  numberPrecision: number;
}

const ESCAPES: string[] = [];
for (let c = 0; c < 256; c++) {
  if (c < 0x20) ESCAPES[c] = '\\u' + c.toString(16).padStart(4, '0');
}
ESCAPES[0x08] = '\\b';
ESCAPES[0x09] = '\\t';
ESCAPES[0x0a] = '\\n';
ESCAPES[0x0c] = '\\f';
ESCAPES[0x0d] = '\\r';
ESCAPES[0x22] = '\\"';
ESCAPES[0x5c] = '\\\\';
ESCAPES[0x2f] = '\\/';
ESCAPES[0x7f] = '\\u007f';

function encodeString(s: string): string {
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const e = ESCAPES[s.charCodeAt(i)];
    if (e !== undefined) {
      out += s.slice(start, i) + e;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}

/** "%.14g" as C prints it. */
export function formatG(n: number, precision = 14): string {
  if (Number.isInteger(n) && Math.abs(n) < 10 ** precision) return Object.is(n, -0) ? '-0' : String(n);
  let s = n.toPrecision(precision);
  if (s.includes('e')) {
    let [m, e] = s.split('e') as [string, string];
    if (m.includes('.')) m = m.replace(/0+$/, '').replace(/\.$/, '');
    const x = Number(e);
    return `${m}e${x < 0 ? '-' : '+'}${String(Math.abs(x)).padStart(2, '0')}`;
  }
  if (s.includes('.')) s = s.replace(/0+$/, '').replace(/\.$/, '');
  return s;
}

function encodeError(L: LuaState, message: string): never {
  lauxlib.luaL_error(L, luaBytes(message));
  throw new Error('unreachable');
}

function isNull(L: LuaState, idx: number): boolean {
  return lua.lua_type(L, idx) === lua.LUA_TLIGHTUSERDATA && lua.lua_touserdata(L, idx) === null;
}

function encodeValue(L: LuaState, settings: CjsonSettings, depth: number): string {
  const t = lua.lua_type(L, -1);
  switch (t) {
    case lua.LUA_TSTRING:
      return encodeString(latin1Of(lua.lua_tolstring(L, -1)));
    case lua.LUA_TNUMBER: {
      const n = lua.lua_tonumber(L, -1) as number;
      if (!Number.isFinite(n)) {
        if (!settings.encodeInvalidNumbers) encodeError(L, 'Cannot serialise number: must not be NaN or Inf');
        return Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
      }
      return formatG(n, settings.numberPrecision);
    }
    case lua.LUA_TBOOLEAN:
      return lua.lua_toboolean(L, -1) ? 'true' : 'false';
    case lua.LUA_TNIL:
      return 'null';
    case lua.LUA_TLIGHTUSERDATA:
      if (isNull(L, -1)) return 'null';
      break;
    case lua.LUA_TTABLE:
      return encodeTable(L, settings, depth + 1);
  }
  return encodeError(L, `Cannot serialise ${latin1Of(lauxlib.luaL_typename(L, -1))}: type not supported`);
}

/** The array length when every key is a positive integer (and the array is not too sparse), else -1. */
function arrayLength(L: LuaState, settings: CjsonSettings): number {
  let max = 0;
  let items = 0;
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    if (lua.lua_type(L, -2) === lua.LUA_TNUMBER) {
      const k = lua.lua_tonumber(L, -2) as number;
      if (Number.isInteger(k) && k >= 1) {
        if (k > max) max = k;
        items++;
        lua.lua_pop(L, 1);
        continue;
      }
    }
    lua.lua_pop(L, 2);
    return -1;
  }
  if (settings.sparseRatio > 0 && max > items * settings.sparseRatio && max > settings.sparseSafe) {
    if (!settings.sparseConvert) encodeError(L, 'Cannot serialise table: excessively sparse array');
    return -1;
  }
  return max;
}

function encodeTable(L: LuaState, settings: CjsonSettings, depth: number): string {
  if (depth > settings.encodeMaxDepth) encodeError(L, `Cannot serialise, excessive nesting (${depth})`);
  lauxlib.luaL_checkstack(L, 6, lit('too many nested tables'));
  const length = arrayLength(L, settings);
  if (length > 0) {
    const parts: string[] = [];
    for (let i = 1; i <= length; i++) {
      lua.lua_rawgeti(L, -1, i);
      parts.push(encodeValue(L, settings, depth));
      lua.lua_pop(L, 1);
    }
    return `[${parts.join(',')}]`;
  }
  const parts: string[] = [];
  lua.lua_pushnil(L);
  while (lua.lua_next(L, -2)) {
    const kt = lua.lua_type(L, -2);
    let key: string;
    if (kt === lua.LUA_TSTRING) key = encodeString(latin1Of(lua.lua_tolstring(L, -2)));
    else if (kt === lua.LUA_TNUMBER) key = `"${formatG(lua.lua_tonumber(L, -2) as number, settings.numberPrecision)}"`;
    else encodeError(L, 'Cannot serialise table: table key must be a number or string');
    parts.push(`${key}:${encodeValue(L, settings, depth)}`);
    lua.lua_pop(L, 1);
  }
  return `{${parts.join(',')}}`;
}

class JsonDecoder {
  pos = 0;
  depth = 0;
  private readonly s: string;
  private readonly L: LuaState;
  private readonly settings: CjsonSettings;

  constructor(L: LuaState, s: string, settings: CjsonSettings) {
    this.L = L;
    this.s = s;
    this.settings = settings;
  }

  fail(what: string): never {
    lauxlib.luaL_error(this.L, luaBytes(`Expected ${what} but found invalid token at character ${this.pos + 1}`));
    throw new Error('unreachable');
  }

  private skipSpace(): void {
    const s = this.s;
    while (this.pos < s.length) {
      const c = s.charCodeAt(this.pos);
      if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) this.pos++;
      else break;
    }
  }

  /** Pushes the value at pos. */
  value(): void {
    const L = this.L;
    this.skipSpace();
    const s = this.s;
    const c = s[this.pos];
    if (c === '{' || c === '[') {
      if (++this.depth > this.settings.decodeMaxDepth) {
        lauxlib.luaL_error(L, luaBytes(`Found too many nested data structures (${this.depth}) at character ${this.pos + 1}`));
      }
      lauxlib.luaL_checkstack(L, 4, lit('too many nested data structures'));
      this.pos++;
      if (c === '{') this.object();
      else this.array();
      this.depth--;
      return;
    }
    if (c === '"') {
      lua.lua_pushstring(L, luaBytes(this.string()));
      return;
    }
    if (s.startsWith('true', this.pos)) {
      this.pos += 4;
      lua.lua_pushboolean(L, 1);
      return;
    }
    if (s.startsWith('false', this.pos)) {
      this.pos += 5;
      lua.lua_pushboolean(L, 0);
      return;
    }
    if (s.startsWith('null', this.pos)) {
      this.pos += 4;
      lua.lua_pushlightuserdata(L, null);
      return;
    }
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(s.slice(this.pos, this.pos + 400));
    if (m !== null) {
      this.pos += m[0].length;
      lua.lua_pushnumber(L, Number(m[0]));
      return;
    }
    this.fail('value');
  }

  private string(): string {
    const s = this.s;
    let out = '';
    let i = this.pos + 1;
    let start = i;
    for (;;) {
      if (i >= s.length) this.fail('string end');
      const c = s.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        out += s.slice(start, i);
        const e = s[i + 1];
        const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
        if (e !== undefined && simple[e] !== undefined) {
          out += simple[e];
          i += 2;
        } else if (e === 'u') {
          let code = parseInt(s.slice(i + 2, i + 6), 16);
          i += 6;
          if (code >= 0xd800 && code <= 0xdbff && s[i] === '\\' && s[i + 1] === 'u') {
            const low = parseInt(s.slice(i + 2, i + 6), 16);
            code = 0x10000 + ((code - 0xd800) << 10) + (low - 0xdc00);
            i += 6;
          }
          out += Buffer.from(String.fromCodePoint(code), 'utf8').toString('latin1');
        } else {
          this.pos = i;
          this.fail('string');
        }
        start = i;
        continue;
      }
      i++;
    }
    out += s.slice(start, i);
    this.pos = i + 1;
    return out;
  }

  private object(): void {
    const L = this.L;
    lua.lua_newtable(L);
    this.skipSpace();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return;
    }
    for (;;) {
      this.skipSpace();
      if (this.s[this.pos] !== '"') this.fail('object key string');
      lua.lua_pushstring(L, luaBytes(this.string()));
      this.skipSpace();
      if (this.s[this.pos] !== ':') this.fail('colon');
      this.pos++;
      this.value();
      lua.lua_rawset(L, -3);
      this.skipSpace();
      const c = this.s[this.pos++];
      if (c === '}') return;
      if (c !== ',') {
        this.pos--;
        this.fail('comma or object end');
      }
    }
  }

  private array(): void {
    const L = this.L;
    lua.lua_newtable(L);
    this.skipSpace();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return;
    }
    for (let i = 1; ; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
      this.skipSpace();
      const c = this.s[this.pos++];
      if (c === ']') return;
      if (c !== ',') {
        this.pos--;
        this.fail('comma or array end');
      }
    }
  }
}

export function openCjson(L: LuaState): void {
  const settings: CjsonSettings = {
    encodeMaxDepth: 1000, decodeMaxDepth: 1000, encodeInvalidNumbers: false, decodeInvalidNumbers: true,
    sparseConvert: false, sparseRatio: 2, sparseSafe: 10, numberPrecision: 14,
  };
  const numberSetting = (key: 'encodeMaxDepth' | 'decodeMaxDepth' | 'numberPrecision') => (L2: LuaState): number => {
    if (!lua.lua_isnoneornil(L2, 1)) settings[key] = Math.trunc(lauxlib.luaL_checknumber(L2, 1));
    lua.lua_pushnumber(L2, settings[key]);
    return 1;
  };
  const boolSetting = (key: 'encodeInvalidNumbers' | 'decodeInvalidNumbers') => (L2: LuaState): number => {
    if (!lua.lua_isnoneornil(L2, 1)) {
      const v = lua.lua_type(L2, 1) === lua.LUA_TSTRING ? latin1Of(lua.lua_tolstring(L2, 1)) !== 'off' : lua.lua_toboolean(L2, 1);
      settings[key] = Boolean(v);
    }
    lua.lua_pushboolean(L2, settings[key] ? 1 : 0);
    return 1;
  };
  const fns: Record<string, (L: LuaState) => number> = {
    encode(L2) {
      lauxlib.luaL_argcheck(L2, lua.lua_gettop(L2) === 1, 1, lit('expected 1 argument'));
      const text = encodeValue(L2, settings, 0);
      lua.lua_pushstring(L2, luaBytes(text));
      return 1;
    },
    decode(L2) {
      lauxlib.luaL_argcheck(L2, lua.lua_gettop(L2) === 1, 1, lit('expected 1 argument'));
      const text = latin1Of(lauxlib.luaL_checklstring(L2, 1));
      const decoder = new JsonDecoder(L2, text, settings);
      decoder.value();
      const end = /^[ \t\r\n]*/.exec(text.slice(decoder.pos))![0].length + decoder.pos;
      if (end < text.length) {
        decoder.pos = end;
        decoder.fail('the end');
      }
      return 1;
    },
    encode_max_depth: numberSetting('encodeMaxDepth'),
    decode_max_depth: numberSetting('decodeMaxDepth'),
    encode_number_precision: numberSetting('numberPrecision'),
    encode_invalid_numbers: boolSetting('encodeInvalidNumbers'),
    decode_invalid_numbers: boolSetting('decodeInvalidNumbers'),
    encode_keep_buffer(L2) {
      lua.lua_pushboolean(L2, 1);
      return 1;
    },
    encode_sparse_array(L2) {
      if (!lua.lua_isnoneornil(L2, 1)) settings.sparseConvert = Boolean(lua.lua_toboolean(L2, 1));
      if (!lua.lua_isnoneornil(L2, 2)) settings.sparseRatio = Math.trunc(lauxlib.luaL_checknumber(L2, 2));
      if (!lua.lua_isnoneornil(L2, 3)) settings.sparseSafe = Math.trunc(lauxlib.luaL_checknumber(L2, 3));
      lua.lua_pushboolean(L2, settings.sparseConvert ? 1 : 0);
      lua.lua_pushnumber(L2, settings.sparseRatio);
      lua.lua_pushnumber(L2, settings.sparseSafe);
      return 3;
    },
  };
  lua.lua_createtable(L, 0, Object.keys(fns).length + 3);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, lit(name));
  }
  lua.lua_pushlightuserdata(L, null);
  lua.lua_setfield(L, -2, lit('null'));
  lua.lua_pushstring(L, lit('cjson'));
  lua.lua_setfield(L, -2, lit('_NAME'));
  lua.lua_pushstring(L, lit('2.1.0'));
  lua.lua_setfield(L, -2, lit('_VERSION'));
  lua.lua_setglobal(L, lit('cjson'));
}
