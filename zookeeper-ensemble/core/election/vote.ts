// Votes and notifications of ZooKeeper's FastLeaderElection (FLE), and the order that picks a winner.
//
// A vote names the server a peer wants as leader together with that server's history: the epoch it last
// acknowledged (`peerEpoch`) and the last transaction it logged (`zxid`). Every peer runs the same total
// order over votes, so once they have all heard each other they converge on the same, most up-to-date
// server. Pure: no I/O, no clock.

/** A peer's role, as carried in every notification (wire ordinals 0..3 in this order). */
export type ServerState = 'LOOKING' | 'FOLLOWING' | 'LEADING' | 'OBSERVING';

/** Wire ordinal ↔ state, in ZooKeeper's QuorumPeer.ServerState order. */
export const SERVER_STATES: readonly ServerState[] = ['LOOKING', 'FOLLOWING', 'LEADING', 'OBSERVING'];

/** The notification format version we send (ZooKeeper 3.5+ sends 2, the first version with a config field). */
export const NOTIFICATION_VERSION = 2;

/** A vote for a leader (upstream `Vote`; upstream calls the proposed leader's id `id`, we call it `leader`). */
export interface Vote {
  /** Server id of the proposed leader. */
  leader: number;
  /** Last logged zxid of the proposed leader (epoch << 32 | counter). */
  zxid: bigint;
  /** The election round (logicalclock) in which this vote was cast. */
  electionEpoch: bigint;
  /** The proposed leader's current epoch (`currentEpoch` file). */
  peerEpoch: bigint;
}

/** One FLE message (upstream `FastLeaderElection.Notification`). */
export interface Notification {
  /** Server id of the sender. */
  sid: number;
  /** Proposed leader. */
  leader: number;
  /** zxid of the proposed leader. */
  zxid: bigint;
  /** The sender's logicalclock (for a FOLLOWING/LEADING sender: the round in which it decided). */
  electionEpoch: bigint;
  /** Epoch of the proposed leader. */
  peerEpoch: bigint;
  /** The sender's state. */
  state: ServerState;
  /** Message format version (we send NOTIFICATION_VERSION). */
  version: number;
}

/** The parts of a vote that the total order looks at. */
export type VoteOrderKey = Pick<Vote, 'leader' | 'zxid' | 'peerEpoch'>;

/**
 * ZooKeeper's totalOrderPredicate: does `candidate` beat `current`? Higher peerEpoch wins; on a tie the
 * higher zxid; on a tie the higher server id. A vote never beats itself.
 */
export function totalOrderPredicate(candidate: VoteOrderKey, current: VoteOrderKey): boolean {
  return compareVotes(candidate, current) > 0;
}

/** Sort helper for the same order: negative if `a` loses to `b`, 0 if they propose the same, positive if it wins. */
export function compareVotes(a: VoteOrderKey, b: VoteOrderKey): number {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch ? 1 : -1;
  if (a.zxid !== b.zxid) return a.zxid > b.zxid ? 1 : -1;
  if (a.leader !== b.leader) return a.leader > b.leader ? 1 : -1;
  return 0;
}

/**
 * A vote as FLE records it in its tallies (recvset / out-of-election set): with the voter's state and the
 * message version, because both change how two votes are compared (see votesEqual).
 */
export interface RecordedVote extends Vote {
  state: ServerState;
  version: number;
}

/**
 * Upstream `Vote.equals`, the test used when counting supporters of a vote.
 *
 * - If either side is LOOKING, all four numbers must match (leader, zxid, electionEpoch, peerEpoch).
 * - If both sides are out of the election (FOLLOWING/LEADING/OBSERVING), zxid and electionEpoch are not
 *   compared: a running ensemble's members may report different ones for the same leader
 *   (ZOOKEEPER-1805), and one epoch names one leader. peerEpoch is compared too, except when exactly one
 *   side has version 0 (the compatibility rule of ZOOKEEPER-1732, kept so our tallies count like upstream).
 */
export function votesEqual(a: RecordedVote, b: RecordedVote): boolean {
  if (a.state === 'LOOKING' || b.state === 'LOOKING') {
    return (
      a.leader === b.leader &&
      a.zxid === b.zxid &&
      a.electionEpoch === b.electionEpoch &&
      a.peerEpoch === b.peerEpoch
    );
  }
  if (a.version > 0 !== b.version > 0) return a.leader === b.leader;
  return a.leader === b.leader && a.peerEpoch === b.peerEpoch;
}

/** The vote carried by a notification. */
export function voteOf(n: Notification): Vote {
  return { leader: n.leader, zxid: n.zxid, electionEpoch: n.electionEpoch, peerEpoch: n.peerEpoch };
}

/** Formats a vote the way the journal and test failures show it: `(leader 3, zxid 0x100000002, peerEpoch 1, round 2)`. */
export function formatVote(vote: Vote): string {
  return `(leader ${vote.leader}, zxid 0x${vote.zxid.toString(16)}, peerEpoch ${vote.peerEpoch}, round ${vote.electionEpoch})`;
}
