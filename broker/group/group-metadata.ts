// GroupMetadata and MemberMetadata: the coordinator's in-memory view of one group (Kafka's
// kafka.coordinator.group.GroupMetadata / MemberMetadata, 2.4). Plain mutable state plus the small rules
// that belong to it: legal state transitions, protocol support and selection, the join bookkeeping, and
// the committed-offset cache with its pending commits and expiry. The GroupCoordinator drives it.
//
// Order is deterministic everywhere: members keep the order they joined in (Kafka uses hash maps, so its
// order is arbitrary; see the notes on leader choice and protocol votes below).
//
// Pure: no node:* imports, no clock (times come in as numbers).

import { assert, InvariantError } from '../../client/common/assert.ts';

// ------------------------------------------------------------------------------------------------
// States

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

/** For each state, the states a group may come from (Kafka's `validPreviousStates`). */
const VALID_PREVIOUS_STATES: Readonly<Record<GroupState, readonly GroupState[]>> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

// ------------------------------------------------------------------------------------------------
// Requests the coordinator holds back (JoinGroup / SyncGroup in "purgatory")

/** The shell's handle for one request; every token gets exactly one response. */
export type RequestToken = number | string;

export interface PendingRequest {
  readonly token: RequestToken;
  /** The request's API version: the response is shaped for it. */
  readonly version: number;
}

// ------------------------------------------------------------------------------------------------
// Offsets

/** A committed offset as the coordinator keeps it (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  readonly offset: bigint;
  /** −1 when the client sent none. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Only for commits that asked for a retention time (OffsetCommit v2–v4); null otherwise. */
  readonly expireTimestampMs: number | null;
}

/** A cached offset and the log offset of the record that carried it (Kafka's CommitRecordMetadataAndOffset). */
export interface CommittedOffset {
  /** Offset of the record in `__consumer_offsets`: a later record wins, so the cache never goes back. */
  readonly appendedOffset: bigint;
  readonly offsetAndMetadata: OffsetAndMetadata;
}

/** A small map keyed by (topic, partition) that keeps insertion order. */
export class TopicPartitionMap<V> {
  private readonly byTopic = new Map<string, Map<number, V>>();
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(topic: string, partition: number): V | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  has(topic: string, partition: number): boolean {
    return this.byTopic.get(topic)?.has(partition) ?? false;
  }

  set(topic: string, partition: number, value: V): void {
    let partitions = this.byTopic.get(topic);
    if (!partitions) {
      partitions = new Map();
      this.byTopic.set(topic, partitions);
    }
    if (!partitions.has(partition)) this.count++;
    partitions.set(partition, value);
  }

  delete(topic: string, partition: number): boolean {
    const partitions = this.byTopic.get(topic);
    if (!partitions?.delete(partition)) return false;
    this.count--;
    if (partitions.size === 0) this.byTopic.delete(topic);
    return true;
  }

  *entries(): IterableIterator<[topic: string, partition: number, value: V]> {
    for (const [topic, partitions] of this.byTopic) {
      for (const [partition, value] of partitions) yield [topic, partition, value];
    }
  }

  /** Entries sorted by topic name, then partition (for stable output). */
  sortedEntries(): [topic: string, partition: number, value: V][] {
    return [...this.entries()].sort(([topicA, partitionA], [topicB, partitionB]) =>
      topicA < topicB ? -1 : topicA > topicB ? 1 : partitionA - partitionB,
    );
  }
}

// ------------------------------------------------------------------------------------------------
// Members

export interface JoinProtocol {
  readonly name: string;
  readonly metadata: Uint8Array;
}

export interface MemberMetadataInit {
  readonly memberId: string;
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  readonly supportedProtocols: readonly JoinProtocol[];
}

const EMPTY_BYTES = new Uint8Array(0);

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let index = 0; index < a.length; index++) if (a[index] !== b[index]) return false;
  return true;
}

export class MemberMetadata {
  readonly memberId: string;
  readonly groupId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly rebalanceTimeoutMs: number;
  readonly sessionTimeoutMs: number;
  readonly protocolType: string;
  supportedProtocols: readonly JoinProtocol[];
  /** What the leader assigned in the current generation (empty until SyncGroup completes). */
  assignment: Uint8Array = EMPTY_BYTES;
  /** A JoinGroup waiting for the join phase to end. */
  awaitingJoin: PendingRequest | null = null;
  /** A SyncGroup waiting for the leader's assignment. */
  awaitingSync: PendingRequest | null = null;
  /** When the heartbeat clock was last reset (Kafka's latestHeartbeat). */
  latestHeartbeatMs = -1;
  /** The pending session-expiry check, if any (a timer id owned by the coordinator). */
  heartbeatTimerId: number | null = null;
  isLeaving = false;
  /** Joined in the current join phase and not yet given a generation (expires after 5 min, not the session). */
  isNew = false;

  constructor(init: MemberMetadataInit) {
    this.memberId = init.memberId;
    this.groupId = init.groupId;
    this.groupInstanceId = init.groupInstanceId;
    this.clientId = init.clientId;
    this.clientHost = init.clientHost;
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs;
    this.sessionTimeoutMs = init.sessionTimeoutMs;
    this.protocolType = init.protocolType;
    this.supportedProtocols = init.supportedProtocols;
  }

  get isAwaitingJoin(): boolean {
    return this.awaitingJoin !== null;
  }

  get isAwaitingSync(): boolean {
    return this.awaitingSync !== null;
  }

  /** The subscription bytes this member sent for `protocol`. */
  metadata(protocol: string): Uint8Array {
    const found = this.supportedProtocols.find((candidate) => candidate.name === protocol);
    if (!found) throw new InvariantError(`member ${this.memberId} does not support protocol ${protocol}`);
    return found.metadata;
  }

  /** True when `protocols` equals what the member sent last time (same names, bytes and order). */
  matches(protocols: readonly JoinProtocol[]): boolean {
    if (protocols.length !== this.supportedProtocols.length) return false;
    return protocols.every(
      (protocol, index) =>
        protocol.name === this.supportedProtocols[index].name &&
        bytesEqual(protocol.metadata, this.supportedProtocols[index].metadata),
    );
  }

  /** The protocol this member votes for: its most preferred one among `candidates`. */
  vote(candidates: ReadonlySet<string>): string {
    const choice = this.supportedProtocols.find((protocol) => candidates.has(protocol.name));
    assert(choice, `member ${this.memberId} supports none of the candidate protocols`);
    return choice.name;
  }

  /**
   * Whether a session check due at `deadlineMs` keeps the member (Kafka 2.4 MemberMetadata.shouldKeepAlive):
   * a new member only until `newMemberJoinTimeoutMs` after it joined; a member with a JoinGroup or
   * SyncGroup in purgatory always; anyone else if it heartbeat within the session timeout.
   */
  shouldKeepAlive(deadlineMs: number, newMemberJoinTimeoutMs: number): boolean {
    if (this.isNew) return this.latestHeartbeatMs + newMemberJoinTimeoutMs > deadlineMs;
    if (this.isAwaitingJoin || this.isAwaitingSync) return true;
    return this.latestHeartbeatMs + this.sessionTimeoutMs > deadlineMs;
  }
}

// ------------------------------------------------------------------------------------------------
// The join-phase timer of a group in PreparingRebalance (Kafka's DelayedJoin / InitialDelayedJoin)

export type JoinTimer =
  | { readonly kind: 'rebalance'; readonly timerId: number; readonly deadlineMs: number }
  | {
      /** group.initial.rebalance.delay.ms: never completes early; may extend itself while members arrive. */
      readonly kind: 'initial';
      readonly timerId: number;
      readonly deadlineMs: number;
      readonly delayMs: number;
      readonly remainingMs: number;
    };

// ------------------------------------------------------------------------------------------------
// The group

export class GroupMetadata {
  readonly groupId: string;
  state: GroupState;
  /** When the group entered its current state (v2+ group records carry it; drives offset expiry). */
  currentStateTimestampMs: number | null;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  /** Members in the order they joined. */
  readonly members = new Map<string, MemberMetadata>();
  /** Member ids handed out with MEMBER_ID_REQUIRED and not yet used, with their expiry timer ids. */
  readonly pendingMembers = new Map<string, number>();
  /** A member joined during the initial delay of a brand-new group (so the delay may be extended). */
  newMemberAdded = false;
  joinTimer: JoinTimer | null = null;
  readonly offsets = new TopicPartitionMap<CommittedOffset>();
  readonly pendingOffsetCommits = new TopicPartitionMap<OffsetAndMetadata>();

  constructor(groupId: string, initialState: GroupState, nowMs: number | null) {
    this.groupId = groupId;
    this.state = initialState;
    this.currentStateTimestampMs = nowMs;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  /** Moves to `to`; an illegal transition is a bug in the coordinator (InvariantError). */
  transitionTo(to: GroupState, nowMs: number): void {
    if (!VALID_PREVIOUS_STATES[to].includes(this.state)) {
      throw new InvariantError(`group ${this.groupId}: invalid transition ${this.state} -> ${to}`);
    }
    this.state = to;
    this.currentStateTimestampMs = nowMs;
  }

  /** Kafka's `canRebalance`: a JoinGroup or a departure may start a rebalance from here. */
  get canRebalance(): boolean {
    return VALID_PREVIOUS_STATES.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): MemberMetadata {
    const member = this.members.get(memberId);
    assert(member, `group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  /** Members with a JoinGroup in purgatory. */
  get numAwaitingJoin(): number {
    let count = 0;
    for (const member of this.members.values()) if (member.isAwaitingJoin) count++;
    return count;
  }

  /** The join phase may end early: every known member rejoined and no MEMBER_ID_REQUIRED id is outstanding. */
  get hasAllMembersJoined(): boolean {
    return this.numAwaitingJoin === this.members.size && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((member) => !member.isAwaitingJoin);
  }

  /** The largest rebalance timeout among members (0 without members): how long the join phase may last. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const member of this.members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
    return max;
  }

  /** How many members list each protocol name. */
  private supportCounts(): Map<string, number> {
    const counts = new Map<string, number>();
    for (const member of this.members.values()) {
      for (const name of new Set(member.supportedProtocols.map((protocol) => protocol.name))) {
        counts.set(name, (counts.get(name) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** Protocols every member supports, in the order they first appear in member order. */
  candidateProtocols(): string[] {
    const counts = this.supportCounts();
    return [...counts].filter(([, count]) => count === this.members.size).map(([name]) => name);
  }

  /**
   * Whether a member with this protocol type and these protocols may join: an Empty group takes any
   * non-empty protocol type with at least one protocol; otherwise the type must match and at least one
   * protocol must be supported by every current member.
   */
  supportsProtocols(memberProtocolType: string, memberProtocols: ReadonlySet<string>): boolean {
    if (this.is('Empty')) return memberProtocolType !== '' && memberProtocols.size > 0;
    if (this.protocolType !== memberProtocolType) return false;
    const counts = this.supportCounts();
    for (const name of memberProtocols) if (counts.get(name) === this.members.size) return true;
    return false;
  }

  /**
   * The protocol of the next generation: among protocols all members support, each member votes for its
   * most preferred one, and the most votes win. Ties (which Kafka leaves to hash-map order) go to the
   * protocol whose first vote came from the earliest member in join order.
   */
  selectProtocol(): string {
    assert(this.members.size > 0, `group ${this.groupId}: cannot select a protocol without members`);
    const candidates = new Set(this.candidateProtocols());
    assert(candidates.size > 0, `group ${this.groupId}: members share no protocol`);
    const votes = new Map<string, number>();
    for (const member of this.members.values()) {
      const choice = member.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best: string | null = null;
    let bestVotes = -1;
    for (const [name, count] of votes) {
      if (count > bestVotes) {
        best = name;
        bestVotes = count;
      }
    }
    assert(best !== null, 'no protocol received a vote');
    return best;
  }

  /** Adds a member; the first member of a group without a leader becomes the leader. */
  add(member: MemberMetadata, pendingJoin: PendingRequest | null): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    assert(member.groupId === this.groupId, 'member of another group');
    assert(this.protocolType === member.protocolType, 'member protocol type differs from the group');
    assert(!this.members.has(member.memberId), `member ${member.memberId} added twice`);
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    member.awaitingJoin = pendingJoin;
  }

  /**
   * Removes a member. If it led the group, leadership passes to the first remaining member that has
   * rejoined (during a join phase), else to the first remaining member, in join order.
   */
  remove(memberId: string): MemberMetadata | undefined {
    const member = this.members.get(memberId);
    if (!member) return undefined;
    this.members.delete(memberId);
    if (this.isLeader(memberId)) {
      const remaining = [...this.members.values()];
      const next = remaining.find((candidate) => candidate.isAwaitingJoin) ?? remaining[0];
      this.leaderId = next ? next.memberId : null;
    }
    return member;
  }

  /** A known member rejoined: new protocols, and its JoinGroup now waits for the join phase. */
  updateMember(
    member: MemberMetadata,
    protocols: readonly JoinProtocol[],
    pendingJoin: PendingRequest,
  ): void {
    member.supportedProtocols = protocols;
    member.awaitingJoin = pendingJoin;
  }

  /**
   * Ends the join phase: generation + 1, and either CompletingRebalance with a chosen protocol, or Empty
   * (no protocol) when nobody is left.
   */
  initNextGeneration(nowMs: number): void {
    assert(this.notYetRejoinedMembers().length === 0, 'members that did not rejoin must be removed first');
    this.generationId += 1;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.transitionTo('CompletingRebalance', nowMs);
    } else {
      this.protocolName = null;
      this.transitionTo('Empty', nowMs);
    }
  }

  /** The members list the leader's JoinGroup response carries (metadata for the chosen protocol). */
  currentMemberMetadata(): { memberId: string; groupInstanceId: string | null; metadata: Uint8Array }[] {
    const protocol = this.protocolName;
    assert(protocol !== null, `group ${this.groupId} has no protocol`);
    return [...this.members.values()].map((member) => ({
      memberId: member.memberId,
      groupInstanceId: member.groupInstanceId,
      metadata: member.metadata(protocol),
    }));
  }

  // ---- offsets ------------------------------------------------------------------------------

  get hasOffsets(): boolean {
    return this.offsets.size > 0 || this.pendingOffsetCommits.size > 0;
  }

  offset(topic: string, partition: number): OffsetAndMetadata | undefined {
    return this.offsets.get(topic, partition)?.offsetAndMetadata;
  }

  /** Before appending commit records: remember what is in flight (Kafka's prepareOffsetCommit). */
  prepareOffsetCommit(commits: readonly (readonly [string, number, OffsetAndMetadata])[]): void {
    for (const [topic, partition, offsetAndMetadata] of commits) {
      this.pendingOffsetCommits.set(topic, partition, offsetAndMetadata);
    }
  }

  /** The commit record was appended at `appendedOffset`: cache it unless a later record already won. */
  onOffsetCommitAppend(topic: string, partition: number, committed: CommittedOffset): void {
    if (this.pendingOffsetCommits.has(topic, partition)) {
      const current = this.offsets.get(topic, partition);
      if (!current || current.appendedOffset < committed.appendedOffset) {
        this.offsets.set(topic, partition, committed);
      }
    }
    if (this.pendingOffsetCommits.get(topic, partition) === committed.offsetAndMetadata) {
      this.pendingOffsetCommits.delete(topic, partition);
    }
  }

  /** The append failed: forget the in-flight commit if it is still the latest one. */
  failPendingOffsetWrite(topic: string, partition: number, offsetAndMetadata: OffsetAndMetadata): void {
    if (this.pendingOffsetCommits.get(topic, partition) === offsetAndMetadata) {
      this.pendingOffsetCommits.delete(topic, partition);
    }
  }

  /**
   * Offset expiry as in Kafka 2.4 (KIP-211). A group with a protocol type expires offsets only while
   * Empty, counting from when it became Empty (or from the commit, for records without that timestamp);
   * a group without one (a "simple" consumer that only stores offsets) counts from each commit; a
   * commit that carried its own expire timestamp (OffsetCommit v2–v4 retention) uses that. Partitions
   * with a commit in flight never expire. Returns the removed partitions.
   */
  removeExpiredOffsets(nowMs: number, offsetsRetentionMs: number): [string, number, OffsetAndMetadata][] {
    let base: ((committed: CommittedOffset) => number) | null;
    if (this.protocolType !== null && this.is('Empty')) {
      const since = this.currentStateTimestampMs;
      base = (committed) => since ?? committed.offsetAndMetadata.commitTimestampMs;
    } else if (this.protocolType === null) {
      base = (committed) => committed.offsetAndMetadata.commitTimestampMs;
    } else {
      base = null;
    }
    if (base === null) return [];
    const expired: [string, number, OffsetAndMetadata][] = [];
    for (const [topic, partition, committed] of this.offsets.entries()) {
      if (this.pendingOffsetCommits.has(topic, partition)) continue;
      const { expireTimestampMs } = committed.offsetAndMetadata;
      const isExpired =
        expireTimestampMs === null
          ? nowMs - base(committed) >= offsetsRetentionMs
          : nowMs >= expireTimestampMs;
      if (isExpired) expired.push([topic, partition, committed.offsetAndMetadata]);
    }
    for (const [topic, partition] of expired) this.offsets.delete(topic, partition);
    return expired;
  }
}
