// The standalone server shell (ZooKeeperServerMain): restores the core from disk, then drives it —
// frames in from the client port, txns out to the group-committed log, replies out once durable, session
// expiry on a timer, snapshots every ~snapCount txns, autopurge. All decisions live in the core.
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Logger } from 'pino';
import { ZooKeeperServer } from '../core/zookeeper-server.ts';
import { startAdminServer, type AdminServerHandle } from './admin-server.ts';
import { ClientPort } from './client-port.ts';
import type { ZooKeeperConfig } from './config.ts';
import { isFourLetterWordAllowed, FOUR_LETTER_WORDS } from './config.ts';
import { purge, restore } from './file-txn-snap-log.ts';
import { fourLetterWord } from './four-letter-words.ts';
import { serializeSnapshot, writeSnapshotFile } from './snapshot.ts';
import { FileTxnLog } from './txn-log.ts';

/** DigestAuthenticationProvider.generateDigest: "user:password" → "user:base64(sha1(user:password))". */
export function generateDigest(userPassword: string): string {
  const colon = userPassword.indexOf(':');
  const user = colon === -1 ? userPassword : userPassword.slice(0, colon);
  return `${user}:${crypto.createHash('sha1').update(userPassword).digest('base64')}`;
}

export interface FourLetterWordProvider {
  (word: string, server: StandaloneServer): Promise<string> | string;
}

export interface StandaloneServerOptions {
  config: ZooKeeperConfig;
  log: Logger;
  /** Answers four-letter words; defaults to the full set of four-letter-words.ts. */
  fourLetterWords?: FourLetterWordProvider;
  now?: () => number;
}

export class StandaloneServer {
  readonly config: ZooKeeperConfig;
  readonly log: Logger;
  readonly core: ZooKeeperServer;
  readonly startedAtMs: number;
  private readonly now: () => number;
  private readonly txnLog: FileTxnLog;
  private readonly clientPort: ClientPort;
  private readonly fourLetterWords: FourLetterWordProvider;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushScheduled = false;
  private snapshotInProgress = false;
  /** The background snapshot being written, if any: stop() waits for it. */
  private backgroundSnapshot: Promise<unknown> | null = null;
  private snapshotThreshold: number;
  private stopped = false;
  clientPortNumber = 0;
  /** Bound AdminServer port; 0 when admin.enableServer=false. */
  adminPortNumber = 0;
  private adminServer: AdminServerHandle | null = null;
  /** Becomes true if the log failed: the server stops answering rather than lie about durability. */
  failed = false;

  private constructor(options: StandaloneServerOptions) {
    this.config = options.config;
    this.log = options.log;
    this.now = options.now ?? Date.now;
    this.startedAtMs = this.now();
    this.fourLetterWords = options.fourLetterWords ?? fourLetterWord;
    this.snapshotThreshold = this.nextSnapshotThreshold();
    this.core = new ZooKeeperServer({
      // ZooKeeperServer.createSessionTrackerServerId: standalone session ids carry server id 1.
      serverId: 1,
      tickTimeMs: this.config.tickTimeMs,
      minSessionTimeoutMs: this.config.minSessionTimeoutMs,
      maxSessionTimeoutMs: this.config.maxSessionTimeoutMs,
      maxBufferBytes: this.config.juteMaxBufferBytes,
      digest: generateDigest,
      nowMs: this.startedAtMs,
    });
    this.txnLog = new FileTxnLog(this.config.dataLogDir, {
      forceSync: this.config.forceSync,
      onDurable: (zxid) => {
        this.core.committed(zxid, this.now());
        this.maybeSnapshot();
        this.scheduleFlush();
      },
      onFatal: (error) => this.fail(error),
    });
    const portLog = this.log.child({ component: 'client-port' });
    this.clientPort = new ClientPort(
      {
        host: this.config.clientPortAddress,
        port: this.config.clientPort,
        maxBufferBytes: this.config.juteMaxBufferBytes,
        maxClientCnxns: this.config.maxClientCnxns,
        log: portLog,
      },
      {
        onOpen: (id, address) => this.input(() => this.core.openConnection(id, address, this.now())),
        onFrame: (id, payload) => this.input(() => this.core.receive(id, payload, this.now())),
        onClosed: (id) => this.input(() => this.core.connectionClosed(id, this.now())),
        isFourLetterWord: (word) => FOUR_LETTER_WORDS.includes(word),
        onFourLetterWord: (word) =>
          isFourLetterWordAllowed(this.config, word)
            ? this.fourLetterWords(word, this)
            : `${word} is not executed because it is not in the whitelist.\n`,
      },
    );
  }

  static async start(options: StandaloneServerOptions): Promise<StandaloneServer> {
    const server = new StandaloneServer(options);
    await server.load();
    server.clientPortNumber = await server.clientPort.listen();
    if (server.config.adminEnableServer) {
      try {
        server.adminServer = await startAdminServer(server);
      } catch (error) {
        // As ZooKeeper: a server whose AdminServer cannot start does not run at all.
        server.log.error({ err: error }, 'Unable to start AdminServer, exiting abnormally');
        await server.stop();
        throw error;
      }
      server.adminPortNumber = server.adminServer.port;
    }
    server.startTimers();
    server.log.info(
      { clientPort: server.clientPortNumber, zxid: `0x${server.core.lastProcessedZxid.toString(16)}` },
      'ZooKeeper server serving (standalone)',
    );
    return server;
  }

  private async load(): Promise<void> {
    const { config } = this;
    fs.mkdirSync(config.dataDir, { recursive: true });
    fs.mkdirSync(config.dataLogDir, { recursive: true });
    const restored = restore(config.dataDir, config.dataLogDir, this.log.child({ component: 'txn-snap-log' }));
    if (restored.snapshot) {
      const { nodes, sessions, zxid } = restored.snapshot;
      this.core.restoreSnapshot(nodes, sessions, zxid);
    }
    for (const txn of restored.txns) this.core.replayTxn(txn);
    this.log.info(
      {
        snapshotZxid: restored.snapshot ? `0x${restored.snapshot.zxid.toString(16)}` : null,
        replayedTxns: restored.txns.length,
        lastZxid: `0x${this.core.lastProcessedZxid.toString(16)}`,
        sessions: this.core.sessions.size,
      },
      'restored database',
    );
    // As ZooKeeper does on load: a fresh snapshot, so restart cost stays bounded.
    await this.takeSnapshot();
  }

  private startTimers(): void {
    const tickMs = Math.max(10, Math.min(this.config.tickTimeMs / 4, 250));
    this.timers.push(setInterval(() => this.input(() => this.core.tick(this.now())), tickMs));
    if (this.config.autopurgePurgeIntervalHours > 0) {
      this.timers.push(setInterval(() => this.runPurge(), this.config.autopurgePurgeIntervalHours * 3_600_000));
    }
    for (const timer of this.timers) timer.unref();
  }

  runPurge(): string[] {
    const deleted = purge(this.config.dataDir, this.config.dataLogDir, this.config.autopurgeSnapRetainCount);
    if (deleted.length > 0) this.log.info({ deleted }, 'autopurge removed old snapshots and logs');
    return deleted;
  }

  /** Feed the core, then carry out what it decided once this turn of the event loop is done. */
  private input(action: () => void): void {
    if (this.stopped || this.failed) return;
    action();
    this.scheduleFlush();
  }

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(() => {
      this.flushScheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    if (this.failed) return;
    const ready = this.core.takeReady();
    for (const frame of ready.frames) this.clientPort.send(frame.connectionId, frame.bytes);
    this.clientPort.flush();
    for (const close of ready.closes) {
      this.log.debug({ connectionId: close.connectionId, reason: close.reason }, 'closing client connection');
      this.clientPort.close(close.connectionId);
    }
    if (ready.txns.length > 0) this.txnLog.append(ready.txns);
    for (const event of ready.events) this.logEvent(event);
  }

  private logEvent(event: ReturnType<ZooKeeperServer['takeReady']>['events'][number]): void {
    const session = 'sessionId' in event ? { sessionId: `0x${event.sessionId.toString(16)}` } : {};
    const zxid = 'zxid' in event ? { zxid: `0x${event.zxid.toString(16)}` } : {};
    if (event.type === 'session-closed' && event.reason === 'expired') this.log.info({ ...session, ...zxid }, 'session expired');
    else this.log.debug({ ...event, ...session, ...zxid }, event.type);
  }

  private nextSnapshotThreshold(): number {
    // ZooKeeper randomises the point between snapCount/2 and snapCount so servers do not snapshot together.
    const half = Math.max(1, Math.floor(this.config.snapCount / 2));
    return half + Math.floor(Math.random() * half);
  }

  private maybeSnapshot(): void {
    if (this.snapshotInProgress || this.txnLog.txnsSinceRoll < this.snapshotThreshold) return;
    this.snapshotThreshold = this.nextSnapshotThreshold();
    this.backgroundSnapshot = this.takeSnapshot().catch((error: unknown) =>
      this.log.error({ err: error }, 'snapshot failed'),
    );
  }

  async takeSnapshot(): Promise<string> {
    this.snapshotInProgress = true;
    try {
      const zxid = this.core.lastProcessedZxid;
      const bytes = serializeSnapshot(this.core.tree.walk(), this.core.sessionsWithTimeouts());
      this.txnLog.rollLog();
      const file = await writeSnapshotFile(this.config.dataDir, zxid, bytes);
      this.log.info({ file, zxid: `0x${zxid.toString(16)}`, bytes: bytes.length }, 'snapshot written');
      return file;
    } finally {
      this.snapshotInProgress = false;
    }
  }

  private fail(error: Error): void {
    this.log.fatal({ err: error }, 'transaction log failed: refusing to serve without durability');
    this.failed = true;
    void this.clientPort.stop();
  }

  get txnLogStats(): { syncCount: number; lastSyncMs: number; file: string | null } {
    return { syncCount: this.txnLog.syncCount, lastSyncMs: this.txnLog.lastSyncMs, file: this.txnLog.file };
  }

  /** Remote port of a client connection and whether it is answering a four-letter word (cons, stat, dump). */
  describeConnection(connectionId: number): ReturnType<ClientPort['describe']> {
    return this.clientPort.describe(connectionId);
  }

  get connectionCount(): number {
    return this.clientPort.connectionCount;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearInterval(timer);
    await this.adminServer?.close();
    await this.clientPort.stop();
    // A snapshot still being written would race the next start's snapshot of the same zxid (same temp file).
    await this.backgroundSnapshot;
    await this.txnLog.close();
    this.log.info('ZooKeeper server stopped');
  }
}
