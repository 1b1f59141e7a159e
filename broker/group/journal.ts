// Journal events the group coordinator emits instead of logging (ARCHITECTURE.md §5): the shell logs them
// and streams them to the dashboard; tests assert on them. Times are the coordinator's logical time (the
// `nowMs` given to the input that caused the event, or a timer's own deadline when a timer fired).
//
// Pure: no I/O.

import type { GroupState } from './group-metadata.ts';

export type GroupJournalEvent =
  | {
      readonly type: 'group-state-changed';
      readonly groupId: string;
      readonly from: GroupState;
      readonly to: GroupState;
      readonly generationId: number;
      readonly atMs: number;
    }
  | {
      readonly type: 'rebalance-started';
      readonly groupId: string;
      /** The generation being replaced (0 for a new group). */
      readonly generationId: number;
      readonly previousState: GroupState;
      readonly reason: string;
      /** `initial-delay`: group.initial.rebalance.delay.ms of a group coming from Empty; else the timeout. */
      readonly waitKind: 'initial-delay' | 'rebalance-timeout';
      /** When the join phase ends at the latest (for an initial delay: the first delay's end). */
      readonly joinDeadlineMs: number;
      readonly atMs: number;
    }
  | {
      /** A JoinGroup v4+ with no member id: the member must come back with the id (KIP-394). */
      readonly type: 'member-id-required';
      readonly groupId: string;
      readonly memberId: string;
      readonly clientId: string;
      readonly atMs: number;
    }
  | {
      readonly type: 'member-joined';
      readonly groupId: string;
      readonly memberId: string;
      readonly groupInstanceId: string | null;
      readonly clientId: string;
      readonly clientHost: string;
      readonly protocols: readonly string[];
      readonly sessionTimeoutMs: number;
      readonly rebalanceTimeoutMs: number;
      readonly atMs: number;
    }
  | {
      readonly type: 'member-left';
      readonly groupId: string;
      readonly memberId: string;
      /**
       * `leave-group`: LeaveGroup; `not-rejoined`: dropped when the join phase ended without it;
       * `pending-expired`: a MEMBER_ID_REQUIRED member that never came back; `group-max-size`: refused.
       */
      readonly reason: 'leave-group' | 'not-rejoined' | 'pending-expired' | 'group-max-size';
      readonly atMs: number;
    }
  | {
      /** No heartbeat within session.timeout.ms (or a new member stuck in its first join for 5 min). */
      readonly type: 'member-expired';
      readonly groupId: string;
      readonly memberId: string;
      readonly lastHeartbeatMs: number;
      readonly timeoutMs: number;
      readonly atMs: number;
    }
  | {
      readonly type: 'generation-advanced';
      readonly groupId: string;
      readonly generationId: number;
      readonly protocolName: string | null;
      readonly leaderId: string | null;
      readonly memberIds: readonly string[];
      /** CompletingRebalance normally; Empty when nobody was left at the end of the join phase. */
      readonly state: GroupState;
      readonly atMs: number;
    }
  | {
      readonly type: 'group-stable';
      readonly groupId: string;
      readonly generationId: number;
      readonly protocolName: string | null;
      readonly leaderId: string | null;
      readonly memberIds: readonly string[];
      readonly atMs: number;
    }
  | {
      readonly type: 'offsets-committed';
      readonly groupId: string;
      readonly memberId: string;
      readonly generationId: number;
      readonly offsets: readonly {
        readonly topic: string;
        readonly partition: number;
        readonly offset: bigint;
      }[];
      readonly atMs: number;
    }
  | {
      readonly type: 'offsets-expired';
      readonly groupId: string;
      readonly partitions: readonly { readonly topic: string; readonly partition: number }[];
      readonly atMs: number;
    }
  | {
      readonly type: 'group-removed';
      readonly groupId: string;
      readonly generationId: number;
      readonly atMs: number;
    }
  | { readonly type: 'partition-loading'; readonly partition: number; readonly atMs: number }
  | {
      readonly type: 'partition-loaded';
      readonly partition: number;
      readonly groups: readonly string[];
      readonly offsets: number;
      /** Records that could not be decoded and were skipped (a bug or foreign data). */
      readonly skippedRecords: number;
      readonly atMs: number;
    }
  | {
      readonly type: 'partition-unloaded';
      readonly partition: number;
      readonly groups: readonly string[];
      readonly atMs: number;
    };
