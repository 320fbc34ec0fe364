// Command flags and key spec flags as bit sets, with the names redis prints for them.

// Command flags as bits, so a hot-path check is one AND.
export const CommandFlag = {
  WRITE: 1 << 0,
  READONLY: 1 << 1,
  DENYOOM: 1 << 2,
  MODULE: 1 << 3,
  ADMIN: 1 << 4,
  PUBSUB: 1 << 5,
  NOSCRIPT: 1 << 6,
  BLOCKING: 1 << 7,
  LOADING: 1 << 8,
  STALE: 1 << 9,
  SKIP_MONITOR: 1 << 10,
  SKIP_SLOWLOG: 1 << 11,
  ASKING: 1 << 12,
  FAST: 1 << 13,
  NO_AUTH: 1 << 14,
  MAY_REPLICATE: 1 << 15,
  SENTINEL: 1 << 16,
  ONLY_SENTINEL: 1 << 17,
  NO_MANDATORY_KEYS: 1 << 18,
  PROTECTED: 1 << 19,
  NO_ASYNC_LOADING: 1 << 20,
  NO_MULTI: 1 << 21,
  MOVABLE_KEYS: 1 << 22,
  ALLOW_BUSY: 1 << 23,
  TOUCHES_ARBITRARY_KEYS: 1 << 24,
} as const;

export const FLAG_BY_NAME: Record<string, number> = {
  write: CommandFlag.WRITE,
  readonly: CommandFlag.READONLY,
  denyoom: CommandFlag.DENYOOM,
  module: CommandFlag.MODULE,
  admin: CommandFlag.ADMIN,
  pubsub: CommandFlag.PUBSUB,
  noscript: CommandFlag.NOSCRIPT,
  blocking: CommandFlag.BLOCKING,
  loading: CommandFlag.LOADING,
  stale: CommandFlag.STALE,
  skip_monitor: CommandFlag.SKIP_MONITOR,
  skip_slowlog: CommandFlag.SKIP_SLOWLOG,
  asking: CommandFlag.ASKING,
  fast: CommandFlag.FAST,
  no_auth: CommandFlag.NO_AUTH,
  may_replicate: CommandFlag.MAY_REPLICATE,
  sentinel: CommandFlag.SENTINEL,
  only_sentinel: CommandFlag.ONLY_SENTINEL,
  no_mandatory_keys: CommandFlag.NO_MANDATORY_KEYS,
  protected: CommandFlag.PROTECTED,
  no_async_loading: CommandFlag.NO_ASYNC_LOADING,
  no_multi: CommandFlag.NO_MULTI,
  movablekeys: CommandFlag.MOVABLE_KEYS,
  allow_busy: CommandFlag.ALLOW_BUSY,
  touches_arbitrary_keys: CommandFlag.TOUCHES_ARBITRARY_KEYS,
};

// Key spec flags as bits (RO/RW/OW/RM say what happens to the value, the rest what is done).
export const KeySpecFlag = {
  RO: 1 << 0,
  RW: 1 << 1,
  OW: 1 << 2,
  RM: 1 << 3,
  ACCESS: 1 << 4,
  UPDATE: 1 << 5,
  INSERT: 1 << 6,
  DELETE: 1 << 7,
  NOT_KEY: 1 << 8,
  INCOMPLETE: 1 << 9,
  VARIABLE_FLAGS: 1 << 10,
} as const;

// In COMMAND INFO / GETKEYSANDFLAGS order.
export const KEY_SPEC_FLAG_NAMES: readonly [number, string][] = [
  [KeySpecFlag.RO, 'RO'],
  [KeySpecFlag.RW, 'RW'],
  [KeySpecFlag.OW, 'OW'],
  [KeySpecFlag.RM, 'RM'],
  [KeySpecFlag.ACCESS, 'access'],
  [KeySpecFlag.UPDATE, 'update'],
  [KeySpecFlag.INSERT, 'insert'],
  [KeySpecFlag.DELETE, 'delete'],
  [KeySpecFlag.NOT_KEY, 'not_key'],
  [KeySpecFlag.INCOMPLETE, 'incomplete'],
  [KeySpecFlag.VARIABLE_FLAGS, 'variable_flags'],
];

