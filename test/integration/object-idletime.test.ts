// Per-key access times (shard/access-clock.ts): OBJECT IDLETIME counts seconds since a key was last
// created, written or looked up. RESTORE ... IDLETIME sets an old access time, so no test waits for
// time to pass; TTL, TYPE, EXISTS and OBJECT look keys up without touching them (Redis's
// LOOKUP_NOTOUCH), while reads and writes of any kind, and TOUCH, do.
import { describe, expect, it } from 'vitest';
import { sharedShoal } from '../helpers/shared-shoal.ts';

const shared = sharedShoal(['--threads', '2']);

/** Recreates `key` from its own DUMP as if last used `idle` seconds ago. */
async function makeIdle(key: string, idle: number): Promise<void> {
  const payload = await shared.client.dumpBuffer(key);
  expect(payload).not.toBeNull();
  await shared.client.call('RESTORE', key, '0', payload!, 'REPLACE', 'IDLETIME', String(idle));
}

async function idletime(key: string): Promise<number> {
  return Number(await shared.client.call('OBJECT', 'IDLETIME', key));
}

describe('OBJECT IDLETIME', () => {
  it('is what RESTORE IDLETIME set, and TTL, TYPE, EXISTS and OBJECT leave it alone', async () => {
    await shared.client.set('idle:s', 'v');
    await shared.client.hset('idle:h', 'f', 'v');
    for (const key of ['idle:s', 'idle:h']) {
      await makeIdle(key, 1000);
      await shared.client.ttl(key);
      await shared.client.pttl(key);
      await shared.client.type(key);
      await shared.client.exists(key);
      await shared.client.call('OBJECT', 'ENCODING', key);
      const idle = await idletime(key);
      expect(idle).toBeGreaterThanOrEqual(1000);
      expect(idle).toBeLessThan(1010);
    }
  });

  it('goes back to 0 when the key is read (from request bytes or the ordinary path), written or touched', async () => {
    await shared.client.set('idle:s', 'v');
    await shared.client.hset('idle:h', 'f', 'v');
    await shared.client.rpush('idle:l', 'a');
    const accesses: Array<[string, () => Promise<unknown>]> = [
      ['idle:s', () => shared.client.get('idle:s')],
      ['idle:s', () => shared.client.strlen('idle:s')],
      ['idle:s', () => shared.client.append('idle:s', 'x')],
      ['idle:h', () => shared.client.hget('idle:h', 'f')],
      ['idle:h', () => shared.client.hset('idle:h', 'g', 'v')],
      ['idle:l', () => shared.client.lrange('idle:l', 0, -1)],
      ['idle:l', () => shared.client.call('TOUCH', 'idle:l')],
    ];
    for (const [key, access] of accesses) {
      await makeIdle(key, 500);
      expect(await idletime(key)).toBeGreaterThanOrEqual(500);
      await access();
      expect(await idletime(key)).toBeLessThan(5);
    }
  });

  it('starts at 0 for a new key, and a missing key answers nil', async () => {
    await shared.client.del('idle:new');
    await shared.client.sadd('idle:new', 'm');
    expect(await idletime('idle:new')).toBeLessThan(5);
    expect(await shared.client.call('OBJECT', 'IDLETIME', 'idle:missing')).toBeNull();
  });
});
