// The Producer: a clean async API over the pipeline
//   serializer → partitioner → accumulator (per-partition batches, batch.size / linger.ms) → sender
// (kafka-zk-era.md §5). Each stage is its own module; `onEvent` makes them visible.
//
//   const producer = new Producer({ brokers: ['127.0.0.1:9092'], acks: 'all', lingerMs: 5 });
//   await producer.connect();
//   const [report] = await producer.send({ topic: 'orders', messages: [{ key: 'user-42', value: 'hello' }] });
//   report.partition, report.offset            // where it landed
//   await producer.flush();                    // everything sent so far is acknowledged (or failed)
//   await producer.close();
//
// send() does not wait for the network to append: many send() calls made in the same tick land in the
// same batches, and a call's promise resolves when all its records are acknowledged. Delivery semantics
// (§5.5): acks=0 is at-most-once (no answer, offsets -1n); acks=all with retries is at-least-once
// (a retry after a lost answer can duplicate: this producer is not idempotent, producerId -1).

import { guardListener } from '../network/guard-listener.ts';
import type { RecordHeaderInput, RecordInput } from '../protocol/records/index.ts';
import type { BuildCodecs, CompressionType } from '../protocol/records/index.ts';
import { Cluster, type ClusterEvent } from '../network/cluster.ts';
import { ClientClosedError, KafkaClientError } from '../network/errors.ts';
import { nativeCodecs } from '../node/native-codecs.ts';
import {
  estimateRecordSize,
  RecordAccumulator,
  type PendingSend,
  type RecordMetadata,
} from './accumulator.ts';
import { createPartitioner, type Partitioner, type PartitionerName } from './partitioners.ts';
import { Sender } from './sender.ts';
import { defaultSerializer, type Serializer } from './serializers.ts';
import type { PartitionStrategy, ProducerEvent } from './trace.ts';

export type Acks = 0 | 1 | -1 | 'all';

export interface ProducerOptions<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  /** Bootstrap brokers, "host:port". */
  brokers: readonly string[] | string;
  clientId?: string;
  /** 0, 1 or 'all' (= -1). Default 'all' (Kafka 3.0+; 2.x defaulted to 1). */
  acks?: Acks;
  /** Max bytes per partition batch (batch.size, 16 384). */
  batchSize?: number;
  /** How long a batch waits for more records (linger.ms, 0 — batching then comes from back-pressure). */
  lingerMs?: number;
  /** Produce requests in flight per broker (max.in.flight.requests.per.connection, 5). */
  maxInFlightRequests?: number;
  /** Largest Produce request (max.request.size, 1 MiB). */
  maxRequestSize?: number;
  /** Retries of a failed batch (retries, 2^31-1: bounded by deliveryTimeoutMs). */
  retries?: number;
  /** Pause before a retry (retry.backoff.ms, 100). */
  retryBackoffMs?: number;
  /** Broker-side ack timeout and client-side response timeout (request.timeout.ms, 30 000). */
  requestTimeoutMs?: number;
  /** Give up on a record this long after send() (delivery.timeout.ms, 120 000). */
  deliveryTimeoutMs?: number;
  /** How long send() may wait for metadata or buffer space (max.block.ms, 60 000). */
  maxBlockMs?: number;
  /** Bytes held in unsent/unacknowledged batches before send() waits (buffer.memory, 32 MiB). */
  bufferMemory?: number;
  compression?: CompressionType;
  /** 'sticky' (KIP-480, default) or 'round-robin' for records without a key; or your own partitioner. */
  partitioner?: PartitionerName | Partitioner;
  keySerializer?: Serializer<K>;
  valueSerializer?: Serializer<V>;
  /** Let Metadata auto-create unknown topics (if the broker allows). Default true. */
  allowAutoTopicCreation?: boolean;
  metadataMaxAgeMs?: number;
  connectTimeoutMs?: number;
  /** Injected randomness for the partitioners (tests). */
  random?: () => number;
  /** CRC-32C and compression (default: native, client/node/native-codecs.ts). */
  codecs?: BuildCodecs;
  /** Pipeline trace events. */
  onEvent?: (event: ProducerEvent) => void;
  /** Also emit per-record events (record.serialized, record.partitioned). */
  traceRecords?: boolean;
  /** Network-level events (connections, requests, metadata). */
  onNetworkEvent?: (event: ClusterEvent) => void;
  /** Use this cluster client instead of making one (shared with a consumer or admin). */
  cluster?: Cluster;
}

export type HeadersInput =
  Record<string, string | Uint8Array | null> | readonly { key: string; value: string | Uint8Array | null }[];

export interface ProducerMessage<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  key?: K | null;
  value: V | null;
  headers?: HeadersInput;
  /** Explicit partition (skips the partitioner). */
  partition?: number;
  /** CreateTime in ms; default: when its batch was opened. */
  timestamp?: number | bigint;
}

export interface ProducerSendRequest<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  topic: string;
  messages: readonly ProducerMessage<K, V>[];
}

const utf8 = new TextEncoder();

interface BlockedAppend {
  run(): void;
  fail(error: unknown): void;
  deadline: number;
}

function toHeaders(input: HeadersInput | undefined): RecordHeaderInput[] | undefined {
  if (input === undefined) return undefined;
  const entries = Array.isArray(input)
    ? (input as readonly { key: string; value: string | Uint8Array | null }[])
    : Object.entries(input).map(([key, value]) => ({ key, value }));
  if (entries.length === 0) return undefined;
  return entries.map(({ key, value }) => ({
    key,
    value: value === null ? null : typeof value === 'string' ? utf8.encode(value) : value,
  }));
}

export class Producer<K = string | Uint8Array | null, V = string | Uint8Array | null> {
  readonly cluster: Cluster;
  private readonly ownsCluster: boolean;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitioner: Partitioner;
  private readonly keySerializer: Serializer<K>;
  private readonly valueSerializer: Serializer<V>;
  private readonly maxBlockMs: number;
  private readonly maxRequestSize: number;
  private readonly bufferMemory: number;
  private readonly onEvent: ((event: ProducerEvent) => void) | undefined;
  private readonly traceRecords: boolean;
  private readonly partitionStrategy: PartitionStrategy;
  /** Sends waiting for buffer.memory to free up, in order. */
  private readonly blocked: BlockedAppend[] = [];
  private blockTimer: ReturnType<typeof setTimeout> | null = null;
  /** Sends waiting for their topic's metadata: flush() waits for them too. */
  private readonly metadataWaits = new Set<Promise<unknown>>();
  private closed = false;
  private connected: Promise<void> | null = null;

  constructor(options: ProducerOptions<K, V>) {
    const acks = options.acks === undefined || options.acks === 'all' ? -1 : options.acks;
    if (acks !== 0 && acks !== 1 && acks !== -1) {
      throw new KafkaClientError(
        'KZ_ERR_CONFIG',
        `acks must be 0, 1, -1 or 'all', not ${String(options.acks)}`,
      );
    }
    const maxInFlight = options.maxInFlightRequests ?? 5;
    this.cluster =
      options.cluster ??
      new Cluster({
        brokers: options.brokers,
        clientId: options.clientId ?? 'kzlab-producer',
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        ...(options.metadataMaxAgeMs === undefined ? {} : { metadataMaxAgeMs: options.metadataMaxAgeMs }),
        retryBackoffMs: options.retryBackoffMs ?? 100,
        allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
        ...(options.onNetworkEvent
          ? { onEvent: guardListener(options.onNetworkEvent, 'Producer onNetworkEvent') }
          : {}),
      });
    this.ownsCluster = options.cluster === undefined;
    this.accumulator = new RecordAccumulator(options.batchSize ?? 16_384);
    this.partitioner = createPartitioner(options.partitioner, options.random);
    this.partitionStrategy =
      options.partitioner === undefined || options.partitioner === 'sticky'
        ? 'sticky'
        : options.partitioner === 'round-robin'
          ? 'round-robin'
          : 'custom';
    this.keySerializer = options.keySerializer ?? (defaultSerializer as Serializer<K>);
    this.valueSerializer = options.valueSerializer ?? (defaultSerializer as Serializer<V>);
    this.maxBlockMs = options.maxBlockMs ?? 60_000;
    this.maxRequestSize = options.maxRequestSize ?? 1_048_576;
    this.bufferMemory = options.bufferMemory ?? 33_554_432;
    this.onEvent = guardListener(options.onEvent, 'Producer onEvent');
    this.traceRecords = options.traceRecords ?? false;
    this.sender = new Sender(this.cluster, this.accumulator, {
      acks,
      lingerMs: options.lingerMs ?? 0,
      maxInFlight,
      maxRequestSize: this.maxRequestSize,
      retries: options.retries ?? 2_147_483_647,
      retryBackoffMs: options.retryBackoffMs ?? 100,
      requestTimeoutMs: options.requestTimeoutMs ?? 30_000,
      deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
      compression: options.compression ?? 'none',
      codecs: options.codecs ?? nativeCodecs,
      onEvent: this.onEvent,
    });
    this.sender.onRelease = () => this.releaseSpace();
  }

  /** Bootstraps metadata (optional: send() connects on first use). */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer'));
    if (!this.connected) {
      this.connected = this.cluster.connect();
      this.connected.catch(() => {
        this.connected = null;
      });
    }
    return this.connected;
  }

  /** Bytes held by batches not yet acknowledged. */
  get bufferedBytes(): number {
    return this.accumulator.bufferedBytes;
  }

  /**
   * Appends the messages to their partitions' batches and resolves with one RecordMetadata per message
   * (same order) once all are acknowledged. Rejects with the first error of any of its records.
   */
  send(request: ProducerSendRequest<K, V>): Promise<RecordMetadata[]> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer'));
    const { topic, messages } = request;
    if (messages.length === 0) return Promise.resolve([]);
    const partitionCount = this.cluster.metadata.partitionCount(topic);
    // An explicit partition beyond what metadata knows may be a partition just added: like Java's
    // waitOnMetadata, refresh (up to max.block.ms) before calling it nonexistent.
    const highestExplicit = Math.max(-1, ...messages.map((m) => m.partition ?? -1));
    if (partitionCount === undefined || partitionCount === 0 || highestExplicit >= partitionCount) {
      return this.sendAfterMetadata(request, highestExplicit);
    }
    return this.appendNow(request);
  }

  private appendNow(request: ProducerSendRequest<K, V>): Promise<RecordMetadata[]> {
    if (this.closed) return Promise.reject(new ClientClosedError('producer'));
    const { topic, messages } = request;
    let resolve!: (results: RecordMetadata[]) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<RecordMetadata[]>((ok, fail) => {
      resolve = ok;
      reject = fail;
    });
    const owner: PendingSend = {
      remaining: messages.length,
      results: new Array(messages.length),
      settled: false,
      resolve,
      reject,
    };
    this.appendAll(topic, messages, owner, 0);
    return promise;
  }

  private sendAfterMetadata(
    request: ProducerSendRequest<K, V>,
    highestExplicitPartition: number,
  ): Promise<RecordMetadata[]> {
    // Tracked so that flush() also covers records still waiting for their topic's metadata.
    const appended = (async () => {
      const deadline = Date.now() + this.maxBlockMs;
      await this.connect();
      await this.cluster.waitForTopics([request.topic], this.maxBlockMs);
      const known = () => this.cluster.metadata.partitionCount(request.topic) ?? 0;
      while (highestExplicitPartition >= known() && Date.now() < deadline) {
        await this.cluster.refreshMetadata([request.topic]).catch(() => undefined);
        if (highestExplicitPartition < known()) break;
        const pause = Math.min(this.cluster.retryBackoffMs, deadline - Date.now());
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, pause)));
      }
    })();
    const settled = appended.then(
      () => undefined,
      () => undefined,
    );
    this.metadataWaits.add(settled);
    const result = appended.then(() => this.appendNow(request));
    void settled.then(() => this.metadataWaits.delete(settled));
    return result;
  }

  /**
   * Appends messages[from…]. When buffer.memory is exhausted the rest of the call waits in a FIFO queue
   * (so records keep their order) and resumes, synchronously, as soon as acknowledged batches free space.
   */
  private appendAll(
    topic: string,
    messages: readonly ProducerMessage<K, V>[],
    owner: PendingSend,
    from: number,
    resumed = false,
  ): void {
    const now = Date.now();
    let wake = false;
    for (let index = from; index < messages.length; index++) {
      if (owner.settled) return;
      if (
        this.accumulator.bufferedBytes >= this.bufferMemory ||
        (!resumed && index === from && this.blocked.length > 0)
      ) {
        this.sender.wakeup();
        const entry: BlockedAppend = {
          run: () => this.appendAll(topic, messages, owner, index, true),
          fail: (error) => {
            if (owner.settled) return;
            owner.settled = true;
            owner.reject(error);
          },
          deadline: now + this.maxBlockMs,
        };
        if (resumed) this.blocked.unshift(entry);
        else this.blocked.push(entry);
        this.armBlockTimer();
        return;
      }
      try {
        if (this.appendOne(topic, messages[index], owner, index, now)) wake = true;
      } catch (error) {
        owner.settled = true;
        owner.reject(error);
        break;
      }
    }
    if (wake) this.sender.wakeup();
  }

  /** Fails blocked appends that waited longer than max.block.ms (one timer for all of them). */
  private armBlockTimer(): void {
    if (this.blockTimer || this.blocked.length === 0) return;
    this.blockTimer = setTimeout(
      () => {
        this.blockTimer = null;
        const now = Date.now();
        while (this.blocked.length > 0 && this.blocked[0].deadline <= now) {
          this.blocked.shift()!.fail(
            new KafkaClientError(
              'KZ_ERR_REQUEST_TIMEOUT',
              `buffer.memory stayed full for max.block.ms (${this.maxBlockMs} ms)`,
              {
                retriable: true,
              },
            ),
          );
        }
        this.armBlockTimer();
      },
      Math.max(1, Math.min(1000, this.blocked[0].deadline - Date.now())),
    );
  }

  /** Serialize → partition → accumulate one message. Returns true when the sender should wake up. */
  private appendOne(
    topic: string,
    message: ProducerMessage<K, V>,
    owner: PendingSend,
    slot: number,
    now: number,
  ): boolean {
    const metadata = this.cluster.metadata;
    const key =
      message.key === undefined || message.key === null ? null : this.keySerializer(message.key, topic);
    const value = message.value === null ? null : this.valueSerializer(message.value, topic);
    const headers = toHeaders(message.headers);
    const onEvent = this.traceRecords ? this.onEvent : undefined;
    onEvent?.({
      type: 'record.serialized',
      topic,
      keyBytes: key === null ? null : key.length,
      valueBytes: value === null ? null : value.length,
      headers: headers?.length ?? 0,
    });
    const partitionCount = metadata.partitionCount(topic) ?? 0;
    const recordSize = estimateRecordSize(key, value, headers, 0);
    if (recordSize + 61 > this.maxRequestSize || recordSize > this.bufferMemory) {
      throw new KafkaClientError(
        'KZ_ERR_RECORD_TOO_LARGE',
        `a record of about ${recordSize} bytes is larger than max.request.size ${this.maxRequestSize}`,
      );
    }

    let partition: number;
    let strategy: PartitionStrategy;
    if (message.partition !== undefined) {
      partition = message.partition;
      strategy = 'explicit';
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) {
        throw new KafkaClientError(
          'KZ_ERR_ILLEGAL_STATE',
          `partition ${partition} of ${topic} does not exist (the topic has ${partitionCount})`,
        );
      }
    } else {
      const input = { topic, key, partitionCount, availablePartitions: metadata.availablePartitions(topic) };
      partition = this.partitioner.partition(input);
      strategy = key !== null ? 'key' : this.partitionStrategy;
      // KIP-480: a sticky partitioner moves on when this record would open a new batch.
      if (this.partitioner.onNewBatch && this.accumulator.wouldOpenNewBatch(topic, partition, recordSize)) {
        const previous = partition;
        this.partitioner.onNewBatch(input, previous);
        partition = this.partitioner.partition(input);
        if (partition !== previous)
          this.onEvent?.({ type: 'sticky.switch', topic, from: previous, to: partition });
      }
    }
    onEvent?.({ type: 'record.partitioned', topic, partition, strategy });

    const record: RecordInput = { key, value };
    if (headers) record.headers = headers;
    if (message.timestamp !== undefined) record.timestamp = BigInt(message.timestamp);
    const result = this.accumulator.append(topic, partition, record, recordSize, owner, slot, now);
    if (result.newBatch) this.onEvent?.({ type: 'batch.opened', topic, partition });
    return result.newBatch || result.batchFull;
  }

  private releaseSpace(): void {
    while (this.blocked.length > 0 && this.accumulator.bufferedBytes < this.bufferMemory) {
      this.blocked.shift()!.run();
    }
  }

  /** Sends everything accumulated now (ignoring linger.ms) and waits for all outstanding records. */
  async flush(): Promise<void> {
    for (;;) {
      await Promise.all([this.sender.flush(), ...this.metadataWaits]);
      if (
        this.metadataWaits.size === 0 &&
        this.blocked.length === 0 &&
        this.sender.inFlightRequests === 0 &&
        this.accumulator.isEmpty()
      ) {
        return;
      }
    }
  }

  /**
   * Flushes (up to `timeoutMs`, default unlimited), then fails whatever is left with ClientClosedError,
   * and closes the connections (unless the cluster client was passed in).
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    const flushed = this.flush();
    if (options.timeoutMs === undefined) await flushed;
    else {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        flushed,
        new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs))),
      ]);
      clearTimeout(timer);
    }
    this.closed = true;
    this.sender.abortAll(new ClientClosedError('producer'));
    this.sender.stop();
    for (const entry of this.blocked.splice(0)) entry.fail(new ClientClosedError('producer'));
    if (this.blockTimer) clearTimeout(this.blockTimer);
    if (this.ownsCluster) this.cluster.close();
  }
}

export type { RecordMetadata };
