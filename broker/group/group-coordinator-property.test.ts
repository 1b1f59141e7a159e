import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { encodeAssignment } from './consumer-protocol.ts';
import { consumerProtocols, CoordinatorHarness } from './coordinator-test-harness.ts';

// Random clients doing random (but well-formed) things against one group, then going silent. Whatever
// happened: every request is answered exactly once (the harness asserts "at most once"; the end checks
// "at least once"), generations only grow, the group ends Empty, and replaying the __consumer_offsets log
// on a fresh coordinator gives back the same group generation and the same committed offsets.

const G = 'prop-group';

type Action =
  | { kind: 'join'; client: number; version: 3 | 5 }
  | { kind: 'sync'; client: number }
  | { kind: 'heartbeat'; client: number }
  | { kind: 'leave'; client: number }
  | { kind: 'commit'; client: number; offset: number }
  | { kind: 'wait'; ms: number }
  | { kind: 'append'; fail: boolean };

const client = fc.integer({ min: 0, max: 3 });
const action: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant('join' as const), client, version: fc.constantFrom(3 as const, 5 as const) }),
  fc.record({ kind: fc.constant('sync' as const), client }),
  fc.record({ kind: fc.constant('heartbeat' as const), client }),
  fc.record({ kind: fc.constant('leave' as const), client }),
  fc.record({ kind: fc.constant('commit' as const), client, offset: fc.integer({ min: 0, max: 1000 }) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 15_000 }) }),
  fc.record({ kind: fc.constant('append' as const), fail: fc.boolean() }),
);

interface ClientState {
  memberId: string;
  generation: number;
  leader: boolean;
  members: string[];
}

function run(actions: readonly Action[], initialDelayMs: number, autoCompleteAppends: boolean): void {
  const h = new CoordinatorHarness({
    config: { groupInitialRebalanceDelayMs: initialDelayMs },
    autoCompleteAppends,
  });
  let failures = 0;
  const clients: ClientState[] = [0, 1, 2, 3].map(() => ({
    memberId: '',
    generation: -1,
    leader: false,
    members: [],
  }));
  const sent: { label: string; client: number }[] = [];
  const seen = new Set<string>();
  let step = 0;
  let lastGeneration = 0;

  const absorb = (): void => {
    for (const { label, client: index } of sent) {
      if (seen.has(label) || !h.answered(label)) continue;
      seen.add(label);
      const response = h.response(label)!;
      const state = clients[index];
      if (response.api === 'JoinGroup') {
        const body = response.body;
        if (body.errorCode === ErrorCode.NONE) {
          Object.assign(state, {
            memberId: body.memberId,
            generation: body.generationId,
            leader: body.leader === body.memberId,
            members: body.members.map((member) => member.memberId),
          });
        } else if (body.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
          state.memberId = body.memberId;
        } else if (body.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
          Object.assign(state, { memberId: '', generation: -1, leader: false, members: [] });
        }
      } else if (response.api === 'Heartbeat' && response.body.errorCode === ErrorCode.UNKNOWN_MEMBER_ID) {
        Object.assign(state, { memberId: '', generation: -1, leader: false, members: [] });
      }
    }
  };

  for (const act of actions) {
    const label = `${act.kind}#${step++}`;
    if (act.kind === 'wait') {
      h.tick(h.nowMs + act.ms);
    } else if (act.kind === 'append') {
      // With manual appends: complete the oldest one, successfully or with a produce error.
      if (h.pendingAppends.length > 0) {
        if (act.fail) failures++;
        h.completeNextAppend(act.fail ? { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS } : undefined);
      }
    } else {
      const state = clients[act.client];
      sent.push({ label, client: act.client });
      const clientId = `c${act.client}`;
      switch (act.kind) {
        case 'join':
          h.join(label, {
            group: G,
            clientId,
            memberId: state.memberId,
            version: act.version,
            protocols: consumerProtocols(['range', 'roundrobin']),
          });
          break;
        case 'sync':
          h.sync(label, {
            group: G,
            memberId: state.memberId,
            generationId: state.generation,
            assignments: state.leader
              ? state.members.map((memberId, index) => ({
                  memberId,
                  assignment: encodeAssignment({ partitions: [{ topic: 'orders', partitions: [index] }] }),
                }))
              : [],
          });
          break;
        case 'heartbeat':
          h.heartbeat(label, { group: G, memberId: state.memberId, generationId: state.generation });
          break;
        case 'leave':
          h.leave(label, { group: G, memberIds: [state.memberId] });
          break;
        case 'commit':
          h.commit(label, 2, {
            groupId: G,
            generationId: state.generation,
            memberId: state.memberId,
            topics: [
              {
                name: 'orders',
                partitions: [
                  {
                    partitionIndex: act.client,
                    committedOffset: BigInt(act.offset),
                    committedMetadata: null,
                  },
                ],
              },
            ],
          });
          break;
      }
    }
    absorb();
    const view = h.coordinator.describeGroup(G);
    if (view) {
      expect(view.generationId).toBeGreaterThanOrEqual(lastGeneration);
      lastGeneration = view.generationId;
      if (view.state === 'Stable')
        expect(view.members.every((member) => !member.awaitingJoin && !member.awaitingSync)).toBe(true);
      if (view.members.length > 0)
        expect(view.members.map((member) => member.memberId)).toContain(view.leaderId);
      else expect(view.leaderId).toBeNull();
      expect(view.joinDeadlineMs !== null).toBe(view.state === 'PreparingRebalance');
    }
  }

  // Everyone goes silent for an hour: sessions, join phases and new-member timeouts all run out (appends
  // still in flight complete first, successfully).
  do {
    while (h.pendingAppends.length > 0) h.completeNextAppend();
    h.tick(h.nowMs + 3_600_000);
  } while (h.pendingAppends.length > 0);
  for (const { label } of sent) expect(h.answered(label), `${label} answered`).toBe(true);
  const final = h.coordinator.describeGroup(G);
  if (final) expect(final.state).toBe('Empty');

  // Replay the log on another coordinator: same generation, same offsets. (A failed append may still be
  // in the log, as in Kafka, so the comparison only holds when none failed.)
  if (failures > 0) return;
  const partition = h.coordinator.partitionFor(G);
  const replay = new CoordinatorHarness({ ownedPartitions: [] });
  replay.apply(replay.coordinator.loadGroupsFromRecords(partition, h.logOf(partition), h.nowMs));
  const loaded = replay.coordinator.describeGroup(G);
  const hasGroupRecord = h.logOf(partition).some((record) => record.key?.[1] === 2);
  if (hasGroupRecord) expect(loaded?.generationId).toBe(final?.generationId);
  expect(loaded?.offsets ?? []).toEqual(final?.offsets ?? []);
}

describe('GroupCoordinator under random client behaviour (fast-check)', () => {
  it('answers every request once, keeps generations monotonic, ends Empty and replays from its log', () => {
    fc.assert(
      fc.property(
        fc.array(action, { minLength: 1, maxLength: 60 }),
        fc.constantFrom(0, 3000),
        fc.boolean(),
        (actions, delay, autoCompleteAppends) => run(actions, delay, autoCompleteAppends),
      ),
      { numRuns: 300 },
    );
  });
});
