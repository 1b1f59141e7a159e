// RecordBatch v2 (magic 2, Kafka ≥ 0.11): the batch header, splitting a records blob into batches,
// and the in-place rewrites a leader does on append. kafka-zk-era.md §4.2 has the byte table.
//
//   offset size field                  covered by the CRC?
//      0    8  baseOffset              no   (the leader rewrites it: offset assignment)
//      8    4  batchLength             no   (bytes after this field = size − 12)
//     12    4  partitionLeaderEpoch    no   (the leader stamps it)
//     16    1  magic                   no
//     17    4  crc                     —    CRC-32C of bytes 21 … end of batch
//     21    2  attributes              yes  bits 0–2 codec, 3 timestamp type, 4 transactional, 5 control
//     23    4  lastOffsetDelta         yes
//     27    8  baseTimestamp           yes
//     35    8  maxTimestamp            yes
//     43    8  producerId              yes
//     51    2  producerEpoch           yes
//     53    4  baseSequence            yes
//     57    4  recordCount             yes
//     61    …  records (or one compressed blob holding them)
//
// Because the CRC starts at `attributes`, offset assignment and epoch stamping touch only bytes 0–7 and
// 12–15 and never re-encode or re-checksum anything: that is what makes the broker's append path cheap.
//
// Pure zone: no node:* imports, no Buffer.

import type { CompressionType, Crc32c } from './codecs.ts';
import { compressionTypeForId } from './codecs.ts';

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
export const RECORDS_OFFSET = 61;

/** baseOffset + batchLength: the part of every batch (and legacy message) before the length-counted bytes. */
export const LOG_OVERHEAD = 12;
/** A v2 batch header; also the smallest possible v2 batch (no records). */
export const RECORD_BATCH_OVERHEAD = RECORDS_OFFSET;
/** Bytes up to and including magic: enough to tell a v2 batch from a legacy message set (magic is at 16 in both). */
export const HEADER_SIZE_UP_TO_MAGIC = MAGIC_OFFSET + 1;
/** The smallest batchLength a v2 batch can have. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;

export const MAGIC_VALUE_V2 = 2;
export const NO_PARTITION_LEADER_EPOCH = -1;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_TIMESTAMP = -1n;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_FLAG_MASK = 0x10;
export const CONTROL_FLAG_MASK = 0x20;

export type TimestampType = 'CreateTime' | 'LogAppendTime';

/** Every field of a v2 batch header, plus where the batch sits in the bytes it was read from. */
export interface RecordBatchHeader {
  /** Byte position of the batch's first byte inside the array it was read from. */
  position: number;
  /** LOG_OVERHEAD + batchLength. */
  sizeInBytes: number;
  baseOffset: bigint;
  batchLength: number;
  partitionLeaderEpoch: number;
  magic: number;
  /** Stored CRC-32C, unsigned. */
  crc: number;
  attributes: number;
  lastOffsetDelta: number;
  baseTimestamp: bigint;
  maxTimestamp: bigint;
  producerId: bigint;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

export function dataViewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Reads the 61-byte header at `position`. Does not validate anything (see splitRecordBatches); the caller
 * guarantees 61 bytes are there and that magic is 2.
 */
export function readRecordBatchHeader(
  bytes: Uint8Array,
  position = 0,
  view = dataViewOf(bytes),
): RecordBatchHeader {
  const batchLength = view.getInt32(position + BATCH_LENGTH_OFFSET);
  return {
    position,
    sizeInBytes: LOG_OVERHEAD + batchLength,
    baseOffset: view.getBigInt64(position + BASE_OFFSET_OFFSET),
    batchLength,
    partitionLeaderEpoch: view.getInt32(position + PARTITION_LEADER_EPOCH_OFFSET),
    magic: view.getInt8(position + MAGIC_OFFSET),
    crc: view.getUint32(position + CRC_OFFSET),
    attributes: view.getInt16(position + ATTRIBUTES_OFFSET),
    lastOffsetDelta: view.getInt32(position + LAST_OFFSET_DELTA_OFFSET),
    baseTimestamp: view.getBigInt64(position + BASE_TIMESTAMP_OFFSET),
    maxTimestamp: view.getBigInt64(position + MAX_TIMESTAMP_OFFSET),
    producerId: view.getBigInt64(position + PRODUCER_ID_OFFSET),
    producerEpoch: view.getInt16(position + PRODUCER_EPOCH_OFFSET),
    baseSequence: view.getInt32(position + BASE_SEQUENCE_OFFSET),
    recordCount: view.getInt32(position + RECORDS_COUNT_OFFSET),
  };
}

/** baseOffset + lastOffsetDelta. */
export function lastOffsetOf(header: Pick<RecordBatchHeader, 'baseOffset' | 'lastOffsetDelta'>): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta);
}

/** The offset after the batch: baseOffset + lastOffsetDelta + 1. */
export function nextOffsetOf(header: Pick<RecordBatchHeader, 'baseOffset' | 'lastOffsetDelta'>): bigint {
  return header.baseOffset + BigInt(header.lastOffsetDelta) + 1n;
}

/** The codec in attribute bits 0–2, or null for the unused ids 5–7. */
export function compressionTypeOf(attributes: number): CompressionType | null {
  return compressionTypeForId(attributes & COMPRESSION_CODEC_MASK);
}

export function timestampTypeOf(attributes: number): TimestampType {
  return (attributes & TIMESTAMP_TYPE_MASK) !== 0 ? 'LogAppendTime' : 'CreateTime';
}

export function isTransactional(attributes: number): boolean {
  return (attributes & TRANSACTIONAL_FLAG_MASK) !== 0;
}

export function isControlBatch(attributes: number): boolean {
  return (attributes & CONTROL_FLAG_MASK) !== 0;
}

/** producerId ≥ 0. When it is -1, epoch and sequence mean nothing (kafkajs writes 0 for both). */
export function hasProducerId(header: Pick<RecordBatchHeader, 'producerId'>): boolean {
  return header.producerId >= 0n;
}

/** CRC-32C over attributes … end of the batch at `position` (whose batchLength the caller checked). */
export function computeBatchChecksum(
  bytes: Uint8Array,
  position: number,
  sizeInBytes: number,
  crc32c: Crc32c,
): number {
  return crc32c(bytes.subarray(position + ATTRIBUTES_OFFSET, position + sizeInBytes)) >>> 0;
}

/** Does the stored CRC match the bytes? */
export function isBatchChecksumValid(bytes: Uint8Array, header: RecordBatchHeader, crc32c: Crc32c): boolean {
  return computeBatchChecksum(bytes, header.position, header.sizeInBytes, crc32c) === header.crc;
}

// ---------------------------------------------------------------------------------------------------------
// Splitting a records blob (a Produce partition's `records`, a fetched chunk, a .log file region)

/** Why a blob could not be split into valid v2 batches. Mapped to Kafka errors by the caller's context. */
export type BatchProblemKind =
  /** Fewer bytes than a header, or than batchLength announces (a torn write, a cut-off blob). */
  | 'TRUNCATED'
  /** batchLength is smaller than a v2 header. */
  | 'INVALID_BATCH_LENGTH'
  /** magic is not 2: a legacy (v0/v1) message set, or garbage. */
  | 'UNSUPPORTED_MAGIC'
  /** The stored CRC-32C does not match the bytes. */
  | 'CRC_MISMATCH';

export interface BatchProblem {
  kind: BatchProblemKind;
  /** Byte position of the offending batch inside the blob. */
  position: number;
  /** Index of the offending batch (0 = first). */
  batchIndex: number;
  message: string;
  /** For UNSUPPORTED_MAGIC: the magic byte found. */
  magic?: number;
}

export type SplitResult =
  | { ok: true; batches: RecordBatchHeader[]; sizeInBytes: number }
  | {
      ok: false;
      problem: BatchProblem;
      /** Batches before the problem, all valid. */ batches: RecordBatchHeader[];
    };

export interface SplitOptions {
  /** Verify each batch's CRC-32C. Omit only when the CRC was verified already (or is verified later). */
  crc32c?: Crc32c;
  /** Stop after this many bytes (default: the whole array). */
  end?: number;
  /** Start here (default 0). */
  start?: number;
}

/**
 * Walks `bytes` batch by batch, checking that each one is whole, has magic 2, a sane batchLength and (with
 * `crc32c`) a valid CRC. Stops at the first problem and reports it with the good batches before it. No
 * record is decoded: cost is one header read (and one native CRC call) per batch.
 */
export function splitRecordBatches(bytes: Uint8Array, options: SplitOptions = {}): SplitResult {
  const end = options.end ?? bytes.length;
  const crc32c = options.crc32c;
  const view = dataViewOf(bytes);
  const batches: RecordBatchHeader[] = [];
  let position = options.start ?? 0;
  while (position < end) {
    const batchIndex = batches.length;
    const remaining = end - position;
    if (remaining < HEADER_SIZE_UP_TO_MAGIC) {
      const problem = fail(
        'TRUNCATED',
        position,
        batchIndex,
        `only ${remaining} bytes left, a batch header needs ${RECORD_BATCH_OVERHEAD}`,
      );
      return { ok: false, problem, batches };
    }
    const batchLength = view.getInt32(position + BATCH_LENGTH_OFFSET);
    const magic = view.getInt8(position + MAGIC_OFFSET);
    if (magic !== MAGIC_VALUE_V2) {
      const problem = fail(
        'UNSUPPORTED_MAGIC',
        position,
        batchIndex,
        `magic ${magic}, only RecordBatch v2 (magic 2) is supported`,
      );
      problem.magic = magic;
      return { ok: false, problem, batches };
    }
    if (batchLength < MIN_BATCH_LENGTH) {
      const problem = fail(
        'INVALID_BATCH_LENGTH',
        position,
        batchIndex,
        `batchLength ${batchLength} is below the v2 minimum ${MIN_BATCH_LENGTH}`,
      );
      return { ok: false, problem, batches };
    }
    const sizeInBytes = LOG_OVERHEAD + batchLength;
    if (sizeInBytes > remaining) {
      const problem = fail(
        'TRUNCATED',
        position,
        batchIndex,
        `batch of ${sizeInBytes} bytes but only ${remaining} bytes left`,
      );
      return { ok: false, problem, batches };
    }
    const header = readRecordBatchHeader(bytes, position, view);
    if (crc32c !== undefined && !isBatchChecksumValid(bytes, header, crc32c)) {
      const actual = computeBatchChecksum(bytes, position, sizeInBytes, crc32c);
      const problem = fail(
        'CRC_MISMATCH',
        position,
        batchIndex,
        `stored CRC ${hex(header.crc)} but the bytes give ${hex(actual)}`,
      );
      return { ok: false, problem, batches };
    }
    batches.push(header);
    position += sizeInBytes;
  }
  return { ok: true, batches, sizeInBytes: position - (options.start ?? 0) };
}

function fail(kind: BatchProblemKind, position: number, batchIndex: number, message: string): BatchProblem {
  return { kind, position, batchIndex, message: `batch ${batchIndex} at byte ${position}: ${message}` };
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

// ---------------------------------------------------------------------------------------------------------
// In-place rewrites (leader side)

/**
 * Assigns offsets `firstOffset …` to `batches` (headers from splitRecordBatches over `bytes`) and stamps the
 * leader epoch, by overwriting baseOffset (bytes 0–7) and partitionLeaderEpoch (bytes 12–15) of each batch
 * IN `bytes`. Neither field is covered by the CRC, so nothing else changes. The header objects are updated
 * to match. Returns the next offset (the new log end offset).
 */
export function assignOffsets(
  bytes: Uint8Array,
  batches: RecordBatchHeader[],
  firstOffset: bigint,
  partitionLeaderEpoch: number,
): bigint {
  const view = dataViewOf(bytes);
  let nextOffset = firstOffset;
  for (const batch of batches) {
    view.setBigInt64(batch.position + BASE_OFFSET_OFFSET, nextOffset);
    view.setInt32(batch.position + PARTITION_LEADER_EPOCH_OFFSET, partitionLeaderEpoch);
    batch.baseOffset = nextOffset;
    batch.partitionLeaderEpoch = partitionLeaderEpoch;
    nextOffset += BigInt(batch.lastOffsetDelta) + 1n;
  }
  return nextOffset;
}

/**
 * For topics with `message.timestamp.type=LogAppendTime`: sets the timestamp-type bit and maxTimestamp to
 * the broker's append time, then recomputes the CRC (both fields are inside the CRC'd region). As Kafka's
 * DefaultRecordBatch.setMaxTimestamp, records keep their own deltas; readers use maxTimestamp for all.
 */
export function setLogAppendTime(
  bytes: Uint8Array,
  batch: RecordBatchHeader,
  appendTimeMs: bigint,
  crc32c: Crc32c,
): void {
  const view = dataViewOf(bytes);
  const attributes = batch.attributes | TIMESTAMP_TYPE_MASK;
  view.setInt16(batch.position + ATTRIBUTES_OFFSET, attributes);
  view.setBigInt64(batch.position + MAX_TIMESTAMP_OFFSET, appendTimeMs);
  const crc = computeBatchChecksum(bytes, batch.position, batch.sizeInBytes, crc32c);
  view.setUint32(batch.position + CRC_OFFSET, crc);
  batch.attributes = attributes;
  batch.maxTimestamp = appendTimeMs;
  batch.crc = crc;
}
