import type { SeededRandom } from './random.ts';
import { ZipfSampler } from './zipf.ts';

// Which key number the next request uses. Keys are numbers in [minimum, maximum]; the key name is
// the prefix followed by the decimal number (see request-encoder.ts).

export type KeyPatternName = 'R' | 'S' | 'G' | 'Z';

export interface KeyPatternOptions {
  pattern: KeyPatternName;
  minimum: number;
  maximum: number;
  /** Gaussian: centre of the distribution; defaults to the middle of the range. */
  gaussianMedian?: number;
  /** Gaussian: standard deviation; defaults to a sixth of the range so ±3σ spans it. */
  gaussianStddev?: number;
  /** Zipf: exponent s of P(k) ∝ 1/k^s. */
  zipfExponent?: number;
}

export interface KeyGenerator {
  nextKey(): number;
}

/** Ranges up to this many keys take one 32-bit draw per key (see UniformKeys). */
const SINGLE_DRAW_SPAN = 2 ** 20;

class UniformKeys implements KeyGenerator {
  private readonly random: SeededRandom;
  private readonly minimum: number;
  private readonly span: number;
  /** span / 2^32 for a range of at most SINGLE_DRAW_SPAN keys, else 0 (53-bit draws). */
  private readonly spanPerDraw: number;
  constructor(random: SeededRandom, minimum: number, maximum: number) {
    this.random = random;
    this.minimum = minimum;
    this.span = maximum - minimum + 1;
    this.spanPerDraw = this.span <= SINGLE_DRAW_SPAN ? this.span / 2 ** 32 : 0;
  }
  nextKey(): number {
    // For up to 2^20 keys one 32-bit draw is enough (each key gets 2^32/span draws, give or take one:
    // a relative bias below 2.5e-4) and costs half of a 53-bit one, on the path of every request.
    if (this.spanPerDraw > 0) return this.minimum + Math.floor(this.random.nextUint32() * this.spanPerDraw);
    return this.minimum + Math.floor(this.random.nextFloat() * this.span);
  }
}

class SequentialKeys implements KeyGenerator {
  private readonly minimum: number;
  private readonly maximum: number;
  private next: number;
  constructor(minimum: number, maximum: number, start: number) {
    this.minimum = minimum;
    this.maximum = maximum;
    this.next = start;
  }
  nextKey(): number {
    const key = this.next;
    this.next = key >= this.maximum ? this.minimum : key + 1;
    return key;
  }
}

class GaussianKeys implements KeyGenerator {
  private readonly random: SeededRandom;
  private readonly minimum: number;
  private readonly maximum: number;
  private readonly median: number;
  private readonly stddev: number;
  constructor(random: SeededRandom, minimum: number, maximum: number, median: number, stddev: number) {
    this.random = random;
    this.minimum = minimum;
    this.maximum = maximum;
    this.median = median;
    this.stddev = stddev;
  }
  nextKey(): number {
    // Values outside the range are redrawn rather than clamped, so the edges get no spike.
    for (;;) {
      const key = Math.round(this.median + this.random.nextGaussian() * this.stddev);
      if (key >= this.minimum && key <= this.maximum) return key;
    }
  }
}

class ZipfKeys implements KeyGenerator {
  private readonly random: SeededRandom;
  private readonly sampler: ZipfSampler;
  private readonly minimum: number;
  constructor(random: SeededRandom, minimum: number, maximum: number, exponent: number) {
    this.random = random;
    this.minimum = minimum;
    this.sampler = new ZipfSampler(maximum - minimum + 1, exponent);
  }
  nextKey(): number {
    return this.minimum + this.sampler.sample(this.random) - 1;
  }
}

/**
 * @param sequentialStart where a sequential pattern starts, so that threads and clients can
 *   cover different parts of the range instead of all writing the same keys in lockstep.
 */
export function createKeyGenerator(options: KeyPatternOptions, random: SeededRandom, sequentialStart?: number): KeyGenerator {
  const { minimum, maximum } = options;
  if (!(Number.isSafeInteger(minimum) && Number.isSafeInteger(maximum) && minimum >= 0 && maximum >= minimum)) {
    throw new Error(`key range [${minimum}, ${maximum}] is not a valid range of non-negative integers`);
  }
  switch (options.pattern) {
    case 'R':
      return new UniformKeys(random, minimum, maximum);
    case 'S': {
      const span = maximum - minimum + 1;
      const start = minimum + (((sequentialStart ?? 0) % span) + span) % span;
      return new SequentialKeys(minimum, maximum, start);
    }
    case 'G':
      return new GaussianKeys(
        random,
        minimum,
        maximum,
        options.gaussianMedian ?? (minimum + maximum) / 2,
        options.gaussianStddev ?? Math.max((maximum - minimum) / 6, 1e-9),
      );
    case 'Z':
      return new ZipfKeys(random, minimum, maximum, options.zipfExponent ?? 0.99);
  }
}
