// Leader-election strategies (shared/reference/kafka-zk-era.md §2.8; Kafka's
// PartitionLeaderElectionAlgorithms and Election). `A` = assigned replicas in order, `ISR`, `live` =
// replicas on live brokers (not shutting down), `SD` = brokers in controlled shutdown.
//
//   offline partition:   first r in A with r ∈ live ∧ r ∈ ISR; none → if unclean allowed, first r in A
//                        with r ∈ live. New ISR: old ISR ∩ live if the leader was in the ISR, else [leader].
//                        LeaderAndIsr goes to the live replicas of A.
//   reassignment:        first r in the target replicas with r ∈ live ∧ r ∈ ISR; ISR unchanged.
//   preferred replica:   A[0] iff A[0] ∈ live ∧ A[0] ∈ ISR, else no election; ISR unchanged.
//   controlled shutdown: first r in A with r ∈ live-or-shutting-down ∧ r ∈ ISR ∧ r ∉ SD; ISR minus SD;
//                        LeaderAndIsr goes to the live-or-shutting-down replicas.
//
// Every successful election yields leader_epoch + 1 (same zkVersion: the expected version of the write).
//
// Pure: no I/O.

import type { ControllerContext } from './controller-context.ts';
import { newLeaderAndIsr, type LeaderAndIsr, type TopicPartition } from './types.ts';

export type PartitionLeaderElectionStrategy =
  | {
      readonly kind: 'offline';
      /** allow unclean election when the topic's config says so */ readonly uncleanAllowed?: (
        topic: string,
      ) => boolean;
    }
  | {
      readonly kind: 'reassignment';
      readonly targetReplicas: (partition: TopicPartition) => readonly number[];
    }
  | { readonly kind: 'preferred' }
  | { readonly kind: 'controlled-shutdown' };

// ───────── the algorithms (pure functions of lists) ─────────

export function offlinePartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  uncleanLeaderElectionEnabled: boolean,
): { leader: number; unclean: boolean } | undefined {
  const clean = assignment.find((id) => liveReplicas.has(id) && isr.includes(id));
  if (clean !== undefined) return { leader: clean, unclean: false };
  if (!uncleanLeaderElectionEnabled) return undefined;
  const unclean = assignment.find((id) => liveReplicas.has(id));
  return unclean === undefined ? undefined : { leader: unclean, unclean: true };
}

export function reassignPartitionLeaderElection(
  reassignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
): number | undefined {
  return reassignment.find((id) => liveReplicas.has(id) && isr.includes(id));
}

export function preferredReplicaPartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
): number | undefined {
  const preferred = assignment[0];
  return preferred !== undefined && liveReplicas.has(preferred) && isr.includes(preferred)
    ? preferred
    : undefined;
}

export function controlledShutdownPartitionLeaderElection(
  assignment: readonly number[],
  isr: readonly number[],
  liveReplicas: ReadonlySet<number>,
  shuttingDownBrokers: ReadonlySet<number>,
): number | undefined {
  return assignment.find((id) => liveReplicas.has(id) && isr.includes(id) && !shuttingDownBrokers.has(id));
}

// ───────── elections over the context (Election.leaderFor*) ─────────

export interface ElectionResult {
  readonly partition: TopicPartition;
  /** The new leader/ISR (leader epoch + 1), or undefined when no leader can be elected. */
  readonly leaderAndIsr: LeaderAndIsr | undefined;
  /** Brokers that must receive LeaderAndIsr. */
  readonly recipients: readonly number[];
  /** True when the leader came from outside the ISR (unclean election). */
  readonly unclean: boolean;
}

export function electLeader(
  context: ControllerContext,
  partition: TopicPartition,
  current: LeaderAndIsr,
  strategy: PartitionLeaderElectionStrategy,
): ElectionResult {
  const assignment = context.partitionReplicaAssignment(partition);
  const online = (id: number) => context.isReplicaOnline(id, partition);
  const liveReplicas = assignment.filter(online);
  const live = new Set(liveReplicas);
  switch (strategy.kind) {
    case 'offline': {
      const uncleanAllowed = strategy.uncleanAllowed?.(partition.topic) ?? false;
      const chosen = offlinePartitionLeaderElection(assignment, current.isr, live, uncleanAllowed);
      if (chosen === undefined)
        return { partition, leaderAndIsr: undefined, recipients: liveReplicas, unclean: false };
      const isr = current.isr.includes(chosen.leader) ? current.isr.filter(online) : [chosen.leader];
      return {
        partition,
        leaderAndIsr: newLeaderAndIsr(current, chosen.leader, isr),
        recipients: liveReplicas,
        unclean: chosen.unclean,
      };
    }
    case 'reassignment': {
      const target = strategy.targetReplicas(partition);
      const liveTarget = new Set(target.filter(online));
      const leader = reassignPartitionLeaderElection(target, current.isr, liveTarget);
      return {
        partition,
        leaderAndIsr: leader === undefined ? undefined : newLeaderAndIsr(current, leader, current.isr),
        recipients: target,
        unclean: false,
      };
    }
    case 'preferred': {
      const leader = preferredReplicaPartitionLeaderElection(assignment, current.isr, live);
      return {
        partition,
        leaderAndIsr: leader === undefined ? undefined : newLeaderAndIsr(current, leader, current.isr),
        recipients: assignment,
        unclean: false,
      };
    }
    case 'controlled-shutdown': {
      const shuttingDown = context.shuttingDownBrokerIds;
      const liveOrShuttingDown = assignment.filter((id) => context.isReplicaOnline(id, partition, true));
      const leader = controlledShutdownPartitionLeaderElection(
        assignment,
        current.isr,
        new Set(liveOrShuttingDown),
        shuttingDown,
      );
      const isr = current.isr.filter((id) => !shuttingDown.has(id));
      return {
        partition,
        leaderAndIsr: leader === undefined ? undefined : newLeaderAndIsr(current, leader, isr),
        recipients: liveOrShuttingDown,
        unclean: false,
      };
    }
  }
}
