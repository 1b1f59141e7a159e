// One kzlab Kafka broker process (broker/main.ts) on our standalone ZooKeeper, driven by real clients:
// kcat (librdkafka 2.0.2, Debian) and kafkajs 2.2.4. Topic admin, produce/consume (keyed, unkeyed, gzip),
// offsets, MESSAGE_TOO_LARGE, partition additions (CreatePartitions), deletion, the admin HTTP server,
// kill -9 under acks=1 writes (every acknowledged offset readable after the restart), a clean SIGTERM
// shutdown, and a bad config (exit 2).
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CompressionTypes, Kafka, logLevel, type Admin, type Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { ApiKey, ErrorCode, type RequestInput } from '../../client/protocol/index.ts';
import {
  consumeAll,
  kafkaRequest,
  kcat,
  kcatAvailable,
  makeTempDir,
  metadata,
  repoNode,
  startBroker,
  waitReady,
  waitUntilServed,
  type BrokerProcess,
} from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { waitFor } from '../support/process.ts';
import { repoRoot, startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const CHROOT = '/kafka-single';
const skip = skipUnlessAvailable(kcatAvailable());

describe.skipIf(skip)('one broker process with kcat and kafkajs', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({
      id: 1,
      zookeeperConnect: `${zk.connectString}${CHROOT}`,
      admin: true,
      properties: { 'message.max.bytes': 100_000, 'log.retention.check.interval.ms': 500 },
    });
    kafka = new Kafka({
      brokers: [broker.bootstrap],
      clientId: 'kzlab-test',
      logLevel: logLevel.NOTHING,
      retry: { retries: 3 },
    });
    admin = kafka.admin();
    await admin.connect();
    producer = kafka.producer();
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.destroy();
    await zk?.stop();
  });

  it('kcat -L: the broker lists itself as the controller', async () => {
    const result = await kcat(['-b', broker.bootstrap, '-L']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`broker 1 at 127.0.0.1:${broker.port} (controller)`);
  });

  it('kafkajs admin: createTopics, TOPIC_ALREADY_EXISTS, INVALID_REPLICATION_FACTOR, invalid names', async () => {
    expect(
      await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }], waitForLeaders: true }),
    ).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] })).toBe(false);
    const rf = await admin
      .createTopics({ topics: [{ topic: 'wide', numPartitions: 1, replicationFactor: 2 }] })
      .catch((e: unknown) => e);
    expect((rf as { errors?: { type: string }[] }).errors?.[0]?.type).toBe('INVALID_REPLICATION_FACTOR');
    const bad = await admin
      .createTopics({ topics: [{ topic: 'bad name!', numPartitions: 1 }] })
      .catch((e: unknown) => e);
    expect((bad as { errors?: { type: string }[] }).errors?.[0]?.type).toBe('INVALID_TOPIC_EXCEPTION');
    const parts = await admin
      .createTopics({ topics: [{ topic: 'zero', numPartitions: 0 }] })
      .catch((e: unknown) => e);
    expect((parts as { errors?: { type: string }[] }).errors?.[0]?.type).toBe('INVALID_PARTITIONS');

    const listed = await kcat(['-b', broker.bootstrap, '-L', '-t', 'orders']);
    expect(listed.stdout).toContain('topic "orders" with 3 partitions');
    for (const p of [0, 1, 2])
      expect(listed.stdout).toContain(`partition ${p}, leader 1, replicas: 1, isrs: 1`);
  });

  it('kafkajs keyed and unkeyed messages are read back by kcat where kafkajs put them', async () => {
    const acked = new Map<string, { partition: number; offset: number }>();
    for (const key of ['alice', 'bob', 'carol', 'dave', 'alice', 'bob']) {
      const value = `${key}-${acked.size}`;
      const [meta] = await producer.send({ topic: 'orders', messages: [{ key, value }] });
      acked.set(value, { partition: meta.partition, offset: Number(meta.baseOffset) });
    }
    for (let i = 0; i < 6; i++) {
      const value = `nokey-${i}`;
      const [meta] = await producer.send({ topic: 'orders', messages: [{ value }] });
      acked.set(value, { partition: meta.partition, offset: Number(meta.baseOffset) });
    }
    const records = await consumeAll(broker.bootstrap, 'orders');
    expect(records.length).toBe(12);
    for (const [value, where] of acked) {
      expect(records.find((r) => r.value === value)).toMatchObject(where);
    }
    // The same key always went to the same partition (kafkajs' murmur2 partitioner).
    const partitionsOf = (key: string) =>
      new Set(records.filter((r) => r.key === key).map((r) => r.partition));
    expect(partitionsOf('alice').size).toBe(1);
    expect(partitionsOf('bob').size).toBe(1);
    // Unkeyed messages were spread over the partitions (round-robin).
    expect(new Set(records.filter((r) => r.value.startsWith('nokey')).map((r) => r.partition)).size).toBe(3);
  });

  it('kcat -P, kcat -C from an offset, kcat -Q, kafkajs fetchTopicOffsets', async () => {
    const input = Array.from({ length: 10 }, (_, i) => `line-${i}`).join('\n') + '\n';
    const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', 'lines', '-p', '0'], { input });
    expect(produced.code, produced.stderr).toBe(0);
    const all = await consumeAll(broker.bootstrap, 'lines');
    expect(all.map((r) => r.value)).toEqual(Array.from({ length: 10 }, (_, i) => `line-${i}`));
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const fromSeven = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'lines',
      '-p',
      '0',
      '-o',
      '7',
      '-e',
      '-q',
      '-X',
      'check.crcs=true',
    ]);
    expect(fromSeven.stdout.trim().split('\n')).toEqual(['line-7', 'line-8', 'line-9']);
    const last2 = await kcat([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'lines',
      '-p',
      '0',
      '-o',
      '-2',
      '-e',
      '-q',
    ]);
    expect(last2.stdout.trim().split('\n')).toEqual(['line-8', 'line-9']);
    // -Q: offsets by timestamp (-1 = the end, -2 = the beginning, a time → the first offset at or after it).
    const end = await kcat(['-b', broker.bootstrap, '-Q', '-t', 'lines:0:-1']);
    expect(end.stdout).toContain('lines [0] offset 10');
    const begin = await kcat(['-b', broker.bootstrap, '-Q', '-t', 'lines:0:-2']);
    expect(begin.stdout).toContain('lines [0] offset 0');
    const byTime = await kcat(['-b', broker.bootstrap, '-Q', '-t', `lines:0:${Date.now() - 60_000}`]);
    expect(byTime.stdout).toContain('lines [0] offset 0');
    expect(await admin.fetchTopicOffsets('lines')).toEqual([
      { partition: 0, offset: '10', high: '10', low: '0' },
    ]);
  });

  it('MESSAGE_TOO_LARGE for a batch above message.max.bytes; the connection stays usable', async () => {
    const error = await producer
      .send({ topic: 'lines', acks: 1, messages: [{ value: 'x'.repeat(150_000) }] })
      .catch((e: unknown) => e);
    expect((error as { type?: string }).type).toBe('MESSAGE_TOO_LARGE');
    const [ok] = await producer.send({ topic: 'lines', messages: [{ value: 'after' }] });
    expect(ok.errorCode).toBe(0);
    expect(Number(ok.baseOffset)).toBe(10); // nothing of the refused batch was appended

    // A topic-level max.message.bytes (CreateTopics configs → /config/topics/<t>) applies to its log.
    await admin.createTopics({
      topics: [
        { topic: 'small', numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '2000' }] },
      ],
      waitForLeaders: true,
    });
    const small = await producer
      .send({ topic: 'small', acks: 1, messages: [{ value: 'y'.repeat(5_000) }] })
      .catch((e: unknown) => e);
    expect((small as { type?: string }).type).toBe('MESSAGE_TOO_LARGE');
    expect(
      (await producer.send({ topic: 'small', messages: [{ value: 'y'.repeat(500) }] }))[0].errorCode,
    ).toBe(0);
  });

  it('gzip batches from kafkajs are read back by kcat', async () => {
    await admin.createTopics({ topics: [{ topic: 'zipped', numPartitions: 1 }], waitForLeaders: true });
    const values = Array.from({ length: 50 }, (_, i) => `compressed value ${i} ${'z'.repeat(i)}`);
    await producer.send({
      topic: 'zipped',
      compression: CompressionTypes.GZIP,
      messages: values.map((value) => ({ value })),
    });
    await producer.send({
      topic: 'zipped',
      compression: CompressionTypes.GZIP,
      messages: [{ key: 'k', value: 'second batch' }],
    });
    const records = await consumeAll(broker.bootstrap, 'zipped');
    expect(records.map((r) => r.value)).toEqual([...values, 'second batch']);
    expect(records.map((r) => r.offset)).toEqual(Array.from({ length: 51 }, (_, i) => i));
  });

  it('kafkajs admin.createPartitions: 2 → 4 with leaders, records on partition 3, INVALID_PARTITIONS for 3', async () => {
    await admin.createTopics({ topics: [{ topic: 'growing', numPartitions: 2 }], waitForLeaders: true });
    await admin.createPartitions({ topicPartitions: [{ topic: 'growing', count: 4 }], timeout: 10_000 });
    // the broker answered after its metadata cache showed leaders for the new partitions
    const [described] = (await metadata(broker.port, ['growing'])).topics;
    expect(described.errorCode).toBe(0);
    expect(described.partitions.map((p) => [p.partitionIndex, p.leaderId]).sort(([a], [b]) => a - b)).toEqual(
      [
        [0, 1],
        [1, 1],
        [2, 1],
        [3, 1],
      ],
    );
    const { topics } = await admin.fetchTopicMetadata({ topics: ['growing'] });
    expect(topics[0].partitions).toHaveLength(4);

    const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', 'growing', '-p', '3', '-k', 'k'], {
      input: 'on-three-a\non-three-b\n',
    });
    expect(produced.code, produced.stderr).toBe(0);
    const records = await consumeAll(broker.bootstrap, 'growing', ['-p', '3']);
    expect(records.map((r) => [r.partition, r.offset, r.value])).toEqual([
      [3, 0, 'on-three-a'],
      [3, 1, 'on-three-b'],
    ]);

    const fewer = await admin
      .createPartitions({ topicPartitions: [{ topic: 'growing', count: 3 }] })
      .catch((e: unknown) => e);
    expect((fewer as { type?: string }).type).toBe('INVALID_PARTITIONS');
    // our codec at the highest advertised version (v3, flexible): Kafka's message, a topic named twice
    const versions = await kafkaRequest('127.0.0.1', broker.port, ApiKey.ApiVersions, 3, {
      clientSoftwareName: 'kzlab-test',
      clientSoftwareVersion: '1',
    } as RequestInput<18>);
    expect(versions.apiKeys.find((r) => r.apiKey === ApiKey.CreatePartitions)).toEqual({
      apiKey: ApiKey.CreatePartitions,
      minVersion: 0,
      maxVersion: 3,
    });
    const v3 = await kafkaRequest('127.0.0.1', broker.port, ApiKey.CreatePartitions, 3, {
      topics: [
        { name: 'growing', count: 3, assignments: null },
        { name: 'twice', count: 5, assignments: null },
        { name: 'twice', count: 5, assignments: null },
        { name: 'nowhere', count: 5, assignments: null },
      ],
      timeoutMs: 5_000,
      validateOnly: false,
    } as RequestInput<37>);
    expect(v3.results.map((r) => [r.name, r.errorCode, r.errorMessage])).toEqual([
      [
        'growing',
        ErrorCode.INVALID_PARTITIONS,
        'Topic currently has 4 partitions, which is higher than the requested 3.',
      ],
      ['twice', ErrorCode.INVALID_REQUEST, 'Duplicate topic in request.'],
      ['nowhere', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, "The topic 'nowhere' does not exist."],
    ]);
    // validateOnly changes nothing
    await admin.createPartitions({ validateOnly: true, topicPartitions: [{ topic: 'growing', count: 6 }] });
    expect((await metadata(broker.port, ['growing'])).topics[0].partitions).toHaveLength(4);
  });

  it('deleteTopics removes the topic from metadata and its log from disk', async () => {
    await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }], waitForLeaders: true });
    await producer.send({ topic: 'doomed', messages: [{ value: 'bye' }] });
    expect(existsSync(join(broker.logDir, 'doomed-0'))).toBe(true);
    await admin.deleteTopics({ topics: ['doomed'], timeout: 10_000 });
    expect(await admin.listTopics()).not.toContain('doomed');
    await waitFor(
      () => !existsSync(join(broker.logDir, 'doomed-0')) && !existsSync(join(broker.logDir, 'doomed-1')),
      {
        deadlineMs: 10_000,
        what: 'the doomed-* log dirs to be deleted',
      },
    );
    const unknown = await admin
      .deleteTopics({ topics: ['never-existed'], timeout: 2_000 })
      .catch((e: unknown) => e);
    // kafkajs retries UNKNOWN_TOPIC_OR_PARTITION and then reports its message.
    expect(String(unknown)).toContain('This server does not host this topic-partition');
  });

  it('retention (log.retention.check.interval.ms) deletes old segments of a topic with retention.ms', async () => {
    await admin.createTopics({
      topics: [
        {
          topic: 'short-lived',
          numPartitions: 1,
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'segment.bytes', value: '1024' },
          ],
        },
      ],
      waitForLeaders: true,
    });
    for (let i = 0; i < 30; i++)
      await producer.send({ topic: 'short-lived', messages: [{ value: `r${i}-${'p'.repeat(100)}` }] });
    const segmentsBefore = readdirSync(join(broker.logDir, 'short-lived-0')).filter((f) =>
      f.endsWith('.log'),
    ).length;
    expect(segmentsBefore).toBeGreaterThan(2);
    await waitFor(async () => Number((await admin.fetchTopicOffsets('short-lived'))[0].low) > 0, {
      deadlineMs: 15_000,
      what: 'retention to move the log start offset',
    });
    const [offsets] = await admin.fetchTopicOffsets('short-lived');
    expect(offsets.high).toBe('30');
    const left = await consumeAll(broker.bootstrap, 'short-lived');
    expect(left.length).toBeLessThan(30);
    expect(left[0]?.offset ?? 30).toBeGreaterThanOrEqual(Number(offsets.low));
  });

  it('auto-creates a topic on Metadata (auto.create.topics.enable) with num.partitions', async () => {
    const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', 'auto-made'], { input: 'hello\n' });
    expect(produced.code, produced.stderr).toBe(0);
    const records = await consumeAll(broker.bootstrap, 'auto-made');
    expect(records.map((r) => r.value)).toEqual(['hello']);
    expect((await metadata(broker.port, ['auto-made'])).topics[0].partitions.length).toBe(1);
  });

  it('admin HTTP: /broker, /controller, /partitions, /metrics', async () => {
    const base = `http://127.0.0.1:${broker.adminPort}`;
    const brokerInfo = (await (await fetch(`${base}/broker`)).json()) as Record<string, unknown>;
    expect(brokerInfo).toMatchObject({
      brokerId: 1,
      controllerId: 1,
      advertisedListeners: [{ listener: 'PLAINTEXT', host: '127.0.0.1', port: broker.port }],
    });
    expect(typeof brokerInfo.clusterId).toBe('string');
    const controller = (await (await fetch(`${base}/controller`)).json()) as Record<string, unknown>;
    expect(controller).toMatchObject({ isController: true, controllerEpoch: 1, liveBrokers: [{ id: 1 }] });
    const { partitions } = (await (await fetch(`${base}/partitions`)).json()) as {
      partitions: Record<string, unknown>[];
    };
    const lines = partitions.find((p) => p.topic === 'lines' && p.partition === 0);
    expect(lines).toMatchObject({
      role: 'leader',
      leader: 1,
      replicas: [1],
      isr: [1],
      logEndOffset: '11',
      highWatermark: '11',
    });
    expect((lines!.segments as { sizeBytes: number }[])[0].sizeBytes).toBeGreaterThan(0);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    const text = await metrics.text();
    expect(text).toContain('kafka_log_log_logendoffset{topic="lines",partition="0"} 11');
    expect(text).toMatch(/kafka_network_requestmetrics_requests_total\{request="Produce"\} \d+/);
    expect(text).toMatch(/kafka_server_brokertopicmetrics_bytesin_total \d+/);
    expect(text).toContain('kafka_controller_kafkacontroller_activecontrollercount 1');
  });

  it('kill -9 during acks=1 writes: after the restart every acknowledged offset is readable', async () => {
    await admin.createTopics({ topics: [{ topic: 'crash', numPartitions: 2 }], waitForLeaders: true });
    const writer = new Kafka({
      brokers: [broker.bootstrap],
      clientId: 'crash-writer',
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
    }).producer({ retry: { retries: 0 } });
    await writer.connect();
    const acked: { partition: number; offset: number; value: string }[] = [];
    let stop = false;
    const writing = (async () => {
      for (let i = 0; !stop; i++) {
        const value = `v${i}`;
        try {
          const [meta] = await writer.send({
            topic: 'crash',
            acks: 1,
            messages: [{ key: `k${i % 7}`, value }],
          });
          acked.push({ partition: meta.partition, offset: Number(meta.baseOffset), value });
        } catch {
          return; // the broker is gone
        }
      }
    })();
    await waitFor(() => acked.length >= 200, { deadlineMs: 20_000, what: '200 acknowledged writes' });
    await broker.kill9();
    stop = true;
    await writing;
    await writer.disconnect().catch(() => undefined);
    expect(acked.length).toBeGreaterThanOrEqual(200);

    await broker.start(); // waits for the old session's /brokers/ids/1 to expire first
    await waitReady(broker, { readyDeadlineMs: 40_000 });
    // It knows it crashed. ('recovered log' follows only when a segment lay past its recovery point, which a
    // checkpoint written just before the kill can leave untrue: not asserted, the offsets below are.)
    expect(broker.logTail(400)).toContain('no clean-shutdown marker');
    await waitUntilServed(broker, 'crash');
    const records = await consumeAll(broker.bootstrap, 'crash');
    const byPosition = new Map(records.map((r) => [`${r.partition}/${r.offset}`, r.value]));
    const missing = acked.filter((a) => byPosition.get(`${a.partition}/${a.offset}`) !== a.value);
    expect(missing).toEqual([]);
  });

  it('SIGTERM: clean shutdown (exit 0, clean-shutdown marker, registration gone at once)', async () => {
    await producer.disconnect();
    await admin.disconnect();
    const status = await broker.stop();
    expect(status.code).toBe(0);
    expect(existsSync(join(broker.logDir, '.kafka_cleanshutdown'))).toBe(true);
    expect(existsSync(join(broker.logDir, 'replication-offset-checkpoint'))).toBe(true);
    const kz = await KafkaZkClient.connect(`${zk.connectString}${CHROOT}`, { sessionTimeoutMs: 6000 });
    try {
      expect(await kz.getBrokerIds()).toEqual([]);
      expect(await kz.getControllerId()).toBeUndefined();
    } finally {
      await kz.close();
    }
    // Restarting after a clean shutdown skips recovery and serves the same data.
    await broker.start();
    await waitReady(broker);
    expect(broker.logTail(400)).toContain('log dir loaded after a clean shutdown');
    await waitUntilServed(broker, 'lines');
    const lines = await consumeAll(broker.bootstrap, 'lines');
    expect(lines.map((r) => r.value).slice(-2)).toEqual(['line-9', 'after']);
  });

  it('a bad server.properties value exits with status 2 and names the key (also through kzlab kafka-server)', async () => {
    const dir = makeTempDir('bad-broker');
    const file = join(dir, 'server.properties');
    writeFileSync(
      file,
      `broker.id=1\nzookeeper.connect=${zk.connectString}\nnum.partitions=zero\nlog.dirs=${dir}/logs\n`,
    );
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(repoNode, args, { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
        child.once('close', (code) => resolve({ code, stderr }));
      });
    const direct = await run([join(repoRoot, 'broker', 'main.ts'), file]);
    expect(direct.code).toBe(2);
    expect(direct.stderr).toContain('num.partitions');
    const cli = await run([join(repoRoot, 'deploy', 'cli.ts'), 'kafka-server', file]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain('num.partitions');
    writeFileSync(
      file,
      `broker.id=1\nzookeeper.connect=${zk.connectString}\nkzlab.admin.port=http\nlog.dirs=${dir}/logs\n`,
    );
    const admin = await run([join(repoRoot, 'broker', 'main.ts'), file]);
    expect(admin.code).toBe(2);
    expect(admin.stderr).toContain('kzlab.admin.port');
  });
});
