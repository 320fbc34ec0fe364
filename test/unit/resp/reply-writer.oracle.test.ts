// The reply writer's RESP2 output decoded by redis-parser must give back what was written, for
// random reply trees (simple strings and errors ASCII: redis-parser decodes them as UTF-8); RESP3 has no oracle here and is checked by hand in reply-writer.test.ts.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplyWriter, formatDouble } from '../../../src/resp/reply-writer.ts';
import { decodeResp2, type Decoded } from './redis-parser-oracle.ts';

type Reply =
  | { t: 'simple'; v: string } | { t: 'error'; v: string } | { t: 'integer'; v: number | bigint }
  | { t: 'bulk'; v: string } | { t: 'nil' } | { t: 'nullArray' } | { t: 'double'; v: number }
  | { t: 'bool'; v: boolean } | { t: 'array'; v: Reply[] } | { t: 'map'; v: [Reply, Reply][] };

const byteString = (max: number) => fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: max });
const lineString = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 30 });

const { reply } = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    lineString.map((v) => ({ t: 'simple', v }) as Reply),
    lineString.map((v) => ({ t: 'error', v: 'ERR ' + v }) as Reply),
    fc.oneof(fc.integer({ min: -1e6, max: 1e6 }), fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })).map((v) => ({ t: 'integer', v }) as Reply),
    fc.oneof(byteString(50), byteString(20_000)).map((v) => ({ t: 'bulk', v }) as Reply),
    fc.constant({ t: 'nil' } as Reply),
    fc.constant({ t: 'nullArray' } as Reply),
    fc.double().map((v) => ({ t: 'double', v }) as Reply),
    fc.boolean().map((v) => ({ t: 'bool', v }) as Reply),
    fc.array(tie('reply'), { maxLength: 5 }).map((v) => ({ t: 'array', v }) as Reply),
    fc.array(fc.tuple(tie('reply'), tie('reply')), { maxLength: 3 }).map((v) => ({ t: 'map', v }) as Reply),
  ),
}));

function write(w: ReplyWriter, r: Reply): void {
  switch (r.t) {
    case 'simple': w.simple(r.v); break;
    case 'error': w.error(r.v); break;
    case 'integer': w.integer(r.v); break;
    case 'bulk': w.bulk(r.v); break;
    case 'nil': w.nil(); break;
    case 'nullArray': w.nullArray(); break;
    case 'double': w.double(r.v); break;
    case 'bool': w.bool(r.v); break;
    case 'array': w.array(r.v.length); for (const x of r.v) write(w, x); break;
    case 'map': w.map(r.v.length); for (const [k, v] of r.v) { write(w, k); write(w, v); } break;
  }
}

/** What redis-parser should decode a RESP2 reply to. */
function expected(r: Reply): Decoded {
  switch (r.t) {
    case 'simple': return r.v;
    case 'error': return { error: r.v };
    case 'integer': return String(r.v);
    case 'bulk': return r.v;
    case 'nil': case 'nullArray': return null;
    case 'double': return formatDouble(r.v);
    case 'bool': return r.v ? '1' : '0';
    case 'array': return r.v.map(expected);
    case 'map': return r.v.flatMap(([k, v]) => [expected(k), expected(v)]);
  }
}

describe('ReplyWriter RESP2 vs redis-parser', () => {
  it('random reply sequences decode to what was written', () => {
    fc.assert(fc.property(fc.array(reply, { minLength: 1, maxLength: 10 }), fc.integer({ min: 1, max: 64 }), (replies, initial) => {
      const w = new ReplyWriter(initial);
      w.proto = 2;
      for (const r of replies) write(w, r);
      expect(decodeResp2(w.take())).toEqual(replies.map(expected));
      expect(w.pos).toBe(0);
    }), { numRuns: 500 });
  });
});
