// EVAL/EVALSHA/SCRIPT and FUNCTION/FCALL against a two-worker shoal: scripts whose keys live on
// both workers, the script cache and libraries seen from connections on either worker, atomicity
// against concurrent readers, and busy scripts (-BUSY, SCRIPT KILL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, rawOn, RawClient, workerOfKey } from './support.ts';

/** A reply as plain JS, with an error reply as its message. */
function txt(reply: unknown): any {
  return reply instanceof Error ? reply.message : reply;
}

let server: RunningServer;
let port: number;
let probe: RawClient;
const toClose: { close(): void }[] = [];

function ioredis(): Redis {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => {});
  toClose.push({ close: () => r.disconnect() });
  return r;
}

async function onWorker(worker: number): Promise<RawClient> {
  const c = await rawOn(port, probe, worker);
  toClose.push(c);
  return c;
}

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  port = server.port;
  probe = await RawClient.connect(port);
}, 60_000);

afterAll(async () => {
  probe?.close();
  for (const c of toClose) c.close();
  await server?.stop();
});

describe('EVAL conversions', () => {
  it('converts Lua values to replies as Redis does', async () => {
    const r = ioredis();
    expect(await r.eval("return 'hello'", 0)).toBe('hello');
    expect(await r.eval('return 100.5', 0)).toBe(100);
    expect(await r.eval("return {1,2,3,'ciao',{1,2}}", 0)).toEqual([1, 2, 3, 'ciao', [1, 2]]);
    expect(await r.eval('return {1,2,nil,4}', 0)).toEqual([1, 2]);
    expect(await r.eval('return true', 0)).toBe(1);
    expect(await r.eval('return false', 0)).toBeNull();
    expect(await r.eval("return {ok='fine'}", 0)).toBe('fine');
    await expect(r.eval("return {err='MYERR custom'}", 0)).rejects.toThrow('MYERR custom');
    await expect(r.eval("return redis.error_reply('My Error')", 0)).rejects.toThrow(/^My Error$/);
    expect(await r.eval("return redis.status_reply('STATUS')", 0)).toBe('STATUS');
    expect(await r.eval('return KEYS[1] .. ARGV[1] .. #ARGV', 1, 'k', 'a', 'b')).toBe('ka2');
    expect(await r.eval('return tostring(10/2)', 0)).toBe('5');
  });

  it('converts replies to Lua values as Redis does', async () => {
    const r = ioredis();
    await r.set('conv:s', 'v');
    expect(await r.eval("return type(redis.call('get', 'conv:missing'))", 0)).toBe('boolean');
    expect(await r.eval("return redis.call('set', 'conv:s', 'w')['ok']", 0)).toBe('OK');
    expect(await r.eval("local t = redis.pcall('incr', 'conv:s') return t['err']", 0)).toBe('ERR value is not an integer or out of range');
    expect(await r.eval("return redis.call('incrby', 'conv:n', 5) + 1", 0)).toBe(6);
    expect(await r.eval("redis.setresp(3) return redis.call('hgetall', 'conv:none')['map'] ~= nil", 0)).toBe(1);
  });

  it('counts each error reply once in INFO errorstats', async () => {
    const r = ioredis();
    await r.config('RESETSTAT');
    await r.set('errstats:s', 'text');
    await expect(r.eval("return redis.call('incr', KEYS[1])", 1, 'errstats:s')).rejects.toThrow('ERR value is not an integer or out of range');
    expect(await r.eval("return redis.pcall('incr', KEYS[1])['err']", 1, 'errstats:s')).toBe('ERR value is not an integer or out of range');
    await expect(r.eval("return redis.pcall('incr', KEYS[1])", 1, 'errstats:s')).rejects.toThrow('ERR value is not an integer');
    await expect(r.eval("return redis.error_reply('MYCODE from the script')", 0)).rejects.toThrow('MYCODE from the script');
    const info = await r.info('errorstats');
    expect(info).toContain('errorstat_ERR:count=3');
    expect(info).toContain('errorstat_MYCODE:count=1');
  });

  it('reports errors with Redis 7.0 texts', async () => {
    const r = ioredis();
    await expect(r.eval('return 1', 2, 'a')).rejects.toThrow("ERR Number of keys can't be greater than number of args");
    await expect(r.eval('return 1', -1)).rejects.toThrow("ERR Number of keys can't be negative");
    await expect(r.evalsha('ffffffffffffffffffffffffffffffffffffffff', 0)).rejects.toThrow('NOSCRIPT No matching script. Please use EVAL.');
    await expect(r.eval("redis.call('nosuchcommand')", 0)).rejects.toThrow(/ERR Unknown Redis command called from script script: [0-9a-f]{40}, on @user_script:1\./);
    await expect(r.eval('return a', 0)).rejects.toThrow("Script attempted to access nonexistent global variable 'a'");
    await expect(r.eval('a = 1', 0)).rejects.toThrow('Attempt to modify a readonly table');
    await expect(r.eval("redis.call = function() end", 0)).rejects.toThrow('Attempt to modify a readonly table');
    await expect(r.eval('return +', 0)).rejects.toThrow(/ERR Error compiling script \(new function\): user_script:1:/);
    await expect(r.call('eval_ro', "return redis.call('set', 'ro:k', 1)", '0')).rejects.toThrow('Write commands are not allowed from read-only scripts.');
    await expect(r.eval('#!lua flags=no-such\nreturn 1', 0)).rejects.toThrow('ERR Unexpected flag in script shebang: no-such');
    await expect(r.call('eval_ro', '#!lua\nreturn 1', '0')).rejects.toThrow('ERR Can not execute a script with write flag using *_ro command.');
    expect(await r.call('eval_ro', '#!lua flags=no-writes\nreturn 1', '0')).toBe(1);
  });
});

describe('scripts with keys on both workers', () => {
  it('reads and writes keys owned by different workers in one script', async () => {
    const k0 = keyOn(0, 'both');
    const k1 = keyOn(1, 'both');
    expect(workerOfKey(k0)).not.toBe(workerOfKey(k1));
    for (const worker of [0, 1]) {
      const c = await onWorker(worker);
      const script = "redis.call('set', KEYS[1], ARGV[1]) redis.call('set', KEYS[2], ARGV[2]) return {redis.call('get', KEYS[1]), redis.call('get', KEYS[2]), redis.call('mget', KEYS[1], KEYS[2])}";
      const reply = txt(await c.call('EVAL', script, '2', k0, k1, `x${worker}`, `y${worker}`));
      expect(reply).toEqual([`x${worker}`, `y${worker}`, [`x${worker}`, `y${worker}`]]);
    }
    const r = ioredis();
    expect(await r.mget(k0, k1)).toEqual(['x1', 'y1']);
    expect(await r.eval("return redis.call('del', KEYS[1], KEYS[2])", 2, k0, k1)).toBe(2);
  });

  it('reads keys of both workers, and writes from inside table.sort when the key is on this worker', async () => {
    const c0 = await onWorker(0);
    const here = keyOn(0, 'sortcb');
    const there = keyOn(1, 'sortcb');
    expect(txt(await c0.call('MSET', here, 'h', there, 't'))).toBe('OK');
    // Read-only: the first attempt runs without locks and gives up at the key of worker 1.
    for (let i = 0; i < 2; i++) {
      expect(txt(await c0.call('EVAL', "return {redis.call('get', KEYS[1]), redis.call('get', KEYS[2])}", '2', here, there))).toEqual(['h', 't']);
    }
    const sortScript = "local t = {3, 1, 2} table.sort(t, function(a, b) redis.call('set', KEYS[1], 'sorted') return a < b end) return t";
    expect(txt(await c0.call('EVAL', sortScript, '1', here))).toEqual([1, 2, 3]);
    expect(txt(await c0.call('GET', here))).toBe('sorted');
    // A key of another worker cannot be reached from a function JavaScript calls back (no yield there).
    expect(txt(await c0.call('EVAL', sortScript, '1', there))).toMatch(/needs another worker and cannot run inside this Lua call/);
    expect(txt(await c0.call('GET', there))).toBe('t');
  });

  it('finds a script loaded on one worker from a connection on the other', async () => {
    const c0 = await onWorker(0);
    const c1 = await onWorker(1);
    const sha = txt(await c0.call('SCRIPT', 'LOAD', "return 'loaded-' .. ARGV[1]"));
    expect(txt(await c1.call('SCRIPT', 'EXISTS', sha, 'ffffffffffffffffffffffffffffffffffffffff'))).toEqual([1, 0]);
    expect(txt(await c1.call('EVALSHA', sha, '0', 'x'))).toBe('loaded-x');
    // A body first run with EVAL on one worker is found by EVALSHA on the other.
    const body = `return ${Date.now()}`;
    const bodySha = txt(await c1.call('EVAL', `${body}`, '0'));
    expect(typeof bodySha).toBe('number');
    const digest = txt(await c0.call('EVAL', "return redis.sha1hex(ARGV[1])", '0', body));
    expect(txt(await c0.call('EVALSHA', digest, '0'))).toBe(bodySha);
    expect(txt(await c0.call('SCRIPT', 'FLUSH'))).toBe('OK');
    expect(txt(await c1.call('SCRIPT', 'EXISTS', sha))).toEqual([0]);
  });

  it('runs inside MULTI/EXEC with keys on both workers', async () => {
    const r = ioredis();
    const k0 = keyOn(0, 'multi');
    const k1 = keyOn(1, 'multi');
    const result = await r.multi().set(k0, '1').eval("return redis.call('incr', KEYS[1]) + redis.call('incr', KEYS[2])", 2, k0, k1).get(k1).exec();
    expect(result!.map(([, v]) => v)).toEqual(['OK', 3, '1']);
  });

  it('is atomic: readers never see one key updated without the other', async () => {
    const k0 = keyOn(0, 'atomic');
    const k1 = keyOn(1, 'atomic');
    const writer = ioredis();
    const readers = [ioredis(), ioredis()];
    await writer.mset(k0, '0', k1, '0');
    const script = "local v = redis.call('incr', KEYS[1]) redis.call('set', KEYS[2], v) return v";
    const deadline = Date.now() + 1000;
    let mismatches = 0;
    let reads = 0;
    let writes = 0;
    await Promise.all([
      (async () => {
        while (Date.now() < deadline) {
          await writer.eval(script, 2, k0, k1);
          writes++;
        }
      })(),
      ...readers.map(async (r) => {
        while (Date.now() < deadline) {
          const [a, b] = (await r.mget(k0, k1)) as [string, string];
          reads++;
          if (a !== b) mismatches++;
        }
      }),
    ]);
    expect(writes).toBeGreaterThan(5);
    expect(reads).toBeGreaterThan(5);
    expect(mismatches).toBe(0);
  }, 20_000);
});

describe('scripts and the rest of the server', () => {
  it('PUBLISH, INFO and KEYS from a script reach every worker under the script transaction', async () => {
    const r = ioredis();
    const subscriber = ioredis();
    await subscriber.subscribe('script-channel');
    const received = new Promise<string>((resolve) => subscriber.on('message', (_channel, message) => resolve(message)));
    expect(await r.eval("return redis.call('publish', 'script-channel', 'from-lua')", 0)).toBe(1);
    expect(await received).toBe('from-lua');
    await r.set(keyOn(1, 'kw'), 'v');
    const info = (await r.eval("return redis.call('info', 'server')", 0)) as string;
    expect(info).toContain('redis_version:');
    expect(await r.eval("return #redis.call('keys', ARGV[1])", 0, keyOn(1, 'kw'))).toBe(1);
  });

  it('wakes a client blocked on another worker once the script ends', async () => {
    const key = keyOn(1, 'wake');
    const blocked = await onWorker(1);
    const waiting = blocked.call('BLPOP', key, '5');
    // Wait until the BLPOP is registered (CLIENT LIST shows it) before the script runs.
    const r = ioredis();
    for (let i = 0; i < 100 && txt(await r.call('client', 'list')).indexOf('cmd=blpop') < 0; i++);
    expect(await r.eval("redis.call('rpush', KEYS[1], 'a', 'b') return redis.call('llen', KEYS[1])", 1, key)).toBe(2);
    expect(txt(await waiting)).toEqual([key, 'a']);
    expect(await r.lrange(key, 0, -1)).toEqual(['b']);
  });

  it('runs in the database the caller selected, and SELECT inside the script stays inside it', async () => {
    const c = await onWorker(0);
    const key = keyOn(1, 'dbsel');
    expect(txt(await c.call('SELECT', '3'))).toBe('OK');
    expect(txt(await c.call('EVAL', "redis.call('set', KEYS[1], 'in3') redis.call('select', 4) redis.call('set', KEYS[1], 'in4') return 1", '1', key))).toBe(1);
    expect(txt(await c.call('GET', key))).toBe('in3');
    expect(txt(await c.call('SELECT', '4'))).toBe('OK');
    expect(txt(await c.call('GET', key))).toBe('in4');
  });
});

describe('functions', () => {
  const library = "#!lua name=mylib\nredis.register_function('setboth', function(keys, args) redis.call('set', keys[1], args[1]) redis.call('set', keys[2], args[1]) return redis.call('mget', keys[1], keys[2]) end)\nredis.register_function{function_name='getone', callback=function(keys) return redis.call('get', keys[1]) end, flags={'no-writes'}, description='reads'}";

  it('loads a library visible from every worker and calls it with keys on both workers', async () => {
    const c0 = await onWorker(0);
    const c1 = await onWorker(1);
    expect(txt(await c0.call('FUNCTION', 'LOAD', library))).toBe('mylib');
    expect(txt(await c1.call('FUNCTION', 'LOAD', library))).toMatch(/Library 'mylib' already exists/);
    const k0 = keyOn(0, 'fn');
    const k1 = keyOn(1, 'fn');
    expect(txt(await c1.call('FCALL', 'setboth', '2', k0, k1, 'v'))).toEqual(['v', 'v']);
    expect(txt(await c0.call('FCALL_RO', 'getone', '1', k1))).toBe('v');
    expect(txt(await c0.call('FCALL_RO', 'setboth', '2', k0, k1, 'w'))).toMatch(/Can not execute a script with write flag using \*_ro command/);
    expect(txt(await c1.call('FCALL', 'nosuch', '0'))).toMatch(/ERR Function not found/);
    const list = txt(await c1.call('FUNCTION', 'LIST'));
    expect(list).toEqual([[
      'library_name', 'mylib', 'engine', 'LUA', 'functions',
      [['name', 'setboth', 'description', null, 'flags', []], ['name', 'getone', 'description', 'reads', 'flags', ['no-writes']]],
    ]]);
  });

  it('dumps and restores libraries in Redis format', async () => {
    const r = ioredis();
    const payload = await r.callBuffer('function', 'dump') as Buffer;
    expect(payload[0]).toBe(245); // RDB_OPCODE_FUNCTION2
    await expect(r.call('function', 'restore', payload)).rejects.toThrow('Library mylib already exists');
    expect(await r.call('function', 'flush')).toBe('OK');
    const c1 = await onWorker(1);
    expect(txt(await c1.call('FCALL', 'getone', '1', 'x'))).toMatch(/Function not found/);
    expect(await r.call('function', 'restore', payload)).toBe('OK');
    expect(txt(await c1.call('FCALL', 'getone', '1', keyOn(1, 'fn')))).toBe('v');
    expect(await r.call('function', 'delete', 'mylib')).toBe('OK');
    await expect(r.call('function', 'delete', 'mylib')).rejects.toThrow('ERR Library not found');
  });

  it('rejects malformed libraries with Redis messages', async () => {
    const r = ioredis();
    await expect(r.call('function', 'load', 'return 1')).rejects.toThrow('ERR Missing library metadata');
    await expect(r.call('function', 'load', '#!lua name=bad-name\nreturn 1')).rejects.toThrow('Library names can only contain letters');
    await expect(r.call('function', 'load', '#!lua name=empty\nlocal x = 1')).rejects.toThrow('ERR No functions registered');
    await expect(r.call('function', 'load', "#!lua name=callsatload\nredis.call('ping')")).rejects.toThrow(/Error registering functions/);
  });
});

describe('busy scripts', () => {
  it('answers -BUSY on both workers past busy-reply-threshold, and SCRIPT KILL stops the script', async () => {
    const admin = ioredis();
    await admin.config('SET', 'busy-reply-threshold', '100');
    try {
      const runner = await onWorker(0);
      const other0 = await onWorker(0);
      const other1 = await onWorker(1);
      const running = runner.call('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
      // Wait until the script is busy: then PING is refused on either worker. Bounded by time, not by a
      // count of PINGs: a fast server answers 200 of them before busy-reply-threshold has passed.
      let busyReply: unknown;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        busyReply = txt(await other1.call('PING'));
        if (String(busyReply).startsWith('BUSY')) break;
      }
      expect(busyReply).toBe('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.');
      expect(txt(await other0.call('GET', 'x'))).toMatch(/^BUSY /);
      expect(txt(await other0.call('FUNCTION', 'KILL'))).toMatch(/^BUSY .*SCRIPT KILL/);
      expect(txt(await other1.call('SCRIPT', 'KILL'))).toBe('OK');
      expect(txt(await running)).toMatch(/Script killed by user with SCRIPT KILL/);
      expect(txt(await other1.call('PING'))).toBe('PONG');
      expect(txt(await other0.call('SCRIPT', 'KILL'))).toMatch(/^NOTBUSY/);
    } finally {
      await admin.config('SET', 'busy-reply-threshold', '5000');
    }
  }, 30_000);

  it('kills a script that loops inside pcall, and a busy function with FUNCTION KILL', async () => {
    const admin = ioredis();
    await admin.config('SET', 'busy-reply-threshold', '50');
    try {
      const runner = await onWorker(1);
      const other = await onWorker(0);
      const waitBusy = async (): Promise<void> => {
        for (let i = 0; i < 400; i++) if (String(txt(await other.call('PING'))).startsWith('BUSY')) return;
        throw new Error('the script never became busy');
      };
      const looping = runner.call('EVAL', "local f = function() while 1 do redis.call('ping') end end while 1 do pcall(f) end", '0');
      await waitBusy();
      expect(txt(await other.call('SCRIPT', 'KILL'))).toBe('OK');
      expect(txt(await looping)).toMatch(/Script killed by user with SCRIPT KILL/);

      expect(txt(await other.call('FUNCTION', 'LOAD', 'REPLACE', "#!lua name=spin\nredis.register_function{function_name='spin', callback=function() while true do end end, flags={'no-writes'}}"))).toBe('spin');
      const spinning = runner.call('FCALL', 'spin', '0');
      await waitBusy();
      expect(txt(await other.call('SCRIPT', 'KILL'))).toMatch(/^BUSY .*FUNCTION KILL/);
      const stats = await other.call('FUNCTION', 'STATS');
      expect(stats[0]).toBe('running_script');
      expect(stats[1].slice(0, 4)).toEqual(['name', 'spin', 'command', ['FCALL', 'spin', '0']]);
      expect(txt(await other.call('FUNCTION', 'KILL'))).toBe('OK');
      expect(txt(await spinning)).toMatch(/Script killed by user/);
    } finally {
      await admin.config('SET', 'busy-reply-threshold', '5000');
    }
  }, 30_000);

  it('refuses to kill a script that has written (UNKILLABLE) and lets it finish', async () => {
    const admin = ioredis();
    await admin.config('SET', 'busy-reply-threshold', '50');
    try {
      const runner = await onWorker(0);
      const other = await onWorker(1);
      const key = keyOn(1, 'unkillable');
      const script = "redis.call('set', KEYS[1], 'started') local t0 = tonumber(redis.call('time')[1]) while tonumber(redis.call('time')[1]) < t0 + 2 do end redis.call('set', KEYS[1], 'done') return 'finished'";
      const running = runner.call('EVAL', script, '1', key);
      let reply: unknown;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        reply = txt(await other.call('SCRIPT', 'KILL'));
        if (!String(reply).startsWith('NOTBUSY')) break;
      }
      expect(reply).toMatch(/^UNKILLABLE Sorry the script already executed write commands against the dataset/);
      expect(txt(await running)).toBe('finished');
      expect(txt(await other.call('GET', key))).toBe('done');
    } finally {
      await admin.config('SET', 'busy-reply-threshold', '5000');
    }
  }, 30_000);
});
