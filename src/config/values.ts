// Parsing and formatting of directive values with Redis's rules and exact error texts.
// A value is kept in the form Redis keeps it (numbers as 64-bit BigInts, enums as their numeric
// value, unset strings as null) so CONFIG GET prints exactly what redis-server prints.

import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Directive, EnumDirective, NumericDirective, SpecialDirective } from './directives.ts';
import { SHUTDOWN_NOSAVE, SHUTDOWN_SAVE } from './directives.ts';
import { keyspaceEventsFromString, keyspaceEventsToString } from './keyspace-events.ts';
import { formatTrimmedDouble, parseLooseInt, parseMemory, parseOctal, parseStrictDouble, parseStrictInt } from './numbers.ts';

/** Output buffer limits of one client class: hard bytes, soft bytes, soft seconds. */
export type BufferLimit = [bigint, bigint, bigint];
export interface BufferLimits { normal: BufferLimit; replica: BufferLimit; pubsub: BufferLimit }
export interface ReplicaOf { host: string; port: number }

export type DirectiveValue =
  | boolean | bigint | number | string | null
  | Array<[number, number]> // save
  | BufferLimits
  | number[] // oom-score-adj-values, latency-tracking-info-percentiles
  | string[] // bind
  | ReplicaOf;

/** The result of parsing: the new value, or Redis's error text (after "... - "). */
export type ParseResult = { ok: true; value: DirectiveValue } | { ok: false; error: string };

const ok = (value: DirectiveValue): ParseResult => ({ ok: true, value });
const fail = (error: string): ParseResult => ({ ok: false, error });

export const DEFAULT_SAVE: Array<[number, number]> = [[3600, 1], [300, 100], [60, 10000]];
export const DEFAULT_BIND = ['*', '-::*'];
export const DEFAULT_OOM_SCORE_ADJ_VALUES = [0, 200, 800];
export const DEFAULT_LATENCY_PERCENTILES = [50, 99, 99.9];
export function defaultBufferLimits(): BufferLimits {
  return {
    normal: [0n, 0n, 0n],
    replica: [256n * 1024n * 1024n, 64n * 1024n * 1024n, 60n],
    pubsub: [32n * 1024n * 1024n, 8n * 1024n * 1024n, 60n],
  };
}

/** The default value of a directive (dir defaults to the process's working directory). */
export function defaultValue(d: Directive): DirectiveValue {
  switch (d.kind) {
    case 'bool': case 'numeric': case 'enum': case 'string': return d.default;
    case 'special':
      switch (d.special) {
        case 'dir': return process.cwd();
        case 'save': return DEFAULT_SAVE.map(([s, c]) => [s, c] as [number, number]);
        case 'client-output-buffer-limit': return defaultBufferLimits();
        case 'oom-score-adj-values': return [...DEFAULT_OOM_SCORE_ADJ_VALUES];
        case 'notify-keyspace-events': return 0;
        case 'bind': return [...DEFAULT_BIND];
        case 'replicaof': return null;
        case 'latency-tracking-info-percentiles': return [...DEFAULT_LATENCY_PERCENTILES];
      }
  }
}

/** Where a value comes from: the config file accumulates `save` lines, CONFIG SET replaces. */
export interface ParseContext {
  current: DirectiveValue;
  /** True when reading a config file and an earlier `save` line of this load already applied. */
  appendSave: boolean;
}

/** Parse the arguments of a directive (already split: one for single-argument directives). */
export function parseDirectiveValue(d: Directive, args: string[], ctx: ParseContext): ParseResult {
  switch (d.kind) {
    case 'bool': {
      const v = args[0]!.toLowerCase();
      if (v === 'yes') return ok(true);
      if (v === 'no') return ok(false);
      return fail("argument must be 'yes' or 'no'");
    }
    case 'numeric': return parseNumeric(d, args[0]!);
    case 'enum': return parseEnum(d, args);
    case 'string': {
      const v = args[0]!;
      if (d.validate) {
        const err = d.validate(v);
        if (err !== null) return fail(err);
      }
      return ok(d.emptyIsNull && v === '' ? null : v);
    }
    case 'special': return parseSpecial(d, args, ctx);
  }
}

const UNSIGNED_TYPES = new Set(['uint', 'ulonglong', 'size_t']);

function parseNumeric(d: NumericDirective, s: string): ParseResult {
  let ll: bigint | null = null;
  // The parse order of numericParseString(): memory, then percent, then octal, then plain.
  if (d.format === 'memory' || d.format === 'memory-percent') {
    const m = parseMemory(s);
    if (m !== null) ll = BigInt.asIntN(64, m);
  }
  if (ll === null && d.format === 'memory-percent' && s.length > 1 && s.endsWith('%')) {
    const p = parseStrictInt(s.slice(0, -1));
    if (p !== null && p >= 0n) ll = -p;
  }
  if (ll === null && d.format === 'octal') ll = parseOctal(s);
  if (ll === null && d.format === 'integer') ll = parseStrictInt(s);
  if (ll === null) {
    if (d.format === 'memory-percent') return fail('argument must be a memory or percent value');
    if (d.format === 'memory') return fail('argument must be a memory value');
    if (d.format === 'octal') return fail("argument couldn't be parsed as an octal number");
    return fail("argument couldn't be parsed into an integer");
  }
  let value: bigint;
  if (UNSIGNED_TYPES.has(d.cType)) {
    const u = BigInt.asUintN(64, ll);
    if (u > d.max || u < d.min) {
      if (d.format === 'octal') return fail(`argument must be between ${d.min.toString(8)} and ${d.max.toString(8)} inclusive`);
      return fail(`argument must be between ${d.min} and ${d.max} inclusive`);
    }
    value = u;
  } else {
    if (d.format === 'memory-percent' && ll < 0n) {
      if (ll < d.min) return fail(`percentage argument must be less or equal to ${-d.min}`);
    } else if (ll > d.max || ll < d.min) {
      return fail(`argument must be between ${d.min} and ${d.max} inclusive`);
    }
    value = ll;
  }
  if (d.clamp) {
    if (value < d.clamp[0]) value = d.clamp[0];
    if (value > d.clamp[1]) value = d.clamp[1];
  }
  return ok(value);
}

function enumError(d: EnumDirective): string {
  return 'argument(s) must be one of the following: ' + d.values.map(([n]) => n).join(', ');
}

function parseEnum(d: EnumDirective, args: string[]): ParseResult {
  if (args.length === 0 || (!d.flags && args.length !== 1)) return fail(enumError(d));
  let value = 0;
  for (const a of args) {
    const lower = a.toLowerCase();
    let matched = false;
    for (const [name, v] of d.values) {
      if (name === lower) {
        value |= v;
        matched = true;
      }
    }
    if (!matched) return fail(enumError(d));
  }
  if (d.flags && value & SHUTDOWN_SAVE && value & SHUTDOWN_NOSAVE) {
    return fail("shutdown options SAVE and NOSAVE can't be used simultaneously");
  }
  return ok(value);
}

/** Enum name(s) of a value, as configEnumGetName(): flags list every contained name, else "unknown". */
export function enumName(d: EnumDirective, value: number): string {
  const names: string[] = [];
  let unmatched = value;
  for (const [name, v] of d.values) {
    if (value === v) return name;
    if (d.flags && v !== 0 && v === (unmatched & v)) {
      names.push(name);
      unmatched &= ~v;
    }
  }
  if (names.length === 0 || unmatched !== 0) return 'unknown';
  return names.join(' ');
}

// strerror() texts for the errors chdir() can report, keyed by Node's error code.
const STRERROR: Record<string, string> = {
  ENOENT: 'No such file or directory', ENOTDIR: 'Not a directory', EACCES: 'Permission denied',
  ELOOP: 'Too many levels of symbolic links', ENAMETOOLONG: 'File name too long', EPERM: 'Operation not permitted',
  EROFS: 'Read-only file system', ENOSPC: 'No space left on device', EISDIR: 'Is a directory', EEXIST: 'File exists',
};

/** The C library's text for a Node system error. */
export function strerror(e: unknown): string {
  const code = (e as { code?: string }).code;
  return (code && STRERROR[code]) || (e instanceof Error ? e.message : String(e));
}

function parseSpecial(d: SpecialDirective, args: string[], ctx: ParseContext): ParseResult {
  switch (d.special) {
    case 'dir': {
      if (args.length !== 1) return fail('wrong number of arguments');
      // Redis chdir()s; shoal keeps the absolute path and leaves the process's cwd alone
      // (worker threads cannot chdir). A relative path is relative to the current dir.
      const target = resolve(ctx.current as string, args[0]!);
      try {
        if (!statSync(target).isDirectory()) return fail('Not a directory');
      } catch (e) {
        return fail(strerror(e));
      }
      return ok(target);
    }
    case 'save': {
      let a = args;
      if (a.length === 1 && a[0] === '') a = [];
      if (a.length % 2 !== 0) return fail('Invalid save parameters');
      const params: Array<[number, number]> = [];
      for (let j = 0; j < a.length; j += 2) {
        const seconds = parseLooseInt(a[j]!);
        const changes = parseLooseInt(a[j + 1]!);
        if (seconds === null || seconds < 1n || changes === null || changes < 0n) return fail('Invalid save parameters');
        params.push([Number(seconds), Number(BigInt.asIntN(32, changes))]);
      }
      const base = ctx.appendSave ? (ctx.current as Array<[number, number]>) : [];
      return ok([...base, ...params]);
    }
    case 'client-output-buffer-limit': {
      if (args.length % 4 !== 0) return fail('Wrong number of arguments in buffer limit configuration.');
      const limits = ctx.current as BufferLimits;
      const next: BufferLimits = { normal: [...limits.normal], replica: [...limits.replica], pubsub: [...limits.pubsub] };
      for (let j = 0; j < args.length; j += 4) {
        const cls = args[j]!.toLowerCase();
        const key = cls === 'normal' ? 'normal' : cls === 'slave' || cls === 'replica' ? 'replica' : cls === 'pubsub' ? 'pubsub' : null;
        if (key === null) return fail('Invalid client class specified in buffer limit configuration.');
        const hard = parseMemory(args[j + 1]!);
        const soft = parseMemory(args[j + 2]!);
        const seconds = parseLooseInt(args[j + 3]!);
        if (hard === null || soft === null || seconds === null || seconds < 0n) {
          return fail('Error in hard, soft or soft_seconds setting in buffer limit configuration.');
        }
        next[key] = [hard, soft, seconds];
      }
      return ok(next);
    }
    case 'oom-score-adj-values': {
      if (args.length !== 3) return fail('wrong number of arguments');
      const values: number[] = [];
      for (const a of args) {
        const v = parseLooseInt(a);
        if (v === null || v < -2000n || v > 2000n) return fail('Invalid oom-score-adj-values, elements must be between -2000 and 2000.');
        values.push(Number(v));
      }
      return ok(values);
    }
    case 'notify-keyspace-events': {
      if (args.length !== 1) return fail('wrong number of arguments');
      const flags = keyspaceEventsFromString(args[0]!);
      if (flags === -1) return fail("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.");
      return ok(flags);
    }
    case 'bind': {
      if (args.length > 16) return fail('Too many bind addresses specified.');
      if (args.length === 1 && args[0] === '') return ok([]);
      return ok([...args]);
    }
    case 'replicaof': {
      if (args.length !== 2) return fail('wrong number of arguments');
      if (args[0]!.toLowerCase() === 'no' && args[1]!.toLowerCase() === 'one') return ok(null);
      const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)$/.exec(args[1]!);
      const port = m ? Number(m[1]) : args[1] === '' ? 0 : NaN;
      if (!(port >= 0 && port <= 65535)) return fail('Invalid master port');
      return ok({ host: args[0]!, port });
    }
    case 'latency-tracking-info-percentiles': {
      if (args.length === 1 && args[0] === '') return ok([]);
      const values: number[] = [];
      for (const a of args) {
        const v = parseStrictDouble(a);
        if (v === null) return fail('Invalid latency-tracking-info-percentiles parameters');
        if (v > 100 || v < 0) return fail('latency-tracking-info-percentiles parameters should sit between [0.0,100.0]');
        values.push(v);
      }
      return ok(values);
    }
  }
}

/** The string CONFIG GET shows for a value. */
export function formatDirectiveValue(d: Directive, value: DirectiveValue): string {
  switch (d.kind) {
    case 'bool': return value ? 'yes' : 'no';
    case 'numeric': {
      const v = value as bigint;
      if (d.format === 'memory-percent' && v < 0n) return `${-v}%`;
      if (d.format === 'memory') return BigInt.asUintN(64, v).toString();
      if (d.format === 'octal') return v.toString(8);
      return v.toString();
    }
    case 'enum': return enumName(d, value as number);
    case 'string': return (value as string | null) ?? '';
    case 'special':
      switch (d.special) {
        case 'dir': return value as string;
        case 'save': return (value as Array<[number, number]>).map(([s, c]) => `${s} ${c}`).join(' ');
        case 'client-output-buffer-limit': {
          const l = value as BufferLimits;
          const one = (name: string, x: BufferLimit) => `${name} ${x[0]} ${x[1]} ${x[2]}`;
          return `${one('normal', l.normal)} ${one('slave', l.replica)} ${one('pubsub', l.pubsub)}`;
        }
        case 'oom-score-adj-values': return (value as number[]).join(' ');
        case 'notify-keyspace-events': return keyspaceEventsToString(value as number);
        case 'bind': return (value as string[]).join(' ');
        case 'replicaof': {
          const r = value as ReplicaOf | null;
          return r ? `${r.host} ${r.port}` : '';
        }
        case 'latency-tracking-info-percentiles': return (value as number[]).map(formatTrimmedDouble).join(' ');
      }
  }
}
