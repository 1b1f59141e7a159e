// `kzlab consumer-groups`: list consumer groups and describe their offsets and lag, members or state, like
// Apache Kafka's `kafka-consumer-groups.sh --bootstrap-server …`, through our Admin client
// (ListGroups, DescribeGroups, OffsetFetch via the group coordinator; ListOffsets for log end offsets).

import type { Admin, GroupDescription } from '../../../client/index.ts';
import { defineCommand, type CliIo } from '../command.ts';
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
One action per run:
  --list                                     every group (ListGroups on every broker)
  --describe --group G [--group G2 …]        per partition: committed offset, log end offset, lag, owner
  --describe --all-groups                    the same for every group
  --describe --group G --members [--verbose] one line per member (--verbose adds its partitions)
  --describe --group G --state               coordinator, assignment strategy, state, member count
  --reset-offsets --group G (--topic T[:P,P…] … | --all-topics)
      (--to-earliest | --to-latest | --to-offset N | --shift-by ±N | --to-current) [--execute]
                                             new committed offsets for an inactive group; a dry run
                                             (prints them, changes nothing) unless --execute
--describe prints Kafka's columns:
  GROUP TOPIC PARTITION CURRENT-OFFSET LOG-END-OFFSET LAG CONSUMER-ID HOST CLIENT-ID
"-" stands for "none" (no committed offset: no lag either; a partition no member holds). A group
without members says so first ("Consumer group 'G' has no active members."); a group that does not
exist is an error (exit 1). --to-offset and --shift-by are kept within each partition's log start and
log end offsets, as Kafka does.`,
  flags: {
    'bootstrap-server': BOOTSTRAP_SERVER_FLAG,
    list: { type: 'boolean', description: 'list the groups' },
    describe: { type: 'boolean', description: 'describe --group (or --all-groups)' },
    group: propertyFlag('a group to describe (repeatable)', 'GROUP'),
    'all-groups': { type: 'boolean', description: 'with --describe: every group' },
    offsets: { type: 'boolean', description: 'with --describe: offsets and lag (the default)' },
    members: { type: 'boolean', description: 'with --describe: the members' },
    state: { type: 'boolean', description: "with --describe: the group's state" },
    verbose: { type: 'boolean', description: "with --members: each member's partitions" },
    'reset-offsets': { type: 'boolean', description: "set an inactive group's committed offsets" },
    topic: propertyFlag('with --reset-offsets: T (every partition) or T:0,2 (repeatable)', 'TOPIC[:P,…]'),
    'all-topics': {
      type: 'boolean',
      description: 'with --reset-offsets: every topic the group has offsets for',
    },
    'to-earliest': { type: 'boolean', description: 'reset to the log start offset' },
    'to-latest': { type: 'boolean', description: 'reset to the log end offset' },
    'to-current': { type: 'boolean', description: 'reset to the committed offset (no change)' },
    'to-offset': { type: 'number', integer: true, min: 0, description: 'reset to this offset' },
    'shift-by': {
      type: 'number',
      integer: true,
      description: 'move the committed offset by N (may be negative)',
    },
    execute: { type: 'boolean', description: 'with --reset-offsets: commit the new offsets' },
    'dry-run': { type: 'boolean', description: 'with --reset-offsets: only print them (the default)' },
  },
  async run({ flags }, io) {
    const action = exactlyOneAction(flags, ['list', 'describe', 'reset-offsets'] as const);
    const brokers = bootstrapServers(flags['bootstrap-server']);
    let view: 'offsets' | 'members' | 'state' = 'offsets';
    const resetFlags = {
      topic: flags.topic.length > 0,
      'all-topics': flags['all-topics'],
      'to-earliest': flags['to-earliest'],
      'to-latest': flags['to-latest'],
      'to-current': flags['to-current'],
      'to-offset': flags['to-offset'] !== undefined,
      'shift-by': flags['shift-by'] !== undefined,
      execute: flags.execute,
      'dry-run': flags['dry-run'],
    };
    let plan: ResetPlan | null = null;
    if (action !== 'reset-offsets') rejectWith(action, resetFlags);
    if (action === 'reset-offsets') {
      rejectWith(action, {
        'all-groups': flags['all-groups'],
        offsets: flags.offsets,
        members: flags.members,
        state: flags.state,
        verbose: flags.verbose,
      });
      plan = resetPlan(flags);
    } else if (action === 'list') {
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
      if (plan !== null) return await resetOffsets(admin, plan, io);
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

interface ResetPlan {
  group: string;
  /** Topic → the partitions named (null = all of them); empty map with allTopics. */
  topics: Map<string, number[] | null>;
  allTopics: boolean;
  to:
    | { kind: 'earliest' | 'latest' | 'current' }
    | { kind: 'offset'; offset: bigint }
    | { kind: 'shift'; by: bigint };
  execute: boolean;
}

function resetPlan(flags: {
  group: string[];
  topic: string[];
  'all-topics': boolean;
  'to-earliest': boolean;
  'to-latest': boolean;
  'to-current': boolean;
  'to-offset': number | undefined;
  'shift-by': number | undefined;
  execute: boolean;
  'dry-run': boolean;
}): ResetPlan {
  if (flags.group.length !== 1) throw new UsageError('--reset-offsets needs exactly one --group');
  if (flags.topic.length > 0 === flags['all-topics']) {
    throw new UsageError('--reset-offsets needs --topic T (repeatable) or --all-topics');
  }
  if (flags.execute && flags['dry-run'])
    throw new UsageError('--execute and --dry-run cannot be used together');
  const scenarios = [
    flags['to-earliest'] && ({ kind: 'earliest' } as const),
    flags['to-latest'] && ({ kind: 'latest' } as const),
    flags['to-current'] && ({ kind: 'current' } as const),
    flags['to-offset'] !== undefined && ({ kind: 'offset', offset: BigInt(flags['to-offset']) } as const),
    flags['shift-by'] !== undefined && ({ kind: 'shift', by: BigInt(flags['shift-by']) } as const),
  ].filter((scenario) => scenario !== false);
  if (scenarios.length !== 1) {
    throw new UsageError(
      '--reset-offsets needs exactly one of --to-earliest, --to-latest, --to-current, --to-offset, --shift-by',
    );
  }
  const topics = new Map<string, number[] | null>();
  for (const item of flags.topic) {
    const colon = item.lastIndexOf(':');
    if (colon === -1) {
      topics.set(item, null);
      continue;
    }
    const partitions = item
      .slice(colon + 1)
      .split(',')
      .map((text) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN));
    if (colon === 0 || partitions.some((partition) => Number.isNaN(partition))) {
      throw new UsageError(`--topic expects T or T:P,P…, got ${JSON.stringify(item)}`);
    }
    topics.set(item.slice(0, colon), partitions);
  }
  return {
    group: flags.group[0]!,
    topics,
    allTopics: flags['all-topics'],
    to: scenarios[0]!,
    execute: flags.execute,
  };
}

async function resetOffsets(admin: Admin, plan: ResetPlan, io: CliIo): Promise<number> {
  const [description] = await admin.describeGroups([plan.group]);
  if (description!.error !== null) {
    io.stderr(`Error: Consumer group '${plan.group}' could not be described: ${description!.error}`);
    return 1;
  }
  if (description!.state !== 'Empty' && description!.state !== 'Dead') {
    io.stderr(
      `Error: Assignments can only be reset if the group '${plan.group}' is inactive, but the current state is ${description!.state}.`,
    );
    return 1;
  }
  const committed = await admin.fetchOffsets(plan.group);
  const committedOf = new Map(
    committed.map((entry) => [`${entry.topic}\u0000${entry.partition}`, entry.offset]),
  );
  const topics = plan.allTopics
    ? new Map([...new Set(committed.map((entry) => entry.topic))].map((topic) => [topic, null] as const))
    : plan.topics;
  const rows: string[][] = [];
  const offsets: { topic: string; partition: number; offset: bigint }[] = [];
  for (const [topic, wanted] of [...topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    let bounds;
    try {
      bounds = await admin.listOffsets(topic);
    } catch (error) {
      io.stderr(`Error: topic '${topic}': ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
    for (const partition of wanted ?? bounds.map((entry) => entry.partition)) {
      const bound = bounds.find((entry) => entry.partition === partition);
      if (bound === undefined) {
        io.stderr(`Error: topic '${topic}' has no partition ${partition}`);
        return 1;
      }
      const current = committedOf.get(`${topic}\u0000${partition}`);
      const have = current !== undefined && current >= 0n ? current : undefined;
      let target: bigint;
      switch (plan.to.kind) {
        case 'earliest':
          target = bound.earliest;
          break;
        case 'latest':
          target = bound.latest;
          break;
        case 'offset':
          target = plan.to.offset;
          break;
        case 'current':
        case 'shift':
          if (have === undefined) {
            io.stderr(`Error: ${topic}-${partition} has no committed offset to start from`);
            return 1;
          }
          target = plan.to.kind === 'shift' ? have + plan.to.by : have;
          break;
      }
      // Kept within the log, as Kafka does.
      if (target < bound.earliest) target = bound.earliest;
      if (target > bound.latest) target = bound.latest;
      offsets.push({ topic, partition, offset: target });
      rows.push([plan.group, topic, String(partition), String(target)]);
    }
  }
  if (plan.execute) {
    const failedResults = (await admin.setOffsets(plan.group, offsets)).filter(
      (result) => result.error !== null,
    );
    if (failedResults.length > 0) {
      for (const failure of failedResults) io.stderr(`Error: ${failure.name}: ${failure.error}`);
      return 1;
    }
  }
  io.stdout(`\n${formatTable(['GROUP', 'TOPIC', 'PARTITION', 'NEW-OFFSET'], rows, [30, 30, 10, 0])}`);
  if (!plan.execute) io.stderr('(dry run: nothing changed; add --execute to commit these offsets)');
  return 0;
}
