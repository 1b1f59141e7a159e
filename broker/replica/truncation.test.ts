// Leader epochs and follower truncation (shared/reference/kafka-zk-era.md §3.6) and the two KIP-101 drills
// of §3.7, replayed on tiny in-memory replicas: a log of {offset, epoch, value}, the real
// LeaderEpochFileCache (in memory) and truncationStep from replica-state.ts. Each drill runs twice: with
// leader epochs (no loss, no divergence) and with the pre-0.11 "truncate to your own HW" rule, where the
// loss/divergence the reference describes must show up.
import { describe, expect, it } from 'vitest';

import { LeaderEpochFileCache } from '../log/leader-epoch-cache.ts';
import { truncationStep, type TruncationStep } from './replica-state.ts';

interface Entry {
  readonly offset: bigint;
  readonly epoch: number;
  readonly value: string;
}

class Replica {
  log: Entry[] = [];
  readonly cache = new LeaderEpochFileCache(null);
  hw = 0n;

  readonly name: string;

  constructor(name: string) {
    this.name = name;
  }

  get leo(): bigint {
    return BigInt(this.log.length);
  }

  /** Leader append, stamped with `epoch`. */
  append(epoch: number, value: string): void {
    this.cache.assign(epoch, this.leo);
    this.log.push({ offset: this.leo, epoch, value });
  }

  /** Follower append: entries as given (offsets and epochs kept). */
  appendAsFollower(entries: readonly Entry[]): void {
    for (const entry of entries) {
      if (entry.offset !== this.leo)
        throw new Error(`${this.name}: append at ${entry.offset}, LEO ${this.leo}`);
      this.cache.assign(entry.epoch, entry.offset);
      this.log.push(entry);
    }
  }

  truncateTo(offset: bigint): void {
    if (offset >= this.leo) return;
    this.log = this.log.slice(0, Number(offset));
    this.cache.truncateFromEnd(offset);
    if (this.hw > offset) this.hw = offset;
  }

  becomeLeader(epoch: number): void {
    this.cache.assign(epoch, this.leo); // KIP-279: before any append
  }

  values(): string[] {
    return this.log.map((e) => e.value);
  }

  history(): string[] {
    return this.log.map((e) => `${e.offset}:${e.value}@${e.epoch}`);
  }
}

/** The follower's truncation against `leader` with OffsetsForLeaderEpoch, iterating (KIP-279); returns the steps. */
function truncateWithEpochs(follower: Replica, leader: Replica): TruncationStep[] {
  const steps: TruncationStep[] = [];
  for (let round = 0; round < 100; round++) {
    const answer = leader.cache.endOffsetFor(follower.cache.latestEpoch, leader.leo);
    const local = follower.cache.endOffsetFor(answer.leaderEpoch, follower.leo);
    const step = truncationStep(answer, local, follower.leo, follower.hw);
    steps.push(step);
    follower.truncateTo(step.offset);
    if (step.kind === 'truncate-and-fetch') return steps;
  }
  throw new Error('truncation did not converge');
}

/** Pre-0.11: truncate to the follower's own HW. */
function truncateToHw(follower: Replica): void {
  follower.truncateTo(follower.hw);
}

/** One fetch: OFFSET_OUT_OF_RANGE beyond the leader's end truncates to it; then copy; then take the HW. */
function fetch(follower: Replica, leader: Replica): void {
  if (follower.leo > leader.leo) follower.truncateTo(leader.leo);
  follower.appendAsFollower(leader.log.slice(Number(follower.leo)));
  follower.hw = leader.hw < follower.leo ? leader.hw : follower.leo;
}

describe('§3.6 OffsetsForLeaderEpoch answers (LeaderEpochFileCache.endOffsetFor)', () => {
  const cache = new LeaderEpochFileCache(null);
  cache.assign(1, 0n);
  cache.assign(3, 5n);
  cache.assign(4, 9n);
  it.each([
    ['the latest epoch → (E, LEO)', 4, { leaderEpoch: 4, endOffset: 12n }],
    ['a known older epoch → (E, start of the next)', 3, { leaderEpoch: 3, endOffset: 9n }],
    [
      'an unknown epoch between entries → (largest E′ ≤ E, start of the first epoch > E)',
      2,
      { leaderEpoch: 1, endOffset: 5n },
    ],
    ['older than every entry → (E, start of the first entry)', 0, { leaderEpoch: 0, endOffset: 0n }],
    ['newer than everything → undefined', 7, { leaderEpoch: -1, endOffset: -1n }],
    ['UNDEFINED → undefined', -1, { leaderEpoch: -1, endOffset: -1n }],
  ] as const)('%s', (_why, epoch, expected) => {
    expect(cache.endOffsetFor(epoch, 12n)).toEqual(expected);
  });
});

describe('§3.6 truncationStep', () => {
  it.each([
    // leader answer (E′, X), follower's own (Ef′, Y), follower LEO, follower HW → step
    ['same epoch: min(X, Y, LEO)', [2, 7n], [2, 9n], 10n, 3n, { kind: 'truncate-and-fetch', offset: 7n }],
    [
      'same epoch, follower ends earlier: min = Y',
      [2, 12n],
      [2, 9n],
      10n,
      3n,
      { kind: 'truncate-and-fetch', offset: 9n },
    ],
    ['same epoch, nothing to drop', [2, 12n], [2, 10n], 10n, 3n, { kind: 'truncate-and-fetch', offset: 10n }],
    [
      'follower does not know E′: to the end of its largest epoch below, ask again',
      [3, 7n],
      [1, 5n],
      10n,
      3n,
      { kind: 'truncate-and-ask-again', offset: 5n },
    ],
    [
      'follower has no epoch ≤ E′: min(X, LEO)',
      [3, 7n],
      [-1, -1n],
      10n,
      3n,
      { kind: 'truncate-and-fetch', offset: 7n },
    ],
    [
      'leader has no epoch information: old rule, to the HW',
      [-1, -1n],
      [-1, -1n],
      10n,
      3n,
      { kind: 'truncate-and-fetch', offset: 3n },
    ],
  ] as const)('%s', (_why, [le, lx], [fe, fy], leo, hw, expected) => {
    expect(
      truncationStep({ leaderEpoch: le, endOffset: lx }, { leaderEpoch: fe, endOffset: fy }, leo, hw),
    ).toEqual(expected);
  });

  it('KIP-279: after several quick leader changes the follower needs two rounds to find the divergence', () => {
    // Epoch 0: offsets 0–2 everywhere. F led briefly in epoch 2 and wrote 3–5 nobody else got;
    // L had led epoch 1 (3–4) and now leads epoch 3 (5–7).
    const leader = new Replica('L');
    const follower = new Replica('F');
    for (const r of [leader, follower]) for (const v of ['a', 'b', 'c']) r.append(0, v);
    for (const v of ['L3', 'L4']) leader.append(1, v);
    leader.becomeLeader(3);
    for (const v of ['L5', 'L6', 'L7']) leader.append(3, v);
    follower.becomeLeader(2);
    for (const v of ['F3', 'F4', 'F5']) follower.append(2, v);
    follower.hw = 3n;

    const steps = truncateWithEpochs(follower, leader);
    // round 1: asks for epoch 2 → leader (1, 5); F does not know epoch 1, its largest below is 0, ending at 3
    // round 2: asks for epoch 0 → leader (0, 3); F knows epoch 0 → min(3, 3, 3)
    expect(steps).toEqual([
      { kind: 'truncate-and-ask-again', offset: 3n },
      { kind: 'truncate-and-fetch', offset: 3n },
    ]);
    fetch(follower, leader);
    expect(follower.history()).toEqual(leader.history());
  });

  it('KIP-279 contrast: a single round (pre-2.0, truncate to min(X, LEO) when E′ is unknown) leaves a divergent log', () => {
    const leader = new Replica('L');
    const follower = new Replica('F');
    for (const r of [leader, follower]) for (const v of ['a', 'b', 'c']) r.append(0, v);
    for (const v of ['L3', 'L4']) leader.append(1, v);
    leader.becomeLeader(3);
    for (const v of ['L5', 'L6', 'L7']) leader.append(3, v);
    follower.becomeLeader(2);
    for (const v of ['F3', 'F4', 'F5']) follower.append(2, v);

    const answer = leader.cache.endOffsetFor(follower.cache.latestEpoch, leader.leo);
    follower.truncateTo(answer.endOffset < follower.leo ? answer.endOffset : follower.leo);
    fetch(follower, leader);
    expect(follower.values()).toEqual(['a', 'b', 'c', 'F3', 'F4', 'L5', 'L6', 'L7']);
    expect(follower.values()).not.toEqual(leader.values());
  });
});

type Mode = 'epochs' | 'truncate-to-hw';

function becomeFollower(follower: Replica, leader: Replica, mode: Mode): void {
  if (mode === 'epochs') truncateWithEpochs(follower, leader);
  else truncateToHw(follower);
}

/** §3.7 drill A; returns the acknowledged values and the three final logs. */
function drillA(mode: Mode) {
  const [a, b, c] = [new Replica('A'), new Replica('B'), new Replica('C')];
  const acked: string[] = [];
  a.becomeLeader(0);
  // 1. m0 committed everywhere
  a.append(0, 'm0');
  fetch(b, a);
  fetch(c, a);
  a.hw = 1n; // their next fetches (at 1) raise it …
  fetch(b, a);
  fetch(c, a); // … and carry it: all HWs 1
  acked.push('m0');
  //    m1: B and C fetch it; their next fetches raise A's HW to 2, but carried HW 1
  a.append(0, 'm1');
  fetch(b, a);
  fetch(c, a);
  a.hw = 2n;
  acked.push('m1');
  expect([a.hw, b.hw, c.hw]).toEqual([2n, 1n, 1n]);
  // 2. A fails; B leads (epoch 1), C follows B
  b.becomeLeader(1);
  becomeFollower(c, b, mode);
  // 3. before C re-fetches, B fails; C leads (epoch 2); A and B come back as its followers
  c.becomeLeader(2);
  becomeFollower(a, c, mode);
  fetch(a, c);
  becomeFollower(b, c, mode);
  fetch(b, c);
  // new writes on C
  c.append(2, 'm2');
  fetch(a, c);
  fetch(b, c);
  return { acked, logs: [a, b, c] };
}

/** §3.7 drill B; returns the two final logs. */
function drillB(mode: Mode) {
  const [a, b] = [new Replica('A'), new Replica('B')];
  a.becomeLeader(0);
  a.append(0, 'm0');
  a.append(0, 'm1');
  fetch(b, a);
  a.hw = 2n;
  fetch(b, a);
  expect([a.hw, b.hw]).toEqual([2n, 2n]);
  // 1. power failure: B loses m1 (page cache only); its HW checkpoint is clipped to its log on recovery
  b.truncateTo(1n);
  // 2. B restarts first and is elected (epoch 3: each ZooKeeper session expiry bumped it once); writes m2
  b.becomeLeader(3);
  b.append(3, 'm2');
  b.hw = 2n; // ISR {B}: committed at once
  // 3. A restarts as follower
  a.hw = 2n;
  becomeFollower(a, b, mode);
  fetch(a, b);
  return [a, b];
}

describe('§3.7 drill A: acknowledged write after two quick leader changes', () => {
  it('epochs on: C keeps m1 (B answers the end of epoch 0 = 2); no acked write lost, all logs identical', () => {
    const { acked, logs } = drillA('epochs');
    for (const r of logs) {
      expect(r.values()).toEqual(['m0', 'm1', 'm2']);
      for (const value of acked) expect(r.values()).toContain(value);
    }
    expect(logs[0].history()).toEqual(logs[2].history());
    expect(logs[1].history()).toEqual(logs[2].history());
  });

  it('truncate-to-HW (pre-0.11): m1 was acknowledged with acks=all and is gone from every replica', () => {
    const { acked, logs } = drillA('truncate-to-hw');
    expect(acked).toContain('m1');
    for (const r of logs) {
      expect(r.values()).toEqual(['m0', 'm2']);
      expect(r.values()).not.toContain('m1');
    }
  });
});

describe('§3.7 drill B: divergence after a simultaneous crash', () => {
  it('epochs on: A asks for the end of epoch 0, B answers 1, A drops m1 and fetches m2: identical logs', () => {
    const [a, b] = drillB('epochs');
    expect(b.cache.epochEntries).toEqual([
      { epoch: 0, startOffset: 0n },
      { epoch: 3, startOffset: 1n },
    ]);
    expect(a.history()).toEqual(b.history());
    expect(a.values()).toEqual(['m0', 'm2']);
  });

  it('truncate-to-HW: same offsets, different contents at offset 1 (m1 on A, m2 on B)', () => {
    const [a, b] = drillB('truncate-to-hw');
    expect(a.leo).toBe(b.leo);
    expect(a.values()).toEqual(['m0', 'm1']);
    expect(b.values()).toEqual(['m0', 'm2']);
  });
});
