import { describe, expect, it } from 'vitest';

import { shapeEnsemble, type ZooKeeperObservation } from './state.ts';
import { advanceZabRates, perSecond, zabRates, type ZabRateWindow } from './zab-rates.ts';

/** zxid `epoch:counter` as the AdminServer writes it. */
const zxid = (epoch: number, counter: number): string =>
  `0x${((BigInt(epoch) << 32n) | BigInt(counter)).toString(16)}`;

interface Poll {
  readonly epoch?: number;
  readonly committed: number;
  /** Follower sid → ACKed counter (null: no ACK yet). */
  readonly acked: Readonly<Record<number, number | null>>;
  readonly leaderPid?: number;
  readonly followerPids?: Readonly<Record<number, number>>;
  /** ACKs of another epoch than the leader's (a follower still on the old one). */
  readonly ackEpoch?: number;
}

/** zk1 leads zk2 and zk3. */
function ensemble(poll: Poll): ZooKeeperObservation[] {
  const epoch = poll.epoch ?? 1;
  const server = (sid: number, state: string): ZooKeeperObservation => ({
    name: `zk${sid}`,
    sid,
    process: 'running',
    pid: sid === 1 ? (poll.leaderPid ?? 101) : (poll.followerPids?.[sid] ?? 100 + sid),
    clientPort: 2180 + sid,
    quorum: {
      myid: sid,
      state,
      zabState: 'BROADCAST',
      currentEpoch: epoch,
      acceptedEpoch: epoch,
      lastLoggedZxid: zxid(epoch, poll.committed),
      lastProcessedZxid: zxid(epoch, poll.committed),
      leader: 1,
      learners:
        state === 'LEADING'
          ? Object.entries(poll.acked).map(([sid, counter]) => ({
              sid: Number(sid),
              phase: 'UPTODATE',
              lastHeardAgoMs: 0,
              synced: true,
              ackedZxid: counter === null ? null : zxid(poll.ackEpoch ?? epoch, counter),
            }))
          : [],
    },
  });
  return [server(1, 'LEADING'), server(2, 'FOLLOWING'), server(3, 'FOLLOWING')];
}

/** The window after polls 500 ms apart, starting at t = 0. */
function run(
  polls: readonly Poll[],
  start: ZabRateWindow | null = null,
  size?: number,
): ZabRateWindow | null {
  return polls.reduce<ZabRateWindow | null>(
    (window, poll, index) => advanceZabRates(window, index * 500, ensemble(poll), size),
    start,
  );
}

describe('perSecond', () => {
  it('divides the counter increase by the time between the oldest and newest point', () => {
    expect(
      perSecond([
        { at: 1000, counter: 10 },
        { at: 1500, counter: 30 },
        { at: 2000, counter: 110 },
      ]),
    ).toBe(100);
    expect(
      perSecond([
        { at: 0, counter: 0 },
        { at: 3000, counter: 1 },
      ]),
    ).toBe(0.3);
  });

  it('is null under two points or with no time between them', () => {
    expect(perSecond([])).toBeNull();
    expect(perSecond([{ at: 0, counter: 5 }])).toBeNull();
    expect(
      perSecond([
        { at: 7, counter: 5 },
        { at: 7, counter: 9 },
      ]),
    ).toBeNull();
  });
});

describe('Zab rates', () => {
  it('are unknown after a single poll, then count commits and each follower ACKs per second', () => {
    expect(zabRates(run([{ committed: 10, acked: { 2: 10, 3: 8 } }]))).toEqual({
      leader: 'zk1',
      committedPerSecond: null,
      acksPerSecond: { zk2: null, zk3: null },
    });
    const rates = zabRates(
      run([
        { committed: 10, acked: { 2: 10, 3: 8 } },
        { committed: 60, acked: { 2: 60, 3: 8 } },
      ]),
    );
    expect(rates).toEqual({ leader: 'zk1', committedPerSecond: 100, acksPerSecond: { zk2: 100, zk3: 0 } });
  });

  it('average over the last few polls only (a burst leaves the window)', () => {
    const burst = { committed: 1000, acked: { 2: 1000, 3: 1000 } };
    const quiet = [{ committed: 0, acked: { 2: 0, 3: 0 } }, burst, burst, burst, burst, burst];
    // 5 polls kept: the last five are all at 1000, so nothing flows any more.
    expect(zabRates(run(quiet))?.committedPerSecond).toBe(0);
    // With 6 kept the burst (1000 proposals in 2.5 s) is still inside.
    expect(zabRates(run(quiet, null, 6))?.committedPerSecond).toBe(400);
  });

  it('start over on a new epoch: counters of two epochs are not subtracted', () => {
    const window = run([
      { committed: 5, acked: { 2: 5, 3: 5 } },
      { committed: 8, acked: { 2: 8, 3: 8 } },
      // More proposals than before, but of epoch 2: 40 - 5 would be a made-up rate.
      { epoch: 2, committed: 40, acked: { 2: 40, 3: 40 } },
    ]);
    expect(window?.epoch).toBe(2);
    expect(zabRates(window)).toEqual({
      leader: 'zk1',
      committedPerSecond: null,
      acksPerSecond: { zk2: null, zk3: null },
    });
  });

  it('start over when the leader process restarted, even within one epoch', () => {
    const before = run([
      { committed: 0, acked: { 2: 0, 3: 0 } },
      { committed: 40, acked: { 2: 40, 3: 40 } },
    ]);
    const after = advanceZabRates(
      before,
      1000,
      ensemble({ committed: 41, acked: { 2: 41 }, leaderPid: 999 }),
    );
    expect(zabRates(after)?.committedPerSecond).toBeNull();
    expect(zabRates(after)?.acksPerSecond).toEqual({ zk2: null });
  });

  it('start a follower over when it restarted or its counter went back, keeping the others', () => {
    const before = run([
      { committed: 0, acked: { 2: 0, 3: 0 } },
      { committed: 10, acked: { 2: 10, 3: 10 } },
    ]);
    const after = advanceZabRates(
      before,
      1000,
      ensemble({ committed: 20, acked: { 2: 20, 3: 20 }, followerPids: { 3: 777 } }),
    );
    expect(zabRates(after)?.acksPerSecond).toEqual({ zk2: 20, zk3: null });
    const wentBack = advanceZabRates(
      after,
      1500,
      ensemble({ committed: 30, acked: { 2: 5, 3: 30 }, followerPids: { 3: 777 } }),
    );
    expect(zabRates(wentBack)?.acksPerSecond).toEqual({ zk2: null, zk3: 20 });
  });

  it('leave a follower unknown while it has no ACK of this epoch', () => {
    const window = run([
      { committed: 0, acked: { 2: 0, 3: null } },
      { committed: 5, acked: { 2: 5, 3: null } },
    ]);
    expect(zabRates(window)?.acksPerSecond).toEqual({ zk2: 10, zk3: null });
    const oldEpoch = run([
      { epoch: 2, committed: 0, acked: { 2: 0 }, ackEpoch: 1 },
      { epoch: 2, committed: 5, acked: { 2: 9 }, ackEpoch: 1 },
    ]);
    expect(zabRates(oldEpoch)?.acksPerSecond).toEqual({ zk2: null });
  });

  it('are null without a leader', () => {
    const before = run([
      { committed: 0, acked: { 2: 0 } },
      { committed: 10, acked: { 2: 10 } },
    ]);
    const looking = ensemble({ committed: 10, acked: {} }).map((server) => ({
      ...server,
      quorum: { ...server.quorum!, state: 'LOOKING' },
    }));
    expect(advanceZabRates(before, 1000, looking)).toBeNull();
    expect(zabRates(null)).toBeNull();
  });

  it('show on the leader card: committed per second on the leader, ACKs per second per learner', () => {
    const observations = ensemble({ committed: 20, acked: { 2: 20, 3: 15 } });
    const rates = { leader: 'zk1', committedPerSecond: 42, acksPerSecond: { zk2: 40, zk3: null } };
    const [leader, follower] = shapeEnsemble(observations, [], rates).servers;
    expect(leader.committedPerSecond).toBe(42);
    expect(leader.learners.map(({ name, acksPerSecond }) => ({ name, acksPerSecond }))).toEqual([
      { name: 'zk2', acksPerSecond: 40 },
      { name: 'zk3', acksPerSecond: null },
    ]);
    expect(follower.committedPerSecond).toBeNull();
    // Rates of another leader (a window that tracked zk2) are not shown on zk1.
    const elsewhere = shapeEnsemble(observations, [], { ...rates, leader: 'zk2' }).servers[0];
    expect(elsewhere.committedPerSecond).toBeNull();
    expect(elsewhere.learners[0].acksPerSecond).toBeNull();
  });
});
