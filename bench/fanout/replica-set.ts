// A primary and its followers as real processes (shoal or redis-server), each in its own directory,
// started for one step of the fan-out benchmark and stopped after it.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer } from '../bench-servers.ts';
import { encodeCommand } from './resp-command.ts';
import type { ServerKind } from './fanout-options.ts';

export interface ServerProcess {
  port: number;
  child: ChildProcess;
  dir: string;
}

export interface ReplicaSet {
  kind: ServerKind;
  primary: ServerProcess;
  followers: ServerProcess[];
  stop(): Promise<void>;
}

async function startProcess(kind: ServerKind, threads: number, extra: string[]): Promise<ServerProcess> {
  const dir = mkdtempSync(join(tmpdir(), `fanout-${kind}-`));
  const { port, child } = await startServer(kind, threads, ['--dir', dir, ...extra]);
  return { port, child, dir };
}

function stopProcess(server: ServerProcess): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      rmSync(server.dir, { recursive: true, force: true });
      resolve();
    };
    if (server.child.exitCode !== null || server.child.signalCode !== null) return done();
    server.child.once('exit', done);
    server.child.kill('SIGKILL');
  });
}

/** One command on a fresh connection; resolves with the raw reply text. */
export function command(port: number, ...argv: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let text = '';
    socket.on('connect', () => {
      socket.write(encodeCommand(argv));
    });
    socket.on('data', (d) => {
      text += d.toString('latin1');
      // Simple, error and integer replies end at their first CRLF; bulk replies (INFO) at their length.
      const m = /^\$(\d+)\r\n/.exec(text);
      if (m !== null ? text.length >= m[0].length + Number(m[1]) + 2 : text.includes('\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.on('error', reject);
  });
}

async function waitForSync(primary: ServerProcess, followers: ServerProcess[]): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    let synced = 0;
    for (const follower of followers) {
      const info = await command(follower.port, 'INFO', 'replication');
      if (/master_link_status:up/.test(info) && /master_sync_in_progress:0/.test(info)) synced++;
    }
    const primaryInfo = await command(primary.port, 'INFO', 'replication');
    const online = (primaryInfo.match(/state=online/g) ?? []).length;
    if (synced === followers.length && online >= followers.length) return;
    if (Date.now() > deadline) throw new Error(`followers not in sync after 60 s (${synced}/${followers.length} linked, ${online} online)`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a primary and `count` followers of the same kind and waits until every follower is online. */
export async function startReplicaSet(kind: ServerKind, count: number, threads: number): Promise<ReplicaSet> {
  const primary = await startProcess(kind, threads, []);
  const followers: ServerProcess[] = [];
  const set: ReplicaSet = {
    kind, primary, followers,
    stop: async () => {
      await Promise.all([primary, ...followers].map(stopProcess));
    },
  };
  try {
    for (let i = 0; i < count; i++) followers.push(await startProcess(kind, threads, ['--replicaof', '127.0.0.1', String(primary.port)]));
    await waitForSync(primary, followers);
  } catch (error) {
    await set.stop();
    throw error;
  }
  return set;
}
