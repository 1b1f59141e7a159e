// Operational errors of the log layer (ARCHITECTURE.md §5, kind 3). Protocol outcomes of an append or a
// read (CORRUPT_MESSAGE, OFFSET_OUT_OF_RANGE, …) are returned as data by Log; these are for the disk and
// the files on it going wrong. The broker answers KAFKA_STORAGE_ERROR for them.

import { KzError } from '../../client/common/errors.ts';

export const LOG_ERROR_CODES = {
  /** A file read, write, fsync or rename failed (EIO, ENOSPC, …). */
  KZ_ERR_LOG_IO: 'KZ_ERR_LOG_IO',
  /** Bytes on disk are not what the log wrote (found outside recovery, where they cannot be repaired). */
  KZ_ERR_LOG_CORRUPT: 'KZ_ERR_LOG_CORRUPT',
  /** A checkpoint or meta.properties file cannot be parsed. */
  KZ_ERR_CHECKPOINT_MALFORMED: 'KZ_ERR_CHECKPOINT_MALFORMED',
  /** A directory in a log dir is not named `<topic>-<partition>`. */
  KZ_ERR_LOG_DIR_NAME: 'KZ_ERR_LOG_DIR_NAME',
  /** meta.properties disagrees with this broker (InconsistentBrokerIdException / InconsistentClusterIdException). */
  KZ_ERR_META_PROPERTIES_MISMATCH: 'KZ_ERR_META_PROPERTIES_MISMATCH',
  /** The log was closed or deleted and is used again. */
  KZ_ERR_LOG_CLOSED: 'KZ_ERR_LOG_CLOSED',
} as const;

export type LogErrorCode = (typeof LOG_ERROR_CODES)[keyof typeof LOG_ERROR_CODES];

export class LogError extends KzError {
  readonly path: string | undefined;

  constructor(code: LogErrorCode, message: string, options: { path?: string; cause?: unknown } = {}) {
    super(code, options.path === undefined ? message : `${options.path}: ${message}`, {
      cause: options.cause,
      retriable: false,
      definite: true,
    });
    this.path = options.path;
  }
}
