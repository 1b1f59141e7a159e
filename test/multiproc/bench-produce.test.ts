// `kzlab bench produce` end to end: a ZooKeeper, one broker, short windows, both clients. The numbers are
// not judged here (benchmarks are not timed tests); what must hold is that every phase ran, nothing failed
// and every record produced in the end-to-end phase reached the consumer.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Admin } from '../../client/index.ts';
import { produceBenchCli, runProduceBench, parseProduceBenchArgs } from '../../deploy/bench/produce-bench.ts';
import { startBroker, type BrokerProcess } from '../conformance/kafka/broker-harness.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';

const SHORT = ['--seconds', '1', '--warmup-seconds', '0.2', '--e2e-rate', '500', '--e2e-seconds', '1'];

describe('kzlab bench produce against one broker', () => {
  let zk: ZooKeeperServer;
  let broker: BrokerProcess;
  let outDir: string;

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({ id: 1, zookeeperConnect: `${zk.connectString}/bench` });
    outDir = mkdtempSync(join(tmpdir(), 'kzlab-bench-produce-'));
  });

  afterAll(async () => {
    await broker?.destroy();
    await zk?.stop();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it.each(['kafkajs', 'kzlab'] as const)(
    '%s: every phase runs and the consumer sees every record',
    async (client) => {
      const options = parseProduceBenchArgs([
        '--bootstrap',
        broker.bootstrap,
        '--client',
        client,
        '--topic',
        `bench-${client}`,
        '--partitions',
        '2',
        '--broker-pids',
        String(broker.pid),
        ...SHORT,
      ]);
      const result = await runProduceBench(options, { log: () => undefined });
      expect(result.throughput.errors).toBe(0);
      expect(result.throughput.records).toBeGreaterThan(0);
      expect(result.throughput.records % options.batch).toBe(0);
      expect(result.throughput.sendLatencyMs.count * options.batch).toBe(result.throughput.records);
      expect(result.throughput.brokerCores).not.toBeNull();
      expect(result.ceiling?.recordsPerSec).toBeGreaterThan(0);
      expect(result.nullBroker?.records).toBeGreaterThan(0);
      expect(result.ofNullBroker).toBeGreaterThan(0);
      expect(result.endToEnd?.produced).toBeGreaterThan(0);
      expect(result.endToEnd?.consumed).toBe(result.endToEnd?.produced);
      expect(result.endToEnd?.endToEndLatencyMs.count).toBe(result.endToEnd?.produced);

      // The broker really stored what was acknowledged: its log end offsets cover every record sent.
      const admin = new Admin({ brokers: [broker.bootstrap] });
      try {
        const offsets = await admin.listOffsets(`bench-${client}`);
        const stored = offsets.reduce((sum, entry) => sum + Number(entry.latest - entry.earliest), 0);
        expect(stored).toBeGreaterThanOrEqual(result.throughput.records + (result.endToEnd?.produced ?? 0));
      } finally {
        await admin.close();
      }
    },
  );

  it('the command prints the table and writes the JSON', async () => {
    const out: string[] = [];
    const json = join(outDir, 'r.json');
    const code = await produceBenchCli(
      ['--bootstrap', broker.bootstrap, '--no-ceiling', '--json', json, ...SHORT],
      {
        stdout: (text) => out.push(text),
        stderr: () => undefined,
        cwd: outDir,
      },
    );
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/throughput\s+[\d,]+ records\/s/);
    expect(out.join('\n')).toMatch(/end-to-end\s+p50 [\d.]+ ms/);
    const written = JSON.parse(readFileSync(json, 'utf8')) as {
      kind: string;
      throughput: { records: number };
    };
    expect(written.kind).toBe('produce');
    expect(written.throughput.records).toBeGreaterThan(0);
  });
});
