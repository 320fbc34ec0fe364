import { describe, expect, it } from 'vitest';
import { CHUNK_MAX, ListValue } from '../../../src/types/list-value.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 0x100000000;
  };
}

describe('ListValue packed chunks', () => {
  it('packs interior chunks into Buffers and reads them back, binary and long elements included', () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < CHUNK_MAX * 6; i++) {
      const v = i % 50 === 0 ? 'z'.repeat(300 + i) : i % 7 === 0 ? `\u0000\u00ff\r\n${i}` : `element:${i}`;
      list.pushTail(v);
      model.push(v);
    }
    expect(list.packedChunkCount).toBeGreaterThanOrEqual(4);
    expect(list.toArray()).toEqual(model);
    for (const i of [0, 1, CHUNK_MAX, CHUNK_MAX * 3 + 5, model.length - 1]) expect(list.get(i)).toBe(model[i]);
    expect(list.indexOf(model[CHUNK_MAX * 2 + 3]!)).toBe(CHUNK_MAX * 2 + 3);
    expect(list.indexOf('absent')).toBe(-1);
    const seen: string[] = [];
    list.writeRange(CHUNK_MAX - 2, CHUNK_MAX * 4, { bulk: (s) => seen.push(s) });
    expect(seen).toEqual(model.slice(CHUNK_MAX - 2, CHUNK_MAX * 4 + 1));
  });

  it('pops through packed chunks from both ends', () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < CHUNK_MAX * 5; i++) {
      list.pushHead(`h${i}`);
      model.unshift(`h${i}`);
    }
    expect(list.packedChunkCount).toBeGreaterThan(0);
    while (model.length > 0) {
      expect(list.popHead()).toBe(model.shift());
      if (model.length > 0) expect(list.popTail()).toBe(model.pop());
    }
    expect(list.length).toBe(0);
    expect(list.popHead()).toBeUndefined();
  });

  it('matches an array model through random pushes, pops, sets, inserts, trims and removals', () => {
    const random = rng(7);
    const list = new ListValue();
    let model: string[] = [];
    for (let step = 0; step < 20000; step++) {
      const r = random();
      const v = `v${Math.floor(random() * 500)}`;
      if (r < 0.3) {
        list.pushTail(v);
        model.push(v);
      } else if (r < 0.55) {
        list.pushHead(v);
        model.unshift(v);
      } else if (r < 0.65) {
        expect(list.popHead()).toBe(model.shift());
      } else if (r < 0.75) {
        expect(list.popTail()).toBe(model.pop());
      } else if (r < 0.82 && model.length > 0) {
        const i = Math.floor(random() * model.length);
        list.set(i, v);
        model[i] = v;
      } else if (r < 0.9) {
        const i = Math.floor(random() * (model.length + 1));
        list.insert(i, v);
        model.splice(i, 0, v);
      } else if (r < 0.95) {
        const head = Math.floor(random() * 40);
        const tail = Math.floor(random() * 40);
        list.trim(head, tail);
        model = head + tail >= model.length ? [] : model.slice(head, model.length - tail);
      } else {
        const limit = Math.floor(random() * 3);
        let removed = 0;
        const kept = model.filter((e) => (e === v && (limit === 0 || removed < limit) ? (removed++, false) : true));
        expect(list.removeMatching(v, limit, false)).toBe(removed);
        model = kept;
      }
      expect(list.length).toBe(model.length);
      if (step % 2000 === 0) expect(list.toArray()).toEqual(model);
    }
    expect(list.toArray()).toEqual(model);
    expect(ListValue.from(model).clone().toArray()).toEqual(model);
  });

  it('keeps both ends intact when a chunk packed by a push lends its array to the next chunk', () => {
    const list = new ListValue();
    const model: string[] = [];
    for (let i = 0; i < CHUNK_MAX * 4 + 3; i++) {
      list.pushTail(`t${i}`);
      model.push(`t${i}`);
      list.pushHead(`h${i}`);
      model.unshift(`h${i}`);
    }
    expect(list.packedChunkCount).toBeGreaterThanOrEqual(4);
    expect(list.toArray()).toEqual(model);
    // The chunks made from recycled arrays hold no stale elements past their live window.
    for (let i = 0; i < CHUNK_MAX + 1; i++) expect(list.popTail()).toBe(model.pop());
    for (let i = 0; i < CHUNK_MAX + 1; i++) expect(list.popHead()).toBe(model.shift());
    expect(list.toArray()).toEqual(model);
  });

  it('measures bytes per element on sampled chunks as the serialized form counts them', () => {
    const list = new ListValue();
    let exact = 0;
    // Element sizes change along the list (17, 200 and 3 bytes), so the samples must spread over it.
    for (let i = 0; i < CHUNK_MAX * 30; i++) {
      const v = i < CHUNK_MAX * 10 ? `element:${String(i).padStart(9, '0')}` : i < CHUNK_MAX * 20 ? 'x'.repeat(200) : 'abc';
      exact += v.length + (v.length < 0x80 ? 1 : 2);
      list.pushTail(v);
    }
    const average = exact / list.length;
    expect(Math.abs(list.sampledElementBytes(30) - average) / average).toBeLessThan(0.02);
    expect(Math.abs(list.sampledElementBytes(5) - average) / average).toBeLessThan(0.35);
    expect(new ListValue().sampledElementBytes(5)).toBe(0);
  });
});
