// SocketServer: the broker's Kafka listener. Size-prefixed frames (checked against
// socket.request.max.bytes before anything is buffered), requests handled possibly asynchronously
// (Fetch long-polls, acks=all waits for replicas) but answered strictly in request order per connection,
// as Kafka does; acks=0 produces get no response. A frame that does not decode closes the connection.
import net from 'node:net';
import type { Logger } from 'pino';
import {
  ApiKey,
  FrameSplitter,
  KafkaDecodeError,
  apiName,
  decodeRequestFrame,
  type DecodedRequest,
  type UnsupportedRequest,
} from '../../client/protocol/index.ts';

export interface ConnectionInfo {
  id: number;
  remoteAddress: string;
  remotePort: number;
  /** The listener the connection came in on (`PLAINTEXT`, `INTERNAL` …): Metadata answers with its end points. */
  listenerName?: string;
}

/** What a handler answers: a complete response frame, or null for "no response" (acks=0). */
export type HandlerResult = Uint8Array | null;

export interface RequestHandler {
  handle(request: DecodedRequest, connection: ConnectionInfo): HandlerResult | Promise<HandlerResult>;
  /** A request we cannot parse at its version: return a frame to send (then close) or null to just close. */
  unsupported(request: UnsupportedRequest, connection: ConnectionInfo): HandlerResult;
}

export interface SocketServerOptions {
  host: string;
  port: number;
  /** socket.request.max.bytes (100 MiB by default in Kafka). */
  maxRequestBytes: number;
  /** Recorded on every connection (ConnectionInfo.listenerName). */
  listenerName?: string;
  log: Logger;
}

interface Slot {
  result: HandlerResult | undefined;
  done: boolean;
}

interface Connection {
  info: ConnectionInfo;
  socket: net.Socket;
  splitter: FrameSplitter;
  /** Responses in request order; written from the head as they complete. */
  slots: Slot[];
  closing: boolean;
}

export class SocketServer {
  private readonly options: SocketServerOptions;
  private readonly handler: RequestHandler;
  private readonly server: net.Server;
  private readonly connections = new Map<number, Connection>();
  private nextId = 1;
  requestsHandled = 0;
  /** Bytes received / sent on every connection (metrics). */
  bytesIn = 0;
  bytesOut = 0;
  /** Requests handled per API key (metrics). */
  readonly requestsByApiKey = new Map<number, number>();

  constructor(options: SocketServerOptions, handler: RequestHandler) {
    this.options = options;
    this.handler = handler;
    this.server = net.createServer({ noDelay: true }, (socket) => this.accept(socket));
    this.server.on('error', (error) => options.log.error({ err: error }, 'Kafka listener error'));
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as net.AddressInfo).port;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: net.Socket): void {
    const info: ConnectionInfo = {
      id: this.nextId++,
      remoteAddress: (socket.remoteAddress ?? '').replace(/^::ffff:/, ''),
      remotePort: socket.remotePort ?? 0,
      ...(this.options.listenerName === undefined ? {} : { listenerName: this.options.listenerName }),
    };
    const connection: Connection = {
      info,
      socket,
      splitter: new FrameSplitter({ maxFrameSize: this.options.maxRequestBytes }),
      slots: [],
      closing: false,
    };
    this.connections.set(info.id, connection);
    socket.on('data', (chunk: Buffer) => this.onData(connection, chunk));
    socket.on('error', (error) =>
      this.options.log.debug({ connection: info.id, err: error }, 'client socket error'),
    );
    socket.on('close', () => this.connections.delete(info.id));
  }

  private onData(connection: Connection, chunk: Buffer): void {
    this.bytesIn += chunk.length;
    if (connection.closing) return;
    let frames: Uint8Array[];
    try {
      frames = connection.splitter.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      return this.closeForBadInput(connection, error);
    }
    for (const frame of frames) {
      if (connection.closing) return;
      let request: DecodedRequest | UnsupportedRequest;
      try {
        request = decodeRequestFrame(frame);
      } catch (error) {
        return this.closeForBadInput(connection, error);
      }
      if (request.kind === 'unsupported') {
        const answer = this.handler.unsupported(request, connection.info);
        this.options.log.debug(
          { connection: connection.info.id, api: apiName(request.apiKey), version: request.apiVersion },
          'unsupported API or version',
        );
        // ApiVersions gets its error-35 answer and the connection stays (clients then retry at v0);
        // anything else cannot be parsed, so the connection is closed, as Kafka does.
        if (answer) this.enqueue(connection, answer);
        if (request.apiKey !== ApiKey.ApiVersions) this.close(connection);
        continue;
      }
      this.dispatch(connection, request);
    }
  }

  private dispatch(connection: Connection, request: DecodedRequest): void {
    const slot: Slot = { result: undefined, done: false };
    connection.slots.push(slot);
    this.requestsHandled++;
    this.requestsByApiKey.set(request.apiKey, (this.requestsByApiKey.get(request.apiKey) ?? 0) + 1);
    let outcome: HandlerResult | Promise<HandlerResult>;
    try {
      outcome = this.handler.handle(request, connection.info);
    } catch (error) {
      this.options.log.error({ err: error, api: apiName(request.apiKey) }, 'request handler failed');
      return this.close(connection);
    }
    if (outcome instanceof Promise) {
      outcome.then(
        (result) => this.complete(connection, slot, result),
        (error: unknown) => {
          this.options.log.error({ err: error, api: apiName(request.apiKey) }, 'request handler failed');
          this.close(connection);
        },
      );
    } else {
      this.complete(connection, slot, outcome);
    }
  }

  private enqueue(connection: Connection, frame: Uint8Array): void {
    const slot: Slot = { result: frame, done: true };
    connection.slots.push(slot);
    this.flush(connection);
  }

  private complete(connection: Connection, slot: Slot, result: HandlerResult): void {
    slot.result = result;
    slot.done = true;
    this.flush(connection);
  }

  /** Write every finished response at the head, keeping request order. */
  private flush(connection: Connection): void {
    const ready: Uint8Array[] = [];
    while (connection.slots.length > 0 && connection.slots[0].done) {
      const slot = connection.slots.shift()!;
      if (slot.result) ready.push(slot.result);
    }
    if (ready.length === 0 || connection.socket.destroyed) return;
    const bytes = ready.length === 1 ? ready[0] : Buffer.concat(ready);
    this.bytesOut += bytes.length;
    connection.socket.write(bytes);
  }

  private closeForBadInput(connection: Connection, error: unknown): void {
    if (!(error instanceof KafkaDecodeError)) throw error;
    this.options.log.warn(
      { connection: connection.info.id, remote: connection.info.remoteAddress, reason: error.message },
      'malformed request: closing the connection',
    );
    this.close(connection);
  }

  private close(connection: Connection): void {
    if (connection.closing) return;
    connection.closing = true;
    // Answers already queued go first; the socket then closes.
    connection.socket.end();
    setTimeout(() => connection.socket.destroy(), 2000).unref();
  }

  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const connection of this.connections.values()) connection.socket.destroy();
    await closed;
  }
}
