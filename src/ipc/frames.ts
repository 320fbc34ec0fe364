/**
 * Frames between shard workers. Two kinds travel in the rings:
 *   REQUEST: a command (or an internal '@' operation) to execute on the receiving worker.
 *   REPLY:   the RESP bytes answering a request, matched by request id.
 * A frame too large for a ring travels through the pair's MessagePort; the ring then carries a PORTED
 * frame in its place so that the receiver keeps the order.
 *
 * REQUEST: [0 len u32][4 kind u8][5 db u8][6 resp u8][7 flags u8][8 reqId u32][12 txId u32]
 *          [16 clientId f64][24 argc u32][28 (argLen u32, latin1 bytes)...]
 * REPLY:   [0 len u32][4 kind u8][8 reqId u32][12 RESP bytes...]
 * PORTED:  [0 len u32][4 kind u8][8 portSeq u32]
 */
import { latin1Slice, latin1Write } from '../resp/latin1.ts';
import { INTERN_MAX, internArg, internName } from '../resp/intern.ts';

// Every hop between workers encodes and decodes a frame, so its fields are written and read with
// plain byte operations and short arguments and replies are copied by loops: Buffer's
// writeUInt32LE / readUInt32LE are checked JS calls, and latin1Write / latin1Slice / subarray a
// native call or a new view each (perf put them at ~5% of a worker's CPU with half the commands
// hopping).

/** Arguments and replies up to this many bytes are copied by a JavaScript loop. */
const SHORT_COPY = 32;

function writeU32(buf: Buffer, value: number, at: number): void {
  buf[at] = value;
  buf[at + 1] = value >>> 8;
  buf[at + 2] = value >>> 16;
  buf[at + 3] = value >>> 24;
}

function readU32(buf: Buffer, at: number): number {
  return (buf[at]! | (buf[at + 1]! << 8) | (buf[at + 2]! << 16) | (buf[at + 3]! << 24)) >>> 0;
}
export const FRAME_REQUEST = 1;
export const FRAME_REPLY = 2;
export const FRAME_PORTED = 3;

export const REQUEST_HEADER = 28;
export const REPLY_HEADER = 12;
export const PORTED_LENGTH = 12;

/** What a decoded request carries (deferred requests are kept in this form while a shard is locked). */
export interface Request {
  from: number;
  db: number;
  resp: 2 | 3;
  flags: number;
  reqId: number;
  txId: number;
  clientId: number;
  argv: string[];
}

export function requestLength(argv: readonly string[]): number {
  let length = REQUEST_HEADER;
  for (let i = 0; i < argv.length; i++) length += 4 + argv[i]!.length;
  return length;
}

export function encodeRequest(
  buf: Buffer, offset: number, db: number, resp: number, flags: number,
  reqId: number, txId: number, clientId: number, argv: readonly string[],
): void {
  buf[offset + 4] = FRAME_REQUEST;
  buf[offset + 5] = db;
  buf[offset + 6] = resp;
  buf[offset + 7] = flags;
  writeU32(buf, reqId >>> 0, offset + 8);
  writeU32(buf, txId >>> 0, offset + 12);
  buf.writeDoubleLE(clientId, offset + 16);
  writeU32(buf, argv.length, offset + 24);
  let pos = offset + REQUEST_HEADER;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const length = arg.length;
    writeU32(buf, length, pos);
    pos += 4;
    if (length <= SHORT_COPY) {
      for (let j = 0; j < length; j++) buf[pos + j] = arg.charCodeAt(j);
      pos += length;
    } else {
      pos += latin1Write(buf, arg, pos);
    }
  }
}

export function decodeRequest(buf: Buffer, offset: number, from: number): Request {
  const argc = readU32(buf, offset + 24);
  const argv = new Array<string>(argc);
  let pos = offset + REQUEST_HEADER;
  for (let i = 0; i < argc; i++) {
    const len = readU32(buf, pos);
    pos += 4;
    // The receiving worker's commands repeat too (a hot key owned here): same strings as its parser.
    argv[i] = len > INTERN_MAX ? latin1Slice(buf, pos, pos + len) : i === 0 ? internName(buf, pos, len) : internArg(buf, pos, len);
    pos += len;
  }
  return {
    from,
    db: buf[offset + 5]!,
    resp: buf[offset + 6] === 3 ? 3 : 2,
    flags: buf[offset + 7]!,
    reqId: readU32(buf, offset + 8),
    txId: readU32(buf, offset + 12),
    clientId: buf.readDoubleLE(offset + 16),
    argv,
  };
}

export function encodeReply(buf: Buffer, offset: number, reqId: number, bytes: Uint8Array, start: number, end: number): void {
  buf[offset + 4] = FRAME_REPLY;
  writeU32(buf, reqId >>> 0, offset + 8);
  const at = offset + REPLY_HEADER;
  if (end - start <= SHORT_COPY) {
    for (let i = start; i < end; i++) buf[at + i - start] = bytes[i]!;
  } else {
    buf.set(bytes.subarray(start, end), at);
  }
}
