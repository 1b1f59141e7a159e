import { describe, expect, it } from 'vitest';

import { replicaAssignment } from '../controller/types.ts';
import { ZkDataError } from './errors.ts';
import { encodeJson, fromUtf8, jsonObject, utf8 } from './kafka-json.ts';
import {
  javaHashtableOrder,
  javaStringHashCode,
  scalaImmutableMapOrder,
  scalaMutableHashMapOrder,
  topicPartitionHashCode,
} from './scala-collection-order.ts';
import {
  BrokerIdZNode,
  ClusterIdZNode,
  ConfigEntityChangeNotificationSequenceZNode,
  ConfigEntityZNode,
  ControllerEpochZNode,
  ControllerZNode,
  IsrChangeNotificationSequenceZNode,
  LogDirEventNotificationSequenceZNode,
  PERSISTENT_ZK_PATHS,
  PreferredReplicaElectionZNode,
  ProducerIdBlockZNode,
  ReassignPartitionsZNode,
  TopicPartitionStateZNode,
  TopicZNode,
} from './zk-data.ts';

const text = (bytes: Uint8Array) => fromUtf8(bytes);

describe('hash-order replay (why Kafka JSON keys come out in this order)', () => {
  it('java String.hashCode', () => {
    expect(javaStringHashCode('')).toBe(0);
    expect(javaStringHashCode('version')).toBe(351608024);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
  });

  it('TopicPartition.hashCode', () => {
    expect(topicPartitionHashCode('', 0)).toBe(961);
    expect(topicPartitionHashCode('foo', 1)).toBe(31 * 32 + javaStringHashCode('foo'));
  });

  it('Scala immutable HashMap: the partition-state keys as real brokers write them (§1.3.7)', () => {
    expect(
      scalaImmutableMapOrder(
        ['version', 'leader', 'leader_epoch', 'controller_epoch', 'isr'],
        javaStringHashCode,
      ),
    ).toEqual(['controller_epoch', 'leader', 'version', 'leader_epoch', 'isr']);
  });

  it('Scala immutable Map1..Map4 keep insertion order', () => {
    expect(scalaImmutableMapOrder(['version', 'brokerid', 'timestamp'], javaStringHashCode)).toEqual([
      'version',
      'brokerid',
      'timestamp',
    ]);
  });

  it('Scala mutable HashMap: the registration keys as real brokers write them (§1.3.3)', () => {
    expect(
      scalaMutableHashMapOrder(
        ['version', 'host', 'port', 'endpoints', 'jmx_port', 'timestamp', 'listener_security_protocol_map'],
        javaStringHashCode,
      ),
    ).toEqual([
      'listener_security_protocol_map',
      'endpoints',
      'jmx_port',
      'host',
      'timestamp',
      'port',
      'version',
    ]);
  });

  it('Scala mutable HashMap of partition ids: "2","1","0","3" as seen in real /brokers/topics znodes', () => {
    expect(scalaMutableHashMapOrder(['0', '1', '2', '3'], javaStringHashCode)).toEqual(['2', '1', '0', '3']);
    expect(scalaMutableHashMapOrder(['0', '1', '2'], javaStringHashCode)).toEqual(['2', '1', '0']);
  });

  it('Scala mutable HashMap grows past 12 entries and keeps every key', () => {
    const keys = Array.from({ length: 100 }, (_, i) => String(i));
    const order = scalaMutableHashMapOrder(keys, javaStringHashCode);
    expect([...order].sort()).toEqual([...keys].sort());
  });

  it('Java Hashtable order (verified against the JDK: 200 random key sets)', () => {
    expect(javaHashtableOrder(['retention.ms', 'cleanup.policy'])).toEqual([
      'retention.ms',
      'cleanup.policy',
    ]);
    expect(javaHashtableOrder(['a', 'b', 'c'])).toEqual(['b', 'a', 'c']);
    // Vectors printed by java.util.Hashtable (OpenJDK 17; Hashtable is unchanged since Java 8).
    const vectors = [
      [
        'k763.w,k884.a,k525.n,k918.d,k93.a,k502.i,k292.u,k32.w,k170.l,k209.o,k863.a,k913.z,k241.m,k458.t,k246.m,k756.s,k85.h,k727.g,k93.p,k164.f,k65.v',
        'k756.s,k502.i,k918.d,k85.h,k241.m,k458.t,k292.u,k93.a,k884.a,k727.g,k32.w,k763.w,k170.l,k863.a,k65.v,k164.f,k913.z,k525.n,k246.m,k209.o,k93.p',
      ],
      [
        'k975.c,k807.v,k157.x,k193.s,k558.c,k160.q,k713.p,k261.b',
        'k160.q,k157.x,k807.v,k261.b,k975.c,k713.p,k558.c,k193.s',
      ],
      [
        'k819.g,k601.y,k794.u,k719.j,k499.g,k501.n,k429.n,k733.q',
        'k733.q,k719.j,k601.y,k499.g,k794.u,k429.n,k501.n,k819.g',
      ],
    ];
    for (const [inserted, iterated] of vectors)
      expect(javaHashtableOrder(inserted.split(',')).join(',')).toBe(iterated);
    expect(javaHashtableOrder(['a', 'a'])).toEqual(['a']);
  });
});

describe('kafka-json: Jackson-compatible encoding', () => {
  it('writes compact JSON with explicit key order and Jackson escapes', () => {
    expect(
      encodeJson(
        jsonObject([
          ['s', 'a"b\\c/d\u0001\u001f\b\t\n\f\r\u00e9'],
          ['n', -1],
          ['l', [1, 2]],
          ['e', jsonObject([])],
          ['z', null],
          ['t', true],
        ]),
      ),
    ).toBe(
      '{"s":"a\\"b\\\\c/d\\u0001\\u001F\\b\\t\\n\\f\\r\u00e9","n":-1,"l":[1,2],"e":{},"z":null,"t":true}',
    );
    expect(
      encodeJson(
        jsonObject([
          ['2', 1],
          ['1', 2],
        ]),
      ),
    ).toBe('{"2":1,"1":2}');
    expect(() => encodeJson(Number.NaN)).toThrow();
  });
});

describe('ZkData encoders: the bytes Kafka 2.4 writes', () => {
  it('/controller and /controller_epoch', () => {
    expect(text(ControllerZNode.encode(2, 1600000000000))).toBe(
      '{"version":1,"brokerid":2,"timestamp":"1600000000000"}',
    );
    expect(ControllerZNode.decode(utf8('{"brokerid":5,"version":1,"timestamp":"1"}'))).toBe(5);
    expect(text(ControllerEpochZNode.encode(12))).toBe('12');
    expect(ControllerEpochZNode.decode(utf8('7'))).toBe(7);
    expect(() => ControllerEpochZNode.decode(utf8('seven'))).toThrow(ZkDataError);
  });

  it('/cluster/id', () => {
    expect(text(ClusterIdZNode.encode('Hcq9b5wMTS-LkXv4sI_mJQ'))).toBe(
      '{"version":"1","id":"Hcq9b5wMTS-LkXv4sI_mJQ"}',
    );
    expect(ClusterIdZNode.decode(utf8('{"id":"x","version":"1"}'))).toBe('x');
  });

  const broker1 = {
    id: 1,
    endPoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'broker-1', port: 9092 }],
    rack: undefined,
    version: 4,
    jmxPort: -1,
    timestampMs: 1600000000000,
  };

  it('/brokers/ids/<id> exactly as the reference example', () => {
    expect(text(BrokerIdZNode.encode(broker1))).toBe(
      '{"listener_security_protocol_map":{"PLAINTEXT":"PLAINTEXT"},"endpoints":["PLAINTEXT://broker-1:9092"],' +
        '"jmx_port":-1,"host":"broker-1","timestamp":"1600000000000","port":9092,"version":4}',
    );
  });

  it('/brokers/ids/<id>: no PLAINTEXT end point → host null, port -1; IPv6 in brackets', () => {
    const json = JSON.parse(
      text(
        BrokerIdZNode.encode({
          ...broker1,
          endPoints: [{ listenerName: 'SSL', securityProtocol: 'SSL', host: '::1', port: 9093 }],
        }),
      ),
    );
    expect(json.host).toBe(null);
    expect(json.port).toBe(-1);
    expect(json.endpoints).toEqual(['SSL://[::1]:9093']);
  });

  it('/brokers/ids/<id> round trip, and decoding versions 1 and 2', () => {
    const decoded = BrokerIdZNode.decode(1, BrokerIdZNode.encode({ ...broker1, rack: 'r1' }));
    expect(decoded).toEqual({
      id: 1,
      endPoints: broker1.endPoints,
      rack: 'r1',
      version: 4,
      jmxPort: -1,
      timestampMs: 1600000000000,
    });
    expect(
      BrokerIdZNode.decode(3, utf8('{"version":1,"host":"h","port":9092,"jmx_port":9999,"timestamp":"5"}'))
        .endPoints,
    ).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 9092 }]);
    expect(
      BrokerIdZNode.decode(
        3,
        utf8('{"version":2,"host":"h","port":1,"jmx_port":-1,"endpoints":["PLAINTEXT://h:1"]}'),
      ).endPoints,
    ).toEqual([{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: 'h', port: 1 }]);
    expect(() => BrokerIdZNode.decode(3, utf8('not json'))).toThrow(ZkDataError);
    expect(() => BrokerIdZNode.decode(3, null)).toThrow(ZkDataError);
  });

  it('/brokers/topics/<t> version 2', () => {
    const assignment = new Map([[0, replicaAssignment([1, 2, 3])]]);
    expect(text(TopicZNode.encode('foo', assignment))).toBe(
      '{"version":2,"partitions":{"0":[1,2,3]},"adding_replicas":{},"removing_replicas":{}}',
    );
    const six = new Map(Array.from({ length: 6 }, (_, p) => [p, replicaAssignment([p])] as const));
    const decoded = TopicZNode.decode('foo', TopicZNode.encode('foo', six));
    expect(decoded).toEqual(six);
    const reassigning = new Map([
      [0, { replicas: [1, 2, 3, 4], addingReplicas: [4], removingReplicas: [1] }],
    ]);
    expect(text(TopicZNode.encode('foo', reassigning))).toBe(
      '{"version":2,"partitions":{"0":[1,2,3,4]},"adding_replicas":{"0":[4]},"removing_replicas":{"0":[1]}}',
    );
    expect(TopicZNode.decode('foo', utf8('{"version":1,"partitions":{"1":[2],"0":[1]}}'))).toEqual(
      new Map([
        [0, replicaAssignment([1])],
        [1, replicaAssignment([2])],
      ]),
    );
    expect(() => TopicZNode.decode('foo', utf8('{"version":1,"partitions":{"x":[1]}}'))).toThrow(ZkDataError);
  });

  it('partition state exactly as the reference example', () => {
    const state = {
      leaderAndIsr: { leader: 2, leaderEpoch: 5, isr: [2, 3, 1], zkVersion: 9 },
      controllerEpoch: 3,
    };
    const bytes = TopicPartitionStateZNode.encode(state);
    expect(text(bytes)).toBe('{"controller_epoch":3,"leader":2,"version":1,"leader_epoch":5,"isr":[2,3,1]}');
    expect(TopicPartitionStateZNode.decode({ topic: 't', partition: 0 }, bytes, 9)).toEqual(state);
    expect(TopicPartitionStateZNode.path({ topic: 't', partition: 4 })).toBe(
      '/brokers/topics/t/partitions/4/state',
    );
  });

  it('config entity and change notification', () => {
    expect(text(ConfigEntityZNode.encode({}))).toBe('{"version":1,"config":{}}');
    expect(text(ConfigEntityZNode.encode({ 'retention.ms': '86400000' }))).toBe(
      '{"version":1,"config":{"retention.ms":"86400000"}}',
    );
    expect(ConfigEntityZNode.decode(utf8('{"version":1,"config":{"a":"1"}}'))).toEqual(new Map([['a', '1']]));
    expect(ConfigEntityZNode.decode(null)).toEqual(new Map());
    expect(text(ConfigEntityChangeNotificationSequenceZNode.encode('topics/foo'))).toBe(
      '{"version":2,"entity_path":"topics/foo"}',
    );
  });

  it('notifications, admin nodes, producer id block', () => {
    const partitions = [
      { topic: 'foo', partition: 0 },
      { topic: 'bar', partition: 3 },
    ];
    expect(text(IsrChangeNotificationSequenceZNode.encode(partitions))).toBe(
      '{"version":1,"partitions":[{"topic":"foo","partition":0},{"topic":"bar","partition":3}]}',
    );
    expect(
      IsrChangeNotificationSequenceZNode.decode(IsrChangeNotificationSequenceZNode.encode(partitions)),
    ).toEqual(partitions);
    expect(IsrChangeNotificationSequenceZNode.sequenceNumber('isr_change_0000000042')).toBe('0000000042');
    expect(text(PreferredReplicaElectionZNode.encode([{ topic: 'foo', partition: 0 }]))).toBe(
      '{"version":1,"partitions":[{"topic":"foo","partition":0}]}',
    );
    expect(text(ReassignPartitionsZNode.encode([{ topic: 'foo', partition: 1, replicas: [4, 5, 6] }]))).toBe(
      '{"version":1,"partitions":[{"topic":"foo","partition":1,"replicas":[4,5,6]}]}',
    );
    expect(text(LogDirEventNotificationSequenceZNode.encode(1))).toBe('{"version":1,"broker":1,"event":1}');
    expect(text(ProducerIdBlockZNode.encode({ brokerId: 1, blockStart: 1000n, blockEnd: 1999n }))).toBe(
      '{"version":1,"broker":1,"block_start":"1000","block_end":"1999"}',
    );
    expect(ProducerIdBlockZNode.decode(null)).toBeUndefined();
  });

  it("the persistent paths, in Kafka's order", () => {
    expect(PERSISTENT_ZK_PATHS).toEqual([
      '/consumers',
      '/brokers/ids',
      '/brokers/topics',
      '/config/changes',
      '/admin/delete_topics',
      '/brokers/seqid',
      '/isr_change_notification',
      '/latest_producer_id_block',
      '/log_dir_event_notification',
      '/config/topics',
      '/config/clients',
      '/config/users',
      '/config/brokers',
    ]);
  });
});
