import { describe, expect, it } from 'vitest';

import { ErrorCode } from '../../client/protocol/error-codes.ts';
import { CoordinatorHarness } from './coordinator-test-harness.ts';
import type { OffsetCommitRequestData } from './group-coordinator.ts';
import { readMessageKey, readOffsetMessageValue } from './group-metadata-records.ts';
import { partitionFor } from './partition-for.ts';

const { NONE } = ErrorCode;

function commit(
  groupId: string,
  offsets: Record<string, number | bigint>,
  extra: Partial<OffsetCommitRequestData> & {
    metadata?: string;
    leaderEpoch?: number;
    commitTimestamp?: bigint;
  } = {},
): OffsetCommitRequestData {
  const topics = new Map<
    string,
    {
      partitionIndex: number;
      committedOffset: bigint;
      committedMetadata: string | null;
      committedLeaderEpoch?: number;
      commitTimestamp?: bigint;
    }[]
  >();
  for (const [key, offset] of Object.entries(offsets)) {
    const [topic, partition] = key.split('/');
    const list = topics.get(topic) ?? [];
    list.push({
      partitionIndex: Number(partition),
      committedOffset: BigInt(offset),
      committedMetadata: extra.metadata ?? null,
      committedLeaderEpoch: extra.leaderEpoch,
      commitTimestamp: extra.commitTimestamp,
    });
    topics.set(topic, list);
  }
  return {
    groupId,
    generationId: extra.generationId ?? -1,
    memberId: extra.memberId ?? '',
    retentionTimeMs: extra.retentionTimeMs ?? -1n,
    topics: [...topics].map(([name, partitions]) => ({ name, partitions })),
  };
}

const codes = (h: CoordinatorHarness, label: string): Record<string, number> =>
  Object.fromEntries(
    h
      .body('OffsetCommit', label)
      .topics.flatMap((topic) =>
        topic.partitions.map((p) => [`${topic.name}/${p.partitionIndex}`, p.errorCode]),
      ),
  );

describe('OffsetCommit and OffsetFetch', () => {
  it('a simple consumer (generation −1, no member) stores offsets in an Empty group; fetch answers −1 for the rest', () => {
    const h = new CoordinatorHarness();
    h.at(1_600_000_000_000).commit(
      'C',
      2,
      commit('offsets-only', { 'orders/0': 42, 'orders/2': 7, 'payments/0': 1 }, { metadata: 'm' }),
    );
    expect(codes(h, 'C')).toEqual({ 'orders/0': NONE, 'orders/2': NONE, 'payments/0': NONE });
    expect(h.coordinator.describeGroup('offsets-only')).toMatchObject({
      state: 'Empty',
      generationId: 0,
      protocolType: null,
    });

    // One batch with one record per partition, in __consumer_offsets-partitionFor(group).
    const [append] = h.appends;
    expect(append).toMatchObject({
      partition: partitionFor('offsets-only', 50),
      requiredAcks: -1,
      purpose: 'offset-commit',
    });
    expect(append.records.map((record) => readMessageKey(record.key))).toEqual([
      { kind: 'offset', version: 1, group: 'offsets-only', topic: 'orders', partition: 0 },
      { kind: 'offset', version: 1, group: 'offsets-only', topic: 'orders', partition: 2 },
      { kind: 'offset', version: 1, group: 'offsets-only', topic: 'payments', partition: 0 },
    ]);
    expect(readOffsetMessageValue(append.records[0].value)).toEqual({
      version: 3,
      offset: 42n,
      leaderEpoch: -1,
      metadata: 'm',
      commitTimestamp: 1_600_000_000_000n,
      expireTimestamp: null,
    });
    expect(append.records[0].timestamp).toBe(1_600_000_000_000n);

    const fetched = h.fetch('F', 1, {
      groupId: 'offsets-only',
      topics: [{ name: 'orders', partitionIndexes: [0, 1, 2] }],
    });
    expect(fetched.topics).toEqual([
      {
        name: 'orders',
        partitions: [
          {
            partitionIndex: 0,
            committedOffset: 42n,
            committedLeaderEpoch: -1,
            metadata: 'm',
            errorCode: NONE,
          },
          {
            partitionIndex: 1,
            committedOffset: -1n,
            committedLeaderEpoch: -1,
            metadata: '',
            errorCode: NONE,
          },
          {
            partitionIndex: 2,
            committedOffset: 7n,
            committedLeaderEpoch: -1,
            metadata: 'm',
            errorCode: NONE,
          },
        ],
      },
    ]);
    // v2+: null topics = everything the group has, sorted by topic and partition.
    const all = h.fetch('F.all', 2, { groupId: 'offsets-only', topics: null });
    expect(
      all.topics.map((topic) => [
        topic.name,
        topic.partitions.map((p) => [p.partitionIndex, p.committedOffset]),
      ]),
    ).toEqual([
      [
        'orders',
        [
          [0, 42n],
          [2, 7n],
        ],
      ],
      ['payments', [[0, 1n]]],
    ]);
    // A group nobody knows: −1 everywhere, no error.
    const none = h.fetch('F.none', 1, {
      groupId: 'nobody',
      topics: [{ name: 'orders', partitionIndexes: [0] }],
    });
    expect(none.topics[0].partitions[0]).toMatchObject({ committedOffset: -1n, errorCode: NONE });
  });

  it('v1 per-partition commit timestamps, v2–v4 retention times (value v1), v6+ leader epochs (value v3)', () => {
    const h = new CoordinatorHarness();
    h.at(10_000).commit('v1', 1, commit('g1', { 't/0': 5 }, { commitTimestamp: 1234n }));
    h.commit('v2', 2, commit('g2', { 't/0': 6 }, { retentionTimeMs: 60_000n }));
    h.commit('v6', 6, commit('g3', { 't/0': 7 }, { leaderEpoch: 3 }));
    h.commit('v5-epoch-ignored', 5, commit('g4', { 't/0': 8 }, { leaderEpoch: 3 }));
    const value = (index: number) => readOffsetMessageValue(h.appends[index].records[0].value);
    expect(value(0)).toMatchObject({ version: 3, commitTimestamp: 1234n, expireTimestamp: null });
    expect(value(1)).toMatchObject({
      version: 1,
      offset: 6n,
      commitTimestamp: 10_000n,
      expireTimestamp: 70_000n,
    });
    expect(value(2)).toMatchObject({ version: 3, offset: 7n, leaderEpoch: 3 });
    expect(value(3)).toMatchObject({ version: 3, leaderEpoch: -1 });
    expect(
      h.fetch('F', 5, { groupId: 'g3', topics: null }).topics[0].partitions[0].committedLeaderEpoch,
    ).toBe(3);
    // OffsetCommit v0 has no generation or member: a simple commit.
    h.commit('v0', 0, {
      groupId: 'g5',
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0, committedOffset: 9n, committedMetadata: null }] },
      ],
    });
    expect(codes(h, 'v0')).toEqual({ 't/0': NONE });
  });

  it('metadata longer than offset.metadata.max.bytes fails that partition only; unknown partitions are refused', () => {
    const h = new CoordinatorHarness({
      config: { offsetMetadataMaxBytes: 4 },
      partitionExists: (topic) => topic !== 'deleted',
    });
    h.commit('C', 2, {
      groupId: 'g',
      generationId: -1,
      memberId: '',
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedMetadata: 'ok' },
            { partitionIndex: 1, committedOffset: 2n, committedMetadata: 'too long' },
          ],
        },
        {
          name: 'deleted',
          partitions: [{ partitionIndex: 0, committedOffset: 3n, committedMetadata: null }],
        },
      ],
    });
    expect(codes(h, 'C')).toEqual({
      'orders/0': NONE,
      'orders/1': ErrorCode.OFFSET_METADATA_TOO_LARGE,
      'deleted/0': ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
    expect(h.appends).toHaveLength(1);
    expect(h.appends[0].records).toHaveLength(1);
    // Nothing valid left: no append at all.
    h.commit('C2', 2, commit('g', { 'orders/1': 1 }, { metadata: 'way too long' }));
    expect(codes(h, 'C2')).toEqual({ 'orders/1': ErrorCode.OFFSET_METADATA_TOO_LARGE });
    expect(h.appends).toHaveLength(1);
  });

  it('group and coordinator checks', () => {
    const h = new CoordinatorHarness({ ownedPartitions: [partitionFor('mine', 50), partitionFor('', 50)] });
    // A commit with a generation for a group the coordinator does not have: from an older generation.
    h.commit('old', 2, commit('mine', { 't/0': 1 }, { generationId: 3, memberId: 'm' }));
    expect(codes(h, 'old')).toEqual({ 't/0': ErrorCode.ILLEGAL_GENERATION });
    // Not this broker's group.
    const other = 'group1'; // partition 40
    expect(partitionFor(other, 50)).not.toBe(partitionFor('mine', 50));
    h.commit('notmine', 2, commit(other, { 't/0': 1 }));
    expect(codes(h, 'notmine')).toEqual({ 't/0': ErrorCode.NOT_COORDINATOR });
    // OffsetFetch: v0/v1 put the error on every partition, v2+ at the top.
    const v1 = h.fetch('F1', 1, { groupId: other, topics: [{ name: 't', partitionIndexes: [0, 1] }] });
    expect(v1.topics[0].partitions.map((p) => [p.errorCode, p.committedOffset])).toEqual([
      [ErrorCode.NOT_COORDINATOR, -1n],
      [ErrorCode.NOT_COORDINATOR, -1n],
    ]);
    const v3 = h.fetch('F3', 3, { groupId: other, topics: [{ name: 't', partitionIndexes: [0] }] });
    expect(v3).toMatchObject({ errorCode: ErrorCode.NOT_COORDINATOR, topics: [] });
    // The empty group id is allowed for offsets (old clients use it).
    h.commit('empty', 2, commit('', { 't/0': 4 }));
    expect(codes(h, 'empty')).toEqual({ 't/0': NONE });
    // v8: several groups in one request.
    const v8 = h.fetch('F8', 8, {
      groups: [
        { groupId: '', topics: null },
        { groupId: other, topics: null },
      ],
    });
    expect(v8.groups.map((group) => [group.groupId, group.errorCode, group.topics.length])).toEqual([
      ['', NONE, 1],
      [other, ErrorCode.NOT_COORDINATOR, 0],
    ]);
  });

  it('members commit in Stable and PreparingRebalance; a simple commit is refused while the group has members', () => {
    const h = new CoordinatorHarness({ config: { groupInitialRebalanceDelayMs: 0 } });
    const a = h.joinWithMemberId('A1', { group: 'g', clientId: 'A' });
    h.sync('A.sync', { group: 'g', memberId: a, generationId: 1 });
    h.commit('stable', 2, commit('g', { 't/0': 1 }, { generationId: 1, memberId: a }));
    h.joinWithMemberId('B1', { group: 'g', clientId: 'B' });
    expect(h.coordinator.describeGroup('g')?.state).toBe('PreparingRebalance');
    h.commit('preparing', 2, commit('g', { 't/0': 2 }, { generationId: 1, memberId: a }));
    h.commit('simple', 2, commit('g', { 't/0': 3 }));
    expect(codes(h, 'stable')).toEqual({ 't/0': NONE });
    expect(codes(h, 'preparing')).toEqual({ 't/0': NONE });
    expect(codes(h, 'simple')).toEqual({ 't/0': ErrorCode.UNKNOWN_MEMBER_ID });
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(2n);
  });

  it('the cache changes only when the append succeeds; requireStable sees commits in flight', () => {
    const h = new CoordinatorHarness({ autoCompleteAppends: false });
    h.commit('C1', 2, commit('g', { 't/0': 10 }));
    expect(h.answered('C1')).toBe(false);
    expect(
      h.fetch('F1', 1, { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0] }] }).topics[0]
        .partitions[0].committedOffset,
    ).toBe(-1n);
    const stable = h.fetch('F7', 7, {
      groupId: 'g',
      topics: [{ name: 't', partitionIndexes: [0] }],
      requireStable: true,
    });
    expect(stable.topics[0].partitions[0].errorCode).toBe(ErrorCode.UNSTABLE_OFFSET_COMMIT);
    h.completeNextAppend();
    expect(codes(h, 'C1')).toEqual({ 't/0': NONE });
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(10n);
    expect(h.eventsOf('offsets-committed').map((event) => event.offsets)).toEqual([
      [{ topic: 't', partition: 0, offset: 10n }],
    ]);

    // A failed append: the error is mapped as Kafka maps it and the cache keeps the old offset.
    h.commit('C2', 2, commit('g', { 't/0': 11 }));
    h.completeNextAppend({ errorCode: ErrorCode.NOT_ENOUGH_REPLICAS });
    expect(codes(h, 'C2')).toEqual({ 't/0': ErrorCode.COORDINATOR_NOT_AVAILABLE });
    h.commit('C3', 2, commit('g', { 't/0': 12 }));
    h.completeNextAppend({ errorCode: ErrorCode.MESSAGE_TOO_LARGE });
    expect(codes(h, 'C3')).toEqual({ 't/0': ErrorCode.INVALID_COMMIT_OFFSET_SIZE });
    h.commit('C4', 2, commit('g', { 't/0': 13 }));
    h.completeNextAppend({ errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER });
    expect(codes(h, 'C4')).toEqual({ 't/0': ErrorCode.NOT_COORDINATOR });
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(10n);
    expect(h.coordinator.describeGroup('g')?.offsets).toHaveLength(1);
  });

  it('appends completing out of order never move a committed offset back (the later record wins)', () => {
    const h = new CoordinatorHarness({ autoCompleteAppends: false });
    h.commit('first', 2, commit('g', { 't/0': 100 }));
    h.commit('second', 2, commit('g', { 't/0': 200 }));
    const [first, second] = h.pendingAppends;
    h.completeAppend(second, { errorCode: NONE, baseOffset: 8n });
    h.completeAppend(first, { errorCode: NONE, baseOffset: 7n });
    expect(codes(h, 'first')).toEqual({ 't/0': NONE });
    expect(codes(h, 'second')).toEqual({ 't/0': NONE });
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(200n);
  });
});

describe('offset retention (offsets.retention.minutes, KIP-211)', () => {
  const config = {
    offsetsRetentionMinutes: 1,
    offsetsRetentionCheckIntervalMs: 10_000,
    groupInitialRebalanceDelayMs: 0,
  };

  it('a simple consumer group expires each offset one retention period after its commit, then disappears', () => {
    const h = new CoordinatorHarness({ config });
    h.at(5000).commit('C1', 2, commit('simple', { 't/0': 1 }));
    h.at(25_000).commit('C2', 2, commit('simple', { 't/1': 2 }));
    h.tick(60_000);
    expect(h.coordinator.describeGroup('simple')?.offsets).toHaveLength(2);
    h.tick(70_000); // check at 70 000: t/0 committed at 5000 is 65 s old
    expect(h.coordinator.describeGroup('simple')?.offsets.map((offset) => offset.partition)).toEqual([1]);
    const tombstones = h.appends.filter((append) => append.purpose === 'tombstones');
    expect(tombstones).toHaveLength(1);
    expect(tombstones[0]).toMatchObject({ requiredAcks: 0 });
    expect(tombstones[0].records.map((record) => [readMessageKey(record.key), record.value])).toEqual([
      [{ kind: 'offset', version: 1, group: 'simple', topic: 't', partition: 0 }, null],
    ]);
    h.tick(90_000);
    // Empty and without offsets: the group is removed; it never had a generation, so no group tombstone.
    expect(h.coordinator.describeGroup('simple')).toBeUndefined();
    expect(h.eventsOf('group-removed').map((event) => [event.groupId, event.atMs])).toEqual([
      ['simple', 90_000],
    ]);
    expect(h.appends.at(-1)?.records.map((record) => readMessageKey(record.key).kind)).toEqual(['offset']);
  });

  it('a consumer group keeps its offsets while it has members; the clock starts when it becomes Empty', () => {
    const h = new CoordinatorHarness({ config });
    const a = h.joinWithMemberId('A1', { group: 'g', clientId: 'A', sessionTimeoutMs: 300_000 });
    h.sync('A.sync', { group: 'g', memberId: a, generationId: 1 });
    h.commit('C', 2, commit('g', { 't/0': 5 }, { generationId: 1, memberId: a }));
    h.tick(200_000);
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(5n);
    h.at(205_000).leave('A.leave', { group: 'g', memberIds: [a] });
    expect(h.coordinator.describeGroup('g')).toMatchObject({
      state: 'Empty',
      currentStateTimestampMs: 205_000,
      generationId: 2,
    });
    h.tick(260_000);
    expect(h.coordinator.committedOffset('g', 't', 0)?.offset).toBe(5n);
    h.tick(270_000); // 65 s after the group became Empty
    expect(h.coordinator.describeGroup('g')).toBeUndefined();
    const last = h.appends.at(-1);
    expect(last?.records.map((record) => [readMessageKey(record.key).kind, record.value])).toEqual([
      ['offset', null],
      ['group', null],
    ]);
  });

  it('an offset committed with a retention time (OffsetCommit v2–v4) expires at its own expire timestamp', () => {
    const h = new CoordinatorHarness({ config: { ...config, offsetsRetentionMinutes: 1000 } });
    h.at(1000).commit('C', 2, commit('g', { 't/0': 1 }, { retentionTimeMs: 15_000n }));
    h.tick(10_000);
    expect(h.coordinator.committedOffset('g', 't', 0)).toBeDefined();
    h.tick(20_000);
    expect(h.coordinator.committedOffset('g', 't', 0)).toBeUndefined();
  });
});
