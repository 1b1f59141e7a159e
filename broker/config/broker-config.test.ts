import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ConfigError } from '../../client/common/errors.ts';
import {
  BROKER_CONFIG_DEFS,
  defaultBrokerConfig,
  loadBrokerConfig,
  parseBrokerConfig,
} from './broker-config.ts';
import { endPointConnectionString, parseZooKeeperConnect } from './endpoints.ts';

const ZK = 'zookeeper.connect=localhost:2181\n';

function configError(text: string): ConfigError {
  try {
    parseBrokerConfig(text, { file: 'server.properties' });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a ConfigError for:\n${text}`);
}

describe('parseBrokerConfig: Kafka 2.4 defaults', () => {
  const { config, warnings } = parseBrokerConfig(ZK);

  it('has no warnings for a minimal file', () => {
    expect(warnings).toEqual([]);
    expect(config.ignoredKeys).toEqual([]);
  });

  it.each([
    ['brokerId', -1],
    ['brokerIdGenerationEnable', true],
    ['reservedBrokerMaxId', 1000],
    ['brokerRack', undefined],
    ['interBrokerListenerName', 'PLAINTEXT'],
    ['logDirs', ['/tmp/kafka-logs']],
    ['zookeeperSessionTimeoutMs', 6000],
    ['zookeeperConnectionTimeoutMs', 6000],
    ['zookeeperMaxInFlightRequests', 10],
    ['zookeeperSetAcl', false],
    ['numPartitions', 1],
    ['defaultReplicationFactor', 1],
    ['autoCreateTopicsEnable', true],
    ['deleteTopicEnable', true],
    ['minInsyncReplicas', 1],
    ['uncleanLeaderElectionEnable', false],
    ['messageMaxBytes', 1000012],
    ['logSegmentBytes', 1073741824],
    ['logRollMs', 168 * 3_600_000],
    ['logRollJitterMs', 0],
    ['logRetentionMs', 168 * 3_600_000],
    ['logRetentionBytes', -1],
    ['logRetentionCheckIntervalMs', 300000],
    ['logSegmentDeleteDelayMs', 60000],
    ['logIndexIntervalBytes', 4096],
    ['logIndexSizeMaxBytes', 10485760],
    ['logFlushIntervalMessages', Number.POSITIVE_INFINITY],
    ['logFlushIntervalMs', Number.POSITIVE_INFINITY],
    ['logFlushOffsetCheckpointIntervalMs', 60000],
    ['logCleanupPolicy', ['delete']],
    ['logMessageTimestampType', 'CreateTime'],
    ['replicaLagTimeMaxMs', 10000],
    ['replicaFetchMaxBytes', 1048576],
    ['replicaFetchMinBytes', 1],
    ['replicaFetchWaitMaxMs', 500],
    ['replicaFetchResponseMaxBytes', 10485760],
    ['replicaFetchBackoffMs', 1000],
    ['numReplicaFetchers', 1],
    ['replicaSocketTimeoutMs', 30000],
    ['replicaHighWatermarkCheckpointIntervalMs', 5000],
    ['controllerSocketTimeoutMs', 30000],
    ['autoLeaderRebalanceEnable', true],
    ['leaderImbalancePerBrokerPercentage', 10],
    ['leaderImbalanceCheckIntervalSeconds', 300],
    ['controlledShutdownEnable', true],
    ['controlledShutdownMaxRetries', 3],
    ['controlledShutdownRetryBackoffMs', 5000],
    ['groupInitialRebalanceDelayMs', 3000],
    ['groupMinSessionTimeoutMs', 6000],
    ['groupMaxSessionTimeoutMs', 1800000],
    ['offsetsTopicNumPartitions', 50],
    ['offsetsTopicReplicationFactor', 3],
    ['offsetsTopicSegmentBytes', 104857600],
    ['offsetsRetentionMinutes', 10080],
    ['offsetsRetentionCheckIntervalMs', 600000],
    ['offsetsCommitTimeoutMs', 5000],
    ['offsetMetadataMaxBytes', 4096],
    ['socketRequestMaxBytes', 104857600],
  ] as const)('%s = %j', (field, expected) => {
    expect(config[field]).toEqual(expected);
  });

  it('listens on PLAINTEXT://:9092 and advertises the same', () => {
    expect(config.listeners).toEqual([
      { listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '', port: 9092 },
    ]);
    expect(config.advertisedListeners).toEqual(config.listeners);
    expect([...config.listenerSecurityProtocolMap]).toEqual([
      ['PLAINTEXT', 'PLAINTEXT'],
      ['SSL', 'SSL'],
      ['SASL_PLAINTEXT', 'SASL_PLAINTEXT'],
      ['SASL_SSL', 'SASL_SSL'],
    ]);
  });

  it('parses zookeeper.connect with its default port and no chroot', () => {
    expect(config.zookeeperConnect).toEqual({
      connectString: 'localhost:2181',
      servers: [{ host: 'localhost', port: 2181 }],
      chroot: undefined,
    });
  });

  it('knows every key with a value in `values`', () => {
    for (const def of BROKER_CONFIG_DEFS) expect(config.values.has(def.key)).toBe(true);
    expect(config.values.get('num.network.threads')).toBe(3);
    expect(config.values.get('log.dirs')).toBe(null);
  });

  it('defaultBrokerConfig gives the same', () => {
    expect(defaultBrokerConfig().numPartitions).toBe(1);
  });
});

describe('parseBrokerConfig: a typical server.properties', () => {
  const text = [
    '# broker identity',
    'broker.id=2',
    'listeners=PLAINTEXT://0.0.0.0:9093',
    'advertised.listeners=PLAINTEXT://broker-2:9093',
    'num.network.threads=3',
    'num.io.threads=8',
    'socket.send.buffer.bytes=102400',
    'socket.receive.buffer.bytes=102400',
    'socket.request.max.bytes=104857600',
    'log.dirs=/data/kafka-1, /data/kafka-2',
    'num.partitions=3',
    'num.recovery.threads.per.data.dir=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'log.retention.hours=24',
    'log.segment.bytes=1048576',
    'log.retention.check.interval.ms=300000',
    'zookeeper.connect=zk1:2181,zk2:2182,zk3/kafka',
    'zookeeper.connection.timeout.ms=18000',
    'group.initial.rebalance.delay.ms=0',
    'unclean.leader.election.enable=TRUE',
    'broker.rack=rack-a',
  ].join('\n');
  const { config, warnings } = parseBrokerConfig(text, { file: 'server.properties' });

  it('reads the used keys', () => {
    expect(warnings).toEqual([]);
    expect(config.brokerId).toBe(2);
    expect(config.listeners.map(endPointConnectionString)).toEqual(['PLAINTEXT://0.0.0.0:9093']);
    expect(config.advertisedListeners.map(endPointConnectionString)).toEqual(['PLAINTEXT://broker-2:9093']);
    expect(config.logDirs).toEqual(['/data/kafka-1', '/data/kafka-2']);
    expect(config.numPartitions).toBe(3);
    expect(config.offsetsTopicReplicationFactor).toBe(1);
    expect(config.logRetentionMs).toBe(24 * 3_600_000);
    expect(config.logSegmentBytes).toBe(1048576);
    expect(config.zookeeperConnectionTimeoutMs).toBe(18000);
    expect(config.zookeeperSessionTimeoutMs).toBe(6000);
    expect(config.groupInitialRebalanceDelayMs).toBe(0);
    expect(config.uncleanLeaderElectionEnable).toBe(true);
    expect(config.brokerRack).toBe('rack-a');
    expect(config.zookeeperConnect).toEqual({
      connectString: 'zk1:2181,zk2:2182,zk3/kafka',
      servers: [
        { host: 'zk1', port: 2181 },
        { host: 'zk2', port: 2182 },
        { host: 'zk3', port: 2181 },
      ],
      chroot: '/kafka',
    });
  });

  it('lists accepted-and-ignored keys', () => {
    expect(config.ignoredKeys).toEqual([
      'num.network.threads',
      'num.io.threads',
      'socket.send.buffer.bytes',
      'socket.receive.buffer.bytes',
      'num.recovery.threads.per.data.dir',
      'transaction.state.log.replication.factor',
      'transaction.state.log.min.isr',
    ]);
  });
});

describe('parseBrokerConfig: precedence rules', () => {
  it('log.retention.ms beats minutes beats hours; negative means forever', () => {
    expect(
      parseBrokerConfig(ZK + 'log.retention.hours=1\nlog.retention.minutes=5').config.logRetentionMs,
    ).toBe(300_000);
    expect(
      parseBrokerConfig(ZK + 'log.retention.hours=1\nlog.retention.minutes=5\nlog.retention.ms=42').config
        .logRetentionMs,
    ).toBe(42);
    expect(parseBrokerConfig(ZK + 'log.retention.ms=-5').config.logRetentionMs).toBe(-1);
    expect(parseBrokerConfig(ZK + 'log.retention.hours=-1').config.logRetentionMs).toBe(-1);
  });

  it('log.roll.ms beats log.roll.hours; log.flush.interval.ms beats the scheduler interval', () => {
    expect(parseBrokerConfig(ZK + 'log.roll.hours=2').config.logRollMs).toBe(7_200_000);
    expect(parseBrokerConfig(ZK + 'log.roll.hours=2\nlog.roll.ms=1000').config.logRollMs).toBe(1000);
    expect(parseBrokerConfig(ZK + 'log.flush.scheduler.interval.ms=10').config.logFlushIntervalMs).toBe(10);
    expect(
      parseBrokerConfig(ZK + 'log.flush.scheduler.interval.ms=10\nlog.flush.interval.ms=3').config
        .logFlushIntervalMs,
    ).toBe(3);
  });

  it('log.dirs beats log.dir', () => {
    expect(parseBrokerConfig(ZK + 'log.dir=/a').config.logDirs).toEqual(['/a']);
    expect(parseBrokerConfig(ZK + 'log.dir=/a\nlog.dirs=/b,/c').config.logDirs).toEqual(['/b', '/c']);
  });

  it('listeners fall back to host.name and port; advertised to advertised.host.name/port', () => {
    const a = parseBrokerConfig(ZK + 'port=9999\nhost.name=h').config;
    expect(a.listeners.map(endPointConnectionString)).toEqual(['PLAINTEXT://h:9999']);
    const b = parseBrokerConfig(ZK + 'port=9999\nadvertised.host.name=public').config;
    expect(b.advertisedListeners.map(endPointConnectionString)).toEqual(['PLAINTEXT://public:9999']);
    const c = parseBrokerConfig(ZK + 'advertised.port=19092').config;
    expect(c.advertisedListeners.map(endPointConnectionString)).toEqual(['PLAINTEXT://:19092']);
  });

  it('supports several PLAINTEXT listeners and inter.broker.listener.name', () => {
    const { config } = parseBrokerConfig(
      ZK +
        'listener.security.protocol.map=INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT\n' +
        'listeners=INTERNAL://:9092,external://[::1]:9093\n' +
        'inter.broker.listener.name=internal',
    );
    expect(config.listeners.map(endPointConnectionString)).toEqual([
      'INTERNAL://:9092',
      'EXTERNAL://[::1]:9093',
    ]);
    expect(config.interBrokerListenerName).toBe('INTERNAL');
  });

  it('the last of two equal keys wins, with a warning', () => {
    const { config, warnings } = parseBrokerConfig(ZK + 'num.partitions=2\nnum.partitions=4', {
      file: 's.p',
    });
    expect(config.numPartitions).toBe(4);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].message).toContain('s.p:3');
  });

  it('unknown keys are warnings with file and line', () => {
    const { warnings } = parseBrokerConfig(ZK + 'num.partitons=3', { file: 'server.properties' });
    expect(warnings).toEqual([
      {
        key: 'num.partitons',
        line: 2,
        message:
          "server.properties:2: the configuration 'num.partitons' was supplied but isn't a known config",
      },
    ]);
  });

  it('listener.name.<listener>.<setting> keys are accepted and ignored', () => {
    const { config, warnings } = parseBrokerConfig(ZK + 'listener.name.plaintext.ssl.keystore.location=/x');
    expect(warnings).toEqual([]);
    expect(config.ignoredKeys).toEqual(['listener.name.plaintext.ssl.keystore.location']);
  });

  it('values are trimmed and booleans are case-insensitive', () => {
    const { config } = parseBrokerConfig(ZK + 'num.partitions =  7  \ndelete.topic.enable=False');
    expect(config.numPartitions).toBe(7);
    expect(config.deleteTopicEnable).toBe(false);
  });

  it('Long.MAX_VALUE reads as Infinity; a leading + is allowed', () => {
    const { config } = parseBrokerConfig(ZK + 'log.retention.bytes=9223372036854775807\nnum.partitions=+2');
    expect(config.logRetentionBytes).toBe(Number.POSITIVE_INFINITY);
    expect(config.numPartitions).toBe(2);
  });

  it('zookeeper.connect handles IPv6, chroot "/" and whitespace', () => {
    expect(parseZooKeeperConnect('[::1]:2181,[fe80::1]/').servers).toEqual([
      { host: '::1', port: 2181 },
      { host: 'fe80::1', port: 2181 },
    ]);
    expect(parseZooKeeperConnect('a:1/').chroot).toBeUndefined();
    expect(parseZooKeeperConnect('a:1/x/y').chroot).toBe('/x/y');
  });

  it('loadBrokerConfig reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kzlab-broker-config-'));
    try {
      const path = join(dir, 'server.properties');
      writeFileSync(path, ZK + 'broker.id=5\n');
      const { config } = await loadBrokerConfig(path);
      expect(config.brokerId).toBe(5);
      expect(config.file).toBe(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('parseBrokerConfig: every error path is a ConfigError with key, value and line', () => {
  it.each([
    // [description, text, key, value, line]
    ['missing zookeeper.connect', 'broker.id=1', 'zookeeper.connect', undefined, undefined],
    ['INT that is not a number', ZK + 'broker.id=one', 'broker.id', 'one', 2],
    ['INT that is empty', ZK + 'broker.id=', 'broker.id', '', 2],
    ['INT out of range', ZK + 'num.partitions=2147483648', 'num.partitions', '2147483648', 2],
    ['INT with a fraction', ZK + 'num.partitions=1.5', 'num.partitions', '1.5', 2],
    [
      'LONG out of range',
      ZK + 'log.retention.ms=9223372036854775808',
      'log.retention.ms',
      '9223372036854775808',
      2,
    ],
    [
      'SHORT out of range',
      ZK + 'offsets.topic.replication.factor=40000',
      'offsets.topic.replication.factor',
      '40000',
      2,
    ],
    ['BOOLEAN that is not true/false', ZK + 'delete.topic.enable=yes', 'delete.topic.enable', 'yes', 2],
    [
      'DOUBLE that is not a number',
      ZK + 'log.cleaner.min.cleanable.ratio=half',
      'log.cleaner.min.cleanable.ratio',
      'half',
      2,
    ],
    ['atLeast(1) violated', ZK + 'num.partitions=0', 'num.partitions', '0', 2],
    ['atLeast(14) violated', ZK + 'log.segment.bytes=13', 'log.segment.bytes', '13', 2],
    ['atLeast(4) on index size', ZK + 'log.index.size.max.bytes=3', 'log.index.size.max.bytes', '3', 2],
    ['min.insync.replicas=0', ZK + 'min.insync.replicas=0', 'min.insync.replicas', '0', 2],
    ['bad cleanup policy', ZK + 'log.cleanup.policy=delete,shred', 'log.cleanup.policy', 'delete,shred', 2],
    ['bad timestamp type', ZK + 'log.message.timestamp.type=Now', 'log.message.timestamp.type', 'Now', 2],
    ['bad compression type', ZK + 'compression.type=brotli', 'compression.type', 'brotli', 2],
    ['broker.id below -1', ZK + 'broker.id=-2', 'broker.id', '-2', 2],
    ['broker.id above reserved.broker.max.id', ZK + 'broker.id=1001', 'broker.id', '1001', 2],
    [
      'broker.id -1 without generation',
      ZK + 'broker.id.generation.enable=false',
      'broker.id',
      '-1',
      undefined,
    ],
    ['listener without ://', ZK + 'listeners=localhost:9092', 'listeners', 'localhost:9092', 2],
    ['listener with a bad port', ZK + 'listeners=PLAINTEXT://h:99999', 'listeners', 'PLAINTEXT://h:99999', 2],
    ['listener with an unmapped name', ZK + 'listeners=INTERNAL://:9092', 'listeners', 'INTERNAL://:9092', 2],
    [
      'two listeners with one name',
      ZK + 'listeners=PLAINTEXT://:1,PLAINTEXT://:2',
      'listeners',
      'PLAINTEXT://:1,PLAINTEXT://:2',
      2,
    ],
    [
      'two listeners on one port',
      ZK +
        'listener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\nlisteners=A://:1,B://:1\ninter.broker.listener.name=A',
      'listeners',
      'A://:1,B://:1',
      3,
    ],
    [
      'SSL listener (kzlab is PLAINTEXT only)',
      ZK + 'listeners=SSL://:9093\nsecurity.inter.broker.protocol=SSL',
      'listeners',
      'SSL://:9093',
      2,
    ],
    [
      'advertised 0.0.0.0',
      ZK + 'advertised.listeners=PLAINTEXT://0.0.0.0:9092',
      'advertised.listeners',
      'PLAINTEXT://0.0.0.0:9092',
      2,
    ],
    [
      'advertised listener not in listeners',
      ZK +
        'listener.security.protocol.map=A:PLAINTEXT,B:PLAINTEXT\nlisteners=A://:1\nadvertised.listeners=B://h:1\ninter.broker.listener.name=A',
      'advertised.listeners',
      'B://h:1',
      4,
    ],
    [
      'both inter-broker settings',
      ZK + 'inter.broker.listener.name=PLAINTEXT\nsecurity.inter.broker.protocol=PLAINTEXT',
      'inter.broker.listener.name',
      'PLAINTEXT',
      2,
    ],
    [
      'inter-broker listener not advertised',
      ZK + 'inter.broker.listener.name=OTHER',
      'inter.broker.listener.name',
      'OTHER',
      2,
    ],
    [
      'unknown inter-broker protocol',
      ZK + 'security.inter.broker.protocol=TLS',
      'security.inter.broker.protocol',
      'TLS',
      2,
    ],
    [
      'bad protocol map',
      ZK + 'listener.security.protocol.map=A:TLS',
      'listener.security.protocol.map',
      'A:TLS',
      2,
    ],
    [
      'protocol map without colon',
      ZK + 'listener.security.protocol.map=A',
      'listener.security.protocol.map',
      'A',
      2,
    ],
    ['empty log.dirs', ZK + 'log.dirs= , ', 'log.dirs', ', ', 2],
    ['empty zookeeper.connect', 'zookeeper.connect=', 'zookeeper.connect', '', 1],
    ['zookeeper.connect with bad port', 'zookeeper.connect=zk:port', 'zookeeper.connect', 'zk:port', 1],
    [
      'zookeeper.connect with bad chroot',
      'zookeeper.connect=zk:2181/kafka/',
      'zookeeper.connect',
      'zk:2181/kafka/',
      1,
    ],
    [
      'zookeeper.connect with .. chroot',
      'zookeeper.connect=zk:2181/a/../b',
      'zookeeper.connect',
      'zk:2181/a/../b',
      1,
    ],
    ['zookeeper.connect unbracketed IPv6', 'zookeeper.connect=::1:2181', 'zookeeper.connect', '::1:2181', 1],
    [
      'zookeeper.session.timeout.ms=0',
      ZK + 'zookeeper.session.timeout.ms=0',
      'zookeeper.session.timeout.ms',
      '0',
      2,
    ],
    [
      'zookeeper.connection.timeout.ms=0',
      ZK + 'zookeeper.connection.timeout.ms=0',
      'zookeeper.connection.timeout.ms',
      '0',
      2,
    ],
    ['log.roll.ms=0', ZK + 'log.roll.ms=0', 'log.roll.ms', '0', 2],
    ['log.roll.jitter.ms<0', ZK + 'log.roll.jitter.ms=-1', 'log.roll.jitter.ms', '-1', 2],
    ['log.retention.ms=0', ZK + 'log.retention.ms=0', 'log.retention.ms', '0', 2],
    ['log.retention.minutes=0', ZK + 'log.retention.minutes=0', 'log.retention.minutes', '0', 2],
    [
      'fetch wait > socket timeout',
      ZK + 'replica.fetch.wait.max.ms=40000\nreplica.lag.time.max.ms=50000',
      'replica.fetch.wait.max.ms',
      '40000',
      2,
    ],
    [
      'fetch wait > lag time',
      ZK + 'replica.fetch.wait.max.ms=20000',
      'replica.fetch.wait.max.ms',
      '20000',
      2,
    ],
    [
      'required acks > offsets RF',
      ZK + 'offsets.commit.required.acks=4',
      'offsets.commit.required.acks',
      '4',
      2,
    ],
    [
      'dedupe buffer too small',
      ZK + 'log.cleaner.dedupe.buffer.size=1000',
      'log.cleaner.dedupe.buffer.size',
      '1000',
      2,
    ],
    ['malformed unicode escape', ZK + 'broker.rack=\\uZZZZ', undefined, undefined, 2],
  ])('%s', (_description, text, key, value, line) => {
    const error = configError(text);
    expect(error.code).toBe('KZ_ERR_CONFIG');
    expect(error.definite).toBe(true);
    expect(error.retriable).toBe(false);
    expect(error.key).toBe(key);
    expect(error.value).toBe(value);
    expect(error.line).toBe(line);
    expect(error.file).toBe('server.properties');
    expect(error.message).toContain('server.properties');
  });

  it('a missing file is a ConfigError', async () => {
    await expect(loadBrokerConfig('/nonexistent/kzlab/server.properties')).rejects.toBeInstanceOf(
      ConfigError,
    );
  });
});
