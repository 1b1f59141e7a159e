// Kafka's replication_test, on three kzlab broker processes: RF=3, min.insync.replicas=2, acks=all, and
// two producers writing sequence numbers at the same time — our client and kafkajs, each to its own
// single-partition topic led by the same broker — while the partition leader, or the controller, is
// cleanly stopped, kill -9'd, or bounced five times (SIGTERM or kill -9, then restart). Afterwards every acknowledged record must be
// consumed (at least once), in send order. Failover is checked on the way: a new leader from the ISR
// with a higher leader epoch, a new controller with a higher controller epoch, and controlled shutdown
// moving leadership away before a SIGTERM'd broker exits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { consumeAll, kcatAvailable, waitReady } from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { waitFor } from '../support/process.ts';
import {
  checkDelivery,
  SESSION_TIMEOUT_MS,
  startReplicationCluster,
  startSequenceProducer,
  expectReplicasCaughtUp,
  type ProducerKind,
  type ReplicationCluster,
  type SequenceProducer,
} from './replication-support.ts';

type Target = 'leader' | 'controller';
type Mode = 'clean_shutdown' | 'hard_shutdown' | 'clean_bounce' | 'hard_bounce' | 'pause_past_session';

const RECORDS = 5000;
const BOUNCES = 5;

const CASES: { target: Target; mode: Mode }[] = [
  { target: 'leader', mode: 'clean_shutdown' },
  { target: 'leader', mode: 'hard_shutdown' },
  { target: 'leader', mode: 'clean_bounce' },
  { target: 'leader', mode: 'hard_bounce' },
  { target: 'leader', mode: 'pause_past_session' },
  { target: 'controller', mode: 'clean_shutdown' },
  { target: 'controller', mode: 'hard_shutdown' },
  { target: 'controller', mode: 'clean_bounce' },
];

describe('replication_test: RF=3, min.insync.replicas=2, acks=all', () => {
  const skip = skipUnlessAvailable(kcatAvailable());
  let cluster: ReplicationCluster;
  const summary: Record<string, unknown>[] = [];

  beforeAll(async () => {
    if (skip) return;
    cluster = await startReplicationCluster('/replication-test');
  }, 90_000);

  afterAll(async () => {
    if (summary.length > 0) console.log(`replication_test results ${JSON.stringify(summary)}`);
    await cluster?.close();
  });

  /** Stops `id` cleanly or with kill -9; for a clean stop, leadership must have moved before it exits. */
  async function takeDown(id: number, mode: Mode, topics: string[]): Promise<void> {
    const broker = cluster.broker(id);
    if (mode === 'pause_past_session') {
      // SIGSTOP: a zombie that does not know its session expires and its leadership moves.
      process.kill(broker.pid, 'SIGSTOP');
      return;
    }
    if (mode === 'hard_shutdown' || mode === 'hard_bounce') {
      await broker.kill9();
      return;
    }
    const exit = await broker.stop();
    expect(exit.code).toBe(0);
    // Controlled shutdown: nothing it led is still led by it once it has exited.
    for (const topic of topics) expect((await cluster.state(topic)).leader).not.toBe(id);
  }

  async function waitFailover(
    target: Target,
    victim: number,
    topics: string[],
    before: { leaderEpoch: number; controllerEpoch: number },
  ): Promise<void> {
    const deadline = SESSION_TIMEOUT_MS + 15_000;
    for (const topic of topics) {
      const s = await cluster.waitState(
        topic,
        `a leader other than ${victim}`,
        (state) => state.leader >= 0 && state.leader !== victim && !state.isr.includes(victim),
        deadline,
      );
      expect(s.isr).toContain(s.leader);
      if (target === 'leader') expect(s.leaderEpoch).toBeGreaterThan(before.leaderEpoch);
    }
    if (target === 'controller') {
      const controller = await waitFor(
        async () => {
          const c = await cluster.controller();
          return c.id !== victim ? c : undefined;
        },
        { deadlineMs: deadline, what: 'a new controller', intervalMs: 100 },
      );
      expect(controller.epoch).toBeGreaterThan(before.controllerEpoch);
    }
  }

  async function bringBack(id: number, mode: Mode, topics: string[]): Promise<void> {
    const broker = cluster.broker(id);
    if (mode === 'pause_past_session') {
      // It wakes up, finds its session expired, registers again and follows (truncating if it must).
      process.kill(broker.pid, 'SIGCONT');
    } else {
      await broker.start();
      await waitReady(broker, { readyDeadlineMs: 2 * SESSION_TIMEOUT_MS + 20_000 });
    }
    for (const topic of topics) {
      await cluster.waitState(topic, `broker ${id} back in the ISR`, (s) => s.isr.length === 3, 30_000);
    }
  }

  async function victimFor(target: Target, topic: string): Promise<number> {
    return target === 'leader' ? (await cluster.state(topic)).leader : (await cluster.controller()).id;
  }

  for (const { target, mode } of CASES) {
    it.skipIf(skip)(
      `${mode} of the ${target}: every acknowledged record is consumed, in order`,
      async () => {
        const name = `${mode}-${target}`.replaceAll('_', '-');
        // kafkajs 2.2.4 keeps sending to a paused (not dead) leader: every attempt waits out its request
        // timeout (30 s) and its retries go back to the same broker, which keeps it stalled for minutes,
        // past this test's deadlines (measured: no progress 48 s after the pause, even with a 10 s request
        // timeout); the pause case runs our client alone.
        const kinds: ProducerKind[] = mode === 'pause_past_session' ? ['kzlab'] : ['kzlab', 'kafkajs'];
        const topics = kinds.map((kind) => `${name}-${kind}`);
        // The partitions' leader is never the controller, so leader and controller faults stay distinct.
        const controller = await cluster.controller();
        const leader = [1, 2, 3].find((id) => id !== controller.id)!;
        const replicas = [leader, ...[1, 2, 3].filter((id) => id !== leader)];
        for (const topic of topics) await cluster.createTopic(topic, replicas);

        const producers: SequenceProducer[] = kinds.map((kind, i) =>
          startSequenceProducer(kind, cluster.bootstrap(), topics[i]),
        );
        const progress = async (more: number) =>
          Promise.all(producers.map((p) => p.reached(p.acked.length + more, 60_000)));
        try {
          await progress(500);
          const rounds = mode.endsWith('bounce') ? BOUNCES : 1;
          for (let round = 0; round < rounds; round++) {
            const victim = await victimFor(target, topics[0]);
            const before = {
              leaderEpoch: (await cluster.state(topics[0])).leaderEpoch,
              controllerEpoch: (await cluster.controller()).epoch,
            };
            await takeDown(victim, mode, topics);
            await waitFailover(target, victim, topics, before);
            // Writes go on with two brokers (ISR of 2 = min.insync.replicas).
            await progress(200);
            await bringBack(victim, mode, topics);
          }
          await Promise.all(producers.map((p) => p.reached(RECORDS, 120_000)));
        } finally {
          await Promise.all(producers.map((p) => p.stop()));
        }

        for (const producer of producers) {
          const records = await consumeAll(cluster.bootstrap().join(','), producer.topic);
          expect(records.every((r) => r.partition === 0)).toBe(true);
          const report = checkDelivery(
            producer.acked,
            records.map((r) => Number(r.value)),
          );
          summary.push({
            case: name,
            producer: producer.kind,
            failedSends: producer.failures,
            ...report,
            lost: report.lost.length,
          });
          expect(report.acked).toBeGreaterThanOrEqual(RECORDS);
          expect(report.lost).toEqual([]);
          expect(report.outOfOrder).toBe(0);
        }
        // The replicas agree: every broker's copy of each partition ends at the same offset.
        for (const topic of topics) await expectReplicasCaughtUp(cluster, topic);
      },
      300_000,
    );
  }
});
