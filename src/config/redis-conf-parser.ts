// Tokenising of redis.conf text and of redis-server's command line, with Redis's rules.
//
// Strings here are "byte strings": one JS char per byte (latin1), so that \xNN escapes and
// binary passwords round-trip exactly as in Redis. Files are read and written as latin1.

import { readFileSync } from 'node:fs';

/** One directive line of a config text: its 1-based line number, the trimmed text, the arguments. */
export interface ConfigLine {
  lineNumber: number;
  text: string;
  argv: string[];
}

/** A problem found while tokenising; the loader turns it into Redis's FATAL CONFIG FILE ERROR. */
export class ConfigSyntaxError extends Error {
  readonly lineNumber: number;
  readonly lineText: string;
  constructor(lineNumber: number, lineText: string, message: string) {
    super(message);
    this.lineNumber = lineNumber;
    this.lineText = lineText;
  }
}

function isHexDigit(c: string): boolean {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// C's isspace(): the blanks skipped between tokens (a token itself ends only on ' ', \n, \r, \t).
function isCSpace(c: string): boolean {
  return c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r';
}

/**
 * Split a line into arguments like sdssplitargs(): "double quotes" with \n \r \t \b \a \xNN and
 * \<any> escapes, 'single quotes' with only \' escaped, a closing quote must be followed by a
 * blank or the end. Returns null for unbalanced quotes (Redis: "Unbalanced quotes").
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  for (;;) {
    while (i < n && isCSpace(line[i]!)) i++;
    if (i >= n) return out;
    let inDouble = false;
    let inSingle = false;
    let current = '';
    let done = false;
    while (!done) {
      const c = i < n ? line[i]! : '';
      if (inDouble) {
        if (c === '\\' && line[i + 1] === 'x' && i + 3 < n && isHexDigit(line[i + 2]!) && isHexDigit(line[i + 3]!)) {
          current += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 3;
        } else if (c === '\\' && i + 1 < n) {
          i++;
          const e = line[i]!;
          current += e === 'n' ? '\n' : e === 'r' ? '\r' : e === 't' ? '\t' : e === 'b' ? '\b' : e === 'a' ? '\x07' : e;
        } else if (c === '"') {
          if (i + 1 < n && !isCSpace(line[i + 1]!)) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          current += c;
        }
      } else if (inSingle) {
        if (c === '\\' && line[i + 1] === "'") {
          i++;
          current += "'";
        } else if (c === "'") {
          if (i + 1 < n && !isCSpace(line[i + 1]!)) return null;
          done = true;
        } else if (c === '') {
          return null;
        } else {
          current += c;
        }
      } else {
        if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === '') done = true;
        else if (c === '"') inDouble = true;
        else if (c === "'") inSingle = true;
        else current += c;
      }
      if (i < n) i++;
    }
    out.push(current);
  }
}

/** Quote a value like sdscatrepr(), so that splitArgs() gives it back unchanged. */
export function quoteRepr(value: string): string {
  let s = '"';
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    const code = value.charCodeAt(i);
    if (c === '\\' || c === '"') s += '\\' + c;
    else if (c === '\n') s += '\\n';
    else if (c === '\r') s += '\\r';
    else if (c === '\t') s += '\\t';
    else if (code === 7) s += '\\a';
    else if (code === 8) s += '\\b';
    else if (code >= 32 && code <= 126) s += c;
    else s += '\\x' + (code & 0xff).toString(16).padStart(2, '0');
  }
  return s + '"';
}

/** Trim like sdstrim(line, " \t\r\n"). */
export function trimConfigLine(line: string): string {
  let a = 0;
  let b = line.length;
  const blank = (c: string) => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  while (a < b && blank(line[a]!)) a++;
  while (b > a && blank(line[b - 1]!)) b--;
  return line.slice(a, b);
}

/**
 * Split config text into directive lines: comments and blank lines skipped, the directive name
 * lowercased. Throws ConfigSyntaxError on unbalanced quotes.
 */
export function parseConfigText(text: string): ConfigLine[] {
  const lines = text.split('\n');
  const out: ConfigLine[] = [];
  for (let i = 0; i < lines.length; i++) {
    const t = trimConfigLine(lines[i]!);
    if (t === '' || t[0] === '#') continue;
    const argv = splitArgs(t);
    if (argv === null) throw new ConfigSyntaxError(i + 1, t, 'Unbalanced quotes in configuration line');
    if (argv.length === 0) continue;
    argv[0] = argv[0]!.toLowerCase();
    out.push({ lineNumber: i + 1, text: t, argv });
  }
  return out;
}

/** Read a config file as bytes-in-a-string. */
export function readConfigFile(path: string): string {
  return readFileSync(path, 'latin1');
}

/** redis-server's argv after the program name, split into the config file and the options text. */
export interface CommandLine {
  configFile: string | undefined;
  optionsText: string;
}

/**
 * Turn redis-server's arguments into config text as Redis's main() does: an optional first
 * argument not starting with '-' is the config file; every `--name` starts a new line and every
 * other argument is appended quoted, so `--port 7000 --save ""` becomes `port "7000"\nsave ""`.
 * `--save` without a value (last, or followed by another `--option`) means `save ""`.
 */
export function commandLineToConfigText(args: string[]): CommandLine {
  let j = 0;
  let configFile: string | undefined;
  if (args.length > 0 && !args[0]!.startsWith('-')) {
    configFile = args[0];
    j = 1;
  }
  let options = '';
  let handledLastArg = true;
  for (; j < args.length; j++) {
    const arg = args[j]!;
    const isLast = j === args.length - 1;
    if (handledLastArg && arg.startsWith('--')) {
      if (options.length > 0) options += '\n';
      options += arg.slice(2) + ' ';
      const parts = splitArgs(arg) ?? [];
      if (parts.length === 1) {
        // Only the option name: its value is in the next argument(s).
        handledLastArg = false;
        const nextIsOption = !isLast && args[j + 1]!.startsWith('--');
        const lower = arg.toLowerCase();
        if (lower === '--save' && (nextIsOption || isLast)) {
          options += '""';
          handledLastArg = true;
        } else if (lower === '--sentinel' && (nextIsOption || isLast)) {
          handledLastArg = true;
        }
      } else {
        // "--port 6380" as a single argument carries its value.
        handledLastArg = true;
      }
    } else {
      options += quoteRepr(arg) + ' ';
      handledLastArg = true;
    }
  }
  return { configFile, optionsText: options };
}
