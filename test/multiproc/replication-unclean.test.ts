// Unclean leader election, the Jepsen (2013) Kafka drill on real processes (kafka-zk-era.md §3.8): two
// topics with three replicas led by broker 1, min.insync.replicas=1, acks=1 — one with
// unclean.leader.election.enable=true (the negative control), one with the default false.
//  1. baseline records are replicated everywhere;
//  2. the followers (brokers 2, 3) go away: the ISR shrinks to the leader;
//  3. records S are acknowledged by broker 1 alone;
//  4. broker 1 crashes (kill -9); brokers 2 and 3 come back;
//  5. unclean=true: an out-of-sync replica is elected (leader epoch + 1) and takes new writes; when broker
//     1 returns it truncates S away (leader epochs) — the test detects every record of S as lost.
//     unclean=false: the partition stays offline (leader -1, ISR [1]) until broker 1 returns and leads
//     again — nothing acknowledged is lost.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Producer } from '../../client/index.ts';
import { consumeAll, kcatAvailable, waitReady } from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import {
  checkDelivery,
  expectReplicasCaughtUp,
  SESSION_TIMEOUT_MS,
  startReplicationCluster,
  type ReplicationCluster,
} from './replication-support.ts';

const UNCLEAN = 'jepsen-unclean';
const SAFE = 'jepsen-safe';

describe('unclean leader election (Jepsen 2013 schedule), acks=1, min.insync.replicas=1', () => {
  const skip = skipUnlessAvailable(kcatAvailable());
  let cluster: ReplicationCluster;

  beforeAll(async () => {
    if (skip) return;
    cluster = await startReplicationCluster('/unclean-test', { 'min.insync.replicas': 1 });
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it.skipIf(skip)(
    'unclean=true elects an out-of-sync replica and loses acknowledged records; unclean=false stays offline and loses none',
    async () => {
      await cluster.createTopic(UNCLEAN, [1, 2, 3], { 'unclean.leader.election.enable': 'true' });
      await cluster.createTopic(SAFE, [1, 2, 3], { 'unclean.leader.election.enable': 'false' });
      const acked = new Map<string, number[]>([
        [UNCLEAN, []],
        [SAFE, []],
      ]);
      let next = 0;
      const produce = async (topic: string, count: number) => {
        const producer = new Producer({ brokers: cluster.bootstrap(), acks: 1, retries: 3, lingerMs: 0 });
        try {
          for (let sent = 0; sent < count; sent += 10) {
            const values = Array.from({ length: 10 }, (_, i) => next + i);
            next += 10;
            await producer.send({ topic, messages: values.map((v) => ({ key: null, value: String(v) })) });
            acked.get(topic)!.push(...values);
          }
        } finally {
          await producer.close({ timeoutMs: 5_000 });
        }
      };

      // 1. Baseline, on every replica.
      await produce(UNCLEAN, 100);
      await produce(SAFE, 100);
      for (const topic of [UNCLEAN, SAFE]) await expectReplicasCaughtUp(cluster, topic);

      // 2. The followers go; the ISR shrinks to the leader.
      await Promise.all([cluster.broker(2).stop(), cluster.broker(3).stop()]);
      for (const topic of [UNCLEAN, SAFE]) {
        await cluster.waitState(topic, 'ISR = [1]', (s) => s.leader === 1 && s.isr.join() === '1');
      }

      // 3. S: acknowledged by broker 1 alone.
      const firstOfS = next;
      await produce(UNCLEAN, 200);
      const endOfS = next;
      await produce(SAFE, 200);
      const isInS = (v: number) => v >= firstOfS && v < endOfS;

      // 4. Broker 1 crashes; the others come back.
      const epochBefore = (await cluster.state(UNCLEAN)).leaderEpoch;
      await cluster.broker(1).kill9();
      await Promise.all([2, 3].map((id) => restart(cluster, id)));

      // 5a. unclean=true: an out-of-sync replica leads, with a new epoch, and takes writes.
      const elected = await cluster.waitState(
        UNCLEAN,
        'an unclean leader among brokers 2 and 3',
        (s) => s.leader === 2 || s.leader === 3,
        SESSION_TIMEOUT_MS + 20_000,
      );
      expect(elected.leaderEpoch).toBeGreaterThan(epochBefore);
      await produce(UNCLEAN, 50);
      // 5b. unclean=false: offline, the last ISR member kept.
      expect(await cluster.state(SAFE)).toMatchObject({ leader: -1, isr: [1] });

      // 6. Broker 1 returns: it follows (and truncates) on UNCLEAN, leads SAFE again.
      await restart(cluster, 1);
      await cluster.waitState(SAFE, 'broker 1 leading again', (s) => s.leader === 1);
      await cluster.waitState(
        UNCLEAN,
        'broker 1 back in the ISR',
        (s) => s.isr.includes(1) && s.leader !== 1,
      );
      for (const topic of [UNCLEAN, SAFE]) {
        await cluster.waitState(topic, 'three replicas in the ISR', (s) => s.isr.length === 3);
        await expectReplicasCaughtUp(cluster, topic);
      }

      // 7. Verify.
      const read = async (topic: string) =>
        (await consumeAll(cluster.bootstrap().join(','), topic)).map((r) => Number(r.value));
      const unclean = checkDelivery(acked.get(UNCLEAN)!, await read(UNCLEAN));
      const safe = checkDelivery(acked.get(SAFE)!, await read(SAFE));
      console.log(
        `jepsen drill ${JSON.stringify({
          unclean: { ...unclean, lost: unclean.lost.length },
          safe: { ...safe, lost: safe.lost.length },
        })}`,
      );
      expect(unclean.lost.length).toBeGreaterThan(0);
      expect(unclean.lost.every(isInS)).toBe(true);
      expect(unclean.lost).toEqual(acked.get(UNCLEAN)!.filter(isInS));
      expect(safe.lost).toEqual([]);
    },
    180_000,
  );
});

async function restart(cluster: ReplicationCluster, id: number): Promise<void> {
  const broker = cluster.broker(id);
  await broker.start();
  await waitReady(broker, { readyDeadlineMs: 2 * SESSION_TIMEOUT_MS + 20_000 });
}
