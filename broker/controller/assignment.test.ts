import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  assignNewPartitions,
  AssignmentError,
  assignReplicasToBrokers,
  collidingTopic,
  fixedRandom,
  rackAlternatedBrokerList,
  toTopicAssignment,
  topicNameProblem,
  type BrokerMetadata,
  type RandomSource,
} from './assignment.ts';

const brokers = (...ids: number[]): BrokerMetadata[] => ids.map((id) => ({ id, rack: undefined }));
const asObject = (m: Map<number, number[]>) => Object.fromEntries(m);

/** A seeded PRNG for property tests (mulberry32). */
function seeded(seed: number): RandomSource {
  let a = seed >>> 0;
  return {
    nextInt(bound: number) {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * bound);
    },
  };
}

describe('assignReplicasToBrokers: the reference worked examples', () => {
  it("brokers [0..4], P=10, R=3, startIndex=0, shift=0 (the table in Kafka's source comment)", () => {
    const expected = {
      0: [0, 1, 2],
      1: [1, 2, 3],
      2: [2, 3, 4],
      3: [3, 4, 0],
      4: [4, 0, 1],
      5: [0, 2, 3],
      6: [1, 3, 4],
      7: [2, 4, 0],
      8: [3, 0, 1],
      9: [4, 1, 2],
    };
    expect(asObject(assignReplicasToBrokers(brokers(0, 1, 2, 3, 4), 10, 3, fixedRandom(0, 0)))).toEqual(
      expected,
    );
    expect(
      asObject(assignReplicasToBrokers(brokers(4, 2, 0, 3, 1), 10, 3, fixedRandom(), { fixedStartIndex: 0 })),
    ).toEqual(expected);
  });

  it('brokers [1,2,3], P=6, R=2, startIndex=1, shift=2', () => {
    expect(asObject(assignReplicasToBrokers(brokers(1, 2, 3), 6, 2, fixedRandom(1, 2)))).toEqual({
      0: [2, 3],
      1: [3, 1],
      2: [1, 2],
      3: [2, 1],
      4: [3, 2],
      5: [1, 3],
    });
  });

  it('draws startIndex first, then the shift, each in [0, n)', () => {
    const draws: number[] = [];
    const random: RandomSource = {
      nextInt(bound) {
        draws.push(bound);
        return bound - 1;
      },
    };
    expect(asObject(assignReplicasToBrokers(brokers(10, 20, 30), 1, 3, random))).toEqual({ 0: [30, 10, 20] });
    expect(draws).toEqual([3, 3]);
  });

  it('RF 1 puts each partition on one broker, round-robin from startIndex', () => {
    expect(asObject(assignReplicasToBrokers(brokers(1, 2, 3), 4, 1, fixedRandom(2, 0)))).toEqual({
      0: [3],
      1: [1],
      2: [2],
      3: [3],
    });
  });

  it('rejects P ≤ 0, R ≤ 0, R > brokers and partial rack information', () => {
    const code = (run: () => unknown) => {
      try {
        run();
      } catch (error) {
        expect(error).toBeInstanceOf(AssignmentError);
        return (error as AssignmentError).error;
      }
      return 'no error';
    };
    expect(code(() => assignReplicasToBrokers(brokers(1), 0, 1, fixedRandom(0, 0)))).toBe(
      'INVALID_PARTITIONS',
    );
    expect(code(() => assignReplicasToBrokers(brokers(1), 1, 0, fixedRandom(0, 0)))).toBe(
      'INVALID_REPLICATION_FACTOR',
    );
    expect(code(() => assignReplicasToBrokers(brokers(1, 2), 1, 3, fixedRandom(0, 0)))).toBe(
      'INVALID_REPLICATION_FACTOR',
    );
    expect(
      code(() =>
        assignReplicasToBrokers(
          [
            { id: 1, rack: 'a' },
            { id: 2, rack: undefined },
          ],
          1,
          1,
          fixedRandom(0, 0),
        ),
      ),
    ).toBe('INVALID_REQUEST');
  });

  it('properties: distinct replicas, leaders round-robin, leader counts differ by at most one', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 9 }),
        fc.integer(),
        (n, p, r, seed) => {
          fc.pre(r <= n);
          const ids = Array.from({ length: n }, (_, i) => i * 2 + 1);
          const result = assignReplicasToBrokers(brokers(...ids), p, r, seeded(seed));
          const leaderCounts = new Map<number, number>();
          for (const [partition, replicas] of result) {
            expect(replicas).toHaveLength(r);
            expect(new Set(replicas).size).toBe(r);
            leaderCounts.set(replicas[0], (leaderCounts.get(replicas[0]) ?? 0) + 1);
            const next = result.get(partition + 1);
            if (next !== undefined) expect(ids.indexOf(next[0])).toBe((ids.indexOf(replicas[0]) + 1) % n);
          }
          const counts = ids.map((id) => leaderCounts.get(id) ?? 0);
          expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('rack-aware assignment', () => {
  const racks = (entries: [number, string][]): BrokerMetadata[] =>
    entries.map(([id, rack]) => ({ id, rack }));

  it('alternates racks: {0:r1,1:r3,2:r3,3:r2,4:r2,5:r1} → 0,3,1,5,4,2', () => {
    expect(
      rackAlternatedBrokerList(
        racks([
          [0, 'r1'],
          [1, 'r3'],
          [2, 'r3'],
          [3, 'r2'],
          [4, 'r2'],
          [5, 'r1'],
        ]),
      ),
    ).toEqual([0, 3, 1, 5, 4, 2]);
  });

  it('with a fixed start index: replicas of each partition land on different racks', () => {
    const list = racks([
      [0, 'r1'],
      [1, 'r3'],
      [2, 'r3'],
      [3, 'r2'],
      [4, 'r2'],
      [5, 'r1'],
    ]);
    const result = assignReplicasToBrokers(list, 6, 3, fixedRandom(), { fixedStartIndex: 0 });
    expect(asObject(result)).toEqual({
      0: [0, 3, 1],
      1: [3, 1, 5],
      2: [1, 5, 4],
      3: [5, 4, 2],
      4: [4, 2, 0],
      5: [2, 0, 3],
    });
    const rackOf = new Map(list.map((b) => [b.id, b.rack]));
    for (const replicas of result.values())
      expect(new Set(replicas.map((id) => rackOf.get(id))).size).toBe(3);
  });

  it('property: with RF ≤ racks every partition spans RF racks', () => {
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { minLength: 1, maxLength: 10 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        (rackList, p, seed) => {
          const list = rackList.map((rack, id) => ({ id, rack }));
          const rackCount = new Set(rackList).size;
          const r = Math.min(rackCount, 3);
          const result = assignReplicasToBrokers(list, p, r, seeded(seed));
          for (const replicas of result.values()) {
            expect(new Set(replicas).size).toBe(r);
            expect(new Set(replicas.map((id) => rackList[id])).size).toBe(r);
          }
        },
      ),
    );
  });
});

describe('adding partitions', () => {
  it('continues the leader rotation after the existing partitions', () => {
    const existing = toTopicAssignment(
      assignReplicasToBrokers(brokers(0, 1, 2, 3, 4), 5, 3, fixedRandom(), { fixedStartIndex: 0 }),
    );
    const added = assignNewPartitions(brokers(0, 1, 2, 3, 4), existing, 10, fixedRandom());
    expect(asObject(added)).toEqual({ 5: [0, 2, 3], 6: [1, 3, 4], 7: [2, 4, 0], 8: [3, 0, 1], 9: [4, 1, 2] });
  });

  it("start index = first broker with id ≥ partition 0's preferred leader", () => {
    const existing = toTopicAssignment(new Map([[0, [3, 1]]]));
    expect(asObject(assignNewPartitions(brokers(1, 2, 4, 5), existing, 3, fixedRandom()))).toEqual({
      1: [5, 4],
      2: [1, 5],
    });
  });

  it('refuses to shrink or keep the count', () => {
    const existing = toTopicAssignment(new Map([[0, [1]]]));
    expect(() => assignNewPartitions(brokers(1), existing, 1, fixedRandom())).toThrow(AssignmentError);
  });
});

describe('topic names', () => {
  it.each([
    ['foo', undefined],
    ['a.b_c-D9', undefined],
    ['', "Topic name is illegal, it can't be empty"],
    ['.', 'Topic name cannot be "." or ".."'],
    ['..', 'Topic name cannot be "." or ".."'],
    [
      'a b',
      `Topic name "a b" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`,
    ],
    [
      'x'.repeat(250),
      `Topic name is illegal, it can't be longer than 249 characters, topic name: ${'x'.repeat(250)}`,
    ],
  ])('%j', (name, problem) => {
    expect(topicNameProblem(name)).toBe(problem);
  });

  it('names differing only by . and _ collide', () => {
    expect(collidingTopic('a.b', ['a_b', 'c'])).toBe('a_b');
    expect(collidingTopic('a.b', ['a.b'])).toBeUndefined();
  });
});
