// The consumer side of group membership (Kafka's ConsumerCoordinator / AbstractCoordinator; the broker
// side is the GroupCoordinator) — kafka-zk-era.md §6.1–6.6, 6.8:
//   FindCoordinator → JoinGroup (MEMBER_ID_REQUIRED round trip on v4+) → the leader runs the assignor →
//   SyncGroup → Stable, with Heartbeats from a background timer every heartbeat.interval.ms, LeaveGroup on
//   close, OffsetCommit / OffsetFetch for positions.
// Heartbeat answers drive rebalances: REBALANCE_IN_PROGRESS → rejoin; ILLEGAL_GENERATION → rejoin;
// UNKNOWN_MEMBER_ID → forget the member id, rejoin; NOT_COORDINATOR / a dead connection → look the
// coordinator up again. If the application does not poll for max.poll.interval.ms, the heartbeat timer
// sends LeaveGroup (KIP-62) so the group moves on without it.

import { ApiKey } from '../protocol/api-keys.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import type { RequestInput, ResponseBody, SupportedApiKey } from '../protocol/registry.ts';
import type { Cluster, ResolvedCoordinator } from '../network/cluster.ts';
import type { Connection, RequestBodyInput } from '../network/connection.ts';
import { KafkaClientError, KafkaProtocolError, isRetriableError } from '../network/errors.ts';
import type { PartitionAssignor, RebalanceProtocol, TopicPartition } from './assignors/types.ts';
import {
  CONSUMER_PROTOCOL_TYPE,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from './consumer-protocol.ts';
import type { ConsumerEvent } from './trace.ts';

export interface CoordinatorOptions {
  groupId: string;
  groupInstanceId: string | null;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  maxPollIntervalMs: number;
  retryBackoffMs: number;
  requestTimeoutMs: number;
  assignors: readonly PartitionAssignor[];
  onEvent: ((event: ConsumerEvent) => void) | undefined;
}

export interface CoordinatorHooks {
  /** The topics this member subscribes to now. */
  subscription(): string[];
  /** The partitions this member owns now (for Subscription v1 and sticky userData). */
  owned(): TopicPartition[];
  /** The heartbeat learned something the poll loop must act on (a rebalance); wake it up. */
  wake(): void;
}

export interface JoinResult {
  generationId: number;
  memberId: string;
  protocol: string;
  isLeader: boolean;
  assignment: TopicPartition[];
}

const GROUP_MEMBERSHIP_ERRORS = new Set<number>([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.ILLEGAL_GENERATION,
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.FENCED_INSTANCE_ID,
]);

const COORDINATOR_ERRORS = new Set<number>([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
]);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ConsumerCoordinator {
  readonly options: CoordinatorOptions;
  private readonly cluster: Cluster;
  private readonly hooks: CoordinatorHooks;
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  leaderId = '';
  /** A (re)join is needed before the next fetch. */
  rejoinNeeded = true;
  state: 'UNJOINED' | 'REBALANCING' | 'STABLE' = 'UNJOINED';
  /** Date.now() of the application's last poll (max.poll.interval.ms). */
  lastPollAt = Date.now();
  private coordinator: ResolvedCoordinator | null = null;
  /** The last assignment received and its generation (the eager sticky assignor's memory, Java's onAssignment). */
  private lastAssignment: TopicPartition[] = [];
  private lastAssignmentGeneration = -1;
  private heartbeatTimer: ReturnType<typeof setTimeout> | null = null;
  private heartbeatInFlight = false;
  private closed = false;

  constructor(cluster: Cluster, options: CoordinatorOptions, hooks: CoordinatorHooks) {
    this.cluster = cluster;
    this.options = options;
    this.hooks = hooks;
  }

  /** The rebalance protocol: COOPERATIVE only if every configured assignor supports it (Java's rule). */
  get rebalanceProtocol(): RebalanceProtocol {
    return this.options.assignors.every((assignor) => assignor.protocols.includes('COOPERATIVE'))
      ? 'COOPERATIVE'
      : 'EAGER';
  }

  get isLeader(): boolean {
    return this.memberId !== '' && this.memberId === this.leaderId;
  }

  /** The coordinator's broker id (after the first lookup). */
  get coordinatorId(): number | null {
    return this.coordinator?.nodeId ?? null;
  }

  private async connection(): Promise<Connection> {
    if (!this.coordinator) {
      this.coordinator = await this.cluster.findCoordinator(this.options.groupId);
      this.options.onEvent?.({
        type: 'group.coordinator',
        groupId: this.options.groupId,
        nodeId: this.coordinator.nodeId,
      });
    }
    return this.cluster.connectionToAddress(this.coordinator.nodeId, this.coordinator, 'coordinator');
  }

  markCoordinatorUnknown(): void {
    if (this.coordinator) this.cluster.dropConnection(this.coordinator.nodeId, 'coordinator');
    this.coordinator = null;
  }

  /** A request to the coordinator; a connection failure forgets the coordinator (it will be looked up again). */
  private async send<K extends SupportedApiKey>(
    apiKey: K,
    body: RequestBodyInput<K>,
    timeoutMs?: number,
  ): Promise<ResponseBody<K>> {
    try {
      // Inside the try: a coordinator that cannot even be connected to (killed) is forgotten too.
      const connection = await this.connection();
      return await connection.request(apiKey, body, timeoutMs === undefined ? {} : { timeoutMs });
    } catch (error) {
      this.markCoordinatorUnknown();
      throw error;
    }
  }

  // ------------------------------------------------------------------------------------------------
  // JoinGroup + SyncGroup

  /** Joins (or rejoins) the group and returns this member's assignment. Retries retriable problems. */
  async join(reason: string): Promise<JoinResult> {
    this.stopHeartbeat();
    this.state = 'REBALANCING';
    for (;;) {
      if (this.closed) throw new KafkaClientError('KZ_ERR_CLIENT_CLOSED', 'consumer is closed');
      this.options.onEvent?.({
        type: 'group.joining',
        groupId: this.options.groupId,
        memberId: this.memberId,
        reason,
      });
      try {
        const result = await this.joinOnce();
        if (result) {
          this.state = 'STABLE';
          this.rejoinNeeded = false;
          this.startHeartbeat();
          return result;
        }
      } catch (error) {
        if (error instanceof KafkaProtocolError) {
          if (COORDINATOR_ERRORS.has(error.errorCode)) this.markCoordinatorUnknown();
          else if (error.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) this.resetMember();
          else if (!error.retriable && !GROUP_MEMBERSHIP_ERRORS.has(error.errorCode)) {
            this.state = 'UNJOINED';
            throw error;
          }
        } else if (!isRetriableError(error)) {
          this.state = 'UNJOINED';
          throw error;
        }
        await sleep(this.options.retryBackoffMs);
      }
    }
  }

  resetMember(): void {
    this.memberId = '';
    this.generationId = -1;
    this.leaderId = '';
  }

  /** One JoinGroup + SyncGroup round; null when it must simply be repeated (MEMBER_ID_REQUIRED, …). */
  private async joinOnce(): Promise<JoinResult | null> {
    const { groupId, groupInstanceId, sessionTimeoutMs, rebalanceTimeoutMs, assignors } = this.options;
    const topics = this.hooks.subscription();
    const cooperative = this.rebalanceProtocol === 'COOPERATIVE';
    const owned = cooperative ? this.hooks.owned() : [];
    // Eager members have revoked everything by now; the sticky assignor still wants what they last had.
    const previous = cooperative ? owned : this.lastAssignment;
    const generation = cooperative ? this.generationId : this.lastAssignmentGeneration;
    const join = await this.send(
      ApiKey.JoinGroup,
      {
        groupId,
        sessionTimeoutMs,
        rebalanceTimeoutMs,
        memberId: this.memberId,
        groupInstanceId,
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocols: assignors.map((assignor) => ({
          name: assignor.name,
          metadata: encodeSubscription({
            version: 1,
            topics,
            userData: assignor.subscriptionUserData?.(previous, generation) ?? null,
            ownedPartitions: owned,
          }),
        })),
        reason: null,
      },
      rebalanceTimeoutMs + 5000,
    );
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      this.memberId = join.memberId;
      return null;
    }
    if (join.errorCode !== 0)
      throw new KafkaProtocolError(join.errorCode, { message: `JoinGroup ${groupId}` });
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.leaderId = join.leader;
    this.protocolName = join.protocolName;
    const isLeader = join.leader === join.memberId;
    this.options.onEvent?.({
      type: 'group.joined',
      groupId,
      memberId: join.memberId,
      generationId: join.generationId,
      leaderId: join.leader,
      isLeader,
      protocol: join.protocolName ?? '',
      members: join.members.length,
    });

    let assignments: { memberId: string; assignment: Uint8Array }[] = [];
    if (isLeader) assignments = await this.computeAssignment(join.protocolName ?? '', join.members);

    const sync = await this.send(ApiKey.SyncGroup, {
      groupId,
      generationId: join.generationId,
      memberId: join.memberId,
      groupInstanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocolName: join.protocolName,
      assignments,
    });
    if (sync.errorCode !== 0)
      throw new KafkaProtocolError(sync.errorCode, { message: `SyncGroup ${groupId}` });
    const assignment = decodeAssignment(sync.assignment);
    this.lastAssignment = assignment.partitions;
    this.lastAssignmentGeneration = join.generationId;
    return {
      generationId: join.generationId,
      memberId: join.memberId,
      protocol: join.protocolName ?? '',
      isLeader,
      assignment: assignment.partitions,
    };
  }

  /** The leader's job: decode every member's Subscription, get partition counts, run the assignor. */
  private async computeAssignment(
    protocolName: string,
    members: readonly { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[],
  ): Promise<{ memberId: string; assignment: Uint8Array }[]> {
    const assignor = this.options.assignors.find((candidate) => candidate.name === protocolName);
    if (!assignor) {
      throw new KafkaClientError(
        'KZ_ERR_CONFIG',
        `the group chose assignor ${protocolName}, which this member does not have`,
      );
    }
    const subscriptions = members.map((member) => {
      const subscription = decodeSubscription(member.metadata);
      return {
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        topics: subscription.topics,
        userData: subscription.userData,
        ownedPartitions: subscription.ownedPartitions,
        generation: subscription.generationId >= 0 ? subscription.generationId : undefined,
      };
    });
    const topics = [...new Set(subscriptions.flatMap((subscription) => subscription.topics))];
    await this.cluster.refreshMetadata(topics);
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of topics) {
      const count = this.cluster.metadata.partitionCount(topic);
      if (count !== undefined && count > 0) partitionsPerTopic.set(topic, count);
    }
    const result = assignor.assign({ members: subscriptions, partitionsPerTopic });
    return members.map((member) => ({
      memberId: member.memberId,
      assignment: encodeAssignment({ partitions: result.get(member.memberId) ?? [] }),
    }));
  }

  // ------------------------------------------------------------------------------------------------
  // Heartbeats

  private startHeartbeat(): void {
    this.stopHeartbeat();
    const tick = () => {
      this.heartbeatTimer = setTimeout(() => {
        void this.heartbeat().finally(() => {
          if (this.heartbeatTimer !== null && this.state === 'STABLE' && !this.closed) tick();
        });
      }, this.options.heartbeatIntervalMs);
    };
    tick();
  }

  stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** One heartbeat (the timer calls it; exposed for tests). */
  async heartbeat(): Promise<void> {
    if (this.heartbeatInFlight || this.state !== 'STABLE' || this.closed) return;
    const { groupId, groupInstanceId, maxPollIntervalMs } = this.options;
    if (Date.now() - this.lastPollAt > maxPollIntervalMs) {
      // The application stopped polling: leave so the group can move on (KIP-62).
      await this.leave(`no poll for more than max.poll.interval.ms (${maxPollIntervalMs} ms)`);
      this.rejoinNeeded = true;
      this.hooks.wake();
      return;
    }
    this.heartbeatInFlight = true;
    let error: string | null = null;
    try {
      const response = await this.send(ApiKey.Heartbeat, {
        groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId,
      });
      if (response.errorCode !== 0) {
        error = new KafkaProtocolError(response.errorCode).errorName;
        this.onGroupError(response.errorCode);
      }
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    } finally {
      this.heartbeatInFlight = false;
    }
    this.options.onEvent?.({ type: 'heartbeat', groupId, generationId: this.generationId, error });
  }

  /** Reacts to a group error from a heartbeat or commit. */
  private onGroupError(errorCode: number): void {
    if (COORDINATOR_ERRORS.has(errorCode)) {
      this.markCoordinatorUnknown();
      return;
    }
    if (errorCode === ErrorCode.UNKNOWN_MEMBER_ID || errorCode === ErrorCode.FENCED_INSTANCE_ID)
      this.resetMember();
    if (GROUP_MEMBERSHIP_ERRORS.has(errorCode)) {
      this.rejoinNeeded = true;
      this.state = 'REBALANCING';
      this.stopHeartbeat();
      this.hooks.wake();
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Offsets

  /**
   * OffsetCommit. `generation` false = a stand-alone commit (generation -1, no member: manual
   * assignment). Throws KZ_ERR_COMMIT_FAILED when the group rebalanced under us.
   */
  async commit(
    offsets: readonly {
      topic: string;
      partition: number;
      offset: bigint;
      leaderEpoch?: number;
      metadata?: string | null;
    }[],
    useGeneration: boolean,
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<void> {
    if (offsets.length === 0) return;
    const { groupId, groupInstanceId } = this.options;
    const byTopic = new Map<string, (typeof offsets)[number][]>();
    for (const entry of offsets) {
      let list = byTopic.get(entry.topic);
      if (!list) {
        list = [];
        byTopic.set(entry.topic, list);
      }
      list.push(entry);
    }
    const deadline = Date.now() + timeoutMs;
    const summary = offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset }));
    for (;;) {
      let failure: unknown;
      try {
        const response = await this.send(ApiKey.OffsetCommit, {
          groupId,
          generationId: useGeneration ? this.generationId : -1,
          memberId: useGeneration ? this.memberId : '',
          groupInstanceId: useGeneration ? groupInstanceId : null,
          retentionTimeMs: -1n,
          topics: [...byTopic].map(([name, list]) => ({
            name,
            partitions: list.map((entry) => ({
              partitionIndex: entry.partition,
              committedOffset: entry.offset,
              committedLeaderEpoch: entry.leaderEpoch ?? -1,
              commitTimestamp: -1n,
              committedMetadata: entry.metadata ?? '',
            })),
          })),
        } satisfies RequestInput<typeof ApiKey.OffsetCommit>);
        let errorCode = 0;
        let where: { topic: string; partition: number } | null = null;
        for (const topic of response.topics) {
          for (const partition of topic.partitions) {
            if (partition.errorCode !== 0 && errorCode === 0) {
              errorCode = partition.errorCode;
              where = { topic: topic.name, partition: partition.partitionIndex };
            }
          }
        }
        if (errorCode === 0) {
          this.options.onEvent?.({ type: 'commit', groupId, offsets: summary, error: null });
          return;
        }
        if (GROUP_MEMBERSHIP_ERRORS.has(errorCode)) {
          this.onGroupError(errorCode);
          const cause = new KafkaProtocolError(errorCode, where ?? {});
          this.options.onEvent?.({ type: 'commit', groupId, offsets: summary, error: cause.errorName });
          throw new KafkaClientError(
            'KZ_ERR_COMMIT_FAILED',
            `commit failed: the group rebalanced (${cause.errorName}); the partitions may now belong to another member`,
            { cause, retriable: false, definite: true },
          );
        }
        if (COORDINATOR_ERRORS.has(errorCode)) this.markCoordinatorUnknown();
        failure = new KafkaProtocolError(errorCode, where ?? {});
      } catch (error) {
        if (error instanceof KafkaClientError && error.code === 'KZ_ERR_COMMIT_FAILED') throw error;
        failure = error;
      }
      if (!isRetriableError(failure) || Date.now() + this.options.retryBackoffMs > deadline || this.closed) {
        this.options.onEvent?.({
          type: 'commit',
          groupId,
          offsets: summary,
          error: failure instanceof Error ? failure.message : String(failure),
        });
        throw failure;
      }
      await sleep(this.options.retryBackoffMs);
    }
  }

  /** Committed offsets (OffsetFetch); -1n where nothing is committed. */
  async fetchCommitted(
    partitions: readonly TopicPartition[],
    timeoutMs = this.options.requestTimeoutMs,
  ): Promise<Map<string, { offset: bigint; leaderEpoch: number; metadata: string | null }>> {
    const { groupId } = this.options;
    const byTopic = new Map<string, number[]>();
    for (const { topic, partition } of partitions) {
      let list = byTopic.get(topic);
      if (!list) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push(partition);
    }
    const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      let failure: unknown;
      try {
        const response = await this.send(ApiKey.OffsetFetch, (version) =>
          version >= 8
            ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable: false }
            : { groupId, topics, requireStable: false },
        );
        const group =
          response.groups.length > 0
            ? response.groups[0]
            : { topics: response.topics, errorCode: response.errorCode };
        let errorCode = group.errorCode;
        const out = new Map<string, { offset: bigint; leaderEpoch: number; metadata: string | null }>();
        for (const topic of group.topics) {
          for (const partition of topic.partitions) {
            if (partition.errorCode !== 0) errorCode ||= partition.errorCode;
            out.set(`${topic.name}\u0000${partition.partitionIndex}`, {
              offset: partition.committedOffset,
              leaderEpoch: partition.committedLeaderEpoch,
              metadata: partition.metadata,
            });
          }
        }
        if (errorCode === 0) return out;
        if (COORDINATOR_ERRORS.has(errorCode)) this.markCoordinatorUnknown();
        failure = new KafkaProtocolError(errorCode, { message: `OffsetFetch ${groupId}` });
      } catch (error) {
        failure = error;
      }
      if (!isRetriableError(failure) || Date.now() + this.options.retryBackoffMs > deadline || this.closed)
        throw failure;
      await sleep(this.options.retryBackoffMs);
    }
  }

  // ------------------------------------------------------------------------------------------------
  // Leaving

  /** LeaveGroup (skipped for static members, which keep their place across restarts, as in Java). */
  async leave(reason: string): Promise<void> {
    this.stopHeartbeat();
    const memberId = this.memberId;
    const { groupId, groupInstanceId } = this.options;
    this.state = 'UNJOINED';
    if (memberId === '' || groupInstanceId !== null) {
      this.resetMember();
      return;
    }
    try {
      await this.send(
        ApiKey.LeaveGroup,
        (version) =>
          version >= 3
            ? { groupId, members: [{ memberId, groupInstanceId: null, reason }] }
            : { groupId, memberId },
        this.options.requestTimeoutMs,
      );
    } catch {
      // Best effort: the session timeout removes us anyway.
    }
    this.options.onEvent?.({ type: 'group.left', groupId, memberId, reason });
    this.resetMember();
  }

  close(): void {
    this.closed = true;
    this.stopHeartbeat();
  }
}
