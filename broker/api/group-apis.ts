// The consumer-group half of KafkaApis (Kafka 2.4's handleFindCoordinatorRequest, handleJoinGroupRequest,
// handleSyncGroupRequest, handleHeartbeatRequest, handleLeaveGroupRequest, handleOffsetCommitRequest,
// handleOffsetFetchRequest, handleDescribeGroupRequest, handleListGroupsRequest): decode → the
// GroupCoordinatorShell → encode. kafka-zk-era.md §6.
//
// FindCoordinator is answered here from the MetadataCache: the coordinator of a group is the leader of
// `__consumer_offsets-<partitionFor(group)>`. The first lookup creates that topic through the TopicAdmin
// (offsets.topic.num.partitions, offsets.topic.replication.factor capped to the live brokers, compacted) and
// answers COORDINATOR_NOT_AVAILABLE until the partition has a live leader; the client asks again. Everything
// else goes to the coordinator core, which answers NOT_COORDINATOR for groups this broker does not own and
// COORDINATOR_LOAD_IN_PROGRESS while their partition loads.
import type { Logger } from 'pino';

import {
  ApiKey,
  ErrorCode,
  encodeResponseFrame,
  type DecodedRequest,
  type ResponseInput,
} from '../../client/protocol/index.ts';
import type { ClientInfo, GroupResponse } from '../group/group-coordinator.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../group/group-metadata-records.ts';
import type { ConnectionInfo } from '../network/socket-server.ts';
import type { GroupCoordinatorShell } from '../server/group-coordinator-shell.ts';
import type { MetadataCache } from '../server/metadata-cache.ts';
import type { TopicAdmin } from './kafka-apis.ts';

/** The group API keys answered here. */
export const GROUP_API_KEYS = [
  ApiKey.OffsetCommit,
  ApiKey.OffsetFetch,
  ApiKey.FindCoordinator,
  ApiKey.JoinGroup,
  ApiKey.Heartbeat,
  ApiKey.LeaveGroup,
  ApiKey.SyncGroup,
  ApiKey.DescribeGroups,
  ApiKey.ListGroups,
] as const;

type GroupApiKey = (typeof GROUP_API_KEYS)[number];
type GroupRequest = Extract<DecodedRequest, { apiKey: GroupApiKey }>;

export function isGroupRequest(request: DecodedRequest): request is GroupRequest {
  return (GROUP_API_KEYS as readonly number[]).includes(request.apiKey);
}

/**
 * The highest version of each group API we advertise: the last non-flexible one (kafka-clients.md §2 and
 * "Notes for the broker implementer"): both kafkajs and librdkafka then use exactly these, librdkafka keeps
 * out of flexible OffsetFetch v6+/ListGroups v3+, and FindCoordinator still starts at v0 (librdkafka's
 * BrokerGroupCoordinator feature needs v0 in the range, or `kcat -G` never looks for a coordinator).
 */
export const GROUP_VERSION_CAPS: Readonly<Record<GroupApiKey, number>> = {
  [ApiKey.OffsetCommit]: 7,
  [ApiKey.OffsetFetch]: 5,
  [ApiKey.FindCoordinator]: 2,
  [ApiKey.JoinGroup]: 5,
  [ApiKey.Heartbeat]: 3,
  [ApiKey.LeaveGroup]: 3,
  [ApiKey.SyncGroup]: 3,
  [ApiKey.DescribeGroups]: 4,
  [ApiKey.ListGroups]: 2,
};

/** FindCoordinator key types. */
const COORDINATOR_TYPE_GROUP = 0;
const COORDINATOR_TYPE_TRANSACTION = 1;

export interface GroupApisOptions {
  readonly coordinator: GroupCoordinatorShell;
  readonly metadataCache: MetadataCache;
  readonly topicAdmin: TopicAdmin;
  /** offsets.topic.num.partitions, offsets.topic.replication.factor, offsets.topic.segment.bytes. */
  readonly offsetsTopicNumPartitions: number;
  readonly offsetsTopicReplicationFactor: number;
  readonly offsetsTopicSegmentBytes: number;
  readonly log: Logger;
}

interface CoordinatorAnswer {
  errorCode: number;
  errorMessage: string | null;
  nodeId: number;
  host: string;
  port: number;
}

export class GroupApis {
  private readonly options: GroupApisOptions;
  private creatingOffsetsTopic: Promise<void> | null = null;

  constructor(options: GroupApisOptions) {
    this.options = options;
  }

  handle(request: GroupRequest, connection: ConnectionInfo): Uint8Array | Promise<Uint8Array> {
    const coordinator = this.options.coordinator;
    const client: ClientInfo = {
      clientId: request.header.clientId ?? '',
      clientHost: `/${connection.remoteAddress}`,
    };
    const version = request.apiVersion;
    const core = coordinator.core;
    const frame = (response: GroupResponse): Uint8Array =>
      encodeResponseFrame(response.apiKey, response.version, request.correlationId, response.body as never);
    switch (request.apiKey) {
      case ApiKey.FindCoordinator:
        return this.handleFindCoordinator(request, connection.listenerName);
      case ApiKey.JoinGroup:
        return coordinator
          .submit((token, nowMs) => core.joinGroup(token, version, request.body, client, nowMs))
          .then(frame);
      case ApiKey.SyncGroup:
        return coordinator
          .submit((token, nowMs) => core.syncGroup(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.Heartbeat:
        return coordinator
          .submit((token, nowMs) => core.heartbeat(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.LeaveGroup:
        return coordinator
          .submit((token, nowMs) => core.leaveGroup(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.OffsetCommit:
        return coordinator
          .submit((token, nowMs) => core.offsetCommit(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.OffsetFetch:
        return coordinator
          .submit((token, nowMs) => core.offsetFetch(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.DescribeGroups:
        return coordinator
          .submit((token, nowMs) => core.describeGroups(token, version, request.body, nowMs))
          .then(frame);
      case ApiKey.ListGroups:
        return coordinator
          .submit((token, nowMs) => core.listGroups(token, version, request.body, nowMs))
          .then(frame);
    }
  }

  // ───────────────────────── FindCoordinator ─────────────────────────

  private handleFindCoordinator(
    request: Extract<DecodedRequest, { apiKey: 10 }>,
    listenerName: string | undefined,
  ): Uint8Array {
    const { body, apiVersion } = request;
    const keyType = apiVersion >= 1 ? body.keyType : COORDINATOR_TYPE_GROUP;
    const keys = apiVersion >= 4 ? [...body.coordinatorKeys] : [body.key];
    const answers = keys.map((key) => this.findCoordinator(key, keyType, listenerName));
    let response: ResponseInput<10>;
    if (apiVersion >= 4) {
      response = {
        throttleTimeMs: 0,
        coordinators: answers.map((answer, index) => ({ key: keys[index], ...answer })),
      } as ResponseInput<10>;
    } else {
      response = { throttleTimeMs: 0, ...answers[0], coordinators: [] } as ResponseInput<10>;
    }
    return encodeResponseFrame(ApiKey.FindCoordinator, apiVersion, request.correlationId, response);
  }

  private findCoordinator(key: string, keyType: number, listenerName: string | undefined): CoordinatorAnswer {
    const none = (errorCode: number, errorMessage: string | null): CoordinatorAnswer => ({
      errorCode,
      errorMessage,
      nodeId: -1,
      host: '',
      port: -1,
    });
    if (keyType === COORDINATOR_TYPE_TRANSACTION) {
      return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, 'kzlab has no transaction coordinator');
    }
    if (keyType !== COORDINATOR_TYPE_GROUP) {
      return none(
        ErrorCode.INVALID_REQUEST,
        `Unknown coordinator type ${keyType} in FindCoordinator request`,
      );
    }
    const cache = this.options.metadataCache;
    if (!cache.hasTopic(GROUP_METADATA_TOPIC_NAME)) {
      this.createOffsetsTopic();
      return none(ErrorCode.COORDINATOR_NOT_AVAILABLE, `${GROUP_METADATA_TOPIC_NAME} is being created`);
    }
    const partition = this.options.coordinator.partitionFor(key);
    const leader = cache.partition(GROUP_METADATA_TOPIC_NAME, partition)?.leader ?? -1;
    const broker = leader >= 0 ? cache.broker(leader, listenerName) : undefined;
    if (broker === undefined) {
      return none(
        ErrorCode.COORDINATOR_NOT_AVAILABLE,
        `${GROUP_METADATA_TOPIC_NAME}-${partition} has no live leader`,
      );
    }
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: broker.id,
      host: broker.host,
      port: broker.port,
    };
  }

  /** Kafka's getOrCreateInternalTopic: once at a time; the controller's watch does the rest. */
  private createOffsetsTopic(): void {
    if (this.creatingOffsetsTopic !== null) return;
    const options = this.options;
    const liveBrokers = options.metadataCache.aliveBrokers().length;
    if (liveBrokers === 0) return; // no UpdateMetadata yet: the client asks again
    const replicationFactor = Math.min(options.offsetsTopicReplicationFactor, liveBrokers);
    if (replicationFactor < options.offsetsTopicReplicationFactor) {
      options.log.warn(
        { configured: options.offsetsTopicReplicationFactor, liveBrokers },
        `creating ${GROUP_METADATA_TOPIC_NAME} with replication factor ${replicationFactor}: fewer live brokers than offsets.topic.replication.factor (Kafka would keep answering COORDINATOR_NOT_AVAILABLE)`,
      );
    }
    this.creatingOffsetsTopic = options.topicAdmin
      .createTopics(
        [
          {
            name: GROUP_METADATA_TOPIC_NAME,
            numPartitions: options.offsetsTopicNumPartitions,
            replicationFactor,
            assignments: [],
            configs: [
              { name: 'cleanup.policy', value: 'compact' },
              { name: 'compression.type', value: 'producer' },
              { name: 'segment.bytes', value: String(options.offsetsTopicSegmentBytes) },
            ],
          },
        ],
        { timeoutMs: 0, validateOnly: false },
      )
      .then(([result]) => {
        if (result?.errorCode === ErrorCode.NONE) {
          options.log.info(
            { partitions: options.offsetsTopicNumPartitions, replicationFactor },
            `created ${GROUP_METADATA_TOPIC_NAME}`,
          );
        } else if (result?.errorCode !== ErrorCode.TOPIC_ALREADY_EXISTS) {
          options.log.warn({ error: result?.errorMessage }, `could not create ${GROUP_METADATA_TOPIC_NAME}`);
        }
      })
      .catch((error: unknown) => {
        options.log.error({ err: error }, `could not create ${GROUP_METADATA_TOPIC_NAME}`);
      })
      .finally(() => {
        this.creatingOffsetsTopic = null;
      });
  }
}
