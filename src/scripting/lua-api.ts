// The single place fengari is imported: its configuration first (module order matters), then the
// VM. Helpers convert between shoal's latin1 strings (one char per byte) and Lua's byte strings.
import './fengari-config.ts';
import { createRequire } from 'node:module';
import fengari from 'fengari';

export type { LuaState } from 'fengari';
export const { lua, lauxlib, lualib, to_luastring } = fengari;

// Numbers as in Redis's Lua 5.1, where every number is a double: fengari's integers are 32-bit
// (2147483647 + 1 wraps), so numerals in scripts and strings converted to numbers are read as
// floats. fengari's lexer, tonumber and string coercion all call lobject.luaO_str2num through the
// module object, so wrapping that one export covers them.
const lobject = createRequire(import.meta.url)('fengari/src/lobject.js') as {
  luaO_str2num: (s: Uint8Array, o: { ttisinteger(): boolean; value: number; setfltvalue(n: number): void }) => number;
};
const str2num = lobject.luaO_str2num;
lobject.luaO_str2num = (s, o) => {
  const size = str2num(s, o);
  if (size !== 0 && o.ttisinteger()) o.setfltvalue(o.value);
  return size;
};

/** A latin1 string as Lua bytes. */
export function luaBytes(s: string): Uint8Array {
  return Buffer.from(s, 'latin1');
}

/** Lua bytes as a latin1 string. */
export function latin1Of(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
}

const literalCache = new Map<string, Uint8Array>();

/** An ASCII name or message as Lua bytes (cached: names are pushed on every call). */
export function lit(s: string): Uint8Array {
  let bytes = literalCache.get(s);
  if (bytes === undefined) {
    bytes = to_luastring(s);
    if (literalCache.size < 4096) literalCache.set(s, bytes);
  }
  return bytes;
}
