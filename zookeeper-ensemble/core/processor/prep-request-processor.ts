// PrepRequestProcessor: turns a write request into the transaction every server will apply, checking it
// against the tree *plus* the outstanding changes of transactions not yet applied (ChangeRecords), so a
// pipeline of writes (create /a, then create /a/b) is validated as if each earlier one had landed.
// A failed check still yields a transaction (an ErrorTxn with its own zxid), exactly as ZooKeeper logs it.
import { CreateFlag, KeeperErrorCode, OpCode, Perms } from '../../jute/constants.ts';
import type { ACLRecord, IdRecord } from '../../jute/schema.ts';
import type { TxnBody } from '../../jute/txn.ts';
import { checkACL, fixupACL } from '../acl/acl.ts';
import {
  CONTAINER_EPHEMERAL_OWNER,
  ephemeralKind,
  isSpecialPath,
  ttlEphemeralOwner,
  type DataTree,
  type StatPersisted,
} from '../tree/data-tree.ts';
import { grownCapacity, javaHashSetCopyCapacity, javaHashSetOrder } from '../tree/java-hash-order.ts';
import { parentOf, pathProblem } from '../tree/path.ts';

export interface ChangeRecord {
  zxid: bigint;
  path: string;
  /** null: the node is being deleted. */
  stat: StatPersisted | null;
  childCount: number;
  acl: ACLRecord[];
}

export interface CreateOp {
  type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL;
  path: string;
  data: Uint8Array | null;
  acl: ACLRecord[];
  flags: number;
  ttl: bigint;
}
export type WriteOp =
  | CreateOp
  | { type: typeof OpCode.delete; path: string; version: number }
  | { type: typeof OpCode.setData; path: string; data: Uint8Array | null; version: number }
  | { type: typeof OpCode.setACL; path: string; acl: ACLRecord[]; version: number }
  | { type: typeof OpCode.check; path: string; version: number };

export interface PrepContext {
  sessionId: bigint;
  authInfo: readonly IdRecord[];
  zxid: bigint;
  timeMs: bigint;
  /** False when the session is closing or gone: writes fail with SESSIONEXPIRED. */
  sessionValid: boolean;
}

class PrepFailure {
  readonly err: number;
  constructor(err: number) {
    this.err = err;
  }
}

function fail(err: number): never {
  throw new PrepFailure(err);
}

export interface PrepOptions {
  /** ZooKeeper's zookeeper.extendedTypesEnabled: TTL nodes are refused (UNIMPLEMENTED) without it. */
  extendedTypesEnabled: boolean;
  maxTtlMs: bigint;
}

export class PrepRequestProcessor {
  private readonly tree: DataTree;
  private readonly options: PrepOptions;
  private readonly outstandingChanges: ChangeRecord[] = [];
  private readonly outstandingChangesForPath = new Map<string, ChangeRecord>();

  constructor(tree: DataTree, options: PrepOptions) {
    this.tree = tree;
    this.options = options;
  }

  get outstandingCount(): number {
    return this.outstandingChanges.length;
  }

  /** Prepare one write; a failed check returns an ErrorTxn body. */
  prepWrite(op: WriteOp, ctx: PrepContext): TxnBody {
    try {
      return this.prepOp(op, ctx);
    } catch (error) {
      if (error instanceof PrepFailure) return { type: OpCode.error, record: { err: error.err } };
      throw error;
    }
  }

  /** Prepare a multi: all ops share one zxid; on the first failure the rest become RUNTIMEINCONSISTENCY. */
  prepMulti(ops: WriteOp[], ctx: PrepContext): TxnBody {
    const mark = this.outstandingChanges.length;
    const txns: TxnBody[] = [];
    let failed = false;
    for (const op of ops) {
      if (failed) {
        txns.push({ type: OpCode.error, record: { err: KeeperErrorCode.RUNTIMEINCONSISTENCY } });
        continue;
      }
      try {
        txns.push(this.prepOp(op, ctx));
      } catch (error) {
        if (!(error instanceof PrepFailure)) throw error;
        failed = true;
        txns.push({ type: OpCode.error, record: { err: error.err } });
        this.rollback(mark);
      }
    }
    return { type: OpCode.multi, record: { txns } };
  }

  prepCreateSession(timeoutMs: number): TxnBody {
    return { type: OpCode.createSession, record: { timeOut: timeoutMs } };
  }

  /** The session's ephemerals, as they will be once outstanding changes land, are deleted with it. */
  prepCloseSession(ctx: PrepContext): TxnBody {
    // ZooKeeper copies the session's ephemeral set, adjusts it for outstanding changes and deletes in the
    // copy's HashSet order (which decides the order of the watch events that follow).
    const paths = new Set(this.tree.getEphemerals(ctx.sessionId));
    for (const change of this.outstandingChanges) {
      if (change.stat === null) paths.delete(change.path);
      else if (change.stat.ephemeralOwner === ctx.sessionId) paths.add(change.path);
    }
    const paths2Delete = javaHashSetOrder(paths, grownCapacity(javaHashSetCopyCapacity(paths.size), paths.size));
    for (const path of paths2Delete) {
      const parent = this.recordFor(parentOf(path));
      if (parent) {
        const updated = duplicate(parent, ctx.zxid);
        updated.childCount--;
        updated.stat!.pzxid = ctx.zxid;
        this.addChangeRecord(updated);
      }
      this.addChangeRecord({ zxid: ctx.zxid, path, stat: null, childCount: 0, acl: [] });
    }
    return { type: OpCode.closeSession, record: { paths2Delete } };
  }

  /** Transactions up to `zxid` are now in the tree: their change records are no longer needed. */
  applied(zxid: bigint): void {
    let drop = 0;
    while (drop < this.outstandingChanges.length && this.outstandingChanges[drop].zxid <= zxid) {
      const change = this.outstandingChanges[drop];
      if (this.outstandingChangesForPath.get(change.path) === change) this.outstandingChangesForPath.delete(change.path);
      drop++;
    }
    if (drop > 0) this.outstandingChanges.splice(0, drop);
  }

  /** Forget every outstanding change (a new leader rebuilds from its tree). */
  clear(): void {
    this.outstandingChanges.length = 0;
    this.outstandingChangesForPath.clear();
  }

  private prepOp(op: WriteOp, ctx: PrepContext): TxnBody {
    switch (op.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return this.prepCreate(op, ctx);
      case OpCode.delete:
        return this.prepDelete(op.path, op.version, ctx);
      case OpCode.setData:
        return this.prepSetData(op.path, op.data, op.version, ctx);
      case OpCode.setACL:
        return this.prepSetACL(op.path, op.acl, op.version, ctx);
      case OpCode.check:
        return this.prepCheck(op.path, op.version, ctx);
    }
  }

  private prepCreate(op: CreateOp, ctx: PrepContext): TxnBody {
    const flags = op.flags;
    if (flags < CreateFlag.PERSISTENT || flags > CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL) fail(KeeperErrorCode.BADARGUMENTS);
    const isTtl = flags === CreateFlag.PERSISTENT_WITH_TTL || flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isSequential =
      flags === CreateFlag.PERSISTENT_SEQUENTIAL ||
      flags === CreateFlag.EPHEMERAL_SEQUENTIAL ||
      flags === CreateFlag.PERSISTENT_SEQUENTIAL_WITH_TTL;
    const isEphemeral = flags === CreateFlag.EPHEMERAL || flags === CreateFlag.EPHEMERAL_SEQUENTIAL;
    const isContainer = flags === CreateFlag.CONTAINER;
    if (isTtl && !this.options.extendedTypesEnabled) fail(KeeperErrorCode.UNIMPLEMENTED);
    if (isTtl ? op.ttl <= 0n || op.ttl > this.options.maxTtlMs : op.ttl >= 0n) fail(KeeperErrorCode.BADARGUMENTS);
    this.checkSession(ctx);
    const slash = op.path.lastIndexOf('/');
    if (slash === -1 || op.path.includes('\0')) fail(KeeperErrorCode.BADARGUMENTS);
    const parentPath = slash === 0 ? '/' : op.path.slice(0, slash);
    const acl = fixupACL(op.acl, ctx.authInfo);
    if (typeof acl === 'number') fail(acl);
    const parent = this.getRecordForPath(parentPath);
    this.checkAcl(parent.acl, Perms.CREATE, ctx);
    const parentStat = parent.stat!;
    const path = isSequential ? op.path + formatSequence(parentStat.cversion) : op.path;
    if (pathProblem(path) !== null) fail(KeeperErrorCode.BADARGUMENTS);
    if (this.recordFor(path)) fail(KeeperErrorCode.NODEEXISTS);
    if (ephemeralKind(parentStat.ephemeralOwner) === 'session') fail(KeeperErrorCode.NOCHILDRENFOREPHEMERALS);
    const newCversion = parentStat.cversion + 1;
    const ephemeralOwner = isContainer
      ? CONTAINER_EPHEMERAL_OWNER
      : isTtl
        ? ttlEphemeralOwner(op.ttl)
        : isEphemeral
          ? ctx.sessionId
          : 0n;
    const updatedParent = duplicate(parent, ctx.zxid);
    updatedParent.childCount++;
    updatedParent.stat!.cversion = newCversion;
    updatedParent.stat!.pzxid = ctx.zxid;
    this.addChangeRecord(updatedParent);
    this.addChangeRecord({
      zxid: ctx.zxid,
      path,
      stat: {
        czxid: ctx.zxid,
        mzxid: ctx.zxid,
        ctime: ctx.timeMs,
        mtime: ctx.timeMs,
        version: 0,
        cversion: 0,
        aversion: 0,
        ephemeralOwner,
        pzxid: ctx.zxid,
      },
      childCount: 0,
      acl,
    });
    if (op.type === OpCode.createContainer) {
      return { type: op.type, record: { path, data: op.data, acl, parentCVersion: newCversion } };
    }
    if (op.type === OpCode.createTTL) {
      return { type: op.type, record: { path, data: op.data, acl, parentCVersion: newCversion, ttl: op.ttl } };
    }
    return { type: op.type, record: { path, data: op.data, acl, ephemeral: isEphemeral, parentCVersion: newCversion } };
  }

  private prepDelete(path: string, version: number, ctx: PrepContext): TxnBody {
    this.checkSession(ctx);
    const slash = path.lastIndexOf('/');
    if (slash === -1 || path.includes('\0') || isSpecialPath(path)) fail(KeeperErrorCode.BADARGUMENTS);
    const parent = this.getRecordForPath(slash === 0 ? '/' : path.slice(0, slash));
    // ZooKeeper checks DELETE on the parent before looking the node up (NOAUTH wins over NONODE).
    this.checkAcl(parent.acl, Perms.DELETE, ctx);
    const node = this.getRecordForPath(path);
    checkAndIncVersion(node.stat!.version, version);
    if (node.childCount > 0) fail(KeeperErrorCode.NOTEMPTY);
    const updatedParent = duplicate(parent, ctx.zxid);
    updatedParent.childCount--;
    updatedParent.stat!.pzxid = ctx.zxid;
    this.addChangeRecord(updatedParent);
    this.addChangeRecord({ zxid: ctx.zxid, path, stat: null, childCount: -1, acl: [] });
    return { type: OpCode.delete, record: { path } };
  }

  private prepSetData(path: string, data: Uint8Array | null, version: number, ctx: PrepContext): TxnBody {
    this.checkSession(ctx);
    this.validatePath(path);
    const node = this.getRecordForPath(path);
    this.checkAcl(node.acl, Perms.WRITE, ctx);
    const newVersion = checkAndIncVersion(node.stat!.version, version);
    const updated = duplicate(node, ctx.zxid);
    updated.stat!.version = newVersion;
    updated.stat!.mtime = ctx.timeMs;
    updated.stat!.mzxid = ctx.zxid;
    this.addChangeRecord(updated);
    return { type: OpCode.setData, record: { path, data, version: newVersion } };
  }

  private prepSetACL(path: string, requested: ACLRecord[], version: number, ctx: PrepContext): TxnBody {
    this.checkSession(ctx);
    this.validatePath(path);
    const acl = fixupACL(requested, ctx.authInfo);
    if (typeof acl === 'number') fail(acl);
    const node = this.getRecordForPath(path);
    this.checkAcl(node.acl, Perms.ADMIN, ctx);
    const newVersion = checkAndIncVersion(node.stat!.aversion, version);
    const updated = duplicate(node, ctx.zxid);
    updated.stat!.aversion = newVersion;
    updated.acl = acl;
    this.addChangeRecord(updated);
    return { type: OpCode.setACL, record: { path, acl, version: newVersion } };
  }

  private prepCheck(path: string, version: number, ctx: PrepContext): TxnBody {
    this.checkSession(ctx);
    this.validatePath(path);
    const node = this.getRecordForPath(path);
    this.checkAcl(node.acl, Perms.READ, ctx);
    return { type: OpCode.check, record: { path, version: checkAndIncVersion(node.stat!.version, version) } };
  }

  private checkSession(ctx: PrepContext): void {
    if (!ctx.sessionValid) fail(KeeperErrorCode.SESSIONEXPIRED);
  }

  private validatePath(path: string): void {
    if (pathProblem(path) !== null) fail(KeeperErrorCode.BADARGUMENTS);
  }

  private checkAcl(acl: readonly ACLRecord[], perm: number, ctx: PrepContext): void {
    if (!checkACL(acl, perm, ctx.authInfo)) fail(KeeperErrorCode.NOAUTH);
  }

  /** The node as it will be once outstanding changes land, or undefined if it will not exist. */
  private recordFor(path: string): ChangeRecord | undefined {
    const pending = this.outstandingChangesForPath.get(path);
    if (pending) return pending.stat === null ? undefined : pending;
    const node = this.tree.getNode(path);
    if (!node) return undefined;
    return { zxid: -1n, path, stat: node.stat, childCount: node.children.size, acl: node.acl };
  }

  private getRecordForPath(path: string): ChangeRecord {
    return this.recordFor(path) ?? fail(KeeperErrorCode.NONODE);
  }

  private addChangeRecord(change: ChangeRecord): void {
    this.outstandingChanges.push(change);
    this.outstandingChangesForPath.set(change.path, change);
  }

  /** Undo the change records a failed multi added after `mark`. */
  private rollback(mark: number): void {
    const removed = this.outstandingChanges.splice(mark);
    const touched = new Set(removed.map((c) => c.path));
    for (const path of touched) this.outstandingChangesForPath.delete(path);
    for (let i = this.outstandingChanges.length - 1; i >= 0 && touched.size > 0; i--) {
      const change = this.outstandingChanges[i];
      if (touched.delete(change.path)) this.outstandingChangesForPath.set(change.path, change);
    }
  }
}

function duplicate(record: ChangeRecord, zxid: bigint): ChangeRecord {
  return { zxid, path: record.path, stat: record.stat && { ...record.stat }, childCount: record.childCount, acl: record.acl };
}

function checkAndIncVersion(current: number, expected: number): number {
  if (expected !== -1 && expected !== current) fail(KeeperErrorCode.BADVERSION);
  return current + 1;
}

/** Java's String.format("%010d", n): ten digits, zero padded, sign first. */
export function formatSequence(n: number): string {
  return n < 0 ? `-${String(-n).padStart(9, '0')}` : String(n).padStart(10, '0');
}
