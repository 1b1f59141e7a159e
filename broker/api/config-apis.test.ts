// DescribeConfigs answers: topic configs from the ZooKeeper overrides over the broker's settings, broker
// configs for this broker only, keys narrowed, synonyms on request, errors per resource.
import { describe, expect, it } from 'vitest';

import { parseBrokerConfig } from '../config/broker-config.ts';
import { ErrorCode } from '../../client/protocol/index.ts';
import { ConfigApis, ConfigSource, RESOURCE_TYPE_BROKER, RESOURCE_TYPE_TOPIC } from './config-apis.ts';

const config = parseBrokerConfig(
  [
    'zookeeper.connect=localhost:2181',
    'broker.id=7',
    'log.retention.hours=24',
    'min.insync.replicas=2',
    'ssl.key.password=secret',
  ].join('\n'),
).config;

function apis(overrides: Record<string, Record<string, string>> = {}): ConfigApis {
  return new ConfigApis({
    brokerId: 7,
    config,
    topicExists: (topic) => topic === 'orders' || topic in overrides,
    topicConfig: async (topic) => new Map(Object.entries(overrides[topic] ?? {})),
  });
}

const topic = (name: string, configurationKeys: string[] | null = null) => ({
  resourceType: RESOURCE_TYPE_TOPIC,
  resourceName: name,
  configurationKeys,
});

describe('ConfigApis.describeConfigs', () => {
  it('a topic: overrides from ZooKeeper win, other keys fall back to the broker settings or defaults', async () => {
    const { results } = await apis({
      orders: { 'retention.ms': '1000', 'cleanup.policy': 'compact' },
    }).describeConfigs({
      resources: [topic('orders')],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    expect(results[0].errorCode).toBe(ErrorCode.NONE);
    const byName = new Map(results[0].configs.map((c) => [c.name, c]));
    expect(byName.get('retention.ms')).toMatchObject({
      value: '1000',
      configSource: ConfigSource.DYNAMIC_TOPIC_CONFIG,
      isDefault: false,
      readOnly: false,
    });
    expect(byName.get('cleanup.policy')?.value).toBe('compact');
    // server.properties sets min.insync.replicas: a static broker config.
    expect(byName.get('min.insync.replicas')).toMatchObject({
      value: '2',
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    });
    // Untouched: Kafka's default, Long.MAX_VALUE printed for "never".
    expect(byName.get('segment.bytes')).toMatchObject({
      value: '1073741824',
      configSource: ConfigSource.DEFAULT_CONFIG,
      isDefault: true,
    });
    expect(byName.get('flush.messages')?.value).toBe('9223372036854775807');
    expect(byName.get('max.message.bytes')?.value).toBe('1000012');
    expect(results[0].configs.every((c) => c.synonyms.length === 0)).toBe(true);
  });

  it('retention.ms without an override: the broker value computed from log.retention.hours', async () => {
    const { results } = await apis().describeConfigs({
      resources: [topic('orders', ['retention.ms', 'segment.ms', 'no.such.key'])],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(results[0].configs.map((c) => [c.name, c.value])).toEqual([
      ['retention.ms', String(24 * 3_600_000)],
      ['segment.ms', String(168 * 3_600_000)],
    ]);
    // server.properties set log.retention.hours: a static broker config, shown under its own name.
    expect(results[0].configs[0]).toMatchObject({ configSource: ConfigSource.STATIC_BROKER_CONFIG });
    expect(results[0].configs[0].synonyms).toEqual([
      { name: 'log.retention.hours', value: '24', source: ConfigSource.STATIC_BROKER_CONFIG },
    ]);
    expect(results[0].configs[1].synonyms).toEqual([
      { name: 'log.roll.ms', value: String(168 * 3_600_000), source: ConfigSource.DEFAULT_CONFIG },
    ]);
  });

  it('synonyms list the topic override first, then the broker setting', async () => {
    const { results } = await apis({ orders: { 'min.insync.replicas': '3' } }).describeConfigs({
      resources: [topic('orders', ['min.insync.replicas'])],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    expect(results[0].configs[0].synonyms).toEqual([
      { name: 'min.insync.replicas', value: '3', source: ConfigSource.DYNAMIC_TOPIC_CONFIG },
      { name: 'min.insync.replicas', value: '2', source: ConfigSource.STATIC_BROKER_CONFIG },
    ]);
  });

  it('this broker’s configs: read-only, passwords withheld; another broker id or an unknown topic is an error', async () => {
    const { results } = await apis().describeConfigs({
      resources: [
        { resourceType: RESOURCE_TYPE_BROKER, resourceName: '7', configurationKeys: null },
        { resourceType: RESOURCE_TYPE_BROKER, resourceName: '8', configurationKeys: null },
        topic('missing'),
        { resourceType: 1, resourceName: 'x', configurationKeys: null },
        { resourceType: RESOURCE_TYPE_BROKER, resourceName: '', configurationKeys: null },
      ],
      includeSynonyms: false,
      includeDocumentation: false,
    });
    const [mine, other, missing, unknownType, defaults] = results;
    expect(mine.errorCode).toBe(ErrorCode.NONE);
    const byName = new Map(mine.configs.map((c) => [c.name, c]));
    expect(byName.get('broker.id')).toMatchObject({
      value: '7',
      readOnly: true,
      configSource: ConfigSource.STATIC_BROKER_CONFIG,
    });
    expect(byName.get('log.retention.hours')?.value).toBe('24');
    expect(byName.get('num.partitions')).toMatchObject({
      value: '1',
      configSource: ConfigSource.DEFAULT_CONFIG,
    });
    expect(byName.get('ssl.key.password')).toMatchObject({ value: null, isSensitive: true });
    expect(other.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(missing.errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(missing.configs).toEqual([]);
    expect(unknownType.errorCode).toBe(ErrorCode.INVALID_REQUEST);
    expect(defaults).toMatchObject({ errorCode: ErrorCode.NONE, configs: [] });
  });
});
