// A minimal single-node Kafka broker for tests and for capturing golden request frames from real clients
// (kafkajs, @platformatic/kafka, kcat). It speaks the wire protocol through our codec (client/protocol),
// keeps everything in memory, and records every request frame it receives.
//
// What it does — just enough for clients to go through their normal motions:
//   * ApiVersions: the advertised table (default: everything the codec implements; see PROFILES), and
//     UNSUPPORTED_VERSION in the v0 layout for versions we do not implement.
//   * Metadata: itself (node 1 by default) as the only broker, controller and leader of every partition;
//     topics are auto-created when a client asks for them (allowAutoTopicCreation is honoured from v4).
//   * Produce (stores batches, assigns offsets by rewriting each batch's baseOffset), Fetch (returns the
//     stored batches, waits up to 200 ms when there is nothing new), ListOffsets (-2 → 0, -1 → end).
//   * CreateTopics, DeleteTopics, CreatePartitions, DescribeConfigs (empty), InitProducerId,
//     OffsetForLeaderEpoch, and a one-member-at-a-time group coordinator (FindCoordinator, JoinGroup,
//     SyncGroup, Heartbeat, OffsetCommit, OffsetFetch, LeaveGroup, DescribeGroups, ListGroups).
// It is a test double, not a broker: no replication, no durability, no real rebalancing.
import { createServer, type Server, type Socket } from 'node:net';

import {
  ApiKey,
  apiName,
  apiVersionsTable,
  decodeRequestFrame,
  encodeResponseFrame,
  ErrorCode,
  FrameSplitter,
  isSupportedVersion,
  KafkaDecodeError,
  unsupportedApiVersionsResponse,
  uuidToString,
  type ApiVersionRange,
  type DecodedRequest,
  type ResponseInput,
  type SupportedApiKey,
} from '../../client/protocol/index.ts';

export interface RecordedFrame {
  /** Index of the TCP connection (in accept order). */
  readonly connection: number;
  readonly direction: 'request';
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The whole frame, including its 4-byte size prefix. */
  readonly hex: string;
  readonly note: string;
}

/**
 * Advertised API tables. `full`: everything the codec implements. `reference`: the one-version-per-API
 * set of kafka-clients.md §3 (no flexible versions), which keeps kafkajs and kcat on their oldest paths.
 */
export const PROFILES: Record<string, () => ApiVersionRange[]> = {
  full: () => apiVersionsTable(),
  reference: () =>
    apiVersionsTable(
      {
        [ApiKey.ApiVersions]: 2,
        [ApiKey.Metadata]: 4,
        [ApiKey.Produce]: 3,
        [ApiKey.Fetch]: 4,
        [ApiKey.ListOffsets]: 1,
        [ApiKey.FindCoordinator]: 0,
        [ApiKey.JoinGroup]: 1,
        [ApiKey.SyncGroup]: 0,
        [ApiKey.Heartbeat]: 0,
        [ApiKey.LeaveGroup]: 0,
        [ApiKey.OffsetCommit]: 2,
        [ApiKey.OffsetFetch]: 1,
        [ApiKey.DescribeGroups]: 0,
        [ApiKey.ListGroups]: 0,
        [ApiKey.CreateTopics]: 0,
        [ApiKey.DeleteTopics]: 0,
      },
      (api) =>
        [
          ApiKey.ApiVersions,
          ApiKey.Metadata,
          ApiKey.Produce,
          ApiKey.Fetch,
          ApiKey.ListOffsets,
          ApiKey.FindCoordinator,
          ApiKey.JoinGroup,
          ApiKey.SyncGroup,
          ApiKey.Heartbeat,
          ApiKey.LeaveGroup,
          ApiKey.OffsetCommit,
          ApiKey.OffsetFetch,
          ApiKey.DescribeGroups,
          ApiKey.ListGroups,
          ApiKey.CreateTopics,
          ApiKey.DeleteTopics,
        ].includes(api.apiKey as never),
    ),
};

export interface FakeBrokerOptions {
  readonly host?: string;
  /** 0 (default) picks a free port. */
  readonly port?: number;
  readonly nodeId?: number;
  /** Topics that exist from the start (one partition each unless `partitions` says otherwise). */
  readonly topics?: readonly string[];
  readonly partitions?: number;
  /** The advertised ApiVersions table. */
  readonly apiVersions?: readonly ApiVersionRange[];
  readonly autoCreateTopics?: boolean;
  /** Longest wait of an empty Fetch (the client's maxWaitMs is capped by this). */
  readonly fetchWaitCapMs?: number;
}

export interface FakeBroker {
  readonly host: string;
  readonly port: number;
  readonly nodeId: number;
  /** Every request frame received, in arrival order. */
  readonly frames: RecordedFrame[];
  /** Problems met (undecodable frames, unsupported versions); empty in a clean run. */
  readonly problems: string[];
  close(): Promise<void>;
}

interface StoredBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly bytes: Uint8Array;
}

interface PartitionState {
  batches: StoredBatch[];
  nextOffset: bigint;
}

interface TopicState {
  readonly name: string;
  readonly topicId: string;
  partitions: PartitionState[];
}

interface GroupState {
  generationId: number;
  protocolType: string;
  protocolName: string;
  leader: string;
  members: Map<string, { clientId: string; metadata: Uint8Array; assignment: Uint8Array }>;
  offsets: Map<string, { offset: bigint; metadata: string | null }>;
}

/** A stable topic id derived from the name (FNV-1a), so captures are reproducible. */
function topicIdFor(name: string): string {
  const bytes = new Uint8Array(16);
  let hash = 0x811c9dc5;
  for (let round = 0; round < 4; round++) {
    for (const char of `${round}:${name}`) {
      hash ^= char.charCodeAt(0);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    new DataView(bytes.buffer).setUint32(round * 4, hash);
  }
  return uuidToString(bytes);
}

export async function startFakeBroker(options: FakeBrokerOptions = {}): Promise<FakeBroker> {
  const host = options.host ?? '127.0.0.1';
  const nodeId = options.nodeId ?? 1;
  const defaultPartitions = options.partitions ?? 1;
  const advertised = options.apiVersions ?? apiVersionsTable();
  const autoCreate = options.autoCreateTopics ?? true;
  const fetchWaitCapMs = options.fetchWaitCapMs ?? 200;
  const frames: RecordedFrame[] = [];
  const problems: string[] = [];
  const topics = new Map<string, TopicState>();
  const groups = new Map<string, GroupState>();
  const sockets = new Set<Socket>();
  let connections = 0;
  let memberCounter = 0;
  let port = 0;

  const createTopic = (name: string, partitions = defaultPartitions): TopicState => {
    const topic: TopicState = {
      name,
      topicId: topicIdFor(name),
      partitions: Array.from({ length: Math.max(1, partitions) }, () => ({ batches: [], nextOffset: 0n })),
    };
    topics.set(name, topic);
    return topic;
  };
  for (const name of options.topics ?? []) createTopic(name);
  const topicById = (topicId: string): TopicState | undefined =>
    [...topics.values()].find((topic) => topic.topicId === topicId);
  const isAdvertised = (apiKey: number, apiVersion: number): boolean =>
    advertised.some(
      (api) => api.apiKey === apiKey && apiVersion >= api.minVersion && apiVersion <= api.maxVersion,
    );

  const group = (groupId: string): GroupState => {
    let state = groups.get(groupId);
    if (!state) {
      state = {
        generationId: 0,
        protocolType: '',
        protocolName: '',
        leader: '',
        members: new Map(),
        offsets: new Map(),
      };
      groups.set(groupId, state);
    }
    return state;
  };

  // ---- appending and reading record batches (only the fixed RecordBatch v2 header is touched)

  const append = (partition: PartitionState, records: Uint8Array | null): bigint => {
    const baseOffset = partition.nextOffset;
    if (records === null) return baseOffset;
    let position = 0;
    while (position + 12 <= records.length) {
      const view = new DataView(records.buffer, records.byteOffset + position);
      const batchLength = view.getInt32(8);
      const size = 12 + batchLength;
      if (batchLength < 0 || position + size > records.length) break;
      const batch = new Uint8Array(records.subarray(position, position + size));
      const header = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
      const magic = batch.length > 16 ? batch[16] : 0;
      const count = magic === 2 && batch.length >= 27 ? header.getInt32(23) + 1 : 1;
      header.setBigInt64(0, partition.nextOffset);
      const lastOffset = partition.nextOffset + BigInt(count) - 1n;
      partition.batches.push({ baseOffset: partition.nextOffset, lastOffset, bytes: batch });
      partition.nextOffset = lastOffset + 1n;
      position += size;
    }
    return baseOffset;
  };

  const readFrom = (partition: PartitionState, fetchOffset: bigint, maxBytes: number): Uint8Array => {
    const chosen: Uint8Array[] = [];
    let total = 0;
    for (const batch of partition.batches) {
      if (batch.lastOffset < fetchOffset) continue;
      if (chosen.length > 0 && total + batch.bytes.length > maxBytes) break;
      chosen.push(batch.bytes);
      total += batch.bytes.length;
    }
    // An empty answer is zero bytes, not null: librdkafka reads a null (-1) record set as an oversized
    // message ("might be too large to fetch"), and real brokers never send null here.
    if (chosen.length === 0) return new Uint8Array(0);
    const out = new Uint8Array(total);
    let position = 0;
    for (const bytes of chosen) {
      out.set(bytes, position);
      position += bytes.length;
    }
    return out;
  };

  // ---- request handlers: each returns the response body (undefined = no response, e.g. acks=0)

  const brokersList = () => [{ nodeId, host, port, rack: null }];

  const topicMetadata = (topic: TopicState) => ({
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: false,
    partitions: topic.partitions.map((_, index) => ({
      errorCode: 0,
      partitionIndex: index,
      leaderId: nodeId,
      leaderEpoch: 0,
      replicaNodes: [nodeId],
      isrNodes: [nodeId],
      offlineReplicas: [],
    })),
  });

  async function handle(request: DecodedRequest): Promise<unknown> {
    switch (request.apiKey) {
      case ApiKey.ApiVersions:
        return { errorCode: 0, apiKeys: [...advertised], throttleTimeMs: 0 } satisfies ResponseInput<
          typeof ApiKey.ApiVersions
        >;

      case ApiKey.Metadata: {
        const body = request.body;
        let chosen: ReturnType<typeof topicMetadata>[];
        if (body.topics === null || (request.apiVersion === 0 && body.topics.length === 0)) {
          chosen = [...topics.values()].map(topicMetadata);
        } else {
          chosen = body.topics.map(({ name, topicId }) => {
            const known = name === null ? topicById(topicId) : topics.get(name);
            if (known) return topicMetadata(known);
            const allowed = autoCreate && (request.apiVersion < 4 || body.allowAutoTopicCreation);
            if (allowed && name !== null) return topicMetadata(createTopic(name));
            return {
              ...topicMetadata({ name: name ?? '', topicId, partitions: [] }),
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            };
          });
        }
        return {
          brokers: brokersList(),
          clusterId: 'kzlab-fake-cluster',
          controllerId: nodeId,
          topics: chosen,
        } satisfies ResponseInput<typeof ApiKey.Metadata>;
      }

      case ApiKey.Produce: {
        const body = request.body;
        const response: ResponseInput<typeof ApiKey.Produce> = {
          responses: body.topicData.map(({ name, partitionData }) => ({
            name,
            partitionResponses: partitionData.map(({ index, records }) => {
              const topic = topics.get(name) ?? (autoCreate ? createTopic(name) : undefined);
              const partition = topic?.partitions[index];
              if (!partition) {
                return { index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
              }
              return { index, errorCode: 0, baseOffset: append(partition, records), logStartOffset: 0n };
            }),
          })),
        };
        return body.acks === 0 ? undefined : response;
      }

      case ApiKey.Fetch: {
        const body = request.body;
        const collect = () =>
          body.topics.map(({ topic: name, topicId, partitions }) => {
            const topic = request.apiVersion >= 13 ? topicById(topicId) : topics.get(name);
            return {
              topic: name,
              topicId,
              partitions: partitions.map(({ partition: index, fetchOffset, partitionMaxBytes }) => {
                const partition = topic?.partitions[index];
                if (!partition) {
                  return {
                    partitionIndex: index,
                    errorCode:
                      request.apiVersion >= 13
                        ? ErrorCode.UNKNOWN_TOPIC_ID
                        : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                    highWatermark: -1n,
                    records: new Uint8Array(0),
                  };
                }
                if (fetchOffset > partition.nextOffset || fetchOffset < 0n) {
                  return {
                    partitionIndex: index,
                    errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
                    highWatermark: partition.nextOffset,
                    records: new Uint8Array(0),
                  };
                }
                return {
                  partitionIndex: index,
                  errorCode: 0,
                  highWatermark: partition.nextOffset,
                  lastStableOffset: partition.nextOffset,
                  logStartOffset: 0n,
                  abortedTransactions: request.apiVersion >= 4 ? [] : null,
                  records: readFrom(partition, fetchOffset, partitionMaxBytes),
                };
              }),
            };
          });
        let responses = collect();
        const empty = responses.every(({ partitions }) =>
          partitions.every((p) => (p.records === null || p.records.length === 0) && p.errorCode === 0),
        );
        if (empty && body.maxWaitMs > 0) {
          await new Promise((resolve) => setTimeout(resolve, Math.min(body.maxWaitMs, fetchWaitCapMs)));
          responses = collect();
        }
        return { errorCode: 0, sessionId: 0, responses } satisfies ResponseInput<typeof ApiKey.Fetch>;
      }

      case ApiKey.ListOffsets: {
        const body = request.body;
        return {
          topics: body.topics.map(({ name, partitions }) => ({
            name,
            partitions: partitions.map(({ partitionIndex, timestamp }) => {
              const partition = topics.get(name)?.partitions[partitionIndex];
              if (!partition) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
              const offset = timestamp === -2n ? 0n : partition.nextOffset;
              return {
                partitionIndex,
                errorCode: 0,
                oldStyleOffsets: [offset],
                timestamp: -1n,
                offset,
                leaderEpoch: 0,
              };
            }),
          })),
        } satisfies ResponseInput<typeof ApiKey.ListOffsets>;
      }

      case ApiKey.CreateTopics: {
        return {
          topics: request.body.topics.map(({ name, numPartitions, replicationFactor, assignments }) => {
            if (topics.has(name)) {
              return {
                name,
                errorCode: ErrorCode.TOPIC_ALREADY_EXISTS,
                errorMessage: `Topic '${name}' already exists.`,
              };
            }
            const count =
              assignments.length > 0
                ? assignments.length
                : numPartitions > 0
                  ? numPartitions
                  : defaultPartitions;
            const topic = createTopic(name, count);
            return {
              name,
              topicId: topic.topicId,
              errorCode: 0,
              numPartitions: count,
              replicationFactor: replicationFactor > 0 ? replicationFactor : 1,
              configs: [],
            };
          }),
        } satisfies ResponseInput<typeof ApiKey.CreateTopics>;
      }

      case ApiKey.DeleteTopics: {
        const body = request.body;
        const names =
          request.apiVersion >= 6
            ? body.topics.map((t) => t.name ?? topicById(t.topicId)?.name ?? '')
            : body.topicNames;
        return {
          responses: names.map((name) => {
            const existed = topics.delete(name);
            return {
              name,
              topicId: topicIdFor(name),
              errorCode: existed ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            };
          }),
        } satisfies ResponseInput<typeof ApiKey.DeleteTopics>;
      }

      case ApiKey.CreatePartitions: {
        return {
          results: request.body.topics.map(({ name, count }) => {
            const topic = topics.get(name);
            if (!topic) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            if (count <= topic.partitions.length) return { name, errorCode: ErrorCode.INVALID_PARTITIONS };
            while (topic.partitions.length < count) topic.partitions.push({ batches: [], nextOffset: 0n });
            return { name, errorCode: 0 };
          }),
        } satisfies ResponseInput<typeof ApiKey.CreatePartitions>;
      }

      case ApiKey.DescribeConfigs:
        return {
          results: request.body.resources.map(({ resourceType, resourceName }) => ({
            errorCode: 0,
            errorMessage: null,
            resourceType,
            resourceName,
            configs: [],
          })),
        } satisfies ResponseInput<typeof ApiKey.DescribeConfigs>;

      case ApiKey.InitProducerId:
        return { errorCode: 0, producerId: 1000n, producerEpoch: 0 } satisfies ResponseInput<
          typeof ApiKey.InitProducerId
        >;

      case ApiKey.OffsetForLeaderEpoch:
        return {
          topics: request.body.topics.map(({ topic, partitions }) => ({
            topic,
            partitions: partitions.map(({ partition }) => ({
              errorCode: 0,
              partition,
              leaderEpoch: 0,
              endOffset: topics.get(topic)?.partitions[partition]?.nextOffset ?? -1n,
            })),
          })),
        } satisfies ResponseInput<typeof ApiKey.OffsetForLeaderEpoch>;

      case ApiKey.FindCoordinator: {
        const keys = request.apiVersion >= 4 ? request.body.coordinatorKeys : [request.body.key];
        return {
          errorCode: 0,
          nodeId,
          host,
          port,
          coordinators: keys.map((key) => ({ key, nodeId, host, port, errorCode: 0 })),
        } satisfies ResponseInput<typeof ApiKey.FindCoordinator>;
      }

      case ApiKey.JoinGroup: {
        const body = request.body;
        const state = group(body.groupId);
        const memberId =
          body.memberId !== '' ? body.memberId : `${request.header.clientId ?? 'member'}-${++memberCounter}`;
        const protocol = body.protocols[0];
        // One member at a time: a (re)join starts a new generation with just this member.
        state.members = new Map([
          [
            memberId,
            {
              clientId: request.header.clientId ?? '',
              metadata: protocol?.metadata ?? new Uint8Array(),
              assignment: new Uint8Array(),
            },
          ],
        ]);
        state.generationId++;
        state.protocolType = body.protocolType;
        state.protocolName = protocol?.name ?? '';
        state.leader = memberId;
        return {
          errorCode: 0,
          generationId: state.generationId,
          protocolType: body.protocolType,
          protocolName: state.protocolName,
          leader: memberId,
          memberId,
          members: [{ memberId, metadata: protocol?.metadata ?? new Uint8Array() }],
        } satisfies ResponseInput<typeof ApiKey.JoinGroup>;
      }

      case ApiKey.SyncGroup: {
        const body = request.body;
        const state = group(body.groupId);
        const member = state.members.get(body.memberId);
        if (!member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: new Uint8Array() };
        for (const { memberId, assignment } of body.assignments) {
          const target = state.members.get(memberId);
          if (target) target.assignment = assignment;
        }
        return {
          errorCode: 0,
          protocolType: state.protocolType,
          protocolName: state.protocolName,
          assignment: member.assignment,
        } satisfies ResponseInput<typeof ApiKey.SyncGroup>;
      }

      case ApiKey.Heartbeat: {
        const known = group(request.body.groupId).members.has(request.body.memberId);
        return { errorCode: known ? 0 : ErrorCode.UNKNOWN_MEMBER_ID } satisfies ResponseInput<
          typeof ApiKey.Heartbeat
        >;
      }

      case ApiKey.LeaveGroup: {
        const body = request.body;
        const state = group(body.groupId);
        const leaving =
          request.apiVersion >= 3 ? body.members : [{ memberId: body.memberId, groupInstanceId: null }];
        for (const { memberId } of leaving) state.members.delete(memberId);
        return {
          errorCode: 0,
          members: leaving.map(({ memberId, groupInstanceId }) => ({
            memberId,
            groupInstanceId,
            errorCode: 0,
          })),
        } satisfies ResponseInput<typeof ApiKey.LeaveGroup>;
      }

      case ApiKey.OffsetCommit: {
        const body = request.body;
        const state = group(body.groupId);
        return {
          topics: body.topics.map(({ name, partitions }) => ({
            name,
            partitions: partitions.map(({ partitionIndex, committedOffset, committedMetadata }) => {
              state.offsets.set(`${name}/${partitionIndex}`, {
                offset: committedOffset,
                metadata: committedMetadata,
              });
              return { partitionIndex, errorCode: 0 };
            }),
          })),
        } satisfies ResponseInput<typeof ApiKey.OffsetCommit>;
      }

      case ApiKey.OffsetFetch: {
        const body = request.body;
        const answer = (groupId: string, wanted: { name: string; partitionIndexes: number[] }[] | null) => {
          const state = group(groupId);
          const asked =
            wanted ??
            [...new Set([...state.offsets.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))].map(
              (name) => ({
                name,
                partitionIndexes: [...state.offsets.keys()]
                  .filter((key) => key.startsWith(`${name}/`))
                  .map((key) => Number(key.slice(name.length + 1))),
              }),
            );
          return asked.map(({ name, partitionIndexes }) => ({
            name,
            partitions: partitionIndexes.map((partitionIndex) => {
              const committed = state.offsets.get(`${name}/${partitionIndex}`);
              return {
                partitionIndex,
                committedOffset: committed?.offset ?? -1n,
                committedLeaderEpoch: -1,
                metadata: committed?.metadata ?? '',
                errorCode: 0,
              };
            }),
          }));
        };
        if (request.apiVersion >= 8) {
          return {
            groups: body.groups.map(({ groupId, topics: wanted }) => ({
              groupId,
              topics: answer(groupId, wanted),
              errorCode: 0,
            })),
          } satisfies ResponseInput<typeof ApiKey.OffsetFetch>;
        }
        return { topics: answer(body.groupId, body.topics), errorCode: 0 } satisfies ResponseInput<
          typeof ApiKey.OffsetFetch
        >;
      }

      case ApiKey.DescribeGroups:
        return {
          groups: request.body.groups.map((groupId) => {
            const state = groups.get(groupId);
            if (!state) {
              return {
                errorCode: 0,
                groupId,
                groupState: 'Dead',
                protocolType: '',
                protocolData: '',
                members: [],
              };
            }
            return {
              errorCode: 0,
              groupId,
              groupState: state.members.size > 0 ? 'Stable' : 'Empty',
              protocolType: state.protocolType,
              protocolData: state.protocolName,
              members: [...state.members].map(([memberId, member]) => ({
                memberId,
                clientId: member.clientId,
                clientHost: `/${host}`,
                memberMetadata: member.metadata,
                memberAssignment: member.assignment,
              })),
            };
          }),
        } satisfies ResponseInput<typeof ApiKey.DescribeGroups>;

      case ApiKey.ListGroups:
        return {
          errorCode: 0,
          groups: [...groups].map(([groupId, state]) => ({
            groupId,
            protocolType: state.protocolType,
            groupState: state.members.size > 0 ? 'Stable' : 'Empty',
            groupType: 'classic',
          })),
        } satisfies ResponseInput<typeof ApiKey.ListGroups>;

      default:
        // Inter-broker APIs: a bare success.
        return { errorCode: 0 };
    }
  }

  // ---- connections

  const onConnection = (socket: Socket): void => {
    const connection = connections++;
    sockets.add(socket);
    const splitter = new FrameSplitter();
    // Answer in request order even when a handler waits (a long-polling Fetch).
    let queue: Promise<void> = Promise.resolve();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      let payloads: Uint8Array[];
      try {
        payloads = splitter.push(chunk);
      } catch (error) {
        problems.push(`connection ${connection}: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      for (const payload of payloads) {
        const whole = new Uint8Array(4 + payload.length);
        new DataView(whole.buffer).setInt32(0, payload.length);
        whole.set(payload, 4);
        const hex = Buffer.from(whole).toString('hex');
        let request: ReturnType<typeof decodeRequestFrame>;
        try {
          request = decodeRequestFrame(payload);
        } catch (error) {
          const head = new DataView(payload.buffer, payload.byteOffset, Math.min(8, payload.length));
          const apiKey = payload.length >= 2 ? head.getInt16(0) : -1;
          const apiVersion = payload.length >= 4 ? head.getInt16(2) : -1;
          const message = error instanceof KafkaDecodeError ? error.message : String(error);
          problems.push(
            `connection ${connection}: ${apiName(apiKey)} v${apiVersion} undecodable: ${message}`,
          );
          frames.push({
            connection,
            direction: 'request',
            apiKey,
            apiVersion,
            correlationId: -1,
            clientId: null,
            hex,
            note: `UNDECODABLE: ${message}`,
          });
          socket.destroy();
          return;
        }
        frames.push({
          connection,
          direction: 'request',
          apiKey: request.apiKey,
          apiVersion: request.apiVersion,
          correlationId: request.correlationId,
          clientId: request.header?.clientId ?? null,
          hex,
          note:
            request.kind === 'request'
              ? describeRequest(request)
              : `${apiName(request.apiKey)} v${request.apiVersion} ${request.reason}`,
        });
        queue = queue.then(async () => {
          if (socket.destroyed) return;
          if (request.kind === 'unsupported') {
            if (request.apiKey === ApiKey.ApiVersions) {
              socket.write(unsupportedApiVersionsResponse(request.correlationId, advertised));
              return;
            }
            problems.push(
              `connection ${connection}: ${apiName(request.apiKey)} v${request.apiVersion} ${request.reason}`,
            );
            socket.destroy();
            return;
          }
          if (request.apiKey === ApiKey.ApiVersions && !isAdvertised(request.apiKey, request.apiVersion)) {
            // Implemented by the codec but not advertised by this profile: answer like an older broker.
            socket.write(unsupportedApiVersionsResponse(request.correlationId, advertised));
            return;
          }
          if (!isAdvertised(request.apiKey, request.apiVersion)) {
            problems.push(
              `connection ${connection}: ${apiName(request.apiKey)} v${request.apiVersion} was not advertised`,
            );
          }
          const body = await handle(request);
          if (body === undefined || socket.destroyed) return;
          socket.write(
            encodeResponseFrame(
              request.apiKey as SupportedApiKey,
              request.apiVersion,
              request.correlationId,
              body as never,
            ),
          );
        });
        queue = queue.catch((error: unknown) => {
          problems.push(
            `connection ${connection}: handler failed: ${(error as Error).stack ?? String(error)}`,
          );
          socket.destroy();
        });
      }
    });
  };

  const server: Server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake broker has no TCP address');
  port = address.port;

  return {
    host,
    get port() {
      return port;
    },
    nodeId,
    frames,
    problems,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A one-line summary of a request for the golden files' `note`. */
export function describeRequest(request: DecodedRequest): string {
  const head = `${apiName(request.apiKey)} v${request.apiVersion}`;
  const names = (list: readonly { name?: string | null; topic?: string }[] | null) =>
    list === null ? 'null(all)' : `[${list.map((t) => t.name ?? t.topic ?? '?').join(',')}]`;
  switch (request.apiKey) {
    case ApiKey.ApiVersions:
      return request.apiVersion >= 3
        ? `${head} clientSoftware=${request.body.clientSoftwareName}/${request.body.clientSoftwareVersion}`
        : head;
    case ApiKey.Metadata:
      return `${head} topics=${names(request.body.topics)}${request.apiVersion >= 4 ? ` allowAutoTopicCreation=${request.body.allowAutoTopicCreation}` : ''}`;
    case ApiKey.Produce:
      return `${head} acks=${request.body.acks} timeoutMs=${request.body.timeoutMs} topics=${names(request.body.topicData)} recordBytes=${request.body.topicData
        .flatMap((t) => t.partitionData.map((p) => p.records?.length ?? 0))
        .join('+')}`;
    case ApiKey.Fetch:
      return `${head} replicaId=${request.body.replicaId} maxWaitMs=${request.body.maxWaitMs} isolationLevel=${request.body.isolationLevel} ${request.body.topics
        .map(
          (t) =>
            `${request.apiVersion >= 13 ? t.topicId : t.topic}:${t.partitions.map((p) => `${p.partition}@${p.fetchOffset}`).join(',')}`,
        )
        .join(' ')}`;
    case ApiKey.ListOffsets:
      return `${head} ${request.body.topics.map((t) => `${t.name}:${t.partitions.map((p) => `${p.partitionIndex}@ts${p.timestamp}`).join(',')}`).join(' ')}`;
    case ApiKey.CreateTopics:
      return `${head} ${request.body.topics.map((t) => `${t.name}(partitions=${t.numPartitions},rf=${t.replicationFactor})`).join(' ')} timeoutMs=${request.body.timeoutMs}`;
    case ApiKey.DeleteTopics:
      return `${head} ${request.apiVersion >= 6 ? names(request.body.topics) : `[${request.body.topicNames.join(',')}]`}`;
    case ApiKey.FindCoordinator:
      return `${head} key=${request.apiVersion >= 4 ? request.body.coordinatorKeys.join(',') : request.body.key} keyType=${request.body.keyType}`;
    case ApiKey.JoinGroup:
      return `${head} group=${request.body.groupId} memberId=${JSON.stringify(request.body.memberId)} protocols=${request.body.protocols.map((p) => p.name).join(',')}`;
    case ApiKey.SyncGroup:
    case ApiKey.Heartbeat:
      return `${head} group=${request.body.groupId} generation=${request.body.generationId}`;
    case ApiKey.OffsetCommit:
      return `${head} group=${request.body.groupId} ${request.body.topics.map((t) => `${t.name}:${t.partitions.map((p) => `${p.partitionIndex}=${p.committedOffset}`).join(',')}`).join(' ')}`;
    case ApiKey.OffsetFetch:
      return request.apiVersion >= 8
        ? `${head} groups=${request.body.groups.map((g) => g.groupId).join(',')}`
        : `${head} group=${request.body.groupId}`;
    case ApiKey.LeaveGroup:
      return `${head} group=${request.body.groupId}`;
    default:
      return head;
  }
}

/** True when this codec implements the version (re-exported for capture scripts). */
export { isSupportedVersion };
