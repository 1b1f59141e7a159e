// ClusterSpec: what a lab consists of (sizes, ports, directories, which ZooKeeper implementation), as
// plain data. `deploy/local` turns a spec into real processes; the dashboard and the benchmarks read it.
//
// Pure: no I/O (paths are joined as strings with '/'; callers pass an absolute data directory).

import { DEFAULT_PORT_BASE, planPorts, type PortPlan } from './port-plan.ts';

/** Which ZooKeeper server runs: ours (zookeeper-ensemble/main.ts) or Debian's Apache ZooKeeper 3.8. */
export type ZooKeeperImpl = 'kzlab' | 'apache';
export const ZOOKEEPER_IMPLS: readonly ZooKeeperImpl[] = ['kzlab', 'apache'];

/** What a lab node is. Brokers and the dashboard come with later issues. */
export type NodeKind = 'zookeeper' | 'broker';

export const LAB_HOST = '127.0.0.1';

export interface ZooKeeperEnsembleSpec {
  /** Number of servers, 1 (standalone) to 9. */
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
  /** Kafka brokers: always 0 until the brokers exist. */
  readonly brokers: { readonly count: number };
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
  if (brokers !== 0) throw new RangeError('Kafka brokers are not built yet: the lab runs ZooKeeper only');
  const portBase = input.portBase ?? CLUSTER_DEFAULTS.portBase;
  const count = input.zookeepers ?? CLUSTER_DEFAULTS.zookeepers;
  const ports = planPorts({ portBase, zookeepers: count, brokers });
  return {
    dataDir: input.dataDir.replace(/\/+$/, '') || '/',
    host: LAB_HOST,
    portBase,
    zookeeper: { count, impl, tickTimeMs, initLimitTicks, syncLimitTicks },
    brokers: { count: brokers },
    ports,
  };
}

/** Names of the ZooKeeper servers: zk1 … zkN. */
export function zookeeperNames(spec: ClusterSpec): string[] {
  return spec.ports.zookeepers.map((zk) => zk.name);
}

/** Files of one node inside the lab's data directory. */
export interface NodePaths {
  /** `<dataDir>/zk2`: the node's own dataDir (snapshots, txn logs, myid). */
  readonly dir: string;
  readonly config: string;
  readonly log: string;
}

export function nodePaths(spec: ClusterSpec, name: string): NodePaths {
  const dir = `${spec.dataDir}/${name}`;
  return { dir, config: `${dir}/zoo.cfg`, log: `${dir}/${name}.log` };
}

/** `<dataDir>/lab.json`: how the `kzlab` commands find a running lab. */
export function labStatePath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/lab.json`;
}

/** `<dataDir>/events.jsonl`: every lab event, one JSON object per line. */
export function labEventsPath(dataDir: string): string {
  return `${dataDir.replace(/\/+$/, '')}/events.jsonl`;
}

/** The client connect string of the whole ensemble: `127.0.0.1:2181,127.0.0.1:2182,…`. */
export function connectString(spec: ClusterSpec): string {
  return spec.ports.zookeepers.map((zk) => `${spec.host}:${zk.clientPort}`).join(',');
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
