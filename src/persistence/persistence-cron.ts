// The persistence part of Redis's serverCron, run by the shard workers: save points (`save 900 1`)
// start a BGSAVE, appendonly turned on at runtime starts the rewrite that writes the first base, and
// auto-aof-rewrite-percentage/min-size start BGREWRITEAOF. Worker 0 decides (one decision for the
// server); every worker tracks appendonly for its INFO.
import type { Shard } from '../shard/shard.ts';
import { STAT_DIRTY } from '../ipc/shared-stats.ts';
import { backgroundSave } from '../commands/persistence.ts';
import { aofCurrentSize, aofDirOf, rewriteAof } from './aof-rewrite.ts';
import { AofRewriteLimit } from './aof-rewrite-limit.ts';

const TICK_MS = 100;
/** CONFIG_BGSAVE_RETRY_DELAY: after a failed save, save points wait this long before trying again. */
const BGSAVE_RETRY_DELAY_MS = 5000;

export function startPersistenceCron(shard: Shard): void {
  const p = shard.persistence;
  const config = shard.config;
  p.appendonlySeen = config.appendonly;
  let lastSaveTry = 0;
  let lastRewriteTry = 0;
  let baseSizeKnown = false;
  let rewritesSeen = 0;
  let lastAofCheck = 0;
  const rewriteLimit = new AofRewriteLimit();
  const tick = (): void => {
    const appendonly = config.appendonly;
    if (appendonly !== p.appendonlySeen) {
      p.appendonlySeen = appendonly;
      // As Redis's AOF_WAIT_REWRITE: on at runtime, the AOF counts once a rewrite wrote its first base.
      p.aofWaitingRewrite = appendonly;
    }
    if (shard.id !== 0 || p.running !== null) return;
    const now = Date.now();
    if (appendonly && p.aofWaitingRewrite) {
      // The log thread must record effects before the rewrite's point, or writes after it are lost.
      if (shard.effects.active && now - lastRewriteTry >= 1000) {
        lastRewriteTry = now;
        rewriteAof(shard).started.catch(() => {});
      }
      return;
    }
    if (config.save.length > 0) {
      let dirty = 0;
      for (let w = 0; w < shard.workerCount; w++) dirty += shard.stats.get(w, STAT_DIRTY);
      const elapsed = (now - shard.lastSave) / 1000;
      const due = config.save.some(([seconds, changes]) => dirty >= changes && elapsed >= seconds);
      if (due && (p.lastBgsaveOk || now - lastSaveTry > BGSAVE_RETRY_DELAY_MS)) {
        lastSaveTry = now;
        console.log(`shoal: ${dirty} changes in ${Math.floor(elapsed)} seconds. Saving...`);
        backgroundSave(shard).started.catch(() => {});
        return;
      }
    }
    const percentage = Number(config.get('auto-aof-rewrite-percentage') ?? 0);
    // The AOF's size is read from disk: once a second is enough (Redis's check runs at hz).
    if (appendonly && percentage > 0 && shard.effects.active && now - lastAofCheck >= 1000) {
      lastAofCheck = now;
      const size = aofCurrentSize(aofDirOf(shard), config.appendfilename);
      if (!baseSizeKnown || p.aofRewrites !== rewritesSeen) {
        // aof_rewrite_base_size: the size loaded at start-up, then the size right after each rewrite.
        baseSizeKnown = true;
        rewritesSeen = p.aofRewrites;
        p.aofBaseSize = size;
      }
      const minSize = Number(config.get('auto-aof-rewrite-min-size') ?? 0);
      const base = p.aofBaseSize > 0 ? p.aofBaseSize : 1;
      const growth = (size * 100) / base - 100;
      if (size > minSize && growth >= percentage && now - lastRewriteTry >= 1000 && !rewriteLimit.limited(p.aofRewriteFailures, now)) {
        lastRewriteTry = now;
        console.log(`shoal: Starting automatic rewriting of AOF on ${Math.round(growth)}% growth`);
        rewriteAof(shard).started.catch(() => {});
      }
    }
  };
  setInterval(tick, TICK_MS).unref();
}
