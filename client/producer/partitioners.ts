// Partitioners: the second stage of the producer pipeline (kafka-zk-era.md §5.2).
//
//  * A record with an explicit partition goes there (the producer does that before asking a partitioner).
//  * A keyed record goes to toPositive(murmur2(key)) % partitionCount over ALL partitions — the Java
//    client's rule in every version, and kafkajs 2.x's DefaultPartitioner — so a key keeps its partition
//    as long as the partition count does not change.
//  * A record without a key:
//      'sticky'      (Java 2.4–3.2 default, KIP-480): stay on one random available partition; when the
//                    accumulator must open a new batch for it (the last one filled up or was sent), switch
//                    to another random available partition. Fewer, fuller batches than round-robin.
//      'round-robin' (Java ≤ 2.3 DefaultPartitioner, kafkajs): a per-topic counter starting at a random
//                    value, one step per record, over the partitions that have a leader.
//
// Randomness is injected (`random`, default Math.random) so tests are reproducible.

import { partitionForKey, toPositive } from './murmur2.ts';

export interface PartitionerInput {
  topic: string;
  /** Serialized key; null = no key. */
  key: Uint8Array | null;
  partitionCount: number;
  /** Partitions with a leader right now (sorted). */
  availablePartitions: readonly number[];
}

export interface Partitioner {
  readonly name: string;
  partition(input: PartitionerInput): number;
  /**
   * KIP-480 hook: the record about to go to `previousPartition` would open a new batch there. A sticky
   * partitioner moves on; the producer then asks `partition` again.
   */
  onNewBatch?(input: PartitionerInput, previousPartition: number): void;
}

export type PartitionerName = 'sticky' | 'round-robin';

function randomIndex(random: () => number, length: number): number {
  return Math.min(length - 1, Math.floor(random() * length));
}

/** Keys: murmur2. No key: sticky (KIP-480). */
export class StickyPartitioner implements Partitioner {
  readonly name = 'sticky';
  private readonly random: () => number;
  private readonly sticky = new Map<string, number>();

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  partition(input: PartitionerInput): number {
    if (input.key !== null) return partitionForKey(input.key, input.partitionCount);
    const current = this.sticky.get(input.topic);
    if (current !== undefined && current < input.partitionCount) return current;
    return this.choose(input, -1);
  }

  onNewBatch(input: PartitionerInput, previousPartition: number): void {
    if (input.key !== null) return;
    const current = this.sticky.get(input.topic);
    // Only move on if nobody else already did (another record may have switched it meanwhile).
    if (current === undefined || current === previousPartition) this.choose(input, previousPartition);
  }

  /** The partition null-key records of `topic` currently stick to (for tests and traces). */
  current(topic: string): number | undefined {
    return this.sticky.get(topic);
  }

  private choose(input: PartitionerInput, previous: number): number {
    const available = input.availablePartitions;
    let next: number;
    if (available.length === 0) {
      next = randomIndex(this.random, input.partitionCount);
      if (input.partitionCount > 1 && next === previous) next = (next + 1) % input.partitionCount;
    } else if (available.length === 1) {
      next = available[0];
    } else {
      const others = available.filter((partition) => partition !== previous);
      next = others[randomIndex(this.random, others.length)];
    }
    this.sticky.set(input.topic, next);
    return next;
  }
}

/** Keys: murmur2. No key: round-robin over available partitions from a random start. */
export class RoundRobinPartitioner implements Partitioner {
  readonly name = 'round-robin';
  private readonly random: () => number;
  private readonly counters = new Map<string, number>();

  constructor(random: () => number = Math.random) {
    this.random = random;
  }

  partition(input: PartitionerInput): number {
    if (input.key !== null) return partitionForKey(input.key, input.partitionCount);
    let counter = this.counters.get(input.topic);
    if (counter === undefined) counter = Math.floor(this.random() * 0x7fffffff);
    this.counters.set(input.topic, (counter + 1) | 0);
    const position = toPositive(counter);
    const available = input.availablePartitions;
    return available.length > 0 ? available[position % available.length] : position % input.partitionCount;
  }
}

export function createPartitioner(
  spec: PartitionerName | Partitioner | undefined,
  random?: () => number,
): Partitioner {
  if (spec === undefined || spec === 'sticky') return new StickyPartitioner(random);
  if (spec === 'round-robin') return new RoundRobinPartitioner(random);
  return spec;
}
