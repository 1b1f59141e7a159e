// A small raw ZooKeeper client for tests (plain node:net + Buffer), independent of the server code.
// It exposes exactly what a conformance check needs: reply-header zxids, raw error codes, full Stat,
// watch notifications in arrival order, and every frame's bytes.
import { connect, type Socket } from 'node:net';

// ---------------------------------------------------------------------------------------------
// Constants (ZooKeeper 3.8 names)

export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const;

export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const;

const errorNames = new Map<number, string>(Object.entries(ErrorCode).map(([name, code]) => [code, name]));

export function errorName(code: number): string {
  return errorNames.get(code) ?? `UNKNOWN(${code})`;
}

export const CreateFlags = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const;

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const;

export const KeeperState = {
  Disconnected: 0,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const;

export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const;

/** Special reply xids. */
export const Xid = { notification: -1, ping: -2, auth: -4, setWatches: -8 } as const;

export interface Id {
  scheme: string;
  id: string;
}
export interface Acl {
  perms: number;
  id: Id;
}
export const OPEN_ACL_UNSAFE: Acl[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }];

export interface Stat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export interface WatcherEvent {
  type: number;
  state: number;
  path: string;
  /** Reply-header zxid of the notification frame. */
  zxid: bigint;
}

// ---------------------------------------------------------------------------------------------
// Jute encoding

export class JuteWriter {
  private buffer = Buffer.alloc(256);
  private offset = 0;

  private ensure(extra: number): void {
    if (this.offset + extra <= this.buffer.length) return;
    const next = Buffer.alloc(Math.max(this.buffer.length * 2, this.offset + extra));
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }
  int(value: number): this {
    this.ensure(4);
    this.buffer.writeInt32BE(value, this.offset);
    this.offset += 4;
    return this;
  }
  long(value: bigint | number): this {
    this.ensure(8);
    this.buffer.writeBigInt64BE(BigInt(value), this.offset);
    this.offset += 8;
    return this;
  }
  bool(value: boolean): this {
    this.ensure(1);
    this.buffer.writeUInt8(value ? 1 : 0, this.offset);
    this.offset += 1;
    return this;
  }
  /** null → length -1. */
  buffer_(value: Uint8Array | null): this {
    if (value === null) return this.int(-1);
    this.int(value.length);
    this.ensure(value.length);
    this.buffer.set(value, this.offset);
    this.offset += value.length;
    return this;
  }
  /** null → length -1. */
  ustring(value: string | null): this {
    return this.buffer_(value === null ? null : Buffer.from(value, 'utf8'));
  }
  raw(bytes: Uint8Array): this {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
    return this;
  }
  vector<T>(items: readonly T[] | null, write: (item: T) => void): this {
    if (items === null) return this.int(-1);
    this.int(items.length);
    for (const item of items) write(item);
    return this;
  }
  acls(acls: readonly Acl[] | null): this {
    return this.vector(acls, (acl) => {
      this.int(acl.perms).ustring(acl.id.scheme).ustring(acl.id.id);
    });
  }
  strings(items: readonly string[] | null): this {
    return this.vector(items, (item) => void this.ustring(item));
  }
  toBuffer(): Buffer {
    return Buffer.from(this.buffer.subarray(0, this.offset));
  }
}

export class JuteReader {
  offset = 0;
  readonly buffer: Buffer;
  constructor(buffer: Buffer) {
    this.buffer = buffer;
  }

  get remaining(): number {
    return this.buffer.length - this.offset;
  }
  private need(bytes: number): void {
    if (this.offset + bytes > this.buffer.length) {
      throw new Error(`jute: need ${bytes} bytes at offset ${this.offset}, frame has ${this.buffer.length}`);
    }
  }
  int(): number {
    this.need(4);
    const value = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return value;
  }
  long(): bigint {
    this.need(8);
    const value = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return value;
  }
  bool(): boolean {
    this.need(1);
    const value = this.buffer.readUInt8(this.offset);
    this.offset += 1;
    return value !== 0;
  }
  buffer_(): Buffer | null {
    const length = this.int();
    if (length < 0) return null;
    this.need(length);
    const value = Buffer.from(this.buffer.subarray(this.offset, this.offset + length));
    this.offset += length;
    return value;
  }
  ustring(): string | null {
    const bytes = this.buffer_();
    return bytes === null ? null : bytes.toString('utf8');
  }
  vector<T>(read: () => T): T[] | null {
    const count = this.int();
    if (count < 0) return null;
    const items: T[] = [];
    for (let i = 0; i < count; i++) items.push(read());
    return items;
  }
  strings(): string[] | null {
    return this.vector(() => this.ustring() ?? '');
  }
  acls(): Acl[] | null {
    return this.vector(() => ({
      perms: this.int(),
      id: { scheme: this.ustring() ?? '', id: this.ustring() ?? '' },
    }));
  }
  stat(): Stat {
    return {
      czxid: this.long(),
      mzxid: this.long(),
      ctime: this.long(),
      mtime: this.long(),
      version: this.int(),
      cversion: this.int(),
      aversion: this.int(),
      ephemeralOwner: this.long(),
      dataLength: this.int(),
      numChildren: this.int(),
      pzxid: this.long(),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Multi

export type MultiOp =
  | { type: 'create'; path: string; data?: Uint8Array | null; acl?: Acl[]; flags?: number }
  | { type: 'create2'; path: string; data?: Uint8Array | null; acl?: Acl[]; flags?: number }
  | { type: 'delete'; path: string; version?: number }
  | { type: 'setData'; path: string; data?: Uint8Array | null; version?: number }
  | { type: 'check'; path: string; version?: number };

export type MultiReadOp = { type: 'getChildren'; path: string } | { type: 'getData'; path: string };

export type MultiResult =
  | { type: 'create'; path: string }
  | { type: 'create2'; path: string; stat: Stat }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }
  | { type: 'error'; err: number }
  | { type: 'getChildren'; children: string[] | null }
  | { type: 'getData'; data: Buffer | null; stat: Stat };

export function encodeMulti(ops: readonly MultiOp[]): Buffer {
  const w = new JuteWriter();
  for (const op of ops) {
    w.int(OpCode[op.type]).bool(false).int(-1);
    switch (op.type) {
      case 'create':
      case 'create2':
        w.ustring(op.path)
          .buffer_(op.data ?? null)
          .acls(op.acl ?? OPEN_ACL_UNSAFE)
          .int(op.flags ?? 0);
        break;
      case 'delete':
        w.ustring(op.path).int(op.version ?? -1);
        break;
      case 'setData':
        w.ustring(op.path)
          .buffer_(op.data ?? null)
          .int(op.version ?? -1);
        break;
      case 'check':
        w.ustring(op.path).int(op.version ?? -1);
        break;
    }
  }
  w.int(-1).bool(true).int(-1);
  return w.toBuffer();
}

export function encodeMultiRead(ops: readonly MultiReadOp[]): Buffer {
  const w = new JuteWriter();
  for (const op of ops) {
    w.int(OpCode[op.type]).bool(false).int(-1);
    w.ustring(op.path).bool(false); // GetChildrenRequest / GetDataRequest: path, watch
  }
  w.int(-1).bool(true).int(-1);
  return w.toBuffer();
}

export function decodeMultiResponse(body: Buffer): MultiResult[] {
  const r = new JuteReader(body);
  const results: MultiResult[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    const err = r.int();
    if (done) break;
    switch (type) {
      case OpCode.create:
        results.push({ type: 'create', path: r.ustring() ?? '' });
        break;
      case OpCode.create2:
      case OpCode.createTTL:
      case OpCode.createContainer:
        results.push({ type: 'create2', path: r.ustring() ?? '', stat: r.stat() });
        break;
      case OpCode.delete:
        results.push({ type: 'delete' });
        break;
      case OpCode.setData:
        results.push({ type: 'setData', stat: r.stat() });
        break;
      case OpCode.check:
        results.push({ type: 'check' });
        break;
      case OpCode.getChildren:
        results.push({ type: 'getChildren', children: r.strings() });
        break;
      case OpCode.getData:
        results.push({ type: 'getData', data: r.buffer_(), stat: r.stat() });
        break;
      case OpCode.error:
        results.push({ type: 'error', err: r.int() });
        void err;
        break;
      default:
        throw new Error(`multi response: unknown op type ${type}`);
    }
  }
  return results;
}

// ---------------------------------------------------------------------------------------------
// Connection

export interface Frame {
  direction: 'c2s' | 's2c';
  bytes: Buffer;
}

export interface Reply {
  xid: number;
  zxid: bigint;
  err: number;
  body: Buffer;
}

export interface ConnectResponse {
  protocolVersion: number;
  timeOut: number;
  sessionId: bigint;
  passwd: Buffer;
  readOnly: boolean | undefined;
}

export interface ConnectOptions {
  host: string;
  port: number;
  sessionTimeoutMs?: number;
  sessionId?: bigint;
  passwd?: Buffer;
  lastZxidSeen?: bigint;
  /** Send the trailing readOnly byte (Java and kazoo do; node-zookeeper-client does not). */
  readOnlyByte?: boolean | null;
  deadlineMs?: number;
  /**
   * Send a ping when no request was sent for this long (default: a third of the negotiated session
   * timeout, as real clients do); 0 disables.
   */
  keepAliveMs?: number;
}

export class ConnectionClosedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionClosedError';
  }
}

/** Error for a non-OK reply; `code` is the raw ZooKeeper error code. */
export class KeeperError extends Error {
  readonly code: number;
  readonly zxid: bigint;
  constructor(code: number, zxid: bigint, what: string) {
    super(`${what}: ${errorName(code)} (${code})`);
    this.code = code;
    this.zxid = zxid;
    this.name = 'KeeperError';
  }
}

interface Pending {
  xid: number;
  resolve: (reply: Reply) => void;
  reject: (error: Error) => void;
}

export class JuteProbe {
  readonly frames: Frame[] = [];
  readonly events: WatcherEvent[] = [];
  /** xids of requests whose reply was overtaken by the reply of a later request. */
  readonly overtaken: number[] = [];
  connectResponse!: ConnectResponse;
  /** Highest reply-header zxid seen (> 0). */
  lastZxidSeen = 0n;
  private readonly socket: Socket;
  private incoming = Buffer.alloc(0);
  private readonly pending: Pending[] = [];
  private nextXid = 1;
  private lastSentAt = Date.now();
  private closed = false;
  private closeReason = '';
  private connectWaiter: { resolve: (r: ConnectResponse) => void; reject: (e: Error) => void } | undefined;
  private eventWaiters: Array<() => void> = [];
  private closeWaiters: Array<() => void> = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (error) => this.onClose(`socket error: ${error.message}`));
    socket.on('close', () => this.onClose('connection closed by server'));
  }

  get sessionId(): bigint {
    return this.connectResponse.sessionId;
  }
  get isClosed(): boolean {
    return this.closed;
  }

  /** Opens a TCP connection and performs the ConnectRequest/ConnectResponse handshake. */
  static async connect(options: ConnectOptions): Promise<JuteProbe> {
    const socket = connect({ host: options.host, port: options.port });
    socket.setNoDelay(true);
    const probe = new JuteProbe(socket);
    const deadlineMs = options.deadlineMs ?? 10_000;
    const timer = setTimeout(() => probe.destroy(`no ConnectResponse within ${deadlineMs} ms`), deadlineMs);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('connect', resolve);
        socket.once('error', reject);
      });
      const w = new JuteWriter()
        .int(0)
        .long(options.lastZxidSeen ?? 0n)
        .int(options.sessionTimeoutMs ?? 30_000)
        .long(options.sessionId ?? 0n)
        .buffer_(options.passwd ?? Buffer.alloc(16));
      const readOnlyByte = options.readOnlyByte === undefined ? false : options.readOnlyByte;
      if (readOnlyByte !== null) w.bool(readOnlyByte);
      const response = new Promise<ConnectResponse>((resolve, reject) => {
        probe.connectWaiter = { resolve, reject };
      });
      probe.sendFrame(w.toBuffer());
      probe.connectResponse = await response;
      const keepAliveMs = options.keepAliveMs ?? Math.floor(probe.connectResponse.timeOut / 3);
      if (keepAliveMs > 0) probe.startKeepAlive(keepAliveMs);
      return probe;
    } catch (error) {
      probe.destroy('connect failed');
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  private startKeepAlive(intervalMs: number): void {
    const timer = setInterval(
      () => {
        if (this.closed) {
          clearInterval(timer);
          return;
        }
        if (Date.now() - this.lastSentAt >= intervalMs) void this.ping().catch(() => undefined);
      },
      Math.max(100, Math.floor(intervalMs / 2)),
    );
    timer.unref();
    this.closeWaiters.push(() => clearInterval(timer));
  }

  private sendFrame(payload: Buffer): void {
    this.lastSentAt = Date.now();
    const frame = Buffer.alloc(4 + payload.length);
    frame.writeInt32BE(payload.length, 0);
    payload.copy(frame, 4);
    this.frames.push({ direction: 'c2s', bytes: frame });
    this.socket.write(frame);
  }

  private onData(chunk: Buffer): void {
    this.incoming = Buffer.concat([this.incoming, chunk]);
    while (this.incoming.length >= 4) {
      const length = this.incoming.readInt32BE(0);
      if (this.incoming.length < 4 + length) break;
      const frame = this.incoming.subarray(0, 4 + length);
      this.incoming = this.incoming.subarray(4 + length);
      this.frames.push({ direction: 's2c', bytes: Buffer.from(frame) });
      this.onFrame(Buffer.from(frame.subarray(4)));
    }
  }

  private onFrame(payload: Buffer): void {
    if (this.connectWaiter) {
      const r = new JuteReader(payload);
      const response: ConnectResponse = {
        protocolVersion: r.int(),
        timeOut: r.int(),
        sessionId: r.long(),
        passwd: r.buffer_() ?? Buffer.alloc(0),
        readOnly: r.remaining >= 1 ? r.bool() : undefined,
      };
      const waiter = this.connectWaiter;
      this.connectWaiter = undefined;
      waiter.resolve(response);
      return;
    }
    const r = new JuteReader(payload);
    const xid = r.int();
    const zxid = r.long();
    const err = r.int();
    if (zxid > this.lastZxidSeen) this.lastZxidSeen = zxid;
    const body = Buffer.from(payload.subarray(r.offset));
    if (xid === Xid.notification) {
      const er = new JuteReader(body);
      this.events.push({ type: er.int(), state: er.int(), path: er.ustring() ?? '', zxid });
      const waiters = this.eventWaiters;
      this.eventWaiters = [];
      for (const wake of waiters) wake();
      return;
    }
    const index = this.pending.findIndex((p) => p.xid === xid);
    if (index < 0) {
      this.destroy(`reply with unexpected xid ${xid} (pending: ${this.pending.map((p) => p.xid).join(',')})`);
      return;
    }
    // Replies come in request order; a reply that overtakes an earlier request means the server
    // dropped that request's reply (Apache does for a standalone `check`). Record it, keep waiting.
    if (index !== 0) this.overtaken.push(...this.pending.slice(0, index).map((p) => p.xid));
    const [entry] = this.pending.splice(index, 1);
    entry.resolve({ xid, zxid, err, body });
  }

  private onClose(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.closeReason = reason;
    const error = new ConnectionClosedError(reason);
    this.connectWaiter?.reject(error);
    this.connectWaiter = undefined;
    for (const p of this.pending.splice(0)) p.reject(error);
    for (const wake of this.eventWaiters.splice(0)) wake();
    for (const wake of this.closeWaiters.splice(0)) wake();
  }

  /** Closes the socket without a closeSession request (the session lives on until it expires). */
  destroy(reason = 'destroyed by client'): void {
    this.socket.destroy();
    this.onClose(reason);
  }

  /** Resolves when the connection is closed (by either side). */
  waitClosed(deadlineMs = 10_000): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`connection not closed within ${deadlineMs} ms`)),
        deadlineMs,
      );
      this.closeWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** Sends a request with a fresh xid (or a given special xid) and resolves with the raw reply. */
  request(type: number, body: Buffer = Buffer.alloc(0), { xid }: { xid?: number } = {}): Promise<Reply> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.closeReason));
    const requestXid = xid ?? this.nextXid++;
    const header = new JuteWriter().int(requestXid).int(type).toBuffer();
    return new Promise<Reply>((resolve, reject) => {
      this.pending.push({ xid: requestXid, resolve, reject });
      this.sendFrame(Buffer.concat([header, body]));
    });
  }

  /** Like request() but throws KeeperError unless err is OK. */
  async call(type: number, body: Buffer, what: string): Promise<Reply> {
    const reply = await this.request(type, body);
    if (reply.err !== 0) throw new KeeperError(reply.err, reply.zxid, what);
    return reply;
  }

  /** Waits until at least `count` events have arrived (total since connect), or throws. */
  async waitForEvents(count: number, deadlineMs = 5_000): Promise<WatcherEvent[]> {
    const start = Date.now();
    while (this.events.length < count) {
      if (this.closed) throw new ConnectionClosedError(`waiting for ${count} events: ${this.closeReason}`);
      const left = deadlineMs - (Date.now() - start);
      if (left <= 0) {
        throw new Error(
          `timed out after ${deadlineMs} ms waiting for ${count} events (have ${this.events.length})`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.eventWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.events.slice(0, count);
  }

  /** Removes and returns all events received so far. */
  takeEvents(): WatcherEvent[] {
    return this.events.splice(0);
  }

  /**
   * Round trip that orders everything before it: ZooKeeper answers requests of one session in order and
   * queues watch events triggered by earlier writes before later replies, so after `fence()` resolves all
   * events caused by already acknowledged writes have arrived.
   */
  async fence(): Promise<void> {
    await this.ping();
  }

  // ---- typed operations (reply returned raw so callers can see err and zxid) ----

  ping(): Promise<Reply> {
    return this.request(OpCode.ping, Buffer.alloc(0), { xid: Xid.ping });
  }

  create(path: string, data: Uint8Array | null, flags = 0, acl: Acl[] = OPEN_ACL_UNSAFE): Promise<Reply> {
    return this.request(
      OpCode.create,
      new JuteWriter().ustring(path).buffer_(data).acls(acl).int(flags).toBuffer(),
    );
  }
  create2(path: string, data: Uint8Array | null, flags = 0, acl: Acl[] = OPEN_ACL_UNSAFE): Promise<Reply> {
    return this.request(
      OpCode.create2,
      new JuteWriter().ustring(path).buffer_(data).acls(acl).int(flags).toBuffer(),
    );
  }
  createContainer(path: string, data: Uint8Array | null, acl: Acl[] = OPEN_ACL_UNSAFE): Promise<Reply> {
    return this.request(
      OpCode.createContainer,
      new JuteWriter().ustring(path).buffer_(data).acls(acl).int(CreateFlags.CONTAINER).toBuffer(),
    );
  }
  createTTL(
    path: string,
    data: Uint8Array | null,
    flags: number,
    ttl: bigint,
    acl = OPEN_ACL_UNSAFE,
  ): Promise<Reply> {
    return this.request(
      OpCode.createTTL,
      new JuteWriter().ustring(path).buffer_(data).acls(acl).int(flags).long(ttl).toBuffer(),
    );
  }
  delete(path: string, version = -1): Promise<Reply> {
    return this.request(OpCode.delete, new JuteWriter().ustring(path).int(version).toBuffer());
  }
  exists(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.exists, new JuteWriter().ustring(path).bool(watch).toBuffer());
  }
  getData(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getData, new JuteWriter().ustring(path).bool(watch).toBuffer());
  }
  setData(path: string, data: Uint8Array | null, version = -1): Promise<Reply> {
    return this.request(OpCode.setData, new JuteWriter().ustring(path).buffer_(data).int(version).toBuffer());
  }
  getACL(path: string): Promise<Reply> {
    return this.request(OpCode.getACL, new JuteWriter().ustring(path).toBuffer());
  }
  setACL(path: string, acl: Acl[], version = -1): Promise<Reply> {
    return this.request(OpCode.setACL, new JuteWriter().ustring(path).acls(acl).int(version).toBuffer());
  }
  getChildren(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getChildren, new JuteWriter().ustring(path).bool(watch).toBuffer());
  }
  getChildren2(path: string, watch = false): Promise<Reply> {
    return this.request(OpCode.getChildren2, new JuteWriter().ustring(path).bool(watch).toBuffer());
  }
  sync(path: string): Promise<Reply> {
    return this.request(OpCode.sync, new JuteWriter().ustring(path).toBuffer());
  }
  check(path: string, version = -1): Promise<Reply> {
    return this.request(OpCode.check, new JuteWriter().ustring(path).int(version).toBuffer());
  }
  multi(ops: readonly MultiOp[]): Promise<Reply> {
    return this.request(OpCode.multi, encodeMulti(ops));
  }
  multiRead(ops: readonly MultiReadOp[]): Promise<Reply> {
    return this.request(OpCode.multiRead, encodeMultiRead(ops));
  }
  addAuth(scheme: string, auth: Uint8Array): Promise<Reply> {
    return this.request(OpCode.auth, new JuteWriter().int(0).ustring(scheme).buffer_(auth).toBuffer(), {
      xid: Xid.auth,
    });
  }
  setWatches(relativeZxid: bigint, data: string[], exist: string[], child: string[]): Promise<Reply> {
    return this.request(
      OpCode.setWatches,
      new JuteWriter().long(relativeZxid).strings(data).strings(exist).strings(child).toBuffer(),
      { xid: Xid.setWatches },
    );
  }
  getEphemerals(prefixPath: string): Promise<Reply> {
    return this.request(OpCode.getEphemerals, new JuteWriter().ustring(prefixPath).toBuffer());
  }
  getAllChildrenNumber(path: string): Promise<Reply> {
    return this.request(OpCode.getAllChildrenNumber, new JuteWriter().ustring(path).toBuffer());
  }
  addWatch(path: string, mode: 0 | 1): Promise<Reply> {
    return this.request(OpCode.addWatch, new JuteWriter().ustring(path).int(mode).toBuffer());
  }
  /** type: 1 = children, 2 = data, 3 = any. */
  removeWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.removeWatches, new JuteWriter().ustring(path).int(type).toBuffer());
  }
  checkWatches(path: string, type: number): Promise<Reply> {
    return this.request(OpCode.checkWatches, new JuteWriter().ustring(path).int(type).toBuffer());
  }
  whoAmI(): Promise<Reply> {
    return this.request(OpCode.whoAmI);
  }
  /** Sends closeSession and waits for the reply and for the server to close the socket. */
  async close(deadlineMs = 10_000): Promise<Reply | undefined> {
    if (this.closed) return undefined;
    let reply: Reply;
    try {
      reply = await this.request(OpCode.closeSession);
    } catch (error) {
      // The server closed the connection first (e.g. the session was taken over): nothing left to close.
      if (error instanceof ConnectionClosedError) return undefined;
      throw error;
    }
    await this.waitClosed(deadlineMs).catch(() =>
      this.destroy('closeSession: server did not close the socket'),
    );
    return reply;
  }
}

// ---- body decoders ----

export const decode = {
  path(body: Buffer): string {
    return new JuteReader(body).ustring() ?? '';
  },
  pathAndStat(body: Buffer): { path: string; stat: Stat } {
    const r = new JuteReader(body);
    return { path: r.ustring() ?? '', stat: r.stat() };
  },
  stat(body: Buffer): Stat {
    return new JuteReader(body).stat();
  },
  dataAndStat(body: Buffer): { data: Buffer | null; stat: Stat } {
    const r = new JuteReader(body);
    return { data: r.buffer_(), stat: r.stat() };
  },
  aclAndStat(body: Buffer): { acl: Acl[] | null; stat: Stat } {
    const r = new JuteReader(body);
    return { acl: r.acls(), stat: r.stat() };
  },
  children(body: Buffer): string[] | null {
    return new JuteReader(body).strings();
  },
  childrenAndStat(body: Buffer): { children: string[] | null; stat: Stat } {
    const r = new JuteReader(body);
    return { children: r.strings(), stat: r.stat() };
  },
  strings(body: Buffer): string[] | null {
    return new JuteReader(body).strings();
  },
  int(body: Buffer): number {
    return new JuteReader(body).int();
  },
  clientInfo(body: Buffer): Array<{ authScheme: string; user: string }> | null {
    const r = new JuteReader(body);
    return r.vector(() => ({ authScheme: r.ustring() ?? '', user: r.ustring() ?? '' }));
  },
  multi: decodeMultiResponse,
};

/** Frames as hex strings (for golden files and debugging). */
export function framesToHex(frames: readonly Frame[]): Array<{ direction: 'c2s' | 's2c'; hex: string }> {
  return frames.map((f) => ({ direction: f.direction, hex: f.bytes.toString('hex') }));
}
