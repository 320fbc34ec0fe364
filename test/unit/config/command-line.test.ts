// redis-server's command line and config files: what loads compares with what a real
// redis-server 7.0.15 shows in CONFIG GET, and what fails fails with redis-server's message.

import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, ServerConfig } from '../../../src/config/server-config.ts';
import { commandLineToConfigText, splitArgs } from '../../../src/config/redis-conf-parser.ts';
import { RedisProcess, redisServerStartError } from './redis-process.ts';

// Created at load time: the test titles are built from the arguments, which name files in it.
const dir = mkdtempSync(join(tmpdir(), 'shoal-cmdline-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function shoalError(args: string[]): string {
  try {
    ServerConfig.fromCommandLine(args);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'loaded';
}

describe('configurations redis-server refuses', () => {
  const cases: Array<() => string[]> = [
    () => ['--port', 'abc'],
    () => ['--port', '1', '2'],
    () => ['--save', '1', '2', '3'],
    () => ['--nosuch', '1'],
    () => ['--maxmemory', '1x'],
    () => ['--appendonly', 'maybe'],
    () => ['--notify-keyspace-events', 'Q'],
    () => ['--bind', ...Array.from({ length: 17 }, (_, i) => `10.0.0.${i}`)],
    () => ['--replicaof', 'h', 'x'],
    () => ['--replicaof', 'h'],
    () => ['--cluster-enabled', 'yes', '--replicaof', 'h', '1'],
    () => ['--appendfilename', 'a/b'],
    () => [file('sentinel.conf', 'sentinel monitor x 127.0.0.1 6379 2\n')],
    () => ['--mod.x'],
    () => ['--maxmemory-policy', 'lru'],
    () => ['--client-output-buffer-limit', 'master 1 2 3'],
    () => [file('quotes.conf', 'port 7000\n\n  save "1 2\n')],
    () => [file('bad-line.conf', '# comment\nport 7000\nsave 900 1\n\nfoo bar\n'), '--port', '7001'],
    () => [file('bad-option.conf', 'port 7000\n'), '--timeout', '-1'],
    () => [file('include-missing.conf', `include ${join(dir, 'nowhere.conf')}\n`)],
    () => [file('bad-include.conf', `include ${file('included-bad.conf', 'hz 10\nhz x\n')}\n`)],
    () => [join(dir, 'missing.conf')],
  ];
  for (const make of cases) {
    it(`refuses ${JSON.stringify(make()).replaceAll(dir, '<tmp>').slice(0, 80)}`, () => {
      const args = make();
      const redisMessage = redisServerStartError(args, dir);
      const ours = shoalError(args);
      if (ours.startsWith('Fatal error')) {
        // Redis logs this one through its logger, with a pid and timestamp prefix.
        expect(redisMessage.endsWith(ours)).toBe(true);
      } else {
        expect(ours).toBe(redisMessage);
      }
    });
  }
});

describe('configurations redis-server accepts', () => {
  const cases: Array<{ args: () => string[]; names: string[] }> = [
    { args: () => ['--save', '900 1', '--save', '300 10'], names: ['save'] },
    { args: () => ['--save', '--maxmemory', '2mb'], names: ['save', 'maxmemory'] },
    { args: () => ['--maxmemory', '1mb', '--save'], names: ['save', 'maxmemory'] },
    { args: () => ['--maxmemory 3mb', '--timeout', '5'], names: ['maxmemory', 'timeout'] },
    { args: () => ['--bind', '127.0.0.1', '::1'], names: ['bind'] },
    { args: () => ['--bind', '127.0.0.1 ::1'], names: ['bind'] },
    { args: () => ['--client-output-buffer-limit', 'normal 1mb 2mb 3', '--client-output-buffer-limit', 'pubsub 1 2 3'], names: ['client-output-buffer-limit'] },
    { args: () => ['--notify-keyspace-events', 'KEA'], names: ['notify-keyspace-events'] },
    { args: () => ['--slave-read-only', 'no', '--hash-max-ziplist-entries', '7'], names: ['replica-read-only', 'hash-max-listpack-entries'] },
    { args: () => ['--masterauth', 'p a"ss\\x\n'], names: ['masterauth'] },
    { args: () => ['--hz', '1000', '--HZ', '0'], names: ['hz'] },
    { args: () => ['--shutdown-on-sigterm', 'save now'], names: ['shutdown-on-sigterm'] },
    { args: () => ['--shutdown-on-sigterm', 'nosave', 'force'], names: ['shutdown-on-sigterm'] },
    { args: () => ['--oom-score-adj-values', '1 2 3'], names: ['oom-score-adj-values'] },
    { args: () => ['--list-max-ziplist-entries', '5', '--lua-replicate-commands', 'yes'], names: ['list-max-listpack-size'] },
    { args: () => ['--replicaof', '10.1.1.1', '6380'], names: ['replicaof', 'slaveof'] },
    { args: () => ['--latency-tracking-info-percentiles', '1 2.5'], names: ['latency-tracking-info-percentiles'] },
    { args: () => ['--rename-command', 'FLUSHALL', '""', '--maxclients', '77'], names: ['maxclients'] },
    {
      args: () => [
        file('main.conf', `# main\nsave 60 1\ninclude ${file('inc.conf', 'timeout 9\nsave 30 2\n')}\nmaxmemory 1gb\n`),
        '--maxmemory', '2gb',
      ],
      names: ['save', 'timeout', 'maxmemory'],
    },
    { args: () => [file('glob-a.conf', 'include ' + join(dir, 'nomatch-*.conf') + '\nlatency-monitor-threshold 3\n')], names: ['latency-monitor-threshold'] },
  ];
  for (const c of cases) {
    it(`loads ${JSON.stringify(c.args()).replaceAll(dir, '<tmp>').slice(0, 80)} as redis-server does`, async () => {
      const args = c.args();
      const redis = await RedisProcess.start(args);
      try {
        const shoal = ServerConfig.fromCommandLine(args);
        for (const name of c.names) expect(shoal.getMatching(name)).toEqual(await redis.configGet(name));
      } finally {
        await redis.stop();
      }
    });
  }

  it('keeps config-file-only directives for their owners', () => {
    const c = ServerConfig.fromCommandLine(['--rename-command', 'FLUSHALL', '', '--user', 'bob', 'on', '>pw']);
    expect(c.fileOnlyDirectives).toEqual([['rename-command', 'FLUSHALL', ''], ['user', 'bob', 'on', '>pw']]);
  });

  it('accepts shoal\'s --threads and --sentinel-port', () => {
    const c = ServerConfig.fromCommandLine(['--threads', '3', '--sentinel-port', '26379']);
    expect(c.threads).toBe(3);
    expect(c.get('threads')).toBe('3');
    expect(c.sentinelPort).toBe(26379);
    expect(shoalError(['--threads', '0'])).toContain('argument must be between 1 and 1024 inclusive');
  });

  it('remembers the config file as an absolute path', () => {
    const path = file('abs.conf', 'port 7777\n');
    const c = ServerConfig.fromCommandLine([path]);
    expect(c.configFile).toBe(path);
    expect(c.port).toBe(7777);
  });

  it('rebuilds the same configuration from toArgs()', () => {
    const c = ServerConfig.fromCommandLine([
      '--port', '7000', '--save', '', '--bind', '', '--requirepass', 'a "b"\n', '--notify-keyspace-events', 'Kx',
      '--client-output-buffer-limit', 'replica 1 2 3', '--replicaof', 'h', '1', '--threads', '2', '--proc-title-template', '{title} x',
      '--maxmemory-clients', '5%', '--rename-command', 'KEYS', '""',
    ]);
    const copy = ServerConfig.fromCommandLine(c.toArgs());
    expect(copy.getMatching('*')).toEqual(c.getMatching('*'));
    expect(copy.fileOnlyDirectives).toEqual(c.fileOnlyDirectives);
  });
});

describe('tokenising (sdssplitargs rules)', () => {
  it('splits quotes and escapes as Redis', () => {
    expect(splitArgs('a "b c" \'d e\'')).toEqual(['a', 'b c', 'd e']);
    expect(splitArgs('"\\x41\\n\\t\\\\" \'it\\\'s\'')).toEqual(['A\n\t\\', "it's"]);
    expect(splitArgs('"\\q"')).toEqual(['q']);
    expect(splitArgs('""')).toEqual(['']);
    expect(splitArgs('"a"b')).toBe(null);
    expect(splitArgs('"abc')).toBe(null);
    expect(splitArgs("'abc")).toBe(null);
    expect(splitArgs('  ')).toEqual([]);
    expect(splitArgs('a"b c"')).toEqual(['ab c']);
  });

  it('turns the command line into config text as redis-server main() does', () => {
    expect(commandLineToConfigText(['x.conf', '--port', '7000', '--save', '--bind', 'a', 'b'])).toEqual({
      configFile: 'x.conf', optionsText: 'port "7000" \nsave ""\nbind "a" "b" ',
    });
    expect(commandLineToConfigText(['--port 7000', '--save'])).toEqual({ configFile: undefined, optionsText: 'port 7000 \nsave ""' });
  });
});
