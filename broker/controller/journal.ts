// Journal events the controller emits instead of logging (ARCHITECTURE.md §5): the shell logs them and
// streams them to the dashboard; tests assert on them.
//
// Pure: no I/O.

/** Why a partition got a new leader (the election strategy, §2.8). */
export type LeaderElectionReason =
  | 'new-partition'
  | 'offline-partition'
  | 'unclean'
  | 'preferred-replica'
  | 'controlled-shutdown'
  | 'reassignment';

export type ControllerJournalEvent =
  | {
      readonly type: 'controller-elected';
      readonly brokerId: number;
      readonly epoch: number;
      readonly epochZkVersion: number;
    }
  | {
      readonly type: 'controller-moved';
      readonly brokerId: number;
      readonly epoch: number;
      readonly reason: string;
    }
  | { readonly type: 'broker-joined'; readonly brokerId: number; readonly brokerEpoch: bigint }
  | { readonly type: 'broker-left'; readonly brokerId: number }
  | { readonly type: 'broker-bounced'; readonly brokerId: number; readonly brokerEpoch: bigint }
  | { readonly type: 'broker-shutting-down'; readonly brokerId: number; readonly partitionsStillLed: number }
  | { readonly type: 'topic-created'; readonly topic: string; readonly partitions: number }
  | { readonly type: 'partitions-added'; readonly topic: string; readonly partitions: readonly number[] }
  | { readonly type: 'topic-deletion-started'; readonly topic: string }
  | { readonly type: 'topic-deleted'; readonly topic: string }
  | {
      readonly type: 'leader-changed';
      readonly topic: string;
      readonly partition: number;
      /** −1 when the partition had no leader (or was new). */
      readonly previousLeader: number;
      readonly leader: number;
      readonly leaderEpoch: number;
      readonly isr: readonly number[];
      readonly reason: LeaderElectionReason;
    }
  | {
      readonly type: 'isr-changed';
      readonly topic: string;
      readonly partition: number;
      readonly previousIsr: readonly number[];
      readonly isr: readonly number[];
      readonly leader: number;
      readonly leaderEpoch: number;
      /** `replica-offline`: the controller removed a replica; `notification`: the leader changed it. */
      readonly reason: 'replica-offline' | 'notification';
    }
  | {
      readonly type: 'partition-offline';
      readonly topic: string;
      readonly partition: number;
      /** ISR as stored (the last member stays listed), for the learner to see who could come back. */
      readonly isr: readonly number[];
      readonly reason: string;
    }
  | {
      readonly type: 'state-change-failed';
      readonly topic: string;
      readonly partition: number;
      readonly replica?: number;
      readonly message: string;
    }
  | { readonly type: 'controller-error'; readonly message: string };
