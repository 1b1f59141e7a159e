// QuorumPeer: one member of an ensemble, as a pure state machine. LOOKING runs FastLeaderElection;
// the winner runs Leader, the others Follower; any failure of the role (lost quorum, lost leader, silence
// past syncLimit) stops serving clients and goes back to LOOKING. The shell feeds it time, election
// notifications, quorum packets, "logged up to zxid" and client frames, and carries out its Ready.
import type { Txn } from '../../jute/txn.ts';
import { FastLeaderElection, type ElectionOutput, type OutgoingNotification, type ElectionEvent } from '../election/fast-leader-election.ts';
import type { Notification, ServerState } from '../election/vote.ts';
import type { SnapshotContents } from '../tree/snapshot-codec.ts';
import { ZooKeeperServer, type ConnectionId, type Ready, type ZooKeeperServerOptions } from '../zookeeper-server.ts';
import { Follower } from './follower.ts';
import { Leader } from './leader.ts';
import type { PeerContext, PeerOutput, QuorumConfig } from './peer-context.ts';
import { epochOf, type QuorumPacketRecord } from './zab-packets.ts';

/** ZooKeeper's QuorumPeer.ZabState, "used for monitoring". */
export type ZabState = 'ELECTION' | 'DISCOVERY' | 'SYNCHRONIZATION' | 'BROADCAST';

export interface RestoredPeerState {
  snapshot: SnapshotContents | null;
  /** Logged txns after the snapshot: not applied until a leader says they are committed. */
  txns: Txn[];
  acceptedEpoch: bigint;
  currentEpoch: bigint;
}

export interface QuorumPeerOptions {
  config: QuorumConfig;
  server: Omit<ZooKeeperServerOptions, 'mode' | 'serverId' | 'tickTimeMs'>;
  restored: RestoredPeerState;
  finalizeWaitMs?: number;
  maxNotificationIntervalMs?: number;
}

export interface PeerReady extends PeerOutput {
  electionMessages: OutgoingNotification[];
  electionEvents: ElectionEvent[];
  /** Client frames and closes (and the database's journal events). */
  client: Pick<Ready, 'frames' | 'closes' | 'events'>;
}

function emptyPeerReady(): PeerReady {
  return {
    persist: [],
    quorumMessages: [],
    quorumCommands: [],
    events: [],
    electionMessages: [],
    electionEvents: [],
    client: { frames: [], closes: [], events: [] },
  };
}

export class QuorumPeer implements PeerContext {
  readonly config: QuorumConfig;
  readonly zk: ZooKeeperServer;
  readonly election: FastLeaderElection;
  state: ServerState = 'LOOKING';
  zabState: ZabState = 'ELECTION';
  leader: Leader | null = null;
  follower: Follower | null = null;
  tail: Txn[];
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  loggedZxid: bigint;
  nowMs: number;
  out: PeerReady = emptyPeerReady();
  private pendingShutdown: string | null = null;
  /**
   * Learners that connected before we knew we would lead (they decide as fast as we do): their packets
   * wait here and are replayed into the Leader, or the connections dropped if we end up following.
   */
  private readonly earlyLearners = new Map<number, QuorumPacketRecord[]>();
  private started = false;

  constructor(options: QuorumPeerOptions) {
    this.config = options.config;
    this.nowMs = options.server.nowMs;
    this.zk = new ZooKeeperServer({
      ...options.server,
      serverId: options.config.myId,
      tickTimeMs: options.config.tickTimeMs,
      mode: 'stopped',
    });
    const { snapshot, txns, acceptedEpoch, currentEpoch } = options.restored;
    if (snapshot) this.zk.restoreSnapshot(snapshot.nodes, snapshot.sessions, snapshot.zxid);
    const base = this.zk.lastProcessedZxid;
    this.tail = txns.filter((txn) => txn.header.zxid > base);
    this.acceptedEpoch = acceptedEpoch;
    this.currentEpoch = currentEpoch;
    this.loggedZxid = this.lastLoggedZxid();
    this.election = new FastLeaderElection({
      myId: options.config.myId,
      voters: options.config.voters,
      finalizeWaitMs: options.finalizeWaitMs,
      maxNotificationIntervalMs: options.maxNotificationIntervalMs,
    });
  }

  lastLoggedZxid(): bigint {
    return this.tail.length > 0 ? this.tail[this.tail.length - 1].header.zxid : this.zk.lastProcessedZxid;
  }

  get epoch(): bigint {
    return epochOf(this.zk.lastProcessedZxid);
  }

  get leaderId(): number | null {
    if (this.state === 'LEADING') return this.config.myId;
    return this.follower?.leaderId ?? null;
  }

  get serving(): boolean {
    return this.zk.mode !== 'stopped';
  }

  takeReady(): PeerReady {
    const ready = this.out;
    this.out = emptyPeerReady();
    return ready;
  }

  // ---------- inputs ----------

  start(nowMs: number): void {
    this.input(nowMs, () => {
      this.started = true;
      this.lookForLeader();
    });
  }

  tick(nowMs: number): void {
    this.input(nowMs, () => {
      if (!this.started) return;
      if (this.state === 'LOOKING') this.handleElection(this.election.tick(nowMs));
      this.leader?.tick();
      this.follower?.tick();
      this.zk.tick(nowMs);
    });
  }

  electionNotification(n: Notification, nowMs: number): void {
    this.input(nowMs, () => this.handleElection(this.election.receive(n, nowMs)));
  }

  quorumPacket(from: number, p: QuorumPacketRecord, nowMs: number): void {
    this.input(nowMs, () => {
      if (this.leader) this.leader.receive(from, p);
      else if (this.follower && from === this.follower.leaderId) this.follower.receive(p);
      else if (this.state === 'LOOKING') {
        const buffered = this.earlyLearners.get(from) ?? [];
        if (buffered.length < 64) buffered.push(p);
        this.earlyLearners.set(from, buffered);
      } else this.out.quorumCommands.push({ type: 'disconnect', peer: from });
    });
  }

  quorumConnected(peer: number, nowMs: number): void {
    this.input(nowMs, () => {
      if (this.follower && peer === this.follower.leaderId) this.follower.connected();
    });
  }

  quorumDisconnected(peer: number, nowMs: number): void {
    this.input(nowMs, () => {
      this.earlyLearners.delete(peer);
      this.leader?.learnerDisconnected(peer, 'connection closed');
      if (this.follower && peer === this.follower.leaderId) this.shutdown(`lost the connection to leader ${peer}`);
    });
  }

  /** The shell made the txn log durable up to `zxid`. */
  logged(zxid: bigint, nowMs: number): void {
    this.input(nowMs, () => {
      if (zxid > this.loggedZxid) this.loggedZxid = zxid;
      this.leader?.logged();
      this.follower?.logged(zxid);
    });
  }

  openConnection(connectionId: ConnectionId, remoteAddress: string, nowMs: number): void {
    this.input(nowMs, () => this.zk.openConnection(connectionId, remoteAddress, nowMs));
  }

  receive(connectionId: ConnectionId, payload: Uint8Array, nowMs: number): void {
    this.input(nowMs, () => this.zk.receive(connectionId, payload, nowMs));
  }

  connectionClosed(connectionId: ConnectionId, nowMs: number): void {
    this.input(nowMs, () => this.zk.connectionClosed(connectionId, nowMs));
  }

  updateElectionVote(epoch: bigint): void {
    const vote = this.election.currentVote;
    if (!vote || (this.state !== 'LEADING' && this.state !== 'FOLLOWING')) return;
    this.handleElection(this.election.setFinalVote({ ...vote, peerEpoch: epoch }, this.state));
  }

  /** Leave the role (at the end of the current input) and look for a leader again. */
  shutdown(reason: string): void {
    this.pendingShutdown ??= reason;
  }

  // ---------- internals ----------

  private input(nowMs: number, action: () => void): void {
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    action();
    this.drainDatabase();
    if (this.pendingShutdown !== null) {
      const reason = this.pendingShutdown;
      this.pendingShutdown = null;
      this.endRole(reason);
      this.drainDatabase();
    }
    this.refreshZabState();
  }

  /** Route what the database produced: txns to propose, requests for the leader, client frames. */
  private drainDatabase(): void {
    for (;;) {
      const ready = this.zk.takeReady();
      this.out.client.frames.push(...ready.frames);
      this.out.client.closes.push(...ready.closes);
      this.out.client.events.push(...ready.events);
      const work = ready.txns.length + ready.forwards.length + ready.revalidations.length;
      if (work === 0) return;
      if (this.leader) {
        this.leader.propose(ready.txns);
        this.leader.localForwards(ready.forwards);
      } else if (this.follower) {
        this.follower.forward(ready.forwards, ready.revalidations);
      }
    }
  }

  private lookForLeader(): void {
    this.state = 'LOOKING';
    this.zabState = 'ELECTION';
    this.event();
    this.handleElection(this.election.lookForLeader({ lastLoggedZxid: this.lastLoggedZxid(), currentEpoch: this.currentEpoch }, this.nowMs));
  }

  private handleElection(output: ElectionOutput): void {
    this.out.electionMessages.push(...output.send);
    this.out.electionEvents.push(...output.events);
    const decided = output.decided;
    if (!decided || this.state !== 'LOOKING') return;
    this.state = decided.state;
    this.zabState = 'DISCOVERY';
    if (decided.state === 'LEADING') {
      this.leader = new Leader(this);
      for (const [sid, packets] of this.earlyLearners) for (const p of packets) this.leader.receive(sid, p);
    } else {
      this.follower = new Follower(this, decided.leader);
      for (const sid of this.earlyLearners.keys()) this.out.quorumCommands.push({ type: 'disconnect', peer: sid });
    }
    this.earlyLearners.clear();
    this.event();
  }

  private endRole(reason: string): void {
    const role = this.state;
    if (role === 'LEADING' && this.leader) {
      for (const sid of this.leader.learners.keys()) this.out.quorumCommands.push({ type: 'disconnect', peer: sid });
    }
    if (role === 'FOLLOWING' && this.follower) this.out.quorumCommands.push({ type: 'disconnect', peer: this.follower.leaderId });
    if (role === 'LEADING' || role === 'FOLLOWING') this.out.events.push({ type: 'role-ended', role, reason });
    this.leader = null;
    this.follower = null;
    this.zk.setMode('stopped', this.nowMs);
    this.lookForLeader();
  }

  /** Keep the monitoring state in step with the role's phase. */
  refreshZabState(): void {
    const phase = this.leader?.phase ?? this.follower?.phase;
    const next: ZabState =
      phase === undefined ? 'ELECTION' : phase === 'CONNECTING' ? 'DISCOVERY' : (phase as ZabState);
    if (next !== this.zabState) {
      this.zabState = next;
      this.event();
    }
  }

  private event(): void {
    this.out.events.push({ type: 'state-changed', state: this.state, zabState: this.zabState, epoch: this.currentEpoch });
  }
}
