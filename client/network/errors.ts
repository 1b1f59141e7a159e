// Operational errors of the Kafka client (ARCHITECTURE.md §5, kind 3). Every one is a KzError with a
// stable `code`, `retriable`, and `definite` (false = the request may or may not have taken effect).
//
// Two families:
//  * KafkaProtocolError — a broker answered with a Kafka error code. `code` is the upstream name exactly
//    as Kafka prints it (`NOT_LEADER_OR_FOLLOWER`, `REBALANCE_IN_PROGRESS`, …), `errorCode` the number,
//    `retriable` Kafka's own classification (client/protocol/error-codes.ts).
//  * KZ_ERR_* — what happens on our side of the wire: the connection failed or closed, a request timed
//    out, no API version in common, the client was closed, a delivery timed out.

import { KZ_ERROR_CODES, KzError } from '../common/errors.ts';
import { errorInfo, errorName } from '../protocol/error-codes.ts';

/** Codes added by the client (KZ_ERROR_CODES holds the shared ones). */
export const CLIENT_ERROR_CODES = {
  ...KZ_ERROR_CODES,
  /** TCP connect failed (refused, unreachable, DNS) or took longer than connectTimeoutMs. Nothing was sent. */
  KZ_ERR_CONNECTION_FAILED: 'KZ_ERR_CONNECTION_FAILED',
  /** The broker implements no version of an API that the client also implements. */
  KZ_ERR_UNSUPPORTED_VERSION: 'KZ_ERR_UNSUPPORTED_VERSION',
  /** The producer, consumer, admin or connection was closed while the operation was pending. */
  KZ_ERR_CLIENT_CLOSED: 'KZ_ERR_CLIENT_CLOSED',
  /** A record was not acknowledged within delivery.timeout.ms (retries included). */
  KZ_ERR_DELIVERY_TIMEOUT: 'KZ_ERR_DELIVERY_TIMEOUT',
  /** No broker in the bootstrap list or metadata answered. */
  KZ_ERR_NO_BROKER: 'KZ_ERR_NO_BROKER',
  /** Metadata did not produce what was needed in time (a leader, a topic, a controller). */
  KZ_ERR_METADATA: 'KZ_ERR_METADATA',
  /** A record is larger than max.request.size or buffer.memory. */
  KZ_ERR_RECORD_TOO_LARGE: 'KZ_ERR_RECORD_TOO_LARGE',
  /** A consumer partition has no committed offset and auto.offset.reset is `none`. */
  KZ_ERR_NO_OFFSET: 'KZ_ERR_NO_OFFSET',
  /** A commit could not complete because the group rebalanced (Java's CommitFailedException). */
  KZ_ERR_COMMIT_FAILED: 'KZ_ERR_COMMIT_FAILED',
  /** The caller used the API wrongly (e.g. seek on a partition that is not assigned). */
  KZ_ERR_ILLEGAL_STATE: 'KZ_ERR_ILLEGAL_STATE',
} as const;

/** A broker answered with a Kafka error code. */
export class KafkaProtocolError extends KzError {
  /** Kafka's numeric error code, e.g. 6. */
  readonly errorCode: number;
  /** Kafka's name, e.g. `NOT_LEADER_OR_FOLLOWER` (also in `code`). */
  readonly errorName: string;
  /** Where it happened, when the error is about one partition or resource. */
  readonly topic: string | undefined;
  readonly partition: number | undefined;

  constructor(
    errorCode: number,
    context: { topic?: string; partition?: number; message?: string | null; definite?: boolean } = {},
  ) {
    const name = errorName(errorCode);
    const info = errorInfo(errorCode);
    const where =
      context.topic === undefined
        ? ''
        : context.partition === undefined
          ? ` (${context.topic})`
          : ` (${context.topic}-${context.partition})`;
    const detail = context.message ?? info?.message ?? '';
    super(name, `${name}${where}${detail === '' ? '' : `: ${detail}`}`, {
      retriable: info?.retriable ?? false,
      definite: context.definite ?? true,
    });
    this.errorCode = errorCode;
    this.errorName = name;
    this.topic = context.topic;
    this.partition = context.partition;
  }
}

/** TCP connect failed or timed out; the request was never sent (definite, retriable). */
export class ConnectionFailedError extends KzError {
  constructor(address: string, options: { cause?: unknown } = {}) {
    super(CLIENT_ERROR_CODES.KZ_ERR_CONNECTION_FAILED, `cannot connect to ${address}`, {
      cause: options.cause,
      retriable: true,
      definite: true,
    });
  }
}

/** The connection closed with the request in flight: it may or may not have been applied. */
export class ConnectionClosedError extends KzError {
  constructor(address: string, reason: string, options: { cause?: unknown; definite?: boolean } = {}) {
    super(CLIENT_ERROR_CODES.KZ_ERR_CONNECTION_CLOSED, `connection to ${address} closed: ${reason}`, {
      cause: options.cause,
      retriable: true,
      definite: options.definite ?? false,
    });
  }
}

/** No response within the request timeout (the connection is then closed, as the Java client does). */
export class RequestTimeoutError extends KzError {
  constructor(address: string, what: string, timeoutMs: number) {
    super(
      CLIENT_ERROR_CODES.KZ_ERR_REQUEST_TIMEOUT,
      `${what} to ${address} got no response in ${timeoutMs} ms`,
      {
        retriable: true,
        definite: false,
      },
    );
  }
}

export class UnsupportedVersionError extends KzError {
  constructor(message: string) {
    super(CLIENT_ERROR_CODES.KZ_ERR_UNSUPPORTED_VERSION, message, { retriable: false, definite: true });
  }
}

export class ClientClosedError extends KzError {
  constructor(what: string) {
    super(CLIENT_ERROR_CODES.KZ_ERR_CLIENT_CLOSED, `${what} is closed`, {
      retriable: false,
      definite: false,
    });
  }
}

/** Any other client-side failure with one of CLIENT_ERROR_CODES. */
export class KafkaClientError extends KzError {
  constructor(
    code: (typeof CLIENT_ERROR_CODES)[keyof typeof CLIENT_ERROR_CODES],
    message: string,
    options: { cause?: unknown; retriable?: boolean; definite?: boolean } = {},
  ) {
    super(code, message, options);
  }
}

/** Is this error worth retrying (a retriable KzError)? */
export function isRetriableError(error: unknown): boolean {
  return error instanceof KzError && error.retriable;
}

/**
 * Errors after which the client's metadata is probably stale (Java's InvalidMetadataException family,
 * plus a lost connection): refresh before retrying.
 */
export const METADATA_STALE_ERROR_CODES: ReadonlySet<number> = new Set([
  3, // UNKNOWN_TOPIC_OR_PARTITION
  5, // LEADER_NOT_AVAILABLE
  6, // NOT_LEADER_OR_FOLLOWER
  9, // REPLICA_NOT_AVAILABLE
  56, // KAFKA_STORAGE_ERROR
  74, // FENCED_LEADER_EPOCH
  75, // UNKNOWN_LEADER_EPOCH
  100, // UNKNOWN_TOPIC_ID
  103, // INCONSISTENT_TOPIC_ID
]);

export function needsMetadataRefresh(error: unknown): boolean {
  if (error instanceof KafkaProtocolError) return METADATA_STALE_ERROR_CODES.has(error.errorCode);
  return (
    error instanceof ConnectionClosedError ||
    error instanceof ConnectionFailedError ||
    error instanceof RequestTimeoutError
  );
}
