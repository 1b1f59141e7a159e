// Our client and kafkajs against three kzlab broker processes with RF 3 (min.insync.replicas 2, acks=all):
//   * our Producer (gzip, keyed, with headers) → a kafkajs consumer group of two members;
//   * a kafkajs Producer (gzip, keyed) → a group of two of our Consumers (range), committing by hand.
// Every record arrives once per group, in offset order per partition, with its key, value and headers; a
// key lands on the partition Java's murmur2 picks whichever client wrote it; the committed offsets end at
// the log ends (lag 0, read with our Admin).
import { CompressionTypes, Kafka, logLevel, type Consumer as KafkajsConsumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer, stringDeserializer } from '../../client/index.ts';
import { murmur2, toPositive } from '../../client/producer/murmur2.ts';
import { waitFor } from '../support/process.ts';
import { startReplicationCluster, type ReplicationCluster } from './replication-support.ts';

const PARTITIONS = 3;
const RECORDS = 300;

const utf8 = new TextEncoder();
const partitionOf = (key: string): number => toPositive(murmur2(utf8.encode(key))) % PARTITIONS;

interface Seen {
  partition: number;
  offset: number;
  key: string | null;
  value: string;
  header: string | null;
}

describe('our client and kafkajs on three brokers with RF 3', () => {
  let cluster: ReplicationCluster;
  let admin: Admin;
  let kafka: Kafka;
  const kafkajsConsumers: KafkajsConsumer[] = [];
  const ourConsumers: Consumer<string | null, string | null>[] = [];

  beforeAll(async () => {
    cluster = await startReplicationCluster('/client-interop', {
      'offsets.topic.replication.factor': 3,
      'offsets.topic.num.partitions': 5,
      'group.initial.rebalance.delay.ms': 0,
    });
    admin = new Admin({ brokers: cluster.bootstrap() });
    const created = await admin.createTopics({
      topics: ['ours-to-kafkajs', 'kafkajs-to-ours'].map((name) => ({
        name,
        numPartitions: PARTITIONS,
        replicationFactor: 3,
      })),
    });
    expect(created.map((c) => c.error)).toEqual([null, null]);
    kafka = new Kafka({
      brokers: cluster.bootstrap(),
      clientId: 'interop',
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(kafkajsConsumers.map((c) => c.disconnect().catch(() => undefined)));
    await Promise.all(ourConsumers.map((c) => c.close({ timeoutMs: 3_000 }).catch(() => undefined)));
    await admin?.close().catch(() => undefined);
    await cluster?.close();
  });

  /** Each partition's offsets strictly increasing, each value exactly once, keys on murmur2's partition. */
  function checkDelivery(seen: readonly Seen[], prefix: string): void {
    expect(seen.map((s) => s.value).sort()).toEqual(
      Array.from({ length: RECORDS }, (_, i) => `${prefix}-${i}`).sort(),
    );
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = seen.filter((s) => s.partition === p).map((s) => s.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(new Set(offsets).size).toBe(offsets.length);
    }
    for (const record of seen) {
      const i = Number(record.value.split('-').pop());
      expect(record.key).toBe(`key-${i}`);
      expect(record.partition).toBe(partitionOf(`key-${i}`));
      expect(record.header).toBe(`h${i}`);
    }
  }

  it('our Producer (acks=all, gzip) → a kafkajs consumer group of two', async () => {
    const producer = new Producer({
      brokers: cluster.bootstrap(),
      acks: -1,
      compression: 'gzip',
      lingerMs: 5,
    });
    const reports = await producer.send({
      topic: 'ours-to-kafkajs',
      messages: Array.from({ length: RECORDS }, (_, i) => ({
        key: `key-${i}`,
        value: `ours-${i}`,
        headers: { h: `h${i}` },
      })),
    });
    await producer.close();
    expect(reports.map((r) => r.partition)).toEqual(
      Array.from({ length: RECORDS }, (_, i) => partitionOf(`key-${i}`)),
    );

    const seen: Seen[] = [];
    const assigned = new Map<number, number[]>();
    for (const member of [0, 1]) {
      const consumer = kafka.consumer({
        groupId: 'kafkajs-readers',
        sessionTimeout: 10_000,
        heartbeatInterval: 500,
        maxWaitTimeInMs: 200,
      });
      kafkajsConsumers.push(consumer);
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assigned.set(member, [...(event.payload.memberAssignment['ours-to-kafkajs'] ?? [])]);
      });
      await consumer.connect();
      await consumer.subscribe({ topics: ['ours-to-kafkajs'], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          seen.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            header: message.headers?.h?.toString() ?? null,
          });
        },
      });
    }
    await waitFor(() => seen.length >= RECORDS, {
      deadlineMs: 30_000,
      what: `${RECORDS} records at the kafkajs group (${seen.length} so far)`,
    });
    checkDelivery(seen, 'ours');
    // Both members took part: the three partitions are split between them.
    await waitFor(
      () =>
        assigned.size === 2 &&
        [...assigned.values()].every((list) => list.length > 0) &&
        [...assigned.values()].flat().length === PARTITIONS,
      { deadlineMs: 20_000, what: 'two kafkajs members sharing the partitions' },
    );
  }, 90_000);

  it('a kafkajs Producer (acks=all, gzip) → a group of two of our Consumers committing by hand', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    await producer.send({
      topic: 'kafkajs-to-ours',
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: RECORDS }, (_, i) => ({
        key: `key-${i}`,
        value: `theirs-${i}`,
        headers: { h: `h${i}` },
      })),
    });
    await producer.disconnect();

    const seen: Seen[] = [];
    let stopping = false;
    const loops = ['ours-a', 'ours-b'].map(async (clientId) => {
      const consumer = new Consumer({
        brokers: cluster.bootstrap(),
        clientId,
        groupId: 'kzlab-readers',
        assignors: ['range'],
        autoCommit: false,
        autoOffsetReset: 'earliest',
        heartbeatIntervalMs: 500,
        keyDeserializer: stringDeserializer,
        valueDeserializer: stringDeserializer,
      });
      ourConsumers.push(consumer);
      await consumer.connect();
      consumer.subscribe({ topics: ['kafkajs-to-ours'] });
      while (!stopping) {
        const records = await consumer.poll(200);
        for (const record of records) {
          const header = record.headers.find((h) => h.key === 'h')?.value;
          seen.push({
            partition: record.partition,
            offset: Number(record.offset),
            key: record.key,
            value: record.value ?? '',
            header: header ? new TextDecoder().decode(header) : null,
          });
        }
        if (records.length > 0) await consumer.commit(); // after processing: at-least-once
      }
      return consumer.assignment().length;
    });
    try {
      await waitFor(() => seen.length >= RECORDS, {
        deadlineMs: 30_000,
        what: `${RECORDS} records at our group (${seen.length} so far)`,
      });
      await waitFor(
        async () => {
          const lag = await admin.groupLag('kzlab-readers');
          return lag.length === PARTITIONS && lag.every((p) => p.lag === 0n && p.committedOffset > 0n);
        },
        { deadlineMs: 20_000, what: 'the group committed up to the log ends (lag 0)' },
      );
      // Both of our members hold partitions.
      const [description] = await admin.describeGroups(['kzlab-readers']);
      expect(description.state).toBe('Stable');
      expect(description.members.map((m) => m.assignment.length).sort()).toEqual([1, 2]);
    } finally {
      stopping = true;
      await Promise.all(loops);
    }
    checkDelivery(seen, 'theirs');
  }, 90_000);
});
