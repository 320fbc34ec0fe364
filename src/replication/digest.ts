// DEBUG DIGEST and DIGEST-VALUE: a SHA1-based digest of the dataset built the way Redis builds its own
// (not bit-identical to redis-server's: it compares shoal servers with each other),
// so that a primary and its replica can be compared in one command (Redis's Tcl replication tests do).
// Ordered content is "mixed" (digest = SHA1(digest xor SHA1(data))), unordered content (set members,
// hash fields, zset members, keys) is xored, so iteration order never matters. Streams are digested
// from their serialized form.
import crypto from 'node:crypto';
import type { RedisValue } from '../types/value.ts';
import type { ListValue } from '../types/list-value.ts';
import type { HashValue } from '../types/hash-value.ts';
import type { SetValue } from '../types/set-value.ts';
import type { ZSetValue } from '../types/zset-value.ts';
import { createDumpPayload } from '../persistence/dump.ts';

const TYPE_CODES: Record<string, number> = { string: 0, list: 1, set: 2, zset: 3, hash: 4, stream: 6 };
const EXPIRE_MARK = Buffer.from('!!expire!!', 'latin1');

function sha1(data: Buffer): Buffer {
  return crypto.createHash('sha1').update(data).digest();
}

export function xorDigest(digest: Buffer, data: Buffer): void {
  const hash = sha1(data);
  for (let i = 0; i < 20; i++) digest[i]! ^= hash[i]!;
}

export function mixDigest(digest: Buffer, data: Buffer): void {
  xorDigest(digest, data);
  sha1(digest).copy(digest);
}

function latin1(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}

/** %.17g, as Redis formats a score for the digest. */
function scoreText(score: number): string {
  if (Number.isNaN(score)) return 'nan';
  if (!Number.isFinite(score)) return score > 0 ? 'inf' : '-inf';
  let text = score.toPrecision(17);
  if (text.includes('e')) {
    const [mantissa, exp] = text.split('e') as [string, string];
    const m = mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
    const e = Number(exp);
    return `${m}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

/** The digest of one value (DEBUG DIGEST-VALUE), without its key. */
export function valueDigest(value: RedisValue): Buffer {
  const digest = Buffer.alloc(20);
  if (typeof value === 'string') {
    mixDigest(digest, latin1(value));
    return digest;
  }
  switch (value.kind) {
    case 'list':
      for (const element of (value as ListValue).toArray()) mixDigest(digest, latin1(element));
      break;
    case 'set': {
      const set = value as SetValue;
      for (let i = 0; i < set.size; i++) xorDigest(digest, latin1(set.memberAt(i)));
      break;
    }
    case 'hash': {
      const hash = value as HashValue;
      for (let i = 0; i < hash.size; i++) {
        const element = Buffer.alloc(20);
        mixDigest(element, latin1(hash.fieldAt(i)));
        mixDigest(element, latin1(hash.valueAt(i)));
        xorDigest(digest, element);
      }
      break;
    }
    case 'zset':
      (value as ZSetValue).forRange(0, (value as ZSetValue).size, false, (member, score) => {
        const element = Buffer.alloc(20);
        mixDigest(element, latin1(member));
        mixDigest(element, latin1(scoreText(score)));
        xorDigest(digest, element);
      });
      break;
    case 'stream':
      mixDigest(digest, createDumpPayload(value));
      break;
  }
  return digest;
}

/** A key's contribution to the dataset digest. */
export function keyDigest(key: string, value: RedisValue, hasExpire: boolean): Buffer {
  const digest = Buffer.alloc(20);
  mixDigest(digest, latin1(key));
  const type = Buffer.alloc(4);
  type.writeUInt32BE(TYPE_CODES[typeof value === 'string' ? 'string' : value.kind] ?? 0);
  mixDigest(digest, type);
  const content = valueDigest(value);
  // The value's content is mixed into the key's digest.
  mixDigest(digest, content);
  if (hasExpire) xorDigest(digest, EXPIRE_MARK);
  return digest;
}

/** Combines per-database xors of key digests (from every worker) into the dataset digest. */
export function datasetDigest(perDb: Map<number, Buffer>): string {
  const final = Buffer.alloc(20);
  for (const db of [...perDb.keys()].sort((a, b) => a - b)) {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(db);
    mixDigest(final, id);
    const keys = perDb.get(db)!;
    for (let i = 0; i < 20; i++) final[i]! ^= keys[i]!;
  }
  return final.toString('hex');
}

/** This worker's part of DEBUG DIGEST: [db, xor of its keys' digests] for every database it has keys in. */
export function shardDigests(dbs: ReadonlyArray<{ index: number; size: number; entries(): Iterable<[string, RedisValue]>; getExpire(key: string): number | undefined }>): Array<[number, Buffer]> {
  const out: Array<[number, Buffer]> = [];
  for (const db of dbs) {
    if (db.size === 0) continue;
    const acc = Buffer.alloc(20);
    for (const [key, value] of db.entries()) {
      const digest = keyDigest(key, value, db.getExpire(key) !== undefined);
      for (let i = 0; i < 20; i++) acc[i]! ^= digest[i]!;
    }
    out.push([db.index, acc]);
  }
  return out;
}
