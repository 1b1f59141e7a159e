import { describe, expect, it } from 'vitest';

import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../consumer-protocol.ts';
import {
  cooperativeStickyAssign,
  decodeStickyUserData,
  encodeStickyUserData,
  stickyAssign,
  stickyAssignor,
} from './sticky.ts';
import { counts, members, show, showSets, tp } from './test-helpers.ts';
import type { GroupAssignment, MemberSubscription } from './types.ts';

/** Sticky subscriptions carrying the previous assignment in userData, as the eager sticky assignor does. */
function withUserData(
  previous: GroupAssignment,
  subscriptions: Record<string, string[]>,
  generation = 1,
): MemberSubscription[] {
  return Object.entries(subscriptions).map(([memberId, topics]) => ({
    memberId,
    topics,
    userData: stickyAssignor.subscriptionUserData!(previous.get(memberId) ?? [], generation),
  }));
}

function balanced(assignment: GroupAssignment): boolean {
  const sizes = [...assignment.values()].map((list) => list.length);
  return Math.max(...sizes) - Math.min(...sizes) <= 1;
}

describe("sticky assignor — the worked examples of Kafka's StickyAssignor documentation", () => {
  const topics4 = ['t0', 't1', 't2', 't3'];
  const partitions4 = counts({ t0: 2, t1: 2, t2: 2, t3: 2 });

  it('example 1: fresh assignment equals round-robin; when C1 leaves, nothing else moves', () => {
    const fresh = stickyAssignor.assign({
      members: withUserData(new Map(), { C0: topics4, C1: topics4, C2: topics4 }),
      partitionsPerTopic: partitions4,
    });
    expect(showSets(fresh)).toEqual({
      C0: ['t0p0', 't1p1', 't3p0'],
      C1: ['t0p1', 't2p0', 't3p1'],
      C2: ['t1p0', 't2p1'],
    });
    const after = stickyAssignor.assign({
      members: withUserData(fresh, { C0: topics4, C2: topics4 }, 2),
      partitionsPerTopic: partitions4,
    });
    // Documented: C0 [t0p0, t1p1, t3p0, t2p0], C2 [t1p0, t2p1, t0p1, t3p1].
    expect(showSets(after)).toEqual({
      C0: ['t0p0', 't1p1', 't2p0', 't3p0'],
      C2: ['t0p1', 't1p0', 't2p1', 't3p1'],
    });
  });

  it('example 2: unequal subscriptions are balanced better than round-robin; C0 leaves, 5 stay put', () => {
    const partitions = counts({ t0: 1, t1: 2, t2: 3 });
    const subscriptions = { C0: ['t0'], C1: ['t0', 't1'], C2: ['t0', 't1', 't2'] };
    const fresh = stickyAssignor.assign({
      members: withUserData(new Map(), subscriptions),
      partitionsPerTopic: partitions,
    });
    expect(showSets(fresh)).toEqual({ C0: ['t0p0'], C1: ['t1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
    const after = stickyAssignor.assign({
      members: withUserData(fresh, { C1: ['t0', 't1'], C2: ['t0', 't1', 't2'] }, 2),
      partitionsPerTopic: partitions,
    });
    expect(showSets(after)).toEqual({ C1: ['t0p0', 't1p0', 't1p1'], C2: ['t2p0', 't2p1', 't2p2'] });
  });
});

describe('sticky assignor — properties', () => {
  it('a new member takes partitions only from the fullest members, and only as many as needed', () => {
    const previous = stickyAssign(
      { members: members({ A: ['t'], B: ['t'] }), partitionsPerTopic: counts({ t: 6 }) },
      new Map(),
    );
    const claims = new Map([...previous].map(([id, owned]) => [id, { owned, generation: 1 }]));
    const next = stickyAssign(
      { members: members({ A: ['t'], B: ['t'], C: ['t'] }), partitionsPerTopic: counts({ t: 6 }) },
      claims,
    );
    expect(balanced(next)).toBe(true);
    for (const id of ['A', 'B']) {
      const kept = next.get(id)!.filter((p) => previous.get(id)!.some((q) => q.partition === p.partition));
      expect(kept).toHaveLength(2); // each gave up exactly one
    }
  });

  it('drops claims for partitions that no longer exist or topics no longer subscribed', () => {
    const claims = new Map([
      ['A', { owned: [tp('tp0'), tp('tp5'), tp('gonep0')], generation: 3 }],
      ['B', { owned: [tp('tp1')], generation: 3 }],
    ]);
    const result = stickyAssign(
      { members: members({ A: ['t'], B: ['t'] }), partitionsPerTopic: counts({ t: 4 }) },
      claims,
    );
    expect(show(result)).toEqual({ A: ['tp0', 'tp2'], B: ['tp1', 'tp3'] });
  });

  it('resolves a partition claimed by two members in favour of the newer generation', () => {
    const claims = new Map([
      ['A', { owned: [tp('tp0')], generation: 1 }],
      ['B', { owned: [tp('tp0')], generation: 2 }],
    ]);
    const result = stickyAssign(
      { members: members({ A: ['t'], B: ['t'] }), partitionsPerTopic: counts({ t: 2 }) },
      claims,
    );
    expect(show(result)).toEqual({ A: ['tp1'], B: ['tp0'] });
  });

  it('stays balanced and complete for many random groups', () => {
    let seed = 1;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let round = 0; round < 200; round++) {
      const memberCount = 1 + Math.floor(random() * 6);
      const partitions = counts({ a: 1 + Math.floor(random() * 8), b: 1 + Math.floor(random() * 8) });
      const subs: Record<string, string[]> = {};
      for (let m = 0; m < memberCount; m++) subs[`m${m}`] = ['a', 'b'];
      const first = stickyAssign({ members: members(subs), partitionsPerTopic: partitions }, new Map());
      expect(balanced(first)).toBe(true);
      delete subs[`m${Math.floor(random() * memberCount)}`];
      if (Object.keys(subs).length === 0) continue;
      const claims = new Map([...first].map(([id, owned]) => [id, { owned, generation: 1 }]));
      const second = stickyAssign({ members: members(subs), partitionsPerTopic: partitions }, claims);
      expect(balanced(second)).toBe(true);
      const total = [...second.values()].reduce((sum, list) => sum + list.length, 0);
      expect(total).toBe(partitions.get('a')! + partitions.get('b')!);
      // Stickiness: every survivor keeps everything it had (it only gains).
      for (const id of Object.keys(subs)) {
        const kept = first
          .get(id)!
          .filter((p) => second.get(id)!.some((q) => q.topic === p.topic && q.partition === p.partition));
        expect(kept.length).toBeGreaterThanOrEqual(Math.min(first.get(id)!.length, second.get(id)!.length));
      }
    }
  });

  it("encodes userData in Kafka's layout ([topic, [partition]] + generation) and reads it back", () => {
    const bytes = encodeStickyUserData([tp('tp1'), tp('tp0'), tp('up3')], 7);
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '00000002' +
        '0001' +
        '74' +
        '00000002' +
        '00000000' +
        '00000001' +
        '0001' +
        '75' +
        '00000001' +
        '00000003' +
        '00000007',
    );
    expect(decodeStickyUserData(bytes)).toEqual({
      previousAssignment: [tp('tp0'), tp('tp1'), tp('up3')],
      generation: 7,
    });
  });
});

describe('cooperative-sticky assignor', () => {
  it('withholds partitions that change owner until the old owner has revoked them', () => {
    // A owned everything; B joins. Sticky would give B half — cooperatively B gets nothing yet.
    const first = cooperativeStickyAssign({
      members: members({ A: ['t'], B: ['t'] }, { A: ['tp0', 'tp1', 'tp2', 'tp3'], B: [] }),
      partitionsPerTopic: counts({ t: 4 }),
    });
    expect(show(first)).toEqual({ A: ['tp0', 'tp1'], B: [] });
    // A revoked tp2, tp3 and rejoined: the second rebalance hands them to B.
    const second = cooperativeStickyAssign({
      members: members({ A: ['t'], B: ['t'] }, { A: ['tp0', 'tp1'], B: [] }),
      partitionsPerTopic: counts({ t: 4 }),
    });
    expect(show(second)).toEqual({ A: ['tp0', 'tp1'], B: ['tp2', 'tp3'] });
  });
});

describe('ConsumerProtocol bytes (kafka-zk-era.md §6.7)', () => {
  it('Subscription v0 for ["orders"] with no user data', () => {
    const bytes = encodeSubscription({ version: 0, topics: ['orders'] });
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '0000' + '00000001' + '0006' + '6f7264657273' + 'ffffffff',
    );
    expect(decodeSubscription(bytes)).toMatchObject({
      version: 0,
      topics: ['orders'],
      userData: null,
      ownedPartitions: [],
    });
  });

  it('Assignment v0 giving orders partitions 0 and 2', () => {
    const bytes = encodeAssignment({ partitions: [tp('ordersp2'), tp('ordersp0')] });
    expect(Buffer.from(bytes).toString('hex')).toBe(
      '0000' + '00000001' + '0006' + '6f7264657273' + '00000002' + '00000000' + '00000002' + 'ffffffff',
    );
    expect(decodeAssignment(bytes).partitions).toEqual([tp('ordersp0'), tp('ordersp2')]);
    expect(decodeAssignment(new Uint8Array()).partitions).toEqual([]);
  });

  it('Subscription v1 carries owned partitions; newer versions are read by their known fields', () => {
    const v1 = encodeSubscription({
      version: 1,
      topics: ['b', 'a'],
      userData: new Uint8Array([1, 2]),
      ownedPartitions: [tp('ap1')],
    });
    expect(decodeSubscription(v1)).toMatchObject({
      version: 1,
      topics: ['a', 'b'],
      ownedPartitions: [tp('ap1')],
      generationId: -1,
    });
    const v3 = encodeSubscription({ version: 3, topics: ['a'], generationId: 9, rackId: 'rack-1' });
    expect(decodeSubscription(v3)).toMatchObject({ version: 3, generationId: 9, rackId: 'rack-1' });
  });
});
