// The dashboard as a Kafka client of its own lab: produce and consume from the page, create topics, and
// watch consumer groups. One long-lived Admin per dashboard (made on first use, from the lab's bootstrap
// servers), and one long-lived Producer per (partitioner, acks) the page asked for, sharing the Admin's
// connections: a round-robin or sticky producer keeps its place between clicks, as a real one would.
//
//   POST /api/topics    {name, partitions, replicationFactor}                       → the topic
//   POST /api/produce   {topic, key|null, value, partitioner, acks, count}          → where each record
//                       landed (partition, offset), the murmur2 arithmetic of a key, and the producer's
//                       pipeline trace (serializer → partitioner → batch → send → acknowledged)
//   POST /api/consume   {topic, partition, from: beginning|latest, limit}           → records (offset, key, value)
//   GET  /api/groups    consumer groups: state, members and assignments, committed offsets and lag
//   (SSE) `groups`      the same, pushed about every 2 s while a page is open (read every 10 s
//                       otherwise, so the history and the timeline go on), with `samples`: each group's
//                       lag sample just recorded in the lag history (lag-history.ts; the whole history goes
//                       in the dashboard's snapshot). A rebalance or a group going Empty becomes a timeline
//                       entry.
// POST routes sit behind the dashboard's onRequest hook (header + loopback Host), like the fault buttons.

import type { IncomingMessage, Server, ServerResponse } from 'node:http';

import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Logger } from 'pino';

import { Admin, type GroupDescription, type GroupPartitionLag } from '../../client/admin/index.ts';
import { KzError } from '../../client/common/errors.ts';
import { Consumer, stringDeserializer, type ConsumerRecord } from '../../client/consumer/index.ts';
import { KafkaProtocolError } from '../../client/network/errors.ts';
import {
  createPartitioner,
  murmur2,
  Producer,
  toPositive,
  type Partitioner,
  type ProducerEvent,
} from '../../client/producer/index.ts';
import type { ClusterHandle } from '../cluster/handle.ts';
import { emptyLagHistory, newestSamples, recordLag, type LagHistory } from './lag-history.ts';
import type { JournalDraft } from './state.ts';

export const PARTITIONERS = ['default', 'round-robin', 'sticky'] as const;
export type PagePartitioner = (typeof PARTITIONERS)[number];
export const ACKS = ['0', '1', 'all'] as const;
export type PageAcks = (typeof ACKS)[number];

export interface LabClientOptions {
  readonly cluster: ClusterHandle;
  readonly log: Logger;
  readonly addJournal: (draft: JournalDraft) => void;
  readonly broadcast: (event: string, data: unknown) => void;
  /** Whether a page is open (groups are polled only then). */
  readonly hasViewers: () => boolean;
  /** Default 2000 ms. */
  readonly groupsIntervalMs?: number;
}

export interface LabClient {
  /** Each consumer group's recent lag samples, for the page's trend (survives a page reload). */
  lagHistory(): LagHistory;
  close(): Promise<void>;
}

/** Kafka's legal topic names (Topic.validate): 1–249 of [a-zA-Z0-9._-], not "." or "..". */
const TOPIC_NAME = '^(?!\\.{1,2}$)[a-zA-Z0-9._-]{1,249}$';
const MAX_PARTITIONS = 64;
const MAX_COUNT = 100;
const MAX_LIMIT = 200;
const MAX_TEXT = 10_000;
const utf8 = new TextEncoder();

/**
 * Java 2.4's RoundRobinPartitioner and UniformStickyPartitioner spread every record, keyed or not:
 * our partitioners with the key hidden from them.
 */
function ignoringKeys(inner: Partitioner, name: string): Partitioner {
  const partitioner: Partitioner = { name, partition: (input) => inner.partition({ ...input, key: null }) };
  // Only a sticky partitioner has the KIP-480 hook (the producer asks again after calling it).
  if (inner.onNewBatch !== undefined) {
    const onNewBatch = inner.onNewBatch.bind(inner);
    return { ...partitioner, onNewBatch: (input, previous) => onNewBatch({ ...input, key: null }, previous) };
  }
  return partitioner;
}

function partitionerFor(choice: PagePartitioner): Partitioner {
  switch (choice) {
    case 'default':
      // DefaultPartitioner (2.4): murmur2 of the key; records without a key stick (KIP-480).
      return createPartitioner('sticky');
    case 'round-robin':
      return ignoringKeys(createPartitioner('round-robin'), 'round-robin');
    case 'sticky':
      return ignoringKeys(createPartitioner('sticky'), 'sticky');
  }
}

/** JSON for the page: bigints as strings. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
}

class HttpError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A 4xx for what the learner can fix, 503/504 when the cluster cannot answer, 502 otherwise. */
function statusOf(error: unknown): { status: number; code: string; message: string } {
  if (error instanceof HttpError) return { status: error.status, code: error.code, message: error.message };
  if (error instanceof KafkaProtocolError) {
    const byName: Record<string, number> = {
      TOPIC_ALREADY_EXISTS: 409,
      INVALID_TOPIC_EXCEPTION: 400,
      INVALID_PARTITIONS: 400,
      INVALID_REPLICATION_FACTOR: 400,
      INVALID_REQUEST: 400,
      UNKNOWN_TOPIC_OR_PARTITION: 404,
      NOT_ENOUGH_REPLICAS: 503,
      NOT_ENOUGH_REPLICAS_AFTER_APPEND: 503,
      LEADER_NOT_AVAILABLE: 503,
      NOT_LEADER_OR_FOLLOWER: 503,
      REQUEST_TIMED_OUT: 504,
    };
    return { status: byName[error.errorName] ?? 502, code: error.errorName, message: error.message };
  }
  if (error instanceof KzError) {
    const status = error.code === 'KZ_ERR_REQUEST_TIMEOUT' ? 504 : error.retriable ? 503 : 502;
    return { status, code: error.code, message: error.message };
  }
  return { status: 500, code: 'KZ_ERR_INTERNAL', message: (error as Error).message };
}

async function fail(reply: FastifyReply, log: Logger, error: unknown): Promise<FastifyReply> {
  const { status, code, message } = statusOf(error);
  if (status >= 500) log.warn({ err: error }, 'dashboard client request failed');
  return reply.code(status).send({ error: { code, message } });
}

export interface GroupView {
  readonly groupId: string;
  readonly state: string;
  readonly protocol: string;
  readonly coordinatorId: number;
  readonly members: {
    memberId: string;
    clientId: string;
    clientHost: string;
    assignment: { topic: string; partition: number }[];
  }[];
  readonly partitions: {
    topic: string;
    partition: number;
    committedOffset: string;
    logEndOffset: string;
    lag: string;
    memberId: string | null;
    clientId: string | null;
  }[];
  readonly totalLag: string;
  readonly error: string | null;
}

export interface GroupsView {
  readonly at: number;
  readonly groups: readonly GroupView[];
  readonly error: string | null;
}

function groupView(description: GroupDescription, lag: GroupPartitionLag[] | Error): GroupView {
  const partitions = Array.isArray(lag) ? lag : [];
  return {
    groupId: description.groupId,
    state: description.state,
    protocol: description.protocol,
    coordinatorId: description.coordinatorId,
    members: description.members
      .map((member) => ({
        memberId: member.memberId,
        clientId: member.clientId,
        clientHost: member.clientHost,
        assignment: [...member.assignment].sort((a, b) =>
          a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
        ),
      }))
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
    partitions: partitions.map((entry) => ({
      topic: entry.topic,
      partition: entry.partition,
      committedOffset: entry.committedOffset.toString(),
      logEndOffset: entry.logEndOffset.toString(),
      lag: entry.lag.toString(),
      memberId: entry.memberId,
      clientId: entry.clientId,
    })),
    totalLag: partitions.reduce((sum, entry) => sum + entry.lag, 0n).toString(),
    error: description.error ?? (lag instanceof Error ? lag.message : null),
  };
}

/** Timeline entries for what changed between two group snapshots: rebalances and groups going Empty. */
export function groupChanges(before: GroupsView | undefined, after: GroupsView): JournalDraft[] {
  if (before === undefined) return [];
  const drafts: JournalDraft[] = [];
  const old = new Map(before.groups.map((group) => [group.groupId, group]));
  for (const group of after.groups) {
    const previous = old.get(group.groupId);
    const nodes = [`broker${group.coordinatorId}`];
    const membersOf = (g: GroupView | undefined) =>
      (g?.members ?? []).map((member) => member.memberId).join(' ');
    if (group.members.length > 0 && membersOf(previous) !== membersOf(group)) {
      drafts.push({
        at: after.at,
        kind: 'group-rebalanced',
        nodes,
        source: 'observed',
        params: { group: group.groupId, members: group.members.length, protocol: group.protocol || '—' },
      });
    } else if (group.state === 'Empty' && previous !== undefined && previous.state !== 'Empty') {
      drafts.push({
        at: after.at,
        kind: 'group-empty',
        nodes,
        source: 'observed',
        params: { group: group.groupId },
      });
    }
  }
  return drafts;
}

interface ProduceBody {
  topic: string;
  key: string | null;
  value: string;
  partitioner: PagePartitioner;
  acks: PageAcks;
  count?: number;
}

interface ConsumeBody {
  topic: string;
  partition: number;
  from: 'beginning' | 'latest';
  limit?: number;
}

interface TopicBody {
  name: string;
  partitions: number;
  replicationFactor: number;
}

export function registerLabClientRoutes(
  app: FastifyInstance<Server, IncomingMessage, ServerResponse, Logger>,
  options: LabClientOptions,
): LabClient {
  const { cluster, log } = options;
  const groupsIntervalMs = options.groupsIntervalMs ?? 2000;
  let admin: Admin | undefined;
  let bootstrap = '';
  const producers = new Map<string, Producer<string | null, string>>();
  /** One send at a time per producer, so a send's trace holds only its own events. */
  const queues = new Map<string, Promise<unknown>>();
  const traces = new Map<string, ProducerEvent[]>();
  let closed = false;

  const adminClient = async (): Promise<Admin> => {
    if (closed) throw new HttpError(503, 'KZ_ERR_LAB_STOPPING', 'the dashboard is closing');
    if (admin !== undefined) return admin;
    bootstrap = (await cluster.info()).bootstrap;
    if (bootstrap === '') throw new HttpError(409, 'KZ_ERR_NO_BROKERS', 'this lab runs no brokers');
    admin = new Admin({
      brokers: bootstrap,
      clientId: 'kzlab-dashboard',
      requestTimeoutMs: 5000,
      retries: 3,
    });
    return admin;
  };

  const producerFor = async (partitioner: PagePartitioner, acks: PageAcks) => {
    const shared = await adminClient();
    const id = `${partitioner}/${acks}`;
    let producer = producers.get(id);
    if (producer === undefined) {
      const trace: ProducerEvent[] = [];
      traces.set(id, trace);
      producer = new Producer<string | null, string>({
        brokers: bootstrap,
        cluster: shared.cluster,
        clientId: `kzlab-dashboard-${partitioner}-acks-${acks}`,
        acks: acks === 'all' ? 'all' : Number(acks) === 0 ? 0 : 1,
        partitioner: partitionerFor(partitioner),
        allowAutoTopicCreation: false,
        requestTimeoutMs: 5000,
        deliveryTimeoutMs: 15_000,
        maxBlockMs: 5000,
        traceRecords: true,
        onEvent: (event) => trace.push(event),
      });
      producers.set(id, producer);
    }
    return { id, producer, trace: traces.get(id)! };
  };

  /** The topic's partition count, or a 404 the learner can read. */
  const partitionsOf = async (topic: string): Promise<number> => {
    const client = await adminClient();
    const [description] = await client.describeTopics([topic]);
    if (description === undefined || description.error === 'UNKNOWN_TOPIC_OR_PARTITION') {
      throw new HttpError(404, 'UNKNOWN_TOPIC_OR_PARTITION', `no topic ${topic}: create it first`);
    }
    // E.g. LEADER_NOT_AVAILABLE while a topic is being created or its leader is being elected.
    if (description.error !== null || description.partitions.length === 0) {
      const error = description.error ?? 'LEADER_NOT_AVAILABLE';
      throw new HttpError(503, error, `${topic} cannot be used right now (${error}): try again in a moment`);
    }
    return description.partitions.length;
  };

  app.post<{ Body: TopicBody }>(
    '/api/topics',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['name', 'partitions', 'replicationFactor'],
          properties: {
            name: { type: 'string', pattern: TOPIC_NAME },
            partitions: { type: 'integer', minimum: 1, maximum: MAX_PARTITIONS },
            replicationFactor: { type: 'integer', minimum: 1, maximum: 5 },
          },
        },
      },
    },
    async (request, reply) => {
      const { name, partitions, replicationFactor } = request.body;
      try {
        if (name.startsWith('__'))
          throw new HttpError(
            400,
            'INVALID_TOPIC_EXCEPTION',
            'names starting with __ are for internal topics',
          );
        const brokers = (await cluster.info()).nodes.filter((node) => node.kind === 'broker').length;
        if (replicationFactor > brokers)
          throw new HttpError(
            400,
            'INVALID_REPLICATION_FACTOR',
            `replication factor ${replicationFactor} is larger than the ${brokers} broker(s) of this lab`,
          );
        const client = await adminClient();
        const [result] = await client.createTopics({
          topics: [{ name, numPartitions: partitions, replicationFactor }],
          timeoutMs: 10_000,
        });
        if (result.error !== null) {
          const status = result.error === 'TOPIC_ALREADY_EXISTS' ? 409 : 400;
          throw new HttpError(status, result.error, result.errorMessage ?? result.error);
        }
        log.info({ name, partitions, replicationFactor }, 'topic created from the dashboard');
        return reply.code(201).send({ name, partitions, replicationFactor });
      } catch (error) {
        return fail(reply, log, error);
      }
    },
  );

  app.post<{ Body: ProduceBody }>(
    '/api/produce',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['topic', 'key', 'value', 'partitioner', 'acks'],
          properties: {
            topic: { type: 'string', pattern: TOPIC_NAME },
            key: { type: ['string', 'null'], maxLength: MAX_TEXT },
            value: { type: 'string', maxLength: MAX_TEXT },
            partitioner: { type: 'string', enum: [...PARTITIONERS] },
            acks: { type: 'string', enum: [...ACKS] },
            count: { type: 'integer', minimum: 1, maximum: MAX_COUNT },
          },
        },
      },
    },
    async (request, reply) => {
      const { topic, value, partitioner, acks } = request.body;
      // An empty key box means no key (null), as in kafka-console-producer without parse.key.
      const key = request.body.key === '' ? null : request.body.key;
      const count = request.body.count ?? 1;
      try {
        const partitionCount = await partitionsOf(topic);
        const { id, producer, trace } = await producerFor(partitioner, acks);
        const values = Array.from({ length: count }, (_, index) =>
          count === 1 ? value : `${value} #${index + 1}`,
        );
        const run = async () => {
          trace.length = 0;
          const started = Date.now();
          const messages = values.map((text) => ({ key, value: text }));
          const reports = await producer.send({ topic, messages });
          return { reports, events: trace.splice(0), tookMs: Date.now() - started };
        };
        const previous = queues.get(id) ?? Promise.resolve();
        const mine = previous.catch(() => undefined).then(run);
        queues.set(id, mine);
        const { reports, events, tookMs } = await mine;
        let keyHash: Record<string, number> | null = null;
        if (key !== null) {
          const hash = murmur2(utf8.encode(key));
          keyHash = {
            murmur2: hash,
            positive: toPositive(hash),
            partitionCount,
            partition: toPositive(hash) % partitionCount,
          };
        }
        return plain({
          topic,
          key,
          partitioner,
          acks,
          partitionCount,
          keyHash,
          tookMs,
          records: reports.map((report, index) => ({
            partition: report.partition,
            offset: report.offset,
            value: values[index],
          })),
          // The producer calls any keyed record's strategy 'key'; round-robin and sticky here ignore keys.
          trace:
            partitioner === 'default'
              ? events
              : events.map((event) =>
                  event.type === 'record.partitioned' ? { ...event, strategy: partitioner } : event,
                ),
        });
      } catch (error) {
        return fail(reply, log, error);
      }
    },
  );

  app.post<{ Body: ConsumeBody }>(
    '/api/consume',
    {
      schema: {
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['topic', 'partition', 'from'],
          properties: {
            topic: { type: 'string', pattern: TOPIC_NAME },
            partition: { type: 'integer', minimum: 0, maximum: MAX_PARTITIONS * 16 },
            from: { type: 'string', enum: ['beginning', 'latest'] },
            limit: { type: 'integer', minimum: 1, maximum: MAX_LIMIT },
          },
        },
      },
    },
    async (request, reply) => {
      const { topic, partition, from } = request.body;
      const limit = request.body.limit ?? 20;
      try {
        const partitionCount = await partitionsOf(topic);
        if (partition >= partitionCount)
          throw new HttpError(
            404,
            'UNKNOWN_TOPIC_OR_PARTITION',
            `${topic} has partitions 0…${partitionCount - 1}, not ${partition}`,
          );
        const client = await adminClient();
        const offsets = (await client.listOffsets(topic)).find((entry) => entry.partition === partition)!;
        const { earliest, latest } = offsets;
        // "latest": the newest `limit` records below the high watermark.
        let start = from === 'beginning' ? earliest : latest - BigInt(limit);
        if (start < earliest) start = earliest;
        const records: ConsumerRecord<string | null, string | null>[] = [];
        if (start < latest) {
          const consumer = new Consumer<string | null, string | null>({
            brokers: bootstrap,
            clientId: 'kzlab-dashboard-reader',
            groupId: null,
            keyDeserializer: stringDeserializer,
            valueDeserializer: stringDeserializer,
            fetchMaxWaitMs: 100,
            requestTimeoutMs: 5000,
          });
          try {
            const tp = { topic, partition };
            consumer.assign([tp]);
            consumer.seek(tp, start);
            const deadline = Date.now() + 5000;
            const end = start + BigInt(limit) < latest ? start + BigInt(limit) : latest;
            while (Date.now() < deadline) {
              for (const record of await consumer.poll(300)) if (record.offset < end) records.push(record);
              const last = records.at(-1);
              if (last !== undefined && last.offset >= end - 1n) break;
            }
          } finally {
            await consumer.close();
          }
        }
        return plain({
          topic,
          partition,
          from,
          logStartOffset: earliest,
          highWatermark: latest,
          records: records.map((record) => ({
            offset: record.offset,
            key: record.key,
            value: record.value,
            timestamp: record.timestamp,
          })),
        });
      } catch (error) {
        return fail(reply, log, error);
      }
    },
  );

  // ---------------------------------------------------------------------------------------------------
  // Consumer groups

  const IDLE_POLL_EVERY = 5;
  let groups: GroupsView | undefined;
  let lagHistory = emptyLagHistory();
  const readGroups = async (): Promise<GroupsView> => {
    const at = Date.now();
    try {
      const client = await adminClient();
      const listing = (await client.listGroups()).filter(
        (group) => group.protocolType === 'consumer' || group.protocolType === '',
      );
      const descriptions =
        listing.length === 0 ? [] : await client.describeGroups(listing.map((g) => g.groupId));
      const lags = await Promise.all(
        descriptions.map((description) =>
          client.groupLag(description.groupId).catch((error: unknown) => error as Error),
        ),
      );
      return {
        at,
        groups: descriptions.map((description, index) => groupView(description, lags[index])),
        error: null,
      };
    } catch (error) {
      return { at, groups: groups?.groups ?? [], error: statusOf(error).message };
    }
  };

  let timer: NodeJS.Timeout | undefined;
  let polling: Promise<void> | undefined;
  const pollGroups = async (): Promise<void> => {
    const next = await readGroups();
    if (closed) return;
    if (next.error === null) for (const draft of groupChanges(groups, next)) options.addJournal(draft);
    groups = next;
    lagHistory = recordLag(lagHistory, next);
    // The samples just recorded, so the page extends the history it got in the snapshot as the server did.
    options.broadcast('groups', { ...next, samples: next.error === null ? newestSamples(lagHistory) : {} });
  };
  // With nobody watching, still poll, five times less often: the timeline keeps a group's rebalances and
  // the lag history keeps its trend for whoever opens the page later.
  let idleTicks = 0;
  const schedule = (): void => {
    if (closed) return;
    timer = setTimeout(() => {
      if (options.hasViewers() || ++idleTicks % IDLE_POLL_EVERY === 0)
        polling = pollGroups().finally(schedule);
      else schedule();
    }, groupsIntervalMs);
  };
  schedule();

  app.get('/api/groups', async () => {
    if (groups === undefined || Date.now() - groups.at > groupsIntervalMs) {
      groups = await readGroups();
    }
    return groups;
  });

  return {
    lagHistory: () => lagHistory,
    async close() {
      closed = true;
      clearTimeout(timer);
      await polling?.catch(() => undefined);
      for (const producer of producers.values()) await producer.close({ timeoutMs: 2000 });
      producers.clear();
      await admin?.close();
    },
  };
}
