// ZkClient: the broker's only door to node-zookeeper-client (ARCHITECTURE.md §3), as a small promise API
// in the spirit of Kafka's kafka.zookeeper.ZooKeeperClient.
//
//   * Operations return promises; failures are KeeperExceptions with ZooKeeper's code names (NONODE,
//     NODEEXISTS, BADVERSION definite; CONNECTIONLOSS indefinite). Requests made while disconnected wait
//     for the connection (node-zookeeper-client queues them), as Kafka's client waits until connected.
//   * Watches are one-shot, as in ZooKeeper: a watcher passed to getData/exists/getChildren fires at most
//     once; the caller re-arms it by reading again with a watcher.
//   * Session events: 'connected', 'disconnected', 'expired'. After an expiry the old session is gone (its
//     ephemeral nodes and watches with it); like Kafka, ZkClient then opens a new session automatically and
//     reports 'new-session', so the broker can re-register and re-elect.
//   * Stats: longs (czxid, mzxid, ctime, mtime, ephemeralOwner, pzxid) as bigint.
//
// Three node-zookeeper-client gaps are worked around here:
//   * It has no handshake or read timeout. A TCP connection that the server accepts but never answers (Apache
//     ZooKeeper does this to a connection made while it is still starting up) or a server that goes silent
//     (a network partition that keeps the TCP connection open) leaves it waiting forever. ZkClient runs the
//     Java client's timeouts: a connection that is not established within sessionTimeout / number of
//     servers (at most 1/3 of the session timeout), or an established one that receives nothing for 2/3 of
//     the negotiated session timeout (pings are answered every 1/3), is closed, so the client reconnects —
//     to another server if there is one — while its session is still alive.
//   * Transaction.check/setData/remove turn version 0 into −1 (`version || -1`), which would silently drop
//     the "expected version 0" condition Kafka relies on (broker registration's setData(path, json, 0) and
//     the first controller's conditional bump of /controller_epoch). multi() therefore builds the
//     transaction's operation list itself.
//   * setData(path, null) throws inside the library; null data is sent as empty bytes.
//   * On session expiry it fails the requests it had sent, but leaves those it queued while disconnected
//     waiting forever (a broker cut off from ZooKeeper would hang in them: its controller never resigned
//     and it never registered again). ZkClient fails them with SESSIONEXPIRED, as the Java client does.

import { createRequire } from 'node:module';

import { KzError } from '../../client/common/errors.ts';
import { KeeperException, keeperCodeName, ZK_ERROR_CODES, type KeeperCode } from './errors.ts';

const require = createRequire(import.meta.url);

// ───────────────────────── the untyped library, typed ─────────────────────────

interface RawStat {
  czxid: Buffer;
  mzxid: Buffer;
  ctime: Buffer;
  mtime: Buffer;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: Buffer;
  dataLength: number;
  numChildren: number;
  pzxid: Buffer;
}

interface RawEvent {
  type: number;
  name: string;
  path: string;
}

interface RawError extends Error {
  code: number;
  name: string;
  path?: string;
}

interface RawState {
  name: string;
  code: number;
}

type RawCallback<T extends unknown[]> = (error: RawError | null, ...results: T) => void;
type RawWatcher = (event: RawEvent) => void;

interface RawAcl {
  permission: number;
  id: { scheme: string; id: string };
}

interface RawTransaction {
  ops: unknown[];
  commit(callback: RawCallback<[RawMultiResult[]]>): void;
}

interface RawMultiResult {
  type: number;
  path?: string;
  stat?: RawStat;
  err?: number;
}

interface RawClient {
  connect(): void;
  close(): void;
  on(event: 'state', listener: (state: RawState) => void): void;
  getState(): RawState;
  getSessionId(): Buffer;
  getSessionTimeout(): number;
  create(
    path: string,
    data: Buffer | undefined,
    acls: RawAcl[],
    mode: number,
    callback: RawCallback<[string]>,
  ): void;
  remove(path: string, version: number, callback: RawCallback<[]>): void;
  exists(path: string, watcher: RawWatcher | undefined, callback: RawCallback<[RawStat | null]>): void;
  getData(
    path: string,
    watcher: RawWatcher | undefined,
    callback: RawCallback<[Buffer | undefined, RawStat]>,
  ): void;
  setData(path: string, data: Buffer, version: number, callback: RawCallback<[RawStat]>): void;
  getChildren(
    path: string,
    watcher: RawWatcher | undefined,
    callback: RawCallback<[string[], RawStat]>,
  ): void;
  transaction(): RawTransaction;
  connectionManager: {
    socket?: RawSocket;
    /** Requests not yet written to a socket (queued while disconnected). */
    packetQueue: { shift(): { callback?: (error: unknown) => void } | undefined };
    connect(): void;
    /** ConnectionManager.STATES: CONNECTING = 1, CONNECTED = 2. */
    state: number;
  };
}

interface RawSocket {
  destroyed: boolean;
  destroy(): void;
  on(event: 'data', listener: () => void): void;
}

interface RawModule {
  createClient(connectString: string, options: Record<string, unknown>): RawClient;
  ACL: { OPEN_ACL_UNSAFE: RawAcl[]; CREATOR_ALL_ACL: RawAcl[] };
  State: Record<string, RawState>;
  /** The library's error type: `create(code)` makes the error its callbacks receive. */
  Exception: { SESSION_EXPIRED: number; create(code: number): RawError };
}

const nzk = require('node-zookeeper-client') as RawModule;

/** ZooKeeper op codes used in multi (jute OpCode). */
const OP = { create: 1, delete: 2, setData: 5, check: 13, error: -1 } as const;

const CREATE_MODE = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
} as const;

const EVENT_TYPES: Record<number, WatchEventType> = {
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
};

// ───────────────────────── public types ─────────────────────────

export type CreateMode = keyof typeof CREATE_MODE;

export interface ZkStat {
  readonly czxid: bigint;
  readonly mzxid: bigint;
  readonly ctime: bigint;
  readonly mtime: bigint;
  /** Data version: the "zkVersion" of Kafka's conditional writes. */
  readonly version: number;
  readonly cversion: number;
  readonly aversion: number;
  /** Session id of the owner of an ephemeral node; 0 for persistent nodes. */
  readonly ephemeralOwner: bigint;
  readonly dataLength: number;
  readonly numChildren: number;
  readonly pzxid: bigint;
}

export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly path: string;
}

export type Watcher = (event: WatchEvent) => void;

export type ZkSessionEvent =
  'connected' | 'disconnected' | 'expired' | 'new-session' | 'auth-failed' | 'closed';

/** One operation of a multi (atomic transaction). `version: -1` matches any version. */
export type ZkMultiOp =
  | {
      readonly type: 'create';
      readonly path: string;
      readonly data: Uint8Array | null;
      readonly mode: CreateMode;
    }
  | {
      readonly type: 'setData';
      readonly path: string;
      readonly data: Uint8Array | null;
      readonly version: number;
    }
  | { readonly type: 'delete'; readonly path: string; readonly version: number }
  | { readonly type: 'check'; readonly path: string; readonly version: number };

export type ZkMultiResult =
  | { readonly type: 'create'; readonly path: string }
  | { readonly type: 'setData'; readonly stat: ZkStat }
  | { readonly type: 'delete' }
  | { readonly type: 'check' };

export interface ZkClientOptions {
  /** Requested session timeout (the server clamps it to [2, 20] × tickTime). */
  readonly sessionTimeoutMs: number;
  /** How long connect() waits for the first connection (zookeeper.connection.timeout.ms). */
  readonly connectionTimeoutMs?: number;
  /** Open a new session automatically after an expiry (default true, as Kafka does). */
  readonly reconnectAfterExpiry?: boolean;
}

// ───────────────────────── helpers ─────────────────────────

function toLong(buffer: Buffer): bigint {
  return buffer.readBigInt64BE(0);
}

export function statOf(raw: RawStat): ZkStat {
  return {
    czxid: toLong(raw.czxid),
    mzxid: toLong(raw.mzxid),
    ctime: toLong(raw.ctime),
    mtime: toLong(raw.mtime),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: toLong(raw.ephemeralOwner),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
    pzxid: toLong(raw.pzxid),
  };
}

function toBuffer(data: Uint8Array | null): Buffer | undefined {
  if (data === null) return undefined;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function toKeeperException(
  error: RawError,
  path: string | undefined,
  failedOpIndex?: number,
): KeeperException {
  const name: KeeperCode = keeperCodeName(error.code) ?? 'SYSTEMERROR';
  return new KeeperException(name, error.path ?? path, { failedOpIndex, cause: error });
}

function wrapWatcher(watcher: Watcher): RawWatcher {
  return (event) => {
    const type = EVENT_TYPES[event.type];
    if (type !== undefined) watcher({ type, path: event.path });
  };
}

// ───────────────────────── ZkClient ─────────────────────────

export class ZkClient {
  readonly connectString: string;
  readonly options: ZkClientOptions;
  private raw: RawClient;
  private closed = false;
  private readonly listeners = new Set<(event: ZkSessionEvent) => void>();
  /** node-zookeeper-client dedupes watchers by function identity per path; keep one wrapper per watcher. */
  private readonly wrappers = new WeakMap<Watcher, RawWatcher>();
  /** Liveness: when each socket last received bytes (or was first seen). */
  private readonly lastReceived = new WeakMap<RawSocket, number>();
  private readonly watchdog: ReturnType<typeof setInterval>;

  private constructor(connectString: string, options: ZkClientOptions) {
    this.connectString = connectString;
    this.options = options;
    this.raw = this.newRawClient();
    this.watchdog = setInterval(() => this.checkLiveness(), 250);
    this.watchdog.unref?.();
  }

  /** The Java client's connect and read timeouts (see the header). */
  private checkLiveness(): void {
    const manager = this.raw.connectionManager;
    const socket = manager.socket;
    if (this.closed || socket === undefined || socket.destroyed) return;
    const now = Date.now();
    const last = this.lastReceived.get(socket);
    if (last === undefined) {
      this.lastReceived.set(socket, now);
      socket.on('data', () => this.lastReceived.set(socket, Date.now()));
      return;
    }
    const servers = Math.max(
      1,
      this.connectString
        .split('/')[0]
        .split(',')
        .filter((s) => s.trim() !== '').length,
    );
    // Java's connect timeout is sessionTimeout / servers; a third of the session at most here, so that a
    // stuck handshake is abandoned well before the session could expire.
    const connectTimeoutMs = Math.min(
      this.options.sessionTimeoutMs / servers,
      this.options.sessionTimeoutMs / 3,
    );
    const readTimeoutMs = (this.raw.getSessionTimeout() * 2) / 3;
    const silentMs = now - last;
    if (
      (manager.state === 1 && silentMs > connectTimeoutMs) ||
      (manager.state === 2 && silentMs > readTimeoutMs)
    ) {
      socket.destroy(); // node-zookeeper-client then reconnects (same session if it is still alive)
    }
  }

  /**
   * Connects (connectString may end in a chroot, `host:port,host:port/kafka`). Rejects with
   * KZ_ERR_ZK_CONNECTION_TIMEOUT if no server answers within connectionTimeoutMs (default: the session timeout).
   */
  static async connect(connectString: string, options: ZkClientOptions): Promise<ZkClient> {
    const client = new ZkClient(connectString, options);
    const timeoutMs = options.connectionTimeoutMs ?? options.sessionTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        client.forceClose();
        reject(
          new KzError(
            ZK_ERROR_CODES.KZ_ERR_ZK_CONNECTION_TIMEOUT,
            `could not connect to ZooKeeper at ${connectString} within ${timeoutMs} ms`,
            { retriable: true },
          ),
        );
      }, timeoutMs);
      const off = client.onSessionEvent((event) => {
        if (event === 'connected') {
          clearTimeout(timer);
          off();
          resolve();
        }
      });
      client.raw.connect();
    });
    return client;
  }

  private newRawClient(): RawClient {
    const raw = nzk.createClient(this.connectString, {
      sessionTimeout: this.options.sessionTimeoutMs,
      spinDelay: 200,
      retries: 0,
    });
    raw.on('state', (state) => this.onRawState(raw, state));
    return raw;
  }

  private onRawState(raw: RawClient, state: RawState): void {
    if (raw !== this.raw) return;
    switch (state.name) {
      case 'SYNC_CONNECTED':
        this.emit('connected');
        break;
      case 'DISCONNECTED':
        this.emit('disconnected');
        break;
      case 'AUTH_FAILED':
        this.emit('auth-failed');
        break;
      case 'EXPIRED':
        this.failQueuedRequests(raw);
        this.emit('expired');
        if (!this.closed && this.options.reconnectAfterExpiry !== false) {
          // The old client is finished (node-zookeeper-client does not reconnect after expiry).
          this.raw = this.newRawClient();
          const fresh = this.raw;
          const off = this.onSessionEvent((event) => {
            if (event === 'connected' && this.raw === fresh) {
              off();
              this.emit('new-session');
            }
          });
          fresh.connect();
        }
        break;
      default:
        break;
    }
  }

  /** Fails the requests an expired client still holds unsent (see the header). */
  private failQueuedRequests(raw: RawClient): void {
    const queue = raw.connectionManager.packetQueue;
    for (let packet = queue.shift(); packet !== undefined; packet = queue.shift()) {
      packet.callback?.(nzk.Exception.create(nzk.Exception.SESSION_EXPIRED));
    }
  }

  private emit(event: ZkSessionEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  /** Subscribes to session events; returns the unsubscribe function. */
  onSessionEvent(listener: (event: ZkSessionEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The current session id (valid once connected; changes after an expiry). */
  get sessionId(): bigint {
    return this.raw.getSessionId().readBigInt64BE(0);
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.raw.getSessionTimeout();
  }

  get isConnected(): boolean {
    return this.raw.getState().name === 'SYNC_CONNECTED';
  }

  private rawWatcher(watcher: Watcher | undefined): RawWatcher | undefined {
    if (watcher === undefined) return undefined;
    let wrapped = this.wrappers.get(watcher);
    if (wrapped === undefined) {
      wrapped = wrapWatcher(watcher);
      this.wrappers.set(watcher, wrapped);
    }
    return wrapped;
  }

  private call<T extends unknown[]>(
    path: string,
    run: (raw: RawClient, callback: RawCallback<T>) => void,
  ): Promise<T> {
    if (this.closed) {
      return Promise.reject(
        new KzError(ZK_ERROR_CODES.KZ_ERR_ZK_CLOSED, `ZooKeeper client is closed (${path})`),
      );
    }
    return new Promise((resolve, reject) => {
      run(this.raw, (error, ...results) =>
        error ? reject(toKeeperException(error, path)) : resolve(results),
      );
    });
  }

  /** Creates a znode (open ACL); returns the actual path (sequential nodes get a 10-digit suffix). */
  async create(path: string, data: Uint8Array | null, mode: CreateMode = 'PERSISTENT'): Promise<string> {
    const [created] = await this.call<[string]>(path, (raw, cb) =>
      raw.create(path, toBuffer(data), nzk.ACL.OPEN_ACL_UNSAFE, CREATE_MODE[mode], cb),
    );
    return created;
  }

  /** Reads data and stat; with a watcher, it fires once on NodeDataChanged or NodeDeleted. Data null = no data. */
  async getData(path: string, watcher?: Watcher): Promise<{ data: Uint8Array | null; stat: ZkStat }> {
    const [data, stat] = await this.call<[Buffer | undefined, RawStat]>(path, (raw, cb) =>
      raw.getData(path, this.rawWatcher(watcher), cb),
    );
    return { data: data === undefined || data === null ? null : new Uint8Array(data), stat: statOf(stat) };
  }

  /**
   * The stat, or null if the node does not exist. With a watcher: fires once on NodeCreated (if absent) or
   * NodeDataChanged/NodeDeleted (if present).
   */
  async exists(path: string, watcher?: Watcher): Promise<ZkStat | null> {
    const [stat] = await this.call<[RawStat | null]>(path, (raw, cb) =>
      raw.exists(path, this.rawWatcher(watcher), cb),
    );
    return stat === null ? null : statOf(stat);
  }

  /** Children names (unsorted, as the server returns them); with a watcher: fires once on NodeChildrenChanged or NodeDeleted. */
  async getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: ZkStat }> {
    const [children, stat] = await this.call<[string[], RawStat]>(path, (raw, cb) =>
      raw.getChildren(path, this.rawWatcher(watcher), cb),
    );
    return { children, stat: statOf(stat) };
  }

  /** Conditional write: fails with BADVERSION unless the data version is `version` (−1 = any). */
  async setData(path: string, data: Uint8Array | null, version = -1): Promise<ZkStat> {
    const buffer = toBuffer(data) ?? Buffer.alloc(0);
    const [stat] = await this.call<[RawStat]>(path, (raw, cb) => raw.setData(path, buffer, version, cb));
    return statOf(stat);
  }

  /** Deletes a childless znode (NOTEMPTY otherwise); `version` −1 = any. */
  async delete(path: string, version = -1): Promise<void> {
    await this.call<[]>(path, (raw, cb) => raw.remove(path, version, cb));
  }

  /**
   * Runs the operations atomically. On failure throws the KeeperException of the first failing operation,
   * with `failedOpIndex` set.
   */
  async multi(ops: readonly ZkMultiOp[]): Promise<ZkMultiResult[]> {
    if (this.closed) throw new KzError(ZK_ERROR_CODES.KZ_ERR_ZK_CLOSED, 'ZooKeeper client is closed (multi)');
    const transaction = this.raw.transaction();
    for (const op of ops) {
      // Pushed directly: the library's helpers turn version 0 into -1 (see the header).
      switch (op.type) {
        case 'create':
          transaction.ops.push({
            type: OP.create,
            path: op.path,
            data: toBuffer(op.data),
            acls: nzk.ACL.OPEN_ACL_UNSAFE,
            mode: CREATE_MODE[op.mode],
          });
          break;
        case 'setData':
          transaction.ops.push({
            type: OP.setData,
            path: op.path,
            data: toBuffer(op.data) ?? Buffer.alloc(0),
            version: op.version,
          });
          break;
        case 'delete':
          transaction.ops.push({ type: OP.delete, path: op.path, version: op.version });
          break;
        case 'check':
          transaction.ops.push({ type: OP.check, path: op.path, version: op.version });
          break;
      }
    }
    const rawResults = await new Promise<RawMultiResult[]>((resolve, reject) => {
      transaction.commit((error, results) => {
        if (error === null) {
          resolve(results);
          return;
        }
        if (results === undefined) {
          reject(toKeeperException(error, undefined));
          return;
        }
        // The failing op carries the real error; ops after it report RUNTIMEINCONSISTENCY.
        const index = results.findIndex((r) => r.type === OP.error && r.err !== 0 && r.err !== -2);
        const failedIndex = index >= 0 ? index : results.findIndex((r) => r.type === OP.error && r.err !== 0);
        reject(toKeeperException(error, ops[failedIndex]?.path, failedIndex >= 0 ? failedIndex : undefined));
      });
    });
    return rawResults.map((result, i): ZkMultiResult => {
      switch (ops[i].type) {
        case 'create':
          return { type: 'create', path: result.path ?? ops[i].path };
        case 'setData':
          if (result.stat === undefined) throw new Error('multi: setData result without a stat');
          return { type: 'setData', stat: statOf(result.stat) };
        case 'delete':
          return { type: 'delete' };
        case 'check':
          return { type: 'check' };
      }
    });
  }

  /**
   * Closes the session (its ephemeral nodes disappear at once). Resolves when the connection is closed,
   * or after `timeoutMs` (then the socket is destroyed).
   */
  async close(timeoutMs = 2_000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.watchdog);
    const raw = this.raw;
    if (raw.getState().name !== 'SYNC_CONNECTED') {
      this.forceClose();
      this.emit('closed');
      return;
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        raw.connectionManager.socket?.destroy();
        resolve();
      }, timeoutMs);
      raw.on('state', (state) => {
        if (state.name === 'DISCONNECTED') {
          clearTimeout(timer);
          resolve();
        }
      });
      raw.close();
    });
    this.emit('closed');
  }

  private forceClose(): void {
    this.closed = true;
    clearInterval(this.watchdog);
    const manager = this.raw.connectionManager;
    // A reconnect may be scheduled (spin delay); make sure it never opens another socket.
    manager.connect = () => undefined;
    try {
      this.raw.close();
    } catch {
      // nothing to close
    }
    manager.socket?.destroy();
  }
}
