// StickyAssignor ("sticky", KIP-54) and CooperativeStickyAssignor ("cooperative-sticky", KIP-429).
// Two goals, the first winning (kafka-zk-era.md §6.4):
//   1. balance — partition counts differ by at most one, or a member with 2+ fewer partitions than
//      another cannot take any of that member's partitions (its subscriptions forbid it);
//   2. stickiness — subject to that, every partition stays with the member that owned it.
//
// Our algorithm (a plain greedy one, written for reading, not Kafka's):
//   a. keep every valid previous ownership (the member still exists, is still subscribed, the partition
//      still exists; when two members claim one partition, the newer generation wins);
//   b. hand out the rest, the most constrained partitions first (fewest eligible members), each to the
//      eligible member with the fewest partitions (ties: member order);
//   c. while some member has 2+ more partitions than an eligible other, move one of its partitions there
//      — preferring partitions it did not own before — which strictly lowers the sum of squared counts,
//      so it terminates.
// On the two worked examples of Kafka's StickyAssignor documentation this gives exactly the documented
// assignments (see sticky.test.ts).
//
// Previous ownership travels in the Subscription: the eager "sticky" assignor puts it in userData
// (Kafka's layout: [topic STRING, [partition INT32]] then INT32 generation); "cooperative-sticky" uses the
// Subscription v1 owned_partitions and puts only the generation in userData. The cooperative variant
// then withholds every partition that changes owner: the old owner revokes it first, and a follow-up
// rebalance gives it to the new one.

import { KafkaReader, KafkaWriter } from '../../protocol/binary.ts';
import {
  compareTopicPartitions,
  emptyAssignment,
  sortAssignment,
  sortMembers,
  topicPartitionKey,
  type AssignmentInput,
  type GroupAssignment,
  type MemberSubscription,
  type PartitionAssignor,
  type TopicPartition,
} from './types.ts';

export interface StickyUserData {
  previousAssignment: TopicPartition[];
  generation: number;
}

/** Kafka's StickyAssignor userData: [topic, [partition]] followed by the generation (int32, v1+). */
export function encodeStickyUserData(owned: readonly TopicPartition[], generation: number): Uint8Array {
  const byTopic = groupByTopic(owned);
  const writer = new KafkaWriter(64);
  writer.int32(byTopic.size);
  for (const [topic, partitions] of byTopic) {
    writer.string(topic);
    writer.int32(partitions.length);
    for (const partition of partitions) writer.int32(partition);
  }
  writer.int32(generation);
  return writer.toBytes();
}

export function decodeStickyUserData(bytes: Uint8Array | null | undefined): StickyUserData | null {
  if (!bytes || bytes.length < 4) return null;
  try {
    const reader = new KafkaReader(bytes);
    const previousAssignment: TopicPartition[] = [];
    const topics = reader.int32();
    for (let t = 0; t < topics; t++) {
      const topic = reader.string();
      const count = reader.int32();
      for (let p = 0; p < count; p++) previousAssignment.push({ topic, partition: reader.int32() });
    }
    const generation = reader.remaining >= 4 ? reader.int32() : -1;
    return { previousAssignment, generation };
  } catch {
    return null;
  }
}

/** Cooperative-sticky userData: just the generation. */
export function encodeGenerationUserData(generation: number): Uint8Array {
  return new KafkaWriter(4).int32(generation).toBytes();
}

export function decodeGenerationUserData(bytes: Uint8Array | null | undefined): number {
  if (!bytes || bytes.length < 4) return -1;
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getInt32(0);
}

function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of [...partitions].sort(compareTopicPartitions)) {
    let list = byTopic.get(topic);
    if (!list) {
      list = [];
      byTopic.set(topic, list);
    }
    list.push(partition);
  }
  return byTopic;
}

export interface OwnedClaim {
  owned: readonly TopicPartition[];
  generation: number;
}

/**
 * The sticky placement. `claims` gives each member's previous partitions (and their generation); the
 * caller decides where they come from (userData or owned_partitions).
 */
export function stickyAssign(
  input: AssignmentInput,
  claims: ReadonlyMap<string, OwnedClaim>,
): GroupAssignment {
  const members = sortMembers(input.members);
  const order = new Map(members.map((member, index) => [member.memberId, index]));
  const subscribed = new Map(members.map((member) => [member.memberId, new Set(member.topics)]));
  const assignment = emptyAssignment(members);

  // Every partition someone is subscribed to, and who may take it.
  const eligible = new Map<string, string[]>();
  const partitions: TopicPartition[] = [];
  for (const topic of [...new Set(members.flatMap((member) => member.topics))].sort()) {
    const count = input.partitionsPerTopic.get(topic) ?? 0;
    const takers = members
      .filter((member) => subscribed.get(member.memberId)!.has(topic))
      .map((m) => m.memberId);
    for (let partition = 0; partition < count; partition++) {
      const tp = { topic, partition };
      partitions.push(tp);
      eligible.set(topicPartitionKey(tp), takers);
    }
  }

  // a. Keep valid previous ownership; the newest generation wins a conflicting claim.
  const owner = new Map<string, { memberId: string; generation: number }>();
  for (const member of members) {
    const claim = claims.get(member.memberId);
    if (!claim) continue;
    for (const tp of claim.owned) {
      const key = topicPartitionKey(tp);
      if (!eligible.has(key) || !subscribed.get(member.memberId)!.has(tp.topic)) continue;
      const existing = owner.get(key);
      if (existing && existing.generation >= claim.generation) continue;
      owner.set(key, { memberId: member.memberId, generation: claim.generation });
    }
  }
  const previouslyOwned = new Set<string>();
  for (const [key, { memberId }] of owner) {
    const [topic, partition] = key.split('\u0000');
    assignment.get(memberId)!.push({ topic, partition: Number(partition) });
    previouslyOwned.add(`${memberId}\u0001${key}`);
  }

  const count = (memberId: string) => assignment.get(memberId)!.length;
  const better = (a: string, b: string) =>
    count(a) < count(b) || (count(a) === count(b) && order.get(a)! < order.get(b)!);

  // b. The rest, most constrained first.
  const unassigned = partitions
    .filter((tp) => !owner.has(topicPartitionKey(tp)))
    .sort((a, b) => {
      const byTakers =
        eligible.get(topicPartitionKey(a))!.length - eligible.get(topicPartitionKey(b))!.length;
      return byTakers !== 0 ? byTakers : compareTopicPartitions(a, b);
    });
  for (const tp of unassigned) {
    const takers = eligible.get(topicPartitionKey(tp))!;
    if (takers.length === 0) continue;
    let best = takers[0];
    for (const candidate of takers) if (better(candidate, best)) best = candidate;
    assignment.get(best)!.push(tp);
  }

  // c. Balance: move from a fuller member to an eligible member with at least two fewer.
  for (;;) {
    let moved = false;
    const byCountDescending = [...members].sort(
      (a, b) => count(b.memberId) - count(a.memberId) || order.get(a.memberId)! - order.get(b.memberId)!,
    );
    for (const from of byCountDescending) {
      const list = assignment.get(from.memberId)!;
      // Newly given partitions first, the previously owned ones last (from the end: least "settled").
      const candidates = [...list.keys()].sort((i, j) => {
        const iOwned = previouslyOwned.has(`${from.memberId}\u0001${topicPartitionKey(list[i])}`) ? 1 : 0;
        const jOwned = previouslyOwned.has(`${from.memberId}\u0001${topicPartitionKey(list[j])}`) ? 1 : 0;
        return iOwned - jOwned || j - i;
      });
      for (const index of candidates) {
        const tp = list[index];
        let target: string | null = null;
        for (const candidate of eligible.get(topicPartitionKey(tp))!) {
          if (count(candidate) <= list.length - 2 && (target === null || better(candidate, target)))
            target = candidate;
        }
        if (target !== null) {
          list.splice(index, 1);
          assignment.get(target)!.push(tp);
          moved = true;
          break;
        }
      }
      if (moved) break;
    }
    if (!moved) break;
  }
  return sortAssignment(assignment);
}

function claimsFromUserData(members: readonly MemberSubscription[]): Map<string, OwnedClaim> {
  const claims = new Map<string, OwnedClaim>();
  for (const member of members) {
    const data = decodeStickyUserData(member.userData);
    if (data) claims.set(member.memberId, { owned: data.previousAssignment, generation: data.generation });
    else if (member.ownedPartitions && member.ownedPartitions.length > 0) {
      claims.set(member.memberId, { owned: member.ownedPartitions, generation: member.generation ?? -1 });
    }
  }
  return claims;
}

function claimsFromOwned(members: readonly MemberSubscription[]): Map<string, OwnedClaim> {
  const claims = new Map<string, OwnedClaim>();
  for (const member of members) {
    const generation = member.generation ?? decodeGenerationUserData(member.userData);
    claims.set(member.memberId, { owned: member.ownedPartitions ?? [], generation });
  }
  return claims;
}

export const stickyAssignor: PartitionAssignor = {
  name: 'sticky',
  protocols: ['EAGER'],
  assign: (input) => stickyAssign(input, claimsFromUserData(input.members)),
  subscriptionUserData: (owned, generation) => encodeStickyUserData(owned, generation),
};

/**
 * The cooperative variant: the sticky placement, minus every partition that would move from one
 * member to another while its current owner still has it — the owner gives it up (revokes) first.
 */
export function cooperativeStickyAssign(input: AssignmentInput): GroupAssignment {
  const claims = claimsFromOwned(input.members);
  const target = stickyAssign(input, claims);
  const currentOwner = new Map<string, string>();
  for (const member of input.members) {
    for (const tp of member.ownedPartitions ?? []) currentOwner.set(topicPartitionKey(tp), member.memberId);
  }
  for (const [memberId, list] of target) {
    target.set(
      memberId,
      list.filter((tp) => {
        const ownerId = currentOwner.get(topicPartitionKey(tp));
        return ownerId === undefined || ownerId === memberId;
      }),
    );
  }
  return target;
}

export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  protocols: ['COOPERATIVE', 'EAGER'],
  assign: cooperativeStickyAssign,
  subscriptionUserData: (_owned, generation) => encodeGenerationUserData(generation),
};
