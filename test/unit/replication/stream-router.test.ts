// The follower's stream dispatch (src/replication/stream-router.ts): which worker runs what, in which
// database, what waits for what, and the applied offset it reports. With 2 workers, keys b and c live
// on worker 0 (slots below 8192), a, d and x on worker 1.
import { describe, expect, it } from 'vitest';
import { StreamRouter } from '../../../src/replication/stream-router.ts';

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
}

function setup(): { router: StreamRouter; runs: Array<{ worker: number; id: number; db: number; text: string }>; applied: number[]; acks: number[] } {
  const runs: Array<{ worker: number; id: number; db: number; text: string }> = [];
  const applied: number[] = [];
  const acks: number[] = [];
  const router = new StreamRouter(2, {
    run: (worker, id, db, bytes) => runs.push({ worker, id, db, text: bytes.toString('latin1') }),
    applied: (offset) => applied.push(offset),
    ack: (offset) => acks.push(offset),
  });
  return { router, runs, applied, acks };
}

describe('StreamRouter', () => {
  it('sends each command to the worker of its key at once, and reports the applied prefix only', () => {
    const { router, runs, applied } = setup();
    const a = resp('SET', 'a', '1');
    const b = resp('SET', 'b', '1');
    const d = resp('SET', 'd', '2');
    router.feed(Buffer.from(a + b + d), 100);
    expect(runs.map((r) => [r.worker, r.text])).toEqual([[1, a], [0, b], [1, d]]);
    // b is done first: a, before it, is not, so nothing is applied yet.
    router.unitDone(runs[1]!.id);
    expect(applied).toEqual([]);
    router.unitDone(runs[0]!.id);
    expect(applied).toEqual([100 + a.length + b.length]);
    router.unitDone(runs[2]!.id);
    expect(applied.at(-1)).toBe(100 + a.length + b.length + d.length);
  });

  it('joins consecutive commands of one worker, keeps a command cut between two chunks whole', () => {
    const { router, runs } = setup();
    const text = resp('SET', 'a', '1') + resp('INCR', 'd') + resp('SET', 'b', '2');
    router.feed(Buffer.from(text), 0);
    expect(runs.map((r) => [r.worker, r.text])).toEqual([[1, resp('SET', 'a', '1') + resp('INCR', 'd')], [0, resp('SET', 'b', '2')]]);
    // Cut inside INCR d: the first chunk's complete command goes at once, INCR d once it is whole.
    const split = setup();
    split.router.feed(Buffer.from(text.slice(0, 30)), 0);
    expect(split.runs.map((r) => r.text)).toEqual([resp('SET', 'a', '1')]);
    split.router.feed(Buffer.from(text.slice(30)), 30);
    expect(split.runs.map((r) => [r.worker, r.text])).toEqual([[1, resp('SET', 'a', '1')], [1, resp('INCR', 'd')], [0, resp('SET', 'b', '2')]]);
  });

  it('runs a command across workers alone on worker 0, after everything before it and before everything after it', () => {
    const { router, runs, applied } = setup();
    const first = resp('SET', 'a', '1');
    const across = resp('MSET', 'a', '1', 'b', '2');
    const after = resp('SET', 'c', '3');
    router.feed(Buffer.from(first + across + after), 0);
    expect(runs.map((r) => r.text)).toEqual([first]);
    router.unitDone(runs[0]!.id);
    expect(runs.map((r) => [r.worker, r.text])).toEqual([[1, first], [0, across]]);
    router.unitDone(runs[1]!.id);
    expect(runs.map((r) => r.text)).toEqual([first, across, after]);
    router.unitDone(runs[2]!.id);
    expect(applied.at(-1)).toBe(first.length + across.length + after.length);
  });

  it('a MULTI block on one worker goes there whole; one across workers is a barrier', () => {
    const { router, runs } = setup();
    const local = resp('MULTI') + resp('SET', 'a', '1') + resp('INCR', 'x') + resp('EXEC');
    const across = resp('MULTI') + resp('SET', 'a', '1') + resp('SET', 'b', '1') + resp('EXEC');
    router.feed(Buffer.from(local + across), 0);
    expect(runs.map((r) => [r.worker, r.text])).toEqual([[1, local]]);
    router.unitDone(runs[0]!.id);
    expect(runs.map((r) => [r.worker, r.text])).toEqual([[1, local], [0, across]]);
  });

  it('tracks SELECT (every unit carries its database) and acknowledges GETACK once everything before it is applied', () => {
    const { router, runs, acks } = setup();
    const select = resp('SELECT', '3');
    const set = resp('SET', 'a', '1');
    const getack = resp('REPLCONF', 'GETACK', '*');
    router.feed(Buffer.from(select + set + getack), 0);
    expect(runs.map((r) => [r.worker, r.db, r.text])).toEqual([[1, 3, set]]);
    expect(acks).toEqual([]);
    router.unitDone(runs[0]!.id);
    expect(acks).toEqual([select.length + set.length + getack.length]);
    expect(router.db).toBe(3);
  });

  it('starts nothing while paused; whenIdle waits for what was received', async () => {
    const { router, runs } = setup();
    router.pause();
    router.feed(Buffer.from(resp('SET', 'b', '1')), 0);
    expect(runs).toEqual([]);
    let idle = false;
    router.whenIdle(() => (idle = true));
    router.resume();
    expect(runs.length).toBe(1);
    await Promise.resolve();
    expect(idle).toBe(false);
    router.unitDone(runs[0]!.id);
    await Promise.resolve();
    expect(idle).toBe(true);
  });
});
