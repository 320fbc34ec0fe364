// The tracking table of one worker, driven through a stand-in for its Shard: which reads are
// remembered, which messages a change sends to which worker, BCAST batching and NOLOOP, the
// per-worker share of tracking-table-max-keys, and delivery to this worker's connections.
import { describe, expect, it } from 'vitest';
import { Tracking } from '../../../src/shard/tracking.ts';
import { ClientTracking } from '../../../src/shard/tracking-client.ts';
import { ClientState } from '../../../src/shard/client-state.ts';
import { Database } from '../../../src/shard/database.ts';
import { ReplyWriter } from '../../../src/resp/reply-writer.ts';
import { keyHashSlot } from '../../../src/cluster/key-slot.ts';
import type { Shard } from '../../../src/shard/shard.ts';
import type { Connection } from '../../../src/shard/connection.ts';

interface Sent {
  to: number;
  argv: string[];
}

interface FakeConnection {
  id: number;
  tracking: ClientTracking | null;
  client: ClientState;
  reply: ReplyWriter;
  barrier: boolean;
  closed: boolean;
  isSubscriber: boolean;
}

/** A worker of two (slots 0..8191 on worker 0) that records what it sends instead of sending it. */
function fakeShard(id = 0, maxKeys = 0) {
  const sent: Sent[] = [];
  const connections = new Map<number, FakeConnection>();
  const shard = {
    id,
    workerCount: 2,
    executor: { tracker: null as unknown },
    slots: { ownerOf: (slot: number) => (slot < 8192 ? 0 : 1) },
    lock: { holder: 0 },
    transactionDepth: 0,
    config: { trackingTableMaxKeys: maxKeys },
    connections,
    send(to: number, argv: readonly string[]) {
      sent.push({ to, argv: [...argv] });
    },
    request(to: number, argv: readonly string[]) {
      sent.push({ to, argv: [...argv] });
      return Promise.resolve(Buffer.from('+OK\r\n'));
    },
    scheduleTurn() {},
    outputReady() {},
  };
  const tracking = new Tracking(shard as unknown as Shard);
  return { shard, tracking, sent, connections };
}

function keyOn(worker: number, prefix: string, skip = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const key = `${prefix}${i}`;
    if ((keyHashSlot(key) < 8192 ? 0 : 1) === worker && found++ === skip) return key;
  }
}

function client(id: number): ClientState {
  return new ClientState(id);
}

/** Registers a tracking reader (as its worker's '@tracking-client' would). */
function reader(tracking: Tracking, clientId: number, worker: number, mode = 'on', noloop = false, prefixes: string[] = []): void {
  tracking.applyClient(['@tracking-client', String(clientId), String(worker), mode, noloop ? '1' : '0', ...prefixes]);
}

const db = new Database(0);

describe('remembering reads', () => {
  it('a read-only command of a reader remembers its keys; the first change invalidates each reader once', () => {
    const { tracking, sent } = fakeShard(0);
    const [a, b] = [keyOn(0, 'k'), keyOn(0, 'k', 1)];
    reader(tracking, 7, 1);
    reader(tracking, 8, 0);
    tracking.commandExecuted(['MGET', a, b], client(7));
    tracking.commandExecuted(['GET', a], client(8));
    expect(tracking.stats()).toEqual({ clients: 0, keys: 2, items: 3, prefixes: 0 });
    tracking.keyModified(db, a, 99);
    expect(sent).toEqual([
      { to: 1, argv: ['@tracking-invalidate', '7', '99', a] },
      { to: 0, argv: ['@tracking-invalidate', '8', '99', a] },
    ]);
    sent.length = 0;
    tracking.keyModified(db, a, 99);
    expect(sent).toEqual([]);
    expect(tracking.stats()).toMatchObject({ keys: 1, items: 1 });
  });

  it('writes, non-readers and BCAST clients remember nothing; keys of the other worker go to their owner under the lock', () => {
    const { shard, tracking, sent } = fakeShard(0);
    const local = keyOn(0, 'x');
    const foreign = keyOn(1, 'x');
    reader(tracking, 5, 0);
    reader(tracking, 6, 0, 'off', false, ['p:']);
    tracking.commandExecuted(['SET', local, 'v'], client(5));
    tracking.commandExecuted(['GET', local], client(4));
    tracking.commandExecuted(['GET', local], client(6));
    expect(tracking.stats().keys).toBe(0);
    shard.lock.holder = 42;
    tracking.commandExecuted(['SUNION', local, foreign], client(5));
    expect(tracking.stats().keys).toBe(1);
    expect(sent).toEqual([{ to: 1, argv: ['@tracking-remember', '5', '0', foreign] }]);
  });

  it('OPTIN remembers only with CACHING given, OPTOUT only without', () => {
    const { tracking } = fakeShard(0);
    const key = keyOn(0, 'o');
    reader(tracking, 1, 0, 'on,optin');
    tracking.commandExecuted(['GET', key], client(1));
    expect(tracking.stats().keys).toBe(0);
    reader(tracking, 1, 0, 'on,optin,caching');
    tracking.commandExecuted(['GET', key], client(1));
    expect(tracking.stats().keys).toBe(1);
    reader(tracking, 2, 0, 'on,optout,caching');
    tracking.commandExecuted(['GET', keyOn(0, 'o', 1)], client(2));
    expect(tracking.stats().keys).toBe(1);
  });

  it('keeps its share of tracking-table-max-keys, invalidating the oldest keys beyond it', () => {
    const { tracking, sent } = fakeShard(1, 3);
    reader(tracking, 3, 0);
    const keys = [0, 1, 2].map((i) => keyOn(1, 'lim', i));
    for (const key of keys) tracking.commandExecuted(['GET', key], client(3));
    // 3 keys over 2 workers: worker 0 keeps 2, worker 1 keeps 1.
    expect(tracking.stats().keys).toBe(1);
    expect(sent.map((s) => s.argv[3])).toEqual([keys[0], keys[1]]);
    expect(sent.every((s) => s.to === 0 && s.argv[2] === '0')).toBe(true);
  });
});

describe('BCAST', () => {
  it('batches the changed keys per prefix and client, leaves out a NOLOOP client\'s own, ignores keys of other workers', () => {
    const { tracking, sent } = fakeShard(0);
    reader(tracking, 10, 1, 'off', false, ['a:']);
    reader(tracking, 11, 0, 'off', true, ['a:', 'b:']);
    const [a1, a2, b1] = [keyOn(0, 'a:'), keyOn(0, 'a:', 1), keyOn(0, 'b:')];
    tracking.keyModified(db, a1, 11);
    tracking.keyModified(db, a2, 12);
    tracking.keyModified(db, b1, 11);
    tracking.keyModified(db, keyOn(1, 'a:'), 12);
    tracking.keyModified(db, keyOn(0, 'c:'), 12);
    expect(tracking.broadcastPending).toBe(true);
    tracking.flushBroadcasts();
    expect(sent).toEqual([
      { to: 1, argv: ['@tracking-broadcast', '10', ...[a1, a2].sort()] },
      { to: 0, argv: ['@tracking-broadcast', '11', a2] },
    ]);
    sent.length = 0;
    tracking.flushBroadcasts();
    expect(sent).toEqual([]);
  });
});

describe('delivery to this worker\'s connections', () => {
  function connection(id: number, resp: 2 | 3): FakeConnection {
    const c = client(id);
    c.resp = resp;
    const reply = new ReplyWriter(256);
    reply.proto = resp;
    return { id, tracking: new ClientTracking(), client: c, reply, barrier: false, closed: false, isSubscriber: false };
  }
  const text = (conn: FakeConnection): string => conn.reply.buf.toString('latin1', 0, conn.reply.pos);

  it('RESP3 gets a push; RESP2 without redirection nothing; NOLOOP drops the client\'s own change; BCAST since drops old keys', () => {
    const { tracking, connections } = fakeShard(0);
    const c3 = connection(1, 3);
    const c2 = connection(2, 2);
    connections.set(1, c3);
    connections.set(2, c2);
    tracking.keyInvalidated(1, 9, 'k');
    tracking.keyInvalidated(2, 9, 'k');
    expect(text(c3)).toBe('>2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n');
    expect(text(c2)).toBe('');
    c3.reply.reset();
    c3.tracking!.noloop = true;
    tracking.keyInvalidated(1, 1, 'k');
    expect(text(c3)).toBe('');
    c3.tracking!.bcast = true;
    tracking.keyInvalidated(1, 9, 'k');
    expect(text(c3)).toBe('');
  });

  it('a redirection client here in Pub/Sub mode gets a message; one on another worker gets it through that worker', () => {
    const { tracking, connections, sent } = fakeShard(0);
    const tracker = connection(1, 2);
    const target = connection(2, 2);
    target.isSubscriber = true;
    connections.set(1, tracker);
    connections.set(2, target);
    tracker.tracking!.redirect = 2;
    tracker.tracking!.redirectWorker = 0;
    tracking.keyInvalidated(1, 9, 'k');
    expect(text(target)).toBe('*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n*1\r\n$1\r\nk\r\n');
    tracker.tracking!.redirect = 77;
    tracker.tracking!.redirectWorker = 1;
    tracking.keyInvalidated(1, 9, 'k');
    expect(sent).toEqual([{ to: 1, argv: ['@tracking-redirect', '77', '1', '0', 'keys', 'k'] }]);
  });

  it('an evicted key reaches its readers here at once, readers elsewhere through their worker', () => {
    const { tracking, connections, sent } = fakeShard(0);
    const here = connection(1, 3);
    connections.set(1, here);
    reader(tracking, 1, 0);
    reader(tracking, 2, 1);
    const key = keyOn(0, 'ev');
    tracking.commandExecuted(['GET', key], client(1));
    tracking.commandExecuted(['GET', key], client(2));
    tracking.keyEvicted(db, key);
    expect(text(here)).toBe(`>2\r\n$10\r\ninvalidate\r\n*1\r\n$${key.length}\r\n${key}\r\n`);
    expect(sent).toEqual([{ to: 1, argv: ['@tracking-invalidate', '2', '0', key] }]);
    expect(tracking.stats().keys).toBe(0);
  });

  it('holds pushes for a connection behind an asynchronous command until it is released', () => {
    const { tracking, connections } = fakeShard(0);
    const c = connection(1, 3);
    c.tracking = null;
    connections.set(1, c);
    void tracking.enable(c as unknown as Connection, { redirect: 0, redirectWorker: -1, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] });
    expect(tracking.stats().clients).toBe(1);
    c.barrier = true;
    tracking.flushed();
    expect(text(c)).toBe('');
    c.reply.simple('OK');
    c.barrier = false;
    tracking.releaseHeld(c as unknown as Connection);
    expect(text(c)).toBe('+OK\r\n>2\r\n$10\r\ninvalidate\r\n_\r\n');
  });
});
