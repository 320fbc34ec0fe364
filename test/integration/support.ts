// Shared helpers of the integration suite: key placement on workers, a raw RESP2/RESP3 socket client,
// and per-worker client counts from INFO threads.
import net from 'node:net';
import { keyHashSlot } from '../../src/cluster/key-slot.ts';

export const WORKERS = 2;
const SLOTS_PER_WORKER = 16384 / WORKERS;

/** Worker owning a key with 2 workers (contiguous slot ranges). */
export function workerOfKey(key: string): number {
  return Math.floor(keyHashSlot(key) / SLOTS_PER_WORKER);
}

/** `count` distinct key names starting with prefix whose slots belong to the given worker. */
export function keysOn(worker: number, prefix: string, count = 1): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < count && i < 100_000; i++) {
    const key = `${prefix}:${i}`;
    if (workerOfKey(key) === worker) out.push(key);
  }
  if (out.length < count) throw new Error('no key found');
  return out;
}

export function keyOn(worker: number, prefix: string): string {
  return keysOn(worker, prefix, 1)[0]!;
}

/** A hash tag `{t}` whose slot belongs to the worker. */
export function tagOn(worker: number, prefix = 't'): string {
  for (let i = 0; i < 100_000; i++) {
    const tag = `${prefix}${i}`;
    if (workerOfKey(tag) === worker) return `{${tag}}`;
  }
  throw new Error('no tag found');
}

export function encodeCommand(argv: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
  for (const a of argv) {
    const b = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from('\r\n'));
  }
  return Buffer.concat(parts);
}

/** A RESP reply with its wire type kept (the first byte of the frame). */
export interface Reply {
  type: string;
  value: any;
}

/** Parses one frame at offset; returns undefined when the buffer does not hold a whole frame yet. */
export function parseReply(buf: Buffer, offset = 0): { reply: Reply; next: number } | undefined {
  if (offset >= buf.length) return undefined;
  const type = String.fromCharCode(buf[offset]!);
  const eol = buf.indexOf('\r\n', offset + 1);
  if (eol === -1) return undefined;
  const line = buf.toString('latin1', offset + 1, eol);
  const after = eol + 2;
  switch (type) {
    case '+': case '-': case '(': case ',':
      return { reply: { type, value: line }, next: after };
    case ':':
      return { reply: { type, value: Number(line) }, next: after };
    case '#':
      return { reply: { type, value: line === 't' }, next: after };
    case '_':
      return { reply: { type, value: null }, next: after };
    case '$': case '=': case '!': {
      const len = Number(line);
      if (len < 0) return { reply: { type, value: null }, next: after };
      if (buf.length < after + len + 2) return undefined;
      return { reply: { type, value: buf.toString('latin1', after, after + len) }, next: after + len + 2 };
    }
    case '*': case '~': case '>': case '%': case '|': {
      const n = Number(line);
      if (n < 0) return { reply: { type, value: null }, next: after };
      const count = type === '%' || type === '|' ? n * 2 : n;
      const items: Reply[] = [];
      let pos = after;
      for (let i = 0; i < count; i++) {
        const r = parseReply(buf, pos);
        if (!r) return undefined;
        items.push(r.reply);
        pos = r.next;
      }
      return { reply: { type, value: items }, next: pos };
    }
    default:
      throw new Error(`unexpected reply type byte ${JSON.stringify(type)} in ${JSON.stringify(buf.toString('latin1', offset, offset + 80))}`);
  }
}

/** Reply → plain JS (errors as Error objects, maps as arrays of [k, v] pairs kept in order). */
export function plain(r: Reply): any {
  if (r.type === '-' || r.type === '!') return new Error(r.value);
  if (r.type === '%' || r.type === '|') {
    const pairs: [any, any][] = [];
    for (let i = 0; i < r.value.length; i += 2) pairs.push([plain(r.value[i]), plain(r.value[i + 1])]);
    return pairs;
  }
  if (Array.isArray(r.value)) return r.value.map(plain);
  return r.value;
}

/** A bare TCP client speaking RESP: send raw bytes or commands, read whole replies, observe the close. */
export class RawClient {
  readonly socket: net.Socket;
  private buf: Buffer = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  closed = false;
  private closedPromise: Promise<void>;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      this.wake();
    });
    socket.on('error', () => {});
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      this.closed = true;
      this.wake();
      resolve();
    }));
  }

  static connect(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host: '127.0.0.1' });
      s.setNoDelay(true);
      s.once('connect', () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  write(data: string | Buffer): void {
    if (!this.socket.destroyed) this.socket.write(data);
  }

  send(...argv: (string | Buffer)[]): void {
    this.write(encodeCommand(argv));
  }

  /** Next reply frame, or an Error rejection on timeout / close before a whole frame arrived. */
  async read(timeoutMs = 5000): Promise<Reply> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = parseReply(this.buf);
      if (r) {
        this.buf = this.buf.subarray(r.next);
        return r.reply;
      }
      if (this.closed) throw new Error(`connection closed (pending ${JSON.stringify(this.buf.toString('latin1'))})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (pending ${JSON.stringify(this.buf.toString('latin1').slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Sends one command and returns its reply as plain JS. */
  async call(...argv: (string | Buffer)[]): Promise<any> {
    this.send(...argv);
    return plain(await this.read());
  }

  pending(): Buffer {
    return this.buf;
  }

  /** Resolves true once the server closed the connection, false if it is still open after timeoutMs. */
  async waitClosed(timeoutMs = 5000): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const res = await Promise.race([this.closedPromise.then(() => true), timeout]);
    clearTimeout(timer);
    return res;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Per-worker connected clients from INFO threads (`workerN:clients=...`). */
export function workerClients(info: string): number[] {
  const out: number[] = [];
  for (const m of info.matchAll(/^worker(\d+):clients=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

/** Per-worker hops_out counters from INFO threads. */
export function workerHopsOut(info: string): number[] {
  const out: number[] = [];
  for (const m of info.matchAll(/^worker(\d+):.*hops_out=(\d+)/gm)) out[Number(m[1])] = Number(m[2]);
  return out;
}

/**
 * The worker a connection lives on, from the monotonic per-worker hops_out counters: the connection
 * reads 20 keys of each worker, so only its own worker's hops_out grows by 20 (the probe's INFO adds
 * a few at most). Safe while no other client sends commands meanwhile; closes elsewhere do not matter.
 */
export async function workerOfConnection(client: RawClient, probe: RawClient): Promise<number> {
  const before = workerHopsOut(String(await probe.call('INFO', 'threads')));
  const keys = Array.from({ length: WORKERS }, (_, w) => keyOn(w, '__placement__'));
  for (let i = 0; i < 20; i++) for (const k of keys) client.send('EXISTS', k);
  for (let i = 0; i < 20 * keys.length; i++) await client.read();
  const after = workerHopsOut(String(await probe.call('INFO', 'threads')));
  const diff = after.map((n, i) => n - (before[i] ?? 0));
  const worker = diff.findIndex((d) => d >= 20 * (WORKERS - 1));
  if (worker === -1 || diff.filter((d) => d >= 20).length !== 1) throw new Error(`cannot tell the worker: ${before} → ${after}`);
  return worker;
}

/** Opens a raw connection and finds which worker it landed on. */
export async function rawOnWorker(port: number, probe: RawClient): Promise<{ client: RawClient; worker: number }> {
  const client = await RawClient.connect(port);
  return { client, worker: await workerOfConnection(client, probe) };
}

/** Raw connections on every worker: result[w] is on worker w. Opens until each worker has one (bounded). */
export async function rawPerWorker(port: number, probe: RawClient): Promise<RawClient[]> {
  const found: (RawClient | undefined)[] = new Array(WORKERS).fill(undefined);
  const extra: RawClient[] = [];
  for (let i = 0; i < 8 && found.some((c) => c === undefined); i++) {
    const { client, worker } = await rawOnWorker(port, probe);
    if (found[worker] === undefined) found[worker] = client;
    else extra.push(client);
  }
  for (const c of extra) c.close();
  if (found.some((c) => c === undefined)) throw new Error('could not place a connection on every worker');
  return found as RawClient[];
}

/** A fresh connection answers PING within the bound: the server is alive and not hung. */
export async function assertAlive(port: number, timeoutMs = 3000): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    c.send('PING');
    const r = await c.read(timeoutMs);
    if (r.type !== '+' || r.value !== 'PONG') throw new Error(`PING answered ${JSON.stringify(r)}`);
  } finally {
    c.close();
  }
}

/** A raw connection on the given worker (opens a few until one lands there; others are closed). */
export async function rawOn(port: number, probe: RawClient, worker: number): Promise<RawClient> {
  const extra: RawClient[] = [];
  try {
    for (let i = 0; i < 8; i++) {
      const placed = await rawOnWorker(port, probe);
      if (placed.worker === worker) return placed.client;
      extra.push(placed.client);
    }
  } finally {
    for (const c of extra) c.close();
  }
  throw new Error(`no connection landed on worker ${worker}`);
}
