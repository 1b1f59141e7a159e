// kzlab's own Kafka client (client/: Admin, Producer, Consumer with assigned partitions) against kzlab's
// broker process — the client at its highest (flexible) versions — and across clients: what ours writes,
// kcat reads with CRC checks; what kafkajs writes, ours reads.
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer, stringDeserializer } from '../../../client/index.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { consumeAll, kcatAvailable, startBroker, type BrokerProcess } from './broker-harness.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

describe.skipIf(skipUnlessAvailable(kcatAvailable()))('kzlab client ↔ kzlab broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let admin: Admin;

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({ id: 7, zookeeperConnect: `${zk.connectString}/own-client` });
    admin = new Admin({ brokers: [broker.bootstrap] });
  });

  afterAll(async () => {
    await admin?.close().catch(() => undefined);
    await broker?.destroy();
    await zk?.stop();
  });

  it('Admin: create (with configs), TOPIC_ALREADY_EXISTS, describe, delete', async () => {
    const created = await admin.createTopics({
      topics: [
        { name: 'own', numPartitions: 3, replicationFactor: 1, configs: { 'retention.ms': '600000' } },
      ],
    });
    expect(created).toEqual([{ name: 'own', errorCode: 0, error: null, errorMessage: null }]);
    const again = await admin.createTopics({ topics: [{ name: 'own', numPartitions: 3 }] });
    expect(again[0].error).toBe('TOPIC_ALREADY_EXISTS');
    const [described] = await admin.describeTopics(['own']);
    expect(described.partitions.map((p) => [p.partition, p.leader, p.replicas, p.isr])).toEqual([
      [0, 7, [7], [7]],
      [1, 7, [7], [7]],
      [2, 7, [7], [7]],
    ]);
    await admin.createTopics({ topics: [{ name: 'own-doomed', numPartitions: 1 }] });
    expect((await admin.deleteTopics({ topics: ['own-doomed'] }))[0].error).toBeNull();
    expect((await admin.describeTopics(['own-doomed']))[0].error).toBe('UNKNOWN_TOPIC_OR_PARTITION');
  });

  it('Producer → kcat, kafkajs → Consumer (assigned partitions, no group)', async () => {
    const producer = new Producer({ brokers: [broker.bootstrap], compression: 'gzip' });
    await producer.connect();
    const sent = await producer.send({
      topic: 'own',
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `key-${i % 4}`, value: `ours-${i}` })),
    });
    await producer.close();
    const records = await consumeAll(broker.bootstrap, 'own');
    for (const meta of sent) {
      const found = records.find((r) => r.partition === meta.partition && r.offset === Number(meta.offset));
      expect(found?.value).toMatch(/^ours-\d+$/);
    }
    expect(records.length).toBe(20);

    const kafkajs = new Kafka({ brokers: [broker.bootstrap], logLevel: logLevel.NOTHING }).producer();
    await kafkajs.connect();
    await kafkajs.send({ topic: 'own', messages: [{ key: 'k', value: 'from-kafkajs' }] });
    await kafkajs.disconnect();

    const consumer = new Consumer({ brokers: [broker.bootstrap], valueDeserializer: stringDeserializer });
    await consumer.connect();
    const partitions = [0, 1, 2].map((partition) => ({ topic: 'own', partition }));
    consumer.assign(partitions);
    consumer.seekToBeginning(partitions);
    const values: string[] = [];
    const deadline = Date.now() + 15_000;
    while (values.length < 21 && Date.now() < deadline) {
      for (const record of await consumer.poll(500)) values.push(record.value ?? '');
    }
    await consumer.close();
    expect(values.sort()).toEqual(
      [...Array.from({ length: 20 }, (_, i) => `ours-${i}`), 'from-kafkajs'].sort(),
    );
  });
});
