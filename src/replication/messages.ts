// Messages between the log thread (replication) and the shard workers, over one MessagePort per worker.
// Replica sockets stay on the worker that accepted them (a socket that has started reading cannot be
// transferred between threads): the log thread decides what to send, the worker writes it.

export type WorkerToLog =
  /** PSYNC <replid> <offset> (offset -1 for "?"), or SYNC. */
  | { t: 'psync'; cid: number; replid: string; offset: number; sync: boolean; capaEof: boolean; ip: string; listeningPort: number }
  | { t: 'ack'; cid: number; offset: number }
  | { t: 'replica-closed'; cid: number }
  /** The snapshot of a full resync is taken: the stream continues with effect `seq`. */
  | { t: 'snapshot-taken'; cid: number; seq: number; bytes: number }
  | { t: 'snapshot-failed'; cid: number; error: string }
  /** The whole payload of a full resync is on the replica's socket (what follows is the stream). */
  | { t: 'payload-sent'; cid: number }
  /** Replica side (worker 0): the snapshot for a replica of this replica, taken between two chunks of the stream at `offset`. */
  | { t: 'applied-snapshot'; worker: number; cid: number; offset: number; rdb: Uint8Array }
  /** WAIT: reply with the replicas that acknowledged every effect before `seq`. */
  | { t: 'wait'; wid: number; seq: number; numreplicas: number; timeoutMs: number }
  | { t: 'replicaof'; rid: number; host: string | null; port: number }
  /** Replica side (worker 0): the stream is applied up to this offset. */
  | { t: 'applied'; offset: number }
  | { t: 'loaded'; ok: boolean; error?: string; keys?: number; db?: number }
  /** A unit of the stream (stream-router.ts) ran on this worker's master client. */
  | { t: 'unit-done'; id: number }
  /** The primary asked REPLCONF GETACK: acknowledge now. */
  | { t: 'getack'; offset: number }
  | { t: 'master-reset-done'; offset: number }
  /** CLIENT KILL matched the link to our primary (TYPE master, ADDR host:port). */
  | { t: 'kill-master-link' }
  /** DEBUG SLEEP: the log thread blocks for that long too. */
  | { t: 'sleep'; ms: number };

export type LogToWorker =
  | { t: 'write'; cid: number; bytes: Uint8Array }
  /** A newline for a replica waiting for its payload (ignored once the payload is written: the stream follows it). */
  | { t: 'keepalive'; cid: number }
  /** Write +FULLRESYNC and the snapshot taken for this replica ($<len> or EOF-marked), then the stream follows. */
  | { t: 'fullsync'; cid: number; replid: string; offset: number; eof: boolean; rdb?: Uint8Array }
  /** Make the payload of `cid`'s full resync: diskless ($EOF:<mark>, streamed) or with its length first. */
  | { t: 'snapshot'; cid: number; eof: boolean }
  /** Replica side (worker 0): take a snapshot for worker `worker`'s replica `cid` between two chunks of the stream. */
  | { t: 'applied-snapshot'; worker: number; cid: number; offset?: number; db?: number }
  | { t: 'close'; cid: number }
  /** Run these stream bytes on this worker's master client, in database `db` (stream-router.ts); answer 'unit-done'. */
  | { t: 'unit'; id: number; db: number; bytes: Uint8Array }
  | { t: 'wait-done'; wid: number; count: number }
  | { t: 'replicaof-done'; rid: number; reply: string }
  | { t: 'role'; replica: boolean }
  /** Replica side (worker 0): load this RDB file into every worker. */
  | { t: 'load'; file: string }
  /** Replica side (worker 0): stream bytes from the primary; `start` is the offset of the byte before them. */
  | { t: 'stream'; bytes: Uint8Array; start: number }
  /** Replica side (worker 0): the link dropped; drop a partial command, report the offset applied. */
  | { t: 'master-reset' };
