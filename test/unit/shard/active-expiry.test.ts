import { describe, expect, it } from 'vitest';
import { ActiveExpiry, expiryTuning, slowCycleTimeLimitMs } from '../../../src/shard/active-expiry.ts';
import type { Database } from '../../../src/shard/database.ts';
import { Keyspace } from '../../../src/shard/keyspace.ts';

function newKeyspace(): { keyspace: Keyspace; expired: string[] } {
  const expired: string[] = [];
  const keyspace = new Keyspace({
    keyExpired(db: Database, key: string): void {
      expired.push(`${db.index}:${key}`);
    },
  });
  return { keyspace, expired };
}

function setWithTtl(keyspace: Keyspace, db: Database, key: string, at?: number): void {
  keyspace.setKey(db, key, 'v');
  if (at !== undefined) db.setExpire(key, at);
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('expiryTuning', () => {
  it('scales with active-expire-effort as expire.c does', () => {
    expect(expiryTuning(1)).toEqual({ keysPerLoop: 20, fastDurationUs: 1000, slowTimePerc: 25, acceptableStale: 10 });
    expect(expiryTuning(10)).toEqual({ keysPerLoop: 65, fastDurationUs: 3250, slowTimePerc: 43, acceptableStale: 1 });
    expect(slowCycleTimeLimitMs(10, 1)).toBe(25);
    expect(slowCycleTimeLimitMs(100, 1)).toBe(2.5);
  });
});

describe('ActiveExpiry', () => {
  it('removes 10k keys with a 100 ms TTL within a couple of seconds of hz=10 cycles, and nothing else', async () => {
    const { keyspace, expired } = newKeyspace();
    const db0 = keyspace.dbs[0]!;
    const db3 = keyspace.dbs[3]!;
    const soon = Date.now() + 100;
    for (let i = 0; i < 10_000; i++) setWithTtl(keyspace, i % 2 === 0 ? db0 : db3, `short:${i}`, soon);
    for (let i = 0; i < 1000; i++) setWithTtl(keyspace, db0, `forever:${i}`);
    for (let i = 0; i < 1000; i++) setWithTtl(keyspace, db3, `later:${i}`, Date.now() + 3_600_000);

    const expiry = new ActiveExpiry(keyspace, () => 1);
    const started = Date.now();
    let cycles = 0;
    while (keyspace.totalKeys() > 2000 && Date.now() - started < 5000) {
      await sleep(100);
      expiry.cycle(slowCycleTimeLimitMs(10, 1));
      cycles++;
    }
    const took = Date.now() - started;
    expect(keyspace.totalKeys()).toBe(2000);
    expect(took).toBeLessThan(2500);
    expect(expired.length).toBe(10_000);
    expect(keyspace.expiredKeys).toBe(10_000);
    expect(db0.expires.size).toBe(0);
    expect(db3.expires.size).toBe(1000);
    for (let i = 0; i < 1000; i++) {
      expect(db0.has(`forever:${i}`)).toBe(true);
      expect(db3.has(`later:${i}`)).toBe(true);
    }
    expect(expiry.expiredStalePerc).toBeGreaterThan(0);
    expect(expiry.avgTtl[3]).toBeGreaterThan(0);
    expect(cycles).toBeGreaterThan(0);
    expect(expiry.infoFields().map(([name]) => name)).toEqual([
      'expired_stale_perc',
      'expired_time_cap_reached_count',
      'expire_cycle_cpu_milliseconds',
    ]);
  });

  it('stops a database after one loop when few sampled keys are stale', () => {
    const { keyspace, expired } = newKeyspace();
    const db = keyspace.dbs[0]!;
    const now = Date.now();
    // 1 expired key in 100: the first sample of 20 holds at most one, 5% <= 10%, so one loop only.
    for (let i = 0; i < 100; i++) setWithTtl(keyspace, db, `k${i}`, i === 0 ? now - 1 : now + 60_000);
    new ActiveExpiry(keyspace, () => 1).cycle(25);
    expect(expired).toEqual(['0:k0']);
    expect(db.expires.size).toBe(99);
  });

  it('resumes its walk where the last cycle stopped and wraps around', () => {
    const { keyspace } = newKeyspace();
    const db = keyspace.dbs[0]!;
    const now = Date.now();
    for (let i = 0; i < 50; i++) setWithTtl(keyspace, db, `live${i}`, now + 60_000);
    const expiry = new ActiveExpiry(keyspace, () => 1);
    expiry.cycle(25); // samples live0..live19
    // Keys that expire behind the walk are found after it wraps.
    db.setExpire('live5', now - 1);
    db.setExpire('live45', now - 1);
    expiry.cycle(25); // live20..live39
    expect(db.has('live45')).toBe(true);
    expiry.cycle(25); // live40..live49, then live0..live9 after the wrap
    expect(db.has('live45')).toBe(false);
    expect(db.has('live5')).toBe(false);
  });

  it('follows a database whose expires Map was swapped (SWAPDB)', () => {
    const { keyspace } = newKeyspace();
    const [db0, db1] = [keyspace.dbs[0]!, keyspace.dbs[1]!];
    const now = Date.now();
    for (let i = 0; i < 30; i++) setWithTtl(keyspace, db0, `a${i}`, now + 60_000);
    const expiry = new ActiveExpiry(keyspace, () => 1);
    expiry.cycle(25);
    for (let i = 0; i < 30; i++) setWithTtl(keyspace, db1, `b${i}`, now - 1);
    db0.swapContents(db1);
    expiry.cycle(25);
    expect(db0.size).toBe(0);
    expect(db1.size).toBe(30);
  });

  it('counts cycles that hit the time limit and resumes with the next database', () => {
    const { keyspace } = newKeyspace();
    const db = keyspace.dbs[0]!;
    const past = Date.now() - 1;
    for (let i = 0; i < 20_000; i++) setWithTtl(keyspace, db, `k${i}`, past);
    const expiry = new ActiveExpiry(keyspace, () => 1);
    expiry.cycle(0);
    expect(expiry.expiredTimeCapReachedCount).toBe(1);
    // 16 loops of 20 keys ran before the clock was checked.
    expect(db.size).toBe(20_000 - 16 * 20);
    expiry.fastCycle();
    expect(db.size).toBeLessThan(20_000 - 16 * 20);
  });

  it('samples more keys per loop with a higher effort', () => {
    const { keyspace } = newKeyspace();
    const db = keyspace.dbs[0]!;
    const past = Date.now() - 1;
    for (let i = 0; i < 20_000; i++) setWithTtl(keyspace, db, `k${i}`, past);
    new ActiveExpiry(keyspace, () => 10).cycle(0);
    expect(db.size).toBe(20_000 - 16 * 65);
  });

  it('does nothing on a replica, which waits for the primary to delete', () => {
    const { keyspace, expired } = newKeyspace();
    keyspace.isReplica = true;
    setWithTtl(keyspace, keyspace.dbs[0]!, 'k', Date.now() - 1);
    new ActiveExpiry(keyspace, () => 1).cycle(25);
    expect(expired).toEqual([]);
    expect(keyspace.dbs[0]!.has('k')).toBe(true);
  });
});
