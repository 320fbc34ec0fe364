import { describe, expect, it } from 'vitest';
import { ReplyWriter, formatDouble } from '../../../src/resp/reply-writer.ts';

function encode(proto: 2 | 3, write: (w: ReplyWriter) => void): string {
  const w = new ReplyWriter(8); // tiny, so growth is exercised too
  w.proto = proto;
  write(w);
  return w.take().toString('latin1');
}

describe('ReplyWriter', () => {
  it('encodes RESP2 types', () => {
    expect(encode(2, (w) => {
      w.simple('OK'); w.error('ERR syntax error'); w.integer(0); w.integer(-123); w.integer(12345678901234n);
      w.bulk('héllo'); w.bulk(''); w.nil(); w.nullArray(); w.array(3); w.map(2); w.set(1); w.push(3);
      w.double(0.1); w.double(Infinity); w.bool(true); w.bool(false); w.verbatim('hi'); w.bigNumber('123');
    })).toBe('+OK\r\n-ERR syntax error\r\n:0\r\n:-123\r\n:12345678901234\r\n$5\r\nh\xe9llo\r\n$0\r\n\r\n$-1\r\n*-1\r\n*3\r\n*4\r\n*1\r\n*3\r\n' +
      '$19\r\n0.10000000000000001\r\n$3\r\ninf\r\n:1\r\n:0\r\n$2\r\nhi\r\n$3\r\n123\r\n');
  });

  it('encodes RESP3 types', () => {
    expect(encode(3, (w) => {
      w.nil(); w.nullArray(); w.map(2); w.set(1); w.push(3); w.double(1.5); w.double(-Infinity);
      w.bool(true); w.bool(false); w.verbatim('hi'); w.bigNumber('-123456789012345678901234567890');
    })).toBe('_\r\n_\r\n%2\r\n~1\r\n>3\r\n,1.5\r\n,-inf\r\n#t\r\n#f\r\n=6\r\ntxt:hi\r\n(-123456789012345678901234567890\r\n');
  });

  it('take() returns bytes that survive later writes', () => {
    const w = new ReplyWriter();
    w.bulk('first');
    const out = w.take();
    w.bulk('second');
    expect(out.toString()).toBe('$5\r\nfirst\r\n');
    expect(w.take().toString()).toBe('$6\r\nsecond\r\n');
  });

  it('formats doubles like Redis 7.0 %.17g (measured with ZSCORE)', () => {
    const cases: [number, string][] = [[1.5, '1.5'], [0.1, '0.10000000000000001'], [1e100, '1e+100'], [3, '3'],
      [-0, '-0'], [1 / 3, '0.33333333333333331'], [1000000000000000.25, '1000000000000000.2'],
      [123456789012345678, '1.2345678901234568e+17'], [1e-5, '1.0000000000000001e-05'], [0.0001, '0.0001'],
      [1e16, '10000000000000000'], [1e17, '1e+17'], [5e-324, '4.9406564584124654e-324'], [Infinity, 'inf'], [-Infinity, '-inf']];
    for (const [d, s] of cases) expect(formatDouble(d)).toBe(s);
  });
});
