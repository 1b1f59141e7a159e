// The pure KafkaController driven through ZooKeeper (ControllerElector + ControllerZkDriver +
// controller-zk-executor) against ours and Debian's Apache ZooKeeper: three "brokers" (ZooKeeper sessions
// that register and run for controller), topic creation, broker failure, controller failover, deletion,
// and a deposed controller whose writes are fenced.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  assignReplicasToBrokers,
  fixedRandom,
  toTopicAssignment,
} from '../../broker/controller/assignment.ts';
import type { ControllerJournalEvent } from '../../broker/controller/journal.ts';
import type { ControllerRequest } from '../../broker/controller/requests.ts';
import { ControllerElector } from '../../broker/zk/controller-election.ts';
import { ControllerZkDriver } from '../../broker/zk/controller-zk-driver.ts';
import { fromUtf8 } from '../../broker/zk/kafka-json.ts';
import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import {
  implAvailable,
  startZooKeeper,
  type ZooKeeperImpl,
  type ZooKeeperServer,
} from '../support/zookeeper-servers.ts';
import { eventually } from './broker-zk-support.ts';

const IMPLS: ZooKeeperImpl[] = ['kzlab', 'apache'];

interface TestBroker {
  id: number;
  kz: KafkaZkClient;
  elector: ControllerElector;
  driver: ControllerZkDriver;
  requests: ControllerRequest[];
  journal: ControllerJournalEvent[];
  epoch: bigint;
}

describe.each(IMPLS)('KafkaController through %s ZooKeeper', (impl) => {
  const available = implAvailable(impl);
  let server: ZooKeeperServer;
  let root = 0;
  const open: KafkaZkClient[] = [];

  beforeAll(async () => {
    if (available) server = await startZooKeeper({ impl });
  });
  afterAll(async () => {
    for (const kz of open) await kz.close().catch(() => undefined);
    if (server) await server.stop();
  });

  async function connect(chroot: string): Promise<KafkaZkClient> {
    const kz = await KafkaZkClient.connect(`${server.connectString}${chroot}`, { sessionTimeoutMs: 6000 });
    open.push(kz);
    return kz;
  }

  async function startBroker(chroot: string, id: number): Promise<TestBroker> {
    const kz = await connect(chroot);
    await kz.createTopLevelPaths();
    const epoch = await kz.registerBroker({
      id,
      endPoints: [
        { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: 19090 + id },
      ],
      rack: undefined,
      version: 4,
      jmxPort: -1,
      timestampMs: Date.now(),
    });
    const requests: ControllerRequest[] = [];
    const journal: ControllerJournalEvent[] = [];
    const box: { elector?: ControllerElector } = {};
    const driver = new ControllerZkDriver(kz, {
      controllerConfig: { brokerId: id, autoLeaderRebalanceEnable: false },
      onRequests: (r) => requests.push(...r),
      onJournal: (j) => journal.push(...j),
      onResigned: () => void box.elector?.controllerMoved(),
    });
    const elector = new ControllerElector(kz, id, {
      onEvent: async (event) => {
        if (event.type === 'elected') await driver.activate(event.epoch, event.epochZkVersion);
        if (event.type === 'resigned') await driver.deactivate(event.reason);
      },
    });
    box.elector = elector;
    await elector.start();
    return { id, kz, elector, driver, requests, journal, epoch };
  }

  async function stopBroker(broker: TestBroker): Promise<void> {
    await broker.elector.stop();
    await broker.driver.deactivate();
    await broker.kz.close();
  }

  const stateJson = async (kz: KafkaZkClient, topic: string, partition: number) => {
    const node = await kz.getDataMaybe(`/brokers/topics/${topic}/partitions/${partition}/state`);
    return node?.data ? fromUtf8(node.data) : undefined;
  };

  it.skipIf(!available)(
    'creates topics, survives a broker failure and a controller failover, deletes topics',
    async () => {
      const chroot = `/c${++root}`;
      const b1 = await startBroker(chroot, 1);
      const b2 = await startBroker(chroot, 2);
      const b3 = await startBroker(chroot, 3);
      const brokers = [b1, b2, b3];
      expect(b1.elector.isActive).toBe(true); // first to run wins
      await eventually(() => b1.driver.isActive, 'broker 1 to be the active controller');
      // It noticed brokers 2 and 3 registering after it took over.
      await eventually(
        () => b1.driver.kafkaController?.context.liveOrShuttingDownBrokerIds().length === 3,
        'all brokers seen',
      );

      // An admin creates a topic the way Kafka does: config first, then the assignment znode.
      const admin = await connect(chroot);
      const assignment = assignReplicasToBrokers(
        brokers.map((b) => ({ id: b.id, rack: undefined })),
        3,
        3,
        fixedRandom(0, 0),
      );
      expect(Object.fromEntries(assignment)).toEqual({ 0: [1, 2, 3], 1: [2, 3, 1], 2: [3, 1, 2] });
      await admin.setOrCreateEntityConfigs('topics', 'orders', {});
      await admin.createTopicAssignment('orders', toTopicAssignment(assignment));

      await eventually(
        async () => (await stateJson(admin, 'orders', 2)) !== undefined,
        'the partition states',
      );
      expect(await stateJson(admin, 'orders', 0)).toBe(
        '{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}',
      );
      expect(await stateJson(admin, 'orders', 1)).toBe(
        '{"controller_epoch":1,"leader":2,"version":1,"leader_epoch":0,"isr":[2,3,1]}',
      );
      await b1.driver.whenIdle();
      const leaderAndIsrTo3 = b1.requests.filter((r) => r.type === 'LeaderAndIsr' && r.brokerId === 3);
      expect(leaderAndIsrTo3[0]).toMatchObject({
        controllerId: 1,
        controllerEpoch: 1,
        brokerEpoch: b3.epoch,
      });
      expect(b1.journal.map((e) => e.type)).toContain('topic-created');

      // Broker 2 (leader of orders-1) dies.
      await stopBroker(b2);
      await eventually(
        async () => (await stateJson(admin, 'orders', 1))?.includes('"leader":3'),
        'orders-1 to move to broker 3',
      );
      expect(await stateJson(admin, 'orders', 1)).toBe(
        '{"controller_epoch":1,"leader":3,"version":1,"leader_epoch":1,"isr":[3,1]}',
      );
      await eventually(
        async () => (await stateJson(admin, 'orders', 0))?.includes('"isr":[1,3]'),
        'broker 2 to leave the ISR of orders-0',
      );

      // The controller's broker dies: broker 3 takes over with epoch 2. Failover first removes the dead broker 1
      // from ISRs (orders-0: leader −1, leader epoch 2), then elects (broker 3, leader epoch 3).
      await stopBroker(b1);
      await eventually(() => b3.driver.isActive, 'broker 3 to become controller');
      expect(b3.elector.controllerEpoch?.epoch).toBe(2);
      await eventually(
        async () => (await stateJson(admin, 'orders', 0))?.includes('"leader":3'),
        'orders-0 to move to broker 3',
      );
      expect(await stateJson(admin, 'orders', 0)).toBe(
        '{"controller_epoch":2,"leader":3,"version":1,"leader_epoch":3,"isr":[3]}',
      );
      expect(b3.journal.map((e) => e.type)).toContain('controller-elected');

      // Delete the topic; broker 3 answers its StopReplica(delete); brokers 1 and 2 are gone, so the deletion waits.
      await admin.createDeleteTopicPath('orders');
      await eventually(
        () => b3.requests.some((r) => r.type === 'StopReplica' && r.deletePartitions),
        'StopReplica with delete',
      );
      await b3.driver.stopReplicaResponse(
        3,
        'NONE',
        [0, 1, 2].map((p) => ({ partition: { topic: 'orders', partition: p }, error: 'NONE' })),
      );
      expect(await admin.topicExists('orders')).toBe(true);
      expect(b3.driver.kafkaController?.context.topicsIneligibleForDeletion.has('orders')).toBe(true);

      // A topic whose replicas are all on live brokers is deleted completely.
      await admin.createTopicAssignment('solo', toTopicAssignment(new Map([[0, [3]]])));
      await eventually(async () => (await stateJson(admin, 'solo', 0)) !== undefined, 'solo to be created');
      await admin.createDeleteTopicPath('solo');
      await eventually(
        () =>
          b3.requests.some(
            (r) =>
              r.type === 'StopReplica' && r.deletePartitions && r.partitions.some((p) => p.topic === 'solo'),
          ),
        'StopReplica(delete) for solo',
      );
      await b3.driver.stopReplicaResponse(3, 'NONE', [
        { partition: { topic: 'solo', partition: 0 }, error: 'NONE' },
      ]);
      await eventually(async () => !(await admin.topicExists('solo')), 'solo to be deleted');
      expect(await admin.isTopicMarkedForDeletion('solo')).toBe(false);
      expect(b3.journal.map((e) => e.type)).toContain('topic-deleted');
      await stopBroker(b3);
    },
  );

  it.skipIf(!available)(
    'a deposed controller that has not noticed yet: its writes are fenced and it resigns',
    async () => {
      const chroot = `/c${++root}`;
      const zombie = await startBroker(chroot, 1);
      await eventually(() => zombie.driver.isActive, 'broker 1 to be controller');
      // Broker 1 stops following /controller (a long pause, say), and broker 2 takes over meanwhile.
      await zombie.elector.stop();
      let resigned = false;
      const zombieDriver = new ControllerZkDriver(zombie.kz, {
        controllerConfig: { brokerId: 1, autoLeaderRebalanceEnable: false },
        onRequests: (r) => zombie.requests.push(...r),
        onJournal: (j) => zombie.journal.push(...j),
        onResigned: () => {
          resigned = true;
        },
      });
      await zombie.driver.deactivate();
      await zombieDriver.activate(
        zombie.elector.controllerEpoch?.epoch ?? 1,
        zombie.elector.controllerEpoch?.epochZkVersion ?? 1,
      );
      const usurper = await connect(chroot);
      await usurper.zk.delete('/controller');
      expect(await usurper.registerControllerAndIncrementControllerEpoch(2)).toEqual({
        epoch: 2,
        epochZkVersion: 2,
      });

      // The zombie reacts to a new topic and tries to write its partition state: fenced.
      const sent = zombie.requests.length;
      await usurper.createTopicAssignment('late', toTopicAssignment(new Map([[0, [1]]])));
      await eventually(() => resigned, 'the zombie to resign');
      expect(await stateJson(usurper, 'late', 0)).toBeUndefined();
      expect(zombie.requests.length).toBe(sent); // nothing sent on the strength of a refused write
      expect(zombie.journal.map((e) => e.type)).toContain('controller-moved');
      await zombieDriver.deactivate();
    },
  );
});
