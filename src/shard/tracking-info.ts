import { arrayElements, integerReply } from '../resp/reply-scan.ts';
import type { Session } from './session.ts';
import type { TrackingStats } from './tracking.ts';

/**
 * INFO's tracking figures over every worker: clients and remembered keys are summed (each worker
 * counts its own connections and the keys it owns); the prefix table is the same on every worker.
 */
export async function trackingFigures(session: Session): Promise<TrackingStats> {
  const { shard } = session;
  const replies = await Promise.all(Array.from({ length: shard.workerCount }, (_, w) => shard.request(w, ['@tracking-stats'], 0, 2, session.txId)));
  const total: TrackingStats = { clients: 0, keys: 0, items: 0, prefixes: 0 };
  for (const reply of replies) {
    const fields = arrayElements(reply);
    if (fields === null || fields.length < 4) continue;
    const value = (i: number): number => integerReply(reply, fields[i]![0]) ?? 0;
    total.clients += value(0);
    total.keys += value(1);
    total.items += value(2);
    total.prefixes = Math.max(total.prefixes, value(3));
  }
  return total;
}
