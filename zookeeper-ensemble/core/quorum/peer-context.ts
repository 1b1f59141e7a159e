// What the Leader and Follower roles share of their QuorumPeer: configuration, the database, the
// logged-but-not-applied tail, the epochs, and the output they add to (messages, persistence, events).
import type { Txn } from '../../jute/txn.ts';
import type { ZooKeeperServer } from '../zookeeper-server.ts';
import type { QuorumPacketRecord } from './zab-packets.ts';

export interface QuorumConfig {
  myId: number;
  /** Voting members' ids (server.N lines), sorted. */
  voters: number[];
  tickTimeMs: number;
  /** Ticks a follower may take to connect and sync (initLimit). */
  initLimit: number;
  /** Ticks a follower may lag before it is dropped, or before it gives up on its leader (syncLimit). */
  syncLimit: number;
  /** Committed txns the leader keeps in memory to sync followers by DIFF; older followers get a SNAP. */
  committedLogLimit?: number;
}

export type PersistAction =
  | { type: 'accepted-epoch'; epoch: bigint }
  | { type: 'current-epoch'; epoch: bigint }
  /** Append to the txn log; the shell reports logged(lastZxid) once durable. */
  | { type: 'append'; txns: Txn[] }
  /** Drop every logged txn after `zxid` (Zab TRUNC). */
  | { type: 'truncate'; zxid: bigint }
  /** Replace the whole database with this snapshot (Zab SNAP): write it, discard every log. */
  | { type: 'install-snapshot'; zxid: bigint; bytes: Uint8Array };

export type QuorumEvent =
  | { type: 'state-changed'; state: string; zabState: string; epoch: bigint }
  | { type: 'leader-discovery'; connected: number[] }
  | { type: 'new-epoch'; epoch: bigint; by: 'leader' | 'follower' }
  | { type: 'learner-sync'; learner: number; mode: 'DIFF' | 'TRUNC' | 'SNAP'; fromZxid: bigint; toZxid: bigint; txns: number }
  | { type: 'leader-serving'; epoch: bigint; followers: number[]; tookMs: number }
  | { type: 'follower-serving'; leader: number; epoch: bigint; mode: string; tookMs: number }
  | { type: 'proposal'; zxid: bigint; txnType: number }
  | { type: 'commit'; zxid: bigint; acks: number[] }
  | { type: 'learner-lost'; learner: number; reason: string }
  | { type: 'role-ended'; role: 'LEADING' | 'FOLLOWING'; reason: string };

export interface PeerOutput {
  persist: PersistAction[];
  quorumMessages: { to: number; packet: QuorumPacketRecord }[];
  /** connect: open the quorum connection to the leader; disconnect: drop one (learner or leader). */
  quorumCommands: ({ type: 'connect'; to: number } | { type: 'disconnect'; peer: number })[];
  events: QuorumEvent[];
}

export interface PeerContext {
  readonly config: QuorumConfig;
  readonly zk: ZooKeeperServer;
  /** Logged (or being logged) txns not yet applied to the tree, in zxid order. */
  tail: Txn[];
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** Highest zxid the shell reported durable. */
  loggedZxid: bigint;
  nowMs: number;
  readonly out: PeerOutput;
  lastLoggedZxid(): bigint;
  /** Leave the current role and look for a leader again. */
  shutdown(reason: string): void;
  /**
   * Zab settled a new epoch: our final vote must carry it (upstream updateElectionVote, ZOOKEEPER-1732),
   * or a joining server sees leader and followers disagree on the epoch and never joins.
   */
  updateElectionVote(epoch: bigint): void;
}

export function majority(voters: readonly number[]): number {
  return Math.floor(voters.length / 2) + 1;
}

export function containsQuorum(config: QuorumConfig, members: Iterable<number>): boolean {
  let count = 0;
  for (const sid of new Set(members)) if (config.voters.includes(sid)) count++;
  return count >= majority(config.voters);
}
