// The clock of per-key access times (OBJECT IDLETIME), in whole seconds as Redis's LRU clock
// (LRU_CLOCK_RESOLUTION is 1000 ms). The worker sets it when it reads its clock for a batch of
// requests or a turn; the keyspace stamps every key it creates or looks up (without
// LOOKUP_NOTOUCH) with it. One per worker thread (module state).

/** A time in ms (Date.now(), the keyspace's now) on the access clock. */
export function accessSeconds(ms: number): number {
  return Math.floor(ms / 1000);
}

export const accessClock = { seconds: accessSeconds(Date.now()) };

export function setAccessClock(ms: number): void {
  accessClock.seconds = accessSeconds(ms);
}
