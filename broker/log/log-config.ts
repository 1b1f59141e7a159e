// Per-log configuration: Kafka's topic-level keys (LogConfig) with the broker-level `log.*` defaults they
// fall back to (kafka-zk-era.md §7). Field names are the topic keys camelCased (`segment.bytes` →
// segmentBytes); "∞" (Long.MAX_VALUE) is Number.POSITIVE_INFINITY.

import { ConfigError } from '../../client/common/errors.ts';

export type CleanupPolicy = 'delete' | 'compact' | 'compact,delete';
export type MessageTimestampType = 'CreateTime' | 'LogAppendTime';

export interface LogConfig {
  /** segment.bytes / log.segment.bytes: roll when the active segment would exceed this. */
  segmentBytes: number;
  /** segment.ms / log.roll.ms (log.roll.hours): roll when the segment's first batch is this old. */
  segmentMs: number;
  /** segment.jitter.ms / log.roll.jitter.ms: random 0 … jitter subtracted from segmentMs per segment. */
  segmentJitterMs: number;
  /** segment.index.bytes / log.index.size.max.bytes: preallocated size of .index and .timeindex. */
  segmentIndexBytes: number;
  /** index.interval.bytes / log.index.interval.bytes: bytes between offset-index entries. */
  indexIntervalBytes: number;
  /** retention.ms / log.retention.ms|minutes|hours: delete segments older than this; -1 = forever. */
  retentionMs: number;
  /** retention.bytes / log.retention.bytes: per-partition size cap; -1 = none. */
  retentionBytes: number;
  /** max.message.bytes / message.max.bytes: the largest batch a client may append. */
  maxMessageBytes: number;
  /** flush.messages / log.flush.interval.messages: fsync after this many unflushed records (∞ = never). */
  flushMessages: number;
  /** flush.ms / log.flush.interval.ms: fsync when the last flush is this old (∞ = never). */
  flushMs: number;
  /** message.timestamp.type / log.message.timestamp.type. */
  messageTimestampType: MessageTimestampType;
  /** cleanup.policy / log.cleanup.policy. Only `delete` is implemented; compaction is not. */
  cleanupPolicy: CleanupPolicy;
  /** file.delete.delay.ms / log.segment.delete.delay.ms (recorded; segments are removed at once). */
  fileDeleteDelayMs: number;
}

const HOUR_MS = 3_600_000;
const LONG_MAX = 9_223_372_036_854_775_807n;

export const DEFAULT_LOG_CONFIG: Readonly<LogConfig> = Object.freeze({
  segmentBytes: 1_073_741_824,
  segmentMs: 168 * HOUR_MS,
  segmentJitterMs: 0,
  segmentIndexBytes: 10_485_760,
  indexIntervalBytes: 4096,
  retentionMs: 168 * HOUR_MS,
  retentionBytes: -1,
  maxMessageBytes: 1_000_012,
  flushMessages: Number.POSITIVE_INFINITY,
  flushMs: Number.POSITIVE_INFINITY,
  messageTimestampType: 'CreateTime',
  cleanupPolicy: 'delete',
  fileDeleteDelayMs: 60_000,
});

/** The smallest segment Kafka accepts (LogConfig: segment.bytes ≥ LegacyRecord.RECORD_OVERHEAD_V0 = 14). */
const MIN_SEGMENT_BYTES = 14;
/** segment.index.bytes ≥ 4 in Kafka; we need room for at least one 12-byte time-index entry plus the spare one. */
const MIN_SEGMENT_INDEX_BYTES = 24;

type Properties = Readonly<Record<string, string | undefined>> | ReadonlyMap<string, string>;

function lookup(properties: Properties, key: string): string | undefined {
  return properties instanceof Map
    ? properties.get(key)
    : (properties as Record<string, string | undefined>)[key];
}

/** Reads `log.*` broker properties (server.properties) into the default LogConfig for every topic. */
export function logConfigFromBrokerProperties(properties: Properties, file?: string): LogConfig {
  const read = (key: string) => lookup(properties, key);
  const number = (key: string, fallback: number) => parseNumber(read(key), fallback, key, file);
  const retentionMs =
    read('log.retention.ms') !== undefined
      ? number('log.retention.ms', 0)
      : read('log.retention.minutes') !== undefined
        ? number('log.retention.minutes', 0) * 60_000
        : number('log.retention.hours', 168) * HOUR_MS;
  const segmentMs =
    read('log.roll.ms') !== undefined ? number('log.roll.ms', 0) : number('log.roll.hours', 168) * HOUR_MS;
  const segmentJitterMs =
    read('log.roll.jitter.ms') !== undefined
      ? number('log.roll.jitter.ms', 0)
      : number('log.roll.jitter.hours', 0) * HOUR_MS;
  const config: LogConfig = {
    segmentBytes: number('log.segment.bytes', DEFAULT_LOG_CONFIG.segmentBytes),
    segmentMs,
    segmentJitterMs,
    segmentIndexBytes: number('log.index.size.max.bytes', DEFAULT_LOG_CONFIG.segmentIndexBytes),
    indexIntervalBytes: number('log.index.interval.bytes', DEFAULT_LOG_CONFIG.indexIntervalBytes),
    retentionMs: retentionMs < 0 ? -1 : retentionMs,
    retentionBytes: number('log.retention.bytes', DEFAULT_LOG_CONFIG.retentionBytes),
    maxMessageBytes: number('message.max.bytes', DEFAULT_LOG_CONFIG.maxMessageBytes),
    flushMessages: number('log.flush.interval.messages', DEFAULT_LOG_CONFIG.flushMessages),
    flushMs: number('log.flush.interval.ms', DEFAULT_LOG_CONFIG.flushMs),
    messageTimestampType: timestampType(
      read('log.message.timestamp.type'),
      'log.message.timestamp.type',
      file,
    ),
    cleanupPolicy: cleanupPolicy(read('log.cleanup.policy'), 'log.cleanup.policy', file),
    fileDeleteDelayMs: number('log.segment.delete.delay.ms', DEFAULT_LOG_CONFIG.fileDeleteDelayMs),
  };
  return validateLogConfig(config, file);
}

/** Applies topic-level overrides (`/config/topics/<topic>` in ZooKeeper, or CreateTopics configs). */
export function logConfigWithTopicOverrides(base: LogConfig, overrides: Properties): LogConfig {
  const read = (key: string) => lookup(overrides, key);
  const number = (key: string, fallback: number) => parseNumber(read(key), fallback, key);
  const retentionMs = number('retention.ms', base.retentionMs);
  const config: LogConfig = {
    segmentBytes: number('segment.bytes', base.segmentBytes),
    segmentMs: number('segment.ms', base.segmentMs),
    segmentJitterMs: number('segment.jitter.ms', base.segmentJitterMs),
    segmentIndexBytes: number('segment.index.bytes', base.segmentIndexBytes),
    indexIntervalBytes: number('index.interval.bytes', base.indexIntervalBytes),
    retentionMs: retentionMs < 0 ? -1 : retentionMs,
    retentionBytes: number('retention.bytes', base.retentionBytes),
    maxMessageBytes: number('max.message.bytes', base.maxMessageBytes),
    flushMessages: number('flush.messages', base.flushMessages),
    flushMs: number('flush.ms', base.flushMs),
    messageTimestampType:
      read('message.timestamp.type') === undefined
        ? base.messageTimestampType
        : timestampType(read('message.timestamp.type'), 'message.timestamp.type'),
    cleanupPolicy:
      read('cleanup.policy') === undefined
        ? base.cleanupPolicy
        : cleanupPolicy(read('cleanup.policy'), 'cleanup.policy'),
    fileDeleteDelayMs: number('file.delete.delay.ms', base.fileDeleteDelayMs),
  };
  return validateLogConfig(config);
}

/** Checks ranges Kafka's LogConfig enforces (the ones that matter to this implementation). */
export function validateLogConfig(config: LogConfig, file?: string): LogConfig {
  const bad = (key: string, value: number, rule: string) =>
    new ConfigError(
      rule,
      file === undefined ? { key, value: String(value) } : { key, value: String(value), file },
    );
  if (!(config.segmentBytes >= MIN_SEGMENT_BYTES))
    throw bad('segment.bytes', config.segmentBytes, `must be ≥ ${MIN_SEGMENT_BYTES}`);
  if (!(config.segmentMs >= 1)) throw bad('segment.ms', config.segmentMs, 'must be ≥ 1');
  if (!(config.segmentJitterMs >= 0)) throw bad('segment.jitter.ms', config.segmentJitterMs, 'must be ≥ 0');
  if (!(config.segmentIndexBytes >= MIN_SEGMENT_INDEX_BYTES)) {
    throw bad('segment.index.bytes', config.segmentIndexBytes, `must be ≥ ${MIN_SEGMENT_INDEX_BYTES}`);
  }
  if (!(config.indexIntervalBytes >= 0))
    throw bad('index.interval.bytes', config.indexIntervalBytes, 'must be ≥ 0');
  if (!(config.maxMessageBytes >= 0)) throw bad('max.message.bytes', config.maxMessageBytes, 'must be ≥ 0');
  if (!(config.flushMessages >= 1)) throw bad('flush.messages', config.flushMessages, 'must be ≥ 1');
  if (!(config.flushMs >= 0)) throw bad('flush.ms', config.flushMs, 'must be ≥ 0');
  return config;
}

/** Does this policy delete old segments by time/size? */
export function deletesOldSegments(config: LogConfig): boolean {
  return config.cleanupPolicy === 'delete' || config.cleanupPolicy === 'compact,delete';
}

function parseNumber(raw: string | undefined, fallback: number, key: string, file?: string): number {
  if (raw === undefined) return fallback;
  const text = raw.trim();
  if (!/^-?\d+$/.test(text)) {
    throw new ConfigError(
      'is not an integer',
      file === undefined ? { key, value: raw } : { key, value: raw, file },
    );
  }
  // Long.MAX_VALUE (and anything beyond the exact doubles) means "never" in Kafka's configs.
  return BigInt(text) >= LONG_MAX ? Number.POSITIVE_INFINITY : Number(text);
}

function timestampType(raw: string | undefined, key: string, file?: string): MessageTimestampType {
  if (raw === undefined) return DEFAULT_LOG_CONFIG.messageTimestampType;
  if (raw === 'CreateTime' || raw === 'LogAppendTime') return raw;
  throw new ConfigError(
    'must be CreateTime or LogAppendTime',
    file === undefined ? { key, value: raw } : { key, value: raw, file },
  );
}

function cleanupPolicy(raw: string | undefined, key: string, file?: string): CleanupPolicy {
  if (raw === undefined) return DEFAULT_LOG_CONFIG.cleanupPolicy;
  const parts = raw
    .split(',')
    .map((part) => part.trim())
    .sort();
  const joined = parts.join(',');
  if (joined === 'delete' || joined === 'compact' || joined === 'compact,delete') return joined;
  throw new ConfigError(
    'must be delete, compact or compact,delete',
    file === undefined ? { key, value: raw } : { key, value: raw, file },
  );
}
