import fs from 'node:fs';
import path from 'node:path';
import {
  AofManifestError, fsyncDirectory, incrFileName, manifestFileName, parseManifest, writeManifestAtomically, type AofFileInfo,
} from '../log/aof-manifest.ts';
import type { ServerConfig } from '../config/server-config.ts';
import { readRdbFileSync, writeRdbFileSync } from './rdb-file.ts';

/**
 * What Redis 7.0 loads at start-up with appendonly yes: the files of the multi-part AOF manifest in
 * order (the base, an RDB or an AOF, then the incremental AOFs). The RDB base is loaded by every
 * worker for its own slots; the RESP files are replayed by one worker as a client would send them,
 * so commands whose keys span workers route exactly as they did when they ran.
 */
export interface AofLoadPlan {
  aofDir: string;
  /** The base file when it starts with an RDB (loaded by every worker), else null. */
  rdbBase: string | null;
  /**
   * True when the RDB base may be followed by an AOF tail (an AOF file with an RDB preamble, as
   * Redis < 7 wrote them): the tail is replayed from where the RDB ends (see replayStarts).
   */
  rdbBaseHasTail: boolean;
  /** RESP files to replay, in order (an AOF base first, then the incr files). */
  replay: string[];
}

function manifestPath(aofDir: string, config: ServerConfig): string {
  return path.join(aofDir, manifestFileName(config.appendfilename));
}

function readManifestFiles(aofDir: string, config: ServerConfig): AofFileInfo[] {
  const file = manifestPath(aofDir, config);
  if (!fs.existsSync(file)) return [];
  return parseManifest(fs.readFileSync(file, 'latin1'));
}

function isDirectory(dir: string): boolean {
  try {
    return fs.statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

/**
 * Start-up work on the AOF files before anything is loaded, in the main thread (once, before the
 * workers read the manifest), as Redis 7.0 does it (loadAppendOnlyFiles, aofOpenIfNeededOnServerStart):
 *  - a manifest that cannot be parsed, or that names a missing file, stops start-up;
 *  - an old-style single AOF file (<dir>/<appendfilename>, Redis < 7) is moved into the AOF directory
 *    and recorded as the base of a new manifest (also when a previous upgrade was interrupted between
 *    writing the manifest and moving the file);
 *  - with no base and no incremental file, an empty base (RDB or AOF as aof-use-rdb-preamble says)
 *    and the first incremental file are created, so the directory always holds a complete AOF.
 * Throws AofManifestError with Redis's words; `notice` receives what Redis logs at NOTICE level.
 */
export function prepareAofOnStart(config: ServerConfig, notice: (message: string) => void): void {
  const aofDir = path.resolve(config.dir, config.appenddirname);
  const name = config.appendfilename;
  const dirExisted = isDirectory(aofDir);
  let files = dirExisted ? readManifestFiles(aofDir, config) : [];
  let base = files.find((f) => f.type === 'b');
  let incrs = files.filter((f) => f.type === 'i');

  const oldStyle = path.resolve(config.dir, name);
  if (fs.existsSync(oldStyle) && fs.statSync(oldStyle).isFile()) {
    const interrupted = base !== undefined && incrs.length === 0 && base.fileName === name && !fs.existsSync(path.join(aofDir, name));
    if (!dirExisted || (base === undefined && incrs.length === 0) || interrupted) {
      fs.mkdirSync(aofDir, { recursive: true });
      files = [{ fileName: name, seq: 1, type: 'b' }, ...files.filter((f) => f.type === 'h')];
      writeManifestAtomically(aofDir, name, files);
      fs.renameSync(oldStyle, path.join(aofDir, name));
      fsyncDirectory(aofDir);
      notice(`Successfully migrated an old-style AOF file (${name}) into the AOF directory (${config.appenddirname}).`);
      base = files[0];
      incrs = [];
    }
  }

  // As Redis: every base and incr file the manifest names must be there, or nothing is loaded.
  for (const f of files) {
    if (f.type !== 'h' && !fs.existsSync(path.join(aofDir, f.fileName))) {
      throw new AofManifestError(`Fatal error: can't open the append log file ${f.fileName} for reading: No such file or directory`);
    }
  }

  if (base === undefined && incrs.length === 0) {
    fs.mkdirSync(aofDir, { recursive: true });
    const baseName = `${name}.1.base.${config.aofUseRdbPreamble ? 'rdb' : 'aof'}`;
    const basePath = path.join(aofDir, baseName);
    // The dataset is empty (with appendonly yes nothing else was loaded): an RDB without keys, or an
    // AOF without commands (a timestamp annotation when those are on, as a rewrite starts one).
    if (config.aofUseRdbPreamble) writeRdbFileSync(basePath, [], { aofBase: true });
    else {
      const text = config.get('aof-timestamp-enabled') === 'yes' ? `#TS:${Math.floor(Date.now() / 1000)}\r\n` : '';
      fs.writeFileSync(basePath, text, { mode: 0o644 });
    }
    const incrName = incrFileName(name, 1);
    const fd = fs.openSync(path.join(aofDir, incrName), 'a', 0o644);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fsyncDirectory(aofDir);
    writeManifestAtomically(aofDir, name, [{ fileName: baseName, seq: 1, type: 'b' }, ...files, { fileName: incrName, seq: 1, type: 'i' }]);
    notice(`Creating AOF base file ${baseName} on server start`);
    notice(`Creating AOF incr file ${incrName} on server start`);
  }
}

export function aofLoadPlan(config: ServerConfig): AofLoadPlan | null {
  const aofDir = path.resolve(config.dir, config.appenddirname);
  if (!fs.existsSync(manifestPath(aofDir, config))) return null;
  const files = readManifestFiles(aofDir, config);
  for (const f of files) {
    if (f.type !== 'h' && !fs.existsSync(path.join(aofDir, f.fileName))) throw new AofManifestError(`Fatal error: can't open the append log file ${f.fileName} for reading: No such file or directory`);
  }
  const base = files.find((f) => f.type === 'b');
  const plan: AofLoadPlan = { aofDir, rdbBase: null, rdbBaseHasTail: false, replay: [] };
  if (base !== undefined) {
    const file = path.join(aofDir, base.fileName);
    if (isRdbFile(file)) {
      plan.rdbBase = file;
      // A base Redis 7 (or shoal) wrote as .base.rdb is an RDB alone; any other name may carry a tail.
      plan.rdbBaseHasTail = !base.fileName.endsWith('.base.rdb');
    } else plan.replay.push(file);
  }
  for (const f of files) if (f.type === 'i') plan.replay.push(path.join(aofDir, f.fileName));
  return plan;
}

/**
 * The files to replay and the byte offset to start each at: an RDB base with a possible AOF tail is
 * replayed from where its RDB part ends (the RDB part is read once more here to find that point).
 */
export function replayList(plan: AofLoadPlan): { files: string[]; starts: number[] } {
  const files = [...plan.replay];
  const starts = files.map(() => 0);
  if (plan.rdbBase !== null && plan.rdbBaseHasTail) {
    const rdbLength = readRdbFileSync(plan.rdbBase, { key: () => {} }).bytes;
    if (fs.statSync(plan.rdbBase).size > rdbLength) {
      files.unshift(plan.rdbBase);
      starts.unshift(rdbLength);
    }
  }
  return { files, starts };
}

/** An RDB file starts with "REDIS" (an AOF base with an RDB preamble too, as Redis checks). */
function isRdbFile(file: string): boolean {
  if (!fs.existsSync(file)) return false;
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(5);
    fs.readSync(fd, head, 0, 5, 0);
    return head.toString('latin1') === 'REDIS';
  } finally {
    fs.closeSync(fd);
  }
}

/** Bytes of the base and incr files the manifest lists (what start-up will read), 0 without a manifest. */
export function aofBytesToLoad(config: ServerConfig): number {
  const aofDir = path.resolve(config.dir, config.appenddirname);
  let bytes = 0;
  try {
    for (const f of readManifestFiles(aofDir, config)) {
      if (f.type !== 'h') bytes += fs.statSync(path.join(aofDir, f.fileName)).size;
    }
  } catch {
    return 0; // a broken or missing manifest stops start-up elsewhere
  }
  return bytes;
}
