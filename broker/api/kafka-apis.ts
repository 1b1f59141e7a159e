// KafkaApis: decode → act → encode, one handler per API, named as in Kafka's KafkaApis. The data path
// (Produce, Fetch, ListOffsets) goes to the ReplicaManager; Metadata is answered from the MetadataCache;
// the controller's requests (LeaderAndIsr, UpdateMetadata, StopReplica) change what this broker serves;
// topic creation/deletion and partition additions are the controller broker's job, reached through
// `TopicAdmin`.
import type { Logger } from 'pino';
import {
  ApiKey,
  ErrorCode,
  apiName,
  apiVersionsTable,
  encodeResponseFrame,
  unsupportedApiVersionsResponse,
  type DecodedRequest,
  type UnsupportedRequest,
} from '../../client/protocol/index.ts';
import { groupByTopic } from '../../client/common/group-by-topic.ts';
import type { ConnectionInfo, HandlerResult, RequestHandler } from '../network/socket-server.ts';
import type { ConfigApis } from './config-apis.ts';
import { GROUP_API_KEYS, GROUP_VERSION_CAPS, isGroupRequest, type GroupApis } from './group-apis.ts';
import type { MetadataCache } from '../server/metadata-cache.ts';
import type { ReplicaManager } from '../server/replica-manager.ts';

/** Topic creation/deletion as the controller does it (ZooKeeper writes, then metadata propagation). */
export interface TopicAdmin {
  readonly isController: () => boolean;
  createTopics(
    topics: {
      name: string;
      numPartitions: number;
      replicationFactor: number;
      assignments: { partitionIndex: number; brokerIds: number[] }[];
      configs: { name: string; value: string | null }[];
    }[],
    options: { timeoutMs: number; validateOnly: boolean },
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]>;
  /** `apiVersion` picks the error for delete.topic.enable=false (INVALID_REQUEST below v3, else TOPIC_DELETION_DISABLED). */
  deleteTopics(
    topics: string[],
    timeoutMs: number,
    apiVersion?: number,
  ): Promise<{ name: string; errorCode: number }[]>;
  /** CreatePartitions: `assignments` (null = let the broker choose) lists the replicas of each added partition. */
  createPartitions(
    topics: { name: string; count: number; assignments: number[][] | null }[],
    options: { timeoutMs: number; validateOnly: boolean },
  ): Promise<{ name: string; errorCode: number; errorMessage: string | null }[]>;
  /** Metadata's auto-creation (auto.create.topics.enable): fire and forget, the client retries. */
  autoCreateTopic(topic: string): void;
}

export interface KafkaApisOptions {
  brokerId: number;
  clusterId: () => string | null;
  replicaManager: ReplicaManager;
  metadataCache: MetadataCache;
  topicAdmin: TopicAdmin;
  /** FindCoordinator and the group APIs (group-apis.ts). */
  groupApis: GroupApis;
  /** DescribeConfigs (config-apis.ts). */
  configApis: ConfigApis;
  autoCreateTopicsEnable: boolean;
  log: Logger;
  /** Called after UpdateMetadata / LeaderAndIsr / StopReplica changed something (dashboards, tests). */
  onStateChanged?: () => void;
  /**
   * This broker's epoch (czxid of its /brokers/ids registration). Controller requests built for an older
   * incarnation (brokerEpoch in the request < this, and not -1) are refused with STALE_BROKER_EPOCH (KIP-380).
   */
  brokerEpoch?: () => bigint;
  /**
   * ControlledShutdown on the controller broker: move the leaderships of `brokerId` away; resolves with
   * the error name and the partitions it still leads. Undefined on brokers that cannot be controller.
   */
  controlledShutdown?: (
    brokerId: number,
    brokerEpoch: bigint,
  ) => Promise<{ error: string; partitionsRemaining: readonly { topic: string; partition: number }[] }>;
}

/**
 * Until topic ids exist: the highest Metadata and Fetch versions that do not need them. The group APIs stop
 * at their last non-flexible versions (group-apis.ts).
 */
export const VERSION_CAPS: Partial<Record<number, number>> = {
  [ApiKey.Metadata]: 9,
  [ApiKey.Fetch]: 12,
  ...GROUP_VERSION_CAPS,
};

const INTERNAL_TOPICS = new Set(['__consumer_offsets']);

/** Kafka's per-topic answer when an admin request reaches a broker that is not the controller. */
function notControllerResults(topics: readonly { name: string }[]) {
  return topics.map((topic) => ({
    name: topic.name,
    errorCode: ErrorCode.NOT_CONTROLLER,
    errorMessage: 'This is not the correct controller for this cluster.',
  }));
}

/**
 * The APIs this broker answers, and so the only ones ApiVersions advertises: a client that sees an API
 * advertised sends it and waits for the answer (kafkajs, librdkafka and @platformatic/kafka all do), so
 * advertising one we do not serve would hang it.
 */
export const SERVED_API_KEYS: ReadonlySet<number> = new Set([
  ApiKey.Produce,
  ApiKey.Fetch,
  ApiKey.ListOffsets,
  ApiKey.Metadata,
  ApiKey.LeaderAndIsr,
  ApiKey.StopReplica,
  ApiKey.UpdateMetadata,
  ApiKey.ApiVersions,
  ApiKey.CreateTopics,
  ApiKey.DeleteTopics,
  ApiKey.CreatePartitions,
  ApiKey.OffsetForLeaderEpoch,
  ApiKey.ControlledShutdown,
  ApiKey.DescribeConfigs,
  ...GROUP_API_KEYS,
]);

/** A request for an API we do not advertise: the connection is closed, as Kafka closes it for unknown keys. */
export class UnservedApiError extends Error {
  readonly code = 'KZ_ERR_UNSERVED_API';
  constructor(apiKey: number) {
    super(
      `${apiName(apiKey)} (key ${apiKey}) is not served by this broker and not advertised in ApiVersions`,
    );
    this.name = 'UnservedApiError';
  }
}

export class KafkaApis implements RequestHandler {
  private readonly options: KafkaApisOptions;
  private readonly advertised = apiVersionsTable(VERSION_CAPS, (api) => SERVED_API_KEYS.has(api.apiKey));

  constructor(options: KafkaApisOptions) {
    this.options = options;
  }

  unsupported(request: UnsupportedRequest): HandlerResult {
    // librdkafka asks ApiVersions v3 first (older brokers answer error 35 with a v0 body, then it retries v0).
    if (request.apiKey === ApiKey.ApiVersions)
      return unsupportedApiVersionsResponse(request.correlationId, this.advertised);
    return null;
  }

  handle(request: DecodedRequest, connection: ConnectionInfo): HandlerResult | Promise<HandlerResult> {
    if (isGroupRequest(request)) return this.options.groupApis.handle(request, connection);
    switch (request.apiKey) {
      case ApiKey.ApiVersions:
        return this.respond(request, {
          errorCode: ErrorCode.NONE,
          apiKeys: this.advertised,
          throttleTimeMs: 0,
        });
      case ApiKey.Metadata:
        return this.handleTopicMetadata(request, connection.listenerName);
      case ApiKey.Produce:
        return this.handleProduce(request);
      case ApiKey.Fetch:
        return this.handleFetch(request);
      case ApiKey.ListOffsets:
        return this.handleListOffsets(request);
      case ApiKey.CreateTopics:
        return this.handleCreateTopics(request);
      case ApiKey.DeleteTopics:
        return this.handleDeleteTopics(request);
      case ApiKey.CreatePartitions:
        return this.handleCreatePartitions(request);
      case ApiKey.DescribeConfigs:
        return this.options.configApis
          .describeConfigs(request.body)
          .then((body) => this.respond(request, body));
      case ApiKey.LeaderAndIsr:
        return this.handleLeaderAndIsr(request);
      case ApiKey.UpdateMetadata:
        return this.handleUpdateMetadata(request);
      case ApiKey.StopReplica:
        return this.handleStopReplica(request);
      case ApiKey.OffsetForLeaderEpoch:
        return this.handleOffsetForLeaderEpoch(request);
      case ApiKey.ControlledShutdown:
        return this.handleControlledShutdown(request);
      default:
        // The socket server logs this and closes the connection; never "no answer", which would hang a client.
        throw new UnservedApiError(request.apiKey);
    }
  }

  private respond<K extends DecodedRequest['apiKey']>(
    request: Extract<DecodedRequest, { apiKey: K }>,
    body: unknown,
  ): Uint8Array {
    return encodeResponseFrame(request.apiKey, request.apiVersion, request.correlationId, body as never);
  }

  // ---------- Metadata ----------

  private handleTopicMetadata(
    request: Extract<DecodedRequest, { apiKey: 3 }>,
    listenerName: string | undefined,
  ): Uint8Array {
    const cache = this.options.metadataCache;
    // KIP-103: every end point in the answer is on the listener the request came in on; a live leader
    // without that listener is LISTENER_NOT_FOUND from v6 (Kafka 2.4), LEADER_NOT_AVAILABLE before.
    const leaderError = (leader: number): number => {
      if (leader < 0) return ErrorCode.LEADER_NOT_AVAILABLE;
      if (cache.broker(leader, listenerName) !== undefined) return ErrorCode.NONE;
      return request.apiVersion >= 6 && cache.broker(leader) !== undefined
        ? ErrorCode.LISTENER_NOT_FOUND
        : ErrorCode.LEADER_NOT_AVAILABLE;
    };
    const { body, apiVersion } = request;
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const requested =
      body.topics === null || (apiVersion === 0 && body.topics.length === 0)
        ? null
        : body.topics.map((t) => t.name ?? '');
    const names = requested ?? cache.topicNames();
    const allowAutoCreate = apiVersion < 4 || body.allowAutoTopicCreation;
    const topics = names.map((name) => {
      const partitions = cache.partitionsOf(name);
      if (partitions.length === 0) {
        if (
          requested !== null &&
          this.options.autoCreateTopicsEnable &&
          allowAutoCreate &&
          !INTERNAL_TOPICS.has(name)
        ) {
          this.options.topicAdmin.autoCreateTopic(name);
          return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, name, isInternal: false, partitions: [] };
        }
        return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, name, isInternal: false, partitions: [] };
      }
      return {
        errorCode: ErrorCode.NONE,
        name,
        isInternal: INTERNAL_TOPICS.has(name),
        partitions: partitions.map((p) => ({
          errorCode: leaderError(p.leader),
          partitionIndex: p.partition,
          leaderId: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicaNodes: p.replicas,
          isrNodes: p.isr,
          offlineReplicas: p.offlineReplicas,
        })),
      };
    });
    return this.respond(request, {
      throttleTimeMs: 0,
      brokers: cache
        .aliveBrokers(listenerName)
        .map((b) => ({ nodeId: b.id, host: b.host, port: b.port, rack: b.rack })),
      clusterId: this.options.clusterId(),
      controllerId: cache.controllerId,
      topics,
    });
  }

  // ---------- Produce / Fetch / ListOffsets ----------

  private async handleProduce(request: Extract<DecodedRequest, { apiKey: 0 }>): Promise<HandlerResult> {
    const responses = await this.options.replicaManager.appendRecords(request.body, request.apiVersion);
    // acks=0: the client expects no response at all.
    if (request.body.acks === 0) return null;
    return this.respond(request, { responses, throttleTimeMs: 0 });
  }

  private async handleFetch(request: Extract<DecodedRequest, { apiKey: 1 }>): Promise<HandlerResult> {
    const { body } = request;
    const wanted = body.topics.flatMap((t) =>
      t.partitions.map((p) => ({
        topic: t.topic,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: request.apiVersion >= 9 ? p.currentLeaderEpoch : -1,
      })),
    );
    const results = await this.options.replicaManager.fetch(wanted, {
      replicaId: body.replicaId,
      maxWaitMs: body.maxWaitMs,
      minBytes: body.minBytes,
      maxBytes: request.apiVersion >= 3 ? body.maxBytes : Number.MAX_SAFE_INTEGER,
    });
    return this.respond(request, {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      sessionId: 0,
      responses: groupByTopic(results, (entry) => entry.topic).map(([topic, entries]) => ({
        topic,
        partitions: entries.map(({ result }) => ({
          ...result,
          abortedTransactions: request.apiVersion >= 4 ? [] : null,
          preferredReadReplica: -1,
          // librdkafka treats null records as a protocol error: an empty answer is zero bytes.
          records: result.records,
        })),
      })),
    });
  }

  private handleListOffsets(request: Extract<DecodedRequest, { apiKey: 2 }>): Uint8Array {
    const { body, apiVersion } = request;
    return this.respond(request, {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => {
          const found = this.options.replicaManager.listOffset(
            t.name,
            p.partitionIndex,
            p.timestamp,
            body.replicaId,
          );
          return apiVersion === 0
            ? {
                partitionIndex: p.partitionIndex,
                errorCode: found.errorCode,
                oldStyleOffsets: found.offset >= 0n ? [found.offset] : [],
              }
            : {
                partitionIndex: p.partitionIndex,
                errorCode: found.errorCode,
                timestamp: found.timestamp,
                offset: found.offset,
                leaderEpoch: found.leaderEpoch,
              };
        }),
      })),
    });
  }

  // ---------- replication ----------

  /** OffsetsForLeaderEpoch (KIP-101): where each asked leader epoch ends in the leader's log. */
  private handleOffsetForLeaderEpoch(request: Extract<DecodedRequest, { apiKey: 23 }>): Uint8Array {
    const { body, apiVersion } = request;
    return this.respond(request, {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        topic: t.topic,
        partitions: t.partitions.map((p) => {
          const answer = this.options.replicaManager.endOffsetForLeaderEpoch(
            t.topic,
            p.partition,
            p.leaderEpoch,
            apiVersion >= 2 ? p.currentLeaderEpoch : -1,
          );
          return {
            errorCode: answer.errorCode,
            partition: p.partition,
            leaderEpoch: answer.leaderEpoch,
            endOffset: answer.endOffset,
          };
        }),
      })),
    });
  }

  /** ControlledShutdown (broker → controller): the controller moves the broker's leaderships away first. */
  private async handleControlledShutdown(
    request: Extract<DecodedRequest, { apiKey: 7 }>,
  ): Promise<HandlerResult> {
    const shutdown = this.options.controlledShutdown;
    if (shutdown === undefined || !this.options.topicAdmin.isController()) {
      return this.respond(request, { errorCode: ErrorCode.NOT_CONTROLLER, remainingPartitions: [] });
    }
    const answer = await shutdown(request.body.brokerId, request.body.brokerEpoch);
    const errorCode = (ErrorCode as Record<string, number>)[answer.error] ?? ErrorCode.UNKNOWN_SERVER_ERROR;
    return this.respond(request, {
      errorCode,
      remainingPartitions: answer.partitionsRemaining.map((p) => ({
        topicName: p.topic,
        partitionIndex: p.partition,
      })),
    });
  }

  // ---------- topics (controller) ----------

  private async handleCreateTopics(request: Extract<DecodedRequest, { apiKey: 19 }>): Promise<HandlerResult> {
    const { body } = request;
    if (!this.options.topicAdmin.isController()) {
      return this.respond(request, { throttleTimeMs: 0, topics: notControllerResults(body.topics) });
    }
    const results = await this.options.topicAdmin.createTopics(
      body.topics.map((t) => ({
        name: t.name,
        numPartitions: t.numPartitions,
        replicationFactor: t.replicationFactor,
        assignments: t.assignments.map((a) => ({ partitionIndex: a.partitionIndex, brokerIds: a.brokerIds })),
        configs: t.configs.map((c) => ({ name: c.name, value: c.value })),
      })),
      { timeoutMs: body.timeoutMs, validateOnly: body.validateOnly },
    );
    return this.respond(request, { throttleTimeMs: 0, topics: results });
  }

  private async handleDeleteTopics(request: Extract<DecodedRequest, { apiKey: 20 }>): Promise<HandlerResult> {
    const { body } = request;
    // v0–5 name the topics; v6+ send {name, topicId} pairs.
    const names = request.apiVersion >= 6 ? body.topics.map((t) => t.name ?? '') : [...body.topicNames];
    if (!this.options.topicAdmin.isController()) {
      return this.respond(request, {
        throttleTimeMs: 0,
        responses: names.map((name) => ({ name, errorCode: ErrorCode.NOT_CONTROLLER })),
      });
    }
    const results = await this.options.topicAdmin.deleteTopics(names, body.timeoutMs, request.apiVersion);
    return this.respond(request, { throttleTimeMs: 0, responses: results });
  }

  private async handleCreatePartitions(
    request: Extract<DecodedRequest, { apiKey: 37 }>,
  ): Promise<HandlerResult> {
    const { body } = request;
    if (!this.options.topicAdmin.isController()) {
      return this.respond(request, { throttleTimeMs: 0, results: notControllerResults(body.topics) });
    }
    const results = await this.options.topicAdmin.createPartitions(
      body.topics.map((t) => ({
        name: t.name,
        count: t.count,
        assignments: t.assignments === null ? null : t.assignments.map((a) => [...a.brokerIds]),
      })),
      { timeoutMs: body.timeoutMs, validateOnly: body.validateOnly },
    );
    return this.respond(request, { throttleTimeMs: 0, results });
  }

  // ---------- from the controller ----------

  /** KIP-380: a request built for this broker's previous incarnation (a restart since) is refused. */
  private isBrokerEpochStale(requestBrokerEpoch: bigint): boolean {
    const current = this.options.brokerEpoch?.();
    if (current === undefined || requestBrokerEpoch === -1n) return false;
    return requestBrokerEpoch < current;
  }

  private handleLeaderAndIsr(request: Extract<DecodedRequest, { apiKey: 4 }>): Uint8Array {
    if (this.isBrokerEpochStale(request.body.brokerEpoch)) {
      return this.respond(request, { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionErrors: [] });
    }
    const result = this.options.replicaManager.becomeLeaderOrFollower(request.body);
    this.options.onStateChanged?.();
    return this.respond(request, {
      errorCode: result.errorCode,
      partitionErrors: result.partitions.map((p) => ({
        topicName: p.topic,
        partitionIndex: p.partition,
        errorCode: p.errorCode,
      })),
    });
  }

  private handleUpdateMetadata(request: Extract<DecodedRequest, { apiKey: 6 }>): Uint8Array {
    if (this.isBrokerEpochStale(request.body.brokerEpoch)) {
      return this.respond(request, { errorCode: ErrorCode.STALE_BROKER_EPOCH });
    }
    if (request.body.controllerEpoch < this.options.metadataCache.controllerEpoch) {
      return this.respond(request, { errorCode: ErrorCode.STALE_CONTROLLER_EPOCH });
    }
    this.options.metadataCache.update(request.body);
    this.options.onStateChanged?.();
    return this.respond(request, { errorCode: ErrorCode.NONE });
  }

  private handleStopReplica(request: Extract<DecodedRequest, { apiKey: 5 }>): Uint8Array {
    if (this.isBrokerEpochStale(request.body.brokerEpoch)) {
      return this.respond(request, { errorCode: ErrorCode.STALE_BROKER_EPOCH, partitionErrors: [] });
    }
    const result = this.options.replicaManager.stopReplicas(request.body);
    this.options.onStateChanged?.();
    return this.respond(request, {
      errorCode: result.errorCode,
      partitionErrors: result.partitions.map((p) => ({
        topicName: p.topic,
        partitionIndex: p.partition,
        errorCode: p.errorCode,
      })),
    });
  }
}
