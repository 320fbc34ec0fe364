// Minimal typings for fengari (a Lua 5.3 VM in JavaScript; it ships none). Lua strings are byte
// arrays (Uint8Array); the API mirrors Lua's C API names.
declare module 'fengari' {
  /** A lua_State (opaque). */
  export type LuaState = { readonly __luaState: unique symbol };
  export type LuaFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;
  export type LuaContinuation = (L: LuaState, status: number, ctx: unknown) => number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lua: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lauxlib: Record<string, any>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  export const lualib: Record<string, any>;
  export function to_luastring(s: string, cache?: boolean): Uint8Array;
  export function to_jsstring(s: Uint8Array, from?: number, to?: number, replacement_char?: boolean): string;
  const fengari: {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    lua: Record<string, any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    lauxlib: Record<string, any>;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    lualib: Record<string, any>;
    to_luastring: typeof to_luastring;
    to_jsstring: typeof to_jsstring;
  };
  export default fengari;
}
