import { createReplyReader } from './redis-parser-reader.ts';
import type { ReplyReader, ReplyReaderName, ReplySink } from './reply-reader.ts';
import { TcpConnection, WRITE_DONE, type TcpEvents } from './tcp-connection.ts';

// One TCP connection of a bench client. Requests are encoded into a preallocated output buffer and
// written once per batch; what is in flight is kept in typed-array rings (no object per request),
// and replies are matched to requests in order.

/** Ring entry tags below zero mark requests that are not part of the workload. */
export const ENTRY_SETUP = -1;
export const ENTRY_ASKING = -2;

/** Numbers per in-flight request in BenchConnection.entries: template, send time, request bytes. */
const ENTRY_FIELDS = 3;
/** Numbers per template in BenchConnection.groups: replies, request bytes, reply bytes. */
const GROUP_FIELDS = 3;

/** Called by the connection; implemented by BenchClient. */
export interface ConnectionOwner {
  /** `count` successful replies to requests of one template sent at `sentAt`, read at `connection.now`. */
  onRequestsDone(connection: BenchConnection, templateIndex: number, sentAt: number, count: number, txBytes: number, rxBytes: number): void;
  /** One reply that needs a look of its own: an error (a MOVED/ASK may be followed). */
  onRequestDone(connection: BenchConnection, templateIndex: number, sentAt: number, keyNumber: number, txBytes: number, rxBytes: number, redirects: number, errorMessage: string | null): void;
  onRepliesRead(connection: BenchConnection): void;
  onConnectionReady(connection: BenchConnection): void;
  onSetupError(connection: BenchConnection, message: string): void;
  onConnectionLost(connection: BenchConnection, reason: string, lostRequests: number): void;
}

const OUTPUT_CHUNK_BYTES = 64 * 1024;
/**
 * A connection's first output buffer: a pipeline batch of small requests fits in it, and
 * ensureSpace() grows it for larger ones (64 KB per connection up front was 3 MB for 50 clients,
 * touched and zero-paged at start-up for nothing).
 */
const INITIAL_OUTPUT_BYTES = 4096;
/** Reused views of the output buffer in flush() (see `views`): a direct-mapped cache by length. */
const VIEW_CACHE_SIZE = 64;

// The global `performance` is a lazy accessor that Node checks on every read of it: the read path
// (one clock read per read) takes the object once.
const clock = performance;

// Reads land in one buffer per thread (bench/tcp-connection.ts): no Buffer and no event per read.
// The reader consumes each read synchronously and copies any partial reply it must keep.
const READ_BUFFER = Buffer.allocUnsafeSlow(64 * 1024);

export class BenchConnection implements ReplySink, TcpEvents {
  readonly nodeIndex: number;
  readonly address: string;
  private readonly owner: ConnectionOwner;
  private readonly tcp: TcpConnection;
  private readonly reader: ReplyReader;
  // Output: requests are appended at outEnd; [outStart, outEnd) is not yet written. A range the
  // kernel could not take at once belongs to libuv until sent, so the buffer is then not rewound:
  // when it fills up, a new one is taken and the old one is collected after libuv is done with it.
  out: Buffer = Buffer.allocUnsafeSlow(INITIAL_OUTPUT_BYTES);
  outEnd = 0;
  private outStart = 0;
  /**
   * Views of `out` from its start, at index length % VIEW_CACHE_SIZE: a batch usually starts at 0
   * and has one of a few lengths, so flush() reuses a view instead of allocating one per batch (most
   * of the run's garbage). 64 entries, not one per possible length: an array of 2048 per connection
   * was 100 000 stores and ~0.8 MB of pages touched at start-up for 50 connections.
   */
  private views: Buffer[] = [];
  private viewsOf: Buffer | null = null;
  /** Set when requests were appended and not yet flushed (cluster clients flush several connections). */
  dirty = false;
  /**
   * What `out` holds from its start: the offset (slots[2i]) and request image (slots[2i + 1];
   * RequestEncoder.imageFor, -1 for none) of each of the first `layoutSlots` requests of the last
   * batch BenchClient.fillPipeline wrote there, which rewrites only the keys of a request whose offset
   * and image are unchanged. 0 when anything else was written there since, or the buffer was replaced.
   */
  readonly slots: Int32Array;
  layoutSlots = 0;
  // In-flight ring: ENTRY_FIELDS numbers per request in one array (template, send time, request
  // bytes), so a batch's bookkeeping touches one typed array per connection, not one per field
  // (with 50 connections, the arrays' headers and data did not stay in the cache).
  private entries: Float64Array;
  /** Ring capacity (a power of two) - 1. */
  private mask: number;
  /** Key number and MOVED/ASK redirections already followed, per ring slot: read only in cluster mode. */
  private entryKey: Float64Array;
  private entryRedirects: Uint8Array;
  private head = 0;
  inFlight = 0;
  // Successful replies are grouped by send time (a batch's requests share it) and template, and each
  // group is handed to the owner once (flushGroups): when the replies reach the next batch, and at the
  // end of each read. One recording per group instead of one per reply; per template, as a 1:1
  // SET/GET mix alternates them within a batch.
  private groupSentAt = Number.NaN;
  /** Per template: count, request bytes, reply bytes (GROUP_FIELDS numbers each). */
  private readonly groups: Float64Array;
  private pendingSetup = 0;
  /** Receive time (performance.now()) of the chunk being read. */
  now = 0;
  ready = false;
  private closing = false;
  private lost = false;

  constructor(owner: ConnectionOwner, nodeIndex: number, host: string, port: number, setupCommands: Buffer[], readerName: ReplyReaderName, capacity: number, templateCount: number) {
    this.owner = owner;
    this.groups = new Float64Array(templateCount * GROUP_FIELDS);
    this.nodeIndex = nodeIndex;
    this.address = `${host}:${port}`;
    let size = 16;
    while (size < capacity) size *= 2;
    this.entries = new Float64Array(size * ENTRY_FIELDS);
    this.mask = size - 1;
    this.entryKey = new Float64Array(size);
    this.entryRedirects = new Uint8Array(size);
    this.slots = new Int32Array(size * 2);
    this.reader = createReplyReader(readerName, this);
    for (const command of setupCommands) {
      this.ensureSpace(command.length);
      command.copy(this.out, this.outEnd);
      this.outEnd += command.length;
      this.push(ENTRY_SETUP, 0, 0, command.length, 0);
      this.pendingSetup++;
    }
    this.tcp = new TcpConnection(host, port, READ_BUFFER, this);
  }

  /** Makes room for `bytes` more bytes at outEnd. */
  ensureSpace(bytes: number): void {
    if (this.outEnd + bytes <= this.out.length) return;
    const pending = this.outEnd - this.outStart;
    const next = Buffer.allocUnsafeSlow(Math.max(OUTPUT_CHUNK_BYTES, (pending + bytes) * 2));
    this.out.copy(next, 0, this.outStart, this.outEnd);
    this.out = next;
    this.layoutSlots = 0;
    this.outStart = 0;
    this.outEnd = pending;
  }

  /** Records a request just appended to the output buffer. */
  push(templateIndex: number, sentAt: number, keyNumber: number, txBytes: number, redirects: number): void {
    if (this.inFlight > this.mask) this.growRing();
    const slot = (this.head + this.inFlight) & this.mask;
    const entry = slot * ENTRY_FIELDS;
    this.entries[entry] = templateIndex;
    this.entries[entry + 1] = sentAt;
    this.entries[entry + 2] = txBytes;
    this.entryKey[slot] = keyNumber;
    this.entryRedirects[slot] = redirects;
    this.inFlight++;
  }

  /**
   * push() for BenchClient.fillPipeline, which serves no cluster: a request's key and redirections
   * are read only to follow a MOVED/ASK reply, so they are not stored.
   */
  pushUnrouted(templateIndex: number, sentAt: number, txBytes: number): void {
    if (this.inFlight > this.mask) this.growRing();
    const entry = ((this.head + this.inFlight) & this.mask) * ENTRY_FIELDS;
    const entries = this.entries;
    entries[entry] = templateIndex;
    entries[entry + 1] = sentAt;
    entries[entry + 2] = txBytes;
    this.inFlight++;
  }

  flush(): void {
    this.dirty = false;
    if (this.outEnd === this.outStart || this.lost || this.closing) return;
    // Before the connection is up, or while libuv still holds an earlier batch, new requests wait in
    // the buffer and go out together on connect (onConnect) or when it drains (onDrained).
    if (this.tcp.connecting || this.tcp.pending) return;
    const batch = this.outStart === 0 ? this.viewFromStart(this.outEnd) : this.out.subarray(this.outStart, this.outEnd);
    if (this.tcp.write(batch) === WRITE_DONE) {
      // The kernel took the whole batch: the next one reuses the buffer from its start.
      this.outStart = 0;
      this.outEnd = 0;
      return;
    }
    this.outStart = this.outEnd;
  }

  private viewFromStart(length: number): Buffer {
    if (this.viewsOf !== this.out) {
      // A dense array (filled, not holey by index), so the lookup stays a plain element load; the
      // empty view stands for "none" (no batch has length 0).
      this.views = new Array<Buffer>(VIEW_CACHE_SIZE).fill(this.out.subarray(0, 0));
      this.viewsOf = this.out;
    }
    const index = length & (VIEW_CACHE_SIZE - 1);
    let view = this.views[index];
    if (view.length !== length) {
      view = this.out.subarray(0, length);
      this.views[index] = view;
    }
    return view;
  }

  onDrained(): void {
    // The buffer holding the drained batch is free again; what was appended behind it goes now.
    if (this.outStart === this.outEnd) {
      this.outStart = 0;
      this.outEnd = 0;
    } else {
      this.flush();
    }
  }

  close(): void {
    this.closing = true;
    this.tcp.close();
  }

  onReply(byteLength: number): void {
    this.completeHead(byteLength, null);
  }

  onErrorReply(message: string, byteLength: number): void {
    this.completeHead(byteLength, message);
  }

  private completeHead(rxBytes: number, errorMessage: string | null): void {
    if (this.inFlight === 0) throw new Error(`protocol error: a reply from ${this.address} without a request`);
    const slot = this.head;
    const entries = this.entries;
    const entry = slot * ENTRY_FIELDS;
    const templateIndex = entries[entry];
    this.head = (slot + 1) & this.mask;
    this.inFlight--;
    if (templateIndex >= 0) {
      if (errorMessage === null) {
        const sentAt = entries[entry + 1];
        if (sentAt !== this.groupSentAt) {
          this.flushGroups();
          this.groupSentAt = sentAt;
        }
        const group = templateIndex * GROUP_FIELDS;
        const groups = this.groups;
        groups[group]++;
        groups[group + 1] += entries[entry + 2];
        groups[group + 2] += rxBytes;
        return;
      }
      this.owner.onRequestDone(this, templateIndex, entries[entry + 1], this.entryKey[slot], entries[entry + 2], rxBytes, this.entryRedirects[slot], errorMessage);
    } else if (templateIndex === ENTRY_SETUP) {
      if (errorMessage !== null) {
        this.owner.onSetupError(this, errorMessage);
        return;
      }
      this.pendingSetup--;
      this.checkReady();
    }
    // An ASKING reply is +OK; an error there also shows up as the error of the request behind it.
  }

  /** Hands every pending group over (see groupSentAt). */
  private flushGroups(): void {
    const groups = this.groups;
    for (let group = 0, templateIndex = 0; group < groups.length; group += GROUP_FIELDS, templateIndex++) {
      const count = groups[group];
      if (count === 0) continue;
      const txBytes = groups[group + 1];
      const rxBytes = groups[group + 2];
      groups[group] = 0;
      groups[group + 1] = 0;
      groups[group + 2] = 0;
      this.owner.onRequestsDone(this, templateIndex, this.groupSentAt, count, txBytes, rxBytes);
    }
  }

  private growRing(): void {
    const size = this.mask + 1;
    const entries = new Float64Array(size * 2 * ENTRY_FIELDS);
    const key = new Float64Array(size * 2);
    const redirects = new Uint8Array(size * 2);
    for (let i = 0; i < this.inFlight; i++) {
      const from = (this.head + i) & this.mask;
      entries.set(this.entries.subarray(from * ENTRY_FIELDS, (from + 1) * ENTRY_FIELDS), i * ENTRY_FIELDS);
      key[i] = this.entryKey[from];
      redirects[i] = this.entryRedirects[from];
    }
    this.entries = entries;
    this.entryKey = key;
    this.entryRedirects = redirects;
    this.mask = size * 2 - 1;
    this.head = 0;
  }

  private checkReady(): void {
    if (!this.ready && this.pendingSetup === 0 && !this.tcp.connecting) {
      this.ready = true;
      this.owner.onConnectionReady(this);
    }
  }

  onConnect(): void {
    this.flush();
    this.checkReady();
  }

  onData(length: number): void {
    this.now = clock.now();
    try {
      this.reader.feed(READ_BUFFER, length);
    } catch (error) {
      this.flushGroups();
      this.tcp.destroy((error as Error).message);
      return;
    }
    this.flushGroups();
    this.owner.onRepliesRead(this);
  }

  onClosed(reason: string): void {
    if (this.closing || this.lost) return;
    this.lost = true;
    let lostRequests = 0;
    for (let i = 0; i < this.inFlight; i++) {
      if (this.entries[((this.head + i) & this.mask) * ENTRY_FIELDS] >= 0) lostRequests++;
    }
    this.inFlight = 0;
    this.owner.onConnectionLost(this, reason, lostRequests);
  }
}

/** RESP encoding of a command given as words, for setup commands (AUTH, HELLO, ASKING). */
export function encodeCommand(words: readonly string[]): Buffer {
  let text = `*${words.length}\r\n`;
  for (const word of words) text += `$${Buffer.byteLength(word)}\r\n${word}\r\n`;
  return Buffer.from(text, 'utf8');
}

/** The commands a connection sends before the workload: protocol selection and authentication. */
export function setupCommands(protocol: 2 | 3, user: string | null, password: string | null): Buffer[] {
  if (protocol === 3) {
    const hello = ['HELLO', '3'];
    if (password !== null) hello.push('AUTH', user ?? 'default', password);
    return [encodeCommand(hello)];
  }
  if (password === null) return [];
  return [encodeCommand(user === null ? ['AUTH', password] : ['AUTH', user, password])];
}
