// DataTree: the in-memory znode tree every server holds, changed only by committed transactions
// (processTxn), read directly by read requests. Stat bookkeeping follows ZooKeeper's DataTree:
// czxid/mzxid/pzxid, version/cversion/aversion, ephemeralOwner, and how each transaction moves them.
import { EventType, KeeperErrorCode, OpCode } from '../../jute/constants.ts';
import type { ACLRecord, StatRecord, TxnHeaderRecord } from '../../jute/schema.ts';
import type { TxnBody } from '../../jute/txn.ts';
import { WatchManager, WatcherMode, type WatcherId } from '../watch/watch-manager.ts';
import { grownCapacity, javaHashSetCopyCapacity, javaHashSetOrder } from './java-hash-order.ts';
import { childNameOf, joinPath, parentOf } from './path.ts';

export interface StatPersisted {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  pzxid: bigint;
}

export interface DataNode {
  data: Uint8Array | null;
  acl: ACLRecord[];
  stat: StatPersisted;
  children: Set<string>;
  /** Capacity of ZooKeeper's HashSet of children (initially 8): it decides getChildren's order. */
  childrenCapacity?: number;
}

const CHILDREN_INITIAL_CAPACITY = 8;
const EPHEMERALS_INITIAL_CAPACITY = 16;

export function addChild(node: DataNode, name: string): void {
  node.children.add(name);
  node.childrenCapacity = grownCapacity(node.childrenCapacity ?? CHILDREN_INITIAL_CAPACITY, node.children.size);
}

/** Children in the order real ZooKeeper lists them (its HashSet iteration order). */
export function childrenInJavaOrder(node: DataNode): string[] {
  return javaHashSetOrder(node.children, node.childrenCapacity ?? CHILDREN_INITIAL_CAPACITY);
}

/** ephemeralOwner of a container node (EphemeralType.CONTAINER: Long.MIN_VALUE). */
export const CONTAINER_EPHEMERAL_OWNER = -0x8000000000000000n;
const TTL_MASK = 0xff00000000000000n;

export function ttlEphemeralOwner(ttlMs: bigint): bigint {
  return BigInt.asIntN(64, TTL_MASK | ttlMs);
}

export type EphemeralKind = 'normal' | 'session' | 'container' | 'ttl';
export function ephemeralKind(owner: bigint): EphemeralKind {
  if (owner === 0n) return 'normal';
  if (owner === CONTAINER_EPHEMERAL_OWNER) return 'container';
  if ((BigInt.asUintN(64, owner) & TTL_MASK) === TTL_MASK) return 'ttl';
  return 'session';
}

export const OPEN_ACL_UNSAFE: ACLRecord[] = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }];
export const READ_ACL_UNSAFE: ACLRecord[] = [{ perms: 1, id: { scheme: 'world', id: 'anyone' } }];

export const ZOOKEEPER_PATH = '/zookeeper';
export const QUOTA_PATH = '/zookeeper/quota';
export const CONFIG_PATH = '/zookeeper/config';

/** Paths a client may never create or delete. */
export function isSpecialPath(path: string): boolean {
  return path === '/' || path === ZOOKEEPER_PATH || path === QUOTA_PATH || path === CONFIG_PATH;
}

export interface ProcessTxnResult {
  clientId: bigint;
  cxid: number;
  zxid: bigint;
  type: number;
  err: number;
  path: string;
  stat: StatRecord | null;
  multiResult: ProcessTxnResult[] | null;
}

export interface WatchEvent {
  watcher: WatcherId;
  type: number;
  path: string;
  zxid: bigint;
}

function emptyStat(): StatPersisted {
  return { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n };
}

export function copyStat(node: DataNode): StatRecord {
  const s = node.stat;
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    // As DataNode.copyStat: the stored cversion counts creates; clients see creates + deletes
    // (every create has a delete except for the children still present), so a fresh root shows -1.
    cversion: s.cversion * 2 - node.children.size,
    aversion: s.aversion,
    // As DataNode.getClientEphemeralOwner: container and TTL markers are not shown to clients.
    ephemeralOwner: ephemeralKind(s.ephemeralOwner) === 'session' ? s.ephemeralOwner : 0n,
    dataLength: node.data?.length ?? 0,
    numChildren: node.children.size,
    pzxid: s.pzxid,
  };
}

class TxnFailure {
  readonly err: number;
  constructor(err: number) {
    this.err = err;
  }
}

export class DataTree {
  private readonly nodes = new Map<string, DataNode>();
  private readonly ephemerals = new Map<bigint, Set<string>>();
  readonly containers = new Set<string>();
  readonly ttls = new Set<string>();
  readonly dataWatches = new WatchManager();
  readonly childWatches = new WatchManager();
  /** Watch notifications produced by the last transactions; the server drains and sends them. */
  private pendingEvents: WatchEvent[] = [];
  lastProcessedZxid = 0n;

  constructor() {
    this.nodes.set('/', { data: new Uint8Array(0), acl: OPEN_ACL_UNSAFE, stat: emptyStat(), children: new Set() });
    this.addSystemNode(ZOOKEEPER_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(QUOTA_PATH, OPEN_ACL_UNSAFE);
    this.addSystemNode(CONFIG_PATH, READ_ACL_UNSAFE);
    // ZooKeeper creates /zookeeper/config with aversion -1 (it is meant to be changed only by reconfig).
    this.nodes.get(CONFIG_PATH)!.stat.aversion = -1;
  }

  private addSystemNode(path: string, acl: ACLRecord[]): void {
    this.nodes.set(path, { data: new Uint8Array(0), acl, stat: emptyStat(), children: new Set() });
    addChild(this.nodes.get(parentOf(path))!, childNameOf(path));
  }

  get nodeCount(): number {
    return this.nodes.size;
  }

  getNode(path: string): DataNode | undefined {
    return this.nodes.get(path);
  }

  /** Every node, each parent before its children (the order a snapshot needs to be restored). */
  *walk(path = '/'): Generator<[string, DataNode]> {
    const node = this.nodes.get(path);
    if (!node) return;
    yield [path, node];
    for (const child of node.children) yield* this.walk(joinPath(path, child));
  }

  drainEvents(): WatchEvent[] {
    const events = this.pendingEvents;
    this.pendingEvents = [];
    return events;
  }

  // ---------- reads ----------

  statNode(path: string, watcher?: WatcherId): StatRecord | null {
    // exists() leaves a watch even on a missing node: it then fires on NodeCreated.
    if (watcher !== undefined) this.dataWatches.addWatch(path, watcher);
    const node = this.nodes.get(path);
    return node ? copyStat(node) : null;
  }

  getData(path: string, watcher?: WatcherId): { data: Uint8Array | null; stat: StatRecord } | null {
    const node = this.nodes.get(path);
    if (!node) return null;
    if (watcher !== undefined) this.dataWatches.addWatch(path, watcher);
    return { data: node.data, stat: copyStat(node) };
  }

  getChildren(path: string, watcher?: WatcherId): { children: string[]; stat: StatRecord } | null {
    const node = this.nodes.get(path);
    if (!node) return null;
    if (watcher !== undefined) this.childWatches.addWatch(path, watcher);
    return { children: childrenInJavaOrder(node), stat: copyStat(node) };
  }

  /** Number of descendants (ZooKeeper counts /zookeeper's nodes too when asked for "/"). */
  getAllChildrenNumber(path: string): number {
    if (path === '/') return this.nodes.size - 1;
    const prefix = `${path}/`;
    let count = 0;
    for (const key of this.nodes.keys()) if (key.startsWith(prefix)) count++;
    return count;
  }

  /** The session's ephemerals as ZooKeeper lists them: a HashSet copy of its ephemeral set. */
  getEphemerals(sessionId: bigint): string[] {
    const paths = this.ephemerals.get(sessionId);
    if (!paths) return [];
    const original = javaHashSetOrder(paths, grownCapacity(EPHEMERALS_INITIAL_CAPACITY, paths.size));
    return javaHashSetOrder(original, javaHashSetCopyCapacity(original.length));
  }

  ephemeralsBySession(): Map<bigint, Set<string>> {
    return this.ephemerals;
  }

  addWatch(path: string, watcher: WatcherId, mode: number): void {
    const watcherMode = mode === 1 ? WatcherMode.PERSISTENT_RECURSIVE : WatcherMode.PERSISTENT;
    this.dataWatches.addWatch(path, watcher, watcherMode);
    // Recursive watches get no NodeChildrenChanged (ZooKeeper: the creations below tell it all).
    if (watcherMode === WatcherMode.PERSISTENT) this.childWatches.addWatch(path, watcher, watcherMode);
  }

  /**
   * Re-register a reconnecting client's watches, firing at once those whose change it missed
   * since `relativeZxid` (the last zxid it saw).
   */
  setWatches(
    relativeZxid: bigint,
    watches: { data: string[]; exist: string[]; child: string[]; persistent: string[]; recursive: string[] },
    watcher: WatcherId,
  ): void {
    const fire = (type: number, path: string) =>
      this.pendingEvents.push({ watcher, type, path, zxid: this.lastProcessedZxid });
    for (const path of watches.data) {
      const node = this.nodes.get(path);
      if (!node) fire(EventType.NodeDeleted, path);
      else if (node.stat.mzxid > relativeZxid) fire(EventType.NodeDataChanged, path);
      else this.dataWatches.addWatch(path, watcher);
    }
    for (const path of watches.exist) {
      if (this.nodes.has(path)) fire(EventType.NodeCreated, path);
      else this.dataWatches.addWatch(path, watcher);
    }
    for (const path of watches.child) {
      const node = this.nodes.get(path);
      if (!node) fire(EventType.NodeDeleted, path);
      else if (node.stat.pzxid > relativeZxid) fire(EventType.NodeChildrenChanged, path);
      else this.childWatches.addWatch(path, watcher);
    }
    for (const path of watches.persistent) this.addWatch(path, watcher, 0);
    for (const path of watches.recursive) this.addWatch(path, watcher, 1);
  }

  removeWatcher(watcher: WatcherId): void {
    this.dataWatches.removeWatcher(watcher);
    this.childWatches.removeWatcher(watcher);
  }

  // ---------- transactions ----------

  processTxn(header: TxnHeaderRecord, body: TxnBody): ProcessTxnResult {
    const result = this.applyBody(header, body);
    if (header.zxid > this.lastProcessedZxid) this.lastProcessedZxid = header.zxid;
    return result;
  }

  private applyBody(header: TxnHeaderRecord, body: TxnBody): ProcessTxnResult {
    const result: ProcessTxnResult = {
      clientId: header.clientId,
      cxid: header.cxid,
      zxid: header.zxid,
      type: body.type,
      err: 0,
      path: '',
      stat: null,
      multiResult: null,
    };
    try {
      this.applyOne(header, body, result);
    } catch (error) {
      if (!(error instanceof TxnFailure)) throw error;
      result.err = error.err;
    }
    return result;
  }

  private applyOne(header: TxnHeaderRecord, body: TxnBody, result: ProcessTxnResult): void {
    switch (body.type) {
      case OpCode.create:
      case OpCode.create2: {
        const r = body.record;
        result.path = r.path;
        result.stat = this.createNode(r.path, r.data, r.acl, r.ephemeral ? header.clientId : 0n, r.parentCVersion, header);
        return;
      }
      case OpCode.createContainer: {
        const r = body.record;
        result.path = r.path;
        result.stat = this.createNode(r.path, r.data, r.acl, CONTAINER_EPHEMERAL_OWNER, r.parentCVersion, header);
        return;
      }
      case OpCode.createTTL: {
        const r = body.record;
        result.path = r.path;
        result.stat = this.createNode(r.path, r.data, r.acl, ttlEphemeralOwner(r.ttl), r.parentCVersion, header);
        return;
      }
      case OpCode.delete:
      case OpCode.deleteContainer:
        result.path = body.record.path;
        this.deleteNode(body.record.path, header.zxid);
        return;
      case OpCode.setData: {
        const r = body.record;
        result.path = r.path;
        result.stat = this.setData(r.path, r.data, r.version, header);
        return;
      }
      case OpCode.setACL: {
        const r = body.record;
        result.path = r.path;
        result.stat = this.setACL(r.path, r.acl, r.version);
        return;
      }
      case OpCode.check:
        result.path = body.record.path;
        return;
      case OpCode.createSession:
        return;
      case OpCode.closeSession:
        this.killSession(header.clientId, header.zxid, body.record.paths2Delete);
        return;
      case OpCode.error:
        result.err = body.record.err;
        return;
      case OpCode.multi:
        result.multiResult = this.applyMulti(header, body.record.txns);
        return;
    }
  }

  /**
   * A multi whose prep failed carries ErrorTxns: then nothing is applied, ops before the failure report
   * OK, the failing op its error, and later ops RUNTIMEINCONSISTENCY (ZooKeeper's DataTree.processTxn).
   */
  private applyMulti(header: TxnHeaderRecord, txns: TxnBody[]): ProcessTxnResult[] {
    const failed = txns.some((t) => t.type === OpCode.error);
    let afterFailure = false;
    return txns.map((sub) => {
      let effective = sub;
      if (sub.type === OpCode.error) afterFailure = true;
      else if (failed) {
        effective = {
          type: OpCode.error,
          record: { err: afterFailure ? KeeperErrorCode.RUNTIMEINCONSISTENCY : KeeperErrorCode.OK },
        };
      }
      return this.applyBody({ ...header, type: effective.type }, effective);
    });
  }

  private createNode(
    path: string,
    data: Uint8Array | null,
    acl: ACLRecord[],
    ephemeralOwner: bigint,
    parentCVersion: number,
    header: TxnHeaderRecord,
  ): StatRecord {
    const parentPath = parentOf(path);
    const childName = childNameOf(path);
    const parent = this.nodes.get(parentPath);
    if (!parent) throw new TxnFailure(KeeperErrorCode.NONODE);
    if (parent.children.has(childName)) throw new TxnFailure(KeeperErrorCode.NODEEXISTS);
    const zxid = header.zxid;
    if (parentCVersion === -1) parentCVersion = parent.stat.cversion + 1;
    // Replaying a log over a fuzzy snapshot may meet a create the parent already counted.
    if (parentCVersion > parent.stat.cversion) {
      parent.stat.cversion = parentCVersion;
      parent.stat.pzxid = zxid;
    }
    const node: DataNode = {
      data,
      acl,
      stat: {
        czxid: zxid,
        mzxid: zxid,
        ctime: header.time,
        mtime: header.time,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner,
        pzxid: zxid,
      },
      children: new Set(),
    };
    addChild(parent, childName);
    this.nodes.set(path, node);
    this.trackOwner(path, ephemeralOwner);
    this.fire(this.dataWatches, path, EventType.NodeCreated, zxid);
    this.fire(this.childWatches, parentPath, EventType.NodeChildrenChanged, zxid);
    return copyStat(node);
  }

  private trackOwner(path: string, owner: bigint): void {
    switch (ephemeralKind(owner)) {
      case 'container':
        this.containers.add(path);
        return;
      case 'ttl':
        this.ttls.add(path);
        return;
      case 'session': {
        let paths = this.ephemerals.get(owner);
        if (!paths) {
          paths = new Set();
          this.ephemerals.set(owner, paths);
        }
        paths.add(path);
        return;
      }
      case 'normal':
        return;
    }
  }

  private deleteNode(path: string, zxid: bigint): void {
    const parentPath = parentOf(path);
    const parent = this.nodes.get(parentPath);
    if (!parent) throw new TxnFailure(KeeperErrorCode.NONODE);
    parent.children.delete(childNameOf(path));
    // Deletes move pzxid but not cversion; never move pzxid backwards (fuzzy snapshot replay).
    if (zxid > parent.stat.pzxid) parent.stat.pzxid = zxid;
    const node = this.nodes.get(path);
    if (!node) throw new TxnFailure(KeeperErrorCode.NONODE);
    this.nodes.delete(path);
    const owner = node.stat.ephemeralOwner;
    const kind = ephemeralKind(owner);
    if (kind === 'container') this.containers.delete(path);
    else if (kind === 'ttl') this.ttls.delete(path);
    else if (kind === 'session') {
      const paths = this.ephemerals.get(owner);
      paths?.delete(path);
      if (paths?.size === 0) this.ephemerals.delete(owner);
    }
    const notified = this.fire(this.dataWatches, path, EventType.NodeDeleted, zxid);
    this.fire(this.childWatches, path, EventType.NodeDeleted, zxid, notified);
    this.fire(this.childWatches, parentPath, EventType.NodeChildrenChanged, zxid);
  }

  private setData(path: string, data: Uint8Array | null, version: number, header: TxnHeaderRecord): StatRecord {
    const node = this.nodes.get(path);
    if (!node) throw new TxnFailure(KeeperErrorCode.NONODE);
    node.data = data;
    node.stat.mtime = header.time;
    node.stat.mzxid = header.zxid;
    node.stat.version = version;
    this.fire(this.dataWatches, path, EventType.NodeDataChanged, header.zxid);
    return copyStat(node);
  }

  private setACL(path: string, acl: ACLRecord[], version: number): StatRecord {
    const node = this.nodes.get(path);
    if (!node) throw new TxnFailure(KeeperErrorCode.NONODE);
    node.acl = acl;
    node.stat.aversion = version;
    return copyStat(node);
  }

  private killSession(sessionId: bigint, zxid: bigint, paths2Delete: string[]): void {
    const paths = paths2Delete.length > 0 ? paths2Delete : this.getEphemerals(sessionId);
    for (const path of paths) {
      const node = this.nodes.get(path);
      // The txn's list was made at prep time; a path already gone (or re-created by another owner) is skipped.
      if (node && node.stat.ephemeralOwner === sessionId) this.deleteNode(path, zxid);
    }
    this.ephemerals.delete(sessionId);
  }

  private fire(
    manager: WatchManager,
    path: string,
    type: number,
    zxid: bigint,
    suppress?: ReadonlySet<WatcherId>,
  ): Set<WatcherId> {
    const watchers = manager.triggerWatch(path, suppress);
    for (const watcher of watchers) this.pendingEvents.push({ watcher, type, path, zxid });
    return watchers;
  }

  // ---------- snapshot support ----------

  /** Restore one node from a snapshot (parents arrive before children). */
  restoreNode(path: string, node: DataNode): void {
    if (path !== '/') {
      const parent = this.nodes.get(parentOf(path));
      if (!parent) throw new Error(`snapshot node ${path} arrived before its parent`);
      addChild(parent, childNameOf(path));
    }
    const existing = this.nodes.get(path);
    if (existing) node.children = existing.children;
    this.nodes.set(path, node);
    this.trackOwner(path, node.stat.ephemeralOwner);
  }
}
