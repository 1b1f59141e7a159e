// The client's picture of the cluster, built from Metadata responses: brokers (id → host:port), the
// controller, and per topic its partitions with leader, leader epoch, replicas and ISR. No I/O here: the
// Cluster (cluster.ts) fetches Metadata and calls `update`.

import type { ResponseBody } from '../protocol/registry.ts';
import type { ApiKey } from '../protocol/api-keys.ts';

export interface BrokerInfo {
  nodeId: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionInfo {
  partition: number;
  /** -1 while the partition has no leader (an election is under way). */
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  /** The partition-level error code from the last Metadata response (0 = none). */
  errorCode: number;
}

export interface TopicInfo {
  name: string;
  topicId: string;
  isInternal: boolean;
  /** Sorted by partition index. */
  partitions: PartitionInfo[];
}

export type MetadataResponse = ResponseBody<typeof ApiKey.Metadata>;

export class MetadataCache {
  brokers = new Map<number, BrokerInfo>();
  controllerId = -1;
  clusterId: string | null = null;
  /** Topics known to exist, by name. */
  readonly topics = new Map<string, TopicInfo>();
  /** Topics the last response said something is wrong with (UNKNOWN_TOPIC_OR_PARTITION, LEADER_NOT_AVAILABLE, …). */
  readonly topicErrors = new Map<string, number>();
  /** Date.now() of the last successful update (0 = never). */
  updatedAt = 0;
  /** Bumped on every update, so callers can tell whether a refresh happened. */
  version = 0;

  /**
   * Applies a Metadata response. `requested` is the topic list that was asked for (null = all topics):
   * with null, topics missing from the answer are forgotten (deleted); otherwise only the answered
   * topics change.
   */
  update(response: MetadataResponse, requested: readonly string[] | null, now: number): void {
    this.brokers = new Map(
      response.brokers.map((broker) => [
        broker.nodeId,
        { nodeId: broker.nodeId, host: broker.host, port: broker.port, rack: broker.rack },
      ]),
    );
    this.controllerId = response.controllerId;
    this.clusterId = response.clusterId;
    if (requested === null) this.topics.clear();
    for (const topic of response.topics) {
      if (topic.name === null) continue;
      if (topic.errorCode !== 0) {
        this.topicErrors.set(topic.name, topic.errorCode);
        // UNKNOWN_TOPIC_OR_PARTITION / INVALID_TOPIC: the topic is gone; LEADER_NOT_AVAILABLE: still creating.
        this.topics.delete(topic.name);
        continue;
      }
      this.topicErrors.delete(topic.name);
      const partitions: PartitionInfo[] = topic.partitions
        .map((partition) => ({
          partition: partition.partitionIndex,
          leader: partition.leaderId,
          leaderEpoch: partition.leaderEpoch,
          replicas: partition.replicaNodes,
          isr: partition.isrNodes,
          offlineReplicas: partition.offlineReplicas,
          errorCode: partition.errorCode,
        }))
        .sort((a, b) => a.partition - b.partition);
      this.topics.set(topic.name, {
        name: topic.name,
        topicId: topic.topicId,
        isInternal: topic.isInternal,
        partitions,
      });
    }
    this.updatedAt = now;
    this.version++;
  }

  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.partitions.length;
  }

  /** The leader's broker id, or undefined when unknown or leaderless. */
  leaderFor(topic: string, partition: number): number | undefined {
    const info = this.topics.get(topic)?.partitions[partition];
    if (info === undefined || info.partition !== partition || info.leader < 0) return undefined;
    return info.leader;
  }

  leaderEpochFor(topic: string, partition: number): number {
    return this.topics.get(topic)?.partitions[partition]?.leaderEpoch ?? -1;
  }

  /** Partitions of `topic` that have a leader right now (the "available" partitions of Java's partitioners). */
  availablePartitions(topic: string): number[] {
    const info = this.topics.get(topic);
    if (!info) return [];
    return info.partitions
      .filter((partition) => partition.leader >= 0)
      .map((partition) => partition.partition);
  }

  broker(nodeId: number): BrokerInfo | undefined {
    return this.brokers.get(nodeId);
  }
}
