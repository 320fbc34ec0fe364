// Frames between workers: what encodeRequest / encodeReply write is what decodeRequest and the
// reply reader get back, for every byte value and for arguments and replies on both sides of the
// length where copying switches from a loop to a native call.

import { describe, expect, it } from 'vitest';
import { decodeRequest, encodeReply, encodeRequest, REPLY_HEADER, requestLength } from '../../../src/ipc/frames.ts';

const allBytes = (n: number, from = 0): string => Array.from({ length: n }, (_, i) => String.fromCharCode((from + i * 37) & 0xff)).join('');

describe('worker frames', () => {
  it('round-trips a request with empty, short, boundary-length and long binary arguments', () => {
    const argv = ['SADD', '', 'k', allBytes(31), allBytes(32, 7), allBytes(33, 11), allBytes(256, 3), allBytes(5000, 1)];
    const length = requestLength(argv);
    const buf = Buffer.alloc(length + 10, 0xee);
    encodeRequest(buf, 5, 3, 3, 1, 0xfffffffe, 123456, 2 ** 40 + 7, argv);
    const request = decodeRequest(buf, 5, 1);
    expect(request).toEqual({ from: 1, db: 3, resp: 3, flags: 1, reqId: 0xfffffffe, txId: 123456, clientId: 2 ** 40 + 7, argv });
    // Nothing written past the frame.
    expect(buf[5 + length]).toBe(0xee);
  });

  it('copies reply bytes of any length from the middle of a buffer', () => {
    for (const n of [0, 1, 31, 32, 33, 4096]) {
      const source = Buffer.from(allBytes(n + 20, n), 'latin1');
      const buf = Buffer.alloc(REPLY_HEADER + n + 4, 0xee);
      encodeReply(buf, 0, 0x80000001, source, 10, 10 + n);
      expect(buf.readUInt32LE(8)).toBe(0x80000001);
      expect(buf.subarray(REPLY_HEADER, REPLY_HEADER + n).equals(source.subarray(10, 10 + n))).toBe(true);
      expect(buf[REPLY_HEADER + n]).toBe(0xee);
    }
  });
});
