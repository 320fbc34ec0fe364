// BGREWRITEAOF has a child process, as Redis's forked rewrite: kill -9 of it aborts the rewrite (the
// incr file it opened stays listed, the base is not replaced); rdb-key-save-delay keeps it running.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import type { RunningServer } from '../helpers/shoal-server.ts';
import { infoField, serverPerTest, waitFor } from '../helpers/server-per-test.ts';

function childrenOf(pid: number): number[] {
  try {
    return execFileSync('pgrep', ['-P', String(pid)], { encoding: 'latin1' }).trim().split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // pgrep exits 1 when there is none
  }
}

describe('AOF rewrite child process', () => {
  const t = serverPerTest('shoal-aof-ctl-');
  let server: RunningServer;
  let client: Redis;

  const start = async (args: string[]): Promise<{ dir: string; manifest: () => string }> => {
    const dir = t.tempDir();
    server = await t.start(['--dir', dir, ...args]);
    client = t.connect({ port: server.port });
    return { dir, manifest: () => fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1') };
  };

  it('kill -9 of the rewrite\'s child aborts it; a later rewrite succeeds and the child is gone', async () => {
    const { manifest } = await start(['--appendonly', 'yes']);
    const c = client;
    await c.call('debug', 'populate', '50');
    await c.config('SET', 'rdb-key-save-delay', '10000000');
    await c.bgrewriteaof();
    const pid = server.process.pid!;
    let kids: number[] = [];
    await waitFor('the rewrite child', () => (kids = childrenOf(pid)).length === 1);
    expect(await infoField(c, 'aof_rewrite_in_progress')).toBe('1');
    process.kill(kids[0]!, 'SIGKILL');
    await waitFor('the rewrite to end', async () => (await infoField(c, 'aof_rewrite_in_progress')) === '0');
    expect(await infoField(c, 'aof_last_bgrewrite_status')).toBe('err');
    // As Redis: the failed rewrite's new incr file stays listed, the base is unchanged.
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n');
    await c.config('SET', 'rdb-key-save-delay', '0');
    await c.bgrewriteaof();
    // The manifest is written twice: with the history files, then without them once they are deleted.
    await waitFor('the second rewrite', () => manifest().includes('appendonly.aof.2.base.rdb') && !manifest().includes(' type h'));
    expect(manifest()).toBe('file appendonly.aof.2.base.rdb seq 2 type b\nfile appendonly.aof.3.incr.aof seq 3 type i\n');
    await waitFor('the child to go', () => childrenOf(pid).length === 0);
    const digest = await c.call('debug', 'digest');
    expect(await c.call('debug', 'loadaof')).toBe('OK');
    expect(await c.call('debug', 'digest')).toBe(digest);
  });

  it('appendonly turned on at runtime: a killed first rewrite deletes its incr file and leaves no manifest; the next one lists base 1 and incr 1', async () => {
    const { dir, manifest } = await start(['--appendonly', 'no']);
    const c = client;
    await c.call('debug', 'populate', '50');
    await c.config('SET', 'rdb-key-save-delay', '10000000');
    const forks = Number(/total_forks:(\d+)/.exec(await c.info('stats'))![1]);
    await c.config('SET', 'appendonly', 'yes');
    // As Redis forks inside CONFIG SET: the rewrite (and its child) runs when the reply arrives.
    const pid = server.process.pid!;
    const kids = childrenOf(pid);
    expect(kids).toHaveLength(1);
    expect(Number(/total_forks:(\d+)/.exec(await c.info('stats'))![1])).toBe(forks + 1);
    process.kill(kids[0]!, 'SIGKILL');
    await waitFor('the temp incr file removal', () => server.output().includes('Removing the temp incr aof file'));
    const aofDir = path.join(dir, 'appendonlydir');
    expect(fs.existsSync(path.join(aofDir, 'appendonly.aof.manifest'))).toBe(false);
    expect(fs.readdirSync(aofDir).filter((f) => f.endsWith('.rdb'))).toEqual([]);
    // The rewrite is retried (still paced): let it run at full speed, and kill the paced attempt.
    await c.config('SET', 'rdb-key-save-delay', '0');
    for (const kid of childrenOf(pid)) process.kill(kid, 'SIGKILL');
    await waitFor('the first base', () => fs.existsSync(path.join(aofDir, 'appendonly.aof.manifest')));
    expect(manifest()).toBe('file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n');
    await c.set('after', '1');
    const digest = await c.call('debug', 'digest');
    expect(await c.call('debug', 'loadaof')).toBe('OK');
    expect(await c.call('debug', 'digest')).toBe(digest);
  });
});
