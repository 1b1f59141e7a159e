// ReplicaFetcherManager and ReplicaFetcherThread (Kafka 2.4's kafka.server.ReplicaFetcherManager /
// AbstractFetcherThread / ReplicaFetcherThread; kafka-zk-era.md §3.2 and §3.6): a follower replicates by
// fetching. One fetcher per source broker (num.replica.fetchers = 1) sends one multi-partition Fetch with
// replicaId = our broker id, long-polling (replica.fetch.wait.max.ms), and appends the leader's batches
// byte for byte. A partition added after LeaderAndIsr first goes through truncation: OffsetsForLeaderEpoch
// for its latest epoch, then truncate to where its log diverges from the leader's (KIP-101/279), so logs
// never diverge after failovers. Errors back off (replica.fetch.backoff.ms) and reconnect.

import type { Logger } from 'pino';

import { groupByTopic } from '../../client/common/group-by-topic.ts';
import { Connection } from '../../client/network/connection.ts';
import { ApiKey, ErrorCode, errorName } from '../../client/protocol/index.ts';
import { UNDEFINED_EPOCH } from '../log/leader-epoch-cache.ts';
import { truncationStep } from '../replica/replica-state.ts';
import type { FollowerFetching, PartitionState } from './replica-manager.ts';

export interface ReplicaFetcherConfig {
  /** replica.fetch.wait.max.ms (500). */
  readonly maxWaitMs: number;
  /** replica.fetch.min.bytes (1). */
  readonly minBytes: number;
  /** replica.fetch.response.max.bytes (10 MiB). */
  readonly maxBytes: number;
  /** replica.fetch.max.bytes (1 MiB) per partition. */
  readonly partitionMaxBytes: number;
  /** replica.fetch.backoff.ms (1000). */
  readonly backoffMs: number;
  /** replica.socket.timeout.ms (30 000). */
  readonly socketTimeoutMs: number;
}

export interface ReplicaFetcherManagerOptions {
  readonly brokerId: number;
  readonly config: ReplicaFetcherConfig;
  /** The follower partition as the ReplicaManager holds it now (undefined once it stopped following). */
  readonly partition: (topic: string, partition: number) => PartitionState | undefined;
  /** Inter-broker end point of broker `id`, if known. */
  readonly endpointOf: (id: number) => { host: string; port: number } | undefined;
  readonly log: Logger;
}

type FetchPhase = 'truncating' | 'fetching';

interface FetcherPartition {
  readonly topic: string;
  readonly partition: number;
  readonly leaderEpoch: number;
  phase: FetchPhase;
  /** Fetching stops for this partition until then (after an error for it alone). */
  delayedUntilMs: number;
}

export interface FetcherStatus {
  sourceBroker: number;
  connected: boolean;
  partitions: { topic: string; partition: number; leaderEpoch: number; phase: FetchPhase }[];
  fetches: number;
  lastError: string | null;
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class ReplicaFetcherManager implements FollowerFetching {
  private readonly options: ReplicaFetcherManagerOptions;
  private readonly fetchers = new Map<number, ReplicaFetcherThread>();
  private closed = false;

  constructor(options: ReplicaFetcherManagerOptions) {
    this.options = options;
  }

  addPartitions(
    partitions: readonly { topic: string; partition: number; leader: number; leaderEpoch: number }[],
  ): void {
    if (this.closed) return;
    for (const p of partitions) {
      // A partition follows one leader at a time.
      for (const fetcher of this.fetchers.values()) fetcher.remove(p.topic, p.partition);
      let fetcher = this.fetchers.get(p.leader);
      if (fetcher === undefined) {
        fetcher = new ReplicaFetcherThread(p.leader, this.options);
        this.fetchers.set(p.leader, fetcher);
        fetcher.start();
      }
      fetcher.add(p.topic, p.partition, p.leaderEpoch);
    }
  }

  removePartitions(partitions: readonly { topic: string; partition: number }[]): void {
    for (const p of partitions)
      for (const fetcher of this.fetchers.values()) fetcher.remove(p.topic, p.partition);
    this.shutdownIdleFetchers();
  }

  private shutdownIdleFetchers(): void {
    for (const [source, fetcher] of this.fetchers) {
      if (fetcher.isIdle) {
        fetcher.shutdown();
        this.fetchers.delete(source);
      }
    }
  }

  status(): FetcherStatus[] {
    return [...this.fetchers.values()].map((f) => f.status());
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    const stopping = [...this.fetchers.values()].map((f) => f.shutdown());
    this.fetchers.clear();
    await Promise.all(stopping);
  }
}

/** One source broker's fetcher: a loop of (truncate what needs it) → Fetch → append, until shut down. */
export class ReplicaFetcherThread {
  private readonly sourceBroker: number;
  private readonly options: ReplicaFetcherManagerOptions;
  private readonly log: Logger;
  private readonly partitions = new Map<string, FetcherPartition>();
  private connection: Connection | undefined;
  private running = false;
  private loopDone: Promise<void> = Promise.resolve();
  private wakeUp: (() => void) | undefined;
  private fetches = 0;
  private lastError: string | null = null;

  constructor(sourceBroker: number, options: ReplicaFetcherManagerOptions) {
    this.sourceBroker = sourceBroker;
    this.options = options;
    this.log = options.log.child({ fetcher: `ReplicaFetcherThread-0-${sourceBroker}` });
  }

  get isIdle(): boolean {
    return this.partitions.size === 0;
  }

  add(topic: string, partition: number, leaderEpoch: number): void {
    this.partitions.set(key(topic, partition), {
      topic,
      partition,
      leaderEpoch,
      phase: 'truncating',
      delayedUntilMs: 0,
    });
    this.log.info({ topic, partition, leaderEpoch }, 'Added fetcher for partition');
    this.wake();
  }

  remove(topic: string, partition: number): void {
    if (this.partitions.delete(key(topic, partition)))
      this.log.info({ topic, partition }, 'Removed fetcher for partition');
  }

  start(): void {
    this.running = true;
    this.loopDone = this.run();
  }

  async shutdown(): Promise<void> {
    this.running = false;
    this.connection?.close();
    this.wake();
    await this.loopDone;
  }

  status(): FetcherStatus {
    return {
      sourceBroker: this.sourceBroker,
      connected: this.connection?.isConnected ?? false,
      partitions: [...this.partitions.values()].map((p) => ({
        topic: p.topic,
        partition: p.partition,
        leaderEpoch: p.leaderEpoch,
        phase: p.phase,
      })),
      fetches: this.fetches,
      lastError: this.lastError,
    };
  }

  private wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Sleeps until `ms` passed or something is added or the fetcher stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.wakeUp = undefined;
        resolve();
      }, ms);
      this.wakeUp = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.partitions.size === 0) {
          await this.pause(60_000);
          continue;
        }
        const connection = this.connect();
        if (connection === undefined) {
          await this.pause(this.options.config.backoffMs);
          continue;
        }
        await this.truncatePartitions(connection);
        const sent = await this.fetchOnce(connection);
        if (!sent) await this.pause(Math.min(this.options.config.backoffMs, this.nextDelayedMs()));
        this.lastError = null;
      } catch (error) {
        if (!this.running) break;
        this.lastError = error instanceof Error ? error.message : String(error);
        this.log.warn(
          { err: this.lastError },
          `Error in fetch from broker ${this.sourceBroker}; backing off`,
        );
        this.connection?.close();
        this.connection = undefined;
        await this.pause(this.options.config.backoffMs);
      }
    }
  }

  private nextDelayedMs(): number {
    const now = Date.now();
    let soonest = Number.POSITIVE_INFINITY;
    for (const p of this.partitions.values())
      if (p.delayedUntilMs > now) soonest = Math.min(soonest, p.delayedUntilMs - now);
    return Number.isFinite(soonest) ? Math.max(10, soonest) : this.options.config.backoffMs;
  }

  private connect(): Connection | undefined {
    if (this.connection?.isOpen) return this.connection;
    const endpoint = this.options.endpointOf(this.sourceBroker);
    if (endpoint === undefined) {
      this.lastError = `no end point known for broker ${this.sourceBroker}`;
      return undefined;
    }
    this.connection = new Connection({
      host: endpoint.host,
      port: endpoint.port,
      nodeId: this.sourceBroker,
      clientId: `broker-${this.options.brokerId}-fetcher-0`,
      requestTimeoutMs: this.options.config.socketTimeoutMs,
      connectTimeoutMs: Math.min(this.options.config.socketTimeoutMs, 10_000),
    });
    return this.connection;
  }

  // ───────────────────────── truncation (KIP-101 / KIP-279) ─────────────────────────

  private async truncatePartitions(connection: Connection): Promise<void> {
    // Iterate: a follower that does not know the leader's epoch truncates and asks again with its next one.
    for (let round = 0; round < 100; round++) {
      const now = Date.now();
      const pending = [...this.partitions.values()].filter(
        (p) => p.phase === 'truncating' && p.delayedUntilMs <= now,
      );
      if (pending.length === 0) return;
      const asks: { fp: FetcherPartition; state: PartitionState; epoch: number }[] = [];
      for (const fp of pending) {
        const state = this.followerState(fp);
        if (state === undefined) {
          this.partitions.delete(key(fp.topic, fp.partition));
          continue;
        }
        const epoch = state.log.leaderEpochCache.latestEpoch;
        if (epoch === UNDEFINED_EPOCH) {
          // No epoch information (an empty log, or one from before leader epochs): the old rule.
          this.truncate(
            state,
            state.log.highWatermark,
            'no leader epoch in the local log: truncating to the high watermark',
          );
          fp.phase = 'fetching';
          continue;
        }
        asks.push({ fp, state, epoch });
      }
      if (asks.length === 0) return;
      const response = await connection.request(
        ApiKey.OffsetForLeaderEpoch,
        {
          replicaId: this.options.brokerId,
          topics: groupByTopic(
            asks.map((a) => a.fp),
            (fp) => fp.topic,
          ).map(([topic, list]) => ({
            topic,
            partitions: list.map((fp) => ({
              partition: fp.partition,
              currentLeaderEpoch: fp.leaderEpoch,
              leaderEpoch: asks.find((a) => a.fp === fp)!.epoch,
            })),
          })),
        },
        { version: 3 },
      );
      for (const topic of response.topics) {
        for (const answer of topic.partitions) {
          const ask = asks.find((a) => a.fp.topic === topic.topic && a.fp.partition === answer.partition);
          if (ask === undefined || this.partitions.get(key(ask.fp.topic, ask.fp.partition)) !== ask.fp)
            continue;
          this.applyEpochAnswer(ask.fp, ask.state, answer);
        }
      }
    }
  }

  private applyEpochAnswer(
    fp: FetcherPartition,
    state: PartitionState,
    answer: { errorCode: number; leaderEpoch: number; endOffset: bigint },
  ): void {
    if (answer.errorCode !== ErrorCode.NONE) {
      this.partitionError(fp, answer.errorCode, 'OffsetsForLeaderEpoch');
      return;
    }
    const log = state.log;
    const local = log.endOffsetForEpoch(answer.leaderEpoch);
    const step = truncationStep(
      { leaderEpoch: answer.leaderEpoch, endOffset: answer.endOffset },
      local,
      log.logEndOffset,
      log.highWatermark,
    );
    this.truncate(
      state,
      step.offset,
      `leader says epoch ${answer.leaderEpoch} ends at ${answer.endOffset}; ours ends at ${local.endOffset} (epoch ${local.leaderEpoch})`,
    );
    if (step.kind === 'truncate-and-fetch') fp.phase = 'fetching';
  }

  private truncate(state: PartitionState, offset: bigint, why: string): void {
    const log = state.log;
    if (offset >= log.logEndOffset) return;
    const before = log.logEndOffset;
    log.truncateTo(offset < 0n ? 0n : offset);
    this.log.info(
      {
        topic: state.topic,
        partition: state.partition,
        from: String(before),
        to: String(log.logEndOffset),
        why,
      },
      `Truncating ${state.topic}-${state.partition} to offset ${log.logEndOffset}`,
    );
  }

  // ───────────────────────── fetching ─────────────────────────

  /** One Fetch round; false when there was nothing to fetch (all partitions truncating or delayed). */
  private async fetchOnce(connection: Connection): Promise<boolean> {
    const now = Date.now();
    // Keyed by topic-partition: the request is built from it and every answer is matched back to it.
    const fetching = new Map<string, { fp: FetcherPartition; state: PartitionState; fetchOffset: bigint }>();
    for (const fp of this.partitions.values()) {
      if (fp.phase !== 'fetching' || fp.delayedUntilMs > now) continue;
      const state = this.followerState(fp);
      if (state === undefined) {
        this.partitions.delete(key(fp.topic, fp.partition));
        continue;
      }
      fetching.set(key(fp.topic, fp.partition), { fp, state, fetchOffset: state.log.logEndOffset });
    }
    if (fetching.size === 0) return false;
    const config = this.options.config;
    const response = await connection.request(
      ApiKey.Fetch,
      {
        replicaId: this.options.brokerId,
        maxWaitMs: config.maxWaitMs,
        minBytes: config.minBytes,
        maxBytes: config.maxBytes,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: groupByTopic(
          [...fetching.values()].map((f) => f.fp),
          (fp) => fp.topic,
        ).map(([topic, list]) => ({
          topic,
          partitions: list.map((fp) => {
            const f = fetching.get(key(fp.topic, fp.partition))!;
            return {
              partition: fp.partition,
              currentLeaderEpoch: fp.leaderEpoch,
              fetchOffset: f.fetchOffset,
              logStartOffset: f.state.log.logStartOffset,
              partitionMaxBytes: config.partitionMaxBytes,
            };
          }),
        })),
        forgottenTopicsData: [],
        rackId: '',
      },
      { timeoutMs: config.socketTimeoutMs + config.maxWaitMs },
    );
    this.fetches++;
    if (response.errorCode !== ErrorCode.NONE) {
      throw new Error(`Fetch answered ${errorName(response.errorCode)}`);
    }
    for (const topic of response.responses) {
      for (const data of topic.partitions) {
        const partitionKey = key(topic.topic, data.partitionIndex);
        const f = fetching.get(partitionKey);
        if (f === undefined || this.partitions.get(partitionKey) !== f.fp) continue;
        this.processPartitionData(f.fp, f.state, f.fetchOffset, data);
      }
    }
    return true;
  }

  private processPartitionData(
    fp: FetcherPartition,
    state: PartitionState,
    fetchOffset: bigint,
    data: { errorCode: number; highWatermark: bigint; logStartOffset: bigint; records: Uint8Array | null },
  ): void {
    const log = state.log;
    if (data.errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      this.handleOutOfRange(fp, state, data);
      return;
    }
    if (data.errorCode !== ErrorCode.NONE) {
      this.partitionError(fp, data.errorCode, 'Fetch');
      return;
    }
    // The partition may have been truncated or re-added meanwhile: only append where we asked from.
    if (log.logEndOffset !== fetchOffset) return;
    const records = data.records ?? new Uint8Array(0);
    if (records.length > 0) {
      const appended = log.appendAsFollower(records);
      if (!appended.ok) {
        this.log.error(
          {
            topic: fp.topic,
            partition: fp.partition,
            error: appended.error.error,
            message: appended.error.message,
          },
          'follower append failed; retrying after backoff',
        );
        fp.delayedUntilMs = Date.now() + this.options.config.backoffMs;
        return;
      }
    }
    // Follower HW = min(leader's HW, own LEO); log start follows the leader's.
    const highWatermark = data.highWatermark < log.logEndOffset ? data.highWatermark : log.logEndOffset;
    if (highWatermark > log.highWatermark) log.updateHighWatermark(highWatermark);
    if (data.logStartOffset > log.logStartOffset && data.logStartOffset <= log.highWatermark) {
      log.maybeIncrementLogStartOffset(data.logStartOffset);
    }
  }

  /**
   * OFFSET_OUT_OF_RANGE: our fetch offset is past the leader's end (should not happen with leader epochs:
   * truncate to its end) or before its log start (we fell behind retention: start over at its log start).
   */
  private handleOutOfRange(
    fp: FetcherPartition,
    state: PartitionState,
    data: { highWatermark: bigint; logStartOffset: bigint },
  ): void {
    const log = state.log;
    if (data.logStartOffset >= 0n && log.logEndOffset < data.logStartOffset) {
      this.log.warn(
        {
          topic: fp.topic,
          partition: fp.partition,
          logEndOffset: String(log.logEndOffset),
          leaderLogStart: String(data.logStartOffset),
        },
        "fell behind the leader's log start: starting over there",
      );
      log.truncateFullyAndStartAt(data.logStartOffset);
      return;
    }
    // Past the leader's end: go back through truncation, which finds where the logs agree.
    fp.phase = 'truncating';
  }

  private partitionError(fp: FetcherPartition, errorCode: number, what: string): void {
    const name = errorName(errorCode);
    switch (errorCode) {
      case ErrorCode.FENCED_LEADER_EPOCH:
      case ErrorCode.NOT_LEADER_OR_FOLLOWER:
      case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
        // The leader moved on (or we are stale): a LeaderAndIsr will tell us where to fetch from. Until then
        // keep trying slowly, in case that news was lost.
        this.log.info(
          { topic: fp.topic, partition: fp.partition, error: name },
          `${what}: partition not fetchable from broker ${this.sourceBroker} now`,
        );
        fp.delayedUntilMs = Date.now() + this.options.config.backoffMs;
        fp.phase = 'truncating';
        return;
      default:
        // UNKNOWN_LEADER_EPOCH (the leader has not seen the LeaderAndIsr yet), REPLICA_NOT_AVAILABLE, …
        this.log.info(
          { topic: fp.topic, partition: fp.partition, error: name },
          `${what}: retrying after backoff`,
        );
        fp.delayedUntilMs = Date.now() + Math.min(this.options.config.backoffMs, 200);
    }
  }

  /** The partition as the ReplicaManager holds it, if we still follow this leader in this epoch. */
  private followerState(fp: FetcherPartition): PartitionState | undefined {
    const state = this.options.partition(fp.topic, fp.partition);
    if (state === undefined || state.leader !== this.sourceBroker || state.leaderEpoch !== fp.leaderEpoch)
      return undefined;
    return state;
  }
}
