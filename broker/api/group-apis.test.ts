// FindCoordinator as GroupApis answers it from the metadata cache: the first lookup creates
// __consumer_offsets once (offsets.topic.* settings, replication factor capped to the live brokers,
// compacted) and answers COORDINATOR_NOT_AVAILABLE until the group's partition has a live leader; then the
// leader's endpoint. Transaction coordinators do not exist in kzlab; unknown key types are INVALID_REQUEST.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';

import {
  ApiKey,
  ErrorCode,
  decodeRequestFrame,
  decodeResponseFrame,
  encodeRequestFrame,
  type DecodedRequest,
  type RequestInput,
  type ResponseBody,
} from '../../client/protocol/index.ts';
import { partitionFor } from '../group/partition-for.ts';
import type { GroupCoordinatorShell } from '../server/group-coordinator-shell.ts';
import type { BrokerEndpoint, MetadataCache, PartitionMetadata } from '../server/metadata-cache.ts';
import { GroupApis } from './group-apis.ts';
import type { TopicAdmin } from './kafka-apis.ts';

const PARTITIONS = 50;

class FakeCache {
  brokers: BrokerEndpoint[] = [{ id: 1, host: 'b1', port: 9092, rack: null }];
  partitions: PartitionMetadata[] | null = null;
  aliveBrokers = (): BrokerEndpoint[] => this.brokers;
  broker = (id: number): BrokerEndpoint | undefined => this.brokers.find((b) => b.id === id);
  hasTopic = (topic: string): boolean => topic === '__consumer_offsets' && this.partitions !== null;
  partition = (_topic: string, partition: number): PartitionMetadata | undefined =>
    this.partitions?.[partition];
}

function setUp(replicationFactor = 3) {
  const cache = new FakeCache();
  const created: Parameters<TopicAdmin['createTopics']>[] = [];
  let finishCreation: () => void = () => undefined;
  const topicAdmin = {
    isController: () => false,
    createTopics: (...args: Parameters<TopicAdmin['createTopics']>) => {
      created.push(args);
      return new Promise((resolve) => {
        finishCreation = () => resolve([{ name: '__consumer_offsets', errorCode: 0, errorMessage: null }]);
      });
    },
  } as unknown as TopicAdmin;
  const coordinator = {
    partitionFor: (groupId: string) => partitionFor(groupId, PARTITIONS),
  } as unknown as GroupCoordinatorShell;
  const apis = new GroupApis({
    coordinator,
    metadataCache: cache as unknown as MetadataCache,
    topicAdmin,
    offsetsTopicNumPartitions: PARTITIONS,
    offsetsTopicReplicationFactor: replicationFactor,
    offsetsTopicSegmentBytes: 104857600,
    log: pino({ level: 'silent' }),
  });
  const find = async (version: number, body: RequestInput<10>): Promise<ResponseBody<10>> => {
    const request = decodeRequestFrame(
      encodeRequestFrame(
        ApiKey.FindCoordinator,
        version,
        { correlationId: 3, clientId: 'test' },
        body,
      ).subarray(4),
    ) as Extract<DecodedRequest, { apiKey: 10 }>;
    const frame = await apis.handle(request, { id: 1, remoteAddress: '127.0.0.1', remotePort: 1 });
    return decodeResponseFrame(ApiKey.FindCoordinator, version, frame.subarray(4)).body;
  };
  const leadersOn = (leader: number): PartitionMetadata[] =>
    Array.from({ length: PARTITIONS }, (_, partition) => ({
      topic: '__consumer_offsets',
      partition,
      leader,
      leaderEpoch: 0,
      isr: [leader],
      replicas: [leader],
      offlineReplicas: [],
      zkVersion: 0,
      controllerEpoch: 1,
    }));
  return { cache, created, apis, find, leadersOn, finish: () => finishCreation() };
}

describe('GroupApis FindCoordinator', () => {
  it('creates __consumer_offsets once, with the replication factor capped to the live brokers', async () => {
    const { cache, created, find, finish, leadersOn } = setUp(3);
    expect((await find(0, { key: 'my-group' } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    expect((await find(1, { key: 'other', keyType: 0 } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    expect(created).toHaveLength(1); // the second lookup found the creation in flight
    const [[topics, options]] = created;
    expect(topics).toEqual([
      {
        name: '__consumer_offsets',
        numPartitions: PARTITIONS,
        replicationFactor: 1,
        assignments: [],
        configs: [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'compression.type', value: 'producer' },
          { name: 'segment.bytes', value: '104857600' },
        ],
      },
    ]);
    expect(options).toEqual({ timeoutMs: 0, validateOnly: false });
    finish();

    // The topic is in the cache, but "my-group"'s partition (12) has no live leader yet.
    cache.partitions = leadersOn(-1);
    expect(partitionFor('my-group', PARTITIONS)).toBe(12);
    expect((await find(0, { key: 'my-group' } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    cache.partitions = leadersOn(2); // broker 2 leads it but is not alive
    expect((await find(0, { key: 'my-group' } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    cache.brokers.push({ id: 2, host: 'b2', port: 9093, rack: null });
    expect(await find(1, { key: 'my-group', keyType: 0 } as RequestInput<10>)).toMatchObject({
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      nodeId: 2,
      host: 'b2',
      port: 9093,
    });
    expect(created).toHaveLength(1);
  });

  it('keeps the configured replication factor when enough brokers are alive', async () => {
    const { cache, created, find } = setUp(2);
    cache.brokers.push(
      { id: 2, host: 'b2', port: 9093, rack: null },
      { id: 3, host: 'b3', port: 9094, rack: null },
    );
    await find(0, { key: 'g' } as RequestInput<10>);
    expect(created[0][0][0].replicationFactor).toBe(2);
  });

  it('answers transaction lookups with COORDINATOR_NOT_AVAILABLE and unknown key types with INVALID_REQUEST', async () => {
    const { cache, created, find, leadersOn } = setUp();
    cache.partitions = leadersOn(1);
    expect((await find(1, { key: 'tx', keyType: 1 } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.COORDINATOR_NOT_AVAILABLE,
    );
    expect((await find(2, { key: 'g', keyType: 7 } as RequestInput<10>)).errorCode).toBe(
      ErrorCode.INVALID_REQUEST,
    );
    const batched = await find(4, { keyType: 0, coordinatorKeys: ['a', 'b'] } as RequestInput<10>);
    expect(batched.coordinators.map((c) => [c.key, c.errorCode, c.nodeId, c.host, c.port])).toEqual([
      ['a', ErrorCode.NONE, 1, 'b1', 9092],
      ['b', ErrorCode.NONE, 1, 'b1', 9092],
    ]);
    expect(created).toHaveLength(0);
  });
});
