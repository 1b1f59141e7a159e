// FileSnap: ZooKeeper's snapshot layout in dataDir/version-2/snapshot.<last applied zxid in hex>.
//   FileHeader { "ZKSN", 2, -1 }; int sessionCount; { long id; int timeout }*
//   ACL cache: int count; { long index; vector<ACL> }*
//   nodes, parents first: { ustring path ("" for the root); buffer data; long aclIndex; StatPersisted }*
//   ustring "/" (end of tree); long Adler32 of all bytes before it; ustring "/"
import fs from 'node:fs';
import path from 'node:path';
import { JuteReader, JuteWriter } from '../jute/binary.ts';
import { ACL, FileHeader, StatPersisted, type ACLRecord } from '../jute/schema.ts';
import type { DataNode } from '../core/tree/data-tree.ts';
import { adler32 } from './checksum.ts';
import { fsyncDirectory, listByZxid } from './txn-log.ts';

export const SNAP_MAGIC = 0x5a4b534e; // "ZKSN"
const OPEN_ACL_INDEX = -1n;

export interface SnapshotContents {
  zxid: bigint;
  sessions: [bigint, number][];
  nodes: [string, DataNode][];
}

function aclKey(acl: readonly ACLRecord[]): string {
  return acl.map((a) => `${a.perms}:${a.id.scheme}:${a.id.id}`).join(',');
}

function isOpenAcl(acl: readonly ACLRecord[]): boolean {
  return acl.length === 1 && acl[0].perms === 31 && acl[0].id.scheme === 'world' && acl[0].id.id === 'anyone';
}

export function serializeSnapshot(
  nodes: Iterable<[string, DataNode]>,
  sessions: readonly [bigint, number][],
): Uint8Array {
  const writer = new JuteWriter(1024 * 1024);
  FileHeader.encode(writer, { magic: SNAP_MAGIC, version: 2, dbid: -1n });
  writer.writeInt(sessions.length);
  for (const [id, timeout] of sessions) writer.writeLong(id).writeInt(timeout);
  // ACLs are shared through an index, as ZooKeeper's ReferenceCountedACLCache does.
  const nodeList = [...nodes];
  const aclIndex = new Map<string, { index: bigint; acl: readonly ACLRecord[] }>();
  for (const [, node] of nodeList) {
    if (isOpenAcl(node.acl)) continue;
    const key = aclKey(node.acl);
    if (!aclIndex.has(key)) aclIndex.set(key, { index: BigInt(aclIndex.size + 1), acl: node.acl });
  }
  writer.writeInt(aclIndex.size);
  for (const { index, acl } of aclIndex.values()) {
    writer.writeLong(index).writeInt(acl.length);
    for (const entry of acl) ACL.encode(writer, entry);
  }
  for (const [nodePath, node] of nodeList) {
    writer.writeString(nodePath === '/' ? '' : nodePath);
    writer.writeBuffer(node.data);
    writer.writeLong(isOpenAcl(node.acl) ? OPEN_ACL_INDEX : aclIndex.get(aclKey(node.acl))!.index);
    StatPersisted.encode(writer, node.stat);
  }
  writer.writeString('/');
  writer.writeLong(BigInt(adler32(writer.written())));
  writer.writeString('/');
  return writer.toBytes();
}

export function deserializeSnapshot(bytes: Uint8Array, zxid: bigint): SnapshotContents {
  const reader = new JuteReader(bytes);
  const header = FileHeader.decode(reader);
  if (header.magic !== SNAP_MAGIC) throw new Error(`bad snapshot magic 0x${header.magic.toString(16)}`);
  const sessions: [bigint, number][] = [];
  for (let count = reader.readInt(); count > 0; count--) sessions.push([reader.readLong(), reader.readInt()]);
  const acls = new Map<bigint, ACLRecord[]>();
  for (let count = reader.readInt(); count > 0; count--) {
    const index = reader.readLong();
    const list: ACLRecord[] = [];
    for (let n = reader.readInt(); n > 0; n--) list.push(ACL.decode(reader));
    acls.set(index, list);
  }
  const nodes: [string, DataNode][] = [];
  for (;;) {
    const nodePath = reader.readString() ?? '';
    if (nodePath === '/') break;
    const data = reader.readBuffer();
    const index = reader.readLong();
    const stat = StatPersisted.decode(reader);
    const acl =
      index === OPEN_ACL_INDEX ? [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }] : acls.get(index);
    if (!acl) throw new Error(`snapshot node ${nodePath} refers to unknown ACL ${index}`);
    nodes.push([nodePath === '' ? '/' : nodePath, { data, acl, stat, children: new Set() }]);
  }
  const checkedLength = reader.offset;
  const checksum = reader.readLong();
  if (BigInt(adler32(bytes.subarray(0, checkedLength))) !== checksum) throw new Error('snapshot checksum mismatch');
  return { zxid, sessions, nodes };
}

export function snapshotFileName(zxid: bigint): string {
  return `snapshot.${zxid.toString(16)}`;
}

export function listSnapshots(dataDir: string): { file: string; zxid: bigint }[] {
  return listByZxid(path.join(dataDir, 'version-2'), 'snapshot');
}

/** Write atomically (temp file, fsync, rename, fsync dir) so a crash never leaves a half snapshot. */
export async function writeSnapshotFile(dataDir: string, zxid: bigint, bytes: Uint8Array): Promise<string> {
  const dir = path.join(dataDir, 'version-2');
  await fs.promises.mkdir(dir, { recursive: true });
  const target = path.join(dir, snapshotFileName(zxid));
  const temp = `${target}.tmp`;
  const handle = await fs.promises.open(temp, 'w');
  try {
    await handle.writeFile(bytes);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await fs.promises.rename(temp, target);
  fsyncDirectory(dir);
  return target;
}
