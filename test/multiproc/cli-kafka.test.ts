// The Kafka command-line tools as real processes (`node deploy/cli.ts …`) against one kzlab broker on our
// ZooKeeper: `kzlab topics` (create, list, describe, alter, delete and their errors), a console-producer
// → console-consumer round trip with keys and print.* properties, and the usage errors (exit 2) and
// --help of every tool. The group side (consumer-groups, console-consumer --group) is in cli-groups.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startBroker, type BrokerProcess } from '../conformance/kafka/broker-harness.ts';
import { runCli, startCli } from '../support/kzlab-cli.ts';
import { startZooKeeper, type ZooKeeperServer } from '../support/zookeeper-servers.ts';

describe('kzlab topics, console-producer and console-consumer against a broker process', () => {
  let zk: ZooKeeperServer | undefined;
  let broker: BrokerProcess | undefined;
  let bootstrap = '';

  beforeAll(async () => {
    zk = await startZooKeeper({ impl: 'kzlab' });
    broker = await startBroker({ id: 1, zookeeperConnect: `${zk.connectString}/cli-kafka` });
    bootstrap = broker.bootstrap;
  });

  afterAll(async () => {
    await broker?.destroy();
    await zk?.stop();
  });

  const topics = (...args: string[]) => runCli(['topics', '--bootstrap-server', bootstrap, ...args]);

  it('topics: create, list, describe, alter (add partitions), delete', async () => {
    const created = await topics(
      '--create',
      '--topic',
      'orders',
      '--partitions',
      '3',
      '--replication-factor',
      '1',
    );
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toBe('Created topic orders.\n');
    expect((await topics('--create', '--topic', 'payments', '--partitions', '1')).code).toBe(0);

    const list = await topics('--list');
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('orders\npayments\n');

    const described = await topics('--describe', '--topic', 'orders');
    expect(described.code).toBe(0);
    expect(described.stdout.split('\n')).toEqual([
      'Topic: orders\tPartitionCount: 3\tReplicationFactor: 1\tConfigs: ',
      '\tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1\tIsr: 1',
      '\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1\tIsr: 1',
      '\tTopic: orders\tPartition: 2\tLeader: 1\tReplicas: 1\tIsr: 1',
      '',
    ]);
    const all = await topics('--describe');
    expect(all.stdout.match(/^Topic: \S+/gm)).toEqual(['Topic: orders', 'Topic: payments']);

    const altered = await topics('--alter', '--topic', 'orders', '--partitions', '5');
    expect(altered.code).toBe(0);
    expect(altered.stdout).toContain('Adding partitions succeeded!');
    const after = await topics('--describe', '--topic', 'orders');
    expect(after.stdout).toMatch(/^Topic: orders\tPartitionCount: 5\t/);
    expect(after.stdout).toContain('\tTopic: orders\tPartition: 4\tLeader: 1\tReplicas: 1\tIsr: 1');

    const deleted = await topics('--delete', '--topic', 'payments');
    expect(deleted.code).toBe(0);
    expect((await topics('--list')).stdout).toBe('orders\n');
  });

  it('topics: an existing topic, an unknown topic and a shrinking partition count are clear errors, exit 1', async () => {
    expect((await topics('--create', '--topic', 'twice', '--partitions', '2')).code).toBe(0);
    const [again, ifNotExists, shrink] = await Promise.all([
      topics('--create', '--topic', 'twice', '--partitions', '2'),
      topics('--create', '--topic', 'twice', '--if-not-exists'),
      topics('--alter', '--topic', 'twice', '--partitions', '1'),
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("Error while executing topic command : Topic 'twice' already exists.");
    expect(ifNotExists.code).toBe(0);
    expect(shrink.code).toBe(1);
    expect(shrink.stderr).toMatch(
      /^Error while executing topic command : .*partitions.*\[INVALID_PARTITIONS\]$/m,
    );

    const actions = [['--describe'], ['--delete'], ['--alter', '--partitions', '9']];
    const [described, removed, altered, ifExists] = await Promise.all([
      ...actions.map((action) => topics(...action, '--topic', 'nope')),
      topics('--delete', '--topic', 'nope', '--if-exists'),
    ]);
    for (const unknown of [described, removed, altered]) {
      expect(unknown!.code, unknown!.stderr).toBe(1);
      expect(unknown!.stderr).toContain(
        "Error while executing topic command : Topic 'nope' does not exist as expected",
      );
    }
    expect(ifExists!.code).toBe(0);
  });

  it('console-producer → console-consumer: keys, partitions, offsets, timestamps', async () => {
    expect((await topics('--create', '--topic', 'keyed', '--partitions', '1')).code).toBe(0);
    const produced = await runCli(
      [
        'console-producer',
        '--bootstrap-server',
        bootstrap,
        '--topic',
        'keyed',
        '--property',
        'parse.key=true',
        '--property',
        'key.separator=:',
        '--producer-property',
        'acks=all',
      ],
      { input: 'user1:hello\nuser2:a:b\n:empty key\n' },
    );
    expect(produced.stderr).toBe('');
    expect(produced.code).toBe(0);
    // Without parse.key: no key (null); a line is a record even when empty.
    const plain = await runCli(['console-producer', '--bootstrap-server', bootstrap, '--topic', 'keyed'], {
      input: 'no key\n\nlast',
    });
    expect(plain.code).toBe(0);

    const consumer = (...args: string[]) =>
      runCli(['console-consumer', '--bootstrap-server', bootstrap, '--topic', 'keyed', ...args]);
    const all = await consumer(
      '--from-beginning',
      '--max-messages',
      '6',
      '--property',
      'print.key=true',
      '--property',
      'print.partition=true',
      '--property',
      'print.offset=true',
    );
    expect(all.code).toBe(0);
    expect(all.stdout.split('\n')).toEqual([
      'Partition:0\tOffset:0\tuser1\thello',
      'Partition:0\tOffset:1\tuser2\ta:b',
      'Partition:0\tOffset:2\t\tempty key',
      'Partition:0\tOffset:3\tnull\tno key',
      'Partition:0\tOffset:4\tnull\t',
      'Partition:0\tOffset:5\tnull\tlast',
      '',
    ]);
    expect(all.stderr).toContain('Processed a total of 6 messages');

    const from = await consumer(
      '--partition',
      '0',
      '--offset',
      '1',
      '--max-messages',
      '2',
      '--property',
      'print.timestamp=true',
      '--property',
      'print.key=true',
      '--property',
      'key.separator= | ',
    );
    expect(from.code).toBe(0);
    const lines = from.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^CreateTime:\d{13} \| user2 \| a:b$/);
    expect(lines[1]).toMatch(/^CreateTime:\d{13} \| {2}\| empty key$/);
    const stamp = Number(/CreateTime:(\d+)/.exec(lines[0]!)![1]);
    expect(Math.abs(stamp - Date.now())).toBeLessThan(120_000);

    // Nothing new arrives: --timeout-ms ends the run (exit 0) with nothing printed.
    const idle = await consumer('--timeout-ms', '500');
    expect(idle.code).toBe(0);
    expect(idle.stdout).toBe('');
    expect(idle.stderr).toContain('Processed a total of 0 messages');
  });

  it('console-consumer follows new records until Ctrl-C (SIGINT), then reports the count, exit 0', async () => {
    expect((await topics('--create', '--topic', 'live', '--partitions', '1')).code).toBe(0);
    const produce = async (input: string) => {
      const result = await runCli(['console-producer', '--bootstrap-server', bootstrap, '--topic', 'live'], {
        input,
      });
      expect(result.code, result.stderr).toBe(0);
    };
    const live = startCli([
      'console-consumer',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      'live',
      '--from-beginning',
    ]);
    try {
      await produce('one\ntwo\n');
      await live.waitForOutput('one\ntwo\n', 15_000);
      await produce('three\n');
      await live.waitForOutput('one\ntwo\nthree\n', 15_000);
    } finally {
      live.child.kill('SIGINT');
    }
    const result = await live.finish(15_000);
    expect(result).toMatchObject({ code: 0, killed: false, stdout: 'one\ntwo\nthree\n' });
    expect(result.stderr).toContain('Processed a total of 3 messages');
  });

  it('console-producer: a line without the key separator stops it, exit 1', async () => {
    const result = await runCli(
      [
        'console-producer',
        '--bootstrap-server',
        bootstrap,
        '--topic',
        'orders',
        '--property',
        'parse.key=true',
      ],
      { input: 'k\tv\nno separator here\n' },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("No key separator found on line number 2: 'no separator here'");
  });

  it('console-consumer: an unknown topic and an unreachable broker fail with a message, exit 1', async () => {
    const unknown = await runCli([
      'console-consumer',
      '--bootstrap-server',
      bootstrap,
      '--topic',
      'nope',
      '--timeout-ms',
      '100',
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("topic 'nope' does not exist");
    const unreachable = await runCli(['topics', '--bootstrap-server', '127.0.0.1:1', '--list']);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/^kzlab topics: no broker answered Metadata/m);
  });
});

describe('the Kafka tools as processes: usage errors (exit 2) and --help', () => {
  it('bad flags name the problem and exit 2', async () => {
    // One case per tool here (each is a process); the full list runs in process in
    // deploy/cli/kafka-tools.test.ts.
    const cases: [string[], RegExp][] = [
      [['topics', '--list', '--describe', '--bootstrap-server', '127.0.0.1:9092'], /only one of/],
      [['console-producer', '--bootstrap-server', '127.0.0.1:9092'], /--topic is required/],
      [
        ['console-consumer', '--bootstrap-server', 'h:1', '--topic', 't', '--offset', '3'],
        /--offset needs --partition/,
      ],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    results.forEach((result, index) => {
      const [args, message] = cases[index]!;
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expect(result.stderr).toContain(`Run 'kzlab ${args[0]} --help' for usage.`);
    });
  });

  it('--help describes each tool and exits 0', async () => {
    const tools = ['topics', 'console-producer', 'console-consumer', 'consumer-groups'];
    const results = await Promise.all(tools.map((tool) => runCli([tool, '--help'])));
    results.forEach((result, index) => {
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^Usage: kzlab ${tools[index]} \\[flags\\]`));
      expect(result.stdout).toContain('--bootstrap-server HOST:PORT');
    });
  });
});
