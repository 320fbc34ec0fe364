// The clock of per-key access times (OBJECT IDLETIME), in whole seconds as Redis's LRU clock
// (LRU_CLOCK_RESOLUTION is 1000 ms). The worker sets it when it reads its clock for a batch of
// requests or a turn; the keyspace stamps every key it creates or looks up (without
// LOOKUP_NOTOUCH) with it. One per worker thread (module state).

export const accessClock = { seconds: Math.floor(Date.now() / 1000) };

export function setAccessClock(ms: number): void {
  accessClock.seconds = Math.floor(ms / 1000);
}
