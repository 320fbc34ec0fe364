import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';

/**
 * kill -9 during a write load, then a restart from the AOF: with appendfsync always every
 * acknowledged write is there (group commit: replies wait for the fsync); with everysec about a
 * second of writes may be lost, no more.
 */
async function writeUntilKilled(server: RunningServer, killAfter: number, withBallast: boolean): Promise<{ acked: Map<string, number>; count: number }> {
  const acked = new Map<string, number>();
  const clients = [0, 1, 2, 3].map(() => new Redis({ port: server.port, maxRetriesPerRequest: 0, retryStrategy: () => null }));
  // Big values keep the log thread busy writing and fsyncing, so a reply sent before its write is
  // durable would have a wide window to be lost in.
  const ballast = (withBallast ? [0, 1] : []).map(() => new Redis({ port: server.port, maxRetriesPerRequest: 0, retryStrategy: () => null }));
  const big = 'x'.repeat(256 * 1024);
  let count = 0;
  let killed = false;
  const load = ballast.map(async (client, b) => {
    for (let i = 0; !killed; i++) {
      try {
        await client.set(`ballast:${b}:${i % 8}`, big);
      } catch {
        return;
      }
    }
  });
  await Promise.all(clients.map(async (client, c) => {
    for (let i = 0; !killed; i++) {
      const key = `c${c}:k${i % 50}`;
      try {
        await client.set(key, String(i));
        acked.set(key, i);
        if (++count === killAfter && !killed) {
          killed = true;
          server.process.kill('SIGKILL');
        }
      } catch {
        return;
      }
    }
  }));
  await Promise.all(load);
  for (const client of [...clients, ...ballast]) client.disconnect();
  return { acked, count };
}

describe('AOF durability across kill -9', () => {
  const dirs: string[] = [];
  let server: RunningServer | undefined;

  afterAll(async () => {
    await server?.stop();
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('appendfsync always: every acknowledged write survives', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-always-'));
    dirs.push(dir);
    const args = ['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'always'];
    server = await startShoal(args);
    const { acked } = await writeUntilKilled(server, 1500, true);
    server = await startShoal(args);
    const client = new Redis({ port: server.port });
    const keys = [...acked.keys()];
    const values = await client.mget(...keys);
    const lost = keys.filter((key, i) => values[i] === null || Number(values[i]) < acked.get(key)!);
    client.disconnect();
    expect(lost).toEqual([]);
    await server.stop();
    server = undefined;
  }, 180_000);

  it('appendfsync everysec: at most about one second of writes is lost', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shoal-everysec-'));
    dirs.push(dir);
    const args = ['--threads', '2', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec'];
    server = await startShoal(args);
    const started = Date.now();
    const { acked, count } = await writeUntilKilled(server, 6000, false);
    const rate = count / ((Date.now() - started) / 1000);
    server = await startShoal(args);
    const client = new Redis({ port: server.port });
    const keys = [...acked.keys()];
    const values = await client.mget(...keys);
    // Each key was overwritten in sequence: how far behind the acknowledged value a key is counts the
    // writes lost on it; the total must stay within about a second of the measured write rate.
    let lostWrites = 0;
    keys.forEach((key, i) => {
      const got = values[i] === null ? -1 : Number(values[i]);
      lostWrites += Math.max(0, (acked.get(key)! - got) / 50);
    });
    client.disconnect();
    expect(lostWrites).toBeLessThan(rate * 1.5 + 100);
    await server.stop();
    server = undefined;
  }, 180_000);
});
