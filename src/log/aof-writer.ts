// Appends the merged effect stream to Redis 7.0's multi-part AOF: <dir>/<appenddirname>/ holds the
// base, <appendfilename>.<n>.incr.aof and the manifest <appendfilename>.manifest. Start-up gives an
// empty directory its first base and incr file (src/persistence/aof-loader.ts); the writer appends to
// the last incr file the manifest lists, or adds one when it lists none (a base-only manifest).
import fs from 'node:fs';
import path from 'node:path';
import type { EffectFrame } from './effect-merger.ts';
import { scanAofTail } from './aof-tail.ts';
import { StreamEncoder } from './stream-encoder.ts';
import {
  type AofFileInfo, incrFileName, manifestFileName, parseManifest, writeManifestAtomically, fsyncDirectory,
} from './aof-manifest.ts';

export type AppendFsync = 'always' | 'everysec' | 'no';

export interface AofWriterOptions {
  dir: string;
  appenddirname: string;
  appendfilename: string;
  appendfsync: AppendFsync;
  /** aof-load-truncated: cut a torn last command (true) or refuse to append to such a file (false). */
  loadTruncated?: boolean;
  /** aof-timestamp-enabled, read at each write (CONFIG SET changes it at runtime). */
  annotateTimestamps?: () => boolean;
  /** Where warnings go (the log thread's console by default). */
  warn?: (message: string) => void;
}

/** Atomics.wait on a word nobody notifies: a blocking sleep of the log thread (DEBUG AOF-FLUSH-SLEEP). */
const SLEEPER = new Int32Array(new SharedArrayBuffer(4));

/** An effect whose name starts with '@' is a control marker between the workers and the log thread, never a command. */
export function isControlEffect(effect: EffectFrame): boolean {
  return effect.argc > 0 && effect.data[effect.argsOffset + 4] === 0x40;
}

/**
 * Applies a control marker to the AOF: ['@aof-rewrite-start', <incr file name>] switches the
 * incremental file at exactly this point of the stream (see src/persistence/aof-rewrite.ts). Returns
 * the writer to use from now on (a new one when appendonly was turned on at runtime and waited for
 * its first rewrite).
 */
export function applyControlEffect(aof: AofWriter | null, effect: EffectFrame, options: AofWriterOptions & { enabled: boolean }): AofWriter | null {
  const argv = effect.argv();
  if (argv[0] !== '@aof-rewrite-start' || argv[1] === undefined) return aof;
  if (aof !== null) {
    aof.switchIncr(options.appendfilename, argv[1]);
    return aof;
  }
  // The coordinator emits the marker only with appendonly on (its view may be ahead of this thread's).
  return AofWriter.openUnlisted(options, argv[1]);
}

/**
 * A crash can leave the file's last command half written; appending after it would bury the torn
 * bytes mid-file, where nothing loads past them. As Redis does at load: with aof-load-truncated the
 * torn command (or an unfinished MULTI block) is cut off, otherwise appending is refused; corruption
 * before the end is always refused.
 */
function repairTornTail(fd: number, file: string, options: AofWriterOptions): void {
  const tail = scanAofTail(file);
  if (tail.corruptAt !== null) {
    throw new Error(`Bad file format reading the append only file ${path.basename(file)} (at offset ${tail.corruptAt}): make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>`);
  }
  if (tail.validLength === tail.fileLength) return;
  if (options.loadTruncated === false) {
    throw new Error(`Unexpected end of file reading the append only file ${path.basename(file)}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server.`);
  }
  (options.warn ?? console.warn)(`!!! Warning: short read while loading the AOF file ${file}!!! AOF truncated from ${tail.fileLength} to ${tail.validLength} bytes`);
  fs.ftruncateSync(fd, tail.validLength);
  fs.fsyncSync(fd);
}

/**
 * Encodes effects as RESP multibulk commands into a batch buffer and writes each batch with one
 * write(2); SELECT is written when the database changes (and first in a new file, as Redis does),
 * effects of one transaction id are wrapped in MULTI … EXEC. The fsync policy is Redis's:
 * always (after each batch), everysec (fsyncEverySecond() from a 1 s timer) or no.
 */
export class AofWriter {
  readonly aofDir: string;
  incrPath: string;
  fsyncPolicy: AppendFsync;
  private fd: number;
  /** The batch not yet written: the same encoding the replicas get. */
  private readonly encoder = new StreamEncoder();
  /** Bytes written since the last fsync. */
  private unsynced = 0;
  bytesWritten = 0;
  /** DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write (tests widen races with it). */
  flushSleepMicros = 0;
  /** aof-timestamp-enabled: a "#TS:<unix seconds>" line goes before the first write of each second. */
  annotateTimestamps: () => boolean = () => false;
  /** The second of the last annotation written. */
  private annotatedSecond = 0;

  private constructor(aofDir: string, incrPath: string, fd: number, policy: AppendFsync, options: AofWriterOptions) {
    this.aofDir = aofDir;
    this.incrPath = incrPath;
    this.fd = fd;
    this.fsyncPolicy = policy;
    if (options.annotateTimestamps !== undefined) this.annotateTimestamps = options.annotateTimestamps;
  }

  /**
   * Opens the current incremental file for appending: the last incr file of an existing manifest, or
   * a new `<appendfilename>.<n+1>.incr.aof` recorded in the manifest (created atomically) when there is
   * none.
   */
  static open(options: AofWriterOptions): AofWriter {
    const aofDir = path.resolve(options.dir, options.appenddirname);
    fs.mkdirSync(aofDir, { recursive: true });
    const manifestPath = path.join(aofDir, manifestFileName(options.appendfilename));
    let files: AofFileInfo[] = [];
    if (fs.existsSync(manifestPath)) files = parseManifest(fs.readFileSync(manifestPath, 'latin1'));
    const incrs = files.filter((f) => f.type === 'i');
    const last = incrs[incrs.length - 1];
    if (last !== undefined) {
      const incrPath = path.join(aofDir, last.fileName);
      const fd = fs.openSync(incrPath, 'a', 0o644);
      try {
        repairTornTail(fd, incrPath, options);
      } catch (err) {
        fs.closeSync(fd);
        throw err;
      }
      return new AofWriter(aofDir, incrPath, fd, options.appendfsync, options);
    }
    const seq = 1 + Math.max(0, ...files.filter((f) => f.type !== 'b').map((f) => f.seq));
    const name = incrFileName(options.appendfilename, seq);
    const incrPath = path.join(aofDir, name);
    const fd = fs.openSync(incrPath, 'a', 0o644);
    fs.fsyncSync(fd);
    fsyncDirectory(aofDir);
    writeManifestAtomically(aofDir, options.appendfilename, [...files, { fileName: name, seq, type: 'i' }]);
    return new AofWriter(aofDir, incrPath, fd, options.appendfsync, options);
  }

  /**
   * Opens `name` in the AOF directory for appending without listing it in the manifest: appendonly
   * turned on at runtime writes there from the first rewrite's point, and the rewrite lists it with
   * the new base once the base is complete (until then a restart must not see a base-less AOF).
   */
  static openUnlisted(options: AofWriterOptions, name: string): AofWriter {
    const aofDir = path.resolve(options.dir, options.appenddirname);
    fs.mkdirSync(aofDir, { recursive: true });
    const incrPath = path.join(aofDir, name);
    const fd = fs.openSync(incrPath, 'w', 0o644);
    return new AofWriter(aofDir, incrPath, fd, options.appendfsync, options);
  }

  /**
   * BGREWRITEAOF's switch (at the rewrite's marker effect): everything so far is written and fsynced
   * to the current file, and appending goes on in the new incremental file `name`, which is added to
   * the manifest when the current one is listed there (as Redis opens a new incr file when a rewrite
   * starts). The rewrite, once its base is written, drops the older files from the manifest.
   */
  switchIncr(appendfilename: string, name: string): void {
    this.endTransaction();
    this.flush();
    this.unsynced = Math.max(this.unsynced, 1);
    this.fsync();
    fs.closeSync(this.fd);
    const manifestPath = path.join(this.aofDir, manifestFileName(appendfilename));
    const files = fs.existsSync(manifestPath) ? parseManifest(fs.readFileSync(manifestPath, 'latin1')) : [];
    const listed = files.some((f) => f.type === 'i' && path.join(this.aofDir, f.fileName) === this.incrPath);
    this.incrPath = path.join(this.aofDir, name);
    this.fd = fs.openSync(this.incrPath, 'w', 0o644);
    // A new file is read on its own: it starts with a SELECT.
    this.encoder.forceSelect();
    fs.fsyncSync(this.fd);
    fsyncDirectory(this.aofDir);
    if (listed) {
      const seq = Number(/\.(\d+)\.incr\.aof$/.exec(name)?.[1] ?? 0);
      writeManifestAtomically(this.aofDir, appendfilename, [...files, { fileName: name, seq, type: 'i' }]);
    }
  }

  /** Adds one effect to the current batch (nothing reaches the file before flush()). */
  append(effect: EffectFrame): void {
    this.encoder.append(effect);
  }

  /**
   * Closes an open MULTI block. Called when the stream is idle: the transaction's effects carry no
   * end marker yet, so a block ends at the next effect of another transaction id or when no more
   * effects are waiting.
   */
  endTransaction(): void {
    this.encoder.endTransaction();
  }

  /** Writes the batch; fsyncs it with appendfsync always. Returns the bytes written. */
  flush(): number {
    const bytes = this.encoder.take();
    const length = bytes.length;
    if (length === 0) return 0;
    if (this.flushSleepMicros > 0) Atomics.wait(SLEEPER, 0, 0, this.flushSleepMicros / 1000);
    if (this.annotateTimestamps()) this.annotate();
    let done = 0;
    while (done < length) done += fs.writeSync(this.fd, bytes, done, length - done);
    this.bytesWritten += length;
    this.unsynced += length;
    if (this.fsyncPolicy === 'always') this.fsync();
    return length;
  }

  /** Writes "#TS:<seconds>\r\n" when the second changed since the last one (Redis's timestamp annotation). */
  private annotate(): void {
    const second = Math.floor(Date.now() / 1000);
    if (second <= this.annotatedSecond) return;
    this.annotatedSecond = second;
    const line = Buffer.from(`#TS:${second}\r\n`, 'latin1');
    let done = 0;
    while (done < line.length) done += fs.writeSync(this.fd, line, done, line.length - done);
    this.bytesWritten += line.length;
    this.unsynced += line.length;
  }

  /** The everysec timer's job: fsync when something was written since the last one. */
  fsyncEverySecond(): void {
    if (this.fsyncPolicy === 'everysec' && this.unsynced > 0) this.fsync();
  }

  fsync(): void {
    if (this.unsynced === 0) return;
    fs.fdatasyncSync(this.fd);
    this.unsynced = 0;
  }

  /** Writes what is pending, closes an open transaction, fsyncs (whatever the policy, as Redis at shutdown) and closes. */
  close(): void {
    if (this.fd < 0) return;
    this.endTransaction();
    this.flush();
    this.fsync();
    fs.closeSync(this.fd);
    this.fd = -1;
  }
}
