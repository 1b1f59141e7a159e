// Follower (Zab learner): FOLLOWERINFO → LEADERINFO (accept the new epoch) → ACKEPOCH; then DIFF/TRUNC/
// SNAP and the leader's history, NEWLEADER (adopt the epoch, ACK once logged), UPTODATE (serve); then
// PROPOSAL (log, ACK after fsync) and COMMIT (apply), answering the leader's PINGs with session touches.
import { decodeTxn } from '../../jute/txn.ts';
import { deserializeSnapshot } from '../tree/snapshot-codec.ts';
import type { ForwardedRequest } from '../zookeeper-server.ts';
import type { PeerContext } from './peer-context.ts';
import {
  PacketType,
  decodeRevalidateAnswer,
  decodeSyncAnswer,
  encodeInt,
  encodeLearnerInfo,
  encodeRequest,
  encodeRevalidate,
  encodeTouches,
  counterOf,
  epochOf,
  makeZxid,
  packetTypeName,
  packet,
  zxidHex,
  type QuorumPacketRecord,
} from './zab-packets.ts';

export type FollowerPhase = 'CONNECTING' | 'DISCOVERY' | 'SYNCHRONIZATION' | 'BROADCAST';

export class Follower {
  private readonly ctx: PeerContext;
  readonly leaderId: number;
  phase: FollowerPhase = 'CONNECTING';
  private syncMode = 'DIFF';
  private lastHeardMs: number;
  private readonly startedMs: number;
  /** Proposals logged-or-logging that still need an ACK once durable. */
  private unacked: bigint[] = [];
  /** NEWLEADER waits to be acked until everything before it is durable. */
  private newLeaderZxid: bigint | null = null;
  private newLeaderAcked = false;
  /** Tail entries received before NEWLEADER: committed once UPTODATE arrives. */
  private committedAtUpToDate = 0;

  constructor(ctx: PeerContext, leaderId: number) {
    this.ctx = ctx;
    this.leaderId = leaderId;
    this.lastHeardMs = ctx.nowMs;
    this.startedMs = ctx.nowMs;
    ctx.out.quorumCommands.push({ type: 'connect', to: leaderId });
  }

  private send(p: QuorumPacketRecord): void {
    this.ctx.out.quorumMessages.push({ to: this.leaderId, packet: p });
  }

  connected(): void {
    if (this.phase !== 'CONNECTING') return;
    this.phase = 'DISCOVERY';
    this.lastHeardMs = this.ctx.nowMs;
    this.send(packet(PacketType.FOLLOWERINFO, makeZxid(this.ctx.acceptedEpoch, 0n), encodeLearnerInfo(this.ctx.config.myId)));
  }

  receive(p: QuorumPacketRecord): void {
    this.lastHeardMs = this.ctx.nowMs;
    // Before the leader starts our sync (DIFF/TRUNC/SNAP) only LEADERINFO and PING make sense.
    const syncPackets: number[] = [PacketType.PROPOSAL, PacketType.COMMIT, PacketType.NEWLEADER, PacketType.UPTODATE];
    if (this.phase !== 'SYNCHRONIZATION' && this.phase !== 'BROADCAST' && syncPackets.includes(p.type)) {
      this.ctx.shutdown(`protocol error: ${packetTypeName(p.type)} before the leader started our sync`);
      return;
    }
    switch (p.type) {
      case PacketType.LEADERINFO:
        return this.onLeaderInfo(p);
      case PacketType.DIFF:
        this.syncMode = 'DIFF';
        this.phase = 'SYNCHRONIZATION';
        return;
      case PacketType.TRUNC:
        return this.onTrunc(p.zxid);
      case PacketType.SNAP:
        return this.onSnap(p);
      case PacketType.PROPOSAL:
        return this.onProposal(p);
      case PacketType.COMMIT:
        return this.applyUpTo(p.zxid);
      case PacketType.NEWLEADER:
        return this.onNewLeader(p.zxid);
      case PacketType.UPTODATE:
        return this.onUpToDate();
      case PacketType.PING:
        this.send(packet(PacketType.PING, p.zxid, encodeTouches(this.ctx.zk.drainTouchedSessions())));
        return;
      case PacketType.SYNC: {
        const { sessionId, cxid } = decodeSyncAnswer(p.data);
        this.ctx.zk.syncCompleted(sessionId, cxid);
        return;
      }
      case PacketType.REVALIDATE: {
        const { sessionId, valid } = decodeRevalidateAnswer(p.data);
        this.ctx.zk.revalidated(sessionId, valid);
        return;
      }
      default:
        return;
    }
  }

  private onLeaderInfo(p: QuorumPacketRecord): void {
    const newEpoch = epochOf(p.zxid);
    if (newEpoch < this.ctx.acceptedEpoch) {
      this.ctx.shutdown(`leader proposed epoch ${newEpoch}, below our accepted epoch ${this.ctx.acceptedEpoch}`);
      return;
    }
    if (newEpoch > this.ctx.acceptedEpoch) {
      this.ctx.acceptedEpoch = newEpoch;
      this.ctx.out.persist.push({ type: 'accepted-epoch', epoch: newEpoch });
    }
    this.send(packet(PacketType.ACKEPOCH, this.ctx.lastLoggedZxid(), encodeInt(Number(this.ctx.currentEpoch))));
  }

  /** Our log holds txns the leader's history does not: drop them (they were never committed). */
  private onTrunc(zxid: bigint): void {
    this.syncMode = 'TRUNC';
    this.phase = 'SYNCHRONIZATION';
    if (zxid < this.ctx.zk.lastProcessedZxid) {
      this.ctx.shutdown(`TRUNC to ${zxidHex(zxid)} is below the applied zxid ${zxidHex(this.ctx.zk.lastProcessedZxid)}`);
      return;
    }
    this.ctx.tail = this.ctx.tail.filter((txn) => txn.header.zxid <= zxid);
    this.unacked = this.unacked.filter((z) => z <= zxid);
    // Nothing counts as durable until the shell reports the rewritten log (logged(zxid)).
    this.ctx.loggedZxid = -1n;
    this.ctx.out.persist.push({ type: 'truncate', zxid });
  }

  private onSnap(p: QuorumPacketRecord): void {
    this.syncMode = 'SNAP';
    this.phase = 'SYNCHRONIZATION';
    const bytes = p.data ?? new Uint8Array(0);
    const snapshot = deserializeSnapshot(bytes, p.zxid);
    this.ctx.zk.resetFromSnapshot(snapshot.nodes, snapshot.sessions, p.zxid);
    this.ctx.tail = [];
    this.unacked = [];
    this.ctx.loggedZxid = -1n; // until the shell reports the installed snapshot (logged(zxid))
    this.ctx.out.persist.push({ type: 'install-snapshot', zxid: p.zxid, bytes });
  }

  private onProposal(p: QuorumPacketRecord): void {
    const txn = decodeTxn(p.data ?? new Uint8Array(0));
    const last = this.ctx.lastLoggedZxid();
    const zxid = txn.header.zxid;
    if (zxid <= last) return; // already have it (a duplicate after a TRUNC point)
    // Each epoch numbers its txns 1, 2, 3…: anything else means we missed one.
    const consecutive = epochOf(zxid) === epochOf(last) ? zxid === last + 1n : counterOf(zxid) === 1n;
    if (!consecutive) {
      this.ctx.shutdown(`protocol error: PROPOSAL ${zxidHex(zxid)} does not follow ${zxidHex(last)}`);
      return;
    }
    this.ctx.tail.push(txn);
    this.unacked.push(txn.header.zxid);
    this.ctx.out.persist.push({ type: 'append', txns: [txn] });
  }

  /** Apply logged txns up to `zxid` (they are committed). */
  private applyUpTo(zxid: bigint): void {
    if (zxid > this.ctx.lastLoggedZxid()) {
      this.ctx.shutdown(`protocol error: COMMIT ${zxidHex(zxid)} beyond our last logged ${zxidHex(this.ctx.lastLoggedZxid())}`);
      return;
    }
    let applied = 0;
    while (applied < this.ctx.tail.length && this.ctx.tail[applied].header.zxid <= zxid) {
      this.ctx.zk.applyTxn(this.ctx.tail[applied]);
      applied++;
    }
    if (applied === 0) return;
    this.ctx.tail = this.ctx.tail.slice(applied);
    this.committedAtUpToDate = Math.max(0, this.committedAtUpToDate - applied);
  }

  private onNewLeader(zxid: bigint): void {
    const epoch = epochOf(zxid);
    this.ctx.currentEpoch = epoch;
    this.ctx.out.persist.push({ type: 'current-epoch', epoch });
    this.ctx.out.events.push({ type: 'new-epoch', epoch, by: 'follower' });
    this.newLeaderZxid = zxid;
    this.committedAtUpToDate = this.ctx.tail.length;
    this.maybeAckNewLeader();
  }

  private maybeAckNewLeader(): void {
    if (this.newLeaderZxid === null || this.newLeaderAcked) return;
    const upTo = this.committedAtUpToDate > 0 ? this.ctx.tail[this.committedAtUpToDate - 1].header.zxid : this.ctx.zk.lastProcessedZxid;
    if (this.ctx.loggedZxid < upTo) return;
    this.newLeaderAcked = true;
    this.send(packet(PacketType.ACK, this.newLeaderZxid));
  }

  private onUpToDate(): void {
    if (!this.newLeaderAcked) {
      this.ctx.shutdown('UPTODATE before our NEWLEADER ack');
      return;
    }
    const boundary = this.committedAtUpToDate;
    if (boundary > 0) this.applyUpTo(this.ctx.tail[boundary - 1].header.zxid);
    this.phase = 'BROADCAST';
    this.ctx.zk.setMode('follower', this.ctx.nowMs);
    this.ctx.updateElectionVote(this.ctx.currentEpoch);
    this.ctx.out.events.push({
      type: 'follower-serving',
      leader: this.leaderId,
      epoch: this.ctx.currentEpoch,
      mode: this.syncMode,
      tookMs: this.ctx.nowMs - this.startedMs,
    });
  }

  /** Our log is durable up to `zxid`: ACK those proposals (and NEWLEADER if it was waiting). */
  logged(zxid: bigint): void {
    // One ACK for the newest durable proposal: we log in zxid order, so it covers all before it.
    let count = 0;
    while (count < this.unacked.length && this.unacked[count] <= zxid) count++;
    if (count > 0) {
      this.send(packet(PacketType.ACK, this.unacked[count - 1]));
      this.unacked = this.unacked.slice(count);
    }
    this.maybeAckNewLeader();
  }

  forward(requests: ForwardedRequest[], revalidations: { sessionId: bigint; timeoutMs: number }[]): void {
    for (const request of requests) this.send(encodeRequest(request));
    for (const { sessionId, timeoutMs } of revalidations) {
      this.send(packet(PacketType.REVALIDATE, 0n, encodeRevalidate(sessionId, timeoutMs)));
    }
  }

  tick(): void {
    const { tickTimeMs, initLimit, syncLimit } = this.ctx.config;
    const limit = (this.phase === 'BROADCAST' ? syncLimit : initLimit) * tickTimeMs;
    if (this.ctx.nowMs - this.lastHeardMs > limit) {
      this.ctx.shutdown(`no word from leader ${this.leaderId} for ${this.ctx.nowMs - this.lastHeardMs} ms (${this.phase})`);
    }
  }

  nextDeadlineMs(): number {
    const { tickTimeMs, initLimit, syncLimit } = this.ctx.config;
    return this.lastHeardMs + (this.phase === 'BROADCAST' ? syncLimit : initLimit) * tickTimeMs + 1;
  }
}
