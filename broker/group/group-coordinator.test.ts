import { describe, expect, it } from 'vitest';

import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { decodeMessage, encodeMessage } from '../../client/protocol/schema.ts';
import { JoinGroupRequest } from '../../client/protocol/messages/join-group.ts';
import { decodeAssignment, decodeSubscription, encodeAssignment } from './consumer-protocol.ts';
import { consumerProtocols, CoordinatorHarness } from './coordinator-test-harness.ts';
import {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  type JoinGroupRequestData,
  sequentialMemberIdSuffixes,
} from './group-coordinator.ts';
import type { GroupState } from './group-metadata.ts';
import { readGroupMessageValue, readMessageKey } from './group-metadata-records.ts';

const G = 'my-group';
const { NONE } = ErrorCode;

// ------------------------------------------------------------------------------------------------
// A step table: at time `at`, do `act`, then check the group and the answers so far.

interface Expect {
  state?: GroupState;
  generation?: number;
  /** Member labels, in join order. */
  members?: string[];
  leader?: string | null;
  /** Request label → error code (top-level, or every partition's for OffsetCommit). */
  answered?: Record<string, number>;
  /** Requests still waiting (no response yet). */
  parked?: string[];
}

type Step = readonly [
  at: number,
  act: (h: CoordinatorHarness, ids: Record<string, string>) => void,
  expect: Expect,
];

function errorCodesOf(h: CoordinatorHarness, label: string): number[] {
  const response = h.response(label);
  if (!response) throw new Error(`${label} not answered`);
  switch (response.api) {
    case 'OffsetCommit':
      return response.body.topics.flatMap((topic) =>
        topic.partitions.map((partition) => partition.errorCode),
      );
    case 'OffsetFetch':
    case 'JoinGroup':
    case 'SyncGroup':
    case 'Heartbeat':
    case 'LeaveGroup':
    case 'ListGroups':
      return [response.body.errorCode];
    case 'DescribeGroups':
      return response.body.groups.map((group) => group.errorCode);
  }
}

function runSteps(h: CoordinatorHarness, steps: readonly Step[], groupId = G): Record<string, string> {
  const ids: Record<string, string> = {};
  const labelOf = (memberId: string): string =>
    Object.keys(ids).find((label) => ids[label] === memberId) ?? memberId;
  steps.forEach(([at, act, want], index) => {
    const where = `step ${index} (t=${at})`;
    h.at(at);
    act(h, ids);
    const view = h.coordinator.describeGroup(groupId);
    if (want.state !== undefined) expect(view?.state ?? 'Dead', where).toBe(want.state);
    if (want.generation !== undefined) expect(view?.generationId, where).toBe(want.generation);
    if (want.members !== undefined)
      expect(
        view?.members.map((member) => labelOf(member.memberId)),
        where,
      ).toEqual(want.members);
    if (want.leader !== undefined)
      expect(view?.leaderId === null ? null : labelOf(view?.leaderId ?? ''), where).toBe(want.leader);
    for (const [label, code] of Object.entries(want.answered ?? {})) {
      expect(h.answered(label), `${where}: ${label} answered`).toBe(true);
      for (const actual of errorCodesOf(h, label)) expect(actual, `${where}: ${label} error code`).toBe(code);
    }
    for (const label of want.parked ?? []) expect(h.answered(label), `${where}: ${label} parked`).toBe(false);
  });
  return ids;
}

const assignmentFor = (partitions: number[]): Uint8Array =>
  encodeAssignment({ partitions: [{ topic: 'orders', partitions }] });

// ------------------------------------------------------------------------------------------------

describe('GroupCoordinator state machine (step tables)', () => {
  it('two members join, one leaves, one joins and expires, the leader rejoins, stale commits are rejected', () => {
    const h = new CoordinatorHarness();
    // prettier-ignore
    const ids = runSteps(h, [
      // JoinGroup v5: an empty member id gets MEMBER_ID_REQUIRED and a fresh id (KIP-394), then rejoins.
      [0, (h, ids) => (ids.A = h.joinWithMemberId('A.join1', { group: G, clientId: 'A' })),
        { state: 'PreparingRebalance', generation: 0, members: ['A'], leader: 'A', answered: { 'A.join1:probe': ErrorCode.MEMBER_ID_REQUIRED }, parked: ['A.join1'] }],
      // B arrives during the initial delay (group.initial.rebalance.delay.ms = 3000).
      [1000, (h, ids) => (ids.B = h.joinWithMemberId('B.join1', { group: G, clientId: 'B' })),
        { state: 'PreparingRebalance', members: ['A', 'B'], parked: ['A.join1', 'B.join1'] }],
      // At 3000 the delay would end, but a new member came: it is extended by another 3000.
      [3000, (h) => h.tick(), { state: 'PreparingRebalance', generation: 0, parked: ['A.join1', 'B.join1'] }],
      [5999, (h) => h.tick(), { state: 'PreparingRebalance', parked: ['A.join1', 'B.join1'] }],
      [6000, (h) => h.tick(), { state: 'CompletingRebalance', generation: 1, leader: 'A', answered: { 'A.join1': NONE, 'B.join1': NONE } }],
      // The follower's SyncGroup waits for the leader's.
      [6010, (h, ids) => h.sync('B.sync1', { group: G, memberId: ids.B, generationId: 1 }), { state: 'CompletingRebalance', parked: ['B.sync1'] }],
      [6020, (h, ids) => h.sync('A.sync1', { group: G, memberId: ids.A, generationId: 1, assignments: [
          { memberId: ids.A, assignment: assignmentFor([0]) }, { memberId: ids.B, assignment: assignmentFor([1]) }] }),
        { state: 'Stable', generation: 1, answered: { 'A.sync1': NONE, 'B.sync1': NONE } }],
      [9000, (h, ids) => { h.heartbeat('A.hb1', { group: G, memberId: ids.A, generationId: 1 }); h.heartbeat('B.hb1', { group: G, memberId: ids.B, generationId: 1 }); },
        { state: 'Stable', answered: { 'A.hb1': NONE, 'B.hb1': NONE } }],
      // B leaves: removed at once, rebalance starts; A learns it from its next heartbeat.
      [10000, (h, ids) => h.leave('B.leave', { group: G, memberIds: [ids.B] }),
        { state: 'PreparingRebalance', generation: 1, members: ['A'], answered: { 'B.leave': NONE } }],
      [10050, (h, ids) => h.heartbeat('A.hb2', { group: G, memberId: ids.A, generationId: 1 }), { answered: { 'A.hb2': ErrorCode.REBALANCE_IN_PROGRESS } }],
      // B's old generation is gone: its heartbeat is UNKNOWN_MEMBER_ID.
      [10060, (h, ids) => h.heartbeat('B.hb2', { group: G, memberId: ids.B, generationId: 1 }), { answered: { 'B.hb2': ErrorCode.UNKNOWN_MEMBER_ID } }],
      // A rejoins; every known member is in, so the join phase ends at once (no initial delay: not from Empty).
      [10100, (h, ids) => h.join('A.join2', { group: G, clientId: 'A', memberId: ids.A }),
        { state: 'CompletingRebalance', generation: 2, members: ['A'], leader: 'A', answered: { 'A.join2': NONE } }],
      [10200, (h, ids) => h.sync('A.sync2', { group: G, memberId: ids.A, generationId: 2, assignments: [{ memberId: ids.A, assignment: assignmentFor([0, 1]) }] }),
        { state: 'Stable', generation: 2, answered: { 'A.sync2': NONE } }],
      // C joins with JoinGroup v3 (before KIP-394): no MEMBER_ID_REQUIRED round, it is added directly.
      [11000, (h, ids) => { h.join('C.join1', { group: G, clientId: 'C', version: 3 }); ids.C = h.coordinator.describeGroup(G)!.members[1].memberId; },
        { state: 'PreparingRebalance', members: ['A', 'C'], parked: ['C.join1'] }],
      [12000, (h, ids) => h.heartbeat('A.hb3', { group: G, memberId: ids.A, generationId: 2 }), { answered: { 'A.hb3': ErrorCode.REBALANCE_IN_PROGRESS } }],
      [12000, (h, ids) => h.join('A.join3', { group: G, clientId: 'A', memberId: ids.A }),
        { state: 'CompletingRebalance', generation: 3, members: ['A', 'C'], leader: 'A', answered: { 'A.join3': NONE, 'C.join1': NONE } }],
      [12100, (h, ids) => {
          h.sync('C.sync1', { group: G, memberId: ids.C, generationId: 3 });
          h.sync('A.sync3', { group: G, memberId: ids.A, generationId: 3, assignments: [
            { memberId: ids.A, assignment: assignmentFor([0]) }, { memberId: ids.C, assignment: assignmentFor([1]) }] });
        },
        { state: 'Stable', generation: 3, answered: { 'C.sync1': NONE, 'A.sync3': NONE } }],
      // C stops heartbeating; A keeps going every 3 s.
      [15000, (h, ids) => h.heartbeat('A.hb4', { group: G, memberId: ids.A, generationId: 3 }), { answered: { 'A.hb4': NONE } }],
      [18000, (h, ids) => h.heartbeat('A.hb5', { group: G, memberId: ids.A, generationId: 3 }), { answered: { 'A.hb5': NONE } }],
      [21000, (h, ids) => h.heartbeat('A.hb6', { group: G, memberId: ids.A, generationId: 3 }), { answered: { 'A.hb6': NONE } }],
      // C's session (10 s) started again when its assignment was delivered at 12100.
      [22099, (h) => h.tick(), { state: 'Stable', members: ['A', 'C'] }],
      [22100, (h) => h.tick(), { state: 'PreparingRebalance', generation: 3, members: ['A'] }],
      [22200, (h, ids) => { h.heartbeat('A.hb7', { group: G, memberId: ids.A, generationId: 3 }); h.join('A.join4', { group: G, clientId: 'A', memberId: ids.A }); },
        { state: 'CompletingRebalance', generation: 4, answered: { 'A.hb7': ErrorCode.REBALANCE_IN_PROGRESS, 'A.join4': NONE } }],
      [22300, (h, ids) => h.sync('A.sync4', { group: G, memberId: ids.A, generationId: 4, assignments: [{ memberId: ids.A, assignment: assignmentFor([0, 1]) }] }),
        { state: 'Stable', generation: 4 }],
      // The leader's JoinGroup in Stable always rebalances, even with unchanged metadata.
      [23000, (h, ids) => h.join('A.join5', { group: G, clientId: 'A', memberId: ids.A }),
        { state: 'CompletingRebalance', generation: 5, answered: { 'A.join5': NONE } }],
      // Stale generation commits are rejected; the current generation before SyncGroup gets REBALANCE_IN_PROGRESS.
      [23100, (h, ids) => h.commit('A.commit-stale', 2, commitOf(ids.A, 4, 10n)), { answered: { 'A.commit-stale': ErrorCode.ILLEGAL_GENERATION } }],
      [23100, (h, ids) => h.commit('A.commit-early', 2, commitOf(ids.A, 5, 10n)), { answered: { 'A.commit-early': ErrorCode.REBALANCE_IN_PROGRESS } }],
      [23100, (h, ids) => h.commit('B.commit-gone', 2, commitOf(ids.B, 5, 10n)), { answered: { 'B.commit-gone': ErrorCode.UNKNOWN_MEMBER_ID } }],
      [23100, (h) => h.commit('simple.commit', 2, commitOf('', -1, 10n)), { answered: { 'simple.commit': ErrorCode.UNKNOWN_MEMBER_ID } }],
      [23200, (h, ids) => h.sync('A.sync5', { group: G, memberId: ids.A, generationId: 5, assignments: [{ memberId: ids.A, assignment: assignmentFor([0, 1]) }] }),
        { state: 'Stable', generation: 5 }],
      [23300, (h, ids) => h.commit('A.commit-ok', 2, commitOf(ids.A, 5, 10n)), { answered: { 'A.commit-ok': NONE } }],
      [23400, (h, ids) => h.commit('A.commit-stale2', 2, commitOf(ids.A, 4, 99n)), { answered: { 'A.commit-stale2': ErrorCode.ILLEGAL_GENERATION } }],
    ]);
    expect(h.coordinator.committedOffset(G, 'orders', 0)?.offset).toBe(10n);
    expect(ids.A).toBe('A-00000000-0000-4000-8000-000000000001');
    expect(ids.B).toBe('B-00000000-0000-4000-8000-000000000002');
    expect(ids.C).toBe('C-00000000-0000-4000-8000-000000000003');

    // The journal tells the same story.
    expect(h.eventsOf('generation-advanced').map((event) => [event.generationId, event.atMs])).toEqual([
      [1, 6000],
      [2, 10100],
      [3, 12000],
      [4, 22200],
      [5, 23000],
    ]);
    expect(h.eventsOf('member-left').map((event) => [event.reason, event.atMs])).toEqual([
      ['leave-group', 10000],
    ]);
    expect(
      h.eventsOf('member-expired').map((event) => [event.memberId, event.atMs, event.lastHeartbeatMs]),
    ).toEqual([[ids.C, 22100, 12100]]);
    expect(h.eventsOf('group-stable').map((event) => event.generationId)).toEqual([1, 2, 3, 4, 5]);
    expect(h.eventsOf('rebalance-started').map((event) => [event.waitKind, event.atMs])).toEqual([
      ['initial-delay', 0],
      ['rebalance-timeout', 10000],
      ['rebalance-timeout', 11000],
      ['rebalance-timeout', 22100],
      ['rebalance-timeout', 23000],
    ]);
  });

  it('JoinGroup responses: only the leader gets the members and their subscriptions; SyncGroup hands out own assignments', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 100 } });
    const a = h.joinWithMemberId('A', {
      group: G,
      clientId: 'A',
      protocols: consumerProtocols(['range'], ['orders']),
    });
    const b = h.joinWithMemberId('B', {
      group: G,
      clientId: 'B',
      protocols: consumerProtocols(['range'], ['orders', 'payments']),
    });
    h.tick(100); // B arrived during the first delay: one more delay
    expect(h.answered('A')).toBe(false);
    h.tick(200);
    const leader = h.body('JoinGroup', 'A');
    const follower = h.body('JoinGroup', 'B');
    expect(leader).toMatchObject({
      errorCode: NONE,
      generationId: 1,
      protocolName: 'range',
      leader: a,
      memberId: a,
    });
    expect(
      leader.members.map((member) => [member.memberId, decodeSubscription(member.metadata).topics]),
    ).toEqual([
      [a, ['orders']],
      [b, ['orders', 'payments']],
    ]);
    expect(follower).toMatchObject({
      errorCode: NONE,
      generationId: 1,
      protocolName: 'range',
      leader: a,
      memberId: b,
      members: [],
    });

    // The leader leaves B out: B gets empty bytes. Unknown member ids in the assignment are ignored.
    h.sync('A.sync', {
      group: G,
      memberId: a,
      generationId: 1,
      version: 5,
      protocolType: 'consumer',
      protocolName: 'range',
      assignments: [
        { memberId: a, assignment: assignmentFor([0, 1, 2]) },
        { memberId: 'ghost', assignment: assignmentFor([9]) },
      ],
    });
    h.sync('B.sync', { group: G, memberId: b, generationId: 1, version: 5 });
    expect(decodeAssignment(h.body('SyncGroup', 'A.sync').assignment).partitions).toEqual([
      { topic: 'orders', partitions: [0, 1, 2] },
    ]);
    expect(h.body('SyncGroup', 'A.sync')).toMatchObject({ protocolType: 'consumer', protocolName: 'range' });
    expect(h.body('SyncGroup', 'B.sync').assignment).toEqual(new Uint8Array(0));

    // A late SyncGroup in Stable gets the current assignment again.
    h.sync('A.sync-again', { group: G, memberId: a, generationId: 1 });
    expect(h.body('SyncGroup', 'A.sync-again').assignment).toEqual(assignmentFor([0, 1, 2]));

    // The group record written at SyncGroup carries generation, protocol, leader, subscriptions and assignments.
    const groupAppends = h.appends.filter((append) => append.purpose === 'group-metadata');
    expect(groupAppends).toHaveLength(1);
    expect(groupAppends[0].partition).toBe(12); // partitionFor("my-group", 50)
    expect(readMessageKey(groupAppends[0].records[0].key)).toEqual({ kind: 'group', version: 2, group: G });
    const value = readGroupMessageValue(groupAppends[0].records[0].value);
    expect(value).toMatchObject({
      version: 3,
      protocolType: 'consumer',
      generation: 1,
      protocol: 'range',
      leader: a,
    });
    expect(
      value?.members.map((member) => [
        member.memberId,
        member.clientId,
        member.clientHost,
        member.sessionTimeout,
        member.rebalanceTimeout,
      ]),
    ).toEqual([
      [a, 'A', '/127.0.0.1', 10_000, 60_000],
      [b, 'B', '/127.0.0.1', 10_000, 60_000],
    ]);
    expect(value?.members[1].assignment).toEqual(new Uint8Array(0));
  });

  it('the leader leaves: leadership passes to a remaining member, who gets the member list next generation', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    // With no initial delay, A's generation 1 completes alone; B's arrival starts generation 2.
    expect(h.body('JoinGroup', 'A1').generationId).toBe(1);
    const b = h.joinWithMemberId('B1', { group: G, clientId: 'B' });
    expect(h.coordinator.describeGroup(G)?.state).toBe('PreparingRebalance');
    h.at(10).join('A2', { group: G, clientId: 'A', memberId: a });
    expect(h.body('JoinGroup', 'A2')).toMatchObject({ generationId: 2, leader: a });
    h.at(20).leave('A.leave', { group: G, memberIds: [a], version: 0 });
    expect(h.body('LeaveGroup', 'A.leave').errorCode).toBe(NONE);
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: 'PreparingRebalance', leaderId: b });
    h.at(30).join('B2', { group: G, clientId: 'B', memberId: b });
    const join = h.body('JoinGroup', 'B2');
    expect(join).toMatchObject({ generationId: 3, leader: b, memberId: b });
    expect(join.members.map((member) => member.memberId)).toEqual([b]);
  });

  it('members that do not rejoin within the rebalance timeout (the max over members) are dropped', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', {
      group: G,
      clientId: 'A',
      rebalanceTimeoutMs: 20_000,
      sessionTimeoutMs: 30_000,
    });
    const b = h.joinWithMemberId('B1', {
      group: G,
      clientId: 'B',
      rebalanceTimeoutMs: 45_000,
      sessionTimeoutMs: 30_000,
    });
    h.at(100).join('A2', {
      group: G,
      clientId: 'A',
      memberId: a,
      rebalanceTimeoutMs: 20_000,
      sessionTimeoutMs: 30_000,
    });
    h.sync('A.sync', { group: G, memberId: a, generationId: 2 });
    h.sync('B.sync', { group: G, memberId: b, generationId: 2 });
    expect(h.coordinator.describeGroup(G)?.state).toBe('Stable');
    // A rejoins (leader): the join phase lasts at most max(20 s, 45 s) = 45 s; B keeps heartbeating but never rejoins.
    h.at(1000).join('A3', { group: G, clientId: 'A', memberId: a });
    expect(h.coordinator.describeGroup(G)?.joinDeadlineMs).toBe(46_000);
    for (let t = 4000; t <= 45_000; t += 3000) {
      h.at(t).heartbeat(`B.hb@${t}`, { group: G, memberId: b, generationId: 2 });
      expect(h.body('Heartbeat', `B.hb@${t}`).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    }
    h.tick(45_999);
    expect(h.answered('A3')).toBe(false);
    h.tick(46_000);
    expect(h.body('JoinGroup', 'A3')).toMatchObject({ errorCode: NONE, generationId: 3 });
    expect(h.coordinator.describeGroup(G)?.members.map((member) => member.memberId)).toEqual([a]);
    expect(h.eventsOf('member-left').map((event) => [event.memberId, event.reason])).toEqual([
      [b, 'not-rejoined'],
    ]);
    h.heartbeat('B.late', { group: G, memberId: b, generationId: 2 });
    expect(h.body('Heartbeat', 'B.late').errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('SyncGroup and Heartbeat errors as Kafka answers them', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    h.sync('S.nogroup', { group: G, memberId: 'x', generationId: 1 });
    expect(h.body('SyncGroup', 'S.nogroup').errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.heartbeat('H.nogroup', { group: G, memberId: 'x', generationId: 1 })).toBe(
      ErrorCode.UNKNOWN_MEMBER_ID,
    );

    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    h.sync('S.unknown', { group: G, memberId: 'nobody', generationId: 1 });
    h.sync('S.gen', { group: G, memberId: a, generationId: 7 });
    h.sync('S.type', { group: G, memberId: a, generationId: 1, version: 5, protocolType: 'connect' });
    h.sync('S.name', { group: G, memberId: a, generationId: 1, version: 5, protocolName: 'roundrobin' });
    expect(h.body('SyncGroup', 'S.unknown').errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(h.body('SyncGroup', 'S.gen').errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(h.body('SyncGroup', 'S.type').errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(h.body('SyncGroup', 'S.name').errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect(h.heartbeat('H.gen', { group: G, memberId: a, generationId: 0 })).toBe(
      ErrorCode.ILLEGAL_GENERATION,
    );
    // In CompletingRebalance a heartbeat is fine.
    expect(h.heartbeat('H.ok', { group: G, memberId: a, generationId: 1 })).toBe(NONE);

    h.at(5).sync('A.sync1', { group: G, memberId: a, generationId: 1 });
    expect(h.answered('A.sync1')).toBe(true); // the leader's own sync completes the generation
    // B joins: a rebalance; B's SyncGroup for an old generation or during the join phase is refused.
    const b = h.at(10).joinWithMemberId('B1', { group: G, clientId: 'B' });
    h.sync('B.sync-early', { group: G, memberId: b, generationId: 1 });
    expect(h.body('SyncGroup', 'B.sync-early').errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    h.join('A2', { group: G, clientId: 'A', memberId: a });
    expect(h.body('JoinGroup', 'A2').generationId).toBe(2);
    // The follower waits in SyncGroup for the leader; then C joins: B is told to rejoin.
    h.sync('B.sync2', { group: G, memberId: b, generationId: 2 });
    expect(h.answered('B.sync2')).toBe(false);
    h.joinWithMemberId('C1', { group: G, clientId: 'C' });
    expect(h.body('SyncGroup', 'B.sync2').errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(h.coordinator.describeGroup(G)?.state).toBe('PreparingRebalance');
    // The leader's SyncGroup for generation 2 comes too late.
    h.sync('A.sync2', { group: G, memberId: a, generationId: 2 });
    expect(h.body('SyncGroup', 'A.sync2').errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);

    // Group id "" is invalid for group management.
    h.join('J.empty', { group: '' });
    expect(h.body('JoinGroup', 'J.empty').errorCode).toBe(ErrorCode.INVALID_GROUP_ID);
  });

  it('JoinGroup validation: session timeout bounds, protocol type and common protocol, unknown ids', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    h.join('J.short', { group: G, sessionTimeoutMs: 5999 });
    h.join('J.long', { group: G, sessionTimeoutMs: 1_800_001 });
    h.join('J.unknown', { group: G, memberId: 'made-up' });
    expect(h.body('JoinGroup', 'J.short')).toMatchObject({
      errorCode: ErrorCode.INVALID_SESSION_TIMEOUT,
      generationId: -1,
      protocolName: '',
      leader: '',
    });
    expect(h.body('JoinGroup', 'J.long').errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect(h.body('JoinGroup', 'J.unknown')).toMatchObject({
      errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
      memberId: 'made-up',
    });
    h.join('J.notype', { group: G, protocolType: '' });
    expect(h.body('JoinGroup', 'J.notype').errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    // librdkafka offers range+roundrobin; kafkajs offers RoundRobinAssigner: no protocol in common.
    h.joinWithMemberId('K', {
      group: G,
      clientId: 'rdkafka',
      protocols: consumerProtocols(['range', 'roundrobin']),
    });
    h.join('J.kafkajs', {
      group: G,
      clientId: 'kafkajs',
      protocols: consumerProtocols(['RoundRobinAssigner']),
    });
    expect(h.body('JoinGroup', 'J.kafkajs')).toMatchObject({
      errorCode: ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
      memberId: '',
    });
    h.join('J.connect', { group: G, protocolType: 'connect', protocols: consumerProtocols(['range']) });
    expect(h.body('JoinGroup', 'J.connect').errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    // v7+ responses: nullable protocol name and the protocol type.
    h.join('J.v7', { group: 'other', version: 7, sessionTimeoutMs: 1 });
    expect(h.body('JoinGroup', 'J.v7')).toMatchObject({ protocolName: null, protocolType: null });
  });

  it('protocol selection: among protocols every member supports, the most votes (first preference) win', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 100 } });
    h.joinWithMemberId('A', {
      group: G,
      clientId: 'A',
      protocols: consumerProtocols(['roundrobin', 'range', 'sticky']),
    });
    h.joinWithMemberId('B', {
      group: G,
      clientId: 'B',
      protocols: consumerProtocols(['range', 'roundrobin']),
    });
    h.joinWithMemberId('C', {
      group: G,
      clientId: 'C',
      protocols: consumerProtocols(['range', 'roundrobin', 'sticky']),
    });
    h.tick(1000);
    // candidates {roundrobin, range} (sticky: B lacks it); votes: A→roundrobin, B→range, C→range.
    expect(h.body('JoinGroup', 'A').protocolName).toBe('range');

    const t = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 100 } });
    t.joinWithMemberId('A', {
      group: G,
      clientId: 'A',
      protocols: consumerProtocols(['roundrobin', 'range']),
    });
    t.joinWithMemberId('B', {
      group: G,
      clientId: 'B',
      protocols: consumerProtocols(['range', 'roundrobin']),
    });
    t.tick(1000);
    // A tie (1–1): our choice is the protocol voted for by the earliest member in join order.
    expect(t.body('JoinGroup', 'B').protocolName).toBe('roundrobin');
  });

  it('a MEMBER_ID_REQUIRED id that is never used holds the join phase until its session timeout', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    h.sync('A.sync', { group: G, memberId: a, generationId: 1 });
    // A new client gets an id but never comes back with it.
    h.at(1000).join('ghost', { group: G, clientId: 'ghost', sessionTimeoutMs: 8000 });
    expect(h.body('JoinGroup', 'ghost').errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(h.coordinator.describeGroup(G)?.pendingMemberIds).toEqual([h.body('JoinGroup', 'ghost').memberId]);
    // Stable is not disturbed by a pending id; but a rebalance would wait for it.
    h.at(2000).join('A2', { group: G, clientId: 'A', memberId: a });
    expect(h.answered('A2')).toBe(false);
    h.tick(8999);
    expect(h.answered('A2')).toBe(false);
    h.tick(9000);
    expect(h.body('JoinGroup', 'A2')).toMatchObject({ errorCode: NONE, generationId: 2 });
    expect(h.eventsOf('member-left').map((event) => event.reason)).toEqual(['pending-expired']);
  });

  it('a JoinGroup v0 uses the session timeout as rebalance timeout; LeaveGroup v3 leaves several members at once', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    h.join('A1', { group: G, clientId: 'A', version: 0, sessionTimeoutMs: 7000, rebalanceTimeoutMs: 99_999 });
    const a = h.body('JoinGroup', 'A1').memberId;
    expect(h.coordinator.describeGroup(G)?.members[0].rebalanceTimeoutMs).toBe(7000);
    h.join('B1', { group: G, clientId: 'B', version: 1 });
    h.join('A2', { group: G, clientId: 'A', version: 0, memberId: a, sessionTimeoutMs: 7000 });
    const b = h.body('JoinGroup', 'B1').memberId;
    expect(h.coordinator.describeGroup(G)?.state).toBe('CompletingRebalance');
    h.leave('L', { group: G, memberIds: [a, 'nobody', b], version: 3 });
    expect(h.body('LeaveGroup', 'L')).toEqual({
      throttleTimeMs: 0,
      errorCode: NONE,
      members: [
        { memberId: a, groupInstanceId: null, errorCode: NONE },
        { memberId: 'nobody', groupInstanceId: null, errorCode: ErrorCode.UNKNOWN_MEMBER_ID },
        { memberId: b, groupInstanceId: null, errorCode: NONE },
      ],
    });
    // Everyone left: the next generation is empty, and that is recorded too.
    expect(h.coordinator.describeGroup(G)).toMatchObject({
      state: 'Empty',
      generationId: 3,
      protocolName: null,
      leaderId: null,
    });
    const last = h.appends.at(-1);
    expect(readGroupMessageValue(last?.records[0].value ?? null)).toMatchObject({
      generation: 3,
      protocol: null,
      leader: null,
      members: [],
    });
    // LeaveGroup v0 for an unknown member reports the member error at the top level.
    h.leave('L0', { group: G, memberIds: ['nobody'], version: 0 });
    expect(h.body('LeaveGroup', 'L0').errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('a failed group-metadata append fails the SyncGroup and starts a new rebalance', () => {
    const h = new CoordinatorHarness({
      config: { groupInitialRebalanceDelayMs: 0 },
      autoCompleteAppends: false,
    });
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    h.sync('A.sync', {
      group: G,
      memberId: a,
      generationId: 1,
      assignments: [{ memberId: a, assignment: assignmentFor([0]) }],
    });
    expect(h.answered('A.sync')).toBe(false); // waits for the append
    h.completeNextAppend({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(h.body('SyncGroup', 'A.sync')).toMatchObject({
      errorCode: ErrorCode.NOT_COORDINATOR,
      assignment: new Uint8Array(0),
    });
    expect(h.coordinator.describeGroup(G)?.state).toBe('PreparingRebalance');
    h.join('A2', { group: G, clientId: 'A', memberId: a });
    h.sync('A.sync2', { group: G, memberId: a, generationId: 2 });
    h.completeNextAppend({ errorCode: ErrorCode.REQUEST_TIMED_OUT });
    expect(h.body('SyncGroup', 'A.sync2').errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
  });

  it('DescribeGroups and ListGroups', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', {
      group: G,
      clientId: 'A',
      protocols: consumerProtocols(['range'], ['orders']),
    });
    let described = h.describe('D1', 0, [G, 'nobody']).groups;
    expect(described[0]).toMatchObject({
      errorCode: NONE,
      groupState: 'CompletingRebalance',
      protocolType: 'consumer',
      protocolData: '',
    });
    expect(described[0].members[0]).toMatchObject({
      memberId: a,
      clientId: 'A',
      clientHost: '/127.0.0.1',
      memberMetadata: new Uint8Array(0),
    });
    expect(described[1]).toMatchObject({
      errorCode: NONE,
      groupId: 'nobody',
      groupState: 'Dead',
      members: [],
    });
    h.sync('A.sync', {
      group: G,
      memberId: a,
      generationId: 1,
      assignments: [{ memberId: a, assignment: assignmentFor([0, 1]) }],
    });
    described = h.describe('D2', 4, [G]).groups;
    expect(described[0]).toMatchObject({
      groupState: 'Stable',
      protocolData: 'range',
      authorizedOperations: -2147483648,
    });
    expect(decodeSubscription(described[0].members[0].memberMetadata).topics).toEqual(['orders']);
    expect(decodeAssignment(described[0].members[0].memberAssignment).partitions).toEqual([
      { topic: 'orders', partitions: [0, 1] },
    ]);

    h.commit('simple', 2, {
      groupId: 'offsets-only',
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 5n, committedMetadata: null }] },
      ],
    });
    expect(h.list('L0', 0).groups).toEqual([
      { groupId: G, protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' },
      { groupId: 'offsets-only', protocolType: '', groupState: 'Empty', groupType: 'classic' },
    ]);
    expect(h.list('L4', 4, ['Empty']).groups.map((group) => group.groupId)).toEqual(['offsets-only']);
  });

  it('accepts a decoded JoinGroup request as input (the shell passes codec output straight in)', () => {
    const bytes = encodeMessage(JoinGroupRequest, 5, {
      groupId: G,
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 60_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: consumerProtocols(['range']),
    });
    const decoded: JoinGroupRequestData = decodeMessage(JoinGroupRequest, 5, bytes);
    const h = new CoordinatorHarness();
    h.request('J', (token, nowMs) =>
      h.coordinator.joinGroup(token, 5, decoded, { clientId: 'kafkajs', clientHost: '/10.0.0.1' }, nowMs),
    );
    expect(h.body('JoinGroup', 'J').errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(h.coordinator.describeGroup(G)?.pendingMemberIds).toEqual([
      'kafkajs-00000000-0000-4000-8000-000000000001',
    ]);
  });
});

describe('GroupCoordinator configuration and injected ids', () => {
  it('takes its settings from a BrokerConfig-shaped object and its member ids from an injected source', () => {
    const brokerConfig = {
      groupInitialRebalanceDelayMs: 0,
      offsetsTopicNumPartitions: 3,
      brokerId: 1,
      logDirs: ['/tmp'],
    };
    let n = 0;
    const h = new CoordinatorHarness({ config: brokerConfig, memberIdSuffix: () => `uuid-${++n}` });
    expect(h.coordinator.config).toEqual({
      ...DEFAULT_GROUP_COORDINATOR_CONFIG,
      groupInitialRebalanceDelayMs: 0,
      offsetsTopicNumPartitions: 3,
    });
    expect(h.coordinator.partitionFor(G)).toBe(0); // 1906497762 mod 3
    expect(h.joinWithMemberId('A', { group: G, clientId: 'consumer-1' })).toBe('consumer-1-uuid-1');
    // A static member's id starts with its group.instance.id, as in Kafka.
    h.join('S', { group: 'static', clientId: 'c', groupInstanceId: 'host-7' });
    expect(h.body('JoinGroup', 'S').memberId).toBe('host-7-uuid-2');
    expect(sequentialMemberIdSuffixes(255)()).toBe('00000000-0000-4000-8000-0000000000ff');
  });
});

describe('GroupCoordinator join timing (explicit nowMs)', () => {
  it('a single member of a new group waits exactly group.initial.rebalance.delay.ms', () => {
    const h = new CoordinatorHarness();
    h.at(1000).join('A', { group: G, version: 3 });
    expect(h.coordinator.nextDeadlineMs()).toBe(4000);
    h.tick(3999);
    expect(h.answered('A')).toBe(false);
    h.tick(4000);
    expect(h.body('JoinGroup', 'A').generationId).toBe(1);
  });

  it('the initial delay never ends early, even when every member has joined', () => {
    const h = new CoordinatorHarness();
    h.join('A', { group: G, version: 3 });
    h.at(2999).tick();
    expect(h.answered('A')).toBe(false);
  });

  it('each arrival during a delay buys one more delay, within rebalance timeout − delay', () => {
    // delay 3000, rebalance timeout 10000 → remaining budget 7000 after the first delay.
    const h = new CoordinatorHarness();
    const join = (label: string, at: number): void =>
      h.at(at).join(label, { group: G, clientId: label, version: 3, rebalanceTimeoutMs: 10_000 });
    join('A', 0); // delay 1: 0 → 3000 (remaining 7000)
    join('B', 2000); // → delay 2: 3000 → 6000 (remaining 7000 − 3000 = 4000)
    h.tick(3000);
    expect(h.coordinator.describeGroup(G)?.joinDeadlineMs).toBe(6000);
    join('C', 5000); // → delay 3: 6000 → 9000 (delay min(3000, 4000); remaining 4000 − 3000 = 1000)
    h.tick(6000);
    expect(h.coordinator.describeGroup(G)?.joinDeadlineMs).toBe(9000);
    join('D', 8000); // → delay 4: 9000 → 10000 (delay min(3000, 1000); remaining max(1000 − 3000, 0) = 0)
    h.tick(9000);
    expect(h.coordinator.describeGroup(G)?.joinDeadlineMs).toBe(10_000);
    join('E', 9500); // remaining is 0: no more extensions
    h.tick(9999);
    expect(h.answered('A')).toBe(false);
    h.tick(10_000);
    for (const label of ['A', 'B', 'C', 'D', 'E'])
      expect(h.body('JoinGroup', label)).toMatchObject({ errorCode: NONE, generationId: 1 });
    expect(h.coordinator.describeGroup(G)?.members).toHaveLength(5);
  });

  it('a group coming back from Empty (generation > 0) gets one initial delay, not extensions', () => {
    const h = new CoordinatorHarness();
    h.join('A1', { group: G, clientId: 'A', version: 3 });
    h.tick(3000);
    const a = h.body('JoinGroup', 'A1').memberId;
    h.leave('A.leave', { group: G, memberIds: [a] });
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: 'Empty', generationId: 2 });
    h.at(10_000).join('B', { group: G, clientId: 'B', version: 3 });
    h.at(11_000).join('C', { group: G, clientId: 'C', version: 3 });
    h.tick(13_000);
    expect(h.body('JoinGroup', 'B')).toMatchObject({ errorCode: NONE, generationId: 3 });
    expect(h.body('JoinGroup', 'C')).toMatchObject({ errorCode: NONE, generationId: 3 });
  });

  it('a rebalance of a non-empty group ends as soon as all members rejoin', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    const b = h.joinWithMemberId('B1', { group: G, clientId: 'B' });
    h.join('A2', { group: G, clientId: 'A', memberId: a }); // generation 2 = {A, B}
    h.sync('A.sync', { group: G, memberId: a, generationId: 2 });
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: 'Stable', generationId: 2 });
    h.at(500).join('A3', { group: G, clientId: 'A', memberId: a });
    expect(h.coordinator.describeGroup(G)?.joinDeadlineMs).toBe(60_500);
    expect(h.answered('A3')).toBe(false);
    h.at(700).join('B3', { group: G, clientId: 'B', memberId: b });
    expect(h.body('JoinGroup', 'A3').generationId).toBe(3);
    expect(h.body('JoinGroup', 'B3').generationId).toBe(3);
    expect(h.eventsOf('generation-advanced').at(-1)?.atMs).toBe(700);
  });

  it('timers fire at their own deadlines even when the shell ticks late', () => {
    const h = new CoordinatorHarness();
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A', sessionTimeoutMs: 6000 });
    // The join completes at 3000 and A's session clock starts there: expiry at 9000, seen by a tick at 50 000.
    h.tick(50_000);
    expect(h.eventsOf('generation-advanced')[0].atMs).toBe(3000);
    expect(h.eventsOf('member-expired')).toEqual([
      { type: 'member-expired', groupId: G, memberId: a, lastHeartbeatMs: 3000, timeoutMs: 6000, atMs: 9000 },
    ]);
    expect(h.coordinator.describeGroup(G)).toMatchObject({ state: 'Empty', generationId: 2 });
  });

  it('members waiting in JoinGroup or SyncGroup are not expired; a new member gives up after 5 minutes', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', {
      group: G,
      clientId: 'A',
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 600_000,
    });
    h.sync('A.sync', { group: G, memberId: a, generationId: 1 });
    // B joins with a long rebalance timeout; A never rejoins but heartbeats, so the phase lasts 10 minutes.
    h.at(1000).join('B1', {
      group: G,
      clientId: 'B',
      version: 3,
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 600_000,
    });
    for (let t = 4000; t < 301_000; t += 3000)
      h.at(t).heartbeat(`A.hb@${t}`, { group: G, memberId: a, generationId: 1 });
    h.tick(301_000); // B's first JoinGroup has waited 300 s: B is dropped and answered
    expect(h.body('JoinGroup', 'B1')).toMatchObject({ errorCode: ErrorCode.UNKNOWN_MEMBER_ID, memberId: '' });
    expect(h.eventsOf('member-expired').map((event) => event.timeoutMs)).toEqual([300_000]);
  });
});

function commitOf(memberId: string, generationId: number, offset: bigint) {
  return {
    groupId: G,
    generationId,
    memberId,
    retentionTimeMs: -1n,
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: '' }] },
    ],
  };
}
