// Preferred-replica election (auto.leader.rebalance.enable, kafka-zk-era.md §2.8): after its preferred
// leader (the first replica) was stopped and came back, a partition is led by another broker; the
// controller's imbalance check moves leadership back to the preferred replica, with a new leader epoch,
// once it is in the ISR again. The stop itself is a controlled shutdown: leadership moved before exit.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { waitReady } from '../conformance/kafka/broker-harness.ts';
import { startReplicationCluster, type ReplicationCluster } from './replication-support.ts';

describe('automatic preferred-replica election', () => {
  let cluster: ReplicationCluster;

  beforeAll(async () => {
    cluster = await startReplicationCluster('/preferred-test', {
      'auto.leader.rebalance.enable': true,
      'leader.imbalance.check.interval.seconds': 1,
    });
  }, 90_000);

  afterAll(async () => {
    await cluster?.close();
  });

  it('moves leadership back to the preferred replica once it has caught up', async () => {
    const topic = 'preferred';
    const preferred = (await cluster.controller()).id === 1 ? 2 : 1;
    const others = [1, 2, 3].filter((id) => id !== preferred);
    await cluster.createTopic(topic, [preferred, ...others]);
    const first = await cluster.state(topic);
    expect(first.leader).toBe(preferred);

    const exit = await cluster.broker(preferred).stop();
    expect(exit.code).toBe(0);
    const moved = await cluster.state(topic);
    expect(others).toContain(moved.leader);
    expect(moved.leaderEpoch).toBeGreaterThan(first.leaderEpoch);

    await cluster.broker(preferred).start();
    await waitReady(cluster.broker(preferred), { readyDeadlineMs: 30_000 });
    const back = await cluster.waitState(
      topic,
      'the preferred replica leading again',
      (s) => s.leader === preferred,
      30_000,
    );
    expect(back.leaderEpoch).toBeGreaterThan(moved.leaderEpoch);
    expect(back.isr).toContain(preferred);
  }, 90_000);
});
