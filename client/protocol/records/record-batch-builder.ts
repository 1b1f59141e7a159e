// Building a RecordBatch v2 from records (the producer side; also tests and the group coordinator's
// writes to __consumer_offsets). Layout of one record (all lengths zig-zag varints):
//
//   length varint | attributes int8 (0) | timestampDelta varlong | offsetDelta varint |
//   keyLength varint (-1 = null) | key | valueLength varint (-1 = null) | value |
//   headerCount varint | per header: keyLength varint, key UTF-8, valueLength varint (-1 = null), value
//
// Like the Java client (and unlike kafkajs, which uses the minimum), baseTimestamp is the FIRST record's
// timestamp and deltas may be negative; maxTimestamp is the largest record timestamp.
//
// Pure zone: no node:* imports, no Buffer. CRC-32C and compression are injected (codecs.ts).

import { assert } from '../../common/assert.ts';
import type { CompressionType, Crc32c, RecordCompression } from './codecs.ts';
import { COMPRESSION_TYPE_IDS } from './codecs.ts';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  computeBatchChecksum,
  CONTROL_FLAG_MASK,
  CRC_OFFSET,
  dataViewOf,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAGIC_VALUE_V2,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_OVERHEAD,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  type TimestampType,
  TRANSACTIONAL_FLAG_MASK,
} from './record-batch.ts';
import { sizeOfVarint, sizeOfVarlong, VARLONG_MAX, VARLONG_MIN, writeVarint, writeVarlong } from './varint.ts';

export interface RecordHeaderInput {
  key: string;
  value: Uint8Array | null;
}

export interface RecordInput {
  key?: Uint8Array | null;
  value?: Uint8Array | null;
  headers?: readonly RecordHeaderInput[];
  /** Milliseconds since the epoch; defaults to BuildRecordBatchOptions.defaultTimestamp. */
  timestamp?: bigint;
}

export interface BuildRecordBatchOptions {
  records: readonly RecordInput[];
  /** Producers send 0; the leader overwrites it. */
  baseOffset?: bigint;
  /** Producers send -1 (the Java client; kafkajs and librdkafka send 0); the leader overwrites it. */
  partitionLeaderEpoch?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  isTransactional?: boolean;
  isControl?: boolean;
  producerId?: bigint;
  producerEpoch?: number;
  baseSequence?: number;
  /** Timestamp for records that carry none (the pure zone has no clock: the caller passes "now"). */
  defaultTimestamp?: bigint;
}

export interface BuildCodecs {
  crc32c: Crc32c;
  /** Needed only when `compression` is not 'none'. */
  compression?: RecordCompression;
}

const utf8 = new TextEncoder();

/** Encodes one RecordBatch v2, CRC included. */
export function buildRecordBatch(options: BuildRecordBatchOptions, codecs: BuildCodecs): Uint8Array {
  const records = options.records;
  assert(records.length > 0, 'a record batch needs at least one record');
  const compression = options.compression ?? 'none';

  const timestamps: bigint[] = new Array(records.length);
  let maxTimestamp = -1n;
  for (let index = 0; index < records.length; index++) {
    const timestamp = records[index].timestamp ?? options.defaultTimestamp;
    assert(timestamp !== undefined, `record ${index} has no timestamp and no defaultTimestamp was given`);
    timestamps[index] = timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
  }
  const baseTimestamp = timestamps[0];

  // Pass 1: sizes (so each record's length prefix is written once, in place).
  const deltas: number[] = new Array(records.length);
  const bodySizes: number[] = new Array(records.length);
  const headerKeys: (Uint8Array[] | null)[] = new Array(records.length);
  let recordsSize = 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    const deltaBig = timestamps[index] - baseTimestamp;
    assert(
      deltaBig <= BigInt(VARLONG_MAX) && deltaBig >= BigInt(VARLONG_MIN),
      `record ${index}: timestamp delta ${deltaBig} is out of range`,
    );
    const delta = Number(deltaBig);
    deltas[index] = delta;
    let size = 1 + sizeOfVarlong(delta) + sizeOfVarint(index);
    size += sizeOfBytes(record.key ?? null) + sizeOfBytes(record.value ?? null);
    const headers = record.headers ?? [];
    size += sizeOfVarint(headers.length);
    if (headers.length > 0) {
      const keys: Uint8Array[] = new Array(headers.length);
      for (let h = 0; h < headers.length; h++) {
        keys[h] = utf8.encode(headers[h].key);
        size += sizeOfVarint(keys[h].length) + keys[h].length + sizeOfBytes(headers[h].value);
      }
      headerKeys[index] = keys;
    } else {
      headerKeys[index] = null;
    }
    bodySizes[index] = size;
    recordsSize += sizeOfVarint(size) + size;
  }

  // Pass 2: write the records, either straight after the header or into a scratch array to compress.
  const uncompressed = compression === 'none';
  let target = new Uint8Array(uncompressed ? RECORD_BATCH_OVERHEAD + recordsSize : recordsSize);
  let position = uncompressed ? RECORD_BATCH_OVERHEAD : 0;
  for (let index = 0; index < records.length; index++) {
    const record = records[index];
    position = writeVarint(target, position, bodySizes[index]);
    target[position++] = 0; // record attributes: unused
    position = writeVarlong(target, position, deltas[index]);
    position = writeVarint(target, position, index);
    position = writeBytes(target, position, record.key ?? null);
    position = writeBytes(target, position, record.value ?? null);
    const headers = record.headers ?? [];
    position = writeVarint(target, position, headers.length);
    const keys = headerKeys[index];
    for (let h = 0; h < headers.length; h++) {
      position = writeBytes(target, position, keys![h]);
      position = writeBytes(target, position, headers[h].value);
    }
  }
  assert(position === target.length, 'record sizes and written bytes disagree');

  if (!uncompressed) {
    assert(
      codecs.compression !== undefined,
      `compression ${compression} needs an injected RecordCompression`,
    );
    const compressed = codecs.compression.compress(compression, target);
    target = new Uint8Array(RECORD_BATCH_OVERHEAD + compressed.length);
    target.set(compressed, RECORD_BATCH_OVERHEAD);
  }

  let attributes = COMPRESSION_TYPE_IDS[compression];
  if (options.timestampType === 'LogAppendTime') attributes |= TIMESTAMP_TYPE_MASK;
  if (options.isTransactional === true) attributes |= TRANSACTIONAL_FLAG_MASK;
  if (options.isControl === true) attributes |= CONTROL_FLAG_MASK;

  const view = dataViewOf(target);
  view.setBigInt64(BASE_OFFSET_OFFSET, options.baseOffset ?? 0n);
  view.setInt32(BATCH_LENGTH_OFFSET, target.length - LOG_OVERHEAD);
  view.setInt32(PARTITION_LEADER_EPOCH_OFFSET, options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH);
  view.setInt8(MAGIC_OFFSET, MAGIC_VALUE_V2);
  view.setInt16(ATTRIBUTES_OFFSET, attributes);
  view.setInt32(LAST_OFFSET_DELTA_OFFSET, records.length - 1);
  view.setBigInt64(BASE_TIMESTAMP_OFFSET, baseTimestamp);
  view.setBigInt64(MAX_TIMESTAMP_OFFSET, maxTimestamp);
  view.setBigInt64(PRODUCER_ID_OFFSET, options.producerId ?? NO_PRODUCER_ID);
  view.setInt16(PRODUCER_EPOCH_OFFSET, options.producerEpoch ?? NO_PRODUCER_EPOCH);
  view.setInt32(BASE_SEQUENCE_OFFSET, options.baseSequence ?? NO_SEQUENCE);
  view.setInt32(RECORDS_COUNT_OFFSET, records.length);
  view.setUint32(CRC_OFFSET, computeBatchChecksum(target, 0, target.length, codecs.crc32c));
  return target;
}

/** Concatenates batches into one records blob (what a Produce partition or a Fetch response carries). */
export function concatRecordBatches(batches: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const batch of batches) size += batch.length;
  const out = new Uint8Array(size);
  let position = 0;
  for (const batch of batches) {
    out.set(batch, position);
    position += batch.length;
  }
  return out;
}

function sizeOfBytes(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : sizeOfVarint(bytes.length) + bytes.length;
}

function writeBytes(target: Uint8Array, position: number, bytes: Uint8Array | null): number {
  if (bytes === null) return writeVarint(target, position, -1);
  position = writeVarint(target, position, bytes.length);
  target.set(bytes, position);
  return position + bytes.length;
}
