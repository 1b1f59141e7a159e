import { describe, expect, it } from 'vitest';

import type { ConsumerRecord } from '../../client/index.ts';
import { fakeIo } from './test-support/fake-io.ts';
import { DEFAULT_RECORD_FORMAT, formatRecord, recordFormat } from './commands/console-consumer.ts';
import { formatTopicDescription } from './commands/topics.ts';
import { EXIT_USAGE, main } from './main.ts';
import { bootstrapServers, parseProperties, unescapeSeparator, wrapWords } from './kafka-tools.ts';

describe('the Kafka tools: usage errors before any connection (exit 2)', () => {
  const cases: [string[], string][] = [
    [
      ['topics', '--bootstrap-server', 'h:1'],
      'one of --create, --list, --describe, --alter, --delete is required',
    ],
    [
      ['topics', '--list', '--delete', '--bootstrap-server', 'h:1'],
      'only one of --create, --list, --describe, --alter, --delete at a time (got --list, --delete)',
    ],
    [['topics', '--list'], '--bootstrap-server is required'],
    [['topics', '--create', '--bootstrap-server', 'h:1'], '--topic is required with --create'],
    [
      ['topics', '--alter', '--topic', 't', '--bootstrap-server', 'h:1'],
      '--partitions is required with --alter (kzlab topics can only add partitions)',
    ],
    [
      ['topics', '--create', '--topic', 't', '--partitions', '0', '--bootstrap-server', 'h:1'],
      '--partitions must be at least 1, got 0',
    ],
    [
      ['topics', '--describe', '--partitions', '2', '--bootstrap-server', 'h:1'],
      '--partitions cannot be used with --describe',
    ],
    [
      [
        'topics',
        '--alter',
        '--topic',
        't',
        '--partitions',
        '2',
        '--config',
        'a=b',
        '--bootstrap-server',
        'h:1',
      ],
      '--config cannot be used with --alter',
    ],
    [
      ['topics', '--create', '--topic', 't', '--config', 'novalue', '--bootstrap-server', 'h:1'],
      '--config expects KEY=VALUE, got "novalue"',
    ],
    [
      ['topics', '--list', '--bootstrap-server', 'nohostport'],
      '--bootstrap-server expects HOST:PORT, got "nohostport"',
    ],
    [['console-producer', '--bootstrap-server', 'h:1'], '--topic is required'],
    [
      ['console-producer', '--bootstrap-server', 'h:1', '--topic', 't', '--property', 'parse.kee=true'],
      '--property: unknown property "parse.kee" (known: parse.key, key.separator, null.marker, ignore.error)',
    ],
    [
      ['console-producer', '--bootstrap-server', 'h:1', '--topic', 't', '--producer-property', 'acks=2'],
      'property acks must be 0, 1, all or -1, got "2"',
    ],
    [
      [
        'console-producer',
        '--bootstrap-server',
        'h:1',
        '--topic',
        't',
        '--producer-property',
        'linger.ms=soon',
      ],
      'property linger.ms must be a whole number ≥ 0, got "soon"',
    ],
    [
      ['console-consumer', '--bootstrap-server', 'h:1', '--topic', 't', '--offset', '3'],
      '--offset needs --partition',
    ],
    [
      ['console-consumer', '--bootstrap-server', 'h:1', '--topic', 't', '--partition', '0', '--offset', 'x'],
      '--offset expects a number, earliest or latest, got "x"',
    ],
    [
      [
        'console-consumer',
        '--bootstrap-server',
        'h:1',
        '--topic',
        't',
        '--partition',
        '0',
        '--offset',
        '1',
        '--from-beginning',
      ],
      '--from-beginning and --offset cannot be used together',
    ],
    [
      ['console-consumer', '--bootstrap-server', 'h:1', '--topic', 't', '--property', 'print.key=yes'],
      'property print.key must be true or false, got "yes"',
    ],
    [
      [
        'console-consumer',
        '--bootstrap-server',
        'h:1',
        '--topic',
        't',
        '--consumer-property',
        'auto.offset.reset=none',
      ],
      'property auto.offset.reset must be earliest or latest, got "none"',
    ],
    [['console-consumer', '--bootstrap-server', 'h:1', '--topic', 't', '--frob'], 'unknown flag --frob'],
  ];
  for (const [argv, message] of cases) {
    it(argv.join(' '), async () => {
      const io = fakeIo();
      expect(await main(argv, io)).toBe(EXIT_USAGE);
      expect(io.err).toEqual([`kzlab ${argv[0]}: ${message}`, `Run 'kzlab ${argv[0]} --help' for usage.`]);
      expect(io.out).toEqual([]);
    });
  }
});

describe('helpers', () => {
  it('bootstrapServers splits and checks HOST:PORT', () => {
    expect(bootstrapServers('a:1, b:2')).toEqual(['a:1', 'b:2']);
    expect(() => bootstrapServers('a:0')).toThrow('--bootstrap-server expects HOST:PORT, got "a:0"');
  });

  it('parseProperties keeps everything after the first =, later items win', () => {
    const known = { 'key.separator': '', 'print.key': '' };
    expect([
      ...parseProperties(['key.separator==,', 'print.key=false', 'print.key=true'], 'property', known),
    ]).toEqual([
      ['key.separator', '=,'],
      ['print.key', 'true'],
    ]);
    expect(() => parseProperties(['=x'], 'property', known)).toThrow(
      '--property expects KEY=VALUE, got "=x"',
    );
  });

  it('wrapWords fills lines up to the width', () => {
    expect(wrapWords('aa bb  cc dd', 5)).toBe('aa bb\ncc dd');
    expect(wrapWords('averylongword x', 5)).toBe('averylongword\nx');
  });

  it('unescapeSeparator turns \\t, \\n and \\\\ into characters', () => {
    expect(unescapeSeparator('\\t|\\n|\\\\|x')).toBe('\t|\n|\\|x');
  });
});

describe('formatRecord, as kafka-console-consumer prints', () => {
  const record: ConsumerRecord = {
    topic: 't',
    partition: 2,
    offset: 7n,
    timestamp: 1_700_000_000_123n,
    key: new TextEncoder().encode('k'),
    value: new TextEncoder().encode('v'),
    headers: [
      { key: 'h1', value: new TextEncoder().encode('x') },
      { key: 'h2', value: null },
    ],
    leaderEpoch: 0,
  };

  it('prints only the value by default; null as null', () => {
    expect(formatRecord(record, DEFAULT_RECORD_FORMAT)).toBe('v');
    expect(formatRecord({ ...record, value: null }, DEFAULT_RECORD_FORMAT)).toBe('null');
  });

  it('prints timestamp, partition, offset, headers, key and value in Kafka order', () => {
    const format = recordFormat(
      new Map([
        ['print.timestamp', 'true'],
        ['print.partition', 'true'],
        ['print.offset', 'true'],
        ['print.headers', 'true'],
        ['print.key', 'true'],
      ]),
    );
    expect(formatRecord(record, format)).toBe(
      'CreateTime:1700000000123\tPartition:2\tOffset:7\th1:x,h2:null\tk\tv',
    );
    expect(formatRecord({ ...record, headers: [], key: null }, format)).toBe(
      'CreateTime:1700000000123\tPartition:2\tOffset:7\tNO_HEADERS\tnull\tv',
    );
  });

  it('key.separator, null.literal and print.value=false', () => {
    const format = recordFormat(
      new Map([
        ['print.key', 'true'],
        ['print.value', 'false'],
        ['key.separator', ' -> '],
        ['null.literal', '<none>'],
      ]),
    );
    expect(formatRecord({ ...record, key: null }, format)).toBe('<none>');
    expect(formatRecord(record, { ...format, printValue: true })).toBe('k -> v');
  });
});

describe('formatTopicDescription, as kafka-topics --describe prints', () => {
  it('a topic line, then one tab-indented line per partition; no TopicId while it is zero', () => {
    const text = formatTopicDescription(
      {
        name: 'orders',
        topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
        isInternal: false,
        errorCode: 0,
        error: null,
        partitions: [
          {
            partition: 0,
            leader: 2,
            leaderEpoch: 0,
            replicas: [2, 3],
            isr: [2, 3],
            offlineReplicas: [],
            errorCode: 0,
          },
          {
            partition: 1,
            leader: -1,
            leaderEpoch: 0,
            replicas: [3, 1],
            isr: [],
            offlineReplicas: [3, 1],
            errorCode: 5,
          },
        ],
      },
      ['retention.ms=60000', 'segment.bytes=1024'],
    );
    expect(text.split('\n')).toEqual([
      'Topic: orders\tPartitionCount: 2\tReplicationFactor: 2\tConfigs: retention.ms=60000,segment.bytes=1024',
      '\tTopic: orders\tPartition: 0\tLeader: 2\tReplicas: 2,3\tIsr: 2,3',
      '\tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 3,1\tIsr: \tOffline: 3,1',
    ]);
    expect(
      formatTopicDescription(
        {
          name: 'x',
          topicId: 'q5bH1Pm7T5yDn1m9d2nYhA',
          isInternal: false,
          errorCode: 0,
          error: null,
          partitions: [],
        },
        [],
      ),
    ).toBe('Topic: x\tTopicId: q5bH1Pm7T5yDn1m9d2nYhA\tPartitionCount: 0\tReplicationFactor: 0\tConfigs: ');
  });
});
