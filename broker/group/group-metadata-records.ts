// The records the group coordinator writes to `__consumer_offsets`, byte for byte as Kafka 2.4's
// GroupMetadataManager writes them (kafka-zk-era.md §6.8). Every key and value starts with an int16
// schema version; the rest is the classic protocol encoding (big-endian; STRING = int16 length + UTF-8;
// NULLABLE_STRING uses −1 for null; BYTES = int32 length + bytes; arrays = int32 count).
//
// Keys — the key version says what kind of record it is (and keeps the two kinds apart under compaction):
//   version 0 or 1  offset commit    group STRING, topic STRING, partition INT32        (1 is written)
//   version 2       group metadata   group STRING
//
// Offset commit values:
//   v0  offset INT64, metadata STRING, timestamp INT64
//   v1  offset INT64, metadata STRING, commit_timestamp INT64, expire_timestamp INT64
//   v2  offset INT64, metadata STRING, commit_timestamp INT64
//   v3  offset INT64, leader_epoch INT32, metadata STRING, commit_timestamp INT64
// Kafka 2.4 (inter.broker.protocol.version 2.4) writes v3, except v1 when the client asked for a retention
// time (OffsetCommit v2–v4 with retention_time_ms ≠ −1), because only v1 can carry an expire timestamp.
//
// Group metadata values:
//   protocol_type STRING, generation INT32, protocol NULLABLE_STRING, leader NULLABLE_STRING,
//   [v2+] current_state_timestamp INT64,
//   members [ member_id STRING, [v3] group_instance_id NULLABLE_STRING, client_id STRING,
//             client_host STRING, [v1+] rebalance_timeout INT32, session_timeout INT32,
//             subscription BYTES, assignment BYTES ]
// Kafka 2.4 writes v3. A v0 member has no rebalance timeout; readers use the session timeout.
//
// A record with a null value is a tombstone: it deletes the key (an expired offset, a removed group).
//
// Pure: no node:* imports.

import { KafkaReader, KafkaWriter } from '../../client/protocol/binary.ts';

export const GROUP_METADATA_TOPIC_NAME = '__consumer_offsets';

/** The offset-commit key version Kafka writes (0 is still read). */
export const CURRENT_OFFSET_KEY_SCHEMA_VERSION = 1;
/** The group-metadata key version. */
export const CURRENT_GROUP_KEY_SCHEMA_VERSION = 2;
/** The group-metadata value version Kafka 2.3+ writes. */
export const CURRENT_GROUP_METADATA_VALUE_SCHEMA_VERSION = 3;

export type OffsetsTopicKey =
  | {
      readonly kind: 'offset';
      readonly version: 0 | 1;
      readonly group: string;
      readonly topic: string;
      readonly partition: number;
    }
  | { readonly kind: 'group'; readonly version: 2; readonly group: string };

/** A decoded offset-commit value. int64 fields are bigints, as on the wire. */
export interface OffsetCommitValue {
  readonly version: 0 | 1 | 2 | 3;
  readonly offset: bigint;
  /** v3 only; −1 when unknown or absent. */
  readonly leaderEpoch: number;
  readonly metadata: string;
  /** `timestamp` in v0, `commit_timestamp` in v1–v3. */
  readonly commitTimestamp: bigint;
  /** v1 only; null when absent or written as −1 (OffsetCommitRequest.DEFAULT_TIMESTAMP). */
  readonly expireTimestamp: bigint | null;
}

export interface OffsetCommitValueInput {
  readonly offset: bigint;
  readonly leaderEpoch?: number;
  readonly metadata: string;
  readonly commitTimestamp: bigint;
  readonly expireTimestamp?: bigint | null;
}

export interface GroupMemberValue {
  readonly memberId: string;
  /** v3 only; null for dynamic members. */
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** v1+; a v0 record reads back the session timeout here. */
  readonly rebalanceTimeout: number;
  readonly sessionTimeout: number;
  readonly subscription: Uint8Array;
  readonly assignment: Uint8Array;
}

export interface GroupMetadataValue {
  readonly version: 0 | 1 | 2 | 3;
  /** "" when the group has none (Kafka writes `protocolType.getOrElse("")`). */
  readonly protocolType: string;
  readonly generation: number;
  readonly protocol: string | null;
  readonly leader: string | null;
  /** v2+; −1 when unknown or absent. */
  readonly currentStateTimestamp: bigint;
  readonly members: readonly GroupMemberValue[];
}

export type GroupMetadataValueInput = Omit<GroupMetadataValue, 'version'>;

// ------------------------------------------------------------------------------------------------
// Keys

/** Offset-commit key (version 1): group, topic, partition. */
export function offsetCommitKey(group: string, topic: string, partition: number): Uint8Array {
  return new KafkaWriter(32)
    .int16(CURRENT_OFFSET_KEY_SCHEMA_VERSION)
    .string(group)
    .string(topic)
    .int32(partition)
    .toBytes();
}

/** Group-metadata key (version 2): group. */
export function groupMetadataKey(group: string): Uint8Array {
  return new KafkaWriter(16).int16(CURRENT_GROUP_KEY_SCHEMA_VERSION).string(group).toBytes();
}

/** Decodes either kind of key. Throws KafkaDecodeError on unknown versions or malformed bytes. */
export function readMessageKey(bytes: Uint8Array): OffsetsTopicKey {
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  let key: OffsetsTopicKey;
  if (version === 0 || version === 1) {
    const group = reader.string();
    const topic = reader.string();
    const partition = reader.int32();
    key = { kind: 'offset', version, group, topic, partition };
  } else if (version === 2) {
    key = { kind: 'group', version, group: reader.string() };
  } else {
    return reader.fail(`unknown __consumer_offsets key version ${version}`);
  }
  reader.expectEnd(`__consumer_offsets key v${version}`);
  return key;
}

// ------------------------------------------------------------------------------------------------
// Offset-commit values

/**
 * Encodes an offset-commit value. Without `version`, picks what Kafka 2.4 writes: v1 when an expire
 * timestamp is present, else v3.
 */
export function offsetCommitValue(value: OffsetCommitValueInput, version?: 0 | 1 | 2 | 3): Uint8Array {
  const expireTimestamp = value.expireTimestamp ?? null;
  const chosen = version ?? (expireTimestamp !== null ? 1 : 3);
  const writer = new KafkaWriter(32).int16(chosen).int64(value.offset);
  if (chosen === 3) writer.int32(value.leaderEpoch ?? -1);
  writer.string(value.metadata).int64(value.commitTimestamp);
  if (chosen === 1) writer.int64(expireTimestamp ?? -1n);
  return writer.toBytes();
}

/** Decodes an offset-commit value; a tombstone (null) gives null. */
export function readOffsetMessageValue(bytes: Uint8Array | null): OffsetCommitValue | null {
  if (bytes === null) return null;
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  if (version < 0 || version > 3) reader.fail(`unknown offset commit value version ${version}`);
  const offset = reader.int64();
  const leaderEpoch = version === 3 ? reader.int32() : -1;
  const metadata = reader.string();
  const commitTimestamp = reader.int64();
  let expireTimestamp: bigint | null = null;
  if (version === 1) {
    const raw = reader.int64();
    expireTimestamp = raw === -1n ? null : raw;
  }
  reader.expectEnd(`offset commit value v${version}`);
  return {
    version: version as 0 | 1 | 2 | 3,
    offset,
    leaderEpoch: leaderEpoch < 0 ? -1 : leaderEpoch,
    metadata,
    commitTimestamp,
    expireTimestamp,
  };
}

// ------------------------------------------------------------------------------------------------
// Group-metadata values

/** Encodes a group-metadata value, version 3 (what Kafka 2.4 writes) unless another is asked for. */
export function groupMetadataValue(
  value: GroupMetadataValueInput,
  version: 0 | 1 | 2 | 3 = CURRENT_GROUP_METADATA_VALUE_SCHEMA_VERSION,
): Uint8Array {
  const writer = new KafkaWriter(128)
    .int16(version)
    .string(value.protocolType)
    .int32(value.generation)
    .nullableString(value.protocol)
    .nullableString(value.leader);
  if (version >= 2) writer.int64(value.currentStateTimestamp);
  writer.arrayLength(value.members.length);
  for (const member of value.members) {
    writer.string(member.memberId);
    if (version >= 3) writer.nullableString(member.groupInstanceId);
    writer.string(member.clientId).string(member.clientHost);
    if (version >= 1) writer.int32(member.rebalanceTimeout);
    writer.int32(member.sessionTimeout).bytesField(member.subscription).bytesField(member.assignment);
  }
  return writer.toBytes();
}

/** Decodes a group-metadata value of version 0–3; a tombstone (null) gives null. */
export function readGroupMessageValue(bytes: Uint8Array | null): GroupMetadataValue | null {
  if (bytes === null) return null;
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  if (version < 0 || version > 3) reader.fail(`unknown group metadata value version ${version}`);
  const protocolType = reader.string();
  const generation = reader.int32();
  const protocol = reader.nullableString();
  const leader = reader.nullableString();
  const currentStateTimestamp = version >= 2 ? reader.int64() : -1n;
  const count = reader.arrayLength(16);
  if (count < 0) reader.fail('null member array');
  const members: GroupMemberValue[] = [];
  for (let index = 0; index < count; index++) {
    const memberId = reader.string();
    const groupInstanceId = version >= 3 ? reader.nullableString() : null;
    const clientId = reader.string();
    const clientHost = reader.string();
    const rebalanceTimeout = version >= 1 ? reader.int32() : null;
    const sessionTimeout = reader.int32();
    const subscription = reader.bytesField();
    const assignment = reader.bytesField();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeout: rebalanceTimeout ?? sessionTimeout,
      sessionTimeout,
      subscription,
      assignment,
    });
  }
  reader.expectEnd(`group metadata value v${version}`);
  return {
    version: version as 0 | 1 | 2 | 3,
    protocolType,
    generation,
    protocol,
    leader,
    currentStateTimestamp,
    members,
  };
}
