// ControllerBrokerRequestBatch: collects the LeaderAndIsr, UpdateMetadata and StopReplica requests one
// state-machine step produces, then builds them per broker (Kafka's class of the same name).
//
//   * Adding LeaderAndIsr for a partition also adds it to the UpdateMetadata for every live broker.
//   * UpdateMetadata carries the partition's current leader/ISR from the context; for a topic queued for
//     deletion the leader is −2 (LeaderDuringDelete) with epoch 0 and zkVersion 0, so brokers stop
//     serving it. Offline replicas (brokers not live, or shutting down) are listed.
//   * StopReplica is split per broker into one request with deletePartitions=true and one without.
//   * Only registered (live or shutting-down) brokers get requests; each carries that broker's epoch.
//   * Build order: LeaderAndIsr, then UpdateMetadata, then StopReplica; brokers in id order.
//
// Pure: no I/O.

import { assert } from '../../client/common/assert.ts';
import type { ControllerContext } from './controller-context.ts';
import {
  SECURITY_PROTOCOL_IDS,
  type ControllerRequest,
  type LeaderAndIsrPartitionState,
  type UpdateMetadataBroker,
  type UpdateMetadataPartitionState,
} from './requests.ts';
import {
  compareTopicPartitions,
  LEADER_DURING_DELETE,
  topicPartitionKey,
  type LeaderIsrAndControllerEpoch,
  type ReplicaAssignment,
  type TopicPartition,
} from './types.ts';

export class ControllerBrokerRequestBatch {
  private readonly controllerId: number;
  private readonly context: ControllerContext;
  private readonly interBrokerListenerName: string;
  private readonly leaderAndIsr = new Map<number, Map<string, LeaderAndIsrPartitionState>>();
  private readonly stopReplica = new Map<number, { partition: TopicPartition; deletePartition: boolean }[]>();
  private readonly updateMetadataBrokers = new Set<number>();
  private readonly updateMetadataPartitions = new Map<
    string,
    { partition: TopicPartition; state: UpdateMetadataPartitionState }
  >();

  constructor(controllerId: number, context: ControllerContext, interBrokerListenerName: string) {
    this.controllerId = controllerId;
    this.context = context;
    this.interBrokerListenerName = interBrokerListenerName;
  }

  newBatch(): void {
    assert(
      this.leaderAndIsr.size === 0 && this.stopReplica.size === 0 && this.updateMetadataBrokers.size === 0,
      'ControllerBrokerRequestBatch: a new batch was started before the previous one was sent',
    );
  }

  addLeaderAndIsrRequestForBrokers(
    brokerIds: readonly number[],
    partition: TopicPartition,
    state: LeaderIsrAndControllerEpoch,
    assignment: ReplicaAssignment,
    isNew: boolean,
  ): void {
    const key = topicPartitionKey(partition);
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      let forBroker = this.leaderAndIsr.get(brokerId);
      if (forBroker === undefined) {
        forBroker = new Map();
        this.leaderAndIsr.set(brokerId, forBroker);
      }
      const alreadyNew = forBroker.get(key)?.isNew ?? false;
      forBroker.set(key, {
        topicName: partition.topic,
        partitionIndex: partition.partition,
        controllerEpoch: state.controllerEpoch,
        leader: state.leaderAndIsr.leader,
        leaderEpoch: state.leaderAndIsr.leaderEpoch,
        isr: [...state.leaderAndIsr.isr],
        zkVersion: state.leaderAndIsr.zkVersion,
        replicas: [...assignment.replicas],
        addingReplicas: [...assignment.addingReplicas],
        removingReplicas: [...assignment.removingReplicas],
        isNew: isNew || alreadyNew,
      });
    }
    this.addUpdateMetadataRequestForBrokers(this.context.liveOrShuttingDownBrokerIds(), [partition]);
  }

  addUpdateMetadataRequestForBrokers(
    brokerIds: readonly number[],
    partitions: readonly TopicPartition[],
  ): void {
    for (const brokerId of brokerIds) if (brokerId >= 0) this.updateMetadataBrokers.add(brokerId);
    for (const partition of partitions) {
      const info = this.context.leadershipInfo(partition);
      if (info === undefined) continue; // leader not assigned yet: nothing to say
      const replicas = this.context.partitionReplicaAssignment(partition);
      const offlineReplicas = replicas.filter((id) => !this.context.isReplicaOnline(id, partition));
      const beingDeleted = this.context.isTopicQueuedUpForDeletion(partition.topic);
      const leaderAndIsr = beingDeleted
        ? { leader: LEADER_DURING_DELETE, leaderEpoch: 0, isr: info.leaderAndIsr.isr, zkVersion: 0 }
        : info.leaderAndIsr;
      this.updateMetadataPartitions.set(topicPartitionKey(partition), {
        partition,
        state: {
          topicName: partition.topic,
          partitionIndex: partition.partition,
          controllerEpoch: info.controllerEpoch,
          leader: leaderAndIsr.leader,
          leaderEpoch: leaderAndIsr.leaderEpoch,
          isr: [...leaderAndIsr.isr],
          zkVersion: leaderAndIsr.zkVersion,
          replicas: [...replicas],
          offlineReplicas,
        },
      });
    }
  }

  addStopReplicaRequestForBrokers(
    brokerIds: readonly number[],
    partition: TopicPartition,
    deletePartition: boolean,
  ): void {
    for (const brokerId of brokerIds) {
      if (brokerId < 0) continue;
      const list = this.stopReplica.get(brokerId) ?? [];
      list.push({ partition, deletePartition });
      this.stopReplica.set(brokerId, list);
    }
  }

  /** Builds the requests of this batch and clears it. */
  sendRequestsToBrokers(controllerEpoch: number): ControllerRequest[] {
    const requests: ControllerRequest[] = [];
    const registered = new Set(this.context.liveOrShuttingDownBrokerIds());
    const brokers = this.context.liveOrShuttingDownBrokers;

    for (const brokerId of [...this.leaderAndIsr.keys()].sort((a, b) => a - b)) {
      const states = this.leaderAndIsr.get(brokerId) as Map<string, LeaderAndIsrPartitionState>;
      if (!registered.has(brokerId)) continue;
      const partitionStates = [...states.values()].sort((a, b) =>
        compareTopicPartitions(
          { topic: a.topicName, partition: a.partitionIndex },
          { topic: b.topicName, partition: b.partitionIndex },
        ),
      );
      const leaderIds = new Set(partitionStates.map((s) => s.leader));
      const liveLeaders = brokers
        .filter((b) => leaderIds.has(b.id))
        .map((b) => {
          const endPoint =
            b.endPoints.find((e) => e.listenerName === this.interBrokerListenerName) ?? b.endPoints[0];
          return { brokerId: b.id, hostName: endPoint?.host ?? '', port: endPoint?.port ?? -1 };
        });
      requests.push({
        type: 'LeaderAndIsr',
        apiKey: 4,
        brokerId,
        controllerId: this.controllerId,
        controllerEpoch,
        brokerEpoch: this.context.brokerEpoch(brokerId) as bigint,
        partitionStates,
        liveLeaders,
      });
    }
    this.leaderAndIsr.clear();

    if (this.updateMetadataBrokers.size > 0) {
      const partitionStates = [...this.updateMetadataPartitions.values()]
        .sort((a, b) => compareTopicPartitions(a.partition, b.partition))
        .map((entry) => entry.state);
      const liveBrokers: UpdateMetadataBroker[] = brokers.map((b) => ({
        id: b.id,
        endpoints: b.endPoints.map((e) => ({
          port: e.port,
          host: e.host,
          listener: e.listenerName,
          securityProtocol: SECURITY_PROTOCOL_IDS[e.securityProtocol] ?? 0,
        })),
        rack: b.rack ?? null,
      }));
      for (const brokerId of [...this.updateMetadataBrokers].sort((a, b) => a - b)) {
        if (!registered.has(brokerId)) continue;
        requests.push({
          type: 'UpdateMetadata',
          apiKey: 6,
          brokerId,
          controllerId: this.controllerId,
          controllerEpoch,
          brokerEpoch: this.context.brokerEpoch(brokerId) as bigint,
          partitionStates,
          liveBrokers,
        });
      }
    }
    this.updateMetadataBrokers.clear();
    this.updateMetadataPartitions.clear();

    for (const brokerId of [...this.stopReplica.keys()].sort((a, b) => a - b)) {
      const list = this.stopReplica.get(brokerId) as {
        partition: TopicPartition;
        deletePartition: boolean;
      }[];
      if (!registered.has(brokerId)) continue;
      for (const deletePartitions of [true, false]) {
        const partitions = list.filter((r) => r.deletePartition === deletePartitions).map((r) => r.partition);
        if (partitions.length === 0) continue;
        requests.push({
          type: 'StopReplica',
          apiKey: 5,
          brokerId,
          controllerId: this.controllerId,
          controllerEpoch,
          brokerEpoch: this.context.brokerEpoch(brokerId) as bigint,
          deletePartitions,
          partitions,
        });
      }
    }
    this.stopReplica.clear();
    return requests;
  }
}
