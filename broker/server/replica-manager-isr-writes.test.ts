// The leader's ISR write is a promise (the ZooKeeper round trip happens while fetches go on). Two rules
// the replication simulation found missing (deploy/sim/replication, --isr-writes):
//  * while the write is pending, the HW counts the old and the proposed ISR alike — ZooKeeper may already
//    list a joiner as in sync, and the controller may elect it;
//  * a write that failed without an answer may have been applied: the proposed ISR keeps counting and the
//    isr-expiration task retries the same write.
// Real ReplicaManager, real logs in a temp dir, injected clock, an IsrUpdater the test answers by hand.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import type { RequestBody } from '../../client/protocol/index.ts';
import { DEFAULT_LOG_CONFIG } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import { producerBatch, removeDir, tempDir } from '../log/log-test-support.ts';
import { ReplicaManager, type IsrUpdate } from './replica-manager.ts';

const TOPIC = 't';

function leaderAndIsr(isr: number[]): RequestBody<4> {
  return {
    controllerId: 2,
    controllerEpoch: 1,
    brokerEpoch: -1n,
    topicStates: [
      {
        topicName: TOPIC,
        partitionStates: [
          {
            partitionIndex: 0,
            controllerEpoch: 1,
            leader: 1,
            leaderEpoch: 0,
            isr,
            zkVersion: 0,
            replicas: [1, 2, 3],
            addingReplicas: [],
            removingReplicas: [],
            isNew: true,
          },
        ],
      },
    ],
    liveLeaders: [],
  } as unknown as RequestBody<4>;
}

function produce(count: number): RequestBody<0> {
  return {
    transactionalId: null,
    acks: 1,
    timeoutMs: 5_000,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: producerBatch({ count }) }] }],
  } as unknown as RequestBody<0>;
}

interface Call {
  update: IsrUpdate;
  resolve: (version: number | undefined) => void;
  reject: (error: Error) => void;
}

describe('ReplicaManager: a pending ISR write', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const done of cleanup.splice(0)) await done();
  });

  /**
   * Leader 1 with ISR [1,3]; follower 3 has everything (HW 4, LEO 6); follower 2, outside the ISR and
   * never caught up with the moving end, reports offset 4 = HW: the leader proposes ISR [1,3,2].
   */
  async function expandPending() {
    const dir = tempDir();
    const logs = LogManager.startup({ logDirs: [dir], defaultConfig: DEFAULT_LOG_CONFIG });
    const calls: Call[] = [];
    const rm = new ReplicaManager({
      brokerId: 1,
      logManager: logs,
      log: pino({ level: 'silent' }),
      minInsyncReplicas: () => 1,
      replicaLagTimeMaxMs: 10_000,
      now: () => 1_000_000,
      isrUpdater: (update) =>
        new Promise<number | undefined>((resolve, reject) => calls.push({ update, resolve, reject })),
    });
    cleanup.push(async () => {
      rm.shutdown();
      await logs.shutdown();
      removeDir(dir);
    });
    const fetch = (replicaId: number, fetchOffset: bigint) =>
      rm.fetch(
        [{ topic: TOPIC, partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch: -1 }],
        { replicaId, maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20 },
      );
    const hw = () => rm.partition(TOPIC, 0)!.log.highWatermark;
    const isr = () => [...rm.partition(TOPIC, 0)!.isr];

    rm.becomeLeaderOrFollower(leaderAndIsr([1, 3]));
    await rm.appendRecords(produce(4), 8);
    await fetch(3, 0n);
    await fetch(3, 4n);
    expect(hw()).toBe(4n);
    await rm.appendRecords(produce(2), 8);
    await fetch(2, 0n); // gets 0–5 while the leader's end is 6
    await fetch(2, 4n); // has the HW, not the end: may join
    expect(calls.map((c) => c.update.isr)).toEqual([[1, 3, 2]]);
    expect(isr()).toEqual([1, 3]);
    return { rm, calls, fetch, hw, isr };
  }

  it('counts the proposed ISR for the HW until ZooKeeper answers', async () => {
    const { calls, fetch, hw, isr } = await expandPending();
    await fetch(3, 6n); // over [1,3] alone the HW would be 6, past follower 2 which ZooKeeper may list
    expect(hw()).toBe(4n);
    calls[0].resolve(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(isr()).toEqual([1, 3, 2]);
    await fetch(2, 6n);
    expect(hw()).toBe(6n);
  });

  it('after a write without an answer: keeps counting it, and the isr-expiration task retries the same write', async () => {
    const { rm, calls, fetch, hw, isr } = await expandPending();
    calls[0].reject(new Error('CONNECTION_LOSS'));
    await new Promise((resolve) => setImmediate(resolve));
    await fetch(3, 6n);
    expect(hw()).toBe(4n);
    expect(isr()).toEqual([1, 3]);
    rm.maybeShrinkIsr();
    expect(calls).toHaveLength(2);
    expect(calls[1].update).toEqual(calls[0].update); // same ISR, same expected zkVersion
    calls[1].resolve(1); // the first one had gone through: the BADVERSION read-back says so
    await new Promise((resolve) => setImmediate(resolve));
    expect(isr()).toEqual([1, 3, 2]);
  });
});
