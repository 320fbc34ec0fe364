/** The figures one worker reports for INFO (gathered with '@stats'). */
export interface WorkerStats {
  commands: number;
  opsPerSec: number;
  connectionsReceived: number;
  clients: number;
  blockedClients: number;
  keys: number;
  expiredKeys: number;
  evictedKeys: number;
  hits: number;
  misses: number;
  dirty: number;
  pubsubChannels: number;
  pubsubPatterns: number;
  hopsOut: number;
  hopsIn: number;
  netInput: number;
  netOutput: number;
  reads: number;
  writes: number;
  errorReplies: number;
  /** name → [calls, usec, rejected_calls, failed_calls] */
  commandStats: Record<string, [number, number, number, number]>;
  /** error code (first word) → count */
  errorStats: Record<string, number>;
  /** This worker's part of a running BGSAVE/rewrite: [cow bytes, keys saved, keys total] (persistence-info.ts). */
  saveProgress?: [number, number, number];
}
