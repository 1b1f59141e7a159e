// Zig-zag varints as RecordBatch v2 records use them (Kafka's ByteUtils.writeVarint / writeVarlong):
// the signed value is zig-zag mapped (0, -1, 1, -2 … → 0, 1, 2, 3 …) and then written 7 bits a byte,
// least significant group first, high bit set on every byte but the last.
//
// Kept local to records/ (rather than shared with the request codec) because these are the record hot
// path: sizes are computed before writing so a record's `length` prefix can be written in one pass.
//
// Pure zone: no node:* imports, no Buffer.

import { CorruptRecordError } from './errors.ts';

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/** Bytes that `value` (a signed int32) takes as a zig-zag varint: 1 … 5. */
export function sizeOfVarint(value: number): number {
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (unsigned >= 0x80) {
    unsigned >>>= 7;
    bytes++;
  }
  return bytes;
}

/**
 * Varlongs are handled as numbers: values in [-2^52, 2^52 - 1] have zig-zag forms in [0, 2^53 - 1], the
 * integers doubles hold exactly. (+2^52 would zig-zag to 2^53, which a reader cannot tell from 2^53 + 1.)
 * Timestamp deltas (the only varlong in a record) are milliseconds, far inside that range.
 */
export const VARLONG_MIN = -(2 ** 52);
export const VARLONG_MAX = 2 ** 52 - 1;

/** Bytes that `value` (VARLONG_MIN … VARLONG_MAX) takes as a zig-zag varlong: 1 … 8. */
export function sizeOfVarlong(value: number): number {
  let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
  let bytes = 1;
  while (unsigned >= 0x80) {
    unsigned = Math.floor(unsigned / 128);
    bytes++;
  }
  return bytes;
}

/** Writes a zig-zag varint at `position`; returns the position after it. The caller sized `target`. */
export function writeVarint(target: Uint8Array, position: number, value: number): number {
  if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
    throw new RangeError(`varint out of int32 range: ${value}`);
  }
  let unsigned = ((value << 1) ^ (value >> 31)) >>> 0;
  while (unsigned >= 0x80) {
    target[position++] = (unsigned & 0x7f) | 0x80;
    unsigned >>>= 7;
  }
  target[position++] = unsigned;
  return position;
}

/** Writes a zig-zag varlong (VARLONG_MIN … VARLONG_MAX) at `position`; returns the position after it. */
export function writeVarlong(target: Uint8Array, position: number, value: number): number {
  if (!Number.isInteger(value) || value < VARLONG_MIN || value > VARLONG_MAX) {
    throw new RangeError(`varlong outside [-2^52, 2^52 - 1]: ${value}`);
  }
  let unsigned = value >= 0 ? value * 2 : -value * 2 - 1;
  while (unsigned >= 0x80) {
    target[position++] = (unsigned % 128) | 0x80;
    unsigned = Math.floor(unsigned / 128);
  }
  target[position++] = unsigned;
  return position;
}

/** A read position inside a byte array; varint readers advance it. */
export interface Cursor {
  position: number;
}

/** Reads a zig-zag varint (at most 5 bytes, as Kafka's ByteUtils.readVarint). */
export function readVarint(source: Uint8Array, cursor: Cursor, end = source.length): number {
  let unsigned = 0;
  let shift = 0;
  let position = cursor.position;
  for (;;) {
    if (position >= end) throw new CorruptRecordError('varint runs past the end of the record');
    const byte = source[position++];
    unsigned |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
    if (shift > 28) throw new CorruptRecordError('varint is longer than 5 bytes');
  }
  cursor.position = position;
  unsigned >>>= 0;
  return (unsigned >>> 1) ^ -(unsigned & 1);
}

/**
 * Reads a zig-zag varlong (at most 10 bytes, as Kafka's ByteUtils.readVarlong) and returns it as a
 * number. Values outside [-2^52, 2^52 - 1] (never produced by real clients for timestamp deltas) are rejected.
 */
export function readVarlong(source: Uint8Array, cursor: Cursor, end = source.length): number {
  let unsigned = 0;
  let scale = 1;
  let position = cursor.position;
  for (let index = 0; ; index++) {
    if (position >= end) throw new CorruptRecordError('varlong runs past the end of the record');
    if (index === 10) throw new CorruptRecordError('varlong is longer than 10 bytes');
    const byte = source[position++];
    unsigned += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
  }
  if (unsigned > Number.MAX_SAFE_INTEGER) throw new CorruptRecordError('varlong outside [-2^52, 2^52 - 1]');
  cursor.position = position;
  return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
}
