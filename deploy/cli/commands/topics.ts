// `kzlab topics`: create, list, describe, alter (add partitions) and delete topics, like Apache Kafka's
// `kafka-topics.sh --bootstrap-server …`, through our Admin client (client/admin/admin.ts).

import type { Admin, AdminResult, TopicDescription } from '../../../client/index.ts';
import { ZERO_UUID } from '../../../client/protocol/binary.ts';
import { defineCommand, type CliIo } from '../command.ts';
import { UsageError } from '../flags.ts';
import {
  BOOTSTRAP_SERVER_FLAG,
  bootstrapServers,
  exactlyOneAction,
  propertyFlag,
  rejectWith,
  requireFlag,
} from '../kafka-tools.ts';

const ACTIONS = ['create', 'list', 'describe', 'alter', 'delete'] as const;

/** Kafka's tool prefixes every failure with this. */
const ERROR_PREFIX = 'Error while executing topic command : ';

export const topicsCommand = defineCommand({
  name: 'topics',
  summary: 'Create, list, describe, alter and delete topics (kafka-topics.sh).',
  description: `
One action per run:
  --create --topic T [--partitions N] [--replication-factor R] [--config K=V …] [--if-not-exists]
  --list
  --describe [--topic T]                 every topic without --topic
  --alter --topic T --partitions N       adds partitions (the count can only grow)
  --delete --topic T [--if-exists]
Output is modelled on kafka-topics.sh, e.g. --describe:
  Topic: T	PartitionCount: 3	ReplicationFactor: 1	Configs: retention.ms=60000
  	Topic: T	Partition: 0	Leader: 1	Replicas: 1	Isr: 1
Configs lists the topic's non-default configs when the brokers answer DescribeConfigs (kzlab's broker
does not yet: then it is empty).
Without --partitions/--replication-factor, --create uses the broker's num.partitions and
default.replication.factor. A topic that exists (create), does not exist (describe, alter, delete) or a
partition count that does not grow prints "Error while executing topic command : …" and exits 1.`,
  flags: {
    'bootstrap-server': BOOTSTRAP_SERVER_FLAG,
    create: { type: 'boolean', description: 'create --topic' },
    list: { type: 'boolean', description: 'list the topics' },
    describe: { type: 'boolean', description: 'partitions, leaders, replicas, ISR (of --topic, or all)' },
    alter: { type: 'boolean', description: 'raise the partition count of --topic to --partitions' },
    delete: { type: 'boolean', description: 'delete --topic' },
    topic: { type: 'string', valueName: 'NAME', description: 'the topic' },
    partitions: { type: 'number', integer: true, min: 1, description: 'partition count (create, alter)' },
    'replication-factor': {
      type: 'number',
      integer: true,
      min: 1,
      valueName: 'R',
      description: 'replicas per partition (create)',
    },
    config: propertyFlag('a topic config for --create, e.g. retention.ms=60000 (repeatable)'),
    'if-not-exists': { type: 'boolean', description: '--create: no error if the topic exists' },
    'if-exists': {
      type: 'boolean',
      description: '--alter, --delete, --describe: no error if it does not exist',
    },
    'exclude-internal': { type: 'boolean', description: '--list, --describe: leave out internal topics' },
  },
  async run({ flags }, io) {
    const action = exactlyOneAction(flags, ACTIONS);
    const brokers = bootstrapServers(flags['bootstrap-server']);
    const configs = parseTopicConfigs(flags.config);
    const topic =
      action === 'list' || action === 'describe'
        ? flags.topic
        : requireFlag(flags.topic, 'topic', `with --${action}`);
    const count =
      action === 'alter'
        ? requireFlag(flags.partitions, 'partitions', 'with --alter (kzlab topics can only add partitions)')
        : undefined;
    if (action !== 'create') {
      rejectWith(action, {
        'replication-factor': flags['replication-factor'] !== undefined,
        config: flags.config.length > 0,
        'if-not-exists': flags['if-not-exists'],
      });
    }
    if (action !== 'create' && action !== 'alter')
      rejectWith(action, { partitions: flags.partitions !== undefined });
    if (action === 'create' || action === 'list') rejectWith(action, { 'if-exists': flags['if-exists'] });
    if (action === 'list') rejectWith(action, { topic: flags.topic !== undefined });

    // The client is loaded when a command runs (kzlab --help and the lab commands do not need it).
    const { Admin } = await import('../../../client/index.ts');
    const admin = new Admin({ brokers, clientId: 'kzlab-topics', retries: 3 });
    try {
      await admin.connect();
      switch (action) {
        case 'create': {
          const [result] = await admin.createTopics({
            topics: [
              {
                name: topic!,
                ...(flags.partitions === undefined ? {} : { numPartitions: flags.partitions }),
                ...(flags['replication-factor'] === undefined
                  ? {}
                  : { replicationFactor: flags['replication-factor'] }),
                configs,
              },
            ],
          });
          if (result?.error === 'TOPIC_ALREADY_EXISTS' && flags['if-not-exists']) return 0;
          if (failed(result, io, topic!)) return 1;
          io.stdout(`Created topic ${topic}.`);
          return 0;
        }
        case 'list': {
          for (const name of await admin.listTopics({ includeInternal: !flags['exclude-internal'] }))
            io.stdout(name);
          return 0;
        }
        case 'describe': {
          const wanted = topic === undefined ? undefined : [topic];
          const topics = (await admin.describeTopics(wanted)).filter(
            (topic) => !(flags['exclude-internal'] && topic.isInternal),
          );
          const missing = topics.filter((topic) => topic.errorCode !== 0);
          if (wanted !== undefined && missing.length > 0 && !flags['if-exists']) {
            io.stderr(
              `${ERROR_PREFIX}Topic '${topic}' does not exist as expected [UNKNOWN_TOPIC_OR_PARTITION]`,
            );
            return 1;
          }
          const present = topics.filter((topic) => topic.errorCode === 0);
          const configs = await topicConfigs(
            admin,
            present.map((topic) => topic.name),
          );
          for (const topic of present)
            io.stdout(formatTopicDescription(topic, configs.get(topic.name) ?? []));
          return 0;
        }
        case 'alter': {
          const [result] = await admin.createPartitions({ topics: [{ name: topic!, count: count! }] });
          if (result?.error === 'UNKNOWN_TOPIC_OR_PARTITION' && flags['if-exists']) return 0;
          if (failed(result, io, topic!)) return 1;
          io.stdout(
            'WARNING: If partitions are increased for a topic that has a key, the partition logic or ordering of the messages will be affected',
          );
          io.stdout('Adding partitions succeeded!');
          return 0;
        }
        case 'delete': {
          const [result] = await admin.deleteTopics({ topics: [topic!] });
          if (result?.error === 'UNKNOWN_TOPIC_OR_PARTITION' && flags['if-exists']) return 0;
          if (failed(result, io, topic!)) return 1;
          return 0;
        }
      }
    } finally {
      await admin.close();
    }
  },
});

function parseTopicConfigs(items: readonly string[]): Record<string, string> {
  const configs: Record<string, string> = {};
  for (const item of items) {
    const equals = item.indexOf('=');
    if (equals <= 0) throw new UsageError(`--config expects KEY=VALUE, got ${JSON.stringify(item)}`);
    configs[item.slice(0, equals).trim()] = item.slice(equals + 1);
  }
  return configs;
}

/** Prints Kafka's message for a failed admin result; true if it failed. */
function failed(result: AdminResult | undefined, io: CliIo, topic: string): boolean {
  if (result === undefined) {
    io.stderr(`${ERROR_PREFIX}the broker's answer did not mention topic '${topic}'`);
    return true;
  }
  if (result.error === null) return false;
  let message: string;
  switch (result.error) {
    case 'TOPIC_ALREADY_EXISTS':
      message = `Topic '${topic}' already exists.`;
      break;
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      message = `Topic '${topic}' does not exist as expected`;
      break;
    default:
      message = result.errorMessage ?? result.error;
  }
  const detail =
    result.errorMessage !== null && result.errorMessage !== message ? ` (${result.errorMessage})` : '';
  io.stderr(`${ERROR_PREFIX}${message}${detail} [${result.error}]`);
  return true;
}

/** Non-default configs per topic (DescribeConfigs); empty if the brokers do not answer DescribeConfigs. */
async function topicConfigs(admin: Admin, topics: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  if (topics.length === 0) return out;
  try {
    const described = await admin.describeConfigs({
      resources: topics.map((name) => ({ type: 'topic' as const, name })),
    });
    for (const resource of described) {
      if (resource.errorCode !== 0) continue;
      out.set(
        resource.name,
        resource.configs
          .filter((entry) => !entry.isDefault && entry.value !== null && !entry.isSensitive)
          .map((entry) => `${entry.name}=${entry.value}`)
          .sort(),
      );
    }
  } catch {
    // A broker without DescribeConfigs: the topics are still described, with no configs.
  }
  return out;
}

/** kafka-topics.sh --describe: one topic line, then one indented line per partition. */
export function formatTopicDescription(topic: TopicDescription, configs: readonly string[]): string {
  const replicationFactor = topic.partitions[0]?.replicas.length ?? 0;
  const head = [
    `Topic: ${topic.name}`,
    ...(topic.topicId === '' || topic.topicId === ZERO_UUID ? [] : [`TopicId: ${topic.topicId}`]),
    `PartitionCount: ${topic.partitions.length}`,
    `ReplicationFactor: ${replicationFactor}`,
    `Configs: ${configs.join(',')}`,
  ].join('\t');
  const lines = topic.partitions.map((partition) =>
    [
      '',
      `Topic: ${topic.name}`,
      `Partition: ${partition.partition}`,
      `Leader: ${partition.leader < 0 ? 'none' : partition.leader}`,
      `Replicas: ${partition.replicas.join(',')}`,
      `Isr: ${partition.isr.join(',')}`,
      ...(partition.offlineReplicas.length > 0 ? [`Offline: ${partition.offlineReplicas.join(',')}`] : []),
    ].join('\t'),
  );
  return [head, ...lines].join('\n');
}
