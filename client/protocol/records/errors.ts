// What can go wrong with record bytes, in two kinds (ARCHITECTURE.md §5):
//  * protocol outcomes — a Produce carried bad records: returned as data with Kafka's error name and code
//    (RecordsErrorName below), never thrown;
//  * decoding corrupt bytes that should have been valid (a consumer decoding a fetched batch, a test):
//    CorruptRecordError, an operational error with a stable code.
//
// Pure zone: no node:* imports.

import { KzError } from '../../common/errors.ts';

/** The Kafka error codes a records problem can turn into (names exactly as Kafka's `Errors`). */
export const RECORDS_ERROR_CODES = {
  /** CRC mismatch, truncated or malformed batch; also Kafka 2.x's answer for InvalidRecordException. */
  CORRUPT_MESSAGE: 2,
  /** A batch is larger than `max.message.bytes`. */
  MESSAGE_TOO_LARGE: 10,
  /** The records of one partition are larger than `segment.bytes` (RecordBatchTooLargeException). */
  RECORD_LIST_TOO_LARGE: 18,
  /** The message format cannot carry what was sent (here: a legacy magic 0/1 message set). */
  UNSUPPORTED_FOR_MESSAGE_FORMAT: 43,
  /** zstd in a Produce older than v7 (KIP-110). */
  UNSUPPORTED_COMPRESSION_TYPE: 76,
  /** A batch violates a record rule (Kafka 2.4+, KIP-467; answered as CORRUPT_MESSAGE to Produce < v8). */
  INVALID_RECORD: 87,
} as const;

export type RecordsErrorName = keyof typeof RECORDS_ERROR_CODES;

/** A protocol outcome about record bytes: the Kafka error to answer and a sentence for logs/the journal. */
export interface RecordsError {
  error: RecordsErrorName;
  /** RECORDS_ERROR_CODES[error], for the response encoder. */
  errorCode: number;
  message: string;
  /** Byte position of the offending batch inside the records blob, when one batch is at fault. */
  position?: number;
}

export function recordsError(error: RecordsErrorName, message: string, position?: number): RecordsError {
  return position === undefined
    ? { error, errorCode: RECORDS_ERROR_CODES[error], message }
    : { error, errorCode: RECORDS_ERROR_CODES[error], message, position };
}

export const KZ_ERR_CORRUPT_RECORD = 'KZ_ERR_CORRUPT_RECORD';
export const KZ_ERR_UNSUPPORTED_COMPRESSION = 'KZ_ERR_UNSUPPORTED_COMPRESSION';

/** Record bytes that cannot be decoded. Definite, not retriable: the same bytes fail again. */
export class CorruptRecordError extends KzError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(KZ_ERR_CORRUPT_RECORD, message, { cause: options.cause, retriable: false, definite: true });
  }
}

/** A compression codec the injected RecordCompression does not implement (e.g. snappy, lz4). */
export class UnsupportedCompressionError extends KzError {
  constructor(message: string) {
    super(KZ_ERR_UNSUPPORTED_COMPRESSION, message, { retriable: false, definite: true });
  }
}
