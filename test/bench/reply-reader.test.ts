import { describe, expect, it } from 'vitest';
import { RedisParserReplyReader } from '../../bench/redis-parser-reader.ts';
import { RespReplyReader, type ReplySink } from '../../bench/reply-reader.ts';

class RecordingSink implements ReplySink {
  events: string[] = [];
  sizes: number[] = [];
  onReply(byteLength: number): void {
    this.events.push('reply');
    this.sizes.push(byteLength);
  }
  onErrorReply(message: string, byteLength: number): void {
    this.events.push(`error:${message}`);
    this.sizes.push(byteLength);
  }
}

const RESP2_STREAM = [
  '+OK\r\n',
  '$3\r\nabc\r\n',
  '$-1\r\n',
  ':42\r\n',
  '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
  '*3\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n*-1\r\n',
  '$0\r\n\r\n',
  '-MOVED 3999 127.0.0.1:6381\r\n',
];
const RESP2_EVENTS = ['reply', 'reply', 'reply', 'reply', 'error:WRONGTYPE Operation against a key holding the wrong kind of value', 'reply', 'reply', 'error:MOVED 3999 127.0.0.1:6381'];

function feedInPieces(reader: { feed(chunk: Buffer, length: number): void }, bytes: Buffer, cut: number[]): void {
  let start = 0;
  for (const end of [...cut, bytes.length]) {
    // The reader must not rely on the chunk staying intact after feed(): reuse one buffer.
    const chunk = Buffer.alloc(64 * 1024, 0x55);
    bytes.copy(chunk, 0, start, end);
    reader.feed(chunk, end - start);
    start = end;
  }
}

describe('RespReplyReader', () => {
  it('reports each top-level RESP2 reply with its size, errors with their message', () => {
    const sink = new RecordingSink();
    const bytes = Buffer.from(RESP2_STREAM.join(''), 'latin1');
    new RespReplyReader(sink).feed(bytes, bytes.length);
    expect(sink.events).toEqual(RESP2_EVENTS);
    expect(sink.sizes).toEqual(RESP2_STREAM.map((r) => r.length));
  });

  it('gives the same replies however the stream is split into reads', () => {
    const bytes = Buffer.from(RESP2_STREAM.join(''), 'latin1');
    for (let a = 1; a < bytes.length; a++) {
      for (const b of [a + 1, a + 7, bytes.length - 1]) {
        if (b <= a || b >= bytes.length) continue;
        const sink = new RecordingSink();
        feedInPieces(new RespReplyReader(sink), bytes, [a, b]);
        expect(sink.events).toEqual(RESP2_EVENTS);
      }
    }
  });

  it('reads RESP3 types, skips push messages and attributes, reports blob errors', () => {
    const sink = new RecordingSink();
    const stream = [
      '%2\r\n+server\r\n+redis\r\n+proto\r\n:3\r\n', // HELLO-style map
      '_\r\n',
      '#t\r\n',
      ',3.14\r\n',
      '(12345678901234567890\r\n',
      '=15\r\ntxt:Some string\r\n',
      '~2\r\n:1\r\n:2\r\n',
      '>3\r\n+message\r\n+ch\r\n+hi\r\n', // out-of-band push
      '|1\r\n+key-popularity\r\n%1\r\n$1\r\na\r\n,0.1\r\n', // attribute, then its reply
      ':7\r\n',
      '!21\r\nSYNTAX invalid syntax\r\n',
    ].join('');
    const bytes = Buffer.from(stream, 'latin1');
    feedInPieces(new RespReplyReader(sink), bytes, [10, 40]);
    expect(sink.events).toEqual(['reply', 'reply', 'reply', 'reply', 'reply', 'reply', 'reply', 'reply', 'error:SYNTAX invalid syntax']);
  });

  it('agrees with redis-parser on RESP2 streams', () => {
    const bytes = Buffer.from(RESP2_STREAM.join('').repeat(3), 'latin1');
    const ours = new RecordingSink();
    const theirs = new RecordingSink();
    feedInPieces(new RespReplyReader(ours), bytes, [5, 50, 51]);
    feedInPieces(new RedisParserReplyReader(theirs), bytes, [5, 50, 51]);
    expect(ours.events).toEqual(theirs.events);
  });

  it('rejects bytes that are not RESP', () => {
    const bytes = Buffer.from('HTTP/1.1 400\r\n', 'latin1');
    expect(() => new RespReplyReader(new RecordingSink()).feed(bytes, bytes.length)).toThrow(/protocol error/);
  });
});
