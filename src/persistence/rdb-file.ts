// Whole RDB files, Redis 7.0's version 10 (rdb.c's rdbSaveRio / rdbLoadRioWithLoadingCtx). No server
// integration here: SAVE, BGSAVE and loading at start-up are wired by the engine with this API.
//
// Writing
//   const out = new RdbFileWriter((chunk) => fs.writeSync(fd, chunk), { compression: true });
//   out.begin();                          // "REDIS0010" + aux fields (redis-ver 7.0.15, redis-bits 64,
//                                         // ctime, used-mem, aof-base, plus options.aux)
//   out.selectDb(0, { keys: n, expires: m });  // SELECTDB, and RESIZEDB when the sizes are given
//   out.key('k', value, expireAtMs);      // EXPIRETIME_MS when expireAtMs >= 0, type, key, value
//   out.end();                            // EOF + CRC-64 (8 zero bytes with checksum: false)
// Chunks reach the sink every ~64 KB, so a worker can serialize its keys incrementally (BGSAVE).
// Shortcuts: encodeRdb(entries) → Buffer, and writeRdbFileSync(path, entries) (temp file, fsync,
// rename, as rdbSave does). `entries` is any iterable of { db, key, value, expireAt }; keys of one
// database should come together (a SELECTDB is written whenever db changes).
//
// Reading
//   const result = readRdbFileSync(path, { key(e) { ... }, aux(k, v) { ... } }, { limits: config });
//   readRdb(buffer | ByteSource, handler, options) does the same from memory or any synchronous source.
// The handler's key() gets every key in file order, { db, key, value, expireAt (-1: none),
// idleSeconds?, freq? }; values get the encodings Redis would give them under `limits` (ServerConfig
// has the fields). Nothing is dropped for being expired: a primary drops keys with expireAt < now,
// as Redis does on load. Aux fields go to aux(), FUNCTION2 libraries to func() (ignored without
// one). Keys whose value is empty are skipped and counted, as Redis does. Errors (RdbLoadError):
// bad magic or a version above 10, corrupt data, module values and module aux data, the pre-GA
// FUNCTION opcode, a wrong checksum (not checked when the file stores 0, as Redis).

import fs from 'node:fs';
import path from 'node:path';
import type { RedisValue } from '../types/value.ts';
import { Crc64 } from './crc64.ts';
import { CorruptDataError } from './encoded-int.ts';
import { type ByteSource, EmptyKeyError, RdbReader } from './rdb-reader.ts';
import { RdbWriter, type RdbWriterOptions } from './rdb-writer.ts';
import {
  type EncodingLimits,
  DEFAULT_ENCODING_LIMITS,
  RDB_OPCODE_AUX,
  RDB_OPCODE_EOF,
  RDB_OPCODE_EXPIRETIME,
  RDB_OPCODE_EXPIRETIME_MS,
  RDB_OPCODE_FREQ,
  RDB_OPCODE_FUNCTION,
  RDB_OPCODE_FUNCTION2,
  RDB_OPCODE_IDLE,
  RDB_OPCODE_MODULE_AUX,
  RDB_OPCODE_RESIZEDB,
  RDB_OPCODE_SELECTDB,
  RDB_VERSION,
  isObjectType,
} from './rdb-format.ts';

/** One key of an RDB file. */
export interface RdbEntry {
  db: number;
  key: string;
  value: RedisValue;
  /** Absolute expiry in ms since the epoch, or -1 for none. */
  expireAt: number;
}

/** A key as read, with the LRU/LFU hints a file may carry. */
export interface RdbLoadedEntry extends RdbEntry {
  idleSeconds?: number;
  freq?: number;
}

export interface RdbSaveOptions extends RdbWriterOptions {
  /** rdbchecksum: false writes a zero checksum, which loaders skip. Default true. */
  checksum?: boolean;
  /** The aux field redis-ver. Default 7.0.15 (what redis-check-rdb and redis-server expect to read). */
  redisVersion?: string;
  /** The aux field ctime, seconds. Default now. */
  ctime?: number;
  /** The aux field used-mem. Default process.memoryUsage().rss. */
  usedMemory?: number;
  /** The aux field aof-base: true for the preamble of an AOF base file. Default false. */
  aofBase?: boolean;
  /** More aux fields, written after the standard ones and before aof-base (repl-stream-db, repl-id, repl-offset). */
  aux?: ReadonlyArray<readonly [string, string]>;
}

const FLUSH_AT = 64 * 1024;

/** The code of each function library this thread has (scripting/function-libraries.ts registers it). */
let rdbFunctionSource: () => readonly string[] = () => [];
export function setRdbFunctionSource(source: () => readonly string[]): void {
  rdbFunctionSource = source;
}

/** An RDB file written as a stream of chunks. */
export class RdbFileWriter {
  private readonly out: RdbWriter;
  private readonly crc = new Crc64();
  private readonly sink: (chunk: Buffer) => void;
  private readonly options: RdbSaveOptions;
  private currentDb = -1;
  /** Bytes handed to the sink so far. */
  written = 0;

  constructor(sink: (chunk: Buffer) => void, options: RdbSaveOptions = {}) {
    this.sink = sink;
    this.options = options;
    this.out = new RdbWriter(options, FLUSH_AT * 2);
  }

  private flush(): void {
    if (this.out.pos === 0) return;
    const chunk = this.out.take();
    this.crc.update(chunk);
    this.written += chunk.length;
    this.sink(chunk);
  }

  private auxField(key: string, value: string): void {
    this.out.byte(RDB_OPCODE_AUX);
    this.out.string(key);
    this.out.string(value);
  }

  /** The magic and the aux fields (rdbSaveInfoAuxFields). */
  begin(): void {
    const o = this.options;
    this.out.bytes(Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'));
    this.auxField('redis-ver', o.redisVersion ?? '7.0.15');
    this.auxField('redis-bits', '64');
    this.auxField('ctime', String(o.ctime ?? Math.floor(Date.now() / 1000)));
    this.auxField('used-mem', String(o.usedMemory ?? process.memoryUsage().rss));
    for (const [k, v] of o.aux ?? []) this.auxField(k, v);
    this.auxField('aof-base', o.aofBase ? '1' : '0');
    // Function libraries come before the databases (rdbSaveFunctions).
    for (const code of rdbFunctionSource()) {
      this.out.byte(RDB_OPCODE_FUNCTION2);
      this.out.string(code);
    }
  }

  /** SELECTDB, and RESIZEDB when the database's sizes are known (a hint for the loader's tables). */
  selectDb(db: number, sizes?: { keys: number; expires: number }): void {
    this.out.byte(RDB_OPCODE_SELECTDB);
    this.out.length(db);
    if (sizes !== undefined) {
      this.out.byte(RDB_OPCODE_RESIZEDB);
      this.out.length(sizes.keys);
      this.out.length(sizes.expires);
    }
    this.currentDb = db;
  }

  /** The database the next key() goes to (-1 before the first selectDb). */
  get db(): number {
    return this.currentDb;
  }

  /** One key (rdbSaveKeyValuePair); expireAt < 0 for none. */
  key(key: string, value: RedisValue, expireAt = -1): void {
    encodeKeyEntry(this.out, key, value, expireAt);
    if (this.out.pos >= FLUSH_AT) this.flush();
  }

  /**
   * Key entries already encoded elsewhere (each shard worker encodes its own keys with
   * encodeKeyEntry): appended as they are, through the checksum.
   */
  appendEntries(encoded: Buffer): void {
    this.flush();
    if (encoded.length === 0) return;
    this.crc.update(encoded);
    this.written += encoded.length;
    this.sink(encoded);
  }

  /** EOF and the checksum of everything before it. */
  end(): void {
    this.out.byte(RDB_OPCODE_EOF);
    this.flush();
    const digest = this.options.checksum === false ? Buffer.alloc(8) : this.crc.digest();
    this.written += 8;
    this.sink(digest);
  }
}

/** Writes entries with an RdbFileWriter, a SELECTDB whenever the database changes. */
/** One key as rdbSaveKeyValuePair writes it (expiry, type, key, value), into `out`. */
export function encodeKeyEntry(out: RdbWriter, key: string, value: RedisValue, expireAt = -1): void {
  if (expireAt >= 0) {
    out.byte(RDB_OPCODE_EXPIRETIME_MS);
    out.millis(expireAt);
  }
  out.byte(RdbWriter.rdbType(value));
  out.string(key);
  out.value(value);
}

export function writeRdb(entries: Iterable<RdbEntry>, sink: (chunk: Buffer) => void, options: RdbSaveOptions = {}): void {
  const out = new RdbFileWriter(sink, options);
  out.begin();
  for (const e of entries) {
    if (e.db !== out.db) out.selectDb(e.db);
    out.key(e.key, e.value, e.expireAt);
  }
  out.end();
}

/** A whole RDB file in memory. */
export function encodeRdb(entries: Iterable<RdbEntry>, options: RdbSaveOptions = {}): Buffer {
  const chunks: Buffer[] = [];
  writeRdb(entries, (c) => chunks.push(c), options);
  return Buffer.concat(chunks);
}

/** Writes an RDB file as rdbSave does: a temp file in the same directory, fsync, rename. */
export function writeRdbFileSync(file: string, entries: Iterable<RdbEntry>, options: RdbSaveOptions = {}): number {
  const tmp = path.join(path.dirname(file), `temp-${process.pid}-${Date.now()}.rdb`);
  const fd = fs.openSync(tmp, 'w');
  let size = 0;
  try {
    writeRdb(
      entries,
      (chunk) => {
        let off = 0;
        while (off < chunk.length) off += fs.writeSync(fd, chunk, off, chunk.length - off);
        size += chunk.length;
      },
      options,
    );
    fs.fsyncSync(fd);
  } catch (err) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  return size;
}

// ---------------------------------------------------------------------------------------------
// Reading

export class RdbLoadError extends Error {}

/** The reader's words for data that ends before the structure it reads (rdb-reader.ts). */
const TRUNCATED = 'unexpected end of RDB data';

export interface RdbLoadHandler {
  key(entry: RdbLoadedEntry): void;
  aux?(key: string, value: string): void;
  /** A FUNCTION2 library's code (FUNCTION LOAD's argument). */
  func?(code: string): void;
  resizeDb?(db: number, keys: number, expires: number): void;
  /** A key whose value had no elements, skipped (the count of these so far, this one included). */
  emptyKey?(key: string, skipped: number): void;
}

export interface RdbLoadOptions {
  limits?: EncodingLimits;
  /** Verify the trailing CRC-64 (rdbchecksum). Default true. */
  checksum?: boolean;
  /** readRdbFileSync: called after each read from the file with the bytes read so far (loading progress). */
  onRead?: (bytesRead: number) => void;
}

export interface RdbLoadResult {
  version: number;
  keys: number;
  /** Keys skipped because their value had no elements. */
  emptyKeysSkipped: number;
  /** Bytes read, the checksum included. */
  bytes: number;
}

/** Reads an RDB file from memory or a synchronous source, calling the handler per key. */
export function readRdb(input: Buffer | ByteSource, handler: RdbLoadHandler, options: RdbLoadOptions = {}): RdbLoadResult {
  const limits = options.limits ?? DEFAULT_ENCODING_LIMITS;
  const reader = Buffer.isBuffer(input) ? new RdbReader(input, limits) : RdbReader.fromSource(input, limits);
  try {
    return load(reader, handler, options.checksum ?? true);
  } catch (err) {
    if (err instanceof CorruptDataError) {
      // A file that ends early (Redis's rdbReportReadError), or data that fails a check (rdbReportCorruptRDB).
      if (err.message === TRUNCATED) throw new RdbLoadError(`Short read or OOM loading DB. Unrecoverable error, aborting now: ${err.message} at offset ${reader.offset}`);
      throw new RdbLoadError(`Internal error in RDB reading offset ${reader.offset}, function at rdb.c:0 -> ${err.message}`);
    }
    throw err;
  }
}

function load(reader: RdbReader, handler: RdbLoadHandler, verifyChecksum: boolean): RdbLoadResult {
  reader.startChecksum();
  const magic = reader.bytes(9).toString('latin1');
  if (!magic.startsWith('REDIS')) throw new RdbLoadError('Wrong signature trying to load DB from file');
  const version = Number(magic.slice(5));
  if (!/^\d{4}$/.test(magic.slice(5)) || version < 1 || version > RDB_VERSION) {
    throw new RdbLoadError(`Can't handle RDB format version ${magic.slice(5)}`);
  }
  let db = 0;
  let expireAt = -1;
  let idle: number | undefined;
  let freq: number | undefined;
  let keys = 0;
  let empty = 0;
  for (;;) {
    const type = reader.byte();
    switch (type) {
      case RDB_OPCODE_EXPIRETIME:
        expireAt = reader.seconds32() * 1000;
        continue;
      case RDB_OPCODE_EXPIRETIME_MS:
        expireAt = reader.millis();
        continue;
      case RDB_OPCODE_FREQ:
        freq = reader.byte();
        continue;
      case RDB_OPCODE_IDLE:
        idle = reader.length();
        continue;
      case RDB_OPCODE_SELECTDB:
        db = reader.length();
        continue;
      case RDB_OPCODE_RESIZEDB: {
        const n = reader.length();
        const e = reader.length();
        handler.resizeDb?.(db, n, e);
        continue;
      }
      case RDB_OPCODE_AUX: {
        const k = reader.string();
        const v = reader.string();
        handler.aux?.(k, v);
        continue;
      }
      case RDB_OPCODE_MODULE_AUX:
        throw new RdbLoadError('The RDB file contains module AUX data, but modules are not supported');
      case RDB_OPCODE_FUNCTION:
        throw new RdbLoadError('Pre-GA function format not supported');
      case RDB_OPCODE_FUNCTION2: {
        const code = reader.string();
        handler.func?.(code);
        continue;
      }
      case RDB_OPCODE_EOF:
        break;
      default: {
        if (!isObjectType(type)) throw new RdbLoadError(`Unknown RDB encoding type ${type}`);
        const key = reader.string();
        let value: RedisValue | undefined;
        try {
          value = reader.value(type);
        } catch (err) {
          if (!(err instanceof EmptyKeyError)) throw err;
          empty++;
          handler.emptyKey?.(key, empty);
        }
        if (value !== undefined) {
          const entry: RdbLoadedEntry = { db, key, value, expireAt };
          if (idle !== undefined) entry.idleSeconds = idle;
          if (freq !== undefined) entry.freq = freq;
          handler.key(entry);
          keys++;
        }
        expireAt = -1;
        idle = freq = undefined;
        continue;
      }
    }
    break;
  }
  if (version >= 5) {
    const crc = reader.checksum();
    const stored = reader.bytes(8);
    const zero = stored.every((b) => b === 0);
    if (verifyChecksum && !zero && !crc.matches(stored, 0)) {
      // Redis's two log lines for this case (tools and tests look for "RDB CRC error").
      const expected = Buffer.from(stored).reverse().toString('hex').replace(/^0+(?=.)/, '');
      const got = crc.toHex().replace(/^0+(?=.)/, '');
      throw new RdbLoadError(`Wrong RDB checksum expected: (${expected}) got (${got}). Aborting now.\nInternal error in RDB reading offset ${reader.offset}, function at rdb.c:0 -> RDB CRC error`);
    }
  }
  return { version, keys, emptyKeysSkipped: empty, bytes: reader.offset };
}

/** Reads an RDB file from disk in 1 MB chunks (synchronously: loading happens before serving). */
export function readRdbFileSync(file: string, handler: RdbLoadHandler, options: RdbLoadOptions = {}): RdbLoadResult {
  const fd = fs.openSync(file, 'r');
  try {
    const onRead = options.onRead;
    if (onRead === undefined) return readRdb({ read: (into, offset, length) => fs.readSync(fd, into, offset, length, null) }, handler, options);
    let total = 0;
    return readRdb({
      read: (into, offset, length) => {
        const n = fs.readSync(fd, into, offset, length, null);
        total += n;
        onRead(total);
        return n;
      },
    }, handler, options);
  } finally {
    fs.closeSync(fd);
  }
}
