// ReplicaManager: this broker's partitions and their logs (Kafka 2.4's kafka.server.ReplicaManager and
// kafka.cluster.Partition). LeaderAndIsr from the controller makes it leader or follower of a partition.
// As leader: Produce appends; Fetch from consumers reads up to the high watermark, Fetch from followers
// (replicaId ≥ 0) reads up to the log end and tells the leader how far each follower has got; the high
// watermark is the smallest log end offset in the ISR; the leader shrinks the ISR when a follower lags
// more than replica.lag.time.max.ms and expands it when one catches up, writing the new ISR to the
// partition's state znode itself (IsrUpdater). acks=all answers once the high watermark passes the
// records. As follower: the ReplicaFetcherManager pulls from the leader. Delayed produce and fetch wait
// here without blocking anything else. The rules themselves are pure functions in broker/replica/.
import type { Logger } from 'pino';
import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { validateProduceRequestRecords } from '../../client/protocol/records/produce-validation.ts';
import type { Log } from '../log/log.ts';
import type { LogManager } from '../log/log-manager.ts';
import {
  highWatermarkCandidate,
  initialFollowerState,
  mayJoinIsr,
  outOfSyncReplicas,
  updateFollowerFetchState,
  type FollowerFetchState,
} from '../replica/replica-state.ts';

/** The leader's conditional write of a new ISR to the partition state znode (epoch unchanged). */
export interface IsrUpdate {
  topic: string;
  partition: number;
  leader: number;
  leaderEpoch: number;
  isr: number[];
  controllerEpoch: number;
  /** The state znode version this broker last saw; the write fails (undefined) if it changed. */
  zkVersion: number;
}

/** Writes an ISR change; resolves with the znode's new version, or undefined when the version check failed. */
export type IsrUpdater = (update: IsrUpdate) => Promise<number | undefined>;

/** Where follower partitions are replicated from (the ReplicaFetcherManager). */
export interface FollowerFetching {
  addPartitions(
    partitions: readonly { topic: string; partition: number; leader: number; leaderEpoch: number }[],
  ): void;
  removePartitions(partitions: readonly { topic: string; partition: number }[]): void;
}

export interface ReplicaManagerOptions {
  brokerId: number;
  logManager: LogManager;
  log: Logger;
  minInsyncReplicas: (topic: string) => number;
  /** replica.lag.time.max.ms (10 000). */
  replicaLagTimeMaxMs?: number;
  isrUpdater?: IsrUpdater;
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
  /** As leader: what each follower's fetches told us (its log end offset, when it was last caught up). */
  followers: Map<number, FollowerFetchState>;
  /** As leader: the high watermark each follower was last sent (a stale one is answered at once). */
  lastSentHighWatermark: Map<number, bigint>;
  /** As leader: the log end offset when this leader epoch began (a joining follower must have reached it). */
  leaderEpochStartOffset: bigint;
  /** The ISR being written to ZooKeeper, if a write is under way (one at a time per partition). */
  pendingIsr: number[] | undefined;
  /** The last write of `pendingIsr` failed without an answer (it may have been applied): the shrink task retries it. */
  isrWriteOutcomeUnknown: boolean;
}

export interface FetchPartitionRequest {
  topic: string;
  partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  /** Fetch v9+ (KIP-320): the leader epoch the fetcher believes in; -1 = do not check. */
  currentLeaderEpoch?: number;
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
  private fetching: FollowerFetching | undefined;
  /** Inter-broker end points of partition leaders, from LeaderAndIsr's live leaders (where fetchers connect). */
  private readonly leaderEndpoints = new Map<number, { host: string; port: number }>();
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
  becomeLeaderOrFollower(body: RequestBody<4>): {
    errorCode: number;
    partitions: { topic: string; partition: number; errorCode: number }[];
  } {
    if (body.controllerEpoch < this.controllerEpoch) {
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
    }
    this.controllerEpoch = body.controllerEpoch;
    const results: { topic: string; partition: number; errorCode: number }[] = [];
    const toFetch: { topic: string; partition: number; leader: number; leaderEpoch: number }[] = [];
    const toStopFetching: { topic: string; partition: number }[] = [];
    for (const leader of body.liveLeaders)
      this.leaderEndpoints.set(leader.brokerId, { host: leader.hostName, port: leader.port });
    for (const topicState of body.topicStates) {
      for (const state of topicState.partitionStates) {
        const topic = topicState.topicName;
        const existing = this.partition(topic, state.partitionIndex);
        if (existing && state.leaderEpoch < existing.leaderEpoch) {
          results.push({ topic, partition: state.partitionIndex, errorCode: ErrorCode.FENCED_LEADER_EPOCH });
          continue;
        }
        if (!state.replicas.includes(this.brokerId)) {
          results.push({
            topic,
            partition: state.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          });
          continue;
        }
        const log =
          existing?.log ?? this.options.logManager.getOrCreateLog({ topic, partition: state.partitionIndex });
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
          followers: new Map(),
          lastSentHighWatermark: new Map(),
          leaderEpochStartOffset: log.logEndOffset,
          pendingIsr: undefined,
          isrWriteOutcomeUnknown: false,
        };
        this.partitions.set(key(topic, state.partitionIndex), partition);
        if (partition.leader === this.brokerId) {
          this.becomeLeader(partition, existing);
          toStopFetching.push({ topic, partition: state.partitionIndex });
        } else {
          const sameLeadership =
            existing?.leader === partition.leader && existing.leaderEpoch === partition.leaderEpoch;
          if (!sameLeadership) {
            toStopFetching.push({ topic, partition: state.partitionIndex });
            if (partition.leader >= 0) {
              toFetch.push({
                topic,
                partition: state.partitionIndex,
                leader: partition.leader,
                leaderEpoch: partition.leaderEpoch,
              });
            }
          }
          this.options.log.info(
            {
              topic,
              partition: state.partitionIndex,
              leader: partition.leader,
              leaderEpoch: partition.leaderEpoch,
            },
            'became follower',
          );
        }
        results.push({ topic, partition: state.partitionIndex, errorCode: ErrorCode.NONE });
      }
    }
    if (toStopFetching.length > 0) this.fetching?.removePartitions(toStopFetching);
    if (toFetch.length > 0) this.fetching?.addPartitions(toFetch);
    this.wake();
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  private becomeLeader(partition: PartitionState, previous: PartitionState | undefined): void {
    const sameLeadership =
      previous?.leader === this.brokerId && previous.leaderEpoch === partition.leaderEpoch;
    const now = this.now();
    if (sameLeadership) {
      // The controller re-sent the same leadership: keep what the followers told us.
      partition.followers = previous.followers;
      partition.lastSentHighWatermark = previous.lastSentHighWatermark;
      partition.leaderEpochStartOffset = previous.leaderEpochStartOffset;
    } else {
      // KIP-279: a new leader records where its epoch starts before appending anything.
      partition.log.leaderEpochCache.assign(partition.leaderEpoch, partition.log.logEndOffset);
      this.options.log.info(
        {
          topic: partition.topic,
          partition: partition.partition,
          leaderEpoch: partition.leaderEpoch,
          isr: partition.isr,
          logEndOffset: String(partition.log.logEndOffset),
          highWatermark: String(partition.log.highWatermark),
        },
        'became leader',
      );
    }
    for (const replica of partition.replicas) {
      if (replica !== this.brokerId && !partition.followers.has(replica)) {
        partition.followers.set(replica, initialFollowerState(partition.isr.includes(replica), now));
      }
    }
    this.maybeAdvanceHighWatermark(partition);
  }

  /** Where to reach broker `id` for replication, as the last LeaderAndIsr naming it as a leader said. */
  leaderEndpoint(id: number): { host: string; port: number } | undefined {
    return this.leaderEndpoints.get(id);
  }

  /** Connects the follower fetchers (set once by the broker; LeaderAndIsr starts and stops fetching). */
  setFollowerFetching(fetching: FollowerFetching): void {
    this.fetching = fetching;
  }

  /** StopReplica: stop serving these partitions, deleting their logs when asked (topic deletion). */
  stopReplicas(body: RequestBody<5>): {
    errorCode: number;
    partitions: { topic: string; partition: number; errorCode: number }[];
  } {
    if (body.controllerEpoch < this.controllerEpoch)
      return { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH, partitions: [] };
    this.controllerEpoch = body.controllerEpoch;
    const results: { topic: string; partition: number; errorCode: number }[] = [];
    const stopped = stopReplicaPartitions(body);
    this.fetching?.removePartitions(stopped);
    for (const { topic, partition, deletePartition } of stopped) {
      this.partitions.delete(key(topic, partition));
      if (deletePartition) this.options.logManager.deleteLog({ topic, partition });
      results.push({ topic, partition, errorCode: ErrorCode.NONE });
    }
    this.wake();
    return { errorCode: ErrorCode.NONE, partitions: results };
  }

  // ---------- produce ----------

  async appendRecords(
    body: RequestBody<0>,
    produceVersion: number,
  ): Promise<{ name: string; partitionResponses: ProducePartitionResult[] }[]> {
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
        const appended = partition.log.appendAsLeader(
          data.records ?? new Uint8Array(0),
          partition.leaderEpoch,
          {
            produceVersion,
          },
        );
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
      const allReplicated = () =>
        waits.every(
          (w) =>
            w.partition.log.highWatermark > w.lastOffset ||
            this.partition(w.partition.topic, w.partition.partition)?.leader !== this.brokerId,
        );
      const done = await this.waitFor(allReplicated, body.timeoutMs);
      for (const wait of waits) {
        const current = this.partition(wait.partition.topic, wait.partition.partition);
        if (current?.leader !== this.brokerId) wait.result.errorCode = ErrorCode.NOT_LEADER_OR_FOLLOWER;
        else if (!done || wait.partition.log.highWatermark <= wait.lastOffset)
          wait.result.errorCode = ErrorCode.REQUEST_TIMED_OUT;
        else if (current.isr.length < this.options.minInsyncReplicas(wait.partition.topic)) {
          // Appended and replicated to the ISR, but the ISR shrank below min.insync.replicas meanwhile.
          wait.result.errorCode = ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND;
        }
      }
    }
    return responses;
  }

  /** Moves the leader's high watermark forward to the smallest log end offset in the ISR (never back). */
  maybeAdvanceHighWatermark(partition: PartitionState): boolean {
    if (partition.leader !== this.brokerId) return false;
    const candidate = highWatermarkCandidate(this.leaderView(partition));
    if (candidate <= partition.log.highWatermark) return false;
    partition.log.updateHighWatermark(candidate);
    return true;
  }

  private leaderView(partition: PartitionState) {
    // While an ISR write is pending, ZooKeeper may already list a joining follower as in sync (and the
    // controller may elect it): count the old and the proposed ISR alike, as KIP-497 does, so the HW
    // never passes a replica ZooKeeper calls in sync. Kafka 2.4 gets this by writing under the ISR lock.
    const pending = partition.pendingIsr;
    return {
      leaderId: this.brokerId,
      leaderLogEndOffset: partition.log.logEndOffset,
      isr: pending === undefined ? partition.isr : [...new Set([...partition.isr, ...pending])],
      followers: partition.followers,
      replicaLagTimeMaxMs: this.replicaLagTimeMaxMs,
      nowMs: this.now(),
    };
  }

  private get replicaLagTimeMaxMs(): number {
    return this.options.replicaLagTimeMaxMs ?? 10_000;
  }

  // ---------- ISR changes (the leader writes them, ≤ 2.6) ----------

  /**
   * The ISR shrink task (every replica.lag.time.max.ms / 2): drop followers that have not caught up for
   * longer than replica.lag.time.max.ms from the ISR of every partition this broker leads.
   */
  maybeShrinkIsr(): void {
    for (const partition of this.partitions.values()) {
      if (partition.leader !== this.brokerId) continue;
      if (partition.pendingIsr !== undefined) {
        const pending = partition.pendingIsr;
        if (partition.isrWriteOutcomeUnknown)
          this.changeIsr(partition, pending, pending.length > partition.isr.length ? 'expand' : 'shrink', {
            retry: true,
          });
        continue;
      }
      const outOfSync = outOfSyncReplicas(this.leaderView(partition));
      if (outOfSync.length === 0) continue;
      const newIsr = partition.isr.filter((replica) => !outOfSync.includes(replica));
      const lagging = outOfSync.map((replica) => ({
        replica,
        logEndOffset: String(partition.followers.get(replica)?.logEndOffset ?? -1n),
        lastCaughtUpMsAgo: this.now() - (partition.followers.get(replica)?.lastCaughtUpTimeMs ?? 0),
      }));
      this.changeIsr(partition, newIsr, 'shrink', { outOfSync: lagging });
    }
  }

  private maybeExpandIsr(partition: PartitionState, replicaId: number): void {
    if (
      partition.isr.includes(replicaId) ||
      partition.pendingIsr !== undefined ||
      !partition.replicas.includes(replicaId)
    )
      return;
    const state = partition.followers.get(replicaId);
    if (state === undefined) return;
    if (!mayJoinIsr(state.logEndOffset, partition.log.highWatermark, partition.leaderEpochStartOffset))
      return;
    this.changeIsr(partition, [...partition.isr, replicaId], 'expand', { joining: replicaId });
  }

  private changeIsr(
    partition: PartitionState,
    newIsr: number[],
    kind: 'shrink' | 'expand',
    detail: object,
  ): void {
    const updater = this.options.isrUpdater;
    if (updater === undefined) return;
    partition.pendingIsr = newIsr;
    partition.isrWriteOutcomeUnknown = false;
    const update: IsrUpdate = {
      topic: partition.topic,
      partition: partition.partition,
      leader: this.brokerId,
      leaderEpoch: partition.leaderEpoch,
      isr: newIsr,
      controllerEpoch: partition.controllerEpoch,
      zkVersion: partition.zkVersion,
    };
    const log = this.options.log.child({ topic: partition.topic, partition: partition.partition });
    updater(update)
      .then((zkVersion) => {
        if (
          this.partition(partition.topic, partition.partition) !== partition ||
          partition.leader !== this.brokerId
        ) {
          log.info({ isr: newIsr }, 'ISR change superseded by a newer LeaderAndIsr; dropped');
          return;
        }
        if (zkVersion === undefined) {
          // The controller changed the state meanwhile; its LeaderAndIsr will bring the truth.
          log.info(
            { zkVersion: partition.zkVersion, isr: newIsr },
            'Cached zkVersion not equal to that in zookeeper, skip updating ISR',
          );
          return;
        }
        log.info(
          { ...detail, from: partition.isr, to: newIsr, zkVersion },
          kind === 'shrink' ? 'Shrinking ISR' : 'Expanding ISR',
        );
        partition.isr = newIsr;
        partition.zkVersion = zkVersion;
        // A smaller ISR can let the high watermark move (and complete acks=all produces waiting on it).
        this.maybeAdvanceHighWatermark(partition);
        this.wake();
      })
      .catch((error: unknown) => {
        // No answer (e.g. connection loss): ZooKeeper may have applied the write. Keep counting the
        // proposed ISR for the HW and retry it from the shrink task; if it went through, the retry's
        // BADVERSION finds our own state in the znode and succeeds (conditionalUpdatePartitionState).
        log.warn({ err: error, isr: newIsr }, 'ISR change could not be written to ZooKeeper; will retry');
        partition.isrWriteOutcomeUnknown = true;
      })
      .finally(() => {
        if (!partition.isrWriteOutcomeUnknown) partition.pendingIsr = undefined;
      });
  }

  // ---------- fetch ----------

  /**
   * Fetch: read what is asked; long-poll until minBytes are there or maxWaitMs passes. A follower's fetch
   * (replicaId ≥ 0) reads to the log end and then records the follower's position — so its answer carries
   * the high watermark from before that position counted (§3.3); the next fetch of a follower whose last
   * high watermark is stale is answered at once.
   */
  async fetch(
    requests: FetchPartitionRequest[],
    options: { replicaId: number; maxWaitMs: number; minBytes: number; maxBytes: number },
  ): Promise<{ topic: string; result: FetchPartitionResult }[]> {
    const isFollower = options.replicaId >= 0;
    let results = this.readAll(requests, options);
    if (isFollower) this.updateFollowerFetchStates(requests, options.replicaId);
    const bytes = (r: typeof results) => r.reduce((sum, x) => sum + x.result.records.length, 0);
    const anyError = (r: typeof results) => r.some((x) => x.result.errorCode !== ErrorCode.NONE);
    const answerNow = (r: typeof results) =>
      bytes(r) >= options.minBytes ||
      anyError(r) ||
      (isFollower && this.highWatermarkNews(options.replicaId, r));
    if (options.maxWaitMs > 0 && !answerNow(results)) {
      await this.waitFor(() => {
        // Cheap first: only re-read when a partition has something past the fetch offset, or news.
        if (!this.mayHaveNews(requests, options.replicaId)) return false;
        results = this.readAll(requests, options);
        return answerNow(results);
      }, options.maxWaitMs);
      // `results` is current: the check re-read whenever anything could have changed (it runs once more
      // on the timeout), so no further read of the logs is needed here.
    }
    if (isFollower) this.noteHighWatermarksSent(results, options.replicaId);
    return results;
  }

  /** A follower's answer is due at once when any partition's high watermark moved past what it was last sent. */
  private highWatermarkNews(
    replicaId: number,
    results: { topic: string; result: FetchPartitionResult }[],
  ): boolean {
    return results.some(({ topic, result }) => {
      const partition = this.partition(topic, result.partitionIndex);
      const sent = partition?.lastSentHighWatermark.get(replicaId);
      return sent !== undefined && result.highWatermark > sent;
    });
  }

  private mayHaveNews(requests: FetchPartitionRequest[], replicaId: number): boolean {
    return requests.some((r) => {
      const partition = this.partition(r.topic, r.partition);
      if (partition === undefined || partition.leader !== this.brokerId) return true; // an error to report
      if (replicaId < 0) return partition.log.highWatermark > r.fetchOffset;
      const sent = partition.lastSentHighWatermark.get(replicaId);
      return (
        partition.log.logEndOffset > r.fetchOffset ||
        (sent !== undefined && partition.log.highWatermark > sent)
      );
    });
  }

  private noteHighWatermarksSent(
    results: { topic: string; result: FetchPartitionResult }[],
    replicaId: number,
  ): void {
    for (const { topic, result } of results) {
      if (result.errorCode !== ErrorCode.NONE) continue;
      this.partition(topic, result.partitionIndex)?.lastSentHighWatermark.set(
        replicaId,
        result.highWatermark,
      );
    }
  }

  private readAll(
    requests: FetchPartitionRequest[],
    options: { replicaId: number; maxBytes: number },
  ): { topic: string; result: FetchPartitionResult }[] {
    let budget = options.maxBytes;
    return requests.map(({ topic, partition: index, fetchOffset, partitionMaxBytes, currentLeaderEpoch }) => {
      const result: FetchPartitionResult = {
        partitionIndex: index,
        errorCode: ErrorCode.NONE,
        highWatermark: -1n,
        lastStableOffset: -1n,
        logStartOffset: -1n,
        records: new Uint8Array(0),
      };
      const partition = this.partition(topic, index);
      if (!partition)
        return { topic, result: { ...result, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION } };
      const epochError = leaderEpochError(currentLeaderEpoch, partition.leaderEpoch);
      if (epochError !== ErrorCode.NONE) return { topic, result: { ...result, errorCode: epochError } };
      if (partition.leader !== this.brokerId)
        return { topic, result: { ...result, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER } };
      const isFollower = options.replicaId >= 0;
      if (isFollower && !partition.replicas.includes(options.replicaId)) {
        return { topic, result: { ...result, errorCode: ErrorCode.REPLICA_NOT_AVAILABLE } };
      }
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
          result: {
            ...result,
            errorCode: read.errorCode,
            highWatermark: read.highWatermark,
            lastStableOffset: read.highWatermark,
            logStartOffset: read.logStartOffset,
          },
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

  /** A follower fetching from `fetchOffset` has everything before it: its position, the HW, maybe the ISR. */
  private updateFollowerFetchStates(requests: FetchPartitionRequest[], replicaId: number): void {
    let changed = false;
    for (const request of requests) {
      const partition = this.partition(request.topic, request.partition);
      if (
        partition === undefined ||
        partition.leader !== this.brokerId ||
        !partition.replicas.includes(replicaId)
      )
        continue;
      if (request.fetchOffset < 0n || request.fetchOffset > partition.log.logEndOffset) continue;
      const previous = partition.followers.get(replicaId) ?? initialFollowerState(false, 0);
      partition.followers.set(
        replicaId,
        updateFollowerFetchState(previous, request.fetchOffset, partition.log.logEndOffset, this.now()),
      );
      this.maybeExpandIsr(partition, replicaId);
      if (this.maybeAdvanceHighWatermark(partition)) changed = true;
    }
    if (changed) this.wake();
  }

  /** OffsetsForLeaderEpoch on the leader: where `leaderEpoch` ends in this log (§3.6). */
  endOffsetForLeaderEpoch(
    topic: string,
    index: number,
    leaderEpoch: number,
    currentLeaderEpoch: number,
  ): { errorCode: number; leaderEpoch: number; endOffset: bigint } {
    const partition = this.partition(topic, index);
    if (!partition)
      return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, leaderEpoch: -1, endOffset: -1n };
    const epochError = leaderEpochError(currentLeaderEpoch, partition.leaderEpoch);
    if (epochError !== ErrorCode.NONE) return { errorCode: epochError, leaderEpoch: -1, endOffset: -1n };
    if (partition.leader !== this.brokerId)
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderEpoch: -1, endOffset: -1n };
    const answer = partition.log.endOffsetForEpoch(leaderEpoch);
    return { errorCode: ErrorCode.NONE, leaderEpoch: answer.leaderEpoch, endOffset: answer.endOffset };
  }

  // ---------- list offsets ----------

  listOffset(
    topic: string,
    index: number,
    timestamp: bigint,
    replicaId: number,
  ): { errorCode: number; timestamp: bigint; offset: bigint; leaderEpoch: number } {
    const partition = this.partition(topic, index);
    if (!partition)
      return {
        errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        timestamp: -1n,
        offset: -1n,
        leaderEpoch: -1,
      };
    if (partition.leader !== this.brokerId)
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    const log = partition.log;
    if (timestamp === -1n) {
      // Consumers get the high watermark as "latest"; a replica (debug tools) the log end.
      const offset = replicaId >= 0 ? log.logEndOffset : log.highWatermark;
      return { errorCode: ErrorCode.NONE, timestamp: -1n, offset, leaderEpoch: partition.leaderEpoch };
    }
    if (timestamp === -2n)
      return {
        errorCode: ErrorCode.NONE,
        timestamp: -1n,
        offset: log.logStartOffset,
        leaderEpoch: partition.leaderEpoch,
      };
    const found = log.fetchOffsetByTimestamp(timestamp);
    if (!found || found.offset >= log.highWatermark)
      return { errorCode: ErrorCode.NONE, timestamp: -1n, offset: -1n, leaderEpoch: -1 };
    return {
      errorCode: ErrorCode.NONE,
      timestamp: found.timestamp,
      offset: found.offset,
      leaderEpoch: found.leaderEpoch,
    };
  }

  // ---------- delayed operations ----------

  private waitFor(check: () => boolean, timeoutMs: number): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        check,
        resolve: () => resolve(true),
        timer: setTimeout(
          () => {
            this.waiters = this.waiters.filter((w) => w !== waiter);
            resolve(check());
          },
          Math.max(0, timeoutMs),
        ),
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

function stopReplicaPartitions(
  body: RequestBody<5>,
): { topic: string; partition: number; deletePartition: boolean }[] {
  const out: { topic: string; partition: number; deletePartition: boolean }[] = [];
  const any = body as unknown as {
    deletePartitions?: boolean;
    partitions?: { topicName: string; partitionIndex: number }[];
    ungroupedPartitions?: { topicName: string; partitionIndex: number }[];
    topics?: { name: string; partitionIndexes: number[] }[];
    topicStates?: {
      topicName: string;
      partitionStates: { partitionIndex: number; deletePartition: boolean }[];
    }[];
  };
  for (const p of any.partitions ?? any.ungroupedPartitions ?? []) {
    out.push({
      topic: p.topicName,
      partition: p.partitionIndex,
      deletePartition: any.deletePartitions ?? false,
    });
  }
  for (const t of any.topics ?? []) {
    for (const index of t.partitionIndexes)
      out.push({ topic: t.name, partition: index, deletePartition: any.deletePartitions ?? false });
  }
  for (const t of any.topicStates ?? []) {
    for (const p of t.partitionStates)
      out.push({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition });
  }
  return out;
}

/** KIP-320 fencing: a fetcher on an older epoch is fenced, one on a newer epoch is ahead of us. */
function leaderEpochError(requested: number | undefined, current: number): number {
  if (requested === undefined || requested < 0 || requested === current) return ErrorCode.NONE;
  return requested < current ? ErrorCode.FENCED_LEADER_EPOCH : ErrorCode.UNKNOWN_LEADER_EPOCH;
}
