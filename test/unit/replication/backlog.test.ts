import { describe, expect, it } from 'vitest';
import { ReplicationBacklog } from '../../../src/replication/backlog.ts';

describe('ReplicationBacklog', () => {
  it("counts offsets as Redis: first byte offset is offset - histlen + 1", () => {
    const backlog = new ReplicationBacklog(16 * 1024);
    expect(backlog.firstByteOffset).toBe(1);
    expect(backlog.holds(1)).toBe(true);
    backlog.append(Buffer.from('hello'));
    expect(backlog.offset).toBe(5);
    expect(backlog.histlen).toBe(5);
    expect(backlog.firstByteOffset).toBe(1);
    expect(backlog.copyFrom(1).toString()).toBe('hello');
    expect(backlog.copyFrom(4).toString()).toBe('lo');
    expect(backlog.copyFrom(6).length).toBe(0);
    expect(backlog.holds(7)).toBe(false);
  });

  it('keeps only the newest bytes once the ring wraps', () => {
    const size = 16 * 1024;
    const backlog = new ReplicationBacklog(size, 1000);
    const stream = Buffer.alloc(size * 3 + 123);
    for (let i = 0; i < stream.length; i++) stream[i] = (i * 7) & 0xff;
    for (let at = 0; at < stream.length; at += 1000) backlog.append(stream, at, Math.min(stream.length, at + 1000));
    expect(backlog.offset).toBe(1000 + stream.length);
    expect(backlog.histlen).toBe(size);
    expect(backlog.holds(backlog.firstByteOffset - 1)).toBe(false);
    expect(backlog.copyFrom(backlog.firstByteOffset)).toEqual(stream.subarray(stream.length - size));
    const from = backlog.offset - 10;
    expect(backlog.copyFrom(from)).toEqual(stream.subarray(stream.length - 11));
  });

  it('an append larger than the ring keeps its tail', () => {
    const backlog = new ReplicationBacklog(16 * 1024);
    const big = Buffer.alloc(40_000, 1);
    big.fill(2, 40_000 - 16 * 1024);
    backlog.append(big);
    expect(backlog.histlen).toBe(16 * 1024);
    expect(backlog.copyFrom(backlog.firstByteOffset).every((b) => b === 2)).toBe(true);
  });

  it('resizes keeping the newest bytes, and resets to a new offset', () => {
    const backlog = new ReplicationBacklog(32 * 1024);
    const data = Buffer.alloc(30_000);
    for (let i = 0; i < data.length; i++) data[i] = i & 0xff;
    backlog.append(data);
    backlog.resize(16 * 1024);
    expect(backlog.histlen).toBe(16 * 1024);
    expect(backlog.copyFrom(backlog.firstByteOffset)).toEqual(data.subarray(data.length - 16 * 1024));
    backlog.append(Buffer.from('xyz'));
    expect(backlog.copyFrom(backlog.offset - 2).toString()).toBe('xyz');
    backlog.reset(5000);
    expect(backlog.offset).toBe(5000);
    expect(backlog.firstByteOffset).toBe(5001);
    expect(backlog.holds(5001)).toBe(true);
    expect(backlog.holds(5000)).toBe(false);
  });
});
