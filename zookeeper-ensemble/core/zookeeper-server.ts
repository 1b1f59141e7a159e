// ZooKeeperServer core (pure): client connections and sessions, request ordering, prep → commit → apply →
// reply. It never touches sockets, files or clocks: the shell feeds it frames, time and "these zxids are
// durable" and carries out the Ready it returns (log these txns, send these frames, close these
// connections). Standalone it is its own quorum; in an ensemble the same core runs on the leader (prep)
// and everywhere (apply, reads).
import { JuteDecodeError, JuteReader, JuteWriter } from '../jute/binary.ts';
import {
  EventType,
  KeeperErrorCode,
  KeeperState,
  OpCode,
  Perms,
  WatcherType,
  Xid,
} from '../jute/constants.ts';
import * as R from '../jute/schema.ts';
import type { IdRecord, StatRecord } from '../jute/schema.ts';
import type { Txn, TxnBody } from '../jute/txn.ts';
import { checkACL, redactDigests } from './acl/acl.ts';
import { PrepRequestProcessor, type PrepContext, type WriteOp } from './processor/prep-request-processor.ts';
import { generatePasswd, passwordMatches } from './session/password.ts';
import { SessionTracker } from './session/session-tracker.ts';
import { DataTree, type DataNode, type ProcessTxnResult } from './tree/data-tree.ts';
import { javaIdSetOrder } from './tree/java-hash-order.ts';
import { WatcherMode } from './watch/watch-manager.ts';

export type ConnectionId = number;

export interface ZooKeeperServerOptions {
  /** myid; 0 standalone. Goes into the top byte of session ids. */
  serverId: number;
  tickTimeMs: number;
  minSessionTimeoutMs: number;
  maxSessionTimeoutMs: number;
  /** jute.maxbuffer: largest string/buffer a request may carry. */
  maxBufferBytes: number;
  extendedTypesEnabled?: boolean;
  /** DigestAuthenticationProvider: "user:password" → "user:base64(sha1)"; injected so the core stays pure. */
  digest: (userPassword: string) => string;
  nowMs: number;
  mode?: ServingMode;
  /** Observer of every applied transaction (simulation checkers, dashboards); must not throw. */
  onApplied?: (txn: Txn) => void;
}

/**
 * How this server handles writes: standalone and leader prepare them (zxid, checks) themselves; a follower
 * forwards them to its leader; a stopped server (no quorum) serves no client at all.
 */
export type ServingMode = 'standalone' | 'leader' | 'follower' | 'stopped';

/** A client request a follower hands to its leader (Zab REQUEST), or a sync to be confirmed by a quorum. */
export interface ForwardedRequest {
  sessionId: bigint;
  cxid: number;
  type: number;
  /** The request body after its RequestHeader (for createSession: the negotiated timeout as an int). */
  payload: Uint8Array;
  authInfo: IdRecord[];
}

export type ServerJournalEvent =
  | { type: 'session-created'; sessionId: bigint; timeoutMs: number; zxid: bigint }
  | { type: 'session-closed'; sessionId: bigint; zxid: bigint; reason: 'client' | 'expired' }
  | { type: 'connection-refused'; connectionId: ConnectionId; reason: string };

export interface Ready {
  /** Complete length-prefixed frames, per connection in order. */
  frames: { connectionId: ConnectionId; bytes: Uint8Array }[];
  /** Connections to close after their frames are flushed. */
  closes: { connectionId: ConnectionId; reason: string }[];
  /** Transactions prepared here (standalone/leader): make durable (and propose), then report with committed(). */
  txns: Txn[];
  /** Requests for the leader (follower writes and syncs; the leader's own syncs too). */
  forwards: ForwardedRequest[];
  /** Sessions a client wants to re-attach to here: the leader must confirm they are alive (REVALIDATE). */
  revalidations: { sessionId: bigint; timeoutMs: number }[];
  events: ServerJournalEvent[];
}

export interface ConnectionStats {
  connectionId: ConnectionId;
  remoteAddress: string;
  sessionId: bigint;
  sessionTimeoutMs: number;
  establishedMs: number;
  packetsReceived: number;
  packetsSent: number;
  outstandingRequests: number;
  lastOp: string;
  lastCxid: number;
  lastZxid: bigint;
  lastResponseMs: number;
  /** Latency of the last answered request (cons: llat). */
  lastLatencyMs: number;
  minLatencyMs: number;
  maxLatencyMs: number;
  totalLatencyMs: number;
  latencyCount: number;
}

interface QueueEntry {
  /** Waits for this zxid to be applied; null for entries that are ready at once. */
  zxid: bigint | null;
  /** Produces the reply frames once it is its turn (and, for writes, its txn has been applied). */
  respond: ((result: ProcessTxnResult | null) => void) | null;
  result: ProcessTxnResult | null;
  done: boolean;
  startedMs: number;
}

interface Connection {
  id: ConnectionId;
  remoteAddress: string;
  state: 'handshake' | 'connecting' | 'open' | 'closing';
  sessionId: bigint;
  sessionTimeoutMs: number;
  authInfo: IdRecord[];
  sendsReadOnlyFlag: boolean;
  queue: QueueEntry[];
  stats: ConnectionStats;
}

interface Waiting {
  entry: QueueEntry;
  connectionId: ConnectionId;
}

function requestKey(sessionId: bigint, cxid: number): string {
  return `${sessionId}:${cxid}`;
}

function emptyReady(): Ready {
  return { frames: [], closes: [], txns: [], forwards: [], revalidations: [], events: [] };
}

/** Op codes a client may send; anything else is answered UNIMPLEMENTED. */
const WRITE_OPS = new Set<number>([
  OpCode.create,
  OpCode.create2,
  OpCode.createContainer,
  OpCode.createTTL,
  OpCode.delete,
  OpCode.setData,
  OpCode.setACL,
  OpCode.check,
  OpCode.multi,
]);

export class ZooKeeperServer {
  tree = new DataTree();
  readonly sessions: SessionTracker;
  private prep: PrepRequestProcessor;
  private readonly options: ZooKeeperServerOptions;
  private readonly connections = new Map<ConnectionId, Connection>();
  private readonly connectionBySession = new Map<bigint, ConnectionId>();
  /** Prepared here, not yet committed, in zxid order (standalone/leader). */
  private readonly proposed: Txn[] = [];
  /**
   * Client requests waiting for their txn (or sync) to complete, by session id and cxid; a list, because
   * nothing stops a client from reusing an xid while an earlier request with it is in flight.
   */
  private readonly waiting = new Map<string, Waiting[]>();
  /** Re-attaching connections waiting for the leader's REVALIDATE answer. */
  private readonly revalidating = new Map<bigint, { entry: QueueEntry; valid: { value: boolean } }>();
  /** Sessions touched since the last report to the leader (followers). */
  private touched = new Map<bigint, number>();
  mode: ServingMode;
  /** Highest zxid handed out (ZooKeeper's hzxid). */
  private hzxid = 0n;
  private ready: Ready = emptyReady();
  private nowMs: number;
  readonly stats = {
    packetsReceived: 0,
    packetsSent: 0,
    minLatencyMs: Number.MAX_SAFE_INTEGER,
    maxLatencyMs: 0,
    totalLatencyMs: 0,
    latencyCount: 0,
    startedMs: 0,
    /** Bytes of the last/smallest/largest reply after its length prefix; -1 until one is sent (ServerStats). */
    lastClientResponseSize: -1,
    minClientResponseSize: -1,
    maxClientResponseSize: -1,
    authFailedCount: 0,
  };

  constructor(options: ZooKeeperServerOptions) {
    this.options = options;
    this.mode = options.mode ?? 'standalone';
    this.nowMs = options.nowMs;
    this.stats.startedMs = options.nowMs;
    this.sessions = new SessionTracker(options.serverId, options.tickTimeMs, options.nowMs);
    this.prep = new PrepRequestProcessor(this.tree, {
      extendedTypesEnabled: options.extendedTypesEnabled ?? false,
      maxTtlMs: 0xffffffffffn,
    });
  }

  takeReady(): Ready {
    const ready = this.ready;
    this.ready = emptyReady();
    return ready;
  }

  get lastProcessedZxid(): bigint {
    return this.tree.lastProcessedZxid;
  }

  get outstandingRequests(): number {
    let total = 0;
    for (const connection of this.connections.values()) total += connection.queue.length;
    return total;
  }

  get pendingTxnCount(): number {
    return this.proposed.length;
  }

  connectionStats(): ConnectionStats[] {
    return [...this.connections.values()].map((c) => ({ ...c.stats, outstandingRequests: c.queue.length }));
  }

  connectionCount(): number {
    return this.connections.size;
  }

  /** srst: ZooKeeper's ServerStats.reset() — latency, packet counters and reply sizes (not auth failures). */
  resetStats(): void {
    const s = this.stats;
    s.packetsReceived = 0;
    s.packetsSent = 0;
    s.minLatencyMs = Number.MAX_SAFE_INTEGER;
    s.maxLatencyMs = 0;
    s.totalLatencyMs = 0;
    s.latencyCount = 0;
    s.lastClientResponseSize = -1;
    s.minClientResponseSize = -1;
    s.maxClientResponseSize = -1;
  }

  /** crst: ServerCnxn.resetStats() on every connection (the established time and session stay). */
  resetConnectionStats(): void {
    for (const { stats } of this.connections.values()) {
      stats.packetsReceived = 0;
      stats.packetsSent = 0;
      stats.lastOp = 'NA';
      stats.lastCxid = -1;
      stats.lastZxid = -1n;
      stats.lastResponseMs = 0;
      stats.lastLatencyMs = 0;
      stats.minLatencyMs = Number.MAX_SAFE_INTEGER;
      stats.maxLatencyMs = 0;
      stats.totalLatencyMs = 0;
      stats.latencyCount = 0;
    }
  }

  // ---------- recovery ----------

  /** Restore from a snapshot: nodes (parents first), sessions, and the zxid the snapshot covers. */
  restoreSnapshot(
    nodes: Iterable<[string, DataNode]>,
    sessions: Iterable<[bigint, number]>,
    zxid: bigint,
  ): void {
    for (const [path, node] of nodes) this.tree.restoreNode(path, node);
    for (const [sessionId, timeoutMs] of sessions) this.sessions.addSession(sessionId, timeoutMs, this.nowMs);
    this.tree.lastProcessedZxid = zxid;
    this.hzxid = zxid;
  }

  /** Replace the whole database with a snapshot (a follower synced by SNAP). */
  resetFromSnapshot(
    nodes: Iterable<[string, DataNode]>,
    sessions: Iterable<[bigint, number]>,
    zxid: bigint,
  ): void {
    this.tree = new DataTree();
    this.prep = new PrepRequestProcessor(this.tree, {
      extendedTypesEnabled: this.options.extendedTypesEnabled ?? false,
      maxTtlMs: 0xffffffffffn,
    });
    this.sessions.clear();
    this.restoreSnapshot(nodes, sessions, zxid);
  }

  /** Re-apply a logged transaction during startup (no clients, no replies). */
  replayTxn(txn: Txn): void {
    if (txn.header.zxid <= this.tree.lastProcessedZxid) return;
    this.applySessionEffects(txn);
    this.tree.processTxn(txn.header, txn.body);
    this.tree.drainEvents();
    // As FileTxnSnapLog.processTransaction: a replayed closeSession ends the session.
    if (txn.body.type === OpCode.closeSession) this.sessions.removeSession(txn.header.clientId);
    if (txn.header.zxid > this.hzxid) this.hzxid = txn.header.zxid;
  }

  /** Sessions as a snapshot stores them. */
  sessionsWithTimeouts(): [bigint, number][] {
    return this.sessions.all().map((s) => [s.sessionId, s.timeoutMs]);
  }

  // ---------- connections ----------

  openConnection(connectionId: ConnectionId, remoteAddress: string, nowMs: number): void {
    this.nowMs = nowMs;
    this.connections.set(connectionId, {
      id: connectionId,
      remoteAddress,
      state: 'handshake',
      sessionId: 0n,
      sessionTimeoutMs: 0,
      authInfo: [{ scheme: 'ip', id: remoteAddress.replace(/^::ffff:/, '') }],
      sendsReadOnlyFlag: true,
      queue: [],
      stats: {
        connectionId,
        remoteAddress,
        sessionId: 0n,
        sessionTimeoutMs: 0,
        establishedMs: nowMs,
        packetsReceived: 0,
        packetsSent: 0,
        outstandingRequests: 0,
        lastOp: 'NA',
        lastCxid: -1,
        lastZxid: -1n,
        lastResponseMs: 0,
        lastLatencyMs: 0,
        minLatencyMs: Number.MAX_SAFE_INTEGER,
        maxLatencyMs: 0,
        totalLatencyMs: 0,
        latencyCount: 0,
      },
    });
  }

  /** The socket is gone: its watches go too; its session lives on until it expires or is re-attached. */
  connectionClosed(connectionId: ConnectionId, nowMs: number): void {
    this.nowMs = nowMs;
    const connection = this.connections.get(connectionId);
    if (!connection) return;
    this.connections.delete(connectionId);
    this.tree.removeWatcher(connectionId);
    if (this.connectionBySession.get(connection.sessionId) === connectionId) {
      this.connectionBySession.delete(connection.sessionId);
    }
    for (const [key, list] of this.waiting) {
      const kept = list.filter((waiting) => waiting.connectionId !== connectionId);
      if (kept.length === 0) this.waiting.delete(key);
      else this.waiting.set(key, kept);
    }
  }

  /** One frame (without its length prefix) from a client. */
  receive(connectionId: ConnectionId, payload: Uint8Array, nowMs: number): void {
    this.nowMs = nowMs;
    const connection = this.connections.get(connectionId);
    if (!connection || connection.state === 'closing') return;
    // A frame over jute.maxbuffer closes the connection unanswered (ZooKeeper checks the frame length
    // before reading it; the client port does too, this keeps the core safe on its own).
    if (payload.length > this.options.maxBufferBytes) {
      this.close(connection, `frame of ${payload.length} bytes exceeds jute.maxbuffer`);
      return;
    }
    this.stats.packetsReceived++;
    connection.stats.packetsReceived++;
    try {
      if (connection.state === 'handshake') this.handleConnect(connection, payload);
      else this.handleRequest(connection, payload);
    } catch (error) {
      if (!(error instanceof JuteDecodeError)) throw error;
      this.close(connection, `malformed request: ${error.message}`);
    }
  }

  /** Expire sessions whose timeout passed. */
  tick(nowMs: number): void {
    this.nowMs = nowMs;
    // Only the server that prepares transactions decides expiry; followers report touches instead.
    if (this.mode !== 'standalone' && this.mode !== 'leader') return;
    for (const session of this.sessions.expire(nowMs)) {
      this.submitTxn(session.sessionId, 0, OpCode.closeSession, null, null, [], (ctx) =>
        this.prep.prepCloseSession(ctx),
      );
    }
  }

  /** Transactions prepared here, up to `zxid`, are durable (standalone) or quorum-committed (leader): apply. */
  committed(zxid: bigint, nowMs: number): void {
    this.nowMs = nowMs;
    while (this.proposed.length > 0 && this.proposed[0].header.zxid <= zxid)
      this.applyTxn(this.proposed.shift()!);
  }

  /**
   * Change role. Leaving a serving role disconnects every client (ZooKeeper's server shuts down when the
   * peer stops following or leading) and forgets requests in flight; a new leader restarts session expiry.
   */
  setMode(mode: ServingMode, nowMs: number, hzxid?: bigint): void {
    this.nowMs = nowMs;
    if (mode === this.mode) return;
    for (const connection of this.connections.values()) this.close(connection, `server is now ${mode}`);
    this.waiting.clear();
    this.revalidating.clear();
    this.proposed.length = 0;
    this.prep.clear();
    this.touched.clear();
    this.mode = mode;
    this.hzxid = hzxid ?? this.tree.lastProcessedZxid;
    if (mode === 'leader' || mode === 'standalone') this.sessions.touchAll(nowMs);
  }

  /** A committed transaction from the leader (follower), or from sync/replay: apply it and answer its client. */
  applyTxn(txn: Txn): void {
    this.applySessionEffects(txn);
    const result = this.tree.processTxn(txn.header, txn.body);
    this.options.onApplied?.(txn);
    this.prep.applied(txn.header.zxid);
    if (txn.header.zxid > this.hzxid && this.mode !== 'leader' && this.mode !== 'standalone')
      this.hzxid = txn.header.zxid;
    this.deliverWatchEvents();
    const key = requestKey(txn.header.clientId, txn.header.cxid);
    const waiting = this.takeWaiting(key);
    if (txn.header.type === OpCode.closeSession) this.afterCloseSession(txn, waiting !== undefined);
    if (waiting) this.complete(waiting, result);
  }

  /** The leader confirmed a sync: answer it after everything committed before it. */
  syncCompleted(sessionId: bigint, cxid: number): void {
    const key = requestKey(sessionId, cxid);
    const waiting = this.takeWaiting(key);
    if (waiting) this.complete(waiting, null);
  }

  /** The leader's REVALIDATE answer for a re-attaching session. */
  revalidated(sessionId: bigint, valid: boolean): void {
    const pending = this.revalidating.get(sessionId);
    if (!pending) return;
    this.revalidating.delete(sessionId);
    pending.valid.value = valid;
    if (valid) this.sessions.touchSession(sessionId, this.nowMs);
    pending.entry.done = true;
    const connection = this.connections.get(this.connectionBySession.get(sessionId) ?? -1);
    if (connection) this.flushQueue(connection);
  }

  /** Leader: is this session alive (a follower's client re-attaches)? Touches it if so. */
  revalidateSession(sessionId: bigint, nowMs: number): boolean {
    this.nowMs = nowMs;
    return this.sessions.touchSession(sessionId, nowMs);
  }

  /** Leader: sessions a follower's clients kept alive. */
  touchSessions(sessions: Iterable<[bigint, number]>, nowMs: number): void {
    this.nowMs = nowMs;
    for (const [sessionId] of sessions) this.sessions.touchSession(sessionId, nowMs);
  }

  /** Follower: sessions touched since the last call (sent to the leader with the PING answer). */
  drainTouchedSessions(): Map<bigint, number> {
    const touched = this.touched;
    this.touched = new Map();
    return touched;
  }

  /** Leader: prepare a request a follower forwarded (or a txn request of its own shell). */
  prepForwarded(request: ForwardedRequest, nowMs: number): void {
    this.nowMs = nowMs;
    try {
      this.prepForwardedBody(request);
    } catch (error) {
      if (!(error instanceof JuteDecodeError)) throw error;
      const { sessionId, cxid, type, authInfo } = request;
      const err =
        type === OpCode.reconfig ? KeeperErrorCode.RECONFIGDISABLED : KeeperErrorCode.MARSHALLINGERROR;
      this.submitTxn(sessionId, cxid, type, null, null, authInfo, () => ({
        type: OpCode.error,
        record: { err },
      }));
    }
  }

  private prepForwardedBody(request: ForwardedRequest): void {
    const reader = new JuteReader(request.payload, this.options.maxBufferBytes);
    const { sessionId, cxid, type, authInfo } = request;
    switch (type) {
      case OpCode.createSession: {
        const timeoutMs = reader.readInt();
        this.sessions.addSession(sessionId, timeoutMs, this.nowMs);
        return this.submitTxn(sessionId, cxid, type, null, null, authInfo, () =>
          this.prep.prepCreateSession(timeoutMs),
        );
      }
      case OpCode.closeSession:
        return this.submitTxn(sessionId, cxid, type, null, null, authInfo, (ctx) =>
          this.prep.prepCloseSession(ctx),
        );
      case OpCode.multi: {
        const ops = decodeMulti(reader);
        if (ops.kind !== 'write') throw new JuteDecodeError('a forwarded multi must be a transaction');
        return this.submitTxn(sessionId, cxid, type, null, null, authInfo, (ctx) =>
          this.prep.prepMulti(ops.ops, ctx),
        );
      }
      default: {
        const op = decodeWrite(type, reader);
        return this.submitTxn(sessionId, cxid, type, null, null, authInfo, (ctx) =>
          this.prep.prepWrite(op, ctx),
        );
      }
    }
  }

  private addWaiting(key: string, waiting: Waiting): void {
    const list = this.waiting.get(key);
    if (list) list.push(waiting);
    else this.waiting.set(key, [waiting]);
  }

  private takeWaiting(key: string): Waiting | undefined {
    const list = this.waiting.get(key);
    const first = list?.shift();
    if (list?.length === 0) this.waiting.delete(key);
    return first;
  }

  private complete(waiting: Waiting, result: ProcessTxnResult | null): void {
    waiting.entry.result = result;
    waiting.entry.done = true;
    const connection = this.connections.get(waiting.connectionId);
    if (connection) this.flushQueue(connection);
  }

  // ---------- handshake ----------

  private handleConnect(connection: Connection, payload: Uint8Array): void {
    if (this.mode === 'stopped') {
      this.close(connection, 'ZooKeeperServer not running');
      return;
    }
    const reader = new JuteReader(payload, this.options.maxBufferBytes);
    const request = R.ConnectRequest.decode(reader);
    // Newer clients append a readOnly flag; older ones do not, and get no flag back (as ZooKeeper does).
    connection.sendsReadOnlyFlag = reader.remaining > 0;
    if (connection.sendsReadOnlyFlag) reader.readBool();
    if (request.lastZxidSeen > this.tree.lastProcessedZxid) {
      const reason =
        `Refusing session request for client as it has seen zxid 0x${request.lastZxidSeen.toString(16)} ` +
        `our last zxid is 0x${this.tree.lastProcessedZxid.toString(16)} client must try another server`;
      this.ready.events.push({ type: 'connection-refused', connectionId: connection.id, reason });
      this.close(connection, reason);
      return;
    }
    const timeoutMs = Math.min(
      Math.max(request.timeOut, this.options.minSessionTimeoutMs),
      this.options.maxSessionTimeoutMs,
    );
    connection.sessionTimeoutMs = timeoutMs;
    connection.stats.sessionTimeoutMs = timeoutMs;
    if (request.sessionId === 0n) {
      const sessionId = this.sessions.createSessionId();
      this.sessions.addSession(sessionId, timeoutMs, this.nowMs);
      this.bindSession(connection, sessionId);
      connection.state = 'connecting';
      const entry = this.connectEntry(connection, { value: true });
      const timeoutBytes = new JuteWriter(4).writeInt(timeoutMs).toBytes();
      const prepare = () => this.prep.prepCreateSession(timeoutMs);
      this.submitTxn(sessionId, 0, OpCode.createSession, connection, entry, [], prepare, timeoutBytes);
      return;
    }
    // Re-attach: the session moves to this connection; a wrong password or a dead session is refused.
    const sessionId = request.sessionId;
    const previous = this.connectionBySession.get(sessionId);
    if (previous !== undefined && previous !== connection.id) {
      const old = this.connections.get(previous);
      if (old) this.close(old, 'session re-attached from another connection');
    }
    const passwordOk = passwordMatches(sessionId, request.passwd);
    if (passwordOk) this.bindSession(connection, sessionId);
    if (passwordOk && this.mode === 'follower') {
      // Session liveness is the leader's to judge: ask it (REVALIDATE) before answering.
      const valid = { value: false };
      const entry = this.connectEntry(connection, valid);
      entry.zxid = 0n;
      this.revalidating.set(sessionId, { entry, valid });
      this.ready.revalidations.push({ sessionId, timeoutMs });
      connection.queue.push(entry);
      return;
    }
    const valid = passwordOk && this.sessions.touchSession(sessionId, this.nowMs);
    const entry = this.connectEntry(connection, { value: valid });
    connection.queue.push(entry);
    this.flushQueue(connection);
  }

  private bindSession(connection: Connection, sessionId: bigint): void {
    connection.sessionId = sessionId;
    connection.stats.sessionId = sessionId;
    this.connectionBySession.set(sessionId, connection.id);
  }

  private connectEntry(connection: Connection, valid: { value: boolean }): QueueEntry {
    return this.entry(null, () => {
      const ok = valid.value && this.sessions.get(connection.sessionId) !== undefined;
      const writer = startFrame();
      R.ConnectResponse.encode(writer, {
        protocolVersion: 0,
        timeOut: ok ? connection.sessionTimeoutMs : 0,
        sessionId: ok ? connection.sessionId : 0n,
        passwd: ok ? generatePasswd(connection.sessionId) : new Uint8Array(16),
      });
      if (connection.sendsReadOnlyFlag) writer.writeBool(false); // this server is never a read-only one
      this.send(connection, writer);
      if (ok) connection.state = 'open';
      else this.close(connection, 'session expired or invalid password');
    });
  }

  // ---------- requests ----------

  private handleRequest(connection: Connection, payload: Uint8Array): void {
    const reader = new JuteReader(payload, this.options.maxBufferBytes);
    const header = R.RequestHeader.decode(reader);
    const { xid, type } = header;
    connection.stats.lastCxid = xid;
    if (type === OpCode.auth) return this.handleAuth(connection, reader);
    if (connection.sessionId !== 0n && !this.sessions.touchSession(connection.sessionId, this.nowMs)) {
      // ZooKeeper drops requests of a session that is closing; the close itself follows.
      if (type !== OpCode.closeSession) return;
    }
    if (this.mode === 'follower') this.touched.set(connection.sessionId, connection.sessionTimeoutMs);
    const body = payload.subarray(8);
    try {
      this.dispatch(connection, xid, type, reader, body);
    } catch (error) {
      if (!(error instanceof JuteDecodeError)) throw error;
      this.marshallingError(connection, xid, type, body);
    }
  }

  /**
   * A body that does not decode gets MARSHALLINGERROR and the connection stays open, as in ZooKeeper; a
   * write still becomes a (failed) transaction with its own zxid.
   */
  private marshallingError(connection: Connection, xid: number, type: number, body: Uint8Array): void {
    if (WRITE_OPS.has(type) || type === OpCode.reconfig) {
      const failed = (): TxnBody => ({
        type: OpCode.error,
        record: { err: KeeperErrorCode.MARSHALLINGERROR },
      });
      const entry = this.writeEntry(connection, xid, type);
      return this.submitTxn(
        connection.sessionId,
        xid,
        type,
        connection,
        entry,
        connection.authInfo,
        failed,
        body,
      );
    }
    this.enqueueRead(connection, () => this.replyHeader(connection, xid, KeeperErrorCode.MARSHALLINGERROR));
  }

  private dispatch(
    connection: Connection,
    xid: number,
    type: number,
    reader: JuteReader,
    body: Uint8Array,
  ): void {
    connection.stats.lastOp = opLabel(type);
    if (type === OpCode.closeSession) {
      return this.submitTxn(
        connection.sessionId,
        xid,
        type,
        connection,
        this.closeSessionEntry(connection, xid),
        [],
        (ctx) => this.prep.prepCloseSession(ctx),
        body,
      );
    }
    if (type === OpCode.multi || type === OpCode.multiRead) {
      const ops = decodeMulti(reader);
      // Clients send read-only multis as multiRead (22); an empty one is a read too.
      if (type === OpCode.multiRead && ops.kind === 'write' && ops.ops.length > 0)
        throw new JuteDecodeError('multiRead holds write operations');
      if (ops.kind === 'read' || type === OpCode.multiRead) {
        const reads = ops.kind === 'read' ? ops.ops : [];
        return this.enqueueRead(connection, () => this.multiRead(connection, xid, reads));
      }
      return this.submitTxn(
        connection.sessionId,
        xid,
        type,
        connection,
        this.writeEntry(connection, xid, type),
        connection.authInfo,
        (ctx) => this.prep.prepMulti(ops.ops, ctx),
        body,
      );
    }
    if (type === OpCode.reconfig) {
      R.ReconfigRequest.decode(reader);
      const disabled = (): TxnBody => ({
        type: OpCode.error,
        record: { err: KeeperErrorCode.RECONFIGDISABLED },
      });
      const entry = this.writeEntry(connection, xid, type);
      return this.submitTxn(
        connection.sessionId,
        xid,
        type,
        connection,
        entry,
        connection.authInfo,
        disabled,
        body,
      );
    }
    if (WRITE_OPS.has(type)) {
      const op = decodeWrite(type, reader);
      return this.submitTxn(
        connection.sessionId,
        xid,
        type,
        connection,
        this.writeEntry(connection, xid, type),
        connection.authInfo,
        (ctx) => this.prep.prepWrite(op, ctx),
        body,
      );
    }
    const read = this.readHandler(connection, xid, type, reader);
    if (read === null) {
      // Unknown op code: UNIMPLEMENTED with zxid -1, then the connection is closed (ZooKeeper 3.8's
      // UnimplementedRequestProcessor: sendResponse, then sendCloseSession).
      this.enqueueRead(connection, () => {
        this.frameHeader(connection, xid, -1n, KeeperErrorCode.UNIMPLEMENTED);
        this.close(connection, `unknown op code ${type}`);
      });
      return;
    }
    this.enqueueRead(connection, read);
  }

  private handleAuth(connection: Connection, reader: JuteReader): void {
    const packet = R.AuthPacket.decode(reader);
    const text = packet.auth ? new TextDecoder().decode(packet.auth) : '';
    // Digest auth never fails: a wrong password just adds an id that matches no ACL.
    if (packet.scheme === 'digest') {
      const id = this.options.digest(text);
      if (!connection.authInfo.some((a) => a.scheme === 'digest' && a.id === id)) {
        // Kept in the order ZooKeeper's hash-based auth set iterates (auth ACL expansion, whoAmI).
        connection.authInfo = javaIdSetOrder([...connection.authInfo, { scheme: 'digest', id }]);
      }
      this.frameHeader(connection, Xid.AUTH, 0n, KeeperErrorCode.OK);
      return;
    }
    // Unknown scheme or bad credentials: AUTHFAILED, then the connection is closed (as ZooKeeper does).
    this.stats.authFailedCount++;
    this.frameHeader(connection, Xid.AUTH, 0n, KeeperErrorCode.AUTHFAILED);
    this.close(connection, `authentication failed for scheme ${packet.scheme}`);
  }

  private entry(zxid: bigint | null, respond: QueueEntry['respond']): QueueEntry {
    return { zxid, respond, result: null, done: false, startedMs: this.nowMs };
  }

  private enqueueRead(connection: Connection, run: () => void): void {
    connection.queue.push(this.entry(null, run));
    this.flushQueue(connection);
  }

  private submitTxn(
    sessionId: bigint,
    cxid: number,
    type: number,
    connection: Connection | null,
    entry: QueueEntry | null,
    authInfo: IdRecord[],
    prepare: (ctx: PrepContext) => TxnBody,
    payload: Uint8Array = new Uint8Array(0),
  ): void {
    if (entry && connection) {
      entry.zxid = 0n;
      connection.queue.push(entry);
      this.addWaiting(requestKey(sessionId, cxid), { entry, connectionId: connection.id });
    }
    if (this.mode === 'follower') {
      this.ready.forwards.push({ sessionId, cxid, type, payload, authInfo });
      return;
    }
    const zxid = ++this.hzxid;
    const timeMs = BigInt(Math.floor(this.nowMs));
    const session = this.sessions.get(sessionId);
    const ctx: PrepContext = {
      sessionId,
      authInfo,
      zxid,
      timeMs,
      sessionValid: session !== undefined && (!session.isClosing || type === OpCode.closeSession),
    };
    const body = prepare(ctx);
    if (type === OpCode.closeSession) this.sessions.setSessionClosing(sessionId);
    const txn: Txn = { header: { clientId: sessionId, cxid, zxid, time: timeMs, type: body.type }, body };
    this.proposed.push(txn);
    this.ready.txns.push(txn);
  }

  private applySessionEffects(txn: Txn): void {
    const { header, body } = txn;
    if (body.type === OpCode.createSession) {
      this.sessions.addSession(header.clientId, body.record.timeOut, this.nowMs);
      this.ready.events.push({
        type: 'session-created',
        sessionId: header.clientId,
        timeoutMs: body.record.timeOut,
        zxid: header.zxid,
      });
    }
  }

  private afterCloseSession(txn: Txn, byClient: boolean): void {
    const sessionId = txn.header.clientId;
    this.sessions.removeSession(sessionId);
    this.ready.events.push({
      type: 'session-closed',
      sessionId,
      zxid: txn.header.zxid,
      reason: byClient ? 'client' : 'expired',
    });
    const connectionId = this.connectionBySession.get(sessionId);
    const connection = connectionId === undefined ? undefined : this.connections.get(connectionId);
    // An expired session's connection is closed at once; a client's own close is answered first.
    if (connection && !byClient) this.close(connection, 'session expired');
  }

  /** Answer queued requests in arrival order, stopping at a write whose txn has not been applied yet. */
  private flushQueue(connection: Connection): void {
    while (connection.queue.length > 0 && connection.state !== 'closing') {
      const head = connection.queue[0];
      if (head.zxid !== null && !head.done) return;
      connection.queue.shift();
      head.respond?.(head.result);
      this.recordLatency(connection, head);
    }
  }

  private recordLatency(connection: Connection, entry: QueueEntry): void {
    const latency = Math.max(0, this.nowMs - entry.startedMs);
    for (const s of [this.stats, connection.stats]) {
      s.minLatencyMs = Math.min(s.minLatencyMs, latency);
      s.maxLatencyMs = Math.max(s.maxLatencyMs, latency);
      s.totalLatencyMs += latency;
      s.latencyCount++;
    }
    connection.stats.lastResponseMs = this.nowMs;
    connection.stats.lastLatencyMs = latency;
    // cons lzxid: a write's zxid, or for a read the zxid its reply header carried.
    connection.stats.lastZxid = entry.result?.zxid ?? this.tree.lastProcessedZxid;
  }

  private deliverWatchEvents(): void {
    for (const event of this.tree.drainEvents()) {
      const connection = this.connections.get(event.watcher);
      if (!connection || connection.state === 'closing') continue;
      const writer = startFrame();
      R.ReplyHeader.encode(writer, { xid: Xid.NOTIFICATION, zxid: -1n, err: 0 });
      R.WatcherEvent.encode(writer, { type: event.type, state: KeeperState.SyncConnected, path: event.path });
      this.send(connection, writer);
    }
  }

  // ---------- replies ----------

  private writeEntry(connection: Connection, xid: number, type: number): QueueEntry {
    return this.entry(0n, (result) => this.replyWrite(connection, xid, type, result!));
  }

  private closeSessionEntry(connection: Connection, xid: number): QueueEntry {
    return this.entry(0n, (result) => {
      this.frameHeader(connection, xid, result!.zxid, KeeperErrorCode.OK);
      this.close(connection, 'client closed its session');
    });
  }

  private replyWrite(connection: Connection, xid: number, type: number, result: ProcessTxnResult): void {
    const writer = startFrame();
    connection.stats.lastZxid = result.zxid;
    if (result.type === OpCode.error || result.err !== 0) {
      R.ReplyHeader.encode(writer, { xid, zxid: result.zxid, err: result.err });
      return this.send(connection, writer);
    }
    // Quirk of ZooKeeper 3.8 kept on purpose: a successful bare `check` (op 13 outside a multi) gets no reply.
    if (type === OpCode.check) return;
    R.ReplyHeader.encode(writer, { xid, zxid: result.zxid, err: 0 });
    switch (type) {
      case OpCode.create:
        R.CreateResponse.encode(writer, { path: result.path });
        break;
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        R.Create2Response.encode(writer, { path: result.path, stat: result.stat! });
        break;
      case OpCode.setData:
        R.SetDataResponse.encode(writer, { stat: result.stat! });
        break;
      case OpCode.setACL:
        R.SetACLResponse.encode(writer, { stat: result.stat! });
        break;
      case OpCode.multi:
        encodeMultiResponse(writer, result.multiResult ?? []);
        break;
      default:
        break; // delete, check: header only
    }
    this.send(connection, writer);
  }

  private readHandler(
    connection: Connection,
    xid: number,
    type: number,
    reader: JuteReader,
  ): (() => void) | null {
    const tree = this.tree;
    // ZooKeeper's DataTree also stores the root under "", so reads of "" see the root.
    const treePath = (path: string) => (path === '' ? '/' : path);
    switch (type) {
      case OpCode.ping:
        return () => this.frameHeader(connection, Xid.PING, tree.lastProcessedZxid, 0);
      case OpCode.exists: {
        const { path, watch } = R.ExistsRequest.decode(reader);
        return () => {
          if (path.includes('\0')) return this.replyHeader(connection, xid, KeeperErrorCode.BADARGUMENTS);
          const stat = tree.statNode(treePath(path), watch ? connection.id : undefined);
          if (!stat) return this.replyHeader(connection, xid, KeeperErrorCode.NONODE);
          this.replyRecord(connection, xid, R.ExistsResponse, { stat });
        };
      }
      case OpCode.getData: {
        const request = R.GetDataRequest.decode(reader);
        const path = treePath(request.path);
        const watch = request.watch;
        return () => {
          const node = this.readableNode(connection, xid, path, Perms.READ);
          if (!node) return;
          const value = tree.getData(path, watch ? connection.id : undefined)!;
          this.replyRecord(connection, xid, R.GetDataResponse, value);
        };
      }
      case OpCode.getChildren:
      case OpCode.getChildren2: {
        const request = R.GetChildrenRequest.decode(reader);
        const path = treePath(request.path);
        const watch = request.watch;
        return () => {
          if (!this.readableNode(connection, xid, path, Perms.READ)) return;
          const value = tree.getChildren(path, watch ? connection.id : undefined)!;
          if (type === OpCode.getChildren)
            this.replyRecord(connection, xid, R.GetChildrenResponse, { children: value.children });
          else this.replyRecord(connection, xid, R.GetChildren2Response, value);
        };
      }
      case OpCode.getACL: {
        const path = treePath(R.GetACLRequest.decode(reader).path);
        return () => {
          const node = this.readableNode(connection, xid, path, Perms.READ | Perms.ADMIN);
          if (!node) return;
          const admin = checkACL(node.acl, Perms.ADMIN, connection.authInfo);
          const stat = tree.statNode(path) as StatRecord;
          this.replyRecord(connection, xid, R.GetACLResponse, {
            acl: admin ? node.acl : redactDigests(node.acl),
            stat,
          });
        };
      }
      case OpCode.getAllChildrenNumber: {
        const path = treePath(R.GetAllChildrenNumberRequest.decode(reader).path);
        return () => {
          if (!this.readableNode(connection, xid, path, Perms.READ)) return;
          this.replyRecord(connection, xid, R.GetAllChildrenNumberResponse, {
            totalNumber: tree.getAllChildrenNumber(path),
          });
        };
      }
      case OpCode.getEphemerals: {
        const { prefixPath } = R.GetEphemeralsRequest.decode(reader);
        return () => {
          const prefix = prefixPath.trim();
          const all = tree.getEphemerals(connection.sessionId);
          const ephemerals = prefix === '' || prefix === '/' ? all : all.filter((p) => p.startsWith(prefix));
          this.replyRecord(connection, xid, R.GetEphemeralsResponse, { ephemerals });
        };
      }
      case OpCode.sync: {
        const { path } = R.SyncRequest.decode(reader);
        if (this.mode === 'standalone')
          return () => this.replyRecord(connection, xid, R.SyncResponse, { path });
        // In an ensemble the leader confirms the sync (after a quorum round): answer once it says so.
        return () => {
          const entry = this.entry(0n, () => this.replyRecord(connection, xid, R.SyncResponse, { path }));
          this.addWaiting(requestKey(connection.sessionId, xid), { entry, connectionId: connection.id });
          connection.queue.unshift(entry);
          this.ready.forwards.push({
            sessionId: connection.sessionId,
            cxid: xid,
            type: OpCode.sync,
            payload: new Uint8Array(0),
            authInfo: [],
          });
        };
      }
      case OpCode.setWatches:
      case OpCode.setWatches2: {
        const request =
          type === OpCode.setWatches
            ? { ...R.SetWatches.decode(reader), persistentWatches: [], persistentRecursiveWatches: [] }
            : R.SetWatches2.decode(reader);
        return () => {
          tree.setWatches(
            request.relativeZxid,
            {
              data: request.dataWatches,
              exist: request.existWatches,
              child: request.childWatches,
              persistent: request.persistentWatches,
              recursive: request.persistentRecursiveWatches,
            },
            connection.id,
          );
          this.deliverWatchEvents();
          this.frameHeader(connection, xid, tree.lastProcessedZxid, 0);
        };
      }
      case OpCode.addWatch: {
        const { path, mode } = R.AddWatchRequest.decode(reader);
        return () => {
          if (mode !== 0 && mode !== 1)
            return this.replyHeader(connection, xid, KeeperErrorCode.BADARGUMENTS);
          tree.addWatch(path, connection.id, mode);
          this.replyRecord(connection, xid, R.ErrorResponse, { err: 0 });
        };
      }
      case OpCode.checkWatches:
      case OpCode.removeWatches: {
        const { path, type: watcherType } = R.RemoveWatchesRequest.decode(reader);
        return () =>
          this.checkOrRemoveWatches(connection, xid, path, watcherType, type === OpCode.removeWatches);
      }
      case OpCode.whoAmI:
        return () =>
          this.replyRecord(connection, xid, R.WhoAmIResponse, {
            clientInfo: connection.authInfo.map((id) => ({
              authScheme: id.scheme,
              // DigestAuthenticationProvider.getUserName: the id up to its colon (no password hash).
              user: id.scheme === 'digest' ? id.id.split(':')[0] : id.id,
            })),
          });
      default:
        // Unknown ops carry bodies we cannot parse: skip them so the connection stays in sync.
        reader.skipRest();
        return null;
    }
  }

  private checkOrRemoveWatches(
    connection: Connection,
    xid: number,
    path: string,
    watcherType: number,
    remove: boolean,
  ): void {
    const managers =
      watcherType === WatcherType.Children
        ? [this.tree.childWatches]
        : watcherType === WatcherType.Data
          ? [this.tree.dataWatches]
          : [this.tree.childWatches, this.tree.dataWatches];
    const modes = WatcherMode.STANDARD | WatcherMode.PERSISTENT | WatcherMode.PERSISTENT_RECURSIVE;
    let found = false;
    for (const manager of managers) {
      if (!manager.hasWatch(path, connection.id, modes)) continue;
      found = true;
      if (remove) manager.removeWatch(path, connection.id, modes);
    }
    this.replyHeader(connection, xid, found ? KeeperErrorCode.OK : KeeperErrorCode.NOWATCHER);
  }

  private multiRead(connection: Connection, xid: number, ops: ReadOp[]): void {
    const writer = startFrame();
    R.ReplyHeader.encode(writer, { xid, zxid: this.tree.lastProcessedZxid, err: 0 });
    for (const op of ops) {
      const node = this.tree.getNode(op.path);
      if (!node || !checkACL(node.acl, Perms.READ, connection.authInfo)) {
        const err = node ? KeeperErrorCode.NOAUTH : KeeperErrorCode.NONODE;
        R.MultiHeader.encode(writer, { type: OpCode.error, done: false, err });
        R.ErrorResponse.encode(writer, { err });
      } else if (op.type === OpCode.getData) {
        R.MultiHeader.encode(writer, { type: op.type, done: false, err: 0 });
        R.GetDataResponse.encode(writer, this.tree.getData(op.path)!);
      } else {
        R.MultiHeader.encode(writer, { type: op.type, done: false, err: 0 });
        R.GetChildrenResponse.encode(writer, { children: this.tree.getChildren(op.path)!.children });
      }
    }
    R.MultiHeader.encode(writer, { type: -1, done: true, err: -1 });
    this.send(connection, writer);
  }

  /** The node at `path` if it exists and the connection holds `perm` on it; otherwise the error is sent. */
  private readableNode(connection: Connection, xid: number, path: string, perm: number): DataNode | null {
    const node = this.tree.getNode(path);
    if (!node) {
      this.replyHeader(connection, xid, KeeperErrorCode.NONODE);
      return null;
    }
    if (!checkACL(node.acl, perm, connection.authInfo)) {
      this.replyHeader(connection, xid, KeeperErrorCode.NOAUTH);
      return null;
    }
    return node;
  }

  private replyHeader(connection: Connection, xid: number, err: number): void {
    this.frameHeader(connection, xid, this.tree.lastProcessedZxid, err);
  }

  private frameHeader(connection: Connection, xid: number, zxid: bigint, err: number): void {
    const writer = startFrame();
    R.ReplyHeader.encode(writer, { xid, zxid, err });
    this.send(connection, writer);
  }

  private replyRecord<T>(connection: Connection, xid: number, schema: R.RecordSchema<T>, value: T): void {
    const writer = startFrame();
    R.ReplyHeader.encode(writer, { xid, zxid: this.tree.lastProcessedZxid, err: 0 });
    schema.encode(writer, value);
    this.send(connection, writer);
  }

  private send(connection: Connection, writer: JuteWriter): void {
    writer.patchInt(0, writer.length - 4);
    this.ready.frames.push({ connectionId: connection.id, bytes: writer.toBytes() });
    this.stats.packetsSent++;
    connection.stats.packetsSent++;
    const size = writer.length - 4;
    const s = this.stats;
    s.lastClientResponseSize = size;
    if (s.minClientResponseSize < 0 || size < s.minClientResponseSize) s.minClientResponseSize = size;
    if (size > s.maxClientResponseSize) s.maxClientResponseSize = size;
  }

  private close(connection: Connection, reason: string): void {
    if (connection.state === 'closing') return;
    connection.state = 'closing';
    this.ready.closes.push({ connectionId: connection.id, reason });
  }
}

function startFrame(): JuteWriter {
  return new JuteWriter(128).writeInt(0);
}

function opLabel(type: number): string {
  switch (type) {
    case OpCode.ping:
      return 'PING';
    case OpCode.getData:
      return 'GETD';
    case OpCode.setData:
      return 'SETD';
    case OpCode.create:
    case OpCode.create2:
      return 'CREA';
    case OpCode.delete:
      return 'DELE';
    case OpCode.exists:
      return 'EXIS';
    case OpCode.getChildren:
    case OpCode.getChildren2:
      return 'GETC';
    case OpCode.multi:
      return 'MULT';
    case OpCode.closeSession:
      return 'CLOS';
    default:
      return String(type);
  }
}

// ---------- request decoding ----------

function decodeWrite(type: number, reader: JuteReader): WriteOp {
  switch (type) {
    case OpCode.create:
    case OpCode.create2:
    case OpCode.createContainer: {
      const r = R.CreateRequest.decode(reader);
      return { type, path: r.path, data: r.data, acl: r.acl, flags: r.flags, ttl: -1n };
    }
    case OpCode.createTTL: {
      const r = R.CreateTTLRequest.decode(reader);
      return { type, path: r.path, data: r.data, acl: r.acl, flags: r.flags, ttl: r.ttl };
    }
    case OpCode.delete:
      return { type, ...R.DeleteRequest.decode(reader) };
    case OpCode.setData:
      return { type, ...R.SetDataRequest.decode(reader) };
    case OpCode.setACL:
      return { type, ...R.SetACLRequest.decode(reader) };
    case OpCode.check:
      return { type, ...R.CheckVersionRequest.decode(reader) };
    default:
      throw new JuteDecodeError(`op ${type} is not allowed here`);
  }
}

interface ReadOp {
  type: typeof OpCode.getData | typeof OpCode.getChildren;
  path: string;
}

/** A multi holds only writes (a transaction) or only reads (multiRead); ZooKeeper refuses a mix. */
function decodeMulti(
  reader: JuteReader,
): { kind: 'write'; ops: WriteOp[] } | { kind: 'read'; ops: ReadOp[] } {
  const writes: WriteOp[] = [];
  const reads: ReadOp[] = [];
  for (;;) {
    const header = R.MultiHeader.decode(reader);
    if (header.done) break;
    if (header.type === OpCode.getData)
      reads.push({ type: header.type, path: R.GetDataRequest.decode(reader).path });
    else if (header.type === OpCode.getChildren) {
      reads.push({ type: header.type, path: R.GetChildrenRequest.decode(reader).path });
    } else writes.push(decodeWrite(header.type, reader));
  }
  if (reads.length > 0 && writes.length > 0)
    throw new JuteDecodeError('multi mixes read and write operations');
  return reads.length > 0 ? { kind: 'read', ops: reads } : { kind: 'write', ops: writes };
}

function encodeMultiResponse(writer: JuteWriter, results: ProcessTxnResult[]): void {
  for (const result of results) {
    switch (result.type) {
      // Inside a multi, create2 answers like create (path only), as ZooKeeper 3.8 does.
      case OpCode.create:
      case OpCode.create2:
        R.MultiHeader.encode(writer, { type: OpCode.create, done: false, err: 0 });
        R.CreateResponse.encode(writer, { path: result.path });
        break;
      case OpCode.createTTL:
      case OpCode.createContainer:
        R.MultiHeader.encode(writer, { type: OpCode.create2, done: false, err: 0 });
        R.Create2Response.encode(writer, { path: result.path, stat: result.stat! });
        break;
      case OpCode.setData:
        R.MultiHeader.encode(writer, { type: OpCode.setData, done: false, err: 0 });
        R.SetDataResponse.encode(writer, { stat: result.stat! });
        break;
      case OpCode.error:
        R.MultiHeader.encode(writer, { type: OpCode.error, done: false, err: result.err });
        R.ErrorResponse.encode(writer, { err: result.err });
        break;
      default:
        R.MultiHeader.encode(writer, { type: result.type, done: false, err: 0 });
    }
  }
  R.MultiHeader.encode(writer, { type: -1, done: true, err: -1 });
}

export { EventType };
