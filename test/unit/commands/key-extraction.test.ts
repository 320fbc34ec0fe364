// Key extraction compared with COMMAND GETKEYSANDFLAGS of a real redis-server 7.0.15.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkArity,
  commandHasKeys,
  getKeyIndexes,
  getKeysAndFlags,
  isWriteKey,
  KEY_SPEC_FLAG_NAMES,
  lookupCommand,
} from '../../../src/commands/table.ts';
import { type RawConnection, type RealRedis, startRealRedis } from './real-redis.ts';

// Requests whose keys are compared; each is what a client would send.
const SAMPLES: string[][] = [
  ['GET', 'k'],
  ['get', 'k'],
  ['SET', 'k', 'v'],
  ['SET', 'k', 'v', 'GET'],
  ['set', 'k', 'v', 'EX', '10', 'get'],
  ['MSET', 'a', '1', 'b', '2', 'c', '3'],
  ['MSET', 'a', '1', 'b'],
  ['MGET', 'a', 'b', 'c'],
  ['DEL', 'a', 'b'],
  ['RENAME', 'a', 'b'],
  ['COPY', 'a', 'b', 'DB', '1'],
  ['LMOVE', 'a', 'b', 'LEFT', 'RIGHT'],
  ['BLPOP', 'a', 'b', 'c', '0'],
  ['BRPOPLPUSH', 'a', 'b', '0'],
  ['BLMOVE', 'a', 'b', 'LEFT', 'RIGHT', '0'],
  ['ZUNIONSTORE', 'dst', '2', 'a', 'b', 'WEIGHTS', '1', '2'],
  ['ZUNIONSTORE', 'dst', '0', 'a'],
  ['ZUNIONSTORE', 'dst', '3', 'a', 'b'],
  ['ZUNIONSTORE', 'dst', 'x', 'a', 'b'],
  ['ZINTERSTORE', 'dst', '1', 'a'],
  ['ZDIFFSTORE', 'dst', '2', 'a', 'b'],
  ['ZUNION', '2', 'a', 'b', 'WITHSCORES'],
  ['ZINTER', '3', 'a', 'b'],
  ['ZDIFF', '1', 'a'],
  ['ZINTERCARD', '2', 'a', 'b', 'LIMIT', '1'],
  ['SINTERCARD', '2', 'a', 'b'],
  ['SINTERCARD', '01', 'a', 'b'],
  ['LMPOP', '2', 'a', 'b', 'LEFT'],
  ['BLMPOP', '0', '2', 'a', 'b', 'LEFT'],
  ['ZMPOP', '1', 'a', 'MIN'],
  ['BZMPOP', '0', '1', 'a', 'MIN'],
  ['EVAL', 'return 1', '2', 'k1', 'k2', 'a1'],
  ['EVAL', 'return 1', '0'],
  ['EVAL', 'return 1', '0', 'a'],
  ['EVAL', 'return 1', '3', 'k1'],
  ['EVAL', 'return 1', '1x', 'k1'],
  ['EVAL', 'return 1', '-1', 'k1'],
  ['EVALSHA', 'abc', '1', 'k1'],
  ['EVAL_RO', 'return 1', '1', 'k1'],
  ['FCALL', 'f', '2', 'a', 'b', 'c'],
  ['FCALL_RO', 'f', '1', 'a'],
  ['SORT', 'k'],
  ['SORT', 'k', 'STORE', 'dst'],
  ['SORT', 'k', 'BY', 'w_*', 'LIMIT', '0', '10', 'GET', '#', 'ALPHA', 'STORE', 'dst'],
  ['SORT', 'k', 'STORE', 'd1', 'STORE', 'd2'],
  ['SORT', 'k', 'GET', 'store', 'STORE', 'dst'],
  ['SORT', 'k', 'LIMIT', 'store', 'x', 'STORE'],
  ['SORT_RO', 'k', 'BY', 'x'],
  ['MIGRATE', 'h', '6379', 'k', '0', '1000'],
  ['MIGRATE', 'h', '6379', '', '0', '1000', 'KEYS', 'a', 'b'],
  ['MIGRATE', 'h', '6379', '', '0', '1000', 'COPY', 'AUTH', 'keys', 'KEYS', 'a'],
  ['MIGRATE', 'h', '6379', '', '0', '1000', 'AUTH2', 'u', 'keys', 'KEYS', 'a', 'b'],
  ['MIGRATE', 'h', '6379', 'k', '0', '1000', 'KEYS', 'a'],
  ['GEORADIUS', 'k', '1', '2', '3', 'km'],
  ['GEORADIUS', 'k', '1', '2', '3', 'km', 'STORE', 'd'],
  ['GEORADIUS', 'k', '1', '2', '3', 'km', 'STOREDIST', 'd2', 'STORE', 'd'],
  ['GEORADIUSBYMEMBER', 'k', 'm', '3', 'km', 'STORE', 'd'],
  ['GEORADIUS_RO', 'k', '1', '2', '3', 'km'],
  ['GEOSEARCHSTORE', 'd', 's', 'FROMMEMBER', 'm', 'BYRADIUS', '1', 'km'],
  ['XREAD', 'STREAMS', 'a', 'b', '0', '0'],
  ['XREAD', 'COUNT', '1', 'BLOCK', '0', 'STREAMS', 'a', '0'],
  ['XREAD', 'STREAMS', 'a', 'b', '0'],
  ['XREAD', 'COUNT', '1', 'STREAMS'],
  ['XREAD', 'STREAMS', 'streams', 'streams', '0', '0'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', 'a', '0'],
  ['XREADGROUP', 'GROUP', 'streams', 'streams', 'NOACK', 'STREAMS', 'a', 'b', '>', '>'],
  ['XREADGROUP', 'GROUP', 'g', 'c', 'COUNT', '1', 'STREAMS'],
  ['BITFIELD', 'k', 'GET', 'u8', '0'],
  ['BITFIELD', 'k', 'SET', 'u8', '0', '1'],
  ['BITFIELD', 'k', 'GET', 'u8'],
  ['BITFIELD_RO', 'k', 'GET', 'u8', '0'],
  ['BITOP', 'AND', 'd', 'a', 'b'],
  ['PFCOUNT', 'a', 'b'],
  ['PFMERGE', 'd', 'a', 'b'],
  ['OBJECT', 'ENCODING', 'k'],
  ['MEMORY', 'USAGE', 'k', 'SAMPLES', '5'],
  ['XINFO', 'STREAM', 'k', 'FULL'],
  ['XGROUP', 'CREATE', 'k', 'g', '$', 'MKSTREAM'],
  ['LCS', 'a', 'b'],
  ['GETEX', 'k', 'PERSIST'],
  ['GETDEL', 'k'],
  ['SMOVE', 'a', 'b', 'm'],
  ['RPOPLPUSH', 'a', 'b'],
  ['WATCH', 'a', 'b'],
  ['TOUCH', 'a', 'b'],
  ['EXISTS', 'a', 'b', 'a'],
  ['RESTORE', 'k', '0', 'payload'],
  ['SUNIONSTORE', 'd', 'a', 'b'],
  ['ZRANGESTORE', 'd', 's', '0', '-1'],
  ['HSET', 'h', 'f', 'v'],
  ['XADD', 'k', '*', 'f', 'v'],
  ['PFDEBUG', 'GETREG', 'k'],
  ['SPUBLISH', 'ch', 'msg'],
  ['SSUBSCRIBE', 'a', 'b'],
  ['PING', 'x'],
  ['ECHO', 'x'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['GET', 'a', 'b', 'c'],
  ['GET', 'a', 'b'],
];

function ourAnswer(argv: string[]): unknown {
  const spec = lookupCommand(argv[0], argv);
  if (!spec) return { error: 'ERR Invalid command specified' };
  if (!commandHasKeys(spec)) return { error: 'ERR The command has no key arguments' };
  if (checkArity(spec, argv.length)) return { error: 'ERR Invalid number of arguments specified for command' };
  const r = getKeysAndFlags(spec, argv);
  if (r.count === 0 && !spec.data.flags.includes('no_mandatory_keys')) {
    return { error: 'ERR Invalid arguments specified for command' };
  }
  const out: unknown[] = [];
  for (let i = 0; i < r.count; i++) {
    const flags = KEY_SPEC_FLAG_NAMES.filter(([bit]) => (r.flags[i] & bit) !== 0).map(([, name]) => name);
    out.push([argv[r.positions[i]], flags]);
  }
  return out;
}

describe('key extraction matches redis-server 7.0.15 COMMAND GETKEYSANDFLAGS', () => {
  let redis: RealRedis;
  let conn: RawConnection;
  beforeAll(async () => {
    redis = await startRealRedis();
    conn = await redis.connect();
  });
  afterAll(() => {
    conn?.close();
    redis?.stop();
  });

  it('agrees on every sample', async () => {
    const mismatches: string[] = [];
    for (const argv of SAMPLES) {
      const theirs = await conn.call(['COMMAND', 'GETKEYSANDFLAGS', ...argv]);
      const ours = ourAnswer(argv);
      if (JSON.stringify(theirs) !== JSON.stringify(ours)) {
        mismatches.push(`${argv.join(' ')}\n  redis: ${JSON.stringify(theirs)}\n  shoal: ${JSON.stringify(ours)}`);
      }
    }
    expect(mismatches.join('\n')).toBe('');
  });
});

describe('getKeyIndexes', () => {
  it('returns argv positions and reuses the output array', () => {
    const out: number[] = [99];
    const spec = lookupCommand('mset')!;
    expect(getKeyIndexes(spec, ['mset', 'a', '1', 'b', '2'], out)).toBe(out);
    expect(out).toEqual([1, 3]);
    expect(getKeyIndexes(lookupCommand('ZUNIONSTORE')!, ['ZUNIONSTORE', 'd', '2', 'a', 'b'])).toEqual([1, 3, 4]);
  });

  it('tells writes from reads', () => {
    const r = getKeysAndFlags(lookupCommand('sort')!, ['sort', 'k', 'store', 'd']);
    expect(isWriteKey(r.flags[0])).toBe(false);
    expect(isWriteKey(r.flags[1])).toBe(true);
    const sunion = lookupCommand('zunion')!;
    const keys = getKeysAndFlags(sunion, ['zunion', '0', 'a']);
    expect(keys.count).toBe(0);
    const eval_ = getKeysAndFlags(lookupCommand('eval_ro')!, ['eval_ro', 's', '1x', 'k']);
    expect(eval_.count).toBe(1);
    expect(isWriteKey(eval_.flags[0], lookupCommand('eval_ro'))).toBe(false);
  });
});
