import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SpscRing, createRingBuffer } from '../../../src/ipc/spsc-ring.ts';
import { encodeRequest, requestLength } from '../../../src/ipc/frames.ts';
import { EffectMerger } from '../../../src/log/effect-merger.ts';
import { AofWriter } from '../../../src/log/aof-writer.ts';
import { formatManifest, parseManifest } from '../../../src/log/aof-manifest.ts';
import { checkAof, startRedisOnAof } from './redis-aof.ts';

const dirs: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aof-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

interface Effect { db: number; argv: string[]; txId?: number }

/** Feeds effects through a ring and the merger into the writer, as the log thread does. */
function writeEffects(writer: AofWriter, effects: Effect[], firstSeq = 0): void {
  const sab = createRingBuffer(1 << 20);
  const ring = new SpscRing(sab);
  effects.forEach((e, i) => {
    const length = requestLength(e.argv);
    const offset = ring.reserve(length);
    encodeRequest(ring.data, offset, e.db, 0, 0, firstSeq + i, e.txId ?? 0, 0, e.argv);
    ring.commit(offset, length);
  });
  new EffectMerger([sab], firstSeq).drain((frame) => writer.append(frame));
  writer.endTransaction();
  writer.flush();
}

function resp(...argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('');
}

describe('AofWriter', () => {
  it('creates the multi-part layout: one incr file and the manifest, in Redis 7.0 format', () => {
    const dir = tempDir();
    const writer = AofWriter.open({ dir, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendfsync: 'everysec' });
    writeEffects(writer, [
      { db: 0, argv: ['SET', 'a', '1'] },
      { db: 0, argv: ['PEXPIREAT', 'a', '4102444800000'] },
      { db: 1, argv: ['DEL', 'b'] },
      { db: 0, argv: ['SET', 'bin', '\x00\xff\r\n'] },
    ]);
    writer.close();
    const aofDir = path.join(dir, 'appendonlydir');
    expect(fs.readdirSync(aofDir).sort()).toEqual(['appendonly.aof.1.incr.aof', 'appendonly.aof.manifest']);
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1')).toBe('file appendonly.aof.1.incr.aof seq 1 type i\n');
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), 'latin1')).toBe(
      resp('SELECT', '0') + resp('SET', 'a', '1') + resp('PEXPIREAT', 'a', '4102444800000') +
      resp('SELECT', '1') + resp('DEL', 'b') + resp('SELECT', '0') + resp('SET', 'bin', '\x00\xff\r\n'),
    );
    const check = checkAof(path.join(aofDir, 'appendonly.aof.manifest'));
    expect(check.output).toContain('All AOF files and manifest are valid');
    expect(check.status).toBe(0);
  });

  it('writes a transaction id\'s effects as one MULTI … EXEC block', () => {
    const dir = tempDir();
    const writer = AofWriter.open({ dir, appenddirname: 'd', appendfilename: 'x.aof', appendfsync: 'always' });
    writeEffects(writer, [
      { db: 2, argv: ['SET', 'a', '1'], txId: 7 },
      { db: 2, argv: ['SET', 'b', '2'], txId: 7 },
      { db: 2, argv: ['SET', 'c', '3'] },
    ]);
    writer.close();
    expect(fs.readFileSync(path.join(dir, 'd', 'x.aof.1.incr.aof'), 'latin1')).toBe(
      resp('SELECT', '2') + resp('MULTI') + resp('SET', 'a', '1') + resp('SET', 'b', '2') + resp('EXEC') + resp('SET', 'c', '3'),
    );
    expect(checkAof(path.join(dir, 'd', 'x.aof.manifest')).status).toBe(0);
  });

  it('appends to the last incr file of an existing manifest, and starts a new incr after a base-only manifest', () => {
    const dir = tempDir();
    const first = AofWriter.open({ dir, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendfsync: 'no' });
    writeEffects(first, [{ db: 0, argv: ['SET', 'a', '1'] }]);
    first.close();
    const again = AofWriter.open({ dir, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendfsync: 'no' });
    writeEffects(again, [{ db: 0, argv: ['SET', 'b', '2'] }]);
    again.close();
    const aofDir = path.join(dir, 'appendonlydir');
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), 'latin1')).toBe(
      resp('SELECT', '0') + resp('SET', 'a', '1') + resp('SELECT', '0') + resp('SET', 'b', '2'),
    );

    const other = tempDir();
    fs.mkdirSync(path.join(other, 'appendonlydir'));
    fs.writeFileSync(path.join(other, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof.3.base.aof seq 3 type b\n');
    fs.writeFileSync(path.join(other, 'appendonlydir', 'appendonly.aof.3.base.aof'), resp('SET', 'base', 'yes'));
    const afterBase = AofWriter.open({ dir: other, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendfsync: 'no' });
    writeEffects(afterBase, [{ db: 0, argv: ['SET', 'c', '3'] }]);
    afterBase.close();
    expect(fs.readFileSync(path.join(other, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.3.base.aof seq 3 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    expect(checkAof(path.join(other, 'appendonlydir', 'appendonly.aof.manifest')).status).toBe(0);
  });

  it('reads and writes manifests as Redis does (comments, quoting, order, errors)', () => {
    const files = parseManifest('# a comment\nfile appendonly.aof.2.incr.aof seq 2 type i\nfile "odd name.aof" seq 1 type b\nfile h.aof seq 1 type h\n');
    expect(files).toEqual([
      { fileName: 'appendonly.aof.2.incr.aof', seq: 2, type: 'i' },
      { fileName: 'odd name.aof', seq: 1, type: 'b' },
      { fileName: 'h.aof', seq: 1, type: 'h' },
    ]);
    expect(formatManifest(files)).toBe('file "odd name.aof" seq 1 type b\nfile h.aof seq 1 type h\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    expect(() => parseManifest('')).toThrow('Found an empty AOF manifest');
    expect(() => parseManifest('file a seq 2 type i\nfile b seq 2 type i\n')).toThrow('non-monotonic');
    expect(() => parseManifest('file a/b seq 1 type i\n')).toThrow("can't be a path");
    expect(() => parseManifest('file a seq 1\n')).toThrow('Invalid AOF manifest file format');
  });

  it('produces files that redis-server 7.0 loads (no base file needed)', async () => {
    const dir = tempDir();
    const writer = AofWriter.open({ dir, appenddirname: 'aofs', appendfilename: 'shoal.aof', appendfsync: 'always' });
    writeEffects(writer, [
      { db: 0, argv: ['SET', 'a', '1'] },
      { db: 0, argv: ['SET', 'gone', '1'] },
      { db: 0, argv: ['DEL', 'gone'] },
      { db: 5, argv: ['SET', 'five', 'v'] },
      { db: 5, argv: ['PEXPIREAT', 'five', String(Date.now() + 100_000)] },
      { db: 0, argv: ['SET', 'bin', '\x00\xff\r\n'], txId: 3 },
    ]);
    writer.close();
    const redis = await startRedisOnAof(dir, 'aofs', 'shoal.aof');
    try {
      expect(await redis.client.get('a')).toBe('1');
      expect(await redis.client.exists('gone')).toBe(0);
      expect(await redis.client.getBuffer('bin')).toEqual(Buffer.from('\x00\xff\r\n', 'latin1'));
      await redis.client.select(5);
      expect(await redis.client.get('five')).toBe('v');
      const ttl = await redis.client.pttl('five');
      expect(ttl).toBeGreaterThan(90_000);
      expect(ttl).toBeLessThanOrEqual(100_000);
    } finally {
      await redis.stop();
    }
  });

  describe('an existing incr file whose end is torn (crash mid-write)', () => {
    function reopen(content: string, loadTruncated = true): { file: string; open: () => AofWriter } {
      const dir = tempDir();
      const aofDir = path.join(dir, 'appendonlydir');
      fs.mkdirSync(aofDir);
      fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
      const file = path.join(aofDir, 'appendonly.aof.1.incr.aof');
      fs.writeFileSync(file, Buffer.from(content, 'latin1'));
      const open = (): AofWriter => AofWriter.open({
        dir, appenddirname: 'appendonlydir', appendfilename: 'appendonly.aof', appendfsync: 'no', loadTruncated, warn: () => {},
      });
      return { file, open };
    }
    const big = 'v'.repeat(3 * 1024 * 1024);

    it.each([
      ['a half-written command', resp('SET', 'a', '1') + '*3\r\n$3\r\nSET\r\n$1\r\nb'],
      ['a header cut before its CRLF', resp('SET', 'a', '1') + '*3\r'],
      ['a MULTI block without EXEC', resp('SET', 'a', '1') + resp('MULTI') + resp('SET', 'b', '2')],
      ['a big value cut short', resp('SET', 'a', '1') + resp('SET', 'big', big).slice(0, 2 * 1024 * 1024)],
    ])('cuts %s before appending, as aof-load-truncated does', (_what, content) => {
      const { file, open } = reopen(content);
      const writer = open();
      writeEffects(writer, [{ db: 0, argv: ['SET', 'c', '3'] }]);
      writer.close();
      expect(fs.readFileSync(file, 'latin1')).toBe(resp('SET', 'a', '1') + resp('SELECT', '0') + resp('SET', 'c', '3'));
      expect(checkAof(file).status).toBe(0);
    });

    it('keeps a complete file untouched, big values included', () => {
      const content = resp('SET', 'big', big) + resp('MULTI') + resp('SET', 'x', '1') + resp('EXEC');
      const { file, open } = reopen(content);
      open().close();
      expect(fs.statSync(file).size).toBe(content.length);
    });

    it('refuses corruption before the end, and a torn end with aof-load-truncated no', () => {
      expect(() => reopen(resp('SET', 'a', '1') + 'garbage\r\n' + resp('SET', 'b', '2')).open()).toThrow('Bad file format');
      expect(() => reopen(resp('SET', 'a', '1') + '*2\r\n$3\r\nDEL', false).open()).toThrow('Unexpected end of file reading the append only file');
    });
  });
});
