import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyCommands } from '../../../src/commands/keys.ts';
import {
  dbSizeShard,
  flushShard,
  keysShard,
  parseScanArgs,
  randomKeyShard,
  scanShard,
} from '../../../src/commands/keyspace-scan.ts';
import { SLOT_COUNT } from '../../../src/cluster/key-slot.ts';
import type { RedisObject, ValueKind } from '../../../src/types/value.ts';
import { KeyHarness, RedisOracle } from './key-harness.ts';

/** A stand-in for a collection value: enough for TYPE, OBJECT ENCODING and COPY. */
class FakeCollection implements RedisObject {
  readonly kind: ValueKind;
  accessTime = 0;
  private readonly enc: string;
  constructor(kind: ValueKind, enc: string) {
    this.kind = kind;
    this.enc = enc;
  }
  encoding(): string {
    return this.enc;
  }
  clone(): RedisObject {
    return new FakeCollection(this.kind, this.enc);
  }
}

const redis = new RedisOracle();
let shoal: KeyHarness;

beforeAll(async () => {
  await redis.start();
});

afterAll(async () => {
  await redis.stop();
});

beforeEach(async () => {
  shoal = new KeyHarness(keyCommands);
  await redis.send('FLUSHALL');
  await redis.send('SELECT', '0');
});

/** A string key on both sides (SET belongs to another family: the harness stores it directly). */
async function setString(key: string, value: string, db = 0): Promise<void> {
  shoal.keyspace.setKey(shoal.keyspace.dbs[db]!, key, value);
  if (db !== 0) await redis.send('SELECT', String(db));
  await redis.send('SET', key, value);
  if (db !== 0) await redis.send('SELECT', '0');
}

async function setList(key: string): Promise<void> {
  shoal.keyspace.setKey(shoal.db, key, new FakeCollection('list', 'quicklist'));
  await redis.send('RPUSH', key, 'x');
}

/** Runs the command on both servers and expects the same reply bytes; returns them. */
async function same(...argv: string[]): Promise<string> {
  const theirs = await redis.text(...argv);
  const ours = shoal.text(...argv);
  expect(ours, argv.join(' ')).toBe(theirs);
  return ours;
}

async function selectBoth(index: number): Promise<void> {
  shoal.select(index);
  await redis.send('SELECT', String(index));
}

describe('DEL, UNLINK, EXISTS, TYPE, TOUCH', () => {
  it('count existing keys, repeats included', async () => {
    await setString('a', '1');
    await setString('b', '2');
    await setList('l');
    expect(await same('EXISTS', 'a', 'a', 'b', 'nokey')).toBe(':3\r\n');
    await same('TYPE', 'a');
    await same('TYPE', 'l');
    await same('TYPE', 'nokey');
    await same('TOUCH', 'a', 'nokey', 'l', 'a');
    await same('DEL', 'a', 'nokey', 'a');
    await same('UNLINK', 'b', 'l');
    await same('EXISTS', 'a', 'b', 'l');
  });

  it('raise del for each deleted key and keymiss for read misses', async () => {
    await setString('a', '1');
    shoal.text('DEL', 'a', 'nokey');
    shoal.text('EXISTS', 'nokey');
    expect(shoal.events).toEqual([
      { db: 0, key: 'a', event: 'del', cls: 'g' },
      { db: 0, key: 'nokey', event: 'keymiss', cls: 'm' },
    ]);
  });

  it('raise keymiss where redis-server 7.0.15 does (EXISTS TYPE TTL TOUCH COPY) and not for OBJECT', () => {
    for (const argv of [['EXISTS', 'm1'], ['TYPE', 'm2'], ['TTL', 'm3'], ['TOUCH', 'm4'], ['COPY', 'm5', 'x'],
      ['OBJECT', 'ENCODING', 'm6'], ['EXPIRE', 'm7', '10'], ['PERSIST', 'm8'], ['MOVE', 'm9', '1']]) {
      shoal.run(...argv);
    }
    expect(shoal.events.map((e) => `${e.event}:${e.key}`)).toEqual([
      'keymiss:m1', 'keymiss:m2', 'keymiss:m3', 'keymiss:m4', 'keymiss:m5',
    ]);
  });

  it('do not count an expired key as deleted', async () => {
    await setString('a', '1');
    shoal.db.setExpire('a', Date.now() - 1);
    expect(shoal.text('DEL', 'a')).toBe(':0\r\n');
    expect(shoal.expired).toEqual([{ db: 0, key: 'a' }]);
  });
});

describe('RENAME and RENAMENX', () => {
  it('answer as Redis for missing, same, existing and new destinations', async () => {
    await same('RENAME', 'nokey', 'x');
    await same('RENAMENX', 'nokey', 'x');
    await same('RENAME', 'nokey', 'nokey');
    await setString('a', '1');
    await setString('b', '2');
    await same('RENAME', 'a', 'a');
    await same('RENAMENX', 'a', 'a');
    await same('RENAMENX', 'a', 'b');
    await same('EXPIRE', 'a', '100');
    await same('RENAME', 'a', 'b');
    await same('EXISTS', 'a');
    await same('TTL', 'b');
    await same('RENAMENX', 'b', 'c');
    await same('TTL', 'c');
    await same('TYPE', 'b');
  });

  it('notify rename_from then rename_to', async () => {
    await setString('a', '1');
    shoal.text('RENAME', 'a', 'b');
    expect(shoal.events.map((e) => `${e.key}:${e.event}`)).toEqual(['a:rename_from', 'b:rename_to']);
  });
});

describe('COPY', () => {
  it('checks options in Redis order and copies with the expiry', async () => {
    await same('COPY', 'a', 'a');
    await same('COPY', 'a', 'b', 'DB');
    await same('COPY', 'a', 'b', 'foo');
    await same('COPY', 'a', 'b', 'DB', 'x');
    await same('COPY', 'a', 'b', 'DB', '16');
    await same('COPY', 'a', 'b', 'DB', '-1');
    await same('COPY', 'a', 'b', 'DB', '99999999999');
    await same('COPY', 'a', 'a', 'DB', '0');
    await same('COPY', 'a', 'b');
    await setString('a', 'hello');
    await setString('b', 'old');
    await same('PEXPIRE', 'a', '50000');
    await same('COPY', 'a', 'b');
    await same('COPY', 'a', 'b', 'replace');
    await same('TTL', 'b');
    await same('COPY', 'a', 'a', 'DB', '3');
    await same('COPY', 'a', 'a', 'DB', '3');
    await same('COPY', 'a', 'a', 'DB', '3', 'REPLACE');
    await selectBoth(3);
    await same('TTL', 'a');
    await same('OBJECT', 'ENCODING', 'a');
  });

  it('gives the copy its own value object and notifies copy_to in the destination database', async () => {
    const list = new FakeCollection('list', 'quicklist');
    shoal.keyspace.setKey(shoal.db, 'l', list);
    expect(shoal.text('COPY', 'l', 'm', 'DB', '2')).toBe(':1\r\n');
    const copied = shoal.keyspace.dbs[2]!.get('m');
    expect(copied).toBeInstanceOf(FakeCollection);
    expect(copied).not.toBe(list);
    expect(shoal.events).toEqual([{ db: 2, key: 'm', event: 'copy_to', cls: 'g' }]);
    expect(shoal.db.index).toBe(0);
  });
});

describe('MOVE', () => {
  it('answers as Redis', async () => {
    await same('MOVE', 'a', '0');
    await same('MOVE', 'a', '16');
    await same('MOVE', 'a', 'x');
    await same('MOVE', 'a', '4294967296');
    await same('MOVE', 'a', '1');
    await setString('a', '1');
    await setString('a', '2', 1);
    await same('MOVE', 'a', '1');
    await same('EXPIRE', 'a', '1000');
    await same('MOVE', 'a', '2');
    await same('EXISTS', 'a');
    await selectBoth(2);
    await same('TTL', 'a');
  });

  it('notifies move_from in the source and move_to in the destination', async () => {
    await setString('a', '1');
    shoal.text('MOVE', 'a', '5');
    expect(shoal.events).toEqual([
      { db: 0, key: 'a', event: 'move_from', cls: 'g' },
      { db: 5, key: 'a', event: 'move_to', cls: 'g' },
    ]);
  });

  it('is refused in cluster mode', () => {
    shoal.config.clusterEnabled = true; // immutable for CONFIG SET: set as if loaded from the file
    expect(shoal.text('MOVE', 'a', '1')).toBe('-ERR MOVE is not allowed in cluster mode\r\n');
  });
});

describe('EXPIRE family', () => {
  it('validates flags, then the number, then overflow', async () => {
    for (const cmd of ['EXPIRE', 'PEXPIRE', 'EXPIREAT', 'PEXPIREAT']) {
      await same(cmd, 'a', '10', 'nx', 'xx');
      await same(cmd, 'a', '10', 'nx', 'gt');
      await same(cmd, 'a', '10', 'gt', 'lt');
      await same(cmd, 'a', '10', 'XX', 'bogus');
      await same(cmd, 'a', 'ten', 'bogus');
      await same(cmd, 'a', 'ten');
      await same(cmd, 'a', ' 10');
      await same(cmd, 'a', '010');
      await same(cmd, 'a', '9223372036854775807');
      await same(cmd, 'a', '9223372036854775808');
      await same(cmd, 'a', '-9223372036854775808');
      await same(cmd, 'a', '9223372036854775');
      await same(cmd, 'a', '-9223372036854775');
      await same(cmd, 'a', '-9223372036854776');
      await same(cmd, 'a', '10');
    }
  });

  it('applies NX, XX, GT and LT as Redis', async () => {
    await setString('a', '1');
    await same('EXPIRE', 'a', '100', 'XX');
    await same('EXPIRE', 'a', '100', 'GT');
    await same('TTL', 'a');
    await same('EXPIRE', 'a', '100', 'LT');
    await same('TTL', 'a');
    await same('EXPIRE', 'a', '200', 'NX');
    await same('EXPIRE', 'a', '200', 'XX', 'GT');
    await same('TTL', 'a');
    await same('EXPIRE', 'a', '100', 'GT');
    await same('EXPIRE', 'a', '300', 'LT');
    await same('EXPIRE', 'a', '50', 'lt');
    await same('TTL', 'a');
    await same('PERSIST', 'a');
    await same('PERSIST', 'a');
    await same('PERSIST', 'nokey');
    await same('TTL', 'a');
    await same('PTTL', 'a');
    await same('EXPIRETIME', 'a');
    await same('PEXPIRETIME', 'nokey');
  });

  it('reports absolute times as set', async () => {
    await setString('a', '1');
    await same('PEXPIREAT', 'a', '4102444800123');
    await same('PEXPIRETIME', 'a');
    await same('EXPIRETIME', 'a');
    await same('EXPIREAT', 'a', '4102444801');
    await same('PEXPIRETIME', 'a');
    // TTL rounds to the nearest second.
    await same('PEXPIRE', 'a', '100400');
    await same('TTL', 'a');
    await same('PEXPIRE', 'a', '100700');
    await same('TTL', 'a');
  });

  it('deletes the key for a time in the past', async () => {
    await setString('a', '1');
    await setString('b', '1');
    await same('EXPIRE', 'a', '-1');
    await same('EXISTS', 'a');
    await same('PEXPIREAT', 'b', '1000');
    await same('EXISTS', 'b');
    expect(shoal.propagated).toEqual([
      ['DEL', 'a'],
      ['DEL', 'b'],
    ]);
    expect(shoal.events.filter((e) => e.event === 'del').map((e) => e.key)).toEqual(['a', 'b']);
  });

  it('propagates UNLINK for a past time with lazyfree-lazy-expire', async () => {
    shoal.configSet('lazyfree-lazy-expire', 'yes');
    shoal.keyspace.setKey(shoal.db, 'a', '1');
    shoal.text('EXPIRE', 'a', '0');
    expect(shoal.propagated).toEqual([['UNLINK', 'a']]);
  });

  it('keeps a past expiry on a replica and while replaying the primary', () => {
    shoal.keyspace.setKey(shoal.db, 'a', '1');
    shoal.client.isMaster = true;
    expect(shoal.text('PEXPIREAT', 'a', '1000')).toBe(':1\r\n');
    expect(shoal.db.getExpire('a')).toBe(1000);
    expect(shoal.db.has('a')).toBe(true);
  });

  it('propagates relative expiries as absolute PEXPIREAT with the flags', () => {
    shoal.keyspace.setKey(shoal.db, 'a', '1');
    const before = Date.now();
    shoal.text('expire', 'a', '100', 'nx');
    shoal.text('pexpire', 'a', '500000', 'GT');
    shoal.text('EXPIREAT', 'a', '4102444800');
    shoal.text('pexpireat', 'a', '4102444800001');
    const [first, second, third, ...rest] = shoal.propagated;
    expect(first![0]).toBe('PEXPIREAT');
    expect(Number(first![2]) - before).toBeGreaterThanOrEqual(100_000);
    expect(Number(first![2]) - before).toBeLessThan(101_000);
    expect(first![3]).toBe('nx');
    expect(second![3]).toBe('GT');
    expect(third).toEqual(['PEXPIREAT', 'a', '4102444800000']);
    // PEXPIREAT itself goes out as it came.
    expect(rest).toEqual([]);
    expect(shoal.events.map((e) => e.event)).toEqual(['expire', 'expire', 'expire', 'expire']);
  });
});

describe('OBJECT', () => {
  it('answers HELP, missing keys and the LFU/LRU errors as Redis', async () => {
    await same('OBJECT', 'HELP');
    await same('OBJECT', 'ENCODING', 'nokey');
    await same('OBJECT', 'REFCOUNT', 'nokey');
    await setString('a', '1');
    await same('OBJECT', 'FREQ', 'a');
    // The idle time is in whole seconds since the last access: 0 or 1 here on either server,
    // depending on where the second's boundary falls.
    expect(await redis.text('OBJECT', 'IDLETIME', 'a')).toMatch(/^:[01]\r\n$/);
    expect(shoal.text('OBJECT', 'IDLETIME', 'a')).toMatch(/^:[01]\r\n$/);
  });

  it('names string encodings as SET stores them', async () => {
    const values = [
      '0', '1', '-1', '9999', '10000', '-0', '01', '+1', ' 1', '1.5', '',
      '9223372036854775807', '9223372036854775808', '-9223372036854775808', '123456789012345678901',
      'a'.repeat(44), 'a'.repeat(45), 'x', '\u00ff\u0000\u0080',
    ];
    for (const [i, value] of values.entries()) {
      const key = `k${i}`;
      await setString(key, value);
      await same('OBJECT', 'ENCODING', key);
      await same('OBJECT', 'REFCOUNT', key);
    }
  });

  it('reports collection encodings from the value', async () => {
    await setList('l');
    await same('OBJECT', 'ENCODING', 'l');
  });

  it('answers nil in RESP3 as Redis', async () => {
    await redis.send('HELLO', '3');
    shoal.writer.proto = 3;
    try {
      await same('OBJECT', 'ENCODING', 'nokey');
    } finally {
      await redis.send('HELLO', '2');
    }
  });

  it('follows the maxmemory policy', async () => {
    await redis.send('CONFIG', 'SET', 'maxmemory-policy', 'allkeys-lfu');
    shoal.configSet('maxmemory-policy', 'allkeys-lfu');
    try {
      await setString('a', 'v');
      await same('OBJECT', 'IDLETIME', 'a');
      await same('OBJECT', 'FREQ', 'a');
    } finally {
      await redis.send('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    }
  });
});

describe('per-shard SCAN, KEYS, RANDOMKEY, DBSIZE, FLUSHDB', () => {
  it('parses SCAN arguments with the errors Redis gives', async () => {
    const cases = [
      ['x'], [' 1'], ['1x'], [''], ['+5'], ['-1'], ['-'], ['18446744073709551615'], ['18446744073709551616'],
      ['0', 'COUNT', '0'], ['0', 'COUNT', '-1'], ['0', 'COUNT', 'x'], ['0', 'COUNT', '9223372036854775808'],
      ['0', 'MATCH'], ['0', 'foo', 'bar'], ['0', 'TYPE', 'string', 'COUNT'], ['0', 'count', '5', 'match', '*', 'type', 'LIST'],
    ];
    for (const args of cases) {
      const theirs = await redis.text('SCAN', ...args);
      const parsed = parseScanArgs(['SCAN', ...args]);
      if (typeof parsed === 'string') expect(`-${parsed}\r\n`, args.join(' ')).toBe(theirs);
      else expect(theirs.startsWith('*2\r\n'), args.join(' ')).toBe(true);
    }
    expect(parseScanArgs(['SCAN', '-18446744073709551615'])).toMatchObject({ cursor: 1 });
    expect(parseScanArgs(['SCAN', '99999'])).toMatchObject({ cursor: SLOT_COUNT });
    expect(parseScanArgs(['SCAN', '7', 'MATCH', '*', 'TYPE', 'Hash', 'COUNT', '3'])).toEqual({
      cursor: 7,
      count: 3,
      match: null,
      type: 'hash',
    });
  });

  /** Runs a whole scan of the shard's slots with the cursor protocol and returns what it gave. */
  function scanAll(count: number, match: string | null, type: string | null, between?: () => void): string[] {
    const out: string[] = [];
    let cursor = 0;
    do {
      cursor = scanShard(shoal.db, shoal.keyspace, cursor, SLOT_COUNT, count, match, type, out);
      between?.();
    } while (cursor < SLOT_COUNT);
    return out;
  }

  it('returns every key once over a full cursor walk, with MATCH and TYPE', () => {
    for (let i = 0; i < 1000; i++) shoal.keyspace.setKey(shoal.db, `key:${i}`, String(i));
    shoal.keyspace.setKey(shoal.db, 'list', new FakeCollection('list', 'quicklist'));
    for (const count of [1, 10, 100, 5000]) {
      const keys = scanAll(count, null, null);
      expect(keys.length).toBe(1001);
      expect(new Set(keys).size).toBe(1001);
    }
    expect(scanAll(10, 'key:1?', null).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `key:1${i}`).sort());
    expect(scanAll(10, null, 'list')).toEqual(['list']);
    expect(scanAll(10, null, 'string').length).toBe(1000);
    expect(scanAll(10, null, 'nosuchtype')).toEqual([]);
  });

  it('visits whole slots until COUNT keys were seen', () => {
    for (let i = 0; i < 1000; i++) shoal.keyspace.setKey(shoal.db, `{tag}${i}`, '1');
    const out: string[] = [];
    const next = scanShard(shoal.db, shoal.keyspace, 0, SLOT_COUNT, 10, null, null, out);
    expect(out.length).toBe(1000);
    expect(next).toBeLessThan(SLOT_COUNT);
    expect(scanShard(shoal.db, shoal.keyspace, next, SLOT_COUNT, 10, null, null, [])).toBe(SLOT_COUNT);
  });

  it('returns keys present for the whole scan while others come and go', () => {
    for (let i = 0; i < 500; i++) shoal.keyspace.setKey(shoal.db, `stable:${i}`, '1');
    let round = 0;
    const keys = scanAll(20, null, null, () => {
      round++;
      shoal.keyspace.setKey(shoal.db, `new:${round}`, '1');
      shoal.keyspace.deleteKey(shoal.db, `new:${round - 1}`);
    });
    const stable = new Set(keys.filter((k) => k.startsWith('stable:')));
    expect(stable.size).toBe(500);
  });

  it('deletes expired keys on the way and does not return them', () => {
    shoal.keyspace.setKey(shoal.db, 'live', '1');
    shoal.keyspace.setKey(shoal.db, 'dead', '1');
    shoal.db.setExpire('dead', Date.now() - 10);
    shoal.keyspace.now = Date.now();
    expect(scanAll(10, null, null)).toEqual(['live']);
    expect(shoal.db.has('dead')).toBe(false);
    expect(shoal.expired).toEqual([{ db: 0, key: 'dead' }]);
  });

  it('KEYS skips expired keys without deleting them', () => {
    shoal.keyspace.setKey(shoal.db, 'live', '1');
    shoal.keyspace.setKey(shoal.db, 'dead', '1');
    shoal.db.setExpire('dead', Date.now() - 10);
    shoal.keyspace.now = Date.now();
    const out: string[] = [];
    keysShard(shoal.db, shoal.keyspace, '*', out);
    expect(out).toEqual(['live']);
    expect(shoal.db.has('dead')).toBe(true);
    expect(dbSizeShard(shoal.db)).toBe(2);
  });

  it('RANDOMKEY picks live keys, deletes expired ones it meets, and answers null when empty', () => {
    expect(randomKeyShard(shoal.db, shoal.keyspace)).toBeNull();
    shoal.keyspace.now = Date.now();
    for (let i = 0; i < 20; i++) {
      shoal.keyspace.setKey(shoal.db, `dead:${i}`, '1');
      shoal.db.setExpire(`dead:${i}`, shoal.keyspace.now - 1);
    }
    expect(randomKeyShard(shoal.db, shoal.keyspace)).toBeNull();
    expect(shoal.db.size).toBe(0);
    for (let i = 0; i < 5; i++) shoal.keyspace.setKey(shoal.db, `k${i}`, '1');
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(randomKeyShard(shoal.db, shoal.keyspace)!);
    expect([...seen].sort()).toEqual(['k0', 'k1', 'k2', 'k3', 'k4']);
  });

  it('RANDOMKEY on a replica gives up on an all-expired database', () => {
    shoal.keyspace.isReplica = true;
    shoal.keyspace.now = Date.now();
    shoal.keyspace.setKey(shoal.db, 'dead', '1');
    shoal.db.setExpire('dead', shoal.keyspace.now - 1);
    expect(randomKeyShard(shoal.db, shoal.keyspace)).toBe('dead');
  });

  it('FLUSHDB empties only its database', () => {
    shoal.keyspace.setKey(shoal.db, 'a', '1');
    shoal.keyspace.setKey(shoal.keyspace.dbs[1]!, 'a', '1');
    shoal.db.setExpire('a', Date.now() + 1000);
    expect(flushShard(shoal.db)).toBe(1);
    expect(dbSizeShard(shoal.db)).toBe(0);
    expect(shoal.db.expires.size).toBe(0);
    expect(dbSizeShard(shoal.keyspace.dbs[1]!)).toBe(1);
  });
});
