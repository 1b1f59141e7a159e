// What OffsetIndex and TimeIndex share (Kafka's AbstractIndex): a file of fixed-size big-endian entries,
// no header, no checksum. The file of the ACTIVE segment is preallocated to `segment.index.bytes`
// (rounded down to a whole number of entries) — a sparse file, so it costs no disk — and trimmed to its
// real size when the segment is rolled or the log closed. `maxEntries` follows the file length, so a
// trimmed (inactive) index is "full".
//
// Kafka memory-maps the file. Node cannot, so we keep the entries in memory (growing typed arrays, a few
// MiB at most for a 1 GiB segment) and write each new entry through to the file at its slot with one
// positional write: a learner inspecting a running broker's .index sees what Kafka's would hold.

import fs from 'node:fs';
import { assert } from '../../client/common/assert.ts';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import { readFully } from './file-util.ts';

export abstract class AbstractIndex {
  readonly baseOffset: bigint;
  protected _file: string;
  protected fd: number | null;
  protected _entries = 0;
  /** Current file length in bytes. */
  protected length: number;
  /** The preallocation target (segment.index.bytes rounded down to whole entries). */
  protected maxIndexSize: number;
  /** The file did not exist and was created by this open (Kafka rebuilds such an index for a non-empty log). */
  readonly newlyCreated: boolean;

  abstract readonly entrySize: number;

  /**
   * Opens (creating and preallocating if new) the index file. Existing files keep their length; their
   * entries are loaded by the subclass through `loadEntries`.
   */
  protected constructor(file: string, baseOffset: bigint, maxIndexSize: number, entrySize: number) {
    this.baseOffset = baseOffset;
    this._file = file;
    let newlyCreated = false;
    try {
      this.fd = fs.openSync(file, 'wx+');
      newlyCreated = true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST')
        throw ioError('cannot create index', file, error);
      this.fd = fs.openSync(file, 'r+');
    }
    this.maxIndexSize = roundDown(maxIndexSize, entrySize);
    this.newlyCreated = newlyCreated;
    if (newlyCreated) {
      fs.ftruncateSync(this.fd, this.maxIndexSize);
      this.length = this.maxIndexSize;
    } else {
      this.length = fs.fstatSync(this.fd).size;
    }
  }

  get file(): string {
    return this._file;
  }

  get entries(): number {
    return this._entries;
  }

  /** Entry slots in the file as it is now (a trimmed index is full). */
  get maxEntries(): number {
    return Math.floor(this.length / this.entrySize);
  }

  isFull(): boolean {
    return this._entries >= this.maxEntries;
  }

  /** Bytes of valid entries. */
  get sizeInBytes(): number {
    return this._entries * this.entrySize;
  }

  /**
   * Feeds the file's entries to `accept` in order until it returns false (a newly created file has none).
   * Reads in chunks, so a preallocated 10 MiB file left by a crash costs only the chunks up to its last
   * entry. Returns whether bytes right after the accepted entries (in the same chunk) are not all zero:
   * leftovers a clean index never has.
   */
  protected loadEntries(accept: (view: DataView, at: number) => boolean): boolean {
    if (this.newlyCreated) return false;
    const fd = this.requireFd();
    const end = roundDown(this.length, this.entrySize);
    const chunkSize = this.entrySize * 8192;
    for (let start = 0; start < end; start += chunkSize) {
      const chunk = readFully(fd, start, Math.min(chunkSize, end - start));
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      for (let at = 0; at + this.entrySize <= chunk.length; at += this.entrySize) {
        if (!accept(view, at)) {
          for (let index = at; index < chunk.length; index++) if (chunk[index] !== 0) return true;
          return false;
        }
      }
    }
    return false;
  }

  /**
   * Sets the file length to `newSize` rounded down to whole entries (grow = preallocate, shrink = trim).
   * Returns whether anything changed.
   */
  resize(newSize: number): boolean {
    const rounded = roundDown(newSize, this.entrySize);
    assert(rounded >= this.sizeInBytes, `cannot resize ${this._file} below its ${this._entries} entries`);
    if (rounded === this.length) return false;
    fs.ftruncateSync(this.requireFd(), rounded);
    this.length = rounded;
    return true;
  }

  /** Grows back to segment.index.bytes (the segment became active again, e.g. after truncation). */
  resizeToMax(maxIndexSize = this.maxIndexSize): boolean {
    this.maxIndexSize = roundDown(maxIndexSize, this.entrySize);
    return this.resize(Math.max(this.maxIndexSize, this.sizeInBytes));
  }

  /** Trims the file to exactly its entries (on roll and close). */
  trimToValidSize(): void {
    this.resize(this.sizeInBytes);
  }

  /** Drops every entry and preallocates again (before a rebuild). */
  reset(): void {
    this.truncateToEntries(0);
    this.resizeToMax();
  }

  /**
   * Keeps the first `count` entries. The dropped slots are zeroed on disk (shrink, then grow back), so a
   * crash can never resurrect entries that point into truncated data.
   */
  protected truncateToEntries(count: number): void {
    if (count >= this._entries) return;
    this._entries = count;
    const fd = this.requireFd();
    fs.ftruncateSync(fd, count * this.entrySize);
    fs.ftruncateSync(fd, this.length);
    this.onTruncated(count);
  }

  protected abstract onTruncated(count: number): void;

  protected writeEntry(slot: number, bytes: Uint8Array): void {
    const fd = this.requireFd();
    let written = 0;
    while (written < bytes.length) {
      written += fs.writeSync(fd, bytes, written, bytes.length - written, slot * this.entrySize + written);
    }
  }

  flush(): void {
    fs.fsyncSync(this.requireFd());
  }

  /** Trims and closes (a clean close). */
  close(): void {
    if (this.fd === null) return;
    this.trimToValidSize();
    this.closeHandler();
  }

  /** Closes the file without trimming (crash simulation, offline log dir). */
  closeHandler(): void {
    if (this.fd === null) return;
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Renames the file (e.g. to `.deleted`); the descriptor stays valid. */
  renameTo(file: string): void {
    fs.renameSync(this._file, file);
    this._file = file;
  }

  deleteIfExists(): boolean {
    this.closeHandler();
    try {
      fs.unlinkSync(this._file);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
  }

  /** offset − baseOffset as an int32; throws if it does not fit (the caller should have rolled). */
  protected relativeOffset(offset: bigint): number {
    const relative = offset - this.baseOffset;
    assert(
      relative >= 0n && relative <= 0x7fffffffn,
      `offset ${offset} does not fit ${this._file} (base ${this.baseOffset})`,
    );
    return Number(relative);
  }

  protected requireFd(): number {
    if (this.fd === null)
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_CLOSED, 'index is closed', { path: this._file });
    return this.fd;
  }
}

export function roundDown(value: number, factor: number): number {
  return value - (value % factor);
}

function ioError(message: string, file: string, cause: unknown): LogError {
  return new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, message, { path: file, cause });
}

/** Doubles a typed array's capacity when full. */
export function grow<T extends Int32Array | BigInt64Array>(
  array: T,
  needed: number,
  make: (size: number) => T,
): T {
  if (needed <= array.length) return array;
  let size = Math.max(16, array.length);
  while (size < needed) size *= 2;
  const bigger = make(size);
  bigger.set(array as never);
  return bigger;
}
