// A whole ZooKeeper ensemble in one process on simulated time (FoundationDB/TigerBeetle style): the real
// QuorumPeer cores, a SimNetwork (election datagrams that may be delayed, dropped, duplicated, reordered;
// quorum links with TCP's FIFO semantics, where a partition holds data until healed and a crash breaks the
// link), a SimDisk per server (fsync takes time; a crash loses what was not yet synced). Every choice comes
// from one seeded PRNG, so a seed replays a run exactly.
import {
  decodeNotification,
  encodeNotification,
} from '../../zookeeper-ensemble/core/election/notification-codec.ts';
import type { Notification } from '../../zookeeper-ensemble/core/election/vote.ts';
import { QuorumPeer, type PeerReady } from '../../zookeeper-ensemble/core/quorum/quorum-peer.ts';
import type { PersistAction } from '../../zookeeper-ensemble/core/quorum/peer-context.ts';
import {
  decodePacket,
  encodePacket,
  type QuorumPacketRecord,
} from '../../zookeeper-ensemble/core/quorum/zab-packets.ts';
import { deserializeSnapshot, serializeSnapshot } from '../../zookeeper-ensemble/core/tree/snapshot-codec.ts';
import { encodeTxn, type Txn } from '../../zookeeper-ensemble/jute/txn.ts';
import { EventQueue } from './event-queue.ts';
import { Prng } from './prng.ts';

export interface SimFaults {
  /** Probability an election notification is lost / delivered twice. */
  electionDrop: number;
  electionDuplicate: number;
  /** Probability a quorum message resets its connection (both ends see it close, in-flight data lost). */
  connectionReset: number;
  delayMinMs: number;
  delayMaxMs: number;
  fsyncMinMs: number;
  fsyncMaxMs: number;
}

export interface SimClusterOptions {
  seed: number;
  size: number;
  tickTimeMs?: number;
  initLimit?: number;
  syncLimit?: number;
  finalizeWaitMs?: number;
  committedLogLimit?: number;
  /** Take a snapshot (and drop the log before it) every this many applied txns. */
  snapshotEveryTxns?: number;
  faults?: Partial<SimFaults>;
}

export const CALM: SimFaults = {
  electionDrop: 0,
  electionDuplicate: 0,
  connectionReset: 0,
  delayMinMs: 0.05,
  delayMaxMs: 0.5,
  fsyncMinMs: 0.1,
  fsyncMaxMs: 0.5,
};

interface SimDisk {
  snapshot: { zxid: bigint; bytes: Uint8Array } | null;
  log: Txn[];
  acceptedEpoch: bigint;
  currentEpoch: bigint;
  /** Appended, not yet synced (lost on crash). */
  unsynced: Txn[];
  syncing: boolean;
  /**
   * Bumped by every truncate/install-snapshot, with the zxid it cut at: a batch that was being synced meanwhile
   * lands first and is then cut too (the real shell waits for the log to be idle before rewriting it).
   */
  rewrites: { generation: number; cutAt: bigint }[];
}

export interface SimNode {
  sid: number;
  peer: QuorumPeer | null;
  disk: SimDisk;
  incarnation: number;
  paused: boolean;
  /** Applied zxids of the current incarnation, after its restored snapshot. */
  applied: bigint[];
  restoredFrom: bigint;
  /** fsyncs that completed while the process was stopped: reported when it resumes. */
  loggedWhilePaused: bigint[];
}

interface Direction {
  queue: { readyAtMs: number; packet: QuorumPacketRecord | 'close' }[];
  pumping: boolean;
}

interface SimConnection {
  id: number;
  learner: number;
  leader: number;
  open: boolean;
  toLeader: Direction;
  toLearner: Direction;
}

interface ClientLink {
  sid: number;
  incarnation: number;
  endpoint: ClientEndpoint;
  /** Client connections are TCP too: each direction delivers in order. */
  lastToServerMs: number;
  lastToClientMs: number;
}

export interface ClientEndpoint {
  onFrame(bytes: Uint8Array): void;
  onClosed(): void;
}

export class SimCluster {
  readonly queue = new EventQueue();
  readonly prng: Prng;
  readonly nodes = new Map<number, SimNode>();
  faults: SimFaults;
  readonly options: Required<Omit<SimClusterOptions, 'faults'>>;
  private readonly blocked = new Set<string>();
  private readonly connections = new Map<number, SimConnection>();
  private nextConnectionId = 1;
  private readonly clientConnections = new Map<number, ClientLink>();
  private nextClientConnectionId = 1;
  /** zxid → txn digest, from every apply on every server: the one history they must all share. */
  readonly canonical = new Map<bigint, string>();
  readonly leadersByEpoch = new Map<bigint, number>();
  readonly violations: string[] = [];
  /** Scripted scenarios act at exact protocol moments (e.g. crash the leader as it sends a COMMIT). */
  quorumSendHook: ((from: number, to: number, packet: QuorumPacketRecord) => void) | null = null;
  readonly journal: string[] = [];
  private readonly sessionIds = new Set<bigint>();

  constructor(options: SimClusterOptions) {
    this.prng = new Prng(options.seed);
    this.faults = { ...CALM, ...options.faults };
    this.options = {
      seed: options.seed,
      size: options.size,
      tickTimeMs: options.tickTimeMs ?? 100,
      initLimit: options.initLimit ?? 10,
      syncLimit: options.syncLimit ?? 5,
      finalizeWaitMs: options.finalizeWaitMs ?? 20,
      committedLogLimit: options.committedLogLimit ?? 40,
      snapshotEveryTxns: options.snapshotEveryTxns ?? 25,
    };
    for (let sid = 1; sid <= options.size; sid++) {
      this.nodes.set(sid, {
        sid,
        peer: null,
        disk: { snapshot: null, log: [], acceptedEpoch: 0n, currentEpoch: 0n, unsynced: [], syncing: false, rewrites: [] },
        incarnation: 0,
        paused: false,
        applied: [],
        restoredFrom: 0n,
        loggedWhilePaused: [],
      });
    }
  }

  get nowMs(): number {
    return this.queue.nowMs;
  }

  get voters(): number[] {
    return [...this.nodes.keys()];
  }

  private note(text: string): void {
    this.journal.push(`${this.nowMs.toFixed(2)} ${text}`);
  }

  private violation(text: string): void {
    this.violations.push(`${this.nowMs.toFixed(2)} ${text}`);
  }

  // ---------- lifecycle ----------

  startAll(): void {
    for (const sid of this.nodes.keys()) this.start(sid);
    this.queue.after(1, () => this.tickLoop());
  }

  private tickLoop(): void {
    for (const node of this.nodes.values()) {
      if (node.peer && !node.paused) this.drive(node, (peer) => peer.tick(this.nowMs));
    }
    this.queue.after(this.prng.int(5, 15), () => this.tickLoop());
  }

  start(sid: number): void {
    const node = this.nodes.get(sid)!;
    if (node.peer) return;
    node.incarnation++;
    node.paused = false;
    const snapshot = node.disk.snapshot
      ? deserializeSnapshot(node.disk.snapshot.bytes, node.disk.snapshot.zxid)
      : null;
    node.restoredFrom = snapshot?.zxid ?? 0n;
    node.applied = [];
    const incarnation = node.incarnation;
    node.peer = new QuorumPeer({
      config: {
        myId: sid,
        voters: this.voters,
        tickTimeMs: this.options.tickTimeMs,
        initLimit: this.options.initLimit,
        syncLimit: this.options.syncLimit,
        committedLogLimit: this.options.committedLogLimit,
      },
      server: {
        minSessionTimeoutMs: this.options.tickTimeMs * 2,
        maxSessionTimeoutMs: this.options.tickTimeMs * 20,
        maxBufferBytes: 1 << 20,
        digest: (text) => `${text.split(':')[0]}:sim`,
        nowMs: this.nowMs,
        onApplied: (txn) => this.recordApply(sid, incarnation, txn),
      },
      restored: {
        snapshot,
        txns: [...node.disk.log],
        acceptedEpoch: node.disk.acceptedEpoch,
        currentEpoch: node.disk.currentEpoch,
      },
      finalizeWaitMs: this.options.finalizeWaitMs,
      maxNotificationIntervalMs: this.options.tickTimeMs * 10,
    });
    this.note(
      `zk${sid} started (incarnation ${incarnation}, snapshot 0x${node.restoredFrom.toString(16)}, ${node.disk.log.length} logged txns)`,
    );
    this.drive(node, (peer) => peer.start(this.nowMs));
  }

  /** kill -9: the process is gone, with whatever was not yet fsynced. */
  crash(sid: number): void {
    const node = this.nodes.get(sid)!;
    if (!node.peer) return;
    node.peer = null;
    node.paused = false;
    node.disk.unsynced = [];
    node.disk.syncing = false;
    node.loggedWhilePaused = [];
    this.note(`zk${sid} crashed`);
    for (const connection of this.connections.values()) {
      if (connection.open && (connection.learner === sid || connection.leader === sid))
        this.breakConnection(connection, sid);
    }
    for (const [id, client] of this.clientConnections) {
      if (client.sid === sid) {
        this.clientConnections.delete(id);
        const endpoint = client.endpoint;
        this.queue.after(this.delay(), () => endpoint.onClosed());
      }
    }
  }

  /** SIGSTOP: no input is processed until resume; the network keeps delivering into its buffers. */
  pause(sid: number): void {
    const node = this.nodes.get(sid)!;
    if (node.peer) node.paused = true;
    this.note(`zk${sid} paused`);
  }

  resume(sid: number): void {
    const node = this.nodes.get(sid)!;
    node.paused = false;
    this.note(`zk${sid} resumed`);
    const logged = node.loggedWhilePaused;
    node.loggedWhilePaused = [];
    for (const zxid of logged) this.drive(node, (peer) => peer.logged(zxid, this.nowMs));
    for (const connection of this.connections.values()) {
      this.pump(connection, connection.toLeader, connection.leader);
      this.pump(connection, connection.toLearner, connection.learner);
    }
  }

  partition(groupA: number[], groupB: number[]): void {
    for (const a of groupA) for (const b of groupB) if (a !== b) this.blocked.add(linkKey(a, b));
    this.note(`partition ${groupA.join(',')} | ${groupB.join(',')}`);
  }

  /** No more message loss, duplicates or resets: only delay and fsync time remain. */
  calm(): void {
    this.faults = { ...CALM };
    this.note('calm');
  }

  heal(): void {
    this.blocked.clear();
    this.note('heal');
    for (const connection of this.connections.values()) {
      this.pump(connection, connection.toLeader, connection.leader);
      this.pump(connection, connection.toLearner, connection.learner);
    }
  }

  reachable(a: number, b: number): boolean {
    return !this.blocked.has(linkKey(a, b));
  }

  private alive(sid: number): boolean {
    return this.nodes.get(sid)?.peer !== null;
  }

  private delay(): number {
    const { delayMinMs, delayMaxMs } = this.faults;
    return delayMinMs + this.prng.next() * (delayMaxMs - delayMinMs);
  }

  // ---------- driving a peer ----------

  /** Run an input on a peer and carry out its Ready (the shell's job). */
  private drive(node: SimNode, input: (peer: QuorumPeer) => void): void {
    const peer = node.peer;
    if (!peer || node.paused) return;
    input(peer);
    if (node.peer !== peer) return;
    this.carryOut(node, peer, peer.takeReady());
  }

  private carryOut(node: SimNode, peer: QuorumPeer, ready: PeerReady): void {
    // A scenario hook may crash this node in the middle: a dead process does nothing more.
    const alive = () => node.peer === peer;
    for (const action of ready.persist) this.persist(node, action);
    // Log rewrites are durable at once here; the shell reports them like an fsync.
    for (const action of ready.persist) {
      if (action.type === 'truncate' || action.type === 'install-snapshot') {
        const zxid = action.zxid;
        this.queue.after(0, () => this.drive(node, (p) => p.logged(zxid, this.nowMs)));
      }
    }
    for (const event of ready.events) this.observe(node.sid, event);
    for (const { to, notification } of ready.electionMessages) if (alive()) this.sendElection(node.sid, to, notification);
    for (const command of ready.quorumCommands) {
      if (!alive()) return;
      if (command.type === 'connect') this.connect(node.sid, command.to);
      else this.disconnect(node.sid, command.peer);
    }
    for (const { to, packet } of ready.quorumMessages) if (alive()) this.sendQuorum(node.sid, to, packet);
    if (!alive()) return;
    for (const frame of ready.client.frames) this.deliverToClient(frame.connectionId, frame.bytes);
    for (const close of ready.client.closes) this.closeClient(close.connectionId);
    this.maybeSnapshot(node, peer);
  }

  private observe(sid: number, event: PeerReady['events'][number]): void {
    if (event.type === 'leader-serving') {
      const existing = this.leadersByEpoch.get(event.epoch);
      if (existing !== undefined && existing !== sid) {
        this.violation(`two leaders for epoch ${event.epoch}: zk${existing} and zk${sid}`);
      }
      this.leadersByEpoch.set(event.epoch, sid);
      this.note(`zk${sid} LEADING epoch ${event.epoch} with followers [${event.followers.join(',')}]`);
    } else if (event.type === 'role-ended') {
      this.note(`zk${sid} ${event.role} ended: ${event.reason}`);
    } else if (event.type === 'follower-serving') {
      this.note(`zk${sid} FOLLOWING zk${event.leader} epoch ${event.epoch} (${event.mode})`);
    }
  }

  private recordApply(sid: number, incarnation: number, txn: Txn): void {
    const node = this.nodes.get(sid)!;
    if (node.incarnation !== incarnation) return;
    const zxid = txn.header.zxid;
    const digest = digestOf(txn);
    const known = this.canonical.get(zxid);
    if (known === undefined) {
      this.canonical.set(zxid, digest);
      if (txn.header.type === -10) {
        if (this.sessionIds.has(txn.header.clientId))
          this.violation(`session id 0x${txn.header.clientId.toString(16)} reused`);
        this.sessionIds.add(txn.header.clientId);
      }
    } else if (known !== digest) this.violation(`zk${sid} applied a different txn at 0x${zxid.toString(16)}`);
    const last = node.applied.length > 0 ? node.applied[node.applied.length - 1] : node.restoredFrom;
    if (zxid <= last) this.violation(`zk${sid} applied 0x${zxid.toString(16)} after 0x${last.toString(16)}`);
    node.applied.push(zxid);
  }

  // ---------- SimDisk ----------

  private persist(node: SimNode, action: PersistAction): void {
    const disk = node.disk;
    switch (action.type) {
      case 'accepted-epoch':
        disk.acceptedEpoch = action.epoch;
        return;
      case 'current-epoch':
        disk.currentEpoch = action.epoch;
        return;
      case 'append':
        disk.unsynced.push(...action.txns);
        this.syncSoon(node);
        return;
      case 'truncate':
        disk.log = disk.log.filter((txn) => txn.header.zxid <= action.zxid);
        disk.unsynced = disk.unsynced.filter((txn) => txn.header.zxid <= action.zxid);
        disk.rewrites.push({ generation: disk.rewrites.length + 1, cutAt: action.zxid });
        return;
      case 'install-snapshot':
        // The tree restarts from this snapshot: check the history from here on.
        node.applied = [];
        node.restoredFrom = action.zxid;
        disk.snapshot = { zxid: action.zxid, bytes: action.bytes };
        disk.log = [];
        disk.unsynced = [];
        disk.rewrites.push({ generation: disk.rewrites.length + 1, cutAt: -1n });
        return;
    }
  }

  /** Group commit: one fsync in flight; everything appended meanwhile goes with the next one. */
  private syncSoon(node: SimNode): void {
    const disk = node.disk;
    if (disk.syncing || disk.unsynced.length === 0) return;
    disk.syncing = true;
    const batch = disk.unsynced;
    disk.unsynced = [];
    const incarnation = node.incarnation;
    const generation = disk.rewrites.length;
    const { fsyncMinMs, fsyncMaxMs } = this.faults;
    this.queue.after(fsyncMinMs + this.prng.next() * (fsyncMaxMs - fsyncMinMs), () => {
      if (node.incarnation !== incarnation || !node.peer) return;
      disk.syncing = false;
      // A truncate or snapshot install during the sync cuts this batch too (it belonged to the old history).
      const later = disk.rewrites.slice(generation);
      const cutAt = later.length === 0 ? null : later.reduce((low, r) => (r.cutAt < low ? r.cutAt : low), later[0].cutAt);
      const kept = cutAt === null ? batch : batch.filter((txn) => txn.header.zxid <= cutAt);
      disk.log.push(...kept);
      disk.log.sort((a, b) => (a.header.zxid < b.header.zxid ? -1 : a.header.zxid > b.header.zxid ? 1 : 0));
      const last = batch[batch.length - 1].header.zxid;
      if (node.paused) node.loggedWhilePaused.push(last);
      else this.drive(node, (peer) => peer.logged(last, this.nowMs));
      this.syncSoon(node);
    });
  }

  private maybeSnapshot(node: SimNode, peer: QuorumPeer): void {
    const zxid = peer.zk.lastProcessedZxid;
    const since = node.disk.snapshot?.zxid ?? 0n;
    const appliedSince = node.disk.log.filter(
      (txn) => txn.header.zxid > since && txn.header.zxid <= zxid,
    ).length;
    if (appliedSince < this.options.snapshotEveryTxns) return;
    node.disk.snapshot = {
      zxid,
      bytes: serializeSnapshot(peer.zk.tree.walk(), peer.zk.sessionsWithTimeouts()),
    };
    node.disk.log = node.disk.log.filter((txn) => txn.header.zxid > zxid);
  }

  // ---------- SimNetwork: election ----------

  private sendElection(from: number, to: number, notification: Notification): void {
    const bytes = encodeNotification(notification);
    if (from === to) {
      this.queue.after(0, () => this.deliverElection(to, bytes));
      return;
    }
    if (this.prng.chance(this.faults.electionDrop)) return;
    const copies = this.prng.chance(this.faults.electionDuplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      this.queue.after(this.delay(), () => {
        if (this.reachable(from, to)) this.deliverElection(to, bytes);
      });
    }
  }

  private deliverElection(to: number, bytes: Uint8Array): void {
    const node = this.nodes.get(to)!;
    this.drive(node, (peer) => peer.electionNotification(decodeNotification(bytes), this.nowMs));
  }

  // ---------- SimNetwork: quorum links ----------

  private connect(learner: number, leader: number): void {
    for (const connection of this.connections.values()) {
      if (connection.open && connection.learner === learner && connection.leader === leader)
        this.breakConnection(connection, learner);
    }
    const incarnation = this.nodes.get(learner)!.incarnation;
    this.queue.after(this.delay() * 2, () => {
      const node = this.nodes.get(learner)!;
      if (node.incarnation !== incarnation || !node.peer) return;
      if (!this.alive(leader) || !this.reachable(learner, leader)) {
        // Connection refused or timed out: the learner gives up on this leader.
        this.queue.after(this.alive(leader) ? this.options.tickTimeMs : 0.1, () =>
          this.drive(node, (peer) => peer.quorumDisconnected(leader, this.nowMs)),
        );
        return;
      }
      const connection: SimConnection = {
        id: this.nextConnectionId++,
        learner,
        leader,
        open: true,
        toLeader: { queue: [], pumping: false },
        toLearner: { queue: [], pumping: false },
      };
      this.connections.set(connection.id, connection);
      this.drive(node, (peer) => peer.quorumConnected(leader, this.nowMs));
    });
  }

  private hasNewerConnection(connection: SimConnection): boolean {
    for (const other of this.connections.values()) {
      if (
        other.id > connection.id &&
        other.learner === connection.learner &&
        other.leader === connection.leader
      )
        return true;
    }
    return false;
  }

  private findConnection(a: number, b: number): SimConnection | undefined {
    for (const connection of this.connections.values()) {
      if (!connection.open) continue;
      if (
        (connection.learner === a && connection.leader === b) ||
        (connection.learner === b && connection.leader === a)
      ) {
        return connection;
      }
    }
    return undefined;
  }

  private disconnect(from: number, peer: number): void {
    const connection = this.findConnection(from, peer);
    if (!connection) return;
    connection.open = false;
    // The other side learns of the close after the data already sent (FIN follows the bytes).
    const direction = connection.learner === from ? connection.toLeader : connection.toLearner;
    const target = connection.learner === from ? connection.leader : connection.learner;
    (connection.learner === from ? connection.toLearner : connection.toLeader).queue = [];
    direction.queue.push({ readyAtMs: this.nowMs + this.delay(), packet: 'close' });
    this.pump(connection, direction, target);
  }

  /** The connection dies at `culprit` (crash or reset): in-flight data is lost, the other side sees a close. */
  private breakConnection(connection: SimConnection, culprit: number): void {
    connection.open = false;
    connection.toLeader.queue = [];
    connection.toLearner.queue = [];
    const other = connection.learner === culprit ? connection.leader : connection.learner;
    const direction = connection.learner === culprit ? connection.toLeader : connection.toLearner;
    direction.queue.push({ readyAtMs: this.nowMs + this.delay(), packet: 'close' });
    this.pump(connection, direction, other);
  }

  /** RST: both ends see the connection close; nothing in flight arrives. */
  private resetConnection(connection: SimConnection): void {
    connection.open = false;
    connection.toLeader.queue = [{ readyAtMs: this.nowMs + this.delay(), packet: 'close' }];
    connection.toLearner.queue = [{ readyAtMs: this.nowMs + this.delay(), packet: 'close' }];
    this.pump(connection, connection.toLeader, connection.leader);
    this.pump(connection, connection.toLearner, connection.learner);
  }

  private sendQuorum(from: number, to: number, packet: QuorumPacketRecord): void {
    this.quorumSendHook?.(from, to, packet);
    if (!this.nodes.get(from)!.peer) return; // the hook crashed the sender
    const connection = this.findConnection(from, to);
    if (!connection) return;
    if (this.prng.chance(this.faults.connectionReset)) {
      this.note(`reset connection zk${connection.learner}-zk${connection.leader}`);
      this.resetConnection(connection);
      return;
    }
    const direction = connection.learner === from ? connection.toLeader : connection.toLearner;
    const last = direction.queue.length > 0 ? direction.queue[direction.queue.length - 1].readyAtMs : 0;
    direction.queue.push({
      readyAtMs: Math.max(last, this.nowMs + this.delay()),
      packet: decodePacket(encodePacket(packet)),
    });
    this.pump(connection, direction, to);
  }

  /**
   * Deliver a direction's data in order, holding it while the link is partitioned or the receiver paused.
   * Delivery always happens from the event queue, never inside a send: a socket write returns before the
   * peer reacts, and delivering synchronously would let a peer's reaction overtake the sender's own writes.
   */
  private pump(connection: SimConnection, direction: Direction, to: number): void {
    if (direction.pumping || direction.queue.length === 0) return;
    direction.pumping = true;
    this.queue.schedule(Math.max(this.nowMs, direction.queue[0].readyAtMs), () => {
      direction.pumping = false;
      this.deliverDue(connection, direction, to);
    });
  }

  private deliverDue(connection: SimConnection, direction: Direction, to: number): void {
    const from = to === connection.leader ? connection.learner : connection.leader;
    while (direction.queue.length > 0) {
      const head = direction.queue[0];
      const node = this.nodes.get(to)!;
      if (!this.reachable(from, to) || node.paused) return; // held until heal()/resume() pumps again
      if (head.readyAtMs > this.nowMs) return this.pump(connection, direction, to);
      direction.queue.shift();
      if (head.packet === 'close') {
        // A shell reports the close of a peer's current connection only, not of one it already replaced.
        if (!this.hasNewerConnection(connection))
          this.drive(node, (peer) => peer.quorumDisconnected(from, this.nowMs));
      } else if (connection.open) {
        const packet = head.packet;
        this.drive(node, (peer) => peer.quorumPacket(from, packet, this.nowMs));
      }
    }
  }

  // ---------- clients ----------

  /** Open a client connection to `sid`; returns its id (or null if the server is down). */
  openClient(sid: number, endpoint: ClientEndpoint): number | null {
    const node = this.nodes.get(sid)!;
    if (!node.peer) return null;
    const id = this.nextClientConnectionId++;
    this.clientConnections.set(id, {
      sid,
      incarnation: node.incarnation,
      endpoint,
      lastToServerMs: 0,
      lastToClientMs: 0,
    });
    this.drive(node, (peer) => peer.openConnection(id, `10.0.0.${sid}`, this.nowMs));
    return id;
  }

  private inOrder(lastMs: number): number {
    return Math.max(lastMs, this.nowMs + this.delay());
  }

  sendFromClient(connectionId: number, payload: Uint8Array): void {
    const client = this.clientConnections.get(connectionId);
    if (!client) return;
    client.lastToServerMs = this.inOrder(client.lastToServerMs);
    this.queue.schedule(client.lastToServerMs, () => {
      const node = this.nodes.get(client.sid)!;
      if (!this.clientConnections.has(connectionId) || node.incarnation !== client.incarnation) return;
      if (node.paused) {
        // A paused server buffers the bytes; simplest faithful model: retry after it resumes.
        this.queue.after(this.options.tickTimeMs / 4, () => this.redeliver(connectionId, payload));
        return;
      }
      this.drive(node, (peer) => peer.receive(connectionId, payload, this.nowMs));
    });
  }

  private redeliver(connectionId: number, payload: Uint8Array): void {
    const client = this.clientConnections.get(connectionId);
    if (!client) return;
    const node = this.nodes.get(client.sid)!;
    if (node.paused) {
      this.queue.after(this.options.tickTimeMs / 4, () => this.redeliver(connectionId, payload));
      return;
    }
    this.drive(node, (peer) => peer.receive(connectionId, payload, this.nowMs));
  }

  closeFromClient(connectionId: number): void {
    const client = this.clientConnections.get(connectionId);
    if (!client) return;
    this.clientConnections.delete(connectionId);
    const node = this.nodes.get(client.sid)!;
    this.queue.schedule(this.inOrder(client.lastToServerMs), () => {
      if (node.incarnation === client.incarnation)
        this.drive(node, (peer) => peer.connectionClosed(connectionId, this.nowMs));
    });
  }

  private deliverToClient(connectionId: number, bytes: Uint8Array): void {
    const client = this.clientConnections.get(connectionId);
    if (!client) return;
    client.lastToClientMs = this.inOrder(client.lastToClientMs);
    this.queue.schedule(client.lastToClientMs, () => {
      if (this.clientConnections.get(connectionId) === client) client.endpoint.onFrame(bytes);
    });
  }

  private closeClient(connectionId: number): void {
    const client = this.clientConnections.get(connectionId);
    if (!client) return;
    // The client sees the close after every frame sent before it.
    const closeAt = this.inOrder(client.lastToClientMs);
    this.queue.schedule(closeAt, () => {
      if (this.clientConnections.get(connectionId) === client) this.clientConnections.delete(connectionId);
      client.endpoint.onClosed();
    });
    const node = this.nodes.get(client.sid)!;
    this.queue.schedule(closeAt, () => {
      if (node.incarnation === client.incarnation)
        this.drive(node, (peer) => peer.connectionClosed(connectionId, this.nowMs));
    });
  }

  // ---------- checks ----------

  /** Every server's applied history must be a gap-free prefix of the one canonical history. */
  checkHistories(): void {
    const order = [...this.canonical.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const node of this.nodes.values()) {
      if (!node.peer) continue;
      const expected = order.filter((zxid) => zxid > node.restoredFrom);
      for (let i = 0; i < node.applied.length; i++) {
        if (node.applied[i] !== expected[i]) {
          this.violation(
            `zk${node.sid} history diverges at position ${i}: applied 0x${node.applied[i].toString(16)}, ` +
              `canonical 0x${(expected[i] ?? -1n).toString(16)}`,
          );
          break;
        }
      }
    }
  }

  /** Advance simulated time until `condition` holds; false if `deadlineMs` of simulated time passes first. */
  runUntil(condition: () => boolean, deadlineMs: number, stepMs = 5): boolean {
    const end = this.nowMs + deadlineMs;
    while (this.nowMs < end) {
      if (condition()) return true;
      this.queue.runUntil(Math.min(end, this.nowMs + stepMs));
    }
    return condition();
  }

  /** Every running server is serving, with one leader, all at the same zxid. */
  converged(): boolean {
    const running = [...this.nodes.values()].filter((n) => n.peer && !n.paused);
    if (running.some((n) => !n.peer!.serving)) return false;
    if (this.servingLeaders().length !== 1) return false;
    return new Set(running.map((n) => n.peer!.zk.lastProcessedZxid)).size === 1;
  }

  servingLeaders(): number[] {
    return [...this.nodes.values()]
      .filter((n) => n.peer?.state === 'LEADING' && n.peer.serving)
      .map((n) => n.sid);
  }

  status(): string {
    return [...this.nodes.values()]
      .map((n) =>
        n.peer
          ? `zk${n.sid}:${n.peer.state}${n.peer.serving ? '*' : ''}@0x${n.peer.zk.lastProcessedZxid.toString(16)}${n.paused ? '(paused)' : ''}`
          : `zk${n.sid}:down`,
      )
      .join(' ');
  }
}

function linkKey(a: number, b: number): string {
  return a < b ? `${a}-${b}` : `${b}-${a}`;
}

function digestOf(txn: Txn): string {
  const bytes = encodeTxn({ header: { ...txn.header, time: 0n }, body: txn.body });
  let hash = 2166136261;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619);
  return `${txn.header.type}:${bytes.length}:${(hash >>> 0).toString(16)}`;
}
