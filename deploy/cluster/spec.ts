// ClusterSpec: what a lab consists of (sizes, ports, directories, which ZooKeeper implementation), as
// plain data. `deploy/local` turns a spec into real processes; the dashboard and the benchmarks read it.
//
// Pure: no I/O (paths are joined as strings with '/'; callers pass an absolute data directory).

import { DEFAULT_PORT_BASE, planPorts, type PortPlan } from './port-plan.ts';

/** Which ZooKeeper server runs: ours (zookeeper-ensemble/main.ts) or Debian's Apache ZooKeeper 3.8. */
export type ZooKeeperImpl = 'kzlab' | 'apache';
export const ZOOKEEPER_IMPLS: readonly ZooKeeperImpl[] = ['kzlab', 'apache'];

/** What a lab node is. */
export type NodeKind = 'zookeeper' | 'broker';

export const LAB_HOST = '127.0.0.1';

export interface ZooKeeperEnsembleSpec {
  /** Number of servers, 1 (standalone) to 9; 0 when the brokers use an external ZooKeeper. */
  readonly count: number;
  readonly impl: ZooKeeperImpl;
  /** zoo.cfg `tickTime`. */
  readonly tickTimeMs: number;
  /** zoo.cfg `initLimit` (ticks). */
  readonly initLimitTicks: number;
  /** zoo.cfg `syncLimit` (ticks). */
  readonly syncLimitTicks: number;
}

export interface ClusterSpec {
  /** Absolute root of the lab: `<dataDir>/lab.json`, `<dataDir>/zk1/…`. */
  readonly dataDir: string;
  /** Every node binds this address. */
  readonly host: string;
  readonly portBase: number;
  readonly zookeeper: ZooKeeperEnsembleSpec;
  /** Kafka brokers (0 to 9), started once ZooKeeper serves. */
  readonly brokers: { readonly count: number };
  /**
   * `--zookeeper-connect`: an existing ZooKeeper (e.g. Apache ZooKeeper) the brokers use; the lab then
   * starts no ZooKeeper server of its own. Null: the lab's own ensemble.
   */
  readonly externalZooKeeper: string | null;
  readonly ports: PortPlan;
}

export interface ClusterSpecInput {
  readonly dataDir: string;
  readonly portBase?: number;
  readonly zookeepers?: number;
  readonly impl?: ZooKeeperImpl;
  readonly tickTimeMs?: number;
  readonly initLimitTicks?: number;
  readonly syncLimitTicks?: number;
  readonly brokers?: number;
  /** An external ZooKeeper connect string (`host:port[,host:port…][/chroot]`); no servers of our own. */
  readonly zookeeperConnect?: string;
}

export const CLUSTER_DEFAULTS = {
  portBase: DEFAULT_PORT_BASE,
  zookeepers: 3,
  impl: 'kzlab' as ZooKeeperImpl,
  // Apache ZooKeeper's sample zoo.cfg values.
  tickTimeMs: 2000,
  initLimitTicks: 10,
  syncLimitTicks: 5,
} as const;

/** Fills in defaults and checks the spec; throws RangeError with a message fit for the user. */
export function resolveClusterSpec(input: ClusterSpecInput): ClusterSpec {
  if (!input.dataDir.startsWith('/'))
    throw new RangeError(`data directory must be absolute, got ${input.dataDir}`);
  const impl = input.impl ?? CLUSTER_DEFAULTS.impl;
  if (!ZOOKEEPER_IMPLS.includes(impl)) {
    throw new RangeError(
      `ZooKeeper implementation must be ${ZOOKEEPER_IMPLS.join(' or ')}, got ${String(impl)}`,
    );
  }
  const tickTimeMs = input.tickTimeMs ?? CLUSTER_DEFAULTS.tickTimeMs;
  const initLimitTicks = input.initLimitTicks ?? CLUSTER_DEFAULTS.initLimitTicks;
  const syncLimitTicks = input.syncLimitTicks ?? CLUSTER_DEFAULTS.syncLimitTicks;
  for (const [what, value] of [
    ['tick time', tickTimeMs],
    ['initLimit', initLimitTicks],
    ['syncLimit', syncLimitTicks],
  ] as const) {
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${what} must be a whole number ≥ 1, got ${value}`);
  }
  const brokers = input.brokers ?? 0;
  const externalZooKeeper =
    input.zookeeperConnect === undefined ? null : checkZooKeeperConnect(input.zookeeperConnect);
  if (externalZooKeeper !== null && brokers === 0)
    throw new RangeError(
      'an external ZooKeeper (--zookeeper-connect) is only for brokers: ask for at least one',
    );
  const portBase = input.portBase ?? CLUSTER_DEFAULTS.portBase;
  const count = externalZooKeeper === null ? (input.zookeepers ?? CLUSTER_DEFAULTS.zookeepers) : 0;
  const ports = planPorts({ portBase, zookeepers: count, brokers });
  return {
    dataDir: input.dataDir.replace(/\/+$/, '') || '/',
    host: LAB_HOST,
    portBase,
    zookeeper: { count, impl, tickTimeMs, initLimitTicks, syncLimitTicks },
    brokers: { count: brokers },
    externalZooKeeper,
    ports,
  };
}

/**
 * Checks a ZooKeeper connect string as Kafka's `zookeeper.connect` takes it:
 * `host:port[,host:port…][/chroot]`. Returns it trimmed; throws RangeError saying what is wrong.
 */
export function checkZooKeeperConnect(text: string): string {
  const value = text.trim();
  const example = 'e.g. 127.0.0.1:2181 or 10.0.0.1:2181,10.0.0.2:2181/kafka';
  if (value === '') throw new RangeError(`the ZooKeeper connect string is empty (${example})`);
  const slash = value.indexOf('/');
  const hosts = slash === -1 ? value : value.slice(0, slash);
  const chroot = slash === -1 ? '' : value.slice(slash);
  for (const address of hosts.split(',')) {
    const match = /^([^\s:/]+):(\d{1,5})$/.exec(address.trim());
    const port = match === null ? NaN : Number(match[2]);
    if (match === null || port < 1 || port > 65_535)
      throw new RangeError(
        `${JSON.stringify(address)} in the ZooKeeper connect string is not HOST:PORT (${example})`,
      );
  }
  if (chroot !== '' && (chroot.length < 2 || chroot.endsWith('/') || chroot.includes('//')))
    throw new RangeError(`${JSON.stringify(chroot)} is not a ZooKeeper path for a chroot (${example})`);
  return value;
}

/** Names of the ZooKeeper servers: zk1 … zkN. */
export function zookeeperNames(spec: ClusterSpec): string[] {
  return spec.ports.zookeepers.map((zk) => zk.name);
}

/** Names of the brokers: broker1 … brokerN. */
export function brokerNames(spec: ClusterSpec): string[] {
  return spec.ports.brokers.map((broker) => broker.name);
}

/** Files of one node inside the lab's data directory. */
export interface NodePaths {
  /** `<dataDir>/zk2`: the node's own dataDir (snapshots, txn logs, myid; a broker's kafka-logs). */
  readonly dir: string;
  /** `zoo.cfg`, or `server.properties` for a broker. */
  readonly config: string;
  readonly log: string;
}

export function nodePaths(spec: ClusterSpec, name: string): NodePaths {
  const dir = `${spec.dataDir}/${name}`;
  const isBroker = spec.ports.brokers.some((broker) => broker.name === name);
  return { dir, config: `${dir}/${isBroker ? 'server.properties' : 'zoo.cfg'}`, log: `${dir}/${name}.log` };
}

/** A broker's `log.dirs`: `<dataDir>/broker2/kafka-logs`. */
export function brokerLogDir(spec: ClusterSpec, name: string): string {
  return `${nodePaths(spec, name).dir}/kafka-logs`;
}

/** `<dataDir>/lab.json`: how the `kzlab` commands find a running lab. */
export function labStatePath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/lab.json`;
}

/** `<dataDir>/events.jsonl`: every lab event, one JSON object per line. */
export function labEventsPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/events.jsonl`;
}

/**
 * The ZooKeeper connect string: the lab's ensemble (`127.0.0.1:2181,127.0.0.1:2182,…`), or the external
 * ZooKeeper given with --zookeeper-connect.
 */
export function connectString(spec: ClusterSpec): string {
  if (spec.externalZooKeeper !== null) return spec.externalZooKeeper;
  return spec.ports.zookeepers.map((zk) => `${spec.host}:${zk.clientPort}`).join(',');
}

/** Kafka's `bootstrap.servers` for the lab: `127.0.0.1:9092,127.0.0.1:9093,…`; '' without brokers. */
export function bootstrapServers(spec: ClusterSpec): string {
  return spec.ports.brokers.map((broker) => `${spec.host}:${broker.kafkaPort}`).join(',');
}

/** The base URL of a broker's admin HTTP server (`/broker`, `/controller`, `/partitions`, `/metrics`). */
export function brokerAdminUrl(spec: ClusterSpec, name: string): string {
  const broker = spec.ports.brokers.find((candidate) => candidate.name === name);
  if (broker === undefined) throw new RangeError(`no broker ${name}`);
  return `http://${spec.host}:${broker.adminPort}`;
}

/** The AdminServer base URL of a ZooKeeper server (both implementations serve `/commands/<name>`). */
export function adminUrl(spec: ClusterSpec, name: string): string {
  const zk = spec.ports.zookeepers.find((candidate) => candidate.name === name);
  if (zk === undefined) throw new RangeError(`no ZooKeeper server ${name}`);
  return `http://${spec.host}:${zk.adminPort}/commands`;
}

export function controlUrl(spec: ClusterSpec): string {
  return `http://${spec.host}:${spec.ports.controlPort}`;
}
