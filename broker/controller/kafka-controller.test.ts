// Step tables for the pure KafkaController: given ZooKeeper contents (ControllerZkModel) and an event,
// check the ZooKeeper operations, the requests to brokers, the replies and the journal.
import { describe, expect, it } from 'vitest';

import { ControllerZkModel } from './controller-zk-model.ts';
import type { ControllerJournalEvent } from './journal.ts';
import { KafkaController, runToCompletion, type ControllerReady } from './kafka-controller.ts';
import type { ControllerConfig } from './controller-runtime.ts';
import type { ControllerRequest } from './requests.ts';
import type { LiveBroker, TopicPartition } from './types.ts';
import type { ZkOp, ZkOpResult } from './zk-ops.ts';

const broker = (id: number, epoch = BigInt(id * 10)): LiveBroker => ({
  id,
  epoch,
  rack: undefined,
  endPoints: [
    { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: `broker-${id}`, port: 9090 + id },
  ],
});

const tp = (topic: string, partition: number): TopicPartition => ({ topic, partition });

/** One line per request: destination, then each partition as topic-p:L<leader>/E<epoch>/I[isr]/V<zkVersion>. */
function summarize(requests: readonly ControllerRequest[]): string[] {
  return requests.map((r) => {
    switch (r.type) {
      case 'LeaderAndIsr':
        return `LeaderAndIsr→${r.brokerId} ${r.partitionStates
          .map(
            (s) =>
              `${s.topicName}-${s.partitionIndex}:L${s.leader}/E${s.leaderEpoch}/I[${s.isr}]/V${s.zkVersion}${s.isNew ? '/new' : ''}`,
          )
          .join(' ')}`.trim();
      case 'UpdateMetadata':
        return `UpdateMetadata→${r.brokerId} brokers[${r.liveBrokers.map((b) => b.id)}] ${r.partitionStates
          .map(
            (s) =>
              `${s.topicName}-${s.partitionIndex}:L${s.leader}/E${s.leaderEpoch}/I[${s.isr}]${s.offlineReplicas.length ? `/off[${s.offlineReplicas}]` : ''}`,
          )
          .join(' ')}`.trim();
      case 'StopReplica':
        return `StopReplica→${r.brokerId} delete=${r.deletePartitions} ${r.partitions.map((p) => `${p.topic}-${p.partition}`).join(' ')}`;
    }
  });
}

function journalLines(journal: readonly ControllerJournalEvent[]): string[] {
  return journal.map((e) => {
    switch (e.type) {
      case 'leader-changed':
        return `leader-changed ${e.topic}-${e.partition} ${e.previousLeader}→${e.leader} E${e.leaderEpoch} I[${e.isr}] (${e.reason})`;
      case 'isr-changed':
        return `isr-changed ${e.topic}-${e.partition} [${e.previousIsr}]→[${e.isr}] (${e.reason})`;
      case 'partition-offline':
        return `partition-offline ${e.topic}-${e.partition} I[${e.isr}]`;
      case 'state-change-failed':
        return `state-change-failed ${e.topic}-${e.partition}`;
      case 'broker-joined':
      case 'broker-bounced':
      case 'broker-left':
        return `${e.type} ${e.brokerId}`;
      case 'topic-created':
        return `topic-created ${e.topic} (${e.partitions})`;
      case 'topic-deletion-started':
      case 'topic-deleted':
        return `${e.type} ${e.topic}`;
      default:
        return e.type;
    }
  });
}

const opNames = (ops: readonly ZkOp[]) => ops.map((op) => op.op);

interface Harness {
  model: ControllerZkModel;
  controller: KafkaController;
  /** Runs a Ready to completion against the model (intercept lets a test meddle with ZooKeeper between ops). */
  step(ready: ControllerReady): ReturnType<typeof runToCompletion>;
  elected: ReturnType<typeof runToCompletion>;
}

function harness(
  brokers: LiveBroker[],
  setup: (model: ControllerZkModel) => void = () => undefined,
  config: Partial<ControllerConfig> = {},
  intercept?: (op: ZkOp, model: ControllerZkModel) => ZkOpResult | undefined,
): Harness {
  const model = new ControllerZkModel();
  model.controllerEpochZkVersion = 1;
  for (const b of brokers) model.addBroker(b);
  setup(model);
  const controller = new KafkaController({ brokerId: 1, ...config });
  const step = (ready: ControllerReady) =>
    runToCompletion(controller, ready, (op) => intercept?.(op, model) ?? model.apply(op));
  const elected = step(controller.onControllerElected(1, 1));
  return { model, controller, step, elected };
}

/** Brokers 1, 2, 3 and topic foo = {0:[1,2,3], 1:[2,3,1]} created through the controller. */
function withFoo(
  config: Partial<ControllerConfig> = {},
  intercept?: Harness extends never ? never : (op: ZkOp, model: ControllerZkModel) => ZkOpResult | undefined,
) {
  const h = harness([broker(1), broker(2), broker(3)], () => undefined, config, intercept);
  h.model.createTopic(
    'foo',
    new Map([
      [0, [1, 2, 3]],
      [1, [2, 3, 1]],
    ]),
  );
  const created = h.step(h.controller.onTopicsChanged(['foo']));
  return { ...h, created };
}

describe('KafkaController: election (failover, §2.2)', () => {
  it('an empty cluster: delete stale notifications, read ZooKeeper, tell every broker who is alive', () => {
    const { elected, controller } = harness([broker(1), broker(2), broker(3)]);
    expect(opNames(elected.zkOps)).toEqual([
      'deleteLogDirEventNotifications',
      'deleteIsrChangeNotifications',
      'readClusterSnapshot',
    ]);
    expect(elected.zkOps[0]).toEqual({
      op: 'deleteLogDirEventNotifications',
      expectedControllerEpochZkVersion: 1,
    });
    expect(summarize(elected.requests)).toEqual([
      'UpdateMetadata→1 brokers[1,2,3]',
      'UpdateMetadata→2 brokers[1,2,3]',
      'UpdateMetadata→3 brokers[1,2,3]',
    ]);
    expect(journalLines(elected.journal)).toEqual(['controller-elected']);
    expect(elected.scheduleAutoLeaderRebalanceMs).toBe(5000);
    expect(controller.isActive).toBe(true);
  });

  it('taking over a cluster with a dead broker: ISRs shrink, its partitions get new leaders', () => {
    const { elected, model } = harness([broker(1), broker(2)], (m) => {
      m.createTopic(
        'foo',
        new Map([
          [0, [3, 1, 2]],
          [1, [1, 2, 3]],
        ]),
      );
      m.partitionStates.set('foo-0', {
        partition: tp('foo', 0),
        state: {
          leaderAndIsr: { leader: 3, leaderEpoch: 0, isr: [3, 1, 2], zkVersion: 0 },
          controllerEpoch: 0,
        },
      });
      m.partitionStates.set('foo-1', {
        partition: tp('foo', 1),
        state: {
          leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], zkVersion: 0 },
          controllerEpoch: 0,
        },
      });
    });
    expect(opNames(elected.zkOps)).toEqual([
      'deleteLogDirEventNotifications',
      'deleteIsrChangeNotifications',
      'readClusterSnapshot',
      'getPartitionStates', // replica 3 → OfflineReplica: remove it from ISRs
      'updatePartitionStates',
      'getPartitionStates', // foo-0 is offline (leader −1): elect
      'updatePartitionStates',
    ]);
    expect(summarize(elected.requests)).toEqual([
      'UpdateMetadata→1 brokers[1,2]',
      'UpdateMetadata→2 brokers[1,2]',
      // replica state machine startup: Online replicas get the current state
      'LeaderAndIsr→1 foo-0:L3/E0/I[3,1,2]/V0 foo-1:L1/E0/I[1,2,3]/V0',
      'LeaderAndIsr→2 foo-0:L3/E0/I[3,1,2]/V0 foo-1:L1/E0/I[1,2,3]/V0',
      'UpdateMetadata→1 brokers[1,2] foo-0:L3/E0/I[3,1,2]/off[3] foo-1:L1/E0/I[1,2,3]/off[3]',
      'UpdateMetadata→2 brokers[1,2] foo-0:L3/E0/I[3,1,2]/off[3] foo-1:L1/E0/I[1,2,3]/off[3]',
      // replica 3 → Offline
      'LeaderAndIsr→1 foo-0:L-1/E1/I[1,2]/V1 foo-1:L1/E1/I[1,2]/V1',
      'LeaderAndIsr→2 foo-0:L-1/E1/I[1,2]/V1 foo-1:L1/E1/I[1,2]/V1',
      'UpdateMetadata→1 brokers[1,2] foo-0:L-1/E1/I[1,2]/off[3] foo-1:L1/E1/I[1,2]/off[3]',
      'UpdateMetadata→2 brokers[1,2] foo-0:L-1/E1/I[1,2]/off[3] foo-1:L1/E1/I[1,2]/off[3]',
      // partition state machine: foo-0 offline → broker 1 (first live ISR member in assignment order)
      'LeaderAndIsr→1 foo-0:L1/E2/I[1,2]/V2',
      'LeaderAndIsr→2 foo-0:L1/E2/I[1,2]/V2',
      'UpdateMetadata→1 brokers[1,2] foo-0:L1/E2/I[1,2]/off[3]',
      'UpdateMetadata→2 brokers[1,2] foo-0:L1/E2/I[1,2]/off[3]',
    ]);
    expect(journalLines(elected.journal)).toEqual([
      'controller-elected',
      'isr-changed foo-0 [3,1,2]→[1,2] (replica-offline)',
      'leader-changed foo-0 3→-1 E1 I[1,2] (offline-partition)',
      'isr-changed foo-1 [1,2,3]→[1,2] (replica-offline)',
      'leader-changed foo-0 -1→1 E2 I[1,2] (offline-partition)',
    ]);
    expect(model.state(tp('foo', 0))).toEqual({
      leaderAndIsr: { leader: 1, leaderEpoch: 2, isr: [1, 2], zkVersion: 2 },
      controllerEpoch: 1,
    });
  });

  it('a pending /admin/preferred_replica_election is processed and deleted', () => {
    const { elected, model } = harness([broker(1), broker(2)], (m) => {
      m.createTopic('foo', new Map([[0, [1, 2]]]));
      m.partitionStates.set('foo-0', {
        partition: tp('foo', 0),
        state: { leaderAndIsr: { leader: 2, leaderEpoch: 3, isr: [2, 1], zkVersion: 4 }, controllerEpoch: 0 },
      });
      m.preferredReplicaElection = [tp('foo', 0)];
    });
    expect(opNames(elected.zkOps).slice(-3)).toEqual([
      'getPartitionStates',
      'updatePartitionStates',
      'deletePreferredReplicaElection',
    ]);
    expect(model.state(tp('foo', 0))?.leaderAndIsr).toEqual({
      leader: 1,
      leaderEpoch: 4,
      isr: [2, 1],
      zkVersion: 5,
    });
    expect(model.preferredReplicaElection).toBeUndefined();
  });
});

describe('KafkaController: topic creation (§2.4)', () => {
  it('new partitions: state znodes (epoch 0, ISR = live replicas), LeaderAndIsr isNew to the ISR, UpdateMetadata to all', () => {
    const { created, model } = withFoo();
    expect(opNames(created.zkOps)).toEqual(['getTopicAssignments', 'createPartitionStates']);
    expect(created.zkOps[1]).toEqual({
      op: 'createPartitionStates',
      expectedControllerEpochZkVersion: 1,
      states: [
        {
          partition: tp('foo', 0),
          state: {
            leaderAndIsr: { leader: 1, leaderEpoch: 0, isr: [1, 2, 3], zkVersion: 0 },
            controllerEpoch: 1,
          },
        },
        {
          partition: tp('foo', 1),
          state: {
            leaderAndIsr: { leader: 2, leaderEpoch: 0, isr: [2, 3, 1], zkVersion: 0 },
            controllerEpoch: 1,
          },
        },
      ],
    });
    expect(summarize(created.requests)).toEqual([
      'LeaderAndIsr→1 foo-0:L1/E0/I[1,2,3]/V0/new foo-1:L2/E0/I[2,3,1]/V0/new',
      'LeaderAndIsr→2 foo-0:L1/E0/I[1,2,3]/V0/new foo-1:L2/E0/I[2,3,1]/V0/new',
      'LeaderAndIsr→3 foo-0:L1/E0/I[1,2,3]/V0/new foo-1:L2/E0/I[2,3,1]/V0/new',
      'UpdateMetadata→1 brokers[1,2,3] foo-0:L1/E0/I[1,2,3] foo-1:L2/E0/I[2,3,1]',
      'UpdateMetadata→2 brokers[1,2,3] foo-0:L1/E0/I[1,2,3] foo-1:L2/E0/I[2,3,1]',
      'UpdateMetadata→3 brokers[1,2,3] foo-0:L1/E0/I[1,2,3] foo-1:L2/E0/I[2,3,1]',
    ]);
    expect(journalLines(created.journal)).toEqual([
      'topic-created foo (2)',
      'leader-changed foo-0 -1→1 E0 I[1,2,3] (new-partition)',
      'leader-changed foo-1 -1→2 E0 I[2,3,1] (new-partition)',
    ]);
    expect(model.state(tp('foo', 1))).toEqual({
      leaderAndIsr: { leader: 2, leaderEpoch: 0, isr: [2, 3, 1], zkVersion: 0 },
      controllerEpoch: 1,
    });
  });

  it("requests carry Kafka's fields: controller id/epoch, the destination's broker epoch, live leaders", () => {
    const { created } = withFoo();
    expect(created.requests[0]).toEqual({
      type: 'LeaderAndIsr',
      apiKey: 4,
      brokerId: 1,
      controllerId: 1,
      controllerEpoch: 1,
      brokerEpoch: 10n,
      partitionStates: [
        {
          topicName: 'foo',
          partitionIndex: 0,
          controllerEpoch: 1,
          leader: 1,
          leaderEpoch: 0,
          isr: [1, 2, 3],
          zkVersion: 0,
          replicas: [1, 2, 3],
          addingReplicas: [],
          removingReplicas: [],
          isNew: true,
        },
        {
          topicName: 'foo',
          partitionIndex: 1,
          controllerEpoch: 1,
          leader: 2,
          leaderEpoch: 0,
          isr: [2, 3, 1],
          zkVersion: 0,
          replicas: [2, 3, 1],
          addingReplicas: [],
          removingReplicas: [],
          isNew: true,
        },
      ],
      liveLeaders: [
        { brokerId: 1, hostName: 'broker-1', port: 9091 },
        { brokerId: 2, hostName: 'broker-2', port: 9092 },
      ],
    });
    expect(created.requests[4]).toMatchObject({
      type: 'UpdateMetadata',
      apiKey: 6,
      brokerId: 2,
      brokerEpoch: 20n,
      liveBrokers: [
        {
          id: 1,
          endpoints: [{ port: 9091, host: 'broker-1', listener: 'PLAINTEXT', securityProtocol: 0 }],
          rack: null,
        },
        {
          id: 2,
          endpoints: [{ port: 9092, host: 'broker-2', listener: 'PLAINTEXT', securityProtocol: 0 }],
          rack: null,
        },
        {
          id: 3,
          endpoints: [{ port: 9093, host: 'broker-3', listener: 'PLAINTEXT', securityProtocol: 0 }],
          rack: null,
        },
      ],
    });
  });

  it('a partition whose replicas are all dead stays New (and offline)', () => {
    const h = harness([broker(1)]);
    h.model.createTopic('bar', new Map([[0, [7]]]));
    const out = h.step(h.controller.onTopicsChanged(['bar']));
    expect(opNames(out.zkOps)).toEqual(['getTopicAssignments']);
    expect(journalLines(out.journal)).toEqual([
      'topic-created bar (1)',
      'state-change-failed bar-0',
      'partition-offline bar-0 I[]',
    ]);
    expect(h.controller.context.partitionState(tp('bar', 0))).toBe('NewPartition');
  });

  it('partitions added to an existing topic', () => {
    const h = withFoo();
    h.model.topics.get('foo')?.set(2, { replicas: [3, 1, 2], addingReplicas: [], removingReplicas: [] });
    const out = h.step(h.controller.onPartitionsAdded('foo'));
    expect(opNames(out.zkOps)).toEqual(['getTopicAssignments', 'createPartitionStates']);
    expect(journalLines(out.journal)).toEqual([
      'partitions-added',
      'leader-changed foo-2 -1→3 E0 I[3,1,2] (new-partition)',
    ]);
    expect(summarize(out.requests)[0]).toBe('LeaderAndIsr→1 foo-2:L3/E0/I[3,1,2]/V0/new');
  });

  it('a topic that vanished from /brokers/topics is forgotten', () => {
    const h = withFoo();
    h.step(h.controller.onTopicsChanged([]));
    expect(h.controller.context.allTopics.has('foo')).toBe(false);
    expect(h.controller.context.allPartitions()).toEqual([]);
  });
});

describe('KafkaController: broker failure and return (§2.3)', () => {
  it('leader dies: offline election (first live ISR replica), then the dead replica leaves every ISR', () => {
    const h = withFoo();
    const out = h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    expect(opNames(out.zkOps)).toEqual([
      'getPartitionStates',
      'updatePartitionStates',
      'getPartitionStates',
      'updatePartitionStates',
    ]);
    expect(summarize(out.requests)).toEqual([
      'LeaderAndIsr→2 foo-0:L2/E1/I[2,3]/V1',
      'LeaderAndIsr→3 foo-0:L2/E1/I[2,3]/V1',
      'UpdateMetadata→2 brokers[2,3] foo-0:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→3 brokers[2,3] foo-0:L2/E1/I[2,3]/off[1]',
      'LeaderAndIsr→2 foo-0:L2/E1/I[2,3]/V1 foo-1:L2/E1/I[2,3]/V1',
      'LeaderAndIsr→3 foo-0:L2/E1/I[2,3]/V1 foo-1:L2/E1/I[2,3]/V1',
      'UpdateMetadata→2 brokers[2,3] foo-0:L2/E1/I[2,3]/off[1] foo-1:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→3 brokers[2,3] foo-0:L2/E1/I[2,3]/off[1] foo-1:L2/E1/I[2,3]/off[1]',
    ]);
    expect(journalLines(out.journal)).toEqual([
      'broker-left 1',
      'leader-changed foo-0 1→2 E1 I[2,3] (offline-partition)',
      'isr-changed foo-1 [2,3,1]→[2,3] (replica-offline)',
    ]);
  });

  it('a follower dies: no election, ISR shrinks, everyone is told', () => {
    const h = withFoo();
    const out = h.step(h.controller.onBrokersChanged([broker(1), broker(2)]));
    expect(opNames(out.zkOps)).toEqual(['getPartitionStates', 'updatePartitionStates']);
    expect(journalLines(out.journal)).toEqual([
      'broker-left 3',
      'isr-changed foo-0 [1,2,3]→[1,2] (replica-offline)',
      'isr-changed foo-1 [2,3,1]→[2,1] (replica-offline)',
    ]);
    expect(summarize(out.requests)).toEqual([
      'LeaderAndIsr→1 foo-0:L1/E1/I[1,2]/V1 foo-1:L2/E1/I[2,1]/V1',
      'LeaderAndIsr→2 foo-0:L1/E1/I[1,2]/V1 foo-1:L2/E1/I[2,1]/V1',
      'UpdateMetadata→1 brokers[1,2] foo-0:L1/E1/I[1,2]/off[3] foo-1:L2/E1/I[2,1]/off[3]',
      'UpdateMetadata→2 brokers[1,2] foo-0:L1/E1/I[1,2]/off[3] foo-1:L2/E1/I[2,1]/off[3]',
      // no leader was affected: UpdateMetadata (no partitions) so that everybody learns the broker is gone
      'UpdateMetadata→1 brokers[1,2]',
      'UpdateMetadata→2 brokers[1,2]',
    ]);
  });

  it('last replica standing: leader −1, the ISR keeps the dead broker; it leads again when it returns', () => {
    const h = harness([broker(1), broker(2), broker(3)]);
    h.model.createTopic('bar', new Map([[0, [1]]]));
    h.step(h.controller.onTopicsChanged(['bar']));
    const down = h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    expect(opNames(down.zkOps)).toEqual([
      'getPartitionStates',
      'getTopicConfigs',
      'getPartitionStates',
      'updatePartitionStates',
    ]);
    expect(journalLines(down.journal)).toEqual([
      'broker-left 1',
      'state-change-failed bar-0',
      'partition-offline bar-0 I[1]',
      'leader-changed bar-0 1→-1 E1 I[1] (offline-partition)',
    ]);
    expect(h.model.state(tp('bar', 0))).toEqual({
      leaderAndIsr: { leader: -1, leaderEpoch: 1, isr: [1], zkVersion: 1 },
      controllerEpoch: 1,
    });
    expect(summarize(down.requests)).toEqual([
      'UpdateMetadata→2 brokers[2,3] bar-0:L-1/E1/I[1]/off[1]',
      'UpdateMetadata→3 brokers[2,3] bar-0:L-1/E1/I[1]/off[1]',
    ]);

    const up = h.step(h.controller.onBrokersChanged([broker(1, 11n), broker(2), broker(3)]));
    expect(opNames(up.zkOps)).toEqual(['getPartitionStates', 'updatePartitionStates']);
    expect(summarize(up.requests)).toEqual([
      'UpdateMetadata→2 brokers[1,2,3]',
      'UpdateMetadata→3 brokers[1,2,3]',
      'UpdateMetadata→1 brokers[1,2,3] bar-0:L-1/E1/I[1]',
      'LeaderAndIsr→1 bar-0:L-1/E1/I[1]/V1',
      'UpdateMetadata→1 brokers[1,2,3] bar-0:L-1/E1/I[1]',
      'UpdateMetadata→2 brokers[1,2,3] bar-0:L-1/E1/I[1]',
      'UpdateMetadata→3 brokers[1,2,3] bar-0:L-1/E1/I[1]',
      'LeaderAndIsr→1 bar-0:L1/E2/I[1]/V2',
      'UpdateMetadata→1 brokers[1,2,3] bar-0:L1/E2/I[1]',
      'UpdateMetadata→2 brokers[1,2,3] bar-0:L1/E2/I[1]',
      'UpdateMetadata→3 brokers[1,2,3] bar-0:L1/E2/I[1]',
    ]);
    expect(journalLines(up.journal)).toEqual([
      'broker-joined 1',
      'leader-changed bar-0 -1→1 E2 I[1] (offline-partition)',
    ]);
    expect(up.requests.find((r) => r.type === 'LeaderAndIsr')?.brokerEpoch).toBe(11n);
  });

  it('unclean.leader.election.enable=true on the topic: an out-of-sync replica becomes leader, ISR = [it]', () => {
    const h = harness([broker(1), broker(2)]);
    h.model.createTopic('baz', new Map([[0, [1, 2]]]), { 'unclean.leader.election.enable': 'true' });
    h.step(h.controller.onTopicsChanged(['baz']));
    h.model.leaderUpdatesIsr(tp('baz', 0), [1]); // the leader dropped broker 2 from the ISR
    const out = h.step(h.controller.onBrokersChanged([broker(2)]));
    expect(opNames(out.zkOps).slice(0, 3)).toEqual([
      'getPartitionStates',
      'getTopicConfigs',
      'updatePartitionStates',
    ]);
    expect(journalLines(out.journal)).toContain('leader-changed baz-0 1→2 E1 I[2] (unclean)');
    expect(h.model.state(tp('baz', 0))?.leaderAndIsr).toEqual({
      leader: 2,
      leaderEpoch: 1,
      isr: [2],
      zkVersion: 2,
    });
  });

  it('the broker default applies when the topic has no override', () => {
    const h = harness([broker(1), broker(2)], () => undefined, { uncleanLeaderElectionEnable: true });
    h.model.createTopic('baz', new Map([[0, [1, 2]]]));
    h.step(h.controller.onTopicsChanged(['baz']));
    h.model.leaderUpdatesIsr(tp('baz', 0), [1]);
    h.step(h.controller.onBrokersChanged([broker(2)]));
    expect(h.model.state(tp('baz', 0))?.leaderAndIsr.leader).toBe(2);
  });

  it('a bounced broker (same id, larger epoch) is handled as a failure followed by a startup', () => {
    const h = withFoo();
    const out = h.step(h.controller.onBrokersChanged([broker(1, 99n), broker(2), broker(3)]));
    expect(journalLines(out.journal)).toEqual([
      'leader-changed foo-0 1→2 E1 I[2,3] (offline-partition)',
      'isr-changed foo-1 [2,3,1]→[2,3] (replica-offline)',
      'broker-bounced 1',
    ]);
    expect(h.controller.context.brokerEpoch(1)).toBe(99n);
    // The restarted broker is told to follow, with its new epoch.
    const toBroker1 = out.requests.filter((r) => r.brokerId === 1 && r.type === 'LeaderAndIsr');
    expect(summarize(toBroker1)).toEqual(['LeaderAndIsr→1 foo-0:L2/E1/I[2,3]/V1 foo-1:L2/E1/I[2,3]/V1']);
    expect(toBroker1[0].brokerEpoch).toBe(99n);
  });

  it('BADVERSION (the leader changed the ISR meanwhile): re-read and retry', () => {
    let meddled = false;
    const h = withFoo({}, (op, model) => {
      if (
        op.op === 'updatePartitionStates' &&
        !meddled &&
        op.updates.some((u) => u.partition.topic === 'foo' && u.leaderAndIsr.leader === 2)
      ) {
        meddled = true;
        model.leaderUpdatesIsr(tp('foo', 0), [1, 2, 3]); // same ISR, new zkVersion
      }
      return undefined;
    });
    const out = h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    expect(opNames(out.zkOps)).toEqual([
      'getPartitionStates',
      'updatePartitionStates', // BADVERSION
      'getPartitionStates',
      'updatePartitionStates',
      'getPartitionStates',
      'updatePartitionStates',
    ]);
    expect(h.model.state(tp('foo', 0))?.leaderAndIsr).toEqual({
      leader: 2,
      leaderEpoch: 1,
      isr: [2, 3],
      zkVersion: 2,
    });
  });

  it('a broker that rewrites its registration: everyone gets the new end points', () => {
    const h = withFoo();
    const moved = {
      ...broker(2),
      endPoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'new-host', port: 1 }],
    };
    const out = h.step(h.controller.onBrokerModified(moved));
    expect(summarize(out.requests)).toEqual([
      'UpdateMetadata→1 brokers[1,2,3]',
      'UpdateMetadata→2 brokers[1,2,3]',
      'UpdateMetadata→3 brokers[1,2,3]',
    ]);
    expect(
      (out.requests[0] as Extract<ControllerRequest, { type: 'UpdateMetadata' }>).liveBrokers[1].endpoints[0]
        .host,
    ).toBe('new-host');
  });
});

describe('KafkaController: fencing (§2.1)', () => {
  it('a fenced write that finds another controller: resign, send nothing, answer later calls NOT_CONTROLLER', () => {
    const h = withFoo();
    h.model.controllerEpochZkVersion = 2; // another broker won an election
    const out = h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    expect(opNames(out.zkOps)).toEqual(['getPartitionStates', 'updatePartitionStates']);
    expect(out.resigned).toBe(true);
    expect(out.requests).toEqual([]);
    expect(journalLines(out.journal)).toEqual(['broker-left 1', 'controller-moved']);
    expect(h.controller.isActive).toBe(false);
    expect(h.model.state(tp('foo', 0))?.leaderAndIsr.leader).toBe(1); // nothing written

    const later = h.step(h.controller.onBrokerControlledShutdown(2, 20n, 5));
    expect(later.replies).toEqual([
      {
        type: 'ControlledShutdown',
        requestId: 5,
        brokerId: 2,
        error: 'NOT_CONTROLLER',
        partitionsRemaining: [],
      },
    ]);
    expect(later.zkOps).toEqual([]);
  });

  it('elected again after resigning: a fresh context', () => {
    const h = withFoo();
    h.step(h.controller.resign('test'));
    h.model.controllerEpochZkVersion = 3;
    const again = h.step(h.controller.onControllerElected(3, 3));
    expect(h.controller.isActive).toBe(true);
    expect(h.controller.context.epoch).toBe(3);
    expect(journalLines(again.journal)[0]).toBe('controller-elected');
    expect(h.controller.context.allTopics.has('foo')).toBe(true);
  });

  it('events that arrive while a ZooKeeper operation is pending are queued and run afterwards', () => {
    const h = withFoo();
    const first = h.controller.onBrokersChanged([broker(2), broker(3)]);
    expect(first.zkOp?.op).toBe('getPartitionStates');
    const queued = h.controller.onIsrChanged([]);
    expect(queued.zkOp).toBeUndefined(); // the pending op is not announced twice
    const rest = runToCompletion(
      h.controller,
      h.controller.onZkResult(h.model.apply(first.zkOp as ZkOp)),
      (op) => h.model.apply(op),
    );
    expect(opNames(rest.zkOps)).toEqual([
      'updatePartitionStates',
      'getPartitionStates',
      'updatePartitionStates',
    ]);
  });
});

describe('KafkaController: controlled shutdown (§2.9)', () => {
  it('leaders move away (ISR minus the broker), followed partitions get StopReplica and an ISR shrink', () => {
    const h = withFoo();
    const out = h.step(h.controller.onBrokerControlledShutdown(1, 10n, 42));
    expect(opNames(out.zkOps)).toEqual([
      'getPartitionStates',
      'updatePartitionStates',
      'getPartitionStates',
      'updatePartitionStates',
    ]);
    expect(summarize(out.requests)).toEqual([
      'LeaderAndIsr→1 foo-0:L2/E1/I[2,3]/V1',
      'LeaderAndIsr→2 foo-0:L2/E1/I[2,3]/V1',
      'LeaderAndIsr→3 foo-0:L2/E1/I[2,3]/V1',
      'UpdateMetadata→1 brokers[1,2,3] foo-0:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→2 brokers[1,2,3] foo-0:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→3 brokers[1,2,3] foo-0:L2/E1/I[2,3]/off[1]',
      'StopReplica→1 delete=false foo-1',
      'LeaderAndIsr→2 foo-1:L2/E1/I[2,3]/V1',
      'LeaderAndIsr→3 foo-1:L2/E1/I[2,3]/V1',
      'UpdateMetadata→1 brokers[1,2,3] foo-1:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→2 brokers[1,2,3] foo-1:L2/E1/I[2,3]/off[1]',
      'UpdateMetadata→3 brokers[1,2,3] foo-1:L2/E1/I[2,3]/off[1]',
      'StopReplica→1 delete=false foo-1',
    ]);
    expect(out.replies).toEqual([
      { type: 'ControlledShutdown', requestId: 42, brokerId: 1, error: 'NONE', partitionsRemaining: [] },
    ]);
    expect(journalLines(out.journal)).toEqual([
      'leader-changed foo-0 1→2 E1 I[2,3] (controlled-shutdown)',
      'isr-changed foo-1 [2,3,1]→[2,3] (replica-offline)',
      'broker-shutting-down',
    ]);
    expect(h.controller.context.shuttingDownBrokerIds.has(1)).toBe(true);
  });

  it('a partition with no other ISR member stays with the broker and is reported back', () => {
    const h = harness([broker(1), broker(2)]);
    h.model.createTopic('solo', new Map([[0, [1, 2]]]));
    h.step(h.controller.onTopicsChanged(['solo']));
    h.model.leaderUpdatesIsr(tp('solo', 0), [1]);
    const out = h.step(h.controller.onBrokerControlledShutdown(1, 10n, 1));
    expect(out.replies[0]).toMatchObject({ error: 'NONE', partitionsRemaining: [tp('solo', 0)] });
  });

  it.each([
    [1, 9n, 'STALE_BROKER_EPOCH'],
    [7, 70n, 'BROKER_NOT_AVAILABLE'],
  ] as const)('broker %i with epoch %s → %s', (id, epoch, error) => {
    const h = withFoo();
    const out = h.step(h.controller.onBrokerControlledShutdown(id, epoch, 3));
    expect(out.replies).toEqual([
      { type: 'ControlledShutdown', requestId: 3, brokerId: id, error, partitionsRemaining: [] },
    ]);
    expect(out.zkOps).toEqual([]);
  });

  it('the shutting-down broker then leaves: it is no longer in controlled shutdown', () => {
    const h = withFoo();
    h.step(h.controller.onBrokerControlledShutdown(1, 10n));
    h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    expect(h.controller.context.shuttingDownBrokerIds.size).toBe(0);
  });
});

describe('KafkaController: ISR change notifications', () => {
  it('reads the notified partitions, refreshes them, tells every broker, deletes the notifications', () => {
    const h = withFoo();
    h.model.leaderUpdatesIsr(tp('foo', 0), [1, 2]);
    const seq = h.model.addIsrChangeNotification([tp('foo', 0), tp('gone', 0)]);
    const out = h.step(h.controller.onIsrChanged([seq]));
    expect(out.zkOps).toEqual([
      { op: 'getIsrChangeNotifications', sequenceNumbers: ['0000000000'] },
      { op: 'getPartitionStates', partitions: [tp('foo', 0)] },
      {
        op: 'deleteIsrChangeNotifications',
        sequenceNumbers: ['0000000000'],
        expectedControllerEpochZkVersion: 1,
      },
    ]);
    expect(summarize(out.requests)).toEqual([
      'UpdateMetadata→1 brokers[1,2,3] foo-0:L1/E0/I[1,2]',
      'UpdateMetadata→2 brokers[1,2,3] foo-0:L1/E0/I[1,2]',
      'UpdateMetadata→3 brokers[1,2,3] foo-0:L1/E0/I[1,2]',
    ]);
    expect(journalLines(out.journal)).toEqual(['isr-changed foo-0 [1,2,3]→[1,2] (notification)']);
    expect(h.model.isrChangeNotifications.size).toBe(0);
    expect(h.controller.context.leadershipInfo(tp('foo', 0))?.leaderAndIsr.zkVersion).toBe(1);
  });
});

describe('KafkaController: preferred replica election and auto rebalance (§2.8)', () => {
  /** foo-0's leader moved from 1 to 2 while broker 1 was away; broker 1 is back and in the ISR again. */
  function imbalanced() {
    const h = withFoo();
    h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    h.step(h.controller.onBrokersChanged([broker(1, 11n), broker(2), broker(3)]));
    h.model.leaderUpdatesIsr(tp('foo', 0), [2, 3, 1]);
    h.model.leaderUpdatesIsr(tp('foo', 1), [2, 3, 1]);
    h.step(h.controller.onIsrChanged([h.model.addIsrChangeNotification([tp('foo', 0), tp('foo', 1)])]));
    return h;
  }

  it('zk-triggered: the preferred replica leads again; the request znode is deleted', () => {
    const h = imbalanced();
    h.model.preferredReplicaElection = [tp('foo', 0)];
    const out = h.step(h.controller.onPreferredReplicaElection([tp('foo', 0)], 'zk'));
    expect(opNames(out.zkOps)).toEqual([
      'getPartitionStates',
      'updatePartitionStates',
      'deletePreferredReplicaElection',
    ]);
    expect(journalLines(out.journal)).toEqual(['leader-changed foo-0 2→1 E2 I[2,3,1] (preferred-replica)']);
    expect(summarize(out.requests).slice(0, 3)).toEqual([
      'LeaderAndIsr→1 foo-0:L1/E2/I[2,3,1]/V3',
      'LeaderAndIsr→2 foo-0:L1/E2/I[2,3,1]/V3',
      'LeaderAndIsr→3 foo-0:L1/E2/I[2,3,1]/V3',
    ]);
    expect(h.model.preferredReplicaElection).toBeUndefined();
  });

  it('admin-triggered (ElectLeaders): per-partition results', () => {
    const h = imbalanced();
    const out = h.step(
      h.controller.onPreferredReplicaElection([tp('foo', 0), tp('foo', 1), tp('nope', 0)], 'admin', 9),
    );
    expect(out.replies).toEqual([
      {
        type: 'ElectLeaders',
        requestId: 9,
        error: 'NONE',
        results: [
          { partition: tp('foo', 0), error: 'NONE' },
          { partition: tp('foo', 1), error: 'ELECTION_NOT_NEEDED' },
          {
            partition: tp('nope', 0),
            error: 'UNKNOWN_TOPIC_OR_PARTITION',
            message: 'The partition does not exist.',
          },
        ],
      },
    ]);
    expect(opNames(out.zkOps)).toEqual(['getPartitionStates', 'updatePartitionStates']);
  });

  it('preferred replica not in the ISR: PREFERRED_LEADER_NOT_AVAILABLE', () => {
    const h = withFoo();
    h.step(h.controller.onBrokersChanged([broker(2), broker(3)]));
    h.step(h.controller.onBrokersChanged([broker(1, 11n), broker(2), broker(3)]));
    const out = h.step(h.controller.onPreferredReplicaElection([tp('foo', 0)], 'admin', 1));
    expect(out.replies[0]).toMatchObject({
      results: [{ partition: tp('foo', 0), error: 'PREFERRED_LEADER_NOT_AVAILABLE' }],
    });
  });

  it('auto rebalance: broker 1 leads 0 of its 1 preferred partitions (> 10 %): elect it; next check in 300 s', () => {
    const h = imbalanced();
    const out = h.step(h.controller.onAutoLeaderRebalance());
    expect(opNames(out.zkOps)).toEqual(['getPartitionStates', 'updatePartitionStates']);
    expect(journalLines(out.journal)).toEqual(['leader-changed foo-0 2→1 E2 I[2,3,1] (preferred-replica)']);
    expect(out.scheduleAutoLeaderRebalanceMs).toBe(300_000);
    const again = h.step(h.controller.onAutoLeaderRebalance());
    expect(again.zkOps).toEqual([]);
  });

  it("unclean election enabled dynamically retries the topic's offline partitions", () => {
    const h = harness([broker(1), broker(2)]);
    h.model.createTopic('baz', new Map([[0, [1, 2]]]));
    h.step(h.controller.onTopicsChanged(['baz']));
    h.model.leaderUpdatesIsr(tp('baz', 0), [1]);
    h.step(h.controller.onBrokersChanged([broker(2)]));
    expect(h.model.state(tp('baz', 0))?.leaderAndIsr.leader).toBe(-1);
    h.model.topicConfigs.set('baz', new Map([['unclean.leader.election.enable', 'true']]));
    const out = h.step(h.controller.onUncleanLeaderElectionEnabled('baz'));
    expect(journalLines(out.journal)).toEqual(['leader-changed baz-0 -1→2 E2 I[2] (unclean)']);
  });
});

describe('KafkaController: topic deletion (§2.5)', () => {
  it('UpdateMetadata with leader −2, StopReplica then StopReplica(delete); done when every replica answered', () => {
    const h = withFoo();
    h.model.topicsToBeDeleted.add('foo');
    h.model.topicsToBeDeleted.add('ghost');
    const out = h.step(h.controller.onTopicDeletionRequested(['foo', 'ghost']));
    expect(out.zkOps[0]).toEqual({
      op: 'deleteTopicDeletions',
      topics: ['ghost'],
      expectedControllerEpochZkVersion: 1,
    });
    expect(h.model.topicsToBeDeleted.has('ghost')).toBe(false);
    const lines = summarize(out.requests);
    expect(lines.slice(0, 3)).toEqual([
      'UpdateMetadata→1 brokers[1,2,3] foo-0:L-2/E0/I[1,2,3] foo-1:L-2/E0/I[2,3,1]',
      'UpdateMetadata→2 brokers[1,2,3] foo-0:L-2/E0/I[1,2,3] foo-1:L-2/E0/I[2,3,1]',
      'UpdateMetadata→3 brokers[1,2,3] foo-0:L-2/E0/I[1,2,3] foo-1:L-2/E0/I[2,3,1]',
    ]);
    expect(lines.slice(3)).toEqual([
      'StopReplica→1 delete=false foo-0 foo-1',
      'StopReplica→2 delete=false foo-0 foo-1',
      'StopReplica→3 delete=false foo-0 foo-1',
      'StopReplica→1 delete=true foo-0 foo-1',
      'StopReplica→2 delete=true foo-0 foo-1',
      'StopReplica→3 delete=true foo-0 foo-1',
    ]);
    expect(journalLines(out.journal)[0]).toBe('topic-deletion-started foo');

    const ok = [
      { partition: tp('foo', 0), error: 'NONE' },
      { partition: tp('foo', 1), error: 'NONE' },
    ];
    expect(h.step(h.controller.onStopReplicaResponse(1, 'NONE', ok)).zkOps).toEqual([]);
    expect(h.step(h.controller.onStopReplicaResponse(2, 'NONE', ok)).zkOps).toEqual([]);
    const done = h.step(h.controller.onStopReplicaResponse(3, 'NONE', ok));
    expect(done.zkOps).toEqual([{ op: 'deleteTopic', topic: 'foo', expectedControllerEpochZkVersion: 1 }]);
    expect(journalLines(done.journal)).toEqual(['topic-deleted foo']);
    expect(h.model.topics.has('foo')).toBe(false);
    expect(h.model.partitionStates.size).toBe(0);
    expect(h.controller.context.allTopics.has('foo')).toBe(false);
  });

  it('a failed replica deletion is retried', () => {
    const h = withFoo();
    h.step(h.controller.onTopicDeletionRequested(['foo']));
    const failed = h.step(
      h.controller.onStopReplicaResponse(2, 'NONE', [
        { partition: tp('foo', 0), error: 'KAFKA_STORAGE_ERROR' },
        { partition: tp('foo', 1), error: 'NONE' },
      ]),
    );
    expect(h.controller.context.replicaState({ partition: tp('foo', 0), replica: 2 })).toBe(
      'ReplicaDeletionIneligible',
    );
    expect(h.controller.context.topicsIneligibleForDeletion.has('foo')).toBe(true);
    expect(failed.zkOps).toEqual([]);
  });

  it('a topic with a replica on a dead broker waits until the broker returns', () => {
    const h = withFoo();
    h.step(h.controller.onBrokersChanged([broker(1), broker(2)]));
    const out = h.step(h.controller.onTopicDeletionRequested(['foo']));
    expect(h.controller.context.topicsIneligibleForDeletion.has('foo')).toBe(true);
    expect(summarize(out.requests).filter((l) => l.includes('delete=true'))).toEqual([
      'StopReplica→1 delete=true foo-0 foo-1',
      'StopReplica→2 delete=true foo-0 foo-1',
    ]);
    const ok = [
      { partition: tp('foo', 0), error: 'NONE' },
      { partition: tp('foo', 1), error: 'NONE' },
    ];
    h.step(h.controller.onStopReplicaResponse(1, 'NONE', ok));
    h.step(h.controller.onStopReplicaResponse(2, 'NONE', ok));
    expect(h.model.topics.has('foo')).toBe(true);
    const back = h.step(h.controller.onBrokersChanged([broker(1), broker(2), broker(3, 31n)]));
    expect(summarize(back.requests)).toContain('StopReplica→3 delete=true foo-0 foo-1');
    const done = h.step(h.controller.onStopReplicaResponse(3, 'NONE', ok));
    expect(journalLines(done.journal)).toEqual(['topic-deleted foo']);
  });

  it('delete.topic.enable=false: the request node is just removed', () => {
    const h = withFoo({ deleteTopicEnable: false });
    const out = h.step(h.controller.onTopicDeletionRequested(['foo']));
    expect(out.zkOps).toEqual([
      { op: 'deleteTopicDeletions', topics: ['foo'], expectedControllerEpochZkVersion: 1 },
    ]);
    expect(out.requests).toEqual([]);
    expect(h.controller.context.allTopics.has('foo')).toBe(true);
  });

  it('a ZooKeeper failure abandons the event with a journal entry; the controller carries on', () => {
    const h = withFoo({}, (op) =>
      op.op === 'getTopicAssignments' ? { kind: 'error', message: 'CONNECTIONLOSS' } : undefined,
    );
    h.model.createTopic('t2', new Map([[0, [1]]]));
    const out = h.step(h.controller.onTopicsChanged(['foo', 't2']));
    expect(journalLines(out.journal)).toEqual(['controller-error']);
    expect(h.controller.isActive).toBe(true);
  });
});
