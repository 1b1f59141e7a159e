import { describe, expect, it } from 'vitest';

import { roundRobinAssign } from './roundrobin.ts';
import { counts, members, show } from './test-helpers.ts';

describe('roundrobin assignor', () => {
  it('C0, C1 and t0, t1 with 3 partitions each → C0 [t0p0, t0p2, t1p1], C1 [t0p1, t1p0, t1p2]', () => {
    const result = roundRobinAssign({
      members: members({ C0: ['t0', 't1'], C1: ['t0', 't1'] }),
      partitionsPerTopic: counts({ t0: 3, t1: 3 }),
    });
    expect(show(result)).toEqual({ C0: ['t0p0', 't0p2', 't1p1'], C1: ['t0p1', 't1p0', 't1p2'] });
  });

  // Kafka's StickyAssignor documentation, example 1 (the round-robin result it quotes).
  it('3 members, 4 topics × 2 partitions; then C1 leaves', () => {
    const topics = ['t0', 't1', 't2', 't3'];
    const partitions = counts({ t0: 2, t1: 2, t2: 2, t3: 2 });
    const before = roundRobinAssign({
      members: members({ C0: topics, C1: topics, C2: topics }),
      partitionsPerTopic: partitions,
    });
    expect(show(before)).toEqual({
      C0: ['t0p0', 't1p1', 't3p0'],
      C1: ['t0p1', 't2p0', 't3p1'],
      C2: ['t1p0', 't2p1'],
    });
    const after = roundRobinAssign({
      members: members({ C0: topics, C2: topics }),
      partitionsPerTopic: partitions,
    });
    expect(show(after)).toEqual({
      C0: ['t0p0', 't1p0', 't2p0', 't3p0'],
      C2: ['t0p1', 't1p1', 't2p1', 't3p1'],
    });
  });

  // Kafka's StickyAssignor documentation, example 2: unequal subscriptions.
  it('skips members not subscribed to a topic (C0: t0; C1: t0,t1; C2: t0,t1,t2)', () => {
    const partitions = counts({ t0: 1, t1: 2, t2: 3 });
    const result = roundRobinAssign({
      members: members({ C0: ['t0'], C1: ['t0', 't1'], C2: ['t0', 't1', 't2'] }),
      partitionsPerTopic: partitions,
    });
    expect(show(result)).toEqual({ C0: ['t0p0'], C1: ['t1p0'], C2: ['t1p1', 't2p0', 't2p1', 't2p2'] });
    const withoutC0 = roundRobinAssign({
      members: members({ C1: ['t0', 't1'], C2: ['t0', 't1', 't2'] }),
      partitionsPerTopic: partitions,
    });
    expect(show(withoutC0)).toEqual({ C1: ['t0p0', 't1p1'], C2: ['t1p0', 't2p0', 't2p1', 't2p2'] });
  });

  it('identical subscriptions: counts differ by at most one', () => {
    const result = roundRobinAssign({
      members: members({ a: ['x', 'y'], b: ['x', 'y'], c: ['x', 'y'] }),
      partitionsPerTopic: counts({ x: 5, y: 3 }),
    });
    const sizes = [...result.values()].map((list) => list.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(8);
  });
});
