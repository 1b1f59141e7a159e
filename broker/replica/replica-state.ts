// The leader's bookkeeping of its followers, and the follower's truncation rule, as pure functions
// (kafka-zk-era.md §3.2–§3.6; Kafka 2.4's kafka.cluster.Partition and Replica, ReplicaFetcherThread).
// No clock: every rule takes the caller's `nowMs`. The ReplicaManager shell keeps one FollowerFetchState
// per remote replica of each partition it leads and calls these on every follower fetch and on its ISR
// shrink timer, so tests can replay the reference's step tables exactly.

/** What a leader knows about one follower of one partition (Kafka's `Replica`). */
export interface FollowerFetchState {
  /** The follower's log end offset: the offset of its last fetch (-1 = not heard from in this leadership). */
  readonly logEndOffset: bigint;
  /** Last time the follower was known to be caught up with the leader's log end (0 = never). */
  readonly lastCaughtUpTimeMs: number;
  /** The leader's log end offset when the follower's previous fetch arrived. */
  readonly lastFetchLeaderLogEndOffset: bigint;
  /** When the follower's previous fetch arrived. */
  readonly lastFetchTimeMs: number;
}

/** A follower's state when this broker becomes leader: ISR members count as caught up now (Partition.makeLeader). */
export function initialFollowerState(inIsr: boolean, nowMs: number): FollowerFetchState {
  return {
    logEndOffset: -1n,
    lastCaughtUpTimeMs: inIsr ? nowMs : 0,
    lastFetchLeaderLogEndOffset: -1n,
    lastFetchTimeMs: inIsr ? nowMs : 0,
  };
}

/**
 * A fetch from the follower at `fetchOffset` arrived while the leader's log ended at `leaderLogEndOffset`.
 * The fetch offset is the follower's log end offset. It is caught up now if it has reached the leader's
 * end; if it has reached where the leader's log ended at its previous fetch, it was caught up then (§3.4):
 * a follower that keeps fetching but never reaches a moving end stays "lagging".
 */
export function updateFollowerFetchState(
  previous: FollowerFetchState,
  fetchOffset: bigint,
  leaderLogEndOffset: bigint,
  nowMs: number,
): FollowerFetchState {
  let lastCaughtUpTimeMs = previous.lastCaughtUpTimeMs;
  if (fetchOffset >= leaderLogEndOffset) lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, nowMs);
  else if (fetchOffset >= previous.lastFetchLeaderLogEndOffset)
    lastCaughtUpTimeMs = Math.max(lastCaughtUpTimeMs, previous.lastFetchTimeMs);
  return {
    logEndOffset: fetchOffset,
    lastCaughtUpTimeMs,
    lastFetchLeaderLogEndOffset: leaderLogEndOffset,
    lastFetchTimeMs: nowMs,
  };
}

export interface LeaderView {
  readonly leaderId: number;
  readonly leaderLogEndOffset: bigint;
  readonly isr: readonly number[];
  readonly followers: ReadonlyMap<number, FollowerFetchState>;
  readonly replicaLagTimeMaxMs: number;
  readonly nowMs: number;
}

/**
 * The high watermark the leader may move to: the smallest log end offset among the leader and every ISR
 * member, and (Kafka 2.4) any follower outside the ISR that was caught up within replica.lag.time.max.ms,
 * so a recovering follower is not outrun forever. The caller only ever moves the HW forward.
 */
export function highWatermarkCandidate(view: LeaderView): bigint {
  let candidate = view.leaderLogEndOffset;
  for (const [replicaId, state] of view.followers) {
    if (replicaId === view.leaderId) continue;
    const counts =
      view.isr.includes(replicaId) || view.nowMs - state.lastCaughtUpTimeMs <= view.replicaLagTimeMaxMs;
    if (counts && state.logEndOffset < candidate) candidate = state.logEndOffset;
  }
  // An ISR member the leader has no state for (not yet fetched in this leadership) holds the HW back.
  for (const replicaId of view.isr) {
    if (replicaId !== view.leaderId && !view.followers.has(replicaId)) return -1n;
  }
  return candidate;
}

/**
 * ISR members that are out of sync (§3.4): not at the leader's log end and not caught up for longer than
 * replica.lag.time.max.ms. The leader never removes itself.
 */
export function outOfSyncReplicas(view: LeaderView): number[] {
  return view.isr.filter((replicaId) => {
    if (replicaId === view.leaderId) return false;
    const state = view.followers.get(replicaId);
    if (state === undefined) return true;
    return (
      state.logEndOffset !== view.leaderLogEndOffset &&
      view.nowMs - state.lastCaughtUpTimeMs > view.replicaLagTimeMaxMs
    );
  });
}

/**
 * A follower outside the ISR may join when it has everything the leader has committed (LEO ≥ HW) and
 * everything written in the leader's current epoch so far begins within its log (LEO ≥ that epoch's start).
 */
export function mayJoinIsr(
  followerLogEndOffset: bigint,
  leaderHighWatermark: bigint,
  currentEpochStartOffset: bigint,
): boolean {
  return followerLogEndOffset >= leaderHighWatermark && followerLogEndOffset >= currentEpochStartOffset;
}

/** The leader's answer to OffsetsForLeaderEpoch(epoch) and what the follower finds locally for that epoch. */
export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: bigint;
}

export type TruncationStep =
  /** Truncate to `offset` and start fetching from there. */
  | { readonly kind: 'truncate-and-fetch'; readonly offset: bigint }
  /** Truncate to `offset`, then ask again with the latest epoch left (KIP-279's iterative step). */
  | { readonly kind: 'truncate-and-ask-again'; readonly offset: bigint };

/**
 * The follower's truncation after the leader answered `leader` = (E', X) for its latest epoch (§3.6):
 *  - leader has no epoch information (UNDEFINED): truncate to the high watermark (pre-KIP-101 rule);
 *  - the follower knows E' too (its largest epoch ≤ E' is E'): truncate to min(X, its own end of E', LEO);
 *  - otherwise it does not know E': truncate to the end of its largest epoch below E' and ask again.
 * `local` is the follower's own endOffsetFor(E') answer; `logEndOffset` and `highWatermark` are its own.
 */
export function truncationStep(
  leader: EpochEndOffset,
  local: EpochEndOffset,
  logEndOffset: bigint,
  highWatermark: bigint,
): TruncationStep {
  const min = (...values: bigint[]) => values.reduce((a, b) => (b < a ? b : a));
  if (leader.leaderEpoch < 0 || leader.endOffset < 0n) {
    return { kind: 'truncate-and-fetch', offset: min(highWatermark, logEndOffset) };
  }
  if (local.leaderEpoch === leader.leaderEpoch) {
    return {
      kind: 'truncate-and-fetch',
      offset: min(leader.endOffset, local.endOffset < 0n ? logEndOffset : local.endOffset, logEndOffset),
    };
  }
  if (local.leaderEpoch < 0 || local.endOffset < 0n) {
    // Nothing below E' locally: everything we have is from epochs the leader does not know.
    return { kind: 'truncate-and-fetch', offset: min(leader.endOffset, logEndOffset) };
  }
  return { kind: 'truncate-and-ask-again', offset: min(local.endOffset, logEndOffset) };
}
