import { describe, expect, it } from 'vitest';
import { ProtocolError, RequestParser } from '../../../src/resp/request-parser.ts';

const LIMITS = { maxBulkLen: 512 * 1024 * 1024, maxQueryBufferLen: 1024 * 1024 * 1024 };

/** Feeds the chunks in order and collects every command, draining after each feed like a connection. */
function parseChunks(chunks: Buffer[], limits = LIMITS): string[][] {
  const parser = new RequestParser({ ...limits });
  const out: string[][] = [];
  for (const chunk of chunks) {
    parser.feed(chunk);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) out.push(argv);
  }
  return out;
}

function parse(s: string | Buffer): string[][] {
  return parseChunks([typeof s === 'string' ? Buffer.from(s, 'latin1') : s]);
}

function protocolError(s: string): string {
  try {
    parse(s);
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return (e as Error).message;
  }
  return 'no error';
}

function resp(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${a.length}\r\n${a}\r\n`).join('');
}

describe('RequestParser: multibulk', () => {
  it('parses one command and pipelines', () => {
    expect(parse(resp('SET', 'key', 'value') + resp('GET', 'key'))).toEqual([['SET', 'key', 'value'], ['GET', 'key']]);
  });

  it('returns null until a command is complete, then the command', () => {
    const parser = new RequestParser(LIMITS);
    parser.feed(Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nhel'));
    expect(parser.next()).toBeNull();
    expect(parser.bufferedBytes()).toBe(3);
    parser.feed(Buffer.from('lo\r\n'));
    expect(parser.next()).toEqual(['ECHO', 'hello']);
    expect(parser.next()).toBeNull();
    expect(parser.bufferedBytes()).toBe(0);
  });

  it('skips *0 and negative counts as Redis does', () => {
    expect(parse('*0\r\n*-1\r\n*-5\r\n' + resp('PING'))).toEqual([['PING']]);
  });

  it('does not check the bytes after a count or a bulk (Redis skips two bytes blindly)', () => {
    expect(parse('*1\rX$4\r\nPINGXY')).toEqual([['PING']]);
  });

  it('keeps every byte value (latin1 strings)', () => {
    const all = Buffer.alloc(256);
    for (let i = 0; i < 256; i++) all[i] = i;
    const input = Buffer.concat([Buffer.from('*2\r\n$3\r\nSET\r\n$256\r\n'), all, Buffer.from('\r\n')]);
    const [argv] = parse(input);
    expect(Buffer.from(argv[1], 'latin1')).toEqual(all);
  });

  it('rejects malformed headers with Redis texts', () => {
    expect(protocolError('*abc\r\n')).toBe('ERR Protocol error: invalid multibulk length');
    expect(protocolError('*2147483648\r\n')).toBe('ERR Protocol error: invalid multibulk length');
    expect(protocolError('*1\r\n$-1\r\n')).toBe('ERR Protocol error: invalid bulk length');
    expect(protocolError('*1\r\nfoo\r\n')).toBe("ERR Protocol error: expected '$', got 'f'");
    expect(protocolError('*1\r\n\r\n')).toBe("ERR Protocol error: expected '$', got ' '");
  });

  it('applies proto-max-bulk-len', () => {
    expect(() => parseChunks([Buffer.from('*1\r\n$11\r\n')], { ...LIMITS, maxBulkLen: 10 })).toThrow('ERR Protocol error: invalid bulk length');
    expect(parseChunks([Buffer.from(resp('0123456789'))], { ...LIMITS, maxBulkLen: 10 })).toEqual([['0123456789']]);
  });
});

describe('RequestParser: inline', () => {
  it('splits on blanks, accepts a bare LF and skips empty lines', () => {
    expect(parse('\r\n\n  \r\nSET  a\tb\nPING\r\n')).toEqual([['SET', 'a', 'b'], ['PING']]);
  });

  it('understands quotes and escapes like sdssplitargs', () => {
    expect(parse('ECHO "a\\x41\\x4g\\n" \'c\\\'d\' x"y z"\r\n')).toEqual([['ECHO', 'aAx4g\n', "c'd", 'xy z']]);
    expect(protocolError('ECHO "abc\r\n')).toBe('ERR Protocol error: unbalanced quotes in request');
    expect(protocolError('ECHO "abc"d\r\n')).toBe('ERR Protocol error: unbalanced quotes in request');
  });
});
