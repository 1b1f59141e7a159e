// DataTree against a small reference model of ZooKeeper 3.8's DataTree and WatchManager, driven by
// fast-check sequences of committed transactions (create/delete/setData/closeSession/error) mixed with
// reads that leave watches, connection losses and setWatches re-registrations. After every step the
// whole tree (data, children, every Stat field) and every watcher's notifications must match the model.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { EventType, KeeperErrorCode, OpCode } from '../../jute/constants.ts';
import type { TxnHeaderRecord } from '../../jute/schema.ts';
import type { TxnBody } from '../../jute/txn.ts';
import { CONTAINER_EPHEMERAL_OWNER, DataTree, OPEN_ACL_UNSAFE, ttlEphemeralOwner } from './data-tree.ts';
import { childNameOf, joinPath, parentOf } from './path.ts';

// ---------------------------------------------------------------------------------------------
// The reference model

interface ModelNode {
  data: Uint8Array | null;
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  pzxid: bigint;
  version: number;
  cversion: number;
  ephemeralOwner: bigint;
  children: Set<string>;
}

const STANDARD = 1;
const PERSISTENT = 2;
const RECURSIVE = 4;

interface ModelEvent {
  type: number;
  path: string;
  zxid: bigint;
}

class Model {
  readonly nodes = new Map<string, ModelNode>();
  /** path → watcher → mode, for data (getData/exists) and child (getChildren) watches. */
  readonly dataWatches = new Map<string, Map<number, number>>();
  readonly childWatches = new Map<string, Map<number, number>>();
  readonly events = new Map<number, ModelEvent[]>();
  lastZxid = 0n;

  constructor() {
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      this.nodes.set(path, {
        data: new Uint8Array(0),
        czxid: 0n,
        mzxid: 0n,
        ctime: 0n,
        mtime: 0n,
        pzxid: 0n,
        version: 0,
        cversion: 0,
        ephemeralOwner: 0n,
        children: new Set(),
      });
      if (path !== '/') this.nodes.get(parentOf(path))!.children.add(childNameOf(path));
    }
  }

  addWatch(table: Map<string, Map<number, number>>, path: string, watcher: number, mode: number): void {
    let watchers = table.get(path);
    if (!watchers) table.set(path, (watchers = new Map()));
    watchers.set(watcher, (watchers.get(watcher) ?? 0) | mode);
  }

  /** ZooKeeper 3.8 WatchManager.triggerWatch: the path's own watches (standard ones consumed), recursive ones above. */
  trigger(
    table: Map<string, Map<number, number>>,
    path: string,
    type: number,
    zxid: bigint,
    suppress?: Set<number>,
  ): Set<number> {
    const fired = new Set<number>();
    for (let p: string | null = path; p !== null; p = p === '/' ? null : parentOf(p)) {
      const watchers = table.get(p);
      if (!watchers) continue;
      for (const [watcher, mode] of [...watchers]) {
        if (mode & RECURSIVE) {
          if (type !== EventType.NodeChildrenChanged) fired.add(watcher);
        } else if (p === path) {
          fired.add(watcher);
          if (mode & STANDARD) {
            const rest = mode & ~STANDARD;
            if (rest === 0) watchers.delete(watcher);
            else watchers.set(watcher, rest);
          }
        }
      }
      if (watchers.size === 0) table.delete(p);
    }
    for (const watcher of fired) {
      if (suppress?.has(watcher)) continue;
      this.pushEvent(watcher, { type, path, zxid });
    }
    return fired;
  }

  pushEvent(watcher: number, event: ModelEvent): void {
    let list = this.events.get(watcher);
    if (!list) this.events.set(watcher, (list = []));
    list.push(event);
  }

  removeWatcher(watcher: number): void {
    for (const table of [this.dataWatches, this.childWatches]) {
      for (const [path, watchers] of table) {
        watchers.delete(watcher);
        if (watchers.size === 0) table.delete(path);
      }
    }
  }

  ephemeralsOf(session: bigint): string[] {
    return [...this.nodes]
      .filter(([, n]) => n.ephemeralOwner === session)
      .map(([p]) => p)
      .sort();
  }

  create(
    path: string,
    data: Uint8Array | null,
    owner: bigint,
    parentCVersion: number,
    zxid: bigint,
    time: bigint,
  ): number {
    const parent = this.nodes.get(parentOf(path));
    if (!parent) return KeeperErrorCode.NONODE;
    if (parent.children.has(childNameOf(path))) return KeeperErrorCode.NODEEXISTS;
    const cversion = parentCVersion === -1 ? parent.cversion + 1 : parentCVersion;
    if (cversion > parent.cversion) {
      parent.cversion = cversion;
      parent.pzxid = zxid;
    }
    parent.children.add(childNameOf(path));
    this.nodes.set(path, {
      data,
      czxid: zxid,
      mzxid: zxid,
      ctime: time,
      mtime: time,
      pzxid: zxid,
      version: 0,
      cversion: 0,
      ephemeralOwner: owner,
      children: new Set(),
    });
    this.trigger(this.dataWatches, path, EventType.NodeCreated, zxid);
    this.trigger(this.childWatches, parentOf(path), EventType.NodeChildrenChanged, zxid);
    return 0;
  }

  delete(path: string, zxid: bigint): number {
    const parent = this.nodes.get(parentOf(path));
    if (!parent) return KeeperErrorCode.NONODE;
    // As DataTree.deleteNode: the parent's pzxid moves even when the child is already gone (fuzzy snapshots).
    parent.children.delete(childNameOf(path));
    if (zxid > parent.pzxid) parent.pzxid = zxid;
    if (!this.nodes.has(path)) return KeeperErrorCode.NONODE;
    this.nodes.delete(path);
    const notified = this.trigger(this.dataWatches, path, EventType.NodeDeleted, zxid);
    this.trigger(this.childWatches, path, EventType.NodeDeleted, zxid, notified);
    this.trigger(this.childWatches, parentOf(path), EventType.NodeChildrenChanged, zxid);
    return 0;
  }

  setData(path: string, data: Uint8Array | null, version: number, zxid: bigint, time: bigint): number {
    const node = this.nodes.get(path);
    if (!node) return KeeperErrorCode.NONODE;
    node.data = data;
    node.version = version;
    node.mzxid = zxid;
    node.mtime = time;
    this.trigger(this.dataWatches, path, EventType.NodeDataChanged, zxid);
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

const NAMES = ['a', 'b'];
/** Every path up to depth 3 over two names: small enough that operations collide often. */
const PATHS: string[] = (() => {
  const out: string[] = [];
  const walk = (prefix: string, depth: number) => {
    for (const name of NAMES) {
      const path = joinPath(prefix, name);
      out.push(path);
      if (depth < 3) walk(path, depth + 1);
    }
  };
  walk('/', 1);
  return out;
})();
const SESSIONS = [0x11n, 0x22n];
/** Watchers 1 and 2 use one-shot watches, 3 persistent ones, 4 persistent-recursive ones. */
const STANDARD_WATCHERS = [1, 2];
const PERSISTENT_WATCHER = 3;
const RECURSIVE_WATCHER = 4;

type Op =
  | {
      kind: 'create';
      path: string;
      data: Uint8Array | null;
      owner: 'none' | 0 | 1;
      explicitCVersion: boolean;
    }
  | { kind: 'delete'; path: string }
  | { kind: 'setData'; path: string; data: Uint8Array | null }
  | { kind: 'closeSession'; session: 0 | 1; explicitList: boolean }
  | { kind: 'error'; err: number }
  | { kind: 'getData'; path: string; watcher: number }
  | { kind: 'exists'; path: string; watcher: number }
  | { kind: 'getChildren'; path: string; watcher: number }
  | { kind: 'addWatch'; path: string; recursive: boolean }
  | { kind: 'reconnect'; watcher: number; back: number; asExist: boolean[] };

const pathArb = fc.constantFrom(...PATHS, '/zookeeper');
const dataArb = fc.option(fc.uint8Array({ maxLength: 6 }), { nil: null, freq: 5 });
const standardWatcherArb = fc.constantFrom(...STANDARD_WATCHERS);

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('create' as const),
      path: pathArb,
      data: dataArb,
      owner: fc.constantFrom('none' as const, 'none' as const, 0 as const, 1 as const),
      explicitCVersion: fc.boolean(),
    }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: pathArb }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('setData' as const), path: pathArb, data: dataArb }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('closeSession' as const),
      session: fc.constantFrom(0 as const, 1 as const),
      explicitList: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('error' as const),
      err: fc.constantFrom(KeeperErrorCode.NONODE, KeeperErrorCode.BADVERSION),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('getData' as const),
      path: pathArb,
      watcher: standardWatcherArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('exists' as const),
      path: pathArb,
      watcher: standardWatcherArb,
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('getChildren' as const),
      path: pathArb,
      watcher: standardWatcherArb,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('addWatch' as const), path: pathArb, recursive: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('reconnect' as const),
      watcher: standardWatcherArb,
      back: fc.nat({ max: 6 }),
      asExist: fc.array(fc.boolean(), { minLength: 40, maxLength: 40 }),
    }),
  },
);

interface Harness {
  tree: DataTree;
  model: Model;
  zxid: bigint;
  treeEvents: Map<number, ModelEvent[]>;
}

function header(h: Harness, clientId: bigint, type: number): TxnHeaderRecord {
  h.zxid += 1n;
  return { clientId, cxid: 0, zxid: h.zxid, time: h.zxid * 10n, type };
}

function collectTreeEvents(h: Harness): void {
  for (const event of h.tree.drainEvents()) {
    let list = h.treeEvents.get(event.watcher);
    if (!list) h.treeEvents.set(event.watcher, (list = []));
    list.push({ type: event.type, path: event.path, zxid: event.zxid });
  }
}

function commit(h: Harness, clientId: bigint, body: TxnBody): number {
  const result = h.tree.processTxn(header(h, clientId, body.type), body);
  h.model.lastZxid = h.zxid;
  return result.err;
}

function run(h: Harness, op: Op): void {
  const { tree, model } = h;
  switch (op.kind) {
    case 'create': {
      const parent = model.nodes.get(parentOf(op.path));
      // PrepRequestProcessor refuses children of ephemerals; the tree is only ever asked for what prep allows.
      if (parent && parent.ephemeralOwner !== 0n) return;
      const owner = op.owner === 'none' ? 0n : SESSIONS[op.owner];
      const parentCVersion = op.explicitCVersion && parent ? parent.cversion + 1 : -1;
      const err = commit(h, owner === 0n ? 0x99n : owner, {
        type: OpCode.create,
        record: {
          path: op.path,
          data: op.data,
          acl: OPEN_ACL_UNSAFE,
          ephemeral: owner !== 0n,
          parentCVersion,
        },
      });
      expect(err, `create ${op.path}`).toBe(
        model.create(op.path, op.data, owner, parentCVersion, h.zxid, h.zxid * 10n),
      );
      return;
    }
    case 'delete': {
      const node = model.nodes.get(op.path);
      // Prep never lets a node with children or a system node be deleted.
      if ((node && node.children.size > 0) || op.path === '/zookeeper') return;
      const err = commit(h, 0x99n, { type: OpCode.delete, record: { path: op.path } });
      expect(err, `delete ${op.path}`).toBe(model.delete(op.path, h.zxid));
      return;
    }
    case 'setData': {
      const version = (model.nodes.get(op.path)?.version ?? 0) + 1;
      const err = commit(h, 0x99n, {
        type: OpCode.setData,
        record: { path: op.path, data: op.data, version },
      });
      expect(err, `setData ${op.path}`).toBe(model.setData(op.path, op.data, version, h.zxid, h.zxid * 10n));
      return;
    }
    case 'closeSession': {
      const session = SESSIONS[op.session];
      // The deletion order is ZooKeeper's HashSet order (the tree emulates it); it decides the order of
      // the notifications, so the model deletes in the same order. The set itself must match the model.
      const order = tree.getEphemerals(session);
      expect([...order].sort()).toEqual(model.ephemeralsOf(session));
      commit(h, session, {
        type: OpCode.closeSession,
        record: { paths2Delete: op.explicitList ? order : [] },
      });
      for (const path of order) model.delete(path, h.zxid);
      expect(tree.getEphemerals(session)).toEqual([]);
      return;
    }
    case 'error': {
      const err = commit(h, 0x99n, { type: OpCode.error, record: { err: op.err } });
      expect(err).toBe(op.err);
      return;
    }
    case 'getData': {
      const value = tree.getData(op.path, op.watcher);
      const node = model.nodes.get(op.path);
      if (node) {
        model.addWatch(model.dataWatches, op.path, op.watcher, STANDARD);
        expect(value?.data ?? null).toEqual(node.data);
      } else expect(value).toBeNull();
      return;
    }
    case 'exists': {
      const stat = tree.statNode(op.path, op.watcher);
      model.addWatch(model.dataWatches, op.path, op.watcher, STANDARD);
      expect(stat === null).toBe(!model.nodes.has(op.path));
      return;
    }
    case 'getChildren': {
      const value = tree.getChildren(op.path, op.watcher);
      const node = model.nodes.get(op.path);
      if (node) {
        model.addWatch(model.childWatches, op.path, op.watcher, STANDARD);
        expect(new Set(value?.children)).toEqual(node.children);
      } else expect(value).toBeNull();
      return;
    }
    case 'addWatch': {
      const watcher = op.recursive ? RECURSIVE_WATCHER : PERSISTENT_WATCHER;
      tree.addWatch(op.path, watcher, op.recursive ? 1 : 0);
      if (op.recursive) model.addWatch(model.dataWatches, op.path, watcher, RECURSIVE);
      else {
        model.addWatch(model.dataWatches, op.path, watcher, PERSISTENT);
        model.addWatch(model.childWatches, op.path, watcher, PERSISTENT);
      }
      return;
    }
    case 'reconnect': {
      // The connection drops (its watches go), the client reconnects and re-registers what it held.
      const dataPaths = [...model.dataWatches]
        .filter(([, w]) => w.has(op.watcher))
        .map(([p]) => p)
        .sort();
      const childPaths = [...model.childWatches]
        .filter(([, w]) => w.has(op.watcher))
        .map(([p]) => p)
        .sort();
      tree.removeWatcher(op.watcher);
      model.removeWatcher(op.watcher);
      const relativeZxid = h.zxid - BigInt(op.back) < 0n ? 0n : h.zxid - BigInt(op.back);
      const data = dataPaths.filter((_, i) => !op.asExist[i % op.asExist.length]);
      const exist = dataPaths.filter((_, i) => op.asExist[i % op.asExist.length]);
      tree.setWatches(
        relativeZxid,
        { data, exist, child: childPaths, persistent: [], recursive: [] },
        op.watcher,
      );
      // DataTree.setWatches: fire at once what the client missed, re-register the rest.
      const fire = (type: number, path: string) => model.pushEvent(op.watcher, { type, path, zxid: h.zxid });
      for (const path of data) {
        const node = model.nodes.get(path);
        if (!node) fire(EventType.NodeDeleted, path);
        else if (node.mzxid > relativeZxid) fire(EventType.NodeDataChanged, path);
        else model.addWatch(model.dataWatches, path, op.watcher, STANDARD);
      }
      for (const path of exist) {
        if (model.nodes.has(path)) fire(EventType.NodeCreated, path);
        else model.addWatch(model.dataWatches, path, op.watcher, STANDARD);
      }
      for (const path of childPaths) {
        const node = model.nodes.get(path);
        if (!node) fire(EventType.NodeDeleted, path);
        else if (node.pzxid > relativeZxid) fire(EventType.NodeChildrenChanged, path);
        else model.addWatch(model.childWatches, path, op.watcher, STANDARD);
      }
      return;
    }
  }
}

function compareWholeTree(h: Harness): void {
  const { tree, model } = h;
  const walked = [...tree.walk()];
  expect(walked.map(([p]) => p).sort()).toEqual([...model.nodes.keys()].sort());
  expect(tree.nodeCount).toBe(model.nodes.size);
  for (const [path, expected] of model.nodes) {
    const stat = tree.statNode(path);
    expect(stat, path).toEqual({
      czxid: expected.czxid,
      mzxid: expected.mzxid,
      ctime: expected.ctime,
      mtime: expected.mtime,
      version: expected.version,
      // DataNode.copyStat: clients see creates + deletes; the stored cversion counts creates only.
      cversion: expected.cversion * 2 - expected.children.size,
      // ZooKeeper creates /zookeeper/config with aversion -1 (only reconfig may change it).
      aversion: path === '/zookeeper/config' ? -1 : 0,
      ephemeralOwner: expected.ephemeralOwner,
      dataLength: expected.data?.length ?? 0,
      numChildren: expected.children.size,
      pzxid: expected.pzxid,
    });
    const node = tree.getNode(path)!;
    expect(node.stat.cversion, `${path} stored cversion`).toBe(expected.cversion);
    expect(node.data ?? null, path).toEqual(expected.data);
    expect(new Set(node.children), path).toEqual(expected.children);
  }
  for (const session of SESSIONS)
    expect(tree.getEphemerals(session).sort()).toEqual(model.ephemeralsOf(session));
  expect(tree.lastProcessedZxid).toBe(model.lastZxid);
  // Every watcher saw exactly the model's notifications, in order.
  for (const watcher of [1, 2, 3, 4]) {
    expect(h.treeEvents.get(watcher) ?? [], `events of watcher ${watcher}`).toEqual(
      model.events.get(watcher) ?? [],
    );
  }
  // Registered watches agree (path → watchers).
  const byPath = (table: Map<string, Map<number, number>>) =>
    Object.fromEntries(
      [...table]
        .filter(([, w]) => w.size > 0)
        .map(([p, w]) => [p, [...w.keys()].sort()])
        .sort(),
    );
  const treeByPath = (m: Map<string, number[]>) =>
    Object.fromEntries([...m].map(([p, w]) => [p, [...w].sort()]).sort());
  expect(treeByPath(tree.dataWatches.byPath())).toEqual(byPath(model.dataWatches));
  expect(treeByPath(tree.childWatches.byPath())).toEqual(byPath(model.childWatches));
}

describe('DataTree against the reference model', () => {
  it('random transaction/read/watch sequences keep tree, Stat and notifications equal to the model', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 80, size: 'max' }), (ops) => {
        const h: Harness = { tree: new DataTree(), model: new Model(), zxid: 0n, treeEvents: new Map() };
        for (const op of ops) {
          run(h, op);
          collectTreeEvents(h);
          compareWholeTree(h);
        }
      }),
      { numRuns: 250 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Targeted rules

function newTree(): {
  tree: DataTree;
  apply: (clientId: bigint, body: TxnBody) => number;
  zxid: () => bigint;
} {
  const tree = new DataTree();
  let zxid = 0n;
  return {
    tree,
    apply(clientId, body) {
      zxid += 1n;
      return tree.processTxn({ clientId, cxid: 0, zxid, time: 1000n + zxid, type: body.type }, body).err;
    },
    zxid: () => zxid,
  };
}

const create = (path: string, ephemeral = false, parentCVersion = -1): TxnBody => ({
  type: OpCode.create,
  record: { path, data: null, acl: OPEN_ACL_UNSAFE, ephemeral, parentCVersion },
});
const del = (path: string): TxnBody => ({ type: OpCode.delete, record: { path } });
const setData = (path: string, version: number): TxnBody => ({
  type: OpCode.setData,
  record: { path, data: new Uint8Array([1]), version },
});

describe('DataTree: Stat rules', () => {
  it('a fresh tree: "/" has /zookeeper as its only child and reports cversion -1 (as ZooKeeper 3.8.0)', () => {
    const tree = new DataTree();
    expect(tree.statNode('/')).toEqual({
      czxid: 0n,
      mzxid: 0n,
      ctime: 0n,
      mtime: 0n,
      version: 0,
      cversion: -1,
      aversion: 0,
      ephemeralOwner: 0n,
      dataLength: 0,
      numChildren: 1,
      pzxid: 0n,
    });
    expect([...tree.getNode('/zookeeper')!.children].sort()).toEqual(['config', 'quota']);
    expect(tree.getNode('/zookeeper/config')!.acl).toEqual([
      { perms: 1, id: { scheme: 'world', id: 'anyone' } },
    ]);
  });

  it('create bumps the parent cversion and pzxid; delete moves pzxid only (clients see 2*cversion - numChildren)', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/p')); // zxid 1
    apply(0n, create('/p/a')); // 2
    apply(0n, create('/p/b')); // 3
    expect(tree.statNode('/p')).toMatchObject({
      cversion: 2,
      pzxid: 3n,
      numChildren: 2,
      mzxid: 1n,
      version: 0,
    });
    apply(0n, del('/p/a')); // 4
    expect(tree.getNode('/p')!.stat).toMatchObject({ cversion: 2, pzxid: 4n });
    // ZooKeeper 3.8 (DataNode.copyStat) reports the number of child changes: 2 creates + 1 delete.
    expect(tree.statNode('/p')).toMatchObject({ cversion: 3, pzxid: 4n, numChildren: 1, mzxid: 1n });
    apply(0n, setData('/p/b', 1)); // 5
    expect(tree.statNode('/p')).toMatchObject({ cversion: 3, pzxid: 4n });
    expect(tree.statNode('/p/b')).toMatchObject({
      czxid: 3n,
      mzxid: 5n,
      pzxid: 3n,
      version: 1,
      ctime: 1003n,
      mtime: 1005n,
    });
  });

  it('a create replayed with an older parentCVersion (fuzzy snapshot) leaves cversion and pzxid alone', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/p')); // 1
    apply(0n, create('/p/a', false, 5)); // 2: cversion jumps to 5
    apply(0n, create('/p/b', false, 3)); // 3: older cversion: ignored
    expect(tree.getNode('/p')!.stat).toMatchObject({ cversion: 5, pzxid: 2n });
    expect(tree.statNode('/p')).toMatchObject({ cversion: 8, pzxid: 2n, numChildren: 2 });
  });

  it('deleting a child that is already gone still moves the parent pzxid and reports NONODE', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/p')); // 1
    expect(apply(0n, del('/p/ghost'))).toBe(KeeperErrorCode.NONODE); // 2
    expect(tree.statNode('/p')).toMatchObject({ pzxid: 2n, cversion: 0 });
    expect(apply(0n, del('/nope/ghost'))).toBe(KeeperErrorCode.NONODE);
  });

  it('create under a missing parent is NONODE, a second create NODEEXISTS; neither changes anything', () => {
    const { tree, apply } = newTree();
    expect(apply(0n, create('/x/y'))).toBe(KeeperErrorCode.NONODE);
    apply(0n, create('/x'));
    expect(apply(0n, create('/x'))).toBe(KeeperErrorCode.NODEEXISTS);
    expect(tree.getNode('/')!.stat).toMatchObject({ cversion: 1, pzxid: 2n });
    expect(tree.lastProcessedZxid).toBe(3n);
  });

  it('ephemeralOwner: the session for ephemerals, Long.MIN_VALUE for containers, 0xff… for TTL nodes', () => {
    const { tree, apply } = newTree();
    apply(0x55n, create('/e', true));
    apply(0x55n, {
      type: OpCode.createContainer,
      record: { path: '/c', data: null, acl: OPEN_ACL_UNSAFE, parentCVersion: -1 },
    });
    apply(0x55n, {
      type: OpCode.createTTL,
      record: { path: '/t', data: null, acl: OPEN_ACL_UNSAFE, parentCVersion: -1, ttl: 1000n },
    });
    expect(tree.getNode('/e')!.stat.ephemeralOwner).toBe(0x55n);
    expect(tree.getNode('/c')!.stat.ephemeralOwner).toBe(CONTAINER_EPHEMERAL_OWNER);
    expect(tree.getNode('/t')!.stat.ephemeralOwner).toBe(ttlEphemeralOwner(1000n));
    // Clients see the session of an ephemeral, and 0 for containers and TTL nodes (getClientEphemeralOwner).
    expect(tree.statNode('/e')?.ephemeralOwner).toBe(0x55n);
    expect(tree.statNode('/c')?.ephemeralOwner).toBe(0n);
    expect(tree.statNode('/t')?.ephemeralOwner).toBe(0n);
    expect(ttlEphemeralOwner(1000n)).toBe(BigInt.asIntN(64, 0xff000000000003e8n));
    expect([...tree.containers]).toEqual(['/c']);
    expect([...tree.ttls]).toEqual(['/t']);
    expect(tree.getEphemerals(0x55n)).toEqual(['/e']);
    apply(0n, del('/c'));
    apply(0n, del('/t'));
    expect(tree.containers.size + tree.ttls.size).toBe(0);
  });

  it("closeSession removes exactly the session's ephemerals and skips listed paths now owned by others", () => {
    const { tree, apply } = newTree();
    apply(1n, create('/s1a', true));
    apply(1n, create('/s1b', true));
    apply(2n, create('/s2', true));
    apply(0n, create('/keep'));
    // The list was made at prep time; /s2 belongs to another session and /gone no longer exists.
    apply(1n, { type: OpCode.closeSession, record: { paths2Delete: ['/gone', '/s1a', '/s1b', '/s2'] } });
    expect([...tree.getNode('/')!.children].sort()).toEqual(['keep', 's2', 'zookeeper']);
    expect(tree.getEphemerals(1n)).toEqual([]);
    expect(tree.getEphemerals(2n)).toEqual(['/s2']);
    expect(tree.getNode('/')!.stat).toMatchObject({ pzxid: 5n, cversion: 4 });
    expect(tree.statNode('/')).toMatchObject({ pzxid: 5n, cversion: 5, numChildren: 3 });
  });

  it('getAllChildrenNumber counts descendants; "/" includes the /zookeeper nodes', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/a'));
    apply(0n, create('/a/b'));
    apply(0n, create('/a/b/c'));
    apply(0n, create('/ab'));
    expect(tree.getAllChildrenNumber('/a')).toBe(2);
    expect(tree.getAllChildrenNumber('/a/b/c')).toBe(0);
    expect(tree.getAllChildrenNumber('/')).toBe(7);
  });

  it('a failed multi applies nothing: OK before the failure, its error, RUNTIMEINCONSISTENCY after', () => {
    const { tree } = newTree();
    const result = tree.processTxn(
      { clientId: 1n, cxid: 1, zxid: 1n, time: 0n, type: OpCode.multi },
      {
        type: OpCode.multi,
        record: {
          txns: [
            create('/m1'),
            { type: OpCode.error, record: { err: KeeperErrorCode.NONODE } },
            create('/m2'),
          ],
        },
      },
    );
    expect(result.multiResult?.map((r) => [r.type, r.err])).toEqual([
      [OpCode.error, 0],
      [OpCode.error, KeeperErrorCode.NONODE],
      [OpCode.error, KeeperErrorCode.RUNTIMEINCONSISTENCY],
    ]);
    expect(tree.getNode('/m1')).toBeUndefined();
    expect(tree.getNode('/m2')).toBeUndefined();
    expect(tree.lastProcessedZxid).toBe(1n);
  });

  it('a successful multi applies every op with the one zxid', () => {
    const { tree } = newTree();
    const result = tree.processTxn(
      { clientId: 1n, cxid: 1, zxid: 7n, time: 0n, type: OpCode.multi },
      { type: OpCode.multi, record: { txns: [create('/m'), create('/m/c'), setData('/m', 1)] } },
    );
    expect(result.multiResult?.map((r) => [r.type, r.err, r.path])).toEqual([
      [OpCode.create, 0, '/m'],
      [OpCode.create, 0, '/m/c'],
      [OpCode.setData, 0, '/m'],
    ]);
    expect(tree.statNode('/m')).toMatchObject({ czxid: 7n, mzxid: 7n, pzxid: 7n, version: 1, cversion: 1 });
  });
});

describe('DataTree: watches', () => {
  const events = (tree: DataTree) => tree.drainEvents().map((e) => [e.watcher, e.type, e.path]);

  it('standard watches are one-shot', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/w'));
    tree.getData('/w', 1);
    apply(0n, setData('/w', 1));
    apply(0n, setData('/w', 2));
    expect(events(tree)).toEqual([[1, EventType.NodeDataChanged, '/w']]);
  });

  it('exists on a missing node fires NodeCreated; getData/getChildren on a missing node leave no watch', () => {
    const { tree, apply } = newTree();
    tree.statNode('/w', 1);
    expect(tree.getData('/w', 2)).toBeNull();
    expect(tree.getChildren('/w', 3)).toBeNull();
    apply(0n, create('/w'));
    expect(events(tree)).toEqual([[1, EventType.NodeCreated, '/w']]);
  });

  it('delete: data and child watch of one watcher on the node → one NodeDeleted; both are used up', () => {
    // Verified against Apache ZooKeeper 3.8.0: after the delete, re-creating the node and adding a child
    // fires nothing — the child watch was consumed although its notification was suppressed.
    const { tree, apply } = newTree();
    apply(0n, create('/d'));
    tree.getData('/d', 1);
    tree.getChildren('/d', 1);
    tree.getChildren('/', 2);
    apply(0n, del('/d'));
    expect(events(tree)).toEqual([
      [1, EventType.NodeDeleted, '/d'],
      [2, EventType.NodeChildrenChanged, '/'],
    ]);
    expect(tree.childWatches.size).toBe(0);
    expect(tree.dataWatches.size).toBe(0);
    apply(0n, create('/d'));
    apply(0n, create('/d/x'));
    expect(events(tree)).toEqual([]);
  });

  it('delete: a child watch alone on the node fires NodeDeleted', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/d'));
    tree.getChildren('/d', 1);
    apply(0n, del('/d'));
    expect(events(tree)).toEqual([[1, EventType.NodeDeleted, '/d']]);
  });

  it('persistent watch: every event on the node and NodeChildrenChanged, kept across delete and re-create', () => {
    // Sequence and expectation verified against Apache ZooKeeper 3.8.0.
    const { tree, apply } = newTree();
    tree.addWatch('/p', 3, 0);
    apply(0n, create('/p'));
    apply(0n, create('/p/x'));
    apply(0n, setData('/p/x', 1));
    apply(0n, del('/p/x'));
    apply(0n, del('/p'));
    apply(0n, create('/p'));
    expect(events(tree)).toEqual([
      [3, EventType.NodeCreated, '/p'],
      [3, EventType.NodeChildrenChanged, '/p'],
      [3, EventType.NodeChildrenChanged, '/p'],
      [3, EventType.NodeDeleted, '/p'],
      [3, EventType.NodeCreated, '/p'],
    ]);
  });

  it('persistent-recursive watch: every node below, no NodeChildrenChanged', () => {
    // Sequence and expectation verified against Apache ZooKeeper 3.8.0.
    const { tree, apply } = newTree();
    tree.addWatch('/r', 4, 1);
    apply(0n, create('/r'));
    apply(0n, create('/r/x'));
    apply(0n, create('/r/x/y'));
    apply(0n, setData('/r/x/y', 1));
    apply(0n, del('/r/x/y'));
    apply(0n, create('/rr')); // a sibling with a common prefix is not below /r
    expect(events(tree)).toEqual([
      [4, EventType.NodeCreated, '/r'],
      [4, EventType.NodeCreated, '/r/x'],
      [4, EventType.NodeCreated, '/r/x/y'],
      [4, EventType.NodeDataChanged, '/r/x/y'],
      [4, EventType.NodeDeleted, '/r/x/y'],
    ]);
    expect(tree.childWatches.size).toBe(0);
  });

  it('removeWatcher drops every watch of a connection', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/a'));
    tree.getData('/a', 1);
    tree.getChildren('/a', 1);
    tree.addWatch('/', 1, 1);
    tree.getData('/a', 2);
    tree.removeWatcher(1);
    apply(0n, setData('/a', 1));
    expect(events(tree)).toEqual([[2, EventType.NodeDataChanged, '/a']]);
    expect(tree.dataWatches.pathsOf(1)).toEqual([]);
  });

  it('notifications carry the zxid of the transaction that fired them', () => {
    const { tree, apply } = newTree();
    tree.statNode('/z', 1);
    apply(0n, create('/z'));
    expect(tree.drainEvents()).toEqual([{ watcher: 1, type: EventType.NodeCreated, path: '/z', zxid: 1n }]);
  });

  it('setWatches: missed changes fire at once (relative to the zxid the client saw), the rest are re-registered', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/same')); // 1
    apply(0n, create('/changed')); // 2
    apply(0n, create('/parent')); // 3
    apply(0n, create('/quiet')); // 4
    const seen = tree.lastProcessedZxid; // the client saw zxid 4
    apply(0n, setData('/changed', 1)); // 5
    apply(0n, create('/parent/kid')); // 6
    apply(0n, create('/born')); // 7
    tree.drainEvents();
    tree.setWatches(
      seen,
      {
        data: ['/same', '/changed', '/vanished'],
        exist: ['/born', '/unborn'],
        child: ['/parent', '/quiet', '/vanished'],
        persistent: ['/pp'],
        recursive: ['/rr'],
      },
      9,
    );
    expect(events(tree)).toEqual([
      [9, EventType.NodeDataChanged, '/changed'],
      [9, EventType.NodeDeleted, '/vanished'],
      [9, EventType.NodeCreated, '/born'],
      [9, EventType.NodeChildrenChanged, '/parent'],
      [9, EventType.NodeDeleted, '/vanished'],
    ]);
    expect(tree.dataWatches.pathsOf(9).sort()).toEqual(['/pp', '/rr', '/same', '/unborn']);
    expect(tree.childWatches.pathsOf(9).sort()).toEqual(['/pp', '/quiet']);
    apply(0n, create('/unborn'));
    apply(0n, create('/rr'));
    apply(0n, create('/quiet/k'));
    expect(events(tree)).toEqual([
      [9, EventType.NodeCreated, '/unborn'],
      [9, EventType.NodeCreated, '/rr'],
      [9, EventType.NodeChildrenChanged, '/quiet'],
    ]);
  });
});

describe('DataTree: snapshot restore', () => {
  it('walk() lists parents before children and restoreNode rebuilds an equal tree', () => {
    const { tree, apply } = newTree();
    apply(0n, create('/a'));
    apply(7n, create('/a/e', true));
    apply(0n, create('/b'));
    apply(0n, create('/b/c'));
    apply(0n, setData('/b/c', 1));
    const seen = new Set<string>();
    for (const [path] of tree.walk()) {
      if (path !== '/') expect(seen.has(parentOf(path))).toBe(true);
      seen.add(path);
    }
    const copy = new DataTree();
    for (const [path, node] of tree.walk()) {
      copy.restoreNode(path, { data: node.data, acl: node.acl, stat: { ...node.stat }, children: new Set() });
    }
    for (const [path] of tree.walk()) expect(copy.statNode(path), path).toEqual(tree.statNode(path));
    expect(copy.getEphemerals(7n)).toEqual(['/a/e']);
    expect(copy.nodeCount).toBe(tree.nodeCount);
  });

  it('restoreNode refuses a node whose parent has not been restored', () => {
    const copy = new DataTree();
    expect(() =>
      copy.restoreNode('/x/y', {
        data: null,
        acl: OPEN_ACL_UNSAFE,
        stat: {
          czxid: 0n,
          mzxid: 0n,
          ctime: 0n,
          mtime: 0n,
          version: 0,
          cversion: 0,
          aversion: 0,
          ephemeralOwner: 0n,
          pzxid: 0n,
        },
        children: new Set(),
      }),
    ).toThrow(/before its parent/);
  });
});
