// The HyperLogLog family (Redis's hyperloglog.c commands): PFADD, PFCOUNT, PFMERGE, PFDEBUG and
// PFSELFTEST. An HLL is a plain string value in Redis's own layout (src/types/hyperloglog.ts), so
// GET, DUMP and SETRANGE see the bytes redis-server would hold. Replies, errors, keyspace events and
// cache updates follow Redis 7.0.15.

import type { CommandContext, CommandFamily } from './context.ts';
import { OK, WRONGTYPE } from '../resp/errors.ts';
import {
  HLL_DENSE,
  HLL_DENSE_SIZE,
  HLL_REGISTERS,
  HLL_REGISTER_MAX,
  HLL_SPARSE,
  HllBuffer,
  cachedCardinalityOf,
  countRaw,
  getRegister,
  getRegisterOfString,
  isValidHll,
  lastPatternIndex,
  patternLength,
  setRegister,
} from '../types/hyperloglog.ts';

export const ERR_NOT_HLL = 'WRONGTYPE Key is not a valid HyperLogLog string value.';
export const ERR_INVALID_HLL = 'INVALIDOBJ Corrupted HLL object detected';

/**
 * isHLLObjectOrReply: the string value when it is a valid HLL, else undefined after replying
 * WRONGTYPE (another type) or the HLL variant of it (a string that is not an HLL).
 */
function hllOrReply(ctx: CommandContext, value: string | object): string | undefined {
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return undefined;
  }
  if (!isValidHll(value)) {
    ctx.reply.error(ERR_NOT_HLL);
    return undefined;
  }
  return value;
}

function store(ctx: CommandContext, key: string, hll: HllBuffer, created: boolean): void {
  const value = hll.toString();
  if (created) ctx.keyspace.addKey(ctx.db, key, value);
  else ctx.keyspace.overwriteValue(ctx.db, key, value);
}

/** PFADD key [element ...]: 1 when the key was created or a register changed. */
function pfaddCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const old = ctx.keyspace.lookupWrite(ctx.db, key);
  let hll: HllBuffer;
  let updated = 0;
  const created = old === undefined;
  if (created) {
    hll = HllBuffer.create();
    updated++;
  } else {
    const s = hllOrReply(ctx, old);
    if (s === undefined) return;
    if (s.charCodeAt(4) === HLL_DENSE) {
      pfaddDense(ctx, key, s, argv);
      return;
    }
    hll = HllBuffer.fromString(s);
  }
  const maxBytes = ctx.config.hllSparseMaxBytes;
  for (let j = 2; j < argv.length; j++) {
    const r = hll.add(argv[j]!, maxBytes);
    if (r === 1) {
      updated++;
    } else if (r < 0) {
      // Redis has already modified the value in place (no event, no propagation).
      store(ctx, key, hll, created);
      ctx.reply.error(ERR_INVALID_HLL);
      return;
    }
  }
  if (updated !== 0) {
    hll.invalidateCache();
    store(ctx, key, hll, created);
    ctx.changed(key, 'pfadd', '$');
  }
  ctx.reply.integer(updated !== 0 ? 1 : 0);
}

/**
 * PFADD on a dense value: registers are compared on the string itself, and the 12KB value is copied
 * and rewritten only when one of them grows (the common case of a saturated HLL costs no copy).
 */
function pfaddDense(ctx: CommandContext, key: string, s: string, argv: string[]): void {
  let pending: number[] | null = null;
  for (let j = 2; j < argv.length; j++) {
    const count = patternLength(argv[j]!);
    const index = lastPatternIndex();
    if (count > getRegisterOfString(s, index)) (pending ??= []).push(index, count);
  }
  if (pending === null) {
    ctx.reply.integer(0);
    return;
  }
  const hll = HllBuffer.fromString(s);
  for (let i = 0; i < pending.length; i += 2) hll.set(pending[i]!, pending[i + 1]!, 0);
  hll.invalidateCache();
  store(ctx, key, hll, false);
  ctx.changed(key, 'pfadd', '$');
  ctx.reply.integer(1);
}

/** PFCOUNT key [key ...]: one key uses and refreshes the cached cardinality; several are merged. */
function pfcountCommand(ctx: CommandContext, argv: string[]): void {
  if (argv.length > 2) {
    const max = new Uint8Array(HLL_REGISTERS);
    for (let j = 1; j < argv.length; j++) {
      const value = ctx.keyspace.lookupRead(ctx.db, argv[j]!);
      if (value === undefined) continue;
      const s = hllOrReply(ctx, value);
      if (s === undefined) return;
      if (!HllBuffer.fromString(s).mergeInto(max)) {
        ctx.reply.error(ERR_INVALID_HLL);
        return;
      }
    }
    ctx.reply.integer(countRaw(max));
    return;
  }
  const key = argv[1]!;
  const value = ctx.keyspace.lookupRead(ctx.db, key);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  const s = hllOrReply(ctx, value);
  if (s === undefined) return;
  // The cache bit is the top bit of the header's last byte: read it without copying the value.
  if ((s.charCodeAt(15) & 0x80) === 0) {
    ctx.reply.integer(cachedCardinalityOf(s));
    return;
  }
  const hll = HllBuffer.fromString(s);
  const card = hll.count();
  if (card === undefined) {
    ctx.reply.error(ERR_INVALID_HLL);
    return;
  }
  hll.setCachedCardinality(card);
  ctx.keyspace.overwriteValue(ctx.db, key, hll.toString());
  // Redis signals the key as modified and propagates PFCOUNT, without a keyspace event.
  ctx.changed(key, '', '');
  ctx.reply.integer(card);
}

/** PFMERGE destkey [sourcekey ...]: the destination holds the register-wise maximum. */
function pfmergeCommand(ctx: CommandContext, argv: string[]): void {
  const max = new Uint8Array(HLL_REGISTERS);
  let useDense = false;
  for (let j = 1; j < argv.length; j++) {
    const value = ctx.keyspace.lookupRead(ctx.db, argv[j]!);
    if (value === undefined) continue;
    const s = hllOrReply(ctx, value);
    if (s === undefined) return;
    if (s.charCodeAt(4) === HLL_DENSE) useDense = true;
    if (!HllBuffer.fromString(s).mergeInto(max)) {
      ctx.reply.error(ERR_INVALID_HLL);
      return;
    }
  }
  const key = argv[1]!;
  const old = ctx.keyspace.lookupWrite(ctx.db, key);
  const created = old === undefined;
  // The destination was checked with the sources (it is argv[1]).
  const hll = created ? HllBuffer.create() : HllBuffer.fromString(old as string);
  if (useDense && !hll.toDense()) {
    if (created) store(ctx, key, hll, true);
    ctx.reply.error(ERR_INVALID_HLL);
    return;
  }
  const maxBytes = ctx.config.hllSparseMaxBytes;
  for (let j = 0; j < HLL_REGISTERS; j++) {
    if (max[j] !== 0) hll.set(j, max[j]!, maxBytes);
  }
  hll.invalidateCache();
  store(ctx, key, hll, created);
  ctx.changed(key, 'pfadd', '$');
  ctx.reply.simple(OK);
}

/** PFDEBUG GETREG|DECODE|ENCODING|TODENSE key */
function pfdebugCommand(ctx: CommandContext, argv: string[]): void {
  const cmd = argv[1]!;
  const key = argv[2]!;
  const value = ctx.keyspace.lookupWrite(ctx.db, key);
  if (value === undefined) {
    ctx.reply.error('ERR The specified key does not exist');
    return;
  }
  const s = hllOrReply(ctx, value);
  if (s === undefined) return;
  const hll = HllBuffer.fromString(s);
  const sub = cmd.toLowerCase();
  if (sub === 'getreg') {
    if (hll.encoding === HLL_SPARSE) {
      if (!hll.toDense()) {
        ctx.reply.error(ERR_INVALID_HLL);
        return;
      }
      ctx.keyspace.overwriteValue(ctx.db, key, hll.toString());
      ctx.changed(key, '', '');
    }
    const reply = ctx.reply;
    reply.array(HLL_REGISTERS);
    for (let j = 0; j < HLL_REGISTERS; j++) reply.integer(getRegister(hll.bytes, j));
  } else if (sub === 'decode') {
    if (hll.encoding !== HLL_SPARSE) {
      ctx.reply.error('ERR HLL encoding is not sparse');
      return;
    }
    ctx.reply.bulk(hll.decodeSparse());
  } else if (sub === 'encoding') {
    ctx.reply.simple(hll.encoding === HLL_DENSE ? 'dense' : 'sparse');
  } else if (sub === 'todense') {
    let converted = false;
    if (hll.encoding === HLL_SPARSE) {
      if (!hll.toDense()) {
        ctx.reply.error(ERR_INVALID_HLL);
        return;
      }
      converted = true;
      ctx.keyspace.overwriteValue(ctx.db, key, hll.toString());
      ctx.changed(key, '', '');
    }
    ctx.reply.integer(converted ? 1 : 0);
  } else {
    ctx.reply.error(`ERR Unknown PFDEBUG subcommand '${cmd}'`);
  }
}

const TEST_CYCLES = 1000;

/**
 * PFSELFTEST: Redis's two self tests. Register access (random values written and read back), then
 * the estimate against 1..10^7 distinct elements added to a dense and a sparse HLL at once, checked
 * at every power of ten (sparse still sparse while small, both agree, error within 6 sigma).
 */
function pfselftestCommand(ctx: CommandContext, _argv: string[]): void {
  const dense = new Uint8Array(HLL_DENSE_SIZE + 1);
  const bytecounters = new Uint8Array(HLL_REGISTERS);
  for (let j = 0; j < TEST_CYCLES; j++) {
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const r = (Math.random() * 64) & HLL_REGISTER_MAX;
      bytecounters[i] = r;
      setRegister(dense, i, r);
    }
    for (let i = 0; i < HLL_REGISTERS; i++) {
      const val = getRegister(dense, i);
      if (val !== bytecounters[i]) {
        ctx.reply.error(`TESTFAILED Register ${i} should be ${bytecounters[i]} but is ${val}`);
        return;
      }
    }
  }
  const denseHll = HllBuffer.create();
  denseHll.toDense();
  const sparseHll = HllBuffer.create();
  const maxBytes = ctx.config.hllSparseMaxBytes;
  const relerr = 1.04 / Math.sqrt(HLL_REGISTERS);
  let checkpoint = 1;
  const seedLo = (Math.random() * 4294967296) >>> 0;
  const seedHi = (Math.random() * 4294967296) >>> 0;
  const high = String.fromCharCode(seedHi & 0xff, (seedHi >>> 8) & 0xff, (seedHi >>> 16) & 0xff, seedHi >>> 24);
  for (let j = 1; j <= 10000000; j++) {
    // ele = j ^ seed, as 8 little-endian bytes; hashed once for both HLLs (Redis hashes it twice).
    const low = (j ^ seedLo) >>> 0;
    const count = patternLength(String.fromCharCode(low & 0xff, (low >>> 8) & 0xff, (low >>> 16) & 0xff, low >>> 24) + high);
    const index = lastPatternIndex();
    denseHll.set(index, count, maxBytes);
    sparseHll.set(index, count, maxBytes);
    if (j !== checkpoint) continue;
    if (j < Math.floor(maxBytes / 2) && sparseHll.encoding !== HLL_SPARSE) {
      ctx.reply.error('TESTFAILED sparse encoding not used');
      return;
    }
    const denseCount = denseHll.count() as number;
    if (denseCount !== sparseHll.count()) {
      ctx.reply.error('TESTFAILED dense/sparse disagree');
      return;
    }
    const abserr = Math.abs(checkpoint - denseCount);
    let maxerr = Math.ceil(relerr * 6 * checkpoint);
    if (j === 10) maxerr = 1;
    if (abserr > maxerr) {
      ctx.reply.error(`TESTFAILED Too big error. card:${checkpoint} abserr:${abserr}`);
      return;
    }
    checkpoint *= 10;
  }
  ctx.reply.simple(OK);
}

export const hyperloglogCommands: CommandFamily = {
  pfadd: pfaddCommand,
  pfcount: pfcountCommand,
  pfmerge: pfmergeCommand,
  pfdebug: pfdebugCommand,
  pfselftest: pfselftestCommand,
};
