// Pipelines, clients vanishing mid-pipeline or mid-transaction, fuzzed and malformed input, and the
// protocol and connection limits, against a real two-worker shoal process.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { startShoal, type RunningServer } from '../helpers/shoal-server.ts';
import { assertAlive, encodeCommand, keyOn, keysOn, parseReply, RawClient, workerOfKey, type Reply } from './support.ts';

let server: RunningServer;
let port: number;
let admin: RawClient;

beforeAll(async () => {
  server = await startShoal(['--threads', '2']);
  port = server.port;
  admin = await RawClient.connect(port);
});

afterAll(async () => {
  admin?.close();
  await server?.stop();
});

/** connected_clients from INFO, polled until it equals `want` (bounded); returns the last value. */
async function clientsSettleAt(want: number): Promise<number> {
  let n = -1;
  for (let i = 0; i < 300; i++) {
    n = Number(/connected_clients:(\d+)/.exec(String(await admin.call('INFO', 'clients')))![1]);
    if (n === want) return n;
    await new Promise((r) => setTimeout(r, 10));
  }
  return n;
}

/** Sends bytes, half-closes, and collects every reply frame until the server closes (bounded). */
async function sendAndCollect(bytes: Buffer, timeoutMs = 3000): Promise<{ frames: Reply[]; closed: boolean; rest: Buffer }> {
  const c = await RawClient.connect(port);
  c.write(bytes);
  c.socket.end();
  const closed = await c.waitClosed(timeoutMs);
  c.close();
  const frames: Reply[] = [];
  let buf = c.pending();
  for (;;) {
    const r = parseReply(buf);
    if (!r) break;
    frames.push(r.reply);
    buf = buf.subarray(r.next);
  }
  return { frames, closed, rest: buf };
}

const REDIS_PROTOCOL_ERRORS = [
  /^ERR Protocol error: invalid multibulk length$/,
  /^ERR Protocol error: invalid bulk length$/,
  /^ERR Protocol error: too big mbulk count string$/,
  /^ERR Protocol error: too big bulk count string$/,
  /^ERR Protocol error: too big inline request$/,
  /^ERR Protocol error: unbalanced quotes in request$/,
  /^ERR Protocol error: expected '\$', got '.'$/,
];

describe('pipelines', () => {
  it('10k raw pipelined commands over keys of both workers answer in order', async () => {
    const c = await RawClient.connect(port);
    try {
      const keys = [...keysOn(0, 'pipe', 50), ...keysOn(1, 'pipe', 50)];
      await c.call('DEL', ...keys);
      const parts: Buffer[] = [];
      const expected: Reply[] = [];
      const counters = new Map<string, number>();
      for (let i = 0; i < 10_000; i++) {
        const k = keys[(i * 7) % keys.length]!;
        switch (i % 4) {
          case 0:
            parts.push(encodeCommand(['SET', k, String(i)]));
            expected.push({ type: '+', value: 'OK' });
            counters.set(k, i);
            break;
          case 1:
            parts.push(encodeCommand(['GET', k]));
            expected.push({ type: '$', value: counters.has(k) ? String(counters.get(k)) : null });
            break;
          case 2: {
            parts.push(encodeCommand(['INCR', k]));
            const next = (counters.get(k) ?? 0) + 1;
            counters.set(k, next);
            expected.push({ type: ':', value: next });
            break;
          }
          default:
            parts.push(encodeCommand(['ECHO', `e${i}`]));
            expected.push({ type: '$', value: `e${i}` });
        }
      }
      c.write(Buffer.concat(parts));
      const got: Reply[] = [];
      for (let i = 0; i < expected.length; i++) got.push(await c.read(10_000));
      let firstDiff = got.findIndex((r, i) => JSON.stringify(r) !== JSON.stringify(expected[i]));
      expect(firstDiff === -1 ? null : { at: firstDiff, got: got[firstDiff], expected: expected[firstDiff] }).toBeNull();
      firstDiff = -1;
      const final = (await c.call('MGET', ...keys)) as string[];
      expect(final).toEqual(keys.map((k) => (counters.has(k) ? String(counters.get(k)) : null)));
    } finally {
      c.close();
    }
  });

  it('an ioredis pipeline of 10k commands mixing both workers and cross-worker commands', async () => {
    const r = new Redis({ port, host: '127.0.0.1' });
    try {
      const [a, b] = [keyOn(0, 'iopipe'), keyOn(1, 'iopipe')];
      await r.del(a, b);
      const p = r.pipeline();
      for (let i = 0; i < 2500; i++) {
        p.incr(a);
        p.incr(b);
        p.mget(a, b);
        p.exists(a, b, 'nope');
      }
      const res = (await p.exec())!;
      expect(res.length).toBe(10_000);
      for (let i = 0; i < 2500; i++) {
        expect(res[i * 4]).toEqual([null, i + 1]);
        expect(res[i * 4 + 1]).toEqual([null, i + 1]);
        expect(res[i * 4 + 2]).toEqual([null, [String(i + 1), String(i + 1)]]);
        expect(res[i * 4 + 3]).toEqual([null, 2]);
      }
    } finally {
      r.disconnect();
    }
  });

  it('clients that vanish mid-pipeline, mid-hop and mid-transaction leave the server healthy and consistent', async () => {
    // Only the admin connection is left once the previous test's client has finished disconnecting.
    const baseline = await clientsSettleAt(1);
    expect(baseline).toBe(1);
    const keys = [...keysOn(0, 'vanish', 20), ...keysOn(1, 'vanish', 20)];
    for (let round = 0; round < 10; round++) {
      const c = await RawClient.connect(port);
      const parts: Buffer[] = [];
      for (let i = 0; i < 3000; i++) {
        const k = keys[(i + round) % keys.length]!;
        parts.push(encodeCommand(i % 3 === 0 ? ['MSET', k, 'x', keys[(i + 11) % keys.length]!, 'y'] : i % 3 === 1 ? ['INCR', `${k}:n`] : ['GET', k]));
      }
      if (round % 2 === 0) parts.push(encodeCommand(['MULTI']), encodeCommand(['SET', keys[0]!, 'tx']), encodeCommand(['SET', keys[39]!, 'tx']), encodeCommand(['EXEC']));
      const all = Buffer.concat(parts);
      // Cut in the middle of a command, after a random share of the stream.
      c.write(all.subarray(0, Math.floor(all.length * (0.3 + 0.07 * round)) + 3));
      if (round % 3 === 0) await new Promise((r) => setImmediate(r));
      c.socket.destroy();
    }
    // Locks taken by vanished clients must not block anyone: writes to both workers go through.
    const c = await RawClient.connect(port);
    try {
      c.send('MSET', keys[0]!, 'after', keys[39]!, 'after');
      expect(await c.read(3000)).toEqual({ type: '+', value: 'OK' });
      expect(await c.call('MULTI')).toBe('OK');
      c.send('INCR', `${keys[1]!}:n`);
      c.send('INCR', `${keys[38]!}:n`);
      await c.read();
      await c.read();
      const exec = await c.call('EXEC');
      expect(exec.length).toBe(2);
      const all = (await c.call('KEYS', '*')) as string[];
      expect(await c.call('DBSIZE')).toBe(all.length);
      expect(new Set(all).size).toBe(all.length);
      for (const k of all.slice(0, 50)) expect(await c.call('EXISTS', k)).toBe(1); // every listed key is served by its owner
      expect(all.every((k) => typeof k === 'string')).toBe(true);
      expect(await clientsSettleAt(baseline + 1)).toBe(baseline + 1);
      const threads = String(await c.call('INFO', 'threads'));
      const perWorkerKeys = [...threads.matchAll(/^worker\d+:.*keys=(\d+)/gm)].map((m) => Number(m[1]));
      expect(perWorkerKeys.reduce((x, y) => x + y, 0)).toBe(all.length);
      expect(perWorkerKeys[0]).toBe(all.filter((k) => workerOfKey(k) === 0).length);
    } finally {
      c.close();
    }
  });
});

describe('malformed input', () => {
  it('Redis protocol errors for malformed requests, then the connection is closed', async () => {
    const cases: [string, string][] = [
      ['*abc\r\n', 'ERR Protocol error: invalid multibulk length'],
      ['*3000000000\r\n', 'ERR Protocol error: invalid multibulk length'],
      ['*1\r\n$-5\r\n', 'ERR Protocol error: invalid bulk length'],
      ['*1\r\nfoo\r\n', "ERR Protocol error: expected '$', got 'f'"],
      ['SET "unbalanced\r\n', 'ERR Protocol error: unbalanced quotes in request'],
      ['*1\r\n$' + '9'.repeat(70_000), 'ERR Protocol error: too big bulk count string'],
      ['*' + '1'.repeat(70_000), 'ERR Protocol error: too big mbulk count string'],
      ['x'.repeat(70_000), 'ERR Protocol error: too big inline request'],
    ];
    for (const [input, message] of cases) {
      const { frames, closed } = await sendAndCollect(Buffer.from('PING\r\n' + input, 'latin1'));
      expect({ input: input.slice(0, 20), frames }).toEqual({ input: input.slice(0, 20), frames: [{ type: '+', value: 'PONG' }, { type: '-', value: message }] });
      expect(closed).toBe(true);
    }
    await assertAlive(port);
  });

  it('inline commands work, including for keys on the other worker', async () => {
    const k = keyOn(1, 'inline');
    const { frames } = await sendAndCollect(Buffer.from(`SET ${k} "a b"\r\nGET ${k}\r\n\r\nPING\n`, 'latin1'));
    expect(frames).toEqual([{ type: '+', value: 'OK' }, { type: '$', value: 'a b' }, { type: '+', value: 'PONG' }]);
  });

  it('fast-check: random byte streams never crash or hang the server', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 600 }), async (bytes) => {
        const { frames, closed } = await sendAndCollect(Buffer.from(bytes), 3000);
        expect(closed).toBe(true);
        for (const f of frames) {
          if (f.type === '-' && String(f.value).startsWith('ERR Protocol error')) {
            expect(REDIS_PROTOCOL_ERRORS.some((re) => re.test(f.value))).toBe(true);
          }
        }
        await assertAlive(port, 3000);
      }),
      { numRuns: 150 },
    );
  });

  it('fast-check: mutated valid RESP never crashes or hangs the server, and errors are Redis\'s', async () => {
    const keys = [keyOn(0, 'fz'), keyOn(1, 'fz'), keyOn(0, 'fz2'), keyOn(1, 'fz2')];
    const key = fc.constantFrom(...keys);
    const val = fc.string({ maxLength: 12 });
    const command = fc.oneof(
      fc.tuple(fc.constant('SET'), key, val),
      fc.tuple(fc.constant('GET'), key),
      fc.tuple(fc.constant('MSET'), key, val, key, val),
      fc.tuple(fc.constant('MGET'), key, key),
      fc.tuple(fc.constant('INCR'), key),
      fc.tuple(fc.constant('DEL'), key, key),
      fc.tuple(fc.constant('APPEND'), key, val),
      fc.tuple(fc.constant('ECHO'), val),
      fc.constant(['PING']),
      fc.constant(['MULTI']),
      fc.constant(['EXEC']),
      fc.tuple(fc.constant('WATCH'), key),
      fc.tuple(fc.constant('SUBSCRIBE'), val),
      fc.tuple(fc.constant('RENAME'), key, key),
      fc.constant(['HELLO', '3']),
    );
    const mutation = fc.oneof(
      fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
      fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 8 }) }),
      fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 6 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), fc.array(mutation, { maxLength: 4 }), async (cmds, mutations) => {
        let buf = Buffer.concat(cmds.map((c) => encodeCommand(c as string[])));
        for (const m of mutations) {
          const at = m.at % (buf.length + 1);
          if (m.kind === 'flip' && at < buf.length) buf[at] = m.byte;
          else if (m.kind === 'cut') buf = buf.subarray(0, at);
          else if (m.kind === 'insert') buf = Buffer.concat([buf.subarray(0, at), Buffer.from(m.bytes), buf.subarray(at)]);
          else if (m.kind === 'delete') buf = Buffer.concat([buf.subarray(0, at), buf.subarray(at + m.len)]);
        }
        const { frames, closed } = await sendAndCollect(buf, 3000);
        expect(closed).toBe(true);
        for (const f of frames) {
          if (f.type === '-' && String(f.value).startsWith('ERR Protocol error')) {
            expect(REDIS_PROTOCOL_ERRORS.some((re) => re.test(f.value))).toBe(true);
          }
        }
        await assertAlive(port, 3000);
      }),
      { numRuns: 150 },
    );
  });
});

describe('limits', () => {
  it('a bulk length above proto-max-bulk-len gets "invalid bulk length" and a close', async () => {
    expect(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '1mb')).toBe('OK');
    try {
      const { frames, closed } = await sendAndCollect(Buffer.from('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048577\r\n', 'latin1'));
      expect(frames).toEqual([{ type: '-', value: 'ERR Protocol error: invalid bulk length' }]);
      expect(closed).toBe(true);
      // Exactly the limit is accepted.
      const ok = await sendAndCollect(encodeCommand(['SET', keyOn(1, 'big'), 'x'.repeat(1024 * 1024)]));
      expect(ok.frames).toEqual([{ type: '+', value: 'OK' }]);
      expect(await admin.call('STRLEN', keyOn(1, 'big'))).toBe(1024 * 1024);
    } finally {
      expect(await admin.call('CONFIG', 'SET', 'proto-max-bulk-len', '512mb')).toBe('OK');
    }
  });

  it('client-query-buffer-limit closes the client whose query buffer grows past it', async () => {
    expect(await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1mb')).toBe('OK');
    try {
      const c = await RawClient.connect(port);
      c.write('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n');
      const chunk = Buffer.alloc(64 * 1024, 120);
      for (let i = 0; i < 40 && !c.closed; i++) {
        c.write(chunk);
        await new Promise((r) => setImmediate(r));
      }
      expect(await c.waitClosed(5000)).toBe(true);
      await assertAlive(port);
    } finally {
      expect(await admin.call('CONFIG', 'SET', 'client-query-buffer-limit', '1gb')).toBe('OK');
    }
  });

  // 300 GETs of a 64 KB value: ~19 MB of replies, far more than the kernel's socket buffers hold, so
  // most of it waits in the server while the client does not read.
  const bigValue = 'v'.repeat(64 * 1024);
  const manyGets = (key: string, n: number): Buffer => Buffer.concat(Array.from({ length: n }, () => encodeCommand(['GET', key])));

  it('a client that stops reading gets every byte, in order, once it reads again (no output limit)', async () => {
    const key = keyOn(0, 'obuf');
    expect(await admin.call('SET', key, bigValue)).toBe('OK');
    const c = await RawClient.connect(port);
    c.socket.pause();
    c.write(Buffer.concat([manyGets(key, 300), encodeCommand(['PING'])]));
    // Let the server queue what the kernel does not take, then read it all.
    await new Promise((r) => setTimeout(r, 300));
    c.socket.resume();
    for (let i = 0; i < 300; i++) expect(await c.read(10_000)).toEqual({ type: '$', value: bigValue });
    expect(await c.read(5000)).toEqual({ type: '+', value: 'PONG' });
    c.close();
  });

  it('client-output-buffer-limit normal closes a client whose unread replies pass the hard limit', async () => {
    const key = keyOn(1, 'obuf');
    expect(await admin.call('SET', key, bigValue)).toBe('OK');
    expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 2mb 0 0')).toBe('OK');
    try {
      const c = await RawClient.connect(port);
      c.socket.pause();
      c.write(manyGets(key, 300));
      // The server closes it: reading again finds the stream cut short, well before 300 replies.
      await new Promise((r) => setTimeout(r, 300));
      c.socket.resume();
      expect(await c.waitClosed(10_000)).toBe(true);
      let replies = 0;
      let rest = c.pending();
      for (;;) {
        const r = parseReply(rest);
        if (!r) break;
        replies++;
        rest = rest.subarray(r.next);
      }
      expect(replies).toBeLessThan(300);
      await assertAlive(port);
    } finally {
      expect(await admin.call('CONFIG', 'SET', 'client-output-buffer-limit', 'normal 0 0 0')).toBe('OK');
    }
  });
});

describe('maxclients (a server of its own)', () => {
  let limited: RunningServer;
  let own: RawClient;

  beforeAll(async () => {
    limited = await startShoal(['--threads', '2']);
    own = await RawClient.connect(limited.port);
  });

  afterAll(async () => {
    own?.close();
    await limited?.stop();
  });

  it('maxclients refuses the extra client with "ERR max number of clients reached"', async () => {
    const connected = Number(/connected_clients:(\d+)/.exec(String(await own.call('INFO', 'clients')))![1]);
    expect(await own.call('CONFIG', 'SET', 'maxclients', String(connected + 1))).toBe('OK');
    const extra: RawClient[] = [];
    try {
      const ok = await RawClient.connect(limited.port);
      extra.push(ok);
      expect(await ok.call('PING')).toBe('PONG');
      const refused = await RawClient.connect(limited.port);
      extra.push(refused);
      expect(await refused.read(3000)).toEqual({ type: '-', value: 'ERR max number of clients reached' });
      expect(await refused.waitClosed(3000)).toBe(true);
      ok.close();
      // Once a slot frees up, a new client gets in (bounded retries: the close reaches the server asynchronously).
      let answered = false;
      for (let i = 0; i < 100 && !answered; i++) {
        const again = await RawClient.connect(limited.port);
        extra.push(again);
        again.send('PING');
        const r = await again.read(3000).catch(() => null);
        answered = r !== null && r.type === '+';
        if (!answered) await new Promise((res) => setTimeout(res, 20));
      }
      expect(answered).toBe(true);
    } finally {
      for (const c of extra) c.close();
      expect(await own.call('CONFIG', 'SET', 'maxclients', '10000')).toBe('OK');
    }
  });

  // A refused socket is still paused (pauseOnConnect): it must not keep the server from shutting down.
  it('SIGTERM still stops the server promptly after a client was refused', async () => {
    own.close();
    const started = Date.now();
    await limited.stop();
    expect(limited.process.signalCode).not.toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(4000);
  });
});
