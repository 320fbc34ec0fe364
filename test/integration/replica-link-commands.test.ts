// What a primary does with commands other than REPLCONF on a replica's link (after SYNC / PSYNC):
// as Redis, it never answers them on the link (the reply would corrupt the stream), closes the link
// and says why in its log; a command that touches the keyspace is refused first.
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { until } from './replication-helpers.ts';

function command(...argv: string[]): string {
  return `*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/** Sends `first`, then `then` once the primary answered +FULLRESYNC (or at once for SYNC); resolves when the primary closes the link. */
function replicaLink(port: number, first: string, then: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    let sent = false;
    socket.on('connect', () => {
      socket.write(first);
      if (first.includes('SYNC\r\n') && !first.includes('PSYNC')) {
        sent = true;
        socket.write(then);
      }
    });
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      if (!sent && received.includes('+FULLRESYNC')) {
        sent = true;
        socket.write(then);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('commands on a replica link', () => {
  let server: RunningServer;
  let client: Redis;

  beforeAll(async () => {
    server = await startShoal(['--save', '', '--repl-diskless-sync', 'no']);
    client = new Redis({ port: server.port });
    await client.set('foo', 'bar');
  });

  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });

  it('PING after SYNC: the link is closed without PONG, and the log says why', async () => {
    const received = await replicaLink(server.port, command('SYNC'), command('PING'));
    expect(received).not.toContain('+PONG');
    await until('the log line', async () => server.output().includes("Replica generated a reply to command 'ping', disconnecting it: "), 5_000);
    expect(await client.ping()).toBe('PONG');
  });

  it('GET after PSYNC: refused (the keyspace is not the link\'s to use), and the link is closed', async () => {
    const received = await replicaLink(server.port, command('PSYNC', 'replicationid', '-1'), command('GET', 'foo'));
    // (Keep-alive newlines may come first, as from Redis.)
    expect(received).toMatch(/^\n*\+FULLRESYNC [0-9a-f]{40} \d+\r\n/);
    expect(received).not.toContain('$3\r\nbar\r\n');
    await until('the log lines', async () => server.output().includes("Replica generated a reply to command 'get', disconnecting it: "), 5_000);
    expect(server.output()).toContain("== CRITICAL == This master is sending an error to its replica: 'ERR Replica can't interact with the keyspace' after processing the command 'get'");
  });

  it('PSYNC with an offset that is not a number: an error, logged', async () => {
    await expect(client.call('PSYNC', 'replicationid', 'offset_str')).rejects.toThrow('ERR value is not an integer or out of range');
    await until('the log line', async () => /Replica .* asks for synchronization but with a wrong offset/.test(server.output()), 5_000);
    expect(await client.ping()).toBe('PONG');
  });
});
