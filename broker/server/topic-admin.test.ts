import pino from 'pino';
import { describe, expect, it } from 'vitest';

import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { fixedRandom, toTopicAssignment } from '../controller/assignment.ts';
import type { TopicAssignment } from '../controller/types.ts';
import { DEFAULT_LOG_CONFIG } from '../log/log-config.ts';
import { KeeperException } from '../zk/errors.ts';
import type { KafkaZkClient } from '../zk/kafka-zk-client.ts';
import { MetadataCache } from './metadata-cache.ts';
import { ZkTopicAdmin } from './topic-admin.ts';

/** The few KafkaZkClient calls ZkTopicAdmin makes, over an in-memory map. */
class FakeZk {
  readonly topics = new Map<string, TopicAssignment>();
  readonly configs = new Map<string, Map<string, string>>();
  readonly deletions: string[] = [];
  readonly writes: string[] = [];

  async getAllTopicsInCluster(): Promise<string[]> {
    return [...this.topics.keys()].sort();
  }
  async setOrCreateEntityConfigs(
    _type: string,
    name: string,
    config: ReadonlyMap<string, string>,
  ): Promise<void> {
    this.writes.push(`/config/topics/${name}`);
    this.configs.set(name, new Map(config));
  }
  async createTopicAssignment(topic: string, assignment: TopicAssignment): Promise<void> {
    if (this.topics.has(topic)) throw new KeeperException('NODEEXISTS', `/brokers/topics/${topic}`);
    this.writes.push(`/brokers/topics/${topic}`);
    this.topics.set(topic, assignment);
  }
  async createDeleteTopicPath(topic: string): Promise<void> {
    this.deletions.push(topic);
  }
  readonly versions = new Map<string, number>();
  async isTopicMarkedForDeletion(topic: string): Promise<boolean> {
    return this.deletions.includes(topic);
  }
  async getTopicAssignment(
    topic: string,
  ): Promise<{ assignment: TopicAssignment; version: number } | undefined> {
    const assignment = this.topics.get(topic);
    return assignment === undefined ? undefined : { assignment, version: this.versions.get(topic) ?? 0 };
  }
  async setTopicAssignment(topic: string, assignment: TopicAssignment, expectedVersion = -1): Promise<void> {
    const version = this.versions.get(topic) ?? 0;
    if (!this.topics.has(topic)) throw new KeeperException('NONODE', `/brokers/topics/${topic}`);
    if (expectedVersion !== -1 && expectedVersion !== version)
      throw new KeeperException('BADVERSION', `/brokers/topics/${topic}`);
    this.writes.push(`set /brokers/topics/${topic}@${expectedVersion}`);
    this.topics.set(topic, assignment);
    this.versions.set(topic, version + 1);
  }
}

function brokersUpdate(
  ids: number[],
  partitions: { topic: string; partition: number; leader: number }[] = [],
): RequestBody<6> {
  return {
    controllerId: ids[0],
    controllerEpoch: 1,
    brokerEpoch: -1n,
    topicStates: [...new Set(partitions.map((p) => p.topic))].map((topicName) => ({
      topicName,
      partitionStates: partitions
        .filter((p) => p.topic === topicName)
        .map((p) => ({
          partitionIndex: p.partition,
          controllerEpoch: 1,
          leader: p.leader,
          leaderEpoch: 0,
          isr: [p.leader],
          zkVersion: 0,
          replicas: [p.leader],
          offlineReplicas: [],
        })),
    })),
    liveBrokers: ids.map((id) => ({
      id,
      endpoints: [{ port: 9092 + id, host: 'localhost', listener: 'PLAINTEXT', securityProtocol: 0 }],
      rack: null,
    })),
  } as RequestBody<6>;
}

function setup(options: { brokers?: number[]; deleteTopicEnable?: boolean; random?: number[] } = {}) {
  const zk = new FakeZk();
  const cache = new MetadataCache(1);
  cache.update(brokersUpdate(options.brokers ?? [1, 2, 3]));
  const admin = new ZkTopicAdmin({
    kafkaZk: zk as unknown as KafkaZkClient,
    metadataCache: cache,
    isController: () => true,
    defaultLogConfig: DEFAULT_LOG_CONFIG,
    numPartitions: 2,
    defaultReplicationFactor: 1,
    deleteTopicEnable: options.deleteTopicEnable ?? true,
    log: pino({ level: 'silent' }),
    random: fixedRandom(...(options.random ?? [0, 0, 0, 0, 0, 0])),
  });
  return { zk, cache, admin };
}

const topic = (
  name: string,
  numPartitions: number,
  replicationFactor: number,
  extra: Partial<{
    assignments: { partitionIndex: number; brokerIds: number[] }[];
    configs: { name: string; value: string | null }[];
  }> = {},
) => ({
  name,
  numPartitions,
  replicationFactor,
  assignments: extra.assignments ?? [],
  configs: extra.configs ?? [],
});

describe('ZkTopicAdmin.createTopics', () => {
  it('writes /config/topics then /brokers/topics with the assignment algorithm, and returns at once with timeout 0', async () => {
    const { zk, admin } = setup({ random: [1, 2] });
    const result = await admin.createTopics(
      [topic('orders', 6, 2, { configs: [{ name: 'retention.ms', value: '1000' }] })],
      { timeoutMs: 0, validateOnly: false },
    );
    // CreateTopics v5+ answers the created partition count and replication factor
    expect(result).toEqual([
      {
        name: 'orders',
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        numPartitions: 6,
        replicationFactor: 2,
      },
    ]);
    expect(zk.writes).toEqual(['/config/topics/orders', '/brokers/topics/orders']);
    expect(zk.configs.get('orders')).toEqual(new Map([['retention.ms', '1000']]));
    // Kafka's second example (§2.4): brokers [1,2,3], P=6, R=2, startIndex 1, shift 2.
    expect(Object.fromEntries([...zk.topics.get('orders')!].map(([p, a]) => [p, a.replicas]))).toEqual({
      0: [2, 3],
      1: [3, 1],
      2: [1, 2],
      3: [2, 1],
      4: [3, 2],
      5: [1, 3],
    });
  });

  it('uses num.partitions and default.replication.factor for -1 (CreateTopics v4+)', async () => {
    const { zk, admin } = setup();
    await admin.createTopics([topic('defaults', -1, -1)], { timeoutMs: 0, validateOnly: false });
    expect([...zk.topics.get('defaults')!.values()].map((a) => a.replicas.length)).toEqual([1, 1]);
  });

  it('answers every validation error with its Kafka code', async () => {
    const { zk, admin } = setup();
    await zk.createTopicAssignment('exists', new Map());
    await zk.createTopicAssignment('a_b', new Map());
    const results = await admin.createTopics(
      [
        topic('dup', 1, 1),
        topic('dup', 1, 1),
        topic('exists', 1, 1),
        topic('bad/name', 1, 1),
        topic('a.b', 1, 1),
        topic('zero', 0, 1),
        topic('rf0', 1, 0),
        topic('rf4', 1, 4),
        topic('both', 1, 1, { assignments: [{ partitionIndex: 0, brokerIds: [1] }] }),
        topic('unknowncfg', 1, 1, { configs: [{ name: 'retention.weeks', value: '1' }] }),
        topic('badcfg', 1, 1, { configs: [{ name: 'segment.bytes', value: 'big' }] }),
        topic('nullcfg', 1, 1, { configs: [{ name: 'retention.ms', value: null }] }),
        topic('minisr', 1, 1, { configs: [{ name: 'min.insync.replicas', value: '0' }] }),
        topic('gap', -1, -1, {
          assignments: [
            { partitionIndex: 0, brokerIds: [1] },
            { partitionIndex: 2, brokerIds: [2] },
          ],
        }),
        topic('uneven', -1, -1, {
          assignments: [
            { partitionIndex: 0, brokerIds: [1] },
            { partitionIndex: 1, brokerIds: [2, 3] },
          ],
        }),
        topic('twice', -1, -1, { assignments: [{ partitionIndex: 0, brokerIds: [1, 1] }] }),
        topic('ghost', -1, -1, { assignments: [{ partitionIndex: 0, brokerIds: [7] }] }),
      ],
      { timeoutMs: 0, validateOnly: false },
    );
    expect(results.map((r) => [r.name, r.errorCode])).toEqual([
      ['dup', ErrorCode.INVALID_REQUEST],
      ['dup', ErrorCode.INVALID_REQUEST],
      ['exists', ErrorCode.TOPIC_ALREADY_EXISTS],
      ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['a.b', ErrorCode.INVALID_TOPIC_EXCEPTION],
      ['zero', ErrorCode.INVALID_PARTITIONS],
      ['rf0', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['rf4', ErrorCode.INVALID_REPLICATION_FACTOR],
      ['both', ErrorCode.INVALID_REQUEST],
      ['unknowncfg', ErrorCode.INVALID_CONFIG],
      ['badcfg', ErrorCode.INVALID_CONFIG],
      ['nullcfg', ErrorCode.INVALID_REQUEST],
      ['minisr', ErrorCode.INVALID_CONFIG],
      ['gap', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['uneven', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['twice', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      ['ghost', ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ]);
    expect(results.find((r) => r.name === 'rf4')?.errorMessage).toBe(
      'Replication factor: 4 larger than available brokers: 3.',
    );
    expect(results.find((r) => r.name === 'exists')?.errorMessage).toBe("Topic 'exists' already exists.");
    expect([...zk.topics.keys()].sort()).toEqual(['a_b', 'exists']);
  });

  it('an explicit assignment is written as given; validateOnly writes nothing', async () => {
    const { zk, admin } = setup();
    const assignments = [
      { partitionIndex: 1, brokerIds: [3, 1] },
      { partitionIndex: 0, brokerIds: [2, 3] },
    ];
    expect(
      (
        await admin.createTopics([topic('given', -1, -1, { assignments })], {
          timeoutMs: 0,
          validateOnly: true,
        })
      )[0].errorCode,
    ).toBe(ErrorCode.NONE);
    expect(zk.topics.has('given')).toBe(false);
    await admin.createTopics([topic('given', -1, -1, { assignments })], {
      timeoutMs: 0,
      validateOnly: false,
    });
    expect([...zk.topics.get('given')!].map(([p, a]) => [p, a.replicas])).toEqual([
      [0, [2, 3]],
      [1, [3, 1]],
    ]);
  });

  it('waits for the metadata cache to show leaders, or answers REQUEST_TIMED_OUT', async () => {
    const { cache, admin } = setup();
    const pending = admin.createTopics([topic('slow', 2, 1)], { timeoutMs: 5_000, validateOnly: false });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cache.update(brokersUpdate([1, 2, 3], [{ topic: 'slow', partition: 0, leader: 1 }]));
    admin.onMetadataUpdated();
    cache.update(brokersUpdate([1, 2, 3], [{ topic: 'slow', partition: 1, leader: 2 }]));
    admin.onMetadataUpdated();
    expect((await pending)[0].errorCode).toBe(ErrorCode.NONE);

    const timedOut = await admin.createTopics([topic('never', 1, 1)], { timeoutMs: 50, validateOnly: false });
    expect(timedOut[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect([timedOut[0].numPartitions, timedOut[0].replicationFactor]).toEqual([-1, -1]);
  });
});

describe('ZkTopicAdmin.deleteTopics', () => {
  it('marks known topics for deletion and waits until they leave the metadata cache', async () => {
    const { zk, cache, admin } = setup();
    cache.update(brokersUpdate([1], [{ topic: 'gone', partition: 0, leader: 1 }]));
    const pending = admin.deleteTopics(['gone', 'unknown'], 5_000);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(zk.deletions).toEqual(['gone']);
    cache.update(brokersUpdate([1], [{ topic: 'gone', partition: 0, leader: -2 }]));
    admin.onMetadataUpdated();
    expect(await pending).toEqual([
      { name: 'gone', errorCode: ErrorCode.NONE },
      { name: 'unknown', errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION },
    ]);
  });

  it('times out, and refuses when delete.topic.enable=false', async () => {
    const { cache, admin } = setup();
    cache.update(brokersUpdate([1], [{ topic: 'stuck', partition: 0, leader: 1 }]));
    expect(await admin.deleteTopics(['stuck'], 30)).toEqual([
      { name: 'stuck', errorCode: ErrorCode.REQUEST_TIMED_OUT },
    ]);
    const disabled = setup({ deleteTopicEnable: false });
    expect(await disabled.admin.deleteTopics(['x'], 30, 1)).toEqual([
      { name: 'x', errorCode: ErrorCode.INVALID_REQUEST },
    ]);
    expect(await disabled.admin.deleteTopics(['x'], 30, 3)).toEqual([
      { name: 'x', errorCode: ErrorCode.TOPIC_DELETION_DISABLED },
    ]);
  });
});

describe('ZkTopicAdmin.autoCreateTopic', () => {
  it('creates the topic once with num.partitions / default.replication.factor', async () => {
    const { zk, admin } = setup();
    admin.autoCreateTopic('auto');
    admin.autoCreateTopic('auto');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(zk.writes.filter((w) => w === '/brokers/topics/auto')).toHaveLength(1);
    expect(zk.topics.get('auto')!.size).toBe(2);
  });
});

describe('ZkTopicAdmin.createPartitions', () => {
  const replicasOf = (zk: FakeZk, name: string) =>
    Object.fromEntries([...zk.topics.get(name)!].map(([p, a]) => [p, a.replicas]));
  const seed = async (zk: FakeZk, name: string, replicas: number[][]) =>
    zk.createTopicAssignment(name, toTopicAssignment(new Map(replicas.map((r, p) => [p, r]))));

  it('adds partitions with assignNewPartitions, keeps the existing ones, writes with a version check', async () => {
    const { zk, admin } = setup();
    await seed(zk, 'orders', [
      [2, 3],
      [3, 1],
    ]);
    zk.versions.set('orders', 4);
    const results = await admin.createPartitions([{ name: 'orders', count: 4, assignments: null }], {
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(results).toEqual([{ name: 'orders', errorCode: ErrorCode.NONE, errorMessage: null }]);
    expect(zk.writes).toContain('set /brokers/topics/orders@4');
    // partition 0's preferred leader is 2 → start index 1 in [1,2,3], shift fixed to it (Kafka's addPartitions)
    expect(replicasOf(zk, 'orders')).toEqual({ 0: [2, 3], 1: [3, 1], 2: [1, 3], 3: [2, 3] });
  });

  it('writes a manual assignment as given; validateOnly writes nothing', async () => {
    const { zk, admin } = setup();
    await seed(zk, 'manual', [[1, 2]]);
    const request = [
      {
        name: 'manual',
        count: 3,
        assignments: [
          [3, 1],
          [2, 3],
        ],
      },
    ];
    expect(await admin.createPartitions(request, { timeoutMs: 0, validateOnly: true })).toEqual([
      { name: 'manual', errorCode: ErrorCode.NONE, errorMessage: null },
    ]);
    expect(zk.topics.get('manual')!.size).toBe(1);
    await admin.createPartitions(request, { timeoutMs: 0, validateOnly: false });
    expect(replicasOf(zk, 'manual')).toEqual({ 0: [1, 2], 1: [3, 1], 2: [2, 3] });
  });

  it('answers every validation error with its Kafka code and message, writing nothing', async () => {
    const { zk, admin } = setup();
    await seed(zk, 'two', [[1], [2]]);
    await seed(zk, 'rf2', [[1, 2]]);
    await seed(zk, 'doomed', [[1]]);
    await zk.createDeleteTopicPath('doomed');
    const writesBefore = zk.writes.length;
    const results = await admin.createPartitions(
      [
        { name: 'missing', count: 3, assignments: null },
        { name: 'two', count: 1, assignments: null },
        { name: 'two', count: 2, assignments: null },
        { name: 'rf2', count: 1, assignments: null },
        { name: 'rf2', count: 2, assignments: null },
        { name: 'doomed', count: 2, assignments: null },
      ],
      { timeoutMs: 0, validateOnly: false },
    );
    expect(results.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'missing' does not exist."],
      ['two', ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.'],
      ['rf2', ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.'],
      ['doomed', ErrorCode.INVALID_TOPIC_EXCEPTION, 'The topic is queued for deletion.'],
    ]);
    const single = async (name: string, count: number, assignments: number[][] | null = null) =>
      (
        await admin.createPartitions([{ name, count, assignments }], { timeoutMs: 0, validateOnly: false })
      )[0];
    expect(await single('two', 1)).toEqual({
      name: 'two',
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Topic currently has 2 partitions, which is higher than the requested 1.',
    });
    expect(await single('two', 2)).toEqual({
      name: 'two',
      errorCode: ErrorCode.INVALID_PARTITIONS,
      errorMessage: 'Topic already has 2 partitions.',
    });
    const bad = [
      await single('rf2', 3, [[1, 2]]), // one assignment for two new partitions
      await single('rf2', 2, [[1, 7]]), // unknown broker
      await single('rf2', 2, [[2, 2]]), // duplicate broker
      await single('rf2', 2, [[3]]), // replication factor unlike the topic's
      await single('rf2', 2, [[]]),
    ];
    expect(bad.map((r) => r.errorCode)).toEqual(Array(5).fill(ErrorCode.INVALID_REPLICA_ASSIGNMENT));
    expect(bad.map((r) => r.errorMessage)).toEqual([
      'Increasing the number of partitions by 2 but 1 assignments provided.',
      'Unknown broker(s) in replica assignment: 7.',
      'Duplicate brokers not allowed in replica assignment: 2, 2 for partition id 1.',
      'Inconsistent replication factor between partitions, partition 0 has 2 while partition 1 has 1.',
      'Cannot have replication factor of 0 for partition id 1.',
    ]);
    expect(zk.writes.length).toBe(writesBefore);
  });

  it('a concurrent change of the topic znode (BADVERSION) is not overwritten', async () => {
    const { zk, admin } = setup();
    await seed(zk, 'racy', [[1]]);
    const original = zk.getTopicAssignment.bind(zk);
    zk.getTopicAssignment = async (topic: string) => {
      const read = await original(topic);
      zk.versions.set(topic, (zk.versions.get(topic) ?? 0) + 1); // someone else wrote meanwhile
      return read;
    };
    const [result] = await admin.createPartitions([{ name: 'racy', count: 2, assignments: null }], {
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(result.errorCode).not.toBe(ErrorCode.NONE);
    expect(zk.topics.get('racy')!.size).toBe(1);
  });

  it('BADVERSION because our own write landed before a connection-loss retry counts as success', async () => {
    const { zk, admin } = setup();
    await seed(zk, 'retried', [[1]]);
    const original = zk.setTopicAssignment.bind(zk);
    zk.setTopicAssignment = async (topic: string, assignment: TopicAssignment, expectedVersion = -1) => {
      await original(topic, assignment, expectedVersion); // applied, then the answer was lost and retried
      await original(topic, assignment, expectedVersion);
    };
    const [result] = await admin.createPartitions([{ name: 'retried', count: 2, assignments: null }], {
      timeoutMs: 0,
      validateOnly: false,
    });
    expect(result.errorCode).toBe(ErrorCode.NONE);
    expect(zk.topics.get('retried')!.size).toBe(2);
  });

  it('waits for leaders of the new partitions, or answers REQUEST_TIMED_OUT', async () => {
    const { zk, cache, admin } = setup();
    await seed(zk, 'grow', [[1]]);
    cache.update(brokersUpdate([1, 2, 3], [{ topic: 'grow', partition: 0, leader: 1 }]));
    const pending = admin.createPartitions([{ name: 'grow', count: 2, assignments: null }], {
      timeoutMs: 5_000,
      validateOnly: false,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    cache.update(
      brokersUpdate(
        [1, 2, 3],
        [
          { topic: 'grow', partition: 0, leader: 1 },
          { topic: 'grow', partition: 1, leader: 2 },
        ],
      ),
    );
    admin.onMetadataUpdated();
    expect((await pending)[0].errorCode).toBe(ErrorCode.NONE);

    const timedOut = await admin.createPartitions([{ name: 'grow', count: 3, assignments: null }], {
      timeoutMs: 50,
      validateOnly: false,
    });
    expect(timedOut[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
    expect(zk.topics.get('grow')!.size).toBe(3);
  });
});
