// Encodes merged write effects as Redis's command stream: RESP multibulk commands, a SELECT whenever
// the database changes (or when a reader needs one to start from: a new replica, a new AOF file),
// MULTI … EXEC around the effects of one cross-worker transaction id. One buffer per batch: the AOF
// writer writes it to the file, and replication appends it to the backlog and sends it to replicas.
import type { EffectFrame } from './effect-merger.ts';

const CRLF = 0x0a0d; // "\r\n" as a little-endian uint16

export class StreamEncoder {
  private out = Buffer.allocUnsafe(64 * 1024);
  pos = 0;
  private selectedDb = -1;
  private openTx = 0;

  /** The next effect is preceded by a SELECT whatever the current database (a replica starts here). */
  forceSelect(): void {
    this.selectedDb = -1;
  }

  /** Closes a transaction left open by the previous effect, when the next one is not part of it. */
  closeTransactionBefore(txId: number): void {
    if (this.openTx !== 0 && txId !== this.openTx) {
      this.command(['EXEC']);
      this.openTx = 0;
    }
  }

  append(effect: EffectFrame): void {
    this.closeTransactionBefore(effect.txId);
    if (effect.txId !== 0 && this.openTx === 0) {
      this.select(effect.db);
      this.command(['MULTI']);
      this.openTx = effect.txId;
    }
    this.select(effect.db);
    const data = effect.data;
    let src = effect.argsOffset;
    this.header(0x2a, effect.argc);
    for (let i = 0; i < effect.argc; i++) {
      const len = data.readUInt32LE(src);
      src += 4;
      this.header(0x24, len);
      this.reserve(len + 2);
      data.copy(this.out, this.pos, src, src + len);
      this.pos += len;
      this.out.writeUInt16LE(CRLF, this.pos);
      this.pos += 2;
      src += len;
    }
  }

  /** Closes an open MULTI block when the stream is idle (its end has no marker of its own). */
  endTransaction(): void {
    this.closeTransactionBefore(0);
  }

  /** A command of the stream itself (PING, REPLCONF GETACK *). */
  command(argv: readonly string[]): void {
    this.header(0x2a, argv.length);
    for (const arg of argv) {
      this.header(0x24, Buffer.byteLength(arg, 'latin1'));
      this.reserve(arg.length + 2);
      this.pos += this.out.write(arg, this.pos, 'latin1');
      this.out.writeUInt16LE(CRLF, this.pos);
      this.pos += 2;
    }
  }

  /** The bytes encoded since the last take(), as a view valid until the next append. */
  take(): Buffer {
    const bytes = this.out.subarray(0, this.pos);
    this.pos = 0;
    if (this.out.length > 4 * 1024 * 1024) this.out = Buffer.allocUnsafe(64 * 1024);
    return bytes;
  }

  private select(db: number): void {
    if (db === this.selectedDb) return;
    this.command(['SELECT', String(db)]);
    this.selectedDb = db;
  }

  private header(prefix: number, n: number): void {
    this.reserve(24);
    this.out[this.pos++] = prefix;
    this.pos += this.out.write(String(n), this.pos, 'latin1');
    this.out.writeUInt16LE(CRLF, this.pos);
    this.pos += 2;
  }

  private reserve(bytes: number): void {
    if (this.pos + bytes <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.out.copy(grown, 0, 0, this.pos);
    this.out = grown;
  }
}
