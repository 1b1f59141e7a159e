// Walking the batches of a `.log` file without decoding records: read a window of the file, parse 61-byte
// batch headers in memory, skip by `12 + batchLength`, refill the window when a header (or, for CRC
// checks, a whole batch) crosses its end. One read per window, not one per batch.

import fs from 'node:fs';
import {
  BATCH_LENGTH_OFFSET,
  HEADER_SIZE_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_VALUE_V2,
  MIN_BATCH_LENGTH,
  RECORD_BATCH_OVERHEAD,
  readRecordBatchHeader,
  type RecordBatchHeader,
} from '../../client/protocol/records/record-batch.ts';

/** Why a scan stopped before `end`. */
export type ScanStop =
  /** Reached `end` on a batch boundary. */
  | 'end'
  /** The visitor asked to stop. */
  | 'visitor'
  /** Fewer bytes left than the next batch needs: a torn write at the tail. */
  | 'partial'
  /** The next batch header is impossible (magic ≠ 2, batchLength below a v2 header). */
  | 'invalid';

export interface ScanResult {
  stop: ScanStop;
  /** Where the scan stopped: `end`, the start of the batch the visitor stopped on, or of the bad batch. */
  position: number;
}

/** One window shared by the short scans of the read path (everything here is synchronous). */
const SHARED_WINDOW_SIZE = 16 * 1024;
let sharedWindow: Buffer | null = null;

export class FileBatchReader {
  private readonly fd: number;
  private readonly end: number;
  private window: Buffer;
  private windowStart = 0;
  private windowLength = 0;

  constructor(fd: number, end: number, windowSize = 64 * 1024) {
    this.fd = fd;
    this.end = end;
    this.window = Buffer.allocUnsafe(windowSize);
  }

  /**
   * A reader over the shared 16 KiB window, for scans that finish before any other scan starts (offset
   * translation, the next-offset scan). Saves an allocation per fetch.
   */
  static shared(fd: number, end: number): FileBatchReader {
    sharedWindow ??= Buffer.allocUnsafe(SHARED_WINDOW_SIZE);
    const reader = new FileBatchReader(fd, end, 0);
    reader.window = sharedWindow;
    return reader;
  }

  /**
   * Calls `visit` with the header of every whole batch from `start` until `end` (or until it returns
   * false). Header positions are file positions.
   */
  scan(start: number, visit: (header: RecordBatchHeader) => boolean): ScanResult {
    let position = start;
    while (position < this.end) {
      const remaining = this.end - position;
      if (remaining < HEADER_SIZE_UP_TO_MAGIC) return { stop: 'partial', position };
      const headerLength = Math.min(RECORD_BATCH_OVERHEAD, remaining);
      const at = this.ensure(position, headerLength);
      const view = new DataView(this.window.buffer, this.window.byteOffset, this.windowLength);
      const batchLength = view.getInt32(at + BATCH_LENGTH_OFFSET);
      const magic = view.getInt8(at + MAGIC_OFFSET);
      if (magic !== MAGIC_VALUE_V2 || batchLength < MIN_BATCH_LENGTH) return { stop: 'invalid', position };
      if (LOG_OVERHEAD + batchLength > remaining) return { stop: 'partial', position };
      const header = readRecordBatchHeader(this.window, at, view);
      header.position = position;
      if (!visit(header)) return { stop: 'visitor', position };
      position += header.sizeInBytes;
    }
    return { stop: 'end', position };
  }

  /** The bytes of one batch (a view into the window when it fits, else a fresh buffer). */
  batchBytes(header: RecordBatchHeader): Uint8Array {
    if (header.sizeInBytes > this.window.length) {
      const bytes = Buffer.allocUnsafe(header.sizeInBytes);
      readInto(this.fd, bytes, header.position);
      return bytes;
    }
    const at = this.ensure(header.position, header.sizeInBytes);
    return this.window.subarray(at, at + header.sizeInBytes);
  }

  /** Makes [position, position + length) available in the window; returns its index in the window. */
  private ensure(position: number, length: number): number {
    if (position >= this.windowStart && position + length <= this.windowStart + this.windowLength) {
      return position - this.windowStart;
    }
    const want = Math.min(this.window.length, this.end - position);
    this.windowStart = position;
    this.windowLength = readInto(this.fd, this.window.subarray(0, want), position);
    return 0;
  }
}

function readInto(fd: number, target: Uint8Array, position: number): number {
  let read = 0;
  while (read < target.length) {
    const n = fs.readSync(fd, target, read, target.length - read, position + read);
    if (n === 0) break;
    read += n;
  }
  return read;
}
