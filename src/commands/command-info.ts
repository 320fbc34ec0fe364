// Replies of the COMMAND command family, laid out as redis-server 7.0.15 lays them out (field
// order, bulk vs simple strings, sets vs arrays), so clients that introspect the server
// (cluster-aware clients, redis-cli hints) see the same bytes.

import { globMatch } from './glob.ts';
import { commandHasKeys, getKeysAndFlags, newKeysResult } from './key-extraction.ts';
import type { ReplySink } from './reply-sink.ts';
import {
  type CommandSpec,
  checkArity,
  CommandFlag,
  KEY_SPEC_FLAG_NAMES,
  listAllCommands,
  listTopLevelCommands,
  lookupCommand,
  lookupCommandByFullName,
} from './table.ts';
import type { ArgumentDoc, CommandDoc, KeySpecData } from './table-types.ts';

function replyKeySpec(out: ReplySink, ks: KeySpecData): void {
  out.map(ks.notes !== undefined ? 4 : 3);
  if (ks.notes !== undefined) {
    out.bulk('notes');
    out.bulk(ks.notes);
  }
  out.bulk('flags');
  out.set(ks.flags.length);
  for (const f of ks.flags) out.simple(f);

  out.bulk('begin_search');
  out.map(2);
  out.bulk('type');
  out.bulk(ks.bs.type);
  out.bulk('spec');
  if (ks.bs.type === 'index') {
    out.map(1);
    out.bulk('index');
    out.integer(ks.bs.index);
  } else if (ks.bs.type === 'keyword') {
    out.map(2);
    out.bulk('keyword');
    out.bulk(ks.bs.keyword);
    out.bulk('startfrom');
    out.integer(ks.bs.startfrom);
  } else {
    out.map(0);
  }

  out.bulk('find_keys');
  out.map(2);
  out.bulk('type');
  out.bulk(ks.fk.type);
  out.bulk('spec');
  if (ks.fk.type === 'range') {
    out.map(3);
    out.bulk('lastkey');
    out.integer(ks.fk.lastkey);
    out.bulk('keystep');
    out.integer(ks.fk.keystep);
    out.bulk('limit');
    out.integer(ks.fk.limit);
  } else if (ks.fk.type === 'keynum') {
    out.map(3);
    out.bulk('keynumidx');
    out.integer(ks.fk.keynumidx);
    out.bulk('firstkey');
    out.integer(ks.fk.firstkey);
    out.bulk('keystep');
    out.integer(ks.fk.keystep);
  } else {
    out.map(0);
  }
}

// One COMMAND INFO entry: name, arity, flags, first/last/step, ACL categories, tips, key specs,
// subcommands.
export function replyCommandInfoEntry(out: ReplySink, spec: CommandSpec): void {
  const data = spec.data;
  out.array(10);
  out.bulk(data.name);
  out.integer(data.arity);
  out.set(data.flags.length);
  for (const f of data.flags) out.simple(f);
  out.integer(data.firstKey);
  out.integer(data.lastKey);
  out.integer(data.keyStep);
  out.set(data.aclCategories.length);
  for (const c of data.aclCategories) out.simple(`@${c}`);
  out.set(data.tips.length);
  for (const t of data.tips) out.bulk(t);
  out.set(data.keySpecs.length);
  for (const ks of data.keySpecs) replyKeySpec(out, ks);
  // redis replies an array of subcommands for containers, and an empty set for the others.
  const subs = subcommandsOf(spec);
  if (subs.length > 0) out.array(subs.length);
  else out.set(0);
  for (const sub of subs) replyCommandInfoEntry(out, sub);
}

// A container's subcommands once each (the lookup map holds each under two spellings).
function subcommandsOf(spec: CommandSpec): CommandSpec[] {
  if (spec.subcommands === undefined) return [];
  return [...new Set(spec.subcommands.values())];
}

// COMMAND, and COMMAND INFO without names: every top-level command.
export function replyCommandAll(out: ReplySink): void {
  const all = listTopLevelCommands();
  out.array(all.length);
  for (const spec of all) replyCommandInfoEntry(out, spec);
}

// COMMAND INFO name...: one entry per name, nil for unknown names ("config|get" names a subcommand).
export function replyCommandInfo(out: ReplySink, names: readonly string[]): void {
  if (names.length === 0) {
    replyCommandAll(out);
    return;
  }
  out.array(names.length);
  for (const name of names) {
    const spec = lookupCommandByFullName(name);
    if (spec) replyCommandInfoEntry(out, spec);
    else out.nil();
  }
}

function replyArgument(out: ReplySink, arg: ArgumentDoc): void {
  let fields = 2;
  if (arg.keySpecIndex !== undefined) fields++;
  if (arg.token !== undefined) fields++;
  if (arg.summary !== undefined) fields++;
  if (arg.since !== undefined) fields++;
  if (arg.flags !== undefined) fields++;
  if (arg.deprecatedSince !== undefined) fields++;
  if (arg.arguments !== undefined) fields++;
  out.map(fields);
  out.bulk('name');
  out.bulk(arg.name);
  out.bulk('type');
  out.bulk(arg.type);
  if (arg.keySpecIndex !== undefined) {
    out.bulk('key_spec_index');
    out.integer(arg.keySpecIndex);
  }
  if (arg.token !== undefined) {
    out.bulk('token');
    out.bulk(arg.token);
  }
  if (arg.summary !== undefined) {
    out.bulk('summary');
    out.bulk(arg.summary);
  }
  if (arg.since !== undefined) {
    out.bulk('since');
    out.bulk(arg.since);
  }
  if (arg.flags !== undefined) {
    out.bulk('flags');
    out.set(arg.flags.length);
    for (const f of arg.flags) out.simple(f);
  }
  if (arg.deprecatedSince !== undefined) {
    out.bulk('deprecated_since');
    out.bulk(arg.deprecatedSince);
  }
  if (arg.arguments !== undefined) {
    out.bulk('arguments');
    out.array(arg.arguments.length);
    for (const a of arg.arguments) replyArgument(out, a);
  }
}

// The value part of one COMMAND DOCS entry (a map of summary, since, group, ...).
function replyDocBody(out: ReplySink, spec: CommandSpec): void {
  const doc: CommandDoc = spec.data.doc;
  const subs = subcommandsOf(spec);
  let fields = 3;
  if (doc.complexity !== undefined) fields++;
  if (doc.docFlags !== undefined) fields++;
  if (doc.deprecatedSince !== undefined) fields++;
  if (doc.replacedBy !== undefined) fields++;
  if (doc.history !== undefined) fields++;
  if (doc.arguments !== undefined) fields++;
  if (subs.length > 0) fields++;
  out.map(fields);
  out.bulk('summary');
  out.bulk(doc.summary);
  out.bulk('since');
  out.bulk(doc.since);
  out.bulk('group');
  out.bulk(doc.group);
  if (doc.complexity !== undefined) {
    out.bulk('complexity');
    out.bulk(doc.complexity);
  }
  if (doc.docFlags !== undefined) {
    out.bulk('doc_flags');
    out.set(doc.docFlags.length);
    for (const f of doc.docFlags) out.simple(f);
  }
  if (doc.deprecatedSince !== undefined) {
    out.bulk('deprecated_since');
    out.bulk(doc.deprecatedSince);
  }
  if (doc.replacedBy !== undefined) {
    out.bulk('replaced_by');
    out.bulk(doc.replacedBy);
  }
  if (doc.history !== undefined) {
    out.bulk('history');
    out.set(doc.history.length);
    for (const [version, change] of doc.history) {
      out.array(2);
      out.bulk(version);
      out.bulk(change);
    }
  }
  if (doc.arguments !== undefined) {
    out.bulk('arguments');
    out.array(doc.arguments.length);
    for (const a of doc.arguments) replyArgument(out, a);
  }
  if (subs.length > 0) {
    out.bulk('subcommands');
    out.map(subs.length);
    for (const sub of subs) {
      out.bulk(sub.name);
      replyDocBody(out, sub);
    }
  }
}

// COMMAND DOCS [name...]: a map from command name to its docs; unknown names are left out,
// no names means every top-level command.
export function replyCommandDocs(out: ReplySink, names: readonly string[]): void {
  const specs: CommandSpec[] = [];
  if (names.length === 0) specs.push(...listTopLevelCommands());
  for (const name of names) {
    const spec = lookupCommandByFullName(name);
    if (spec) specs.push(spec);
  }
  out.map(specs.length);
  for (const spec of specs) {
    out.bulk(spec.name);
    replyDocBody(out, spec);
  }
}

export function replyCommandCount(out: ReplySink): void {
  out.integer(listTopLevelCommands().length);
}

// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]; `args` are the
// arguments after LIST. Lists subcommands too ("config|get"). shoal has no modules.
export function replyCommandList(out: ReplySink, args: readonly string[]): void {
  let keep: (spec: CommandSpec) => boolean = () => true;
  if (args.length !== 0) {
    if (args.length !== 3 || args[0].toLowerCase() !== 'filterby') {
      out.error('ERR syntax error');
      return;
    }
    const kind = args[1].toLowerCase();
    const value = args[2];
    if (kind === 'module') keep = () => false;
    else if (kind === 'aclcat') {
      const category = value.toLowerCase();
      keep = (spec) => spec.aclCategories.includes(category);
    } else if (kind === 'pattern') keep = (spec) => globMatch(value, spec.name, true);
    else {
      out.error('ERR syntax error');
      return;
    }
  }
  const names = listAllCommands()
    .filter(keep)
    .map((spec) => spec.name);
  out.array(names.length);
  for (const n of names) out.bulk(n);
}

// COMMAND GETKEYS / GETKEYSANDFLAGS; `target` is the request to analyse (argv after GETKEYS).
export function replyCommandGetKeys(out: ReplySink, target: readonly string[], withFlags: boolean): void {
  const spec = target.length > 0 ? lookupCommand(target[0], target) : undefined;
  if (!spec) {
    out.error('ERR Invalid command specified');
    return;
  }
  if (!commandHasKeys(spec)) {
    out.error('ERR The command has no key arguments');
    return;
  }
  if (checkArity(spec, target.length) !== undefined) {
    out.error('ERR Invalid number of arguments specified for command');
    return;
  }
  const keys = getKeysAndFlags(spec, target, newKeysResult());
  if (keys.count === 0 && (spec.flags & CommandFlag.NO_MANDATORY_KEYS) === 0) {
    out.error('ERR Invalid arguments specified for command');
    return;
  }
  out.array(keys.count);
  for (let i = 0; i < keys.count; i++) {
    const key = target[keys.positions[i]];
    if (!withFlags) {
      out.bulk(key);
      continue;
    }
    const flags = KEY_SPEC_FLAG_NAMES.filter(([bit]) => (keys.flags[i] & bit) !== 0);
    out.array(2);
    out.bulk(key);
    out.set(flags.length);
    for (const [, name] of flags) out.simple(name);
  }
}
