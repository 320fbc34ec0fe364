// Turns ../shared/redis-commands/commands-7.0.json into the shapes shoal keeps in its command table
// (see src/commands/table-types.ts). Shared by gen-command-table.ts and harvest-command-extras.ts so
// that both derive exactly the same thing from the JSON.
//
// The JSON states what a command declares; redis-server derives more at startup (implicit ACL
// categories, the legacy first/last/step range, the movablekeys flag). Those derivations are
// reproduced here so the generated table holds what COMMAND INFO reports.

import { readFileSync } from 'node:fs';
import type {
  ArgumentDoc,
  BeginSearch,
  CommandData,
  FindKeys,
  KeySpecData,
} from '../src/commands/table-types.ts';

export const COMMANDS_JSON_PATH = new URL('../../shared/redis-commands/commands-7.0.json', import.meta.url);
export const EXTRAS_JSON_PATH = new URL('./data/commands-7.0-extras.json', import.meta.url);

interface JsonArgument {
  name: string;
  type: string;
  key_spec_index?: number;
  token?: string;
  summary?: string;
  since?: string;
  optional?: boolean;
  multiple?: boolean;
  multiple_token?: boolean;
  deprecated_since?: string;
  arguments?: JsonArgument[];
}

interface JsonKeySpec {
  flags: string[];
  begin_search: {
    index?: { pos: number };
    keyword?: { keyword: string; startfrom: number };
    unknown?: null;
  };
  find_keys: {
    range?: { lastkey: number; step: number; limit: number };
    keynum?: { keynumidx: number; firstkey: number; step: number };
    unknown?: null;
  };
}

export interface JsonCommand {
  name: string;
  container?: string;
  group: string;
  since: string;
  arity: number;
  complexity?: string;
  command_flags?: string[];
  doc_flags?: string[];
  deprecated_since?: string;
  replaced_by?: string;
  acl_categories?: string[];
  key_specs?: JsonKeySpec[];
  arguments?: JsonArgument[];
}

// Fields the JSON lacks or states differently from what redis-server 7.0.15 replies; harvested
// from a real server by harvest-command-extras.ts. Keyed by full lower-case command name.
export interface CommandExtras {
  tips?: string[];
  group?: string;
  arguments?: ArgumentDoc[];
  flags?: string[];
  aclCategories?: string[];
  legacyRange?: [number, number, number];
}

// Order in which redis-server prints ACL categories (the order of its category table).
export const ACL_CATEGORY_ORDER = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap',
  'hyperloglog', 'geo', 'stream', 'pubsub', 'admin', 'fast', 'slow', 'blocking', 'dangerous',
  'connection', 'transaction', 'scripting',
];


export function readCommandsJson(): Record<string, JsonCommand> {
  return JSON.parse(readFileSync(COMMANDS_JSON_PATH, 'utf8')) as Record<string, JsonCommand>;
}

export function fullName(cmd: JsonCommand): string {
  return cmd.container ? `${cmd.container.toLowerCase()}|${cmd.name.toLowerCase()}` : cmd.name.toLowerCase();
}

function convertArgument(arg: JsonArgument): ArgumentDoc {
  const out: ArgumentDoc = { name: arg.name, type: arg.type };
  if (arg.key_spec_index !== undefined) out.keySpecIndex = arg.key_spec_index;
  if (arg.token !== undefined) out.token = arg.token;
  if (arg.summary !== undefined) out.summary = arg.summary;
  if (arg.since !== undefined) out.since = arg.since;
  const flags: string[] = [];
  if (arg.optional) flags.push('optional');
  if (arg.multiple) flags.push('multiple');
  if (arg.multiple_token) flags.push('multiple_token');
  if (flags.length > 0) out.flags = flags;
  if (arg.deprecated_since !== undefined) out.deprecatedSince = arg.deprecated_since;
  if (arg.arguments) out.arguments = arg.arguments.map(convertArgument);
  return out;
}

const KEY_SPEC_FLAG_ORDER = ['RO', 'RW', 'OW', 'RM', 'access', 'update', 'insert', 'delete', 'not_key', 'incomplete', 'variable_flags'];

function convertKeySpec(spec: JsonKeySpec): KeySpecData {
  const flags = spec.flags.map((f) => (['RO', 'RW', 'OW', 'RM'].includes(f) ? f : f.toLowerCase()));
  flags.sort((a, b) => KEY_SPEC_FLAG_ORDER.indexOf(a) - KEY_SPEC_FLAG_ORDER.indexOf(b));
  let bs: BeginSearch;
  if (spec.begin_search.index) bs = { type: 'index', index: spec.begin_search.index.pos };
  else if (spec.begin_search.keyword)
    bs = { type: 'keyword', keyword: spec.begin_search.keyword.keyword, startfrom: spec.begin_search.keyword.startfrom };
  else bs = { type: 'unknown' };
  let fk: FindKeys;
  if (spec.find_keys.range) {
    const r = spec.find_keys.range;
    fk = { type: 'range', lastkey: r.lastkey, keystep: r.step, limit: r.limit };
  } else if (spec.find_keys.keynum) {
    const k = spec.find_keys.keynum;
    fk = { type: 'keynum', keynumidx: k.keynumidx, firstkey: k.firstkey, keystep: k.step };
  } else fk = { type: 'unknown' };
  return { flags, bs, fk };
}

// Redis's populateCommandLegacyRangeSpec: the legacy (first, last, step) triple is the union of
// consecutive plain index+range specs; anything it cannot express makes the command movablekeys.
function legacyRange(specs: KeySpecData[]): { first: number; last: number; step: number; movable: boolean } {
  if (specs.length === 0) return { first: 0, last: 0, step: 0, movable: false };
  const isPlain = (s: KeySpecData) => s.bs.type === 'index' && s.fk.type === 'range';
  if (specs.length === 1 && isPlain(specs[0])) {
    const s = specs[0];
    if (s.bs.type !== 'index' || s.fk.type !== 'range') throw new Error('unreachable');
    const last = s.fk.lastkey < 0 ? s.fk.lastkey : s.bs.index + s.fk.lastkey;
    return { first: s.bs.index, last, step: s.fk.keystep, movable: s.flags.includes('incomplete') };
  }
  let movable = false;
  let first = Number.MAX_SAFE_INTEGER;
  let last = 0;
  let prevLast = 0;
  // Redis compares lastkey as unsigned, so a negative (count-from-end) lastkey always wins.
  const asUnsigned = (n: number) => (n < 0 ? 2 ** 32 + n : n);
  for (const s of specs) {
    if (s.bs.type !== 'index' || s.fk.type !== 'range') {
      movable = true;
      continue;
    }
    if (s.fk.keystep !== 1 || (prevLast !== 0 && prevLast !== s.bs.index - 1)) {
      movable = true;
      continue;
    }
    if (s.flags.includes('incomplete')) movable = true;
    first = Math.min(first, s.bs.index);
    const abs = s.fk.lastkey >= 0 ? s.fk.lastkey + s.bs.index : s.fk.lastkey;
    last = asUnsigned(last) >= asUnsigned(abs) ? last : abs;
    prevLast = last;
  }
  if (first === Number.MAX_SAFE_INTEGER) return { first: 0, last: 0, step: 0, movable: true };
  return { first, last, step: 1, movable };
}

// Flags as COMMAND INFO prints them, in its order; hidden flags (may_replicate, sentinel, ...)
// are kept after them so routing can still see them.
const VISIBLE_FLAG_ORDER = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading',
  'stale', 'skip_monitor', 'skip_slowlog', 'asking', 'fast', 'no_auth', 'no_mandatory_keys',
  'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy',
];

export function deriveCommand(cmd: JsonCommand, extras: CommandExtras | undefined): CommandData {
  const name = fullName(cmd);
  const keySpecs = (cmd.key_specs ?? []).map(convertKeySpec);
  const declared = [...new Set((cmd.command_flags ?? []).map((f) => f.toLowerCase()))];
  const range = legacyRange(keySpecs);
  if (range.movable) declared.push('movablekeys');
  const visible = VISIBLE_FLAG_ORDER.filter((f) => declared.includes(f));
  const hidden = declared.filter((f) => !VISIBLE_FLAG_ORDER.includes(f));

  // Redis's setImplicitACLCategories.
  const acl = new Set((cmd.acl_categories ?? []).map((c) => c.toLowerCase()));
  if (declared.includes('write')) acl.add('write');
  if (declared.includes('readonly') && !acl.has('scripting')) acl.add('read');
  if (declared.includes('admin')) {
    acl.add('admin');
    acl.add('dangerous');
  }
  if (declared.includes('pubsub')) acl.add('pubsub');
  if (declared.includes('fast')) acl.add('fast');
  if (declared.includes('blocking')) acl.add('blocking');
  if (!acl.has('fast')) acl.add('slow');
  const aclCategories = ACL_CATEGORY_ORDER.filter((c) => acl.has(c));

  const data: CommandData = {
    name,
    arity: cmd.arity,
    flags: extras?.flags ?? visible,
    hiddenFlags: hidden,
    firstKey: extras?.legacyRange?.[0] ?? range.first,
    lastKey: extras?.legacyRange?.[1] ?? range.last,
    keyStep: extras?.legacyRange?.[2] ?? range.step,
    aclCategories: extras?.aclCategories ?? aclCategories,
    tips: extras?.tips ?? [],
    keySpecs,
    doc: {
      // Summaries are Redis's prose: not carried into the project.
      summary: '',
      since: cmd.since,
      group: extras?.group ?? cmd.group,
    },
  };
  if (cmd.container) data.container = cmd.container.toLowerCase();
  const doc = data.doc;
  if (cmd.complexity !== undefined) doc.complexity = cmd.complexity;
  if (cmd.doc_flags) doc.docFlags = cmd.doc_flags.map((f) => f.toLowerCase());
  if (cmd.deprecated_since !== undefined) doc.deprecatedSince = cmd.deprecated_since;
  if (cmd.replaced_by !== undefined) doc.replacedBy = cmd.replaced_by;
  const args = extras?.arguments ?? cmd.arguments?.map(convertArgument);
  if (args && args.length > 0) doc.arguments = args;
  return data;
}

// Every command shoal serves: sentinel-only commands are left out, as redis-server does when it
// is not running as a sentinel.
export function servedCommands(json: Record<string, JsonCommand>): JsonCommand[] {
  return Object.values(json).filter((c) => !(c.command_flags ?? []).includes('ONLY_SENTINEL'));
}
