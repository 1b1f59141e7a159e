import { describe, expect, it } from 'vitest';

import { parseProduceBenchArgs, produceJsonPath, produceVerdict } from './produce-bench.ts';

describe('kzlab bench produce: flags', () => {
  it('has the documented defaults', () => {
    const options = parseProduceBenchArgs(['--bootstrap', '127.0.0.1:9092,127.0.0.1:9093']);
    expect(options).toMatchObject({
      bootstrap: ['127.0.0.1:9092', '127.0.0.1:9093'],
      client: 'kafkajs',
      recordSize: 100,
      acks: 1,
      partitions: 1,
      replicationFactor: 1,
      batch: 100,
      inFlight: 4,
      batchSize: 16384,
      ceiling: true,
      brokerPids: [],
      json: null,
    });
  });

  it('reads acks=all, the kzlab client, 1 KiB records and broker pids', () => {
    const options = parseProduceBenchArgs([
      '--bootstrap=localhost:9092',
      '--acks',
      'all',
      '--client',
      'kzlab',
      '--record-size',
      '1024',
      '--broker-pids',
      '12,34',
      '--no-ceiling',
      '--batch-size',
      '262144',
    ]);
    expect(options).toMatchObject({
      batchSize: 262144,
      acks: -1,
      client: 'kzlab',
      recordSize: 1024,
      brokerPids: [12, 34],
      ceiling: false,
    });
  });

  it.each([
    [[], /--bootstrap HOST:PORT is required/],
    [['--bootstrap', 'nohost'], /HOST:PORT entries/],
    [['--bootstrap', 'h:99999'], /HOST:PORT entries/],
    [['--bootstrap', 'h:1', '--acks', '2'], /--acks expects 1 or all/],
    [['--bootstrap', 'h:1', '--client', 'rdkafka'], /--client expects kafkajs or kzlab/],
    [['--bootstrap', 'h:1', '--topic', 'bad topic'], /not a legal Kafka topic name/],
    [['--bootstrap', 'h:1', '--record-size', '4'], /record-size/],
    [['--bootstrap', 'h:1', '--broker-pids', 'x'], /--broker-pids expects process ids/],
    [['--bootstrap', 'h:1', 'extra'], /unexpected argument/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseProduceBenchArgs(argv)).toThrow(message);
  });

  it('puts the JSON under bench-results/ unless --json names a file', () => {
    expect(produceJsonPath({ json: null }, '2026-11-21T11:00:00.123Z', '/w')).toBe(
      '/w/bench-results/produce-2026-11-21T11-00-00Z.json',
    );
    expect(produceJsonPath({ json: 'out/r.json' }, '2026-11-21T11:00:00.123Z', '/w')).toBe('/w/out/r.json');
  });

  it('calls the target met at ≥ 90 % of the null broker, missed below', () => {
    expect(produceVerdict({ ofNullBroker: 0.93 })).toMatch(/met/);
    expect(produceVerdict({ ofNullBroker: 0.5 })).toMatch(/MISSED/);
    expect(produceVerdict({ ofNullBroker: null })).toBe('');
  });
});
