// The whole client against brokers that advertise only old, non-flexible versions (the one-version-per-API
// table of kafka-clients.md §3, which a ZooKeeper-era broker may choose) and against the full table.
import { afterEach, describe, expect, it } from 'vitest';

import { ApiKey } from '../protocol/api-keys.ts';
import { apiVersionsTable } from '../protocol/registry.ts';
import { Admin } from '../admin/admin.ts';
import { Consumer, stringDeserializer } from '../consumer/consumer.ts';
import { Producer } from '../producer/producer.ts';
import { startFakeCluster, type FakeCluster } from './test-support/fake-cluster.ts';

const REFERENCE = {
  [ApiKey.ApiVersions]: 2,
  [ApiKey.Metadata]: 4,
  [ApiKey.Produce]: 3,
  [ApiKey.Fetch]: 4,
  [ApiKey.ListOffsets]: 1,
  [ApiKey.FindCoordinator]: 0,
  [ApiKey.JoinGroup]: 1,
  [ApiKey.SyncGroup]: 0,
  [ApiKey.Heartbeat]: 0,
  [ApiKey.LeaveGroup]: 0,
  [ApiKey.OffsetCommit]: 2,
  [ApiKey.OffsetFetch]: 1,
  [ApiKey.DescribeGroups]: 0,
  [ApiKey.ListGroups]: 0,
  [ApiKey.CreateTopics]: 0,
  [ApiKey.DeleteTopics]: 0,
  [ApiKey.DescribeConfigs]: 0,
  [ApiKey.CreatePartitions]: 0,
};

let cluster: FakeCluster | null = null;

afterEach(async () => {
  if (cluster) {
    expect(cluster.problems).toEqual([]);
    await cluster.close();
    cluster = null;
  }
});

describe.each([
  ['the oldest versions the client speaks', REFERENCE, 'old'],
  ['every version the codec implements', {}, 'new'],
])('produce → group consume → admin with %s', (_name, caps, label) => {
  it('works end to end', async () => {
    cluster = await startFakeCluster({
      brokers: 2,
      apiVersions: apiVersionsTable(caps),
      autoCreateTopics: false,
    });
    const admin = new Admin({ brokers: cluster.bootstrap });
    const producer = new Producer({ brokers: cluster.bootstrap, lingerMs: 2 });
    const consumer = new Consumer({
      brokers: cluster.bootstrap,
      groupId: `group-${label}`,
      autoOffsetReset: 'earliest',
      valueDeserializer: stringDeserializer,
      heartbeatIntervalMs: 50,
    });
    try {
      const created = await admin.createTopics({
        topics: [{ name: 'events', numPartitions: 3, replicationFactor: 1 }],
      });
      expect(created[0].error).toBeNull();
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          producer.send({ topic: 'events', messages: [{ key: `k${i}`, value: `v${i}` }] }),
        ),
      );
      consumer.subscribe({ topics: ['events'] });
      const values: string[] = [];
      const deadline = Date.now() + 5000;
      while (values.length < 30 && Date.now() < deadline)
        values.push(...(await consumer.poll(200)).map((r) => r.value!));
      expect(values.sort()).toEqual(Array.from({ length: 30 }, (_, i) => `v${i}`).sort());
      await consumer.commit();
      const lag = await admin.groupLag(`group-${label}`);
      expect(lag.reduce((sum, p) => sum + p.lag, 0n)).toBe(0n);
      const [group] = await admin.describeGroups([`group-${label}`]);
      expect(group.members[0].assignment).toHaveLength(3);
      expect((await admin.createPartitions({ topics: [{ name: 'events', count: 4 }] }))[0].error).toBeNull();
      expect(
        (await admin.describeConfigs({ resources: [{ type: 'topic', name: 'events' }] }))[0].error,
      ).toBeNull();
      expect((await admin.deleteTopics({ topics: ['events'] }))[0].error).toBeNull();
      const used = new Map(cluster.requests.map((r) => [r.apiKey, r.apiVersion]));
      if (label === 'old') {
        for (const [apiKey, version] of Object.entries(REFERENCE)) {
          if (used.has(Number(apiKey)))
            expect([Number(apiKey), used.get(Number(apiKey))]).toEqual([
              Number(apiKey),
              Number(apiKey) === ApiKey.ApiVersions ? 2 : version,
            ]);
        }
      } else {
        expect(used.get(ApiKey.Produce)).toBe(11);
        expect(used.get(ApiKey.Fetch)).toBe(12);
        expect(used.get(ApiKey.Metadata)).toBe(12);
      }
    } finally {
      await consumer.close();
      await producer.close();
      await admin.close();
    }
  });
});
