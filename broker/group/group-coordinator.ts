// GroupCoordinator: the broker side of consumer groups as a pure state machine (kafka-zk-era.md §6;
// Kafka 2.4's kafka.coordinator.group.GroupCoordinator + GroupMetadataManager, rewritten for a single
// event loop with no threads, locks, purgatories or clock).
//
// Inputs are method calls carrying the caller's logical time (`nowMs`) and a request token the shell
// chooses; every call returns a `GroupCoordinatorReady`:
//   responses  replies to deliver, each keyed by the token of the request it answers, with the body
//              shaped for that request's API version (encode it with the matching client/protocol schema);
//   appends    record batches to append to `__consumer_offsets-<partition>`; an append with
//              requiredAcks −1 must be reported back with `completeAppend(appendId, result, nowMs)` once
//              it is replicated (or failed / timed out after offsets.commit.timeout.ms) — the responses
//              that depend on it (SyncGroup, OffsetCommit) are only released then;
//   events     journal events for logs, tests and the dashboard.
// A JoinGroup or SyncGroup that must wait gets no response in the Ready of its own call: it stays parked
// and is answered in the Ready of a later input (another member's JoinGroup, a LeaveGroup, the leader's
// SyncGroup, completeAppend, or `tick(nowMs)` firing a timeout). Every token is answered exactly once,
// so a shell that answers in request order per connection never stalls forever.
//
// Time: each input first fires every timer due at or before its `nowMs`, in deadline order, each at its
// own deadline (as if the shell had ticked exactly on time), then handles the input, then fires timers
// that became due at `nowMs` (a zero initial delay). `nextDeadlineMs()` tells the shell when to tick.
// Time never goes backwards: an older `nowMs` is treated as the latest one seen.
//
// Pure: no node:* imports, no timers, no clock, no randomness (member ids take an injected suffix source).

import { assert } from '../../client/common/assert.ts';
import { KafkaDecodeError } from '../../client/protocol/binary.ts';
import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { DescribeGroupsResponse } from '../../client/protocol/messages/describe-groups.ts';
import { HeartbeatResponse } from '../../client/protocol/messages/heartbeat.ts';
import { JoinGroupResponse } from '../../client/protocol/messages/join-group.ts';
import { LeaveGroupResponse } from '../../client/protocol/messages/leave-group.ts';
import { ListGroupsResponse } from '../../client/protocol/messages/list-groups.ts';
import { OffsetCommitResponse } from '../../client/protocol/messages/offset-commit.ts';
import { OffsetFetchResponse } from '../../client/protocol/messages/offset-fetch.ts';
import { SyncGroupResponse } from '../../client/protocol/messages/sync-group.ts';
import { encodeMessage, type MessageValue } from '../../client/protocol/schema.ts';
import {
  type CommittedOffset,
  GroupMetadata,
  type GroupState,
  type JoinProtocol,
  MemberMetadata,
  type OffsetAndMetadata,
  type PendingRequest,
  type RequestToken,
  TopicPartitionMap,
} from './group-metadata.ts';
import {
  GROUP_METADATA_TOPIC_NAME,
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
  readGroupMessageValue,
  readMessageKey,
  readOffsetMessageValue,
} from './group-metadata-records.ts';
import type { GroupJournalEvent } from './journal.ts';
import { partitionFor } from './partition-for.ts';
import { TimerQueue } from './timer-queue.ts';

// ------------------------------------------------------------------------------------------------
// Configuration

/** Broker settings the coordinator uses; the names match BrokerConfig, so a BrokerConfig fits. */
export interface GroupCoordinatorConfig {
  /** `offsets.topic.num.partitions` (50): the modulus of partitionFor. */
  readonly offsetsTopicNumPartitions: number;
  /** `group.min.session.timeout.ms` (6000). */
  readonly groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` (1800000 since 2.3). */
  readonly groupMaxSessionTimeoutMs: number;
  /** `group.initial.rebalance.delay.ms` (3000). */
  readonly groupInitialRebalanceDelayMs: number;
  /** `group.max.size` (Int.MaxValue). */
  readonly groupMaxSize: number;
  /** `offset.metadata.max.bytes` (4096) — compared, as in Kafka, with the metadata's length in characters. */
  readonly offsetMetadataMaxBytes: number;
  /** `offsets.retention.minutes` (10080 = 7 days). */
  readonly offsetsRetentionMinutes: number;
  /** `offsets.retention.check.interval.ms` (600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = {
  offsetsTopicNumPartitions: 50,
  groupMinSessionTimeoutMs: 6000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3000,
  groupMaxSize: 2_147_483_647,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMinutes: 10_080,
  offsetsRetentionCheckIntervalMs: 600_000,
};

/** A member's first JoinGroup may wait this long in purgatory before the member is dropped (KAFKA-7610). */
export const NEW_MEMBER_JOIN_TIMEOUT_MS = 300_000;

export interface GroupCoordinatorOptions {
  readonly config?: Partial<GroupCoordinatorConfig>;
  /**
   * Where member ids come from: Kafka uses `clientId + "-" + UUID.randomUUID()`; the core is pure, so
   * the UUID-like part is injected. Defaults to a deterministic counter (`sequentialMemberIdSuffixes`).
   */
  readonly memberIdSuffix?: () => string;
  /**
   * Whether a topic-partition exists (Kafka checks its metadata cache before committing); commits to
   * others get UNKNOWN_TOPIC_OR_PARTITION. Defaults to "every partition exists".
   */
  readonly partitionExists?: (topic: string, partition: number) => boolean;
}

/**
 * Deterministic UUID-shaped suffixes: 00000000-0000-4000-8000-000000000001, …002, … (a seeded PRNG can
 * be plugged in instead through GroupCoordinatorOptions.memberIdSuffix).
 */
export function sequentialMemberIdSuffixes(start = 1): () => string {
  let next = start;
  return () => {
    const hex = (next++).toString(16).padStart(12, '0');
    return `00000000-0000-4000-8000-${hex}`;
  };
}

// ------------------------------------------------------------------------------------------------
// Inputs (structural subsets of the decoded client/protocol request messages: a decoded request fits)

export interface ClientInfo {
  /** The request header's client id ("" when null). */
  readonly clientId: string;
  /** The peer address as Kafka prints it, e.g. "/127.0.0.1". */
  readonly clientHost: string;
}

export interface JoinGroupRequestData {
  readonly groupId: string;
  readonly sessionTimeoutMs: number;
  /** v1+; a v0 request uses its session timeout as rebalance timeout. */
  readonly rebalanceTimeoutMs?: number;
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
  readonly protocolType: string;
  readonly protocols: readonly JoinProtocol[];
}

export interface SyncGroupRequestData {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
  readonly protocolType?: string | null;
  readonly protocolName?: string | null;
  readonly assignments: readonly { readonly memberId: string; readonly assignment: Uint8Array }[];
}

export interface HeartbeatRequestData {
  readonly groupId: string;
  readonly generationId: number;
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
}

export interface LeaveGroupRequestData {
  readonly groupId: string;
  /** v0–v2. */
  readonly memberId?: string;
  /** v3+. */
  readonly members?: readonly { readonly memberId: string; readonly groupInstanceId?: string | null }[];
}

export interface OffsetCommitRequestData {
  readonly groupId: string;
  readonly generationId?: number;
  readonly memberId?: string;
  readonly groupInstanceId?: string | null;
  readonly retentionTimeMs?: bigint;
  readonly topics: readonly {
    readonly name: string;
    readonly partitions: readonly {
      readonly partitionIndex: number;
      readonly committedOffset: bigint;
      readonly committedLeaderEpoch?: number;
      readonly commitTimestamp?: bigint;
      readonly committedMetadata: string | null;
    }[];
  }[];
}

type FetchTopics = readonly { readonly name: string; readonly partitionIndexes: readonly number[] }[] | null;

export interface OffsetFetchRequestData {
  /** v0–v7. */
  readonly groupId?: string;
  /** v0–v7; null (v2+) = every partition the group has an offset for. */
  readonly topics?: FetchTopics;
  /** v8+. */
  readonly groups?: readonly { readonly groupId: string; readonly topics: FetchTopics }[];
  readonly requireStable?: boolean;
}

export interface DescribeGroupsRequestData {
  readonly groups: readonly string[];
  readonly includeAuthorizedOperations?: boolean;
}

export interface ListGroupsRequestData {
  readonly statesFilter?: readonly string[];
  readonly typesFilter?: readonly string[];
}

// ------------------------------------------------------------------------------------------------
// Outputs

export type JoinGroupResponseData = MessageValue<typeof JoinGroupResponse>;
export type SyncGroupResponseData = MessageValue<typeof SyncGroupResponse>;
export type HeartbeatResponseData = MessageValue<typeof HeartbeatResponse>;
export type LeaveGroupResponseData = MessageValue<typeof LeaveGroupResponse>;
export type OffsetCommitResponseData = MessageValue<typeof OffsetCommitResponse>;
export type OffsetFetchResponseData = MessageValue<typeof OffsetFetchResponse>;
export type DescribeGroupsResponseData = MessageValue<typeof DescribeGroupsResponse>;
export type ListGroupsResponseData = MessageValue<typeof ListGroupsResponse>;

interface ResponseOf<Api extends string, Key extends number, Body> {
  readonly token: RequestToken;
  readonly api: Api;
  readonly apiKey: Key;
  /** The version of the request: encode `body` with the response schema at this version. */
  readonly version: number;
  readonly body: Body;
}

export type GroupResponse =
  | ResponseOf<'JoinGroup', 11, JoinGroupResponseData>
  | ResponseOf<'SyncGroup', 14, SyncGroupResponseData>
  | ResponseOf<'Heartbeat', 12, HeartbeatResponseData>
  | ResponseOf<'LeaveGroup', 13, LeaveGroupResponseData>
  | ResponseOf<'OffsetCommit', 8, OffsetCommitResponseData>
  | ResponseOf<'OffsetFetch', 9, OffsetFetchResponseData>
  | ResponseOf<'DescribeGroups', 15, DescribeGroupsResponseData>
  | ResponseOf<'ListGroups', 16, ListGroupsResponseData>;

/** One record for `__consumer_offsets`; fits client/protocol/records' RecordInput (buildRecordBatch). */
export interface OffsetsTopicRecord {
  readonly key: Uint8Array;
  /** null = tombstone. */
  readonly value: Uint8Array | null;
  /** CreateTime, milliseconds. */
  readonly timestamp: bigint;
}

export interface OffsetsTopicAppend {
  /** Pass back to completeAppend (requiredAcks −1 only). */
  readonly appendId: number;
  readonly topic: typeof GROUP_METADATA_TOPIC_NAME;
  readonly partition: number;
  /** One batch: all or nothing. */
  readonly records: readonly OffsetsTopicRecord[];
  /**
   * −1: append with acks=all and report the outcome through completeAppend (Kafka's
   * offsets.commit.required.acks); 0: fire and forget (expiry tombstones; nothing waits on them).
   */
  readonly requiredAcks: -1 | 0;
  readonly purpose: 'group-metadata' | 'offset-commit' | 'tombstones';
  readonly groupId: string;
}

export interface AppendResult {
  /** NONE (0) or the produce error (NOT_LEADER_OR_FOLLOWER, NOT_ENOUGH_REPLICAS, REQUEST_TIMED_OUT, …). */
  readonly errorCode: number;
  /** The log offset of the batch's first record; required when errorCode is NONE. */
  readonly baseOffset?: bigint;
}

export interface GroupCoordinatorReady {
  readonly responses: GroupResponse[];
  readonly appends: OffsetsTopicAppend[];
  readonly events: GroupJournalEvent[];
}

/** A record read back from `__consumer_offsets` (a decoded Record fits; control batches must be skipped). */
export interface LoadedRecord {
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
  /** The record's log offset; later records win. Defaults to the position in the input. */
  readonly offset?: bigint;
}

// ---- read-only views for the dashboard and tests ----

export interface MemberView {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocols: readonly string[];
  readonly awaitingJoin: boolean;
  readonly awaitingSync: boolean;
  readonly isNew: boolean;
  readonly latestHeartbeatMs: number;
  /** When the next session check runs (null while the member has a request in purgatory after one). */
  readonly heartbeatDeadlineMs: number | null;
  /** The subscription for the group's protocol (null before one is chosen). */
  readonly subscription: Uint8Array | null;
  readonly assignment: Uint8Array;
}

export interface CommittedOffsetView {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  readonly expireTimestampMs: number | null;
}

export interface GroupView {
  readonly groupId: string;
  /** The `__consumer_offsets` partition that holds the group. */
  readonly partition: number;
  readonly state: GroupState;
  readonly currentStateTimestampMs: number | null;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string | null;
  readonly members: readonly MemberView[];
  readonly pendingMemberIds: readonly string[];
  /** The end of the join phase while PreparingRebalance, else null. */
  readonly joinDeadlineMs: number | null;
  readonly offsets: readonly CommittedOffsetView[];
}

// ------------------------------------------------------------------------------------------------
// Internals

type Api =
  'JoinGroup' | 'SyncGroup' | 'Heartbeat' | 'LeaveGroup' | 'OffsetCommit' | 'OffsetFetch' | 'DescribeGroups';

interface JoinResult {
  readonly errorCode: number;
  readonly memberId: string;
  readonly generationId: number;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly leaderId: string;
  readonly members: readonly { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[];
}

const EMPTY_BYTES = new Uint8Array(0);
/** DescribeGroups v3+ "not requested" (Int.MinValue). */
const AUTHORIZED_OPERATIONS_OMITTED = -2147483648;
/** READ(3) | DELETE(6) | DESCRIBE(8) as a bit field: every group operation (there are no ACLs in kzlab). */
const ALL_GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);

function joinError(memberId: string, errorCode: number): JoinResult {
  return {
    errorCode,
    memberId,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leaderId: '',
    members: [],
  };
}

/** How Kafka reports a failed group-metadata append to the members waiting in SyncGroup. */
function groupAppendError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.REQUEST_TIMED_OUT:
      return ErrorCode.REBALANCE_IN_PROGRESS;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
    default:
      return errorCode;
  }
}

/** How Kafka reports a failed offset-commit append. */
function offsetAppendError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    case ErrorCode.MESSAGE_TOO_LARGE:
    case ErrorCode.RECORD_LIST_TOO_LARGE:
    case ErrorCode.INVALID_FETCH_SIZE:
      return ErrorCode.INVALID_COMMIT_OFFSET_SIZE;
    default:
      return errorCode;
  }
}

function freshReady(): GroupCoordinatorReady {
  return { responses: [], appends: [], events: [] };
}

// ------------------------------------------------------------------------------------------------
// The coordinator

export class GroupCoordinator {
  readonly config: GroupCoordinatorConfig;
  private readonly memberIdSuffix: () => string;
  private readonly partitionExists: (topic: string, partition: number) => boolean;

  /** Groups of the partitions this broker leads (Kafka's groupMetadataCache). */
  private readonly groups = new Map<string, GroupMetadata>();
  private readonly ownedPartitions = new Set<number>();
  private readonly loadingPartitions = new Set<number>();

  private readonly timers = new TimerQueue();
  private retentionTimerId: number | null = null;

  private readonly pendingAppends = new Map<number, (result: AppendResult) => void>();
  private nextAppendId = 1;

  /** Logical time: the latest nowMs seen, or the deadline of the timer being fired. */
  private nowMs = Number.NEGATIVE_INFINITY;
  private out: GroupCoordinatorReady = freshReady();

  constructor(options: GroupCoordinatorOptions = {}) {
    // Pick the known keys only (a whole BrokerConfig may be passed in).
    const given = options.config ?? {};
    const config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG };
    for (const key of Object.keys(config) as (keyof GroupCoordinatorConfig)[]) {
      const value = given[key];
      if (value !== undefined) config[key] = value;
    }
    this.config = config;
    this.memberIdSuffix = options.memberIdSuffix ?? sequentialMemberIdSuffixes();
    this.partitionExists = options.partitionExists ?? (() => true);
  }

  // ==============================================================================================
  // Public inputs

  /** `__consumer_offsets` partition of a group (FindCoordinator answers with that partition's leader). */
  partitionFor(groupId: string): number {
    return partitionFor(groupId, this.config.offsetsTopicNumPartitions);
  }

  /** Fires due timers: join-phase ends, session expiries, pending-member expiries, offset expiry. */
  tick(nowMs: number): GroupCoordinatorReady {
    this.begin(nowMs);
    return this.finish();
  }

  /** When the next timer is due (null if none). */
  nextDeadlineMs(): number | null {
    return this.timers.peekDeadline();
  }

  joinGroup(
    token: RequestToken,
    version: number,
    request: JoinGroupRequestData,
    client: ClientInfo,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const pending: PendingRequest = { token, version };
    const { groupId, memberId, sessionTimeoutMs } = request;
    const rebalanceTimeoutMs =
      version === 0 ? sessionTimeoutMs : (request.rebalanceTimeoutMs ?? sessionTimeoutMs);
    const groupInstanceId = version >= 5 ? (request.groupInstanceId ?? null) : null;
    // KIP-394: only clients that understand MEMBER_ID_REQUIRED (v4+) get the extra round trip.
    const requireKnownMemberId = version >= 4 && groupInstanceId === null;

    const error = this.validateGroupStatus(groupId, 'JoinGroup');
    if (error !== null) {
      this.respondJoin(pending, joinError(memberId, error));
    } else if (
      sessionTimeoutMs < this.config.groupMinSessionTimeoutMs ||
      sessionTimeoutMs > this.config.groupMaxSessionTimeoutMs
    ) {
      this.respondJoin(pending, joinError(memberId, ErrorCode.INVALID_SESSION_TIMEOUT));
    } else {
      const isUnknownMember = memberId === '';
      let group = this.groups.get(groupId);
      if (!group && isUnknownMember) {
        group = new GroupMetadata(groupId, 'Empty', this.nowMs);
        this.groups.set(groupId, group);
      }
      if (!group) {
        this.respondJoin(pending, joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
      } else {
        const join: JoinInput = {
          pending,
          memberId,
          groupInstanceId,
          requireKnownMemberId,
          clientId: client.clientId,
          clientHost: client.clientHost,
          rebalanceTimeoutMs,
          sessionTimeoutMs,
          protocolType: request.protocolType,
          protocols: request.protocols.map(({ name, metadata }) => ({ name, metadata })),
        };
        if (!this.acceptJoiningMember(group, memberId)) {
          const removed = group.remove(memberId);
          if (removed) {
            this.cancelTimer(removed.heartbeatTimerId);
            this.emit({ type: 'member-left', groupId, memberId, reason: 'group-max-size', atMs: this.nowMs });
          }
          this.respondJoin(pending, joinError('', ErrorCode.GROUP_MAX_SIZE_REACHED));
        } else if (isUnknownMember) {
          this.doUnknownJoinGroup(group, join);
        } else {
          this.doJoinGroup(group, join);
        }
        if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
      }
    }
    return this.finish();
  }

  syncGroup(
    token: RequestToken,
    version: number,
    request: SyncGroupRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const pending: PendingRequest = { token, version };
    const error = this.validateGroupStatus(request.groupId, 'SyncGroup');
    if (error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS) {
      // The rebalance in progress was lost with the old coordinator: have the member join again.
      this.respondSync(pending, ErrorCode.REBALANCE_IN_PROGRESS, null, null, EMPTY_BYTES);
    } else if (error !== null) {
      this.respondSync(pending, error, null, null, EMPTY_BYTES);
    } else {
      const group = this.groups.get(request.groupId);
      if (!group) this.respondSync(pending, ErrorCode.UNKNOWN_MEMBER_ID, null, null, EMPTY_BYTES);
      else this.doSyncGroup(group, pending, request);
    }
    return this.finish();
  }

  heartbeat(
    token: RequestToken,
    version: number,
    request: HeartbeatRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const respond = (errorCode: number): void =>
      this.push({ token, api: 'Heartbeat', apiKey: 12, version, body: { throttleTimeMs: 0, errorCode } });
    const error = this.validateGroupStatus(request.groupId, 'Heartbeat');
    const group = this.groups.get(request.groupId);
    if (error !== null) {
      // While loading, Kafka answers heartbeats blindly with NONE.
      respond(error === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS ? ErrorCode.NONE : error);
    } else if (!group) {
      respond(ErrorCode.UNKNOWN_MEMBER_ID);
    } else if (group.is('Dead')) {
      respond(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } else if (!group.has(request.memberId)) {
      respond(ErrorCode.UNKNOWN_MEMBER_ID);
    } else if (request.generationId !== group.generationId) {
      respond(ErrorCode.ILLEGAL_GENERATION);
    } else {
      const member = group.get(request.memberId);
      switch (group.state) {
        case 'Empty':
          respond(ErrorCode.UNKNOWN_MEMBER_ID);
          break;
        case 'CompletingRebalance':
        case 'Stable':
          this.completeAndScheduleNextHeartbeatExpiration(group, member);
          respond(ErrorCode.NONE);
          break;
        case 'PreparingRebalance':
          // How members that have not rejoined learn about the rebalance.
          this.completeAndScheduleNextHeartbeatExpiration(group, member);
          respond(ErrorCode.REBALANCE_IN_PROGRESS);
          break;
        case 'Dead':
          assert(false, 'unreachable: Dead handled above');
      }
    }
    return this.finish();
  }

  leaveGroup(
    token: RequestToken,
    version: number,
    request: LeaveGroupRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const leaving =
      version >= 3
        ? (request.members ?? []).map((member) => ({
            memberId: member.memberId,
            groupInstanceId: member.groupInstanceId ?? null,
          }))
        : [{ memberId: request.memberId ?? '', groupInstanceId: null }];
    const respond = (topLevel: number, memberErrors: number[]): void => {
      // v0–v2 carry one error: the top-level one, else the member's.
      const errorCode =
        version >= 3 || topLevel !== ErrorCode.NONE
          ? topLevel
          : (memberErrors.find((code) => code !== ErrorCode.NONE) ?? ErrorCode.NONE);
      const members =
        version >= 3
          ? memberErrors.map((code, index) => ({
              memberId: leaving[index].memberId,
              groupInstanceId: leaving[index].groupInstanceId,
              errorCode: code,
            }))
          : [];
      this.push({
        token,
        api: 'LeaveGroup',
        apiKey: 13,
        version,
        body: { throttleTimeMs: 0, errorCode, members },
      });
    };

    const error = this.validateGroupStatus(request.groupId, 'LeaveGroup');
    const group = this.groups.get(request.groupId);
    if (error !== null) {
      respond(error, []);
    } else if (!group) {
      respond(
        ErrorCode.NONE,
        leaving.map(() => ErrorCode.UNKNOWN_MEMBER_ID),
      );
    } else if (group.is('Dead')) {
      respond(ErrorCode.COORDINATOR_NOT_AVAILABLE, []);
    } else {
      const errors = leaving.map(({ memberId }) => {
        if (group.isPendingMember(memberId)) {
          this.removePendingMemberAndUpdateGroup(group, memberId, 'leave-group');
          return ErrorCode.NONE;
        }
        if (!group.has(memberId)) return ErrorCode.UNKNOWN_MEMBER_ID;
        const member = group.get(memberId);
        member.isLeaving = true;
        this.cancelTimer(member.heartbeatTimerId);
        member.heartbeatTimerId = null;
        this.emit({
          type: 'member-left',
          groupId: group.groupId,
          memberId,
          reason: 'leave-group',
          atMs: this.nowMs,
        });
        this.removeMemberAndUpdateGroup(group, member, `member ${memberId} left the group (LeaveGroup)`);
        return ErrorCode.NONE;
      });
      respond(ErrorCode.NONE, errors);
    }
    return this.finish();
  }

  offsetCommit(
    token: RequestToken,
    version: number,
    request: OffsetCommitRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const now = this.nowMs;
    const generationId = version >= 1 ? (request.generationId ?? -1) : -1;
    const memberId = version >= 1 ? (request.memberId ?? '') : '';
    const retentionTimeMs = version >= 2 && version <= 4 ? (request.retentionTimeMs ?? -1n) : -1n;

    // One slot per partition of the request, answered in request order.
    const slots: { topic: string; partition: number; errorCode: number | null }[] = [];
    const commits = new TopicPartitionMap<OffsetAndMetadata>();
    for (const topic of request.topics) {
      for (const partition of topic.partitions) {
        const slot = {
          topic: topic.name,
          partition: partition.partitionIndex,
          errorCode: null as number | null,
        };
        slots.push(slot);
        if (!this.partitionExists(topic.name, partition.partitionIndex)) {
          slot.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          continue;
        }
        const commitTimestamp = version === 1 ? (partition.commitTimestamp ?? -1n) : -1n;
        const leaderEpoch = version >= 6 ? (partition.committedLeaderEpoch ?? -1) : -1;
        commits.set(topic.name, partition.partitionIndex, {
          offset: partition.committedOffset,
          leaderEpoch: leaderEpoch < 0 ? -1 : leaderEpoch,
          metadata: partition.committedMetadata ?? '',
          commitTimestampMs: commitTimestamp === -1n ? now : Number(commitTimestamp),
          expireTimestampMs: retentionTimeMs === -1n ? null : now + Number(retentionTimeMs),
        });
      }
    }
    const respond = (errorFor: (topic: string, partition: number) => number): void => {
      const topics: OffsetCommitResponseData['topics'] = [];
      for (const slot of slots) {
        const errorCode = slot.errorCode ?? errorFor(slot.topic, slot.partition);
        let topic = topics.length > 0 ? topics[topics.length - 1] : undefined;
        if (!topic || topic.name !== slot.topic) {
          topic = { name: slot.topic, partitions: [] };
          topics.push(topic);
        }
        topic.partitions.push({ partitionIndex: slot.partition, errorCode });
      }
      this.push({ token, api: 'OffsetCommit', apiKey: 8, version, body: { throttleTimeMs: 0, topics } });
    };

    if (commits.size === 0) {
      respond(() => ErrorCode.NONE);
      return this.finish();
    }
    const error = this.validateGroupStatus(request.groupId, 'OffsetCommit');
    if (error !== null) {
      respond(() => error);
      return this.finish();
    }
    let group = this.groups.get(request.groupId);
    if (!group) {
      if (generationId < 0) {
        // Not using Kafka's group management: a "simple" consumer or admin.setOffsets storing offsets.
        group = new GroupMetadata(request.groupId, 'Empty', now);
        this.groups.set(request.groupId, group);
      } else {
        respond(() => ErrorCode.ILLEGAL_GENERATION);
        return this.finish();
      }
    }
    const fail = (code: number): void => respond(() => code);
    if (group.is('Dead')) {
      fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    } else if (generationId < 0 && group.is('Empty')) {
      this.storeOffsets(group, memberId, generationId, commits, respond);
    } else if (!group.has(memberId)) {
      fail(ErrorCode.UNKNOWN_MEMBER_ID);
    } else if (generationId !== group.generationId) {
      fail(ErrorCode.ILLEGAL_GENERATION);
    } else if (group.is('CompletingRebalance')) {
      // The member has its new generation but no assignment yet: it should not be committing.
      fail(ErrorCode.REBALANCE_IN_PROGRESS);
    } else {
      // Stable, or PreparingRebalance (commits still count; heartbeats tell the member to rejoin).
      assert(group.is('Stable') || group.is('PreparingRebalance'), `unexpected state ${group.state}`);
      this.completeAndScheduleNextHeartbeatExpiration(group, group.get(memberId));
      this.storeOffsets(group, memberId, generationId, commits, respond);
    }
    return this.finish();
  }

  offsetFetch(
    token: RequestToken,
    version: number,
    request: OffsetFetchRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const requireStable = version >= 7 && (request.requireStable ?? false);
    type Partitions = OffsetFetchResponseData['topics'][number]['partitions'];
    const partitionData = (
      partitionIndex: number,
      found: OffsetAndMetadata | undefined,
      errorCode: number,
    ): Partitions[number] => ({
      partitionIndex,
      committedOffset: found ? found.offset : -1n,
      committedLeaderEpoch: found ? found.leaderEpoch : -1,
      metadata: found ? found.metadata : '',
      errorCode,
    });
    const fetchGroup = (
      groupId: string,
      topics: FetchTopics,
    ): { errorCode: number; topics: OffsetFetchResponseData['topics'] } => {
      const error = this.validateGroupStatus(groupId, 'OffsetFetch');
      if (error !== null) {
        // v0/v1 have no top-level error: every listed partition carries it instead.
        const listed = version < 2 && topics ? topics : [];
        return {
          errorCode: error,
          topics: listed.map(({ name, partitionIndexes }) => ({
            name,
            partitions: partitionIndexes.map((index) => partitionData(index, undefined, error)),
          })),
        };
      }
      const group = this.groups.get(groupId);
      const live = group && !group.is('Dead') ? group : undefined;
      const lookup = (topic: string, partition: number): Partitions[number] => {
        if (live && requireStable && live.pendingOffsetCommits.has(topic, partition)) {
          return partitionData(partition, undefined, ErrorCode.UNSTABLE_OFFSET_COMMIT);
        }
        return partitionData(partition, live?.offset(topic, partition), ErrorCode.NONE);
      };
      if (topics) {
        return {
          errorCode: ErrorCode.NONE,
          topics: topics.map(({ name, partitionIndexes }) => ({
            name,
            partitions: partitionIndexes.map((index) => lookup(name, index)),
          })),
        };
      }
      const all: OffsetFetchResponseData['topics'] = [];
      for (const [topic, partition] of live ? live.offsets.sortedEntries() : []) {
        let entry = all.length > 0 ? all[all.length - 1] : undefined;
        if (!entry || entry.name !== topic) {
          entry = { name: topic, partitions: [] };
          all.push(entry);
        }
        entry.partitions.push(lookup(topic, partition));
      }
      return { errorCode: ErrorCode.NONE, topics: all };
    };

    let body: OffsetFetchResponseData;
    if (version >= 8) {
      body = {
        throttleTimeMs: 0,
        topics: [],
        errorCode: 0,
        groups: (request.groups ?? []).map(({ groupId, topics }) => {
          const result = fetchGroup(groupId, topics);
          return { groupId, topics: result.topics, errorCode: result.errorCode };
        }),
      };
    } else {
      const topics = version >= 2 ? (request.topics ?? null) : (request.topics ?? []);
      const result = fetchGroup(request.groupId ?? '', topics);
      body = {
        throttleTimeMs: 0,
        topics: result.topics,
        errorCode: version >= 2 ? result.errorCode : ErrorCode.NONE,
        groups: [],
      };
    }
    this.push({ token, api: 'OffsetFetch', apiKey: 9, version, body });
    return this.finish();
  }

  describeGroups(
    token: RequestToken,
    version: number,
    request: DescribeGroupsRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const authorizedOperations =
      version >= 3 && request.includeAuthorizedOperations
        ? ALL_GROUP_OPERATIONS
        : AUTHORIZED_OPERATIONS_OMITTED;
    const groups: DescribeGroupsResponseData['groups'] = request.groups.map((groupId) => {
      const error = this.validateGroupStatus(groupId, 'DescribeGroups');
      if (error !== null) {
        return {
          errorCode: error,
          groupId,
          groupState: '',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations,
        };
      }
      const group = this.groups.get(groupId);
      if (!group) {
        return {
          errorCode: ErrorCode.NONE,
          groupId,
          groupState: 'Dead',
          protocolType: '',
          protocolData: '',
          members: [],
          authorizedOperations,
        };
      }
      // Only a Stable group shows its protocol and each member's subscription and assignment.
      const stable = group.is('Stable');
      const protocol = group.protocolName;
      if (stable) assert(protocol !== null, `stable group ${groupId} without a protocol`);
      return {
        errorCode: ErrorCode.NONE,
        groupId,
        groupState: group.state,
        protocolType: group.protocolType ?? '',
        protocolData: stable ? (protocol ?? '') : '',
        members: [...group.members.values()].map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          clientId: member.clientId,
          clientHost: member.clientHost,
          memberMetadata: stable && protocol !== null ? member.metadata(protocol) : EMPTY_BYTES,
          memberAssignment: stable ? member.assignment : EMPTY_BYTES,
        })),
        authorizedOperations,
      };
    });
    this.push({ token, api: 'DescribeGroups', apiKey: 15, version, body: { throttleTimeMs: 0, groups } });
    return this.finish();
  }

  listGroups(
    token: RequestToken,
    version: number,
    request: ListGroupsRequestData,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const states = version >= 4 ? (request.statesFilter ?? []) : [];
    const types = version >= 5 ? (request.typesFilter ?? []).map((type) => type.toLowerCase()) : [];
    const errorCode =
      this.loadingPartitions.size > 0 ? ErrorCode.COORDINATOR_LOAD_IN_PROGRESS : ErrorCode.NONE;
    const groups: ListGroupsResponseData['groups'] = [];
    if (types.length === 0 || types.includes('classic')) {
      for (const group of this.groups.values()) {
        if (states.length > 0 && !states.includes(group.state)) continue;
        groups.push({
          groupId: group.groupId,
          protocolType: group.protocolType ?? '',
          groupState: group.state,
          groupType: 'classic',
        });
      }
    }
    this.push({
      token,
      api: 'ListGroups',
      apiKey: 16,
      version,
      body: { throttleTimeMs: 0, errorCode, groups },
    });
    return this.finish();
  }

  /** The outcome of an append with requiredAcks −1 (see OffsetsTopicAppend). */
  completeAppend(appendId: number, result: AppendResult, nowMs: number): GroupCoordinatorReady {
    this.begin(nowMs);
    const continuation = this.pendingAppends.get(appendId);
    assert(continuation, `completeAppend: no pending append ${appendId}`);
    this.pendingAppends.delete(appendId);
    assert(
      result.errorCode !== ErrorCode.NONE || result.baseOffset !== undefined,
      `completeAppend ${appendId}: a successful append needs its baseOffset`,
    );
    continuation(result);
    return this.finish();
  }

  /**
   * This broker became leader of `__consumer_offsets-<partition>` and is reading it: requests for its
   * groups get COORDINATOR_LOAD_IN_PROGRESS until loadGroupsFromRecords (Kafka's onElection).
   */
  beginLoading(partition: number, nowMs: number): GroupCoordinatorReady {
    this.begin(nowMs);
    this.loadingPartitions.add(partition);
    this.emit({ type: 'partition-loading', partition, atMs: this.nowMs });
    return this.finish();
  }

  /**
   * Rebuilds the groups and committed offsets of `__consumer_offsets-<partition>` from its records, in log
   * order (the last record per key wins; a tombstone deletes), and starts coordinating them. Loaded groups
   * are Stable (with members) or Empty; their members get a full session timeout to heartbeat this broker.
   * A group already in memory is kept as it is.
   */
  loadGroupsFromRecords(
    partition: number,
    records: Iterable<LoadedRecord>,
    nowMs: number,
  ): GroupCoordinatorReady {
    this.begin(nowMs);
    const now = this.nowMs;
    const loadedOffsets = new Map<string, TopicPartitionMap<CommittedOffset>>();
    const loadedGroups = new Map<string, ReturnType<typeof readGroupMessageValue>>();
    let skippedRecords = 0;
    let position = 0n;
    for (const record of records) {
      const appendedOffset = record.offset ?? position;
      position = appendedOffset + 1n;
      if (record.key === null) {
        skippedRecords++;
        continue;
      }
      try {
        const key = readMessageKey(record.key);
        if (key.kind === 'offset') {
          let offsets = loadedOffsets.get(key.group);
          if (!offsets) {
            offsets = new TopicPartitionMap();
            loadedOffsets.set(key.group, offsets);
          }
          const value = readOffsetMessageValue(record.value);
          if (value === null) {
            offsets.delete(key.topic, key.partition);
          } else {
            offsets.set(key.topic, key.partition, {
              appendedOffset,
              offsetAndMetadata: {
                offset: value.offset,
                leaderEpoch: value.leaderEpoch,
                metadata: value.metadata,
                commitTimestampMs: Number(value.commitTimestamp),
                expireTimestampMs: value.expireTimestamp === null ? null : Number(value.expireTimestamp),
              },
            });
          }
        } else {
          const value = readGroupMessageValue(record.value);
          // Keep the key even for a tombstone, so that "removed" is remembered in order.
          loadedGroups.delete(key.group);
          loadedGroups.set(key.group, value);
        }
      } catch (error) {
        if (error instanceof KafkaDecodeError) {
          skippedRecords++;
          continue;
        }
        throw error;
      }
    }

    const groupIds = new Set<string>();
    for (const [groupId, value] of loadedGroups) if (value !== null) groupIds.add(groupId);
    for (const [groupId, offsets] of loadedOffsets) if (offsets.size > 0) groupIds.add(groupId);
    const loaded: string[] = [];
    let offsetCount = 0;
    for (const groupId of groupIds) {
      if (this.groups.has(groupId)) continue; // Kafka's addGroup keeps the cached group.
      const value = loadedGroups.get(groupId) ?? null;
      const group = new GroupMetadata(groupId, 'Empty', now);
      if (value !== null) {
        group.state = value.members.length > 0 ? 'Stable' : 'Empty';
        group.generationId = value.generation;
        group.protocolType = value.protocolType === '' ? null : value.protocolType;
        group.protocolName = value.protocol;
        group.leaderId = value.leader;
        group.currentStateTimestampMs =
          value.currentStateTimestamp === -1n ? null : Number(value.currentStateTimestamp);
        for (const memberValue of value.members) {
          const member = new MemberMetadata({
            memberId: memberValue.memberId,
            groupId,
            groupInstanceId: memberValue.groupInstanceId,
            clientId: memberValue.clientId,
            clientHost: memberValue.clientHost,
            rebalanceTimeoutMs: memberValue.rebalanceTimeout,
            sessionTimeoutMs: memberValue.sessionTimeout,
            protocolType: value.protocolType,
            supportedProtocols:
              value.protocol === null ? [] : [{ name: value.protocol, metadata: memberValue.subscription }],
          });
          member.assignment = memberValue.assignment;
          group.members.set(member.memberId, member);
        }
      }
      for (const [topic, partitionIndex, committed] of loadedOffsets.get(groupId)?.entries() ?? []) {
        group.offsets.set(topic, partitionIndex, committed);
        offsetCount++;
      }
      this.groups.set(groupId, group);
      loaded.push(groupId);
      // Kafka's onGroupLoaded: every member must now heartbeat this coordinator within its session.
      for (const member of group.members.values())
        this.completeAndScheduleNextHeartbeatExpiration(group, member);
    }
    this.loadingPartitions.delete(partition);
    this.ownedPartitions.add(partition);
    this.emit({
      type: 'partition-loaded',
      partition,
      groups: loaded,
      offsets: offsetCount,
      skippedRecords,
      atMs: now,
    });
    return this.finish();
  }

  /**
   * This broker no longer leads `__consumer_offsets-<partition>` (Kafka's onResignation): its groups are
   * marked Dead and dropped; members waiting in JoinGroup or SyncGroup get NOT_COORDINATOR and will look
   * the coordinator up again.
   */
  unloadPartition(partition: number, nowMs: number): GroupCoordinatorReady {
    this.begin(nowMs);
    this.ownedPartitions.delete(partition);
    this.loadingPartitions.delete(partition);
    const unloaded: string[] = [];
    for (const group of [...this.groups.values()]) {
      if (this.partitionFor(group.groupId) !== partition) continue;
      const previous = group.state;
      this.transition(group, 'Dead');
      for (const member of group.members.values()) {
        if (previous === 'PreparingRebalance' && member.awaitingJoin) {
          this.invokeJoin(member, joinError(member.memberId, ErrorCode.NOT_COORDINATOR));
        }
        if ((previous === 'Stable' || previous === 'CompletingRebalance') && member.awaitingSync) {
          this.invokeSync(member, ErrorCode.NOT_COORDINATOR, null, null, EMPTY_BYTES);
        }
        this.cancelTimer(member.heartbeatTimerId);
        member.heartbeatTimerId = null;
      }
      for (const timerId of group.pendingMembers.values()) this.cancelTimer(timerId);
      group.pendingMembers.clear();
      this.cancelJoinTimer(group);
      this.groups.delete(group.groupId);
      unloaded.push(group.groupId);
    }
    this.emit({ type: 'partition-unloaded', partition, groups: unloaded, atMs: this.nowMs });
    return this.finish();
  }

  /**
   * Offset expiry and removal of dead groups (Kafka's cleanupGroupMetadata), also run every
   * offsets.retention.check.interval.ms by tick. Exposed for drills and tests.
   */
  cleanupGroupMetadata(nowMs: number): GroupCoordinatorReady {
    this.begin(nowMs);
    this.runCleanup();
    return this.finish();
  }

  // ---- introspection -------------------------------------------------------------------------

  /** Partitions this broker has loaded and coordinates. */
  get ownedOffsetsPartitions(): readonly number[] {
    return [...this.ownedPartitions].sort((a, b) => a - b);
  }

  isCoordinatorFor(groupId: string): boolean {
    return this.ownedPartitions.has(this.partitionFor(groupId));
  }

  groupIds(): string[] {
    return [...this.groups.keys()];
  }

  /** A snapshot of one group (undefined if this broker does not hold it). */
  describeGroup(groupId: string): GroupView | undefined {
    const group = this.groups.get(groupId);
    if (!group) return undefined;
    return {
      groupId,
      partition: this.partitionFor(groupId),
      state: group.state,
      currentStateTimestampMs: group.currentStateTimestampMs,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      members: [...group.members.values()].map((member) => ({
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        sessionTimeoutMs: member.sessionTimeoutMs,
        rebalanceTimeoutMs: member.rebalanceTimeoutMs,
        protocols: member.supportedProtocols.map((protocol) => protocol.name),
        awaitingJoin: member.isAwaitingJoin,
        awaitingSync: member.isAwaitingSync,
        isNew: member.isNew,
        latestHeartbeatMs: member.latestHeartbeatMs,
        heartbeatDeadlineMs:
          member.heartbeatTimerId === null ? null : (this.timers.deadlineOf(member.heartbeatTimerId) ?? null),
        subscription:
          group.protocolName !== null && member.supportedProtocols.some((p) => p.name === group.protocolName)
            ? member.metadata(group.protocolName)
            : null,
        assignment: member.assignment,
      })),
      pendingMemberIds: [...group.pendingMembers.keys()],
      joinDeadlineMs: group.joinTimer?.deadlineMs ?? null,
      offsets: [...group.offsets.entries()].map(([topic, partition, committed]) => ({
        topic,
        partition,
        ...committed.offsetAndMetadata,
      })),
    };
  }

  /** The cached committed offset of one partition (undefined if none). */
  committedOffset(groupId: string, topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.groups.get(groupId)?.offset(topic, partition);
  }

  // ==============================================================================================
  // Join

  private acceptJoiningMember(group: GroupMetadata, memberId: string): boolean {
    switch (group.state) {
      case 'Empty':
      case 'Dead':
        return true;
      case 'PreparingRebalance':
        return (
          (group.has(memberId) && group.get(memberId).isAwaitingJoin) ||
          group.numAwaitingJoin < this.config.groupMaxSize
        );
      case 'CompletingRebalance':
      case 'Stable':
        return group.has(memberId) || group.size < this.config.groupMaxSize;
    }
  }

  private doUnknownJoinGroup(group: GroupMetadata, join: JoinInput): void {
    if (group.is('Dead')) {
      this.respondJoin(join.pending, joinError('', ErrorCode.COORDINATOR_NOT_AVAILABLE));
    } else if (!group.supportsProtocols(join.protocolType, protocolNames(join.protocols))) {
      this.respondJoin(join.pending, joinError('', ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    } else {
      const newMemberId = `${join.groupInstanceId ?? join.clientId}-${this.memberIdSuffix()}`;
      if (join.requireKnownMemberId) {
        // KIP-394: hand out the id and have the client rejoin with it; the id is remembered as pending
        // (it holds the join phase open) until it is used or its session timeout passes.
        const timerId = this.schedule(this.nowMs + join.sessionTimeoutMs, () => {
          if (group.is('Dead') || !group.isPendingMember(newMemberId)) return;
          this.removePendingMemberAndUpdateGroup(group, newMemberId, 'pending-expired');
        });
        group.pendingMembers.set(newMemberId, timerId);
        this.emit({
          type: 'member-id-required',
          groupId: group.groupId,
          memberId: newMemberId,
          clientId: join.clientId,
          atMs: this.nowMs,
        });
        this.respondJoin(join.pending, joinError(newMemberId, ErrorCode.MEMBER_ID_REQUIRED));
      } else {
        this.addMemberAndRebalance(group, { ...join, memberId: newMemberId });
      }
    }
  }

  private doJoinGroup(group: GroupMetadata, join: JoinInput): void {
    const { memberId, pending } = join;
    if (group.is('Dead')) {
      this.respondJoin(pending, joinError(memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE));
    } else if (!group.supportsProtocols(join.protocolType, protocolNames(join.protocols))) {
      this.respondJoin(pending, joinError(memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    } else if (group.isPendingMember(memberId)) {
      this.addMemberAndRebalance(group, join);
    } else if (!group.has(memberId)) {
      this.respondJoin(pending, joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
    } else {
      const member = group.get(memberId);
      switch (group.state) {
        case 'PreparingRebalance':
          this.updateMemberAndRebalance(
            group,
            member,
            join,
            `member ${memberId} rejoined during PreparingRebalance`,
          );
          break;
        case 'CompletingRebalance':
          if (member.matches(join.protocols)) {
            // Same metadata (it probably missed the JoinGroup response): answer with the current generation.
            this.respondJoin(pending, this.generationJoinResult(group, member, group.isLeader(memberId)));
          } else {
            this.updateMemberAndRebalance(
              group,
              member,
              join,
              `member ${memberId} changed its metadata during CompletingRebalance`,
            );
          }
          break;
        case 'Stable':
          if (group.isLeader(memberId)) {
            // A leader's JoinGroup always rebalances (e.g. topic metadata changed what it would assign).
            this.updateMemberAndRebalance(group, member, join, `leader ${memberId} rejoined during Stable`);
          } else if (!member.matches(join.protocols)) {
            this.updateMemberAndRebalance(
              group,
              member,
              join,
              `member ${memberId} changed its metadata during Stable`,
            );
          } else {
            this.respondJoin(pending, this.generationJoinResult(group, member, false));
          }
          break;
        case 'Empty':
        case 'Dead':
          this.respondJoin(pending, joinError(memberId, ErrorCode.UNKNOWN_MEMBER_ID));
          break;
      }
    }
  }

  private addMemberAndRebalance(group: GroupMetadata, join: JoinInput): void {
    const member = new MemberMetadata({
      memberId: join.memberId,
      groupId: group.groupId,
      groupInstanceId: join.groupInstanceId,
      clientId: join.clientId,
      clientHost: join.clientHost,
      rebalanceTimeoutMs: join.rebalanceTimeoutMs,
      sessionTimeoutMs: join.sessionTimeoutMs,
      protocolType: join.protocolType,
      supportedProtocols: join.protocols,
    });
    member.isNew = true;
    // A brand-new group's initial delay may be extended while members keep arriving.
    if (group.is('PreparingRebalance') && group.generationId === 0) group.newMemberAdded = true;
    group.add(member, join.pending);
    // A new member cannot heartbeat yet: give its first join NEW_MEMBER_JOIN_TIMEOUT_MS, not the session.
    this.completeAndScheduleNextExpiration(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    const pendingTimer = group.pendingMembers.get(member.memberId);
    if (pendingTimer !== undefined) {
      this.cancelTimer(pendingTimer);
      group.pendingMembers.delete(member.memberId);
    }
    this.emit({
      type: 'member-joined',
      groupId: group.groupId,
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      clientId: member.clientId,
      clientHost: member.clientHost,
      protocols: member.supportedProtocols.map((protocol) => protocol.name),
      sessionTimeoutMs: member.sessionTimeoutMs,
      rebalanceTimeoutMs: member.rebalanceTimeoutMs,
      atMs: this.nowMs,
    });
    this.maybePrepareRebalance(group, `new member ${member.memberId} joined`);
  }

  private updateMemberAndRebalance(
    group: GroupMetadata,
    member: MemberMetadata,
    join: JoinInput,
    reason: string,
  ): void {
    if (member.awaitingJoin && member.awaitingJoin.token !== join.pending.token) {
      // Kafka silently replaces the parked callback; we answer the superseded request so that no token
      // is left without a response.
      this.invokeJoin(member, joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
    }
    group.updateMember(member, join.protocols, join.pending);
    this.maybePrepareRebalance(group, reason);
  }

  private maybePrepareRebalance(group: GroupMetadata, reason: string): void {
    if (group.canRebalance) this.prepareRebalance(group, reason);
  }

  private prepareRebalance(group: GroupMetadata, reason: string): void {
    // Members waiting in SyncGroup must rejoin instead.
    if (group.is('CompletingRebalance'))
      this.resetAndPropagateAssignmentError(group, ErrorCode.REBALANCE_IN_PROGRESS);
    const previousState = group.state;
    const fromEmpty = group.is('Empty');
    this.transition(group, 'PreparingRebalance');
    this.cancelJoinTimer(group);
    if (fromEmpty) {
      const delayMs = this.config.groupInitialRebalanceDelayMs;
      const remainingMs = Math.max(group.rebalanceTimeoutMs - delayMs, 0);
      this.scheduleInitialDelayedJoin(group, delayMs, remainingMs);
    } else {
      const deadlineMs = this.nowMs + group.rebalanceTimeoutMs;
      const timerId = this.schedule(deadlineMs, () => {
        group.joinTimer = null;
        this.onCompleteJoin(group);
      });
      group.joinTimer = { kind: 'rebalance', timerId, deadlineMs };
    }
    this.emit({
      type: 'rebalance-started',
      groupId: group.groupId,
      generationId: group.generationId,
      previousState,
      reason,
      waitKind: fromEmpty ? 'initial-delay' : 'rebalance-timeout',
      joinDeadlineMs: group.joinTimer?.deadlineMs ?? this.nowMs,
      atMs: this.nowMs,
    });
    // Kafka's tryCompleteElseWatch: a rebalance all members already joined completes at once.
    this.tryCompleteJoin(group);
  }

  /**
   * Kafka's InitialDelayedJoin: wait `delayMs`; if new members joined meanwhile and rebalance time is
   * left, wait again (min(configured delay, remaining)), else end the join phase.
   */
  private scheduleInitialDelayedJoin(group: GroupMetadata, delayMs: number, remainingMs: number): void {
    const deadlineMs = this.nowMs + delayMs;
    const timerId = this.schedule(deadlineMs, () => {
      group.joinTimer = null;
      if (group.newMemberAdded && remainingMs !== 0) {
        group.newMemberAdded = false;
        const configured = this.config.groupInitialRebalanceDelayMs;
        const nextDelayMs = Math.min(configured, remainingMs);
        // As in Kafka, the remaining budget shrinks by the delay that just ended.
        const nextRemainingMs = Math.max(remainingMs - delayMs, 0);
        this.scheduleInitialDelayedJoin(group, nextDelayMs, nextRemainingMs);
      } else {
        this.onCompleteJoin(group);
      }
    });
    group.joinTimer = { kind: 'initial', timerId, deadlineMs, delayMs, remainingMs };
  }

  /** Ends the join phase early when everyone is in (never during an initial delay). */
  private tryCompleteJoin(group: GroupMetadata): void {
    const timer = group.joinTimer;
    if (timer?.kind === 'rebalance' && group.hasAllMembersJoined) {
      this.cancelJoinTimer(group);
      this.onCompleteJoin(group);
    }
  }

  private cancelJoinTimer(group: GroupMetadata): void {
    if (group.joinTimer) this.cancelTimer(group.joinTimer.timerId);
    group.joinTimer = null;
  }

  /** The join phase is over: drop members that did not rejoin, start the next generation, answer joins. */
  private onCompleteJoin(group: GroupMetadata): void {
    for (const failed of group.notYetRejoinedMembers()) {
      failed.isLeaving = true;
      this.cancelTimer(failed.heartbeatTimerId);
      failed.heartbeatTimerId = null;
      if (failed.awaitingSync) this.invokeSync(failed, ErrorCode.UNKNOWN_MEMBER_ID, null, null, EMPTY_BYTES);
      group.remove(failed.memberId);
      this.emit({
        type: 'member-left',
        groupId: group.groupId,
        memberId: failed.memberId,
        reason: 'not-rejoined',
        atMs: this.nowMs,
      });
    }
    if (group.is('Dead')) return;
    assert(group.is('PreparingRebalance'), `join completed in state ${group.state}`);
    const previousState = group.state;
    group.initNextGeneration(this.nowMs);
    this.emit({
      type: 'group-state-changed',
      groupId: group.groupId,
      from: previousState,
      to: group.state,
      generationId: group.generationId,
      atMs: this.nowMs,
    });
    this.emit({
      type: 'generation-advanced',
      groupId: group.groupId,
      generationId: group.generationId,
      protocolName: group.protocolName,
      leaderId: group.leaderId,
      memberIds: [...group.members.keys()],
      state: group.state,
      atMs: this.nowMs,
    });
    if (group.is('Empty')) {
      // Remember the empty generation (nothing waits for this write; a failure is harmless).
      this.storeGroup(group, new Map(), () => {});
    } else {
      for (const member of group.members.values()) {
        this.invokeJoin(member, this.generationJoinResult(group, member, group.isLeader(member.memberId)));
        this.completeAndScheduleNextHeartbeatExpiration(group, member);
        member.isNew = false;
      }
    }
  }

  private generationJoinResult(
    group: GroupMetadata,
    member: MemberMetadata,
    withMembers: boolean,
  ): JoinResult {
    return {
      errorCode: ErrorCode.NONE,
      memberId: member.memberId,
      generationId: group.generationId,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      leaderId: group.leaderId ?? '',
      members: withMembers ? group.currentMemberMetadata() : [],
    };
  }

  // ==============================================================================================
  // Sync

  private doSyncGroup(group: GroupMetadata, pending: PendingRequest, request: SyncGroupRequestData): void {
    const { memberId, generationId } = request;
    const protocolType = pending.version >= 5 ? (request.protocolType ?? null) : null;
    const protocolName = pending.version >= 5 ? (request.protocolName ?? null) : null;
    const fail = (errorCode: number): void => this.respondSync(pending, errorCode, null, null, EMPTY_BYTES);
    if (group.is('Dead')) return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    if (!group.has(memberId)) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    if (generationId !== group.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
    if (protocolType !== null && group.protocolType !== protocolType)
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    if (protocolName !== null && group.protocolName !== protocolName)
      return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    const member = group.get(memberId);
    switch (group.state) {
      case 'Empty':
        return fail(ErrorCode.UNKNOWN_MEMBER_ID);
      case 'PreparingRebalance':
        return fail(ErrorCode.REBALANCE_IN_PROGRESS);
      case 'Stable':
        this.respondSync(pending, ErrorCode.NONE, group.protocolType, group.protocolName, member.assignment);
        this.completeAndScheduleNextHeartbeatExpiration(group, member);
        return;
      case 'CompletingRebalance': {
        if (member.awaitingSync && member.awaitingSync.token !== pending.token) {
          // A repeated SyncGroup replaces the parked one (Kafka drops the old callback; we answer it).
          this.invokeSync(member, ErrorCode.REBALANCE_IN_PROGRESS, null, null, EMPTY_BYTES);
        }
        member.awaitingSync = pending;
        if (!group.isLeader(memberId)) return;
        // The leader's assignment: members it left out get empty bytes; unknown member ids are ignored.
        const given = new Map<string, Uint8Array>();
        for (const entry of request.assignments) given.set(entry.memberId, entry.assignment);
        const assignment = new Map<string, Uint8Array>();
        for (const id of group.members.keys()) assignment.set(id, given.get(id) ?? EMPTY_BYTES);
        const syncGeneration = group.generationId;
        this.storeGroup(group, assignment, (errorCode) => {
          // Another member may have joined meanwhile: act only if this generation is still completing.
          if (!group.is('CompletingRebalance') || group.generationId !== syncGeneration) return;
          if (errorCode !== ErrorCode.NONE) {
            this.resetAndPropagateAssignmentError(group, errorCode);
            this.maybePrepareRebalance(group, `storing the assignment failed (error ${errorCode})`);
          } else {
            this.setAndPropagateAssignment(group, assignment);
            this.transition(group, 'Stable');
            this.emit({
              type: 'group-stable',
              groupId: group.groupId,
              generationId: group.generationId,
              protocolName: group.protocolName,
              leaderId: group.leaderId,
              memberIds: [...group.members.keys()],
              atMs: this.nowMs,
            });
          }
        });
        return;
      }
      case 'Dead':
        assert(false, 'unreachable: Dead handled above');
    }
  }

  private setAndPropagateAssignment(group: GroupMetadata, assignment: ReadonlyMap<string, Uint8Array>): void {
    assert(group.is('CompletingRebalance'), `propagating an assignment in state ${group.state}`);
    for (const member of group.members.values())
      member.assignment = assignment.get(member.memberId) ?? EMPTY_BYTES;
    this.propagateAssignment(group, ErrorCode.NONE);
  }

  private resetAndPropagateAssignmentError(group: GroupMetadata, errorCode: number): void {
    assert(group.is('CompletingRebalance'), `propagating an assignment error in state ${group.state}`);
    for (const member of group.members.values()) member.assignment = EMPTY_BYTES;
    this.propagateAssignment(group, errorCode);
  }

  private propagateAssignment(group: GroupMetadata, errorCode: number): void {
    const ok = errorCode === ErrorCode.NONE;
    for (const member of group.members.values()) {
      if (!member.awaitingSync) continue;
      this.invokeSync(
        member,
        errorCode,
        ok ? group.protocolType : null,
        ok ? group.protocolName : null,
        member.assignment,
      );
      // Restart the session clock: a member's check may have passed while it waited in purgatory.
      this.completeAndScheduleNextHeartbeatExpiration(group, member);
    }
  }

  // ==============================================================================================
  // Leaving, expiry

  private removeMemberAndUpdateGroup(group: GroupMetadata, member: MemberMetadata, reason: string): void {
    // A member can be removed while its JoinGroup is parked (a new member timing out): answer it.
    if (member.awaitingJoin) this.invokeJoin(member, joinError('', ErrorCode.UNKNOWN_MEMBER_ID));
    // Kafka drops a parked SyncGroup of a departing member without an answer; we answer it.
    if (member.awaitingSync) this.invokeSync(member, ErrorCode.UNKNOWN_MEMBER_ID, null, null, EMPTY_BYTES);
    this.cancelTimer(member.heartbeatTimerId);
    member.heartbeatTimerId = null;
    group.remove(member.memberId);
    switch (group.state) {
      case 'Dead':
      case 'Empty':
        break;
      case 'Stable':
      case 'CompletingRebalance':
        this.maybePrepareRebalance(group, reason);
        break;
      case 'PreparingRebalance':
        this.tryCompleteJoin(group);
        break;
    }
  }

  private removePendingMemberAndUpdateGroup(
    group: GroupMetadata,
    memberId: string,
    reason: 'leave-group' | 'pending-expired',
  ): void {
    const timerId = group.pendingMembers.get(memberId);
    if (timerId !== undefined) this.cancelTimer(timerId);
    group.pendingMembers.delete(memberId);
    this.emit({ type: 'member-left', groupId: group.groupId, memberId, reason, atMs: this.nowMs });
    if (group.is('PreparingRebalance')) this.tryCompleteJoin(group);
  }

  private completeAndScheduleNextHeartbeatExpiration(group: GroupMetadata, member: MemberMetadata): void {
    this.completeAndScheduleNextExpiration(group, member, member.sessionTimeoutMs);
  }

  /** Resets the member's heartbeat clock and schedules the next session check `timeoutMs` from now. */
  private completeAndScheduleNextExpiration(
    group: GroupMetadata,
    member: MemberMetadata,
    timeoutMs: number,
  ): void {
    this.cancelTimer(member.heartbeatTimerId);
    member.latestHeartbeatMs = this.nowMs;
    const deadlineMs = this.nowMs + timeoutMs;
    member.heartbeatTimerId = this.schedule(deadlineMs, () => {
      member.heartbeatTimerId = null;
      this.onExpireHeartbeat(group, member, deadlineMs, timeoutMs);
    });
  }

  private onExpireHeartbeat(
    group: GroupMetadata,
    member: MemberMetadata,
    deadlineMs: number,
    timeoutMs: number,
  ): void {
    if (group.is('Dead') || group.members.get(member.memberId) !== member) return;
    // A member waiting in JoinGroup/SyncGroup is kept; its clock restarts when the wait ends.
    if (member.shouldKeepAlive(deadlineMs, NEW_MEMBER_JOIN_TIMEOUT_MS)) return;
    this.emit({
      type: 'member-expired',
      groupId: group.groupId,
      memberId: member.memberId,
      lastHeartbeatMs: member.latestHeartbeatMs,
      timeoutMs,
      atMs: this.nowMs,
    });
    this.removeMemberAndUpdateGroup(
      group,
      member,
      `member ${member.memberId} expired (no heartbeat within ${timeoutMs} ms)`,
    );
  }

  // ==============================================================================================
  // Offsets

  private storeOffsets(
    group: GroupMetadata,
    memberId: string,
    generationId: number,
    commits: TopicPartitionMap<OffsetAndMetadata>,
    respond: (errorFor: (topic: string, partition: number) => number) => void,
  ): void {
    const tooLarge = (metadata: string): boolean => metadata.length > this.config.offsetMetadataMaxBytes;
    const valid: [string, number, OffsetAndMetadata][] = [];
    for (const [topic, partition, offsetAndMetadata] of commits.entries()) {
      if (!tooLarge(offsetAndMetadata.metadata)) valid.push([topic, partition, offsetAndMetadata]);
    }
    const statusFor =
      (error: number) =>
      (topic: string, partition: number): number => {
        const commit = commits.get(topic, partition);
        return commit && tooLarge(commit.metadata) ? ErrorCode.OFFSET_METADATA_TOO_LARGE : error;
      };
    if (valid.length === 0) {
      respond(statusFor(ErrorCode.NONE));
      return;
    }
    const timestamp = BigInt(this.nowMs);
    const records = valid.map(([topic, partition, offsetAndMetadata]) => ({
      key: offsetCommitKey(group.groupId, topic, partition),
      value: offsetCommitValue({
        offset: offsetAndMetadata.offset,
        leaderEpoch: offsetAndMetadata.leaderEpoch,
        metadata: offsetAndMetadata.metadata,
        commitTimestamp: BigInt(offsetAndMetadata.commitTimestampMs),
        expireTimestamp:
          offsetAndMetadata.expireTimestampMs === null ? null : BigInt(offsetAndMetadata.expireTimestampMs),
      }),
      timestamp,
    }));
    group.prepareOffsetCommit(valid);
    this.append(group.groupId, 'offset-commit', records, -1, (result) => {
      let responseError: number = ErrorCode.NONE;
      if (result.errorCode === ErrorCode.NONE) {
        const baseOffset = result.baseOffset;
        assert(baseOffset !== undefined, 'successful append without baseOffset');
        if (!group.is('Dead')) {
          for (const [topic, partition, offsetAndMetadata] of valid) {
            group.onOffsetCommitAppend(topic, partition, { appendedOffset: baseOffset, offsetAndMetadata });
          }
        }
        this.emit({
          type: 'offsets-committed',
          groupId: group.groupId,
          memberId,
          generationId,
          offsets: valid.map(([topic, partition, { offset }]) => ({ topic, partition, offset })),
          atMs: this.nowMs,
        });
      } else {
        if (!group.is('Dead')) {
          for (const [topic, partition, offsetAndMetadata] of valid)
            group.failPendingOffsetWrite(topic, partition, offsetAndMetadata);
        }
        responseError = offsetAppendError(result.errorCode);
      }
      respond(statusFor(responseError));
    });
  }

  private runCleanup(): void {
    const retentionMs = this.config.offsetsRetentionMinutes * 60_000;
    for (const group of [...this.groups.values()]) {
      if (group.is('Dead')) continue;
      const removed = group.removeExpiredOffsets(this.nowMs, retentionMs);
      if (removed.length > 0) {
        this.emit({
          type: 'offsets-expired',
          groupId: group.groupId,
          partitions: removed.map(([topic, partition]) => ({ topic, partition })),
          atMs: this.nowMs,
        });
      }
      let removeGroup = false;
      if (group.is('Empty') && !group.hasOffsets) {
        for (const timerId of group.pendingMembers.values()) this.cancelTimer(timerId);
        group.pendingMembers.clear();
        this.transition(group, 'Dead');
        removeGroup = true;
      }
      const timestamp = BigInt(this.nowMs);
      const tombstones: OffsetsTopicRecord[] = removed.map(([topic, partition]) => ({
        key: offsetCommitKey(group.groupId, topic, partition),
        value: null,
        timestamp,
      }));
      if (removeGroup) {
        this.groups.delete(group.groupId);
        this.emit({
          type: 'group-removed',
          groupId: group.groupId,
          generationId: group.generationId,
          atMs: this.nowMs,
        });
        // A group that never had a generation only stored offsets: it has no metadata record to delete.
        if (group.generationId > 0)
          tombstones.push({ key: groupMetadataKey(group.groupId), value: null, timestamp });
      }
      if (tombstones.length > 0) this.append(group.groupId, 'tombstones', tombstones, 0, null);
    }
  }

  /** Appends the group's metadata record; `onDone` gets the (mapped) error code once the append completes. */
  private storeGroup(
    group: GroupMetadata,
    assignment: ReadonlyMap<string, Uint8Array>,
    onDone: (errorCode: number) => void,
  ): void {
    const protocol = group.protocolName;
    const members = [...group.members.values()].map((member) => {
      assert(protocol !== null, `group ${group.groupId} has members but no protocol`);
      const memberAssignment = assignment.get(member.memberId);
      assert(memberAssignment !== undefined, `no assignment for member ${member.memberId}`);
      return {
        memberId: member.memberId,
        groupInstanceId: member.groupInstanceId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        rebalanceTimeout: member.rebalanceTimeoutMs,
        sessionTimeout: member.sessionTimeoutMs,
        subscription: member.metadata(protocol),
        assignment: memberAssignment,
      };
    });
    const value = groupMetadataValue({
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.currentStateTimestampMs ?? -1),
      members,
    });
    const record = { key: groupMetadataKey(group.groupId), value, timestamp: BigInt(this.nowMs) };
    this.append(group.groupId, 'group-metadata', [record], -1, (result) =>
      onDone(groupAppendError(result.errorCode)),
    );
  }

  private append(
    groupId: string,
    purpose: OffsetsTopicAppend['purpose'],
    records: OffsetsTopicRecord[],
    requiredAcks: -1 | 0,
    onComplete: ((result: AppendResult) => void) | null,
  ): void {
    const appendId = this.nextAppendId++;
    if (onComplete) this.pendingAppends.set(appendId, onComplete);
    this.out.appends.push({
      appendId,
      topic: GROUP_METADATA_TOPIC_NAME,
      partition: this.partitionFor(groupId),
      records,
      requiredAcks,
      purpose,
      groupId,
    });
  }

  // ==============================================================================================
  // Plumbing

  private validateGroupStatus(groupId: string, api: Api): number | null {
    // OffsetCommit, OffsetFetch and DescribeGroups accept the empty group id (old clients use it).
    const emptyAllowed = api === 'OffsetCommit' || api === 'OffsetFetch' || api === 'DescribeGroups';
    if (typeof groupId !== 'string' || (!emptyAllowed && groupId === '')) return ErrorCode.INVALID_GROUP_ID;
    const partition = this.partitionFor(groupId);
    if (this.loadingPartitions.has(partition)) return ErrorCode.COORDINATOR_LOAD_IN_PROGRESS;
    if (!this.ownedPartitions.has(partition)) return ErrorCode.NOT_COORDINATOR;
    return null;
  }

  private transition(group: GroupMetadata, to: GroupState): void {
    const from = group.state;
    group.transitionTo(to, this.nowMs);
    if (from !== to) {
      this.emit({
        type: 'group-state-changed',
        groupId: group.groupId,
        from,
        to,
        generationId: group.generationId,
        atMs: this.nowMs,
      });
    }
  }

  private respondJoin(pending: PendingRequest, result: JoinResult): void {
    const { version } = pending;
    this.push({
      token: pending.token,
      api: 'JoinGroup',
      apiKey: 11,
      version,
      body: {
        throttleTimeMs: 0,
        errorCode: result.errorCode,
        generationId: result.generationId,
        protocolType: result.protocolType,
        // Nullable only from v7; older versions write "" when there is no protocol.
        protocolName: version >= 7 ? result.protocolName : (result.protocolName ?? ''),
        leader: result.leaderId,
        skipAssignment: false,
        memberId: result.memberId,
        members: result.members.map((member) => ({
          memberId: member.memberId,
          groupInstanceId: member.groupInstanceId,
          metadata: member.metadata,
        })),
      },
    });
  }

  private invokeJoin(member: MemberMetadata, result: JoinResult): void {
    const pending = member.awaitingJoin;
    if (!pending) return;
    member.awaitingJoin = null;
    this.respondJoin(pending, result);
  }

  private respondSync(
    pending: PendingRequest,
    errorCode: number,
    protocolType: string | null,
    protocolName: string | null,
    assignment: Uint8Array,
  ): void {
    this.push({
      token: pending.token,
      api: 'SyncGroup',
      apiKey: 14,
      version: pending.version,
      body: { throttleTimeMs: 0, errorCode, protocolType, protocolName, assignment },
    });
  }

  private invokeSync(
    member: MemberMetadata,
    errorCode: number,
    protocolType: string | null,
    protocolName: string | null,
    assignment: Uint8Array,
  ): void {
    const pending = member.awaitingSync;
    if (!pending) return;
    member.awaitingSync = null;
    this.respondSync(pending, errorCode, protocolType, protocolName, assignment);
  }

  private push(response: GroupResponse): void {
    this.out.responses.push(response);
  }

  private emit(event: GroupJournalEvent): void {
    this.out.events.push(event);
  }

  private schedule(deadlineMs: number, fire: () => void): number {
    return this.timers.schedule(deadlineMs, fire);
  }

  private cancelTimer(id: number | null): void {
    this.timers.cancel(id);
  }

  /** Moves logical time to `nowMs`, firing due timers in (deadline, creation) order at their deadlines. */
  private advanceTo(nowMs: number): void {
    const target = Math.max(nowMs, this.nowMs);
    if (this.retentionTimerId === null) this.scheduleRetentionCheck(target);
    for (let due = this.timers.popDue(target); due !== null; due = this.timers.popDue(target)) {
      this.nowMs = Math.max(this.nowMs, due.deadlineMs);
      due.fire();
    }
    this.nowMs = target;
  }

  private scheduleRetentionCheck(fromMs: number): void {
    this.retentionTimerId = this.schedule(fromMs + this.config.offsetsRetentionCheckIntervalMs, () => {
      this.runCleanup();
      this.scheduleRetentionCheck(this.nowMs);
    });
  }

  private begin(nowMs: number): void {
    assert(Number.isFinite(nowMs), `nowMs must be a finite number, got ${nowMs}`);
    assert(
      this.out.responses.length === 0 && this.out.appends.length === 0 && this.out.events.length === 0,
      'a previous Ready was not taken (re-entrant input?)',
    );
    this.advanceTo(nowMs);
  }

  private finish(): GroupCoordinatorReady {
    this.advanceTo(this.nowMs);
    const ready = this.out;
    this.out = freshReady();
    return ready;
  }
}

interface JoinInput {
  readonly pending: PendingRequest;
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly requireKnownMemberId: boolean;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly JoinProtocol[];
}

function protocolNames(protocols: readonly JoinProtocol[]): Set<string> {
  return new Set(protocols.map((protocol) => protocol.name));
}

/**
 * The records to feed loadGroupsFromRecords from decoded `__consumer_offsets` batches: control batches
 * (transaction markers) are skipped, everything else is taken in log order.
 */
export function offsetsTopicRecords(
  batches: Iterable<{ readonly isControl: boolean; readonly records: readonly LoadedRecord[] }>,
): LoadedRecord[] {
  const records: LoadedRecord[] = [];
  for (const batch of batches) if (!batch.isControl) records.push(...batch.records);
  return records;
}

/** Encodes a response body (no header, no size prefix) with its API's schema at the request's version. */
export function encodeGroupResponse(response: GroupResponse): Uint8Array {
  switch (response.api) {
    case 'JoinGroup':
      return encodeMessage(JoinGroupResponse, response.version, response.body);
    case 'SyncGroup':
      return encodeMessage(SyncGroupResponse, response.version, response.body);
    case 'Heartbeat':
      return encodeMessage(HeartbeatResponse, response.version, response.body);
    case 'LeaveGroup':
      return encodeMessage(LeaveGroupResponse, response.version, response.body);
    case 'OffsetCommit':
      return encodeMessage(OffsetCommitResponse, response.version, response.body);
    case 'OffsetFetch':
      return encodeMessage(OffsetFetchResponse, response.version, response.body);
    case 'DescribeGroups':
      return encodeMessage(DescribeGroupsResponse, response.version, response.body);
    case 'ListGroups':
      return encodeMessage(ListGroupsResponse, response.version, response.body);
  }
}
