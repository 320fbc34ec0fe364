// Command lookup, subcommand resolution and the pre-execution errors, checked against a real
// redis-server 7.0.15.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkArity,
  CommandFlag,
  hasFlag,
  isContainerCommand,
  listAllCommands,
  listTopLevelCommands,
  lookupCommand,
  lookupCommandByFullName,
  unknownCommandError,
} from '../../../src/commands/table.ts';
import { type RawConnection, type RealRedis, startRealRedis } from './real-redis.ts';

// What shoal would answer before running the request (unknown command/subcommand, arity).
function preExecutionError(argv: string[]): string | undefined {
  const spec = lookupCommand(argv[0], argv);
  if (!spec) return unknownCommandError(argv, isContainerCommand(argv[0]));
  return checkArity(spec, argv.length);
}

describe('lookupCommand', () => {
  it('is case-insensitive and resolves subcommands', () => {
    expect(lookupCommand('get')?.name).toBe('get');
    expect(lookupCommand('GET')).toBe(lookupCommand('get'));
    expect(lookupCommand('GeT')).toBe(lookupCommand('get'));
    expect(lookupCommand('config', ['config', 'get', 'x'])?.name).toBe('config|get');
    expect(lookupCommand('CONFIG', ['CONFIG', 'GeT', 'x'])?.name).toBe('config|get');
    expect(lookupCommand('config', ['config'])?.name).toBe('config');
    expect(lookupCommand('config', ['config', 'nope'])).toBeUndefined();
    expect(lookupCommand('xinfo', ['xinfo', 'STREAM', 'k'])?.name).toBe('xinfo|stream');
    expect(lookupCommand('nosuch')).toBeUndefined();
    expect(lookupCommandByFullName('CONFIG|Get')?.name).toBe('config|get');
    expect(lookupCommandByFullName('get|x')).toBeUndefined();
  });

  it('carries flags, categories and key specs', () => {
    const get = lookupCommand('get')!;
    expect(hasFlag(get, CommandFlag.READONLY) && hasFlag(get, CommandFlag.FAST)).toBe(true);
    expect(hasFlag(get, CommandFlag.WRITE)).toBe(false);
    expect(get.aclCategories).toEqual(['read', 'string', 'fast']);
    expect(hasFlag(lookupCommand('eval')!, CommandFlag.MOVABLE_KEYS)).toBe(true);
    expect(hasFlag(lookupCommand('publish')!, CommandFlag.MAY_REPLICATE)).toBe(true);
    expect(lookupCommand('config', ['config', 'get'])!.parent).toBe(lookupCommand('config'));
    expect(listTopLevelCommands().length).toBe(240);
    expect(listAllCommands().length).toBe(366);
  });

  // Speed is measured by benchmarks, not asserted here (bench/micro/command-path.ts).
  it('resolves the usual spellings to the one spec, and any other case by lower-casing', () => {
    const spec = lookupCommand('get')!;
    expect(lookupCommand('GET')).toBe(spec);
    expect(lookupCommand('GeT')).toBe(spec);
    expect(lookupCommand('CONFIG', ['CONFIG', 'GET'])).toBe(lookupCommand('config', ['config', 'get']));
    expect(lookupCommand('Config', ['Config', 'gEt'])).toBe(lookupCommand('config', ['config', 'get']));
    expect(lookupCommand('nosuchcommand')).toBeUndefined();
  });
});

describe('pre-execution errors match redis-server 7.0.15', () => {
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

  const requests: string[][] = [
    ['GET'],
    ['get', 'a', 'b'],
    ['SET', 'k'],
    ['CONFIG'],
    ['config', 'GET'],
    ['CONFIG', 'SET', 'x'],
    ['config', 'nope'],
    ['client', 'Nope', 'x'],
    ['object'],
    ['OBJECT', 'encoding'],
    ['xinfo', 'stream'],
    ['foo'],
    ['foo', 'a', 'b'],
    ['FOO', 'with space', 'new\r\nline'],
    ['foo', 'x'.repeat(200)],
    ['x'.repeat(200), 'a'],
    ['foo', 'a'.repeat(60), 'b'.repeat(60), 'c'.repeat(60), 'd'],
    ['config|get', 'x'],
  ];

  it('gives the same unknown-command, unknown-subcommand and arity errors', async () => {
    for (const argv of requests) {
      const theirs = await conn.call(argv);
      const mine = preExecutionError(argv);
      expect(mine === undefined ? undefined : { error: mine }, argv.join(' ').slice(0, 80)).toEqual(
        typeof theirs === 'object' && theirs !== null && 'error' in theirs ? theirs : undefined,
      );
    }
  });
});

describe('lookupCommand: repeated lookups', () => {
  it('answers each name and subcommand with its own spec, in any order', () => {
    const sequence: Array<[string, string[] | undefined, string | undefined]> = [
      ['GET', undefined, 'get'], ['GET', undefined, 'get'], ['set', undefined, 'set'], ['GET', undefined, 'get'],
      ['CONFIG', ['CONFIG', 'GET', 'x'], 'config|get'], ['CONFIG', ['CONFIG', 'SET', 'x', 'y'], 'config|set'],
      ['config', ['config', 'nosuch'], undefined], ['nosuch', undefined, undefined], ['nosuch', undefined, undefined], ['get', undefined, 'get'],
    ];
    for (const [name, argv, expected] of sequence) expect(lookupCommand(name, argv)?.name).toBe(expected);
  });
});
