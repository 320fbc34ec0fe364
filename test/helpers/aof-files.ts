import fs from 'node:fs';
import path from 'node:path';

/** A request in RESP, as an AOF file holds it. */
export function resp(...args: string[]): string {
  return `*${args.length}\r\n` + args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('');
}

/** Redis 7.0's AOF layout in `dir` with one incr file holding `contents` and a manifest naming it. */
export function writeIncrOnlyAof(dir: string, contents: string): void {
  const aofDir = path.join(dir, 'appendonlydir');
  fs.mkdirSync(aofDir);
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.1.incr.aof'), contents);
  fs.writeFileSync(path.join(aofDir, 'appendonly.aof.manifest'), 'file appendonly.aof.1.incr.aof seq 1 type i\n');
}
