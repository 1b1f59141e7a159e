// PrepRequestProcessor: checks against the tree plus outstanding ChangeRecords (pipelined writes),
// ErrorTxns for failed checks, multi all-or-nothing with rollback of its change records, and the
// sequence suffix (Java's String.format("%010d", n), values checked with Java 17).
import { describe, expect, it } from 'vitest';

import { CreateFlag, KeeperErrorCode, OpCode, Perms } from '../../jute/constants.ts';
import type { ACLRecord, IdRecord } from '../../jute/schema.ts';
import type { TxnBody } from '../../jute/txn.ts';
import { DataTree, OPEN_ACL_UNSAFE } from '../tree/data-tree.ts';
import {
  formatSequence,
  PrepRequestProcessor,
  type PrepContext,
  type WriteOp,
} from './prep-request-processor.ts';

describe('formatSequence = String.format("%010d", n)', () => {
  it.each([
    [0, '0000000000'],
    [1, '0000000001'],
    [42, '0000000042'],
    [999999999, '0999999999'],
    [1000000000, '1000000000'],
    [2147483647, '2147483647'],
    [-1, '-000000001'],
    [-42, '-000000042'],
    [-2147483648, '-2147483648'],
  ])('%d → %s', (n, expected) => {
    expect(formatSequence(n)).toBe(expected);
  });
});

const SESSION = 0x77n;

function setup(options: { extendedTypesEnabled?: boolean } = {}) {
  const tree = new DataTree();
  const prep = new PrepRequestProcessor(tree, {
    extendedTypesEnabled: options.extendedTypesEnabled ?? false,
    maxTtlMs: 0xffffffffffn,
  });
  let zxid = 0n;
  const ctx = (overrides: Partial<PrepContext> = {}): PrepContext => ({
    sessionId: SESSION,
    authInfo: [],
    zxid: ++zxid,
    timeMs: 1000n,
    sessionValid: true,
    ...overrides,
  });
  /** Apply a prepped body to the tree with the zxid it was prepped with, and tell prep. */
  const apply = (body: TxnBody, txnZxid: bigint, clientId = SESSION) => {
    const result = tree.processTxn({ clientId, cxid: 0, zxid: txnZxid, time: 1000n, type: body.type }, body);
    prep.applied(txnZxid);
    return result;
  };
  const write = (op: WriteOp, overrides: Partial<PrepContext> = {}) => {
    const c = ctx(overrides);
    return { body: prep.prepWrite(op, c), zxid: c.zxid };
  };
  /** Prep and apply at once (a write that has committed). */
  const commit = (op: WriteOp, overrides: Partial<PrepContext> = {}) => {
    const { body, zxid: z } = write(op, overrides);
    apply(body, z, overrides.sessionId ?? SESSION);
    return body;
  };
  return { tree, prep, ctx, apply, write, commit };
}

const create = (
  path: string,
  flags: number = CreateFlag.PERSISTENT,
  acl: ACLRecord[] = OPEN_ACL_UNSAFE,
): WriteOp => ({
  type: OpCode.create,
  path,
  data: null,
  acl,
  flags,
  ttl: -1n,
});
const del = (path: string, version = -1): WriteOp => ({ type: OpCode.delete, path, version });
const setData = (path: string, version = -1): WriteOp => ({
  type: OpCode.setData,
  path,
  data: new Uint8Array([1]),
  version,
});
const check = (path: string, version = -1): WriteOp => ({ type: OpCode.check, path, version });
const errOf = (body: TxnBody) => (body.type === OpCode.error ? body.record.err : 0);

describe('PrepRequestProcessor: outstanding changes', () => {
  it('create /a then create /a/b before either is applied: both succeed', () => {
    const { tree, write, apply, prep } = setup();
    const a = write(create('/a'));
    const b = write(create('/a/b'));
    expect(a.body).toMatchObject({ type: OpCode.create, record: { path: '/a', parentCVersion: 1 } });
    expect(b.body).toMatchObject({ type: OpCode.create, record: { path: '/a/b', parentCVersion: 1 } });
    expect(prep.outstandingCount).toBe(4);
    apply(a.body, a.zxid);
    apply(b.body, b.zxid);
    expect(prep.outstandingCount).toBe(0);
    expect(tree.getNode('/a/b')).toBeDefined();
  });

  it('pipelined creates number sequential nodes from the outstanding parent cversion', () => {
    const { write } = setup();
    write(create('/q'));
    const names = [1, 2, 3].map(() => write(create('/q/n-', CreateFlag.PERSISTENT_SEQUENTIAL)).body);
    expect(names.map((b) => (b.type === OpCode.create ? b.record.path : ''))).toEqual([
      '/q/n-0000000000',
      '/q/n-0000000001',
      '/q/n-0000000002',
    ]);
  });

  it('versions chain through outstanding setData records', () => {
    const { write } = setup();
    write(create('/v'));
    expect(write(setData('/v', 0)).body).toMatchObject({ type: OpCode.setData, record: { version: 1 } });
    expect(write(setData('/v', 1)).body).toMatchObject({ type: OpCode.setData, record: { version: 2 } });
    expect(errOf(write(setData('/v', 1)).body)).toBe(KeeperErrorCode.BADVERSION);
  });

  it('an outstanding delete makes the node missing, and it may be created again', () => {
    const { commit, write } = setup();
    commit(create('/d'));
    write(del('/d'));
    expect(errOf(write(setData('/d')).body)).toBe(KeeperErrorCode.NONODE);
    expect(errOf(write(create('/d')).body)).toBe(0);
  });

  it('an outstanding child makes the parent NOTEMPTY', () => {
    const { commit, write } = setup();
    commit(create('/p'));
    write(create('/p/c'));
    expect(errOf(write(del('/p')).body)).toBe(KeeperErrorCode.NOTEMPTY);
  });

  it('an outstanding ephemeral parent refuses children (NOCHILDRENFOREPHEMERALS)', () => {
    const { write } = setup();
    write(create('/e', CreateFlag.EPHEMERAL));
    expect(errOf(write(create('/e/c')).body)).toBe(KeeperErrorCode.NOCHILDRENFOREPHEMERALS);
  });

  it("prepCloseSession deletes the session's ephemerals including outstanding ones, minus outstanding deletes", () => {
    const { commit, write, prep, ctx } = setup();
    commit(create('/e1', CreateFlag.EPHEMERAL));
    commit(create('/e2', CreateFlag.EPHEMERAL));
    commit(create('/other', CreateFlag.EPHEMERAL), { sessionId: 0x99n });
    write(create('/e3', CreateFlag.EPHEMERAL_SEQUENTIAL));
    write(del('/e1'));
    const body = prep.prepCloseSession(ctx());
    // Order is Java's HashSet order (checked against real ZooKeeper by the differential test); the set here.
    expect(body.type).toBe(OpCode.closeSession);
    expect([...(body.record as { paths2Delete: string[] }).paths2Delete].sort()).toEqual([
      '/e2',
      '/e30000000003',
    ]);
  });
});

describe('PrepRequestProcessor: multi', () => {
  it('a failing op turns the multi into errors: the failure, RUNTIMEINCONSISTENCY after it', () => {
    const { prep, ctx, commit } = setup();
    commit(create('/m'));
    const body = prep.prepMulti([create('/m/a'), del('/m/nope'), create('/m/b')], ctx());
    expect(body.type).toBe(OpCode.multi);
    if (body.type !== OpCode.multi) return;
    expect(body.record.txns).toEqual([
      expect.objectContaining({ type: OpCode.create }),
      { type: OpCode.error, record: { err: KeeperErrorCode.NONODE } },
      { type: OpCode.error, record: { err: KeeperErrorCode.RUNTIMEINCONSISTENCY } },
    ]);
  });

  it('a failed multi leaves no change records behind: its creates are invisible to the next prep', () => {
    const { prep, ctx, write } = setup();
    prep.prepMulti([create('/x'), create('/x/y'), del('/nope')], ctx());
    expect(prep.outstandingCount).toBe(0);
    expect(errOf(write(create('/x/y')).body)).toBe(KeeperErrorCode.NONODE);
    expect(errOf(write(create('/x')).body)).toBe(0);
  });

  it('rollback restores the earlier outstanding record of a path the multi touched', () => {
    const { prep, ctx, write, commit } = setup();
    commit(create('/r'));
    write(setData('/r', 0)); // outstanding: version 1
    prep.prepMulti([setData('/r', 1), del('/nope')], ctx()); // would make version 2, then fails
    expect(write(setData('/r', 1)).body).toMatchObject({ type: OpCode.setData, record: { version: 2 } });
  });

  it('ops of one multi see each other (create parent then child, delete child then parent)', () => {
    const { prep, ctx } = setup();
    const body = prep.prepMulti([create('/p'), create('/p/c'), del('/p/c'), del('/p')], ctx());
    if (body.type !== OpCode.multi) throw new Error('expected a multi');
    expect(body.record.txns.map((t) => t.type)).toEqual([
      OpCode.create,
      OpCode.create,
      OpCode.delete,
      OpCode.delete,
    ]);
  });
});

describe('PrepRequestProcessor: checks and their errors', () => {
  it('BADARGUMENTS: relative path, trailing slash, NUL, bad flags, deleting a system node', () => {
    const { write, commit } = setup();
    commit(create('/ok'));
    expect(errOf(write(create('rel')).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(write(create('/ok/')).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(write(create('/a\u0000b')).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(write(create('/ok/..')).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(write(create('/f', 9)).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(write(create('/f', -1)).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    for (const path of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) {
      expect(errOf(write(del(path)).body), path).toBe(KeeperErrorCode.BADARGUMENTS);
    }
    expect(errOf(write(setData('bad')).body)).toBe(KeeperErrorCode.BADARGUMENTS);
  });

  it('a sequential create may end with "/" (the suffix makes the name), as ZooKeeper allows', () => {
    const { write, commit } = setup();
    commit(create('/sq'));
    expect(write(create('/sq/', CreateFlag.PERSISTENT_SEQUENTIAL)).body).toMatchObject({
      record: { path: '/sq/0000000000' },
    });
  });

  it('NONODE for a missing parent, NODEEXISTS for an existing node', () => {
    const { write, commit } = setup();
    commit(create('/n'));
    expect(errOf(write(create('/missing/x')).body)).toBe(KeeperErrorCode.NONODE);
    expect(errOf(write(create('/n')).body)).toBe(KeeperErrorCode.NODEEXISTS);
  });

  it('BADVERSION for delete/setData/check with a wrong version; -1 matches any', () => {
    const { write, commit } = setup();
    commit(create('/b'));
    expect(errOf(write(del('/b', 3)).body)).toBe(KeeperErrorCode.BADVERSION);
    expect(errOf(write(check('/b', 1)).body)).toBe(KeeperErrorCode.BADVERSION);
    expect(write(check('/b', 0)).body).toEqual({ type: OpCode.check, record: { path: '/b', version: 1 } });
    expect(errOf(write(setData('/b', -2)).body)).toBe(KeeperErrorCode.BADVERSION);
    expect(errOf(write(setData('/b', -1)).body)).toBe(0);
  });

  it('SESSIONEXPIRED when the session is not valid', () => {
    const { write } = setup();
    expect(errOf(write(create('/s'), { sessionValid: false }).body)).toBe(KeeperErrorCode.SESSIONEXPIRED);
    expect(errOf(write(setData('/'), { sessionValid: false }).body)).toBe(KeeperErrorCode.SESSIONEXPIRED);
  });

  it('NOAUTH: CREATE on the parent, DELETE on the parent (even for a missing child), WRITE/READ on the node', () => {
    const { write, commit } = setup();
    const bob: IdRecord[] = [{ scheme: 'digest', id: 'bob:h' }];
    const bobOnly = [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'bob:h' } }];
    commit(create('/locked', CreateFlag.PERSISTENT, bobOnly), { authInfo: bob });
    expect(errOf(write(create('/locked/c')).body)).toBe(KeeperErrorCode.NOAUTH);
    expect(errOf(write(setData('/locked')).body)).toBe(KeeperErrorCode.NOAUTH);
    expect(errOf(write(check('/locked')).body)).toBe(KeeperErrorCode.NOAUTH);
    commit(create('/locked/c'), { authInfo: bob });
    expect(errOf(write(del('/locked/c')).body)).toBe(KeeperErrorCode.NOAUTH);
    // Verified on ZooKeeper 3.8.0: the parent's DELETE permission is checked before the child is looked up.
    expect(errOf(write(del('/locked/ghost')).body)).toBe(KeeperErrorCode.NOAUTH);
    expect(errOf(write(del('/locked/c'), { authInfo: bob }).body)).toBe(0);
  });

  it('INVALIDACL for an invalid ACL, and "auth" without credentials', () => {
    const { write } = setup();
    expect(errOf(write(create('/i', 0, [])).body)).toBe(KeeperErrorCode.INVALIDACL);
    expect(errOf(write(create('/i', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }])).body)).toBe(
      KeeperErrorCode.INVALIDACL,
    );
    const withAuth = write(create('/i', 0, [{ perms: 31, id: { scheme: 'auth', id: '' } }]), {
      authInfo: [{ scheme: 'digest', id: 'amy:h' }],
    }).body;
    expect(withAuth).toMatchObject({
      record: { acl: [{ perms: 31, id: { scheme: 'digest', id: 'amy:h' } }] },
    });
  });

  it('TTL nodes: UNIMPLEMENTED unless extended types are enabled; then the ttl must be in range', () => {
    const ttlOp = (ttl: bigint): WriteOp => ({
      type: OpCode.createTTL,
      path: '/t',
      data: null,
      acl: OPEN_ACL_UNSAFE,
      flags: CreateFlag.PERSISTENT_WITH_TTL,
      ttl,
    });
    expect(errOf(setup().write(ttlOp(1000n)).body)).toBe(KeeperErrorCode.UNIMPLEMENTED);
    const enabled = setup({ extendedTypesEnabled: true });
    expect(errOf(enabled.write(ttlOp(0n)).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(errOf(enabled.write(ttlOp(0x10000000000n)).body)).toBe(KeeperErrorCode.BADARGUMENTS);
    expect(enabled.write(ttlOp(1000n)).body).toMatchObject({
      type: OpCode.createTTL,
      record: { ttl: 1000n },
    });
  });

  it('a failed check consumes nothing but its zxid: the ErrorTxn leaves no change record', () => {
    const { write, prep } = setup();
    write(create('/missing/x'));
    expect(prep.outstandingCount).toBe(0);
  });
});
