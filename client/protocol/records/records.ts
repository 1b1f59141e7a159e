// Decoding the records inside RecordBatch v2 batches: for consumers, the dashboard's inspector and tests.
// The broker never calls this on the append or fetch path (it works on whole batches); it decodes one
// batch only to answer ListOffsets by timestamp.
//
// Keys, values and header values are returned as views (subarrays) of the input — or of the decompressed
// bytes — not copies. Copy them if the input buffer is going to be reused.
//
// Pure zone: no node:* imports, no Buffer. Decompression is injected (codecs.ts).

import type { Crc32c, RecordCompression } from './codecs.ts';
import { CorruptRecordError, UnsupportedCompressionError } from './errors.ts';
import {
  compressionTypeOf,
  isControlBatch,
  type RecordBatchHeader,
  RECORD_BATCH_OVERHEAD,
  splitRecordBatches,
  timestampTypeOf,
} from './record-batch.ts';
import { type Cursor, readVarint, readVarlong } from './varint.ts';

export interface RecordHeader {
  key: string;
  value: Uint8Array | null;
}

export interface Record {
  offset: bigint;
  /** CreateTime: baseTimestamp + timestampDelta; LogAppendTime: the batch's maxTimestamp. */
  timestamp: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: RecordHeader[];
  offsetDelta: number;
  timestampDelta: number;
  /** The record's own attributes byte (unused by Kafka, always 0). */
  attributes: number;
}

export interface DecodedRecordBatch {
  header: RecordBatchHeader;
  /** Control batches (transaction markers) are decoded too; consumers skip them. */
  isControl: boolean;
  records: Record[];
}

const utf8 = new TextDecoder();

/**
 * Decodes the records of the batch described by `header` (from splitRecordBatches over the same `bytes`).
 * Throws CorruptRecordError if the records do not match the header (count, lengths), and
 * UnsupportedCompressionError if the batch is compressed and no `compression` was injected.
 */
export function decodeRecords(
  bytes: Uint8Array,
  header: RecordBatchHeader,
  compression?: RecordCompression,
): Record[] {
  const codec = compressionTypeOf(header.attributes);
  if (codec === null) {
    throw new CorruptRecordError(
      `batch at offset ${header.baseOffset} has unknown compression id ${header.attributes & 7}`,
    );
  }
  let source = bytes;
  let position = header.position + RECORD_BATCH_OVERHEAD;
  let end = header.position + header.sizeInBytes;
  if (codec !== 'none') {
    if (compression === undefined) {
      throw new UnsupportedCompressionError(
        `batch at offset ${header.baseOffset} is ${codec}-compressed and no decompressor was given`,
      );
    }
    try {
      source = compression.decompress(codec, bytes.subarray(position, end));
    } catch (error) {
      if (error instanceof UnsupportedCompressionError) throw error;
      throw new CorruptRecordError(
        `batch at offset ${header.baseOffset}: ${codec} data does not decompress`,
        { cause: error },
      );
    }
    position = 0;
    end = source.length;
  }

  const logAppendTime = timestampTypeOf(header.attributes) === 'LogAppendTime' ? header.maxTimestamp : null;
  const cursor: Cursor = { position };
  const count = header.recordCount;
  if (count < 0)
    throw new CorruptRecordError(`batch at offset ${header.baseOffset} has recordCount ${count}`);
  const records: Record[] = new Array(count);
  for (let index = 0; index < count; index++) {
    records[index] = readRecord(source, cursor, end, header, logAppendTime);
  }
  if (cursor.position !== end) {
    throw new CorruptRecordError(
      `batch at offset ${header.baseOffset}: ${end - cursor.position} bytes left after ${count} records`,
    );
  }
  return records;
}

function readRecord(
  source: Uint8Array,
  cursor: Cursor,
  end: number,
  header: RecordBatchHeader,
  logAppendTime: bigint | null,
): Record {
  const length = readVarint(source, cursor, end);
  const start = cursor.position;
  const recordEnd = start + length;
  if (length < 0 || recordEnd > end) {
    throw new CorruptRecordError(
      `record length ${length} runs past the batch at offset ${header.baseOffset}`,
    );
  }
  const attributes = source[cursor.position++];
  const timestampDelta = readVarlong(source, cursor, recordEnd);
  const offsetDelta = readVarint(source, cursor, recordEnd);
  const key = readBytes(source, cursor, recordEnd);
  const value = readBytes(source, cursor, recordEnd);
  const headerCount = readVarint(source, cursor, recordEnd);
  if (headerCount < 0) throw new CorruptRecordError(`negative header count ${headerCount}`);
  const headers: RecordHeader[] = new Array(headerCount);
  for (let h = 0; h < headerCount; h++) {
    const headerKey = readBytes(source, cursor, recordEnd);
    if (headerKey === null) throw new CorruptRecordError('a record header has a null key');
    headers[h] = { key: utf8.decode(headerKey), value: readBytes(source, cursor, recordEnd) };
  }
  if (cursor.position !== recordEnd) {
    throw new CorruptRecordError(
      `record says ${length} bytes but its fields take ${cursor.position - start}`,
    );
  }
  return {
    offset: header.baseOffset + BigInt(offsetDelta),
    timestamp: logAppendTime ?? header.baseTimestamp + BigInt(timestampDelta),
    key,
    value,
    headers,
    offsetDelta,
    timestampDelta,
    attributes,
  };
}

function readBytes(source: Uint8Array, cursor: Cursor, end: number): Uint8Array | null {
  const length = readVarint(source, cursor, end);
  if (length === -1) return null;
  if (length < -1 || cursor.position + length > end) {
    throw new CorruptRecordError(`field length ${length} runs past the record`);
  }
  const bytes = source.subarray(cursor.position, cursor.position + length);
  cursor.position += length;
  return bytes;
}

export interface DecodeRecordBatchesOptions {
  /** Verify each batch's CRC first (consumers with `check.crcs`); omitted = not verified, as kafkajs. */
  crc32c?: Crc32c;
  compression?: RecordCompression;
  /**
   * A fetched chunk may end inside a batch (Kafka may return a partial last batch): with true (the default),
   * a truncated tail is silently dropped, as consumers do; with false it throws.
   */
  allowPartialTail?: boolean;
}

/** Splits a records blob (a Fetch partition's records, a segment) and decodes every batch. */
export function decodeRecordBatches(
  bytes: Uint8Array,
  options: DecodeRecordBatchesOptions = {},
): DecodedRecordBatch[] {
  const split = splitRecordBatches(bytes, options.crc32c === undefined ? {} : { crc32c: options.crc32c });
  if (!split.ok) {
    const tolerated = split.problem.kind === 'TRUNCATED' && options.allowPartialTail !== false;
    if (!tolerated) throw new CorruptRecordError(split.problem.message);
  }
  return split.batches.map((header) => ({
    header,
    isControl: isControlBatch(header.attributes),
    records: decodeRecords(bytes, header, options.compression),
  }));
}
