// Optional consumer trace events (group membership, fetches, commits, resets) for logs and the dashboard.
import type { TopicPartition } from './assignors/types.ts';

export type ConsumerEvent =
  | { type: 'group.coordinator'; groupId: string; nodeId: number }
  | { type: 'group.joining'; groupId: string; memberId: string; reason: string }
  | {
      type: 'group.joined';
      groupId: string;
      memberId: string;
      generationId: number;
      leaderId: string;
      isLeader: boolean;
      protocol: string;
      members: number;
    }
  | {
      type: 'group.assigned';
      groupId: string;
      generationId: number;
      assigned: TopicPartition[];
      revoked: TopicPartition[];
    }
  | { type: 'group.revoked'; groupId: string; partitions: TopicPartition[] }
  | { type: 'group.left'; groupId: string; memberId: string; reason: string }
  | { type: 'heartbeat'; groupId: string; generationId: number; error: string | null }
  | {
      type: 'commit';
      groupId: string;
      offsets: { topic: string; partition: number; offset: bigint }[];
      error: string | null;
    }
  | { type: 'fetch'; nodeId: number; partitions: number; records: number; bytes: number }
  | { type: 'fetch.error'; nodeId: number; error: string }
  | { type: 'offset.reset'; topic: string; partition: number; strategy: string; offset: bigint }
  | { type: 'offset.out-of-range'; topic: string; partition: number; offset: bigint; reset: string };
