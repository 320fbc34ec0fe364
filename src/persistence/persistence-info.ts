// INFO persistence, in Redis 7.0's field order, from this worker's PersistenceState (every worker
// holds the same figures) and the changes summed over the workers.
import type { Shard } from '../shard/shard.ts';
import { aofCurrentSize, aofDirOf } from './aof-rewrite.ts';

/** `progress`: every worker's PersistenceState.progress() (summed into current_cow_size, current_save_keys_*). */
export function persistenceInfoFields(shard: Shard, changesSinceLastSave: number, progress: Array<[number, number, number] | undefined> = []): string[] {
  const p = shard.persistence;
  let cow = 0;
  let processed = 0;
  let total = 0;
  for (const part of progress) {
    if (part === undefined) continue;
    cow += part[0];
    processed += part[1];
    total += part[2];
  }
  const perc = total > 0 ? (Math.min(processed, total) * 100) / total : 0;
  const config = shard.config;
  const now = Date.now();
  const runningSec = p.running !== null ? String(Math.floor((now - p.runningSince) / 1000)) : '-1';
  const aofOn = config.appendonly;
  const aofStarting = aofOn && !p.aofRewriteInProgress && (p.aofWaitingRewrite || p.appendonlySeen === false);
  const fields = [
    // A replica loading its primary's payload (1: loading, 2: async_loading; see replication/repl-state.ts).
    `loading:${shard.replication.state.loading === 1 ? 1 : 0}`, `async_loading:${shard.replication.state.loading === 2 ? 1 : 0}`, `current_cow_peak:${cow}`, `current_cow_size:${cow}`, 'current_cow_size_age:0', `current_fork_perc:${perc.toFixed(2)}`,
    `current_save_keys_processed:${processed}`, `current_save_keys_total:${total}`,
    `rdb_changes_since_last_save:${changesSinceLastSave}`,
    // Also while replicas' payloads are due (Redis's one child makes them all; shoal one after another).
    `rdb_bgsave_in_progress:${p.bgsaveInProgress || shard.replication.state.payloadsPending > 0 ? 1 : 0}`,
    `rdb_last_save_time:${Math.floor(shard.lastSave / 1000)}`,
    `rdb_last_bgsave_status:${p.lastBgsaveOk ? 'ok' : 'err'}`,
    `rdb_last_bgsave_time_sec:${p.lastBgsaveTimeSec}`,
    `rdb_current_bgsave_time_sec:${p.bgsaveInProgress ? runningSec : '-1'}`,
    `rdb_saves:${p.rdbSaves}`,
    `rdb_last_cow_size:${p.lastCowSize}`,
    `rdb_last_load_keys_expired:${p.lastLoadKeysExpired}`, `rdb_last_load_keys_loaded:${p.lastLoadKeysLoaded}`,
    `aof_enabled:${aofOn ? 1 : 0}`,
    // appendonly just turned on (the cron has not seen it yet) or waiting for its first base: Redis
    // starts that rewrite inside CONFIG SET (in progress when the reply arrives), or schedules it
    // while a save runs.
    `aof_rewrite_in_progress:${p.aofRewriteInProgress || (aofStarting && !p.bgsaveInProgress) ? 1 : 0}`,
    `aof_rewrite_scheduled:${p.aofRewriteScheduled || (aofStarting && p.bgsaveInProgress) ? 1 : 0}`,
    `aof_last_rewrite_time_sec:${p.lastAofRewriteTimeSec}`,
    `aof_current_rewrite_time_sec:${p.aofRewriteInProgress ? runningSec : '-1'}`,
    `aof_last_bgrewrite_status:${p.lastAofRewriteOk ? 'ok' : 'err'}`,
    `aof_rewrites:${p.aofRewrites}`,
    `aof_rewrites_consecutive_failures:${p.aofRewriteFailures}`,
    'aof_last_write_status:ok',
    `aof_last_cow_size:${p.aofLastCowSize}`,
    'module_fork_in_progress:0', 'module_fork_last_cow_size:0',
  ];
  if (aofOn) {
    fields.push(
      `aof_current_size:${aofCurrentSize(aofDirOf(shard), config.appendfilename)}`, `aof_base_size:${p.aofBaseSize}`,
      'aof_pending_rewrite:0', 'aof_buffer_length:0', 'aof_pending_bio_fsync:0', 'aof_delayed_fsync:0',
    );
  }
  return fields;
}
