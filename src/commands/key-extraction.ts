// Which arguments of a request are keys, computed as redis 7.0.15 does
// (getKeysFromCommandWithSpecs): from the key specs when they are complete, else from the
// command's own getkeys procedure (SORT's STORE, MIGRATE's KEYS, ...). Routing, CROSSSLOT/MOVED,
// ACL key patterns and COMMAND GETKEYS all use this; nothing else computes key positions.

import { KeySpecFlag } from './flags.ts';
import type { CommandSpec } from './table.ts';

// Positions (indexes into argv) and the key spec flags of each key found.
export interface KeysResult {
  count: number;
  positions: number[];
  flags: number[];
}

export function newKeysResult(): KeysResult {
  return { count: 0, positions: [], flags: [] };
}

function pushKey(result: KeysResult, pos: number, flags: number): void {
  result.positions[result.count] = pos;
  result.flags[result.count] = flags;
  result.count++;
}

function sameWordIgnoringCase(a: string, lowerWord: string): boolean {
  return a.length === lowerWord.length && a.toLowerCase() === lowerWord;
}

// redis's string2ll: an optional "-", then digits without leading zeros, within 64 bits.
function strictInteger(s: string): number | undefined {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

// C's atoi, which the getkeys procedures use: leading blanks, a sign, then as many digits as there are.
function atoi(s: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?[0-9]+)/.exec(s);
  return m ? Number.parseInt(m[1], 10) | 0 : 0;
}

// getKeysUsingKeySpecs: returns false when a spec cannot be applied (unknown, incomplete, or out
// of range), in which case redis falls back to the command's getkeys procedure.
function keysFromSpecs(spec: CommandSpec, argv: readonly string[], includeNotKeys: boolean, result: KeysResult): boolean {
  const argc = argv.length;
  for (const keySpec of spec.keySpecs) {
    if ((keySpec.flags & KeySpecFlag.NOT_KEY) !== 0 && !includeNotKeys) continue;
    const bs = keySpec.data.bs;
    let first = 0;
    if (bs.type === 'index') {
      first = bs.index;
    } else if (bs.type === 'keyword') {
      // Search forwards from startfrom, or backwards from argc+startfrom when it is negative.
      const keyword = bs.keyword.toLowerCase();
      const start = bs.startfrom > 0 ? bs.startfrom : argc + bs.startfrom;
      const end = bs.startfrom > 0 ? argc - 1 : 0;
      for (let i = start; i !== end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (sameWordIgnoringCase(argv[i], keyword)) {
          first = i + 1;
          break;
        }
      }
      if (first === 0) continue;
    } else {
      return false;
    }

    const fk = keySpec.data.fk;
    let last: number;
    let step: number;
    if (fk.type === 'range') {
      step = fk.keystep;
      if (fk.lastkey >= 0) last = first + fk.lastkey;
      else if (fk.limit === 0) last = argc + fk.lastkey;
      else last = first + (Math.trunc((argc - first) / fk.limit) + fk.lastkey);
    } else if (fk.type === 'keynum') {
      step = fk.keystep;
      if (fk.keynumidx >= argc - first) return false;
      const numkeys = strictInteger(argv[first + fk.keynumidx]);
      if (numkeys === undefined || numkeys < 0) return false;
      first += fk.firstkey;
      last = first + numkeys - 1;
    } else {
      return false;
    }

    if (last >= argc || last < first || first >= argc) return false;
    for (let i = first; i <= last; i += step) {
      // Variable-arity commands may have fewer arguments than the spec implies; those keys are
      // skipped and the command itself reports the syntax error.
      if (i >= argc || i < first) continue;
      pushKey(result, i, keySpec.flags);
    }
    if ((keySpec.flags & KeySpecFlag.INCOMPLETE) !== 0) return false;
  }
  return true;
}

// redis's genericGetKeys: a key count at keyCountPos, keys from firstKeyPos, and optionally a
// destination key at storePos (reported after the others). Reports no keys when the count is
// unusable, leaving the syntax error to the command.
function countedKeys(storePos: number, keyCountPos: number, firstKeyPos: number, argv: readonly string[], result: KeysResult): void {
  const num = atoi(argv[keyCountPos]);
  if (num < 1 || num > argv.length - firstKeyPos) return;
  for (let i = 0; i < num; i++) pushKey(result, firstKeyPos + i, 0);
  if (storePos) pushKey(result, storePos, 0);
}

function sortKeys(argv: readonly string[], result: KeysResult): void {
  pushKey(result, 1, KeySpecFlag.RO | KeySpecFlag.ACCESS);
  // The last STORE wins, as in SORT itself; LIMIT takes two arguments, GET and BY one.
  let storePos = 0;
  for (let i = 2; i < argv.length; i++) {
    const arg = argv[i].toLowerCase();
    if (arg === 'limit') i += 2;
    else if (arg === 'store' && i + 1 < argv.length) storePos = i + 1;
    else if (arg === 'get' || arg === 'by') i += 1;
  }
  if (storePos) pushKey(result, storePos, KeySpecFlag.OW | KeySpecFlag.UPDATE);
}

function migrateKeys(argv: readonly string[], result: KeysResult): void {
  const flags = KeySpecFlag.RW | KeySpecFlag.ACCESS | KeySpecFlag.DELETE;
  let first = 3;
  let num = 1;
  if (argv.length > 6) {
    for (let i = 6; i < argv.length; i++) {
      const arg = argv[i].toLowerCase();
      if (arg === 'keys') {
        // KEYS needs the single-key argument to be empty.
        if (argv[3].length > 0) return;
        first = i + 1;
        num = argv.length - first;
        break;
      }
      if (arg === 'auth') i += 1;
      else if (arg === 'auth2') i += 2;
    }
  }
  for (let i = 0; i < num; i++) pushKey(result, first + i, flags);
}

function georadiusKeys(argv: readonly string[], result: KeysResult): void {
  let storePos = -1;
  for (let i = 5; i < argv.length; i++) {
    const arg = argv[i].toLowerCase();
    if ((arg === 'store' || arg === 'storedist') && i + 1 < argv.length) {
      storePos = i + 1;
      i++;
    }
  }
  pushKey(result, 1, KeySpecFlag.RO | KeySpecFlag.ACCESS);
  if (storePos !== -1) pushKey(result, storePos, KeySpecFlag.OW | KeySpecFlag.UPDATE);
}

function xreadKeys(argv: readonly string[], result: KeysResult, flags: number): void {
  // STREAMS may also be a group, consumer or key name, so options are parsed up to it.
  let streamsPos = -1;
  for (let i = 1; i < argv.length; i++) {
    const arg = argv[i].toLowerCase();
    if (arg === 'block' || arg === 'count') i++;
    else if (arg === 'group') i += 2;
    else if (arg === 'noack') continue;
    else if (arg === 'streams') {
      streamsPos = i;
      break;
    } else break;
  }
  if (streamsPos === -1) return;
  const num = argv.length - streamsPos - 1;
  if (num === 0 || num % 2 !== 0) return;
  for (let i = streamsPos + 1; i < streamsPos + 1 + num / 2; i++) pushKey(result, i, flags);
}

// SET's key flags depend on GET being present.
function setKeys(argv: readonly string[], result: KeysResult): void {
  for (let i = 3; i < argv.length; i++) {
    if (sameWordIgnoringCase(argv[i], 'get')) {
      pushKey(result, 1, KeySpecFlag.RW | KeySpecFlag.ACCESS | KeySpecFlag.UPDATE);
      return;
    }
  }
  pushKey(result, 1, KeySpecFlag.OW | KeySpecFlag.UPDATE);
}

// BITFIELD only reads when it has nothing but well-formed GET and OVERFLOW subcommands.
function bitfieldKeys(argv: readonly string[], result: KeysResult): void {
  let readonly = true;
  for (let i = 2; i < argv.length; i++) {
    const remaining = argv.length - i - 1;
    const arg = argv[i].toLowerCase();
    if (arg === 'get' && remaining >= 2) i += 2;
    else if ((arg === 'set' || arg === 'incrby') && remaining >= 3) {
      readonly = false;
      break;
    } else if (arg === 'overflow' && remaining >= 1) i += 1;
    else {
      readonly = false;
      break;
    }
  }
  const flags = readonly ? KeySpecFlag.RO | KeySpecFlag.ACCESS : KeySpecFlag.RW | KeySpecFlag.ACCESS | KeySpecFlag.UPDATE;
  pushKey(result, 1, flags);
}

type GetKeysProc = (argv: readonly string[], result: KeysResult) => void;

// The commands that have a getkeys procedure in redis 7.0.15.
const GETKEYS_PROCS: Record<string, GetKeysProc> = {
  zunion: (argv, r) => countedKeys(0, 1, 2, argv, r),
  zinter: (argv, r) => countedKeys(0, 1, 2, argv, r),
  zdiff: (argv, r) => countedKeys(0, 1, 2, argv, r),
  zintercard: (argv, r) => countedKeys(0, 1, 2, argv, r),
  zunionstore: (argv, r) => countedKeys(1, 2, 3, argv, r),
  zinterstore: (argv, r) => countedKeys(1, 2, 3, argv, r),
  zdiffstore: (argv, r) => countedKeys(1, 2, 3, argv, r),
  eval: (argv, r) => countedKeys(0, 2, 3, argv, r),
  evalsha: (argv, r) => countedKeys(0, 2, 3, argv, r),
  eval_ro: (argv, r) => countedKeys(0, 2, 3, argv, r),
  evalsha_ro: (argv, r) => countedKeys(0, 2, 3, argv, r),
  fcall: (argv, r) => countedKeys(0, 2, 3, argv, r),
  fcall_ro: (argv, r) => countedKeys(0, 2, 3, argv, r),
  sintercard: (argv, r) => countedKeys(0, 1, 2, argv, r),
  lmpop: (argv, r) => countedKeys(0, 1, 2, argv, r),
  zmpop: (argv, r) => countedKeys(0, 1, 2, argv, r),
  blmpop: (argv, r) => countedKeys(0, 2, 3, argv, r),
  bzmpop: (argv, r) => countedKeys(0, 2, 3, argv, r),
  sort: sortKeys,
  sort_ro: (_argv, r) => pushKey(r, 1, KeySpecFlag.RO | KeySpecFlag.ACCESS),
  migrate: migrateKeys,
  georadius: georadiusKeys,
  georadiusbymember: georadiusKeys,
  xread: (argv, r) => xreadKeys(argv, r, KeySpecFlag.RO | KeySpecFlag.ACCESS),
  xreadgroup: (argv, r) => xreadKeys(argv, r, KeySpecFlag.RW | KeySpecFlag.ACCESS | KeySpecFlag.UPDATE | KeySpecFlag.INSERT),
  set: setKeys,
  bitfield: bitfieldKeys,
};

// redis's doesCommandHaveKeys: COMMAND GETKEYS refuses commands for which this is false.
export function commandHasKeys(spec: CommandSpec): boolean {
  return GETKEYS_PROCS[spec.name] !== undefined || spec.keySpecs.some((ks) => (ks.flags & KeySpecFlag.NOT_KEY) === 0);
}

// Fills `result` (reset first) with the keys of the request `argv` (argv[0] is the command
// name, argv[1] the subcommand for subcommands). `includeNotKeys` also reports arguments
// declared NOT_KEY (shard channels), which cluster routing hashes like keys.
export function getKeysAndFlags(
  spec: CommandSpec,
  argv: readonly string[],
  result: KeysResult = newKeysResult(),
  includeNotKeys = false,
): KeysResult {
  result.count = 0;
  let hasKeySpec = false;
  let hasVariableFlags = false;
  for (const ks of spec.keySpecs) {
    if (includeNotKeys || (ks.flags & KeySpecFlag.NOT_KEY) === 0) hasKeySpec = true;
    if ((ks.flags & KeySpecFlag.VARIABLE_FLAGS) !== 0) hasVariableFlags = true;
  }
  // Key specs are preferred when their flags are reliable.
  if (hasKeySpec && !hasVariableFlags) {
    if (keysFromSpecs(spec, argv, includeNotKeys, result)) return result;
    result.count = 0;
  }
  const proc = GETKEYS_PROCS[spec.name];
  if (proc) proc(argv, result);
  return result;
}

const scratch = newKeysResult();

// The argv indexes of the keys of a request. Writes into `out` (cleared first) when given, so a
// caller can reuse one array across requests.
export function getKeyIndexes(spec: CommandSpec, argv: readonly string[], out: number[] = []): number[] {
  out.length = 0;
  getKeysAndFlags(spec, argv, scratch);
  for (let i = 0; i < scratch.count; i++) out.push(scratch.positions[i]);
  return out;
}

// Whether a key with these key spec flags may be modified or deleted (for routing to a primary,
// ACL %W patterns, ...). A key reported without flags (counted-keys procedures) counts as a
// write unless the command is read-only.
export function isWriteKey(keyFlags: number, spec?: CommandSpec): boolean {
  if ((keyFlags & (KeySpecFlag.RW | KeySpecFlag.OW | KeySpecFlag.RM)) !== 0) return true;
  if ((keyFlags & KeySpecFlag.RO) !== 0) return false;
  return spec === undefined || spec.keySpecs.some((ks) => (ks.flags & KeySpecFlag.RO) === 0);
}
