// Topic deletion (shared/reference/kafka-zk-era.md §2.5; Kafka's TopicDeletionManager).
//
//   1. /admin/delete_topics/<t> appears → the topic is queued (unknown topics are dropped; with
//      delete.topic.enable=false the node is just removed).
//   2. A topic with a replica on a dead broker (or under reassignment) is ineligible and waits.
//   3. Deletion: partitions → Offline → NonExistent; UpdateMetadata to all (leader −2); replicas →
//      OfflineReplica (StopReplica without delete) → ReplicaDeletionStarted (StopReplica with delete).
//   4. StopReplica responses → ReplicaDeletionSuccessful or ReplicaDeletionIneligible (retried later).
//   5. All replicas successful → replicas → NonExistentReplica; delete /brokers/topics/<t>,
//      /config/topics/<t>, /admin/delete_topics/<t>; forget the topic.
//
// Pure: no I/O.

import type { PartitionAndReplica } from './controller-context.ts';
import { sendRequestsToBrokers, zkCall, type ControllerRuntime, type ZkCall } from './controller-runtime.ts';
import type { PartitionStateMachine } from './partition-state-machine.ts';
import type { ReplicaStateMachine } from './replica-state-machine.ts';

export class TopicDeletionManager {
  private readonly runtime: ControllerRuntime;
  private readonly partitionStateMachine: PartitionStateMachine;
  private readonly replicaStateMachine: ReplicaStateMachine;

  constructor(
    runtime: ControllerRuntime,
    partitionStateMachine: PartitionStateMachine,
    replicaStateMachine: ReplicaStateMachine,
  ) {
    this.runtime = runtime;
    this.partitionStateMachine = partitionStateMachine;
    this.replicaStateMachine = replicaStateMachine;
  }

  private get enabled(): boolean {
    return this.runtime.config.deleteTopicEnable;
  }

  /** On election: queue the pending deletions (or clear them when deletion is disabled). */
  *init(topicsToBeDeleted: readonly string[], topicsIneligible: readonly string[]): ZkCall<void> {
    const { context } = this.runtime;
    if (this.enabled) {
      for (const topic of topicsToBeDeleted) context.topicsToBeDeleted.add(topic);
      for (const topic of topicsIneligible)
        if (context.topicsToBeDeleted.has(topic)) context.topicsIneligibleForDeletion.add(topic);
    } else if (topicsToBeDeleted.length > 0) {
      yield* zkCall(
        {
          op: 'deleteTopicDeletions',
          topics: [...topicsToBeDeleted],
          expectedControllerEpochZkVersion: context.epochZkVersion,
        },
        'done',
      );
    }
  }

  *tryTopicDeletion(): ZkCall<void> {
    if (this.enabled) yield* this.resumeDeletions();
  }

  isTopicQueuedUpForDeletion(topic: string): boolean {
    return this.enabled && this.runtime.context.isTopicQueuedUpForDeletion(topic);
  }

  *enqueueTopicsForDeletion(topics: readonly string[]): ZkCall<void> {
    if (!this.enabled) return;
    const { context, journal } = this.runtime;
    for (const topic of topics) {
      if (!context.topicsToBeDeleted.has(topic)) journal.push({ type: 'topic-deletion-started', topic });
      context.topicsToBeDeleted.add(topic);
    }
    yield* this.resumeDeletions();
  }

  *resumeDeletionForTopics(topics: readonly string[]): ZkCall<void> {
    if (!this.enabled) return;
    const { context } = this.runtime;
    const resumable = topics.filter((t) => context.topicsToBeDeleted.has(t));
    if (resumable.length === 0) return;
    for (const topic of resumable) context.topicsIneligibleForDeletion.delete(topic);
    yield* this.resumeDeletions();
  }

  *failReplicaDeletion(replicas: readonly PartitionAndReplica[]): ZkCall<void> {
    if (!this.enabled) return;
    const failed = replicas.filter((r) => this.runtime.context.isTopicQueuedUpForDeletion(r.partition.topic));
    if (failed.length === 0) return;
    yield* this.replicaStateMachine.handleStateChanges(failed, 'ReplicaDeletionIneligible');
    this.markTopicIneligibleForDeletion(failed.map((r) => r.partition.topic));
    yield* this.resumeDeletions();
  }

  markTopicIneligibleForDeletion(topics: readonly string[]): void {
    if (!this.enabled) return;
    const { context } = this.runtime;
    for (const topic of topics)
      if (context.topicsToBeDeleted.has(topic)) context.topicsIneligibleForDeletion.add(topic);
  }

  *completeReplicaDeletion(replicas: readonly PartitionAndReplica[]): ZkCall<void> {
    const deleted = replicas.filter((r) => this.isTopicQueuedUpForDeletion(r.partition.topic));
    yield* this.replicaStateMachine.handleStateChanges(deleted, 'ReplicaDeletionSuccessful');
    yield* this.resumeDeletions();
  }

  private isTopicIneligibleForDeletion(topic: string): boolean {
    return !this.enabled || this.runtime.context.topicsIneligibleForDeletion.has(topic);
  }

  private isTopicDeletionInProgress(topic: string): boolean {
    return this.enabled && this.runtime.context.isAnyReplicaInState(topic, 'ReplicaDeletionStarted');
  }

  private isTopicEligibleForDeletion(topic: string): boolean {
    return (
      this.runtime.context.isTopicQueuedUpForDeletion(topic) &&
      !this.isTopicDeletionInProgress(topic) &&
      !this.isTopicIneligibleForDeletion(topic)
    );
  }

  private *resumeDeletions(): ZkCall<void> {
    const { context } = this.runtime;
    const queued = [...context.topicsToBeDeleted].sort();
    const retry: string[] = [];
    const eligible: string[] = [];
    for (const topic of queued) {
      if (context.areAllReplicasInState(topic, 'ReplicaDeletionSuccessful')) {
        yield* this.completeDeleteTopic(topic);
        continue;
      }
      if (
        !context.isAnyReplicaInState(topic, 'ReplicaDeletionStarted') &&
        context.isAnyReplicaInState(topic, 'ReplicaDeletionIneligible')
      ) {
        retry.push(topic);
      }
      if (this.isTopicEligibleForDeletion(topic)) eligible.push(topic);
    }
    for (const topic of retry) {
      // Failed replicas go back to Offline so that deletion can start over.
      yield* this.replicaStateMachine.handleStateChanges(
        context.replicasInState(topic, 'ReplicaDeletionIneligible'),
        'OfflineReplica',
      );
    }
    if (eligible.length > 0) yield* this.onTopicDeletion(eligible);
  }

  private *completeDeleteTopic(topic: string): ZkCall<void> {
    const { context, journal } = this.runtime;
    yield* this.replicaStateMachine.handleStateChanges(
      context.replicasInState(topic, 'ReplicaDeletionSuccessful'),
      'NonExistentReplica',
    );
    context.topicsToBeDeleted.delete(topic);
    context.topicsWithDeletionStarted.delete(topic);
    yield* zkCall(
      { op: 'deleteTopic', topic, expectedControllerEpochZkVersion: context.epochZkVersion },
      'done',
    );
    context.removeTopic(topic);
    journal.push({ type: 'topic-deleted', topic });
  }

  private *onTopicDeletion(topics: readonly string[]): ZkCall<void> {
    const { context } = this.runtime;
    const unseen = topics.filter((t) => !context.topicsWithDeletionStarted.has(t));
    if (unseen.length > 0) {
      const partitions = unseen.flatMap((t) => context.partitionsForTopic(t));
      yield* this.partitionStateMachine.handleStateChanges(partitions, 'OfflinePartition');
      yield* this.partitionStateMachine.handleStateChanges(partitions, 'NonExistentPartition');
      for (const topic of unseen) context.topicsWithDeletionStarted.add(topic);
    }
    // UpdateMetadata so that brokers stop serving the topics (leader −2).
    this.runtime.batch.newBatch();
    this.runtime.batch.addUpdateMetadataRequestForBrokers(
      context.liveOrShuttingDownBrokerIds(),
      topics.flatMap((t) => context.partitionsForTopic(t)),
    );
    sendRequestsToBrokers(this.runtime);

    const dead: PartitionAndReplica[] = [];
    const toDelete: PartitionAndReplica[] = [];
    const ineligible: string[] = [];
    for (const topic of topics) {
      const replicas = context.replicasForTopic(topic);
      const alive = replicas.filter((r) => context.isReplicaOnline(r.replica, r.partition));
      const gone = replicas.filter((r) => !context.isReplicaOnline(r.replica, r.partition));
      dead.push(...gone);
      toDelete.push(...alive.filter((r) => context.replicaState(r) !== 'ReplicaDeletionSuccessful'));
      if (gone.length > 0) ineligible.push(topic);
    }
    yield* this.replicaStateMachine.handleStateChanges(dead, 'ReplicaDeletionIneligible');
    // StopReplica (no delete) so followers stop fetching, then StopReplica with delete.
    yield* this.replicaStateMachine.handleStateChanges(toDelete, 'OfflineReplica');
    yield* this.replicaStateMachine.handleStateChanges(toDelete, 'ReplicaDeletionStarted');
    if (ineligible.length > 0) this.markTopicIneligibleForDeletion(ineligible);
  }
}
