// What the AOF holds and how it is read back, as Redis 7.0 writes and reads it: timestamp
// annotations (aof-timestamp-enabled) written and skipped at load, a line that is neither a
// multibulk nor an annotation is a format error, FLUSHALL in the client's database, and the write
// reaching the file before its reply with appendfsync everysec.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { serverPerTest } from '../helpers/server-per-test.ts';
import { resp, writeIncrOnlyAof } from '../helpers/aof-files.ts';

describe('AOF format', () => {
  const t = serverPerTest('shoal-aof-format-');
  let server: RunningServer;
  let client: Redis;

  const dirWith = (incr?: string): string => {
    const dir = t.tempDir();
    if (incr !== undefined) writeIncrOnlyAof(dir, incr);
    return dir;
  };
  const incrOf = (dir: string): string => path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');

  it('writes a #TS annotation before the first write of a second with aof-timestamp-enabled, and the base of a RESP rewrite starts with one', async () => {
    const dir = dirWith();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    client = t.connect({ port: server.port });
    await client.config('SET', 'aof-timestamp-enabled', 'yes');
    await client.set('foo', 'bar');
    const first = fs.readFileSync(incrOf(dir), 'latin1').split('\r\n')[0]!;
    expect(first).toMatch(/^#TS:\d{10}$/);
    expect(Math.abs(Number(first.slice(4)) - Date.now() / 1000)).toBeLessThan(30);
    await client.bgrewriteaof();
    const manifest = path.join(dir, 'appendonlydir', 'appendonly.aof.manifest');
    const deadline = Date.now() + 20_000;
    while (!fs.readFileSync(manifest, 'latin1').includes('appendonly.aof.2.base.aof') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.2.base.aof'), 'latin1')).toMatch(/^#TS:\d+\r\n/);
  });

  it('skips annotations when it loads', async () => {
    const dir = dirWith('#TS:1628217470\r\n' + resp('set', 'foo1', 'bar1') + '#TS:1628217471\r\n#TS:1628217472\r\n' + resp('set', 'foo2', 'bar2') + '#TS:1628217474\r\n');
    server = await t.start(['--dir', dir, '--appendonly', 'yes']);
    client = t.connect({ port: server.port });
    expect(await client.mget('foo1', 'foo2')).toEqual(['bar1', 'bar2']);
  });

  it('refuses a line that is neither a command nor an annotation: Bad file format', async () => {
    const dir = dirWith(resp('set', 'foo', 'hello') + '!!!' + resp('set', 'foo', 'hello'));
    await expect(startShoal(['--dir', dir, '--appendonly', 'yes'])).rejects.toThrow(/Bad file format reading the append only file appendonly\.aof\.1\.incr\.aof/);
  });

  it('logs FLUSHALL in the client\'s database (no SELECT 0 before it)', async () => {
    const dir = dirWith();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
    client = t.connect({ port: server.port, db: 9 });
    await client.set('key', 'value');
    await client.flushall();
    await client.flushall();
    const commands = fs.readFileSync(incrOf(dir), 'latin1').split('\r\n').filter((l) => l !== '' && l[0] !== '*' && l[0] !== '$').map((l) => l.toLowerCase());
    expect(commands).toEqual(['select', '9', 'set', 'key', 'value', 'flushall', 'flushall']);
  });

  it('with appendfsync everysec, a write is in the file when its reply arrives', async () => {
    const dir = dirWith();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--threads', '2']);
    client = t.connect({ port: server.port });
    for (let i = 0; i < 50; i++) {
      const before = fs.statSync(incrOf(dir)).size;
      await client.set(`k${i}`, 'v');
      expect(fs.statSync(incrOf(dir)).size).toBeGreaterThan(before);
    }
    // A command that writes nothing adds nothing (GETEX without options).
    const size = fs.statSync(incrOf(dir)).size;
    await client.call('getex', 'k1');
    expect(fs.statSync(incrOf(dir)).size).toBe(size);
  });
  it('DEBUG LOADAOF answers other clients -LOADING while it replays, even while a slow script from the AOF runs', async () => {
    const dir = dirWith();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--lua-time-limit', '1', '--aof-use-rdb-preamble', 'no']);
    client = t.connect({ port: server.port });
    await client.ping();
    const incr = incrOf(dir);
    fs.writeFileSync(incr, resp('select', '9') + resp('eval', "redis.call('set',KEYS[1],'y'); for i=1,200000 do redis.call('ping') end return 'ok'", '1', 'x'));
    const other = new Redis({ port: server.port, maxRetriesPerRequest: 0, db: 9 });
    try {
      await other.ping();
      const loading = client.call('debug', 'loadaof');
      let seen = '';
      for (let i = 0; i < 400 && !seen.startsWith('LOADING'); i++) {
        seen = await other.ping().then(() => '', (err: Error) => err.message);
        if (!seen.startsWith('LOADING')) await new Promise((r) => setTimeout(r, 10));
      }
      expect(seen).toMatch(/^LOADING Redis is loading the dataset in memory/);
      expect(await loading).toBe('OK');
      expect(await other.get('x')).toBe('y');
    } finally {
      other.disconnect();
    }
  }, 120_000);
});
