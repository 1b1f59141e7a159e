import { crc32c } from '@node-rs/crc32';
import { describe, expect, it } from 'vitest';

import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { buildRecordBatch, concatRecordBatches } from '../../client/protocol/records/record-batch-builder.ts';
import { decodeRecordBatches } from '../../client/protocol/records/records.ts';
import { decodeAssignment, encodeAssignment } from './consumer-protocol.ts';
import { CoordinatorHarness, type LogEntry } from './coordinator-test-harness.ts';
import { offsetsTopicRecords } from './group-coordinator.ts';
import {
  groupMetadataKey,
  groupMetadataValue,
  offsetCommitKey,
  offsetCommitValue,
} from './group-metadata-records.ts';
import { partitionFor } from './partition-for.ts';

const G = 'my-group';
const P = partitionFor(G, 50); // 12
const { NONE } = ErrorCode;

const assignmentFor = (partitions: number[]): Uint8Array =>
  encodeAssignment({ partitions: [{ topic: 'orders', partitions }] });

/** Broker 1 coordinates G: two members, generation 1, Stable, offsets committed. */
function stableGroupOnBroker1(log: Map<number, LogEntry[]>) {
  const b1 = new CoordinatorHarness({ log, config: { groupInitialRebalanceDelayMs: 0 } });
  const a = b1.joinWithMemberId('A1', { group: G, clientId: 'A', sessionTimeoutMs: 10_000 });
  const b = b1.joinWithMemberId('B1', { group: G, clientId: 'B', sessionTimeoutMs: 20_000 });
  b1.join('A2', { group: G, clientId: 'A', memberId: a, sessionTimeoutMs: 10_000 });
  b1.sync('B.sync', { group: G, memberId: b, generationId: 2 });
  b1.sync('A.sync', {
    group: G,
    memberId: a,
    generationId: 2,
    assignments: [
      { memberId: a, assignment: assignmentFor([0]) },
      { memberId: b, assignment: assignmentFor([1]) },
    ],
  });
  b1.at(1000).commit('A.c1', 2, {
    groupId: G,
    generationId: 2,
    memberId: a,
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 10n, committedMetadata: null }] },
    ],
  });
  b1.at(2000).commit('A.c2', 2, {
    groupId: G,
    generationId: 2,
    memberId: a,
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 25n, committedMetadata: 'x' }] },
    ],
  });
  b1.at(2000).commit('B.c1', 2, {
    groupId: G,
    generationId: 2,
    memberId: b,
    topics: [
      { name: 'orders', partitions: [{ partitionIndex: 1, committedOffset: 7n, committedMetadata: null }] },
    ],
  });
  return { b1, a, b };
}

describe('loading __consumer_offsets when this broker becomes the coordinator', () => {
  it('a coordinator move: the new broker rebuilds the Stable group and its offsets; the old one lets go', () => {
    const log = new Map<number, LogEntry[]>();
    const { b1, a, b } = stableGroupOnBroker1(log);
    // Generation 1 (A alone) never got its SyncGroup, so the log holds one group record (generation 2)
    // and three offset commits.
    expect(log.get(P)?.map((entry) => entry.key[1])).toEqual([2, 1, 1, 1]);

    // Broker 2 is elected leader of __consumer_offsets-12 and starts loading.
    const b2 = new CoordinatorHarness({ log, ownedPartitions: [] });
    b2.at(5000).apply(b2.coordinator.beginLoading(P, 5000));
    b2.join('X.join', { group: G, clientId: 'X' });
    b2.commit('X.commit', 2, {
      groupId: G,
      topics: [
        { name: 'orders', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    });
    b2.sync('A.sync-loading', { group: G, memberId: a, generationId: 2 });
    expect(b2.body('JoinGroup', 'X.join').errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(b2.body('OffsetCommit', 'X.commit').topics[0].partitions[0].errorCode).toBe(
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    );
    expect(b2.body('SyncGroup', 'A.sync-loading').errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(b2.heartbeat('A.hb-loading', { group: G, memberId: a, generationId: 2 })).toBe(NONE);
    expect(b2.list('L', 0).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);

    b2.apply(b2.coordinator.loadGroupsFromRecords(P, b2.logOf(P), 5000));
    expect(b2.eventsOf('partition-loaded')).toEqual([
      { type: 'partition-loaded', partition: P, groups: [G], offsets: 2, skippedRecords: 0, atMs: 5000 },
    ]);
    const view = b2.coordinator.describeGroup(G);
    expect(view).toMatchObject({
      state: 'Stable',
      generationId: 2,
      protocolType: 'consumer',
      protocolName: 'range',
      leaderId: a,
    });
    expect(
      view?.members.map((member) => [member.memberId, member.clientId, member.sessionTimeoutMs]),
    ).toEqual([
      [a, 'A', 10_000],
      [b, 'B', 20_000],
    ]);
    expect(decodeAssignment(view!.members[1].assignment).partitions).toEqual([
      { topic: 'orders', partitions: [1] },
    ]);
    const fetched = b2.fetch('F', 5, { groupId: G, topics: null });
    expect(
      fetched.topics[0].partitions.map((p) => [p.partitionIndex, p.committedOffset, p.metadata]),
    ).toEqual([
      [0, 25n, 'x'],
      [1, 7n, ''],
    ]);

    // The old coordinator resigns: its groups are gone and requests get NOT_COORDINATOR.
    b1.at(5000).apply(b1.coordinator.unloadPartition(P, 5000));
    expect(b1.coordinator.describeGroup(G)).toBeUndefined();
    expect(b1.heartbeat('A.hb-old', { group: G, memberId: a, generationId: 2 })).toBe(
      ErrorCode.NOT_COORDINATOR,
    );

    // Members heartbeat the new coordinator with their generation; B, silent, expires after its session.
    for (let t = 6000; t <= 24_000; t += 3000) {
      expect(b2.at(t).heartbeat(`A.hb@${t}`, { group: G, memberId: a, generationId: 2 })).toBe(NONE);
    }
    b2.tick(24_999);
    expect(b2.coordinator.describeGroup(G)?.members).toHaveLength(2);
    b2.tick(25_000); // loaded at 5000 + B's 20 s session
    expect(b2.eventsOf('member-expired').map((event) => event.memberId)).toEqual([b]);
    expect(b2.coordinator.describeGroup(G)?.state).toBe('PreparingRebalance');
    b2.join('A3', { group: G, clientId: 'A', memberId: a });
    expect(b2.body('JoinGroup', 'A3')).toMatchObject({ errorCode: NONE, generationId: 3, leader: a });
  });

  it('committed offsets survive moves back and forth and never go backwards', () => {
    const log = new Map<number, LogEntry[]>();
    const b1 = new CoordinatorHarness({ log });
    const b2 = new CoordinatorHarness({ log, ownedPartitions: [] });
    const commitAt = (h: CoordinatorHarness, label: string, offset: bigint) =>
      h.commit(label, 2, {
        groupId: G,
        topics: [
          {
            name: 'orders',
            partitions: [{ partitionIndex: 0, committedOffset: offset, committedMetadata: null }],
          },
        ],
      });
    const fetch = (h: CoordinatorHarness, label: string) =>
      h.fetch(label, 1, { groupId: G, topics: [{ name: 'orders', partitionIndexes: [0] }] }).topics[0]
        .partitions[0];

    commitAt(b1, 'c10', 10n);
    commitAt(b1, 'c20', 20n);
    b1.apply(b1.coordinator.unloadPartition(P, 0));
    expect(fetch(b1, 'f-old').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    b2.apply(b2.coordinator.loadGroupsFromRecords(P, b2.logOf(P), 0));
    expect(fetch(b2, 'f1').committedOffset).toBe(20n);
    commitAt(b2, 'c30', 30n);
    b2.apply(b2.coordinator.unloadPartition(P, 0));
    b1.apply(b1.coordinator.loadGroupsFromRecords(P, b1.logOf(P), 0));
    expect(fetch(b1, 'f2').committedOffset).toBe(30n);
    expect(log.get(P)?.length).toBe(3);
  });

  it('round trip through real RecordBatch v2 bytes (CRC-32C checked), skipping control batches', () => {
    const log = new Map<number, LogEntry[]>();
    const { a } = stableGroupOnBroker1(log);
    // Re-encode the log as the broker would store it: one batch per append, offsets as assigned.
    const entries = log.get(P) ?? [];
    const batches: Uint8Array[] = [];
    for (const entry of entries) {
      batches.push(
        buildRecordBatch(
          {
            baseOffset: entry.offset,
            records: [{ key: entry.key, value: entry.value, timestamp: entry.timestamp }],
          },
          { crc32c },
        ),
      );
    }
    // A transaction marker batch in the middle must be ignored.
    batches.splice(
      2,
      0,
      buildRecordBatch(
        {
          baseOffset: 100n,
          isControl: true,
          records: [
            { key: new Uint8Array([0, 0, 0, 1]), value: new Uint8Array([0, 0, 0, 0, 0, 0]), timestamp: 0n },
          ],
        },
        { crc32c },
      ),
    );
    const decoded = decodeRecordBatches(concatRecordBatches(batches), { crc32c });
    const b3 = new CoordinatorHarness({ ownedPartitions: [] });
    b3.apply(b3.coordinator.loadGroupsFromRecords(P, offsetsTopicRecords(decoded), 0));
    expect(b3.coordinator.describeGroup(G)).toMatchObject({ state: 'Stable', generationId: 2, leaderId: a });
    expect(b3.coordinator.committedOffset(G, 'orders', 0)?.offset).toBe(25n);
    expect(b3.eventsOf('partition-loaded')[0].skippedRecords).toBe(0);
  });

  it('tombstones delete; the last record per key wins; a group whose metadata was deleted keeps its offsets as Empty', () => {
    const member = {
      memberId: 'c-1',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '/h',
      rebalanceTimeout: 60_000,
      sessionTimeout: 10_000,
      subscription: new Uint8Array(0),
      assignment: new Uint8Array(0),
    };
    const offset = (value: bigint) => offsetCommitValue({ offset: value, metadata: '', commitTimestamp: 1n });
    const records = [
      { key: offsetCommitKey('g', 't', 0), value: offset(5n) },
      {
        key: groupMetadataKey('g'),
        value: groupMetadataValue({
          protocolType: 'consumer',
          generation: 3,
          protocol: 'range',
          leader: 'c-1',
          currentStateTimestamp: 1n,
          members: [member],
        }),
      },
      { key: offsetCommitKey('g', 't', 0), value: offset(7n) },
      { key: offsetCommitKey('g', 't', 1), value: offset(1n) },
      { key: offsetCommitKey('g', 't', 1), value: null },
      { key: groupMetadataKey('g'), value: null },
      {
        key: groupMetadataKey('h'),
        value: groupMetadataValue({
          protocolType: 'consumer',
          generation: 4,
          protocol: null,
          leader: null,
          currentStateTimestamp: 99n,
          members: [],
        }),
      },
      { key: null, value: null },
      { key: new Uint8Array([0, 9]), value: null },
    ];
    const h = new CoordinatorHarness({ ownedPartitions: [] });
    h.apply(h.coordinator.loadGroupsFromRecords(7, records, 50));
    expect(h.coordinator.describeGroup('g')).toMatchObject({ state: 'Empty', generationId: 0, members: [] });
    expect(h.coordinator.describeGroup('g')?.offsets.map((o) => [o.partition, o.offset])).toEqual([[0, 7n]]);
    expect(h.coordinator.describeGroup('h')).toMatchObject({
      state: 'Empty',
      generationId: 4,
      protocolType: 'consumer',
      currentStateTimestampMs: 99,
    });
    expect(h.eventsOf('partition-loaded')[0]).toMatchObject({
      groups: ['h', 'g'],
      offsets: 1,
      skippedRecords: 2,
    });
  });

  it('unloading answers members waiting in JoinGroup or SyncGroup with NOT_COORDINATOR', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', { group: G, clientId: 'A' });
    const b = h.joinWithMemberId('B1', { group: G, clientId: 'B' });
    expect(h.answered('B1')).toBe(false); // waits for A to rejoin
    h.apply(h.coordinator.unloadPartition(P, 0));
    expect(h.body('JoinGroup', 'B1')).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, memberId: b });
    expect(h.eventsOf('partition-unloaded')).toEqual([
      { type: 'partition-unloaded', partition: P, groups: [G], atMs: 0 },
    ]);

    const k = new CoordinatorHarness({
      config: { groupInitialRebalanceDelayMs: 0 },
      autoCompleteAppends: false,
    });
    const c = k.joinWithMemberId('C1', { group: G, clientId: 'C' });
    k.sync('C.sync', { group: G, memberId: c, generationId: 1 });
    k.commit('S.commit', 2, {
      groupId: 'simple',
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 1n, committedMetadata: null }] },
      ],
    });
    expect(k.answered('C.sync')).toBe(false); // the group record is not written yet
    expect(k.answered('S.commit')).toBe(false);
    k.apply(k.coordinator.unloadPartition(P, 0));
    k.apply(k.coordinator.unloadPartition(partitionFor('simple', 50), 0));
    expect(k.body('SyncGroup', 'C.sync').errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    // The appends complete later: the commit is answered with the append's outcome (as Kafka does), nothing
    // is answered twice, and nothing is cached on the old coordinator.
    k.completeNextAppend();
    k.completeNextAppend();
    expect(k.body('OffsetCommit', 'S.commit').topics[0].partitions[0].errorCode).toBe(NONE);
    expect(k.coordinator.describeGroup(G)).toBeUndefined();
    expect(k.coordinator.committedOffset('simple', 't', 0)).toBeUndefined();
    expect(a).toBeTruthy();
  });
});
