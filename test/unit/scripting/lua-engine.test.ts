// The Lua engine alone (no server): Redis's sandbox, the reply conversions both ways, the libraries
// Redis loads, shebang flags, and function libraries with their DUMP payload.
import { describe, expect, it } from 'vitest';
import { LuaEngine, formatArgNumber, sha1hex, type ScriptCallHost } from '../../../src/scripting/lua-engine.ts';
import { lua } from '../../../src/scripting/lua-api.ts';
import { writeLuaValue } from '../../../src/scripting/lua-reply.ts';
import { parseShebang } from '../../../src/scripting/script-flags.ts';
import { FunctionLibraries } from '../../../src/scripting/function-libraries.ts';
import { ReplyWriter } from '../../../src/resp/reply-writer.ts';

const engine = new LuaEngine(false);

/** Runs a script to completion; redis.call answers with `replies` (RESP text) in turn. */
function run(source: string, replies: string[] = [], resp: 2 | 3 = 2): { ok: boolean; reply: string; calls: string[][] } {
  const error = engine.load(source, '@user_script');
  if (error !== null) return { ok: false, reply: `compile: ${error}`, calls: [] };
  const ref = engine.ref();
  const calls: string[][] = [];
  const host: ScriptCallHost = {
    asyncReply: null, resp: 2, replFlags: 3,
    call(argv) {
      calls.push(argv);
      return Buffer.from(replies.shift() ?? '+OK\r\n', 'latin1');
    },
    onHook() {},
  };
  engine.current = host;
  engine.setKeysAndArgs(['key1'], ['arg1', 'arg2']);
  const { co, anchor, nargs } = engine.newRun(ref, []);
  const status = lua.lua_resume(co, null, nargs);
  expect(status).toBe(lua.LUA_OK);
  const ok = Boolean(lua.lua_toboolean(co, 1));
  lua.lua_settop(co, 2);
  const out = new ReplyWriter(256);
  out.proto = resp;
  writeLuaValue(co, out, host.resp);
  engine.release(anchor);
  engine.unref(ref);
  engine.current = null;
  return { ok, reply: out.take().toString('latin1'), calls };
}

describe('Lua → reply', () => {
  it('converts values as Redis does', () => {
    expect(run("return 'hello'").reply).toBe('$5\r\nhello\r\n');
    expect(run('return 3.99').reply).toBe(':3\r\n');
    expect(run('return -3.99').reply).toBe(':-3\r\n');
    expect(run('return true').reply).toBe(':1\r\n');
    expect(run('return false').reply).toBe('$-1\r\n');
    expect(run('return nil').reply).toBe('$-1\r\n');
    expect(run("return {1, 'a', {2}, nil, 5}").reply).toBe('*3\r\n:1\r\n$1\r\na\r\n*1\r\n:2\r\n');
    expect(run("return {ok='fine\\r\\nline'}").reply).toBe('+fine  line\r\n');
    expect(run("return {err='CODE message'}").reply).toBe('-CODE message\r\n');
    expect(run("return redis.error_reply('boom')").reply).toBe('-ERR boom\r\n');
    expect(run("return {double=1.5}", [], 3).reply).toBe(',1.5\r\n');
    expect(run("return {map={a=1}}", [], 3).reply).toBe('%1\r\n$1\r\na\r\n:1\r\n');
    expect(run("return {set={x=true}}", [], 3).reply).toBe('~1\r\n$1\r\nx\r\n');
    expect(run("return {big_number='123'}", [], 3).reply).toBe('(123\r\n');
  });

  it('stops a table that contains itself at the depth limit', () => {
    const { reply } = run('local a = {} a[1] = a return a');
    expect(reply.endsWith('-ERR reached lua stack limit\r\n')).toBe(true);
  });
});

describe('reply → Lua', () => {
  it('gives redis.call results the Lua types Redis gives', () => {
    expect(run("return type(redis.call('get', 'x'))", ['$-1\r\n']).reply).toBe('$7\r\nboolean\r\n');
    expect(run("return redis.call('incr', 'x') + 1", [':41\r\n']).reply).toBe(':42\r\n');
    expect(run("return redis.call('set', 'x', 1).ok", ['+OK\r\n']).reply).toBe('$2\r\nOK\r\n');
    expect(run("return redis.pcall('x').err", ['-WRONGTYPE Operation\r\n']).reply).toBe('$19\r\nWRONGTYPE Operation\r\n');
    expect(run("local t = redis.call('hgetall', 'h') return t.map.f", ['%1\r\n$1\r\nf\r\n$1\r\nv\r\n']).reply).toBe('$1\r\nv\r\n');
    expect(run("return redis.call('x').double", [',2.5\r\n']).reply).toBe(':2\r\n');
    expect(run("return tostring(redis.call('x'))", ['#t\r\n']).reply).toBe('$4\r\ntrue\r\n');
  });

  it('passes arguments as strings, numbers formatted as %.17g', () => {
    const { calls } = run("redis.call('set', KEYS[1], 10, 0.1, ARGV[2])");
    expect(calls).toEqual([['set', 'key1', '10', '0.10000000000000001', 'arg2']]);
    expect(formatArgNumber(1e20)).toBe('1e+20');
    expect(run("return redis.pcall('set', {})").reply).toBe('-ERR Lua redis lib command arguments must be strings or integers\r\n');
  });

  it('raises redis.call errors with where they happened', () => {
    const { ok, reply } = run("\nredis.call('x')", ['-ERR bad thing\r\n']);
    expect(ok).toBe(false);
    expect(reply).toBe('-ERR bad thing\r\n');
  });
});

describe('sandbox', () => {
  it('protects globals and library tables as Redis does', () => {
    expect(run('return undefined_thing').reply).toContain("Script attempted to access nonexistent global variable 'undefined_thing'");
    for (const attempt of ['x = 1', 'redis.call = 1', 'cjson.encode = 1', 'bit.band = 1', 'setmetatable(_G, {})', 'getmetatable(_G).__index = {}', '_G.y = 1']) {
      expect(run(attempt).reply, attempt).toContain('Attempt to modify a readonly table');
    }
    for (const removed of ['print', 'loadfile', 'dofile']) expect(run(`${removed}('x')`).reply).toContain(`nonexistent global variable '${removed}'`);
    expect(run('local t = {} t.x = 1 return t.x').reply).toBe(':1\r\n');
  });

  it('has the Lua 5.1 names scripts use', () => {
    expect(run('return unpack({7, 8})').reply).toBe(':7\r\n');
    expect(run("return loadstring('return 5')()").reply).toBe(':5\r\n');
    expect(run('return tostring(10 / 2)').reply).toBe('$1\r\n5\r\n');
    expect(run("return redis.sha1hex('')").reply).toBe(`$40\r\n${sha1hex('')}\r\n`);
  });
});

describe('libraries', () => {
  it('cjson encodes and decodes', () => {
    expect(run("return cjson.encode({1, 'a/b', true})").reply).toBe('$15\r\n[1,"a\\/b",true]\r\n');
    expect(run("return cjson.decode('{\"a\":[1,2,{\"b\":null}]}').a[2]").reply).toBe(':2\r\n');
    expect(run("return tostring(cjson.decode('[0.5]')[1])").reply).toBe('$3\r\n0.5\r\n');
    expect(run("return pcall(cjson.decode, '{')").reply).toBe('$-1\r\n');
  });

  it('cmsgpack packs as lua-cmsgpack and round-trips', () => {
    const hex = (expr: string): string => run(`local e = ${expr} local h = '' for i = 1, #e do h = h .. string.format('%02x', string.byte(e, i)) end return h`).reply.split('\r\n')[1]!;
    expect(hex('cmsgpack.pack(0.1)')).toBe('cb3fb999999999999a');
    expect(hex('cmsgpack.pack(-1099511627776)')).toBe('d3ffffff0000000000');
    expect(hex("cmsgpack.pack({1, 2, 'x'})")).toBe('930102a178');
    expect(run("local t = cmsgpack.unpack(cmsgpack.pack({a = {1, 2}})) return t.a[2]").reply).toBe(':2\r\n');
  });

  it('bit and struct work on 32-bit and packed values', () => {
    expect(run('return bit.bor(1, 2, 4, 8, 16, 32, 64, 128)').reply).toBe(':255\r\n');
    expect(run('return bit.tohex(65535, 4)').reply).toBe('$4\r\nffff\r\n');
    expect(run("return struct.unpack('>I2', struct.pack('>I2', 258))").reply).toBe(':258\r\n');
  });
});

describe('shebang flags', () => {
  it('parses #!lua flags and reports Redis errors', () => {
    expect(parseShebang('return 1')).toEqual({ flags: { compat: true, names: new Set() }, shebangLength: 0 });
    const parsed = parseShebang('#!lua flags=no-writes,allow-oom\nreturn 1');
    expect(typeof parsed === 'object' && [...parsed.flags.names]).toEqual(['no-writes', 'allow-oom']);
    expect(parseShebang('#!lua flags=bogus\nreturn 1')).toBe('Unexpected flag in script shebang: bogus');
    expect(parseShebang('#!python\nreturn 1')).toBe('Unexpected engine in script shebang: #!python');
    expect(parseShebang('#!lua name=x\nreturn 1')).toBe('Unknown lua shebang option: name=x');
    expect(parseShebang('#!lua')).toBe('Invalid script shebang');
  });
});

describe('function libraries', () => {
  it('loads, lists, replaces and refuses libraries with Redis messages', () => {
    const libs = new FunctionLibraries();
    expect(libs.load("#!lua name=lib1\nredis.register_function('f1', function() return 1 end)", false)).toEqual({ name: 'lib1' });
    expect(libs.load("#!lua name=lib1\nredis.register_function('f1', function() return 1 end)", false)).toBe("Library 'lib1' already exists");
    expect(libs.load("#!lua name=lib2\nredis.register_function('F1', function() return 1 end)", false)).toBe('Function F1 already exists');
    expect(libs.load("#!lua name=lib3\nredis.register_function{function_name='g', callback=function() end, flags={'no-writes', 'bad'}}", false)).toMatch(/unknown flag given/);
    expect(libs.load("#!lua name=lib4\nlocal s = string.format('x')", false)).toMatch(/nonexistent global variable 'string'/);
    expect(libs.load('#!lua name=lib5\nreturn', false)).toBe('No functions registered');
    expect(libs.load("#!lua name=lib1\nredis.register_function('f2', function() return 2 end)", true)).toEqual({ name: 'lib1' });
    expect([...libs.functions.keys()]).toEqual(['f2']);
  });

  it('dumps in Redis format and restores with the three policies', () => {
    const libs = new FunctionLibraries();
    libs.load("#!lua name=a\nredis.register_function('fa', function() return 1 end)", false);
    const payload = libs.dump();
    expect(payload[0]).toBe(245);
    expect(payload.readUInt16LE(payload.length - 10)).toBe(10);
    const other = new FunctionLibraries();
    other.load("#!lua name=a\nredis.register_function('other', function() return 1 end)", false);
    expect(other.restore(payload.toString('latin1'), 'append')).toBe('ERR Library a already exists');
    expect(other.restore(payload.toString('latin1'), 'replace')).toBeNull();
    expect([...other.functions.keys()]).toEqual(['fa']);
    expect(other.restore(payload.toString('latin1'), 'flush')).toBeNull();
    const corrupt = Buffer.from(payload);
    corrupt[3]! ^= 1;
    expect(other.restore(corrupt.toString('latin1'), 'flush')).toBe('ERR DUMP payload version or checksum are wrong');
  });
});

describe('numbers', () => {
  it('are doubles as in Lua 5.1: no 32-bit wrap-around', () => {
    expect(run('return tostring(2147483647 + 1)').reply).toBe('$10\r\n2147483648\r\n');
    expect(run("return tostring(tonumber('4294967296') * 2)").reply).toBe('$10\r\n8589934592\r\n');
    expect(run('local t = {} for i = 1, 3 do t[i] = i * 2 end return t').reply).toBe('*3\r\n:2\r\n:4\r\n:6\r\n');
    expect(run("return string.format('%d', 7) .. string.rep('x', 2.0)").reply).toBe('$3\r\n7xx\r\n');
  });
});
