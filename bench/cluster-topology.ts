import type RedisParser from 'redis-parser';
import { encodeCommand } from './bench-connection.ts';

// Which node serves which hash slot. The main thread reads CLUSTER SLOTS from the seed node once
// per run and hands the map to the load threads; each thread then updates its copy as MOVED
// redirections arrive.

export interface ClusterNodeAddress {
  host: string;
  port: number;
}

export interface ClusterTopologySnapshot {
  nodes: ClusterNodeAddress[];
  /** Node index per slot, -1 where no node serves the slot. */
  slotToNode: number[];
}

/** Redis Cluster's key -> hash slot function (src/cluster/key-slot.ts). */
export type KeySlotFunction = (key: string) => number;

/**
 * Loads src/cluster/key-slot.ts, only in cluster mode: importing it builds its CRC table, whose
 * loop V8 compiles on the spot (~10-25 ms of CPU per run that no other mode needs).
 */
export async function loadKeyHashSlot(): Promise<KeySlotFunction> {
  return (await import('../src/cluster/key-slot.ts')).keyHashSlot;
}

export class SlotMap {
  readonly nodes: ClusterNodeAddress[];
  readonly slotToNode: Int16Array;
  readonly slotOf: KeySlotFunction;

  constructor(snapshot: ClusterTopologySnapshot, slotOf: KeySlotFunction) {
    this.nodes = snapshot.nodes.map((node) => ({ ...node }));
    this.slotToNode = Int16Array.from(snapshot.slotToNode);
    this.slotOf = slotOf;
  }

  /** Index of the node at host:port, added if new. */
  nodeIndex(host: string, port: number): number {
    const found = this.nodes.findIndex((node) => node.host === host && node.port === port);
    if (found >= 0) return found;
    this.nodes.push({ host, port });
    return this.nodes.length - 1;
  }
}

/** Sends one command on a fresh connection and returns the reply (slow path, start-up only). */
export function queryOnce(host: string, port: number, commands: Buffer[]): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    const replies: unknown[] = [];
    const socket = process.getBuiltinModule('node:net').connect({ host, port });
    // Required here, not imported: only cluster mode needs it, and loading it costs every run.
    const Parser = process.getBuiltinModule('node:module').createRequire(import.meta.url)('redis-parser') as typeof RedisParser;
    const parser = new Parser({
      returnReply: (reply: unknown) => {
        replies.push(reply);
        if (replies.length === commands.length) {
          socket.destroy();
          resolve(replies);
        }
      },
      returnError: (error: Error) => {
        socket.destroy();
        reject(new Error(`${host}:${port} answered ${error.message}`));
      },
    });
    socket.on('connect', () => socket.write(Buffer.concat(commands)));
    socket.on('data', (chunk) => parser.execute(chunk));
    socket.on('error', (error) => reject(new Error(`cannot reach ${host}:${port}: ${error.message}`)));
    socket.on('close', () => reject(new Error(`${host}:${port} closed the connection`)));
  });
}

export async function loadClusterTopology(host: string, port: number, user: string | null, password: string | null): Promise<ClusterTopologySnapshot> {
  const commands: Buffer[] = [];
  if (password !== null) commands.push(encodeCommand(user === null ? ['AUTH', password] : ['AUTH', user, password]));
  commands.push(encodeCommand(['CLUSTER', 'SLOTS']));
  const replies = await queryOnce(host, port, commands);
  const { SLOT_COUNT } = await import('../src/cluster/key-slot.ts');
  const ranges = replies[replies.length - 1] as unknown[][];
  const nodes: ClusterNodeAddress[] = [];
  const slotToNode = new Array<number>(SLOT_COUNT).fill(-1);
  for (const range of ranges) {
    const [start, end, master] = range as [number, number, unknown[]];
    // An empty or "?" host means "the address you reached me on".
    const nodeHost = typeof master[0] === 'string' && master[0] !== '' && master[0] !== '?' ? master[0] : host;
    const nodePort = Number(master[1]);
    let index = nodes.findIndex((node) => node.host === nodeHost && node.port === nodePort);
    if (index < 0) index = nodes.push({ host: nodeHost, port: nodePort }) - 1;
    for (let slot = start; slot <= end; slot++) slotToNode[slot] = index;
  }
  if (nodes.length === 0) throw new Error(`${host}:${port} serves no slots (is the cluster set up?)`);
  return { nodes, slotToNode };
}
