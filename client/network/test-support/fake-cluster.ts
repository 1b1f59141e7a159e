// An in-memory Kafka cluster of N fake brokers for the client's unit tests (derived from
// test/support/kafka-fake-broker.ts, which the client may not import). Each broker is a real TCP server
// on 127.0.0.1 speaking the wire protocol through our codec; they share one in-memory state:
//   * topics with partitions spread over the brokers (leader of partition p = broker (p mod N));
//     Produce/Fetch/ListOffsets to a non-leader answer NOT_LEADER_OR_FOLLOWER; `setLeader` moves one;
//   * Produce stores batches (offsets assigned by rewriting baseOffset), acks=0 gets no response;
//   * Fetch long-polls (woken by appends) up to maxWaitMs, honours minBytes;
//   * a real multi-member group coordinator: JoinGroup barrier (all known members rejoin or the
//     rebalance timeout), MEMBER_ID_REQUIRED for v4+, protocol vote, leader-only member list, SyncGroup
//     parked until the leader's assignment, heartbeats with REBALANCE_IN_PROGRESS / ILLEGAL_GENERATION /
//     UNKNOWN_MEMBER_ID, session expiry, LeaveGroup, generation checks on OffsetCommit;
//   * admin APIs (CreateTopics/DeleteTopics/CreatePartitions to the controller only, DescribeConfigs,
//     ListGroups, DescribeGroups);
//   * error injection (`inject`) and response delays (`delay`) per API, broker, topic-partition.
// It is a test double: no replication, no durability.

import { createServer, type Server, type Socket } from 'node:net';

import {
  ApiKey,
  apiVersionsTable,
  decodeRequestFrame,
  encodeResponseFrame,
  ErrorCode,
  FrameSplitter,
  unsupportedApiVersionsResponse,
  uuidToString,
  type ApiVersionRange,
  type DecodedRequest,
  type SupportedApiKey,
} from '../../protocol/index.ts';
import { decodeRecordBatches, type Record as KafkaRecord } from '../../protocol/records/index.ts';
import { nodeRecordCompression } from '../../node/native-codecs.ts';

export interface FakeClusterOptions {
  /** Number of brokers (ids 1..N). Default 1. */
  brokers?: number;
  /** Topics that exist from the start: name → partition count. */
  topics?: Record<string, number>;
  autoCreateTopics?: boolean;
  defaultPartitions?: number;
  apiVersions?: readonly ApiVersionRange[];
  /** Longest wait of an empty Fetch. Default 1000. */
  fetchWaitCapMs?: number;
  /** Which broker coordinates groups. Default 1. */
  coordinatorId?: number;
  /** Which broker is the controller. Default 1. */
  controllerId?: number;
}

export interface LoggedRequest {
  nodeId: number;
  connection: number;
  apiKey: number;
  apiVersion: number;
  correlationId: number;
  clientId: string | null;
  body: DecodedRequest['body'];
  at: number;
}

export interface InjectedError {
  apiKey: number;
  errorCode: number;
  /** Only on this broker. */
  nodeId?: number;
  /** Only for this topic (and partition) — Produce, Fetch, ListOffsets, OffsetCommit. */
  topic?: string;
  partition?: number;
  /** How many times (default 1). */
  times?: number;
}

interface StoredBatch {
  baseOffset: bigint;
  lastOffset: bigint;
  maxTimestamp: bigint;
  bytes: Uint8Array;
}

interface PartitionState {
  leader: number;
  leaderEpoch: number;
  batches: StoredBatch[];
  logStartOffset: bigint;
  nextOffset: bigint;
}

interface TopicState {
  name: string;
  topicId: string;
  partitions: PartitionState[];
  configs: Map<string, string | null>;
}

type GroupStateName = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

interface MemberState {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  protocols: { name: string; metadata: Uint8Array }[];
  assignment: Uint8Array;
  lastSeen: number;
  joinVersion: number;
  pendingJoin: ((response: unknown) => void) | null;
  pendingSync: ((response: unknown) => void) | null;
}

export interface FakeGroup {
  groupId: string;
  state: GroupStateName;
  generationId: number;
  protocolType: string;
  protocolName: string;
  leaderId: string;
  members: Map<string, MemberState>;
  offsets: Map<string, { offset: bigint; metadata: string | null }>;
  rebalanceTimer: ReturnType<typeof setTimeout> | null;
  /** How many rebalances completed (for tests). */
  rebalances: number;
}

export interface FakeBrokerHandle {
  nodeId: number;
  host: string;
  port: number;
}

export interface FakeCluster {
  readonly brokers: FakeBrokerHandle[];
  /** "host:port" of every broker. */
  readonly bootstrap: string[];
  readonly requests: LoggedRequest[];
  readonly problems: string[];
  readonly groups: Map<string, FakeGroup>;
  createTopic(name: string, partitions: number): void;
  deleteTopic(name: string): void;
  setLeader(topic: string, partition: number, nodeId: number): void;
  inject(error: InjectedError): void;
  /** Delay every response to `apiKey` (on one broker, or all) by `ms`. */
  delay(apiKey: number, ms: number, nodeId?: number): void;
  /** Stop answering `apiKey` at all (on one broker, or all: to exercise timeouts), until called again with false. */
  blackhole(apiKey: number, enabled?: boolean, nodeId?: number): void;
  /** Drop the log below `offset` (log start moves: earlier fetches get OFFSET_OUT_OF_RANGE). */
  truncateHead(topic: string, partition: number, offset: bigint): void;
  /** Decoded records of a partition (for assertions). */
  records(topic: string, partition: number): KafkaRecord[];
  endOffset(topic: string, partition: number): bigint;
  /** Requests of one API (in arrival order). */
  requestsOf(apiKey: number): LoggedRequest[];
  /** Close all client connections of one broker (the broker keeps listening). */
  dropConnections(nodeId?: number): void;
  close(): Promise<void>;
}

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

const now = () => Date.now();

export async function startFakeCluster(options: FakeClusterOptions = {}): Promise<FakeCluster> {
  const brokerCount = options.brokers ?? 1;
  const nodeIds = Array.from({ length: brokerCount }, (_, i) => i + 1);
  const advertised = options.apiVersions ?? apiVersionsTable();
  const autoCreate = options.autoCreateTopics ?? true;
  const defaultPartitions = options.defaultPartitions ?? 1;
  const fetchWaitCapMs = options.fetchWaitCapMs ?? 1000;
  const coordinatorId = options.coordinatorId ?? 1;
  const controllerId = options.controllerId ?? 1;
  const host = '127.0.0.1';

  const topics = new Map<string, TopicState>();
  const groups = new Map<string, FakeGroup>();
  const requests: LoggedRequest[] = [];
  const problems: string[] = [];
  const injected: (InjectedError & { remaining: number })[] = [];
  const delays = new Map<string, number>();
  /** `apiKey/nodeId` or `apiKey/*`. */
  const blackholed = new Set<string>();
  const fetchWaiters = new Set<() => void>();
  const servers: { nodeId: number; server: Server; port: number; sockets: Set<Socket> }[] = [];
  let memberCounter = 0;
  let connectionCounter = 0;

  const createTopic = (name: string, count: number): TopicState => {
    const topic: TopicState = {
      name,
      topicId: topicIdFor(name),
      partitions: Array.from({ length: Math.max(1, count) }, (_, p) => ({
        leader: nodeIds[p % nodeIds.length],
        leaderEpoch: 0,
        batches: [],
        logStartOffset: 0n,
        nextOffset: 0n,
      })),
      configs: new Map(),
    };
    topics.set(name, topic);
    return topic;
  };
  for (const [name, count] of Object.entries(options.topics ?? {})) createTopic(name, count);

  /** Consumes one matching injected error, if any. */
  const takeInjected = (apiKey: number, nodeId: number, topic?: string, partition?: number): number => {
    const index = injected.findIndex(
      (rule) =>
        rule.apiKey === apiKey &&
        (rule.nodeId === undefined || rule.nodeId === nodeId) &&
        (rule.topic === undefined || rule.topic === topic) &&
        (rule.partition === undefined || rule.partition === partition),
    );
    if (index < 0) return 0;
    const rule = injected[index];
    rule.remaining--;
    if (rule.remaining <= 0) injected.splice(index, 1);
    return rule.errorCode;
  };

  const append = (partition: PartitionState, records: Uint8Array | null): bigint => {
    const baseOffset = partition.nextOffset;
    if (records === null) return baseOffset;
    let position = 0;
    while (position + 61 <= records.length) {
      const view = new DataView(records.buffer, records.byteOffset + position);
      const size = 12 + view.getInt32(8);
      if (size < 61 || position + size > records.length) break;
      const batch = new Uint8Array(records.subarray(position, position + size));
      const header = new DataView(batch.buffer);
      const count = header.getInt32(23) + 1;
      header.setBigInt64(0, partition.nextOffset);
      header.setInt32(12, partition.leaderEpoch);
      const lastOffset = partition.nextOffset + BigInt(count) - 1n;
      partition.batches.push({
        baseOffset: partition.nextOffset,
        lastOffset,
        maxTimestamp: header.getBigInt64(35),
        bytes: batch,
      });
      partition.nextOffset = lastOffset + 1n;
      position += size;
    }
    for (const wake of [...fetchWaiters]) wake();
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
    const out = new Uint8Array(total);
    let position = 0;
    for (const bytes of chosen) {
      out.set(bytes, position);
      position += bytes.length;
    }
    return out;
  };

  // ---- group coordinator

  const group = (groupId: string): FakeGroup => {
    let state = groups.get(groupId);
    if (!state) {
      state = {
        groupId,
        state: 'Empty',
        generationId: 0,
        protocolType: '',
        protocolName: '',
        leaderId: '',
        members: new Map(),
        offsets: new Map(),
        rebalanceTimer: null,
        rebalances: 0,
      };
      groups.set(groupId, state);
    }
    return state;
  };
  const pendingMemberIds = new Set<string>();

  const joinResponse = (g: FakeGroup, member: MemberState) => ({
    errorCode: 0,
    generationId: g.generationId,
    protocolType: g.protocolType,
    protocolName: g.protocolName,
    leader: g.leaderId,
    memberId: member.memberId,
    members:
      member.memberId === g.leaderId
        ? [...g.members.values()].map((m) => ({
            memberId: m.memberId,
            groupInstanceId: m.groupInstanceId,
            metadata: m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? new Uint8Array(),
          }))
        : [],
  });

  const completeJoin = (g: FakeGroup): void => {
    if (g.state !== 'PreparingRebalance') return;
    if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
    g.rebalanceTimer = null;
    for (const member of [...g.members.values()]) {
      if (!member.pendingJoin) g.members.delete(member.memberId);
    }
    if (g.members.size === 0) {
      g.state = 'Empty';
      g.generationId++;
      return;
    }
    // Protocol: supported by all members, most votes (each member's first supported choice).
    const all = [...g.members.values()];
    const common = all[0].protocols
      .map((p) => p.name)
      .filter((name) => all.every((m) => m.protocols.some((p) => p.name === name)));
    if (common.length === 0) {
      for (const member of all) {
        member.pendingJoin?.({
          errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
          generationId: -1,
          protocolName: member.joinVersion >= 7 ? null : '',
          leader: '',
          memberId: member.memberId,
          members: [],
        });
        member.pendingJoin = null;
      }
      g.members.clear();
      g.state = 'Empty';
      return;
    }
    const votes = new Map<string, number>();
    for (const member of all) {
      const choice = member.protocols.find((p) => common.includes(p.name))!.name;
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    g.protocolName = [...votes.entries()].sort(
      (a, b) => b[1] - a[1] || common.indexOf(a[0]) - common.indexOf(b[0]),
    )[0][0];
    if (!g.members.has(g.leaderId)) g.leaderId = all[0].memberId;
    g.generationId++;
    g.rebalances++;
    g.state = 'CompletingRebalance';
    for (const member of all) {
      member.assignment = new Uint8Array();
      member.lastSeen = now();
      const resolve = member.pendingJoin!;
      member.pendingJoin = null;
      resolve(joinResponse(g, member));
    }
  };

  const maybeCompleteJoin = (g: FakeGroup): void => {
    if (g.state === 'PreparingRebalance' && [...g.members.values()].every((m) => m.pendingJoin !== null)) {
      completeJoin(g);
    }
  };

  const startRebalance = (g: FakeGroup): void => {
    if (g.state === 'PreparingRebalance') {
      maybeCompleteJoin(g);
      return;
    }
    // Pending syncs of the old generation learn of the rebalance.
    for (const member of g.members.values()) {
      if (member.pendingSync) {
        member.pendingSync({ errorCode: ErrorCode.REBALANCE_IN_PROGRESS, assignment: new Uint8Array() });
        member.pendingSync = null;
      }
    }
    g.state = 'PreparingRebalance';
    const timeout = Math.max(1, ...[...g.members.values()].map((m) => m.rebalanceTimeoutMs));
    g.rebalanceTimer = setTimeout(() => completeJoin(g), timeout);
    maybeCompleteJoin(g);
  };

  const removeMember = (g: FakeGroup, memberId: string): void => {
    const member = g.members.get(memberId);
    if (!member) return;
    g.members.delete(memberId);
    member.pendingJoin?.({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      generationId: -1,
      protocolName: member.joinVersion >= 7 ? null : '',
      leader: '',
      memberId,
      members: [],
    });
    member.pendingSync?.({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, assignment: new Uint8Array() });
    if (g.members.size === 0) {
      if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      g.rebalanceTimer = null;
      g.state = 'Empty';
      g.leaderId = '';
      return;
    }
    if (g.leaderId === memberId) g.leaderId = [...g.members.keys()][0];
    startRebalance(g);
  };

  const sessionSweep = setInterval(() => {
    const t = now();
    for (const g of groups.values()) {
      for (const member of [...g.members.values()]) {
        if (member.pendingJoin) continue;
        if (t - member.lastSeen > member.sessionTimeoutMs) removeMember(g, member.memberId);
      }
    }
  }, 20);
  sessionSweep.unref();

  // ---- request handling

  const brokersList = () => servers.map(({ nodeId, port }) => ({ nodeId, host, port, rack: null }));

  const topicMetadata = (topic: TopicState) => ({
    errorCode: 0,
    name: topic.name,
    topicId: topic.topicId,
    isInternal: false,
    partitions: topic.partitions.map((partition, index) => ({
      errorCode: 0,
      partitionIndex: index,
      leaderId: partition.leader,
      leaderEpoch: partition.leaderEpoch,
      replicaNodes: [partition.leader],
      isrNodes: [partition.leader],
      offlineReplicas: [],
    })),
  });

  const waitForData = (ms: number, ready: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      if (ready()) return resolve();
      const done = () => {
        clearTimeout(timer);
        fetchWaiters.delete(wake);
        resolve();
      };
      const wake = () => {
        if (ready()) done();
      };
      const timer = setTimeout(done, ms);
      fetchWaiters.add(wake);
    });

  async function handle(nodeId: number, request: DecodedRequest): Promise<unknown> {
    switch (request.apiKey) {
      case ApiKey.ApiVersions:
        return { errorCode: 0, apiKeys: [...advertised], throttleTimeMs: 0 };

      case ApiKey.Metadata: {
        const body = request.body;
        let chosen;
        if (body.topics === null) chosen = [...topics.values()].map(topicMetadata);
        else {
          chosen = body.topics.map(({ name, topicId }) => {
            const known = name === null ? undefined : topics.get(name);
            if (known) return topicMetadata(known);
            const allowed = autoCreate && (request.apiVersion < 4 || body.allowAutoTopicCreation);
            if (allowed && name !== null) {
              createTopic(name, defaultPartitions);
              // Like Kafka, the first answer after auto-creation says LEADER_NOT_AVAILABLE.
              return {
                ...topicMetadata({ name, topicId, partitions: [], configs: new Map() }),
                errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
              };
            }
            return {
              ...topicMetadata({ name: name ?? '', topicId, partitions: [], configs: new Map() }),
              errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            };
          });
        }
        return { brokers: brokersList(), clusterId: 'kzlab-fake-cluster', controllerId, topics: chosen };
      }

      case ApiKey.Produce: {
        const body = request.body;
        const response = {
          responses: body.topicData.map(({ name, partitionData }) => ({
            name,
            partitionResponses: partitionData.map(({ index, records }) => {
              const topic = topics.get(name);
              const partition = topic?.partitions[index];
              if (!partition)
                return { index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1n };
              if (partition.leader !== nodeId)
                return { index, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, baseOffset: -1n };
              const injectedCode = takeInjected(ApiKey.Produce, nodeId, name, index);
              if (injectedCode !== 0) return { index, errorCode: injectedCode, baseOffset: -1n };
              return {
                index,
                errorCode: 0,
                baseOffset: append(partition, records),
                logStartOffset: partition.logStartOffset,
              };
            }),
          })),
        };
        return body.acks === 0 ? undefined : response;
      }

      case ApiKey.Fetch: {
        const body = request.body;
        const collect = () =>
          body.topics.map(({ topic: name, partitions }) => ({
            topic: name,
            partitions: partitions.map(({ partition: index, fetchOffset, partitionMaxBytes }) => {
              const partition = topics.get(name)?.partitions[index];
              const empty = { partitionIndex: index, highWatermark: -1n, records: new Uint8Array(0) };
              if (!partition) return { ...empty, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
              if (partition.leader !== nodeId)
                return { ...empty, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
              const injectedCode = takeInjected(ApiKey.Fetch, nodeId, name, index);
              if (injectedCode !== 0) return { ...empty, errorCode: injectedCode };
              if (fetchOffset > partition.nextOffset || fetchOffset < partition.logStartOffset) {
                return {
                  ...empty,
                  errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
                  highWatermark: partition.nextOffset,
                };
              }
              return {
                partitionIndex: index,
                errorCode: 0,
                highWatermark: partition.nextOffset,
                lastStableOffset: partition.nextOffset,
                logStartOffset: partition.logStartOffset,
                abortedTransactions: request.apiVersion >= 4 ? [] : null,
                records: readFrom(partition, fetchOffset, partitionMaxBytes),
              };
            }),
          }));
        const enough = (responses: ReturnType<typeof collect>) => {
          let bytes = 0;
          for (const t of responses) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0) return true;
              bytes += p.records.length;
            }
          }
          return bytes > 0 && bytes >= body.minBytes;
        };
        let responses = collect();
        if (!enough(responses) && body.maxWaitMs > 0) {
          await waitForData(Math.min(body.maxWaitMs, fetchWaitCapMs), () => enough(collect()));
          responses = collect();
        }
        return { errorCode: 0, sessionId: 0, responses };
      }

      case ApiKey.ListOffsets:
        return {
          topics: request.body.topics.map(({ name, partitions }) => ({
            name,
            partitions: partitions.map(({ partitionIndex, timestamp }) => {
              const partition = topics.get(name)?.partitions[partitionIndex];
              if (!partition) return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
              if (partition.leader !== nodeId)
                return { partitionIndex, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
              const injectedCode = takeInjected(ApiKey.ListOffsets, nodeId, name, partitionIndex);
              if (injectedCode !== 0) return { partitionIndex, errorCode: injectedCode };
              let offset: bigint;
              if (timestamp === -2n) offset = partition.logStartOffset;
              else if (timestamp === -1n) offset = partition.nextOffset;
              else offset = partition.batches.find((b) => b.maxTimestamp >= timestamp)?.baseOffset ?? -1n;
              return {
                partitionIndex,
                errorCode: 0,
                oldStyleOffsets: [offset],
                timestamp: -1n,
                offset,
                leaderEpoch: partition.leaderEpoch,
              };
            }),
          })),
        };

      case ApiKey.CreateTopics:
        return {
          topics: request.body.topics.map(
            ({ name, numPartitions, replicationFactor, assignments, configs }) => {
              if (nodeId !== controllerId) return { name, errorCode: ErrorCode.NOT_CONTROLLER };
              if (topics.has(name))
                return {
                  name,
                  errorCode: ErrorCode.TOPIC_ALREADY_EXISTS,
                  errorMessage: `Topic '${name}' already exists.`,
                };
              if (replicationFactor > nodeIds.length) {
                return {
                  name,
                  errorCode: ErrorCode.INVALID_REPLICATION_FACTOR,
                  errorMessage: `Replication factor: ${replicationFactor} larger than available brokers: ${nodeIds.length}.`,
                };
              }
              const count =
                assignments.length > 0
                  ? assignments.length
                  : numPartitions > 0
                    ? numPartitions
                    : defaultPartitions;
              if (request.body.validateOnly)
                return { name, errorCode: 0, numPartitions: count, replicationFactor };
              const topic = createTopic(name, count);
              for (const { name: key, value } of configs) topic.configs.set(key, value);
              return {
                name,
                topicId: topic.topicId,
                errorCode: 0,
                numPartitions: count,
                replicationFactor: replicationFactor > 0 ? replicationFactor : 1,
                configs: [],
              };
            },
          ),
        };

      case ApiKey.DeleteTopics: {
        const body = request.body;
        const names = request.apiVersion >= 6 ? body.topics.map((t) => t.name ?? '') : body.topicNames;
        return {
          responses: names.map((name) => {
            if (nodeId !== controllerId) return { name, errorCode: ErrorCode.NOT_CONTROLLER };
            const existed = topics.delete(name);
            return {
              name,
              topicId: topicIdFor(name),
              errorCode: existed ? 0 : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            };
          }),
        };
      }

      case ApiKey.CreatePartitions:
        return {
          results: request.body.topics.map(({ name, count }) => {
            if (nodeId !== controllerId) return { name, errorCode: ErrorCode.NOT_CONTROLLER };
            const topic = topics.get(name);
            if (!topic) return { name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
            if (count <= topic.partitions.length)
              return {
                name,
                errorCode: ErrorCode.INVALID_PARTITIONS,
                errorMessage: `Topic currently has ${topic.partitions.length} partitions, which is higher than the requested ${count}.`,
              };
            if (!request.body.validateOnly) {
              while (topic.partitions.length < count) {
                const p = topic.partitions.length;
                topic.partitions.push({
                  leader: nodeIds[p % nodeIds.length],
                  leaderEpoch: 0,
                  batches: [],
                  logStartOffset: 0n,
                  nextOffset: 0n,
                });
              }
            }
            return { name, errorCode: 0 };
          }),
        };

      case ApiKey.DescribeConfigs:
        return {
          results: request.body.resources.map(({ resourceType, resourceName, configurationKeys }) => {
            const defaults: [string, string][] =
              resourceType === 2
                ? [
                    ['cleanup.policy', 'delete'],
                    ['retention.ms', '604800000'],
                    ['min.insync.replicas', '1'],
                    ['segment.bytes', '1073741824'],
                  ]
                : [
                    ['num.partitions', String(defaultPartitions)],
                    ['default.replication.factor', '1'],
                    ['log.retention.hours', '168'],
                  ];
            const topic = resourceType === 2 ? topics.get(resourceName) : undefined;
            if (resourceType === 2 && !topic) {
              return {
                errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
                errorMessage: null,
                resourceType,
                resourceName,
                configs: [],
              };
            }
            const entries = new Map<string, { value: string | null; isDefault: boolean }>(
              defaults.map(([k, v]) => [k, { value: v, isDefault: true }]),
            );
            for (const [k, v] of topic?.configs ?? []) entries.set(k, { value: v, isDefault: false });
            return {
              errorCode: 0,
              errorMessage: null,
              resourceType,
              resourceName,
              configs: [...entries]
                .filter(([name]) => configurationKeys === null || configurationKeys.includes(name))
                .map(([name, { value, isDefault }]) => ({
                  name,
                  value,
                  readOnly: false,
                  isDefault,
                  configSource: isDefault ? 5 : 1,
                  isSensitive: false,
                  synonyms: [],
                })),
            };
          }),
        };

      case ApiKey.FindCoordinator: {
        const keys = request.apiVersion >= 4 ? request.body.coordinatorKeys : [request.body.key];
        const code = takeInjected(ApiKey.FindCoordinator, nodeId);
        const port = servers.find((s) => s.nodeId === coordinatorId)!.port;
        return {
          errorCode: code,
          nodeId: code === 0 ? coordinatorId : -1,
          host: code === 0 ? host : '',
          port: code === 0 ? port : -1,
          coordinators: keys.map((key) => ({ key, nodeId: coordinatorId, host, port, errorCode: code })),
        };
      }

      case ApiKey.JoinGroup: {
        const body = request.body;
        if (nodeId !== coordinatorId)
          return {
            errorCode: ErrorCode.NOT_COORDINATOR,
            generationId: -1,
            protocolName: request.apiVersion >= 7 ? null : '',
            leader: '',
            memberId: body.memberId,
            members: [],
          };
        const injectedCode = takeInjected(ApiKey.JoinGroup, nodeId);
        if (injectedCode !== 0)
          return {
            errorCode: injectedCode,
            generationId: -1,
            protocolName: request.apiVersion >= 7 ? null : '',
            leader: '',
            memberId: body.memberId,
            members: [],
          };
        const g = group(body.groupId);
        let memberId = body.memberId;
        if (memberId === '') {
          memberId = `${request.header.clientId ?? 'member'}-${++memberCounter}`;
          if (request.apiVersion >= 4) {
            pendingMemberIds.add(memberId);
            return {
              errorCode: ErrorCode.MEMBER_ID_REQUIRED,
              generationId: -1,
              protocolName: request.apiVersion >= 7 ? null : '',
              leader: '',
              memberId,
              members: [],
            };
          }
        } else if (!g.members.has(memberId) && !pendingMemberIds.delete(memberId)) {
          return {
            errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
            generationId: -1,
            protocolName: request.apiVersion >= 7 ? null : '',
            leader: '',
            memberId,
            members: [],
          };
        }
        if (g.members.size > 0 && g.protocolType !== '' && g.protocolType !== body.protocolType) {
          return {
            errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
            generationId: -1,
            protocolName: request.apiVersion >= 7 ? null : '',
            leader: '',
            memberId,
            members: [],
          };
        }
        g.protocolType = body.protocolType;
        return new Promise((resolve) => {
          const existing = g.members.get(memberId);
          const member: MemberState = existing ?? {
            memberId,
            groupInstanceId: body.groupInstanceId,
            clientId: request.header.clientId ?? '',
            sessionTimeoutMs: body.sessionTimeoutMs,
            rebalanceTimeoutMs: body.rebalanceTimeoutMs > 0 ? body.rebalanceTimeoutMs : body.sessionTimeoutMs,
            protocols: [],
            assignment: new Uint8Array(),
            lastSeen: now(),
            joinVersion: request.apiVersion,
            pendingJoin: null,
            pendingSync: null,
          };
          member.protocols = body.protocols.map((p) => ({ name: p.name, metadata: p.metadata }));
          member.sessionTimeoutMs = body.sessionTimeoutMs;
          member.joinVersion = request.apiVersion;
          member.lastSeen = now();
          member.pendingJoin = resolve;
          if (!existing) {
            g.members.set(memberId, member);
            if (g.leaderId === '' || !g.members.has(g.leaderId)) g.leaderId = memberId;
          }
          startRebalance(g);
        });
      }

      case ApiKey.SyncGroup: {
        const body = request.body;
        const fail = (errorCode: number) => ({ errorCode, assignment: new Uint8Array() });
        if (nodeId !== coordinatorId) return fail(ErrorCode.NOT_COORDINATOR);
        const g = group(body.groupId);
        const member = g.members.get(body.memberId);
        if (!member) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
        if (body.generationId !== g.generationId) return fail(ErrorCode.ILLEGAL_GENERATION);
        if (g.state === 'PreparingRebalance') return fail(ErrorCode.REBALANCE_IN_PROGRESS);
        member.lastSeen = now();
        const answer = (m: MemberState) => ({
          errorCode: 0,
          protocolType: g.protocolType,
          protocolName: g.protocolName,
          assignment: m.assignment,
        });
        if (g.state === 'Stable') return answer(member);
        if (body.memberId === g.leaderId) {
          for (const { memberId, assignment } of body.assignments) {
            const target = g.members.get(memberId);
            if (target) target.assignment = assignment;
          }
          g.state = 'Stable';
          for (const other of g.members.values()) {
            if (other.pendingSync) {
              other.pendingSync(answer(other));
              other.pendingSync = null;
            }
          }
          return answer(member);
        }
        return new Promise((resolve) => {
          member.pendingSync = resolve;
        });
      }

      case ApiKey.Heartbeat: {
        const body = request.body;
        if (nodeId !== coordinatorId) return { errorCode: ErrorCode.NOT_COORDINATOR };
        const injectedCode = takeInjected(ApiKey.Heartbeat, nodeId);
        if (injectedCode !== 0) return { errorCode: injectedCode };
        const g = group(body.groupId);
        const member = g.members.get(body.memberId);
        if (!member) return { errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
        member.lastSeen = now();
        if (body.generationId !== g.generationId) return { errorCode: ErrorCode.ILLEGAL_GENERATION };
        if (g.state === 'PreparingRebalance') return { errorCode: ErrorCode.REBALANCE_IN_PROGRESS };
        return { errorCode: 0 };
      }

      case ApiKey.LeaveGroup: {
        const body = request.body;
        if (nodeId !== coordinatorId) return { errorCode: ErrorCode.NOT_COORDINATOR, members: [] };
        const g = group(body.groupId);
        const leaving =
          request.apiVersion >= 3 ? body.members : [{ memberId: body.memberId, groupInstanceId: null }];
        const results = leaving.map(({ memberId, groupInstanceId }) => {
          const known = g.members.has(memberId);
          removeMember(g, memberId);
          return { memberId, groupInstanceId, errorCode: known ? 0 : ErrorCode.UNKNOWN_MEMBER_ID };
        });
        return { errorCode: 0, members: results };
      }

      case ApiKey.OffsetCommit: {
        const body = request.body;
        const g = group(body.groupId);
        let groupError = 0;
        if (nodeId !== coordinatorId) groupError = ErrorCode.NOT_COORDINATOR;
        else if (body.generationId < 0 && body.memberId === '') {
          if (g.members.size > 0) groupError = ErrorCode.UNKNOWN_MEMBER_ID;
        } else if (!g.members.has(body.memberId)) groupError = ErrorCode.UNKNOWN_MEMBER_ID;
        else if (body.generationId !== g.generationId) groupError = ErrorCode.ILLEGAL_GENERATION;
        else if (g.state === 'CompletingRebalance') groupError = ErrorCode.REBALANCE_IN_PROGRESS;
        return {
          topics: body.topics.map(({ name, partitions }) => ({
            name,
            partitions: partitions.map(({ partitionIndex, committedOffset, committedMetadata }) => {
              const code = groupError || takeInjected(ApiKey.OffsetCommit, nodeId, name, partitionIndex);
              if (code === 0)
                g.offsets.set(`${name}/${partitionIndex}`, {
                  offset: committedOffset,
                  metadata: committedMetadata,
                });
              return { partitionIndex, errorCode: code };
            }),
          })),
        };
      }

      case ApiKey.OffsetFetch: {
        const body = request.body;
        const answer = (groupId: string, wanted: { name: string; partitionIndexes: number[] }[] | null) => {
          const g = group(groupId);
          const asked =
            wanted ??
            [...new Set([...g.offsets.keys()].map((key) => key.slice(0, key.lastIndexOf('/'))))].map(
              (name) => ({
                name,
                partitionIndexes: [...g.offsets.keys()]
                  .filter((key) => key.startsWith(`${name}/`))
                  .map((key) => Number(key.slice(name.length + 1))),
              }),
            );
          return asked.map(({ name, partitionIndexes }) => ({
            name,
            partitions: partitionIndexes.map((partitionIndex) => {
              const committed = g.offsets.get(`${name}/${partitionIndex}`);
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
        const code = nodeId !== coordinatorId ? ErrorCode.NOT_COORDINATOR : 0;
        if (request.apiVersion >= 8) {
          return {
            groups: body.groups.map(({ groupId, topics: wanted }) => ({
              groupId,
              topics: code ? [] : answer(groupId, wanted),
              errorCode: code,
            })),
          };
        }
        return { topics: code ? [] : answer(body.groupId, body.topics), errorCode: code };
      }

      case ApiKey.DescribeGroups:
        return {
          groups: request.body.groups.map((groupId) => {
            const g = groups.get(groupId);
            if (nodeId !== coordinatorId)
              return {
                errorCode: ErrorCode.NOT_COORDINATOR,
                groupId,
                groupState: '',
                protocolType: '',
                protocolData: '',
                members: [],
              };
            if (!g)
              return {
                errorCode: 0,
                groupId,
                groupState: 'Dead',
                protocolType: '',
                protocolData: '',
                members: [],
              };
            return {
              errorCode: 0,
              groupId,
              groupState: g.state,
              protocolType: g.protocolType,
              protocolData: g.state === 'Stable' ? g.protocolName : '',
              members: [...g.members.values()].map((m) => ({
                memberId: m.memberId,
                groupInstanceId: m.groupInstanceId,
                clientId: m.clientId,
                clientHost: `/${host}`,
                memberMetadata:
                  m.protocols.find((p) => p.name === g.protocolName)?.metadata ?? new Uint8Array(),
                memberAssignment: m.assignment,
              })),
            };
          }),
        };

      case ApiKey.ListGroups:
        return {
          errorCode: 0,
          groups:
            nodeId === coordinatorId
              ? [...groups.values()].map((g) => ({
                  groupId: g.groupId,
                  protocolType: g.protocolType,
                  groupState: g.state,
                  groupType: 'classic',
                }))
              : [],
        };

      default:
        return { errorCode: 0 };
    }
  }

  const onConnection = (nodeId: number, sockets: Set<Socket>) => (socket: Socket) => {
    const connection = connectionCounter++;
    sockets.add(socket);
    socket.setNoDelay(true);
    const splitter = new FrameSplitter();
    let queue: Promise<void> = Promise.resolve();
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => sockets.delete(socket));
    socket.on('data', (chunk: Buffer) => {
      let payloads: Uint8Array[];
      try {
        payloads = splitter.push(chunk);
      } catch (error) {
        problems.push(`broker ${nodeId}: ${(error as Error).message}`);
        socket.destroy();
        return;
      }
      for (const payload of payloads) {
        const request = decodeRequestFrame(payload);
        if (request.kind === 'unsupported') {
          if (request.apiKey === ApiKey.ApiVersions)
            socket.write(unsupportedApiVersionsResponse(request.correlationId, advertised));
          else {
            problems.push(`broker ${nodeId}: unsupported ${request.apiKey} v${request.apiVersion}`);
            socket.destroy();
          }
          continue;
        }
        const advertisedRange = advertised.find((api) => api.apiKey === request.apiKey);
        if (
          !advertisedRange ||
          request.apiVersion < advertisedRange.minVersion ||
          request.apiVersion > advertisedRange.maxVersion
        ) {
          if (request.apiKey === ApiKey.ApiVersions) {
            socket.write(unsupportedApiVersionsResponse(request.correlationId, advertised));
            continue;
          }
          problems.push(`broker ${nodeId}: ${request.apiKey} v${request.apiVersion} was not advertised`);
        }
        requests.push({
          nodeId,
          connection,
          apiKey: request.apiKey,
          apiVersion: request.apiVersion,
          correlationId: request.correlationId,
          clientId: request.header.clientId,
          body: request.body,
          at: now(),
        });
        // Handlers start at once (so parked JoinGroups and long polls of one connection do not block the
        // group barrier of another); responses still leave in request order per connection.
        const answer = (async () => {
          const delayMs = delays.get(`${request.apiKey}/${nodeId}`) ?? delays.get(`${request.apiKey}/*`) ?? 0;
          if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
          return handle(nodeId, request);
        })();
        queue = queue.then(async () => {
          const body = await answer;
          if (
            body === undefined ||
            socket.destroyed ||
            blackholed.has(`${request.apiKey}/${nodeId}`) ||
            blackholed.has(`${request.apiKey}/*`)
          )
            return;
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
          problems.push(`broker ${nodeId}: handler failed: ${(error as Error).stack ?? String(error)}`);
          socket.destroy();
        });
      }
    });
  };

  for (const nodeId of nodeIds) {
    const sockets = new Set<Socket>();
    const server = createServer(onConnection(nodeId, sockets));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, host, () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address === 'string') throw new Error('no TCP address');
    servers.push({ nodeId, server, port: address.port, sockets });
  }

  return {
    brokers: servers.map(({ nodeId, port }) => ({ nodeId, host, port })),
    bootstrap: servers.map(({ port }) => `${host}:${port}`),
    requests,
    problems,
    groups,
    createTopic: (name, partitions) => void createTopic(name, partitions),
    deleteTopic: (name) => void topics.delete(name),
    setLeader(topic, partition, nodeId) {
      const state = topics.get(topic)!.partitions[partition];
      state.leader = nodeId;
      state.leaderEpoch++;
    },
    inject(error) {
      injected.push({ ...error, remaining: error.times ?? 1 });
    },
    delay(apiKey, ms, nodeId) {
      delays.set(`${apiKey}/${nodeId ?? '*'}`, ms);
    },
    blackhole(apiKey, enabled = true, nodeId) {
      const key = `${apiKey}/${nodeId ?? '*'}`;
      if (enabled) blackholed.add(key);
      else blackholed.delete(key);
    },
    truncateHead(topic, partition, offset) {
      const state = topics.get(topic)!.partitions[partition];
      state.logStartOffset = offset;
      state.batches = state.batches.filter((b) => b.lastOffset >= offset);
    },
    records(topic, partition) {
      const state = topics.get(topic)?.partitions[partition];
      if (!state) return [];
      return state.batches.flatMap((batch) =>
        decodeRecordBatches(batch.bytes, { compression: nodeRecordCompression }).flatMap((b) => b.records),
      );
    },
    endOffset: (topic, partition) => topics.get(topic)?.partitions[partition]?.nextOffset ?? -1n,
    requestsOf: (apiKey) => requests.filter((r) => r.apiKey === apiKey),
    dropConnections(nodeId) {
      for (const s of servers)
        if (nodeId === undefined || s.nodeId === nodeId) for (const socket of s.sockets) socket.destroy();
    },
    async close() {
      clearInterval(sessionSweep);
      for (const g of groups.values()) if (g.rebalanceTimer) clearTimeout(g.rebalanceTimer);
      for (const wake of fetchWaiters) wake();
      for (const { server, sockets } of servers) {
        for (const socket of sockets) socket.destroy();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
