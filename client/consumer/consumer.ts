// The Consumer (kafka-zk-era.md §6): subscribe to topics (or a pattern) as a member of a group, or assign
// partitions by hand; fetch with long polls; commit automatically or by hand; seek, pause and resume;
// hear about rebalances through a listener.
//
//   const consumer = new Consumer({ brokers, groupId: 'billing', autoOffsetReset: 'earliest' });
//   await consumer.connect();
//   consumer.subscribe({ topics: ['orders'] }, {
//     onPartitionsRevoked: async (partitions) => { /* commit, flush state */ },
//     onPartitionsAssigned: async (partitions) => { /* load state */ },
//   });
//   // 1. Java style:   const records = await consumer.poll(1000);
//   // 2. kafkajs style: await consumer.run({ eachMessage: async ({ message }) => { … } });
//   // 3. iterator:      for await (const record of consumer) { … }
//   await consumer.close();                       // commits (auto-commit), LeaveGroup, disconnects
//
// Delivery semantics are decided by where the commit happens (§5.5): commit the record's offset + 1
// *before* processing it → at-most-once (a crash loses it); *after* → at-least-once (a crash repeats it).
// Auto-commit commits, at the start of a poll, what earlier polls returned: at-least-once.

import { guardListener } from '../network/guard-listener.ts';
import type { Crc32c, RecordCompression } from '../protocol/records/index.ts';
import { Cluster, type ClusterEvent } from '../network/cluster.ts';
import { ClientClosedError, KafkaClientError, isRetriableError } from '../network/errors.ts';
import { nativeCrc32c, nodeRecordCompression } from '../node/native-codecs.ts';
import { resolveAssignors, type AssignorName } from './assignors/index.ts';
import type { PartitionAssignor, TopicPartition } from './assignors/types.ts';
import { ConsumerCoordinator } from './coordinator.ts';
import { Fetcher, type RawConsumerRecord } from './fetcher.ts';
import { SubscriptionState, tpKey, type OffsetResetStrategy } from './subscription-state.ts';
import type { ConsumerEvent } from './trace.ts';

export type Deserializer<T> = (bytes: Uint8Array | null, topic: string) => T;

const utf8 = new TextDecoder();
export const bytesDeserializer: Deserializer<Uint8Array | null> = (bytes) => bytes;
export const stringDeserializer: Deserializer<string | null> = (bytes) =>
  bytes === null ? null : utf8.decode(bytes);
export const jsonDeserializer: Deserializer<unknown> = (bytes) =>
  bytes === null ? null : JSON.parse(utf8.decode(bytes));

export interface ConsumerRecord<K = Uint8Array | null, V = Uint8Array | null> {
  topic: string;
  partition: number;
  offset: bigint;
  timestamp: bigint;
  key: K;
  value: V;
  headers: { key: string; value: Uint8Array | null }[];
  leaderEpoch: number;
}

export interface RebalanceListener {
  /** Before partitions go away (eager: all of them, before rejoining). Commit here. */
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  /** After the new assignment arrived (eager: all partitions; cooperative: only the new ones). */
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  /** Partitions lost without a chance to commit (the member was kicked out of the group). */
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export interface ConsumerOptions<K = Uint8Array | null, V = Uint8Array | null> {
  brokers: readonly string[] | string;
  clientId?: string;
  /** Without a group id only assign() works and commits are impossible (2.2+). */
  groupId?: string | null;
  /** Static membership (KIP-345). */
  groupInstanceId?: string | null;
  /** session.timeout.ms (10 000, Kafka 2.x default). */
  sessionTimeoutMs?: number;
  /** heartbeat.interval.ms (3 000). */
  heartbeatIntervalMs?: number;
  /** max.poll.interval.ms (300 000); also the rebalance timeout sent in JoinGroup. */
  maxPollIntervalMs?: number;
  /** Assignors in preference order (partition.assignment.strategy; default ['range']). */
  assignors?: readonly (AssignorName | PartitionAssignor)[];
  /** enable.auto.commit (true). */
  autoCommit?: boolean;
  /** auto.commit.interval.ms (5 000). */
  autoCommitIntervalMs?: number;
  /** auto.offset.reset ('latest'). */
  autoOffsetReset?: OffsetResetStrategy;
  /** fetch.min.bytes (1). */
  fetchMinBytes?: number;
  /** fetch.max.wait.ms (500). */
  fetchMaxWaitMs?: number;
  /** fetch.max.bytes (52 428 800). */
  fetchMaxBytes?: number;
  /** max.partition.fetch.bytes (1 048 576). */
  maxPartitionFetchBytes?: number;
  /** max.poll.records (500). */
  maxPollRecords?: number;
  isolationLevel?: 'read_uncommitted' | 'read_committed';
  /** check.crcs (true in Java; verifies every fetched batch's CRC-32C). */
  checkCrcs?: boolean;
  requestTimeoutMs?: number;
  retryBackoffMs?: number;
  metadataMaxAgeMs?: number;
  connectTimeoutMs?: number;
  /** Let Metadata auto-create subscribed topics (allow.auto.create.topics; false for consumers). */
  allowAutoTopicCreation?: boolean;
  keyDeserializer?: Deserializer<K>;
  valueDeserializer?: Deserializer<V>;
  compression?: RecordCompression;
  crc32c?: Crc32c;
  onEvent?: (event: ConsumerEvent) => void;
  onNetworkEvent?: (event: ClusterEvent) => void;
  cluster?: Cluster;
}

export interface EachMessagePayload<K, V> {
  topic: string;
  partition: number;
  message: ConsumerRecord<K, V>;
  /** Sends a heartbeat now (long handlers). */
  heartbeat(): Promise<void>;
  /** Pauses this message's partition (the rest of its batch is re-fetched after resume). */
  pause(): void;
}

export interface EachBatchPayload<K, V> {
  batch: { topic: string; partition: number; messages: ConsumerRecord<K, V>[]; highWatermark: bigint };
  heartbeat(): Promise<void>;
  /** Marks a message processed: on failure later in the batch, consumption resumes after it. */
  resolveOffset(offset: bigint): void;
}

export interface RunOptions<K, V> {
  eachMessage?: (payload: EachMessagePayload<K, V>) => Promise<void> | void;
  eachBatch?: (payload: EachBatchPayload<K, V>) => Promise<void> | void;
  /** How long each poll may wait. Default 1000 ms. */
  pollTimeoutMs?: number;
  /** A handler that throws: retry after this many ms (default retryBackoffMs), starting at the failed record. */
  retryHandlerAfterMs?: number;
  /** Called when the loop stops because of an error it cannot retry. */
  onCrash?: (error: unknown) => void;
}

export class Consumer<K = Uint8Array | null, V = Uint8Array | null> {
  readonly cluster: Cluster;
  readonly groupId: string | null;
  private readonly ownsCluster: boolean;
  private readonly subscriptions = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly coordinator: ConsumerCoordinator | null;
  private readonly autoCommit: boolean;
  private readonly autoCommitIntervalMs: number;
  private readonly maxPollRecords: number;
  private readonly retryBackoffMs: number;
  private readonly keyDeserializer: Deserializer<K>;
  private readonly valueDeserializer: Deserializer<V>;
  private readonly onEvent: ((event: ConsumerEvent) => void) | undefined;
  private listener: RebalanceListener = {};
  private nextAutoCommitAt = 0;
  private closed = false;
  private polling = false;
  private runLoop: Promise<void> | null = null;
  private stopRequested = false;
  private metadataVersionSeen = -1;
  private assignedSnapshot = new Map<string, number>();
  private connected: Promise<void> | null = null;

  constructor(options: ConsumerOptions<K, V>) {
    this.cluster =
      options.cluster ??
      new Cluster({
        brokers: options.brokers,
        clientId: options.clientId ?? 'kzlab-consumer',
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        ...(options.metadataMaxAgeMs === undefined ? {} : { metadataMaxAgeMs: options.metadataMaxAgeMs }),
        retryBackoffMs: options.retryBackoffMs ?? 100,
        allowAutoTopicCreation: options.allowAutoTopicCreation ?? false,
        ...(options.onNetworkEvent
          ? { onEvent: guardListener(options.onNetworkEvent, 'Consumer onNetworkEvent') }
          : {}),
      });
    this.ownsCluster = options.cluster === undefined;
    this.groupId = options.groupId ?? null;
    this.autoCommit = (options.autoCommit ?? true) && this.groupId !== null;
    this.autoCommitIntervalMs = options.autoCommitIntervalMs ?? 5000;
    this.maxPollRecords = options.maxPollRecords ?? 500;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.keyDeserializer = options.keyDeserializer ?? (bytesDeserializer as Deserializer<K>);
    this.valueDeserializer = options.valueDeserializer ?? (bytesDeserializer as Deserializer<V>);
    this.onEvent = guardListener(options.onEvent, 'Consumer onEvent');
    const requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.fetcher = new Fetcher(this.cluster, this.subscriptions, {
      minBytes: options.fetchMinBytes ?? 1,
      maxWaitMs: options.fetchMaxWaitMs ?? 500,
      maxBytes: options.fetchMaxBytes ?? 52_428_800,
      maxPartitionBytes: options.maxPartitionFetchBytes ?? 1_048_576,
      isolationLevel: options.isolationLevel === 'read_committed' ? 1 : 0,
      requestTimeoutMs,
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      compression: options.compression ?? nodeRecordCompression,
      crc32c: options.checkCrcs === false ? undefined : (options.crc32c ?? nativeCrc32c),
      onEvent: this.onEvent,
    });
    if (this.groupId !== null) {
      const maxPollIntervalMs = options.maxPollIntervalMs ?? 300_000;
      this.coordinator = new ConsumerCoordinator(
        this.cluster,
        {
          groupId: this.groupId,
          groupInstanceId: options.groupInstanceId ?? null,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 10_000,
          rebalanceTimeoutMs: maxPollIntervalMs,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
          maxPollIntervalMs,
          retryBackoffMs: this.retryBackoffMs,
          requestTimeoutMs,
          assignors: resolveAssignors(options.assignors ?? ['range']),
          onEvent: this.onEvent,
        },
        {
          subscription: () => [...this.subscriptions.topics].sort(),
          owned: () => this.subscriptions.assignment(),
          wake: () => this.fetcher.notify(),
        },
      );
    } else {
      this.coordinator = null;
    }
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new ClientClosedError('consumer'));
    if (!this.connected) {
      this.connected = this.cluster.connect();
      this.connected.catch(() => {
        this.connected = null;
      });
    }
    return this.connected;
  }

  // ------------------------------------------------------------------------------------------------
  // Subscriptions

  /** Joins the group for these topics (or every topic matching `pattern`). Needs a groupId. */
  subscribe(
    subscription: { topics: readonly string[] } | { pattern: RegExp },
    listener: RebalanceListener = {},
  ): void {
    this.assertOpen();
    if (!this.coordinator) {
      throw new KafkaClientError(
        'KZ_ERR_ILLEGAL_STATE',
        'subscribe() needs a groupId; use assign() without one',
      );
    }
    this.listener = listener;
    if ('topics' in subscription) {
      this.subscriptions.subscribeTopics(subscription.topics);
      this.cluster.track(subscription.topics);
    } else {
      this.subscriptions.subscribePattern(subscription.pattern);
      this.cluster.trackAllTopics();
    }
    this.coordinator.rejoinNeeded = true;
    this.fetcher.notify();
  }

  /** Manual assignment: no group membership, no rebalances. Commits (with a groupId) are stand-alone. */
  assign(partitions: readonly TopicPartition[]): void {
    this.assertOpen();
    if (this.subscriptions.mode === 'topics' || this.subscriptions.mode === 'pattern') {
      throw new KafkaClientError(
        'KZ_ERR_ILLEGAL_STATE',
        'assign() after subscribe(): call unsubscribe() first',
      );
    }
    this.subscriptions.assignManually(partitions);
    this.cluster.track(partitions.map((tp) => tp.topic));
    this.fetcher.notify();
  }

  /** Leaves the group (revoking partitions) and forgets the subscription. */
  async unsubscribe(): Promise<void> {
    if (this.coordinator && this.subscriptions.size > 0)
      await this.revoke(this.subscriptions.assignment(), true);
    if (this.coordinator && this.coordinator.memberId !== '') await this.coordinator.leave('unsubscribe');
    this.subscriptions.unsubscribe();
    this.fetcher.clearBuffer();
  }

  assignment(): TopicPartition[] {
    return this.subscriptions.assignment();
  }

  /** The group generation and member id (null before joining or without a group). */
  groupMetadata(): { groupId: string; memberId: string; generationId: number; isLeader: boolean } | null {
    if (!this.coordinator || !this.groupId) return null;
    return {
      groupId: this.groupId,
      memberId: this.coordinator.memberId,
      generationId: this.coordinator.generationId,
      isLeader: this.coordinator.isLeader,
    };
  }

  // ------------------------------------------------------------------------------------------------
  // Positions

  seek(tp: TopicPartition, offset: bigint | number): void {
    if (!this.subscriptions.seek(tp.topic, tp.partition, BigInt(offset))) {
      throw new KafkaClientError(
        'KZ_ERR_ILLEGAL_STATE',
        `seek: ${tp.topic}-${tp.partition} is not assigned to this consumer`,
      );
    }
    this.fetcher.notify();
  }

  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.subscriptions.requestReset(tp.topic, tp.partition, 'earliest');
    this.fetcher.notify();
  }

  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.subscriptions.requestReset(tp.topic, tp.partition, 'latest');
    this.fetcher.notify();
  }

  /** The offset of the next record poll() will return for this partition (null if not known yet). */
  position(tp: TopicPartition): bigint | null {
    return this.subscriptions.get(tp.topic, tp.partition)?.position ?? null;
  }

  /** The high watermark seen in the last fetch (-1n before any). */
  highWatermark(tp: TopicPartition): bigint {
    return this.subscriptions.get(tp.topic, tp.partition)?.highWatermark ?? -1n;
  }

  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.subscriptions.get(topic, partition);
      if (state) state.paused = true;
    }
  }

  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.subscriptions.get(topic, partition);
      if (state) state.paused = false;
    }
    this.fetcher.notify();
  }

  paused(): TopicPartition[] {
    return [...this.subscriptions.states()]
      .filter((state) => state.paused)
      .map(({ topic, partition }) => ({ topic, partition }));
  }

  // ------------------------------------------------------------------------------------------------
  // Commits

  /**
   * Commits offsets and waits for the answer (commitSync). Without `offsets`, commits the current
   * position of every assigned partition (= everything poll() returned so far). Each offset is the NEXT
   * offset to read (last processed + 1).
   */
  async commit(
    offsets?: readonly {
      topic: string;
      partition: number;
      offset: bigint | number;
      metadata?: string | null;
    }[],
  ): Promise<void> {
    this.assertOpen();
    if (!this.coordinator) throw new KafkaClientError('KZ_ERR_ILLEGAL_STATE', 'commit needs a groupId');
    const list = offsets
      ? offsets.map((entry) => ({ ...entry, offset: BigInt(entry.offset) }))
      : this.currentPositions(false);
    const group = this.subscriptions.mode !== 'manual';
    await this.coordinator.commit(
      list.map((entry) => ({
        ...entry,
        leaderEpoch: this.subscriptions.get(entry.topic, entry.partition)?.lastLeaderEpoch ?? -1,
      })),
      group,
    );
    for (const entry of list) {
      const state = this.subscriptions.get(entry.topic, entry.partition);
      if (state) state.committed = entry.offset;
    }
  }

  /** Commits without waiting (commitAsync); errors go to `callback` (or are dropped). */
  commitAsync(
    offsets?: readonly { topic: string; partition: number; offset: bigint | number }[],
    callback?: (error: unknown) => void,
  ): void {
    this.commit(offsets).then(
      () => callback?.(null),
      (error: unknown) => callback?.(error),
    );
  }

  /** Committed offsets from the coordinator (-1n = none). */
  async committed(
    partitions: readonly TopicPartition[],
  ): Promise<{ topic: string; partition: number; offset: bigint }[]> {
    if (!this.coordinator) throw new KafkaClientError('KZ_ERR_ILLEGAL_STATE', 'committed() needs a groupId');
    const answer = await this.coordinator.fetchCommitted(partitions);
    return partitions.map(({ topic, partition }) => ({
      topic,
      partition,
      offset: answer.get(tpKey(topic, partition))?.offset ?? -1n,
    }));
  }

  /** Positions to commit: every partition whose position is known (and changed, if onlyChanged). */
  private currentPositions(onlyChanged: boolean): { topic: string; partition: number; offset: bigint }[] {
    const out: { topic: string; partition: number; offset: bigint }[] = [];
    for (const state of this.subscriptions.states()) {
      if (state.position === null) continue;
      if (onlyChanged && state.committed === state.position) continue;
      out.push({ topic: state.topic, partition: state.partition, offset: state.position });
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // Polling

  /**
   * Returns the next records (up to maxPollRecords), waiting up to `timeoutMs` for some. Drives
   * everything else too: joining/rejoining the group, auto-commit, offset lookups and resets.
   */
  async poll(timeoutMs = 1000): Promise<ConsumerRecord<K, V>[]> {
    this.assertOpen();
    if (this.polling)
      throw new KafkaClientError('KZ_ERR_ILLEGAL_STATE', 'poll() is already running (one poll at a time)');
    this.polling = true;
    try {
      return await this.pollOnce(timeoutMs);
    } finally {
      this.polling = false;
    }
  }

  private async pollOnce(timeoutMs: number): Promise<ConsumerRecord<K, V>[]> {
    const deadline = Date.now() + timeoutMs;
    if (this.subscriptions.mode === 'none')
      throw new KafkaClientError('KZ_ERR_ILLEGAL_STATE', 'poll() before subscribe() or assign()');
    await this.connect();
    if (this.coordinator) this.coordinator.lastPollAt = Date.now();
    for (;;) {
      await this.maybeAutoCommit();
      await this.ensureGroupMembership();
      await this.ensurePositions();
      const error = this.fetcher.takeError();
      if (error) throw error;
      let raw = this.fetcher.collect(this.maxPollRecords);
      if (raw.length > 0) {
        this.fetcher.sendFetches(); // prefetch while the application works
        return raw.map((record) => this.deserialize(record));
      }
      this.fetcher.sendFetches();
      const remaining = deadline - Date.now();
      if (remaining <= 0) return [];
      await this.fetcher.waitForData(remaining);
      if (this.closed) return [];
      raw = this.fetcher.collect(this.maxPollRecords);
      if (raw.length > 0) {
        this.fetcher.sendFetches();
        return raw.map((record) => this.deserialize(record));
      }
      if (Date.now() >= deadline) return [];
    }
  }

  private deserialize(record: RawConsumerRecord): ConsumerRecord<K, V> {
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      key: this.keyDeserializer(record.key, record.topic),
      value: this.valueDeserializer(record.value, record.topic),
      headers: record.headers,
      leaderEpoch: record.leaderEpoch,
    };
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.autoCommit || !this.coordinator) return;
    if (this.coordinator.state !== 'STABLE' && this.subscriptions.mode !== 'manual') return;
    const now = Date.now();
    if (now < this.nextAutoCommitAt) return;
    this.nextAutoCommitAt = now + this.autoCommitIntervalMs;
    const offsets = this.currentPositions(true);
    if (offsets.length === 0) return;
    // Asynchronous, like Java's auto-commit inside poll(): failures are retried at the next interval.
    this.commitAsync(offsets);
  }

  /** Joins or rejoins when needed; also notices pattern and partition-count changes. */
  private async ensureGroupMembership(): Promise<void> {
    const coordinator = this.coordinator;
    if (!coordinator || (this.subscriptions.mode !== 'topics' && this.subscriptions.mode !== 'pattern'))
      return;
    if (this.cluster.metadata.version !== this.metadataVersionSeen) {
      this.metadataVersionSeen = this.cluster.metadata.version;
      if (this.subscriptions.updateMatchedTopics(this.cluster.metadata.topics.keys()))
        coordinator.rejoinNeeded = true;
      if (coordinator.isLeader && coordinator.state === 'STABLE') {
        for (const [topic, count] of this.assignedSnapshot) {
          const now = this.cluster.metadata.partitionCount(topic);
          if (now !== undefined && now !== count) coordinator.rejoinNeeded = true;
        }
      }
    }
    if (this.subscriptions.mode === 'pattern' && this.cluster.metadata.updatedAt === 0)
      await this.cluster.refreshMetadata();
    if (this.subscriptions.mode === 'pattern')
      this.subscriptions.updateMatchedTopics(this.cluster.metadata.topics.keys());
    if (!coordinator.rejoinNeeded && coordinator.state === 'STABLE') return;
    await this.rebalance();
  }

  private async rebalance(): Promise<void> {
    const coordinator = this.coordinator!;
    const cooperative = coordinator.rebalanceProtocol === 'COOPERATIVE';
    const owned = this.subscriptions.assignment();
    if (!cooperative && owned.length > 0) {
      // Eager: give everything up (committing first) before rejoining.
      await this.revoke(owned, coordinator.memberId !== '');
    } else if (cooperative && coordinator.memberId === '' && owned.length > 0) {
      // We were kicked out: these partitions are lost, not revoked (no commit possible).
      await this.lose(owned);
    }
    const result = await coordinator.join(owned.length === 0 ? 'joining' : 'rebalance');
    this.nextAutoCommitAt = Date.now() + this.autoCommitIntervalMs;
    this.assignedSnapshot = new Map(
      [...this.subscriptions.topics].map((topic) => [
        topic,
        this.cluster.metadata.partitionCount(topic) ?? 0,
      ]),
    );
    const now = new Set(this.subscriptions.assignment().map((tp) => tpKey(tp.topic, tp.partition)));
    const next = new Set(result.assignment.map((tp) => tpKey(tp.topic, tp.partition)));
    const revoked = this.subscriptions.assignment().filter((tp) => !next.has(tpKey(tp.topic, tp.partition)));
    const added = result.assignment.filter((tp) => !now.has(tpKey(tp.topic, tp.partition)));
    if (revoked.length > 0) {
      await this.revoke(revoked, true);
      // Cooperative: partitions we gave up go to their new owner in a follow-up rebalance.
      if (cooperative) coordinator.rejoinNeeded = true;
    }
    this.cluster.track(result.assignment.map((tp) => tp.topic));
    this.subscriptions.addPartitions(added);
    this.onEvent?.({
      type: 'group.assigned',
      groupId: this.groupId!,
      generationId: result.generationId,
      assigned: added,
      revoked,
    });
    const assignedNow = cooperative ? added : this.subscriptions.assignment();
    await this.listener.onPartitionsAssigned?.(assignedNow);
  }

  /** Commits (if auto-commit) and tells the listener, then forgets the partitions. */
  private async revoke(partitions: TopicPartition[], canCommit: boolean): Promise<void> {
    if (partitions.length === 0) return;
    if (this.autoCommit && canCommit && this.coordinator) {
      const keys = new Set(partitions.map((tp) => tpKey(tp.topic, tp.partition)));
      const offsets = this.currentPositions(true).filter((entry) =>
        keys.has(tpKey(entry.topic, entry.partition)),
      );
      try {
        await this.coordinator.commit(offsets, true);
        for (const entry of offsets) {
          const state = this.subscriptions.get(entry.topic, entry.partition);
          if (state) state.committed = entry.offset;
        }
      } catch {
        // The group may already have moved on (commit failed): the next owner re-reads from the last commit.
      }
    }
    await this.listener.onPartitionsRevoked?.(partitions);
    this.onEvent?.({ type: 'group.revoked', groupId: this.groupId ?? '', partitions });
    this.subscriptions.removePartitions(partitions);
    this.fetcher.clearBuffer();
  }

  private async lose(partitions: TopicPartition[]): Promise<void> {
    if (this.listener.onPartitionsLost) await this.listener.onPartitionsLost(partitions);
    else await this.listener.onPartitionsRevoked?.(partitions);
    this.subscriptions.removePartitions(partitions);
    this.fetcher.clearBuffer();
  }

  /** Positions for partitions that have none: committed offsets first (group), else auto.offset.reset. */
  private async ensurePositions(): Promise<void> {
    const missing = [...this.subscriptions.states()].filter((state) => state.position === null);
    if (missing.length === 0) return;
    const needCommitted = missing.filter((state) => state.pendingReset === null && state.committed === null);
    if (this.coordinator && needCommitted.length > 0) {
      const committed = await this.coordinator.fetchCommitted(
        needCommitted.map(({ topic, partition }) => ({ topic, partition })),
      );
      for (const state of needCommitted) {
        const answer = committed.get(tpKey(state.topic, state.partition));
        if (this.subscriptions.get(state.topic, state.partition) !== state || state.position !== null)
          continue;
        if (answer && answer.offset >= 0n) {
          state.position = answer.offset;
          state.committed = answer.offset;
          state.epoch++;
        } else {
          state.committed = -1n; // nothing committed: auto.offset.reset decides (below)
        }
      }
    }
    const toReset = missing.filter((state) => state.position === null);
    if (toReset.length === 0) return;
    const unknownLeaders = toReset.some(
      (state) => this.cluster.metadata.leaderFor(state.topic, state.partition) === undefined,
    );
    if (unknownLeaders) {
      try {
        await this.cluster.refreshMetadata(toReset.map((state) => state.topic));
      } catch (error) {
        if (!isRetriableError(error)) throw error;
      }
    }
    await this.fetcher.resetOffsets(toReset);
  }

  // ------------------------------------------------------------------------------------------------
  // run() and the async iterator

  /**
   * Starts a background loop: poll → eachMessage (or eachBatch) → poll … Returns once started; the loop
   * runs until stop() or close(). A handler that throws makes the loop seek back to the failed record
   * and retry it after a pause (so nothing is skipped: at-least-once).
   */
  async run(options: RunOptions<K, V>): Promise<void> {
    this.assertOpen();
    if (this.runLoop) throw new KafkaClientError('KZ_ERR_ILLEGAL_STATE', 'run() is already running');
    if (!options.eachMessage && !options.eachBatch) {
      throw new KafkaClientError('KZ_ERR_CONFIG', 'run() needs eachMessage or eachBatch');
    }
    await this.connect();
    this.stopRequested = false;
    this.runLoop = this.loop(options).catch((error: unknown) => {
      if (options.onCrash) options.onCrash(error);
      else throw error;
    });
    this.runLoop.catch(() => {});
  }

  /** Resolves when the run() loop has ended (rejects if it crashed and no onCrash was given). */
  get running(): Promise<void> {
    return this.runLoop ?? Promise.resolve();
  }

  /** Stops the run() loop after the current handler. */
  async stop(): Promise<void> {
    this.stopRequested = true;
    this.fetcher.notify();
    const loop = this.runLoop;
    if (loop) await loop.catch(() => {});
    this.runLoop = null;
  }

  private async loop(options: RunOptions<K, V>): Promise<void> {
    const pollTimeoutMs = options.pollTimeoutMs ?? 1000;
    const retryAfter = options.retryHandlerAfterMs ?? this.retryBackoffMs;
    const heartbeat = async () => {
      await this.coordinator?.heartbeat();
    };
    while (!this.stopRequested && !this.closed) {
      let records: ConsumerRecord<K, V>[];
      try {
        records = await this.poll(pollTimeoutMs);
      } catch (error) {
        if (this.closed || this.stopRequested) return;
        if (!isRetriableError(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, this.retryBackoffMs));
        continue;
      }
      if (records.length === 0) continue;
      // Group by partition, keeping fetch order.
      const byPartition = new Map<string, ConsumerRecord<K, V>[]>();
      for (const record of records) {
        const key = tpKey(record.topic, record.partition);
        let list = byPartition.get(key);
        if (!list) {
          list = [];
          byPartition.set(key, list);
        }
        list.push(record);
      }
      for (const list of byPartition.values()) {
        if (this.stopRequested || this.closed) break;
        const { topic, partition } = list[0];
        const state = this.subscriptions.get(topic, partition);
        if (!state) continue; // revoked meanwhile
        if (options.eachBatch) {
          let resolved: bigint | null = null;
          try {
            await options.eachBatch({
              batch: { topic, partition, messages: list, highWatermark: state.highWatermark },
              heartbeat,
              resolveOffset: (offset) => {
                resolved = offset;
              },
            });
          } catch {
            const resumeAt: bigint = resolved === null ? list[0].offset : (resolved as bigint) + 1n;
            if (this.subscriptions.isAssigned(topic, partition)) this.seek({ topic, partition }, resumeAt);
            await new Promise((resolve) => setTimeout(resolve, retryAfter));
          }
          continue;
        }
        for (const message of list) {
          if (this.stopRequested || this.closed || !this.subscriptions.isAssigned(topic, partition)) break;
          if (state.paused) {
            // Paused from a handler: the rest of this batch is fetched again after resume().
            this.subscriptions.seek(topic, partition, message.offset);
            state.paused = true;
            break;
          }
          try {
            await options.eachMessage!({
              topic,
              partition,
              message,
              heartbeat,
              pause: () => this.pause([{ topic, partition }]),
            });
          } catch {
            if (this.subscriptions.isAssigned(topic, partition))
              this.seek({ topic, partition }, message.offset);
            await new Promise((resolve) => setTimeout(resolve, retryAfter));
            break;
          }
        }
      }
    }
  }

  /** `for await (const record of consumer)`: polls forever (until close() or the loop breaks). */
  async *[Symbol.asyncIterator](): AsyncGenerator<ConsumerRecord<K, V>> {
    while (!this.closed) {
      const records = await this.poll(1000);
      for (const record of records) {
        if (!this.subscriptions.isAssigned(record.topic, record.partition)) continue;
        yield record;
      }
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Closing

  /**
   * Stops run() (waiting up to `timeoutMs`, default 5 s, for the current handler), commits the positions
   * (auto-commit), tells the listener, leaves the group and closes the connections.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.closed) return;
    this.stopRequested = true;
    this.fetcher.notify();
    if (this.runLoop) {
      // The loop may sit in a JoinGroup parked at the coordinator; do not wait for that forever.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.runLoop.catch(() => {}),
        new Promise<void>((resolve) => (timer = setTimeout(resolve, options.timeoutMs ?? 5000))),
      ]);
      clearTimeout(timer);
    }
    this.runLoop = null;
    if (this.coordinator) {
      if (this.coordinator.state === 'STABLE' && this.subscriptions.mode !== 'manual') {
        await this.revoke(this.subscriptions.assignment(), true).catch(() => {});
        await this.coordinator.leave('the consumer is closing');
      } else if (this.autoCommit && this.subscriptions.mode === 'manual') {
        await this.commit().catch(() => {});
      }
      this.coordinator.close();
    }
    this.closed = true;
    this.fetcher.notify();
    this.fetcher.clearBuffer();
    if (this.ownsCluster) this.cluster.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new ClientClosedError('consumer');
  }
}
