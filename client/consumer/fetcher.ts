// The Fetcher: long-polling Fetch requests and offset resets for the consumer.
//
// * One Fetch per leader broker holds every fetchable partition led by it (assigned, not paused, position
//   known, nothing buffered for it), with fetch.min.bytes / fetch.max.wait.ms so an idle consumer waits
//   at the broker instead of spinning; at most one Fetch in flight per broker, on the 'fetch' lane.
// * Responses are decoded into records (batches may start before the fetch offset: those records are
//   skipped; control batches are skipped) and buffered per partition; `collect` hands them out up to
//   max.poll.records and advances positions. Buffered records whose partition was revoked, paused or
//   seeked meanwhile are dropped (the partition's epoch tells).
// * OFFSET_OUT_OF_RANGE marks the partition for auto.offset.reset; NOT_LEADER_OR_FOLLOWER and friends
//   refresh metadata. Resets use ListOffsets (-2 earliest = log start, -1 latest = high watermark).

import { ApiKey } from '../protocol/api-keys.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { decodeRecordBatches, type Crc32c, type RecordCompression } from '../protocol/records/index.ts';
import type { Cluster } from '../network/cluster.ts';
import { KzError } from '../common/errors.ts';
import { KafkaClientError, KafkaProtocolError, METADATA_STALE_ERROR_CODES } from '../network/errors.ts';
import type { OffsetResetStrategy, PartitionState, SubscriptionState } from './subscription-state.ts';
import type { ConsumerEvent } from './trace.ts';

export interface RawConsumerRecord {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: { key: string; value: Uint8Array | null }[];
  /** The leader epoch of the batch the record came in (-1 if unknown). */
  leaderEpoch: number;
}

export interface FetcherOptions {
  minBytes: number;
  maxWaitMs: number;
  maxBytes: number;
  maxPartitionBytes: number;
  isolationLevel: 0 | 1;
  requestTimeoutMs: number;
  autoOffsetReset: OffsetResetStrategy;
  compression: RecordCompression;
  /** Verify batch CRCs (check.crcs). */
  crc32c: Crc32c | undefined;
  onEvent: ((event: ConsumerEvent) => void) | undefined;
}

interface CompletedFetch {
  state: PartitionState;
  epoch: number;
  records: RawConsumerRecord[];
  index: number;
}

export class Fetcher {
  private readonly cluster: Cluster;
  private readonly subscriptions: SubscriptionState;
  private readonly options: FetcherOptions;
  private readonly inFlight = new Set<number>();
  private completed: CompletedFetch[] = [];
  /** Errors to surface from the next poll (auto.offset.reset = none, fatal fetch errors). */
  private pendingError: Error | null = null;
  private waiters: (() => void)[] = [];
  private metadataRefresh: Promise<void> | null = null;

  constructor(cluster: Cluster, subscriptions: SubscriptionState, options: FetcherOptions) {
    this.cluster = cluster;
    this.subscriptions = subscriptions;
    this.options = options;
  }

  /** Wakes whoever waits for data (new data arrived, or the consumer must do something else). */
  notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }

  /** Waits until a fetch completes, notify() is called, or `ms` passes. */
  waitForData(ms: number): Promise<void> {
    if (this.hasBufferedRecords()) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    });
  }

  takeError(): Error | null {
    const error = this.pendingError;
    this.pendingError = null;
    return error;
  }

  hasBufferedRecords(): boolean {
    for (const fetch of this.completed) {
      if (this.isValid(fetch) && !fetch.state.paused && fetch.index < fetch.records.length) return true;
    }
    return false;
  }

  /** Forgets buffered records (after a rebalance or close). */
  clearBuffer(): void {
    this.completed = [];
  }

  private isValid(fetch: CompletedFetch): boolean {
    const current = this.subscriptions.get(fetch.state.topic, fetch.state.partition);
    return current === fetch.state && fetch.epoch === fetch.state.epoch;
  }

  /** Takes up to `max` buffered records, in fetch order, advancing positions. */
  collect(max: number): RawConsumerRecord[] {
    const out: RawConsumerRecord[] = [];
    const keep: CompletedFetch[] = [];
    for (const fetch of this.completed) {
      if (!this.isValid(fetch) || fetch.index >= fetch.records.length) continue;
      if (fetch.state.paused || out.length >= max) {
        keep.push(fetch);
        continue;
      }
      const take = Math.min(max - out.length, fetch.records.length - fetch.index);
      for (let i = 0; i < take; i++) out.push(fetch.records[fetch.index + i]);
      fetch.index += take;
      const last = fetch.records[fetch.index - 1];
      fetch.state.position = last.offset + 1n;
      fetch.state.lastLeaderEpoch = last.leaderEpoch;
      if (fetch.index < fetch.records.length) keep.push(fetch);
    }
    this.completed = keep;
    return out;
  }

  private bufferedFor(state: PartitionState): boolean {
    return this.completed.some(
      (fetch) => fetch.state === state && this.isValid(fetch) && fetch.index < fetch.records.length,
    );
  }

  /** Sends a Fetch to every leader that has fetchable partitions and none in flight. */
  sendFetches(): void {
    const byLeader = new Map<number, PartitionState[]>();
    let unknownLeader = false;
    for (const state of this.subscriptions.states()) {
      if (state.paused || state.position === null || this.bufferedFor(state)) continue;
      const leader = this.cluster.metadata.leaderFor(state.topic, state.partition);
      if (leader === undefined) {
        unknownLeader = true;
        continue;
      }
      if (this.inFlight.has(leader)) continue;
      let list = byLeader.get(leader);
      if (!list) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(state);
    }
    if (unknownLeader) this.refreshMetadata();
    for (const [nodeId, states] of byLeader) void this.fetchFrom(nodeId, states);
  }

  private refreshMetadata(): void {
    if (this.metadataRefresh) return;
    this.metadataRefresh = this.cluster
      .refreshMetadata()
      .catch(() => {})
      .then(() => new Promise<void>((resolve) => setTimeout(resolve, this.cluster.retryBackoffMs)))
      .finally(() => {
        this.metadataRefresh = null;
        this.notify();
      });
  }

  private async fetchFrom(nodeId: number, states: PartitionState[]): Promise<void> {
    this.inFlight.add(nodeId);
    const { minBytes, maxWaitMs, maxBytes, maxPartitionBytes, isolationLevel, requestTimeoutMs } =
      this.options;
    const requested = states.map((state) => ({ state, epoch: state.epoch, fetchOffset: state.position! }));
    const byTopic = new Map<string, typeof requested>();
    for (const entry of requested) {
      let list = byTopic.get(entry.state.topic);
      if (!list) {
        list = [];
        byTopic.set(entry.state.topic, list);
      }
      list.push(entry);
    }
    let records = 0;
    let bytes = 0;
    try {
      const connection = await this.cluster.connectionTo(nodeId, 'fetch');
      const response = await connection.request(
        ApiKey.Fetch,
        {
          replicaId: -1,
          maxWaitMs,
          minBytes,
          maxBytes,
          isolationLevel,
          sessionId: 0,
          sessionEpoch: -1,
          topics: [...byTopic].map(([topic, entries]) => ({
            topic,
            partitions: entries.map(({ state, fetchOffset }) => ({
              partition: state.partition,
              currentLeaderEpoch: -1,
              fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: maxPartitionBytes,
            })),
          })),
          forgottenTopicsData: [],
          rackId: '',
        },
        { timeoutMs: requestTimeoutMs + maxWaitMs },
      );
      if (response.errorCode !== 0) throw new KafkaProtocolError(response.errorCode);
      const lookup = new Map(
        requested.map((entry) => [`${entry.state.topic}\u0000${entry.state.partition}`, entry]),
      );
      for (const topic of response.responses) {
        for (const partition of topic.partitions) {
          const entry = lookup.get(`${topic.topic}\u0000${partition.partitionIndex}`);
          if (!entry) continue;
          const { state, epoch, fetchOffset } = entry;
          if (state.epoch !== epoch || !this.subscriptions.isAssigned(state.topic, state.partition)) continue;
          if (partition.errorCode !== 0) {
            this.handlePartitionError(state, partition.errorCode, fetchOffset);
            continue;
          }
          state.highWatermark = partition.highWatermark;
          if (partition.logStartOffset >= 0n) state.logStartOffset = partition.logStartOffset;
          const blob = partition.records;
          if (blob === null || blob.length === 0) continue;
          bytes += blob.length;
          const decoded = this.decode(state, blob, fetchOffset);
          if (decoded.length === 0) continue;
          records += decoded.length;
          this.completed.push({ state, epoch, records: decoded, index: 0 });
        }
      }
      this.options.onEvent?.({ type: 'fetch', nodeId, partitions: states.length, records, bytes });
    } catch (error) {
      this.options.onEvent?.({
        type: 'fetch.error',
        nodeId,
        error: error instanceof Error ? error.message : String(error),
      });
      // Corrupt or undecodable records will not get better by fetching again: tell the application.
      if (error instanceof KzError && !error.retriable) this.pendingError = error;
      this.refreshMetadata();
      // Back off a little so a dead broker is not hammered.
      await new Promise((resolve) => setTimeout(resolve, this.cluster.retryBackoffMs));
    } finally {
      this.inFlight.delete(nodeId);
      this.notify();
    }
  }

  private decode(state: PartitionState, blob: Uint8Array, fetchOffset: bigint): RawConsumerRecord[] {
    const out: RawConsumerRecord[] = [];
    const batches = decodeRecordBatches(blob, {
      compression: this.options.compression,
      ...(this.options.crc32c ? { crc32c: this.options.crc32c } : {}),
    });
    for (const batch of batches) {
      if (batch.isControl) continue;
      const leaderEpoch = batch.header.partitionLeaderEpoch;
      for (const record of batch.records) {
        if (record.offset < fetchOffset) continue;
        out.push({
          topic: state.topic,
          partition: state.partition,
          offset: record.offset,
          timestamp: record.timestamp,
          key: record.key,
          value: record.value,
          headers: record.headers,
          leaderEpoch,
        });
      }
    }
    // A fetch that returned only control records or records before the position still moves on.
    if (out.length === 0 && batches.length > 0) {
      const last = batches[batches.length - 1].header;
      const next = last.baseOffset + BigInt(last.lastOffsetDelta) + 1n;
      if (next > fetchOffset && state.position === fetchOffset) state.position = next;
    }
    return out;
  }

  private handlePartitionError(state: PartitionState, errorCode: number, fetchOffset: bigint): void {
    if (errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      const strategy = this.options.autoOffsetReset;
      this.options.onEvent?.({
        type: 'offset.out-of-range',
        topic: state.topic,
        partition: state.partition,
        offset: fetchOffset,
        reset: strategy,
      });
      if (strategy === 'none') {
        this.pendingError = new KafkaProtocolError(errorCode, {
          topic: state.topic,
          partition: state.partition,
          message: `offset ${fetchOffset} is out of range and auto.offset.reset is none`,
        });
      } else {
        this.subscriptions.requestReset(state.topic, state.partition, strategy);
      }
      return;
    }
    if (METADATA_STALE_ERROR_CODES.has(errorCode) || errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
      this.refreshMetadata();
      return;
    }
    const error = new KafkaProtocolError(errorCode, { topic: state.topic, partition: state.partition });
    if (!error.retriable) this.pendingError = error;
  }

  /**
   * Resolves positions that are unknown: partitions marked for reset (or with no committed offset) get
   * ListOffsets from their leaders (the partition's pendingReset, else auto.offset.reset).
   */
  async resetOffsets(states: readonly PartitionState[]): Promise<void> {
    const byLeader = new Map<number, PartitionState[]>();
    for (const state of states) {
      const strategy = state.pendingReset ?? this.options.autoOffsetReset;
      if (strategy === 'none') {
        throw new KafkaClientError(
          'KZ_ERR_NO_OFFSET',
          `${state.topic}-${state.partition} has no committed offset and auto.offset.reset is none`,
        );
      }
      const leader = this.cluster.metadata.leaderFor(state.topic, state.partition);
      if (leader === undefined) {
        this.refreshMetadata();
        continue;
      }
      let list = byLeader.get(leader);
      if (!list) {
        list = [];
        byLeader.set(leader, list);
      }
      list.push(state);
    }
    await Promise.all(
      [...byLeader].map(async ([nodeId, list]) => {
        try {
          const answers = await listOffsets(
            this.cluster,
            nodeId,
            list.map((state) => ({
              topic: state.topic,
              partition: state.partition,
              timestamp: (state.pendingReset ?? this.options.autoOffsetReset) === 'earliest' ? -2n : -1n,
            })),
            this.options.isolationLevel,
          );
          for (const state of list) {
            const answer = answers.get(`${state.topic}\u0000${state.partition}`);
            if (!answer) continue;
            if (answer.errorCode !== 0) {
              if (METADATA_STALE_ERROR_CODES.has(answer.errorCode)) this.refreshMetadata();
              continue;
            }
            if (!this.subscriptions.isAssigned(state.topic, state.partition) || state.position !== null)
              continue;
            const strategy = state.pendingReset ?? this.options.autoOffsetReset;
            state.position = answer.offset;
            state.pendingReset = null;
            state.epoch++;
            this.options.onEvent?.({
              type: 'offset.reset',
              topic: state.topic,
              partition: state.partition,
              strategy,
              offset: answer.offset,
            });
          }
        } catch {
          this.refreshMetadata();
        }
      }),
    );
  }
}

/** ListOffsets for some partitions of one leader: `timestamp` -2 earliest, -1 latest, or a time in ms. */
export async function listOffsets(
  cluster: Cluster,
  nodeId: number,
  partitions: readonly { topic: string; partition: number; timestamp: bigint }[],
  isolationLevel: 0 | 1 = 0,
): Promise<Map<string, { errorCode: number; offset: bigint; timestamp: bigint }>> {
  const byTopic = new Map<string, { partitionIndex: number; timestamp: bigint }[]>();
  for (const { topic, partition, timestamp } of partitions) {
    let list = byTopic.get(topic);
    if (!list) {
      list = [];
      byTopic.set(topic, list);
    }
    list.push({ partitionIndex: partition, timestamp });
  }
  const connection = await cluster.connectionTo(nodeId);
  const response = await connection.request(ApiKey.ListOffsets, {
    replicaId: -1,
    isolationLevel,
    topics: [...byTopic].map(([name, list]) => ({
      name,
      partitions: list.map(({ partitionIndex, timestamp }) => ({
        partitionIndex,
        currentLeaderEpoch: -1,
        timestamp,
        maxNumOffsets: 1,
      })),
    })),
  });
  const out = new Map<string, { errorCode: number; offset: bigint; timestamp: bigint }>();
  for (const topic of response.topics) {
    for (const partition of topic.partitions) {
      const offset =
        partition.oldStyleOffsets.length > 0 && partition.offset === -1n
          ? partition.oldStyleOffsets[0]
          : partition.offset;
      out.set(`${topic.name}\u0000${partition.partitionIndex}`, {
        errorCode: partition.errorCode,
        offset,
        timestamp: partition.timestamp,
      });
    }
  }
  return out;
}
