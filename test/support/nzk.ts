// Typed, promise-based wrapper around the node-zookeeper-client npm package (plain JS, no types) for tests.
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

const require = createRequire(import.meta.url);

/** Stat as node-zookeeper-client returns it: longs are 8-byte big-endian Buffers. */
export interface NzkStat {
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

export interface NzkId {
  scheme: string;
  id: string;
}
export interface NzkAcl {
  permission: number;
  id: NzkId;
}
export interface NzkEvent {
  type: number;
  name: string;
  path: string;
  getType(): number;
  getName(): string;
  getPath(): string;
}
export interface NzkState {
  name: string;
  code: number;
}
export interface NzkError extends Error {
  code: number;
  name: string;
  path?: string;
  getCode(): number;
}

type Callback<T extends unknown[]> = (error: NzkError | null, ...results: T) => void;
type Watcher = (event: NzkEvent) => void;

interface RawTransaction {
  create(path: string, data?: Buffer | null, acls?: NzkAcl[], mode?: number): RawTransaction;
  setData(path: string, data: Buffer | null, version?: number): RawTransaction;
  remove(path: string, version?: number): RawTransaction;
  check(path: string, version?: number): RawTransaction;
  commit(callback: Callback<[MultiResultEntry[]]>): void;
}

interface RawClient {
  connect(): void;
  close(): void;
  on(event: 'state', listener: (state: NzkState) => void): void;
  once(event: 'connected' | 'disconnected' | 'expired' | 'authenticationFailed', listener: () => void): void;
  removeListener(event: string, listener: (...args: unknown[]) => void): void;
  getState(): NzkState;
  getSessionId(): Buffer;
  getSessionPassword(): Buffer;
  getSessionTimeout(): number;
  addAuthInfo(scheme: string, auth: Buffer): void;
  create(path: string, data: Buffer | null, acls: NzkAcl[], mode: number, callback: Callback<[string]>): void;
  remove(path: string, version: number, callback: Callback<[]>): void;
  exists(path: string, watcher: Watcher | undefined, callback: Callback<[NzkStat | null]>): void;
  getData(path: string, watcher: Watcher | undefined, callback: Callback<[Buffer | null, NzkStat]>): void;
  setData(path: string, data: Buffer | null, version: number, callback: Callback<[NzkStat]>): void;
  getChildren(path: string, watcher: Watcher | undefined, callback: Callback<[string[], NzkStat]>): void;
  getACL(path: string, callback: Callback<[NzkAcl[], NzkStat]>): void;
  setACL(path: string, acls: NzkAcl[], version: number, callback: Callback<[NzkStat]>): void;
  mkdirp(path: string, data: Buffer | null, acls: NzkAcl[], mode: number, callback: Callback<[string]>): void;
  transaction(): RawTransaction;
  connectionManager: { socket?: Socket };
}

interface NzkModule {
  createClient(connectionString: string, options?: Record<string, unknown>): RawClient;
  ACL: { OPEN_ACL_UNSAFE: NzkAcl[]; CREATOR_ALL_ACL: NzkAcl[]; READ_ACL_UNSAFE: NzkAcl[] } & (new (
    permission: number,
    id: NzkId,
  ) => NzkAcl);
  Id: new (scheme: string, id: string) => NzkId;
  Permission: { READ: number; WRITE: number; CREATE: number; DELETE: number; ADMIN: number; ALL: number };
  CreateMode: {
    PERSISTENT: number;
    PERSISTENT_SEQUENTIAL: number;
    EPHEMERAL: number;
    EPHEMERAL_SEQUENTIAL: number;
  };
  State: Record<string, NzkState>;
  Event: Record<string, number>;
  Exception: Record<string, number>;
}

export const nzk = require('node-zookeeper-client') as NzkModule;

export function statLong(value: Buffer): bigint {
  return value.readBigInt64BE(0);
}

/** Stat with longs as bigint. */
export function statOf(stat: NzkStat) {
  return {
    czxid: statLong(stat.czxid),
    mzxid: statLong(stat.mzxid),
    ctime: statLong(stat.ctime),
    mtime: statLong(stat.mtime),
    version: stat.version,
    cversion: stat.cversion,
    aversion: stat.aversion,
    ephemeralOwner: statLong(stat.ephemeralOwner),
    dataLength: stat.dataLength,
    numChildren: stat.numChildren,
    pzxid: statLong(stat.pzxid),
  };
}

function promisify<T extends unknown[]>(run: (callback: Callback<T>) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    run((error, ...results) => (error ? reject(error) : resolve(results)));
  });
}

export interface ZkClientOptions {
  sessionTimeout?: number;
  spinDelay?: number;
  retries?: number;
  sessionId?: Buffer;
  sessionPassword?: Buffer;
}

/** Promise API over one node-zookeeper-client Client. */
export class ZkClient {
  readonly raw: RawClient;
  readonly states: string[] = [];

  private constructor(raw: RawClient) {
    this.raw = raw;
    raw.on('state', (state) => this.states.push(state.name));
  }

  static async connect(
    connectString: string,
    options: ZkClientOptions = {},
    deadlineMs = 10_000,
  ): Promise<ZkClient> {
    const raw = nzk.createClient(connectString, {
      sessionTimeout: 30_000,
      spinDelay: 100,
      retries: 0,
      ...options,
    });
    const client = new ZkClient(raw);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        raw.close();
        reject(new Error(`node-zookeeper-client: not connected to ${connectString} within ${deadlineMs} ms`));
      }, deadlineMs);
      raw.once('connected', () => {
        clearTimeout(timer);
        resolve();
      });
      raw.connect();
    });
    return client;
  }

  get sessionId(): bigint {
    return this.raw.getSessionId().readBigInt64BE(0);
  }

  close(): void {
    this.raw.close();
  }

  /** Resolves when the client emits `event` (bounded). */
  waitFor(event: 'connected' | 'disconnected' | 'expired', deadlineMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`node-zookeeper-client: no '${event}' within ${deadlineMs} ms`)),
        deadlineMs,
      );
      this.raw.once(event, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async create(
    path: string,
    data: Buffer | null = null,
    mode = 0,
    acls: NzkAcl[] = nzk.ACL.OPEN_ACL_UNSAFE,
  ): Promise<string> {
    const [created] = await promisify<[string]>((cb) => this.raw.create(path, data, acls, mode, cb));
    return created;
  }
  async remove(path: string, version = -1): Promise<void> {
    await promisify<[]>((cb) => this.raw.remove(path, version, cb));
  }
  async exists(path: string, watcher?: Watcher): Promise<NzkStat | null> {
    const [stat] = await promisify<[NzkStat | null]>((cb) => this.raw.exists(path, watcher, cb));
    return stat;
  }
  async getData(path: string, watcher?: Watcher): Promise<{ data: Buffer | null; stat: NzkStat }> {
    const [data, stat] = await promisify<[Buffer | null, NzkStat]>((cb) =>
      this.raw.getData(path, watcher, cb),
    );
    return { data, stat };
  }
  async setData(path: string, data: Buffer | null, version = -1): Promise<NzkStat> {
    const [stat] = await promisify<[NzkStat]>((cb) => this.raw.setData(path, data, version, cb));
    return stat;
  }
  async getChildren(path: string, watcher?: Watcher): Promise<{ children: string[]; stat: NzkStat }> {
    const [children, stat] = await promisify<[string[], NzkStat]>((cb) =>
      this.raw.getChildren(path, watcher, cb),
    );
    return { children, stat };
  }
  async getACL(path: string): Promise<{ acls: NzkAcl[]; stat: NzkStat }> {
    const [acls, stat] = await promisify<[NzkAcl[], NzkStat]>((cb) => this.raw.getACL(path, cb));
    return { acls, stat };
  }
  async setACL(path: string, acls: NzkAcl[], version = -1): Promise<NzkStat> {
    const [stat] = await promisify<[NzkStat]>((cb) => this.raw.setACL(path, acls, version, cb));
    return stat;
  }
  async mkdirp(path: string, data: Buffer | null = null): Promise<string> {
    const [created] = await promisify<[string]>((cb) =>
      this.raw.mkdirp(path, data, nzk.ACL.OPEN_ACL_UNSAFE, 0, cb),
    );
    return created;
  }
  transaction(): RawTransaction {
    return this.raw.transaction();
  }
  /** Commits a multi; resolves with the first failing op's error (if any) and the per-op results. */
  commit(transaction: RawTransaction): Promise<{ error: NzkError | null; results: MultiResultEntry[] }> {
    return new Promise((resolve) => {
      transaction.commit((error, results) => resolve({ error, results }));
    });
  }
}

export interface MultiResultEntry {
  type: number;
  path?: string;
  stat?: NzkStat;
  err?: number;
}

/** Runs `fn`, expecting it to fail with a node-zookeeper-client Exception; returns the exception code. */
export async function errorCode(fn: () => Promise<unknown>): Promise<number> {
  try {
    await fn();
  } catch (error) {
    const code = (error as NzkError).code;
    if (typeof code === 'number') return code;
    throw error;
  }
  throw new Error('expected a ZooKeeper error, got success');
}

/** Promise that resolves with the first event delivered to the returned watcher (bounded). */
export function nextEvent(deadlineMs = 5_000): { watcher: Watcher; event: Promise<NzkEvent> } {
  let watcher!: Watcher;
  const event = new Promise<NzkEvent>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no watch event within ${deadlineMs} ms`)), deadlineMs);
    watcher = (e) => {
      clearTimeout(timer);
      resolve(e);
    };
  });
  // Not awaiting it (e.g. a test failed earlier) must not become an unhandled rejection.
  event.catch(() => undefined);
  return { watcher, event };
}
