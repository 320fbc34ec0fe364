// GET, SET and MSET answered from the request bytes (dispatcher.ts fastGet, fastSet, fastMset) must be
// indistinguishable from the ordinary commands: replies in both protocols, what they count
// (commandstats calls, keyspace hits and misses, changes since the last save, SLOWLOG, CLIENT
// LIST's cmd), and the cases they leave to the ordinary path (expiry, other types, big values,
// another worker's keys, WATCH, keyspace notifications).
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { sharedShoal } from '../helpers/shared-shoal.ts';
import { infoField } from '../helpers/server-per-test.ts';
import { encodeCommand, keyOn, RawClient, tagOn } from './support.ts';

const shared = sharedShoal(['--threads', '2']);

/** Sends raw pipelined bytes on a connection of its own and reads `n` replies. */
async function raw(bytes: Buffer, n: number, hello3 = false): Promise<unknown[]> {
  const c = await RawClient.connect(shared.server.port);
  try {
    if (hello3) {
      c.send('HELLO', '3');
      await c.read();
    }
    c.write(bytes);
    const replies: unknown[] = [];
    for (let i = 0; i < n; i++) replies.push(await c.read());
    return replies;
  } finally {
    c.close();
  }
}

describe('GET from the request bytes', () => {
  it('answers values, nil in RESP2 and RESP3, any spelling of GET, keys of both workers', async () => {
    const a = keyOn(0, 'fast');
    const b = keyOn(1, 'fast');
    await shared.client.mset(a, 'value-a', b, 'x'.repeat(300));
    await shared.client.del('fast:missing');
    const requests = Buffer.concat([
      encodeCommand(['GET', a]),
      encodeCommand(['get', b]),
      encodeCommand(['gEt', 'fast:missing']),
    ]);
    expect(await raw(requests, 3)).toEqual([
      { type: '$', value: 'value-a' },
      { type: '$', value: 'x'.repeat(300) },
      { type: '$', value: null },
    ]);
    const resp3 = await raw(encodeCommand(['GET', 'fast:missing']), 1, true);
    expect(resp3).toEqual([{ type: '_', value: null }]);
  });

  it('leaves other types, big values and keys with an expiry to the ordinary GET, with the same replies', async () => {
    await shared.client.del('fast:list', 'fast:big', 'fast:ttl');
    await shared.client.rpush('fast:list', 'a');
    await shared.client.set('fast:big', 'b'.repeat(40 * 1024));
    await shared.client.set('fast:ttl', 'soon', 'PX', 100_000);
    const replies = await raw(Buffer.concat([
      encodeCommand(['GET', 'fast:list']),
      encodeCommand(['GET', 'fast:big']),
      encodeCommand(['GET', 'fast:ttl']),
    ]), 3);
    expect(replies).toEqual([
      { type: '-', value: 'WRONGTYPE Operation against a key holding the wrong kind of value' },
      { type: '$', value: 'b'.repeat(40 * 1024) },
      { type: '$', value: 'soon' },
    ]);
    // An expired key is gone for GET, fast or not.
    await shared.client.set('fast:ttl', 'gone', 'PX', 1);
    await new Promise((r) => setTimeout(r, 20));
    expect(await shared.client.get('fast:ttl')).toBeNull();
  });

  it('counts what GET counts: commandstats calls, keyspace hits and misses, SLOWLOG, CLIENT LIST cmd', async () => {
    await shared.client.set('fast:counted', 'v');
    await shared.client.config('RESETSTAT');
    await shared.client.config('SET', 'slowlog-log-slower-than', '0');
    await shared.client.slowlog('RESET');
    try {
      const replies = await raw(Buffer.concat([
        encodeCommand(['GET', 'fast:counted']),
        encodeCommand(['GET', 'fast:counted']),
        encodeCommand(['GET', 'fast:nothing-here']),
      ]), 3);
      expect(replies.length).toBe(3);
      const stats = String(await shared.client.info('commandstats'));
      expect(stats).toMatch(/^cmdstat_get:calls=3,/m);
      expect(await infoField(shared.client, 'keyspace_hits', 'stats')).toBe('2');
      expect(await infoField(shared.client, 'keyspace_misses', 'stats')).toBe('1');
      const slowlog = (await shared.client.slowlog('GET', 10)) as Array<[number, number, number, string[]]>;
      const gets = slowlog.filter((entry) => entry[3][0] === 'GET').map((entry) => entry[3][1]);
      expect(gets.sort()).toEqual(['fast:counted', 'fast:counted', 'fast:nothing-here']);
    } finally {
      await shared.client.config('SET', 'slowlog-log-slower-than', '10000');
    }
    const c = await RawClient.connect(shared.server.port);
    try {
      c.send('CLIENT', 'ID');
      const id = String((await c.read() as { value: number }).value);
      c.send('GET', 'fast:counted');
      await c.read();
      expect(String(await shared.client.client('LIST', 'ID', id))).toMatch(/ cmd=get /);
    } finally {
      c.close();
    }
  });

  it('SET stores values of any bytes, replaces values of any kind, and counts a change and a call', async () => {
    // Keys of both workers: the connection's own worker answers from the bytes, the other hops.
    const binary = Buffer.from([0, 1, 2, 255, 13, 10, 36, 42]);
    const keys = [keyOn(0, 'fset'), keyOn(1, 'fset')];
    const lists = [keyOn(0, 'fset-list'), keyOn(1, 'fset-list')];
    const bins = [keyOn(0, 'fset-bin'), keyOn(1, 'fset-bin')];
    await shared.client.del(...keys, ...lists, ...bins);
    for (const list of lists) await shared.client.rpush(list, 'x');
    await shared.client.config('RESETSTAT');
    const changesBefore = Number(await infoField(shared.client, 'rdb_changes_since_last_save'));
    const requests: Buffer[] = [];
    for (let i = 0; i < 2; i++) {
      requests.push(encodeCommand(['SET', keys[i]!, 'first']), encodeCommand(['set', keys[i]!, 'y'.repeat(1000)]));
      requests.push(encodeCommand(['SET', lists[i]!, 'now a string']), encodeCommand(['SET', bins[i]!, binary]));
    }
    const replies = await raw(Buffer.concat(requests), 8);
    expect(replies).toEqual(Array.from({ length: 8 }, () => ({ type: '+', value: 'OK' })));
    for (let i = 0; i < 2; i++) {
      expect(await shared.client.get(keys[i]!)).toBe('y'.repeat(1000));
      expect(await shared.client.type(lists[i]!)).toBe('string');
      expect(await shared.client.get(lists[i]!)).toBe('now a string');
      expect(await shared.client.getBuffer(bins[i]!)).toEqual(binary);
    }
    expect(String(await shared.client.info('commandstats'))).toMatch(/^cmdstat_set:calls=8,/m);
    expect(Number(await infoField(shared.client, 'rdb_changes_since_last_save'))).toBe(changesBefore + 8);
  });

  it('SET still clears an expiry, invalidates WATCH and notifies keyspace subscribers (the ordinary path)', async () => {
    await shared.client.set('fast:ttl2', 'a', 'EX', 1000);
    await raw(encodeCommand(['SET', 'fast:ttl2', 'b']), 1);
    expect(await shared.client.ttl('fast:ttl2')).toBe(-1);

    const watcher = new Redis({ port: shared.server.port });
    try {
      await watcher.watch('fast:watched');
      await raw(encodeCommand(['SET', 'fast:watched', 'changed']), 1);
      expect(await watcher.multi().get('fast:watched').exec()).toBeNull();
    } finally {
      watcher.disconnect();
    }

    await shared.client.config('SET', 'notify-keyspace-events', 'KA');
    const subscriber = new Redis({ port: shared.server.port });
    try {
      const heard = new Promise<string>((resolve) => subscriber.on('message', (_channel: string, message: string) => resolve(message)));
      await subscriber.subscribe('__keyspace@0__:fast:notified');
      await raw(encodeCommand(['SET', 'fast:notified', 'v']), 1);
      expect(await heard).toBe('set');
    } finally {
      subscriber.disconnect();
      await shared.client.config('SET', 'notify-keyspace-events', '');
    }
  });

  it('MSET stores every pair (a key twice: the last value), whatever the workers, and counts a change per key', async () => {
    // Pairs of one worker each (hash tags), and one spanning both: the connection's own worker answers
    // its MSET from the bytes, the other MSETs hop or run as cross-worker transactions.
    const own = [tagOn(0, 'm'), tagOn(1, 'm')].map((tag) => [`${tag}a`, `${tag}b`, `${tag}c`]);
    const spanning = [keyOn(0, 'mspan'), keyOn(1, 'mspan')];
    await shared.client.del(...own.flat(), ...spanning);
    await shared.client.config('RESETSTAT');
    const changesBefore = Number(await infoField(shared.client, 'rdb_changes_since_last_save'));
    const requests = [
      ...own.map(([a, b, c]) => encodeCommand(['MSET', a!, '1', b!, '2', c!, '3', a!, 'last'])),
      encodeCommand(['mset', spanning[0]!, 'x', spanning[1]!, 'y']),
    ];
    expect(await raw(Buffer.concat(requests), 3)).toEqual([{ type: '+', value: 'OK' }, { type: '+', value: 'OK' }, { type: '+', value: 'OK' }]);
    for (const [a, b, c] of own) expect(await shared.client.mget(a!, b!, c!)).toEqual(['last', '2', '3']);
    expect(await shared.client.mget(...spanning)).toEqual(['x', 'y']);
    expect(String(await shared.client.info('commandstats'))).toMatch(/^cmdstat_mset:calls=3,/m);
    expect(Number(await infoField(shared.client, 'rdb_changes_since_last_save'))).toBe(changesBefore + 10);
    expect(await shared.client.dbsize()).toBeGreaterThanOrEqual(8);
  });
});

