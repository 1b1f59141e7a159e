import { describe, expect, it } from 'vitest';

import { emptyLagHistory, lagSample, newestSamples, recordLag, type LagHistory } from './lag-history.ts';
import type { GroupsView, GroupView } from './lab-client.ts';

/** A group whose partitions of `orders` lag by `lags` (partition i lags by lags[i]). */
function group(groupId: string, lags: readonly number[]): GroupView {
  return {
    groupId,
    state: 'Stable',
    protocol: 'range',
    coordinatorId: 1,
    members: [],
    partitions: lags.map((lag, partition) => ({
      topic: 'orders',
      partition,
      committedOffset: '10',
      logEndOffset: String(10 + lag),
      lag: String(lag),
      memberId: null,
      clientId: null,
    })),
    totalLag: String(lags.reduce((sum, lag) => sum + lag, 0)),
    error: null,
  };
}

const view = (at: number, ...groups: GroupView[]): GroupsView => ({ at, groups, error: null });

const totals = (history: LagHistory, groupId: string): number[] =>
  (history.groups[groupId] ?? []).map((sample) => sample.totalLag);

describe('the consumer-group lag history', () => {
  it('samples a group: its total lag and each partition’s', () => {
    expect(lagSample(5, group('g', [3, 0, 4]))).toEqual({
      at: 5,
      totalLag: 7,
      partitions: { 'orders-0': 3, 'orders-1': 0, 'orders-2': 4 },
    });
  });

  it('keeps one sample per poll per group, oldest first', () => {
    let history = emptyLagHistory();
    history = recordLag(history, view(1000, group('g', [1]), group('h', [5, 5])));
    history = recordLag(history, view(3000, group('g', [4]), group('h', [0, 2])));
    expect(totals(history, 'g')).toEqual([1, 4]);
    expect(totals(history, 'h')).toEqual([10, 2]);
    expect(history.groups.h.map((sample) => sample.partitions['orders-1'])).toEqual([5, 2]);
  });

  it('forgets samples older than the window, and beyond the capacity', () => {
    let history = emptyLagHistory(10_000, 100);
    for (const at of [0, 4000, 8000, 12_000]) history = recordLag(history, view(at, group('g', [at / 1000])));
    // At 12 s with a 10 s window, the sample of 0 s is gone.
    expect(totals(history, 'g')).toEqual([4, 8, 12]);
    let small = emptyLagHistory(60_000, 3);
    for (let at = 1; at <= 5; at++) small = recordLag(small, view(at, group('g', [at])));
    expect(totals(small, 'g')).toEqual([3, 4, 5]);
  });

  it('drops a group that vanished, and starts afresh if it comes back', () => {
    let history = emptyLagHistory();
    history = recordLag(history, view(1000, group('g', [1]), group('h', [2])));
    history = recordLag(history, view(2000, group('h', [3])));
    expect(Object.keys(history.groups)).toEqual(['h']);
    history = recordLag(history, view(3000, group('g', [9]), group('h', [3])));
    expect(totals(history, 'g')).toEqual([9]);
  });

  it('records nothing from a failed poll (its groups are the last good ones, not a new reading)', () => {
    const before = recordLag(emptyLagHistory(), view(1000, group('g', [1])));
    const failed: GroupsView = { ...view(2000, group('g', [1])), error: 'no brokers' };
    expect(recordLag(before, failed)).toBe(before);
  });

  it('gives each group’s newest sample, for a page to extend the history it holds', () => {
    expect(newestSamples(emptyLagHistory())).toEqual({});
    let history = recordLag(emptyLagHistory(), view(1000, group('g', [1]), group('h', [2])));
    history = recordLag(history, view(2000, group('g', [5])));
    expect(newestSamples(history)).toEqual({ g: lagSample(2000, group('g', [5])) });
  });

  it('ignores a reading no newer than the last (a repeated poll time)', () => {
    let history = recordLag(emptyLagHistory(), view(1000, group('g', [1])));
    history = recordLag(history, view(1000, group('g', [2])));
    expect(history.groups.g).toEqual([lagSample(1000, group('g', [2]))]);
  });
});
