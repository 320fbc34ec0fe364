import { describe, expect, it } from 'vitest';
import { SpscRing, createRingBuffer } from '../../../src/ipc/spsc-ring.ts';
import { encodeRequest, requestLength } from '../../../src/ipc/frames.ts';
import { EffectLog } from '../../../src/ipc/effect-log.ts';
import { EffectMerger, type EffectFrame } from '../../../src/log/effect-merger.ts';

/** Writes an effect frame with a chosen sequence number; false when the ring is full. */
function write(ring: SpscRing, seq: number, argv: string[], db = 0, txId = 0): boolean {
  const length = requestLength(argv);
  const offset = ring.reserve(length);
  if (offset < 0) return false;
  encodeRequest(ring.data, offset, db, 0, 0, seq, txId, 0, argv);
  ring.commit(offset, length);
  return true;
}

function collect(merger: EffectMerger, max?: number): Array<{ seq: number; db: number; worker: number; argv: string[] }> {
  const out: Array<{ seq: number; db: number; worker: number; argv: string[] }> = [];
  merger.drain((e: EffectFrame) => out.push({ seq: e.seq, db: e.db, worker: e.worker, argv: e.argv() }), max);
  return out;
}

describe('EffectMerger', () => {
  it('waits for a sequence number taken by one worker while another already wrote the next', () => {
    const sabs = [createRingBuffer(4096), createRingBuffer(4096)];
    const [a, b] = sabs.map((s) => new SpscRing(s)) as [SpscRing, SpscRing];
    const merger = new EffectMerger(sabs, 10);
    write(b, 11, ['SET', 'k11', 'v']);
    write(b, 12, ['SET', 'k12', 'v'], 3);
    expect(collect(merger)).toEqual([]);
    expect(merger.waitingForGap()).toBe(true);
    write(a, 10, ['DEL', 'k10']);
    expect(collect(merger)).toEqual([
      { seq: 10, db: 0, worker: 0, argv: ['DEL', 'k10'] },
      { seq: 11, db: 0, worker: 1, argv: ['SET', 'k11', 'v'] },
      { seq: 12, db: 3, worker: 1, argv: ['SET', 'k12', 'v'] },
    ]);
    expect(merger.isEmpty()).toBe(true);
    expect(merger.nextSequence).toBe(13);
  });

  it('stops at max and resumes where it stopped', () => {
    const sabs = [createRingBuffer(4096)];
    const ring = new SpscRing(sabs[0]!);
    for (let s = 0; s < 5; s++) write(ring, s, ['INCR', 'n']);
    const merger = new EffectMerger(sabs, 0);
    expect(collect(merger, 2).map((e) => e.seq)).toEqual([0, 1]);
    expect(collect(merger).map((e) => e.seq)).toEqual([2, 3, 4]);
  });

  it('compares sequence numbers modulo 2^32 across the wrap of the counter', () => {
    const sabs = [createRingBuffer(4096), createRingBuffer(4096)];
    const [a, b] = sabs.map((s) => new SpscRing(s)) as [SpscRing, SpscRing];
    const merger = new EffectMerger(sabs, 0xfffffffe);
    write(b, 0xffffffff, ['SET', 'y', '1']);
    write(b, 1, ['SET', 'after-wrap', '2']);
    write(a, 0xfffffffe, ['SET', 'x', '1']);
    write(a, 0, ['SET', 'after-wrap', '1']);
    expect(collect(merger).map((e) => e.seq)).toEqual([0xfffffffe, 0xffffffff, 0, 1]);
    expect(merger.nextSequence).toBe(2);
  });

  it('keeps every effect exactly once, in order, through small rings that wrap many times', () => {
    // Random interleaving: each worker owns the numbers it took, writes them in order, and publishes
    // them at random moments relative to the others; the consumer drains at random moments too.
    const workers = 4;
    const total = 10_000;
    let rand = 12345;
    const random = (n: number): number => {
      rand = (rand * 1103515245 + 12345) & 0x7fffffff;
      return rand % n;
    };
    const sabs = Array.from({ length: workers }, () => createRingBuffer(1024));
    const rings = sabs.map((s) => new SpscRing(s));
    const owed: number[][] = Array.from({ length: workers }, () => []);
    const merger = new EffectMerger(sabs, 0);
    const seen: number[] = [];
    let taken = 0;
    while (seen.length < total) {
      const action = random(10);
      if (action < 4 && taken < total) {
        owed[random(workers)]!.push(taken++);
      } else if (action < 8) {
        const w = random(workers);
        const next = owed[w]![0];
        if (next !== undefined && write(rings[w]!, next, ['SET', `key:${next}`, 'x'.repeat(next % 97)], next % 16)) owed[w]!.shift();
      } else {
        merger.drain((e) => {
          expect(e.argv()).toEqual(['SET', `key:${e.seq}`, 'x'.repeat(e.seq % 97)]);
          expect(e.db).toBe(e.seq % 16);
          seen.push(e.seq);
        }, 1 + random(50));
      }
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(merger.isEmpty()).toBe(true);
    expect(merger.stale).toBe(0);
  });

  it('merges what EffectLog producers write once the consumer is active', () => {
    const sequence = new SharedArrayBuffer(4);
    const control = new SharedArrayBuffer(16);
    const sabs = [createRingBuffer(4096), createRingBuffer(4096)];
    const logs = sabs.map((s) => new EffectLog(s, sequence, control));
    logs[0]!.emit(0, ['SET', 'ignored', '1']); // no consumer yet: not recorded
    const merger = new EffectMerger(sabs, Atomics.load(new Int32Array(sequence), 0));
    Atomics.store(new Int32Array(control), 0, 1);
    logs[1]!.emit(0, ['SET', 'a', '1']);
    logs[0]!.emit(2, ['DEL', 'b']);
    logs[1]!.emit(0, ['PEXPIREAT', 'a', '99999999999999']);
    expect(collect(merger)).toEqual([
      { seq: 0, db: 0, worker: 1, argv: ['SET', 'a', '1'] },
      { seq: 1, db: 2, worker: 0, argv: ['DEL', 'b'] },
      { seq: 2, db: 0, worker: 1, argv: ['PEXPIREAT', 'a', '99999999999999'] },
    ]);
  });

  it('gives up a missing number only when asked (shutdown after a worker died mid-write)', () => {
    const sabs = [createRingBuffer(4096), createRingBuffer(4096)];
    const b = new SpscRing(sabs[1]!);
    const merger = new EffectMerger(sabs, 0);
    write(b, 1, ['SET', 'k', 'v']);
    expect(collect(merger)).toEqual([]);
    expect(merger.skipGap()).toBe(1);
    expect(collect(merger).map((e) => e.seq)).toEqual([1]);
    expect(merger.skipped).toBe(1);
  });
});
