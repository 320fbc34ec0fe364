import { describe, expect, it } from 'vitest';
import { StreamEncoder } from '../../../src/log/stream-encoder.ts';
import { EffectFrame } from '../../../src/log/effect-merger.ts';
import { encodeRequest, requestLength } from '../../../src/ipc/frames.ts';

function frame(db: number, argv: string[], txId = 0, seq = 1): EffectFrame {
  const buf = Buffer.alloc(requestLength(argv));
  encodeRequest(buf, 0, db, 0, 0, seq, txId, 0, argv);
  const f = new EffectFrame();
  f.load(0, buf, 0);
  return f;
}

describe('StreamEncoder', () => {
  it('writes RESP commands with SELECT when the database changes', () => {
    const enc = new StreamEncoder();
    enc.append(frame(0, ['SET', 'a', '1']));
    enc.append(frame(0, ['DEL', 'a']));
    enc.append(frame(3, ['SET', 'b', 'x\r\ny']));
    expect(enc.take().toString('latin1')).toBe(
      '*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$3\r\nDEL\r\n$1\r\na\r\n' +
      '*2\r\n$6\r\nSELECT\r\n$1\r\n3\r\n*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$4\r\nx\r\ny\r\n',
    );
  });

  it('forceSelect repeats the SELECT for a replica that starts here', () => {
    const enc = new StreamEncoder();
    enc.append(frame(2, ['INCR', 'n']));
    enc.take();
    enc.forceSelect();
    enc.append(frame(2, ['INCR', 'n']));
    expect(enc.take().toString('latin1')).toBe('*2\r\n$6\r\nSELECT\r\n$1\r\n2\r\n*2\r\n$4\r\nINCR\r\n$1\r\nn\r\n');
  });

  it('wraps effects of one transaction id in MULTI … EXEC', () => {
    const enc = new StreamEncoder();
    enc.append(frame(0, ['SET', 'a', '1'], 65));
    enc.append(frame(0, ['SET', 'b', '2'], 65));
    enc.append(frame(0, ['SET', 'c', '3']));
    const text = enc.take().toString('latin1');
    expect(text.replace(/\$\d+\r\n/g, '').split('\r\n').filter((l) => !l.startsWith('*'))).toEqual(
      ['SELECT', '0', 'MULTI', 'SET', 'a', '1', 'SET', 'b', '2', 'EXEC', 'SET', 'c', '3', ''],
    );
    enc.append(frame(0, ['SET', 'd', '4'], 129));
    enc.endTransaction();
    expect(enc.take().toString('latin1').endsWith('*1\r\n$4\r\nEXEC\r\n')).toBe(true);
  });
});
