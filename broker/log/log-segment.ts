// LogSegment: one `.log` file plus its `.index` and `.timeindex` (kafka-zk-era.md §4.1–4.6), named by
// the base offset. The `.log` holds record batches exactly as they were appended (offsets assigned), with
// no file header. The segment knows nothing about records: it moves whole batches.

import fs from 'node:fs';
import { assert } from '../../client/common/assert.ts';
import type { Crc32c, RecordCompression } from '../../client/protocol/records/codecs.ts';
import {
  computeBatchChecksum,
  lastOffsetOf,
  MAX_TIMESTAMP_OFFSET,
  nextOffsetOf,
  type RecordBatchHeader,
} from '../../client/protocol/records/record-batch.ts';
import { decodeRecords } from '../../client/protocol/records/records.ts';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import { FileBatchReader } from './file-batch-reader.ts';
import {
  DELETED_FILE_SUFFIX,
  logFileName,
  offsetIndexFileName,
  readFully,
  timeIndexFileName,
  type Time,
  writeFully,
} from './file-util.ts';
import { OffsetIndex } from './offset-index.ts';
import { TimeIndex } from './time-index.ts';

const NO_TIMESTAMP = -1n;
const INT32_MAX = 0x7fffffffn;

export interface LogSegmentOptions {
  dir: string;
  baseOffset: bigint;
  /** segment.index.bytes: preallocation of both index files. */
  maxIndexSize: number;
  /** index.interval.bytes. */
  indexIntervalBytes: number;
  /** This segment's share of segment.jitter.ms (0 … jitter), subtracted from segment.ms. */
  rollJitterMs: number;
  time: Time;
}

/** Where a batch is: its last offset, its byte position in the `.log`, and its size (Kafka's LogOffsetPosition). */
export interface LogOffsetPosition {
  offset: bigint;
  position: number;
  size: number;
}

export interface SegmentReadResult {
  /** Position of the first returned batch in the `.log`. */
  position: number;
  /** Whole batches; empty when nothing fits (see firstEntryIncomplete). */
  records: Uint8Array;
  /** The first batch was larger than maxSize and minOneMessage was off: nothing returned. */
  firstEntryIncomplete: boolean;
}

export interface RollParams {
  maxSegmentBytes: number;
  maxSegmentMs: number;
  messagesSize: number;
  maxTimestampInMessages: bigint;
  maxOffsetInMessages: bigint;
  now: number;
}

export interface RecoverOptions {
  crc32c: Crc32c;
  /** The leader epoch of the last batch before this segment (-1 = none): epochs never go down. */
  previousEpoch?: number;
  /** Called for each valid batch, in order (the Log rebuilds its leader-epoch cache here). */
  onBatch?: (header: RecordBatchHeader) => void;
}

export interface RecoverResult {
  /** Bytes cut off the end of the `.log` (0 = the whole segment was valid). */
  truncatedBytes: number;
  /** Why the scan stopped early, for the journal/logs; null when the segment was valid to its end. */
  reason: string | null;
  nextOffset: bigint;
  lastEpoch: number;
}

export class LogSegment {
  readonly baseOffset: bigint;
  readonly offsetIndex: OffsetIndex;
  readonly timeIndex: TimeIndex;
  private logFile: string;
  private fd: number | null;
  private _size: number;
  private readonly indexIntervalBytes: number;
  private readonly rollJitterMs: number;
  private readonly time: Time;
  private bytesSinceLastIndexEntry = 0;
  private _maxTimestampSoFar: bigint;
  private _offsetOfMaxTimestampSoFar: bigint;
  /** maxTimestamp of the first batch (time-based roll); null = not known yet, -1 = no timestamp. */
  private rollingBasedTimestamp: bigint | null = null;
  private created: number;
  private _nextOffset: bigint | null = null;

  private constructor(options: LogSegmentOptions, fd: number) {
    this.baseOffset = options.baseOffset;
    this.logFile = logFileName(options.dir, options.baseOffset);
    this.fd = fd;
    this._size = fs.fstatSync(fd).size;
    this.indexIntervalBytes = options.indexIntervalBytes;
    this.rollJitterMs = options.rollJitterMs;
    this.time = options.time;
    this.created = options.time.milliseconds();
    this.offsetIndex = new OffsetIndex(
      offsetIndexFileName(options.dir, options.baseOffset),
      options.baseOffset,
      options.maxIndexSize,
    );
    this.timeIndex = new TimeIndex(
      timeIndexFileName(options.dir, options.baseOffset),
      options.baseOffset,
      options.maxIndexSize,
    );
    const last = this.timeIndex.lastEntry;
    this._maxTimestampSoFar = last.timestamp;
    this._offsetOfMaxTimestampSoFar = last.offset;
  }

  /** Creates a new, empty segment (its files must not exist yet). */
  static create(options: LogSegmentOptions): LogSegment {
    const file = logFileName(options.dir, options.baseOffset);
    let fd: number;
    try {
      fd = fs.openSync(file, 'wx+');
    } catch (error) {
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot create segment', {
        path: file,
        cause: error,
      });
    }
    const segment = new LogSegment(options, fd);
    segment._nextOffset = options.baseOffset;
    segment.rollingBasedTimestamp = null;
    return segment;
  }

  /** Opens an existing segment's files (missing index files are created empty). */
  static open(options: LogSegmentOptions): LogSegment {
    const file = logFileName(options.dir, options.baseOffset);
    let fd: number;
    try {
      fd = fs.openSync(file, 'r+');
    } catch (error) {
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot open segment', { path: file, cause: error });
    }
    return new LogSegment(options, fd);
  }

  get file(): string {
    return this.logFile;
  }

  /** Bytes in the `.log`. */
  get size(): number {
    return this._size;
  }

  get maxTimestampSoFar(): bigint {
    return this._maxTimestampSoFar;
  }

  get offsetOfMaxTimestampSoFar(): bigint {
    return this._offsetOfMaxTimestampSoFar;
  }

  /** For retention: the largest record timestamp, or the file's mtime when no batch carried one. */
  get largestTimestamp(): number {
    if (this._maxTimestampSoFar >= 0n) return Number(this._maxTimestampSoFar);
    return this.lastModified;
  }

  get lastModified(): number {
    return Math.floor(fs.fstatSync(this.requireFd()).mtimeMs);
  }

  /** Do the index files look right for a `.log` of this size? If not, the caller rebuilds them (recover). */
  indexesLookSane(): boolean {
    if (this._size > 0 && (this.offsetIndex.newlyCreated || this.timeIndex.newlyCreated)) return false;
    if (this.offsetIndex.hadJunk || this.timeIndex.hadJunk) return false;
    if (!this.offsetIndex.isConsistentWith(this._size) || !this.timeIndex.isConsistentWith()) return false;
    // Entries must point at offsets the `.log` holds.
    const nextOffset = this.readNextOffset();
    if (this.offsetIndex.entries > 0 && this.offsetIndex.lastOffset >= nextOffset) return false;
    if (this.timeIndex.entries > 0 && this.timeIndex.lastEntry.offset >= nextOffset) return false;
    return true;
  }

  /** Can `offset` be stored relative to this segment's base as an int32? */
  canConvertToRelativeOffset(offset: bigint): boolean {
    const relative = offset - this.baseOffset;
    return relative >= 0n && relative <= INT32_MAX;
  }

  /**
   * Appends batches (already validated, offsets assigned) in ONE write at the end of the `.log`, and adds
   * an index entry when more than index.interval.bytes were written since the last one:
   * (largestOffset → position where this append starts), plus a time-index entry if the max grew.
   */
  append(
    largestOffset: bigint,
    largestTimestamp: bigint,
    shallowOffsetOfMaxTimestamp: bigint,
    records: Uint8Array,
  ): void {
    if (records.length === 0) return;
    assert(
      this.canConvertToRelativeOffset(largestOffset),
      `offset ${largestOffset} does not fit segment ${this.baseOffset}`,
    );
    const physicalPosition = this._size;
    if (physicalPosition === 0) {
      this.rollingBasedTimestamp = new DataView(
        records.buffer,
        records.byteOffset,
        records.byteLength,
      ).getBigInt64(MAX_TIMESTAMP_OFFSET);
    }
    const fd = this.requireFd();
    try {
      writeFully(fd, records, physicalPosition);
    } catch (error) {
      // Take back a partial write so the file still ends on a batch boundary, then report the failure.
      try {
        fs.ftruncateSync(fd, physicalPosition);
      } catch {
        // The disk is failing; the original error says why. Recovery cuts any torn tail at the next start.
      }
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, `append of ${records.length} bytes failed`, {
        path: this.logFile,
        cause: error,
      });
    }
    this._size += records.length;
    if (largestTimestamp > this._maxTimestampSoFar) {
      this._maxTimestampSoFar = largestTimestamp;
      this._offsetOfMaxTimestampSoFar = shallowOffsetOfMaxTimestamp;
    }
    if (this.bytesSinceLastIndexEntry > this.indexIntervalBytes) {
      this.offsetIndex.append(largestOffset, physicalPosition);
      this.timeIndex.maybeAppend(this._maxTimestampSoFar, this._offsetOfMaxTimestampSoFar);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += records.length;
    this._nextOffset = largestOffset + 1n;
  }

  /**
   * The first batch whose last offset is ≥ `offset`, scanning headers from `startingFilePosition` (an
   * offset-index floor position), or null if the segment holds no such batch.
   */
  translateOffset(offset: bigint, startingFilePosition = 0): LogOffsetPosition | null {
    let found: LogOffsetPosition | null = null;
    this.reader().scan(startingFilePosition, (header) => {
      if (lastOffsetOf(header) >= offset) {
        found = { offset: lastOffsetOf(header), position: header.position, size: header.sizeInBytes };
        return false;
      }
      return true;
    });
    return found;
  }

  /**
   * Reads whole batches starting with the one that holds `startOffset`, at most `maxSize` bytes and never
   * past `maxPosition`. With `minOneMessage` the first batch is returned even if larger than maxSize
   * (KIP-74). Null when no batch in this segment has an offset ≥ startOffset.
   */
  read(
    startOffset: bigint,
    maxSize: number,
    maxPosition = this._size,
    minOneMessage = false,
  ): SegmentReadResult | null {
    assert(maxSize >= 0, `invalid max size ${maxSize}`);
    const start = this.translateOffset(startOffset, this.offsetIndex.lookup(startOffset).position);
    if (start === null) return null;
    const adjustedMaxSize = minOneMessage ? Math.max(maxSize, start.size) : maxSize;
    const fetchSize = Math.min(maxPosition - start.position, adjustedMaxSize);
    if (fetchSize < start.size) {
      // Nothing whole fits: maxSize below the first batch (without minOneMessage), or the upper bound
      // (high watermark) falls inside it.
      return {
        position: start.position,
        records: new Uint8Array(0),
        firstEntryIncomplete: adjustedMaxSize < start.size,
      };
    }
    const bytes = readFully(this.requireFd(), start.position, fetchSize);
    return {
      position: start.position,
      records: wholeBatchesPrefix(bytes, this.logFile, start.position),
      firstEntryIncomplete: false,
    };
  }

  /** The offset after the last batch (the base offset when empty). */
  readNextOffset(): bigint {
    if (this._nextOffset === null) {
      let next = this.baseOffset;
      this.reader().scan(this.offsetIndex.lastEntry.position, (header) => {
        next = nextOffsetOf(header);
        return true;
      });
      this._nextOffset = next;
    }
    return this._nextOffset;
  }

  /**
   * Finds the first record with timestamp ≥ `timestamp` and offset ≥ `startingOffset` (ListOffsets by
   * time): time-index floor → offset-index floor → scan batches whose maxTimestamp reaches the target →
   * decode that batch's records. Null if there is none in this segment.
   */
  findOffsetByTimestamp(
    timestamp: bigint,
    startingOffset: bigint,
    compression: RecordCompression | undefined,
  ): { timestamp: bigint; offset: bigint; leaderEpoch: number } | null {
    const timestampOffset = this.timeIndex.lookup(timestamp);
    const from = timestampOffset.offset > startingOffset ? timestampOffset.offset : startingOffset;
    const position = this.offsetIndex.lookup(from).position;
    const reader = this.reader();
    let result: { timestamp: bigint; offset: bigint; leaderEpoch: number } | null = null;
    reader.scan(position, (header) => {
      if (header.maxTimestamp < timestamp || lastOffsetOf(header) < startingOffset) return true;
      const bytes = reader.batchBytes(header);
      const local = { ...header, position: 0 };
      for (const record of decodeRecords(bytes, local, compression)) {
        if (record.timestamp >= timestamp && record.offset >= startingOffset) {
          result = {
            timestamp: record.timestamp,
            offset: record.offset,
            leaderEpoch: header.partitionLeaderEpoch,
          };
          return false;
        }
      }
      return true;
    });
    return result;
  }

  /**
   * Rebuilds the indexes by reading every batch, validating it (whole, magic 2, CRC-32C, offsets
   * contiguous from the base offset, relative offsets within int32, leader epochs never decreasing), and
   * truncates the `.log` at the first invalid batch. Index entries follow the same 4096-byte spacing rule
   * as appends. Returns how many bytes were cut.
   */
  recover(options: RecoverOptions): RecoverResult {
    this.offsetIndex.reset();
    this.timeIndex.reset();
    let validBytes = 0;
    let lastIndexEntry = 0;
    let maxTimestamp = NO_TIMESTAMP;
    let offsetOfMaxTimestamp = this.baseOffset;
    let expectedOffset = this.baseOffset;
    let lastEpoch = options.previousEpoch ?? -1;
    let reason: string | null = null;
    const reader = new FileBatchReader(this.requireFd(), this._size, 1024 * 1024);
    const scan = reader.scan(0, (header) => {
      const where = `batch at byte ${header.position}`;
      if (
        computeBatchChecksum(reader.batchBytes(header), 0, header.sizeInBytes, options.crc32c) !== header.crc
      ) {
        reason = `${where}: CRC-32C mismatch`;
        return false;
      }
      if (header.baseOffset !== expectedOffset) {
        reason = `${where}: baseOffset ${header.baseOffset}, expected ${expectedOffset}`;
        return false;
      }
      if (header.lastOffsetDelta < 0 || !this.canConvertToRelativeOffset(lastOffsetOf(header))) {
        reason = `${where}: lastOffsetDelta ${header.lastOffsetDelta} out of range`;
        return false;
      }
      if (header.partitionLeaderEpoch >= 0) {
        if (header.partitionLeaderEpoch < lastEpoch) {
          reason = `${where}: leader epoch ${header.partitionLeaderEpoch} after epoch ${lastEpoch}`;
          return false;
        }
        lastEpoch = header.partitionLeaderEpoch;
      }
      const lastOffset = lastOffsetOf(header);
      if (header.maxTimestamp > maxTimestamp) {
        maxTimestamp = header.maxTimestamp;
        offsetOfMaxTimestamp = lastOffset;
      }
      if (validBytes - lastIndexEntry > this.indexIntervalBytes) {
        this.offsetIndex.append(lastOffset, validBytes);
        this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        lastIndexEntry = validBytes;
      }
      validBytes += header.sizeInBytes;
      expectedOffset = lastOffset + 1n;
      options.onBatch?.(header);
      return true;
    });
    if (scan.stop === 'partial') reason = `torn batch at byte ${scan.position}`;
    if (scan.stop === 'invalid') reason = `invalid batch header at byte ${scan.position}`;
    const truncatedBytes = this._size - validBytes;
    if (truncatedBytes > 0) {
      fs.ftruncateSync(this.requireFd(), validBytes);
      this._size = validBytes;
    }
    this._maxTimestampSoFar = maxTimestamp;
    this._offsetOfMaxTimestampSoFar = offsetOfMaxTimestamp;
    this.timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp, true);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
    this.bytesSinceLastIndexEntry = validBytes - lastIndexEntry;
    this._nextOffset = expectedOffset;
    this.rollingBasedTimestamp = null;
    return {
      truncatedBytes,
      reason: truncatedBytes > 0 ? reason : null,
      nextOffset: expectedOffset,
      lastEpoch,
    };
  }

  /**
   * Removes every batch whose last offset is ≥ `offset` — whole batches, so a batch holding `offset` goes
   * entirely — and the index entries pointing at them. Returns the bytes removed. The indexes grow back
   * to full size (the segment is, or becomes, the active one).
   */
  truncateTo(offset: bigint): number {
    const mapping = this.translateOffset(offset, this.offsetIndex.lookup(offset).position);
    this.offsetIndex.truncateTo(offset);
    this.timeIndex.truncateTo(offset);
    this.offsetIndex.resizeToMax();
    this.timeIndex.resizeToMax();
    if (mapping === null) return 0;
    const removed = this._size - mapping.position;
    fs.ftruncateSync(this.requireFd(), mapping.position);
    this._size = mapping.position;
    this._nextOffset = null;
    this.rollingBasedTimestamp = null;
    // Recompute the max timestamp: the last time-index entry, then the batches after the last offset entry.
    const last = this.timeIndex.lastEntry;
    this._maxTimestampSoFar = last.timestamp;
    this._offsetOfMaxTimestampSoFar = last.offset;
    const from = this.offsetIndex.lastEntry.position;
    this.reader().scan(from, (header) => {
      if (header.maxTimestamp > this._maxTimestampSoFar) {
        this._maxTimestampSoFar = header.maxTimestamp;
        this._offsetOfMaxTimestampSoFar = lastOffsetOf(header);
      }
      return true;
    });
    this.bytesSinceLastIndexEntry = this._size - from;
    return removed;
  }

  /** Should the log roll before appending these messages here? (size, time, index full, offset overflow) */
  shouldRoll(params: RollParams): boolean {
    const reachedRollMs =
      this.timeWaitedForRoll(params.now, params.maxTimestampInMessages) >
      params.maxSegmentMs - this.rollJitterMs;
    return (
      this._size > params.maxSegmentBytes - params.messagesSize ||
      (this._size > 0 && reachedRollMs) ||
      this.offsetIndex.isFull() ||
      this.timeIndex.isFull() ||
      !this.canConvertToRelativeOffset(params.maxOffsetInMessages)
    );
  }

  /** Age for segment.ms: by the first batch's max timestamp if it has one, else by wall-clock since creation. */
  timeWaitedForRoll(now: number, messageTimestamp: bigint): number {
    if (this.rollingBasedTimestamp === null && this._size > 0) {
      const bytes = readFully(this.requireFd(), MAX_TIMESTAMP_OFFSET, 8);
      this.rollingBasedTimestamp = bytes.length === 8 ? bytes.readBigInt64BE(0) : NO_TIMESTAMP;
    }
    if (this.rollingBasedTimestamp !== null && this.rollingBasedTimestamp >= 0n) {
      return Number(messageTimestamp - this.rollingBasedTimestamp);
    }
    return now - this.created;
  }

  /** The segment stops being active: final time-index entry, indexes trimmed to their entries. */
  onBecomeInactiveSegment(): void {
    this.timeIndex.maybeAppend(this._maxTimestampSoFar, this._offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.trimToValidSize();
    this.timeIndex.trimToValidSize();
  }

  /** Grows the index files back to segment.index.bytes (this segment is the active one). */
  resizeIndexes(maxIndexSize: number): void {
    this.offsetIndex.resizeToMax(maxIndexSize);
    this.timeIndex.resizeToMax(maxIndexSize);
  }

  /** fsync the `.log` and both indexes. */
  flush(): void {
    fs.fdatasyncSync(this.requireFd());
    this.offsetIndex.flush();
    this.timeIndex.flush();
  }

  /** Clean close: final time-index entry, trimmed indexes, files closed. */
  close(): void {
    if (this.fd === null) return;
    this.timeIndex.maybeAppend(this._maxTimestampSoFar, this._offsetOfMaxTimestampSoFar, true);
    this.offsetIndex.close();
    this.timeIndex.close();
    fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Closes the descriptors and nothing else: what a crash leaves behind. */
  closeHandlers(): void {
    this.offsetIndex.closeHandler();
    this.timeIndex.closeHandler();
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  /** Renames the three files to `<name>.deleted`, then removes them (Kafka waits file.delete.delay.ms). */
  delete(): void {
    this.closeHandlers();
    for (const file of [this.logFile, this.offsetIndex.file, this.timeIndex.file]) {
      try {
        fs.renameSync(file, file + DELETED_FILE_SUFFIX);
        fs.unlinkSync(file + DELETED_FILE_SUFFIX);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
          throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot delete segment file', {
            path: file,
            cause: error,
          });
        }
      }
    }
  }

  /** A reader over the shared window: its scans must not start another scan from inside a callback. */
  private reader(): FileBatchReader {
    return FileBatchReader.shared(this.requireFd(), this._size);
  }

  private requireFd(): number {
    if (this.fd === null)
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_CLOSED, 'segment is closed', { path: this.logFile });
    return this.fd;
  }

  toString(): string {
    return `LogSegment(baseOffset=${this.baseOffset}, size=${this._size})`;
  }
}

/**
 * The longest prefix of `bytes` made of whole batches. Every header is checked for sanity on the way
 * (magic 2, plausible length); an impossible header in stored data is corruption and is never served.
 */
function wholeBatchesPrefix(bytes: Uint8Array, file: string, filePosition: number): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  while (position + 17 <= bytes.length) {
    const batchLength = view.getInt32(position + 8);
    const magic = view.getInt8(position + 16);
    if (magic !== 2 || batchLength < 49) {
      throw new LogError(
        LOG_ERROR_CODES.KZ_ERR_LOG_CORRUPT,
        `invalid batch header at byte ${filePosition + position}`,
        { path: file },
      );
    }
    if (position + 12 + batchLength > bytes.length) break;
    position += 12 + batchLength;
  }
  return bytes.subarray(0, position);
}
