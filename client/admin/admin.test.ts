import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiKey } from '../protocol/api-keys.ts';
import { startFakeCluster, type FakeCluster } from '../network/test-support/fake-cluster.ts';
import { Producer } from '../producer/producer.ts';
import { Consumer } from '../consumer/consumer.ts';
import { Admin } from './admin.ts';

let cluster: FakeCluster;
let admin: Admin;

beforeEach(async () => {
  cluster = await startFakeCluster({
    brokers: 3,
    controllerId: 2,
    coordinatorId: 3,
    topics: { existing: 2 },
    autoCreateTopics: false,
  });
  admin = new Admin({ brokers: cluster.bootstrap, retryBackoffMs: 10 });
});

afterEach(async () => {
  await admin.close();
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

describe('Admin', () => {
  it('creates topics on the controller and waits for leaders', async () => {
    const results = await admin.createTopics({
      topics: [
        { name: 'orders', numPartitions: 6, replicationFactor: 3, configs: { 'retention.ms': '1000' } },
        { name: 'existing', numPartitions: 1, replicationFactor: 1 },
        { name: 'too-wide', numPartitions: 1, replicationFactor: 5 },
      ],
    });
    expect(results.map((r) => [r.name, r.error])).toEqual([
      ['orders', null],
      ['existing', 'TOPIC_ALREADY_EXISTS'],
      ['too-wide', 'INVALID_REPLICATION_FACTOR'],
    ]);
    expect(cluster.requestsOf(ApiKey.CreateTopics).every((r) => r.nodeId === 2)).toBe(true);
    const [orders] = await admin.describeTopics(['orders']);
    expect(orders.partitions).toHaveLength(6);
    expect(orders.partitions.every((p) => p.leader > 0 && p.isr.includes(p.leader))).toBe(true);
    expect(await admin.listTopics()).toEqual(['existing', 'orders']);
  });

  it('validateOnly creates nothing', async () => {
    const [result] = await admin.createTopics({
      topics: [{ name: 'dry-run', numPartitions: 3 }],
      validateOnly: true,
    });
    expect(result.error).toBeNull();
    expect(await admin.listTopics()).toEqual(['existing']);
  });

  it('deletes topics and waits until metadata forgets them', async () => {
    const results = await admin.deleteTopics({ topics: ['existing', 'never-was'] });
    expect(results.map((r) => [r.name, r.error])).toEqual([
      ['existing', null],
      ['never-was', 'UNKNOWN_TOPIC_OR_PARTITION'],
    ]);
    expect(await admin.listTopics()).toEqual([]);
  });

  it('adds partitions', async () => {
    const results = await admin.createPartitions({
      topics: [
        { name: 'existing', count: 5 },
        { name: 'existing-not', count: 2 },
      ],
    });
    expect(results.map((r) => r.error)).toEqual([null, 'UNKNOWN_TOPIC_OR_PARTITION']);
    expect((await admin.describeTopics(['existing']))[0].partitions).toHaveLength(5);
    const [shrink] = await admin.createPartitions({ topics: [{ name: 'existing', count: 3 }] });
    expect(shrink.error).toBe('INVALID_PARTITIONS');
  });

  it('describes the cluster and topic/broker configs', async () => {
    const description = await admin.describeCluster();
    expect(description.controllerId).toBe(2);
    expect(description.brokers.map((b) => b.nodeId)).toEqual([1, 2, 3]);
    await admin.createTopics({ topics: [{ name: 'configured', configs: { 'cleanup.policy': 'compact' } }] });
    const [topic, broker] = await admin.describeConfigs({
      resources: [
        { type: 'topic', name: 'configured' },
        { type: 'broker', name: '3' },
      ],
    });
    expect(topic.configs.find((c) => c.name === 'cleanup.policy')).toMatchObject({
      value: 'compact',
      isDefault: false,
    });
    expect(topic.configs.find((c) => c.name === 'retention.ms')).toMatchObject({ isDefault: true });
    expect(broker.type).toBe('broker');
    expect(cluster.requestsOf(ApiKey.DescribeConfigs).some((r) => r.nodeId === 3)).toBe(true);
  });

  it('lists offsets, and groups with members, assignments and lag', async () => {
    const producer = new Producer({ brokers: cluster.bootstrap });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        producer.send({ topic: 'existing', messages: [{ value: `v${i}`, partition: i % 2 }] }),
      ),
    );
    await producer.close();
    expect(await admin.listOffsets('existing')).toEqual([
      { topic: 'existing', partition: 0, earliest: 0n, latest: 5n },
      { topic: 'existing', partition: 1, earliest: 0n, latest: 5n },
    ]);

    const consumer = new Consumer({
      brokers: cluster.bootstrap,
      groupId: 'billing',
      clientId: 'billing-1',
      autoOffsetReset: 'earliest',
      autoCommit: false,
      maxPollRecords: 3,
    });
    consumer.subscribe({ topics: ['existing'] });
    let read = 0;
    while (read < 3) read += (await consumer.poll(200)).length;
    await consumer.commit();
    try {
      const groups = await admin.listGroups();
      expect(groups).toEqual([
        { groupId: 'billing', protocolType: 'consumer', state: 'Stable', coordinatorId: 3 },
      ]);
      expect(
        cluster
          .requestsOf(ApiKey.ListGroups)
          .map((r) => r.nodeId)
          .sort(),
      ).toEqual([1, 2, 3]);

      const [group] = await admin.describeGroups(['billing']);
      expect(group).toMatchObject({
        state: 'Stable',
        protocolType: 'consumer',
        protocol: 'range',
        coordinatorId: 3,
      });
      expect(group.members).toHaveLength(1);
      expect(group.members[0]).toMatchObject({ clientId: 'billing-1', subscription: ['existing'] });
      expect(group.members[0].assignment).toEqual([
        { topic: 'existing', partition: 0 },
        { topic: 'existing', partition: 1 },
      ]);

      const lag = await admin.groupLag('billing');
      const total = lag.reduce((sum, p) => sum + p.lag, 0n);
      expect(total).toBe(10n - 3n);
      expect(lag.every((p) => p.logEndOffset === 5n && p.memberId === group.members[0].memberId)).toBe(true);
      const committed = await admin.fetchOffsets('billing');
      expect(committed.reduce((sum, p) => sum + p.offset, 0n)).toBe(3n);
    } finally {
      await consumer.close();
    }
    // An empty group's offsets can be set (kafka-consumer-groups --reset-offsets).
    const results = await admin.setOffsets('billing', [{ topic: 'existing', partition: 0, offset: 0 }]);
    expect(results[0].error).toBeNull();
    expect((await admin.fetchOffsets('billing', ['existing']))[0].offset).toBe(0n);
  });
});
