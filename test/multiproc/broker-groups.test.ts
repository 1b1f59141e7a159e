// A consumer group across three kzlab broker processes (kafka-zk-era.md §6.6): three members — two of
// kzlab's Consumer in this process and one `kcat -G` process, all offering the `range` assignor — share a
// 6-partition topic. kill -9 of the kcat process: the coordinator expires it after the session timeout and
// its partitions move to the other two, which resume from the last committed offsets (at-least-once:
// nothing after the last commit is skipped). Then the coordinator broker itself is killed and restarted:
// it loads `__consumer_offsets` again and the group carries on, its committed offsets never going back.
// __consumer_offsets has RF 1 here (replication is built separately): a restart, not a failover.
import { spawn, type ChildProcess } from 'node:child_process';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer, stringDeserializer } from '../../client/index.ts';
import { ApiKey, ErrorCode, type RequestInput } from '../../client/protocol/index.ts';
import {
  KCAT,
  kafkaRequest,
  kcatAvailable,
  metadata,
  startBroker,
  waitReady,
  type BrokerProcess,
} from '../conformance/kafka/broker-harness.ts';
import { skipUnlessAvailable } from '../support/ci.ts';
import { waitFor } from '../support/process.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

const GROUP = 'workers';
const TOPIC = 'work';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 6_000;

interface Member {
  readonly name: string;
  readonly consumer: Consumer<Uint8Array | null, string | null>;
  readonly loop: Promise<void>;
}

describe.skipIf(skipUnlessAvailable(kcatAvailable()))('a consumer group on three broker processes', () => {
  let zk: ZooKeeperServer;
  let brokers: BrokerProcess[] = [];
  let admin: Admin;
  let kcatProcess: ChildProcess | undefined;
  let kcatOutput = '';
  const members: Member[] = [];
  let stopping = false;
  /** Every value consumed by anyone (duplicates allowed: at-least-once). */
  const consumed = new Set<string>();
  const produced: string[] = [];

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    const connect = `${zk.connectString}/groups-cluster`;
    brokers = await Promise.all(
      [1, 2, 3].map((id) =>
        startBroker({
          id,
          zookeeperConnect: connect,
          properties: {
            'group.initial.rebalance.delay.ms': 0,
            'auto.leader.rebalance.enable': false,
          },
        }),
      ),
    );
    await waitFor(
      async () => {
        for (const b of brokers) if ((await metadata(b.port, [])).brokers.length !== 3) return false;
        return true;
      },
      { deadlineMs: 20_000, what: 'every broker to list three brokers' },
    );
    admin = new Admin({ brokers: brokers.map((b) => b.bootstrap) });
    const [created] = await admin.createTopics({
      topics: [{ name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1 }],
    });
    expect(created.error).toBeNull();
  });

  afterAll(async () => {
    stopping = true;
    kcatProcess?.kill('SIGKILL');
    await Promise.all(members.map((m) => m.loop.catch(() => undefined)));
    await Promise.all(members.map((m) => m.consumer.close({ timeoutMs: 3_000 }).catch(() => undefined)));
    await admin?.close().catch(() => undefined);
    await Promise.all(brokers.map((b) => b.destroy()));
    await zk?.stop();
  });

  const logs = (): string => brokers.map((b) => `--- broker ${b.id}\n${b.logTail(15)}`).join('\n');

  async function produce(prefix: string, perPartition: number): Promise<void> {
    const producer = new Producer({ brokers: brokers.map((b) => b.bootstrap) });
    await producer.connect();
    try {
      for (let partition = 0; partition < PARTITIONS; partition++) {
        const values = Array.from({ length: perPartition }, (_, i) => `${prefix}-p${partition}-${i}`);
        await producer.send({ topic: TOPIC, messages: values.map((value) => ({ value, partition })) });
        produced.push(...values);
      }
    } finally {
      await producer.close();
    }
  }

  function startMember(name: string): Member {
    const consumer = new Consumer({
      brokers: brokers.map((b) => b.bootstrap),
      clientId: name,
      groupId: GROUP,
      assignors: ['range'],
      autoOffsetReset: 'earliest',
      sessionTimeoutMs: SESSION_TIMEOUT_MS,
      heartbeatIntervalMs: 500,
      autoCommitIntervalMs: 300,
      valueDeserializer: stringDeserializer,
    });
    const loop = (async () => {
      await consumer.connect();
      consumer.subscribe({ topics: [TOPIC] });
      while (!stopping) {
        try {
          for (const record of await consumer.poll(200)) consumed.add(record.value ?? '');
        } catch {
          // a broker down (the restart below): poll again; the consumer finds its way back
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
    const member = { name, consumer, loop };
    members.push(member);
    return member;
  }

  function startKcat(): ChildProcess {
    const child = spawn(
      KCAT,
      [
        '-b',
        brokers.map((b) => b.bootstrap).join(','),
        '-G',
        GROUP,
        TOPIC,
        '-u',
        '-q',
        '-f',
        '%s\\n',
        '-X',
        'partition.assignment.strategy=range',
        '-X',
        `session.timeout.ms=${SESSION_TIMEOUT_MS}`,
        '-X',
        'heartbeat.interval.ms=500',
        '-X',
        'auto.commit.interval.ms=300',
        '-X',
        'auto.offset.reset=earliest',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.on('data', (chunk: Buffer) => {
      kcatOutput += chunk.toString('utf8');
      const lines = kcatOutput.split('\n');
      kcatOutput = lines.pop() ?? '';
      for (const line of lines) if (line !== '') consumed.add(line);
    });
    child.stderr!.resume();
    return child;
  }

  async function coordinatorOf(): Promise<BrokerProcess> {
    const answer = await waitFor(
      async () => {
        for (const broker of brokers) {
          const found = await kafkaRequest('127.0.0.1', broker.port, ApiKey.FindCoordinator, 0, {
            key: GROUP,
          } as RequestInput<10>).catch(() => undefined);
          if (found?.errorCode === ErrorCode.NONE) return found;
        }
        return undefined;
      },
      { deadlineMs: 20_000, what: `a coordinator for ${GROUP}`, context: logs },
    );
    return brokers.find((b) => b.id === answer.nodeId)!;
  }

  async function describe(coordinator: BrokerProcess): Promise<{ state: string; members: string[] }> {
    const described = await kafkaRequest('127.0.0.1', coordinator.port, ApiKey.DescribeGroups, 0, {
      groups: [GROUP],
    } as RequestInput<15>);
    const [group] = described.groups;
    return { state: group.groupState, members: group.members.map((m) => m.clientId).sort() };
  }

  async function committedOffsets(coordinator: BrokerProcess): Promise<bigint[]> {
    const fetched = await kafkaRequest('127.0.0.1', coordinator.port, ApiKey.OffsetFetch, 1, {
      groupId: GROUP,
      topics: [{ name: TOPIC, partitionIndexes: [...Array(PARTITIONS).keys()] }],
    } as RequestInput<9>);
    const partitions = fetched.topics[0].partitions;
    for (const p of partitions) expect(p.errorCode).toBe(ErrorCode.NONE);
    return partitions.sort((a, b) => a.partitionIndex - b.partitionIndex).map((p) => p.committedOffset);
  }

  const allConsumed = (): boolean => produced.every((value) => consumed.has(value));
  const missing = (): string[] => produced.filter((value) => !consumed.has(value)).slice(0, 10);

  it('three members split six partitions; a kill -9 moves the dead member’s partitions within the session timeout', async () => {
    await produce('first', 10);
    const a = startMember('member-a');
    const b = startMember('member-b');
    kcatProcess = startKcat();
    const coordinator = await coordinatorOf();
    await waitFor(
      async () => {
        const group = await describe(coordinator);
        return group.state === 'Stable' && group.members.length === 3 ? group : undefined;
      },
      { deadlineMs: 30_000, what: 'a Stable group of three members', context: logs },
    );
    await waitFor(allConsumed, {
      deadlineMs: 20_000,
      what: `every record of the first batch consumed (missing ${missing().join(', ')})`,
    });
    // Only the coordinator holds the group; the other brokers send members to look again.
    for (const other of brokers.filter((broker) => broker !== coordinator)) {
      const answer = await kafkaRequest('127.0.0.1', other.port, ApiKey.Heartbeat, 0, {
        groupId: GROUP,
        generationId: 1,
        memberId: 'anyone',
      } as RequestInput<12>);
      expect(answer.errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    }
    // range over three members of six partitions: two each, our two members hold four of them.
    await waitFor(() => a.consumer.assignment().length === 2 && b.consumer.assignment().length === 2, {
      deadlineMs: 10_000,
      what: 'two partitions for each of our members',
    });

    kcatProcess.kill('SIGKILL');
    const killedAtMs = Date.now();
    await produce('second', 10);
    await waitFor(() => a.consumer.assignment().length + b.consumer.assignment().length === PARTITIONS, {
      deadlineMs: SESSION_TIMEOUT_MS + 10_000,
      what: 'our two members to own all six partitions',
      context: logs,
    });
    const movedAfterMs = Date.now() - killedAtMs;
    expect(movedAfterMs).toBeGreaterThanOrEqual(SESSION_TIMEOUT_MS - 1_000); // no LeaveGroup: the session expired
    expect(movedAfterMs).toBeLessThan(SESSION_TIMEOUT_MS + 8_000);
    expect((await describe(coordinator)).members).toEqual(['member-a', 'member-b']);
    await waitFor(allConsumed, {
      deadlineMs: 20_000,
      what: `every record of both batches consumed (missing ${missing().join(', ')})`,
    });
  });

  it('the coordinator broker restarts: it loads the group again and committed offsets never go back', async () => {
    const coordinator = await coordinatorOf();
    const ends = (await admin.offsetsAt(TOPIC, -1n))
      .sort((x, y) => x.partition - y.partition)
      .map((p) => p.offset);
    // The members commit what they consumed: wait for the committed offsets to reach the ends.
    const before = await waitFor(
      async () => {
        const committed = await committedOffsets(coordinator);
        return committed.every((offset, p) => offset === ends[p]) ? committed : undefined;
      },
      { deadlineMs: 15_000, what: 'committed offsets at the log ends', context: logs },
    );

    await coordinator.kill9();
    await coordinator.start();
    await waitReady(coordinator);
    // FindCoordinator may name the broker a moment before its partition is loaded (LOAD_IN_PROGRESS): ask again.
    const after = await waitFor(async () => committedOffsets(await coordinatorOf()), {
      deadlineMs: 15_000,
      what: 'the committed offsets from the restarted coordinator',
      context: logs,
    });
    for (let p = 0; p < PARTITIONS; p++) expect(after[p]).toBeGreaterThanOrEqual(before[p]);

    await produce('third', 5);
    await waitFor(allConsumed, {
      deadlineMs: 30_000,
      what: `every record consumed after the restart (missing ${missing().join(', ')})`,
      context: logs,
    });
    const newCoordinator = await coordinatorOf();
    await waitFor(
      async () => {
        const group = await describe(newCoordinator);
        return group.state === 'Stable' && group.members.join() === 'member-a,member-b';
      },
      { deadlineMs: 20_000, what: 'the group Stable again with both members', context: logs },
    );
    const finalEnds = ends.map((end) => end + 5n);
    const wentBack: string[] = [];
    await waitFor(
      async () => {
        const committed = await committedOffsets(newCoordinator);
        committed.forEach((offset, p) => {
          if (offset < after[p]) wentBack.push(`partition ${p}: ${after[p]} → ${offset}`);
        });
        return committed.every((offset, p) => offset === finalEnds[p]);
      },
      { deadlineMs: 15_000, what: 'committed offsets at the new log ends', context: logs },
    );
    expect(wentBack).toEqual([]);
  });
});
