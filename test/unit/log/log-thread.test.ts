import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createRingBuffer } from '../../../src/ipc/spsc-ring.ts';
import { EffectLog } from '../../../src/ipc/effect-log.ts';
import { LogThread } from '../../../src/log/log-thread-client.ts';
import { LOG_ACTIVE, LOG_CONTROL_BYTES, LOG_DURABLE, LOG_MERGED } from '../../../src/log/log-control.ts';
import { checkAof, startRedisOnAof } from './redis-aof.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function setup(workers: number, configArgs: string[]) {
  const effectRings = Array.from({ length: workers }, () => createRingBuffer(64 * 1024));
  const sequence = new SharedArrayBuffer(4);
  const logControl = new SharedArrayBuffer(LOG_CONTROL_BYTES);
  const logs = effectRings.map((r) => new EffectLog(r, sequence, logControl));
  return { logs, control: new Int32Array(logControl), data: { effectRings, sequence, logControl, configArgs } };
}

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('log thread', () => {
  it('turns recording on once the stream has a consumer, merges the workers\' effects in sequence order and publishes MERGED/DURABLE', async () => {
    const { logs, control, data } = setup(3, ['--appendonly', 'no']);
    logs[0]!.emit(0, ['SET', 'before', 'start']); // nobody consumes yet: not recorded
    expect(logs[0]!.emitted).toBe(0);
    const thread = await LogThread.start(data);
    try {
      // Without AOF or replicas the workers record nothing; a consumer (here a capture) turns it on.
      expect(Atomics.load(control, LOG_ACTIVE)).toBe(0);
      await thread.capture(true);
      expect(Atomics.load(control, LOG_ACTIVE)).toBe(1);
      for (let i = 0; i < 3000; i++) logs[i % 3]!.emit(i % 16, ['SET', `k${i}`, String(i)]);
      await until(() => Atomics.load(control, LOG_MERGED) === 3000);
      expect(Atomics.load(control, LOG_DURABLE)).toBe(3000);
      const effects = await thread.captured();
      expect(effects.map((e) => e.seq)).toEqual(Array.from({ length: 3000 }, (_, i) => i));
      expect(effects[4]).toEqual({ seq: 4, db: 4, txId: 0, worker: 1, argv: ['SET', 'k4', '4'] });
    } finally {
      const stopped = await thread.stop();
      expect(stopped.merged).toBe(3000);
    }
    expect(Atomics.load(control, LOG_ACTIVE)).toBe(0);
  });

  it('appends to the AOF with appendonly yes, and writes what the workers left when stopped', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-logthread-'));
    dirs.push(dir);
    const { logs, data } = setup(2, ['--appendonly', 'yes', '--dir', dir, '--appendfsync', 'always']);
    const thread = await LogThread.start(data);
    expect(thread.aofPath).toBe(path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof'));
    for (let i = 0; i < 500; i++) logs[i % 2]!.emit(i % 2, ['INCRBY', 'counter', '1']);
    logs[1]!.emit(0, ['SET', 'last', 'yes']);
    await thread.stop();
    const check = checkAof(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'));
    expect(check.status).toBe(0);
    const redis = await startRedisOnAof(dir);
    try {
      expect(await redis.client.get('counter')).toBe('250');
      expect(await redis.client.get('last')).toBe('yes');
      await redis.client.select(1);
      expect(await redis.client.get('counter')).toBe('250');
    } finally {
      await redis.stop();
    }
  });
});
