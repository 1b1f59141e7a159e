// The group side of the Kafka tools as real processes against one kzlab broker: console-consumer --group
// (joins, prints, commits) and consumer-groups (--list, --describe offsets/lag, --members, --state).
//
// These need the broker's group APIs (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups), wired on another branch: until that lands, this file fails.
// The same commands are tested in process against the client's fake cluster in
// deploy/cli/commands/consumer-groups.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBroker, type BrokerProcess } from '../conformance/kafka/broker-harness.ts';
import { runCli, startCli } from '../support/kzlab-cli.ts';
import { waitFor } from '../support/process.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

describe('console-consumer --group and consumer-groups against a broker process', () => {
  let zk: ZooKeeperServer | undefined;
  let broker: BrokerProcess | undefined;
  let bootstrap = '';

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({
      id: 1,
      zookeeperConnect: `${zk.connectString}/cli-groups`,
      // A new group's first rebalance would wait 3 s for more members to arrive.
      properties: { 'group.initial.rebalance.delay.ms': 0 },
    });
    bootstrap = broker.bootstrap;
    const created = await runCli([
      'topics',
      '--bootstrap-server',
      bootstrap,
      '--create',
      '--topic',
      'events',
      '--partitions',
      '2',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const produced = await runCli(
      [
        'console-producer',
        '--bootstrap-server',
        bootstrap,
        '--topic',
        'events',
        '--property',
        'parse.key=true',
      ],
      { input: ['a\t1', 'b\t2', 'c\t3', 'd\t4', 'e\t5', 'f\t6'].join('\n') },
    );
    expect(produced.code, produced.stderr).toBe(0);
  });

  afterAll(async () => {
    await broker?.destroy();
    await zk?.stop();
  });

  /** `kzlab console-consumer` on 'events' as a member of `group`. */
  const consumerArgv = (group: string, ...args: string[]) => [
    'console-consumer',
    '--bootstrap-server',
    bootstrap,
    '--topic',
    'events',
    '--group',
    group,
    ...args,
  ];
  const groups = (...args: string[]) =>
    runCli(['consumer-groups', '--bootstrap-server', bootstrap, ...args], { deadlineMs: 30_000 });

  it('console-consumer --group reads from the beginning, commits what it printed; consumer-groups shows the lag', async () => {
    const first = await runCli(
      consumerArgv('readers', '--from-beginning', '--max-messages', '4', '--property', 'print.key=true'),
      { deadlineMs: 40_000 },
    );
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout.trimEnd().split('\n')).toHaveLength(4);
    expect(first.stderr).toContain('Processed a total of 4 messages');

    const list = await groups('--list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.split('\n')).toContain('readers');

    const described = await groups('--describe', '--group', 'readers');
    expect(described.code, described.stderr).toBe(0);
    const lines = described.stdout.trimEnd().split('\n');
    expect(lines.slice(0, 3)).toEqual(['', "Consumer group 'readers' has no active members.", '']);
    expect(lines[3]!.split(/ +/)).toEqual(
      'GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID'.split(' '),
    );
    const rows = lines.slice(4).map((line) => line.split(/ +/));
    expect(rows.map((row) => [row[0], row[1], row[2], row[6], row[7], row[8]])).toEqual([
      ['readers', 'events', '0', '-', '-', '-'],
      ['readers', 'events', '1', '-', '-', '-'],
    ]);
    const committed = rows.reduce((sum, row) => sum + Number(row[3]), 0);
    const logEnd = rows.reduce((sum, row) => sum + Number(row[4]), 0);
    const lag = rows.reduce((sum, row) => sum + Number(row[5]), 0);
    expect([committed, logEnd, lag]).toEqual([4, 6, 2]);

    // The next run of the group prints the other two records.
    const second = await runCli(
      consumerArgv('readers', '--max-messages', '2', '--property', 'print.key=true'),
      { deadlineMs: 40_000 },
    );
    expect(second.code, second.stderr).toBe(0);
    expect([...first.stdout.trimEnd().split('\n'), ...second.stdout.trimEnd().split('\n')].sort()).toEqual([
      'a\t1',
      'b\t2',
      'c\t3',
      'd\t4',
      'e\t5',
      'f\t6',
    ]);

    // Back to the start: a dry run changes nothing, --execute commits offset 0 everywhere.
    const dry = await groups('--reset-offsets', '--group', 'readers', '--topic', 'events', '--to-earliest');
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/^readers +events +0 +0$/m);
    const reset = await groups(
      '--reset-offsets',
      '--group',
      'readers',
      '--all-topics',
      '--to-earliest',
      '--execute',
    );
    expect(reset.code, reset.stderr).toBe(0);
    const after = await groups('--describe', '--group', 'readers');
    const afterRows = after.stdout
      .trimEnd()
      .split('\n')
      .slice(4)
      .map((line) => line.split(/ +/));
    expect(afterRows.map((row) => [row[3], row[5]])).toEqual(afterRows.map((row) => ['0', row[4]]));
  });

  it('consumer-groups --members and --state while a console-consumer is in the group', async () => {
    const live = startCli(consumerArgv('watchers', '--from-beginning'));
    try {
      await live.waitForOutput(/(.*\n){6}/, 40_000);
      const members = await waitFor(
        async () => {
          const result = await groups('--describe', '--group', 'watchers', '--members');
          return result.code === 0 && /kzlab-console-consumer +2\s*$/m.test(result.stdout) ? result : null;
        },
        {
          deadlineMs: 30_000,
          what: 'the console consumer as the member holding both partitions',
          intervalMs: 500,
        },
      );
      const [header, row] = members.stdout
        .trimStart()
        .split('\n')
        .map((line) => line.split(/ +/));
      expect(header).toEqual(['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS']);
      expect(row![0]).toBe('watchers');
      expect(row![2]).toMatch(/127\.0\.0\.1/);

      const state = await groups('--describe', '--group', 'watchers', '--state');
      expect(state.code, state.stderr).toBe(0);
      const [, stateRow] = state.stdout.trimStart().split('\n');
      expect(stateRow!.split(/  +/)).toEqual(['watchers', `${bootstrap} (1)`, 'range', 'Stable', '1']);
    } finally {
      live.child.kill('SIGINT');
      const result = await live.finish(15_000);
      expect(result.killed).toBe(false);
      expect(result.stderr).toContain('Processed a total of 6 messages');
    }
  });
});
