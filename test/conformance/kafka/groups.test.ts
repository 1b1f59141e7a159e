// Consumer groups on kzlab's broker process with real clients (kafka-zk-era.md §6): kafkajs (which can only
// consume through a group), kcat -G (librdkafka's balanced consumer) and kzlab's own Consumer, each finding
// the coordinator (the first FindCoordinator creates __consumer_offsets), joining, syncing, heartbeating,
// committing and leaving; committed offsets are read back across clients.
import { Kafka, logLevel, type Consumer as KafkajsConsumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Consumer, Producer, stringDeserializer } from '../../../client/index.ts';
import { ApiKey, ErrorCode, type RequestInput } from '../../../client/protocol/index.ts';
import { skipUnlessAvailable } from '../../support/ci.ts';
import { waitFor } from '../../support/process.ts';
import { startZooKeeper, type ZooKeeperServer } from '../../support/zookeeper-servers.ts';
import {
  kafkaRequest,
  kcat,
  kcatAvailable,
  metadata,
  startBroker,
  type BrokerProcess,
} from './broker-harness.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const BROKER_ID = 5;
const DEADLINE_MS = 20_000;

describe.skipIf(skipUnlessAvailable(kcatAvailable()))('consumer groups on the kzlab broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let kafka: Kafka;
  const consumers: KafkajsConsumer[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({
      id: BROKER_ID,
      zookeeperConnect: `${zk.connectString}/groups`,
      properties: { 'group.initial.rebalance.delay.ms': 0, 'offsets.topic.num.partitions': 10 },
    });
    kafka = new Kafka({
      brokers: [broker.bootstrap],
      clientId: 'groups-test',
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 3 },
        { topic: 'split', numPartitions: 4 },
        { topic: 'kcat-g', numPartitions: 2 },
        { topic: 'cross', numPartitions: 2 },
      ],
      waitForLeaders: true,
    });
    await admin.disconnect();
  });

  afterAll(async () => {
    await Promise.all(consumers.map((c) => c.disconnect().catch(() => undefined)));
    await broker?.destroy();
    await zk?.stop();
  });

  function kafkajsConsumer(groupId: string): KafkajsConsumer {
    const consumer = kafka.consumer({
      groupId,
      sessionTimeout: 10_000,
      heartbeatInterval: 500,
      maxWaitTimeInMs: 200,
    });
    consumers.push(consumer);
    return consumer;
  }

  async function produce(topic: string, values: string[]): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value })) });
    await producer.disconnect();
  }

  /** Consumes with a fresh kafkajs group member until `count` values arrived, then leaves the group. */
  async function consumeWithKafkajs(groupId: string, topic: string, count: number): Promise<string[]> {
    const consumer = kafkajsConsumer(groupId);
    const values: string[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        values.push(message.value?.toString() ?? '');
      },
    });
    await waitFor(() => values.length >= count, {
      deadlineMs: DEADLINE_MS,
      what: `${count} records for ${groupId} (got ${values.length})`,
      context: () => broker.logTail(40),
    });
    await consumer.disconnect(); // commits what was consumed, then LeaveGroup
    return values;
  }

  it('the first FindCoordinator creates __consumer_offsets and answers COORDINATOR_NOT_AVAILABLE until it has a leader', async () => {
    const find = () =>
      kafkaRequest('127.0.0.1', broker.port, ApiKey.FindCoordinator, 0, { key: 'early' } as RequestInput<10>);
    expect((await find()).errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const found = await waitFor(
      async () => {
        const answer = await find();
        return answer.errorCode === ErrorCode.NONE ? answer : undefined;
      },
      { deadlineMs: DEADLINE_MS, what: 'a coordinator for group early', context: () => broker.logTail(40) },
    );
    expect(found).toMatchObject({ nodeId: BROKER_ID, host: '127.0.0.1', port: broker.port });
    // Above the advertised v2 the codec still decodes it: v4 looks up several groups at once.
    const batched = await kafkaRequest('127.0.0.1', broker.port, ApiKey.FindCoordinator, 4, {
      keyType: 0,
      coordinatorKeys: ['early', 'late'],
    } as RequestInput<10>);
    expect(batched.coordinators.map((c) => [c.key, c.errorCode, c.nodeId])).toEqual([
      ['early', ErrorCode.NONE, BROKER_ID],
      ['late', ErrorCode.NONE, BROKER_ID],
    ]);
    const [offsetsTopic] = (await metadata(broker.port, ['__consumer_offsets'])).topics;
    expect(offsetsTopic.isInternal).toBe(true);
    expect(offsetsTopic.partitions).toHaveLength(10); // offsets.topic.num.partitions
    expect(offsetsTopic.partitions.every((p) => p.leaderId === BROKER_ID)).toBe(true);
  });

  it('kafkajs consumes a topic from the beginning, then resumes from the committed offsets', async () => {
    const first = Array.from({ length: 12 }, (_, i) => `order-${i}`);
    await produce('orders', first);
    expect((await consumeWithKafkajs('billing', 'orders', 12)).sort()).toEqual([...first].sort());

    const admin = kafka.admin();
    await admin.connect();
    try {
      const committed = await admin.fetchOffsets({ groupId: 'billing', topics: ['orders'] });
      const ends = await admin.fetchTopicOffsets('orders');
      expect(committed[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(
        ends.map((p) => [p.partition, p.offset]).sort(),
      );

      // A new member of the same group starts at the committed offsets: only the new records arrive.
      const second = Array.from({ length: 5 }, (_, i) => `late-${i}`);
      await produce('orders', second);
      const resumed = await consumeWithKafkajs('billing', 'orders', 5);
      expect(resumed.sort()).toEqual([...second].sort());

      // The group is Empty after the member left; it is listed once, by its coordinator.
      const [described] = (await admin.describeGroups(['billing'])).groups;
      expect(described.state).toBe('Empty');
      expect(described.protocolType).toBe('consumer');
      const listed = (await admin.listGroups()).groups.filter((g) => g.groupId === 'billing');
      expect(listed).toEqual([{ groupId: 'billing', protocolType: 'consumer' }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('two kafkajs members split a 4-partition topic; when one leaves, the other gets every partition', async () => {
    const assigned = new Map<string, number[]>();
    const start = async (name: string): Promise<KafkajsConsumer> => {
      const consumer = kafkajsConsumer('splitters');
      consumer.on(consumer.events.GROUP_JOIN, (event) => {
        assigned.set(name, [...(event.payload.memberAssignment.split ?? [])].sort());
      });
      await consumer.connect();
      await consumer.subscribe({ topic: 'split', fromBeginning: true });
      await consumer.run({ eachMessage: async () => undefined });
      return consumer;
    };
    await start('a');
    const b = await start('b');
    await waitFor(() => assigned.get('a')?.length === 2 && assigned.get('b')?.length === 2, {
      deadlineMs: DEADLINE_MS,
      what: `two members with two partitions each (${JSON.stringify([...assigned])})`,
    });
    expect([...assigned.get('a')!, ...assigned.get('b')!].sort()).toEqual([0, 1, 2, 3]);

    const admin = kafka.admin();
    await admin.connect();
    try {
      const [stable] = (await admin.describeGroups(['splitters'])).groups;
      expect(stable.state).toBe('Stable');
      expect(stable.protocol).toBe('RoundRobinAssigner');
      expect(stable.members).toHaveLength(2);
    } finally {
      await admin.disconnect();
    }

    await b.disconnect(); // LeaveGroup: an immediate rebalance, no session timeout to wait for
    await waitFor(() => assigned.get('a')?.length === 4, {
      deadlineMs: DEADLINE_MS,
      what: `the remaining member to get all four partitions (${JSON.stringify([...assigned])})`,
    });
    expect(assigned.get('a')).toEqual([0, 1, 2, 3]);
  });

  it('kcat -G consumes as a balanced consumer and commits on close', async () => {
    const values = Array.from({ length: 8 }, (_, i) => `kcat-${i}`);
    await produce('kcat-g', values);
    const result = await kcat(
      [
        '-b',
        broker.bootstrap,
        '-G',
        'kcat-group',
        'kcat-g',
        '-c',
        String(values.length),
        '-q',
        '-f',
        '%s\\n',
        '-X',
        'auto.offset.reset=earliest',
        '-X',
        'check.crcs=true',
      ],
      { deadlineMs: DEADLINE_MS },
    );
    expect(result.code, result.stderr).toBe(0);
    expect(
      result.stdout
        .split('\n')
        .filter((line) => line !== '')
        .sort(),
    ).toEqual([...values].sort());

    // librdkafka's OffsetFetch/OffsetCommit went through the coordinator: the group's offsets are the ends.
    const committed = await kafkaRequest('127.0.0.1', broker.port, ApiKey.OffsetFetch, 5, {
      groupId: 'kcat-group',
      topics: [{ name: 'kcat-g', partitionIndexes: [0, 1] }],
    } as RequestInput<9>);
    expect(committed.errorCode).toBe(ErrorCode.NONE);
    const total = committed.topics[0].partitions.reduce((sum, p) => sum + Number(p.committedOffset), 0);
    expect(total).toBe(values.length);
  });

  it('kafkajs → kzlab Consumer group → kzlab Producer → kafkajs group, sharing committed offsets', async () => {
    await produce('cross', ['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);
    const ours = new Consumer({
      brokers: [broker.bootstrap],
      groupId: 'crossers',
      autoOffsetReset: 'earliest',
      heartbeatIntervalMs: 500,
      valueDeserializer: stringDeserializer,
    });
    await ours.connect();
    ours.subscribe({ topics: ['cross'] });
    const seen: string[] = [];
    const deadline = Date.now() + DEADLINE_MS;
    while (seen.length < 6 && Date.now() < deadline) {
      for (const record of await ours.poll(200)) seen.push(record.value ?? '');
    }
    await ours.close(); // auto-commit of the positions, LeaveGroup
    expect(seen.sort()).toEqual(['j0', 'j1', 'j2', 'j3', 'j4', 'j5']);

    const producer = new Producer({ brokers: [broker.bootstrap] });
    await producer.connect();
    await producer.send({ topic: 'cross', messages: ['o0', 'o1', 'o2'].map((value) => ({ value })) });
    await producer.close();

    // kafkajs in the same group starts where our consumer committed: only our producer's records.
    expect((await consumeWithKafkajs('crossers', 'cross', 3)).sort()).toEqual(['o0', 'o1', 'o2']);
  });

  it('answers group requests for a group it does not know with the right errors', async () => {
    const heartbeat = await kafkaRequest('127.0.0.1', broker.port, ApiKey.Heartbeat, 0, {
      groupId: 'nobody',
      generationId: 1,
      memberId: 'ghost',
    } as RequestInput<12>);
    expect(heartbeat.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const join = await kafkaRequest('127.0.0.1', broker.port, ApiKey.JoinGroup, 1, {
      groupId: '',
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [],
    } as RequestInput<11>);
    expect(join.errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
    const tooShort = await kafkaRequest('127.0.0.1', broker.port, ApiKey.JoinGroup, 1, {
      groupId: 'impatient',
      sessionTimeoutMs: 10,
      rebalanceTimeoutMs: 10_000,
      memberId: '',
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: new Uint8Array(0) }],
    } as RequestInput<11>);
    expect(tooShort.errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    const transactional = await kafkaRequest('127.0.0.1', broker.port, ApiKey.FindCoordinator, 1, {
      key: 'tx',
      keyType: 1,
    } as RequestInput<10>);
    expect(transactional.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  });
});
