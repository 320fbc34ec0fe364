// shoal's defaults against a default-started redis-server 7.0.15: the same CONFIG GET * names
// (plus shoal's `threads`) and the same values, except those that depend on the process.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { availableParallelism } from 'node:os';
import { ServerConfig } from '../../../src/config/server-config.ts';
import { RedisProcess } from './redis-process.ts';

// Set by the test harness (port, unixsocket, dir) or by how redis-server was started.
const PROCESS_DEPENDENT = new Set(['port', 'unixsocket', 'dir', 'pidfile', 'logfile', 'daemonize']);

describe('defaults match redis-server 7.0.15', () => {
  let redis: RedisProcess;
  let redisAll: Map<string, string>;
  const shoal = ServerConfig.defaults();

  beforeAll(async () => {
    redis = await RedisProcess.start();
    redisAll = new Map(await redis.configGet('*'));
  });
  afterAll(async () => {
    await redis.stop();
  });

  it('lists the same names for CONFIG GET * (shoal\'s own threads shows only when asked by name)', () => {
    const shoalNames = shoal.getMatching('*').map(([n]) => n).sort();
    expect(shoalNames).toEqual([...redisAll.keys()].sort());
    expect(shoal.getMatching('threads').map(([n]) => n)).toEqual(['threads']);
  });

  it('has the same default values', () => {
    const differences: string[] = [];
    for (const [name, value] of redisAll) {
      if (PROCESS_DEPENDENT.has(name)) continue;
      if (shoal.get(name) !== value) differences.push(`${name}: redis=${JSON.stringify(value)} shoal=${JSON.stringify(shoal.get(name))}`);
    }
    expect(differences).toEqual([]);
  });

  it('shows the process-dependent values as a default Redis would', () => {
    expect(shoal.get('port')).toBe('6379');
    expect(shoal.get('unixsocket')).toBe('');
    expect(shoal.get('pidfile')).toBe('');
    expect(shoal.get('logfile')).toBe('');
    expect(shoal.get('daemonize')).toBe('no');
    expect(shoal.get('dir')).toBe(process.cwd());
  });

  it('has hidden configs that only an exact name shows, as Redis', async () => {
    for (const name of ['watchdog-period', 'key-load-delay', 'rdb-key-save-delay', 'use-exit-on-panic', 'loading-process-events-interval-bytes']) {
      expect(shoal.getMatching(name)).toEqual(await redis.configGet(name));
      expect(shoal.getMatching(name + '*')).toEqual([]);
    }
  });

  it('defaults the typed fields', () => {
    expect(shoal.port).toBe(6379);
    expect(shoal.bind).toEqual(['*', '-::*']);
    expect(shoal.protectedMode).toBe(true);
    expect(shoal.maxclients).toBe(10000);
    expect(shoal.save).toEqual([[3600, 1], [300, 100], [60, 10000]]);
    expect(shoal.maxmemoryPolicy).toBe('noeviction');
    expect(shoal.appendfsync).toBe('everysec');
    expect(shoal.protoMaxBulkLen).toBe(512 * 1024 * 1024);
    expect(shoal.clientQueryBufferLimit).toBe(1024 * 1024 * 1024);
    expect(shoal.requirepass).toBe('');
    expect(shoal.notifyKeyspaceEvents).toBe(0);
    expect(shoal.notifyKeyspaceEventsText).toBe('');
    expect(shoal.listMaxListpackSize).toBe(-2);
    expect(shoal.replicaReadOnly).toBe(true);
    expect(shoal.replicaof).toBe('');
    expect(shoal.masterHost).toBe(null);
    expect(shoal.clientOutputBufferLimit).toEqual({
      normal: [0, 0, 0], replica: [268435456, 67108864, 60], pubsub: [33554432, 8388608, 60],
    });
    expect(shoal.threads).toBe(availableParallelism());
    expect(shoal.sentinelPort).toBe(0);
    expect(shoal.clusterEnabled).toBe(false);
  });
});
