// The port plan of a lab: which TCP port every node and service of one lab uses on 127.0.0.1.
//
// The defaults mirror the real ones, one port per node counting up from the well-known port:
//
//   family             default ports   what
//   zookeeperClient    2181 … 2189     zk1 … zk9 client port (clientPort)
//   zookeeperQuorum    2888 … 2896     zk1 … zk9 quorum port (followers → leader, Zab)
//   zookeeperElection  3888 … 3896     zk1 … zk9 election port (FastLeaderElection)
//   brokerPeer         5181 … 5261     broker listeners for the other brokers: broker m binds one listener
//                                      per broker k of the lab (BROKERk, port 5181 + 9(m−1) + k−1), which k
//                                      reaches through its own fault proxy, so each broker↔broker link can
//                                      be cut alone (deploy/local/server-properties.ts)
//   dashboard          8080            the lab's teaching dashboard (deploy/dashboard; --dashboard-port)
//   zookeeperAdmin     8081 … 8089     zk1 … zk9 AdminServer HTTP (`/commands/stat` …)
//   control            8090            the supervisor's control API (`kzlab kill|pause|…` talk to it)
//   brokerAdmin        8091 … 8099     broker1 … broker9 admin HTTP (`/broker`, `/controller` …)
//   kafka              9092 … 9100     broker1 … broker9 Kafka protocol port (listeners)
//
// `--port-base P` shifts every port by P − 2181, so the client port of zk1 is always P. A lab reserves
// every slot of every family (all nine, whatever its size), so the question "can two labs run side by
// side?" depends only on their port bases: `portBasesOverlap(a, b)` answers it. Rules of thumb that are
// always safe (checked by port-plan.test.ts):
//   * port bases 90 … 690 apart, e.g. 2181, 2281, 2381, 2481, 2581, 2681; or
//   * port bases a multiple of 10,000 apart: 2181, 12181, 22181, 32181, 42181, 52181.
// Anything else may put one lab's port in another lab's family (2181 and 2881 collide: 2888 = zk1's quorum
// port of the first is zk8's client port of the second, slot 8).
//
// The fault proxies that sit in front of every peer port (one per directed link) are not in the plan:
// they listen on ports the OS picks (port 0), which are free by construction and recorded in the lab state
// file and in each node's zoo.cfg.
//
// Pure: no I/O.

export const DEFAULT_PORT_BASE = 2181;
/** Slots per node family: at most this many ZooKeeper servers and brokers in one lab. */
export const MAX_NODES_PER_KIND = 9;
/** Lowest port base accepted: the plan never goes below 1024 (no root needed). */
export const MIN_PORT_BASE = 1024;

export type PortFamily =
  | 'zookeeperClient'
  | 'zookeeperQuorum'
  | 'zookeeperElection'
  | 'brokerPeer'
  | 'dashboard'
  | 'zookeeperAdmin'
  | 'control'
  | 'brokerAdmin'
  | 'kafka';

/** First port of each family at the default port base, and how many slots it has. */
export const PORT_FAMILIES: Readonly<Record<PortFamily, { readonly first: number; readonly slots: number }>> =
  {
    zookeeperClient: { first: 2181, slots: MAX_NODES_PER_KIND },
    zookeeperQuorum: { first: 2888, slots: MAX_NODES_PER_KIND },
    zookeeperElection: { first: 3888, slots: MAX_NODES_PER_KIND },
    brokerPeer: { first: 5181, slots: MAX_NODES_PER_KIND * MAX_NODES_PER_KIND },
    dashboard: { first: 8080, slots: 1 },
    zookeeperAdmin: { first: 8081, slots: MAX_NODES_PER_KIND },
    control: { first: 8090, slots: 1 },
    brokerAdmin: { first: 8091, slots: MAX_NODES_PER_KIND },
    kafka: { first: 9092, slots: MAX_NODES_PER_KIND },
  };

const HIGHEST_DEFAULT_PORT = Math.max(
  ...Object.values(PORT_FAMILIES).map((family) => family.first + family.slots - 1),
);
const LOWEST_DEFAULT_PORT = Math.min(...Object.values(PORT_FAMILIES).map((family) => family.first));
/** Highest port base whose plan still fits below 65536. */
export const MAX_PORT_BASE = 65_535 - (HIGHEST_DEFAULT_PORT - DEFAULT_PORT_BASE);

export interface ZooKeeperPorts {
  /** `zk1` … */
  readonly name: string;
  /** Server id: the N of `server.N` and the content of `myid`. */
  readonly sid: number;
  readonly clientPort: number;
  readonly quorumPort: number;
  readonly electionPort: number;
  readonly adminPort: number;
}

export interface BrokerPorts {
  /** `broker1` … */
  readonly name: string;
  /** `broker.id`. */
  readonly brokerId: number;
  readonly kafkaPort: number;
  readonly adminPort: number;
  /**
   * The port of this broker's listener `BROKERk` for each broker k of the lab (index k − 1): the one broker
   * k dials, through a fault proxy (its own for k = this broker: direct).
   */
  readonly peerPorts: readonly number[];
}

export interface PortPlan {
  readonly portBase: number;
  /** portBase − 2181: added to every default port. */
  readonly offset: number;
  readonly zookeepers: readonly ZooKeeperPorts[];
  readonly brokers: readonly BrokerPorts[];
  readonly dashboardPort: number;
  readonly controlPort: number;
}

/** One port the lab will bind, with what it is for (for "port in use" messages). */
export interface PlannedPort {
  readonly port: number;
  /** e.g. `zk2 client port`, `control API`. */
  readonly role: string;
}

/** Throws RangeError when the port base cannot hold the plan. */
export function checkPortBase(portBase: number): void {
  if (!Number.isInteger(portBase) || portBase < MIN_PORT_BASE || portBase > MAX_PORT_BASE) {
    throw new RangeError(
      `port base must be a whole number from ${MIN_PORT_BASE} to ${MAX_PORT_BASE} (the highest port of the plan, ` +
        `broker9's Kafka port, is port base + ${HIGHEST_DEFAULT_PORT - DEFAULT_PORT_BASE}), got ${portBase}`,
    );
  }
}

function checkCount(kind: string, count: number, min: number): void {
  if (!Number.isInteger(count) || count < min || count > MAX_NODES_PER_KIND) {
    throw new RangeError(`${kind} must be a whole number from ${min} to ${MAX_NODES_PER_KIND}, got ${count}`);
  }
}

/** The port of slot `slot` (1-based) of `family` for a lab at `portBase`. */
export function portOf(family: PortFamily, slot: number, portBase: number): number {
  const { first, slots } = PORT_FAMILIES[family];
  if (!Number.isInteger(slot) || slot < 1 || slot > slots) {
    throw new RangeError(`${family} has slots 1 to ${slots}, got ${slot}`);
  }
  return first + slot - 1 + (portBase - DEFAULT_PORT_BASE);
}

export function planPorts(options: { portBase: number; zookeepers: number; brokers?: number }): PortPlan {
  const { portBase, zookeepers } = options;
  const brokers = options.brokers ?? 0;
  checkPortBase(portBase);
  // 0 ZooKeeper servers: the brokers use an external ZooKeeper (--zookeeper-connect).
  checkCount('the number of ZooKeeper servers', zookeepers, brokers > 0 ? 0 : 1);
  checkCount('the number of brokers', brokers, 0);
  const zookeeperPorts: ZooKeeperPorts[] = [];
  for (let sid = 1; sid <= zookeepers; sid++) {
    zookeeperPorts.push({
      name: `zk${sid}`,
      sid,
      clientPort: portOf('zookeeperClient', sid, portBase),
      quorumPort: portOf('zookeeperQuorum', sid, portBase),
      electionPort: portOf('zookeeperElection', sid, portBase),
      adminPort: portOf('zookeeperAdmin', sid, portBase),
    });
  }
  const brokerPorts: BrokerPorts[] = [];
  for (let brokerId = 1; brokerId <= brokers; brokerId++) {
    brokerPorts.push({
      name: `broker${brokerId}`,
      brokerId,
      kafkaPort: portOf('kafka', brokerId, portBase),
      adminPort: portOf('brokerAdmin', brokerId, portBase),
      peerPorts: Array.from({ length: brokers }, (_, k) =>
        portOf('brokerPeer', (brokerId - 1) * MAX_NODES_PER_KIND + k + 1, portBase),
      ),
    });
  }
  return {
    portBase,
    offset: portBase - DEFAULT_PORT_BASE,
    zookeepers: zookeeperPorts,
    brokers: brokerPorts,
    dashboardPort: portOf('dashboard', 1, portBase),
    controlPort: portOf('control', 1, portBase),
  };
}

/**
 * Every port the lab binds itself (the dashboard's only with `dashboard: true`: `kzlab up` checks the
 * dashboard's port on its own, as --dashboard-port may move it or turn it off; the brokers' peer
 * listeners only with `brokerPeers: true`, a lab with fault proxies).
 */
export function boundPorts(
  plan: PortPlan,
  options: { dashboard?: boolean; brokerPeers?: boolean } = {},
): PlannedPort[] {
  const ports: PlannedPort[] = [];
  for (const zk of plan.zookeepers) {
    ports.push({ port: zk.clientPort, role: `${zk.name} client port` });
    if (plan.zookeepers.length > 1) {
      ports.push({ port: zk.quorumPort, role: `${zk.name} quorum port` });
      ports.push({ port: zk.electionPort, role: `${zk.name} election port` });
    }
    ports.push({ port: zk.adminPort, role: `${zk.name} AdminServer port` });
  }
  for (const broker of plan.brokers) {
    ports.push({ port: broker.kafkaPort, role: `${broker.name} Kafka port` });
    ports.push({ port: broker.adminPort, role: `${broker.name} admin port` });
    if (options.brokerPeers === true) {
      broker.peerPorts.forEach((port, k) =>
        ports.push({ port, role: `${broker.name} listener for broker${k + 1}` }),
      );
    }
  }
  if (options.dashboard === true) ports.push({ port: plan.dashboardPort, role: 'dashboard' });
  ports.push({ port: plan.controlPort, role: 'control API' });
  return ports;
}

/** Every port a lab at `portBase` reserves (all slots of all families), as [first, last] ranges. */
export function reservedPortRanges(portBase: number): { family: PortFamily; first: number; last: number }[] {
  checkPortBase(portBase);
  return (Object.keys(PORT_FAMILIES) as PortFamily[]).map((family) => {
    const first = portOf(family, 1, portBase);
    return { family, first, last: first + PORT_FAMILIES[family].slots - 1 };
  });
}

/**
 * The ports two labs at port bases `a` and `b` would both reserve (empty: they can run side by side).
 * Same port base = the same ports, of course.
 */
export function portBasesOverlap(a: number, b: number): number[] {
  const shared: number[] = [];
  const rangesB = reservedPortRanges(b);
  for (const rangeA of reservedPortRanges(a)) {
    for (const rangeB of rangesB) {
      for (
        let port = Math.max(rangeA.first, rangeB.first);
        port <= Math.min(rangeA.last, rangeB.last);
        port++
      ) {
        shared.push(port);
      }
    }
  }
  return shared.sort((x, y) => x - y);
}

export { LOWEST_DEFAULT_PORT, HIGHEST_DEFAULT_PORT };
