// `kzlab console-producer`: one record per line of standard input, like Apache Kafka's
// `kafka-console-producer.sh`, through our Producer (client/producer/producer.ts).

import process from 'node:process';
import { createInterface, type Interface } from 'node:readline';

import type { Acks, ProducerOptions } from '../../../client/index.ts';
import type { CompressionType } from '../../../client/protocol/records/codecs.ts';
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

const READER_PROPERTIES = {
  'parse.key': 'true: split each line into key and value at key.separator (default false)',
  'key.separator': 'between key and value (default a tab; \\t, \\n escapes allowed)',
  'null.marker': 'a key or value equal to this is sent as null (default: none)',
  'ignore.error': 'true: a line without key.separator becomes a value-only record (default false)',
};

const PRODUCER_PROPERTIES = {
  acks: '0, 1, all or -1 (default all)',
  'linger.ms': 'how long a batch waits for more records (default 0)',
  'batch.size': 'bytes per partition batch (default 16384)',
  'compression.type': 'none, gzip, snappy, lz4 or zstd (default none)',
  'client.id': 'client id (default kzlab-console-producer)',
  'request.timeout.ms': 'per request (default 30000)',
  'delivery.timeout.ms': 'per record, retries included (default 120000)',
  'max.block.ms': 'how long a send may wait for metadata or buffer space (default 60000)',
  retries: 'retries of a failed batch',
  'retry.backoff.ms': 'pause before a retry (default 100)',
  partitioner: 'sticky or round-robin, for records without a key (default sticky)',
};

const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export const consoleProducerCommand = defineCommand({
  name: 'console-producer',
  summary: 'Send each line of standard input as a record (kafka-console-producer.sh).',
  description: `
Reads standard input line by line; every line is one record (UTF-8), sent to --topic as it is read.
At end of input (Ctrl-D, or the end of a pipe) it waits until every record is acknowledged, then exits:
0 if all were, 1 (with the broker's error) if any failed.
Reader properties (--property): parse.key=true splits each line at key.separator (default a tab) into
key and value, e.g. --property parse.key=true --property key.separator=: sends "k:v" with key "k";
a line without the separator stops the producer (exit 1) unless ignore.error=true; null.marker=X sends
X as null.
${wrapWords(`Producer properties (--producer-property): ${Object.keys(PRODUCER_PROPERTIES).join(', ')}.`)}`,
  flags: {
    'bootstrap-server': BOOTSTRAP_SERVER_FLAG,
    topic: { type: 'string', valueName: 'NAME', description: 'the topic to send to (required)' },
    property: propertyFlag(`a reader property: ${Object.keys(READER_PROPERTIES).join(', ')} (repeatable)`),
    'producer-property': propertyFlag('a producer property, e.g. acks=all (repeatable)'),
  },
  async run({ flags }, io) {
    const brokers = bootstrapServers(flags['bootstrap-server']);
    const topic = requireFlag(flags.topic, 'topic');
    const reader = parseProperties(flags.property, 'property', READER_PROPERTIES);
    const parseKey = booleanProperty(reader, 'parse.key', false);
    const ignoreError = booleanProperty(reader, 'ignore.error', false);
    const separator = unescapeSeparator(reader.get('key.separator') ?? '\t');
    if (separator === '') throw new UsageError('property key.separator must not be empty');
    const nullMarker = reader.get('null.marker');
    const options = producerOptions(
      brokers,
      parseProperties(flags['producer-property'], 'producer-property', PRODUCER_PROPERTIES),
    );

    const { Producer } = await import('../../../client/index.ts');
    const producer = new Producer<string | null, string | null>(options);
    const pending = new Set<Promise<unknown>>();
    let firstError: string | null = null;
    let failures = 0;
    let stopReason: string | null = null;
    let lines: Interface | null = null;
    try {
      await producer.connect();
      // Created only now: readline emits lines as soon as it exists, and would drop what came meanwhile.
      const input = io.stdin ?? process.stdin;
      // On a terminal, Kafka's tool prompts with ">" for each record.
      const interactive = input.isTTY === true && process.stdout.isTTY === true;
      lines = createInterface({
        input,
        crlfDelay: Infinity,
        terminal: interactive,
        ...(interactive ? { output: process.stdout, prompt: '>' } : {}),
      });
      if (interactive) lines.prompt();
      let lineNumber = 0;
      let first = true;
      for await (const line of lines) {
        lineNumber++;
        if (interactive) lines.prompt();
        let key: string | null = null;
        let value: string | null = line;
        if (parseKey) {
          const at = line.indexOf(separator);
          if (at >= 0) {
            key = line.slice(0, at);
            value = line.slice(at + separator.length);
          } else if (!ignoreError) {
            stopReason = `No key separator found on line number ${lineNumber}: '${line}'`;
            break;
          }
        }
        if (nullMarker !== undefined) {
          if (key === nullMarker) key = null;
          if (value === nullMarker) value = null;
        }
        const sent = producer.send({ topic, messages: [{ key, value }] }).catch((error: unknown) => {
          failures++;
          if (firstError === null) {
            const bytes = value === null ? 0 : Buffer.byteLength(value);
            firstError =
              `Error when sending message to topic ${topic} with key: ${key === null ? 'null' : `${Buffer.byteLength(key)} bytes`}, ` +
              `value: ${bytes} bytes with error: ${error instanceof Error ? error.message : String(error)}`;
          }
        });
        if (first) {
          // The first record loads the topic's metadata; later ones then keep their order.
          first = false;
          await sent;
          continue;
        }
        pending.add(sent);
        void sent.then(() => pending.delete(sent));
      }
      await producer.flush();
      await Promise.all(pending);
    } finally {
      lines?.close();
      await producer.close();
    }
    if (stopReason !== null) io.stderr(stopReason);
    if (firstError !== null) {
      io.stderr(firstError);
      if (failures > 1) io.stderr(`(${failures} records failed in all)`);
    }
    return stopReason !== null || firstError !== null ? 1 : 0;
  },
});

function producerOptions(
  brokers: string[],
  properties: ReadonlyMap<string, string>,
): ProducerOptions<string | null, string | null> {
  const options: ProducerOptions<string | null, string | null> = {
    brokers,
    clientId: properties.get('client.id') ?? 'kzlab-console-producer',
  };
  const acks = properties.get('acks');
  if (acks !== undefined) {
    const parsed: Acks | undefined =
      acks === 'all' || acks === '-1' ? 'all' : acks === '0' ? 0 : acks === '1' ? 1 : undefined;
    if (parsed === undefined)
      throw new UsageError(`property acks must be 0, 1, all or -1, got ${JSON.stringify(acks)}`);
    options.acks = parsed;
  }
  const compression = choiceProperty(properties, 'compression.type', COMPRESSION_TYPES);
  if (compression !== undefined) options.compression = compression;
  const partitioner = choiceProperty(properties, 'partitioner', ['sticky', 'round-robin']);
  if (partitioner !== undefined) options.partitioner = partitioner;
  assignIntegerProperties(options, properties, [
    ['linger.ms', 'lingerMs', 0],
    ['batch.size', 'batchSize', 1],
    ['request.timeout.ms', 'requestTimeoutMs', 1],
    ['delivery.timeout.ms', 'deliveryTimeoutMs', 1],
    ['max.block.ms', 'maxBlockMs', 0],
    ['retries', 'retries', 0],
    ['retry.backoff.ms', 'retryBackoffMs', 0],
  ]);
  return options;
}
