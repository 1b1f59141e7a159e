// ReplicaManager: this broker's partitions and their logs. LeaderAndIsr from the controller makes it leader
// or follower of a partition; Produce appends on the leader; Fetch reads (consumers only up to the high
// watermark); acks=all answers once every ISR member has the records (high watermark past them), and
// fetches long-poll until minBytes arrive or maxWaitMs passes. Replication (followers fetching) plugs in
// through recordFollowerFetch/highWatermark; with an ISR of one the leader alone is the quorum.
import type { Logger } from 'pino';
import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { validateProduceRequestRecords } from '../../client/protocol/records/produce-validation.ts';
import type { Log } from '../log/log.ts';
import type { LogManager } from '../log/log-manager.ts';

export interface ReplicaManagerOptions {
  brokerId: number;
  logManager: LogManager;
  log: Logger;
  minInsyncReplicas: (topic: string) => number;
  now?: () => number;
}

export interface PartitionState {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  zkVersion: number;
  controllerEpoch: number;
  log: Log;
  /** Log end offsets the followers reported in their fetches (the leader's view). */
  followerLogEndOffsets: Map<number, bigint>;
}

interface Waiter {
  check: () => boolean;
  resolve: () => void;
  timer: NodeJS.Timeout;
}

export interface ProducePartitionResult {
  index: number;
  errorCode: number;
  baseOffset: bigint;
  logAppendTimeMs: bigint;
  logStartOffset: bigint;
  errorMessage: string | null;
}

export interface FetchPartitionResult {
  partitionIndex: number;
  errorCode: number;
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
  records: Uint8Array;
}

function key(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

export class ReplicaManager {
  private readonly options: ReplicaManagerOptions;
  private readonly partitions = new Map<string, PartitionState>();
  private waiters: Waiter[] = [];
  private readonly now: () => number;
  controllerEpoch = 0;

  constructor(options: ReplicaManagerOptions) {
    this.options = options;
    this.now = options.now ?? Date.now;
  }

  get brokerId(): number {
    return this.options.brokerId;
  }

  partition(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(key(topic, partition));
  }

  allPartitions(): PartitionState[] {
    return [...this.partitions.values()];
  }

  // ---------- controller requests ----------

  /** LeaderAndIsr: become leader or follower of each partition (stale controllers and epochs fenced). */
  becomeLeaderOrFollower(body: RequestBody<4>): { errorCode: number; partitions: { topic: string; partition: number; errorCode: number }[] } {
    if (body.controllerEpoch < this.controllerEpoch) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
    }
    this.controllerEpoch = body.controllerEpoch;
    const results: { topic: string; partition: number; errorCode: number }[] = [];
    for (const topicState of body.topicStates) {
      for (const state of topicState.partitionStates) {
        const topic = topicState.topicName;
        const existing = this.partition(topic, state.partitionIndex);
        if (existing && state.leaderEpoch < existing.leaderEpoch) {
          results.push({ topic, partition: state.partitionIndex, errorCode: ErrorCode.FENCED_LEADER_EPOCH });
          continue;
        }
        if (!state.replicas.includes(this.brokerId)) {
          results.push({ topic, partition: state.partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
          continue;
        }
        const log = existing?.log ?? this.options.logManager.getOrCreateLog({ topic, partition: state.partitionIndex });
        const partition: PartitionState = {
          topic,
          partition: state.partitionIndex,
          leader: state.leader,
          leaderEpoch: state.leaderEpoch,
          isr: [...state.isr],
          replicas: [...state.replicas],
          zkVersion: state.zkVersion,
          controllerEpoch: state.controllerEpoch,
          log,
          followerLogEndOffsets: existing?.followerLogEndOffsets ?? new Map(),
        };
        this.partitions.set(key(topic, state.partitionIndex), partition);
        if (partition.leader === this.brokerId) this.becomeLeader(partition, existing);
        results.push({ topic, partition: state.partitionIndex, errorCode: ErrorCode.NONE });
      }
    }
    this.wake();
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  private becomeLeader(partition: PartitionState, previous: PartitionState | undefined): void {
    const wasLeader = previous?.leader === this.brokerId && previous.leaderEpoch === partition.leaderEpoch;
    if (!wasLeader) {
      partition.log.leaderEpochCache.assign(partition.leaderEpoch, partition.log.logEndOffset);
      this.options.log.info(
        { topic: partition.topic, partition: partition.partition, leaderEpoch: partition.leaderEpoch, isr: partition.isr },
        'became leader',
      );
    }
    this.maybeAdvanceHighWatermark(partition);
  }

  /** StopReplica: stop serving these partitions, deleting their logs when asked (topic deletion). */
  stopReplicas(body: RequestBody<5>): { errorCode: number; partitions: { topic: string; partition: number; errorCode: number }[] } {
    if (body.controllerEpoch < this.controllerEpoch) return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
    this.controllerEpoch = body.controllerEpoch;
    const results: { topic: string; partition: number; errorCode: number }[] = [];
    for (const { topic, partition, deletePartition } of stopReplicaPartitions(body)) {
      this.partitions.delete(key(topic, partition));
      if (deletePartition) this.options.logManager.deleteLog({ topic, partition });
      results.push({ topic, partition, errorCode: ErrorCode.NONE });
    }
    this.wake();
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  // ---------- produce ----------

  async appendRecords(body: RequestBody<0>, produceVersion: number): Promise<{ name: string; partitionResponses: ProducePartitionResult[] }[]> {
    const acks = body.acks;
    const waits: { partition: PartitionState; result: ProducePartitionResult; lastOffset: bigint }[] = [];
    const responses = body.topicData.map((topicData) => ({
      name: topicData.name,
      partitionResponses: topicData.partitionData.map((data) => {
        const result: ProducePartitionResult = {
          index: data.index,
          errorCode: ErrorCode.NONE,
          baseOffset: -1n,
          logAppendTimeMs: -1n,
          logStartOffset: -1n,
          errorMessage: null,
        };
        if (acks !== 0 && acks !== 1 && acks !== -1) {
          result.errorCode = ErrorCode.INVALID_REQUIRED_ACKS;
          return result;
        }
        const partition = this.partition(topicData.name, data.index);
        if (!partition) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          return result;
        }
        if (partition.leader !== this.brokerId) {
          result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
          return result;
        }
        // acks=all refuses before appending when the ISR is smaller than min.insync.replicas.
        const minIsr = this.options.minInsyncReplicas(topicData.name);
        if (acks === -1 && partition.isr.length < minIsr) {
          result.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS;
          return result;
        }
        // ProduceRequest.validateRecords first (v3+: exactly one v2 batch), as Kafka does when it parses the
        // request: a legacy or garbage blob is CORRUPT_MESSAGE / INVALID_RECORD, not a message-format error.
        const structural = validateProduceRequestRecords(data.records ?? new Uint8Array(0), produceVersion);
        if (!structural.ok) {
          result.errorCode = structural.error.errorCode;
          result.errorMessage = structural.error.message;
          return result;
        }
        const appended = partition.log.appendAsLeader(data.records ?? new Uint8Array(0), partition.leaderEpoch, {
          produceVersion,
        });
        if (!appended.ok) {
          result.errorCode = appended.error.errorCode;
          result.errorMessage = appended.error.message;
          return result;
        }
        result.baseOffset = appended.info.firstOffset;
        result.logAppendTimeMs = appended.info.logAppendTime;
        result.logStartOffset = appended.info.logStartOffset;
        this.maybeAdvanceHighWatermark(partition);
        if (acks === -1) waits.push({ partition, result, lastOffset: appended.info.lastOffset });
        return result;
      }),
    }));
    this.wake();
    if (waits.length > 0) {
      const allReplicated = () => waits.every((w) => w.partition.log.highWatermark > w.lastOffset || this.partition(w.partition.topic, w.partition.partition)?.leader !== this.brokerId);
      const done = await this.waitFor(allReplicated, body.timeoutMs);
      for (const wait of waits) {
        const current = this.partition(wait.partition.topic, wait.partition.partition);
        if (current?.leader !== this.brokerId) wait.result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        else if (!done || wait.partition.log.highWatermark <= wait.lastOffset) wait.result.errorCode = ErrorCode.REQUEST_TIMED_OUT;
        else if (current.isr.length < this.options.minInsyncReplicas(wait.partition.topic)) {
          // Appended and replicated to the ISR, but the ISR shrank below min.insync.replicas meanwhile.
          wait.result.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        }
      }
    }
    return responses;
  }

  /** High watermark = the smallest log end offset among the ISR (the leader's own included). */
  maybeAdvanceHighWatermark(partition: PartitionState): void {
    if (partition.leader !== this.brokerId) return;
    let highWatermark = partition.log.logEndOffset;
    for (const replica of partition.isr) {
      if (replica === this.brokerId) continue;
      const end = partition.followerLogEndOffsets.get(replica) ?? 0n;
      if (end < highWatermark) highWatermark = end;
    }
    if (highWatermark > partition.log.highWatermark) partition.log.updateHighWatermark(highWatermark);
  }

  // ---------- fetch ----------

  /** Read what a Fetch asks for; long-poll until minBytes are there or maxWaitMs passes. */
  async fetch(
    requests: { topic: string; partition: number; fetchOffset: bigint; partitionMaxBytes: number }[],
    options: { replicaId: number; maxWaitMs: number; minBytes: number; maxBytes: number },
  ): Promise<{ topic: string; result: FetchPartitionResult }[]> {
    const read = () => this.readAll(requests, options);
    let results = read();
    const bytes = (r: typeof results) => r.reduce((sum, x) => sum + x.result.records.length, 0);
    const anyError = (r: typeof results) => r.some((x) => x.result.errorCode !== ErrorCode.NONE);
    if (options.maxWaitMs > 0 && bytes(results) < options.minBytes && !anyError(results)) {
      await this.waitFor(() => {
        results = read();
        return bytes(results) >= options.minBytes || anyError(results);
      }, options.maxWaitMs);
      results = read();
    }
    return results;
  }

  private readAll(
    requests: { topic: string; partition: number; fetchOffset: bigint; partitionMaxBytes: number }[],
    options: { replicaId: number; maxBytes: number },
  ): { topic: string; result: FetchPartitionResult }[] {
    let budget = options.maxBytes;
    return requests.map(({ topic, partition: index, fetchOffset, partitionMaxBytes }) => {
      const result: FetchPartitionResult = {
        partitionIndex: index,
        errorCode: ErrorCode.NONE,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        records: new Uint8Array(0),
      };
      const partition = this.partition(topic, index);
      if (!partition) return { topic, result: { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } };
      if (partition.leader !== this.brokerId) return { topic, result: { ...result, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER } };
      const isFollower = options.replicaId >= 0;
      if (isFollower) this.recordFollowerFetch(partition, options.replicaId, fetchOffset);
      const log = partition.log;
      const read = log.read(fetchOffset, {
        maxBytes: Math.max(0, Math.min(partitionMaxBytes, budget)),
        // Consumers never see records above the high watermark; followers read to the log end.
        maxOffset: isFollower ? log.logEndOffset : log.highWatermark,
        minOneMessage: budget === options.maxBytes,
      });
      if (read.error !== null) {
        return {
          topic,
          result: { ...result, errorCode: read.errorCode, highWatermark: read.highWatermark, lastStableOffset: read.highWatermark, logStartOffset: read.logStartOffset },
        };
      }
      budget -= read.records.length;
      return {
        topic,
        result: {
          ...result,
          highWatermark: read.highWatermark,
          lastStableOffset: read.highWatermark,
          logStartOffset: read.logStartOffset,
          records: read.records,
        },
      };
    });
  }

  /** A follower fetching from `fetchOffset` has everything before it: that moves the high watermark. */
  recordFollowerFetch(partition: PartitionState, replicaId: number, fetchOffset: bigint): void {
    const previous = partition.followerLogEndOffsets.get(replicaId);
    if (previous === fetchOffset) return;
    partition.followerLogEndOffsets.set(replicaId, fetchOffset);
    this.maybeAdvanceHighWatermark(partition);
    this.wake();
  }

  // ---------- list offsets ----------

  listOffset(topic: string, index: number, timestamp: bigint, replicaId: number): { errorCode: number; timestamp: bigint; offset: bigint; leaderEpoch: number } {
    const partition = this.partition(topic, index);
    if (!partition) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    if (partition.leader !== this.brokerId) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    const log = partition.log;
    if (timestamp === -1n) {
      // Consumers get the high watermark as "latest"; a replica (debug tools) the log end.
      const offset = replicaId >= 0 ? log.logEndOffset : log.highWatermark;
      return { errorCode: ErrorCode.NONE, timestamp: -1n, offset, leaderEpoch: partition.leaderEpoch };
    }
    if (timestamp === -2n) return { errorCode: ErrorCode.NONE, timestamp: -1n, offset: log.logStartOffset, leaderEpoch: partition.leaderEpoch };
    const found = log.fetchOffsetByTimestamp(timestamp);
    if (!found || found.offset >= log.highWatermark) return { errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    return { errorCode: ErrorCode.NONE, timestamp: found.timestamp, offset: found.offset, leaderEpoch: found.leaderEpoch };
  }

  // ---------- delayed operations ----------

  private waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        check,
        resolve: () => resolve(true),
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter);
          resolve(check());
        }, Math.max(0, timeoutMs)),
      };
      this.waiters.push(waiter);
    });
  }

  /** Something changed (append, high watermark, leadership): complete the delayed operations now satisfied. */
  wake(): void {
    if (this.waiters.length === 0) return;
    const remaining: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.check()) {
        clearTimeout(waiter.timer);
        waiter.resolve();
      } else remaining.push(waiter);
    }
    this.waiters = remaining;
  }

  shutdown(): void {
    for (const waiter of this.waiters) {
      clearTimeout(waiter.timer);
      waiter.resolve();
    }
    this.waiters = [];
  }
}

function stopReplicaPartitions(body: RequestBody<5>): { topic: string; partition: number; deletePartition: boolean }[] {
  const out: { topic: string; partition: number; deletePartition: boolean }[] = [];
  const any = body as unknown as {
    deletePartitions?: boolean;
    partitions?: { topicName: string; partitionIndex: number }[];
    ungroupedPartitions?: { topicName: string; partitionIndex: number }[];
    topics?: { name: string; partitionIndexes: number[] }[];
    topicStates?: { topicName: string; partitionStates: { partitionIndex: number; deletePartition: boolean }[] }[];
  };
  for (const p of any.partitions ?? any.ungroupedPartitions ?? []) {
    out.push({ topic: p.topicName, partition: p.partitionIndex, deletePartition: any.deletePartitions ?? false });
  }
  for (const t of any.topics ?? []) {
    for (const index of t.partitionIndexes) out.push({ topic: t.name, partition: index, deletePartition: any.deletePartitions ?? false });
  }
  for (const t of any.topicStates ?? []) {
    for (const p of t.partitionStates) out.push({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition });
  }
  return out;
}
