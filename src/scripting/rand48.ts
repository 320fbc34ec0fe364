// Redis's redisLrand48 (rand.c): the 48-bit linear congruential generator of lrand48, so that
// math.random gives Redis's sequence after math.randomseed.
const A = 0x5deece66dn;
const C = 0xbn;
const MASK = (1n << 48n) - 1n;
const INITIAL = 0x1234abcd330en;

export class Rand48 {
  static readonly MAX = 2147483647;
  private x = INITIAL;

  next(): number {
    this.x = (A * this.x + C) & MASK;
    return Number(this.x >> 17n);
  }

  seed(value: number): void {
    this.x = ((BigInt.asUintN(32, BigInt(value)) << 16n) | 0x330en) & MASK;
  }
}
