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

describe('RequestParser: chunking', () => {
  const pipeline = resp('SET', 'key:1', 'va\r\nlue') + 'PING\r\n' + resp('MSET', 'a', '', 'b', '\x00\xff') + '*0\r\n' +
    'ECHO "quoted \\x41"\n' + resp('GET', 'key:1');
  const expected = parse(pipeline);

  it('gives the same commands for a pipeline split at every byte boundary', () => {
    const bytes = Buffer.from(pipeline, 'latin1');
    expect(expected).toHaveLength(5);
    for (let i = 0; i <= bytes.length; i++) {
      expect(parseChunks([bytes.subarray(0, i), bytes.subarray(i)])).toEqual(expected);
    }
  });

  it('gives the same commands fed one byte at a time', () => {
    const bytes = Buffer.from(pipeline, 'latin1');
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    expect(parseChunks(chunks)).toEqual(expected);
  });

  it('assembles a large bulk from 64KB chunks with one reservation, reporting bufferedBytes', () => {
    const size = 8 * 1024 * 1024 + 3;
    const value = Buffer.alloc(size, 0x61);
    value[0] = 0; value[size - 1] = 0xff;
    const input = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${size}\r\n`), value, Buffer.from('\r\n' + resp('PING'))]);
    const parser = new RequestParser(LIMITS);
    const out: string[][] = [];
    let maxBuffered = 0;
    for (let i = 0; i < input.length; i += 65536) {
      parser.feed(input.subarray(i, i + 65536));
      maxBuffered = Math.max(maxBuffered, parser.bufferedBytes());
      for (let argv = parser.next(); argv !== null; argv = parser.next()) out.push(argv);
    }
    expect(out).toHaveLength(2);
    expect(out[0][2].length).toBe(size);
    expect(Buffer.from(out[0][2], 'latin1').equals(value)).toBe(true);
    expect(out[1]).toEqual(['PING']);
    expect(maxBuffered).toBeGreaterThan(size - 65536);
    expect(parser.bufferedBytes()).toBe(0);
  });

  it('rejects a bulk longer than the longest JS string (deviation: Redis accepts up to proto-max-bulk-len)', () => {
    expect(protocolError('*1\r\n$536870912\r\n')).toBe('ERR Protocol error: invalid bulk length');
  });

  it('waits (no error) on an unterminated line up to 64KB, errors beyond', () => {
    const parser = new RequestParser(LIMITS);
    parser.feed(Buffer.alloc(65536, 0x61));
    expect(parser.next()).toBeNull();
    parser.feed(Buffer.from('a'));
    expect(() => parser.next()).toThrow('ERR Protocol error: too big inline request');
  });
});

describe('RequestParser: repeated short arguments', () => {
  it('tells apart arguments that differ only in bytes the intern hash does not read', () => {
    // For 5 bytes the hash reads positions 0, 2, 3 and 4: these two share all of them.
    const requests = resp('SADD', 'aXbcd', 'm1') + resp('SADD', 'aYbcd', 'm1') + resp('SADD', 'aXbcd', 'm2');
    expect(parse(requests)).toEqual([['SADD', 'aXbcd', 'm1'], ['SADD', 'aYbcd', 'm1'], ['SADD', 'aXbcd', 'm2']]);
  });

  it('gives every argument its own bytes when most do not repeat and when all do (interning paused and resumed)', () => {
    const chunks: Buffer[] = [];
    const expected: string[][] = [];
    // 6000 distinct keys pause interning; then 6000 of one key; then distinct ones of the same length.
    for (let i = 0; i < 6000; i++) expected.push(['GET', `key:${String(i).padStart(6, '0')}`]);
    for (let i = 0; i < 6000; i++) expected.push(['GET', 'key:hothot']);
    for (let i = 0; i < 6000; i++) expected.push(['GET', `key:${String(i * 7).padStart(6, '0')}`]);
    for (let i = 0; i < expected.length; i += 100) {
      chunks.push(Buffer.from(expected.slice(i, i + 100).map((argv) => resp(...argv)).join(''), 'latin1'));
    }
    expect(parseChunks(chunks)).toEqual(expected);
  });
});
