import { BenchConnection, ENTRY_ASKING, encodeCommand, type ConnectionOwner } from './bench-connection.ts';
import type { KeyGenerator } from './key-pattern.ts';
import type { LoadThread } from './load-thread.ts';

// One simulated client: keeps up to --pipeline requests in flight, picks each request's command
// from the ratio schedule and its key from the key pattern, and under --rate-limit issues requests
// on a fixed timetable. In cluster mode it has one connection per node and routes by key slot.
//
// Latency is measured from `sentAt`: the time the request was written, or under --rate-limit the
// time it was due. A server stall therefore counts against every request that should have been
// sent during it, not just the one that was waiting (coordinated-omission correction).

const ASKING_COMMAND = encodeCommand(['ASKING']);

/**
 * Redirections one request may follow before its last MOVED/ASK reply counts as an error of that kind
 * (as cluster clients do: lettuce and Jedis stop at 5), so two nodes that disagree about a slot
 * cannot keep a request bouncing forever.
 */
export const MAX_REDIRECTIONS = 5;

export class BenchClient implements ConnectionOwner {
  private readonly thread: LoadThread;
  private readonly keys: KeyGenerator;
  /** Connections by cluster node index; a single one outside cluster mode. */
  private readonly connections: (BenchConnection | null)[] = [];
  private inFlight = 0;
  private remaining: number;
  private scheduleIndex: number;
  private nextIntendedAt = 0;
  private stopping = false;
  private done = false;

  constructor(thread: LoadThread, clientIndex: number, keys: KeyGenerator, requests: number) {
    this.thread = thread;
    this.keys = keys;
    this.remaining = requests;
    // Clients start at different points of the schedule, so a 1:10 mix is mixed across clients
    // from the first request on.
    this.scheduleIndex = clientIndex % thread.schedule.length;
    const nodeCount = thread.slotMap === null ? 1 : thread.slotMap.nodes.length;
    for (let node = 0; node < nodeCount; node++) this.connectionFor(node);
  }

  /**
   * Starts issuing requests. Under --rate-limit the first request is due at `firstDueAt` (which may
   * be before `now`: the requests due since then go out at once and count as late).
   */
  start(now: number, firstDueAt: number): void {
    this.nextIntendedAt = firstDueAt;
    this.fill(now);
    this.flushConnections();
  }

  /** Issues requests while the pipeline has room (and, when rate-limited, while they are due). */
  fill(now: number): void {
    const thread = this.thread;
    // Setup replies (HELLO, AUTH) arrive before the thread is released: sending then would put
    // requests on the server that the report does not count, and a late start timer would let a
    // few of their replies into the measurement on top of --requests.
    if (!thread.started) return;
    if (thread.slotMap === null && thread.rateIntervalMs === 0) {
      this.fillPipeline(now);
      return;
    }
    const rateInterval = thread.rateIntervalMs;
    while (this.inFlight < thread.pipeline && !this.stopping) {
      let sentAt = now;
      if (rateInterval > 0) {
        if (this.nextIntendedAt > now) break;
        sentAt = this.nextIntendedAt;
      }
      if (sentAt >= thread.measureEnd) {
        this.stopping = true;
        break;
      }
      if (sentAt >= thread.measureStart) {
        if (this.remaining === 0) {
          this.stopping = true;
          break;
        }
        this.remaining--;
      }
      if (rateInterval > 0) this.nextIntendedAt += rateInterval;
      const templateIndex = thread.schedule[this.scheduleIndex];
      this.scheduleIndex = this.scheduleIndex + 1 === thread.schedule.length ? 0 : this.scheduleIndex + 1;
      this.send(templateIndex, this.keys.nextKey(), sentAt, -1, false, 0);
    }
  }

  /**
   * fill() without a rate limit or cluster routing, the usual load: the pipeline's free room is
   * filled in one go, all requests sent at `now` (so all counted, or none, by the warm-up), their
   * output space made once.
   */
  private fillPipeline(now: number): void {
    const thread = this.thread;
    const room = thread.pipeline - this.inFlight;
    if (room <= 0 || this.stopping) return;
    if (now >= thread.measureEnd) {
      this.stopping = true;
      return;
    }
    let count = room;
    if (now >= thread.measureStart) {
      // The client stops once it would send a request beyond its --requests. Computed without a
      // branch: V8 gathers no type feedback in a function's first calls, and code first reached at
      // the end of the run, after V8 optimised this function, deoptimised it (and it was compiled
      // again, for nothing, as the run ended).
      count = Math.min(room, this.remaining);
      this.stopping = this.remaining < room;
      this.remaining -= count;
    }
    if (count === 0) return;
    const encoder = thread.encoder;
    const schedule = thread.schedule;
    const keys = this.keys;
    const connection = this.connections[0] as BenchConnection;
    connection.ensureSpace(count * encoder.maxRequestBytes);
    const out = connection.out;
    const start = connection.outEnd;
    let outEnd = start;
    let scheduleIndex = this.scheduleIndex;
    // When the batch starts at the buffer's start (the usual case: the kernel took the previous batch
    // whole), it is written over the previous one, as redis-benchmark rewrites only the keys of its
    // prebuilt batch: a request at the offset where the previous batch had a request of the same
    // image (template and key length) needs only its key digits, not a copy of the whole request.
    const layoutSlots = start === 0 ? connection.layoutSlots : 0;
    const slots = connection.slots;
    for (let i = 0; i < count; i++) {
      const templateIndex = schedule[scheduleIndex];
      scheduleIndex = scheduleIndex + 1 === schedule.length ? 0 : scheduleIndex + 1;
      const keyNumber = keys.nextKey();
      const image = encoder.imageFor(templateIndex, keyNumber);
      let end: number;
      if (image < 0) {
        end = encoder.encodeWithKey(out, outEnd, templateIndex, keyNumber);
      } else {
        if (i >= layoutSlots || slots[2 * i] !== outEnd || slots[2 * i + 1] !== image) encoder.copyImage(out, outEnd, image);
        end = encoder.writeKey(out, outEnd, image, keyNumber);
      }
      slots[2 * i] = outEnd;
      slots[2 * i + 1] = image;
      connection.pushUnrouted(templateIndex, now, end - outEnd);
      outEnd = end;
    }
    connection.layoutSlots = start === 0 ? count : 0;
    this.scheduleIndex = scheduleIndex;
    connection.outEnd = outEnd;
    connection.dirty = true;
    this.inFlight += count;
  }

  stop(): void {
    this.stopping = true;
    this.checkDone();
  }

  flushConnections(): void {
    for (let i = 0; i < this.connections.length; i++) {
      const connection = this.connections[i];
      if (connection !== null && connection.dirty) connection.flush();
    }
  }

  checkDone(): void {
    if (!this.done && this.stopping && this.inFlight === 0) {
      this.done = true;
      this.thread.onClientDone();
    }
  }

  closeConnections(): void {
    for (const connection of this.connections) connection?.close();
  }

  /** Appends one request to the connection that serves its key (or `nodeIndex`, when given). */
  private send(templateIndex: number, keyNumber: number, sentAt: number, nodeIndex: number, asking: boolean, redirects: number): void {
    const thread = this.thread;
    const encoder = thread.encoder;
    let connection: BenchConnection;
    if (thread.slotMap === null) {
      // One connection, no redirections: the short way (RequestEncoder.encodeWithKey).
      connection = this.connections[0] as BenchConnection;
      connection.layoutSlots = 0;
      connection.ensureSpace(encoder.maxBytes(templateIndex));
      const end = encoder.encodeWithKey(connection.out, connection.outEnd, templateIndex, keyNumber);
      connection.push(templateIndex, sentAt, keyNumber, end - connection.outEnd, redirects);
      connection.outEnd = end;
      connection.dirty = true;
      this.inFlight++;
      return;
    }
    encoder.formatKey(keyNumber);
    let node = nodeIndex;
    if (node < 0) node = encoder.usesKey(templateIndex) ? thread.slotMap.slotToNode[thread.slotMap.slotOf(encoder.keyScratch.toString('latin1', 0, encoder.keyLength))] : 0;
    connection = this.connectionFor(node < 0 ? 0 : node);
    connection.layoutSlots = 0;
    if (asking) {
      connection.ensureSpace(ASKING_COMMAND.length);
      ASKING_COMMAND.copy(connection.out, connection.outEnd);
      connection.outEnd += ASKING_COMMAND.length;
      connection.push(ENTRY_ASKING, sentAt, 0, ASKING_COMMAND.length, 0);
    }
    connection.ensureSpace(encoder.maxBytes(templateIndex));
    const end = encoder.encode(connection.out, connection.outEnd, templateIndex);
    connection.push(templateIndex, sentAt, keyNumber, end - connection.outEnd, redirects);
    connection.outEnd = end;
    connection.dirty = true;
    this.inFlight++;
  }

  private connectionFor(nodeIndex: number): BenchConnection {
    const existing = this.connections[nodeIndex];
    if (existing) return existing;
    const thread = this.thread;
    const address = thread.slotMap === null ? thread.address : thread.slotMap.nodes[nodeIndex];
    while (this.connections.length <= nodeIndex) this.connections.push(null);
    const connection = new BenchConnection(this, nodeIndex, address.host, address.port, thread.setupCommands, thread.replyReader, thread.pipeline + 8, thread.templateCount);
    this.connections[nodeIndex] = connection;
    thread.onConnectionOpened();
    return connection;
  }

  onRequestsDone(connection: BenchConnection, templateIndex: number, sentAt: number, count: number, txBytes: number, rxBytes: number): void {
    this.inFlight -= count;
    const thread = this.thread;
    if (sentAt < thread.measureStart) return;
    const now = connection.now;
    thread.recorder.recordRun(templateIndex, Math.round((now - sentAt) * 1000), count, txBytes, rxBytes, now);
  }

  onRequestDone(connection: BenchConnection, templateIndex: number, sentAt: number, keyNumber: number, txBytes: number, rxBytes: number, redirects: number, errorMessage: string | null): void {
    this.inFlight--;
    const thread = this.thread;
    if (errorMessage !== null && thread.slotMap !== null && redirects < MAX_REDIRECTIONS && (errorMessage.startsWith('MOVED ') || errorMessage.startsWith('ASK '))) {
      this.redirect(connection, templateIndex, sentAt, keyNumber, redirects + 1, errorMessage);
      return;
    }
    if (sentAt < thread.measureStart) return;
    const now = connection.now;
    thread.recorder.record(templateIndex, Math.round((now - sentAt) * 1000), txBytes, rxBytes, now);
    if (errorMessage !== null) thread.recorder.countError(templateIndex, errorKindOf(errorMessage));
  }

  /** Follows "MOVED <slot> <host>:<port>" (updating the slot map) or "ASK <slot> <host>:<port>" (once). */
  private redirect(connection: BenchConnection, templateIndex: number, sentAt: number, keyNumber: number, redirects: number, message: string): void {
    const thread = this.thread;
    const slotMap = thread.slotMap!;
    const [kind, slotText, address] = message.split(' ');
    const colon = address.lastIndexOf(':');
    const host = colon > 0 ? address.slice(0, colon) : connection.address.slice(0, connection.address.lastIndexOf(':'));
    const nodeIndex = slotMap.nodeIndex(host, Number(address.slice(colon + 1)));
    const moved = kind === 'MOVED';
    if (moved) slotMap.slotToNode[Number(slotText)] = nodeIndex;
    if (sentAt >= thread.measureStart) thread.recorder.countRedirect(kind);
    this.send(templateIndex, keyNumber, sentAt, nodeIndex, !moved, redirects);
  }

  onRepliesRead(connection: BenchConnection): void {
    this.fill(connection.now);
    this.flushConnections();
    this.checkDone();
  }

  onConnectionReady(): void {
    this.thread.onConnectionReady();
  }

  onSetupError(connection: BenchConnection, message: string): void {
    this.thread.fail(new Error(`${connection.address} refused the connection setup: ${message}`));
  }

  onConnectionLost(connection: BenchConnection, reason: string, lostRequests: number): void {
    this.inFlight -= lostRequests;
    const thread = this.thread;
    if (!thread.started) {
      thread.fail(new Error(`cannot connect to ${connection.address}: ${reason}`));
      return;
    }
    // The requests that were in flight never got an answer: they are errors, not silently dropped.
    for (let i = 0; i < lostRequests; i++) thread.recorder.countError(-1, `connection lost (${reason})`);
    this.stopping = true;
    this.checkDone();
  }
}

function errorKindOf(message: string): string {
  const space = message.indexOf(' ');
  return space < 0 ? message : message.slice(0, space);
}
