// `kzlab up`: start the lab — N ZooKeeper servers as separate processes, each with its own zoo.cfg,
// data directory and log file, fault proxies between them, then M Kafka brokers (server.properties, log
// dirs, log file each), and a control API the other `kzlab` commands use — and keep supervising it in the
// foreground until Ctrl-C (or SIGTERM). deploy/local/supervisor.ts does the work; this file is the
// command line.

import path from 'node:path';

import { defineCommand } from '../command.ts';
import { UsageError, type FlagValues } from '../flags.ts';
import { MAX_NODES_PER_KIND, MAX_PORT_BASE, MIN_PORT_BASE } from '../../cluster/port-plan.ts';
import {
  CLUSTER_DEFAULTS,
  resolveClusterSpec,
  ZOOKEEPER_IMPLS,
  type ClusterSpec,
  type ZooKeeperImpl,
} from '../../cluster/spec.ts';

/** `npm start` (= `kzlab up`) brings up three brokers next to the three ZooKeeper servers. */
const UP_DEFAULT_BROKERS = 3;

const UP_FLAGS = {
  zookeepers: {
    type: 'number',
    integer: true,
    min: 1,
    max: MAX_NODES_PER_KIND,
    default: CLUSTER_DEFAULTS.zookeepers,
    valueName: 'N',
    description: 'ZooKeeper servers: 1 (standalone), 3 or 5 (ensembles of any size up to 9 work)',
  },
  brokers: {
    type: 'number',
    integer: true,
    min: 0,
    max: MAX_NODES_PER_KIND,
    default: UP_DEFAULT_BROKERS,
    valueName: 'N',
    description: 'Kafka brokers, started once ZooKeeper serves (0: ZooKeeper only)',
  },
  'zookeeper-connect': {
    type: 'string',
    default: '',
    valueName: 'HOST:PORT[,…][/chroot]',
    description: 'run the brokers against this ZooKeeper (e.g. Apache ZooKeeper) and start none of ours',
  },
  impl: {
    type: 'string',
    default: CLUSTER_DEFAULTS.impl,
    valueName: 'IMPL',
    description: "which ZooKeeper: kzlab (ours) or apache (Debian's Apache ZooKeeper 3.8)",
  },
  'data-dir': {
    type: 'string',
    default: 'data',
    valueName: 'DIR',
    description: 'the lab directory: lab.json, events.jsonl and one directory per server',
  },
  'port-base': {
    type: 'number',
    integer: true,
    min: MIN_PORT_BASE,
    max: MAX_PORT_BASE,
    default: CLUSTER_DEFAULTS.portBase,
    valueName: 'PORT',
    description: "client port of zk1; every other port moves with it (see 'Ports' above)",
  },
  'tick-time': {
    type: 'number',
    integer: true,
    min: 1,
    max: 60_000,
    default: CLUSTER_DEFAULTS.tickTimeMs,
    valueName: 'MS',
    description: 'zoo.cfg tickTime; initLimit 10 and syncLimit 5 ticks',
  },
  'ready-timeout': {
    type: 'number',
    min: 1,
    max: 3600,
    default: 60,
    valueName: 'SECONDS',
    description: 'give up if no leader serves by then',
  },
  'direct-peers': {
    type: 'boolean',
    description: 'no fault proxies between the servers (no `kzlab partition`; for benchmarks)',
  },
  'dashboard-port': {
    type: 'number',
    integer: true,
    min: 0,
    max: 65_535,
    valueName: 'PORT',
    description: 'the teaching dashboard (default 8080, moving with --port-base); 0: no dashboard',
  },
  json: {
    type: 'boolean',
    description: 'once ready, print one JSON line (connect string, bootstrap, nodes, PIDs, ports)',
  },
} as const;

export interface UpOptions {
  readonly spec: ClusterSpec;
  readonly json: boolean;
  readonly readyTimeoutMs: number;
  /** False with --direct-peers. */
  readonly faultProxies: boolean;
  /** The dashboard's port; null: none (--dashboard-port 0). */
  readonly dashboardPort: number | null;
}

/** Turns `kzlab up` flags into a lab spec; throws UsageError for values the flag parser cannot judge. */
export function upOptionsFromFlags(flags: FlagValues<typeof UP_FLAGS>, cwd: string): UpOptions {
  const impl = flags.impl as ZooKeeperImpl;
  if (!ZOOKEEPER_IMPLS.includes(impl)) {
    throw new UsageError(`--impl must be ${ZOOKEEPER_IMPLS.join(' or ')}, got ${JSON.stringify(flags.impl)}`);
  }
  const external = flags['zookeeper-connect'].trim();
  if (external !== '' && flags.brokers === 0) {
    throw new UsageError('--zookeeper-connect is for the brokers: it needs --brokers 1 or more');
  }
  try {
    const spec = resolveClusterSpec({
      dataDir: path.resolve(cwd, flags['data-dir']),
      portBase: flags['port-base'],
      zookeepers: flags.zookeepers,
      impl,
      tickTimeMs: flags['tick-time'],
      brokers: flags.brokers,
      ...(external === '' ? {} : { zookeeperConnect: external }),
    });
    return {
      spec,
      json: flags.json,
      readyTimeoutMs: Math.round(flags['ready-timeout'] * 1000),
      faultProxies: !flags['direct-peers'],
      dashboardPort:
        flags['dashboard-port'] === undefined
          ? spec.ports.dashboardPort
          : flags['dashboard-port'] === 0
            ? null
            : flags['dashboard-port'],
    };
  } catch (error) {
    if (error instanceof RangeError) {
      throw new UsageError(
        external !== '' && /ZooKeeper connect string|chroot/.test(error.message)
          ? `--zookeeper-connect: ${error.message}`
          : error.message,
      );
    }
    throw error;
  }
}

export const upCommand = defineCommand({
  name: 'up',
  summary: 'Start the lab: ZooKeeper servers and Kafka brokers as real processes, supervised until Ctrl-C.',
  description: `
Writes <data-dir>/zkN/zoo.cfg and myid for every server, starts each as its own process (logs in
<data-dir>/zkN/zkN.log) and waits until a leader serves. Then writes <data-dir>/brokerN/server.properties
for every broker (broker.id N, log.dirs <data-dir>/brokerN/kafka-logs), starts them (logs in
<data-dir>/brokerN/brokerN.log), waits until every broker is registered in ZooKeeper, and prints the
ZooKeeper connect string, the Kafka bootstrap string and the dashboard's URL (a page that shows the
ensemble, brokers, partitions, znodes and events live, with kill/pause/partition buttons; its log is
<data-dir>/dashboard.log). Leave it running: \`kzlab status\`, \`kill\`,
\`pause\`, \`resume\`, \`restart\`, \`partition\` and \`heal\` act on it from another terminal, finding it
through <data-dir>/lab.json. Ctrl-C (or SIGTERM) stops the brokers, then the servers; the data stays, so
running the same command again brings the same lab back.

With --zookeeper-connect the lab starts no ZooKeeper server: the brokers use the one given, e.g. a
real Apache ZooKeeper (\`--zookeeper-connect 127.0.0.1:2181/kafka\`; a chroot is created if missing).

Ports (all move by --port-base − 2181):
  client 2181+i−1 · quorum 2888+i−1 · election 3888+i−1 · AdminServer 8081+i−1 (zk i)
  Kafka 9092+i−1 · broker admin HTTP 8091+i−1 (broker i)
  control API 8090 · dashboard 8080 (--dashboard-port; open http://127.0.0.1:8080/ in a browser)
Between the nodes sit fault proxies (OS-chosen ports), one per direction and peer port (servers'
quorum and election ports, brokers' ZooKeeper sessions, and each broker's listener for every other
broker: BROKERk on 5181 + 9(m−1) + k−1 for broker m), so that \`kzlab partition\` can cut any link. Labs whose port bases are 10000
apart never share a port.`,
  flags: UP_FLAGS,
  async run({ flags }, io) {
    const options = upOptionsFromFlags(flags, io.cwd);
    const { runLabSupervisor } = await import('../../local/supervisor.ts');
    return runLabSupervisor(
      {
        spec: options.spec,
        json: options.json,
        readyTimeoutMs: options.readyTimeoutMs,
        faultProxies: options.faultProxies,
        dashboardPort: options.dashboardPort,
      },
      io,
    );
  },
});
