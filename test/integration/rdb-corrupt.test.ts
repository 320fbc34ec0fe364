import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal } from '../helpers/shoal-server.ts';

// A dump.rdb whose CRC-64 does not match is refused at start-up, as Redis refuses it: the server
// says so in Redis's words ("RDB CRC error") and exits instead of serving a partial dataset.
describe('corrupt persistence files at start-up', () => {
  it('stops the server at start-up with a CRC error', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-corrupt-'));
    try {
      const server = await startShoal(['--dir', dir]);
      const r = new Redis(server.port, '127.0.0.1');
      await r.set('a', '1');
      expect(await r.save()).toBe('OK');
      r.disconnect();
      await server.stop();
      const file = path.join(dir, 'dump.rdb');
      const bytes = fs.readFileSync(file);
      bytes.write('foobar00', bytes.length - 8, 'latin1');
      fs.writeFileSync(file, bytes);
      const failure = await startShoal(['--dir', dir], 1).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (err: Error) => err.message,
      );
      expect(failure).toMatch(/exited with 1 before it was ready/);
      expect(failure).toMatch(/RDB CRC error/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('an AOF manifest that names a missing file stops start-up too', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-manifest-'));
    try {
      const aofDir = path.join(dir, 'appendonlydir');
      fs.mkdirSync(aofDir);
      fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n');
      fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
      const failure = await startShoal(['--dir', dir, '--appendonly', 'yes'], 1).then(
        async (s) => {
          await s.stop();
          return 'started';
        },
        (err: Error) => err.message,
      );
      expect(failure).toMatch(/exited with 1 before it was ready/);
      expect(failure).toMatch(/appendonly\.aof\.2\.incr\.aof for reading: No such file or directory/);
      // Nothing was created in its place.
      expect(fs.existsSync(path.join(aofDir, 'appendonly.aof.2.incr.aof'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
