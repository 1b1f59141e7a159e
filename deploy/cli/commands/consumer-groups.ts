// `kzlab consumer-groups`: list consumer groups and describe their offsets and lag, members or state, like
// Apache Kafka's `kafka-consumer-groups.sh --bootstrap-server …`, through our Admin client
// (ListGroups, DescribeGroups, OffsetFetch via the group coordinator; ListOffsets for log end offsets).

import type { Admin, GroupDescription } from '../../../client/index.ts';
import { defineCommand } from '../command.ts';
import { UsageError } from '../flags.ts';
import {
  BOOTSTRAP_SERVER_FLAG,
  bootstrapServers,
  exactlyOneAction,
  propertyFlag,
  rejectWith,
} from '../kafka-tools.ts';

export const consumerGroupsCommand = defineCommand({
  name: 'consumer-groups',
  summary: 'List consumer groups; describe their offsets and lag, members, state (kafka-consumer-groups.sh).',
  description: `
  --list                                     every group (ListGroups on every broker)
  --describe --group G [--group G2 …]        per partition: committed offset, log end offset, lag, owner
  --describe --all-groups                    the same for every group
  --describe --group G --members [--verbose] one line per member (--verbose adds its partitions)
  --describe --group G --state               coordinator, assignment strategy, state, member count
--describe prints Kafka's columns:
  GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
"-" stands for "none" (no committed offset: no lag either; a partition no member holds). A group
without members says so first ("Consumer group 'G' has no active members."); a group that does not
exist is an error (exit 1).`,
  flags: {
    'bootstrap-server': BOOTSTRAP_SERVER_FLAG,
    list: { type: 'boolean', description: 'list the groups' },
    describe: { type: 'boolean', description: 'describe --group (or --all-groups)' },
    group: propertyFlag('a group to describe (repeatable)'),
    'all-groups': { type: 'boolean', description: 'with --describe: every group' },
    offsets: { type: 'boolean', description: 'with --describe: offsets and lag (the default)' },
    members: { type: 'boolean', description: 'with --describe: the members' },
    state: { type: 'boolean', description: "with --describe: the group's state" },
    verbose: { type: 'boolean', description: "with --members: each member's partitions" },
  },
  async run({ flags }, io) {
    const action = exactlyOneAction(flags, ['list', 'describe'] as const);
    const brokers = bootstrapServers(flags['bootstrap-server']);
    let view: 'offsets' | 'members' | 'state' = 'offsets';
    if (action === 'list') {
      rejectWith('list', {
        group: flags.group.length > 0,
        'all-groups': flags['all-groups'],
        offsets: flags.offsets,
        members: flags.members,
        state: flags.state,
        verbose: flags.verbose,
      });
    } else {
      if (flags.group.length === 0 && !flags['all-groups']) {
        throw new UsageError('--describe needs --group G or --all-groups');
      }
      if (flags.group.length > 0 && flags['all-groups']) {
        throw new UsageError('--group and --all-groups cannot be used together');
      }
      const views = (['offsets', 'members', 'state'] as const).filter((name) => flags[name]);
      if (views.length > 1) {
        throw new UsageError(
          `only one of --offsets, --members, --state at a time (got ${views.map((name) => `--${name}`).join(', ')})`,
        );
      }
      view = views[0] ?? 'offsets';
      if (flags.verbose && view !== 'members') throw new UsageError('--verbose goes with --members');
    }

    const { Admin } = await import('../../../client/index.ts');
    const admin = new Admin({ brokers, clientId: 'kzlab-consumer-groups', retries: 3 });
    try {
      await admin.connect();
      if (action === 'list') {
        for (const group of await admin.listGroups()) io.stdout(group.groupId);
        return 0;
      }
      const groupIds = flags['all-groups']
        ? (await admin.listGroups()).map((group) => group.groupId)
        : flags.group;
      let status = 0;
      for (const description of await admin.describeGroups(groupIds)) {
        if (description.error !== null) {
          io.stderr(
            `Error: Consumer group '${description.groupId}' could not be described: ${description.error}`,
          );
          status = 1;
          continue;
        }
        if (description.state === 'Dead') {
          io.stderr(`Error: Consumer group '${description.groupId}' does not exist.`);
          status = 1;
          continue;
        }
        if (view === 'state') io.stdout(await stateTable(admin, description));
        else if (view === 'members') io.stdout(membersTable(description, flags.verbose));
        else io.stdout(await offsetsTable(admin, description));
      }
      return status;
    } finally {
      await admin.close();
    }
  },
});

/** Kafka's tables: left-aligned columns, one space apart; some columns at least 15 wide. */
export function formatTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  minWidths: readonly number[],
): string {
  const widths = header.map((title, column) =>
    Math.max(minWidths[column] ?? 0, title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  return [header, ...rows]
    .map((row) =>
      row
        .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
        .join(' ')
        .trimEnd(),
    )
    .join('\n');
}

function notice(description: GroupDescription): string | null {
  if (description.members.length === 0)
    return `Consumer group '${description.groupId}' has no active members.`;
  if (description.state === 'PreparingRebalance' || description.state === 'CompletingRebalance') {
    return `Warning: Consumer group '${description.groupId}' is rebalancing.`;
  }
  return null;
}

const OFFSETS_HEADER = [
  'GROUP',
  'TOPIC',
  'PARTITION',
  'CURRENT-OFFSET',
  'LOG-END-OFFSET',
  'LAG',
  'CONSUMER-ID',
  'HOST',
  'CLIENT-ID',
];

async function offsetsTable(admin: Admin, description: GroupDescription): Promise<string> {
  const group = description.groupId;
  const committed = await admin.fetchOffsets(group);
  const key = (topic: string, partition: number) => `${topic}\u0000${partition}`;
  const owners = new Map<string, GroupDescription['members'][number]>();
  for (const member of description.members) {
    for (const tp of member.assignment) owners.set(key(tp.topic, tp.partition), member);
  }
  const committedOf = new Map(
    committed
      .filter((entry) => entry.offset >= 0n)
      .map((entry) => [key(entry.topic, entry.partition), entry.offset]),
  );
  const partitions = new Map<string, { topic: string; partition: number }>();
  for (const entry of committed)
    if (entry.offset >= 0n) partitions.set(key(entry.topic, entry.partition), entry);
  for (const member of description.members)
    for (const tp of member.assignment) partitions.set(key(tp.topic, tp.partition), tp);
  const topics = [...new Set([...partitions.values()].map((tp) => tp.topic))].sort();
  const ends = new Map<string, bigint>();
  for (const topic of topics) {
    try {
      for (const entry of await admin.listOffsets(topic)) ends.set(key(topic, entry.partition), entry.latest);
    } catch {
      // A deleted topic still has committed offsets: its log end offset is unknown ("-").
    }
  }
  const rows = [...partitions.values()]
    .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition))
    .map(({ topic, partition }) => {
      const current = committedOf.get(key(topic, partition));
      const end = ends.get(key(topic, partition));
      const owner = owners.get(key(topic, partition));
      const lag =
        current === undefined || end === undefined ? '-' : String(end > current ? end - current : 0n);
      return [
        group,
        topic,
        String(partition),
        current === undefined ? '-' : String(current),
        end === undefined ? '-' : String(end),
        lag,
        owner?.memberId ?? '-',
        owner?.clientHost ?? '-',
        owner?.clientId ?? '-',
      ];
    });
  // Members without partitions get a line too.
  for (const member of description.members) {
    if (member.assignment.length === 0)
      rows.push([group, '-', '-', '-', '-', '-', member.memberId, member.clientHost, member.clientId]);
  }
  const heading = notice(description);
  const table = formatTable(OFFSETS_HEADER, rows, [15, 15, 10, 15, 15, 15, 15, 15, 0]);
  return `${heading === null ? '' : `\n${heading}\n`}\n${table}`;
}

function membersTable(description: GroupDescription, verbose: boolean): string {
  const header = [
    'GROUP',
    'CONSUMER-ID',
    'HOST',
    'CLIENT-ID',
    '#PARTITIONS',
    ...(verbose ? ['ASSIGNMENT'] : []),
  ];
  const rows = description.members.map((member) => {
    const byTopic = new Map<string, number[]>();
    for (const tp of member.assignment)
      byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const assignment = [...byTopic]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([topic, partitions]) => `${topic}(${partitions.sort((a, b) => a - b).join(',')})`)
      .join(',');
    return [
      description.groupId,
      member.memberId,
      member.clientHost,
      member.clientId,
      String(member.assignment.length),
      ...(verbose ? [assignment === '' ? '-' : assignment] : []),
    ];
  });
  if (rows.length === 0) return `\nConsumer group '${description.groupId}' has no active members.`;
  return `\n${formatTable(header, rows, [15, 15, 15, 15, 15, 0])}`;
}

async function stateTable(admin: Admin, description: GroupDescription): Promise<string> {
  const cluster = await admin.describeCluster();
  const coordinator = cluster.brokers.find((broker) => broker.nodeId === description.coordinatorId);
  const where =
    coordinator === undefined
      ? `(${description.coordinatorId})`
      : `${coordinator.host}:${coordinator.port} (${coordinator.nodeId})`;
  const header = ['GROUP', 'COORDINATOR (ID)', 'ASSIGNMENT-STRATEGY', 'STATE', '#MEMBERS'];
  const row = [
    description.groupId,
    where,
    description.protocol === '' ? '-' : description.protocol,
    description.state,
    String(description.members.length),
  ];
  return `\n${formatTable(header, [row], [15, 25, 20, 15, 0])}`;
}
