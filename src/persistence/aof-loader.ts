import fs from 'node:fs';
import path from 'node:path';
import { AofManifestError, manifestFileName, parseManifest, type AofFileInfo } from '../log/aof-manifest.ts';
import type { ServerConfig } from '../config/server-config.ts';

/**
 * What Redis 7.0 loads at start-up with appendonly yes: the files of the multi-part AOF manifest in
 * order (the base, an RDB or an AOF, then the incremental AOFs). The RDB base is loaded by every
 * worker for its own slots; the RESP files are replayed by one worker as a client would send them,
 * so commands whose keys span workers route exactly as they did when they ran.
 */
export interface AofLoadPlan {
  aofDir: string;
  /** The base file when it is an RDB (loaded by every worker), else null. */
  rdbBase: string | null;
  /** RESP files to replay, in order (an AOF base first, then the incr files). */
  replay: string[];
}

export function aofLoadPlan(config: ServerConfig): AofLoadPlan | null {
  const aofDir = path.resolve(config.dir, config.appenddirname);
  const manifest = path.join(aofDir, manifestFileName(config.appendfilename));
  if (!fs.existsSync(manifest)) return null;
  const files: AofFileInfo[] = parseManifest(fs.readFileSync(manifest, 'latin1'));
  // As Redis: every file the manifest names must be there, or nothing is loaded.
  for (const f of files) {
    if (f.type !== 'h' && !fs.existsSync(path.join(aofDir, f.fileName))) throw new AofManifestError(`Fatal error: can't open the append log file ${f.fileName} for reading: No such file or directory`);
  }
  const base = files.find((f) => f.type === 'b');
  const plan: AofLoadPlan = { aofDir, rdbBase: null, replay: [] };
  if (base !== undefined) {
    const file = path.join(aofDir, base.fileName);
    if (isRdbFile(file)) plan.rdbBase = file;
    else plan.replay.push(file);
  }
  for (const f of files) if (f.type === 'i') plan.replay.push(path.join(aofDir, f.fileName));
  return plan;
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
