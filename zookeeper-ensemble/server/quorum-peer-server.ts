// The ensemble member's shell (QuorumPeerMain): restores the peer from disk, then carries out what the
// pure QuorumPeer decides — election notifications over the election port, Zab packets over the quorum
// port (the leader accepts learners, a learner connects to its leader), txn log appends with group
// commit, TRUNC/SNAP rewrites of the log, acceptedEpoch/currentEpoch files, and the client port.
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Txn } from '../jute/txn.ts';
import { QuorumPeer, type PeerReady } from '../core/quorum/quorum-peer.ts';
import type { PersistAction } from '../core/quorum/peer-context.ts';
import { PacketType, decodeLearnerInfo, decodePacket, encodePacket, epochOf, type QuorumPacketRecord } from '../core/quorum/zab-packets.ts';
import { startAdminServer, type AdminServerHandle } from './admin-server.ts';
import { ClientPort } from './client-port.ts';
import type { ZooKeeperConfig } from './config.ts';
import { FOUR_LETTER_WORDS, isFourLetterWordAllowed } from './config.ts';
import { restore } from './file-txn-snap-log.ts';
import { fourLetterWord, learnerView, voteView, type QuorumView } from './four-letter-words.ts';
import { FrameSocket } from './frame-socket.ts';
import { QuorumCnxManager, type PeerAddress } from './quorum-cnx-manager.ts';
import { serializeSnapshot, writeSnapshotFile } from './snapshot.ts';
import { generateDigest } from './standalone-server.ts';
import { FileTxnLog, fsyncDirectory, listLogFiles, readLogFile } from './txn-log.ts';

export interface QuorumPeerServerOptions {
  config: ZooKeeperConfig;
  myId: number;
  log: Logger;
  now?: () => number;
}

interface QuorumLink {
  frames: FrameSocket;
  /** Closed by us: its close event must not be reported as the peer going away. */
  closedByUs: boolean;
}

const TICK_INTERVAL_MS = 10;

export class QuorumPeerServer {
  readonly config: ZooKeeperConfig;
  readonly log: Logger;
  readonly serverId: number;
  readonly startedAtMs: number;
  peer!: QuorumPeer;
  clientPortNumber = 0;
  adminPortNumber = 0;
  failed = false;
  private readonly now: () => number;
  private txnLog!: FileTxnLog;
  private clientPort!: ClientPort;
  private election!: QuorumCnxManager;
  private quorumServer!: net.Server;
  private readonly links = new Map<number, QuorumLink>();
  private readonly peers = new Map<number, { quorum: PeerAddress; election: PeerAddress }>();
  private adminServer: AdminServerHandle | null = null;
  private tickTimer: NodeJS.Timeout | null = null;
  /** TRUNC and SNAP must wait for in-flight appends; later actions wait behind them. */
  private maintenance: Promise<void> | null = null;
  private deferred: PersistAction[] = [];
  private snapshotThreshold: number;
  private snapshotInProgress = false;
  private stopped = false;

  constructor(options: QuorumPeerServerOptions) {
    this.config = options.config;
    this.serverId = options.myId;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.snapshotThreshold = this.nextSnapshotThreshold();
    for (const server of this.config.servers) {
      this.peers.set(server.sid, {
        quorum: { host: server.host, port: server.quorumPort },
        election: { host: server.host, port: server.electionPort },
      });
    }
    if (!this.peers.has(options.myId)) throw new Error(`myid ${options.myId} has no server.${options.myId} line in ${this.config.file}`);
  }

  get core() {
    return this.peer.zk;
  }

  static async start(options: QuorumPeerServerOptions): Promise<QuorumPeerServer> {
    const server = new QuorumPeerServer(options);
    await server.startAll();
    return server;
  }

  private async startAll(): Promise<void> {
    this.load();
    const own = this.peers.get(this.serverId)!;
    this.election = new QuorumCnxManager(
      new Map([...this.peers].filter(([sid]) => sid !== this.serverId).map(([sid, a]) => [sid, a.election])),
      this.log.child({ component: 'election' }),
      (n) => this.input(() => this.peer.electionNotification(n, this.now())),
    );
    await this.election.listen(own.election);
    this.quorumServer = net.createServer((socket) => this.acceptLearner(socket));
    await new Promise<void>((resolve, reject) => {
      this.quorumServer.once('error', reject);
      this.quorumServer.listen(own.quorum.port, own.quorum.host, () => resolve());
    });
    this.clientPort = new ClientPort(
      {
        host: this.config.clientPortAddress,
        port: this.config.clientPort,
        maxBufferBytes: this.config.juteMaxBufferBytes,
        maxClientCnxns: this.config.maxClientCnxns,
        log: this.log.child({ component: 'client-port' }),
      },
      {
        onOpen: (id, address) => this.input(() => this.peer.openConnection(id, address, this.now())),
        onFrame: (id, payload) => this.input(() => this.peer.receive(id, payload, this.now())),
        onClosed: (id) => this.input(() => this.peer.connectionClosed(id, this.now())),
        isFourLetterWord: (word) => FOUR_LETTER_WORDS.includes(word),
        onFourLetterWord: (word) =>
          isFourLetterWordAllowed(this.config, word)
            ? fourLetterWord(word, this)
            : `${word} is not executed because it is not in the whitelist.\n`,
      },
    );
    this.clientPortNumber = await this.clientPort.listen();
    if (this.config.adminEnableServer) {
      this.adminServer = await startAdminServer(this);
      this.adminPortNumber = this.adminServer.port;
    }
    this.tickTimer = setInterval(() => this.input(() => this.peer.tick(this.now())), TICK_INTERVAL_MS);
    this.input(() => this.peer.start(this.now()));
    this.log.info(
      { myid: this.serverId, clientPort: this.clientPortNumber, quorum: own.quorum, election: own.election },
      'ZooKeeper ensemble member started, looking for a leader',
    );
  }

  private load(): void {
    const { dataDir, dataLogDir } = this.config;
    fs.mkdirSync(dataDir, { recursive: true });
    fs.mkdirSync(dataLogDir, { recursive: true });
    const restored = restore(dataDir, dataLogDir, this.log.child({ component: 'txn-snap-log' }));
    const lastZxid = restored.txns.at(-1)?.header.zxid ?? restored.snapshot?.zxid ?? 0n;
    // As ZooKeeper: a missing epoch file is derived from the last logged zxid.
    const currentEpoch = readEpochFile(dataDir, 'currentEpoch') ?? epochOf(lastZxid);
    const acceptedEpoch = readEpochFile(dataDir, 'acceptedEpoch') ?? currentEpoch;
    this.txnLog = new FileTxnLog(dataLogDir, {
      forceSync: this.config.forceSync,
      onDurable: (zxid) => {
        this.input(() => this.peer.logged(zxid, this.now()));
        this.maybeSnapshot();
      },
      onFatal: (error) => this.fail(error),
    });
    this.peer = new QuorumPeer({
      config: {
        myId: this.serverId,
        voters: this.config.servers.filter((s) => s.role === 'participant').map((s) => s.sid),
        tickTimeMs: this.config.tickTimeMs,
        initLimit: this.config.initLimitTicks,
        syncLimit: this.config.syncLimitTicks,
      },
      server: {
        minSessionTimeoutMs: this.config.minSessionTimeoutMs,
        maxSessionTimeoutMs: this.config.maxSessionTimeoutMs,
        maxBufferBytes: this.config.juteMaxBufferBytes,
        digest: generateDigest,
        nowMs: this.now(),
      },
      restored: { snapshot: restored.snapshot, txns: restored.txns, acceptedEpoch, currentEpoch },
    });
    this.log.info(
      {
        snapshotZxid: restored.snapshot ? `0x${restored.snapshot.zxid.toString(16)}` : null,
        loggedTxns: restored.txns.length,
        lastLoggedZxid: `0x${this.peer.lastLoggedZxid().toString(16)}`,
        currentEpoch: Number(currentEpoch),
        acceptedEpoch: Number(acceptedEpoch),
      },
      'restored database',
    );
  }

  // ---------- driving the peer ----------

  private input(action: () => void): void {
    if (this.stopped || this.failed) return;
    const before = { state: this.peer.state, zab: this.peer.zabState };
    action();
    this.carryOut(this.peer.takeReady());
    if (before.state !== this.peer.state || before.zab !== this.peer.zabState) {
      this.log.info({ state: this.peer.state, zabState: this.peer.zabState, leader: this.peer.leaderId }, 'peer state');
    }
  }

  /**
   * Epoch files are durable before any message (ACKEPOCH and the NEWLEADER ACK depend on them); log appends
   * go after the messages, so a leader's PROPOSALs leave while it logs them itself (Zab allows it: acks
   * that depend on the log wait for logged()).
   */
  private carryOut(ready: PeerReady): void {
    const isEpochFile = (a: PersistAction) => a.type === 'accepted-epoch' || a.type === 'current-epoch';
    for (const action of ready.persist) if (isEpochFile(action)) this.persist(action);
    for (const { to, notification } of ready.electionMessages) this.election.send(to, notification);
    for (const command of ready.quorumCommands) {
      if (command.type === 'connect') this.connectToLeader(command.to);
      else this.closeLink(command.peer);
    }
    for (const { to, packet } of ready.quorumMessages) this.links.get(to)?.frames.send(encodePacket(packet));
    for (const action of ready.persist) if (!isEpochFile(action)) this.persist(action);
    for (const frame of ready.client.frames) this.clientPort.send(frame.connectionId, frame.bytes);
    if (ready.client.frames.length > 0) this.scheduleClientFlush();
    for (const close of ready.client.closes) this.clientPort.close(close.connectionId);
    for (const event of ready.events) this.logEvent(event);
    for (const event of ready.electionEvents) {
      if (event.type === 'leader-elected') {
        this.log.info({ leader: event.leader, electionEpoch: Number(event.electionEpoch), tookMs: event.tookMs, via: event.via }, 'LEADER ELECTION TOOK');
      }
    }
  }

  private clientFlushScheduled = false;

  /** Client replies go out right after the current input (one write per connection). */
  private scheduleClientFlush(): void {
    if (this.clientFlushScheduled) return;
    this.clientFlushScheduled = true;
    process.nextTick(() => {
      this.clientFlushScheduled = false;
      this.clientPort.flush();
    });
  }

  private logEvent(event: PeerReady['events'][number]): void {
    // Proposals and commits happen per write: only pay for them when trace logging is on.
    if ((event.type === 'proposal' || event.type === 'commit') && !this.log.isLevelEnabled('trace')) return;
    const fields = JSON.parse(JSON.stringify(event, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v)));
    if (event.type === 'proposal' || event.type === 'commit') this.log.trace(fields, event.type);
    else if (event.type === 'role-ended' || event.type === 'learner-lost') this.log.warn(fields, event.type);
    else this.log.info(fields, event.type);
  }

  // ---------- quorum port ----------

  private acceptLearner(socket: net.Socket): void {
    let sid: number | null = null;
    let link: QuorumLink | null = null;
    const frames = new FrameSocket(
      socket,
      this.config.juteMaxBufferBytes * 4,
      (payload) => {
        let p: QuorumPacketRecord;
        try {
          p = decodePacket(payload);
        } catch (error) {
          this.log.warn({ err: error }, 'bad quorum packet from a learner, closing');
          socket.destroy();
          return;
        }
        if (sid === null) {
          if (p.type !== PacketType.FOLLOWERINFO) {
            socket.destroy();
            return;
          }
          try {
            sid = decodeLearnerInfo(p.data).serverId;
          } catch {
            socket.destroy();
            return;
          }
          const previous = this.links.get(sid);
          if (previous) {
            previous.closedByUs = true;
            previous.frames.close();
          }
          link = { frames, closedByUs: false };
          this.links.set(sid, link);
        }
        const from = sid;
        this.input(() => this.peer.quorumPacket(from, p, this.now()));
      },
      (length) => this.log.warn({ length }, 'quorum frame length out of range'),
    );
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      if (sid === null || !link || this.links.get(sid) !== link) return;
      this.links.delete(sid);
      if (!link.closedByUs) {
        const from = sid;
        this.input(() => this.peer.quorumDisconnected(from, this.now()));
      }
    });
  }

  private connectToLeader(leader: number): void {
    this.closeLink(leader);
    const address = this.peers.get(leader)?.quorum;
    if (!address) return;
    const socket = net.connect({ host: address.host, port: address.port });
    const link: QuorumLink = {
      frames: new FrameSocket(
        socket,
        this.config.juteMaxBufferBytes * 64,
        (payload) => {
          let p: QuorumPacketRecord;
          try {
            p = decodePacket(payload);
          } catch (error) {
            this.log.warn({ err: error }, 'bad quorum packet from the leader, closing');
            socket.destroy();
            return;
          }
          this.input(() => this.peer.quorumPacket(leader, p, this.now()));
        },
        (length) => this.log.warn({ length }, 'quorum frame length out of range'),
      ),
      closedByUs: false,
    };
    this.links.set(leader, link);
    socket.on('connect', () => this.input(() => this.peer.quorumConnected(leader, this.now())));
    socket.on('error', (error) => this.log.debug({ leader, err: error }, 'quorum connection error'));
    socket.on('close', () => {
      if (this.links.get(leader) !== link) return;
      this.links.delete(leader);
      if (!link.closedByUs) this.input(() => this.peer.quorumDisconnected(leader, this.now()));
    });
  }

  private closeLink(peer: number): void {
    const link = this.links.get(peer);
    if (!link) return;
    link.closedByUs = true;
    this.links.delete(peer);
    link.frames.close();
  }

  // ---------- persistence ----------

  private persist(action: PersistAction): void {
    if (this.maintenance) {
      this.deferred.push(action);
      return;
    }
    switch (action.type) {
      case 'accepted-epoch':
        return writeEpochFile(this.config.dataDir, 'acceptedEpoch', action.epoch);
      case 'current-epoch':
        return writeEpochFile(this.config.dataDir, 'currentEpoch', action.epoch);
      case 'append':
        return this.txnLog.append(action.txns);
      case 'truncate':
      case 'install-snapshot':
        return this.startMaintenance(action);
    }
  }

  /** Rewrite the log only once in-flight appends are durable; actions after it wait their turn. */
  private startMaintenance(action: Extract<PersistAction, { type: 'truncate' | 'install-snapshot' }>): void {
    this.maintenance = (async () => {
      await this.txnLog.idle();
      if (action.type === 'truncate') {
        truncateLogsAfter(this.config.dataLogDir, action.zxid);
        this.log.info({ zxid: `0x${action.zxid.toString(16)}` }, 'truncated transaction log (TRUNC)');
      } else {
        await writeSnapshotFile(this.config.dataDir, action.zxid, action.bytes);
        for (const { file } of listLogFiles(this.config.dataLogDir)) fs.rmSync(file, { force: true });
        this.log.info({ zxid: `0x${action.zxid.toString(16)}` }, 'installed snapshot from the leader (SNAP)');
      }
      this.txnLog.rollLog();
      // The follower may ACK (NEWLEADER) only once the rewritten log is durable.
      this.input(() => this.peer.logged(action.zxid, this.now()));
    })();
    this.maintenance.then(
      () => {
        this.maintenance = null;
        const deferred = this.deferred;
        this.deferred = [];
        for (const next of deferred) this.persist(next);
      },
      (error: unknown) => this.fail(error as Error),
    );
  }

  private nextSnapshotThreshold(): number {
    const half = Math.max(1, Math.floor(this.config.snapCount / 2));
    return half + Math.floor(Math.random() * half);
  }

  private maybeSnapshot(): void {
    if (this.snapshotInProgress || this.maintenance || this.txnLog.txnsSinceRoll < this.snapshotThreshold) return;
    this.snapshotThreshold = this.nextSnapshotThreshold();
    this.snapshotInProgress = true;
    const zxid = this.peer.zk.lastProcessedZxid;
    const bytes = serializeSnapshot(this.peer.zk.tree.walk(), this.peer.zk.sessionsWithTimeouts());
    this.txnLog.rollLog();
    writeSnapshotFile(this.config.dataDir, zxid, bytes)
      .then((file) => this.log.info({ file, zxid: `0x${zxid.toString(16)}` }, 'snapshot written'))
      .catch((error: unknown) => this.log.error({ err: error }, 'snapshot failed'))
      .finally(() => (this.snapshotInProgress = false));
  }

  private fail(error: Error): void {
    this.log.fatal({ err: error }, 'persistence failed: refusing to serve without durability');
    this.failed = true;
    void this.stop();
  }

  // ---------- what the four-letter words and the AdminServer read ----------

  serverState(): string {
    if (this.peer.state === 'LEADING' && this.peer.serving) return 'leader';
    if (this.peer.state === 'FOLLOWING' && this.peer.serving) return 'follower';
    return 'looking';
  }

  quorumView(): QuorumView {
    const peer = this.peer;
    const now = this.now();
    return {
      myid: this.serverId,
      state: peer.state,
      zabState: peer.zabState,
      currentEpoch: Number(peer.currentEpoch),
      acceptedEpoch: Number(peer.acceptedEpoch),
      lastLoggedZxid: `0x${peer.lastLoggedZxid().toString(16)}`,
      lastProcessedZxid: `0x${peer.zk.lastProcessedZxid.toString(16)}`,
      leader: peer.leaderId,
      peers: this.config.servers.map((s) => ({
        sid: s.sid,
        host: s.host,
        quorumPort: s.quorumPort,
        electionPort: s.electionPort,
        clientPort: s.clientPort ?? null,
      })),
      learners: [...(peer.leader?.learners.values() ?? [])].map((l) => learnerView(l, now)),
      vote: voteView(peer.election.currentVote),
    };
  }

  describeConnection(connectionId: number): ReturnType<ClientPort['describe']> {
    return this.clientPort.describe(connectionId);
  }

  get connectionCount(): number {
    return this.clientPort.connectionCount;
  }

  get txnLogStats(): { syncCount: number; lastSyncMs: number; file: string | null } {
    return { syncCount: this.txnLog.syncCount, lastSyncMs: this.txnLog.lastSyncMs, file: this.txnLog.file };
  }

  monitorValues(): [string, number | string][] {
    const leader = this.peer.leader;
    if (!leader) return [];
    const followers = [...leader.learners.values()];
    return [
      ['followers', followers.length],
      ['synced_followers', leader.followers.length],
      ['pending_syncs', 0],
    ];
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    if (this.tickTimer) clearInterval(this.tickTimer);
    for (const peer of [...this.links.keys()]) this.closeLink(peer);
    await Promise.allSettled([
      this.clientPort?.stop(),
      this.election?.stop(),
      new Promise<void>((resolve) => (this.quorumServer ? this.quorumServer.close(() => resolve()) : resolve())),
      this.adminServer?.close(),
    ]);
    await this.txnLog.close();
    this.log.info('ZooKeeper ensemble member stopped');
  }
}

function readEpochFile(dataDir: string, name: string): bigint | null {
  const file = path.join(dataDir, name);
  if (!fs.existsSync(file)) return null;
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!/^\d+$/.test(text)) throw new Error(`${file}: not an epoch number: ${JSON.stringify(text)}`);
  return BigInt(text);
}

/** Atomic (temp file, fsync, rename, fsync dir): an epoch file is never half written. */
function writeEpochFile(dataDir: string, name: string, epoch: bigint): void {
  const file = path.join(dataDir, name);
  const temp = `${file}.tmp`;
  const fd = fs.openSync(temp, 'w');
  try {
    fs.writeSync(fd, epoch.toString());
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temp, file);
  fsyncDirectory(dataDir);
}

/** Drop every logged txn after `zxid`: later files go, the file holding `zxid` is cut after it. */
export function truncateLogsAfter(dataLogDir: string, zxid: bigint): void {
  for (const { file, zxid: start } of listLogFiles(dataLogDir)) {
    if (start > zxid) {
      fs.rmSync(file, { force: true });
      continue;
    }
    const { txns, offsets } = readLogFileWithOffsets(file);
    const keep = txns.findIndex((txn) => txn.header.zxid > zxid);
    if (keep >= 0) fs.truncateSync(file, offsets[keep]);
  }
}

function readLogFileWithOffsets(file: string): { txns: Txn[]; offsets: number[] } {
  const result = readLogFile(file);
  return { txns: result.txns, offsets: result.entryOffsets };
}
