import type { CommandFamily } from './context.ts';
import type { SessionFamily } from '../shard/session.ts';
import { stringCommands } from './strings.ts';
import { bitmapCommands } from './bitmaps.ts';
import { keyCommands } from './keys.ts';
import { hashCommands } from './hashes.ts';
import { setCommands } from './sets.ts';
import { listCommands } from './lists.ts';
import { connectionCommands } from './connection.ts';
import { transactionCommands } from './transactions.ts';
import { pubsubCommands } from './pubsub.ts';
import { keyspaceWideCommands } from './keyspace-wide.ts';
import { serverCommands } from './server.ts';
import { persistenceCommands } from './persistence.ts';
import { memoryCommands, memoryKeyCommands } from './memory.ts';
import { sortCommands } from './sort.ts';
import { scriptingCommands } from './scripting.ts';
import { functionCommands } from './functions.ts';
import { replicationCommands } from './replication.ts';
import { zsetCommands } from './zsets.ts';
import { blockingCommands } from './blocking.ts';
import { dumpRestoreCommands } from './dump-restore.ts';
import { streamCommands } from './streams.ts';
import { hyperloglogCommands } from './hyperloglog.ts';
import { geoCommands } from './geo.ts';

/** Commands that run where their keys live, by the command table's name ("get", "object|encoding"). */
export const KEYED_HANDLERS: CommandFamily = {
  ...stringCommands,
  ...bitmapCommands,
  ...keyCommands,
  ...zsetCommands,
  ...hashCommands,
  ...setCommands,
  ...listCommands,
  ...blockingCommands,
  ...dumpRestoreCommands,
  ...hyperloglogCommands,
  ...geoCommands,
  ...streamCommands,
  ...memoryKeyCommands,
};

/** Commands that run on the client's own worker with its connection (top-level names cover their subcommands). */
export const SESSION_COMMANDS: SessionFamily = {
  ...connectionCommands,
  ...transactionCommands,
  ...pubsubCommands,
  ...keyspaceWideCommands,
  ...serverCommands,
  ...persistenceCommands,
  ...memoryCommands,
  ...sortCommands,
  ...scriptingCommands,
  ...functionCommands,
  ...replicationCommands,
};
