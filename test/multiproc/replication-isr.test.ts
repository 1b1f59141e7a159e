// The leader's own ISR management on real processes (kafka-zk-era.md §3.4–§3.5): both followers of a
// partition are paused (SIGSTOP; their ZooKeeper sessions outlive the pause), so they stop fetching.
//  * acks=all first waits: REQUEST_TIMED_OUT after the request's timeout while the ISR still names them;
//  * after replica.lag.time.max.ms the leader shrinks the ISR to itself, writing the state znode (leader
//    epoch unchanged) and an isr_change_notification that the controller turns into UpdateMetadata;
//    a produce that was waiting is answered NOT_ENOUGH_REPLICAS_AFTER_APPEND, new ones are refused with
//    NOT_ENOUGH_REPLICAS (min.insync.replicas=2) and nothing is appended for them;
//  * the followers resume, catch up, the leader expands the ISR and acks=all succeeds again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Producer } from '../../client/index.ts';
import { KafkaProtocolError } from '../../client/network/errors.ts';
import { consumeAll, kcatAvailable, metadata } from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { waitFor } from '../support/process.ts';
import { startReplicationCluster, type ReplicationCluster } from './replication-support.ts';

const LAG_MS = 2000;

async function produceError(producer: Producer, topic: string, value: string): Promise<string> {
  try {
    await producer.send({ topic, messages: [{ key: null, value }] });
    return 'NONE';
  } catch (error) {
    if (error instanceof KafkaProtocolError) return error.errorName;
    throw error;
  }
}

describe('ISR shrink and expand by the leader; min.insync.replicas', () => {
  const skip = skipUnlessAvailable(kcatAvailable());
  let cluster: ReplicationCluster;

  beforeAll(async () => {
    if (skip) return;
    cluster = await startReplicationCluster('/isr-test', {
      'replica.lag.time.max.ms': LAG_MS,
      'replica.fetch.wait.max.ms': 200,
      // Longer than the pause below, so only the leader's lag rule removes the followers.
      'zookeeper.session.timeout.ms': 20_000,
    });
  }, 90_000);

  afterAll(async () => {
    for (const b of cluster?.brokers ?? []) {
      try {
        process.kill(b.pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
    await cluster?.close();
  });

  it.skipIf(skip)(
    'shrinks to the leader when followers stop fetching, refuses acks=all below min ISR, expands when they return',
    async () => {
      const topic = 'isr';
      // The controller leads, so pausing the followers leaves it free to handle the ISR notification.
      const leader = (await cluster.controller()).id;
      const followers = [1, 2, 3].filter((id) => id !== leader);
      await cluster.createTopic(topic, [leader, ...followers]);
      const before = await cluster.state(topic);

      const producer = (timeoutMs: number) =>
        new Producer({
          brokers: cluster.bootstrap(),
          acks: 'all',
          retries: 0,
          requestTimeoutMs: timeoutMs,
          deliveryTimeoutMs: timeoutMs * 3,
        });
      const quick = producer(300);
      const patient = producer(15_000);
      expect(await produceError(quick, topic, 'before')).toBe('NONE');
      expect(await produceError(patient, topic, 'before-2')).toBe('NONE');

      for (const id of followers) process.kill(cluster.broker(id).pid, 'SIGSTOP');
      const pausedAt = Date.now();
      try {
        // Still in the ISR, not fetching: the high watermark cannot pass the record.
        expect(await produceError(quick, topic, 'timed-out')).toBe('REQUEST_TIMED_OUT');
        // This one waits through the shrink: replicated to the (new) ISR of one, below min.insync.replicas.
        const waiting = produceError(patient, topic, 'after-append');

        const shrunk = await cluster.waitState(
          topic,
          'the ISR shrunk to the leader',
          (s) => s.isr.length === 1,
          15_000,
        );
        const shrinkMs = Date.now() - pausedAt;
        expect(shrunk).toEqual({ leader, leaderEpoch: before.leaderEpoch, isr: [leader] });
        expect(shrinkMs).toBeGreaterThanOrEqual(LAG_MS);
        expect(await waiting).toBe('NOT_ENOUGH_REPLICAS_AFTER_APPEND');
        expect(await produceError(quick, topic, 'refused')).toBe('NOT_ENOUGH_REPLICAS');

        // The controller learns it from /isr_change_notification and tells every broker (UpdateMetadata).
        await waitFor(
          async () => {
            const answer = await metadata(cluster.broker(leader).port, [topic]);
            return answer.topics[0]?.partitions[0]?.isrNodes.join() === String(leader);
          },
          { deadlineMs: 15_000, what: 'Metadata to show the shrunk ISR', intervalMs: 200 },
        );
        expect(await cluster.kz.getAllIsrChangeNotifications()).toEqual([]);
      } finally {
        for (const id of followers) process.kill(cluster.broker(id).pid, 'SIGCONT');
      }

      await cluster.waitState(topic, 'the followers back in the ISR', (s) => s.isr.length === 3, 20_000);
      expect(await produceError(quick, topic, 'resumed')).toBe('NONE');
      await Promise.all([quick.close(), patient.close()]);

      // Refused records were never appended; the after-append one was (and stays).
      const records = await readValues(cluster, topic);
      expect(records).toContain('after-append');
      expect(records).not.toContain('refused');
      expect(records.filter((v) => v === 'resumed')).toHaveLength(1);
    },
    120_000,
  );
});

async function readValues(cluster: ReplicationCluster, topic: string): Promise<string[]> {
  return (await consumeAll(cluster.bootstrap().join(','), topic)).map((r) => r.value);
}
