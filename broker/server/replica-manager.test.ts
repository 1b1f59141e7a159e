// ReplicaManager as a leader, with a real LogManager in a temp dir, an injected clock and a recorded
// IsrUpdater: controller fencing of LeaderAndIsr, the §3.3 high-watermark walk driven by follower
// fetches (each answer carrying the HW from before that fetch counted), acks=all waiting on the HW,
// NOT_ENOUGH_REPLICAS before and after append, REQUEST_TIMED_OUT, ISR shrink on the lag rule and
// expand on catch-up (written through the updater, kept on a failed version check), KIP-320 epoch
// fencing on Fetch and the OffsetsForLeaderEpoch answer.
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';

import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';
import { DEFAULT_LOG_CONFIG } from '../log/log-config.ts';
import { LogManager } from '../log/log-manager.ts';
import { producerBatch, removeDir, tempDir } from '../log/log-test-support.ts';
import { ReplicaManager, type IsrUpdate } from './replica-manager.ts';

const ME = 1;
const TOPIC = 't';
const LAG_MS = 10_000;
const silent = pino({ level: 'silent' });

function leaderAndIsr(
  options: {
    leader?: number;
    leaderEpoch?: number;
    isr?: number[];
    controllerEpoch?: number;
    zkVersion?: number;
  } = {},
): RequestBody<4> {
  const controllerEpoch = options.controllerEpoch ?? 1;
  return {
    controllerId: 2,
    controllerEpoch,
    brokerEpoch: -1n,
    topicStates: [
      {
        topicName: TOPIC,
        partitionStates: [
          {
            partitionIndex: 0,
            controllerEpoch,
            leader: options.leader ?? ME,
            leaderEpoch: options.leaderEpoch ?? 0,
            isr: options.isr ?? [1, 2, 3],
            zkVersion: options.zkVersion ?? 0,
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

function produce(acks: number, count = 2, timeoutMs = 5_000): RequestBody<0> {
  return {
    transactionalId: null,
    acks,
    timeoutMs,
    topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: producerBatch({ count }) }] }],
  } as unknown as RequestBody<0>;
}

describe('ReplicaManager as leader', () => {
  const dirs: string[] = [];
  const managers: { rm: ReplicaManager; logs: LogManager }[] = [];
  afterEach(async () => {
    for (const { rm, logs } of managers.splice(0)) {
      rm.shutdown();
      await logs.shutdown();
    }
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  function setup(options: { minIsr?: number; updater?: (u: IsrUpdate) => Promise<number | undefined> } = {}) {
    const dir = tempDir();
    dirs.push(dir);
    const logs = LogManager.startup({ logDirs: [dir], defaultConfig: DEFAULT_LOG_CONFIG });
    const clock = { now: 1_000_000 };
    const updates: IsrUpdate[] = [];
    const rm = new ReplicaManager({
      brokerId: ME,
      logManager: logs,
      log: silent,
      minInsyncReplicas: () => options.minIsr ?? 1,
      replicaLagTimeMaxMs: LAG_MS,
      now: () => clock.now,
      isrUpdater: async (update) => {
        updates.push(update);
        return options.updater ? options.updater(update) : update.zkVersion + 1;
      },
    });
    managers.push({ rm, logs });
    const followerFetch = (replicaId: number, fetchOffset: bigint, currentLeaderEpoch = -1) =>
      rm
        .fetch(
          [{ topic: TOPIC, partition: 0, fetchOffset, partitionMaxBytes: 1 << 20, currentLeaderEpoch }],
          {
            replicaId,
            maxWaitMs: 0,
            minBytes: 1,
            maxBytes: 1 << 20,
          },
        )
        .then((r) => r[0].result);
    const state = () => {
      const p = rm.partition(TOPIC, 0)!;
      return { leo: p.log.logEndOffset, hw: p.log.highWatermark, isr: [...p.isr] };
    };
    return { rm, clock, updates, followerFetch, state };
  }

  it('refuses LeaderAndIsr from an older controller or for an older leader epoch', () => {
    const { rm } = setup();
    expect(rm.becomeLeaderOrFollower(leaderAndIsr({ controllerEpoch: 3, leaderEpoch: 2 })).errorCode).toBe(
      ErrorCode.NONE,
    );
    expect(rm.becomeLeaderOrFollower(leaderAndIsr({ controllerEpoch: 2, leaderEpoch: 5 })).errorCode).toBe(
      ErrorCode.STALE_CONTROLLER_EPOCH,
    );
    const stale = rm.becomeLeaderOrFollower(leaderAndIsr({ controllerEpoch: 3, leaderEpoch: 1 }));
    expect(stale.partitions[0].errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect(rm.partition(TOPIC, 0)?.leaderEpoch).toBe(2);
  });

  it('walks the §3.3 table: HW = min LEO over the ISR, learned one fetch late; acks=all answers at step 5', async () => {
    const { rm, followerFetch, state } = setup();
    rm.becomeLeaderOrFollower(leaderAndIsr());
    // step 1: L appends offsets 0–1 (acks=all waits)
    const acked = rm.appendRecords(produce(-1), 8);
    let done = false;
    void acked.then(() => (done = true));
    expect(state()).toMatchObject({ leo: 2n, hw: 0n });
    // steps 2–3: the followers fetch from 0 and get both records, HW 0
    for (const f of [2, 3]) {
      const r = await followerFetch(f, 0n);
      expect(r.highWatermark).toBe(0n);
      expect(r.records.length).toBeGreaterThan(0);
    }
    // step 4: F1 fetches from 2 — the leader learns F1's LEO, but F2's is still 0
    expect((await followerFetch(2, 2n)).highWatermark).toBe(0n);
    expect(state().hw).toBe(0n);
    expect(done).toBe(false);
    // step 5: F2 fetches from 2 → HW 2; this answer still carries the HW read before (0); the produce is acked
    expect((await followerFetch(3, 2n)).highWatermark).toBe(0n);
    expect(state().hw).toBe(2n);
    const [response] = await acked;
    expect(response.partitionResponses[0]).toMatchObject({ errorCode: ErrorCode.NONE, baseOffset: 0n });
    // steps 6–7: the next fetches carry HW 2
    expect((await followerFetch(2, 2n)).highWatermark).toBe(2n);
    expect((await followerFetch(3, 2n)).highWatermark).toBe(2n);
  });

  it('a parked follower fetch is answered at once when the HW moves past what it was last sent', async () => {
    const { rm, followerFetch } = setup();
    rm.becomeLeaderOrFollower(leaderAndIsr({ isr: [1, 2, 3] }));
    await rm.appendRecords(produce(1), 8);
    await followerFetch(2, 0n);
    await followerFetch(3, 0n);
    await followerFetch(2, 2n); // F2 knows HW 0
    const parked = rm.fetch([{ topic: TOPIC, partition: 0, fetchOffset: 2n, partitionMaxBytes: 1 << 20 }], {
      replicaId: 2,
      maxWaitMs: 5_000,
      minBytes: 1,
      maxBytes: 1 << 20,
    });
    const started = Date.now();
    await followerFetch(3, 2n); // HW → 2
    const [result] = await parked;
    expect(result.result.highWatermark).toBe(2n);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('min.insync.replicas: NOT_ENOUGH_REPLICAS before append; REQUEST_TIMED_OUT while an ISR member lags', async () => {
    const { rm, state } = setup({ minIsr: 2 });
    rm.becomeLeaderOrFollower(leaderAndIsr({ isr: [1] }));
    const [refused] = await rm.appendRecords(produce(-1), 8);
    expect(refused.partitionResponses[0].errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS);
    expect(state().leo).toBe(0n); // nothing appended
    // acks=1 ignores min.insync.replicas
    const [one] = await rm.appendRecords(produce(1), 8);
    expect(one.partitionResponses[0].errorCode).toBe(ErrorCode.NONE);

    rm.becomeLeaderOrFollower(leaderAndIsr({ isr: [1, 2], leaderEpoch: 1 }));
    const [timedOut] = await rm.appendRecords(produce(-1, 1, 50), 8);
    expect(timedOut.partitionResponses[0].errorCode).toBe(ErrorCode.REQUEST_TIMED_OUT);
  });

  it('shrinks the ISR after replica.lag.time.max.ms; a waiting acks=all then gets NOT_ENOUGH_REPLICAS_AFTER_APPEND', async () => {
    const { rm, clock, updates, followerFetch, state } = setup({ minIsr: 2 });
    rm.becomeLeaderOrFollower(leaderAndIsr({ isr: [1, 2, 3], zkVersion: 4 }));
    await followerFetch(2, 0n);
    await followerFetch(3, 0n);
    const waiting = rm.appendRecords(produce(-1, 2, 60_000), 8);
    // F2 keeps up, F3 stops fetching.
    await followerFetch(2, 2n);
    clock.now += LAG_MS / 2;
    rm.maybeShrinkIsr();
    expect(updates).toEqual([]); // not yet: within the lag time
    clock.now += LAG_MS / 2 + 1;
    rm.maybeShrinkIsr();
    expect(updates.map((u) => [u.isr, u.leaderEpoch, u.zkVersion])).toEqual([[[1, 2], 0, 4]]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state()).toMatchObject({ isr: [1, 2], hw: 2n });
    expect(rm.partition(TOPIC, 0)?.zkVersion).toBe(5);
    const [answer] = await waiting;
    expect(answer.partitionResponses[0].errorCode).toBe(ErrorCode.NONE); // ISR of 2 = min ISR

    // F2 stops too: the ISR shrinks to the leader alone; a produce waiting then is below min ISR.
    const below = rm.appendRecords(produce(-1, 1, 60_000), 8);
    clock.now += LAG_MS + 1;
    rm.maybeShrinkIsr();
    const [after] = await below;
    expect(state().isr).toEqual([1]);
    expect(after.partitionResponses[0].errorCode).toBe(ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND);
  });

  it('expands the ISR when a follower reaches the HW and the current epoch start; keeps the ISR on a failed version check', async () => {
    let accept = false;
    const { rm, updates, followerFetch, state } = setup({
      updater: async (u) => (accept ? u.zkVersion + 1 : undefined),
    });
    rm.becomeLeaderOrFollower(leaderAndIsr({ isr: [1, 2] }));
    await rm.appendRecords(produce(1, 3), 8);
    await followerFetch(2, 3n); // HW → 3
    expect(state().hw).toBe(3n);
    await followerFetch(3, 1n); // behind: no expansion
    expect(updates).toEqual([]);
    await followerFetch(3, 3n); // caught up → expand, but the version check fails
    await new Promise((resolve) => setImmediate(resolve));
    expect(updates.map((u) => u.isr)).toEqual([[1, 2, 3]]);
    expect(state().isr).toEqual([1, 2]);
    accept = true;
    await followerFetch(3, 3n);
    await new Promise((resolve) => setImmediate(resolve));
    expect(state().isr).toEqual([1, 2, 3]);
  });

  it('fences fetches on another leader epoch (KIP-320) and answers OffsetsForLeaderEpoch from its cache', async () => {
    const { rm, followerFetch } = setup();
    rm.becomeLeaderOrFollower(leaderAndIsr({ leaderEpoch: 0 }));
    await rm.appendRecords(produce(1, 2), 8);
    rm.becomeLeaderOrFollower(leaderAndIsr({ leaderEpoch: 3 }));
    await rm.appendRecords(produce(1, 1), 8);
    expect((await followerFetch(2, 0n, 2)).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
    expect((await followerFetch(2, 0n, 4)).errorCode).toBe(ErrorCode.UNKNOWN_LEADER_EPOCH);
    expect((await followerFetch(2, 0n, 3)).errorCode).toBe(ErrorCode.NONE);
    expect((await followerFetch(9, 0n)).errorCode).toBe(ErrorCode.REPLICA_NOT_AVAILABLE);
    // epoch 0 ended where epoch 3 began (offset 2); the latest epoch ends at the log end.
    expect(rm.endOffsetForLeaderEpoch(TOPIC, 0, 0, -1)).toEqual({
      errorCode: 0,
      leaderEpoch: 0,
      endOffset: 2n,
    });
    expect(rm.endOffsetForLeaderEpoch(TOPIC, 0, 3, 3)).toEqual({
      errorCode: 0,
      leaderEpoch: 3,
      endOffset: 3n,
    });
    expect(rm.endOffsetForLeaderEpoch(TOPIC, 0, 1, -1)).toEqual({
      errorCode: 0,
      leaderEpoch: 0,
      endOffset: 2n,
    });
    expect(rm.endOffsetForLeaderEpoch(TOPIC, 0, 0, 2).errorCode).toBe(ErrorCode.FENCED_LEADER_EPOCH);
  });
});
