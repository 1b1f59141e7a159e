// `kzlab consumer-groups` and `console-consumer --group` in process (main()) against the client's
// in-memory fake cluster, which serves the group APIs (FindCoordinator, JoinGroup, SyncGroup, OffsetCommit,
// OffsetFetch, ListGroups, DescribeGroups). The same commands as processes against a real broker are in
// test/multiproc/cli-groups.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { Admin, Consumer, Producer } from '../../../client/index.ts';
import { startFakeCluster, type FakeCluster } from '../../../client/network/test-support/fake-cluster.ts';
import { fakeIo } from '../test-support/fake-io.ts';
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from '../main.ts';
import { formatTable } from './consumer-groups.ts';

let cluster: FakeCluster;
let bootstrap = '';
const closers: (() => Promise<void>)[] = [];

async function kzlab(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo();
  const code = await main(argv, io);
  return { code, out: io.out.join('\n'), err: io.err.join('\n') };
}

/** `kzlab consumer-groups --bootstrap-server <the fake cluster> …argv`. */
function groups(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return kzlab('consumer-groups', '--bootstrap-server', bootstrap, ...argv);
}

async function produce(topic: string, perPartition: readonly number[]): Promise<void> {
  const producer = new Producer({ brokers: cluster.bootstrap });
  try {
    for (const [partition, count] of perPartition.entries()) {
      for (let i = 0; i < count; i++) {
        await producer.send({ topic, messages: [{ key: `k${i}`, value: `p${partition}-${i}`, partition }] });
      }
    }
  } finally {
    await producer.close();
  }
}

/** A group member that has read and committed `count` records. */
async function member(groupId: string, topic: string, count: number): Promise<Consumer> {
  const consumer = new Consumer({
    brokers: cluster.bootstrap,
    groupId,
    clientId: 'billing-app',
    autoOffsetReset: 'earliest',
    autoCommit: false,
    heartbeatIntervalMs: 100,
    fetchMaxWaitMs: 50,
  });
  closers.push(() => consumer.close());
  consumer.subscribe({ topics: [topic] });
  let seen = 0;
  const deadline = Date.now() + 10_000;
  while (seen < count) {
    if (Date.now() > deadline) throw new Error(`member saw ${seen} of ${count} records in 10 s`);
    seen += (await consumer.poll(200)).length;
  }
  await consumer.commit();
  return consumer;
}

/** Each `consumer-groups` command line of `cases` exits 2 with its message and the hint to --help. */
async function expectUsageErrors(cases: readonly (readonly [string[], string])[]): Promise<void> {
  for (const [argv, message] of cases) {
    const result = await groups(...argv);
    expect(result.code, argv.join(' ')).toBe(EXIT_USAGE);
    expect(result.err).toBe(
      `kzlab consumer-groups: ${message}\nRun 'kzlab consumer-groups --help' for usage.`,
    );
  }
}

beforeEach(async () => {
  cluster = await startFakeCluster({ brokers: 2, topics: { orders: 2, other: 1 } });
  bootstrap = cluster.bootstrap.join(',');
});

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  expect(cluster.problems).toEqual([]);
  await cluster.close();
});

describe('kzlab consumer-groups', () => {
  it('--list, and --describe: offsets, log end offsets, lag and the owning member', async () => {
    await produce('orders', [3, 2]);
    const consumer = await member('billing', 'orders', 5);
    await produce('orders', [2, 0]); // lag 2 on partition 0

    const list = await groups('--list');
    expect(list).toMatchObject({ code: EXIT_OK, out: 'billing', err: '' });

    const described = await groups('--describe', '--group', 'billing');
    expect(described.err).toBe('');
    expect(described.code).toBe(EXIT_OK);
    const memberId = consumer.groupMetadata()!.memberId;
    const lines = described.out.split('\n');
    expect(lines[0]).toBe('');
    expect(lines.slice(1).map((line) => line.split(/ +/))).toEqual([
      'GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID'.split(' '),
      ['billing', 'orders', '0', '3', '5', '2', memberId, '/127.0.0.1', 'billing-app'],
      ['billing', 'orders', '1', '2', '2', '0', memberId, '/127.0.0.1', 'billing-app'],
    ]);
    // Columns line up: every row starts its CURRENT-OFFSET column where the header does.
    const column = lines[1]!.indexOf('CURRENT-OFFSET');
    expect(lines[2]!.slice(column, column + 2)).toBe('3 ');

    const members = await groups('--describe', '--group', 'billing', '--members', '--verbose');
    expect(members.code).toBe(EXIT_OK);
    expect(
      members.out
        .split('\n')
        .slice(1)
        .map((line) => line.split(/ +/)),
    ).toEqual([
      ['GROUP', 'CONSUMER-ID', 'HOST', 'CLIENT-ID', '#PARTITIONS', 'ASSIGNMENT'],
      ['billing', memberId, '/127.0.0.1', 'billing-app', '2', 'orders(0,1)'],
    ]);

    const state = await groups('--describe', '--group', 'billing', '--state');
    expect(state.code).toBe(EXIT_OK);
    const coordinator = cluster.brokers.find((broker) => broker.nodeId === 1)!;
    expect(
      state.out
        .split('\n')
        .slice(1)
        .map((line) => line.split(/  +/)),
    ).toEqual([
      ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'],
      ['billing', `127.0.0.1:${coordinator.port} (1)`, 'range', 'Stable', '1'],
    ]);
  });

  it('a group without members: says so, and shows its committed offsets with "-" for the owner', async () => {
    await produce('orders', [4, 1]);
    const consumer = await member('idle', 'orders', 5);
    await consumer.close();
    const described = await groups('--describe', '--group', 'idle');
    expect(described.code).toBe(EXIT_OK);
    const lines = described.out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['', "Consumer group 'idle' has no active members.", '']);
    expect(lines.slice(4).map((line) => line.split(/ +/))).toEqual([
      ['idle', 'orders', '0', '4', '4', '0', '-', '-', '-'],
      ['idle', 'orders', '1', '1', '1', '0', '-', '-', '-'],
    ]);
    const members = await groups('--describe', '--group', 'idle', '--members');
    expect(members.out).toBe("\nConsumer group 'idle' has no active members.");
  });

  it('an unknown group is an error, exit 1; --all-groups describes every group', async () => {
    const unknown = await groups('--describe', '--group', 'nobody');
    expect(unknown).toMatchObject({
      code: EXIT_FAILURE,
      out: '',
      err: "Error: Consumer group 'nobody' does not exist.",
    });

    await produce('other', [1]);
    await member('a', 'other', 1);
    await member('b', 'other', 1);
    const all = await groups('--describe', '--all-groups');
    expect(all.code).toBe(EXIT_OK);
    expect(all.out.match(/^(a|b) +other +0 +1 +1 +0 /gm)).toHaveLength(2);
  });

  it('usage errors exit 2', async () => {
    const cases: [string[], string][] = [
      [['--describe'], '--describe needs --group G or --all-groups'],
      [
        ['--list', '--describe'],
        'only one of --list, --describe, --reset-offsets at a time (got --list, --describe)',
      ],
      [['--list', '--group', 'g'], '--group cannot be used with --list'],
      [
        ['--describe', '--group', 'g', '--members', '--state'],
        'only one of --offsets, --members, --state at a time (got --members, --state)',
      ],
      [['--describe', '--group', 'g', '--verbose'], '--verbose goes with --members'],
      [['--describe', '--group', 'g', '--all-groups'], '--group and --all-groups cannot be used together'],
    ];
    await expectUsageErrors(cases);
  });
});

describe('kzlab consumer-groups --reset-offsets', () => {
  const committedOffsets = async (group: string) => {
    const admin = new Admin({ brokers: cluster.bootstrap });
    try {
      return (await admin.fetchOffsets(group)).map(
        (entry) => `${entry.topic}-${entry.partition}=${entry.offset}`,
      );
    } finally {
      await admin.close();
    }
  };

  it('dry run by default; --execute commits; --to-offset and --shift-by stay within the log', async () => {
    await produce('orders', [4, 2]);
    const consumer = await member('resets', 'orders', 6);
    const reset = (...argv: string[]) => groups('--reset-offsets', '--group', 'resets', ...argv);

    const active = await reset('--topic', 'orders', '--to-earliest', '--execute');
    expect(active).toMatchObject({
      code: EXIT_FAILURE,
      err: "Error: Assignments can only be reset if the group 'resets' is inactive, but the current state is Stable.",
    });
    await consumer.close();

    const dry = await reset('--topic', 'orders', '--to-earliest');
    expect(dry.code).toBe(EXIT_OK);
    expect(dry.out.split('\n').map((line) => line.split(/ +/))).toEqual([
      [''],
      ['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'],
      ['resets', 'orders', '0', '0'],
      ['resets', 'orders', '1', '0'],
    ]);
    expect(dry.err).toContain('dry run');
    expect(await committedOffsets('resets')).toEqual(['orders-0=4', 'orders-1=2']);

    expect((await reset('--topic', 'orders:0', '--to-offset', '1', '--execute')).code).toBe(EXIT_OK);
    expect(await committedOffsets('resets')).toEqual(['orders-0=1', 'orders-1=2']);

    const shifted = await reset('--all-topics', '--shift-by', '-5', '--execute');
    expect(shifted.out).toMatch(/orders +0 +0\n.*orders +1 +0$/);
    expect(await committedOffsets('resets')).toEqual(['orders-0=0', 'orders-1=0']);

    expect((await reset('--topic', 'orders', '--to-offset', '99', '--execute')).code).toBe(EXIT_OK);
    expect(await committedOffsets('resets')).toEqual(['orders-0=4', 'orders-1=2']);

    expect((await reset('--topic', 'orders:5', '--to-latest')).err).toBe(
      "Error: topic 'orders' has no partition 5",
    );
  });

  it('usage errors exit 2', async () => {
    const cases: [string[], string][] = [
      [
        ['--reset-offsets', '--group', 'g', '--topic', 't'],
        '--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by',
      ],
      [
        ['--reset-offsets', '--group', 'g', '--to-latest'],
        '--reset-offsets needs --topic T (repeatable) or --all-topics',
      ],
      [
        ['--reset-offsets', '--group', 'g', '--all-topics', '--to-latest', '--execute', '--dry-run'],
        '--execute and --dry-run cannot be used together',
      ],
      [['--reset-offsets', '--to-latest', '--all-topics'], '--reset-offsets needs exactly one --group'],
      [
        ['--reset-offsets', '--group', 'g', '--topic', 't:x', '--to-latest'],
        '--topic expects T or T:P,P…, got "t:x"',
      ],
      [['--describe', '--group', 'g', '--to-latest'], '--to-latest cannot be used with --describe'],
    ];
    await expectUsageErrors(cases);
  });
});

describe('kzlab console-consumer --group', () => {
  it('reads as a group member, commits what it printed, and the next run goes on from there', async () => {
    await produce('orders', [3, 3]);
    // A member of group 'cli' reading 'orders', printing each record's partition and offset.
    const consume = (...argv: string[]) =>
      kzlab(
        'console-consumer',
        '--bootstrap-server',
        bootstrap,
        '--topic',
        'orders',
        '--group',
        'cli',
        ...argv,
        '--property',
        'print.partition=true',
        '--property',
        'print.offset=true',
      );
    const first = await consume('--from-beginning', '--max-messages', '4');
    expect(first.code).toBe(EXIT_OK);
    const printed = first.out.split('\n');
    expect(printed).toHaveLength(4);
    expect(first.err).toBe('Processed a total of 4 messages');

    const admin = new Admin({ brokers: cluster.bootstrap });
    closers.push(() => admin.close());
    const committed = await admin.fetchOffsets('cli');
    expect(committed.reduce((sum, entry) => sum + Number(entry.offset), 0)).toBe(4);

    const second = await consume('--max-messages', '2');
    expect(second.code).toBe(EXIT_OK);
    // Together the two runs printed every record exactly once.
    expect([...printed, ...second.out.split('\n')].sort()).toEqual([
      'Partition:0\tOffset:0\tp0-0',
      'Partition:0\tOffset:1\tp0-1',
      'Partition:0\tOffset:2\tp0-2',
      'Partition:1\tOffset:0\tp1-0',
      'Partition:1\tOffset:1\tp1-1',
      'Partition:1\tOffset:2\tp1-2',
    ]);
  });
});

describe('formatTable', () => {
  it('pads every column but the last to its widest cell (or its minimum), one space apart', () => {
    expect(
      formatTable(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'z'],
          ['x', 'yyyy', ''],
        ],
        [0, 3, 0],
      ).split('\n'),
    ).toEqual(['A   BB   C', 'xxx y    z', 'x   yyyy']);
  });
});
