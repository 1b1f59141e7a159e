// The controller's vocabulary (Kafka's kafka.controller / kafka.api names): topic partitions, replica
// assignments, leader-and-ISR state, live brokers. Shared by the pure controller core and by broker/zk,
// which encodes these to and from ZooKeeper.
//
// Pure: no I/O.

/** A partition of a topic (org.apache.kafka.common.TopicPartition). */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** `topic-partition`, the string Kafka prints and uses for directory names; a Map key here. */
export function topicPartitionKey(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Sorts by topic, then partition (for deterministic output). */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** `leader` value meaning "no leader" (an offline partition). */
export const NO_LEADER = -1;
/** `leader` value sent in UpdateMetadata for partitions of a topic being deleted (never stored). */
export const LEADER_DURING_DELETE = -2;
/** Leader epoch and zkVersion of a partition state that was just created. */
export const INITIAL_LEADER_EPOCH = 0;
export const INITIAL_PARTITION_ZK_VERSION = 0;

/**
 * kafka.api.LeaderAndIsr: the content of `/brokers/topics/<t>/partitions/<p>/state` plus the znode's
 * data version (`zkVersion`), which conditional updates must name.
 */
export interface LeaderAndIsr {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
}

/** LeaderAndIsr plus the epoch of the controller that made the last leadership decision. */
export interface LeaderIsrAndControllerEpoch {
  readonly leaderAndIsr: LeaderAndIsr;
  readonly controllerEpoch: number;
}

/**
 * A new leader/ISR: leader epoch + 1, same zkVersion (the expected version of the conditional write).
 * LeaderAndIsr.newLeaderAndIsr in Kafka.
 */
export function newLeaderAndIsr(current: LeaderAndIsr, leader: number, isr: readonly number[]): LeaderAndIsr {
  return { leader, leaderEpoch: current.leaderEpoch + 1, isr: [...isr], zkVersion: current.zkVersion };
}

/** The replica assignment of one partition (ReplicaAssignment, KIP-455). `replicas[0]` is the preferred leader. */
export interface ReplicaAssignment {
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
}

export function replicaAssignment(replicas: readonly number[]): ReplicaAssignment {
  return { replicas: [...replicas], addingReplicas: [], removingReplicas: [] };
}

/** Partition id → assignment, for one topic. */
export type TopicAssignment = ReadonlyMap<number, ReplicaAssignment>;

/** One advertised end point of a broker (kafka.cluster.EndPoint). */
export interface BrokerEndPoint {
  readonly listenerName: string;
  readonly securityProtocol: string;
  readonly host: string;
  readonly port: number;
}

/** A registered broker as the controller sees it (from `/brokers/ids/<id>`). */
export interface BrokerRegistration {
  readonly id: number;
  readonly endPoints: readonly BrokerEndPoint[];
  readonly rack: string | undefined;
}

/** A live broker and its epoch: the czxid of its registration znode (KIP-380). */
export interface LiveBroker extends BrokerRegistration {
  readonly epoch: bigint;
}
