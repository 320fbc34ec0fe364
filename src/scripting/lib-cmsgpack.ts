// The lua-cmsgpack library Redis loads as `cmsgpack`: pack(...), unpack(s), unpack_one(s, offset),
// unpack_limit(s, limit, offset), with lua-cmsgpack's encoding choices (smallest integer form,
// float32 when exact, arrays for tables with keys 1..n, nesting beyond 16 levels packed as nil).
import { lua, lauxlib, lit, latin1Of, luaBytes, type LuaState } from './lua-api.ts';

const MAX_NESTING = 16;

class Packer {
  private parts: number[] = [];
  private readonly chunks: Buffer[] = [];

  bytes(): Uint8Array {
    this.flushBytes();
    return Buffer.concat(this.chunks);
  }

  private push(...b: number[]): void {
    for (const x of b) this.parts.push(x & 0xff);
  }

  private be(value: bigint, size: number): void {
    for (let i = size - 1; i >= 0; i--) this.parts.push(Number((value >> BigInt(i * 8)) & 0xffn));
  }

  value(L: LuaState, depth: number): void {
    const t = lua.lua_type(L, -1);
    switch (t) {
      case lua.LUA_TNUMBER:
        this.number(lua.lua_tonumber(L, -1) as number);
        return;
      case lua.LUA_TSTRING:
        this.string(lua.lua_tolstring(L, -1) as Uint8Array);
        return;
      case lua.LUA_TBOOLEAN:
        this.push(lua.lua_toboolean(L, -1) ? 0xc3 : 0xc2);
        return;
      case lua.LUA_TTABLE:
        if (depth >= MAX_NESTING) this.push(0xc0);
        else this.table(L, depth + 1);
        return;
      default:
        this.push(0xc0);
    }
  }

  private number(n: number): void {
    if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) {
      const v = BigInt(n);
      if (n >= 0) {
        if (n <= 127) this.push(n);
        else if (n <= 0xff) this.push(0xcc, n);
        else if (n <= 0xffff) { this.push(0xcd); this.be(v, 2); }
        else if (n <= 0xffffffff) { this.push(0xce); this.be(v, 4); }
        else { this.push(0xcf); this.be(v, 8); }
      } else {
        if (n >= -32) this.push(0xe0 | (n & 0x1f));
        else if (n >= -128) this.push(0xd0, n);
        else if (n >= -32768) { this.push(0xd1); this.be(BigInt.asUintN(16, v), 2); }
        else if (n >= -2147483648) { this.push(0xd2); this.be(BigInt.asUintN(32, v), 4); }
        else { this.push(0xd3); this.be(BigInt.asUintN(64, v), 8); }
      }
      return;
    }
    const f32 = Math.fround(n);
    const view = new DataView(new ArrayBuffer(8));
    if (f32 === n || Number.isNaN(n)) {
      view.setFloat32(0, n);
      this.push(0xca, ...new Uint8Array(view.buffer, 0, 4));
    } else {
      view.setFloat64(0, n);
      this.push(0xcb, ...new Uint8Array(view.buffer, 0, 8));
    }
  }

  private string(s: Uint8Array): void {
    const n = s.length;
    if (n < 32) this.push(0xa0 | n);
    else if (n <= 0xff) this.push(0xd9, n);
    else if (n <= 0xffff) { this.push(0xda); this.be(BigInt(n), 2); }
    else { this.push(0xdb); this.be(BigInt(n), 4); }
    this.flushBytes();
    this.chunks.push(Buffer.from(s));
  }

  /** Bytes pushed one by one so far become a chunk (long strings are appended as chunks). */
  private flushBytes(): void {
    if (this.parts.length === 0) return;
    this.chunks.push(Buffer.from(this.parts));
    this.parts = [];
  }

  private table(L: LuaState, depth: number): void {
    lauxlib.luaL_checkstack(L, 4, lit('too many nested tables'));
    // An array when its keys are exactly 1..n.
    let count = 0;
    let max = 0;
    let isArray = true;
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pop(L, 1);
      count++;
      if (lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
        const k = lua.lua_tonumber(L, -1) as number;
        if (Number.isInteger(k) && k > 0) {
          if (k > max) max = k;
          continue;
        }
      }
      isArray = false;
    }
    if (isArray && max === count) {
      if (count < 16) this.push(0x90 | count);
      else if (count <= 0xffff) { this.push(0xdc); this.be(BigInt(count), 2); }
      else { this.push(0xdd); this.be(BigInt(count), 4); }
      for (let i = 1; i <= count; i++) {
        lua.lua_rawgeti(L, -1, i);
        this.value(L, depth);
        lua.lua_pop(L, 1);
      }
      return;
    }
    if (count < 16) this.push(0x80 | count);
    else if (count <= 0xffff) { this.push(0xde); this.be(BigInt(count), 2); }
    else { this.push(0xdf); this.be(BigInt(count), 4); }
    lua.lua_pushnil(L);
    while (lua.lua_next(L, -2)) {
      lua.lua_pushvalue(L, -2);
      this.value(L, depth);
      lua.lua_pop(L, 1);
      this.value(L, depth);
      lua.lua_pop(L, 1);
    }
  }
}

class Unpacker {
  pos: number;
  private readonly b: Buffer;
  private readonly L: LuaState;

  constructor(L: LuaState, b: Buffer, pos: number) {
    this.L = L;
    this.b = b;
    this.pos = pos;
  }

  get left(): number {
    return this.b.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.b.length) {
      lauxlib.luaL_error(this.L, lit('Missing bytes in input.'));
    }
  }

  private uint(n: number): number {
    this.need(n);
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 256 + this.b[this.pos++]!;
    return v;
  }

  private int(n: number): number {
    this.need(n);
    const v = BigInt.asIntN(n * 8, this.uintBig(n));
    return Number(v);
  }

  private uintBig(n: number): bigint {
    let v = 0n;
    for (let i = 0; i < n; i++) v = (v << 8n) | BigInt(this.b[this.pos++]!);
    return v;
  }

  private str(n: number): void {
    this.need(n);
    lua.lua_pushlstring(this.L, this.b.subarray(this.pos, this.pos + n), n);
    this.pos += n;
  }

  private array(n: number): void {
    const L = this.L;
    lauxlib.luaL_checkstack(L, 2, lit('too many nested tables'));
    lua.lua_createtable(L, n, 0);
    for (let i = 1; i <= n; i++) {
      this.value();
      lua.lua_rawseti(L, -2, i);
    }
  }

  private map(n: number): void {
    const L = this.L;
    lauxlib.luaL_checkstack(L, 3, lit('too many nested tables'));
    lua.lua_createtable(L, 0, n);
    for (let i = 0; i < n; i++) {
      this.value();
      this.value();
      lua.lua_settable(L, -3);
    }
  }

  value(): void {
    const L = this.L;
    this.need(1);
    const c = this.b[this.pos++]!;
    if (c <= 0x7f) lua.lua_pushnumber(L, c);
    else if (c >= 0xe0) lua.lua_pushnumber(L, c - 256);
    else if ((c & 0xe0) === 0xa0) this.str(c & 0x1f);
    else if ((c & 0xf0) === 0x90) this.array(c & 0x0f);
    else if ((c & 0xf0) === 0x80) this.map(c & 0x0f);
    else {
      switch (c) {
        case 0xc0: lua.lua_pushnil(L); break;
        case 0xc2: lua.lua_pushboolean(L, 0); break;
        case 0xc3: lua.lua_pushboolean(L, 1); break;
        case 0xcc: lua.lua_pushnumber(L, this.uint(1)); break;
        case 0xcd: lua.lua_pushnumber(L, this.uint(2)); break;
        case 0xce: lua.lua_pushnumber(L, this.uint(4)); break;
        case 0xcf: lua.lua_pushnumber(L, Number(this.uintBig(8))); break;
        case 0xd0: lua.lua_pushnumber(L, this.int(1)); break;
        case 0xd1: lua.lua_pushnumber(L, this.int(2)); break;
        case 0xd2: lua.lua_pushnumber(L, this.int(4)); break;
        case 0xd3: lua.lua_pushnumber(L, this.int(8)); break;
        case 0xca: this.need(4); lua.lua_pushnumber(L, this.b.readFloatBE(this.pos)); this.pos += 4; break;
        case 0xcb: this.need(8); lua.lua_pushnumber(L, this.b.readDoubleBE(this.pos)); this.pos += 8; break;
        case 0xd9: case 0xc4: this.str(this.uint(1)); break;
        case 0xda: case 0xc5: this.str(this.uint(2)); break;
        case 0xdb: case 0xc6: this.str(this.uint(4)); break;
        case 0xdc: this.array(this.uint(2)); break;
        case 0xdd: this.array(this.uint(4)); break;
        case 0xde: this.map(this.uint(2)); break;
        case 0xdf: this.map(this.uint(4)); break;
        default:
          lauxlib.luaL_error(L, lit('Bad data format in input.'));
      }
    }
  }
}

function unpackFull(L: LuaState, limit: number, offset: number): number {
  const bytes = lauxlib.luaL_checklstring(L, 1) as Uint8Array;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (offset < 0 || limit < 0) {
    return lauxlib.luaL_error(L, luaBytes(`Invalid request to unpack with offset of ${offset} and limit of ${limit}.`));
  }
  if (offset > buf.length) return lauxlib.luaL_error(L, luaBytes(`Start offset ${offset} greater than input length ${buf.length}.`));
  const decodeAll = limit === 0 && offset === 0;
  const u = new Unpacker(L, buf, offset);
  let n = 0;
  lua.lua_settop(L, 0);
  while (u.left > 0 && (decodeAll || n < limit)) {
    u.value();
    n++;
  }
  if (!decodeAll) {
    lua.lua_pushnumber(L, u.left === 0 ? -1 : u.pos);
    lua.lua_insert(L, 1);
    n++;
  }
  return n;
}

export function openCmsgpack(L: LuaState): void {
  const fns: Record<string, (L: LuaState) => number> = {
    pack(L2) {
      const argc = lua.lua_gettop(L2);
      if (argc === 0) return lauxlib.luaL_argerror(L2, 0, lit('MessagePack pack needs input.'));
      const p = new Packer();
      for (let i = 1; i <= argc; i++) {
        lua.lua_pushvalue(L2, i);
        p.value(L2, 0);
        lua.lua_pop(L2, 1);
      }
      const out = p.bytes();
      lua.lua_pushlstring(L2, out, out.length);
      return 1;
    },
    unpack: (L2) => unpackFull(L2, 0, 0),
    unpack_one: (L2) => unpackFull(L2, 1, Math.trunc(lauxlib.luaL_optnumber(L2, 2, 0))),
    unpack_limit: (L2) => unpackFull(L2, Math.trunc(lauxlib.luaL_checknumber(L2, 2)), Math.trunc(lauxlib.luaL_optnumber(L2, 3, 0))),
  };
  lua.lua_createtable(L, 0, 8);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, lit(name));
  }
  lua.lua_pushstring(L, lit('cmsgpack'));
  lua.lua_setfield(L, -2, lit('_NAME'));
  lua.lua_pushstring(L, lit('lua-cmsgpack 0.4.0'));
  lua.lua_setfield(L, -2, lit('_VERSION'));
  lua.lua_setglobal(L, lit('cmsgpack'));
  void latin1Of;
}
