import { describe, expect, it, vi } from 'vitest';
import { AofRewriteLimit } from '../../../src/persistence/aof-rewrite-limit.ts';

describe('AofRewriteLimit (automatic AOF rewrites after repeated failures)', () => {
  it('lets rewrites run below 3 consecutive failures, then delays them 1, 2, 4 ... 60 minutes, logging each new delay once', () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const limit = new AofRewriteLimit();
      const t0 = 1_000_000;
      expect(limit.limited(2, t0)).toBe(false);
      expect(limit.limited(3, t0)).toBe(true);
      expect(log).toHaveBeenCalledTimes(1);
      expect(String(log.mock.calls[0]![0])).toContain('Background AOF rewrite has repeatedly failed and triggered the limit, will retry in 1 minutes');
      expect(limit.limited(3, t0 + 59_000)).toBe(true);
      expect(log).toHaveBeenCalledTimes(1);
      // The delay is over: one attempt may run; if it fails too, the next delay doubles.
      expect(limit.limited(3, t0 + 60_000)).toBe(false);
      expect(limit.limited(4, t0 + 61_000)).toBe(true);
      expect(String(log.mock.calls[1]![0])).toContain('will retry in 2 minutes');
      let now = t0 + 61_000;
      for (let i = 0; i < 8; i++) {
        now += 61 * 60_000;
        limit.limited(5, now);
        limit.limited(5, now + 1);
      }
      expect(String(log.mock.calls.at(-1)![0])).toContain('will retry in 60 minutes');
      // A success (failures back to 0) lifts the limit.
      expect(limit.limited(0, now + 2)).toBe(false);
      expect(limit.limited(3, now + 3)).toBe(true);
      expect(String(log.mock.calls.at(-1)![0])).toContain('will retry in 1 minutes');
    } finally {
      log.mockRestore();
    }
  });
});
