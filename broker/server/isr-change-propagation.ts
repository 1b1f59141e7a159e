// The leader's side of ISR changes in ZooKeeper-era Kafka (≤ 2.6; kafka-zk-era.md §3.4, §1.3.11): the
// partition leader writes the new ISR into /brokers/topics/<t>/partitions/<p>/state itself, as a
// conditional setData on the version it last saw (keeping leader and leader epoch), and then tells the
// controller through /isr_change_notification/isr_change_<seq>, batched as Kafka batches them
// (ReplicaManager.maybePropagateIsrChanges): checked every 2.5 s, written once no change came for 5 s or
// 60 s passed since the last write. The controller reads the notifications and sends UpdateMetadata.

import type { Logger } from 'pino';

import type { LeaderIsrAndControllerEpoch, TopicPartition } from '../controller/types.ts';
import type { IsrUpdate } from './replica-manager.ts';

/** Kafka's ReplicaManager.IsrChangePropagationBlackOut: quiet time before a batch is written. */
export const ISR_CHANGE_PROPAGATION_BLACKOUT_MS = 5_000;
/** Kafka's ReplicaManager.IsrChangePropagationInterval: a batch is written at least this often. */
export const ISR_CHANGE_PROPAGATION_INTERVAL_MS = 60_000;
/** How often the batch is looked at (Kafka's isr-change-propagation task). */
export const ISR_CHANGE_PROPAGATION_CHECK_MS = 2_500;

export interface IsrZkWrites {
  conditionalUpdatePartitionState(
    partition: TopicPartition,
    state: LeaderIsrAndControllerEpoch,
  ): Promise<number | undefined>;
  propagateIsrChanges(partitions: readonly TopicPartition[]): Promise<string>;
}

export class IsrChangePropagation {
  private readonly zk: IsrZkWrites;
  private readonly log: Logger;
  private readonly pending = new Map<string, TopicPartition>();
  private lastChangeMs = 0;
  private lastPropagationMs: number;

  constructor(zk: IsrZkWrites, log: Logger, nowMs: number) {
    this.zk = zk;
    this.log = log;
    this.lastPropagationMs = nowMs;
  }

  /** The ReplicaManager's IsrUpdater: the conditional state write, remembered for the next notification. */
  async updateIsr(update: IsrUpdate, nowMs: number): Promise<number | undefined> {
    const partition = { topic: update.topic, partition: update.partition };
    const version = await this.zk.conditionalUpdatePartitionState(partition, {
      leaderAndIsr: {
        leader: update.leader,
        leaderEpoch: update.leaderEpoch,
        isr: update.isr,
        zkVersion: update.zkVersion,
      },
      controllerEpoch: update.controllerEpoch,
    });
    if (version !== undefined) {
      this.pending.set(`${update.topic}-${update.partition}`, partition);
      this.lastChangeMs = nowMs;
    }
    return version;
  }

  /** Writes one isr_change_<seq> for the batch when it is due; returns whether it wrote one. */
  async maybePropagate(nowMs: number): Promise<boolean> {
    if (this.pending.size === 0) return false;
    const quiet = nowMs - this.lastChangeMs >= ISR_CHANGE_PROPAGATION_BLACKOUT_MS;
    const overdue = nowMs - this.lastPropagationMs >= ISR_CHANGE_PROPAGATION_INTERVAL_MS;
    if (!quiet && !overdue) return false;
    const partitions = [...this.pending.values()];
    this.pending.clear();
    try {
      const path = await this.zk.propagateIsrChanges(partitions);
      this.lastPropagationMs = nowMs;
      this.log.info(
        { path, partitions: partitions.map((p) => `${p.topic}-${p.partition}`) },
        'ISR change notification written',
      );
      return true;
    } catch (error) {
      // Keep them for the next round (unless newer changes of the same partitions arrived meanwhile).
      for (const p of partitions) this.pending.set(`${p.topic}-${p.partition}`, p);
      throw error;
    }
  }
}
