// The APIs this codec implements: key → name, the version range we implement (and advertise by default in
// ApiVersions), which versions are flexible, and the request/response schema. Also the header rules.
//
// Why these ranges (details in test/fixtures/kafka/CLIENT-VERSIONS.md):
//  * From v0 (or the lowest any client uses) so kafkajs 2.2.4 and librdkafka 2.0.2 — which both pick the
//    highest version both sides know — always find their version, and librdkafka's feature checks pass
//    (Produce range contains v3, Fetch contains v4, FindCoordinator contains v0).
//  * Up to the highest version @platformatic/kafka 1.35 implements (or the lowest that it can use at all):
//    it only knows flexible versions (Metadata ≥ 9, Fetch ≥ 12, Produce ≥ 7, …) and picks the highest
//    version ≤ the broker's maximum that it has.
//  * Inter-broker APIs: exactly the versions Kafka 2.4 brokers exchange at inter.broker.protocol.version
//    2.4-IV1 (LeaderAndIsr v4, StopReplica v2, UpdateMetadata v6, ControlledShutdown v3).
import { ApiKey, apiName } from './api-keys.ts';
import { ApiVersionsRequest, ApiVersionsResponse } from './messages/api-versions.ts';
import { ControlledShutdownRequest, ControlledShutdownResponse } from './messages/controlled-shutdown.ts';
import { CreatePartitionsRequest, CreatePartitionsResponse } from './messages/create-partitions.ts';
import { CreateTopicsRequest, CreateTopicsResponse } from './messages/create-topics.ts';
import { DeleteTopicsRequest, DeleteTopicsResponse } from './messages/delete-topics.ts';
import { DescribeConfigsRequest, DescribeConfigsResponse } from './messages/describe-configs.ts';
import { DescribeGroupsRequest, DescribeGroupsResponse } from './messages/describe-groups.ts';
import { FetchRequest, FetchResponse } from './messages/fetch.ts';
import { FindCoordinatorRequest, FindCoordinatorResponse } from './messages/find-coordinator.ts';
import { HeartbeatRequest, HeartbeatResponse } from './messages/heartbeat.ts';
import { InitProducerIdRequest, InitProducerIdResponse } from './messages/init-producer-id.ts';
import { JoinGroupRequest, JoinGroupResponse } from './messages/join-group.ts';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from './messages/leader-and-isr.ts';
import { LeaveGroupRequest, LeaveGroupResponse } from './messages/leave-group.ts';
import { ListGroupsRequest, ListGroupsResponse } from './messages/list-groups.ts';
import { ListOffsetsRequest, ListOffsetsResponse } from './messages/list-offsets.ts';
import { MetadataRequest, MetadataResponse } from './messages/metadata.ts';
import { OffsetCommitRequest, OffsetCommitResponse } from './messages/offset-commit.ts';
import { OffsetFetchRequest, OffsetFetchResponse } from './messages/offset-fetch.ts';
import {
  OffsetForLeaderEpochRequest,
  OffsetForLeaderEpochResponse,
} from './messages/offset-for-leader-epoch.ts';
import { ProduceRequest, ProduceResponse } from './messages/produce.ts';
import { StopReplicaRequest, StopReplicaResponse } from './messages/stop-replica.ts';
import { SyncGroupRequest, SyncGroupResponse } from './messages/sync-group.ts';
import { UpdateMetadataRequest, UpdateMetadataResponse } from './messages/update-metadata.ts';
import { inVersionRange, type MessageInput, type MessageSchema, type MessageValue } from './schema.ts';

/** Request and response schema of every implemented API, by key. */
export const API_SCHEMAS = {
  [ApiKey.Produce]: { request: ProduceRequest, response: ProduceResponse },
  [ApiKey.Fetch]: { request: FetchRequest, response: FetchResponse },
  [ApiKey.ListOffsets]: { request: ListOffsetsRequest, response: ListOffsetsResponse },
  [ApiKey.Metadata]: { request: MetadataRequest, response: MetadataResponse },
  [ApiKey.LeaderAndIsr]: { request: LeaderAndIsrRequest, response: LeaderAndIsrResponse },
  [ApiKey.StopReplica]: { request: StopReplicaRequest, response: StopReplicaResponse },
  [ApiKey.UpdateMetadata]: { request: UpdateMetadataRequest, response: UpdateMetadataResponse },
  [ApiKey.ControlledShutdown]: { request: ControlledShutdownRequest, response: ControlledShutdownResponse },
  [ApiKey.OffsetCommit]: { request: OffsetCommitRequest, response: OffsetCommitResponse },
  [ApiKey.OffsetFetch]: { request: OffsetFetchRequest, response: OffsetFetchResponse },
  [ApiKey.FindCoordinator]: { request: FindCoordinatorRequest, response: FindCoordinatorResponse },
  [ApiKey.JoinGroup]: { request: JoinGroupRequest, response: JoinGroupResponse },
  [ApiKey.Heartbeat]: { request: HeartbeatRequest, response: HeartbeatResponse },
  [ApiKey.LeaveGroup]: { request: LeaveGroupRequest, response: LeaveGroupResponse },
  [ApiKey.SyncGroup]: { request: SyncGroupRequest, response: SyncGroupResponse },
  [ApiKey.DescribeGroups]: { request: DescribeGroupsRequest, response: DescribeGroupsResponse },
  [ApiKey.ListGroups]: { request: ListGroupsRequest, response: ListGroupsResponse },
  [ApiKey.ApiVersions]: { request: ApiVersionsRequest, response: ApiVersionsResponse },
  [ApiKey.CreateTopics]: { request: CreateTopicsRequest, response: CreateTopicsResponse },
  [ApiKey.DeleteTopics]: { request: DeleteTopicsRequest, response: DeleteTopicsResponse },
  [ApiKey.InitProducerId]: { request: InitProducerIdRequest, response: InitProducerIdResponse },
  [ApiKey.OffsetForLeaderEpoch]: {
    request: OffsetForLeaderEpochRequest,
    response: OffsetForLeaderEpochResponse,
  },
  [ApiKey.DescribeConfigs]: { request: DescribeConfigsRequest, response: DescribeConfigsResponse },
  [ApiKey.CreatePartitions]: { request: CreatePartitionsRequest, response: CreatePartitionsResponse },
} as const;

type Schemas = typeof API_SCHEMAS;
/** The API keys this codec implements. */
export type SupportedApiKey = keyof Schemas;
/** A decoded request body of API `K` (every field present). */
export type RequestBody<K extends SupportedApiKey> = MessageValue<Schemas[K]['request']>;
/** A request body as the encoder accepts it (defaulted fields optional). */
export type RequestInput<K extends SupportedApiKey> = MessageInput<Schemas[K]['request']>;
export type ResponseBody<K extends SupportedApiKey> = MessageValue<Schemas[K]['response']>;
export type ResponseInput<K extends SupportedApiKey> = MessageInput<Schemas[K]['response']>;

/** The APIs only brokers send to each other (ZooKeeper-era controller → broker, broker → controller). */
const INTER_BROKER = new Set<number>([
  ApiKey.LeaderAndIsr,
  ApiKey.StopReplica,
  ApiKey.UpdateMetadata,
  ApiKey.ControlledShutdown,
]);

export interface ApiDescriptor {
  readonly apiKey: number;
  readonly name: string;
  /** The versions implemented, and advertised by default in ApiVersions. */
  readonly minVersion: number;
  readonly maxVersion: number;
  /** The first flexible version, or null when no implemented version is flexible. */
  readonly firstFlexibleVersion: number | null;
  readonly interBroker: boolean;
  readonly request: MessageSchema;
  readonly response: MessageSchema;
}

function describeApi(apiKey: number, request: MessageSchema, response: MessageSchema): ApiDescriptor {
  let firstFlexibleVersion: number | null = null;
  for (let version = request.minVersion; version <= request.maxVersion; version++) {
    if (request.isFlexible(version)) {
      firstFlexibleVersion = version;
      break;
    }
  }
  return {
    apiKey,
    name: apiName(apiKey),
    minVersion: request.minVersion,
    maxVersion: request.maxVersion,
    firstFlexibleVersion,
    interBroker: INTER_BROKER.has(apiKey),
    request,
    response,
  };
}

/** Every implemented API, by key (sorted by key). */
export const API_REGISTRY: ReadonlyMap<number, ApiDescriptor> = new Map(
  Object.entries(API_SCHEMAS)
    .map(([key, { request, response }]) =>
      describeApi(Number(key), request as unknown as MessageSchema, response as unknown as MessageSchema),
    )
    .sort((a, b) => a.apiKey - b.apiKey)
    .map((descriptor) => [descriptor.apiKey, descriptor]),
);

export function isSupportedApiKey(apiKey: number): apiKey is SupportedApiKey {
  return API_REGISTRY.has(apiKey);
}

export function isSupportedVersion(apiKey: number, apiVersion: number): boolean {
  const api = API_REGISTRY.get(apiKey);
  return api !== undefined && apiVersion >= api.minVersion && apiVersion <= api.maxVersion;
}

/**
 * Is this version of this API flexible? Works for versions outside the implemented range too (Kafka's
 * flexible ranges are open-ended "N+"), which is what reading the header of an unsupported request needs.
 */
export function isFlexibleVersion(apiKey: number, apiVersion: number): boolean {
  const api = API_REGISTRY.get(apiKey);
  if (!api) return false;
  return inVersionRange(api.request.flexibleVersions, apiVersion);
}

/** Request header version: 2 for flexible requests, 1 otherwise, 0 only for ControlledShutdown v0. */
export function requestHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 | 2 {
  if (apiKey === ApiKey.ControlledShutdown && apiVersion === 0) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 2 : 1;
}

/**
 * Response header version: 1 for flexible responses, 0 otherwise — and always 0 for ApiVersions, so a
 * client can read the answer (often an UNSUPPORTED_VERSION error in the v0 layout) before it knows
 * which versions the broker speaks (KIP-511).
 */
export function responseHeaderVersion(apiKey: number, apiVersion: number): 0 | 1 {
  if (apiKey === ApiKey.ApiVersions) return 0;
  return isFlexibleVersion(apiKey, apiVersion) ? 1 : 0;
}

export interface ApiVersionRange {
  readonly apiKey: number;
  readonly minVersion: number;
  readonly maxVersion: number;
}

/**
 * The `apiKeys` array of an ApiVersions response. `caps` lowers the advertised maximum of some APIs (for
 * example `{ [ApiKey.Fetch]: 12 }` for a broker without topic ids); `include` filters APIs out (for example
 * the inter-broker ones, which real Kafka advertises too).
 */
export function apiVersionsTable(
  caps: Readonly<Partial<Record<number, number>>> = {},
  include: (api: ApiDescriptor) => boolean = () => true,
): ApiVersionRange[] {
  const table: ApiVersionRange[] = [];
  for (const api of API_REGISTRY.values()) {
    if (!include(api)) continue;
    const cap = caps[api.apiKey];
    const maxVersion = cap === undefined ? api.maxVersion : Math.min(api.maxVersion, cap);
    if (maxVersion < api.minVersion) continue;
    table.push({ apiKey: api.apiKey, minVersion: api.minVersion, maxVersion });
  }
  return table;
}
