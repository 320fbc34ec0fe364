// Atomicity across shard workers: concurrent MSET writers against MGET readers, MSETNX races,
// MULTI/EXEC spanning both workers, and WATCH invalidated from a connection on the other worker.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, keysOn, RawClient, rawOn, workerOfKey, type Reply } from './support.ts';

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

describe('multi-key commands across workers are atomic', () => {
  it('concurrent MSET writers never let an MGET reader see a mix of values', async () => {
    const keys = [...keysOn(0, 'atom', 4), ...keysOn(1, 'atom', 4)];
    const writers = [ioredis(), ioredis(), ioredis(), ioredis()];
    const readers = [ioredis(), ioredis()];
    await writers[0]!.mset(...keys.flatMap((k) => [k, 'init']));
    const deadline = Date.now() + 1500;
    // On a loaded machine 1.5 s may not be enough to interleave: go on until both sides did some work.
    const hardDeadline = Date.now() + 20_000;
    const mixed: string[][] = [];
    const seenValues = new Set<string>();
    let reads = 0;
    let writes = 0;
    const running = (): boolean => Date.now() < hardDeadline && (Date.now() < deadline || writes <= 200 || reads <= 200);
    await Promise.all([
      ...writers.map(async (w, id) => {
        for (let i = 0; i < 100_000 && running(); i++) {
          // A few MSETs in flight per writer (pipelined) to interleave more.
          const p = w.pipeline();
          for (let j = 0; j < 4; j++) p.mset(...keys.flatMap((k) => [k, `w${id}-${i}-${j}`]));
          await p.exec();
          writes += 4;
        }
      }),
      ...readers.map(async (r) => {
        for (let i = 0; i < 100_000 && running(); i++) {
          const values = (await r.mget(...keys)) as string[];
          reads++;
          seenValues.add(values[0]!);
          if (values.some((v) => v !== values[0])) mixed.push(values);
        }
      }),
    ]);
    expect(mixed.slice(0, 3)).toEqual([]);
    expect(writes).toBeGreaterThan(100);
    expect(reads).toBeGreaterThan(100);
    expect(seenValues.size).toBeGreaterThan(10); // the readers did run while the writers wrote
  });

  it('MULTI/EXEC writers spanning both workers against MGET readers: always equal counters', async () => {
    const [a, b] = [keyOn(0, 'txcount'), keyOn(1, 'txcount')];
    const writer = ioredis();
    const reader = ioredis();
    await writer.mset(a, 0, b, 0);
    const deadline = Date.now() + 1000;
    let bad: unknown = null;
    let lastSeen = 0;
    await Promise.all([
      (async () => {
        for (let i = 0; i < 100_000 && Date.now() < deadline; i++) await writer.multi().incr(a).incr(b).exec();
      })(),
      (async () => {
        for (let i = 0; i < 100_000 && Date.now() < deadline && bad === null; i++) {
          const [x, y] = (await reader.mget(a, b)) as string[];
          if (x !== y) bad = [x, y];
          lastSeen = Number(x);
        }
      })(),
    ]);
    expect(bad).toBeNull();
    expect(lastSeen).toBeGreaterThan(0);
  });

  it('racing MSETNX calls over keys on both workers: exactly one wins, and wins whole', async () => {
    const clients = [ioredis(), ioredis(), ioredis(), ioredis()];
    for (let round = 0; round < 30; round++) {
      const keys = [keyOn(0, `nx${round}`), keyOn(1, `nx${round}`), keyOn(1, `nx${round}b`)];
      const results = await Promise.all(clients.map((c, id) => c.msetnx(...keys.flatMap((k) => [k, `c${id}`]))));
      expect(results.filter((r) => r === 1).length).toBe(1);
      const winner = `c${results.indexOf(1)}`;
      expect(await clients[0]!.mget(...keys)).toEqual([winner, winner, winner]);
    }
  });

  it('concurrent cross-worker RENAMEs of one key lose nothing and duplicate nothing', async () => {
    const names = [keyOn(0, 'hot'), keyOn(1, 'hot'), keyOn(0, 'hot2'), keyOn(1, 'hot2')];
    const clients = [ioredis(), ioredis(), ioredis()];
    await clients[0]!.del(...names);
    await clients[0]!.set(names[0]!, 'payload');
    await Promise.all(
      clients.map(async (c, id) => {
        for (let i = 0; i < 150; i++) {
          const from = names[(i + id) % names.length]!;
          const to = names[(i + id + 1) % names.length]!;
          await c.rename(from, to).catch(() => undefined); // "no such key" when another got there first
        }
      }),
    );
    const values = await clients[0]!.mget(...names);
    expect(values.filter((v) => v === 'payload').length).toBe(1);
    expect(values.filter((v) => v !== null).length).toBe(1);
  });
});

describe('MULTI/EXEC across workers', () => {
  let c: RawClient;

  beforeAll(async () => {
    c = await RawClient.connect(port);
    toClose.push(c);
  });

  async function queue(...argv: string[]): Promise<Reply> {
    c.send(...argv);
    return c.read();
  }

  it('runs queued commands on both workers and answers every result in order', async () => {
    const [a, b] = [keyOn(0, 'multi'), keyOn(1, 'multi')];
    await c.call('DEL', a, b);
    expect(await c.call('MULTI')).toBe('OK');
    expect(await queue('SET', a, '1')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('SET', b, 'x')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('INCR', a)).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('INCR', b)).toEqual({ type: '+', value: 'QUEUED' }); // fails at EXEC time
    expect(await queue('MGET', a, b)).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('RENAME', b, keyOn(0, 'multi-renamed'))).toEqual({ type: '+', value: 'QUEUED' });
    expect(await c.call('EXEC')).toEqual(['OK', 'OK', 2, new Error('ERR value is not an integer or out of range'), ['2', 'x'], 'OK']);
    expect(await c.call('MGET', a, b, keyOn(0, 'multi-renamed'))).toEqual(['2', null, 'x']);
  });

  it('EXECABORT after a queueing error leaves every worker untouched', async () => {
    const [a, b] = [keyOn(0, 'abort'), keyOn(1, 'abort')];
    await c.call('DEL', a, b);
    expect(await c.call('MULTI')).toBe('OK');
    expect(await queue('SET', a, '1')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('SET', b)).toEqual({ type: '-', value: "ERR wrong number of arguments for 'set' command" });
    expect(await queue('NOSUCH', b)).toEqual({ type: '-', value: "ERR unknown command 'NOSUCH', with args beginning with: '" + b + "' " });
    expect(await queue('SET', b, '2')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await c.call('EXEC')).toEqual(new Error('EXECABORT Transaction discarded because of previous errors.'));
    expect(await c.call('EXISTS', a, b)).toBe(0);
    expect(await c.call('EXEC')).toEqual(new Error('ERR EXEC without MULTI'));
  });

  it('DISCARD drops the queue; MULTI cannot nest; DISCARD without MULTI fails', async () => {
    const [a, b] = [keyOn(0, 'discard'), keyOn(1, 'discard')];
    await c.call('MSET', a, 'old', b, 'old');
    expect(await c.call('MULTI')).toBe('OK');
    expect(await c.call('MULTI')).toEqual(new Error('ERR MULTI calls can not be nested'));
    expect(await queue('SET', a, 'new')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await queue('SET', b, 'new')).toEqual({ type: '+', value: 'QUEUED' });
    expect(await c.call('DISCARD')).toBe('OK');
    expect(await c.call('MGET', a, b)).toEqual(['old', 'old']);
    expect(await c.call('DISCARD')).toEqual(new Error('ERR DISCARD without MULTI'));
    expect(await c.call('MULTI')).toBe('OK');
    expect(await c.call('EXEC')).toEqual([]);
  });

  it('ioredis multi() across workers', async () => {
    const r = ioredis();
    const [a, b] = [keyOn(0, 'iomulti'), keyOn(1, 'iomulti')];
    const res = await r.multi().set(a, 'A').set(b, 'B').mget(a, b).del(a, b).exists(a, b).exec();
    expect(res).toEqual([[null, 'OK'], [null, 'OK'], [null, ['A', 'B']], [null, 2], [null, 0]]);
  });
});

describe('WATCH across workers', () => {
  let w0: RawClient;
  let w1: RawClient;

  beforeAll(async () => {
    w0 = await rawOn(port, probe, 0);
    w1 = await rawOn(port, probe, 1);
    toClose.push(w0, w1);
  });

  async function execAfterWatch(watcher: RawClient, writer: RawClient, key: string, write: string[] | null): Promise<any> {
    const other = keyOn(1 - workerOfKey(key), 'watch-side'); // the transaction spans both workers
    await watcher.call('SET', key, 'start');
    expect(await watcher.call('WATCH', key)).toBe('OK');
    if (write) await writer.call(...write);
    expect(await watcher.call('MULTI')).toBe('OK');
    watcher.send('SET', key, 'from-tx');
    watcher.send('INCR', other);
    await watcher.read();
    await watcher.read();
    return watcher.call('EXEC');
  }

  for (const keyWorker of [0, 1]) {
    it(`a write from the other worker's connection aborts EXEC (key on worker ${keyWorker})`, async () => {
      const key = keyOn(keyWorker, `watched${keyWorker}`);
      // The watcher sits on worker 0, the writer on worker 1; the key is on either.
      expect(await execAfterWatch(w0, w1, key, ['SET', key, 'intruder'])).toBeNull();
      expect(await w0.call('GET', key)).toBe('intruder');
      // And the other way round.
      expect(await execAfterWatch(w1, w0, key, ['APPEND', key, '!'])).toBeNull();
      expect(await w1.call('GET', key)).toBe('start!');
    });
  }

  it('WATCH with no change lets EXEC through; UNWATCH forgets; reads do not invalidate', async () => {
    const key = keyOn(1, 'watch-clean');
    const res = await execAfterWatch(w0, w1, key, ['GET', key]);
    expect(res[0]).toBe('OK');
    expect(await w1.call('GET', key)).toBe('from-tx');
    await w0.call('WATCH', key);
    await w1.call('SET', key, 'changed');
    expect(await w0.call('UNWATCH')).toBe('OK');
    expect(await w0.call('MULTI')).toBe('OK');
    w0.send('GET', key);
    await w0.read();
    expect(await w0.call('EXEC')).toEqual(['changed']);
  });

  it('DEL, EXPIRE and a cross-worker MSET from the other worker invalidate WATCH', async () => {
    const key = keyOn(1, 'watch-del');
    expect(await execAfterWatch(w0, w1, key, ['DEL', key])).toBeNull();
    expect(await execAfterWatch(w0, w1, key, ['EXPIRE', key, '100'])).toBeNull();
    expect(await execAfterWatch(w0, w1, key, ['MSET', keyOn(0, 'watch-mset'), '1', key, '2'])).toBeNull();
    expect(await execAfterWatch(w1, w0, key, ['RENAME', key, keyOn(0, 'watch-renamed')])).toBeNull();
  });

  it('FLUSHALL and SWAPDB from the other worker invalidate WATCH on an existing key', async () => {
    const key = keyOn(0, 'watch-flush');
    expect(await execAfterWatch(w1, w0, key, ['FLUSHALL'])).toBeNull();
    expect(await execAfterWatch(w1, w0, key, ['SWAPDB', '0', '1'])).toBeNull();
    await w0.call('SWAPDB', '0', '1');
  });

  it('WATCH inside MULTI is refused', async () => {
    expect(await w0.call('MULTI')).toBe('OK');
    expect(await w0.call('WATCH', 'x')).toEqual(new Error('ERR WATCH inside MULTI is not allowed'));
    expect(await w0.call('DISCARD')).toBe('OK');
  });
});
