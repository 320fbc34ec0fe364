import type { RoundProgress } from './run-round.ts';

// Live progress on stderr: a redrawn bar with the current ops/s on a terminal, one plain line per
// second otherwise (CI logs, files).

export class ProgressDisplay {
  private readonly stream: NodeJS.WriteStream;
  private readonly isTTY: boolean;
  private readonly label: string;
  /** Expected total of replies (request-count runs) or of seconds (timed runs). */
  private readonly expected: { replies: number } | { seconds: number };
  private lastCompleted = 0;
  private lastElapsed = 0;
  private lastPlainSecond = 0;
  private drawn = false;

  constructor(stream: NodeJS.WriteStream, label: string, expected: { replies: number } | { seconds: number }) {
    this.stream = stream;
    this.isTTY = stream.isTTY === true;
    this.label = label;
    this.expected = expected;
  }

  update(progress: RoundProgress): void {
    const interval = progress.elapsedSeconds - this.lastElapsed;
    if (interval <= 0) return;
    const rate = (progress.completed - this.lastCompleted) / interval;
    this.lastCompleted = progress.completed;
    this.lastElapsed = progress.elapsedSeconds;
    const fraction =
      'replies' in this.expected ? progress.completed / this.expected.replies : progress.elapsedSeconds / this.expected.seconds;
    const clamped = Math.max(0, Math.min(1, fraction));
    if (this.isTTY) {
      const width = 30;
      const filled = Math.round(clamped * width);
      const bar = '='.repeat(filled) + ' '.repeat(width - filled);
      this.stream.write(`\r${this.label} [${bar}] ${(clamped * 100).toFixed(0).padStart(3)}%  ${Math.round(rate).toLocaleString('en-US')} ops/s   `);
      this.drawn = true;
    } else if (Math.floor(progress.elapsedSeconds) > this.lastPlainSecond) {
      this.lastPlainSecond = Math.floor(progress.elapsedSeconds);
      this.stream.write(`${this.label} ${progress.elapsedSeconds.toFixed(0)}s ${(clamped * 100).toFixed(0)}% ${Math.round(rate)} ops/s ${progress.completed} replies\n`);
    }
  }

  finish(): void {
    if (this.drawn) this.stream.write('\n');
  }
}
