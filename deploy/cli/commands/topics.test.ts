// `kzlab topics` in process (main()) against the client's fake cluster, which answers DescribeConfigs
// (kzlab's broker does not yet): --config on --create shows up in --describe's Configs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { startFakeCluster, type FakeCluster } from '../../../client/network/test-support/fake-cluster.ts';
import type { CliIo } from '../command.ts';
import { EXIT_FAILURE, EXIT_OK, main } from '../main.ts';

let cluster: FakeCluster;

beforeEach(async () => {
  cluster = await startFakeCluster({ brokers: 2 });
});

afterEach(async () => {
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

async function topics(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const notLoaded = (): Promise<never> => Promise.reject(new Error('no module loads here'));
  const io: CliIo = {
    stdout: (text) => out.push(text),
    stderr: (text) => err.push(text),
    cwd: '/nonexistent',
    modules: { zookeeperMain: notLoaded, zkBench: notLoaded },
  };
  const code = await main(['topics', '--bootstrap-server', cluster.bootstrap.join(','), ...argv], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('kzlab topics against the fake cluster', () => {
  it('--create with --config; --describe lists the non-default configs, sorted', async () => {
    const created = await topics(
      '--create',
      '--topic',
      'audit',
      '--partitions',
      '2',
      '--replication-factor',
      '1',
      '--config',
      'retention.ms=60000',
      '--config',
      'cleanup.policy=compact,delete',
    );
    expect(created).toMatchObject({ code: EXIT_OK, out: 'Created topic audit.', err: '' });
    const described = await topics('--describe', '--topic', 'audit');
    expect(described.code).toBe(EXIT_OK);
    const [head, ...partitions] = described.out.split('\n');
    expect(head).toMatch(
      /^Topic: audit\tTopicId: [A-Za-z0-9_-]{22}\tPartitionCount: 2\tReplicationFactor: \d\tConfigs: cleanup.policy=compact,delete,retention.ms=60000$/,
    );
    expect(partitions).toHaveLength(2);
    expect(partitions[1]).toMatch(
      /^\tTopic: audit\tPartition: 1\tLeader: \d\tReplicas: [\d,]*\tIsr: [\d,]*$/,
    );
  });

  it("the broker's error message is shown when it is not one of Kafka's standard wordings", async () => {
    const result = await topics('--create', '--topic', 'wide', '--replication-factor', '3');
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.err).toBe(
      'Error while executing topic command : Replication factor: 3 larger than available brokers: 2. [INVALID_REPLICATION_FACTOR]',
    );
  });
});
