import { describe, expect, it } from 'vitest';

import { partitionForKey } from './murmur2.ts';
import { RoundRobinPartitioner, StickyPartitioner, createPartitioner } from './partitioners.ts';

const utf8 = new TextEncoder();
const input = (key: string | null, partitionCount: number, available?: number[]) => ({
  topic: 't',
  key: key === null ? null : utf8.encode(key),
  partitionCount,
  availablePartitions: available ?? Array.from({ length: partitionCount }, (_, i) => i),
});

/** Deterministic "random" numbers. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length];
}

describe('partitioners', () => {
  it('keyed records always use murmur2 over all partitions, whatever the null-key strategy', () => {
    for (const partitioner of [new StickyPartitioner(), new RoundRobinPartitioner()]) {
      for (const key of ['a', 'user-42', 'foobar', 'key1']) {
        expect(partitioner.partition(input(key, 6, [0]))).toBe(partitionForKey(utf8.encode(key), 6));
      }
    }
  });

  it('round-robin spreads null keys evenly over the available partitions', () => {
    const partitioner = new RoundRobinPartitioner(() => 0.5);
    const counts = new Map<number, number>();
    for (let i = 0; i < 600; i++) {
      const p = partitioner.partition(input(null, 6));
      counts.set(p, (counts.get(p) ?? 0) + 1);
    }
    expect([...counts.values()]).toEqual([100, 100, 100, 100, 100, 100]);
    // Consecutive records go to consecutive partitions.
    const a = partitioner.partition(input(null, 6));
    const b = partitioner.partition(input(null, 6));
    expect(b).toBe((a + 1) % 6);
  });

  it('round-robin skips partitions without a leader', () => {
    const partitioner = new RoundRobinPartitioner(() => 0);
    const seen = new Set<number>();
    for (let i = 0; i < 30; i++) seen.add(partitioner.partition(input(null, 6, [1, 4])));
    expect([...seen].sort()).toEqual([1, 4]);
  });

  it('sticky stays on one partition until onNewBatch, then moves to a different available one', () => {
    const partitioner = new StickyPartitioner(sequence(0.1, 0.9, 0.5));
    const first = partitioner.partition(input(null, 4));
    for (let i = 0; i < 50; i++) expect(partitioner.partition(input(null, 4))).toBe(first);
    partitioner.onNewBatch(input(null, 4), first);
    const second = partitioner.partition(input(null, 4));
    expect(second).not.toBe(first);
    for (let i = 0; i < 50; i++) expect(partitioner.partition(input(null, 4))).toBe(second);
    // A stale onNewBatch (for a partition we already left) does not move it again.
    partitioner.onNewBatch(input(null, 4), first);
    expect(partitioner.partition(input(null, 4))).toBe(second);
  });

  it('sticky picks only available partitions', () => {
    const partitioner = new StickyPartitioner(sequence(0, 0.3, 0.6, 0.99));
    for (let i = 0; i < 20; i++) {
      const p = partitioner.partition(input(null, 8, [2, 5]));
      expect([2, 5]).toContain(p);
      partitioner.onNewBatch(input(null, 8, [2, 5]), p);
    }
  });

  it('createPartitioner resolves names and passes objects through', () => {
    expect(createPartitioner(undefined).name).toBe('sticky');
    expect(createPartitioner('round-robin').name).toBe('round-robin');
    const custom = { name: 'always-zero', partition: () => 0 };
    expect(createPartitioner(custom)).toBe(custom);
  });
});
