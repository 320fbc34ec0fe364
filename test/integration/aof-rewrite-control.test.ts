// Controlling BGREWRITEAOF as Redis's operators (and its tests) do: aof-disable-auto-gc keeps the
// history files in Redis's manifest order until it is turned off, and INFO shows the rewrite in
// progress as soon as CONFIG SET appendonly yes returns.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { RunningServer } from '../helpers/shoal-server.ts';
import { infoField, serverPerTest, waitFor } from '../helpers/server-per-test.ts';

describe('AOF rewrite control', () => {
  const t = serverPerTest('shoal-aof-ctl-');
  let server: RunningServer;
  let client: Redis;

  const start = async (args: string[]): Promise<{ dir: string; manifest: () => string }> => {
    const dir = t.tempDir();
    server = await t.start(['--dir', dir, ...args]);
    client = t.connect({ port: server.port });
    return { dir, manifest: () => fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1') };
  };

  it('aof-disable-auto-gc keeps history files in Redis\'s order; turning it off deletes them at once', async () => {
    const { dir, manifest } = await start(['--appendonly', 'yes']);
    const c = client;
    await c.config('SET', 'aof-disable-auto-gc', 'yes');
    for (const base of [2, 3]) {
      await c.set('k', String(base));
      await c.bgrewriteaof();
      await waitFor(`base ${base}`, async () => manifest().includes(`appendonly.aof.${base}.base.rdb`) && (await infoField(c, 'aof_rewrite_in_progress')) === '0');
    }
    expect(manifest()).toBe([
      'file appendonly.aof.3.base.rdb seq 3 type b',
      'file appendonly.aof.2.incr.aof seq 2 type h',
      'file appendonly.aof.2.base.rdb seq 2 type h',
      'file appendonly.aof.1.incr.aof seq 1 type h',
      'file appendonly.aof.1.base.rdb seq 1 type h',
      'file appendonly.aof.3.incr.aof seq 3 type i',
      '',
    ].join('\n'));
    expect(fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof.1.base.rdb'))).toBe(true);
    await c.config('SET', 'aof-disable-auto-gc', 'no');
    expect(manifest()).toBe('file appendonly.aof.3.base.rdb seq 3 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
    expect(fs.readdirSync(path.join(dir, 'appendonlydir')).sort()).toEqual(['appendonly.aof.3.base.rdb', 'appendonly.aof.3.incr.aof', 'appendonly.aof.manifest']);
  });

  it('shows the rewrite in progress as soon as CONFIG SET appendonly yes returns', async () => {
    const { manifest } = await start(['--appendonly', 'no']);
    const c = client;
    await c.set('before', '1');
    await c.config('SET', 'appendonly', 'yes');
    expect(await infoField(c, 'aof_rewrite_in_progress')).toBe('1');
    await waitFor('the first rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });
});
