// Consumer-group failover on three kzlab broker processes with replication (kafka-zk-era.md §6.5–§6.6):
// `__consumer_offsets` has RF 3, the work topic has 6 partitions with RF 3 (min.insync.replicas 2), and
// three members of one group share it — kzlab's Consumer in a child process, kzlab's Consumer in this
// process and a kafkajs consumer, all announcing kafkajs's protocol name "RoundRobinAssigner" (ours with
// its roundrobin assignor under that name). Every member commits after processing (at-least-once).
//   1. kill -9 of the child-process member: the coordinator expires it after the session timeout and its
//      partitions move to the other two.
//   2. kill -9 of the coordinator broker (the leader of the group's `__consumer_offsets` partition): the
//      controller elects a new leader from the ISR, that broker loads the partition, FindCoordinator
//      names it, and the group carries on with its committed offsets intact.
// Throughout: a record below an offset the group had committed (acknowledged) is never delivered again,
// every acknowledged record is delivered, and the committed offsets sampled from the coordinator never
// go back. Measured times are printed (`group failover results {...}`).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

import { Kafka, logLevel, type Consumer as KafkajsConsumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer, stringDeserializer } from '../../client/index.ts';
import { roundRobinAssignor } from '../../client/consumer/assignors/index.ts';
import { ApiKey, ErrorCode, type RequestInput } from '../../client/protocol/index.ts';
import { kafkaRequest, repoNode, waitReady } from '../conformance/kafka/broker-harness.ts';
import { waitFor, withDeadline } from '../support/process.ts';
import { repoRoot } from '../support/zookeeper-servers.ts';
import { startReplicationCluster, type ReplicationCluster } from './replication-support.ts';

const GROUP = 'failover-workers';
const TOPIC = 'failover-work';
const PARTITIONS = 6;
const OFFSETS_PARTITIONS = 10;
const SESSION_TIMEOUT_MS = 6_000;
/** kafkajs's round-robin protocol name: every member must offer one protocol all of them know. */
const PROTOCOL = 'RoundRobinAssigner';
const MEMBER_SCRIPT = join(repoRoot, 'test', 'multiproc', 'group-member-process.ts');

/** Java's String.hashCode, as Kafka's partitionFor(groupId) uses it. */
function javaHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(hash, 31) + text.charCodeAt(i)) | 0;
  return hash;
}

interface Delivery {
  member: string;
  partition: number;
  offset: number;
  value: string;
}

describe('consumer-group failover with __consumer_offsets RF 3', () => {
  let cluster: ReplicationCluster;
  let admin: Admin;
  let child: ChildProcess | undefined;
  let ours: Consumer<Uint8Array | null, string | null> | undefined;
  let oursLoop: Promise<void> | undefined;
  let theirs: KafkajsConsumer | undefined;
  let theirsAssigned: number[] = [];
  let stopping = false;
  let producing: Promise<void> | undefined;
  let monitoring: Promise<void> | undefined;

  const deliveries: Delivery[] = [];
  /** Per partition: the highest offset a member had committed, as acknowledged by the coordinator. */
  const committedWatermark = new Array<number>(PARTITIONS).fill(0);
  /** Deliveries of a record below the group's acknowledged committed offset (read twice after a commit). */
  const readAfterCommit: string[] = [];
  /** Committed offsets sampled from the coordinator that were lower than an earlier sample. */
  const wentBack: string[] = [];
  const sampledMax = new Array<number>(PARTITIONS).fill(-1);
  const acked: string[] = [];
  const results: Record<string, unknown> = {};
  const startedAtMs = Date.now();
  /** Our in-process consumer's trace events (not fetches), for failure messages. */
  const trace: string[] = [];
  /** The last error each client saw, for failure messages. */
  const lastErrors: Record<string, string> = {};
  const noteError = (who: string, error: unknown): void => {
    lastErrors[who] = `${new Date().toISOString()} ${error instanceof Error ? error.message : String(error)}`;
  };

  function deliver(member: string, partition: number, offset: number, value: string): void {
    deliveries.push({ member, partition, offset, value });
    if (offset < committedWatermark[partition])
      readAfterCommit.push(
        `${member} read ${partition}@${offset} after ${committedWatermark[partition]} was committed`,
      );
  }

  function committed(partition: number, offset: number): void {
    committedWatermark[partition] = Math.max(committedWatermark[partition], offset);
  }

  const logs = (): string =>
    [
      `acked ${acked.length}, delivered ${deliveries.length}, ours assigned ${JSON.stringify(ours?.assignment() ?? [])}, kafkajs assigned ${JSON.stringify(theirsAssigned)}`,
      `last errors ${JSON.stringify(lastErrors)}`,
      ...cluster.brokers.map((b) => `--- broker ${b.id}\n${b.logTail(15)}`),
    ].join('\n');
  const delivered = (): Set<string> => new Set(deliveries.map((d) => d.value));
  const missing = (): string[] => {
    const seen = delivered();
    return acked.filter((value) => !seen.has(value));
  };

  beforeAll(async () => {
    cluster = await startReplicationCluster('/group-failover', {
      'offsets.topic.replication.factor': 3,
      'offsets.topic.num.partitions': OFFSETS_PARTITIONS,
      'group.initial.rebalance.delay.ms': 0,
    });
    admin = new Admin({ brokers: cluster.bootstrap() });
    const [created] = await admin.createTopics({
      topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 3 }],
    });
    expect(created.error).toBeNull();
    await waitFor(
      async () => {
        for (let p = 0; p < PARTITIONS; p++)
          if ((await cluster.state(TOPIC, p)).isr.length !== 3) return false;
        return true;
      },
      { deadlineMs: 30_000, what: 'every partition with three replicas in sync' },
    );
  }, 90_000);

  afterAll(async () => {
    stopping = true;
    console.log(`group failover results ${JSON.stringify(results)}`);
    child?.kill('SIGKILL');
    // Every step bounded: a client that hangs on the way out must not hold the cluster up.
    const step = async (what: string, work: Promise<unknown> | undefined) => {
      const started = Date.now();
      await withDeadline(work ?? Promise.resolve(), 15_000, what).catch((error: unknown) => {
        console.log(`cleanup: ${(error as Error).message}`);
      });
      if (Date.now() - started > 5_000) console.log(`cleanup: ${what} took ${Date.now() - started} ms`);
    };
    await step('the producer loop', producing);
    await step('the monitor loop', monitoring);
    await step('our member loop', oursLoop);
    await step('our member closing', ours?.close({ timeoutMs: 3_000 }));
    await step('kafkajs disconnecting', theirs?.disconnect());
    await step('admin closing', admin?.close());
    await cluster?.close();
  });

  /** One record per partition every 50 ms, acks=all; the values acknowledged are remembered. */
  function startProducing(): Promise<void> {
    const producer = new Producer({
      brokers: cluster.bootstrap(),
      acks: -1,
      lingerMs: 0,
      retryBackoffMs: 100,
      requestTimeoutMs: 10_000,
      deliveryTimeoutMs: 60_000,
    });
    return (async () => {
      await producer.connect();
      let round = 0;
      while (!stopping) {
        const values = Array.from({ length: PARTITIONS }, (_, p) => `r${round}-p${p}`);
        try {
          await producer.send({
            topic: TOPIC,
            messages: values.map((value, partition) => ({ value, partition })),
          });
          acked.push(...values);
          round++;
        } catch (error) {
          // a leader down: the same round again (duplicates are fine, losses are what we look for)
          noteError('producer', error);
        }
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await producer.close({ timeoutMs: 5_000 });
    })();
  }

  async function findCoordinator(): Promise<number> {
    const answer = await waitFor(
      async () => {
        for (const broker of cluster.brokers) {
          if (broker.process().exitStatus() !== undefined) continue;
          const found = await kafkaRequest('127.0.0.1', broker.port, ApiKey.FindCoordinator, 0, {
            key: GROUP,
          } as RequestInput<10>).catch(() => undefined);
          if (found?.errorCode === ErrorCode.NONE) return found;
        }
        return undefined;
      },
      { deadlineMs: 30_000, what: `a coordinator for ${GROUP}`, context: logs, intervalMs: 100 },
    );
    return answer.nodeId;
  }

  /** Committed offsets straight from broker `id` (throws on any error, e.g. COORDINATOR_LOAD_IN_PROGRESS). */
  async function offsetsFrom(id: number): Promise<number[]> {
    const fetched = await kafkaRequest('127.0.0.1', cluster.broker(id).port, ApiKey.OffsetFetch, 1, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }],
    } as RequestInput<9>);
    const partitions = fetched.topics[0].partitions;
    for (const p of partitions)
      if (p.errorCode !== ErrorCode.NONE) throw new Error(`OffsetFetch error ${p.errorCode}`);
    return partitions
      .sort((a, b) => a.partitionIndex - b.partitionIndex)
      .map((p) => Number(p.committedOffset));
  }

  /** Samples the committed offsets from whoever is coordinator, every 200 ms, noting any that go back. */
  function startMonitoring(): Promise<void> {
    return (async () => {
      while (!stopping) {
        try {
          const offsets = await offsetsFrom(await findCoordinator());
          offsets.forEach((offset, p) => {
            if (offset < sampledMax[p]) wentBack.push(`partition ${p}: ${sampledMax[p]} → ${offset}`);
            sampledMax[p] = Math.max(sampledMax[p], offset);
          });
        } catch {
          // no coordinator yet, or still loading
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    })();
  }

  /** Leader, ISR, high watermark, the group's committed offset and our consumer's position, per partition. */
  async function partitionReport(): Promise<string> {
    const ends = await admin.offsetsAt(TOPIC, -1n).catch(() => []);
    const lines: string[] = [];
    for (let p = 0; p < PARTITIONS; p++) {
      const state = await cluster.state(TOPIC, p).catch(() => undefined);
      const end = ends.find((e) => e.partition === p)?.offset;
      const lastDelivered = Math.max(-1, ...deliveries.filter((d) => d.partition === p).map((d) => d.offset));
      lines.push(
        `p${p}: ${JSON.stringify(state)} end ${end} committed ${committedWatermark[p]} delivered up to ${lastDelivered} ours@${ours?.position({ topic: TOPIC, partition: p }) ?? '-'}`,
      );
    }
    return lines.join('\n');
  }

  async function groupMembers(): Promise<{ state: string; clients: string[] }> {
    const [group] = await admin.describeGroups([GROUP]);
    return { state: group.state, clients: group.members.map((m) => m.clientId).sort() };
  }

  function startChildMember(): ChildProcess {
    const process_ = spawn(
      repoNode,
      [
        MEMBER_SCRIPT,
        cluster.bootstrap().join(','),
        GROUP,
        TOPIC,
        'member-process',
        String(SESSION_TIMEOUT_MS),
        PROTOCOL,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let buffered = '';
    process_.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line === '') continue;
        const event = JSON.parse(line) as {
          delivered?: [number, number, string];
          committed?: [number, number];
        };
        if (event.delivered) deliver('member-process', ...event.delivered);
        if (event.committed) committed(...event.committed);
      }
    });
    process_.stderr!.resume();
    return process_;
  }

  function startOurMember(): Promise<void> {
    const consumer = new Consumer({
      brokers: cluster.bootstrap(),
      clientId: 'member-kzlab',
      groupId: GROUP,
      assignors: [{ ...roundRobinAssignor, name: PROTOCOL }],
      autoCommit: false,
      autoOffsetReset: 'earliest',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      valueDeserializer: stringDeserializer,
      onEvent: (event) => {
        if (event.type === 'fetch' || (event.type === 'heartbeat' && event.error === null)) return;
        trace.push(
          `${Date.now() - startedAtMs} ${JSON.stringify(event, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`,
        );
      },
    });
    ours = consumer;
    return (async () => {
      await consumer.connect();
      consumer.subscribe({ topics: [TOPIC] });
      while (!stopping) {
        try {
          const records = await consumer.poll(200);
          const next = new Map<number, bigint>();
          for (const record of records) {
            deliver('member-kzlab', record.partition, Number(record.offset), record.value ?? '');
            next.set(record.partition, record.offset + 1n);
          }
          if (next.size === 0) continue;
          const offsets = [...next].map(([partition, offset]) => ({ topic: TOPIC, partition, offset }));
          await consumer.commit(offsets);
          for (const { partition, offset } of offsets) committed(partition, Number(offset));
        } catch (error) {
          // a coordinator or leader down, or a rebalance: poll again
          noteError('member-kzlab', error);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
  }

  async function startKafkajsMember(): Promise<void> {
    const kafka = new Kafka({
      brokers: cluster.bootstrap(),
      clientId: 'member-kafkajs',
      logLevel: logLevel.WARN,
      logCreator:
        () =>
        ({ label, log }) => {
          trace.push(
            `${Date.now() - startedAtMs} kafkajs ${label} ${log.message} ${String(log.error ?? '')}`,
          );
        },
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    const consumer = kafka.consumer({
      groupId: GROUP,
      sessionTimeout: SESSION_TIMEOUT_MS,
      heartbeatInterval: 500,
      rebalanceTimeout: 10_000,
      maxWaitTimeInMs: 200,
      retry: { retries: 30, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    theirs = consumer;
    consumer.on(consumer.events.CRASH, (event) => noteError('member-kafkajs', event.payload.error));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      theirsAssigned = [...(event.payload.memberAssignment[TOPIC] ?? [])];
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        if (batch.messages.length === 0) return;
        for (const message of batch.messages)
          deliver('member-kafkajs', batch.partition, Number(message.offset), message.value?.toString() ?? '');
        const next = Number(batch.lastOffset()) + 1;
        await consumer.commitOffsets([{ topic: TOPIC, partition: batch.partition, offset: String(next) }]);
        committed(batch.partition, next);
      },
    });
  }

  it('three members (kzlab in a child process, kzlab, kafkajs) split six partitions; kill -9 of one moves its partitions within the session timeout', async () => {
    producing = startProducing();
    monitoring = startMonitoring();
    child = startChildMember();
    oursLoop = startOurMember();
    await startKafkajsMember();

    const stable = await waitFor(
      async () => {
        const group = await groupMembers();
        return group.state === 'Stable' && group.clients.length === 3 ? group : undefined;
      },
      { deadlineMs: 30_000, what: 'a Stable group of three members', context: logs },
    );
    expect(stable.clients).toEqual(['member-kafkajs', 'member-kzlab', 'member-process']);
    const [described] = await admin.describeGroups([GROUP]);
    expect(described.protocol).toBe(PROTOCOL);
    // Round robin over three members of six partitions: two each, every partition once.
    expect(described.members.map((m) => m.assignment.length)).toEqual([2, 2, 2]);
    expect(
      described.members.flatMap((m) => m.assignment.map((tp) => tp.partition)).sort((a, b) => a - b),
    ).toEqual([0, 1, 2, 3, 4, 5]);
    await waitFor(() => acked.length >= 120 && missing().length === 0, {
      deadlineMs: 30_000,
      what: `the first records consumed by the group (missing ${missing().slice(0, 5).join(', ')})`,
      context: logs,
    });
    // The child member has committed something, so its death tests the at-least-once hand-over.
    expect(deliveries.some((d) => d.member === 'member-process')).toBe(true);

    child.kill('SIGKILL');
    const killedAtMs = Date.now();
    await waitFor(
      () => ours!.assignment().length + theirsAssigned.length === PARTITIONS && ours!.assignment().length > 0,
      {
        deadlineMs: SESSION_TIMEOUT_MS + 15_000,
        what: 'the two remaining members to own all six partitions',
        context: logs,
      },
    );
    const movedAfterMs = Date.now() - killedAtMs;
    results.memberKillRebalanceMs = movedAfterMs;
    // No LeaveGroup from a kill -9: the session has to expire first.
    expect(movedAfterMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 1_000);
    expect(movedAfterMs).toBeLessThan(SESSION_TIMEOUT_MS + 10_000);
    expect((await groupMembers()).clients).toEqual(['member-kafkajs', 'member-kzlab']);

    const target = acked.length + 60;
    await waitFor(() => acked.length >= target && missing().length === 0, {
      deadlineMs: 30_000,
      what: `every record consumed after the member died (missing ${missing().slice(0, 5).join(', ')})`,
      context: logs,
    });
    expect(readAfterCommit).toEqual([]);
    expect(wentBack).toEqual([]);
  }, 120_000);

  it('kill -9 of the coordinator broker: the new leader of the offsets partition loads it and the group carries on', async () => {
    const coordinator = await findCoordinator();
    // The coordinator is the leader of __consumer_offsets partition abs(hashCode(group)) % partitions.
    const offsetsPartition = Math.abs(javaHashCode(GROUP)) % OFFSETS_PARTITIONS;
    const offsetsState = await cluster.state('__consumer_offsets', offsetsPartition);
    expect(offsetsState.leader).toBe(coordinator);
    expect(offsetsState.isr).toHaveLength(3);
    const controller = (await cluster.controller()).id;
    results.coordinatorWasController = controller === coordinator;
    const before = await offsetsFrom(coordinator);
    expect(before.every((offset) => offset > 0)).toBe(true);

    await cluster.broker(coordinator).kill9();
    const killedAtMs = Date.now();
    trace.push(`${killedAtMs - startedAtMs} killed broker ${coordinator}`);

    // A new leader from the ISR with a higher epoch answers FindCoordinator, with the group loaded.
    const reloaded = await waitFor(
      async () => {
        const id = await findCoordinator();
        if (id === coordinator) return undefined;
        return { id, offsets: await offsetsFrom(id) };
      },
      {
        deadlineMs: SESSION_TIMEOUT_MS + 25_000,
        what: 'a new coordinator with the group loaded',
        context: logs,
      },
    );
    results.coordinatorFailoverMs = Date.now() - killedAtMs;
    const moved = await cluster.state('__consumer_offsets', offsetsPartition);
    expect(moved.leader).toBe(reloaded.id);
    expect(moved.leaderEpoch).toBeGreaterThan(offsetsState.leaderEpoch);
    for (let p = 0; p < PARTITIONS; p++) expect(reloaded.offsets[p]).toBeGreaterThanOrEqual(before[p]);

    // The group is Stable again with both members, and goes on consuming.
    await waitFor(
      async () => {
        const group = await groupMembers();
        return group.state === 'Stable' && group.clients.join() === 'member-kafkajs,member-kzlab';
      },
      { deadlineMs: 30_000, what: 'the group Stable again on the new coordinator', context: logs },
    );
    const target = acked.length + 120;
    await waitFor(() => acked.length >= target, {
      deadlineMs: 60_000,
      what: `the producer to go on after the failover (${acked.length} of ${target} acknowledged)`,
      context: logs,
    });
    results.producerResumedMs = Date.now() - killedAtMs;
    await waitFor(() => missing().length === 0, {
      deadlineMs: 60_000,
      what: `every record consumed after the failover (missing ${missing().slice(0, 5).join(', ')})`,
      context: logs,
    }).catch(async (error: unknown) => {
      throw new Error(
        `${(error as Error).message}\n--- partitions ---\n${await partitionReport()}\n--- our consumer ---\n${trace.slice(-80).join('\n')}`,
      );
    });
    results.groupResumedMs = Date.now() - killedAtMs;
    // Consumed is not yet committed: the members commit on their own schedule, so wait for it.
    const after = await waitFor(
      async () => {
        const offsets = await offsetsFrom(reloaded.id);
        return offsets.every((offset, p) => offset > before[p]) ? offsets : undefined;
      },
      { deadlineMs: 30_000, what: 'commits past the offsets from before the kill', context: logs },
    );
    expect(after).toHaveLength(PARTITIONS);

    stopping = true;
    await producing;
    await monitoring;
    results.acked = acked.length;
    results.deliveries = deliveries.length;
    results.duplicates = deliveries.length - delivered().size;
    results.samplesWentBack = wentBack.length;
    expect(readAfterCommit).toEqual([]);
    expect(wentBack).toEqual([]);
    expect(missing()).toEqual([]);

    // Bring the broker back for the cleanup's sake (and check it rejoins).
    await cluster.broker(coordinator).start();
    await waitReady(cluster.broker(coordinator), { readyDeadlineMs: 2 * SESSION_TIMEOUT_MS + 20_000 });
  }, 180_000);
});
