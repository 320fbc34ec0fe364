// Log lines that Redis's tests wait for (and operators grep for), written at once: console output of
// a worker or the log thread reaches stdout later, through the main thread, and whoever sees the
// event itself (a closed link, rdb_bgsave_in_progress back to 0) may read the log before it arrives.
// Redis writes its log synchronously.
import fs from 'node:fs';

export function logNow(line: string): void {
  try {
    fs.writeSync(1, `${line}\n`);
  } catch {
    console.log(line);
  }
}
