// Quorum math (upstream QuorumVerifier / QuorumMaj): a set of servers is a quorum when it holds a strict
// majority of the voting members. Any two majorities of the same voters share at least one server, which
// is what lets an election (and Zab after it) never pick two leaders for one epoch.

import { assert } from '../../../client/common/assert.ts';

/** Smallest number of voters that forms a majority of `voterCount`: 3 → 2, 4 → 3, 5 → 3. */
export function majorityOf(voterCount: number): number {
  assert(
    Number.isSafeInteger(voterCount) && voterCount > 0,
    `voter count must be a positive integer, got ${voterCount}`,
  );
  return Math.floor(voterCount / 2) + 1;
}

export interface QuorumVerifier {
  /** The voting members' server ids, ascending. */
  readonly voters: readonly number[];
  /** How many voters a quorum needs. */
  readonly majority: number;
  isVoter(sid: number): boolean;
  /** Do the voters among `sids` (duplicates and non-voters ignored) form a quorum? */
  containsQuorum(sids: Iterable<number>): boolean;
}

/** Majority quorums over a fixed voter list (upstream QuorumMaj, without weights or hierarchies). */
export class QuorumMaj implements QuorumVerifier {
  readonly voters: readonly number[];
  readonly majority: number;
  private readonly voterSet: ReadonlySet<number>;

  constructor(voters: Iterable<number>) {
    const list = [...voters];
    for (const sid of list) {
      assert(Number.isSafeInteger(sid) && sid >= 0, `server id must be a non-negative integer, got ${sid}`);
    }
    const set = new Set(list);
    assert(set.size === list.length, `voter ids must be unique, got [${list.join(', ')}]`);
    assert(set.size > 0, 'a quorum needs at least one voter');
    this.voterSet = set;
    this.voters = [...set].sort((a, b) => a - b);
    this.majority = majorityOf(set.size);
  }

  isVoter(sid: number): boolean {
    return this.voterSet.has(sid);
  }

  containsQuorum(sids: Iterable<number>): boolean {
    const counted = new Set<number>();
    for (const sid of sids) if (this.voterSet.has(sid)) counted.add(sid);
    return counted.size >= this.majority;
  }
}
