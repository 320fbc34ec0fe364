import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { Redis, type RedisOptions } from 'ioredis';
import { startShoal, type RunningServer } from './shoal-server.ts';

/** What a test that starts its own shoal (in a directory of its own) needs; everything goes after the test. */
export interface ServerPerTest {
  /** A fresh temporary directory, removed after the test. */
  tempDir(): string;
  /** A shoal started with `args`, stopped after the test. */
  start(args: string[]): Promise<RunningServer>;
  /** An ioredis client, disconnected after the test. */
  connect(options: RedisOptions): Redis;
}

/**
 * For a describe block whose tests each start their own server: registers the afterEach that
 * disconnects the clients, stops the servers and removes the directories of each test.
 */
export function serverPerTest(dirPrefix: string): ServerPerTest {
  const dirs: string[] = [];
  const servers: RunningServer[] = [];
  const clients: Redis[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.disconnect();
    for (const server of servers.splice(0)) await server.stop();
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  return {
    tempDir(): string {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), dirPrefix));
      dirs.push(dir);
      return dir;
    },
    async start(args: string[]): Promise<RunningServer> {
      const server = await startShoal(args);
      servers.push(server);
      return server;
    },
    connect(options: RedisOptions): Redis {
      const client = new Redis(options);
      clients.push(client);
      return client;
    },
  };
}

/** One field of an INFO section, '' when absent. */
export async function infoField(client: Redis, name: string, section = 'persistence'): Promise<string> {
  const info = await client.info(section);
  return new RegExp(`^${name}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '';
}

/** Polls `check` every 25 ms until it holds; fails with `what` after `ms`. */
export async function waitFor(what: string, check: () => Promise<boolean> | boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
