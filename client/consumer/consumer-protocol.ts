// ConsumerProtocol byte formats, embedded in JoinGroup (Subscription, as a protocol's metadata) and in
// SyncGroup (Assignment) — kafka-zk-era.md §6.7. Strings are int16-length UTF-8, arrays int32-counted,
// user data nullable bytes. Readers accept newer versions by reading the fields they know (later
// versions only append).
//
//   Subscription v0: int16 version | [topic] | userData
//                v1: + ownedPartitions [topic, [int32 partition]]   (2.4, cooperative rebalancing)
//                v2: + int32 generationId                           (3.x)
//                v3: + nullable string rackId                       (3.x)
//   Assignment v0/v1: int16 version | [topic, [int32 partition]] | userData
//
// Example — Subscription v0 for ["orders"], no user data: 0000 00000001 0006 6f7264657273 ffffffff.

import { KafkaReader, KafkaWriter } from '../protocol/binary.ts';
import type { TopicPartition } from './assignors/types.ts';
import { compareTopicPartitions } from './assignors/types.ts';

export const CONSUMER_PROTOCOL_TYPE = 'consumer';

export interface Subscription {
  version: number;
  topics: string[];
  userData: Uint8Array | null;
  ownedPartitions: TopicPartition[];
  generationId: number;
  rackId: string | null;
}

export interface MemberAssignment {
  version: number;
  partitions: TopicPartition[];
  userData: Uint8Array | null;
}

function writeTopicPartitions(writer: KafkaWriter, partitions: readonly TopicPartition[]): void {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of [...partitions].sort(compareTopicPartitions)) {
    let list = byTopic.get(topic);
    if (!list) {
      list = [];
      byTopic.set(topic, list);
    }
    list.push(partition);
  }
  writer.int32(byTopic.size);
  for (const [topic, list] of byTopic) {
    writer.string(topic);
    writer.int32(list.length);
    for (const partition of list) writer.int32(partition);
  }
}

function readTopicPartitions(reader: KafkaReader): TopicPartition[] {
  const out: TopicPartition[] = [];
  const topics = reader.int32();
  for (let t = 0; t < topics; t++) {
    const topic = reader.string();
    const count = reader.int32();
    for (let p = 0; p < count; p++) out.push({ topic, partition: reader.int32() });
  }
  return out;
}

export function encodeSubscription(subscription: {
  version?: number;
  topics: readonly string[];
  userData?: Uint8Array | null;
  ownedPartitions?: readonly TopicPartition[];
  generationId?: number;
  rackId?: string | null;
}): Uint8Array {
  const version = subscription.version ?? 1;
  const writer = new KafkaWriter(64);
  writer.int16(version);
  const topics = [...subscription.topics].sort();
  writer.int32(topics.length);
  for (const topic of topics) writer.string(topic);
  writer.nullableBytes(subscription.userData ?? null);
  if (version >= 1) writeTopicPartitions(writer, subscription.ownedPartitions ?? []);
  if (version >= 2) writer.int32(subscription.generationId ?? -1);
  if (version >= 3) writer.nullableString(subscription.rackId ?? null);
  return writer.toBytes();
}

export function decodeSubscription(bytes: Uint8Array): Subscription {
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  const topics: string[] = [];
  const count = reader.int32();
  for (let i = 0; i < count; i++) topics.push(reader.string());
  const userData = reader.remaining > 0 ? reader.nullableBytes() : null;
  const ownedPartitions = version >= 1 && reader.remaining > 0 ? readTopicPartitions(reader) : [];
  const generationId = version >= 2 && reader.remaining >= 4 ? reader.int32() : -1;
  const rackId = version >= 3 && reader.remaining >= 2 ? reader.nullableString() : null;
  return { version, topics, userData, ownedPartitions, generationId, rackId };
}

export function encodeAssignment(assignment: {
  version?: number;
  partitions: readonly TopicPartition[];
  userData?: Uint8Array | null;
}): Uint8Array {
  const writer = new KafkaWriter(64);
  writer.int16(assignment.version ?? 0);
  writeTopicPartitions(writer, assignment.partitions);
  writer.nullableBytes(assignment.userData ?? null);
  return writer.toBytes();
}

/** An empty byte string (what the coordinator gives a member the leader left out) is "no partitions". */
export function decodeAssignment(bytes: Uint8Array): MemberAssignment {
  if (bytes.length === 0) return { version: 0, partitions: [], userData: null };
  const reader = new KafkaReader(bytes);
  const version = reader.int16();
  const partitions = readTopicPartitions(reader);
  const userData = reader.remaining >= 4 ? reader.nullableBytes() : null;
  return { version, partitions, userData };
}
