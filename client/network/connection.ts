// One TCP connection to one broker: framing, correlation ids, pipelining, coalesced writes, timeouts and
// ApiVersions negotiation.
//
//   const connection = new Connection({ host, port, clientId: 'demo' });
//   await connection.connect();                         // TCP + ApiVersions (picks versions per API)
//   const metadata = await connection.request(ApiKey.Metadata, (version) => ({ topics: null }));
//
// * Pipelining: requests are written as soon as they are made (up to `maxInFlightRequests` awaiting a
//   response; the rest wait in a queue, unsent). Kafka answers each connection in request order; the
//   response is matched to its request by correlation id anyway.
// * Coalesced writes: every frame produced in the same tick goes to the socket in one corked write
//   (limits-measured.md §1.3: 4-7x more small round trips per CPU-second than one write per frame).
// * Versions: right after connecting, ApiVersions v3 is sent; a broker that does not know v3 answers
//   UNSUPPORTED_VERSION in the v0 layout with its table, and the request is repeated at the highest
//   version it lists (as librdkafka does). Every later request uses the highest version both sides
//   implement (versions.ts), unless the caller pins one.
// * Timeouts: a request without a response after its timeout fails with RequestTimeoutError and the
//   connection is closed (like Java's NetworkClient) — later responses on it would arrive behind the
//   missing one anyway. Requests waiting on a closed connection fail with ConnectionClosedError
//   (`definite: false` for those already written: the broker may have applied them).

import net from 'node:net';

import { ApiKey, apiName } from '../protocol/api-keys.ts';
import { KafkaReader } from '../protocol/binary.ts';
import { decodeResponseFrame, encodeRequestFrame, responseCorrelationId } from '../protocol/codec.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { FrameSplitter } from '../protocol/frame.ts';
import type { ApiVersionRange, RequestInput, ResponseBody, SupportedApiKey } from '../protocol/registry.ts';
import {
  ClientClosedError,
  ConnectionClosedError,
  ConnectionFailedError,
  KafkaProtocolError,
  RequestTimeoutError,
} from './errors.ts';
import { requireVersion } from './versions.ts';

/** Something the connection did, for tracing (the dashboard's network lane). */
export type NetworkEvent =
  | { type: 'connected'; address: string; nodeId: number | null }
  | { type: 'versions'; address: string; apiVersions: readonly ApiVersionRange[] }
  | {
      type: 'request';
      address: string;
      apiKey: number;
      apiName: string;
      apiVersion: number;
      correlationId: number;
      bytes: number;
    }
  | {
      type: 'response';
      address: string;
      apiKey: number;
      apiName: string;
      apiVersion: number;
      correlationId: number;
      bytes: number;
      latencyMs: number;
    }
  | { type: 'closed'; address: string; reason: string };

export interface ConnectionOptions {
  host: string;
  port: number;
  /** The broker id, when known (bootstrap connections have none). */
  nodeId?: number | null;
  clientId?: string | null;
  connectTimeoutMs?: number;
  /** Default wait for a response (Kafka's request.timeout.ms, 30 000). */
  requestTimeoutMs?: number;
  /** Requests written and awaiting a response, at most; more wait unsent in a queue. Default unlimited. */
  maxInFlightRequests?: number;
  /** Send ApiVersions first and pick versions from the answer (default true). */
  negotiateVersions?: boolean;
  /** Largest response frame accepted. */
  maxFrameSize?: number;
  onEvent?: (event: NetworkEvent) => void;
}

export interface RequestOptions {
  /** Use exactly this version instead of the negotiated one. */
  version?: number;
  /** Overrides requestTimeoutMs (long-polling Fetch and JoinGroup wait longer). */
  timeoutMs?: number;
  /** false for Produce with acks=0: the promise resolves (with undefined) once the bytes are written. */
  expectResponse?: boolean;
}

/** A request body, or a function building it for the version the connection picked. */
export type RequestBodyInput<K extends SupportedApiKey> =
  RequestInput<K> | ((version: number) => RequestInput<K>);

interface Pending {
  readonly apiKey: SupportedApiKey;
  readonly version: number;
  readonly frame: Uint8Array;
  readonly correlationId: number;
  readonly expectResponse: boolean;
  readonly timeoutMs: number;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  /** Custom decoding (ApiVersions' v0 fallback). */
  readonly decode?: (frame: Uint8Array) => unknown;
  sentAt: number;
  timer: ReturnType<typeof setTimeout> | null;
  written: boolean;
}

const MAX_CORRELATION_ID = 0x7fffffff;

export class Connection {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number | null;
  readonly address: string;
  private readonly clientId: string | null;
  private readonly connectTimeoutMs: number;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlight: number;
  private readonly negotiate: boolean;
  private readonly onEvent: ((event: NetworkEvent) => void) | undefined;
  private readonly splitter: FrameSplitter;

  private socket: net.Socket | null = null;
  private connecting: Promise<void> | null = null;
  private closedWith: Error | null = null;
  private nextCorrelationId = 0;
  private readonly inFlight = new Map<number, Pending>();
  private readonly waiting: Pending[] = [];
  private outbox: Pending[] = [];
  private flushScheduled = false;
  private brokerVersions: Map<number, ApiVersionRange> | null = null;
  private readonly closeListeners: ((error: Error) => void)[] = [];

  constructor(options: ConnectionOptions) {
    this.host = options.host;
    this.port = options.port;
    this.nodeId = options.nodeId ?? null;
    this.address = `${options.host}:${options.port}`;
    this.clientId = options.clientId === undefined ? 'kzlab' : options.clientId;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxInFlight = options.maxInFlightRequests ?? Number.POSITIVE_INFINITY;
    this.negotiate = options.negotiateVersions ?? true;
    this.onEvent = options.onEvent;
    this.splitter = new FrameSplitter(
      options.maxFrameSize === undefined ? {} : { maxFrameSize: options.maxFrameSize },
    );
  }

  /** True until the connection fails or is closed. */
  get isOpen(): boolean {
    return this.closedWith === null;
  }

  get isConnected(): boolean {
    return this.closedWith === null && this.socket !== null && this.connecting === null;
  }

  /** Requests written and not yet answered. */
  get inFlightCount(): number {
    return this.inFlight.size;
  }

  /** Requests queued behind the in-flight limit. */
  get queuedCount(): number {
    return this.waiting.length;
  }

  /** The broker's ApiVersions table (null before negotiation, or when negotiation is off). */
  get apiVersions(): ReadonlyMap<number, ApiVersionRange> | null {
    return this.brokerVersions;
  }

  /** The version this connection uses for `apiKey` (throws UnsupportedVersionError if none in common). */
  versionFor(apiKey: SupportedApiKey): number {
    return requireVersion(apiKey, this.brokerVersions, this.address);
  }

  /** Called once when the connection closes for any reason. */
  onClose(listener: (error: Error) => void): void {
    if (this.closedWith) listener(this.closedWith);
    else this.closeListeners.push(listener);
  }

  connect(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (this.socket && !this.connecting) return Promise.resolve();
    if (!this.connecting) this.connecting = this.open();
    return this.connecting;
  }

  private async open(): Promise<void> {
    const socket = net.connect({ host: this.host, port: this.port });
    socket.setNoDelay(true);
    this.socket = socket;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        const error = new ConnectionFailedError(this.address, {
          cause: new Error(`connect timed out after ${this.connectTimeoutMs} ms`),
        });
        socket.destroy();
        reject(error);
      }, this.connectTimeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(new ConnectionFailedError(this.address, { cause: error }));
      });
    }).catch((error: unknown) => {
      this.fail(error as Error);
      throw error;
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.fail(new ConnectionClosedError(this.address, error.message, { cause: error })),
    );
    socket.on('close', () => this.fail(new ConnectionClosedError(this.address, 'closed by the peer')));
    this.onEvent?.({ type: 'connected', address: this.address, nodeId: this.nodeId });
    if (this.negotiate) {
      try {
        await this.negotiateVersions();
      } catch (error) {
        this.fail(error as Error);
        throw error;
      }
    }
    this.connecting = null;
    // Requests made while connecting were queued; write them now.
    this.pump();
  }

  private async negotiateVersions(): Promise<void> {
    let version = 3;
    for (let attempt = 0; attempt < 3; attempt++) {
      const answer = (await this.enqueue(
        ApiKey.ApiVersions,
        version,
        version >= 3 ? { clientSoftwareName: 'kzlab', clientSoftwareVersion: '0.1.0' } : {},
        { expectResponse: true },
        true,
        (frame) => decodeApiVersions(frame, version),
      )) as { errorCode: number; apiKeys: ApiVersionRange[] };
      if (answer.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
        const theirs = answer.apiKeys.find((api) => api.apiKey === ApiKey.ApiVersions);
        const next = Math.min(theirs?.maxVersion ?? 0, 2);
        if (next >= version) break;
        version = next;
        continue;
      }
      if (answer.errorCode !== 0) throw new KafkaProtocolError(answer.errorCode);
      this.brokerVersions = new Map(
        answer.apiKeys.map((api) => [
          api.apiKey,
          { apiKey: api.apiKey, minVersion: api.minVersion, maxVersion: api.maxVersion },
        ]),
      );
      this.onEvent?.({
        type: 'versions',
        address: this.address,
        apiVersions: [...this.brokerVersions.values()],
      });
      return;
    }
    throw new KafkaProtocolError(ErrorCode.UNSUPPORTED_VERSION, {
      message: `${this.address} accepts no ApiVersions version the client speaks`,
    });
  }

  /**
   * Sends a request and resolves with the decoded response body. Rejects with KafkaProtocolError only
   * for nothing: error codes inside the body are the caller's to interpret.
   */
  async request<K extends SupportedApiKey>(
    apiKey: K,
    body: RequestBodyInput<K>,
    options: RequestOptions = {},
  ): Promise<ResponseBody<K>> {
    if (this.closedWith) throw this.closedWith;
    if (!this.socket || this.connecting) await this.connect();
    const version = options.version ?? this.versionFor(apiKey);
    const input = typeof body === 'function' ? body(version) : body;
    return (await this.enqueue(apiKey, version, input, options, false)) as ResponseBody<K>;
  }

  /** Like request() but without awaiting the connection: the caller knows it is connected. */
  private enqueue(
    apiKey: SupportedApiKey,
    version: number,
    body: unknown,
    options: RequestOptions,
    bypassLimit: boolean,
    decode?: (frame: Uint8Array) => unknown,
  ): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = correlationId === MAX_CORRELATION_ID ? 0 : correlationId + 1;
    const frame = encodeRequestFrame(
      apiKey,
      version,
      { correlationId, clientId: this.clientId },
      body as never,
    );
    return new Promise((resolve, reject) => {
      const pending: Pending = {
        apiKey,
        version,
        frame,
        correlationId,
        expectResponse: options.expectResponse ?? true,
        timeoutMs: options.timeoutMs ?? this.requestTimeoutMs,
        resolve,
        reject,
        sentAt: 0,
        timer: null,
        written: false,
        ...(decode ? { decode } : {}),
      };
      if (bypassLimit) this.send(pending);
      else {
        this.waiting.push(pending);
        if (!this.connecting) this.pump();
      }
    });
  }

  /** Moves queued requests into flight while the limit allows. */
  private pump(): void {
    while (this.waiting.length > 0 && this.inFlight.size < this.maxInFlight && !this.closedWith) {
      this.send(this.waiting.shift()!);
    }
  }

  private send(pending: Pending): void {
    pending.sentAt = performance.now();
    if (pending.expectResponse) {
      this.inFlight.set(pending.correlationId, pending);
      pending.timer = setTimeout(() => this.timeOut(pending), pending.timeoutMs);
    }
    this.outbox.push(pending);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
    this.onEvent?.({
      type: 'request',
      address: this.address,
      apiKey: pending.apiKey,
      apiName: apiName(pending.apiKey),
      apiVersion: pending.version,
      correlationId: pending.correlationId,
      bytes: pending.frame.length,
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.outbox;
    this.outbox = [];
    const socket = this.socket;
    if (!socket || this.closedWith) return;
    if (batch.length > 1) socket.cork();
    for (const pending of batch) {
      pending.written = true;
      if (pending.expectResponse) socket.write(pending.frame);
      else {
        socket.write(pending.frame, (error) => {
          if (error) pending.reject(new ConnectionClosedError(this.address, error.message, { cause: error }));
          else pending.resolve(undefined);
        });
      }
    }
    if (batch.length > 1) socket.uncork();
  }

  private onData(chunk: Buffer): void {
    let frames: Uint8Array[];
    try {
      frames = this.splitter.push(chunk);
    } catch (error) {
      this.fail(new ConnectionClosedError(this.address, (error as Error).message, { cause: error }));
      return;
    }
    for (const frame of frames) {
      const correlationId = responseCorrelationId(frame);
      const pending = this.inFlight.get(correlationId);
      if (!pending) {
        this.fail(
          new ConnectionClosedError(this.address, `response with unknown correlation id ${correlationId}`),
        );
        return;
      }
      this.inFlight.delete(correlationId);
      if (pending.timer) clearTimeout(pending.timer);
      let value: unknown;
      try {
        value = pending.decode
          ? pending.decode(frame)
          : decodeResponseFrame(pending.apiKey, pending.version, frame).body;
      } catch (error) {
        pending.reject(error);
        this.fail(
          new ConnectionClosedError(this.address, `undecodable ${apiName(pending.apiKey)} response`, {
            cause: error,
          }),
        );
        return;
      }
      this.onEvent?.({
        type: 'response',
        address: this.address,
        apiKey: pending.apiKey,
        apiName: apiName(pending.apiKey),
        apiVersion: pending.version,
        correlationId,
        bytes: frame.length + 4,
        latencyMs: performance.now() - pending.sentAt,
      });
      pending.resolve(value);
    }
    if (this.waiting.length > 0 && !this.connecting) this.pump();
  }

  private timeOut(pending: Pending): void {
    pending.timer = null;
    if (!this.inFlight.has(pending.correlationId)) return;
    this.inFlight.delete(pending.correlationId);
    const timeout = new RequestTimeoutError(this.address, apiName(pending.apiKey), pending.timeoutMs);
    pending.reject(timeout);
    this.fail(
      new ConnectionClosedError(this.address, `${apiName(pending.apiKey)} timed out`, { cause: timeout }),
    );
  }

  /** Closes the connection; pending requests fail with ClientClosedError. */
  close(): void {
    this.fail(new ClientClosedError(`connection to ${this.address}`));
  }

  private fail(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    this.socket?.destroy();
    for (const pending of this.inFlight.values()) {
      if (pending.timer) clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.inFlight.clear();
    const unsent = [...this.waiting, ...this.outbox.filter((pending) => !pending.expectResponse)];
    this.waiting.length = 0;
    this.outbox = [];
    for (const pending of unsent) {
      pending.reject(
        error instanceof ConnectionClosedError
          ? new ConnectionClosedError(this.address, error.message, { definite: true, cause: error })
          : error,
      );
    }
    this.onEvent?.({ type: 'closed', address: this.address, reason: error.message });
    for (const listener of this.closeListeners.splice(0)) listener(error);
  }
}

/**
 * ApiVersions responses: the error code comes first in every version; an UNSUPPORTED_VERSION answer is in
 * the v0 layout whatever version was asked (so a client can read it before knowing the broker's table).
 */
function decodeApiVersions(frame: Uint8Array, version: number): unknown {
  const reader = new KafkaReader(frame);
  reader.int32(); // correlation id (response header v0)
  const errorCode = reader.int16();
  const layout = errorCode === ErrorCode.UNSUPPORTED_VERSION ? 0 : version;
  return decodeResponseFrame(ApiKey.ApiVersions, layout, frame).body;
}
