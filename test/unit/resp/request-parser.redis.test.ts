// The parser against a real redis-server 7.0.15: the same bytes must produce the same commands and
// the same protocol error text. Commands used are PING and ECHO, whose replies we can predict, so a
// transcript of replies can be compared byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser } from '../../../src/resp/request-parser.ts';
import { exchange, startRedis, type RedisServer } from './redis-server.ts';

let redis: RedisServer;
beforeAll(async () => { redis = await startRedis(); });
afterAll(async () => { await redis?.stop(); });

/** What Redis would reply to these bytes, predicted from our parser. */
function ourTranscript(bytes: Buffer): string {
  const parser = new RequestParser({ maxBulkLen: 512 * 1024 * 1024, maxQueryBufferLen: 1 << 30 });
  let out = '';
  try {
    parser.feed(bytes);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      const name = argv[0].toLowerCase();
      if (name === 'ping' && argv.length === 1) out += '+PONG\r\n';
      else if ((name === 'echo' || name === 'ping') && argv.length === 2) out += `$${argv[1].length}\r\n${argv[1]}\r\n`;
      else if (name === 'echo' || name === 'ping') out += `-ERR wrong number of arguments for '${name}' command\r\n`;
      else out += `-ERR unexpected command in test: ${JSON.stringify(argv)}\r\n`;
    }
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw e;
    out += `-${e.message}\r\n`;
  }
  return out;
}

const big = 'x'.repeat(65 * 1024);
const CASES: string[] = [
  // counts
  '*abc\r\n', '*2147483648\r\n', '*2147483647\r\n', '*1048577\r\n', '*-0\r\n', '*+1\r\n', '*01\r\n',
  '*-9223372036854775808\r\n', '*-9223372036854775809\r\n', '*99999999999999999999\r\n', '*\r\n',
  '*0\r\n*-1\r\n*1\r\n$4\r\nPING\r\n', '*1\rX$4\r\nPING\r\n', '*1\r\n$4\r\nPINGXY*1\r\n$4\r\nPING\r\n',
  // bulk headers
  '*1\r\n$-1\r\n', '*1\r\n$abc\r\n', '*1\r\n$\r\n', '*1\r\n$536870888\r\n', '*1\r\n$536870913\r\n',
  '*1\r\n$04\r\nPING\r\n', '*1\r\nfoo\r\n', '*1\r\n\r\n', '*1\r\n\n\r\n', '*2\r\n$4\r\nECHO\r\n\xff\r\n',
  '*1\r\n:4\r\n',
  // NUL bytes stop Redis's line search
  '*1\r\n\x00\r\n', '*1\x00\r\n', 'PING\x00\n', 'ECHO "a\\x00b"\n',
  // inline
  'PING\n', 'PING\r\n\r\n\n   \nECHO  hi\t\r\n', 'ECHO "a\\x41\\x4g\\n\\r\\t\\b\\a\\z\\""\r\n', "ECHO 'a\\'b\\n'\r\n",
  'ECHO "abc\r\n', 'ECHO "abc"d\r\n', "ECHO 'abc\r\n", "ECHO 'abc'd\r\n", 'ECHO a"b c"\r\n', 'ECHO \x0bx\x0by\n',
  'ECHO ""\r\n', 'ECHO "a\\"\r\n', 'ECHO a\rb\r\n', 'ECHO "x"\x0b\n', 'ECHO "x"\x0c\n', '"PING"\n',
  // too big lines
  big, '*' + big, '*1\r\n$' + big, '*1\r\n' + big, 'PING ' + big + '\n',
];

describe.concurrent('RequestParser matches redis-server 7.0.15', () => {
  it.each(CASES.map((c) => [JSON.stringify(c.length > 60 ? c.slice(0, 40) + `…(${c.length} bytes)` : c), c]))('%s', async (_label, input) => {
    const bytes = Buffer.from(input, 'latin1');
    expect(ourTranscript(bytes)).toBe(await exchange(redis.port, bytes));
  });
});
