// Replication state the log thread publishes for the shard workers: a few words read on the hot path
// (role, link status, replicas in good standing) and a JSON document INFO replication and ROLE render
// from. The log thread is the only writer; readers take a consistent copy of the document with a
// sequence lock (the version is odd while it is being written).

const WORD_VERSION = 0;
const WORD_LENGTH = 1;
const WORD_ROLE = 2;
const WORD_LINK_UP = 3;
const WORD_GOOD_REPLICAS = 4;
const WORD_LOADING = 5;
const WORD_PAYLOADS = 6;
const WORDS = 8;
const TEXT_BYTES = 256 * 1024;

export const ROLE_MASTER = 0;
export const ROLE_REPLICA = 1;

/** A replica loading its primary's payload: nothing (0), loading (1: clients get -LOADING), async_loading (2: the old data is served meanwhile). */
export const NOT_LOADING = 0;
export const LOADING = 1;
export const ASYNC_LOADING = 2;

/** One replica of this server, as INFO's slaveN line and ROLE show it. */
export interface ReplicaView {
  ip: string;
  port: number;
  state: string;
  offset: number;
  lag: number;
}

/** Everything INFO replication and ROLE show; the log thread rewrites it whenever it changes. */
export interface ReplicationView {
  role: 'master' | 'slave';
  replicas: ReplicaView[];
  replid: string;
  replid2: string;
  masterReplOffset: number;
  secondReplOffset: number;
  backlogActive: boolean;
  backlogSize: number;
  backlogFirstByteOffset: number;
  backlogHistlen: number;
  // replica side
  masterHost: string;
  masterPort: number;
  /** connect, connecting, handshake, sync, connected (ROLE's states). */
  linkState: string;
  lastIoSecondsAgo: number;
  syncInProgress: boolean;
  readReplOffset: number;
  replOffset: number;
  linkDownSinceSecondsAgo: number;
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
  /** A replica whose history (replid, replOffset) a primary can continue with PSYNC. */
  synced: boolean;
  /** The database the primary's stream is in, when the log thread dispatches it (stream-router.ts); else worker 0's master client knows. */
  streamDb?: number;
}

export class ReplicationState {
  readonly sab: SharedArrayBuffer;
  private readonly words: Int32Array;
  private readonly text: Uint8Array;

  constructor(sab: SharedArrayBuffer) {
    this.sab = sab;
    this.words = new Int32Array(sab, 0, WORDS);
    this.text = new Uint8Array(sab, WORDS * 4);
  }

  static create(): SharedArrayBuffer {
    return new SharedArrayBuffer(WORDS * 4 + TEXT_BYTES);
  }

  get isReplica(): boolean {
    return Atomics.load(this.words, WORD_ROLE) === ROLE_REPLICA;
  }

  get linkUp(): boolean {
    return Atomics.load(this.words, WORD_LINK_UP) === 1;
  }

  /** Replicas whose last ACK is at most min-replicas-max-lag seconds old. */
  get goodReplicas(): number {
    return Atomics.load(this.words, WORD_GOOD_REPLICAS);
  }

  setRole(role: number, linkUp: boolean): void {
    Atomics.store(this.words, WORD_ROLE, role);
    Atomics.store(this.words, WORD_LINK_UP, linkUp ? 1 : 0);
  }

  /** NOT_LOADING, LOADING or ASYNC_LOADING (INFO persistence's loading and async_loading). */
  get loading(): number {
    return Atomics.load(this.words, WORD_LOADING);
  }

  setLoading(state: number): void {
    Atomics.store(this.words, WORD_LOADING, state);
  }

  /** Full resync payloads asked for and not written yet (Redis's child is still making them: rdb_bgsave_in_progress). */
  get payloadsPending(): number {
    return Atomics.load(this.words, WORD_PAYLOADS);
  }

  setPayloadsPending(n: number): void {
    Atomics.store(this.words, WORD_PAYLOADS, n);
  }

  setGoodReplicas(n: number): void {
    Atomics.store(this.words, WORD_GOOD_REPLICAS, n);
  }

  publish(view: ReplicationView): void {
    const bytes = Buffer.from(JSON.stringify(view), 'utf8');
    if (bytes.length > this.text.length) return; // thousands of replicas: keep the last view
    Atomics.add(this.words, WORD_VERSION, 1);
    this.text.set(bytes);
    Atomics.store(this.words, WORD_LENGTH, bytes.length);
    Atomics.add(this.words, WORD_VERSION, 1);
  }

  /** The latest view (null before the log thread published one). */
  read(): ReplicationView | null {
    for (let tries = 0; tries < 1000; tries++) {
      const before = Atomics.load(this.words, WORD_VERSION);
      if ((before & 1) === 1) continue;
      const length = Atomics.load(this.words, WORD_LENGTH);
      if (length === 0) return null;
      const copy = Buffer.from(this.text.slice(0, length));
      if (Atomics.load(this.words, WORD_VERSION) !== before) continue;
      return JSON.parse(copy.toString('utf8')) as ReplicationView;
    }
    return null;
  }
}
