// Jute's binary encoding (ZooKeeper's BinaryOutputArchive/BinaryInputArchive): big-endian ints and longs,
// one-byte booleans, int-length-prefixed UTF-8 strings and buffers (-1 = null), int-counted vectors.
// Pure: Uint8Array + DataView only, so the same codec runs in tests, the server and a browser.

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/** Thrown for truncated or malformed input; the shell turns it into a clean connection close. */
export class JuteDecodeError extends Error {
  readonly code = 'KZ_ERR_JUTE_DECODE';
  constructor(message: string) {
    super(message);
    this.name = 'JuteDecodeError';
  }
}

export class JuteWriter {
  private bytes: Uint8Array;
  private view: DataView;
  private position = 0;

  constructor(initialCapacity = 256) {
    this.bytes = new Uint8Array(initialCapacity);
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

  writeInt(value: number): this {
    this.reserve(4);
    this.view.setInt32(this.position, value);
    this.position += 4;
    return this;
  }

  writeLong(value: bigint): this {
    this.reserve(8);
    this.view.setBigInt64(this.position, value);
    this.position += 8;
    return this;
  }

  writeBool(value: boolean): this {
    this.reserve(1);
    this.bytes[this.position++] = value ? 1 : 0;
    return this;
  }

  writeByte(value: number): this {
    this.reserve(1);
    this.bytes[this.position++] = value & 0xff;
    return this;
  }

  writeString(value: string | null): this {
    if (value === null) return this.writeInt(-1);
    // Worst case 3 bytes per UTF-16 unit; encodeInto avoids an intermediate copy.
    this.reserve(4 + value.length * 3);
    const { written } = utf8Encoder.encodeInto(value, this.bytes.subarray(this.position + 4));
    this.view.setInt32(this.position, written);
    this.position += 4 + written;
    return this;
  }

  writeBuffer(value: Uint8Array | null): this {
    if (value === null) return this.writeInt(-1);
    this.reserve(4 + value.length);
    this.view.setInt32(this.position, value.length);
    this.bytes.set(value, this.position + 4);
    this.position += 4 + value.length;
    return this;
  }

  writeRaw(value: Uint8Array): this {
    this.reserve(value.length);
    this.bytes.set(value, this.position);
    this.position += value.length;
    return this;
  }

  /** Overwrite an int already written (used for length prefixes). */
  patchInt(offset: number, value: number): void {
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

export class JuteReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  /** Largest string/buffer/vector length accepted (jute.maxbuffer), checked before allocating. */
  private readonly maxLength: number;
  private position = 0;

  constructor(bytes: Uint8Array, maxLength = Number.MAX_SAFE_INTEGER) {
    this.bytes = bytes;
    this.maxLength = maxLength;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  get offset(): number {
    return this.position;
  }

  get remaining(): number {
    return this.bytes.length - this.position;
  }

  private need(count: number, what: string): void {
    if (this.position + count > this.bytes.length) {
      throw new JuteDecodeError(
        `truncated ${what}: need ${count} bytes at offset ${this.position}, have ${this.remaining}`,
      );
    }
  }

  readInt(): number {
    this.need(4, 'int');
    const value = this.view.getInt32(this.position);
    this.position += 4;
    return value;
  }

  readLong(): bigint {
    this.need(8, 'long');
    const value = this.view.getBigInt64(this.position);
    this.position += 8;
    return value;
  }

  readBool(): boolean {
    this.need(1, 'boolean');
    return this.bytes[this.position++] !== 0;
  }

  readByte(): number {
    this.need(1, 'byte');
    return this.bytes[this.position++];
  }

  private readLength(what: string): number {
    const length = this.readInt();
    if (length < -1) throw new JuteDecodeError(`negative ${what} length ${length}`);
    if (length > this.maxLength) throw new JuteDecodeError(`${what} length ${length} exceeds ${this.maxLength}`);
    return length;
  }

  readString(): string | null {
    const length = this.readLength('string');
    if (length === -1) return null;
    this.need(length, 'string');
    const slice = this.bytes.subarray(this.position, this.position + length);
    this.position += length;
    try {
      return utf8Decoder.decode(slice);
    } catch {
      throw new JuteDecodeError('string is not valid UTF-8');
    }
  }

  readBuffer(): Uint8Array | null {
    const length = this.readLength('buffer');
    if (length === -1) return null;
    this.need(length, 'buffer');
    // Copy: the frame buffer is reused by the connection, stored data must not alias it.
    const value = this.bytes.slice(this.position, this.position + length);
    this.position += length;
    return value;
  }

  /** Vector count: -1 (null) reads as an empty vector, as ZooKeeper's server treats it. */
  readCount(): number {
    const count = this.readLength('vector');
    // Every element takes at least one byte: reject counts the frame cannot hold before looping.
    if (count > this.remaining) throw new JuteDecodeError(`vector count ${count} exceeds remaining bytes`);
    return count;
  }

  skip(count: number): void {
    this.need(count, 'bytes');
    this.position += count;
  }

  /** Consume whatever is left (a body this server does not parse). */
  skipRest(): void {
    this.position = this.bytes.length;
  }

  expectEnd(what: string): void {
    if (this.remaining !== 0) throw new JuteDecodeError(`${this.remaining} trailing bytes after ${what}`);
  }
}
