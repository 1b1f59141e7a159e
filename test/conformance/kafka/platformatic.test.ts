// @platformatic/kafka (a third-party client) against kzlab's broker process. The client asks ApiVersions
// and picks, per API, the highest version it implements within the broker's range
// (dist/clients/base/base.js kGetApi), so with our caps it speaks Metadata v9 and Fetch v12, where it
// uses the topic name in place of a topic id (dist/apis/metadata/metadata-v9.js). The Consumer needs a
// groupId option, but Consumer.fetch and Consumer.listOffsets use no group APIs. consume() (a group
// member's stream) is not covered: this client implements only the flexible versions of the group APIs
// (JoinGroup v6+, OffsetFetch v8+, …), and our broker advertises them up to the last non-flexible ones
// (broker/api/group-apis.ts, as kafka-clients.md recommends for kafkajs and librdkafka).
import { Admin, Consumer, Producer, stringSerializers, type MultipleErrors } from '@platformatic/kafka';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { startBroker, type BrokerProcess } from './broker-harness.ts';

const BROKER_ID = 9;
const CLIENT_OPTIONS = { retries: 2, retryDelay: 200, timeout: 5_000 };

interface FetchedRecord {
  offset: bigint;
  key: string | null;
  value: string | null;
}

describe('@platformatic/kafka ↔ kzlab broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let admin: Admin;
  let consumer: Consumer;

  async function fetchPartition(topic: string, partition: number, fetchOffset: bigint): Promise<FetchedRecord[]> {
    const response = await consumer.fetch({
      node: BROKER_ID,
      maxWaitTime: 100,
      topics: [
        {
          topicId: topic, // Fetch v12 carries the name where v13+ carry the id
          partitions: [
            { partition, fetchOffset, partitionMaxBytes: 1_048_576, currentLeaderEpoch: -1, lastFetchedEpoch: -1 },
          ],
        },
      ],
    });
    const [answer] = response.responses[0].partitions;
    expect(answer.errorCode).toBe(0);
    const records: FetchedRecord[] = [];
    for (const batch of answer.records ?? []) {
      for (const record of batch.records) {
        const offset = batch.firstOffset + BigInt(record.offsetDelta);
        if (offset < fetchOffset) continue; // a batch may start before the offset asked for
        records.push({ offset, key: record.key?.toString() ?? null, value: record.value?.toString() ?? null });
      }
    }
    return records;
  }

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({ id: BROKER_ID, zookeeperConnect: `${zk.connectString}/platformatic` });
    admin = new Admin({ clientId: 'pk-admin', bootstrapBrokers: [broker.bootstrap], ...CLIENT_OPTIONS });
    consumer = new Consumer({
      clientId: 'pk-consumer',
      groupId: 'pk-unused', // required by the constructor; no group API is called below
      bootstrapBrokers: [broker.bootstrap],
      ...CLIENT_OPTIONS,
    });
  });

  afterAll(async () => {
    await consumer?.close().catch(() => undefined);
    await admin?.close().catch(() => undefined);
    await broker?.destroy();
    await zk?.stop();
  });

  it('Admin: createTopics, metadata, listTopics, deleteTopics', async () => {
    const created = await admin.createTopics({ topics: ['pk', 'pk-doomed'], partitions: 2, replicas: 1 });
    // CreateTopics v7 answers the partition count and replication factor of what was created
    expect(created.map((t) => [t.name, t.partitions, t.replicas]).sort()).toEqual([
      ['pk', 2, 1],
      ['pk-doomed', 2, 1],
    ]);
    const again = await admin
      .createTopics({ topics: ['pk'], partitions: 2, replicas: 1 })
      .then(() => null, (e: unknown) => e as MultipleErrors);
    expect(again?.findBy('apiId', 'TOPIC_ALREADY_EXISTS')).toBeTruthy();

    const metadata = await admin.metadata({ topics: ['pk'] });
    expect(metadata.controllerId).toBe(BROKER_ID);
    expect([...metadata.brokers.keys()]).toEqual([BROKER_ID]);
    const pk = metadata.topics.get('pk')!;
    expect(pk.partitionsCount).toBe(2);
    expect(pk.partitions.map((p) => [p.leader, p.replicas, p.isr])).toEqual([
      [BROKER_ID, [BROKER_ID], [BROKER_ID]],
      [BROKER_ID, [BROKER_ID], [BROKER_ID]],
    ]);
    expect((await admin.listTopics()).sort()).toEqual(['pk', 'pk-doomed']);

    await admin.deleteTopics({ topics: ['pk-doomed'] });
    expect(await admin.listTopics()).toEqual(['pk']);
  });

  it('Producer keyed, unkeyed and gzip → Consumer.fetch from the beginning and from an offset; listOffsets', async () => {
    const producer = new Producer({
      clientId: 'pk-producer',
      bootstrapBrokers: [broker.bootstrap],
      serializers: stringSerializers,
      ...CLIENT_OPTIONS,
    });
    try {
      const keyed = await producer.send({
        messages: ['a', 'b', 'a', 'b'].map((key, i) => ({ topic: 'pk', key, value: `keyed-${i}` })),
      });
      expect(keyed.offsets!.every((o) => o.topic === 'pk')).toBe(true);
      await producer.send({ messages: [{ topic: 'pk', value: 'unkeyed', partition: 1 }] });
      await producer.send({
        messages: [0, 1, 2].map((i) => ({ topic: 'pk', key: 'z', value: `gzip-${i}`, partition: 1 })),
        compression: 'gzip',
      });

      const byPartition = [await fetchPartition('pk', 0, 0n), await fetchPartition('pk', 1, 0n)];
      expect(byPartition.flat().map((r) => r.value).sort()).toEqual(
        ['keyed-0', 'keyed-1', 'keyed-2', 'keyed-3', 'unkeyed', 'gzip-0', 'gzip-1', 'gzip-2'].sort(),
      );
      // murmur2 placement: each key's records sit in one partition, in the order sent
      for (const key of ['a', 'b']) {
        const holders = byPartition.filter((records) => records.some((r) => r.key === key));
        expect(holders).toHaveLength(1);
        expect(holders[0].filter((r) => r.key === key).map((r) => r.value)).toEqual(
          key === 'a' ? ['keyed-0', 'keyed-2'] : ['keyed-1', 'keyed-3'],
        );
      }
      // offsets are dense from 0 in each partition
      for (const records of byPartition) expect(records.map((r) => r.offset)).toEqual(records.map((_, i) => BigInt(i)));

      const p1 = await fetchPartition('pk', 1, 0n);
      const unkeyedAt = p1.find((r) => r.value === 'unkeyed')!;
      expect(unkeyedAt.key).toBeNull();
      const fromOffset = await fetchPartition('pk', 1, unkeyedAt.offset + 2n);
      expect(fromOffset.map((r) => [r.key, r.value])).toEqual([
        ['z', 'gzip-1'],
        ['z', 'gzip-2'],
      ]);

      const latest = await consumer.listOffsets({ topics: ['pk'] });
      expect(latest.get('pk')).toEqual(byPartition.map((records) => BigInt(records.length)));
      const earliest = await consumer.listOffsets({ topics: ['pk'], timestamp: -2n });
      expect(earliest.get('pk')).toEqual([0n, 0n]);

      const error = await producer
        .send({ messages: [{ topic: 'pk', value: 'x'.repeat(2_000_000), partition: 0 }] })
        .then(() => null, (e: unknown) => e as MultipleErrors);
      expect(error?.findBy('apiId', 'MESSAGE_TOO_LARGE')).toBeTruthy();
    } finally {
      await producer.close();
    }
  });
});
