// The snapshot format (ZooKeeper's FileSnap layout), pure so a leader can ship its tree in a SNAP packet:
//   FileHeader { "ZKSN", 2, -1 }; int sessionCount; { long id; int timeout }*
//   ACL cache: int count; { long index; vector<ACL> }*
//   nodes, parents first: { ustring path ("" for the root); buffer data; long aclIndex; StatPersisted }*
//   ustring "/" (end of tree); long Adler32 of all bytes before it; ustring "/"
import { adler32 } from '../../jute/adler32.ts';
import { JuteReader, JuteWriter } from '../../jute/binary.ts';
import { ACL, FileHeader, StatPersisted, type ACLRecord } from '../../jute/schema.ts';
import type { DataNode } from './data-tree.ts';

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
  if (header.magic !== SNAP_MAGIC) throw new SnapshotFormatError(`bad snapshot magic 0x${header.magic.toString(16)}`);
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
    if (!acl) throw new SnapshotFormatError(`snapshot node ${nodePath} refers to unknown ACL ${index}`);
    nodes.push([nodePath === '' ? '/' : nodePath, { data, acl, stat, children: new Set() }]);
  }
  const checkedLength = reader.offset;
  const checksum = reader.readLong();
  if (BigInt(adler32(bytes.subarray(0, checkedLength))) !== checksum) throw new SnapshotFormatError('snapshot checksum mismatch');
  // The seal after the checksum (SnapStream.checkSealIntegrity reads it; a snapshot without it is torn).
  if (reader.readString() !== '/') throw new SnapshotFormatError('snapshot seal missing after the checksum');
  return { zxid, sessions, nodes };
}


export class SnapshotFormatError extends Error {
  readonly code = 'KZ_ERR_SNAPSHOT_FORMAT';
}
