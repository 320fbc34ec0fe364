import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch } from '../../../src/commands/glob.ts';
import { flushShard, keysShard } from '../../../src/commands/keyspace-scan.ts';
import { Keyspace } from '../../../src/shard/keyspace.ts';
import { RedisOracle } from './key-harness.ts';

const redis = new RedisOracle();

beforeAll(async () => {
  await redis.start();
});

afterAll(async () => {
  await redis.stop();
});

/** Decodes a RESP2 array of bulk strings (KEYS's reply). */
function bulkArray(reply: Buffer): string[] {
  const text = reply.toString('latin1');
  const out: string[] = [];
  let pos = text.indexOf('\r\n') + 2;
  while (pos < text.length) {
    const end = text.indexOf('\r\n', pos);
    const len = Number(text.slice(pos + 1, end));
    out.push(text.slice(end + 2, end + 2 + len));
    pos = end + 2 + len + 2;
  }
  return out;
}

/** The keys redis-server's KEYS returns for pattern among `keys`, sorted. */
async function redisKeys(keys: string[], pattern: string): Promise<string[]> {
  await redis.send('FLUSHALL');
  if (keys.length > 0) await redis.send('MSET', ...keys.flatMap((k) => [k, '1']));
  return bulkArray(await redis.send('KEYS', pattern)).sort();
}

/** KEYS through keysShard, which short-cuts "*" as Redis does (and so matches the empty key). */
const keyspace = new Keyspace({ keyExpired() {} });

function ourKeys(keys: string[], pattern: string): string[] {
  const db = keyspace.dbs[0]!;
  flushShard(db);
  for (const key of keys) keyspace.setKey(db, key, '1');
  const out: string[] = [];
  keysShard(db, keyspace, pattern, out);
  return out.sort();
}

describe('globMatch', () => {
  it('matches the basics', () => {
    // Redis's matcher never matches an empty string, not even with "*" (KEYS * short-cuts it).
    expect(globMatch('*', '')).toBe(false);
    expect(globMatch('', '')).toBe(true);
    expect(globMatch('h?llo', 'hello')).toBe(true);
    expect(globMatch('h*llo', 'heeeello')).toBe(true);
    expect(globMatch('h[ae]llo', 'hallo')).toBe(true);
    expect(globMatch('h[^e]llo', 'hello')).toBe(false);
    expect(globMatch('h[a-b]llo', 'hbllo')).toBe(true);
    expect(globMatch('h\\*llo', 'h*llo')).toBe(true);
    expect(globMatch('h\\*llo', 'hello')).toBe(false);
    expect(globMatch('HELLO', 'hello', true)).toBe(true);
    expect(globMatch('[A-C]', 'b', true)).toBe(true);
  });

  it('stays fast on patterns that backtrack a lot', () => {
    const started = Date.now();
    expect(globMatch('*a*a*a*a*a*a*a*a*a*a*a*a*b', 'a'.repeat(60))).toBe(false);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('handles very long patterns without exhausting the stack', () => {
    expect(globMatch('*a'.repeat(100_000) + 'b', 'a'.repeat(100_010))).toBe(false);
    expect(globMatch('*a'.repeat(100_000), 'a'.repeat(100_010))).toBe(true);
  });

  it('agrees with KEYS on malformed and edge-case patterns', async () => {
    const keys = ['', 'a', 'b', 'ab', 'a]', ']', '[', '\\', 'a\\', '-', '^', 'a-', 'ba', 'aa', '\u0080', '\u00ff', 'A', 'z'];
    const patterns = [
      '[', '[a', '[^', '[^a', '[a-', '[a-]', '[]', '[]a]', '[\\]', '[\\', '\\', 'a\\', '*\\', '[a-\\]',
      '[z-a]', '[\u00ff-a]', '[a-\u0080]', '[^]', '[^]]', '*[', '?[', '[*]', '[?]', '**', '*?*', 'a*', '*a',
      '[-]', '[a-b-c]', '[\\-]', '\\[', '\\]', '[[]', '[^\\]]',
    ];
    for (const pattern of patterns) {
      expect(ourKeys(keys, pattern), JSON.stringify(pattern)).toEqual(await redisKeys(keys, pattern));
    }
  });

  it('agrees with KEYS on random patterns and key sets', async () => {
    const patternChar = fc.constantFrom('a', 'b', 'A', '*', '?', '[', ']', '^', '-', '\\', '\u0080', '\u00ff', 'z');
    const keyChar = fc.constantFrom('a', 'b', 'A', '[', ']', '^', '-', '\\', '*', '?', '\u0080', '\u00ff', 'z');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: keyChar, minLength: 0, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.string({ unit: patternChar, minLength: 1, maxLength: 7 }), { minLength: 1, maxLength: 5 }),
        async (keys, patterns) => {
          for (const pattern of patterns) {
            expect(ourKeys(keys, pattern), JSON.stringify([pattern, keys])).toEqual(await redisKeys(keys, pattern));
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
