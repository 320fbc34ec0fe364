// The LuaBitOp library Redis loads as `bit`: 32-bit operations on numbers, results signed.
import { lua, lauxlib, lit, type LuaState } from './lua-api.ts';

function toBit(L: LuaState, i: number): number {
  const n = lauxlib.luaL_checknumber(L, i) as number;
  // LuaBitOp normalises through a double: the low 32 bits of the rounded value.
  return Number(BigInt.asIntN(32, BigInt(Math.round(n) || 0)));
}

function unary(f: (a: number) => number) {
  return (L: LuaState): number => {
    lua.lua_pushnumber(L, f(toBit(L, 1)) | 0);
    return 1;
  };
}

function fold(f: (a: number, b: number) => number) {
  return (L: LuaState): number => {
    let acc = toBit(L, 1);
    for (let i = lua.lua_gettop(L); i > 1; i--) acc = f(acc, toBit(L, i));
    lua.lua_pushnumber(L, acc | 0);
    return 1;
  };
}

function shift(f: (a: number, n: number) => number) {
  return (L: LuaState): number => {
    lua.lua_pushnumber(L, f(toBit(L, 1), toBit(L, 2) & 31) | 0);
    return 1;
  };
}

function tohex(L: LuaState): number {
  let b = toBit(L, 1) >>> 0;
  let n = lua.lua_isnone(L, 2) ? 8 : toBit(L, 2);
  let upper = false;
  if (n < 0) {
    n = -n;
    upper = true;
  }
  if (n > 8) n = 8;
  let s = b.toString(16).padStart(8, '0').slice(8 - n);
  if (upper) s = s.toUpperCase();
  b = 0;
  lua.lua_pushstring(L, lit(s));
  return 1;
}

export function openBit(L: LuaState): void {
  const fns: Record<string, (L: LuaState) => number> = {
    tobit: unary((a) => a),
    bnot: unary((a) => ~a),
    band: fold((a, b) => a & b),
    bor: fold((a, b) => a | b),
    bxor: fold((a, b) => a ^ b),
    lshift: shift((a, n) => a << n),
    rshift: shift((a, n) => a >>> n),
    arshift: shift((a, n) => a >> n),
    rol: shift((a, n) => (a << n) | (a >>> (32 - n))),
    ror: shift((a, n) => (a >>> n) | (a << (32 - n))),
    bswap: unary((a) => ((a >>> 24) | ((a >> 8) & 0xff00) | ((a & 0xff00) << 8) | (a << 24))),
    tohex,
  };
  lua.lua_createtable(L, 0, Object.keys(fns).length);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, lit(name));
  }
  lua.lua_setglobal(L, lit('bit'));
}
