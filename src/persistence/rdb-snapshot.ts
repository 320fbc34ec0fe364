import fs from 'node:fs';
import path from 'node:path';
import { keyHashSlot } from '../cluster/key-slot.ts';
import type { Keyspace } from '../shard/keyspace.ts';
import type { SlotTable } from '../ipc/slot-table.ts';
import type { ServerConfig } from '../config/server-config.ts';
import { RdbWriter } from './rdb-writer.ts';
import { encodeKeyEntry, RdbLoadError, readRdbFileSync, RdbFileWriter, type RdbLoadHandler } from './rdb-file.ts';
import { functionLibraries } from '../scripting/function-libraries.ts';

/**
 * RDB snapshots of a sharded keyspace. Each worker encodes the keys of its slots (in parallel with
 * the others); the coordinating worker writes one file: header, then per database SELECTDB with the
 * summed sizes and every worker's encoded entries, EOF and the checksum. The coordinator holds the
 * lock of every worker meanwhile, so the file is the keyspace at one point of the write stream.
 */

/** One worker's keys of one database, encoded as RDB key entries. */
export interface EncodedShardDb {
  keys: number;
  expires: number;
  entries: Buffer;
}

export function encodeShardDb(keyspace: Keyspace, dbIndex: number, compression: boolean): EncodedShardDb {
  const db = keyspace.dbs[dbIndex]!;
  const out = new RdbWriter({ compression }, 64 * 1024);
  let keys = 0;
  let expires = 0;
  for (const [key, value] of db.entries()) {
    const expireAt = db.getExpire(key) ?? -1;
    encodeKeyEntry(out, key, value, expireAt);
    keys++;
    if (expireAt >= 0) expires++;
  }
  return { keys, expires, entries: out.take() };
}

/** Writes a whole RDB file from the parts of every worker, database by database (temp file, fsync, rename). */
export async function writeRdbSnapshot(
  file: string,
  config: ServerConfig,
  databases: number,
  partsOf: (db: number) => Promise<EncodedShardDb[]>,
  aux: ReadonlyArray<readonly [string, string]> = [],
): Promise<number> {
  const temp = path.join(path.dirname(file), `temp-${process.pid}-${Date.now()}.rdb`);
  const fd = fs.openSync(temp, 'w');
  try {
    const writer = new RdbFileWriter((chunk) => fs.writeSync(fd, chunk), { compression: config.rdbcompression, checksum: config.rdbchecksum, aux });
    writer.begin();
    for (let db = 0; db < databases; db++) {
      const parts = await partsOf(db);
      let keys = 0;
      let expires = 0;
      for (const part of parts) {
        keys += part.keys;
        expires += part.expires;
      }
      if (keys === 0) continue;
      writer.selectDb(db, { keys, expires });
      for (const part of parts) writer.appendEntries(part.entries);
    }
    writer.end();
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fs.renameSync(temp, file);
    return writer.written;
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(temp, { force: true });
    throw err;
  }
}

/**
 * At shutdown, once the workers are stopped: the temp file of a BGSAVE they were writing (named
 * temp-<pid>-..., see backgroundSave) goes, as Redis removes its killed child's temp file.
 */
export function removeSaveTempFiles(config: ServerConfig): void {
  const dir = path.dirname(rdbPath(config));
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(`temp-${process.pid}-`) && name.endsWith('.rdb')) fs.rmSync(path.join(dir, name), { force: true });
  }
}

export function rdbPath(config: ServerConfig): string {
  return path.resolve(config.dir, config.dbfilename);
}

/** Where a load reports what it read (PersistenceState has the fields: INFO's rdb_last_load_keys_*). */
export interface LoadFigures {
  lastLoadKeysLoaded: number;
  lastLoadKeysExpired: number;
}

export interface ShardLoadOptions {
  /** Gets the counts of the whole file (every worker reads all of it, so each has the server's figures). */
  figures?: LoadFigures;
  /** Bytes of the file read so far, after each read (INFO's loading_loaded_bytes). */
  onRead?: (bytesRead: number) => void;
  /** The load at start-up: a corrupt file ends the server (its error says so, as Redis logs it). */
  startup?: boolean;
}

/** Redis logs the first ten empty keys it skips. */
const EMPTY_KEYS_LOGGED = 10;

/**
 * key-load-delay's sleep (loading is synchronous: nothing else waits on this thread). A sleep costs
 * far more than 50 us of overhead, so the delay accrues and the thread sleeps whole milliseconds
 * of it: the load lasts about keys x delay, as Redis's per-key usleep makes it.
 */
const sleepCell = new Int32Array(new SharedArrayBuffer(4));
let sleepOwedMs = 0;
function sleepMicroseconds(us: number): void {
  sleepOwedMs += us / 1000;
  if (sleepOwedMs < 1) return;
  const whole = Math.floor(sleepOwedMs);
  sleepOwedMs -= whole;
  Atomics.wait(sleepCell, 0, 0, whole);
}

/**
 * Loads the keys of the slots this worker owns from an RDB file (every worker reads the whole file
 * and keeps its own keys: the workers load in parallel). Keys already expired are dropped, as a
 * primary does. Returns the number of keys kept.
 */
export function loadShardFromRdb(file: string, keyspace: Keyspace, slots: SlotTable, self: number, config: ServerConfig, options: ShardLoadOptions = {}): number {
  const now = Date.now();
  let kept = 0;
  let loaded = 0;
  let expired = 0;
  // key-load-delay (microseconds per key, a debugging knob Redis's tests use to make a load slow).
  const keyDelayUs = Number(config.get('key-load-delay') ?? 0);
  // Function libraries: every worker keeps all of them (as the file has them, Redis's rdbLoad).
  functionLibraries.flush();
  const handler: RdbLoadHandler = {
    emptyKey(key, skipped) {
      // One worker logs (every worker reads the whole file).
      if (self === 0 && skipped <= EMPTY_KEYS_LOGGED) console.log(`${process.pid}:M * rdbLoadObject skipping empty key: ${key}`);
    },
    func(code) {
      const result = functionLibraries.load(code, true, 0);
      if (typeof result === 'string') console.warn(`shoal: function library in ${file} not loaded: ${result}`);
    },
    key(entry) {
      if (keyDelayUs > 0) sleepMicroseconds(keyDelayUs);
      if (entry.expireAt >= 0 && entry.expireAt < now && !keyspace.isReplica) {
        expired++;
        return;
      }
      loaded++;
      if (slots.ownerOf(keyHashSlot(entry.key)) !== self) return;
      const db = keyspace.dbs[entry.db];
      if (db === undefined) return;
      db.set(entry.key, entry.value);
      if (entry.expireAt >= 0) db.setExpire(entry.key, entry.expireAt);
      kept++;
    },
  };
  try {
    const result = readRdbFileSync(file, handler, { limits: config, onRead: options.onRead });
    if (self === 0) {
      const skipped = result.emptyKeysSkipped > 0 ? `, empty keys skipped: ${result.emptyKeysSkipped}` : '';
      console.log(`${process.pid}:M * Done loading RDB, keys loaded: ${loaded}, keys expired: ${expired}${skipped}.`);
    }
  } catch (err) {
    if (!(err instanceof RdbLoadError) || !err.message.startsWith('Internal error')) throw err;
    // Logged where it happens (as Redis does, before it runs its RDB check), then the start-up's end.
    console.log(`${process.pid}:M # ${err.message}`);
    if (options.startup === true) throw new RdbLoadError(`${err.message}\nTerminating server after rdb file reading failure.`);
    throw err;
  }
  if (options.figures !== undefined) {
    options.figures.lastLoadKeysLoaded = loaded;
    options.figures.lastLoadKeysExpired = expired;
  }
  return kept;
}
