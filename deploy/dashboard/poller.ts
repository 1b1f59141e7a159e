// The dashboard's eyes: every poll (about every 500 ms) it asks each running ZooKeeper server's
// AdminServer for `quorum` (kzlab's: ServerState, ZabState, epochs, zxids) and `srvr` (connections, znode
// count), each running broker's admin HTTP for `/broker`, `/controller` and `/partitions`, and reads the
// znode tree (about every second, and at once after a lab event). Paused nodes are not asked: they cannot
// answer. Every request has a deadline; a poll that is still running when the next one is due is not
// overlapped.

import type { ClusterHandle, LinkFault, NodeProcessInfo } from '../cluster/handle.ts';
import { fetchAdminJson } from '../local/broker-admin.ts';
import type {
  BrokerObservation,
  BrokerPartitionAnswer,
  Observation,
  QuorumAnswer,
  SessionAnswer,
  SrvrAnswer,
  ZnodeTree,
  ZooKeeperObservation,
} from './state.ts';
import { ZnodeTreeReader } from './znode-tree.ts';

export interface PollerOptions {
  readonly cluster: ClusterHandle;
  /** Deadline of one HTTP request to a node. Default 800 ms. */
  readonly requestTimeoutMs?: number;
  /** Read the znode tree at most this often. Default 1000 ms. */
  readonly treeIntervalMs?: number;
  /** Deadline of connecting to ZooKeeper and of one tree read. Default 2500 ms. */
  readonly zookeeperTimeoutMs?: number;
}

export class Poller {
  private readonly cluster: ClusterHandle;
  private readonly requestTimeoutMs: number;
  private readonly treeIntervalMs: number;
  private readonly zookeeperTimeoutMs: number;
  private treeReader: ZnodeTreeReader | undefined;
  private tree: ZnodeTree | null = null;
  private treeReadAt = -Infinity;
  private treeWanted = true;
  private links: readonly LinkFault[] = [];
  /** Aborted by close(): requests in flight give up at once. */
  private readonly closing = new AbortController();

  constructor(options: PollerOptions) {
    this.cluster = options.cluster;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 800;
    this.treeIntervalMs = options.treeIntervalMs ?? 1000;
    this.zookeeperTimeoutMs = options.zookeeperTimeoutMs ?? 2500;
  }

  /** The links that are cut, as the lab's last `links-changed` event said. */
  setLinks(links: readonly LinkFault[]): void {
    this.links = links;
  }

  /** Read the tree on the next poll, whatever its interval says (after a lab event). */
  refreshTreeSoon(): void {
    this.treeWanted = true;
  }

  async poll(): Promise<Observation> {
    const info = await this.cluster.info();
    this.treeReader ??= new ZnodeTreeReader({ connect: info.connect, timeoutMs: this.zookeeperTimeoutMs });
    const zookeepers = info.nodes.filter((node) => node.kind === 'zookeeper');
    const brokers = info.nodes.filter((node) => node.kind === 'broker');
    const treeDue = this.treeWanted || performance.now() - this.treeReadAt >= this.treeIntervalMs;
    const [zookeeperObservations, brokerObservations] = await Promise.all([
      Promise.all(zookeepers.map((node) => this.observeZooKeeper(node))),
      Promise.all(brokers.map((node) => this.observeBroker(node))),
      treeDue ? this.readTree() : Promise.resolve(),
    ]);
    return {
      at: Date.now(),
      lab: { connect: info.connect, bootstrap: info.bootstrap, impl: info.impl, dataDir: info.dataDir },
      zookeepers: zookeeperObservations,
      brokers: brokerObservations,
      tree: this.tree,
      links: this.links,
    };
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.treeReader?.close();
  }

  private async readTree(): Promise<void> {
    this.treeWanted = false;
    this.treeReadAt = performance.now();
    const tree = await this.treeReader!.read();
    // A failed read keeps the last good nodes, marked with the error.
    this.tree = tree.error === undefined || this.tree === null ? tree : { ...this.tree, error: tree.error };
  }

  private async observeZooKeeper(node: NodeProcessInfo): Promise<ZooKeeperObservation> {
    const base = {
      name: node.name,
      sid: node.sid,
      process: node.process,
      pid: node.pid,
      clientPort: node.clientPort,
    };
    if (node.process !== 'running' && node.process !== 'starting') return base;
    const [quorum, srvr, cons, watches] = await Promise.allSettled([
      this.getJson(`${node.adminUrl}/quorum`),
      this.getJson(`${node.adminUrl}/srvr`),
      this.getExactJson(`${node.adminUrl}/cons`),
      this.getExactJson(`${node.adminUrl}/watches_by_path`),
    ]);
    if (quorum.status === 'rejected' && srvr.status === 'rejected') {
      return { ...base, error: (quorum.reason as Error).message };
    }
    return {
      ...base,
      ...(quorum.status === 'fulfilled' ? parseQuorum(quorum.value) : {}),
      ...(srvr.status === 'fulfilled' ? { srvr: parseSrvrJson(srvr.value) } : {}),
      ...(cons.status === 'fulfilled' ? { sessions: parseCons(cons.value) } : {}),
      ...(watches.status === 'fulfilled' ? { watchesByPath: parseWatchesByPath(watches.value) } : {}),
    };
  }

  private async observeBroker(node: NodeProcessInfo): Promise<BrokerObservation> {
    const base = {
      name: node.name,
      id: node.sid,
      process: node.process,
      pid: node.pid,
      kafkaPort: node.clientPort,
    };
    if (node.process !== 'running' && node.process !== 'starting') return base;
    const [broker, controller, partitions] = await Promise.allSettled([
      this.getJson(`${node.adminUrl}/broker`),
      this.getJson(`${node.adminUrl}/controller`),
      this.getJson(`${node.adminUrl}/partitions`),
    ]);
    if (broker.status === 'rejected') return { ...base, error: (broker.reason as Error).message };
    const brokerAnswer = broker.value as {
      brokerEpoch?: string | null;
      controllerId?: number | null;
      clusterId?: string | null;
    };
    const controllerAnswer =
      controller.status === 'fulfilled'
        ? (controller.value as {
            isController?: boolean;
            controllerEpoch?: number | null;
            offlinePartitions?: number;
          })
        : undefined;
    const partitionList =
      partitions.status === 'fulfilled'
        ? ((partitions.value as { partitions?: BrokerPartitionAnswer[] }).partitions ?? [])
        : undefined;
    return {
      ...base,
      broker: {
        brokerEpoch: brokerAnswer.brokerEpoch ?? null,
        controllerId: brokerAnswer.controllerId ?? null,
        clusterId: brokerAnswer.clusterId ?? null,
      },
      ...(controllerAnswer === undefined
        ? {}
        : {
            controller: {
              isController: controllerAnswer.isController === true,
              controllerEpoch: controllerAnswer.controllerEpoch ?? null,
              offlinePartitions: controllerAnswer.offlinePartitions ?? 0,
            },
          }),
      ...(partitionList === undefined ? {} : { partitions: partitionList }),
    };
  }

  private getJson(url: string): Promise<unknown> {
    return fetchAdminJson(url, this.requestTimeoutMs, this.closing.signal);
  }

  /** An AdminServer answer with 64-bit session ids: their digits kept (see parseExactJson). */
  private async getExactJson(url: string): Promise<unknown> {
    const deadline = AbortSignal.timeout(this.requestTimeoutMs);
    const response = await fetch(url, { signal: AbortSignal.any([deadline, this.closing.signal]) });
    if (!response.ok) {
      await response.body?.cancel();
      throw new Error(`${url}: HTTP ${response.status}`);
    }
    return parseExactJson(await response.text());
  }
}

/**
 * JSON whose integers beyond 2^53 (ZooKeeper writes session ids as exact 64-bit numbers) come out as
 * decimal strings instead of rounded doubles: such literals are quoted before JSON.parse, strings left alone.
 */
export function parseExactJson(text: string): unknown {
  let quoted = '';
  let index = 0;
  while (index < text.length) {
    const char = text[index];
    if (char === '"') {
      // Copy a string literal as it is, escapes included.
      let end = index + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      quoted += text.slice(index, end + 1);
      index = end + 1;
    } else if (char === '-' || (char >= '0' && char <= '9')) {
      const literal = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(index, index + 64))![0];
      const exact = /^-?\d+$/.test(literal) && !Number.isSafeInteger(Number(literal));
      quoted += exact ? `"${literal}"` : literal;
      index += literal.length;
    } else {
      quoted += char;
      index += 1;
    }
  }
  return JSON.parse(quoted);
}

/** A session id as AdminServer writes it (decimal, maybe signed) → hex as in a znode's ephemeralOwner. */
export function sessionHex(id: unknown): string | null {
  if (typeof id !== 'string' && typeof id !== 'number') return null;
  if (!/^-?\d+$/.test(String(id))) return null;
  return `0x${BigInt.asUintN(64, BigInt(id)).toString(16)}`;
}

/** AdminServer `cons` → the sessions connected to that server (connections without a session left out). */
export function parseCons(body: unknown): SessionAnswer[] {
  const connections = (body as { connections?: unknown }).connections;
  if (!Array.isArray(connections)) return [];
  return connections.flatMap((entry) => {
    const connection = entry as {
      session_id?: unknown;
      session_timeout?: unknown;
      remote_socket_address?: unknown;
    };
    const sessionId = sessionHex(connection.session_id);
    if (sessionId === null || sessionId === '0x0') return [];
    return [
      {
        sessionId,
        timeoutMs: Number(connection.session_timeout ?? 0),
        remote: String(connection.remote_socket_address ?? ''),
      },
    ];
  });
}

/** AdminServer `watches_by_path` → path → watching sessions (hex). */
export function parseWatchesByPath(body: unknown): Record<string, string[]> {
  const byPath = (body as { path_to_session_ids?: unknown }).path_to_session_ids;
  if (typeof byPath !== 'object' || byPath === null) return {};
  return Object.fromEntries(
    Object.entries(byPath).map(([path, ids]) => [
      path,
      (Array.isArray(ids) ? ids : []).map(sessionHex).filter((id) => id !== null),
    ]),
  );
}

/** AdminServer `quorum` JSON → QuorumAnswer; nothing when it is not one (a standalone or Apache server). */
export function parseQuorum(body: unknown): { quorum?: QuorumAnswer } {
  const value = body as Partial<QuorumAnswer> & { error?: unknown };
  if (typeof value !== 'object' || value === null || typeof value.state !== 'string' || value.error)
    return {};
  return {
    quorum: {
      myid: Number(value.myid),
      state: value.state,
      zabState: String(value.zabState ?? ''),
      currentEpoch: Number(value.currentEpoch),
      acceptedEpoch: Number(value.acceptedEpoch),
      lastLoggedZxid: String(value.lastLoggedZxid ?? '0x0'),
      lastProcessedZxid: String(value.lastProcessedZxid ?? '0x0'),
      leader: typeof value.leader === 'number' ? value.leader : null,
      learners: Array.isArray(value.learners) ? value.learners : [],
      vote: typeof value.vote === 'object' && value.vote !== null ? value.vote : null,
    },
  };
}

/** AdminServer `srvr` JSON (ZooKeeper 3.8's shape) → the fields the dashboard shows. */
export function parseSrvrJson(body: unknown): SrvrAnswer {
  const value = body as {
    error?: unknown;
    node_count?: unknown;
    server_stats?: {
      server_state?: unknown;
      num_alive_client_connections?: unknown;
      last_processed_zxid?: unknown;
    };
  };
  if (typeof value !== 'object' || value === null || (value.error !== null && value.error !== undefined)) {
    // Not serving: ZooKeeper answers with an error and no stats.
    return { serverState: 'looking' };
  }
  const stats = value.server_stats ?? {};
  return {
    ...(typeof stats.server_state === 'string' ? { serverState: stats.server_state } : {}),
    ...(typeof stats.num_alive_client_connections === 'number'
      ? { connections: stats.num_alive_client_connections }
      : {}),
    ...(typeof value.node_count === 'number' ? { nodeCount: value.node_count } : {}),
    ...(typeof stats.last_processed_zxid === 'number'
      ? { lastProcessedZxid: stats.last_processed_zxid }
      : {}),
  };
}
