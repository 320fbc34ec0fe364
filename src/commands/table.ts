// The runtime command table: CommandSpec objects built once from the generated data, and the
// per-request lookup (name, then subcommand for containers such as CONFIG or CLIENT).

import { COMMAND_TABLE } from './table.generated.ts';
import type { CommandData, KeySpecData } from './table-types.ts';

export type { CommandData, KeySpecData } from './table-types.ts';
export { commandHasKeys, getKeyIndexes, getKeysAndFlags, isWriteKey, newKeysResult, type KeysResult } from './key-extraction.ts';
export { arityError, checkArity, unknownCommandError } from './command-errors.ts';
export { CommandFlag, KEY_SPEC_FLAG_NAMES, KeySpecFlag } from './flags.ts';
import { FLAG_BY_NAME, KEY_SPEC_FLAG_NAMES } from './flags.ts';

export interface KeySpec {
  flags: number;
  data: KeySpecData;
}

export interface CommandSpec {
  // Lower-case full name: "get", "config|get".
  name: string;
  arity: number;
  // CommandFlag bits.
  flags: number;
  // ACL categories without "@", in redis's order.
  aclCategories: readonly string[];
  keySpecs: readonly KeySpec[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  // Present on containers (CONFIG, CLIENT, ...): subcommands by lower-case subcommand name.
  subcommands: Map<string, CommandSpec> | undefined;
  // Present on subcommands.
  parent: CommandSpec | undefined;
  // Everything COMMAND INFO / COMMAND DOCS print.
  data: CommandData;
  // Filled by the engine on first use: where the command runs and its counters (avoids name lookups per request).
  route: unknown;
}

function buildSpec(data: CommandData): CommandSpec {
  let flags = 0;
  for (const f of data.flags) flags |= FLAG_BY_NAME[f] ?? 0;
  for (const f of data.hiddenFlags) flags |= FLAG_BY_NAME[f] ?? 0;
  const keySpecs = data.keySpecs.map((ks) => {
    let bits = 0;
    for (const name of ks.flags) {
      const entry = KEY_SPEC_FLAG_NAMES.find(([, n]) => n === name);
      if (!entry) throw new Error(`unknown key spec flag ${name} in ${data.name}`);
      bits |= entry[0];
    }
    return { flags: bits, data: ks };
  });
  return {
    name: data.name,
    arity: data.arity,
    flags,
    aclCategories: data.aclCategories,
    keySpecs,
    firstKey: data.firstKey,
    lastKey: data.lastKey,
    keyStep: data.keyStep,
    subcommands: undefined,
    parent: undefined,
    data,
    route: undefined,
  };
}

// Top-level commands keyed by lower-case name, and also by upper-case name so that the usual
// client spellings ("get", "GET") resolve without allocating a lower-cased copy.
const commandsByName = new Map<string, CommandSpec>();
const topLevelCommands: CommandSpec[] = [];
const allCommands: CommandSpec[] = [];

for (const data of COMMAND_TABLE) {
  if (data.container) continue;
  const spec = buildSpec(data);
  commandsByName.set(spec.name, spec);
  commandsByName.set(spec.name.toUpperCase(), spec);
  topLevelCommands.push(spec);
  allCommands.push(spec);
}
for (const data of COMMAND_TABLE) {
  if (!data.container) continue;
  const parent = commandsByName.get(data.container);
  if (!parent) throw new Error(`container ${data.container} of ${data.name} is missing`);
  const spec = buildSpec(data);
  spec.parent = parent;
  parent.subcommands ??= new Map();
  const subName = data.name.slice(data.container.length + 1);
  parent.subcommands.set(subName, spec);
  parent.subcommands.set(subName.toUpperCase(), spec);
  allCommands.push(spec);
}

function findIn(map: Map<string, CommandSpec>, name: string): CommandSpec | undefined {
  return map.get(name) ?? map.get(name.toLowerCase());
}

let memoName: string | undefined;
let memoSpec: CommandSpec | undefined;

// Resolves a request to its command: for containers with argv[1] present, to the subcommand
// (undefined if there is no such subcommand, as in redis). `argv` is the whole request,
// argv[0] being the command name. A container without argv[1] resolves to the container itself,
// whose arity then fails, as in redis.
export function lookupCommand(name: string, argv?: readonly string[]): CommandSpec | undefined {
  // A pipeline repeats one command, and the parser hands its name over as the same string each time
  // (request-parser.ts internName): a one-entry memo of a command without subcommands skips the Map.
  if (name === memoName) return memoSpec;
  const spec = findIn(commandsByName, name);
  if (spec !== undefined && spec.subcommands === undefined) {
    memoName = name;
    memoSpec = spec;
  }
  if (spec === undefined || spec.subcommands === undefined || argv === undefined || argv.length < 2) return spec;
  return findIn(spec.subcommands, argv[1]);
}

// Looks up by full name as COMMAND INFO / DOCS accept it: "get", "config|get" (case-insensitive).
export function lookupCommandByFullName(fullName: string): CommandSpec | undefined {
  const bar = fullName.indexOf('|');
  if (bar < 0) return findIn(commandsByName, fullName);
  const parent = findIn(commandsByName, fullName.slice(0, bar));
  if (parent?.subcommands === undefined) return undefined;
  return findIn(parent.subcommands, fullName.slice(bar + 1));
}

export function isContainerCommand(name: string): boolean {
  return findIn(commandsByName, name)?.subcommands !== undefined;
}

// Top-level commands (containers included, subcommands not), in table order.
export function listTopLevelCommands(): readonly CommandSpec[] {
  return topLevelCommands;
}

// Every command and subcommand.
export function listAllCommands(): readonly CommandSpec[] {
  return allCommands;
}

export function hasFlag(spec: CommandSpec, flag: number): boolean {
  return (spec.flags & flag) !== 0;
}
