// Three kzlab Kafka broker processes on one ZooKeeper — ours and Debian's Apache ZooKeeper 3.8: the
// registrations in Kafka's JSON, one controller, a 3-partition topic placed by the assignment algorithm
// and served by the brokers it names, and controller failover after kill -9 (a new controller with a
// higher controller_epoch within the ZooKeeper session timeout).
import { CompressionTypes, Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fromUtf8 } from '../../broker/zk/kafka-json.ts';
import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { ApiKey, ErrorCode, type RequestInput } from '../../client/protocol/index.ts';
import {
  consumeAll,
  kafkaRequest,
  kcat,
  kcatAvailable,
  metadata,
  startBroker,
  type BrokerProcess,
} from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { startSilenceableProxy, type SilenceableProxy } from './broker-zk-support.ts';
import { waitFor } from '../support/process.ts';
import {
  implAvailable,
  startZooKeeper,
  type ZooKeeperImpl,
  type ZooKeeperServer,
} from '../support/zookeeper-servers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const SESSION_TIMEOUT_MS = 6000;
const IMPLS: ZooKeeperImpl[] = ['kzlab', 'apache'];

describe.each(IMPLS)('three brokers on %s ZooKeeper', (impl) => {
  const skip = skipUnlessAvailable(kcatAvailable() && implAvailable(impl));
  const chroot = '/kafka-cluster';
  let zk: ZooKeeperServer;
  let kz: KafkaZkClient;
  let brokers: BrokerProcess[] = [];

  beforeAll(async () => {
    if (skip) return;
    zk = await startZooKeeper({ impl });
    const connect = `${zk.connectString}${chroot}`;
    brokers = await Promise.all(
      [1, 2, 3].map((id) =>
        startBroker({
          id,
          zookeeperConnect: connect,
          properties: {
            'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS,
            'auto.leader.rebalance.enable': false,
          },
        }),
      ),
    );
    kz = await KafkaZkClient.connect(connect, { sessionTimeoutMs: 10_000 });
    // Every broker knows all three (the controller's UpdateMetadata reached them all).
    await waitFor(
      async () => {
        for (const b of brokers) if ((await metadata(b.port, [])).brokers.length !== 3) return false;
        return true;
      },
      { deadlineMs: 20_000, what: 'every broker to list three brokers' },
    );
  });

  afterAll(async () => {
    await kz?.close().catch(() => undefined);
    await Promise.all(brokers.map((b) => b.destroy()));
    await zk?.stop();
  });

  const json = async (path: string): Promise<string | undefined> => {
    const node = await kz.getDataMaybe(path);
    return node?.data ? fromUtf8(node.data) : undefined;
  };

  it.skipIf(skip)('registers /brokers/ids/<id> with Kafka 2.4 JSON and elects one controller', async () => {
    expect(await kz.getBrokerIds()).toEqual([1, 2, 3]);
    for (const b of brokers) {
      expect(await json(`/brokers/ids/${b.id}`)).toMatch(
        new RegExp(
          `^\\{"listener_security_protocol_map":\\{"PLAINTEXT":"PLAINTEXT"\\},"endpoints":\\["PLAINTEXT://127\\.0\\.0\\.1:${b.port}"\\],` +
            `"jmx_port":-1,"host":"127\\.0\\.0\\.1","timestamp":"\\d+","port":${b.port},"version":4\\}$`,
        ),
      );
    }
    const controllerId = await kz.getControllerId();
    expect([1, 2, 3]).toContain(controllerId);
    expect(await json('/controller')).toMatch(
      new RegExp(`^\\{"version":1,"brokerid":${controllerId},"timestamp":"\\d+"\\}$`),
    );
    expect((await kz.getControllerEpoch())?.epoch).toBe(1);
    expect(await json('/cluster/id')).toMatch(/^\{"version":"1","id":"[A-Za-z0-9_-]{22}"\}$/);
    for (const b of brokers) expect((await metadata(b.port, [])).controllerId).toBe(controllerId);
  });

  it.skipIf(skip)(
    'a broker that is not the controller answers CreateTopics and CreatePartitions with NOT_CONTROLLER',
    async () => {
      const controllerId = await kz.getControllerId();
      const other = brokers.find((b) => b.id !== controllerId)!;
      const created = await kafkaRequest('127.0.0.1', other.port, ApiKey.CreateTopics, 2, {
        topics: [
          { name: 'misdirected', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] },
        ],
        timeoutMs: 5000,
        validateOnly: false,
      } as RequestInput<19>);
      expect(created.topics.map((t) => [t.name, t.errorCode])).toEqual([
        ['misdirected', ErrorCode.NOT_CONTROLLER],
      ]);
      const grown = await kafkaRequest('127.0.0.1', other.port, ApiKey.CreatePartitions, 1, {
        topics: [{ name: 'misdirected', count: 2, assignments: null }],
        timeoutMs: 5000,
        validateOnly: false,
      } as RequestInput<37>);
      expect(grown.results.map((t) => [t.name, t.errorCode])).toEqual([
        ['misdirected', ErrorCode.NOT_CONTROLLER],
      ]);
      expect(await kz.getAllTopicsInCluster()).not.toContain('misdirected');
    },
  );

  it.skipIf(skip)(
    'a 3-partition RF 1 topic is placed as the assignment algorithm says and served by those brokers',
    async () => {
      const kafka = new Kafka({
        brokers: brokers.map((b) => b.bootstrap),
        clientId: 'cluster-test',
        logLevel: logLevel.NOTHING,
      });
      const admin = kafka.admin();
      await admin.connect();
      try {
        expect(
          await admin.createTopics({
            topics: [{ topic: 'spread', numPartitions: 3, replicationFactor: 1 }],
            waitForLeaders: true,
          }),
        ).toBe(true);
      } finally {
        await admin.disconnect();
      }
      const assignment = (await kz.getTopicAssignment('spread'))!.assignment;
      const leaders = [0, 1, 2].map((p) => assignment.get(p)!.replicas);
      for (const replicas of leaders) expect(replicas.length).toBe(1);
      // Rack-unaware assignment: partition p's first replica is B[(p + startIndex) % n] over the sorted ids.
      const start = [1, 2, 3].indexOf(leaders[0][0]);
      expect(leaders.map((r) => r[0])).toEqual([0, 1, 2].map((p) => [1, 2, 3][(p + start) % 3]));

      const listed = await kcat(['-b', brokers[0].bootstrap, '-L', '-t', 'spread']);
      for (const p of [0, 1, 2]) {
        const leader = leaders[p][0];
        expect(listed.stdout).toContain(
          `partition ${p}, leader ${leader}, replicas: ${leader}, isrs: ${leader}`,
        );
      }
      // Produce to each partition (kcat goes to each leader) and read everything back.
      for (const p of [0, 1, 2]) {
        const produced = await kcat(['-b', brokers[2].bootstrap, '-P', '-t', 'spread', '-p', String(p)], {
          input: `to-${p}-a\nto-${p}-b\n`,
        });
        expect(produced.code, produced.stderr).toBe(0);
      }
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic: 'spread',
        compression: CompressionTypes.GZIP,
        messages: [{ key: 'x', value: 'from-kafkajs' }],
      });
      await producer.disconnect();
      const records = await consumeAll(brokers[1].bootstrap, 'spread');
      for (const p of [0, 1, 2]) {
        expect(
          records.filter((r) => r.partition === p && r.value.startsWith('to-')).map((r) => r.value),
        ).toEqual([`to-${p}-a`, `to-${p}-b`]);
      }
      expect(records.some((r) => r.value === 'from-kafkajs')).toBe(true);
      // Each partition's log lives on its leader only.
      const { partitions } = (await metadata(brokers[0].port, ['spread'])).topics[0];
      expect(partitions.map((p) => p.leaderId)).toEqual(leaders.map((r) => r[0]));
    },
  );

  it.skipIf(skip)(
    'kill -9 of the controller: a new controller with a higher epoch within the session timeout',
    async () => {
      const oldControllerId = (await kz.getControllerId())!;
      const oldEpoch = (await kz.getControllerEpoch())!.epoch;
      const victim = brokers.find((b) => b.id === oldControllerId)!;
      const survivors = brokers.filter((b) => b !== victim);
      const killedAt = Date.now();
      await victim.kill9();
      const newControllerId = await waitFor(
        async () => {
          const id = await kz.getControllerId();
          return id !== undefined && id !== oldControllerId ? id : undefined;
        },
        { deadlineMs: SESSION_TIMEOUT_MS + 10_000, what: 'a new controller', intervalMs: 25 },
      );
      const failoverMs = Date.now() - killedAt;
      expect(survivors.map((b) => b.id)).toContain(newControllerId);
      expect((await kz.getControllerEpoch())!.epoch).toBeGreaterThan(oldEpoch);
      // ZooKeeper expires sessions in tickTime buckets (2 s here), so detection takes the session timeout plus
      // up to one tick; the election and the watch delivery come on top. Near 2 × the timeout would be a bug.
      expect(failoverMs).toBeLessThan(SESSION_TIMEOUT_MS + 5_000);
      expect(await kz.getBrokerIds()).toEqual(survivors.map((b) => b.id));

      // The survivors learn the new controller and that the victim is gone; its partition has no leader (RF 1).
      const spread = (await kz.getTopicAssignment('spread'))!.assignment;
      const orphaned = [...spread].filter(([, a]) => a.replicas[0] === victim.id).map(([p]) => p);
      for (const survivor of survivors) {
        await waitFor(
          async () => {
            const answer = await metadata(survivor.port, ['spread']);
            if (answer.controllerId !== newControllerId || answer.brokers.length !== 2) return false;
            const partitions = answer.topics[0].partitions;
            return orphaned.every((p) => partitions.find((x) => x.partitionIndex === p)?.leaderId === -1);
          },
          {
            deadlineMs: 15_000,
            what: `broker ${survivor.id} to see the new controller and the offline partition`,
          },
        );
      }
      // The partitions on the survivors still serve reads.
      const records = await consumeAll(survivors[0].bootstrap, 'spread', [
        '-p',
        String([0, 1, 2].find((p) => !orphaned.includes(p))),
      ]);
      expect(records.length).toBeGreaterThanOrEqual(2);
    },
  );
});

describe('a broker whose ZooKeeper session expires', () => {
  const skip = skipUnlessAvailable(kcatAvailable());
  let zk: ZooKeeperServer;
  let proxy: SilenceableProxy;
  let broker: BrokerProcess;
  let kz: KafkaZkClient;

  beforeAll(async () => {
    if (skip) return;
    zk = await startZooKeeper({ impl: 'kzlab' });
    proxy = await startSilenceableProxy(zk.host, zk.port);
    broker = await startBroker({
      id: 1,
      zookeeperConnect: `${proxy.connectString}/kafka-expiry`,
      properties: { 'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS },
    });
    kz = await KafkaZkClient.connect(`${zk.connectString}/kafka-expiry`, { sessionTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    await kz?.close().catch(() => undefined);
    await broker?.destroy();
    await proxy?.stop();
    await zk?.stop();
  });

  it.skipIf(skip)('re-registers with a new broker epoch, is elected again and keeps serving', async () => {
    const produced = await kcat(['-b', broker.bootstrap, '-P', '-t', 'kept', '-p', '0'], {
      input: 'before\n',
    });
    expect(produced.code, produced.stderr).toBe(0);
    const firstEpoch = (await kz.getAllBrokerAndEpochsInCluster())[0].epoch;
    expect((await kz.getControllerEpoch())?.epoch).toBe(1);

    proxy.silence();
    await waitFor(async () => (await kz.getBrokerIds()).length === 0, {
      deadlineMs: SESSION_TIMEOUT_MS + 10_000,
      what: 'the silenced session to expire',
    });
    proxy.resume();
    proxy.dropConnections();

    const registered = await waitFor(
      async () => {
        const brokers = await kz.getAllBrokerAndEpochsInCluster();
        return brokers.length === 1 ? brokers[0] : undefined;
      },
      { deadlineMs: 20_000, what: 'the broker to register again', context: () => broker.logTail(40) },
    );
    expect(registered.epoch).toBeGreaterThan(firstEpoch);
    await waitFor(
      async () => (await kz.getControllerEpoch())?.epoch === 2 && (await kz.getControllerId()) === 1,
      {
        deadlineMs: 20_000,
        what: 'broker 1 to be controller again with epoch 2',
      },
    );
    // The new controller's requests carry the new broker epoch and are accepted: the partition is served.
    await waitFor(
      async () => (await metadata(broker.port, ['kept'])).topics[0]?.partitions[0]?.leaderId === 1,
      {
        deadlineMs: 20_000,
        what: 'the partition to be led by broker 1 again',
      },
    );
    const again = await kcat(['-b', broker.bootstrap, '-P', '-t', 'kept', '-p', '0'], { input: 'after\n' });
    expect(again.code, again.stderr).toBe(0);
    expect((await consumeAll(broker.bootstrap, 'kept')).map((r) => r.value)).toEqual(['before', 'after']);
    expect(broker.logTail(400)).not.toContain('STALE_BROKER_EPOCH');
  });
});
