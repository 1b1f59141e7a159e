// The partition state machine (shared/reference/kafka-zk-era.md §2.6; Kafka's PartitionStateMachine).
//
//   NonExistentPartition → NewPartition      load the assignment (nothing to write)
//   NewPartition → OnlinePartition           leader = first live assigned replica, ISR = live assigned
//                                            replicas; create the state znode; LeaderAndIsr (isNew) to the
//                                            ISR; UpdateMetadata to all
//   Online/OfflinePartition → OnlinePartition  re-read the state znode, run the election strategy, write the
//                                            state conditionally on its zkVersion (BADVERSION → re-read and
//                                            retry); LeaderAndIsr to the strategy's recipients
//   New/Online/Offline → OfflinePartition    mark only
//   OfflinePartition → NonExistentPartition  mark only (topic deletion)
//
// Illegal transitions are reported as `state-change-failed` journal events and ignored.
//
// Pure: no I/O.

import type { PartitionState } from './controller-context.ts';
import { sendRequestsToBrokers, zkCall, type ControllerRuntime, type ZkCall } from './controller-runtime.ts';
import type { LeaderElectionReason } from './journal.ts';
import { electLeader, type ElectionResult } from './leader-election.ts';
import {
  compareTopicPartitions,
  INITIAL_LEADER_EPOCH,
  INITIAL_PARTITION_ZK_VERSION,
  topicPartitionKey,
  type LeaderAndIsr,
  type LeaderIsrAndControllerEpoch,
  type TopicPartition,
} from './types.ts';

export type PartitionLeaderElectionStrategyName =
  'offline' | 'reassignment' | 'preferred' | 'controlled-shutdown';

export interface ElectionOptions {
  readonly strategy: PartitionLeaderElectionStrategyName;
  /** Offline strategy: allow unclean election regardless of config (admin-triggered UNCLEAN election). */
  readonly allowUnclean?: boolean;
  /** Reassignment strategy: the target replicas. */
  readonly targetReplicas?: (partition: TopicPartition) => readonly number[];
}

const VALID_PREVIOUS: Record<PartitionState, readonly PartitionState[]> = {
  NewPartition: ['NonExistentPartition'],
  OnlinePartition: ['NewPartition', 'OnlinePartition', 'OfflinePartition'],
  OfflinePartition: ['NewPartition', 'OnlinePartition', 'OfflinePartition'],
  NonExistentPartition: ['OfflinePartition'],
};

/** Outcome per partition (`topic-partition` key): the new leader/ISR, or why it failed. */
export type PartitionStateChangeResults = Map<
  string,
  { partition: TopicPartition; leaderAndIsr?: LeaderAndIsr; error?: string }
>;

export class PartitionStateMachine {
  private readonly runtime: ControllerRuntime;

  constructor(runtime: ControllerRuntime) {
    this.runtime = runtime;
  }

  /** On election: New if no state znode, Online if the leader is live, else Offline (§2.2 step 7). */
  initializePartitionState(): void {
    const { context } = this.runtime;
    for (const partition of context.allPartitions()) {
      const info = context.leadershipInfo(partition);
      if (info === undefined) context.putPartitionState(partition, 'NewPartition');
      else if (context.isReplicaOnline(info.leaderAndIsr.leader, partition))
        context.putPartitionState(partition, 'OnlinePartition');
      else context.putPartitionState(partition, 'OfflinePartition');
    }
  }

  *startup(): ZkCall<void> {
    this.initializePartitionState();
    yield* this.triggerOnlinePartitionStateChange();
  }

  /** Tries to bring every New/Offline partition online (offline strategy), except topics queued for deletion. */
  *triggerOnlinePartitionStateChange(topic?: string): ZkCall<void> {
    const { context } = this.runtime;
    const partitions = context
      .allPartitions()
      .filter((tp) => topic === undefined || tp.topic === topic)
      .filter((tp) => !context.isTopicQueuedUpForDeletion(tp.topic))
      .filter((tp) => {
        const state = context.partitionState(tp);
        return state === 'OfflinePartition' || state === 'NewPartition';
      });
    yield* this.handleStateChanges(partitions, 'OnlinePartition', { strategy: 'offline' });
  }

  *handleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionState,
    election?: ElectionOptions,
  ): ZkCall<PartitionStateChangeResults> {
    const results: PartitionStateChangeResults = new Map();
    if (partitions.length === 0) return results;
    this.runtime.batch.newBatch();
    try {
      yield* this.doHandleStateChanges(
        [...partitions].sort(compareTopicPartitions),
        target,
        election,
        results,
      );
    } finally {
      sendRequestsToBrokers(this.runtime);
    }
    return results;
  }

  private *doHandleStateChanges(
    partitions: readonly TopicPartition[],
    target: PartitionState,
    election: ElectionOptions | undefined,
    results: PartitionStateChangeResults,
  ): ZkCall<void> {
    const { context, journal } = this.runtime;
    const valid: TopicPartition[] = [];
    for (const partition of partitions) {
      const current = context.partitionState(partition);
      if (VALID_PREVIOUS[target].includes(current)) valid.push(partition);
      else {
        const message = `partition should be in one of ${VALID_PREVIOUS[target].join(',')} states before moving to ${target} state; instead it is in ${current} state`;
        journal.push({
          type: 'state-change-failed',
          topic: partition.topic,
          partition: partition.partition,
          message,
        });
        results.set(topicPartitionKey(partition), { partition, error: message });
      }
    }
    switch (target) {
      case 'NewPartition':
      case 'OfflinePartition':
      case 'NonExistentPartition':
        for (const partition of valid) context.putPartitionState(partition, target);
        return;
      case 'OnlinePartition': {
        const uninitialized = valid.filter((tp) => context.partitionState(tp) === 'NewPartition');
        const toElect = valid.filter((tp) => context.partitionState(tp) !== 'NewPartition');
        if (uninitialized.length > 0) {
          for (const partition of yield* this.initializeLeaderAndIsrForPartitions(uninitialized, results)) {
            context.putPartitionState(partition, 'OnlinePartition');
          }
        }
        if (toElect.length > 0) {
          const options = election ?? { strategy: 'offline' };
          for (const partition of yield* this.electLeaderForPartitions(toElect, options, results)) {
            context.putPartitionState(partition, 'OnlinePartition');
          }
        }
        return;
      }
    }
  }

  /** New → Online: create the state znodes. Returns the partitions that were initialised. */
  private *initializeLeaderAndIsrForPartitions(
    partitions: readonly TopicPartition[],
    results: PartitionStateChangeResults,
  ): ZkCall<TopicPartition[]> {
    const { context, journal, batch } = this.runtime;
    const toCreate: { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }[] = [];
    for (const partition of partitions) {
      const replicas = context.partitionReplicaAssignment(partition);
      const live = replicas.filter((id) => context.isReplicaOnline(id, partition));
      if (live.length === 0) {
        const message = `no assigned replica is alive (assigned [${replicas.join(',')}], live brokers [${context.liveBrokerIds().join(',')}])`;
        journal.push({
          type: 'state-change-failed',
          topic: partition.topic,
          partition: partition.partition,
          message,
        });
        journal.push({
          type: 'partition-offline',
          topic: partition.topic,
          partition: partition.partition,
          isr: [],
          reason: message,
        });
        results.set(topicPartitionKey(partition), { partition, error: message });
        continue;
      }
      toCreate.push({
        partition,
        state: {
          leaderAndIsr: {
            leader: live[0],
            leaderEpoch: INITIAL_LEADER_EPOCH,
            isr: live,
            zkVersion: INITIAL_PARTITION_ZK_VERSION,
          },
          controllerEpoch: context.epoch,
        },
      });
    }
    if (toCreate.length === 0) return [];
    const created = yield* zkCall(
      {
        op: 'createPartitionStates',
        states: toCreate,
        expectedControllerEpochZkVersion: context.epochZkVersion,
      },
      'createPartitionStates',
    );
    const successful: TopicPartition[] = [];
    for (const { partition, state } of toCreate) {
      const outcome = created.results.get(topicPartitionKey(partition));
      if (outcome === undefined || !outcome.ok) {
        const message = `could not create the partition state znode: ${outcome === undefined ? 'no result' : outcome.error}`;
        journal.push({
          type: 'state-change-failed',
          topic: partition.topic,
          partition: partition.partition,
          message,
        });
        results.set(topicPartitionKey(partition), { partition, error: message });
        continue;
      }
      const stored = { ...state, leaderAndIsr: { ...state.leaderAndIsr, zkVersion: outcome.zkVersion } };
      context.putLeadershipInfo(partition, stored);
      batch.addLeaderAndIsrRequestForBrokers(
        stored.leaderAndIsr.isr,
        partition,
        stored,
        context.partitionFullReplicaAssignment(partition),
        true,
      );
      journal.push({
        type: 'leader-changed',
        topic: partition.topic,
        partition: partition.partition,
        previousLeader: -1,
        leader: stored.leaderAndIsr.leader,
        leaderEpoch: stored.leaderAndIsr.leaderEpoch,
        isr: stored.leaderAndIsr.isr,
        reason: 'new-partition',
      });
      results.set(topicPartitionKey(partition), { partition, leaderAndIsr: stored.leaderAndIsr });
      successful.push(partition);
    }
    return successful;
  }

  /** Elects until no partition is left to retry (BADVERSION conflicts are retried after a re-read). */
  private *electLeaderForPartitions(
    partitions: readonly TopicPartition[],
    election: ElectionOptions,
    results: PartitionStateChangeResults,
  ): ZkCall<TopicPartition[]> {
    const successful: TopicPartition[] = [];
    let remaining = partitions;
    while (remaining.length > 0) {
      const { success, toRetry } = yield* this.doElectLeaderForPartitions(remaining, election, results);
      successful.push(...success);
      remaining = toRetry;
    }
    return successful;
  }

  private *doElectLeaderForPartitions(
    partitions: readonly TopicPartition[],
    election: ElectionOptions,
    results: PartitionStateChangeResults,
  ): ZkCall<{ success: TopicPartition[]; toRetry: TopicPartition[] }> {
    const { context, journal, batch, config } = this.runtime;
    const fail = (partition: TopicPartition, message: string) => {
      journal.push({
        type: 'state-change-failed',
        topic: partition.topic,
        partition: partition.partition,
        message,
      });
      results.set(topicPartitionKey(partition), { partition, error: message });
    };
    const read = yield* zkCall({ op: 'getPartitionStates', partitions }, 'getPartitionStates');
    const current: { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }[] = [];
    for (const partition of partitions) {
      const state = read.states.get(topicPartitionKey(partition));
      if (state === undefined) {
        fail(
          partition,
          `LeaderAndIsr information doesn't exist for partition in ${context.partitionState(partition)} state`,
        );
      } else if (state.controllerEpoch > context.epoch) {
        fail(
          partition,
          `aborted leader election since the LeaderAndIsr path was already written by another controller (epoch ${state.controllerEpoch}); this controller (epoch ${context.epoch}) has probably been replaced`,
        );
      } else {
        current.push({ partition, state });
      }
    }
    if (current.length === 0) return { success: [], toRetry: [] };

    // Unclean election is decided per topic: the admin's request, or the topic's config (read now, as Kafka
    // does), or the broker default. Only partitions without a live ISR member need it.
    let uncleanTopics = new Set<string>();
    if (election.strategy === 'offline') {
      const needConfig = [
        ...new Set(
          current
            .filter(
              ({ partition, state }) =>
                !state.leaderAndIsr.isr.some((id) => context.isReplicaOnline(id, partition)),
            )
            .map(({ partition }) => partition.topic),
        ),
      ].sort();
      if (election.allowUnclean) uncleanTopics = new Set(needConfig);
      else if (needConfig.length > 0) {
        const configs = yield* zkCall({ op: 'getTopicConfigs', topics: needConfig }, 'getTopicConfigs');
        for (const topic of needConfig) {
          const override = configs.configs.get(topic)?.get('unclean.leader.election.enable');
          const enabled =
            override === undefined
              ? config.uncleanLeaderElectionEnable
              : override.trim().toLowerCase() === 'true';
          if (enabled) uncleanTopics.add(topic);
        }
      }
    }

    const elected: { result: ElectionResult; previous: LeaderIsrAndControllerEpoch }[] = [];
    for (const { partition, state } of current) {
      const result = electLeader(
        context,
        partition,
        state.leaderAndIsr,
        election.strategy === 'reassignment'
          ? {
              kind: 'reassignment',
              targetReplicas: election.targetReplicas ?? ((tp) => context.partitionReplicaAssignment(tp)),
            }
          : election.strategy === 'offline'
            ? { kind: 'offline', uncleanAllowed: (topic) => uncleanTopics.has(topic) }
            : { kind: election.strategy },
      );
      if (result.leaderAndIsr === undefined) {
        fail(partition, `failed to elect a leader under the ${election.strategy} strategy`);
        if (election.strategy === 'offline') {
          journal.push({
            type: 'partition-offline',
            topic: partition.topic,
            partition: partition.partition,
            isr: state.leaderAndIsr.isr,
            reason: 'no live in-sync replica (and unclean leader election is disabled)',
          });
        }
        continue;
      }
      elected.push({ result, previous: state });
    }
    if (elected.length === 0) return { success: [], toRetry: [] };

    const written = yield* zkCall(
      {
        op: 'updatePartitionStates',
        controllerEpoch: context.epoch,
        updates: elected.map(({ result }) => ({
          partition: result.partition,
          leaderAndIsr: result.leaderAndIsr as LeaderAndIsr,
        })),
        expectedControllerEpochZkVersion: context.epochZkVersion,
      },
      'updatePartitionStates',
    );
    const success: TopicPartition[] = [];
    const toRetry: TopicPartition[] = [];
    for (const { result, previous } of elected) {
      const partition = result.partition;
      const outcome = written.results.get(topicPartitionKey(partition));
      if (outcome !== undefined && !outcome.ok && outcome.error === 'BADVERSION') {
        toRetry.push(partition);
        continue;
      }
      if (outcome === undefined || !outcome.ok) {
        fail(
          partition,
          `could not write the partition state: ${outcome === undefined ? 'no result' : outcome.error}`,
        );
        continue;
      }
      const leaderAndIsr = { ...(result.leaderAndIsr as LeaderAndIsr), zkVersion: outcome.zkVersion };
      const stored = { leaderAndIsr, controllerEpoch: context.epoch };
      context.putLeadershipInfo(partition, stored);
      batch.addLeaderAndIsrRequestForBrokers(
        result.recipients,
        partition,
        stored,
        context.partitionFullReplicaAssignment(partition),
        false,
      );
      const reason: LeaderElectionReason =
        election.strategy === 'offline'
          ? result.unclean
            ? 'unclean'
            : 'offline-partition'
          : election.strategy === 'preferred'
            ? 'preferred-replica'
            : election.strategy;
      journal.push({
        type: 'leader-changed',
        topic: partition.topic,
        partition: partition.partition,
        previousLeader: previous.leaderAndIsr.leader,
        leader: leaderAndIsr.leader,
        leaderEpoch: leaderAndIsr.leaderEpoch,
        isr: leaderAndIsr.isr,
        reason,
      });
      results.set(topicPartitionKey(partition), { partition, leaderAndIsr });
      success.push(partition);
    }
    return { success, toRetry };
  }
}
