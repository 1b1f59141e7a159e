// Kafka's znode layout and JSON (named after kafka.zk.ZkData in Kafka 2.4): one object per znode with its
// path and its encode/decode. Encoders produce the bytes a Kafka 2.4 broker (Scala 2.12 build) writes:
// compact JSON, key order as Kafka's maps iterate (see scala-collection-order.ts for why that is not
// insertion order). Decoders accept any key order, as Kafka does.
//
// Reference: shared/reference/kafka-zk-era.md §1.
//
// Pure: no I/O.

import {
  type BrokerEndPoint,
  type BrokerRegistration,
  type LeaderIsrAndControllerEpoch,
  type ReplicaAssignment,
  type TopicAssignment,
  type TopicPartition,
} from '../controller/types.ts';
import { ZkDataError } from './errors.ts';
import {
  encodeJsonBytes,
  fromUtf8,
  jsonObject,
  utf8,
  type JsonObject,
  type JsonValue,
} from './kafka-json.ts';
import {
  javaHashtableOrder,
  javaStringHashCode,
  scalaImmutableMapOrder,
  scalaMutableHashMapOrder,
  topicPartitionHashCode,
} from './scala-collection-order.ts';

// ───────────────────────── helpers ─────────────────────────

type Entries = (readonly [string, JsonValue])[];

/** A JSON object whose key order is that of a Scala 2.12 immutable Map built from `entries` in this order. */
function scalaImmutableMap(entries: Entries): JsonObject {
  const order = scalaImmutableMapOrder(
    entries.map(([key]) => key),
    javaStringHashCode,
  );
  const byKey = new Map(entries);
  return jsonObject(order.map((key) => [key, byKey.get(key) as JsonValue]));
}

/** A JSON object whose key order is that of a Scala 2.12 mutable.HashMap filled from `entries` in this order. */
function scalaMutableMap(entries: Entries): JsonObject {
  const order = scalaMutableHashMapOrder(
    entries.map(([key]) => key),
    javaStringHashCode,
  );
  const byKey = new Map(entries);
  return jsonObject(order.map((key) => [key, byKey.get(key) as JsonValue]));
}

function parseJsonObject(path: string, bytes: Uint8Array | null): Record<string, unknown> {
  if (bytes === null || bytes.length === 0) throw new ZkDataError(path, 'the znode has no data');
  let parsed: unknown;
  try {
    parsed = JSON.parse(fromUtf8(bytes));
  } catch (error) {
    throw new ZkDataError(path, 'the znode does not hold valid UTF-8 JSON', { cause: error });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ZkDataError(path, 'expected a JSON object');
  }
  return parsed as Record<string, unknown>;
}

function field<T>(
  path: string,
  object: Record<string, unknown>,
  key: string,
  check: (v: unknown) => v is T,
  what: string,
): T {
  const value = object[key];
  if (!check(value)) throw new ZkDataError(path, `field "${key}" must be ${what}`);
  return value;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isIntArray = (v: unknown): v is number[] => Array.isArray(v) && v.every(isInt);
const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

// ───────────────────────── /controller, /controller_epoch ─────────────────────────

export const ControllerZNode = {
  path: '/controller',
  /** `{"version":1,"brokerid":N,"timestamp":"<ms>"}` (an immutable Map3: insertion order). */
  encode(brokerId: number, timestampMs: number): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['brokerid', brokerId],
        ['timestamp', String(timestampMs)],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): number {
    return field(
      ControllerZNode.path,
      parseJsonObject(ControllerZNode.path, bytes),
      'brokerid',
      isInt,
      'an integer',
    );
  },
};

export const ControllerEpochZNode = {
  path: '/controller_epoch',
  /** The plain decimal epoch (not JSON). */
  encode(epoch: number): Uint8Array {
    return utf8(String(epoch));
  },
  decode(bytes: Uint8Array | null): number {
    const text = bytes === null ? '' : fromUtf8(bytes);
    if (!/^-?\d+$/.test(text))
      throw new ZkDataError(ControllerEpochZNode.path, `not an integer: ${JSON.stringify(text)}`);
    return Number(text);
  },
};

/** The controller epoch a brand-new /controller_epoch starts with; the first controller gets epoch 1. */
export const INITIAL_CONTROLLER_EPOCH = 0;
export const INITIAL_CONTROLLER_EPOCH_ZK_VERSION = 0;

// ───────────────────────── /cluster/id ─────────────────────────

export const ClusterZNode = { path: '/cluster' };

export const ClusterIdZNode = {
  path: '/cluster/id',
  /** `{"version":"1","id":"<22 chars>"}` — version is a string here. */
  encode(id: string): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', '1'],
        ['id', id],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): string {
    return field(
      ClusterIdZNode.path,
      parseJsonObject(ClusterIdZNode.path, bytes),
      'id',
      isString,
      'a string',
    );
  },
};

// ───────────────────────── /brokers ─────────────────────────

export const BrokersZNode = { path: '/brokers' };
export const BrokerIdsZNode = { path: '/brokers/ids' };
export const BrokerSequenceIdZNode = { path: '/brokers/seqid' };
export const TopicsZNode = { path: '/brokers/topics' };

/** What a broker writes about itself in `/brokers/ids/<id>` (version 4, Kafka 0.10.0 … 2.6). */
export interface BrokerInfo extends BrokerRegistration {
  /** Registration JSON version; 4 for Kafka 2.4. */
  readonly version: number;
  /** −1 when JMX is off (kzlab has no JMX). */
  readonly jmxPort: number;
  /** Registration time in ms since the epoch (written as a string). */
  readonly timestampMs: number;
}

export interface DecodedBrokerInfo extends BrokerRegistration {
  readonly version: number;
  readonly jmxPort: number;
  readonly timestampMs: number | undefined;
}

function connectionString(endPoint: BrokerEndPoint): string {
  const host = endPoint.host.includes(':') ? `[${endPoint.host}]` : endPoint.host;
  return `${endPoint.listenerName}://${host}:${endPoint.port}`;
}

export const BrokerIdZNode = {
  path(id: number): string {
    return `/brokers/ids/${id}`;
  },
  /**
   * Registration JSON as Kafka 2.4 writes it (a Scala mutable.HashMap, so the key order is
   * listener_security_protocol_map, endpoints, [rack,] jmx_port, host, timestamp, port, version).
   * `host`/`port` repeat the first PLAINTEXT end point for old clients (null/−1 if there is none).
   */
  encode(info: BrokerInfo): Uint8Array {
    const plaintext = info.endPoints.find((e) => e.securityProtocol === 'PLAINTEXT');
    const entries: Entries = [
      ['version', info.version],
      ['host', plaintext === undefined ? null : plaintext.host],
      ['port', plaintext === undefined ? -1 : plaintext.port],
      ['endpoints', info.endPoints.map(connectionString)],
      ['jmx_port', info.jmxPort],
      ['timestamp', String(info.timestampMs)],
    ];
    if (info.rack !== undefined && info.version >= 3) entries.push(['rack', info.rack]);
    if (info.version >= 4) {
      entries.push([
        'listener_security_protocol_map',
        scalaImmutableMap(info.endPoints.map((e) => [e.listenerName, e.securityProtocol] as const)),
      ]);
    }
    return encodeJsonBytes(scalaMutableMap(entries));
  },
  decode(id: number, bytes: Uint8Array | null): DecodedBrokerInfo {
    const path = BrokerIdZNode.path(id);
    const json = parseJsonObject(path, bytes);
    const version = field(path, json, 'version', isInt, 'an integer');
    const jmxPort = field(path, json, 'jmx_port', isInt, 'an integer');
    const timestamp = typeof json.timestamp === 'string' ? Number(json.timestamp) : undefined;
    let endPoints: BrokerEndPoint[];
    if (version < 1) throw new ZkDataError(path, `unsupported registration version ${version}`);
    if (version === 1) {
      endPoints = [
        {
          listenerName: 'PLAINTEXT',
          securityProtocol: 'PLAINTEXT',
          host: field(path, json, 'host', isString, 'a string'),
          port: field(path, json, 'port', isInt, 'an integer'),
        },
      ];
    } else {
      const protocolMap = isObject(json.listener_security_protocol_map)
        ? (json.listener_security_protocol_map as Record<string, unknown>)
        : undefined;
      const list = field(
        path,
        json,
        'endpoints',
        (v): v is string[] => Array.isArray(v) && v.every(isString),
        'a list of strings',
      );
      endPoints = list.map((text) => {
        const match = /^(.*):\/\/\[?([0-9a-zA-Z\-%._:]*)\]?:(-?[0-9]+)$/.exec(text);
        if (!match) throw new ZkDataError(path, `cannot parse end point ${JSON.stringify(text)}`);
        const listenerName = match[1].toUpperCase();
        const protocol = protocolMap === undefined ? listenerName : protocolMap[listenerName];
        if (typeof protocol !== 'string') {
          throw new ZkDataError(path, `no security protocol for listener ${listenerName}`);
        }
        return { listenerName, securityProtocol: protocol, host: match[2], port: Number(match[3]) };
      });
    }
    const rack = typeof json.rack === 'string' ? json.rack : undefined;
    return { id, endPoints, rack, version, jmxPort, timestampMs: timestamp };
  },
};

/** Partition ids in the order Kafka 2.4 inserts them into the topic znode's mutable maps. */
function partitionInsertionOrder(topic: string, partitions: readonly number[]): number[] {
  const sorted = [...partitions].sort((a, b) => a - b);
  if (sorted.length <= 4) {
    // assignReplicasToBrokers fills a mutable.HashMap[Int, …]; small immutable maps keep that order.
    return scalaMutableHashMapOrder(sorted, (p) => p);
  }
  // Larger assignments pass through an immutable Map[TopicPartition, …] (a hash trie).
  return scalaImmutableMapOrder(sorted, (p) => topicPartitionHashCode(topic, p));
}

export const TopicZNode = {
  path(topic: string): string {
    return `/brokers/topics/${topic}`;
  },
  /**
   * Assignment JSON version 2 (Kafka 2.4–2.7):
   * `{"version":2,"partitions":{"2":[…],"1":[…],"0":[…]},"adding_replicas":{},"removing_replicas":{}}`.
   */
  encode(topic: string, assignment: TopicAssignment): Uint8Array {
    const order = partitionInsertionOrder(topic, [...assignment.keys()]);
    const partitions: Entries = [];
    const adding: Entries = [];
    const removing: Entries = [];
    for (const partition of order) {
      const a = assignment.get(partition) as ReplicaAssignment;
      partitions.push([String(partition), [...a.replicas]]);
      if (a.addingReplicas.length > 0) adding.push([String(partition), [...a.addingReplicas]]);
      if (a.removingReplicas.length > 0) removing.push([String(partition), [...a.removingReplicas]]);
    }
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 2],
        ['partitions', scalaMutableMap(partitions)],
        ['adding_replicas', scalaMutableMap(adding)],
        ['removing_replicas', scalaMutableMap(removing)],
      ]),
    );
  },
  /** Reads versions 1–3 (version 1 has no adding/removing replicas). */
  decode(topic: string, bytes: Uint8Array | null): Map<number, ReplicaAssignment> {
    const path = TopicZNode.path(topic);
    const json = parseJsonObject(path, bytes);
    const partitions = json.partitions;
    const result = new Map<number, ReplicaAssignment>();
    if (!isObject(partitions)) return result;
    const adding = isObject(json.adding_replicas) ? json.adding_replicas : {};
    const removing = isObject(json.removing_replicas) ? json.removing_replicas : {};
    for (const [key, replicas] of Object.entries(partitions)) {
      if (!/^\d+$/.test(key) || !isIntArray(replicas)) {
        throw new ZkDataError(path, `partition ${JSON.stringify(key)} must map to a list of broker ids`);
      }
      const addingList = adding[key];
      const removingList = removing[key];
      result.set(Number(key), {
        replicas,
        addingReplicas: isIntArray(addingList) ? addingList : [],
        removingReplicas: isIntArray(removingList) ? removingList : [],
      });
    }
    return new Map([...result].sort(([a], [b]) => a - b));
  },
};

export const TopicPartitionsZNode = {
  path(topic: string): string {
    return `/brokers/topics/${topic}/partitions`;
  },
};

export const TopicPartitionZNode = {
  path(tp: TopicPartition): string {
    return `/brokers/topics/${tp.topic}/partitions/${tp.partition}`;
  },
};

export const TopicPartitionStateZNode = {
  path(tp: TopicPartition): string {
    return `/brokers/topics/${tp.topic}/partitions/${tp.partition}/state`;
  },
  /** `{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":5,"isr":[2,3,1]}` (an immutable 5-entry HashMap). */
  encode(state: LeaderIsrAndControllerEpoch): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['leader', state.leaderAndIsr.leader],
        ['leader_epoch', state.leaderAndIsr.leaderEpoch],
        ['controller_epoch', state.controllerEpoch],
        ['isr', [...state.leaderAndIsr.isr]],
      ]),
    );
  },
  /** `zkVersion` is the znode's data version (from its Stat). */
  decode(tp: TopicPartition, bytes: Uint8Array | null, zkVersion: number): LeaderIsrAndControllerEpoch {
    const path = TopicPartitionStateZNode.path(tp);
    const json = parseJsonObject(path, bytes);
    return {
      leaderAndIsr: {
        leader: field(path, json, 'leader', isInt, 'an integer'),
        leaderEpoch: field(path, json, 'leader_epoch', isInt, 'an integer'),
        isr: field(path, json, 'isr', isIntArray, 'a list of broker ids'),
        zkVersion,
      },
      controllerEpoch: field(path, json, 'controller_epoch', isInt, 'an integer'),
    };
  },
};

// ───────────────────────── /config ─────────────────────────

export const ConfigZNode = { path: '/config' };

/** The entity types of /config/<type>/<name> (ConfigType.all in Kafka 2.4). */
export const CONFIG_TYPES = ['topics', 'clients', 'users', 'brokers'] as const;
export type ConfigType = (typeof CONFIG_TYPES)[number];

export const ConfigEntityTypeZNode = {
  path(entityType: string): string {
    return `/config/${entityType}`;
  },
};

export const ConfigEntityZNode = {
  path(entityType: string, entityName: string): string {
    return `/config/${entityType}/${entityName}`;
  },
  /**
   * `{"version":1,"config":{"retention.ms":"86400000"}}`. Kafka passes a java.util.Properties, so the
   * config keys come out in Hashtable order (Java 8; Java 9+ uses a different table); `config` is given
   * in the order the keys were set.
   */
  encode(config: ReadonlyMap<string, string> | Record<string, string>): Uint8Array {
    const entries = config instanceof Map ? [...config] : Object.entries(config);
    const byKey = new Map(entries);
    const order = javaHashtableOrder(entries.map(([key]) => key));
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['config', jsonObject(order.map((key) => [key, byKey.get(key) as string]))],
      ]),
    );
  },
  decode(bytes: Uint8Array | null, path = '/config'): Map<string, string> {
    const result = new Map<string, string>();
    if (bytes === null || bytes.length === 0) return result;
    const json = parseJsonObject(path, bytes);
    if (!isObject(json.config)) return result;
    for (const [key, value] of Object.entries(json.config)) {
      if (typeof value !== 'string') throw new ZkDataError(path, `config value of ${key} must be a string`);
      result.set(key, value);
    }
    return result;
  },
};

export const ConfigEntityChangeNotificationZNode = { path: '/config/changes' };

export const ConfigEntityChangeNotificationSequenceZNode = {
  prefix: 'config_change_',
  createPath: '/config/changes/config_change_',
  /** `{"version":2,"entity_path":"topics/foo"}`. */
  encode(entityPath: string): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 2],
        ['entity_path', entityPath],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): string {
    const json = parseJsonObject('/config/changes', bytes);
    return field('/config/changes', json, 'entity_path', isString, 'a string');
  },
};

// ───────────────────────── /admin ─────────────────────────

export const AdminZNode = { path: '/admin' };
export const DeleteTopicsZNode = { path: '/admin/delete_topics' };
export const DeleteTopicsTopicZNode = {
  path(topic: string): string {
    return `/admin/delete_topics/${topic}`;
  },
};

function encodePartitionList(partitions: readonly TopicPartition[]): JsonValue[] {
  return partitions.map((tp) =>
    scalaImmutableMap([
      ['topic', tp.topic],
      ['partition', tp.partition],
    ]),
  );
}

function decodePartitionList(path: string, bytes: Uint8Array | null): TopicPartition[] {
  const json = parseJsonObject(path, bytes);
  const list = json.partitions;
  if (!Array.isArray(list)) throw new ZkDataError(path, 'field "partitions" must be a list');
  return list.map((item) => {
    if (!isObject(item)) throw new ZkDataError(path, 'each partition must be an object');
    return {
      topic: field(path, item, 'topic', isString, 'a string'),
      partition: field(path, item, 'partition', isInt, 'an integer'),
    };
  });
}

export const PreferredReplicaElectionZNode = {
  path: '/admin/preferred_replica_election',
  /** `{"version":1,"partitions":[{"topic":"foo","partition":0}]}`. */
  encode(partitions: readonly TopicPartition[]): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['partitions', encodePartitionList(partitions)],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): TopicPartition[] {
    return decodePartitionList(PreferredReplicaElectionZNode.path, bytes);
  },
};

export const ReassignPartitionsZNode = {
  path: '/admin/reassign_partitions',
  /** `{"version":1,"partitions":[{"topic":"foo","partition":1,"replicas":[4,5,6]}]}`. */
  encode(
    reassignments: readonly { topic: string; partition: number; replicas: readonly number[] }[],
  ): Uint8Array {
    return encodeJsonBytes(
      jsonObject([
        ['version', 1],
        [
          'partitions',
          reassignments.map((r) =>
            jsonObject([
              ['topic', r.topic],
              ['partition', r.partition],
              ['replicas', [...r.replicas]],
            ]),
          ),
        ],
      ]),
    );
  },
};

// ───────────────────────── notifications ─────────────────────────

export const IsrChangeNotificationZNode = { path: '/isr_change_notification' };

export const IsrChangeNotificationSequenceZNode = {
  prefix: 'isr_change_',
  path(sequenceNumber = ''): string {
    return `/isr_change_notification/isr_change_${sequenceNumber}`;
  },
  /**
   * `{"version":1,"partitions":[{"topic":"foo","partition":0},…]}`. The partitions are written in the given
   * order (Kafka writes them in the iteration order of a Scala hash set; readers must not care).
   */
  encode(partitions: readonly TopicPartition[]): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['partitions', encodePartitionList(partitions)],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): TopicPartition[] {
    return decodePartitionList(IsrChangeNotificationZNode.path, bytes);
  },
  sequenceNumber(path: string): string {
    const at = path.lastIndexOf('isr_change_');
    return path.slice(at + 'isr_change_'.length);
  },
};

export const LogDirEventNotificationZNode = { path: '/log_dir_event_notification' };

export const LogDirEventNotificationSequenceZNode = {
  prefix: 'log_dir_event_',
  path(sequenceNumber = ''): string {
    return `/log_dir_event_notification/log_dir_event_${sequenceNumber}`;
  },
  /** `{"version":1,"broker":1,"event":1}` (1 = log directory failure). */
  encode(brokerId: number): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['broker', brokerId],
        ['event', 1],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): number {
    return field(
      '/log_dir_event_notification',
      parseJsonObject('/log_dir_event_notification', bytes),
      'broker',
      isInt,
      'an integer',
    );
  },
};

// ───────────────────────── producer ids, old consumers ─────────────────────────

export interface ProducerIdBlock {
  readonly brokerId: number;
  readonly blockStart: bigint;
  readonly blockEnd: bigint;
}

export const PRODUCER_ID_BLOCK_SIZE = 1000n;

export const ProducerIdBlockZNode = {
  path: '/latest_producer_id_block',
  /** `{"version":1,"broker":1,"block_start":"0","block_end":"999"}` (start/end are strings). */
  encode(block: ProducerIdBlock): Uint8Array {
    return encodeJsonBytes(
      scalaImmutableMap([
        ['version', 1],
        ['broker', block.brokerId],
        ['block_start', block.blockStart.toString()],
        ['block_end', block.blockEnd.toString()],
      ]),
    );
  },
  decode(bytes: Uint8Array | null): ProducerIdBlock | undefined {
    if (bytes === null || bytes.length === 0) return undefined;
    const path = ProducerIdBlockZNode.path;
    const json = parseJsonObject(path, bytes);
    const start = field(path, json, 'block_start', isString, 'a decimal string');
    const end = field(path, json, 'block_end', isString, 'a decimal string');
    if (!/^\d+$/.test(start) || !/^\d+$/.test(end))
      throw new ZkDataError(path, 'block_start/block_end must be decimal');
    return {
      brokerId: field(path, json, 'broker', isInt, 'an integer'),
      blockStart: BigInt(start),
      blockEnd: BigInt(end),
    };
  },
};

export const ConsumerPathZNode = { path: '/consumers' };

/**
 * The persistent paths every Kafka 2.4 broker creates at startup if missing (KafkaZkClient.createTopLevelPaths),
 * in Kafka's order.
 */
export const PERSISTENT_ZK_PATHS: readonly string[] = [
  ConsumerPathZNode.path,
  BrokerIdsZNode.path,
  TopicsZNode.path,
  ConfigEntityChangeNotificationZNode.path,
  DeleteTopicsZNode.path,
  BrokerSequenceIdZNode.path,
  IsrChangeNotificationZNode.path,
  ProducerIdBlockZNode.path,
  LogDirEventNotificationZNode.path,
  ...CONFIG_TYPES.map((type) => ConfigEntityTypeZNode.path(type)),
];
