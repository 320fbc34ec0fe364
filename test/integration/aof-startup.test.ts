// What a server started with appendonly yes does with the AOF directory before it serves, as Redis
// 7.0 does: creates the first base and incr files, upgrades an old single-file AOF (with or without
// an RDB preamble), refuses a manifest with a too long line, stops on an unknown command, keeps a key
// whose PEXPIREAT is past until the load ends; and DEBUG AOF-FLUSH-SLEEP.
import { spawn } from 'node:child_process';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, type RunningServer } from '../helpers/shoal-server.ts';
import { serverPerTest } from '../helpers/server-per-test.ts';
import { resp, writeIncrOnlyAof } from '../helpers/aof-files.ts';
import { writeRdbFileSync } from '../../src/persistence/rdb-file.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a server expected to stop during start-up; resolves its exit code and log. */
async function startExpectingExit(args: string[]): Promise<{ code: number | null; log: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, [`${ROOT}src/main.ts`, '--port', String(port), '--save', '', '--bind', '127.0.0.1', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

describe('AOF at start-up', () => {
  const t = serverPerTest('shoal-aof-start-');
  let server: RunningServer;
  let client: Redis;


  it('creates a base and an incr file when it starts with nothing, and DEBUG LOADAOF reads them back', async () => {
    const dir = t.tempDir();
    server = await t.start(['--dir', dir, '--appendonly', 'yes']);
    const aofDir = path.join(dir, 'appendonlydir');
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.1.base.rdb')).subarray(0, 5).toString()).toBe('REDIS');
    client = t.connect({ port: server.port });
    await client.set('foo', 'behavior');
    const before = await client.call('debug', 'digest');
    expect(/rdb_changes_since_last_save:(\d+)/.exec(await client.info('persistence'))![1]).not.toBe('0');
    expect(await client.call('debug', 'loadaof')).toBe('OK');
    expect(await client.call('debug', 'digest')).toBe(before);
    expect(await client.get('foo')).toBe('behavior');
    // As Redis: what was loaded is not a change since the last save.
    expect(/rdb_changes_since_last_save:(\d+)/.exec(await client.info('persistence'))![1]).toBe('0');
  });

  it('writes an AOF-format base with aof-use-rdb-preamble no', async () => {
    const dir = t.tempDir();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--aof-use-rdb-preamble', 'no']);
    const aofDir = path.join(dir, 'appendonlydir');
    expect(fs.readFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    expect(fs.statSync(path.join(aofDir, 'appendonly.aof.1.base.aof')).size).toBe(0);
  });

  it('moves an old-style RESP AOF into the directory as the base and loads it', async () => {
    const dir = t.tempDir();
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), resp('set', 'k1', 'v1') + resp('set', 'k2', 'v2'));
    server = await t.start(['--dir', dir, '--appendonly', 'yes']);
    expect(server.output()).toContain('Successfully migrated an old-style AOF file (appendonly.aof) into the AOF directory (appendonlydir).');
    expect(fs.existsSync(path.join(dir, 'appendonly.aof'))).toBe(false);
    expect(fs.readFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'latin1')).toBe(
      'file appendonly.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n',
    );
    client = t.connect({ port: server.port });
    expect(await client.mget('k1', 'k2')).toEqual(['v1', 'v2']);
  });

  it('loads an old-style AOF with an RDB preamble: the keys of the RDB part and of the AOF tail', async () => {
    const dir = t.tempDir();
    const rdbPath = path.join(dir, 'preamble.rdb');
    writeRdbFileSync(rdbPath, [{ db: 0, key: 'k1', value: 'v1', expireAt: -1 }, { db: 0, key: 'k2', value: 'v2', expireAt: -1 }], { aofBase: true });
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), Buffer.concat([fs.readFileSync(rdbPath), Buffer.from(resp('select', '0') + resp('set', 'k3', 'v3'))]));
    fs.rmSync(rdbPath);
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--threads', '2']);
    client = t.connect({ port: server.port });
    expect(await client.mget('k1', 'k2', 'k3')).toEqual(['v1', 'v2', 'v3']);
    await client.set('k4', 'v4');
    const before = await client.call('debug', 'digest');
    expect(await client.call('debug', 'loadaof')).toBe('OK');
    expect(await client.call('debug', 'digest')).toBe(before);
  });

  it('completes an upgrade interrupted after the manifest was written', async () => {
    const dir = t.tempDir();
    fs.writeFileSync(path.join(dir, 'appendonly.aof'), resp('set', 'k1', 'v1'));
    fs.mkdirSync(path.join(dir, 'appendonlydir'));
    fs.writeFileSync(path.join(dir, 'appendonlydir', 'appendonly.aof.manifest'), 'file appendonly.aof seq 1 type b\n');
    server = await t.start(['--dir', dir, '--appendonly', 'yes']);
    client = t.connect({ port: server.port });
    expect(await client.get('k1')).toBe('v1');
    expect(fs.existsSync(path.join(dir, 'appendonlydir', 'appendonly.aof'))).toBe(true);
  });

  it('refuses a manifest line longer than 1024 characters, with Redis\'s words', async () => {
    const dir = t.tempDir();
    const aofDir = path.join(dir, 'appendonlydir');
    fs.mkdirSync(aofDir);
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), resp('set', 'k', 'v'));
    fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i'.repeat(30) + '\n');
    const { code, log } = await startExpectingExit(['--dir', dir, '--appendonly', 'yes']);
    expect(code).toBe(1);
    expect(log.match(/The AOF manifest file contains too long line/g)).toHaveLength(1);
  });

  it('stops on a command it does not know, naming it and the file', async () => {
    const dir = t.tempDir();
    writeIncrOnlyAof(dir, resp('set', 'foo', 'hello') + resp('bla', 'foo', 'hello') + resp('set', 'foo', 'hello'));
    const { code, log } = await startExpectingExit(['--dir', dir, '--appendonly', 'yes']);
    expect(code).toBe(1);
    expect(log.trim().split('\n').pop()).toMatch(/Unknown command 'bla' reading the append only file appendonly\.aof\.1\.incr\.aof/);
  });

  it('keeps a key whose PEXPIREAT is past until the load ends, so later writes do not recreate it', async () => {
    const dir = t.tempDir();
    writeIncrOnlyAof(dir, resp('rpush', 'list', 'foo') + resp('pexpireat', 'list', '1000') + resp('rpush', 'list', 'bar'));
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--threads', '2']);
    client = t.connect({ port: server.port });
    expect(await client.llen('list')).toBe(0);
  });

  it('a client that connects while the workers start, with little to load, is served (no -LOADING)', async () => {
    const dir = t.tempDir();
    const port = await freePort();
    const child = spawn(process.execPath, [`${ROOT}src/main.ts`, '--port', String(port), '--save', '', '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let log = '';
      await new Promise<void>((resolve, reject) => {
        child.stdout!.on('data', (d: Buffer) => {
          log += d.toString();
          if (log.includes(' PID: ')) resolve();
        });
        child.once('exit', () => reject(new Error(log)));
      });
      // The port is bound from the PID line on: the first command is answered once the server is up.
      const reply = await new Promise<string>((resolve, reject) => {
        const socket = net.connect(port, '127.0.0.1', () => socket.write('*3\r\n$3\r\nSET\r\n$2\r\nk1\r\n$2\r\nv1\r\n'));
        socket.once('data', (d) => {
          socket.destroy();
          resolve(d.toString());
        });
        socket.once('error', reject);
      });
      expect(reply).toBe('+OK\r\n');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('DEBUG AOF-FLUSH-SLEEP delays the AOF writes, and appendfsync always still answers after the write', async () => {
    const dir = t.tempDir();
    server = await t.start(['--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always']);
    client = t.connect({ port: server.port });
    const incr = path.join(dir, 'appendonlydir', 'appendonly.aof.1.incr.aof');
    expect(await client.call('debug', 'aof-flush-sleep', '300000')).toBe('OK');
    // The log thread gets the setting by message: a write that takes the sleep shows it arrived.
    let waited = 0;
    for (let i = 0; i < 20 && waited < 250; i++) {
      const start = Date.now();
      await client.incr('warm');
      waited = Date.now() - start;
    }
    expect(waited).toBeGreaterThanOrEqual(250);
    const size = fs.statSync(incr).size;
    await client.incr('n');
    expect(fs.statSync(incr).size).toBeGreaterThan(size);
    expect(await client.call('debug', 'aof-flush-sleep', '0')).toBe('OK');
    await expect(client.call('debug', 'aof-flush-sleep')).rejects.toThrow(/wrong number of arguments/);
  });
});
