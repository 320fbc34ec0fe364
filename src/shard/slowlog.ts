/** One SLOWLOG entry as Redis reports it. */
export interface SlowLogEntry {
  id: number;
  /** Unix time in seconds and microseconds (ordering across workers). */
  timeUs: number;
  durationUs: number;
  argv: string[];
  addr: string;
  name: string;
}

const MAX_ARGC = 32;
const MAX_ARG_BYTES = 128;

/**
 * The slow log of one worker: commands its clients ran that took longer than
 * slowlog-log-slower-than microseconds, newest first, at most slowlog-max-len. SLOWLOG merges the
 * workers' logs by time. Arguments are trimmed as Redis trims them.
 */
export class SlowLog {
  entries: SlowLogEntry[] = [];
  private nextId = 0;
  private readonly worker: number;
  private readonly workerCount: number;

  constructor(worker: number, workerCount: number) {
    this.worker = worker;
    this.workerCount = workerCount;
  }

  add(argv: readonly string[], durationUs: number, addr: string, name: string, maxLen: number): void {
    const kept: string[] = [];
    const argc = Math.min(argv.length, MAX_ARGC);
    for (let i = 0; i < argc; i++) {
      if (argc < argv.length && i === argc - 1) {
        kept.push(`... (${argv.length - argc + 1} more arguments)`);
        break;
      }
      const arg = argv[i]!;
      kept.push(arg.length > MAX_ARG_BYTES ? `${arg.slice(0, MAX_ARG_BYTES)}... (${arg.length - MAX_ARG_BYTES} more bytes)` : arg);
    }
    const id = this.nextId++ * this.workerCount + this.worker;
    this.entries.unshift({ id, timeUs: Math.round((performance.timeOrigin + performance.now()) * 1000), durationUs: Math.round(durationUs), argv: kept, addr, name });
    if (this.entries.length > maxLen) this.entries.length = Math.max(0, maxLen);
  }

  reset(): void {
    this.entries = [];
  }
}
