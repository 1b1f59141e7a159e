// Zab packets between leader and learners: jute QuorumPacket { type, zxid, data, authinfo } with the
// packet types of ZooKeeper's Leader.java, and the small payloads some of them carry.
import { JuteReader, JuteWriter } from '../../jute/binary.ts';
import { LearnerInfo, QuorumPacket, type IdRecord, type RecordType } from '../../jute/schema.ts';
import type { ForwardedRequest } from '../zookeeper-server.ts';

export type QuorumPacketRecord = RecordType<typeof QuorumPacket>;

export const PacketType = {
  REQUEST: 1,
  PROPOSAL: 2,
  ACK: 3,
  COMMIT: 4,
  PING: 5,
  REVALIDATE: 6,
  SYNC: 7,
  INFORM: 8,
  NEWLEADER: 10,
  FOLLOWERINFO: 11,
  UPTODATE: 12,
  DIFF: 13,
  TRUNC: 14,
  SNAP: 15,
  LEADERINFO: 17,
  ACKEPOCH: 18,
} as const;

const packetNames = new Map<number, string>(Object.entries(PacketType).map(([name, type]) => [type, name]));
export function packetTypeName(type: number): string {
  return packetNames.get(type) ?? `UNKNOWN(${type})`;
}

/** Zab protocol version sent in LEADERINFO/FOLLOWERINFO (ZooKeeper 3.4+ uses 0x10000). */
export const ZAB_PROTOCOL_VERSION = 0x10000;

export function makeZxid(epoch: bigint, counter: bigint): bigint {
  return (epoch << 32n) | (counter & 0xffffffffn);
}

export function epochOf(zxid: bigint): bigint {
  return zxid >> 32n;
}

export function counterOf(zxid: bigint): bigint {
  return zxid & 0xffffffffn;
}

export function zxidHex(zxid: bigint): string {
  return `0x${zxid.toString(16)}`;
}

export function packet(type: number, zxid: bigint, data: Uint8Array | null = null, authinfo: IdRecord[] = []): QuorumPacketRecord {
  return { type, zxid, data, authinfo };
}

export function encodePacket(p: QuorumPacketRecord): Uint8Array {
  const writer = new JuteWriter(64 + (p.data?.length ?? 0));
  QuorumPacket.encode(writer, p);
  return writer.toBytes();
}

export function decodePacket(bytes: Uint8Array, maxLength?: number): QuorumPacketRecord {
  const reader = new JuteReader(bytes, maxLength);
  const p = QuorumPacket.decode(reader);
  reader.expectEnd('QuorumPacket');
  return p;
}

export function encodeLearnerInfo(serverId: number): Uint8Array {
  const writer = new JuteWriter(24);
  LearnerInfo.encode(writer, { serverid: BigInt(serverId), protocolVersion: ZAB_PROTOCOL_VERSION, configVersion: 0n });
  return writer.toBytes();
}

export function decodeLearnerInfo(bytes: Uint8Array | null): { serverId: number } {
  const info = LearnerInfo.decode(new JuteReader(bytes ?? new Uint8Array(0)));
  return { serverId: Number(info.serverid) };
}

export function encodeInt(value: number): Uint8Array {
  return new JuteWriter(4).writeInt(value).toBytes();
}

export function decodeInt(bytes: Uint8Array | null): number {
  return new JuteReader(bytes ?? new Uint8Array(0)).readInt();
}

/** REQUEST data: sessionId, cxid, type, then the request body (ZooKeeper's Request serialization). */
export function encodeRequest(request: ForwardedRequest): QuorumPacketRecord {
  const writer = new JuteWriter(16 + request.payload.length);
  writer.writeLong(request.sessionId).writeInt(request.cxid).writeInt(request.type).writeRaw(request.payload);
  return packet(PacketType.REQUEST, 0n, writer.toBytes(), request.authInfo);
}

export function decodeRequest(p: QuorumPacketRecord): ForwardedRequest {
  const data = p.data ?? new Uint8Array(0);
  const reader = new JuteReader(data);
  const sessionId = reader.readLong();
  const cxid = reader.readInt();
  const type = reader.readInt();
  return { sessionId, cxid, type, payload: data.slice(reader.offset), authInfo: p.authinfo };
}

/** PING answer data: the sessions the learner's clients touched (sessionId, timeout)*. */
export function encodeTouches(touches: Map<bigint, number>): Uint8Array {
  const writer = new JuteWriter(4 + touches.size * 12);
  for (const [sessionId, timeoutMs] of touches) writer.writeLong(sessionId).writeInt(timeoutMs);
  return writer.toBytes();
}

export function decodeTouches(bytes: Uint8Array | null): [bigint, number][] {
  const reader = new JuteReader(bytes ?? new Uint8Array(0));
  const touches: [bigint, number][] = [];
  while (reader.remaining >= 12) touches.push([reader.readLong(), reader.readInt()]);
  return touches;
}

export function encodeRevalidate(sessionId: bigint, timeoutMs: number): Uint8Array {
  return new JuteWriter(12).writeLong(sessionId).writeInt(timeoutMs).toBytes();
}

export function decodeRevalidate(bytes: Uint8Array | null): { sessionId: bigint; timeoutMs: number } {
  const reader = new JuteReader(bytes ?? new Uint8Array(0));
  return { sessionId: reader.readLong(), timeoutMs: reader.readInt() };
}

export function encodeRevalidateAnswer(sessionId: bigint, valid: boolean): Uint8Array {
  return new JuteWriter(9).writeLong(sessionId).writeBool(valid).toBytes();
}

export function decodeRevalidateAnswer(bytes: Uint8Array | null): { sessionId: bigint; valid: boolean } {
  const reader = new JuteReader(bytes ?? new Uint8Array(0));
  return { sessionId: reader.readLong(), valid: reader.readBool() };
}

/** SYNC answer data: which client sync it answers (session id, cxid). */
export function encodeSyncAnswer(sessionId: bigint, cxid: number): Uint8Array {
  return new JuteWriter(12).writeLong(sessionId).writeInt(cxid).toBytes();
}

export function decodeSyncAnswer(bytes: Uint8Array | null): { sessionId: bigint; cxid: number } {
  const reader = new JuteReader(bytes ?? new Uint8Array(0));
  return { sessionId: reader.readLong(), cxid: reader.readInt() };
}
