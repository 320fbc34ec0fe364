// Redis 7.0's multi-part AOF manifest: one line per file, `file <name> seq <n> type <b|h|i>`, the
// base first, then history, then incremental files in increasing seq. Names that need quoting are
// written the way sdscatrepr quotes them, and read back with the redis.conf argument splitter.
import fs from 'node:fs';
import path from 'node:path';
import { splitArgs } from '../config/redis-conf-parser.ts';

export type AofFileType = 'b' | 'h' | 'i';

export interface AofFileInfo {
  fileName: string;
  seq: number;
  type: AofFileType;
}

export class AofManifestError extends Error {}

export function manifestFileName(appendfilename: string): string {
  return `${appendfilename}.manifest`;
}

export function incrFileName(appendfilename: string, seq: number): string {
  return `${appendfilename}.${seq}.incr.aof`;
}

/** Redis reads the manifest with fgets into a buffer of this many characters (plus the NUL). */
const MANIFEST_MAX_LINE = 1024;

/**
 * Parses a manifest's text with Redis 7.0's rules: lines read as fgets reads them (at most 1024
 * characters, so a longer line, or a last line without its newline, is "too long"), comments, at
 * least 6 fields in pairs, known types, monotonic incr seq.
 */
export function parseManifest(text: string): AofFileInfo[] {
  const out: AofFileInfo[] = [];
  if (text.length === 0) throw new AofManifestError('Found an empty AOF manifest');
  let maxIncr = 0;
  let base = false;
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    const end = Math.min(newline < 0 ? text.length : newline + 1, pos + MANIFEST_MAX_LINE);
    const raw = text.slice(pos, end);
    pos = end;
    if (raw.startsWith('#')) continue;
    if (!raw.endsWith('\n')) throw new AofManifestError('The AOF manifest file contains too long line');
    const line = raw.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
    const argv = line === '' ? null : splitArgs(line);
    if (argv === null || argv.length < 6 || argv.length % 2 !== 0) throw new AofManifestError('Invalid AOF manifest file format');
    let fileName: string | undefined;
    let seq = 0;
    let type = '';
    for (let i = 0; i < argv.length; i += 2) {
      const key = argv[i]!.toLowerCase();
      if (key === 'file') {
        fileName = argv[i + 1]!;
        if (fileName.includes('/')) throw new AofManifestError("File can't be a path, just a filename");
      } else if (key === 'seq') seq = Number.parseInt(argv[i + 1]!, 10) || 0;
      else if (key === 'type') type = argv[i + 1]![0] ?? '';
    }
    if (fileName === undefined || seq === 0 || type === '') throw new AofManifestError('Invalid AOF manifest file format');
    if (type === 'b') {
      if (base) throw new AofManifestError('Found duplicate base file information');
      base = true;
    } else if (type === 'i') {
      if (seq <= maxIncr) throw new AofManifestError('Found a non-monotonic sequence number');
      maxIncr = seq;
    } else if (type !== 'h') throw new AofManifestError('Unknown AOF file type');
    out.push({ fileName, seq, type: type as AofFileType });
  }
  return out;
}

export function formatManifest(files: readonly AofFileInfo[]): string {
  const order: AofFileType[] = ['b', 'h', 'i'];
  let text = '';
  for (const type of order) {
    for (const f of files) {
      if (f.type === type) text += `file ${needsRepr(f.fileName) ? repr(f.fileName) : f.fileName} seq ${f.seq} type ${f.type}\n`;
    }
  }
  return text;
}

function isPrint(c: number): boolean {
  return c >= 0x20 && c < 0x7f;
}

function needsRepr(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c === 0x20 || !isPrint(c)) return true;
  }
  return false;
}

/** sdscatrepr's quoting. */
function repr(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '\\' || ch === '"') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c === 7) out += '\\a';
    else if (c === 8) out += '\\b';
    else if (isPrint(c)) out += ch;
    else out += '\\x' + (c & 0xff).toString(16).padStart(2, '0');
  }
  return out + '"';
}

/** Writes the manifest as Redis does: a temp file, fsync, rename over the old one, fsync the directory. */
export function writeManifestAtomically(aofDir: string, appendfilename: string, files: readonly AofFileInfo[]): void {
  const finalPath = path.join(aofDir, manifestFileName(appendfilename));
  const tempPath = path.join(aofDir, 'temp-' + manifestFileName(appendfilename));
  const fd = fs.openSync(tempPath, 'w', 0o644);
  try {
    fs.writeSync(fd, formatManifest(files));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tempPath, finalPath);
  fsyncDirectory(aofDir);
}

export function fsyncDirectory(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
