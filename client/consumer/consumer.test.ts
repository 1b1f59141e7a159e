import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ApiKey } from '../protocol/api-keys.ts';
import { ErrorCode } from '../protocol/error-codes.ts';
import { ConnectionFailedError } from '../network/errors.ts';
import { startFakeCluster, type FakeCluster } from '../network/test-support/fake-cluster.ts';
import { Producer } from '../producer/producer.ts';
import type { TopicPartition } from './assignors/types.ts';
import { Consumer, stringDeserializer, type ConsumerOptions, type ConsumerRecord } from './consumer.ts';
import type { ConsumerEvent } from './trace.ts';

let cluster: FakeCluster;
let producer: Producer;
const consumers: Consumer<unknown, unknown>[] = [];

beforeEach(async () => {
  cluster = await startFakeCluster({ brokers: 3, topics: { orders: 4, single: 1 } });
  producer = new Producer({ brokers: cluster.bootstrap, lingerMs: 1 });
});

afterEach(async () => {
  for (const consumer of consumers.splice(0)) await consumer.close();
  await producer.close();
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

function consumer(
  options: Partial<ConsumerOptions<Uint8Array | null, string | null>> = {},
): Consumer<Uint8Array | null, string | null> {
  const made = new Consumer<Uint8Array | null, string | null>({
    brokers: cluster.bootstrap,
    valueDeserializer: stringDeserializer,
    heartbeatIntervalMs: 50,
    sessionTimeoutMs: 2000,
    retryBackoffMs: 20,
    fetchMaxWaitMs: 100,
    ...options,
  });
  consumers.push(made as Consumer<unknown, unknown>);
  return made;
}

async function produce(topic: string, count: number, prefix = 'v', partition?: number): Promise<void> {
  await Promise.all(
    Array.from({ length: count }, (_, i) =>
      producer.send({
        topic,
        messages: [
          { key: `k${i}`, value: `${prefix}${i}`, ...(partition === undefined ? {} : { partition }) },
        ],
      }),
    ),
  );
}

/** Polls until `count` records arrived (or the deadline). */
async function pollUntil<K, V>(
  c: Consumer<K, V>,
  count: number,
  timeoutMs = 5000,
): Promise<ConsumerRecord<K, V>[]> {
  const out: ConsumerRecord<K, V>[] = [];
  const deadline = Date.now() + timeoutMs;
  while (out.length < count && Date.now() < deadline) out.push(...(await c.poll(200)));
  return out;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Each consumer polls in its own loop (as separate applications would) until `done()`. */
async function pollAll(
  list: Consumer<unknown, unknown>[],
  done: () => boolean,
  timeoutMs = 8000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  await Promise.all(
    list.map(async (c) => {
      while (!done() && Date.now() < deadline) await c.poll(50);
    }),
  );
}

const sorted = (list: TopicPartition[]) => list.map((tp) => `${tp.topic}-${tp.partition}`).sort();

describe('Consumer: fetching with a manual assignment', () => {
  it('reads every record in offset order per partition and advances positions', async () => {
    await produce('orders', 40);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([0, 1, 2, 3].map((partition) => ({ topic: 'orders', partition })));
    const records = await pollUntil(c, 40);
    expect(records).toHaveLength(40);
    for (const partition of [0, 1, 2, 3]) {
      const offsets = records.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(offsets.map((_, i) => BigInt(i)));
      expect(c.position({ topic: 'orders', partition })).toBe(cluster.endOffset('orders', partition));
    }
    expect(new Set(records.map((r) => r.value)).size).toBe(40);
    // One Fetch per leader broker carries all of that broker's partitions.
    const fetches = cluster.requestsOf(ApiKey.Fetch);
    expect(
      fetches.some(
        (f) => (f.body as { topics: { partitions: unknown[] }[] }).topics[0].partitions.length === 2,
      ),
    ).toBe(true);
  });

  it('long-polls: an empty poll waits at the broker instead of spinning, and new records wake it', async () => {
    const c = consumer({ autoOffsetReset: 'latest', fetchMaxWaitMs: 300 });
    c.assign([{ topic: 'single', partition: 0 }]);
    expect(await c.poll(400)).toEqual([]);
    const emptyFetches = cluster.requestsOf(ApiKey.Fetch).length;
    expect(emptyFetches).toBeLessThanOrEqual(3);
    setTimeout(() => void produce('single', 1, 'late'), 100);
    const started = Date.now();
    const records = await pollUntil(c, 1, 3000);
    expect(records.map((r) => r.value)).toEqual(['late0']);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('auto.offset.reset: earliest, latest, none', async () => {
    await produce('single', 5);
    const earliest = consumer({ autoOffsetReset: 'earliest' });
    earliest.assign([{ topic: 'single', partition: 0 }]);
    expect((await pollUntil(earliest, 5)).map((r) => r.offset)).toEqual([0n, 1n, 2n, 3n, 4n]);

    const latest = consumer({ autoOffsetReset: 'latest' });
    latest.assign([{ topic: 'single', partition: 0 }]);
    expect(await latest.poll(200)).toEqual([]);
    expect(latest.position({ topic: 'single', partition: 0 })).toBe(5n);

    const none = consumer({ autoOffsetReset: 'none', groupId: 'no-offsets' });
    none.assign([{ topic: 'single', partition: 0 }]);
    await expect(none.poll(200)).rejects.toMatchObject({ code: 'KZ_ERR_NO_OFFSET' });
  });

  it('OFFSET_OUT_OF_RANGE resets by auto.offset.reset (the log start moved past our position)', async () => {
    await produce('single', 10);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic: 'single', partition: 0 }]);
    c.seek({ topic: 'single', partition: 0 }, 2);
    cluster.truncateHead('single', 0, 6n);
    const events: string[] = [];
    const records = await pollUntil(c, 4);
    expect(records[0].offset).toBeGreaterThanOrEqual(6n);
    expect(records.at(-1)!.offset).toBe(9n);
    expect(events).toEqual([]);
  });

  it('seek, seekToBeginning, seekToEnd', async () => {
    await produce('single', 10);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic: 'single', partition: 0 }]);
    await pollUntil(c, 10);
    c.seek({ topic: 'single', partition: 0 }, 7n);
    expect((await pollUntil(c, 3)).map((r) => r.offset)).toEqual([7n, 8n, 9n]);
    c.seekToBeginning();
    expect((await pollUntil(c, 10))[0].offset).toBe(0n);
    c.seekToEnd();
    expect(await c.poll(150)).toEqual([]);
    expect(c.position({ topic: 'single', partition: 0 })).toBe(10n);
    expect(() => c.seek({ topic: 'orders', partition: 0 }, 0)).toThrow(/not assigned/);
  });

  it('pause and resume', async () => {
    await produce('orders', 20);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([
      { topic: 'orders', partition: 0 },
      { topic: 'orders', partition: 1 },
    ]);
    c.pause([{ topic: 'orders', partition: 1 }]);
    expect(c.paused()).toEqual([{ topic: 'orders', partition: 1 }]);
    const first = await pollUntil(c, cluster.records('orders', 0).length, 2000);
    expect(new Set(first.map((r) => r.partition))).toEqual(new Set([0]));
    expect(await c.poll(150)).toEqual([]);
    c.resume([{ topic: 'orders', partition: 1 }]);
    const second = await pollUntil(c, cluster.records('orders', 1).length);
    expect(new Set(second.map((r) => r.partition))).toEqual(new Set([1]));
  });

  it('reads gzip-compressed batches and verifies CRCs', async () => {
    const gzip = new Producer({ brokers: cluster.bootstrap, compression: 'gzip', lingerMs: 5 });
    await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        gzip.send({ topic: 'single', messages: [{ value: `zipped-${i}` }] }),
      ),
    );
    await gzip.close();
    const c = consumer({ autoOffsetReset: 'earliest', checkCrcs: true });
    c.assign([{ topic: 'single', partition: 0 }]);
    const records = await pollUntil(c, 30);
    expect(records.map((r) => r.value)).toEqual(Array.from({ length: 30 }, (_, i) => `zipped-${i}`));
  });
});

describe('Consumer: group membership against the fake coordinator', () => {
  it('join (MEMBER_ID_REQUIRED round trip) → sync → heartbeats → leave', async () => {
    const events: ConsumerEvent[] = [];
    const c = consumer({ groupId: 'g1', autoOffsetReset: 'earliest', onEvent: (e) => events.push(e) });
    const assigned: TopicPartition[][] = [];
    c.subscribe(
      { topics: ['orders'] },
      { onPartitionsAssigned: (partitions) => void assigned.push(partitions) },
    );
    await c.poll(100);
    expect(sorted(assigned[0])).toEqual(['orders-0', 'orders-1', 'orders-2', 'orders-3']);
    const joins = cluster.requestsOf(ApiKey.JoinGroup);
    expect(joins).toHaveLength(2);
    expect((joins[0].body as { memberId: string }).memberId).toBe('');
    expect((joins[1].body as { memberId: string }).memberId).not.toBe('');
    expect((joins[0].body as { protocols: { name: string }[] }).protocols.map((p) => p.name)).toEqual([
      'range',
    ]);
    expect(cluster.requestsOf(ApiKey.SyncGroup)).toHaveLength(1);
    const group = cluster.groups.get('g1')!;
    expect(group.state).toBe('Stable');
    expect(c.groupMetadata()).toMatchObject({
      groupId: 'g1',
      generationId: group.generationId,
      isLeader: true,
    });
    // Heartbeats run in the background while the application does nothing.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(cluster.requestsOf(ApiKey.Heartbeat).length).toBeGreaterThanOrEqual(3);
    await c.close();
    expect(cluster.requestsOf(ApiKey.LeaveGroup)).toHaveLength(1);
    expect(group.members.size).toBe(0);
    expect(events.map((e) => e.type)).toEqual(
      expect.arrayContaining([
        'group.coordinator',
        'group.joined',
        'group.assigned',
        'heartbeat',
        'group.left',
      ]),
    );
  });

  it('a second member triggers a rebalance: heartbeats say REBALANCE_IN_PROGRESS, both rejoin, partitions split', async () => {
    const a = consumer({ groupId: 'g2', autoOffsetReset: 'earliest', clientId: 'a' });
    const b = consumer({ groupId: 'g2', autoOffsetReset: 'earliest', clientId: 'b' });
    const aAssigned: TopicPartition[][] = [];
    const aRevoked: TopicPartition[][] = [];
    a.subscribe(
      { topics: ['orders'] },
      {
        onPartitionsAssigned: (p) => void aAssigned.push(p),
        onPartitionsRevoked: (p) => void aRevoked.push(p),
      },
    );
    b.subscribe({ topics: ['orders'] });
    await a.poll(100);
    expect(a.assignment()).toHaveLength(4);
    await pollAll(
      [a, b] as Consumer<unknown, unknown>[],
      () => b.assignment().length > 0 && a.assignment().length < 4,
    );
    expect(sorted([...a.assignment(), ...b.assignment()])).toEqual([
      'orders-0',
      'orders-1',
      'orders-2',
      'orders-3',
    ]);
    expect(a.assignment()).toHaveLength(2);
    expect(b.assignment()).toHaveLength(2);
    expect(sorted(aRevoked[0])).toEqual(['orders-0', 'orders-1', 'orders-2', 'orders-3']); // eager: all revoked
    expect(aAssigned).toHaveLength(2);
    const heartbeatErrors = cluster.requestsOf(ApiKey.Heartbeat).length;
    expect(heartbeatErrors).toBeGreaterThan(0);
  });

  it('commits on revoke (auto-commit), so the next owner continues where the last one stopped', async () => {
    await produce('single', 10);
    const a = consumer({ groupId: 'g3', autoOffsetReset: 'earliest', autoCommitIntervalMs: 60_000 });
    a.subscribe({ topics: ['single'] });
    expect(await pollUntil(a, 10)).toHaveLength(10);
    expect(cluster.requestsOf(ApiKey.OffsetCommit)).toHaveLength(0);
    await a.close(); // revokes → commits 10, then LeaveGroup
    const commits = cluster.requestsOf(ApiKey.OffsetCommit);
    expect(commits).toHaveLength(1);
    expect(cluster.groups.get('g3')!.offsets.get('single/0')!.offset).toBe(10n);
    const leaveIndex = cluster.requests.findIndex((r) => r.apiKey === ApiKey.LeaveGroup);
    expect(cluster.requests.indexOf(commits[0])).toBeLessThan(leaveIndex);
    await produce('single', 3, 'new');
    const b = consumer({ groupId: 'g3', autoOffsetReset: 'earliest' });
    b.subscribe({ topics: ['single'] });
    expect((await pollUntil(b, 3)).map((r) => r.value)).toEqual(['new0', 'new1', 'new2']);
  });

  it('auto-commits positions every auto.commit.interval.ms inside poll()', async () => {
    await produce('single', 5);
    const c = consumer({ groupId: 'g4', autoOffsetReset: 'earliest', autoCommitIntervalMs: 100 });
    c.subscribe({ topics: ['single'] });
    await pollUntil(c, 5);
    await new Promise((resolve) => setTimeout(resolve, 150));
    await c.poll(50);
    await until(() => cluster.groups.get('g4')!.offsets.get('single/0')?.offset === 5n);
  });

  it('a crashed member (no heartbeats) is expired after session.timeout.ms and its partitions move', async () => {
    const dead = consumer({
      groupId: 'g5',
      sessionTimeoutMs: 400,
      maxPollIntervalMs: 60_000,
      heartbeatIntervalMs: 100,
    });
    dead.subscribe({ topics: ['orders'] });
    await dead.poll(100);
    expect(dead.assignment()).toHaveLength(4);
    // Simulate a crash: stop everything without LeaveGroup.
    (dead as unknown as { coordinator: { close(): void } }).coordinator.close();
    dead.cluster.close();
    consumers.splice(consumers.indexOf(dead as Consumer<unknown, unknown>), 1);
    const survivor = consumer({ groupId: 'g5' });
    survivor.subscribe({ topics: ['orders'] });
    const started = Date.now();
    while (survivor.assignment().length < 4 && Date.now() - started < 5000) await survivor.poll(100);
    expect(survivor.assignment()).toHaveLength(4);
    expect(cluster.groups.get('g5')!.members.size).toBe(1);
  });

  it('max.poll.interval.ms: a member that stops polling leaves the group', async () => {
    const slow = consumer({ groupId: 'g6', maxPollIntervalMs: 200, heartbeatIntervalMs: 50 });
    slow.subscribe({ topics: ['single'] });
    await slow.poll(50);
    expect(cluster.groups.get('g6')!.members.size).toBe(1);
    await until(() => cluster.requestsOf(ApiKey.LeaveGroup).length === 1, 3000);
    expect(cluster.groups.get('g6')!.members.size).toBe(0);
    await slow.poll(100); // polling again rejoins
    expect(cluster.groups.get('g6')!.members.size).toBe(1);
  });

  it('a commit from a stale generation fails with KZ_ERR_COMMIT_FAILED and triggers a rejoin', async () => {
    await produce('single', 2);
    const c = consumer({ groupId: 'g7', autoOffsetReset: 'earliest', autoCommit: false });
    c.subscribe({ topics: ['single'] });
    await pollUntil(c, 2);
    cluster.inject({ apiKey: ApiKey.OffsetCommit, errorCode: ErrorCode.ILLEGAL_GENERATION });
    await expect(c.commit()).rejects.toMatchObject({ code: 'KZ_ERR_COMMIT_FAILED' });
    const joins = cluster.requestsOf(ApiKey.JoinGroup).length;
    await c.poll(50);
    expect(cluster.requestsOf(ApiKey.JoinGroup).length).toBeGreaterThan(joins);
  });

  it('finds the coordinator again after NOT_COORDINATOR', async () => {
    const c = consumer({ groupId: 'g8' });
    c.subscribe({ topics: ['single'] });
    await c.poll(50);
    const lookups = cluster.requestsOf(ApiKey.FindCoordinator).length;
    cluster.inject({ apiKey: ApiKey.Heartbeat, errorCode: ErrorCode.NOT_COORDINATOR });
    await until(() => cluster.requestsOf(ApiKey.FindCoordinator).length > lookups, 3000);
  });

  it('looks the coordinator up again when it cannot even be connected to (a killed coordinator)', async () => {
    const c = consumer({ groupId: 'g8b' });
    c.subscribe({ topics: ['single'] });
    await c.poll(50);
    const lookups = cluster.requestsOf(ApiKey.FindCoordinator).length;
    // The coordinator's connection breaks and reconnecting fails, as after a kill -9 of its broker.
    const connectionToAddress = c.cluster.connectionToAddress.bind(c.cluster);
    let refused = 0;
    c.cluster.connectionToAddress = async (nodeId, address, lane) => {
      if (lane === 'coordinator' && refused < 3) {
        refused++;
        throw new ConnectionFailedError(`${address.host}:${address.port}`);
      }
      return connectionToAddress(nodeId, address, lane);
    };
    cluster.dropConnections(1);
    await until(() => cluster.requestsOf(ApiKey.FindCoordinator).length > lookups, 3000);
    expect(refused).toBeGreaterThan(0);
    // Heartbeats reach the coordinator again.
    const beats = cluster.requestsOf(ApiKey.Heartbeat).length;
    await until(() => cluster.requestsOf(ApiKey.Heartbeat).length > beats + 2, 3000);
  });

  it('pattern subscriptions follow matching topics', async () => {
    cluster.createTopic('metrics-a', 1);
    cluster.createTopic('metrics-b', 2);
    const c = consumer({ groupId: 'g9', autoOffsetReset: 'earliest' });
    c.subscribe({ pattern: /^metrics-/ });
    await c.poll(100);
    expect(sorted(c.assignment())).toEqual(['metrics-a-0', 'metrics-b-0', 'metrics-b-1']);
    const join = cluster.requestsOf(ApiKey.JoinGroup).at(-1)!;
    expect(join.apiKey).toBe(ApiKey.JoinGroup);
  });

  it('uses the sticky assignor when asked: survivors keep their partitions', async () => {
    const a = consumer({ groupId: 'g10', assignors: ['sticky'] });
    const b = consumer({ groupId: 'g10', assignors: ['sticky'] });
    a.subscribe({ topics: ['orders'] });
    b.subscribe({ topics: ['orders'] });
    await pollAll(
      [a, b] as Consumer<unknown, unknown>[],
      () => a.assignment().length === 2 && b.assignment().length === 2,
    );
    const before = sorted(a.assignment());
    expect(before).toHaveLength(2);
    const c = consumer({ groupId: 'g10', assignors: ['sticky'] });
    c.subscribe({ topics: ['orders'] });
    await pollAll(
      [a, b, c] as Consumer<unknown, unknown>[],
      () =>
        c.assignment().length > 0 &&
        a.assignment().length + b.assignment().length + c.assignment().length === 4,
    );
    // a had 2 of 4; with 3 members someone keeps 2 and the others 1 — a keeps at least one of its own.
    expect(sorted(a.assignment()).every((p) => before.includes(p))).toBe(true);
    expect(cluster.groups.get('g10')!.protocolName).toBe('sticky');
  });

  it('cooperative-sticky: only the partitions that move are revoked', async () => {
    const aRevoked: TopicPartition[][] = [];
    const a = consumer({ groupId: 'g11', assignors: ['cooperative-sticky'] });
    a.subscribe({ topics: ['orders'] }, { onPartitionsRevoked: (p) => void aRevoked.push(p) });
    await a.poll(100);
    expect(a.assignment()).toHaveLength(4);
    const b = consumer({ groupId: 'g11', assignors: ['cooperative-sticky'] });
    b.subscribe({ topics: ['orders'] });
    await pollAll(
      [a, b] as Consumer<unknown, unknown>[],
      () => b.assignment().length === 2 && a.assignment().length === 2,
    );
    expect(a.assignment()).toHaveLength(2);
    expect(b.assignment()).toHaveLength(2);
    expect(aRevoked).toHaveLength(1);
    expect(aRevoked[0]).toHaveLength(2); // never all four
  });
});

describe('Consumer: run(), the iterator and delivery semantics', () => {
  it('run({ eachMessage }) processes everything; a throwing handler gets the same record again', async () => {
    await produce('single', 5);
    const c = consumer({ groupId: 'r1', autoOffsetReset: 'earliest' });
    c.subscribe({ topics: ['single'] });
    const seen: string[] = [];
    let failed = false;
    await c.run({
      eachMessage: async ({ message }) => {
        if (message.value === 'v2' && !failed) {
          failed = true;
          throw new Error('transient');
        }
        seen.push(message.value!);
      },
    });
    await until(() => seen.length === 5);
    expect(seen).toEqual(['v0', 'v1', 'v2', 'v3', 'v4']);
    await c.stop();
  });

  it('run({ eachBatch }) hands over a partition at a time', async () => {
    await produce('orders', 12);
    const c = consumer({ groupId: 'r2', autoOffsetReset: 'earliest' });
    c.subscribe({ topics: ['orders'] });
    const batches: { partition: number; count: number }[] = [];
    await c.run({
      eachBatch: async ({ batch }) =>
        void batches.push({ partition: batch.partition, count: batch.messages.length }),
    });
    await until(() => batches.reduce((sum, b) => sum + b.count, 0) === 12);
    for (const b of batches) expect(new Set([b.partition]).size).toBe(1);
  });

  it('for await … of consumer', async () => {
    await produce('single', 3);
    const c = consumer({ autoOffsetReset: 'earliest' });
    c.assign([{ topic: 'single', partition: 0 }]);
    const values: string[] = [];
    for await (const record of c) {
      values.push(record.value!);
      if (values.length === 3) break;
    }
    expect(values).toEqual(['v0', 'v1', 'v2']);
  });

  it('at-most-once vs at-least-once is decided by where the commit happens', async () => {
    await produce('single', 4);
    const crashAt = 'v1';

    // At-most-once: commit BEFORE processing. The crash while processing v1 loses it.
    const amo = consumer({
      groupId: 'amo',
      autoOffsetReset: 'earliest',
      autoCommit: false,
      maxPollRecords: 1,
    });
    amo.assign([{ topic: 'single', partition: 0 }]);
    const amoProcessed: string[] = [];
    for (;;) {
      const [record] = await amo.poll(500);
      await amo.commit([{ topic: record.topic, partition: record.partition, offset: record.offset + 1n }]);
      if (record.value === crashAt) break; // crash before processing
      amoProcessed.push(record.value!);
    }
    const amoAfter = consumer({ groupId: 'amo', autoOffsetReset: 'earliest', autoCommit: false });
    amoAfter.assign([{ topic: 'single', partition: 0 }]);
    amoProcessed.push(...(await pollUntil(amoAfter, 2)).map((r) => r.value!));
    expect(amoProcessed).toEqual(['v0', 'v2', 'v3']); // v1 was never processed

    // At-least-once: commit AFTER processing. The crash before committing v1 replays it.
    const alo = consumer({
      groupId: 'alo',
      autoOffsetReset: 'earliest',
      autoCommit: false,
      maxPollRecords: 1,
    });
    alo.assign([{ topic: 'single', partition: 0 }]);
    const aloProcessed: string[] = [];
    for (;;) {
      const [record] = await alo.poll(500);
      aloProcessed.push(record.value!);
      if (record.value === crashAt) break; // crash after processing, before committing
      await alo.commit([{ topic: record.topic, partition: record.partition, offset: record.offset + 1n }]);
    }
    const aloAfter = consumer({ groupId: 'alo', autoOffsetReset: 'earliest', autoCommit: false });
    aloAfter.assign([{ topic: 'single', partition: 0 }]);
    aloProcessed.push(...(await pollUntil(aloAfter, 3)).map((r) => r.value!));
    expect(aloProcessed).toEqual(['v0', 'v1', 'v1', 'v2', 'v3']); // v1 processed twice
  });
});
