// The bitmap family (Redis's bitops.c): bits of string values. Bit 0 is the most significant bit
// of byte 0. Values stay latin1 strings; commands that rewrite many bytes (BITOP, BITFIELD) work
// on a Buffer copy and store it back, single-bit SETBIT replaces one byte.

import type { CommandContext, CommandFamily } from './context.ts';
import { ERR_NOT_INTEGER, ERR_SYNTAX, WRONGTYPE } from '../resp/errors.ts';
import { latin1Slice } from '../resp/latin1.ts';
import { maxStringLength } from './strings.ts';
import { MAX_STRING_VALUE_LENGTH, POPCOUNT, exactInteger, padWithZeros, parseInteger, popcountRange, replaceByte } from './string-value.ts';

const ERR_BIT_OFFSET = 'ERR bit offset is not an integer or out of range';
const ERR_BIT_VALUE = 'ERR bit is not an integer or out of range';
const ERR_BITFIELD_TYPE = 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.';

/**
 * A bit offset argument (getBitOffsetFromArgument), or -1 after replying the error. With `bits`
 * > 0, "#n" means n * bits (BITFIELD's positional form).
 */
function bitOffsetOrReply(ctx: CommandContext, arg: string, bits: number): number {
  const positional = bits > 0 && arg.charCodeAt(0) === 35; /* # */
  const text = positional ? arg.slice(1) : arg;
  let offset = parseInteger(text);
  if (Number.isNaN(offset)) {
    ctx.reply.error(ERR_BIT_OFFSET);
    return -1;
  }
  if (positional) {
    offset *= bits;
    // The C multiplication wraps in 64 bits; only huge offsets get there.
    if (!Number.isSafeInteger(offset)) offset = Number(BigInt.asIntN(64, exactInteger(text, parseInteger(text)) * BigInt(bits)));
  }
  const byte = Math.floor(offset / 8);
  const limit = ctx.client.isMaster ? MAX_STRING_VALUE_LENGTH : maxStringLength(ctx);
  if (offset < 0 || byte >= limit) {
    ctx.reply.error(ERR_BIT_OFFSET);
    return -1;
  }
  return offset;
}

/** The value for a bit write, padded so that bit `maxBit` exists; undefined after WRONGTYPE. */
function stringForBitWrite(ctx: CommandContext, key: string, maxBit: number): { value: string; created: boolean; grown: boolean } | undefined {
  const old = ctx.keyspace.lookupWrite(ctx.db, key);
  const length = Math.floor(maxBit / 8) + 1;
  if (old === undefined) return { value: '\0'.repeat(length), created: true, grown: true };
  if (typeof old !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return undefined;
  }
  return { value: padWithZeros(old, length), created: false, grown: old.length < length };
}

function storeValue(ctx: CommandContext, key: string, value: string, created: boolean): void {
  if (created) ctx.keyspace.addKey(ctx.db, key, value);
  else ctx.keyspace.overwriteValue(ctx.db, key, value);
}

function setbitCommand(ctx: CommandContext, argv: string[]): void {
  const key = argv[1]!;
  const offset = bitOffsetOrReply(ctx, argv[2]!, 0);
  if (offset < 0) return;
  const on = parseInteger(argv[3]!);
  if (on !== 0 && on !== 1) {
    ctx.reply.error(ERR_BIT_VALUE);
    return;
  }
  const target = stringForBitWrite(ctx, key, offset);
  if (target === undefined) return;
  const byteIndex = Math.floor(offset / 8);
  const mask = 1 << (7 - (offset & 7));
  const byte = target.value.charCodeAt(byteIndex);
  const old = (byte & mask) !== 0 ? 1 : 0;
  if (target.grown || old !== on) {
    const value = replaceByte(target.value, byteIndex, on === 1 ? byte | mask : byte & ~mask);
    storeValue(ctx, key, value, target.created);
    ctx.changed(key, 'setbit', '$');
  }
  ctx.reply.integer(old);
}

function getbitCommand(ctx: CommandContext, argv: string[]): void {
  const offset = bitOffsetOrReply(ctx, argv[2]!, 0);
  if (offset < 0) return;
  const value = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  const byteIndex = Math.floor(offset / 8);
  const bit = byteIndex < value.length ? (value.charCodeAt(byteIndex) >> (7 - (offset & 7))) & 1 : 0;
  ctx.reply.integer(bit);
}

/** BIT or BYTE (case-insensitive): 1, 0, or -1 for anything else. */
function parseUnit(arg: string): number {
  const upper = arg.toUpperCase();
  return upper === 'BIT' ? 1 : upper === 'BYTE' ? 0 : -1;
}

/** BITCOUNT key [start end [BYTE|BIT]] */
function bitcountCommand(ctx: CommandContext, argv: string[]): void {
  const value = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  if (value === undefined) {
    ctx.reply.integer(0);
    return;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  const argc = argv.length;
  if (argc === 2) {
    ctx.reply.integer(popcountRange(value, 0, value.length - 1));
    return;
  }
  if (argc !== 4 && argc !== 5) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  let start = parseInteger(argv[2]!);
  if (Number.isNaN(start)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  let end = parseInteger(argv[3]!);
  if (Number.isNaN(end)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.integer(0);
    return;
  }
  let isBit = false;
  if (argc === 5) {
    const unit = parseUnit(argv[4]!);
    if (unit < 0) {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
    isBit = unit === 1;
  }
  const total = isBit ? value.length * 8 : value.length;
  if (start < 0) start += total;
  if (end < 0) end += total;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= total) end = total - 1;
  if (start > end) {
    ctx.reply.integer(0);
    return;
  }
  if (!isBit) {
    ctx.reply.integer(popcountRange(value, start, end));
    return;
  }
  const firstByte = Math.floor(start / 8);
  const lastByte = Math.floor(end / 8);
  let count = popcountRange(value, firstByte, lastByte);
  // Take away the bits of the edge bytes that lie outside the range.
  const headMask = (0xff << (8 - (start & 7))) & 0xff;
  const tailMask = (1 << (7 - (end & 7))) - 1;
  count -= POPCOUNT[value.charCodeAt(firstByte) & headMask]! + POPCOUNT[value.charCodeAt(lastByte) & tailMask]!;
  ctx.reply.integer(count);
}

/** The first bit equal to `bit` in bits [from, to] of s (to < s.length * 8), or -1. */
function findBit(s: string, bit: number, from: number, to: number): number {
  const skip = bit === 1 ? 0 : 0xff;
  let pos = from;
  while (pos <= to) {
    // Whole bytes that cannot hold the bit are skipped at once.
    if ((pos & 7) === 0 && pos + 7 <= to && s.charCodeAt(pos >> 3) === skip) {
      pos += 8;
      continue;
    }
    if (((s.charCodeAt(pos >> 3) >> (7 - (pos & 7))) & 1) === bit) return pos;
    pos++;
  }
  return -1;
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
function bitposCommand(ctx: CommandContext, argv: string[]): void {
  const bit = parseInteger(argv[2]!);
  if (Number.isNaN(bit)) {
    ctx.reply.error(ERR_NOT_INTEGER);
    return;
  }
  if (bit !== 0 && bit !== 1) {
    ctx.reply.error('ERR The bit argument must be 1 or 0.');
    return;
  }
  const value = ctx.keyspace.lookupRead(ctx.db, argv[1]!);
  // A missing key is an endless run of zeros.
  if (value === undefined) {
    ctx.reply.integer(bit === 1 ? -1 : 0);
    return;
  }
  if (typeof value !== 'string') {
    ctx.reply.error(WRONGTYPE);
    return;
  }
  const argc = argv.length;
  const length = value.length;
  let isBit = false;
  let endGiven = false;
  let start = 0;
  let end = length - 1;
  if (argc >= 4 && argc <= 6) {
    start = parseInteger(argv[3]!);
    if (Number.isNaN(start)) {
      ctx.reply.error(ERR_NOT_INTEGER);
      return;
    }
    if (argc === 6) {
      const unit = parseUnit(argv[5]!);
      if (unit < 0) {
        ctx.reply.error(ERR_SYNTAX);
        return;
      }
      isBit = unit === 1;
    }
    const total = isBit ? length * 8 : length;
    if (argc >= 5) {
      end = parseInteger(argv[4]!);
      if (Number.isNaN(end)) {
        ctx.reply.error(ERR_NOT_INTEGER);
        return;
      }
      endGiven = true;
    } else {
      end = total - 1;
    }
    if (start < 0) start += total;
    if (end < 0) end += total;
    if (start < 0) start = 0;
    if (end < 0) end = 0;
    if (end >= total) end = total - 1;
  } else if (argc !== 3) {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  if (start > end) {
    ctx.reply.integer(-1);
    return;
  }
  const fromBit = isBit ? start : start * 8;
  const toBit = isBit ? end : end * 8 + 7;
  const found = findBit(value, bit, fromBit, toBit);
  if (found >= 0 || bit === 1 || endGiven) {
    ctx.reply.integer(found);
    return;
  }
  // Looking for a clear bit without an explicit end: the string continues with zeros after the
  // last byte of the range.
  ctx.reply.integer((Math.floor(toBit / 8) + 1) * 8);
}

/** BITOP AND|OR|XOR|NOT destkey key [key ...] */
function bitopCommand(ctx: CommandContext, argv: string[]): void {
  const op = argv[1]!.toUpperCase();
  if (op !== 'AND' && op !== 'OR' && op !== 'XOR' && op !== 'NOT') {
    ctx.reply.error(ERR_SYNTAX);
    return;
  }
  if (op === 'NOT' && argv.length !== 4) {
    ctx.reply.error('ERR BITOP NOT must be called with a single source key.');
    return;
  }
  const keyspace = ctx.keyspace;
  const db = ctx.db;
  const sources: string[] = [];
  let maxLength = 0;
  for (let j = 3; j < argv.length; j++) {
    const value = keyspace.lookupRead(db, argv[j]!);
    if (value === undefined) {
      sources.push('');
      continue;
    }
    if (typeof value !== 'string') {
      ctx.reply.error(WRONGTYPE);
      return;
    }
    sources.push(value);
    if (value.length > maxLength) maxLength = value.length;
  }
  const target = argv[2]!;
  if (maxLength === 0) {
    // An empty result deletes the destination.
    if (keyspace.deleteKey(db, target)) ctx.changed(target, 'del', 'g');
    ctx.reply.integer(0);
    return;
  }
  // Missing bytes of shorter sources count as zeros.
  const result = Buffer.alloc(maxLength);
  result.write(sources[0]!, 0, 'latin1');
  if (op === 'NOT') {
    for (let i = 0; i < maxLength; i++) result[i] = ~result[i]! & 0xff;
  } else {
    for (let k = 1; k < sources.length; k++) {
      const src = Buffer.from(sources[k]!, 'latin1');
      if (op === 'AND') {
        for (let i = 0; i < maxLength; i++) result[i]! &= i < src.length ? src[i]! : 0;
      } else if (op === 'OR') {
        for (let i = 0; i < src.length; i++) result[i]! |= src[i]!;
      } else {
        for (let i = 0; i < src.length; i++) result[i]! ^= src[i]!;
      }
    }
  }
  keyspace.expireIfNeeded(db, target);
  keyspace.setKey(db, target, latin1Slice(result, 0, maxLength), false);
  ctx.changed(target, 'set', '$');
  ctx.reply.integer(maxLength);
}

// ---------------------------------------------------------------------------------------------
// BITFIELD. Values are 64-bit in Redis, with C's wrapping arithmetic in the overflow checks; BigInt
// with asIntN/asUintN reproduces it exactly (BITFIELD is not a hot path).
// ---------------------------------------------------------------------------------------------

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
const OVERFLOW_WRAP = 0;
const OVERFLOW_SAT = 1;
const OVERFLOW_FAIL = 2;

interface BitfieldOp {
  opcode: number;
  offset: number;
  bits: number;
  signed: boolean;
  /** SET value or INCRBY increment, as a signed 64-bit integer. */
  arg: bigint;
  overflow: number;
}

function readUnsigned(buf: Uint8Array, offset: number, bits: number): bigint {
  let value = 0n;
  for (let j = 0; j < bits; j++, offset++) {
    const bit = (buf[offset >> 3]! >> (7 - (offset & 7))) & 1;
    value = (value << 1n) | BigInt(bit);
  }
  return value;
}

function writeUnsigned(buf: Uint8Array, offset: number, bits: number, value: bigint): void {
  for (let j = 0; j < bits; j++, offset++) {
    const bit = Number((value >> BigInt(bits - 1 - j)) & 1n);
    const mask = 1 << (7 - (offset & 7));
    const index = offset >> 3;
    buf[index] = bit === 1 ? buf[index]! | mask : buf[index]! & ~mask;
  }
}

/** Result of an overflow check: 0 when the value fits, otherwise nonzero and the replacement value. */
const checked = { overflow: 0, limit: 0n };

/** checkUnsignedBitfieldOverflow: value is a uint64, incr an int64. */
function checkUnsigned(value: bigint, incr: bigint, bits: number, overflowType: number): void {
  const max = (1n << BigInt(bits)) - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, -value);
  let overflow = 0;
  if (value > max || (incr > 0n && incr > maxIncr)) overflow = 1;
  else if (incr < 0n && incr < minIncr) overflow = -1;
  checked.overflow = overflow;
  if (overflow === 0) return;
  if (overflowType === OVERFLOW_WRAP) checked.limit = BigInt.asUintN(bits, value + incr);
  else if (overflowType === OVERFLOW_SAT) checked.limit = overflow > 0 ? max : 0n;
}

/** checkSignedBitfieldOverflow: value and incr are int64. */
function checkSigned(value: bigint, incr: bigint, bits: number, overflowType: number): void {
  const max = (1n << BigInt(bits - 1)) - 1n;
  const min = -max - 1n;
  const maxIncr = BigInt.asIntN(64, max - value);
  const minIncr = BigInt.asIntN(64, min - value);
  let overflow = 0;
  if (value > max || (bits !== 64 && incr > maxIncr) || (value >= 0n && incr > 0n && incr > maxIncr)) overflow = 1;
  else if (value < min || (bits !== 64 && incr < minIncr) || (value < 0n && incr < 0n && incr < minIncr)) overflow = -1;
  checked.overflow = overflow;
  if (overflow === 0) return;
  // Wrapping keeps the low `bits` bits and extends their sign.
  if (overflowType === OVERFLOW_WRAP) checked.limit = BigInt.asIntN(bits, value + incr);
  else if (overflowType === OVERFLOW_SAT) checked.limit = overflow > 0 ? max : min;
}

/** "i<1..64>" or "u<1..63>" (case-sensitive prefix, as Redis); 0 bits after replying the error. */
function parseBitfieldType(ctx: CommandContext, arg: string): { signed: boolean; bits: number } {
  const prefix = arg.charCodeAt(0);
  const signed = prefix === 105; /* i */
  const bits = parseInteger(arg.slice(1));
  if ((!signed && prefix !== 117) /* u */ || Number.isNaN(bits) || bits < 1 || bits > (signed ? 64 : 63)) {
    ctx.reply.error(ERR_BITFIELD_TYPE);
    return { signed, bits: 0 };
  }
  return { signed, bits };
}

function bitfieldGeneric(ctx: CommandContext, argv: string[], readOnlyCommand: boolean): void {
  const key = argv[1]!;
  const ops: BitfieldOp[] = [];
  let overflowType = OVERFLOW_WRAP;
  let readOnly = true;
  let highestWriteBit = 0;
  for (let j = 2; j < argv.length; j++) {
    const remaining = argv.length - j - 1;
    const sub = argv[j]!.toUpperCase();
    let opcode: number;
    if (sub === 'GET' && remaining >= 2) opcode = OP_GET;
    else if (sub === 'SET' && remaining >= 3) opcode = OP_SET;
    else if (sub === 'INCRBY' && remaining >= 3) opcode = OP_INCRBY;
    else if (sub === 'OVERFLOW' && remaining >= 1) {
      const kind = argv[++j]!.toUpperCase();
      if (kind === 'WRAP') overflowType = OVERFLOW_WRAP;
      else if (kind === 'SAT') overflowType = OVERFLOW_SAT;
      else if (kind === 'FAIL') overflowType = OVERFLOW_FAIL;
      else {
        ctx.reply.error('ERR Invalid OVERFLOW type specified');
        return;
      }
      continue;
    } else {
      ctx.reply.error(ERR_SYNTAX);
      return;
    }
    const type = parseBitfieldType(ctx, argv[j + 1]!);
    if (type.bits === 0) return;
    const offset = bitOffsetOrReply(ctx, argv[j + 2]!, type.bits);
    if (offset < 0) return;
    let arg = 0n;
    if (opcode !== OP_GET) {
      readOnly = false;
      if (highestWriteBit < offset + type.bits - 1) highestWriteBit = offset + type.bits - 1;
      const text = argv[j + 3]!;
      const n = parseInteger(text);
      if (Number.isNaN(n)) {
        ctx.reply.error(ERR_NOT_INTEGER);
        return;
      }
      arg = exactInteger(text, n);
    }
    ops.push({ opcode, offset, bits: type.bits, signed: type.signed, arg, overflow: overflowType });
    j += opcode === OP_GET ? 2 : 3;
  }

  let buf: Buffer;
  let created = false;
  let grown = false;
  if (readOnly) {
    const value = ctx.keyspace.lookupRead(ctx.db, key);
    if (value !== undefined && typeof value !== 'string') {
      ctx.reply.error(WRONGTYPE);
      return;
    }
    buf = Buffer.from(value ?? '', 'latin1');
  } else {
    if (readOnlyCommand) {
      ctx.reply.error('ERR BITFIELD_RO only supports the GET subcommand');
      return;
    }
    const target = stringForBitWrite(ctx, key, highestWriteBit);
    if (target === undefined) return;
    created = target.created;
    grown = target.grown;
    buf = Buffer.from(target.value, 'latin1');
  }

  const reply = ctx.reply;
  reply.array(ops.length);
  let changes = 0;
  const padded = new Uint8Array(9);
  for (const op of ops) {
    if (op.opcode === OP_GET) {
      // Reads may run past the end of the value: copy up to 9 bytes into a zero-padded window.
      const first = op.offset >> 3;
      padded.fill(0);
      for (let i = 0; i < 9 && first + i < buf.length; i++) padded[i] = buf[first + i]!;
      const raw = readUnsigned(padded, op.offset - first * 8, op.bits);
      reply.integer(op.signed ? BigInt.asIntN(op.bits, raw) : raw);
      continue;
    }
    const rawOld = readUnsigned(buf, op.offset, op.bits);
    let oldValue: bigint;
    let newValue: bigint;
    let replyValue: bigint;
    if (op.signed) {
      oldValue = BigInt.asIntN(op.bits, rawOld);
      if (op.opcode === OP_INCRBY) {
        checkSigned(oldValue, op.arg, op.bits, op.overflow);
        newValue = checked.overflow !== 0 ? checked.limit : oldValue + op.arg;
        replyValue = newValue;
      } else {
        newValue = op.arg;
        checkSigned(newValue, 0n, op.bits, op.overflow);
        if (checked.overflow !== 0) newValue = checked.limit;
        replyValue = oldValue;
      }
    } else {
      oldValue = rawOld;
      if (op.opcode === OP_INCRBY) {
        newValue = BigInt.asUintN(64, oldValue + op.arg);
        checkUnsigned(oldValue, op.arg, op.bits, op.overflow);
        if (checked.overflow !== 0) newValue = checked.limit;
        replyValue = newValue;
      } else {
        newValue = BigInt.asUintN(64, op.arg);
        checkUnsigned(newValue, 0n, op.bits, op.overflow);
        if (checked.overflow !== 0) newValue = checked.limit;
        replyValue = oldValue;
      }
    }
    if (checked.overflow !== 0 && op.overflow === OVERFLOW_FAIL) {
      reply.nil();
      continue;
    }
    reply.integer(BigInt.asIntN(64, replyValue));
    writeUnsigned(buf, op.offset, op.bits, BigInt.asUintN(64, newValue));
    if (grown || oldValue !== newValue) changes++;
  }
  if (!readOnly) {
    // Redis creates or pads the value before running the operations, even when none writes.
    if (changes > 0 || grown) storeValue(ctx, key, latin1Slice(buf, 0, buf.length), created);
    if (changes > 0) ctx.changed(key, 'setbit', '$');
  }
}

function bitfieldCommand(ctx: CommandContext, argv: string[]): void {
  bitfieldGeneric(ctx, argv, false);
}

function bitfieldRoCommand(ctx: CommandContext, argv: string[]): void {
  bitfieldGeneric(ctx, argv, true);
}

export const bitmapCommands: CommandFamily = {
  setbit: setbitCommand,
  getbit: getbitCommand,
  bitcount: bitcountCommand,
  bitpos: bitposCommand,
  bitop: bitopCommand,
  bitfield: bitfieldCommand,
  bitfield_ro: bitfieldRoCommand,
};
