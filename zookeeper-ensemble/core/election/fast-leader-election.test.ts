// One FastLeaderElection driven by hand: each test plays the other peers' notifications and checks what
// comes out. Whole-ensemble runs are in election-simulation.test.ts.

import { describe, expect, it } from 'vitest';

import { FastLeaderElection, type ElectionEvent, type ElectionOutput } from './fast-leader-election.ts';
import { NOTIFICATION_VERSION, type Notification, type ServerState } from './vote.ts';

function looking(
  sid: number,
  leader: number,
  zxid: bigint,
  electionEpoch = 1n,
  peerEpoch = 1n,
): Notification {
  return { sid, leader, zxid, electionEpoch, peerEpoch, state: 'LOOKING', version: NOTIFICATION_VERSION };
}

function outOfElection(
  sid: number,
  state: ServerState,
  leader: number,
  electionEpoch: bigint,
  zxid = 5n,
  peerEpoch = 1n,
): Notification {
  return { sid, leader, zxid, electionEpoch, peerEpoch, state, version: NOTIFICATION_VERSION };
}

function eventsOf<T extends ElectionEvent['type']>(out: ElectionOutput, type: T) {
  return out.events.filter((e): e is Extract<ElectionEvent, { type: T }> => e.type === type);
}

/** Server 3 of {1,2,3} with zxid 5 in epoch 1. */
function server3(options: Partial<ConstructorParameters<typeof FastLeaderElection>[0]> = {}) {
  const fle = new FastLeaderElection({ myId: 3, voters: [1, 2, 3], ...options });
  const started = fle.lookForLeader({ lastLoggedZxid: 5n, currentEpoch: 1n }, 0);
  return { fle, started };
}

describe('FastLeaderElection: starting a round', () => {
  it('increments logicalclock, proposes itself and notifies every other voter', () => {
    const { fle, started } = server3();
    expect(fle.logicalclock).toBe(1n);
    expect(fle.state).toBe('LOOKING');
    expect(fle.inElection).toBe(true);
    expect(fle.currentVote).toEqual({ leader: 3, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n });
    expect(started.send).toEqual(
      [1, 2].map((to) => ({
        to,
        notification: {
          sid: 3,
          leader: 3,
          zxid: 5n,
          electionEpoch: 1n,
          peerEpoch: 1n,
          state: 'LOOKING',
          version: 2,
        },
      })),
    );
    expect(started.decided).toBeNull();
    expect(started.events[0]).toEqual({
      type: 'election-started',
      electionEpoch: 1n,
      vote: { leader: 3, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n },
    });
    // The copy to ourselves is handled internally and counted as our own vote.
    expect(fle.snapshot().recvset).toEqual([
      {
        sid: 3,
        vote: { leader: 3, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n, state: 'LOOKING', version: 0 },
      },
    ]);
    expect(fle.nextDeadlineMs()).toBe(200);
  });

  it('a second lookForLeader abandons the running round and starts the next', () => {
    const { fle } = server3();
    const again = fle.lookForLeader({ lastLoggedZxid: 6n, currentEpoch: 1n }, 50);
    expect(again.events.map((e) => e.type).slice(0, 2)).toEqual(['election-abandoned', 'election-started']);
    expect(fle.logicalclock).toBe(2n);
    expect(fle.currentVote?.zxid).toBe(6n);
  });

  it('a single-voter ensemble leads itself after finalizeWait', () => {
    const fle = new FastLeaderElection({ myId: 1, voters: [1] });
    const out = fle.lookForLeader({ lastLoggedZxid: 0n, currentEpoch: 0n }, 1000);
    expect(out.send).toEqual([]);
    expect(eventsOf(out, 'finalize-wait-started')).toHaveLength(1);
    expect(fle.nextDeadlineMs()).toBe(1200);
    expect(fle.tick(1199).decided).toBeNull();
    const decided = fle.tick(1200);
    expect(decided.decided).toEqual({
      leader: 1,
      state: 'LEADING',
      vote: { leader: 1, zxid: 0n, electionEpoch: 1n, peerEpoch: 0n },
      electionEpoch: 1n,
    });
    expect(eventsOf(decided, 'leader-elected')[0]).toMatchObject({
      via: 'quorum',
      tookMs: 200,
      supporters: [1],
    });
    expect(fle.state).toBe('LEADING');
    expect(fle.nextDeadlineMs()).toBeNull();
  });

  it('rejects a myId that is not a voter', () => {
    expect(() => new FastLeaderElection({ myId: 4, voters: [1, 2, 3] })).toThrow(/not among the voters/);
  });
});

describe('FastLeaderElection: processing LOOKING notifications', () => {
  it('a better vote in the same round replaces our proposal and is re-sent', () => {
    const { fle } = server3();
    const out = fle.receive(looking(1, 1, 9n), 10);
    expect(fle.currentVote).toEqual({ leader: 1, zxid: 9n, electionEpoch: 1n, peerEpoch: 1n });
    expect(out.send.map((s) => [s.to, s.notification.leader])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(eventsOf(out, 'vote-changed')).toEqual([
      {
        type: 'vote-changed',
        from: { leader: 3, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n },
        to: { leader: 1, zxid: 9n, electionEpoch: 1n, peerEpoch: 1n },
        by: 1,
      },
    ]);
    // 1 and (through the self copy) 3 now both vote for 1: a quorum of 3, so the finalize wait starts.
    expect(eventsOf(out, 'finalize-wait-started')).toEqual([
      {
        type: 'finalize-wait-started',
        vote: { leader: 1, zxid: 9n, electionEpoch: 1n, peerEpoch: 1n },
        supporters: [1, 3],
        deadlineMs: 210,
      },
    ]);
  });

  it('a worse vote in the same round is recorded but changes nothing', () => {
    const { fle } = server3();
    const out = fle.receive(looking(1, 1, 4n), 10);
    expect(out.send).toEqual([]);
    expect(fle.currentVote?.leader).toBe(3);
    expect(fle.snapshot().recvset.map((r) => [r.sid, r.vote.leader])).toEqual([
      [1, 1],
      [3, 3],
    ]);
  });

  it('a higher round: adopt the clock, clear the tally, vote afresh between our own vote and theirs', () => {
    const { fle } = server3();
    fle.receive(looking(1, 1, 9n), 10); // now proposing 1, and 1 + 3 agree: finalize wait running
    // During the finalize wait only a better vote counts; anything else is dropped, even from a higher round.
    const dropped = fle.receive(looking(2, 2, 1n, 5n), 15);
    expect(eventsOf(dropped, 'notification-ignored')).toMatchObject([
      { reason: 'not-better-during-finalize-wait' },
    ]);
    expect(fle.logicalclock).toBe(1n);
    fle.lookForLeader({ lastLoggedZxid: 5n, currentEpoch: 1n }, 18); // round 2, no finalize wait running
    fle.receive(looking(1, 1, 4n, 2n), 19); // a worse vote: recorded, nothing else
    expect(fle.currentVote?.leader).toBe(3);
    fle.receive(looking(2, 2, 1n, 5n), 20); // round 5, 2 proposes itself with a worse history
    expect(fle.logicalclock).toBe(5n);
    // Our own vote (3, zxid 5) beats 2's (zxid 1): back to ourselves, not to 1 from the old round.
    expect(fle.currentVote).toEqual({ leader: 3, zxid: 5n, electionEpoch: 5n, peerEpoch: 1n });
    expect(fle.snapshot().recvset.map((r) => [r.sid, r.vote.electionEpoch])).toEqual([
      [2, 5n],
      [3, 5n],
    ]);
  });

  it('the finalize wait was cancelled by the better vote from the higher round', () => {
    const { fle } = server3();
    fle.receive(looking(1, 1, 9n), 10);
    const out = fle.receive(looking(2, 2, 20n, 5n), 20);
    expect(eventsOf(out, 'finalize-wait-cancelled')).toEqual([
      {
        type: 'finalize-wait-cancelled',
        by: 2,
        vote: { leader: 2, zxid: 20n, electionEpoch: 5n, peerEpoch: 1n },
      },
    ]);
    expect(eventsOf(out, 'logicalclock-advanced')).toEqual([
      { type: 'logicalclock-advanced', from: 1n, to: 5n, by: 2 },
    ]);
    expect(fle.currentVote).toEqual({ leader: 2, zxid: 20n, electionEpoch: 5n, peerEpoch: 1n });
  });

  it('a lower round is ignored, and the lagging looker is answered with our proposal', () => {
    const { fle } = server3();
    fle.receive(looking(2, 2, 1n, 4n), 5); // we move to round 4
    const out = fle.receive(looking(1, 1, 9n, 2n), 10);
    expect(out.send).toEqual([
      {
        to: 1,
        notification: {
          sid: 3,
          leader: 3,
          zxid: 5n,
          electionEpoch: 4n,
          peerEpoch: 1n,
          state: 'LOOKING',
          version: 2,
        },
      },
    ]);
    expect(eventsOf(out, 'notification-ignored')).toMatchObject([
      { from: 1, reason: 'lower-election-epoch' },
    ]);
    expect(fle.currentVote?.leader).toBe(3);
    expect(fle.snapshot().recvset.map((r) => r.sid)).toEqual([2, 3]);
  });

  it('ignores votes for or from non-voters, and answers a non-voter sender', () => {
    const { fle } = server3();
    const fromStranger = fle.receive(looking(9, 9, 100n), 10);
    expect(eventsOf(fromStranger, 'notification-ignored')).toMatchObject([{ reason: 'not-a-voter' }]);
    expect(fromStranger.send).toMatchObject([{ to: 9, notification: { leader: 3, state: 'LOOKING' } }]);
    const forStranger = fle.receive(looking(1, 9, 100n), 10);
    expect(eventsOf(forStranger, 'notification-ignored')).toMatchObject([{ reason: 'leader-not-a-voter' }]);
    expect(fle.currentVote?.leader).toBe(3);
  });

  it('ignores LOOKING votes with zxid -1, and never counts anything when our own zxid is -1', () => {
    const { fle } = server3();
    const out = fle.receive(looking(1, 1, -1n), 10);
    expect(eventsOf(out, 'notification-ignored')).toMatchObject([{ reason: 'zxid-minus-one' }]);

    const broken = new FastLeaderElection({ myId: 1, voters: [1, 2, 3] });
    broken.lookForLeader({ lastLoggedZxid: -1n, currentEpoch: 0n }, 0);
    broken.receive(looking(2, 1, -1n), 1);
    const stillLooking = broken.receive(looking(3, 3, 7n), 2);
    expect(eventsOf(stillLooking, 'notification-ignored')).toMatchObject([{ reason: 'own-zxid-minus-one' }]);
    expect(broken.snapshot().recvset).toEqual([]);
    expect(broken.tick(10_000).decided).toBeNull();
  });

  it('ignores observers', () => {
    const { fle } = server3();
    const out = fle.receive(outOfElection(1, 'OBSERVING', 1, 1n), 10);
    expect(eventsOf(out, 'notification-ignored')).toMatchObject([{ reason: 'from-observer' }]);
  });
});

describe('FastLeaderElection: the finalize wait', () => {
  /** 3 gets 2's agreement at t=10: quorum {2,3} for 3, wait until 210. */
  function agreed() {
    const { fle } = server3();
    const out = fle.receive(looking(2, 3, 5n), 10);
    expect(eventsOf(out, 'finalize-wait-started')).toMatchObject([{ supporters: [2, 3], deadlineMs: 210 }]);
    return fle;
  }

  it('decides LEADING when nothing better arrives within finalizeWait', () => {
    const fle = agreed();
    expect(fle.nextDeadlineMs()).toBe(210);
    expect(fle.tick(209).decided).toBeNull();
    const out = fle.tick(210);
    expect(out.decided).toMatchObject({ leader: 3, state: 'LEADING', electionEpoch: 1n });
    expect(eventsOf(out, 'leader-elected')).toMatchObject([
      { via: 'quorum', supporters: [2, 3], tookMs: 210 },
    ]);
  });

  it('a better vote within finalizeWait changes the outcome', () => {
    const fle = agreed();
    const out = fle.receive(looking(1, 1, 9n), 150);
    expect(eventsOf(out, 'finalize-wait-cancelled')).toHaveLength(1);
    expect(fle.currentVote?.leader).toBe(1);
    expect(fle.tick(210).decided).toBeNull();
    expect(fle.state).toBe('LOOKING');
    // 1 and 3 now agree on 1: a new wait from t=150, and 3 follows 1.
    expect(fle.nextDeadlineMs()).toBe(350);
    expect(fle.tick(350).decided).toMatchObject({ leader: 1, state: 'FOLLOWING' });
  });

  it('the same better vote arriving after the wait is too late', () => {
    const fle = agreed();
    expect(fle.tick(210).decided).toMatchObject({ leader: 3, state: 'LEADING' });
    const out = fle.receive(looking(1, 1, 9n), 250);
    expect(out.decided).toBeNull();
    // Not looking any more: 1 is answered with our final vote so it can join.
    expect(out.send).toEqual([
      {
        to: 1,
        notification: {
          sid: 3,
          leader: 3,
          zxid: 5n,
          electionEpoch: 1n,
          peerEpoch: 1n,
          state: 'LEADING',
          version: 2,
        },
      },
    ]);
  });

  it('every notification that is not better restarts the wait (and is dropped)', () => {
    const fle = agreed();
    const out = fle.receive(looking(1, 1, 1n), 150);
    expect(eventsOf(out, 'notification-ignored')).toMatchObject([
      { from: 1, reason: 'not-better-during-finalize-wait' },
    ]);
    expect(fle.nextDeadlineMs()).toBe(350);
    expect(fle.tick(300).decided).toBeNull();
    fle.receive(looking(2, 3, 5n), 340);
    expect(fle.tick(500).decided).toBeNull();
    expect(fle.tick(540).decided).toMatchObject({ leader: 3, state: 'LEADING', electionEpoch: 1n });
    // Dropped, as upstream does: 1's notification never reached the tally.
    expect(fle.snapshot().recvset).toEqual([]);
  });

  it('a late tick is caught up before the next notification is handled', () => {
    const fle = agreed();
    // The shell never ticked at 210; a better vote arrives at 400. The wait had already ended.
    const out = fle.receive(looking(1, 1, 9n), 400);
    expect(out.decided).toMatchObject({ leader: 3, state: 'LEADING' });
    expect(out.send).toMatchObject([{ to: 1, notification: { state: 'LEADING', leader: 3 } }]);
    expect(eventsOf(out, 'leader-elected')[0]?.tookMs).toBe(400);
  });

  it('a custom finalizeWaitMs is honoured', () => {
    const { fle } = server3({ finalizeWaitMs: 50 });
    fle.receive(looking(2, 3, 5n), 10);
    expect(fle.nextDeadlineMs()).toBe(60);
    expect(fle.tick(60).decided).toMatchObject({ state: 'LEADING' });
  });
});

describe('FastLeaderElection: re-sending on silence', () => {
  it('re-sends after notTimeout, doubling up to maxNotificationIntervalMs', () => {
    const { fle } = server3({ maxNotificationIntervalMs: 1000 });
    const times: number[] = [];
    const timeouts: number[] = [];
    for (let i = 0; i < 6; i++) {
      const at = fle.nextDeadlineMs() as number;
      const out = fle.tick(at);
      expect(out.send.map((s) => s.to)).toEqual([1, 2]);
      expect(out.send[0]?.notification).toMatchObject({ leader: 3, electionEpoch: 1n, state: 'LOOKING' });
      times.push(at);
      timeouts.push(eventsOf(out, 'notification-timeout')[0]?.nextTimeoutMs as number);
    }
    expect(times).toEqual([200, 600, 1400, 2400, 3400, 4400]);
    expect(timeouts).toEqual([400, 800, 1000, 1000, 1000, 1000]);
  });

  it('the 60 s default cap', () => {
    const { fle } = server3();
    let last = 0;
    for (let i = 0; i < 20; i++) {
      const at = fle.nextDeadlineMs() as number;
      fle.tick(at);
      last = (fle.nextDeadlineMs() as number) - at;
    }
    expect(last).toBe(60_000);
  });

  it('any processed notification pushes the re-send deadline back by notTimeout', () => {
    const { fle } = server3();
    fle.receive(looking(1, 1, 1n), 150);
    expect(fle.nextDeadlineMs()).toBe(350);
    expect(fle.tick(349).send).toEqual([]);
    expect(fle.tick(350).send).toHaveLength(2);
  });
});

describe('FastLeaderElection: joining an ensemble that already has a leader', () => {
  it('same round: follows once a quorum agrees and the leader itself says LEADING', () => {
    const { fle } = server3();
    const fromFollower = fle.receive(outOfElection(1, 'FOLLOWING', 2, 1n), 10);
    expect(fromFollower.decided).toBeNull();
    const fromLeader = fle.receive(outOfElection(2, 'LEADING', 2, 1n), 20);
    expect(fromLeader.decided).toEqual({
      leader: 2,
      state: 'FOLLOWING',
      vote: { leader: 2, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n },
      electionEpoch: 1n,
    });
    expect(eventsOf(fromLeader, 'leader-elected')).toMatchObject([
      { via: 'same-round-leader', supporters: [1, 2] },
    ]);
  });

  it('checkLeader: a quorum of followers is not enough without word from the leader', () => {
    const fle = new FastLeaderElection({ myId: 5, voters: [1, 2, 3, 4, 5] });
    fle.lookForLeader({ lastLoggedZxid: 0n, currentEpoch: 0n }, 0);
    for (const sid of [1, 2, 4])
      expect(fle.receive(outOfElection(sid, 'FOLLOWING', 3, 7n), sid).decided).toBeNull();
    const out = fle.receive(outOfElection(3, 'LEADING', 3, 7n), 10);
    expect(out.decided).toMatchObject({ leader: 3, state: 'FOLLOWING', electionEpoch: 7n });
    expect(eventsOf(out, 'leader-elected')).toMatchObject([
      { via: 'established-ensemble', supporters: [1, 2, 3, 4] },
    ]);
    expect(fle.logicalclock).toBe(7n);
  });

  it('another round: joins through the out-of-election votes, adopting their electionEpoch', () => {
    const { fle } = server3();
    fle.lookForLeader({ lastLoggedZxid: 5n, currentEpoch: 1n }, 100);
    fle.lookForLeader({ lastLoggedZxid: 5n, currentEpoch: 1n }, 200); // we are in round 3, they decided in round 1
    expect(fle.receive(outOfElection(2, 'LEADING', 2, 1n), 210).decided).toBeNull();
    const out = fle.receive(outOfElection(1, 'FOLLOWING', 2, 1n), 220);
    expect(out.decided).toMatchObject({ leader: 2, state: 'FOLLOWING', electionEpoch: 1n });
    expect(eventsOf(out, 'logicalclock-advanced')).toEqual([
      { type: 'logicalclock-advanced', from: 3n, to: 1n, by: 1 },
    ]);
    expect(fle.logicalclock).toBe(1n);
  });

  it('followers of different epochs of one leader do not add up (peerEpoch is compared)', () => {
    const fle = new FastLeaderElection({ myId: 5, voters: [1, 2, 3, 4, 5] });
    fle.lookForLeader({ lastLoggedZxid: 0n, currentEpoch: 0n }, 0);
    fle.receive(outOfElection(1, 'FOLLOWING', 3, 7n, 5n, 1n), 1);
    fle.receive(outOfElection(2, 'FOLLOWING', 3, 7n, 5n, 2n), 2);
    expect(fle.receive(outOfElection(3, 'LEADING', 3, 7n, 5n, 2n), 3).decided).toBeNull();
    expect(fle.receive(outOfElection(4, 'FOLLOWING', 3, 7n, 9n, 2n), 4).decided).toMatchObject({ leader: 3 });
  });

  it('it is us: LEADING once the others say they follow us in our current round', () => {
    const { fle } = server3();
    // 1 already decided to follow us in round 1: with our own LOOKING vote for ourselves that is a quorum,
    // and checkLeader holds because the leader is us and the round is ours.
    const out = fle.receive(outOfElection(1, 'FOLLOWING', 3, 1n), 5);
    expect(out.decided).toMatchObject({ leader: 3, state: 'LEADING', electionEpoch: 1n });
    expect(eventsOf(out, 'leader-elected')).toMatchObject([{ via: 'same-round-leader', supporters: [1, 3] }]);
  });
});

describe('FastLeaderElection: while FOLLOWING or LEADING', () => {
  function decidedFollower() {
    const { fle } = server3();
    fle.receive(outOfElection(1, 'FOLLOWING', 2, 1n), 10);
    fle.receive(outOfElection(2, 'LEADING', 2, 1n), 20);
    expect(fle.state).toBe('FOLLOWING');
    return fle;
  }

  it('answers a LOOKING peer with the final vote and its state', () => {
    const fle = decidedFollower();
    const out = fle.receive(looking(1, 1, 100n, 9n), 1000);
    expect(out.send).toEqual([
      {
        to: 1,
        notification: {
          sid: 3,
          leader: 2,
          zxid: 5n,
          electionEpoch: 1n,
          peerEpoch: 1n,
          state: 'FOLLOWING',
          version: 2,
        },
      },
    ]);
    expect(eventsOf(out, 'notification-answered')).toMatchObject([
      { to: 1, reason: 'peer-looking', state: 'FOLLOWING' },
    ]);
    expect(out.decided).toBeNull();
    expect(fle.currentVote?.leader).toBe(2);
  });

  it('does not answer FOLLOWING/LEADING peers, and has no timers', () => {
    const fle = decidedFollower();
    expect(fle.receive(outOfElection(2, 'LEADING', 2, 1n), 1000).send).toEqual([]);
    expect(fle.nextDeadlineMs()).toBeNull();
    expect(fle.tick(1_000_000)).toEqual({ send: [], decided: null, events: [] });
  });

  it('setFinalVote replaces the vote lookers are told (e.g. after Zab moved to a new epoch)', () => {
    const fle = decidedFollower();
    const set = fle.setFinalVote(
      { leader: 2, zxid: 0x2_0000_0000n, electionEpoch: 1n, peerEpoch: 2n },
      'FOLLOWING',
    );
    expect(set.events).toEqual([
      {
        type: 'final-vote-set',
        state: 'FOLLOWING',
        vote: { leader: 2, zxid: 0x2_0000_0000n, electionEpoch: 1n, peerEpoch: 2n },
      },
    ]);
    expect(fle.receive(looking(1, 1, 1n), 2000).send[0]?.notification).toMatchObject({
      peerEpoch: 2n,
      zxid: 0x2_0000_0000n,
    });
  });

  it('setFinalVote during a round ends it without a decision', () => {
    const { fle } = server3();
    const out = fle.setFinalVote({ leader: 1, zxid: 5n, electionEpoch: 1n, peerEpoch: 1n }, 'FOLLOWING');
    expect(out.events.map((e) => e.type)).toEqual(['election-abandoned', 'final-vote-set']);
    expect(fle.inElection).toBe(false);
    expect(fle.state).toBe('FOLLOWING');
  });

  it('the next lookForLeader starts round n+1 from our own vote', () => {
    const fle = decidedFollower();
    const out = fle.lookForLeader({ lastLoggedZxid: 8n, currentEpoch: 1n }, 5000);
    expect(fle.state).toBe('LOOKING');
    expect(fle.logicalclock).toBe(2n);
    expect(out.send[0]?.notification).toMatchObject({
      leader: 3,
      zxid: 8n,
      electionEpoch: 2n,
      state: 'LOOKING',
    });
  });
});

describe('FastLeaderElection: outside a round while LOOKING', () => {
  it('buffers notifications until lookForLeader, then processes them before its own vote', () => {
    const fle = new FastLeaderElection({ myId: 3, voters: [1, 2, 3] });
    expect(fle.state).toBe('LOOKING');
    expect(fle.currentVote).toBeNull();
    const early = fle.receive(looking(1, 1, 9n), 0);
    expect(early.send).toEqual([]);
    const out = fle.lookForLeader({ lastLoggedZxid: 5n, currentEpoch: 1n }, 10);
    expect(fle.currentVote?.leader).toBe(1);
    expect(eventsOf(out, 'finalize-wait-started')).toMatchObject([{ supporters: [1, 3] }]);
  });

  it('leaveElection stops the round and its timers', () => {
    const { fle } = server3();
    expect(fle.leaveElection().events).toEqual([{ type: 'election-abandoned', electionEpoch: 1n }]);
    expect(fle.inElection).toBe(false);
    expect(fle.nextDeadlineMs()).toBeNull();
    expect(fle.tick(10_000).send).toEqual([]);
    expect(fle.leaveElection().events).toEqual([]);
  });
});
