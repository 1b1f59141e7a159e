// The Sender: the last stage of the producer pipeline (kafka-zk-era.md §5.1 steps 7–9). It runs on the
// event loop, woken whenever something changes (a batch opened or filled, a response arrived, a backoff or
// linger.ms expired), and each run:
//   1. finds partitions whose first batch is ready — full, or a second batch waits behind it, or it has
//      lingered linger.ms, or it is a retry whose backoff passed, or flush()/close() is waiting;
//   2. groups them by leader broker (unknown leader → metadata refresh, batch waits);
//   3. per broker with a free in-flight slot (max.in.flight.requests.per.connection), drains one batch per
//      partition up to max.request.size into ONE Produce request, encoding each batch once;
//   4. on the response: success → records get offsets; retriable error → metadata refresh if it smells of
//      stale metadata (NOT_LEADER_OR_FOLLOWER, …), the batch goes back to the FRONT of its deque with
//      retry.backoff.ms; otherwise (or retries/delivery.timeout.ms exhausted) the records fail.
// With max.in.flight.requests.per.connection = 1 a partition is muted while its batch is in flight, so
// retries cannot reorder records (Java's guaranteeMessageOrder).

import { ApiKey } from '../protocol/api-keys.ts';
import type { BuildCodecs, CompressionType } from '../protocol/records/index.ts';
import type { Cluster } from '../network/cluster.ts';
import {
  KafkaClientError,
  KafkaProtocolError,
  isRetriableError,
  needsMetadataRefresh,
} from '../network/errors.ts';
import type { ProducerBatch, RecordAccumulator } from './accumulator.ts';
import type { BatchReadyReason, ProducerEvent } from './trace.ts';

export interface SenderOptions {
  acks: number;
  lingerMs: number;
  maxInFlight: number;
  maxRequestSize: number;
  retries: number;
  retryBackoffMs: number;
  requestTimeoutMs: number;
  deliveryTimeoutMs: number;
  compression: CompressionType;
  codecs: BuildCodecs;
  onEvent: ((event: ProducerEvent) => void) | undefined;
}

export class Sender {
  private readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly options: SenderOptions;
  private scheduled = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private timerAt = Number.POSITIVE_INFINITY;
  private readonly inFlightByNode = new Map<number, number>();
  private inFlightTotal = 0;
  /** Partitions with a batch in flight (only used when maxInFlight = 1). */
  private readonly muted = new Set<string>();
  private flushWaiters: (() => void)[] = [];
  private flushing = 0;
  private metadataRefreshing = false;
  private stopped = false;
  /** Called when buffered bytes went down (back-pressure waiters). */
  onRelease: () => void = () => {};

  constructor(cluster: Cluster, accumulator: RecordAccumulator, options: SenderOptions) {
    this.cluster = cluster;
    this.accumulator = accumulator;
    this.options = options;
  }

  get inFlightRequests(): number {
    return this.inFlightTotal;
  }

  /** Schedules a run on the next turn of the event loop (coalescing every wakeup of this tick). */
  wakeup(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** Resolves when every batch appended so far has completed (or failed). */
  flush(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    this.flushing++;
    this.wakeup();
    return new Promise((resolve) => {
      this.flushWaiters.push(() => {
        this.flushing--;
        resolve();
      });
    });
  }

  /** Fails everything still queued (close with a timeout, or a fatal error). */
  abortAll(error: unknown): void {
    for (const batch of this.accumulator.drainAll()) this.failBatch(batch, error);
    this.checkIdle();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private isIdle(): boolean {
    return this.inFlightTotal === 0 && this.accumulator.isEmpty();
  }

  private checkIdle(): void {
    if (this.flushWaiters.length > 0 && this.isIdle()) {
      for (const waiter of this.flushWaiters.splice(0)) waiter();
    }
  }

  /** Why the first batch of `deque` may be sent now, or null (with the time it will be). */
  private readiness(deque: ProducerBatch[], now: number): BatchReadyReason | null {
    const batch = deque[0];
    if (batch === undefined || batch.retryAt > now) return null;
    if (batch.attempts > 0) return 'retry';
    if (batch.closed || deque.length > 1) return 'full';
    if (now - batch.createdAt >= this.options.lingerMs) return 'linger';
    if (this.flushing > 0) return 'flush';
    return null;
  }

  private run(): void {
    if (this.stopped) return;
    const now = Date.now();
    const { lingerMs, deliveryTimeoutMs, maxInFlight, maxRequestSize } = this.options;
    const readyByNode = new Map<number, ProducerBatch[][]>();
    let nextWake = Number.POSITIVE_INFINITY;
    let unknownLeader = false;

    for (const deque of this.accumulator.partitions()) {
      if (this.muted.size > 0 && this.muted.has(partitionKey(deque[0]))) continue;
      // Expire batches that waited longer than delivery.timeout.ms (KIP-91).
      while (deque.length > 0 && now - deque[0].createdAt >= deliveryTimeoutMs) {
        const expired = deque.shift()!;
        this.failBatch(
          expired,
          new KafkaClientError(
            'KZ_ERR_DELIVERY_TIMEOUT',
            `${expired.recordCount} record(s) for ${expired.topic}-${expired.partition} expired after ${deliveryTimeoutMs} ms` +
              (expired.lastError instanceof Error ? ` (last error: ${expired.lastError.message})` : ''),
            { cause: expired.lastError, retriable: false, definite: false },
          ),
        );
      }
      const batch = deque[0];
      if (batch === undefined) continue;
      if (this.readiness(deque, now) === null) {
        nextWake = Math.min(nextWake, batch.retryAt > now ? batch.retryAt : batch.createdAt + lingerMs);
        continue;
      }
      const leader = this.cluster.metadata.leaderFor(batch.topic, batch.partition);
      if (leader === undefined) {
        unknownLeader = true;
        continue;
      }
      let list = readyByNode.get(leader);
      if (!list) {
        list = [];
        readyByNode.set(leader, list);
      }
      list.push(deque);
    }

    if (unknownLeader) this.refreshMetadata('partition without a known leader');

    // Per broker: as many Produce requests as the in-flight limit allows, one batch per partition each.
    for (const [nodeId, deques] of readyByNode) {
      while ((this.inFlightByNode.get(nodeId) ?? 0) < maxInFlight) {
        const batches: ProducerBatch[] = [];
        let bytes = 0;
        for (const deque of deques) {
          const reason = this.readiness(deque, now);
          if (reason === null || (this.muted.size > 0 && this.muted.has(partitionKey(deque[0])))) continue;
          const batch = deque[0];
          const encoded = batch.encode(this.options.codecs, this.options.compression);
          if (batches.length > 0 && bytes + encoded.length > maxRequestSize) break;
          deque.shift();
          batch.closed = true;
          if (batch.attempts === 0) batch.firstSentAt = now;
          if (maxInFlight === 1) this.muted.add(partitionKey(batch));
          batches.push(batch);
          bytes += encoded.length;
          this.options.onEvent?.({
            type: 'batch.ready',
            topic: batch.topic,
            partition: batch.partition,
            records: batch.recordCount,
            bytes: encoded.length,
            waitedMs: now - batch.createdAt,
            reason,
          });
        }
        if (batches.length === 0) break;
        void this.sendProduce(nodeId, batches, bytes);
      }
    }

    this.schedule(nextWake);
    this.checkIdle();
  }

  private schedule(at: number): void {
    if (!Number.isFinite(at)) return;
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timer = null;
        this.timerAt = Number.POSITIVE_INFINITY;
        this.wakeup();
      },
      Math.max(0, at - Date.now()),
    );
  }

  private refreshMetadata(reason: string): void {
    if (this.metadataRefreshing) return;
    this.metadataRefreshing = true;
    this.options.onEvent?.({ type: 'metadata.refresh', reason });
    this.cluster
      .refreshMetadata()
      .catch(() => {})
      .finally(() => {
        this.metadataRefreshing = false;
        // Waiting batches may now have a leader; back off a little if they still do not.
        setTimeout(() => this.wakeup(), this.options.retryBackoffMs).unref?.();
        this.wakeup();
      });
  }

  private async sendProduce(nodeId: number, batches: ProducerBatch[], bytes: number): Promise<void> {
    const { acks, requestTimeoutMs } = this.options;
    const inFlight = (this.inFlightByNode.get(nodeId) ?? 0) + 1;
    this.inFlightByNode.set(nodeId, inFlight);
    this.inFlightTotal++;
    const startedAt = performance.now();
    let records = 0;
    const byTopic = new Map<string, { index: number; records: Uint8Array }[]>();
    for (const batch of batches) {
      records += batch.recordCount;
      let list = byTopic.get(batch.topic);
      if (!list) {
        list = [];
        byTopic.set(batch.topic, list);
      }
      list.push({ index: batch.partition, records: batch.encoded! });
    }
    this.options.onEvent?.({
      type: 'request.sent',
      nodeId,
      batches: batches.length,
      records,
      bytes,
      acks,
      inFlight,
    });
    const errors: string[] = [];
    try {
      const connection = await this.cluster.connectionTo(nodeId);
      const response = await connection.request(
        ApiKey.Produce,
        {
          transactionalId: null,
          acks,
          timeoutMs: requestTimeoutMs,
          topicData: [...byTopic].map(([name, partitionData]) => ({ name, partitionData })),
        },
        // The broker answers REQUEST_TIMED_OUT after timeoutMs; wait a little longer than that for it.
        { expectResponse: acks !== 0, timeoutMs: requestTimeoutMs + Math.min(requestTimeoutMs, 1000) },
      );
      if (acks === 0) {
        for (const batch of batches) this.completeBatch(batch, -1n);
      } else {
        const answered = new Map<
          string,
          { errorCode: number; baseOffset: bigint; errorMessage: string | null }
        >();
        for (const topic of response.responses) {
          for (const partition of topic.partitionResponses) {
            answered.set(`${partition.index}\u0000${topic.name}`, partition);
          }
        }
        for (const batch of batches) {
          const answer = answered.get(`${batch.partition}\u0000${batch.topic}`);
          if (!answer) {
            errors.push('NO_ANSWER');
            this.retryOrFail(
              batch,
              new KafkaClientError('KZ_ERR_METADATA', `no answer for ${batch.topic}-${batch.partition}`, {
                retriable: true,
                definite: false,
              }),
            );
          } else if (answer.errorCode === 0) {
            this.completeBatch(batch, answer.baseOffset);
          } else {
            const error = new KafkaProtocolError(answer.errorCode, {
              topic: batch.topic,
              partition: batch.partition,
              message: answer.errorMessage,
            });
            errors.push(error.errorName);
            this.retryOrFail(batch, error);
          }
        }
      }
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
      for (const batch of batches) this.retryOrFail(batch, error);
    } finally {
      this.inFlightByNode.set(nodeId, (this.inFlightByNode.get(nodeId) ?? 1) - 1);
      this.inFlightTotal--;
      this.options.onEvent?.({
        type: 'request.completed',
        nodeId,
        batches: batches.length,
        records,
        latencyMs: performance.now() - startedAt,
        errors,
      });
      this.wakeup();
      this.checkIdle();
    }
  }

  private unmute(batch: ProducerBatch): void {
    if (this.muted.size > 0) this.muted.delete(partitionKey(batch));
  }

  private completeBatch(batch: ProducerBatch, baseOffset: bigint): void {
    this.unmute(batch);
    this.accumulator.release(batch);
    batch.complete(baseOffset);
    this.options.onEvent?.({
      type: 'batch.completed',
      topic: batch.topic,
      partition: batch.partition,
      baseOffset,
      records: batch.recordCount,
      latencyMs: Date.now() - batch.createdAt,
    });
    this.onRelease();
  }

  private failBatch(batch: ProducerBatch, error: unknown): void {
    this.unmute(batch);
    this.accumulator.release(batch);
    batch.fail(error);
    this.options.onEvent?.({
      type: 'batch.failed',
      topic: batch.topic,
      partition: batch.partition,
      records: batch.recordCount,
      error: error instanceof Error ? error.message : String(error),
    });
    this.onRelease();
  }

  private retryOrFail(batch: ProducerBatch, error: unknown): void {
    const now = Date.now();
    const { retries, retryBackoffMs, deliveryTimeoutMs } = this.options;
    batch.lastError = error;
    const canRetry =
      !this.stopped &&
      isRetriableError(error) &&
      batch.attempts < retries &&
      now + retryBackoffMs - batch.createdAt < deliveryTimeoutMs;
    if (!canRetry) {
      this.failBatch(batch, error);
      return;
    }
    batch.attempts++;
    batch.retryAt = now + retryBackoffMs;
    this.unmute(batch);
    this.accumulator.reenqueue(batch);
    this.options.onEvent?.({
      type: 'batch.retry',
      topic: batch.topic,
      partition: batch.partition,
      attempt: batch.attempts,
      error:
        error instanceof KafkaProtocolError
          ? error.errorName
          : error instanceof Error
            ? error.message
            : String(error),
      backoffMs: retryBackoffMs,
    });
    if (needsMetadataRefresh(error))
      this.refreshMetadata(error instanceof Error ? error.message : 'retriable error');
    this.schedule(batch.retryAt);
  }
}

function partitionKey(batch: ProducerBatch): string {
  return `${batch.partition}\u0000${batch.topic}`;
}
