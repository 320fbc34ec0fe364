import { describe, expect, it } from 'vitest';
import { createKeyGenerator } from '../../bench/key-pattern.ts';
import { SeededRandom } from '../../bench/random.ts';
import { keyHashSlot } from '../../src/cluster/key-slot.ts';
import { buildCommandSchedule, setGetTemplates } from '../../bench/command-template.ts';

// Statistical checks with fixed seeds: deterministic, and each threshold is the 0.999 quantile of
// the test statistic, so a correct generator passes with a wide margin and a wrong one fails.

function chiSquare(observed: number[], expected: number[]): number {
  let total = 0;
  for (let i = 0; i < observed.length; i++) total += (observed[i] - expected[i]) ** 2 / expected[i];
  return total;
}

describe('key patterns', () => {
  it('zipf keys follow P(k) ∝ 1/k^s (chi-square, s = 0.99 and 1.5)', () => {
    for (const exponent of [0.99, 1.5]) {
      const n = 50;
      const samples = 200_000;
      const keys = createKeyGenerator({ pattern: 'Z', minimum: 100, maximum: 100 + n - 1, zipfExponent: exponent }, new SeededRandom(7));
      const observed = new Array<number>(n).fill(0);
      let outOfRange = 0;
      for (let i = 0; i < samples; i++) {
        const key = keys.nextKey();
        if (key < 100 || key > 100 + n - 1) outOfRange++;
        else observed[key - 100]++;
      }
      expect(outOfRange).toBe(0);
      const weights = Array.from({ length: n }, (_, k) => 1 / (k + 1) ** exponent);
      const harmonic = weights.reduce((a, b) => a + b, 0);
      const expected = weights.map((w) => (w / harmonic) * samples);
      // 49 degrees of freedom: the 0.999 quantile is 85.35.
      expect(chiSquare(observed, expected)).toBeLessThan(85.35);
      // And it is not uniform: rank 1 is drawn far more often than rank 50.
      expect(observed[0]).toBeGreaterThan(observed[n - 1] * 20);
    }
  });

  it('zipf sampling works over a large key range in constant memory', () => {
    const keys = createKeyGenerator({ pattern: 'Z', minimum: 0, maximum: 99_999_999, zipfExponent: 1.1 }, new SeededRandom(3));
    let ones = 0;
    for (let i = 0; i < 100_000; i++) if (keys.nextKey() === 0) ones++;
    // P(rank 1) = 1 / H(1e8, 1.1) ≈ 1 / 9.57.
    expect(ones / 100_000).toBeGreaterThan(0.095);
    expect(ones / 100_000).toBeLessThan(0.114);
  });

  it('gaussian keys have the requested mean and standard deviation and a normal shape', () => {
    const samples = 200_000;
    const keys = createKeyGenerator({ pattern: 'G', minimum: 0, maximum: 1_000_000, gaussianMedian: 500_000, gaussianStddev: 50_000 }, new SeededRandom(11));
    const values = Array.from({ length: samples }, () => keys.nextKey());
    const mean = values.reduce((a, b) => a + b, 0) / samples;
    const stddev = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / samples);
    expect(Math.abs(mean - 500_000)).toBeLessThan(600); // 5 standard errors (50000/√200000 ≈ 112)
    expect(Math.abs(stddev - 50_000) / 50_000).toBeLessThan(0.01);
    // Counts per standard-deviation band against the normal distribution's probabilities.
    const bands = [-Infinity, -2, -1, 0, 1, 2, Infinity];
    const probabilities = [0.02275, 0.135905, 0.341345, 0.341345, 0.135905, 0.02275];
    const observed = new Array<number>(6).fill(0);
    for (const value of values) {
      const z = (value - 500_000) / 50_000;
      observed[bands.findIndex((edge, i) => z >= edge && z < bands[i + 1])]++;
    }
    // 5 degrees of freedom: the 0.999 quantile is 20.52.
    expect(chiSquare(observed, probabilities.map((p) => p * samples))).toBeLessThan(20.52);
  });

  it('uniform keys cover the range evenly and sequential keys wrap around', () => {
    const uniform = createKeyGenerator({ pattern: 'R', minimum: 10, maximum: 19 }, new SeededRandom(5));
    const counts = new Array<number>(10).fill(0);
    for (let i = 0; i < 100_000; i++) counts[uniform.nextKey() - 10]++;
    // 9 degrees of freedom: the 0.999 quantile is 27.88.
    expect(chiSquare(counts, new Array(10).fill(10_000))).toBeLessThan(27.88);
    const sequential = createKeyGenerator({ pattern: 'S', minimum: 5, maximum: 8 }, new SeededRandom(5), 2);
    expect(Array.from({ length: 6 }, () => sequential.nextKey())).toEqual([7, 8, 5, 6, 7, 8]);
  });

  it('the command schedule gives the exact ratio, interleaved', () => {
    const schedule = Array.from(buildCommandSchedule(setGetTemplates(1, 3)));
    expect(schedule.filter((i) => i === 0)).toHaveLength(1);
    expect(schedule.filter((i) => i === 1)).toHaveLength(3);
    const wide = Array.from(buildCommandSchedule(setGetTemplates(2, 2)));
    expect(wide).toEqual([0, 1, 0, 1]);
  });

  it('cluster key slots match Redis (CRC16 XMODEM, hash tags)', () => {
    // Known values from the Redis Cluster specification and redis-cli CLUSTER KEYSLOT.
    expect(keyHashSlot('123456789')).toBe(0x31c3 & 16383);
    expect(keyHashSlot('foo')).toBe(12182);
    expect(keyHashSlot('{user1000}.following')).toBe(keyHashSlot('user1000'));
    expect(keyHashSlot('foo{}{bar}')).not.toBe(keyHashSlot('bar'));
  });
});
