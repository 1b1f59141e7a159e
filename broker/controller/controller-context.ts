// ControllerContext: the controller's in-memory view of the cluster (Kafka's kafka.controller.ControllerContext):
// live brokers and their epochs, brokers in controlled shutdown, topics and replica assignments, the
// leader/ISR of every partition (with its zkVersion), the states of the partition and replica state
// machines, and the topic-deletion bookkeeping.
//
// Iteration orders are deterministic (sorted by topic, partition, broker) so that the controller's outputs
// are reproducible.
//
// Pure: no I/O.

import {
  compareTopicPartitions,
  topicPartitionKey,
  type LeaderIsrAndControllerEpoch,
  type LiveBroker,
  type ReplicaAssignment,
  type TopicPartition,
} from './types.ts';

export type PartitionState = 'NonExistentPartition' | 'NewPartition' | 'OnlinePartition' | 'OfflinePartition';

export type ReplicaState =
  | 'NewReplica'
  | 'OnlineReplica'
  | 'OfflineReplica'
  | 'ReplicaDeletionStarted'
  | 'ReplicaDeletionSuccessful'
  | 'ReplicaDeletionIneligible'
  | 'NonExistentReplica';

/** A replica: one broker's copy of one partition (PartitionAndReplica). */
export interface PartitionAndReplica {
  readonly partition: TopicPartition;
  readonly replica: number;
}

export function replicaKey(r: PartitionAndReplica): string {
  return `${topicPartitionKey(r.partition)}@${r.replica}`;
}

export function compareReplicas(a: PartitionAndReplica, b: PartitionAndReplica): number {
  return compareTopicPartitions(a.partition, b.partition) || a.replica - b.replica;
}

const EMPTY_ASSIGNMENT: ReplicaAssignment = { replicas: [], addingReplicas: [], removingReplicas: [] };

export class ControllerContext {
  /** Controller epoch (from /controller_epoch) and its data version, the fencing token. */
  epoch = 0;
  epochZkVersion = 0;

  /** Every registered broker (including those in controlled shutdown), by id. */
  private readonly liveBrokersById = new Map<number, LiveBroker>();
  /** Brokers that asked for a controlled shutdown and are still registered. */
  readonly shuttingDownBrokerIds = new Set<number>();

  readonly allTopics = new Set<string>();
  /** topic → partition → assignment. */
  private readonly assignments = new Map<string, Map<number, ReplicaAssignment>>();
  /** `topic-partition` → leader/ISR as last written or read. */
  readonly partitionLeadershipInfo = new Map<string, LeaderIsrAndControllerEpoch>();

  private readonly partitionStates = new Map<string, PartitionState>();
  private readonly replicaStates = new Map<string, ReplicaState>();

  /** Topics queued for deletion (children of /admin/delete_topics that exist). */
  readonly topicsToBeDeleted = new Set<string>();
  /** Topics whose partitions have been moved to NonExistentPartition (deletion under way). */
  readonly topicsWithDeletionStarted = new Set<string>();
  /** Queued topics that cannot be deleted now (a replica is offline). */
  readonly topicsIneligibleForDeletion = new Set<string>();

  // ───────── brokers ─────────

  setLiveBrokers(brokers: readonly LiveBroker[]): void {
    this.liveBrokersById.clear();
    for (const broker of brokers) this.liveBrokersById.set(broker.id, broker);
  }

  addLiveBrokers(brokers: readonly LiveBroker[]): void {
    for (const broker of brokers) this.liveBrokersById.set(broker.id, broker);
  }

  removeLiveBrokers(ids: Iterable<number>): void {
    for (const id of ids) this.liveBrokersById.delete(id);
  }

  /** Registered brokers, sorted by id (Kafka's liveOrShuttingDownBrokers). */
  get liveOrShuttingDownBrokers(): LiveBroker[] {
    return [...this.liveBrokersById.values()].sort((a, b) => a.id - b.id);
  }

  liveOrShuttingDownBrokerIds(): number[] {
    return [...this.liveBrokersById.keys()].sort((a, b) => a - b);
  }

  /** Registered brokers that are not shutting down. */
  liveBrokerIds(): number[] {
    return this.liveOrShuttingDownBrokerIds().filter((id) => !this.shuttingDownBrokerIds.has(id));
  }

  liveBroker(id: number): LiveBroker | undefined {
    return this.liveBrokersById.get(id);
  }

  brokerEpoch(id: number): bigint | undefined {
    return this.liveBrokersById.get(id)?.epoch;
  }

  /**
   * Is this replica usable? Its broker must be registered and, unless `includeShuttingDownBrokers`, not in
   * controlled shutdown. (kzlab has no JBOD, so no offline log directories.)
   */
  isReplicaOnline(brokerId: number, _partition: TopicPartition, includeShuttingDownBrokers = false): boolean {
    if (!this.liveBrokersById.has(brokerId)) return false;
    return includeShuttingDownBrokers || !this.shuttingDownBrokerIds.has(brokerId);
  }

  // ───────── topics and assignments ─────────

  updatePartitionFullReplicaAssignment(partition: TopicPartition, assignment: ReplicaAssignment): void {
    let topic = this.assignments.get(partition.topic);
    if (topic === undefined) {
      topic = new Map();
      this.assignments.set(partition.topic, topic);
    }
    topic.set(partition.partition, assignment);
    this.allTopics.add(partition.topic);
  }

  partitionFullReplicaAssignment(partition: TopicPartition): ReplicaAssignment {
    return this.assignments.get(partition.topic)?.get(partition.partition) ?? EMPTY_ASSIGNMENT;
  }

  /** The replica list (preferred leader first); empty if unknown. */
  partitionReplicaAssignment(partition: TopicPartition): readonly number[] {
    return this.partitionFullReplicaAssignment(partition).replicas;
  }

  hasPartition(partition: TopicPartition): boolean {
    return this.assignments.get(partition.topic)?.has(partition.partition) ?? false;
  }

  partitionsForTopic(topic: string): TopicPartition[] {
    const partitions = this.assignments.get(topic);
    if (partitions === undefined) return [];
    return [...partitions.keys()].sort((a, b) => a - b).map((partition) => ({ topic, partition }));
  }

  allPartitions(): TopicPartition[] {
    return [...this.assignments.keys()].sort().flatMap((topic) => this.partitionsForTopic(topic));
  }

  partitionsOnBroker(brokerId: number): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partitionReplicaAssignment(tp).includes(brokerId));
  }

  replicasForPartitions(partitions: readonly TopicPartition[]): PartitionAndReplica[] {
    return [...partitions]
      .sort(compareTopicPartitions)
      .flatMap((partition) =>
        this.partitionReplicaAssignment(partition).map((replica) => ({ partition, replica })),
      );
  }

  replicasForTopic(topic: string): PartitionAndReplica[] {
    return this.replicasForPartitions(this.partitionsForTopic(topic));
  }

  replicasOnBrokers(brokerIds: ReadonlySet<number>): PartitionAndReplica[] {
    return this.replicasForPartitions(this.allPartitions()).filter((r) => brokerIds.has(r.replica));
  }

  /** Replicas on live brokers and replicas on dead ones (Kafka's onlineAndOfflineReplicas). */
  onlineAndOfflineReplicas(): [PartitionAndReplica[], PartitionAndReplica[]] {
    const all = this.replicasForPartitions(this.allPartitions());
    return [
      all.filter((r) => this.isReplicaOnline(r.replica, r.partition)),
      all.filter((r) => !this.isReplicaOnline(r.replica, r.partition)),
    ];
  }

  /** Forgets a topic entirely (after deletion, or when its znode vanished). */
  removeTopic(topic: string): void {
    for (const partition of this.partitionsForTopic(topic)) {
      const key = topicPartitionKey(partition);
      this.partitionLeadershipInfo.delete(key);
      this.partitionStates.delete(key);
      for (const replica of this.partitionReplicaAssignment(partition)) {
        this.replicaStates.delete(replicaKey({ partition, replica }));
      }
    }
    this.assignments.delete(topic);
    this.allTopics.delete(topic);
    this.topicsToBeDeleted.delete(topic);
    this.topicsWithDeletionStarted.delete(topic);
    this.topicsIneligibleForDeletion.delete(topic);
  }

  // ───────── leadership ─────────

  leadershipInfo(partition: TopicPartition): LeaderIsrAndControllerEpoch | undefined {
    return this.partitionLeadershipInfo.get(topicPartitionKey(partition));
  }

  putLeadershipInfo(partition: TopicPartition, info: LeaderIsrAndControllerEpoch): void {
    this.partitionLeadershipInfo.set(topicPartitionKey(partition), info);
  }

  /** Partitions with leadership info, sorted. */
  partitionsWithLeadershipInfo(): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partitionLeadershipInfo.has(topicPartitionKey(tp)));
  }

  // ───────── state machine states ─────────

  partitionState(partition: TopicPartition): PartitionState {
    return this.partitionStates.get(topicPartitionKey(partition)) ?? 'NonExistentPartition';
  }

  putPartitionState(partition: TopicPartition, state: PartitionState): void {
    this.partitionStates.set(topicPartitionKey(partition), state);
  }

  partitionsInState(state: PartitionState): TopicPartition[] {
    return this.allPartitions().filter((tp) => this.partitionState(tp) === state);
  }

  replicaState(replica: PartitionAndReplica): ReplicaState {
    return this.replicaStates.get(replicaKey(replica)) ?? 'NonExistentReplica';
  }

  putReplicaState(replica: PartitionAndReplica, state: ReplicaState): void {
    this.replicaStates.set(replicaKey(replica), state);
  }

  removeReplicaState(replica: PartitionAndReplica): void {
    this.replicaStates.delete(replicaKey(replica));
  }

  replicasInState(topic: string, state: ReplicaState): PartitionAndReplica[] {
    return this.replicasForTopic(topic).filter((r) => this.replicaState(r) === state);
  }

  isAnyReplicaInState(topic: string, state: ReplicaState): boolean {
    return this.replicasInState(topic, state).length > 0;
  }

  areAllReplicasInState(topic: string, state: ReplicaState): boolean {
    return this.replicasForTopic(topic).every((r) => this.replicaState(r) === state);
  }

  // ───────── deletion ─────────

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.topicsToBeDeleted.has(topic);
  }

  isTopicDeletionInProgress(topic: string): boolean {
    return this.isAnyReplicaInState(topic, 'ReplicaDeletionStarted');
  }

  /** Clears everything (resignation). */
  reset(): void {
    this.epoch = 0;
    this.epochZkVersion = 0;
    this.liveBrokersById.clear();
    this.shuttingDownBrokerIds.clear();
    this.allTopics.clear();
    this.assignments.clear();
    this.partitionLeadershipInfo.clear();
    this.partitionStates.clear();
    this.replicaStates.clear();
    this.topicsToBeDeleted.clear();
    this.topicsWithDeletionStarted.clear();
    this.topicsIneligibleForDeletion.clear();
  }
}
