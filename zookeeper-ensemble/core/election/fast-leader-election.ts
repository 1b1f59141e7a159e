// FastLeaderElection as a pure state machine: ZooKeeper 3.8's election algorithm with the threads, queues
// and clock taken out. The shell (or the simulator) calls
//
//   lookForLeader(input, nowMs)   when the QuorumPeer becomes LOOKING,
//   receive(notification, nowMs)  for every notification that arrives from another peer,
//   tick(nowMs)                   whenever nowMs reaches nextDeadlineMs(),
//
// and does what each returned ElectionOutput says: send `send[i].notification` to `send[i].to`, and when
// `decided` is set, start leading or following. Nothing here reads a clock or touches a socket.
//
// How upstream's moving parts map onto this class:
//
// - WorkerReceiver (the thread that reads the election port) is the first half of receive(): it answers
//   non-voters, and lookers whose round is behind ours, straight away; while we are not LOOKING it answers
//   every LOOKING peer with our final vote, which is how a restarted server finds a running leader.
// - The `recvqueue` + lookForLeader loop is the round's `inbox`, drained synchronously inside each call.
// - "Send to self": upstream sends every notification to all voters, itself included, and the connection
//   manager loops its own message back into its receive queue. We never put a message to ourselves into
//   `send`; sendNotifications appends it to the inbox instead, so it is handled right after the message
//   being processed, exactly as if it had come back through the network. That is how our own vote lands
//   in the tally (recvset).
// - `recvqueue.poll(notTimeout)`: the round keeps a poll deadline, pushed to now + notTimeout after every
//   notification it processes. If it passes, we re-send our vote to everyone and double notTimeout (up to
//   maxNotificationIntervalMs). Upstream first checks whether its connections delivered anything and
//   reconnects instead; connection management belongs to the shell, so we always re-send.
// - `recvqueue.poll(finalizeWait)` after a quorum agrees with us: the round enters the finalize wait. Each
//   notification that does not beat our proposal is dropped and restarts the wait (upstream drops them
//   too); one that beats it cancels the wait and goes back into the inbox to be processed normally. When
//   the wait runs out, we decide.
//
// Late ticks: every call first fires the deadlines that `nowMs` has passed (decide, or re-send), so a
// shell that ticks late gets the same result as one that ticked on time.
//
// Observers, weighted/hierarchical quorums and dynamic reconfiguration are not supported: every peer is a
// voter of one fixed majority quorum.

import { assert } from '../../../client/common/assert.ts';
import { QuorumMaj, type QuorumVerifier } from './quorum-verifier.ts';
import {
  NOTIFICATION_VERSION,
  totalOrderPredicate,
  voteOf,
  votesEqual,
  type Notification,
  type RecordedVote,
  type ServerState,
  type Vote,
  type VoteOrderKey,
} from './vote.ts';

/** Upstream finalizeWait. */
export const DEFAULT_FINALIZE_WAIT_MS = 200;
/** Upstream zookeeper.fastleader.maxNotificationInterval. */
export const DEFAULT_MAX_NOTIFICATION_INTERVAL_MS = 60_000;
/** While LOOKING but not yet inside lookForLeader, at most this many notifications wait (oldest dropped). */
export const MAX_BUFFERED_NOTIFICATIONS = 1024;

export interface FastLeaderElectionOptions {
  myId: number;
  /** All voting members, including myId. */
  voters: readonly number[];
  /** How long to wait for a better vote once a quorum agrees with ours. Default 200. */
  finalizeWaitMs?: number;
  /** First re-send timeout of a round (upstream minNotificationInterval). Default finalizeWaitMs. */
  minNotificationIntervalMs?: number;
  /** Cap of the doubling re-send timeout. Default 60 000. */
  maxNotificationIntervalMs?: number;
}

/** What the QuorumPeer knows about its own history when it starts looking. */
export interface ElectionInput {
  /** Last zxid in the transaction log (-1 upstream means "unusable data": such a peer never decides). */
  lastLoggedZxid: bigint;
  /** Contents of the currentEpoch file. */
  currentEpoch: bigint;
}

export type DecidedState = 'LEADING' | 'FOLLOWING';

export interface ElectionDecision {
  leader: number;
  /** LEADING if leader === myId, else FOLLOWING (upstream setPeerState). */
  state: DecidedState;
  /** The final vote; the QuorumPeer's currentVote from now on. */
  vote: Vote;
  /** logicalclock at the decision (equals vote.electionEpoch). */
  electionEpoch: bigint;
}

export interface OutgoingNotification {
  to: number;
  notification: Notification;
}

/** How a decision was reached. */
export type DecisionPath =
  /** A quorum of LOOKING votes (ours included) agreed and nothing better came within finalizeWait. */
  | 'quorum'
  /** A quorum of this round's votes agreed with a FOLLOWING/LEADING peer, and the leader confirmed it leads. */
  | 'same-round-leader'
  /** A quorum of FOLLOWING/LEADING peers of any round follow one leader that says it leads: join it. */
  | 'established-ensemble';

export type IgnoreReason =
  | 'lower-election-epoch'
  | 'not-a-voter'
  | 'leader-not-a-voter'
  | 'own-zxid-minus-one'
  | 'zxid-minus-one'
  | 'from-observer'
  /** Dropped during the finalize wait because it does not beat our proposal (it restarts the wait). */
  | 'not-better-during-finalize-wait';

export type AnswerReason =
  /** We are LOOKING and the sender's round is behind ours: it gets our proposal so it catches up. */
  | 'lagging-election-epoch'
  /** We are FOLLOWING/LEADING and the sender is LOOKING: it gets our final vote so it can join. */
  | 'peer-looking'
  /** The sender is not a voter: it gets our current vote. */
  | 'not-a-voter';

/** Journal events (ARCHITECTURE.md §5): what the teaching dashboard and the logs show. */
export type ElectionEvent =
  | { type: 'election-started'; electionEpoch: bigint; vote: Vote }
  | {
      type: 'notifications-sent';
      reason: 'election-started' | 'vote-changed' | 'notification-timeout';
      vote: Vote;
      to: number[];
    }
  | { type: 'notification-received'; from: number; state: ServerState; vote: Vote }
  | { type: 'notification-ignored'; from: number; reason: IgnoreReason; vote: Vote }
  | { type: 'notification-answered'; to: number; reason: AnswerReason; state: ServerState; vote: Vote }
  | { type: 'logicalclock-advanced'; from: bigint; to: bigint; by: number }
  | { type: 'vote-changed'; from: Vote; to: Vote; by: number }
  | { type: 'notification-timeout'; nextTimeoutMs: number }
  | { type: 'finalize-wait-started'; vote: Vote; supporters: number[]; deadlineMs: number }
  | { type: 'finalize-wait-cancelled'; by: number; vote: Vote }
  | {
      type: 'leader-elected';
      leader: number;
      state: DecidedState;
      electionEpoch: bigint;
      vote: Vote;
      supporters: number[];
      via: DecisionPath;
      tookMs: number;
    }
  | { type: 'election-abandoned'; electionEpoch: bigint }
  | { type: 'final-vote-set'; state: ServerState; vote: Vote };

export interface ElectionOutput {
  send: OutgoingNotification[];
  decided: ElectionDecision | null;
  events: ElectionEvent[];
}

/** A read-only view of the election for dashboards and tests. */
export interface ElectionSnapshot {
  myId: number;
  state: ServerState;
  logicalclock: bigint;
  inElection: boolean;
  currentVote: Vote | null;
  /** Votes of this round (upstream recvset), by voter. */
  recvset: { sid: number; vote: RecordedVote }[];
  /** FOLLOWING/LEADING votes seen this round, any electionEpoch (upstream outofelection). */
  outOfElection: { sid: number; vote: RecordedVote }[];
  finalizeDeadlineMs: number | null;
  notificationTimeoutMs: number | null;
}

/** One run of lookForLeader. */
interface Round {
  startedAtMs: number;
  /** Our own initial vote (getInitId / getInitLastLoggedZxid / getPeerEpoch). */
  own: VoteOrderKey;
  recvset: Map<number, RecordedVote>;
  outOfElection: Map<number, RecordedVote>;
  /** Notifications waiting to be processed (upstream recvqueue), self-deliveries included. */
  inbox: Notification[];
  notTimeoutMs: number;
  /** When the main loop's poll gives up and we re-send (meaningful only outside the finalize wait). */
  pollDeadlineMs: number;
  /** Set while in the finalize wait: decide when it passes. */
  finalizeDeadlineMs: number | null;
  finalizeSupporters: number[];
}

function emptyOutput(): ElectionOutput {
  return { send: [], decided: null, events: [] };
}

function sameVote(a: Vote, b: Vote): boolean {
  return (
    a.leader === b.leader &&
    a.zxid === b.zxid &&
    a.electionEpoch === b.electionEpoch &&
    a.peerEpoch === b.peerEpoch
  );
}

export class FastLeaderElection {
  readonly myId: number;
  readonly quorum: QuorumVerifier;
  readonly finalizeWaitMs: number;
  readonly minNotificationIntervalMs: number;
  readonly maxNotificationIntervalMs: number;

  private peerState: ServerState = 'LOOKING';
  private clock = 0n;
  /** Our proposal (upstream proposedLeader / proposedZxid / proposedEpoch); null before the first round. */
  private proposal: VoteOrderKey | null = null;
  /** The vote we settled on while FOLLOWING/LEADING (the QuorumPeer's currentVote). */
  private finalVote: Vote | null = null;
  private round: Round | null = null;
  /** Notifications received while LOOKING outside lookForLeader; they open the next round's inbox. */
  private buffered: Notification[] = [];

  constructor(options: FastLeaderElectionOptions) {
    this.myId = options.myId;
    this.quorum = new QuorumMaj(options.voters);
    assert(
      this.quorum.isVoter(this.myId),
      `myId ${this.myId} is not among the voters [${this.quorum.voters.join(', ')}]`,
    );
    this.finalizeWaitMs = options.finalizeWaitMs ?? DEFAULT_FINALIZE_WAIT_MS;
    this.minNotificationIntervalMs = options.minNotificationIntervalMs ?? this.finalizeWaitMs;
    this.maxNotificationIntervalMs =
      options.maxNotificationIntervalMs ?? DEFAULT_MAX_NOTIFICATION_INTERVAL_MS;
    assert(this.finalizeWaitMs >= 0, 'finalizeWaitMs must be >= 0');
    assert(this.minNotificationIntervalMs > 0, 'minNotificationIntervalMs must be > 0');
    assert(
      this.maxNotificationIntervalMs >= this.minNotificationIntervalMs,
      'maxNotificationIntervalMs must be >= minNotificationIntervalMs',
    );
  }

  /** LOOKING until a decision (or setFinalVote), then LEADING/FOLLOWING until the next lookForLeader. */
  get state(): ServerState {
    return this.peerState;
  }

  /** The election round counter (upstream logicalclock). */
  get logicalclock(): bigint {
    return this.clock;
  }

  /** True between lookForLeader and the decision. */
  get inElection(): boolean {
    return this.round !== null;
  }

  /**
   * What we would tell another peer now: our proposal (electionEpoch = logicalclock) while LOOKING, our
   * final vote otherwise; null before the first election.
   */
  get currentVote(): Vote | null {
    if (this.peerState !== 'LOOKING') return this.finalVote;
    return this.proposal === null ? null : { ...this.proposal, electionEpoch: this.clock };
  }

  /** When the shell must call tick next; null when no timer is running (not in an election). */
  nextDeadlineMs(): number | null {
    const round = this.round;
    if (round === null) return null;
    return round.finalizeDeadlineMs ?? round.pollDeadlineMs;
  }

  /**
   * Starts a new election round (the QuorumPeer became LOOKING): logicalclock + 1, propose ourselves with
   * our own history, notify every voter. A round still running is abandoned first.
   */
  lookForLeader(input: ElectionInput, nowMs: number): ElectionOutput {
    const out = emptyOutput();
    if (this.round !== null) this.abandon(out);
    this.peerState = 'LOOKING';
    this.finalVote = null;
    this.clock += 1n;
    const own: VoteOrderKey = {
      leader: this.myId,
      zxid: input.lastLoggedZxid,
      peerEpoch: input.currentEpoch,
    };
    this.proposal = own;
    const round: Round = {
      startedAtMs: nowMs,
      own,
      recvset: new Map(),
      outOfElection: new Map(),
      inbox: this.buffered,
      notTimeoutMs: this.minNotificationIntervalMs,
      pollDeadlineMs: nowMs + this.minNotificationIntervalMs,
      finalizeDeadlineMs: null,
      finalizeSupporters: [],
    };
    this.buffered = [];
    this.round = round;
    out.events.push({ type: 'election-started', electionEpoch: this.clock, vote: this.proposedVote() });
    this.sendNotifications(out, 'election-started');
    this.drain(nowMs, out);
    return out;
  }

  /** A notification from another peer (or from ourselves, if a shell loops one back). */
  receive(n: Notification, nowMs: number): ElectionOutput {
    const out = emptyOutput();
    this.advance(nowMs, out);
    const vote = voteOf(n);
    out.events.push({ type: 'notification-received', from: n.sid, state: n.state, vote });

    if (!this.quorum.isVoter(n.sid)) {
      out.events.push({ type: 'notification-ignored', from: n.sid, reason: 'not-a-voter', vote });
      this.answer(n.sid, 'not-a-voter', out);
      return out;
    }

    if (this.peerState === 'LOOKING') {
      if (n.state === 'LOOKING' && n.electionEpoch < this.clock)
        this.answer(n.sid, 'lagging-election-epoch', out);
      if (this.round !== null) {
        this.round.inbox.push(n);
        this.drain(nowMs, out);
      } else {
        this.buffered.push(n);
        if (this.buffered.length > MAX_BUFFERED_NOTIFICATIONS) this.buffered.shift();
      }
    } else if (n.state === 'LOOKING') {
      this.answer(n.sid, 'peer-looking', out);
    }
    return out;
  }

  /** Fires the deadlines that nowMs has reached: the end of the finalize wait, or a re-send timeout. */
  tick(nowMs: number): ElectionOutput {
    const out = emptyOutput();
    this.advance(nowMs, out);
    return out;
  }

  /**
   * Sets the vote and state the QuorumPeer runs with outside an election (e.g. after Zab moved to a new
   * epoch, upstream QuorumPeer.updateElectionVote). Ends a running round without a decision. From now on
   * LOOKING peers are answered with this vote.
   */
  setFinalVote(vote: Vote, state: Exclude<ServerState, 'LOOKING'>): ElectionOutput {
    assert(state !== ('LOOKING' as ServerState), 'setFinalVote needs a state other than LOOKING');
    const out = emptyOutput();
    if (this.round !== null) this.abandon(out);
    this.buffered = [];
    this.peerState = state;
    this.finalVote = { ...vote };
    out.events.push({ type: 'final-vote-set', state, vote: { ...vote } });
    return out;
  }

  /**
   * Stops a running round without a decision (upstream shutdown of the election instance). The state
   * stays LOOKING; notifications are buffered until the next lookForLeader.
   */
  leaveElection(): ElectionOutput {
    const out = emptyOutput();
    if (this.round !== null) this.abandon(out);
    return out;
  }

  snapshot(): ElectionSnapshot {
    const round = this.round;
    const list = (map: Map<number, RecordedVote> | undefined) =>
      [...(map ?? new Map<number, RecordedVote>())]
        .map(([sid, vote]) => ({ sid, vote: { ...vote } }))
        .sort((a, b) => a.sid - b.sid);
    return {
      myId: this.myId,
      state: this.peerState,
      logicalclock: this.clock,
      inElection: round !== null,
      currentVote: this.currentVote,
      recvset: list(round?.recvset),
      outOfElection: list(round?.outOfElection),
      finalizeDeadlineMs: round?.finalizeDeadlineMs ?? null,
      notificationTimeoutMs: round?.notTimeoutMs ?? null,
    };
  }

  // ---------------------------------------------------------------------------------------------------

  private proposedVote(): Vote {
    assert(this.proposal !== null, 'no proposal yet');
    return { ...this.proposal, electionEpoch: this.clock };
  }

  /** totalOrderPredicate, plus upstream's rule that a non-voter (weight 0) never wins. */
  private beats(candidate: VoteOrderKey, current: VoteOrderKey): boolean {
    return this.quorum.isVoter(candidate.leader) && totalOrderPredicate(candidate, current);
  }

  private abandon(out: ElectionOutput): void {
    out.events.push({ type: 'election-abandoned', electionEpoch: this.clock });
    this.round = null;
  }

  /** Our proposal to every voter; our own copy goes into the inbox (see "send to self" above). */
  private sendNotifications(
    out: ElectionOutput,
    reason: 'election-started' | 'vote-changed' | 'notification-timeout',
  ): void {
    const round = this.round;
    assert(round !== null, 'sendNotifications outside a round');
    const vote = this.proposedVote();
    const to: number[] = [];
    for (const sid of this.quorum.voters) {
      const notification: Notification = {
        sid: this.myId,
        ...vote,
        state: 'LOOKING',
        version: NOTIFICATION_VERSION,
      };
      if (sid === this.myId) {
        round.inbox.push(notification);
      } else {
        out.send.push({ to: sid, notification });
        to.push(sid);
      }
    }
    out.events.push({ type: 'notifications-sent', reason, vote, to });
  }

  /** Upstream WorkerReceiver's direct replies: our current vote, logicalclock/epoch and state. */
  private answer(to: number, reason: AnswerReason, out: ElectionOutput): void {
    if (to === this.myId) return;
    const vote = this.currentVote;
    if (vote === null) return;
    const notification: Notification = {
      sid: this.myId,
      ...vote,
      // Upstream sends logicalclock while LOOKING (and to non-voters); a FOLLOWING/LEADING peer answers
      // lookers with the round its final vote was decided in.
      electionEpoch:
        this.peerState === 'LOOKING' || reason === 'not-a-voter' ? this.clock : vote.electionEpoch,
      state: this.peerState,
      version: NOTIFICATION_VERSION,
    };
    out.send.push({ to, notification });
    out.events.push({
      type: 'notification-answered',
      to,
      reason,
      state: this.peerState,
      vote: voteOf(notification),
    });
  }

  private advance(nowMs: number, out: ElectionOutput): void {
    const round = this.round;
    if (round === null) return;
    if (round.finalizeDeadlineMs !== null) {
      if (nowMs >= round.finalizeDeadlineMs)
        this.decide(this.proposedVote(), 'quorum', round.finalizeSupporters, nowMs, out);
      return;
    }
    if (nowMs >= round.pollDeadlineMs) {
      this.sendNotifications(out, 'notification-timeout');
      round.notTimeoutMs = Math.min(round.notTimeoutMs * 2, this.maxNotificationIntervalMs);
      round.pollDeadlineMs = nowMs + round.notTimeoutMs;
      out.events.push({ type: 'notification-timeout', nextTimeoutMs: round.notTimeoutMs });
      this.drain(nowMs, out);
    }
  }

  private drain(nowMs: number, out: ElectionOutput): void {
    for (let round = this.round; round !== null && round.inbox.length > 0; round = this.round) {
      const n = round.inbox.shift() as Notification;
      if (round.finalizeDeadlineMs !== null) this.duringFinalizeWait(round, n, nowMs, out);
      else this.process(round, n, nowMs, out);
    }
  }

  private duringFinalizeWait(round: Round, n: Notification, nowMs: number, out: ElectionOutput): void {
    assert(this.proposal !== null, 'finalize wait without a proposal');
    if (this.beats(n, this.proposal)) {
      round.finalizeDeadlineMs = null;
      round.finalizeSupporters = [];
      round.inbox.push(n);
      round.pollDeadlineMs = nowMs + round.notTimeoutMs;
      out.events.push({ type: 'finalize-wait-cancelled', by: n.sid, vote: voteOf(n) });
      return;
    }
    round.finalizeDeadlineMs = nowMs + this.finalizeWaitMs;
    if (n.sid !== this.myId) {
      out.events.push({
        type: 'notification-ignored',
        from: n.sid,
        reason: 'not-better-during-finalize-wait',
        vote: voteOf(n),
      });
    }
  }

  /** One iteration of upstream lookForLeader's loop for a notification taken from the inbox. */
  private process(round: Round, n: Notification, nowMs: number, out: ElectionOutput): void {
    round.pollDeadlineMs = nowMs + round.notTimeoutMs;
    const ignore = (reason: IgnoreReason) => {
      if (n.sid !== this.myId)
        out.events.push({ type: 'notification-ignored', from: n.sid, reason, vote: voteOf(n) });
    };
    if (!this.quorum.isVoter(n.sid)) return ignore('not-a-voter');
    if (!this.quorum.isVoter(n.leader)) return ignore('leader-not-a-voter');

    switch (n.state) {
      case 'LOOKING':
        this.processLooking(round, n, nowMs, out, ignore);
        return;
      case 'OBSERVING':
        return ignore('from-observer');
      case 'FOLLOWING':
      case 'LEADING':
        this.processOutOfElection(round, n, nowMs, out);
        return;
    }
  }

  private processLooking(
    round: Round,
    n: Notification,
    nowMs: number,
    out: ElectionOutput,
    ignore: (reason: IgnoreReason) => void,
  ): void {
    if (round.own.zxid === -1n) return ignore('own-zxid-minus-one');
    if (n.zxid === -1n) return ignore('zxid-minus-one');
    assert(this.proposal !== null, 'round without a proposal');

    if (n.electionEpoch > this.clock) {
      // We are behind: join the sender's round, forget this round's tally, and vote afresh between our
      // own initial vote and the sender's.
      const before = this.proposedVote();
      out.events.push({ type: 'logicalclock-advanced', from: this.clock, to: n.electionEpoch, by: n.sid });
      this.clock = n.electionEpoch;
      round.recvset.clear();
      this.updateProposal(this.beats(n, round.own) ? n : round.own, before, n.sid, out);
      this.sendNotifications(out, 'vote-changed');
    } else if (n.electionEpoch < this.clock) {
      return ignore('lower-election-epoch');
    } else if (this.beats(n, this.proposal)) {
      this.updateProposal(n, this.proposedVote(), n.sid, out);
      this.sendNotifications(out, 'vote-changed');
    }

    // Upstream records LOOKING votes as version-0 LOOKING votes ("don't care about the version").
    round.recvset.set(n.sid, { ...voteOf(n), state: 'LOOKING', version: 0 });
    const target: RecordedVote = { ...this.proposedVote(), state: 'LOOKING', version: 0 };
    const supporters = this.supporters(round.recvset, target);
    if (this.quorum.containsQuorum(supporters)) {
      round.finalizeDeadlineMs = nowMs + this.finalizeWaitMs;
      round.finalizeSupporters = supporters;
      out.events.push({
        type: 'finalize-wait-started',
        vote: this.proposedVote(),
        supporters,
        deadlineMs: round.finalizeDeadlineMs,
      });
    }
  }

  /** A FOLLOWING/LEADING peer told us whom it follows: maybe there is a leader to join already. */
  private processOutOfElection(round: Round, n: Notification, nowMs: number, out: ElectionOutput): void {
    const theirs: RecordedVote = { ...voteOf(n), state: n.state, version: n.version };
    if (n.electionEpoch === this.clock) {
      // Same round: count it with the LOOKING votes (upstream stores it as a version-0 vote).
      round.recvset.set(n.sid, { ...voteOf(n), state: n.state, version: 0 });
      const supporters = this.supporters(round.recvset, theirs);
      if (
        this.quorum.containsQuorum(supporters) &&
        this.checkLeader(round.recvset, n.leader, n.electionEpoch)
      ) {
        this.decide(voteOf(n), 'same-round-leader', supporters, nowMs, out);
        return;
      }
    }
    // Any round: a quorum already following a leader that says it is leading (ZOOKEEPER-1732).
    round.outOfElection.set(n.sid, theirs);
    const supporters = this.supporters(round.outOfElection, theirs);
    if (
      this.quorum.containsQuorum(supporters) &&
      this.checkLeader(round.outOfElection, n.leader, n.electionEpoch)
    ) {
      if (this.clock !== n.electionEpoch) {
        out.events.push({ type: 'logicalclock-advanced', from: this.clock, to: n.electionEpoch, by: n.sid });
      }
      this.clock = n.electionEpoch;
      this.decide(voteOf(n), 'established-ensemble', supporters, nowMs, out);
    }
  }

  /**
   * Upstream checkLeader: a quorum agreeing on someone else is not enough, that server must itself have
   * told us it is LEADING (otherwise we might keep electing a crashed leader). If it is us, the votes
   * must come from our current round.
   */
  private checkLeader(votes: Map<number, RecordedVote>, leader: number, electionEpoch: bigint): boolean {
    if (leader !== this.myId) return votes.get(leader)?.state === 'LEADING';
    return this.clock === electionEpoch;
  }

  private supporters(votes: Map<number, RecordedVote>, target: RecordedVote): number[] {
    const sids: number[] = [];
    for (const [sid, vote] of votes) if (votesEqual(vote, target)) sids.push(sid);
    return sids.sort((a, b) => a - b);
  }

  private updateProposal(next: VoteOrderKey, before: Vote, by: number, out: ElectionOutput): void {
    this.proposal = { leader: next.leader, zxid: next.zxid, peerEpoch: next.peerEpoch };
    const after = this.proposedVote();
    if (!sameVote(before, after)) out.events.push({ type: 'vote-changed', from: before, to: after, by });
  }

  private decide(
    vote: Vote,
    via: DecisionPath,
    supporters: number[],
    nowMs: number,
    out: ElectionOutput,
  ): void {
    const round = this.round;
    assert(round !== null, 'decide outside a round');
    assert(out.decided === null, 'two decisions in one step');
    const state: DecidedState = vote.leader === this.myId ? 'LEADING' : 'FOLLOWING';
    const finalVote: Vote = { ...vote };
    this.peerState = state;
    this.finalVote = finalVote;
    this.round = null; // leaveInstance: whatever is still in the inbox is dropped
    out.decided = { leader: vote.leader, state, vote: { ...finalVote }, electionEpoch: this.clock };
    out.events.push({
      type: 'leader-elected',
      leader: vote.leader,
      state,
      electionEpoch: this.clock,
      vote: { ...finalVote },
      supporters: [...supporters],
      via,
      tookMs: nowMs - round.startedAtMs,
    });
  }
}
