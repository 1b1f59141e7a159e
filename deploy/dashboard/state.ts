// The dashboard's state: what the browser page draws, shaped from what the poller observed (each ZooKeeper
// server's AdminServer `quorum` and `srvr`, each broker's admin HTTP, the znode tree, the lab's process
// states) — and the journal entries that follow from two consecutive states (a new ZooKeeper leader, a
// controller move, a broker's registration vanishing, an ISR change), next to those the lab itself
// reports (kills, restarts, partitions).
//
// Pure: no I/O, no clock (times come in as arguments), so every rule here has a unit test.

import type { ClusterEvent, LinkFault, ProcessState } from '../cluster/handle.ts';
import type { ZabRates } from './zab-rates.ts';

// ---------------------------------------------------------------------------------------------------
// What the poller observed (raw answers, already parsed from JSON)
// ---------------------------------------------------------------------------------------------------

/** kzlab's AdminServer `/commands/quorum` (zookeeper-ensemble/server QuorumView). */
export interface QuorumAnswer {
  readonly myid: number;
  /** QuorumPeer.ServerState: LOOKING, FOLLOWING, LEADING (OBSERVING). */
  readonly state: string;
  /** ZabState: ELECTION, DISCOVERY, SYNCHRONIZATION, BROADCAST. */
  readonly zabState: string;
  readonly currentEpoch: number;
  readonly acceptedEpoch: number;
  /** Hex, e.g. `0x100000003`. */
  readonly lastLoggedZxid: string;
  readonly lastProcessedZxid: string;
  readonly leader: number | null;
  readonly learners?: readonly {
    sid: number;
    phase: string;
    lastHeardAgoMs: number;
    synced: boolean;
    /** The highest proposal it ACKed (hex), null before its first; absent from older servers. */
    ackedZxid?: string | null;
  }[];
  /** The FastLeaderElection vote: the proposal while LOOKING, the settled vote after (zxid in hex). */
  readonly vote?: {
    readonly leader: number;
    readonly zxid: string;
    readonly electionEpoch: number;
    readonly peerEpoch: number;
  } | null;
}

/** The fields of AdminServer `/commands/srvr` the dashboard reads. */
export interface SrvrAnswer {
  readonly serverState?: string;
  readonly connections?: number;
  readonly nodeCount?: number;
  readonly lastProcessedZxid?: number;
}

export interface ZooKeeperObservation {
  readonly name: string;
  readonly sid: number;
  readonly process: ProcessState;
  readonly pid: number | null;
  readonly clientPort: number;
  readonly quorum?: QuorumAnswer;
  readonly srvr?: SrvrAnswer;
  /** AdminServer `cons`: the client sessions connected to this server. */
  readonly sessions?: readonly SessionAnswer[];
  /** AdminServer `watches_by_path`: data watches set through this server, path → session ids (hex). */
  readonly watchesByPath?: Readonly<Record<string, readonly string[]>>;
  /** Why the AdminServer gave nothing (refused, timeout). */
  readonly error?: string;
}

/** One connection of AdminServer `cons`: its session (hex, as ephemeralOwner is written) and timeout. */
export interface SessionAnswer {
  readonly sessionId: string;
  readonly timeoutMs: number;
  /** The client's address and port. */
  readonly remote: string;
}

/** A broker's admin HTTP answers (broker/admin-http/broker-admin-view.ts), the fields used here. */
export interface BrokerObservation {
  readonly name: string;
  readonly id: number;
  readonly process: ProcessState;
  readonly pid: number | null;
  readonly kafkaPort: number;
  readonly broker?: {
    readonly brokerEpoch: string | null;
    readonly controllerId: number | null;
    readonly clusterId: string | null;
  };
  readonly controller?: {
    readonly isController: boolean;
    readonly controllerEpoch: number | null;
    readonly offlinePartitions: number;
  };
  readonly partitions?: readonly BrokerPartitionAnswer[];
  readonly error?: string;
}

export interface BrokerPartitionAnswer {
  readonly topic: string;
  readonly partition: number;
  readonly role: string;
  readonly leader: number | null;
  readonly leaderEpoch: number | null;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly logStartOffset: string;
  readonly logEndOffset: string;
  readonly highWatermark: string;
  /** The partition's log directory on this broker. */
  readonly dir?: string;
  /** The log's segment files, oldest first. */
  readonly segments?: readonly SegmentAnswer[];
}

/** One segment of a partition log: its first offset (decimal string), its `.log` file and size. */
export interface SegmentAnswer {
  readonly baseOffset: string;
  readonly sizeBytes: number;
  readonly file: string;
}

/** One znode as read by the tree reader. Longs as decimal strings, data as text (maybe cut short). */
export interface ZnodeView {
  readonly path: string;
  readonly data: string | null;
  /** The data was longer than what is shown. */
  readonly truncated: boolean;
  readonly stat: {
    readonly czxid: string;
    readonly mzxid: string;
    readonly pzxid: string;
    readonly ctime: string;
    readonly mtime: string;
    readonly version: number;
    readonly cversion: number;
    readonly aversion: number;
    /** Session id as hex (`0x…`), `0x0` for a persistent znode. */
    readonly ephemeralOwner: string;
    readonly dataLength: number;
    readonly numChildren: number;
  };
}

export interface ZnodeTree {
  /** Sorted by path; `/` first. */
  readonly nodes: readonly ZnodeView[];
  /** More znodes exist than were read. */
  readonly truncated: boolean;
  /** Why the tree could not be read (no quorum, no connection); the last good tree is kept. */
  readonly error?: string;
}

/** What the lab is: fixed for its life. */
export interface LabFacts {
  readonly connect: string;
  readonly bootstrap: string;
  readonly impl: string;
  readonly dataDir: string;
}

export interface Observation {
  readonly at: number;
  readonly lab: LabFacts;
  readonly zookeepers: readonly ZooKeeperObservation[];
  readonly brokers: readonly BrokerObservation[];
  readonly tree: ZnodeTree | null;
  readonly links: readonly LinkFault[];
}

// ---------------------------------------------------------------------------------------------------
// What the page draws
// ---------------------------------------------------------------------------------------------------

/** The role shown on a ZooKeeper card: the ServerState, or why there is none. */
export type ZooKeeperRole =
  'LEADING' | 'FOLLOWING' | 'LOOKING' | 'OBSERVING' | 'STANDALONE' | 'PAUSED' | 'DOWN' | 'UNKNOWN';

export interface ZooKeeperServerState {
  readonly name: string;
  readonly sid: number;
  readonly process: ProcessState;
  readonly pid: number | null;
  readonly clientPort: number;
  readonly role: ZooKeeperRole;
  readonly zabState: string | null;
  readonly currentEpoch: number | null;
  readonly acceptedEpoch: number | null;
  /** `epoch:counter` in decimal, e.g. `1:3`; null when unknown. */
  readonly lastZxid: string | null;
  readonly lastZxidHex: string | null;
  readonly leaderSid: number | null;
  /**
   * On the leader: each follower's sync phase (Zab) and how long ago the leader last heard from it, in
   * whole seconds (so that a healthy ensemble's state does not change with every poll).
   */
  readonly learners: readonly {
    readonly name: string;
    readonly phase: string;
    readonly synced: boolean;
    readonly lastHeardAgoSeconds: number;
    /** The highest proposal it ACKed, as `epoch:counter`; null before its first ACK to this leader. */
    readonly acked: string | null;
    /** Proposals the leader logged that it has not ACKed yet (same epoch only), null when unknown. */
    readonly behind: number | null;
    /** ACKs per second over the last few polls (zab-rates.ts), null when unknown. */
    readonly acksPerSecond: number | null;
  }[];
  /** On the leader: proposals per second it committed over the last few polls; null elsewhere or unknown. */
  readonly committedPerSecond: number | null;
  readonly connections: number | null;
  /**
   * Its FastLeaderElection vote: whom it proposes while LOOKING, whom it settled on after; the zxid as
   * `epoch:counter`, `round` the election round (logicalclock). Null when unknown or the server is down.
   */
  readonly vote: {
    readonly leaderSid: number;
    readonly leader: string;
    readonly zxid: string;
    readonly round: number;
    readonly peerEpoch: number;
  } | null;
  /** The client sessions connected to this server, by session id. */
  readonly sessions: readonly SessionAnswer[];
  /** The data watches clients set through this server: path → the watching sessions, by path. */
  readonly watches: readonly { readonly path: string; readonly sessions: readonly string[] }[];
  readonly nodeCount: number | null;
  /** This server's peer links are cut by a partition (some link from or to it is not ok). */
  readonly cutOff: boolean;
  /** The servers it cannot talk to (a link either way is not ok), sorted. */
  readonly cutFrom: readonly string[];
  readonly error: string | null;
}

export interface EnsembleState {
  readonly size: number;
  /** Servers needed for a quorum: a strict majority. */
  readonly majority: number;
  /** The leader and the servers that follow it (0 without a leader). */
  readonly serving: number;
  /** A leader with a quorum exists. */
  readonly hasQuorum: boolean;
  /** How many more servers may fail before the ensemble stops serving (0 when it serves with no spare, or when it does not serve). */
  readonly survivesMoreFailures: number;
  readonly leader: string | null;
  readonly servers: readonly ZooKeeperServerState[];
}

export interface BrokerState {
  readonly name: string;
  readonly id: number;
  readonly process: ProcessState;
  readonly pid: number | null;
  readonly kafkaPort: number;
  /** /brokers/ids/<id> exists in ZooKeeper. */
  readonly registered: boolean;
  readonly brokerEpoch: string | null;
  readonly isController: boolean;
  /** Some link from or to this broker (its ZooKeeper session, a peer broker) is cut by a partition. */
  readonly cutOff: boolean;
  readonly cutFrom: readonly string[];
  readonly error: string | null;
}

export interface ControllerState {
  /** From /controller (brokerid), null when nobody holds it. */
  readonly brokerId: number | null;
  readonly broker: string | null;
  /** From /controller_epoch. */
  readonly epoch: number | null;
}

export interface ReplicaState {
  readonly brokerId: number;
  readonly broker: string;
  readonly isLeader: boolean;
  readonly inIsr: boolean;
  /** The broker answered and hosts this replica. */
  readonly online: boolean;
  /** int64 as decimal strings, null when the broker did not say. */
  readonly logStartOffset: string | null;
  readonly logEndOffset: string | null;
  readonly highWatermark: string | null;
  /** The log directory on that broker and its segment files (empty when the broker did not say). */
  readonly dir: string | null;
  readonly segments: readonly SegmentAnswer[];
}

export interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  readonly leader: number | null;
  readonly leaderEpoch: number | null;
  readonly isr: readonly number[];
  readonly replicas: readonly ReplicaState[];
  /** ISR smaller than the replica set. */
  readonly underReplicated: boolean;
  /** No leader (-1 in the state znode). */
  readonly offline: boolean;
}

export interface TopicState {
  readonly name: string;
  readonly partitions: readonly PartitionState[];
}

export interface DashboardState {
  readonly at: number;
  readonly lab: LabFacts;
  readonly ensemble: EnsembleState;
  readonly brokers: readonly BrokerState[];
  readonly controller: ControllerState;
  readonly topics: readonly TopicState[];
  readonly tree: ZnodeTree | null;
  readonly links: readonly LinkFault[];
}

/** The top-level parts of DashboardState that are sent as a unit when they change. */
export const STATE_SECTIONS = [
  'lab',
  'ensemble',
  'brokers',
  'controller',
  'topics',
  'tree',
  'links',
] as const;
export type StateSection = (typeof STATE_SECTIONS)[number];

// ---------------------------------------------------------------------------------------------------
// Shaping
// ---------------------------------------------------------------------------------------------------

/** A zxid (hex `0x…` or a number) as `epoch:counter` in decimal: the high 32 bits are the epoch. */
export function formatZxid(zxid: string | number | bigint): string {
  const value = typeof zxid === 'bigint' ? zxid : BigInt(zxid);
  return `${value >> 32n}:${value & 0xffff_ffffn}`;
}

/** How many proposals `acked` trails `proposed` by, when both are of one epoch (counters count proposals). */
function proposalsBehind(proposed: string, acked: string): number | null {
  const [p, a] = [BigInt(proposed), BigInt(acked)];
  if (p >> 32n !== a >> 32n) return null;
  return Number(p > a ? p - a : 0n);
}

/** Two `0x…` session ids in numeric order. */
function compareHex(a: string, b: string): number {
  const difference = BigInt(a) - BigInt(b);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** A strict majority of `size`. */
export function majorityOf(size: number): number {
  return Math.floor(size / 2) + 1;
}

function roleOf(observation: ZooKeeperObservation): ZooKeeperRole {
  if (observation.process === 'paused') return 'PAUSED';
  if (observation.process !== 'running' && observation.process !== 'starting') return 'DOWN';
  const state = observation.quorum?.state;
  if (state === 'LEADING' || state === 'FOLLOWING' || state === 'LOOKING' || state === 'OBSERVING') {
    // A LEADING/FOLLOWING peer that does not serve yet (still synchronising) counts as looking.
    if (state !== 'LOOKING' && observation.srvr?.serverState === 'looking') return 'LOOKING';
    return state;
  }
  switch (observation.srvr?.serverState) {
    case 'leader':
      return 'LEADING';
    case 'follower':
      return 'FOLLOWING';
    case 'observer':
      return 'OBSERVING';
    case 'standalone':
      return 'STANDALONE';
    case 'looking':
      return 'LOOKING';
  }
  return observation.error === undefined && observation.srvr === undefined && observation.quorum === undefined
    ? 'UNKNOWN'
    : observation.error === undefined
      ? 'LOOKING'
      : 'UNKNOWN';
}

export function shapeEnsemble(
  observations: readonly ZooKeeperObservation[],
  links: readonly LinkFault[],
  rates: ZabRates | null = null,
): EnsembleState {
  const servers = observations.map((observation): ZooKeeperServerState => {
    const quorum = observation.quorum;
    const zxidHex =
      quorum?.lastProcessedZxid ??
      (observation.srvr?.lastProcessedZxid === undefined
        ? null
        : `0x${observation.srvr.lastProcessedZxid.toString(16)}`);
    const role = roleOf(observation);
    const alive = role !== 'DOWN' && role !== 'PAUSED';
    const leading = alive && quorum?.state === 'LEADING';
    // The rates belong to the leader the window tracked (not to a cut-off old leader that still says so).
    const ratesHere = leading && rates?.leader === observation.name ? rates : null;
    return {
      name: observation.name,
      sid: observation.sid,
      process: observation.process,
      pid: observation.pid,
      clientPort: observation.clientPort,
      role,
      zabState: alive ? (quorum?.zabState ?? null) : null,
      currentEpoch: quorum?.currentEpoch ?? null,
      acceptedEpoch: quorum?.acceptedEpoch ?? null,
      lastZxid: zxidHex === null ? null : formatZxid(zxidHex),
      lastZxidHex: zxidHex,
      leaderSid: alive ? (quorum?.leader ?? null) : null,
      learners: leading
        ? (quorum.learners ?? []).map((learner) => {
            const name = observations.find((other) => other.sid === learner.sid)?.name ?? `zk${learner.sid}`;
            return {
              name,
              phase: learner.phase,
              synced: learner.synced,
              lastHeardAgoSeconds: Math.floor(learner.lastHeardAgoMs / 1000),
              acked: learner.ackedZxid ? formatZxid(learner.ackedZxid) : null,
              behind: learner.ackedZxid ? proposalsBehind(quorum.lastLoggedZxid, learner.ackedZxid) : null,
              acksPerSecond: ratesHere?.acksPerSecond[name] ?? null,
            };
          })
        : [],
      committedPerSecond: ratesHere?.committedPerSecond ?? null,
      connections: alive ? (observation.srvr?.connections ?? null) : null,
      vote:
        alive && quorum?.vote
          ? {
              leaderSid: quorum.vote.leader,
              leader:
                observations.find((other) => other.sid === quorum.vote!.leader)?.name ??
                `zk${quorum.vote.leader}`,
              zxid: formatZxid(quorum.vote.zxid),
              round: quorum.vote.electionEpoch,
              peerEpoch: quorum.vote.peerEpoch,
            }
          : null,
      sessions: alive
        ? [...(observation.sessions ?? [])].sort((a, b) => compareHex(a.sessionId, b.sessionId))
        : [],
      watches: alive
        ? Object.entries(observation.watchesByPath ?? {})
            .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
            .map(([path, sessions]) => ({ path, sessions: [...sessions].sort(compareHex) }))
        : [],
      nodeCount: alive ? (observation.srvr?.nodeCount ?? null) : null,
      ...cutLinksOf(observation.name, links),
      error: observation.error ?? null,
    };
  });
  const size = servers.length;
  const majority = majorityOf(size);
  // The leader: the server that says LEADING (if a cut-off old leader still says so too, the one with the
  // higher epoch). Serving: the leader and the servers that follow it; without a leader nobody serves.
  const leaderServer =
    servers
      .filter((server) => server.role === 'LEADING' || server.role === 'STANDALONE')
      .sort((a, b) => (b.currentEpoch ?? 0) - (a.currentEpoch ?? 0))[0] ?? null;
  const leader = leaderServer?.name ?? null;
  const serving =
    leaderServer === null
      ? 0
      : 1 +
        servers.filter(
          (server) =>
            server.role === 'FOLLOWING' &&
            (server.leaderSid === null || server.leaderSid === leaderServer.sid),
        ).length;
  const hasQuorum = leader !== null && serving >= majority;
  return {
    size,
    majority,
    serving,
    hasQuorum,
    survivesMoreFailures: hasQuorum ? serving - majority : 0,
    leader,
    servers,
  };
}

/** The `/controller` znode's JSON, `{"version":1,"brokerid":2,"timestamp":"…"}`. */
export function controllerIdFromZnode(data: string | null): number | null {
  if (data === null) return null;
  try {
    const parsed = JSON.parse(data) as { brokerid?: unknown };
    return typeof parsed.brokerid === 'number' ? parsed.brokerid : null;
  } catch {
    return null;
  }
}

/** `/brokers/topics/<t>/partitions/<p>/state`: `{"controller_epoch":1,"leader":1,"version":1,"leader_epoch":0,"isr":[1,2]}`. */
export function partitionStateFromZnode(
  data: string | null,
): { leader: number; leaderEpoch: number; isr: number[]; controllerEpoch: number } | null {
  if (data === null) return null;
  try {
    const parsed = JSON.parse(data) as Record<string, unknown>;
    if (typeof parsed.leader !== 'number' || !Array.isArray(parsed.isr)) return null;
    return {
      leader: parsed.leader,
      leaderEpoch: typeof parsed.leader_epoch === 'number' ? parsed.leader_epoch : 0,
      isr: parsed.isr.filter((id): id is number => typeof id === 'number'),
      controllerEpoch: typeof parsed.controller_epoch === 'number' ? parsed.controller_epoch : 0,
    };
  } catch {
    return null;
  }
}

/** `/brokers/topics/<t>`: `{"version":2,"partitions":{"0":[1,2,3]},…}` → partition → replicas. */
export function assignmentFromZnode(data: string | null): Map<number, number[]> {
  const assignment = new Map<number, number[]>();
  if (data === null) return assignment;
  try {
    const parsed = JSON.parse(data) as { partitions?: Record<string, unknown> };
    for (const [key, replicas] of Object.entries(parsed.partitions ?? {})) {
      if (Array.isArray(replicas) && /^\d+$/.test(key))
        assignment.set(
          Number(key),
          replicas.filter((id): id is number => typeof id === 'number'),
        );
    }
  } catch {
    // not JSON: no assignment
  }
  return assignment;
}

function znodeData(tree: ZnodeTree | null, path: string): string | null {
  return tree?.nodes.find((node) => node.path === path)?.data ?? null;
}

export function shapeController(
  tree: ZnodeTree | null,
  brokers: readonly BrokerObservation[],
): ControllerState {
  const fromTree = tree !== null && tree.error === undefined;
  let brokerId = fromTree ? controllerIdFromZnode(znodeData(tree, '/controller')) : null;
  // Without a tree (ZooKeeper unreachable), the controller as the brokers themselves say.
  if (!fromTree) brokerId = brokers.find((broker) => broker.controller?.isController)?.id ?? null;
  const epochText = znodeData(tree, '/controller_epoch');
  const epochFromTree =
    epochText !== null && /^\d+$/.test(epochText.trim()) ? Number(epochText.trim()) : null;
  const epoch =
    epochFromTree ?? brokers.find((broker) => broker.id === brokerId)?.controller?.controllerEpoch ?? null;
  return {
    brokerId,
    broker:
      brokers.find((broker) => broker.id === brokerId)?.name ??
      (brokerId === null ? null : `broker${brokerId}`),
    epoch,
  };
}

/** Whether `node` has a cut link, and the nodes on the other end of its cut links. */
function cutLinksOf(node: string, links: readonly LinkFault[]): { cutOff: boolean; cutFrom: string[] } {
  const peers = links.flatMap((link) =>
    link.from === node ? [link.to] : link.to === node ? [link.from] : [],
  );
  return { cutOff: peers.length > 0, cutFrom: [...new Set(peers)].sort() };
}

export function shapeBrokers(
  observations: readonly BrokerObservation[],
  tree: ZnodeTree | null,
  controller: ControllerState,
  links: readonly LinkFault[] = [],
): BrokerState[] {
  const registeredIds = new Set(
    (tree?.nodes ?? [])
      .filter((node) => /^\/brokers\/ids\/\d+$/.test(node.path))
      .map((node) => Number(node.path.slice('/brokers/ids/'.length))),
  );
  const treeKnown = tree !== null && tree.error === undefined;
  return observations.map((observation) => {
    const alive = observation.process === 'running' || observation.process === 'starting';
    return {
      name: observation.name,
      id: observation.id,
      process: observation.process,
      pid: observation.pid,
      kafkaPort: observation.kafkaPort,
      registered: treeKnown
        ? registeredIds.has(observation.id)
        : alive && (observation.broker?.brokerEpoch ?? null) !== null,
      brokerEpoch: alive ? (observation.broker?.brokerEpoch ?? null) : null,
      isController: controller.brokerId === observation.id,
      ...cutLinksOf(observation.name, links),
      error: observation.error ?? null,
    };
  });
}

/**
 * Topics and partitions: leader, ISR and leader epoch from the state znodes the controller writes (the
 * truth, as in Kafka), replicas from the assignment znode, and per replica the offsets that replica's
 * broker reports for its own log (admin HTTP `/partitions`). Without a tree, the leader's view.
 */
export function shapeTopics(tree: ZnodeTree | null, brokers: readonly BrokerObservation[]): TopicState[] {
  const nameOf = (id: number): string => brokers.find((broker) => broker.id === id)?.name ?? `broker${id}`;
  const local = new Map<string, Map<number, BrokerPartitionAnswer>>();
  for (const broker of brokers) {
    if (broker.process !== 'running') continue;
    for (const partition of broker.partitions ?? []) {
      const key = `${partition.topic}/${partition.partition}`;
      let byBroker = local.get(key);
      if (byBroker === undefined) local.set(key, (byBroker = new Map()));
      byBroker.set(broker.id, partition);
    }
  }
  const partitions = new Map<
    string,
    {
      topic: string;
      partition: number;
      replicas: number[];
      leader: number | null;
      leaderEpoch: number | null;
      isr: number[];
    }
  >();
  for (const node of tree?.nodes ?? []) {
    const topicMatch = /^\/brokers\/topics\/([^/]+)$/.exec(node.path);
    if (topicMatch !== null) {
      for (const [partition, replicas] of assignmentFromZnode(node.data)) {
        const key = `${topicMatch[1]}/${partition}`;
        const entry = partitions.get(key) ?? {
          topic: topicMatch[1],
          partition,
          replicas: [],
          leader: null,
          leaderEpoch: null,
          isr: [],
        };
        entry.replicas = replicas;
        partitions.set(key, entry);
      }
      continue;
    }
    const stateMatch = /^\/brokers\/topics\/([^/]+)\/partitions\/(\d+)\/state$/.exec(node.path);
    if (stateMatch !== null) {
      const state = partitionStateFromZnode(node.data);
      if (state === null) continue;
      const key = `${stateMatch[1]}/${stateMatch[2]}`;
      const entry = partitions.get(key) ?? {
        topic: stateMatch[1],
        partition: Number(stateMatch[2]),
        replicas: [],
        leader: null,
        leaderEpoch: null,
        isr: [],
      };
      entry.leader = state.leader;
      entry.leaderEpoch = state.leaderEpoch;
      entry.isr = state.isr;
      partitions.set(key, entry);
    }
  }
  // Partitions only the brokers know about (no tree): the leader's own view, else any replica's.
  for (const [key, byBroker] of local) {
    if (partitions.has(key)) continue;
    const views = [...byBroker.values()];
    const view = views.find((candidate) => candidate.role === 'leader') ?? views[0];
    partitions.set(key, {
      topic: view.topic,
      partition: view.partition,
      replicas: [...view.replicas],
      leader: view.leader,
      leaderEpoch: view.leaderEpoch,
      isr: [...view.isr],
    });
  }
  const topics = new Map<string, PartitionState[]>();
  for (const [key, entry] of partitions) {
    const byBroker = local.get(key);
    const replicaIds = entry.replicas.length > 0 ? entry.replicas : entry.isr;
    const replicas = replicaIds.map((brokerId): ReplicaState => {
      const view = byBroker?.get(brokerId);
      return {
        brokerId,
        broker: nameOf(brokerId),
        isLeader: entry.leader === brokerId,
        inIsr: entry.isr.includes(brokerId),
        online: view !== undefined && view.role !== 'offline',
        logStartOffset: view?.logStartOffset ?? null,
        logEndOffset: view?.logEndOffset ?? null,
        highWatermark: view?.highWatermark ?? null,
        dir: view?.dir ?? null,
        segments: (view?.segments ?? []).map(({ baseOffset, sizeBytes, file }) => ({
          baseOffset,
          sizeBytes,
          file,
        })),
      };
    });
    const leader = entry.leader === null || entry.leader < 0 ? null : entry.leader;
    const list = topics.get(entry.topic) ?? [];
    list.push({
      topic: entry.topic,
      partition: entry.partition,
      leader,
      leaderEpoch: entry.leaderEpoch,
      isr: entry.isr,
      replicas,
      underReplicated: entry.isr.length < replicaIds.length,
      offline: leader === null,
    });
    topics.set(entry.topic, list);
  }
  return [...topics.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, list]) => ({ name, partitions: list.sort((a, b) => a.partition - b.partition) }));
}

/** `rates`: the Zab rates over the polls up to this one (zab-rates.ts), null when unknown. */
export function shapeState(observation: Observation, rates: ZabRates | null = null): DashboardState {
  const controller = shapeController(observation.tree, observation.brokers);
  return {
    at: observation.at,
    lab: observation.lab,
    ensemble: shapeEnsemble(observation.zookeepers, observation.links, rates),
    brokers: shapeBrokers(observation.brokers, observation.tree, controller, observation.links),
    controller,
    topics: shapeTopics(observation.tree, observation.brokers),
    tree: observation.tree,
    links: observation.links,
  };
}

/** The sections whose content differs (JSON-equal sections are not sent again). */
export function changedSections(previous: DashboardState | undefined, next: DashboardState): StateSection[] {
  if (previous === undefined) return [...STATE_SECTIONS];
  return STATE_SECTIONS.filter(
    (section) => JSON.stringify(previous[section]) !== JSON.stringify(next[section]),
  );
}

// ---------------------------------------------------------------------------------------------------
// The journal
// ---------------------------------------------------------------------------------------------------

/** Every kind of timeline entry; the page has a sentence for each (public/i18n.js `event.<kind>`). */
export const JOURNAL_KINDS = [
  // reported by the lab
  'lab-starting',
  'lab-ready',
  'lab-stopping',
  'lab-stopped',
  'node-started',
  'node-kill',
  'node-pause',
  'node-resume',
  'node-restart',
  'node-stop',
  'node-signal',
  'node-exited',
  'node-crashed',
  'partition',
  'heal',
  // observed by comparing two states
  'zk-leader-elected',
  'zk-role',
  'zk-voted',
  'quorum-lost',
  'quorum-regained',
  'controller-moved',
  'controller-gone',
  'broker-registered',
  'broker-deregistered',
  'partition-leader',
  'isr-shrink',
  'isr-expand',
  'isr-change',
  // observed in the consumer groups (lab-client.ts)
  'group-rebalanced',
  'group-empty',
] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

const SIGNAL_REASONS: Readonly<Record<string, JournalKind>> = {
  kill: 'node-kill',
  pause: 'node-pause',
  resume: 'node-resume',
  restart: 'node-restart',
  stop: 'node-stop',
};

/**
 * One line of the event timeline. The page renders `kind` + `params` in the chosen language, so entries
 * carry no prose. `nodes`: the nodes it concerns (for the filter).
 */
export interface JournalEntry {
  readonly seq: number;
  readonly at: number;
  readonly kind: JournalKind;
  readonly nodes: readonly string[];
  readonly params: Readonly<Record<string, string | number | boolean | null | readonly string[]>>;
  /** `lab`: reported by the lab (LocalCluster events); `observed`: seen by comparing two states. */
  readonly source: 'lab' | 'observed';
}

export type JournalDraft = Omit<JournalEntry, 'seq'>;

/** A lab event as a journal draft; undefined for the ones the dashboard shows its own way. */
export function journalFromClusterEvent(event: ClusterEvent): JournalDraft | undefined {
  const base = { at: event.at, source: 'lab' as const };
  switch (event.type) {
    case 'lab-starting':
      return {
        ...base,
        kind: 'lab-starting',
        nodes: [],
        params: { zookeepers: event.zookeepers, brokers: event.brokers },
      };
    case 'lab-ready':
      return {
        ...base,
        kind: 'lab-ready',
        nodes: [],
        params: { leader: event.leader, controller: event.controller ?? null },
      };
    case 'node-started':
      return {
        ...base,
        kind: 'node-started',
        nodes: [event.node],
        params: { node: event.node, pid: event.pid },
      };
    case 'node-signalled':
      return {
        ...base,
        kind: SIGNAL_REASONS[event.reason] ?? 'node-signal',
        nodes: [event.node],
        params: { node: event.node, pid: event.pid, signal: event.signal, reason: event.reason },
      };
    case 'node-exited':
      return {
        ...base,
        kind: event.expected ? 'node-exited' : 'node-crashed',
        nodes: [event.node],
        params: { node: event.node, pid: event.pid, code: event.code, signal: event.signal },
      };
    case 'links-changed':
      return {
        ...base,
        kind: event.action === 'partition' ? 'partition' : 'heal',
        nodes: event.groups.flat(),
        params: { groups: event.groups.map((group) => group.join(' ')), mode: event.mode },
      };
    case 'lab-stopping':
      return { ...base, kind: 'lab-stopping', nodes: [], params: { reason: event.reason } };
    case 'lab-stopped':
      return { ...base, kind: 'lab-stopped', nodes: [], params: {} };
    case 'role-changed':
      // `srvr` modes, polled every second by the lab: the dashboard observes roles itself (below).
      return undefined;
  }
}

/** What changed between two states, as journal drafts (in a stable order). */
export function observedChanges(previous: DashboardState | undefined, next: DashboardState): JournalDraft[] {
  if (previous === undefined) return [];
  const drafts: JournalDraft[] = [];
  const base = { at: next.at, source: 'observed' as const };

  // ZooKeeper roles: a new leader (with its epoch), servers that start or stop looking.
  for (const server of next.ensemble.servers) {
    const before = previous.ensemble.servers.find((candidate) => candidate.name === server.name);
    if (before === undefined || before.role === server.role) continue;
    // DOWN and PAUSED come with the lab's own kill/pause entries; UNKNOWN is not news.
    if (['DOWN', 'PAUSED', 'UNKNOWN'].includes(server.role)) continue;
    if (server.role === 'LEADING') {
      drafts.push({
        ...base,
        kind: 'zk-leader-elected',
        nodes: [server.name],
        params: { node: server.name, epoch: server.currentEpoch },
      });
    } else {
      drafts.push({
        ...base,
        kind: 'zk-role',
        nodes: [server.name],
        params: { node: server.name, from: before.role, to: server.role },
      });
    }
  }
  // Votes: a server that settled (FOLLOWING/LEADING) on a vote it did not hold settled before voted in
  // that election; the timeline keeps whom for. While LOOKING its proposal shows on its card only. A
  // server back from a pause or a restart that joins on a round no newer than the others' did not vote in
  // an election of its own: not news.
  const previousRounds = previous.ensemble.servers.flatMap((server) =>
    server.vote === null ? [] : [server.vote.round],
  );
  for (const server of next.ensemble.servers) {
    if (server.vote === null || (server.role !== 'FOLLOWING' && server.role !== 'LEADING')) continue;
    const before = previous.ensemble.servers.find((candidate) => candidate.name === server.name);
    const settledBefore =
      before !== undefined &&
      (before.role === 'FOLLOWING' || before.role === 'LEADING') &&
      before.vote !== null &&
      before.vote.round === server.vote.round &&
      before.vote.leaderSid === server.vote.leaderSid;
    const rejoined =
      (before === undefined || ['DOWN', 'PAUSED', 'UNKNOWN'].includes(before.role)) &&
      server.vote.round <= Math.max(0, ...previousRounds);
    if (settledBefore || rejoined) continue;
    drafts.push({
      ...base,
      kind: 'zk-voted',
      nodes: [...new Set([server.name, server.vote.leader])],
      params: {
        node: server.name,
        leader: server.vote.leader,
        zxid: server.vote.zxid,
        round: server.vote.round,
      },
    });
  }
  if (previous.ensemble.hasQuorum && !next.ensemble.hasQuorum) {
    drafts.push({
      ...base,
      kind: 'quorum-lost',
      nodes: [],
      params: { serving: next.ensemble.serving, majority: next.ensemble.majority },
    });
  } else if (!previous.ensemble.hasQuorum && next.ensemble.hasQuorum) {
    drafts.push({
      ...base,
      kind: 'quorum-regained',
      nodes: next.ensemble.leader === null ? [] : [next.ensemble.leader],
      params: { leader: next.ensemble.leader, serving: next.ensemble.serving },
    });
  }

  const treeKnown = (state: DashboardState): boolean => state.tree !== null && state.tree.error === undefined;
  if (treeKnown(previous) && treeKnown(next)) {
    // The controller (/controller and /controller_epoch).
    const from = previous.controller;
    const to = next.controller;
    if (from.brokerId !== to.brokerId) {
      const nodes = [from.broker, to.broker].filter((name): name is string => name !== null);
      drafts.push({
        ...base,
        kind: to.brokerId === null ? 'controller-gone' : 'controller-moved',
        nodes,
        params: { from: from.broker, to: to.broker, epoch: to.epoch },
      });
    }
    // Broker registrations (/brokers/ids/<id>, ephemeral).
    for (const broker of next.brokers) {
      const before = previous.brokers.find((candidate) => candidate.name === broker.name);
      if (before === undefined || before.registered === broker.registered) continue;
      drafts.push({
        ...base,
        kind: broker.registered ? 'broker-registered' : 'broker-deregistered',
        nodes: [broker.name],
        params: { node: broker.name, id: broker.id },
      });
    }
    // Partition leaders and ISR.
    for (const topic of next.topics) {
      for (const partition of topic.partitions) {
        const before = previous.topics
          .find((candidate) => candidate.name === topic.name)
          ?.partitions.find((candidate) => candidate.partition === partition.partition);
        if (before === undefined) continue;
        const name = (id: number | null): string | null =>
          id === null
            ? null
            : (partition.replicas.find((replica) => replica.brokerId === id)?.broker ?? `broker${id}`);
        if (before.leader !== partition.leader) {
          drafts.push({
            ...base,
            kind: 'partition-leader',
            nodes: [name(before.leader), name(partition.leader)].filter((n): n is string => n !== null),
            params: {
              topic: topic.name,
              partition: partition.partition,
              from: name(before.leader),
              to: name(partition.leader),
              leaderEpoch: partition.leaderEpoch,
            },
          });
        }
        if (before.isr.join(',') !== partition.isr.join(',')) {
          const kind =
            partition.isr.length < before.isr.length
              ? 'isr-shrink'
              : partition.isr.length > before.isr.length
                ? 'isr-expand'
                : 'isr-change';
          drafts.push({
            ...base,
            kind,
            nodes: partition.replicas.map((replica) => replica.broker),
            params: {
              topic: topic.name,
              partition: partition.partition,
              from: before.isr.map(String),
              to: partition.isr.map(String),
            },
          });
        }
      }
    }
  }
  return drafts;
}

/** A bounded journal that numbers entries. */
export class Journal {
  private readonly entries: JournalEntry[] = [];
  private nextSeq = 1;
  private readonly capacity: number;

  constructor(capacity = 2000) {
    this.capacity = capacity;
  }

  add(draft: JournalDraft): JournalEntry {
    const entry: JournalEntry = { ...draft, seq: this.nextSeq++ };
    this.entries.push(entry);
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity);
    return entry;
  }

  all(): JournalEntry[] {
    return [...this.entries];
  }
}
