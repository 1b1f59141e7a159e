// ControllerChannelManager: how the active controller's requests reach the brokers (Kafka's class of the
// same name, with one RequestSendThread per broker — the controller's own broker included, over TCP like
// the others).
//
//   * Each destination broker has its own queue and its own connection to the broker's inter-broker
//     listener. Requests go out one at a time, in the order the controller produced them, and the next one
//     leaves only after the previous one was answered: every broker sees the controller's decisions in
//     order (§2.10).
//   * A failed connection or a request without an answer within controller.socket.timeout.ms: the
//     connection is dropped, and after a short backoff the *same* request is sent again on a new
//     connection (the requests are idempotent for the broker: an old leader epoch is ignored).
//   * A broker that is no longer live (the controller's context has no end point for it) or that came
//     back with a new broker epoch: the queued requests built for the old incarnation are dropped — they
//     would be refused with STALE_BROKER_EPOCH anyway.
//   * Answers go back to the caller (`onResponse`): the broker shell feeds StopReplica(delete) answers to
//     the controller (topic deletion) and logs the errors of the others.
//   * shutdown() (the controller resigned, or the broker stops) drops every queue and closes every
//     connection; requests of a resigned controller must not be delivered later.

import net from 'node:net';
import type { Logger } from 'pino';

import { FrameSplitter, responseCorrelationId } from '../../client/protocol/index.ts';
import type { ControllerRequest } from '../controller/requests.ts';
import {
  decodeControllerResponse,
  encodeControllerRequest,
  requestVersion,
  type ControllerResponse,
} from './controller-requests-codec.ts';

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ControllerChannelOptions {
  /** client.id in request headers (Kafka: `controller-<id>-to-broker-<id>-send-thread` style). */
  readonly controllerId: number;
  /** The inter-broker end point of a live broker, or undefined when the controller does not see it live. */
  readonly endpointOf: (brokerId: number) => BrokerAddress | undefined;
  /** Called with each answer, in order per broker. */
  readonly onResponse: (brokerId: number, request: ControllerRequest, response: ControllerResponse) => void;
  readonly log: Logger;
  /** controller.socket.timeout.ms: how long to wait for an answer before reconnecting (30000). */
  readonly requestTimeoutMs?: number;
  /** Pause before reconnecting after a failure (Kafka's RequestSendThread backs off 100 ms). */
  readonly retryBackoffMs?: number;
}

export interface SendThreadStatus {
  readonly brokerId: number;
  readonly queued: number;
  readonly connected: boolean;
  readonly sent: number;
  readonly failures: number;
}

class SendFailure extends Error {}

/** One broker's queue and connection (Kafka's RequestSendThread). */
class RequestSendThread {
  readonly brokerId: number;
  private readonly options: ControllerChannelOptions;
  private readonly log: Logger;
  private readonly queue: ControllerRequest[] = [];
  private running = false;
  private stopped = false;
  private socket: net.Socket | undefined;
  private splitter = new FrameSplitter();
  private pending:
    | { correlationId: number; resolve: (frame: Uint8Array) => void; reject: (error: Error) => void }
    | undefined;
  private nextCorrelationId = 1;
  private wakeBackoff: (() => void) | undefined;
  /** The broker epoch the queued requests were built for (the highest seen). */
  private brokerEpoch = -1n;
  sent = 0;
  failures = 0;

  constructor(brokerId: number, options: ControllerChannelOptions) {
    this.brokerId = brokerId;
    this.options = options;
    this.log = options.log.child({ destination: brokerId });
  }

  get queued(): number {
    return this.queue.length;
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && !this.socket.connecting;
  }

  enqueue(request: ControllerRequest): void {
    if (this.stopped) return;
    if (request.brokerEpoch > this.brokerEpoch) {
      // The broker restarted (bounced): what was built for its previous incarnation is void.
      if (this.brokerEpoch >= 0n && this.queue.length > 0) {
        this.log.info(
          {
            dropped: this.queue.length,
            previousBrokerEpoch: String(this.brokerEpoch),
            brokerEpoch: String(request.brokerEpoch),
          },
          'broker has a new epoch: dropping requests built for its previous incarnation',
        );
        this.queue.length = 0;
      }
      this.brokerEpoch = request.brokerEpoch;
      // A request in flight for the old incarnation is retried only if it was built for this one.
    }
    this.queue.push(request);
    if (!this.running) void this.run();
  }

  /** Drop everything and close (the broker died, or the controller resigned). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.closeSocket(new SendFailure('send thread stopped'));
    this.wakeBackoff?.();
  }

  private async run(): Promise<void> {
    this.running = true;
    try {
      while (!this.stopped && this.queue.length > 0) {
        const request = this.queue[0];
        if (request.brokerEpoch < this.brokerEpoch) {
          this.queue.shift();
          continue;
        }
        const address = this.options.endpointOf(this.brokerId);
        if (address === undefined) {
          this.log.info(
            { dropped: this.queue.length },
            'broker is not live: dropping its queued controller requests',
          );
          this.queue.length = 0;
          this.closeSocket(new SendFailure('broker not live'));
          break;
        }
        let response: ControllerResponse;
        try {
          response = await this.sendAndReceive(request, address);
        } catch (error) {
          if (this.stopped) break;
          this.failures++;
          this.closeSocket(new SendFailure('request failed'));
          this.log.warn(
            {
              err: error instanceof Error ? error.message : String(error),
              api: request.type,
              host: address.host,
              port: address.port,
            },
            'controller request failed; reconnecting and retrying',
          );
          await this.backoff();
          continue;
        }
        // Answered: done with it (unless the queue was dropped meanwhile).
        if (this.queue[0] === request) this.queue.shift();
        this.sent++;
        try {
          this.options.onResponse(this.brokerId, request, response);
        } catch (error) {
          this.log.error({ err: error }, 'controller response handler failed');
        }
      }
    } finally {
      this.running = false;
    }
    // Requests may have arrived while the loop was finishing.
    if (!this.stopped && this.queue.length > 0 && !this.running) void this.run();
  }

  private backoff(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeBackoff = undefined;
        resolve();
      }, this.options.retryBackoffMs ?? 100);
      this.wakeBackoff = () => {
        clearTimeout(timer);
        this.wakeBackoff = undefined;
        resolve();
      };
    });
  }

  private async connect(address: BrokerAddress): Promise<net.Socket> {
    if (this.socket !== undefined && !this.socket.destroyed) return this.socket;
    this.splitter = new FrameSplitter();
    const socket = net.connect({ host: address.host, port: address.port, noDelay: true });
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(socket, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
      this.failPending(new SendFailure(`connection to broker ${this.brokerId} closed`));
    });
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      socket.once('error', onError);
      socket.once('connect', () => {
        socket.off('error', onError);
        resolve();
      });
      socket.once('close', () =>
        reject(new SendFailure(`connection to ${address.host}:${address.port} closed`)),
      );
    });
    this.log.debug({ host: address.host, port: address.port }, 'connected');
    return socket;
  }

  private onData(socket: net.Socket, chunk: Buffer): void {
    if (socket !== this.socket) return;
    let frames: Uint8Array[];
    try {
      frames = this.splitter.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    } catch (error) {
      this.closeSocket(error as Error);
      return;
    }
    for (const frame of frames) {
      const pending = this.pending;
      if (pending === undefined) continue;
      let correlationId: number;
      try {
        correlationId = responseCorrelationId(frame);
      } catch (error) {
        this.closeSocket(error as Error);
        return;
      }
      if (correlationId !== pending.correlationId) {
        this.closeSocket(
          new SendFailure(`response correlation id ${correlationId}, expected ${pending.correlationId}`),
        );
        return;
      }
      this.pending = undefined;
      pending.resolve(frame);
    }
  }

  private async sendAndReceive(
    request: ControllerRequest,
    address: BrokerAddress,
  ): Promise<ControllerResponse> {
    const socket = await this.connect(address);
    const correlationId = this.nextCorrelationId++;
    const frame = encodeControllerRequest(
      request,
      correlationId,
      `controller-${this.options.controllerId}-to-broker-${this.brokerId}`,
    );
    const timeoutMs = this.options.requestTimeoutMs ?? 30_000;
    const answer = await new Promise<Uint8Array>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(
          new SendFailure(`no answer to ${request.type} v${requestVersion(request)} within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.pending = {
        correlationId,
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      socket.write(frame);
    });
    return decodeControllerResponse(request, answer);
  }

  private failPending(error: Error): void {
    const pending = this.pending;
    this.pending = undefined;
    pending?.reject(error);
  }

  private closeSocket(error: Error): void {
    const socket = this.socket;
    this.socket = undefined;
    socket?.destroy();
    this.failPending(error);
  }
}

export class ControllerChannelManager {
  private readonly options: ControllerChannelOptions;
  private readonly threads = new Map<number, RequestSendThread>();
  private stopped = false;

  constructor(options: ControllerChannelOptions) {
    this.options = options;
  }

  /** Queue the controller's requests, each to its destination broker, keeping their order per broker. */
  send(requests: readonly ControllerRequest[]): void {
    if (this.stopped) return;
    for (const request of requests) {
      let thread = this.threads.get(request.brokerId);
      if (thread === undefined) {
        thread = new RequestSendThread(request.brokerId, this.options);
        this.threads.set(request.brokerId, thread);
      }
      thread.enqueue(request);
    }
  }

  /** The broker left the cluster: drop its queue and connection. */
  removeBroker(brokerId: number): void {
    this.threads.get(brokerId)?.stop();
    this.threads.delete(brokerId);
  }

  status(): SendThreadStatus[] {
    return [...this.threads.values()]
      .map((t) => ({
        brokerId: t.brokerId,
        queued: t.queued,
        connected: t.connected,
        sent: t.sent,
        failures: t.failures,
      }))
      .sort((a, b) => a.brokerId - b.brokerId);
  }

  /** Drop every queue and close every connection; later send() calls are ignored. */
  shutdown(): void {
    this.stopped = true;
    for (const thread of this.threads.values()) thread.stop();
    this.threads.clear();
  }
}
