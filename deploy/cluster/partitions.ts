// The lab's view of every partition, merged from what each broker's admin HTTP GET /partitions says:
// placement (leader, leader epoch, replicas, ISR) from the leader's answer (the freshest: it writes ISR
// changes itself), and each replica's log end offset and high watermark from that replica's own answer.
// A replica whose broker did not answer shows null. Pure.

/** The fields of one entry of GET /partitions the lab uses (broker/admin-http/broker-admin-view.ts). */
export interface BrokerPartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly role: 'leader' | 'follower' | 'offline';
  readonly leader: number | null;
  readonly leaderEpoch: number | null;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly logEndOffset: string;
  readonly highWatermark: string;
}

export interface ReplicaStatus {
  readonly brokerId: number;
  readonly inIsr: boolean;
  /** Decimal strings; null when that broker did not answer (down, paused) or does not host it. */
  readonly logEndOffset: string | null;
  readonly highWatermark: string | null;
}

export interface PartitionStatus {
  readonly topic: string;
  readonly partition: number;
  /** -1 when no live broker leads it (offline). */
  readonly leader: number;
  readonly leaderEpoch: number | null;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly replicaStates: readonly ReplicaStatus[];
}

export function mergePartitionAnswers(
  answers: readonly { brokerId: number; partitions: readonly BrokerPartitionAnswer[] }[],
): PartitionStatus[] {
  const byPartition = new Map<string, { brokerId: number; view: BrokerPartitionAnswer }[]>();
  for (const { brokerId, partitions } of answers) {
    for (const view of partitions) {
      const key = `${view.topic}\u0000${view.partition}`;
      const list = byPartition.get(key) ?? [];
      list.push({ brokerId, view });
      byPartition.set(key, list);
    }
  }
  const merged: PartitionStatus[] = [];
  for (const views of byPartition.values()) {
    const leaderView = views.find((v) => v.view.role === 'leader');
    // Without a leader, the newest epoch any follower knows (an offline partition keeps its placement).
    const placement =
      leaderView ?? [...views].sort((a, b) => (b.view.leaderEpoch ?? -1) - (a.view.leaderEpoch ?? -1))[0];
    const { topic, partition, replicas, isr, leaderEpoch } = placement.view;
    merged.push({
      topic,
      partition,
      leader: leaderView === undefined ? -1 : leaderView.brokerId,
      leaderEpoch,
      replicas,
      isr,
      replicaStates: replicas.map((brokerId) => {
        const own = views.find((v) => v.brokerId === brokerId && v.view.role !== 'offline');
        return {
          brokerId,
          inIsr: isr.includes(brokerId),
          logEndOffset: own?.view.logEndOffset ?? null,
          highWatermark: own?.view.highWatermark ?? null,
        };
      }),
    });
  }
  return merged.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
}
