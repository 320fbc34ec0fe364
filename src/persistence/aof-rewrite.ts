// BGREWRITEAOF with Redis 7.0's multi-part AOF, without stopping the server.
//
// 1. A point-in-time snapshot (snapshot-stream.ts) at global sequence S. At that point, with every
//    worker locked, the coordinator emits the marker effect ['@aof-rewrite-start', <new incr name>]:
//    it takes sequence number S itself, so the log thread, which merges effects strictly in sequence
//    order, switches to the new incremental file exactly between the last write in the snapshot and
//    the first one after it (the marker is never written to the AOF, see src/log/aof-writer.ts).
// 2. The snapshot is written as the new base file: an RDB with aof-base:1 (aof-use-rdb-preamble yes)
//    or RESP commands (no), to a temp file, fsynced.
// 3. Once the log thread has passed the marker (DURABLE > S), the base is renamed into place and the
//    manifest rewritten atomically: the new base and the new incr file, the old files as history;
//    then the history files are deleted and the manifest written without them.
// With appendonly no (no log thread, no effects) the manifest gets the base alone.
import fs from 'node:fs';
import path from 'node:path';
import type { Shard } from '../shard/shard.ts';
import { seqBefore } from '../log/log-control.ts';
import {
  type AofFileInfo, fsyncDirectory, incrFileName, manifestFileName, parseManifest, writeManifestAtomically,
} from '../log/aof-manifest.ts';
import { streamRdbSnapshot, streamSnapshotEntries } from './snapshot-stream.ts';
import { readRdb } from './rdb-file.ts';
import { RDB_OPCODE_EOF, RDB_VERSION } from './rdb-format.ts';
import { createDumpPayload } from './dump.ts';
import { announceDone, settleOnce, type BackgroundJob } from './background-job.ts';
import { AsyncFileSink } from './async-file-sink.ts';
import { RewriteChild } from './aof-rewrite-child.ts';

export const AOF_REWRITE_MARKER = '@aof-rewrite-start';

export function aofDirOf(shard: Shard): string {
  return path.resolve(shard.config.dir, shard.config.appenddirname);
}

export function readManifest(aofDir: string, appendfilename: string): AofFileInfo[] {
  const file = path.join(aofDir, manifestFileName(appendfilename));
  if (!fs.existsSync(file)) return [];
  return parseManifest(fs.readFileSync(file, 'latin1'));
}

/**
 * Deletes the history files the manifest lists and rewrites it without them (Redis's
 * aofDelHistoryFiles: after a rewrite, and when aof-disable-auto-gc is turned off).
 */
export function deleteAofHistory(aofDir: string, appendfilename: string): void {
  const files = readManifest(aofDir, appendfilename);
  const history = files.filter((f) => f.type === 'h');
  if (history.length === 0) return;
  for (const f of history) {
    console.log(`shoal: Removing the history file ${f.fileName} in the background`);
    fs.rmSync(path.join(aofDir, f.fileName), { force: true });
  }
  writeManifestAtomically(aofDir, appendfilename, files.filter((f) => f.type !== 'h'));
}

/** Total size of the base and incremental files (auto-aof-rewrite's measure, aof_current_size). */
export function aofCurrentSize(aofDir: string, appendfilename: string): number {
  let size = 0;
  try {
    for (const f of readManifest(aofDir, appendfilename)) {
      if (f.type === 'h') continue;
      try {
        size += fs.statSync(path.join(aofDir, f.fileName)).size;
      } catch {
        // listed but missing: counts as empty
      }
    }
  } catch {
    return 0;
  }
  return size;
}

/** Key entries as RESP commands, for a base file without the RDB preamble (SET for strings, RESTORE for the rest). */
class CommandBaseEncoder {
  private db = -1;
  private readonly sink: (chunk: Buffer) => void;
  private readonly compression: boolean;
  constructor(sink: (chunk: Buffer) => void, compression: boolean) {
    this.sink = sink;
    this.compression = compression;
  }

  private command(args: Array<string | Buffer>): Buffer {
    const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`, 'latin1')];
    for (const a of args) {
      const bytes = typeof a === 'string' ? Buffer.from(a, 'latin1') : a;
      parts.push(Buffer.from(`$${bytes.length}\r\n`, 'latin1'), bytes, Buffer.from('\r\n', 'latin1'));
    }
    return Buffer.concat(parts);
  }

  /** A chunk of RDB key entries (SELECTDB runs), decoded and written as commands. */
  entries(chunk: Buffer): void {
    // The chunk is a valid RDB body: wrap it in a header and EOF (no checksum) to read it.
    const file = Buffer.concat([Buffer.from(`REDIS${String(RDB_VERSION).padStart(4, '0')}`, 'latin1'), chunk, Buffer.from([RDB_OPCODE_EOF]), Buffer.alloc(8)]);
    const out: Buffer[] = [];
    readRdb(file, {
      key: (e) => {
        if (e.db !== this.db) {
          out.push(this.command(['SELECT', String(e.db)]));
          this.db = e.db;
        }
        if (typeof e.value === 'string') {
          out.push(this.command(['SET', e.key, e.value]));
          if (e.expireAt >= 0) out.push(this.command(['PEXPIREAT', e.key, String(e.expireAt)]));
        } else {
          const payload = createDumpPayload(e.value, { compression: this.compression });
          const args: Array<string | Buffer> = ['RESTORE', e.key, String(Math.max(0, e.expireAt)), payload];
          if (e.expireAt >= 0) args.push('ABSTTL');
          out.push(this.command(args));
        }
      },
    }, { checksum: false });
    if (out.length > 0) this.sink(Buffer.concat(out));
  }
}

/** Resolves once the log thread has merged (and written) every effect before `next`. */
async function logPassed(shard: Shard, next: number): Promise<void> {
  for (;;) {
    const durable = shard.effects.durableSequence();
    if (!seqBefore(durable, next) || !shard.effects.active) return;
    await shard.effects.waitDurableChange(durable);
  }
}

/** BGREWRITEAOF. `started` rejects with SnapshotBusyError when another save or rewrite runs. */
export function rewriteAof(shard: Shard): BackgroundJob {
  const config = shard.config;
  const aofDir = aofDirOf(shard);
  const name = config.appendfilename;
  const preamble = config.aofUseRdbPreamble;
  const file = new AsyncFileSink(path.join(aofDir, `temp-rewriteaof-bg-${process.pid}-${Date.now()}.aof`));
  const startedAt = Date.now();
  const { promise: started, settle, settled } = settleOnce();
  // The process that stands for the rewrite (see aof-rewrite-child.ts), from the snapshot's start.
  let child: RewriteChild | null = null;
  const killed = (): Error | null => (child?.killed === true ? new Error(`Background AOF rewrite terminated by signal ${child.signal ?? 'unknown'}`) : null);
  const onStarted = (): void => {
    child = new RewriteChild();
    settle();
  };
  // appendonly turned on at runtime (Redis's AOF_WAIT_REWRITE): the incr file this rewrite opens is
  // listed only if it succeeds; a failed one is deleted (Redis's temp incr file).
  const firstRewrite = config.appendonly && shard.persistence.aofWaitingRewrite;
  let unlistedIncr: string | null = null;
  const done = (async (): Promise<boolean> => {
    let cowBytes = 0;
    try {
      fs.mkdirSync(aofDir, { recursive: true });
      const before = readManifest(aofDir, name);
      // With appendonly on, effects after the point go to the new incr file: the log thread must record them.
      if (config.appendonly && !shard.effects.active) throw new Error('the log thread does not record writes yet');
      const logging = config.appendonly;
      const newIncrSeq = 1 + Math.max(0, ...before.filter((f) => f.type === 'i').map((f) => f.seq));
      const newIncr = incrFileName(name, newIncrSeq);
      unlistedIncr = firstRewrite ? newIncr : null;
      let markerSeq = -1;
      const sink = (chunk: Buffer): void => file.write(chunk);
      const backpressure = (): Promise<void> => file.backpressure();
      const atPoint = (sequence: number): void => {
        if (!logging) return;
        markerSeq = sequence;
        // Takes number `sequence` itself: the log thread switches files exactly here.
        shard.effects.emit(0, [AOF_REWRITE_MARKER, newIncr]);
      };
      // As Redis's rewrite in RESP form, the base starts with a timestamp annotation when those are on.
      if (!preamble && config.get('aof-timestamp-enabled') === 'yes') sink(Buffer.from(`#TS:${Math.floor(Date.now() / 1000)}\r\n`, 'latin1'));
      if (preamble) {
        const result = await streamRdbSnapshot(shard, sink, { kind: 'aof', atPoint, backpressure, onStarted, abortedBy: killed, rdb: { aofBase: true } });
        cowBytes = result.cowBytes;
      } else {
        const encoder = new CommandBaseEncoder(sink, config.rdbcompression);
        const result = await streamSnapshotEntries(shard, (chunk) => encoder.entries(chunk), { kind: 'aof', atPoint, backpressure, onStarted, abortedBy: killed });
        cowBytes = result.cowBytes;
      }
      await file.finish();
      if (markerSeq >= 0) await logPassed(shard, (markerSeq + 1) >>> 0);
      const stop = killed();
      if (stop !== null) throw stop;
      // The manifest as the log thread left it (it may have added the new incr file).
      const current = readManifest(aofDir, name);
      const oldBase = current.find((f) => f.type === 'b');
      const baseSeq = (oldBase?.seq ?? 0) + 1;
      const baseName = `${name}.${baseSeq}.base.${preamble ? 'rdb' : 'aof'}`;
      fs.renameSync(file.path, path.join(aofDir, baseName));
      fsyncDirectory(aofDir);
      const keep: AofFileInfo[] = [{ fileName: baseName, seq: baseSeq, type: 'b' }];
      if (markerSeq >= 0) keep.push({ fileName: newIncr, seq: newIncrSeq, type: 'i' });
      // Redis's order: the rewritten incr files (earliest first), the old base, then older history.
      const history: AofFileInfo[] = [
        ...current.filter((f) => f.type === 'i' && f.fileName !== newIncr),
        ...current.filter((f) => f.type === 'b'),
        ...current.filter((f) => f.type === 'h'),
      ].map((f) => ({ ...f, type: 'h' as const }));
      writeManifestAtomically(aofDir, name, [...keep, ...history]);
      // aof-disable-auto-gc yes keeps the history files (and their manifest lines) until it is turned off.
      if (config.get('aof-disable-auto-gc') !== 'yes') deleteAofHistory(aofDir, name);
      shard.persistence.aofBaseSize = aofCurrentSize(aofDir, name);
      (child as RewriteChild | null)?.end();
      console.log(`shoal: Background AOF rewrite finished successfully (base ${baseName}${markerSeq >= 0 ? `, incr ${newIncr} from sequence ${markerSeq}` : ''})`);
      announceDone(shard, 'aof', true, startedAt, cowBytes);
      return true;
    } catch (err) {
      (child as RewriteChild | null)?.end();
      await file.discard();
      if (!settled()) {
        settle(err);
        return false;
      }
      console.error('shoal: Background AOF rewrite error:', err instanceof Error ? err.message : err);
      if (unlistedIncr !== null) {
        console.log(`shoal: Removing the temp incr aof file ${unlistedIncr} in the background`);
        fs.rmSync(path.join(aofDir, unlistedIncr), { force: true });
      }
      announceDone(shard, 'aof', false, startedAt, cowBytes);
      return false;
    }
  })();
  return { started, done };
}

/**
 * CONFIG SET appendonly yes: as Redis forks the first rewrite inside CONFIG SET, it is started here
 * and the reply waits until it runs (its child process is there for whoever looks). While a save
 * runs it is only scheduled: the persistence cron starts it once the save is over, and retries it
 * if it fails.
 */
export async function startFirstAofRewrite(shard: Shard): Promise<void> {
  const p = shard.persistence;
  if (p.running !== null || p.bgsaveInProgress) return;
  // The log thread hears of appendonly through the main thread: it must record before the rewrite's point.
  for (let i = 0; i < 400 && !shard.effects.active; i++) await new Promise((r) => setTimeout(r, 5));
  if (!shard.effects.active) return;
  p.aofWaitingRewrite = true;
  try {
    await rewriteAof(shard).started;
  } catch {
    // Another save or rewrite got there first: the cron starts this one when it can.
  }
}
