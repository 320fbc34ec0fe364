// Controlling BGREWRITEAOF as Redis's operators (and its tests) do: aof-disable-auto-gc keeps the
// history files in Redis's manifest order until it is turned off, and INFO shows the rewrite in
// progress as soon as CONFIG SET appendonly yes returns.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function infoField(client: Redis, name: string): Promise<string> {
  const info = await client.info('persistence');
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
}

describe('AOF rewrite control', () => {
  const dirs: string[] = [];
  let server: RunningServer | undefined;
  let client: Redis | undefined;

  afterEach(async () => {
    client?.disconnect();
    client = undefined;
    await server?.stop();
    server = undefined;
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const start = async (args: string[]): Promise<{ dir: string; manifest: () => string }> => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-aof-ctl-'));
    dirs.push(dir);
    server = await startShoal(['--dir', dir, ...args]);
    client = new Redis({ port: server.port });
    return { dir, manifest: () => fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1') };
  };

  it('aof-disable-auto-gc keeps history files in Redis\'s order; turning it off deletes them at once', async () => {
    const { dir, manifest } = await start(['--appendonly', 'yes']);
    const c = client!;
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
    const c = client!;
    await c.set('before', '1');
    await c.config('SET', 'appendonly', 'yes');
    expect(await infoField(c, 'aof_rewrite_in_progress')).toBe('1');
    await waitFor('the first rewrite', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
  });
});
