// RoundRobinAssignor ("roundrobin", kafka-zk-era.md §6.4): every subscribed topic sorted by name, its
// partitions in order; the members sorted; partitions are dealt one by one around the circle of members,
// skipping a member not subscribed to that partition's topic. Identical subscriptions → counts differ by
// at most one. Example: C0, C1 and t0, t1 with 3 partitions each → C0 [t0p0, t0p2, t1p1],
// C1 [t0p1, t1p0, t1p2].

import {
  emptyAssignment,
  sortAssignment,
  sortMembers,
  type AssignmentInput,
  type GroupAssignment,
  type PartitionAssignor,
} from './types.ts';

export function roundRobinAssign(input: AssignmentInput): GroupAssignment {
  const assignment = emptyAssignment(input.members);
  const members = sortMembers(input.members);
  if (members.length === 0) return assignment;
  const subscribed = members.map((member) => new Set(member.topics));
  const topics = [...new Set(input.members.flatMap((member) => member.topics))].sort();
  let cursor = 0;
  for (const topic of topics) {
    const partitionCount = input.partitionsPerTopic.get(topic) ?? 0;
    for (let partition = 0; partition < partitionCount; partition++) {
      // Advance around the circle to the next member subscribed to this topic (there is at least one).
      while (!subscribed[cursor].has(topic)) cursor = (cursor + 1) % members.length;
      assignment.get(members[cursor].memberId)!.push({ topic, partition });
      cursor = (cursor + 1) % members.length;
    }
  }
  return sortAssignment(assignment);
}

export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  protocols: ['EAGER'],
  assign: roundRobinAssign,
};
