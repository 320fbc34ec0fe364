import type { SeededRandom } from './random.ts';

// Zipf-distributed ranks in [1, n]: P(k) is proportional to 1 / k^exponent.
// Sampling uses rejection-inversion (Hörmann and Derflinger, 1996): constant time per sample and
// constant memory, so key ranges of millions cost nothing to set up. Ranks are 1-based; rank 1 is
// the most popular.
export class ZipfSampler {
  private readonly n: number;
  private readonly exponent: number;
  private readonly hIntegralX1: number;
  private readonly hIntegralN: number;
  private readonly s: number;

  constructor(n: number, exponent: number) {
    if (!(n >= 1)) throw new Error('zipf: the number of elements must be at least 1');
    if (!(exponent > 0)) throw new Error('zipf: the exponent must be greater than 0');
    this.n = n;
    this.exponent = exponent;
    this.hIntegralX1 = this.hIntegral(1.5) - 1;
    this.hIntegralN = this.hIntegral(n + 0.5);
    this.s = 2 - this.hIntegralInverse(this.hIntegral(2.5) - this.h(2));
  }

  sample(random: SeededRandom): number {
    for (;;) {
      const u = this.hIntegralN + random.nextFloat() * (this.hIntegralX1 - this.hIntegralN);
      const x = this.hIntegralInverse(u);
      let k = Math.floor(x + 0.5);
      if (k < 1) k = 1;
      else if (k > this.n) k = this.n;
      if (k - x <= this.s || u >= this.hIntegral(k + 0.5) - this.h(k)) return k;
    }
  }

  // h(x) = x^-exponent, and H is an antiderivative of h, written with helpers that stay accurate
  // when the exponent is close to 1 (where (x^(1-e) - 1) / (1-e) tends to log x).
  private h(x: number): number {
    return Math.exp(-this.exponent * Math.log(x));
  }

  private hIntegral(x: number): number {
    const logX = Math.log(x);
    return helper2((1 - this.exponent) * logX) * logX;
  }

  private hIntegralInverse(x: number): number {
    let t = x * (1 - this.exponent);
    if (t < -1) t = -1; // guards rounding just below the domain boundary
    return Math.exp(helper1(t) * x);
  }
}

/** log(1 + x) / x, accurate near 0. */
function helper1(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.log1p(x) / x : 1 - x * (0.5 - x * (1 / 3 - 0.25 * x));
}

/** (exp(x) - 1) / x, accurate near 0. */
function helper2(x: number): number {
  return Math.abs(x) > 1e-8 ? Math.expm1(x) / x : 1 + x * 0.5 * (1 + x * (1 / 3) * (1 + 0.25 * x));
}
