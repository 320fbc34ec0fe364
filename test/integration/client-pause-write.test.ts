// CLIENT PAUSE WRITE on two workers: writes (and may-replicate commands, write transactions and
// scripts) wait until the pause ends, on every worker; reads, read-only transactions and no-writes
// scripts run meanwhile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, plain, RawClient, rawPerWorker } from './support.ts';

let server: RunningServer;
let port: number;
let probe: RawClient;
const toClose: RawClient[] = [];

async function blockedClients(): Promise<number> {
  return Number(/^blocked_clients:(\d+)/m.exec(String(await probe.call('INFO', 'clients')))![1]);
}

async function untilBlocked(n: number): Promise<void> {
  for (let i = 0; i < 300 && (await blockedClients()) !== n; i++) await new Promise((r) => setTimeout(r, 10));
  expect(await blockedClients()).toBe(n);
}

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  port = server.port;
  probe = await RawClient.connect(port);
});

afterAll(async () => {
  probe?.close();
  for (const c of toClose) c.close();
  await server?.stop();
});

describe('CLIENT PAUSE WRITE', () => {
  it('holds writes of clients of both workers until UNPAUSE, in order, while reads go on', async () => {
    const clients = await rawPerWorker(port, probe);
    toClose.push(...clients);
    const [c0, c1] = clients as [RawClient, RawClient];
    const k0 = keyOn(0, 'pw');
    const k1 = keyOn(1, 'pw');
    await probe.call('MSET', k0, 'before', k1, 'before');
    expect(await probe.call('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('OK');
    c0.send('SET', k1, 'after');
    c1.send('SET', k0, 'after');
    c1.send('GET', k0);
    await untilBlocked(2);
    expect(await probe.call('GET', k0)).toBe('before');
    expect(await probe.call('MULTI')).toBe('OK');
    expect(await probe.call('GET', k1)).toBe('QUEUED');
    expect(await probe.call('EXEC')).toEqual(['before']);
    expect(c1.pending().length).toBe(0);
    expect(await probe.call('CLIENT', 'UNPAUSE')).toBe('OK');
    expect(await c0.read()).toEqual({ type: '+', value: 'OK' });
    expect(await c1.read()).toEqual({ type: '+', value: 'OK' });
    // The GET sent behind the held SET runs after it.
    expect(await c1.read()).toEqual({ type: '$', value: 'after' });
    expect(await probe.call('MGET', k0, k1)).toEqual(['after', 'after']);
    expect(await blockedClients()).toBe(0);
  });

  it('holds an EXEC that writes and a script without no-writes, not a no-writes script', async () => {
    const clients = await rawPerWorker(port, probe);
    toClose.push(...clients);
    const [c0, c1] = clients as [RawClient, RawClient];
    const k = keyOn(1, 'pw-tx');
    expect(await c0.call('MULTI')).toBe('OK');
    expect(await c0.call('INCR', k)).toBe('QUEUED');
    expect(await probe.call('CLIENT', 'PAUSE', '60000', 'WRITE')).toBe('OK');
    c0.send('EXEC');
    c1.send('EVAL', 'return 1', '0');
    await untilBlocked(2);
    expect(await probe.call('EVAL', '#!lua flags=no-writes\nreturn 2', '0')).toBe(2);
    expect(await probe.call('CLIENT', 'UNPAUSE')).toBe('OK');
    expect(plain(await c0.read())).toEqual([1]);
    expect(plain(await c1.read())).toBe(1);
  });
});
