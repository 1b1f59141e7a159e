// ConsumerProtocol: the bytes a Kafka consumer puts inside JoinGroup (`protocols[].metadata`, the
// Subscription) and SyncGroup (`assignments[].assignment`, the Assignment) when `protocolType` is
// "consumer" (kafka-zk-era.md §6.7). The coordinator never needs to understand them — it stores and
// forwards them untouched — but DescribeGroups output, the dashboard and our client do.
//
// Layout (big-endian, classic encoding: STRING = int16 length + UTF-8, arrays = int32 count, user data =
// int32 length + bytes with −1 for null):
//   Subscription v0: int16 version | [STRING topic] | NULLABLE_BYTES userData
//   Subscription v1: v0 + ownedPartitions [STRING topic, [int32 partition]]            (2.4, KIP-429)
//   Subscription v2: v1 + int32 generationId, v3: v2 + NULLABLE_STRING rackId          (3.x)
//   Assignment v0/v1: int16 version | [STRING topic, [int32 partition]] | NULLABLE_BYTES userData
// A reader meets newer versions by parsing the fields it knows and ignoring the rest (new versions only
// append), as Kafka's own deserializers do.
//
// Pure: no node:* imports.

import { KafkaDecodeError, KafkaReader, KafkaWriter } from '../../client/protocol/binary.ts';

/** `protocolType` of Kafka consumers (JoinGroup, DescribeGroups, ListGroups). */
export const CONSUMER_PROTOCOL_TYPE = 'consumer';

/** Highest Subscription version this module writes and reads field by field. */
export const SUBSCRIPTION_MAX_VERSION = 3;
/** Highest Assignment version this module writes. */
export const ASSIGNMENT_MAX_VERSION = 1;

export interface TopicPartitions {
  readonly topic: string;
  readonly partitions: readonly number[];
}

export interface ConsumerSubscription {
  readonly version: number;
  readonly topics: readonly string[];
  readonly userData: Uint8Array | null;
  /** v1+: what the member owned in the previous generation (cooperative rebalancing). */
  readonly ownedPartitions: readonly TopicPartitions[];
  /** v2+: the generation of `ownedPartitions`; −1 when absent. */
  readonly generationId: number;
  /** v3+: `client.rack`; null when absent. */
  readonly rackId: string | null;
}

export interface ConsumerAssignment {
  readonly version: number;
  readonly partitions: readonly TopicPartitions[];
  readonly userData: Uint8Array | null;
}

export interface SubscriptionInput {
  version?: number;
  topics: readonly string[];
  userData?: Uint8Array | null;
  ownedPartitions?: readonly TopicPartitions[];
  generationId?: number;
  rackId?: string | null;
}

export interface AssignmentInput {
  version?: number;
  partitions: readonly TopicPartitions[];
  userData?: Uint8Array | null;
}

function writeTopicPartitions(writer: KafkaWriter, list: readonly TopicPartitions[]): void {
  writer.arrayLength(list.length);
  for (const { topic, partitions } of list) {
    writer.string(topic);
    writer.arrayLength(partitions.length);
    for (const partition of partitions) writer.int32(partition);
  }
}

function readTopicPartitions(reader: KafkaReader): TopicPartitions[] {
  const count = reader.arrayLength(6);
  if (count < 0) reader.fail('null topic-partition array');
  const list: TopicPartitions[] = [];
  for (let index = 0; index < count; index++) {
    const topic = reader.string();
    const partitionCount = reader.arrayLength(4);
    if (partitionCount < 0) reader.fail('null partition array');
    const partitions: number[] = [];
    for (let p = 0; p < partitionCount; p++) partitions.push(reader.int32());
    list.push({ topic, partitions });
  }
  return list;
}

function checkVersion(version: number, max: number, what: string): void {
  if (!Number.isInteger(version) || version < 0 || version > max) {
    throw new RangeError(`${what} version must be 0..${max}, got ${version}`);
  }
}

/** Encodes a Subscription (version 0 unless given; v1 adds ownedPartitions, v2 generationId, v3 rackId). */
export function encodeSubscription(input: SubscriptionInput): Uint8Array {
  const version = input.version ?? 0;
  checkVersion(version, SUBSCRIPTION_MAX_VERSION, 'Subscription');
  const writer = new KafkaWriter();
  writer.int16(version);
  writer.arrayLength(input.topics.length);
  for (const topic of input.topics) writer.string(topic);
  writer.nullableBytes(input.userData ?? null);
  if (version >= 1) writeTopicPartitions(writer, input.ownedPartitions ?? []);
  if (version >= 2) writer.int32(input.generationId ?? -1);
  if (version >= 3) writer.nullableString(input.rackId ?? null);
  return writer.toBytes();
}

/** Decodes a Subscription of any version ≥ 0 (fields beyond v3 are ignored). Throws KafkaDecodeError. */
export function decodeSubscription(bytes: Uint8Array): ConsumerSubscription {
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  if (version < 0) reader.fail(`unsupported Subscription version ${version}`);
  const topicCount = reader.arrayLength(2);
  if (topicCount < 0) reader.fail('null topic array');
  const topics: string[] = [];
  for (let index = 0; index < topicCount; index++) topics.push(reader.string());
  const userData = reader.nullableBytes();
  const ownedPartitions = version >= 1 ? readTopicPartitions(reader) : [];
  const generationId = version >= 2 ? reader.int32() : -1;
  const rackId = version >= 3 ? reader.nullableString() : null;
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

/** Encodes an Assignment (version 0 unless given; v0 and v1 share one layout). */
export function encodeAssignment(input: AssignmentInput): Uint8Array {
  const version = input.version ?? 0;
  checkVersion(version, ASSIGNMENT_MAX_VERSION, 'Assignment');
  const writer = new KafkaWriter();
  writer.int16(version);
  writeTopicPartitions(writer, input.partitions);
  writer.nullableBytes(input.userData ?? null);
  return writer.toBytes();
}

/** Decodes an Assignment of any version ≥ 0 (later fields are ignored). Throws KafkaDecodeError. */
export function decodeAssignment(bytes: Uint8Array): ConsumerAssignment {
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  if (version < 0) reader.fail(`unsupported Assignment version ${version}`);
  const partitions = readTopicPartitions(reader);
  const userData = reader.nullableBytes();
  return { version, partitions, userData };
}

/**
 * For display (DescribeGroups, the dashboard): the decoded Subscription, or null when the bytes are not
 * a consumer Subscription (another protocol type, empty, or malformed).
 */
export function tryDecodeSubscription(bytes: Uint8Array): ConsumerSubscription | null {
  if (bytes.length === 0) return null;
  try {
    return decodeSubscription(bytes);
  } catch (error) {
    if (error instanceof KafkaDecodeError) return null;
    throw error;
  }
}

/** Like tryDecodeSubscription, for Assignment bytes (an empty assignment — no bytes — gives null). */
export function tryDecodeAssignment(bytes: Uint8Array): ConsumerAssignment | null {
  if (bytes.length === 0) return null;
  try {
    return decodeAssignment(bytes);
  } catch (error) {
    if (error instanceof KafkaDecodeError) return null;
    throw error;
  }
}
