// Performs the pure controller's ZkOps (broker/controller/zk-ops.ts) against real ZooKeeper through
// KafkaZkClient, and turns the outcome into a ZkOpResult:
//   * every write is fenced with check(/controller_epoch, expectedControllerEpochZkVersion); a failed check
//     becomes { kind: 'controller-moved' };
//   * per-partition outcomes (NODEEXISTS, BADVERSION, NONODE) are data, as the controller expects;
//   * CONNECTIONLOSS is retried (Kafka's retryRequestUntilConnected) a bounded number of times; reads and
//     the controller's writes are safe to repeat (a repeated create reports NODEEXISTS, a repeated
//     conditional setData reports BADVERSION and the controller re-reads); anything else becomes
//     { kind: 'error' }.

import {
  type ClusterSnapshot,
  type PartitionWriteResult,
  type ZkOp,
  type ZkOpResult,
} from '../controller/zk-ops.ts';
import {
  topicPartitionKey,
  type LeaderIsrAndControllerEpoch,
  type TopicPartition,
} from '../controller/types.ts';
import { ControllerMovedError, isKeeperException, KeeperException } from './errors.ts';
import type { KafkaZkClient } from './kafka-zk-client.ts';

export interface ExecutorOptions {
  /** Attempts for an operation that fails with CONNECTIONLOSS (default 5). */
  readonly attempts?: number;
  /** Pause between attempts (default 200 ms). */
  readonly backoffMs?: number;
}

async function withRetries<T>(run: () => Promise<T>, attempts: number, backoffMs: number): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!isKeeperException(error, 'CONNECTIONLOSS') || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, backoffMs));
    }
  }
}

/** Reads everything a newly elected controller needs (§2.2 step 3). */
export async function readClusterSnapshot(kafkaZk: KafkaZkClient): Promise<ClusterSnapshot> {
  const liveBrokers = await kafkaZk.getAllBrokerAndEpochsInCluster();
  const topicNames = await kafkaZk.getAllTopicsInCluster();
  const topics = await kafkaZk.getReplicaAssignmentForTopics(topicNames);
  const partitions: TopicPartition[] = [];
  for (const [topic, assignment] of topics)
    for (const partition of assignment.keys()) partitions.push({ topic, partition });
  const states = await kafkaZk.getTopicPartitionStates(partitions);
  const partitionStates = new Map<
    string,
    { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }
  >();
  for (const partition of partitions) {
    const state = states.get(topicPartitionKey(partition));
    if (state !== undefined) partitionStates.set(topicPartitionKey(partition), { partition, state });
  }
  return {
    liveBrokers,
    topics,
    partitionStates,
    topicsToBeDeleted: await kafkaZk.getTopicDeletions(),
    preferredReplicaElection: await kafkaZk.getPreferredReplicaElection(),
  };
}

async function perform(kafkaZk: KafkaZkClient, op: ZkOp): Promise<ZkOpResult> {
  switch (op.op) {
    case 'readClusterSnapshot':
      return { kind: 'readClusterSnapshot', snapshot: await readClusterSnapshot(kafkaZk) };
    case 'getPartitionStates':
      return { kind: 'getPartitionStates', states: await kafkaZk.getTopicPartitionStates(op.partitions) };
    case 'getTopicAssignments':
      return {
        kind: 'getTopicAssignments',
        assignments: await kafkaZk.getReplicaAssignmentForTopics(op.topics),
      };
    case 'getTopicConfigs':
      return { kind: 'getTopicConfigs', configs: await kafkaZk.getTopicConfigs(op.topics) };
    case 'getIsrChangeNotifications':
      return {
        kind: 'getIsrChangeNotifications',
        partitions: await kafkaZk.getPartitionsFromIsrChangeNotifications(op.sequenceNumbers),
      };
    case 'createPartitionStates': {
      const outcomes = await kafkaZk.createTopicPartitionStates(
        op.states,
        op.expectedControllerEpochZkVersion,
      );
      const results = new Map<string, PartitionWriteResult>();
      for (const [key, error] of outcomes) {
        results.set(
          key,
          error === undefined ? { ok: true, zkVersion: 0 } : { ok: false, error: error.keeperCode },
        );
      }
      return { kind: 'createPartitionStates', results };
    }
    case 'updatePartitionStates': {
      const outcome = await kafkaZk.updateLeaderAndIsr(
        op.updates,
        op.controllerEpoch,
        op.expectedControllerEpochZkVersion,
      );
      const results = new Map<string, PartitionWriteResult>();
      for (const [key, { leaderAndIsr }] of outcome.successful)
        results.set(key, { ok: true, zkVersion: leaderAndIsr.zkVersion });
      for (const partition of outcome.toRetry)
        results.set(topicPartitionKey(partition), { ok: false, error: 'BADVERSION' });
      for (const [key, { error }] of outcome.failed) {
        results.set(key, {
          ok: false,
          error: error instanceof KeeperException ? error.keeperCode : error.message,
        });
      }
      return { kind: 'updatePartitionStates', results };
    }
    case 'deleteTopic':
      await kafkaZk.deleteTopicZNode(op.topic, op.expectedControllerEpochZkVersion);
      await kafkaZk.deleteTopicConfigs([op.topic], op.expectedControllerEpochZkVersion);
      await kafkaZk.deleteTopicDeletions([op.topic], op.expectedControllerEpochZkVersion);
      return { kind: 'done' };
    case 'deleteTopicDeletions':
      await kafkaZk.deleteTopicDeletions(op.topics, op.expectedControllerEpochZkVersion);
      return { kind: 'done' };
    case 'deleteIsrChangeNotifications':
      await kafkaZk.deleteIsrChangeNotifications(
        op.sequenceNumbers === 'all' ? undefined : op.sequenceNumbers,
        op.expectedControllerEpochZkVersion,
      );
      return { kind: 'done' };
    case 'deleteLogDirEventNotifications':
      await kafkaZk.deleteLogDirEventNotifications(op.expectedControllerEpochZkVersion);
      return { kind: 'done' };
    case 'deletePreferredReplicaElection':
      await kafkaZk.deletePreferredReplicaElection(op.expectedControllerEpochZkVersion);
      return { kind: 'done' };
  }
}

/** Performs one controller operation; never throws for ZooKeeper failures (they become results). */
export async function executeControllerZkOp(
  kafkaZk: KafkaZkClient,
  op: ZkOp,
  options: ExecutorOptions = {},
): Promise<ZkOpResult> {
  try {
    return await withRetries(() => perform(kafkaZk, op), options.attempts ?? 5, options.backoffMs ?? 200);
  } catch (error) {
    if (error instanceof ControllerMovedError) return { kind: 'controller-moved' };
    return { kind: 'error', message: error instanceof Error ? error.message : String(error) };
  }
}
