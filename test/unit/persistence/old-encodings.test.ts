// The older encodings Redis 7.0 still loads (ziplists, zipmaps, plain lists, text-double sorted sets,
// ziplist quicklists, version-1 streams): payloads built here RESTORE in redis-server 7.0.15 and in
// shoal to the same value, and corrupt ones are refused by both.

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keyCommands } from '../../../src/commands/keys.ts';
import { stringCommands } from '../../../src/commands/strings.ts';
import { listCommands } from '../../../src/commands/lists.ts';
import { hashCommands } from '../../../src/commands/hashes.ts';
import { setCommands } from '../../../src/commands/sets.ts';
import { zsetCommands } from '../../../src/commands/zsets.ts';
import { streamCommands } from '../../../src/commands/streams.ts';
import { dumpRestoreCommands } from '../../../src/commands/dump-restore.ts';
import { crc64 } from '../../../src/persistence/crc64.ts';
import { RdbWriter } from '../../../src/persistence/rdb-writer.ts';
import { encodeListpack } from '../../../src/persistence/listpack.ts';
import { LocalShoal, RealRedis } from '../commands/harness.ts';
import { localCaller, view } from './support.ts';

const redis = new RealRedis();
let local: LocalShoal;

beforeAll(() => redis.start());
afterAll(() => redis.stop());
beforeEach(async () => {
  await redis.call(['FLUSHALL']);
  local = new LocalShoal([keyCommands, stringCommands, listCommands, hashCommands, setCommands, zsetCommands, streamCommands, dumpRestoreCommands]);
});

/** A ziplist as Redis ≤ 6.2 wrote it. */
function ziplist(entries: string[]): Buffer {
  const parts: Buffer[] = [];
  let prev = 0;
  let tail = 10;
  let offset = 10;
  for (const s of entries) {
    const prevlen = prev < 254 ? Buffer.from([prev]) : Buffer.concat([Buffer.from([0xfe]), u32le(prev)]);
    let body: Buffer;
    const n = /^-?[1-9]\d{0,17}$|^0$/.test(s) ? Number(s) : NaN;
    if (!Number.isNaN(n) && n >= 0 && n <= 12) body = Buffer.from([0xf1 + n]);
    else if (!Number.isNaN(n) && n >= -128 && n <= 127) body = Buffer.from([0xfe, n & 0xff]);
    else if (!Number.isNaN(n) && n >= -32768 && n <= 32767) body = Buffer.concat([Buffer.from([0xc0]), int(n, 2)]);
    else if (!Number.isNaN(n) && n >= -8388608 && n <= 8388607) body = Buffer.concat([Buffer.from([0xf0]), int(n, 3)]);
    else if (!Number.isNaN(n) && n >= -2147483648 && n <= 2147483647) body = Buffer.concat([Buffer.from([0xd0]), int(n, 4)]);
    else if (!Number.isNaN(n)) {
      const b = Buffer.alloc(8);
      b.writeBigInt64LE(BigInt(s));
      body = Buffer.concat([Buffer.from([0xe0]), b]);
    } else if (s.length < 64) body = Buffer.concat([Buffer.from([s.length]), Buffer.from(s, 'latin1')]);
    else body = Buffer.concat([Buffer.from([0x40 | (s.length >> 8), s.length & 0xff]), Buffer.from(s, 'latin1')]);
    const entry = Buffer.concat([prevlen, body]);
    tail = offset;
    offset += entry.length;
    prev = entry.length;
    parts.push(entry);
  }
  const content = Buffer.concat(parts);
  const header = Buffer.alloc(10);
  header.writeUInt32LE(10 + content.length + 1, 0);
  header.writeUInt32LE(tail, 4);
  header.writeUInt16LE(entries.length, 8);
  return Buffer.concat([header, content, Buffer.from([0xff])]);
}

function u32le(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function int(n: number, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeIntLE(n, 0, size);
  return b;
}

/** A DUMP payload: type, body written by `body`, version 10 and the CRC. */
function payload(type: number, body: (w: RdbWriter) => void): string {
  const w = new RdbWriter({ compression: false });
  w.byte(type);
  body(w);
  w.byte(10);
  w.byte(0);
  w.bytes(crc64(w.view()).digest());
  return w.take().toString('latin1');
}

/** Restores the payload on both and compares the restored values and the replies. */
async function sameRestore(p: string, ok = true): Promise<void> {
  const expected = (await redis.call(['RESTORE', 'k', '0', p])).toString();
  expect(expected).toBe(ok ? '+OK\r\n' : '-ERR Bad data format\r\n');
  const actual = local.call(['RESTORE', 'k', '0', p]).toString();
  expect(actual).toBe(expected);
  if (expected === '+OK\r\n') expect(await view(localCaller(local), 'k')).toEqual(await view((argv) => redis.call(argv), 'k'));
  await redis.call(['DEL', 'k']);
  local.call(['DEL', 'k']);
}

const HASH_PAIRS = ['name', 'shoal', 'n', '5', 'neg', '-1000', 'big', '100000000000', 'mid', '70000', 'long', 'L'.repeat(100)];

describe('loading the encodings of older Redis versions', () => {
  it('RDB_TYPE_LIST, LIST_ZIPLIST and LIST_QUICKLIST (ziplist nodes)', async () => {
    const items = ['a', '0', '12', '13', '-1', '300', '-100000', '3000000000', 'x'.repeat(80)];
    await sameRestore(payload(1, (w) => {
      w.length(items.length);
      for (const s of items) w.string(s);
    }));
    await sameRestore(payload(10, (w) => w.blob(ziplist(items))));
    await sameRestore(payload(14, (w) => {
      w.length(3);
      w.blob(ziplist(items.slice(0, 4)));
      w.blob(ziplist([]));
      w.blob(ziplist(items.slice(4)));
    }));
  });

  it('RDB_TYPE_HASH_ZIPLIST and HASH_ZIPMAP', async () => {
    await sameRestore(payload(13, (w) => w.blob(ziplist(HASH_PAIRS))));
    const zipmap = Buffer.concat([
      Buffer.from([2]),
      Buffer.from('\x03foo\x03\x02bar..\x05hello\x05\x00world', 'latin1'),
      Buffer.from([0xff]),
    ]);
    await sameRestore(payload(9, (w) => w.blob(zipmap)));
    // A duplicate field is refused.
    await sameRestore(payload(13, (w) => w.blob(ziplist(['f', '1', 'f', '2']))), false);
  });

  it('RDB_TYPE_ZSET (text doubles), ZSET_ZIPLIST, and ZSET_2 out of order', async () => {
    const scores: Array<[string, string]> = [['a', '1.5'], ['b', '-3'], ['c', '1e+20'], ['d', '0.10000000000000001']];
    await sameRestore(payload(3, (w) => {
      w.length(scores.length + 2);
      for (const [m, s] of scores) {
        w.string(m);
        w.byte(s.length);
        w.bytes(Buffer.from(s, 'latin1'));
      }
      w.string('pinf');
      w.byte(254);
      w.string('ninf');
      w.byte(255);
    }));
    await sameRestore(payload(12, (w) => w.blob(ziplist(['m1', '1', 'm2', '2.5', 'm3', '300000', 'm4', 'inf']))));
    await sameRestore(payload(5, (w) => {
      w.length(3);
      for (const [m, s] of [['z', 3], ['a', 1], ['m', 1]] as const) {
        w.string(m);
        w.binaryDouble(s);
      }
    }));
    // A NaN score is refused.
    await sameRestore(payload(5, (w) => {
      w.length(1);
      w.string('nan');
      w.binaryDouble(NaN);
    }), false);
  });

  it('RDB_TYPE_SET with integers, with strings, with a duplicate', async () => {
    await sameRestore(payload(2, (w) => {
      w.length(4);
      for (const s of ['10', '-5', '1000000', '7']) w.string(s);
    }));
    await sameRestore(payload(2, (w) => {
      w.length(3);
      for (const s of ['10', 'word', '7']) w.string(s);
    }));
    await sameRestore(payload(2, (w) => {
      w.length(2);
      for (const s of ['dup', 'dup']) w.string(s);
    }), false);
  });

  it('RDB_TYPE_STREAM_LISTPACKS (version 1)', async () => {
    // One node, master 5-0, entries 5-0 (same fields), 5-1 (other fields), 6-0 deleted.
    const lp = encodeListpack([
      '2', '1', '2', 'f', 'g', '0',
      '2', '0', '0', 'v1', 'w1', '5',
      '0', '0', '1', '1', 'h', 'x', '6',
      '3', '1', '0', 'v3', 'w3', '5',
    ]);
    await sameRestore(payload(15, (w) => {
      w.length(1);
      const key = Buffer.alloc(16);
      key.writeBigUInt64BE(5n, 0);
      w.blob(key);
      w.blob(lp);
      w.length(2); // length
      w.length(6);
      w.length(0); // last id
      w.length(1); // groups
      w.string('grp');
      w.length(5);
      w.length(0);
      w.length(0); // global PEL
      w.length(0); // consumers
    }));
  });
});
