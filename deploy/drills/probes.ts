// What the drills observe and touch the lab with: deadline-bounded waits, ZooKeeper reads through
// KafkaZkClient, topics and records through our client (Producer, Consumer, Admin), and bringing a
// node back after the fault.

import { KafkaZkClient } from '../../broker/zk/kafka-zk-client.ts';
import { Admin, Consumer, Producer, type ProducerOptions } from '../../client/index.ts';
import type { ClusterHandle, ClusterInfo, ClusterStatus } from '../cluster/handle.ts';
import { isServingMode } from '../cluster/srvr.ts';

/** A wait that ran out of time; the drill reports it as a failed check. */
export class DrillTimeoutError extends Error {}

/** Polls `probe` every `intervalMs` until it gives a value other than undefined, or throws after `deadlineMs`. */
export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  deadlineMs: number,
  intervalMs = 100,
): Promise<{ value: T; afterMs: number }> {
  const start = performance.now();
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined) return { value, afterMs: Math.round(performance.now() - start) };
    } catch (error) {
      lastError = error;
    }
    if (performance.now() - start > deadlineMs) {
      const why = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new DrillTimeoutError(`no ${what} within ${deadlineMs} ms${why}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Rejects with DrillTimeoutError if `promise` has not settled after `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DrillTimeoutError(`${what}: no answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function zookeeperNodes(info: ClusterInfo): string[] {
  return info.nodes.filter((node) => node.kind === 'zookeeper').map((node) => node.name);
}

export function brokerNodes(info: ClusterInfo): { name: string; id: number }[] {
  return info.nodes
    .filter((node) => node.kind === 'broker')
    .map((node) => ({ name: node.name, id: node.sid }));
}

export function brokerName(info: ClusterInfo, id: number): string {
  const node = info.nodes.find((candidate) => candidate.kind === 'broker' && candidate.sid === id);
  if (node === undefined) throw new Error(`no broker with id ${id} in this lab`);
  return node.name;
}

/** The ZooKeeper leader when exactly one server leads and at least a quorum of `among` serves. */
export function servingLeader(status: ClusterStatus, among: readonly string[]): string | undefined {
  const nodes = status.nodes.filter((node) => among.includes(node.name));
  const leaders = nodes.filter((node) => node.mode === 'leader' || node.mode === 'standalone');
  const serving = nodes.filter((node) => isServingMode(node.mode));
  return leaders.length === 1 && serving.length > among.length / 2 ? leaders[0]!.name : undefined;
}

/** Restarts every node in `names` whose process is not running, and waits until each serves again. */
export async function bringBack(lab: ClusterHandle, names: readonly string[]): Promise<void> {
  const info = await lab.info();
  for (const name of names) {
    const node = info.nodes.find((candidate) => candidate.name === name);
    if (node === undefined) continue;
    if (node.process === 'paused') await lab.resume(name);
    else if (node.process !== 'running' && node.process !== 'starting') await lab.restart(name);
  }
}

export async function connectZk(info: ClusterInfo): Promise<KafkaZkClient> {
  return KafkaZkClient.connect(info.connect, { sessionTimeoutMs: 10_000, connectionTimeoutMs: 15_000 });
}

export interface PartitionState {
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly isr: number[];
}

/** Leader, leader epoch and ISR from the partition's state znode (the leader writes ISR changes there). */
export async function partitionState(
  kz: KafkaZkClient,
  topic: string,
  partition = 0,
): Promise<PartitionState> {
  const states = await kz.getTopicPartitionStates([{ topic, partition }]);
  const read = states.get(`${topic}-${partition}`);
  if (read === undefined) throw new Error(`no state znode for ${topic}-${partition}`);
  const { leader, leaderEpoch, isr } = read.leaderAndIsr;
  return { leader, leaderEpoch, isr: [...isr].sort((a, b) => a - b) };
}

export function waitPartition(
  kz: KafkaZkClient,
  topic: string,
  what: string,
  predicate: (state: PartitionState) => boolean,
  deadlineMs = 30_000,
): Promise<{ value: PartitionState; afterMs: number }> {
  return waitUntil(
    `${topic}-0 with ${what}`,
    async () => {
      const state = await partitionState(kz, topic);
      return predicate(state) ? state : undefined;
    },
    deadlineMs,
  );
}

/** A topic name no earlier run used: drills share a lab. */
export function drillTopic(drill: string): string {
  return `drill-${drill}-${Date.now().toString(36)}`;
}

/** Creates a topic and waits until every partition has a leader. */
export async function createTopic(
  info: ClusterInfo,
  name: string,
  options: { partitions?: number; replicaAssignment?: number[][]; configs?: Record<string, string> },
): Promise<void> {
  const admin = new Admin({ brokers: info.bootstrap, clientId: 'kzlab-drill', retries: 5 });
  try {
    await admin.connect();
    const [result] = await admin.createTopics({
      topics: [
        {
          name,
          ...(options.replicaAssignment === undefined
            ? { numPartitions: options.partitions ?? 1 }
            : { replicaAssignment: options.replicaAssignment }),
          configs: options.configs ?? {},
        },
      ],
      timeoutMs: 20_000,
    });
    if (result?.error !== null && result?.error !== undefined)
      throw new Error(`creating topic ${name}: ${result.error} ${result.errorMessage ?? ''}`);
  } finally {
    await admin.close();
  }
}

export function drillProducer(info: ClusterInfo, options: Partial<ProducerOptions> = {}): Producer {
  return new Producer({
    brokers: info.bootstrap,
    clientId: 'kzlab-drill',
    lingerMs: 0,
    retryBackoffMs: 100,
    requestTimeoutMs: 5_000,
    deliveryTimeoutMs: 30_000,
    metadataMaxAgeMs: 1_000,
    ...options,
  });
}

/** Sends `values` (as strings, no key) in one send; resolves with the values once acknowledged. */
export async function sendValues(
  producer: Producer,
  topic: string,
  values: readonly number[],
): Promise<number[]> {
  await producer.send({
    topic,
    messages: values.map((value) => ({ key: null, value: String(value), partition: 0 })),
  });
  return [...values];
}

/** Reads partition 0 of `topic` from the beginning up to its high watermark; the values as numbers. */
export async function readAll(info: ClusterInfo, topic: string, deadlineMs = 20_000): Promise<number[]> {
  const admin = new Admin({ brokers: info.bootstrap, clientId: 'kzlab-drill', retries: 5 });
  let latest: bigint;
  try {
    await admin.connect();
    const offsets = await admin.listOffsets(topic);
    latest = offsets.find((offset) => offset.partition === 0)?.latest ?? 0n;
  } finally {
    await admin.close();
  }
  const consumer = new Consumer<Uint8Array | null, Uint8Array | null>({
    brokers: info.bootstrap,
    clientId: 'kzlab-drill',
    groupId: null,
    metadataMaxAgeMs: 1_000,
  });
  const values: number[] = [];
  const decoder = new TextDecoder();
  try {
    await consumer.connect();
    const tp = { topic, partition: 0 };
    consumer.assign([tp]);
    consumer.seekToBeginning([tp]);
    const start = performance.now();
    while ((consumer.position(tp) ?? 0n) < latest) {
      if (performance.now() - start > deadlineMs)
        throw new DrillTimeoutError(
          `reading ${topic}: at ${consumer.position(tp)} of ${latest} after ${deadlineMs} ms`,
        );
      for (const record of await consumer.poll(500)) {
        if (record.value !== null) values.push(Number(decoder.decode(record.value)));
      }
    }
  } finally {
    await consumer.close({ timeoutMs: 2_000 });
  }
  return values;
}

/** Acknowledged values missing from what was read. */
export function lostValues(acked: readonly number[], read: readonly number[]): number[] {
  const seen = new Set(read);
  return acked.filter((value) => !seen.has(value));
}

/** An error's message (or the thrown value as text), for a drill's failures. */
export function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** A short name for an error: ZooKeeper's KeeperException code, a Kafka error name, or a kzlab code. */
export function errorName(error: unknown): string {
  if (
    error !== null &&
    typeof error === 'object' &&
    'keeperCode' in error &&
    typeof error.keeperCode === 'string'
  )
    return error.keeperCode;
  if (error !== null && typeof error === 'object' && 'code' in error && typeof error.code === 'string')
    return error.code;
  return error instanceof Error ? error.name : String(error);
}
