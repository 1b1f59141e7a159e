// kzlab's own client as a consumer-group member and group administrator against kzlab's broker process
// (the fake-cluster unit tests cover the same features; this is the real broker): a pattern subscription
// that follows a topic created later, partitions added with Admin.createPartitions joining the
// assignment, and Admin.listGroups / describeGroups / groupLag showing members, assignments, committed
// offsets and lag.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer, stringDeserializer } from '../../../client/index.ts';
import { waitFor } from '../../support/process.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { startBroker, type BrokerProcess } from './broker-harness.ts';

const GROUP = 'metrics-readers';

describe('kzlab client groups and admin on the kzlab broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let admin: Admin;
  let producer: Producer;
  let consumer: Consumer<Uint8Array | null, string | null>;
  const seen: { topic: string; partition: number; value: string }[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({
      id: 9,
      zookeeperConnect: `${zk.connectString}/own-client-groups`,
      properties: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 3 },
    });
    admin = new Admin({ brokers: [broker.bootstrap] });
    const created = await admin.createTopics({
      topics: [
        { name: 'metrics-cpu', numPartitions: 2, replicationFactor: 1 },
        { name: 'metrics-disk', numPartitions: 1, replicationFactor: 1 },
        { name: 'logs', numPartitions: 1, replicationFactor: 1 },
      ],
    });
    expect(created.map((c) => c.error)).toEqual([null, null, null]);
    producer = new Producer({ brokers: [broker.bootstrap], lingerMs: 0 });
    consumer = new Consumer({
      brokers: [broker.bootstrap],
      clientId: 'pattern-member',
      groupId: GROUP,
      autoCommit: false,
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 500,
      metadataMaxAgeMs: 500,
      valueDeserializer: stringDeserializer,
    });
    await consumer.connect();
    consumer.subscribe({ pattern: /^metrics-/ });
  });

  afterAll(async () => {
    await consumer?.close({ timeoutMs: 3_000 }).catch(() => undefined);
    await producer?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await broker?.destroy();
    await zk?.stop();
  });

  /** Polls (committing what was returned) until `done`. */
  async function pollUntil(done: () => boolean, what: string): Promise<void> {
    await waitFor(
      async () => {
        const records = await consumer.poll(200);
        for (const r of records) seen.push({ topic: r.topic, partition: r.partition, value: r.value ?? '' });
        if (records.length > 0) await consumer.commit();
        return done();
      },
      { deadlineMs: 30_000, what, intervalMs: 1 },
    );
  }

  const assigned = () =>
    consumer
      .assignment()
      .map((tp) => `${tp.topic}-${tp.partition}`)
      .sort();

  it('a pattern subscription takes the matching topics, then one created later; never the others', async () => {
    await producer.send({ topic: 'metrics-cpu', messages: [{ value: 'cpu-0', partition: 0 }] });
    await producer.send({ topic: 'metrics-disk', messages: [{ value: 'disk-0' }] });
    await producer.send({ topic: 'logs', messages: [{ value: 'not for us' }] });
    await pollUntil(() => seen.length >= 2, 'the two matching topics consumed');
    expect(assigned()).toEqual(['metrics-cpu-0', 'metrics-cpu-1', 'metrics-disk-0']);

    const [created] = await admin.createTopics({
      topics: [{ name: 'metrics-net', numPartitions: 1, replicationFactor: 1 }],
    });
    expect(created.error).toBeNull();
    await producer.send({ topic: 'metrics-net', messages: [{ value: 'net-0' }] });
    await pollUntil(
      () => seen.some((s) => s.value === 'net-0'),
      'the topic created after subscribing consumed',
    );
    expect(assigned()).toContain('metrics-net-0');
    expect(seen.map((s) => s.value).sort()).toEqual(['cpu-0', 'disk-0', 'net-0']);
  });

  it('partitions added with Admin.createPartitions join the assignment', async () => {
    const [result] = await admin.createPartitions({ topics: [{ name: 'metrics-disk', count: 3 }] });
    expect(result.error).toBeNull();
    const [described] = await admin.describeTopics(['metrics-disk']);
    expect(described.partitions).toHaveLength(3);
    await producer.send({ topic: 'metrics-disk', messages: [{ value: 'disk-2', partition: 2 }] });
    await pollUntil(() => seen.some((s) => s.value === 'disk-2'), 'a record of the added partition');
    expect(assigned()).toEqual(
      expect.arrayContaining(['metrics-disk-0', 'metrics-disk-1', 'metrics-disk-2']),
    );
  });

  it('Admin lists and describes the group, and reports lag per partition from the committed offsets', async () => {
    const groups = await admin.listGroups();
    expect(groups.find((g) => g.groupId === GROUP)).toMatchObject({
      protocolType: 'consumer',
      coordinatorId: 9,
    });
    const [description] = await admin.describeGroups([GROUP]);
    expect(description.state).toBe('Stable');
    expect(description.members).toHaveLength(1);
    expect(description.members[0].clientId).toBe('pattern-member');
    expect(description.members[0].assignment.map((tp) => `${tp.topic}-${tp.partition}`).sort()).toEqual(
      assigned(),
    );

    const lagOf = async () =>
      new Map((await admin.groupLag(GROUP)).map((p) => [`${p.topic}-${p.partition}`, p]));
    let lag = await lagOf();
    expect(lag.get('metrics-cpu-0')).toMatchObject({ committedOffset: 1n, logEndOffset: 1n, lag: 0n });
    expect(lag.get('metrics-disk-2')).toMatchObject({
      committedOffset: 1n,
      lag: 0n,
      clientId: 'pattern-member',
    });

    // Five records nobody has read yet: lag 5 on that partition only.
    await producer.send({
      topic: 'metrics-cpu',
      messages: Array.from({ length: 5 }, (_, i) => ({ value: `late-${i}`, partition: 1 })),
    });
    lag = await lagOf();
    expect(lag.get('metrics-cpu-1')).toMatchObject({ logEndOffset: 5n, lag: 5n });
    expect(lag.get('metrics-cpu-0')?.lag).toBe(0n);
    await pollUntil(() => seen.filter((s) => s.value.startsWith('late-')).length === 5, 'the late records');
    await waitFor(async () => (await lagOf()).get('metrics-cpu-1')?.lag === 0n, {
      deadlineMs: 10_000,
      what: 'lag 0 once the records are read and committed',
    });
  });
});
