// DUMP payloads (cluster.c's createDumpPayload / verifyDumpPayload):
//   <RDB type byte> <value body as in an RDB file> <RDB version: u16 LE> <CRC-64 of all before: LE>

import type { RedisValue } from '../types/value.ts';
import { crc64 } from './crc64.ts';
import { RDB_VERSION, type EncodingLimits } from './rdb-format.ts';
import { EmptyKeyError, RdbReader } from './rdb-reader.ts';
import { CorruptDataError } from './encoded-int.ts';
import { RdbWriter, type RdbWriterOptions } from './rdb-writer.ts';

export const ERR_DUMP_PAYLOAD = 'ERR DUMP payload version or checksum are wrong';
export const ERR_BAD_DATA_FORMAT = 'ERR Bad data format';

/** This worker's DEBUG SET-SKIP-CHECKSUM-VALIDATION: RESTORE does not check a payload's CRC-64. */
export const dumpChecks = { skipChecksum: false };

/** The DUMP payload of a value, as bytes. */
export function createDumpPayload(value: RedisValue, options: RdbWriterOptions = {}): Buffer {
  const out = new RdbWriter(options);
  out.typedValue(value);
  out.byte(RDB_VERSION & 0xff);
  out.byte(RDB_VERSION >>> 8);
  out.bytes(crc64(out.view()).digest());
  return out.take();
}

/** verifyDumpPayload: the RDB version is one this server reads and the checksum matches. */
export function verifyDumpPayload(payload: Buffer, skipChecksum = false): boolean {
  const len = payload.length;
  if (len < 10) return false;
  const version = payload[len - 10]! | (payload[len - 9]! << 8);
  if (version > RDB_VERSION) return false;
  if (skipChecksum) return true;
  return crc64(payload, 0, len - 8).matches(payload, len - 8);
}

/**
 * The value of a verified payload, or null when it does not decode (RESTORE's "Bad data format":
 * corrupt data, an empty collection, an unsupported type).
 */
export function decodeDumpPayload(payload: Buffer, limits?: EncodingLimits, deepSanitize = true): RedisValue | null {
  try {
    // As Redis, the body is read from the whole payload (footer included).
    const reader = new RdbReader(payload, limits);
    reader.shallow = !deepSanitize;
    return reader.typedValue();
  } catch (err) {
    // As Redis's rdbReportCorruptRDB (RESTORE answers "Bad data format"; the log says why).
    if (err instanceof CorruptDataError && !(err instanceof EmptyKeyError)) {
      console.log(`${process.pid}:M # Internal error in RDB reading offset 0, function at rdb.c:0 -> ${err.message}`);
    }
    return null;
  }
}
