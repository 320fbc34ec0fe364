import type { MessagePort } from 'node:worker_threads';
import { SpscRing } from './spsc-ring.ts';
import {
  FRAME_PORTED, FRAME_REPLY, FRAME_REQUEST, PORTED_LENGTH, REPLY_HEADER, type Request,
  decodeRequest, encodeReply, encodeRequest, requestLength,
} from './frames.ts';

/** What a worker does with the frames it receives. */
export interface FrameHandler {
  onRequest(request: Request): void;
  /** The reply bytes are valid only during the call (they live in the ring). */
  onReply(from: number, reqId: number, bytes: Buffer, start: number, end: number): void;
}

const AWAKE = 0;
const SLEEPING = 1;

/** The SharedArrayBuffers that connect N workers: rings[from][to] (null on the diagonal) and one wake word per worker. */
export interface MeshBuffers {
  rings: Array<Array<SharedArrayBuffer | null>>;
  wake: SharedArrayBuffer;
}

export function createMeshBuffers(workerCount: number, ringCapacity: number, create: (capacity: number) => SharedArrayBuffer): MeshBuffers {
  const rings: Array<Array<SharedArrayBuffer | null>> = [];
  for (let from = 0; from < workerCount; from++) {
    const row: Array<SharedArrayBuffer | null> = [];
    for (let to = 0; to < workerCount; to++) row.push(from === to ? null : create(ringCapacity));
    rings.push(row);
  }
  return { rings, wake: new SharedArrayBuffer(4 * workerCount) };
}

/**
 * One worker's end of the all-to-all mesh of SPSC rings. Frames written during an event-loop turn are
 * published as they are written but peers are woken once per turn, at flush(), and only when they
 * sleep: a peer that is mid-turn drains its rings before it sleeps anyway.
 */
/**
 * A frame waiting for room in a ring. Only a frame too large for the ring travels through the port,
 * which needs an ArrayBuffer of its own to transfer; the others wait in order and are copied into
 * the ring later, so they come from Node's pooled allocator (a burst of small frames used to cost an
 * ArrayBuffer each, and the garbage collector's work to match).
 */
function frameBuffer(length: number, maxFrame: number): Buffer {
  return length > maxFrame ? Buffer.allocUnsafeSlow(length) : Buffer.allocUnsafe(length);
}

export class WorkerMesh {
  readonly self: number;
  readonly workerCount: number;
  private readonly out: Array<SpscRing | null> = [];
  private readonly in: Array<SpscRing | null> = [];
  private readonly wake: Int32Array;
  private readonly wrote: boolean[] = [];
  private readonly overflow: Buffer[][] = [];
  private readonly ports: Array<MessagePort | null>;
  private readonly portSendSeq: number[] = [];
  private readonly portRecvSeq: number[] = [];
  private readonly portStash: Array<Map<number, Buffer>> = [];
  private waiterArmed = false;
  private sleeping = false;
  private overflowTimer: NodeJS.Timeout | null = null;
  private readonly handler: FrameHandler;
  private readonly onWake: () => void;

  constructor(self: number, buffers: MeshBuffers, ports: Array<MessagePort | null>, handler: FrameHandler, onWake: () => void) {
    this.self = self;
    this.workerCount = buffers.rings.length;
    this.handler = handler;
    this.onWake = onWake;
    this.ports = ports;
    this.wake = new Int32Array(buffers.wake);
    for (let peer = 0; peer < this.workerCount; peer++) {
      const outSab = buffers.rings[self]![peer];
      const inSab = buffers.rings[peer]![self];
      this.out.push(outSab ? new SpscRing(outSab) : null);
      this.in.push(inSab ? new SpscRing(inSab) : null);
      this.wrote.push(false);
      this.overflow.push([]);
      this.portSendSeq.push(0);
      this.portRecvSeq.push(0);
      this.portStash.push(new Map());
      const port = ports[peer];
      if (port) {
        port.on('message', (msg: { seq: number; frame: Uint8Array }) => {
          this.portStash[peer]!.set(msg.seq, Buffer.from(msg.frame.buffer, msg.frame.byteOffset, msg.frame.byteLength));
          this.onWake();
        });
        // The port must not keep the worker alive on its own, nor delay its exit.
        port.unref();
      }
    }
  }

  // ---- sending ----

  sendRequest(to: number, db: number, resp: number, flags: number, reqId: number, txId: number, clientId: number, argv: readonly string[]): void {
    const length = requestLength(argv);
    const ring = this.out[to]!;
    if (this.overflow[to]!.length === 0 && length <= ring.maxFrame) {
      const offset = ring.reserve(length);
      if (offset >= 0) {
        encodeRequest(ring.data, offset, db, resp, flags, reqId, txId, clientId, argv);
        ring.commit(offset, length);
        this.wrote[to] = true;
        return;
      }
    }
    const frame = frameBuffer(length, ring.maxFrame);
    encodeRequest(frame, 0, db, resp, flags, reqId, txId, clientId, argv);
    frame.writeUInt32LE(length, 0);
    this.sendSlow(to, frame);
  }

  sendReply(to: number, reqId: number, bytes: Uint8Array, start: number, end: number): void {
    const length = REPLY_HEADER + (end - start);
    const ring = this.out[to]!;
    if (this.overflow[to]!.length === 0 && length <= ring.maxFrame) {
      const offset = ring.reserve(length);
      if (offset >= 0) {
        encodeReply(ring.data, offset, reqId, bytes, start, end);
        ring.commit(offset, length);
        this.wrote[to] = true;
        return;
      }
    }
    const frame = frameBuffer(length, ring.maxFrame);
    encodeReply(frame, 0, reqId, bytes, start, end);
    frame.writeUInt32LE(length, 0);
    this.sendSlow(to, frame);
  }

  /** A frame that does not fit the ring now: large ones go through the port, the rest wait in order. */
  private sendSlow(to: number, frame: Buffer): void {
    const ring = this.out[to]!;
    if (frame.length > ring.maxFrame) {
      const seq = this.portSendSeq[to]!++;
      this.ports[to]!.postMessage({ seq, frame }, [frame.buffer as ArrayBuffer]);
      const marker = Buffer.alloc(PORTED_LENGTH);
      marker[4] = FRAME_PORTED;
      marker.writeUInt32LE(seq, 8);
      marker.writeUInt32LE(PORTED_LENGTH, 0);
      frame = marker;
    }
    this.overflow[to]!.push(frame);
    this.moveOverflow(to);
  }

  private moveOverflow(to: number): boolean {
    const queue = this.overflow[to]!;
    const ring = this.out[to]!;
    let moved = 0;
    while (moved < queue.length) {
      const frame = queue[moved]!;
      const offset = ring.reserve(frame.length);
      if (offset < 0) break;
      frame.copy(ring.data, offset + 4, 4);
      ring.commit(offset, frame.length);
      moved++;
    }
    if (moved > 0) {
      queue.splice(0, moved);
      this.wrote[to] = true;
    }
    return queue.length === 0;
  }

  /** End of a turn: wake the peers we wrote to that are asleep; retry frames that waited for room. */
  flush(): void {
    let pending = false;
    for (let peer = 0; peer < this.workerCount; peer++) {
      if (this.overflow[peer]!.length > 0 && !this.moveOverflow(peer)) pending = true;
      if (!this.wrote[peer]) continue;
      this.wrote[peer] = false;
      if (Atomics.load(this.wake, peer) === SLEEPING && Atomics.compareExchange(this.wake, peer, SLEEPING, AWAKE) === SLEEPING) {
        Atomics.notify(this.wake, peer, 1);
      }
    }
    if (pending && this.overflowTimer === null) {
      this.overflowTimer = setTimeout(() => {
        this.overflowTimer = null;
        this.flush();
      }, 1);
    }
  }

  // ---- receiving ----

  /** Processes every frame that has arrived; returns how many. */
  drain(): number {
    let count = 0;
    for (let peer = 0; peer < this.workerCount; peer++) {
      const ring = this.in[peer];
      if (ring === null || ring === undefined) continue;
      for (;;) {
        const offset = ring.peek();
        if (offset < 0) break;
        const kind = ring.data[offset + 4];
        if (kind === FRAME_REQUEST) {
          const request = decodeRequest(ring.data, offset, peer);
          ring.release(offset);
          this.handler.onRequest(request);
        } else if (kind === FRAME_REPLY) {
          const length = ring.frameLength(offset);
          this.handler.onReply(peer, ring.data.readUInt32LE(offset + 8), ring.data, offset + REPLY_HEADER, offset + length);
          ring.release(offset);
        } else if (kind === FRAME_PORTED) {
          const seq = ring.data.readUInt32LE(offset + 8);
          const frame = this.portStash[peer]!.get(seq);
          if (frame === undefined) break; // its port message has not arrived yet: resume when it does
          this.portStash[peer]!.delete(seq);
          ring.release(offset);
          if (frame[4] === FRAME_REQUEST) this.handler.onRequest(decodeRequest(frame, 0, peer));
          else this.handler.onReply(peer, frame.readUInt32LE(8), frame, REPLY_HEADER, frame.length);
        } else {
          // Never expected; dropping the frame keeps the ring moving instead of failing on it forever.
          console.error(`shoal: worker ${this.self}: dropped a corrupt frame (kind ${kind}) from worker ${peer}`);
          ring.release(offset);
        }
        count++;
      }
    }
    return count;
  }

  /** Frames from some peer wait in a ring and have not been drained yet. */
  hasInbound(): boolean {
    for (let peer = 0; peer < this.workerCount; peer++) {
      const ring = this.in[peer];
      if (ring && !ring.isEmpty()) return true;
    }
    return false;
  }

  /** Called when this worker starts work of its own: peers need not wake it until it sleeps again. */
  markAwake(): void {
    if (this.sleeping) {
      this.sleeping = false;
      Atomics.store(this.wake, this.self, AWAKE);
    }
  }

  /**
   * Declares this worker idle. Returns false when frames arrived meanwhile (the caller drains again).
   * Otherwise a waiter is armed that calls onWake when a peer notifies.
   */
  sleep(): boolean {
    Atomics.store(this.wake, this.self, SLEEPING);
    this.sleeping = true;
    if (this.hasInbound()) {
      this.markAwake();
      return false;
    }
    if (!this.waiterArmed) this.armWaiter();
    return true;
  }

  private armWaiter(): void {
    const result = Atomics.waitAsync(this.wake, this.self, SLEEPING);
    if (!result.async) {
      // A peer flipped the word between sleep() and here.
      queueMicrotask(() => this.woken());
      this.waiterArmed = true;
      return;
    }
    this.waiterArmed = true;
    void result.value.then(() => this.woken());
  }

  private woken(): void {
    this.waiterArmed = false;
    this.markAwake();
    this.onWake();
  }

  /** Stops waiting so that the thread can exit. */
  close(): void {
    if (this.overflowTimer) clearTimeout(this.overflowTimer);
    if (this.waiterArmed) {
      Atomics.store(this.wake, this.self, AWAKE);
      Atomics.notify(this.wake, this.self);
    }
  }
}
