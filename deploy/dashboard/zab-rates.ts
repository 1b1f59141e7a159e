// Zab throughput as a learner sees it flow: proposals per second the ZooKeeper leader commits, and ACKs
// per second from each follower. Each comes from the zxid counters of successive polls (the low 32 bits
// of a zxid count the proposals of its epoch), over the last few polls so the number does not flicker.
//
// A window only spans one leader process in one epoch: a new leader, a restarted leader or a new epoch
// starts it afresh (counters of two epochs cannot be subtracted), and so does a follower that restarted
// or whose counter went back (it resynchronised). Pure: the poll times come in with the observations.

import type { ZooKeeperObservation } from './state.ts';

/** Polls kept per window: about two seconds at the dashboard's 500 ms poll. */
export const RATE_WINDOW_POLLS = 5;

interface CounterPoint {
  readonly at: number;
  readonly counter: number;
}

interface FollowerWindow {
  readonly pid: number | null;
  readonly points: readonly CounterPoint[];
}

/** What the last polls said about one leader in one epoch. */
export interface ZabRateWindow {
  readonly leader: string;
  readonly leaderPid: number | null;
  readonly epoch: number;
  /** The leader's last processed (committed) zxid counter, per poll. */
  readonly committed: readonly CounterPoint[];
  /** Follower name → its highest ACKed zxid counter, per poll (of this epoch only). */
  readonly followers: Readonly<Record<string, FollowerWindow>>;
}

export interface ZabRates {
  readonly leader: string;
  /** Proposals per second the leader committed; null until two polls of one epoch. */
  readonly committedPerSecond: number | null;
  /** Follower name → ACKs per second; null until two polls with ACKs of this epoch. */
  readonly acksPerSecond: Readonly<Record<string, number | null>>;
}

function split(zxidHex: string): { epoch: number; counter: number } {
  const zxid = BigInt(zxidHex);
  return { epoch: Number(zxid >> 32n), counter: Number(zxid & 0xffff_ffffn) };
}

/** The server that leads: LEADING and answering; of two (a cut-off old leader), the newer epoch. */
function leaderOf(zookeepers: readonly ZooKeeperObservation[]): ZooKeeperObservation | undefined {
  return zookeepers
    .filter((server) => server.process === 'running' && server.quorum?.state === 'LEADING')
    .sort((a, b) => b.quorum!.currentEpoch - a.quorum!.currentEpoch)[0];
}

/** `points` with `point` added, the last `size` kept. */
function pushPoint(points: readonly CounterPoint[], point: CounterPoint, size: number): CounterPoint[] {
  return [...points, point].slice(-size);
}

/**
 * The window after one more poll at `at`: null without a leader. `previous` is the window of the last
 * poll (null at first).
 */
export function advanceZabRates(
  previous: ZabRateWindow | null,
  at: number,
  zookeepers: readonly ZooKeeperObservation[],
  size = RATE_WINDOW_POLLS,
): ZabRateWindow | null {
  const leader = leaderOf(zookeepers);
  if (leader === undefined) return null;
  const { epoch, counter } = split(leader.quorum!.lastProcessedZxid);
  const same =
    previous !== null &&
    previous.leader === leader.name &&
    previous.leaderPid === leader.pid &&
    previous.epoch === epoch &&
    (previous.committed.at(-1)?.counter ?? 0) <= counter;
  const base = same ? previous : null;
  const followers: Record<string, FollowerWindow> = {};
  for (const learner of leader.quorum!.learners ?? []) {
    const follower = zookeepers.find((server) => server.sid === learner.sid);
    const name = follower?.name ?? `zk${learner.sid}`;
    const pid = follower?.pid ?? null;
    const acked = learner.ackedZxid ? split(learner.ackedZxid) : null;
    if (acked === null || acked.epoch !== epoch) {
      followers[name] = { pid, points: [] };
      continue;
    }
    const before = base?.followers[name];
    const continues =
      before !== undefined && before.pid === pid && (before.points.at(-1)?.counter ?? 0) <= acked.counter;
    followers[name] = {
      pid,
      points: pushPoint(continues ? before.points : [], { at, counter: acked.counter }, size),
    };
  }
  return {
    leader: leader.name,
    leaderPid: leader.pid,
    epoch,
    committed: pushPoint(base?.committed ?? [], { at, counter }, size),
    followers,
  };
}

/** Counter increase per second from the oldest to the newest point, to one decimal; null under two polls. */
export function perSecond(points: readonly CounterPoint[]): number | null {
  if (points.length < 2) return null;
  const first = points[0];
  const last = points[points.length - 1];
  const elapsedMs = last.at - first.at;
  if (elapsedMs <= 0) return null;
  return Math.round(((last.counter - first.counter) * 10_000) / elapsedMs) / 10;
}

export function zabRates(window: ZabRateWindow | null): ZabRates | null {
  if (window === null) return null;
  return {
    leader: window.leader,
    committedPerSecond: perSecond(window.committed),
    acksPerSecond: Object.fromEntries(
      Object.entries(window.followers).map(([name, follower]) => [name, perSecond(follower.points)]),
    ),
  };
}
