// MetadataCache: what this broker knows of the cluster, as the controller last told it in UpdateMetadata
// (live brokers and their endpoints, every partition's leader/ISR/replicas, the controller's id). Metadata
// requests are answered from here, never from ZooKeeper, exactly as in ZooKeeper-era Kafka.
import type { RequestBody } from '../../client/protocol/index.ts';

export interface BrokerEndpoint {
  id: number;
  host: string;
  port: number;
  rack: string | null;
}

export interface PartitionMetadata {
  topic: string;
  partition: number;
  /** -1 while offline; -2 (LeaderDuringDelete) marks a partition being deleted. */
  leader: number;
  leaderEpoch: number;
  isr: number[];
  replicas: number[];
  offlineReplicas: number[];
  zkVersion: number;
  controllerEpoch: number;
}

/** UpdateMetadata's marker for "this partition's topic is being deleted". */
export const LEADER_DURING_DELETE = -2;

/** A live broker as UpdateMetadata described it: every listener's end point (Kafka's MetadataBroker). */
interface CachedBroker {
  readonly id: number;
  readonly rack: string | null;
  /** By listener name (UpdateMetadata v3+ names them). */
  readonly endpoints: ReadonlyMap<string, { host: string; port: number }>;
  /** Without a listener name: the first PLAINTEXT end point (what pre-v3 requests carry). */
  readonly fallback: { host: string; port: number } | undefined;
}

export class MetadataCache {
  readonly brokerId: number;
  controllerId = -1;
  controllerEpoch = -1;
  private brokers = new Map<number, CachedBroker>();
  private readonly topics = new Map<string, Map<number, PartitionMetadata>>();

  constructor(brokerId: number) {
    this.brokerId = brokerId;
  }

  /** Apply an UpdateMetadata request; returns the partitions whose topic is being deleted. */
  update(body: RequestBody<6>): PartitionMetadata[] {
    this.controllerId = body.controllerId;
    this.controllerEpoch = body.controllerEpoch;
    const brokers = new Map<number, CachedBroker>();
    for (const broker of body.liveBrokers) {
      const endpoints = new Map<string, { host: string; port: number }>();
      for (const e of broker.endpoints) {
        if (e.listener) endpoints.set(e.listener.toUpperCase(), { host: e.host, port: e.port });
      }
      const fallback = broker.endpoints.find((e) => e.securityProtocol === 0) ?? broker.endpoints[0];
      brokers.set(broker.id, {
        id: broker.id,
        rack: broker.rack,
        endpoints,
        fallback: fallback === undefined ? undefined : { host: fallback.host, port: fallback.port },
      });
    }
    this.brokers = brokers;
    const deleted: PartitionMetadata[] = [];
    for (const topicState of body.topicStates) {
      for (const state of topicState.partitionStates) {
        const metadata: PartitionMetadata = {
          topic: topicState.topicName,
          partition: state.partitionIndex,
          leader: state.leader,
          leaderEpoch: state.leaderEpoch,
          isr: [...state.isr],
          replicas: [...state.replicas],
          offlineReplicas: [...state.offlineReplicas],
          zkVersion: state.zkVersion,
          controllerEpoch: state.controllerEpoch,
        };
        if (state.leader === LEADER_DURING_DELETE) {
          this.removePartition(metadata.topic, metadata.partition);
          deleted.push(metadata);
          continue;
        }
        let partitions = this.topics.get(metadata.topic);
        if (!partitions) {
          partitions = new Map();
          this.topics.set(metadata.topic, partitions);
        }
        partitions.set(metadata.partition, metadata);
      }
    }
    return deleted;
  }

  private removePartition(topic: string, partition: number): void {
    const partitions = this.topics.get(topic);
    partitions?.delete(partition);
    if (partitions?.size === 0) this.topics.delete(topic);
  }

  /**
   * The live brokers with their end points on `listenerName` (Kafka's getAliveEndpoints, KIP-103: a client
   * hears of the listener it connected to). A broker without that listener is left out; without a listener
   * name (or from a pre-v3 UpdateMetadata, which names none) each broker's first PLAINTEXT end point.
   */
  aliveBrokers(listenerName?: string): BrokerEndpoint[] {
    return [...this.brokers.keys()]
      .sort((a, b) => a - b)
      .map((id) => this.broker(id, listenerName))
      .filter((b) => b !== undefined);
  }

  broker(id: number, listenerName?: string): BrokerEndpoint | undefined {
    const broker = this.brokers.get(id);
    if (broker === undefined) return undefined;
    const endpoint =
      listenerName === undefined || broker.endpoints.size === 0
        ? broker.fallback
        : broker.endpoints.get(listenerName.toUpperCase());
    if (endpoint === undefined) return undefined;
    return { id, host: endpoint.host, port: endpoint.port, rack: broker.rack };
  }

  topicNames(): string[] {
    return [...this.topics.keys()].sort();
  }

  hasTopic(topic: string): boolean {
    return this.topics.has(topic);
  }

  partitionsOf(topic: string): PartitionMetadata[] {
    return [...(this.topics.get(topic)?.values() ?? [])].sort((a, b) => a.partition - b.partition);
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    return this.topics.get(topic)?.get(partition);
  }
}
