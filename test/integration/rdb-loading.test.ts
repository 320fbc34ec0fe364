// The -LOADING state: while the RDB file loads at start-up, clients are answered as Redis answers
// them (-LOADING, INFO with loading:1, SELECT), and continue where they were once it is loaded;
// INFO's rdb_last_load_keys_loaded/expired count the keys of the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { freePort, startShoal } from '../helpers/shoal-server.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A raw RESP connection: send bytes, read until `count` replies (lines starting a reply) arrived. */
class RawClient {
  private buffer = '';
  private readonly socket: net.Socket;
  private waiter: (() => void) | null = null;

  constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => {
      this.buffer += chunk.toString('latin1');
      this.waiter?.();
    });
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1' }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  /** Waits until the received text matches `pattern`; returns and consumes all of it. */
  async until(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!pattern.test(this.buffer)) {
      if (Date.now() > deadline) throw new Error(`no reply matching ${pattern}; got ${JSON.stringify(this.buffer)}`);
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 50);
      });
    }
    const text = this.buffer;
    this.buffer = '';
    return text;
  }

  close(): void {
    this.socket.destroy();
  }
}

describe('loading the RDB file at start-up', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-rdb-loading-'));
  let child: ChildProcess | null = null;

  afterAll(async () => {
    if (child !== null && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers -LOADING meanwhile, then serves every client in the database it selected', async () => {
    // The file: 20000 keys, 300 of them expiring before the restart.
    const first = await startShoal(['--threads', '2', '--dir', dir]);
    const client = new Redis({ port: first.port });
    await client.debug('POPULATE', '20000', 'key', '10');
    const pipeline = client.pipeline();
    for (let i = 0; i < 300; i++) pipeline.set(`short:${i}`, 'v', 'PX', 200);
    await pipeline.exec();
    expect(await client.save()).toBe('OK');
    client.disconnect();
    await first.stop();
    await new Promise((r) => setTimeout(r, 300));

    // 20300 keys x 300 us: the load lasts about 6 s.
    const port = await freePort();
    child = spawn(process.execPath, [`${ROOT}src/main.ts`, '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir,
      '--threads', '2', '--key-load-delay', '300'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
    const deadline = Date.now() + 20_000;
    while (!log.includes('PID:')) {
      if (Date.now() > deadline) throw new Error(`no PID line:\n${log}`);
      await new Promise((r) => setTimeout(r, 20));
    }

    const raw = await RawClient.connect(port);
    raw.send('SELECT 3\r\nPING\r\n');
    expect(await raw.until(/LOADING.*\r\n$/)).toBe('+OK\r\n-LOADING Redis is loading the dataset in memory\r\n');
    raw.send('*1\r\n$4\r\nINFO\r\n');
    const info = await raw.until(/loading_eta_seconds:\d+\r\n\r\n$/);
    expect(info).toMatch(/\r\nloading:1\r\n/);
    expect(info).toMatch(/\r\nconnected_clients:1\r\n/);
    expect(info).toMatch(/\r\nloading_total_bytes:[1-9]\d*\r\n/);
    // Half a request now, the rest after the load.
    raw.send('*3\r\n$3\r\nSET\r\n$1\r\nx\r\n');
    expect(log).not.toContain('Ready to accept connections');

    const other = new Redis({ port, retryStrategy: () => 50, maxRetriesPerRequest: null });
    const deadlineLoaded = Date.now() + 60_000;
    for (;;) {
      const reply = await other.ping().catch((err: Error) => err.message);
      if (reply === 'PONG') break;
      expect(reply).toBe('LOADING Redis is loading the dataset in memory');
      if (Date.now() > deadlineLoaded) throw new Error(`not loaded:\n${log}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    raw.send('$1\r\ny\r\nGET x\r\n');
    expect(await raw.until(/\$1\r\ny\r\n$/)).toBe('+OK\r\n$1\r\ny\r\n');
    await other.select(3);
    expect(await other.get('x')).toBe('y');
    await other.select(0);
    expect(await other.dbsize()).toBe(20000);
    const persistence = await other.info('persistence');
    expect(persistence).toMatch(/\r\nloading:0\r\n/);
    expect(persistence).toMatch(/\r\nrdb_last_load_keys_loaded:20000\r\n/);
    expect(persistence).toMatch(/\r\nrdb_last_load_keys_expired:300\r\n/);
    // DEBUG RELOAD (save, then load) counts its load too.
    await other.config('SET', 'key-load-delay', '0');
    expect(await other.debug('RELOAD')).toBe('OK');
    const reloaded = await other.info('persistence');
    expect(reloaded).toMatch(/\r\nrdb_last_load_keys_loaded:20001\r\n/);
    expect(reloaded).toMatch(/\r\nrdb_last_load_keys_expired:0\r\n/);
    other.disconnect();
    raw.close();
  }, 120_000);
});
