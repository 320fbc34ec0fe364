// A compact binary layout for moving collection values between workers as latin1 strings
// (value-transfer.ts): bytes, lengths as unsigned LEB128 varints, strings as length + bytes.
// Not the RDB format: only shoal's own workers read it.

import { latin1Slice } from '../resp/latin1.ts';

export class PayloadWriter {
  private parts: string[] = [];
  private pending = '';

  byte(b: number): void {
    this.pending += String.fromCharCode(b & 0xff);
  }

  length(n: number): void {
    let s = '';
    while (n >= 0x80) {
      s += String.fromCharCode((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.pending += s + String.fromCharCode(n);
  }

  string(s: string): void {
    this.length(s.length);
    this.pending += s;
    // Keep concatenations short; join once at the end.
    if (this.pending.length > 4096) {
      this.parts.push(this.pending);
      this.pending = '';
    }
  }

  finish(): string {
    this.parts.push(this.pending);
    this.pending = '';
    return this.parts.join('');
  }
}

/**
 * Reads a payload through a Buffer copy so that every string it returns is a fresh flat string:
 * String.prototype.slice would return slices that keep the whole payload alive.
 */
export class PayloadReader {
  private readonly buf: Buffer;
  private pos = 0;

  constructor(s: string) {
    this.buf = Buffer.from(s, 'latin1');
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw new Error('truncated value payload');
    return this.buf[this.pos++]!;
  }

  length(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  string(): string {
    const n = this.length();
    if (this.pos + n > this.buf.length) throw new Error('truncated value payload');
    const out = latin1Slice(this.buf, this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
}
