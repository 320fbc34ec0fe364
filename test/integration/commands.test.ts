// Every command family of the engine issue, over ioredis and over node-redis, with keys placed
// deliberately on both shard workers of a real two-worker shoal process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, keysOn, plain, RawClient, rawOn, rawPerWorker, tagOn, workerClients, workerOfKey } from './support.ts';

type Arg = string | number;

/** The same surface over both client libraries: one command in, the library's decoded reply out. */
interface Client {
  call(...args: Arg[]): Promise<any>;
  close(): Promise<void>;
}

let server: RunningServer;
let port: number;
const opened: Client[] = [];

async function ioredisClient(): Promise<Client> {
  const r = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  r.on('error', () => {});
  await r.connect();
  const c: Client = {
    call: (...args) => r.call(String(args[0]), ...args.slice(1).map(String)) as Promise<any>,
    close: async () => {
      r.disconnect();
    },
  };
  opened.push(c);
  return c;
}

async function nodeRedisClient(): Promise<Client> {
  const r = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false } });
  r.on('error', () => {});
  await r.connect();
  const c: Client = {
    call: (...args) => r.sendCommand(args.map(String)) as Promise<any>,
    close: async () => {
      if (r.isOpen) r.destroy();
    },
  };
  opened.push(c);
  return c;
}

/** The rejection message of a call that must fail. */
async function errorOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error reply');
}

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  port = server.port;
});

afterAll(async () => {
  for (const c of opened) await c.close();
  await server?.stop();
});

const CLIENTS: [string, () => Promise<Client>][] = [
  ['ioredis', ioredisClient],
  ['node-redis', nodeRedisClient],
];

describe.each(CLIENTS)('command families over %s', (lib, open) => {
  let c: Client;
  let c2: Client;
  const p = (s: string): string => `${lib}:${s}`;
  const on = (w: number, s: string): string => keyOn(w, p(s));

  beforeAll(async () => {
    c = await open();
    c2 = await open();
  });

  describe('strings', () => {
    it('SET with EX/PX/NX/XX/GET/KEEPTTL and GET on both workers', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'set');
        expect(workerOfKey(k)).toBe(w);
        expect(await c.call('SET', k, 'v1', 'EX', 100)).toBe('OK');
        const ttl = await c.call('TTL', k);
        expect(ttl).toBeGreaterThan(90);
        expect(ttl).toBeLessThanOrEqual(100);
        expect(await c.call('SET', k, 'v2', 'NX')).toBeNull();
        expect(await c.call('SET', k, 'v2', 'XX', 'GET')).toBe('v1');
        expect(await c.call('TTL', k)).toBe(-1); // a plain SET drops the TTL
        expect(await c.call('PEXPIRE', k, 50_000)).toBe(1);
        expect(await c.call('SET', k, 'v3', 'KEEPTTL')).toBe('OK');
        expect(await c.call('PTTL', k)).toBeGreaterThan(40_000);
        expect(await c2.call('GET', k)).toBe('v3');
        expect(await c.call('SET', on(w, 'set-missing'), 'x', 'XX')).toBeNull();
        expect(await c.call('GET', on(w, 'set-missing'))).toBeNull();
        expect(await c.call('SET', on(w, 'pxat'), 'x', 'PXAT', Date.now() + 60_000)).toBe('OK');
        expect(await c.call('PTTL', on(w, 'pxat'))).toBeGreaterThan(50_000);
      }
      expect(await errorOf(c.call('SET', p('k'), 'v', 'EX', 0))).toBe("ERR invalid expire time in 'set' command");
      expect(await errorOf(c.call('SET', p('k'), 'v', 'NX', 'XX'))).toBe('ERR syntax error');
      expect(await errorOf(c.call('GET'))).toBe("ERR wrong number of arguments for 'get' command");
    });

    it('SETNX, SETEX, PSETEX, GETSET, STRLEN, MSET/MGET across workers', async () => {
      const [a, b] = [on(0, 'ms'), on(1, 'ms')];
      expect(await c.call('MSET', a, 'A', b, 'B')).toBe('OK');
      expect(await c2.call('MGET', b, a, on(0, 'nokey'), on(1, 'nokey'))).toEqual(['B', 'A', null, null]);
      expect(await c.call('SETNX', a, 'x')).toBe(0);
      expect(await c.call('SETNX', on(1, 'setnx'), 'x')).toBe(1);
      expect(await c.call('SETEX', b, 100, 'BB')).toBe('OK');
      expect(await c.call('TTL', b)).toBeGreaterThan(0);
      expect(await c.call('PSETEX', a, 100_000, 'AA')).toBe('OK');
      expect(await c.call('PTTL', a)).toBeGreaterThan(0);
      expect(await c.call('GETSET', b, 'BBB')).toBe('BB');
      expect(await c.call('TTL', b)).toBe(-1);
      expect(await c.call('STRLEN', b)).toBe(3);
      expect(await c.call('STRLEN', on(1, 'nokey'))).toBe(0);
    });

    it('INCR family and INCRBYFLOAT on both workers', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'incr');
        expect(await c.call('INCR', k)).toBe(1);
        expect(await c.call('INCRBY', k, 41)).toBe(42);
        expect(await c.call('DECR', k)).toBe(41);
        expect(await c.call('DECRBY', k, 50)).toBe(-9);
        expect(await c2.call('GET', k)).toBe('-9');
        expect(await c.call('SET', k, '9223372036854775807')).toBe('OK');
        expect(await errorOf(c.call('INCR', k))).toBe('ERR increment or decrement would overflow');
        const f = on(w, 'float');
        expect(await c.call('INCRBYFLOAT', f, '10.5')).toBe('10.5');
        expect(await c.call('INCRBYFLOAT', f, '0.1')).toBe('10.6');
        expect(await c.call('INCRBYFLOAT', f, '5.0e3')).toBe('5010.60000000000000009'); // long double, as Redis
        expect(await c.call('INCRBYFLOAT', f, '-5010.6')).toBe('0');
        await c.call('SET', f, 'abc');
        expect(await errorOf(c.call('INCR', f))).toBe('ERR value is not an integer or out of range');
        expect(await errorOf(c.call('INCRBYFLOAT', f, 1))).toBe('ERR value is not a valid float');
      }
    });

    it('APPEND, GETRANGE, SETRANGE, SUBSTR', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'append');
        expect(await c.call('APPEND', k, 'Hello')).toBe(5);
        expect(await c.call('APPEND', k, ' World')).toBe(11);
        expect(await c.call('GETRANGE', k, 0, 4)).toBe('Hello');
        expect(await c.call('GETRANGE', k, -5, -1)).toBe('World');
        expect(await c.call('GETRANGE', k, 100, 200)).toBe('');
        expect(await c.call('SUBSTR', k, 6, 100)).toBe('World');
        expect(await c.call('SETRANGE', k, 6, 'Redis')).toBe(11);
        expect(await c2.call('GET', k)).toBe('Hello Redis');
        const z = on(w, 'setrange-new');
        expect(await c.call('SETRANGE', z, 3, 'ab')).toBe(5);
        expect(await c.call('GET', z)).toBe('\x00\x00\x00ab');
        expect(await c.call('SETRANGE', on(w, 'setrange-empty'), 0, '')).toBe(0);
        expect(await c.call('EXISTS', on(w, 'setrange-empty'))).toBe(0);
        expect(await errorOf(c.call('SETRANGE', z, 536870912, 'x'))).toBe('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
      }
    });

    it('GETEX and GETDEL', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'getex');
        await c.call('SET', k, 'val');
        expect(await c.call('GETEX', k, 'EX', 100)).toBe('val');
        expect(await c.call('TTL', k)).toBeGreaterThan(90);
        expect(await c.call('GETEX', k, 'PERSIST')).toBe('val');
        expect(await c.call('TTL', k)).toBe(-1);
        expect(await c.call('GETEX', k, 'PXAT', Date.now() + 100_000)).toBe('val');
        expect(await c.call('PTTL', k)).toBeGreaterThan(90_000);
        expect(await c.call('GETEX', on(w, 'nokey'))).toBeNull();
        expect(await c.call('GETDEL', k)).toBe('val');
        expect(await c.call('GETDEL', k)).toBeNull();
        expect(await c.call('EXISTS', k)).toBe(0);
      }
      expect(await errorOf(c.call('GETEX', p('k'), 'EX', 10, 'PERSIST'))).toBe('ERR syntax error');
    });

    it('LCS with keys on different workers', async () => {
      const [a, b] = [on(0, 'lcs'), on(1, 'lcs')];
      await c.call('MSET', a, 'ohmytext', b, 'mynewtext');
      expect(await c.call('LCS', a, b)).toBe('mytext');
      expect(await c.call('LCS', b, a, 'LEN')).toBe(6);
      const idx = await c.call('LCS', a, b, 'IDX', 'MINMATCHLEN', 4, 'WITHMATCHLEN');
      // RESP2: [ 'matches', [[[4,7],[5,8],4]], 'len', 6 ]
      expect(idx).toEqual(['matches', [[[4, 7], [5, 8], 4]], 'len', 6]);
      expect(await c.call('LCS', a, on(1, 'nokey'))).toBe('');
    });

    it('MSETNX is all-or-nothing across workers', async () => {
      const [a, b, d] = [on(0, 'msetnx-a'), on(1, 'msetnx-b'), on(1, 'msetnx-d')];
      expect(await c.call('MSETNX', a, '1', b, '2')).toBe(1);
      expect(await c2.call('MGET', a, b)).toEqual(['1', '2']);
      expect(await c.call('MSETNX', d, '4', a, '3')).toBe(0);
      expect(await c.call('EXISTS', d)).toBe(0);
      expect(await c.call('GET', a)).toBe('1');
    });
  });

  describe('bitmaps', () => {
    it('SETBIT, GETBIT, BITCOUNT, BITPOS on both workers', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'bits');
        expect(await c.call('SETBIT', k, 7, 1)).toBe(0);
        expect(await c.call('SETBIT', k, 7, 1)).toBe(1);
        expect(await c.call('SETBIT', k, 100, 1)).toBe(0);
        expect(await c.call('GETBIT', k, 7)).toBe(1);
        expect(await c.call('GETBIT', k, 8)).toBe(0);
        expect(await c.call('GETBIT', k, 100_000)).toBe(0);
        expect(await c.call('STRLEN', k)).toBe(13);
        expect(await c.call('BITCOUNT', k)).toBe(2);
        expect(await c.call('BITCOUNT', k, 0, 0)).toBe(1);
        expect(await c.call('BITCOUNT', k, 8, 100, 'BIT')).toBe(1);
        expect(await c.call('BITPOS', k, 1)).toBe(7);
        expect(await c.call('BITPOS', k, 0)).toBe(0);
        expect(await c.call('BITPOS', k, 1, 1)).toBe(100);
        expect(await c.call('BITPOS', on(w, 'nokey'), 1)).toBe(-1);
        expect(await errorOf(c.call('SETBIT', k, 7, 2))).toBe('ERR bit is not an integer or out of range');
        expect(await errorOf(c.call('SETBIT', k, -1, 1))).toBe('ERR bit offset is not an integer or out of range');
      }
    });

    it('BITOP with sources and destination on different workers', async () => {
      const [a, b, dest] = [on(0, 'bitop-a'), on(1, 'bitop-b'), on(1, 'bitop-dest')];
      // Bytes below 0x80 only: the client libraries encode strings as UTF-8.
      await c.call('SET', a, '\x0f\x70');
      await c.call('SET', b, '\x7f');
      expect(await c.call('BITOP', 'AND', dest, a, b)).toBe(2);
      expect(await c.call('BITCOUNT', dest)).toBe(4); // 0x0f & 0x7f, 0x70 & 0x00
      expect(await c.call('BITOP', 'OR', dest, a, b)).toBe(2);
      expect(await c.call('BITCOUNT', dest)).toBe(10);
      expect(await c.call('BITOP', 'XOR', dest, a, b)).toBe(2);
      expect(await c.call('BITCOUNT', dest)).toBe(6);
      const notDest = on(0, 'bitop-not');
      expect(await c.call('BITOP', 'NOT', notDest, b)).toBe(1);
      expect(await c.call('BITCOUNT', notDest)).toBe(1);
      expect(await c.call('BITPOS', notDest, 1)).toBe(0);
      expect(await c.call('BITOP', 'AND', dest, on(0, 'nokey'), on(1, 'nokey'))).toBe(0);
      expect(await c.call('EXISTS', dest)).toBe(0); // an empty result deletes the destination
      expect(await errorOf(c.call('BITOP', 'NOT', dest, a, b))).toBe('ERR BITOP NOT must be called with a single source key.');
    });

    it('BITFIELD and BITFIELD_RO', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'bitfield');
        expect(await c.call('BITFIELD', k, 'SET', 'u8', 0, 255, 'GET', 'u8', 0)).toEqual([0, 255]);
        expect(await c.call('BITFIELD', k, 'INCRBY', 'u8', 0, 10)).toEqual([9]); // wraps by default
        expect(await c.call('BITFIELD', k, 'OVERFLOW', 'SAT', 'INCRBY', 'u8', 0, 300)).toEqual([255]);
        expect(await c.call('BITFIELD', k, 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', 0, 1)).toEqual([null]);
        expect(await c.call('BITFIELD', k, 'SET', 'i4', '#1', -3, 'GET', 'i4', '#1')).toEqual([-1, -3]);
        expect(await c2.call('BITFIELD_RO', k, 'GET', 'u8', 0, 'GET', 'i4', 12, 'GET', 'u4', 4)).toEqual([253, 0, 13]);
        expect(await errorOf(c.call('BITFIELD_RO', k, 'SET', 'u8', 0, 1))).toBe('ERR BITFIELD_RO only supports the GET subcommand');
      }
    });
  });

  describe('generic keys', () => {
    it('DEL, UNLINK, EXISTS, TOUCH count keys across workers', async () => {
      const ks = [...keysOn(0, p('del'), 3), ...keysOn(1, p('del'), 3)];
      await c.call('MSET', ...ks.flatMap((k) => [k, 'x']));
      expect(await c.call('EXISTS', ...ks, ks[0]!, on(1, 'nokey'))).toBe(7);
      expect(await c.call('TOUCH', ...ks, on(0, 'nokey'))).toBe(6);
      expect(await c.call('DEL', ks[0]!, ks[3]!, on(0, 'nokey'))).toBe(2);
      expect(await c.call('UNLINK', ks[1]!, ks[4]!, ks[0]!)).toBe(2);
      expect(await c2.call('EXISTS', ...ks)).toBe(2);
      expect(await c.call('DEL', ...ks)).toBe(2);
      expect(await c.call('EXISTS', ...ks)).toBe(0);
    });

    it('TYPE and OBJECT ENCODING/REFCOUNT/IDLETIME', async () => {
      const k = on(1, 'type');
      await c.call('SET', k, '12345');
      expect(await c.call('TYPE', k)).toBe('string');
      expect(await c.call('TYPE', on(1, 'nokey'))).toBe('none');
      expect(await c.call('OBJECT', 'ENCODING', k)).toBe('int');
      await c.call('SET', k, 'short');
      expect(await c.call('OBJECT', 'ENCODING', k)).toBe('embstr');
      await c.call('SET', k, 'x'.repeat(100));
      expect(await c.call('OBJECT', 'ENCODING', k)).toBe('raw');
      expect(await c.call('OBJECT', 'ENCODING', on(0, 'nokey'))).toBeNull();
      expect(await c.call('OBJECT', 'REFCOUNT', k)).toBe(1);
      expect(await c.call('OBJECT', 'IDLETIME', k)).toBeGreaterThanOrEqual(0);
    });

    it('RENAME and RENAMENX across workers keep the value and the TTL', async () => {
      const [src, dst] = [on(0, 'rename-src'), on(1, 'rename-dst')];
      await c.call('SET', src, 'value', 'EX', 1000);
      expect(await c.call('RENAME', src, dst)).toBe('OK');
      expect(await c.call('EXISTS', src)).toBe(0);
      expect(await c2.call('GET', dst)).toBe('value');
      expect(await c.call('TTL', dst)).toBeGreaterThan(900);
      expect(await c.call('RENAME', dst, src)).toBe('OK');
      expect(await c.call('GET', src)).toBe('value');
      await c.call('SET', dst, 'other');
      expect(await c.call('RENAMENX', src, dst)).toBe(0);
      expect(await c.call('GET', dst)).toBe('other');
      expect(await c.call('RENAMENX', src, on(1, 'rename-new'))).toBe(1);
      expect(await c.call('EXISTS', src)).toBe(0);
      expect(await errorOf(c.call('RENAME', on(0, 'nokey'), dst))).toBe('ERR no such key');
      expect(await c.call('RENAME', dst, dst)).toBe('OK');
    });

    it('COPY across workers, with REPLACE and DB', async () => {
      const [src, dst] = [on(1, 'copy-src'), on(0, 'copy-dst')];
      await c.call('SET', src, 'v', 'EX', 1000);
      expect(await c.call('COPY', src, dst)).toBe(1);
      expect(await c.call('GET', dst)).toBe('v');
      expect(await c.call('TTL', dst)).toBeGreaterThan(900);
      await c.call('SET', src, 'v2');
      expect(await c.call('COPY', src, dst)).toBe(0);
      expect(await c.call('GET', dst)).toBe('v');
      expect(await c.call('COPY', src, dst, 'REPLACE')).toBe(1);
      expect(await c.call('GET', dst)).toBe('v2');
      expect(await c.call('COPY', on(0, 'nokey'), dst)).toBe(0);
    });

    it('MOVE between databases', async () => {
      const k = on(0, 'move');
      await c.call('SET', k, 'm');
      expect(await c.call('MOVE', k, 3)).toBe(1);
      expect(await c.call('EXISTS', k)).toBe(0);
      await c.call('SET', k, 'again');
      expect(await c.call('MOVE', k, 3)).toBe(0); // exists in the target db
      expect(await c.call('SELECT', 3)).toBe('OK');
      expect(await c.call('GET', k)).toBe('m');
      expect(await c.call('DEL', k)).toBe(1);
      expect(await c.call('SELECT', 0)).toBe('OK');
      expect(await errorOf(c.call('MOVE', k, 0))).toBe('ERR source and destination objects are the same');
    });

    it('EXPIRE family with NX/XX/GT/LT, TTL/PTTL/EXPIRETIME/PEXPIRETIME, PERSIST', async () => {
      for (const w of [0, 1]) {
        const k = on(w, 'expire');
        await c.call('SET', k, 'v');
        expect(await c.call('TTL', k)).toBe(-1);
        expect(await c.call('TTL', on(w, 'nokey'))).toBe(-2);
        expect(await c.call('PTTL', on(w, 'nokey'))).toBe(-2);
        expect(await c.call('EXPIRETIME', k)).toBe(-1);
        expect(await c.call('EXPIRE', k, 100, 'XX')).toBe(0);
        expect(await c.call('EXPIRE', k, 100, 'GT')).toBe(0); // no TTL counts as infinite
        expect(await c.call('EXPIRE', k, 100, 'NX')).toBe(1);
        expect(await c.call('EXPIRE', k, 200, 'NX')).toBe(0);
        expect(await c.call('EXPIRE', k, 50, 'GT')).toBe(0);
        expect(await c.call('EXPIRE', k, 200, 'GT')).toBe(1);
        expect(await c.call('EXPIRE', k, 300, 'LT')).toBe(0);
        expect(await c.call('PEXPIRE', k, 150_000, 'LT')).toBe(1);
        expect(await c.call('TTL', k)).toBeLessThanOrEqual(150);
        const at = Math.floor(Date.now() / 1000) + 500;
        expect(await c.call('EXPIREAT', k, at)).toBe(1);
        expect(await c.call('EXPIRETIME', k)).toBe(at);
        expect(await c.call('PEXPIRETIME', k)).toBe(at * 1000);
        expect(await c.call('PEXPIREAT', k, at * 1000 + 5)).toBe(1);
        expect(await c.call('PEXPIRETIME', k)).toBe(at * 1000 + 5);
        expect(await c.call('PERSIST', k)).toBe(1);
        expect(await c.call('PERSIST', k)).toBe(0);
        expect(await c.call('TTL', k)).toBe(-1);
        expect(await c.call('EXPIRE', on(w, 'nokey'), 10)).toBe(0);
        expect(await c.call('PEXPIRE', k, -1)).toBe(1); // a past expiry deletes
        expect(await c.call('EXISTS', k)).toBe(0);
        expect(await errorOf(c.call('EXPIRE', k, 10, 'NX', 'XX'))).toBe('ERR NX and XX, GT or LT options at the same time are not compatible');
        expect(await errorOf(c.call('EXPIRE', k, 'abc'))).toBe('ERR value is not an integer or out of range');
      }
    });

    it('keys with a short TTL expire on both workers (lazy on access)', async () => {
      const ks = [on(0, 'short-ttl'), on(1, 'short-ttl')];
      for (const k of ks) await c.call('SET', k, 'v', 'PX', 30);
      const deadline = Date.now() + 3000;
      let left = 2;
      while (Date.now() < deadline) {
        left = await c.call('EXISTS', ...ks);
        if (left === 0) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      expect(left).toBe(0);
      expect(await c.call('GET', ks[0]!)).toBeNull();
    });

    it('KEYS, SCAN with MATCH/COUNT/TYPE return every key of both workers exactly once, RANDOMKEY', async () => {
      expect(await c.call('SELECT', 7)).toBe('OK');
      expect(await c.call('FLUSHDB')).toBe('OK');
      expect(await c.call('RANDOMKEY')).toBeNull();
      const keys = [...keysOn(0, p('scan'), 150), ...keysOn(1, p('scan'), 150)];
      const tagged = [`${tagOn(0)}:a`, `${tagOn(1)}:b`];
      await c.call('MSET', ...[...keys, ...tagged].flatMap((k) => [k, '1']));
      const kw = (await c.call('KEYS', `${p('scan')}:*`)) as string[];
      expect(kw.slice().sort()).toEqual(keys.slice().sort());
      expect(((await c.call('KEYS', '*')) as string[]).length).toBe(302);
      expect(await c.call('KEYS', `${tagOn(1)}:?`)).toEqual([tagged[1]]);
      for (const count of [1, 10, 1000]) {
        const seen: string[] = [];
        let cursor = '0';
        let rounds = 0;
        do {
          const [next, batch] = (await c.call('SCAN', cursor, 'MATCH', `${p('scan')}:*`, 'COUNT', count)) as [string, string[]];
          seen.push(...batch);
          cursor = next;
          rounds++;
        } while (cursor !== '0' && rounds < 100_000);
        expect(cursor).toBe('0');
        expect(seen.length).toBe(keys.length);
        expect(new Set(seen).size).toBe(keys.length);
        expect(seen.slice().sort()).toEqual(keys.slice().sort());
      }
      let cursor = '0';
      let n = 0;
      do {
        const [next, batch] = (await c.call('SCAN', cursor, 'TYPE', 'string')) as [string, string[]];
        n += batch.length;
        cursor = next;
      } while (cursor !== '0');
      expect(n).toBe(302);
      cursor = '0';
      n = 0;
      do {
        const [next, batch] = (await c.call('SCAN', cursor, 'TYPE', 'list', 'COUNT', 100)) as [string, string[]];
        n += batch.length;
        cursor = next;
      } while (cursor !== '0');
      expect(n).toBe(0);
      const seenWorkers = new Set<number>();
      for (let i = 0; i < 200 && seenWorkers.size < 2; i++) seenWorkers.add(workerOfKey(await c.call('RANDOMKEY')));
      expect(seenWorkers.size).toBe(2);
      expect(await c.call('DBSIZE')).toBe(302);
      expect(await errorOf(c.call('SCAN', 'notanumber'))).toBe('ERR invalid cursor');
      expect(await c.call('FLUSHDB')).toBe('OK');
      expect(await c.call('SELECT', 0)).toBe('OK');
    });
  });

  describe('databases', () => {
    it('SELECT isolates databases on both workers, DBSIZE counts both workers, SWAPDB, FLUSHDB, FLUSHALL', async () => {
      await c.call('SELECT', 10);
      await c.call('FLUSHDB');
      await c.call('SELECT', 11);
      await c.call('FLUSHDB');
      const ks = [on(0, 'db'), on(1, 'db'), on(1, 'db2')];
      await c.call('MSET', ...ks.flatMap((k) => [k, 'in11']));
      expect(await c.call('DBSIZE')).toBe(3);
      await c.call('SELECT', 10);
      expect(await c.call('DBSIZE')).toBe(0);
      expect(await c.call('GET', ks[0]!)).toBeNull();
      await c.call('SET', ks[0]!, 'in10');
      expect(await c.call('SWAPDB', 10, 11)).toBe('OK');
      expect(await c.call('DBSIZE')).toBe(3); // this connection still sits in db 10
      expect(await c.call('MGET', ...ks)).toEqual(['in11', 'in11', 'in11']);
      await c2.call('SELECT', 11);
      expect(await c2.call('GET', ks[0]!)).toBe('in10');
      await c2.call('SELECT', 0);
      expect(await c.call('FLUSHDB')).toBe('OK');
      expect(await c.call('DBSIZE')).toBe(0);
      await c.call('SELECT', 11);
      expect(await c.call('DBSIZE')).toBe(1);
      expect(await c.call('FLUSHDB', 'ASYNC')).toBe('OK');
      expect(await c.call('DBSIZE')).toBe(0);
      await c.call('SELECT', 0);
      expect(await errorOf(c.call('SELECT', 16))).toBe('ERR DB index is out of range');
      expect(await errorOf(c.call('SWAPDB', 0, 99))).toBe('ERR DB index is out of range');
    });

    it('FLUSHALL empties every database on every worker', async () => {
      await c.call('MSET', on(0, 'fa'), '1', on(1, 'fa'), '1');
      await c.call('SELECT', 2);
      await c.call('MSET', on(0, 'fa'), '1', on(1, 'fa'), '1');
      expect(await c.call('DBSIZE')).toBeGreaterThanOrEqual(2);
      expect(await c2.call('FLUSHALL')).toBe('OK');
      expect(await c.call('DBSIZE')).toBe(0);
      await c.call('SELECT', 0);
      expect(await c.call('DBSIZE')).toBe(0);
      expect(await c.call('FLUSHALL', 'SYNC')).toBe('OK');
    });
  });

  describe('server and connection', () => {
    it('INFO sections, keyspace summed over workers and the Threads section', async () => {
      await c.call('FLUSHALL');
      await c.call('MSET', on(0, 'info'), '1', on(1, 'info'), '2', on(1, 'info2'), '3');
      await c.call('EXPIRE', on(1, 'info'), 1000);
      const info = String(await c.call('INFO'));
      for (const section of ['# Server', '# Clients', '# Memory', '# Persistence', '# Stats', '# Replication', '# CPU', '# Keyspace', '# Threads']) {
        expect(info).toContain(section);
      }
      expect(info).toMatch(/^redis_version:7\.0\.\d+\r?$/m);
      expect(info).toMatch(/^db0:keys=3,expires=1,avg_ttl=\d+\r?$/m);
      const threads = String(await c.call('INFO', 'threads'));
      expect(threads).toMatch(/^shard_workers:2\r?$/m);
      expect(threads).toMatch(/^worker0:clients=\d+,ops=\d+,.*slots=0-8191\r?$/m);
      expect(threads).toMatch(/^worker1:clients=\d+,ops=\d+,.*slots=8192-16383\r?$/m);
      const clients = workerClients(threads);
      expect(clients.length).toBe(2);
      const connected = Number(/connected_clients:(\d+)/.exec(String(await c.call('INFO', 'clients')))![1]);
      expect(clients[0]! + clients[1]!).toBe(connected);
      expect(clients[0]).toBeGreaterThan(0);
      expect(clients[1]).toBeGreaterThan(0); // least-loaded placement spreads this suite's clients
      const server = String(await c.call('INFO', 'server'));
      expect(server).toContain('# Server');
      expect(server).not.toContain('# Keyspace');
      expect(String(await c.call('INFO', 'keyspace', 'threads'))).toMatch(/# Keyspace[\s\S]*# Threads/);
      await c.call('FLUSHALL');
    });

    it('CONFIG SET is visible from a connection on the other worker', async () => {
      expect(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lru')).toBe('OK');
      expect(await c2.call('CONFIG', 'GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'allkeys-lru']);
      expect(await c.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction', 'slowlog-log-slower-than', '12345')).toBe('OK');
      const got = (await c2.call('CONFIG', 'GET', 'maxmemory-policy', 'slowlog-log-slower-than')) as string[];
      const asMap = new Map<string, string>();
      for (let i = 0; i < got.length; i += 2) asMap.set(got[i]!, got[i + 1]!);
      expect(Object.fromEntries(asMap)).toEqual({ 'maxmemory-policy': 'noeviction', 'slowlog-log-slower-than': '12345' });
      expect(await errorOf(c.call('CONFIG', 'SET', 'maxmemory-policy', 'bogus'))).toMatch(/^ERR CONFIG SET failed \(possibly related to argument 'maxmemory-policy'\)/);
      expect(await errorOf(c.call('CONFIG', 'SET', 'no-such-option', '1'))).toMatch(/^ERR Unknown option or number of arguments for CONFIG SET - 'no-such-option'/);
      expect(await c.call('CONFIG', 'SET', 'slowlog-log-slower-than', '10000')).toBe('OK');
      expect(await c.call('CONFIG', 'RESETSTAT')).toBe('OK');
    });

    it('CLIENT ID, SETNAME/GETNAME, INFO, LIST with clients of both workers', async () => {
      const id = await c.call('CLIENT', 'ID');
      const id2 = await c2.call('CLIENT', 'ID');
      expect(typeof id).toBe('number');
      expect(id).not.toBe(id2);
      expect(await c.call('CLIENT', 'GETNAME')).toBeNull();
      expect(await c.call('CLIENT', 'SETNAME', `${lib}-one`)).toBe('OK');
      expect(await c2.call('CLIENT', 'SETNAME', `${lib}-two`)).toBe('OK');
      expect(await c.call('CLIENT', 'GETNAME')).toBe(`${lib}-one`);
      expect(await errorOf(c.call('CLIENT', 'SETNAME', 'has space'))).toBe('ERR Client names cannot contain spaces, newlines or special characters.');
      expect(String(await c.call('CLIENT', 'INFO'))).toMatch(new RegExp(`^id=${id} .*name=${lib}-one `));
      const list = String(await c.call('CLIENT', 'LIST'));
      expect(list).toMatch(new RegExp(`^id=${id} .*name=${lib}-one `, 'm'));
      expect(list).toMatch(new RegExp(`^id=${id2} .*name=${lib}-two `, 'm'));
      const lines = list.trim().split('\n');
      const threads = workerClients(String(await c.call('INFO', 'threads')));
      expect(lines.length).toBe(threads[0]! + threads[1]!);
      expect(threads[0]).toBeGreaterThan(0);
      expect(threads[1]).toBeGreaterThan(0);
      expect(String(await c.call('CLIENT', 'LIST', 'ID', id2))).toMatch(new RegExp(`^id=${id2} `));
    });

    it('COMMAND COUNT/INFO/GETKEYS, TIME, ECHO, PING, LASTSAVE', async () => {
      expect(await c.call('COMMAND', 'COUNT')).toBeGreaterThan(200);
      const [get] = (await c.call('COMMAND', 'INFO', 'get')) as any[][];
      expect(get!.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
      expect(await c.call('COMMAND', 'INFO', 'no-such-command')).toEqual([null]);
      expect(await c.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
      expect(await c.call('COMMAND', 'GETKEYS', 'SET', 'k', 'v', 'EX', '10')).toEqual(['k']);
      expect(await errorOf(c.call('COMMAND', 'GETKEYS', 'PING', 'x'))).toBe('ERR The command has no key arguments');
      expect(await errorOf(c.call('COMMAND', 'GETKEYS', 'SET', 'k'))).toBe('ERR Invalid number of arguments specified for command');
      const [sec, usec] = (await c.call('TIME')) as string[];
      expect(Math.abs(Number(sec) - Date.now() / 1000)).toBeLessThan(5);
      expect(Number(usec)).toBeLessThan(1_000_000);
      expect(await c.call('ECHO', 'hello world')).toBe('hello world');
      expect(await c.call('PING')).toBe('PONG');
      expect(await c.call('PING', 'msg')).toBe('msg');
      expect(typeof (await c.call('LASTSAVE'))).toBe('number');
      expect(await c.call('FUNCTION', 'FLUSH')).toBe('OK');
      expect(await errorOf(c.call('NOSUCHCMD', 'a'))).toBe("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' ");
    });
  });

  describe('library typed APIs', () => {
    it('typed calls round-trip through the library parsers', async () => {
      const [a, b] = [on(0, 'typed'), on(1, 'typed')];
      if (lib === 'ioredis') {
        const r = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
        await r.connect();
        try {
          expect(await r.set(a, 'x', 'EX', 100, 'GET')).toBeNull();
          expect(await r.mset({ [a]: '1', [b]: '2' })).toBe('OK');
          expect(await r.mget(a, b)).toEqual(['1', '2']);
          expect(await r.incrbyfloat(b, 0.5)).toBe('2.5');
          const pipe = await r.pipeline().incr(a).get(b).exists(a, b).exec();
          expect(pipe).toEqual([[null, 2], [null, '2.5'], [null, 2]]);
          const seen = new Set<string>();
          await new Promise<void>((resolve, reject) => {
            const s = r.scanStream({ match: `${p('typed')}:*`, count: 2 });
            s.on('data', (ks: string[]) => ks.forEach((k) => seen.add(k)));
            s.on('end', resolve);
            s.on('error', reject);
          });
          expect([...seen].sort()).toEqual([a, b].sort());
          expect(await r.getBuffer(a)).toEqual(Buffer.from('2'));
        } finally {
          r.disconnect();
        }
      } else {
        const r = createClient({ socket: { port, host: '127.0.0.1' } });
        await r.connect();
        try {
          expect(await r.set(a, 'x', { expiration: { type: 'EX', value: 100 } })).toBe('OK');
          expect(await r.mSet({ [a]: '1', [b]: '2' })).toBe('OK');
          expect(await r.mGet([a, b])).toEqual(['1', '2']);
          expect(await r.incrByFloat(b, 0.5)).toBe('2.5');
          expect(await r.exists([a, b])).toBe(2);
          const multi = await r.multi().incr(a).get(b).exec();
          expect(multi).toEqual([2, '2.5']);
          const seen = new Set<string>();
          for await (const batch of r.scanIterator({ MATCH: `${p('typed')}:*`, COUNT: 2 })) batch.forEach((k: string) => seen.add(k));
          expect([...seen].sort()).toEqual([a, b].sort());
          expect(await r.dbSize()).toBeGreaterThanOrEqual(2);
        } finally {
          r.destroy();
        }
      }
    });
  });
});

describe('connection-level behaviour over raw sockets', () => {
  let probe: RawClient;
  let conns: RawClient[];

  beforeAll(async () => {
    probe = await RawClient.connect(port);
    conns = await rawPerWorker(port, probe);
  });

  afterAll(() => {
    probe?.close();
    conns?.forEach((c) => c.close());
  });

  it('CLIENT KILL closes a client that lives on the other worker', async () => {
    const [w0, w1] = conns as [RawClient, RawClient];
    const victim = await w1.call('CLIENT', 'ID');
    expect(await w0.call('CLIENT', 'KILL', 'ID', String(victim))).toBe(1);
    expect(await w1.waitClosed(3000)).toBe(true);
    expect(await w0.call('CLIENT', 'KILL', 'ID', String(victim))).toBe(0);
    expect(await w0.call('CLIENT', 'KILL', '127.0.0.1:1')).toEqual(new Error('ERR No such client'));
    const addrVictim = await RawClient.connect(port);
    const line = String(await addrVictim.call('CLIENT', 'INFO'));
    const addr = /addr=(\S+)/.exec(line)![1]!;
    expect(await w0.call('CLIENT', 'KILL', addr)).toBe('OK');
    expect(await addrVictim.waitClosed(3000)).toBe(true);
    expect(await w0.call('PING')).toBe('PONG');
    conns[1] = await rawOn(port, probe, 1);
  });

  it('CLIENT REPLY OFF silences and SKIP skips one reply, including for commands that hop to the other worker', async () => {
    const c = conns[0]!;
    const remote = keyOn(1, 'reply');
    c.send('CLIENT', 'REPLY', 'OFF');
    c.send('SET', remote, 'silent');
    c.send('GET', remote);
    c.send('PING');
    c.send('QUIT');
    expect(await c.waitClosed(3000)).toBe(true);
    expect(c.pending().toString('latin1')).toBe(''); // not a byte, not even QUIT's OK
    const d = conns[1]!;
    d.send('CLIENT', 'REPLY', 'SKIP');
    d.send('GET', remote);
    d.send('ECHO', 'after-skip');
    expect(await d.read()).toEqual({ type: '$', value: 'after-skip' });
    expect(await d.call('GET', remote)).toBe('silent');
    conns[0] = await rawOn(port, probe, 0);
  });

  // The dispatcher picks the discarding output before CLIENT REPLY ON runs: its +OK must still arrive.
  it('CLIENT REPLY OFF then a command then CLIENT REPLY ON: only ON answers OK', async () => {
    const c = conns[0]!;
    const remote = keyOn(1, 'reply-on');
    c.send('CLIENT', 'REPLY', 'OFF');
    c.send('SET', remote, 'v');
    c.send('CLIENT', 'REPLY', 'ON');
    c.send('ECHO', 'after-on');
    const got = [await c.read(1500), await c.read(1500)].map((r) => r.value);
    expect(got).toEqual(['OK', 'after-on']);
  });

  it('COPY ... DB to another database, destination on the connection\'s worker', async () => {
    const c = conns[0]!;
    const [src, dst] = [keyOn(1, 'copydb-src'), keyOn(0, 'copydb-dst')];
    await c.call('SET', src, 'v');
    expect(await c.call('COPY', src, dst, 'DB', '5')).toBe(1);
    expect(await c.call('SELECT', '5')).toBe('OK');
    expect(await c.call('GET', dst)).toBe('v');
    expect(await c.call('DEL', dst)).toBe(1);
    expect(await c.call('SELECT', '0')).toBe('OK');
  });

  // The gathered COPY writes its destination into another database: it must reach the owner there.
  it('COPY ... DB to another database, destination on the other worker', async () => {
    const c = conns[0]!;
    const [src, dst] = [keyOn(0, 'copydb2-src'), keyOn(1, 'copydb2-dst')];
    await c.call('SET', src, 'v');
    expect(await c.call('COPY', src, dst, 'DB', '6')).toBe(1);
    expect(await c.call('SELECT', '6')).toBe('OK');
    try {
      expect(await c.call('KEYS', '*')).toEqual([dst]);
      expect(await c.call('GET', dst)).toBe('v');
      expect(await c.call('DEL', dst)).toBe(1);
    } finally {
      await c.call('FLUSHDB');
      await c.call('SELECT', '0');
    }
  });

  // Deviation in src/commands/keys.ts: OBJECT ENCODING derives the encoding from the value alone, but
  // Redis turns a string into 'raw' once APPEND/SETRANGE/SETBIT modified it in place.
  it.fails('OBJECT ENCODING is raw after APPEND on a short string', async () => {
    const c = conns[0]!;
    const k = keyOn(1, 'enc-append');
    await c.call('SET', k, 'short');
    await c.call('APPEND', k, 'er');
    expect(await c.call('OBJECT', 'ENCODING', k)).toBe('raw');
  });

  it('HELLO 3 switches to RESP3 types: maps, nulls, verbatim strings, sets; HELLO 2 back', async () => {
    const c = await RawClient.connect(port);
    try {
      c.send('HELLO', '3');
      const hello = await c.read();
      expect(hello.type).toBe('%');
      const fields = new Map(plain(hello) as [string, any][]);
      expect(fields.get('server')).toBe('redis');
      expect(fields.get('version')).toMatch(/^7\.0\./);
      expect(fields.get('proto')).toBe(3);
      expect(typeof fields.get('id')).toBe('number');
      expect(fields.get('mode')).toBe('standalone');
      expect(fields.get('role')).toBe('master');
      expect(fields.get('modules')).toEqual([]);
      const remote = keyOn(1, 'resp3');
      const local = keyOn(0, 'resp3');
      c.send('GET', remote);
      expect(await c.read()).toEqual({ type: '_', value: null });
      c.send('GET', local);
      expect(await c.read()).toEqual({ type: '_', value: null });
      c.send('MGET', local, remote);
      expect(await c.read()).toEqual({ type: '*', value: [{ type: '_', value: null }, { type: '_', value: null }] });
      c.send('CONFIG', 'GET', 'maxclients');
      const cfg = await c.read();
      expect(cfg.type).toBe('%');
      expect(cfg.value).toEqual([{ type: '$', value: 'maxclients' }, { type: '$', value: '10000' }]);
      c.send('INFO', 'threads');
      const info = await c.read();
      expect(info.type).toBe('=');
      expect(info.value).toMatch(/^txt:# Threads/);
      c.send('CLIENT', 'INFO');
      expect((await c.read()).type).toBe('=');
      c.send('COMMAND', 'INFO', 'get');
      const ci = await c.read();
      expect(ci.value[0].value[2].type).toBe('~'); // flags are a set
      c.send('INCRBYFLOAT', remote, '1.5');
      expect(await c.read()).toEqual({ type: '$', value: '1.5' });
      c.send('SET', remote, 'x', 'NX', 'GET');
      expect(await c.read()).toEqual({ type: '$', value: '1.5' });
      c.send('LCS', local, remote, 'IDX');
      expect((await c.read()).type).toBe('%');
      c.send('HELLO', '2');
      expect((await c.read()).type).toBe('*');
      c.send('GET', keyOn(1, 'resp3-none'));
      expect(await c.read()).toEqual({ type: '$', value: null });
      c.send('HELLO', '4');
      expect(await c.read()).toEqual({ type: '-', value: 'NOPROTO unsupported protocol version' });
      c.send('DEL', remote);
      expect(await c.read()).toEqual({ type: ':', value: 1 });
    } finally {
      c.close();
    }
  });

  it('QUIT answers OK and closes; RESET restores the connection state', async () => {
    const q = await RawClient.connect(port);
    q.send('QUIT');
    expect(await q.read()).toEqual({ type: '+', value: 'OK' });
    expect(await q.waitClosed(3000)).toBe(true);

    const r = await RawClient.connect(port);
    try {
      expect(await r.call('SELECT', '4')).toBe('OK');
      expect(await r.call('CLIENT', 'SETNAME', 'before-reset')).toBe('OK');
      r.send('HELLO', '3');
      await r.read();
      expect(await r.call('MULTI')).toBe('OK');
      r.send('RESET');
      expect(await r.read()).toEqual({ type: '+', value: 'RESET' });
      expect(await r.call('CLIENT', 'GETNAME')).toBeNull();
      r.send('GET', keyOn(1, 'after-reset'));
      expect(await r.read()).toEqual({ type: '$', value: null }); // back to RESP2, not in MULTI
      expect(String(await r.call('CLIENT', 'INFO'))).toMatch(/ db=0 /);
    } finally {
      r.close();
    }
  });
});
