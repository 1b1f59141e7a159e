// Text for people: the status table, what kill/pause/resume/restart/partition did, one line per event.
// Pure (times are passed in as epoch milliseconds and shown in local time).

import type { PartitionStatus } from './partitions.ts';
import type {
  ClusterEvent,
  ClusterInfo,
  ClusterStatus,
  LinkFault,
  LinkReport,
  RestartReport,
  SignalReport,
} from './handle.ts';

/** `14:03:27.118` (local time). */
export function formatClock(epochMs: number): string {
  const date = new Date(epochMs);
  const two = (value: number): string => String(value).padStart(2, '0');
  return `${two(date.getHours())}:${two(date.getMinutes())}:${two(date.getSeconds())}.${String(date.getMilliseconds()).padStart(3, '0')}`;
}

export function formatMs(ms: number): string {
  return ms < 10 ? `${ms.toFixed(1)} ms` : `${Math.round(ms)} ms`;
}

/** Left-aligned columns separated by two spaces. */
export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows)
    row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, cell.length)));
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

export function formatStatus(status: ClusterStatus): string {
  const rows: string[][] = [
    ['NODE', 'PID', 'PROCESS', 'MODE', 'ZXID', 'LATENCY min/avg/max', 'CONNS', 'CLIENT', 'ADMIN'],
  ];
  for (const node of status.nodes) {
    if (node.kind === 'broker') {
      // A broker has no zxid or srvr figures: its epoch (czxid of its registration) stands in the ZXID column.
      const epoch =
        node.brokerEpoch === undefined || node.brokerEpoch === null ? '-' : `epoch ${node.brokerEpoch}`;
      rows.push([
        node.name,
        node.pid === null ? '-' : String(node.pid),
        node.process,
        node.mode,
        epoch,
        '-',
        '-',
        `${node.host}:${node.clientPort}`,
        node.adminUrl,
      ]);
      continue;
    }
    const latency =
      node.latencyMs === undefined
        ? '-'
        : `${node.latencyMs.min}/${node.latencyMs.avg}/${node.latencyMs.max} ms`;
    rows.push([
      node.name,
      node.pid === null ? '-' : String(node.pid),
      node.process,
      node.mode,
      node.zxid ?? '-',
      latency,
      node.connections === undefined ? '-' : String(node.connections),
      `${node.host}:${node.clientPort}`,
      node.adminUrl,
    ]);
  }
  const lines = [formatTable(rows), ''];
  if (status.partitions !== undefined && status.partitions.length > 0) {
    lines.push(formatPartitions(status.partitions), '');
  }
  lines.push(`leader:   ${status.leader ?? 'none (no server leads right now)'}`);
  lines.push(`connect:  ${status.connect}`);
  if (status.bootstrap !== '') {
    lines.push(`kafka:    ${status.bootstrap} (controller: ${status.controller ?? 'none known right now'})`);
  }
  lines.push(
    `impl:     ${status.impl} ZooKeeper · data ${status.dataDir} · control ${status.controlUrl} (supervisor pid ${status.supervisorPid})`,
  );
  if (status.links.length === 0) {
    lines.push('links:    all ok');
  } else {
    lines.push(`links:    ${status.links.length} cut or degraded (rows: from, columns: to)`);
    lines.push(
      indent(
        formatLinkFaults(
          status.nodes.map((node) => node.name),
          status.links,
        ),
        '          ',
      ),
    );
  }
  const unreachable = status.nodes.filter((node) => node.error !== undefined);
  for (const node of unreachable) lines.push(`note:     ${node.name}: ${node.error}`);
  return lines.join('\n');
}

/**
 * One row per partition: leader (-1 = offline), leader epoch, replicas, ISR, and each replica's log end
 * offset / high watermark as that broker reports them ("-" when it did not answer; "(out of ISR)").
 */
export function formatPartitions(partitions: readonly PartitionStatus[]): string {
  const rows: string[][] = [['PARTITION', 'LEADER', 'EPOCH', 'REPLICAS', 'ISR', 'LEO/HW per replica']];
  for (const p of partitions) {
    const replicas = p.replicaStates
      .map((r) => {
        const offsets = r.logEndOffset === null ? '-' : `${r.logEndOffset}/${r.highWatermark ?? '-'}`;
        return `${r.brokerId}: ${offsets}${r.inIsr ? '' : ' (out of ISR)'}`;
      })
      .join('  ');
    rows.push([
      `${p.topic}-${p.partition}`,
      p.leader < 0 ? 'none (offline)' : String(p.leader),
      p.leaderEpoch === null ? '-' : String(p.leaderEpoch),
      p.replicas.join(','),
      p.isr.join(','),
      replicas,
    ]);
  }
  return formatTable(rows);
}

/**
 * A from × to matrix: `ok`, the fault mode, or `·` where there is no link (the diagonal, and a ZooKeeper
 * server → a broker: servers never dial brokers, so the lab has no proxy there).
 */
export function formatLinkFaults(names: readonly string[], links: readonly LinkFault[]): string {
  const rows: string[][] = [['from\\to', ...names]];
  const noLink = (from: string, to: string): boolean =>
    from === to || (from.startsWith('zk') && to.startsWith('broker'));
  for (const from of names) {
    rows.push([
      from,
      ...names.map((to) =>
        noLink(from, to) ? '·' : (links.find((link) => link.from === from && link.to === to)?.mode ?? 'ok'),
      ),
    ]);
  }
  return formatTable(rows);
}

const SIGNAL_WORDS: Record<SignalReport['signal'], string> = {
  SIGKILL: 'gone',
  SIGTERM: 'gone',
  SIGSTOP: 'stopped (state T)',
  SIGCONT: 'running again',
};

export function formatSignalReport(report: SignalReport): string {
  const outcome = report.confirmed
    ? `${SIGNAL_WORDS[report.signal]} at ${formatClock(report.confirmedAt)} (+${formatMs(report.confirmedAfterMs)})`
    : `not confirmed after ${formatMs(report.confirmedAfterMs)}`;
  return `${report.node} (pid ${report.pid}): ${report.signal} sent at ${formatClock(report.signalledAt)}, ${outcome}`;
}

export function formatRestartReport(report: RestartReport): string {
  const lines: string[] = [];
  if (report.stopped !== null) lines.push(formatSignalReport(report.stopped));
  lines.push(
    `${report.node}: started pid ${report.pid} at ${formatClock(report.startedAt)}, answering after ${formatMs(report.answeringAfterMs)}`,
  );
  lines.push(
    report.servingAfterMs === null
      ? `${report.node}: not serving yet (mode ${report.mode}): it may be cut off from a quorum; see \`kzlab status\``
      : `${report.node}: serving as ${report.mode} after ${formatMs(report.servingAfterMs)}`,
  );
  return lines.join('\n');
}

export function formatLinkReport(
  report: LinkReport,
  names: readonly string[],
  action: 'partition' | 'heal',
): string {
  const changed = report.changed.length;
  const head =
    action === 'partition'
      ? `cut ${changed} directed link${changed === 1 ? '' : 's'} (${summariseLinks(report.changed)})`
      : changed === 0
        ? 'nothing to heal: every link was ok'
        : `healed ${changed} directed link${changed === 1 ? '' : 's'} (${summariseLinks(report.changed)})`;
  if (report.links.length === 0) return `${head}\nall links ok`;
  return `${head}\n${formatLinkFaults(names, report.links)}`;
}

function summariseLinks(links: readonly LinkFault[]): string {
  return links.map((link) => `${link.from}→${link.to}`).join(' ');
}

/** One line per event, for the supervisor's terminal. */
export function formatEvent(event: ClusterEvent): string {
  const at = formatClock(event.at);
  switch (event.type) {
    case 'lab-starting': {
      const zookeeper =
        event.externalZooKeeper === null
          ? `${event.zookeepers} ${event.impl} ZooKeeper server${event.zookeepers === 1 ? '' : 's'}`
          : `no ZooKeeper server (the brokers use ${event.externalZooKeeper})`;
      const brokers =
        event.brokers > 0 ? ` and ${event.brokers} broker${event.brokers === 1 ? '' : 's'}` : '';
      return `${at} starting ${zookeeper}${brokers} (port base ${event.portBase})`;
    }
    case 'node-started':
      return `${at} ${event.node} started, pid ${event.pid}`;
    case 'lab-ready': {
      const controller =
        event.controller === undefined ? '' : `, controller ${event.controller ?? 'not known yet'}`;
      return `${at} ready after ${formatMs(event.afterMs)}: ${event.leader ?? 'no'} leader${controller}`;
    }
    case 'role-changed':
      return `${at} ${event.node}: ${event.from} → ${event.to}`;
    case 'node-signalled':
      return `${at} ${event.node} (pid ${event.pid}): ${event.signal} (${event.reason})`;
    case 'node-exited': {
      const how = event.signal !== null ? `killed by ${event.signal}` : `exit code ${event.code}`;
      return `${at} ${event.node} (pid ${event.pid}) ${event.expected ? 'ended' : 'EXITED ON ITS OWN'}: ${how}`;
    }
    case 'links-changed':
      return event.action === 'partition'
        ? `${at} partition ${event.groups.map((group) => group.join(',')).join(' | ')} (${event.mode}); ${event.links.length} link(s) not ok`
        : `${at} heal${event.groups.length === 0 ? ' all' : ` ${event.groups.map((group) => group.join(',')).join(' | ')}`}; ${event.links.length} link(s) not ok`;
    case 'lab-stopping':
      return `${at} stopping the lab (${event.reason})`;
    case 'lab-stopped':
      return `${at} lab stopped; data kept`;
  }
}

/** What `kzlab up` prints once the lab is ready. */
export function formatReady(
  info: ClusterInfo,
  roles: { readonly leader: string | null; readonly controller: string | null },
  show: (file: string) => string,
  dashboardUrl: string | null = null,
): string {
  const rows: string[][] = [['NODE', 'PID', 'CLIENT', 'QUORUM', 'ELECTION', 'ADMIN', 'LOG']];
  const zookeepers = info.nodes.filter((node) => node.kind === 'zookeeper');
  const brokers = info.nodes.filter((node) => node.kind === 'broker');
  for (const node of info.nodes) {
    const ensemble = zookeepers.length > 1 && node.kind === 'zookeeper';
    rows.push([
      node.name,
      node.pid === null ? '-' : String(node.pid),
      `${node.host}:${node.clientPort}`,
      ensemble ? String(node.quorumPort) : '-',
      ensemble ? String(node.electionPort) : '-',
      node.adminUrl,
      show(node.log),
    ]);
  }
  // The commands find the lab through its data directory; the default one needs no flag.
  const dataDirFlag = show(info.dataDir) === 'data' ? '' : ` --data-dir ${show(info.dataDir)}`;
  const tries = [`npx kzlab status${dataDirFlag}`];
  if (zookeepers.length > 0) tries.push(`npx kzlab kill zk-leader${dataDirFlag}`);
  if (brokers.length > 1) tries.push(`npx kzlab kill ${brokers[1].name}${dataDirFlag}`);
  if (zookeepers.length > 1) tries.push(`npx kzlab partition zk1${dataDirFlag}`);
  const lines = [
    `ZooKeeper: ${info.connect}${zookeepers.length === 0 ? ' (external)' : ''}`,
    ...(brokers.length === 0 ? [] : [`Kafka:     ${info.bootstrap}`]),
    ...(dashboardUrl === null ? [] : [`Dashboard: ${dashboardUrl}  (open it in a browser)`]),
    '',
    formatTable(rows),
    '',
  ];
  if (zookeepers.length > 0) {
    lines.push(`leader:   ${roles.leader ?? 'none'}`);
    lines.push(`impl:     ${info.impl} ZooKeeper, tickTime ${info.tickTimeMs} ms`);
  }
  if (brokers.length > 0) lines.push(`kafka:    controller ${roles.controller ?? 'not known yet'}`);
  lines.push(
    `data:     ${show(info.dataDir)} (lab state ${show(`${info.dataDir}/lab.json`)}, events ${show(`${info.dataDir}/events.jsonl`)})`,
    `control:  ${info.controlUrl}`,
    `try:      ${tries.join(' · ')}`,
    `          /usr/share/zookeeper/bin/zkCli.sh -server ${info.connect}`,
  );
  if (brokers.length > 0) lines.push(`          kcat -b ${info.bootstrap} -L`);
  lines.push('Stop with Ctrl-C: every node is stopped (brokers first), the data stays.');
  return lines.join('\n');
}

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => prefix + line)
    .join('\n');
}
