// Validating the `records` of one Produce partition, in Kafka 2.x's two steps and its error choices.
//
// 1. Request level (KafkaApis → ProduceRequest.validateRecords), before anything else about the partition:
//    Produce v3+ must carry exactly one batch, with magic 2; zstd needs Produce v7+.
// 2. Append level (Log.analyzeAndValidateRecords + LogValidator, origin = client), on the leader:
//    each batch ≤ max.message.bytes (MESSAGE_TOO_LARGE), CRC-32C valid (CORRUPT_MESSAGE), and the record
//    rules: lastOffsetDelta + 1 = recordCount > 0, no control batches from clients, an idempotent batch
//    (producerId ≥ 0) has baseSequence ≥ 0.
//
// Error choices, and why:
//  * magic ≠ 2 in Produce v3+ → CORRUPT_MESSAGE: Kafka throws InvalidRecordException, which is a
//    CorruptRecordException up to 2.3 and becomes INVALID_RECORD (87) in 2.4 (KIP-467) — but Produce
//    responses below v8 report INVALID_RECORD as CORRUPT_MESSAGE, so v3 clients see CORRUPT_MESSAGE either way.
//  * magic ≠ 2 at append level (Produce v0–v2, or an internal append) → UNSUPPORTED_FOR_MESSAGE_FORMAT:
//    Kafka would up-convert a legacy message set; kzlab does not implement message formats v0/v1.
//  * truncated blob → CORRUPT_MESSAGE. (Kafka itself silently drops a partial trailing batch and fails only
//    if nothing whole is left; a cut-off Produce is always a client or network bug, so we refuse it.)
//  * codec ids 5–7 → CORRUPT_MESSAGE (Kafka fails with an IllegalArgumentException → UNKNOWN_SERVER_ERROR).
//
// No record is decoded and nothing is decompressed: Kafka's LogValidator iterates records to check each
// record's offset/timestamp, kzlab trusts the header (whose integrity the CRC proves). That keeps the
// append path at one header read + one native CRC call per batch.
//
// Pure zone: no node:* imports.

import type { Crc32c } from './codecs.ts';
import { type RecordsError, recordsError } from './errors.ts';
import {
  type BatchProblem,
  compressionTypeOf,
  hasProducerId,
  isControlBatch,
  isBatchChecksumValid,
  type RecordBatchHeader,
  splitRecordBatches,
} from './record-batch.ts';

/** `max.message.bytes` / `message.max.bytes` default (kafka-zk-era.md §7). */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_000_012;

export type RecordsValidation =
  | { ok: true; batches: RecordBatchHeader[]; recordCount: number; sizeInBytes: number }
  | { ok: false; error: RecordsError };

/** Step 1: ProduceRequest.validateRecords. Structural only (no CRC: that is step 2). */
export function validateProduceRequestRecords(
  records: Uint8Array,
  produceVersion: number,
): RecordsValidation {
  const split = splitRecordBatches(records);
  if (!split.ok) return { ok: false, error: problemToError(split.problem, produceVersion, 'request') };
  const batches = split.batches;
  if (produceVersion >= 3) {
    if (batches.length === 0) {
      return {
        ok: false,
        error: invalidRecord(
          produceVersion,
          `Produce v${produceVersion} must carry at least one record batch`,
        ),
      };
    }
    if (batches.length > 1) {
      return {
        ok: false,
        error: invalidRecord(
          produceVersion,
          `Produce v${produceVersion} may carry exactly one record batch per partition, got ${batches.length}`,
          batches[1].position,
        ),
      };
    }
    if (produceVersion < 7 && compressionTypeOf(batches[0].attributes) === 'zstd') {
      return {
        ok: false,
        error: recordsError(
          'UNSUPPORTED_COMPRESSION_TYPE',
          `Produce v${produceVersion} may not use zstd (needs v7+)`,
          0,
        ),
      };
    }
  }
  return summarise(batches, split.sizeInBytes);
}

export interface LeaderAppendValidationOptions {
  crc32c: Crc32c;
  /** The topic's max.message.bytes: the largest batch accepted (default 1000012). */
  maxMessageBytes?: number;
  /** 'client' applies the LogValidator record rules; 'coordinator' (internal writes) only checks integrity. */
  origin?: 'client' | 'coordinator';
  /** The Produce version, to choose between INVALID_RECORD (v8+) and CORRUPT_MESSAGE. */
  produceVersion?: number;
}

/** Step 2: what the leader checks before assigning offsets. */
export function validateRecordsForLeaderAppend(
  records: Uint8Array,
  options: LeaderAppendValidationOptions,
): RecordsValidation {
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const split = splitRecordBatches(records);
  if (!split.ok) return { ok: false, error: problemToError(split.problem, options.produceVersion, 'append') };
  for (const batch of split.batches) {
    const where = `batch at byte ${batch.position}`;
    if (batch.sizeInBytes > maxMessageBytes) {
      return {
        ok: false,
        error: recordsError(
          'MESSAGE_TOO_LARGE',
          `${where} is ${batch.sizeInBytes} bytes, max.message.bytes is ${maxMessageBytes}`,
          batch.position,
        ),
      };
    }
    if (!isBatchChecksumValid(records, batch, options.crc32c)) {
      return {
        ok: false,
        error: recordsError('CORRUPT_MESSAGE', `${where}: CRC-32C mismatch`, batch.position),
      };
    }
    if (compressionTypeOf(batch.attributes) === null) {
      return {
        ok: false,
        error: recordsError(
          'CORRUPT_MESSAGE',
          `${where}: unknown compression id ${batch.attributes & 7}`,
          batch.position,
        ),
      };
    }
    if ((options.origin ?? 'client') === 'client') {
      const rule = clientRecordRule(batch);
      if (rule !== null)
        return {
          ok: false,
          error: invalidRecord(options.produceVersion, `${where}: ${rule}`, batch.position),
        };
    }
  }
  return summarise(split.batches, split.sizeInBytes);
}

/** Both steps, for callers that have nothing to do in between. */
export function validateProduceRecords(
  records: Uint8Array,
  options: LeaderAppendValidationOptions & { produceVersion: number },
): RecordsValidation {
  const request = validateProduceRequestRecords(records, options.produceVersion);
  if (!request.ok) return request;
  return validateRecordsForLeaderAppend(records, options);
}

/** LogValidator's per-batch rules for client appends; null when the batch passes. */
function clientRecordRule(batch: RecordBatchHeader): string | null {
  const countFromOffsets = batch.lastOffsetDelta + 1;
  if (countFromOffsets <= 0) return `invalid offset range, lastOffsetDelta ${batch.lastOffsetDelta}`;
  if (batch.recordCount <= 0) return `invalid record count ${batch.recordCount}`;
  if (countFromOffsets !== batch.recordCount) {
    return `lastOffsetDelta ${batch.lastOffsetDelta} implies ${countFromOffsets} records, recordCount says ${batch.recordCount}`;
  }
  if (isControlBatch(batch.attributes)) return 'clients may not write control batches';
  if (hasProducerId(batch) && batch.baseSequence < 0) {
    return `idempotent batch (producerId ${batch.producerId}) has baseSequence ${batch.baseSequence}`;
  }
  return null;
}

function invalidRecord(produceVersion: number | undefined, message: string, position?: number): RecordsError {
  const name = produceVersion !== undefined && produceVersion >= 8 ? 'INVALID_RECORD' : 'CORRUPT_MESSAGE';
  return recordsError(name, message, position);
}

function problemToError(
  problem: BatchProblem,
  produceVersion: number | undefined,
  step: 'request' | 'append',
): RecordsError {
  if (problem.kind === 'UNSUPPORTED_MAGIC') {
    if (step === 'request' && (produceVersion === undefined || produceVersion >= 3)) {
      return invalidRecord(produceVersion, problem.message, problem.position);
    }
    return recordsError(
      'UNSUPPORTED_FOR_MESSAGE_FORMAT',
      `${problem.message} (legacy message sets are not converted)`,
      problem.position,
    );
  }
  return recordsError('CORRUPT_MESSAGE', problem.message, problem.position);
}

function summarise(batches: RecordBatchHeader[], sizeInBytes: number): RecordsValidation {
  let recordCount = 0;
  for (const batch of batches) recordCount += batch.recordCount;
  return { ok: true, batches, recordCount, sizeInBytes };
}
