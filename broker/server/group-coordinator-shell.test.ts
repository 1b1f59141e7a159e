// GroupCoordinatorShell with a real ReplicaManager and LogManager in a temp dir: commits land in
// `__consumer_offsets-<p>` and survive a coordinator restart (the partition is loaded from the log when
// this broker becomes its leader); COORDINATOR_LOAD_IN_PROGRESS while loading, NOT_COORDINATOR after
// resigning or when the append finds the partition led elsewhere; the session timer expires a silent member.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { encodeSubscription } from '../group/consumer-protocol.ts';
import type { GroupResponse } from '../group/group-coordinator.ts';
import { GROUP_METADATA_TOPIC_NAME } from '../group/group-metadata-records.ts';
import { partitionFor } from '../group/partition-for.ts';
import type { GroupJournalEvent } from '../group/journal.ts';
import { DEFAULT_LOG_CONFIG } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import { removeDir, tempDir } from '../log/log-test-support.ts';
import { GroupCoordinatorShell } from './group-coordinator-shell.ts';
import { ReplicaManager } from './replica-manager.ts';

const BROKER_ID = 1;
const PARTITIONS = 4;
const GROUP = 'billing';
const OFFSETS_PARTITION = partitionFor(GROUP, PARTITIONS);
const silent = pino({ level: 'silent' });

type Body<A extends GroupResponse['api']> = Extract<GroupResponse, { api: A }>['body'];

function leaderAndIsr(leader: number, leaderEpoch: number): RequestBody<4> {
  return {
    controllerId: 1,
    controllerEpoch: 1,
    brokerEpoch: -1n,
    topicStates: [
      {
        topicName: GROUP_METADATA_TOPIC_NAME,
        partitionStates: Array.from({ length: PARTITIONS }, (_, partitionIndex) => ({
          partitionIndex,
          controllerEpoch: 1,
          leader,
          leaderEpoch,
          isr: [leader],
          zkVersion: leaderEpoch,
          replicas: [BROKER_ID, 2],
          addingReplicas: [],
          removingReplicas: [],
          isNew: false,
        })),
      },
    ],
    liveLeaders: [],
  } as unknown as RequestBody<4>;
}

interface Broker {
  logManager: LogManager;
  replicaManager: ReplicaManager;
  shell: GroupCoordinatorShell;
  events: GroupJournalEvent[];
  listeners: Set<() => void>;
}

/** Resolves with the first journal event of `type` (already seen or still to come); rejects at the deadline. */
function journalEvent(
  broker: Broker,
  type: GroupJournalEvent['type'],
  deadlineMs: number,
): Promise<GroupJournalEvent> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const found = broker.events.find((event) => event.type === type);
      if (found === undefined) return;
      clearTimeout(timer);
      broker.listeners.delete(check);
      resolve(found);
    };
    const timer = setTimeout(() => {
      broker.listeners.delete(check);
      reject(new Error(`no ${type} event within ${deadlineMs} ms`));
    }, deadlineMs);
    broker.listeners.add(check);
    check();
  });
}

describe('GroupCoordinatorShell', () => {
  const dirs: string[] = [];
  const running: Broker[] = [];

  afterEach(async () => {
    for (const broker of [...running]) await stop(broker);
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  function start(dir: string, config: { groupMinSessionTimeoutMs?: number } = {}): Broker {
    const logManager = LogManager.startup({ logDirs: [dir], defaultConfig: DEFAULT_LOG_CONFIG });
    const replicaManager = new ReplicaManager({
      brokerId: BROKER_ID,
      logManager,
      log: silent,
      minInsyncReplicas: () => 1,
    });
    const events: GroupJournalEvent[] = [];
    const listeners = new Set<() => void>();
    const shell = new GroupCoordinatorShell({
      brokerId: BROKER_ID,
      config: {
        offsetsTopicNumPartitions: PARTITIONS,
        offsetsCommitTimeoutMs: 5_000,
        groupInitialRebalanceDelayMs: 0,
        ...config,
      },
      replicaManager,
      log: silent,
      onJournal: (batch) => {
        events.push(...batch);
        for (const listener of [...listeners]) listener();
      },
    });
    const broker = { logManager, replicaManager, shell, events, listeners };
    running.push(broker);
    return broker;
  }

  async function stop(broker: Broker): Promise<void> {
    running.splice(running.indexOf(broker), 1);
    broker.shell.shutdown();
    broker.replicaManager.shutdown();
    await broker.logManager.shutdown();
  }

  function becomeLeader(broker: Broker, leaderEpoch = 1): void {
    broker.replicaManager.becomeLeaderOrFollower(leaderAndIsr(BROKER_ID, leaderEpoch));
    broker.shell.onLeadershipChange();
  }

  async function commit(broker: Broker, offset: bigint): Promise<Body<'OffsetCommit'>> {
    const response = await broker.shell.submit((token, nowMs) =>
      broker.shell.core.offsetCommit(
        token,
        2,
        {
          groupId: GROUP,
          generationId: -1,
          memberId: '',
          retentionTimeMs: -1n,
          topics: [
            {
              name: 'orders',
              partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: 'm' }],
            },
          ],
        },
        nowMs,
      ),
    );
    return response.body as Body<'OffsetCommit'>;
  }

  async function fetchOffset(broker: Broker): Promise<{ offset: bigint; errorCode: number }> {
    const response = await broker.shell.submit((token, nowMs) =>
      broker.shell.core.offsetFetch(
        token,
        1,
        { groupId: GROUP, topics: [{ name: 'orders', partitionIndexes: [0] }] },
        nowMs,
      ),
    );
    const [partition] = (response.body as Body<'OffsetFetch'>).topics[0].partitions;
    return { offset: partition.committedOffset, errorCode: partition.errorCode };
  }

  it('loads the offsets partition on election and keeps committed offsets across a restart', async () => {
    const dir = tempDir('kzlab-group-shell-');
    dirs.push(dir);
    const first = start(dir);
    becomeLeader(first);
    // Until the log is read the group's partition answers COORDINATOR_LOAD_IN_PROGRESS.
    expect((await fetchOffset(first)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await first.shell.whenLoaded();
    expect(first.shell.ownedPartitions).toEqual([0, 1, 2, 3]);

    expect((await commit(first, 42n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    expect((await commit(first, 57n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);
    const log = first.replicaManager.partition(GROUP_METADATA_TOPIC_NAME, OFFSETS_PARTITION)!.log;
    expect(log.logEndOffset).toBe(2n); // one offset record per commit, in the group's partition
    expect(await fetchOffset(first)).toEqual({ offset: 57n, errorCode: ErrorCode.NONE });

    await stop(first);

    const second = start(dir);
    expect((await fetchOffset(second)).errorCode).toBe(ErrorCode.NOT_COORDINATOR); // not leading yet
    becomeLeader(second, 2);
    await second.shell.whenLoaded();
    expect(await fetchOffset(second)).toEqual({ offset: 57n, errorCode: ErrorCode.NONE });
    const loaded = second.events.find(
      (event) => event.type === 'partition-loaded' && event.partition === OFFSETS_PARTITION,
    );
    expect(loaded).toMatchObject({ groups: [GROUP], offsets: 1 });
  });

  it('unloads on resignation and answers NOT_COORDINATOR when the append finds another leader', async () => {
    const dir = tempDir('kzlab-group-shell-');
    dirs.push(dir);
    const broker = start(dir);
    becomeLeader(broker);
    await broker.shell.whenLoaded();
    expect((await commit(broker, 1n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NONE);

    // The ReplicaManager follows broker 2 now, but the coordinator has not heard yet: the append fails.
    broker.replicaManager.becomeLeaderOrFollower(leaderAndIsr(2, 2));
    expect((await commit(broker, 2n)).topics[0].partitions[0].errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await fetchOffset(broker)).toEqual({ offset: 1n, errorCode: ErrorCode.NONE });

    broker.shell.onLeadershipChange();
    expect(broker.shell.ownedPartitions).toEqual([]);
    expect((await fetchOffset(broker)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(broker.events.filter((event) => event.type === 'partition-unloaded')).toHaveLength(PARTITIONS);
  });

  it('expires a member that stops heartbeating when its session timeout passes', async () => {
    const dir = tempDir('kzlab-group-shell-');
    dirs.push(dir);
    const broker = start(dir, { groupMinSessionTimeoutMs: 10 });
    becomeLeader(broker);
    await broker.shell.whenLoaded();
    const core = broker.shell.core;
    const metadata = encodeSubscription({ topics: ['orders'] });
    const joined = (
      await broker.shell.submit((token, nowMs) =>
        core.joinGroup(
          token,
          1,
          {
            groupId: GROUP,
            sessionTimeoutMs: 100,
            rebalanceTimeoutMs: 100,
            memberId: '',
            protocolType: 'consumer',
            protocols: [{ name: 'range', metadata }],
          },
          { clientId: 'c', clientHost: '/127.0.0.1' },
          nowMs,
        ),
      )
    ).body as Body<'JoinGroup'>;
    expect(joined.errorCode).toBe(ErrorCode.NONE);
    const synced = (
      await broker.shell.submit((token, nowMs) =>
        core.syncGroup(
          token,
          0,
          {
            groupId: GROUP,
            generationId: joined.generationId,
            memberId: joined.memberId,
            assignments: [{ memberId: joined.memberId, assignment: new Uint8Array([1, 2, 3]) }],
          },
          nowMs,
        ),
      )
    ).body as Body<'SyncGroup'>;
    expect(synced).toMatchObject({ errorCode: ErrorCode.NONE, assignment: new Uint8Array([1, 2, 3]) });
    expect(core.describeGroup(GROUP)?.state).toBe('Stable');

    // No heartbeat: the shell's timer fires the expiry, nobody else calls into the core.
    const startedMs = Date.now();
    expect(await journalEvent(broker, 'member-expired', 5_000)).toMatchObject({ memberId: joined.memberId });
    expect(Date.now() - startedMs).toBeGreaterThanOrEqual(50);
    expect(core.describeGroup(GROUP)?.state).toBe('Empty');
  });
});
