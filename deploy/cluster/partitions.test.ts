import { describe, expect, it } from 'vitest';

import { mergePartitionAnswers, type BrokerPartitionAnswer } from './partitions.ts';

const view = (over: Partial<BrokerPartitionAnswer>): BrokerPartitionAnswer => ({
  topic: 't',
  partition: 0,
  role: 'follower',
  leader: 1,
  leaderEpoch: 3,
  replicas: [1, 2, 3],
  isr: [1, 2, 3],
  logEndOffset: '10',
  highWatermark: '10',
  ...over,
});

describe('mergePartitionAnswers', () => {
  it("takes placement from the leader and each replica's offsets from itself", () => {
    const merged = mergePartitionAnswers([
      {
        brokerId: 1,
        partitions: [view({ role: 'leader', isr: [1, 2], logEndOffset: '12', highWatermark: '11' })],
      },
      { brokerId: 2, partitions: [view({ isr: [1, 2, 3], logEndOffset: '11', highWatermark: '10' })] },
      { brokerId: 3, partitions: [view({ logEndOffset: '4', highWatermark: '4' })] },
    ]);
    expect(merged).toEqual([
      {
        topic: 't',
        partition: 0,
        leader: 1,
        leaderEpoch: 3,
        replicas: [1, 2, 3],
        isr: [1, 2],
        replicaStates: [
          { brokerId: 1, inIsr: true, logEndOffset: '12', highWatermark: '11' },
          { brokerId: 2, inIsr: true, logEndOffset: '11', highWatermark: '10' },
          { brokerId: 3, inIsr: false, logEndOffset: '4', highWatermark: '4' },
        ],
      },
    ]);
  });

  it('shows an offline partition (no leader answering) with -1 and unknown offsets for silent brokers', () => {
    const merged = mergePartitionAnswers([
      { brokerId: 2, partitions: [view({ leaderEpoch: 4, leader: -1, isr: [1] })] },
      {
        brokerId: 3,
        partitions: [
          view({ leaderEpoch: 2, partition: 0 }),
          view({ topic: 'a', role: 'leader', replicas: [3], isr: [3] }),
        ],
      },
    ]);
    expect(merged.map((p) => [p.topic, p.leader, p.leaderEpoch, p.isr])).toEqual([
      ['a', 3, 3, [3]],
      ['t', -1, 4, [1]],
    ]);
    expect(merged[1].replicaStates[0]).toEqual({
      brokerId: 1,
      inIsr: true,
      logEndOffset: null,
      highWatermark: null,
    });
  });
});

describe('formatPartitions', () => {
  it('prints one row per partition with each replica as LEO/HW and who is out of the ISR', async () => {
    const { formatPartitions } = await import('./format.ts');
    const text = formatPartitions(
      mergePartitionAnswers([
        { brokerId: 1, partitions: [view({ role: 'leader', isr: [1, 2], logEndOffset: '12', highWatermark: '11' })] },
        { brokerId: 2, partitions: [view({ logEndOffset: '11', highWatermark: '10' })] },
      ]),
    );
    const [header, row] = text.split('\n');
    expect(header).toMatch(/^PARTITION\s+LEADER\s+EPOCH\s+REPLICAS\s+ISR\s+LEO\/HW per replica$/);
    expect(row).toMatch(/^t-0\s+1\s+3\s+1,2,3\s+1,2\s+1: 12\/11 {2}2: 11\/10 {2}3: - \(out of ISR\)$/);
  });
});
