// Pub/sub across shard workers: subscribers and publishers on different workers, patterns, PUBSUB
// introspection, RESP3 push frames, and keyspace notifications raised on either worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, plain, RawClient, rawOn, workerOfKey } from './support.ts';

let server: RunningServer;
let port: number;
let probe: RawClient;
const toClose: { close(): void }[] = [];

async function on(worker: number): Promise<RawClient> {
  const c = await rawOn(port, probe, worker);
  toClose.push(c);
  return c;
}

/** Next frame as plain JS, with its wire type. */
async function next(c: RawClient, timeoutMs = 3000): Promise<{ type: string; value: any }> {
  const r = await c.read(timeoutMs);
  return { type: r.type, value: plain(r) };
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

describe('channels and patterns across workers', () => {
  it('PUBLISH from worker 1 reaches a subscriber on worker 0 and counts receivers of both workers', async () => {
    const s0 = await on(0);
    const s1 = await on(1);
    const p0 = await on(0);
    const p1 = await on(1);
    s0.send('SUBSCRIBE', 'news', 'sport');
    expect((await next(s0)).value).toEqual(['subscribe', 'news', 1]);
    expect((await next(s0)).value).toEqual(['subscribe', 'sport', 2]);
    expect(await p1.call('PUBLISH', 'news', 'hello')).toBe(1);
    expect(await next(s0)).toEqual({ type: '*', value: ['message', 'news', 'hello'] });
    s1.send('PSUBSCRIBE', 'n*', 'x?z');
    expect((await next(s1)).value).toEqual(['psubscribe', 'n*', 1]);
    expect((await next(s1)).value).toEqual(['psubscribe', 'x?z', 2]);
    expect(await p0.call('PUBLISH', 'news', 'both')).toBe(2);
    expect((await next(s0)).value).toEqual(['message', 'news', 'both']);
    expect((await next(s1)).value).toEqual(['pmessage', 'n*', 'news', 'both']);
    expect(await p1.call('PUBLISH', 'xyz', 'pat')).toBe(1);
    expect((await next(s1)).value).toEqual(['pmessage', 'x?z', 'xyz', 'pat']);
    expect(await p1.call('PUBLISH', 'zzz-nobody', 'x')).toBe(0);

    expect((await p0.call('PUBSUB', 'CHANNELS')).sort()).toEqual(['news', 'sport']);
    expect(await p1.call('PUBSUB', 'CHANNELS', 's*')).toEqual(['sport']);
    expect(await p1.call('PUBSUB', 'NUMSUB', 'news', 'sport', 'none')).toEqual(['news', 1, 'sport', 1, 'none', 0]);
    expect(await p0.call('PUBSUB', 'NUMPAT')).toBe(2);

    // A second subscriber of the same channel on the other worker.
    const s1b = await on(1);
    s1b.send('SUBSCRIBE', 'news');
    expect((await next(s1b)).value).toEqual(['subscribe', 'news', 1]);
    expect(await p0.call('PUBSUB', 'NUMSUB', 'news')).toEqual(['news', 2]);
    expect(await p0.call('PUBLISH', 'news', 'three')).toBe(3);
    expect((await next(s0)).value).toEqual(['message', 'news', 'three']);
    expect((await next(s1)).value).toEqual(['pmessage', 'n*', 'news', 'three']);
    expect((await next(s1b)).value).toEqual(['message', 'news', 'three']);

    s0.send('UNSUBSCRIBE', 'news');
    expect((await next(s0)).value).toEqual(['unsubscribe', 'news', 1]);
    s1.send('PUNSUBSCRIBE');
    const punsub = [(await next(s1)).value, (await next(s1)).value];
    expect(punsub.map((m) => m[0])).toEqual(['punsubscribe', 'punsubscribe']);
    expect(punsub.map((m) => m[1]).sort()).toEqual(['n*', 'x?z']);
    expect(punsub.map((m) => m[2]).sort()).toEqual([0, 1]);
    expect(await p0.call('PUBSUB', 'NUMPAT')).toBe(0);
    expect(await p1.call('PUBLISH', 'news', 'last')).toBe(1);
    expect((await next(s1b)).value).toEqual(['message', 'news', 'last']);
    s1b.close();
    // A closed subscriber is forgotten on its worker.
    let count = -1;
    for (let i = 0; i < 200 && count !== 0; i++) {
      count = (await p0.call('PUBSUB', 'NUMSUB', 'news'))[1];
      if (count !== 0) await new Promise((r) => setTimeout(r, 10));
    }
    expect(count).toBe(0);
    expect(await p0.call('PUBLISH', 'news', 'gone')).toBe(0);
  });

  it('RESP2 subscribe mode allows only subscription commands; PING answers pong', async () => {
    const s = await on(1);
    s.send('SUBSCRIBE', 'only');
    await next(s);
    expect(await s.call('GET', 'x')).toEqual(
      new Error("ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
    );
    expect(await s.call('PING')).toEqual(['pong', '']);
    expect(await s.call('PING', 'hi')).toEqual(['pong', 'hi']);
    s.send('RESET');
    expect(await next(s)).toEqual({ type: '+', value: 'RESET' });
    expect(await s.call('GET', keyOn(0, 'after-reset'))).toBeNull();
  });

  it('1000 messages from a publisher on the other worker arrive complete and in order', async () => {
    const s = await on(0);
    const p = await on(1);
    s.send('SUBSCRIBE', 'stream');
    await next(s);
    for (let i = 0; i < 1000; i++) p.send('PUBLISH', 'stream', `m${i}`);
    for (let i = 0; i < 1000; i++) expect((await p.read()).value).toBe(1);
    for (let i = 0; i < 1000; i++) expect((await next(s)).value).toEqual(['message', 'stream', `m${i}`]);
  });

  it('RESP3 subscribers get push frames and may run ordinary commands', async () => {
    const s = await on(0);
    const p = await on(1);
    s.send('HELLO', '3');
    expect((await s.read()).type).toBe('%');
    s.send('SUBSCRIBE', 'r3');
    expect(await next(s)).toEqual({ type: '>', value: ['subscribe', 'r3', 1] });
    s.send('PSUBSCRIBE', 'r*');
    expect(await next(s)).toEqual({ type: '>', value: ['psubscribe', 'r*', 2] });
    expect(await p.call('PUBLISH', 'r3', 'push')).toBe(2);
    const pushes = [await next(s), await next(s)];
    expect(pushes).toContainEqual({ type: '>', value: ['message', 'r3', 'push'] });
    expect(pushes).toContainEqual({ type: '>', value: ['pmessage', 'r*', 'r3', 'push'] });
    s.send('GET', keyOn(1, 'r3-get'));
    expect(await next(s)).toEqual({ type: '_', value: null });
    s.send('PING');
    expect(await next(s)).toEqual({ type: '+', value: 'PONG' });
    s.send('UNSUBSCRIBE', 'r3');
    expect(await next(s)).toEqual({ type: '>', value: ['unsubscribe', 'r3', 1] });
  });

  it('ioredis subscriber and node-redis RESP3 subscriber, node-redis publisher', async () => {
    const sub = new Redis({ port, host: '127.0.0.1' });
    toClose.push({ close: () => sub.disconnect() });
    // ioredis's ready check (INFO) must not run after SUBSCRIBE: subscribe once it is ready.
    await new Promise((resolve) => sub.once('ready', resolve));
    const sub3 = createClient({ socket: { port, host: '127.0.0.1' }, RESP: 3 });
    const pub = createClient({ socket: { port, host: '127.0.0.1' } });
    toClose.push({ close: () => sub3.destroy() }, { close: () => pub.destroy() });
    await Promise.all([sub3.connect(), pub.connect()]);
    const got: string[] = [];
    const got3: string[] = [];
    sub.on('message', (ch: string, msg: string) => got.push(`${ch}:${msg}`));
    sub.on('pmessage', (pat: string, ch: string, msg: string) => got.push(`${pat}|${ch}:${msg}`));
    await sub.subscribe('lib-a');
    await sub.psubscribe('lib-*');
    await sub3.subscribe('lib-a', (msg: string, ch: string) => got3.push(`${ch}:${msg}`));
    expect(await pub.publish('lib-a', 'one')).toBe(3);
    expect(await pub.publish('lib-b', 'two')).toBe(1);
    for (let i = 0; i < 300 && (got.length < 3 || got3.length < 1); i++) await new Promise((r) => setTimeout(r, 10));
    expect(got.sort()).toEqual(['lib-*|lib-a:one', 'lib-*|lib-b:two', 'lib-a:one']);
    expect(got3).toEqual(['lib-a:one']);
    expect(await pub.pubSubNumSub(['lib-a'])).toEqual({ 'lib-a': 2 });
    // The RESP3 connection still serves commands between pushes.
    expect(await sub3.get(keyOn(1, 'sub3'))).toBeNull();
  });
});

describe('keyspace notifications across workers', () => {
  let s: RawClient;
  let w0: RawClient;
  let w1: RawClient;
  const writerOf = (key: string): RawClient => (workerOfKey(key) === 0 ? w0 : w1);

  beforeAll(async () => {
    s = await on(0);
    w0 = await on(0);
    w1 = await on(1);
    expect(await w1.call('CONFIG', 'SET', 'notify-keyspace-events', 'KEA')).toBe('OK');
    s.send('PSUBSCRIBE', '__key*@0__:*');
    expect((await next(s)).value).toEqual(['psubscribe', '__key*@0__:*', 1]);
  });

  async function events(n: number): Promise<string[][]> {
    const got: string[][] = [];
    for (let i = 0; i < n; i++) {
      const m = (await next(s)).value as string[];
      expect(m[0]).toBe('pmessage');
      got.push([m[2]!, m[3]!]);
    }
    return got;
  }

  const pair = (event: string, key: string): string[][] => [[`__keyspace@0__:${key}`, event], [`__keyevent@0__:${event}`, key]];

  it('writes on each worker (by a connection of that worker) notify a subscriber on worker 0, in order', async () => {
    const [k0, k1] = [keyOn(0, 'ev'), keyOn(1, 'ev')];
    expect(await writerOf(k0).call('SET', k0, '1')).toBe('OK');
    expect(await writerOf(k1).call('SET', k1, '1')).toBe('OK');
    expect(await writerOf(k0).call('INCRBY', k0, '5')).toBe(6);
    expect(await writerOf(k1).call('EXPIRE', k1, '100')).toBe(1);
    expect(await writerOf(k0).call('DEL', k0)).toBe(1);
    const got = await events(10);
    // Per key, the events follow the writes; events of different workers may interleave.
    const ofKey = (k: string): string[][] => got.filter(([ch, msg]) => ch === `__keyspace@0__:${k}` || msg === k);
    expect(ofKey(k0)).toEqual([...pair('set', k0), ...pair('incrby', k0), ...pair('del', k0)]);
    expect(ofKey(k1)).toEqual([...pair('set', k1), ...pair('expire', k1)]);
  });

  it('a key expiring on worker 1 raises expired', async () => {
    const k1 = keyOn(1, 'ev-expire');
    expect(await w1.call('SET', k1, 'short', 'PX', '20')).toBe('OK');
    const seen: string[][] = [];
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && !seen.some((e) => e[0] === '__keyevent@0__:expired')) seen.push(...(await events(1)));
    expect(seen).toContainEqual(['__keyevent@0__:expired', k1]);
    expect(seen).toContainEqual([`__keyspace@0__:${k1}`, 'expired']);
  });

  // Was an engine bug (a hopped write's notification ran a self-request re-entrantly and its ':<count>'
  // reply leaked into the client's stream); fixed by 'requests to self run from the turn loop'.
  it('a write that hops to the other worker answers in order and notifies', async () => {
    const k0 = keyOn(0, 'ev-hop');
    expect(await w1.call('SET', k0, 'v')).toBe('OK');
    expect(await w1.call('APPEND', k0, 'w')).toBe(2);
    expect(await w1.call('PING')).toBe('PONG');
    expect(await events(4)).toEqual([...pair('set', k0), ...pair('append', k0)]);
  });

  it('events stop once notify-keyspace-events is emptied', async () => {
    const fresh = await on(1);
    expect(await fresh.call('CONFIG', 'SET', 'notify-keyspace-events', '')).toBe('OK');
    expect(await fresh.call('SET', keyOn(1, 'quiet'), 'x')).toBe('OK');
    s.send('PING');
    // Whatever events are still queued from earlier tests come first; then the PING reply.
    const deadline = Date.now() + 3000;
    let last = await next(s);
    while (Date.now() < deadline && last.value[0] === 'pmessage') {
      expect(last.value[2]).not.toContain('quiet');
      last = await next(s);
    }
    expect(last.value).toEqual(['pong', '']);
  });
});
