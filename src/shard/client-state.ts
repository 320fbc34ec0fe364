/**
 * The per-client fields a command may read or change. The connection that owns the client holds the
 * real object; a keyed command executed on another worker gets a copy of these fields (id, name,
 * protocol, database), since keyed commands change none of them.
 */
export class ClientState {
  readonly id: number;
  name = '';
  /** 2 or 3, set by HELLO. */
  resp: 2 | 3 = 2;
  dbIndex = 0;
  /** Set while the client's commands are being replayed from the primary or the AOF (no replies, no checks). */
  isMaster = false;
  /** A replica's link (after SYNC / PSYNC): it may only send REPLCONF (see commands/replication.ts). */
  isReplicaLink = false;
  lastCommand = '';

  constructor(id: number) {
    this.id = id;
  }
}
