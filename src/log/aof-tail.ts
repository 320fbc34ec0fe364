// Finds where the valid part of an AOF file ends, the way Redis 7.0 treats a file whose end is torn
// (a crash mid-write): with aof-load-truncated yes it keeps every complete command, drops a partial
// last command, and reverts a MULTI whose EXEC never made it. A malformed command before the end is
// corruption, not a torn tail: that is reported, never "repaired".
import fs from 'node:fs';

const CHUNK = 1 << 20;

export interface AofTail {
  /** Bytes from the start that hold complete commands (outside any unfinished MULTI). */
  validLength: number;
  fileLength: number;
  /** A command before the end does not parse. */
  corruptAt: number | null;
}

/** Sequential reader over a file descriptor with a chunk buffer. */
class FileReader {
  private buf = Buffer.allocUnsafe(CHUNK);
  private start = 0;
  private end = 0;
  /** File offset of buf[0]. */
  private base = 0;
  private readonly fd: number;
  readonly size: number;

  constructor(fd: number, size: number) {
    this.fd = fd;
    this.size = size;
  }

  get position(): number {
    return this.base + this.start;
  }

  /** Ensures n bytes are buffered from the position; false at end of file. */
  private fill(n: number): boolean {
    if (this.end - this.start >= n) return true;
    if (n > this.buf.length) {
      const bigger = Buffer.allocUnsafe(n);
      this.buf.copy(bigger, 0, this.start, this.end);
      this.buf = bigger;
    } else this.buf.copy(this.buf, 0, this.start, this.end);
    this.base += this.start;
    this.end -= this.start;
    this.start = 0;
    while (this.end < n) {
      const read = fs.readSync(this.fd, this.buf, this.end, this.buf.length - this.end, this.base + this.end);
      if (read === 0) return false;
      this.end += read;
    }
    return true;
  }

  /**
   * A line without its "\r\n" (latin1); null when the file ends before the line does, undefined when
   * no line end comes within 64 KiB (headers are short: that is not a torn tail).
   */
  line(): string | null | undefined {
    for (let want = 64; want <= 1 << 16; want *= 2) {
      const filled = this.fill(want);
      const eol = this.buf.subarray(this.start, this.end).indexOf('\r\n', 0, 'latin1');
      if (eol >= 0) {
        const text = this.buf.toString('latin1', this.start, this.start + eol);
        this.start += eol + 2;
        return text;
      }
      if (!filled) return null;
    }
    return undefined;
  }

  /** The next n bytes as latin1 (n small), or null at end of file. */
  take(n: number): string | null {
    if (!this.fill(n)) return null;
    const text = this.buf.toString('latin1', this.start, this.start + n);
    this.start += n;
    return text;
  }

  /** Skips n bytes; false when the file ends first. */
  skip(n: number): boolean {
    if (this.position + n > this.size) return false;
    const buffered = this.end - this.start;
    if (n <= buffered) this.start += n;
    else {
      this.base = this.position + n;
      this.start = 0;
      this.end = 0;
    }
    return true;
  }
}

export function scanAofTail(path: string): AofTail {
  const fd = fs.openSync(path, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const reader = new FileReader(fd, size);
    let valid = 0;
    let multiAt = -1;
    const corrupt = (at: number): AofTail => ({ validLength: multiAt >= 0 ? multiAt : valid, fileLength: size, corruptAt: at });
    while (reader.position < size) {
      const commandStart = reader.position;
      const header = reader.line();
      if (header === null) break; // torn header
      if (header === undefined) return corrupt(commandStart);
      if (header.startsWith('#')) { // annotation (aof-timestamp-enabled)
        valid = reader.position;
        continue;
      }
      const argc = header[0] === '*' ? Number(header.slice(1)) : NaN;
      if (!Number.isInteger(argc) || argc < 1) return corrupt(commandStart);
      let name = '';
      let complete = true;
      for (let i = 0; i < argc && complete; i++) {
        const bulk = reader.line();
        if (bulk === null) { complete = false; break; }
        if (bulk === undefined) return corrupt(commandStart);
        const len = bulk[0] === '$' ? Number(bulk.slice(1)) : NaN;
        if (!Number.isInteger(len) || len < 0) return corrupt(commandStart);
        if (i === 0 && len <= 8) {
          const text = reader.take(len);
          if (text === null) { complete = false; break; }
          name = text.toUpperCase();
        } else if (!reader.skip(len)) { complete = false; break; }
        const crlf = reader.take(2);
        if (crlf === null) { complete = false; break; }
        if (crlf !== '\r\n') return corrupt(commandStart);
      }
      if (!complete) break; // torn last command
      if (name === 'MULTI') multiAt = commandStart;
      else if (name === 'EXEC') multiAt = -1;
      valid = reader.position;
    }
    return { validLength: multiAt >= 0 ? multiAt : valid, fileLength: size, corruptAt: null };
  } finally {
    fs.closeSync(fd);
  }
}
