// Network partitions around brokers, on a lab (`kzlab up --zookeepers 1 --brokers 3`, fault proxies on
// every link) while our producer writes sequence numbers with acks=all to a topic with three replicas and
// min.insync.replicas=2. One schedule, each fault healed before the next:
//   1. the leader is cut off its followers but keeps ZooKeeper: it shrinks the ISR to itself and refuses
//      acks=all (NOT_ENOUGH_REPLICAS); nobody else leads. Healed, the followers catch up and rejoin.
//   2. the leader is cut off everything (a zombie: alive, still answering clients): its session expires,
//      an ISR member leads with a higher epoch. The producer, still on the zombie, gets no acknowledgement
//      (acks=all cannot complete there). Healed, the zombie registers again and follows, truncating
//      whatever only it had, and the producer moves to the new leader.
//   3. the controller is cut off ZooKeeper alone: another broker becomes controller (epoch + 1). Healed,
//      the old one registers again.
// Afterwards every acknowledged record is read back once at least, in send order, and all replicas agree.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { Admin } from '../../client/admin/index.ts';
import { Producer } from '../../client/index.ts';
import { errorName } from '../../deploy/drills/probes.ts';
import { startLabProcess, type LabProcess } from '../../deploy/local/lab-process.ts';
import { processExists } from '../../deploy/local/node-process.ts';
import { findFreePortBase } from '../../deploy/local/ports.ts';
import { consumeAll, kcatAvailable } from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { waitFor } from '../support/process.ts';
import {
  checkDelivery,
  expectReplicasCaughtUpAt,
  startSequenceProducer,
  type SequenceProducer,
} from './replication-support.ts';

const TOPIC = 'partitioned';
/** Session timeout (6 s) plus the controller's reaction, with room for a busy machine. */
const FAILOVER_DEADLINE_MS = 30_000;
/** replica.lag.time.max.ms (10 s) plus the check's period (5 s), with room. */
const ISR_SHRINK_DEADLINE_MS = 30_000;

interface PartitionState {
  leader: number;
  leaderEpoch: number;
  isr: number[];
}

describe('network partitions around brokers (lab, RF 3, min.insync.replicas 2, acks=all)', () => {
  const skip = skipUnlessAvailable(kcatAvailable());
  let root = '';
  let lab: LabProcess | undefined;
  let kz: KafkaZkClient | undefined;
  let producer: SequenceProducer | undefined;
  const pids = new Set<number>();
  const context = (): string => lab?.stderr().slice(-4000) ?? '';

  const state = async (): Promise<PartitionState> => {
    const read = (await kz!.getTopicPartitionStates([{ topic: TOPIC, partition: 0 }])).get(`${TOPIC}-0`);
    if (read === undefined) throw new Error(`no state znode for ${TOPIC}-0`);
    const { leader, leaderEpoch, isr } = read.leaderAndIsr;
    return { leader, leaderEpoch, isr: [...isr].sort((a, b) => a - b) };
  };
  const waitState = (what: string, predicate: (s: PartitionState) => boolean, deadlineMs: number) =>
    waitFor(
      async () => {
        const current = await state();
        return predicate(current) ? current : undefined;
      },
      { deadlineMs, what: `${TOPIC}-0: ${what}`, intervalMs: 100, context },
    );
  const registered = (): Promise<number[]> => kz!.getBrokerIds();
  const partition = async (...groups: string[]): Promise<void> => {
    const result = await lab!.kzlab(['partition', ...groups]);
    expect(result.code, result.stderr).toBe(0);
  };
  const heal = async (): Promise<void> => {
    const result = await lab!.kzlab(['heal']);
    expect(result.code, result.stderr).toBe(0);
  };
  const progress = (more: number, deadlineMs = 30_000) =>
    producer!.reached(producer!.acked.length + more, deadlineMs);

  beforeAll(async () => {
    if (skip) return;
    root = await mkdtemp(path.join(tmpdir(), 'kzlab-lab-partitions-'));
    lab = await startLabProcess({
      dataDir: path.join(root, 'data'),
      portBase: await findFreePortBase({ zookeepers: 1, brokers: 3 }),
      zookeepers: 1,
      brokers: 3,
      tickTimeMs: 500,
      readyTimeoutSeconds: 60,
    });
    for (const node of lab.ready.nodes) if (node.pid !== null) pids.add(node.pid);
    kz = await KafkaZkClient.connect(lab.ready.zookeeper, { sessionTimeoutMs: 20_000 });
    // Led by a broker that is not the controller, so the leader's and the controller's faults stay apart.
    const controller = await kz.getControllerId();
    const leader = [1, 2, 3].find((id) => id !== controller)!;
    const admin = new Admin({ brokers: lab.ready.bootstrap.split(',') });
    try {
      await admin.createTopics({
        topics: [
          {
            name: TOPIC,
            replicaAssignment: [[leader, ...[1, 2, 3].filter((id) => id !== leader)]],
            configs: { 'min.insync.replicas': '2' },
          },
        ],
        waitForLeaders: true,
      });
    } finally {
      await admin.close();
    }
    await waitState('every replica in the ISR', (s) => s.isr.length === 3, 30_000);
    producer = startSequenceProducer('kzlab', lab.ready.bootstrap.split(','), TOPIC);
    await progress(300);
  }, 120_000);

  afterAll(async () => {
    await producer?.stop();
    await kz?.close().catch(() => undefined);
    await lab?.stop('SIGTERM').catch(() => undefined);
    for (const pid of pids) if (processExists(pid)) process.kill(pid, 'SIGKILL');
    if (root !== '') await rm(root, { recursive: true, force: true });
  });

  it.skipIf(skip)(
    'the leader cut off its followers: ISR [leader], acks=all refused, no new leader; healed, the ISR grows back',
    async () => {
      const before = await state();
      const followers = before.isr.filter((id) => id !== before.leader);
      await partition(`broker${before.leader}`, followers.map((id) => `broker${id}`).join(','));
      try {
        const shrunk = await waitState(
          `ISR [${before.leader}]`,
          (s) => s.isr.join() === String(before.leader),
          ISR_SHRINK_DEADLINE_MS,
        );
        // It still holds its ZooKeeper session: same leader, same epoch (the leader's own ISR write).
        expect(shrunk.leader).toBe(before.leader);
        expect(shrunk.leaderEpoch).toBe(before.leaderEpoch);
        // A produce with no retries gets the leader's answer: two replicas are required, one is in sync.
        const probe = new Producer({ brokers: lab!.ready.bootstrap.split(','), acks: -1, retries: 0 });
        try {
          const refused = await waitFor(
            async () => {
              const outcome = await probe
                .send({ topic: TOPIC, messages: [{ key: null, value: 'probe' }] })
                .then(
                  () => 'acknowledged',
                  (error: unknown) => errorName(error),
                );
              return outcome === 'NOT_ENOUGH_REPLICAS' ? outcome : undefined;
            },
            {
              deadlineMs: 20_000,
              what: 'acks=all refused with NOT_ENOUGH_REPLICAS',
              intervalMs: 200,
              context,
            },
          );
          expect(refused).toBe('NOT_ENOUGH_REPLICAS');
        } finally {
          await probe.close({ timeoutMs: 2_000 });
        }
        expect((await state()).leader).toBe(before.leader);
      } finally {
        await heal();
      }
      await waitState('three replicas in the ISR again', (s) => s.isr.length === 3, ISR_SHRINK_DEADLINE_MS);
      await progress(200);
    },
    120_000,
  );

  it.skipIf(skip)(
    'the leader cut off everything: an ISR member leads with a higher epoch; healed, the zombie registers again and follows',
    async () => {
      const before = await state();
      const zombie = before.leader;
      await partition(`broker${zombie}`);
      try {
        const moved = await waitState(
          `a leader other than ${zombie}`,
          (s) => s.leader >= 0 && s.leader !== zombie,
          FAILOVER_DEADLINE_MS,
        );
        expect(before.isr).toContain(moved.leader);
        expect(moved.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
        expect(await registered()).not.toContain(zombie);
        // Our producer still talks to the zombie, which answers REQUEST_TIMED_OUT (it cannot shrink the
        // ISR without ZooKeeper) and, from its stale cache, that it leads: like Kafka's producer, ours
        // refreshes metadata only on metadata errors or after metadata.max.age.ms. Nothing is acknowledged
        // meanwhile; after the heal the zombie says NOT_LEADER_OR_FOLLOWER and the producer moves.
        // The zombie itself still believes it leads, with its old epoch: it cannot hear otherwise.
        const zombieNode = lab!.ready.nodes.find((node) => node.name === `broker${zombie}`)!;
        const view = (await (await fetch(`${zombieNode.adminUrl}/partitions`)).json()) as {
          partitions: { topic: string; role: string; leaderEpoch: number }[];
        };
        expect(view.partitions.find((p) => p.topic === TOPIC)).toMatchObject({
          role: 'leader',
          leaderEpoch: before.leaderEpoch,
        });
      } finally {
        await heal();
      }
      await waitFor(async () => (await registered()).includes(zombie), {
        deadlineMs: FAILOVER_DEADLINE_MS,
        what: `broker${zombie} registered again`,
        context,
      });
      await waitState(`broker ${zombie} back in the ISR`, (s) => s.isr.length === 3, FAILOVER_DEADLINE_MS);
      await progress(200);
    },
    120_000,
  );

  it.skipIf(skip)(
    'the controller cut off ZooKeeper alone: another broker becomes controller with a higher epoch; healed, it registers again',
    async () => {
      const controller = (await kz!.getControllerId())!;
      const epoch = (await kz!.getControllerEpoch())!.epoch;
      const servers = lab!.ready.nodes.filter((node) => node.kind === 'zookeeper').map((node) => node.name);
      await partition(`broker${controller}`, servers.join(','));
      try {
        await waitFor(
          async () => {
            const now = await kz!.getControllerId();
            return now !== undefined && now !== controller;
          },
          { deadlineMs: FAILOVER_DEADLINE_MS, what: 'another controller', context },
        );
        expect((await kz!.getControllerEpoch())!.epoch).toBeGreaterThan(epoch);
      } finally {
        await heal();
      }
      await waitFor(async () => (await registered()).length === 3, {
        deadlineMs: FAILOVER_DEADLINE_MS,
        what: `broker${controller} registered again`,
        context,
      });
      await waitState('three replicas in the ISR', (s) => s.isr.length === 3, FAILOVER_DEADLINE_MS);
      await progress(200);
    },
    120_000,
  );

  it.skipIf(skip)('every acknowledged record is read back, in send order; the replicas agree', async () => {
    await producer!.stop();
    const records = await consumeAll(lab!.ready.bootstrap, TOPIC);
    const report = checkDelivery(
      producer!.acked,
      records.map((r) => Number(r.value)),
    );
    console.log(
      `lab partitions: ${JSON.stringify({ ...report, lost: report.lost.length, failedSends: producer!.failures })}`,
    );
    expect(report.acked).toBeGreaterThanOrEqual(900);
    expect(report.lost).toEqual([]);
    expect(report.outOfOrder).toBe(0);
    await expectReplicasCaughtUpAt(
      lab!.ready.nodes.filter((node) => node.kind === 'broker').map((node) => node.adminUrl),
      TOPIC,
      context,
    );
  });
});
