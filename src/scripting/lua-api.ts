// The single place fengari is imported: its configuration first (module order matters), then the
// VM. Helpers convert between shoal's latin1 strings (one char per byte) and Lua's byte strings.
import './fengari-config.ts';
import fengari from 'fengari';

export type { LuaState } from 'fengari';
export const { lua, lauxlib, lualib, to_luastring } = fengari;

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
