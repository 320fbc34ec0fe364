// CLIENT TRACKING (client-side caching) on a server with two workers: tracking clients, writers and
// redirection clients placed on chosen workers, keys owned by either worker. RESP3 pushes, RESP2
// redirection to a __redis__:invalidate subscriber (raw and ioredis), BCAST, NOLOOP, OPTIN,
// transactions, flushes, expiry, the tracking table limit, and the introspection commands.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, keysOn, plain, RawClient, rawPerWorker, tagOn } from './support.ts';

let server: RunningServer;
let port: number;
let probe: RawClient;
const toClose: Array<{ close(): void }> = [];

/** Two fresh connections: [on worker 0, on worker 1]. */
async function pair(): Promise<RawClient[]> {
  const clients = await rawPerWorker(port, probe);
  toClose.push(...clients);
  return clients;
}

async function next(c: RawClient, timeoutMs = 3000): Promise<{ type: string; value: any }> {
  const r = await c.read(timeoutMs);
  return { type: r.type, value: plain(r) };
}

async function resp3Tracking(c: RawClient, ...options: string[]): Promise<void> {
  await c.call('HELLO', '3');
  expect(await c.call('CLIENT', 'TRACKING', 'ON', ...options)).toBe('OK');
}

async function infoField(name: string): Promise<number> {
  const info = String(await probe.call('INFO', 'everything'));
  const m = new RegExp(`^${name}:(\\d+)`, 'm').exec(info);
  if (m === null) throw new Error(`no ${name} in INFO`);
  return Number(m[1]);
}

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  port = server.port;
  probe = await RawClient.connect(port);
});

afterAll(async () => {
  probe?.close();
  for (const c of toClose) c.close();
  await server?.stop();
});

describe('default mode', () => {
  it('RESP3: keys read on both workers are invalidated once when a client of the other worker changes them', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t);
    const k0 = keyOn(0, 'r3');
    const k1 = keyOn(1, 'r3');
    await w!.call('MSET', k0, 'a', k1, 'b');
    expect(await t!.call('MGET', k0, k1)).toEqual(['a', 'b']);
    await w!.call('SET', k1, 'c');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [k1]] });
    await w!.call('INCRBY', k0 + 'x', '1');
    await w!.call('APPEND', k0, 'd');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [k0]] });
    // Invalidated once: the next write sends nothing. A read of a key of the writer's worker comes
    // back through the same ring as an invalidation would, so nothing can be in flight behind it.
    await w!.call('SET', k1, 'e');
    expect(await t!.call('GET', keyOn(1, 'other'))).toBeNull();
    expect(t!.pending().length).toBe(0);
  });

  it('a client that changes a key it tracks gets the invalidation after its reply; NOLOOP suppresses it', async () => {
    const [t] = await pair();
    await resp3Tracking(t!);
    const k = keyOn(1, 'self');
    await t!.call('SET', k, '1');
    expect(await t!.call('GET', k)).toBe('1');
    t!.send('SET', k, '2');
    expect(await next(t!)).toEqual({ type: '+', value: 'OK' });
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [k]] });
    expect(await t!.call('CLIENT', 'TRACKING', 'ON', 'NOLOOP')).toBe('OK');
    expect(await t!.call('GET', k)).toBe('2');
    expect(await t!.call('SET', k, '3')).toBe('OK');
    expect(await t!.call('PING')).toBe('PONG');
  });

  it('RESP2 with REDIRECT to a subscriber on the other worker gets __redis__:invalidate messages', async () => {
    const [t, r] = await pair();
    const rid = await r!.call('CLIENT', 'ID');
    expect(await r!.call('SUBSCRIBE', '__redis__:invalidate')).toEqual(['subscribe', '__redis__:invalidate', 1]);
    expect(await t!.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(rid))).toBe('OK');
    expect(await t!.call('CLIENT', 'GETREDIR')).toBe(rid);
    const k0 = keyOn(0, 'redir');
    const k1 = keyOn(1, 'redir');
    await t!.call('GET', k0);
    await t!.call('GET', k1);
    await probe.call('SET', k1, 'x');
    expect(await next(r!)).toEqual({ type: '*', value: ['message', '__redis__:invalidate', [k1]] });
    await probe.call('DEL', k0);
    // DEL of a missing key changes nothing: no invalidation.
    await probe.call('SET', k0, 'y');
    expect(await next(r!)).toEqual({ type: '*', value: ['message', '__redis__:invalidate', [k0]] });
    expect(String(await probe.call('CLIENT', 'LIST'))).toMatch(new RegExp(`id=${await t!.call('CLIENT', 'ID')} .*flags=t .*redir=${rid} `));
  });

  it('ioredis: a RESP2 tracking client redirects to an ioredis subscriber; keys of both workers', async () => {
    const sub = new Redis({ port, host: '127.0.0.1' });
    const tracker = new Redis({ port, host: '127.0.0.1' });
    const writer = new Redis({ port, host: '127.0.0.1' });
    toClose.push({ close: () => sub.disconnect() }, { close: () => tracker.disconnect() }, { close: () => writer.disconnect() });
    await new Promise((resolve) => sub.once('ready', resolve));
    const subId = (await sub.client('ID')) as number;
    const got: unknown[] = [];
    sub.on('message', (channel: string, message: unknown) => got.push([channel, message]));
    await sub.subscribe('__redis__:invalidate');
    expect(await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(subId))).toBe('OK');
    const k0 = keyOn(0, 'io');
    const k1 = keyOn(1, 'io');
    await writer.mset(k0, 'a', k1, 'b');
    expect(await tracker.mget(k0, k1)).toEqual(['a', 'b']);
    await writer.set(k0, 'c');
    await writer.hset(k1 + 'h', 'f', 'v');
    await writer.del(k1);
    for (let i = 0; i < 300 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 10));
    // ioredis hands a message's payload over as a string: the one-key array becomes the key.
    expect(got).toEqual([
      ['__redis__:invalidate', k0],
      ['__redis__:invalidate', k1],
    ]);
  });

  it('node-redis RESP3 client-side cache: hits while unchanged, the new value after another client writes', async () => {
    const cached = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3, clientSideCache: { ttl: 0, maxEntries: 0 } });
    const writer = createClient({ socket: { port, host: '127.0.0.1' } });
    toClose.push({ close: () => cached.destroy() }, { close: () => writer.destroy() });
    await Promise.all([cached.connect(), writer.connect()]);
    const keys = [keyOn(0, 'csc'), keyOn(1, 'csc')];
    for (const k of keys) await writer.set(k, 'old');
    for (const k of keys) expect(await cached.get(k)).toBe('old');
    const hitsBefore = cached.clientSideCache!.stats().hitCount;
    for (const k of keys) expect(await cached.get(k)).toBe('old');
    expect(cached.clientSideCache!.stats().hitCount).toBe(hitsBefore + 2);
    for (const k of keys) await writer.set(k, 'new');
    // The invalidation push arrives on its own: the cache must stop answering 'old' (bounded wait).
    for (const k of keys) {
      let value = await cached.get(k);
      for (let i = 0; i < 300 && value === 'old'; i++) {
        await new Promise((r) => setTimeout(r, 10));
        value = await cached.get(k);
      }
      expect(value).toBe('new');
    }
  });

  it('OPTIN remembers only the reads after CLIENT CACHING yes (the reads hop to the other worker)', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!, 'OPTIN');
    const [a, b, c] = keysOn(1, 'optin', 3) as [string, string, string];
    await t!.call('GET', a);
    expect(await t!.call('CLIENT', 'CACHING', 'YES')).toBe('OK');
    expect((await t!.call('CLIENT', 'TRACKINGINFO'))[0]).toEqual(['flags', ['on', 'optin', 'caching-yes']]);
    await t!.call('GET', b);
    await t!.call('GET', c);
    await w!.call('SET', a, '1');
    await w!.call('SET', c, '1');
    await w!.call('SET', b, '1');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [b]] });
    expect(await t!.call('GET', keyOn(1, 'optin-barrier'))).toBeNull();
    expect(t!.pending().length).toBe(0);
  });

  it('OPTOUT with CLIENT CACHING no skips the next read only', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!, 'OPTOUT');
    const [a, b] = keysOn(0, 'optout', 2) as [string, string];
    expect(await t!.call('CLIENT', 'CACHING', 'NO')).toBe('OK');
    await t!.call('GET', a);
    await t!.call('GET', b);
    await w!.call('SET', a, '1');
    await w!.call('SET', b, '1');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [b]] });
  });
});

describe('BCAST', () => {
  it('sends the changed keys under each prefix, whichever worker owns them; NOLOOP leaves out the client\'s own', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!, 'BCAST', 'PREFIX', 'bc:', 'PREFIX', 'other:');
    const tag = tagOn(1);
    await w!.call('MSET', `bc:a${tag}`, '1', `bc:b${tag}`, '2', `zz${tag}`, '3');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [`bc:a${tag}`, `bc:b${tag}`]] });
    const o = keyOn(0, 'other:');
    await w!.call('SET', o, '1');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [o]] });

    expect(await t!.call('CLIENT', 'TRACKING', 'OFF')).toBe('OK');
    expect(await t!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP', 'PREFIX', 'nl:')).toBe('OK');
    expect(await t!.call('SET', keyOn(1, 'nl:'), '1')).toBe('OK');
    const theirs = keyOn(0, 'nl:');
    await w!.call('SET', theirs, '1');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [theirs]] });
  });

  it('an invalidation due before a request is answered ahead of that request\'s reply, whichever worker owns the key', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!, 'BCAST', 'PREFIX', 'ord');
    const keys = [...keysOn(0, 'ord', 10), ...keysOn(1, 'ord', 10)];
    for (const key of keys) {
      await w!.call('SET', key, 'v');
      t!.send('PING');
      expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [key]] });
      expect(await next(t!)).toEqual({ type: '+', value: 'PONG' });
    }
  });

  it('rejects overlapping prefixes and mode switches with Redis\'s errors', async () => {
    const [c] = await pair();
    expect(await c!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'FOOBAR', 'PREFIX', 'FOO')).toEqual(
      new Error("ERR Prefix 'FOOBAR' overlaps with another provided prefix 'FOO'. Prefixes for a single client must not overlap."),
    );
    expect(await c!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'FOO')).toBe('OK');
    expect(await c!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'FO')).toEqual(
      new Error("ERR Prefix 'FO' overlaps with an existing prefix 'FOO'. Prefixes for a single client must not overlap."),
    );
    expect(await c!.call('CLIENT', 'TRACKING', 'ON')).toEqual(
      new Error("ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode."),
    );
    expect(String(await c!.call('CLIENT', 'INFO'))).toMatch(/flags=tB /);
  });
});

describe('transactions, scripts, flushes, expiry', () => {
  it('a script that reads remembers the keys it declared (as Redis), wherever they live; one that only writes remembers none', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!);
    const declared0 = keyOn(0, 'script');
    const declared1 = keyOn(1, 'script');
    const read = keyOn(1, 'script-read');
    const written = keyOn(1, 'script-written');
    await w!.call('MSET', declared0, '1', declared1, '1', read, '1');
    expect(await t!.call('EVAL', "redis.call('set', KEYS[1], 'w')", '1', written)).toBeNull();
    expect(await t!.call('EVAL', "return redis.call('get', ARGV[1])", '2', declared1, declared0, read)).toBe('1');
    await w!.call('SET', declared0, '2');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [declared0]] });
    await w!.call('SET', declared1, '2');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [declared1]] });
    await w!.call('SET', written, '2');
    expect(await t!.call('GET', keyOn(1, 'script-barrier'))).toBeNull();
    expect(t!.pending().length).toBe(0);
  });

  it('invalidations of a MULTI/EXEC over both workers follow the EXEC reply', async () => {
    const [t] = await pair();
    await resp3Tracking(t!);
    const k0 = keyOn(0, 'tx');
    const k1 = keyOn(1, 'tx');
    await t!.call('MSET', k0, '1', k1, '2');
    expect(await t!.call('MGET', k0, k1)).toEqual(['1', '2']);
    expect(await t!.call('MULTI')).toBe('OK');
    expect(await t!.call('INCR', k0)).toBe('QUEUED');
    expect(await t!.call('INCR', k1)).toBe('QUEUED');
    t!.send('EXEC');
    expect(await next(t!)).toEqual({ type: '*', value: [2, 3] });
    const pushes = [await next(t!), await next(t!)];
    expect(pushes.map((p) => p.type)).toEqual(['>', '>']);
    expect(pushes.map((p) => p.value[1][0]).sort()).toEqual([k0, k1].sort());
  });

  it('FLUSHALL sends every tracking client a null invalidation, the flushing one after its OK', async () => {
    const [t0, t1] = await pair();
    await resp3Tracking(t0!);
    await resp3Tracking(t1!);
    await t0!.call('GET', keyOn(1, 'fl'));
    expect(await infoField('tracking_total_keys')).toBeGreaterThan(0);
    t1!.send('FLUSHALL');
    expect(await next(t1!)).toEqual({ type: '+', value: 'OK' });
    expect(await next(t1!)).toEqual({ type: '>', value: ['invalidate', null] });
    expect(await next(t0!)).toEqual({ type: '>', value: ['invalidate', null] });
    expect(await infoField('tracking_total_keys')).toBe(0);
  });

  it('a key that expires is invalidated', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!);
    const k = keyOn(1, 'exp');
    await w!.call('SET', k, 'v', 'PX', '50');
    expect(await t!.call('GET', k)).toBe('v');
    expect(await next(t!, 5000)).toEqual({ type: '>', value: ['invalidate', [k]] });
  });

  it('a blocked BLMOVE that pushes into a tracked list gets its reply before the invalidation', async () => {
    const [t, w] = await pair();
    await resp3Tracking(t!);
    const tag = tagOn(0);
    await w!.call('RPUSH', `dst${tag}`, 'a');
    expect(await t!.call('LRANGE', `dst${tag}`, '0', '-1')).toEqual(['a']);
    t!.send('BLMOVE', `src${tag}`, `dst${tag}`, 'LEFT', 'LEFT', '0');
    for (let i = 0; i < 300 && (await infoField('blocked_clients')) === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await w!.call('RPUSH', `src${tag}`, 'foo');
    expect(await next(t!)).toEqual({ type: '$', value: 'foo' });
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', [`dst${tag}`]] });
  });
});

describe('redirection client gone, limits, introspection', () => {
  it('reports tracking-redir-broken when the redirection client on the other worker has closed', async () => {
    const [t, r] = await pair();
    const rid = await r!.call('CLIENT', 'ID');
    await resp3Tracking(t!, 'REDIRECT', String(rid));
    const k = keyOn(0, 'broken');
    await t!.call('GET', k);
    r!.close();
    for (let i = 0; i < 300 && String(await probe.call('CLIENT', 'LIST')).includes(`id=${rid} `); i++) await new Promise((res) => setTimeout(res, 10));
    await probe.call('SET', k, '1');
    expect(await next(t!)).toEqual({ type: '>', value: ['tracking-redir-broken', rid] });
    expect(await t!.call('CLIENT', 'TRACKINGINFO')).toEqual([
      ['flags', ['on', 'broken_redirect']],
      ['redirect', rid],
      ['prefixes', []],
    ]);
    expect(String(await t!.call('CLIENT', 'INFO'))).toMatch(/flags=tR /);
  });

  it('keys beyond tracking-table-max-keys are invalidated as if they had changed', async () => {
    const [t] = await pair();
    await resp3Tracking(t!);
    await probe.call('FLUSHALL');
    expect(await next(t!)).toEqual({ type: '>', value: ['invalidate', null] });
    expect(await probe.call('CONFIG', 'SET', 'tracking-table-max-keys', '1')).toBe('OK');
    try {
      const keys = [...keysOn(0, 'lim', 2), ...keysOn(1, 'lim', 2)];
      // Evictions happen as the reads are remembered: pushes and replies interleave.
      for (const k of keys) t!.send('GET', k);
      const evicted = new Set<string>();
      let replies = 0;
      while (replies < 4 || evicted.size < 3) {
        const frame = await next(t!);
        if (frame.type === '>') evicted.add(frame.value[1][0]);
        else {
          expect(frame).toEqual({ type: '_', value: null });
          replies++;
        }
      }
      expect(evicted.size).toBe(3);
      expect(await infoField('tracking_total_keys')).toBe(1);
    } finally {
      await probe.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    }
  });

  it('answers GETREDIR, TRACKINGINFO, INFO and the option errors as Redis does', async () => {
    const [a, b] = await pair();
    expect(await a!.call('CLIENT', 'GETREDIR')).toBe(-1);
    expect(await a!.call('CLIENT', 'TRACKINGINFO')).toEqual(['flags', ['off'], 'redirect', -1, 'prefixes', []]);
    expect(await a!.call('CLIENT', 'CACHING', 'YES')).toEqual(
      new Error('ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled'),
    );
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'PREFIX', 'x')).toEqual(new Error('ERR PREFIX option requires BCAST mode to be enabled'));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN')).toEqual(new Error('ERR OPTIN and OPTOUT are not compatible with BCAST'));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT')).toEqual(new Error("ERR You can't specify both OPTIN mode and OPTOUT mode"));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999')).toEqual(new Error('ERR The client ID you want redirect to does not exist'));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'x')).toEqual(new Error('ERR value is not an integer or out of range'));
    expect(await a!.call('CLIENT', 'TRACKING', 'MAYBE')).toEqual(new Error('ERR syntax error'));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'OPTIN')).toBe('OK');
    expect(await a!.call('CLIENT', 'CACHING', 'NO')).toEqual(new Error('ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.'));
    expect(await a!.call('CLIENT', 'TRACKING', 'ON', 'OPTOUT')).toEqual(
      new Error("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode."),
    );
    expect(await a!.call('CLIENT', 'GETREDIR')).toBe(0);

    const clientsBefore = await infoField('tracking_clients');
    const prefixesBefore = await infoField('tracking_total_prefixes');
    expect(await b!.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'info-only:')).toBe('OK');
    expect(await infoField('tracking_clients')).toBe(clientsBefore + 1);
    expect(await infoField('tracking_total_prefixes')).toBe(prefixesBefore + 1);
    b!.close();
    for (let i = 0; i < 300 && (await infoField('tracking_clients')) !== clientsBefore; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await infoField('tracking_clients')).toBe(clientsBefore);
    expect(await infoField('tracking_total_prefixes')).toBe(prefixesBefore);
  });
});
