// The `struct` library Redis loads (Roberto Ierusalimschy's struct.c): pack, unpack and size for
// the integer (b B h H i I l L, with a byte count after i/I), float (f d), string (s z cN) and
// padding (x) formats, with < > = ! for endianness and alignment.
import { lua, lauxlib, lit, latin1Of, luaBytes, type LuaState } from './lua-api.ts';

interface Item {
  kind: string;
  size: number;
}

function parseFormat(L: LuaState, fmt: string, onItem: (item: Item, little: boolean) => void): void {
  let little = true;
  for (let i = 0; i < fmt.length; i++) {
    const c = fmt[i]!;
    let digits = '';
    while (i + 1 < fmt.length && /\d/.test(fmt[i + 1]!)) digits += fmt[++i];
    const n = digits === '' ? -1 : Number(digits);
    switch (c) {
      case ' ': break;
      case '<': little = true; break;
      case '>': little = false; break;
      case '=': little = true; break;
      case '!': break;
      case 'b': case 'B': onItem({ kind: c, size: 1 }, little); break;
      case 'h': case 'H': onItem({ kind: c, size: 2 }, little); break;
      case 'i': case 'I': onItem({ kind: c, size: n > 0 ? n : 4 }, little); break;
      case 'l': case 'L': case 'T': onItem({ kind: c, size: 8 }, little); break;
      case 'f': onItem({ kind: c, size: 4 }, little); break;
      case 'd': onItem({ kind: c, size: 8 }, little); break;
      case 'x': onItem({ kind: c, size: 1 }, little); break;
      case 'c': onItem({ kind: c, size: n < 0 ? 1 : n }, little); break;
      case 's': case 'z': onItem({ kind: c, size: 0 }, little); break;
      default: lauxlib.luaL_error(L, luaBytes(`invalid format option '${c}'`));
    }
  }
}

export function openStruct(L: LuaState): void {
  const fns: Record<string, (L: LuaState) => number> = {
    pack(L2) {
      const fmt = latin1Of(lauxlib.luaL_checklstring(L2, 1));
      let arg = 2;
      let out = '';
      parseFormat(L2, fmt, (item, little) => {
        if (item.kind === 'x') { out += '\0'; return; }
        if (item.kind === 'f' || item.kind === 'd') {
          const b = Buffer.alloc(item.size);
          const v = lauxlib.luaL_checknumber(L2, arg++) as number;
          if (item.size === 4) { if (little) b.writeFloatLE(v); else b.writeFloatBE(v); } else if (little) b.writeDoubleLE(v); else b.writeDoubleBE(v);
          out += b.toString('latin1');
          return;
        }
        if (item.kind === 'c' || item.kind === 's' || item.kind === 'z') {
          const s = latin1Of(lauxlib.luaL_checklstring(L2, arg++));
          if (item.kind === 'c') out += item.size === 0 ? s : s.slice(0, item.size).padEnd(item.size, '\0');
          else out += item.kind === 'z' ? s + '\0' : s;
          return;
        }
        let v = BigInt(Math.trunc(lauxlib.luaL_checknumber(L2, arg++) as number));
        const bytes: number[] = [];
        v = BigInt.asUintN(item.size * 8, v);
        for (let k = 0; k < item.size; k++) bytes.push(Number((v >> BigInt(8 * k)) & 0xffn));
        if (!little) bytes.reverse();
        out += String.fromCharCode(...bytes);
      });
      lua.lua_pushstring(L2, luaBytes(out));
      return 1;
    },
    unpack(L2) {
      const fmt = latin1Of(lauxlib.luaL_checklstring(L2, 1));
      const data = Buffer.from(latin1Of(lauxlib.luaL_checklstring(L2, 2)), 'latin1');
      let pos = Math.trunc(lauxlib.luaL_optnumber(L2, 3, 1)) - 1;
      let n = 0;
      parseFormat(L2, fmt, (item, little) => {
        lauxlib.luaL_checkstack(L2, 2, lit('too many results'));
        if (item.kind === 'x') { pos += 1; return; }
        if (item.kind === 'z') {
          const end = data.indexOf(0, pos);
          const stop = end < 0 ? data.length : end;
          lua.lua_pushstring(L2, data.subarray(pos, stop));
          pos = stop + 1;
          n++;
          return;
        }
        if (item.kind === 'c') {
          if (pos + item.size > data.length) lauxlib.luaL_error(L2, lit('data string too short'));
          lua.lua_pushlstring(L2, data.subarray(pos, pos + item.size), item.size);
          pos += item.size;
          n++;
          return;
        }
        if (pos + item.size > data.length) lauxlib.luaL_error(L2, lit('data string too short'));
        if (item.kind === 'f' || item.kind === 'd') {
          const v = item.size === 4 ? (little ? data.readFloatLE(pos) : data.readFloatBE(pos)) : little ? data.readDoubleLE(pos) : data.readDoubleBE(pos);
          lua.lua_pushnumber(L2, v);
        } else {
          let v = 0n;
          for (let k = 0; k < item.size; k++) {
            const byte = BigInt(data[little ? pos + item.size - 1 - k : pos + k]!);
            v = (v << 8n) | byte;
          }
          const signed = item.kind === item.kind.toLowerCase() && item.kind !== 'T';
          lua.lua_pushnumber(L2, Number(signed ? BigInt.asIntN(item.size * 8, v) : v));
        }
        pos += item.size;
        n++;
      });
      lua.lua_pushnumber(L2, pos + 1);
      return n + 1;
    },
    size(L2) {
      const fmt = latin1Of(lauxlib.luaL_checklstring(L2, 1));
      let total = 0;
      parseFormat(L2, fmt, (item) => {
        if (item.kind === 's' || item.kind === 'z') lauxlib.luaL_argerror(L2, 1, lit('options \'s\' and \'z\' have variable size'));
        total += item.size;
      });
      lua.lua_pushnumber(L2, total);
      return 1;
    },
  };
  lua.lua_createtable(L, 0, 3);
  for (const [name, f] of Object.entries(fns)) {
    lua.lua_pushcfunction(L, f);
    lua.lua_setfield(L, -2, lit(name));
  }
  lua.lua_setglobal(L, lit('struct'));
}
