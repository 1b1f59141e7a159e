// What the consumer is subscribed to and, per assigned partition, where it is: the fetch position (the
// offset of the next record to hand out), paused or not, a pending offset reset, the last committed
// offset and the high watermark seen. No I/O.

import type { TopicPartition } from './assignors/types.ts';

export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to return to the application (null = not known yet: committed offset or reset pending). */
  position: bigint | null;
  paused: boolean;
  /** A reset is needed with this strategy (after OFFSET_OUT_OF_RANGE, or seekToBeginning/End). */
  pendingReset: 'earliest' | 'latest' | null;
  /** Offset last committed by this consumer (or fetched from the coordinator). */
  committed: bigint | null;
  highWatermark: bigint;
  logStartOffset: bigint;
  /** Bumped by seek/reset/pause, so records fetched for an older position are dropped. */
  epoch: number;
  /** The last leader epoch seen in fetched batches (committed with the offset). */
  lastLeaderEpoch: number;
}

export function tpKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

export type SubscriptionMode = 'none' | 'topics' | 'pattern' | 'manual';

export class SubscriptionState {
  mode: SubscriptionMode = 'none';
  topics = new Set<string>();
  pattern: RegExp | null = null;
  private readonly assigned = new Map<string, PartitionState>();

  subscribeTopics(topics: Iterable<string>): void {
    this.mode = 'topics';
    this.topics = new Set(topics);
    this.pattern = null;
  }

  subscribePattern(pattern: RegExp): void {
    this.mode = 'pattern';
    this.pattern = pattern;
    this.topics = new Set();
  }

  /** For a pattern subscription: recompute the matched topics; true when they changed. */
  updateMatchedTopics(allTopics: Iterable<string>): boolean {
    if (this.mode !== 'pattern' || !this.pattern) return false;
    const pattern = this.pattern;
    const matched = new Set(
      [...allTopics].filter(
        (topic) =>
          !topic.startsWith('__') && new RegExp(pattern.source, pattern.flags.replace('g', '')).test(topic),
      ),
    );
    const changed =
      matched.size !== this.topics.size || [...matched].some((topic) => !this.topics.has(topic));
    this.topics = matched;
    return changed;
  }

  assignManually(partitions: readonly TopicPartition[]): void {
    this.mode = 'manual';
    this.topics = new Set(partitions.map((tp) => tp.topic));
    this.setAssignment(partitions);
  }

  unsubscribe(): void {
    this.mode = 'none';
    this.topics = new Set();
    this.pattern = null;
    this.assigned.clear();
  }

  /** Replaces the assignment; partitions kept keep their state. */
  setAssignment(partitions: readonly TopicPartition[]): void {
    const next = new Map<string, PartitionState>();
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      next.set(key, this.assigned.get(key) ?? newState(topic, partition));
    }
    this.assigned.clear();
    for (const [key, state] of next) this.assigned.set(key, state);
  }

  addPartitions(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = tpKey(topic, partition);
      if (!this.assigned.has(key)) this.assigned.set(key, newState(topic, partition));
    }
  }

  removePartitions(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.assigned.delete(tpKey(topic, partition));
  }

  get(topic: string, partition: number): PartitionState | undefined {
    return this.assigned.get(tpKey(topic, partition));
  }

  isAssigned(topic: string, partition: number): boolean {
    return this.assigned.has(tpKey(topic, partition));
  }

  /** Assigned partitions, sorted by topic then partition. */
  assignment(): TopicPartition[] {
    return [...this.assigned.values()]
      .map(({ topic, partition }) => ({ topic, partition }))
      .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
  }

  states(): IterableIterator<PartitionState> {
    return this.assigned.values();
  }

  get size(): number {
    return this.assigned.size;
  }

  seek(topic: string, partition: number, offset: bigint): boolean {
    const state = this.get(topic, partition);
    if (!state) return false;
    state.position = offset;
    state.pendingReset = null;
    state.epoch++;
    return true;
  }

  requestReset(topic: string, partition: number, strategy: 'earliest' | 'latest'): void {
    const state = this.get(topic, partition);
    if (!state) return;
    state.position = null;
    state.pendingReset = strategy;
    state.epoch++;
  }
}

function newState(topic: string, partition: number): PartitionState {
  return {
    topic,
    partition,
    position: null,
    paused: false,
    pendingReset: null,
    committed: null,
    highWatermark: -1n,
    logStartOffset: -1n,
    epoch: 0,
    lastLeaderEpoch: -1,
  };
}
