// What the pure controller asks of ZooKeeper. The controller core never touches ZooKeeper: it returns
// one ZkOp at a time in its Ready, and the shell performs it (broker/zk/controller-zk-executor.ts against
// real ZooKeeper, ControllerZkModel in tests and simulation) and passes the result back. This mirrors
// Kafka 2.4, whose controller event thread makes these calls synchronously.
//
// Every write carries `expectedControllerEpochZkVersion`: the shell runs it as a multi of
// `check(/controller_epoch, expectedControllerEpochZkVersion)` + the write. If that check fails the result
// is `{ kind: 'controller-moved' }` and the controller resigns.
//
// Pure: no I/O.

import type {
  LeaderAndIsr,
  LeaderIsrAndControllerEpoch,
  LiveBroker,
  ReplicaAssignment,
  TopicPartition,
} from './types.ts';

/** ZooKeeper error names a per-item result may carry (a subset of KeeperException.Code). */
export type ZkErrorName =
  'NONODE' | 'NODEEXISTS' | 'BADVERSION' | 'NOTEMPTY' | 'CONNECTIONLOSS' | 'SESSIONEXPIRED' | string;

/** Everything a new controller reads to initialise its context (§2.2 step 3). */
export interface ClusterSnapshot {
  readonly liveBrokers: readonly LiveBroker[];
  /** Topic → partition → assignment. */
  readonly topics: ReadonlyMap<string, ReadonlyMap<number, ReplicaAssignment>>;
  /** `topic-partition` → state, for partitions that have a state znode. */
  readonly partitionStates: ReadonlyMap<
    string,
    { readonly partition: TopicPartition; readonly state: LeaderIsrAndControllerEpoch }
  >;
  /** Children of /admin/delete_topics. */
  readonly topicsToBeDeleted: readonly string[];
  /** Content of /admin/preferred_replica_election, if present. */
  readonly preferredReplicaElection: readonly TopicPartition[] | undefined;
}

// ───────────────────────── reads ─────────────────────────

export interface ReadClusterSnapshotOp {
  readonly op: 'readClusterSnapshot';
}
export interface GetPartitionStatesOp {
  readonly op: 'getPartitionStates';
  readonly partitions: readonly TopicPartition[];
}
export interface GetTopicAssignmentsOp {
  readonly op: 'getTopicAssignments';
  readonly topics: readonly string[];
}
export interface GetTopicConfigsOp {
  readonly op: 'getTopicConfigs';
  readonly topics: readonly string[];
}
export interface GetIsrChangeNotificationsOp {
  readonly op: 'getIsrChangeNotifications';
  /** Sequence numbers (the 10-digit suffixes) to read. */
  readonly sequenceNumbers: readonly string[];
}

// ───────────────────────── fenced writes ─────────────────────────

interface FencedWrite {
  /** The data version of /controller_epoch this controller wrote when elected. */
  readonly expectedControllerEpochZkVersion: number;
}

/** Create `partitions/<p>/state` (and missing parents) for new partitions. */
export interface CreatePartitionStatesOp extends FencedWrite {
  readonly op: 'createPartitionStates';
  readonly states: readonly {
    readonly partition: TopicPartition;
    readonly state: LeaderIsrAndControllerEpoch;
  }[];
}
/** Conditional setData of each state znode, expected version = leaderAndIsr.zkVersion. */
export interface UpdatePartitionStatesOp extends FencedWrite {
  readonly op: 'updatePartitionStates';
  readonly controllerEpoch: number;
  readonly updates: readonly { readonly partition: TopicPartition; readonly leaderAndIsr: LeaderAndIsr }[];
}
/** Delete /brokers/topics/<t> (recursively), /config/topics/<t> and /admin/delete_topics/<t>. */
export interface DeleteTopicOp extends FencedWrite {
  readonly op: 'deleteTopic';
  readonly topic: string;
}
/** Delete /admin/delete_topics/<t> for these topics. */
export interface DeleteTopicDeletionsOp extends FencedWrite {
  readonly op: 'deleteTopicDeletions';
  readonly topics: readonly string[];
}
/** Delete isr_change_<seq> nodes; `all` = every pending one. */
export interface DeleteIsrChangeNotificationsOp extends FencedWrite {
  readonly op: 'deleteIsrChangeNotifications';
  readonly sequenceNumbers: readonly string[] | 'all';
}
export interface DeleteLogDirEventNotificationsOp extends FencedWrite {
  readonly op: 'deleteLogDirEventNotifications';
}
export interface DeletePreferredReplicaElectionOp extends FencedWrite {
  readonly op: 'deletePreferredReplicaElection';
}

export type ZkReadOp =
  | ReadClusterSnapshotOp
  | GetPartitionStatesOp
  | GetTopicAssignmentsOp
  | GetTopicConfigsOp
  | GetIsrChangeNotificationsOp;

export type ZkWriteOp =
  | CreatePartitionStatesOp
  | UpdatePartitionStatesOp
  | DeleteTopicOp
  | DeleteTopicDeletionsOp
  | DeleteIsrChangeNotificationsOp
  | DeleteLogDirEventNotificationsOp
  | DeletePreferredReplicaElectionOp;

export type ZkOp = ZkReadOp | ZkWriteOp;

export function isWriteOp(op: ZkOp): op is ZkWriteOp {
  return 'expectedControllerEpochZkVersion' in op;
}

// ───────────────────────── results ─────────────────────────

export type PartitionWriteResult =
  | { readonly ok: true; /** the znode's data version after the write */ readonly zkVersion: number }
  | { readonly ok: false; readonly error: ZkErrorName };

export type ZkOpResult =
  | { readonly kind: 'readClusterSnapshot'; readonly snapshot: ClusterSnapshot }
  | {
      readonly kind: 'getPartitionStates';
      /** `topic-partition` → state, or undefined when the state znode does not exist. */
      readonly states: ReadonlyMap<string, LeaderIsrAndControllerEpoch | undefined>;
    }
  | {
      readonly kind: 'getTopicAssignments';
      readonly assignments: ReadonlyMap<string, ReadonlyMap<number, ReplicaAssignment>>;
    }
  | { readonly kind: 'getTopicConfigs'; readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>> }
  | { readonly kind: 'getIsrChangeNotifications'; readonly partitions: readonly TopicPartition[] }
  | { readonly kind: 'createPartitionStates'; readonly results: ReadonlyMap<string, PartitionWriteResult> }
  | { readonly kind: 'updatePartitionStates'; readonly results: ReadonlyMap<string, PartitionWriteResult> }
  | { readonly kind: 'done' }
  /** The fencing check on /controller_epoch failed: another broker is controller. */
  | { readonly kind: 'controller-moved' }
  /** The operation failed as a whole (after the shell's retries). */
  | { readonly kind: 'error'; readonly message: string };
