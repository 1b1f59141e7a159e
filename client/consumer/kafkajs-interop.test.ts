// Wire interoperability with kafkajs 2.2.4 through the fake cluster: records written by one client are
// read by the other, keys land on the same partitions, headers survive.
import { createRequire } from 'node:module';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startFakeCluster, type FakeCluster } from '../network/test-support/fake-cluster.ts';
import { Producer } from '../producer/producer.ts';
import { Consumer, stringDeserializer } from './consumer.ts';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const { Kafka, logLevel } = require('kafkajs') as any;

let cluster: FakeCluster;

beforeEach(async () => {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  cluster = await startFakeCluster({ brokers: 2, topics: { shared: 4 } });
});

afterEach(async () => {
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

describe('interoperability with kafkajs', () => {
  it('kafkajs produces, we consume: same partitions for the same keys', async () => {
    const kafka = new Kafka({ brokers: cluster.bootstrap, clientId: 'kafkajs', logLevel: logLevel.NOTHING });
    const theirs = kafka.producer();
    await theirs.connect();
    await theirs.send({
      topic: 'shared',
      messages: Array.from({ length: 20 }, (_, i) => ({
        key: `key-${i}`,
        value: `from-kafkajs-${i}`,
        headers: { n: String(i) },
      })),
    });
    await theirs.disconnect();

    const ours = new Producer({ brokers: cluster.bootstrap });
    const reports = await ours.send({
      topic: 'shared',
      messages: Array.from({ length: 20 }, (_, i) => ({ key: `key-${i}`, value: `from-us-${i}` })),
    });
    await ours.close();

    const consumer = new Consumer({
      brokers: cluster.bootstrap,
      autoOffsetReset: 'earliest',
      valueDeserializer: stringDeserializer,
      keyDeserializer: stringDeserializer,
    });
    consumer.assign([0, 1, 2, 3].map((partition) => ({ topic: 'shared', partition })));
    const records = [];
    const deadline = Date.now() + 5000;
    while (records.length < 40 && Date.now() < deadline) records.push(...(await consumer.poll(200)));
    await consumer.close();
    expect(records).toHaveLength(40);
    for (let i = 0; i < 20; i++) {
      const theirsRecord = records.find((r) => r.value === `from-kafkajs-${i}`)!;
      expect(theirsRecord.key).toBe(`key-${i}`);
      expect(new TextDecoder().decode(theirsRecord.headers[0].value!)).toBe(String(i));
      expect(theirsRecord.partition).toBe(reports[i].partition);
    }
  });

  it('we produce (gzip), a kafkajs group consumer reads everything', async () => {
    const ours = new Producer({ brokers: cluster.bootstrap, compression: 'gzip', lingerMs: 5 });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ours.send({ topic: 'shared', messages: [{ key: `k${i}`, value: `v${i}`, headers: { h: 'x' } }] }),
      ),
    );
    await ours.close();

    const kafka = new Kafka({ brokers: cluster.bootstrap, clientId: 'kafkajs', logLevel: logLevel.NOTHING });
    const theirs = kafka.consumer({ groupId: 'kafkajs-group', heartbeatInterval: 100, maxWaitTimeInMs: 100 });
    await theirs.connect();
    await theirs.subscribe({ topic: 'shared', fromBeginning: true });
    const values: string[] = [];
    await theirs.run({
      eachMessage: async ({ message }: { message: { value: Buffer } }) =>
        void values.push(message.value.toString()),
    });
    const deadline = Date.now() + 10_000;
    while (values.length < 30 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    await theirs.disconnect();
    expect(values.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
  }, 20_000);
});
