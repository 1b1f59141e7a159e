// The Admin client: topics, partitions, configs, groups and offsets/lag.
//
//   const admin = new Admin({ brokers });
//   await admin.createTopics({ topics: [{ name: 'orders', numPartitions: 6, replicationFactor: 3 }] });
//   await admin.describeTopics(['orders']);
//   await admin.groupLag('billing');           // per partition: committed, log end, lag
//   await admin.close();
//
// Where requests go (kafka-clients.md "Admin"): CreateTopics, DeleteTopics and CreatePartitions to the
// controller (NOT_CONTROLLER → refresh metadata, retry); DescribeGroups and OffsetFetch to the group's
// coordinator; ListGroups to every broker (each lists only the groups it coordinates); ListOffsets to each
// partition's leader; Metadata and DescribeConfigs (topics) to any broker, broker configs to that broker.

import { guardListener } from '../network/guard-listener.ts';
import { ApiKey } from '../protocol/api-keys.ts';
import { ZERO_UUID } from '../protocol/binary.ts';
import { ErrorCode, errorName } from '../protocol/error-codes.ts';
import { Cluster, type ClusterEvent } from '../network/cluster.ts';
import type { Connection } from '../network/connection.ts';
import { KafkaClientError, KafkaProtocolError, isRetriableError } from '../network/errors.ts';
import type { BrokerInfo } from '../network/metadata.ts';
import type { TopicPartition } from '../consumer/assignors/types.ts';
import { decodeAssignment, decodeSubscription } from '../consumer/consumer-protocol.ts';
import { listOffsets } from '../consumer/fetcher.ts';

export interface AdminOptions {
  brokers: readonly string[] | string;
  clientId?: string;
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  retryBackoffMs?: number;
  /** Retries of NOT_CONTROLLER / NOT_COORDINATOR / connection errors (default 5). */
  retries?: number;
  onNetworkEvent?: (event: ClusterEvent) => void;
  cluster?: Cluster;
}

/** Per-item outcome of a batch admin call: `error` is the Kafka error name (null = success). */
export interface AdminResult {
  name: string;
  errorCode: number;
  error: string | null;
  errorMessage: string | null;
}

export interface NewTopic {
  name: string;
  /** -1 (or omitted) = the broker default (num.partitions), CreateTopics v4+. */
  numPartitions?: number;
  /** -1 (or omitted) = the broker default (default.replication.factor), CreateTopics v4+. */
  replicationFactor?: number;
  /** Explicit replica lists per partition (then numPartitions/replicationFactor are -1). */
  replicaAssignment?: readonly (readonly number[])[];
  configs?: Record<string, string>;
}

export interface PartitionDescription {
  partition: number;
  leader: number;
  leaderEpoch: number;
  replicas: number[];
  isr: number[];
  offlineReplicas: number[];
  errorCode: number;
}

export interface TopicDescription {
  name: string;
  topicId: string;
  isInternal: boolean;
  partitions: PartitionDescription[];
  errorCode: number;
  error: string | null;
}

export interface ClusterDescription {
  clusterId: string | null;
  controllerId: number;
  brokers: BrokerInfo[];
}

export type ConfigResourceType = 'topic' | 'broker';

export interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  /** Kafka's ConfigSource: 1 topic, 2 dynamic broker, 4 static broker, 5 default, … (-1 unknown). */
  source: number;
  isSensitive: boolean;
  /** Where the value could come from, highest precedence first (with includeSynonyms; v1+). */
  synonyms: { name: string; value: string | null; source: number }[];
}

export interface ConfigDescription {
  type: ConfigResourceType;
  name: string;
  errorCode: number;
  error: string | null;
  configs: ConfigEntry[];
}

export interface GroupListing {
  groupId: string;
  protocolType: string;
  state: string | null;
  coordinatorId: number;
}

export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  /** Decoded from the ConsumerProtocol Subscription (consumer groups only). */
  subscription: string[];
  /** Decoded from the ConsumerProtocol Assignment (consumer groups only). */
  assignment: TopicPartition[];
}

export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The chosen assignor, e.g. "range". */
  protocol: string;
  coordinatorId: number;
  members: GroupMemberDescription[];
  errorCode: number;
  error: string | null;
}

export interface PartitionOffsets {
  topic: string;
  partition: number;
  /** Log start offset (ListOffsets -2). */
  earliest: bigint;
  /** High watermark (ListOffsets -1). */
  latest: bigint;
}

export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** -1n = nothing committed. */
  committedOffset: bigint;
  logEndOffset: bigint;
  /** logEndOffset - committed (or - log start when nothing is committed). */
  lag: bigint;
  metadata: string | null;
  /** The member currently assigned the partition, if the group is active. */
  memberId: string | null;
  clientId: string | null;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

const RESOURCE_TYPES: Record<ConfigResourceType, number> = { topic: 2, broker: 4 };

function result(name: string, errorCode: number, errorMessage: string | null = null): AdminResult {
  return { name, errorCode, error: errorCode === 0 ? null : errorName(errorCode), errorMessage };
}

export class Admin {
  readonly cluster: Cluster;
  private readonly ownsCluster: boolean;
  private readonly retries: number;
  private readonly retryBackoffMs: number;
  private readonly requestTimeoutMs: number;

  constructor(options: AdminOptions) {
    this.cluster =
      options.cluster ??
      new Cluster({
        brokers: options.brokers,
        clientId: options.clientId ?? 'kzlab-admin',
        ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
        ...(options.connectTimeoutMs === undefined ? {} : { connectTimeoutMs: options.connectTimeoutMs }),
        retryBackoffMs: options.retryBackoffMs ?? 100,
        allowAutoTopicCreation: false,
        ...(options.onNetworkEvent
          ? { onEvent: guardListener(options.onNetworkEvent, 'Admin onNetworkEvent') }
          : {}),
      });
    this.ownsCluster = options.cluster === undefined;
    this.retries = options.retries ?? 5;
    this.retryBackoffMs = options.retryBackoffMs ?? 100;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
  }

  async connect(): Promise<void> {
    await this.cluster.connect();
  }

  async close(): Promise<void> {
    if (this.ownsCluster) this.cluster.close();
  }

  /**
   * Runs `attempt` against the controller; retries when it answers NOT_CONTROLLER for every item (the
   * controller moved) or the connection fails.
   */
  private async withController<T>(
    attempt: (connection: Connection) => Promise<{ value: T; notController: boolean }>,
  ): Promise<T> {
    let lastError: unknown = null;
    for (let round = 0; round <= this.retries; round++) {
      try {
        const connection = await this.cluster.controllerConnection();
        const { value, notController } = await attempt(connection);
        if (!notController) return value;
        lastError = new KafkaProtocolError(ErrorCode.NOT_CONTROLLER);
      } catch (error) {
        if (!isRetriableError(error)) throw error;
        lastError = error;
      }
      await sleep(this.retryBackoffMs);
      await this.cluster.refreshMetadata().catch(() => {});
    }
    throw lastError;
  }

  // ------------------------------------------------------------------------------------------------
  // Topics

  async listTopics(options: { includeInternal?: boolean } = {}): Promise<string[]> {
    const response = await this.cluster.fetchMetadata(null);
    return response.topics
      .filter(
        (topic) =>
          topic.errorCode === 0 && topic.name !== null && (options.includeInternal || !topic.isInternal),
      )
      .map((topic) => topic.name!)
      .sort();
  }

  /** Creates topics (on the controller), then by default waits until every partition has a leader. */
  async createTopics(options: {
    topics: readonly NewTopic[];
    validateOnly?: boolean;
    timeoutMs?: number;
    waitForLeaders?: boolean;
  }): Promise<AdminResult[]> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const results = await this.withController(async (connection) => {
      const response = await connection.request(ApiKey.CreateTopics, (version) => ({
        topics: options.topics.map((topic) => {
          const explicit = topic.replicaAssignment !== undefined && topic.replicaAssignment.length > 0;
          const fallback = version >= 4 ? -1 : 1;
          return {
            name: topic.name,
            numPartitions: explicit ? -1 : (topic.numPartitions ?? fallback),
            replicationFactor: explicit ? -1 : (topic.replicationFactor ?? fallback),
            assignments: explicit
              ? topic.replicaAssignment!.map((brokerIds, partitionIndex) => ({
                  partitionIndex,
                  brokerIds: [...brokerIds],
                }))
              : [],
            configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
          };
        }),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      }));
      const value = response.topics.map((topic) => result(topic.name, topic.errorCode, topic.errorMessage));
      return {
        value,
        notController: value.length > 0 && value.every((r) => r.errorCode === ErrorCode.NOT_CONTROLLER),
      };
    });
    const created = results.filter((r) => r.errorCode === 0).map((r) => r.name);
    if (created.length > 0 && !options.validateOnly && (options.waitForLeaders ?? true)) {
      await this.waitForTopics(created, timeoutMs);
    }
    return results;
  }

  /** Polls Metadata until every partition of `topics` has a leader. */
  async waitForTopics(topics: readonly string[], timeoutMs = this.requestTimeoutMs): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const response = await this.cluster.fetchMetadata(topics);
      const ready = topics.every((name) => {
        const topic = response.topics.find((t) => t.name === name);
        return (
          topic !== undefined &&
          topic.errorCode === 0 &&
          topic.partitions.length > 0 &&
          topic.partitions.every((p) => p.leaderId >= 0)
        );
      });
      if (ready) return;
      if (Date.now() >= deadline) {
        throw new KafkaClientError(
          'KZ_ERR_METADATA',
          `topics ${topics.join(', ')} have no leaders after ${timeoutMs} ms`,
          { retriable: true },
        );
      }
      await sleep(this.retryBackoffMs);
    }
  }

  /** Deletes topics (on the controller), then by default waits until Metadata no longer lists them. */
  async deleteTopics(options: {
    topics: readonly string[];
    timeoutMs?: number;
    waitForDeletion?: boolean;
  }): Promise<AdminResult[]> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const results = await this.withController(async (connection) => {
      const response = await connection.request(ApiKey.DeleteTopics, (version) =>
        version >= 6
          ? { topics: options.topics.map((name) => ({ name, topicId: ZERO_UUID })), timeoutMs }
          : { topicNames: [...options.topics], timeoutMs },
      );
      const value = response.responses.map((topic) =>
        result(topic.name ?? '', topic.errorCode, topic.errorMessage),
      );
      return {
        value,
        notController: value.length > 0 && value.every((r) => r.errorCode === ErrorCode.NOT_CONTROLLER),
      };
    });
    const deleted = results.filter((r) => r.errorCode === 0).map((r) => r.name);
    if (deleted.length > 0 && (options.waitForDeletion ?? true)) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const response = await this.cluster.fetchMetadata(deleted);
        if (response.topics.every((topic) => topic.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)) break;
        if (Date.now() >= deadline) break;
        await sleep(this.retryBackoffMs);
      }
    }
    return results;
  }

  /** Topic metadata: partitions with leader, replicas and ISR (all topics when `topics` is omitted). */
  async describeTopics(topics?: readonly string[]): Promise<TopicDescription[]> {
    const response = await this.cluster.fetchMetadata(topics ?? null);
    return response.topics
      .filter((topic) => topic.name !== null)
      .map((topic) => ({
        name: topic.name!,
        topicId: topic.topicId,
        isInternal: topic.isInternal,
        errorCode: topic.errorCode,
        error: topic.errorCode === 0 ? null : errorName(topic.errorCode),
        partitions: topic.partitions
          .map((partition) => ({
            partition: partition.partitionIndex,
            leader: partition.leaderId,
            leaderEpoch: partition.leaderEpoch,
            replicas: partition.replicaNodes,
            isr: partition.isrNodes,
            offlineReplicas: partition.offlineReplicas,
            errorCode: partition.errorCode,
          }))
          .sort((a, b) => a.partition - b.partition),
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async describeCluster(): Promise<ClusterDescription> {
    await this.cluster.fetchMetadata([]);
    const metadata = this.cluster.metadata;
    return {
      clusterId: metadata.clusterId,
      controllerId: metadata.controllerId,
      brokers: [...metadata.brokers.values()].sort((a, b) => a.nodeId - b.nodeId),
    };
  }

  /** Raises topics' partition counts (never lowers them); `assignments` lists replicas for the new ones. */
  async createPartitions(options: {
    topics: readonly { name: string; count: number; assignments?: readonly (readonly number[])[] }[];
    validateOnly?: boolean;
    timeoutMs?: number;
  }): Promise<AdminResult[]> {
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const results = await this.withController(async (connection) => {
      const response = await connection.request(ApiKey.CreatePartitions, {
        topics: options.topics.map(({ name, count, assignments }) => ({
          name,
          count,
          assignments: assignments ? assignments.map((brokerIds) => ({ brokerIds: [...brokerIds] })) : null,
        })),
        timeoutMs,
        validateOnly: options.validateOnly ?? false,
      });
      const value = response.results.map((topic) => result(topic.name, topic.errorCode, topic.errorMessage));
      return {
        value,
        notController: value.length > 0 && value.every((r) => r.errorCode === ErrorCode.NOT_CONTROLLER),
      };
    });
    await this.cluster.refreshMetadata().catch(() => {});
    return results;
  }

  /** DescribeConfigs: topic configs from any broker, a broker's configs from that broker. */
  async describeConfigs(options: {
    resources: readonly { type: ConfigResourceType; name: string; configNames?: readonly string[] }[];
    includeSynonyms?: boolean;
  }): Promise<ConfigDescription[]> {
    const out: ConfigDescription[] = [];
    const groups = new Map<string, (typeof options.resources)[number][]>();
    for (const resource of options.resources) {
      const target = resource.type === 'broker' ? `broker:${resource.name}` : 'any';
      let list = groups.get(target);
      if (!list) {
        list = [];
        groups.set(target, list);
      }
      list.push(resource);
    }
    for (const [target, resources] of groups) {
      const connection =
        target === 'any'
          ? await this.cluster.anyConnection()
          : await this.cluster.connectionTo(Number(target.slice('broker:'.length)));
      const response = await connection.request(ApiKey.DescribeConfigs, {
        resources: resources.map((resource) => ({
          resourceType: RESOURCE_TYPES[resource.type],
          resourceName: resource.name,
          configurationKeys: resource.configNames ? [...resource.configNames] : null,
        })),
        includeSynonyms: options.includeSynonyms ?? false,
        includeDocumentation: false,
      });
      for (const item of response.results) {
        out.push({
          type: item.resourceType === 4 ? 'broker' : 'topic',
          name: item.resourceName,
          errorCode: item.errorCode,
          error: item.errorCode === 0 ? null : errorName(item.errorCode),
          configs: item.configs.map((config) => ({
            name: config.name,
            value: config.value,
            readOnly: config.readOnly,
            isDefault: config.configSource === 5 || config.isDefault,
            source: config.configSource,
            isSensitive: config.isSensitive,
            synonyms: (config.synonyms ?? []).map((s) => ({
              name: s.name,
              value: s.value,
              source: s.source,
            })),
          })),
        });
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------------
  // Groups

  /** ListGroups on every broker (each knows only the groups it coordinates), concatenated. */
  async listGroups(): Promise<GroupListing[]> {
    await this.cluster.fetchMetadata([]);
    const brokers = [...this.cluster.metadata.brokers.values()];
    const answers = await Promise.all(
      brokers.map(async (broker) => {
        const connection = await this.cluster.connectionTo(broker.nodeId);
        const response = await connection.request(ApiKey.ListGroups, { statesFilter: [], typesFilter: [] });
        if (response.errorCode !== 0)
          throw new KafkaProtocolError(response.errorCode, {
            message: `ListGroups on broker ${broker.nodeId}`,
          });
        return response.groups.map((group) => ({
          groupId: group.groupId,
          protocolType: group.protocolType,
          state: group.groupState === '' ? null : group.groupState,
          coordinatorId: broker.nodeId,
        }));
      }),
    );
    const seen = new Set<string>();
    return answers
      .flat()
      .filter((group) => (seen.has(group.groupId) ? false : (seen.add(group.groupId), true)))
      .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
  }

  private async coordinatorRequest<T>(
    groupId: string,
    attempt: (connection: Connection) => Promise<{ value: T; errorCode: number }>,
  ): Promise<T & { coordinatorId: number }> {
    let lastError: unknown = null;
    for (let round = 0; round <= this.retries; round++) {
      try {
        const coordinator = await this.cluster.findCoordinator(groupId);
        const connection = await this.cluster.connectionToAddress(
          coordinator.nodeId,
          coordinator,
          'coordinator',
        );
        const { value, errorCode } = await attempt(connection);
        if (
          errorCode !== ErrorCode.NOT_COORDINATOR &&
          errorCode !== ErrorCode.COORDINATOR_LOAD_IN_PROGRESS &&
          errorCode !== ErrorCode.COORDINATOR_NOT_AVAILABLE
        ) {
          return { ...value, coordinatorId: coordinator.nodeId };
        }
        lastError = new KafkaProtocolError(errorCode);
      } catch (error) {
        if (!isRetriableError(error)) throw error;
        lastError = error;
      }
      await sleep(this.retryBackoffMs);
    }
    throw lastError;
  }

  /** DescribeGroups with the members' subscriptions and assignments decoded (consumer groups). */
  async describeGroups(groupIds: readonly string[]): Promise<GroupDescription[]> {
    return Promise.all(
      groupIds.map(async (groupId) => {
        const answer = await this.coordinatorRequest(groupId, async (connection) => {
          const response = await connection.request(ApiKey.DescribeGroups, {
            groups: [groupId],
            includeAuthorizedOperations: false,
          });
          const group = response.groups[0];
          return { value: { group }, errorCode: group?.errorCode ?? 0 };
        });
        const group = answer.group;
        const consumerGroup = group.protocolType === 'consumer' || group.protocolType === '';
        return {
          groupId,
          state: group.groupState,
          protocolType: group.protocolType,
          protocol: group.protocolData,
          coordinatorId: answer.coordinatorId,
          errorCode: group.errorCode,
          error: group.errorCode === 0 ? null : errorName(group.errorCode),
          members: group.members.map((member) => {
            let subscription: string[] = [];
            let assignment: TopicPartition[] = [];
            if (consumerGroup) {
              try {
                if (member.memberMetadata.length > 0)
                  subscription = decodeSubscription(member.memberMetadata).topics;
                assignment = decodeAssignment(member.memberAssignment).partitions;
              } catch {
                // Not ConsumerProtocol bytes: leave them undecoded.
              }
            }
            return {
              memberId: member.memberId,
              groupInstanceId: member.groupInstanceId,
              clientId: member.clientId,
              clientHost: member.clientHost,
              subscription,
              assignment,
            };
          }),
        };
      }),
    );
  }

  /**
   * Committed offsets of a group (all its partitions, or only `topics`). Against brokers that only speak
   * OffsetFetch v0-1, "all" means the topics the group's current members subscribe to.
   */
  async fetchOffsets(
    groupId: string,
    topics?: readonly string[],
  ): Promise<{ topic: string; partition: number; offset: bigint; metadata: string | null }[]> {
    let wanted: { name: string; partitionIndexes: number[] }[] | null = null;
    if (topics) {
      await this.cluster.fetchMetadata(topics);
      wanted = topics.map((name) => ({
        name,
        partitionIndexes: Array.from(
          { length: this.cluster.metadata.partitionCount(name) ?? 0 },
          (_, i) => i,
        ),
      }));
    }
    const answer = await this.coordinatorRequest(groupId, async (connection) => {
      let asked = wanted;
      if (asked === null && connection.versionFor(ApiKey.OffsetFetch) < 2) {
        // OffsetFetch v0-1 cannot ask for "all topics": ask for those the members subscribe to.
        const [description] = await this.describeGroups([groupId]);
        const names = [
          ...new Set(
            description.members.flatMap((m) => [...m.subscription, ...m.assignment.map((tp) => tp.topic)]),
          ),
        ];
        if (names.length > 0) await this.cluster.fetchMetadata(names);
        asked = names.map((name) => ({
          name,
          partitionIndexes: Array.from(
            { length: this.cluster.metadata.partitionCount(name) ?? 0 },
            (_, i) => i,
          ),
        }));
      }
      const response = await connection.request(ApiKey.OffsetFetch, (version) =>
        version >= 8
          ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics: asked }], requireStable: false }
          : { groupId, topics: version >= 2 ? asked : (asked ?? []), requireStable: false },
      );
      const group =
        response.groups.length > 0
          ? response.groups[0]
          : { topics: response.topics, errorCode: response.errorCode };
      return { value: { topics: group.topics }, errorCode: group.errorCode };
    });
    return answer.topics
      .flatMap((topic) =>
        topic.partitions.map((partition) => ({
          topic: topic.name,
          partition: partition.partitionIndex,
          offset: partition.committedOffset,
          metadata: partition.metadata,
        })),
      )
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  /**
   * Sets a group's committed offsets (OffsetCommit with generation -1 and no member: only accepted while
   * the group has no active members, like kafka-consumer-groups --reset-offsets).
   */
  async setOffsets(
    groupId: string,
    offsets: readonly { topic: string; partition: number; offset: bigint | number }[],
  ): Promise<AdminResult[]> {
    const byTopic = new Map<string, { partitionIndex: number; committedOffset: bigint }[]>();
    for (const { topic, partition, offset } of offsets) {
      let list = byTopic.get(topic);
      if (!list) {
        list = [];
        byTopic.set(topic, list);
      }
      list.push({ partitionIndex: partition, committedOffset: BigInt(offset) });
    }
    const answer = await this.coordinatorRequest(groupId, async (connection) => {
      const response = await connection.request(ApiKey.OffsetCommit, {
        groupId,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, partitions]) => ({
          name,
          partitions: partitions.map((p) => ({
            ...p,
            committedLeaderEpoch: -1,
            commitTimestamp: -1n,
            committedMetadata: '',
          })),
        })),
      });
      const results = response.topics.flatMap((topic) =>
        topic.partitions.map((partition) =>
          result(`${topic.name}-${partition.partitionIndex}`, partition.errorCode),
        ),
      );
      const coordinatorError = results.find(
        (r) =>
          r.errorCode === ErrorCode.NOT_COORDINATOR || r.errorCode === ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
      );
      return { value: { results }, errorCode: coordinatorError?.errorCode ?? 0 };
    });
    return answer.results;
  }

  // ------------------------------------------------------------------------------------------------
  // Offsets and lag

  /** Earliest (log start) and latest (high watermark) offset of every partition of `topic`. */
  async listOffsets(topic: string): Promise<PartitionOffsets[]> {
    const [earliest, latest] = await Promise.all([this.offsetsAt(topic, -2n), this.offsetsAt(topic, -1n)]);
    return earliest.map((entry, index) => ({
      topic,
      partition: entry.partition,
      earliest: entry.offset,
      latest: latest[index].offset,
    }));
  }

  /**
   * Offsets for a timestamp: -2n earliest, -1n latest, or a time in ms (the first offset whose timestamp
   * is at or after it; -1n if none).
   */
  async offsetsAt(
    topic: string,
    timestamp: bigint | number,
  ): Promise<{ partition: number; offset: bigint }[]> {
    return (await this.offsetsFor([topic], BigInt(timestamp))).filter((entry) => entry.topic === topic);
  }

  private async offsetsFor(
    topics: readonly string[],
    timestamp: bigint,
  ): Promise<{ topic: string; partition: number; offset: bigint }[]> {
    for (let round = 0; ; round++) {
      await this.cluster.fetchMetadata(topics);
      const byLeader = new Map<number, { topic: string; partition: number; timestamp: bigint }[]>();
      const out: { topic: string; partition: number; offset: bigint }[] = [];
      let missingLeader = false;
      for (const topic of topics) {
        const info = this.cluster.metadata.topics.get(topic);
        if (!info) {
          const code = this.cluster.metadata.topicErrors.get(topic) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
          throw new KafkaProtocolError(code, { topic });
        }
        for (const partition of info.partitions) {
          if (partition.leader < 0) {
            missingLeader = true;
            continue;
          }
          let list = byLeader.get(partition.leader);
          if (!list) {
            list = [];
            byLeader.set(partition.leader, list);
          }
          list.push({ topic, partition: partition.partition, timestamp });
        }
      }
      let retry = missingLeader;
      let lastError: unknown = missingLeader ? new KafkaProtocolError(ErrorCode.LEADER_NOT_AVAILABLE) : null;
      await Promise.all(
        [...byLeader].map(async ([nodeId, list]) => {
          const answers = await listOffsets(this.cluster, nodeId, list);
          for (const entry of list) {
            const answer = answers.get(`${entry.topic}\u0000${entry.partition}`);
            if (!answer || answer.errorCode !== 0) {
              retry = true;
              lastError = new KafkaProtocolError(answer?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR, entry);
              continue;
            }
            out.push({ topic: entry.topic, partition: entry.partition, offset: answer.offset });
          }
        }),
      );
      if (!retry)
        return out.sort((a, b) =>
          a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
        );
      if (round >= this.retries || !isRetriableError(lastError)) throw lastError;
      await sleep(this.retryBackoffMs);
    }
  }

  /**
   * Per partition of every topic the group has committed offsets for (or is assigned): committed offset,
   * log end offset (high watermark) and lag, plus which member holds it.
   */
  async groupLag(groupId: string): Promise<GroupPartitionLag[]> {
    const [committed, [description]] = await Promise.all([
      this.fetchOffsets(groupId),
      this.describeGroups([groupId]),
    ]);
    const owners = new Map<string, { memberId: string; clientId: string }>();
    for (const member of description.members) {
      for (const tp of member.assignment)
        owners.set(`${tp.topic}\u0000${tp.partition}`, {
          memberId: member.memberId,
          clientId: member.clientId,
        });
    }
    const topics = new Set<string>([
      ...committed.map((entry) => entry.topic),
      ...[...owners.keys()].map((key) => key.split('\u0000')[0]),
    ]);
    if (topics.size === 0) return [];
    const [ends, starts] = await Promise.all([
      this.offsetsFor([...topics], -1n),
      this.offsetsFor([...topics], -2n),
    ]);
    const startOf = new Map(starts.map((entry) => [`${entry.topic}\u0000${entry.partition}`, entry.offset]));
    const committedOf = new Map(committed.map((entry) => [`${entry.topic}\u0000${entry.partition}`, entry]));
    return ends.map(({ topic, partition, offset: logEndOffset }) => {
      const key = `${topic}\u0000${partition}`;
      const commit = committedOf.get(key);
      const committedOffset = commit?.offset ?? -1n;
      const base = committedOffset >= 0n ? committedOffset : (startOf.get(key) ?? 0n);
      const owner = owners.get(key);
      return {
        topic,
        partition,
        committedOffset,
        logEndOffset,
        lag: logEndOffset > base ? logEndOffset - base : 0n,
        metadata: commit?.metadata ?? null,
        memberId: owner?.memberId ?? null,
        clientId: owner?.clientId ?? null,
      };
    });
  }
}
