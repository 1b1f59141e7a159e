import { describe, expect, it } from 'vitest';

import { ConfigError } from '../client/common/errors.ts';
import { logConfigFromBrokerConfig } from './kafka-server.ts';
import { parseKafkaServerProperties } from './main.ts';

describe('parseKafkaServerProperties', () => {
  it('reads kzlab.* keys without reporting them as unknown', () => {
    const { config, warnings, kzlab } = parseKafkaServerProperties(
      'broker.id=3\nzookeeper.connect=localhost:2181/kafka\nkzlab.admin.port=18083\nkzlab.admin.host=0.0.0.0\nkzlab.colour=blue\n',
      'server.properties',
    );
    expect(config.brokerId).toBe(3);
    expect(kzlab).toEqual({ adminPort: 18083, adminHost: '0.0.0.0' });
    expect(warnings.map((w) => w.key)).toEqual(['kzlab.colour']);
  });

  it('defaults to no admin server', () => {
    expect(parseKafkaServerProperties('zookeeper.connect=localhost:2181\n').kzlab).toEqual({
      adminPort: 0,
      adminHost: '127.0.0.1',
    });
  });

  it('a bad kzlab.admin.port is a ConfigError naming key, value and line', () => {
    const parse = () =>
      parseKafkaServerProperties(
        'zookeeper.connect=localhost:2181\nkzlab.admin.port=70000\n',
        'server.properties',
      );
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/kzlab\.admin\.port/);
    expect(parse).toThrow(/server\.properties:2/);
  });

  it('a bad Kafka value is a ConfigError too', () => {
    expect(() =>
      parseKafkaServerProperties('zookeeper.connect=localhost:2181\nnum.partitions=many\n'),
    ).toThrow(/num\.partitions/);
  });
});

describe('logConfigFromBrokerConfig', () => {
  it('maps the broker log.* settings onto the per-log defaults', () => {
    const { config } = parseKafkaServerProperties(
      'zookeeper.connect=localhost:2181\nlog.segment.bytes=1048576\nlog.retention.hours=1\nmessage.max.bytes=5000\nlog.cleanup.policy=delete\n',
    );
    expect(logConfigFromBrokerConfig(config)).toMatchObject({
      segmentBytes: 1_048_576,
      retentionMs: 3_600_000,
      maxMessageBytes: 5000,
      cleanupPolicy: 'delete',
      indexIntervalBytes: 4096,
      retentionBytes: -1,
    });
  });
});
