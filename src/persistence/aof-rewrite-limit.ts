// Redis 7.0's brake on automatic AOF rewrites that keep failing (aofRewriteLimited): each failed
// rewrite leaves one more incr file behind, so after 3 consecutive failures the automatic rewrite
// waits 1 minute, then 2, 4 ... up to 60 between attempts. BGREWRITEAOF is never held back.

/** Consecutive failures from which automatic rewrites are delayed. */
const LIMIT_THRESHOLD = 3;
const LIMIT_MAX_MINUTES = 60;

export class AofRewriteLimit {
  private delayMinutes = 0;
  /** When the next automatic rewrite may run (ms since the epoch), 0 when not waiting. */
  private nextRewriteAt = 0;

  /** True when an automatic rewrite must not start now; logs when a new delay begins. */
  limited(consecutiveFailures: number, now: number): boolean {
    if (consecutiveFailures < LIMIT_THRESHOLD) {
      this.delayMinutes = 0;
      this.nextRewriteAt = 0;
      return false;
    }
    if (this.nextRewriteAt !== 0) {
      if (now < this.nextRewriteAt) return true;
      this.nextRewriteAt = 0;
      return false;
    }
    this.delayMinutes = Math.min(this.delayMinutes === 0 ? 1 : this.delayMinutes * 2, LIMIT_MAX_MINUTES);
    this.nextRewriteAt = now + this.delayMinutes * 60_000;
    console.log(`shoal: Background AOF rewrite has repeatedly failed and triggered the limit, will retry in ${this.delayMinutes} minutes`);
    return true;
  }
}
