// Replica assignment for new topics and new partitions: Kafka's AdminUtils.assignReplicasToBrokers
// (shared/reference/kafka-zk-era.md §2.4), rack-unaware and rack-aware, plus topic-name rules.
//
// Rack-unaware, with n brokers sorted by id (B[0..n-1]):
//   startIndex and shift are two independent random integers in [0, n) (or both = fixedStartIndex);
//   for each partition p (counting from startPartitionId): if p > 0 and p % n == 0, shift += 1;
//   first = (p + startIndex) % n is the preferred leader B[first];
//   the j-th follower is B[(first + 1 + (shift + j) % (n - 1)) % n].
//
// Randomness comes from an injected RandomSource (ARCHITECTURE.md §2), so a test can pin startIndex and
// shift and get exactly Kafka's placements. The order of the two draws is Kafka's: startIndex first.
//
// Pure: no I/O, no Math.random.

import { replicaAssignment, type ReplicaAssignment, type TopicAssignment } from './types.ts';

/** An injected source of random integers (a seeded PRNG in simulation). */
export interface RandomSource {
  /** A uniformly distributed integer in [0, bound). */
  nextInt(bound: number): number;
}

/** A RandomSource that returns the given numbers in order (tests). */
export function fixedRandom(...values: number[]): RandomSource {
  let index = 0;
  return {
    nextInt(bound: number): number {
      if (index >= values.length) throw new Error('fixedRandom: ran out of values');
      const value = values[index++];
      if (!Number.isInteger(value) || value < 0 || value >= bound) {
        throw new Error(`fixedRandom: ${value} is not in [0, ${bound})`);
      }
      return value;
    },
  };
}

export interface BrokerMetadata {
  readonly id: number;
  readonly rack: string | undefined;
}

/** Why an assignment request is invalid; `error` is the Kafka error the admin API answers with. */
export class AssignmentError extends Error {
  readonly error: 'INVALID_PARTITIONS' | 'INVALID_REPLICATION_FACTOR' | 'INVALID_REQUEST';
  constructor(error: AssignmentError['error'], message: string) {
    super(message);
    this.name = 'AssignmentError';
    this.error = error;
  }
}

export interface AssignOptions {
  /** Use this start index (and shift) instead of random draws; −1 or undefined = random. */
  readonly fixedStartIndex?: number;
  /** First partition id to assign (adding partitions); default 0. */
  readonly startPartitionId?: number;
}

function replicaIndex(
  firstReplicaIndex: number,
  secondReplicaShift: number,
  replicaIndexInList: number,
  nBrokers: number,
): number {
  const shift = 1 + ((secondReplicaShift + replicaIndexInList) % (nBrokers - 1));
  return (firstReplicaIndex + shift) % nBrokers;
}

/**
 * Assigns `partitions` partitions with `replicationFactor` replicas to `brokers` (any order; sorted by id
 * here). Returns partition id → replica list (index 0 = preferred leader), in partition order.
 * Throws AssignmentError for P ≤ 0, R ≤ 0, R > number of brokers, or partial rack information.
 */
export function assignReplicasToBrokers(
  brokers: readonly BrokerMetadata[],
  partitions: number,
  replicationFactor: number,
  random: RandomSource,
  options: AssignOptions = {},
): Map<number, number[]> {
  if (partitions <= 0)
    throw new AssignmentError('INVALID_PARTITIONS', 'Number of partitions must be larger than 0.');
  if (replicationFactor <= 0) {
    throw new AssignmentError('INVALID_REPLICATION_FACTOR', 'Replication factor must be larger than 0.');
  }
  if (replicationFactor > brokers.length) {
    throw new AssignmentError(
      'INVALID_REPLICATION_FACTOR',
      `Replication factor: ${replicationFactor} larger than available brokers: ${brokers.length}.`,
    );
  }
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  if (sorted.every((b) => b.rack === undefined)) {
    return assignRackUnaware(
      sorted.map((b) => b.id),
      partitions,
      replicationFactor,
      random,
      options,
    );
  }
  if (sorted.some((b) => b.rack === undefined)) {
    throw new AssignmentError(
      'INVALID_REQUEST',
      'Not all brokers have rack information for replica rack aware assignment.',
    );
  }
  return assignRackAware(sorted, partitions, replicationFactor, random, options);
}

function startAndShift(
  n: number,
  random: RandomSource,
  fixedStartIndex: number | undefined,
): [number, number] {
  if (fixedStartIndex !== undefined && fixedStartIndex >= 0) return [fixedStartIndex, fixedStartIndex];
  const startIndex = random.nextInt(n);
  const shift = random.nextInt(n);
  return [startIndex, shift];
}

function assignRackUnaware(
  brokerIds: readonly number[],
  partitions: number,
  replicationFactor: number,
  random: RandomSource,
  options: AssignOptions,
): Map<number, number[]> {
  const n = brokerIds.length;
  const result = new Map<number, number[]>();
  const [startIndex, initialShift] = startAndShift(n, random, options.fixedStartIndex);
  let shift = initialShift;
  let partitionId = Math.max(0, options.startPartitionId ?? 0);
  for (let i = 0; i < partitions; i++) {
    if (partitionId > 0 && partitionId % n === 0) shift += 1;
    const first = (partitionId + startIndex) % n;
    const replicas = [brokerIds[first]];
    for (let j = 0; j < replicationFactor - 1; j++)
      replicas.push(brokerIds[replicaIndex(first, shift, j, n)]);
    result.set(partitionId, replicas);
    partitionId += 1;
  }
  return result;
}

/**
 * The broker list alternating between racks (racks sorted by name, brokers within a rack by id), e.g.
 * racks {0:r1, 1:r3, 2:r3, 3:r2, 4:r2, 5:r1} → [0, 3, 1, 5, 4, 2].
 */
export function rackAlternatedBrokerList(brokers: readonly BrokerMetadata[]): number[] {
  const byRack = new Map<string, number[]>();
  for (const broker of brokers) {
    const rack = broker.rack as string;
    const list = byRack.get(rack) ?? [];
    list.push(broker.id);
    byRack.set(rack, list);
  }
  const racks = [...byRack.keys()].sort();
  const queues = racks.map((rack) => [...(byRack.get(rack) as number[])].sort((a, b) => a - b));
  const result: number[] = [];
  let rackIndex = 0;
  while (result.length < brokers.length) {
    const queue = queues[rackIndex];
    const next = queue.shift();
    if (next !== undefined) result.push(next);
    rackIndex = (rackIndex + 1) % racks.length;
  }
  return result;
}

function assignRackAware(
  brokers: readonly BrokerMetadata[],
  partitions: number,
  replicationFactor: number,
  random: RandomSource,
  options: AssignOptions,
): Map<number, number[]> {
  const rackOf = new Map(brokers.map((b) => [b.id, b.rack as string]));
  const numRacks = new Set(rackOf.values()).size;
  const arranged = rackAlternatedBrokerList(brokers);
  const n = arranged.length;
  const result = new Map<number, number[]>();
  const [startIndex, initialShift] = startAndShift(n, random, options.fixedStartIndex);
  let shift = initialShift;
  let partitionId = Math.max(0, options.startPartitionId ?? 0);
  for (let i = 0; i < partitions; i++) {
    if (partitionId > 0 && partitionId % n === 0) shift += 1;
    const first = (partitionId + startIndex) % n;
    const leader = arranged[first];
    const replicas = [leader];
    const racksWithReplicas = new Set([rackOf.get(leader)]);
    const brokersWithReplicas = new Set([leader]);
    let k = 0;
    for (let j = 0; j < replicationFactor - 1; j++) {
      for (;;) {
        const broker = arranged[replicaIndex(first, shift * numRacks, k, n)];
        const rack = rackOf.get(broker);
        k += 1;
        // Skip a broker whose rack already has a replica while some rack has none, and a broker that
        // already has a replica while some broker has none.
        if (
          (!racksWithReplicas.has(rack) || racksWithReplicas.size === numRacks) &&
          (!brokersWithReplicas.has(broker) || brokersWithReplicas.size === n)
        ) {
          replicas.push(broker);
          racksWithReplicas.add(rack);
          brokersWithReplicas.add(broker);
          break;
        }
      }
    }
    result.set(partitionId, replicas);
    partitionId += 1;
  }
  return result;
}

/** Wraps plain replica lists as a TopicAssignment (no reassignment in flight). */
export function toTopicAssignment(
  replicas: ReadonlyMap<number, readonly number[]>,
): Map<number, ReplicaAssignment> {
  return new Map([...replicas].map(([partition, list]) => [partition, replicaAssignment(list)]));
}

/**
 * Assignment for partitions added to an existing topic (AdminZkClient.addPartitions): the same algorithm
 * with startPartitionId = current partition count and a fixed start index = the position (in the sorted
 * broker list) of the first broker whose id ≥ the preferred leader of partition 0, so the leader rotation
 * continues where it left off. The replication factor is that of partition 0.
 */
export function assignNewPartitions(
  brokers: readonly BrokerMetadata[],
  existing: TopicAssignment,
  totalPartitions: number,
  random: RandomSource,
): Map<number, number[]> {
  const partition0 = existing.get(0);
  if (partition0 === undefined) throw new AssignmentError('INVALID_REQUEST', 'the topic has no partition 0');
  const toAdd = totalPartitions - existing.size;
  if (toAdd <= 0) {
    throw new AssignmentError(
      'INVALID_PARTITIONS',
      `Topic currently has ${existing.size} partitions, ${totalPartitions} would not be an increase.`,
    );
  }
  const sorted = [...brokers].sort((a, b) => a.id - b.id);
  const preferredLeader = partition0.replicas[0];
  const startIndex = Math.max(
    0,
    sorted.findIndex((b) => b.id >= preferredLeader),
  );
  return assignReplicasToBrokers(sorted, toAdd, partition0.replicas.length, random, {
    fixedStartIndex: startIndex,
    startPartitionId: existing.size,
  });
}

// ───────────────────────── topic names ─────────────────────────

export const MAX_TOPIC_NAME_LENGTH = 249;

/** Kafka's Topic.validate: returns a problem sentence, or undefined if the name is legal. */
export function topicNameProblem(topic: string): string | undefined {
  if (topic.length === 0) return "Topic name is illegal, it can't be empty";
  if (topic === '.' || topic === '..') return 'Topic name cannot be "." or ".."';
  if (topic.length > MAX_TOPIC_NAME_LENGTH) {
    return `Topic name is illegal, it can't be longer than ${MAX_TOPIC_NAME_LENGTH} characters, topic name: ${topic}`;
  }
  if (!/^[a-zA-Z0-9._-]+$/.test(topic)) {
    return `Topic name "${topic}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  }
  return undefined;
}

/** Names that differ only by `.` vs `_` collide in metric names (Topic.hasCollision). */
export function topicNamesCollide(a: string, b: string): boolean {
  return a.replace(/\./g, '_') === b.replace(/\./g, '_');
}

/** The existing topic a new name collides with, if any (an exact match is not a collision but "exists"). */
export function collidingTopic(topic: string, existing: Iterable<string>): string | undefined {
  for (const other of existing) if (other !== topic && topicNamesCollide(topic, other)) return other;
  return undefined;
}
