// RangeAssignor ("range", the default in Kafka 2.x), per topic independently (kafka-zk-era.md §6.4):
// the members subscribed to the topic, sorted; P partitions, C members, q = floor(P / C), e = P mod C;
// member i gets the contiguous range starting at q*i + min(i, e) of length q + (i < e ? 1 : 0).
// Example: 7 partitions over C0, C1, C2 → [0,1,2] [3,4] [5,6]. With several topics the surplus goes to
// the first members every time, so the imbalance accumulates (a classic teaching point).

import {
  emptyAssignment,
  sortAssignment,
  sortMembers,
  type AssignmentInput,
  type GroupAssignment,
  type PartitionAssignor,
} from './types.ts';

export function rangeAssign(input: AssignmentInput): GroupAssignment {
  const assignment = emptyAssignment(input.members);
  const topics = [...new Set(input.members.flatMap((member) => member.topics))].sort();
  for (const topic of topics) {
    const partitionCount = input.partitionsPerTopic.get(topic);
    if (partitionCount === undefined || partitionCount <= 0) continue;
    const subscribers = sortMembers(input.members.filter((member) => member.topics.includes(topic)));
    const perMember = Math.floor(partitionCount / subscribers.length);
    const extra = partitionCount % subscribers.length;
    subscribers.forEach((member, i) => {
      const start = perMember * i + Math.min(i, extra);
      const length = perMember + (i < extra ? 1 : 0);
      const list = assignment.get(member.memberId)!;
      for (let partition = start; partition < start + length; partition++) list.push({ topic, partition });
    });
  }
  return sortAssignment(assignment);
}

export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  protocols: ['EAGER'],
  assign: rangeAssign,
};
