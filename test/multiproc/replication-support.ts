// Shared pieces of the replication tests: a ZooKeeper + three-broker cluster with admin HTTP, partition
// state read straight from ZooKeeper (the leader writes ISR changes there at once; Metadata only follows
// after the controller's batched UpdateMetadata), and sequence-numbered producers (our client and
// kafkajs) that keep sending until told to stop, recording exactly which records were acknowledged.
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';

import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { Producer } from '../../client/index.ts';
import { metadata, startBroker, type BrokerProcess } from '../conformance/kafka/broker-harness.ts';
import { waitFor } from '../support/process.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

export const SESSION_TIMEOUT_MS = 6000;

export interface ReplicationCluster {
  zk: ZooKeeperServer;
  kz: KafkaZkClient;
  brokers: BrokerProcess[];
  bootstrap(): string[];
  broker(id: number): BrokerProcess;
  /** Leader, leader epoch and ISR from the partition's state znode. */
  state(topic: string, partition?: number): Promise<{ leader: number; leaderEpoch: number; isr: number[] }>;
  controller(): Promise<{ id: number; epoch: number }>;
  /** Waits until the state znode satisfies `predicate`. */
  waitState(
    topic: string,
    what: string,
    predicate: (s: { leader: number; leaderEpoch: number; isr: number[] }) => boolean,
    deadlineMs?: number,
  ): Promise<{ leader: number; leaderEpoch: number; isr: number[] }>;
  createTopic(topic: string, replicas: number[], configs?: Record<string, string>): Promise<void>;
  close(): Promise<void>;
}

export async function startReplicationCluster(
  chroot: string,
  properties: Record<string, string | number | boolean> = {},
): Promise<ReplicationCluster> {
  const zk = await startZooKeeper({ impl: 'kzlab' });
  const connect = `${zk.connectString}${chroot}`;
  const brokers = await Promise.all(
    [1, 2, 3].map((id) =>
      startBroker({
        id,
        zookeeperConnect: connect,
        admin: true,
        properties: {
          'zookeeper.session.timeout.ms': SESSION_TIMEOUT_MS,
          'auto.leader.rebalance.enable': false,
          'default.replication.factor': 3,
          'min.insync.replicas': 2,
          'controlled.shutdown.retry.backoff.ms': 500,
          ...properties,
        },
      }),
    ),
  );
  const kz = await KafkaZkClient.connect(connect, { sessionTimeoutMs: 20_000 });
  await waitFor(
    async () => {
      for (const b of brokers) if ((await metadata(b.port, [])).brokers.length !== 3) return false;
      return true;
    },
    { deadlineMs: 20_000, what: 'every broker to list three brokers' },
  );
  const state = async (topic: string, partition = 0) => {
    const states = await kz.getTopicPartitionStates([{ topic, partition }]);
    const read = states.get(`${topic}-${partition}`);
    if (read === undefined) throw new Error(`no state znode for ${topic}-${partition}`);
    const { leader, leaderEpoch, isr } = read.leaderAndIsr;
    return { leader, leaderEpoch, isr: [...isr].sort((a, b) => a - b) };
  };
  const cluster: ReplicationCluster = {
    zk,
    kz,
    brokers,
    bootstrap: () => brokers.map((b) => b.bootstrap),
    broker: (id) => brokers.find((b) => b.id === id)!,
    state,
    async controller() {
      const id = await kz.getControllerId();
      const epoch = (await kz.getControllerEpoch())?.epoch;
      if (id === undefined || epoch === undefined) throw new Error('no controller');
      return { id, epoch };
    },
    async waitState(topic, what, predicate, deadlineMs = 30_000) {
      return waitFor(
        async () => {
          const s = await state(topic);
          return predicate(s) ? s : undefined;
        },
        { deadlineMs, what: `${topic}: ${what}`, intervalMs: 100 },
      );
    },
    async createTopic(topic, replicas, configs = {}) {
      const kafka = new Kafka({ brokers: cluster.bootstrap(), logLevel: logLevel.NOTHING });
      const admin = kafka.admin();
      await admin.connect();
      try {
        await admin.createTopics({
          topics: [
            {
              topic,
              replicaAssignment: [{ partition: 0, replicas }],
              configEntries: Object.entries(configs).map(([name, value]) => ({ name, value })),
            },
          ],
          waitForLeaders: true,
        });
      } finally {
        await admin.disconnect();
      }
      await cluster.waitState(topic, 'all replicas in the ISR', (s) => s.isr.length === replicas.length);
    },
    async close() {
      await kz.close().catch(() => undefined);
      await Promise.all(brokers.map((b) => b.destroy()));
      await zk.stop();
    },
  };
  return cluster;
}

export type ProducerKind = 'kzlab' | 'kafkajs';

export interface SequenceProducer {
  readonly kind: ProducerKind;
  readonly topic: string;
  /** Sequence numbers acknowledged by the cluster, in the order acknowledged. */
  readonly acked: number[];
  /** Send calls that failed (the same batch is sent again). */
  failures: number;
  lastError: string | null;
  /** Resolves once `count` records are acknowledged. */
  reached(count: number, deadlineMs: number): Promise<void>;
  /** Stops after the batch in flight; resolves when stopped. */
  stop(): Promise<void>;
}

/**
 * Sends batches of `batchSize` records whose values are consecutive sequence numbers, one batch at a time
 * (so the log's order of first occurrences is the send order), acks=all; a failed batch is sent again.
 */
export function startSequenceProducer(
  kind: ProducerKind,
  bootstrap: string[],
  topic: string,
  options: { batchSize?: number; acks?: 1 | -1 } = {},
): SequenceProducer {
  const batchSize = options.batchSize ?? 10;
  const acks = options.acks ?? -1;
  const state = {
    kind,
    topic,
    acked: [] as number[],
    failures: 0,
    lastError: null as string | null,
  };
  let stopping = false;
  let send: (values: number[]) => Promise<void>;
  let close: () => Promise<void>;
  if (kind === 'kzlab') {
    const producer = new Producer({
      brokers: bootstrap,
      acks,
      maxInFlightRequests: 1,
      lingerMs: 0,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 60_000,
      retryBackoffMs: 100,
    });
    send = async (values) => {
      await producer.send({ topic, messages: values.map((v) => ({ key: null, value: String(v) })) });
    };
    close = () => producer.close({ timeoutMs: 5_000 });
  } else {
    const kafka = new Kafka({
      brokers: bootstrap,
      logLevel: logLevel.NOTHING,
      retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2_000 },
    });
    const producer = kafka.producer({ maxInFlightRequests: 1, allowAutoTopicCreation: false });
    let connected: Promise<void> | undefined;
    send = async (values) => {
      connected ??= producer.connect();
      await connected;
      await producer.send({
        topic,
        acks,
        timeout: 10_000,
        messages: values.map((v) => ({ value: String(v) })),
      });
    };
    close = () => producer.disconnect();
  }
  const waiters: { count: number; resolve: () => void }[] = [];
  const loop = (async () => {
    let next = 0;
    while (!stopping) {
      const values = Array.from({ length: batchSize }, (_, i) => next + i);
      try {
        await send(values);
        state.acked.push(...values);
        next += batchSize;
        for (const waiter of waiters.filter((w) => state.acked.length >= w.count)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      } catch (error) {
        state.failures++;
        state.lastError = error instanceof Error ? error.message : String(error);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await close().catch(() => undefined);
  })();
  return Object.assign(state, {
    reached(count: number, deadlineMs: number) {
      if (state.acked.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          reject(
            new Error(
              `${kind} producer on ${topic}: ${state.acked.length} of ${count} acknowledged after ${deadlineMs} ms (${state.failures} failures, last: ${state.lastError})`,
            ),
          );
        }, deadlineMs);
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    async stop() {
      stopping = true;
      await loop;
    },
  });
}

export interface DeliveryReport {
  acked: number;
  consumed: number;
  distinct: number;
  duplicates: number;
  lost: number[];
  outOfOrder: number;
}

/** Every acknowledged value consumed at least once; first occurrences in send order. */
export function checkDelivery(acked: readonly number[], consumedValues: readonly number[]): DeliveryReport {
  const seen = new Set<number>();
  let previous = -1;
  let outOfOrder = 0;
  for (const value of consumedValues) {
    if (seen.has(value)) continue;
    seen.add(value);
    if (value < previous) outOfOrder++;
    previous = value;
  }
  return {
    acked: acked.length,
    consumed: consumedValues.length,
    distinct: seen.size,
    duplicates: consumedValues.length - seen.size,
    lost: acked.filter((value) => !seen.has(value)),
    outOfOrder,
  };
}

/** Log end offset and high watermark of the partition on every broker (admin HTTP), once they settle. */
export async function expectReplicasCaughtUp(cluster: ReplicationCluster, topic: string): Promise<void> {
  await expectReplicasCaughtUpAt(
    cluster.brokers.map((b) => `http://127.0.0.1:${b.adminPort}`),
    topic,
  );
}

/** The same, for brokers given by their admin HTTP base URLs (a lab's nodes). */
export async function expectReplicasCaughtUpAt(
  adminUrls: readonly string[],
  topic: string,
  context?: () => string,
): Promise<void> {
  const read = async () =>
    Promise.all(
      adminUrls.map(async (url) => {
        const response = await fetch(`${url}/partitions`);
        const body = (await response.json()) as {
          partitions: { topic: string; partition: number; logEndOffset: string; highWatermark: string }[];
        };
        return body.partitions.find((p) => p.topic === topic && p.partition === 0);
      }),
    );
  const settled = await waitFor(
    async () => {
      const views = await read();
      if (views.some((v) => v === undefined)) return undefined;
      const ends = new Set(views.map((v) => `${v!.logEndOffset}/${v!.highWatermark}`));
      return ends.size === 1 ? views : undefined;
    },
    {
      deadlineMs: 15_000,
      what: `all replicas of ${topic} at the same log end offset and high watermark`,
      intervalMs: 100,
      ...(context === undefined ? {} : { context }),
    },
  );
  expect(settled[0]!.logEndOffset).toBe(settled[0]!.highWatermark);
}
