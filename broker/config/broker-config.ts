// server.properties → BrokerConfig, with Apache Kafka 2.4's keys, types, defaults and checks
// (KafkaConfig.configDef and KafkaConfig.validateValues; shared/reference/kafka-zk-era.md §7).
//
// What a learner should know:
//   * Every key Kafka 2.4 knows is accepted. The ones kzlab acts on become typed fields of BrokerConfig;
//     the others (thread counts, TLS/SASL, quotas, metrics, …) are type-checked like Kafka does and then
//     listed in `ignoredKeys`, so nothing is silently misread.
//   * Unknown keys are warnings, as in Kafka ("The configuration 'x' was supplied but isn't a known
//     config"). A key given twice is a warning too; the last value wins (Java properties semantics).
//   * A bad value is a ConfigError (code KZ_ERR_CONFIG) naming the key, the value and the line. The broker's
//     main prints it and exits with status 2.
//   * kzlab speaks PLAINTEXT only: a listener mapped to SSL or SASL is rejected with a ConfigError.
//
// parseBrokerConfig is pure; loadBrokerConfig reads the file.

import { readFile } from 'node:fs/promises';

import { ConfigError } from '../../client/common/errors.ts';
import {
  atLeast,
  longToNumber,
  LONG_MAX,
  oneOf,
  oneOfIgnoreCase,
  parseConfigValue,
  validList,
  type ConfigKeyDef,
  type ConfigType,
  type ConfigValidator,
  type ConfigValue,
} from './config-def.ts';
import {
  defaultListenerSecurityProtocolMap,
  EndPointParseError,
  isSecurityProtocol,
  parseEndPointList,
  parseListenerSecurityProtocolMap,
  parseZooKeeperConnect,
  type EndPoint,
  type SecurityProtocol,
  type ZooKeeperConnect,
} from './endpoints.ts';
import { parseJavaProperties } from './java-properties.ts';

export interface BrokerConfig {
  /** The file this came from, if any. */
  readonly file: string | undefined;

  // ── Identity ──
  /** `broker.id`; −1 = generate one from /brokers/seqid (first generated id is reserved.broker.max.id + 1 = 1001). */
  readonly brokerId: number;
  /** `broker.id.generation.enable` (true). */
  readonly brokerIdGenerationEnable: boolean;
  /** `reserved.broker.max.id` (1000). */
  readonly reservedBrokerMaxId: number;
  /** `broker.rack` (unset). */
  readonly brokerRack: string | undefined;

  // ── Listeners ──
  /** `listeners` (unset → `PLAINTEXT://<host.name>:<port>` = `PLAINTEXT://:9092`). */
  readonly listeners: readonly EndPoint[];
  /** `advertised.listeners` (unset → advertised.host.name/advertised.port if set, else `listeners`). Host `''` = use the machine's name. */
  readonly advertisedListeners: readonly EndPoint[];
  /** `listener.security.protocol.map` (PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL). */
  readonly listenerSecurityProtocolMap: ReadonlyMap<string, SecurityProtocol>;
  /** `inter.broker.listener.name`, or the listener named after `security.inter.broker.protocol` (PLAINTEXT). */
  readonly interBrokerListenerName: string;

  // ── Log directories ──
  /** `log.dirs`, else `log.dir` (/tmp/kafka-logs); comma-separated. */
  readonly logDirs: readonly string[];

  // ── ZooKeeper ──
  /** `zookeeper.connect` (required): hosts and optional chroot. */
  readonly zookeeperConnect: ZooKeeperConnect;
  /** `zookeeper.session.timeout.ms` (6000 in Kafka 2.4; 18000 from 2.5). */
  readonly zookeeperSessionTimeoutMs: number;
  /** `zookeeper.connection.timeout.ms` (unset → the session timeout). */
  readonly zookeeperConnectionTimeoutMs: number;
  /** `zookeeper.max.in.flight.requests` (10). */
  readonly zookeeperMaxInFlightRequests: number;
  /** `zookeeper.set.acl` (false). */
  readonly zookeeperSetAcl: boolean;

  // ── Topics ──
  /** `num.partitions` (1). */
  readonly numPartitions: number;
  /** `default.replication.factor` (1). */
  readonly defaultReplicationFactor: number;
  /** `auto.create.topics.enable` (true). */
  readonly autoCreateTopicsEnable: boolean;
  /** `delete.topic.enable` (true). */
  readonly deleteTopicEnable: boolean;
  /** `min.insync.replicas` (1). */
  readonly minInsyncReplicas: number;
  /** `unclean.leader.election.enable` (false). */
  readonly uncleanLeaderElectionEnable: boolean;
  /** `message.max.bytes` (1000012). */
  readonly messageMaxBytes: number;

  // ── Log ──
  /** `log.segment.bytes` (1073741824). */
  readonly logSegmentBytes: number;
  /** `log.roll.ms`, else `log.roll.hours` (168) × 3600000. */
  readonly logRollMs: number;
  /** `log.roll.jitter.ms`, else `log.roll.jitter.hours` (0) × 3600000. */
  readonly logRollJitterMs: number;
  /** `log.retention.ms`, else `.minutes`, else `.hours` (168); −1 = keep forever (any negative value becomes −1). */
  readonly logRetentionMs: number;
  /** `log.retention.bytes` (−1 = no size limit). */
  readonly logRetentionBytes: number;
  /** `log.retention.check.interval.ms` (300000). */
  readonly logRetentionCheckIntervalMs: number;
  /** `log.segment.delete.delay.ms` (60000): a deleted segment's files linger this long as `.deleted`. */
  readonly logSegmentDeleteDelayMs: number;
  /** `log.index.interval.bytes` (4096). */
  readonly logIndexIntervalBytes: number;
  /** `log.index.size.max.bytes` (10485760). */
  readonly logIndexSizeMaxBytes: number;
  /** `log.flush.interval.messages` (Long.MAX_VALUE → Infinity). */
  readonly logFlushIntervalMessages: number;
  /** `log.flush.interval.ms`, else `log.flush.scheduler.interval.ms` (Long.MAX_VALUE → Infinity). */
  readonly logFlushIntervalMs: number;
  /** `log.flush.offset.checkpoint.interval.ms` (60000). */
  readonly logFlushOffsetCheckpointIntervalMs: number;
  /** `log.flush.start.offset.checkpoint.interval.ms` (60000). */
  readonly logFlushStartOffsetCheckpointIntervalMs: number;
  /** `log.cleanup.policy` (["delete"]). */
  readonly logCleanupPolicy: readonly string[];
  /** `log.message.timestamp.type` (CreateTime). */
  readonly logMessageTimestampType: 'CreateTime' | 'LogAppendTime';

  // ── Replication ──
  /** `replica.lag.time.max.ms` (10000 in Kafka 2.4; 30000 from 2.5). */
  readonly replicaLagTimeMaxMs: number;
  /** `replica.fetch.max.bytes` (1048576). */
  readonly replicaFetchMaxBytes: number;
  /** `replica.fetch.min.bytes` (1). */
  readonly replicaFetchMinBytes: number;
  /** `replica.fetch.wait.max.ms` (500). */
  readonly replicaFetchWaitMaxMs: number;
  /** `replica.fetch.response.max.bytes` (10485760). */
  readonly replicaFetchResponseMaxBytes: number;
  /** `replica.fetch.backoff.ms` (1000). */
  readonly replicaFetchBackoffMs: number;
  /** `num.replica.fetchers` (1). */
  readonly numReplicaFetchers: number;
  /** `replica.socket.timeout.ms` (30000). */
  readonly replicaSocketTimeoutMs: number;
  /** `replica.high.watermark.checkpoint.interval.ms` (5000). */
  readonly replicaHighWatermarkCheckpointIntervalMs: number;

  // ── Controller ──
  /** `controller.socket.timeout.ms` (30000). */
  readonly controllerSocketTimeoutMs: number;
  /** `auto.leader.rebalance.enable` (true). */
  readonly autoLeaderRebalanceEnable: boolean;
  /** `leader.imbalance.per.broker.percentage` (10). */
  readonly leaderImbalancePerBrokerPercentage: number;
  /** `leader.imbalance.check.interval.seconds` (300). */
  readonly leaderImbalanceCheckIntervalSeconds: number;
  /** `controlled.shutdown.enable` (true). */
  readonly controlledShutdownEnable: boolean;
  /** `controlled.shutdown.max.retries` (3). */
  readonly controlledShutdownMaxRetries: number;
  /** `controlled.shutdown.retry.backoff.ms` (5000). */
  readonly controlledShutdownRetryBackoffMs: number;

  // ── Groups and offsets ──
  /** `group.initial.rebalance.delay.ms` (3000). */
  readonly groupInitialRebalanceDelayMs: number;
  /** `group.min.session.timeout.ms` (6000). */
  readonly groupMinSessionTimeoutMs: number;
  /** `group.max.session.timeout.ms` (1800000). */
  readonly groupMaxSessionTimeoutMs: number;
  /** `offsets.topic.num.partitions` (50). */
  readonly offsetsTopicNumPartitions: number;
  /** `offsets.topic.replication.factor` (3). */
  readonly offsetsTopicReplicationFactor: number;
  /** `offsets.topic.segment.bytes` (104857600). */
  readonly offsetsTopicSegmentBytes: number;
  /** `offsets.retention.minutes` (10080). */
  readonly offsetsRetentionMinutes: number;
  /** `offsets.retention.check.interval.ms` (600000). */
  readonly offsetsRetentionCheckIntervalMs: number;
  /** `offsets.commit.timeout.ms` (5000). */
  readonly offsetsCommitTimeoutMs: number;
  /** `offset.metadata.max.bytes` (4096). */
  readonly offsetMetadataMaxBytes: number;

  // ── Network ──
  /** `socket.request.max.bytes` (104857600). */
  readonly socketRequestMaxBytes: number;

  /** Every key Kafka 2.4 knows, with its effective (parsed or default) value; null = unset. */
  readonly values: ReadonlyMap<string, ConfigValue>;
  /** Keys present in the file that Kafka knows but kzlab does not act on. */
  readonly ignoredKeys: readonly string[];
}

export interface ConfigWarning {
  readonly key: string | undefined;
  readonly line: number | undefined;
  /** A complete sentence including file and line. */
  readonly message: string;
}

export interface ParsedBrokerConfig {
  readonly config: BrokerConfig;
  readonly warnings: readonly ConfigWarning[];
}

// ─────────────────────────── the key table (Kafka 2.4) ───────────────────────────

const REQUIRED = undefined;
const MS_PER_HOUR = 3_600_000;
const MS_PER_MINUTE = 60_000;

function def(
  key: string,
  type: ConfigType,
  defaultValue: ConfigValue | undefined,
  validator?: ConfigValidator,
): ConfigKeyDef {
  return { key, type, defaultValue, validator, use: 'used' };
}

function ignored(
  key: string,
  type: ConfigType,
  defaultValue: ConfigValue | undefined,
  validator?: ConfigValidator,
): ConfigKeyDef {
  return { key, type, defaultValue, validator, use: 'ignored' };
}

const INFINITY = Number.POSITIVE_INFINITY;
const INT_MAX = 2147483647;
const COMPRESSION_TYPES = ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'];

/** Kafka 2.4's broker settings. */
export const BROKER_CONFIG_DEFS: readonly ConfigKeyDef[] = [
  // ZooKeeper
  def('zookeeper.connect', 'STRING', REQUIRED),
  def('zookeeper.session.timeout.ms', 'INT', 6000),
  def('zookeeper.connection.timeout.ms', 'INT', null),
  def('zookeeper.max.in.flight.requests', 'INT', 10, atLeast(1)),
  def('zookeeper.set.acl', 'BOOLEAN', false),
  ignored('zookeeper.sync.time.ms', 'INT', 2000),
  // General
  def('broker.id.generation.enable', 'BOOLEAN', true),
  def('reserved.broker.max.id', 'INT', 1000, atLeast(0)),
  def('broker.id', 'INT', -1),
  def('message.max.bytes', 'INT', 1000012, atLeast(0)),
  ignored('num.network.threads', 'INT', 3, atLeast(1)),
  ignored('num.io.threads', 'INT', 8, atLeast(1)),
  ignored('num.replica.alter.log.dirs.threads', 'INT', null),
  ignored('background.threads', 'INT', 10, atLeast(1)),
  ignored('queued.max.requests', 'INT', 500, atLeast(1)),
  ignored('queued.max.request.bytes', 'LONG', -1),
  ignored('request.timeout.ms', 'INT', 30000),
  ignored('authorizer.class.name', 'STRING', ''),
  // Socket server
  def('port', 'INT', 9092),
  def('host.name', 'STRING', ''),
  def('listeners', 'STRING', null),
  def('advertised.host.name', 'STRING', null),
  def('advertised.port', 'INT', null),
  def('advertised.listeners', 'STRING', null),
  def(
    'listener.security.protocol.map',
    'STRING',
    'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
  ),
  ignored('socket.send.buffer.bytes', 'INT', 102400),
  ignored('socket.receive.buffer.bytes', 'INT', 102400),
  def('socket.request.max.bytes', 'INT', 104857600, atLeast(1)),
  ignored('max.connections.per.ip', 'INT', INT_MAX, atLeast(0)),
  ignored('max.connections.per.ip.overrides', 'STRING', ''),
  ignored('max.connections', 'INT', INT_MAX, atLeast(0)),
  ignored('connections.max.idle.ms', 'LONG', 600000),
  ignored('connection.failed.authentication.delay.ms', 'INT', 100, atLeast(0)),
  // Rack
  def('broker.rack', 'STRING', null),
  // Log
  def('num.partitions', 'INT', 1, atLeast(1)),
  def('log.dir', 'STRING', '/tmp/kafka-logs'),
  def('log.dirs', 'STRING', null),
  def('log.segment.bytes', 'INT', 1073741824, atLeast(14)),
  def('log.roll.ms', 'LONG', null),
  def('log.roll.hours', 'INT', 168, atLeast(1)),
  def('log.roll.jitter.ms', 'LONG', null),
  def('log.roll.jitter.hours', 'INT', 0, atLeast(0)),
  def('log.retention.ms', 'LONG', null),
  def('log.retention.minutes', 'INT', null),
  def('log.retention.hours', 'INT', 168),
  def('log.retention.bytes', 'LONG', -1),
  def('log.retention.check.interval.ms', 'LONG', 300000, atLeast(1)),
  def('log.cleanup.policy', 'LIST', ['delete'], validList('compact', 'delete')),
  ignored('log.cleaner.threads', 'INT', 1, atLeast(0)),
  ignored('log.cleaner.io.max.bytes.per.second', 'DOUBLE', Number.MAX_VALUE),
  ignored('log.cleaner.dedupe.buffer.size', 'LONG', 134217728),
  ignored('log.cleaner.io.buffer.size', 'INT', 524288, atLeast(0)),
  ignored('log.cleaner.io.buffer.load.factor', 'DOUBLE', 0.9),
  ignored('log.cleaner.backoff.ms', 'LONG', 15000, atLeast(0)),
  ignored('log.cleaner.min.cleanable.ratio', 'DOUBLE', 0.5),
  ignored('log.cleaner.enable', 'BOOLEAN', true),
  ignored('log.cleaner.delete.retention.ms', 'LONG', 86400000),
  ignored('log.cleaner.min.compaction.lag.ms', 'LONG', 0),
  ignored('log.cleaner.max.compaction.lag.ms', 'LONG', INFINITY),
  def('log.index.size.max.bytes', 'INT', 10485760, atLeast(4)),
  def('log.index.interval.bytes', 'INT', 4096, atLeast(0)),
  def('log.flush.interval.messages', 'LONG', INFINITY, atLeast(1)),
  def('log.segment.delete.delay.ms', 'LONG', 60000, atLeast(0)),
  def('log.flush.scheduler.interval.ms', 'LONG', INFINITY),
  def('log.flush.interval.ms', 'LONG', null),
  def('log.flush.offset.checkpoint.interval.ms', 'INT', 60000, atLeast(0)),
  def('log.flush.start.offset.checkpoint.interval.ms', 'INT', 60000, atLeast(0)),
  ignored('log.preallocate', 'BOOLEAN', false),
  ignored('num.recovery.threads.per.data.dir', 'INT', 1, atLeast(1)),
  def('auto.create.topics.enable', 'BOOLEAN', true),
  def('min.insync.replicas', 'INT', 1, atLeast(1)),
  ignored('log.message.format.version', 'STRING', '2.4-IV1'),
  def('log.message.timestamp.type', 'STRING', 'CreateTime', oneOf('CreateTime', 'LogAppendTime')),
  ignored('log.message.timestamp.difference.max.ms', 'LONG', INFINITY),
  ignored('create.topic.policy.class.name', 'CLASS', null),
  ignored('alter.config.policy.class.name', 'CLASS', null),
  ignored('log.message.downconversion.enable', 'BOOLEAN', true),
  // Replication
  def('controller.socket.timeout.ms', 'INT', 30000),
  def('default.replication.factor', 'INT', 1),
  def('replica.lag.time.max.ms', 'LONG', 10000),
  def('replica.socket.timeout.ms', 'INT', 30000),
  ignored('replica.socket.receive.buffer.bytes', 'INT', 65536),
  def('replica.fetch.max.bytes', 'INT', 1048576, atLeast(0)),
  def('replica.fetch.wait.max.ms', 'INT', 500),
  def('replica.fetch.backoff.ms', 'INT', 1000, atLeast(0)),
  def('replica.fetch.min.bytes', 'INT', 1),
  def('replica.fetch.response.max.bytes', 'INT', 10485760, atLeast(0)),
  def('num.replica.fetchers', 'INT', 1),
  def('replica.high.watermark.checkpoint.interval.ms', 'LONG', 5000),
  ignored('fetch.purgatory.purge.interval.requests', 'INT', 1000),
  ignored('producer.purgatory.purge.interval.requests', 'INT', 1000),
  ignored('delete.records.purgatory.purge.interval.requests', 'INT', 1),
  def('auto.leader.rebalance.enable', 'BOOLEAN', true),
  def('leader.imbalance.per.broker.percentage', 'INT', 10),
  def('leader.imbalance.check.interval.seconds', 'LONG', 300),
  def('unclean.leader.election.enable', 'BOOLEAN', false),
  def('security.inter.broker.protocol', 'STRING', 'PLAINTEXT'),
  ignored('inter.broker.protocol.version', 'STRING', '2.4-IV1'),
  def('inter.broker.listener.name', 'STRING', null),
  ignored('replica.selector.class', 'STRING', null),
  // Controlled shutdown
  def('controlled.shutdown.max.retries', 'INT', 3),
  def('controlled.shutdown.retry.backoff.ms', 'LONG', 5000),
  def('controlled.shutdown.enable', 'BOOLEAN', true),
  // Group coordinator
  def('group.min.session.timeout.ms', 'INT', 6000),
  def('group.max.session.timeout.ms', 'INT', 1800000),
  def('group.initial.rebalance.delay.ms', 'INT', 3000),
  ignored('group.max.size', 'INT', INT_MAX, atLeast(1)),
  // Offsets
  def('offset.metadata.max.bytes', 'INT', 4096),
  ignored('offsets.load.buffer.size', 'INT', 5242880, atLeast(1)),
  def('offsets.topic.replication.factor', 'SHORT', 3, atLeast(1)),
  def('offsets.topic.num.partitions', 'INT', 50, atLeast(1)),
  def('offsets.topic.segment.bytes', 'INT', 104857600, atLeast(1)),
  ignored('offsets.topic.compression.codec', 'INT', 0),
  def('offsets.retention.minutes', 'INT', 10080, atLeast(1)),
  def('offsets.retention.check.interval.ms', 'LONG', 600000, atLeast(1)),
  def('offsets.commit.timeout.ms', 'INT', 5000, atLeast(1)),
  ignored('offsets.commit.required.acks', 'SHORT', -1),
  // Transactions (no transaction coordinator in kzlab)
  ignored('transactional.id.expiration.ms', 'INT', 604800000, atLeast(1)),
  ignored('transaction.max.timeout.ms', 'INT', 900000, atLeast(1)),
  ignored('transaction.state.log.min.isr', 'INT', 2, atLeast(1)),
  ignored('transaction.state.log.load.buffer.size', 'INT', 5242880, atLeast(1)),
  ignored('transaction.state.log.replication.factor', 'SHORT', 3, atLeast(1)),
  ignored('transaction.state.log.num.partitions', 'INT', 50, atLeast(1)),
  ignored('transaction.state.log.segment.bytes', 'INT', 104857600, atLeast(1)),
  ignored('transaction.abort.timed.out.transaction.cleanup.interval.ms', 'INT', 60000, atLeast(1)),
  ignored('transaction.remove.expired.transaction.cleanup.interval.ms', 'INT', 3600000, atLeast(1)),
  // Fetch sessions, quotas, misc
  ignored('max.incremental.fetch.session.cache.slots', 'INT', 1000, atLeast(0)),
  ignored('fetch.max.bytes', 'INT', 57671680, atLeast(1024)),
  ignored('quota.producer.default', 'LONG', INFINITY, atLeast(1)),
  ignored('quota.consumer.default', 'LONG', INFINITY, atLeast(1)),
  ignored('quota.window.num', 'INT', 11, atLeast(1)),
  ignored('replication.quota.window.num', 'INT', 11, atLeast(1)),
  ignored('alter.log.dirs.replication.quota.window.num', 'INT', 11, atLeast(1)),
  ignored('quota.window.size.seconds', 'INT', 1, atLeast(1)),
  ignored('replication.quota.window.size.seconds', 'INT', 1, atLeast(1)),
  ignored('alter.log.dirs.replication.quota.window.size.seconds', 'INT', 1, atLeast(1)),
  ignored('client.quota.callback.class', 'CLASS', null),
  def('delete.topic.enable', 'BOOLEAN', true),
  ignored('compression.type', 'STRING', 'producer', oneOf(...COMPRESSION_TYPES)),
  // Metrics
  ignored('metric.reporters', 'LIST', []),
  ignored('metrics.num.samples', 'INT', 2, atLeast(1)),
  ignored('metrics.sample.window.ms', 'LONG', 30000, atLeast(1)),
  ignored('metrics.recording.level', 'STRING', 'INFO'),
  ignored('kafka.metrics.reporters', 'LIST', []),
  ignored('kafka.metrics.polling.interval.secs', 'INT', 10, atLeast(1)),
  // Security (accepted so that real files load; kzlab has PLAINTEXT only)
  ignored('principal.builder.class', 'CLASS', null),
  ignored('connections.max.reauth.ms', 'LONG', 0),
  ignored('ssl.protocol', 'STRING', 'TLSv1.2'),
  ignored('ssl.provider', 'STRING', null),
  ignored('ssl.enabled.protocols', 'LIST', ['TLSv1.2']),
  ignored('ssl.keystore.type', 'STRING', 'JKS'),
  ignored('ssl.keystore.location', 'STRING', null),
  ignored('ssl.keystore.password', 'PASSWORD', null),
  ignored('ssl.key.password', 'PASSWORD', null),
  ignored('ssl.truststore.type', 'STRING', 'JKS'),
  ignored('ssl.truststore.location', 'STRING', null),
  ignored('ssl.truststore.password', 'PASSWORD', null),
  ignored('ssl.keymanager.algorithm', 'STRING', 'SunX509'),
  ignored('ssl.trustmanager.algorithm', 'STRING', 'PKIX'),
  ignored('ssl.endpoint.identification.algorithm', 'STRING', 'https'),
  ignored('ssl.secure.random.implementation', 'STRING', null),
  ignored('ssl.client.auth', 'STRING', 'none', oneOfIgnoreCase('required', 'requested', 'none')),
  ignored('ssl.cipher.suites', 'LIST', []),
  ignored('ssl.principal.mapping.rules', 'STRING', 'DEFAULT'),
  ignored('sasl.mechanism.inter.broker.protocol', 'STRING', 'GSSAPI'),
  ignored('sasl.jaas.config', 'PASSWORD', null),
  ignored('sasl.enabled.mechanisms', 'LIST', ['GSSAPI']),
  ignored('sasl.server.callback.handler.class', 'CLASS', null),
  ignored('sasl.client.callback.handler.class', 'CLASS', null),
  ignored('sasl.login.class', 'CLASS', null),
  ignored('sasl.login.callback.handler.class', 'CLASS', null),
  ignored('sasl.kerberos.service.name', 'STRING', null),
  ignored('sasl.kerberos.kinit.cmd', 'STRING', '/usr/bin/kinit'),
  ignored('sasl.kerberos.ticket.renew.window.factor', 'DOUBLE', 0.8),
  ignored('sasl.kerberos.ticket.renew.jitter', 'DOUBLE', 0.05),
  ignored('sasl.kerberos.min.time.before.relogin', 'LONG', 60000),
  ignored('sasl.kerberos.principal.to.local.rules', 'LIST', ['DEFAULT']),
  ignored('sasl.login.refresh.window.factor', 'DOUBLE', 0.8),
  ignored('sasl.login.refresh.window.jitter', 'DOUBLE', 0.05),
  ignored('sasl.login.refresh.min.period.seconds', 'SHORT', 60),
  ignored('sasl.login.refresh.buffer.seconds', 'SHORT', 300),
  ignored('delegation.token.master.key', 'PASSWORD', null),
  ignored('delegation.token.max.lifetime.ms', 'LONG', 604800000, atLeast(1)),
  ignored('delegation.token.expiry.time.ms', 'LONG', 86400000, atLeast(1)),
  ignored('delegation.token.expiry.check.interval.ms', 'LONG', 3600000, atLeast(1)),
  ignored('password.encoder.secret', 'PASSWORD', null),
  ignored('password.encoder.old.secret', 'PASSWORD', null),
  ignored('password.encoder.keyfactory.algorithm', 'STRING', null),
  ignored('password.encoder.cipher.algorithm', 'STRING', 'AES/CBC/PKCS5Padding'),
  ignored('password.encoder.key.length', 'INT', 128, atLeast(8)),
  ignored('password.encoder.iterations', 'INT', 4096, atLeast(1024)),
];

const DEFS_BY_KEY = new Map(BROKER_CONFIG_DEFS.map((d) => [d.key, d]));

/** Settings that apply per listener (`listener.name.<name>.<setting>`); accepted and ignored. */
const LISTENER_PREFIX = /^listener\.name\.[^.]+\..+$/;

// ─────────────────────────── parsing ───────────────────────────

export interface ParseBrokerConfigOptions {
  /** File name for messages. */
  readonly file?: string;
}

/**
 * Parses server.properties text. Throws ConfigError for the first invalid value or violated rule;
 * returns warnings for unknown and repeated keys.
 */
export function parseBrokerConfig(text: string, options: ParseBrokerConfigOptions = {}): ParsedBrokerConfig {
  const file = options.file;
  const entries = parseJavaProperties(text, file);
  const warnings: ConfigWarning[] = [];
  const where = (line: number | undefined) => (file === undefined ? `line ${line}` : `${file}:${line}`);

  // Last one wins, as java.util.Properties does.
  const latest = new Map<string, { value: string; line: number }>();
  for (const entry of entries) {
    const previous = latest.get(entry.key);
    if (previous !== undefined) {
      warnings.push({
        key: entry.key,
        line: entry.line,
        message: `${where(entry.line)}: ${entry.key} is set again (first on line ${previous.line}); the last value wins`,
      });
    }
    latest.set(entry.key, { value: entry.value, line: entry.line });
  }

  const values = new Map<string, ConfigValue>();
  const lines = new Map<string, number>();
  const rawTexts = new Map<string, string>();
  const ignoredKeys: string[] = [];
  for (const [key, { value, line }] of latest) {
    const keyDef = DEFS_BY_KEY.get(key);
    if (keyDef === undefined) {
      if (LISTENER_PREFIX.test(key)) {
        ignoredKeys.push(key);
        continue;
      }
      warnings.push({
        key,
        line,
        message: `${where(line)}: the configuration '${key}' was supplied but isn't a known config`,
      });
      continue;
    }
    values.set(key, parseConfigValue(keyDef, value, { file, line }));
    lines.set(key, line);
    rawTexts.set(key, value);
    if (keyDef.use === 'ignored') ignoredKeys.push(key);
  }
  for (const keyDef of BROKER_CONFIG_DEFS) {
    if (values.has(keyDef.key)) continue;
    if (keyDef.defaultValue === undefined) {
      throw new ConfigError(`missing required configuration "${keyDef.key}" which has no default value`, {
        key: keyDef.key,
        file,
      });
    }
    values.set(keyDef.key, keyDef.defaultValue);
  }

  const config = buildBrokerConfig(values, lines, rawTexts, ignoredKeys, file);
  return { config, warnings };
}

/** Reads and parses a server.properties file. */
export async function loadBrokerConfig(path: string): Promise<ParsedBrokerConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `cannot read the broker configuration file: ${(error as Error).message}`,
      { file: path },
      {
        cause: error,
      },
    );
  }
  return parseBrokerConfig(text, { file: path });
}

function buildBrokerConfig(
  values: ReadonlyMap<string, ConfigValue>,
  lines: ReadonlyMap<string, number>,
  rawTexts: ReadonlyMap<string, string>,
  ignoredKeys: readonly string[],
  file: string | undefined,
): BrokerConfig {
  const raw = (key: string): ConfigValue => {
    const value = values.get(key);
    if (value === undefined) throw new Error(`broker-config: no value for ${key}`);
    return value;
  };
  const int = (key: string) => raw(key) as number;
  const bool = (key: string) => raw(key) as boolean;
  const str = (key: string) => raw(key) as string | null;
  const fail = (key: string, problem: string, valueText?: string): never => {
    // The text as written in the file; for a key left at its default, the default.
    const value =
      valueText ?? rawTexts.get(key) ?? (values.get(key) === null ? undefined : String(values.get(key)));
    throw new ConfigError(problem, { key, value, file, line: lines.get(key) });
  };

  // broker.id
  const brokerIdGenerationEnable = bool('broker.id.generation.enable');
  const reservedBrokerMaxId = int('reserved.broker.max.id');
  const brokerId = int('broker.id');
  if (brokerIdGenerationEnable) {
    if (brokerId < -1 || brokerId > reservedBrokerMaxId) {
      fail(
        'broker.id',
        `broker.id must be greater than or equal to -1 and not greater than reserved.broker.max.id (${reservedBrokerMaxId})`,
      );
    }
  } else if (brokerId < 0) {
    fail(
      'broker.id',
      'broker.id must be greater than or equal to 0 when broker.id.generation.enable is false',
    );
  }

  // listeners
  let protocolMap: Map<string, SecurityProtocol>;
  try {
    protocolMap = parseListenerSecurityProtocolMap(str('listener.security.protocol.map') ?? '');
  } catch (error) {
    return fail('listener.security.protocol.map', (error as Error).message);
  }
  if (protocolMap.size === 0) protocolMap = defaultListenerSecurityProtocolMap();
  const endPoints = (key: string, text: string, distinctPorts: boolean): EndPoint[] => {
    try {
      return parseEndPointList(text, protocolMap, distinctPorts);
    } catch (error) {
      if (error instanceof EndPointParseError) return fail(key, error.message, text);
      throw error;
    }
  };
  const listenersText = str('listeners') ?? `PLAINTEXT://${str('host.name') ?? ''}:${int('port')}`;
  const listeners = endPoints(str('listeners') === null ? 'port' : 'listeners', listenersText, true);
  if (listeners.length === 0) fail('listeners', 'at least one listener must be configured');

  let advertisedListeners: EndPoint[];
  if (str('advertised.listeners') !== null) {
    advertisedListeners = endPoints('advertised.listeners', str('advertised.listeners') ?? '', false);
  } else if (str('advertised.host.name') !== null || values.get('advertised.port') !== null) {
    const host = str('advertised.host.name') ?? str('host.name') ?? '';
    const port = (values.get('advertised.port') as number | null) ?? int('port');
    advertisedListeners = endPoints(
      str('advertised.host.name') !== null ? 'advertised.host.name' : 'advertised.port',
      `PLAINTEXT://${host}:${port}`,
      false,
    );
  } else {
    advertisedListeners = listeners;
  }
  const listenerNames = new Set(listeners.map((l) => l.listenerName));
  for (const advertised of advertisedListeners) {
    if (!listenerNames.has(advertised.listenerName)) {
      fail(
        'advertised.listeners',
        `advertised listener ${advertised.listenerName} is not in listeners; advertised.listeners names must be equal to or a subset of the ones defined in listeners`,
      );
    }
    if (advertised.host === '0.0.0.0') {
      fail(
        'advertised.listeners',
        'advertised.listeners cannot use the nonroutable meta-address 0.0.0.0; use a routable IP address',
      );
    }
  }
  for (const endPoint of listeners) {
    if (endPoint.securityProtocol !== 'PLAINTEXT') {
      fail(
        'listeners',
        `listener ${endPoint.listenerName} uses ${endPoint.securityProtocol}; kzlab implements the PLAINTEXT security protocol only`,
      );
    }
  }

  // inter-broker listener
  const interBrokerListenerNameSetting = str('inter.broker.listener.name');
  const securityInterBrokerProtocolSet = lines.has('security.inter.broker.protocol');
  if (interBrokerListenerNameSetting !== null && securityInterBrokerProtocolSet) {
    fail(
      'inter.broker.listener.name',
      'only one of inter.broker.listener.name and security.inter.broker.protocol should be set',
    );
  }
  let interBrokerListenerName: string;
  if (interBrokerListenerNameSetting !== null) {
    interBrokerListenerName = interBrokerListenerNameSetting.toUpperCase();
  } else {
    const protocol = (str('security.inter.broker.protocol') ?? '').toUpperCase();
    if (!isSecurityProtocol(protocol)) {
      fail(
        'security.inter.broker.protocol',
        `unknown security protocol (expected PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)`,
      );
    }
    interBrokerListenerName = protocol;
  }
  if (!advertisedListeners.some((l) => l.listenerName === interBrokerListenerName)) {
    fail(
      interBrokerListenerNameSetting !== null
        ? 'inter.broker.listener.name'
        : 'security.inter.broker.protocol',
      `the inter-broker listener ${interBrokerListenerName} must be one of the advertised listeners (${advertisedListeners
        .map((l) => l.listenerName)
        .join(', ')})`,
    );
  }

  // log dirs
  const logDirsText = str('log.dirs') ?? str('log.dir') ?? '';
  const logDirs = logDirsText
    .split(/\s*,\s*/)
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (logDirs.length === 0) {
    fail(
      str('log.dirs') !== null ? 'log.dirs' : 'log.dir',
      'at least one log directory must be defined via log.dirs or log.dir',
    );
  }

  // zookeeper
  let zookeeperConnect: ZooKeeperConnect;
  try {
    zookeeperConnect = parseZooKeeperConnect(str('zookeeper.connect') ?? '');
  } catch (error) {
    return fail('zookeeper.connect', (error as Error).message);
  }
  const zookeeperSessionTimeoutMs = int('zookeeper.session.timeout.ms');
  if (zookeeperSessionTimeoutMs <= 0)
    fail('zookeeper.session.timeout.ms', 'must be a positive number of milliseconds');
  const connectionTimeout = values.get('zookeeper.connection.timeout.ms') as number | null;
  if (connectionTimeout !== null && connectionTimeout <= 0) {
    fail('zookeeper.connection.timeout.ms', 'must be a positive number of milliseconds');
  }

  // log roll and retention
  const hoursOrMs = (msKey: string, hoursKey: string): number => {
    const ms = values.get(msKey) as number | null;
    return ms ?? int(hoursKey) * MS_PER_HOUR;
  };
  const logRollMs = hoursOrMs('log.roll.ms', 'log.roll.hours');
  if (logRollMs < 1) fail('log.roll.ms', 'log.roll.ms must be greater than or equal to 1');
  const logRollJitterMs = hoursOrMs('log.roll.jitter.ms', 'log.roll.jitter.hours');
  if (logRollJitterMs < 0)
    fail('log.roll.jitter.ms', 'log.roll.jitter.ms must be greater than or equal to 0');
  let logRetentionMs =
    (values.get('log.retention.ms') as number | null) ??
    (values.get('log.retention.minutes') === null
      ? int('log.retention.hours') * MS_PER_HOUR
      : int('log.retention.minutes') * MS_PER_MINUTE);
  if (logRetentionMs < 0) logRetentionMs = -1;
  if (logRetentionMs === 0) {
    const key = lines.has('log.retention.ms')
      ? 'log.retention.ms'
      : lines.has('log.retention.minutes')
        ? 'log.retention.minutes'
        : 'log.retention.hours';
    fail(key, 'log.retention.ms must be unlimited (-1) or, equal or greater than 1');
  }

  // replication timing rules
  const replicaFetchWaitMaxMs = int('replica.fetch.wait.max.ms');
  if (replicaFetchWaitMaxMs > int('replica.socket.timeout.ms')) {
    fail(
      'replica.fetch.wait.max.ms',
      'replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts',
    );
  }
  if (replicaFetchWaitMaxMs > int('replica.lag.time.max.ms')) {
    fail(
      'replica.fetch.wait.max.ms',
      'replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR',
    );
  }
  const offsetsTopicReplicationFactor = int('offsets.topic.replication.factor');
  const requiredAcks = int('offsets.commit.required.acks');
  if (requiredAcks < -1 || requiredAcks > offsetsTopicReplicationFactor) {
    fail(
      'offsets.commit.required.acks',
      'offsets.commit.required.acks must be greater or equal -1 and less or equal to offsets.topic.replication.factor',
    );
  }
  const dedupeBuffer = int('log.cleaner.dedupe.buffer.size');
  const cleanerThreads = int('log.cleaner.threads');
  if (cleanerThreads > 0 && dedupeBuffer / cleanerThreads <= 1024 * 1024) {
    fail(
      'log.cleaner.dedupe.buffer.size',
      'log.cleaner.dedupe.buffer.size must be at least 1MB per cleaner thread',
    );
  }

  const rack = str('broker.rack');
  return {
    file,
    brokerId,
    brokerIdGenerationEnable,
    reservedBrokerMaxId,
    brokerRack: rack === null || rack === '' ? undefined : rack,
    listeners,
    advertisedListeners,
    listenerSecurityProtocolMap: protocolMap,
    interBrokerListenerName,
    logDirs,
    zookeeperConnect,
    zookeeperSessionTimeoutMs,
    zookeeperConnectionTimeoutMs: connectionTimeout ?? zookeeperSessionTimeoutMs,
    zookeeperMaxInFlightRequests: int('zookeeper.max.in.flight.requests'),
    zookeeperSetAcl: bool('zookeeper.set.acl'),
    numPartitions: int('num.partitions'),
    defaultReplicationFactor: int('default.replication.factor'),
    autoCreateTopicsEnable: bool('auto.create.topics.enable'),
    deleteTopicEnable: bool('delete.topic.enable'),
    minInsyncReplicas: int('min.insync.replicas'),
    uncleanLeaderElectionEnable: bool('unclean.leader.election.enable'),
    messageMaxBytes: int('message.max.bytes'),
    logSegmentBytes: int('log.segment.bytes'),
    logRollMs,
    logRollJitterMs,
    logRetentionMs,
    logRetentionBytes: int('log.retention.bytes'),
    logRetentionCheckIntervalMs: int('log.retention.check.interval.ms'),
    logSegmentDeleteDelayMs: int('log.segment.delete.delay.ms'),
    logIndexIntervalBytes: int('log.index.interval.bytes'),
    logIndexSizeMaxBytes: int('log.index.size.max.bytes'),
    logFlushIntervalMessages: int('log.flush.interval.messages'),
    logFlushIntervalMs:
      (values.get('log.flush.interval.ms') as number | null) ?? int('log.flush.scheduler.interval.ms'),
    logFlushOffsetCheckpointIntervalMs: int('log.flush.offset.checkpoint.interval.ms'),
    logFlushStartOffsetCheckpointIntervalMs: int('log.flush.start.offset.checkpoint.interval.ms'),
    logCleanupPolicy: raw('log.cleanup.policy') as readonly string[],
    logMessageTimestampType: str('log.message.timestamp.type') as 'CreateTime' | 'LogAppendTime',
    replicaLagTimeMaxMs: int('replica.lag.time.max.ms'),
    replicaFetchMaxBytes: int('replica.fetch.max.bytes'),
    replicaFetchMinBytes: int('replica.fetch.min.bytes'),
    replicaFetchWaitMaxMs,
    replicaFetchResponseMaxBytes: int('replica.fetch.response.max.bytes'),
    replicaFetchBackoffMs: int('replica.fetch.backoff.ms'),
    numReplicaFetchers: int('num.replica.fetchers'),
    replicaSocketTimeoutMs: int('replica.socket.timeout.ms'),
    replicaHighWatermarkCheckpointIntervalMs: int('replica.high.watermark.checkpoint.interval.ms'),
    controllerSocketTimeoutMs: int('controller.socket.timeout.ms'),
    autoLeaderRebalanceEnable: bool('auto.leader.rebalance.enable'),
    leaderImbalancePerBrokerPercentage: int('leader.imbalance.per.broker.percentage'),
    leaderImbalanceCheckIntervalSeconds: int('leader.imbalance.check.interval.seconds'),
    controlledShutdownEnable: bool('controlled.shutdown.enable'),
    controlledShutdownMaxRetries: int('controlled.shutdown.max.retries'),
    controlledShutdownRetryBackoffMs: int('controlled.shutdown.retry.backoff.ms'),
    groupInitialRebalanceDelayMs: int('group.initial.rebalance.delay.ms'),
    groupMinSessionTimeoutMs: int('group.min.session.timeout.ms'),
    groupMaxSessionTimeoutMs: int('group.max.session.timeout.ms'),
    offsetsTopicNumPartitions: int('offsets.topic.num.partitions'),
    offsetsTopicReplicationFactor,
    offsetsTopicSegmentBytes: int('offsets.topic.segment.bytes'),
    offsetsRetentionMinutes: int('offsets.retention.minutes'),
    offsetsRetentionCheckIntervalMs: int('offsets.retention.check.interval.ms'),
    offsetsCommitTimeoutMs: int('offsets.commit.timeout.ms'),
    offsetMetadataMaxBytes: int('offset.metadata.max.bytes'),
    socketRequestMaxBytes: int('socket.request.max.bytes'),
    values,
    ignoredKeys,
  };
}

/** The Kafka 2.4 defaults as a BrokerConfig, for tests and tools (needs only zookeeper.connect). */
export function defaultBrokerConfig(zookeeperConnect = 'localhost:2181'): BrokerConfig {
  return parseBrokerConfig(`zookeeper.connect=${zookeeperConnect}\n`).config;
}

export { LONG_MAX, longToNumber };
