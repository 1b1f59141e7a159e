// `kzlab console-consumer`: print a topic's records, like Apache Kafka's `kafka-console-consumer.sh`,
// through our Consumer (client/consumer/consumer.ts). Formatting follows Kafka's DefaultMessageFormatter:
//   [CreateTime:<ts><sep>][Partition:<p><sep>][Offset:<o><sep>][<headers><sep>][<key><sep>]<value>

import process from 'node:process';

import type { Consumer, ConsumerOptions, ConsumerRecord } from '../../../client/index.ts';
import { KafkaClientError } from '../../../client/network/errors.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../flags.ts';
import {
  assignIntegerProperties,
  BOOTSTRAP_SERVER_FLAG,
  booleanProperty,
  choiceProperty,
  bootstrapServers,
  parseProperties,
  propertyFlag,
  requireFlag,
  unescapeSeparator,
  wrapWords,
} from '../kafka-tools.ts';

const FORMATTER_PROPERTIES = {
  'print.timestamp': 'CreateTime:<ms> first (default false)',
  'print.partition': 'Partition:<p> (default false)',
  'print.offset': 'Offset:<o> (default false)',
  'print.headers': 'k:v,k2:v2 or NO_HEADERS (default false)',
  'print.key': 'the key, or null (default false)',
  'print.value': 'the value, or null (default true)',
  'key.separator': 'between the fields (default a tab; \\t, \\n escapes allowed)',
  'headers.separator': 'between headers (default ,)',
  'null.literal': 'printed for a null key or value (default null)',
};

const CONSUMER_PROPERTIES = {
  'client.id': 'client id (default kzlab-console-consumer)',
  'auto.offset.reset': 'earliest or latest, when there is no committed offset (default latest)',
  'enable.auto.commit': 'with --group: commit positions (default true)',
  'auto.commit.interval.ms': 'default 5000',
  'session.timeout.ms': 'group session timeout (default 10000)',
  'heartbeat.interval.ms': 'default 3000',
  'fetch.max.wait.ms': 'default 500',
  'max.poll.records': 'default 500',
  'request.timeout.ms': 'default 30000',
  'partition.assignment.strategy': 'range, roundrobin, sticky or cooperative-sticky (default range)',
};

/** How kafka-console-consumer prints one record. */
export interface RecordFormat {
  printTimestamp: boolean;
  printPartition: boolean;
  printOffset: boolean;
  printHeaders: boolean;
  printKey: boolean;
  printValue: boolean;
  keySeparator: string;
  headersSeparator: string;
  nullLiteral: string;
}

export const DEFAULT_RECORD_FORMAT: RecordFormat = {
  printTimestamp: false,
  printPartition: false,
  printOffset: false,
  printHeaders: false,
  printKey: false,
  printValue: true,
  keySeparator: '\t',
  headersSeparator: ',',
  nullLiteral: 'null',
};

const utf8 = new TextDecoder();

/** One record as Kafka's DefaultMessageFormatter writes it (without the newline). */
export function formatRecord(record: ConsumerRecord, format: RecordFormat): string {
  const text = (bytes: Uint8Array | null) => (bytes === null ? format.nullLiteral : utf8.decode(bytes));
  const fields: string[] = [];
  if (format.printTimestamp)
    fields.push(record.timestamp >= 0n ? `CreateTime:${record.timestamp}` : 'NO_TIMESTAMP');
  if (format.printPartition) fields.push(`Partition:${record.partition}`);
  if (format.printOffset) fields.push(`Offset:${record.offset}`);
  if (format.printHeaders) {
    fields.push(
      record.headers.length === 0
        ? 'NO_HEADERS'
        : record.headers.map((header) => `${header.key}:${text(header.value)}`).join(format.headersSeparator),
    );
  }
  if (format.printKey) fields.push(text(record.key));
  if (format.printValue) fields.push(text(record.value));
  return fields.join(format.keySeparator);
}

export function recordFormat(properties: ReadonlyMap<string, string>): RecordFormat {
  return {
    printTimestamp: booleanProperty(properties, 'print.timestamp', false),
    printPartition: booleanProperty(properties, 'print.partition', false),
    printOffset: booleanProperty(properties, 'print.offset', false),
    printHeaders: booleanProperty(properties, 'print.headers', false),
    printKey: booleanProperty(properties, 'print.key', false),
    printValue: booleanProperty(properties, 'print.value', true),
    keySeparator: unescapeSeparator(properties.get('key.separator') ?? '\t'),
    headersSeparator: unescapeSeparator(properties.get('headers.separator') ?? ','),
    nullLiteral: properties.get('null.literal') ?? 'null',
  };
}

export const consoleConsumerCommand = defineCommand({
  name: 'console-consumer',
  summary: "Print a topic's records (kafka-console-consumer.sh).",
  description: `
Prints the value of each record of --topic on its own line, as records arrive, until Ctrl-C,
--max-messages records, or --timeout-ms without a record; then "Processed a total of N messages" on
stderr. Where it starts:
  (default)                  new records only: every partition from its end
  --from-beginning           every partition from its log start
  --partition P [--offset O] one partition, from O (a number, earliest or latest; default latest)
  --group G                  as a member of consumer group G (subscribe; committed offsets first,
                             then --from-beginning or the end); needs the broker's group APIs
Without --group the partitions are assigned directly (no group, nothing committed).
Formatting (--property), as Kafka's DefaultMessageFormatter: print.timestamp, print.partition,
print.offset, print.headers, print.key (default false), print.value (default true), key.separator
(default a tab), headers.separator, null.literal; e.g. --property print.key=true
--property print.offset=true prints "Offset:3<TAB>key<TAB>value".
${wrapWords(`Consumer properties (--consumer-property): ${Object.keys(CONSUMER_PROPERTIES).join(', ')}.`)}`,
  flags: {
    'bootstrap-server': BOOTSTRAP_SERVER_FLAG,
    topic: { type: 'string', valueName: 'NAME', description: 'the topic to read (required)' },
    'from-beginning': { type: 'boolean', description: 'start at the log start, not the end' },
    group: { type: 'string', valueName: 'GROUP', description: 'consume as a member of this consumer group' },
    partition: {
      type: 'number',
      integer: true,
      min: 0,
      valueName: 'P',
      description: 'read only this partition',
    },
    offset: {
      type: 'string',
      valueName: 'O|earliest|latest',
      description: 'with --partition: where to start (default latest)',
    },
    'max-messages': { type: 'number', integer: true, min: 1, description: 'exit after this many records' },
    'timeout-ms': {
      type: 'number',
      integer: true,
      min: 0,
      valueName: 'MS',
      description: 'exit after MS without a record',
    },
    property: propertyFlag('a formatter property, e.g. print.key=true (repeatable)'),
    'consumer-property': propertyFlag('a consumer property, e.g. fetch.max.wait.ms=100 (repeatable)'),
  },
  async run({ flags }, io) {
    const brokers = bootstrapServers(flags['bootstrap-server']);
    const topic = requireFlag(flags.topic, 'topic');
    const format = recordFormat(parseProperties(flags.property, 'property', FORMATTER_PROPERTIES));
    const offset = parseOffset(flags.offset);
    if (offset !== undefined && flags.partition === undefined)
      throw new UsageError('--offset needs --partition');
    if (offset !== undefined && flags['from-beginning']) {
      throw new UsageError('--from-beginning and --offset cannot be used together');
    }
    const properties = parseProperties(flags['consumer-property'], 'consumer-property', CONSUMER_PROPERTIES);
    const options = consumerOptions(brokers, flags.group ?? null, flags['from-beginning'], properties);
    const maxMessages = flags['max-messages'];
    if (maxMessages !== undefined)
      options.maxPollRecords = Math.min(options.maxPollRecords ?? 500, maxMessages);

    const { Consumer } = await import('../../../client/index.ts');
    const consumer = new Consumer(options);
    let stopped = false;
    let wake: (() => void) | null = null;
    const stop = () => {
      stopped = true;
      wake?.();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    // A closed pipe (`… | head -3`) ends the run at the next record instead of crashing on EPIPE.
    process.stdout.on('error', stop);
    let count = 0;
    let inFlight: Promise<ConsumerRecord[]> | null = null;
    try {
      await consumer.connect();
      if (flags.partition !== undefined) {
        const tp = { topic, partition: flags.partition };
        await requirePartitions(consumer, topic, flags.partition + 1);
        consumer.assign([tp]);
        if (typeof offset === 'bigint') consumer.seek(tp, offset);
        else if (offset === 'earliest' || (offset === undefined && flags['from-beginning']))
          consumer.seekToBeginning([tp]);
        else consumer.seekToEnd([tp]);
      } else if (flags.group !== undefined) {
        consumer.subscribe({ topics: [topic] });
      } else {
        const partitions = await requirePartitions(consumer, topic, 1);
        consumer.assign(Array.from({ length: partitions }, (_, partition) => ({ topic, partition })));
      }

      const timeoutMs = flags['timeout-ms'];
      let lastRecordAt = Date.now();
      while (!stopped) {
        let waitMs = 1000;
        if (timeoutMs !== undefined) {
          const left = lastRecordAt + timeoutMs - Date.now();
          if (left <= 0) break;
          waitMs = Math.min(waitMs, left);
        }
        // poll() may wait longer than asked (joining a group): a timer and Ctrl-C end the wait too, and
        // the poll still running is picked up by the next round (one poll at a time).
        const polling = (inFlight ??= consumer.poll(waitMs));
        const records = await new Promise<ConsumerRecord[] | null>((resolve, reject) => {
          const timer = setTimeout(() => resolve(null), waitMs + 50);
          wake = () => resolve(null);
          polling.then(resolve, reject).finally(() => clearTimeout(timer));
        });
        wake = null;
        if (records === null) continue;
        inFlight = null;
        if (records.length > 0) lastRecordAt = Date.now();
        for (let index = 0; index < records.length; index++) {
          io.stdout(formatRecord(records[index]!, format));
          count++;
          if (maxMessages !== undefined && count >= maxMessages) {
            rewindUnprinted(consumer, records.slice(index + 1));
            stopped = true;
            break;
          }
        }
      }
    } finally {
      process.removeListener('SIGINT', stop);
      process.removeListener('SIGTERM', stop);
      process.stdout.removeListener('error', stop);
      await consumer.close();
      io.stderr(`Processed a total of ${count} messages`);
    }
    return 0;
  },
});

function parseOffset(text: string | undefined): bigint | 'earliest' | 'latest' | undefined {
  if (text === undefined) return undefined;
  if (text === 'earliest' || text === 'latest') return text;
  if (/^\d+$/.test(text.trim())) return BigInt(text.trim());
  throw new UsageError(`--offset expects a number, earliest or latest, got ${JSON.stringify(text)}`);
}

/** The topic's partition count; exits 1 (via the dispatcher) if the topic lacks `atLeast` partitions. */
async function requirePartitions(consumer: Consumer, topic: string, atLeast: number): Promise<number> {
  await consumer.cluster.fetchMetadata([topic]);
  const count = consumer.cluster.metadata.partitionCount(topic) ?? 0;
  if (count === 0) throw new KafkaClientError('KZ_ERR_METADATA', `topic '${topic}' does not exist`);
  if (count < atLeast) {
    throw new KafkaClientError(
      'KZ_ERR_METADATA',
      `topic '${topic}' has ${count} partition${count === 1 ? '' : 's'}: no partition ${atLeast - 1}`,
    );
  }
  return count;
}

/** After --max-messages: move positions back to the first record not printed, so a group commits only what was printed. */
function rewindUnprinted(consumer: Consumer, unprinted: readonly ConsumerRecord[]): void {
  const first = new Map<string, ConsumerRecord>();
  for (const record of unprinted) {
    const key = `${record.topic}\u0000${record.partition}`;
    if (!first.has(key)) first.set(key, record);
  }
  for (const record of first.values()) {
    try {
      consumer.seek({ topic: record.topic, partition: record.partition }, record.offset);
    } catch {
      // No longer assigned (rebalanced away): nothing to rewind.
    }
  }
}

function consumerOptions(
  brokers: string[],
  groupId: string | null,
  fromBeginning: boolean,
  properties: ReadonlyMap<string, string>,
): ConsumerOptions {
  const reset =
    choiceProperty(properties, 'auto.offset.reset', ['earliest', 'latest']) ??
    (fromBeginning ? 'earliest' : 'latest');
  const options: ConsumerOptions = {
    brokers,
    groupId,
    clientId: properties.get('client.id') ?? 'kzlab-console-consumer',
    autoOffsetReset: reset,
    autoCommit: booleanProperty(properties, 'enable.auto.commit', true),
  };
  const strategy = choiceProperty(properties, 'partition.assignment.strategy', [
    'range',
    'roundrobin',
    'sticky',
    'cooperative-sticky',
  ]);
  if (strategy !== undefined) options.assignors = [strategy];
  assignIntegerProperties(options, properties, [
    ['auto.commit.interval.ms', 'autoCommitIntervalMs', 1],
    ['session.timeout.ms', 'sessionTimeoutMs', 1],
    ['heartbeat.interval.ms', 'heartbeatIntervalMs', 1],
    ['fetch.max.wait.ms', 'fetchMaxWaitMs', 0],
    ['max.poll.records', 'maxPollRecords', 1],
    ['request.timeout.ms', 'requestTimeoutMs', 1],
  ]);
  return options;
}
