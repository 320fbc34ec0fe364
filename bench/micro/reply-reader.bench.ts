import type { Bench } from 'tinybench';
import { RedisParserReplyReader } from '../redis-parser-reader.ts';
import { RespReplyReader, type ReplySink } from '../reply-reader.ts';

// Which reader the bench client uses: redis-parser or the hand-written RespReplyReader, on the
// reply streams the bench sees (16 pipelined replies to SET, to GET of 3-byte and 1 KB values, and
// errors). The faster one is DEFAULT_REPLY_READER in redis-parser-reader.ts.

class CountingSink implements ReplySink {
  replies = 0;
  errors = 0;
  onReply(): void {
    this.replies++;
  }
  onErrorReply(): void {
    this.errors++;
  }
}

function repeat(reply: string, times: number): Buffer {
  return Buffer.from(reply.repeat(times), 'latin1');
}

const STREAMS: [string, Buffer][] = [
  ['16 x +OK (SET)', repeat('+OK\r\n', 16)],
  ['16 x $3 (GET 3 B)', repeat('$3\r\nxxx\r\n', 16)],
  ['16 x $1024 (GET 1 KB)', repeat(`$1024\r\n${'v'.repeat(1024)}\r\n`, 16)],
  ['16 x $-1 (GET miss)', repeat('$-1\r\n', 16)],
  ['16 x -ERR', repeat('-WRONGTYPE Operation against a key holding the wrong kind of value\r\n', 16)],
];

export default function register(bench: Bench): void {
  for (const [name, stream] of STREAMS) {
    const respSink = new CountingSink();
    const resp = new RespReplyReader(respSink);
    bench.add(`reply reader: hand-written, ${name}`, () => {
      resp.feed(stream, stream.length);
    });
    const parserSink = new CountingSink();
    const parser = new RedisParserReplyReader(parserSink);
    bench.add(`reply reader: redis-parser, ${name}`, () => {
      parser.feed(stream, stream.length);
    });
  }
}
