// DescribeConfigs (key 32) on kzlab's broker process, asked by kafkajs's admin and by ours: a topic
// created with config overrides answers them (stored in ZooKeeper at /config/topics/<t>) next to the
// broker defaults; the broker resource answers this broker's server.properties.
import { ConfigResourceTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin } from '../../../client/index.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import { startBroker, type BrokerProcess } from './broker-harness.ts';

const BROKER_ID = 4;

describe('DescribeConfigs on the kzlab broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let kafka: Kafka;

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({
      id: BROKER_ID,
      zookeeperConnect: `${zk.connectString}/describe-configs`,
      properties: { 'log.retention.hours': 48, 'min.insync.replicas': 1 },
    });
    kafka = new Kafka({ brokers: [broker.bootstrap], clientId: 'configs-test', logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({
        topics: [
          {
            topic: 'configured',
            numPartitions: 2,
            configEntries: [
              { name: 'retention.ms', value: '60000' },
              { name: 'max.message.bytes', value: '2048' },
            ],
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
  });

  afterAll(async () => {
    await broker?.destroy();
    await zk?.stop();
  });

  it('kafkajs admin.describeConfigs: topic overrides and defaults, and the broker’s own settings', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const answer = await admin.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: ConfigResourceTypes.TOPIC, name: 'configured' },
          { type: ConfigResourceTypes.BROKER, name: String(BROKER_ID), configNames: ['log.retention.hours'] },
        ],
      });
      const topic = answer.resources.find((r) => r.resourceType === ConfigResourceTypes.TOPIC)!;
      expect(topic.errorCode).toBe(0);
      const entries = new Map(topic.configEntries.map((e) => [e.configName, e]));
      expect(entries.get('retention.ms')).toMatchObject({ configValue: '60000', isDefault: false });
      expect(entries.get('max.message.bytes')?.configValue).toBe('2048');
      expect(entries.get('segment.bytes')).toMatchObject({ configValue: '1073741824', isDefault: true });
      expect(entries.get('cleanup.policy')?.configValue).toBe('delete');
      const brokerResource = answer.resources.find((r) => r.resourceType === ConfigResourceTypes.BROKER)!;
      expect(brokerResource.configEntries.map((e) => [e.configName, e.configValue, e.readOnly])).toEqual([
        ['log.retention.hours', '48', true],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('our Admin.describeConfigs: the same answer, with sources and synonyms; an unknown topic is an error', async () => {
    const admin = new Admin({ brokers: [broker.bootstrap] });
    try {
      const [topic, missing, brokerConfigs] = await admin.describeConfigs({
        resources: [
          { type: 'topic', name: 'configured' },
          { type: 'topic', name: 'no-such-topic' },
          { type: 'broker', name: String(BROKER_ID) },
        ],
        includeSynonyms: true,
      });
      expect(topic.error).toBeNull();
      const retention = topic.configs.find((c) => c.name === 'retention.ms');
      expect(retention).toMatchObject({ value: '60000', source: 1 });
      expect(retention?.synonyms.map((s) => [s.name, s.value])).toEqual([
        ['retention.ms', '60000'],
        ['log.retention.hours', '48'],
      ]);
      expect(topic.configs.find((c) => c.name === 'segment.ms')).toMatchObject({
        value: String(168 * 3_600_000),
        source: 5,
      });
      expect(topic.configs.find((c) => c.name === 'min.insync.replicas')).toMatchObject({ value: '1' });
      expect(missing.error).toBe('UNKNOWN_TOPIC_OR_PARTITION');
      expect(brokerConfigs.configs.find((c) => c.name === 'broker.id')?.value).toBe(String(BROKER_ID));
    } finally {
      await admin.close();
    }
  });
});
