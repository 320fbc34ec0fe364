// Latin1 is how shoal moves bytes in and out of JS strings: every byte 0..255 maps to one UTF-16 code
// unit below 256, so keys and values stay binary-safe and V8 stores them as compact one-byte strings.
//
// Buffer.prototype.latin1Slice / latin1Write exist at runtime (they are what toString('latin1') and
// write(s, 'latin1') call after dispatching on the encoding name) but @types/node does not declare
// them. Calling them directly skips the encoding lookup on the hot path.

interface Latin1Methods {
  latin1Slice(start: number, end: number): string;
  latin1Write(s: string, offset: number, length: number): number;
}

/** The bytes [start, end) of buf as a latin1 string. */
export function latin1Slice(buf: Buffer, start: number, end: number): string {
  return (buf as unknown as Latin1Methods).latin1Slice(start, end);
}

/** Writes s as latin1 at offset (caller guarantees room for s.length bytes); returns bytes written. */
export function latin1Write(buf: Buffer, s: string, offset: number): number {
  return (buf as unknown as Latin1Methods).latin1Write(s, offset, s.length);
}
