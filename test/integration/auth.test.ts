// AUTH with --requirepass: raw RESP, HELLO AUTH, and both client libraries' password options.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClient } from 'redis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { keyOn, plain, RawClient } from './support.ts';

let server: RunningServer;
let port: number;
const PASSWORD = 's3cret pass';

beforeAll(async () => {
  server = await startShoal(['--threads', '2', '--requirepass', PASSWORD]);
  port = server.port;
});

afterAll(async () => {
  await server?.stop();
});

describe('requirepass', () => {
  it('refuses commands before AUTH, accepts the password, rejects a wrong one', async () => {
    const c = await RawClient.connect(port);
    try {
      expect(await c.call('GET', keyOn(1, 'auth'))).toEqual(new Error('NOAUTH Authentication required.'));
      expect(await c.call('SET', keyOn(0, 'auth'), 'x')).toEqual(new Error('NOAUTH Authentication required.'));
      expect(await c.call('PING')).toEqual(new Error('NOAUTH Authentication required.'));
      expect(await c.call('AUTH', 'wrong')).toEqual(new Error('WRONGPASS invalid username-password pair or user is disabled.'));
      expect(await c.call('AUTH', 'default', 'wrong')).toEqual(new Error('WRONGPASS invalid username-password pair or user is disabled.'));
      expect(await c.call('AUTH', 'a', 'b', 'c')).toEqual(new Error('ERR syntax error'));
      expect(await c.call('AUTH', PASSWORD)).toBe('OK');
      expect(await c.call('SET', keyOn(1, 'auth'), 'v')).toBe('OK');
      expect(await c.call('GET', keyOn(1, 'auth'))).toBe('v');
      expect(await c.call('AUTH', 'default', PASSWORD)).toBe('OK');
      // RESET drops the authentication.
      expect(await c.call('RESET')).toBe('RESET');
      expect(await c.call('GET', keyOn(1, 'auth'))).toEqual(new Error('NOAUTH Authentication required.'));
    } finally {
      c.close();
    }
  });

  it('HELLO 3 AUTH authenticates and switches protocol in one step; HELLO without AUTH is refused', async () => {
    const c = await RawClient.connect(port);
    try {
      c.send('HELLO', '3');
      expect(plain(await c.read())).toEqual(new Error('NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time'));
      c.send('HELLO', '3', 'AUTH', 'default', 'nope');
      expect(plain(await c.read())).toEqual(new Error('WRONGPASS invalid username-password pair or user is disabled.'));
      c.send('HELLO', '3', 'AUTH', 'default', PASSWORD, 'SETNAME', 'helloed');
      const hello = await c.read();
      expect(hello.type).toBe('%');
      expect(new Map(plain(hello) as [string, unknown][]).get('proto')).toBe(3);
      c.send('GET', keyOn(0, 'missing'));
      expect(await c.read()).toEqual({ type: '_', value: null });
      expect(await c.call('CLIENT', 'GETNAME')).toBe('helloed');
    } finally {
      c.close();
    }
  });

  it('QUIT is allowed before AUTH', async () => {
    const c = await RawClient.connect(port);
    c.send('QUIT');
    expect(await c.read()).toEqual({ type: '+', value: 'OK' });
    expect(await c.waitClosed(3000)).toBe(true);
  });

  it('ioredis and node-redis authenticate with their password options and work across workers', async () => {
    const io = new Redis({ port, host: '127.0.0.1', password: PASSWORD });
    const nr = createClient({ socket: { port, host: '127.0.0.1' }, password: PASSWORD, RESP: 3 });
    try {
      await nr.connect();
      const [a, b] = [keyOn(0, 'libauth'), keyOn(1, 'libauth')];
      expect(await io.mset(a, '1', b, '2')).toBe('OK');
      expect(await nr.mGet([a, b])).toEqual(['1', '2']);
      expect(await nr.incrByFloat(a, 1.5)).toBe('2.5');
      expect(await io.get(a)).toBe('2.5');
      const bad = new Redis({ port, host: '127.0.0.1', password: 'nope', lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      const errors: string[] = [];
      bad.on('error', (e: Error) => errors.push(e.message));
      await bad.connect().catch(() => undefined);
      bad.disconnect();
      expect(errors.some((m) => m.includes('WRONGPASS invalid username-password pair'))).toBe(true);
      const badNr = createClient({ socket: { port, host: '127.0.0.1', reconnectStrategy: false }, password: 'nope' });
      badNr.on('error', () => {});
      await expect(badNr.connect()).rejects.toThrow(/WRONGPASS/);
    } finally {
      io.disconnect();
      nr.destroy();
    }
  });
});
