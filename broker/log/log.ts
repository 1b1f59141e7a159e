// Log: one partition's replica on disk — the directory `<topic>-<partition>/` holding segments named by
// their base offset, plus `leader-epoch-checkpoint` (kafka-zk-era.md §4). What it does, in Kafka's terms:
//
//  * append: the leader validates a Produce's batches (CRC-32C, sizes, record rules), assigns offsets
//    LEO … by rewriting baseOffset in place, stamps the leader epoch, and writes the bytes with ONE write;
//    a follower appends the leader's batches untouched. No record is decoded on either path.
//  * roll: a new segment when the active one would pass segment.bytes, is older than segment.ms, has a
//    full index, or cannot hold the offsets as int32 deltas.
//  * read: whole batches from the one holding the fetch offset, up to maxBytes (at least one batch,
//    KIP-74) and never past an upper bound (the high watermark for consumers).
//  * ListOffsets: -2 earliest, -1 latest, or the first record with timestamp ≥ T.
//  * truncateTo (followers), retention (time, size, log start offset; whole segments only), flush.
//  * recovery on open after a crash: from the recovery point on, every batch is re-read and validated,
//    the indexes and the leader-epoch cache rebuilt, and a torn or corrupt tail cut off.
//
// Flushing follows Kafka's defaults: no fsync per append (flush.messages = flush.ms = ∞); a segment is
// fsynced when it is rolled, and `flush()` is there for callers (and tests) that want durability now.

import fs from 'node:fs';
import path from 'node:path';
import { assert } from '../../client/common/assert.ts';
import type { Crc32c, RecordCompression } from '../../client/protocol/records/codecs.ts';
import { RECORDS_ERROR_CODES, type RecordsErrorName } from '../../client/protocol/records/errors.ts';
import { validateRecordsForLeaderAppend } from '../../client/protocol/records/produce-validation.ts';
import {
  assignOffsets,
  lastOffsetOf,
  type RecordBatchHeader,
  setLogAppendTime,
  splitRecordBatches,
} from '../../client/protocol/records/record-batch.ts';
import { LEADER_EPOCH_CHECKPOINT_FILE, LeaderEpochCheckpointFile } from './checkpoint-file.ts';
import { LOG_ERROR_CODES, LogError } from './errors.ts';
import {
  CLEANED_FILE_SUFFIX,
  DELETED_FILE_SUFFIX,
  deleteIfExists,
  INDEX_FILE_SUFFIX,
  LOG_FILE_SUFFIX,
  offsetFromFileName,
  parseTopicPartitionName,
  SWAP_FILE_SUFFIX,
  SYSTEM_TIME,
  TEMP_FILE_SUFFIX,
  type Time,
  TIME_INDEX_FILE_SUFFIX,
  type TopicPartition,
  TXN_INDEX_FILE_SUFFIX,
} from './file-util.ts';
import { type EpochEndOffset, LeaderEpochFileCache } from './leader-epoch-cache.ts';
import { deletesOldSegments, type LogConfig } from './log-config.ts';
import { LogSegment, type LogSegmentOptions } from './log-segment.ts';
import { nativeCrc32c, nodeRecordCompression } from '../../client/node/native-codecs.ts';

/** ListOffsets sentinels. */
export const LATEST_TIMESTAMP = -1n;
export const EARLIEST_TIMESTAMP = -2n;

export interface LogOptions {
  /** The partition directory, `<log.dir>/<topic>-<partition>`; created if missing. */
  dir: string;
  config: LogConfig;
  /** Offset up to which the log is known to be flushed (recovery-point-offset-checkpoint). Default 0. */
  recoveryPoint?: bigint;
  /** From log-start-offset-checkpoint. Default 0 (then raised to the first segment's base offset). */
  logStartOffset?: bigint;
  /** `.kafka_cleanshutdown` was present: skip recovery. Default false (recover from the recovery point). */
  hadCleanShutdown?: boolean;
  /** CRC-32C for validation and recovery. Default: @node-rs/crc32 (native). */
  crc32c?: Crc32c;
  /** Decompression for ListOffsets-by-timestamp inside compressed batches. Default: node:zlib (gzip, zstd). */
  compression?: RecordCompression;
  time?: Time;
  /** Randomness for segment.jitter.ms (default Math.random). */
  random?: () => number;
}

export interface LogAppendInfo {
  firstOffset: bigint;
  lastOffset: bigint;
  /** Largest batch maxTimestamp in the append (the append time for LogAppendTime topics). */
  maxTimestamp: bigint;
  /** Last offset of the batch carrying maxTimestamp (Kafka's "shallow" offset of the max timestamp). */
  offsetOfMaxTimestamp: bigint;
  /** The broker time stamped into the batches for LogAppendTime topics, else -1. */
  logAppendTime: bigint;
  logStartOffset: bigint;
  recordCount: number;
  batchCount: number;
  /** Bytes written to the `.log`. */
  validBytes: number;
  /** Whether this append rolled a new segment first (for the journal). */
  rolled: boolean;
}

/** Why an append was refused. Kafka error names where one exists; the follower-only cases are internal. */
export type LogAppendErrorName =
  | RecordsErrorName
  /** A follower's fetched batches do not start at its log end offset. */
  | 'UNEXPECTED_APPEND_OFFSET'
  /** A follower's fetched batches are not contiguous. */
  | 'OFFSETS_OUT_OF_ORDER';

export interface LogAppendError {
  error: LogAppendErrorName;
  /** The Kafka error code, or -1 for the internal cases. */
  errorCode: number;
  message: string;
}

export type LogAppendResult = { ok: true; info: LogAppendInfo } | { ok: false; error: LogAppendError };

export interface LogOffsets {
  logStartOffset: bigint;
  logEndOffset: bigint;
  highWatermark: bigint;
}

export type LogReadResult =
  | (LogOffsets & {
      error: null;
      /** Whole batches (possibly starting before the fetch offset: consumers skip the earlier records). */
      records: Uint8Array;
      /** The first batch did not fit maxBytes and minOneMessage was off. */
      firstEntryIncomplete: boolean;
    })
  | (LogOffsets & { error: 'OFFSET_OUT_OF_RANGE'; errorCode: 1 });

export interface LogReadOptions {
  maxBytes: number;
  /** Exclusive upper bound: the high watermark for consumers, the log end offset (default) for followers. */
  maxOffset?: bigint;
  /** KIP-74: return the first batch whole even if it is larger than maxBytes. Default true. */
  minOneMessage?: boolean;
}

export interface TimestampAndOffset {
  timestamp: bigint;
  offset: bigint;
  /** Leader epoch of the batch (ListOffsets v4+), -1 when unknown. */
  leaderEpoch: number;
}

/** What happened when the log was opened (for the broker's logs and the teaching journal). */
export interface LogLoadReport {
  segments: number;
  /** Segments whose index files were missing or inconsistent and were rebuilt from the `.log`. */
  rebuiltIndexes: bigint[];
  /** Segments re-read because the last shutdown was not clean. */
  recoveredSegments: bigint[];
  /** Bytes cut off a torn or corrupt tail. */
  truncatedBytes: number;
  /** Why the tail was cut (the first invalid batch), or null. */
  truncationReason: string | null;
  /** Segments after the corrupt one, deleted. */
  deletedSegments: bigint[];
  /** Leftover files removed (.deleted, .cleaned, .swap, .tmp, index files without a .log). */
  removedFiles: string[];
}

export class Log {
  readonly dir: string;
  readonly topicPartition: TopicPartition;
  readonly leaderEpochCache: LeaderEpochFileCache;
  readonly loadReport: LogLoadReport;
  private _config: LogConfig;
  private readonly crc32c: Crc32c;
  private readonly compression: RecordCompression;
  private readonly time: Time;
  private readonly random: () => number;
  private segments: LogSegment[] = [];
  private _logStartOffset: bigint;
  private _logEndOffset = 0n;
  private _recoveryPoint: bigint;
  private _highWatermark = 0n;
  private unflushedMessages = 0;
  private lastFlushedTime: number;
  private closed = false;
  /** Cached byte position of an upper-bound offset (the high watermark changes much less than fetches come). */
  private upperBoundCache: { offset: bigint; segment: LogSegment; position: number } | null = null;

  private constructor(options: LogOptions) {
    this.dir = path.resolve(options.dir);
    this.topicPartition = parseTopicPartitionName(path.basename(this.dir));
    this._config = options.config;
    this.crc32c = options.crc32c ?? nativeCrc32c;
    this.compression = options.compression ?? nodeRecordCompression;
    this.time = options.time ?? SYSTEM_TIME;
    this.random = options.random ?? Math.random;
    this._logStartOffset = options.logStartOffset ?? 0n;
    this._recoveryPoint = options.recoveryPoint ?? 0n;
    this.lastFlushedTime = this.time.milliseconds();
    fs.mkdirSync(this.dir, { recursive: true });
    this.leaderEpochCache = new LeaderEpochFileCache(
      new LeaderEpochCheckpointFile(path.join(this.dir, LEADER_EPOCH_CHECKPOINT_FILE)),
    );
    this.loadReport = {
      segments: 0,
      rebuiltIndexes: [],
      recoveredSegments: [],
      truncatedBytes: 0,
      truncationReason: null,
      deletedSegments: [],
      removedFiles: [],
    };
    this.load(options.hadCleanShutdown ?? false);
  }

  /** Opens (or creates) the log in `options.dir`, recovering it if the last shutdown was not clean. */
  static open(options: LogOptions): Log {
    return new Log(options);
  }

  get config(): LogConfig {
    return this._config;
  }

  /** Dynamic topic config change (e.g. retention.ms altered): applies to the next append/roll/retention run. */
  updateConfig(config: LogConfig): void {
    this._config = config;
  }

  get logStartOffset(): bigint {
    return this._logStartOffset;
  }

  /** LEO: the offset the next appended record gets. */
  get logEndOffset(): bigint {
    return this._logEndOffset;
  }

  get recoveryPoint(): bigint {
    return this._recoveryPoint;
  }

  get highWatermark(): bigint {
    return this._highWatermark;
  }

  /** Total bytes of all segments. */
  get size(): number {
    let size = 0;
    for (const segment of this.segments) size += segment.size;
    return size;
  }

  get numberOfSegments(): number {
    return this.segments.length;
  }

  get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1];
  }

  /** The segments, oldest first (read-only view for inspection and the dashboard). */
  logSegments(): readonly LogSegment[] {
    return this.segments;
  }

  get name(): string {
    return path.basename(this.dir);
  }

  // -------------------------------------------------------------------------------------------------------
  // Append

  /**
   * Leader append: validates `records` (one Produce partition's blob), assigns offsets from the log end
   * offset and stamps `leaderEpoch` IN PLACE in `records`, then writes it with one write. Protocol problems
   * come back as data (CORRUPT_MESSAGE, MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, …); disk failures throw.
   */
  appendAsLeader(
    records: Uint8Array,
    leaderEpoch: number,
    options: { origin?: 'client' | 'coordinator'; produceVersion?: number } = {},
  ): LogAppendResult {
    this.ensureOpen();
    const validation = validateRecordsForLeaderAppend(records, {
      crc32c: this.crc32c,
      maxMessageBytes: this._config.maxMessageBytes,
      ...(options.origin === undefined ? {} : { origin: options.origin }),
      ...(options.produceVersion === undefined ? {} : { produceVersion: options.produceVersion }),
    });
    if (!validation.ok) {
      const { error, errorCode, message } = validation.error;
      return { ok: false, error: { error, errorCode, message } };
    }
    if (validation.batches.length === 0) return { ok: true, info: this.emptyAppendInfo() };
    const tooLarge = this.checkSegmentFits(records.length);
    if (tooLarge !== null) return tooLarge;

    const firstOffset = this._logEndOffset;
    assignOffsets(records, validation.batches, firstOffset, leaderEpoch);
    let logAppendTime = -1n;
    if (this._config.messageTimestampType === 'LogAppendTime') {
      logAppendTime = BigInt(this.time.milliseconds());
      for (const batch of validation.batches) setLogAppendTime(records, batch, logAppendTime, this.crc32c);
    }
    return { ok: true, info: this.appendBatches(records, validation.batches, logAppendTime) };
  }

  /**
   * Follower append: the leader's batches, stored untouched. They must be whole, CRC-valid and start
   * exactly at this log's end offset with contiguous offsets.
   */
  appendAsFollower(records: Uint8Array): LogAppendResult {
    this.ensureOpen();
    const split = splitRecordBatches(records, { crc32c: this.crc32c });
    if (!split.ok) {
      const name: RecordsErrorName =
        split.problem.kind === 'UNSUPPORTED_MAGIC' ? 'UNSUPPORTED_FOR_MESSAGE_FORMAT' : 'CORRUPT_MESSAGE';
      return {
        ok: false,
        error: { error: name, errorCode: RECORDS_ERROR_CODES[name], message: split.problem.message },
      };
    }
    const batches = split.batches;
    if (batches.length === 0) return { ok: true, info: this.emptyAppendInfo() };
    if (batches[0].baseOffset !== this._logEndOffset) {
      return internalError(
        'UNEXPECTED_APPEND_OFFSET',
        `first offset ${batches[0].baseOffset} is not the log end offset ${this._logEndOffset} of ${this.name}`,
      );
    }
    for (let index = 1; index < batches.length; index++) {
      const expected = lastOffsetOf(batches[index - 1]) + 1n;
      if (batches[index].baseOffset !== expected) {
        return internalError(
          'OFFSETS_OUT_OF_ORDER',
          `batch ${index} starts at ${batches[index].baseOffset}, expected ${expected}`,
        );
      }
    }
    const tooLarge = this.checkSegmentFits(records.length);
    if (tooLarge !== null) return tooLarge;
    return { ok: true, info: this.appendBatches(records, batches, -1n) };
  }

  private checkSegmentFits(size: number): LogAppendResult | null {
    if (size <= this._config.segmentBytes) return null;
    return {
      ok: false,
      error: {
        error: 'RECORD_LIST_TOO_LARGE',
        errorCode: RECORDS_ERROR_CODES.RECORD_LIST_TOO_LARGE,
        message: `${size} bytes of records exceed segment.bytes ${this._config.segmentBytes}`,
      },
    };
  }

  /** The shared tail of both appends: maybe roll, epoch cache, one write, offsets, flush policy. */
  private appendBatches(
    records: Uint8Array,
    batches: RecordBatchHeader[],
    logAppendTime: bigint,
  ): LogAppendInfo {
    const firstOffset = batches[0].baseOffset;
    const lastOffset = lastOffsetOf(batches[batches.length - 1]);
    let maxTimestamp = -1n;
    let offsetOfMaxTimestamp = firstOffset;
    let recordCount = 0;
    for (const batch of batches) {
      recordCount += batch.recordCount;
      if (batch.maxTimestamp > maxTimestamp) {
        maxTimestamp = batch.maxTimestamp;
        offsetOfMaxTimestamp = lastOffsetOf(batch);
      }
    }
    const before = this.activeSegment;
    const segment = this.maybeRoll(records.length, maxTimestamp, firstOffset, lastOffset);
    // The epoch cache is updated before the data is written, as Kafka does: the checkpoint never misses
    // an epoch that the log holds.
    for (const batch of batches) this.leaderEpochCache.assign(batch.partitionLeaderEpoch, batch.baseOffset);
    segment.append(lastOffset, maxTimestamp, offsetOfMaxTimestamp, records);
    this._logEndOffset = lastOffset + 1n;
    this.unflushedMessages += recordCount;
    if (this.unflushedMessages >= this._config.flushMessages) this.flush();
    return {
      firstOffset,
      lastOffset,
      maxTimestamp,
      offsetOfMaxTimestamp,
      logAppendTime,
      logStartOffset: this._logStartOffset,
      recordCount,
      batchCount: batches.length,
      validBytes: records.length,
      rolled: segment !== before,
    };
  }

  private emptyAppendInfo(): LogAppendInfo {
    return {
      firstOffset: this._logEndOffset,
      lastOffset: this._logEndOffset - 1n,
      maxTimestamp: -1n,
      offsetOfMaxTimestamp: -1n,
      logAppendTime: -1n,
      logStartOffset: this._logStartOffset,
      recordCount: 0,
      batchCount: 0,
      validBytes: 0,
      rolled: false,
    };
  }

  private maybeRoll(
    messagesSize: number,
    maxTimestamp: bigint,
    firstOffset: bigint,
    lastOffset: bigint,
  ): LogSegment {
    const segment = this.activeSegment;
    const roll = segment.shouldRoll({
      maxSegmentBytes: this._config.segmentBytes,
      maxSegmentMs: this._config.segmentMs,
      messagesSize,
      maxTimestampInMessages: maxTimestamp,
      maxOffsetInMessages: lastOffset,
      now: this.time.milliseconds(),
    });
    return roll ? this.roll(firstOffset) : segment;
  }

  /**
   * Starts a new active segment at max(expectedNextOffset, LEO): the old one gets its final time-index
   * entry, trimmed indexes, and an fsync (the recovery point advances to the new base offset).
   */
  roll(expectedNextOffset = 0n): LogSegment {
    this.ensureOpen();
    const newOffset = expectedNextOffset > this._logEndOffset ? expectedNextOffset : this._logEndOffset;
    const active = this.activeSegment;
    if (active.baseOffset === newOffset) {
      // Rolling onto the same base offset only makes sense for an empty segment: keep it.
      assert(
        active.size === 0,
        `trying to roll ${this.name} to ${newOffset}, which already has a non-empty segment`,
      );
      return active;
    }
    active.onBecomeInactiveSegment();
    const segment = this.createSegment(newOffset);
    this.segments.push(segment);
    this.flush(newOffset);
    return segment;
  }

  private createSegment(baseOffset: bigint): LogSegment {
    // Stale files from an earlier life of this offset (e.g. after a truncation) are replaced.
    for (const suffix of [
      LOG_FILE_SUFFIX,
      INDEX_FILE_SUFFIX,
      TIME_INDEX_FILE_SUFFIX,
      TXN_INDEX_FILE_SUFFIX,
    ]) {
      deleteIfExists(path.join(this.dir, baseOffset.toString().padStart(20, '0') + suffix));
    }
    return LogSegment.create(this.segmentOptions(baseOffset));
  }

  private segmentOptions(baseOffset: bigint): LogSegmentOptions {
    const jitter = this._config.segmentJitterMs;
    return {
      dir: this.dir,
      baseOffset,
      maxIndexSize: this._config.segmentIndexBytes,
      indexIntervalBytes: this._config.indexIntervalBytes,
      rollJitterMs: jitter === 0 ? 0 : Math.floor(this.random() * Math.min(jitter, this._config.segmentMs)),
      time: this.time,
    };
  }

  // -------------------------------------------------------------------------------------------------------
  // Read

  /**
   * Reads whole batches starting with the one that holds `fetchOffset`. OFFSET_OUT_OF_RANGE when the offset
   * is below the log start or above the log end; empty records at the end or at/after `maxOffset`.
   */
  read(fetchOffset: bigint, options: LogReadOptions): LogReadResult {
    this.ensureOpen();
    const offsets = this.offsets();
    if (fetchOffset > this._logEndOffset || fetchOffset < this._logStartOffset) {
      return { error: 'OFFSET_OUT_OF_RANGE', errorCode: 1, ...offsets };
    }
    const empty = {
      error: null,
      records: new Uint8Array(0),
      firstEntryIncomplete: false,
      ...offsets,
    } as const;
    let upper = options.maxOffset ?? this._logEndOffset;
    if (upper > this._logEndOffset) upper = this._logEndOffset;
    if (fetchOffset >= upper) return empty;
    const minOneMessage = options.minOneMessage ?? true;
    for (let index = this.floorSegmentIndex(fetchOffset); index < this.segments.length; index++) {
      const segment = this.segments[index];
      if (segment.baseOffset >= upper) break;
      const maxPosition = this.upperBoundPosition(upper, index);
      const result = segment.read(fetchOffset, options.maxBytes, maxPosition, minOneMessage);
      if (result !== null) {
        return {
          error: null,
          records: result.records,
          firstEntryIncomplete: result.firstEntryIncomplete,
          ...offsets,
        };
      }
    }
    return empty;
  }

  /** Byte position in segment `index` below which every batch ends before `upper`. */
  private upperBoundPosition(upper: bigint, index: number): number {
    const segment = this.segments[index];
    const next = this.segments[index + 1];
    if ((next !== undefined && upper >= next.baseOffset) || upper >= segment.readNextOffset())
      return segment.size;
    const cache = this.upperBoundCache;
    if (cache !== null && cache.offset === upper && cache.segment === segment) return cache.position;
    const located = segment.translateOffset(upper, segment.offsetIndex.lookup(upper).position);
    const position = located === null ? segment.size : located.position;
    this.upperBoundCache = { offset: upper, segment, position };
    return position;
  }

  private floorSegmentIndex(offset: bigint): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.segments[middle].baseOffset <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  private offsets(): LogOffsets {
    return {
      logStartOffset: this._logStartOffset,
      logEndOffset: this._logEndOffset,
      highWatermark: this._highWatermark,
    };
  }

  /**
   * ListOffsets: -2 (EARLIEST) → log start offset; -1 (LATEST) → log end offset (callers serving consumers
   * cap it at the high watermark, as Kafka's Partition does); otherwise the first record with timestamp
   * ≥ `timestamp`, or null when every record is older.
   */
  fetchOffsetByTimestamp(timestamp: bigint): TimestampAndOffset | null {
    this.ensureOpen();
    if (timestamp === EARLIEST_TIMESTAMP) {
      return {
        timestamp: -1n,
        offset: this._logStartOffset,
        leaderEpoch: this.leaderEpochCache.epochForOffset(this._logStartOffset),
      };
    }
    if (timestamp === LATEST_TIMESTAMP) {
      return { timestamp: -1n, offset: this._logEndOffset, leaderEpoch: this.leaderEpochCache.latestEpoch };
    }
    for (const segment of this.segments) {
      if (BigInt(segment.largestTimestamp) < timestamp) continue;
      const found = segment.findOffsetByTimestamp(timestamp, this._logStartOffset, this.compression);
      if (found !== null) return found;
    }
    return null;
  }

  /** OffsetsForLeaderEpoch: where `epoch` ended in this log (see LeaderEpochFileCache.endOffsetFor). */
  endOffsetForEpoch(epoch: number): EpochEndOffset {
    return this.leaderEpochCache.endOffsetFor(epoch, this._logEndOffset);
  }

  // -------------------------------------------------------------------------------------------------------
  // Offsets moved from outside: high watermark, log start offset, truncation

  /** Sets the high watermark, clamped to [logStartOffset, logEndOffset]; returns the value kept. */
  updateHighWatermark(highWatermark: bigint): bigint {
    let value = highWatermark;
    if (value < this._logStartOffset) value = this._logStartOffset;
    if (value > this._logEndOffset) value = this._logEndOffset;
    this._highWatermark = value;
    return value;
  }

  /**
   * Raises the log start offset (DeleteRecords on a leader, the leader's log start offset on a follower).
   * It may not pass the high watermark (OFFSET_OUT_OF_RANGE, as DeleteRecords answers). Whole segments
   * below it are deleted by the next retention run.
   */
  maybeIncrementLogStartOffset(
    newLogStartOffset: bigint,
  ): { error: null; updated: boolean } | { error: 'OFFSET_OUT_OF_RANGE'; errorCode: 1 } {
    this.ensureOpen();
    if (newLogStartOffset > this._highWatermark) return { error: 'OFFSET_OUT_OF_RANGE', errorCode: 1 };
    if (newLogStartOffset <= this._logStartOffset) return { error: null, updated: false };
    this._logStartOffset = newLogStartOffset;
    this.leaderEpochCache.truncateFromStart(newLogStartOffset);
    return { error: null, updated: true };
  }

  /**
   * Follower truncation: removes every batch whose last offset is ≥ `targetOffset` (whole batches: the
   * new log end offset is the end of the last batch kept, which is ≤ targetOffset). Later segments are
   * deleted; the leader-epoch cache forgets epochs starting at or after the new end. Returns whether
   * anything was removed.
   */
  truncateTo(targetOffset: bigint): boolean {
    this.ensureOpen();
    assert(targetOffset >= 0n, `cannot truncate ${this.name} to a negative offset ${targetOffset}`);
    if (targetOffset >= this._logEndOffset) return false;
    if (targetOffset < this.segments[0].baseOffset) {
      this.truncateFullyAndStartAt(targetOffset);
      return true;
    }
    this.upperBoundCache = null;
    while (this.segments.length > 1 && this.activeSegment.baseOffset > targetOffset) {
      this.segments.pop()!.delete();
    }
    const active = this.activeSegment;
    active.truncateTo(targetOffset);
    active.resizeIndexes(this._config.segmentIndexBytes);
    this._logEndOffset = active.readNextOffset();
    if (this._recoveryPoint > this._logEndOffset) this._recoveryPoint = this._logEndOffset;
    if (this._highWatermark > this._logEndOffset) this._highWatermark = this._logEndOffset;
    if (this._logStartOffset > this._logEndOffset) this._logStartOffset = this._logEndOffset;
    this.leaderEpochCache.truncateFromEnd(this._logEndOffset);
    return true;
  }

  /** Deletes every segment and starts empty at `newOffset` (a follower far behind the leader's log start). */
  truncateFullyAndStartAt(newOffset: bigint): void {
    this.ensureOpen();
    this.upperBoundCache = null;
    for (const segment of this.segments) segment.delete();
    this.segments = [this.createSegment(newOffset)];
    this.leaderEpochCache.clearAndFlush();
    this._logEndOffset = newOffset;
    this._logStartOffset = newOffset;
    this._recoveryPoint = newOffset;
    this._highWatermark = newOffset;
  }

  // -------------------------------------------------------------------------------------------------------
  // Retention

  /**
   * Deletes old segments, oldest first, whole segments only, and only those entirely below the high
   * watermark: by `retention.ms` (the segment's largest timestamp is older than now − retention.ms), by
   * `retention.bytes` (while the partition stays above it without the segment), and below the log start
   * offset. The walk stops at the first segment that must stay. If every segment qualifies the log rolls
   * first, so an (empty) active segment always remains. Returns the number of segments deleted.
   */
  deleteOldSegments(nowMs = this.time.milliseconds()): number {
    this.ensureOpen();
    let deleted = 0;
    if (deletesOldSegments(this._config)) {
      deleted += this.deleteRetentionMsBreachedSegments(nowMs);
      deleted += this.deleteRetentionSizeBreachedSegments();
    }
    deleted += this.deleteSegmentsWhile(
      (_segment, next) => next !== undefined && next.baseOffset <= this._logStartOffset,
    );
    return deleted;
  }

  private deleteRetentionMsBreachedSegments(nowMs: number): number {
    const retentionMs = this._config.retentionMs;
    if (retentionMs < 0) return 0;
    return this.deleteSegmentsWhile((segment) => nowMs - segment.largestTimestamp > retentionMs);
  }

  private deleteRetentionSizeBreachedSegments(): number {
    const retentionBytes = this._config.retentionBytes;
    if (retentionBytes < 0 || this.size < retentionBytes) return 0;
    let excess = this.size - retentionBytes;
    return this.deleteSegmentsWhile((segment) => {
      if (excess - segment.size < 0) return false;
      excess -= segment.size;
      return true;
    });
  }

  private deleteSegmentsWhile(
    predicate: (segment: LogSegment, next: LogSegment | undefined) => boolean,
  ): number {
    const deletable: LogSegment[] = [];
    for (let index = 0; index < this.segments.length; index++) {
      const segment = this.segments[index];
      const next = this.segments[index + 1];
      const upperBound = next === undefined ? this._logEndOffset : next.baseOffset;
      if (this._highWatermark < upperBound) break;
      if (next === undefined && segment.size === 0) break;
      if (!predicate(segment, next)) break;
      deletable.push(segment);
    }
    if (deletable.length === 0) return 0;
    if (deletable.length === this.segments.length) this.roll();
    this.upperBoundCache = null;
    this.segments.splice(0, deletable.length);
    for (const segment of deletable) segment.delete();
    if (this.segments[0].baseOffset > this._logStartOffset)
      this._logStartOffset = this.segments[0].baseOffset;
    if (this._highWatermark < this._logStartOffset) this._highWatermark = this._logStartOffset;
    this.leaderEpochCache.truncateFromStart(this._logStartOffset);
    return deletable.length;
  }

  // -------------------------------------------------------------------------------------------------------
  // Flush, close, delete

  /**
   * fsyncs every segment holding offsets in [recoveryPoint, offset) and advances the recovery point to
   * `offset` (default: the log end offset). Kafka never does this per append by default.
   */
  flush(offset = this._logEndOffset): void {
    this.ensureOpen();
    if (offset <= this._recoveryPoint) return;
    for (let index = 0; index < this.segments.length; index++) {
      const segment = this.segments[index];
      const next = this.segments[index + 1];
      if (segment.baseOffset >= offset) break;
      if (next !== undefined && next.baseOffset <= this._recoveryPoint) continue;
      segment.flush();
    }
    this._recoveryPoint = offset;
    if (offset >= this._logEndOffset) this.unflushedMessages = 0;
    this.lastFlushedTime = this.time.milliseconds();
  }

  /** flush.ms: flushes if the last flush is at least that old. Returns whether it flushed. */
  flushIfDue(nowMs = this.time.milliseconds()): boolean {
    if (nowMs - this.lastFlushedTime < this._config.flushMs) return false;
    this.flush();
    return true;
  }

  /** Clean close: every segment gets its final time-index entry and trimmed indexes. Does not fsync. */
  close(): void {
    if (this.closed) return;
    for (const segment of this.segments) segment.close();
    this.closed = true;
  }

  /** Closes file descriptors without writing anything: what a crash (or an offline disk) leaves. */
  closeHandlers(): void {
    if (this.closed) return;
    for (const segment of this.segments) segment.closeHandlers();
    this.closed = true;
  }

  /**
   * Topic deletion: renames the directory to `<topic>-<partition>.<uuid>-delete` (so a crash half way is
   * finished at the next startup), then removes it.
   */
  delete(): void {
    this.closeHandlers();
    const renamed = path.join(
      path.dirname(this.dir),
      `${this.name}.${crypto.randomUUID().replaceAll('-', '')}-delete`,
    );
    try {
      fs.renameSync(this.dir, renamed);
      fs.rmSync(renamed, { recursive: true, force: true });
    } catch (error) {
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_IO, 'cannot delete log directory', {
        path: this.dir,
        cause: error,
      });
    }
    this.segments = [];
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private ensureOpen(): void {
    if (this.closed)
      throw new LogError(LOG_ERROR_CODES.KZ_ERR_LOG_CLOSED, 'log is closed', { path: this.dir });
  }

  // -------------------------------------------------------------------------------------------------------
  // Loading and recovery

  private load(hadCleanShutdown: boolean): void {
    this.removeTempAndOrphanFiles();
    this.loadSegmentFiles();
    if (!hadCleanShutdown) this.recoverLog();
    if (this.segments.length > 0 && this.activeSegment.readNextOffset() < this._logStartOffset) {
      // The log start offset was checkpointed beyond the data that survived: nothing here is usable.
      for (const segment of this.segments) {
        this.loadReport.deletedSegments.push(segment.baseOffset);
        segment.delete();
      }
      this.segments = [];
    }
    if (this.segments.length === 0) this.segments.push(this.createSegment(this._logStartOffset));
    this.activeSegment.resizeIndexes(this._config.segmentIndexBytes);
    this._logEndOffset = this.activeSegment.readNextOffset();
    if (this.segments[0].baseOffset > this._logStartOffset)
      this._logStartOffset = this.segments[0].baseOffset;
    if (!hadCleanShutdown || this._recoveryPoint > this._logEndOffset)
      this._recoveryPoint = this._logEndOffset;
    this._highWatermark = this._logStartOffset;
    this.leaderEpochCache.truncateFromEnd(this._logEndOffset);
    this.leaderEpochCache.truncateFromStart(this._logStartOffset);
    this.loadReport.segments = this.segments.length;
  }

  private removeTempAndOrphanFiles(): void {
    const names = fs.readdirSync(this.dir);
    const logFiles = new Set(names.filter((name) => name.endsWith(LOG_FILE_SUFFIX)));
    for (const name of names) {
      const leftover = [DELETED_FILE_SUFFIX, CLEANED_FILE_SUFFIX, SWAP_FILE_SUFFIX, TEMP_FILE_SUFFIX].some(
        (suffix) => name.endsWith(suffix),
      );
      const indexSuffix = [INDEX_FILE_SUFFIX, TIME_INDEX_FILE_SUFFIX, TXN_INDEX_FILE_SUFFIX].find((suffix) =>
        name.endsWith(suffix),
      );
      const orphanIndex =
        indexSuffix !== undefined && !logFiles.has(name.slice(0, -indexSuffix.length) + LOG_FILE_SUFFIX);
      if (leftover || orphanIndex) {
        fs.rmSync(path.join(this.dir, name), { force: true });
        this.loadReport.removedFiles.push(name);
      }
    }
  }

  private loadSegmentFiles(): void {
    const baseOffsets = fs
      .readdirSync(this.dir)
      .filter((name) => name.endsWith(LOG_FILE_SUFFIX))
      .map((name) => offsetFromFileName(name))
      .filter((offset): offset is bigint => offset !== null)
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const baseOffset of baseOffsets) {
      const segment = LogSegment.open(this.segmentOptions(baseOffset));
      if (!segment.indexesLookSane()) {
        // Kafka: a missing or corrupt index is rebuilt from the `.log`. Validation failures found here are
        // handled by recovery (clean shutdown or not, the rebuilt segment keeps only valid batches).
        const result = segment.recover({ crc32c: this.crc32c });
        this.loadReport.rebuiltIndexes.push(baseOffset);
        this.noteTruncation(result.truncatedBytes, result.reason);
      }
      this.segments.push(segment);
    }
  }

  /** After a crash: re-validate every segment from the one holding the recovery point, cut the bad tail. */
  private recoverLog(): void {
    if (this.segments.length === 0) return;
    let index = this.floorSegmentIndex(this._recoveryPoint);
    let previousEpoch = -1;
    for (; index < this.segments.length; index++) {
      const segment = this.segments[index];
      const result = segment.recover({
        crc32c: this.crc32c,
        previousEpoch,
        onBatch: (header) => this.leaderEpochCache.assign(header.partitionLeaderEpoch, header.baseOffset),
      });
      this.loadReport.recoveredSegments.push(segment.baseOffset);
      previousEpoch = result.lastEpoch;
      segment.flush();
      if (result.truncatedBytes > 0) {
        this.noteTruncation(result.truncatedBytes, result.reason);
        for (const later of this.segments.splice(index + 1)) {
          this.loadReport.deletedSegments.push(later.baseOffset);
          later.delete();
        }
        break;
      }
    }
  }

  private noteTruncation(bytes: number, reason: string | null): void {
    this.loadReport.truncatedBytes += bytes;
    if (reason !== null && this.loadReport.truncationReason === null)
      this.loadReport.truncationReason = reason;
  }

  toString(): string {
    return `Log(${this.name}, logStartOffset=${this._logStartOffset}, logEndOffset=${this._logEndOffset}, segments=${this.segments.length})`;
  }
}

function internalError(
  error: 'UNEXPECTED_APPEND_OFFSET' | 'OFFSETS_OUT_OF_ORDER',
  message: string,
): LogAppendResult {
  return { ok: false, error: { error, errorCode: -1, message } };
}
