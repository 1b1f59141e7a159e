// Kafka's primitive wire types (the "Protocol Primitive Types" of the Kafka protocol guide):
// big-endian fixed-width integers, zig-zag varints, int16-length strings, int32-length bytes, int32-counted
// arrays and, for the flexible versions of KIP-482, "compact" strings/bytes/arrays whose length is an
// unsigned varint holding length + 1 (0 = null), plus tagged fields.
//
// Pure: Uint8Array + DataView only (ARCHITECTURE.md §2), so the codec runs in the broker, our client, tests
// and a browser. Every read is bounds-checked and fails with KafkaDecodeError (never a RangeError), and every
// length read from the wire is checked against the bytes that remain (and a configurable maximum) *before*
// anything is allocated.
import { KzError } from '../common/errors.ts';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Stable codes of the codec's errors (added to the KZ_ERR_* catalogue by this module). */
export const KAFKA_CODEC_ERROR_CODES = {
  /** Bytes from the wire are truncated or malformed; the connection should be closed. */
  KZ_ERR_KAFKA_DECODE: 'KZ_ERR_KAFKA_DECODE',
  /** A value handed to the encoder cannot be written at the requested version (a bug in the caller). */
  KZ_ERR_KAFKA_ENCODE: 'KZ_ERR_KAFKA_ENCODE',
} as const;

/**
 * Truncated or malformed Kafka bytes. Definite (nothing was processed) and not retriable (the same bytes
 * fail again). `offset` is where in the decoded buffer the problem was noticed.
 */
export class KafkaDecodeError extends KzError {
  readonly offset: number;

  constructor(message: string, offset = -1) {
    super(KAFKA_CODEC_ERROR_CODES.KZ_ERR_KAFKA_DECODE, message, { retriable: false, definite: true });
    this.offset = offset;
  }
}

/** A value that cannot be encoded: a string too long for int16, null where the version has no null, … */
export class KafkaEncodeError extends KzError {
  constructor(message: string) {
    super(KAFKA_CODEC_ERROR_CODES.KZ_ERR_KAFKA_ENCODE, message, { retriable: false, definite: true });
  }
}

/** A tagged field this codec does not know, kept as raw bytes so it survives a decode/encode round trip. */
export interface RawTaggedField {
  readonly tag: number;
  readonly data: Uint8Array;
}

const INT16_MAX = 0x7fff;
const INT32_MAX = 0x7fffffff;
const UINT32_MAX = 0xffffffff;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** UTF-8 byte length of a JS string, counting a lone surrogate as U+FFFD (3 bytes) like TextEncoder does. */
export function utf8Length(value: string): number {
  let length = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    if (unit < 0x80) length += 1;
    else if (unit < 0x800) length += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = i + 1 < value.length ? value.charCodeAt(i + 1) : 0;
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 4;
        i++;
      } else length += 3;
    } else length += 3;
  }
  return length;
}

/** Bytes an unsigned varint takes. */
export function uvarintSize(value: number): number {
  let size = 1;
  let rest = value >>> 7;
  while (rest !== 0) {
    size++;
    rest >>>= 7;
  }
  return size;
}

export class KafkaWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private position = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(Math.max(16, initialCapacity));
    this.view = new DataView(this.bytes.buffer);
  }

  get length(): number {
    return this.position;
  }

  private reserve(extra: number): void {
    const needed = this.position + extra;
    if (needed <= this.bytes.length) return;
    let capacity = this.bytes.length * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.position));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  private checkInteger(value: number, min: number, max: number, what: string): void {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new KafkaEncodeError(`${what} out of range: ${String(value)}`);
    }
  }

  int8(value: number): this {
    this.checkInteger(value, -0x80, 0x7f, 'int8');
    this.reserve(1);
    this.view.setInt8(this.position, value);
    this.position += 1;
    return this;
  }

  int16(value: number): this {
    this.checkInteger(value, -0x8000, INT16_MAX, 'int16');
    this.reserve(2);
    this.view.setInt16(this.position, value);
    this.position += 2;
    return this;
  }

  uint16(value: number): this {
    this.checkInteger(value, 0, 0xffff, 'uint16');
    this.reserve(2);
    this.view.setUint16(this.position, value);
    this.position += 2;
    return this;
  }

  int32(value: number): this {
    this.checkInteger(value, -0x80000000, INT32_MAX, 'int32');
    this.reserve(4);
    this.view.setInt32(this.position, value);
    this.position += 4;
    return this;
  }

  uint32(value: number): this {
    this.checkInteger(value, 0, UINT32_MAX, 'uint32');
    this.reserve(4);
    this.view.setUint32(this.position, value);
    this.position += 4;
    return this;
  }

  int64(value: bigint): this {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
      throw new KafkaEncodeError(`int64 out of range: ${String(value)}`);
    }
    this.reserve(8);
    this.view.setBigInt64(this.position, value);
    this.position += 8;
    return this;
  }

  float64(value: number): this {
    if (typeof value !== 'number') throw new KafkaEncodeError(`float64 expected, got ${typeof value}`);
    this.reserve(8);
    this.view.setFloat64(this.position, value);
    this.position += 8;
    return this;
  }

  bool(value: boolean): this {
    if (typeof value !== 'boolean') throw new KafkaEncodeError(`boolean expected, got ${typeof value}`);
    this.reserve(1);
    this.bytes[this.position++] = value ? 1 : 0;
    return this;
  }

  /** Unsigned varint (7 bits a byte, least significant group first), 0 … 2^32-1. */
  uvarint(value: number): this {
    this.checkInteger(value, 0, UINT32_MAX, 'unsigned varint');
    this.reserve(5);
    let rest = value;
    while (rest > 0x7f) {
      this.bytes[this.position++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.bytes[this.position++] = rest;
    return this;
  }

  /** Signed 32-bit varint, zig-zag encoded (0, -1, 1, -2 … → 0, 1, 2, 3 …). */
  varint(value: number): this {
    this.checkInteger(value, -0x80000000, INT32_MAX, 'varint');
    return this.uvarint(((value << 1) ^ (value >> 31)) >>> 0);
  }

  /** Signed 64-bit varint, zig-zag encoded. */
  varlong(value: bigint): this {
    if (typeof value !== 'bigint' || value < INT64_MIN || value > INT64_MAX) {
      throw new KafkaEncodeError(`varlong out of range: ${String(value)}`);
    }
    let rest = BigInt.asUintN(64, (value << 1n) ^ (value >> 63n));
    this.reserve(10);
    while (rest > 0x7fn) {
      this.bytes[this.position++] = Number(rest & 0x7fn) | 0x80;
      rest >>= 7n;
    }
    this.bytes[this.position++] = Number(rest);
    return this;
  }

  /** A 16-byte UUID, given as bytes. */
  uuid(value: Uint8Array): this {
    if (!(value instanceof Uint8Array) || value.length !== 16)
      throw new KafkaEncodeError('uuid must be 16 bytes');
    return this.raw(value);
  }

  private utf8(value: string, byteLength: number): void {
    this.reserve(byteLength);
    const { written } = utf8Encoder.encodeInto(
      value,
      this.bytes.subarray(this.position, this.position + byteLength),
    );
    this.position += written;
  }

  private checkString(value: unknown): asserts value is string {
    if (typeof value !== 'string') throw new KafkaEncodeError(`string expected, got ${typeof value}`);
  }

  /** STRING: int16 length + UTF-8 (max 32767 bytes). */
  string(value: string): this {
    this.checkString(value);
    const length = utf8Length(value);
    if (length > INT16_MAX) throw new KafkaEncodeError(`string of ${length} bytes is longer than 32767`);
    this.int16(length);
    this.utf8(value, length);
    return this;
  }

  /** NULLABLE_STRING: like STRING, -1 = null. */
  nullableString(value: string | null): this {
    if (value === null) return this.int16(-1);
    return this.string(value);
  }

  /** COMPACT_STRING: uvarint (length + 1) + UTF-8. */
  compactString(value: string): this {
    this.checkString(value);
    const length = utf8Length(value);
    if (length > INT16_MAX) throw new KafkaEncodeError(`string of ${length} bytes is longer than 32767`);
    this.uvarint(length + 1);
    this.utf8(value, length);
    return this;
  }

  /** COMPACT_NULLABLE_STRING: uvarint 0 = null. */
  compactNullableString(value: string | null): this {
    if (value === null) return this.uvarint(0);
    return this.compactString(value);
  }

  private checkBytes(value: unknown): asserts value is Uint8Array {
    if (!(value instanceof Uint8Array)) throw new KafkaEncodeError('Uint8Array expected');
  }

  /** BYTES: int32 length + bytes. */
  bytesField(value: Uint8Array): this {
    this.checkBytes(value);
    this.int32(value.length);
    return this.raw(value);
  }

  /** NULLABLE_BYTES: -1 = null. */
  nullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.int32(-1);
    return this.bytesField(value);
  }

  /** COMPACT_BYTES: uvarint (length + 1) + bytes. */
  compactBytes(value: Uint8Array): this {
    this.checkBytes(value);
    this.uvarint(value.length + 1);
    return this.raw(value);
  }

  /** COMPACT_NULLABLE_BYTES: uvarint 0 = null. */
  compactNullableBytes(value: Uint8Array | null): this {
    if (value === null) return this.uvarint(0);
    return this.compactBytes(value);
  }

  /** ARRAY length: int32 count, -1 = null. */
  arrayLength(count: number | null): this {
    return this.int32(count === null ? -1 : count);
  }

  /** COMPACT_ARRAY length: uvarint (count + 1), 0 = null. */
  compactArrayLength(count: number | null): this {
    return this.uvarint(count === null ? 0 : count + 1);
  }

  raw(value: Uint8Array): this {
    this.reserve(value.length);
    this.bytes.set(value, this.position);
    this.position += value.length;
    return this;
  }

  /** Overwrite an int32 written earlier (size prefixes). */
  patchInt32(offset: number, value: number): void {
    this.view.setInt32(offset, value);
  }

  /** A view of the bytes written so far (valid until the next write). */
  written(): Uint8Array {
    return this.bytes.subarray(0, this.position);
  }

  /** A copy of the bytes written so far. */
  toBytes(): Uint8Array {
    return this.bytes.slice(0, this.position);
  }
}

export interface KafkaReaderOptions {
  /**
   * Largest string/bytes length or array count accepted from the wire, checked before allocating.
   * Defaults to 100 MiB, Kafka's `socket.request.max.bytes`.
   */
  readonly maxLength?: number;
}

export const DEFAULT_MAX_LENGTH = 104_857_600;

export class KafkaReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  readonly maxLength: number;
  private position: number;
  private readonly end: number;

  constructor(bytes: Uint8Array, options: KafkaReaderOptions = {}, start = 0, end = bytes.length) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;
    this.position = start;
    this.end = end;
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.end - this.position;
  }

  fail(message: string): never {
    throw new KafkaDecodeError(`${message} (at byte ${this.position})`, this.position);
  }

  private need(count: number, what: string): void {
    if (count > this.end - this.position) {
      this.fail(`truncated ${what}: need ${count} bytes, ${this.end - this.position} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.view.getInt8(this.position++);
  }

  int16(): number {
    this.need(2, 'int16');
    const value = this.view.getInt16(this.position);
    this.position += 2;
    return value;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const value = this.view.getUint16(this.position);
    this.position += 2;
    return value;
  }

  int32(): number {
    this.need(4, 'int32');
    const value = this.view.getInt32(this.position);
    this.position += 4;
    return value;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const value = this.view.getUint32(this.position);
    this.position += 4;
    return value;
  }

  int64(): bigint {
    this.need(8, 'int64');
    const value = this.view.getBigInt64(this.position);
    this.position += 8;
    return value;
  }

  float64(): number {
    this.need(8, 'float64');
    const value = this.view.getFloat64(this.position);
    this.position += 8;
    return value;
  }

  /** BOOLEAN: Kafka reads any non-zero byte as true. */
  bool(): boolean {
    this.need(1, 'boolean');
    return this.bytes[this.position++] !== 0;
  }

  /** Unsigned varint of at most 5 bytes whose value fits 32 bits. */
  uvarint(): number {
    let value = 0;
    let multiplier = 1;
    for (let i = 0; i < 5; i++) {
      this.need(1, 'varint');
      const byte = this.bytes[this.position++];
      value += (byte & 0x7f) * multiplier;
      if ((byte & 0x80) === 0) {
        if (value > UINT32_MAX) this.fail('unsigned varint does not fit 32 bits');
        return value;
      }
      multiplier *= 128;
    }
    return this.fail('unsigned varint longer than 5 bytes');
  }

  /** Zig-zag signed 32-bit varint. */
  varint(): number {
    const raw = this.uvarint();
    return (raw >>> 1) ^ -(raw & 1);
  }

  /** Zig-zag signed 64-bit varint (at most 10 bytes). */
  varlong(): bigint {
    let value = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      this.need(1, 'varlong');
      const byte = this.bytes[this.position++];
      value |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        if (value > 0xffffffffffffffffn) this.fail('varlong does not fit 64 bits');
        return BigInt.asIntN(64, (value >> 1n) ^ -(value & 1n));
      }
      shift += 7n;
    }
    return this.fail('varlong longer than 10 bytes');
  }

  uuid(): Uint8Array {
    this.need(16, 'uuid');
    return this.take(16);
  }

  /** A length from the wire: -1 (null) or 0 … min(remaining, maxLength). */
  private checkLength(length: number, what: string, bytesPerItem: number): void {
    if (length < -1) this.fail(`negative ${what} length ${length}`);
    if (length > this.maxLength) this.fail(`${what} length ${length} exceeds the limit ${this.maxLength}`);
    if (length * bytesPerItem > this.end - this.position) {
      this.fail(`${what} length ${length} exceeds the ${this.end - this.position} bytes left`);
    }
  }

  private utf8(length: number): string {
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    try {
      return utf8Decoder.decode(slice);
    } catch {
      return this.fail('string is not valid UTF-8');
    }
  }

  nullableString(): string | null {
    const length = this.int16();
    this.checkLength(length, 'string', 1);
    if (length === -1) return null;
    return this.utf8(length);
  }

  string(): string {
    const value = this.nullableString();
    if (value === null) this.fail('null in a non-nullable string');
    return value;
  }

  compactNullableString(): string | null {
    const length = this.uvarint() - 1;
    this.checkLength(length, 'string', 1);
    if (length === -1) return null;
    return this.utf8(length);
  }

  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) this.fail('null in a non-nullable compact string');
    return value;
  }

  private take(length: number): Uint8Array {
    // A copy, and a plain Uint8Array even when the input is a Node Buffer (whose slice() is a view):
    // decoded values must not alias the frame, which the caller may reuse.
    const value = new Uint8Array(length);
    value.set(this.bytes.subarray(this.position, this.position + length));
    this.position += length;
    return value;
  }

  nullableBytes(): Uint8Array | null {
    const length = this.int32();
    this.checkLength(length, 'bytes', 1);
    if (length === -1) return null;
    return this.take(length);
  }

  /**
   * RECORDS (nullable bytes) as a view into the frame, not a copy: record batches are the bulk of Produce
   * and Fetch and are only read, or written into the log, once. Frames come fresh from the socket (the
   * frame splitter never reuses them), so the view stays valid; it keeps the frame alive while in use.
   */
  nullableRecordsView(): Uint8Array | null {
    const length = this.int32();
    this.checkLength(length, 'bytes', 1);
    if (length === -1) return null;
    return this.viewOf(length);
  }

  /** COMPACT_RECORDS as a view into the frame (see nullableRecordsView). */
  compactNullableRecordsView(): Uint8Array | null {
    const length = this.uvarint() - 1;
    this.checkLength(length, 'bytes', 1);
    if (length === -1) return null;
    return this.viewOf(length);
  }

  private viewOf(length: number): Uint8Array {
    // A plain Uint8Array even over a Node Buffer, so that slice() keeps copying as callers expect.
    const value = new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + this.position, length);
    this.position += length;
    return value;
  }

  bytesField(): Uint8Array {
    const value = this.nullableBytes();
    if (value === null) this.fail('null in non-nullable bytes');
    return value;
  }

  compactNullableBytes(): Uint8Array | null {
    const length = this.uvarint() - 1;
    this.checkLength(length, 'bytes', 1);
    if (length === -1) return null;
    return this.take(length);
  }

  compactBytes(): Uint8Array {
    const value = this.compactNullableBytes();
    if (value === null) this.fail('null in non-nullable compact bytes');
    return value;
  }

  /**
   * ARRAY count: -1 = null. `minItemSize` (bytes each element needs at least) lets a forged count be
   * rejected before any element is allocated.
   */
  arrayLength(minItemSize = 1): number {
    const count = this.int32();
    this.checkLength(count, 'array', minItemSize);
    return count;
  }

  /** COMPACT_ARRAY count: uvarint (count + 1), -1 = null. */
  compactArrayLength(minItemSize = 1): number {
    const count = this.uvarint() - 1;
    this.checkLength(count, 'array', minItemSize);
    return count;
  }

  raw(length: number): Uint8Array {
    if (length < 0) this.fail(`negative length ${length}`);
    this.need(length, 'bytes');
    return this.take(length);
  }

  skip(length: number): void {
    this.need(length, 'bytes');
    this.position += length;
  }

  /** A reader over the next `length` bytes (used for tagged field values); this reader moves past them. */
  sub(length: number): KafkaReader {
    this.need(length, 'tagged field');
    const reader = new KafkaReader(
      this.bytes,
      { maxLength: this.maxLength },
      this.position,
      this.position + length,
    );
    this.position += length;
    return reader;
  }

  expectEnd(what: string): void {
    if (this.position !== this.end) this.fail(`${this.end - this.position} unexpected bytes after ${what}`);
  }
}

// ---- UUIDs: Kafka prints them (Uuid.toString) as URL-safe base64 without padding, 22 characters.

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const BASE64URL_INDEX = new Map([...BASE64URL].map((char, index) => [char, index]));

/** The all-zero UUID, Kafka's `Uuid.ZERO_UUID` ("no topic id"). */
export const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

export function uuidToString(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < 16; i += 3) {
    const a = bytes[i];
    const b = i + 1 < 16 ? bytes[i + 1] : 0;
    const c = i + 2 < 16 ? bytes[i + 2] : 0;
    const triple = (a << 16) | (b << 8) | c;
    text += BASE64URL[(triple >> 18) & 63] + BASE64URL[(triple >> 12) & 63];
    if (i + 1 < 16) text += BASE64URL[(triple >> 6) & 63];
    if (i + 2 < 16) text += BASE64URL[triple & 63];
  }
  return text;
}

/** Parses Kafka's 22-character form; throws KafkaEncodeError for anything else. */
export function uuidFromString(text: string): Uint8Array {
  if (typeof text !== 'string' || text.length !== 22)
    throw new KafkaEncodeError(`not a Kafka uuid: ${String(text)}`);
  const bytes = new Uint8Array(16);
  let bits = 0;
  let buffer = 0;
  let index = 0;
  for (const char of text) {
    const value = BASE64URL_INDEX.get(char);
    if (value === undefined) throw new KafkaEncodeError(`not a Kafka uuid: ${text}`);
    buffer = (buffer << 6) | value;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[index++] = (buffer >> bits) & 0xff;
    }
    buffer &= (1 << bits) - 1;
  }
  if (buffer !== 0) throw new KafkaEncodeError(`not a canonical Kafka uuid: ${text}`);
  return bytes;
}
