// ControllerZkModel: an in-memory stand-in for the ZooKeeper data the controller reads and writes, with
// the same semantics as the real thing where the controller can tell (data versions, conditional writes,
// the /controller_epoch fence). Unit tests and the deterministic simulator run KafkaController against it;
// broker/zk/controller-zk-executor.ts runs the same operations against real ZooKeeper.
//
// Pure: no I/O.

import type { ClusterSnapshot, PartitionWriteResult, ZkOp, ZkOpResult } from './zk-ops.ts';
import { isWriteOp } from './zk-ops.ts';
import {
  compareTopicPartitions,
  topicPartitionKey,
  type LeaderIsrAndControllerEpoch,
  type LiveBroker,
  type ReplicaAssignment,
  type TopicPartition,
} from './types.ts';

export class ControllerZkModel {
  /** Data version of /controller_epoch: controller writes must name it. */
  controllerEpochZkVersion = 0;
  readonly brokers = new Map<number, LiveBroker>();
  readonly topics = new Map<string, Map<number, ReplicaAssignment>>();
  /** `topic-partition` → state (leaderAndIsr.zkVersion is the znode's data version). */
  readonly partitionStates = new Map<
    string,
    { partition: TopicPartition; state: LeaderIsrAndControllerEpoch }
  >();
  readonly topicConfigs = new Map<string, Map<string, string>>();
  readonly topicsToBeDeleted = new Set<string>();
  /** Sequence number → partitions. */
  readonly isrChangeNotifications = new Map<string, TopicPartition[]>();
  logDirEventNotifications = 0;
  preferredReplicaElection: TopicPartition[] | undefined;
  private nextIsrSequence = 0;
  /** Every operation applied, for assertions. */
  readonly log: ZkOp[] = [];

  addBroker(broker: LiveBroker): void {
    this.brokers.set(broker.id, broker);
  }

  removeBroker(id: number): void {
    this.brokers.delete(id);
  }

  createTopic(
    topic: string,
    assignment: ReadonlyMap<number, readonly number[]>,
    config: Record<string, string> = {},
  ): void {
    this.topics.set(
      topic,
      new Map(
        [...assignment].map(([p, replicas]) => [
          p,
          { replicas: [...replicas], addingReplicas: [], removingReplicas: [] },
        ]),
      ),
    );
    this.topicConfigs.set(topic, new Map(Object.entries(config)));
  }

  /** A partition leader's own ISR change (keeps the leader epoch, bumps the zkVersion). */
  leaderUpdatesIsr(partition: TopicPartition, isr: readonly number[]): void {
    const key = topicPartitionKey(partition);
    const entry = this.partitionStates.get(key);
    if (entry === undefined) throw new Error(`no state for ${key}`);
    const leaderAndIsr = entry.state.leaderAndIsr;
    this.partitionStates.set(key, {
      partition,
      state: {
        ...entry.state,
        leaderAndIsr: { ...leaderAndIsr, isr: [...isr], zkVersion: leaderAndIsr.zkVersion + 1 },
      },
    });
  }

  /** What a leader writes after changing ISRs; returns the sequence number. */
  addIsrChangeNotification(partitions: readonly TopicPartition[]): string {
    const seq = String(this.nextIsrSequence++).padStart(10, '0');
    this.isrChangeNotifications.set(seq, [...partitions]);
    return seq;
  }

  state(partition: TopicPartition): LeaderIsrAndControllerEpoch | undefined {
    return this.partitionStates.get(topicPartitionKey(partition))?.state;
  }

  snapshot(): ClusterSnapshot {
    return {
      liveBrokers: [...this.brokers.values()].sort((a, b) => a.id - b.id),
      topics: new Map([...this.topics].map(([t, a]) => [t, new Map(a)])),
      partitionStates: new Map(this.partitionStates),
      topicsToBeDeleted: [...this.topicsToBeDeleted].sort(),
      preferredReplicaElection: this.preferredReplicaElection,
    };
  }

  /** Applies one controller operation, as the shell would against ZooKeeper. */
  apply(op: ZkOp): ZkOpResult {
    this.log.push(op);
    if (isWriteOp(op) && op.expectedControllerEpochZkVersion !== this.controllerEpochZkVersion) {
      return { kind: 'controller-moved' };
    }
    switch (op.op) {
      case 'readClusterSnapshot':
        return { kind: 'readClusterSnapshot', snapshot: this.snapshot() };
      case 'getPartitionStates':
        return {
          kind: 'getPartitionStates',
          states: new Map(op.partitions.map((tp) => [topicPartitionKey(tp), this.state(tp)])),
        };
      case 'getTopicAssignments':
        return {
          kind: 'getTopicAssignments',
          assignments: new Map(
            op.topics
              .filter((t) => this.topics.has(t))
              .map((t) => [t, new Map(this.topics.get(t) as Map<number, ReplicaAssignment>)]),
          ),
        };
      case 'getTopicConfigs':
        return {
          kind: 'getTopicConfigs',
          configs: new Map(op.topics.map((t) => [t, new Map(this.topicConfigs.get(t) ?? [])])),
        };
      case 'getIsrChangeNotifications': {
        const seen = new Map<string, TopicPartition>();
        for (const seq of op.sequenceNumbers) {
          for (const tp of this.isrChangeNotifications.get(seq) ?? []) seen.set(topicPartitionKey(tp), tp);
        }
        return {
          kind: 'getIsrChangeNotifications',
          partitions: [...seen.values()].sort(compareTopicPartitions),
        };
      }
      case 'createPartitionStates': {
        const results = new Map<string, PartitionWriteResult>();
        for (const { partition, state } of op.states) {
          const key = topicPartitionKey(partition);
          if (this.partitionStates.has(key)) results.set(key, { ok: false, error: 'NODEEXISTS' });
          else if (!this.topics.has(partition.topic)) results.set(key, { ok: false, error: 'NONODE' });
          else {
            this.partitionStates.set(key, {
              partition,
              state: { ...state, leaderAndIsr: { ...state.leaderAndIsr, zkVersion: 0 } },
            });
            results.set(key, { ok: true, zkVersion: 0 });
          }
        }
        return { kind: 'createPartitionStates', results };
      }
      case 'updatePartitionStates': {
        const results = new Map<string, PartitionWriteResult>();
        for (const { partition, leaderAndIsr } of op.updates) {
          const key = topicPartitionKey(partition);
          const current = this.partitionStates.get(key);
          if (current === undefined) results.set(key, { ok: false, error: 'NONODE' });
          else if (current.state.leaderAndIsr.zkVersion !== leaderAndIsr.zkVersion)
            results.set(key, { ok: false, error: 'BADVERSION' });
          else {
            const zkVersion = leaderAndIsr.zkVersion + 1;
            this.partitionStates.set(key, {
              partition,
              state: { leaderAndIsr: { ...leaderAndIsr, zkVersion }, controllerEpoch: op.controllerEpoch },
            });
            results.set(key, { ok: true, zkVersion });
          }
        }
        return { kind: 'updatePartitionStates', results };
      }
      case 'deleteTopic':
        this.topics.delete(op.topic);
        this.topicConfigs.delete(op.topic);
        this.topicsToBeDeleted.delete(op.topic);
        for (const [key, { partition }] of this.partitionStates)
          if (partition.topic === op.topic) this.partitionStates.delete(key);
        return { kind: 'done' };
      case 'deleteTopicDeletions':
        for (const topic of op.topics) this.topicsToBeDeleted.delete(topic);
        return { kind: 'done' };
      case 'deleteIsrChangeNotifications':
        if (op.sequenceNumbers === 'all') this.isrChangeNotifications.clear();
        else for (const seq of op.sequenceNumbers) this.isrChangeNotifications.delete(seq);
        return { kind: 'done' };
      case 'deleteLogDirEventNotifications':
        this.logDirEventNotifications = 0;
        return { kind: 'done' };
      case 'deletePreferredReplicaElection':
        this.preferredReplicaElection = undefined;
        return { kind: 'done' };
    }
  }
}
