// Shared by the assignor tests: compact "t0p1" notation.
import type { GroupAssignment, MemberSubscription, TopicPartition } from './types.ts';

/** "t0p1" → { topic: 't0', partition: 1 } */
export function tp(text: string): TopicPartition {
  const match = /^(.*)p(\d+)$/.exec(text);
  if (!match) throw new Error(`bad partition ${text}`);
  return { topic: match[1], partition: Number(match[2]) };
}

/** memberId → ["t0p0", …] in the assignment's (sorted) order. */
export function show(assignment: GroupAssignment): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [member, list] of [...assignment].sort(([a], [b]) => (a < b ? -1 : 1))) {
    out[member] = list.map(({ topic, partition }) => `${topic}p${partition}`);
  }
  return out;
}

/** Same, but each member's list sorted as text (for comparing with documentation that lists sets). */
export function showSets(assignment: GroupAssignment): Record<string, string[]> {
  const out = show(assignment);
  for (const key of Object.keys(out)) out[key].sort();
  return out;
}

export function members(
  subscriptions: Record<string, string[]>,
  owned: Record<string, string[]> = {},
): MemberSubscription[] {
  return Object.entries(subscriptions).map(([memberId, topics]) => ({
    memberId,
    topics,
    ...(owned[memberId] ? { ownedPartitions: owned[memberId].map(tp) } : {}),
  }));
}

export function counts(partitions: Record<string, number>): Map<string, number> {
  return new Map(Object.entries(partitions));
}
