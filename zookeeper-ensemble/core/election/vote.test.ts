import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { compareVotes, formatVote, totalOrderPredicate, votesEqual, type RecordedVote } from './vote.ts';

const key = (leader: number, zxid: bigint, peerEpoch: bigint) => ({ leader, zxid, peerEpoch });

describe('totalOrderPredicate', () => {
  it('prefers the higher peerEpoch, even over a higher zxid and sid', () => {
    expect(totalOrderPredicate(key(1, 5n, 2n), key(3, 0x3_0000_0009n, 1n))).toBe(true);
    expect(totalOrderPredicate(key(3, 0x3_0000_0009n, 1n), key(1, 5n, 2n))).toBe(false);
  });

  it('then the higher zxid, then the higher sid', () => {
    expect(totalOrderPredicate(key(1, 0x1_0000_0005n, 1n), key(3, 0x1_0000_0004n, 1n))).toBe(true);
    expect(totalOrderPredicate(key(3, 7n, 1n), key(2, 7n, 1n))).toBe(true);
    expect(totalOrderPredicate(key(2, 7n, 1n), key(3, 7n, 1n))).toBe(false);
  });

  it('a vote never beats itself', () => {
    expect(totalOrderPredicate(key(2, 7n, 1n), key(2, 7n, 1n))).toBe(false);
  });

  it('is a strict total order (antisymmetric, transitive) over random votes', () => {
    const arbKey = fc.record({
      leader: fc.integer({ min: 1, max: 5 }),
      zxid: fc.bigInt({ min: -1n, max: 4n }),
      peerEpoch: fc.bigInt({ min: 0n, max: 2n }),
    });
    fc.assert(
      fc.property(arbKey, arbKey, arbKey, (a, b, c) => {
        const ab = totalOrderPredicate(a, b);
        const ba = totalOrderPredicate(b, a);
        expect(ab && ba).toBe(false);
        if (compareVotes(a, b) !== 0) expect(ab || ba).toBe(true);
        if (ab && totalOrderPredicate(b, c)) expect(totalOrderPredicate(a, c)).toBe(true);
        expect(Math.sign(compareVotes(a, b)) + Math.sign(compareVotes(b, a))).toBe(0);
      }),
    );
  });
});

describe('votesEqual (upstream Vote.equals)', () => {
  const base: RecordedVote = {
    leader: 3,
    zxid: 9n,
    electionEpoch: 2n,
    peerEpoch: 1n,
    state: 'LOOKING',
    version: 0,
  };

  it('compares all four numbers when either side is LOOKING', () => {
    expect(votesEqual(base, { ...base })).toBe(true);
    expect(votesEqual(base, { ...base, zxid: 8n, state: 'FOLLOWING' })).toBe(false);
    expect(votesEqual(base, { ...base, electionEpoch: 3n })).toBe(false);
    expect(votesEqual({ ...base, state: 'LEADING' }, { ...base, peerEpoch: 2n })).toBe(false);
  });

  it('ignores zxid and electionEpoch between two out-of-election votes', () => {
    const following: RecordedVote = { ...base, state: 'FOLLOWING', version: 2 };
    const leading: RecordedVote = { ...base, state: 'LEADING', version: 2, zxid: 100n, electionEpoch: 7n };
    expect(votesEqual(following, leading)).toBe(true);
    expect(votesEqual(following, { ...leading, peerEpoch: 2n })).toBe(false);
    expect(votesEqual(following, { ...leading, leader: 2 })).toBe(false);
  });

  it('compares only the leader when exactly one side has version 0', () => {
    const v0: RecordedVote = { ...base, state: 'FOLLOWING', version: 0 };
    const v2: RecordedVote = { ...base, state: 'LEADING', version: 2, peerEpoch: 5n };
    expect(votesEqual(v0, v2)).toBe(true);
    expect(votesEqual(v0, { ...v2, leader: 1 })).toBe(false);
  });

  it('formats votes for the journal', () => {
    expect(formatVote({ leader: 3, zxid: 0x1_0000_0002n, peerEpoch: 1n, electionEpoch: 2n })).toBe(
      '(leader 3, zxid 0x100000002, peerEpoch 1, round 2)',
    );
  });
});
