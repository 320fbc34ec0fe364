import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { Redis } from 'ioredis';
import { freePort, startShoal, type RunningServer } from '../helpers/shoal-server.ts';

// CONFIG SET port moves the listener at run time; a port that cannot be bound rolls back every value
// of the same CONFIG SET, as Redis's "rollback on apply error".

let server: RunningServer;

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
});

afterAll(async () => {
  await server.stop();
});

describe('CONFIG SET port', () => {
  it('refuses a port in use with Redis\'s error and keeps the other values of the command unchanged', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '0.0.0.0', resolve));
    const used = (blocker.address() as net.AddressInfo).port;
    const r = new Redis(server.port, '127.0.0.1');
    try {
      const maxmemoryBefore = await r.config('GET', 'maxmemory');
      await expect(r.config('SET', 'maxmemory', '10000001', 'port', String(used), 'client-query-buffer-limit', '10m'))
        .rejects.toThrow("ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port: Address already in use");
      expect(await r.config('GET', 'maxmemory')).toEqual(maxmemoryBefore);
      expect(await r.config('GET', 'port')).toEqual(['port', String(server.port)]);
      expect(await r.config('GET', 'client-query-buffer-limit')).toEqual(['client-query-buffer-limit', '1073741824']);
      // Still served on the original port.
      const again = new Redis(server.port, '127.0.0.1');
      expect(await again.ping()).toBe('PONG');
      again.disconnect();
    } finally {
      r.disconnect();
      blocker.close();
    }
  });

  it('listens on the new port and no longer on the old one', async () => {
    const r = new Redis(server.port, '127.0.0.1');
    const target = await freePort();
    expect(await r.config('SET', 'port', String(target))).toBe('OK');
    r.disconnect();
    const moved = new Redis(target, '127.0.0.1');
    expect(await moved.ping()).toBe('PONG');
    expect(await moved.config('GET', 'port')).toEqual(['port', String(target)]);
    moved.disconnect();
    await expect(new Promise((resolve, reject) => {
      const socket = net.connect(server.port, '127.0.0.1', () => resolve('connected'));
      socket.on('error', (err) => reject(err));
    })).rejects.toThrow(/ECONNREFUSED/);
    // server.stop() signals the process, whatever port it listens on.
  });
});
