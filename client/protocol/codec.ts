// Whole requests and responses: header + body, both directions.
//
// Broker side:
//   const frames = splitter.push(chunk);                 // frame.ts: payloads without the size prefix
//   const request = decodeRequestFrame(frame);           // { kind: 'request', header, apiKey, apiVersion, body }
//   if (request.kind === 'request' && request.apiKey === ApiKey.Metadata) { request.body.topics … }
//   socket.write(encodeResponseFrame(apiKey, apiVersion, correlationId, responseBody));  // size-prefixed
// Client side: encodeRequestFrame(...) and decodeResponseFrame(...).
//
// Malformed bytes throw KafkaDecodeError (close the connection). A request for an API key or version
// this codec does not implement is returned as `kind: 'unsupported'` with whatever of the header could be
// read, so the broker can answer ApiVersions with UNSUPPORTED_VERSION (see unsupportedApiVersionsResponse).
import { ApiKey } from './api-keys.ts';
import { KafkaDecodeError, KafkaReader, KafkaWriter, type KafkaReaderOptions } from './binary.ts';
import { ErrorCode } from './error-codes.ts';
import { RequestHeader, ResponseHeader } from './messages/header.ts';
import {
  API_SCHEMAS,
  API_REGISTRY,
  isSupportedVersion,
  requestHeaderVersion,
  responseHeaderVersion,
  type ApiVersionRange,
  type RequestBody,
  type RequestInput,
  type ResponseBody,
  type ResponseInput,
  type SupportedApiKey,
} from './registry.ts';
import type { MessageSchema, MessageValue } from './schema.ts';

export type RequestHeaderData = MessageValue<typeof RequestHeader>;
export type ResponseHeaderData = MessageValue<typeof ResponseHeader>;

/** A decoded request, discriminated by `apiKey` so `body` has the right type. */
export type DecodedRequest = {
  [K in SupportedApiKey]: {
    readonly kind: 'request';
    readonly apiKey: K;
    readonly apiVersion: number;
    readonly correlationId: number;
    readonly header: RequestHeaderData;
    readonly headerVersion: 0 | 1 | 2;
    readonly body: RequestBody<K>;
  };
}[SupportedApiKey];

/** A request this codec cannot decode the body of. */
export interface UnsupportedRequest {
  readonly kind: 'unsupported';
  readonly reason: 'unknown-api-key' | 'unsupported-version';
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  /** The full header when it could be read (its layout depends on the version), else null. */
  readonly header: RequestHeaderData | null;
}

function schemasOf(apiKey: number): { request: MessageSchema; response: MessageSchema } {
  return (API_SCHEMAS as unknown as Record<number, { request: MessageSchema; response: MessageSchema }>)[
    apiKey
  ];
}

/**
 * Decodes one request frame (the bytes after the size prefix). Throws KafkaDecodeError when the bytes are
 * malformed or are not fully used by the body.
 */
export function decodeRequestFrame(
  frame: Uint8Array,
  options?: KafkaReaderOptions,
): DecodedRequest | UnsupportedRequest {
  if (frame.length < 8) {
    throw new KafkaDecodeError(`request frame of ${frame.length} bytes is shorter than the fixed header`, 0);
  }
  const fixed = new DataView(frame.buffer, frame.byteOffset, 8);
  const apiKey = fixed.getInt16(0);
  const apiVersion = fixed.getInt16(2);
  const correlationId = fixed.getInt32(4);

  if (!isSupportedVersion(apiKey, apiVersion)) {
    let header: RequestHeaderData | null = null;
    if (API_REGISTRY.has(apiKey)) {
      try {
        header = RequestHeader.read(
          new KafkaReader(frame, options),
          requestHeaderVersion(apiKey, apiVersion),
        );
      } catch (error) {
        if (!(error instanceof KafkaDecodeError)) throw error;
      }
    }
    return {
      kind: 'unsupported',
      reason: API_REGISTRY.has(apiKey) ? 'unsupported-version' : 'unknown-api-key',
      apiKey,
      apiVersion,
      correlationId,
      header,
    };
  }

  const reader = new KafkaReader(frame, options);
  const headerVersion = requestHeaderVersion(apiKey, apiVersion);
  const header = RequestHeader.read(reader, headerVersion);
  const schema = schemasOf(apiKey).request;
  const body = schema.read(reader, apiVersion);
  reader.expectEnd(`${schema.name} v${apiVersion}`);
  return {
    kind: 'request',
    apiKey,
    apiVersion,
    correlationId,
    header,
    headerVersion,
    body,
  } as unknown as DecodedRequest;
}

/** Encodes a response with its size prefix, ready to write to the socket. */
export function encodeResponseFrame<K extends SupportedApiKey>(
  apiKey: K,
  apiVersion: number,
  correlationId: number,
  body: ResponseInput<K>,
): Uint8Array {
  const writer = new KafkaWriter(256);
  writer.int32(0);
  ResponseHeader.write(writer, responseHeaderVersion(apiKey, apiVersion), { correlationId });
  schemasOf(apiKey).response.write(writer, apiVersion, body as never);
  writer.patchInt32(0, writer.length - 4);
  // The writer is ours alone and dropped here: a view, not a copy of a frame that can be megabytes.
  return writer.written();
}

/**
 * The answer to an ApiVersions request whose version we do not implement: error UNSUPPORTED_VERSION in
 * the v0 body layout (int32-counted array, no throttle time) with our API table, like real brokers. The
 * client then retries on the same connection with a version from that table (librdkafka: v0 or ≤ v2).
 */
export function unsupportedApiVersionsResponse(
  correlationId: number,
  apiKeys: readonly ApiVersionRange[],
): Uint8Array {
  return encodeResponseFrame(ApiKey.ApiVersions, 0, correlationId, {
    errorCode: ErrorCode.UNSUPPORTED_VERSION,
    apiKeys: apiKeys.map(({ apiKey, minVersion, maxVersion }) => ({ apiKey, minVersion, maxVersion })),
  });
}

export interface RequestFrameHeader {
  readonly correlationId: number;
  /** Kafka clients send their client.id here; null is allowed. */
  readonly clientId: string | null;
}

/** Encodes a request with its size prefix (client side, and broker → broker). */
export function encodeRequestFrame<K extends SupportedApiKey>(
  apiKey: K,
  apiVersion: number,
  header: RequestFrameHeader,
  body: RequestInput<K>,
): Uint8Array {
  const writer = new KafkaWriter(256);
  writer.int32(0);
  RequestHeader.write(writer, requestHeaderVersion(apiKey, apiVersion), {
    requestApiKey: apiKey,
    requestApiVersion: apiVersion,
    correlationId: header.correlationId,
    clientId: header.clientId,
  });
  schemasOf(apiKey).request.write(writer, apiVersion, body as never);
  writer.patchInt32(0, writer.length - 4);
  return writer.written(); // see encodeResponseFrame
}

/** The correlation id of a response frame (its first four bytes), to match it with its request. */
export function responseCorrelationId(frame: Uint8Array): number {
  if (frame.length < 4)
    throw new KafkaDecodeError(`response frame of ${frame.length} bytes has no correlation id`, 0);
  return new DataView(frame.buffer, frame.byteOffset, 4).getInt32(0);
}

export interface DecodedResponse<K extends SupportedApiKey> {
  readonly correlationId: number;
  readonly header: ResponseHeaderData;
  readonly body: ResponseBody<K>;
}

/** Decodes a response frame (after the size prefix) for a request of `apiKey`/`apiVersion`. */
export function decodeResponseFrame<K extends SupportedApiKey>(
  apiKey: K,
  apiVersion: number,
  frame: Uint8Array,
  options?: KafkaReaderOptions,
): DecodedResponse<K> {
  const reader = new KafkaReader(frame, options);
  const header = ResponseHeader.read(reader, responseHeaderVersion(apiKey, apiVersion));
  const schema = schemasOf(apiKey).response;
  const body = schema.read(reader, apiVersion) as ResponseBody<K>;
  reader.expectEnd(`${schema.name} v${apiVersion}`);
  return { correlationId: header.correlationId, header, body };
}

/** Decodes just a request body (no header) of a known API and version. */
export function decodeRequestBody<K extends SupportedApiKey>(
  apiKey: K,
  apiVersion: number,
  bytes: Uint8Array,
  options?: KafkaReaderOptions,
): RequestBody<K> {
  const reader = new KafkaReader(bytes, options);
  const schema = schemasOf(apiKey).request;
  const body = schema.read(reader, apiVersion);
  reader.expectEnd(`${schema.name} v${apiVersion}`);
  return body as RequestBody<K>;
}
