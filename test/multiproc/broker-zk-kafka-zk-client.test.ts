// broker/zk against real ZooKeeper servers: ours (zookeeper-ensemble/main.ts) and Debian's Apache ZooKeeper
// 3.8. Every test runs against both; the JSON must be byte-identical to what Kafka 2.4 writes
// (shared/reference/kafka-zk-era.md §1).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ControllerElector, type ControllerElectionEvent } from '../../broker/zk/controller-election.ts';
import { ControllerMovedError, isKeeperException, KeeperException } from '../../broker/zk/errors.ts';
import { fromUtf8, utf8 } from '../../broker/zk/kafka-json.ts';
import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { ZkClient, type WatchEvent } from '../../broker/zk/zk-client.ts';
import { replicaAssignment } from '../../broker/controller/types.ts';
import { FaultProxy } from '../../deploy/local/fault-proxy.ts';
import {
  implAvailable,
  startZooKeeper,
  type ZooKeeperImpl,
  type ZooKeeperServer,
} from '../support/zookeeper-servers.ts';
import { eventually, nextCall, startSilenceableProxy } from './broker-zk-support.ts';

const IMPLS: ZooKeeperImpl[] = ['kzlab', 'apache'];
const TIME = 1600000000000;
const BROKER_1 = {
  id: 1,
  endPoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'broker-1', port: 9092 }],
  rack: undefined,
  version: 4,
  jmxPort: -1,
  timestampMs: TIME,
};

describe.each(IMPLS)('broker/zk against %s ZooKeeper', (impl) => {
  const available = implAvailable(impl);
  let server: ZooKeeperServer;
  const clients: KafkaZkClient[] = [];
  let chrootCounter = 0;

  beforeAll(async () => {
    if (available) server = await startZooKeeper({ impl });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => undefined);
    if (server) await server.stop();
  });

  /** A fresh client in a fresh chroot, so tests do not see each other's znodes. */
  async function freshClient(sessionTimeoutMs = 6000, chroot?: string): Promise<KafkaZkClient> {
    const root = chroot ?? `/t${++chrootCounter}`;
    const client = await KafkaZkClient.connect(`${server.connectString}${root}`, {
      sessionTimeoutMs,
      timeMs: () => TIME,
    });
    clients.push(client);
    return client;
  }

  async function text(client: KafkaZkClient, path: string): Promise<string | null> {
    const { data } = await client.zk.getData(path);
    return data === null ? null : fromUtf8(data);
  }

  it.skipIf(!available)(
    'creates the persistent top-level paths, with no data, as a broker does at startup',
    async () => {
      const kz = await freshClient();
      await kz.createTopLevelPaths();
      await kz.createTopLevelPaths(); // idempotent
      expect((await kz.zk.getChildren('/')).children.sort()).toEqual(
        [
          'admin',
          'brokers',
          'config',
          'consumers',
          'isr_change_notification',
          'latest_producer_id_block',
          'log_dir_event_notification',
        ].sort(),
      );
      expect((await kz.zk.getChildren('/brokers')).children.sort()).toEqual(['ids', 'seqid', 'topics']);
      expect((await kz.zk.getChildren('/config')).children.sort()).toEqual([
        'brokers',
        'changes',
        'clients',
        'topics',
        'users',
      ]);
      expect((await kz.zk.getChildren('/admin')).children).toEqual(['delete_topics']);
      expect(await text(kz, '/brokers/ids')).toBe(null);
    },
  );

  it.skipIf(!available)('chroot: paths land under the chroot, which is created first', async () => {
    const kz = await freshClient(6000, '/kafka/cluster-a');
    await kz.createTopLevelPaths();
    const root = await ZkClient.connect(server.connectString, { sessionTimeoutMs: 6000 });
    try {
      expect(await root.exists('/kafka/cluster-a/brokers/ids')).not.toBeNull();
      expect(await root.exists('/brokers')).toBeNull();
    } finally {
      await root.close();
    }
  });

  it.skipIf(!available)('/cluster/id: created once, the same id for everyone after', async () => {
    const kz = await freshClient();
    expect(await kz.getClusterId()).toBeUndefined();
    expect(await kz.createOrGetClusterId('Hcq9b5wMTS-LkXv4sI_mJQ')).toBe('Hcq9b5wMTS-LkXv4sI_mJQ');
    expect(await kz.createOrGetClusterId('AAAAAAAAAAAAAAAAAAAAAA')).toBe('Hcq9b5wMTS-LkXv4sI_mJQ');
    expect(await text(kz, '/cluster/id')).toBe('{"version":"1","id":"Hcq9b5wMTS-LkXv4sI_mJQ"}');
  });

  it.skipIf(!available)(
    'registers a broker: ephemeral, Kafka 2.4 JSON, czxid = broker epoch, gone when the session closes',
    async () => {
      const kz = await freshClient();
      await kz.createTopLevelPaths();
      const epoch = await kz.registerBroker(BROKER_1);
      const { stat } = await kz.zk.getData('/brokers/ids/1');
      expect(epoch).toBe(stat.czxid);
      expect(stat.ephemeralOwner).toBe(kz.zk.sessionId);
      expect(stat.version).toBe(1); // create (no data) + setData(version 0) in one multi
      expect(await text(kz, '/brokers/ids/1')).toBe(
        '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://broker-1:9092"],' +
          '"jmx_port":-1,"host":"broker-1","timestamp":"1600000000000","port":9092,"version":4}',
      );
      // Same session again: the node is ours, success with the same epoch.
      expect(await kz.registerBroker(BROKER_1)).toBe(epoch);

      // Another session cannot take the id.
      const other = await freshClient(6000, `/t${chrootCounter}`);
      await expect(other.registerBroker(BROKER_1)).rejects.toSatisfy((e) =>
        isKeeperException(e, 'NODEEXISTS'),
      );

      // The controller's view, with a child watch that fires when the broker leaves.
      const brokers = await other.getAllBrokerAndEpochsInCluster();
      expect(brokers).toEqual([{ id: 1, endPoints: BROKER_1.endPoints, rack: undefined, epoch }]);
      const change = nextCall<WatchEvent>(10_000, 'child watch on /brokers/ids');
      await other.getBrokerIds(change.callback);
      await kz.close();
      expect(await change.called).toEqual({ type: 'NodeChildrenChanged', path: '/brokers/ids' });
      expect(await other.getBrokerIds()).toEqual([]);

      // A broker that restarts gets a larger epoch.
      const again = await freshClient(6000, `/t${chrootCounter}`);
      expect(await again.registerBroker(BROKER_1)).toBeGreaterThan(epoch);
    },
  );

  it.skipIf(!available)('registration JSON with a rack and two listeners', async () => {
    const kz = await freshClient();
    await kz.createTopLevelPaths();
    await kz.registerBroker({
      ...BROKER_1,
      id: 7,
      rack: 'rack-a',
      endPoints: [
        { listenerName: 'INTERNAL', securityProtocol: 'PLAINTEXT', host: '10.0.0.7', port: 9092 },
        { listenerName: 'EXTERNAL', securityProtocol: 'PLAINTEXT', host: 'kafka-7.example', port: 19092 },
      ],
    });
    expect(await text(kz, '/brokers/ids/7')).toBe(
      '{"listener_security_protocol_map":{"INTERNAL":"PLAINTEXT","EXTERNAL":"PLAINTEXT"},' +
        '"endpoints":["INTERNAL://10.0.0.7:9092","EXTERNAL://kafka-7.example:19092"],"rack":"rack-a",' +
        '"jmx_port":-1,"host":"10.0.0.7","timestamp":"1600000000000","port":9092,"version":4}',
    );
    const broker = await kz.getBroker(7);
    expect(broker?.rack).toBe('rack-a');
    expect(broker?.endPoints.map((e) => e.listenerName)).toEqual(['INTERNAL', 'EXTERNAL']);
  });

  it.skipIf(!available)(
    'multi keeps "expected version 0" (node-zookeeper-client would send -1) and is atomic',
    async () => {
      const kz = await freshClient();
      await kz.makeSurePersistentPathExists('/');
      await kz.zk.create('/v', utf8('a'));
      await kz.zk.setData('/v', utf8('b')); // version 1 now
      await expect(kz.zk.multi([{ type: 'check', path: '/v', version: 0 }])).rejects.toSatisfy(
        (e) => isKeeperException(e, 'BADVERSION') && (e as KeeperException).failedOpIndex === 0,
      );
      await expect(
        kz.zk.multi([
          { type: 'create', path: '/w', data: null, mode: 'PERSISTENT' },
          { type: 'setData', path: '/v', data: utf8('c'), version: 0 },
        ]),
      ).rejects.toSatisfy(
        (e) => isKeeperException(e, 'BADVERSION') && (e as KeeperException).failedOpIndex === 1,
      );
      expect(await kz.zk.exists('/w')).toBeNull(); // rolled back
      const results = await kz.zk.multi([
        { type: 'create', path: '/w', data: null, mode: 'PERSISTENT' },
        { type: 'setData', path: '/w', data: utf8('x'), version: 0 },
        { type: 'check', path: '/v', version: 1 },
        { type: 'delete', path: '/w', version: 1 },
      ]);
      expect(results.map((r) => r.type)).toEqual(['create', 'setData', 'check', 'delete']);
      expect(await kz.zk.exists('/w')).toBeNull();
    },
  );

  it.skipIf(!available)('typed errors: NONODE/NODEEXISTS/BADVERSION/NOTEMPTY are definite', async () => {
    const kz = await freshClient();
    await kz.makeSurePersistentPathExists('/');
    const codeOf = async (run: () => Promise<unknown>) => {
      try {
        await run();
      } catch (error) {
        expect(error).toBeInstanceOf(KeeperException);
        const e = error as KeeperException;
        return [e.keeperCode, e.definite, e.retriable, e.code];
      }
      throw new Error('expected a KeeperException');
    };
    expect(await codeOf(() => kz.zk.getData('/missing'))).toEqual([
      'NONODE',
      true,
      false,
      'KZ_ERR_ZOOKEEPER',
    ]);
    await kz.zk.create('/p', null);
    expect(await codeOf(() => kz.zk.create('/p', null))).toEqual([
      'NODEEXISTS',
      true,
      false,
      'KZ_ERR_ZOOKEEPER',
    ]);
    expect(await codeOf(() => kz.zk.setData('/p', utf8('x'), 5))).toEqual([
      'BADVERSION',
      true,
      false,
      'KZ_ERR_ZOOKEEPER',
    ]);
    await kz.zk.create('/p/c', null);
    expect(await codeOf(() => kz.zk.delete('/p'))).toEqual(['NOTEMPTY', true, false, 'KZ_ERR_ZOOKEEPER']);
    await kz.zk.create('/e', null, 'EPHEMERAL');
    expect(await codeOf(() => kz.zk.create('/e/c', null))).toEqual([
      'NOCHILDRENFOREPHEMERALS',
      true,
      false,
      'KZ_ERR_ZOOKEEPER',
    ]);
  });

  it.skipIf(!available)('controller election between two brokers, failover bumps the epoch', async () => {
    const a = await freshClient();
    await a.createTopLevelPaths();
    const b = await freshClient(6000, `/t${chrootCounter}`);
    const eventsA: ControllerElectionEvent[] = [];
    const eventsB: ControllerElectionEvent[] = [];
    const electorA = new ControllerElector(a, 1, { onEvent: (e) => void eventsA.push(e) });
    const electorB = new ControllerElector(b, 2, { onEvent: (e) => void eventsB.push(e) });
    await Promise.all([electorA.start(), electorB.start()]);

    const winner = electorA.isActive ? electorA : electorB;
    const loser = winner === electorA ? electorB : electorA;
    expect([electorA.isActive, electorB.isActive].filter(Boolean)).toHaveLength(1);
    expect(winner.controllerEpoch).toEqual({ epoch: 1, epochZkVersion: 1 });
    await eventually(() => loser.activeControllerId === winner.brokerId, 'the loser to see the winner');
    expect(await text(a, '/controller')).toBe(
      `{"version":1,"brokerid":${winner.brokerId},"timestamp":"1600000000000"}`,
    );
    expect(await text(a, '/controller_epoch')).toBe('1');

    // The winner's session closes: /controller disappears, the other broker is elected with epoch 2.
    const winnerClient = winner === electorA ? a : b;
    const loserClient = winner === electorA ? b : a;
    await winner.stop();
    await winnerClient.close();
    await eventually(() => loser.isActive, 'the other broker to become controller');
    expect(loser.controllerEpoch).toEqual({ epoch: 2, epochZkVersion: 2 });
    expect(await text(loserClient, '/controller_epoch')).toBe('2');
    expect(await loserClient.getControllerId()).toBe(loser.brokerId);
    const loserEvents = loser === electorA ? eventsA : eventsB;
    expect(loserEvents.filter((e) => e.type === 'elected')).toEqual([
      { type: 'elected', brokerId: loser.brokerId, epoch: 2, epochZkVersion: 2 },
    ]);
    await loser.stop();
  });

  it.skipIf(!available)(
    "epoch fencing: a deposed controller's writes fail with BADVERSION → ControllerMovedError",
    async () => {
      const kz = await freshClient();
      await kz.createTopLevelPaths();
      const zombie = await kz.registerControllerAndIncrementControllerEpoch(1);
      expect(zombie).toEqual({ epoch: 1, epochZkVersion: 1 });
      await kz.createTopicAssignment('t', new Map([[0, replicaAssignment([1])]]));

      // Broker 2 takes over while broker 1 is "paused" (its /controller is removed under it).
      const other = await freshClient(6000, `/t${chrootCounter}`);
      await other.zk.delete('/controller');
      const successor = await other.registerControllerAndIncrementControllerEpoch(2);
      expect(successor).toEqual({ epoch: 2, epochZkVersion: 2 });

      // Every fenced write of the zombie is refused and changes nothing.
      await expect(
        kz.createTopicPartitionStates(
          [
            {
              partition: { topic: 't', partition: 0 },
              state: {
                leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: [1], zkVersion: 0 },
                controllerEpoch: 1,
              },
            },
          ],
          zombie.epochZkVersion,
        ),
      ).rejects.toBeInstanceOf(ControllerMovedError);
      expect(await kz.zk.exists('/brokers/topics/t/partitions')).toBeNull();
      await expect(kz.deleteTopicZNode('t', zombie.epochZkVersion)).rejects.toBeInstanceOf(
        ControllerMovedError,
      );
      expect(await kz.topicExists('t')).toBe(true);
      // The zombie cannot win an election against a live /controller either.
      await expect(kz.registerControllerAndIncrementControllerEpoch(1)).rejects.toBeInstanceOf(
        ControllerMovedError,
      );

      // The successor's writes go through.
      const created = await other.createTopicPartitionStates(
        [
          {
            partition: { topic: 't', partition: 0 },
            state: {
              leaderAndIsr: { leader: 2, leaderEpoch: 0, isr: [2], zkVersion: 0 },
              controllerEpoch: 2,
            },
          },
        ],
        successor.epochZkVersion,
      );
      expect([...created.values()]).toEqual([undefined]);
    },
  );

  it.skipIf(!available)(
    'topics: assignment, partition state with zkVersion, conditional updates, config',
    async () => {
      const kz = await freshClient();
      await kz.createTopLevelPaths();
      const { epochZkVersion } = await kz.registerControllerAndIncrementControllerEpoch(1);
      const assignment = new Map([
        [0, replicaAssignment([1, 2, 3])],
        [1, replicaAssignment([2, 3, 1])],
        [2, replicaAssignment([3, 1, 2])],
        [3, replicaAssignment([1, 3, 2])],
      ]);
      await kz.setOrCreateEntityConfigs('topics', 'foo', {});
      await kz.createTopicAssignment('foo', assignment);
      expect(await text(kz, '/config/topics/foo')).toBe('{"version":1,"config":{}}');
      expect(await text(kz, '/brokers/topics/foo')).toBe(
        '{"version":2,"partitions":{"2":[3,1,2],"1":[2,3,1],"0":[1,2,3],"3":[1,3,2]},"adding_replicas":{},"removing_replicas":{}}',
      );
      await expect(kz.createTopicAssignment('foo', assignment)).rejects.toSatisfy((e) =>
        isKeeperException(e, 'NODEEXISTS'),
      );
      expect((await kz.getReplicaAssignmentForTopics(['foo', 'nope'])).get('foo')).toEqual(assignment);
      expect(await kz.getAllTopicsInCluster()).toEqual(['foo']);

      const tp = { topic: 'foo', partition: 0 };
      const created = await kz.createTopicPartitionStates(
        [
          {
            partition: tp,
            state: {
              leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], zkVersion: 0 },
              controllerEpoch: 1,
            },
          },
        ],
        epochZkVersion,
      );
      expect(created.get('foo-0')).toBeUndefined();
      expect(await text(kz, '/brokers/topics/foo/partitions/0/state')).toBe(
        '{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2,3]}',
      );
      expect(await text(kz, '/brokers/topics/foo/partitions')).toBe(null);

      // The controller moves leadership (epoch+1, conditional on zkVersion 0).
      const first = await kz.updateLeaderAndIsr(
        [{ partition: tp, leaderAndIsr: { leader: 2, leaderEpoch: 1, isr: [2, 3], zkVersion: 0 } }],
        1,
        epochZkVersion,
      );
      expect(first.successful.get('foo-0')?.leaderAndIsr.zkVersion).toBe(1);
      // A stale zkVersion is a conflict to retry, not an error.
      const stale = await kz.updateLeaderAndIsr(
        [{ partition: tp, leaderAndIsr: { leader: 3, leaderEpoch: 1, isr: [3], zkVersion: 0 } }],
        1,
        epochZkVersion,
      );
      expect(stale.toRetry).toEqual([tp]);
      // The leader's own ISR expansion keeps the epoch and uses the zkVersion it was given.
      expect(
        await kz.conditionalUpdatePartitionState(tp, {
          leaderAndIsr: { leader: 2, leaderEpoch: 1, isr: [2, 3, 1], zkVersion: 1 },
          controllerEpoch: 1,
        }),
      ).toBe(2);
      // The same write again (its answer was lost, the leader retries with the old version): the znode
      // already holds it, so it is success at today's version; a different ISR is a real conflict.
      expect(
        await kz.conditionalUpdatePartitionState(tp, {
          leaderAndIsr: { leader: 2, leaderEpoch: 1, isr: [2, 3, 1], zkVersion: 1 },
          controllerEpoch: 1,
        }),
      ).toBe(2);
      expect(
        await kz.conditionalUpdatePartitionState(tp, {
          leaderAndIsr: { leader: 2, leaderEpoch: 1, isr: [2, 3], zkVersion: 1 },
          controllerEpoch: 1,
        }),
      ).toBeUndefined();
      const states = await kz.getTopicPartitionStates([tp, { topic: 'foo', partition: 9 }]);
      expect(states.get('foo-0')).toEqual({
        leaderAndIsr: { leader: 2, leaderEpoch: 1, isr: [2, 3, 1], zkVersion: 2 },
        controllerEpoch: 1,
      });
      expect(states.get('foo-9')).toBeUndefined();

      // Config overrides + change notification.
      await kz.setOrCreateEntityConfigs(
        'topics',
        'foo',
        new Map([
          ['retention.ms', '86400000'],
          ['cleanup.policy', 'compact'],
        ]),
      );
      expect(await text(kz, '/config/topics/foo')).toBe(
        '{"version":1,"config":{"retention.ms":"86400000","cleanup.policy":"compact"}}',
      );
      expect(await kz.createConfigChangeNotification('topics/foo')).toBe(
        '/config/changes/config_change_0000000000',
      );
      expect(await text(kz, '/config/changes/config_change_0000000000')).toBe(
        '{"version":2,"entity_path":"topics/foo"}',
      );
      expect(await kz.getTopicConfigs(['foo'])).toEqual(
        new Map([
          [
            'foo',
            new Map([
              ['retention.ms', '86400000'],
              ['cleanup.policy', 'compact'],
            ]),
          ],
        ]),
      );

      // Deletion: mark, then the controller removes everything.
      await kz.createDeleteTopicPath('foo');
      expect(await kz.getTopicDeletions()).toEqual(['foo']);
      expect(await text(kz, '/admin/delete_topics/foo')).toBe(null);
      await kz.deleteTopicZNode('foo', epochZkVersion);
      await kz.deleteTopicConfigs(['foo'], epochZkVersion);
      await kz.deleteTopicDeletions(['foo'], epochZkVersion);
      expect(await kz.getAllTopicsInCluster()).toEqual([]);
      expect(await kz.getTopicDeletions()).toEqual([]);
      expect(await kz.zk.exists('/config/topics/foo')).toBeNull();
    },
  );

  it.skipIf(!available)(
    'ISR change notifications, broker ids from /brokers/seqid, producer id blocks, preferred election',
    async () => {
      const kz = await freshClient();
      await kz.createTopLevelPaths();
      const { epochZkVersion } = await kz.registerControllerAndIncrementControllerEpoch(1);
      const watch = nextCall<WatchEvent>(10_000, 'child watch on /isr_change_notification');
      expect(await kz.getAllIsrChangeNotifications(watch.callback)).toEqual([]);
      const path = await kz.propagateIsrChanges([
        { topic: 'foo', partition: 0 },
        { topic: 'bar', partition: 3 },
      ]);
      expect(path).toBe('/isr_change_notification/isr_change_0000000000');
      expect(await watch.called).toEqual({ type: 'NodeChildrenChanged', path: '/isr_change_notification' });
      expect(await text(kz, path)).toBe(
        '{"version":1,"partitions":[{"topic":"foo","partition":0},{"topic":"bar","partition":3}]}',
      );
      await kz.propagateIsrChanges([{ topic: 'foo', partition: 0 }]);
      const seqs = await kz.getAllIsrChangeNotifications();
      expect(seqs).toEqual(['0000000000', '0000000001']);
      expect(await kz.getPartitionsFromIsrChangeNotifications(seqs)).toEqual([
        { topic: 'bar', partition: 3 },
        { topic: 'foo', partition: 0 },
      ]);
      await kz.deleteIsrChangeNotifications(seqs, epochZkVersion);
      expect(await kz.getAllIsrChangeNotifications()).toEqual([]);

      expect(await kz.generateBrokerSequenceId()).toBe(1001);
      expect(await kz.generateBrokerSequenceId()).toBe(1002);

      expect(await kz.allocateProducerIdBlock(1)).toEqual({ brokerId: 1, blockStart: 0n, blockEnd: 999n });
      expect(await text(kz, '/latest_producer_id_block')).toBe(
        '{"version":1,"broker":1,"block_start":"0","block_end":"999"}',
      );
      expect(await kz.allocateProducerIdBlock(2)).toEqual({
        brokerId: 2,
        blockStart: 1000n,
        blockEnd: 1999n,
      });

      await kz.createPreferredReplicaElection([{ topic: 'foo', partition: 0 }]);
      expect(await text(kz, '/admin/preferred_replica_election')).toBe(
        '{"version":1,"partitions":[{"topic":"foo","partition":0}]}',
      );
      expect(await kz.getPreferredReplicaElection()).toEqual([{ topic: 'foo', partition: 0 }]);
      await kz.deletePreferredReplicaElection(epochZkVersion);
      expect(await kz.getPreferredReplicaElection()).toBeUndefined();
    },
  );

  it.skipIf(!available)('data and exists watches are one-shot and report the event type', async () => {
    const kz = await freshClient();
    await kz.makeSurePersistentPathExists('/');
    const created = nextCall<WatchEvent>(5_000, 'NodeCreated');
    expect(await kz.zk.exists('/w', created.callback)).toBeNull();
    await kz.zk.create('/w', utf8('1'));
    expect(await created.called).toEqual({ type: 'NodeCreated', path: '/w' });
    const changed = nextCall<WatchEvent>(5_000, 'NodeDataChanged');
    await kz.zk.getData('/w', changed.callback);
    await kz.zk.setData('/w', utf8('2'));
    expect(await changed.called).toEqual({ type: 'NodeDataChanged', path: '/w' });
    const fired: WatchEvent[] = [];
    await kz.zk.getData('/w', (e) => fired.push(e));
    await kz.zk.setData('/w', utf8('3'));
    await kz.zk.setData('/w', utf8('4'));
    await eventually(() => fired.length >= 1, 'one notification');
    await new Promise((r) => setTimeout(r, 200));
    expect(fired).toEqual([{ type: 'NodeDataChanged', path: '/w' }]);
    const deleted = nextCall<WatchEvent>(5_000, 'NodeDeleted');
    await kz.zk.getData('/w', deleted.callback);
    await kz.zk.delete('/w');
    expect(await deleted.called).toEqual({ type: 'NodeDeleted', path: '/w' });
  });

  it.skipIf(!available)(
    'a ZooKeeper restart within the session timeout: same session, the registration survives',
    async () => {
      const root = `/t${++chrootCounter}`;
      const kz = await freshClient(12_000, root);
      await kz.createTopLevelPaths();
      const epoch = await kz.registerBroker(BROKER_1);
      const session = kz.zk.sessionId;
      const events: string[] = [];
      kz.zk.onSessionEvent((e) => events.push(e));
      await server.restart();
      await eventually(() => events.includes('connected'), 'the client to reconnect', 30_000);
      expect(events).not.toContain('expired');
      expect(kz.zk.sessionId).toBe(session);
      const broker = await kz.getBroker(1);
      expect(broker?.epoch).toBe(epoch);
      const { stat } = await kz.zk.getData('/brokers/ids/1');
      expect(stat.ephemeralOwner).toBe(session);
    },
  );

  it.skipIf(!available)(
    'a silent server is abandoned after 2/3 of the session timeout; the session moves to another address',
    async () => {
      const root = `/t${++chrootCounter}`;
      const setup = await freshClient(6000, root);
      await setup.createTopLevelPaths();
      const a = await startSilenceableProxy(server.host, server.port);
      const b = await startSilenceableProxy(server.host, server.port);
      try {
        const kz = await KafkaZkClient.connect(`${a.connectString},${b.connectString}${root}`, {
          sessionTimeoutMs: 6000,
        });
        clients.push(kz);
        await kz.registerBroker(BROKER_1);
        const session = kz.zk.sessionId;
        const events: string[] = [];
        kz.zk.onSessionEvent((e) => events.push(e));
        const [used, other] = a.openConnections > 0 ? [a, b] : [b, a];
        used.silence();
        const silencedAt = Date.now();
        await eventually(() => events.includes('connected'), 'the client to reconnect elsewhere', 15_000);
        expect(Date.now() - silencedAt).toBeLessThan(6000);
        expect(events).toEqual(['disconnected', 'connected']);
        expect(kz.zk.sessionId).toBe(session);
        expect(other.openConnections).toBe(1);
        expect((await setup.getBroker(1))?.id).toBe(1);
      } finally {
        await a.stop();
        await b.stop();
      }
    },
  );

  it.skipIf(!available)(
    'a request queued while cut off fails with SESSIONEXPIRED when the session turns out to be gone (never hangs)',
    async () => {
      const root = `/t${++chrootCounter}`;
      const setup = await freshClient(6000, root);
      await setup.createTopLevelPaths();
      const proxy = await FaultProxy.start({ targetHost: server.host, targetPort: server.port });
      try {
        const kz = await KafkaZkClient.connect(`127.0.0.1:${proxy.port}${root}`, { sessionTimeoutMs: 4000 });
        clients.push(kz);
        await kz.registerBroker(BROKER_1);
        const events: string[] = [];
        kz.zk.onSessionEvent((e) => events.push(e));
        // A silent partition: the client gives the connection up (2/3 of the session) and keeps trying.
        proxy.setMode('stall');
        await eventually(() => events.includes('disconnected'), 'the client to notice the silence', 15_000);
        const queued = kz.zk.getData('/brokers/ids/1').catch((error: unknown) => error);
        // Its session expires on the server meanwhile: the ephemeral registration goes.
        await eventually(
          async () => (await setup.getBroker(1)) === undefined,
          'the registration to vanish',
          20_000,
        );
        proxy.setMode('ok');
        const error = await queued;
        expect(isKeeperException(error) && error.keeperCode).toBe('SESSIONEXPIRED');
        await eventually(() => events.includes('new-session'), 'a new session', 15_000);
        expect(events.indexOf('expired')).toBeLessThan(events.indexOf('new-session'));
      } finally {
        await proxy.close();
      }
    },
  );

  it.skipIf(!available)(
    'session expiry: ephemerals vanish, a new session is opened, the broker re-registers and is re-elected',
    async () => {
      const proxy = await startSilenceableProxy(server.host, server.port);
      try {
        const root = `/t${++chrootCounter}`;
        const setup = await freshClient(6000, root);
        await setup.createTopLevelPaths();
        const kz = await KafkaZkClient.connect(`${proxy.connectString}${root}`, {
          sessionTimeoutMs: 4000,
          timeMs: () => TIME,
        });
        clients.push(kz);
        const epoch1 = await kz.registerBroker(BROKER_1);
        const sessionEvents: string[] = [];
        kz.zk.onSessionEvent((e) => sessionEvents.push(e));
        const events: ControllerElectionEvent[] = [];
        const elector = new ControllerElector(kz, 1, {
          onEvent: (e) => void events.push(e),
          beforeReelect: async () => {
            await kz.registerBroker(BROKER_1);
          },
        });
        await elector.start();
        expect(elector.controllerEpoch).toEqual({ epoch: 1, epochZkVersion: 1 });

        // Partition the broker from ZooKeeper for longer than its session timeout.
        proxy.silence();
        await eventually(
          async () => (await setup.getBrokerIds()).length === 0,
          'the server to expire the session',
          20_000,
          200,
        );
        expect(await setup.getControllerId()).toBeUndefined();
        proxy.dropConnections();
        proxy.resume();

        await eventually(() => sessionEvents.includes('new-session'), 'a new session', 20_000);
        expect(sessionEvents).toContain('expired');
        await eventually(() => elector.controllerEpoch?.epoch === 2, 're-election with epoch 2', 20_000);
        const epoch2 = (await setup.getAllBrokerAndEpochsInCluster())[0]?.epoch;
        expect(epoch2).toBeGreaterThan(epoch1);
        expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['elected', 'resigned', 'elected']));
        await elector.stop();
      } finally {
        await proxy.stop();
      }
    },
  );
});
