// Leader (Zab, one epoch): DISCOVERY — a quorum of FOLLOWERINFO fixes the new epoch, LEADERINFO/ACKEPOCH
// confirm it; SYNCHRONIZATION — each learner gets DIFF, TRUNC or SNAP to match the leader's history, then
// NEWLEADER, and a quorum of NEWLEADER acks commits that history; BROADCAST — PROPOSAL to every learner,
// COMMIT strictly in zxid order once a quorum (the leader included, after its own fsync) has ACKed.
import { OpCode } from '../../jute/constants.ts';
import { encodeTxn, decodeTxn, type Txn } from '../../jute/txn.ts';
import { serializeSnapshot } from '../tree/snapshot-codec.ts';
import type { ForwardedRequest } from '../zookeeper-server.ts';
import { containsQuorum, type PeerContext } from './peer-context.ts';
import {
  PacketType,
  decodeLearnerInfo,
  decodeRequest,
  decodeRevalidate,
  decodeTouches,
  encodeInt,
  encodeRevalidateAnswer,
  encodeSyncAnswer,
  epochOf,
  makeZxid,
  packet,
  ZAB_PROTOCOL_VERSION,
  type QuorumPacketRecord,
} from './zab-packets.ts';

export type LeaderPhase = 'DISCOVERY' | 'SYNCHRONIZATION' | 'BROADCAST';

interface LearnerHandler {
  sid: number;
  phase: 'FOLLOWERINFO' | 'LEADERINFO' | 'SYNCING' | 'SYNCED' | 'UPTODATE';
  acceptedEpoch: bigint;
  lastLoggedZxid: bigint;
  lastHeardMs: number;
  /** Receives broadcast PROPOSALs and COMMITs (set once its sync stream has been queued). */
  forwarding: boolean;
  pingRound: number;
  /** Highest zxid it ACKed: a learner logs in zxid order, so an ACK covers every earlier proposal. */
  ackedZxid: bigint;
}

interface PendingSync {
  request: ForwardedRequest;
  /** The learner that asked, or null for a client of the leader itself. */
  from: number | null;
  /** Everything proposed before the sync must be committed first. */
  afterZxid: bigint;
  /** A quorum must answer a ping round at least this recent: proof no newer leader exists. */
  round: number;
}

export class Leader {
  private readonly ctx: PeerContext;
  phase: LeaderPhase = 'DISCOVERY';
  newEpoch: bigint | null = null;
  readonly learners = new Map<number, LearnerHandler>();
  private readonly ackEpochs = new Set<number>();
  private readonly newLeaderAcks = new Set<number>();
  /** Proposed, not yet committed, in zxid order. */
  private readonly outstanding: Txn[] = [];
  /** Committed txns kept for DIFF, and the zxid the tree had before the first of them. */
  private committedLog: Txn[] = [];
  private committedLogBase: bigint;
  private lastCommittedZxid: bigint;
  private pingRound = 0;
  private lastPingMs = 0;
  private pendingSyncs: PendingSync[] = [];
  private readonly startedMs: number;

  constructor(ctx: PeerContext) {
    this.ctx = ctx;
    this.startedMs = ctx.nowMs;
    this.committedLogBase = ctx.zk.lastProcessedZxid;
    this.lastCommittedZxid = ctx.zk.lastProcessedZxid;
    this.ackEpochs.add(ctx.config.myId);
  }

  get lastProposedZxid(): bigint {
    return this.ctx.lastLoggedZxid();
  }

  get followers(): number[] {
    return [...this.learners.values()].filter((l) => l.phase === 'UPTODATE').map((l) => l.sid);
  }

  /** Discovery: once a quorum (with us) has said FOLLOWERINFO, the epoch is max(acceptedEpoch) + 1. */
  private tryDecideEpoch(): void {
    if (this.newEpoch !== null) return;
    const connected = [this.ctx.config.myId, ...[...this.learners.values()].map((l) => l.sid)];
    if (!containsQuorum(this.ctx.config, connected)) return;
    let epoch = this.ctx.acceptedEpoch;
    for (const learner of this.learners.values()) if (learner.acceptedEpoch > epoch) epoch = learner.acceptedEpoch;
    this.newEpoch = epoch + 1n;
    this.ctx.acceptedEpoch = this.newEpoch;
    this.ctx.out.persist.push({ type: 'accepted-epoch', epoch: this.newEpoch });
    this.ctx.out.events.push({ type: 'leader-discovery', connected: connected.sort((a, b) => a - b) });
    this.ctx.out.events.push({ type: 'new-epoch', epoch: this.newEpoch, by: 'leader' });
    for (const learner of this.learners.values()) this.sendLeaderInfo(learner);
  }

  private sendLeaderInfo(learner: LearnerHandler): void {
    learner.phase = 'LEADERINFO';
    this.send(learner.sid, packet(PacketType.LEADERINFO, makeZxid(this.newEpoch!, 0n), encodeInt(ZAB_PROTOCOL_VERSION)));
  }

  private send(to: number, p: QuorumPacketRecord): void {
    this.ctx.out.quorumMessages.push({ to, packet: p });
  }

  // ---------- learner traffic ----------

  learnerDisconnected(sid: number, reason: string): void {
    if (!this.learners.delete(sid)) return;
    this.ctx.out.events.push({ type: 'learner-lost', learner: sid, reason });
  }

  receive(from: number, p: QuorumPacketRecord): void {
    const learner = this.learners.get(from);
    if (p.type === PacketType.FOLLOWERINFO) return this.onFollowerInfo(from, p);
    if (!learner) return; // a packet from a learner we already dropped
    learner.lastHeardMs = this.ctx.nowMs;
    switch (p.type) {
      case PacketType.ACKEPOCH:
        return this.onAckEpoch(learner, p);
      case PacketType.ACK:
        if (p.zxid === makeZxid(this.newEpoch ?? -1n, 0n)) return this.onNewLeaderAck(learner);
        return this.onAck(from, p.zxid);
      case PacketType.PING:
        learner.pingRound = Math.max(learner.pingRound, Number(p.zxid));
        this.ctx.zk.touchSessions(decodeTouches(p.data), this.ctx.nowMs);
        return this.checkSyncs();
      case PacketType.REQUEST:
        if (this.phase !== 'BROADCAST') return;
        return this.onRequest(decodeRequest(p), from);
      case PacketType.REVALIDATE: {
        const { sessionId } = decodeRevalidate(p.data);
        const valid = this.phase === 'BROADCAST' && this.ctx.zk.revalidateSession(sessionId, this.ctx.nowMs);
        return this.send(from, packet(PacketType.REVALIDATE, 0n, encodeRevalidateAnswer(sessionId, valid)));
      }
      default:
        return;
    }
  }

  private onFollowerInfo(from: number, p: QuorumPacketRecord): void {
    const { serverId } = decodeLearnerInfo(p.data);
    if (serverId !== from || !this.ctx.config.voters.includes(from)) {
      this.ctx.out.quorumCommands.push({ type: 'disconnect', peer: from });
      return;
    }
    const learner: LearnerHandler = {
      sid: from,
      phase: 'FOLLOWERINFO',
      acceptedEpoch: epochOf(p.zxid),
      lastLoggedZxid: -1n,
      lastHeardMs: this.ctx.nowMs,
      forwarding: false,
      pingRound: 0,
      ackedZxid: -1n,
    };
    this.learners.set(from, learner);
    if (this.newEpoch !== null) this.sendLeaderInfo(learner);
    else this.tryDecideEpoch();
  }

  private onAckEpoch(learner: LearnerHandler, p: QuorumPacketRecord): void {
    if (learner.phase !== 'LEADERINFO') return;
    learner.lastLoggedZxid = p.zxid;
    const theirEpoch = BigInt(new DataView((p.data ?? new Uint8Array(4)).buffer, (p.data ?? new Uint8Array(4)).byteOffset).getInt32(0));
    // FastLeaderElection should have picked the most up-to-date server; if not, step down.
    const ours = this.ctx.lastLoggedZxid();
    if (theirEpoch > this.ctx.currentEpoch || (theirEpoch === this.ctx.currentEpoch && p.zxid > ours)) {
      this.ctx.shutdown(`follower ${learner.sid} is ahead of the leader (epoch ${theirEpoch}, zxid 0x${p.zxid.toString(16)})`);
      return;
    }
    this.ackEpochs.add(learner.sid);
    if (this.phase === 'DISCOVERY') {
      if (!containsQuorum(this.ctx.config, this.ackEpochs)) return;
      this.phase = 'SYNCHRONIZATION';
      this.ctx.currentEpoch = this.newEpoch!;
      this.ctx.out.persist.push({ type: 'current-epoch', epoch: this.newEpoch! });
      this.newLeaderAcks.add(this.ctx.config.myId);
      for (const other of this.learners.values()) if (this.ackEpochs.has(other.sid)) this.syncLearner(other);
      this.tryEstablish();
      return;
    }
    this.syncLearner(learner);
  }

  /**
   * Bring a learner to the leader's history. Committed txns go as PROPOSAL+COMMIT; txns that are logged but
   * not yet committed (the previous epoch's tail before NEWLEADER, or proposals in flight) as PROPOSAL only:
   * the learner applies them when the NEWLEADER quorum or a later COMMIT says they are committed.
   */
  private syncLearner(learner: LearnerHandler): void {
    const peerZxid = learner.lastLoggedZxid;
    const committed = this.committedLog;
    const uncommitted = this.ctx.tail;
    const history = [...committed, ...uncommitted];
    const lastZxid = history.length > 0 ? history[history.length - 1].header.zxid : this.committedLogBase;
    let mode: 'DIFF' | 'TRUNC' | 'SNAP';
    let startIndex: number;
    if (peerZxid < this.committedLogBase) {
      mode = 'SNAP';
      startIndex = committed.length;
      const bytes = serializeSnapshot(this.ctx.zk.tree.walk(), this.ctx.zk.sessionsWithTimeouts());
      this.send(learner.sid, packet(PacketType.SNAP, this.ctx.zk.lastProcessedZxid, bytes));
    } else {
      // The newest history entry at or below the learner's last zxid is where the two agree.
      let agree = -1;
      for (let i = history.length - 1; i >= 0; i--) {
        if (history[i].header.zxid <= peerZxid) {
          agree = i;
          break;
        }
      }
      const agreedZxid = agree >= 0 ? history[agree].header.zxid : this.committedLogBase;
      startIndex = agree + 1;
      if (agreedZxid === peerZxid) {
        mode = 'DIFF';
        this.send(learner.sid, packet(PacketType.DIFF, lastZxid));
      } else {
        mode = 'TRUNC';
        this.send(learner.sid, packet(PacketType.TRUNC, agreedZxid));
      }
    }
    const broadcasting = this.phase === 'BROADCAST';
    let sent = 0;
    let lastCommittedSent: bigint | null = null;
    for (let i = startIndex; i < history.length; i++) {
      const txn = history[i];
      const isCommitted = i < committed.length;
      // Proposals still in flight during BROADCAST follow NEWLEADER (ZooKeeper's startForwarding).
      if (broadcasting && !isCommitted) continue;
      this.send(learner.sid, packet(PacketType.PROPOSAL, txn.header.zxid, encodeTxn(txn)));
      if (isCommitted) lastCommittedSent = txn.header.zxid;
      sent++;
    }
    // One COMMIT covers every committed txn before it (the learner applies in zxid order).
    if (lastCommittedSent !== null) this.send(learner.sid, packet(PacketType.COMMIT, lastCommittedSent));
    this.send(learner.sid, packet(PacketType.NEWLEADER, makeZxid(this.newEpoch!, 0n)));
    if (broadcasting) {
      for (const txn of this.outstanding) {
        this.send(learner.sid, packet(PacketType.PROPOSAL, txn.header.zxid, encodeTxn(txn)));
        sent++;
      }
    }
    learner.phase = 'SYNCING';
    learner.forwarding = true;
    this.ctx.out.events.push({ type: 'learner-sync', learner: learner.sid, mode, fromZxid: peerZxid, toZxid: lastZxid, txns: sent });
  }

  private onNewLeaderAck(learner: LearnerHandler): void {
    if (learner.phase !== 'SYNCING') return;
    learner.phase = 'SYNCED';
    this.newLeaderAcks.add(learner.sid);
    if (this.phase === 'BROADCAST') this.sendUpToDate(learner);
    else this.tryEstablish();
  }

  /** A quorum acked NEWLEADER: the leader's whole log is committed; start serving. */
  private tryEstablish(): void {
    if (this.phase !== 'SYNCHRONIZATION' || !containsQuorum(this.ctx.config, this.newLeaderAcks)) return;
    // The leader's own history must be durable before it counts as one of the quorum.
    if (this.ctx.loggedZxid < this.ctx.lastLoggedZxid()) return;
    for (const txn of this.ctx.tail) this.commitLocally(txn);
    this.ctx.tail = [];
    this.phase = 'BROADCAST';
    this.ctx.zk.setMode('leader', this.ctx.nowMs, makeZxid(this.newEpoch!, 0n));
    this.ctx.updateElectionVote(this.newEpoch!);
    for (const learner of this.learners.values()) if (learner.phase === 'SYNCED') this.sendUpToDate(learner);
    this.ctx.out.events.push({
      type: 'leader-serving',
      epoch: this.newEpoch!,
      followers: [...this.newLeaderAcks].filter((sid) => sid !== this.ctx.config.myId).sort((a, b) => a - b),
      tookMs: this.ctx.nowMs - this.startedMs,
    });
  }

  private sendUpToDate(learner: LearnerHandler): void {
    learner.phase = 'UPTODATE';
    this.send(learner.sid, packet(PacketType.UPTODATE, 0n));
  }

  private commitLocally(txn: Txn): void {
    this.ctx.zk.applyTxn(txn);
    this.remember(txn);
  }

  private remember(txn: Txn): void {
    this.committedLog.push(txn);
    this.lastCommittedZxid = txn.header.zxid;
    const limit = this.ctx.config.committedLogLimit ?? 10_000;
    // Trim in chunks: copying the whole log on every commit would cost O(limit) per write.
    if (this.committedLog.length > limit * 1.5) {
      const drop = this.committedLog.length - limit;
      this.committedLogBase = this.committedLog[drop - 1].header.zxid;
      this.committedLog = this.committedLog.slice(drop);
    }
  }

  // ---------- broadcast ----------

  /** Transactions the database prepared: log them and send them to every learner. */
  propose(txns: Txn[]): void {
    for (const txn of txns) {
      this.ctx.tail.push(txn);
      this.outstanding.push(txn);
      const data = encodeTxn(txn);
      for (const learner of this.learners.values()) {
        if (learner.forwarding) this.send(learner.sid, packet(PacketType.PROPOSAL, txn.header.zxid, data));
      }
      this.ctx.out.events.push({ type: 'proposal', zxid: txn.header.zxid, txnType: txn.header.type });
    }
    if (txns.length > 0) this.ctx.out.persist.push({ type: 'append', txns });
  }

  /** The leader's own log became more durable (ctx.loggedZxid): that is the leader's ACK. */
  logged(): void {
    if (this.phase === 'SYNCHRONIZATION') this.tryEstablish();
    this.tryCommit();
  }

  private onAck(from: number, zxid: bigint): void {
    const learner = this.learners.get(from);
    if (!learner || zxid <= learner.ackedZxid) return;
    learner.ackedZxid = zxid;
    this.tryCommit();
  }

  /** Who has logged `zxid`: the leader once its own fsync covers it, learners by their cumulative ACK. */
  private ackersOf(zxid: bigint): number[] {
    const ackers = this.ctx.loggedZxid >= zxid ? [this.ctx.config.myId] : [];
    for (const learner of this.learners.values()) if (learner.ackedZxid >= zxid) ackers.push(learner.sid);
    return ackers;
  }

  /**
   * Commit strictly in zxid order, as far as a quorum has logged; then one COMMIT per learner covers the
   * whole batch (a learner applies everything up to a COMMIT's zxid).
   */
  private tryCommit(): void {
    let last: bigint | null = null;
    let acks: number[] = [];
    while (this.outstanding.length > 0) {
      const zxid = this.outstanding[0].header.zxid;
      const ackers = this.ackersOf(zxid);
      if (!containsQuorum(this.ctx.config, ackers)) break;
      const txn = this.outstanding.shift()!;
      const head = this.ctx.tail.shift();
      if (head?.header.zxid !== zxid) throw new Error(`Zab invariant: committing 0x${zxid.toString(16)} out of order`);
      this.ctx.zk.committed(zxid, this.ctx.nowMs);
      this.remember(txn);
      last = zxid;
      acks = ackers;
    }
    if (last === null) return;
    for (const learner of this.learners.values()) if (learner.forwarding) this.send(learner.sid, packet(PacketType.COMMIT, last));
    this.ctx.out.events.push({ type: 'commit', zxid: last, acks: acks.sort((a, b) => a - b) });
    this.checkSyncs();
  }

  private onRequest(request: ForwardedRequest, from: number | null): void {
    if (request.type === OpCode.sync) {
      this.pendingSyncs.push({ request, from, afterZxid: this.lastProposedZxid, round: this.pingRound + 1 });
      this.ping();
      return;
    }
    this.ctx.zk.prepForwarded(request, this.ctx.nowMs);
  }

  /** Requests the leader's own database emitted (its clients' syncs). */
  localForwards(requests: ForwardedRequest[]): void {
    for (const request of requests) {
      if (this.phase === 'BROADCAST') this.onRequest(request, null);
    }
  }

  /**
   * A sync answers once everything proposed before it is committed and a quorum answered a ping sent after
   * it arrived: a deposed leader cannot get that quorum, so a sync+read is linearizable.
   */
  private checkSyncs(): void {
    if (this.pendingSyncs.length === 0) return;
    const remaining: PendingSync[] = [];
    for (const sync of this.pendingSyncs) {
      const answered = [this.ctx.config.myId, ...[...this.learners.values()].filter((l) => l.phase === 'UPTODATE' && l.pingRound >= sync.round).map((l) => l.sid)];
      if (this.lastCommittedZxid < sync.afterZxid || !containsQuorum(this.ctx.config, answered)) {
        remaining.push(sync);
        continue;
      }
      const { sessionId, cxid } = sync.request;
      if (sync.from === null) this.ctx.zk.syncCompleted(sessionId, cxid);
      else this.send(sync.from, packet(PacketType.SYNC, this.lastCommittedZxid, encodeSyncAnswer(sessionId, cxid)));
    }
    this.pendingSyncs = remaining;
  }

  private ping(): void {
    this.pingRound++;
    this.lastPingMs = this.ctx.nowMs;
    for (const learner of this.learners.values()) this.send(learner.sid, packet(PacketType.PING, BigInt(this.pingRound)));
    // With a single voter the leader alone is the quorum.
    this.checkSyncs();
  }

  tick(): void {
    const { tickTimeMs, initLimit, syncLimit } = this.ctx.config;
    const now = this.ctx.nowMs;
    if (now - this.lastPingMs >= tickTimeMs / 2) this.ping();
    if (this.phase !== 'BROADCAST') {
      if (now - this.startedMs > initLimit * tickTimeMs) {
        this.ctx.shutdown(`no quorum of followers within initLimit (${this.phase})`);
      }
      return;
    }
    for (const learner of [...this.learners.values()]) {
      const limit = (learner.phase === 'UPTODATE' ? syncLimit : initLimit + syncLimit) * tickTimeMs;
      if (now - learner.lastHeardMs > limit) {
        this.learners.delete(learner.sid);
        this.ctx.out.quorumCommands.push({ type: 'disconnect', peer: learner.sid });
        this.ctx.out.events.push({ type: 'learner-lost', learner: learner.sid, reason: 'no answer within syncLimit' });
      }
    }
    const synced = [this.ctx.config.myId, ...[...this.learners.values()].filter((l) => l.phase === 'UPTODATE').map((l) => l.sid)];
    if (!containsQuorum(this.ctx.config, synced)) {
      this.ctx.shutdown(`not sufficient followers synced, only synced with sids: [${synced.sort((a, b) => a - b).join(',')}]`);
    }
  }

  nextDeadlineMs(): number {
    return this.lastPingMs + this.ctx.config.tickTimeMs / 2;
  }

  /** What the peer keeps when this role ends: proposals not yet committed stay logged (the tail). */
  static decodeTxnForTest(bytes: Uint8Array): Txn {
    return decodeTxn(bytes);
  }
}
