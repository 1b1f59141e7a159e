// Controller → broker requests (shared/reference/kafka-zk-era.md §2.10), as plain data with Kafka's field
// names (LeaderAndIsrRequest.json, UpdateMetadataRequest.json, StopReplicaRequest.json, camelCased).
// The broker's network layer encodes them; the receiving broker checks controllerEpoch and brokerEpoch.
//
// Pure: no I/O.

import type { TopicPartition } from './types.ts';

/** Kafka's security protocol ids, as UpdateMetadata carries them. */
export const SECURITY_PROTOCOL_IDS: Readonly<Record<string, number>> = {
  PLAINTEXT: 0,
  SSL: 1,
  SASL_PLAINTEXT: 2,
  SASL_SSL: 3,
};

export interface LeaderAndIsrPartitionState {
  readonly topicName: string;
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
  readonly replicas: readonly number[];
  readonly addingReplicas: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly isNew: boolean;
}

export interface LeaderAndIsrLiveLeader {
  readonly brokerId: number;
  readonly hostName: string;
  readonly port: number;
}

/** LeaderAndIsr (API key 4): become leader or follower for these partitions. */
export interface LeaderAndIsrRequest {
  readonly type: 'LeaderAndIsr';
  readonly apiKey: 4;
  /** Destination broker. */
  readonly brokerId: number;
  readonly controllerId: number;
  readonly controllerEpoch: number;
  /** The destination's broker epoch (czxid of its registration) when the request was built. */
  readonly brokerEpoch: bigint;
  readonly partitionStates: readonly LeaderAndIsrPartitionState[];
  readonly liveLeaders: readonly LeaderAndIsrLiveLeader[];
}

export interface UpdateMetadataPartitionState {
  readonly topicName: string;
  readonly partitionIndex: number;
  readonly controllerEpoch: number;
  /** −2 while the topic is being deleted. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: readonly number[];
  readonly zkVersion: number;
  readonly replicas: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface UpdateMetadataEndpoint {
  readonly port: number;
  readonly host: string;
  readonly listener: string;
  readonly securityProtocol: number;
}

export interface UpdateMetadataBroker {
  readonly id: number;
  readonly endpoints: readonly UpdateMetadataEndpoint[];
  readonly rack: string | null;
}

/** UpdateMetadata (API key 6): the cluster as the controller sees it. */
export interface UpdateMetadataRequest {
  readonly type: 'UpdateMetadata';
  readonly apiKey: 6;
  readonly brokerId: number;
  readonly controllerId: number;
  readonly controllerEpoch: number;
  readonly brokerEpoch: bigint;
  readonly partitionStates: readonly UpdateMetadataPartitionState[];
  readonly liveBrokers: readonly UpdateMetadataBroker[];
}

/** StopReplica (API key 5): stop fetching/serving these partitions; delete their logs if `deletePartitions`. */
export interface StopReplicaRequest {
  readonly type: 'StopReplica';
  readonly apiKey: 5;
  readonly brokerId: number;
  readonly controllerId: number;
  readonly controllerEpoch: number;
  readonly brokerEpoch: bigint;
  readonly deletePartitions: boolean;
  readonly partitions: readonly TopicPartition[];
}

export type ControllerRequest = LeaderAndIsrRequest | UpdateMetadataRequest | StopReplicaRequest;
