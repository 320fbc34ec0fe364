// Shapes of the generated command table (src/commands/table.generated.ts). Field values are what
// redis-server 7.0.15 reports in COMMAND INFO / COMMAND DOCS, so the reply builders can print them
// as they are.

export type BeginSearch =
  | { type: 'index'; index: number }
  | { type: 'keyword'; keyword: string; startfrom: number }
  | { type: 'unknown' };

export type FindKeys =
  | { type: 'range'; lastkey: number; keystep: number; limit: number }
  | { type: 'keynum'; keynumidx: number; firstkey: number; keystep: number }
  | { type: 'unknown' };

export interface KeySpecData {
  notes?: string;
  // RO/RW/OW/RM, then access/update/insert/delete/not_key/incomplete/variable_flags, in COMMAND INFO order.
  flags: string[];
  bs: BeginSearch;
  fk: FindKeys;
}

export interface ArgumentDoc {
  name: string;
  type: string;
  keySpecIndex?: number;
  token?: string;
  summary?: string;
  since?: string;
  flags?: string[];
  deprecatedSince?: string;
  arguments?: ArgumentDoc[];
}

export interface CommandDoc {
  summary: string;
  since: string;
  group: string;
  complexity?: string;
  docFlags?: string[];
  deprecatedSince?: string;
  replacedBy?: string;
  history?: [string, string][];
  arguments?: ArgumentDoc[];
}

export interface CommandData {
  // Lower-case full name: "get", or "config|get" for a subcommand.
  name: string;
  // Lower-case container name for subcommands.
  container?: string;
  arity: number;
  // Flags COMMAND INFO shows, in its order (including the derived "movablekeys").
  flags: string[];
  // Flags redis keeps but does not show (may_replicate, sentinel, protected, ...).
  hiddenFlags: string[];
  firstKey: number;
  lastKey: number;
  keyStep: number;
  // Without the "@" prefix, in COMMAND INFO order, implicit categories included.
  aclCategories: string[];
  tips: string[];
  keySpecs: KeySpecData[];
  doc: CommandDoc;
}
