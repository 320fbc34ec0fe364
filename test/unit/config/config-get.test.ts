// CONFIG GET patterns against redis-server 7.0.15 (Redis glob rules, case-insensitive, aliases
// by their own names, hidden configs only by exact name), and the glob matcher itself.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { globMatch } from '../../../src/config/glob.ts';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { RedisProcess, sortPairs } from './redis-process.ts';

const PROCESS_DEPENDENT = new Set(['port', 'unixsocket', 'dir', 'pidfile', 'logfile', 'daemonize', 'save']);

const PATTERNS = [
  'maxmemory', 'MAXMEMORY', 'MaxMemory-Policy', 'maxmemory*', '*max*', 'hash-max-*', 'hash-max-ziplist-*',
  'slave*', '*slave*', 'replica-*', '?z', 'h?', '[hp]?', '[^a-r]*', '[a-c]*', 'z[a-e]*', 'lua-time-limit',
  'slaveof', 'nosuch', '*nosuch*', 'list-max-*', '*-read-only', 'tls-*', '*\\-port', 'watchdog-period', 'watchdog*',
  '[', 'a[', '*[', 'tim[e', 'save', 'notify-keyspace-events', 'client-output-buffer-limit', 'threads',
];

describe('CONFIG GET matches redis-server 7.0.15', () => {
  let redis: RedisProcess;
  const shoal = ServerConfig.defaults();

  beforeAll(async () => {
    redis = await RedisProcess.start();
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('returns the same names and values for each pattern', async () => {
    const mismatches: string[] = [];
    for (const pattern of PATTERNS) {
      const keep = (p: [string, string]) => !PROCESS_DEPENDENT.has(p[0]) && p[0] !== 'threads';
      const want = (await redis.configGet(pattern)).filter(keep);
      const got = sortPairs(shoal.getMatching(pattern)).filter(keep);
      if (JSON.stringify(got) !== JSON.stringify(want)) {
        mismatches.push(`${pattern}: redis=${JSON.stringify(want)} shoal=${JSON.stringify(got)}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('shows shoal\'s threads directive by its name only, so CONFIG GET * is the same as Redis\'s', () => {
    expect(shoal.getMatching('threads').map(([n]) => n)).toEqual(['threads']);
    expect(shoal.getMatching('thr*')).toEqual([]);
  });

  it('gets by name or alias in any case', () => {
    expect(shoal.get('SLAVE-READ-ONLY')).toBe('yes');
    expect(shoal.get('hash-max-ziplist-entries')).toBe('512');
    expect(shoal.get('nosuch')).toBe(undefined);
  });
});

describe('globMatch (Redis stringmatchlen rules)', () => {
  const cases: Array<[string, string, boolean, boolean]> = [
    ['*', '', false, false] /* Redis: the loop never runs for an empty string */, ['a*', 'abc', false, true], ['*c', 'abc', false, true], ['a?c', 'abc', false, true],
    ['a?c', 'ac', false, false], ['[abc]x', 'bx', false, true], ['[^abc]x', 'bx', false, false], ['[a-c]x', 'cx', false, true],
    ['[c-a]x', 'bx', false, true], ['\\*', '*', false, true], ['\\*', 'a', false, false], ['[\\]]', ']', false, true],
    ['ABC', 'abc', true, true], ['ABC', 'abc', false, false], ['[A-C]', 'b', true, true], ['a**b', 'axxb', false, true],
    ['a*b*c', 'abbbc', false, true], ['a*b*c', 'abbb', false, false], ['[abc', 'a', false, true], ['x*', 'x', false, true],
  ];
  for (const [pattern, str, nocase, expected] of cases) {
    it(`${JSON.stringify(pattern)} vs ${JSON.stringify(str)}${nocase ? ' (nocase)' : ''}`, () => {
      expect(globMatch(pattern, str, nocase)).toBe(expected);
    });
  }
});
