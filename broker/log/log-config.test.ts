import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../client/common/errors.ts';
import {
  DEFAULT_LOG_CONFIG,
  deletesOldSegments,
  logConfigFromBrokerProperties,
  logConfigWithTopicOverrides,
} from './log-config.ts';

describe('LogConfig', () => {
  it('defaults are Kafka 2.x’s (kafka-zk-era.md §7)', () => {
    expect(logConfigFromBrokerProperties({})).toEqual(DEFAULT_LOG_CONFIG);
    expect(DEFAULT_LOG_CONFIG).toMatchObject({
      segmentBytes: 1_073_741_824,
      segmentMs: 604_800_000,
      segmentIndexBytes: 10_485_760,
      indexIntervalBytes: 4096,
      retentionMs: 604_800_000,
      retentionBytes: -1,
      maxMessageBytes: 1_000_012,
      flushMessages: Infinity,
      flushMs: Infinity,
    });
  });

  it('log.retention.ms beats .minutes beats .hours; log.roll.ms beats log.roll.hours', () => {
    expect(logConfigFromBrokerProperties({ 'log.retention.hours': '1' }).retentionMs).toBe(3_600_000);
    expect(
      logConfigFromBrokerProperties({ 'log.retention.hours': '1', 'log.retention.minutes': '2' }).retentionMs,
    ).toBe(120_000);
    expect(
      logConfigFromBrokerProperties({
        'log.retention.hours': '1',
        'log.retention.minutes': '2',
        'log.retention.ms': '5',
      }).retentionMs,
    ).toBe(5);
    expect(logConfigFromBrokerProperties({ 'log.retention.ms': '-5' }).retentionMs).toBe(-1);
    expect(logConfigFromBrokerProperties({ 'log.roll.hours': '2' }).segmentMs).toBe(7_200_000);
    expect(
      logConfigFromBrokerProperties(
        new Map([
          ['log.roll.ms', '1000'],
          ['log.roll.hours', '2'],
        ]),
      ).segmentMs,
    ).toBe(1000);
    expect(
      logConfigFromBrokerProperties({ 'log.flush.interval.messages': '9223372036854775807' }).flushMessages,
    ).toBe(Infinity);
  });

  it('topic overrides use the topic keys', () => {
    const config = logConfigWithTopicOverrides(DEFAULT_LOG_CONFIG, {
      'segment.bytes': '1048576',
      'retention.ms': '-1',
      'cleanup.policy': 'delete,compact',
      'message.timestamp.type': 'LogAppendTime',
    });
    expect(config).toMatchObject({
      segmentBytes: 1_048_576,
      retentionMs: -1,
      cleanupPolicy: 'compact,delete',
      messageTimestampType: 'LogAppendTime',
    });
    expect(deletesOldSegments(config)).toBe(true);
    expect(deletesOldSegments({ ...config, cleanupPolicy: 'compact' })).toBe(false);
  });

  it('rejects bad values with the key and value in the message', () => {
    expect(() => logConfigFromBrokerProperties({ 'log.segment.bytes': 'big' })).toThrow(ConfigError);
    expect(() => logConfigFromBrokerProperties({ 'log.segment.bytes': '10' }, 'server.properties')).toThrow(
      /server.properties: segment.bytes="10": must be ≥ 14/,
    );
    expect(() => logConfigWithTopicOverrides(DEFAULT_LOG_CONFIG, { 'cleanup.policy': 'archive' })).toThrow(
      /cleanup.policy/,
    );
  });
});
