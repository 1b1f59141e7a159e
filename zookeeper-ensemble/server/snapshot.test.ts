// Snapshots (ZooKeeper's FileSnap layout): serialize/deserialize round trips of whole trees with shared
// ACLs and sessions, corruption detection, and atomic snapshot files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';

import { DataTree, OPEN_ACL_UNSAFE } from '../core/tree/data-tree.ts';
import { OpCode, Perms } from '../jute/constants.ts';
import type { ACLRecord } from '../jute/schema.ts';
import type { TxnBody } from '../jute/txn.ts';
import {
  deserializeSnapshot,
  listSnapshots,
  serializeSnapshot,
  SNAP_MAGIC,
  snapshotFileName,
  writeSnapshotFile,
} from './snapshot.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kzlab-snap-'));
  dirs.push(dir);
  return dir;
}

const BOB: ACLRecord[] = [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'bob:hash' } }];
const READ_ONLY: ACLRecord[] = [
  { perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } },
  { perms: Perms.ALL, id: { scheme: 'ip', id: '10.0.0.0/8' } },
];

/** A tree built by committed txns, with ephemerals, data, shared ACLs. */
function sampleTree(): DataTree {
  const tree = new DataTree();
  let zxid = 0n;
  const apply = (clientId: bigint, body: TxnBody) => {
    zxid += 1n;
    const result = tree.processTxn({ clientId, cxid: 0, zxid, time: 5000n + zxid, type: body.type }, body);
    expect(result.err).toBe(0);
  };
  const create = (
    p: string,
    acl: ACLRecord[] = OPEN_ACL_UNSAFE,
    ephemeral = false,
    data: Uint8Array | null = null,
  ): TxnBody => ({
    type: OpCode.create,
    record: { path: p, data, acl, ephemeral, parentCVersion: -1 },
  });
  apply(0n, create('/a', OPEN_ACL_UNSAFE, false, new Uint8Array([1, 2, 3])));
  apply(0n, create('/a/b', BOB));
  apply(0n, create('/a/c', BOB, false, new Uint8Array(0)));
  apply(0n, create('/r', READ_ONLY));
  apply(0x1234n, create('/a/e', OPEN_ACL_UNSAFE, true));
  apply(0n, { type: OpCode.setData, record: { path: '/a', data: new Uint8Array([9]), version: 1 } });
  apply(0n, { type: OpCode.delete, record: { path: '/a/c' } });
  apply(0n, { type: OpCode.setACL, record: { path: '/r', acl: READ_ONLY, version: 1 } });
  return tree;
}

function restored(bytes: Uint8Array, zxid: bigint): DataTree {
  const contents = deserializeSnapshot(bytes, zxid);
  const tree = new DataTree();
  for (const [p, node] of contents.nodes) tree.restoreNode(p, node);
  return tree;
}

function expectSameTree(actual: DataTree, expected: DataTree): void {
  const paths = [...expected.walk()].map(([p]) => p).sort();
  expect([...actual.walk()].map(([p]) => p).sort()).toEqual(paths);
  for (const p of paths) {
    const a = actual.getNode(p)!;
    const e = expected.getNode(p)!;
    expect(a.stat, p).toEqual(e.stat);
    expect(a.acl, p).toEqual(e.acl);
    expect(a.data ?? null, p).toEqual(e.data ?? null);
    expect(actual.statNode(p), p).toEqual(expected.statNode(p));
  }
}

describe('serializeSnapshot / deserializeSnapshot', () => {
  it('round-trips a tree: every node, Stat, ACL, data (null stays null), ephemerals, sessions', () => {
    const tree = sampleTree();
    const sessions: [bigint, number][] = [
      [0x1234n, 30_000],
      [-5n, 4000],
    ];
    const bytes = serializeSnapshot(tree.walk(), sessions);
    const contents = deserializeSnapshot(bytes, 8n);
    expect(contents.zxid).toBe(8n);
    expect(contents.sessions).toEqual(sessions);
    const copy = restored(bytes, 8n);
    expectSameTree(copy, tree);
    expect(copy.getEphemerals(0x1234n)).toEqual(['/a/e']);
    expect(copy.getNode('/a/b')!.data).toBeNull();
  });

  it('starts with the ZKSN file header and ends with the checksum between two "/" strings', () => {
    const bytes = serializeSnapshot(new DataTree().walk(), []);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    expect(view.getInt32(0)).toBe(SNAP_MAGIC);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('latin1')).toBe('ZKSN');
    expect(view.getInt32(4)).toBe(2);
    expect(view.getBigInt64(8)).toBe(-1n);
    expect(Buffer.from(bytes.subarray(bytes.length - 5)).toString('hex')).toBe('000000012f');
  });

  it('shares one ACL list between nodes (an ACL cache), writing each distinct list once', () => {
    const tree = sampleTree();
    const bytes = serializeSnapshot(tree.walk(), []);
    // "bob:hash" appears once although two nodes (one deleted later) used it.
    const haystack = Buffer.from(bytes).toString('latin1');
    expect(haystack.split('bob:hash').length - 1).toBe(1);
  });

  it('every flipped byte is detected (throws), never a silently different tree', () => {
    const tree = sampleTree();
    const bytes = serializeSnapshot(tree.walk(), [[1n, 4000]]);
    for (let at = 0; at < bytes.length; at++) {
      const damaged = bytes.slice();
      damaged[at] ^= 0x01;
      let copy: DataTree;
      try {
        copy = restored(damaged, 8n);
      } catch {
        continue;
      }
      // A flip that still parses must not change anything (e.g. it cannot: the checksum covers it all).
      expectSameTree(copy, tree);
      throw new Error(`flip at byte ${at} was not detected`);
    }
  });

  it('a truncated snapshot throws', () => {
    const bytes = serializeSnapshot(sampleTree().walk(), []);
    for (const cut of [0, 10, 20, bytes.length - 20, bytes.length - 1]) {
      expect(() => deserializeSnapshot(bytes.subarray(0, cut), 1n)).toThrow();
    }
  });

  it('random trees round-trip', () => {
    const nameArb = fc.constantFrom('a', 'b', 'c', 'é', 'long-name-0000000001');
    const opArb = fc.record({
      parentIndex: fc.nat(),
      name: nameArb,
      data: fc.option(fc.uint8Array({ maxLength: 16 }), { nil: null }),
      acl: fc.constantFrom(OPEN_ACL_UNSAFE, BOB, READ_ONLY),
      owner: fc.constantFrom(0n, 7n, 8n),
    });
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 25 }),
        fc.array(fc.tuple(fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }), fc.nat()), {
          maxLength: 4,
        }),
        (ops, sessions) => {
          const tree = new DataTree();
          let zxid = 0n;
          for (const op of ops) {
            const parents = [...tree.walk()]
              .map(([p]) => p)
              .filter((p) => tree.getNode(p)!.stat.ephemeralOwner === 0n);
            const parent = parents[op.parentIndex % parents.length];
            const p = parent === '/' ? `/${op.name}` : `${parent}/${op.name}`;
            zxid += 1n;
            tree.processTxn(
              { clientId: op.owner, cxid: 0, zxid, time: zxid, type: OpCode.create },
              {
                type: OpCode.create,
                record: {
                  path: p,
                  data: op.data,
                  acl: op.acl,
                  ephemeral: op.owner !== 0n,
                  parentCVersion: -1,
                },
              },
            );
          }
          const bytes = serializeSnapshot(tree.walk(), sessions);
          expectSameTree(restored(bytes, zxid), tree);
          expect(deserializeSnapshot(bytes, zxid).sessions).toEqual(sessions);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('snapshot files', () => {
  it('writeSnapshotFile writes version-2/snapshot.<zxid hex> atomically (no temp file left)', async () => {
    const dir = tempDir();
    const bytes = serializeSnapshot(sampleTree().walk(), []);
    const file = await writeSnapshotFile(dir, 0x1_0000_0008n, bytes);
    expect(file).toBe(path.join(dir, 'version-2', 'snapshot.100000008'));
    expect(snapshotFileName(0x1_0000_0008n)).toBe('snapshot.100000008');
    expect(fs.readdirSync(path.join(dir, 'version-2'))).toEqual(['snapshot.100000008']);
    expect(new Uint8Array(fs.readFileSync(file))).toEqual(bytes);
  });

  it('listSnapshots sorts by zxid, not by name', async () => {
    const dir = tempDir();
    const bytes = serializeSnapshot(new DataTree().walk(), []);
    for (const zxid of [0x10n, 0x2n, 0x100n, 0xan]) await writeSnapshotFile(dir, zxid, bytes);
    fs.writeFileSync(path.join(dir, 'version-2', 'snapshot.notahexnumber'), 'x');
    expect(listSnapshots(dir).map((s) => s.zxid)).toEqual([0x2n, 0xan, 0x10n, 0x100n]);
  });
});
