import { describe, expect, it } from 'vitest';

import { majorityOf, QuorumMaj } from './quorum-verifier.ts';

describe('QuorumMaj', () => {
  it('majority math', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(majorityOf)).toEqual([1, 2, 2, 3, 3, 4, 4]);
    expect(() => majorityOf(0)).toThrow(/positive/);
  });

  it('containsQuorum counts distinct voters only', () => {
    const q = new QuorumMaj([5, 1, 3, 2, 4]);
    expect(q.voters).toEqual([1, 2, 3, 4, 5]);
    expect(q.majority).toBe(3);
    expect(q.containsQuorum([1, 2])).toBe(false);
    expect(q.containsQuorum(new Set([1, 2, 5]))).toBe(true);
    expect(q.containsQuorum([1, 1, 2, 2])).toBe(false);
    expect(q.containsQuorum([1, 2, 9, 10])).toBe(false);
    expect(q.isVoter(4)).toBe(true);
    expect(q.isVoter(6)).toBe(false);
  });

  it('any two quorums intersect', () => {
    const q = new QuorumMaj([1, 2, 3, 4, 5]);
    const subsets = Array.from({ length: 32 }, (_, mask) =>
      [1, 2, 3, 4, 5].filter((_, i) => mask & (1 << i)),
    );
    for (const a of subsets.filter((s) => q.containsQuorum(s))) {
      for (const b of subsets.filter((s) => q.containsQuorum(s))) {
        expect(a.some((sid) => b.includes(sid))).toBe(true);
      }
    }
  });

  it('rejects bad voter lists', () => {
    expect(() => new QuorumMaj([])).toThrow(/at least one/);
    expect(() => new QuorumMaj([1, 1])).toThrow(/unique/);
    expect(() => new QuorumMaj([1.5])).toThrow(/non-negative integer/);
  });
});
