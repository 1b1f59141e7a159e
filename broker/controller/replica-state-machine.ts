// The replica state machine (shared/reference/kafka-zk-era.md §2.7; Kafka's ZkReplicaStateMachine).
//
//   NonExistent → New            LeaderAndIsr (isNew, current leader/ISR) to the replica, unless it would be
//                                asked to lead
//   New → Online                 add to the assignment if missing
//   Online/Offline/Ineligible → Online   LeaderAndIsr with the current leader/ISR to the replica
//   New/Online/Offline/Ineligible → Offline   StopReplica (no delete) to the replica; remove it from the ISR
//                                in ZooKeeper (leader_epoch + 1; leader −1 if it was leader; the last ISR
//                                member stays); LeaderAndIsr with the new ISR to the other replicas
//   Offline → DeletionStarted    StopReplica with delete
//   DeletionStarted → DeletionSuccessful / Ineligible   per StopReplica response
//   DeletionSuccessful → NonExistent   drop the replica from the assignment
//
// Pure: no I/O.

import { compareReplicas, type PartitionAndReplica, type ReplicaState } from './controller-context.ts';
import { sendRequestsToBrokers, zkCall, type ControllerRuntime, type ZkCall } from './controller-runtime.ts';
import {
  NO_LEADER,
  newLeaderAndIsr,
  topicPartitionKey,
  type LeaderAndIsr,
  type LeaderIsrAndControllerEpoch,
  type TopicPartition,
} from './types.ts';

const VALID_PREVIOUS: Record<ReplicaState, readonly ReplicaState[]> = {
  NewReplica: ['NonExistentReplica'],
  OnlineReplica: ['NewReplica', 'OnlineReplica', 'OfflineReplica', 'ReplicaDeletionIneligible'],
  OfflineReplica: ['NewReplica', 'OnlineReplica', 'OfflineReplica', 'ReplicaDeletionIneligible'],
  ReplicaDeletionStarted: ['OfflineReplica'],
  ReplicaDeletionSuccessful: ['ReplicaDeletionStarted'],
  ReplicaDeletionIneligible: ['OfflineReplica', 'ReplicaDeletionStarted'],
  NonExistentReplica: ['ReplicaDeletionSuccessful'],
};

export class ReplicaStateMachine {
  private readonly runtime: ControllerRuntime;

  constructor(runtime: ControllerRuntime) {
    this.runtime = runtime;
  }

  /**
   * On election (§2.2 step 6): replicas on live brokers → Online (LeaderAndIsr to each); replicas on dead
   * brokers start as DeletionIneligible and move to Offline (which removes them from ISRs).
   */
  *startup(): ZkCall<void> {
    const { context } = this.runtime;
    for (const partition of context.allPartitions()) {
      for (const replica of context.partitionReplicaAssignment(partition)) {
        context.putReplicaState(
          { partition, replica },
          context.isReplicaOnline(replica, partition) ? 'OnlineReplica' : 'ReplicaDeletionIneligible',
        );
      }
    }
    const [online, offline] = context.onlineAndOfflineReplicas();
    yield* this.handleStateChanges(online, 'OnlineReplica');
    yield* this.handleStateChanges(offline, 'OfflineReplica');
  }

  *handleStateChanges(replicas: readonly PartitionAndReplica[], target: ReplicaState): ZkCall<void> {
    if (replicas.length === 0) return;
    this.runtime.batch.newBatch();
    try {
      const byBroker = new Map<number, PartitionAndReplica[]>();
      for (const replica of [...replicas].sort(compareReplicas)) {
        const list = byBroker.get(replica.replica) ?? [];
        list.push(replica);
        byBroker.set(replica.replica, list);
      }
      for (const brokerId of [...byBroker.keys()].sort((a, b) => a - b)) {
        yield* this.doHandleStateChanges(brokerId, byBroker.get(brokerId) as PartitionAndReplica[], target);
      }
    } finally {
      sendRequestsToBrokers(this.runtime);
    }
  }

  private *doHandleStateChanges(
    replicaId: number,
    replicas: readonly PartitionAndReplica[],
    target: ReplicaState,
  ): ZkCall<void> {
    const { context, journal, batch } = this.runtime;
    const valid: PartitionAndReplica[] = [];
    for (const replica of replicas) {
      const current = context.replicaState(replica);
      if (VALID_PREVIOUS[target].includes(current)) valid.push(replica);
      else {
        journal.push({
          type: 'state-change-failed',
          topic: replica.partition.topic,
          partition: replica.partition.partition,
          replica: replica.replica,
          message: `replica should be in one of ${VALID_PREVIOUS[target].join(',')} states before moving to ${target} state; instead it is in ${current} state`,
        });
      }
    }
    switch (target) {
      case 'NewReplica':
        for (const replica of valid) {
          const info = context.leadershipInfo(replica.partition);
          if (info !== undefined && info.leaderAndIsr.leader === replicaId) {
            journal.push({
              type: 'state-change-failed',
              topic: replica.partition.topic,
              partition: replica.partition.partition,
              replica: replicaId,
              message:
                'replica cannot be moved to NewReplica state as it is being requested to become leader',
            });
            continue;
          }
          if (info !== undefined) {
            batch.addLeaderAndIsrRequestForBrokers(
              [replicaId],
              replica.partition,
              info,
              context.partitionFullReplicaAssignment(replica.partition),
              true,
            );
          }
          context.putReplicaState(replica, 'NewReplica');
        }
        return;
      case 'OnlineReplica':
        for (const replica of valid) {
          const partition = replica.partition;
          if (context.replicaState(replica) === 'NewReplica') {
            const assignment = context.partitionFullReplicaAssignment(partition);
            if (!assignment.replicas.includes(replicaId)) {
              context.updatePartitionFullReplicaAssignment(partition, {
                ...assignment,
                replicas: [...assignment.replicas, replicaId],
              });
            }
          } else {
            const info = context.leadershipInfo(partition);
            if (info !== undefined) {
              batch.addLeaderAndIsrRequestForBrokers(
                [replicaId],
                partition,
                info,
                context.partitionFullReplicaAssignment(partition),
                false,
              );
            }
          }
          context.putReplicaState(replica, 'OnlineReplica');
        }
        return;
      case 'OfflineReplica': {
        for (const replica of valid)
          batch.addStopReplicaRequestForBrokers([replicaId], replica.partition, false);
        const withLeadership = valid.filter((r) => context.leadershipInfo(r.partition) !== undefined);
        const withoutLeadership = valid.filter((r) => context.leadershipInfo(r.partition) === undefined);
        const updated = yield* this.removeReplicasFromIsr(
          replicaId,
          withLeadership.map((r) => r.partition),
        );
        for (const { partition, state } of updated.values()) {
          if (!context.isTopicQueuedUpForDeletion(partition.topic)) {
            const recipients = context.partitionReplicaAssignment(partition).filter((id) => id !== replicaId);
            batch.addLeaderAndIsrRequestForBrokers(
              recipients,
              partition,
              state,
              context.partitionFullReplicaAssignment(partition),
              false,
            );
          }
          context.putReplicaState({ partition, replica: replicaId }, 'OfflineReplica');
        }
        for (const replica of withoutLeadership) {
          batch.addUpdateMetadataRequestForBrokers(context.liveOrShuttingDownBrokerIds(), [
            replica.partition,
          ]);
          context.putReplicaState(replica, 'OfflineReplica');
        }
        return;
      }
      case 'ReplicaDeletionStarted':
        for (const replica of valid) {
          context.putReplicaState(replica, 'ReplicaDeletionStarted');
          batch.addStopReplicaRequestForBrokers([replicaId], replica.partition, true);
        }
        return;
      case 'ReplicaDeletionIneligible':
      case 'ReplicaDeletionSuccessful':
        for (const replica of valid) context.putReplicaState(replica, target);
        return;
      case 'NonExistentReplica':
        for (const replica of valid) {
          const assignment = context.partitionFullReplicaAssignment(replica.partition);
          context.updatePartitionFullReplicaAssignment(replica.partition, {
            ...assignment,
            replicas: assignment.replicas.filter((id) => id !== replicaId),
          });
          context.removeReplicaState(replica);
        }
        return;
    }
  }

  /**
   * Removes `replicaId` from the ISR of these partitions in ZooKeeper (re-reading each state first, retrying
   * on BADVERSION). Returns the partitions whose state is now known (changed or not), with that state.
   */
  *removeReplicasFromIsr(
    replicaId: number,
    partitions: readonly TopicPartition[],
  ): ZkCall<Map<string, { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }>> {
    const done = new Map<string, { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }>();
    let remaining = partitions;
    while (remaining.length > 0) {
      remaining = yield* this.doRemoveReplicasFromIsr(replicaId, remaining, done);
    }
    return done;
  }

  private *doRemoveReplicasFromIsr(
    replicaId: number,
    partitions: readonly TopicPartition[],
    done: Map<string, { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }>,
  ): ZkCall<TopicPartition[]> {
    const { context, journal } = this.runtime;
    const read = yield* zkCall({ op: 'getPartitionStates', partitions }, 'getPartitionStates');
    const unchanged: { partition: TopicPartition; leaderAndIsr: LeaderAndIsr }[] = [];
    const changes: { partition: TopicPartition; previous: LeaderAndIsr; leaderAndIsr: LeaderAndIsr }[] = [];
    for (const partition of partitions) {
      const state = read.states.get(topicPartitionKey(partition));
      if (state === undefined) {
        journal.push({
          type: 'state-change-failed',
          topic: partition.topic,
          partition: partition.partition,
          replica: replicaId,
          message: 'failed to change state of replica since the leader and isr path in zookeeper is empty',
        });
        continue;
      }
      if (state.controllerEpoch > context.epoch) {
        journal.push({
          type: 'state-change-failed',
          topic: partition.topic,
          partition: partition.partition,
          replica: replicaId,
          message: `leader and isr path written by another controller (epoch ${state.controllerEpoch})`,
        });
        continue;
      }
      const current = state.leaderAndIsr;
      if (!current.isr.includes(replicaId)) {
        unchanged.push({ partition, leaderAndIsr: current });
        continue;
      }
      const leader = current.leader === replicaId ? NO_LEADER : current.leader;
      // The last member of the ISR is never removed ("last replica standing").
      const isr = current.isr.length === 1 ? current.isr : current.isr.filter((id) => id !== replicaId);
      changes.push({ partition, previous: current, leaderAndIsr: newLeaderAndIsr(current, leader, isr) });
    }
    const toRetry: TopicPartition[] = [];
    const finished = [...unchanged];
    if (changes.length > 0) {
      const written = yield* zkCall(
        {
          op: 'updatePartitionStates',
          controllerEpoch: context.epoch,
          updates: changes.map(({ partition, leaderAndIsr }) => ({ partition, leaderAndIsr })),
          expectedControllerEpochZkVersion: context.epochZkVersion,
        },
        'updatePartitionStates',
      );
      for (const { partition, previous, leaderAndIsr } of changes) {
        const outcome = written.results.get(topicPartitionKey(partition));
        if (outcome !== undefined && !outcome.ok && outcome.error === 'BADVERSION') {
          toRetry.push(partition);
          continue;
        }
        if (outcome === undefined || !outcome.ok) {
          journal.push({
            type: 'state-change-failed',
            topic: partition.topic,
            partition: partition.partition,
            replica: replicaId,
            message: `could not write the partition state: ${outcome === undefined ? 'no result' : outcome.error}`,
          });
          continue;
        }
        const stored = { ...leaderAndIsr, zkVersion: outcome.zkVersion };
        finished.push({ partition, leaderAndIsr: stored });
        if (previous.isr.join(',') !== stored.isr.join(',')) {
          journal.push({
            type: 'isr-changed',
            topic: partition.topic,
            partition: partition.partition,
            previousIsr: previous.isr,
            isr: stored.isr,
            leader: stored.leader,
            leaderEpoch: stored.leaderEpoch,
            reason: 'replica-offline',
          });
        }
        if (previous.leader !== NO_LEADER && stored.leader === NO_LEADER) {
          journal.push({
            type: 'leader-changed',
            topic: partition.topic,
            partition: partition.partition,
            previousLeader: previous.leader,
            leader: NO_LEADER,
            leaderEpoch: stored.leaderEpoch,
            isr: stored.isr,
            reason: 'offline-partition',
          });
        }
      }
    }
    for (const { partition, leaderAndIsr } of finished) {
      const state = { leaderAndIsr, controllerEpoch: context.epoch };
      context.putLeadershipInfo(partition, state);
      done.set(topicPartitionKey(partition), { partition, state });
    }
    return toRetry;
  }
}
