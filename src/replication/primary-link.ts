// A replica's link to its primary (in the log thread): the handshake (PING, AUTH, REPLCONF
// listening-port and capa, PSYNC), the RDB payload of a full resync ($<len> or EOF-marked), then the
// replication stream, handed on as it arrives. REPLCONF ACK <offset> every second and on request.
import net from 'node:net';

export interface PrimaryLinkEvents {
  /** The TCP connection is up: the handshake starts (ROLE says "handshake"). */
  handshaking?(): void;
  /** +FULLRESYNC: the RDB follows. */
  fullResync(replid: string, offset: number): void;
  /** The payload's header arrived: its bytes follow (`length` -1: EOF-marked, length unknown). */
  payloadStart?(length: number): void;
  /** The whole RDB payload arrived. */
  rdb(payload: Buffer): void;
  /** +CONTINUE [replid]: the stream goes on from the offset asked for. */
  continued(replid: string | null): void;
  /** Stream bytes (after the RDB or +CONTINUE). */
  stream(bytes: Buffer): void;
  /** The link dropped or the handshake failed. */
  closed(reason: string): void;
}

type Phase = 'handshake' | 'psync' | 'bulk-header' | 'bulk' | 'stream' | 'closed';

function command(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
  return out;
}

export class PrimaryLink {
  readonly host: string;
  readonly port: number;
  private readonly socket: net.Socket;
  private readonly events: PrimaryLinkEvents;
  phase: Phase = 'handshake';
  /** Payload bytes received so far (while phase is 'bulk'). */
  get payloadReceived(): number {
    return this.bulkLength;
  }
  lastIo = Date.now();
  private input: Buffer = Buffer.alloc(0);
  /** Handshake commands not sent yet, and the one whose reply is awaited. */
  private readonly steps: string[][] = [];
  private current: string[] = [];
  private bulkLeft = 0;
  private eofMark: Buffer | null = null;
  private bulkChunks: Buffer[] = [];
  private bulkLength = 0;

  constructor(host: string, port: number, handshake: { listeningPort: number; announceIp?: string; auth: string | null; psyncReplid: string; psyncOffset: number }, events: PrimaryLinkEvents) {
    this.host = host;
    this.port = port;
    this.events = events;
    this.socket = net.connect({ host, port, noDelay: true });
    // One command at a time, as Redis's replica does: a primary refuses PSYNC while it still owes replies.
    this.steps.push(['PING']);
    if (handshake.auth !== null) this.steps.push(['AUTH', handshake.auth]);
    this.steps.push(['REPLCONF', 'listening-port', String(handshake.listeningPort)]);
    if (handshake.announceIp) this.steps.push(['REPLCONF', 'ip-address', handshake.announceIp]);
    this.steps.push(['REPLCONF', 'capa', 'eof', 'capa', 'psync2']);
    this.steps.push(['PSYNC', handshake.psyncReplid, String(handshake.psyncOffset)]);
    this.socket.on('connect', () => {
      this.events.handshaking?.();
      this.nextStep();
    });
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.close(`error: ${err.message}`));
    this.socket.on('close', () => this.close('connection closed'));
  }

  get connected(): boolean {
    return this.phase !== 'closed' && this.socket.readyState === 'open';
  }

  sendAck(offset: number): void {
    if (this.phase === 'stream' && !this.socket.destroyed) this.socket.write(command(['REPLCONF', 'ACK', String(offset)]));
  }

  close(reason: string): void {
    if (this.phase === 'closed') return;
    this.phase = 'closed';
    this.socket.destroy();
    this.events.closed(reason);
  }

  private nextStep(): void {
    this.current = this.steps.shift()!;
    if (this.steps.length === 0) this.phase = 'psync';
    this.socket.write(command(this.current));
  }

  private line(): string | null {
    const eol = this.input.indexOf('\r\n');
    if (eol < 0) return null;
    const text = this.input.toString('latin1', 0, eol);
    this.input = this.input.subarray(eol + 2);
    return text;
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed') return;
    this.lastIo = Date.now();
    if (this.phase === 'stream') {
      this.events.stream(chunk);
      return;
    }
    this.input = this.input.length === 0 ? chunk : Buffer.concat([this.input, chunk]);
    for (;;) {
      if (this.phase === 'handshake' || this.phase === 'psync') {
        while (this.phase === 'psync' && this.input.length > 0 && this.input[0] === 0x0a) this.input = this.input.subarray(1);
        const reply = this.line();
        if (reply === null) return;
        if (this.phase === 'handshake') {
          const what = this.current[0] === 'REPLCONF' ? `REPLCONF ${this.current[1]}` : this.current[0]!;
          // As Redis: -NOAUTH to PING is fine (AUTH follows), errors to REPLCONF are not critical; others end the attempt.
          if (reply.startsWith('-') && !(what === 'PING' && reply.startsWith('-NOAUTH')) && !what.startsWith('REPLCONF')) {
            this.close(`${what} answered ${reply}`);
            return;
          }
          this.nextStep();
          continue;
        }
        // The primary may send empty lines before its answer, to keep the link alive.
        if (reply === '' || reply === '\n') continue;
        if (reply.startsWith('+FULLRESYNC')) {
          const [, replid, offset] = reply.split(' ');
          this.phase = 'bulk-header';
          this.events.fullResync(replid!, Number(offset));
          continue;
        }
        if (reply.startsWith('+CONTINUE')) {
          const replid = reply.split(' ')[1] ?? null;
          this.phase = 'stream';
          this.events.continued(replid);
          const rest = this.input;
          this.input = Buffer.alloc(0);
          if (rest.length > 0) this.events.stream(rest);
          return;
        }
        this.close(`PSYNC answered ${reply}`);
        return;
      }
      if (this.phase === 'bulk-header') {
        // The primary may send newlines to keep the link alive while it prepares the payload.
        while (this.input.length > 0 && this.input[0] === 0x0a) this.input = this.input.subarray(1);
        const header = this.line();
        if (header === null) return;
        if (header === '') continue;
        if (header.startsWith('$EOF:')) {
          this.eofMark = Buffer.from(header.slice(5), 'latin1');
          this.bulkLeft = -1;
        } else if (header.startsWith('$')) {
          this.bulkLeft = Number(header.slice(1));
          this.eofMark = null;
        } else {
          this.close(`bad bulk header ${header}`);
          return;
        }
        this.phase = 'bulk';
        this.bulkChunks = [];
        this.bulkLength = 0;
        this.events.payloadStart?.(this.bulkLeft);
        continue;
      }
      if (this.phase === 'bulk') {
        if (this.eofMark === null) {
          const take = Math.min(this.bulkLeft, this.input.length);
          this.bulkChunks.push(this.input.subarray(0, take));
          this.bulkLength += take;
          this.bulkLeft -= take;
          this.input = this.input.subarray(take);
          if (this.bulkLeft > 0) return;
          this.finishBulk(Buffer.concat(this.bulkChunks, this.bulkLength));
        } else {
          // The mark can only be in the new bytes or straddle into them: search that window only
          // (a payload of hundreds of MB arrives in thousands of chunks), and join the chunks once.
          const chunk = this.input;
          const windowStart = Math.max(0, this.bulkLength - (this.eofMark.length - 1));
          const window = Buffer.concat([tailOf(this.bulkChunks, this.bulkLength - windowStart), chunk]);
          this.bulkChunks.push(chunk);
          this.bulkLength += chunk.length;
          this.input = Buffer.alloc(0);
          const found = window.indexOf(this.eofMark);
          if (found < 0) return;
          const at = windowStart + found;
          const all = Buffer.concat(this.bulkChunks, this.bulkLength);
          this.input = all.subarray(at + this.eofMark.length);
          this.finishBulk(all.subarray(0, at));
        }
        const rest = this.input;
        this.input = Buffer.alloc(0);
        if (rest.length > 0) this.events.stream(rest);
        return;
      }
      return;
    }
  }

  private finishBulk(payload: Buffer): void {
    this.phase = 'stream';
    this.bulkChunks = [];
    this.events.rdb(payload);
  }
}

/** The last `length` bytes of a list of chunks, as one Buffer. */
function tailOf(chunks: readonly Buffer[], length: number): Buffer {
  const parts: Buffer[] = [];
  for (let i = chunks.length - 1; i >= 0 && length > 0; i--) {
    const c = chunks[i]!;
    const take = Math.min(length, c.length);
    parts.unshift(c.subarray(c.length - take));
    length -= take;
  }
  return Buffer.concat(parts);
}
