// Partition assignors: pure functions from the group's subscriptions and the partition counts to an
// assignment (kafka-zk-era.md §6.4). The group leader runs one of them locally during a rebalance — the
// broker never interprets subscriptions — and sends the result to the coordinator in SyncGroup.

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface MemberSubscription {
  memberId: string;
  /** Static membership id (KIP-345); sorted before dynamic members. */
  groupInstanceId?: string | null;
  topics: readonly string[];
  /** Assignor-specific bytes from the member (the eager sticky assignor keeps its previous assignment here). */
  userData?: Uint8Array | null;
  /** Partitions the member owns right now (Subscription v1+, cooperative protocol). */
  ownedPartitions?: readonly TopicPartition[];
  /** The generation the owned partitions are from, when known (resolves conflicting claims). */
  generation?: number;
}

export interface AssignmentInput {
  members: readonly MemberSubscription[];
  /** topic → number of partitions (topics missing here are skipped: unknown or deleted). */
  partitionsPerTopic: ReadonlyMap<string, number>;
}

/** memberId → its partitions, sorted by topic then partition. Every member appears (maybe with none). */
export type GroupAssignment = Map<string, TopicPartition[]>;

export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

export interface PartitionAssignor {
  /** The protocol name sent in JoinGroup ("range", "roundrobin", "sticky", "cooperative-sticky"). */
  readonly name: string;
  /** Which rebalance protocols it supports; the first is used. */
  readonly protocols: readonly RebalanceProtocol[];
  assign(input: AssignmentInput): GroupAssignment;
  /** The userData this member puts in its Subscription (given what it owns now). */
  subscriptionUserData?(owned: readonly TopicPartition[], generation: number): Uint8Array | null;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}

export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/**
 * Members in the order Kafka's assignors use: static members (by group.instance.id) first, then dynamic
 * members by member id.
 */
export function sortMembers<M extends { memberId: string; groupInstanceId?: string | null }>(
  members: readonly M[],
): M[] {
  return [...members].sort((a, b) => {
    const aStatic = a.groupInstanceId ?? null;
    const bStatic = b.groupInstanceId ?? null;
    if (aStatic !== null && bStatic !== null) return aStatic < bStatic ? -1 : aStatic > bStatic ? 1 : 0;
    if (aStatic !== null) return -1;
    if (bStatic !== null) return 1;
    return a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0;
  });
}

export function emptyAssignment(members: readonly MemberSubscription[]): GroupAssignment {
  return new Map(members.map((member) => [member.memberId, []]));
}

export function sortAssignment(assignment: GroupAssignment): GroupAssignment {
  for (const list of assignment.values()) list.sort(compareTopicPartitions);
  return assignment;
}
