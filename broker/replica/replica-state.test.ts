// The leader-side HW/ISR rules of replica-state.ts replayed as the reference's step tables
// (shared/reference/kafka-zk-era.md §3.3 worked HW table, §3.4 ISR rules). A tiny model of one leader and
// its followers applies the rules the way Kafka's Partition does on a follower fetch: read the partition
// (records up to the LEO and the HW *before* this fetch), then record the follower's position, then maybe
// raise the HW. Truncation and leader epochs (§3.6, §3.7) are in truncation.test.ts.
import { describe, expect, it } from 'vitest';

import {
  highWatermarkCandidate,
  initialFollowerState,
  mayJoinIsr,
  outOfSyncReplicas,
  updateFollowerFetchState,
  type FollowerFetchState,
} from './replica-state.ts';

const LAG = 10_000; // replica.lag.time.max.ms in Kafka ≤ 2.4
/** Simulated clock origin: far from 0 so "lastCaughtUpTimeMs = 0 (never)" is really long ago. */
const T0 = 1_000_000;

/** One leader (id 1) and followers (2, 3), driven by follower fetches. */
class LeaderModel {
  leaderLeo = 0n;
  hw = 0n;
  isr: number[];
  readonly followers = new Map<number, FollowerFetchState>();
  /** Each follower's own LEO and HW (what it holds after the last response it processed). */
  readonly followerLeo = new Map<number, bigint>();
  readonly followerHw = new Map<number, bigint>();

  readonly followerIds: number[];

  constructor(followerIds: number[], isr: number[], nowMs: number) {
    this.followerIds = followerIds;
    this.isr = [...isr];
    for (const id of followerIds) {
      this.followers.set(id, initialFollowerState(isr.includes(id), nowMs));
      this.followerLeo.set(id, 0n);
      this.followerHw.set(id, 0n);
    }
  }

  view(nowMs: number) {
    return {
      leaderId: 1,
      leaderLogEndOffset: this.leaderLeo,
      isr: this.isr,
      followers: this.followers,
      replicaLagTimeMaxMs: LAG,
      nowMs,
    };
  }

  append(records: number): void {
    this.leaderLeo += BigInt(records);
  }

  /**
   * Follower `id` fetches from its LEO, getting at most `maxRecords`; returns the HW the response carried.
   * `epochStart` is where the leader's current epoch began (for the expand rule).
   */
  fetch(id: number, nowMs: number, maxRecords = Infinity, epochStart = 0n): bigint {
    const fetchOffset = this.followerLeo.get(id)!;
    // 1. read: records up to the LEO, and the HW as it is *before* this fetch is recorded
    const hwInResponse = this.hw;
    const available = Number(this.leaderLeo - fetchOffset);
    const got = BigInt(Math.max(0, Math.min(available, maxRecords)));
    // 2. record the follower's position
    this.followers.set(
      id,
      updateFollowerFetchState(this.followers.get(id)!, fetchOffset, this.leaderLeo, nowMs),
    );
    // 3. expand
    if (!this.isr.includes(id) && mayJoinIsr(fetchOffset, this.hw, epochStart))
      this.isr = [...this.isr, id].sort();
    // 4. HW only forward
    const candidate = highWatermarkCandidate(this.view(nowMs));
    if (candidate > this.hw) this.hw = candidate;
    // follower side
    const leo = fetchOffset + got;
    this.followerLeo.set(id, leo);
    this.followerHw.set(id, hwInResponse < leo ? hwInResponse : leo);
    return hwInResponse;
  }

  /** The shrink task (every LAG/2): removes out-of-sync followers; returns them. */
  shrink(nowMs: number): number[] {
    const out = outOfSyncReplicas(this.view(nowMs));
    this.isr = this.isr.filter((id) => !out.includes(id));
    const candidate = highWatermarkCandidate(this.view(nowMs)); // an ISR change may let the HW move
    if (candidate > this.hw) this.hw = candidate;
    return out;
  }

  row(): string {
    return [
      `L ${this.leaderLeo}/${this.hw}`,
      ...this.followerIds.map((id) => `F${id - 1} ${this.followerLeo.get(id)}/${this.followerHw.get(id)}`),
    ].join('  ');
  }
}

describe('§3.3 high-watermark propagation: the worked table (RF 3, acks=all, 2 records)', () => {
  it('replays every step: LEO/HW per replica and when the producer is acked', () => {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    const acked = () => (m.hw >= 2n ? 'acked' : 'waiting');
    const table: [string, () => void, string, string][] = [
      // step: event → L LEO/HW, F1 LEO/HW, F2 LEO/HW, producer
      ['0 idle', () => undefined, 'L 0/0  F1 0/0  F2 0/0', 'waiting'],
      ['1 L appends offsets 0–1', () => m.append(2), 'L 2/0  F1 0/0  F2 0/0', 'waiting'],
      ['2 F1 fetch(0) gets 0–1, HW 0', () => m.fetch(2, T0 + 2), 'L 2/0  F1 2/0  F2 0/0', 'waiting'],
      ['3 F2 fetch(0) gets 0–1, HW 0', () => m.fetch(3, T0 + 3), 'L 2/0  F1 2/0  F2 2/0', 'waiting'],
      [
        '4 F1 fetch(2): min(2,2,F2 known 0) = 0',
        () => m.fetch(2, T0 + 4),
        'L 2/0  F1 2/0  F2 2/0',
        'waiting',
      ],
      ['5 F2 fetch(2): HW=2, response carries 0', () => m.fetch(3, T0 + 5), 'L 2/2  F1 2/0  F2 2/0', 'acked'],
      ['6 F1 fetch(2) carries HW 2', () => m.fetch(2, T0 + 6), 'L 2/2  F1 2/2  F2 2/0', 'acked'],
      ['7 F2 fetch(2) carries HW 2', () => m.fetch(3, T0 + 7), 'L 2/2  F1 2/2  F2 2/2', 'acked'],
    ];
    const observed = table.map(([step, event]) => {
      event();
      return [step, m.row(), acked()];
    });
    expect(observed).toEqual(table.map(([step, , row, producer]) => [step, row, producer]));
  });

  it('what the leader knows at step 4 is F2 = 0, so the HW cannot move although every replica has 0–1', () => {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    m.append(2);
    m.fetch(2, T0);
    m.fetch(3, T0);
    m.fetch(2, T0);
    expect(m.followers.get(2)!.logEndOffset).toBe(2n);
    expect(m.followers.get(3)!.logEndOffset).toBe(0n);
    expect(highWatermarkCandidate(m.view(T0))).toBe(0n);
  });

  it('an ISR member the new leader has not heard from yet holds the HW at "unknown"', () => {
    const followers = new Map([[2, updateFollowerFetchState(initialFollowerState(true, T0), 5n, 5n, T0)]]);
    const view = {
      leaderId: 1,
      leaderLogEndOffset: 5n,
      isr: [1, 2, 3],
      followers,
      replicaLagTimeMaxMs: LAG,
      nowMs: T0,
    };
    expect(highWatermarkCandidate(view)).toBe(-1n);
    // once 3 fetches, the HW is the min over the ISR
    followers.set(3, updateFollowerFetchState(initialFollowerState(true, T0), 4n, 5n, T0 + 1));
    expect(highWatermarkCandidate({ ...view, nowMs: T0 + 1 })).toBe(4n);
  });

  it('2.4: a follower outside the ISR that was caught up within the lag time holds the HW; a long-gone one does not', () => {
    const caughtUp = updateFollowerFetchState(initialFollowerState(false, T0), 7n, 7n, T0); // at the end at T0
    const followers = new Map([
      [2, updateFollowerFetchState(initialFollowerState(true, T0), 9n, 9n, T0 + 100)],
      [3, updateFollowerFetchState(caughtUp, 7n, 9n, T0 + 100)], // behind now, but caught up at T0
    ]);
    const view = (nowMs: number) => ({
      leaderId: 1,
      leaderLogEndOffset: 9n,
      isr: [1, 2],
      followers,
      replicaLagTimeMaxMs: LAG,
      nowMs,
    });
    expect(highWatermarkCandidate(view(T0 + LAG))).toBe(7n);
    expect(highWatermarkCandidate(view(T0 + LAG + 1))).toBe(9n);
  });
});

describe('§3.4 lastCaughtUpTimeMs', () => {
  it.each([
    // previous (LEO at previous fetch, previous fetch time), fetch offset, leader LEO now → lastCaughtUpTimeMs
    ['at the end now → now', 5n, 100, 10n, 10n, 200],
    ['reached where the end was at the previous fetch → previous fetch time', 5n, 100, 5n, 10n, 100],
    ['beyond the previous end but not at the end now → previous fetch time', 5n, 100, 7n, 10n, 100],
    ['behind even the previous end → unchanged', 5n, 100, 4n, 10n, 50],
  ] as const)('%s', (_why, prevLeaderLeo, prevFetchTime, fetchOffset, leaderLeo, expected) => {
    const previous: FollowerFetchState = {
      logEndOffset: 0n,
      lastCaughtUpTimeMs: 50,
      lastFetchLeaderLogEndOffset: prevLeaderLeo,
      lastFetchTimeMs: prevFetchTime,
    };
    const next = updateFollowerFetchState(previous, fetchOffset, leaderLeo, 200);
    expect(next.lastCaughtUpTimeMs).toBe(expected);
    expect(next).toMatchObject({
      logEndOffset: fetchOffset,
      lastFetchLeaderLogEndOffset: leaderLeo,
      lastFetchTimeMs: 200,
    });
  });

  it('never moves backwards', () => {
    const previous: FollowerFetchState = {
      logEndOffset: 0n,
      lastCaughtUpTimeMs: 500,
      lastFetchLeaderLogEndOffset: 0n,
      lastFetchTimeMs: 100,
    };
    expect(updateFollowerFetchState(previous, 3n, 10n, 600).lastCaughtUpTimeMs).toBe(500);
  });
});

describe('§3.4 ISR shrink: stuck and slow followers, removal between 1× and 1.5× the lag time', () => {
  /**
   * Leader writes 1 record every 100 ms. The follower fetches everything every 100 ms until `stopAt`
   * (stuck) and then stops. The shrink task runs every LAG/2 starting at T0 + `phase`.
   */
  function stuckFollowerRemovedAfter(phase: number, stopAt: number): number {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    for (let t = T0; t < T0 + 5 * LAG; t += 100) {
      m.append(1);
      if (t < T0 + stopAt) m.fetch(2, t);
      m.fetch(3, t); // 3 keeps up
      if ((t - T0 - phase) % (LAG / 2) === 0 && t >= T0 + phase) {
        const removed = m.shrink(t);
        expect(removed).not.toContain(3);
        if (removed.includes(2)) return t - m.followers.get(2)!.lastCaughtUpTimeMs;
      }
    }
    throw new Error('never removed');
  }

  it.each([0, 100, 1_000, 2_500, 4_900])(
    'stuck follower, shrink timer phase %i ms: removed in (1×, 1.5×] lag',
    (phase) => {
      const sinceCaughtUp = stuckFollowerRemovedAfter(phase, 3_000);
      expect(sinceCaughtUp).toBeGreaterThan(LAG);
      expect(sinceCaughtUp).toBeLessThanOrEqual(1.5 * LAG);
    },
  );

  it('a stuck follower that has everything the leader has is never out of sync (LEO = leader LEO)', () => {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    m.append(3);
    m.fetch(2, T0); // gets 0–2
    m.fetch(2, T0 + 1); // reports LEO 3 = leader LEO
    m.fetch(3, T0 + 1);
    m.fetch(3, T0 + 2);
    expect(m.shrink(T0 + 10 * LAG)).toEqual([]);
    m.append(1); // now it is behind and has not been caught up for 10 × lag
    expect(m.shrink(T0 + 10 * LAG)).toEqual([2, 3]);
  });

  it('slow follower: fetching all the time but never reaching a moving end is "lagging" and gets removed', () => {
    // Leader appends 10 records per 100 ms; follower 2 fetches every 100 ms but gets at most 5 records.
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    let removedAt: number | undefined;
    for (let t = T0 + 100; t <= T0 + 3 * LAG && removedAt === undefined; t += 100) {
      m.append(10);
      m.fetch(2, t, 5);
      m.fetch(3, t);
      if ((t - T0) % (LAG / 2) === 0 && m.shrink(t).includes(2)) removedAt = t;
    }
    expect(m.followers.get(2)!.lastCaughtUpTimeMs).toBe(T0); // only the leadership start
    expect(removedAt).toBe(T0 + 1.5 * LAG); // first check after LAG has passed
    expect(m.isr).toEqual([1, 3]);
  });

  it('a follower that always reaches where the end was at its previous fetch stays in sync, though never at the end', () => {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    for (let t = T0 + 100; t <= T0 + 5 * LAG; t += 100) {
      m.append(10);
      m.fetch(2, t); // gets everything up to the current end …
      m.fetch(3, t);
      m.append(10); // … which moves on before the next fetch
      if ((t - T0) % (LAG / 2) === 0) expect(m.shrink(t)).toEqual([]);
    }
    expect(m.followers.get(2)!.logEndOffset).toBeLessThan(m.leaderLeo);
    expect(m.isr).toEqual([1, 2, 3]);
  });
});

describe('§3.4 ISR expand', () => {
  it.each([
    // follower LEO, leader HW, start of the leader's current epoch → may join
    [4n, 5n, 0n, false], // misses committed records
    [5n, 5n, 0n, true],
    [5n, 5n, 6n, false], // has all committed, but not the start of the current epoch
    [6n, 5n, 6n, true],
    [9n, 5n, 6n, true],
  ] as const)('LEO %s, HW %s, epoch start %s → %s', (leo, hw, epochStart, expected) => {
    expect(mayJoinIsr(leo, hw, epochStart)).toBe(expected);
  });

  it('while an expand is being written to ZooKeeper, the HW over the old ISR outruns the joiner; over old ∪ proposed it does not', () => {
    // Leader 1, ISR [1,3]; follower 2 has been catching up for a long time (never at the moving end) and
    // has just reached the HW (5): it may join, and the leader sends ISR [1,2,3] to ZooKeeper. Until the
    // answer comes back, ZooKeeper already lists 2 as in sync. Kafka 2.4 blocks HW updates during that
    // write (ISR write lock); KIP-497 counts the union of both ISRs while an AlterIsr is pending.
    const now = T0 + 3 * LAG;
    const follower2 = updateFollowerFetchState(
      {
        logEndOffset: 3n,
        lastCaughtUpTimeMs: T0,
        lastFetchLeaderLogEndOffset: 6n,
        lastFetchTimeMs: now - 100,
      },
      5n,
      8n,
      now,
    );
    expect(follower2.lastCaughtUpTimeMs).toBe(T0);
    expect(mayJoinIsr(5n, 5n, 0n)).toBe(true);
    const follower3 = updateFollowerFetchState(initialFollowerState(true, now), 8n, 8n, now);
    const followers = new Map([
      [2, follower2],
      [3, follower3],
    ]);
    const view = (isr: number[]) => ({
      leaderId: 1,
      leaderLogEndOffset: 8n,
      isr,
      followers,
      replicaLagTimeMaxMs: LAG,
      nowMs: now,
    });
    expect(highWatermarkCandidate(view([1, 3]))).toBe(8n); // offsets 5–7 acked without 2, which ZooKeeper calls in sync
    expect(highWatermarkCandidate(view([1, 2, 3]))).toBe(5n);
  });

  it('removed, catches up, rejoins on the fetch that shows it has the HW and the epoch start', () => {
    const m = new LeaderModel([2, 3], [1, 2, 3], T0);
    m.append(4);
    m.fetch(3, T0 + 1);
    m.fetch(3, T0 + 2);
    expect(m.shrink(T0 + 2 * LAG)).toEqual([2]); // 2 never fetched
    expect(m.hw).toBe(4n);
    m.fetch(2, T0 + 2 * LAG + 1, 2); // from 0: not yet
    expect(m.isr).toEqual([1, 3]);
    m.fetch(2, T0 + 2 * LAG + 2, 2); // from 2 < HW 4: not yet
    expect(m.isr).toEqual([1, 3]);
    m.fetch(2, T0 + 2 * LAG + 3, 2); // from 4 = HW: joins
    expect(m.isr).toEqual([1, 2, 3]);
  });
});
