// DescribeConfigs (API key 32), as Kafka 2.4's AdminManager.describeConfigs answers it:
//   * a topic (resource type 2): every topic-level key (LogConfig) with its value — the override stored
//     in ZooKeeper at /config/topics/<topic> (source DYNAMIC_TOPIC_CONFIG), else the broker setting it
//     falls back to (STATIC_BROKER_CONFIG when server.properties gives it a value other than Kafka's
//     default, else DEFAULT_CONFIG; log.retention.hours counts for retention.ms, and so on);
//   * a broker (resource type 4) named by this broker's id: every broker setting with its effective
//     value; passwords are sensitive and their values withheld. The empty name (cluster-wide dynamic
//     defaults) answers no entries: kzlab has no dynamic broker configs.
// `configurationKeys` narrows the answer; `includeSynonyms` (v1+) lists where a value could come from, in
// the order they are looked at.
import type { BrokerConfig } from '../config/broker-config.ts';
import { BROKER_CONFIG_DEFS } from '../config/broker-config.ts';
import { LONG_MAX, type ConfigType, type ConfigValue } from '../config/config-def.ts';
import { ErrorCode, type RequestBody } from '../../client/protocol/index.ts';

export const RESOURCE_TYPE_TOPIC = 2;
export const RESOURCE_TYPE_BROKER = 4;

/** DescribeConfigsResponse's configSource values. */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
} as const;

/** DescribeConfigsResponse's configType values (v3+). */
const CONFIG_TYPE: Record<ConfigType, number> = {
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
};

/**
 * Topic-level keys and the broker setting each falls back to (Kafka's LogConfig.TopicConfigSynonyms).
 * Keys without a broker synonym default to the empty string.
 */
const TOPIC_CONFIG_SYNONYMS: readonly (readonly [
  topicKey: string,
  brokerKey: string | null,
  type: ConfigType,
])[] = [
  ['cleanup.policy', 'log.cleanup.policy', 'LIST'],
  ['compression.type', 'compression.type', 'STRING'],
  ['delete.retention.ms', 'log.cleaner.delete.retention.ms', 'LONG'],
  ['file.delete.delay.ms', 'log.segment.delete.delay.ms', 'LONG'],
  ['flush.messages', 'log.flush.interval.messages', 'LONG'],
  ['flush.ms', 'log.flush.interval.ms', 'LONG'],
  ['follower.replication.throttled.replicas', null, 'LIST'],
  ['index.interval.bytes', 'log.index.interval.bytes', 'INT'],
  ['leader.replication.throttled.replicas', null, 'LIST'],
  ['max.compaction.lag.ms', 'log.cleaner.max.compaction.lag.ms', 'LONG'],
  ['max.message.bytes', 'message.max.bytes', 'INT'],
  ['message.downconversion.enable', 'log.message.downconversion.enable', 'BOOLEAN'],
  ['message.format.version', 'log.message.format.version', 'STRING'],
  ['message.timestamp.difference.max.ms', 'log.message.timestamp.difference.max.ms', 'LONG'],
  ['message.timestamp.type', 'log.message.timestamp.type', 'STRING'],
  ['min.cleanable.dirty.ratio', 'log.cleaner.min.cleanable.ratio', 'DOUBLE'],
  ['min.compaction.lag.ms', 'log.cleaner.min.compaction.lag.ms', 'LONG'],
  ['min.insync.replicas', 'min.insync.replicas', 'INT'],
  ['preallocate', 'log.preallocate', 'BOOLEAN'],
  ['retention.bytes', 'log.retention.bytes', 'LONG'],
  ['retention.ms', 'log.retention.ms', 'LONG'],
  ['segment.bytes', 'log.segment.bytes', 'INT'],
  ['segment.index.bytes', 'log.index.size.max.bytes', 'INT'],
  ['segment.jitter.ms', 'log.roll.jitter.ms', 'LONG'],
  ['segment.ms', 'log.roll.ms', 'LONG'],
  ['unclean.leader.election.enable', 'unclean.leader.election.enable', 'BOOLEAN'],
];

/** Broker settings that stand in for a topic key's broker synonym in other units (Kafka 2.4's lists). */
const BROKER_SYNONYM_ALTERNATES: Partial<Record<string, readonly string[]>> = {
  'log.retention.ms': ['log.retention.minutes', 'log.retention.hours'],
  'log.roll.ms': ['log.roll.hours'],
  'log.roll.jitter.ms': ['log.roll.jitter.hours'],
  'log.flush.interval.ms': ['log.flush.scheduler.interval.ms'],
};

const DEFS_BY_KEY = new Map(BROKER_CONFIG_DEFS.map((def) => [def.key, def]));

export interface ConfigApisOptions {
  brokerId: number;
  config: BrokerConfig;
  /** Whether the topic exists (the metadata cache). */
  topicExists(topic: string): boolean;
  /** The topic's overrides as stored in ZooKeeper (/config/topics/<topic>). */
  topicConfig(topic: string): Promise<ReadonlyMap<string, string>>;
}

type DescribeConfigsRequest = RequestBody<32>;

interface ConfigEntry {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: { name: string; value: string | null; source: number }[];
  configType: number;
  documentation: string | null;
}

interface ResourceResult {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
  configs: ConfigEntry[];
}

/** A parsed value as Kafka prints it: lists comma-joined, Long.MAX_VALUE for "never". */
function formatValue(value: ConfigValue): string | null {
  if (value === null) return null;
  if (Array.isArray(value)) return value.join(',');
  if (value === Number.POSITIVE_INFINITY) return String(LONG_MAX);
  return String(value);
}

function entry(
  name: string,
  value: string | null,
  source: number,
  type: ConfigType,
  options: { readOnly: boolean; synonyms: ConfigEntry['synonyms'] },
): ConfigEntry {
  const isSensitive = type === 'PASSWORD';
  return {
    name,
    value: isSensitive ? null : value,
    readOnly: options.readOnly,
    isDefault: source === ConfigSource.DEFAULT_CONFIG,
    configSource: source,
    isSensitive,
    synonyms: options.synonyms.map((s) => ({ ...s, value: isSensitive ? null : s.value })),
    configType: CONFIG_TYPE[type],
    documentation: null,
  };
}

export class ConfigApis {
  private readonly options: ConfigApisOptions;

  constructor(options: ConfigApisOptions) {
    this.options = options;
  }

  async describeConfigs(
    body: DescribeConfigsRequest,
  ): Promise<{ throttleTimeMs: number; results: ResourceResult[] }> {
    const includeSynonyms = body.includeSynonyms ?? false;
    const results = await Promise.all(
      body.resources.map(async (resource): Promise<ResourceResult> => {
        const base = {
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
        };
        const fail = (errorCode: number, errorMessage: string): ResourceResult => ({
          ...base,
          errorCode,
          errorMessage,
          configs: [],
        });
        let configs: ConfigEntry[];
        if (resource.resourceType === RESOURCE_TYPE_TOPIC) {
          if (!this.options.topicExists(resource.resourceName))
            return fail(
              ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
              `Topic ${resource.resourceName} does not exist.`,
            );
          let overrides: ReadonlyMap<string, string>;
          try {
            overrides = await this.options.topicConfig(resource.resourceName);
          } catch (error) {
            return fail(
              ErrorCode.UNKNOWN_SERVER_ERROR,
              error instanceof Error ? error.message : String(error),
            );
          }
          configs = this.topicConfigs(overrides);
        } else if (resource.resourceType === RESOURCE_TYPE_BROKER) {
          if (resource.resourceName === '') configs = [];
          else if (resource.resourceName !== String(this.options.brokerId))
            return fail(
              ErrorCode.INVALID_REQUEST,
              `Unexpected broker id, expected ${this.options.brokerId} but received ${resource.resourceName}`,
            );
          else configs = this.brokerConfigs();
        } else {
          return fail(ErrorCode.INVALID_REQUEST, `Unsupported resource type ${resource.resourceType}`);
        }
        const keys = resource.configurationKeys;
        if (keys !== null && keys !== undefined) configs = configs.filter((c) => keys.includes(c.name));
        if (!includeSynonyms) configs = configs.map((c) => ({ ...c, synonyms: [] }));
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      }),
    );
    return { throttleTimeMs: 0, results };
  }

  /** The broker setting's effective value, and whether server.properties changed it from the default. */
  private brokerValue(key: string): { value: string | null; explicit: boolean } | undefined {
    const config = this.options.config;
    const def = DEFS_BY_KEY.get(key);
    if (def === undefined || !config.values.has(key)) return undefined;
    const raw = config.values.get(key) ?? null;
    const explicit = JSON.stringify(raw) !== JSON.stringify(def.defaultValue ?? null);
    // Settings whose default is computed from others (log.retention.hours, log.roll.hours, …).
    const computed: Partial<Record<string, number>> = {
      'log.retention.ms': config.logRetentionMs,
      'log.roll.ms': config.logRollMs,
      'log.roll.jitter.ms': config.logRollJitterMs,
      'log.flush.interval.ms': config.logFlushIntervalMs,
    };
    const value = raw === null && computed[key] !== undefined ? computed[key] : raw;
    return { value: formatValue(value), explicit };
  }

  private topicConfigs(overrides: ReadonlyMap<string, string>): ConfigEntry[] {
    return TOPIC_CONFIG_SYNONYMS.map(([name, brokerKey, type]) => {
      const synonyms: ConfigEntry['synonyms'] = [];
      const override = overrides.get(name);
      if (override !== undefined)
        synonyms.push({ name, value: override, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      const effective = brokerKey === null ? undefined : this.brokerValue(brokerKey);
      if (effective !== undefined && brokerKey !== null) {
        // The first broker setting given in server.properties wins (log.retention.ms, then .minutes,
        // then .hours); the value is always the topic key's unit (ms).
        const given = [brokerKey, ...(BROKER_SYNONYM_ALTERNATES[brokerKey] ?? [])].find(
          (key) => this.brokerValue(key)?.explicit === true,
        );
        synonyms.push(
          given === undefined
            ? { name: brokerKey, value: effective.value, source: ConfigSource.DEFAULT_CONFIG }
            : {
                name: given,
                value: this.brokerValue(given)!.value,
                source: ConfigSource.STATIC_BROKER_CONFIG,
              },
        );
      }
      const [chosen] = synonyms;
      return entry(
        name,
        override ?? effective?.value ?? '',
        chosen?.source ?? ConfigSource.DEFAULT_CONFIG,
        type,
        { readOnly: false, synonyms },
      );
    });
  }

  private brokerConfigs(): ConfigEntry[] {
    return BROKER_CONFIG_DEFS.flatMap((def) => {
      const broker = this.brokerValue(def.key);
      if (broker === undefined) return [];
      const source = broker.explicit ? ConfigSource.STATIC_BROKER_CONFIG : ConfigSource.DEFAULT_CONFIG;
      const synonyms = [{ name: def.key, value: broker.value, source }];
      return [entry(def.key, broker.value, source, def.type, { readOnly: true, synonyms })];
    });
  }
}
